/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy files -> rules (docs/qrexec-policy.md).  Every error is collected
 * as "FILE:LINE: reason" and parsing goes on with the next line, so one
 * run of qrexec-policy-lint shows them all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"
#include "util.h"

struct loader {
        struct bh_policy *p;
        const char *base_dir; /* relative include paths start here; NULL: none allowed */
        size_t files_read;
};

/* One place the rules of a file apply: a normal file, or one included by
 * !include-service (old syntax, service and argument fixed). */
struct service_scope {
        bool active;
        bool any_service, any_argument;
        char service[BH_POLICY_SERVICE_MAX + 1];
        char argument[BH_POLICY_SERVICE_MAX + 1];
};

static int read_file(struct loader *l, const char *path, int depth,
                     const struct service_scope *scope, const char *from_file, unsigned from_line);

/* ---- messages ------------------------------------------------------------ */

static void add_msg(char ***list, size_t *n, const char *msg)
{
        char **nl;
        char *copy = strdup(msg);

        if (!copy)
                return;
        nl = realloc(*list, (*n + 1) * sizeof(**list));
        if (!nl) {
                free(copy);
                return;
        }
        nl[*n] = copy;
        *list = nl;
        (*n)++;
}

/* "FILE:LINE: reason" (or "FILE: reason" for line 0) into msg. */
static void __attribute__((format(printf, 5, 0)))
format_msg(char *msg, size_t size, const char *file, unsigned line, const char *fmt,
                       va_list ap)
{
        int n = line ? snprintf(msg, size, "%s:%u: ", file, line) : snprintf(msg, size, "%s: ", file);

        if (n >= 0 && (size_t)n < size)
                vsnprintf(msg + n, size - (size_t)n, fmt, ap);
}

static void __attribute__((format(printf, 4, 5)))
error_at(struct bh_policy *p, const char *file, unsigned line, const char *fmt, ...)
{
        char msg[BH_POLICY_MSG_MAX];
        va_list ap;

        if (p->n_errors >= BH_POLICY_ERRORS_MAX) {
                p->dropped_errors++;
                return;
        }
        va_start(ap, fmt);
        format_msg(msg, sizeof(msg), file, line, fmt, ap);
        va_end(ap);
        add_msg(&p->errors, &p->n_errors, msg);
}

static void __attribute__((format(printf, 4, 5)))
warn_at(struct bh_policy *p, const char *file, unsigned line, const char *fmt, ...)
{
        char msg[BH_POLICY_MSG_MAX];
        va_list ap;

        if (p->n_warnings >= BH_POLICY_ERRORS_MAX)
                return;
        va_start(ap, fmt);
        format_msg(msg, sizeof(msg), file, line, fmt, ap);
        va_end(ap);
        add_msg(&p->warnings, &p->n_warnings, msg);
}

/* A token from a file, shown in a message: printable ASCII only, cut short. */
static const char *shown(const char *s, char *buf, size_t size)
{
        size_t j = 0;

        for (size_t i = 0; s[i] && j + 5 < size; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f)
                        buf[j++] = (char)c;
                else
                        j += (size_t)snprintf(buf + j, size - j, "\\x%02x", c);
                if (i >= 64) {
                        snprintf(buf + j, size - j, "...");
                        return buf;
                }
        }
        buf[j] = '\0';
        return buf;
}

/* ---- character classes --------------------------------------------------- */

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

bool bh_policy_name_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > BH_POLICY_NAME_MAX || !is_alpha(s[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
                        return false;
        return true;
}

/* Qubes' service name characters: letters, digits, '-', '.', '_' and, in an
 * argument, '+'. */
bool bh_policy_service_valid(const char *s, bool allow_plus)
{
        size_t n = strlen(s);

        if (n > BH_POLICY_SERVICE_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '.' &&
                    s[i] != '-' && !(allow_plus && s[i] == '+'))
                        return false;
        return true;
}

/* Tags and @type: values: letters, digits, '_' and '-', as Qubes tags. */
bool bh_policy_tag_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > BH_POLICY_TAG_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
                        return false;
        return true;
}

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- tokens -------------------------------------------------------------- */

enum column {
        COL_SOURCE,
        COL_TARGET,
        COL_REDIRECT, /* target= and default_target= */
};

