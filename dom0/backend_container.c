/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container backend: a domain is a process tree in new user, mount, pid,
 * net, ipc, uts and cgroup namespaces, rooted in an overlay of its template
 * (docs/container-backend.md).  This file is the dom0 side: it prepares what
 * the child needs, clones it, maps its ids, hands it the mounts only root
 * can make, and waits for its init to be exec'd.  container_setup.c is the
 * child side.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "container_cgroup.h"
#include "container_confine.h"
#include "container_idmap.h"
#include "container_setup.h"
#include "fsutil.h"
#include "util.h"

/* How long the child may take from clone to exec: setup is a few
 * milliseconds; this only catches a hang (a dead NFS mount in a path). */
#define START_TIMEOUT_MS 10000
/* How long destroy waits for the killed domain to be gone. */
#define DESTROY_TIMEOUT_MS 5000

#define PATH_ENV "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

bool bh_ct_privileged(void)
{
        return geteuid() == 0;
}

int bh_ct_proc_starttime(pid_t pid, uint64_t *ret)
{
        char path[32], buf[1024];
        _cleanup_close_ int fd = -1;
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -ESRCH;
        buf[n] = '\0';
        /* comm may hold spaces and parentheses: fields restart after the last ')'. */
        char *p = strrchr(buf, ')');
        if (!p)
                return -EINVAL;
        p++;
        for (int field = 3; field < 22; field++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EINVAL;
        }
        *ret = strtoull(p + 1, NULL, 10);
        return 0;
}

static bool name_ok(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > BH_NAME_MAX ||
            !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int write_str(const char *path, const char *s)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t n = strlen(s);

        if (fd < 0)
                return -errno;
        if (write(fd, s, n) != (ssize_t)n)
                return errno ? -errno : -EIO;
        return 0;
}

static int write_maps(pid_t pid, bool privileged, uint32_t base)
{
        char path[64], map[64];
        int r;

        if (privileged) {
                snprintf(map, sizeof(map), "0 %u %u\n", base, BH_CT_ID_RANGE);
        } else {
                /* An ordinary user can map only itself, and only once
                 * setgroups is off for good. */
                snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
                if ((r = write_str(path, "deny")) < 0)
                        return r;
                snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)geteuid());
        }
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
        if ((r = write_str(path, map)) < 0)
                return r;
        if (!privileged)
                snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getegid());
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
        return write_str(path, map);
}

/* A detached copy of path with attributes, idmapped into userns_fd when
 * that is >= 0 and the filesystem allows it (*idmapped says if it did). */
