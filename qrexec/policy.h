/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The qrexec policy: Qubes 4.1+ policy files (docs/qrexec-policy.md), pure.
 *
 *   parse   files -> rules, every error collected as "FILE:LINE: reason"
 *   domains the table of domains a decision looks at (name, type, tags, ...)
 *   eval    (source, target as asked, service, argument) -> decision
 *
 * Nothing here talks to a socket, a display or bulkheadd; the tools and the
 * daemon do that and hand the results in.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* ---- limits ------------------------------------------------------------- */

/* A domain name: as the registry's (dom0/domain.h), 31 bytes. */
#define BH_POLICY_NAME_MAX 31
/* "@dispvm:" + a name: the longest target a decision carries. */
#define BH_POLICY_TARGET_MAX (8 + BH_POLICY_NAME_MAX)
/* Service and argument: qrexec carries "SERVICE+ARG" in a 64-byte field
 * including its NUL, so neither part can be longer. */
#define BH_POLICY_SERVICE_MAX 63
/* A tag or a @type: value; Qubes tags are short identifiers. */
#define BH_POLICY_TAG_MAX 63
/* Tags of one domain, comma-joined: 16 tags of a typical length. */
#define BH_POLICY_TAGS_BYTES 512
/* user=: Linux user names are at most 32 bytes (useradd). */
#define BH_POLICY_USER_MAX 32
/* One policy line: real lines are under 200 bytes; 4 KiB leaves room for
 * long comments while bounding what one line can make us hold. */
#define BH_POLICY_LINE_MAX 4096
/* One policy file: the whole Qubes default policy is about 20 KiB. */
#define BH_POLICY_FILE_MAX (1024 * 1024)
/* Files read in one load (the directory plus everything it includes):
 * bounds the work a looping or exploding !include-dir can cause. */
#define BH_POLICY_FILES_MAX 1024
/* Nesting of !include / !include-dir / !include-service: real policies use
 * one or two levels; a cycle stops here with an error. */
#define BH_POLICY_INCLUDE_DEPTH_MAX 8
/* Rules in one policy: far above any hand-written policy, bounds memory. */
#define BH_POLICY_RULES_MAX 100000
/* Errors kept per load: after that one more line says how many were dropped. */
#define BH_POLICY_ERRORS_MAX 200
/* One error or warning message ("FILE:LINE: reason"). */
#define BH_POLICY_MSG_MAX 512
/* Domains in one table: bulkheadd's API carries at most 1000 records. */
#define BH_POLICY_DOMAINS_MAX 4096

/* ---- policy ------------------------------------------------------------- */

struct bh_policy;

/*
 * Loads every "*.policy" file of dir (regular files not starting with '.',
 * in strcmp order) and what they include; relative include paths are taken
 * from dir.  Returns 0, or -EINVAL when the policy has errors (then
 * *ret still holds the errors, and evaluation refuses it), or another
 * -errno (dir unreadable: also recorded as an error).  *ret is always set on
 * 0 and -EINVAL and must be freed with bh_policy_free().
 */
int bh_policy_load_dir(const char *dir, struct bh_policy **ret);

/* As bh_policy_load_dir but for the given files, in that order; includes
 * relative to base_dir (NULL: the directory of each named file). */
int bh_policy_load_files(const char *base_dir, const char *const *files, size_t n,
                         struct bh_policy **ret);

/* Parses one text as if it were the file `filename`.  base_dir NULL makes
 * every include an error (the fuzz target and unit tests use that). */
int bh_policy_parse_text(const char *untrusted_text, size_t len, const char *filename,
                         const char *base_dir, struct bh_policy **ret);

void bh_policy_free(struct bh_policy *p);
static inline void bh_policy_freep(struct bh_policy **p)
{
        if (*p)
                bh_policy_free(*p);
}
#define _cleanup_policy_ __attribute__((cleanup(bh_policy_freep)))

size_t bh_policy_n_rules(const struct bh_policy *p);
/* "FILE:LINE: reason", in the order found. */
size_t bh_policy_n_errors(const struct bh_policy *p);
const char *bh_policy_error(const struct bh_policy *p, size_t i);
/* Lines that are valid but cannot do what they seem to (a source token
 * that never matches, an unknown @type:). */
size_t bh_policy_n_warnings(const struct bh_policy *p);
const char *bh_policy_warning(const struct bh_policy *p, size_t i);