/*
 * Where each token may stand (as Qubes):
 *                    source  target  target=/default_target=
 *   NAME, dom0         yes     yes     yes
 *   @adminvm           yes     yes     yes
 *   @anyvm, *          yes     yes     no
 *   @default           no      yes     no
 *   @dispvm            no      yes     yes
 *   @dispvm:NAME       yes     yes     yes
 *   @dispvm:@tag:T     yes     yes     no
 *   @tag:T, @type:T    yes     yes     no
 */
static int parse_token(const char *s, enum column col, struct bh_tok *t, const char **why)
{
        static const struct {
                const char *prefix;
                enum bh_tok_kind kind;
        } prefixes[] = {
                { "@dispvm:@tag:", TOK_DISPVM_TAG },
                { "@dispvm:", TOK_DISPVM_NAME },
                { "@tag:", TOK_TAG },
                { "@type:", TOK_TYPE },
        };
        const char *value = NULL;

        memset(t, 0, sizeof(*t));
        *why = NULL;
        if (strcmp(s, "dom0") == 0 || strcmp(s, "@adminvm") == 0)
                t->kind = TOK_ADMINVM;
        else if (strcmp(s, "@anyvm") == 0)
                t->kind = TOK_ANYVM;
        else if (strcmp(s, "*") == 0)
                t->kind = TOK_ANY;
        else if (strcmp(s, "@default") == 0)
                t->kind = TOK_DEFAULT;
        else if (strcmp(s, "@dispvm") == 0)
                t->kind = TOK_DISPVM;
        else if (s[0] != '@') {
                if (!bh_policy_name_valid(s)) {
                        *why = "is not a valid domain name";
                        return -EINVAL;
                }
                t->kind = TOK_NAME;
                value = s;
        } else {
                for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                        size_t pl = strlen(prefixes[i].prefix);
                        if (strncmp(s, prefixes[i].prefix, pl) == 0) {
                                t->kind = prefixes[i].kind;
                                value = s + pl;
                                break;
                        }
                }
                if (!value) {
                        *why = "is not a known @token";
                        return -EINVAL;
                }
                if (!*value) {
                        *why = "has an empty value";
                        return -EINVAL;
                }
                if (t->kind == TOK_DISPVM_NAME ? !bh_policy_name_valid(value)
                                               : !bh_policy_tag_valid(value)) {
                        *why = t->kind == TOK_DISPVM_NAME ? "does not name a valid domain"
                                                          : "has an invalid tag or type";
                        return -EINVAL;
                }
        }
        if (value)
                snprintf(t->value, sizeof(t->value), "%s", value);

        switch (t->kind) {
        case TOK_DEFAULT:
                if (col != COL_TARGET) {
                        *why = "is only valid in the target column";
                        return -EINVAL;
                }
                break;
        case TOK_DISPVM:
                if (col == COL_SOURCE) {
                        *why = "cannot be a source (a new disposable never calls)";
                        return -EINVAL;
                }
                break;
        case TOK_ANYVM:
        case TOK_ANY:
        case TOK_DISPVM_TAG:
        case TOK_TAG:
        case TOK_TYPE:
                if (col == COL_REDIRECT) {
                        *why = "cannot be a redirect target (it names no single domain)";
                        return -EINVAL;
                }
                break;
        default:
                break;
        }
        return 0;
}

int bh_policy_parse_intended(const char *s, struct bh_tok *ret)
{
        const char *why;

        if (!*s) {
                memset(ret, 0, sizeof(*ret));
                ret->kind = TOK_DEFAULT;
                return 0;
        }
        if (parse_token(s, COL_TARGET, ret, &why) < 0)
                return -EINVAL;
        switch (ret->kind) {
        case TOK_NAME:
        case TOK_ADMINVM:
        case TOK_DEFAULT:
        case TOK_DISPVM:
        case TOK_DISPVM_NAME:
                return 0;
        default:
                return -EINVAL;
        }
}

static const char *known_types[] = { "AdminVM", "TemplateVM", "AppVM", "DispVM", "StandaloneVM" };

