/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A qrexec call from inside a domain; see qrexec_call.h.
 *
 * Ask the agent for a data port on its local socket, serve the data
 * channel on it, tell the agent we are ready; the agent asks dom0, and if
 * the policy allows, the target's side connects to our channel and the
 * data flows straight between the two domains.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "exec_client.h"
#include "exec_proto.h"
#include "qrexec_call.h"
#include "qrexec_proto.h"
#include "util.h"
#include "vchan.h"

/* The agent answers a local request from memory. */
#define PORT_TIMEOUT_MS 10000
/* Dom0 may start the target (or a disposable) for the call, and ask the
 * user: the answer can take a while. */
#define ANSWER_TIMEOUT_MS 300000
/* The target's side connects once dom0 said so. */
#define CONNECT_TIMEOUT_MS 120000

struct bh_qrexec_call {
        struct bh_vchan_addr addr;
        struct bh_vchan *v;
        char service[BH_QREXEC_SERVICE_MAX + BH_QREXEC_ARG_MAX + 2];
};

static int agent_connect(void)
{
        const char *path = getenv("BULKHEAD_QREXEC_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path || !*path)
                path = BH_QREXEC_AGENT_SOCKET;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* One reply: its fields in f[0..], returns how many, or -errno. */
static int agent_reply(int fd, char *buf, size_t size, const char **f, size_t max, int timeout_ms)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        size_t nf = 0;
        int r;

        while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
        if (r <= 0)
                return r < 0 ? -errno : -ETIMEDOUT;
        n = recv(fd, buf, size - 1, 0);
        if (n <= 0)
                return n < 0 ? -errno : -ECONNRESET;
        buf[n] = '\0';
        for (ssize_t i = 0; i < n && nf < max; i += (ssize_t)strlen(buf + i) + 1)
                f[nf++] = buf + i;
        return (int)nf;
}

/* Until the target's side has connected to our channel. */
static int wait_connected(struct bh_vchan *v)
{
        int64_t deadline = bh_now_ms() + CONNECT_TIMEOUT_MS;

        while (bh_vchan_is_open(v) == 2) {
                struct pollfd p = { .fd = bh_vchan_fd(v), .events = POLLIN };
                int64_t left = deadline - bh_now_ms();

                if (left <= 0)
                        return -ETIMEDOUT;
                if (poll(&p, 1, (int)left) > 0)
                        bh_vchan_wait(v, 0);
        }
        return bh_vchan_is_open(v) == 1 ? 0 : -ECONNRESET;
}

int bh_qrexec_call_open(const char *target, const char *service_with_arg,
                        struct bh_qrexec_call **ret)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ struct bh_qrexec_call *c = calloc(1, sizeof(*c));
        char buf[BH_QREXEC_LOCAL_MSG_MAX + 1], msg[BH_QREXEC_LOCAL_MSG_MAX];
        const char *f[3], *svc = service_with_arg;
        int n, r;
        size_t len;

        if (!c)
                return -ENOMEM;
        snprintf(c->service, sizeof(c->service), "%s", svc);
        fd = agent_connect();
        if (fd < 0)
                return bh_log_errno(fd, "cannot reach the agent");
        len = (size_t)snprintf(msg, sizeof(msg), "call%c%s%c%s", 0, target, 0, svc) + 1;
        if (len > sizeof(msg))
                return bh_log_errno(-EINVAL, "request too long");
        if (send(fd, msg, len, MSG_NOSIGNAL) < 0)
                return bh_log_errno(-errno, "%s: asking the agent", svc);
        n = agent_reply(fd, buf, sizeof(buf), f, 3, PORT_TIMEOUT_MS);
        if (n < 2 || strcmp(f[0], "port") != 0) {
                bh_log_error("%s: %s", svc, n >= 2 ? f[1] : "no answer from the agent");
                return n >= 2 && strcmp(f[0], "refused") == 0 && strstr(f[1], "malformed") ? -EINVAL
                                                                                       : -EACCES;
        }
        if (n < 3 || bh_vchan_transport_from_string(f[2], &c->addr.transport) < 0)
                return bh_log_errno(-EPROTO, "%s: the agent named no transport", svc);
        c->addr.socket_dir = getenv("BULKHEAD_VCHAN_DIR");
        if (!c->addr.socket_dir || !*c->addr.socket_dir)
                c->addr.socket_dir = "/run/bulkhead/vchan";
        c->addr.port = atoi(f[1]);
        /* Socket: served before asking, so the target finds it at once.
         * Xen: a channel's grants name the domain they are for, known only
         * once dom0 has resolved the target; its side waits for us. */
        if (c->addr.transport != BH_VCHAN_XEN) {
                r = bh_vchan_server_init(&c->v, &c->addr, BH_EXEC_RING_SIZE, BH_EXEC_RING_SIZE);
                if (r < 0) {
                        c->v = NULL;
                        return bh_log_errno(r, "data channel");
                }
        }
        if (send(fd, "ready", 6, MSG_NOSIGNAL) < 0) {
                r = -errno;
                bh_vchan_close(c->v);
                return bh_log_errno(r, "%s: asking the agent", svc);
        }
        n = agent_reply(fd, buf, sizeof(buf), f, 3, ANSWER_TIMEOUT_MS);
        if (n < 1 || strcmp(f[0], "connect") != 0) {
                bh_log_error("%s: request refused%s%s", svc, n >= 2 ? ": " : "", n >= 2 ? f[1] : "");
                bh_vchan_close(c->v);
                return -EACCES;
        }
        if (c->addr.transport == BH_VCHAN_XEN) {
                char *end = NULL;
                unsigned long id = n >= 3 ? strtoul(f[2], &end, 10) : 0;

                if (n < 3 || *end || id == 0 || id > BH_QREXEC_DOMID_MAX)
                        return bh_log_errno(-EPROTO, "%s: no domain id for the target", svc);
                c->addr.peer_domid = (int)id;
                r = bh_vchan_server_init(&c->v, &c->addr, BH_EXEC_RING_SIZE, BH_EXEC_RING_SIZE);
                if (r < 0) {
                        c->v = NULL;
                        return bh_log_errno(r, "data channel");
                }
        }
        r = wait_connected(c->v);
        if (r < 0) {
                bh_log_error("%s: the target did not connect", svc);
                bh_vchan_close(c->v);
                return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int bh_qrexec_call_relay(struct bh_qrexec_call *c, int in_fd, int out_fd, int err_fd, int *status)
{
        int r = bh_exec_relay(c->v, &c->addr, in_fd, out_fd, err_fd, -1, status);

        if (r < 0)
                bh_log_errno(r, "%s", c->service);
        free(c);
        return r;
}

void bh_qrexec_call_close(struct bh_qrexec_call *c)
{
        if (!c)
                return;
        bh_vchan_close(c->v);
        free(c);
}

int bh_qrexec_call(const char *target, const char *service_with_arg, int in_fd, int out_fd,
                   int err_fd, int *status)
{
        struct bh_qrexec_call *c = NULL;
        int r = bh_qrexec_call_open(target, service_with_arg, &c);

        if (r < 0)
                return r;
        return bh_qrexec_call_relay(c, in_fd, out_fd, err_fd, status);
}
