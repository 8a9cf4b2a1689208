/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs a libFuzzer target without libFuzzer, so `make check` exercises every
 * target with any compiler: each file named on the command line is one
 * input (a corpus), then --random N feeds N pseudo-random inputs from a
 * fixed seed, so a failure is reproducible.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t next(uint64_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        return *s;
}

static int run_file(const char *path)
{
        static uint8_t buf[1 << 20];
        FILE *f = fopen(path, "rb");
        size_t n;

        if (!f) {
                perror(path);
                return -1;
        }
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        return 0;
}

int main(int argc, char **argv)
{
        static uint8_t buf[4096];
        uint64_t seed = 0x2545f4914f6cdd1dull;
        long random_runs = 0;
        int files = 0;

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--random") == 0 && i + 1 < argc) {
                        random_runs = atol(argv[++i]);
                        continue;
                }
                if (run_file(argv[i]) < 0)
                        return 1;
                files++;
        }
        for (long r = 0; r < random_runs; r++) {
                size_t len = next(&seed) % sizeof(buf);
                for (size_t i = 0; i < len; i++)
                        buf[i] = (uint8_t)next(&seed);
                /* Bias the selector so every case gets its share. */
                if (len > 0)
                        buf[0] = (uint8_t)(r % 256);
                LLVMFuzzerTestOneInput(buf, len);
        }
        printf("%s: %d corpus files, %ld random inputs\n", argv[0], files, random_runs);
        return 0;
}
