/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Peers that speak the exec protocol wrongly, for tests/exec/agent.sh.
 *
 *   exec-hostile --dir DIR [--port N] agent MODE
 *       A fake agent: serves one client (exec-run) and sends what MODE says,
 *       then waits for the client to hang up.  Exits 0 when the client left.
 *   exec-hostile --dir DIR [--port N] client MODE
 *       A fake client of the real bulkhead-agent: sends what MODE says and
 *       passes (exit 0) if the agent then closes the channel; 1 if it keeps
 *       it open for 10 s.
 *
 * `exec-hostile list agent` / `list client` print the modes.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec_proto.h"
#include "util.h"
#include "vchan.h"

static uint8_t buf[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD + 64];

static void put32(uint8_t *p, uint32_t v)
{
        memcpy(p, &v, 4); /* the tests run little-endian */
}

/* Header plus an optional payload of len bytes taken from data (zeros if NULL). */
static size_t msg(uint8_t *out, uint32_t type, uint32_t len, const void *data, size_t data_len)
{
        bh_exec_put_hdr(out, type, len);
        memset(out + BH_EXEC_HDR_SIZE, 0, data_len);
        if (data)
                memcpy(out + BH_EXEC_HDR_SIZE, data, data_len);
        return BH_EXEC_HDR_SIZE + data_len;
}

static size_t hello(uint8_t *out, uint32_t version)
{
        uint8_t p[8] = { 0 };

        put32(p, version);
        return msg(out, BH_EXEC_MSG_HELLO, 8, p, 8);
}

static size_t exec_msg(uint8_t *out, uint32_t argc, const char *strings, size_t slen)
{
        uint8_t p[8 + 64];

        put32(p, 0);
        put32(p + 4, argc);
        memcpy(p + 8, strings, slen);
        return msg(out, BH_EXEC_MSG_EXEC, (uint32_t)(8 + slen), p, 8 + slen);
}

static size_t exit_msg(uint8_t *out, uint32_t status, uint32_t len)
{
        uint8_t p[8] = { 0 };

        put32(p, status);
        return msg(out, BH_EXEC_MSG_EXIT, len, p, len);
}

/* What a fake agent sends; sizes of parts are computed into buf. */
static size_t agent_script(const char *mode, bool *die_mid)
{
        size_t n = 0;

        *die_mid = false;
        if (strcmp(mode, "data-before-hello") == 0)
                return msg(buf, BH_EXEC_MSG_STDOUT, 2, "hi", 2);
        if (strcmp(mode, "garbage") == 0) {
                uint64_t s = 0x9e3779b97f4a7c15ull;
                for (n = 0; n < 4096; n++) {
                        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                        buf[n] = (uint8_t)s;
                }
                return n;
        }
        if (strcmp(mode, "hello-v0") == 0)
                return hello(buf, 0);
        if (strcmp(mode, "hello-short") == 0) {
                bh_exec_put_hdr(buf, BH_EXEC_MSG_HELLO, 4);
                return BH_EXEC_HDR_SIZE + 4;
        }
        if (strcmp(mode, "hello-huge") == 0) {
                bh_exec_put_hdr(buf, BH_EXEC_MSG_HELLO, BH_EXEC_HELLO_MAX + 1);
                return BH_EXEC_HDR_SIZE;
        }
        n = hello(buf, 7); /* a later version: the client must settle on 1 */
        if (strcmp(mode, "oversize") == 0) {
                bh_exec_put_hdr(buf + n, BH_EXEC_MSG_STDOUT, BH_EXEC_MAX_PAYLOAD + 1);
                return n + BH_EXEC_HDR_SIZE;
        }
        if (strcmp(mode, "huge-length") == 0) {
                bh_exec_put_hdr(buf + n, BH_EXEC_MSG_STDERR, 0xffffffffu);
                return n + BH_EXEC_HDR_SIZE;
        }
        if (strcmp(mode, "unknown-type") == 0)
                return n + msg(buf + n, 0x77, 4, "abcd", 4);
        if (strcmp(mode, "exec-from-agent") == 0)
                return n + exec_msg(buf + n, 1, "sh", 3);
        if (strcmp(mode, "stdin-from-agent") == 0)
                return n + msg(buf + n, BH_EXEC_MSG_STDIN, 1, "x", 1);
        if (strcmp(mode, "hello-twice") == 0)
                return n + hello(buf + n, 1);
        if (strcmp(mode, "exit-before-eof") == 0)
                return n + exit_msg(buf + n, 0, 4);
        if (strcmp(mode, "data-after-eof") == 0) {
                n += msg(buf + n, BH_EXEC_MSG_STDOUT, 0, NULL, 0);
                return n + msg(buf + n, BH_EXEC_MSG_STDOUT, 3, "bad", 3);
        }
        if (strcmp(mode, "exit-status-256") == 0) {
                n += msg(buf + n, BH_EXEC_MSG_STDOUT, 0, NULL, 0);
                n += msg(buf + n, BH_EXEC_MSG_STDERR, 0, NULL, 0);
                return n + exit_msg(buf + n, 256, 4);
        }
        if (strcmp(mode, "exit-wrong-size") == 0) {
                n += msg(buf + n, BH_EXEC_MSG_STDOUT, 0, NULL, 0);
                n += msg(buf + n, BH_EXEC_MSG_STDERR, 0, NULL, 0);
                return n + exit_msg(buf + n, 0, 8);
        }
        if (strcmp(mode, "truncated") == 0) {
                /* Half a header, then the agent dies: not a protocol error
                 * but a lost connection. */
                n += msg(buf + n, BH_EXEC_MSG_STDOUT, 5, "hello", 5);
                *die_mid = true;
                return n + 3;
        }
        if (strcmp(mode, "silent") == 0)
                return 0;
        if (strcmp(mode, "valid") == 0) {
                /* A well-behaved agent, to show the fake itself is right. */
                n += msg(buf + n, BH_EXEC_MSG_STDOUT, 3, "ok\n", 3);
                n += msg(buf + n, BH_EXEC_MSG_STDOUT, 0, NULL, 0);
                n += msg(buf + n, BH_EXEC_MSG_STDERR, 0, NULL, 0);
                return n + exit_msg(buf + n, 42, 4);
        }
        return (size_t)-1;
}

