/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen backend: every domain a PV guest made with libxenlight.
 *
 * A domain boots its template's kernel and initramfs (xen_plan.c says which
 * files), with the template's root image, its private and its volatile
 * volume as disks when the template has a root image (xen_disks.c makes
 * the files); its init starts the same agents as a container's, over the
 * xen vchan transport.  bulkheadd learns of a death from a xenstore watch on
 * @releaseDomain, which xenstored fires when any domain shuts down or goes
 * away: every running instance's death_fd is that one watch's fd, and
 * dead() asks libxl whether the wake-up was this domain's.  A domain that powered off or crashed stays
 * (shut down, not yet destroyed) until bulkheadd reaps it and destroy()
 * removes it: the on_poweroff/on_crash actions of xl are bulkheadd's job.
 *
 * Queries, pause, unpause and shutdown call libxl in bulkheadd itself;
 * create and destroy run in a helper child (run_helper() says why), which
 * bulkheadd either waits for or, for the starts and destroys nobody waits
 * on, polls in its loop (start_begin, destroy_begin).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "backend.h"
#include "fsutil.h"
#include "util.h"
#include "xen_disks.h"
#include "xen_plan.h"

/* One libxl context for the daemon's life, and one xenstore connection
 * watching @releaseDomain for all domains (libxenstore gives each
 * connection with a watch a reader thread: one, not one per domain). */
static struct {
        libxl_ctx *ctx;
        xentoollog_logger_stdiostream *log;
        struct xs_handle *xs;
        unsigned watchers;
} X;

static int ctx_get(libxl_ctx **ret)
{
        if (!X.ctx) {
                if (!X.log)
                        X.log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
                if (!X.log)
                        return -ENOMEM;
                if (libxl_ctx_alloc(&X.ctx, LIBXL_VERSION, 0, (xentoollog_logger *)X.log) != 0) {
                        X.ctx = NULL;
                        return -EOPNOTSUPP;
                }
        }
        *ret = X.ctx;
        return 0;
}

/* libxl's errors are its own negative codes; bulkheadd logs errnos. */
static int from_libxl(int rc)
{
        switch (rc) {
        case 0:
                return 0;
        case ERROR_DOMAIN_NOTFOUND:
                return -ESRCH;
        case ERROR_NOMEM:
                return -ENOMEM;
        case ERROR_INVAL:
                return -EINVAL;
        case ERROR_NOPARAVIRT:
                return -EOPNOTSUPP;
        default:
                return -EIO;
        }
}

/*
 * libxl forks for some steps (destroy's "destroyer" child, hotplug scripts)
 * and waits for them through its own SIGCHLD handler, which can never run
 * in bulkheadd: SIGCHLD is blocked there and read from a signalfd.  So
 * those calls run in a short-lived child of their own, with every signal
 * unblocked and a libxl context of its own (a context must not cross a
 * fork); the child's answer, 0 or a negative errno, comes back through a
 * pipe.  A child that takes longer than HELPER_TIMEOUT_MS (or
 * BULKHEAD_XEN_HELPER_TIMEOUT_MS: the bed's test of a killed create sets
 * it short) is killed with its process group: the hotplug scripts libxl
 * started go with it, rather than attach disks to a domain nobody waits for.
 */
#define HELPER_TIMEOUT_MS 120000

struct helper_job {
        const struct bh_xen_plan *plan; /* create */
        const char *name;               /* destroy by name */
        uint32_t domid;                 /* destroy; create's answer */
        bool unanswered;                /* killed, or died first: its work half done */
};

static int helper_timeout_ms(void)
{
        const char *s = getenv("BULKHEAD_XEN_HELPER_TIMEOUT_MS");
        char *end;
        long v;

        if (!s || !*s)
                return HELPER_TIMEOUT_MS;
        errno = 0;
        v = strtol(s, &end, 10);
        return errno || *end || v <= 0 || v > HELPER_TIMEOUT_MS ? HELPER_TIMEOUT_MS : (int)v;
}

static int helper_answer(int fd, int32_t r, uint32_t domid)
{
        int32_t msg[2] = { r, (int32_t)domid };

        return write(fd, msg, sizeof(msg)) == (ssize_t)sizeof(msg) ? 0 : -EIO;
}

/* In the helper: closes every descriptor from 3 up but KEEP.  A helper
 * holds nothing of bulkheadd's, above all not its lock, which a helper
 * still attaching disks when bulkheadd is killed would otherwise keep from
 * the next bulkheadd. */
static void close_all_but(int keep)
{
        if (keep > 3 && close_range(3, (unsigned)keep - 1, 0) < 0)
                for (int fd = 3; fd < keep; fd++)
                        close(fd);
        if (close_range((unsigned)keep + 1, ~0U, 0) < 0)
                for (int fd = keep + 1; fd < 4096; fd++)
                        close(fd);
}

/* A killed process dies on its way out of the kernel, so a losetup of the
 * group may still finish attaching: wait a little for the group to go
 * (its orphans' zombies, which init reaps, keep it for a moment). */
