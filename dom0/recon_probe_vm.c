/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where our kernel runs: CPUID, /sys/hypervisor, firmware tables, devices,
 * the kernel's own view.  Each source adds findings; recon_verdict.c judges. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recon_probe.h"
#include "recon_tables.h"
#include "util.h"

#define VM RECON_TOPIC_VM
#define INFO RECON_TOPIC_INFO

static void add_match(struct recon_probe *p, enum recon_source src, const char *key,
                      const char *value, const struct recon_match *m)
{
        recon_add(&p->r->ev, src, VM, m->strength, m->suggests, key, value, "%s", m->note);
}

/* --- CPUID and /proc/cpuinfo ------------------------------------------- */

static void cpuid_findings(struct recon_probe *p, const struct recon_cpuid *c, enum recon_source src)
{
        struct recon_cpuid_hv hv[8];
        unsigned n;

        if (recon_cpuid_hypervisor_bit(c))
                recon_add(&p->r->ev, src, VM, RECON_STRONG, RECON_VM_ANY, "hypervisor bit", "set",
                          "leaf 1 ECX bit 31: a hypervisor announces itself");
        else if (src == RECON_SRC_CPUID)
                recon_add(&p->r->ev, src, VM, RECON_STRONG, RECON_BIT(RECON_VM_NONE), "hypervisor bit",
                          "clear", "leaf 1 ECX bit 31: no hypervisor announced");
        n = recon_cpuid_hypervisors(c, hv, ELEMENTSOF(hv));
        for (unsigned i = 0; i < n; i++) {
                struct recon_match m;
                char key[RECON_KEY_MAX];

                snprintf(key, sizeof(key), "leaf 0x%08x signature", hv[i].base);
                if (recon_match_cpuid_sig(hv[i].sig, &m))
                        add_match(p, src, key, hv[i].sig, &m);
                if (strcmp(hv[i].sig, "XenVMMXenVMM") == 0 && hv[i].max >= hv[i].base + 1) {
                        uint32_t r[4];
                        char v[32];

                        recon_cpuid_get(c, hv[i].base + 1, 0, r);
                        snprintf(v, sizeof(v), "%u.%u", r[0] >> 16, r[0] & 0xffff);
                        recon_add(&p->r->ev, src, INFO, RECON_INFO, 0, "Xen version", v, NULL);
                }
        }
        if (n == 0 && recon_cpuid_hypervisor_bit(c))
                recon_add(&p->r->ev, src, INFO, RECON_INFO, 0, "hypervisor leaves", "none",
                          "the hypervisor gives no name");
}

static const struct {
        const char *prefix;
        enum recon_strength strength;
} qemu_models[] = {
        { "QEMU Virtual CPU", RECON_MEDIUM },   { "QEMU TCG CPU", RECON_MEDIUM },
        { "Common KVM processor", RECON_MEDIUM }, { "Common 32-bit KVM processor", RECON_MEDIUM },
        /* QEMU's named models (real CPUs write "Intel(R) Core(TM)..."). */
        { "Intel Core Processor (", RECON_WEAK }, { "Intel Xeon Processor (", RECON_WEAK },
        { "AMD EPYC Processor", RECON_WEAK },
};

