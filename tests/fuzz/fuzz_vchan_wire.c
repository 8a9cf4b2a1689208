/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for everything the socket transport takes from a peer:
 * control records, shared-buffer descriptors, and ring indices the peer
 * rewrites between our reads and writes.
 *
 * Input: a selector byte, then the case's bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vchan.h"
#include "vchan_ring.h"
#include "vchan_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t take32(const uint8_t **p, size_t *left)
{
        uint32_t v = 0;
        size_t n = *left < 4 ? *left : 4;

        memcpy(&v, *p, n);
        *p += n;
        *left -= n;
        return v;
}

static void fuzz_ring(const uint8_t *p, size_t left)
{
        static struct bh_ring_shared sh;
        static uint8_t data[BH_VCHAN_RING_MIN];
        static uint8_t buf[2 * BH_VCHAN_RING_MIN];
        struct bh_ring reader, writer;
        size_t done;
        uint32_t n;

        memset(&sh, 0, sizeof(sh));
        bh_ring_init(&reader, &sh, data, sizeof(data));
        bh_ring_init(&writer, &sh, data, sizeof(data));
        reader.local = take32(&p, &left);
        writer.local = take32(&p, &left);
        while (left > 0) {
                uint8_t op = *p++;
                left--;
                uint32_t v = take32(&p, &left);

                switch (op % 6) {
                case 0: /* the peer rewrites the producer index */
                        sh.prod = v;
                        break;
                case 1: /* the peer rewrites the consumer index */
                        sh.cons = v;
                        break;
                case 2:
                        if (bh_ring_read(&reader, buf, v % sizeof(buf), &done) == 0 &&
                            done > sizeof(data))
                                abort();
                        break;
                case 3:
                        if (bh_ring_write(&writer, buf, v % sizeof(buf), &done) == 0 &&
                            done > sizeof(data))
                                abort();
                        break;
                case 4:
                        if (bh_ring_readable(&reader, &n) == 0 && n > sizeof(data))
                                abort();
                        break;
                case 5:
                        if (bh_ring_writable(&writer, &n) == 0 && n > sizeof(data))
                                abort();
                        break;
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint32_t id;

        if (size < 1)
                return 0;
        switch (data[0] % 4) {
        case 0:
                (void)bh_vchan_ctl_check(data + 1, size - 1, data[0] & 0x80);
                break;
        case 1: {
                const uint8_t *p = data + 1;
                size_t left = size - 1;
                size_t expected = take32(&p, &left);
                int r = bh_shbuf_desc_socket_check(p, left, expected, &id);
                if (r == 0 && (expected == 0 || expected > BH_SHBUF_MAX_BYTES))
                        abort();
                break;
        }
        case 2: {
                const uint8_t *p = data + 1;
                size_t left = size - 1;
                uint32_t s0 = take32(&p, &left), s1 = take32(&p, &left);
                uint64_t mem = take32(&p, &left);
                if (bh_ring_check_layout(s0, s1, mem) == 0 &&
                    (s0 > BH_VCHAN_RING_MAX || s1 > BH_VCHAN_RING_MAX ||
                     (uint64_t)BH_RING_HEADER_SIZE + s0 + s1 != mem))
                        abort();
                break;
        }
        case 3:
                fuzz_ring(data + 1, size - 1);
                break;
        }
        return 0;
}
