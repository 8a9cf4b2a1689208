/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An agent that speaks qrexec's control protocol wrongly, for
 * tests/qrexec/hostile.sh.  It serves the control port (BH_QREXEC_PORT) on
 * the socket transport in DIR, as the real agent does in a domain, waits
 * for qrexec-daemon to connect and then misbehaves as CASE says.
 *
 *   hostile-agent --dir DIR CASE
 *       Exits 0 when the daemon did what it must (for most cases: closed
 *       the channel), 1 with a line on stderr when not, 2 for a usage error.
 *   hostile-agent --dir DIR good
 *       A well-behaved domain: calls test.Ping every 100 ms, forever, and
 *       prints one line per call: "answered ID MS", "late ID MS" (over a
 *       second), "unanswered ID", or "lost the channel".
 *   hostile-agent list
 *       Prints the cases.
 *
 * Calls to services named test.Hold* stay waiting in the fake policy
 * daemon (tests/qrexec/fake-policy.c) until released, which this program
 * does itself through $BULKHEAD_RUNTIME_DIR/qrexec-policy.sock.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qrexec_proto.h"
#include "util.h"
#include "vchan.h"

/* How long the daemon may take to connect: it waits a second after a
 * violation before it tries again. */
#define CONNECT_TIMEOUT_MS 10000
/* How long it may take to close the channel or answer. */
#define VERDICT_TIMEOUT_MS 3000
/* A flood that makes no headway this long has met its verdict. */
#define STALL_MS 1500
#define BURST 10000
#define FLOOD 30000

struct chan {
        struct bh_vchan *v;
        struct bh_qrexec_peer peer;
        bool have_hdr;
        uint32_t type, len;
        uint8_t buf[BH_QREXEC_MSG_MAX];
};

static struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = BH_QREXEC_PORT };
static uint8_t out[64 * BH_QREXEC_MSG_MAX];

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "hostile-agent: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        return 1;
}

/* ---- the channel --------------------------------------------------------------- */

/* Serves the control port and waits for the daemon. */
static int serve(struct chan *c)
{
        int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
        int r;

        *c = (struct chan){ 0 };
        bh_qrexec_peer_init(&c->peer, BH_QREXEC_FROM_DAEMON);
        r = bh_vchan_server_init(&c->v, &addr, BH_QREXEC_RING_SIZE, BH_QREXEC_RING_SIZE);
        if (r < 0)
                return r;
        while (bh_vchan_is_open(c->v) == 2) {
                if (now_ms() >= deadline)
                        return -ETIMEDOUT;
                bh_vchan_wait(c->v, 100);
        }
        return bh_vchan_is_open(c->v) == 1 ? 0 : -EPIPE;
}

static void hang_up(struct chan *c)
{
        bh_vchan_close(c->v);
        c->v = NULL;
}
#define _cleanup_chan_ __attribute__((cleanup(hang_up)))

/*
 * The daemon's next message into c->type/len/buf, checked as the real
 * agent checks it: 1, 0 after timeout_ms, -EPIPE once the daemon closed
 * the channel, -EPROTO if the daemon itself broke the protocol.
 */
static int next_msg(struct chan *c, int timeout_ms)
{
        int64_t deadline = now_ms() + timeout_ms;

        for (;;) {
                const char *why = NULL;
                ssize_t r = -EAGAIN;

                if (!c->have_hdr) {
                        uint8_t hdr[BH_QREXEC_HDR_SIZE];

                        r = bh_vchan_recv(c->v, hdr, sizeof(hdr));
                        if (r == (ssize_t)sizeof(hdr)) {
                                if (bh_qrexec_check_header(&c->peer, hdr, &c->type, &c->len, &why) < 0) {
                                        fail("the daemon broke the protocol: %s", why);
                                        return -EPROTO;
                                }
                                c->have_hdr = true;
                        }
                }
                if (c->have_hdr) {
                        r = c->len ? bh_vchan_recv(c->v, c->buf, c->len) : 0;
                        if (r == (ssize_t)c->len) {
                                c->have_hdr = false;
                                return 1;
                        }
                }
                if (r != -EAGAIN && r < 0)
                        return -EPIPE;
                if (bh_vchan_is_open(c->v) == 0 && bh_vchan_data_ready(c->v) == 0)
                        return -EPIPE;
                if (now_ms() >= deadline)
                        return 0;
                bh_vchan_wait(c->v, 50);
        }
}

