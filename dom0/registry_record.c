/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain record as text: checks, parsing and formatting.  No I/O. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvfile.h"
#include "net_addr.h"
#include "registry.h"
#include "util.h"

/* The keys of version 1, in the order they are written. */
enum field {
        F_VERSION,
        F_NAME,
        F_CLASS,
        F_LABEL,
        F_TEMPLATE,
        F_NETVM,
        F_MEMORY,
        F_VCPUS,
        F_BACKEND,
        F_PRELOAD,
        F_CREATED,
        F_STATE,
        F_STARTED,
        F_PID,
        F_PID_STARTTIME,
        F_DOMID,
        F_TAGS,           /* optional: records from before it have none */
        F_DEFAULT_DISPVM, /* optional, likewise */
        F_ALLOW_FULLSCREEN, /* optional, likewise; 0 when absent */
        /* Network (optional, likewise: none, no, empty when absent). */
        F_IP,
        F_PROVIDES_NETWORK,
        F_UPLINK,
        F_UPLINK_ADDRESS,
        F_UPLINK_GATEWAY,
        F_UPLINK_DNS,
        F_ANON,
        F_PRIVATE_MIB, /* optional: BH_DEFAULT_PRIVATE_MIB when absent */
        F_VIRT_MODE,   /* optional: pvh when absent */
        F_COUNT,
        F_FIRST_OPTIONAL = F_TAGS,
        F_NONE = -1,
};

static const char *const field_keys[F_COUNT] = {
        [F_VERSION] = "version",
        [F_NAME] = "name",
        [F_CLASS] = "class",
        [F_LABEL] = "label",
        [F_TEMPLATE] = "template",
        [F_NETVM] = "netvm",
        [F_MEMORY] = "memory_mib",
        [F_VCPUS] = "vcpus",
        [F_BACKEND] = "backend",
        [F_PRELOAD] = "preload",
        [F_CREATED] = "created",
        [F_STATE] = "state",
        [F_STARTED] = "started",
        [F_PID] = "pid",
        [F_PID_STARTTIME] = "pid_starttime",
        [F_DOMID] = "domid",
        [F_TAGS] = "tags",
        [F_DEFAULT_DISPVM] = "default_dispvm",
        [F_ALLOW_FULLSCREEN] = "allow_fullscreen",
        [F_IP] = "ip",
        [F_PROVIDES_NETWORK] = "provides_network",
        [F_UPLINK] = "uplink",
        [F_UPLINK_ADDRESS] = "uplink_address",
        [F_UPLINK_GATEWAY] = "uplink_gateway",
        [F_UPLINK_DNS] = "uplink_dns",
        [F_ANON] = "anon",
        [F_PRIVATE_MIB] = "private_mib",
        [F_VIRT_MODE] = "virt_mode",
};

int bh_uplink_check(const char *uplink, char *why, size_t whylen)
{
        const char *ns;

        if (strlen(uplink) > BH_UPLINK_MAX) {
                snprintf(why, whylen, "uplink: longer than %d bytes", BH_UPLINK_MAX);
                return -EINVAL;
        }
        if (!uplink[0] || strcmp(uplink, "host") == 0)
                return 0;
        if (strncmp(uplink, "netns:", 6) != 0) {
                snprintf(why, whylen, "uplink '%s': expected host or netns:NAME", uplink);
                return -EINVAL;
        }
        ns = uplink + 6;
        /* A file name in /run/netns: no slash, no leading dot. */
        if (!ns[0] || ns[0] == '.' || strlen(ns) > BH_NAME_MAX) {
                snprintf(why, whylen, "uplink '%s': NAME is 1..%d characters, not starting with '.'",
                         uplink, BH_NAME_MAX);
                return -EINVAL;
        }
        for (const char *p = ns; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.')) {
                        snprintf(why, whylen, "uplink '%s': NAME is [A-Za-z0-9_.-]", uplink);
                        return -EINVAL;
                }
        return 0;
}

