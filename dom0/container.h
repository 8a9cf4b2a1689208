/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Container backend internals shared by its files, its test driver and its
 * benchmark.  bulkheadd needs only bh_backend_container (backend.h);
 * bh_container_start() is for callers that want init to run one command.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"

/* The domain's init, inside the domain (built as agent/bulkhead-init). */
#define BH_CT_INIT_PATH BH_AGENT_DIR "/bulkhead-init"

/*
 * Private id ranges, as root: domain uid/gid N is host id base + N, for N
 * below BH_CT_ID_RANGE.  Bases are BH_CT_ID_FIRST + slot * BH_CT_ID_RANGE;
 * 0x70000000..0x7ffdffff is the span systemd's UIDS-GIDS.md leaves unused
 * (above nspawn's container ranges, below its foreign range and the
 * signed-overflow zone), so no host user or other tool's container owns it.
 */
#define BH_CT_ID_FIRST 0x70000000u
#define BH_CT_ID_RANGE 65536u
#define BH_CT_ID_SLOTS 4094u

/* Where the backend keeps its claims on id ranges (root only). */
#define BH_CT_RUN_DIR "/run/bulkhead/container"

/*
 * Like bh_backend_container.start, but init gets extra arguments: with
 * init_args = {"--", "/bin/sh", "-c", "...", NULL} it runs that command as
 * its only job and exits with its status.  init_args may be NULL.
 */
int bh_container_start(const struct bh_start_spec *spec, const char *const *init_args,
                       struct bh_instance *ret);

/* Field 22 of /proc/PID/stat: tells a reused pid apart. */
int bh_ct_proc_starttime(pid_t pid, uint64_t *ret);

/* True when running with full privileges (root in the initial namespace). */
bool bh_ct_privileged(void);
