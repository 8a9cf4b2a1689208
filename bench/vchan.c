/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/vchan: vchan throughput and latency, measured next to a peer in the
 * same run, so that a reader sees the transport's overhead rather than the
 * mood of a shared machine.
 *
 *   bench/vchan [--quick] [--bytes SIZE] [--reps N] [--round-trips N]
 *               [--ring SIZE] [--timeout SECONDS]
 *
 *       Socket transport, both ends on this machine (the default).  Forks a
 *       client and measures the same workload between the same two processes
 *       twice: over a vchan (socket transport, run directory a fresh mkdtemp
 *       removed at the end) and over a plain AF_UNIX SOCK_STREAM socketpair
 *       with blocking read()/write() (the "raw" peer).
 *
 *   bench/vchan --transport xen --domid PEER [--port N] --role server|client
 *   bench/vchan --transport socket --dir DIR [--port N] --role server|client
 *
 *       One end only, no fork and no raw peer: for the Xen test bed, where
 *       the ends run in dom0 and in a domU.  Start both ends in either order
 *       (the client waits up to --timeout for the server).  The server drives
 *       the run and prints the JSON, with vchan figures only; the client
 *       takes every run parameter from the server, so only --transport,
 *       --domid, --port, --dir and --timeout matter to it, and it prints
 *       nothing on stdout.  Exit status 0 on both ends means the run
 *       completed.  The socket form exists to try this path without Xen.
 *
 * Everything is timed on the server end, so no two clocks are compared:
 *
 *   throughput  the server writes SIZE bytes in 64 KiB writes, then in 4 KiB
 *               writes; the client reads with a buffer of the same size and
 *               checks the last byte of every read, then answers with one
 *               byte.  The clock runs from the client's "ready" byte to that
 *               answer.  One warm-up run, then --reps timed runs.
 *   latency     a 1-byte ping-pong timed round trip by round trip: a warm-up,
 *               then --round-trips timed ones; p50 and p99 reported.
 *
 * vchan and raw take turns (and alternate which goes first) so that drift on
 * a busy machine falls on both alike.  Nothing is pinned.
 *
 * stdout carries one JSON document and nothing else; progress goes to stderr.
 * Exit status: 0 ok, 1 failed, 2 usage, 3 timed out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vchan.h"

/* The write sizes measured; the largest sets every buffer's size. */
static const size_t write_sizes[] = { 64 * 1024, 4 * 1024 };
static const char *const write_size_names[] = { "64KiB", "4KiB" };
#define N_SIZES ELEMENTSOF(write_sizes)
#define MAX_CHUNK (64u * 1024)
/* The receiver's check compares byte i of the stream with i mod 256, which
 * only holds if every write starts on a multiple of 256 in the pattern. */
#define PATTERN_PERIOD 256u

/* More repetitions than this say nothing a larger --bytes would not. */
#define MAX_REPS 100u
/* Bounds what a confused or hostile server can make a client do. */
#define MAX_STREAM_BYTES (1ull << 40)
#define MAX_ROUND_TRIPS 100000000ull
/* Ping-pong runs in this many alternating blocks per channel. */
#define LATENCY_BLOCKS 5u

#define DEFAULT_BYTES (256ull << 20)
#define DEFAULT_REPS 5u
#define DEFAULT_ROUND_TRIPS 20000ull
#define QUICK_BYTES (4ull << 20)
#define QUICK_REPS 3u
#define QUICK_ROUND_TRIPS 1000ull
/* 256 KiB: near the AF_UNIX default socket buffer (212992 bytes), and
 * within what libxenvchan grants (its rings go up to 1 MiB). */
#define DEFAULT_RING (256u * 1024)
#define DEFAULT_TIMEOUT 900u

enum role { ROLE_BOTH, ROLE_SERVER, ROLE_CLIENT };

struct opts {
        struct bh_vchan_addr addr;
        bool domid_set;
        enum role role;
        bool quick;
        uint64_t bytes;
        unsigned reps;
        uint64_t round_trips;
        size_t ring;
        unsigned timeout;
};

/* One way to move bytes between the two processes; both kinds pay the same
 * wrapper so that the comparison measures only the transports. */
struct chan {
        const char *name;
        struct bh_vchan *v; /* NULL: the raw socketpair */
        int fd;
        uint64_t moved;     /* bytes read plus written at this end */
};

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static ssize_t chan_read(struct chan *c, void *buf, size_t len)
{
        ssize_t n;

        if (c->v)
                n = bh_vchan_read(c->v, buf, len);
        else {
                do
                        n = read(c->fd, buf, len);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        n = -errno;
                else if (n == 0)
                        n = -EPIPE;
        }
        if (n > 0)
                c->moved += (uint64_t)n;
        return n;
}

