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
#include "control.h"
#include "session.h"
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
        _exit(session_run(v, NULL) < 0 ? 1 : 0);
}

/* Forks the qrexec control process; it lives as long as the agent. */
static pid_t start_control(const struct bh_vchan_addr *addr, pid_t parent)
{
        pid_t pid = fork();

        if (pid < 0) {
                bh_log_errno(-errno, "fork qrexec control");
                return 0;
        }
        if (pid == 0) {
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                        _exit(1);
                _exit(control_main(addr, &got_term) < 0 ? 1 : 0);
        }
        return pid;
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
        pid_t listener_pid = 0, control_pid = 0;
        int notify_fd = -1;
        int64_t retry_at = 0, control_at = 0;

        bh_log_init("bulkhead-agent");
        if (argc > 1) {
                fprintf(stderr, "usage: bulkhead-agent (configured by environment: "
                                "BULKHEAD_TRANSPORT, BULKHEAD_VCHAN_DIR, BULKHEAD_PEER_DOMID)\n");
                return 2;
        }
        if (bh_vchan_addr_from_env(&addr, BH_EXEC_PORT) < 0)
                return 1;
        /* qrexec's local socket sits beside the channel directory, so an
         * agent run outside a domain (tests) keeps to its own directory;
         * commands find it in the environment. */
        if (!getenv("BULKHEAD_QREXEC_SOCKET") && addr.socket_dir) {
                char path[256], *slash;

                snprintf(path, sizeof(path), "%s", addr.socket_dir);
                slash = strrchr(path, '/');
                if (slash && slash != path && (size_t)(slash - path) + 20 < sizeof(path)) {
                        strcpy(slash, "/qrexec-agent.sock");
                        setenv("BULKHEAD_QREXEC_SOCKET", path, 1);
                }
        }
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

                int64_t due = INT64_MAX;

                if (control_pid <= 0 && bh_now_ms() >= control_at) {
                        control_pid = start_control(&addr, getpid());
                        control_at = bh_now_ms() + LISTENER_RETRY_MS;
                }
                if (control_pid <= 0)
                        due = control_at;
                if (notify_fd < 0) {
                        if (bh_now_ms() >= retry_at) {
                                notify_fd = start_listener(&addr, &listener_pid);
                                if (notify_fd < 0) {
                                        retry_at = bh_now_ms() + LISTENER_RETRY_MS;
                                        continue;
                                }
                                p.fd = notify_fd;
                        } else if (retry_at < due) {
                                due = retry_at;
                        }
                }
                if (due != INT64_MAX) {
                        wait_ms = due - bh_now_ms();
                        if (wait_ms < 0)
                                wait_ms = 0;
                        ts = (struct timespec){ .tv_sec = wait_ms / 1000,
                                                .tv_nsec = (wait_ms % 1000) * 1000000 };
                        tsp = &ts;
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
                                retry_at = bh_now_ms() + LISTENER_RETRY_MS;
                }
                while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
                        if (pid == control_pid)
                                control_pid = 0; /* restarted after LISTENER_RETRY_MS */
        }
        if (control_pid > 0) {
                kill(control_pid, SIGTERM);
                waitpid(control_pid, NULL, 0);
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