static void group_wait_gone(pid_t pgid)
{
        for (int i = 0; i < 50 && kill(-pgid, 0) == 0; i++)
                usleep(20000);
}

/* Forks the helper running fn(job): *pid, and *fd to read its answer from
 * (helper_collect). */
static int helper_spawn(int (*fn)(libxl_ctx *, struct helper_job *), struct helper_job *job, pid_t *pid,
                        int *fd)
{
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        *pid = fork();
        if (*pid < 0) {
                int e = -errno;
                close(p[0]);
                close(p[1]);
                return e;
        }
        if (*pid == 0) {
                xentoollog_logger_stdiostream *lg;
                libxl_ctx *ctx = NULL;
                sigset_t none;
                int r;

                setpgid(0, 0);
                close(p[0]);
                close_all_but(p[1]);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                lg = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
                if (!lg || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg) != 0)
                        r = -EOPNOTSUPP;
                else
                        r = fn(ctx, job);
                helper_answer(p[1], r, job->domid);
                /* No libxl_ctx_free: _exit takes everything, and freeing
                 * would wait for libxl's children all over again. */
                _exit(0);
        }
        close(p[1]);
        /* Both sides set the group, so the kill below finds it either way. */
        setpgid(*pid, *pid);
        *fd = p[0];
        return 0;
}

/*
 * The helper's answer, waiting at most wait_ms for it (0 once bulkheadd's
 * loop saw fd readable or the deadline pass).  A helper with no answer by
 * then is killed with its group.  Closes fd and reaps the helper: its pid
 * is known to this code alone, and bulkheadd's SIGCHLD handling waits for
 * its own children by their pids only.
 */
static int helper_collect(pid_t pid, int fd, int wait_ms, struct helper_job *job)
{
        struct pollfd pf = { .fd = fd, .events = POLLIN };
        int32_t msg[2] = { -EIO, 0 };
        int n, status;

        while ((n = poll(&pf, 1, wait_ms)) < 0 && errno == EINTR)
                ;
        job->unanswered = n <= 0 || read(fd, msg, sizeof(msg)) != (ssize_t)sizeof(msg);
        if (job->unanswered) {
                msg[0] = n == 0 ? -ETIMEDOUT : -EIO;
                kill(-pid, SIGKILL);
        }
        close(fd);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (job->unanswered)
                group_wait_gone(pid);
        job->domid = (uint32_t)msg[1];
        return msg[0];
}

static int run_helper(int (*fn)(libxl_ctx *, struct helper_job *), struct helper_job *job)
{
        pid_t pid;
        int fd, r;

        if ((r = helper_spawn(fn, job, &pid, &fd)) < 0)
                return r;
        return helper_collect(pid, fd, helper_timeout_ms(), job);
}

/* The instance stops using the shared watch (a death_fd of -1 says it has
 * none); the last one closes it. */
static void watch_free(struct bh_instance *inst)
{
        if (inst->death_fd >= 0 && X.watchers > 0 && --X.watchers == 0 && X.xs) {
                xs_unwatch(X.xs, "@releaseDomain", "death");
                xs_close(X.xs);
                X.xs = NULL;
        }
        inst->death_fd = -1;
}

/*
 * The instance's death_fd: the shared xenstore connection's, readable on
 * every @releaseDomain event (dead() tells whose).  bulkheadd never closes
 * a Xen instance's death_fd itself but through destroy().
 */
static int watch_open(struct bh_instance *inst)
{
        if (!X.xs) {
                X.xs = xs_open(0);
                if (!X.xs)
                        return -errno ? -errno : -EIO;
                if (!xs_watch(X.xs, "@releaseDomain", "death")) {
                        int e = -errno ? -errno : -EIO;
                        xs_close(X.xs);
                        X.xs = NULL;
                        return e;
                }
        }
        X.watchers++;
        inst->death_fd = xs_fileno(X.xs);
        return 0;
}

/* 1 if the domain is gone, shut down or dying; 0 if it runs or is paused. */
static int domain_gone(libxl_ctx *ctx, int domid)
{
        libxl_dominfo info;
        int rc, gone;

        libxl_dominfo_init(&info);
        rc = libxl_domain_info(ctx, &info, (uint32_t)domid);
        if (rc == ERROR_DOMAIN_NOTFOUND || rc == ERROR_INVAL) {
                libxl_dominfo_dispose(&info);
                return 1;
        }
        if (rc != 0) {
                libxl_dominfo_dispose(&info);
                return from_libxl(rc);
        }
        gone = info.shutdown || info.dying;
        libxl_dominfo_dispose(&info);
        return gone;
}

/* xenconsoled's log of the domain's console (it logs with --log=guest;
 * this is its default directory). */
