/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkheadd: owns the registry of domains and runs them through a backend.
 * One process, one poll loop: the API socket, its clients, each live
 * domain's death descriptor, and signals.
 *
 *   bulkheadd [--state-dir DIR] [--runtime-dir DIR] [--agent-dir DIR]
 *             [--backend container|xen]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

/* Clients served at once; one more is refused with a log line. */
#define CLIENTS_MAX 256
/* Domains whose descriptors the loop polls (deaths; starts and destroys
 * in the background). */
#define DOMAINS_POLLED 1024

static int default_dirs(struct daemon *dm)
{
        const char *s = getenv("BULKHEAD_STATE_DIR"), *r = getenv("BULKHEAD_RUNTIME_DIR");

        if (!dm->state_dir)
                dm->state_dir = strdup(s ? s : "/var/lib/bulkhead");
        if (!dm->runtime_dir)
                dm->runtime_dir = strdup(r ? r : "/run/bulkhead");
        if (!dm->agent_dir) {
                const char *a = getenv("BULKHEAD_AGENT_DIR");
                dm->agent_dir = strdup(a ? a : BH_PKGLIBEXECDIR);
        }
        if (!dm->qrexec_dir) {
                const char *q = getenv("BULKHEAD_QREXEC_DIR");
                dm->qrexec_dir = strdup(q ? q : BH_QREXEC_LIBEXECDIR);
        }
        return dm->state_dir && dm->runtime_dir && dm->agent_dir && dm->qrexec_dir ? 0 : -ENOMEM;
}

static int open_lock(struct daemon *dm)
{
        _cleanup_free_ char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/bulkheadd.lock", dm->runtime_dir) < 0)
                return -ENOMEM;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return bh_log_errno(-errno, "%s", path);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int e = -errno;
                close(fd);
                if (e == -EWOULDBLOCK) {
                        bh_log_error("another bulkheadd runs with %s", dm->runtime_dir);
                        return -EBUSY;
                }
                return bh_log_errno(e, "%s", path);
        }
        return fd; /* held for the life of the process */
}

static int open_api(struct daemon *dm)
{
        _cleanup_free_ char *path = path_socket(dm->runtime_dir);
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path)
                return -ENOMEM;
        if (strlen(path) >= sizeof(sa.sun_path))
                return bh_log_errno(-ENAMETOOLONG, "%s", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* We hold the lock, so a socket there is a dead daemon's. */
        unlink(path);
        /* Only the owner may connect: the directory is 0700 too, and each
         * client's credentials are checked on accept. */
        mode_t old = umask(0077);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
                int e = -errno;
                umask(old);
                close(fd);
                return bh_log_errno(e, "API socket %s", path);
        }
        umask(old);
        return fd;
}

