/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading below a root prefix: "/" for this machine, a fixture tree for
 * tests.  Every path is relative to the root ("proc/cpuinfo").  Reads are
 * bounded and take regular files only (procfs and sysfs files are regular;
 * a FIFO or device planted in a fixture would block or never end).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct recon_src {
        int rootfd;
        bool live;  /* the root is "/" */
        int snapfd; /* --snapshot: what is read is also written here, or -1 */
};

int recon_src_open(struct recon_src *s, const char *root);
/* Also copy everything read into dir (created if missing), as a fixture
 * tree: file contents, symlinks, directory entries, and empty files for
 * paths only tested for existence.  DMI serial numbers and UUIDs are left
 * out.  Returns 0 or a negative errno. */
int recon_src_snapshot(struct recon_src *s, const char *dir);
/* Writes data as root-relative path into the snapshot (no-op without one). */
void recon_snap_write(const struct recon_src *s, const char *path, const void *data, size_t len);
void recon_src_close(struct recon_src *s);

/* Reads up to cap - 1 bytes into a new NUL-terminated buffer (*out, free()).
 * Returns the length, or a negative errno (-ENOENT, -EACCES, ...).
 * *truncated (may be NULL) tells whether the file had more. */
ssize_t recon_read(const struct recon_src *s, const char *path, size_t cap, char **out,
                   bool *truncated);
/* The first line of a small file, trimmed and sanitized. */
int recon_read_line(const struct recon_src *s, const char *path, char *out, size_t out_size);
/* Up to len bytes from offset off of a regular file or character device
 * (the msr device).  Returns bytes read or a negative errno. */
ssize_t recon_read_at(const struct recon_src *s, const char *path, uint64_t off, void *buf, size_t len);
/* The path exists (not following a final symlink). */
bool recon_exists(const struct recon_src *s, const char *path);
/* The target of a symlink.  Returns 0 or a negative errno. */
int recon_readlink(const struct recon_src *s, const char *path, char *out, size_t size);

/* Sorted names in a directory (no dot files), at most
 * RECON_DIR_MAX_ENTRIES.  Returns the count or a negative errno; free with
 * recon_names_free(). */
int recon_list(const struct recon_src *s, const char *dir, char ***names);
void recon_names_free(char **names, int n);
