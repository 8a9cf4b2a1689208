/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Names of environments and sources, and what known values mean. */
#include <string.h>
#include <strings.h>

#include "recon_tables.h"
#include "util.h"

#define B(e) RECON_BIT(RECON_VM_##e)

static const struct {
        const char *id;
        const char *name;
        enum recon_class klass;
} env_info[RECON_ENV_COUNT] = {
        [RECON_VM_NONE] = { "none", "bare metal", RECON_CLASS_BARE_METAL },
        /* The seeds: "KVM turns the Linux kernel into a Type 1 hypervisor". */
        [RECON_VM_KVM] = { "kvm", "KVM", RECON_CLASS_TYPE1 },
        [RECON_VM_QEMU] = { "qemu", "QEMU (software emulation, no KVM)", RECON_CLASS_TYPE2 },
        [RECON_VM_XEN] = { "xen", "Xen", RECON_CLASS_TYPE1 },
        [RECON_VM_VMWARE] = { "vmware", "VMware", RECON_CLASS_TYPE1_OR_2 },
        [RECON_VM_MICROSOFT] = { "microsoft", "Microsoft Hyper-V", RECON_CLASS_TYPE1 },
        [RECON_VM_ORACLE] = { "oracle", "Oracle VirtualBox", RECON_CLASS_TYPE2 },
        [RECON_VM_PARALLELS] = { "parallels", "Parallels", RECON_CLASS_TYPE2 },
        /* In the host's kernel, as KVM is: classed with KVM. */
        [RECON_VM_BHYVE] = { "bhyve", "bhyve", RECON_CLASS_TYPE1 },
        [RECON_VM_AMAZON] = { "amazon", "Amazon EC2 (Nitro, KVM-based)", RECON_CLASS_TYPE1 },
        [RECON_VM_GOOGLE] = { "google", "Google Compute Engine (KVM-based)", RECON_CLASS_TYPE1 },
        [RECON_VM_BOCHS] = { "bochs", "Bochs", RECON_CLASS_TYPE2 },
        [RECON_VM_ACRN] = { "acrn", "ACRN", RECON_CLASS_TYPE1 },
        [RECON_VM_QNX] = { "qnx", "QNX hypervisor", RECON_CLASS_TYPE1 },
        [RECON_VM_SRE] = { "sre", "LMHS SRE", RECON_CLASS_TYPE1 },
        [RECON_VM_APPLE] = { "apple", "Apple Virtualization framework", RECON_CLASS_TYPE2 },
        [RECON_VM_UML] = { "uml", "User-mode Linux", RECON_CLASS_TYPE2 },
        [RECON_VM_OTHER] = { "vm-other", "an unrecognised hypervisor", RECON_CLASS_UNKNOWN_VM },
        [RECON_CT_NONE] = { "none", "no container", RECON_CLASS_BARE_METAL },
        [RECON_CT_DOCKER] = { "docker", "Docker", RECON_CLASS_CONTAINER },
        [RECON_CT_PODMAN] = { "podman", "Podman", RECON_CLASS_CONTAINER },
        [RECON_CT_LXC] = { "lxc", "LXC", RECON_CLASS_CONTAINER },
        [RECON_CT_LXC_LIBVIRT] = { "lxc-libvirt", "libvirt LXC", RECON_CLASS_CONTAINER },
        [RECON_CT_NSPAWN] = { "systemd-nspawn", "systemd-nspawn", RECON_CLASS_CONTAINER },
        [RECON_CT_OPENVZ] = { "openvz", "OpenVZ", RECON_CLASS_CONTAINER },
        [RECON_CT_WSL] = { "wsl", "Windows Subsystem for Linux", RECON_CLASS_CONTAINER },
        [RECON_CT_PROOT] = { "proot", "proot", RECON_CLASS_CONTAINER },
        [RECON_CT_OTHER] = { "container-other", "an unrecognised container", RECON_CLASS_CONTAINER },
        [RECON_XEN_DOM0] = { "dom0", "dom0 (the control domain)", RECON_CLASS_TYPE1 },
        [RECON_XEN_DOMU] = { "domU", "domU (a guest domain)", RECON_CLASS_TYPE1 },
        [RECON_XEN_PV] = { "PV", "PV (paravirtualized)", RECON_CLASS_TYPE1 },
        [RECON_XEN_PVH] = { "PVH", "PVH (hardware-assisted, no emulated devices)", RECON_CLASS_TYPE1 },
        [RECON_XEN_HVM] = { "HVM", "HVM (hardware-assisted, emulated devices)", RECON_CLASS_TYPE1 },
};

