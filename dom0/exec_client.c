/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dom0's side of the exec protocol; see exec_client.h.
 *
 * One poll loop, one message buffer per direction.  A message from the agent
 * is passed on whole before the next is read, so a slow reader of our
 * stdout holds the agent back through the ring instead of growing memory
 * here.  HELLO and EXEC go out together without waiting for the agent's
 * HELLO: one round trip less per command, which the protocol allows because
 * every version accepts the version-1 EXEC.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec_client.h"
#include "exec_proto.h"
#include "util.h"

/* Back-off between connection attempts refused by a busy agent: its next
 * listener is up within a millisecond, so start short. */
#define RETRY_MIN_MS 1
#define RETRY_MAX_MS 50
/* A pipe we relay to or from is grown to this (best effort): 16 of the
 * protocol's 64 KiB messages, so a stream wakes each side once per
 * megabyte rather than once per message; fs.pipe-max-size's default. */
#define PIPE_SIZE (1 << 20)

struct client {
        struct bh_vchan *v;
        const struct bh_vchan_addr *addr;
        bool peer_gone;
        struct bh_exec_rx rx;
        bool hello_in;        /* the agent's HELLO arrived */
        bool got_exit;
        uint32_t status;
        /* STDOUT/STDERR payload held in rx until its descriptor takes it. */
        int held_fd;
        size_t held_off;
        bool held;
        int in_fd, out_fd, err_fd;
        /* in_fd may block (a terminal): read it only when poll() says so. */
        bool in_may_block, in_ready;
        bool stdin_done;      /* EOF queued, or the agent can take no more */
        bool tx_dead;         /* the agent's end is closed: drop what we send */
        size_t tx_len, tx_off;
        uint8_t tx[BH_EXEC_HDR_SIZE + BH_EXEC_HELLO_SIZE + BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD];
};

#define CLOG(c, fmt, ...)                                                                      \
        bh_log_error("exec %s port %d peer %d: " fmt,                                          \
                     bh_vchan_transport_to_string((c)->addr->transport), (c)->addr->port,     \
                     (c)->addr->peer_domid, ##__VA_ARGS__)
#define CLOG_ERRNO(c, r, fmt, ...)                                                             \
        bh_log_errno((r), "exec %s port %d peer %d: " fmt,                                     \
                     bh_vchan_transport_to_string((c)->addr->transport), (c)->addr->port,     \
                     (c)->addr->peer_domid, ##__VA_ARGS__)

/* Milliseconds to the deadline for poll(): -1 without one, 0 once past. */
static int left_ms(int64_t deadline)
{
        int64_t d;

        if (deadline < 0)
                return -1;
        d = deadline - bh_now_ms();
        if (d <= 0)
                return 0;
        return d > INT32_MAX ? INT32_MAX : (int)d;
}

static void sleep_ms(int ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

        nanosleep(&ts, NULL);
}

/*
 * The agent serves one client per listener; a client that connected in the
 * same instant as another is dropped when the listener takes the other one
 * (-ECONNREFUSED), and the next listener is up at once, so try again.
 */
static int connect_agent(const struct bh_vchan_addr *addr, int64_t deadline, struct bh_vchan **ret)
{
        int delay = RETRY_MIN_MS;

        for (;;) {
                int left = left_ms(deadline), r;

                if (left == 0)
                        return -ETIMEDOUT;
                r = bh_vchan_client_init(ret, addr, left);
                if (r != -ECONNREFUSED)
                        return r;
                left = left_ms(deadline);
                if (left == 0)
                        return -ETIMEDOUT;
                sleep_ms(left > 0 && left < delay ? left : delay);
                delay = delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : delay * 2;
        }
}

/* ---- our descriptors ---------------------------------------------------- */

struct saved_flags {
        int fd[3];
        int flags[3];
        int n;
};

/*
 * Pipes and sockets go non-blocking for the call: a blocking write of a whole
 * message to a pipe whose reader is slow would stop the loop, and with it the
 * other direction.  Terminals and files stay as they are: their flags are
 * shared with other processes (a shell's terminal), and poll() says they are
 * always ready anyway.
 */
static void make_nonblocking(struct saved_flags *s, int fd)
{
        struct stat st;
        int fl;

        if (fd < 0 || fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
                return;
        if (S_ISFIFO(st.st_mode) && fcntl(fd, F_GETPIPE_SZ) < PIPE_SIZE)
                (void)!fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE);
        for (int i = 0; i < s->n; i++)
                if (s->fd[i] == fd)
                        return;
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || (fl & O_NONBLOCK))
                return;
        if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                return;
        s->fd[s->n] = fd;
        s->flags[s->n] = fl;
        s->n++;
}

/* True if a read on fd can wait for ever: a terminal or other blocking device. */
static bool may_block(int fd)
{
        struct stat st;
        int fl;

        if (fd < 0 || fstat(fd, &st) < 0)
                return false;
        if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))
                return false;
        fl = fcntl(fd, F_GETFL);
        return fl >= 0 && !(fl & O_NONBLOCK);
}

