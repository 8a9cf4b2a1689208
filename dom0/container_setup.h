/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The child side of a container start: what runs between clone3 and the
 * exec of the domain's init, inside the new namespaces.  The parent
 * (backend_container.c) fills a plan before clone3; the child only reads
 * it and allocates nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Descriptors of detached mounts the parent makes for the child, in the
 * order of the "go" message.  As root they are idmapped (the child cannot
 * do that: idmapping needs CAP_SYS_ADMIN over the filesystem); as an
 * ordinary user the child clones them itself from the paths. */
enum {
        CT_FD_ROOT,  /* template root: overlay lower, or the root itself */
        CT_FD_HOME,  /* private_dir, or private_lower under a /home overlay */
        CT_FD_AGENT, /* agent_dir, read-only */
        CT_FD_VCHAN, /* vchan_dir, read-write */
        CT_FD_BIND0, /* spec->host_ro_binds[0], ... */
};
#define CT_MAX_BINDS 8
#define CT_FD_COUNT (CT_FD_BIND0 + CT_MAX_BINDS)

enum ct_home {
        CT_HOME_PRIVATE,  /* bind private_dir read-write */
        CT_HOME_OVERLAY,  /* overlay: private_lower below, volatile above */
        CT_HOME_VOLATILE, /* an empty directory in the volatile dir */
};

struct ct_plan {
        const char *name;
        const char *hostname;
        bool privileged;   /* root: the parent makes the mounts of fds[] */
        bool root_overlay; /* false: template domain, root bound read-write */
        enum ct_home home;
        const char *paths[CT_FD_COUNT]; /* sources, for the unprivileged child */
        size_t n_binds;
        unsigned memory_mib;
        int sync_fd;    /* child's end of the socketpair */
        const char *vol_path; /* spec->volatile_dir: by path, since a descriptor
                               * opened before clone3 points into the host's
                               * mount namespace, where the child cannot mount */
        int console_fd; /* init's stdout and stderr */
        char *const *argv;
        char *const *envp;
        int fds[CT_FD_COUNT]; /* filled in the child from the "go" message */
};

/* Parent → child: the mounts are ready (and the uid/gid maps written);
 * then, with magic CT_CG_MAGIC and no descriptors, the child is in all its
 * cgroups.  The second message lets the parent's slow cgroup v1 moves run
 * while the child mounts. */
struct ct_go {
        uint32_t magic;
        uint32_t present; /* bit i: fds[i] travels in the message, in order */
};
#define CT_GO_MAGIC 0x62686374u /* "bhct" */
#define CT_CG_MAGIC 0x62686367u /* "bhcg" */

/* Child → parent, only on failure; success is the end of file that exec
 * makes of the close-on-exec socket. */
struct ct_err {
        int32_t err; /* negative errno */
        char step[116];
};

/* Mount attributes of fds[slot] (read-only, nosuid, ...). */
uint64_t bh_ct_fd_attrs(const struct ct_plan *p, int slot);

/* Runs in the child: sets the domain up and execs init; never returns. */
__attribute__((noreturn)) void bh_ct_child(struct ct_plan *p);
