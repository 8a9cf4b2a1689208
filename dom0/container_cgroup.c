/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container_cgroup.h"
#include "fsutil.h"
#include "util.h"

#define PARENT_NAME "bulkhead"

/* What this host offers, probed once per process. */
static struct {
        bool probed;
        char *v2_mnt, *v2_root; /* cgroup2 mount point and the cgroup it shows */
        char *v2_parent;        /* .../bulkhead on v2, NULL if unusable */
        bool v2_memory, v2_pids;
        char *v1_memory_parent, *v1_pids_parent;
} host;

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

static int read_str(const char *path, char *buf, size_t len)
{
        int r = bh_read_small_at(AT_FDCWD, path, buf, len);

        if (r < 0)
                return r;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static bool has_word(const char *list, const char *word, const char *seps)
{
        size_t n = strlen(word);

        for (const char *p = list; *p;) {
                size_t len = strcspn(p, seps);
                if (len == n && strncmp(p, word, n) == 0)
                        return true;
                p += len;
                p += strspn(p, seps);
        }
        return false;
}

static char *join(const char *a, const char *b)
{
        char *s;

        return asprintf(&s, "%s%s%s", a, b[0] == '/' || !b[0] ? "" : "/", b) < 0 ? NULL : s;
}

/* The directory of our own cgroup in the hierarchy mounted at mnt showing
 * cgroup root; the mount point itself if we are outside what it shows. */
static char *own_dir(const char *mnt, const char *root, const char *own)
{
        size_t n = strlen(root);

        if (strcmp(root, "/") == 0)
                return join(mnt, strcmp(own, "/") == 0 ? "" : own);
        if (strncmp(own, root, n) == 0 && (own[n] == '/' || own[n] == '\0'))
                return join(mnt, own + n);
        return strdup(mnt);
}

/* Our cgroup path for the v1 controller `ctl`, or v2 with ctl NULL. */
static int own_cgroup(const char *ctl, char *buf, size_t len)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        char line[4096];

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = '\0';
                if (ctl ? !has_word(c1 + 1, ctl, ",") : c1[1] != '\0')
                        continue;
                snprintf(buf, len, "%s", c2 + 1);
                buf[strcspn(buf, "\n")] = '\0';
                return 0;
        }
        return -ENOENT;
}

/* Makes parent (".../bulkhead") and turns on the v2 controllers wanted. */
static int v2_prepare_parent(const char *base, bool *memory, bool *pids)
{
        char path[PATH_MAX], ctl[512] = "";

        snprintf(path, sizeof(path), "%s/cgroup.controllers", base);
        if (read_str(path, ctl, sizeof(ctl)) < 0)
                return -ENOENT;
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", base);
        *memory = has_word(ctl, "memory", " ") && write_str(path, "+memory") == 0;
        *pids = has_word(ctl, "pids", " ") && write_str(path, "+pids") == 0;
        return 0;
}

static void enable_below(const char *parent, bool memory, bool pids)
{
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", parent);
        if (memory)
                write_str(path, "+memory");
        if (pids)
                write_str(path, "+pids");
}

static void probe(void)
{
        _cleanup_fclose_ FILE *f = NULL;
        char line[4096], own[PATH_MAX];
        char *v1_mem_mnt = NULL, *v1_mem_root = NULL, *v1_pids_mnt = NULL, *v1_pids_root = NULL;

        if (host.probed)
                return;
        host.probed = true;
        f = fopen("/proc/self/mountinfo", "re");
        while (f && fgets(line, sizeof(line), f)) {
                /* id parent dev root mountpoint opts [optional...] - fstype source superopts */
                char root[PATH_MAX], mnt[PATH_MAX], fstype[64], super[1024] = "";
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
                    sscanf(dash + 3, "%63s %*s %1023s", fstype, super) < 1)
                        continue;
                if (strcmp(fstype, "cgroup2") == 0 && !host.v2_mnt) {
                        host.v2_mnt = strdup(mnt);
                        host.v2_root = strdup(root);
                } else if (strcmp(fstype, "cgroup") == 0) {
                        if (has_word(super, "memory", ",") && !v1_mem_mnt) {
                                v1_mem_mnt = strdup(mnt);
                                v1_mem_root = strdup(root);
                        }
                        if (has_word(super, "pids", ",") && !v1_pids_mnt) {
                                v1_pids_mnt = strdup(mnt);
                                v1_pids_root = strdup(root);
                        }
                }
        }

        if (host.v2_mnt && host.v2_root && own_cgroup(NULL, own, sizeof(own)) == 0) {
                _cleanup_free_ char *base = own_dir(host.v2_mnt, host.v2_root, own);
                /* The parent itself is made by the first domain and goes
                 * with the last, so an idle host keeps no trace. */
                if (base && access(base, W_OK) == 0 &&
                    v2_prepare_parent(base, &host.v2_memory, &host.v2_pids) == 0)
                        host.v2_parent = join(base, PARENT_NAME);
        }
        if (!host.v2_memory && v1_mem_mnt && own_cgroup("memory", own, sizeof(own)) == 0) {
                _cleanup_free_ char *base = own_dir(v1_mem_mnt, v1_mem_root, own);
                if (base && access(base, W_OK) == 0)
                        host.v1_memory_parent = join(base, PARENT_NAME);
        }
        if (!host.v2_pids && v1_pids_mnt && own_cgroup("pids", own, sizeof(own)) == 0) {
                _cleanup_free_ char *base = own_dir(v1_pids_mnt, v1_pids_root, own);
                if (base && access(base, W_OK) == 0)
                        host.v1_pids_parent = join(base, PARENT_NAME);
        }
        free(v1_mem_mnt);
        free(v1_mem_root);
        free(v1_pids_mnt);
        free(v1_pids_root);

        if (!host.v2_parent)
                bh_log_info("container: no writable cgroup v2 hierarchy: domains cannot be "
                            "frozen by cgroup (pause uses SIGSTOP)");
        if (!host.v2_memory && !host.v1_memory_parent)
                bh_log_info("container: no cgroup memory controller: domains run without a memory limit");
        if (!host.v2_pids && !host.v1_pids_parent)
                bh_log_info("container: no cgroup pids controller: domains run without a task limit");
}

