/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a container domain's processes may do once it is set up: the
 * capability bounding set, no_new_privs and the seccomp filter
 * (docs/container-backend.md explains each choice).
 */
#pragma once

#include <stdint.h>

/* Capabilities the domain's root keeps, all of them scoped to its own user
 * namespace: file ownership and permission overrides on its own files, user
 * switching (su, the agent running commands as the user), signals to its own
 * processes, low ports, chroot.  Everything administrative (SYS_ADMIN,
 * NET_ADMIN, SYS_PTRACE, MKNOD, NET_RAW, SETFCAP, ...) goes. */
uint64_t bh_ct_caps_kept(void);

/* Builds the seccomp program once per process (libseccomp allocates, so this
 * runs in the parent, never between clone and exec). */
int bh_ct_confine_prepare(void);

/* In the domain's future init, last thing before exec: drops the bounding
 * set, sets no_new_privs, loads the filter.  No allocation.  On failure
 * *step names what failed. */
int bh_ct_confine_apply(const char **step);
