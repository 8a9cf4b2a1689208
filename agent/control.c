/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's qrexec control side, one process (docs/qrexec-protocol.md):
 *
 *  - serves the control channel (BH_QREXEC_PORT) to dom0's qrexec-daemon,
 *    and serves it again whenever the daemon goes away;
 *  - takes calls from qrexec-client-vm on a local socket: gives each caller
 *    a data port, and once the caller serves it, asks dom0 (TRIGGER) and
 *    passes on dom0's answer;
 *  - runs the services dom0 asks for (RUN_SERVICE): each in a process of its
 *    own that connects to the caller's data channel, and reports its status
 *    (SERVICE_DONE) when it ends.  Once dom0 has asked for one, a process
 *    is kept forked in advance, waiting for its RUN_SERVICE on a pipe, so a
 *    service does not wait for a fork.
 *
 * What dom0 sends is checked like anything else, so a confused daemon
 * cannot make the agent misbehave; but the domain's own processes are the
 * domain's business: a local caller can only ask, never decide.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "qrexec_proto.h"
#include "session.h"
#include "util.h"

/* Services dom0 may have running here at once: each is a process, so this
 * bounds what a flood of calls to this domain can fork. */
#define MAX_JOBS 256
/* A caller's data channel must be taken within this time, which covers a
 * target domain being started for the call. */
#define CONNECT_TIMEOUT_MS 120000

/* A caller whose request arrives before dom0's daemon has connected (the
 * domain has just started) waits for it this long. */
#define DOM0_WAIT_MS 10000

enum local_state { L_FREE, L_NEW, L_PORT_GIVEN, L_READY, L_TRIGGERED };

struct local {
        enum local_state st;
        int fd;
        int64_t deadline; /* L_READY: refused after this */
        uint32_t req_id, port;
        char target[BH_QREXEC_TARGET_MAX + 1];
        char service[BH_QREXEC_SERVICE_MAX + 1];
        char arg[BH_QREXEC_ARG_MAX + 1];
};

struct job {
        pid_t pid;
        uint32_t req_id;
};

struct control {
        const struct bh_vchan_addr *base;
        struct bh_vchan *v;
        bool hello_sent;
        struct bh_qrexec_peer peer;
        bool have_hdr;
        uint32_t type, len;
        uint8_t buf[BH_QREXEC_MSG_MAX];
        int listen_fd;
        struct local locals[BH_QREXEC_MAX_PENDING];
        struct job jobs[MAX_JOBS];
        uint32_t next_req, next_port;
        /* The service process forked in advance: it reads its
         * RUN_SERVICE from spare_fd; pid 0 when there is none. */
        pid_t spare_pid;
        int spare_fd;
        bool want_spare; /* dom0 asks this domain for services */
};

