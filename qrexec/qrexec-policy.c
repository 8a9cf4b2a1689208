/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-policy: the policy daemon (docs/qrexec-policy.md, "The daemon").
 *
 * One SOCK_SEQPACKET socket, RUNTIME/qrexec-policy.sock, messages as
 * bulkheadd's API (dom0/api_proto.h):
 *   request  "bulkhead-policy/1" "eval" SOURCE TARGET SERVICE[+ARG]
 *   reply    "ok" result= target= user= autostart= notify= rule= reason=
 *            "error" ERRNO-NAME MESSAGE
 * One poll loop, no threads.  An `ask` runs the dialog program as a child
 * and the loop keeps serving others while the user thinks.  The policy is
 * read again whenever a file or directory it came from changed; a policy
 * with errors is logged and the last good one stays.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api_proto.h"
#include "policy.h"
#include "policy_io.h"
#include "util.h"

#define BH_POLICY_PROTO "bulkhead-policy/1"
/* Clients at once: one per qrexec-daemon (one per domain) plus tools;
 * bounds the descriptors a flood of connections can take. */
#define CLIENTS_MAX 256
/* A request is 5 short fields; anything near this is not a request. */
#define REQUEST_MAX 4096
/* How long a dialog may stay open before the call is denied: a forgotten
 * dialog must not hold a caller (and its connection) forever. */
#define ASK_TIMEOUT_S 300
/* The dialog prints one target: a name or "@dispvm:NAME" and a newline. */
#define ASK_OUTPUT_MAX (BH_POLICY_TARGET_MAX + 2)

#ifndef BH_POLICY_ASK_PROGRAM
#define BH_POLICY_ASK_PROGRAM "qrexec-policy-ask"
#endif

struct ask {
        pid_t pid;
        int pidfd;  /* -1: not available, we wait for the pipe's end */
        int out_fd; /* the dialog's stdout; -1 after its end */
        char out[ASK_OUTPUT_MAX + 1];
        size_t out_len;
        bool out_overflow;
        time_t started;
        struct bh_policy_decision d;
        char what[320]; /* "SRC -> TARGET SERVICE" for the log */
};

struct client {
        int fd;
        struct ask *ask;
        struct client *next;
};

struct daemon {
        int listen_fd;
        const char *policy_dir;
        const char *domains_file; /* NULL: ask bulkheadd */
        const char *ask_program;
        struct bh_policy *policy; /* the last good one, or NULL */
        char **watch;             /* paths of the last load attempt */
        size_t n_watch;
        uint64_t stamp;
        bool loaded_once;
        struct client *clients;
        unsigned n_clients;
};

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
        (void)sig;
        quit = 1;
}

