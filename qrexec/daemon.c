/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-daemon: dom0's side of one domain's qrexec control channel
 * (docs/qrexec-protocol.md).  One process per domain, started and stopped
 * by bulkheadd with the domain, so whatever a hostile domain does to it
 * stays in the process that serves that domain.
 *
 *   qrexec-daemon [--transport socket|xen] [--vchan-dir DIR] [--domid N] NAME
 *
 * It connects to the agent's control port and:
 *  - for each TRIGGER (the domain calls a service) starts a call process
 *    (daemon_call.c) that asks the policy and brokers the call, and sends
 *    the agent its answer (SERVICE_CONNECT or SERVICE_REFUSED).  Once the
 *    domain has made a call, one call process is kept forked in advance,
 *    waiting for its TRIGGER on a pipe, so a call does not wait for a fork;
 *  - serves its dom0 socket (RUNTIME/qrexec/NAME.sock) where other domains'
 *    daemons ask this domain to run a service for their caller: it sends
 *    RUN_SERVICE and answers with the status of SERVICE_DONE.
 *
 * Everything the agent sends is checked by lib/qrexec_proto.c; a violation
 * (malformed, out of order, replayed or unknown request ids, a ring the agent
 * never drains) ends the channel with one log line and a new connection is
 * made after a pause.  The domain's name is the one bulkheadd gave; the
 * agent never says who it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
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

#include "daemon.h"
#include "util.h"
#include "vchan.h"

/* Calls of this domain in progress (waiting for policy, or running): each
 * is a process in dom0. */
#define MAX_CALLS 256
/* Services other domains have asked this domain to run at once. */
#define MAX_RUNS 256
/* Messages to the agent not yet taken by its ring: a domain that never
 * reads cannot grow this, it is disconnected. */
#define TX_MAX (64u * 1024)
/* A service request waits this long for the agent to be reachable (a
 * domain just started for the call). */
#define RUN_QUEUE_MS 60000
#define RECONNECT_MS 200
#define RECONNECT_AFTER_ERROR_MS 1000

enum run_state { RUN_FREE, RUN_WAIT_REQUEST, RUN_QUEUED, RUN_SENT };

struct run {
        enum run_state st;
        int fd; /* the asking daemon; -1 once it went */
        int64_t deadline;
        struct bh_qrexec_run msg;
};

struct call {
        pid_t pid;      /* 0: free */
        int fd;         /* answer pipe; -1 once answered */
        uint32_t agent_req;
        uint64_t conn;  /* the connection that asked: answers go to it only */
};

static struct {
        struct qd_config cfg;
        struct bh_vchan_addr addr;
        struct bh_vchan *v;
        bool connected;
        struct bh_qrexec_peer peer;
        bool have_hdr;
        uint32_t type, len;
        uint8_t buf[BH_QREXEC_MSG_MAX];
        uint8_t tx[TX_MAX];
        size_t tx_len;
        int64_t retry_at;
        int listen_fd;
        struct run runs[MAX_RUNS];
        struct call calls[MAX_CALLS];
        uint32_t next_req;
        uint64_t conn;       /* counts connections to the agent */
        /* The call process forked in advance: it reads its TRIGGER from
         * spare_fd; pid 0 when there is none. */
        pid_t spare_pid;
        int spare_fd, spare_answer;
        bool want_spare;     /* the domain makes calls */
        int64_t refused_log_at;
        unsigned refused_unlogged;
} d;

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
        (void)sig;
        got_term = 1;
}

