/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bulkheadd's API verbs (docs/api.md).  A request comes from a local client
 * that passed the peer-credential check; it is still checked field by field,
 * since a mistaken client must not corrupt the registry.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "firewall.h"
#include "net_addr.h"
#include "registry.h"
#include "template_host.h"
#include "util.h"
#include "xen_disks.h"


int api_reply(struct client *c, struct bh_api_buf *b)
{
        if (b->err)
                return b->err;
        if (send(c->fd, b->data, b->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                return -errno;
        return 0;
}

int api_error(struct client *c, int err, const char *fmt, ...)
{
        struct bh_api_buf b;
        va_list ap;
        char msg[512];

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        bh_api_buf_init(&b);
        bh_api_add(&b, "error");
        bh_api_add(&b, bh_errno_name(err));
        bh_api_add(&b, msg);
        api_reply(c, &b);
        bh_api_buf_free(&b);
        return err;
}

static void reply_ok(struct client *c)
{
        struct bh_api_buf b;

        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        api_reply(c, &b);
        bh_api_buf_free(&b);
}

void api_event(struct daemon *dm, const char *kind, const char *name)
{
        struct bh_api_buf b;

        bh_api_buf_init(&b);
        bh_api_add(&b, "event");
        bh_api_add(&b, kind);
        bh_api_add(&b, name);
        for (struct client *c = dm->clients; c; c = c->next)
                if (c->events && api_reply(c, &b) < 0) {
                        /* A subscriber that does not keep up loses its
                         * subscription rather than stall the daemon. */
                        bh_log_error("events: client %llu too slow, unsubscribed",
                                     (unsigned long long)c->id);
                        c->events = false;
                        shutdown(c->fd, SHUT_RDWR);
                }
        bh_api_buf_free(&b);
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

/* A preference's name as the CLI and the docs spell it: the registry's
 * spelling (default_dispvm) is accepted too.  -EINVAL if it cannot be one. */
static int pref_key(const char *untrusted_key, char key[32])
{
        size_t n = strlen(untrusted_key);

        if (n == 0 || n >= 32)
                return -EINVAL;
        for (size_t i = 0; i <= n; i++)
                key[i] = untrusted_key[i] == '_' ? '-' : untrusted_key[i];
        return 0;
}

/* What shapes a network domain's own plumbing, or a domain's root, waits
 * for its next start; netvm changes live (the domain is re-plumbed). */
static bool pref_halted_only(const char *key)
{
        static const char *const keys[] = { "template", "provides-network", "uplink",
                                            "uplink-address", "uplink-gateway", "uplink-dns",
                                            "anon", "private-size", "virt-mode" };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(key, keys[i]) == 0)
                        return true;
        return false;
}

/* Applies one preference; err names what was wrong. */
static int set_pref(struct daemon *dm, struct bh_domain *d, const char *untrusted_key,
                    const char *value, char *err, size_t errlen)
{
        char key[32];

        if (pref_key(untrusted_key, key) < 0) {
                snprintf(err, errlen, "unknown preference '%.40s'", untrusted_key);
                return -EINVAL;
        }
        if (strcmp(key, "label") == 0) {
                if (bh_label_from_string(value, &d->label) < 0) {
                        snprintf(err, errlen, "unknown label '%s' (red orange yellow green gray blue purple black)", value);
                        return -EINVAL;
                }
        } else if (strcmp(key, "template") == 0) {
                struct dom_rt *t = value[0] ? dom_find(dm, value) : NULL;
                enum bh_class want = d->klass == BH_CLASS_DISPOSABLE ? BH_CLASS_DISPVM_TEMPLATE
                                                                      : BH_CLASS_TEMPLATE;
                if (d->klass == BH_CLASS_TEMPLATE) {
                        snprintf(err, errlen, "a template has no template");
                        return -EINVAL;
                }
                if (!t || t->d.klass != want) {
                        snprintf(err, errlen, "no %s named '%s'", bh_class_to_string(want), value);
                        return -ENOENT;
                }
                snprintf(d->template_name, sizeof(d->template_name), "%s", value);
        } else if (strcmp(key, "netvm") == 0) {
                int e = net_check_netvm(dm, d->name, value, err, errlen);

                if (e == 0)
                        e = net_check_anon(dm, d->anon, value, err, errlen);
                if (e < 0)
                        return e;
                if (value[0] && d->uplink[0]) {
                        snprintf(err, errlen, "it has an uplink (%s): a domain has one way out", d->uplink);
                        return -EINVAL;
                }
                if (value[0] && d->klass == BH_CLASS_TEMPLATE) {
                        snprintf(err, errlen, "a template gets no network");
                        return -EINVAL;
                }
                snprintf(d->netvm, sizeof(d->netvm), "%s", value);
        } else if (strcmp(key, "provides-network") == 0) {
                enum bh_netmode m;

                if (bh_netmode_from_string(value, &m) < 0) {
                        snprintf(err, errlen, "provides-network is no, yes (a router) or tor (a Tor gateway)");
                        return -EINVAL;
                }
                if (m == BH_NETMODE_NONE)
                        for (struct dom_rt *o = dm->doms; o; o = o->next)
                                if (strcmp(o->d.netvm, d->name) == 0) {
                                        snprintf(err, errlen, "%s uses it as its netvm", o->d.name);
                                        return -EBUSY;
                                }
                if (m != BH_NETMODE_NONE && (d->klass == BH_CLASS_TEMPLATE || d->anon)) {
                        snprintf(err, errlen, "%s cannot provide network",
                                 d->anon ? "an anonymous workstation" : "a template");
                        return -EINVAL;
                }
                d->provides_network = m;
                if (m == BH_NETMODE_NONE)
                        d->uplink[0] = '\0';
        } else if (strcmp(key, "uplink") == 0) {
                if (bh_uplink_check(value, err, errlen) < 0)
                        return -EINVAL;
                if (value[0] && d->provides_network == BH_NETMODE_NONE) {
                        snprintf(err, errlen, "only a network domain has an uplink (provides-network yes first)");
                        return -EINVAL;
                }
                if (value[0] && d->netvm[0]) {
                        snprintf(err, errlen, "it has a netvm (%s): a domain has one way out", d->netvm);
                        return -EINVAL;
                }
                snprintf(d->uplink, sizeof(d->uplink), "%s", value);
        } else if (strcmp(key, "uplink-address") == 0) {
                uint32_t a = 0;
                unsigned n = 0;

                if (value[0] && (bh_cidr_parse(value, &a, &n) < 0 || n == 0 || strchr(value, '/') == NULL)) {
                        snprintf(err, errlen, "uplink-address is A.B.C.D/N (N 1..32), or empty");
                        return -EINVAL;
                }
                d->uplink_addr = a;
                d->uplink_prefix = n;
        } else if (strcmp(key, "uplink-gateway") == 0 || strcmp(key, "uplink-dns") == 0) {
                uint32_t a = 0;

                if (value[0] && bh_ip_parse(value, &a) < 0) {
                        snprintf(err, errlen, "%s is an IPv4 address A.B.C.D, or empty", key);
                        return -EINVAL;
                }
                *(strstr(key, "dns") ? &d->uplink_dns : &d->uplink_gw) = a;
        } else if (strcmp(key, "anon") == 0) {
                if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
                        snprintf(err, errlen, "anon is yes or no");
                        return -EINVAL;
                }
                if (value[0] == 'y' && d->provides_network != BH_NETMODE_NONE) {
                        snprintf(err, errlen, "a network domain cannot be an anonymous workstation");
                        return -EINVAL;
                }
                if (value[0] == 'y' && net_check_anon(dm, true, d->netvm, err, errlen) < 0)
                        return -EPERM;
                d->anon = value[0] == 'y';
        } else if (strcmp(key, "ip") == 0) {
                snprintf(err, errlen, "ip is given by bulkheadd (10.137.0.0/16), not set");
                return -EPERM;
        } else if (strcmp(key, "tags") == 0) {
                if (strlen(value) > BH_TAGS_MAX || bh_tags_check(value, err, errlen) < 0) {
                        if (strlen(value) > BH_TAGS_MAX)
                                snprintf(err, errlen, "tags: longer than %d bytes", BH_TAGS_MAX);
                        return -EINVAL;
                }
                snprintf(d->tags, sizeof(d->tags), "%s", value);
        } else if (strcmp(key, "default-dispvm") == 0) {
                struct dom_rt *t = value[0] ? dom_find(dm, value) : NULL;

                if (value[0] && (!t || t->d.klass != BH_CLASS_DISPVM_TEMPLATE)) {
                        snprintf(err, errlen, "no dispvm-template named '%s'", value);
                        return -ENOENT;
                }
                snprintf(d->default_dispvm, sizeof(d->default_dispvm), "%s", value);
        } else if (strcmp(key, "allow-fullscreen") == 0) {
                if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
                        snprintf(err, errlen, "allow-fullscreen is yes or no");
                        return -EINVAL;
                }
                d->allow_fullscreen = value[0] == 'y';
        } else if (strcmp(key, "memory") == 0) {
                if (parse_uint(value, BH_MEMORY_MIN_MIB, BH_MEMORY_MAX_MIB, &d->memory_mib) < 0) {
                        snprintf(err, errlen, "memory must be %u..%u MiB", BH_MEMORY_MIN_MIB, BH_MEMORY_MAX_MIB);
                        return -EINVAL;
                }
        } else if (strcmp(key, "private-size") == 0) {
                uint64_t mib = 0;

                if (d->klass != BH_CLASS_APP && d->klass != BH_CLASS_DISPVM_TEMPLATE) {
                        snprintf(err, errlen, "private-size applies to app and dispvm-template domains only");
                        return -EINVAL;
                }
                if (bh_size_mib_parse(value, &mib) < 0 || mib < BH_PRIVATE_MIN_MIB || mib > BH_PRIVATE_MAX_MIB) {
                        snprintf(err, errlen,
                                 "private-size '%.32s': %u MiB to %u TiB, in MiB or with a unit M, G or T (4G)",
                                 value, BH_PRIVATE_MIN_MIB, BH_PRIVATE_MAX_MIB >> 20);
                        return -EINVAL;
                }
                d->private_mib = (unsigned)mib;
        } else if (strcmp(key, "virt-mode") == 0) {
                if (bh_virt_mode_from_string(value, &d->virt_mode) < 0) {
                        snprintf(err, errlen, "virt-mode is pvh or pv");
                        return -EINVAL;
                }
        } else if (strcmp(key, "vcpus") == 0) {
                if (parse_uint(value, 1, BH_VCPUS_MAX, &d->vcpus) < 0) {
                        snprintf(err, errlen, "vcpus must be 1..%u", BH_VCPUS_MAX);
                        return -EINVAL;
                }
        } else if (strcmp(key, "preload") == 0) {
                if (d->klass != BH_CLASS_DISPVM_TEMPLATE) {
                        snprintf(err, errlen, "preload applies to dispvm-template domains only");
                        return -EINVAL;
                }
                if (parse_uint(value, 0, BH_PRELOAD_MAX, &d->preload) < 0) {
                        snprintf(err, errlen, "preload must be 0..%u", BH_PRELOAD_MAX);
                        return -EINVAL;
                }
        } else {
                snprintf(err, errlen, "unknown preference '%s' (label template netvm memory private-size vcpus virt-mode preload tags default-dispvm allow-fullscreen provides-network uplink uplink-address uplink-gateway uplink-dns anon)", key);
                return -EINVAL;
        }
        return 0;
}

