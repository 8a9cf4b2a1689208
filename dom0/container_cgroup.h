/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One cgroup per container domain, named after it, below a "bulkhead"
 * cgroup that sits in the cgroup of the process starting domains (so a
 * limit on bulkheadd also bounds its domains).  cgroup v2 when its
 * controllers are there; on hybrid hosts whose memory or pids controller is
 * still on a v1 hierarchy, that controller's v1 hierarchy gets the same
 * layout.  Whatever the host does not allow is logged once and skipped:
 * cgroups make limits and freezing better, not isolation possible.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Tasks (processes and threads) a domain may have: a desktop application
 * such as firefox-esr runs a few hundred threads; 4096 leaves room for a
 * dozen of them and still stops a fork bomb long before the host's
 * pid_max. */
#define BH_CT_PIDS_MAX 4096

struct bh_ct_cgroup {
        char *v2;        /* the domain's v2 cgroup, NULL if none */
        int v2_fd;       /* open v2 directory for CLONE_INTO_CGROUP, or -1 */
        char *v1_memory; /* legacy hierarchies used for a missing v2 controller */
        char *v1_pids;
};

/* Finds what the host offers (once per process; the other calls do it on
 * first use) and logs, once, what it does not. */
void bh_ct_cgroup_probe(void);

/* Makes the domain's cgroups and writes their limits (memory_mib 0: no
 * memory limit).  -EBUSY if a cgroup of that name still holds processes;
 * other failures leave cg partly or wholly empty and return 0. */
int bh_ct_cgroup_create(const char *name, unsigned memory_mib, struct bh_ct_cgroup *cg);

/* Moves pid into the v1 cgroups (v2 placement is done by clone3). */
int bh_ct_cgroup_enter_v1(const struct bh_ct_cgroup *cg, pid_t pid);

/* Frees cg's strings and descriptor; the cgroups stay. */
void bh_ct_cgroup_done(struct bh_ct_cgroup *cg);

/* Removes every cgroup of domain `name`, killing what is left in them. */
int bh_ct_cgroup_remove(const char *name);

/* The v2 cgroup directory the domain whose init is pid lives in; -ENOENT if
 * it has none of ours. */
int bh_ct_cgroup_of(pid_t pid, char **ret);

/* Freezes or thaws a v2 cgroup and waits until it is done;
 * -EOPNOTSUPP without cgroup.freeze. */
int bh_ct_cgroup_freeze(const char *dir, bool freeze);

/* Reads one value of a domain's cgroup (for tests and `bulkhead ls`):
 * key "memory.max", "memory.current", "pids.max", "pids.current", looked up
 * in v2 or, failing that, the v1 equivalent.  -ENOENT when unavailable. */
int bh_ct_cgroup_read(const char *name, const char *key, char *buf, size_t len);