static ssize_t chan_write(struct chan *c, const void *buf, size_t len)
{
        ssize_t n;

        if (c->v)
                n = bh_vchan_write(c->v, buf, len);
        else {
                do
                        n = write(c->fd, buf, len);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        n = -errno;
        }
        if (n > 0)
                c->moved += (uint64_t)n;
        return n;
}

static int read_all(struct chan *c, void *buf, size_t len)
{
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = chan_read(c, p, len);
                if (n < 0)
                        return (int)n;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int write_all(struct chan *c, const void *buf, size_t len)
{
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = chan_write(c, p, len);
                if (n < 0)
                        return (int)n;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Both ends fill (and so fault in) the same buffer before any timing. */
static int buf_new(uint8_t **ret)
{
        uint8_t *b = aligned_alloc(4096, MAX_CHUNK);

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < MAX_CHUNK; i++)
                b[i] = (uint8_t)(i % PATTERN_PERIOD);
        *ret = b;
        return 0;
}

/* ---- what the server asks of the client ----------------------------------- */

enum cmd_op {
        CMD_HELLO = 1, /* client answers with its write ring size (uint64_t) */
        CMD_STREAM,    /* client: "ready" byte, read count bytes, answer byte */
        CMD_PINGPONG,  /* client echoes count single bytes */
        CMD_DONE,      /* client answers one byte and exits */
};

/* Both ends are this program on the same architecture: native layout. */
struct cmd {
        uint32_t op;
        uint32_t chan;  /* index: 0 vchan, 1 raw */
        uint32_t chunk; /* CMD_STREAM: read size */
        uint32_t reserved;
        uint64_t count; /* CMD_STREAM: bytes; CMD_PINGPONG: round trips */
};

static int send_cmd(struct chan *ctl, enum cmd_op op, unsigned chan, size_t chunk,
                    uint64_t count)
{
        struct cmd c = { .op = op, .chan = chan, .chunk = (uint32_t)chunk, .count = count };

        return write_all(ctl, &c, sizeof(c));
}

/* Checks a command against what this client can do; 0 or -EPROTO. */
static int cmd_check(const struct cmd *untrusted, unsigned n_chans, struct cmd *ret)
{
        struct cmd c = *untrusted;

        if (c.chan >= n_chans)
                return -EPROTO;
        switch (c.op) {
        case CMD_HELLO:
        case CMD_DONE:
                break;
        case CMD_STREAM:
                if (c.chunk == 0 || c.chunk > MAX_CHUNK || c.chunk % PATTERN_PERIOD != 0 ||
                    c.count == 0 || c.count > MAX_STREAM_BYTES)
                        return -EPROTO;
                break;
        case CMD_PINGPONG:
                if (c.count == 0 || c.count > MAX_ROUND_TRIPS)
                        return -EPROTO;
                break;
        default:
                return -EPROTO;
        }
        *ret = c;
        return 0;
}

/* ---- client end ----------------------------------------------------------- */

static int client_stream(struct chan *c, uint8_t *buf, size_t chunk, uint64_t bytes)
{
        uint64_t off = 0;
        uint8_t ok = 1;
        int r;

        r = write_all(c, &ok, 1);
        if (r < 0)
                return r;
        while (off < bytes) {
                size_t want = bytes - off < chunk ? (size_t)(bytes - off) : chunk;
                ssize_t n = chan_read(c, buf, want);

                if (n < 0)
                        return (int)n;
                /* The one check per read, as cheap for both transports, and
                 * enough to catch a transport that loses or reorders. */
                if (buf[n - 1] != (uint8_t)((off + (uint64_t)n - 1) % PATTERN_PERIOD))
                        ok = 0;
                off += (uint64_t)n;
        }
        r = write_all(c, &ok, 1);
        if (r < 0)
                return r;
        return ok ? 0 : -EBADMSG;
}

static int client_pingpong(struct chan *c, uint64_t count)
{
        for (uint64_t i = 0; i < count; i++) {
                uint8_t b;
                int r;

                if ((r = read_all(c, &b, 1)) < 0 || (r = write_all(c, &b, 1)) < 0)
                        return r;
        }
        return 0;
}

/* Does what the server asks on chans[0] until it says it is done. */
static int client_serve(struct chan *chans, unsigned n_chans)
{
        _cleanup_free_ uint8_t *buf = NULL;
        int r;

        r = buf_new(&buf);
        if (r < 0)
                return r;
        for (;;) {
                struct cmd untrusted_cmd, cmd;
                uint64_t ring;
                uint8_t done = 1;

                r = read_all(&chans[0], &untrusted_cmd, sizeof(untrusted_cmd));
                if (r < 0)
                        return bh_log_errno(r, "client: reading a command");
                if (cmd_check(&untrusted_cmd, n_chans, &cmd) < 0) {
                        bh_log_error("client: malformed command from the server (op %" PRIu32 ")",
                                     untrusted_cmd.op);
                        return -EPROTO;
                }
                struct chan *c = &chans[cmd.chan];
                switch ((enum cmd_op)cmd.op) {
                case CMD_HELLO:
                        /* An empty ring has all of its size free. */
                        ring = c->v ? bh_vchan_buffer_space(c->v) : 0;
                        r = write_all(c, &ring, sizeof(ring));
                        break;
                case CMD_STREAM:
                        r = client_stream(c, buf, cmd.chunk, cmd.count);
                        break;
                case CMD_PINGPONG:
                        r = client_pingpong(c, cmd.count);
                        break;
                case CMD_DONE:
                        return write_all(c, &done, 1);
                }
                if (r < 0)
                        return bh_log_errno(r, "client: %s: op %" PRIu32, c->name, cmd.op);
        }
}

/* ---- server end: measuring ------------------------------------------------ */

struct figures {
        double mb_s[N_SIZES][MAX_REPS];
        uint64_t *lat_ns; /* sorted once complete */
        uint64_t n_lat;
};

struct run {
        const struct opts *o;
        struct chan chans[2];
        unsigned n_chans;
        uint8_t *buf;
        struct figures fig[2];
        uint64_t ring_s2c, ring_c2s;
        int raw_sndbuf, raw_rcvbuf;
        uint64_t warmup_bytes, warmup_round_trips;
};

static int server_stream(struct run *run, unsigned idx, size_t chunk, uint64_t bytes,
                         double *mb_s)
{
        struct chan *c = &run->chans[idx];
        uint64_t off = 0, t0, t1;
        uint8_t b;
        int r;

        r = send_cmd(&run->chans[0], CMD_STREAM, idx, chunk, bytes);
        if (r < 0)
                return r;
        r = read_all(c, &b, 1);
        if (r < 0)
                return r;
        t0 = now_ns();
        while (off < bytes) {
                size_t n = bytes - off < chunk ? (size_t)(bytes - off) : chunk;

                r = write_all(c, run->buf, n);
                if (r < 0)
                        return r;
                off += n;
        }
        r = read_all(c, &b, 1);
        if (r < 0)
                return r;
        t1 = now_ns();
        if (b != 1) {
                bh_log_error("%s: the client received a different stream", c->name);
                return -EBADMSG;
        }
        if (mb_s)
                *mb_s = (double)bytes / ((double)(t1 - t0) / 1e9) / 1e6;
        return 0;
}

/* Times count round trips, storing each in lat (NULL: a warm-up). */
static int server_pingpong(struct run *run, unsigned idx, uint64_t count, uint64_t *lat)
{
        struct chan *c = &run->chans[idx];
        int r;

        r = send_cmd(&run->chans[0], CMD_PINGPONG, idx, 0, count);
        if (r < 0)
                return r;
        for (uint64_t i = 0; i < count; i++) {
                uint8_t out = (uint8_t)i, in;
                uint64_t t0 = now_ns();

                if ((r = write_all(c, &out, 1)) < 0 || (r = read_all(c, &in, 1)) < 0)
                        return r;
                if (lat)
                        lat[i] = now_ns() - t0;
                if (in != out) {
                        bh_log_error("%s: ping-pong byte %" PRIu64 " came back changed",
                                     c->name, i);
                        return -EBADMSG;
                }
        }
        return 0;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static int measure_throughput(struct run *run)
{
        const struct opts *o = run->o;

        for (unsigned s = 0; s < N_SIZES; s++) {
                for (unsigned k = 0; k < run->n_chans; k++) {
                        int r = server_stream(run, k, write_sizes[s], run->warmup_bytes, NULL);
                        if (r < 0)
                                return bh_log_errno(r, "%s: %s writes: warm-up",
                                                    run->chans[k].name, write_size_names[s]);
                }
                for (unsigned rep = 0; rep < o->reps; rep++) {
                        for (unsigned j = 0; j < run->n_chans; j++) {
                                unsigned k = rep % 2 ? run->n_chans - 1 - j : j;
                                int r = server_stream(run, k, write_sizes[s], o->bytes,
                                                      &run->fig[k].mb_s[s][rep]);
                                if (r < 0)
                                        return bh_log_errno(r, "%s: %s writes: repetition %u",
                                                            run->chans[k].name,
                                                            write_size_names[s], rep + 1);
                        }
                        if (run->n_chans == 2)
                                bh_log_info("%s writes, repetition %u/%u: vchan %.0f MB/s, "
                                            "raw %.0f MB/s",
                                            write_size_names[s], rep + 1, o->reps,
                                            run->fig[0].mb_s[s][rep], run->fig[1].mb_s[s][rep]);
                        else
                                bh_log_info("%s writes, repetition %u/%u: vchan %.0f MB/s",
                                            write_size_names[s], rep + 1, o->reps,
                                            run->fig[0].mb_s[s][rep]);
                }
        }
        return 0;
}

static int measure_latency(struct run *run)
{
        uint64_t n = run->o->round_trips;

        for (unsigned k = 0; k < run->n_chans; k++) {
                int r = server_pingpong(run, k, run->warmup_round_trips, NULL);
                if (r < 0)
                        return bh_log_errno(r, "%s: ping-pong warm-up", run->chans[k].name);
                run->fig[k].lat_ns = calloc(n, sizeof(uint64_t));
                if (!run->fig[k].lat_ns)
                        return -ENOMEM;
        }
        for (unsigned blk = 0; blk < LATENCY_BLOCKS; blk++) {
                uint64_t from = n * blk / LATENCY_BLOCKS, to = n * (blk + 1) / LATENCY_BLOCKS;

                if (to == from)
                        continue;
                for (unsigned j = 0; j < run->n_chans; j++) {
                        unsigned k = blk % 2 ? run->n_chans - 1 - j : j;
                        int r = server_pingpong(run, k, to - from, run->fig[k].lat_ns + from);
                        if (r < 0)
                                return bh_log_errno(r, "%s: ping-pong", run->chans[k].name);
                }
        }
        for (unsigned k = 0; k < run->n_chans; k++) {
                run->fig[k].n_lat = n;
                qsort(run->fig[k].lat_ns, n, sizeof(uint64_t), cmp_u64);
        }
        return 0;
}

static int measure(struct run *run)
{
        struct chan *ctl = &run->chans[0];
        uint8_t b;
        int r;

        /* Read before anything is written, while the ring is empty. */
        run->ring_s2c = bh_vchan_buffer_space(ctl->v);
        if ((r = send_cmd(ctl, CMD_HELLO, 0, 0, 0)) < 0 ||
            (r = read_all(ctl, &run->ring_c2s, sizeof(run->ring_c2s))) < 0)
                return bh_log_errno(r, "vchan: hello");
        r = measure_throughput(run);
        if (r < 0)
                return r;
        bh_log_info("ping-pong: %" PRIu64 " round trips per channel after %" PRIu64
                    " of warm-up",
                    run->o->round_trips, run->warmup_round_trips);
        r = measure_latency(run);
        if (r < 0)
                return r;
        if ((r = send_cmd(ctl, CMD_DONE, 0, 0, 0)) < 0 || (r = read_all(ctl, &b, 1)) < 0)
                return bh_log_errno(r, "vchan: done");
        return 0;
}

static void run_freep(struct run **p)
{
        if (*p) {
                free((*p)->fig[0].lat_ns);
                free((*p)->fig[1].lat_ns);
                free(*p);
        }
}
#define _cleanup_run_ __attribute__((cleanup(run_freep)))

/* ---- JSON ----------------------------------------------------------------- */

static void json_string(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char ch = (unsigned char)*s;

                if (ch == '"' || ch == '\\')
                        printf("\\%c", ch);
                else if (ch < 0x20)
                        printf("\\u%04x", ch);
                else
                        putchar(ch);
        }
        putchar('"');
}

static double median(const double *v, unsigned n)
{
        double s[MAX_REPS];

        memcpy(s, v, n * sizeof(double));
        qsort(s, n, sizeof(double), cmp_double);
        return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Nearest-rank percentile of sorted samples, in microseconds. */
static double percentile_us(const struct figures *f, unsigned pct)
{
        uint64_t rank = (f->n_lat * pct + 99) / 100;

        return (double)f->lat_ns[rank ? rank - 1 : 0] / 1e3;
}

static double mean_us(const struct figures *f)
{
        double sum = 0;

        for (uint64_t i = 0; i < f->n_lat; i++)
                sum += (double)f->lat_ns[i];
        return sum / (double)f->n_lat / 1e3;
}

static void json_ratio(const char *key, double num, double den, bool last)
{
        printf("    \"%s\": ", key);
        if (den > 0)
                printf("%.3f", num / den);
        else
                printf("null");
        printf("%s\n", last ? "" : ",");
}

static void json_figures(const struct run *run, unsigned k, bool last)
{
        const struct figures *f = &run->fig[k];
        unsigned reps = run->o->reps;

        printf("  \"%s\": {\n", run->chans[k].name);
        if (k == 0)
                printf("    \"transport\": \"%s\",\n",
                       bh_vchan_transport_to_string(run->o->addr.transport));
        else
                printf("    \"transport\": \"AF_UNIX SOCK_STREAM socketpair\",\n");
        printf("    \"throughput_mb_s\": {\n");
        for (unsigned s = 0; s < N_SIZES; s++) {
                double lo = f->mb_s[s][0], hi = f->mb_s[s][0];

                for (unsigned i = 1; i < reps; i++) {
                        lo = f->mb_s[s][i] < lo ? f->mb_s[s][i] : lo;
                        hi = f->mb_s[s][i] > hi ? f->mb_s[s][i] : hi;
                }
                printf("      \"%s\": {\"write_bytes\": %zu, \"median\": %.1f, \"min\": %.1f, "
                       "\"max\": %.1f, \"samples\": [",
                       write_size_names[s], write_sizes[s], median(f->mb_s[s], reps), lo, hi);
                for (unsigned i = 0; i < reps; i++)
                        printf("%s%.1f", i ? ", " : "", f->mb_s[s][i]);
                printf("]}%s\n", s + 1 < N_SIZES ? "," : "");
        }
        printf("    },\n");
        printf("    \"latency_us\": {\"round_trips\": %" PRIu64 ", \"p50\": %.2f, \"p99\": %.2f, "
               "\"min\": %.2f, \"mean\": %.2f, \"max\": %.2f},\n",
               f->n_lat, percentile_us(f, 50), percentile_us(f, 99),
               (double)f->lat_ns[0] / 1e3, mean_us(f), (double)f->lat_ns[f->n_lat - 1] / 1e3);
        printf("    \"bytes_moved\": %" PRIu64 "\n", run->chans[k].moved);
        printf("  }%s\n", last ? "" : ",");
}

static int print_json(const struct run *run)
{
        const struct opts *o = run->o;
        struct utsname u;
        long nproc = sysconf(_SC_NPROCESSORS_ONLN);

        if (uname(&u) < 0)
                return -errno;
        printf("{\n");
        printf("  \"tool\": \"%s %s\",\n", PACKAGE_NAME, PACKAGE_VERSION);
        printf("  \"benchmark\": \"vchan\",\n");
        printf("  \"mode\": \"%s\",\n", o->role == ROLE_BOTH ? "fork" : "server");
        printf("  \"transport\": \"%s\",\n", bh_vchan_transport_to_string(o->addr.transport));
        printf("  \"quick\": %s,\n", o->quick ? "true" : "false");
        printf("  \"host\": {\"nproc\": %ld, \"kernel\": ", nproc);
        json_string(u.release);
        printf(", \"machine\": ");
        json_string(u.machine);
        printf("},\n");
        printf("  \"units\": {\"throughput\": \"MB/s, 1 MB = 10^6 bytes\", "
               "\"latency\": \"microseconds per round trip\"},\n");
        printf("  \"direction\": \"server to client\",\n");
        printf("  \"ring_bytes\": {\"requested\": %zu, \"server_to_client\": %" PRIu64
               ", \"client_to_server\": %" PRIu64 "},\n",
               o->ring, run->ring_s2c, run->ring_c2s);
        if (run->n_chans == 2)
                printf("  \"raw_socket_buffer_bytes\": {\"sndbuf\": %d, \"rcvbuf\": %d},\n",
                       run->raw_sndbuf, run->raw_rcvbuf);
        printf("  \"repetitions\": %u,\n", o->reps);
        printf("  \"bytes_per_repetition\": %" PRIu64 ",\n", o->bytes);
        printf("  \"warmup_bytes_per_write_size\": %" PRIu64 ",\n", run->warmup_bytes);
        printf("  \"round_trips\": %" PRIu64 ",\n", o->round_trips);
        printf("  \"warmup_round_trips\": %" PRIu64 ",\n", run->warmup_round_trips);
        json_figures(run, 0, run->n_chans == 1);
        if (run->n_chans == 2) {
                const struct figures *v = &run->fig[0], *raw = &run->fig[1];

                json_figures(run, 1, false);
                printf("  \"ratio_vchan_over_raw\": {\n");
                for (unsigned s = 0; s < N_SIZES; s++) {
                        char key[32];

                        snprintf(key, sizeof(key), "throughput_%s", write_size_names[s]);
                        json_ratio(key, median(v->mb_s[s], o->reps),
                                   median(raw->mb_s[s], o->reps), false);
                }
                json_ratio("latency_p50", percentile_us(v, 50), percentile_us(raw, 50), false);
                json_ratio("latency_p99", percentile_us(v, 99), percentile_us(raw, 99), true);
                printf("  }\n");
        }
        printf("}\n");
        if (fflush(stdout) != 0 || ferror(stdout))
                return -EIO;
        return 0;
}

/* ---- the two ends --------------------------------------------------------- */

static int server_main(const struct opts *o, int raw_fd)
{
        _cleanup_vchan_ struct bh_vchan *v = NULL;
        _cleanup_close_ int fd = raw_fd;
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_run_ struct run *run = NULL;
        socklen_t sl = sizeof(int);
        int r;

        /* struct figures holds MAX_REPS samples per size: too big for the stack. */
        run = calloc(1, sizeof(*run));
        if (!run)
                return -ENOMEM;
        r = buf_new(&buf);
        if (r < 0)
                return r;
        r = bh_vchan_server_init(&v, &o->addr, o->ring, o->ring);
        if (r < 0)
                return bh_log_errno(r, "server init on port %d", o->addr.port);
        while ((r = bh_vchan_is_open(v)) == 2) {
                r = bh_vchan_wait(v, 1000);
                if (r < 0 && r != -ETIMEDOUT)
                        return bh_log_errno(r, "waiting for the client");
        }
        if (r != 1)
                return bh_log_errno(-ECONNABORTED, "waiting for the client");
        bh_vchan_set_blocking(v, true);

        run->o = o;
        run->buf = buf;
        run->chans[0] = (struct chan){ .name = "vchan", .v = v, .fd = -1 };
        run->n_chans = 1;
        if (fd >= 0) {
                run->chans[1] = (struct chan){ .name = "raw", .fd = fd };
                run->n_chans = 2;
                if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &run->raw_sndbuf, &sl) < 0 ||
                    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &run->raw_rcvbuf, &sl) < 0)
                        return -errno;
        }
        run->warmup_bytes = o->bytes / 4 < MAX_CHUNK ? MAX_CHUNK : o->bytes / 4;
        run->warmup_round_trips = o->round_trips / 10 ? o->round_trips / 10 : 1;

        r = measure(run);
        if (r < 0)
                return r;
        return print_json(run);
}