/* A value from a request, fit for a log line: printable ASCII, cut short. */
static const char *loggable(const char *s, char *buf, size_t size)
{
        size_t j = 0;

        for (; *s && j + 1 < size && j < 80; s++)
                buf[j++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
        buf[j] = '\0';
        return buf;
}

/* ---- policy reload ------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

/* A fingerprint of every watched path's metadata: any edit, rename, new
 * or removed file changes a file's or a directory's stat. */
static uint64_t stamp_of(const struct daemon *dm)
{
        uint64_t h = 0xcbf29ce484222325ull;
        struct stat st;

        for (size_t i = 0; i <= dm->n_watch; i++) {
                const char *path = i < dm->n_watch ? dm->watch[i] : dm->policy_dir;
                int e = stat(path, &st) < 0 ? errno : 0;
                h = fnv(h, path, strlen(path) + 1);
                h = fnv(h, &e, sizeof(e));
                if (e)
                        continue;
                h = fnv(h, &st.st_dev, sizeof(st.st_dev));
                h = fnv(h, &st.st_ino, sizeof(st.st_ino));
                h = fnv(h, &st.st_size, sizeof(st.st_size));
                h = fnv(h, &st.st_mtim, sizeof(st.st_mtim));
                h = fnv(h, &st.st_ctim, sizeof(st.st_ctim));
        }
        return h;
}

static void set_watch(struct daemon *dm, const struct bh_policy *p)
{
        for (size_t i = 0; i < dm->n_watch; i++)
                free(dm->watch[i]);
        free(dm->watch);
        dm->watch = NULL;
        dm->n_watch = 0;
        if (!p)
                return;
        dm->watch = calloc(bh_policy_n_paths(p) + 1, sizeof(*dm->watch));
        if (!dm->watch)
                return;
        for (size_t i = 0; i < bh_policy_n_paths(p); i++)
                if ((dm->watch[dm->n_watch] = strdup(bh_policy_path(p, i))))
                        dm->n_watch++;
}

static void reload_if_changed(struct daemon *dm)
{
        struct bh_policy *p = NULL;
        int r;

        if (dm->loaded_once && stamp_of(dm) == dm->stamp)
                return;
        r = bh_policy_load_dir(dm->policy_dir, &p);
        set_watch(dm, p);
        dm->stamp = stamp_of(dm);
        dm->loaded_once = true;
        if (r == 0) {
                bh_policy_free(dm->policy);
                dm->policy = p;
                bh_log_info("policy %s: loaded %zu rules", dm->policy_dir, bh_policy_n_rules(p));
                for (size_t i = 0; i < bh_policy_n_warnings(p); i++)
                        bh_log_info("policy: warning: %s", bh_policy_warning(p, i));
                return;
        }
        for (size_t i = 0; p && i < bh_policy_n_errors(p); i++)
                bh_log_error("policy: %s", bh_policy_error(p, i));
        if (!p)
                bh_log_errno(r, "policy %s", dm->policy_dir);
        bh_log_error("policy %s has errors: %s", dm->policy_dir,
                     dm->policy ? "keeping the last good policy"
                                : "no good policy yet, every call is denied");
        bh_policy_free(p);
}

/* ---- replies ------------------------------------------------------------- */

static void send_buf(struct client *c, struct bh_api_buf *b)
{
        if (!b->err && send(c->fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                bh_log_error("client: reply lost: %s", strerror(errno));
        bh_api_buf_free(b);
}

static void __attribute__((format(printf, 3, 4)))
reply_error(struct client *c, int err, const char *fmt, ...)
{
        struct bh_api_buf b;
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        bh_api_buf_init(&b);
        bh_api_add(&b, "error");
        bh_api_add(&b, bh_errno_name(err));
        bh_api_add(&b, msg);
        send_buf(c, &b);
}

static void reply_decision(struct client *c, const struct bh_policy_decision *d, const char *what)
{
        struct bh_api_buf b;

        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "result=%s", d->verdict == BH_POLICY_ALLOW ? "allow" : "deny");
        bh_api_addf(&b, "target=%s", d->verdict == BH_POLICY_ALLOW ? d->target : "");
        bh_api_addf(&b, "user=%s", d->user);
        bh_api_addf(&b, "autostart=%s", d->autostart ? "yes" : "no");
        bh_api_addf(&b, "notify=%s", d->notify ? "yes" : "no");
        if (d->rule_file[0])
                bh_api_addf(&b, "rule=%s:%u", d->rule_file, d->rule_line);
        else
                bh_api_add(&b, "rule=");
        bh_api_addf(&b, "reason=%s", d->verdict == BH_POLICY_ALLOW ? "" : d->reason);
        send_buf(c, &b);
        if (d->verdict == BH_POLICY_ALLOW)
                bh_log_info("%s: allow target=%s (%s:%u)", what, d->target, d->rule_file,
                            d->rule_line);
        else
                bh_log_info("%s: deny (%s)", what, d->reason);
}

/* ---- ask ----------------------------------------------------------------- */

static void ask_free(struct ask *a)
{
        if (a->out_fd >= 0)
                close(a->out_fd);
        if (a->pidfd >= 0)
                close(a->pidfd);
        bh_policy_decision_free(&a->d);
        free(a);
}

static int start_ask(struct daemon *dm, struct client *c, struct bh_policy_decision *d,
                     const char *source, const char *service_arg, const char *what)
{
        _cleanup_free_ char **argv = NULL;
        char deflt[BH_POLICY_TARGET_MAX + 32];
        struct ask *a;
        int pipefd[2];
        size_t n = 0;
        pid_t pid;

        argv = calloc(d->n_targets + 8, sizeof(*argv));
        a = calloc(1, sizeof(*a));
        if (!argv || !a) {
                free(a);
                return -ENOMEM;
        }
        argv[n++] = (char *)dm->ask_program;
        if (d->default_target[0]) {
                snprintf(deflt, sizeof(deflt), "--default-target=%s", d->default_target);
                argv[n++] = deflt;
        }
        argv[n++] = (char *)"--";
        argv[n++] = (char *)source;
        argv[n++] = (char *)service_arg;
        for (size_t i = 0; i < d->n_targets; i++)
                argv[n++] = d->targets[i];
        argv[n] = NULL;

        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                free(a);
                return -errno;
        }
        pid = fork();
        if (pid < 0) {
                int e = -errno;
                close(pipefd[0]);
                close(pipefd[1]);
                free(a);
                return e;
        }
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
                    dup2(pipefd[1], STDOUT_FILENO) < 0)
                        _exit(127);
                signal(SIGPIPE, SIG_DFL);
                execv(dm->ask_program, argv);
                dprintf(STDERR_FILENO, "qrexec-policy: ask program %s: %s\n", dm->ask_program,
                        strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        a->pid = pid;
        a->out_fd = pipefd[0];
        fcntl(a->out_fd, F_SETFL, O_NONBLOCK);
#ifdef SYS_pidfd_open
        a->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#else
        a->pidfd = -1;
#endif
        a->started = time(NULL);
        a->d = *d;
        d->targets = NULL; /* the ask owns them now */
        d->n_targets = 0;
        snprintf(a->what, sizeof(a->what), "%s", what);
        c->ask = a;
        bh_log_info("%s: asking the user (%s:%u)", what, a->d.rule_file, a->d.rule_line);
        return 0;
}

static void read_ask_output(struct ask *a)
{
        char buf[256];
        ssize_t n;

        while (a->out_fd >= 0) {
                n = read(a->out_fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        close(a->out_fd);
                        a->out_fd = -1;
                        return;
                }
                for (ssize_t i = 0; i < n; i++) {
                        if (a->out_len >= ASK_OUTPUT_MAX) {
                                a->out_overflow = true;
                                break;
                        }
                        a->out[a->out_len++] = buf[i];
                }
        }
}

/* The dialog ended (status from waitpid) or was given up (status -1). */
static void finish_ask(struct client *c, int status)
{
        struct ask *a = c->ask;
        const char *chosen = NULL;

        read_ask_output(a);
        a->out[a->out_len] = '\0';
        if (a->out_len && a->out[a->out_len - 1] == '\n')
                a->out[--a->out_len] = '\0';
        if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && !a->out_overflow &&
            a->out_len && !strchr(a->out, '\n'))
                chosen = a->out;
        bh_policy_answer(&a->d, chosen);
        reply_decision(c, &a->d, a->what);
        ask_free(a);
        c->ask = NULL;
}

