/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of domains the policy looks at: from a domains file (offline
 * use, tests) or from bulkheadd's records.  No sockets here: the caller
 * fetches the records; bh_policy_domains_load only reads the one file.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"
#include "util.h"

/* One line of a domains file or a record: names, a few keys, 16 tags. */
#define DOMAINS_LINE_MAX 1024
/* A domains file: 4096 domains of about 100 bytes. */
#define DOMAINS_FILE_MAX (1024 * 1024)

static void __attribute__((format(printf, 5, 6)))
set_err(char *err, size_t errlen, const char *file, unsigned line, const char *fmt, ...)
{
        char reason[256];
        va_list ap;

        if (!err || !errlen)
                return;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        if (line)
                snprintf(err, errlen, "%s:%u: %s", file, line, reason);
        else
                snprintf(err, errlen, "%s: %s", file, reason);
}

const char *bh_policy_dom_type_name(enum bh_policy_dom_type type)
{
        switch (type) {
        case BH_DOMTYPE_ADMINVM:
                return "AdminVM";
        case BH_DOMTYPE_TEMPLATEVM:
                return "TemplateVM";
        case BH_DOMTYPE_APPVM:
                return "AppVM";
        case BH_DOMTYPE_DISPVM:
                return "DispVM";
        }
        return "?";
}

int bh_policy_domains_init(struct bh_policy_domains *t)
{
        t->d = calloc(1, sizeof(*t->d));
        t->n = 0;
        if (!t->d)
                return -ENOMEM;
        snprintf(t->d[0].name, sizeof(t->d[0].name), "dom0");
        t->d[0].type = BH_DOMTYPE_ADMINVM;
        t->d[0].running = true;
        t->n = 1;
        return 0;
}

void bh_policy_domains_free(struct bh_policy_domains *t)
{
        free(t->d);
        t->d = NULL;
        t->n = 0;
}

const struct bh_policy_domain *bh_policy_domains_find(const struct bh_policy_domains *t,
                                                      const char *name)
{
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->d[i].name, name) == 0)
                        return &t->d[i];
        return NULL;
}

static struct bh_policy_domain *add(struct bh_policy_domains *t, const char *name)
{
        struct bh_policy_domain *nd;

        if (t->n >= BH_POLICY_DOMAINS_MAX)
                return NULL;
        nd = realloc(t->d, (t->n + 1) * sizeof(*nd));
        if (!nd)
                return NULL;
        t->d = nd;
        memset(&nd[t->n], 0, sizeof(nd[t->n]));
        snprintf(nd[t->n].name, sizeof(nd[t->n].name), "%s", name);
        nd[t->n].type = BH_DOMTYPE_APPVM;
        return &nd[t->n++];
}