static void check_type_token(struct bh_policy *p, const struct bh_tok *t, const char *file,
                             unsigned line)
{
        if (t->kind != TOK_TYPE)
                return;
        for (size_t i = 0; i < ELEMENTSOF(known_types); i++)
                if (strcmp(t->value, known_types[i]) == 0)
                        return;
        warn_at(p, file, line, "@type:%s is not a domain type and matches nothing", t->value);
}

/* ---- rules --------------------------------------------------------------- */

static struct bh_rule *new_rule(struct bh_policy *p)
{
        if (p->n_rules == p->cap_rules) {
                size_t cap = p->cap_rules ? p->cap_rules * 2 : 64;
                struct bh_rule *nr;
                if (cap > BH_POLICY_RULES_MAX)
                        cap = BH_POLICY_RULES_MAX;
                if (p->n_rules >= cap)
                        return NULL;
                nr = realloc(p->rules, cap * sizeof(*nr));
                if (!nr)
                        return NULL;
                p->rules = nr;
                p->cap_rules = cap;
        }
        return &p->rules[p->n_rules];
}

/* SERVICE and ARGUMENT columns (also of !include-service). */
static int parse_service_arg(struct bh_policy *p, const char *file, unsigned line,
                             const char *service, const char *argument, struct service_scope *out)
{
        char b[80];

        memset(out, 0, sizeof(*out));
        out->active = true;
        if (strcmp(service, "*") == 0)
                out->any_service = true;
        else if (!*service || !bh_policy_service_valid(service, false)) {
                error_at(p, file, line, "service '%s' is empty, too long or has a character "
                         "other than letters, digits, '-', '.', '_'",
                         shown(service, b, sizeof(b)));
                return -EINVAL;
        } else
                snprintf(out->service, sizeof(out->service), "%s", service);

        if (strcmp(argument, "*") == 0)
                out->any_argument = true;
        else if (argument[0] != '+') {
                error_at(p, file, line, "argument '%s' does not start with '+' (use '*' for any)",
                         shown(argument, b, sizeof(b)));
                return -EINVAL;
        } else if (!bh_policy_service_valid(argument + 1, true)) {
                error_at(p, file, line, "argument '%s' is too long or has a character other "
                         "than letters, digits, '-', '.', '_', '+'",
                         shown(argument, b, sizeof(b)));
                return -EINVAL;
        } else {
                if (out->any_service) {
                        error_at(p, file, line, "only '*' argument allowed for '*' service");
                        return -EINVAL;
                }
                snprintf(out->argument, sizeof(out->argument), "%s", argument + 1);
        }
        return 0;
}

