/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One end of a vchan test, for either transport: moves a checksummed stream,
 * shares or maps a buffer, or watches its peer die.  Two of these, one per
 * side, make a test; the Xen test bed runs one in dom0 and one in a domU.
 *
 *   vchan-peer [--transport socket|xen] [--domid PEER] [--port N] [--dir DIR]
 *              [--role server|client] [--timeout SECONDS] MODE [ARG]
 *
 * MODE:
 *   send BYTES         write BYTES of a pseudo-random stream, then compare
 *                      checksums with the receiver
 *   recv BYTES         read BYTES and compare checksums with the sender
 *   shbuf-share BYTES  share a buffer, fill it, send its descriptor, wait for
 *                      the mapper's verdict
 *   shbuf-map BYTES    map the buffer from the received descriptor and check
 *                      every byte
 *   send-forever       write until the peer is gone (exit 0 on -EPIPE)
 *   expect-death BYTES read until the peer is gone; pass if at least BYTES
 *                      arrived first and the death was reported, not a hang
 *
 * Exit status: 0 pass, 1 fail, 2 usage, 3 timed out.  One line of result
 * on stdout with the throughput.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "vchan.h"

#define CHUNK (64 * 1024)

static uint64_t xorshift(uint64_t *s)
{
        uint64_t x = *s;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *s = x;
}

/* Fills buf (a multiple of 8 bytes) with the stream's next words. */
static void fill(uint64_t *state, void *buf, size_t len)
{
        uint64_t *w = buf;

        for (size_t i = 0; i < len / 8; i++)
                w[i] = xorshift(state);
}

/* A checksum fast enough to keep up with memcpy on a word at a time. */
static void sum(uint64_t *h, const void *buf, size_t len)
{
        const uint8_t *p = buf;
        uint64_t x = *h;
        size_t i = 0;

        for (; i + 8 <= len; i += 8) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                x = (x ^ w) * 0x100000001b3ull;
        }
        for (; i < len; i++)
                x = (x ^ p[i]) * 0x100000001b3ull;
        *h = x;
}

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
        static const char m[] = "vchan-peer: timed out\n";

        (void)sig;
        (void)!write(STDERR_FILENO, m, sizeof(m) - 1);
        _exit(3);
}