static void add_domain(struct bh_api_buf *b, const struct dom_rt *r)
{
        char text[BH_REGISTRY_MAX_FILE], err[BH_REGISTRY_ERR_MAX];
        size_t len;

        if (bh_domain_format(&r->d, text, sizeof(text), &len, err, sizeof(err)) < 0) {
                b->err = b->err ? b->err : -EINVAL;
                return;
        }
        bh_api_add(b, text);
}

static struct dom_rt *need_domain(struct daemon *dm, struct client *c,
                                  const struct bh_api_msg *req, size_t i)
{
        struct dom_rt *r;

        if (req->n <= i) {
                api_error(c, -EINVAL, "%s: missing domain name", req->f[1]);
                return NULL;
        }
        r = dom_find(dm, req->f[i]);
        /* A disposable being destroyed is gone for the API: only its name
         * is still taken. */
        if (r && r->reaping)
                r = NULL;
        if (!r)
                api_error(c, -ENOENT, "no domain named '%s'", req->f[i]);
        return r;
}

/* 0, or -EBUSY said to the client: the disposable pool is starting r. */
static int refuse_starting(struct client *c, const char *verb, const struct dom_rt *r)
{
        if (!r->starting)
                return 0;
        return api_error(c, -EBUSY, "%s %s: the disposable pool is starting it; try again once it runs",
                         verb, r->d.name);
}

