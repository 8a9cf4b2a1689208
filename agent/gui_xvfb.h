/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The domain's own X server, an Xvfb child of the agent (docs/gui-agent.md). */
#pragma once

#include <sys/types.h>

/*
 * Starts `Xvfb DISPLAY -screen 0 WxHx24 -nolisten tcp` and waits until it
 * accepts connections (at most XVFB_START_TIMEOUT_MS).  The child dies with
 * the agent (PR_SET_PDEATHSIG).  Returns 0 and its pid, or a negative errno.
 */
int gui_xvfb_start(const char *display, unsigned width, unsigned height, pid_t *ret_pid);

/* SIGTERM, then SIGKILL if it has not exited after a grace period; reaps it. */
void gui_xvfb_stop(pid_t pid);
