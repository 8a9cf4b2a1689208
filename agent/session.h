/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One exec-protocol session on the side that runs the command; session.c. */
#pragma once

#include "vchan.h"

/* A service dom0 chose for a domain-to-domain call: the caller sends no
 * EXEC or SERVICE, only its stdin. */
struct session_preset {
        const char *service;
        const char *arg;
        const char *source;
};

/*
 * Serves one connected channel until the command ends or the peer goes;
 * takes v.  Returns the command's status (0-255) or -errno.  Changes this
 * process's environment and signal state: run it in a process of its own.
 */
int session_run(struct bh_vchan *v, const struct session_preset *preset);
