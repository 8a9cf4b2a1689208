/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec protocol's wire format and checks; see exec_proto.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "exec_proto.h"
#include "qrexec_proto.h"
#include "wire.h"

void bh_exec_put_hdr(uint8_t out[BH_EXEC_HDR_SIZE], uint32_t type, uint32_t len)
{
        bh_put32(out, type);
        bh_put32(out + 4, len);
}

size_t bh_exec_encode_hello(uint8_t out[BH_EXEC_HDR_SIZE + BH_EXEC_HELLO_SIZE])
{
        bh_exec_put_hdr(out, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_SIZE);
        bh_put32(out + BH_EXEC_HDR_SIZE, BH_EXEC_PROTO_VERSION);
        bh_put32(out + BH_EXEC_HDR_SIZE + 4, 0); /* flags: none defined yet */
        return BH_EXEC_HDR_SIZE + BH_EXEC_HELLO_SIZE;
}

int bh_exec_encode_exec(char *const argv[], uint8_t *out, size_t out_size, size_t *ret_len)
{
        size_t argc = 0, bytes = 0, off;

        if (!argv || !argv[0] || !argv[0][0])
                return -EINVAL;
        for (; argv[argc]; argc++) {
                size_t n = strlen(argv[argc]) + 1;

                if (argc >= BH_EXEC_MAX_ARGC || n > BH_EXEC_MAX_ARGV_BYTES - bytes)
                        return -E2BIG;
                bytes += n;
        }
        if (out_size < BH_EXEC_HDR_SIZE + BH_EXEC_EXEC_FIXED + bytes)
                return -ENOBUFS;
        bh_exec_put_hdr(out, BH_EXEC_MSG_EXEC, (uint32_t)(BH_EXEC_EXEC_FIXED + bytes));
        bh_put32(out + BH_EXEC_HDR_SIZE, BH_EXEC_FLAGS_V1);
        bh_put32(out + BH_EXEC_HDR_SIZE + 4, (uint32_t)argc);
        off = BH_EXEC_HDR_SIZE + BH_EXEC_EXEC_FIXED;
        for (size_t i = 0; i < argc; i++) {
                size_t n = strlen(argv[i]) + 1;

                memcpy(out + off, argv[i], n);
                off += n;
        }
        *ret_len = off;
        return 0;
}

size_t bh_exec_encode_exit(uint8_t out[BH_EXEC_HDR_SIZE + BH_EXEC_EXIT_SIZE], uint32_t status)
{
        bh_exec_put_hdr(out, BH_EXEC_MSG_EXIT, BH_EXEC_EXIT_SIZE);
        bh_put32(out + BH_EXEC_HDR_SIZE, status);
        return BH_EXEC_HDR_SIZE + BH_EXEC_EXIT_SIZE;
}

uint32_t bh_exec_status_from_wait(int wstatus)
{
        if (WIFEXITED(wstatus))
                return (uint32_t)WEXITSTATUS(wstatus);
        if (WIFSIGNALED(wstatus))
                return 128u + ((uint32_t)WTERMSIG(wstatus) & 0x7f);
        return BH_EXEC_MAX_STATUS; /* stopped or continued: not an end */
}

const char *bh_exec_msg_name(uint32_t type)
{
        switch (type) {
        case BH_EXEC_MSG_HELLO:
                return "HELLO";
        case BH_EXEC_MSG_EXEC:
                return "EXEC";
        case BH_EXEC_MSG_SERVICE:
                return "SERVICE";
        case BH_EXEC_MSG_STDIN:
                return "STDIN";
        case BH_EXEC_MSG_STDOUT:
                return "STDOUT";
        case BH_EXEC_MSG_STDERR:
                return "STDERR";
        case BH_EXEC_MSG_EXIT:
                return "EXIT";
        }
        return "unknown";
}

/* ---- checks ---------------------------------------------------------------- */

void bh_exec_peer_init(struct bh_exec_peer *p, enum bh_exec_role from)
{
        *p = (struct bh_exec_peer){ .from = from };
}