const char *recon_env_id(enum recon_env e)
{
        return (unsigned)e < RECON_ENV_COUNT ? env_info[e].id : "unknown";
}

const char *recon_env_name(enum recon_env e)
{
        return (unsigned)e < RECON_ENV_COUNT ? env_info[e].name : "unknown";
}

enum recon_class recon_env_class(enum recon_env e)
{
        return (unsigned)e < RECON_ENV_COUNT ? env_info[e].klass : RECON_CLASS_UNKNOWN_VM;
}

enum recon_topic recon_env_topic(enum recon_env e)
{
        if (e <= RECON_VM_OTHER)
                return RECON_TOPIC_VM;
        if (e <= RECON_CT_OTHER)
                return RECON_TOPIC_CONTAINER;
        if (e <= RECON_XEN_DOMU)
                return RECON_TOPIC_XEN_ROLE;
        if (e <= RECON_XEN_HVM)
                return RECON_TOPIC_XEN_MODE;
        return RECON_TOPIC_INFO;
}

const char *recon_class_id(enum recon_class c)
{
        static const char *const ids[] = {
                [RECON_CLASS_BARE_METAL] = "bare-metal", [RECON_CLASS_TYPE1] = "type1",
                [RECON_CLASS_TYPE2] = "type2",           [RECON_CLASS_TYPE1_OR_2] = "type1-or-type2",
                [RECON_CLASS_UNKNOWN_VM] = "vm-unknown-type", [RECON_CLASS_CONTAINER] = "container",
                [RECON_CLASS_UNDETERMINED] = "undetermined",
        };
        return (unsigned)c < ELEMENTSOF(ids) ? ids[c] : "unknown";
}

const char *recon_class_name(enum recon_class c)
{
        static const char *const names[] = {
                [RECON_CLASS_BARE_METAL] = "bare metal",
                [RECON_CLASS_TYPE1] = "type 1 hypervisor",
                [RECON_CLASS_TYPE2] = "type 2 hypervisor",
                [RECON_CLASS_TYPE1_OR_2] = "type 1 (ESXi) or type 2 (Workstation, Fusion) hypervisor",
                [RECON_CLASS_UNKNOWN_VM] = "hypervisor of unknown type",
                [RECON_CLASS_CONTAINER] = "container",
                [RECON_CLASS_UNDETERMINED] = "undetermined (nothing could be read)",
        };
        return (unsigned)c < ELEMENTSOF(names) ? names[c] : "unknown";
}

const char *recon_source_id(enum recon_source s)
{
        static const char *const ids[RECON_SRC_COUNT] = {
                [RECON_SRC_CPUID] = "cpuid",
                [RECON_SRC_CPUID_XEN] = "cpuid-xen-pv",
                [RECON_SRC_CPUINFO] = "cpuinfo",
                [RECON_SRC_DMI] = "dmi",
                [RECON_SRC_SMBIOS] = "smbios",
                [RECON_SRC_ACPI] = "acpi",
                [RECON_SRC_HYPERVISOR] = "sys-hypervisor",
                [RECON_SRC_PROC_XEN] = "proc-xen",
                [RECON_SRC_MAC] = "mac",
                [RECON_SRC_PCI] = "pci",
                [RECON_SRC_BUS] = "bus",
                [RECON_SRC_CLOCKSOURCE] = "clocksource",
                [RECON_SRC_KLOG] = "kernel-log",
                [RECON_SRC_CMDLINE] = "cmdline",
                [RECON_SRC_CT_FILES] = "container-files",
                [RECON_SRC_INIT_ENV] = "init-env",
                [RECON_SRC_CGROUP] = "cgroup",
                [RECON_SRC_NAMESPACES] = "namespaces",
                [RECON_SRC_UIDMAP] = "uid-map",
                [RECON_SRC_OSRELEASE] = "osrelease",
                [RECON_SRC_PID1] = "pid1",
                [RECON_SRC_DEVICES] = "devices",
        };
        return (unsigned)s < RECON_SRC_COUNT && ids[s] ? ids[s] : "unknown";
}