static void restore_flags(struct saved_flags *s)
{
        for (int i = s->n - 1; i >= 0; i--)
                fcntl(s->fd[i], F_SETFL, s->flags[i]);
        s->n = 0;
}

/* ---- the session ------------------------------------------------------------ */

/* Writes what the ring takes of our pending message.  1: progress. */
static int flush_tx(struct client *c)
{
        int progress = 0;

        while (c->tx_off < c->tx_len) {
                ssize_t n;

                if (c->tx_dead) {
                        c->tx_off = c->tx_len;
                        break;
                }
                n = bh_vchan_write(c->v, c->tx + c->tx_off, c->tx_len - c->tx_off);
                if (n == -EAGAIN)
                        return progress;
                if (n == -EPIPE) {
                        /* The agent may have sent EXIT and gone before
                         * reading all of our stdin: the ring tells. */
                        c->tx_dead = true;
                        c->stdin_done = true;
                        continue;
                }
                if (n < 0)
                        return (int)n;
                c->tx_off += (size_t)n;
                progress = 1;
        }
        c->tx_len = c->tx_off = 0;
        return progress;
}

/* Queues the next piece of stdin when the send buffer is free.  1: queued. */
static int next_stdin(struct client *c)
{
        ssize_t n;

        if (c->tx_len > 0 || c->stdin_done)
                return 0;
        if (c->in_fd < 0) {
                n = 0;
        } else {
                if (c->in_may_block && !c->in_ready)
                        return 0;
                c->in_ready = false;
                n = read(c->in_fd, c->tx + BH_EXEC_HDR_SIZE, BH_EXEC_MAX_PAYLOAD);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return 0;
                if (n < 0)
                        return CLOG_ERRNO(c, -errno, "reading stdin");
        }
        bh_exec_put_hdr(c->tx, BH_EXEC_MSG_STDIN, (uint32_t)n);
        c->tx_len = BH_EXEC_HDR_SIZE + (size_t)n;
        c->tx_off = 0;
        if (n == 0)
                c->stdin_done = true;
        return 1;
}

/* Writes held output to its descriptor.  1: progress. */
static int pump_out(struct client *c)
{
        int progress = 0;

        while (c->held) {
                const uint8_t *p = bh_exec_rx_payload(&c->rx) + c->held_off;
                size_t left = c->rx.len - c->held_off;
                ssize_t n = c->held_fd < 0 ? (ssize_t)left : write(c->held_fd, p, left);

                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        return progress;
                if (n < 0 && errno == EPIPE)
                        return -EPIPE; /* its reader is gone, as for `| head` */
                if (n < 0)
                        return CLOG_ERRNO(c, -errno, "writing the command's %s",
                                          c->rx.type == BH_EXEC_MSG_STDOUT ? "stdout" : "stderr");
                c->held_off += (size_t)n;
                progress = 1;
                if (c->held_off == c->rx.len) {
                        c->held = false;
                        bh_exec_rx_next(&c->rx);
                }
        }
        return progress;
}

static int protocol_error(struct client *c, const char *why)
{
        CLOG(c, "agent broke the protocol: %s (%s message, type 0x%x, length %u)", why,
             bh_exec_msg_name(c->rx.type), c->rx.type, c->rx.len);
        return -EPROTO;
}

