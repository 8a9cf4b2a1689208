/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Between clone3 and exec, inside the domain's new namespaces.  Mount
 * sources are detached mounts (open_tree, fsmount) made while the host's
 * root is still reachable; once pivot_root has dropped it, they are moved
 * onto paths that resolve inside the domain's root, so symlinks a template
 * carries cannot point a mount out of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend.h"
#include "container_confine.h"
#include "container_setup.h"
#include "util.h"

/* tmpfs sizes.  /dev holds a dozen nodes and links; /run holds sockets and
 * pid files (X, D-Bus, the session's runtime directory).  /tmp and /dev/shm
 * get the domain's memory size when it has one: tmpfs pages are charged to
 * the domain's memory cgroup anyway, and where no cgroup limits exist the
 * size is what keeps a domain from filling the host's memory. */
#define DEV_TMPFS_OPTS "mode=0755,size=64k,nr_inodes=128"
#define RUN_TMPFS_OPTS "mode=0755,size=64m"

/* Blocked when init starts: the ones agent/init.c reads with signalfd. */
static const int init_blocked[] = { SIGCHLD, SIGTERM, SIGINT, SIGPWR, SIGHUP, SIGUSR1, SIGUSR2 };

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

__attribute__((noreturn)) static void fail(struct ct_plan *p, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void fail(struct ct_plan *p, int err, const char *fmt, ...)
{
        struct ct_err e = { .err = err < 0 ? err : -EIO };
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(e.step, sizeof(e.step), fmt, ap);
        va_end(ap);
        send(p->sync_fd, &e, sizeof(e), MSG_NOSIGNAL);
        _exit(127);
}

/* Appends what the kernel said about a failed fsconfig (the fs context
 * keeps messages for the caller: "e overlayfs: ..."). */
__attribute__((noreturn)) static void fail_fs(struct ct_plan *p, int fs, const char *what)
{
        int err = -errno;
        char msg[80] = "";
        ssize_t n = read(fs, msg, sizeof(msg) - 1);

        if (n > 2) {
                msg[n] = '\0';
                msg[strcspn(msg, "\n")] = '\0';
                fail(p, err, "%s (%s)", what, msg + 2);
        }
        fail(p, err, "%s", what);
}

static void recv_go(struct ct_plan *p)
{
        struct ct_go go;
        union {
                char buf[CMSG_SPACE(sizeof(int) * CT_FD_COUNT)];
                struct cmsghdr align;
        } c;
        struct iovec iov = { &go, sizeof(go) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
                             .msg_controllen = sizeof(c.buf) };
        ssize_t n;

        do
                n = recvmsg(p->sync_fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                _exit(127); /* the parent gave up */
        if (n != sizeof(go) || go.magic != CT_GO_MAGIC)
                fail(p, n < 0 ? -errno : -EPROTO, "waiting for the parent");

        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        size_t nfds = 0, k = 0;
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
                nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (int i = 0; i < CT_FD_COUNT; i++) {
                if (!(go.present & (1u << i)))
                        continue;
                if (k >= nfds)
                        fail(p, -EPROTO, "descriptors from the parent");
                memcpy(&p->fds[i], CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
                k++;
        }
}

static void wait_cgroups(struct ct_plan *p)
{
        struct ct_go cg;
        ssize_t n;

        do
                n = recv(p->sync_fd, &cg, sizeof(cg), 0);
        while (n < 0 && errno == EINTR);
        if (n == 0)
                _exit(127);
        if (n != sizeof(cg) || cg.magic != CT_CG_MAGIC)
                fail(p, n < 0 ? -errno : -EPROTO, "waiting for cgroups");
}

uint64_t bh_ct_fd_attrs(const struct ct_plan *p, int slot)
{
        switch (slot) {
        case CT_FD_ROOT:
                return p->root_overlay ? MOUNT_ATTR_RDONLY : MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        case CT_FD_HOME:
                return p->home == CT_HOME_OVERLAY ? MOUNT_ATTR_RDONLY
                                                  : MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        case CT_FD_AGENT:
                return MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        case CT_FD_VCHAN:
                return MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        default:
                return MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
        }
}

/* As an ordinary user: plain bind mounts of the sources, made here because
 * only this mount namespace is ours. */
static void clone_sources(struct ct_plan *p)
{
        for (int i = 0; i < CT_FD_COUNT; i++) {
                struct mount_attr a = { .attr_set = bh_ct_fd_attrs(p, i) };

                if (!p->paths[i])
                        continue;
                p->fds[i] = open_tree(AT_FDCWD, p->paths[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (p->fds[i] < 0)
                        fail(p, -errno, "bind %s", p->paths[i]);
                if (mount_setattr(p->fds[i], "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                        fail(p, -errno, "mount attributes of %s", p->paths[i]);
        }
}

static void move_to(struct ct_plan *p, int fd, const char *target)
{
        if (fd < 0)
                fail(p, -EBADF, "no mount for %s", target);
        if (move_mount(fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                fail(p, -errno, "mount on %s", target);
        close(fd);
}

/* An overlay from directories relative to the volatile dir (cwd), detached. */
static int overlay(struct ct_plan *p, const char *lower, const char *upper, const char *work)
{
        int fs = fsopen("overlay", FSOPEN_CLOEXEC), m;

        if (fs < 0)
                fail(p, -errno, "overlay: fsopen");
        if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
            fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0 ||
            /* user.overlay.* xattrs: trusted.* needs the host's CAP_SYS_ADMIN */
            fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 ||
            /* the upper layer is thrown away, so never sync it */
            fsconfig(fs, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
                fail_fs(p, fs, "overlay options");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                fail_fs(p, fs, "overlay mount");
        m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (m < 0)
                fail(p, -errno, "overlay: fsmount");
        close(fs);
        return m;
}

static void mkdir_p(struct ct_plan *p, const char *path, mode_t mode)
{
        char buf[PATH_MAX];

        snprintf(buf, sizeof(buf), "%s", path);
        for (char *s = buf + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                if (mkdir(buf, mode) < 0 && errno != EEXIST)
                        fail(p, -errno, "mkdir %s", buf);
                if (!c)
                        break;
                *s = c;
        }
}

static void mount_tmpfs(struct ct_plan *p, const char *target, unsigned long flags, const char *opts)
{
        mkdir_p(p, target, 0755);
        if (mount("tmpfs", target, "tmpfs", flags, opts) < 0)
                fail(p, -errno, "tmpfs on %s", target);
}

static void setup_dev(struct ct_plan *p, int *nodes)
{
        static const char *const links[][2] = {
                { "pts/ptmx", "/dev/ptmx" },      { "/proc/self/fd", "/dev/fd" },
                { "/proc/self/fd/0", "/dev/stdin" }, { "/proc/self/fd/1", "/dev/stdout" },
                { "/proc/self/fd/2", "/dev/stderr" },
        };
        char path[64], shm_opts[64];

        mount_tmpfs(p, "/dev", MS_NOSUID | MS_NOEXEC, DEV_TMPFS_OPTS);
        /* No mknod in a user namespace: the host's harmless nodes are bound. */
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
                int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
                if (fd < 0)
                        fail(p, -errno, "create %s", path);
                close(fd);
                move_to(p, nodes[i], path);
        }
        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlink(links[i][0], links[i][1]) < 0)
                        fail(p, -errno, "symlink %s", links[i][1]);
        mkdir_p(p, "/dev/pts", 0755);
        /* gid 5 is "tty" in Debian; unmapped for an ordinary user's domain. */
        if (mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0 &&
            mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620") < 0)
                fail(p, -errno, "devpts on /dev/pts");
        if (p->memory_mib)
                snprintf(shm_opts, sizeof(shm_opts), "mode=1777,size=%um", p->memory_mib);
        else
                snprintf(shm_opts, sizeof(shm_opts), "mode=1777");
        mount_tmpfs(p, "/dev/shm", MS_NOSUID | MS_NODEV, shm_opts);
        mount_tmpfs(p, "/tmp", MS_NOSUID | MS_NODEV, shm_opts);
}

static void loopback_up(struct ct_plan *p)
{
        struct ifreq ifr = { .ifr_name = "lo" };
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (s < 0)
                fail(p, -errno, "loopback: socket");
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
                fail(p, -errno, "loopback: flags");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
                fail(p, -errno, "loopback: up");
        close(s);
}

/* Moves fd to at least 10, out of the way of the 0-3 being set up. */
static int high_fd(struct ct_plan *p, int fd)
{
        int r = fcntl(fd, F_DUPFD_CLOEXEC, 10);

        if (r < 0)
                fail(p, -errno, "dup");
        return r;
}

__attribute__((noreturn)) static void setup_stdio_and_exec(struct ct_plan *p)
{
        int console = high_fd(p, p->console_fd);
        int sync = high_fd(p, p->sync_fd);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        const char *step;
        sigset_t all;
        int r;

        p->sync_fd = sync;
        if (null < 0)
                fail(p, -errno, "open /dev/null");
        if (dup2(null, 0) < 0 || dup2(console, 1) < 0 || dup2(console, 2) < 0)
                fail(p, -errno, "console");
        if (dup3(sync, 3, O_CLOEXEC) < 0)
                fail(p, -errno, "dup");
        p->sync_fd = 3;
        /* Nothing of the starting process may reach the domain: not its
         * descriptors, and not its controlling terminal, which /dev/tty
         * would otherwise open (TIOCSTI into a dom0 shell). */
        if (close_range(4, ~0u, 0) < 0)
                fail(p, -errno, "close descriptors");
        if (setsid() < 0)
                fail(p, -errno, "new session");

        /* Dispositions and the mask survive exec.  init starts from default
         * dispositions, but with the signals it waits for already blocked:
         * a PID 1 without a handler drops SIGTERM from outside, and start()
         * returns (and bulkheadd may shut the domain down) before init has
         * run a line. */
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);
        sigemptyset(&all);
        for (size_t i = 0; i < ELEMENTSOF(init_blocked); i++)
                sigaddset(&all, init_blocked[i]);
        sigprocmask(SIG_SETMASK, &all, NULL);
        umask(022);

        if ((r = bh_ct_confine_apply(&step)) < 0)
                fail(p, r, "%s", step);
        execve(p->argv[0], p->argv, p->envp);
        fail(p, -errno, "exec %s", p->argv[0]);
}

void bh_ct_child(struct ct_plan *p)
{
        int home = -1, proc, fs, nodes[ELEMENTSOF(dev_nodes)];

        /* A domain whose start never returned would run untracked: until
         * init clears it, the starting process's death kills us (and if it
         * died before this line, the socket's end of file does). */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (int i = 0; i < CT_FD_COUNT; i++)
                p->fds[i] = -1;
        recv_go(p);
        /* Before setresuid: still the host's uid, which owns the state
         * directories above the volatile dir (0700); the domain's root,
         * which does not, needs only the volatile dir itself from here. */
        if (chdir(p->vol_path) < 0)
                fail(p, -errno, "volatile directory %s", p->vol_path);

        /* The maps are written: become the domain's root. */
        if (setresgid(0, 0, 0) < 0)
                fail(p, -errno, "setresgid");
        if (p->privileged && setgroups(0, NULL) < 0)
                fail(p, -errno, "setgroups");
        if (setresuid(0, 0, 0) < 0)
                fail(p, -errno, "setresuid");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail(p, -errno, "private mounts");
        if (!p->privileged)
                clone_sources(p);

        if (p->root_overlay) {
                move_to(p, p->fds[CT_FD_ROOT], "lower");
                move_to(p, overlay(p, "lower", "upper", "work"), "root");
        } else {
                move_to(p, p->fds[CT_FD_ROOT], "root");
        }
        switch (p->home) {
        case CT_HOME_PRIVATE:
                home = p->fds[CT_FD_HOME];
                break;
        case CT_HOME_OVERLAY:
                move_to(p, p->fds[CT_FD_HOME], "home-lower");
                home = overlay(p, "home-lower", "home-upper", "home-work");
                break;
        case CT_HOME_VOLATILE:
                home = open_tree(AT_FDCWD, "home", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (home < 0)
                        fail(p, -errno, "bind volatile home");
                break;
        }

        /* proc must be made while a full proc is still visible (the kernel
         * refuses new procfs mounts in a user namespace otherwise). */
        if ((fs = fsopen("proc", FSOPEN_CLOEXEC)) < 0)
                fail(p, -errno, "proc: fsopen");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                fail_fs(p, fs, "proc");
        proc = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (proc < 0)
                fail(p, -errno, "proc: fsmount");
        close(fs);
        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                char path[32];
                snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
                nodes[i] = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (nodes[i] < 0)
                        fail(p, -errno, "bind %s", path);
        }

        if (chdir("root") < 0)
                fail(p, -errno, "chdir to the new root");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                fail(p, -errno, "pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                fail(p, -errno, "detach the host's root");
        if (chdir("/") < 0)
                fail(p, -errno, "chdir /");

        /* From here on every path resolves inside the domain's root. */
        mkdir_p(p, "/proc", 0555);
        move_to(p, proc, "/proc");
        setup_dev(p, nodes);
        mount_tmpfs(p, "/run", MS_NOSUID | MS_NODEV, RUN_TMPFS_OPTS);
        mkdir_p(p, BH_AGENT_DIR, 0755);
        move_to(p, p->fds[CT_FD_AGENT], BH_AGENT_DIR);
        mkdir_p(p, BH_DOMAIN_VCHAN_DIR, 0755);
        if (p->fds[CT_FD_VCHAN] >= 0)
                move_to(p, p->fds[CT_FD_VCHAN], BH_DOMAIN_VCHAN_DIR);
        mkdir_p(p, "/home", 0755);
        move_to(p, home, "/home");
        for (size_t i = 0; i < p->n_binds; i++) {
                const char *target = p->paths[CT_FD_BIND0 + i];
                mkdir_p(p, target, 0755);
                move_to(p, p->fds[CT_FD_BIND0 + i], target);
        }

        /* Now, not in clone3: the namespace's root is the cgroup we are in
         * once the parent has placed us (clone3 would take the parent's). */
        wait_cgroups(p);
        if (unshare(CLONE_NEWCGROUP) < 0)
                fail(p, -errno, "cgroup namespace");
        if (sethostname(p->hostname, strlen(p->hostname)) < 0)
                fail(p, -errno, "hostname");
        loopback_up(p);
        setup_stdio_and_exec(p);
}