static void do_create(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct bh_domain d;
        char err[256];
        const char *cls;
        int e;

        bh_domain_init(&d);
        d.klass = BH_CLASS_APP;

        if (req->n < 3)
                return (void)api_error(c, -EINVAL, "create: missing domain name");
        e = bh_name_check(req->f[2], err, sizeof(err));
        if (e < 0)
                return (void)api_error(c, e, "%s", err);
        if (dom_find(dm, req->f[2]))
                return (void)api_error(c, -EEXIST, "domain '%s' already exists", req->f[2]);
        snprintf(d.name, sizeof(d.name), "%s", req->f[2]);
        snprintf(d.backend, sizeof(d.backend), "%s", dm->backend->name);
        cls = bh_api_get(req, 3, "class");
        if (cls && bh_class_from_string(cls, &d.klass) < 0)
                return (void)api_error(c, -EINVAL, "unknown class '%s' (template app dispvm-template)", cls);
        if (d.klass == BH_CLASS_DISPOSABLE)
                return (void)api_error(c, -EINVAL, "disposables are made by `run --disposable`");
        if (d.klass != BH_CLASS_TEMPLATE && !bh_api_get(req, 3, "template"))
                return (void)api_error(c, -EINVAL, "create %s: --template is required for a %s",
                                       d.name, bh_class_to_string(d.klass));
        for (size_t i = 3; i < req->n; i++) {
                const char *eq = strchr(req->f[i], '=');
                char key[32];
                if (!eq || (size_t)(eq - req->f[i]) >= sizeof(key))
                        return (void)api_error(c, -EINVAL, "create: bad field '%s'", req->f[i]);
                memcpy(key, req->f[i], (size_t)(eq - req->f[i]));
                key[eq - req->f[i]] = '\0';
                if (strcmp(key, "class") == 0)
                        continue;
                e = set_pref(dm, &d, key, eq + 1, err, sizeof(err));
                if (e < 0)
                        return (void)api_error(c, e, "create %s: %s", d.name, err);
        }
        e = dom_create(dm, &d, NULL);
        if (e < 0)
                return (void)api_error(c, e, "create %s: %s", d.name, strerror(-e));
        api_event(dm, "created", d.name);
        reply_ok(c);
}