const char *recon_topic_id(enum recon_topic t)
{
        static const char *const ids[RECON_TOPIC_COUNT] = {
                [RECON_TOPIC_INFO] = "info",         [RECON_TOPIC_VM] = "vm",
                [RECON_TOPIC_CONTAINER] = "container", [RECON_TOPIC_XEN_ROLE] = "xen-role",
                [RECON_TOPIC_XEN_MODE] = "xen-mode", [RECON_TOPIC_OUTER] = "outer",
        };
        return (unsigned)t < RECON_TOPIC_COUNT ? ids[t] : "unknown";
}

const char *recon_strength_id(enum recon_strength s)
{
        static const char *const ids[] = { "info", "weak", "medium", "strong" };
        return (unsigned)s < ELEMENTSOF(ids) ? ids[s] : "unknown";
}

const char *recon_vext_id(enum recon_vext v)
{
        static const char *const ids[] = {
                [RECON_VEXT_UNKNOWN] = "unknown",
                [RECON_VEXT_ABSENT] = "absent",
                [RECON_VEXT_ENABLED] = "enabled",
                [RECON_VEXT_FIRMWARE_DISABLED] = "disabled-by-firmware",
                [RECON_VEXT_HIDDEN] = "hidden-by-hypervisor",
                [RECON_VEXT_XEN] = "owned-by-xen",
        };
        return (unsigned)v < ELEMENTSOF(ids) ? ids[v] : "unknown";
}

/* --- CPUID hypervisor signatures ---------------------------------------- */

static const struct {
        const char sig[13];
        uint64_t suggests;
        const char *note;
} cpuid_sigs[] = {
        { "KVMKVMKVM\0\0\0", RECON_KVM_LIKE,
          "KVM's interface (also VirtualBox's KVM provider, EC2 Nitro, GCE)" },
        { "Linux KVM Hv", B(KVM), "KVM with Hyper-V enlightenments" },
        { "TCGTCGTCGTCG", B(QEMU), "QEMU without KVM (TCG)" },
        { "VMwareVMware", B(VMWARE), "VMware" },
        { "Microsoft Hv", RECON_HV_LIKE,
          "Hyper-V's interface (Hyper-V, or enlightenments offered by KVM, Xen, VirtualBox)" },
        { "XenVMMXenVMM", B(XEN), "Xen" },
        { "VBoxVBoxVBox", B(ORACLE), "VirtualBox" },
        { "bhyve bhyve ", B(BHYVE), "bhyve" },
        { " lrpepyh  vr", B(PARALLELS), "Parallels" },
        { "ACRNACRNACRN", B(ACRN), "ACRN" },
        { "QNXQVMBSQG\0\0", B(QNX), "QNX hypervisor" },
        { "SRESRESRESRE", B(SRE), "LMHS SRE" },
        { "Apple VZ\0\0\0\0", B(APPLE), "Apple Virtualization framework" },
        { "LKVMLKVMLKVM", B(KVM), "kvmtool (KVM)" },
        { "Jailhouse\0\0\0", B(OTHER), "Jailhouse partitioning hypervisor" },
};

bool recon_match_cpuid_sig(const char *sig, struct recon_match *m)
{
        char s[13] = { 0 };

        strncpy(s, sig, 12);
        for (size_t i = 0; i < ELEMENTSOF(cpuid_sigs); i++)
                if (memcmp(s, cpuid_sigs[i].sig, 12) == 0) {
                        *m = (struct recon_match){ cpuid_sigs[i].suggests, RECON_STRONG,
                                                   cpuid_sigs[i].note };
                        return true;
                }
        if (s[0] == 0)
                return false;
        *m = (struct recon_match){ B(OTHER), RECON_MEDIUM, "a hypervisor signature not in the table" };
        return true;
}