/* Checks a tags list: comma-separated names, at most BH_TAGS_COUNT_MAX. */
int bh_tags_check(const char *tags, char *why, size_t whylen)
{
        char one[BH_NAME_MAX + 1];
        size_t count = 0;

        for (const char *p = tags; *p;) {
                size_t n = strcspn(p, ",");

                if (n == 0 || n > BH_NAME_MAX) {
                        snprintf(why, whylen, "tags: each tag is 1..%d characters", BH_NAME_MAX);
                        return -EINVAL;
                }
                memcpy(one, p, n);
                one[n] = '\0';
                if (bh_name_check(one, why, whylen) < 0)
                        return -EINVAL;
                if (++count > BH_TAGS_COUNT_MAX) {
                        snprintf(why, whylen, "tags: at most %d", BH_TAGS_COUNT_MAX);
                        return -EINVAL;
                }
                p += n;
                if (*p == ',' && !*++p) {
                        snprintf(why, whylen, "tags: a trailing comma");
                        return -EINVAL;
                }
        }
        return 0;
}

static const char *const backends[] = { "container", "xen" };

void bh_domain_init(struct bh_domain *d)
{
        *d = (struct bh_domain){
                .label = BH_LABEL_RED,
                .memory_mib = BH_DEFAULT_MEMORY_MIB,
                .private_mib = BH_DEFAULT_PRIVATE_MIB,
                .vcpus = BH_DEFAULT_VCPUS,
                .state = BH_STATE_HALTED,
                .domid = -1,
        };
        snprintf(d->backend, sizeof(d->backend), "%s", BH_DEFAULT_BACKEND);
}

void bh_domain_set_halted(struct bh_domain *d)
{
        d->state = BH_STATE_HALTED;
        d->started = 0;
        d->pid = 0;
        d->pid_starttime = 0;
        d->domid = -1;
}