static void abort_ask(struct client *c)
{
        struct ask *a = c->ask;

        kill(a->pid, SIGKILL);
        while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        ask_free(a);
        c->ask = NULL;
}

static void poll_ask(struct client *c, bool pid_ready, bool out_ready)
{
        struct ask *a = c->ask;
        int status;
        pid_t r;

        if (out_ready)
                read_ask_output(a);
        /* Without a pidfd the end of the pipe stands for the end of the child. */
        if (!pid_ready && !(a->pidfd < 0 && a->out_fd < 0)) {
                if (time(NULL) - a->started > ASK_TIMEOUT_S) {
                        bh_log_error("%s: no answer in %d s, denying", a->what, ASK_TIMEOUT_S);
                        kill(a->pid, SIGKILL);
                        while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR)
                                ;
                        finish_ask(c, -1);
                }
                return;
        }
        r = waitpid(a->pid, &status, a->pidfd < 0 ? 0 : WNOHANG);
        if (r == a->pid)
                finish_ask(c, status);
}

/* ---- requests ------------------------------------------------------------ */

static int get_domains(struct daemon *dm, struct bh_policy_domains *t, char *err, size_t errlen)
{
        int r = bh_policy_domains_init(t);

        if (r < 0)
                return r;
        r = dm->domains_file ? bh_policy_domains_load(t, dm->domains_file, err, errlen)
                             : bh_policy_domains_from_bulkheadd(t, err, errlen);
        if (r < 0)
                bh_policy_domains_free(t);
        return r;
}