/* --- DMI ---------------------------------------------------------------- */

enum { PREFIX, EQUAL, CONTAINS };

static const struct {
        const char *field; /* NULL: any of the vendor/product fields */
        int how;
        const char *text;
        const char *with_vendor; /* sys_vendor must start with this */
        uint64_t suggests;
        enum recon_strength strength;
        const char *note;
} dmi_table[] = {
        /* Hypervisors, by what they write into the SMBIOS tables. */
        { NULL, PREFIX, "QEMU", NULL, RECON_QEMU_VMM, RECON_MEDIUM, "QEMU's firmware tables (with or without KVM)" },
        { "product_name", PREFIX, "KVM", NULL, B(KVM), RECON_MEDIUM, "a KVM product name" },
        { "sys_vendor", PREFIX, "Red Hat", NULL, B(KVM), RECON_MEDIUM, "Red Hat's KVM" },
        { NULL, PREFIX, "OpenStack", NULL, B(KVM), RECON_MEDIUM, "an OpenStack instance (KVM)" },
        { NULL, PREFIX, "KubeVirt", NULL, B(KVM), RECON_MEDIUM, "a KubeVirt instance (KVM)" },
        { "sys_vendor", PREFIX, "oVirt", NULL, B(KVM), RECON_MEDIUM, "oVirt (KVM)" },
        { "sys_vendor", PREFIX, "Nutanix", NULL, B(KVM), RECON_MEDIUM, "Nutanix AHV (KVM)" },
        { "sys_vendor", PREFIX, "DigitalOcean", NULL, B(KVM), RECON_MEDIUM, "DigitalOcean (KVM)" },
        { "sys_vendor", PREFIX, "Hetzner", NULL, B(KVM), RECON_MEDIUM, "Hetzner Cloud (KVM)" },
        { "sys_vendor", PREFIX, "Alibaba Cloud", NULL, B(KVM), RECON_MEDIUM, "Alibaba Cloud ECS (KVM)" },
        { "sys_vendor", PREFIX, "Tencent Cloud", NULL, B(KVM), RECON_MEDIUM, "Tencent Cloud (KVM)" },
        { "sys_vendor", PREFIX, "Cloud Hypervisor", NULL, B(KVM) | B(MICROSOFT), RECON_MEDIUM,
          "Cloud Hypervisor (on KVM or MSHV)" },
        { "sys_vendor", PREFIX, "Amazon EC2", NULL, B(AMAZON) | B(NONE), RECON_MEDIUM,
          "Amazon EC2 (a Nitro VM or a .metal host)" },
        { "product_name", CONTAINS, ".metal", "Amazon EC2", B(NONE), RECON_MEDIUM,
          "an EC2 bare-metal instance" },
        { "product_name", PREFIX, "Google Compute Engine", NULL, B(GOOGLE), RECON_MEDIUM,
          "Google Compute Engine" },
        { NULL, PREFIX, "VMware", NULL, B(VMWARE), RECON_MEDIUM, "VMware's virtual platform" },
        { NULL, PREFIX, "VMW", NULL, B(VMWARE), RECON_MEDIUM, "VMware's virtual platform" },
        { "product_serial", PREFIX, "VMware-", NULL, B(VMWARE), RECON_MEDIUM, "a VMware serial number" },
        { "board_name", EQUAL, "440BX Desktop Reference Platform", NULL, B(VMWARE), RECON_WEAK,
          "VMware's virtual motherboard (a 1998 Intel board)" },
        { NULL, PREFIX, "innotek GmbH", NULL, B(ORACLE), RECON_MEDIUM, "VirtualBox (innotek)" },
        { NULL, PREFIX, "VirtualBox", NULL, B(ORACLE), RECON_MEDIUM, "VirtualBox" },
        { "bios_version", PREFIX, "VirtualBox", NULL, B(ORACLE), RECON_MEDIUM, "VirtualBox's BIOS" },
        { NULL, PREFIX, "Xen", NULL, B(XEN), RECON_MEDIUM, "Xen's HVM firmware tables" },
        { "product_name", EQUAL, "HVM domU", NULL, B(XEN), RECON_MEDIUM, "a Xen HVM guest" },
        { "product_version", CONTAINS, "amazon", "Xen", B(XEN) | B(AMAZON), RECON_MEDIUM,
          "Amazon's Xen-based EC2" },
        { "product_uuid", PREFIX, "ec2", NULL, B(XEN) | B(AMAZON) | B(NONE), RECON_WEAK,
          "an EC2 instance UUID" },
        { "product_name", EQUAL, "Virtual Machine", "Microsoft Corporation", B(MICROSOFT),
          RECON_MEDIUM, "a Hyper-V virtual machine" },
        { "product_version", PREFIX, "Hyper-V", NULL, B(MICROSOFT), RECON_MEDIUM, "Hyper-V firmware" },
        { "bios_version", PREFIX, "Hyper-V", NULL, B(MICROSOFT), RECON_MEDIUM, "Hyper-V firmware" },
        { NULL, PREFIX, "Parallels", NULL, B(PARALLELS), RECON_MEDIUM, "Parallels" },
        { NULL, PREFIX, "BHYVE", NULL, B(BHYVE), RECON_MEDIUM, "bhyve" },
        { NULL, PREFIX, "Bochs", NULL, B(BOCHS) | RECON_QEMU_VMM, RECON_MEDIUM,
          "Bochs firmware (Bochs, or old QEMU)" },
        { NULL, PREFIX, "Apple Virtualization", NULL, B(APPLE), RECON_MEDIUM,
          "Apple's Virtualization framework" },
        { "bios_vendor", PREFIX, "SeaBIOS", NULL, RECON_QEMU_VMM | B(XEN) | B(BOCHS), RECON_WEAK,
          "SeaBIOS, the usual firmware of QEMU (also a coreboot payload)" },
        { "bios_vendor", PREFIX, "EFI Development Kit II / OVMF", NULL, RECON_QEMU_VMM | B(XEN),
          RECON_MEDIUM, "OVMF, the UEFI firmware for virtual machines" },
        /* The kernel's one-line "DMI:" boot message. */
        { "dmi_line", CONTAINS, "Hyper-V", NULL, B(MICROSOFT), RECON_MEDIUM, "Hyper-V firmware" },
        { "dmi_line", PREFIX, "Microsoft Corporation Virtual Machine", NULL, B(MICROSOFT),
          RECON_MEDIUM, "a Hyper-V virtual machine" },
        /* Makers of real machines. */
        { "sys_vendor", PREFIX, "Dell", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "HP", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Hewlett-Packard", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "LENOVO", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "ASUSTeK", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Micro-Star", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Gigabyte", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "GIGABYTE", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "ASRock", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Supermicro", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Apple Inc.", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Framework", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Acer", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "FUJITSU", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "TOSHIBA", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "SAMSUNG", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "System76", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Purism", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Cisco", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Inspur", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Quanta", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "sys_vendor", PREFIX, "Intel Corporation", NULL, B(NONE), RECON_MEDIUM, "a hardware maker" },
        { "product_name", PREFIX, "Surface", "Microsoft Corporation", B(NONE), RECON_MEDIUM,
          "a Microsoft Surface" },
        { "sys_vendor", EQUAL, "To Be Filled By O.E.M.", NULL, B(NONE), RECON_WEAK,
          "a motherboard's placeholder string" },
        { "sys_vendor", EQUAL, "System manufacturer", NULL, B(NONE), RECON_WEAK,
          "a motherboard's placeholder string" },
        { "sys_vendor", EQUAL, "Default string", NULL, B(NONE), RECON_WEAK,
          "a motherboard's placeholder string" },
};

static bool dmi_vote_field(const char *field)
{
        static const char *const fields[] = { "sys_vendor",  "product_name", "board_vendor",
                                              "board_name",  "bios_vendor",  "chassis_vendor" };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (strcmp(field, fields[i]) == 0)
                        return true;
        return false;
}

bool recon_match_dmi(const char *field, const char *value, const char *sys_vendor,
                     struct recon_match *m)
{
        if (!value || !*value)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(dmi_table); i++) {
                bool hit;

                if (dmi_table[i].field ? strcmp(field, dmi_table[i].field) != 0 : !dmi_vote_field(field))
                        continue;
                if (dmi_table[i].with_vendor &&
                    (!sys_vendor || strncmp(sys_vendor, dmi_table[i].with_vendor,
                                            strlen(dmi_table[i].with_vendor)) != 0))
                        continue;
                switch (dmi_table[i].how) {
                case PREFIX:
                        hit = strncmp(value, dmi_table[i].text, strlen(dmi_table[i].text)) == 0;
                        break;
                case EQUAL:
                        hit = strcmp(value, dmi_table[i].text) == 0;
                        break;
                default:
                        hit = strstr(value, dmi_table[i].text) != NULL;
                        break;
                }
                if (hit) {
                        *m = (struct recon_match){ dmi_table[i].suggests, dmi_table[i].strength,
                                                   dmi_table[i].note };
                        return true;
                }
        }
        return false;
}

