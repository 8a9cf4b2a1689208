/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's qrexec control side (control.c): serves the control channel
 * to dom0's qrexec-daemon and the local socket qrexec-client-vm asks on.
 */
#pragma once

#include <signal.h>

#include "vchan.h"

/* Where qrexec-client-vm finds the agent inside a domain; the environment
 * variable BULKHEAD_QREXEC_SOCKET overrides it (tests). */
#define BH_QREXEC_AGENT_SOCKET "/run/bulkhead/qrexec-agent.sock"

/*
 * Local requests, one SOCK_SEQPACKET message each, NUL-terminated fields:
 *   client: "call" TARGET SERVICE[+ARG]   agent: "port" N
 *   client: "ready" (it serves the data channel on port N)
 *   agent:  "connect" TARGET-NAME   or   "refused" REASON
 */
#define BH_QREXEC_LOCAL_MSG_MAX 256

/* Runs until *term is set; base carries the transport and vchan directory. */
int control_main(const struct bh_vchan_addr *base, volatile sig_atomic_t *term);