void recon_probe_cpu(struct recon_probe *p)
{
        struct recon_result *r = p->r;

        if (p->have_cpuid) {
                uint32_t v[4];
                char sig[13];

                recon_cpuid_get(&p->cpuid, 0, 0, v);
                recon_cpuid_sig(v, sig);
                /* Leaf 0 spells the vendor in EBX, EDX, ECX order. */
                memcpy(sig + 4, &v[3], 4);
                memcpy(sig + 8, &v[2], 4);
                recon_add(&r->ev, RECON_SRC_CPUID, INFO, RECON_INFO, 0, "vendor", sig, NULL);
                cpuid_findings(p, &p->cpuid, RECON_SRC_CPUID);
        }
        if (!p->have_cpuinfo)
                return;
        if (strncmp(p->ci.vendor, "User Mode Linux", 15) == 0)
                recon_add(&r->ev, RECON_SRC_CPUINFO, VM, RECON_STRONG, RECON_BIT(RECON_VM_UML),
                          "vendor_id", p->ci.vendor, "User-mode Linux runs the kernel as a process");
        if (p->ci.have_flags) {
                if (p->ci.hypervisor)
                        recon_add(&r->ev, RECON_SRC_CPUINFO, VM, RECON_MEDIUM, RECON_VM_ANY, "flags",
                                  "hypervisor", "the kernel knows it runs on a hypervisor");
                else
                        recon_add(&r->ev, RECON_SRC_CPUINFO, VM, RECON_MEDIUM, RECON_BIT(RECON_VM_NONE),
                                  "flags", "no hypervisor flag", "the kernel sees no hypervisor");
        }
        for (size_t i = 0; i < ELEMENTSOF(qemu_models); i++)
                if (strncmp(p->ci.model_name, qemu_models[i].prefix, strlen(qemu_models[i].prefix)) == 0) {
                        recon_add(&r->ev, RECON_SRC_CPUINFO, VM, qemu_models[i].strength, RECON_QEMU_VMM,
                                  "model name", p->ci.model_name, "a CPU model QEMU defines");
                        return;
                }
        recon_add(&r->ev, RECON_SRC_CPUINFO, INFO, RECON_INFO, 0, "model name", p->ci.model_name, NULL);
}

/* --- Xen: /sys/hypervisor, /proc/xen ------------------------------------ */

static void xen_role(struct recon_probe *p, enum recon_source src, enum recon_strength s,
                     enum recon_env role, const char *key, const char *value, const char *note)
{
        recon_add(&p->r->ev, src, RECON_TOPIC_XEN_ROLE, s, RECON_BIT(role), key, value, "%s", note);
}

