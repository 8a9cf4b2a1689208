/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One run: read every source below the root, judge, read the hardware and
 * the readiness facts that depend on the verdict. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#include "recon_probe.h"
#include "util.h"

/* klogctl(2) actions. */
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_SIZE_BUFFER 10

void recon_unreadable(struct recon_probe *p, const char *what, int err)
{
        if (err == -EACCES || err == -EPERM) {
                if (p->privileged)
                        recon_note(p->r, "%s: not readable even as root (%s)", what, strerror(-err));
                else
                        recon_root_note(p->r, "%s", what);
        } else {
                /* recon_read() refuses what is not a regular file with -EINVAL. */
                recon_note(p->r, "%s: %s", what, err == -EINVAL ? "not a regular file" : strerror(-err));
        }
}

/* A live CPUID table, written into the snapshot in the dump format. */
void snap_cpuid(struct recon_probe *p, const char *name, const struct recon_cpuid *c)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        if (p->src.snapfd < 0 || !(f = open_memstream(&buf, &len)))
                return;
        recon_cpuid_write(f, c);
        fclose(f);
        recon_snap_write(&p->src, name, buf, len);
        free(buf);
}

static void load_cpuid(struct recon_probe *p)
{
        _cleanup_free_ char *buf = NULL;
        unsigned bad;
        ssize_t n;
        int r;

        if (p->src.live) {
                r = recon_cpuid_read_live(&p->cpuid);
                if (r < 0)
                        recon_note(p->r, "CPUID: %s", strerror(-r));
                p->have_cpuid = r == 0;
                if (p->have_cpuid)
                        snap_cpuid(p, "cpuid", &p->cpuid);
                return;
        }
        n = recon_read(&p->src, "cpuid", RECON_CPUID_FILE_MAX, &buf, NULL);
        if (n < 0) {
                recon_note(p->r, "no CPUID: the tree has no cpuid dump (%s)", strerror((int)-n));
                return;
        }
        if (recon_cpuid_parse(buf, (size_t)n, &p->cpuid, &bad) < 0) {
                recon_note(p->r, "cpuid: line %u is not in the dump format; CPUID ignored", bad);
                return;
        }
        p->have_cpuid = true;
}

static void load_cpuinfo(struct recon_probe *p)
{
        _cleanup_free_ char *buf = NULL;
        ssize_t n = recon_read(&p->src, "proc/cpuinfo", RECON_CPUINFO_MAX, &buf, NULL);

        if (n < 0) {
                recon_unreadable(p, "/proc/cpuinfo", (int)n);
                return;
        }
        if (recon_parse_cpuinfo(buf, &p->ci) < 0) {
                recon_note(p->r, "/proc/cpuinfo: no vendor or flags in its first block");
                return;
        }
        p->have_cpuinfo = true;
}

static void load_klog(struct recon_probe *p)
{
        _cleanup_free_ char *buf = NULL;
        char restrict_[8] = "";
        ssize_t n;

        if (!p->src.live) {
                n = recon_read(&p->src, "dmesg", RECON_KLOG_MAX, &buf, NULL);
                if (n >= 0) {
                        recon_klog_scan(buf, (size_t)n, &p->klog);
                        p->have_klog = true;
                }
                return;
        }
        recon_read_line(&p->src, "proc/sys/kernel/dmesg_restrict", restrict_, sizeof(restrict_));
        if (strcmp(restrict_, "1") == 0 && !p->privileged) {
                recon_root_note(p->r, "the kernel log (kernel.dmesg_restrict = 1): the kernel's own "
                                      "hypervisor detection, IOMMU and interrupt remapping state");
                return;
        }
        n = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);
        if (n <= 0) {
                n = 1 << 20;
        }
        if (n > RECON_KLOG_MAX)
                n = RECON_KLOG_MAX;
        buf = malloc((size_t)n);
        if (!buf)
                return;
        n = klogctl(SYSLOG_ACTION_READ_ALL, buf, (int)n);
        if (n < 0) {
                recon_unreadable(p, "the kernel log (klogctl)", -errno);
                return;
        }
        recon_klog_scan(buf, (size_t)n, &p->klog);
        recon_snap_write(&p->src, "dmesg", buf, (size_t)n);
        p->have_klog = true;
}

static void init_result(struct recon_result *r, const char *root)
{
        struct recon_hw *hw = &r->hw;
        struct recon_ready *rd = &r->ready;

        memset(r, 0, sizeof(*r));
        snprintf(r->root, sizeof(r->root), "%s", root);
        recon_evidence_init(&r->ev);
        hw->family = hw->model = hw->stepping = -1;
        hw->vmx_cpuid = hw->svm_cpuid = hw->vmx_flag = hw->svm_flag = RECON_UNKNOWN;
        hw->vext_fw_locked_off = RECON_UNKNOWN;
        hw->ept = hw->npt = hw->vpid = hw->unrestricted_guest = RECON_UNKNOWN;
        hw->kvm_dev = hw->kvm_nested = hw->xen_hvm_cap = hw->xen_hap = RECON_UNKNOWN;
        hw->iommu_firmware = hw->iommu_kernel = hw->iommu_xen = RECON_UNKNOWN;
        hw->intr_remap_supported = hw->intr_remap_enabled = RECON_UNKNOWN;
        hw->iommu_groups = -1;
        hw->uefi = RECON_UNKNOWN;
        rd->xen_running = rd->xen_dom0 = rd->privcmd = rd->xenstore = rd->libxl = RECON_UNKNOWN;
        rd->xen_hvm_directio = RECON_UNKNOWN;
        rd->userns = rd->userns_unpriv = rd->overlayfs = rd->cgroup2 = rd->seccomp = RECON_UNKNOWN;
        rd->xen_backend = rd->container_backend = RECON_UNKNOWN;
        r->verdict.nested_available = RECON_UNKNOWN;
}

int recon_run(const struct recon_options *o, struct recon_result *r)
{
        _cleanup_free_ struct recon_probe *p = calloc(1, sizeof(*p));
        int e;

        init_result(r, o->root);
        if (!p)
                return -ENOMEM;
        p->r = r;
        p->src.rootfd = -1;
        e = recon_src_open(&p->src, o->root);
        if (e < 0)
                return e;
        if (o->snapshot && (e = recon_src_snapshot(&p->src, o->snapshot)) < 0) {
                recon_src_close(&p->src);
                return e;
        }
        if (!recon_exists(&p->src, "proc") && !recon_exists(&p->src, "sys")) {
                recon_src_close(&p->src);
                return -ENOENT;
        }
        r->live = p->src.live;
        p->privileged = !o->unprivileged && geteuid() == 0;
        r->privileged = p->privileged;

        load_cpuid(p);
        load_cpuinfo(p);
        load_klog(p);
        {
                _cleanup_free_ char *cmd = NULL;

                if (recon_read(&p->src, "proc/cmdline", RECON_PROC_FILE_MAX, &cmd, NULL) >= 0)
                        recon_sanitize(p->cmdline, sizeof(p->cmdline), cmd, SIZE_MAX);
        }

        recon_probe_cpu(p);
        recon_probe_xen(p);
        recon_probe_firmware(p);
        recon_probe_devices(p);
        recon_probe_kernel(p);
        recon_probe_container(p);
        if (r->ev.overflow)
                recon_note(r, "more than %d findings: the rest were not kept", RECON_MAX_FINDINGS);

        recon_verdict_compute(&r->ev, &r->verdict);
        recon_probe_hw(p);
        recon_probe_ready(p);
        recon_src_close(&p->src);
        return 0;
}