static int copy_tree(const char *from, const char *to)
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                sigset_t none;

                /* bulkheadd's blocked signals are not cp's business. */
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execlp("cp", "cp", "-a", "--reflink=auto", "--", from, to, (char *)NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void do_clone(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct dom_rt *src = need_domain(dm, c, req, 2), *dst;
        struct bh_domain d;
        char err[256];
        int e;

        if (!src)
                return;
        if (req->n < 4)
                return (void)api_error(c, -EINVAL, "clone: missing new name");
        if (src->d.klass == BH_CLASS_DISPOSABLE || src->d.klass == BH_CLASS_TEMPLATE)
                return (void)api_error(c, -EINVAL, "clone: cannot clone a %s",
                                       bh_class_to_string(src->d.klass));
        e = bh_name_check(req->f[3], err, sizeof(err));
        if (e < 0)
                return (void)api_error(c, e, "%s", err);
        if (dom_find(dm, req->f[3]))
                return (void)api_error(c, -EEXIST, "domain '%s' already exists", req->f[3]);
        d = src->d;
        snprintf(d.name, sizeof(d.name), "%s", req->f[3]);
        e = dom_create(dm, &d, &dst);
        if (e < 0)
                return (void)api_error(c, e, "clone %s: %s", d.name, strerror(-e));
        {
                _cleanup_free_ char *from = path_private(dm, src->d.name);
                _cleanup_free_ char *to = path_private(dm, d.name);
                _cleanup_free_ char *from_dot = NULL;
                if (from && to && asprintf(&from_dot, "%s/.", from) >= 0)
                        e = copy_tree(from_dot, to);
                else
                        e = -ENOMEM;
        }
        if (e == 0) {
                /* The Xen backend's private volume, once it has one. */
                _cleanup_free_ char *from = path_private_image(dm, src->d.name);
                _cleanup_free_ char *to = path_private_image(dm, d.name);

                if (!from || !to)
                        e = -ENOMEM;
                else if (access(from, F_OK) == 0)
                        e = copy_tree(from, to);
        }
        if (e < 0) {
                dom_remove(dm, dst);
                return (void)api_error(c, e, "clone %s: copying the private volume failed", d.name);
        }
        api_event(dm, "created", d.name);
        reply_ok(c);
}

static void reply_run(struct daemon *dm, struct client *c, struct dom_rt *r)
{
        _cleanup_free_ char *vchan = path_vchan(dm, r->d.name);
        struct bh_api_buf b;

        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "name=%s", r->d.name);
        bh_api_addf(&b, "transport=%s", bh_vchan_transport_to_string(dm->backend->transport));
        bh_api_addf(&b, "vchan_dir=%s", vchan ? vchan : "");
        bh_api_addf(&b, "port=%d", BH_AGENT_PORT);
        bh_api_addf(&b, "domid=%d", r->inst.domid);
        /* How long the client may wait for a just-started domain's agent. */
        bh_api_addf(&b, "boot_timeout=%u", dm->backend->boot_timeout_s);
        api_reply(c, &b);
        bh_api_buf_free(&b);
}