/* --- MAC address prefixes (IEEE OUIs the hypervisors assign from) -------- */

static const struct {
        uint8_t oui[3];
        uint64_t suggests;
        const char *note;
} ouis[] = {
        { { 0x00, 0x05, 0x69 }, B(VMWARE), "VMware's OUI" },
        { { 0x00, 0x0c, 0x29 }, B(VMWARE), "VMware's OUI (generated addresses)" },
        { { 0x00, 0x1c, 0x14 }, B(VMWARE), "VMware's OUI" },
        { { 0x00, 0x50, 0x56 }, B(VMWARE), "VMware's OUI (vCenter and static addresses)" },
        { { 0x08, 0x00, 0x27 }, B(ORACLE), "VirtualBox's OUI" },
        { { 0x00, 0x16, 0x3e }, B(XEN), "Xen's OUI" },
        { { 0x52, 0x54, 0x00 }, RECON_QEMU_VMM, "QEMU's and libvirt's default prefix" },
        { { 0x00, 0x15, 0x5d }, B(MICROSOFT), "Hyper-V's OUI" },
        { { 0x00, 0x0d, 0x3a }, B(MICROSOFT), "Microsoft's OUI used by Azure (Hyper-V)" },
        { { 0x00, 0x03, 0xff }, B(MICROSOFT), "Microsoft Virtual PC's OUI" },
        { { 0x00, 0x1c, 0x42 }, B(PARALLELS), "Parallels' OUI" },
        { { 0x58, 0x9c, 0xfc }, B(BHYVE), "bhyve's OUI" },
        { { 0x42, 0x01, 0x0a }, B(GOOGLE), "Google Compute Engine's address prefix" },
};