static int fail(char *err, size_t errlen, int *bad, enum field f, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, int *bad, enum field f, const char *fmt, ...)
{
        va_list ap;

        if (bad)
                *bad = f;
        if (err && errlen > 0) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static bool str_terminated(const char *s, size_t size)
{
        return memchr(s, '\0', size) != NULL;
}

/* *bad names the field to blame, so the parser can point at its line. */
static int validate(const struct bh_domain *d, int *bad, char *err, size_t errlen)
{
        char why[128];
        bool known_backend = false;

        if (!str_terminated(d->name, sizeof(d->name)) ||
            !str_terminated(d->template_name, sizeof(d->template_name)) ||
            !str_terminated(d->netvm, sizeof(d->netvm)) ||
            !str_terminated(d->tags, sizeof(d->tags)) ||
            !str_terminated(d->default_dispvm, sizeof(d->default_dispvm)) ||
            !str_terminated(d->uplink, sizeof(d->uplink)) ||
            !str_terminated(d->backend, sizeof(d->backend)))
                return fail(err, errlen, bad, F_NONE, "a string field is not terminated");
        if (bh_name_check(d->name, why, sizeof(why)) < 0)
                return fail(err, errlen, bad, F_NAME, "name: %s", why);
        if (!bh_class_to_string(d->klass))
                return fail(err, errlen, bad, F_CLASS, "class %d unknown", (int)d->klass);
        if (!bh_label_to_string(d->label))
                return fail(err, errlen, bad, F_LABEL, "label %d unknown", (int)d->label);
        if (!bh_state_to_string(d->state))
                return fail(err, errlen, bad, F_STATE, "state %d unknown", (int)d->state);

        if (d->klass == BH_CLASS_TEMPLATE) {
                if (d->template_name[0])
                        return fail(err, errlen, bad, F_TEMPLATE,
                                    "template= must be empty for a domain of class template");
        } else {
                if (!d->template_name[0])
                        return fail(err, errlen, bad, F_TEMPLATE,
                                    "template= must name a domain for class %s",
                                    bh_class_to_string(d->klass));
                if (bh_name_check(d->template_name, why, sizeof(why)) < 0)
                        return fail(err, errlen, bad, F_TEMPLATE, "template: %s", why);
                if (strcmp(d->template_name, d->name) == 0)
                        return fail(err, errlen, bad, F_TEMPLATE,
                                    "template= names the domain itself");
        }
        if (d->netvm[0]) {
                if (bh_name_check(d->netvm, why, sizeof(why)) < 0)
                        return fail(err, errlen, bad, F_NETVM, "netvm: %s", why);
                if (strcmp(d->netvm, d->name) == 0)
                        return fail(err, errlen, bad, F_NETVM, "netvm= names the domain itself");
        }

        if (d->ip && !bh_net_pool_contains(d->ip))
                return fail(err, errlen, bad, F_IP, "ip= is outside the pool 10.137.0.0/16");
        if (!bh_netmode_to_string(d->provides_network))
                return fail(err, errlen, bad, F_PROVIDES_NETWORK, "provides_network %d unknown",
                            (int)d->provides_network);
        if (bh_uplink_check(d->uplink, why, sizeof(why)) < 0)
                return fail(err, errlen, bad, F_UPLINK, "%s", why);
        if (d->uplink[0] && d->provides_network == BH_NETMODE_NONE)
                return fail(err, errlen, bad, F_UPLINK,
                            "uplink= needs provides_network=yes or tor");
        if (d->uplink[0] && d->netvm[0])
                return fail(err, errlen, bad, F_UPLINK,
                            "uplink= and netvm= exclude each other: a domain has one way out");
        if (d->uplink_prefix > 32 || (d->uplink_addr && d->uplink_prefix == 0))
                return fail(err, errlen, bad, F_UPLINK_ADDRESS, "uplink_address: prefix 1..32");
        if (d->anon && d->provides_network != BH_NETMODE_NONE)
                return fail(err, errlen, bad, F_ANON,
                            "anon=1 is for workstations; a network domain cannot be one");

        if (bh_tags_check(d->tags, why, sizeof(why)) < 0)
                return fail(err, errlen, bad, F_TAGS, "%s", why);
        if (d->default_dispvm[0] && bh_name_check(d->default_dispvm, why, sizeof(why)) < 0)
                return fail(err, errlen, bad, F_DEFAULT_DISPVM, "default_dispvm: %s", why);

        if (d->memory_mib < BH_MEMORY_MIN_MIB || d->memory_mib > BH_MEMORY_MAX_MIB)
                return fail(err, errlen, bad, F_MEMORY, "memory_mib=%u out of range (%u..%u)",
                            d->memory_mib, BH_MEMORY_MIN_MIB, BH_MEMORY_MAX_MIB);
        if (d->private_mib < BH_PRIVATE_MIN_MIB || d->private_mib > BH_PRIVATE_MAX_MIB)
                return fail(err, errlen, bad, F_PRIVATE_MIB, "private_mib=%u out of range (%u..%u)",
                            d->private_mib, BH_PRIVATE_MIN_MIB, BH_PRIVATE_MAX_MIB);
        if (d->vcpus < 1 || d->vcpus > BH_VCPUS_MAX)
                return fail(err, errlen, bad, F_VCPUS, "vcpus=%u out of range (1..%d)", d->vcpus,
                            BH_VCPUS_MAX);
        for (size_t i = 0; i < ELEMENTSOF(backends); i++)
                if (strcmp(d->backend, backends[i]) == 0)
                        known_backend = true;
        if (!known_backend)
                return fail(err, errlen, bad, F_BACKEND,
                            "backend must be 'container' or 'xen'");
        if (d->preload > BH_PRELOAD_MAX)
                return fail(err, errlen, bad, F_PRELOAD, "preload=%u out of range (0..%d)",
                            d->preload, BH_PRELOAD_MAX);
        if (d->preload > 0 && d->klass != BH_CLASS_DISPVM_TEMPLATE)
                return fail(err, errlen, bad, F_PRELOAD,
                            "preload= is only for class dispvm-template");
        if (d->created < 0 || d->created > BH_TIME_MAX)
                return fail(err, errlen, bad, F_CREATED, "created=%" PRId64 " out of range",
                            d->created);
        if (d->started < 0 || d->started > BH_TIME_MAX)
                return fail(err, errlen, bad, F_STARTED, "started=%" PRId64 " out of range",
                            d->started);
        if (d->pid < 0 || d->pid > BH_PID_MAX)
                return fail(err, errlen, bad, F_PID, "pid=%d out of range (0..%d)", (int)d->pid,
                            BH_PID_MAX);
        if (d->domid < -1 || d->domid > BH_DOMID_MAX)
                return fail(err, errlen, bad, F_DOMID, "domid=%d out of range (-1..%d)", d->domid,
                            BH_DOMID_MAX);
        /* A halted record with a pid would send a restarted bulkheadd
         * looking for a process that is not ours any more. */
        if (d->state == BH_STATE_HALTED) {
                if (d->pid != 0)
                        return fail(err, errlen, bad, F_PID, "a halted domain has pid=0");
                if (d->pid_starttime != 0)
                        return fail(err, errlen, bad, F_PID_STARTTIME,
                                    "a halted domain has pid_starttime=0");
                if (d->started != 0)
                        return fail(err, errlen, bad, F_STARTED, "a halted domain has started=0");
                if (d->domid != -1)
                        return fail(err, errlen, bad, F_DOMID, "a halted domain has domid=-1");
        }
        return 0;
}

int bh_domain_validate(const struct bh_domain *d, char *err, size_t errlen)
{
        return validate(d, NULL, err, errlen);
}

/* Strict decimal: digits only, no sign, no leading zero, no overflow. */
static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (!*s || (s[0] == '0' && s[1]))
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *s - '0', &v))
                        return -ERANGE;
        }
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int bh_size_mib_parse(const char *s, uint64_t *ret_mib)
{
        static const struct {
                const char *unit;
                unsigned shift; /* to MiB */
        } units[] = { { "", 0 }, { "M", 0 }, { "MiB", 0 }, { "G", 10 }, { "GiB", 10 }, { "T", 20 }, { "TiB", 20 } };
        char digits[24];
        size_t n = strspn(s, "0123456789");
        uint64_t v;
        int r;

        if (n == 0 || n >= sizeof(digits))
                return n == 0 ? -EINVAL : -ERANGE;
        memcpy(digits, s, n);
        digits[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                if (strcmp(s + n, units[i].unit) != 0)
                        continue;
                if ((r = parse_u64(digits, UINT64_MAX, &v)) < 0)
                        return r;
                if (v > UINT64_MAX >> units[i].shift)
                        return -ERANGE;
                *ret_mib = v << units[i].shift;
                return 0;
        }
        return -EINVAL;
}

