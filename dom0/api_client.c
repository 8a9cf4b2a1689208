/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A client of bulkheadd's API for dom0 tools; see api_client.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api_client.h"

int bh_api_connect(void)
{
        const char *rt = getenv("BULKHEAD_RUNTIME_DIR");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/bulkheadd.sock", rt ? rt : "/run/bulkhead");
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = -errno;
                fprintf(stderr, "%s: cannot reach bulkheadd at %s: %s (is it running?)\n",
                        program_invocation_short_name, sa.sun_path, strerror(-e));
                close(fd);
                return e;
        }
        return fd;
}

/* Sends a request and waits for its reply; prints the error reply's message. */
int bh_api_call(int fd, struct bh_api_buf *req, struct bh_api_msg *reply)
{
        static char buf[BH_API_MSG_MAX];
        ssize_t n;

        if (req->err)
                return req->err;
        if (send(fd, req->data, req->len, MSG_NOSIGNAL) < 0)
                return -errno;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) {
                fprintf(stderr, "%s: bulkheadd closed the connection\n", program_invocation_short_name);
                return -ECONNRESET;
        }
        if (bh_api_parse(buf, (size_t)n, reply) < 0 || reply->n < 1) {
                fprintf(stderr, "%s: malformed reply from bulkheadd\n", program_invocation_short_name);
                return -EPROTO;
        }
        if (strcmp(reply->f[0], "error") == 0) {
                int e = reply->n > 1 ? bh_errno_from_name(reply->f[1]) : EIO;
                fprintf(stderr, "%s: %s\n", program_invocation_short_name, reply->n > 2 ? reply->f[2] : "error");
                bh_api_msg_free(reply);
                return -e;
        }
        return 0;
}

