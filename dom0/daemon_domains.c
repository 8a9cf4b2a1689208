/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain lifecycle in bulkheadd: registry entries in memory and on disk,
 * starting and stopping through the backend, disposables and their pool,
 * and reconciliation after a restart.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "fsutil.h"
#include "registry.h"
#include "template_host.h"
#include "util.h"

/* Disposable names dispNNNN: up to 9999 at once. */
#define DISP_NUMBERS 9999

struct dom_rt *dom_find(struct daemon *dm, const char *name)
{
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (strcmp(r->d.name, name) == 0)
                        return r;
        return NULL;
}

static struct dom_rt *rt_new(const struct bh_domain *d)
{
        struct dom_rt *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        r->d = *d;
        r->inst.death_fd = -1;
        r->inst.domid = -1;
        return r;
}

static void rt_unlink(struct daemon *dm, struct dom_rt *r)
{
        for (struct dom_rt **p = &dm->doms; *p; p = &(*p)->next)
                if (*p == r) {
                        *p = r->next;
                        return;
                }
}

int dom_save(struct daemon *dm, struct dom_rt *r)
{
        char err[BH_REGISTRY_ERR_MAX];
        int ret = bh_registry_save(dm->reg, &r->d, err, sizeof(err));

        if (ret == -EINVAL)
                bh_log_error("domain %s: not saved: %s", r->d.name, err);
        else if (ret < 0)
                bh_log_errno(ret, "domain %s: saving registry entry", r->d.name);
        return ret;
}

int dom_load_all(struct daemon *dm)
{
        _cleanup_free_ struct bh_domain *ds = NULL;
        size_t n = 0;
        int r;

        r = bh_registry_load_all(dm->reg, &ds, &n, NULL, NULL, NULL);
        if (r < 0)
                return bh_log_errno(r, "loading the registry in %s", bh_registry_dir(dm->reg));
        for (size_t i = 0; i < n; i++) {
                struct dom_rt *rt = rt_new(&ds[i]);
                if (!rt)
                        return -ENOMEM;
                rt->next = dm->doms;
                dm->doms = rt;
        }
        return 0;
}

int dom_create(struct daemon *dm, const struct bh_domain *d, struct dom_rt **ret)
{
        struct dom_rt *r;
        int e;

        if (dom_find(dm, d->name))
                return -EEXIST;
        r = rt_new(d);
        if (!r)
                return -ENOMEM;
        r->d.state = BH_STATE_HALTED;
        r->d.created = time(NULL);
        /* A fresh address, whatever the record came from (a clone's
         * source has its own). */
        r->d.ip = 0;
        e = net_assign_ip(dm, &r->d);
        if (e < 0) {
                free(r);
                return e;
        }
        if (r->d.klass == BH_CLASS_APP || r->d.klass == BH_CLASS_DISPVM_TEMPLATE) {
                _cleanup_free_ char *priv = path_private(dm, d->name);
                e = priv ? mkdir_p(priv, 0755) : -ENOMEM;
                if (e < 0) {
                        free(r);
                        return bh_log_errno(e, "domain %s: private volume", d->name);
                }
        }
        e = dom_save(dm, r);
        if (e < 0) {
                free(r);
                return e;
        }
        r->next = dm->doms;
        dm->doms = r;
        if (ret)
                *ret = r;
        return 0;
}

static void remove_volumes(struct daemon *dm, const char *name)
{
        _cleanup_free_ char *priv = path_private(dm, name);
        _cleanup_free_ char *vol = NULL;

        if (priv) {
                /* volumes/NAME holds private/ and nothing else. */
                char *slash = strrchr(priv, '/');
                *slash = '\0';
                bh_rm_rf(priv);
        }
        vol = path_volatile(dm, name);
        if (vol)
                bh_rm_rf(vol);
}

int dom_remove(struct daemon *dm, struct dom_rt *r)
{
        int e;

        if (r->live)
                return -EBUSY;
        for (struct dom_rt *o = dm->doms; o; o = o->next)
                if (o != r && strcmp(o->d.template_name, r->d.name) == 0)
                        return -EBUSY;
        e = bh_registry_remove(dm->reg, r->d.name);
        if (e < 0 && e != -ENOENT)
                return bh_log_errno(e, "domain %s: removing registry entry", r->d.name);
        remove_volumes(dm, r->d.name);
        net_firewall_remove(dm, r->d.name);
        rt_unlink(dm, r);
        free(r);
        return 0;
}

