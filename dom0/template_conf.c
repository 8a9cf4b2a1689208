/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template.conf as text: parsing and formatting.  No I/O. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kvfile.h"
#include "registry.h"
#include "template_host.h"
#include "util.h"

enum tfield { T_VERSION, T_NAME, T_KIND, T_CREATED, T_USR_BIND, T_PACKAGES, T_TAR, T_COUNT };

static const char *const tkeys[T_COUNT] = {
        [T_VERSION] = "version",   [T_NAME] = "name",
        [T_KIND] = "kind",         [T_CREATED] = "created",
        [T_USR_BIND] = "usr_bind", [T_PACKAGES] = "packages_sha256",
        [T_TAR] = "tar_sha256",
};

static const char *kind_name(enum bh_template_kind k)
{
        return k == BH_TEMPLATE_HOST ? "host" : k == BH_TEMPLATE_IMAGE ? "image" : NULL;
}

static bool is_sha256(const char *s)
{
        if (!*s)
                return true; /* not recorded */
        if (strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* An absolute path of plain components: the backend bind-mounts it, so no
 * "..", no "//", nothing but [A-Za-z0-9_.+-/]. */
static bool is_plain_abs_path(const char *s)
{
        if (s[0] != '/')
                return false;
        for (const char *p = s; *p; p++) {
                char c = *p;

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-' || c == '+' || c == '/'))
                        return false;
                if (c == '/' && p[1] == '/')
                        return false;
                if (c == '/' && p[1] == '.' && (p[2] == '/' || p[2] == '\0' ||
                                                (p[2] == '.' && (p[3] == '/' || p[3] == '\0'))))
                        return false;
        }
        return true;
}

static int check(const struct bh_template_conf *c, int *bad, char *err, size_t errlen)
{
        char why[128];

        *bad = T_COUNT;
        if (bh_name_check(c->name, why, sizeof(why)) < 0) {
                *bad = T_NAME;
                snprintf(err, errlen, "name: %s", why);
                return -EINVAL;
        }
        if (!kind_name(c->kind)) {
                *bad = T_KIND;
                snprintf(err, errlen, "kind must be host or image");
                return -EINVAL;
        }
        if (c->created < 0 || c->created > BH_TIME_MAX) {
                *bad = T_CREATED;
                snprintf(err, errlen, "created out of range");
                return -EINVAL;
        }
        if (c->kind == BH_TEMPLATE_HOST && !is_plain_abs_path(c->usr_bind)) {
                *bad = T_USR_BIND;
                snprintf(err, errlen, "kind=host needs usr_bind= an absolute path (e.g. /usr)");
                return -EINVAL;
        }
        if (c->kind == BH_TEMPLATE_IMAGE && c->usr_bind[0]) {
                *bad = T_USR_BIND;
                snprintf(err, errlen, "kind=image has its own /usr: usr_bind= must be empty");
                return -EINVAL;
        }
        if (!is_sha256(c->packages_sha256) || !is_sha256(c->tar_sha256)) {
                *bad = is_sha256(c->packages_sha256) ? T_TAR : T_PACKAGES;
                snprintf(err, errlen, "%s= must be 64 lower-case hex digits or empty", tkeys[*bad]);
                return -EINVAL;
        }
        return 0;
}

static int copy_str(char *dst, size_t size, const char *v)
{
        size_t n = strlen(v);

        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(dst, v, n + 1);
        return 0;
}

int bh_template_conf_parse(const char *untrusted_text, size_t len, const char *filename,
                           struct bh_template_conf *ret, char *err, size_t errlen)
{
        struct bh_kv_reader kv;
        struct bh_template_conf c = { 0 };
        unsigned seen[T_COUNT] = { 0 };
        char key[BH_KV_KEY_MAX + 1], value[BH_TEMPLATE_CONF_LINE + 1], why[256];
        int r, bad;

        if (!filename)
                filename = "template.conf";
        r = bh_kv_init(&kv, untrusted_text, len, filename, BH_TEMPLATE_CONF_MAX,
                       BH_TEMPLATE_CONF_LINE, err, errlen);
        if (r < 0)
                return r;
        while ((r = bh_kv_next(&kv, key, value, sizeof(value), err, errlen)) > 0) {
                int f = T_COUNT;

                for (int i = 0; i < T_COUNT; i++)
                        if (strcmp(key, tkeys[i]) == 0)
                                f = i;
                if (!seen[T_VERSION] && f != T_VERSION)
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "expected version=1 before any other key");
                if (f == T_COUNT)
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "unknown key '%s' (this bulkhead reads version 1)", key);
                if (seen[f])
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "duplicate key '%s' (first on line %u)", key, seen[f]);
                seen[f] = kv.line;
                switch (f) {
                case T_VERSION:
                        if (strcmp(value, "1") != 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "version %s unknown; this bulkhead reads version 1",
                                                   value);
                        break;
                case T_NAME:
                        if (copy_str(c.name, sizeof(c.name), value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line, "name too long");
                        break;
                case T_KIND:
                        if (strcmp(value, "host") == 0)
                                c.kind = BH_TEMPLATE_HOST;
                        else if (strcmp(value, "image") == 0)
                                c.kind = BH_TEMPLATE_IMAGE;
                        else
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "kind '%s' unknown (host, image)", value);
                        break;
                case T_CREATED: {
                        int64_t v = 0;

                        if (!*value || (value[0] == '0' && value[1]))
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "created=%s is not a decimal number", value);
                        for (const char *p = value; *p; p++) {
                                if (*p < '0' || *p > '9')
                                        return bh_kv_error(err, errlen, filename, kv.line,
                                                           "created=%s is not a decimal number", value);
                                if (__builtin_mul_overflow(v, 10, &v) ||
                                    __builtin_add_overflow(v, *p - '0', &v))
                                        return bh_kv_error(err, errlen, filename, kv.line,
                                                           "created=%s out of range", value);
                        }
                        c.created = v;
                        break;
                }
                case T_USR_BIND:
                        if (copy_str(c.usr_bind, sizeof(c.usr_bind), value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "usr_bind longer than %d bytes",
                                                   BH_TEMPLATE_USR_BIND_MAX - 1);
                        break;
                case T_PACKAGES:
                case T_TAR:
                        if (copy_str(f == T_TAR ? c.tar_sha256 : c.packages_sha256, 65, value) < 0)
                                return bh_kv_error(err, errlen, filename, kv.line,
                                                   "%s= must be 64 hex digits or empty", key);
                        break;
                }
        }
        if (r < 0)
                return r;
        for (int i = 0; i < T_COUNT; i++)
                if (!seen[i])
                        return bh_kv_error(err, errlen, filename, kv.line,
                                           "missing key '%s' (truncated file?)", tkeys[i]);
        if (check(&c, &bad, why, sizeof(why)) < 0)
                return bh_kv_error(err, errlen, filename, bad < T_COUNT ? seen[bad] : 0, "%s", why);
        *ret = c;
        return 0;
}

