/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkhead recon: what this machine can virtualize, what it runs on right
 * now, and whether a Bulkhead backend can run here, with the evidence.
 *
 * Every source of evidence (CPUID, DMI, /sys/hypervisor, MAC addresses, ...)
 * yields findings: source, key, value, and what the finding suggests (a set
 * of environments, with a strength).  The verdict (recon_verdict.c, pure)
 * combines them and keeps every finding that contradicts its choice, so the
 * report can show both sides.  Probing (recon_probe*.c) is the only part
 * that reads the machine, always below a root prefix, so fixture trees test
 * the whole path.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "recon_limits.h"

/* What a finding can suggest.  One enum for every topic so a finding's
 * suggestion is one bit mask; RECON_TOPIC_* says which bits belong where.
 * The short names are systemd-detect-virt's where it has one. */
enum recon_env {
        /* The machine our kernel runs on. */
        RECON_VM_NONE, /* bare metal */
        RECON_VM_KVM,
        RECON_VM_QEMU, /* QEMU without KVM (TCG emulation) */
        RECON_VM_XEN,
        RECON_VM_VMWARE,
        RECON_VM_MICROSOFT, /* Hyper-V */
        RECON_VM_ORACLE,    /* VirtualBox */
        RECON_VM_PARALLELS,
        RECON_VM_BHYVE,
        RECON_VM_AMAZON,
        RECON_VM_GOOGLE,
        RECON_VM_BOCHS,
        RECON_VM_ACRN,
        RECON_VM_QNX,
        RECON_VM_SRE,
        RECON_VM_APPLE,
        RECON_VM_UML,
        RECON_VM_OTHER, /* a hypervisor, not recognised */
        /* The container our process runs in. */
        RECON_CT_NONE,
        RECON_CT_DOCKER,
        RECON_CT_PODMAN,
        RECON_CT_LXC,
        RECON_CT_LXC_LIBVIRT,
        RECON_CT_NSPAWN,
        RECON_CT_OPENVZ,
        RECON_CT_WSL,
        RECON_CT_PROOT,
        RECON_CT_OTHER,
        /* Under Xen: which domain we are, and how it is virtualized. */
        RECON_XEN_DOM0,
        RECON_XEN_DOMU,
        RECON_XEN_PV,
        RECON_XEN_PVH,
        RECON_XEN_HVM,
        RECON_ENV_COUNT
};

#define RECON_BIT(e) (UINT64_C(1) << (e))
#define RECON_BITS_RANGE(a, b) ((RECON_BIT((b) + 1) - 1) & ~(RECON_BIT(a) - 1))
/* Any hypervisor at all (not bare metal). */
#define RECON_VM_ANY RECON_BITS_RANGE(RECON_VM_KVM, RECON_VM_OTHER)
#define RECON_VM_ALL RECON_BITS_RANGE(RECON_VM_NONE, RECON_VM_OTHER)
/* Any container at all. */
#define RECON_CT_ANY RECON_BITS_RANGE(RECON_CT_DOCKER, RECON_CT_OTHER)
#define RECON_CT_ALL RECON_BITS_RANGE(RECON_CT_NONE, RECON_CT_OTHER)
#define RECON_XEN_ROLE_ALL (RECON_BIT(RECON_XEN_DOM0) | RECON_BIT(RECON_XEN_DOMU))
#define RECON_XEN_MODE_ALL \
        (RECON_BIT(RECON_XEN_PV) | RECON_BIT(RECON_XEN_PVH) | RECON_BIT(RECON_XEN_HVM))

enum recon_topic {
        RECON_TOPIC_INFO,      /* a fact shown in the report, no vote */
        RECON_TOPIC_VM,        /* which hypervisor runs our kernel */
        RECON_TOPIC_CONTAINER, /* which container runs our process */
        RECON_TOPIC_XEN_ROLE,  /* dom0 or domU */
        RECON_TOPIC_XEN_MODE,  /* PV, PVH or HVM */
        RECON_TOPIC_OUTER,     /* what Xen itself runs on (set by the verdict) */
        RECON_TOPIC_COUNT
};

enum recon_strength {
        RECON_INFO = 0,
        RECON_WEAK = 1,   /* consistent with, easily faked or shared */
        RECON_MEDIUM = 2, /* typical of the environment, rarely elsewhere */
        RECON_STRONG = 3, /* the environment's own statement */
};