static int set_name(char *dst, size_t size, const char *value)
{
        if (strlen(value) >= size)
                return -ENAMETOOLONG;
        memcpy(dst, value, strlen(value) + 1);
        return 0;
}

static int number_error(char *err, size_t errlen, struct bh_kv_reader *kv, const char *key,
                        const char *value, int r)
{
        if (r == -ERANGE)
                return bh_kv_error(err, errlen, kv->filename, kv->line, "%s=%s out of range", key,
                                   value);
        return bh_kv_error(err, errlen, kv->filename, kv->line,
                           "%s=%s is not a decimal number", key, value);
}

int bh_domain_parse(const char *untrusted_text, size_t len, const char *filename,
                    struct bh_domain *ret, char *err, size_t errlen)
{
        struct bh_kv_reader kv;
        struct bh_domain d = { .domid = -1, .private_mib = BH_DEFAULT_PRIVATE_MIB };
        unsigned seen[F_COUNT] = { 0 };
        char key[BH_KV_KEY_MAX + 1], value[BH_REGISTRY_MAX_LINE + 1];
        int bad = F_NONE;
        int r;

        if (!filename)
                filename = "(record)";
        r = bh_kv_init(&kv, untrusted_text, len, filename, BH_REGISTRY_MAX_FILE,
                       BH_REGISTRY_MAX_LINE, err, errlen);
        if (r < 0)
                return r;