void recon_probe_xen(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        char v[RECON_VALUE_MAX], maj[16], min[16], extra[32];
        int e;

        e = recon_read_line(&p->src, "sys/hypervisor/type", v, sizeof(v));
        if (e == 0) {
                p->xen_sysfs = strcmp(v, "xen") == 0;
                recon_add(&r->ev, RECON_SRC_HYPERVISOR, VM, p->xen_sysfs ? RECON_STRONG : RECON_MEDIUM,
                          RECON_BIT(p->xen_sysfs ? RECON_VM_XEN : RECON_VM_OTHER), "type", v,
                          "the kernel's hypervisor driver");
        } else if (e != -ENOENT) {
                recon_unreadable(p, "/sys/hypervisor/type", e);
        }

        if (recon_read_line(&p->src, "sys/hypervisor/guest_type", v, sizeof(v)) == 0) {
                enum recon_env mode = strcmp(v, "PV") == 0    ? RECON_XEN_PV
                                      : strcmp(v, "PVH") == 0 ? RECON_XEN_PVH
                                      : strcmp(v, "HVM") == 0 ? RECON_XEN_HVM
                                                              : RECON_ENV_COUNT;

                recon_sanitize(p->guest_type, sizeof(p->guest_type), v, SIZE_MAX);
                if (mode != RECON_ENV_COUNT)
                        recon_add(&r->ev, RECON_SRC_HYPERVISOR, RECON_TOPIC_XEN_MODE, RECON_STRONG,
                                  RECON_BIT(mode), "guest_type", v, "how Xen runs this domain");
                else
                        recon_add(&r->ev, RECON_SRC_HYPERVISOR, INFO, RECON_INFO, 0, "guest_type", v, NULL);
        }

        /* XENFEAT_dom0 (bit 11): the hardware domain.  systemd reads it too. */
        if (recon_read_line(&p->src, "sys/hypervisor/properties/features", v, sizeof(v)) == 0) {
                uint64_t feat;

                if (recon_parse_hex(v, &feat) == 0)
                        xen_role(p, RECON_SRC_HYPERVISOR, RECON_STRONG,
                                 (feat >> 11) & 1 ? RECON_XEN_DOM0 : RECON_XEN_DOMU, "features", v,
                                 (feat >> 11) & 1 ? "XENFEAT_dom0 set: the hardware domain"
                                                  : "XENFEAT_dom0 clear: a guest domain");
        }
        /* start_flags/initdomain: set in the domain Xen started first. */
        if (recon_read_line(&p->src, "sys/hypervisor/start_flags/initdomain", v, sizeof(v)) == 0)
                xen_role(p, RECON_SRC_HYPERVISOR, strcmp(v, "1") == 0 ? RECON_STRONG : RECON_MEDIUM,
                         strcmp(v, "1") == 0 ? RECON_XEN_DOM0 : RECON_XEN_DOMU,
                         "start_flags/initdomain", v,
                         strcmp(v, "1") == 0 ? "Xen started this domain first" : "not the initial domain");
        /* dom0's handle is all zeros. */
        if (recon_read_line(&p->src, "sys/hypervisor/uuid", v, sizeof(v)) == 0) {
                bool zero = strcmp(v, "00000000-0000-0000-0000-000000000000") == 0;

                xen_role(p, RECON_SRC_HYPERVISOR, zero ? RECON_MEDIUM : RECON_WEAK,
                         zero ? RECON_XEN_DOM0 : RECON_XEN_DOMU, "uuid", v,
                         zero ? "the all-zero handle is dom0's" : "a guest's handle");
        }
        if (recon_read_line(&p->src, "sys/hypervisor/version/major", maj, sizeof(maj)) == 0 &&
            recon_read_line(&p->src, "sys/hypervisor/version/minor", min, sizeof(min)) == 0) {
                if (recon_read_line(&p->src, "sys/hypervisor/version/extra", extra, sizeof(extra)) < 0)
                        extra[0] = 0;
                snprintf(r->ready.xen_version, sizeof(r->ready.xen_version), "%s.%s%s", maj, min, extra);
                recon_add(&r->ev, RECON_SRC_HYPERVISOR, INFO, RECON_INFO, 0, "version",
                          r->ready.xen_version, NULL);
        }
        if (recon_read_line(&p->src, "sys/hypervisor/properties/capabilities", v, sizeof(v)) == 0) {
                r->hw.xen_hvm_cap = strstr(v, "hvm") != NULL;
                recon_add(&r->ev, RECON_SRC_HYPERVISOR, INFO, RECON_INFO, 0, "capabilities", v,
                          r->hw.xen_hvm_cap ? "Xen can run HVM and PVH guests"
                                            : "Xen can run PV guests only");
        }

        if (recon_exists(&p->src, "proc/xen")) {
                recon_add(&r->ev, RECON_SRC_PROC_XEN, VM, RECON_MEDIUM, RECON_BIT(RECON_VM_XEN), "/proc/xen",
                          "present", "the kernel's Xen interfaces");
                e = recon_read_line(&p->src, "proc/xen/capabilities", v, sizeof(v));
                if (e == 0)
                        xen_role(p, RECON_SRC_PROC_XEN, strstr(v, "control_d") ? RECON_STRONG : RECON_MEDIUM,
                                 strstr(v, "control_d") ? RECON_XEN_DOM0 : RECON_XEN_DOMU, "capabilities",
                                 v[0] ? v : "(empty)",
                                 strstr(v, "control_d") ? "control_d: the control domain"
                                                        : "no control_d: a guest domain");
                else if (e == -ENOENT)
                        recon_note(p->r, "/proc/xen/capabilities is missing: xenfs is not mounted "
                                         "(mount -t xenfs xenfs /proc/xen)");
        }

        /* A PV guest's CPUID instruction runs on the real CPU (unless the CPU
         * can fault it to Xen); Xen answers its own leaves only through the
         * forced-emulation prefix. */
        if (strcmp(p->guest_type, "PV") == 0) {
                struct recon_cpuid *pv = malloc(sizeof(*pv));
                int rc = -ENOMEM;

                if (!pv)
                        return;
                if (p->src.live) {
                        rc = recon_cpuid_read_xen_pv(pv);
                        if (rc == 0)
                                snap_cpuid(p, "cpuid.xen-pv", pv);
                } else {
                        _cleanup_free_ char *buf = NULL;
                        ssize_t n = recon_read(&p->src, "cpuid.xen-pv", RECON_CPUID_FILE_MAX, &buf, NULL);
                        unsigned bad;

                        rc = n < 0 ? (int)n : recon_cpuid_parse(buf, (size_t)n, pv, &bad);
                }
                if (rc == 0)
                        cpuid_findings(p, pv, RECON_SRC_CPUID_XEN);
                else if (p->src.live)
                        recon_note(r, "CPUID through Xen's forced-emulation prefix failed: %s", strerror(-rc));
                free(pv);
        }
}