void bh_ct_cgroup_probe(void)
{
        probe();
}

static bool populated(const char *dir)
{
        char path[PATH_MAX], buf[64];

        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        return read_str(path, buf, sizeof(buf)) == 0 && buf[0] != '\0';
}

/* mkdir parent/name; the parent is made again if a concurrent remove took it. */
static int make_dir(const char *parent, const char *name, char **ret)
{
        _cleanup_free_ char *dir = join(parent, name);

        if (!dir)
                return -ENOMEM;
        for (int tries = 0;; tries++) {
                if (mkdir(dir, 0755) == 0)
                        break;
                if (errno == EEXIST) {
                        /* A cgroup left by a crash is reused once it is empty. */
                        if (populated(dir))
                                return -EBUSY;
                        break;
                }
                if (errno != ENOENT || tries == 3)
                        return -errno;
                if (mkdir(parent, 0755) < 0 && errno != EEXIST)
                        return -errno;
        }
        *ret = TAKE_PTR(dir);
        return 0;
}

static void set_limit(const char *domain, const char *dir, const char *file, const char *value)
{
        char path[PATH_MAX];
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        if ((r = write_str(path, value)) < 0)
                bh_log_errno(r, "domain %s: cgroup limit %s=%s", domain, file, value);
}

int bh_ct_cgroup_create(const char *name, unsigned memory_mib, struct bh_ct_cgroup *cg)
{
        char mem[32], pids[32];
        int r;

        *cg = (struct bh_ct_cgroup){ .v2_fd = -1 };
        probe();
        snprintf(mem, sizeof(mem), "%llu", (unsigned long long)memory_mib * 1024 * 1024);
        snprintf(pids, sizeof(pids), "%d", BH_CT_PIDS_MAX);

        if (host.v2_parent) {
                r = make_dir(host.v2_parent, name, &cg->v2);
                if (r == -EBUSY)
                        return r;
                if (r < 0) {
                        bh_log_errno(r, "domain %s: cgroup %s/%s", name, host.v2_parent, name);
                } else {
                        enable_below(host.v2_parent, host.v2_memory, host.v2_pids);
                        if (host.v2_memory && memory_mib)
                                set_limit(name, cg->v2, "memory.max", mem);
                        if (host.v2_pids)
                                set_limit(name, cg->v2, "pids.max", pids);
                        cg->v2_fd = open(cg->v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                }
        }
        if (host.v1_memory_parent) {
                r = make_dir(host.v1_memory_parent, name, &cg->v1_memory);
                if (r == -EBUSY)
                        return r;
                if (r < 0)
                        bh_log_errno(r, "domain %s: cgroup %s/%s", name, host.v1_memory_parent, name);
                else if (memory_mib)
                        set_limit(name, cg->v1_memory, "memory.limit_in_bytes", mem);
        }
        if (host.v1_pids_parent) {
                r = make_dir(host.v1_pids_parent, name, &cg->v1_pids);
                if (r == -EBUSY)
                        return r;
                if (r < 0)
                        bh_log_errno(r, "domain %s: cgroup %s/%s", name, host.v1_pids_parent, name);
                else
                        set_limit(name, cg->v1_pids, "pids.max", pids);
        }
        return 0;
}

int bh_ct_cgroup_enter_v1(const struct bh_ct_cgroup *cg, pid_t pid)
{
        const char *dirs[] = { cg->v1_memory, cg->v1_pids };
        char path[PATH_MAX], num[24];
        int r;

        snprintf(num, sizeof(num), "%d", (int)pid);
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (!dirs[i])
                        continue;
                snprintf(path, sizeof(path), "%s/cgroup.procs", dirs[i]);
                if ((r = write_str(path, num)) < 0)
                        return r;
        }
        return 0;
}

void bh_ct_cgroup_done(struct bh_ct_cgroup *cg)
{
        free(cg->v2);
        free(cg->v1_memory);
        free(cg->v1_pids);
        bh_closep(&cg->v2_fd);
        *cg = (struct bh_ct_cgroup){ .v2_fd = -1 };
}

