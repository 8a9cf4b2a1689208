/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead-agent: runs inside a domain and executes commands for dom0 with
 * their stdio streamed over a vchan (docs/exec-protocol.md).
 *
 * Environment (set by the domain's init):
 *   BULKHEAD_TRANSPORT   socket (default) or xen
 *   BULKHEAD_VCHAN_DIR   socket transport: the directory of the channels
 *   BULKHEAD_PEER_DOMID  xen: dom0's domain id (default 0)
 *
 * Processes: the main process only keeps one *listener* child alive.  The
 * listener publishes the vchan server on BH_EXEC_PORT, and when a client
 * connects it tells the main process (one byte on a pipe) and becomes that
 * connection's session; the main process then forks the next listener.  The
 * server is made in the child rather than before a fork so that no channel
 * is ever shared between processes: on Xen the rings are grant mappings that
 * a fork does not copy (gntdev maps are VM_DONTCOPY), and a parent closing
 * its copy would tell the peer the server died.  Between a client's connect
 * (the socket leaves the directory) and the next listener's socket appearing
 * there is a gap of one fork plus server set-up, a fraction of a
 * millisecond; a client arriving then waits for the socket like any client
 * that starts before its agent.
 *
 * A session: HELLO both ways, EXEC, then the command runs with pipes for its
 * stdin, stdout and stderr, in its own session and process group, as the
 * agent's user (the domain's root).  One poll loop moves data both ways
 * with one message buffer per direction: while a message cannot be passed
 * on, nothing more is read from its source, so a slow reader holds back the
 * writer instead of growing memory.  When the command has exited and both of
 * its outputs reached end of file, EXIT carries its status and the session
 * ends.  If the client goes away or breaks the protocol first, the command's
 * process group gets SIGHUP (and SIGCONT, should it be stopped), then
 * SIGKILL after KILL_GRACE_MS; it is reaped before the session exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_proto.h"
#include "util.h"
#include "vchan.h"

/* A command that ignores SIGHUP gets this long to exit before SIGKILL. */
#define KILL_GRACE_MS 2000
/* A client that connects but sends no EXEC in this time is dropped, so a
 * stuck dom0 process cannot pin sessions forever. */
#define HANDSHAKE_TIMEOUT_MS 30000
/* A listener that dies before any client came is restarted after this,
 * so a persistent failure does not turn into a fork loop. */
#define LISTENER_RETRY_MS 1000

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
        (void)sig;
        got_term = 1;
}

static void on_chld(int sig)
{
        (void)sig; /* only interrupts ppoll; reaping is done in the loop */
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a session ------------------------------------------------------------ */

struct session {
        struct bh_vchan *v;
        bool peer_gone;     /* the client's end is closed */
        struct bh_exec_rx rx;
        uint32_t version;   /* both ends speak it once the client's HELLO is in */
        /* The message being sent: tx_len bytes, tx_off of them written. */
        uint8_t tx[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD];
        size_t tx_len, tx_off;
        bool hello_queued, exit_queued;

        bool started;       /* EXEC arrived and the command was started (or failed to) */
        pid_t pid;          /* the command, also its process group; 0 if none */
        int pidfd;
        bool reaped;
        int wstatus;
        int in_fd;          /* our ends of its pipes; -1 once closed */
        int out_fd;
        int err_fd;
        size_t stdin_off;   /* of the STDIN payload held in rx */
        bool stdin_held;
        unsigned next_out;  /* alternates stdout and stderr when both have data */
};

static void close_fd(int *fd)
{
        if (*fd >= 0) {
                close(*fd);
                *fd = -1;
        }
}

static void session_free(struct session *s)
{
        if (!s)
                return;
        bh_vchan_close(s->v);
        close_fd(&s->pidfd);
        close_fd(&s->in_fd);
        close_fd(&s->out_fd);
        close_fd(&s->err_fd);
        free(s);
}

static void session_freep(struct session **s)
{
        session_free(*s);
}

/*
 * Starts argv with pipes for its stdio, in its own session and process
 * group (one kill() reaches everything it starts, and no terminal of ours
 * leaks to it), with default signal dispositions (ignored ones would survive
 * execve: the command must see SIGPIPE and SIGHUP as any program expects).
 * posix_spawnp rather than fork: it does not copy our page tables, which is
 * most of the cost of running a short command.
 *
 * A command that cannot be started is reported as a shell would: a line on
 * its stderr and status 127 (not found) or 126 (not runnable), so the client
 * sees the same whatever the reason.
 */
static int spawn(struct session *s, char **argv)
{
        int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t all, none;
        pid_t pid;
        int r;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        sigfillset(&all);
        sigemptyset(&none);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        /* Whatever the domain's init left open without O_CLOEXEC. */
        posix_spawn_file_actions_addclosefrom_np(&fa, 3);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
                                                POSIX_SPAWN_SETSIGMASK);
        posix_spawnattr_setsigdefault(&attr, &all);
        posix_spawnattr_setsigmask(&attr, &none);
        r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        s->started = true;
        if (r != 0) {
                dprintf(err[1], "bulkhead-agent: %s: %s\n", argv[0], strerror(r));
                s->wstatus = W_EXITCODE(r == ENOENT || r == ENOTDIR ? 127 : 126, 0);
                s->reaped = true;
        } else {
                s->pid = pid;
        }
        s->in_fd = TAKE_FD(in[1]);
        s->out_fd = TAKE_FD(out[0]);
        s->err_fd = TAKE_FD(err[0]);
        fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
        fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
        r = 0;
        if (s->pid > 0) {
                s->pidfd = pidfd_open(pid, 0);
                if (s->pidfd < 0)
                        r = -errno; /* the caller kills and reaps it */
        }
out:
        for (int i = 0; i < 2; i++) {
                bh_closep(&in[i]);
                bh_closep(&out[i]);
                bh_closep(&err[i]);
        }
        return r;
}

