/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One call a domain asked for (TRIGGER), in a process of its own so that a
 * slow policy answer (a dialog) or a long service never holds up the
 * daemon's loop:
 *
 *   1. ask qrexec-policy; no answer, or deny: refused;
 *   2. resolve the target: a running domain (started first when the
 *      decision allows autostart), or a fresh disposable from bulkheadd that
 *      lives as long as this process holds its API connection;
 *   3. make the caller's data channel reachable from the target (socket
 *      transport: a hard link of the caller's socket in a directory of the
 *      target's channel directory; dom0 only makes the link, the data never
 *      passes through it);
 *   4. ask the target's qrexec-daemon to run the service, and tell the
 *      caller it may expect the connection;
 *   5. when the service ends: the audit line, the link removed, the
 *      disposable (if any) destroyed by closing its connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

/* A policy that asks the user waits for the user. */
#define POLICY_TIMEOUT_MS 300000
/* bulkheadd starting a domain or a disposable. */
#define START_TIMEOUT_MS 60000
/* A target's daemon appears with its domain. */
#define DAEMON_WAIT_MS 10000

int qd_daemon_socket(const char *runtime_dir, const char *domain, char *out, size_t size)
{
        if (snprintf(out, size, "%s/qrexec/%s.sock", runtime_dir, domain) >= (int)size)
                return -ENAMETOOLONG;
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int qd_connect(const char *path, int timeout_ms)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int64_t deadline = now_ms() + timeout_ms;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        for (;;) {
                int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), r;

                if (fd < 0)
                        return -errno;
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                        return fd;
                r = -errno;
                close(fd);
                if ((r != -ENOENT && r != -ECONNREFUSED) || now_ms() >= deadline)
                        return r;
                usleep(20000);
        }
}

int qd_call(int fd, struct bh_api_buf *req, struct bh_api_msg *reply, int timeout_ms)
{
        static char buf[BH_API_MSG_MAX];
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (req->err)
                return req->err;
        if (send(fd, req->data, req->len, MSG_NOSIGNAL) < 0)
                return -errno;
        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
                return n < 0 ? -errno : -ECONNRESET;
        if (bh_api_parse(buf, (size_t)n, reply) < 0)
                return -EPROTO;
        if (strcmp(reply->f[0], "ok") != 0) {
                int e = reply->n > 1 ? bh_errno_from_name(reply->f[1]) : 0;

                bh_log_error("%s", reply->n > 2 ? reply->f[2] : "request failed");
                bh_api_msg_free(reply);
                return e < 0 ? e : -EIO;
        }
        return 0;
}

static int request(const char *path, int *keep_fd, int timeout_ms, struct bh_api_msg *reply,
                   const char *const *fields)
{
        struct bh_api_buf b;
        int fd = qd_connect(path, 2000), r;

        if (fd < 0)
                return fd;
        bh_api_buf_init(&b);
        for (size_t i = 0; fields[i]; i++)
                bh_api_add(&b, fields[i]);
        r = qd_call(fd, &b, reply, timeout_ms);
        bh_api_buf_free(&b);
        if (keep_fd && r == 0)
                *keep_fd = fd;
        else
                close(fd);
        return r;
}

static void answer(int fd, const char *what)
{
        (void)!write(fd, what, strlen(what));
        close(fd);
}

struct link {
        int dir_fd; /* the target's channel directory */
        char name[BH_QREXEC_LINK_MAX + 1];
        char sock[32];
};

/*
 * The caller's socket, hard-linked into a fresh directory of the target's
 * channel directory.  Everything is opened without following symlinks and
 * checked to be a socket: both directories are writable by their domains.
 */