/* All n bytes, waiting for room; -EPIPE once the daemon has gone. */
static int send_bytes(struct chan *c, const uint8_t *p, size_t n)
{
        int64_t deadline = now_ms() + VERDICT_TIMEOUT_MS;

        while (n > 0) {
                ssize_t r = bh_vchan_write(c->v, p, n);

                if (r > 0) {
                        p += r;
                        n -= (size_t)r;
                        continue;
                }
                if (r != -EAGAIN)
                        return -EPIPE;
                if (bh_vchan_is_open(c->v) == 0)
                        return -EPIPE;
                if (now_ms() >= deadline)
                        return -ETIMEDOUT;
                bh_vchan_wait(c->v, 50);
        }
        return 0;
}

/* Takes the daemon's HELLO and sends ours. */
static int greet(struct chan *c)
{
        uint8_t hello[BH_QREXEC_HDR_SIZE + BH_QREXEC_HELLO_SIZE];
        int r = next_msg(c, VERDICT_TIMEOUT_MS);

        if (r <= 0 || c->type != BH_QREXEC_MSG_HELLO)
                return fail("no HELLO from the daemon (%d)", r), -EPROTO;
        return send_bytes(c, hello, bh_qrexec_encode_hello(hello));
}

/* Reads (and drops) what the daemon sends until it closes the channel. */
static int expect_closed(struct chan *c, const char *what)
{
        int64_t deadline = now_ms() + VERDICT_TIMEOUT_MS;

        for (;;) {
                int r = next_msg(c, 100);

                if (r == -EPIPE)
                        return 0;
                if (r < 0)
                        return 1;
                if (now_ms() >= deadline)
                        return fail("%s: the daemon kept the channel open", what);
        }
}

/* ---- building messages ---------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}

/* A message by hand: header {type, len}, u32 fields, then raw string bytes. */
static size_t raw(uint8_t *o, uint32_t type, uint32_t len, const uint32_t *ints, size_t ni,
                  const void *strings, size_t slen)
{
        put32(o, type);
        put32(o + 4, len);
        for (size_t i = 0; i < ni; i++)
                put32(o + BH_QREXEC_HDR_SIZE + 4 * i, ints[i]);
        memcpy(o + BH_QREXEC_HDR_SIZE + 4 * ni, strings, slen);
        return BH_QREXEC_HDR_SIZE + 4 * ni + slen;
}

/* A TRIGGER whose strings (target, service, argument) need not be valid. */
static size_t trigger(uint8_t *o, uint32_t id, uint32_t port, const char *target, const char *service,
                      const char *arg)
{
        char s[512];
        int n = snprintf(s, sizeof(s), "%s%c%s%c%s", target, 0, service, 0, arg);
        const uint32_t ints[] = { id, port };

        return raw(o, BH_QREXEC_MSG_TRIGGER, 8 + (uint32_t)n + 1, ints, 2, s, (size_t)n + 1);
}

/* ---- the fake policy daemon ----------------------------------------------------- */

/* Sends it one request; returns held=N for "held", 0 otherwise, -errno. */
static int policy(const char *verb)
{
        const char *dir = getenv("BULKHEAD_RUNTIME_DIR");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char req[64], reply[64];
        int fd, n, r = 0;
        ssize_t got;

        if (!dir || snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qrexec-policy.sock", dir) >=
                            (int)sizeof(sa.sun_path))
                return -EINVAL;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        n = snprintf(req, sizeof(req), "bulkhead-policy/1%c%s", 0, verb);
        got = send(fd, req, (size_t)n + 1, MSG_NOSIGNAL) < 0 ? -1 : recv(fd, reply, sizeof(reply) - 1, 0);
        if (got < 3)
                r = -EIO;
        else if (strcmp(verb, "held") == 0) {
                reply[got] = '\0';
                r = strncmp(reply + 3, "held=", 5) == 0 ? atoi(reply + 8) : -EIO;
        }
        close(fd);
        return r;
}

/* Waits until the policy daemon holds n calls; returns what it holds. */
static int wait_held(int n, int timeout_ms)
{
        int64_t deadline = now_ms() + timeout_ms;
        int h;

        while ((h = policy("held")) >= 0 && h < n && now_ms() < deadline)
                usleep(20000);
        return h;
}