bool bh_exec_peer_done(const struct bh_exec_peer *p)
{
        return p->from == BH_EXEC_FROM_AGENT ? p->exit : p->stdin_eof;
}

static int refuse(const char **why, const char *reason)
{
        if (why)
                *why = reason;
        return -EPROTO;
}

/* Order and length rules for what the client sends. */
static int check_from_client(struct bh_exec_peer *p, uint32_t type, uint32_t len,
                             const char **why)
{
        switch (type) {
        case BH_EXEC_MSG_HELLO:
                return 0;
        case BH_EXEC_MSG_EXEC:
        case BH_EXEC_MSG_SERVICE:
                if (p->from == BH_EXEC_FROM_CALLER)
                        return refuse(why, "EXEC or SERVICE from a caller (dom0 chose the service)");
                if (p->exec)
                        return refuse(why, "second EXEC or SERVICE");
                if (type == BH_EXEC_MSG_EXEC && len < BH_EXEC_EXEC_FIXED + 2)
                        return refuse(why, "EXEC too short for one argument");
                if (type == BH_EXEC_MSG_SERVICE && len < BH_EXEC_SERVICE_FIXED + 3)
                        return refuse(why, "SERVICE too short for its fields");
                p->exec = true;
                return 0;
        case BH_EXEC_MSG_STDIN:
                if (!p->exec && p->from != BH_EXEC_FROM_CALLER)
                        return refuse(why, "STDIN before EXEC");
                if (p->stdin_eof)
                        return refuse(why, "STDIN after its end");
                if (len == 0)
                        p->stdin_eof = true;
                return 0;
        }
        return refuse(why, "message type the client does not send");
}

/* Order and length rules for what the agent sends. */
static int check_from_agent(struct bh_exec_peer *p, uint32_t type, uint32_t len,
                            const char **why)
{
        switch (type) {
        case BH_EXEC_MSG_HELLO:
                return 0;
        case BH_EXEC_MSG_STDOUT:
        case BH_EXEC_MSG_STDERR: {
                bool *eof = type == BH_EXEC_MSG_STDOUT ? &p->stdout_eof : &p->stderr_eof;

                if (*eof)
                        return refuse(why, type == BH_EXEC_MSG_STDOUT ? "STDOUT after its end"
                                                                      : "STDERR after its end");
                if (len == 0)
                        *eof = true;
                return 0;
        }
        case BH_EXEC_MSG_EXIT:
                /* All output comes before the status, so a client that has the
                 * status has everything. */
                if (!p->stdout_eof || !p->stderr_eof)
                        return refuse(why, "EXIT before the end of stdout and stderr");
                if (len != BH_EXEC_EXIT_SIZE)
                        return refuse(why, "EXIT of the wrong size");
                p->exit = true;
                return 0;
        }
        return refuse(why, "message type the agent does not send");
}

int bh_exec_peer_check_header(struct bh_exec_peer *p, const uint8_t untrusted_hdr[BH_EXEC_HDR_SIZE],
                              uint32_t *ret_type, uint32_t *ret_len, const char **why)
{
        uint32_t type = bh_get32(untrusted_hdr), len = bh_get32(untrusted_hdr + 4);
        int r;

        if (len > BH_EXEC_MAX_PAYLOAD)
                return refuse(why, "length over BH_EXEC_MAX_PAYLOAD");
        if (bh_exec_peer_done(p))
                return refuse(why, "message after the last one");
        if (!p->hello) {
                if (type != BH_EXEC_MSG_HELLO)
                        return refuse(why, "first message is not HELLO");
                if (len < BH_EXEC_HELLO_SIZE || len > BH_EXEC_HELLO_MAX)
                        return refuse(why, "HELLO of the wrong size");
                p->hello = true;
        } else if (type == BH_EXEC_MSG_HELLO) {
                return refuse(why, "second HELLO");
        } else {
                r = p->from == BH_EXEC_FROM_AGENT ? check_from_agent(p, type, len, why)
                                                  : check_from_client(p, type, len, why);
                if (r < 0)
                        return r;
        }
        *ret_type = type;
        *ret_len = len;
        return 0;
}