static int make_link(const char *source_dir, const char *target_dir, uint32_t port, struct link *l)
{
        _cleanup_close_ int sfd = -1, lfd = -1;
        static unsigned counter;
        struct stat st;

        snprintf(l->sock, sizeof(l->sock), "vchan.%u.sock", port);
        snprintf(l->name, sizeof(l->name), "in-%d-%u", (int)getpid(), ++counter);
        sfd = open(source_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return -errno;
        if (fstatat(sfd, l->sock, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode))
                return -ENOTSOCK;
        l->dir_fd = open(target_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (l->dir_fd < 0)
                return -errno;
        if (mkdirat(l->dir_fd, l->name, 0755) < 0)
                return -errno;
        lfd = openat(l->dir_fd, l->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0)
                return -errno;
        if (linkat(sfd, l->sock, lfd, l->sock, 0) < 0)
                return -errno;
        if (fstatat(lfd, l->sock, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISSOCK(st.st_mode))
                return -ENOTSOCK; /* swapped by the caller in between: its loss */
        return 0;
}

static void drop_link(struct link *l)
{
        if (l->dir_fd < 0)
                return;
        int fd = openat(l->dir_fd, l->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd >= 0) {
                unlinkat(fd, l->sock, 0);
                close(fd);
        }
        unlinkat(l->dir_fd, l->name, AT_REMOVEDIR);
        close(l->dir_fd);
        l->dir_fd = -1;
}

int qd_handle_call(const struct qd_config *cfg, const struct bh_qrexec_trigger *t, int answer_fd)
{
        char path[512], full[BH_QREXEC_SERVICE_MAX + BH_QREXEC_ARG_MAX + 2], port[16], domid[16];
        char target[BH_QREXEC_DOMAIN_MAX + 1] = "", asked[BH_QREXEC_TARGET_MAX + 1];
        struct bh_api_msg m;
        struct link l = { .dir_fd = -1 };
        const char *v, *tdir;
        int api_fd = -1, r, status = -1, tdomid = 0;
        bool disposable;

        snprintf(full, sizeof(full), "%s%s%s", t->service, t->arg[0] ? "+" : "", t->arg);
        snprintf(asked, sizeof(asked), "%s", t->target);

        /* Consulted by dom0's GUI daemon for a paste the user asked for;
         * never something a domain may call. */
        if (strcmp(t->service, "bulkhead.ClipboardPaste") == 0) {
                bh_log_error("call %s from %s: reserved for dom0's GUI daemon; refused", full, cfg->name);
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, asked, t->service, t->arg, "deny (reserved)", -1);
                return 0;
        }

        /* 1. policy */
        snprintf(path, sizeof(path), "%s/qrexec-policy.sock", cfg->runtime_dir);
        {
                const char *f[] = { "bulkhead-policy/1", "eval", cfg->name, t->target, full, NULL };

                r = request(path, NULL, POLICY_TIMEOUT_MS, &m, f);
        }
        if (r < 0) {
                bh_log_errno(r, "call %s from %s to %s: no answer from qrexec-policy; refused", full,
                             cfg->name, asked);
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, asked, t->service, t->arg, "deny (no policy daemon)", -1);
                return 1;
        }
        v = bh_api_get(&m, 1, "result");
        if (!v || strcmp(v, "allow") != 0) {
                bh_log_info("call %s from %s to %s: denied by policy%s%s", full, cfg->name, asked,
                            bh_api_get(&m, 1, "rule") ? " at " : "",
                            bh_api_get(&m, 1, "rule") ? bh_api_get(&m, 1, "rule") : "");
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, asked, t->service, t->arg, "deny", -1);
                bh_api_msg_free(&m);
                return 0;
        }
        v = bh_api_get(&m, 1, "target");
        snprintf(asked, sizeof(asked), "%s", v && *v ? v : t->target);
        bool autostart = !(v = bh_api_get(&m, 1, "autostart")) || strcmp(v, "no") != 0;
        bh_api_msg_free(&m);

        /* 2. target */
        disposable = strncmp(asked, "@dispvm:", 8) == 0;
        if (strcmp(asked, "dom0") == 0 || strcmp(asked, "@adminvm") == 0 ||
            (!disposable && !bh_qrexec_name_ok(asked, BH_QREXEC_DOMAIN_MAX))) {
                bh_log_error("call %s from %s: target %s cannot run services here; refused", full,
                             cfg->name, asked);
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, asked, t->service, t->arg, "deny (target)", -1);
                return 1;
        }
        snprintf(path, sizeof(path), "%s/bulkheadd.sock", cfg->runtime_dir);
        if (disposable) {
                const char *f[] = { "bulkhead/1", "run-disposable", asked + 8, NULL };

                r = request(path, &api_fd, START_TIMEOUT_MS, &m, f);
        } else if (!autostart) {
                /* Not started for the call: it must be running already. */
                const char *f[] = { "bulkhead/1", "prefs", asked, NULL };

                r = request(path, NULL, START_TIMEOUT_MS, &m, f);
                if (r == 0) {
                        bool running = m.n > 1 && (strncmp(m.f[1], "state=running\n", 14) == 0 ||
                                                   strstr(m.f[1], "\nstate=running\n"));
                        bh_api_msg_free(&m);
                        r = running ? 0 : -ENOTCONN;
                }
                if (r == 0) {
                        const char *g[] = { "bulkhead/1", "run", asked, NULL };
                        r = request(path, NULL, START_TIMEOUT_MS, &m, g);
                }
        } else {
                const char *f[] = { "bulkhead/1", "run", asked, NULL };

                r = request(path, NULL, START_TIMEOUT_MS, &m, f);
        }
        if (r < 0) {
                bh_log_errno(r, "call %s from %s: target %s", full, cfg->name, asked);
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, asked, t->service, t->arg, "allow (target failed)", -1);
                if (api_fd >= 0)
                        close(api_fd);
                return 1;
        }
        v = bh_api_get(&m, 1, "name");
        tdir = bh_api_get(&m, 1, "vchan_dir");
        if (!v || !bh_qrexec_name_ok(v, BH_QREXEC_DOMAIN_MAX) || strcmp(v, cfg->name) == 0 || !tdir) {
                bh_log_error("call %s from %s: target %s: not a domain that can serve it", full,
                             cfg->name, asked);
                bh_api_msg_free(&m);
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, asked, t->service, t->arg, "deny (target)", -1);
                if (api_fd >= 0)
                        close(api_fd);
                return 1;
        }
        snprintf(target, sizeof(target), "%s", v);
        /* xen: the caller serves the data channel for this domain. */
        tdomid = (v = bh_api_get(&m, 1, "domid")) && atoi(v) > 0 ? atoi(v) : 0;

        /* 3. the data channel */
        if (strcmp(cfg->transport, "socket") == 0) {
                r = make_link(cfg->vchan_dir, tdir, t->port, &l);
                if (r < 0) {
                        bh_log_errno(r, "call %s from %s to %s: caller's channel on port %u", full,
                                     cfg->name, target, t->port);
                        drop_link(&l);
                }
        } else {
                r = 0;
        }
        bh_api_msg_free(&m);

        /* 4. the target runs it */
        if (r == 0) {
                snprintf(port, sizeof(port), "%u", t->port);
                snprintf(domid, sizeof(domid), "%d", cfg->domid);
                r = qd_daemon_socket(cfg->runtime_dir, target, path, sizeof(path));
        }
        int tfd = r == 0 ? qd_connect(path, DAEMON_WAIT_MS) : r;

        if (tfd < 0) {
                if (r == 0)
                        bh_log_errno(tfd, "call %s from %s: %s's qrexec-daemon", full, cfg->name, target);
                answer(answer_fd, "R");
                qd_audit(cfg->audit_log, cfg->name, target, t->service, t->arg, "allow (target failed)", -1);
                drop_link(&l);
                if (api_fd >= 0)
                        close(api_fd);
                return 1;
        }
        {
                struct bh_api_buf b;

                bh_api_buf_init(&b);
                bh_api_add(&b, BH_QREXEC_DAEMON_API);
                bh_api_add(&b, "run");
                bh_api_add(&b, cfg->name);
                bh_api_add(&b, t->service);
                bh_api_add(&b, t->arg);
                bh_api_add(&b, l.dir_fd >= 0 ? l.name : "");
                bh_api_add(&b, port);
                bh_api_add(&b, domid);
                if (!b.err && send(tfd, b.data, b.len, MSG_NOSIGNAL) < 0)
                        b.err = -errno;
                r = b.err;
                bh_api_buf_free(&b);
        }
        if (r < 0) {
                answer(answer_fd, "R");
        } else {
                char c[2 + BH_QREXEC_DOMAIN_MAX + 1 + 12];

                snprintf(c, sizeof(c), "C%s:%d", target, tdomid);
                answer(answer_fd, c);
                /* 5. until the service ends (or its daemon goes) */
                static char buf[BH_API_MSG_MAX];
                ssize_t n = recv(tfd, buf, sizeof(buf), 0);

                if (n > 0 && bh_api_parse(buf, (size_t)n, &m) == 0) {
                        if (strcmp(m.f[0], "ok") == 0 && (v = bh_api_get(&m, 1, "status")))
                                status = atoi(v);
                        bh_api_msg_free(&m);
                }
        }
        close(tfd);
        qd_audit(cfg->audit_log, cfg->name, target, t->service, t->arg, "allow", status);
        drop_link(&l);
        if (api_fd >= 0) {
                /* The disposable goes with this connection; wait until it is gone. */
                shutdown(api_fd, SHUT_WR);
                struct pollfd p = { .fd = api_fd, .events = POLLIN };
                char c;
                while (poll(&p, 1, START_TIMEOUT_MS) > 0 && recv(api_fd, &c, 1, 0) > 0)
                        ;
                close(api_fd);
        }
        return 0;
}
