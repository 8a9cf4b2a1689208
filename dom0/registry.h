/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of domains: one file per domain, <state>/domains/<name>.conf,
 * `key=value` lines (docs/registry.md).  Two halves:
 *   - pure: name checks, enum names, parsing and formatting a record;
 *   - files: atomic save and remove, lookup, load of everything.
 * bulkheadd is the only writer; bh_registry_open() holds a lock so that a
 * second daemon on the same state directory fails instead of racing.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

/* The file format this code writes and the only one it reads.  A file with
 * a higher version is refused by name ("newer than this bulkhead"), never
 * half-read. */
#define BH_REGISTRY_VERSION 1

/* A record is about 300 bytes; 4 KiB leaves room for comments and a few
 * versions of growth while bounding what a damaged file can make us read. */
#define BH_REGISTRY_MAX_FILE 4096
/* The longest line we write is well under 80 bytes. */
#define BH_REGISTRY_MAX_LINE 256
/* Enough for "FILE:LINE: reason" with a long path in FILE. */
#define BH_REGISTRY_ERR_MAX 512

/* Limits checked on every record read or written. */
#define BH_MEMORY_MIN_MIB 32          /* below this a Debian userland does not start */
#define BH_MEMORY_MAX_MIB (1u << 20)  /* 1 TiB: more is a typo */
/* A private volume: room for a filesystem and a user's dotfiles; 4 TiB is
 * already a typo. */
#define BH_PRIVATE_MIN_MIB 64
#define BH_PRIVATE_MAX_MIB (4u << 20)
#define BH_VCPUS_MAX 128              /* Xen's PV limit is higher; 128 is already a typo */
#define BH_PRELOAD_MAX 64             /* paused disposables kept per dispvm-template */
#define BH_TIME_MAX 253402300799LL    /* 9999-12-31T23:59:59Z */
#define BH_PID_MAX 4194304            /* the kernel's PID_MAX_LIMIT */
#define BH_DOMID_MAX 32751            /* Xen: DOMID_FIRST_RESERVED - 1 */

/* Defaults bh_domain_init() sets. */
#define BH_DEFAULT_MEMORY_MIB 400
#define BH_DEFAULT_VCPUS 2
/* 2 GiB, as in Qubes; also what a record without private_mib= means. */
#define BH_DEFAULT_PRIVATE_MIB 2048
#define BH_DEFAULT_BACKEND "container"

/* ---- pure ---------------------------------------------------------------- */

/* 0 if name is a valid domain name, else -EINVAL and why in err (err may be
 * NULL).  Valid: [A-Za-z0-9_.-], first a letter, 1..BH_NAME_MAX bytes, and
 * not a reserved word ("dom0", "none", "default"). */
int bh_name_check(const char *name, char *err, size_t errlen);
/* A tags list: comma-separated names, at most BH_TAGS_COUNT_MAX. */
int bh_tags_check(const char *tags, char *why, size_t whylen);

/* NULL for a value outside the enum. */
const char *bh_class_to_string(enum bh_class c);
const char *bh_label_to_string(enum bh_label l);
const char *bh_state_to_string(enum bh_state s);
const char *bh_netmode_to_string(enum bh_netmode m);
const char *bh_virt_mode_to_string(enum bh_virt_mode m);
/* 0, or -EINVAL for an unknown word (exact, lower-case match). */
int bh_class_from_string(const char *s, enum bh_class *ret);
int bh_label_from_string(const char *s, enum bh_label *ret);
int bh_state_from_string(const char *s, enum bh_state *ret);
int bh_netmode_from_string(const char *s, enum bh_netmode *ret);
int bh_virt_mode_from_string(const char *s, enum bh_virt_mode *ret);
/* An uplink: "", "host" or "netns:NAME" with NAME a domain-name-like word
 * (a file in /run/netns); -EINVAL and why otherwise. */
int bh_uplink_check(const char *uplink, char *why, size_t whylen);

/* A size in MiB as a user writes it: decimal MiB, or a decimal number and
 * a binary unit (M, MiB, G, GiB, T, TiB): "2048", "4G".  No sign, no
 * leading zero, no space, no fraction.  -EINVAL, or -ERANGE past 64 bits;
 * the caller checks the range it allows. */