int bh_exec_hello_check(const uint8_t *untrusted, size_t untrusted_len, uint32_t *ret_version,
                        const char **why)
{
        uint32_t version;

        if (untrusted_len < BH_EXEC_HELLO_SIZE || untrusted_len > BH_EXEC_HELLO_MAX)
                return refuse(why, "HELLO of the wrong size");
        version = bh_get32(untrusted);
        if (version < 1)
                return refuse(why, "HELLO with version 0");
        /* Flags and fields past the first 8 bytes are for later versions. */
        *ret_version = version < BH_EXEC_PROTO_VERSION ? version : BH_EXEC_PROTO_VERSION;
        return 0;
}

int bh_exec_exec_check(const uint8_t *untrusted, size_t untrusted_len, char ***ret_argv,
                       const char **why)
{
        const uint8_t *strings, *p, *end;
        uint32_t flags, argc;
        size_t bytes, total;
        char **argv, *copy;

        if (untrusted_len < BH_EXEC_EXEC_FIXED || untrusted_len > BH_EXEC_MAX_PAYLOAD)
                return refuse(why, "EXEC of the wrong size");
        flags = bh_get32(untrusted);
        argc = bh_get32(untrusted + 4);
        if (flags != BH_EXEC_FLAGS_V1)
                return refuse(why, "EXEC with unknown flags");
        if (argc < 1 || argc > BH_EXEC_MAX_ARGC)
                return refuse(why, "EXEC argument count out of range");
        strings = untrusted + BH_EXEC_EXEC_FIXED;
        bytes = untrusted_len - BH_EXEC_EXEC_FIXED;
        if (bytes > BH_EXEC_MAX_ARGV_BYTES)
                return refuse(why, "EXEC arguments too long");
        if (strings[0] == '\0')
                return refuse(why, "EXEC with an empty program name");
        /* Exactly argc terminated strings, nothing after the last. */
        p = strings;
        end = strings + bytes;
        for (uint32_t i = 0; i < argc; i++) {
                const uint8_t *nul = memchr(p, '\0', (size_t)(end - p));

                if (!nul)
                        return refuse(why, "EXEC argument not terminated");
                p = nul + 1;
        }
        if (p != end)
                return refuse(why, "EXEC has bytes after the last argument");

        /* Pointers and strings in one block: bounded by the limits above
         * (8 KiB + 64 KiB), no overflow possible. */
        total = ((size_t)argc + 1) * sizeof(char *) + bytes;
        argv = malloc(total);
        if (!argv)
                return -ENOMEM;
        copy = (char *)(argv + argc + 1);
        memcpy(copy, strings, bytes);
        for (uint32_t i = 0; i < argc; i++) {
                argv[i] = copy;
                copy += strlen(copy) + 1;
        }
        argv[argc] = NULL;
        *ret_argv = argv;
        return 0;
}

int bh_exec_exit_check(const uint8_t *untrusted, size_t untrusted_len, uint32_t *ret_status,
                       const char **why)
{
        uint32_t status;

        if (untrusted_len != BH_EXEC_EXIT_SIZE)
                return refuse(why, "EXIT of the wrong size");
        status = bh_get32(untrusted);
        if (status > BH_EXEC_MAX_STATUS)
                return refuse(why, "EXIT status over 255");
        *ret_status = status;
        return 0;
}

/* ---- assembling ------------------------------------------------------------- */

void bh_exec_rx_init(struct bh_exec_rx *rx, enum bh_exec_role from)
{
        bh_exec_peer_init(&rx->peer, from);
        rx->type = 0;
        rx->len = 0;
        rx->have = 0;
        rx->broken = false;
}

static bool rx_header_in(const struct bh_exec_rx *rx)
{
        return rx->have >= BH_EXEC_HDR_SIZE;
}

