/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain lifecycle in bulkheadd: registry entries in memory and on disk,
 * starting and stopping through the backend, disposables and their pool,
 * and reconciliation after a restart.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
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
        r->op.fd = -1;
        return r;
}

bool dom_in_flight(const struct dom_rt *r)
{
        return r->starting || r->reaping;
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

        if (r->live || dom_in_flight(r))
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
                /* --xen-pv: this machine's HVM is not to be trusted
                 * (docs/xen-backend.md, PVH and PV). */
                .hvm = !dm->xen_pv && dm->backend->hvm && dm->backend->hvm(),
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

static void reap(struct daemon *dm, struct dom_rt *r, bool wait);
static void op_wait(struct daemon *dm, struct dom_rt *r);

/* A disposable of dvm whose start or destroy runs in the background. */
static struct dom_rt *disposable_in_flight(struct daemon *dm, const char *dvm)
{
        for (struct dom_rt *o = dm->doms; o; o = o->next)
                if (dom_in_flight(o) && o->d.klass == BH_CLASS_DISPOSABLE &&
                    strcmp(o->d.template_name, dvm) == 0)
                        return o;
        return NULL;
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
        /* A start or a destroy of one of them under way ends first: a
         * domain being destroyed still has the volume attached. */
        while ((o = disposable_in_flight(dm, r->d.name)))
                op_wait(dm, o);
        for (o = dm->doms; o; o = next) {
                next = o->next;
                if ((o->pooled || o->warming) && strcmp(o->d.template_name, r->d.name) == 0) {
                        o->stopping = true;
                        reap(dm, o, true);
                }
        }
        return 0;
}

int dom_start(struct daemon *dm, struct dom_rt *r)
{
        return dom_start_depth(dm, r, 0);
}

/* Everything before the backend's start: r free to start, its netvm
 * chain up, its spec, fresh run directories.  p is to be freed whatever
 * the outcome. */
static int start_prepare(struct daemon *dm, struct dom_rt *r, int depth, struct spec_paths *p,
                         struct bh_start_spec *spec, struct bh_start_net *net)
{
        _cleanup_free_ char *logs = NULL;
        int e;

        memset(p, 0, sizeof(*p));
        if (r->live)
                return -EALREADY;
        if (dom_in_flight(r))
                return -EBUSY;
        if ((e = private_exclusion(dm, r)) < 0)
                return e;
        /* Its netvm first (and that one's), so it never runs unconnected. */
        if ((e = net_before_start(dm, r, depth)) < 0)
                return e;
        if ((e = spec_build(dm, r, p, spec)) < 0)
                return bh_log_errno(e, "domain %s: cannot start", r->d.name);
        if ((e = net_spec(dm, r, net)) < 0)
                return e;
        spec->net = e > 0 ? net : NULL;
        /* Fresh per-run directories; leftovers of a crashed run go first. */
        bh_rm_rf(p->volatile_dir);
        bh_rm_rf(p->vchan_dir);
        if (asprintf(&logs, "%s/logs", dm->state_dir) < 0)
                logs = NULL;
        if ((e = mkdir_p(p->volatile_dir, 0700)) < 0 || (e = mkdir_p(p->vchan_dir, 0700)) < 0 ||
            (logs && (e = mkdir_p(logs, 0700)) < 0))
                return bh_log_errno(e, "domain %s: run directories", r->d.name);
        return 0;
}

/* The backend's start failed (e): the run directories go again. */
static int start_failed(struct daemon *dm, struct dom_rt *r, int e)
{
        _cleanup_free_ char *vol = path_volatile(dm, r->d.name);
        _cleanup_free_ char *vchan = path_vchan(dm, r->d.name);

        if (vol)
                bh_rm_rf(vol);
        if (vchan)
                bh_rm_rf(vchan);
        return bh_log_errno(e, "domain %s: start failed", r->d.name);
}

/* The backend started r: it is live, recorded, networked, served by
 * qrexec and the GUI, and the clients hear of it. */
static int start_complete(struct daemon *dm, struct dom_rt *r)
{
        int e;

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

int dom_start_depth(struct daemon *dm, struct dom_rt *r, int depth)
{
        struct spec_paths p;
        struct bh_start_spec spec;
        struct bh_start_net net;
        int e = start_prepare(dm, r, depth, &p, &spec, &net);

        if (e == 0 && (e = dm->backend->start(&spec, &r->inst)) < 0)
                start_failed(dm, r, e);
        spec_paths_free(&p);
        return e < 0 ? e : start_complete(dm, r);
}

/* A start nobody waits for (the disposable pool's): begun here, ended by
 * bulkheadd's loop (op_done).  A backend without start_begin starts at
 * once. */
static int start_in_background(struct daemon *dm, struct dom_rt *r)
{
        struct spec_paths p;
        struct bh_start_spec spec;
        struct bh_start_net net;
        int e;

        if (!dm->backend->start_begin)
                return dom_start(dm, r);
        e = start_prepare(dm, r, 0, &p, &spec, &net);
        if (e == 0 && (e = dm->backend->start_begin(&spec, &r->inst, &r->op)) < 0)
                start_failed(dm, r, e);
        spec_paths_free(&p);
        if (e == 0)
                r->starting = true;
        return e;
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
                if ((r->live || dom_in_flight(r)) && strcmp(root_template(dm, r), tmpl) == 0)
                        return;
        e = bh_template_prune(dm->state_dir, tmpl, &removed);
        if (e < 0 && e != -ENOENT)
                bh_log_errno(e, "template %s: removing old versions", tmpl);
        else if (removed)
                bh_log_info("template %s: %u old version%s removed", tmpl, removed,
                            removed == 1 ? "" : "s");
}

/* The backend's destroy of r (or, with its destroy in flight, the
 * destroy's end), given r's spec or a bare one if its template is gone;
 * then r's run directories go. */
static void destroy_with_spec(struct daemon *dm, struct dom_rt *r, bool finish)
{
        struct spec_paths p;
        struct bh_start_spec spec, bare = { .d = &r->d };
        bool full = spec_build(dm, r, &p, &spec) == 0;
        const struct bh_start_spec *s = full ? &spec : &bare;
        int e = finish ? dm->backend->destroy_finish(s, &r->inst, &r->op) : dm->backend->destroy(s, &r->inst);

        if (e < 0 && full)
                bh_log_errno(e, "domain %s: destroy", r->d.name);
        if (p.volatile_dir)
                bh_rm_rf(p.volatile_dir);
        if (p.vchan_dir)
                bh_rm_rf(p.vchan_dir);
        spec_paths_free(&p);
}

/* r's domain is destroyed: what is left of it goes (all of a
 * disposable, which is freed), and the clients hear of it. */
static void reap_done(struct daemon *dm, struct dom_rt *r)
{
        bool surprise = !r->stopping;
        uint64_t owner = r->owner;
        char name[BH_NAME_MAX + 1], netvm[BH_NAME_MAX + 1], tmpl[BH_NAME_MAX + 1];

        memcpy(name, r->d.name, sizeof(name));
        memcpy(netvm, r->d.netvm, sizeof(netvm));
        snprintf(tmpl, sizeof(tmpl), "%s", root_template(dm, r));
        r->live = false;
        r->warming = r->pooled = r->reaping = false;
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
        if (owner)
                api_client_release(dm, owner);
}

/* A live disposable's destroy runs in the background: nobody needs its
 * end before the next request (its client waits for it on its own:
 * api_client_release).  An app domain's, rarer and often waited for
 * (kill, then remove), stays at once. */
static bool reap_in_background(struct daemon *dm, struct dom_rt *r)
{
        return r->live && r->d.klass == BH_CLASS_DISPOSABLE && dm->backend->destroy_begin &&
               dm->backend->destroy_begin(&r->inst, &r->op) == 0;
}

/* wait: the destroy has ended (and a disposable is freed) on return. */
static void reap(struct daemon *dm, struct dom_rt *r, bool wait)
{
        qrexec_stop(dm, r);
        gui_stop(dm, r);
        if (reap_in_background(dm, r)) {
                r->live = false;
                r->warming = r->pooled = false;
                r->reaping = true;
                if (wait)
                        op_wait(dm, r);
                return;
        }
        destroy_with_spec(dm, r, false);
        reap_done(dm, r);
}

void dom_reap(struct daemon *dm, struct dom_rt *r)
{
        reap(dm, r, false);
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

/* A new disposable's record, from dvm; not started. */
static int disposable_record(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret)
{
        struct bh_domain d;
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
        return dom_create(dm, &d, ret);
}

int dom_new_disposable(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret)
{
        struct dom_rt *r;
        int e = disposable_record(dm, dvm, &r);

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

int dom_take_disposable(struct daemon *dm, struct dom_rt *dvm, struct dom_rt **ret)
{
        for (struct dom_rt *r = dm->doms; r; r = r->next) {
                if (!r->pooled || strcmp(r->d.template_name, dvm->d.name) != 0)
                        continue;
                r->pooled = false;
                /* Let the command just handed out start before the refill
                 * competes with it for the CPUs. */
                if (pool_retry_at < bh_now_ms() + dm->backend->pool_settle_ms)
                        pool_retry_at = bh_now_ms() + dm->backend->pool_settle_ms;
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

/* A disposable for dvm's pool, started in the background where the
 * backend can: the request that takes it later must not wait for it, nor
 * any request meanwhile. */
static void pool_refill(struct daemon *dm, struct dom_rt *dvm)
{
        struct dom_rt *r;
        int e = disposable_record(dm, dvm, &r);

        if (e == 0 && (e = start_in_background(dm, r)) < 0) {
                r->stopping = true;
                dom_reap(dm, r);
        }
        if (e < 0)
                pool_retry_at = bh_now_ms() + POOL_RETRY_MS;
        else if (!r->starting) {
                r->warming = true;
                r->warm_since_ms = bh_now_ms();
        }
}

/* The pool's start of r ended: it warms up, to be paused once its agent
 * serves; or it goes, and the pool tries again later. */
static void pool_start_done(struct daemon *dm, struct dom_rt *r)
{
        int e = dm->backend->start_finish(&r->inst, &r->op);

        r->starting = false;
        if (e < 0)
                start_failed(dm, r, e);
        else
                e = start_complete(dm, r);
        if (e < 0) {
                pool_retry_at = bh_now_ms() + POOL_RETRY_MS;
                r->stopping = true;
                dom_reap(dm, r);
                return;
        }
        r->warming = true;
        r->warm_since_ms = bh_now_ms();
}

/* r's start or destroy in the background has ended, or passed its
 * deadline: its backend half ends it, and bulkheadd's half follows. */
static void op_done(struct daemon *dm, struct dom_rt *r)
{
        if (r->starting) {
                pool_start_done(dm, r);
        } else if (r->reaping) {
                destroy_with_spec(dm, r, true);
                reap_done(dm, r);
        }
}

static bool op_ready(const struct bh_op *op)
{
        struct pollfd pf = { .fd = op->fd, .events = POLLIN };

        return poll(&pf, 1, 0) != 0 || bh_now_ms() >= op->deadline_ms;
}

static void op_wait(struct daemon *dm, struct dom_rt *r)
{
        struct pollfd pf = { .fd = r->op.fd, .events = POLLIN };
        int64_t left = r->op.deadline_ms - bh_now_ms();

        if (left > 0)
                while (poll(&pf, 1, (int)left) < 0 && errno == EINTR)
                        ;
        op_done(dm, r);
}

void dom_ops_tick(struct daemon *dm)
{
        struct dom_rt *r, *next;

        for (r = dm->doms; r; r = next) {
                next = r->next;
                if (dom_in_flight(r) && op_ready(&r->op))
                        op_done(dm, r);
        }
}

int dom_ops_timeout(struct daemon *dm)
{
        int64_t wait = -1;

        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (dom_in_flight(r)) {
                        int64_t w = r->op.deadline_ms - bh_now_ms();

                        w = w < 0 ? 0 : w;
                        wait = wait < 0 || w < wait ? w : wait;
                }
        return (int)wait;
}

void dom_ops_wait_all(struct daemon *dm)
{
        struct dom_rt *r;

        /* Ending a start may begin a destroy (its network failed): look
         * again from the start until nothing is in flight. */
        do {
                for (r = dm->doms; r && !dom_in_flight(r); r = r->next)
                        ;
                if (r)
                        op_wait(dm, r);
        } while (r);
}

static bool agent_listening(struct daemon *dm, struct dom_rt *r)
{
        _cleanup_free_ char *dir = path_vchan(dm, r->d.name);

        return dir && dm->backend->serving(&r->inst, dir, BH_AGENT_PORT);
}

/* Whether dvm keeps a pool now: a running dispvm-template's stays empty
 * where its disposables read its private volume. */
static bool pool_open(struct daemon *dm, const struct dom_rt *dvm)
{
        return dvm->d.klass == BH_CLASS_DISPVM_TEMPLATE && !(dvm->live && dm->backend->dvm_private_exclusive);
}

/* dvm's pool: paused, warming up or being started (*paused: the first). */
static unsigned pool_count(struct daemon *dm, const struct dom_rt *dvm, unsigned *paused)
{
        unsigned have = 0;

        *paused = 0;
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if ((r->pooled || r->warming || r->starting) &&
                    strcmp(r->d.template_name, dvm->d.name) == 0) {
                        have++;
                        *paused += r->pooled;
                }
        return have;
}

/* One background start at a time, whatever the template: two boots at
 * once take the CPUs from each other and from the requests. */
static bool pool_starting(struct daemon *dm)
{
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->starting)
                        return true;
        return false;
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
                unsigned have, paused;

                if (!pool_open(dm, dvm))
                        continue;
                have = pool_count(dm, dvm, &paused);
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
                if (have < dvm->d.preload && bh_now_ms() >= pool_retry_at && !pool_starting(dm))
                        pool_refill(dm, dvm);
        }
}

int dom_pool_timeout(struct daemon *dm)
{
        int64_t poll = -1;

        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->warming) {
                        int64_t p = (bh_now_ms() - r->warm_since_ms) / 20;

                        p = p < POOL_POLL_MIN_MS ? POOL_POLL_MIN_MS : p > POOL_POLL_MAX_MS ? POOL_POLL_MAX_MS : p;
                        poll = poll < 0 || p < poll ? p : poll;
                }
        if (poll >= 0)
                return (int)poll;
        for (struct dom_rt *dvm = dm->doms; dvm; dvm = dvm->next) {
                unsigned have, paused;

                if (!pool_open(dm, dvm))
                        continue;
                have = pool_count(dm, dvm, &paused);
                /* Only paused ones are given back; the others end first
                 * (their start's fd or their warming wakes the loop). */
                if (have > dvm->d.preload && paused)
                        return 0;
                if (have < dvm->d.preload && !pool_starting(dm)) {
                        int64_t wait = pool_retry_at - bh_now_ms();
                        return wait > 0 ? (int)wait : 0;
                }
        }
        return -1;
}