/* --- firmware: DMI, SMBIOS, ACPI ---------------------------------------- */

static const char *const dmi_fields[] = {
        "sys_vendor", "product_name", "product_version", "product_family", "bios_vendor",
        "bios_version", "board_vendor", "board_name", "chassis_vendor",
};
/* Readable by root only (mode 0400). */
static const char *const dmi_root_fields[] = { "product_serial", "product_uuid" };

static void dmi_field(struct recon_probe *p, const char *field)
{
        char path[96], v[RECON_VALUE_MAX];
        struct recon_match m;
        int e;

        snprintf(path, sizeof(path), "sys/class/dmi/id/%s", field);
        e = recon_read_line(&p->src, path, v, sizeof(v));
        if (e < 0) {
                if (e != -ENOENT)
                        recon_unreadable(p, path, e);
                return;
        }
        if (!v[0])
                return;
        if (recon_match_dmi(field, v, p->sys_vendor, &m))
                add_match(p, RECON_SRC_DMI, field, v, &m);
        else
                recon_add(&p->r->ev, RECON_SRC_DMI, INFO, RECON_INFO, 0, field, v, NULL);
}

static void probe_dmi(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        char v[16];

        if (!recon_exists(&p->src, "sys/class/dmi/id")) {
                /* x86 hardware has SMBIOS; PV guests and microVMs do not. */
                if (p->ci.have_flags || p->have_cpuid)
                        recon_add(&r->ev, RECON_SRC_DMI, VM, RECON_WEAK, RECON_VM_ANY, "/sys/class/dmi/id",
                                  "absent", "no SMBIOS tables: PV guests and microVMs have none");
                return;
        }
        recon_read_line(&p->src, "sys/class/dmi/id/sys_vendor", p->sys_vendor, sizeof(p->sys_vendor));
        for (size_t i = 0; i < ELEMENTSOF(dmi_fields); i++)
                dmi_field(p, dmi_fields[i]);
        if (recon_read_line(&p->src, "sys/class/dmi/id/chassis_type", v, sizeof(v)) == 0)
                recon_add(&r->ev, RECON_SRC_DMI, INFO, RECON_INFO, 0, "chassis_type", v,
                          strcmp(v, "1") == 0 ? "1 = Other, what most hypervisors write" : NULL);
        if (p->privileged) {
                for (size_t i = 0; i < ELEMENTSOF(dmi_root_fields); i++)
                        dmi_field(p, dmi_root_fields[i]);
        } else {
                recon_root_note(r, "DMI serial number and UUID (/sys/class/dmi/id/product_serial, "
                                   "product_uuid): VMware and EC2 write recognisable ones");
        }
}