static bool rx_ready(const struct bh_exec_rx *rx)
{
        return rx_header_in(rx) && rx->have == BH_EXEC_HDR_SIZE + (size_t)rx->len;
}

size_t bh_exec_rx_want(struct bh_exec_rx *rx, uint8_t **where)
{
        size_t goal = rx_header_in(rx) ? BH_EXEC_HDR_SIZE + (size_t)rx->len : BH_EXEC_HDR_SIZE;

        *where = rx->buf + rx->have;
        if (rx->broken)
                return 0;
        return goal - rx->have;
}

int bh_exec_rx_fed(struct bh_exec_rx *rx, size_t n, const char **why)
{
        bool had_header = rx_header_in(rx);
        uint8_t *where;
        int r;

        if (rx->broken)
                return refuse(why, "stream already refused");
        if (n > bh_exec_rx_want(rx, &where))
                return refuse(why, "more bytes than asked for");
        rx->have += n;
        if (!had_header && rx_header_in(rx)) {
                r = bh_exec_peer_check_header(&rx->peer, rx->buf, &rx->type, &rx->len, why);
                if (r < 0) {
                        /* Kept for the caller's log line; nothing acts on them. */
                        rx->type = bh_get32(rx->buf);
                        rx->len = bh_get32(rx->buf + 4);
                        rx->broken = true;
                        return r;
                }
        }
        return rx_ready(rx) ? 1 : 0;
}

void bh_exec_rx_next(struct bh_exec_rx *rx)
{
        rx->have = 0;
        rx->type = 0;
        rx->len = 0;
}

int bh_exec_encode_service(const struct bh_exec_service *s, uint8_t *out, size_t out_size,
                           size_t *ret_len)
{
        size_t a = strlen(s->service) + 1, b = strlen(s->arg) + 1, c = strlen(s->source) + 1;
        size_t len = BH_EXEC_SERVICE_FIXED + a + b + c, off = BH_EXEC_HDR_SIZE + BH_EXEC_SERVICE_FIXED;

        if (!bh_qrexec_name_ok(s->service, BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(s->arg) ||
            !bh_qrexec_name_ok(s->source, BH_QREXEC_DOMAIN_MAX))
                return -EINVAL;
        if (out_size < BH_EXEC_HDR_SIZE + len)
                return -ENOBUFS;
        bh_exec_put_hdr(out, BH_EXEC_MSG_SERVICE, (uint32_t)len);
        memset(out + BH_EXEC_HDR_SIZE, 0, BH_EXEC_SERVICE_FIXED);
        memcpy(out + off, s->service, a);
        memcpy(out + off + a, s->arg, b);
        memcpy(out + off + a + b, s->source, c);
        *ret_len = BH_EXEC_HDR_SIZE + len;
        return 0;
}

int bh_exec_service_check(const uint8_t *untrusted, size_t untrusted_len,
                          struct bh_exec_service *out, const char **why)
{
        struct bh_exec_service s;
        char *const dst[] = { s.service, s.arg, s.source };
        const size_t max[] = { BH_QREXEC_SERVICE_MAX, BH_QREXEC_ARG_MAX, BH_QREXEC_DOMAIN_MAX };

        if (untrusted_len < BH_EXEC_SERVICE_FIXED + 3 || untrusted_len > BH_EXEC_MAX_PAYLOAD)
                return refuse(why, "SERVICE of the wrong size");
        if (bh_get32(untrusted) != 0)
                return refuse(why, "SERVICE with unknown flags");
        if (bh_wire_take_strings(untrusted + BH_EXEC_SERVICE_FIXED, untrusted + untrusted_len, dst,
                                 max, 3, why) < 0)
                return -EPROTO;
        if (!bh_qrexec_name_ok(s.service, BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(s.arg) ||
            !bh_qrexec_name_ok(s.source, BH_QREXEC_DOMAIN_MAX))
                return refuse(why, "SERVICE with a malformed name");
        *out = s;
        return 0;
}