static int xen_console_path(const char *name, char *buf, size_t len)
{
        int w = snprintf(buf, len, "/var/log/xen/console/guest-%s.log", name);

        return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

/* physinfo's HVM capability, asked once: PVH runs on it. */
static bool xen_hvm(void)
{
        static int known = -1;
        libxl_physinfo info;
        libxl_ctx *ctx;

        if (known >= 0)
                return known;
        if (ctx_get(&ctx) < 0)
                return false;
        libxl_physinfo_init(&info);
        if (libxl_get_physinfo(ctx, &info) == 0)
                known = info.cap_hvm ? 1 : 0;
        libxl_physinfo_dispose(&info);
        if (known == 0)
                bh_log_info("this machine runs no HVM guests: Xen domains run PV, not PVH");
        return known == 1;
}

static int xen_available(void)
{
        libxl_ctx *ctx;
        char caps[64] = "";
        int fd, n;

        /* Only dom0 (a control domain) can make domains. */
        fd = open("/proc/xen/capabilities", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -EOPNOTSUPP;
        n = (int)read(fd, caps, sizeof(caps) - 1);
        close(fd);
        if (n <= 0 || !strstr(caps, "control_d"))
                return -EOPNOTSUPP;
        return ctx_get(&ctx);
}

/* The plan's disks as libxl's: each a file that the plan's hotplug script
 * attaches to a loop device in dom0 (dom0/bulkhead-vbd), served by blkback. */
static int config_disks(const struct bh_xen_plan *plan, libxl_domain_config *cfg)
{
        if (!plan->ndisks)
                return 0;
        cfg->disks = calloc(plan->ndisks, sizeof(*cfg->disks));
        if (!cfg->disks)
                return -ENOMEM;
        cfg->num_disks = (int)plan->ndisks;
        for (unsigned i = 0; i < plan->ndisks; i++) {
                const struct bh_xen_disk *d = &plan->disks[i];
                libxl_device_disk *x = &cfg->disks[i];

                libxl_device_disk_init(x);
                x->pdev_path = strdup(d->target);
                x->vdev = strdup(d->vdev);
                x->script = strdup(plan->vbd_script);
                x->backend = LIBXL_DISK_BACKEND_PHY;
                x->format = LIBXL_DISK_FORMAT_RAW;
                x->readwrite = d->kind != BH_XEN_DISK_SHARED_RO;
                if (!x->pdev_path || !x->vdev || !x->script)
                        return -ENOMEM;
        }
        return 0;
}

/* A plan's vif as libxl's: a client's served by its netvm (a driver
 * domain), an uplink's by dom0 through the plan's vif script.  libxl writes
 * the ip and vifname into the backend's directory, where the server reads
 * them (agent/bulkhead-xen-net, dom0/bulkhead-vif). */
static int nic_from_plan(const struct bh_xen_nic *n, int devid, libxl_device_nic *x)
{
        libxl_device_nic_init(x);
        x->devid = devid;
        x->nictype = LIBXL_NIC_TYPE_VIF;
        if (n->backend[0] && n->backend_domid <= 0)
                return -ENETDOWN;
        x->backend_domid = n->backend[0] ? (uint32_t)n->backend_domid : 0;
        x->ifname = strdup(n->ifname);
        if (!x->ifname)
                return -ENOMEM;
        if (n->ip[0] && !(x->ip = strdup(n->ip)))
                return -ENOMEM;
        if (n->script[0] && !(x->script = strdup(n->script)))
                return -ENOMEM;
        return 0;
}

static int config_nics(const struct bh_xen_plan *plan, libxl_domain_config *cfg)
{
        int r;

        if (!plan->nnics)
                return 0;
        cfg->nics = calloc(plan->nnics, sizeof(*cfg->nics));
        if (!cfg->nics)
                return -ENOMEM;
        cfg->num_nics = (int)plan->nnics;
        for (unsigned i = 0; i < plan->nnics; i++)
                if ((r = nic_from_plan(&plan->nics[i], (int)i, &cfg->nics[i])) < 0)
                        return r;
        return 0;
}

/* How long a client's start waits for its netvm's init to serve vifs: a
 * kernel boot under software emulation takes minutes. */
#define NETVM_READY_TIMEOUT_MS 180000

static bool xs_exists(struct xs_handle *xs, const char *path)
{
        unsigned len;
        void *v = xs_read(xs, XBT_NULL, path, &len);

        free(v);
        return v != NULL;
}

/* A client's vif is made with the domain, and libxl waits only seconds for
 * its backend: so the netvm must serve vifs first.  Its init says so in its
 * own data/ (agent/bulkhead-xen-net), the one place it may write. */
static int wait_netvm_ready(const struct bh_xen_plan *plan)
{
        struct xs_handle *xs;
        char ready[96], alive[64];
        int64_t deadline = bh_now_ms() + NETVM_READY_TIMEOUT_MS;
        int r = -ETIMEDOUT;

        if (!plan->nnics || !plan->nics[0].backend[0])
                return 0;
        if (plan->nics[0].backend_domid <= 0)
                return -ENETDOWN;
        xs = xs_open(0);
        if (!xs)
                return -errno ? -errno : -EIO;
        snprintf(ready, sizeof(ready), "/local/domain/%d/data/bulkhead/net-ready",
                 plan->nics[0].backend_domid);
        snprintf(alive, sizeof(alive), "/local/domain/%d/domid", plan->nics[0].backend_domid);
        /* Woken when the netvm says it is ready, or when any domain goes
         * (it may be the netvm); each watch also fires once at once. */
        if (!xs_watch(xs, ready, "ready") || !xs_watch(xs, "@releaseDomain", "gone")) {
                r = -errno ? -errno : -EIO;
                goto out;
        }
        for (;;) {
                struct pollfd pf = { .fd = xs_fileno(xs), .events = POLLIN };
                int64_t left = deadline - bh_now_ms();
                char **ev;

                if (xs_exists(xs, ready)) {
                        r = 0;
                        break;
                }
                if (!xs_exists(xs, alive)) {
                        r = -ENETDOWN;
                        break;
                }
                if (left <= 0 || (poll(&pf, 1, (int)left) < 0 && errno != EINTR))
                        break;
                while ((ev = xs_check_watch(xs)))
                        free(ev);
        }
out:
        xs_close(xs);
        return r;
}

/* What the domain's init reads of its network: written while the domain
 * is paused, owned by dom0 and readable by the domain alone. */
static int write_net_keys(const struct bh_xen_plan *plan, uint32_t domid)
{
        struct xs_permissions perms[2] = {
                { .id = 0, .perms = XS_PERM_NONE },
                { .id = domid, .perms = XS_PERM_READ },
        };
        struct xs_handle *xs;
        char path[128];
        int r = 0;

        xs = xs_open(0);
        if (!xs)
                return -errno ? -errno : -EIO;
        /* A client no more: no gateway, no resolver (a running domain's
         * network replaced; a network domain's ruleset stays). */
        if (!plan->nnics || plan->nics[0].backend[0] == '\0')
                for (unsigned i = 0; i < 2; i++) {
                        snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, BH_XEN_NET_DIR,
                                 i ? "dns" : "gateway");
                        xs_rm(xs, XBT_NULL, path);
                }
        /* The directory's permissions, set once: xenstored gives every
         * node made under it its parent's. */
        snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, BH_XEN_NET_DIR);
        if (!xs_mkdir(xs, XBT_NULL, path) || !xs_set_permissions(xs, XBT_NULL, path, perms, 2))
                r = -errno ? -errno : -EIO;
        for (unsigned i = 0; i < plan->nnet_keys && r == 0; i++) {
                const struct bh_xen_net_key *k = &plan->net_keys[i];

                snprintf(path, sizeof(path), "/local/domain/%u/%s/%s", domid, BH_XEN_NET_DIR, k->key);
                if (!xs_write(xs, XBT_NULL, path, k->value, strlen(k->value)))
                        r = -errno ? -errno : -EIO;
        }
        xs_close(xs);
        return r;
}

