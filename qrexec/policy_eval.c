/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy evaluation: a request and the table of domains -> a decision
 * (docs/qrexec-policy.md, "Evaluation").  First matching rule wins; no
 * match denies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"
#include "util.h"

typedef char target_t[BH_POLICY_TARGET_MAX + 1];

struct target_set {
        target_t *v;
        size_t n, cap;
        int err;
};

const char *bh_policy_verdict_name(enum bh_policy_verdict v)
{
        switch (v) {
        case BH_POLICY_ALLOW:
                return "allow";
        case BH_POLICY_ASK:
                return "ask";
        default:
                return "deny";
        }
}

static void set_add(struct target_set *s, const char *t)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], t) == 0)
                        return;
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                target_t *nv = realloc(s->v, cap * sizeof(*nv));
                if (!nv) {
                        s->err = -ENOMEM;
                        return;
                }
                s->v = nv;
                s->cap = cap;
        }
        snprintf(s->v[s->n++], sizeof(target_t), "%s", t);
}

static void set_remove(struct target_set *s, const char *t)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], t) == 0) {
                        memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
                        s->n--;
                        return;
                }
}

static bool set_has(const struct target_set *s, const char *t)
{
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], t) == 0)
                        return true;
        return false;
}

static bool has_tag(const struct bh_policy_domain *d, const char *tag)
{
        size_t tl = strlen(tag);

        for (const char *p = d->tags; *p;) {
                const char *comma = strchr(p, ',');
                size_t l = comma ? (size_t)(comma - p) : strlen(p);
                if (l == tl && strncmp(p, tag, tl) == 0)
                        return true;
                if (!comma)
                        break;
                p = comma + 1;
        }
        return false;
}

static bool is_dom0(const struct bh_policy_domain *d)
{
        return d->type == BH_DOMTYPE_ADMINVM;
}

static const struct bh_policy_domain *dispvm_template(const struct bh_policy_domains *t,
                                                      const char *name)
{
        const struct bh_policy_domain *d = *name ? bh_policy_domains_find(t, name) : NULL;

        return d && d->dispvm_template ? d : NULL;
}

/* Source column.  dom0 is matched only by dom0/@adminvm and '*': never by
 * @anyvm, @tag: or @type: (not even @type:AdminVM). */
static bool source_matches(const struct bh_tok *tok, const struct bh_policy_domain *src)
{
        switch (tok->kind) {
        case TOK_NAME:
                return !is_dom0(src) && strcmp(tok->value, src->name) == 0;
        case TOK_ADMINVM:
                return is_dom0(src);
        case TOK_ANYVM:
                return !is_dom0(src);
        case TOK_ANY:
                return true;
        case TOK_TAG:
                return !is_dom0(src) && has_tag(src, tok->value);
        case TOK_TYPE:
                return !is_dom0(src) && strcmp(bh_policy_dom_type_name(src->type), tok->value) == 0;
        default:
                /* @dispvm:NAME and @dispvm:@tag:T are valid sources that
                 * match nothing, as in Qubes: a new disposable never calls. */
                return false;
        }
}

/* Target column against the intended target (already normalized: a name
 * that exists, @adminvm, @default, @dispvm, or a checked @dispvm:NAME). */
static bool target_matches(const struct bh_tok *tok, const struct bh_tok *it,
                           const struct bh_policy_domain *src, const struct bh_policy_domains *t)
{
        const struct bh_policy_domain *d;
        const char *base;

        switch (tok->kind) {
        case TOK_NAME:
                return it->kind == TOK_NAME && strcmp(tok->value, it->value) == 0;
        case TOK_ADMINVM:
                return it->kind == TOK_ADMINVM;
        case TOK_ANYVM:
                return it->kind != TOK_ADMINVM;
        case TOK_ANY:
                return true;
        case TOK_DEFAULT:
                return it->kind == TOK_DEFAULT;
        case TOK_DISPVM:
                return it->kind == TOK_DISPVM;
        case TOK_DISPVM_NAME:
                if (it->kind == TOK_DISPVM_NAME)
                        return strcmp(tok->value, it->value) == 0;
                return it->kind == TOK_DISPVM && strcmp(tok->value, src->default_dispvm) == 0;
        case TOK_DISPVM_TAG:
                base = it->kind == TOK_DISPVM_NAME ? it->value
                     : it->kind == TOK_DISPVM      ? src->default_dispvm
                                                   : "";
                d = dispvm_template(t, base);
                return d && has_tag(d, tok->value);
        case TOK_TAG:
                d = it->kind == TOK_NAME ? bh_policy_domains_find(t, it->value) : NULL;
                return d && !is_dom0(d) && has_tag(d, tok->value);
        case TOK_TYPE:
                d = it->kind == TOK_NAME ? bh_policy_domains_find(t, it->value) : NULL;
                return d && !is_dom0(d) && strcmp(bh_policy_dom_type_name(d->type), tok->value) == 0;
        default:
                return false;
        }
}

