/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A qrexec call from inside a domain, as a library call: what
 * qrexec-client-vm does, without a process start per call
 * (docs/qrexec-protocol.md).  Build agent/qrexec_call.c into the program
 * (with -I$(top_srcdir)/dom0) and link dom0/libexecclient.a and $(BH_LIBS).
 *
 * The caller should ignore SIGPIPE.  Errors are logged (one line, with the
 * program name set by bh_log_init) and returned as a negative errno:
 *   -EINVAL  the agent found the target or service name malformed;
 *   -EACCES  dom0 refused the call (policy, or the target cannot run it);
 *   others   the call could not be made (no agent, the target did not
 *            connect, a local failure).
 */
#pragma once

struct bh_qrexec_call;

/* Asks the agent for the call and waits until dom0 allowed it and the
 * target's side has connected.  TARGET as the policy names it. */
int bh_qrexec_call_open(const char *target, const char *service_with_arg,
                        struct bh_qrexec_call **ret);

/* Relays in_fd to the service's stdin (to its end; -1: empty), its stdout
 * to out_fd and its stderr to err_fd (-1: discarded) until it exits; then
 * *status is its exit status (0-255).  Frees the call in every case; the
 * descriptors are not closed. */
int bh_qrexec_call_relay(struct bh_qrexec_call *call, int in_fd, int out_fd, int err_fd,
                         int *status);

/* Ends an open call without relaying: the target's side sees us go. */
void bh_qrexec_call_close(struct bh_qrexec_call *call);

/* Open and relay in one. */
int bh_qrexec_call(const char *target, const char *service_with_arg, int in_fd, int out_fd,
                   int err_fd, int *status);