static void reap(struct session *s)
{
        if (s->pid > 0 && !s->reaped && waitpid(s->pid, &s->wstatus, WNOHANG) == s->pid)
                s->reaped = true;
}

/*
 * The client is gone or broke the protocol: stop the command and everything
 * it started.  Its group id stays valid until we reap it, and after that for
 * as long as any member lives, so -pid never names someone else's group.
 */
static void kill_command(struct session *s)
{
        if (s->pid <= 0)
                return;
        if (!s->reaped) {
                struct pollfd p = { .fd = s->pidfd, .events = POLLIN };

                kill(-s->pid, SIGHUP);
                kill(-s->pid, SIGCONT);
                if (s->pidfd >= 0)
                        poll(&p, 1, KILL_GRACE_MS);
        }
        kill(-s->pid, SIGKILL);
        if (!s->reaped && waitpid(s->pid, &s->wstatus, 0) == s->pid)
                s->reaped = true;
}

/* Writes what the ring takes of the message being sent.  1: progress. */
static int flush_tx(struct session *s)
{
        int progress = 0;

        while (s->tx_off < s->tx_len) {
                ssize_t n = bh_vchan_write(s->v, s->tx + s->tx_off, s->tx_len - s->tx_off);

                if (n == -EAGAIN)
                        return progress;
                if (n < 0)
                        return (int)n;
                s->tx_off += (size_t)n;
                progress = 1;
        }
        s->tx_len = s->tx_off = 0;
        return progress;
}

static int protocol_error(struct session *s, const char *why)
{
        bh_log_error("session %d: client broke the protocol: %s (%s message, type 0x%x, "
                     "length %u); ending the session",
                     (int)getpid(), why, bh_exec_msg_name(s->rx.type), s->rx.type, s->rx.len);
        return -EPROTO;
}

/* Takes one message from the client.  -EPROTO is logged here. */
static int handle_message(struct session *s)
{
        struct bh_exec_rx *rx = &s->rx;
        const char *why = NULL;
        char **argv = NULL;
        int r;

        switch (rx->type) {
        case BH_EXEC_MSG_HELLO:
                if (bh_exec_hello_check(bh_exec_rx_payload(rx), rx->len, &s->version, &why) < 0)
                        goto bad;
                break;
        case BH_EXEC_MSG_EXEC:
                r = bh_exec_exec_check(bh_exec_rx_payload(rx), rx->len, &argv, &why);
                if (r == -EPROTO)
                        goto bad;
                if (r < 0)
                        return bh_log_errno(r, "session %d: EXEC", (int)getpid());
                /* The agent's own settings are no business of the command. */
                unsetenv("BULKHEAD_VCHAN_DIR");
                unsetenv("BULKHEAD_TRANSPORT");
                unsetenv("BULKHEAD_PEER_DOMID");
                r = spawn(s, argv);
                if (r < 0)
                        bh_log_errno(r, "session %d: starting %s", (int)getpid(), argv[0]);
                free(argv);
                if (r < 0)
                        return r;
                break;
        case BH_EXEC_MSG_STDIN:
                if (rx->len == 0) {
                        close_fd(&s->in_fd);
                } else if (s->in_fd >= 0) {
                        /* Held in rx until the pipe takes it: no more is read
                         * from the client meanwhile. */
                        s->stdin_held = true;
                        s->stdin_off = 0;
                        return 0;
                }
                break;
        }
        bh_exec_rx_next(rx);
        return 0;
bad:
        return protocol_error(s, why);
}