static void local_send3(struct local *l, const char *a, const char *b, const char *c)
{
        char msg[BH_QREXEC_LOCAL_MSG_MAX];
        size_t n = 0;

        n += (size_t)snprintf(msg, sizeof(msg), "%s", a) + 1;
        if (b && n < sizeof(msg))
                n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", b) + 1;
        if (b && c && n < sizeof(msg))
                n += (size_t)snprintf(msg + n, sizeof(msg) - n, "%s", c) + 1;
        if (n > sizeof(msg))
                n = sizeof(msg);
        (void)!send(l->fd, msg, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void local_send(struct local *l, const char *a, const char *b)
{
        local_send3(l, a, b, NULL);
}

static void local_end(struct local *l)
{
        if (l->fd >= 0)
                close(l->fd);
        *l = (struct local){ .st = L_FREE, .fd = -1 };
}

static void channel_down(struct control *c, const char *why)
{
        if (c->v)
                bh_log_info("control channel: %s; serving it again", why);
        bh_vchan_close(c->v);
        c->v = NULL;
        c->hello_sent = c->have_hdr = false;
        /* Calls waiting for dom0's answer will not get one. */
        for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                if (c->locals[i].st == L_TRIGGERED) {
                        local_send(&c->locals[i], "refused", "the connection to dom0 was lost");
                        local_end(&c->locals[i]);
                }
}

static int send_msg(struct control *c, const uint8_t *msg, size_t len)
{
        ssize_t n;

        if (!c->v || bh_vchan_is_open(c->v) != 1)
                return -ENOTCONN;
        /* Messages are small and dom0 drains its ring: a full one is a
         * moment's wait, bounded so a stuck dom0 cannot hang the agent. */
        for (int i = 0; i < 50 && (n = bh_vchan_send(c->v, msg, len)) == -EAGAIN; i++)
                bh_vchan_wait(c->v, 100);
        if (n < 0) {
                channel_down(c, strerror((int)-n));
                return (int)n;
        }
        return 0;
}

/* ---- local callers ---------------------------------------------------------- */

static bool port_taken(struct control *c, uint32_t port)
{
        for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                if (c->locals[i].st != L_FREE && c->locals[i].port == port)
                        return true;
        return false;
}

static uint32_t alloc_port(struct control *c)
{
        do {
                if (++c->next_port > BH_QREXEC_DATA_PORT_MAX || c->next_port < BH_QREXEC_DATA_PORT_MIN)
                        c->next_port = BH_QREXEC_DATA_PORT_MIN;
        } while (port_taken(c, c->next_port));
        return c->next_port;
}

static void accept_local(struct control *c)
{
        int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        if (fd < 0)
                return;
        for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                if (c->locals[i].st == L_FREE) {
                        c->locals[i] = (struct local){ .st = L_NEW, .fd = fd };
                        return;
                }
        /* Too many calls waiting: this one is refused, the others go on. */
        (void)!send(fd, "refused\0too many calls waiting", 31, MSG_NOSIGNAL | MSG_DONTWAIT);
        close(fd);
}

/* Sends the TRIGGER of a ready caller once dom0 is there. */
static void send_trigger(struct control *c, struct local *l)
{
        struct bh_qrexec_trigger t = { .port = l->port };
        uint8_t out[BH_QREXEC_MSG_MAX];
        int len;

        if (!c->v || bh_vchan_is_open(c->v) != 1 || !c->hello_sent) {
                if (bh_now_ms() >= l->deadline) {
                        local_send(l, "refused", "no connection to dom0");
                        local_end(l);
                }
                return;
        }
        l->req_id = ++c->next_req;
        t.req_id = l->req_id;
        memcpy(t.target, l->target, sizeof(t.target));
        memcpy(t.service, l->service, sizeof(t.service));
        memcpy(t.arg, l->arg, sizeof(t.arg));
        len = bh_qrexec_encode_trigger(out, &t);
        if (len < 0 || send_msg(c, out, (size_t)len) < 0) {
                local_send(l, "refused", "no connection to dom0");
                local_end(l);
                return;
        }
        l->st = L_TRIGGERED;
}

static void serve_local(struct control *c, struct local *l)
{
        char msg[BH_QREXEC_LOCAL_MSG_MAX + 1];
        const char *f[4] = { 0 };
        size_t nf = 0;
        ssize_t n = recv(l->fd, msg, BH_QREXEC_LOCAL_MSG_MAX, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                local_end(l); /* the caller went away */
                return;
        }
        msg[n] = '\0';
        for (ssize_t i = 0; i < n && nf < 4; i += (ssize_t)strlen(msg + i) + 1)
                f[nf++] = msg + i;
        if (l->st == L_NEW && nf >= 3 && strcmp(f[0], "call") == 0) {
                if (!bh_qrexec_target_ok(f[1]) ||
                    bh_qrexec_split_service(f[2], l->service, l->arg) < 0) {
                        local_send(l, "refused", "malformed target or service name");
                        local_end(l);
                        return;
                }
                snprintf(l->target, sizeof(l->target), "%s", f[1]);
                l->port = alloc_port(c);
                l->st = L_PORT_GIVEN;
                snprintf(msg, sizeof(msg), "%u", l->port);
                /* The caller serves its data channel as the agent talks
                 * to dom0: it need not find the transport out itself. */
                local_send3(l, "port", msg, bh_vchan_transport_to_string(c->base->transport));
                return;
        }
        if (l->st == L_PORT_GIVEN && nf >= 1 && strcmp(f[0], "ready") == 0) {
                l->st = L_READY;
                l->deadline = bh_now_ms() + DOM0_WAIT_MS;
                send_trigger(c, l);
                return;
        }
        local_send(l, "refused", "request out of order");
        local_end(l);
}

static struct local *local_by_req(struct control *c, uint32_t req_id)
{
        for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                if (c->locals[i].st == L_TRIGGERED && c->locals[i].req_id == req_id)
                        return &c->locals[i];
        return NULL;
}

/* ---- services dom0 asks for ------------------------------------------------ */

/* The child side of a service process: connects to the caller and runs
 * the session; never returns. */
static void __attribute__((noreturn)) service_child(struct control *c, const struct bh_qrexec_run *run)
{
        struct bh_vchan_addr addr = *c->base;
        struct session_preset preset = { run->service, run->arg, run->source };
        struct bh_vchan *v = NULL;
        char dir[256];
        int r;

        /* The control channel stays with the parent: on Xen its rings are
         * not even mapped here. */
        prctl(PR_SET_PDEATHSIG, 0);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        addr.port = (int)run->port;
        addr.peer_domid = (int)run->peer_domid;
        if (run->link[0] && addr.socket_dir) {
                snprintf(dir, sizeof(dir), "%s/%s", addr.socket_dir, run->link);
                addr.socket_dir = dir;
        }
        r = bh_vchan_client_init(&v, &addr, CONNECT_TIMEOUT_MS);
        if (r < 0) {
                bh_log_errno(r, "service %s from %s: connecting to the caller", run->service,
                             run->source);
                _exit(126);
        }
        r = session_run(v, &preset);
        _exit(r < 0 ? 126 : r);
}

/*
 * Forks the next spare service process once dom0 runs services here, and
 * only while none runs, so the fork is off a call's path.  The spare keeps
 * nothing of ours but its pipe (fd 3) and stdio: holding the control
 * channel or a caller's socket would hide their closing from the other end.
 */
static void make_spare(struct control *c)
{
        int p[2];
        pid_t pid;

        if (!c->want_spare || c->spare_pid > 0)
                return;
        for (size_t i = 0; i < MAX_JOBS; i++)
                if (c->jobs[i].pid > 0)
                        return;
        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        pid = fork();
        if (pid == 0) {
                struct bh_qrexec_run run;
                ssize_t n;

                if (dup2(p[0], 3) < 0)
                        _exit(1);
                close_range(4, ~0U, 0);
                /* One write of a small struct: whole, or the agent is gone. */
                while ((n = read(3, &run, sizeof(run))) < 0 && errno == EINTR)
                        ;
                if (n != (ssize_t)sizeof(run))
                        _exit(0);
                close(3);
                service_child(c, &run);
        }
        close(p[0]);
        if (pid < 0) {
                close(p[1]);
                return;
        }
        c->spare_pid = pid;
        c->spare_fd = p[1];
}

static void drop_spare(struct control *c)
{
        if (c->spare_pid <= 0)
                return;
        close(c->spare_fd); /* end of file: it exits */
        c->spare_pid = 0;
        c->spare_fd = -1;
}

static void run_service(struct control *c, const struct bh_qrexec_run *run)
{
        struct job *j = NULL;
        pid_t pid;

        for (size_t i = 0; i < MAX_JOBS && !j; i++)
                if (c->jobs[i].pid == 0)
                        j = &c->jobs[i];
        if (!j) {
                uint8_t out[BH_QREXEC_MSG_MAX];
                struct bh_qrexec_done d = { .req_id = run->req_id, .status = 126 };
                int len = bh_qrexec_encode_done(out, &d);

                bh_log_error("service %s from %s: %d services running already; refused",
                             run->service, run->source, MAX_JOBS);
                if (len > 0)
                        send_msg(c, out, (size_t)len);
                return;
        }
        c->want_spare = true;
        pid = c->spare_pid;
        if (pid > 0 && write(c->spare_fd, run, sizeof(*run)) == (ssize_t)sizeof(*run)) {
                close(c->spare_fd);
                c->spare_pid = 0;
                c->spare_fd = -1;
        } else {
                drop_spare(c);
                pid = fork();
                if (pid < 0) {
                        bh_log_errno(-errno, "service %s: fork", run->service);
                        return;
                }
                if (pid == 0)
                        service_child(c, run);
        }
        *j = (struct job){ .pid = pid, .req_id = run->req_id };
}

static void reap_jobs(struct control *c)
{
        pid_t pid;
        int st;

        while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
                if (pid == c->spare_pid)
                        drop_spare(c); /* died waiting: the next one is made */
                for (size_t i = 0; i < MAX_JOBS; i++)
                        if (c->jobs[i].pid == pid) {
                                uint8_t out[BH_QREXEC_MSG_MAX];
                                struct bh_qrexec_done d = {
                                        .req_id = c->jobs[i].req_id,
                                        .status = WIFEXITED(st) ? (uint32_t)WEXITSTATUS(st)
                                                                : 128u + (uint32_t)WTERMSIG(st),
                                };
                                int len = bh_qrexec_encode_done(out, &d);

                                c->jobs[i].pid = 0;
                                if (len > 0)
                                        send_msg(c, out, (size_t)len);
                        }
        }
}

/* ---- the control channel ---------------------------------------------------- */

static int handle(struct control *c)
{
        const uint8_t *p = c->buf;
        const char *why = NULL;
        struct local *l;
        uint32_t version;

        switch (c->type) {
        case BH_QREXEC_MSG_HELLO:
                return bh_qrexec_hello_check(p, c->len, &version, &why) < 0 ? -EPROTO : 0;
        case BH_QREXEC_MSG_SERVICE_CONNECT: {
                struct bh_qrexec_connect m;

                if (bh_qrexec_connect_check(p, c->len, &m, &why) < 0)
                        break;
                if ((l = local_by_req(c, m.req_id))) {
                        char domid[16];

                        snprintf(domid, sizeof(domid), "%u", m.target_domid);
                        local_send3(l, "connect", m.target, domid);
                        local_end(l);
                }
                return 0;
        }
        case BH_QREXEC_MSG_SERVICE_REFUSED: {
                struct bh_qrexec_refused m;

                if (bh_qrexec_refused_check(p, c->len, &m, &why) < 0)
                        break;
                if ((l = local_by_req(c, m.req_id))) {
                        local_send(l, "refused", "denied by dom0's policy");
                        local_end(l);
                }
                return 0;
        }
        case BH_QREXEC_MSG_RUN_SERVICE: {
                struct bh_qrexec_run m;

                if (bh_qrexec_run_check(p, c->len, &m, &why) < 0)
                        break;
                run_service(c, &m);
                return 0;
        }
        }
        bh_log_error("control channel: dom0 sent a malformed %s: %s", bh_qrexec_msg_name(c->type),
                     why ? why : "?");
        return -EPROTO;
}

static void pump_channel(struct control *c)
{
        for (;;) {
                const char *why = NULL;

                if (!c->v)
                        return;
                if (bh_vchan_is_open(c->v) == 0) {
                        channel_down(c, "dom0 went away");
                        return;
                }
                if (bh_vchan_is_open(c->v) != 1)
                        return;
                if (!c->hello_sent) {
                        uint8_t hello[BH_QREXEC_HDR_SIZE + BH_QREXEC_HELLO_SIZE];

                        c->hello_sent = true;
                        bh_qrexec_peer_init(&c->peer, BH_QREXEC_FROM_DAEMON);
                        if (send_msg(c, hello, bh_qrexec_encode_hello(hello)) < 0)
                                return;
                }
                if (!c->have_hdr) {
                        uint8_t hdr[BH_QREXEC_HDR_SIZE];

                        /* A recv that finds too little arms the wake-up. */
                        if (bh_vchan_recv(c->v, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
                                return;
                        if (bh_qrexec_check_header(&c->peer, hdr, &c->type, &c->len, &why) < 0) {
                                bh_log_error("control channel: dom0 broke the protocol: %s", why);
                                channel_down(c, "protocol error");
                                return;
                        }
                        c->have_hdr = true;
                }
                if (c->len > 0 && bh_vchan_recv(c->v, c->buf, c->len) != (ssize_t)c->len)
                        return;
                c->have_hdr = false;
                if (handle(c) < 0) {
                        channel_down(c, "protocol error");
                        return;
                }
        }
}

static int listen_local(void)
{
        const char *path = getenv("BULKHEAD_QREXEC_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path || !*path)
                path = BH_QREXEC_AGENT_SOCKET;
        if (strlen(path) >= sizeof(sa.sun_path))
                return bh_log_errno(-ENAMETOOLONG, "qrexec socket %s", path);
        strcpy(sa.sun_path, path);
        {
                /* /run/bulkhead exists in a container domain; a Xen domain
                 * may have only /run. */
                char dir[sizeof(sa.sun_path)], *slash;

                strcpy(dir, path);
                slash = strrchr(dir, '/');
                if (slash && slash != dir) {
                        *slash = '\0';
                        mkdir(dir, 0755);
                }
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return bh_log_errno(-errno, "qrexec socket");
        unlink(path);
        /* Any process of the domain may ask for a call, as in Qubes; what it
         * gets is dom0's policy's decision. */
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 ||
            listen(fd, 16) < 0) {
                int r = -errno;
                close(fd);
                return bh_log_errno(r, "qrexec socket %s", path);
        }
        return fd;
}

int control_main(const struct bh_vchan_addr *base, volatile sig_atomic_t *term)
{
        _cleanup_free_ struct control *c = calloc(1, sizeof(*c));
        sigset_t none;

        if (!c)
                return -ENOMEM;
        c->base = base;
        c->listen_fd = listen_local();
        if (c->listen_fd < 0)
                return c->listen_fd;
        for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                c->locals[i] = (struct local){ .st = L_FREE, .fd = -1 };
        c->spare_fd = -1;
        sigemptyset(&none);

        while (!*term) {
                struct pollfd p[2 + BH_QREXEC_MAX_PENDING];
                struct local *who[2 + BH_QREXEC_MAX_PENDING];
                nfds_t n = 0;
                int timeout = -1;

                if (!c->v) {
                        struct bh_vchan_addr a = *base;

                        a.port = BH_QREXEC_PORT;
                        if (bh_vchan_server_init(&c->v, &a, BH_QREXEC_RING_SIZE, BH_QREXEC_RING_SIZE) < 0) {
                                c->v = NULL;
                                timeout = 1000;
                        } else {
                                bh_qrexec_peer_init(&c->peer, BH_QREXEC_FROM_DAEMON);
                        }
                }
                pump_channel(c);
                reap_jobs(c);
                make_spare(c);
                for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                        if (c->locals[i].st == L_READY) {
                                send_trigger(c, &c->locals[i]);
                                if (c->locals[i].st == L_READY)
                                        timeout = 100;
                        }
                p[n] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
                who[n++] = NULL;
                if (c->v) {
                        p[n] = (struct pollfd){ .fd = bh_vchan_fd(c->v), .events = POLLIN };
                        who[n++] = NULL;
                }
                for (size_t i = 0; i < BH_QREXEC_MAX_PENDING; i++)
                        if (c->locals[i].st != L_FREE) {
                                p[n] = (struct pollfd){ .fd = c->locals[i].fd, .events = POLLIN };
                                who[n++] = &c->locals[i];
                        }
                struct timespec ts = { .tv_sec = timeout / 1000, .tv_nsec = (timeout % 1000) * 1000000L },
                                *tsp = timeout < 0 ? NULL : &ts;

                if (ppoll(p, n, tsp, &none) < 0 && errno != EINTR)
                        return bh_log_errno(-errno, "control: poll");
                if (p[0].revents)
                        accept_local(c);
                if (c->v && p[1].revents) {
                        int r = bh_vchan_wait(c->v, 0);

                        if (r == -EPIPE || r == -EPROTO)
                                channel_down(c, r == -EPIPE ? "dom0 went away" : "channel broken");
                }
                for (nfds_t i = 1; i < n; i++)
                        if (who[i] && p[i].revents && who[i]->st != L_FREE)
                                serve_local(c, who[i]);
        }
        drop_spare(c);
        bh_vchan_close(c->v);
        close(c->listen_fd);
        return 0;
}
