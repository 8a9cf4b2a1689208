/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the benchmarks share; see common.h. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

void bench_build_dir(char *out, size_t size)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char *slash;

        if (n <= 0)
                return;
        self[n] = '\0';
        for (int up = 0; up < 2; up++) {
                slash = strrchr(self, '/');
                if (!slash)
                        return;
                *slash = '\0';
        }
        snprintf(out, size, "%s", self);
}