/* Lets every held call go once the daemon has started them all. */
static void release_all(void)
{
        wait_held(BH_QREXEC_MAX_PENDING, 500);
        policy("release");
}

/* ---- the cases -------------------------------------------------------------- */

/* Bytes a protocol violation consists of, sent after HELLO unless no_hello. */
static size_t violation_bytes(const char *name, bool *no_hello)
{
        static const uint32_t id_port[] = { 1, 1024 }, done[] = { 4242, 0 }, run[] = { 1, 0, 1024 };
        uint32_t ints[2];

        *no_hello = false;
        if (strcmp(name, "trigger-before-hello") == 0) {
                *no_hello = true;
                return trigger(out, 1, 1024, "work", "test.Ping", "");
        }
        if (strcmp(name, "hello-v0") == 0) {
                const uint32_t v0[] = { 0, 0 };

                *no_hello = true;
                return raw(out, BH_QREXEC_MSG_HELLO, 8, v0, 2, "", 0);
        }
        if (strcmp(name, "hello-twice") == 0)
                return bh_qrexec_encode_hello(out);
        if (strcmp(name, "unknown-type") == 0)
                return raw(out, 0x77, 4, id_port, 1, "", 0);
        if (strcmp(name, "run-service-from-agent") == 0)
                return raw(out, BH_QREXEC_MSG_RUN_SERVICE, 12 + 11, run, 3, "\0svc\0\0work", 11);
        if (strcmp(name, "connect-from-agent") == 0)
                return raw(out, BH_QREXEC_MSG_SERVICE_CONNECT, 4 + 5, id_port, 1, "dom0", 5);
        if (strcmp(name, "oversized") == 0)
                return raw(out, BH_QREXEC_MSG_TRIGGER, BH_QREXEC_MAX_PAYLOAD + 1, id_port, 2, "", 0);
        if (strcmp(name, "huge-length") == 0)
                return raw(out, BH_QREXEC_MSG_TRIGGER, 0xffffffff, NULL, 0, "", 0);
        if (strcmp(name, "short-trigger") == 0)
                return raw(out, BH_QREXEC_MSG_TRIGGER, 10, id_port, 2, "a\0", 2);
        if (strcmp(name, "unterminated-string") == 0)
                return raw(out, BH_QREXEC_MSG_TRIGGER, 8 + 14, id_port, 2, "work\0test.Ping", 14);
        if (strcmp(name, "long-service") == 0) {
                char s[BH_QREXEC_SERVICE_MAX + 2];

                memset(s, 's', sizeof(s) - 1);
                s[sizeof(s) - 1] = '\0';
                return trigger(out, 1, 1024, "work", s, "");
        }
        if (strcmp(name, "trailing-bytes") == 0) {
                size_t n = trigger(out, 1, 1024, "work", "test.Ping", "");

                put32(out + 4, 8 + 5 + 10 + 1 + 3); /* and "xyz" */
                memcpy(out + n, "xyz", 3);
                return n + 3;
        }
        if (strcmp(name, "bad-name-slash") == 0)
                return trigger(out, 1, 1024, "work", "test/Ping", "");
        if (strcmp(name, "bad-name-dotdot") == 0)
                return trigger(out, 1, 1024, "..", "test.Ping", "");
        if (strcmp(name, "bad-name-space") == 0)
                return trigger(out, 1, 1024, "work", "test.Ping", "a b");
        if (strcmp(name, "bad-name-control") == 0)
                return trigger(out, 1, 1024, "work", "test.Ping\x1b[2J", "");
        if (strcmp(name, "bad-name-dash") == 0)
                return trigger(out, 1, 1024, "-work", "test.Ping", "");
        if (strcmp(name, "bad-name-dot") == 0)
                return trigger(out, 1, 1024, "work", ".test", "");
        if (strcmp(name, "port-low") == 0)
                return trigger(out, 1, BH_QREXEC_DATA_PORT_MIN - 1, "work", "test.Ping", "");
        if (strcmp(name, "port-high") == 0)
                return trigger(out, 1, BH_QREXEC_DATA_PORT_MAX + 1, "work", "test.Ping", "");
        if (strcmp(name, "done-never-sent") == 0)
                return raw(out, BH_QREXEC_MSG_SERVICE_DONE, 8, done, 2, "", 0);
        if (strcmp(name, "status-256") == 0) {
                ints[0] = 4242;
                ints[1] = 256;
                return raw(out, BH_QREXEC_MSG_SERVICE_DONE, 8, ints, 2, "", 0);
        }
        return 0;
}

