/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for everything the exec protocol takes from a peer:
 * message streams from either side (assembled and checked as the agent and
 * dom0 do), and the payload validators on their own, with the checked values
 * held to the limits and a checked EXEC re-encoded byte for byte.
 *
 * Input: a selector byte, then the case's bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bh_exec_rx rx;
static uint8_t out[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD];

static void check_argv(char **argv, const uint8_t *payload, size_t len)
{
        size_t argc = 0, out_len;

        while (argv[argc])
                argc++;
        if (argc < 1 || argc > BH_EXEC_MAX_ARGC || argv[0][0] == '\0')
                abort();
        /* What passed the check encodes back to the very same bytes. */
        if (bh_exec_encode_exec(argv, out, sizeof(out), &out_len) != 0)
                abort();
        if (out_len != BH_EXEC_HDR_SIZE + len || memcmp(out + BH_EXEC_HDR_SIZE, payload, len) != 0)
                abort();
}

static void on_message(void)
{
        const uint8_t *p = bh_exec_rx_payload(&rx);
        const char *why;
        uint32_t v;
        char **argv;

        if (rx.len > BH_EXEC_MAX_PAYLOAD || rx.have != BH_EXEC_HDR_SIZE + rx.len)
                abort();
        switch (rx.type) {
        case BH_EXEC_MSG_HELLO:
                if (bh_exec_hello_check(p, rx.len, &v, &why) == 0 &&
                    (v < 1 || v > BH_EXEC_PROTO_VERSION))
                        abort();
                break;
        case BH_EXEC_MSG_EXEC:
                if (rx.peer.from != BH_EXEC_FROM_CLIENT)
                        abort();
                if (bh_exec_exec_check(p, rx.len, &argv, &why) == 0) {
                        check_argv(argv, p, rx.len);
                        free(argv);
                }
                break;
        case BH_EXEC_MSG_SERVICE: {
                struct bh_exec_service svc;
                uint8_t enc[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD];
                size_t len;

                if (rx.peer.from != BH_EXEC_FROM_CLIENT)
                        abort();
                /* A checked SERVICE encodes back to the same bytes. */
                if (bh_exec_service_check(p, rx.len, &svc, &why) == 0 &&
                    (bh_exec_encode_service(&svc, enc, sizeof(enc), &len) != 0 ||
                     len != BH_EXEC_HDR_SIZE + rx.len || memcmp(enc + BH_EXEC_HDR_SIZE, p, rx.len) != 0))
                        abort();
                break;
        }
        case BH_EXEC_MSG_STDIN:
                if (rx.peer.from != BH_EXEC_FROM_CLIENT && rx.peer.from != BH_EXEC_FROM_CALLER)
                        abort();
                break;
        case BH_EXEC_MSG_STDOUT:
        case BH_EXEC_MSG_STDERR:
                if (rx.peer.from != BH_EXEC_FROM_AGENT)
                        abort();
                break;
        case BH_EXEC_MSG_EXIT:
                if (rx.peer.from != BH_EXEC_FROM_AGENT || !rx.peer.stdout_eof || !rx.peer.stderr_eof)
                        abort();
                if (bh_exec_exit_check(p, rx.len, &v, &why) == 0 && v > BH_EXEC_MAX_STATUS)
                        abort();
                break;
        default:
                abort(); /* the header check lets no other type through */
        }
}

/* Feeds the stream in pieces whose sizes come from `chunks` (0: as asked). */
static void fuzz_stream(enum bh_exec_role from, const uint8_t *p, size_t left, uint8_t chunks)
{
        bh_exec_rx_init(&rx, from);
        while (left > 0) {
                const char *why = NULL;
                uint8_t *where;
                size_t want = bh_exec_rx_want(&rx, &where), n;
                int r;

                if (want == 0 || want > BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD - rx.have)
                        abort();
                n = want < left ? want : left;
                if (chunks && n > chunks)
                        n = chunks;
                memcpy(where, p, n);
                p += n;
                left -= n;
                r = bh_exec_rx_fed(&rx, n, &why);
                if (r < 0) {
                        if (!why || bh_exec_rx_want(&rx, &where) != 0)
                                abort();
                        return;
                }
                if (r == 1) {
                        on_message();
                        bh_exec_rx_next(&rx);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *why;
        char **argv;
        uint32_t v;

        if (size < 1)
                return 0;
        switch (data[0] % 7) {
        case 6:
                /* A caller: dom0 chose the service; only stdin may come. */
                fuzz_stream(BH_EXEC_FROM_CALLER, data + 1, size - 1, 0);
                break;
        case 0:
                fuzz_stream(BH_EXEC_FROM_AGENT, data + 1, size - 1, 0);
                break;
        case 1:
                fuzz_stream(BH_EXEC_FROM_CLIENT, data + 1, size - 1, 0);
                break;
        case 2:
                if (size >= 2)
                        fuzz_stream(data[1] & 1 ? BH_EXEC_FROM_AGENT : BH_EXEC_FROM_CLIENT,
                                    data + 2, size - 2, (uint8_t)((data[1] >> 1) | 1));
                break;
        case 3:
                if (bh_exec_exec_check(data + 1, size - 1, &argv, &why) == 0) {
                        check_argv(argv, data + 1, size - 1);
                        free(argv);
                }
                break;
        case 4:
                if (bh_exec_hello_check(data + 1, size - 1, &v, &why) == 0 &&
                    (v < 1 || v > BH_EXEC_PROTO_VERSION))
                        abort();
                break;
        case 5:
                if (bh_exec_exit_check(data + 1, size - 1, &v, &why) == 0 && v > BH_EXEC_MAX_STATUS)
                        abort();
                break;
        }
        return 0;
}