/* Everything a start or destroy needs, derived from the registry. */
struct spec_paths {
        char *root, *private_dir, *private_lower, *volatile_dir, *vchan_dir, *console;
        char *root_image, *private_image, *private_lower_image, *vbd_script;
        struct bh_template_conf tconf;
        const char *ro_binds[2];
};

static void spec_paths_free(struct spec_paths *p)
{
        free(p->root);
        free(p->private_dir);
        free(p->private_lower);
        free(p->volatile_dir);
        free(p->vchan_dir);
        free(p->console);
        free(p->root_image);
        free(p->private_image);
        free(p->private_lower_image);
        free(p->vbd_script);
}

/* The Xen backend's files: the version's root image if it has one (else
 * its initramfs is the whole root), the private image beside private/ (a
 * disposable: its dispvm-template's, DVM, if made yet), the hotplug script
 * among dom0's helpers.  Cheap enough to find for every backend. */
static int xen_paths(struct daemon *dm, const char *name, const char *dvm, struct spec_paths *p)
{
        bool disposable = dvm != NULL;
        size_t n = strlen(p->root);

        if (n < 5 || asprintf(&p->root_image, "%.*s/%s", (int)(n - 5), p->root, BH_XEN_ROOT_IMAGE_FILE) < 0) {
                p->root_image = NULL;
                return -ENOMEM;
        }
        if (access(p->root_image, F_OK) < 0)
                free(TAKE_PTR(p->root_image));
        if (!disposable && !(p->private_image = path_private_image(dm, name)))
                return -ENOMEM;
        if (disposable && !(p->private_lower_image = path_private_image(dm, dvm)))
                return -ENOMEM;
        if (disposable && access(p->private_lower_image, F_OK) < 0)
                free(TAKE_PTR(p->private_lower_image));
        if (asprintf(&p->vbd_script, "%s/bulkhead-vbd", dm->qrexec_dir) < 0) {
                p->vbd_script = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int spec_build(struct daemon *dm, struct dom_rt *r, struct spec_paths *p,
                      struct bh_start_spec *spec)
{
        const char *tmpl = r->d.template_name, *dvm_name = NULL;

        memset(p, 0, sizeof(*p));
        if (r->d.klass == BH_CLASS_TEMPLATE)
                return -EOPNOTSUPP; /* templates change through `template build` */
        if (r->d.klass == BH_CLASS_DISPOSABLE) {
                struct dom_rt *dvm = dom_find(dm, r->d.template_name);
                if (!dvm)
                        return -ENOENT;
                tmpl = dvm->d.template_name;
                dvm_name = dvm->d.name;
                p->private_lower = path_private(dm, dvm->d.name);
        } else {
                p->private_dir = path_private(dm, r->d.name);
        }
        if (!dom_find(dm, tmpl))
                return -ENOENT;
        p->root = path_template_root(dm, tmpl);
        {
                char err[256];
                int e = bh_template_conf_load(dm->state_dir, tmpl, &p->tconf, NULL, err, sizeof(err));
                if (e < 0) {
                        bh_log_error("domain %s: template %s: %s", r->d.name, tmpl,
                                     e == -ENOENT ? "not built" : err);
                        return e;
                }
                /* Only the template's own record, written by bulkheadd,
                 * decides what of dom0 a domain sees. */
                if (p->tconf.kind == BH_TEMPLATE_HOST && p->tconf.usr_bind[0])
                        p->ro_binds[0] = p->tconf.usr_bind;
        }
        p->volatile_dir = path_volatile(dm, r->d.name);
        p->vchan_dir = path_vchan(dm, r->d.name);
        p->console = path_console(dm, r->d.name);
        if (!p->root || !p->volatile_dir || !p->vchan_dir || !p->console)
                return -ENOMEM;
        if (xen_paths(dm, r->d.name, dvm_name, p) < 0)
                return -ENOMEM;
        *spec = (struct bh_start_spec){
                .d = &r->d,
                .root = p->root,
                .root_image = p->root_image,
                .private_image = p->private_image,
                .private_lower_image = p->private_lower_image,
                .vbd_script = p->vbd_script,
                .private_dir = p->private_dir,
                .private_lower = p->private_lower,
                .volatile_dir = p->volatile_dir,
                .vchan_dir = p->vchan_dir,
                .agent_dir = dm->agent_dir,
                .console_log = p->console,
                .host_ro_binds = p->ro_binds[0] ? p->ro_binds : NULL,
                .gui = dm->gui,
                /* Whonix's choice: every anonymous workstation is "host". */
                .hostname = r->d.anon ? "host" : NULL,
                .hvm = dm->backend->hvm && dm->backend->hvm(),
        };
        return 0;
}

int dom_xen_plan(struct daemon *dm, struct dom_rt *r, struct bh_xen_plan *ret)
{
        struct spec_paths p;
        struct bh_start_spec spec;
        struct bh_start_net net;
        int e = spec_build(dm, r, &p, &spec);

        if (e == 0 && (e = net_spec(dm, r, &net)) >= 0) {
                spec.net = e > 0 ? &net : NULL;
                e = bh_xen_plan_make(&spec, ret);
        }
        spec_paths_free(&p);
        return e;
}

int dom_private_conflict(struct daemon *dm, const struct dom_rt *dvm, bool for_disposable, char *why,
                         size_t len)
{
        if (!dm->backend->dvm_private_exclusive || !dvm || dvm->d.klass != BH_CLASS_DISPVM_TEMPLATE)
                return 0;
        if (for_disposable && dvm->live) {
                snprintf(why, len,
                         "%s is running: its disposables read its private volume, which must not change under them; shut %s down first",
                         dvm->d.name, dvm->d.name);
                return -EBUSY;
        }
        if (for_disposable)
                return 0;
        for (const struct dom_rt *o = dm->doms; o; o = o->next)
                if (o->live && !o->pooled && !o->warming && o->d.klass == BH_CLASS_DISPOSABLE &&
                    strcmp(o->d.template_name, dvm->d.name) == 0) {
                        snprintf(why, len,
                                 "its disposable %s is running and reads its private volume, which must not change under it; %s starts once its disposables are gone",
                                 o->d.name, dvm->d.name);
                        return -EBUSY;
                }
        return 0;
}

/* Before a start: the dispvm-template and its disposables apart
 * (dom_private_conflict); a dispvm-template's preloaded ones go. */
static int private_exclusion(struct daemon *dm, struct dom_rt *r)
{
        bool disposable = r->d.klass == BH_CLASS_DISPOSABLE;
        struct dom_rt *dvm = disposable ? dom_find(dm, r->d.template_name) : r, *o, *next;
        char why[256];
        int e = dom_private_conflict(dm, dvm, disposable, why, sizeof(why));

        if (e < 0)
                return bh_log_errno(e, "domain %s: cannot start: %s", r->d.name, why);
        if (disposable || r->d.klass != BH_CLASS_DISPVM_TEMPLATE || !dm->backend->dvm_private_exclusive)
                return 0;
        for (o = dm->doms; o; o = next) {
                next = o->next;
                if ((o->pooled || o->warming) && strcmp(o->d.template_name, r->d.name) == 0) {
                        o->stopping = true;
                        dom_reap(dm, o);
                }
        }
        return 0;
}

int dom_start(struct daemon *dm, struct dom_rt *r)
{
        return dom_start_depth(dm, r, 0);
}

int dom_start_depth(struct daemon *dm, struct dom_rt *r, int depth)
{
        struct spec_paths p;
        struct bh_start_spec spec;
        struct bh_start_net net;
        _cleanup_free_ char *logs = NULL;
        int e;

        if (r->live)
                return -EALREADY;
        if ((e = private_exclusion(dm, r)) < 0)
                return e;
        /* Its netvm first (and that one's), so it never runs unconnected. */
        e = net_before_start(dm, r, depth);
        if (e < 0)
                return e;
        e = spec_build(dm, r, &p, &spec);
        if (e < 0) {
                spec_paths_free(&p);
                return bh_log_errno(e, "domain %s: cannot start", r->d.name);
        }
        e = net_spec(dm, r, &net);
        if (e < 0) {
                spec_paths_free(&p);
                return e;
        }
        spec.net = e > 0 ? &net : NULL;
        /* Fresh per-run directories; leftovers of a crashed run go first. */
        bh_rm_rf(p.volatile_dir);
        bh_rm_rf(p.vchan_dir);
        if (asprintf(&logs, "%s/logs", dm->state_dir) < 0)
                logs = NULL;
        if ((e = mkdir_p(p.volatile_dir, 0700)) < 0 || (e = mkdir_p(p.vchan_dir, 0700)) < 0 ||
            (logs && (e = mkdir_p(logs, 0700)) < 0)) {
                spec_paths_free(&p);
                return bh_log_errno(e, "domain %s: run directories", r->d.name);
        }
        e = dm->backend->start(&spec, &r->inst);
        if (e < 0) {
                bh_rm_rf(p.volatile_dir);
                bh_rm_rf(p.vchan_dir);
                spec_paths_free(&p);
                return bh_log_errno(e, "domain %s: start failed", r->d.name);
        }
        spec_paths_free(&p);
        r->live = true;
        r->stopping = false;
        r->d.state = BH_STATE_RUNNING;
        r->d.started = time(NULL);
        r->d.pid = r->inst.pid;
        r->d.pid_starttime = r->inst.pid_starttime;
        r->d.domid = r->inst.domid;
        dom_save(dm, r);
        e = net_started(dm, r);
        if (e < 0) {
                /* A domain whose network could not be set up as asked does
                 * not run at all.  A disposable's maker reaps it (which
                 * also frees it). */
                r->stopping = true;
                if (r->d.klass != BH_CLASS_DISPOSABLE)
                        dom_reap(dm, r);
                return e;
        }
        qrexec_start(dm, r);
        gui_start(dm, r);
        api_event(dm, "started", r->d.name);
        return 0;
}

/*
 * Records a paused/running change.  A disposable's is not written: every
 * disposable is destroyed when bulkheadd restarts, whatever its state, so
 * the two fsyncs would only sit on the path of an "open in disposable"
 * request taken from the pool.
 */
static void save_state(struct daemon *dm, struct dom_rt *r)
{
        if (r->d.klass != BH_CLASS_DISPOSABLE)
                dom_save(dm, r);
}

int dom_pause(struct daemon *dm, struct dom_rt *r)
{
        int e;

        if (!r->live)
                return -ENOTCONN;
        if (r->d.state == BH_STATE_PAUSED)
                return 0;
        e = dm->backend->pause(&r->inst);
        if (e < 0)
                return bh_log_errno(e, "domain %s: pause", r->d.name);
        r->d.state = BH_STATE_PAUSED;
        save_state(dm, r);
        api_event(dm, "paused", r->d.name);
        return 0;
}

int dom_unpause(struct daemon *dm, struct dom_rt *r)
{
        int e;

        if (!r->live)
                return -ENOTCONN;
        if (r->d.state != BH_STATE_PAUSED)
                return 0;
        e = dm->backend->unpause(&r->inst);
        if (e < 0)
                return bh_log_errno(e, "domain %s: unpause", r->d.name);
        r->d.state = BH_STATE_RUNNING;
        save_state(dm, r);
        api_event(dm, "unpaused", r->d.name);
        return 0;
}

int dom_shutdown(struct daemon *dm, struct dom_rt *r)
{
        int e;

        if (!r->live)
                return -ENOTCONN;
        if (r->d.state == BH_STATE_PAUSED)
                dom_unpause(dm, r);
        r->stopping = true;
        e = dm->backend->shutdown(&r->inst);
        if (e < 0)
                return bh_log_errno(e, "domain %s: shutdown", r->d.name);
        return 0;
}

int dom_kill(struct daemon *dm, struct dom_rt *r)
{
        if (!r->live)
                return -ENOTCONN;
        r->stopping = true;
        dom_reap(dm, r);
        return 0;
}

/* The template whose root a domain runs on ("" for a template itself). */
static const char *root_template(struct daemon *dm, const struct dom_rt *r)
{
        const struct dom_rt *dvm;

        switch (r->d.klass) {
        case BH_CLASS_APP:
        case BH_CLASS_DISPVM_TEMPLATE:
                return r->d.template_name;
        case BH_CLASS_DISPOSABLE:
                dvm = dom_find(dm, r->d.template_name);
                return dvm ? dvm->d.template_name : "";
        default:
                return "";
        }
}

void dom_template_prune(struct daemon *dm, const char *tmpl)
{
        unsigned removed = 0;
        int e;

        if (!tmpl[0])
                return;
        /* A running domain may have any older version mounted; without a
         * record of which, none goes while one runs (docs/templates.md). */
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->live && strcmp(root_template(dm, r), tmpl) == 0)
                        return;
        e = bh_template_prune(dm->state_dir, tmpl, &removed);
        if (e < 0 && e != -ENOENT)
                bh_log_errno(e, "template %s: removing old versions", tmpl);
        else if (removed)
                bh_log_info("template %s: %u old version%s removed", tmpl, removed,
                            removed == 1 ? "" : "s");
}

void dom_reap(struct daemon *dm, struct dom_rt *r)
{
        struct spec_paths p;
        struct bh_start_spec spec;
        bool surprise = !r->stopping;
        char name[BH_NAME_MAX + 1], netvm[BH_NAME_MAX + 1], tmpl[BH_NAME_MAX + 1];
        int e;

        memcpy(name, r->d.name, sizeof(name));
        memcpy(netvm, r->d.netvm, sizeof(netvm));
        snprintf(tmpl, sizeof(tmpl), "%s", root_template(dm, r));
        qrexec_stop(dm, r);
        gui_stop(dm, r);
        e = spec_build(dm, r, &p, &spec);
        if (e == 0) {
                e = dm->backend->destroy(&spec, &r->inst);
                if (e < 0)
                        bh_log_errno(e, "domain %s: destroy", name);
                bh_rm_rf(p.volatile_dir);
                bh_rm_rf(p.vchan_dir);
        } else {
                /* Its template is gone: still kill it, clean what we can. */
                struct bh_start_spec bare = { .d = &r->d };
                dm->backend->destroy(&bare, &r->inst);
                if (p.volatile_dir)
                        bh_rm_rf(p.volatile_dir);
                if (p.vchan_dir)
                        bh_rm_rf(p.vchan_dir);
        }
        spec_paths_free(&p);
        r->live = false;
        r->warming = r->pooled = false;
        r->inst.death_fd = -1;
        bh_domain_set_halted(&r->d);
        if (r->d.klass == BH_CLASS_DISPOSABLE) {
                /* A disposable leaves nothing: entry, volumes, name. */
                bh_registry_remove(dm->reg, name);
                remove_volumes(dm, name);
                rt_unlink(dm, r);
                free(r);
        } else {
                dom_save(dm, r);
        }
        net_stopped(dm, netvm);
        dom_template_prune(dm, tmpl);
        api_event(dm, surprise ? "died" : "stopped", name);
}

/* Per-run directories whose domain has no record (left by a machine crash
 * that lost a disposable's record) go too. */
static void sweep_orphans(struct daemon *dm, const char *parent)
{
        DIR *d = opendir(parent);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char path[PATH_MAX];

                if (de->d_name[0] == '.' || dom_find(dm, de->d_name))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
                bh_log_info("%s: no domain has this name, removing", path);
                bh_rm_rf(path);
        }
        closedir(d);
}