int bh_template_conf_format(const struct bh_template_conf *c, char *buf, size_t size,
                            size_t *ret_len, char *err, size_t errlen)
{
        char why[256];
        int bad, n;

        if (memchr(c->name, 0, sizeof(c->name)) == NULL ||
            memchr(c->usr_bind, 0, sizeof(c->usr_bind)) == NULL ||
            memchr(c->packages_sha256, 0, sizeof(c->packages_sha256)) == NULL ||
            memchr(c->tar_sha256, 0, sizeof(c->tar_sha256)) == NULL) {
                if (err && errlen)
                        snprintf(err, errlen, "a string field is not terminated");
                return -EINVAL;
        }
        if (check(c, &bad, why, sizeof(why)) < 0) {
                if (err && errlen)
                        snprintf(err, errlen, "%s", why);
                return -EINVAL;
        }
        n = snprintf(buf, size,
                     "# bulkhead template (docs/templates.md)\n"
                     "version=1\nname=%s\nkind=%s\ncreated=%" PRId64 "\nusr_bind=%s\n"
                     "packages_sha256=%s\ntar_sha256=%s\n",
                     c->name, kind_name(c->kind), c->created, c->usr_bind, c->packages_sha256,
                     c->tar_sha256);
        if (n < 0 || (size_t)n >= size)
                return -ENOSPC;
        *ret_len = (size_t)n;
        return 0;
}
