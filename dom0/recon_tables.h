/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What known values mean: CPUID signatures, DMI strings, MAC OUIs, PCI
 * vendors, clock sources, ACPI OEM IDs.  Pure lookups; each answer is a set
 * of environments (some values are shared, e.g. VirtualBox offers KVM's
 * CPUID interface) and a strength.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "recon.h"

struct recon_match {
        uint64_t suggests;
        enum recon_strength strength;
        const char *note;
};

/* Sets shared by several hypervisors. */
/* KVM's CPUID interface and kvm-clock: KVM itself, VirtualBox's "KVM"
 * paravirtualization provider (its default for Linux guests), and the
 * KVM-based clouds. */
#define RECON_KVM_LIKE                                                                 \
        (RECON_BIT(RECON_VM_KVM) | RECON_BIT(RECON_VM_ORACLE) | RECON_BIT(RECON_VM_AMAZON) | \
         RECON_BIT(RECON_VM_GOOGLE))
/* Hyper-V's interface: Hyper-V, and the enlightenments KVM, Xen (viridian)
 * and VirtualBox offer to Windows guests. */
#define RECON_HV_LIKE                                                                      \
        (RECON_BIT(RECON_VM_MICROSOFT) | RECON_BIT(RECON_VM_KVM) | RECON_BIT(RECON_VM_XEN) | \
         RECON_BIT(RECON_VM_ORACLE))
/* QEMU's devices and firmware: QEMU with KVM or without. */
#define RECON_QEMU_VMM (RECON_BIT(RECON_VM_KVM) | RECON_BIT(RECON_VM_QEMU))

/* sig: the 12 bytes of EBX, ECX, EDX of a hypervisor leaf, NUL-terminated. */
bool recon_match_cpuid_sig(const char *sig, struct recon_match *m);
/* field: the file name under /sys/class/dmi/id; sys_vendor: that file's
 * value (some strings mean something only with their vendor). */
bool recon_match_dmi(const char *field, const char *value, const char *sys_vendor,
                     struct recon_match *m);
bool recon_match_oui(const uint8_t mac[6], struct recon_match *m);
bool recon_match_pci(uint16_t vendor, uint16_t device, struct recon_match *m);
/* A PCI subsystem vendor on a device of another vendor (emulated chipsets). */
bool recon_match_pci_subsystem(uint16_t vendor, uint16_t subvendor, struct recon_match *m);
bool recon_match_clocksource(const char *name, struct recon_match *m);
/* oem: the 6-byte OEM ID of an ACPI table header, NUL-terminated. */
bool recon_match_acpi_oem(const char *oem, struct recon_match *m);
/* The name the kernel printed in "Hypervisor detected: NAME". */
bool recon_match_klog_hypervisor(const char *name, struct recon_match *m);
/* The name in "Booting paravirtualized kernel on NAME". */
bool recon_match_klog_pv(const char *name, struct recon_match *m);