static int parse_bool(const char *v, bool *ret)
{
        if (strcmp(v, "yes") == 0)
                *ret = true;
        else if (strcmp(v, "no") == 0)
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

static bool user_valid(const char *s)
{
        size_t n = strlen(s);

        if (n > BH_POLICY_USER_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
                        return false;
        return n == 0 || s[0] != '-';
}

/* SOURCE TARGET ACTION PARAMS, after the service and argument. */
static void parse_rule(struct bh_policy *p, const char *file, size_t file_idx, unsigned line,
                       const struct service_scope *sc, char **f, size_t nf)
{
        struct bh_rule r = { 0 };
        bool seen[5] = { false };
        static const char *keys[] = { "target", "default_target", "user", "autostart", "notify" };
        const char *why;
        char b[80];
        bool bad = false;

        r.any_service = sc->any_service;
        r.any_argument = sc->any_argument;
        memcpy(r.service, sc->service, sizeof(r.service));
        memcpy(r.argument, sc->argument, sizeof(r.argument));
        r.file = file_idx;
        r.line = line;

        if (nf < 3) {
                error_at(p, file, line, "wrong number of fields: expected SERVICE ARGUMENT SOURCE "
                         "TARGET ACTION [PARAMS...]");
                return;
        }
        if (parse_token(f[0], COL_SOURCE, &r.source, &why) < 0) {
                error_at(p, file, line, "invalid source token '%s': %s", shown(f[0], b, sizeof(b)),
                         why);
                bad = true;
        }
        if (parse_token(f[1], COL_TARGET, &r.target, &why) < 0) {
                error_at(p, file, line, "invalid target token '%s': %s", shown(f[1], b, sizeof(b)),
                         why);
                bad = true;
        }
        if (strcmp(f[2], "allow") == 0)
                r.action = BH_POLICY_ALLOW;
        else if (strcmp(f[2], "deny") == 0)
                r.action = BH_POLICY_DENY;
        else if (strcmp(f[2], "ask") == 0)
                r.action = BH_POLICY_ASK;
        else {
                error_at(p, file, line, "invalid action '%s': expected allow, deny or ask",
                         shown(f[2], b, sizeof(b)));
                return;
        }
        /* Defaults as Qubes: a deny notifies, allow and ask do not. */
        r.autostart = true;
        r.notify = r.action == BH_POLICY_DENY;

        for (size_t i = 3; i < nf; i++) {
                char *eq = strchr(f[i], '=');
                size_t k;
                const char *v;

                if (!eq) {
                        error_at(p, file, line, "invalid parameter '%s': expected KEY=VALUE",
                                 shown(f[i], b, sizeof(b)));
                        bad = true;
                        continue;
                }
                *eq = '\0';
                v = eq + 1;
                for (k = 0; k < ELEMENTSOF(keys); k++)
                        if (strcmp(f[i], keys[k]) == 0)
                                break;
                if (k == ELEMENTSOF(keys)) {
                        error_at(p, file, line, "unknown parameter '%s'", shown(f[i], b, sizeof(b)));
                        bad = true;
                        continue;
                }
                if (seen[k]) {
                        error_at(p, file, line, "parameter '%s' given twice", keys[k]);
                        bad = true;
                        continue;
                }
                seen[k] = true;
                /* Which params each action takes, as Qubes: deny only notify=,
                 * default_target= only with ask. */
                if ((r.action == BH_POLICY_DENY && k != 4) ||
                    (r.action == BH_POLICY_ALLOW && k == 1)) {
                        error_at(p, file, line, "parameter '%s' is not valid for action %s", keys[k],
                                 bh_policy_verdict_name(r.action));
                        bad = true;
                        continue;
                }
                switch (k) {
                case 0:
                case 1: {
                        struct bh_tok *t = k == 0 ? &r.redirect : &r.default_target;
                        if (parse_token(v, COL_REDIRECT, t, &why) < 0) {
                                error_at(p, file, line, "invalid %s= value '%s': %s", keys[k],
                                         shown(v, b, sizeof(b)), why);
                                bad = true;
                        }
                        break;
                }
                case 2:
                        if (!user_valid(v)) {
                                error_at(p, file, line, "invalid user= value '%s': a user name is "
                                         "at most %d of letters, digits, '_', '.', '-'",
                                         shown(v, b, sizeof(b)), BH_POLICY_USER_MAX);
                                bad = true;
                        } else
                                snprintf(r.user, sizeof(r.user), "%s", v);
                        break;
                default:
                        if (parse_bool(v, k == 3 ? &r.autostart : &r.notify) < 0) {
                                error_at(p, file, line, "'%s' is '%s', but can be only 'yes' or 'no'",
                                         keys[k], shown(v, b, sizeof(b)));
                                bad = true;
                        }
                }
        }
        if (bad)
                return;
        if (r.target.kind == TOK_DEFAULT && r.action == BH_POLICY_ALLOW &&
            r.redirect.kind == TOK_NONE) {
                error_at(p, file, line, "allow action for @default rule must specify target= option");
                return;
        }
        if (r.source.kind == TOK_DISPVM_NAME || r.source.kind == TOK_DISPVM_TAG)
                warn_at(p, file, line, "source %s never matches: a new disposable never calls "
                        "(use @type:DispVM or a tag)", f[0]);
        check_type_token(p, &r.source, file, line);
        check_type_token(p, &r.target, file, line);

        struct bh_rule *slot = new_rule(p);
        if (!slot) {
                error_at(p, file, line, "more than %d rules", BH_POLICY_RULES_MAX);
                return;
        }
        *slot = r;
        p->n_rules++;
}

/* ---- files --------------------------------------------------------------- */

static size_t add_file(struct bh_policy *p, const char *path)
{
        char **nf = realloc(p->files, (p->n_files + 1) * sizeof(*nf));
        char *copy = strdup(path);

        if (!nf || !copy) {
                free(copy);
                if (nf)
                        p->files = nf;
                return SIZE_MAX;
        }
        p->files = nf;
        p->files[p->n_files] = copy;
        return p->n_files++;
}

static int resolve_path(struct loader *l, const char *untrusted_path, char *buf, size_t size)
{
        int n;

        if (untrusted_path[0] == '/')
                n = snprintf(buf, size, "%s", untrusted_path);
        else if (!l->base_dir)
                return -ENOENT;
        else
                n = snprintf(buf, size, "%s/%s", l->base_dir, untrusted_path);
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool policy_file_name(const char *name, bool *valid)
{
        size_t n = strlen(name);

        if (name[0] == '.' || n < 8 || strcmp(name + n - 7, ".policy") != 0)
                return false;
        *valid = true;
        for (size_t i = 0; i < n; i++)
                if (!(name[i] >= 'a' && name[i] <= 'z') && !is_digit(name[i]) && name[i] != '_' &&
                    name[i] != '.' && name[i] != '-')
                        *valid = false;
        return true;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* Every policy file of dir, in strcmp order.  Errors are recorded at
 * (from_file, from_line), or against dir itself for the top level. */
static int read_dir(struct loader *l, const char *dir, int depth, const char *from_file,
                    unsigned from_line)
{
        struct bh_policy *p = l->p;
        DIR *d = opendir(dir);
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;
        int r = 0;

        if (!d) {
                r = -errno;
                error_at(p, from_file ? from_file : dir, from_line, "cannot read directory %s: %s",
                         dir, strerror(-r));
                add_file(p, dir); /* watched, so that creating it triggers a reload */
                return r;
        }
        add_file(p, dir);
        while ((de = readdir(d))) {
                char path[4096];
                struct stat st;
                bool valid = false;
                char **nn;

                if (!policy_file_name(de->d_name, &valid))
                        continue;
                if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
                        continue;
                if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (!valid) {
                        /* As Qubes: such a file is an error, not ignored, so a
                         * mixed-case name cannot sort differently than it shows. */
                        error_at(p, path, 0, "invalid file name: only a-z 0-9 _ . - are allowed");
                        r = -EINVAL;
                        continue;
                }
                if (n >= BH_POLICY_FILES_MAX) {
                        error_at(p, dir, 0, "more than %d policy files", BH_POLICY_FILES_MAX);
                        r = -E2BIG;
                        break;
                }
                nn = realloc(names, (n + 1) * sizeof(*names));
                if (!nn || !(nn[n] = strdup(path))) {
                        if (nn)
                                names = nn;
                        r = -ENOMEM;
                        break;
                }
                names = nn;
                n++;
        }
        closedir(d);
        if (r == -ENOMEM) {
                free_names(names, n);
                return r;
        }
        if (n)
                qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++)
                read_file(l, names[i], depth, NULL, NULL, 0);
        free_names(names, n);
        return r;
}

static void directive(struct loader *l, const char *file, unsigned line, int depth,
                      const struct service_scope *scope, char **f, size_t nf)
{
        struct bh_policy *p = l->p;
        char path[4096], b[80];
        struct stat st;
        struct service_scope sc;
        const char *name = f[0];
        size_t want;

        if (scope) {
                /* Inside an !include-service file only !include exists. */
                if (strcmp(name, "!include") != 0) {
                        error_at(p, file, line, "invalid directive '%s' in a service file",
                                 shown(name, b, sizeof(b)));
                        return;
                }
        }
        if (strcmp(name, "!include") == 0 || strcmp(name, "!include-dir") == 0)
                want = 2;
        else if (strcmp(name, "!include-service") == 0)
                want = 4;
        else if (strcmp(name, "!compat-4.0") == 0) {
                error_at(p, file, line, "!compat-4.0 is not supported: there are no 4.0 policy files "
                         "to read here");
                return;
        } else {
                error_at(p, file, line, "invalid directive '%s'", shown(name, b, sizeof(b)));
                return;
        }
        if (nf != want) {
                error_at(p, file, line, "invalid number of params for %s", name);
                return;
        }
        if (depth + 1 > BH_POLICY_INCLUDE_DEPTH_MAX) {
                error_at(p, file, line, "includes nested deeper than %d (a cycle?)",
                         BH_POLICY_INCLUDE_DEPTH_MAX);
                return;
        }
        if (resolve_path(l, f[want - 1], path, sizeof(path)) < 0) {
                error_at(p, file, line, "cannot include '%s' here: %s", shown(f[want - 1], b, sizeof(b)),
                         l->base_dir ? "path too long" : "no policy directory for relative paths");
                return;
        }
        if (strcmp(name, "!include-dir") == 0) {
                if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        error_at(p, file, line, "not a directory: %s", path);
                        return;
                }
                read_dir(l, path, depth + 1, file, line);
                return;
        }
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
                error_at(p, file, line, "not a file: %s", path);
                return;
        }
        if (strcmp(name, "!include-service") == 0) {
                if (parse_service_arg(p, file, line, f[1], f[2], &sc) < 0)
                        return;
                read_file(l, path, depth + 1, &sc, file, line);
                return;
        }
        read_file(l, path, depth + 1, scope, file, line);
}

/* Splits a line at whitespace in place.  Returns the number of fields, or
 * BH_POLICY_FIELDS_MAX + 1 when there are more. */
static size_t split(char *s, char **f)
{
        size_t n = 0;

        for (;;) {
                while (is_space(*s))
                        s++;
                if (!*s)
                        return n;
                if (n == BH_POLICY_FIELDS_MAX)
                        return n + 1;
                f[n++] = s;
                while (*s && !is_space(*s))
                        s++;
                if (*s)
                        *s++ = '\0';
        }
}

/* The old syntax of !include-service files: '$' for '@', ',' between the
 * action and its params, "$include:PATH". */
static void old_syntax(char *s)
{
        if (strncmp(s, "$include:", 9) == 0)
                memcpy(s, "!include ", 9);
        for (; *s; s++) {
                if (*s == '$')
                        *s = '@';
                else if (*s == ',')
                        *s = ' ';
        }
}

static void parse_text(struct loader *l, const char *text, size_t len, const char *file,
                       int depth, const struct service_scope *scope)
{
        struct bh_policy *p = l->p;
        size_t file_idx = add_file(p, file);
        unsigned lineno = 0;
        size_t pos = 0;

        if (file_idx == SIZE_MAX) {
                error_at(p, file, 0, "out of memory");
                return;
        }
        while (pos < len) {
                char line[BH_POLICY_LINE_MAX + 1], *s, *f[BH_POLICY_FIELDS_MAX];
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
                size_t nf, bad = SIZE_MAX;

                lineno++;
                if (ll > BH_POLICY_LINE_MAX) {
                        error_at(p, file, lineno, "line longer than %d bytes", BH_POLICY_LINE_MAX);
                        pos += ll + 1;
                        continue;
                }
                memcpy(line, text + pos, ll);
                line[ll] = '\0';
                pos += ll + 1;

                s = line;
                while (is_space(*s))
                        s++;
                if (!*s || *s == '#')
                        continue;
                for (size_t i = 0; s[i]; i++) {
                        unsigned char c = (unsigned char)s[i];
                        if ((c < 0x20 && !is_space((char)c)) || c == 0x7f) {
                                bad = i;
                                break;
                        }
                }
                if (bad != SIZE_MAX || strlen(s) != ll - (size_t)(s - line)) {
                        error_at(p, file, lineno, "control character 0x%02x in a rule",
                                 bad != SIZE_MAX ? (unsigned char)s[bad] : 0);
                        continue;
                }
                if (scope)
                        old_syntax(s);
                nf = split(s, f);
                if (f[0][0] == '!') {
                        if (nf > BH_POLICY_FIELDS_MAX) {
                                error_at(p, file, lineno, "invalid number of params for %s", f[0]);
                                continue;
                        }
                        directive(l, file, lineno, depth, scope, f, nf);
                        continue;
                }
                if (nf > BH_POLICY_FIELDS_MAX) {
                        error_at(p, file, lineno, "too many fields (at most 5 parameters)");
                        continue;
                }
                if (scope) {
                        parse_rule(p, file, file_idx, lineno, scope, f, nf);
                } else {
                        struct service_scope sc;
                        if (nf < 5) {
                                error_at(p, file, lineno, "wrong number of fields: expected SERVICE "
                                         "ARGUMENT SOURCE TARGET ACTION [PARAMS...]");
                                continue;
                        }
                        if (parse_service_arg(p, file, lineno, f[0], f[1], &sc) < 0)
                                continue;
                        parse_rule(p, file, file_idx, lineno, &sc, f + 2, nf - 2);
                }
        }
}

static int read_file(struct loader *l, const char *path, int depth,
                     const struct service_scope *scope, const char *from_file, unsigned from_line)
{
        struct bh_policy *p = l->p;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;
        int r;

        if (++l->files_read > BH_POLICY_FILES_MAX) {
                error_at(p, from_file ? from_file : path, from_line,
                         "more than %d policy files read", BH_POLICY_FILES_MAX);
                return -E2BIG;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                add_file(p, path);
                error_at(p, from_file ? from_file : path, from_line, "cannot read %s: %s", path,
                         strerror(-r));
                return r;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > BH_POLICY_FILE_MAX) {
                error_at(p, from_file ? from_file : path, from_line, "%s: %s", path,
                         S_ISREG(st.st_mode) ? "larger than 1 MiB" : "not a regular file");
                return -EINVAL;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        error_at(p, path, 0, "read failed: %s", strerror(-r));
                        return r;
                }
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        parse_text(l, buf, got, path, depth, scope);
        return 0;
}

/* ---- public -------------------------------------------------------------- */

static int finish(struct bh_policy *p, struct bh_policy **ret)
{
        if (p->dropped_errors) {
                char msg[BH_POLICY_MSG_MAX];
                snprintf(msg, sizeof(msg), "... and %zu more errors", p->dropped_errors);
                add_msg(&p->errors, &p->n_errors, msg);
        }
        *ret = p;
        return p->n_errors ? -EINVAL : 0;
}

int bh_policy_load_dir(const char *dir, struct bh_policy **ret)
{
        struct bh_policy *p = calloc(1, sizeof(*p));
        struct loader l = { .p = p, .base_dir = dir };

        if (!p)
                return -ENOMEM;
        read_dir(&l, dir, 0, NULL, 0);
        return finish(p, ret);
}

int bh_policy_load_files(const char *base_dir, const char *const *files, size_t n,
                         struct bh_policy **ret)
{
        struct bh_policy *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char dir[4096];
                const char *slash = strrchr(files[i], '/');
                struct loader l = { .p = p, .base_dir = base_dir };

                if (!base_dir) {
                        if (!slash)
                                snprintf(dir, sizeof(dir), ".");
                        else
                                snprintf(dir, sizeof(dir), "%.*s", (int)(slash - files[i]), files[i]);
                        l.base_dir = dir;
                }
                read_file(&l, files[i], 0, NULL, NULL, 0);
        }
        return finish(p, ret);
}