bool recon_match_oui(const uint8_t mac[6], struct recon_match *m)
{
        for (size_t i = 0; i < ELEMENTSOF(ouis); i++)
                if (memcmp(mac, ouis[i].oui, 3) == 0) {
                        *m = (struct recon_match){ ouis[i].suggests, RECON_WEAK, ouis[i].note };
                        return true;
                }
        return false;
}

/* --- PCI ------------------------------------------------------------------ */

static const struct {
        uint16_t vendor;
        int32_t device; /* -1: any */
        uint64_t suggests;
        enum recon_strength strength;
        const char *note;
} pci_table[] = {
        /* VirtualBox's default display (VMSVGA) copies VMware's SVGA II ID. */
        { 0x15ad, 0x0405, B(VMWARE) | B(ORACLE), RECON_MEDIUM,
          "VMware SVGA II (VMware, or VirtualBox's VMSVGA)" },
        { 0x15ad, -1, B(VMWARE), RECON_MEDIUM, "a VMware virtual device" },
        { 0x80ee, -1, B(ORACLE), RECON_MEDIUM, "a VirtualBox virtual device" },
        { 0x1414, -1, B(MICROSOFT), RECON_MEDIUM, "a Hyper-V/Azure device (Microsoft)" },
        { 0x5853, -1, B(XEN), RECON_MEDIUM, "the Xen platform device (HVM)" },
        /* Xen's HVM device model is QEMU too. */
        { 0x1b36, -1, RECON_QEMU_VMM | B(XEN), RECON_MEDIUM, "a QEMU device (Red Hat's QEMU ID range)" },
        { 0x1234, 0x1111, RECON_QEMU_VMM | B(XEN) | B(BOCHS), RECON_MEDIUM,
          "QEMU's standard VGA (Bochs display)" },
        { 0x1af4, -1, RECON_VM_ANY, RECON_WEAK, "a virtio device (KVM, bhyve, microVMs, ...)" },
        { 0x1ab8, -1, B(PARALLELS), RECON_MEDIUM, "a Parallels device" },
        { 0x1d0f, -1, B(AMAZON) | B(NONE), RECON_WEAK, "an AWS Nitro device (VMs and .metal)" },
        { 0x1ae0, -1, B(GOOGLE) | B(NONE), RECON_WEAK, "a Google device (gVNIC)" },
        /* Cloud Hypervisor's and Firecracker's PCI root bridge. */
        { 0x8086, 0x0d57, B(KVM) | B(MICROSOFT), RECON_MEDIUM,
          "the PCI host bridge of Cloud Hypervisor / Firecracker" },
};

