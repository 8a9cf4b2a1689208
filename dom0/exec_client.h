/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dom0's side of the exec protocol (docs/exec-protocol.md): runs a command
 * in a domain through its bulkhead-agent and relays stdio both ways.
 *
 * Everything the agent sends is untrusted (the domain may be compromised):
 * lengths are bounded, each message is checked before it is acted on, and a
 * violation ends the call with -EPROTO and one log line; memory use is
 * bounded (one message buffer per direction) whatever the agent does.
 */
#pragma once

#include "exec_proto.h"
#include "vchan.h"

/*
 * Connects to the agent at addr (addr->port is normally BH_EXEC_PORT),
 * waiting up to timeout_ms (-1: for ever) for it to serve and to answer
 * HELLO; then runs argv (argv[0] looked up in the domain's PATH, no shell)
 * and relays: in_fd to the command's stdin until end of file, its stdout to
 * out_fd and its stderr to err_fd.  Returns once the command has exited and
 * all its output is written, with *exit_status 0-255 (128+N: killed by
 * signal N; 127: command not found; 126: found but could not run).
 *
 * in_fd -1 gives the command an empty stdin; out_fd or err_fd -1 discards
 * that stream.  The descriptors are not closed.  Pipes and sockets among
 * them are switched to O_NONBLOCK for the call and restored after, so that a
 * slow reader of one stream cannot block the others; terminals and files are
 * used as they are.  The caller should ignore SIGPIPE.
 *
 * Returns 0, or:
 *   -EINVAL, -E2BIG  argv empty, argv[0] empty, or over the protocol's limits
 *                    (nothing was sent)
 *   -ETIMEDOUT       no agent answered within timeout_ms
 *   -EPROTO          the agent broke the protocol (logged)
 *   -ECONNRESET      the agent went away before sending the exit status
 *   -EPIPE           out_fd or err_fd was closed by its reader; the command
 *                    is ended (its agent sees the channel close)
 *   other -errno     local failures (reading in_fd, poll, memory)
 */
int bh_exec_run(const struct bh_vchan_addr *addr, char *const argv[], int in_fd, int out_fd,
                int err_fd, int timeout_ms, int *exit_status);

/* What to ask of the agent: a command (argv) or a qrexec service. */
struct bh_exec_request {
        char *const *argv;
        const struct bh_exec_service *service;
};

/* bh_exec_run for a command or a service. */
int bh_exec_request_run(const struct bh_vchan_addr *addr, const struct bh_exec_request *req,
                        int in_fd, int out_fd, int err_fd, int timeout_ms, int *exit_status);

/*
 * The caller's end of a domain-to-domain call: v is the data channel the
 * service's side has connected to (taken, closed on return); only HELLO
 * and stdin are sent, as the service was chosen by dom0.  addr names the
 * channel in log lines.  Returns as bh_exec_run.
 */
int bh_exec_relay(struct bh_vchan *v, const struct bh_vchan_addr *addr, int in_fd, int out_fd,
                  int err_fd, int timeout_ms, int *exit_status);