static int client_main(const struct opts *o, int raw_fd)
{
        _cleanup_vchan_ struct bh_vchan *v = NULL;
        _cleanup_close_ int fd = raw_fd;
        struct chan chans[2];
        int r;

        r = bh_vchan_client_init(&v, &o->addr, (int)o->timeout * 1000);
        if (r < 0)
                return bh_log_errno(r, "client init on port %d", o->addr.port);
        bh_vchan_set_blocking(v, true);
        chans[0] = (struct chan){ .name = "vchan", .v = v, .fd = -1 };
        chans[1] = (struct chan){ .name = "raw", .fd = fd };
        return client_serve(chans, fd >= 0 ? 2 : 1);
}

/* ---- the run directory and time-outs -------------------------------------- */

/* Set before the alarm is armed, so the handler reads them safely. */
static char tmpdir_path[PATH_MAX];
static char tmpdir_socket[PATH_MAX + 64], tmpdir_tmpname[PATH_MAX + 64];

/* Empties and removes the run directory. */
static void tmpdir_remove(void)
{
        _cleanup_close_ int dfd = -1;
        DIR *d;
        struct dirent *e;

        if (!tmpdir_path[0])
                return;
        dfd = open(tmpdir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0 && (d = fdopendir(dfd))) {
                dfd = -1; /* closedir() closes it */
                /* Only plain entries: the socket, or its temporary name if
                 * set-up failed half way. */
                while ((e = readdir(d)))
                        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
                                unlinkat(dirfd(d), e->d_name, 0);
                closedir(d);
        }
        if (rmdir(tmpdir_path) < 0)
                bh_log_errno(-errno, "removing %s", tmpdir_path);
        tmpdir_path[0] = 0;
}

