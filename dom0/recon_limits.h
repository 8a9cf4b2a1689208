/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every limit bulkhead recon applies, with the reason for its number. */
#pragma once

/* Longest --root prefix plus the longest path read below it. */
#define RECON_PATH_MAX 4096

/* One-value sysfs and procfs files (DMI strings, MAC addresses, flags):
 * sysfs attributes are at most one page; a DMI string is at most 64 bytes
 * in practice, so 4 KiB keeps every real value whole. */
#define RECON_SMALL_FILE_MAX 4096

/* /proc/cpuinfo: only the first processor's block is parsed.  A block is
 * about 1.5 KiB (flags and bugs are the long lines; "vmx flags" adds 0.5);
 * 64 KiB is room for the block on any CPU without reading one per core. */
#define RECON_CPUINFO_MAX (64 * 1024)

/* Line-oriented /proc files (status, cgroup, meminfo, uid_map, mountinfo,
 * filesystems, cmdline, environ): all well under this on real systems;
 * past it the tail is ignored. */
#define RECON_PROC_FILE_MAX (64 * 1024)

/* The kernel log: the default ring is 128 KiB to 1 MiB (log_buf_len); boot
 * messages sit at its start, so the first 4 MiB hold them on any setup. */
#define RECON_KLOG_MAX (4 * 1024 * 1024)

/* A CPUID dump (fixture format): a full `cpuid -r -1` dump of a modern
 * CPU is about 25 KiB. */
#define RECON_CPUID_FILE_MAX (256 * 1024)
/* Leaves kept from a dump or from the live CPU: a modern CPU lists ~120
 * (sub)leaves; the rest of a hostile dump is ignored. */
#define RECON_CPUID_MAX_LEAVES 512

/* Directory entries looked at per directory (network interfaces, PCI
 * devices, bus devices, IOMMU groups): a large server has a few hundred PCI
 * functions and IOMMU groups; past this the count is reported as a floor. */
#define RECON_DIR_MAX_ENTRIES 4096

/* Findings kept: a machine yields 20 to 60; a PCI-heavy server's virtual
 * functions could push past that, and the rest are counted, not kept. */
#define RECON_MAX_FINDINGS 256
/* Of those, at most this many per source and key family (e.g. one per
 * PCI vendor, not one per PCI function). */
#define RECON_MAX_PER_SOURCE 24

/* Text held per finding: keys are short names; values are DMI strings,
 * model names and kernel log lines, cut here (with "..." in the report). */
#define RECON_KEY_MAX 48
#define RECON_VALUE_MAX 120
#define RECON_NOTE_MAX 200