/* In the helper: make the domain (libxl leaves it paused), then let it run. */
static int create_in_helper(libxl_ctx *ctx, struct helper_job *job)
{
        const struct bh_xen_plan *plan = job->plan;
        libxl_domain_config cfg;
        uint32_t domid = INVALID_DOMID;
        int rc, r;

        libxl_domain_config_init(&cfg);
        libxl_domain_create_info_init(&cfg.c_info);
        cfg.c_info.type = plan->pvh ? LIBXL_DOMAIN_TYPE_PVH : LIBXL_DOMAIN_TYPE_PV;
        cfg.c_info.name = strdup(plan->name);
        libxl_domain_build_info_init_type(&cfg.b_info, cfg.c_info.type);
        /* xen_plan.c's print_xl says why. */
        if (plan->pvh)
                cfg.b_info.tsc_mode = LIBXL_TSC_MODE_NATIVE;
        cfg.b_info.max_memkb = (uint64_t)plan->memory_mib * 1024;
        cfg.b_info.target_memkb = cfg.b_info.max_memkb;
        cfg.b_info.max_vcpus = (int)plan->vcpus;
        cfg.b_info.kernel = strdup(plan->kernel);
        cfg.b_info.ramdisk = strdup(plan->ramdisk);
        cfg.b_info.cmdline = strdup(plan->cmdline);
        cfg.on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
        cfg.on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
        cfg.on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
        if (!cfg.c_info.name || !cfg.b_info.kernel || !cfg.b_info.ramdisk || !cfg.b_info.cmdline ||
            config_disks(plan, &cfg) < 0) {
                libxl_domain_config_dispose(&cfg);
                return -ENOMEM;
        }
        if ((r = config_nics(plan, &cfg)) < 0 || (r = wait_netvm_ready(plan)) < 0) {
                libxl_domain_config_dispose(&cfg);
                fprintf(stderr, "bulkheadd: domain %s: its netvm %s serves no vifs: %s\n",
                        plan->name, plan->nnics ? plan->nics[0].backend : "", strerror(-r));
                return r;
        }
        rc = libxl_domain_create_new(ctx, &cfg, &domid, NULL, NULL);
        libxl_domain_config_dispose(&cfg);
        if (rc == 0 && plan->nnet_keys && (r = write_net_keys(plan, domid)) < 0) {
                fprintf(stderr, "bulkheadd: domain %s: writing its network settings: %s\n",
                        plan->name, strerror(-r));
                rc = ERROR_FAIL;
        }
        if (rc == 0)
                rc = libxl_domain_unpause(ctx, domid, NULL);
        if (rc != 0) {
                fprintf(stderr, "bulkheadd: domain %s: libxl could not make it: error %d\n",
                        plan->name, rc);
                /* A half-made domain (ERROR_ABORTED leaves one) must not linger. */
                if (domid != (uint32_t)INVALID_DOMID && domid != 0)
                        libxl_domain_destroy(ctx, domid, NULL);
                return from_libxl(rc);
        }
        job->domid = domid;
        return 0;
}

