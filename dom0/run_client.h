/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running a command or a service in a domain from dom0: bulkheadd starts
 * the domain (or gives a fresh disposable) and the exec client talks to its
 * agent.  Shared by `bulkhead run` and `qrexec-client`.
 */
#pragma once

#include <stdbool.h>

#include "exec_client.h"

struct bh_run_target {
        const char *name;      /* a domain; NULL with disposable */
        bool disposable;
        const char *dvm;       /* disposable: its dispvm-template; NULL for the only one */
        bool announce;         /* say which disposable on a terminal's stderr */
};

/*
 * Runs req there with our stdio.  Returns the command's status (0-255),
 * or -errno after a message on stderr (-EHOSTDOWN: bulkheadd is not there).  A disposable is destroyed before
 * this returns.
 */
int bh_run_in_domain(const struct bh_run_target *t, const struct bh_exec_request *req);