/* API: console NAME: where dom0 keeps what NAME's console said; the CLI
 * reads it (as the same user) and makes it safe for a terminal. */
static void do_console(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct dom_rt *r = need_domain(dm, c, req, 2);
        _cleanup_free_ char *own = NULL;
        char path[PATH_MAX];
        struct bh_api_buf b;
        int e;

        if (!r)
                return;
        if (dm->backend->console_path) {
                e = dm->backend->console_path(r->d.name, path, sizeof(path));
                if (e < 0)
                        return (void)api_error(c, e, "console %s: %s", r->d.name, strerror(-e));
        } else {
                if (!(own = path_console(dm, r->d.name)))
                        return (void)api_error(c, -ENOMEM, "console %s: out of memory", r->d.name);
                snprintf(path, sizeof(path), "%s", own);
        }
        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "path=%s", path);
        api_reply(c, &b);
        bh_api_buf_free(&b);
}

static void do_xl_config(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct dom_rt *r = need_domain(dm, c, req, 2);
        struct bh_xen_plan p;
        struct bh_api_buf b;
        int e;

        if (!r)
                return;
        e = dom_xen_plan(dm, r, &p);
        if (e < 0)
                return (void)api_error(c, e, "xl-config %s: %s", r->d.name,
                                       e == -EOPNOTSUPP ? "a template is not started" : strerror(-e));
        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "name=%s", p.name);
        bh_api_addf(&b, "type=%s", p.pvh ? "pvh" : "pv");
        bh_api_addf(&b, "kernel=%s", p.kernel);
        bh_api_addf(&b, "ramdisk=%s", p.ramdisk);
        bh_api_addf(&b, "cmdline=%s", p.cmdline);
        bh_api_addf(&b, "memory=%u", p.memory_mib);
        bh_api_addf(&b, "vcpus=%u", p.vcpus);
        if (p.ndisks)
                bh_api_addf(&b, "vbd_script=%s", p.vbd_script);
        for (unsigned i = 0; i < p.ndisks; i++) {
                char line[PATH_MAX + 64];

                if (bh_xen_disk_format(&p.disks[i], line, sizeof(line)) == 0)
                        bh_api_addf(&b, "disk%u=%s", i, line);
        }
        for (unsigned i = 0; i < p.nnics; i++) {
                char line[PATH_MAX + 64];

                if (bh_xen_nic_format(&p.nics[i], line, sizeof(line)) == 0)
                        bh_api_addf(&b, "nic%u=%s", i, line);
        }
        for (unsigned i = 0; i < p.nnet_keys; i++) {
                char line[64];

                if (bh_xen_net_key_format(&p.net_keys[i], line, sizeof(line)) == 0)
                        bh_api_addf(&b, "netkey%u=%s", i, line);
        }
        api_reply(c, &b);
        bh_api_buf_free(&b);
}

static void do_run(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct dom_rt *r = need_domain(dm, c, req, 2);
        char why[256];
        int e = 0;

        if (!r)
                return;
        if (r->d.klass == BH_CLASS_TEMPLATE)
                return (void)api_error(c, -EOPNOTSUPP, "run: %s is a template", r->d.name);
        if (r->pooled || r->starting)
                return (void)api_error(c, -EBUSY, "run: %s is a preloaded disposable", r->d.name);
        if (!r->live && (e = dom_private_conflict(dm, r, false, why, sizeof(why))) < 0)
                return (void)api_error(c, e, "run %s: %s", r->d.name, why);
        if (!r->live)
                e = dom_start(dm, r);
        else if (r->d.state == BH_STATE_PAUSED)
                e = dom_unpause(dm, r);
        if (e < 0)
                return (void)api_error(c, e, "run: domain %s: %s", r->d.name, strerror(-e));
        reply_run(dm, c, r);
}