static bool matches_but_target(const struct bh_rule *r, const struct bh_policy_request *req,
                               const struct bh_policy_domain *src)
{
        return (r->any_service || strcmp(r->service, req->service) == 0) &&
               (r->any_argument || strcmp(r->argument, req->argument) == 0) &&
               source_matches(&r->source, src);
}

/* What a target token offers in an ask dialog (Qubes' "expand"). */
static void expand(const struct bh_tok *tok, const struct bh_policy_domains *t,
                   struct target_set *out, bool add)
{
        char buf[BH_POLICY_TARGET_MAX + 1];

#define PUT(s) (add ? set_add(out, (s)) : set_remove(out, (s)))
        switch (tok->kind) {
        case TOK_NAME:
                if (bh_policy_domains_find(t, tok->value))
                        PUT(tok->value);
                break;
        case TOK_ADMINVM:
                PUT("@adminvm");
                break;
        case TOK_ANYVM:
        case TOK_ANY:
                for (size_t i = 0; i < t->n; i++) {
                        if (tok->kind == TOK_ANY || !is_dom0(&t->d[i]))
                                PUT(t->d[i].name);
                        if (t->d[i].dispvm_template) {
                                snprintf(buf, sizeof(buf), "@dispvm:%.*s", BH_POLICY_NAME_MAX, t->d[i].name);
                                PUT(buf);
                        }
                }
                PUT("@dispvm");
                break;
        case TOK_DISPVM:
                PUT("@dispvm");
                break;
        case TOK_DISPVM_NAME:
                if (dispvm_template(t, tok->value)) {
                        snprintf(buf, sizeof(buf), "@dispvm:%.*s", BH_POLICY_NAME_MAX, tok->value);
                        PUT(buf);
                }
                break;
        case TOK_DISPVM_TAG:
                for (size_t i = 0; i < t->n; i++)
                        if (t->d[i].dispvm_template && has_tag(&t->d[i], tok->value)) {
                                snprintf(buf, sizeof(buf), "@dispvm:%.*s", BH_POLICY_NAME_MAX, t->d[i].name);
                                PUT(buf);
                        }
                break;
        case TOK_TAG:
                for (size_t i = 0; i < t->n; i++)
                        if (has_tag(&t->d[i], tok->value))
                                PUT(t->d[i].name);
                break;
        case TOK_TYPE:
                for (size_t i = 0; i < t->n; i++)
                        if (strcmp(bh_policy_dom_type_name(t->d[i].type), tok->value) == 0)
                                PUT(t->d[i].name);
                break;
        default:
                break;
        }
#undef PUT
}

/* Resolves a single target token to what a decision carries: a domain
 * name or "@dispvm:NAME".  -ENOENT with the reason when it names none. */