static const char *const agent_modes[] = {
        "data-before-hello", "garbage", "hello-v0", "hello-short", "hello-huge", "oversize",
        "huge-length", "unknown-type", "exec-from-agent", "stdin-from-agent", "hello-twice",
        "exit-before-eof", "data-after-eof", "exit-status-256", "exit-wrong-size", "truncated",
        "silent", "valid",
};

static size_t client_script(const char *mode)
{
        size_t n = 0;

        if (strcmp(mode, "garbage") == 0) {
                uint64_t s = 0x2545f4914f6cdd1dull;
                for (n = 0; n < 4096; n++) {
                        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                        buf[n] = (uint8_t)s;
                }
                return n;
        }
        if (strcmp(mode, "exec-before-hello") == 0)
                return exec_msg(buf, 1, "true", 5);
        n = hello(buf, 1);
        if (strcmp(mode, "oversize") == 0) {
                bh_exec_put_hdr(buf + n, BH_EXEC_MSG_EXEC, BH_EXEC_MAX_PAYLOAD + 1);
                return n + BH_EXEC_HDR_SIZE;
        }
        if (strcmp(mode, "unknown-type") == 0)
                return n + msg(buf + n, 0x99, 0, NULL, 0);
        if (strcmp(mode, "stdout-from-client") == 0)
                return n + msg(buf + n, BH_EXEC_MSG_STDOUT, 1, "x", 1);
        if (strcmp(mode, "argv-unterminated") == 0)
                return n + exec_msg(buf + n, 1, "true", 4);
        if (strcmp(mode, "argc-too-big") == 0)
                return n + exec_msg(buf + n, 2, "true", 5);
        if (strcmp(mode, "argc-zero") == 0)
                return n + exec_msg(buf + n, 0, "", 0);
        if (strcmp(mode, "empty-argv0") == 0)
                return n + exec_msg(buf + n, 2, "\0x", 3);
        if (strcmp(mode, "stdin-before-exec") == 0)
                return n + msg(buf + n, BH_EXEC_MSG_STDIN, 1, "x", 1);
        if (strcmp(mode, "hello-twice") == 0)
                return n + hello(buf + n, 1);
        n += exec_msg(buf + n, 2, "sleep\0" "30", 9);
        if (strcmp(mode, "exec-twice") == 0)
                return n + exec_msg(buf + n, 1, "true", 5);
        if (strcmp(mode, "stdin-after-eof") == 0) {
                n += msg(buf + n, BH_EXEC_MSG_STDIN, 0, NULL, 0);
                return n + msg(buf + n, BH_EXEC_MSG_STDIN, 1, "x", 1);
        }
        if (strcmp(mode, "garbage-mid-session") == 0) {
                memset(buf + n, 0xff, 64);
                return n + 64;
        }
        return (size_t)-1;
}