static struct dom_rt *default_dvm(struct daemon *dm)
{
        struct dom_rt *found = NULL;

        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->d.klass == BH_CLASS_DISPVM_TEMPLATE) {
                        if (found)
                                return NULL; /* ambiguous */
                        found = r;
                }
        return found;
}

static void do_run_disposable(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct dom_rt *dvm, *r;
        char why[256];
        int e;

        if (req->n > 2 && req->f[2][0]) {
                dvm = need_domain(dm, c, req, 2);
                if (!dvm)
                        return;
                if (dvm->d.klass != BH_CLASS_DISPVM_TEMPLATE)
                        return (void)api_error(c, -EINVAL, "run --disposable: %s is not a dispvm-template",
                                               dvm->d.name);
        } else {
                dvm = default_dvm(dm);
                if (!dvm)
                        return (void)api_error(c, -ENOENT,
                                               "run --disposable: name the disposable template with --template (there is not exactly one)");
        }
        if ((e = dom_private_conflict(dm, dvm, true, why, sizeof(why))) < 0)
                return (void)api_error(c, e, "run --disposable: %s", why);
        e = dom_take_disposable(dm, dvm, &r);
        if (e < 0)
                return (void)api_error(c, e, "run --disposable: %s", strerror(-e));
        r->owner = c->id;
        reply_run(dm, c, r);
}

static void do_list(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct bh_api_buf b;

        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (!r->reaping && (req->n < 3 || strcmp(req->f[2], r->d.name) == 0))
                        add_domain(&b, r);
        if (api_reply(c, &b) < 0)
                api_error(c, -EMSGSIZE, "ls: reply too large");
        bh_api_buf_free(&b);
}

/* A private image that exists (the Xen backend's, once started) grows to
 * the new size now, so that an error comes back to the user rather than
 * at the next start; a missing one is made at that size then. */
static int private_grow(struct daemon *dm, const char *name, unsigned mib, char *err, size_t errlen)
{
        _cleanup_free_ char *img = path_private_image(dm, name);
        struct stat st;
        int e;

        if (!img)
                return -ENOMEM;
        e = bh_xen_volume_grow(img, (unsigned long long)mib << 20);
        if (e == -ENOENT)
                return 0;
        if (e == -ERANGE && stat(img, &st) == 0) {
                snprintf(err, errlen,
                         "private-size: its private volume is already %lld MiB, and a volume grows but never shrinks (its filesystem would be cut)",
                         (long long)(st.st_size >> 20));
                return -EINVAL;
        }
        if (e < 0)
                snprintf(err, errlen, "private-size: growing %s: %s", img, strerror(-e));
        return e;
}

static void do_prefs(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct dom_rt *r = need_domain(dm, c, req, 2);
        struct bh_domain d;
        char err[256], key[32];
        int e;

        if (!r)
                return;
        if (req->n < 5) {
                struct bh_api_buf b;
                bh_api_buf_init(&b);
                bh_api_add(&b, "ok");
                add_domain(&b, r);
                api_reply(c, &b);
                bh_api_buf_free(&b);
                return;
        }
        if (pref_key(req->f[3], key) < 0)
                return (void)api_error(c, -EINVAL, "prefs %s: unknown preference", r->d.name);
        if (refuse_starting(c, "prefs", r) < 0)
                return;
        if (r->live && pref_halted_only(key))
                return (void)api_error(c, -EBUSY, "prefs %s: %s cannot change while it runs",
                                       r->d.name, key);
        d = r->d;
        e = set_pref(dm, &d, key, req->f[4], err, sizeof(err));
        if (e == 0 && strcmp(key, "private-size") == 0)
                e = private_grow(dm, r->d.name, d.private_mib, err, sizeof(err));
        if (e < 0)
                return (void)api_error(c, e, "prefs %s: %s", r->d.name, err);
        {
                char old_netvm[BH_NAME_MAX + 1];

                memcpy(old_netvm, r->d.netvm, sizeof(old_netvm));
                r->d = d;
                e = dom_save(dm, r);
                if (e < 0)
                        return (void)api_error(c, e, "prefs %s: saving: %s", r->d.name, strerror(-e));
                if (strcmp(key, "netvm") == 0 && (e = net_replumb(dm, r, old_netvm)) < 0)
                        return (void)api_error(c, e, "prefs %s: netvm set, but re-plumbing failed: %s (see bulkheadd's log)",
                                               r->d.name, strerror(-e));
        }
        reply_ok(c);
}