bool recon_match_pci(uint16_t vendor, uint16_t device, struct recon_match *m)
{
        for (size_t i = 0; i < ELEMENTSOF(pci_table); i++)
                if (pci_table[i].vendor == vendor &&
                    (pci_table[i].device < 0 || pci_table[i].device == device)) {
                        *m = (struct recon_match){ pci_table[i].suggests, pci_table[i].strength,
                                                   pci_table[i].note };
                        return true;
                }
        return false;
}

bool recon_match_pci_subsystem(uint16_t vendor, uint16_t subvendor, struct recon_match *m)
{
        if (subvendor == vendor)
                return false;
        switch (subvendor) {
        case 0x1af4:
                *m = (struct recon_match){ RECON_QEMU_VMM | B(XEN), RECON_MEDIUM,
                                           "QEMU's emulated chipset (subsystem 1af4; also Xen HVM's)" };
                return true;
        case 0x15ad:
                *m = (struct recon_match){ B(VMWARE), RECON_MEDIUM,
                                           "VMware's emulated device (subsystem 15ad)" };
                return true;
        case 0x80ee:
                *m = (struct recon_match){ B(ORACLE), RECON_MEDIUM,
                                           "VirtualBox's emulated device (subsystem 80ee)" };
                return true;
        case 0x5853:
                *m = (struct recon_match){ B(XEN), RECON_MEDIUM,
                                           "Xen's emulated device (subsystem 5853)" };
                return true;
        }
        return false;
}

/* --- clock sources ------------------------------------------------------ */

bool recon_match_clocksource(const char *name, struct recon_match *m)
{
        if (strcmp(name, "kvm-clock") == 0) {
                *m = (struct recon_match){ RECON_KVM_LIKE, RECON_MEDIUM,
                                           "KVM's paravirtual clock (also VirtualBox's KVM provider)" };
                return true;
        }
        if (strcmp(name, "xen") == 0) {
                *m = (struct recon_match){ B(XEN), RECON_MEDIUM, "Xen's paravirtual clock" };
                return true;
        }
        if (strncmp(name, "hyperv_clocksource", 18) == 0) {
                *m = (struct recon_match){ RECON_HV_LIKE, RECON_MEDIUM, "Hyper-V's reference clock" };
                return true;
        }
        return false;
}

/* --- ACPI OEM IDs ------------------------------------------------------- */