static int destroy_in_helper(libxl_ctx *ctx, struct helper_job *job)
{
        int rc = libxl_domain_destroy(ctx, job->domid, NULL);

        if (rc == ERROR_DOMAIN_NOTFOUND || rc == ERROR_INVAL)
                return 0;
        return from_libxl(rc);
}

/* In the helper: the domain a killed create left, found by its name. */
static int destroy_by_name_in_helper(libxl_ctx *ctx, struct helper_job *job)
{
        uint32_t domid = 0;

        if (libxl_name_to_domid(ctx, job->name, &domid) != 0 || domid == 0)
                return 0;
        job->domid = domid;
        return destroy_in_helper(ctx, job);
}

/*
 * After a create that failed.  A helper killed (or dead) before it answered
 * leaves its half-made domain: a new helper destroys it by name, and its
 * disks' remove scripts free the loop devices xenstore knows of.  A loop
 * device that a hotplug script attached but had not yet recorded there is
 * found by its backing file, on the domain's own volumes; one on the shared
 * root image cannot be told from other domains' and stays.
 */
static void after_failed_create(const struct bh_xen_plan *plan, bool unanswered)
{
        unsigned detached = 0;
        int r;

        if (unanswered) {
                struct helper_job job = { .name = plan->name };

                if ((r = run_helper(destroy_by_name_in_helper, &job)) < 0)
                        bh_log_errno(r, "domain %s: destroying what the killed create left", plan->name);
        }
        if ((r = bh_xen_disks_release(plan, "/sys/block", &detached)) < 0)
                bh_log_errno(r, "domain %s: detaching loop devices left on its volumes", plan->name);
        if (detached)
                bh_log_info("domain %s: %u loop device%s left on its volumes, detached", plan->name,
                            detached, detached == 1 ? "" : "s");
}

/* What a create needs before its helper runs: the plan, the disks' files
 * and the instance's watch. */
static int start_prepare(const struct bh_start_spec *spec, struct bh_xen_plan *plan, struct bh_instance *ret)
{
        int r;

        if ((r = bh_xen_plan_make(spec, plan)) < 0)
                return bh_log_errno(r, "domain %s: no Xen plan for root %s", spec->d->name,
                                    spec->root ? spec->root : "(none)");
        if (access(plan->kernel, R_OK) < 0 || access(plan->ramdisk, R_OK) < 0)
                return bh_log_errno(-ENOEXEC, "domain %s: its template has no Xen form (%s, %s)",
                                    spec->d->name, plan->kernel, plan->ramdisk);
        if ((r = bh_xen_disks_prepare(plan)) < 0)
                return bh_log_errno(r, "domain %s: start failed: its disks", spec->d->name);
        *ret = (struct bh_instance){ .pid = 0, .domid = -1, .death_fd = -1 };
        /* Watch before the domain exists: a death right after creation is
         * still seen. */
        if ((r = watch_open(ret)) < 0)
                return bh_log_errno(r, "domain %s: start failed: xenstore watch", spec->d->name);
        return 0;
}

/* After the create's helper answered r, or was killed (r < 0). */
static int start_done(const struct bh_xen_plan *plan, const struct helper_job *job, int r,
                      struct bh_instance *ret)
{
        if (r < 0) {
                after_failed_create(plan, job->unanswered);
                watch_free(ret);
                return bh_log_errno(r, "domain %s: start failed: libxl domain create", plan->name);
        }
        ret->domid = (int)job->domid;
        return 0;
}

static int xen_start(const struct bh_start_spec *spec, struct bh_instance *ret)
{
        struct bh_xen_plan plan;
        struct helper_job job = { .plan = &plan, .domid = 0 };
        int r;

        if ((r = start_prepare(spec, &plan, ret)) < 0)
                return r;
        r = run_helper(create_in_helper, &job);
        return start_done(&plan, &job, r, ret);
}

/*
 * A create or destroy whose helper runs while bulkheadd goes on serving
 * (bh_op's state).  A create keeps its plan: after a failure it says which
 * domain and which volumes to clean up after.
 */