int dom_reconcile(struct daemon *dm)
{
        struct dom_rt *r, *next;
        char dir[PATH_MAX];

        for (r = dm->doms; r; r = next) {
                next = r->next;
                if (r->d.state == BH_STATE_HALTED && r->d.klass != BH_CLASS_DISPOSABLE)
                        continue;
                /* A disposable is looked for whatever its record says: a
                 * crash can come between its start and its record. */
                if ((r->d.state != BH_STATE_HALTED || r->d.klass == BH_CLASS_DISPOSABLE) &&
                    dm->backend->attach(&r->d, &r->inst) == 0) {
                        r->live = true;
                        if (r->d.klass != BH_CLASS_DISPOSABLE) {
                                if (r->inst.domid > 0)
                                        bh_log_info("domain %s: still running (domid %d), adopted",
                                                    r->d.name, r->inst.domid);
                                else
                                        bh_log_info("domain %s: still running (pid %d), adopted",
                                                    r->d.name, (int)r->inst.pid);
                                continue;
                        }
                        /* Its owner went with the old daemon: nobody will
                         * ever use it, and it must not outlive its task. */
                        bh_log_info("domain %s: disposable left from before a restart, destroying",
                                    r->d.name);
                        r->stopping = true;
                        dom_reap(dm, r);
                        continue;
                }
                if (r->d.klass == BH_CLASS_DISPOSABLE)
                        bh_log_info("domain %s: disposable left from before a restart, removing",
                                    r->d.name);
                else
                        bh_log_info("domain %s: was %s but its processes are gone, marked halted",
                                    r->d.name, r->d.state == BH_STATE_PAUSED ? "paused" : "running");
                r->stopping = true;
                dom_reap(dm, r);
        }
        snprintf(dir, sizeof(dir), "%s/volatile", dm->state_dir);
        sweep_orphans(dm, dir);
        snprintf(dir, sizeof(dir), "%s/vchan", dm->runtime_dir);
        sweep_orphans(dm, dir);
        return 0;
}