static void probe_smbios(struct recon_probe *p)
{
        uint8_t raw[64];
        ssize_t n;
        int vm;

        if (!recon_exists(&p->src, "sys/firmware/dmi/entries/0-0/raw"))
                return;
        if (!p->privileged) {
                recon_root_note(p->r, "the SMBIOS \"virtual machine\" bit (/sys/firmware/dmi/entries/0-0/raw)");
                return;
        }
        n = recon_read_at(&p->src, "sys/firmware/dmi/entries/0-0/raw", 0, raw, sizeof(raw));
        if (n < 0) {
                recon_unreadable(p, "/sys/firmware/dmi/entries/0-0/raw", (int)n);
                return;
        }
        vm = recon_smbios_vm_bit(raw, (size_t)n);
        if (vm == 1)
                recon_add(&p->r->ev, RECON_SRC_SMBIOS, VM, RECON_MEDIUM, RECON_VM_ANY,
                          "BIOS characteristics", "virtual machine bit set",
                          "the firmware says this is a virtual machine");
        else if (vm == 0)
                recon_add(&p->r->ev, RECON_SRC_SMBIOS, INFO, RECON_INFO, 0, "BIOS characteristics",
                          "virtual machine bit clear", "not evidence: many hypervisors leave it clear");
}

static void probe_acpi(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        char **names = NULL;
        int n = recon_list(&p->src, "sys/firmware/acpi/tables", &names);
        size_t o = 0;

        if (n < 0) {
                if (n == -ENOENT && (p->ci.have_flags || p->have_cpuid))
                        recon_add(&r->ev, RECON_SRC_ACPI, VM, RECON_WEAK, RECON_VM_ANY, "tables", "absent",
                                  "no ACPI: microVMs and PV guests boot without it");
                else if (n != -ENOENT)
                        recon_unreadable(p, "/sys/firmware/acpi/tables", n);
                return;
        }
        for (int i = 0; i < n; i++) {
                size_t l = strlen(names[i]);

                if (o + l + 2 < sizeof(p->acpi_tables)) {
                        if (o)
                                p->acpi_tables[o++] = ' ';
                        memcpy(p->acpi_tables + o, names[i], l);
                        o += l;
                        p->acpi_tables[o] = 0;
                }
                /* The Windows ACPI Emulated devices Table exists only on
                 * emulated platforms. */
                if (strcmp(names[i], "WAET") == 0)
                        recon_add(&r->ev, RECON_SRC_ACPI, VM, RECON_WEAK, RECON_VM_ANY, "WAET", "present",
                                  "the table of emulated devices hypervisors provide");
                /* Xen renames DMAR to XMAR so dom0 leaves the IOMMU to Xen. */
                if (strcmp(names[i], "XMAR") == 0)
                        recon_add(&r->ev, RECON_SRC_ACPI, VM, RECON_MEDIUM, RECON_BIT(RECON_VM_XEN), "XMAR",
                                  "present", "Xen hid the DMAR table: it drives the IOMMU");
        }
        recon_add(&r->ev, RECON_SRC_ACPI, INFO, RECON_INFO, 0, "tables", p->acpi_tables, NULL);
        recon_names_free(names, n);

        if (!p->privileged) {
                recon_root_note(r, "ACPI table OEM IDs (/sys/firmware/acpi/tables/*): "
                                   "hypervisors sign their tables (BOCHS, VBOX, VMWARE, VRTUAL, Xen)");
                return;
        }
        for (const char *t = "DSDT"; t; t = strcmp(t, "DSDT") == 0 ? "FACP" : NULL) {
                char path[64], oem[7], tid[9], v[32];
                uint8_t hdr[36];
                struct recon_match m;
                ssize_t got;

                snprintf(path, sizeof(path), "sys/firmware/acpi/tables/%s", t);
                got = recon_read_at(&p->src, path, 0, hdr, sizeof(hdr));
                if (got == -ENOENT)
                        continue;
                if (got < 0) {
                        recon_unreadable(p, path, (int)got);
                        continue;
                }
                if (!recon_acpi_oem(hdr, (size_t)got, oem, tid))
                        continue;
                snprintf(v, sizeof(v), "%s %s", oem, tid);
                snprintf(path, sizeof(path), "%s OEM", t);
                if (recon_match_acpi_oem(oem, &m))
                        add_match(p, RECON_SRC_ACPI, path, v, &m);
                else
                        recon_add(&r->ev, RECON_SRC_ACPI, INFO, RECON_INFO, 0, path, v, NULL);
                break;
        }
}