struct xen_op {
        pid_t pid;
        struct helper_job job;
        struct bh_xen_plan plan;
};

static int op_begin(int (*fn)(libxl_ctx *, struct helper_job *), struct xen_op *x, struct bh_op *op)
{
        int fd, r = helper_spawn(fn, &x->job, &x->pid, &fd);

        if (r < 0)
                return r;
        *op = (struct bh_op){ .fd = fd, .deadline_ms = bh_now_ms() + helper_timeout_ms(), .state = x };
        return 0;
}

/* bulkheadd saw the op's fd readable or its deadline pass: the helper's
 * answer, the helper killed if it has none.  The op is over after it. */
static int op_collect(struct bh_op *op, struct xen_op **ret)
{
        struct xen_op *x = op->state;
        int r = helper_collect(x->pid, op->fd, 0, &x->job);

        *op = (struct bh_op){ .fd = -1 };
        *ret = x;
        return r;
}

static int xen_start_begin(const struct bh_start_spec *spec, struct bh_instance *ret, struct bh_op *op)
{
        _cleanup_free_ struct xen_op *x = calloc(1, sizeof(*x));
        int r;

        if (!x)
                return -ENOMEM;
        if ((r = start_prepare(spec, &x->plan, ret)) < 0)
                return r;
        x->job.plan = &x->plan;
        if ((r = op_begin(create_in_helper, x, op)) < 0)
                return start_done(&x->plan, &x->job, r, ret);
        TAKE_PTR(x);
        return 0;
}

static int xen_start_finish(struct bh_instance *ret, struct bh_op *op)
{
        _cleanup_free_ struct xen_op *x = NULL;
        int r = op_collect(op, &x);

        return start_done(&x->plan, &x->job, r, ret);
}

static int with_domain(struct bh_instance *inst, const char *what,
                       int (*fn)(libxl_ctx *, uint32_t, const libxl_asyncop_how *))
{
        libxl_ctx *ctx;
        int r, rc;

        if (inst->domid <= 0)
                return -ESRCH;
        if ((r = ctx_get(&ctx)) < 0)
                return r;
        rc = fn(ctx, (uint32_t)inst->domid, NULL);
        if (rc != 0)
                return bh_log_errno(from_libxl(rc), "domain %d: %s: libxl error %d", inst->domid,
                                    what, rc);
        return 0;
}

static int xen_pause(struct bh_instance *inst)
{
        return with_domain(inst, "pause", libxl_domain_pause);
}

static int xen_unpause(struct bh_instance *inst)
{
        return with_domain(inst, "unpause", libxl_domain_unpause);
}

/* The PV control/shutdown node: the guest kernel runs its poweroff
 * command, which the domain's init answers by stopping everything. */
static int xen_shutdown(struct bh_instance *inst)
{
        return with_domain(inst, "shutdown", libxl_domain_shutdown);
}

static const char *spec_name(const struct bh_start_spec *spec)
{
        return spec && spec->d ? spec->d->name : "?";
}

/* After a destroy's helper answered rc, or was killed (rc < 0). */
static int destroy_check(const char *name, const struct bh_instance *inst, libxl_ctx *ctx, int rc)
{
        if (rc < 0)
                return bh_log_errno(rc, "domain %s (%d): destroy", name, inst->domid);
        if (domain_gone(ctx, inst->domid) == 0)
                return bh_log_errno(-EBUSY, "domain %s (%d): still there after destroy", name, inst->domid);
        return 0;
}

/* What is left of an instance once its domain is destroyed: its share of
 * the watch, its volatile directory. */
static int destroy_tail(const struct bh_start_spec *spec, struct bh_instance *inst, int r)
{
        if (inst) {
                watch_free(inst);
                inst->domid = -1;
        }
        if (spec && spec->volatile_dir) {
                int k = bh_rm_rf(spec->volatile_dir);
                if (k < 0)
                        r = bh_log_errno(k, "domain %s: removing %s", spec_name(spec), spec->volatile_dir);
        }
        return r;
}

static int xen_destroy(const struct bh_start_spec *spec, struct bh_instance *inst)
{
        libxl_ctx *ctx;
        int r = 0;

        if (inst && inst->domid > 0 && (r = ctx_get(&ctx)) == 0) {
                struct helper_job job = { .domid = (uint32_t)inst->domid };

                r = destroy_check(spec_name(spec), inst, ctx, run_helper(destroy_in_helper, &job));
        }
        return destroy_tail(spec, inst, r);
}

static int xen_destroy_begin(struct bh_instance *inst, struct bh_op *op)
{
        _cleanup_free_ struct xen_op *x = NULL;
        libxl_ctx *ctx;
        int r;

        if (inst->domid <= 0)
                return -ESRCH;
        /* The context the finish checks the destroy with. */
        if ((r = ctx_get(&ctx)) < 0)
                return r;
        if (!(x = calloc(1, sizeof(*x))))
                return -ENOMEM;
        x->job.domid = (uint32_t)inst->domid;
        if ((r = op_begin(destroy_in_helper, x, op)) < 0)
                return r;
        TAKE_PTR(x);
        return 0;
}