        while ((r = bh_kv_next(&kv, key, value, sizeof(value), err, errlen)) > 0) {
                int f = F_NONE;
                uint64_t u;

                for (int i = 0; i < F_COUNT; i++)
                        if (strcmp(key, field_keys[i]) == 0)
                                f = i;
                if (!seen[F_VERSION] && f != F_VERSION)
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "expected version=%d before any other key",
                                           BH_REGISTRY_VERSION);
                if (f == F_NONE)
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "unknown key '%s' (this bulkhead reads version %d)",
                                           key, BH_REGISTRY_VERSION);
                if (seen[f])
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "duplicate key '%s' (first on line %u)", key, seen[f]);
                seen[f] = kv.line;

                switch (f) {
                case F_VERSION:
                        r = parse_u64(value, UINT32_MAX, &u);
                        if (r < 0)
                                return number_error(err, errlen, &kv, key, value, r);
                        if (u != BH_REGISTRY_VERSION)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "version %" PRIu64 " %s; this bulkhead reads version %d",
                                                   u, u > BH_REGISTRY_VERSION ? "is newer" : "is unknown",
                                                   BH_REGISTRY_VERSION);
                        break;
                case F_ALLOW_FULLSCREEN:
                case F_ANON:
                        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "%s must be 0 or 1", key);
                        *(f == F_ANON ? &d.anon : &d.allow_fullscreen) = value[0] == '1';
                        break;
                case F_IP:
                case F_UPLINK_GATEWAY:
                case F_UPLINK_DNS: {
                        uint32_t *dst = f == F_IP ? &d.ip : f == F_UPLINK_GATEWAY ? &d.uplink_gw
                                                                                  : &d.uplink_dns;
                        if (value[0] && bh_ip_parse(value, dst) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "%s=%s is not an IPv4 address (A.B.C.D)", key, value);
                        break;
                }
                case F_UPLINK_ADDRESS:
                        if (value[0] && bh_cidr_parse(value, &d.uplink_addr, &d.uplink_prefix) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "uplink_address=%s: expected A.B.C.D/N", value);
                        break;
                case F_PROVIDES_NETWORK:
                        if (bh_netmode_from_string(value, &d.provides_network) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "provides_network '%s' unknown (no, yes, tor)", value);
                        break;
                case F_UPLINK:
                        if (set_name(d.uplink, sizeof(d.uplink), value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "uplink= is longer than %d bytes", BH_UPLINK_MAX);
                        break;
                case F_VIRT_MODE:
                        if (bh_virt_mode_from_string(value, &d.virt_mode) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "virt_mode '%s' unknown (pvh, pv)", value);
                        break;
                case F_TAGS:
                        if (set_name(d.tags, sizeof(d.tags), value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "tags= is longer than %d bytes", BH_TAGS_MAX);
                        break;
                case F_NAME:
                case F_TEMPLATE:
                case F_NETVM:
                case F_DEFAULT_DISPVM: {
                        char *dst = f == F_NAME ? d.name : f == F_TEMPLATE ? d.template_name
                                  : f == F_NETVM ? d.netvm : d.default_dispvm;

                        /* Only length here; validate() checks the characters. */
                        if (set_name(dst, BH_NAME_MAX + 1, value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "%s= is longer than %d bytes", key, BH_NAME_MAX);
                        break;
                }
                case F_BACKEND:
                        if (set_name(d.backend, sizeof(d.backend), value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "backend must be 'container' or 'xen'");
                        break;
                case F_CLASS:
                        if (bh_class_from_string(value, &d.klass) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "class '%s' unknown (template, app, dispvm-template, disposable)",
                                                   value);
                        break;
                case F_LABEL:
                        if (bh_label_from_string(value, &d.label) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "label '%s' unknown (red, orange, yellow, green, gray, blue, purple, black)",
                                                   value);
                        break;
                case F_STATE:
                        if (bh_state_from_string(value, &d.state) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "state '%s' unknown (halted, running, paused)",
                                                   value);
                        break;
                case F_MEMORY:
                case F_PRIVATE_MIB:
                case F_VCPUS:
                case F_PRELOAD:
                        r = parse_u64(value, UINT_MAX, &u);
                        if (r < 0)
                                return number_error(err, errlen, &kv, key, value, r);
                        *(f == F_MEMORY ? &d.memory_mib : f == F_PRIVATE_MIB ? &d.private_mib
                                          : f == F_VCPUS ? &d.vcpus : &d.preload) = (unsigned)u;
                        break;
                case F_CREATED:
                case F_STARTED:
                        r = parse_u64(value, INT64_MAX, &u);
                        if (r < 0)
                                return number_error(err, errlen, &kv, key, value, r);
                        *(f == F_CREATED ? &d.created : &d.started) = (int64_t)u;
                        break;
                case F_PID:
                        r = parse_u64(value, INT_MAX, &u);
                        if (r < 0)
                                return number_error(err, errlen, &kv, key, value, r);
                        d.pid = (pid_t)u;
                        break;
                case F_PID_STARTTIME:
                        r = parse_u64(value, UINT64_MAX, &u);
                        if (r < 0)
                                return number_error(err, errlen, &kv, key, value, r);
                        d.pid_starttime = u;
                        break;
                case F_DOMID:
                        if (strcmp(value, "-1") == 0) {
                                d.domid = -1;
                                break;
                        }
                        r = parse_u64(value, INT_MAX, &u);
                        if (r < 0)
                                return number_error(err, errlen, &kv, key, value, r);
                        d.domid = (int)u;
                        break;
                }
        }
        if (r < 0)
                return r;

        for (int i = 0; i < F_COUNT; i++)
                if (!seen[i] && i < F_FIRST_OPTIONAL)
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "missing key '%s' (truncated file?)", field_keys[i]);

        {
                char why[BH_REGISTRY_ERR_MAX / 2];

                if (validate(&d, &bad, why, sizeof(why)) < 0)
                        return bh_kv_error(err, errlen, filename,
                                           bad == F_NONE ? 0 : seen[bad], "%s", why);
        }
        *ret = d;
        return 0;
}