/* Reads from the client while what it sends can be taken.  1: progress. */
static int pump_in(struct session *s)
{
        int progress = 0;

        while (!s->stdin_held) {
                const char *why = NULL;
                uint8_t *where;
                size_t want = bh_exec_rx_want(&s->rx, &where);
                ssize_t n;
                int r;

                if (want == 0)
                        break; /* cannot happen: ready messages are handled below */
                n = bh_vchan_read(s->v, where, want);
                if (n == -EAGAIN)
                        break;
                if (n < 0)
                        return (int)n;
                progress = 1;
                r = bh_exec_rx_fed(&s->rx, (size_t)n, &why);
                if (r < 0)
                        return protocol_error(s, why);
                if (r == 1) {
                        r = handle_message(s);
                        if (r < 0)
                                return r;
                }
        }
        return progress;
}

/* Passes held stdin data to the command.  1: progress. */
static int pump_stdin(struct session *s)
{
        int progress = 0;

        while (s->stdin_held) {
                ssize_t n;

                if (s->in_fd < 0) {
                        n = (ssize_t)(s->rx.len - s->stdin_off); /* command closed it: drop */
                } else {
                        n = write(s->in_fd, bh_exec_rx_payload(&s->rx) + s->stdin_off,
                                  s->rx.len - s->stdin_off);
                        if (n < 0 && errno == EAGAIN)
                                return progress;
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                /* EPIPE: the command closed its stdin; the rest
                                 * of the client's input has nowhere to go. */
                                close_fd(&s->in_fd);
                                continue;
                        }
                }
                progress = 1;
                s->stdin_off += (size_t)n;
                if (s->stdin_off == s->rx.len) {
                        s->stdin_held = false;
                        bh_exec_rx_next(&s->rx);
                }
        }
        return progress;
}

/* Reads one output chunk into a message.  1: a message was queued. */
static int read_output(struct session *s, int *fd, uint32_t type)
{
        ssize_t n;

        do
                n = read(*fd, s->tx + BH_EXEC_HDR_SIZE, BH_EXEC_MAX_PAYLOAD);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 0;
        if (n <= 0) {
                n = 0; /* end of file (or a read error, the same to the client) */
                close_fd(fd);
        }
        bh_exec_put_hdr(s->tx, type, (uint32_t)n);
        s->tx_len = BH_EXEC_HDR_SIZE + (size_t)n;
        s->tx_off = 0;
        return 1;
}

/* Fills the empty send buffer with the next message.  1: one was queued. */
static int next_message(struct session *s)
{
        if (s->tx_len > 0)
                return 0;
        if (!s->hello_queued) {
                s->tx_len = bh_exec_encode_hello(s->tx);
                s->hello_queued = true;
                return 1;
        }
        if (!s->started || s->exit_queued)
                return 0;
        for (int i = 0; i < 2; i++) {
                unsigned which = (s->next_out + (unsigned)i) % 2;
                int *fd = which == 0 ? &s->out_fd : &s->err_fd;

                if (*fd >= 0 &&
                    read_output(s, fd, which == 0 ? BH_EXEC_MSG_STDOUT : BH_EXEC_MSG_STDERR) > 0) {
                        s->next_out = which + 1;
                        return 1;
                }
        }
        if (s->out_fd < 0 && s->err_fd < 0) {
                if (s->reaped) {
                        s->tx_len = bh_exec_encode_exit(s->tx, bh_exec_status_from_wait(s->wstatus));
                        s->exit_queued = true;
                        return 1;
                }
        }
        return 0;
}