static int xen_destroy_finish(const struct bh_start_spec *spec, struct bh_instance *inst, struct bh_op *op)
{
        _cleanup_free_ struct xen_op *x = NULL;
        int rc = op_collect(op, &x), r;
        libxl_ctx *ctx;

        if ((r = ctx_get(&ctx)) == 0)
                r = destroy_check(spec_name(spec), inst, ctx, rc);
        return destroy_tail(spec, inst, r);
}

static int xen_dead(struct bh_instance *inst)
{
        struct xs_handle *xs = inst->death_fd >= 0 ? X.xs : NULL;
        libxl_ctx *ctx;
        char **ev;
        int r;

        /* Take in the watch events (xs_check_watch never blocks), so the fd
         * is quiet until the next one. */
        while (xs && (ev = xs_check_watch(xs)))
                free(ev);
        if (inst->domid <= 0)
                return 1;
        if ((r = ctx_get(&ctx)) < 0)
                return r;
        return domain_gone(ctx, inst->domid);
}

static int xen_attach(const struct bh_domain *d, struct bh_instance *ret)
{
        libxl_ctx *ctx;
        uint32_t domid = 0;
        char *name;
        int r;

        if ((r = ctx_get(&ctx)) < 0)
                return r;
        /* The recorded id, if it still names this domain; else the name
         * alone, which Xen keeps unique: a disposable's record may predate
         * its start (its runtime state is not always written), and a crash
         * may come between a start and its record. */
        if (d->domid > 0) {
                name = libxl_domid_to_name(ctx, (uint32_t)d->domid);
                if (name && strcmp(name, d->name) == 0)
                        domid = (uint32_t)d->domid;
                free(name);
        }
        if (!domid && (libxl_name_to_domid(ctx, d->name, &domid) != 0 || domid == 0))
                return -ESRCH;
        if (domain_gone(ctx, (int)domid) != 0) {
                /* Shut down while nobody watched: destroy what is left. */
                struct helper_job job = { .domid = domid };
                run_helper(destroy_in_helper, &job);
                return -ESRCH;
        }
        *ret = (struct bh_instance){ .pid = 0, .domid = (int)domid, .death_fd = -1 };
        if ((r = watch_open(ret)) < 0)
                return r;
        return 0;
}

static bool xen_serving(const struct bh_instance *inst, const char *vchan_dir, int port)
{
        struct xs_handle *xs = inst->death_fd >= 0 ? X.xs : NULL;
        char dir[64], path[80];

        (void)vchan_dir;
        if (!xs || inst->domid <= 0)
                return false;
        /* Where the agent's vchan server publishes itself; a domain can
         * write there, but only to say it serves. */
        bh_vchan_xen_path(dir, inst->domid, 0, port);
        snprintf(path, sizeof(path), "%s/ring-ref", dir);
        return xs_exists(xs, path);
}

/* 1 if domain domid is gone or dying, 0 if it runs. */
static int backend_gone(libxl_ctx *ctx, uint32_t domid)
{
        return domid == 0 ? 0 : domain_gone(ctx, (int)domid) != 0;
}

/* In the helper: the domain's vifs to a netvm go (gracefully if their
 * backend still runs; else only their xenstore entries, which nothing
 * serves), its settings change, then the new vif comes, once its netvm
 * serves vifs. */
static int replug_in_helper(libxl_ctx *ctx, struct helper_job *job)
{
        const struct bh_xen_plan *plan = job->plan;
        libxl_device_nic *nics, nic;
        int n = 0, r = 0, rc;

        nics = libxl_device_nic_list(ctx, job->domid, &n);
        for (int i = 0; i < n; i++) {
                /* A network domain's uplink (served by dom0) is not this. */
                if (nics[i].backend_domid == 0)
                        continue;
                rc = backend_gone(ctx, nics[i].backend_domid)
                             ? libxl_device_nic_destroy(ctx, job->domid, &nics[i], NULL)
                             : libxl_device_nic_remove(ctx, job->domid, &nics[i], NULL);
                /* A netvm that does not let go of the vif (libxl waits
                 * seconds for it to remove its side) holds nothing up. */
                if (rc != 0 && rc != ERROR_NOTFOUND)
                        rc = libxl_device_nic_destroy(ctx, job->domid, &nics[i], NULL);
                if (rc != 0 && rc != ERROR_NOTFOUND) {
                        fprintf(stderr, "bulkheadd: domain %u: removing vif %d: libxl error %d\n",
                                job->domid, nics[i].devid, rc);
                        r = from_libxl(rc);
                }
        }
        if (nics)
                libxl_device_nic_list_free(nics, n);
        if (r < 0)
                return r;
        if ((r = write_net_keys(plan, job->domid)) < 0)
                return r;
        if (!plan->nnics)
                return 0;
        if ((r = wait_netvm_ready(plan)) < 0)
                return r;
        if ((r = nic_from_plan(&plan->nics[0], -1, &nic)) < 0) {
                libxl_device_nic_dispose(&nic);
                return r;
        }
        rc = libxl_device_nic_add(ctx, job->domid, &nic, NULL);
        libxl_device_nic_dispose(&nic);
        if (rc != 0)
                fprintf(stderr, "bulkheadd: domain %u: adding its vif: libxl error %d\n", job->domid, rc);
        return from_libxl(rc);
}

