/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parsed form of a policy, shared by policy_parse.c and policy_eval.c. */
#pragma once

#include "policy.h"

/* Fields on one line: 5 columns and at most one of each of the 5 params. */
#define BH_POLICY_FIELDS_MAX 10

enum bh_tok_kind {
        TOK_NONE,        /* no target= / default_target= */
        TOK_NAME,        /* a literal domain name (never "dom0": that is TOK_ADMINVM) */
        TOK_ADMINVM,     /* @adminvm, dom0 */
        TOK_ANYVM,       /* @anyvm */
        TOK_ANY,         /* *  (every domain, dom0 too) */
        TOK_DEFAULT,     /* @default */
        TOK_DISPVM,      /* @dispvm */
        TOK_DISPVM_NAME, /* @dispvm:NAME */
        TOK_DISPVM_TAG,  /* @dispvm:@tag:T */
        TOK_TAG,         /* @tag:T */
        TOK_TYPE,        /* @type:T */
};

struct bh_tok {
        enum bh_tok_kind kind;
        char value[BH_POLICY_TAG_MAX + 1]; /* the name, tag or type */
};

struct bh_rule {
        bool any_service, any_argument;
        char service[BH_POLICY_SERVICE_MAX + 1];
        char argument[BH_POLICY_SERVICE_MAX + 1]; /* without '+' */
        struct bh_tok source, target;
        enum bh_policy_verdict action;
        struct bh_tok redirect;       /* target= */
        struct bh_tok default_target; /* default_target= (ask only) */
        char user[BH_POLICY_USER_MAX + 1];
        bool autostart, notify;
        size_t file; /* index into bh_policy.files */
        unsigned line;
};

struct bh_policy {
        struct bh_rule *rules;
        size_t n_rules, cap_rules;
        char **files;   /* every file read, for rule locations */
        size_t n_files;
        char **errors;
        size_t n_errors, dropped_errors;
        char **warnings;
        size_t n_warnings;
};

/* Shared checks (policy_parse.c). */
bool bh_policy_name_valid(const char *s);
bool bh_policy_service_valid(const char *s, bool allow_plus);
bool bh_policy_tag_valid(const char *s);
/* Parses a token for the intended target of a request: "" and @default,
 * dom0 and @adminvm, @dispvm, @dispvm:NAME, or a name.  -EINVAL. */
int bh_policy_parse_intended(const char *s, struct bh_tok *ret);
