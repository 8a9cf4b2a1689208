/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One session of the exec protocol, on the side that runs the command: a
 * command (EXEC) or a qrexec service (SERVICE, or one dom0 chose before the
 * channel was made) runs with its stdio streamed over one vchan
 * (docs/exec-protocol.md, docs/qrexec-protocol.md).
 *
 * HELLO both ways, then the command runs with pipes for its stdin, stdout
 * and stderr, in its own session and process group, as the agent's user
 * (the domain's root).  One poll loop moves data both ways with one message
 * buffer per direction: while a message cannot be passed on, nothing more is
 * read from its source, so a slow reader holds back the writer instead of
 * growing memory.  When the command has exited and both of its outputs
 * reached end of file, EXIT carries its status and the session ends.  If the
 * peer goes away or breaks the protocol first, the command's process group
 * gets SIGHUP (and SIGCONT, should it be stopped), then SIGKILL after
 * KILL_GRACE_MS; it is reaped before the session returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_proto.h"
#include "session.h"
#include "util.h"
#include "vchan.h"

/* A command that ignores SIGHUP gets this long to exit before SIGKILL. */
#define KILL_GRACE_MS 2000
/* The command's stdin and stdout pipes: room for 16 of the protocol's
 * 64 KiB messages, so a stream wakes each side once per megabyte rather
 * than once per message (fs.pipe-max-size's default, which an unprivileged
 * process may ask for too).  Best effort: a smaller pipe only costs
 * wake-ups. */
#define PIPE_SIZE (1 << 20)
/* A client that connects but sends no EXEC in this time is dropped, so a
 * stuck dom0 process cannot pin sessions forever. */
#define HANDSHAKE_TIMEOUT_MS 30000

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
        bool socket_service; /* in_fd and out_fd are one connected socket */
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
/*
 * In a domain with a GUI the X server starts when dom0's GUI daemon first
 * connects, which may be just after a command is asked for (the main job's
 * `bulkhead run --disposable xterm`): such a command waits for the server's
 * socket, up to DISPLAY_WAIT_MS, rather than failing to open the display.
 */
#define DISPLAY_WAIT_MS 10000

static void wait_for_display(void)
{
        const char *d = getenv("DISPLAY");
        char path[64];
        char *end;
        long n;

        if (!d || d[0] != ':')
                return;
        n = strtol(d + 1, &end, 10);
        if (end == d + 1 || (*end && *end != '.') || n < 0 || n > 65535)
                return;
        snprintf(path, sizeof(path), "/tmp/.X11-unix/X%ld", n);
        for (int waited = 0; access(path, F_OK) < 0; waited += 20) {
                if (waited >= DISPLAY_WAIT_MS) {
                        bh_log_error("session %d: no X server on %s after %d ms", (int)getpid(), d,
                                     DISPLAY_WAIT_MS);
                        return;
                }
                usleep(20000);
        }
}

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
        (void)!fcntl(in[1], F_SETPIPE_SZ, PIPE_SIZE);
        (void)!fcntl(out[1], F_SETPIPE_SZ, PIPE_SIZE);
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
        wait_for_display();
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

/* Directories searched for a service, in order: the domain's own (from its
 * template; Qubes' directory too, so a Qubes service works unchanged), then
 * the services that come with the agent. */
static const char *const service_dirs[] = { "/etc/bulkhead/rpc", "/etc/qubes-rpc", NULL };

static const char *builtin_service_dir(void)
{
        static char dir[PATH_MAX];
        const char *env = getenv("BULKHEAD_SERVICE_DIR");

        if (env && *env)
                return env;
        if (!dir[0]) {
                ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 5);
                char *slash;

                if (n <= 0)
                        return NULL;
                dir[n] = '\0';
                slash = strrchr(dir, '/');
                if (!slash)
                        return NULL;
                strcpy(slash, "/rpc");
        }
        return dir;
}

/* "SERVICE+ARG" is tried before "SERVICE" in each directory, as in Qubes, so
 * one argument can have a program of its own. */
static int find_service(const char *service, const char *arg, char *path, size_t size, bool *is_socket)
{
        const char *dirs[4];
        size_t n = 0;

        for (size_t i = 0; service_dirs[i]; i++)
                dirs[n++] = service_dirs[i];
        if (builtin_service_dir())
                dirs[n++] = builtin_service_dir();
        for (size_t i = 0; i < n; i++) {
                for (int with_arg = 1; with_arg >= 0; with_arg--) {
                        struct stat st;

                        if (with_arg && !arg[0])
                                continue;
                        if (snprintf(path, size, "%s/%s%s%s", dirs[i], service, with_arg ? "+" : "",
                                     with_arg ? arg : "") >= (int)size)
                                continue;
                        if (stat(path, &st) == 0 && (S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode))) {
                                *is_socket = S_ISSOCK(st.st_mode);
                                return 0;
                        }
                }
        }
        return -ENOENT;
}

/*
 * A service runs as a program with the argument as argv[1] and in
 * QREXEC_SERVICE_ARGUMENT, the caller's name in QREXEC_REMOTE_DOMAIN (what
 * Qubes services expect).  The names were checked by the protocol module.
 */
