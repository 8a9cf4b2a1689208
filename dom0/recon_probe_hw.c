/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hardware capability (VT-x/AMD-V, EPT/NPT, IOMMU, memory) and whether a
 * Bulkhead backend can run here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "recon_probe.h"
#include "util.h"

#define MSR_IA32_FEATURE_CONTROL 0x3aull
#define MSR_AMD_VM_CR 0xc0010114ull

static void probe_msr(struct recon_probe *p)
{
        struct recon_hw *hw = &p->r->hw;
        uint64_t v = 0;
        ssize_t n;

        if (!hw->intel && !hw->amd)
                return;
        if (!recon_exists(&p->src, "dev/cpu/0/msr")) {
                if (p->src.live && p->privileged)
                        recon_note(p->r, "firmware lock of %s not read: no /dev/cpu/0/msr (modprobe msr)",
                                   hw->intel ? "VT-x" : "AMD-V");
                else if (p->src.live)
                        recon_root_note(p->r, "whether firmware locked %s off (%s; needs the msr module)",
                                        hw->intel ? "VT-x" : "AMD-V",
                                        hw->intel ? "IA32_FEATURE_CONTROL" : "VM_CR");
                return;
        }
        if (!p->privileged) {
                recon_root_note(p->r, "whether firmware locked %s off (%s, /dev/cpu/0/msr)",
                                hw->intel ? "VT-x" : "AMD-V",
                                hw->intel ? "IA32_FEATURE_CONTROL" : "VM_CR");
                return;
        }
        n = recon_read_at(&p->src, "dev/cpu/0/msr", hw->intel ? MSR_IA32_FEATURE_CONTROL : MSR_AMD_VM_CR,
                          &v, sizeof(v));
        if (n != (ssize_t)sizeof(v)) {
                if (n < 0 && n != -EIO)
                        recon_unreadable(p, "/dev/cpu/0/msr", (int)n);
                return;
        }
        if (hw->intel ? recon_msr_intel_vmx_allowed(v) == 0 : recon_msr_amd_svm_allowed(v) == 0) {
                hw->vext_fw_locked_off = 1;
                snprintf(hw->vext_fw_how, sizeof(hw->vext_fw_how), "%s = 0x%llx",
                         hw->intel ? "IA32_FEATURE_CONTROL" : "VM_CR", (unsigned long long)v);
        } else if (hw->vext_fw_locked_off != 1) {
                hw->vext_fw_locked_off = 0;
        }
}