static int resolve(const struct bh_tok *tok, const struct bh_policy_domain *src,
                   const struct bh_policy_domains *t, char *out, size_t size, const char **why)
{
        switch (tok->kind) {
        case TOK_NAME:
                if (!bh_policy_domains_find(t, tok->value)) {
                        *why = "the target does not exist";
                        return -ENOENT;
                }
                snprintf(out, size, "%.*s", BH_POLICY_NAME_MAX, tok->value);
                return 0;
        case TOK_ADMINVM:
                snprintf(out, size, "dom0");
                return 0;
        case TOK_DISPVM:
                if (!*src->default_dispvm) {
                        *why = "@dispvm but the source has no default disposable template (default_dispvm)";
                        return -ENOENT;
                }
                if (!dispvm_template(t, src->default_dispvm)) {
                        *why = "the source's default_dispvm is not a disposable template";
                        return -ENOENT;
                }
                snprintf(out, size, "@dispvm:%.*s", BH_POLICY_NAME_MAX, src->default_dispvm);
                return 0;
        case TOK_DISPVM_NAME:
                if (!dispvm_template(t, tok->value)) {
                        *why = "not a disposable template";
                        return -ENOENT;
                }
                snprintf(out, size, "@dispvm:%.*s", BH_POLICY_NAME_MAX, tok->value);
                return 0;
        default:
                *why = "no target is specified by caller or policy";
                return -ENOENT;
        }
}

static bool startable_or_running(const struct bh_policy_domains *t, const char *target)
{
        const struct bh_policy_domain *d;

        if (strcmp(target, "dom0") == 0)
                return true;
        if (strncmp(target, "@dispvm", 7) == 0)
                return false;
        d = bh_policy_domains_find(t, target);
        return d && d->running;
}

static void __attribute__((format(printf, 2, 3)))
deny(struct bh_policy_decision *d, const char *fmt, ...)
{
        va_list ap;

        d->verdict = BH_POLICY_DENY;
        d->target[0] = '\0';
        va_start(ap, fmt);
        vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
        va_end(ap);
}

static int cmp_target(const void *a, const void *b)
{
        return strcmp(*(const target_t *)a, *(const target_t *)b);
}

static int eval_ask(const struct bh_policy *p, const struct bh_rule *rule,
                    const struct bh_policy_domains *t, const struct bh_policy_request *req,
                    const struct bh_policy_domain *src, struct bh_policy_decision *d)
{
        struct target_set set = { 0 };
        char one[BH_POLICY_TARGET_MAX + 1], def[BH_POLICY_TARGET_MAX + 1] = "";
        const char *why = NULL;

        if (rule->redirect.kind != TOK_NONE) {
                if (resolve(&rule->redirect, src, t, one, sizeof(one), &why) == 0)
                        set_add(&set, one);
        } else {
                for (size_t i = p->n_rules; i-- > 0;) {
                        const struct bh_rule *r = &p->rules[i];
                        if (!matches_but_target(r, req, src))
                                continue;
                        expand(r->redirect.kind != TOK_NONE ? &r->redirect : &r->target, t, &set,
                               r->action != BH_POLICY_DENY);
                }
                if (set_has(&set, "@dispvm")) {
                        struct bh_tok dv = { .kind = TOK_DISPVM };
                        set_remove(&set, "@dispvm");
                        if (resolve(&dv, src, t, one, sizeof(one), &why) == 0)
                                set_add(&set, one);
                }
                if (set_has(&set, "@adminvm")) {
                        set_remove(&set, "@adminvm");
                        set_add(&set, "dom0");
                }
                /* A call to itself is not a choice (as Qubes). */
                set_remove(&set, src->name);
        }
        if (!rule->autostart)
                for (size_t i = set.n; i-- > 0;)
                        if (!startable_or_running(t, set.v[i]))
                                set_remove(&set, set.v[i]);
        if (set.err) {
                free(set.v);
                return set.err;
        }
        if (set.n == 0) {
                free(set.v);
                deny(d, "policy says ask at %s:%u but no target is available to choose from",
                     d->rule_file, d->rule_line);
                return 0;
        }
        if (rule->default_target.kind != TOK_NONE &&
            resolve(&rule->default_target, src, t, def, sizeof(def), &why) == 0 && set_has(&set, def))
                snprintf(d->default_target, sizeof(d->default_target), "%s", def);
        qsort(set.v, set.n, sizeof(*set.v), cmp_target);
        d->verdict = BH_POLICY_ASK;
        d->targets = set.v;
        d->n_targets = set.n;
        return 0;
}