static int xen_net_replug(struct bh_instance *inst, const char *name, const struct bh_start_net *net)
{
        struct bh_xen_plan plan;
        struct helper_job job = { .plan = &plan };
        int r;

        if (inst->domid <= 0)
                return -ESRCH;
        memset(&plan, 0, sizeof(plan));
        if (net && (r = bh_xen_plan_net(net, &plan)) < 0)
                return bh_log_errno(r, "domain %s: its new network", name);
        snprintf(plan.name, sizeof(plan.name), "%s", name);
        job.domid = (uint32_t)inst->domid;
        r = run_helper(replug_in_helper, &job);
        if (r < 0)
                return bh_log_errno(r, "domain %s: replacing its vif", name);
        return 0;
}

/* xenstore's messages carry at most 4096 bytes, path included. */
#define RULES_CHUNK 2048

/* A network domain loads its own ruleset (dom0 cannot enter a Xen domain):
 * dom0 writes it in chunks under the domain's network settings and bumps
 * rules-gen last, in one transaction, so the domain's watch on rules-gen
 * never reads a half-written set (agent/bulkhead-xen-net). */
static int xen_net_rules(const struct bh_instance *inst, const char *ruleset)
{
        struct xs_handle *xs;
        char base[96], path[128], num[24];
        size_t len = strlen(ruleset);
        int r = -EAGAIN;

        if (inst->domid <= 0)
                return -ESRCH;
        xs = xs_open(0);
        if (!xs)
                return -errno ? -errno : -EIO;
        snprintf(base, sizeof(base), "/local/domain/%d/%s", inst->domid, BH_XEN_NET_DIR);
        for (int tries = 0; tries < 10 && r == -EAGAIN; tries++) {
                xs_transaction_t t = xs_transaction_start(xs);
                unsigned long gen = 0;
                unsigned vlen, n = 0;
                char *old;

                if (t == XBT_NULL) {
                        r = -errno ? -errno : -EIO;
                        break;
                }
                snprintf(path, sizeof(path), "%s/rules-gen", base);
                if ((old = xs_read(xs, t, path, &vlen))) {
                        gen = strtoul(old, NULL, 10);
                        free(old);
                }
                snprintf(path, sizeof(path), "%s/rules", base);
                xs_rm(xs, t, path);
                r = 0;
                for (size_t off = 0; off < len && r == 0; off += RULES_CHUNK, n++) {
                        size_t k = len - off < RULES_CHUNK ? len - off : RULES_CHUNK;

                        snprintf(path, sizeof(path), "%s/rules/%u", base, n);
                        if (!xs_write(xs, t, path, ruleset + off, (unsigned)k))
                                r = -errno ? -errno : -EIO;
                }
                snprintf(path, sizeof(path), "%s/rules-count", base);
                snprintf(num, sizeof(num), "%u", n);
                if (r == 0 && !xs_write(xs, t, path, num, (unsigned)strlen(num)))
                        r = -errno ? -errno : -EIO;
                snprintf(path, sizeof(path), "%s/rules-gen", base);
                snprintf(num, sizeof(num), "%lu", gen + 1);
                if (r == 0 && !xs_write(xs, t, path, num, (unsigned)strlen(num)))
                        r = -errno ? -errno : -EIO;
                if (!xs_transaction_end(xs, t, r < 0) && r == 0)
                        r = errno == EAGAIN ? -EAGAIN : -errno ? -errno : -EIO;
        }
        xs_close(xs);
        return r;
}

const struct bh_backend bh_backend_xen = {
        .name = "xen",
        .transport = BH_VCHAN_XEN,
        /* A kernel boot; minutes under software emulation (the test bed). */
        .boot_timeout_s = 180,
        /* An unpaused domain takes a second or two to run a command, under
         * emulation longer; a domain boot meanwhile takes the CPUs from it
         * (docs/xen-backend.md, the bench). */
        .pool_settle_ms = 5000,
        .dvm_private_exclusive = true,
        .available = xen_available,
        .start = xen_start,
        .start_begin = xen_start_begin,
        .start_finish = xen_start_finish,
        .pause = xen_pause,
        .unpause = xen_unpause,
        .shutdown = xen_shutdown,
        .destroy = xen_destroy,
        .destroy_begin = xen_destroy_begin,
        .destroy_finish = xen_destroy_finish,
        .attach = xen_attach,
        .dead = xen_dead,
        .serving = xen_serving,
        .net_rules = xen_net_rules,
        .hvm = xen_hvm,
        .console_path = xen_console_path,
        .net_replug = xen_net_replug,
};
