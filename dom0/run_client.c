/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running a command or service in a domain from dom0; see run_client.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api_client.h"
#include "run_client.h"
#include "util.h"

/* How long a run waits for the domain's agent to come up: the backend's
 * boot time, which bulkheadd's reply gives (boot_timeout=, seconds); this
 * without one, and never more than the cap. */
#define AGENT_TIMEOUT_MS 30000
#define AGENT_TIMEOUT_MAX_MS 600000
#define RELEASE_TIMEOUT_MS 30000

static int agent_timeout_ms(const struct bh_api_msg *m)
{
        const char *v = bh_api_get(m, 1, "boot_timeout");
        char *end;
        unsigned long s;

        if (!v)
                return AGENT_TIMEOUT_MS;
        s = strtoul(v, &end, 10);
        if (*end || s == 0)
                return AGENT_TIMEOUT_MS;
        return s > AGENT_TIMEOUT_MAX_MS / 1000 ? AGENT_TIMEOUT_MAX_MS : (int)(s * 1000);
}

/* The caller of a disposable run may rely on the domain being gone when it
 * returns (a script that checks, a user who lists domains): end our side of
 * the connection, and bulkheadd closes its side once it has destroyed the
 * disposable. */
static void wait_released(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        char c;

        if (shutdown(fd, SHUT_WR) < 0)
                return;
        while (poll(&p, 1, RELEASE_TIMEOUT_MS) > 0)
                if (recv(fd, &c, 1, 0) <= 0)
                        return;
}

int bh_run_in_domain(const struct bh_run_target *t, const struct bh_exec_request *req)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ struct bh_api_msg *m = NULL;
        struct bh_vchan_addr addr = { 0 };
        struct bh_api_buf b;
        const char *v;
        int r, status = 0;

        fd = bh_api_connect();
        if (fd < 0)
                return -EHOSTDOWN; /* said why already */
        m = malloc(sizeof(*m));
        if (!m)
                return -ENOMEM;
        bh_api_buf_init(&b);
        bh_api_add(&b, BH_API_VERSION);
        bh_api_add(&b, t->disposable ? "run-disposable" : "run");
        bh_api_add(&b, t->disposable ? (t->dvm ? t->dvm : "") : t->name);
        r = bh_api_call(fd, &b, m);
        bh_api_buf_free(&b);
        if (r < 0)
                return r;
        v = bh_api_get(m, 1, "transport");
        if (!v || bh_vchan_transport_from_string(v, &addr.transport) < 0 ||
            !(addr.socket_dir = bh_api_get(m, 1, "vchan_dir")) || !bh_api_get(m, 1, "port")) {
                fprintf(stderr, "%s: incomplete reply from bulkheadd\n", program_invocation_short_name);
                bh_api_msg_free(m);
                return -EPROTO;
        }
        addr.port = atoi(bh_api_get(m, 1, "port"));
        addr.peer_domid = (v = bh_api_get(m, 1, "domid")) && atoi(v) > 0 ? atoi(v) : 0;
        if (t->disposable && t->announce && isatty(STDERR_FILENO))
                fprintf(stderr, "%s: running in disposable %s\n", program_invocation_short_name,
                        bh_api_get(m, 1, "name"));
        /* The connection to bulkheadd stays open for the whole run: for a
         * disposable it is what keeps the domain alive. */
        signal(SIGPIPE, SIG_IGN);
        r = bh_exec_request_run(&addr, req, STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO,
                                agent_timeout_ms(m), &status);
        bh_api_msg_free(m);
        if (t->disposable)
                wait_released(fd);
        if (r < 0) {
                fprintf(stderr, "%s: run: %s\n", program_invocation_short_name, strerror(-r));
                return r;
        }
        return status;
}
