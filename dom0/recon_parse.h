/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure parsers for what recon reads: procfs and sysfs text, the kernel log,
 * firmware table headers.  No I/O; every input is treated as untrusted (a
 * fixture tree, or a file a container runtime wrote) and may be cut short
 * anywhere.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recon.h"

/* Copies at most src_len bytes of src (stopping at NUL) into out as
 * printable ASCII: tabs and newlines become spaces, other bytes '?',
 * surrounding whitespace is trimmed, and a value cut to fit ends in "...". */
void recon_sanitize(char *out, size_t out_size, const char *src, size_t src_len);
/* The first line of s, trimmed and sanitized. */
void recon_first_line(const char *s, char *out, size_t out_size);
/* word is one of the whitespace-separated words of list. */
bool recon_word_in(const char *list, const char *word);
/* The value of "key: value" / "key\t: value" lines (procfs style); the key
 * must match whole.  Returns false if absent. */
bool recon_field(const char *text, const char *key, char *out, size_t out_size);
/* Hex number with optional 0x and surrounding whitespace, up to 64 bits. */
int recon_parse_hex(const char *s, uint64_t *v);
/* Decimal, surrounding whitespace allowed. */
int recon_parse_u64(const char *s, uint64_t *v);
/* "aa:bb:cc:dd:ee:ff" */
int recon_parse_mac(const char *s, uint8_t mac[6]);
/* A namespace link "TYPE:[INODE]". */
int recon_parse_ns_link(const char *link, const char *type, uint64_t *ino);
/* Value of NAME in a NUL-separated environment block. */
bool recon_environ_get(const char *buf, size_t len, const char *name, char *out, size_t out_size);

struct recon_cpuinfo {
        char vendor[16];
        char model_name[RECON_VALUE_MAX];
        int family, model, stepping; /* -1 when absent */
        bool have_flags, have_vmx_flags;
        bool hypervisor, vmx, svm, npt, ept, vpid, unrestricted_guest;
};
/* Parses the first processor block of /proc/cpuinfo. */
int recon_parse_cpuinfo(const char *text, struct recon_cpuinfo *ci);

struct recon_idmap {
        unsigned lines;
        bool identity; /* the one line "0 0 4294967295": the initial user namespace */
        uint64_t inside, outside, count; /* first line */
};
int recon_parse_uid_map(const char *text, struct recon_idmap *m);

/* What /proc/self/cgroup says about containers.  Returns true with a hint
 * (*ct, and the group's path) when a line names a container runtime's
 * group; else path is the first line whose group is not the root.
 * *all_root tells whether every line's path is "/" (a cgroup namespace, or
 * the root group). */
bool recon_cgroup_hint(const char *text, enum recon_env *ct, char *path, size_t path_size,
                       bool *all_root);

struct recon_klog {
        unsigned lines;
        bool complete; /* the first line is from boot (time 0): nothing rotated out */
        char hypervisor[48]; /* "Hypervisor detected: X" */
        char pv_on[48];      /* "Booting paravirtualized kernel on X" */
        char xen_version[48];
        char dmi[RECON_VALUE_MAX]; /* "DMI: ..." */
        bool no_dmi;               /* "DMI not present or invalid" */
        bool dmar_enabled;         /* Intel VT-d turned on by the kernel */
        bool amd_vi;               /* AMD-Vi found */
        bool ir_enabled;           /* interrupt remapping on */
        char ir_line[RECON_VALUE_MAX];
        bool vext_bios_disabled; /* VMX/SVM switched off by firmware */
        char vext_line[RECON_VALUE_MAX];
};
/* Scans kernel log text (dmesg format, with or without "<level>" prefixes). */
void recon_klog_scan(const char *text, size_t len, struct recon_klog *k);

/* SMBIOS type 0 (BIOS) raw structure: BIOS characteristics extension byte 2,
 * bit 4 "this is a virtual machine".  1 set, 0 clear, -1 not present. */
int recon_smbios_vm_bit(const uint8_t *raw, size_t len);
/* OEM ID (6 bytes) and OEM table ID (8 bytes) of an ACPI table header. */
bool recon_acpi_oem(const uint8_t *hdr, size_t len, char oem[7], char table_id[9]);

/* Intel IA32_FEATURE_CONTROL (MSR 0x3a): 1 VMX usable, 0 locked off by
 * firmware.  AMD VM_CR (MSR 0xc0010114): the same for SVM. */
int recon_msr_intel_vmx_allowed(uint64_t feature_control);
int recon_msr_amd_svm_allowed(uint64_t vm_cr);
