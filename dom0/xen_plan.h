/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a Xen domain is made of, derived from a bh_start_spec alone.  One
 * plan feeds both backend_xen.c (which turns it into a libxl configuration)
 * and `bulkhead xl-config` (which prints it as xl would read it), so what a
 * user debugs with Xen's own tools is what bulkheadd started.  Pure: no
 * libxl, no I/O beyond the FILE it prints to.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "backend.h"

/* A template's Xen form, beside its root/ in the version directory
 * (docs/templates.md): the kernel and the initramfs the domain boots. */
#define BH_XEN_KERNEL_FILE "xen/vmlinuz"
#define BH_XEN_RAMDISK_FILE "xen/initrd.img"
/* The domain's console and its kernel's first words; the init reads
 * bulkhead.gui=1 to start the GUI agent (docs/xen-backend.md). */
#define BH_XEN_CMDLINE_BASE "console=hvc0 loglevel=4"

struct bh_xen_plan {
        char name[BH_NAME_MAX + 1];
        char kernel[PATH_MAX];
        char ramdisk[PATH_MAX];
        char cmdline[128];
        unsigned memory_mib;
        unsigned vcpus;
};

/* -EINVAL when the spec's root does not end in "/root" (bulkheadd always
 * gives a template version's root directory), -ENAMETOOLONG. */
int bh_xen_plan_make(const struct bh_start_spec *spec, struct bh_xen_plan *ret);

/* The plan as an xl configuration file (xl.cfg(5)). */
int bh_xen_plan_print_xl(const struct bh_xen_plan *p, FILE *out);
