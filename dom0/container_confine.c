/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container_confine.h"
#include "util.h"

/* Denied with EPERM.  Each either reaches the host kernel's global state
 * (modules, kexec, clock, swap, accounting), is a large attack surface the
 * desktop does not use (bpf, perf, userfaultfd, io_uring, keyrings, which
 * are also not namespaced), or would let the domain rebuild what setup took
 * away (mounts, namespaces it could enter).  ptrace stays: the pid namespace
 * already limits it to the domain's own processes, and gdb, strace and
 * ASan's leak checker need it.  Names unknown to this libseccomp or kernel
 * are skipped. */
static const char *const denied[] = {
        /* the host kernel */
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "reboot", "swapon", "swapoff", "acct", "syslog", "iopl", "ioperm",
        "settimeofday", "clock_settime", "clock_adjtime", "stime", "quotactl",
        "quotactl_fd", "nfsservctl", "uselib", "vm86", "vm86old", "lookup_dcookie",
        /* attack surface, not namespaced */
        "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
        "open_by_handle_at", "name_to_handle_at",
        /* mounts and namespaces after setup */
        "mount", "umount", "umount2", "pivot_root", "fsopen", "fsconfig", "fsmount", "fspick",
        "move_mount", "open_tree", "open_tree_attr", "mount_setattr", "setns",
};

static struct sock_fprog prog;
static uint64_t last_cap;

uint64_t bh_ct_caps_kept(void)
{
        return 1ull << CAP_CHOWN | 1ull << CAP_DAC_OVERRIDE | 1ull << CAP_FOWNER |
               1ull << CAP_FSETID | 1ull << CAP_KILL | 1ull << CAP_SETGID | 1ull << CAP_SETUID |
               1ull << CAP_SETPCAP | 1ull << CAP_NET_BIND_SERVICE | 1ull << CAP_SYS_CHROOT;
}

static void ctx_release(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static int build(scmp_filter_ctx ctx)
{
        int r;

        /* The same rules for 32-bit and x32 entry points, or they would be a
         * way around them. */
#if defined(__x86_64__)
        if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && r != -EEXIST)
                return r;
        if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && r != -EEXIST)
                return r;
#endif
        for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
                int nr = seccomp_syscall_resolve_name(denied[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0)) < 0)
                        return r;
        }
        /* A new user namespace would hand back every capability dropped here
         * (the bounding set starts full in it). */
        if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))) < 0)
                return r;
        if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER))) < 0)
                return r;
        /* clone3 passes its flags in memory a filter cannot read: ENOSYS makes
         * glibc fall back to clone, which the rule above covers. */
        if ((r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
                return r;
        return 0;
}

int bh_ct_confine_prepare(void)
{
        __attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = NULL;
        _cleanup_close_ int fd = -1;
        struct stat st;
        char buf[16] = "";
        int r;

        if (prog.filter)
                return 0;
        {
                _cleanup_close_ int f = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
                if (f < 0 || read(f, buf, sizeof(buf) - 1) <= 0)
                        last_cap = CAP_LAST_CAP;
                else
                        last_cap = strtoull(buf, NULL, 10);
                if (last_cap > 63)
                        last_cap = 63;
        }
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        if ((r = build(ctx)) < 0)
                return r;
        /* libseccomp 2.5 exports only to a descriptor. */
        fd = memfd_create("bulkhead-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        if ((r = seccomp_export_bpf(ctx, fd)) < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
            st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EINVAL;
        struct sock_filter *f = malloc(st.st_size);
        if (!f)
                return -ENOMEM;
        if (pread(fd, f, st.st_size, 0) != st.st_size) {
                free(f);
                return -EIO;
        }
        prog.len = st.st_size / sizeof(struct sock_filter);
        prog.filter = f;
        return 0;
}

int bh_ct_confine_apply(const char **step)
{
        uint64_t keep = bh_ct_caps_kept();

        *step = "capability bounding set";
        for (uint64_t cap = 0; cap <= last_cap; cap++)
                if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
                    errno != EINVAL)
                        return -errno;
        *step = "ambient capabilities";
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        *step = "no_new_privs";
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        *step = "seccomp filter";
        if (!prog.filter)
                return -EINVAL;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                return -errno;
        return 0;
}