static int run_violation(const char *name)
{
        _cleanup_chan_ struct chan c = { 0 };
        bool no_hello;
        size_t n = violation_bytes(name, &no_hello);
        int r;

        if (n == 0)
                return 2;
        if ((r = serve(&c)) < 0)
                return fail("%s: the daemon never connected: %s", name, strerror(-r));
        if (!no_hello && greet(&c) < 0)
                return 1;
        /* The daemon may close the channel before taking it all: fine. */
        (void)send_bytes(&c, out, n);
        r = expect_closed(&c, name);
        hang_up(&c);
        return r;
}

/* Half a message, then the domain's agent dies: a lost connection, not a
 * violation. */
static int run_truncated(void)
{
        _cleanup_chan_ struct chan c = { 0 };
        size_t n;
        int r;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("truncated: no connection");
        n = trigger(out, 1, 1024, "work", "test.Ping", "");
        (void)send_bytes(&c, out, n / 2);
        usleep(100000);
        hang_up(&c);
        return 0;
}

/* A TRIGGER whose id is that of a call still waiting for its answer. */
static int run_replayed_id(void)
{
        _cleanup_chan_ struct chan c = { 0 };
        size_t n;
        int r;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("replayed-id: no connection");
        n = trigger(out, 5, 2000, "work", "test.Hold", "");
        n += trigger(out + n, 5, 2001, "work", "test.Hold", "");
        (void)send_bytes(&c, out, n);
        r = expect_closed(&c, "replayed-id");
        hang_up(&c);
        wait_held(1, 2000);
        policy("release");
        return r;
}

/* Waits for SERVICE_REFUSED of call id; 0, or 1 with a line. */
static int expect_refused(struct chan *c, uint32_t id, const char *what)
{
        int64_t deadline = now_ms() + VERDICT_TIMEOUT_MS;

        while (now_ms() < deadline) {
                struct bh_qrexec_refused m;
                const char *why = NULL;
                int r = next_msg(c, 100);

                if (r < 0)
                        return fail("%s: channel closed waiting for the answer to call %u", what, id);
                if (r == 0)
                        continue;
                if (c->type == BH_QREXEC_MSG_SERVICE_REFUSED &&
                    bh_qrexec_refused_check(c->buf, c->len, &m, &why) == 0) {
                        if (m.req_id == id)
                                return 0;
                        continue; /* an earlier case's call, answered late */
                }
                return fail("%s: %s instead of SERVICE_REFUSED %u", what, bh_qrexec_msg_name(c->type), id);
        }
        return fail("%s: no answer to call %u", what, id);
}

/*
 * It says it is another domain in every field it has: the target is that
 * domain, so is the argument.  The daemon must still ask the policy (and
 * write the audit line) with the name it was started for.
 */
static int run_lying_name(void)
{
        _cleanup_chan_ struct chan c = { 0 };
        int r;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("lying-name: no connection");
        (void)send_bytes(&c, out, trigger(out, 77, 3000, "goodvm", "test.Ping", "goodvm"));
        r = expect_refused(&c, 77, "lying-name");
        hang_up(&c);
        return r;
}

/*
 * 10 000 calls at once, reading the answers as they come: the first
 * BH_QREXEC_MAX_PENDING wait for the policy (which holds them), every other
 * one is refused at once; once released, those are refused too, and the
 * channel stays open all along.
 */