void recon_probe_firmware(struct recon_probe *p)
{
        probe_dmi(p);
        probe_smbios(p);
        probe_acpi(p);
}

/* --- devices: network, PCI, buses ---------------------------------------- */

static void probe_net(struct recon_probe *p)
{
        char **names = NULL;
        int n = recon_list(&p->src, "sys/class/net", &names);
        unsigned shown = 0;

        for (int i = 0; i < n && shown < RECON_MAX_PER_SOURCE; i++) {
                char path[320], v[64];
                uint8_t mac[6];
                struct recon_match m;

                if (strcmp(names[i], "lo") == 0)
                        continue;
                /* Only interfaces on a device: bridges, taps and veths carry
                 * addresses a host hands out to its own guests. */
                snprintf(path, sizeof(path), "sys/class/net/%s/device", names[i]);
                if (!recon_exists(&p->src, path))
                        continue;
                snprintf(path, sizeof(path), "sys/class/net/%s/address", names[i]);
                if (recon_read_line(&p->src, path, v, sizeof(v)) < 0 || recon_parse_mac(v, mac) < 0)
                        continue;
                shown++;
                if (recon_match_oui(mac, &m))
                        add_match(p, RECON_SRC_MAC, names[i], v, &m);
                else
                        recon_add(&p->r->ev, RECON_SRC_MAC, INFO, RECON_INFO, 0, names[i], v,
                                  mac[0] & 2 ? "locally administered: chosen by software, not a maker"
                                             : NULL);
        }
        recon_names_free(names, n);
}

static int read_hex16(struct recon_probe *p, const char *dev, const char *attr, uint16_t *out)
{
        char path[320], v[32];
        uint64_t x;

        snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/%s", dev, attr);
        if (recon_read_line(&p->src, path, v, sizeof(v)) < 0 || recon_parse_hex(v, &x) < 0 || x > 0xffff)
                return -EINVAL;
        *out = (uint16_t)x;
        return 0;
}

static void probe_pci(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        char **names = NULL;
        int n = recon_list(&p->src, "sys/bus/pci/devices", &names);
        /* One finding per table entry (vendor, or vendor:device), counting
         * the functions it matched: a server has hundreds. */
        struct {
                const char *note;
                struct recon_finding *f;
                unsigned count;
                char first[24];
        } seen[RECON_MAX_PER_SOURCE];
        unsigned nseen = 0;
        char count[32];

        if (n <= 0) {
                if (n == 0 || n == -ENOENT)
                        recon_add(&r->ev, RECON_SRC_PCI, INFO, RECON_INFO, 0, "devices", "none",
                                  "no PCI bus (microVMs use virtio-mmio)");
                return;
        }
        snprintf(count, sizeof(count), "%d", n);
        recon_add(&r->ev, RECON_SRC_PCI, INFO, RECON_INFO, 0, "devices", count, NULL);
        for (int i = 0; i < n; i++) {
                uint16_t ven, dev, sub;
                struct recon_match m;
                char key[RECON_KEY_MAX];
                unsigned k;
                bool hit;

                if (read_hex16(p, names[i], "vendor", &ven) < 0 || read_hex16(p, names[i], "device", &dev) < 0)
                        continue;
                hit = recon_match_pci(ven, dev, &m);
                if (!hit && read_hex16(p, names[i], "subsystem_vendor", &sub) == 0)
                        hit = recon_match_pci_subsystem(ven, sub, &m);
                if (!hit)
                        continue;
                for (k = 0; k < nseen && seen[k].note != m.note; k++)
                        ;
                if (k < nseen) {
                        char v[RECON_VALUE_MAX];

                        seen[k].count++;
                        if (seen[k].f) {
                                snprintf(v, sizeof(v), "%s and %u more", seen[k].first, seen[k].count - 1);
                                recon_sanitize(seen[k].f->value, sizeof(seen[k].f->value), v, SIZE_MAX);
                        }
                        continue;
                }
                if (nseen >= ELEMENTSOF(seen))
                        continue;
                snprintf(key, sizeof(key), "%04x:%04x", ven, dev);
                seen[nseen].note = m.note;
                seen[nseen].count = 1;
                snprintf(seen[nseen].first, sizeof(seen[nseen].first), "%.20s", names[i]);
                seen[nseen].f = recon_add(&r->ev, RECON_SRC_PCI, RECON_TOPIC_VM, m.strength, m.suggests, key,
                                          names[i], "%s", m.note);
                nseen++;
        }
        recon_names_free(names, n);
}