int bh_domain_format(const struct bh_domain *d, char *buf, size_t size, size_t *ret_len,
                     char *err, size_t errlen)
{
        char ip[BH_IP_STR_MAX], gw[BH_IP_STR_MAX], dns[BH_IP_STR_MAX];
        char uplink_address[BH_IP_STR_MAX + 4] = "";
        int r, n;

        r = validate(d, NULL, err, errlen);
        if (r < 0)
                return r;
        if (d->uplink_addr)
                snprintf(uplink_address, sizeof(uplink_address), "%s/%u",
                         bh_ip_format(d->uplink_addr, ip), d->uplink_prefix);
        n = snprintf(buf, size,
                     "# bulkhead domain record (docs/registry.md); bulkheadd rewrites it\n"
                     "version=%d\n"
                     "name=%s\n"
                     "class=%s\n"
                     "label=%s\n"
                     "template=%s\n"
                     "netvm=%s\n"
                     /* Optional keys sit among the required ones, so a
                      * truncated file always lacks a required key. */
                     "tags=%s\n"
                     "default_dispvm=%s\n"
                     "allow_fullscreen=%d\n"
                     "ip=%s\n"
                     "provides_network=%s\n"
                     "uplink=%s\n"
                     "uplink_address=%s\n"
                     "uplink_gateway=%s\n"
                     "uplink_dns=%s\n"
                     "anon=%d\n"
                     "memory_mib=%u\n"
                     "private_mib=%u\n"
                     "virt_mode=%s\n"
                     "vcpus=%u\n"
                     "backend=%s\n"
                     "preload=%u\n"
                     "created=%" PRId64 "\n"
                     "state=%s\n"
                     "started=%" PRId64 "\n"
                     "pid=%d\n"
                     "pid_starttime=%" PRIu64 "\n"
                     "domid=%d\n",
                     BH_REGISTRY_VERSION, d->name, bh_class_to_string(d->klass),
                     bh_label_to_string(d->label), d->template_name, d->netvm, d->tags,
                     d->default_dispvm, d->allow_fullscreen ? 1 : 0,
                     d->ip ? bh_ip_format(d->ip, ip) : "", bh_netmode_to_string(d->provides_network),
                     d->uplink, uplink_address, d->uplink_gw ? bh_ip_format(d->uplink_gw, gw) : "",
                     d->uplink_dns ? bh_ip_format(d->uplink_dns, dns) : "", d->anon ? 1 : 0,
                     d->memory_mib, d->private_mib, bh_virt_mode_to_string(d->virt_mode),
                     d->vcpus, d->backend, d->preload, d->created, bh_state_to_string(d->state),
                     d->started, (int)d->pid, d->pid_starttime, d->domid);
        if (n < 0)
                return -EINVAL;
        if ((size_t)n >= size) {
                if (err && errlen)
                        snprintf(err, errlen, "record needs %d bytes, buffer has %zu", n + 1, size);
                return -ENOSPC;
        }
        *ret_len = (size_t)n;
        return 0;
}