int bh_policy_eval(const struct bh_policy *p, const struct bh_policy_domains *t,
                   const struct bh_policy_request *req, struct bh_policy_decision *d)
{
        const struct bh_policy_domain *src;
        const struct bh_rule *rule = NULL;
        struct bh_tok it;
        const char *why = NULL;

        memset(d, 0, sizeof(*d));
        d->verdict = BH_POLICY_DENY;
        d->autostart = true;
        d->notify = true; /* the implicit deny notifies, as an explicit deny does */
        if (p->n_errors)
                return -EINVAL;

        if (!req->service || !*req->service || !bh_policy_service_valid(req->service, false)) {
                deny(d, "invalid service name");
                return 0;
        }
        if (!req->argument || !bh_policy_service_valid(req->argument, true) ||
            strlen(req->service) + 1 + strlen(req->argument) > BH_POLICY_SERVICE_MAX) {
                deny(d, "invalid service argument");
                return 0;
        }
        src = req->source ? bh_policy_domains_find(t, req->source) : NULL;
        if (!src) {
                deny(d, "unknown source domain");
                return 0;
        }
        if (!req->target || bh_policy_parse_intended(req->target, &it) < 0) {
                deny(d, "invalid target");
                return 0;
        }
        /* A name that does not exist is asked as @default (as Qubes 4.2), so
         * a caller learns nothing about which domains exist. */
        if (it.kind == TOK_NAME && !bh_policy_domains_find(t, it.value)) {
                memset(&it, 0, sizeof(it));
                it.kind = TOK_DEFAULT;
        }
        if (it.kind == TOK_DISPVM_NAME && !dispvm_template(t, it.value)) {
                deny(d, "not a disposable template: %s", it.value);
                return 0;
        }

        for (size_t i = 0; i < p->n_rules; i++)
                if (matches_but_target(&p->rules[i], req, src) &&
                    target_matches(&p->rules[i].target, &it, src, t)) {
                        rule = &p->rules[i];
                        break;
                }
        if (!rule) {
                deny(d, "no matching rule");
                return 0;
        }
        snprintf(d->rule_file, sizeof(d->rule_file), "%s", p->files[rule->file]);
        d->rule_line = rule->line;
        d->autostart = rule->autostart;
        d->notify = rule->notify;
        snprintf(d->user, sizeof(d->user), "%s", rule->user);

        switch (rule->action) {
        case BH_POLICY_DENY:
                deny(d, "denied by policy %s:%u", d->rule_file, d->rule_line);
                return 0;
        case BH_POLICY_ASK:
                return eval_ask(p, rule, t, req, src, d);
        case BH_POLICY_ALLOW:
                break;
        }
        if (resolve(rule->redirect.kind != TOK_NONE ? &rule->redirect : &it, src, t, d->target,
                    sizeof(d->target), &why) < 0) {
                deny(d, "policy says allow at %s:%u but %s", d->rule_file, d->rule_line, why);
                return 0;
        }
        if (!rule->autostart && !startable_or_running(t, d->target)) {
                deny(d, "target %s is not running and %s:%u says autostart=no", d->target,
                     d->rule_file, d->rule_line);
                return 0;
        }
        if (strcmp(d->target, src->name) == 0) {
                deny(d, "a call from a domain to itself is not supported");
                return 0;
        }
        d->verdict = BH_POLICY_ALLOW;
        return 0;
}

void bh_policy_answer(struct bh_policy_decision *d, const char *chosen)
{
        if (d->verdict != BH_POLICY_ASK)
                return;
        for (size_t i = 0; chosen && i < d->n_targets; i++)
                if (strcmp(d->targets[i], chosen) == 0) {
                        d->verdict = BH_POLICY_ALLOW;
                        snprintf(d->target, sizeof(d->target), "%s", chosen);
                        return;
                }
        if (chosen)
                deny(d, "the user chose a target that is not offered (%s:%u)", d->rule_file,
                     d->rule_line);
        else
                deny(d, "denied by the user (%s:%u)", d->rule_file, d->rule_line);
}

void bh_policy_decision_free(struct bh_policy_decision *d)
{
        free(d->targets);
        d->targets = NULL;
        d->n_targets = 0;
}
