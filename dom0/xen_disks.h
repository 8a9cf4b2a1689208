/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files behind a Xen domain's disks (xen_plan.h), made in dom0 before
 * libxl attaches them: the private volume once, the volatile one at each
 * start, both sparse; the template's root image is only checked.  Nothing
 * is copied, so a start costs the same whatever the template's size.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "xen_plan.h"

/* 0, or the first failure: -ENOENT/-EACCES for a missing root image,
 * -EEXIST when a disk's path is there but not a regular file, or what
 * making a file failed with.  A kept volume smaller than the plan says
 * grows; a larger one stays as it is. */
int bh_xen_disks_prepare(const struct bh_xen_plan *p);

/* Grows the volume file PATH to BYTES, sparse and durably; 0 also when it
 * has that size.  -ERANGE when it is larger: a volume never shrinks, its
 * filesystem would be cut.  -ENOENT, -EEXIST (not a regular file). */
int bh_xen_volume_grow(const char *path, unsigned long long bytes);

/* Whether the disk's file is this domain's alone (its private and volatile
 * volumes), not one other domains read at the same time (a root image, a
 * dispvm-template's private volume). */
bool bh_xen_disk_own(const struct bh_xen_disk *d);

/* "loop12" */
#define BH_LOOP_NAME_MAX 16

/* The loop devices under SYSBLOCK (/sys/block) whose backing file is PATH,
 * as the kernel names it (the canonical path, " (deleted)" once
 * unlinked): their names in NAMES, their count in *RET_N.  -ENOBUFS when
 * more than MAX (the first MAX are stored), -ENOENT without SYSBLOCK. */
int bh_loop_find(const char *sysblock, const char *path, char (*names)[BH_LOOP_NAME_MAX], size_t max,
                 size_t *ret_n);

/* Detaches every loop device still on one of the plan's own volumes (see
 * bh_xen_disk_own): what a hotplug script killed between attaching a file
 * and telling xenstore leaves, which no destroy frees.  *RET_DETACHED
 * counts them.  0, or the first failure. */
int bh_xen_disks_release(const struct bh_xen_plan *p, const char *sysblock, unsigned *ret_detached);