/* Acts on one whole message from the agent. */
static int handle_message(struct client *c)
{
        struct bh_exec_rx *rx = &c->rx;
        const char *why = NULL;
        uint32_t version;

        switch (rx->type) {
        case BH_EXEC_MSG_HELLO:
                if (bh_exec_hello_check(bh_exec_rx_payload(rx), rx->len, &version, &why) < 0)
                        return protocol_error(c, why);
                c->hello_in = true;
                break;
        case BH_EXEC_MSG_STDOUT:
        case BH_EXEC_MSG_STDERR:
                if (rx->len > 0) {
                        c->held = true;
                        c->held_off = 0;
                        c->held_fd = rx->type == BH_EXEC_MSG_STDOUT ? c->out_fd : c->err_fd;
                        return 0;
                }
                break;
        case BH_EXEC_MSG_EXIT:
                if (bh_exec_exit_check(bh_exec_rx_payload(rx), rx->len, &c->status, &why) < 0)
                        return protocol_error(c, why);
                c->got_exit = true;
                break;
        default:
                /* bh_exec_peer_check_header() lets nothing else through. */
                return protocol_error(c, "unexpected message");
        }
        bh_exec_rx_next(rx);
        return 0;
}

/* Reads from the agent while its messages can be passed on.  1: progress. */
static int pump_in(struct client *c)
{
        int progress = 0;

        while (!c->held && !c->got_exit) {
                const char *why = NULL;
                uint8_t *where;
                size_t want = bh_exec_rx_want(&c->rx, &where);
                ssize_t n;
                int r;

                n = bh_vchan_read(c->v, where, want);
                if (n == -EAGAIN)
                        break;
                if (n == -EPIPE) {
                        CLOG(c, "agent closed the channel before the exit status");
                        return -ECONNRESET;
                }
                if (n == -EPROTO)
                        return CLOG_ERRNO(c, (int)n, "channel broken by the agent");
                if (n < 0)
                        return CLOG_ERRNO(c, (int)n, "reading from the agent");
                progress = 1;
                r = bh_exec_rx_fed(&c->rx, (size_t)n, &why);
                if (r < 0)
                        return protocol_error(c, why);
                if (r == 1 && (r = handle_message(c)) < 0)
                        return r;
        }
        return progress;
}

static int run_loop(struct client *c, int64_t deadline)
{
        for (;;) {
                struct pollfd p[3];
                int n = 0, r, progress, timeout = -1, in_slot = -1;

                do {
                        progress = 0;
                        if ((r = flush_tx(c)) < 0)
                                return CLOG_ERRNO(c, r, "writing to the agent");
                        progress |= r;
                        if ((r = next_stdin(c)) < 0)
                                return r;
                        progress |= r;
                        if ((r = pump_out(c)) < 0)
                                return r;
                        progress |= r;
                        if ((r = pump_in(c)) < 0)
                                return r;
                        progress |= r;
                        if (c->got_exit)
                                return 0;
                } while (progress);

                if (!c->hello_in) {
                        timeout = left_ms(deadline);
                        if (timeout == 0) {
                                CLOG(c, "no HELLO from the agent in time");
                                return -ETIMEDOUT;
                        }
                }
                if (!c->peer_gone)
                        p[n++] = (struct pollfd){ .fd = bh_vchan_fd(c->v), .events = POLLIN };
                if (c->held && c->held_fd >= 0)
                        p[n++] = (struct pollfd){ .fd = c->held_fd, .events = POLLOUT };
                if (c->tx_len == 0 && !c->stdin_done && c->in_fd >= 0) {
                        in_slot = n;
                        p[n++] = (struct pollfd){ .fd = c->in_fd, .events = POLLIN };
                }
                if (n == 0) {
                        /* Only possible with the agent gone and nothing left
                         * to read: pump_in() has reported it already. */
                        return -ECONNRESET;
                }
                if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
                        return CLOG_ERRNO(c, -errno, "poll");
                if (in_slot >= 0 && p[in_slot].revents)
                        c->in_ready = true;
                if (!c->peer_gone && p[0].revents) {
                        r = bh_vchan_wait(c->v, 0);
                        /* Gone: what it wrote before is still in the ring;
                         * its socket would poll readable for ever. */
                        if (r == -EPIPE)
                                c->peer_gone = true;
                        else if (r == -EPROTO)
                                return CLOG_ERRNO(c, r, "channel broken by the agent");
                        else if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
                                return CLOG_ERRNO(c, r, "waiting for the agent");
                }
        }
}