/* Every file and directory the load looked at (also those it could not
 * read), so a daemon can tell when to load again. */
size_t bh_policy_n_paths(const struct bh_policy *p);
const char *bh_policy_path(const struct bh_policy *p, size_t i);

/* ---- domains ------------------------------------------------------------ */

enum bh_policy_dom_type {
        BH_DOMTYPE_ADMINVM,    /* dom0 */
        BH_DOMTYPE_TEMPLATEVM, /* class template */
        BH_DOMTYPE_APPVM,      /* class app and dispvm-template */
        BH_DOMTYPE_DISPVM,     /* class disposable */
};

struct bh_policy_domain {
        char name[BH_POLICY_NAME_MAX + 1];
        enum bh_policy_dom_type type;
        bool dispvm_template; /* may be the base of @dispvm:NAME */
        bool running;         /* for autostart=no */
        char tags[BH_POLICY_TAGS_BYTES]; /* checked tags, comma-joined, may be empty */
        char default_dispvm[BH_POLICY_NAME_MAX + 1]; /* for @dispvm, may be empty */
};

struct bh_policy_domains {
        struct bh_policy_domain *d; /* d[0] is always dom0 */
        size_t n;
};

/* An empty table: only dom0.  -ENOMEM. */
int bh_policy_domains_init(struct bh_policy_domains *t);
void bh_policy_domains_free(struct bh_policy_domains *t);

/*
 * Adds the domains of a domains file (docs/qrexec-policy.md): one line per
 * domain, "NAME key=value...".  Errors read "FILE:LINE: reason".  -EINVAL.
 */
int bh_policy_domains_parse(struct bh_policy_domains *t, const char *untrusted_text, size_t len,
                            const char *filename, char *err, size_t errlen);
int bh_policy_domains_load(struct bh_policy_domains *t, const char *path, char *err,
                           size_t errlen);
/* Adds one bulkheadd record (docs/registry.md key=value text, plus the
 * optional tags= and default_dispvm= keys).  -EINVAL. */
int bh_policy_domains_add_record(struct bh_policy_domains *t, const char *untrusted_record,
                                 char *err, size_t errlen);
const struct bh_policy_domain *bh_policy_domains_find(const struct bh_policy_domains *t,
                                                      const char *name);
const char *bh_policy_dom_type_name(enum bh_policy_dom_type type);

/* ---- evaluation --------------------------------------------------------- */

enum bh_policy_verdict {
        BH_POLICY_DENY,
        BH_POLICY_ALLOW,
        BH_POLICY_ASK,
};

struct bh_policy_request {
        const char *source;   /* a domain name; "dom0" for dom0 */
        const char *target;   /* as asked: name, "", @default, dom0, @adminvm, @dispvm, @dispvm:NAME */
        const char *service;  /* without argument */
        const char *argument; /* without '+'; "" for none */
};

struct bh_policy_decision {
        enum bh_policy_verdict verdict;
        /* allow: a domain name or "@dispvm:NAME" (a new disposable of NAME) */
        char target[BH_POLICY_TARGET_MAX + 1];
        char user[BH_POLICY_USER_MAX + 1]; /* "" = the target's default */
        bool autostart;
        bool notify;
        char rule_file[BH_POLICY_MSG_MAX]; /* "" for the implicit deny */
        unsigned rule_line;
        /* ask: the choices (sorted) and the preselected one ("" for none) */
        char (*targets)[BH_POLICY_TARGET_MAX + 1];
        size_t n_targets;
        char default_target[BH_POLICY_TARGET_MAX + 1];
        char reason[BH_POLICY_MSG_MAX]; /* deny: why, for the log */
};

/*
 * Decides a request.  Returns 0 with a decision (a deny is a decision, not
 * an error); -EINVAL if the policy has errors; -ENOMEM.  A malformed request
 * (bad service name, unknown source) is a deny with its reason.
 */
int bh_policy_eval(const struct bh_policy *p, const struct bh_policy_domains *t,
                   const struct bh_policy_request *req, struct bh_policy_decision *ret);

/* The user's answer to an ask: chosen NULL or not among the targets turns
 * the decision into a deny, else into an allow of that target. */
void bh_policy_answer(struct bh_policy_decision *d, const char *chosen);

void bh_policy_decision_free(struct bh_policy_decision *d);

const char *bh_policy_verdict_name(enum bh_policy_verdict v);