static void probe_bus(struct recon_probe *p, const char *bus, uint64_t suggests,
                      enum recon_strength s, const char *note)
{
        char path[64], v[RECON_VALUE_MAX];
        char **names = NULL;
        int n;
        size_t o = 0;

        snprintf(path, sizeof(path), "sys/bus/%s/devices", bus);
        n = recon_list(&p->src, path, &names);
        if (n <= 0)
                return;
        v[0] = 0;
        for (int i = 0; i < n; i++) {
                size_t l = strlen(names[i]);

                if (o + l + 6 >= sizeof(v)) {
                        memcpy(v + o, " ...", 5);
                        break;
                }
                if (o)
                        v[o++] = ' ';
                memcpy(v + o, names[i], l + 1);
                o += l;
        }
        recon_add(&p->r->ev, RECON_SRC_BUS, VM, s, suggests, bus, v, "%s", note);
        if (strcmp(bus, "xen-backend") == 0)
                recon_add(&p->r->ev, RECON_SRC_BUS, RECON_TOPIC_XEN_ROLE, RECON_WEAK,
                          RECON_BIT(RECON_XEN_DOM0), bus, v, "backends run in dom0 (or a driver domain)");
        recon_names_free(names, n);
}

void recon_probe_devices(struct recon_probe *p)
{
        struct recon_result *r = p->r;

        probe_net(p);
        probe_pci(p);
        probe_bus(p, "virtio", RECON_VM_ANY, RECON_WEAK, "virtio devices (KVM, bhyve, microVMs, ...)");
        probe_bus(p, "xen", RECON_BIT(RECON_VM_XEN), RECON_MEDIUM, "Xen frontend devices");
        probe_bus(p, "xen-backend", RECON_BIT(RECON_VM_XEN), RECON_MEDIUM, "Xen backend devices");
        probe_bus(p, "vmbus", RECON_BIT(RECON_VM_MICROSOFT), RECON_MEDIUM, "Hyper-V's VMBus devices");

        /* What this kernel can host. */
        r->hw.kvm_dev = recon_exists(&p->src, "dev/kvm");
        if (r->hw.kvm_dev)
                recon_add(&r->ev, RECON_SRC_DEVICES, INFO, RECON_INFO, 0, "/dev/kvm", "present",
                          "this kernel can run KVM guests");
        if (recon_exists(&p->src, "dev/vboxdrv"))
                recon_add(&r->ev, RECON_SRC_DEVICES, INFO, RECON_INFO, 0, "/dev/vboxdrv", "present",
                          "this machine hosts VirtualBox (a type 2 hypervisor)");
        if (recon_exists(&p->src, "dev/vmmon"))
                recon_add(&r->ev, RECON_SRC_DEVICES, INFO, RECON_INFO, 0, "/dev/vmmon", "present",
                          "this machine hosts VMware Workstation (a type 2 hypervisor)");
}

/* --- the kernel's view: clock source, boot messages ---------------------- */

