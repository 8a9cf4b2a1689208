/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filecopy_confine.h"
#include "util.h"

/*
 * A sanitizer build (tests only) also lets its runtime work: the leak
 * checker stops the process with a ptrace-ing helper thread and reads
 * /proc/self at exit.
 */
#if defined(__SANITIZE_ADDRESS__)
#define FC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FC_SANITIZED 1
#endif
#endif

/* Landlock rights newer than the header this builds with. */
#define FC_LL_TRUNCATE (1ull << 14)  /* ABI 3 */
#define FC_LL_IOCTL_DEV (1ull << 15) /* ABI 5 */

/* Rights each ABI version knows: a ruleset may only name those. */
static uint64_t ll_known(long abi)
{
        uint64_t fs = (1ull << 13) - 1; /* ABI 1: execute .. make_sym */

        if (abi >= 2)
                fs |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                fs |= FC_LL_TRUNCATE;
        if (abi >= 5)
                fs |= FC_LL_IOCTL_DEV;
        return fs;
}

/*
 * Everything the kernel can refuse is refused, except beneath Incoming:
 * creating directories, regular files and symlinks, writing and truncating
 * them, listing and removing (a failed copy's staging directory), and
 * moving entries from the staging directory to Incoming/<source> (REFER).
 * No execute, no reading file contents, no device nodes, fifos or sockets.
 */
static int landlock(int incoming_fd, bool *applied)
{
        _cleanup_close_ int ruleset = -1;
        struct landlock_ruleset_attr attr;
        struct landlock_path_beneath_attr rule;
        uint64_t allow;
        long abi;

        *applied = false;
        abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi < 1)
                return 0; /* not built in, or disabled at boot: nothing to apply */
        /* Without REFER (ABI 1) a rename between two directories is always
         * refused, and the commit needs one. */
        if (abi < 2)
                return 0;
        attr.handled_access_fs = ll_known(abi);
        allow = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                allow |= FC_LL_TRUNCATE;
        ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (ruleset < 0)
                return -errno;
        rule = (struct landlock_path_beneath_attr){ .allowed_access = allow, .parent_fd = incoming_fd };
        if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
                return -errno;
#ifdef FC_SANITIZED
        {
                /* The leak checker reads /proc/self at exit. */
                _cleanup_close_ int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

                if (proc < 0)
                        return -errno;
                rule = (struct landlock_path_beneath_attr){
                        .allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
                        .parent_fd = proc,
                };
                if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
                        return -errno;
        }
#endif
        if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
                return -errno;
        *applied = true;
        return 0;
}

/* The calls unpacking makes: reading the stream and writing the reply,
 * creating and filling entries beneath open directories, moving them,
 * removing a failed copy, and what malloc and exit need. */
static const char *const allowed[] = {
        "read", "write", "close", "lseek", "fcntl",
        "openat", "openat2", "mkdirat", "symlinkat", "renameat2", "unlinkat",
        "fchmod", "fchmodat", "utimensat", "ftruncate", "fstat", "newfstatat", "statx",
        "getdents64", "fsync", "syncfs",
        "brk", "mmap", "munmap", "mremap", "madvise",
        "rt_sigreturn", "rt_sigprocmask", "exit", "exit_group",
};

#ifdef FC_SANITIZED
static const char *const sanitizer_allowed[] = {
        "clone", "clone3", "ptrace", "wait4", "prctl", "sched_yield", "sigaltstack",
        "rt_sigaction", "getpid", "gettid", "tgkill", "mprotect", "readlink", "readlinkat",
        "open", "futex", "sched_getaffinity", "set_robust_list", "rseq", "prlimit64",
        "getrlimit", "pipe", "pipe2", "dup", "dup2", "dup3", "arch_prctl", "getppid",
        "kill", "munlock", "pread64", "setrlimit", "getrusage", "nanosleep",
        "clock_nanosleep", "rt_sigtimedwait", "waitid", "uname", "access", "faccessat",
        "faccessat2", "lstat", "stat", "ioctl", "getdents",
};
#endif

static void ctx_release(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

static int add_allowed(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int nr = seccomp_syscall_resolve_name(names[i]), r;

                if (nr == __NR_SCMP_ERROR)
                        continue; /* not on this architecture */
                if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
                        return r;
        }
        return 0;
}

/* Everything else fails with EPERM; a call from another architecture's
 * entry point kills the process (libseccomp's default for those). */
static int seccomp(void)
{
        __attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = NULL;
        int r;

        ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        if (!ctx)
                return -ENOMEM;
        if ((r = add_allowed(ctx, allowed, ELEMENTSOF(allowed))) < 0)
                return r;
#ifdef FC_SANITIZED
        if ((r = add_allowed(ctx, sanitizer_allowed, ELEMENTSOF(sanitizer_allowed))) < 0)
                return r;
#endif
        return seccomp_load(ctx);
}

int bh_fc_confine(int incoming_fd, bool *ret_landlock, const char **step)
{
        int r;

        *step = "no_new_privs";
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        *step = "landlock";
        if ((r = landlock(incoming_fd, ret_landlock)) < 0)
                return r;
        *step = "seccomp filter";
        return seccomp();
}