static int run_burst(void)
{
        unsigned refused = 0, sent = 0, before;
        int64_t deadline;
        _cleanup_chan_ struct chan c = { 0 };
        int r, held;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("burst: no connection");
        deadline = now_ms() + STALL_MS;
        while (sent < BURST && now_ms() < deadline) {
                size_t n = trigger(out, sent + 1, 1024 + sent % 60000, "@default", "test.Hold", "");
                ssize_t w = bh_vchan_send(c.v, out, n);

                if (w == (ssize_t)n) {
                        sent++;
                        deadline = now_ms() + STALL_MS;
                        continue;
                }
                if (w != -EAGAIN)
                        break;
                /* Ring full: take in what the daemon answered meanwhile. */
                while ((r = next_msg(&c, 0)) == 1) {
                        refused += c.type == BH_QREXEC_MSG_SERVICE_REFUSED;
                        deadline = now_ms() + STALL_MS;
                }
                if (r < 0)
                        break;
                bh_vchan_wait(c.v, 10);
        }
        if (sent < BURST) {
                release_all();
                return fail("burst: the daemon stopped taking calls after %u sent, %u refused (channel %s)", sent,
                            refused, bh_vchan_is_open(c.v) == 1 ? "still open" : "closed");
        }
        while (refused < BURST - BH_QREXEC_MAX_PENDING && (r = next_msg(&c, 2000)) == 1)
                refused += c.type == BH_QREXEC_MSG_SERVICE_REFUSED;
        if (r < 0)
                return fail("burst: channel closed after %u calls sent, %u refused", sent, refused);
        /* No more than that while the policy holds the rest. */
        while ((r = next_msg(&c, 300)) == 1)
                refused += c.type == BH_QREXEC_MSG_SERVICE_REFUSED;
        before = refused;
        wait_held(BH_QREXEC_MAX_PENDING, 3000);
        usleep(200000);
        held = policy("held");
        policy("release");
        while (refused < BURST && (r = next_msg(&c, 3000)) == 1)
                refused += c.type == BH_QREXEC_MSG_SERVICE_REFUSED;
        printf("burst: %u calls sent, %u refused at once, %d waiting for the policy, %u refused in all\n",
               sent, before, held, refused);
        if (sent != BURST || before != BURST - BH_QREXEC_MAX_PENDING || held != BH_QREXEC_MAX_PENDING ||
            refused != BURST)
                return fail("burst: expected %u refused at once, %u waiting, %u refused in all", BURST - BH_QREXEC_MAX_PENDING,
                            BH_QREXEC_MAX_PENDING, BURST);
        if (r < 0 || bh_vchan_is_open(c.v) != 1)
                return fail("burst: the daemon closed the channel");
        hang_up(&c);
        return 0;
}

/* Calls and calls and never reads an answer: dom0 must not buffer without
 * end nor wait for the domain; it closes the channel. */
static int run_flood_no_read(void)
{
        int64_t deadline;
        unsigned sent = 0;
        _cleanup_chan_ struct chan c = { 0 };
        int r;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("flood-no-read: no connection");
        deadline = now_ms() + STALL_MS;
        while (now_ms() < deadline) {
                size_t n = sent < FLOOD ? trigger(out, sent + 1, 1024 + sent % 60000, "@default", "test.Hold", "") : 0;
                ssize_t w = n ? bh_vchan_send(c.v, out, n) : -EAGAIN;

                if (w == (ssize_t)n) {
                        sent++;
                        deadline = now_ms() + STALL_MS;
                        continue;
                }
                if (bh_vchan_is_open(c.v) == 0 || (w < 0 && w != -EAGAIN))
                        break;
                bh_vchan_wait(c.v, 20);
        }
        r = bh_vchan_is_open(c.v);
        hang_up(&c);
        release_all();
        printf("flood-no-read: %u calls sent, then the daemon took no more\n", sent);
        return r == 0 ? 0 : fail("flood-no-read: the daemon kept the channel open (%u calls sent)", sent);
}

/*
 * After the channel is lost and served again, the daemon must not mix the
 * two connections up.  The agent may have restarted and counts its call ids
 * from 1 again.
 */
static int run_id_reused_after_reconnect(void)
{
        _cleanup_chan_ struct chan c = { 0 };
        int r;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("id-reused-after-reconnect: no connection");
        (void)send_bytes(&c, out, trigger(out, 9, 2000, "work", "test.Hold", ""));
        wait_held(1, 2000);
        hang_up(&c);
        /* A new agent: its call 9 is not the old one's. */
        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                r = fail("id-reused-after-reconnect: no second connection");
        else {
                (void)send_bytes(&c, out, trigger(out, 9, 2000, "work", "test.Ping", ""));
                r = expect_refused(&c, 9, "id-reused-after-reconnect");
        }
        hang_up(&c);
        policy("release");
        return r;
}