int bh_policy_parse_text(const char *untrusted_text, size_t len, const char *filename,
                         const char *base_dir, struct bh_policy **ret)
{
        struct bh_policy *p = calloc(1, sizeof(*p));
        struct loader l = { .p = p, .base_dir = base_dir };

        if (!p)
                return -ENOMEM;
        if (len > BH_POLICY_FILE_MAX)
                error_at(p, filename, 0, "larger than 1 MiB");
        else
                parse_text(&l, untrusted_text, len, filename, 0, NULL);
        return finish(p, ret);
}

void bh_policy_free(struct bh_policy *p)
{
        if (!p)
                return;
        free(p->rules);
        free_names(p->files, p->n_files);
        free_names(p->errors, p->n_errors);
        free_names(p->warnings, p->n_warnings);
        free(p);
}

size_t bh_policy_n_rules(const struct bh_policy *p)
{
        return p->n_rules;
}

size_t bh_policy_n_errors(const struct bh_policy *p)
{
        return p->n_errors;
}

const char *bh_policy_error(const struct bh_policy *p, size_t i)
{
        return i < p->n_errors ? p->errors[i] : NULL;
}

size_t bh_policy_n_warnings(const struct bh_policy *p)
{
        return p->n_warnings;
}

size_t bh_policy_n_paths(const struct bh_policy *p)
{
        return p->n_files;
}

const char *bh_policy_path(const struct bh_policy *p, size_t i)
{
        return i < p->n_files ? p->files[i] : NULL;
}

const char *bh_policy_warning(const struct bh_policy *p, size_t i)
{
        return i < p->n_warnings ? p->warnings[i] : NULL;
}