/* The same from a signal handler, where readdir() (which may allocate) is
 * off limits: removes the names the socket transport is known to use. */
static void tmpdir_remove_in_handler(void)
{
        if (!tmpdir_path[0])
                return;
        unlink(tmpdir_socket);
        unlink(tmpdir_tmpname);
        rmdir(tmpdir_path);
}

static void on_alarm(int sig)
{
        static const char m[] = "vchan: timed out\n";

        (void)sig;
        (void)!write(STDERR_FILENO, m, sizeof(m) - 1);
        _exit(3);
}

static void on_alarm_server(int sig)
{
        tmpdir_remove_in_handler();
        on_alarm(sig);
}

static int run_fork(struct opts *o)
{
        const char *base = getenv("TMPDIR");
        int sv[2], status, r;
        pid_t pid, parent = getpid();

        if (!base || !base[0])
                base = "/tmp";
        if ((size_t)snprintf(tmpdir_path, sizeof(tmpdir_path), "%s/bulkhead-bench.XXXXXX",
                             base) >= sizeof(tmpdir_path))
                return -ENAMETOOLONG;
        if (!mkdtemp(tmpdir_path)) {
                r = -errno;
                tmpdir_path[0] = 0;
                return bh_log_errno(r, "mkdtemp in %s", base);
        }
        o->addr.socket_dir = tmpdir_path;
        /* The names lib/vchan_socket.c uses, for the time-out handler. */
        snprintf(tmpdir_socket, sizeof(tmpdir_socket), "%s/vchan.%d.sock", tmpdir_path,
                 o->addr.port);
        snprintf(tmpdir_tmpname, sizeof(tmpdir_tmpname), "%s/.vchan.%d.%d.tmp", tmpdir_path,
                 o->addr.port, (int)parent);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                r = -errno;
                tmpdir_remove();
                return bh_log_errno(r, "socketpair");
        }
        fflush(NULL);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(sv[0]);
                close(sv[1]);
                tmpdir_remove();
                return bh_log_errno(r, "fork");
        }
        if (pid == 0) {
                /* Alarms are not inherited, and a client whose server was
                 * killed must not linger. */
                close(sv[0]);
                signal(SIGALRM, on_alarm);
                alarm(o->timeout);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(1);
                _exit(client_main(o, sv[1]) < 0 ? 1 : 0);
        }
        close(sv[1]);
        signal(SIGALRM, on_alarm_server);
        alarm(o->timeout);
        r = server_main(o, sv[0]);
        /* A client still waiting to connect would wait out its time-out. */
        if (r < 0)
                kill(pid, SIGTERM);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        status = -1;
                        break;
                }
        alarm(0);
        tmpdir_remove();
        if (r < 0)
                return r;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return bh_log_errno(-ECHILD, "client process failed");
        return 0;
}

