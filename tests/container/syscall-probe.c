/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syscall-probe: calls syscalls the container's seccomp filter denies, with
 * arguments that succeed (or fail differently) without the filter, and
 * prints one "name=result" line each: "ok" or the errno name.  Run inside a
 * domain and on the host by tests/container/isolation.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *name, long r)
{
        printf("%s=%s\n", name, r >= 0 ? "ok" : strerrorname_np(errno));
        if (r > 2)
                close((int)r);
}

static long in_child(long (*fn)(void))
{
        int status;
        pid_t pid = fork();

        if (pid == 0) {
                long r = fn();
                _exit(r >= 0 ? 0 : errno);
        }
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        errno = WIFEXITED(status) ? WEXITSTATUS(status) : EINTR;
        return -1;
}

static long do_unshare_user(void)
{
        return unshare(CLONE_NEWUSER);
}

static long do_ptrace(void)
{
        return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

int main(void)
{
        struct io_uring_params iop;
        struct clone_args ca = { .exit_signal = SIGCHLD };
        long r;

        memset(&iop, 0, sizeof(iop));
        setvbuf(stdout, NULL, _IOLBF, 0);
        show("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
        show("init_module", syscall(SYS_init_module, NULL, 0, ""));
        show("bpf", syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, NULL, 0));
        show("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        show("userfaultfd", syscall(SYS_userfaultfd, O_CLOEXEC));
        show("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
        show("add_key", syscall(SYS_add_key, "user", "bh", "x", 1, KEY_SPEC_PROCESS_KEYRING));
        show("io_uring_setup", syscall(SYS_io_uring_setup, 1, &iop));
        show("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 0));
        show("fsopen", syscall(SYS_fsopen, "tmpfs", 0));
        show("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
        show("setns", setns(0, 0));
        show("unshare_user", in_child(do_unshare_user));
        r = syscall(SYS_clone3, &ca, sizeof(ca));
        if (r == 0)
                _exit(0);
        if (r > 0)
                waitpid((pid_t)r, NULL, 0);
        show("clone3", r > 0 ? 0 : r);
        show("ptrace", in_child(do_ptrace));
        return 0;
}
