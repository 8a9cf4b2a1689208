/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The files behind a Xen domain's disks (xen_plan.h), made in dom0 before
 * libxl attaches them: the private volume once, the volatile one at each
 * start, both sparse; the template's root image is only checked.  Nothing
 * is copied, so a start costs the same whatever the template's size.
 */
#pragma once

#include "xen_plan.h"

/* 0, or the first failure: -ENOENT/-EACCES for a missing root image,
 * -EEXIST when a disk's path is there but not a regular file, or what
 * making a file failed with. */
int bh_xen_disks_prepare(const struct bh_xen_plan *p);