/* ---- options -------------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *ret)
{
        unsigned long long v;
        unsigned shift = 0;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || s[0] == '-')
                return -EINVAL;
        switch (*end) {
        case 'K': shift = 10; end++; break;
        case 'M': shift = 20; end++; break;
        case 'G': shift = 30; end++; break;
        }
        if (*end || v > (UINT64_MAX >> shift))
                return -EINVAL;
        *ret = (uint64_t)v << shift;
        return 0;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

static void usage(void)
{
        fprintf(stderr,
                "usage: vchan [--quick] [--bytes SIZE] [--reps N] [--round-trips N]\n"
                "             [--ring SIZE] [--timeout SECONDS]\n"
                "       vchan --transport xen --domid PEER [--port N] --role server|client "
                "[...]\n"
                "       vchan --transport socket --dir DIR [--port N] --role server|client "
                "[...]\n"
                "SIZE takes a K, M or G suffix (powers of 1024).\n");
        exit(2);
}

static void parse_args(int argc, char **argv, struct opts *o)
{
        static const struct option longopts[] = {
                { "transport", required_argument, NULL, 't' },
                { "domid", required_argument, NULL, 'd' },
                { "port", required_argument, NULL, 'p' },
                { "dir", required_argument, NULL, 'D' },
                { "role", required_argument, NULL, 'r' },
                { "quick", no_argument, NULL, 'q' },
                { "bytes", required_argument, NULL, 'b' },
                { "reps", required_argument, NULL, 'n' },
                { "round-trips", required_argument, NULL, 'R' },
                { "ring", required_argument, NULL, 'g' },
                { "timeout", required_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        uint64_t bytes = 0, reps = 0, round_trips = 0, v;
        int c;

        *o = (struct opts){
                .addr = { .transport = BH_VCHAN_SOCKET, .port = 1 },
                .role = ROLE_BOTH,
                .ring = DEFAULT_RING,
                .timeout = DEFAULT_TIMEOUT,
        };
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 't':
                        if (bh_vchan_transport_from_string(optarg, &o->addr.transport) < 0)
                                usage();
                        break;
                case 'd':
                        if (parse_uint(optarg, INT_MAX, &v) < 0)
                                usage();
                        o->addr.peer_domid = (int)v;
                        o->domid_set = true;
                        break;
                case 'p':
                        if (parse_uint(optarg, INT_MAX, &v) < 0)
                                usage();
                        o->addr.port = (int)v;
                        break;
                case 'D':
                        o->addr.socket_dir = optarg;
                        break;
                case 'r':
                        if (strcmp(optarg, "server") == 0)
                                o->role = ROLE_SERVER;
                        else if (strcmp(optarg, "client") == 0)
                                o->role = ROLE_CLIENT;
                        else
                                usage();
                        break;
                case 'q':
                        o->quick = true;
                        break;
                case 'b':
                        if (parse_size(optarg, &bytes) < 0 || bytes < MAX_CHUNK ||
                            bytes > MAX_STREAM_BYTES)
                                usage();
                        break;
                case 'n':
                        if (parse_uint(optarg, MAX_REPS, &reps) < 0 || reps == 0)
                                usage();
                        break;
                case 'R':
                        if (parse_uint(optarg, MAX_ROUND_TRIPS, &round_trips) < 0 ||
                            round_trips == 0)
                                usage();
                        break;
                case 'g':
                        if (parse_size(optarg, &v) < 0 || v < BH_VCHAN_RING_MIN ||
                            v > BH_VCHAN_RING_MAX)
                                usage();
                        o->ring = (size_t)v;
                        break;
                case 'T':
                        if (parse_uint(optarg, UINT_MAX, &v) < 0 || v == 0)
                                usage();
                        o->timeout = (unsigned)v;
                        break;
                default:
                        usage();
                }
        }
        if (optind != argc)
                usage();
        o->bytes = bytes ? bytes : o->quick ? QUICK_BYTES : DEFAULT_BYTES;
        o->reps = reps ? (unsigned)reps : o->quick ? QUICK_REPS : DEFAULT_REPS;
        o->round_trips = round_trips ? round_trips
                         : o->quick  ? QUICK_ROUND_TRIPS
                                     : DEFAULT_ROUND_TRIPS;

        if (o->role == ROLE_BOTH) {
                /* Both ends here means a socket transport in a fresh directory. */
                if (o->addr.transport != BH_VCHAN_SOCKET || o->addr.socket_dir) {
                        fprintf(stderr, "vchan: --transport xen and --dir need --role\n");
                        usage();
                }
        } else if (o->addr.transport == BH_VCHAN_XEN && !o->domid_set) {
                fprintf(stderr, "vchan: --transport xen needs --domid\n");
                usage();
        } else if (o->addr.transport == BH_VCHAN_SOCKET && !o->addr.socket_dir) {
                fprintf(stderr, "vchan: --role with the socket transport needs --dir\n");
                usage();
        }
}

int main(int argc, char **argv)
{
        struct opts o;
        int r;

        bh_log_init("vchan");
        parse_args(argc, argv, &o);
        /* A dead raw peer must show as EPIPE, not kill the process. */
        signal(SIGPIPE, SIG_IGN);

        switch (o.role) {
        case ROLE_BOTH:
                r = run_fork(&o);
                break;
        case ROLE_SERVER:
                signal(SIGALRM, on_alarm);
                alarm(o.timeout);
                r = server_main(&o, -1);
                break;
        case ROLE_CLIENT:
                signal(SIGALRM, on_alarm);
                alarm(o.timeout);
                r = client_main(&o, -1);
                break;
        default:
                r = -EINVAL;
        }
        return r < 0 ? 1 : 0;
}