enum recon_source {
        RECON_SRC_CPUID,      /* the CPUID instruction */
        RECON_SRC_CPUID_XEN,  /* CPUID through Xen's PV forced-emulation prefix */
        RECON_SRC_CPUINFO,    /* /proc/cpuinfo: the kernel's view of the CPU */
        RECON_SRC_DMI,        /* /sys/class/dmi/id */
        RECON_SRC_SMBIOS,     /* /sys/firmware/dmi/entries (root) */
        RECON_SRC_ACPI,       /* /sys/firmware/acpi/tables */
        RECON_SRC_HYPERVISOR, /* /sys/hypervisor */
        RECON_SRC_PROC_XEN,   /* /proc/xen */
        RECON_SRC_MAC,        /* /sys/class/net/<dev>/address */
        RECON_SRC_PCI,        /* /sys/bus/pci/devices */
        RECON_SRC_BUS,        /* /sys/bus/{virtio,xen,xen-backend,vmbus} */
        RECON_SRC_CLOCKSOURCE,
        RECON_SRC_KLOG,       /* the kernel's boot messages */
        RECON_SRC_CMDLINE,    /* /proc/cmdline */
        RECON_SRC_CT_FILES,   /* /.dockerenv, /run/.containerenv, ... */
        RECON_SRC_INIT_ENV,   /* PID 1's $container, /run/systemd/container */
        RECON_SRC_CGROUP,     /* /proc/self/cgroup */
        RECON_SRC_NAMESPACES, /* /proc/self/ns/ inode numbers */
        RECON_SRC_UIDMAP,     /* /proc/self/uid_map */
        RECON_SRC_OSRELEASE,  /* /proc/sys/kernel/osrelease */
        RECON_SRC_PID1,       /* /proc/1/comm */
        RECON_SRC_DEVICES,    /* /dev nodes: kvm, xen/privcmd, vboxdrv */
        RECON_SRC_COUNT
};

struct recon_finding {
        enum recon_source source;
        enum recon_topic topic;
        enum recon_strength strength;
        uint64_t suggests; /* RECON_BIT()s within the topic; 0 for INFO */
        char key[RECON_KEY_MAX];
        char value[RECON_VALUE_MAX]; /* printable ASCII, sanitized on entry */
        char note[RECON_NOTE_MAX];   /* what it suggests, in words */
};

struct recon_evidence {
        unsigned n;
        bool overflow; /* more findings than RECON_MAX_FINDINGS were offered */
        struct recon_finding f[RECON_MAX_FINDINGS];
};

/* -1 unknown, 0 no, 1 yes. */
typedef int8_t recon_tri;
#define RECON_UNKNOWN ((recon_tri)-1)

/* Hardware virtualization extension (VT-x or AMD-V), as far as it can be read. */
enum recon_vext {
        RECON_VEXT_UNKNOWN,
        RECON_VEXT_ABSENT,            /* the CPU does not have it */
        RECON_VEXT_ENABLED,           /* present and usable by this kernel */
        RECON_VEXT_FIRMWARE_DISABLED, /* present, switched off by firmware */
        RECON_VEXT_HIDDEN,            /* we are a guest and the hypervisor hides it */
        RECON_VEXT_XEN,               /* owned by Xen, which can use it for HVM/PVH */
};

struct recon_hw {
        char cpu_vendor[16];
        char cpu_model[RECON_VALUE_MAX];
        int family, model, stepping; /* -1 unknown */
        bool intel, amd;
        /* CPUID bit, kernel's flag (/proc/cpuinfo), firmware state. */
        recon_tri vmx_cpuid, svm_cpuid, vmx_flag, svm_flag;
        recon_tri vext_fw_locked_off; /* firmware disabled it (MSR or kernel log) */
        char vext_fw_how[RECON_NOTE_MAX];
        enum recon_vext vext;
        recon_tri ept, npt, vpid, unrestricted_guest;
        recon_tri xen_hap; /* Xen uses EPT/NPT (libxl physinfo, root in dom0) */
        recon_tri kvm_dev;     /* /dev/kvm: this kernel can host KVM guests */
        recon_tri kvm_nested;  /* kvm_intel/kvm_amd nested=1: guests may nest */
        recon_tri xen_hvm_cap; /* Xen lists hvm-* capabilities */
        /* IOMMU */
        char iommu_kind[16];           /* "Intel VT-d", "AMD-Vi" or "" */
        recon_tri iommu_firmware;      /* DMAR / IVRS ACPI table present */
        recon_tri iommu_kernel;        /* the kernel drives it (/sys/class/iommu) */
        recon_tri iommu_xen;           /* Xen took it (table renamed XMAR) */
        int iommu_units;               /* entries in /sys/class/iommu */
        int iommu_groups;              /* entries in /sys/kernel/iommu_groups, -1 unknown */
        recon_tri intr_remap_supported;
        recon_tri intr_remap_enabled;
        char iommu_cmdline[RECON_VALUE_MAX]; /* intel_iommu=, amd_iommu=, iommu= */
        /* Memory */
        uint64_t mem_total_kib; /* this kernel's MemTotal */
        uint64_t xen_total_kib; /* the whole machine, from Xen (root in dom0), 0 unknown */
        recon_tri uefi;
};

struct recon_ready {
        /* Xen backend */
        recon_tri xen_running, xen_dom0, privcmd, xenstore;
        recon_tri libxl; /* could open libxl and read the physical info */
        char libxl_detail[RECON_NOTE_MAX];
        char xen_version[32];
        recon_tri xen_hvm_directio; /* Xen can pass PCI devices through (IOMMU) */
        /* Container backend */
        recon_tri userns, userns_unpriv, overlayfs, cgroup2, seccomp;
        char cgroup2_controllers[RECON_VALUE_MAX];
        char userns_detail[RECON_NOTE_MAX];
        recon_tri xen_backend, container_backend;
        char container_missing[RECON_NOTE_MAX];
};