static int session_loop(struct session *s)
{
        int64_t deadline = now_ms() + HANDSHAKE_TIMEOUT_MS;

        for (;;) {
                struct pollfd p[5];
                int n = 0, timeout = -1, r, progress;

                do {
                        progress = 0;
                        if ((r = flush_tx(s)) < 0)
                                return r;
                        progress |= r;
                        if (s->exit_queued && s->tx_len == 0)
                                return 0; /* EXIT is in the ring: done */
                        /* The client's data is worthless once it is gone,
                         * and the command must not outlive it. */
                        if (s->peer_gone)
                                return -EPIPE;
                        /* At once, so a dead command's pidfd stops polling
                         * readable while its outputs are still open. */
                        reap(s);
                        if ((r = next_message(s)) < 0)
                                return r;
                        progress |= r;
                        if ((r = pump_stdin(s)) < 0)
                                return r;
                        progress |= r;
                        if ((r = pump_in(s)) < 0)
                                return r;
                        progress |= r;
                } while (progress);

                if (!s->started) {
                        int64_t left = deadline - now_ms();

                        if (left <= 0) {
                                bh_log_error("session %d: no EXEC within %d ms; ending the session",
                                             (int)getpid(), HANDSHAKE_TIMEOUT_MS);
                                return -ETIMEDOUT;
                        }
                        timeout = (int)left;
                }
                p[n++] = (struct pollfd){ .fd = bh_vchan_fd(s->v), .events = POLLIN };
                if (s->stdin_held && s->in_fd >= 0)
                        p[n++] = (struct pollfd){ .fd = s->in_fd, .events = POLLOUT };
                if (s->tx_len == 0 && s->out_fd >= 0)
                        p[n++] = (struct pollfd){ .fd = s->out_fd, .events = POLLIN };
                if (s->tx_len == 0 && s->err_fd >= 0)
                        p[n++] = (struct pollfd){ .fd = s->err_fd, .events = POLLIN };
                if (s->pidfd >= 0 && !s->reaped)
                        p[n++] = (struct pollfd){ .fd = s->pidfd, .events = POLLIN };
                if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR)
                        return -errno;
                if (p[0].revents) {
                        r = bh_vchan_wait(s->v, 0);
                        if (r == -EPIPE)
                                s->peer_gone = true;
                        else if (r < 0 && r != -ETIMEDOUT && r != -EINTR)
                                return r;
                }
        }
}

/* Runs the session on a connected channel; the process exits afterwards. */
static int session_run(struct bh_vchan *v)
{
        __attribute__((cleanup(session_freep))) struct session *s = calloc(1, sizeof(*s));
        int r;

        if (!s) {
                bh_vchan_close(v);
                return bh_log_errno(-ENOMEM, "session %d", (int)getpid());
        }
        s->v = v;
        s->pidfd = s->in_fd = s->out_fd = s->err_fd = -1;
        bh_exec_rx_init(&s->rx, BH_EXEC_FROM_CLIENT);
        r = session_loop(s);
        if (r == -EPIPE)
                bh_log_info("session %d: client went away; stopping the command", (int)getpid());
        else if (r < 0 && r != -EPROTO && r != -ETIMEDOUT)
                bh_log_errno(r, "session %d: ending the session", (int)getpid());
        if (r < 0)
                kill_command(s);
        return r;
}

/* ---- listener and main loop ------------------------------------------------ */

static const sigset_t *unblocked_mask(void)
{
        static sigset_t m;

        sigemptyset(&m);
        return &m;
}

/*
 * Child: publishes the server, waits for one client, tells the main process
 * through notify_fd, and serves that client.  Never returns.
 */
static void listener(const struct bh_vchan_addr *addr, int notify_fd, pid_t parent)
{
        struct bh_vchan *v = NULL;
        int r;

        /* Without the main process nobody would start the next listener, so
         * this one goes too (cleanly, through the SIGTERM path). */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                _exit(1);
        r = bh_vchan_server_init(&v, addr, BH_EXEC_RING_SIZE, BH_EXEC_RING_SIZE);
        if (r < 0) {
                bh_log_errno(r, "vchan %s port %d: cannot serve",
                             bh_vchan_transport_to_string(addr->transport), addr->port);
                _exit(1);
        }
        while (bh_vchan_is_open(v) == 2) {
                struct pollfd p = { .fd = bh_vchan_fd(v), .events = POLLIN };

                /* SIGTERM is blocked outside ppoll, so it cannot slip in
                 * between the check and the wait. */
                if (got_term)
                        break;
                if (ppoll(&p, 1, NULL, unblocked_mask()) < 0 && errno != EINTR)
                        break;
                if (p.revents && bh_vchan_wait(v, 0) == -EPROTO)
                        break;
        }
        if (bh_vchan_is_open(v) != 1) {
                bh_vchan_close(v); /* removes the socket so no client finds it stale */
                _exit(got_term ? 0 : 1);
        }
        (void)!write(notify_fd, "c", 1);
        close(notify_fd);
        /* The session is on its own now: the agent stopping does not end it. */
        prctl(PR_SET_PDEATHSIG, 0);
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, unblocked_mask(), NULL);
        _exit(session_run(v) < 0 ? 1 : 0);
}

