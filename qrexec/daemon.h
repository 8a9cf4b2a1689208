/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qrexec-daemon's parts (docs/qrexec-protocol.md). */
#pragma once

#include <stdint.h>

#include "api_proto.h"
#include "qrexec_proto.h"

/* Messages between qrexec-daemons (one per domain) on their dom0 sockets,
 * in bulkheadd's API format (dom0/api_proto.h):
 *   "bulkhead-qrexec/1" "run" SOURCE SERVICE ARG LINK PORT SOURCE-DOMID
 *   reply: "ok" "status=N"  or  "error" ERRNO MESSAGE */
#define BH_QREXEC_DAEMON_API "bulkhead-qrexec/1"

struct qd_config {
        const char *name;        /* the domain this daemon serves */
        const char *transport;   /* "socket" or "xen" */
        const char *vchan_dir;   /* socket transport: the domain's channel directory in dom0 */
        int domid;
        const char *runtime_dir;
        const char *audit_log;
};

/* Paths under the runtime directory. */
int qd_daemon_socket(const char *runtime_dir, const char *domain, char *out, size_t size);

/* A SOCK_SEQPACKET request/reply on a dom0 socket; -errno. */
int qd_connect(const char *path, int timeout_ms);
int qd_call(int fd, struct bh_api_buf *req, struct bh_api_msg *reply, int timeout_ms);

/*
 * daemon_call.c: one call a domain asked for, from policy to the end of
 * the service, in a process of its own.  Writes the answer for the agent to
 * answer_fd ("C" TARGET or "R") as soon as it is known, then waits for the
 * service to end and writes the audit line.  Returns the exit code for the
 * process.
 */
int qd_handle_call(const struct qd_config *cfg, const struct bh_qrexec_trigger *t, int answer_fd);

/* audit.c: one line per call; every field escaped. */
void qd_audit(const char *path, const char *source, const char *target, const char *service,
              const char *arg, const char *decision, int status);