static int template_name_ok(struct daemon *dm, struct client *c, const struct bh_api_msg *req);

/* template-host NAME [customize=SCRIPT]: SCRIPT runs on the new root
 * before it becomes current; bulkheadd waits for it (at most
 * BH_TEMPLATE_CUSTOMIZE_TIMEOUT_MS). */
static void do_template_host(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        const char *script = bh_api_get(req, 3, "customize");
        struct bh_domain d;
        char err[512];
        int e;

        bh_domain_init(&d);
        d.klass = BH_CLASS_TEMPLATE;
        d.label = BH_LABEL_BLACK;

        if (template_name_ok(dm, c, req) < 0)
                return;
        e = bh_template_host_build(dm->state_dir, req->f[2], script, err, sizeof(err));
        if (e < 0)
                return (void)api_error(c, e, "template build %s: %s", req->f[2],
                                       err[0] ? err : strerror(-e));
        if (!dom_find(dm, req->f[2])) {
                snprintf(d.name, sizeof(d.name), "%s", req->f[2]);
                snprintf(d.backend, sizeof(d.backend), "%s", dm->backend->name);
                e = dom_create(dm, &d, NULL);
                if (e < 0)
                        return (void)api_error(c, e, "template build %s: %s", d.name, strerror(-e));
        }
        dom_template_prune(dm, req->f[2]);
        reply_ok(c);
}

static int template_name_ok(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        char err[256];
        struct dom_rt *old;
        int e;

        if (req->n < 3)
                return api_error(c, -EINVAL, "%s: missing template name", req->f[1]);
        e = bh_name_check(req->f[2], err, sizeof(err));
        if (e < 0)
                return api_error(c, e, "%s", err);
        old = dom_find(dm, req->f[2]);
        if (old && old->d.klass != BH_CLASS_TEMPLATE)
                return api_error(c, -EEXIST, "'%s' exists and is not a template", req->f[2]);
        return 0;
}

/* A template built outside bulkheadd (templates/NAME/build run by the CLI,
 * with its progress on the user's terminal) goes into a staging directory
 * bulkheadd hands out, and becomes current only on commit. */
static void do_template_stage(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        _cleanup_free_ char *dir = NULL;
        struct bh_api_buf b;
        unsigned version;
        int e;

        if (template_name_ok(dm, c, req) < 0)
                return;
        e = bh_template_version_new(dm->state_dir, req->f[2], &version, &dir);
        if (e < 0)
                return (void)api_error(c, e, "template %s: staging: %s", req->f[2], strerror(-e));
        bh_api_buf_init(&b);
        bh_api_add(&b, "ok");
        bh_api_addf(&b, "dir=%s", dir);
        bh_api_addf(&b, "version=%u", version);
        api_reply(c, &b);
        bh_api_buf_free(&b);
}

static void do_template_commit(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        struct bh_template_conf conf;
        struct bh_domain d;
        unsigned version;
        char err[256];
        int e;

        if (template_name_ok(dm, c, req) < 0)
                return;
        if (req->n < 4 || sscanf(req->f[3], "%u", &version) != 1)
                return (void)api_error(c, -EINVAL, "template-commit: missing version");
        e = bh_template_version_commit(dm->state_dir, req->f[2], version);
        if (e < 0)
                return (void)api_error(c, e, "template %s: commit of version %u: %s", req->f[2],
                                       version, strerror(-e));
        e = bh_template_conf_load(dm->state_dir, req->f[2], &conf, NULL, err, sizeof(err));
        if (e < 0)
                return (void)api_error(c, e, "template %s: %s", req->f[2], err);
        if (!dom_find(dm, req->f[2])) {
                bh_domain_init(&d);
                d.klass = BH_CLASS_TEMPLATE;
                d.label = BH_LABEL_BLACK;
                snprintf(d.name, sizeof(d.name), "%s", req->f[2]);
                snprintf(d.backend, sizeof(d.backend), "%s", dm->backend->name);
                e = dom_create(dm, &d, NULL);
                if (e < 0)
                        return (void)api_error(c, e, "template %s: %s", d.name, strerror(-e));
        }
        dom_template_prune(dm, req->f[2]);
        reply_ok(c);
}