static int run_stale_answer_after_reconnect(void)
{
        _cleanup_chan_ struct chan c = { 0 };
        int r;

        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("stale-answer-after-reconnect: no connection");
        (void)send_bytes(&c, out, trigger(out, 9, 2000, "work", "test.Hold", ""));
        wait_held(1, 2000);
        hang_up(&c);
        if ((r = serve(&c)) < 0 || greet(&c) < 0)
                return fail("stale-answer-after-reconnect: no second connection");
        /* The old call is answered now: not on this connection. */
        policy("release");
        r = next_msg(&c, 1000);
        hang_up(&c);
        if (r == 1)
                return fail("stale-answer-after-reconnect: %s for call %u of the previous connection",
                            bh_qrexec_msg_name(c.type), c.len >= 4 ? (unsigned)(c.buf[0] | c.buf[1] << 8) : 0u);
        return r < 0 ? fail("stale-answer-after-reconnect: channel closed") : 0;
}

/* ---- a well-behaved domain -------------------------------------------------------- */

static int run_good(void)
{
        _cleanup_chan_ struct chan c = { 0 };
        uint32_t id = 0;

        for (;;) {
                if (serve(&c) < 0 || greet(&c) < 0) {
                        hang_up(&c);
                        usleep(100000);
                        continue;
                }
                for (;;) {
                        int64_t t0 = now_ms(), ms;
                        int r = 0;

                        id++;
                        if (send_bytes(&c, out, trigger(out, id, 1024 + id % 60000, "@default", "test.Ping", "")) < 0)
                                break;
                        while ((r = next_msg(&c, 3000)) == 1)
                                if (c.type == BH_QREXEC_MSG_SERVICE_REFUSED && c.len == 4 &&
                                    (c.buf[0] | c.buf[1] << 8 | c.buf[2] << 16 | (uint32_t)c.buf[3] << 24) == id)
                                        break;
                        ms = now_ms() - t0;
                        if (r < 0)
                                break;
                        if (r == 0)
                                printf("unanswered %u\n", id);
                        else
                                printf("%s %u %lld\n", ms > 1000 ? "late" : "answered", id, (long long)ms);
                        usleep(100000);
                }
                printf("lost the channel\n");
                hang_up(&c);
        }
        return 0; /* ended by SIGTERM */
}

static const struct {
        const char *name;
        int (*run)(void);
} special[] = {
        { "truncated", run_truncated },
        { "replayed-id", run_replayed_id },
        { "lying-name", run_lying_name },
        { "burst", run_burst },
        { "flood-no-read", run_flood_no_read },
        { "id-reused-after-reconnect", run_id_reused_after_reconnect },
        { "stale-answer-after-reconnect", run_stale_answer_after_reconnect },
};

static const char *const violations[] = {
        "trigger-before-hello", "hello-v0",         "hello-twice",         "unknown-type",
        "run-service-from-agent", "connect-from-agent", "oversized",       "huge-length",
        "short-trigger",        "unterminated-string", "long-service",     "trailing-bytes",
        "bad-name-slash",       "bad-name-dotdot",  "bad-name-space",      "bad-name-control",
        "bad-name-dash",        "bad-name-dot",     "port-low",            "port-high",
        "done-never-sent",      "status-256",
};

static void on_alarm(int sig)
{
        static const char m[] = "hostile-agent: timed out\n";

        (void)sig;
        (void)!write(2, m, sizeof(m) - 1);
        _exit(1);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "dir", required_argument, NULL, 'D' },
                {},
        };
        const char *name;
        int o;

        bh_log_init("hostile-agent");
        setvbuf(stdout, NULL, _IOLBF, 0);
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (o != 'D')
                        return 2;
                addr.socket_dir = optarg;
        }
        if (optind + 1 != argc)
                goto usage;
        name = argv[optind];
        if (strcmp(name, "list") == 0) {
                for (size_t i = 0; i < ELEMENTSOF(violations); i++)
                        puts(violations[i]);
                for (size_t i = 0; i < ELEMENTSOF(special); i++)
                        puts(special[i].name);
                return 0;
        }
        if (!addr.socket_dir)
                goto usage;
        signal(SIGPIPE, SIG_IGN);
        if (strcmp(name, "good") == 0)
                return run_good();
        signal(SIGALRM, on_alarm);
        alarm(40);
        for (size_t i = 0; i < ELEMENTSOF(special); i++)
                if (strcmp(name, special[i].name) == 0)
                        return special[i].run();
        for (size_t i = 0; i < ELEMENTSOF(violations); i++)
                if (strcmp(name, violations[i]) == 0)
                        return run_violation(name);
usage:
        fprintf(stderr, "usage: hostile-agent --dir DIR CASE|good\n       hostile-agent list\n");
        return 2;
}