static int addr_from_env(struct bh_vchan_addr *addr)
{
        const char *t = getenv("BULKHEAD_TRANSPORT");
        const char *d = getenv("BULKHEAD_PEER_DOMID");
        int r;

        *addr = (struct bh_vchan_addr){ .transport = BH_VCHAN_SOCKET, .port = BH_EXEC_PORT };
        if (t && *t) {
                r = bh_vchan_transport_from_string(t, &addr->transport);
                if (r < 0)
                        return bh_log_errno(r, "BULKHEAD_TRANSPORT=%s: not socket or xen", t);
        }
        if (d && *d) {
                char *end;
                long id;

                errno = 0;
                id = strtol(d, &end, 10);
                if (errno || *end || id < 0 || id > 0x7fef)
                        return bh_log_errno(-EINVAL, "BULKHEAD_PEER_DOMID=%s", d);
                addr->peer_domid = (int)id;
        }
        addr->socket_dir = getenv("BULKHEAD_VCHAN_DIR");
        if (addr->transport == BH_VCHAN_SOCKET && (!addr->socket_dir || !*addr->socket_dir))
                return bh_log_errno(-EINVAL, "BULKHEAD_VCHAN_DIR is not set");
        return 0;
}

/* Forks the next listener; returns the read end of its pipe. */
static int start_listener(const struct bh_vchan_addr *addr, pid_t *ret_pid)
{
        int p[2];
        pid_t pid, parent = getpid();

        if (pipe2(p, O_CLOEXEC) < 0)
                return bh_log_errno(-errno, "listener pipe");
        pid = fork();
        if (pid < 0) {
                int r = -errno;
                close(p[0]);
                close(p[1]);
                return bh_log_errno(r, "fork listener");
        }
        if (pid == 0) {
                close(p[0]);
                listener(addr, p[1], parent);
        }
        close(p[1]);
        *ret_pid = pid;
        return p[0];
}

int main(int argc, char **argv)
{
        struct bh_vchan_addr addr;
        struct sigaction sa = { .sa_handler = on_term };
        sigset_t block;
        pid_t listener_pid = 0;
        int notify_fd = -1;
        int64_t retry_at = 0;

        bh_log_init("bulkhead-agent");
        if (argc > 1) {
                fprintf(stderr, "usage: bulkhead-agent (configured by environment: "
                                "BULKHEAD_TRANSPORT, BULKHEAD_VCHAN_DIR, BULKHEAD_PEER_DOMID)\n");
                return 2;
        }
        if (addr_from_env(&addr) < 0)
                return 1;
        if (chdir("/") < 0)
                return bh_log_errno(-errno, "chdir /"), 1;

        signal(SIGPIPE, SIG_IGN);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sa.sa_handler = on_chld;
        sa.sa_flags = SA_NOCLDSTOP;
        sigaction(SIGCHLD, &sa, NULL);
        /* Delivered only inside ppoll, so no wake-up is lost between a check
         * and the wait. */
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGCHLD);
        sigprocmask(SIG_BLOCK, &block, NULL);

        while (!got_term) {
                struct pollfd p = { .fd = notify_fd, .events = POLLIN };
                struct timespec ts, *tsp = NULL;
                int64_t wait_ms;
                pid_t pid;
                int st;

                if (notify_fd < 0) {
                        wait_ms = retry_at - now_ms();
                        if (wait_ms <= 0) {
                                notify_fd = start_listener(&addr, &listener_pid);
                                if (notify_fd < 0) {
                                        retry_at = now_ms() + LISTENER_RETRY_MS;
                                        continue;
                                }
                                p.fd = notify_fd;
                        } else {
                                ts = (struct timespec){ .tv_sec = wait_ms / 1000,
                                                        .tv_nsec = (wait_ms % 1000) * 1000000 };
                                tsp = &ts;
                        }
                }
                if (ppoll(&p, 1, tsp, unblocked_mask()) < 0 && errno != EINTR)
                        return bh_log_errno(-errno, "poll"), 1;
                if (p.fd >= 0 && p.revents) {
                        char c;
                        ssize_t n = read(notify_fd, &c, 1);

                        close(notify_fd);
                        notify_fd = -1;
                        /* 1 byte: it has a client and is a session now.
                         * Nothing: it died first; do not respawn at once. */
                        listener_pid = 0;
                        if (n != 1)
                                retry_at = now_ms() + LISTENER_RETRY_MS;
                }
                while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                        (void)pid; /* sessions and dead listeners */
        }
        if (notify_fd >= 0) {
                char c;

                /* Stop the listener and wait until its socket is gone (its
                 * end of the pipe closes when it exits).  Should it have
                 * just taken a client, it says so and stays: a session. */
                kill(listener_pid, SIGTERM);
                while (read(notify_fd, &c, 1) < 0 && errno == EINTR)
                        ;
                waitpid(listener_pid, NULL, WNOHANG);
        }
        return 0;
}
