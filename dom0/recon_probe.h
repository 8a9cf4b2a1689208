/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the probing files (recon_probe*.c): what one run has read. */
#pragma once

#include "recon.h"
#include "recon_cpuid.h"
#include "recon_parse.h"
#include "recon_source.h"

struct recon_probe {
        struct recon_src src;
        struct recon_result *r;
        bool privileged;
        bool have_cpuid;
        struct recon_cpuid cpuid;
        bool have_cpuinfo;
        struct recon_cpuinfo ci;
        bool have_klog;
        struct recon_klog klog;
        char sys_vendor[RECON_VALUE_MAX];
        char guest_type[16]; /* /sys/hypervisor/guest_type */
        bool xen_sysfs;      /* /sys/hypervisor/type is xen */
        char acpi_tables[RECON_VALUE_MAX];
        char cmdline[RECON_VALUE_MAX * 4];
};

/* recon_probe_vm.c: where we run. */
void recon_probe_cpu(struct recon_probe *p);
void recon_probe_xen(struct recon_probe *p);
void recon_probe_firmware(struct recon_probe *p);
void recon_probe_devices(struct recon_probe *p);
void recon_probe_kernel(struct recon_probe *p);
/* recon_probe_ct.c: containers. */
void recon_probe_container(struct recon_probe *p);
/* recon_probe_hw.c: hardware capability and Bulkhead readiness. */
void recon_probe_hw(struct recon_probe *p);
void recon_probe_ready(struct recon_probe *p);
/* recon_xen.c: libxl (live dom0, root).  0, or -errno with detail set. */
int recon_xen_physinfo(struct recon_result *r);

/* Writes a live CPUID table into the snapshot (--snapshot) as NAME. */
void snap_cpuid(struct recon_probe *p, const char *name, const struct recon_cpuid *c);

/* A source could not be read: a note saying so, or what root would add. */
void recon_unreadable(struct recon_probe *p, const char *what, int err);