static int clone_tree(const char *path, uint64_t attrs, int userns_fd, bool *idmapped)
{
        _cleanup_close_ int fd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        struct mount_attr a = { .attr_set = attrs };

        if (fd < 0)
                return -errno;
        if (idmapped)
                *idmapped = false;
        if (userns_fd >= 0) {
                a.attr_set |= MOUNT_ATTR_IDMAP;
                a.userns_fd = userns_fd;
                if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0) {
                        if (idmapped)
                                *idmapped = true;
                        return TAKE_FD(fd);
                }
                a.attr_set &= ~(uint64_t)MOUNT_ATTR_IDMAP;
                a.userns_fd = 0;
        }
        if (mount_setattr(fd, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

static void log_no_idmap_once(const char *what, const char *path)
{
        static bool logged;

        if (logged)
                return;
        logged = true;
        bh_log_info("container: %s %s cannot be idmapped on this kernel or filesystem: "
                    "files the host's root owns look owned by nobody in domains",
                    what, path);
}

/* The mounts only root can make (idmapping needs CAP_SYS_ADMIN over the
 * filesystem), as detached mounts the child moves into place. */
static int make_mounts(const struct ct_plan *plan, pid_t pid,
                       uint32_t base, int *fds, uint32_t *present, const char **step)
{
        char path[64];
        _cleanup_close_ int userns = -1;
        bool idm = false;

        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
        userns = open(path, O_RDONLY | O_CLOEXEC);
        if (userns < 0) {
                *step = "user namespace";
                return -errno;
        }
        for (int i = 0; i < CT_FD_COUNT; i++) {
                const char *src = plan->paths[i];
                int mapns = i == CT_FD_AGENT ? -1 : userns;

                if (!src)
                        continue;
                fds[i] = clone_tree(src, bh_ct_fd_attrs(plan, i), mapns, &idm);
                if (fds[i] < 0) {
                        *step = src;
                        return fds[i];
                }
                *present |= 1u << i;
                if (mapns < 0 || idm)
                        continue;
                if (i == CT_FD_VCHAN) {
                        /* The agent must still reach its sockets. */
                        if (chown(src, base, base) < 0) {
                                *step = src;
                                return -errno;
                        }
                } else {
                        log_no_idmap_once("directory", src);
                }
        }
        return 0;
}

static int send_go(int sock, const int *fds, uint32_t present)
{
        struct ct_go go = { .magic = CT_GO_MAGIC, .present = present };
        union {
                char buf[CMSG_SPACE(sizeof(int) * CT_FD_COUNT)];
                struct cmsghdr align;
        } c;
        struct iovec iov = { &go, sizeof(go) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        size_t n = 0;

        memset(&c, 0, sizeof(c));
        for (int i = 0; i < CT_FD_COUNT; i++)
                if (present & (1u << i))
                        n++;
        if (n) {
                mh.msg_control = c.buf;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
                size_t k = 0;
                for (int i = 0; i < CT_FD_COUNT; i++)
                        if (present & (1u << i))
                                memcpy(CMSG_DATA(cm) + sizeof(int) * k++, &fds[i], sizeof(int));
        }
        if (sendmsg(sock, &mh, MSG_NOSIGNAL) != sizeof(go))
                return -errno;
        return 0;
}

/* Waits for the child's exec (end of file) or its error report. */
static int wait_exec(int sock, struct ct_err *err)
{
        struct pollfd p = { .fd = sock, .events = POLLIN };
        ssize_t n;
        int r;

        do
                r = poll(&p, 1, START_TIMEOUT_MS);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return -errno;
        if (r == 0) {
                snprintf(err->step, sizeof(err->step), "setup timed out");
                return -ETIMEDOUT;
        }
        n = recv(sock, err, sizeof(*err), 0);
        if (n == 0)
                return 0;
        if (n != sizeof(*err) || err->err >= 0) {
                snprintf(err->step, sizeof(err->step), "setup died");
                return -EPROTO;
        }
        err->step[sizeof(err->step) - 1] = '\0';
        return err->err;
}

static void kill_and_reap(int pidfd)
{
        siginfo_t si;

        pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
        waitid(P_PIDFD, pidfd, &si, WEXITED);
}

/* Directories the child mounts on or over, in the volatile dir. */
static int make_volatile(int vol, const struct ct_plan *plan, bool chown_them, uint32_t base)
{
        const char *dirs[8];
        size_t n = 0;

        dirs[n++] = "root";
        if (plan->root_overlay) {
                dirs[n++] = "lower";
                dirs[n++] = "upper";
                dirs[n++] = "work";
        }
        if (plan->home == CT_HOME_OVERLAY) {
                dirs[n++] = "home-lower";
                dirs[n++] = "home-upper";
                dirs[n++] = "home-work";
        } else if (plan->home == CT_HOME_VOLATILE) {
                dirs[n++] = "home";
        }
        for (size_t i = 0; i < n; i++) {
                if (mkdirat(vol, dirs[i], 0755) < 0 && errno != EEXIST)
                        return -errno;
                if (chown_them && fchownat(vol, dirs[i], base, base, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        }
        /* The domain's root mounts from here, so it must be able to enter. */
        if (chown_them && fchownat(vol, "", base, base, AT_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

struct start_ctx {
        struct bh_ct_cgroup cg;
        int vol_fd, console_fd, sock[2], pidfd, fds[CT_FD_COUNT];
        char *env_domain;
        char *argv[32], *envp[16];
        bool claimed;
};

static void start_ctx_free(struct start_ctx *c)
{
        bh_ct_cgroup_done(&c->cg);
        bh_closep(&c->vol_fd);
        bh_closep(&c->console_fd);
        bh_closep(&c->sock[0]);
        bh_closep(&c->sock[1]);
        for (int i = 0; i < CT_FD_COUNT; i++)
                bh_closep(&c->fds[i]);
        free(c->env_domain);
}

static int build_exec(struct start_ctx *c, const char *name, const char *const *init_args, bool gui)
{
        static const char *const passed[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS" };
        size_t n = 0, e = 0;

        c->argv[n++] = (char *)BH_CT_INIT_PATH;
        for (size_t i = 0; init_args && init_args[i]; i++) {
                if (n >= ELEMENTSOF(c->argv) - 1)
                        return -E2BIG;
                c->argv[n++] = (char *)init_args[i];
        }
        c->argv[n] = NULL;
        if (asprintf(&c->env_domain, "BULKHEAD_DOMAIN=%s", name) < 0) {
                c->env_domain = NULL;
                return -ENOMEM;
        }
        c->envp[e++] = (char *)PATH_ENV;
        /* On the private volume, so what a user keeps (files copied in,
         * settings) survives a restart. */
        c->envp[e++] = (char *)"HOME=/home/user";
        if (gui)
                c->envp[e++] = (char *)"BULKHEAD_GUI=1";
        c->envp[e++] = (char *)"container=bulkhead";
        c->envp[e++] = c->env_domain;
        /* A sanitizer build's init reads its options like any other program. */
        for (size_t i = 0; i < ELEMENTSOF(passed); i++) {
                size_t len = strlen(passed[i]);
                for (char **v = environ; *v; v++)
                        if (strncmp(*v, passed[i], len) == 0 && (*v)[len] == '=')
                                c->envp[e++] = *v;
        }
        c->envp[e] = NULL;
        return 0;
}

int bh_container_start(const struct bh_start_spec *spec, const char *const *init_args,
                       struct bh_instance *ret)
{
        struct start_ctx c = { .vol_fd = -1, .console_fd = -1, .sock = { -1, -1 }, .pidfd = -1 };
        struct ct_plan plan = { 0 };
        struct ct_err err = { 0 };
        const char *name, *step = NULL;
        bool priv = bh_ct_privileged();
        uint32_t base = 0, present = 0;
        pid_t pid = -1;
        int r;

        for (int i = 0; i < CT_FD_COUNT; i++)
                c.fds[i] = -1;
        c.cg.v2_fd = -1;
        if (!spec || !spec->d || !ret)
                return -EINVAL;
        name = spec->d->name;
        if (!name_ok(name))
                return bh_log_errno(-EINVAL, "domain %s: start failed: bad name", name);
        if (!spec->root || !spec->volatile_dir || !spec->agent_dir || !spec->console_log)
                return bh_log_errno(-EINVAL, "domain %s: start failed: incomplete spec", name);

        plan.name = name;
        plan.hostname = spec->hostname ? spec->hostname : name;
        plan.privileged = priv;
        plan.root_overlay = spec->d->klass != BH_CLASS_TEMPLATE;
        plan.home = spec->private_dir    ? CT_HOME_PRIVATE
                    : spec->private_lower ? CT_HOME_OVERLAY
                                          : CT_HOME_VOLATILE;
        plan.memory_mib = spec->d->memory_mib;
        plan.paths[CT_FD_ROOT] = spec->root;
        plan.paths[CT_FD_HOME] = spec->private_dir ? spec->private_dir : spec->private_lower;
        plan.paths[CT_FD_AGENT] = spec->agent_dir;
        plan.paths[CT_FD_VCHAN] = spec->vchan_dir;
        for (size_t i = 0; spec->host_ro_binds && spec->host_ro_binds[i]; i++) {
                const char *b = spec->host_ro_binds[i];
                if (i >= CT_MAX_BINDS || b[0] != '/' || strcmp(b, "/") == 0)
                        return bh_log_errno(-EINVAL, "domain %s: start failed: host bind %s", name, b);
                plan.paths[CT_FD_BIND0 + i] = b;
                plan.n_binds = i + 1;
        }

        if ((r = bh_ct_confine_prepare()) < 0) {
                step = "seccomp filter";
                goto fail;
        }
        if (priv) {
                if ((r = bh_ct_idmap_claim(name, &base)) < 0) {
                        step = "claiming an id range";
                        goto fail;
                }
                c.claimed = true;
        }
        if ((r = bh_ct_cgroup_create(name, spec->d->memory_mib, &c.cg)) < 0) {
                step = "cgroup";
                goto fail;
        }
        c.vol_fd = open(spec->volatile_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c.vol_fd < 0 || (r = make_volatile(c.vol_fd, &plan, priv, base)) < 0) {
                r = c.vol_fd < 0 ? -errno : r;
                step = spec->volatile_dir;
                goto fail;
        }
        c.console_fd = open(spec->console_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
                            0640);
        if (c.console_fd < 0) {
                r = -errno;
                step = spec->console_log;
                goto fail;
        }
        if ((r = build_exec(&c, name, init_args, spec->gui)) < 0) {
                step = "init arguments";
                goto fail;
        }
        plan.argv = c.argv;
        plan.envp = c.envp;
        plan.vol_path = spec->volatile_dir;
        plan.console_fd = c.console_fd;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c.sock) < 0) {
                r = -errno;
                step = "socketpair";
                goto fail;
        }

        struct clone_args ca = {
                .flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                         CLONE_NEWUTS | CLONE_PIDFD,
                .pidfd = (uintptr_t)&c.pidfd,
                .exit_signal = SIGCHLD,
        };
        if (c.cg.v2_fd >= 0) {
                /* Born in its cgroup: no moment outside its limits. */
                ca.flags |= CLONE_INTO_CGROUP;
                ca.cgroup = c.cg.v2_fd;
        }
        pid = syscall(SYS_clone3, &ca, sizeof(ca));
        if (pid < 0) {
                r = -errno;
                step = "clone3";
                goto fail;
        }
        if (pid == 0) {
                close(c.sock[0]);
                plan.sync_fd = c.sock[1];
                bh_ct_child(&plan);
        }
        bh_closep(&c.sock[1]);

        if ((r = write_maps(pid, priv, base)) < 0) {
                step = "uid/gid maps";
                goto fail;
        }
        if (priv && (r = make_mounts(&plan, pid, base, c.fds, &present, &step)) < 0)
                goto fail;
        if ((r = send_go(c.sock[0], c.fds, present)) < 0) {
                step = "handing mounts over";
                goto fail;
        }
        for (int i = 0; i < CT_FD_COUNT; i++)
                bh_closep(&c.fds[i]);
        /* cgroup v1 moves wait for an RCU grace period (milliseconds): done
         * while the child mounts, which it does outside its limits for as
         * long. */
        if ((r = bh_ct_cgroup_enter_v1(&c.cg, pid)) < 0) {
                step = "cgroup v1";
                goto fail;
        }
        struct ct_go cg = { .magic = CT_CG_MAGIC };
        if (send(c.sock[0], &cg, sizeof(cg), MSG_NOSIGNAL) != sizeof(cg)) {
                r = -errno;
                step = "handing cgroups over";
                goto fail;
        }
        if ((r = wait_exec(c.sock[0], &err)) < 0) {
                step = err.step;
                goto fail;
        }

        *ret = (struct bh_instance){ .pid = pid, .domid = -1, .death_fd = c.pidfd };
        if ((r = bh_ct_proc_starttime(pid, &ret->pid_starttime)) < 0 && r != -ESRCH) {
                step = "starttime";
                goto fail;
        }
        if (priv)
                bh_ct_idmap_own(name, base, pid, ret->pid_starttime);
        c.pidfd = -1;
        start_ctx_free(&c);
        return 0;

fail:
        if (c.pidfd >= 0) {
                kill_and_reap(c.pidfd);
                close(c.pidfd);
        }
        if (c.cg.v2 || c.cg.v1_memory || c.cg.v1_pids)
                bh_ct_cgroup_remove(name);
        if (c.claimed)
                bh_ct_idmap_release(name);
        start_ctx_free(&c);
        return bh_log_errno(r, "domain %s: start failed: %s", name, step ? step : "?");
}

static int start_default(const struct bh_start_spec *spec, struct bh_instance *ret)
{
        return bh_container_start(spec, NULL, ret);
}

/* A pidfd for inst, checked against its start time when opened anew. */
static int inst_pidfd(const struct bh_instance *inst, bool *owned)
{
        uint64_t st;
        int fd;

        *owned = false;
        if (inst->death_fd >= 0)
                return inst->death_fd;
        if (inst->pid <= 0)
                return -ESRCH;
        fd = pidfd_open(inst->pid, 0);
        if (fd < 0)
                return -errno;
        if (bh_ct_proc_starttime(inst->pid, &st) < 0 || st != inst->pid_starttime) {
                close(fd);
                return -ESRCH;
        }
        *owned = true;
        return fd;
}

/* Every process in init's pid namespace gets sig (pause without a cgroup
 * freezer).  Rounds repeat until one finds nothing new, so a process forked
 * during a round is caught by the next. */
static int signal_domain(const struct bh_instance *inst, int sig)
{
        char path[64], ns[64], other[64];
        ssize_t n;

        snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)inst->pid);
        n = readlink(path, ns, sizeof(ns) - 1);
        if (n < 0)
                return errno == ENOENT ? -ESRCH : -errno;
        ns[n] = '\0';
        for (int round = 0; round < 8; round++) {
                DIR *d = opendir("/proc");
                struct dirent *de;
                int hits = 0;

                if (!d)
                        return -errno;
                while ((de = readdir(d))) {
                        char *end;
                        long pid = strtol(de->d_name, &end, 10);
                        if (*end || pid <= 0)
                                continue;
                        snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
                        n = readlink(path, other, sizeof(other) - 1);
                        if (n < 0)
                                continue;
                        other[n] = '\0';
                        if (strcmp(ns, other) != 0)
                                continue;
                        if (sig == SIGSTOP) {
                                char st[64], line[256];
                                bool stopped = false;
                                snprintf(st, sizeof(st), "/proc/%ld/status", pid);
                                FILE *f = fopen(st, "re");
                                while (f && fgets(line, sizeof(line), f))
                                        if (strncmp(line, "State:", 6) == 0)
                                                stopped = strchr(line, 'T') != NULL;
                                if (f)
                                        fclose(f);
                                if (stopped)
                                        continue;
                        }
                        kill((pid_t)pid, sig);
                        hits++;
                }
                closedir(d);
                if (hits == 0 || sig != SIGSTOP)
                        break;
        }
        return 0;
}

static int ct_freeze(struct bh_instance *inst, bool freeze)
{
        _cleanup_free_ char *cg = NULL;
        bool owned;
        int fd, r;

        fd = inst_pidfd(inst, &owned);
        if (fd < 0)
                return fd;
        if (owned)
                close(fd);
        r = bh_ct_cgroup_of(inst->pid, &cg);
        if (r == 0) {
                r = bh_ct_cgroup_freeze(cg, freeze);
                if (r != -EOPNOTSUPP)
                        return r;
        }
        return signal_domain(inst, freeze ? SIGSTOP : SIGCONT);
}

static int ct_pause(struct bh_instance *inst)
{
        return ct_freeze(inst, true);
}

static int ct_unpause(struct bh_instance *inst)
{
        return ct_freeze(inst, false);
}

static int ct_shutdown(struct bh_instance *inst)
{
        bool owned;
        int fd = inst_pidfd(inst, &owned), r = 0;

        if (fd < 0)
                return fd;
        if (pidfd_send_signal(fd, SIGTERM, NULL, 0) < 0)
                r = -errno;
        /* A paused domain must run to stop. */
        if (r == 0)
                ct_freeze(inst, false);
        if (owned)
                close(fd);
        return r;
}

static int ct_destroy(const struct bh_start_spec *spec, struct bh_instance *inst)
{
        const char *name = spec && spec->d ? spec->d->name : NULL;
        int r = 0, k;

        if (inst && (inst->death_fd >= 0 || inst->pid > 0)) {
                bool owned;
                int fd = inst_pidfd(inst, &owned);

                if (fd >= 0) {
                        struct pollfd p = { .fd = fd, .events = POLLIN };
                        siginfo_t si;

                        /* init's death takes its pid namespace along: every
                         * process of the domain is gone once fd is readable. */
                        if (pidfd_send_signal(fd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
                                r = bh_log_errno(-errno, "domain %s: kill", name ? name : "?");
                        if (poll(&p, 1, DESTROY_TIMEOUT_MS) == 0)
                                r = bh_log_errno(-ETIMEDOUT, "domain %s: still alive after SIGKILL",
                                                 name ? name : "?");
                        /* Reaps it if we are its parent; ECHILD otherwise. */
                        waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG);
                        if (owned || fd == inst->death_fd)
                                close(fd);
                }
                inst->death_fd = -1;
        }
        if (!name)
                return r;
        if (bh_ct_cgroup_remove(name) < 0)
                r = r ? r : -EBUSY;
        if (bh_ct_privileged())
                bh_ct_idmap_release(name);
        if (spec->volatile_dir && (k = bh_rm_rf(spec->volatile_dir)) < 0)
                r = bh_log_errno(k, "domain %s: removing %s", name, spec->volatile_dir);
        return r;
}

static int ct_attach(const struct bh_domain *d, struct bh_instance *ret)
{
        struct bh_instance inst = { .pid = d->pid, .pid_starttime = d->pid_starttime,
                                    .domid = -1, .death_fd = -1 };
        bool owned;
        int fd = inst_pidfd(&inst, &owned);

        if (fd < 0)
                return fd == -ENOENT ? -ESRCH : fd;
        inst.death_fd = fd;
        *ret = inst;
        return 0;
}

static int ct_available(void)
{
        char buf[32];
        _cleanup_close_ int fd = -1;

        if (access("/proc/self/ns/user", F_OK) < 0)
                return -EOPNOTSUPP;
        /* The one-time work (seccomp program, cgroup probe) happens here,
         * not in the first start. */
        if (bh_ct_confine_prepare() < 0)
                return -EOPNOTSUPP;
        bh_ct_cgroup_probe();
        if (bh_ct_privileged())
                return 0;
        /* Debian's switch for unprivileged user namespaces, where present. */
        fd = open("/proc/sys/kernel/unprivileged_userns_clone", O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read(fd, buf, 1) == 1 && buf[0] == '0')
                return -EPERM;
        bh_closep(&fd);
        fd = open("/proc/sys/user/max_user_namespaces", O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && read(fd, buf, 1) == 1 && buf[0] == '0')
                return -EPERM;
        return 0;
}

static bool ct_serving(const struct bh_instance *inst, const char *vchan_dir, int port)
{
        char sock[PATH_MAX];
        struct stat st;

        (void)inst;
        if (!vchan_dir || snprintf(sock, sizeof(sock), "%s/vchan.%d.sock", vchan_dir, port) >= (int)sizeof(sock))
                return false;
        /* The domain can write that directory: only its own socket counts. */
        return lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int ct_netns(const struct bh_instance *inst)
{
        char path[64];
        int fd;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)inst->pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The pid could have been reused between the domain's death and
         * the open: its pidfd says whether it is still the domain's init. */
        if (inst->death_fd >= 0 && pidfd_send_signal(inst->death_fd, 0, NULL, 0) < 0) {
                close(fd);
                return -ESRCH;
        }
        return fd;
}

const struct bh_backend bh_backend_container = {
        .name = "container",
        .transport = BH_VCHAN_SOCKET,
        .boot_timeout_s = 30,
        /* A container's command runs within milliseconds of the unpause. */
        .pool_settle_ms = 200,
        .available = ct_available,
        .start = start_default,
        .pause = ct_pause,
        .unpause = ct_unpause,
        .shutdown = ct_shutdown,
        .destroy = ct_destroy,
        .attach = ct_attach,
        .serving = ct_serving,
        .netns = ct_netns,
};