static void handle_request(struct daemon *dm, struct client *c, const char *buf, size_t n,
                           bool *drop)
{
        _cleanup_free_ struct bh_api_msg *m = malloc(sizeof(*m));
        struct bh_policy_domains t;
        struct bh_policy_decision d;
        struct bh_policy_request req;
        char service[BH_POLICY_SERVICE_MAX + 2], err[BH_POLICY_MSG_MAX], what[320], l1[96], l2[96],
                l3[96], *plus;
        int r;

        if (!m) {
                reply_error(c, -ENOMEM, "out of memory");
                return;
        }
        if (bh_api_parse(buf, n, m) < 0) {
                reply_error(c, -EPROTO, "malformed message");
                *drop = true;
                return;
        }
        if (m->n < 2 || strcmp(m->f[0], BH_POLICY_PROTO) != 0) {
                reply_error(c, -EPROTO, "expected '%s eval SOURCE TARGET SERVICE[+ARG]'",
                            BH_POLICY_PROTO);
                goto out;
        }
        if (strcmp(m->f[1], "eval") != 0) {
                reply_error(c, -EINVAL, "unknown verb '%s'", loggable(m->f[1], l1, sizeof(l1)));
                goto out;
        }
        if (m->n != 5) {
                reply_error(c, -EINVAL, "eval: expected SOURCE TARGET SERVICE[+ARG]");
                goto out;
        }
        if ((size_t)snprintf(service, sizeof(service), "%s", m->f[4]) >= sizeof(service)) {
                reply_error(c, -EINVAL, "eval: service name longer than %d bytes",
                            BH_POLICY_SERVICE_MAX);
                goto out;
        }
        snprintf(what, sizeof(what), "%s -> %s %s", loggable(m->f[2], l1, sizeof(l1)),
                 loggable(m->f[3], l2, sizeof(l2)), loggable(m->f[4], l3, sizeof(l3)));
        plus = strchr(service, '+');
        if (plus)
                *plus++ = '\0';
        req = (struct bh_policy_request){ .source = m->f[2], .target = m->f[3],
                                          .service = service, .argument = plus ? plus : "" };

        reload_if_changed(dm);
        if (!dm->policy) {
                memset(&d, 0, sizeof(d));
                d.notify = true;
                d.autostart = true;
                snprintf(d.reason, sizeof(d.reason), "no valid policy loaded");
                reply_decision(c, &d, what);
                goto out;
        }
        r = get_domains(dm, &t, err, sizeof(err));
        if (r < 0) {
                bh_log_error("%s: domains: %s", what, err);
                reply_error(c, r, "domains: %s", err);
                goto out;
        }
        r = bh_policy_eval(dm->policy, &t, &req, &d);
        bh_policy_domains_free(&t);
        if (r < 0) {
                reply_error(c, r, "evaluation failed: %s", strerror(-r));
                goto out;
        }
        if (d.verdict == BH_POLICY_ASK) {
                r = start_ask(dm, c, &d, m->f[2], m->f[4], what);
                if (r == 0)
                        goto out;
                bh_log_errno(r, "%s: cannot run %s", what, dm->ask_program);
                bh_policy_answer(&d, NULL);
        }
        reply_decision(c, &d, what);
        bh_policy_decision_free(&d);
out:
        bh_api_msg_free(m);
}

/* ---- clients and the loop ------------------------------------------------ */

static void accept_client(struct daemon *dm)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);
        struct client *c;
        int fd = accept4(dm->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0)
                return;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != 0 && cred.uid != getuid())) {
                bh_log_error("refused a client with uid %d", (int)cred.uid);
                close(fd);
                return;
        }
        if (dm->n_clients >= CLIENTS_MAX) {
                bh_log_error("%d clients already, refusing one more", CLIENTS_MAX);
                close(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        c->fd = fd;
        c->next = dm->clients;
        dm->clients = c;
        dm->n_clients++;
}

static void drop_client(struct daemon *dm, struct client *c)
{
        for (struct client **p = &dm->clients; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        if (c->ask) {
                bh_log_info("%s: the caller went away, closing the dialog", c->ask->what);
                abort_ask(c);
        }
        close(c->fd);
        free(c);
        dm->n_clients--;
}

static void client_readable(struct daemon *dm, struct client *c)
{
        char buf[REQUEST_MAX];
        bool drop = false;
        ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_TRUNC);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                drop_client(dm, c);
                return;
        }
        if ((size_t)n > sizeof(buf)) {
                reply_error(c, -EMSGSIZE, "request larger than %d bytes", REQUEST_MAX);
                drop_client(dm, c);
                return;
        }
        handle_request(dm, c, buf, (size_t)n, &drop);
        if (drop)
                drop_client(dm, c);
}

static int listen_socket(const char *runtime)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char lock[sizeof(sa.sun_path) + 16];
        _cleanup_close_ int fd = -1;
        int lock_fd;
        mode_t old;

        if (mkdir(runtime, 0700) < 0 && errno != EEXIST)
                return bh_log_errno(-errno, "runtime directory %s", runtime);
        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qrexec-policy.sock", runtime) >=
            sizeof(sa.sun_path))
                return bh_log_errno(-ENAMETOOLONG, "socket path in %s", runtime);
        snprintf(lock, sizeof(lock), "%s/qrexec-policy.lock", runtime);
        /* Held for the life of the process (never closed): a second daemon
         * must not unlink the first one's socket. */
        lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0)
                return bh_log_errno(-errno, "lock %s", lock);
        if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0) {
                close(lock_fd);
                return bh_log_errno(-EBUSY, "another qrexec-policy holds %s", lock);
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return bh_log_errno(-errno, "socket");
        unlink(sa.sun_path);
        old = umask(0077);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
            listen(fd, 64) < 0) {
                int e = -errno;
                umask(old);
                return bh_log_errno(e, "socket %s", sa.sun_path);
        }
        umask(old);
        bh_log_info("listening on %s", sa.sun_path);
        return TAKE_FD(fd);
}