/* HELLO, then what the request asks for (nothing, for a caller). */
static int queue_request(struct client *c, const struct bh_exec_request *req)
{
        size_t len = 0;
        int r = 0;

        c->tx_len = bh_exec_encode_hello(c->tx);
        if (req->argv)
                r = bh_exec_encode_exec(req->argv, c->tx + c->tx_len, sizeof(c->tx) - c->tx_len, &len);
        else if (req->service)
                r = bh_exec_encode_service(req->service, c->tx + c->tx_len, sizeof(c->tx) - c->tx_len,
                                           &len);
        c->tx_len += len;
        return r;
}

static int relay(struct client *c, int64_t deadline, int *exit_status)
{
        struct saved_flags saved = { .n = 0 };
        int r;

        make_nonblocking(&saved, c->in_fd);
        make_nonblocking(&saved, c->out_fd);
        make_nonblocking(&saved, c->err_fd);
        c->in_may_block = may_block(c->in_fd);
        r = run_loop(c, deadline);
        restore_flags(&saved);
        /* Closing tells the agent we are gone; if the command still runs
         * (our reader closed, or the agent misbehaved) it is ended. */
        bh_vchan_close(c->v);
        c->v = NULL;
        if (r < 0)
                return r;
        *exit_status = (int)c->status;
        return 0;
}

static struct client *client_new(int in_fd, int out_fd, int err_fd)
{
        struct client *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->in_fd = in_fd;
        c->out_fd = out_fd;
        c->err_fd = err_fd;
        bh_exec_rx_init(&c->rx, BH_EXEC_FROM_AGENT);
        return c;
}

int bh_exec_request_run(const struct bh_vchan_addr *addr, const struct bh_exec_request *req,
                        int in_fd, int out_fd, int err_fd, int timeout_ms, int *exit_status)
{
        _cleanup_free_ struct client *c = NULL;
        int64_t deadline = timeout_ms < 0 ? -1 : bh_now_ms() + timeout_ms;
        int r;

        if (!addr || !req || !exit_status || (!req->argv && !req->service))
                return -EINVAL;
        c = client_new(in_fd, out_fd, err_fd);
        if (!c)
                return -ENOMEM;
        c->addr = addr;
        r = queue_request(c, req);
        if (r < 0)
                return r; /* the caller's request: nothing to log about the agent */
        r = connect_agent(addr, deadline, &c->v);
        if (r < 0)
                return CLOG_ERRNO(c, r, "connecting to the agent");
        return relay(c, deadline, exit_status);
}

int bh_exec_run(const struct bh_vchan_addr *addr, char *const argv[], int in_fd, int out_fd,
                int err_fd, int timeout_ms, int *exit_status)
{
        const struct bh_exec_request req = { .argv = argv };

        if (!argv)
                return -EINVAL;
        return bh_exec_request_run(addr, &req, in_fd, out_fd, err_fd, timeout_ms, exit_status);
}

int bh_exec_relay(struct bh_vchan *v, const struct bh_vchan_addr *addr, int in_fd, int out_fd,
                  int err_fd, int timeout_ms, int *exit_status)
{
        _cleanup_free_ struct client *c = NULL;
        const struct bh_exec_request none = { 0 };
        int64_t deadline = timeout_ms < 0 ? -1 : bh_now_ms() + timeout_ms;

        c = client_new(in_fd, out_fd, err_fd);
        if (!c) {
                bh_vchan_close(v);
                return -ENOMEM;
        }
        c->addr = addr;
        c->v = v;
        queue_request(c, &none);
        return relay(c, deadline, exit_status);
}
