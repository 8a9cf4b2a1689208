/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Templates on disk (docs/templates.md):
 *
 *   STATE/templates/NAME/current -> v2     switched atomically (rename)
 *   STATE/templates/NAME/v2/root/          the read-only lower layer
 *   STATE/templates/NAME/v2/template.conf  what it is (below)
 *   STATE/templates/NAME/v1/...            kept while a domain may use it
 *
 * A version directory is never changed after it is committed: overlayfs
 * does not allow changing a lower layer under a mounted overlay, so an
 * update is a new version, and running domains keep the one they started on.
 *
 * template.conf, `key=value` like the registry (kvfile.h):
 *   version=1, name=, kind=host|image, created= (unix seconds),
 *   usr_bind= (kind=host: the host directory the backend binds read-only
 *   at /usr; empty for images), packages_sha256=, tar_sha256= (64 hex
 *   digits or empty: the recorded package list and the root's tar).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define BH_TEMPLATE_CONF_MAX 4096
#define BH_TEMPLATE_CONF_LINE 256
#define BH_TEMPLATE_USR_BIND_MAX 64
/* Versions are v1, v2, ...: far fewer than this in any real life. */
#define BH_TEMPLATE_VERSION_MAX 999999

enum bh_template_kind {
        BH_TEMPLATE_HOST,  /* empty /usr, the host's bound read-only at start */
        BH_TEMPLATE_IMAGE, /* a complete root filesystem (templates/debian) */
};

struct bh_template_conf {
        char name[BH_NAME_MAX + 1];
        enum bh_template_kind kind;
        int64_t created;
        char usr_bind[BH_TEMPLATE_USR_BIND_MAX];
        char packages_sha256[65];
        char tar_sha256[65];
};

/* ---- template.conf (pure) ------------------------------------------------ */

/* Every key required once, unknown keys refused; kind=host needs an absolute
 * usr_bind without "..", kind=image an empty one.  -EINVAL and
 * "FILE:LINE: reason" on error; ret written only on success. */
int bh_template_conf_parse(const char *untrusted_text, size_t len, const char *filename,
                           struct bh_template_conf *ret, char *err, size_t errlen);
int bh_template_conf_format(const struct bh_template_conf *c, char *buf, size_t size,
                            size_t *ret_len, char *err, size_t errlen);

/* ---- the store ----------------------------------------------------------- */

/* STATE/templates/NAME/vN/root with N the current version (the symlink
 * resolved, so the path stays valid for the domain's whole run even if the
 * template is updated meanwhile); STATE/templates/NAME/current/root when
 * there is no current version yet (a start then fails with ENOENT).
 * malloc'd; NULL only when out of memory. */
char *bh_template_root_path(const char *state_dir, const char *name);

/* Reads the current version's template.conf.  -ENOENT if there is none. */
int bh_template_conf_load(const char *state_dir, const char *name, struct bh_template_conf *ret,
                          unsigned *ret_version, char *err, size_t errlen);

/* Makes an empty staging directory STATE/templates/NAME/.new-vN for the next
 * version N (removing stale ones a crash left); the caller fills it with
 * root/ and template.conf, then commits or removes it. *ret_dir malloc'd. */
int bh_template_version_new(const char *state_dir, const char *name, unsigned *ret_version,
                            char **ret_dir);

/* Renames the staging directory to vN and switches `current` to it
 * atomically (symlink to a temp name, rename over current, fsync). */
int bh_template_version_commit(const char *state_dir, const char *name, unsigned version);

/* Removes every version but the current one.  Call it only when no domain
 * whose root comes from NAME is running or paused: those may still have an
 * older version mounted.  *ret_removed (may be NULL) counts them. */
int bh_template_prune(const char *state_dir, const char *name, unsigned *ret_removed);

/* Removes the whole template (every version).  Same rule as prune. */
int bh_template_remove(const char *state_dir, const char *name);

/* ---- the host template --------------------------------------------------- */

/* Makes dir a root directory for an overlay lower layer whose /usr is the
 * host's, bound read-only at start: the top-level directories, merged-/usr
 * symlinks (bin, sbin, lib, lib64 -> usr/...), a minimal /etc.  Built in a
 * temp sibling and renamed into place, so dir is either absent or complete.
 * If dir already holds a host root it is left untouched (0); if it is
 * anything else that is not empty, -EEXIST. */
int bh_template_host_make_root(const char *dir);

/* Installs the host template NAME in the store: if its current version is
 * already a host template, nothing changes (0); otherwise a new version
 * with make_root + template.conf (kind=host, usr_bind=/usr) is committed. */
int bh_template_host_prepare(const char *state_dir, const char *name);

/* Like prepare, but with customize (an absolute path to an executable, or
 * NULL) a new version is always made: after make_root, customize runs as
 * `customize ROOT` on the staging root (bh_template_customize_run), and
 * the version is committed only if it exits 0.  An image template of that
 * name is refused (-EEXIST).  err gets one line on failure. */
int bh_template_host_build(const char *state_dir, const char *name, const char *customize,
                           char *err, size_t errlen);

/* ---- customize scripts (template_customize.c) ---------------------------- */

/* A recipe's customize script writes a few files in /etc: a minute is far
 * more than that needs, and bulkheadd, which waits for it, answers nobody
 * meanwhile, so it must not be much longer. */
#define BH_TEMPLATE_CUSTOMIZE_TIMEOUT_MS 60000

/* Runs script (absolute path of an executable regular file) as
 * `script root`: fork + exec, no shell, stdin /dev/null, stdout and stderr
 * to our stderr, a fixed small environment, a session of its own.  After
 * timeout_ms the session is SIGKILLed (-ETIMEDOUT); what it leaves in its
 * process group when it exits is SIGKILLed too.  A non-zero exit or a
 * signal is -EIO.  err gets one line naming the script and what happened. */
int bh_template_customize_run(const char *script, const char *root, int timeout_ms, char *err,
                              size_t errlen);