static int write_all(struct bh_vchan *v, const void *buf, size_t len)
{
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = bh_vchan_write(v, p, len);
                if (n < 0)
                        return (int)n;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int read_all(struct bh_vchan *v, void *buf, size_t len)
{
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = bh_vchan_read(v, p, len);
                if (n < 0)
                        return (int)n;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static void report(const char *mode, uint64_t bytes, double secs)
{
        printf("vchan-peer %s: ok %" PRIu64 " bytes in %.3f s (%.1f MB/s)\n", mode, bytes, secs,
               secs > 0 ? (double)bytes / secs / 1e6 : 0.0);
}

static int do_send(struct bh_vchan *v, uint64_t bytes, uint64_t seed)
{
        _cleanup_free_ uint8_t *buf = malloc(CHUNK);
        uint64_t h = 0xcbf29ce484222325ull, peer_h, left = bytes;
        uint8_t verdict;
        double t0 = now();
        int r;

        if (!buf)
                return -ENOMEM;
        while (left > 0) {
                size_t n = left < CHUNK ? (size_t)left : CHUNK;
                fill(&seed, buf, CHUNK);
                sum(&h, buf, n);
                r = write_all(v, buf, n);
                if (r < 0)
                        return bh_log_errno(r, "send: write");
                left -= n;
        }
        r = read_all(v, &peer_h, sizeof(peer_h));
        if (r < 0)
                return bh_log_errno(r, "send: reading the receiver's checksum");
        verdict = peer_h == h;
        r = write_all(v, &verdict, 1);
        if (r < 0)
                return bh_log_errno(r, "send: verdict");
        if (!verdict) {
                bh_log_error("send: checksum mismatch: sent %016" PRIx64 ", received %016" PRIx64,
                             h, peer_h);
                return -EBADMSG;
        }
        report("send", bytes, now() - t0);
        return 0;
}

static int do_recv(struct bh_vchan *v, uint64_t bytes, uint64_t seed)
{
        _cleanup_free_ uint8_t *buf = malloc(CHUNK);
        uint64_t h = 0xcbf29ce484222325ull, left = bytes, expect = 0xcbf29ce484222325ull;
        uint8_t verdict;
        double t0 = now();
        int r;

        if (!buf)
                return -ENOMEM;
        /* The expected sum is computed afterwards so it does not slow the
         * transfer being measured. */
        while (left > 0) {
                ssize_t n = bh_vchan_read(v, buf, left < CHUNK ? (size_t)left : CHUNK);
                if (n < 0)
                        return bh_log_errno((int)n, "recv: read after %" PRIu64 " bytes",
                                            bytes - left);
                sum(&h, buf, (size_t)n);
                left -= (uint64_t)n;
        }
        double secs = now() - t0;
        r = write_all(v, &h, sizeof(h));
        if (r < 0)
                return bh_log_errno(r, "recv: sending checksum");
        r = read_all(v, &verdict, 1);
        if (r < 0)
                return bh_log_errno(r, "recv: reading verdict");
        for (left = bytes; left > 0;) {
                size_t n = left < CHUNK ? (size_t)left : CHUNK;
                fill(&seed, buf, CHUNK);
                sum(&expect, buf, n);
                left -= n;
        }
        if (!verdict || expect != h) {
                bh_log_error("recv: checksum mismatch");
                return -EBADMSG;
        }
        report("recv", bytes, secs);
        return 0;
}

static int do_shbuf_share(struct bh_vchan *v, size_t size, uint64_t seed)
{
        _cleanup_shbuf_ struct bh_shbuf *b = NULL;
        const void *desc;
        size_t desc_len;
        uint32_t len32;
        uint8_t verdict;
        uint8_t *p;
        int r;

        r = bh_shbuf_share(v, size, &b);
        if (r < 0)
                return bh_log_errno(r, "shbuf-share: share %zu bytes", size);
        p = bh_shbuf_data(b);
        for (size_t i = 0; i < size; i++)
                p[i] = (uint8_t)(xorshift(&seed) >> 24);
        r = bh_shbuf_desc(b, &desc, &desc_len);
        if (r < 0)
                return r;
        len32 = (uint32_t)desc_len;
        if ((r = write_all(v, &len32, sizeof(len32))) < 0 ||
            (r = write_all(v, desc, desc_len)) < 0)
                return bh_log_errno(r, "shbuf-share: sending descriptor");
        r = read_all(v, &verdict, 1);
        if (r < 0)
                return bh_log_errno(r, "shbuf-share: reading verdict");
        if (verdict != 1) {
                bh_log_error("shbuf-share: mapper saw different contents");
                return -EBADMSG;
        }
        printf("vchan-peer shbuf-share: ok %zu bytes\n", size);
        return 0;
}

static int do_shbuf_map(struct bh_vchan *v, size_t size, uint64_t seed)
{
        _cleanup_shbuf_ struct bh_shbuf *b = NULL;
        _cleanup_free_ uint8_t *untrusted_desc = NULL;
        uint32_t untrusted_len;
        uint8_t verdict = 1;
        const uint8_t *p;
        int r;

        r = read_all(v, &untrusted_len, sizeof(untrusted_len));
        if (r < 0)
                return bh_log_errno(r, "shbuf-map: reading descriptor length");
        if (untrusted_len == 0 || untrusted_len > BH_SHBUF_DESC_MAX) {
                bh_log_error("shbuf-map: descriptor length %" PRIu32 " out of range", untrusted_len);
                return -EPROTO;
        }
        untrusted_desc = malloc(untrusted_len);
        if (!untrusted_desc)
                return -ENOMEM;
        r = read_all(v, untrusted_desc, untrusted_len);
        if (r < 0)
                return bh_log_errno(r, "shbuf-map: reading descriptor");
        r = bh_shbuf_map(v, untrusted_desc, untrusted_len, size, false, &b);
        if (r < 0)
                return bh_log_errno(r, "shbuf-map: map %zu bytes", size);
        p = bh_shbuf_data(b);
        for (size_t i = 0; i < size; i++)
                if (p[i] != (uint8_t)(xorshift(&seed) >> 24)) {
                        bh_log_error("shbuf-map: byte %zu differs", i);
                        verdict = 0;
                        break;
                }
        r = write_all(v, &verdict, 1);
        if (r < 0)
                return bh_log_errno(r, "shbuf-map: sending verdict");
        if (!verdict)
                return -EBADMSG;
        printf("vchan-peer shbuf-map: ok %zu bytes\n", size);
        return 0;
}

static int do_send_forever(struct bh_vchan *v)
{
        static uint8_t buf[CHUNK];
        uint64_t total = 0;

        for (;;) {
                ssize_t n = bh_vchan_write(v, buf, sizeof(buf));
                if (n == -EPIPE) {
                        printf("vchan-peer send-forever: ok peer gone after %" PRIu64 " bytes\n",
                               total);
                        return 0;
                }
                if (n < 0)
                        return bh_log_errno((int)n, "send-forever: write");
                total += (uint64_t)n;
        }
}

static int do_expect_death(struct bh_vchan *v, uint64_t at_least)
{
        static uint8_t buf[CHUNK];
        uint64_t total = 0;
        double t0 = now();

        for (;;) {
                ssize_t n = bh_vchan_read(v, buf, sizeof(buf));
                if (n == -EPIPE)
                        break;
                if (n < 0)
                        return bh_log_errno((int)n, "expect-death: read");
                total += (uint64_t)n;
        }
        if (bh_vchan_is_open(v) != 0) {
                bh_log_error("expect-death: read reported EPIPE but the channel is open");
                return -EBADMSG;
        }
        if (total < at_least) {
                bh_log_error("expect-death: only %" PRIu64 " bytes before the peer died", total);
                return -EBADMSG;
        }
        printf("vchan-peer expect-death: ok death reported after %" PRIu64 " bytes, %.2f s\n",
               total, now() - t0);
        return 0;
}

static int parse_size(const char *s, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s)
                return -EINVAL;
        switch (*end) {
        case 'K': v <<= 10; end++; break;
        case 'M': v <<= 20; end++; break;
        case 'G': v <<= 30; end++; break;
        }
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

static void usage(void)
{
        fprintf(stderr, "usage: vchan-peer [--transport socket|xen] [--domid PEER] [--port N] "
                        "[--dir DIR] [--role server|client] [--timeout S] MODE [BYTES]\n");
        exit(2);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "transport", required_argument, NULL, 't' },
                { "domid", required_argument, NULL, 'd' },
                { "port", required_argument, NULL, 'p' },
                { "dir", required_argument, NULL, 'D' },
                { "role", required_argument, NULL, 'r' },
                { "timeout", required_argument, NULL, 'T' },
                {}
        };
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = 1 };
        _cleanup_vchan_ struct bh_vchan *v = NULL;
        bool server = true;
        unsigned timeout = 120;
        uint64_t arg = 0, seed;
        const char *mode;
        int c, r;

        bh_log_init("vchan-peer");
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 't':
                        if (bh_vchan_transport_from_string(optarg, &addr.transport) < 0)
                                usage();
                        break;
                case 'd':
                        addr.peer_domid = atoi(optarg);
                        break;
                case 'p':
                        addr.port = atoi(optarg);
                        break;
                case 'D':
                        addr.socket_dir = optarg;
                        break;
                case 'r':
                        if (strcmp(optarg, "server") == 0)
                                server = true;
                        else if (strcmp(optarg, "client") == 0)
                                server = false;
                        else
                                usage();
                        break;
                case 'T':
                        timeout = (unsigned)atoi(optarg);
                        break;
                default:
                        usage();
                }
        }
        if (optind >= argc)
                usage();
        mode = argv[optind];
        if (optind + 1 < argc && parse_size(argv[optind + 1], &arg) < 0)
                usage();

        signal(SIGALRM, on_alarm);
        signal(SIGPIPE, SIG_IGN);
        alarm(timeout);

        if (server) {
                r = bh_vchan_server_init(&v, &addr, 256 * 1024, 256 * 1024);
                if (r < 0)
                        return bh_log_errno(r, "server init on port %d", addr.port), 1;
                /* Wait for the client before timing anything. */
                while (bh_vchan_is_open(v) == 2) {
                        r = bh_vchan_wait(v, 1000);
                        if (r < 0 && r != -ETIMEDOUT)
                                return bh_log_errno(r, "waiting for the client"), 1;
                }
        } else {
                r = bh_vchan_client_init(&v, &addr, (int)timeout * 1000);
                if (r < 0)
                        return bh_log_errno(r, "client init on port %d", addr.port), 1;
        }
        bh_vchan_set_blocking(v, true);

        seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)addr.port;
        if (strcmp(mode, "send") == 0)
                r = do_send(v, arg, seed);
        else if (strcmp(mode, "recv") == 0)
                r = do_recv(v, arg, seed);
        else if (strcmp(mode, "shbuf-share") == 0)
                r = do_shbuf_share(v, (size_t)arg, seed);
        else if (strcmp(mode, "shbuf-map") == 0)
                r = do_shbuf_map(v, (size_t)arg, seed);
        else if (strcmp(mode, "send-forever") == 0)
                r = do_send_forever(v);
        else if (strcmp(mode, "expect-death") == 0)
                r = do_expect_death(v, arg);
        else
                usage();
        return r < 0 ? 1 : 0;
}