static void probe_iommu(struct recon_probe *p)
{
        struct recon_hw *hw = &p->r->hw;
        char **names = NULL;
        int n;

        hw->iommu_firmware = RECON_UNKNOWN;
        if (p->acpi_tables[0]) {
                bool dmar = recon_word_in(p->acpi_tables, "DMAR"), ivrs = recon_word_in(p->acpi_tables, "IVRS");
                bool xmar = recon_word_in(p->acpi_tables, "XMAR");

                hw->iommu_firmware = dmar || ivrs || xmar;
                hw->iommu_xen = xmar;
                if (dmar || xmar)
                        snprintf(hw->iommu_kind, sizeof(hw->iommu_kind), "Intel VT-d");
                else if (ivrs)
                        snprintf(hw->iommu_kind, sizeof(hw->iommu_kind), "AMD-Vi");
        }
        n = recon_list(&p->src, "sys/class/iommu", &names);
        hw->iommu_units = n > 0 ? n : 0;
        for (int i = 0; i < n; i++) {
                if (strncmp(names[i], "dmar", 4) == 0) {
                        char path[128], v[32];
                        uint64_t ecap;

                        snprintf(hw->iommu_kind, sizeof(hw->iommu_kind), "Intel VT-d");
                        snprintf(path, sizeof(path), "sys/class/iommu/%s/intel-iommu/ecap", names[i]);
                        /* ECAP bit 3: interrupt remapping supported. */
                        if (recon_read_line(&p->src, path, v, sizeof(v)) == 0 && recon_parse_hex(v, &ecap) == 0 &&
                            hw->intr_remap_supported != 1)
                                hw->intr_remap_supported = (ecap >> 3) & 1;
                } else if (strncmp(names[i], "ivhd", 4) == 0) {
                        snprintf(hw->iommu_kind, sizeof(hw->iommu_kind), "AMD-Vi");
                }
        }
        recon_names_free(names, n);
        n = recon_list(&p->src, "sys/kernel/iommu_groups", &names);
        hw->iommu_groups = n >= 0 ? n : (n == -ENOENT ? 0 : -1);
        recon_names_free(names, n);
        hw->iommu_kernel = hw->iommu_units > 0 || hw->iommu_groups > 0 ||
                           (p->have_klog && (p->klog.dmar_enabled || p->klog.amd_vi));
        if (!hw->iommu_kind[0] && p->have_klog && p->klog.amd_vi)
                snprintf(hw->iommu_kind, sizeof(hw->iommu_kind), "AMD-Vi");
        if (p->have_klog) {
                hw->intr_remap_enabled = p->klog.ir_enabled;
                if (p->klog.ir_enabled && hw->intr_remap_supported == RECON_UNKNOWN)
                        hw->intr_remap_supported = 1;
        }
        /* What the kernel was told (intel_iommu=, amd_iommu=, iommu=). */
        {
                char copy[sizeof(p->cmdline)], *save = NULL;
                size_t o = 0;

                snprintf(copy, sizeof(copy), "%s", p->cmdline);
                for (char *w = strtok_r(copy, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
                        size_t l = strlen(w);

                        if (!strstr(w, "iommu") || o + l + 2 > sizeof(hw->iommu_cmdline))
                                continue;
                        if (o)
                                hw->iommu_cmdline[o++] = ' ';
                        memcpy(hw->iommu_cmdline + o, w, l + 1);
                        o += l;
                }
        }
}

void recon_probe_hw(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        struct recon_hw *hw = &r->hw;
        const struct recon_verdict *v = &r->verdict;
        const struct recon_tally *vm = &v->t[RECON_TOPIC_VM];
        bool guest = vm->decided && vm->winner != RECON_VM_NONE;
        bool xen_hides = v->xen && ((v->t[RECON_TOPIC_XEN_ROLE].decided &&
                                     v->t[RECON_TOPIC_XEN_ROLE].winner == RECON_XEN_DOM0) ||
                                    (v->t[RECON_TOPIC_XEN_MODE].decided &&
                                     v->t[RECON_TOPIC_XEN_MODE].winner == RECON_XEN_PV));
        _cleanup_free_ char *mem = NULL;
        char val[64];

        if (p->have_cpuinfo) {
                snprintf(hw->cpu_vendor, sizeof(hw->cpu_vendor), "%s", p->ci.vendor);
                snprintf(hw->cpu_model, sizeof(hw->cpu_model), "%s", p->ci.model_name);
                hw->family = p->ci.family;
                hw->model = p->ci.model;
                hw->stepping = p->ci.stepping;
        }
        if (p->have_cpuid) {
                uint32_t rr[4];
                char sig[13];

                if (!hw->cpu_vendor[0]) {
                        recon_cpuid_get(&p->cpuid, 0, 0, rr);
                        memcpy(sig, &rr[1], 4);
                        memcpy(sig + 4, &rr[3], 4);
                        memcpy(sig + 8, &rr[2], 4);
                        sig[12] = 0;
                        recon_sanitize(hw->cpu_vendor, sizeof(hw->cpu_vendor), sig, 12);
                }
                hw->vmx_cpuid = recon_cpuid_vmx(&p->cpuid);
                hw->svm_cpuid = recon_cpuid_svm(&p->cpuid);
        }
        hw->intel = strcmp(hw->cpu_vendor, "GenuineIntel") == 0;
        hw->amd = strcmp(hw->cpu_vendor, "AuthenticAMD") == 0 || strcmp(hw->cpu_vendor, "HygonGenuine") == 0;
        if (p->have_cpuinfo && p->ci.have_flags) {
                hw->vmx_flag = p->ci.vmx;
                hw->svm_flag = p->ci.svm;
                /* Under Xen the kernel's flags do not say what the CPU has:
                 * Xen keeps VT-x/AMD-V and nested paging (libxl's "hap"). */
                if (!xen_hides) {
                        hw->ept = p->ci.vmx ? p->ci.ept : 0;
                        hw->vpid = p->ci.vmx ? p->ci.vpid : 0;
                        hw->unrestricted_guest = p->ci.have_vmx_flags ? p->ci.unrestricted_guest : RECON_UNKNOWN;
                        hw->npt = p->ci.svm ? p->ci.npt : 0;
                }
        }
        if (p->have_klog && p->klog.vext_bios_disabled) {
                hw->vext_fw_locked_off = 1;
                snprintf(hw->vext_fw_how, sizeof(hw->vext_fw_how), "kernel log: %s", p->klog.vext_line);
        }
        probe_msr(p);
        hw->vext = recon_vext_judge(hw, guest, xen_hides);

        if (recon_read_line(&p->src, "sys/module/kvm_intel/parameters/nested", val, sizeof(val)) == 0 ||
            recon_read_line(&p->src, "sys/module/kvm_amd/parameters/nested", val, sizeof(val)) == 0)
                hw->kvm_nested = strcmp(val, "Y") == 0 || strcmp(val, "1") == 0;

        probe_iommu(p);

        if (recon_read(&p->src, "proc/meminfo", RECON_PROC_FILE_MAX, &mem, NULL) >= 0 &&
            recon_field(mem, "MemTotal", val, sizeof(val))) {
                uint64_t kib;
                char *unit = strstr(val, " kB");

                if (unit)
                        *unit = 0;
                if (recon_parse_u64(val, &kib) == 0)
                        hw->mem_total_kib = kib;
        }
        hw->uefi = recon_exists(&p->src, "sys/firmware/efi");
}

/* --- readiness ------------------------------------------------------------ */

/* One requirement of the container backend: lowers the verdict and names
 * what is missing (or unknown). */
static void need(struct recon_ready *rd, recon_tri have, const char *what)
{
        size_t o = strlen(rd->container_missing);

        if (have == 1)
                return;
        if (have == 0)
                rd->container_backend = 0;
        else if (rd->container_backend == 1)
                rd->container_backend = RECON_UNKNOWN;
        snprintf(rd->container_missing + o, sizeof(rd->container_missing) - o, "%s%s%s", o ? ", " : "",
                 what, have == 0 ? "" : " (unknown)");
}

static void probe_container_backend(struct recon_probe *p)
{
        struct recon_ready *rd = &p->r->ready;
        _cleanup_free_ char *fs = NULL, *status = NULL;
        char v[RECON_VALUE_MAX], rel[RECON_VALUE_MAX], path[RECON_VALUE_MAX * 2];
        uint64_t n;

        /* User namespaces. */
        if (recon_read_line(&p->src, "proc/sys/user/max_user_namespaces", v, sizeof(v)) == 0 &&
            recon_parse_u64(v, &n) == 0) {
                rd->userns = n > 0;
                rd->userns_unpriv = rd->userns;
                snprintf(rd->userns_detail, sizeof(rd->userns_detail), "max_user_namespaces = %s", v);
                if (recon_read_line(&p->src, "proc/sys/kernel/unprivileged_userns_clone", v, sizeof(v)) == 0 &&
                    strcmp(v, "0") == 0) {
                        rd->userns_unpriv = 0;
                        snprintf(rd->userns_detail, sizeof(rd->userns_detail),
                                 "root only: kernel.unprivileged_userns_clone = 0");
                }
                if (recon_read_line(&p->src, "proc/sys/kernel/apparmor_restrict_unprivileged_userns", v,
                                    sizeof(v)) == 0 &&
                    strcmp(v, "1") == 0) {
                        rd->userns_unpriv = 0;
                        snprintf(rd->userns_detail, sizeof(rd->userns_detail),
                                 "root only: AppArmor restricts unprivileged user namespaces");
                }
        } else {
                rd->userns = recon_exists(&p->src, "proc/self/ns/user") ? 1 : 0;
                rd->userns_unpriv = RECON_UNKNOWN;
        }

        /* overlayfs, cgroup2: registered filesystems, or a loadable module. */
        if (recon_read(&p->src, "proc/filesystems", RECON_PROC_FILE_MAX, &fs, NULL) >= 0) {
                rd->overlayfs = recon_word_in(fs, "overlay");
                if (!rd->overlayfs &&
                    recon_read_line(&p->src, "proc/sys/kernel/osrelease", rel, sizeof(rel)) == 0) {
                        static const char *const ext[] = { "", ".xz", ".zst", ".gz" };

                        for (size_t i = 0; i < ELEMENTSOF(ext) && rd->overlayfs != 1; i++) {
                                snprintf(path, sizeof(path), "lib/modules/%s/kernel/fs/overlayfs/overlay.ko%s",
                                         rel, ext[i]);
                                if (recon_exists(&p->src, path))
                                        rd->overlayfs = 1;
                        }
                }
        } else {
                rd->overlayfs = RECON_UNKNOWN;
        }
        if (recon_read_line(&p->src, "sys/fs/cgroup/cgroup.controllers", v, sizeof(v)) == 0) {
                rd->cgroup2 = 1;
                snprintf(rd->cgroup2_controllers, sizeof(rd->cgroup2_controllers), "%s", v);
        } else {
                rd->cgroup2 = 0;
                if (fs && recon_word_in(fs, "cgroup2"))
                        snprintf(rd->cgroup2_controllers, sizeof(rd->cgroup2_controllers),
                                 "supported, but /sys/fs/cgroup is not the unified hierarchy");
        }
        if (recon_read(&p->src, "proc/self/status", RECON_PROC_FILE_MAX, &status, NULL) >= 0)
                rd->seccomp = recon_field(status, "Seccomp", v, sizeof(v)) ? 1 : 0;
        else
                rd->seccomp = RECON_UNKNOWN;

        rd->container_missing[0] = 0;
        rd->container_backend = 1;
        need(rd, rd->userns, "user namespaces");
        need(rd, rd->overlayfs, "overlayfs");
        /* cgroup v2 is not required: the container backend falls back to
         * cgroup v1 controllers, or runs without limits, and says so
         * (docs/container-backend.md). */
        need(rd, rd->seccomp, "seccomp");
}

void recon_probe_ready(struct recon_probe *p)
{
        struct recon_result *r = p->r;
        struct recon_ready *rd = &r->ready;
        struct recon_verdict *v = &r->verdict;
        const struct recon_tally *role = &v->t[RECON_TOPIC_XEN_ROLE];
        const struct recon_tally *mode = &v->t[RECON_TOPIC_XEN_MODE];
        const struct recon_tally *vm = &v->t[RECON_TOPIC_VM];

        rd->xen_running = v->xen;
        rd->xen_dom0 = v->xen ? (role->decided ? role->winner == RECON_XEN_DOM0 : RECON_UNKNOWN) : 0;
        rd->privcmd = recon_exists(&p->src, "dev/xen/privcmd") || recon_exists(&p->src, "proc/xen/privcmd");
        rd->xenstore = recon_exists(&p->src, "run/xenstored/socket") ||
                       recon_exists(&p->src, "var/run/xenstored/socket");
        rd->libxl = RECON_UNKNOWN;
        rd->xen_hvm_directio = RECON_UNKNOWN;
        if (rd->xen_dom0 == 1) {
                if (!p->src.live) {
                        snprintf(rd->libxl_detail, sizeof(rd->libxl_detail), "not tried (not this machine)");
                } else if (!p->privileged) {
                        snprintf(rd->libxl_detail, sizeof(rd->libxl_detail), "not tried (needs root)");
                        recon_root_note(r, "libxl: whether the toolstack answers, whether Xen can pass "
                                           "PCI devices through, the whole machine's memory");
                } else {
                        recon_xen_physinfo(r);
                }
        } else {
                rd->libxl = 0;
                snprintf(rd->libxl_detail, sizeof(rd->libxl_detail), "%s",
                         v->xen ? "not dom0" : "Xen is not running");
        }
        rd->xen_backend = rd->xen_dom0 != 1 ? (rd->xen_dom0 == 0 ? 0 : RECON_UNKNOWN) : rd->libxl;

        probe_container_backend(p);

        /* Can this guest run guests of its own? */
        if (vm->decided && vm->winner != RECON_VM_NONE) {
                /* A PV domain cannot use VT-x/AMD-V; dom0 starts guests
                 * through Xen, which is not nesting. */
                if (v->xen && ((mode->decided && mode->winner == RECON_XEN_PV) ||
                               (role->decided && role->winner == RECON_XEN_DOM0)))
                        v->nested_available = 0;
                else if (r->hw.vmx_flag == 1 || r->hw.svm_flag == 1 || r->hw.kvm_dev == 1)
                        v->nested_available = 1;
                else if (r->hw.vmx_flag == 0 && r->hw.svm_flag == 0)
                        v->nested_available = 0;
        }
}