/* tags: comma-separated tags, each checked; "" is no tags. */
static int check_tags(const char *v, char *out, size_t size)
{
        char copy[BH_POLICY_TAGS_BYTES];
        char *save = NULL;

        if (strlen(v) >= size || strlen(v) >= sizeof(copy))
                return -EINVAL;
        snprintf(copy, sizeof(copy), "%s", v);
        if (*v && (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,")))
                return -EINVAL;
        for (char *tag = strtok_r(copy, ",", &save); tag; tag = strtok_r(NULL, ",", &save))
                if (!bh_policy_tag_valid(tag))
                        return -EINVAL;
        snprintf(out, size, "%s", v);
        return 0;
}

static int set_class(struct bh_policy_domain *d, const char *v)
{
        if (strcmp(v, "template") == 0)
                d->type = BH_DOMTYPE_TEMPLATEVM;
        else if (strcmp(v, "app") == 0)
                d->type = BH_DOMTYPE_APPVM;
        else if (strcmp(v, "dispvm-template") == 0) {
                d->type = BH_DOMTYPE_APPVM;
                d->dispvm_template = true;
        } else if (strcmp(v, "disposable") == 0)
                d->type = BH_DOMTYPE_DISPVM;
        else
                return -EINVAL;
        return 0;
}

static int set_type(struct bh_policy_domain *d, const char *v)
{
        if (strcmp(v, "TemplateVM") == 0)
                d->type = BH_DOMTYPE_TEMPLATEVM;
        else if (strcmp(v, "AppVM") == 0)
                d->type = BH_DOMTYPE_APPVM;
        else if (strcmp(v, "DispVM") == 0)
                d->type = BH_DOMTYPE_DISPVM;
        else
                return -EINVAL;
        return 0;
}

static int set_state(struct bh_policy_domain *d, const char *v)
{
        if (strcmp(v, "running") == 0)
                d->running = true;
        else if (strcmp(v, "halted") == 0 || strcmp(v, "paused") == 0)
                d->running = false;
        else
                return -EINVAL;
        return 0;
}

static int set_yesno(bool *b, const char *v)
{
        if (strcmp(v, "yes") == 0)
                *b = true;
        else if (strcmp(v, "no") == 0)
                *b = false;
        else
                return -EINVAL;
        return 0;
}

/* One "key=value" of a domains file line or a record; unknown keys are
 * refused in a domains file (typos) and ignored in records (new fields). */
static int set_key(struct bh_policy_domain *d, const char *key, const char *v, bool from_record,
                   const char **why)
{
        int r = 0;

        if (strcmp(key, "class") == 0) {
                r = set_class(d, v);
                *why = "class must be template, app, dispvm-template or disposable";
        } else if (strcmp(key, "type") == 0 && !from_record) {
                r = set_type(d, v);
                *why = "type must be TemplateVM, AppVM or DispVM (dom0 is always there)";
        } else if (strcmp(key, "template_for_dispvms") == 0 && !from_record) {
                r = set_yesno(&d->dispvm_template, v);
                *why = "template_for_dispvms must be yes or no";
        } else if (strcmp(key, "state") == 0) {
                r = set_state(d, v);
                *why = "state must be running, halted or paused";
        } else if (strcmp(key, "tags") == 0) {
                r = check_tags(v, d->tags, sizeof(d->tags));
                *why = "tags must be comma-separated tags of letters, digits, '_', '-'";
        } else if (strcmp(key, "default_dispvm") == 0) {
                r = *v && !bh_policy_name_valid(v) ? -EINVAL : 0;
                if (r == 0)
                        snprintf(d->default_dispvm, sizeof(d->default_dispvm), "%s", v);
                *why = "default_dispvm must be a domain name or empty";
        } else if (!from_record) {
                r = -EINVAL;
                *why = "unknown key";
        }
        return r;
}

int bh_policy_domains_parse(struct bh_policy_domains *t, const char *untrusted_text, size_t len,
                            const char *filename, char *err, size_t errlen)
{
        size_t pos = 0;
        unsigned lineno = 0;

        if (len > DOMAINS_FILE_MAX) {
                set_err(err, errlen, filename, 0, "larger than 1 MiB");
                return -EFBIG;
        }
        while (pos < len) {
                char line[DOMAINS_LINE_MAX + 1], *save = NULL, *name;
                const char *nl = memchr(untrusted_text + pos, '\n', len - pos);
                size_t ll = nl ? (size_t)(nl - (untrusted_text + pos)) : len - pos;
                struct bh_policy_domain d = { 0 }, *slot;
                bool is_dom0;

                lineno++;
                if (ll > DOMAINS_LINE_MAX) {
                        set_err(err, errlen, filename, lineno, "line too long");
                        return -EINVAL;
                }
                memcpy(line, untrusted_text + pos, ll);
                line[ll] = '\0';
                pos += ll + 1;
                for (size_t i = 0; i < ll; i++)
                        if ((unsigned char)line[i] < 0x20 && line[i] != '\t') {
                                set_err(err, errlen, filename, lineno, "control character");
                                return -EINVAL;
                        }
                name = strtok_r(line, " \t", &save);
                if (!name || name[0] == '#')
                        continue;
                is_dom0 = strcmp(name, "dom0") == 0;
                if (!is_dom0 && !bh_policy_name_valid(name)) {
                        set_err(err, errlen, filename, lineno, "'%s' is not a valid domain name",
                                name);
                        return -EINVAL;
                }
                if (!is_dom0 && bh_policy_domains_find(t, name)) {
                        set_err(err, errlen, filename, lineno, "domain '%s' listed twice", name);
                        return -EINVAL;
                }
                snprintf(d.name, sizeof(d.name), "%s", name);
                d.type = BH_DOMTYPE_APPVM;
                for (char *kv = strtok_r(NULL, " \t", &save); kv; kv = strtok_r(NULL, " \t", &save)) {
                        char *eq = strchr(kv, '=');
                        const char *why = "expected key=value";
                        if (!eq) {
                                set_err(err, errlen, filename, lineno, "'%s': expected key=value", kv);
                                return -EINVAL;
                        }
                        *eq = '\0';
                        /* dom0 is always AdminVM; only its default_dispvm is set here. */
                        if (is_dom0 && strcmp(kv, "default_dispvm") != 0) {
                                set_err(err, errlen, filename, lineno,
                                        "dom0 takes only default_dispvm=, not %s=", kv);
                                return -EINVAL;
                        }
                        if (set_key(&d, kv, eq + 1, false, &why) < 0) {
                                set_err(err, errlen, filename, lineno, "%s", why);
                                return -EINVAL;
                        }
                }
                if (is_dom0) {
                        memcpy(t->d[0].default_dispvm, d.default_dispvm, sizeof(d.default_dispvm));
                        continue;
                }
                slot = add(t, name);
                if (!slot) {
                        set_err(err, errlen, filename, lineno, "too many domains");
                        return -E2BIG;
                }
                *slot = d;
        }
        return 0;
}

int bh_policy_domains_load(struct bh_policy_domains *t, const char *path, char *err,
                           size_t errlen)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0 || fstat(fd, &st) < 0) {
                int r = -errno;
                set_err(err, errlen, path, 0, "%s", strerror(-r));
                return r;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > DOMAINS_FILE_MAX) {
                set_err(err, errlen, path, 0, "not a regular file of at most 1 MiB");
                return -EINVAL;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        n = read(fd, buf, (size_t)st.st_size);
        if (n < 0) {
                int r = -errno;
                set_err(err, errlen, path, 0, "%s", strerror(-r));
                return r;
        }
        return bh_policy_domains_parse(t, buf, (size_t)n, path, err, errlen);
}

static char *trim(char *s)
{
        size_t n;

        while (*s == ' ' || *s == '\t')
                s++;
        n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
                s[--n] = '\0';
        return s;
}

int bh_policy_domains_add_record(struct bh_policy_domains *t, const char *untrusted_record,
                                 char *err, size_t errlen)
{
        struct bh_policy_domain d = { 0 }, *slot;
        const char *p = untrusted_record;
        bool have_class = false;

        d.type = BH_DOMTYPE_APPVM;
        while (*p) {
                char line[DOMAINS_LINE_MAX + 1], *key, *v, *eq;
                const char *nl = strchr(p, '\n');
                size_t ll = nl ? (size_t)(nl - p) : strlen(p);
                const char *why = "";

                if (ll > DOMAINS_LINE_MAX) {
                        set_err(err, errlen, "record", 0, "line too long");
                        return -EINVAL;
                }
                memcpy(line, p, ll);
                line[ll] = '\0';
                p += ll + (nl ? 1 : 0);
                key = trim(line);
                if (!*key || *key == '#')
                        continue;
                eq = strchr(key, '=');
                if (!eq)
                        continue;
                *eq = '\0';
                key = trim(key);
                v = trim(eq + 1);
                if (strcmp(key, "name") == 0) {
                        if (!bh_policy_name_valid(v) || strcmp(v, "dom0") == 0) {
                                set_err(err, errlen, "record", 0, "invalid name '%s'", v);
                                return -EINVAL;
                        }
                        snprintf(d.name, sizeof(d.name), "%s", v);
                        continue;
                }
                if (strcmp(key, "class") == 0)
                        have_class = true;
                if (set_key(&d, key, v, true, &why) < 0) {
                        set_err(err, errlen, d.name[0] ? d.name : "record", 0, "%s", why);
                        return -EINVAL;
                }
        }
        if (!d.name[0] || !have_class) {
                set_err(err, errlen, "record", 0, "record without name= or class=");
                return -EINVAL;
        }
        if (bh_policy_domains_find(t, d.name)) {
                set_err(err, errlen, d.name, 0, "listed twice");
                return -EINVAL;
        }
        slot = add(t, d.name);
        if (!slot)
                return -E2BIG;
        *slot = d;
        return 0;
}