static void kill_procs(const char *dir)
{
        char path[PATH_MAX];
        _cleanup_fclose_ FILE *f = NULL;
        int pid;

        /* v2 does it in one write; v1 needs the list. */
        snprintf(path, sizeof(path), "%s/cgroup.kill", dir);
        if (write_str(path, "1") == 0)
                return;
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        f = fopen(path, "re");
        while (f && fscanf(f, "%d", &pid) == 1)
                if (pid > 0)
                        kill(pid, SIGKILL);
}

static int remove_dir(const char *parent, const char *name)
{
        _cleanup_free_ char *dir = join(parent, name);
        struct timespec ts = { 0, 1000 * 1000 };

        if (!dir)
                return -ENOMEM;
        /* Dying tasks keep a cgroup busy for a moment after their pid
         * namespace is gone: 2 s is far more than that takes. */
        for (int i = 0; i < 200; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT) {
                        rmdir(parent); /* the last domain takes the parent along */
                        return 0;
                }
                if (errno != EBUSY)
                        return -errno;
                kill_procs(dir);
                nanosleep(&ts, NULL);
                if (ts.tv_nsec < 10 * 1000 * 1000)
                        ts.tv_nsec *= 2;
        }
        return -EBUSY;
}

int bh_ct_cgroup_remove(const char *name)
{
        const char *parents[3];
        int r = 0, k;

        probe();
        parents[0] = host.v2_parent;
        parents[1] = host.v1_memory_parent;
        parents[2] = host.v1_pids_parent;
        for (size_t i = 0; i < ELEMENTSOF(parents); i++)
                if (parents[i] && (k = remove_dir(parents[i], name)) < 0) {
                        bh_log_errno(k, "domain %s: removing cgroup %s/%s", name, parents[i], name);
                        r = k;
                }
        return r;
}

int bh_ct_cgroup_of(pid_t pid, char **ret)
{
        char path[64], line[4096];
        _cleanup_fclose_ FILE *f = NULL;

        probe();
        if (!host.v2_parent)
                return -ENOENT;
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        f = fopen(path, "re");
        if (!f)
                return errno == ENOENT ? -ESRCH : -errno;
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, "0::", 3) != 0)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                _cleanup_free_ char *dir = own_dir(host.v2_mnt, host.v2_root, line + 3);
                if (!dir)
                        return -ENOMEM;
                /* Only ever a cgroup we made: never freeze bulkheadd's own. */
                char *slash = strrchr(dir, '/');
                if (!slash || (size_t)(slash - dir) != strlen(host.v2_parent) ||
                    strncmp(dir, host.v2_parent, slash - dir) != 0)
                        return -ENOENT;
                *ret = TAKE_PTR(dir);
                return 0;
        }
        return -ENOENT;
}

int bh_ct_cgroup_freeze(const char *dir, bool freeze)
{
        char path[PATH_MAX], buf[256];
        _cleanup_close_ int ev = -1;
        const char *want = freeze ? "frozen 1" : "frozen 0";
        int r;

        snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
        if ((r = write_str(path, freeze ? "1" : "0")) < 0)
                return r == -ENOENT ? -EOPNOTSUPP : r;
        snprintf(path, sizeof(path), "%s/cgroup.events", dir);
        ev = open(path, O_RDONLY | O_CLOEXEC);
        if (ev < 0)
                return -errno;
        /* cgroup.events signals POLLPRI on every change; 2 s covers tasks in
         * uninterruptible sleep, which freeze only when they wake. */
        for (int i = 0; i < 200; i++) {
                ssize_t n = pread(ev, buf, sizeof(buf) - 1, 0);
                if (n < 0)
                        return -errno;
                buf[n] = '\0';
                if (strstr(buf, want))
                        return 0;
                struct pollfd p = { .fd = ev, .events = POLLPRI };
                poll(&p, 1, 10);
        }
        return -ETIMEDOUT;
}

int bh_ct_cgroup_read(const char *name, const char *key, char *buf, size_t len)
{
        char path[PATH_MAX];
        const char *v1dir = NULL, *v1key = key;

        probe();
        if (host.v2_parent && ((strncmp(key, "memory.", 7) == 0 && host.v2_memory) ||
                               (strncmp(key, "pids.", 5) == 0 && host.v2_pids))) {
                snprintf(path, sizeof(path), "%s/%s/%s", host.v2_parent, name, key);
                return read_str(path, buf, len);
        }
        if (strcmp(key, "memory.max") == 0)
                v1dir = host.v1_memory_parent, v1key = "memory.limit_in_bytes";
        else if (strcmp(key, "memory.current") == 0)
                v1dir = host.v1_memory_parent, v1key = "memory.usage_in_bytes";
        else if (strncmp(key, "pids.", 5) == 0)
                v1dir = host.v1_pids_parent;
        if (!v1dir)
                return -ENOENT;
        snprintf(path, sizeof(path), "%s/%s/%s", v1dir, name, v1key);
        return read_str(path, buf, len);
}