static int disp_name(struct daemon *dm, char *name, size_t len)
{
        /* Numbers go round rather than being reused at once, so a log line
         * about dispN names one task, not whichever came after it. */
        static unsigned next;

        if (!next)
                next = (unsigned)(getpid() ^ time(NULL)) % DISP_NUMBERS;
        for (unsigned i = 0; i < DISP_NUMBERS; i++) {
                snprintf(name, len, "disp%u", next % DISP_NUMBERS + 1);
                next++;
                if (!dom_find(dm, name))
                        return 0;
        }
        return -ENOSPC;
}

int dom_new_disposable(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret)
{
        struct bh_domain d;
        struct dom_rt *r;
        int e;

        bh_domain_init(&d);
        if (dvm->d.klass != BH_CLASS_DISPVM_TEMPLATE)
                return -EINVAL;
        if (dvm->live && dm->backend->dvm_private_exclusive)
                return -EBUSY; /* dom_start would refuse it: no record for nothing */
        e = disp_name(dm, d.name, sizeof(d.name));
        if (e < 0)
                return e;
        d.klass = BH_CLASS_DISPOSABLE;
        d.label = dvm->d.label;
        snprintf(d.template_name, sizeof(d.template_name), "%s", dvm->d.name);
        snprintf(d.netvm, sizeof(d.netvm), "%s", dvm->d.netvm);
        d.anon = dvm->d.anon;
        d.memory_mib = dvm->d.memory_mib;
        d.vcpus = dvm->d.vcpus;
        d.virt_mode = dvm->d.virt_mode;
        snprintf(d.backend, sizeof(d.backend), "%s", dvm->d.backend);
        e = dom_create(dm, &d, &r);
        if (e < 0)
                return e;
        e = dom_start(dm, r);
        if (e < 0) {
                r->stopping = true;
                dom_reap(dm, r);
                return e;
        }
        *ret = r;
        return 0;
}