static void probe_clocksource(struct recon_probe *p)
{
        char cur[64], avail[RECON_VALUE_MAX];
        struct recon_match m;
        const char *base = "sys/devices/system/clocksource/clocksource0/";
        char path[128];

        snprintf(path, sizeof(path), "%scurrent_clocksource", base);
        if (recon_read_line(&p->src, path, cur, sizeof(cur)) == 0) {
                if (recon_match_clocksource(cur, &m))
                        add_match(p, RECON_SRC_CLOCKSOURCE, "current", cur, &m);
                else
                        recon_add(&p->r->ev, RECON_SRC_CLOCKSOURCE, INFO, RECON_INFO, 0, "current", cur, NULL);
        }
        snprintf(path, sizeof(path), "%savailable_clocksource", base);
        if (recon_read_line(&p->src, path, avail, sizeof(avail)) == 0) {
                char copy[RECON_VALUE_MAX], *save = NULL;

                recon_add(&p->r->ev, RECON_SRC_CLOCKSOURCE, INFO, RECON_INFO, 0, "available", avail, NULL);
                snprintf(copy, sizeof(copy), "%s", avail);
                for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
                        if (strcmp(w, cur) != 0 && recon_match_clocksource(w, &m))
                                add_match(p, RECON_SRC_CLOCKSOURCE, "available", w, &m);
        }
}

static void probe_klog(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        const struct recon_klog *k = &p->klog;
        struct recon_match m;

        if (!p->have_klog)
                return;
        if (k->hypervisor[0] && recon_match_klog_hypervisor(k->hypervisor, &m)) {
                add_match(p, RECON_SRC_KLOG, "Hypervisor detected", k->hypervisor, &m);
                if (strcmp(k->hypervisor, "Xen PV") == 0)
                        recon_add(&r->ev, RECON_SRC_KLOG, RECON_TOPIC_XEN_MODE, RECON_STRONG,
                                  RECON_BIT(RECON_XEN_PV), "Hypervisor detected", k->hypervisor,
                                  "a PV guest");
                else if (strcmp(k->hypervisor, "Xen HVM") == 0)
                        recon_add(&r->ev, RECON_SRC_KLOG, RECON_TOPIC_XEN_MODE, RECON_MEDIUM,
                                  RECON_BIT(RECON_XEN_HVM) | RECON_BIT(RECON_XEN_PVH),
                                  "Hypervisor detected", k->hypervisor, "an HVM or PVH guest");
        }
        if (k->pv_on[0] && recon_match_klog_pv(k->pv_on, &m)) {
                add_match(p, RECON_SRC_KLOG, "Booting paravirtualized kernel on", k->pv_on, &m);
                if (strncmp(k->pv_on, "Xen", 3) == 0) {
                        enum recon_env mode = strstr(k->pv_on, "PVH")   ? RECON_XEN_PVH
                                              : strstr(k->pv_on, "HVM") ? RECON_XEN_HVM
                                                                        : RECON_XEN_PV;

                        recon_add(&r->ev, RECON_SRC_KLOG, RECON_TOPIC_XEN_MODE, RECON_MEDIUM,
                                  RECON_BIT(mode), "Booting paravirtualized kernel on", k->pv_on,
                                  "the kernel's paravirtual mode");
                }
        }
        if (k->xen_version[0])
                recon_add(&r->ev, RECON_SRC_KLOG, VM, RECON_MEDIUM, RECON_BIT(RECON_VM_XEN), "Xen version",
                          k->xen_version, "the kernel talked to Xen");
        if (k->dmi[0]) {
                if (recon_match_dmi("sys_vendor", k->dmi, k->dmi, &m) ||
                    recon_match_dmi("dmi_line", k->dmi, k->dmi, &m))
                        add_match(p, RECON_SRC_KLOG, "DMI", k->dmi, &m);
                else
                        recon_add(&r->ev, RECON_SRC_KLOG, INFO, RECON_INFO, 0, "DMI", k->dmi, NULL);
        }
        if (k->no_dmi)
                recon_add(&r->ev, RECON_SRC_KLOG, VM, RECON_WEAK, RECON_VM_ANY, "DMI",
                          "not present or invalid", "no SMBIOS tables: PV guests and microVMs have none");
        if (!k->complete && k->lines > 0)
                recon_note(r, "the kernel log no longer starts at boot: its early messages rotated out");
}

void recon_probe_kernel(struct recon_probe *p)
{
        probe_clocksource(p);
        probe_klog(p);
}