static const char *const client_modes[] = {
        "garbage", "exec-before-hello", "oversize", "unknown-type", "stdout-from-client",
        "argv-unterminated", "argc-too-big", "argc-zero", "empty-argv0", "stdin-before-exec",
        "hello-twice", "exec-twice", "stdin-after-eof", "garbage-mid-session",
};

static int write_all(struct bh_vchan *v, const uint8_t *p, size_t len)
{
        while (len > 0) {
                ssize_t n = bh_vchan_write(v, p, len);
                if (n < 0)
                        return (int)n;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Reads and drops everything until the peer hangs up. */
static int drain_until_gone(struct bh_vchan *v)
{
        static uint8_t sink[65536];

        for (;;) {
                ssize_t n = bh_vchan_read(v, sink, sizeof(sink));
                if (n == -EPIPE)
                        return 0;
                if (n < 0)
                        return (int)n;
        }
}

static void on_alarm(int sig)
{
        static const char m[] = "exec-hostile: timed out waiting for the peer to hang up\n";

        (void)sig;
        (void)!write(2, m, sizeof(m) - 1);
        _exit(1);
}

static int run_agent(const struct bh_vchan_addr *addr, const char *mode)
{
        _cleanup_vchan_ struct bh_vchan *v = NULL;
        bool die_mid;
        size_t n = agent_script(mode, &die_mid);
        int r;

        if (n == (size_t)-1)
                return 2;
        r = bh_vchan_server_init(&v, addr, BH_EXEC_RING_SIZE, BH_EXEC_RING_SIZE);
        if (r < 0)
                return bh_log_errno(r, "server"), 1;
        while (bh_vchan_is_open(v) == 2)
                bh_vchan_wait(v, 1000);
        bh_vchan_set_blocking(v, true);
        if (n > 0 && (r = write_all(v, buf, n)) < 0)
                return bh_log_errno(r, "write"), 1;
        if (die_mid)
                _exit(0);
        r = drain_until_gone(v);
        return r < 0 ? 1 : 0;
}

static int run_client(const struct bh_vchan_addr *addr, const char *mode)
{
        _cleanup_vchan_ struct bh_vchan *v = NULL;
        size_t n = client_script(mode);
        int r;

        if (n == (size_t)-1)
                return 2;
        r = bh_vchan_client_init(&v, addr, 10000);
        if (r < 0)
                return bh_log_errno(r, "connect"), 1;
        bh_vchan_set_blocking(v, true);
        r = write_all(v, buf, n);
        if (r < 0 && r != -EPIPE)
                return bh_log_errno(r, "write"), 1;
        r = drain_until_gone(v);
        if (r < 0)
                return bh_log_errno(r, "read"), 1;
        printf("exec-hostile client %s: agent closed the channel\n", mode);
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "dir", required_argument, NULL, 'D' },
                { "port", required_argument, NULL, 'p' },
                {}
        };
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = BH_EXEC_PORT };
        int c;

        bh_log_init("exec-hostile");
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'D')
                        addr.socket_dir = optarg;
                else if (c == 'p')
                        addr.port = atoi(optarg);
                else
                        return 2;
        }
        if (optind + 2 != argc)
                goto usage;
        if (strcmp(argv[optind], "list") == 0) {
                bool agent = strcmp(argv[optind + 1], "agent") == 0;
                const char *const *m = agent ? agent_modes : client_modes;
                size_t k = agent ? ELEMENTSOF(agent_modes) : ELEMENTSOF(client_modes);

                for (size_t i = 0; i < k; i++)
                        puts(m[i]);
                return 0;
        }
        if (!addr.socket_dir)
                goto usage;
        signal(SIGALRM, on_alarm);
        signal(SIGPIPE, SIG_IGN);
        alarm(10);
        if (strcmp(argv[optind], "agent") == 0)
                return run_agent(&addr, argv[optind + 1]);
        if (strcmp(argv[optind], "client") == 0)
                return run_client(&addr, argv[optind + 1]);
usage:
        fprintf(stderr, "usage: exec-hostile --dir DIR [--port N] agent|client MODE\n"
                        "       exec-hostile list agent|client\n");
        return 2;
}