void api_handle(struct daemon *dm, struct client *c, const struct bh_api_msg *req)
{
        static const struct {
                const char *verb;
                void (*fn)(struct daemon *, struct client *, const struct bh_api_msg *);
        } verbs[] = {
                { "create", do_create },
                { "firewall", api_firewall },
                { "clone", do_clone },
                { "list", do_list },
                { "prefs", do_prefs },
                { "run", do_run },
                { "run-disposable", do_run_disposable },
                { "template-host", do_template_host },
                { "template-stage", do_template_stage },
                { "template-commit", do_template_commit },
                { "xl-config", do_xl_config },
                { "console", do_console },
        };
        const char *verb;
        struct dom_rt *r;
        int e;

        if (req->n < 2 || strcmp(req->f[0], BH_API_VERSION) != 0) {
                api_error(c, -EPROTO, "expected '%s VERB ...'", BH_API_VERSION);
                return;
        }
        verb = req->f[1];
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (strcmp(verb, verbs[i].verb) == 0)
                        return verbs[i].fn(dm, c, req);
        if (strcmp(verb, "events") == 0) {
                c->events = true;
                return reply_ok(c);
        }
        if (strcmp(verb, "remove") && strcmp(verb, "start") && strcmp(verb, "shutdown") &&
            strcmp(verb, "kill") && strcmp(verb, "pause") && strcmp(verb, "unpause")) {
                api_error(c, -EINVAL, "unknown verb '%s'", verb);
                return;
        }
        r = need_domain(dm, c, req, 2);
        if (!r || refuse_starting(c, verb, r) < 0)
                return;
        if (strcmp(verb, "remove") == 0) {
                e = dom_remove(dm, r);
                if (e == -EBUSY)
                        return (void)api_error(c, e, "remove %s: it is running or other domains use it",
                                               req->f[2]);
                if (e == 0)
                        api_event(dm, "removed", req->f[2]);
        } else if (strcmp(verb, "start") == 0) {
                char why[256];

                if (!r->live && (e = dom_private_conflict(dm, r, false, why, sizeof(why))) < 0)
                        return (void)api_error(c, e, "start %s: %s", req->f[2], why);
                e = dom_start(dm, r);
        } else if (strcmp(verb, "shutdown") == 0) {
                e = dom_shutdown(dm, r);
        } else if (strcmp(verb, "kill") == 0) {
                e = dom_kill(dm, r);
        } else if (strcmp(verb, "pause") == 0) {
                e = dom_pause(dm, r);
        } else {
                e = dom_unpause(dm, r);
        }
        if (e == -ENOTCONN)
                return (void)api_error(c, e, "%s %s: it is not running", verb, req->f[2]);
        if (e == -EALREADY)
                return (void)api_error(c, e, "%s %s: it is already running", verb, req->f[2]);
        if (e < 0)
                return (void)api_error(c, e, "%s %s: %s", verb, req->f[2], strerror(-e));
        reply_ok(c);
}

void api_client_gone(struct daemon *dm, struct client *c)
{
        struct dom_rt *r, *next;
        uint64_t id = c->id; /* a destroy ended at once may free c */

        c->gone = true;
        c->events = false;
        /* A disposable lives for its client's task: the client exiting, for
         * any reason, ends it. */
        for (r = dm->doms; r; r = next) {
                next = r->next;
                if (r->owner == id && r->live) {
                        r->stopping = true;
                        dom_reap(dm, r);
                }
        }
        api_client_release(dm, id);
}

void api_client_release(struct daemon *dm, uint64_t id)
{
        struct client **p, *c;

        for (struct dom_rt *r = dm->doms; r; r = r->next)
                if (r->owner == id && r->reaping)
                        return;
        for (p = &dm->clients; (c = *p); p = &c->next)
                if (c->id == id) {
                        if (!c->gone)
                                return;
                        *p = c->next;
                        close(c->fd);
                        free(c);
                        return;
                }
}