static const struct {
        const char *oem;
        uint64_t suggests;
        const char *note;
} acpi_oems[] = {
        { "BOCHS", RECON_QEMU_VMM | B(BOCHS), "QEMU's ACPI tables" },
        { "VBOX", B(ORACLE), "VirtualBox's ACPI tables" },
        { "VMWARE", B(VMWARE), "VMware's ACPI tables" },
        { "VRTUAL", B(MICROSOFT), "Hyper-V's ACPI tables" },
        { "Xen", B(XEN), "Xen's ACPI tables" },
        { "AMAZON", B(AMAZON), "Amazon's ACPI tables" },
        { "FIRECK", B(KVM), "Firecracker's ACPI tables" },
        { "CLOUDH", B(KVM) | B(MICROSOFT), "Cloud Hypervisor's ACPI tables" },
        { "BHYVE", B(BHYVE), "bhyve's ACPI tables" },
        { "GOOGLE", B(GOOGLE), "Google's ACPI tables" },
};

bool recon_match_acpi_oem(const char *oem, struct recon_match *m)
{
        char t[7] = { 0 };
        size_t n;

        strncpy(t, oem, 6);
        n = strlen(t);
        while (n > 0 && t[n - 1] == ' ')
                t[--n] = 0;
        for (size_t i = 0; i < ELEMENTSOF(acpi_oems); i++)
                if (strcmp(t, acpi_oems[i].oem) == 0) {
                        *m = (struct recon_match){ acpi_oems[i].suggests, RECON_MEDIUM, acpi_oems[i].note };
                        return true;
                }
        return false;
}

/* --- the kernel's own words -------------------------------------------- */

bool recon_match_klog_hypervisor(const char *name, struct recon_match *m)
{
        static const struct {
                const char *name;
                uint64_t suggests;
                const char *note;
        } t[] = {
                { "KVM", RECON_KVM_LIKE, "the kernel found KVM's interface" },
                { "Xen HVM", B(XEN), "the kernel found Xen (HVM or PVH guest)" },
                { "Xen PV", B(XEN), "the kernel found Xen (PV guest)" },
                { "VMware", B(VMWARE), "the kernel found VMware" },
                { "Microsoft Hyper-V", RECON_HV_LIKE, "the kernel found Hyper-V's interface" },
                { "ACRN", B(ACRN), "the kernel found ACRN" },
                { "Jailhouse", B(OTHER), "the kernel found Jailhouse" },
                /* PVM: KVM's pagetable-based mode for guests without VMX/SVM. */
                { "PVM", B(KVM), "the kernel found PVM (KVM's pagetable-based virtualization)" },
                { "Bhyve", B(BHYVE), "the kernel found bhyve" },
                { "BHYVE", B(BHYVE), "the kernel found bhyve" },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++)
                if (strcmp(name, t[i].name) == 0) {
                        *m = (struct recon_match){ t[i].suggests, RECON_STRONG, t[i].note };
                        return true;
                }
        *m = (struct recon_match){ B(OTHER), RECON_STRONG, "the kernel found a hypervisor" };
        return true;
}

bool recon_match_klog_pv(const char *name, struct recon_match *m)
{
        if (strcmp(name, "bare hardware") == 0) {
                /* Only says no paravirtual interface is used: QEMU without
                 * KVM and cloaked hypervisors print it too. */
                *m = (struct recon_match){ B(NONE), RECON_WEAK,
                                           "the kernel uses no paravirtual interface" };
                return true;
        }
        if (strncmp(name, "KVM", 3) == 0) {
                *m = (struct recon_match){ RECON_KVM_LIKE, RECON_MEDIUM, "the kernel uses KVM's interface" };
                return true;
        }
        if (strncmp(name, "Xen", 3) == 0) {
                *m = (struct recon_match){ B(XEN), RECON_MEDIUM, "the kernel uses Xen's interface" };
                return true;
        }
        if (strncmp(name, "VMware", 6) == 0) {
                *m = (struct recon_match){ B(VMWARE), RECON_MEDIUM, "the kernel uses VMware's interface" };
                return true;
        }
        return false;
}