static void on_chld(int sig)
{
        (void)sig;
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reply(struct run *r, const char *status_or_null, int err, const char *why)
{
        struct bh_api_buf b;

        if (r->fd < 0)
                return;
        bh_api_buf_init(&b);
        if (status_or_null) {
                bh_api_add(&b, "ok");
                bh_api_addf(&b, "status=%s", status_or_null);
        } else {
                bh_api_add(&b, "error");
                bh_api_add(&b, bh_errno_name(err));
                bh_api_add(&b, why);
        }
        if (!b.err)
                (void)!send(r->fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        bh_api_buf_free(&b);
        close(r->fd);
        r->fd = -1;
}

static void run_free(struct run *r)
{
        if (r->fd >= 0)
                close(r->fd);
        *r = (struct run){ .st = RUN_FREE, .fd = -1 };
}

/* ---- the control channel ---------------------------------------------------- */

static void channel_down(const char *why, int pause_ms)
{
        if (d.v)
                bh_log_info("domain %s: control channel closed: %s", d.cfg.name, why);
        bh_vchan_close(d.v);
        d.v = NULL;
        d.connected = d.have_hdr = false;
        d.tx_len = 0;
        d.retry_at = now_ms() + pause_ms;
        /* Services sent to the agent will not report back. */
        for (size_t i = 0; i < MAX_RUNS; i++)
                if (d.runs[i].st == RUN_SENT) {
                        reply(&d.runs[i], NULL, -ECONNRESET, "the domain's agent went away");
                        run_free(&d.runs[i]);
                }
}

static void violation(const char *why)
{
        bh_log_error("domain %s: agent broke the control protocol: %s (%s, length %u); disconnecting",
                     d.cfg.name, why, bh_qrexec_msg_name(d.type), d.len);
        channel_down("protocol violation", RECONNECT_AFTER_ERROR_MS);
}

static void flush(void);

static int queue(const uint8_t *msg, size_t len)
{
        if (!d.connected)
                return -ENOTCONN;
        if (len > sizeof(d.tx) - d.tx_len) {
                bh_log_error("domain %s: agent does not read its control channel; disconnecting",
                             d.cfg.name);
                channel_down("not reading", RECONNECT_AFTER_ERROR_MS);
                return -ENOBUFS;
        }
        memcpy(d.tx + d.tx_len, msg, len);
        d.tx_len += len;
        flush();
        return 0;
}

static void flush(void)
{
        while (d.connected && d.tx_len > 0) {
                ssize_t n = bh_vchan_write(d.v, d.tx, d.tx_len);

                if (n == -EAGAIN || n == 0)
                        return;
                if (n < 0) {
                        channel_down(strerror((int)-n), RECONNECT_MS);
                        return;
                }
                memmove(d.tx, d.tx + n, d.tx_len - (size_t)n);
                d.tx_len -= (size_t)n;
        }
}

static void send_queued_runs(void)
{
        for (size_t i = 0; i < MAX_RUNS && d.connected; i++)
                if (d.runs[i].st == RUN_QUEUED) {
                        uint8_t out[BH_QREXEC_MSG_MAX];
                        int len = bh_qrexec_encode_run(out, &d.runs[i].msg);

                        if (len < 0 || queue(out, (size_t)len) < 0)
                                return;
                        d.runs[i].st = RUN_SENT;
                }
}

static bool call_pending(uint32_t req_id)
{
        for (size_t i = 0; i < MAX_CALLS; i++)
                if (d.calls[i].pid > 0 && d.calls[i].fd >= 0 && d.calls[i].conn == d.conn &&
                    d.calls[i].agent_req == req_id)
                        return true;
        return false;
}

static void refuse(uint32_t req_id)
{
        uint8_t out[BH_QREXEC_MSG_MAX];
        struct bh_qrexec_refused m = { .req_id = req_id };
        int len = bh_qrexec_encode_refused(out, &m);

        if (len > 0)
                queue(out, (size_t)len);
}

/*
 * The child side of a call process: it keeps only its answer pipe (as fd 3),
 * the pipe its TRIGGER comes on (fd 4, -1 when it has it already) and
 * stdio: the channel, the sockets and other calls' pipes stay the daemon's,
 * so closing them there is seen at once.
 */
static void __attribute__((noreturn))
call_child(int answer_fd, int trigger_fd, const struct bh_qrexec_trigger *t)
{
        struct bh_qrexec_trigger got;
        sigset_t none;

        if (dup2(answer_fd, 3) < 0 || (trigger_fd >= 0 && dup2(trigger_fd, 4) < 0))
                _exit(1);
        close_range(trigger_fd >= 0 ? 5 : 4, ~0U, 0);
        signal(SIGTERM, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (!t) {
                /* One write of a small struct: whole, or the daemon is gone. */
                ssize_t n;

                while ((n = read(4, &got, sizeof(got))) < 0 && errno == EINTR)
                        ;
                if (n != (ssize_t)sizeof(got))
                        _exit(0);
                close(4);
                t = &got;
        }
        _exit(qd_handle_call(&d.cfg, t, 3));
}

/* Forks the next spare call process, if the domain makes calls. */
static void make_spare(void)
{
        int p[2], tp[2];
        pid_t pid;

        if (!d.want_spare || d.spare_pid > 0 || got_term)
                return;
        /* Not while a call waits for its answer: that fork is off the
         * path once the answer is out. */
        for (size_t i = 0; i < MAX_CALLS; i++)
                if (d.calls[i].pid > 0 && d.calls[i].fd >= 0)
                        return;
        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        if (pipe2(tp, O_CLOEXEC) < 0) {
                close(p[0]);
                close(p[1]);
                return;
        }
        pid = fork();
        if (pid == 0)
                call_child(p[1], tp[0], NULL);
        close(p[1]);
        close(tp[0]);
        if (pid < 0) {
                close(p[0]);
                close(tp[1]);
                return;
        }
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        d.spare_pid = pid;
        d.spare_fd = tp[1];
        d.spare_answer = p[0];
}

static void drop_spare(void)
{
        if (d.spare_pid <= 0)
                return;
        /* End of file on its pipe: it exits without doing anything. */
        close(d.spare_fd);
        close(d.spare_answer);
        d.spare_pid = 0;
        d.spare_fd = d.spare_answer = -1;
}

/* Hands t to the spare call process.  Its pid, or 0. */
static pid_t use_spare(const struct bh_qrexec_trigger *t, int *answer_fd)
{
        pid_t pid = d.spare_pid;

        if (pid <= 0)
                return 0;
        if (write(d.spare_fd, t, sizeof(*t)) != (ssize_t)sizeof(*t)) {
                drop_spare();
                return 0;
        }
        *answer_fd = d.spare_answer;
        close(d.spare_fd);
        d.spare_pid = 0;
        d.spare_fd = d.spare_answer = -1;
        return pid;
}

static void start_call(const struct bh_qrexec_trigger *t)
{
        struct call *c = NULL;
        size_t waiting = 0;
        int p[2], answer_fd = -1;
        pid_t pid;

        for (size_t i = 0; i < MAX_CALLS; i++) {
                if (d.calls[i].pid > 0 && d.calls[i].fd >= 0)
                        waiting++;
                if (!c && d.calls[i].pid == 0)
                        c = &d.calls[i];
        }
        if (!c || waiting >= BH_QREXEC_MAX_PENDING) {
                /* One line a second at most: a flood must not fill dom0's log. */
                if (now_ms() >= d.refused_log_at) {
                        bh_log_error("domain %s: call %s refused: %s (and %u more since the last such line)",
                                     d.cfg.name, t->service,
                                     c ? "too many calls waiting for a decision" : "too many calls in progress",
                                     d.refused_unlogged);
                        d.refused_unlogged = 0;
                        d.refused_log_at = now_ms() + 1000;
                } else {
                        d.refused_unlogged++;
                }
                refuse(t->req_id);
                return;
        }
        d.want_spare = true;
        pid = use_spare(t, &answer_fd);
        if (pid > 0) {
                *c = (struct call){ .pid = pid, .fd = answer_fd, .agent_req = t->req_id, .conn = d.conn };
                return;
        }
        if (pipe2(p, O_CLOEXEC) < 0) {
                refuse(t->req_id);
                return;
        }
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                refuse(t->req_id);
                return;
        }
        if (pid == 0)
                call_child(p[1], -1, t);
        close(p[1]);
        fcntl(p[0], F_SETFL, O_NONBLOCK);
        *c = (struct call){ .pid = pid, .fd = p[0], .agent_req = t->req_id, .conn = d.conn };
}

static void handle(void)
{
        const char *why = NULL;
        uint32_t version;

        switch (d.type) {
        case BH_QREXEC_MSG_HELLO:
                if (bh_qrexec_hello_check(d.buf, d.len, &version, &why) < 0)
                        return violation(why);
                return;
        case BH_QREXEC_MSG_TRIGGER: {
                struct bh_qrexec_trigger t;

                if (bh_qrexec_trigger_check(d.buf, d.len, &t, &why) < 0)
                        return violation(why);
                if (call_pending(t.req_id))
                        return violation("TRIGGER reuses the id of a call still waiting");
                start_call(&t);
                return;
        }
        case BH_QREXEC_MSG_SERVICE_DONE: {
                struct bh_qrexec_done m;
                char st[8];

                if (bh_qrexec_done_check(d.buf, d.len, &m, &why) < 0)
                        return violation(why);
                for (size_t i = 0; i < MAX_RUNS; i++)
                        if (d.runs[i].st == RUN_SENT && d.runs[i].msg.req_id == m.req_id) {
                                snprintf(st, sizeof(st), "%u", m.status);
                                reply(&d.runs[i], st, 0, NULL);
                                run_free(&d.runs[i]);
                                return;
                        }
                return violation("SERVICE_DONE for no service running");
        }
        }
        violation("unexpected message");
}

static void pump(void)
{
        while (d.connected) {
                const char *why = NULL;

                if (!d.have_hdr) {
                        uint8_t hdr[BH_QREXEC_HDR_SIZE];

                        /* A recv that finds too little arms the wake-up. */
                        if (bh_vchan_recv(d.v, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
                                break;
                        if (bh_qrexec_check_header(&d.peer, hdr, &d.type, &d.len, &why) < 0) {
                                d.type = hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24;
                                d.len = hdr[4] | hdr[5] << 8 | hdr[6] << 16 | (uint32_t)hdr[7] << 24;
                                return violation(why);
                        }
                        d.have_hdr = true;
                }
                if (d.len > 0 && bh_vchan_recv(d.v, d.buf, d.len) != (ssize_t)d.len)
                        break;
                d.have_hdr = false;
                handle();
        }
        if (d.connected && bh_vchan_is_open(d.v) == 0)
                channel_down("the agent went away", RECONNECT_MS);
}

static void connect_agent(void)
{
        int r;

        if (d.v || now_ms() < d.retry_at)
                return;
        r = bh_vchan_client_init_async(&d.v, &d.addr);
        if (r < 0) {
                d.v = NULL;
                d.retry_at = now_ms() + RECONNECT_AFTER_ERROR_MS;
        }
}

static void connected(void)
{
        uint8_t hello[BH_QREXEC_HDR_SIZE + BH_QREXEC_HELLO_SIZE];

        d.connected = true;
        d.conn++;
        bh_qrexec_peer_init(&d.peer, BH_QREXEC_FROM_AGENT);
        queue(hello, bh_qrexec_encode_hello(hello));
        send_queued_runs();
}

/* ---- other daemons ---------------------------------------------------------- */

static void accept_run(void)
{
        int fd = accept4(d.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (fd < 0)
                return;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
            (cred.uid != 0 && cred.uid != geteuid())) {
                close(fd);
                return;
        }
        for (size_t i = 0; i < MAX_RUNS; i++)
                if (d.runs[i].st == RUN_FREE) {
                        d.runs[i] = (struct run){ .st = RUN_WAIT_REQUEST, .fd = fd,
                                                  .deadline = now_ms() + RUN_QUEUE_MS };
                        return;
                }
        struct run tmp = { .fd = fd };
        reply(&tmp, NULL, -EBUSY, "too many services running in this domain");
}

static void read_run(struct run *r)
{
        static char buf[BH_API_MSG_MAX];
        struct bh_api_msg m;
        ssize_t n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
        struct bh_qrexec_run *q = &r->msg;
        char *end;
        unsigned long port, domid;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (r->st != RUN_WAIT_REQUEST) {
                /* The asker went away: the service runs on; nobody hears
                 * its status. */
                close(r->fd);
                r->fd = -1;
                return;
        }
        if (n <= 0 || bh_api_parse(buf, (size_t)n, &m) < 0) {
                run_free(r);
                return;
        }
        if (m.n != 8 || strcmp(m.f[0], BH_QREXEC_DAEMON_API) != 0 || strcmp(m.f[1], "run") != 0 ||
            !bh_qrexec_name_ok(m.f[2], BH_QREXEC_DOMAIN_MAX) ||
            !bh_qrexec_name_ok(m.f[3], BH_QREXEC_SERVICE_MAX) || !bh_qrexec_arg_ok(m.f[4]) ||
            (m.f[5][0] && !bh_qrexec_name_ok(m.f[5], BH_QREXEC_LINK_MAX))) {
                bh_api_msg_free(&m);
                reply(r, NULL, -EINVAL, "malformed run request");
                run_free(r);
                return;
        }
        port = strtoul(m.f[6], &end, 10);
        domid = *end ? 0 : strtoul(m.f[7], &end, 10);
        if (*end || port < BH_QREXEC_DATA_PORT_MIN || port > BH_QREXEC_DATA_PORT_MAX || domid > 0x7fef) {
                bh_api_msg_free(&m);
                reply(r, NULL, -EINVAL, "malformed run request");
                run_free(r);
                return;
        }
        *q = (struct bh_qrexec_run){ .req_id = ++d.next_req, .peer_domid = (uint32_t)domid,
                                     .port = (uint32_t)port };
        snprintf(q->source, sizeof(q->source), "%s", m.f[2]);
        snprintf(q->service, sizeof(q->service), "%s", m.f[3]);
        snprintf(q->arg, sizeof(q->arg), "%s", m.f[4]);
        snprintf(q->link, sizeof(q->link), "%s", m.f[5]);
        bh_api_msg_free(&m);
        r->st = RUN_QUEUED;
        r->deadline = now_ms() + RUN_QUEUE_MS;
        send_queued_runs();
}

static int listen_dom0(void)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char dir[256];
        int fd;

        snprintf(dir, sizeof(dir), "%s/qrexec", d.cfg.runtime_dir);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return bh_log_errno(-errno, "%s", dir);
        if (qd_daemon_socket(d.cfg.runtime_dir, d.cfg.name, sa.sun_path, sizeof(sa.sun_path)) < 0)
                return bh_log_errno(-ENAMETOOLONG, "socket path");
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        unlink(sa.sun_path);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
                int r = -errno;
                close(fd);
                return bh_log_errno(r, "%s", sa.sun_path);
        }
        return fd;
}

/* ---- main ------------------------------------------------------------------- */

static void reap(void)
{
        pid_t pid;

        while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
                if (pid == d.spare_pid)
                        drop_spare(); /* died waiting: the next one is made */
                for (size_t i = 0; i < MAX_CALLS; i++)
                        if (d.calls[i].pid == pid) {
                                if (d.calls[i].fd >= 0) {
                                        /* Ended before answering. */
                                        if (d.calls[i].conn == d.conn)
                                                refuse(d.calls[i].agent_req);
                                        close(d.calls[i].fd);
                                }
                                d.calls[i] = (struct call){ .fd = -1 };
                        }
        }
}

static void read_answer(struct call *c)
{
        /* 'C', a name, ':' and its domain id, room for the NUL */
        char buf[1 + BH_QREXEC_DOMAIN_MAX + 1 + 10 + 1];
        ssize_t n = read(c->fd, buf, sizeof(buf) - 1);
        uint8_t out[BH_QREXEC_MSG_MAX];
        int len;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (c->conn != d.conn) {
                /* Asked on a connection that is gone: the agent of now
                 * knows nothing of it. */
        } else if (n > 1 && buf[0] == 'C') {
                struct bh_qrexec_connect m = { .req_id = c->agent_req };
                char *colon;

                buf[n] = '\0';
                /* The call process is ours, but its answer is parsed as if
                 * it were not: a malformed one is a refusal. */
                colon = strchr(buf + 1, ':');
                if (colon) {
                        char *end;
                        unsigned long id = strtoul(colon + 1, &end, 10);

                        *colon = '\0';
                        m.target_domid = *end || id > BH_QREXEC_DOMID_MAX ? UINT32_MAX : (uint32_t)id;
                }
                if (strlen(buf + 1) < sizeof(m.target))
                        memcpy(m.target, buf + 1, strlen(buf + 1) + 1);
                len = bh_qrexec_encode_connect(out, &m);
                if (len > 0)
                        queue(out, (size_t)len);
                else
                        refuse(c->agent_req);
        } else {
                refuse(c->agent_req);
        }
        close(c->fd);
        c->fd = -1;
}

static bool domain_gone(void)
{
        struct stat st;

        return d.addr.transport == BH_VCHAN_SOCKET && d.cfg.vchan_dir && stat(d.cfg.vchan_dir, &st) < 0 &&
               errno == ENOENT;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "transport", required_argument, NULL, 't' },
                { "vchan-dir", required_argument, NULL, 'v' },
                { "domid", required_argument, NULL, 'd' },
                { "audit-log", required_argument, NULL, 'a' },
                { 0 },
        };
        struct sigaction sa = { .sa_handler = on_term };
        sigset_t block, none;
        char audit[512];
        int o;

        bh_log_init("qrexec-daemon");
        d.cfg.transport = "socket";
        while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (o) {
                case 't':
                        d.cfg.transport = optarg;
                        break;
                case 'v':
                        d.cfg.vchan_dir = optarg;
                        break;
                case 'd':
                        d.cfg.domid = atoi(optarg);
                        break;
                case 'a':
                        d.cfg.audit_log = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (optind + 1 != argc || !bh_qrexec_name_ok(argv[optind], BH_QREXEC_DOMAIN_MAX)) {
                fprintf(stderr, "usage: qrexec-daemon [--transport socket|xen] [--vchan-dir DIR] "
                                "[--domid N] [--audit-log FILE] NAME\n");
                return 2;
        }
        d.cfg.name = argv[optind];
        d.cfg.runtime_dir = getenv("BULKHEAD_RUNTIME_DIR");
        if (!d.cfg.runtime_dir || !*d.cfg.runtime_dir)
                d.cfg.runtime_dir = "/run/bulkhead";
        if (!d.cfg.audit_log) {
                const char *state = getenv("BULKHEAD_STATE_DIR");

                snprintf(audit, sizeof(audit), "%s/qrexec-audit.log",
                         state && *state ? state : "/var/lib/bulkhead");
                d.cfg.audit_log = audit;
        }
        if (bh_vchan_transport_from_string(d.cfg.transport, &d.addr.transport) < 0 ||
            (d.addr.transport == BH_VCHAN_SOCKET && !d.cfg.vchan_dir)) {
                fprintf(stderr, "qrexec-daemon: the socket transport needs --vchan-dir\n");
                return 2;
        }
        d.addr.socket_dir = d.cfg.vchan_dir;
        d.addr.peer_domid = d.cfg.domid;
        d.addr.port = BH_QREXEC_PORT;
        for (size_t i = 0; i < MAX_RUNS; i++)
                d.runs[i] = (struct run){ .fd = -1 };
        for (size_t i = 0; i < MAX_CALLS; i++)
                d.calls[i] = (struct call){ .fd = -1 };
        d.spare_fd = d.spare_answer = -1;

        /* It serves one domain for bulkheadd; without bulkheadd it goes. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        signal(SIGPIPE, SIG_IGN);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sa.sa_handler = on_chld;
        sa.sa_flags = SA_NOCLDSTOP;
        sigaction(SIGCHLD, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGCHLD);
        sigprocmask(SIG_BLOCK, &block, NULL);
        sigemptyset(&none);

        d.listen_fd = listen_dom0();
        if (d.listen_fd < 0)
                return 1;

        while (!got_term) {
                struct pollfd p[2 + MAX_RUNS + MAX_CALLS];
                void *who[2 + MAX_RUNS + MAX_CALLS];
                bool is_run[2 + MAX_RUNS + MAX_CALLS];
                nfds_t n = 0;
                int64_t due = -1, t = now_ms();
                struct timespec ts, *tsp = NULL;

                if (domain_gone()) {
                        bh_log_info("domain %s: gone; qrexec-daemon exits", d.cfg.name);
                        break;
                }
                connect_agent();
                if (d.v && !d.connected) {
                        int r = bh_vchan_connect_finish(d.v);

                        if (r == 0)
                                connected();
                        else if (r != -EAGAIN) {
                                bh_vchan_close(d.v);
                                d.v = NULL;
                                d.retry_at = now_ms() + RECONNECT_MS;
                        }
                }
                pump();
                flush();
                reap();
                make_spare();
                for (size_t i = 0; i < MAX_RUNS; i++)
                        if ((d.runs[i].st == RUN_QUEUED || d.runs[i].st == RUN_WAIT_REQUEST) &&
                            t >= d.runs[i].deadline) {
                                reply(&d.runs[i], NULL, -ETIMEDOUT, "the domain's agent is not reachable");
                                run_free(&d.runs[i]);
                        }

                p[n] = (struct pollfd){ .fd = d.listen_fd, .events = POLLIN };
                who[n] = NULL;
                is_run[n++] = false;
                if (d.v) {
                        p[n] = (struct pollfd){ .fd = bh_vchan_fd(d.v), .events = POLLIN };
                        who[n] = NULL;
                        is_run[n++] = false;
                } else {
                        due = d.retry_at;
                }
                for (size_t i = 0; i < MAX_RUNS; i++) {
                        if (d.runs[i].st == RUN_FREE)
                                continue;
                        if (d.runs[i].st != RUN_SENT && (due < 0 || d.runs[i].deadline < due))
                                due = d.runs[i].deadline;
                        if (d.runs[i].fd >= 0) {
                                p[n] = (struct pollfd){ .fd = d.runs[i].fd, .events = POLLIN };
                                who[n] = &d.runs[i];
                                is_run[n++] = true;
                        }
                }
                for (size_t i = 0; i < MAX_CALLS; i++)
                        if (d.calls[i].pid > 0 && d.calls[i].fd >= 0) {
                                p[n] = (struct pollfd){ .fd = d.calls[i].fd, .events = POLLIN };
                                who[n] = &d.calls[i];
                                is_run[n++] = false;
                        }
                /* The vchan directory is checked now and then: the domain
                 * may go while we wait for it. */
                if (due < 0 || due > t + 1000)
                        due = t + 1000;
                if (due >= 0) {
                        int64_t w = due > t ? due - t : 0;

                        ts = (struct timespec){ .tv_sec = w / 1000, .tv_nsec = (w % 1000) * 1000000 };
                        tsp = &ts;
                }
                if (ppoll(p, n, tsp, &none) < 0 && errno != EINTR)
                        return bh_log_errno(-errno, "poll"), 1;
                if (p[0].revents)
                        accept_run();
                if (d.v && p[1].revents) {
                        int r = d.connected ? bh_vchan_wait(d.v, 0) : 0;

                        if (r == -EPROTO)
                                channel_down("channel broken by the agent", RECONNECT_AFTER_ERROR_MS);
                }
                for (nfds_t i = 1; i < n; i++) {
                        if (!who[i] || !p[i].revents)
                                continue;
                        if (is_run[i])
                                read_run(who[i]);
                        else
                                read_answer(who[i]);
                }
        }
        channel_down("stopping", 0);
        drop_spare();
        {
                char path[256];

                if (qd_daemon_socket(d.cfg.runtime_dir, d.cfg.name, path, sizeof(path)) == 0)
                        unlink(path);
        }
        return 0;
}