static void accept_client(struct daemon *dm)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);
        unsigned n = 0;
        struct client *c;
        int fd;

        fd = accept4(dm->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
                return;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != 0 && cred.uid != getuid())) {
                bh_log_error("API: refused a client with uid %d", (int)cred.uid);
                close(fd);
                return;
        }
        for (c = dm->clients; c; c = c->next)
                n++;
        if (n >= CLIENTS_MAX) {
                bh_log_error("API: %u clients already, refusing one more", n);
                close(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        c->fd = fd;
        c->id = ++dm->next_client_id;
        c->next = dm->clients;
        dm->clients = c;
}

/* Its connection stays open until its disposables are destroyed. */
static void drop_client(struct daemon *dm, struct client *c)
{
        api_client_gone(dm, c);
}

static void serve_client(struct daemon *dm, struct client *c)
{
        static char buf[BH_API_MSG_MAX + 1];
        struct bh_api_msg *req;
        ssize_t n;

        n = recv(c->fd, buf, sizeof(buf), MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                drop_client(dm, c);
                return;
        }
        req = malloc(sizeof(*req));
        if (!req)
                return;
        if (bh_api_parse(buf, (size_t)n > sizeof(buf) - 1 ? sizeof(buf) : (size_t)n, req) < 0) {
                api_error(c, -EPROTO, "malformed request");
                drop_client(dm, c);
                free(req);
                return;
        }
        api_handle(dm, c, req);
        bh_api_msg_free(req);
        free(req);
}

static void stop_disposables(struct daemon *dm)
{
        struct dom_rt *r, *next;

        /* A pool's start under way ends first, so that its domain is
         * destroyed below rather than left behind. */
        dom_ops_wait_all(dm);
        for (r = dm->doms; r; r = next) {
                next = r->next;
                if (r->live && r->d.klass == BH_CLASS_DISPOSABLE) {
                        r->stopping = true;
                        dom_reap(dm, r);
                }
        }
        dom_ops_wait_all(dm);
}

/* The per-domain helpers (qrexec-daemon, bulkhead-guid) and the policy
 * daemon are our children: one that ends is said in the log, and reaped,
 * so a helper that fails at start is not silent. */
static void reap_one(const char *what, const char *domain, pid_t *pid)
{
        int st;

        if (*pid <= 0 || waitpid(*pid, &st, WNOHANG) != *pid)
                return;
        if (WIFSIGNALED(st))
                bh_log_error("%s%s%s: %s killed by signal %d", domain ? "domain " : "", domain ? domain : "",
                             domain ? "" : "qrexec", what, WTERMSIG(st));
        else
                bh_log_info("%s%s%s: %s exited with status %d", domain ? "domain " : "", domain ? domain : "",
                            domain ? "" : "qrexec", what, WEXITSTATUS(st));
        *pid = 0;
}

static void reap_helpers(struct daemon *dm)
{
        reap_one("qrexec-policy", NULL, &dm->policy_pid);
        for (struct dom_rt *r = dm->doms; r; r = r->next) {
                reap_one("qrexec-daemon", r->d.name, &r->qrexec_pid);
                reap_one("bulkhead-guid", r->d.name, &r->guid_pid);
        }
}

/* The sooner of two poll timeouts, -1 being none. */
static int timeout_min(int a, int b)
{
        return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

static int run_loop(struct daemon *dm, int sigfd)
{
        while (!dm->quit) {
                struct pollfd fds[2 + CLIENTS_MAX + 2 * DOMAINS_POLLED];
                struct client *cs[CLIENTS_MAX];
                struct dom_rt *ds[DOMAINS_POLLED];
                size_t nc = 0, nd = 0, no = 0, n = 0;
                int timeout = timeout_min(dom_pool_timeout(dm), dom_ops_timeout(dm));

                fds[n++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
                fds[n++] = (struct pollfd){ .fd = dm->listen_fd, .events = POLLIN };
                for (struct client *c = dm->clients; c && nc < CLIENTS_MAX; c = c->next)
                        if (!c->gone) {
                                cs[nc++] = c;
                                fds[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
                        }
                for (struct dom_rt *r = dm->doms; r && nd < DOMAINS_POLLED; r = r->next)
                        if (r->live && r->inst.death_fd >= 0) {
                                ds[nd++] = r;
                                fds[n++] = (struct pollfd){ .fd = r->inst.death_fd, .events = POLLIN };
                        }
                /* Starts and destroys in the background: dom_ops_tick finds
                 * which ended. */
                for (struct dom_rt *r = dm->doms; r && no < DOMAINS_POLLED; r = r->next)
                        if (dom_in_flight(r)) {
                                no++;
                                fds[n++] = (struct pollfd){ .fd = r->op.fd, .events = POLLIN };
                        }
                if (poll(fds, n, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        return bh_log_errno(-errno, "poll");
                }
                if (fds[0].revents) {
                        struct signalfd_siginfo si;
                        bool stop = false;

                        while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
                                if (si.ssi_signo == SIGCHLD)
                                        continue;
                                bh_log_info("signal %u: stopping", si.ssi_signo);
                                stop = true;
                        }
                        reap_helpers(dm);
                        if (stop) {
                                dm->quit = true;
                                break;
                        }
                }
                dom_ops_tick(dm);
                /* Deaths first: a client's next request must see them. */
                for (size_t i = 0; i < nd; i++)
                        if (fds[2 + nc + i].revents &&
                            (!dm->backend->dead || dm->backend->dead(&ds[i]->inst) != 0))
                                dom_reap(dm, ds[i]);
                for (size_t i = 0; i < nc; i++)
                        if (fds[2 + i].revents)
                                serve_client(dm, cs[i]);
                if (fds[1].revents)
                        accept_client(dm);
                dom_pool_tick(dm);
        }
        return 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "state-dir", required_argument, NULL, 's' },
                { "runtime-dir", required_argument, NULL, 'r' },
                { "agent-dir", required_argument, NULL, 'a' },
                { "backend", required_argument, NULL, 'b' },
                { "qrexec-dir", required_argument, NULL, 'q' },
                { "gui", no_argument, NULL, 'g' },
                { "no-gui", no_argument, NULL, 'G' },
                { "guid", required_argument, NULL, 'u' },
                { "xen-pv", no_argument, NULL, 'P' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct daemon dm = { .listen_fd = -1, .backend = &bh_backend_container };
        _cleanup_close_ int lock = -1, sigfd = -1;
        sigset_t mask;
        int c, r, gui_choice = -1;

        bh_log_init("bulkheadd");
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        dm.state_dir = strdup(optarg);
                        break;
                case 'r':
                        dm.runtime_dir = strdup(optarg);
                        break;
                case 'a':
                        dm.agent_dir = strdup(optarg);
                        break;
                case 'q':
                        dm.qrexec_dir = strdup(optarg);
                        break;
                case 'g':
                case 'G':
                        gui_choice = c == 'g' ? 1 : 0;
                        break;
                case 'u':
                        dm.guid_path = strdup(optarg);
                        break;
                case 'P':
                        dm.xen_pv = true;
                        break;
                case 'b':
                        if (strcmp(optarg, "container") == 0)
                                dm.backend = &bh_backend_container;
#if HAVE_XEN
                        else if (strcmp(optarg, "xen") == 0)
                                dm.backend = &bh_backend_xen;
#endif
                        else {
                                bh_log_error("unknown backend '%s'", optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        printf("usage: bulkheadd [--state-dir DIR] [--runtime-dir DIR] "
                               "[--agent-dir DIR] [--qrexec-dir DIR] [--gui|--no-gui] [--guid PATH]\n"
                               "                 [--backend container|xen] [--xen-pv]\n");
                        return 0;
                default:
                        return 2;
                }
        }
        if (default_dirs(&dm) < 0)
                return 1;
        /* Windows are shown where there is a desktop to show them on. */
        dm.gui = gui_choice >= 0 ? gui_choice
                                 : (getenv("DISPLAY") && *getenv("DISPLAY")) ||
                                           (getenv("WAYLAND_DISPLAY") && *getenv("WAYLAND_DISPLAY"));
        if (!dm.guid_path) {
                const char *g = getenv("BULKHEAD_GUID");
                dm.guid_path = strdup(g && *g ? g : BH_BINDIR "/bulkhead-guid");
        }
        r = dm.backend->available();
        if (r < 0) {
                bh_log_errno(r, "the %s backend cannot run here", dm.backend->name);
                return 1;
        }
        if ((r = mkdir_p(dm.runtime_dir, 0700)) < 0 || (r = mkdir_p(dm.state_dir, 0700)) < 0) {
                bh_log_errno(r, "creating %s and %s", dm.runtime_dir, dm.state_dir);
                return 1;
        }
        lock = open_lock(&dm);
        if (lock < 0)
                return 1;
        r = bh_registry_open(dm.state_dir, &dm.reg);
        if (r < 0) {
                bh_log_errno(r, "registry in %s", dm.state_dir);
                return 1;
        }

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        signal(SIGPIPE, SIG_IGN);
        sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0)
                return bh_log_errno(-errno, "signalfd"), 1;

        if (dom_load_all(&dm) < 0)
                return 1;
        /* qrexec's processes find the directories here. */
        setenv("BULKHEAD_RUNTIME_DIR", dm.runtime_dir, 1);
        setenv("BULKHEAD_STATE_DIR", dm.state_dir, 1);
        qrexec_start_policy(&dm);
        dom_reconcile(&dm);
        for (struct dom_rt *d = dm.doms; d; d = d->next)
                if (d->live) {
                        qrexec_start(&dm, d);
                        gui_start(&dm, d);
                }
        dm.listen_fd = open_api(&dm);
        if (dm.listen_fd < 0)
                return 1;
        bh_log_info("ready: state %s, runtime %s, backend %s, windows %s", dm.state_dir, dm.runtime_dir,
                    dm.backend->name, dm.gui ? "shown" : "not shown");
        r = run_loop(&dm, sigfd);
        /* App domains keep running and are adopted by the next bulkheadd;
         * disposables end with the clients they served. */
        stop_disposables(&dm);
        for (struct dom_rt *d = dm.doms; d; d = d->next) {
                qrexec_stop(&dm, d);
                gui_stop(&dm, d);
        }
        qrexec_stop_policy(&dm);
        {
                _cleanup_free_ char *path = path_socket(dm.runtime_dir);
                if (path)
                        unlink(path);
        }
        while (dm.clients) {
                struct client *cl = dm.clients;
                dm.clients = cl->next;
                close(cl->fd);
                free(cl);
        }
        while (dm.doms) {
                struct dom_rt *d = dm.doms;
                dm.doms = d->next;
                if (d->inst.death_fd >= 0)
                        close(d->inst.death_fd);
                free(d);
        }
        bh_registry_close(dm.reg);
        close(dm.listen_fd);
        free(dm.state_dir);
        free(dm.runtime_dir);
        free(dm.agent_dir);
        free(dm.qrexec_dir);
        free(dm.guid_path);
        return r < 0 ? 1 : 0;
}