/*
 * A socket service: a program that already runs in the domain and listens
 * on a Unix socket in a service directory (Qubes' socket services).  The
 * call costs a connect instead of a program start: it is told
 * "SERVICE+ARG SOURCE\0" and then has the caller's stdin and stdout on the
 * connection; its status is 0 when it closes the connection.
 */
static int start_socket_service(struct session *s, const char *path, const char *full,
                                const char *source)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char hdr[256];
        int fd, err[2], n;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        n = snprintf(hdr, sizeof(hdr), "%s %s", full, source) + 1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            write(fd, hdr, (size_t)n) != n || pipe2(err, O_CLOEXEC) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        close(err[1]); /* no stderr: an empty stream */
        s->socket_service = true;
        s->in_fd = fd;
        s->out_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        s->err_fd = err[0];
        if (s->out_fd < 0)
                return -errno;
        fcntl(s->in_fd, F_SETFL, O_NONBLOCK);
        fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
        fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
        s->started = s->reaped = true;
        s->wstatus = W_EXITCODE(0, 0);
        return 0;
}

static int start_service(struct session *s, const char *service, const char *arg, const char *source)
{
        char path[PATH_MAX], full[160];
        char *argv[3] = { path, NULL, NULL };
        bool is_socket = false;

        if (find_service(service, arg, path, sizeof(path), &is_socket) < 0) {
                int out[2], err[2];

                /* Reported as a shell reports a missing command: a line on
                 * stderr, an empty stdout, status 127. */
                bh_log_error("session %d: service %s from %s: not found", (int)getpid(), service, source);
                if (pipe2(out, O_CLOEXEC) < 0)
                        return -errno;
                if (pipe2(err, O_CLOEXEC) < 0) {
                        close(out[0]);
                        close(out[1]);
                        return -errno;
                }
                dprintf(err[1], "bulkhead-agent: service %s: not found\n", service);
                close(out[1]);
                close(err[1]);
                s->out_fd = out[0];
                s->err_fd = err[0];
                fcntl(s->out_fd, F_SETFL, O_NONBLOCK);
                fcntl(s->err_fd, F_SETFL, O_NONBLOCK);
                s->started = s->reaped = true;
                s->wstatus = W_EXITCODE(127, 0);
                return 0;
        }
        snprintf(full, sizeof(full), "%s%s%s", service, arg[0] ? "+" : "", arg);
        if (is_socket) {
                int r = start_socket_service(s, path, full, source);

                if (r < 0)
                        bh_log_errno(r, "session %d: socket service %s", (int)getpid(), path);
                return r;
        }
        if (arg[0])
                argv[1] = (char *)arg;
        setenv("QREXEC_SERVICE_FULL_NAME", full, 1);
        setenv("QREXEC_SERVICE_ARGUMENT", arg, 1);
        setenv("QREXEC_REMOTE_DOMAIN", source, 1);
        return spawn(s, argv);
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
                r = spawn(s, argv);
                if (r < 0)
                        bh_log_errno(r, "session %d: starting %s", (int)getpid(), argv[0]);
                free(argv);
                if (r < 0)
                        return r;
                break;
        case BH_EXEC_MSG_SERVICE: {
                struct bh_exec_service svc;

                if (bh_exec_service_check(bh_exec_rx_payload(rx), rx->len, &svc, &why) < 0)
                        goto bad;
                r = start_service(s, svc.service, svc.arg, svc.source);
                if (r < 0)
                        return r;
                break;
        }
        case BH_EXEC_MSG_STDIN:
                if (rx->len == 0) {
                        /* A socket service shares the socket for both
                         * directions: only its writing half ends. */
                        if (s->socket_service && s->in_fd >= 0)
                                shutdown(s->in_fd, SHUT_WR);
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
        int64_t deadline = bh_now_ms() + HANDSHAKE_TIMEOUT_MS;

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
                        int64_t left = deadline - bh_now_ms();

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
int session_run(struct bh_vchan *v, const struct session_preset *preset)
{
        __attribute__((cleanup(session_freep))) struct session *s = calloc(1, sizeof(*s));
        int r;

        if (!s) {
                bh_vchan_close(v);
                return bh_log_errno(-ENOMEM, "session %d", (int)getpid());
        }
        /* The agent's own settings are no business of the command. */
        unsetenv("BULKHEAD_VCHAN_DIR");
        unsetenv("BULKHEAD_TRANSPORT");
        unsetenv("BULKHEAD_PEER_DOMID");
        s->v = v;
        s->pidfd = s->in_fd = s->out_fd = s->err_fd = -1;
        bh_exec_rx_init(&s->rx, preset ? BH_EXEC_FROM_CALLER : BH_EXEC_FROM_CLIENT);
        if (preset && start_service(s, preset->service, preset->arg, preset->source) < 0)
                r = -EIO;
        else
                r = session_loop(s);
        if (r == -EPIPE)
                bh_log_info("session %d: client went away; stopping the command", (int)getpid());
        else if (r < 0 && r != -EPROTO && r != -ETIMEDOUT)
                bh_log_errno(r, "session %d: ending the session", (int)getpid());
        if (r < 0) {
                kill_command(s);
                return r;
        }
        return (int)bh_exec_status_from_wait(s->wstatus);
}

