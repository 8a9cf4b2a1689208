/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for everything qrexec's control protocol takes from a
 * peer (lib/qrexec_proto.c): message streams from the agent (as
 * qrexec-daemon reads them) and from the daemon (as the agent does), each
 * header checked before its payload, and the payload checks and name
 * checks on their own.  Whatever is accepted must hold to the limits and
 * encode back to the very bytes it came from.
 *
 * Input: a selector byte, then the case's bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qrexec_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[BH_QREXEC_MSG_MAX];

/* The encoder gave back exactly the message that was checked. */
static void same_bytes(int len, const uint8_t *msg, size_t msg_len)
{
        if (len < 0 || (size_t)len != msg_len || memcmp(out, msg, msg_len) != 0)
                abort();
}

static void check_port(uint32_t port)
{
        if (port < BH_QREXEC_DATA_PORT_MIN || port > BH_QREXEC_DATA_PORT_MAX)
                abort();
}

/*
 * One whole message (header and payload) of a type the header check
 * passed: checks its payload as the receiving side does; an accepted one
 * must be within limits and re-encode byte for byte.
 */
static void on_message(uint32_t type, const uint8_t *msg, size_t msg_len)
{
        const uint8_t *p = msg + BH_QREXEC_HDR_SIZE;
        size_t len = msg_len - BH_QREXEC_HDR_SIZE;
        const char *why = NULL;
        int r;

        switch (type) {
        case BH_QREXEC_MSG_HELLO: {
                uint32_t v;

                r = bh_qrexec_hello_check(p, len, &v, &why);
                if (r == 0 && (v < 1 || v > BH_QREXEC_PROTO_VERSION))
                        abort();
                break;
        }
        case BH_QREXEC_MSG_TRIGGER: {
                struct bh_qrexec_trigger t;

                r = bh_qrexec_trigger_check(p, len, &t, &why);
                if (r == 0) {
                        check_port(t.port);
                        if (!bh_qrexec_target_ok(t.target) ||
                            !bh_qrexec_name_ok(t.service, BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(t.arg))
                                abort();
                        same_bytes(bh_qrexec_encode_trigger(out, &t), msg, msg_len);
                }
                break;
        }
        case BH_QREXEC_MSG_SERVICE_CONNECT: {
                struct bh_qrexec_connect c;

                r = bh_qrexec_connect_check(p, len, &c, &why);
                if (r == 0) {
                        if (!bh_qrexec_name_ok(c.target, BH_QREXEC_DOMAIN_MAX))
                                abort();
                        same_bytes(bh_qrexec_encode_connect(out, &c), msg, msg_len);
                }
                break;
        }
        case BH_QREXEC_MSG_SERVICE_REFUSED: {
                struct bh_qrexec_refused f;

                r = bh_qrexec_refused_check(p, len, &f, &why);
                if (r == 0)
                        same_bytes(bh_qrexec_encode_refused(out, &f), msg, msg_len);
                break;
        }
        case BH_QREXEC_MSG_RUN_SERVICE: {
                struct bh_qrexec_run m;

                r = bh_qrexec_run_check(p, len, &m, &why);
                if (r == 0) {
                        check_port(m.port);
                        if ((m.link[0] && !bh_qrexec_name_ok(m.link, BH_QREXEC_LINK_MAX)) ||
                            !bh_qrexec_name_ok(m.service, BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(m.arg) ||
                            !bh_qrexec_name_ok(m.source, BH_QREXEC_DOMAIN_MAX))
                                abort();
                        same_bytes(bh_qrexec_encode_run(out, &m), msg, msg_len);
                }
                break;
        }
        case BH_QREXEC_MSG_SERVICE_DONE: {
                struct bh_qrexec_done d;

                r = bh_qrexec_done_check(p, len, &d, &why);
                if (r == 0) {
                        if (d.status > 255)
                                abort();
                        same_bytes(bh_qrexec_encode_done(out, &d), msg, msg_len);
                }
                break;
        }
        default:
                abort(); /* the header check lets no other type through */
        }
        if (r != 0 && !why)
                abort(); /* every refusal has its one log line */
}

/* Message after message from one side, as the receiving end reads them. */
static void fuzz_stream(enum bh_qrexec_role from, const uint8_t *p, size_t left)
{
        struct bh_qrexec_peer peer;
        bool first = true;

        bh_qrexec_peer_init(&peer, from);
        while (left >= BH_QREXEC_HDR_SIZE) {
                const char *why = NULL;
                uint32_t type, len;

                if (bh_qrexec_check_header(&peer, p, &type, &len, &why) < 0) {
                        if (!why)
                                abort();
                        return;
                }
                /* What passed: HELLO first and only then, a type of this
                 * side, a length a message may have. */
                if (len > BH_QREXEC_MAX_PAYLOAD || (first != (type == BH_QREXEC_MSG_HELLO)) || !peer.hello)
                        abort();
                if ((from == BH_QREXEC_FROM_AGENT) &&
                    (type == BH_QREXEC_MSG_SERVICE_CONNECT || type == BH_QREXEC_MSG_SERVICE_REFUSED ||
                     type == BH_QREXEC_MSG_RUN_SERVICE))
                        abort();
                if ((from == BH_QREXEC_FROM_DAEMON) &&
                    (type == BH_QREXEC_MSG_TRIGGER || type == BH_QREXEC_MSG_SERVICE_DONE))
                        abort();
                if (left - BH_QREXEC_HDR_SIZE < len)
                        return; /* the peer has not sent the rest yet */
                on_message(type, p, BH_QREXEC_HDR_SIZE + len);
                p += BH_QREXEC_HDR_SIZE + len;
                left -= BH_QREXEC_HDR_SIZE + len;
                first = false;
        }
}

/* A payload checker alone, on bytes that never went through a header check. */
static void fuzz_payload(uint8_t which, const uint8_t *p, size_t len)
{
        static const uint32_t types[] = {
                BH_QREXEC_MSG_HELLO,        BH_QREXEC_MSG_TRIGGER,     BH_QREXEC_MSG_SERVICE_CONNECT,
                BH_QREXEC_MSG_SERVICE_REFUSED, BH_QREXEC_MSG_RUN_SERVICE, BH_QREXEC_MSG_SERVICE_DONE,
        };
        static uint8_t msg[BH_QREXEC_HDR_SIZE + BH_QREXEC_MAX_PAYLOAD];
        uint32_t type = types[which % (sizeof(types) / sizeof(types[0]))];

        /* Longer payloads are refused by the header check; the checkers
         * must refuse them on their own as well. */
        if (len > BH_QREXEC_MAX_PAYLOAD) {
                struct bh_qrexec_trigger t;
                struct bh_qrexec_run r;
                const char *why;

                if (bh_qrexec_trigger_check(p, len, &t, &why) == 0 || bh_qrexec_run_check(p, len, &r, &why) == 0)
                        abort();
                return;
        }
        msg[0] = (uint8_t)type;
        msg[1] = msg[2] = msg[3] = 0;
        msg[4] = (uint8_t)len;
        msg[5] = (uint8_t)(len >> 8);
        msg[6] = msg[7] = 0;
        memcpy(msg + BH_QREXEC_HDR_SIZE, p, len);
        on_message(type, msg, BH_QREXEC_HDR_SIZE + len);
}

/* Names: the three checks agree with each other and with the split. */
static void fuzz_names(const uint8_t *p, size_t len)
{
        char s[BH_QREXEC_SERVICE_MAX + BH_QREXEC_ARG_MAX + 8];
        char service[BH_QREXEC_SERVICE_MAX + 1], arg[BH_QREXEC_ARG_MAX + 1], again[sizeof(s)];
        size_t n = len < sizeof(s) - 1 ? len : sizeof(s) - 1;
        bool name;

        memcpy(s, p, n);
        s[n] = '\0';
        name = bh_qrexec_name_ok(s, BH_QREXEC_DOMAIN_MAX);
        if (name && (!bh_qrexec_target_ok(s) || !bh_qrexec_arg_ok(s) ||
                     !bh_qrexec_name_ok(s, BH_QREXEC_SERVICE_MAX)))
                abort();
        if (name && (s[0] == '.' || s[0] == '-' || strchr(s, '/') || strlen(s) > BH_QREXEC_DOMAIN_MAX))
                abort();
        if (bh_qrexec_target_ok(s) && s[0] != '@' && !name)
                abort();
        if (bh_qrexec_split_service(s, service, arg) == 0) {
                if (!bh_qrexec_name_ok(service, BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(arg))
                        abort();
                /* It was cut at its first '+', nothing lost or added. */
                snprintf(again, sizeof(again), "%s%s%s", service, strchr(s, '+') ? "+" : "", arg);
                if (strcmp(again, s) != 0)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        switch (data[0] % 5) {
        case 0:
                fuzz_stream(BH_QREXEC_FROM_AGENT, data + 1, size - 1);
                break;
        case 1:
                fuzz_stream(BH_QREXEC_FROM_DAEMON, data + 1, size - 1);
                break;
        case 2:
                /* Either side, the second byte choosing. */
                if (size >= 2)
                        fuzz_stream(data[1] & 1 ? BH_QREXEC_FROM_DAEMON : BH_QREXEC_FROM_AGENT, data + 2,
                                    size - 2);
                break;
        case 3:
                if (size >= 2)
                        fuzz_payload(data[1], data + 2, size - 2);
                break;
        case 4:
                fuzz_names(data + 1, size - 1);
                break;
        }
        return 0;
}