static void loop(struct daemon *dm)
{
        while (!quit) {
                struct pollfd pfd[1 + 3 * CLIENTS_MAX];
                struct client *who[1 + 3 * CLIENTS_MAX];
                char kind[1 + 3 * CLIENTS_MAX];
                nfds_t n = 0;

                pfd[n] = (struct pollfd){ .fd = dm->listen_fd, .events = POLLIN };
                kind[n++] = 'l';
                for (struct client *c = dm->clients; c; c = c->next) {
                        if (!c->ask) {
                                pfd[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
                                who[n] = c;
                                kind[n++] = 'c';
                                continue;
                        }
                        /* While asking, only a hang-up of the caller matters. */
                        pfd[n] = (struct pollfd){ .fd = c->fd, .events = 0 };
                        who[n] = c;
                        kind[n++] = 'h';
                        if (c->ask->out_fd >= 0) {
                                pfd[n] = (struct pollfd){ .fd = c->ask->out_fd, .events = POLLIN };
                                who[n] = c;
                                kind[n++] = 'o';
                        }
                        if (c->ask->pidfd >= 0) {
                                pfd[n] = (struct pollfd){ .fd = c->ask->pidfd, .events = POLLIN };
                                who[n] = c;
                                kind[n++] = 'p';
                        }
                }
                if (poll(pfd, n, 1000) < 0) {
                        if (errno == EINTR)
                                continue;
                        bh_log_errno(-errno, "poll");
                        return;
                }
                /* Clients may go away below: handle each at most once, by
                 * looking it up again in the live list. */
                for (nfds_t i = n; i-- > 1;) {
                        struct client *c = who[i], *live;
                        for (live = dm->clients; live && live != c; live = live->next)
                                ;
                        if (!live)
                                continue;
                        switch (kind[i]) {
                        case 'c':
                                if (pfd[i].revents)
                                        client_readable(dm, c);
                                break;
                        case 'h':
                                if (pfd[i].revents & (POLLHUP | POLLERR))
                                        drop_client(dm, c);
                                break;
                        case 'o':
                                if (c->ask && pfd[i].revents)
                                        poll_ask(c, false, true);
                                break;
                        case 'p':
                                if (c->ask)
                                        poll_ask(c, pfd[i].revents != 0, false);
                                break;
                        }
                }
                /* Timeouts, and asks without a pidfd whose pipe ended. */
                for (struct client *c = dm->clients; c; c = c->next)
                        if (c->ask)
                                poll_ask(c, false, false);
                if (pfd[0].revents & POLLIN)
                        accept_client(dm);
        }
}

static void usage(FILE *f)
{
        fprintf(f, "usage: qrexec-policy [--policy-dir DIR] [--domains FILE] [--ask-program PATH]\n"
                   "The qrexec policy daemon; listens on RUNTIME/qrexec-policy.sock.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy-dir", required_argument, NULL, 'd' },
                { "domains", required_argument, NULL, 'D' },
                { "ask-program", required_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct daemon dm = { .listen_fd = -1 };
        const char *dir_opt = NULL, *env_ask = getenv("BULKHEAD_POLICY_ASK");
        struct sigaction sa = { .sa_handler = on_signal };
        int c;

        bh_log_init(argv[0]);
        dm.ask_program = env_ask && *env_ask ? env_ask : BH_POLICY_ASK_PROGRAM;
        while ((c = getopt_long(argc, argv, "d:D:a:h", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        dir_opt = optarg;
                        break;
                case 'D':
                        dm.domains_file = optarg;
                        break;
                case 'a':
                        dm.ask_program = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind != argc) {
                usage(stderr);
                return 2;
        }
        dm.policy_dir = bh_policy_dir(dir_opt);
        signal(SIGPIPE, SIG_IGN);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        dm.listen_fd = listen_socket(bh_runtime_dir());
        if (dm.listen_fd < 0)
                return 1;
        reload_if_changed(&dm);
        loop(&dm);
        while (dm.clients)
                drop_client(&dm, dm.clients);
        close(dm.listen_fd);
        bh_policy_free(dm.policy);
        set_watch(&dm, NULL);
        bh_log_info("exiting");
        return 0;
}