int bh_size_mib_parse(const char *s, uint64_t *ret_mib);

/* Zeroes d and sets the defaults: label red, memory 400 MiB, 2 vcpus,
 * backend container, halted, domid -1.  The caller sets name, class, template. */
void bh_domain_init(struct bh_domain *d);

/* Clears the runtime fields (state halted, started, pid, pid_starttime,
 * domid -1): what a domain that stopped must look like to be saved. */
void bh_domain_set_halted(struct bh_domain *d);

/* 0 if d could be saved and read back, else -EINVAL and why:
 * names checked, numbers in range, a template has no template_name and every
 * other class has one, preload only on a dispvm-template, a halted domain
 * carries no pid, start time or domid. */
int bh_domain_validate(const struct bh_domain *d, char *err, size_t errlen);

/* Parses one record.  filename is only used in messages ("FILE:LINE:
 * reason").  Every key of the version must be present exactly once, unknown
 * keys are refused, `version=` must come first.  ret is written only on
 * success.  -EINVAL (or -EFBIG for an oversized text) and a message on error. */
int bh_domain_parse(const char *untrusted_text, size_t len, const char *filename,
                    struct bh_domain *ret, char *err, size_t errlen);

/* Formats d as a file's text into buf (NUL-terminated) and its length
 * without the NUL into *ret_len.  -EINVAL if d does not validate,
 * -ENOSPC if buf is too small (BH_REGISTRY_MAX_FILE always suffices). */
int bh_domain_format(const struct bh_domain *d, char *buf, size_t size, size_t *ret_len,
                     char *err, size_t errlen);

/* ---- files --------------------------------------------------------------- */

struct bh_registry;

/* Opens (creating if needed, mode 0700) <state_dir>/domains and takes an
 * exclusive lock on it: -EBUSY when another process holds it.  Leftover
 * temp files of an interrupted save are removed here. */
int bh_registry_open(const char *state_dir, struct bh_registry **ret);
void bh_registry_close(struct bh_registry *r);
static inline void bh_registry_closep(struct bh_registry **r)
{
        if (*r)
                bh_registry_close(*r);
}
#define _cleanup_registry_ __attribute__((cleanup(bh_registry_closep)))

/* The directory holding the files, for messages. */
const char *bh_registry_dir(const struct bh_registry *r);

/* Writes d atomically (temp file, fsync, rename, fsync of the directory):
 * after a crash the file is either the old record or the new one.
 * -EINVAL (and why in err) if d does not validate. */
int bh_registry_save(struct bh_registry *r, const struct bh_domain *d, char *err,
                     size_t errlen);

/* Removes the record, durably.  -ENOENT if there is none, -EINVAL for a bad name. */
int bh_registry_remove(struct bh_registry *r, const char *name);

/* Reads one record.  -ENOENT if there is none, -EINVAL (and err) if the name
 * is invalid or the file is damaged, -EFBIG if it is oversized. */
int bh_registry_load(struct bh_registry *r, const char *name, struct bh_domain *ret,
                     char *err, size_t errlen);

/* Called once per file load_all skips, with "FILE:LINE: reason".  The file
 * is left alone: a damaged record is for a human to look at, not to lose. */
typedef void (*bh_registry_report_fn)(const char *message, void *userdata);

/* Reads every record, sorted by name (byte order).  Damaged files are
 * reported (through report, or bh_log_error when report is NULL) and
 * skipped; *ret_skipped (may be NULL) counts them.  *ret is malloc'd (NULL
 * when there are none); the caller frees it. */
int bh_registry_load_all(struct bh_registry *r, struct bh_domain **ret, size_t *ret_n,
                         size_t *ret_skipped, bh_registry_report_fn report, void *userdata);

/* For tests only: called at each step of a save with the step's name
 * ("written", "synced", "renamed"), so a test can simulate a crash there
 * (e.g. _exit() in a child process).  NULL to clear. */
void bh_registry_set_test_hook(void (*hook)(const char *step));
