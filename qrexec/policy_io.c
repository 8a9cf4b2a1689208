/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The domains from bulkheadd (docs/api.md, verb `list`) and default paths. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_proto.h"
#include "policy_io.h"
#include "util.h"

/* bulkheadd answers `list` from memory; a second is generous and keeps a
 * wedged bulkheadd from wedging every policy decision with it. */
#define BULKHEADD_TIMEOUT_MS 5000

const char *bh_policy_dir(const char *option)
{
        const char *env = getenv("BULKHEAD_POLICY_DIR");

        if (option && *option)
                return option;
        return env && *env ? env : BH_POLICY_DEFAULT_DIR;
}

const char *bh_runtime_dir(void)
{
        const char *env = getenv("BULKHEAD_RUNTIME_DIR");

        return env && *env ? env : BH_RUNTIME_DEFAULT_DIR;
}

int bh_policy_domains_from_bulkheadd(struct bh_policy_domains *t, char *err, size_t errlen)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ struct bh_api_msg *m = NULL;
        struct bh_api_buf req;
        struct pollfd pfd;
        ssize_t n;
        int r;

        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/bulkheadd.sock",
                             bh_runtime_dir()) >= sizeof(sa.sun_path)) {
                snprintf(err, errlen, "bulkheadd socket path too long");
                return -ENAMETOOLONG;
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot reach bulkheadd at %s: %s", sa.sun_path, strerror(-r));
                return r;
        }
        bh_api_buf_init(&req);
        bh_api_add(&req, BH_API_VERSION);
        bh_api_add(&req, "list");
        r = req.err;
        if (r == 0 && send(fd, req.data, req.len, MSG_NOSIGNAL) < 0)
                r = -errno;
        bh_api_buf_free(&req);
        if (r < 0) {
                snprintf(err, errlen, "bulkheadd: send: %s", strerror(-r));
                return r;
        }
        pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, BULKHEADD_TIMEOUT_MS) <= 0) {
                snprintf(err, errlen, "bulkheadd did not answer within %d ms", BULKHEADD_TIMEOUT_MS);
                return -ETIMEDOUT;
        }
        buf = malloc(BH_API_MSG_MAX);
        m = malloc(sizeof(*m));
        if (!buf || !m)
                return -ENOMEM;
        n = recv(fd, buf, BH_API_MSG_MAX, 0);
        if (n <= 0) {
                snprintf(err, errlen, "bulkheadd closed the connection");
                return -ECONNRESET;
        }
        if (bh_api_parse(buf, (size_t)n, m) < 0 || m->n < 1) {
                snprintf(err, errlen, "malformed reply from bulkheadd");
                return -EPROTO;
        }
        if (strcmp(m->f[0], "ok") != 0) {
                snprintf(err, errlen, "bulkheadd: %s", m->n > 2 ? m->f[2] : "error");
                bh_api_msg_free(m);
                return -EIO;
        }
        r = 0;
        for (size_t i = 1; i < m->n && r == 0; i++)
                r = bh_policy_domains_add_record(t, m->f[i], err, errlen);
        bh_api_msg_free(m);
        return r;
}