/* After a failed refill, wait this long before the next try, so a broken
 * template costs one log line every few seconds rather than a busy loop. */
#define POOL_RETRY_MS 3000
/* A warming disposable's agent is looked for every elapsed/20 ms, within
 * these bounds: a container is ready in tens of milliseconds, a Xen domain
 * in seconds, and each look costs a xenstore round trip there. */
#define POOL_POLL_MIN_MS 5
#define POOL_POLL_MAX_MS 250
static int64_t pool_retry_at;

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int dom_take_disposable(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret)
{
        for (struct dom_rt *r = dm->doms; r; r = r->next) {
                if (!r->pooled || strcmp(r->d.template_name, dvm->d.name) != 0)
                        continue;
                r->pooled = false;
                /* Let the command just handed out start before the refill
                 * competes with it for the CPUs. */
                if (pool_retry_at < now_ms() + dm->backend->pool_settle_ms)
                        pool_retry_at = now_ms() + dm->backend->pool_settle_ms;
                if (dom_unpause(dm, r) < 0) {
                        r->stopping = true;
                        dom_reap(dm, r);
                        break;
                }
                *ret = r;
                return 0;
        }
        return dom_new_disposable(dm, dvm, ret);
}

static bool agent_listening(struct daemon *dm, struct dom_rt *r)
{
        _cleanup_free_ char *dir = path_vchan(dm, r->d.name);

        return dir && dm->backend->serving(&r->inst, dir, BH_AGENT_PORT);
}