struct recon_tally {
        bool decided; /* some finding voted in this topic */
        enum recon_env winner;
        int score[RECON_ENV_COUNT];
        bool agree; /* no medium or strong finding contradicts the winner */
        unsigned contradictions; /* findings of any strength against the winner */
};

enum recon_class {
        RECON_CLASS_BARE_METAL,
        RECON_CLASS_TYPE1,
        RECON_CLASS_TYPE2,
        RECON_CLASS_TYPE1_OR_2, /* VMware: ESXi or Workstation/Fusion, not visible inside */
        RECON_CLASS_UNKNOWN_VM,
        RECON_CLASS_CONTAINER,
        RECON_CLASS_UNDETERMINED, /* no evidence could be read */
};

struct recon_verdict {
        struct recon_tally t[RECON_TOPIC_COUNT];
        enum recon_class klass;      /* where our process runs, the seeds' words */
        enum recon_class kernel_klass; /* where our kernel runs */
        bool xen;                    /* the kernel runs under Xen */
        bool outer_known;            /* what Xen runs on was seen */
        recon_tri nested_available;  /* we are a guest that can run its own guests */
        bool agree;                  /* every topic agrees */
};

#define RECON_MAX_NOTES 24
struct recon_result {
        char root[RECON_PATH_MAX];
        bool live;       /* root is "/": CPUID and the kernel log are read live */
        bool privileged; /* root-only sources were read */
        struct recon_evidence ev;
        struct recon_hw hw;
        struct recon_ready ready;
        struct recon_verdict verdict;
        unsigned n_root_notes; /* what root would add, one line each */
        char root_notes[RECON_MAX_NOTES][RECON_NOTE_MAX];
        unsigned n_notes; /* other remarks (unreadable sources, wrapped log) */
        char notes[RECON_MAX_NOTES][RECON_NOTE_MAX];
};

/* --- tables (recon_tables.c) ------------------------------------------- */
const char *recon_env_id(enum recon_env e);   /* "kvm", "docker", "dom0" */
const char *recon_env_name(enum recon_env e); /* "KVM", "Docker", "dom0 (control domain)" */
enum recon_topic recon_env_topic(enum recon_env e);
enum recon_class recon_env_class(enum recon_env e);
const char *recon_class_id(enum recon_class c);   /* "type1" */
const char *recon_class_name(enum recon_class c); /* "type 1 hypervisor" */
const char *recon_source_id(enum recon_source s);
const char *recon_topic_id(enum recon_topic t);
const char *recon_strength_id(enum recon_strength s);
const char *recon_vext_id(enum recon_vext v);

/* --- evidence (recon_evidence.c) --------------------------------------- */
void recon_evidence_init(struct recon_evidence *ev);
/* Adds a finding; value is sanitized (non-printable bytes become '?', cut
 * to RECON_VALUE_MAX - 1).  Returns the finding, or NULL when full. */
struct recon_finding *recon_add(struct recon_evidence *ev, enum recon_source src,
                                enum recon_topic topic, enum recon_strength strength,
                                uint64_t suggests, const char *key, const char *value,
                                const char *note_fmt, ...)
        __attribute__((format(printf, 8, 9)));
void recon_note(struct recon_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void recon_root_note(struct recon_result *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* --- verdict (recon_verdict.c, pure) ----------------------------------- */
/* Combines the findings.  May move findings that describe the machine below
 * Xen from RECON_TOPIC_VM to RECON_TOPIC_OUTER. */
void recon_verdict_compute(struct recon_evidence *ev, struct recon_verdict *v);
/* A finding contradicts its topic's winner. */
bool recon_finding_contradicts(const struct recon_finding *f, const struct recon_verdict *v);
/* Hardware extension state from what was read (pure). */
enum recon_vext recon_vext_judge(const struct recon_hw *hw, bool guest, bool xen_pv_or_dom0);

/* --- probing (recon_probe*.c) ------------------------------------------ */
struct recon_options {
        const char *root;  /* "/" for this machine */
        bool unprivileged; /* skip root-only sources even when root */
        const char *snapshot; /* copy what is read into this directory, or NULL */
};
/* Fills r.  Returns 0, or a negative errno when the root cannot be read at
 * all (then the report is meaningless). */
int recon_run(const struct recon_options *o, struct recon_result *r);

/* --- report (recon_report.c) ------------------------------------------- */
int recon_report_text(FILE *out, const struct recon_result *r);
int recon_report_json(FILE *out, const struct recon_result *r);

/* Exit codes of bulkhead-recon (documented in man/bulkhead-recon.1). */
enum {
        RECON_EXIT_OK = 0,         /* report written, the evidence agrees */
        RECON_EXIT_DISAGREE = 1,   /* report written, sources disagree (shown) */
        RECON_EXIT_USAGE = 2,      /* bad command line */
        RECON_EXIT_UNREADABLE = 3, /* the root cannot be read: no report */
};
