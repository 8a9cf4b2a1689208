/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPUID, live or from a dump.  A fixture tree's `cpuid` file stands in for
 * the instruction; its format is the raw dump of `cpuid -r -1` (Todd Allen's
 * cpuid tool), which `bulkhead-recon --dump-cpuid` also writes:
 *
 *   # comment
 *   CPU:
 *      0x00000000 0x00: eax=0x0000000d ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65
 *
 * one line per leaf and subleaf, hexadecimal; a "CPU N:" header after the
 * first ends the dump (only the first CPU is used).  Leaves not listed read
 * as zeros.  `cpuid.xen-pv` in the same format stands in for CPUID issued
 * through Xen's forced-emulation prefix from a PV guest.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "recon_limits.h"

struct recon_cpuid_leaf {
        uint32_t leaf, subleaf;
        uint32_t r[4]; /* eax, ebx, ecx, edx */
};

struct recon_cpuid {
        unsigned n;
        bool truncated; /* more leaves than RECON_CPUID_MAX_LEAVES */
        struct recon_cpuid_leaf l[RECON_CPUID_MAX_LEAVES];
};

/* Parses a dump.  Returns 0, or -EINVAL with *bad_line (1-based) set. */
int recon_cpuid_parse(const char *text, size_t len, struct recon_cpuid *c, unsigned *bad_line);
/* Reads this CPU.  -ENOTSUP off x86. */
int recon_cpuid_read_live(struct recon_cpuid *c);
/* Reads the hypervisor leaves through Xen's forced-emulation prefix.  Only
 * meaningful in a Xen PV guest; elsewhere the prefix is an invalid opcode,
 * caught here (-ENOTSUP). */
int recon_cpuid_read_xen_pv(struct recon_cpuid *c);
/* Writes c in the dump format. */
int recon_cpuid_write(FILE *f, const struct recon_cpuid *c);

/* Looks a (sub)leaf up; zeros and false when absent. */
bool recon_cpuid_get(const struct recon_cpuid *c, uint32_t leaf, uint32_t subleaf, uint32_t r[4]);
/* The 12-byte signature of EBX, ECX, EDX (vendor string, hypervisor name). */
void recon_cpuid_sig(const uint32_t r[4], char sig[13]);
bool recon_cpuid_hypervisor_bit(const struct recon_cpuid *c);
bool recon_cpuid_vmx(const struct recon_cpuid *c);
bool recon_cpuid_svm(const struct recon_cpuid *c);
bool recon_cpuid_npt(const struct recon_cpuid *c);

/* Hypervisor leaf blocks (0x40000000, 0x40000100, ...) present in c: a
 * block counts when its max-leaf value (EAX) lies within it. */
struct recon_cpuid_hv {
        uint32_t base, max;
        char sig[13];
};
unsigned recon_cpuid_hypervisors(const struct recon_cpuid *c, struct recon_cpuid_hv *out, unsigned max);