void dom_pool_tick(struct daemon *dm)
{
        struct dom_rt *r, *next;

        /* Pause the warming ones whose agent is up. */
        for (r = dm->doms; r; r = next) {
                next = r->next;
                if (!r->warming)
                        continue;
                if (agent_listening(dm, r)) {
                        r->warming = false;
                        if (dom_pause(dm, r) == 0)
                                r->pooled = true;
                        else {
                                r->stopping = true;
                                dom_reap(dm, r);
                        }
                } else if (time(NULL) - r->d.started > (time_t)dm->backend->boot_timeout_s) {
                        bh_log_error("domain %s: agent did not come up for the pool", r->d.name);
                        r->stopping = true;
                        dom_reap(dm, r);
                }
        }
        /* Refill each dispvm-template's pool to its preload count. */
        for (struct dom_rt *dvm = dm->doms; dvm; dvm = dvm->next) {
                unsigned have = 0;

                /* A running dispvm-template's pool stays empty where its
                 * disposables read its private volume. */
                if (dvm->d.klass != BH_CLASS_DISPVM_TEMPLATE || (dvm->live && dm->backend->dvm_private_exclusive))
                        continue;
                for (r = dm->doms; r; r = r->next)
                        if ((r->pooled || r->warming) &&
                            strcmp(r->d.template_name, dvm->d.name) == 0)
                                have++;
                /* A lowered preload count gives back what is over it. */
                for (r = dm->doms; r && have > dvm->d.preload; r = next) {
                        next = r->next;
                        if (r->pooled && strcmp(r->d.template_name, dvm->d.name) == 0) {
                                r->stopping = true;
                                dom_reap(dm, r);
                                have--;
                        }
                }
                /* One per tick: a request arriving meanwhile is not delayed
                 * behind a whole refill. */
                if (have < dvm->d.preload && now_ms() >= pool_retry_at) {
                        struct dom_rt *n;
                        if (dom_new_disposable(dm, dvm, &n) == 0) {
                                n->warming = true;
                                n->warm_since_ms = now_ms();
                        }
                        else
                                pool_retry_at = now_ms() + POOL_RETRY_MS;
                }
        }
}

int dom_pool_timeout(struct daemon *dm)
{
        int64_t poll = -1;

        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->warming) {
                        int64_t p = (now_ms() - r->warm_since_ms) / 20;

                        p = p < POOL_POLL_MIN_MS ? POOL_POLL_MIN_MS : p > POOL_POLL_MAX_MS ? POOL_POLL_MAX_MS : p;
                        poll = poll < 0 || p < poll ? p : poll;
                }
        if (poll >= 0)
                return (int)poll;
        for (struct dom_rt *dvm = dm->doms; dvm; dvm = dvm->next) {
                unsigned have = 0;
                if (dvm->d.klass != BH_CLASS_DISPVM_TEMPLATE)
                        continue;
                for (struct dom_rt *r = dm->doms; r; r = r->next)
                        if ((r->pooled || r->warming) &&
                            strcmp(r->d.template_name, dvm->d.name) == 0)
                                have++;
                if (have > dvm->d.preload)
                        return 0;
                if (have < dvm->d.preload) {
                        int64_t wait = pool_retry_at - now_ms();
                        return wait > 0 ? (int)wait : 0;
                }
        }
        return -1;
}
