/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File-system helpers the registry and the template store share. */
#pragma once

#include <stddef.h>

/* Removes name (a file, a symlink or a whole tree) under dirfd.  Never
 * follows a symlink and never descends into another file system (-EXDEV:
 * something is mounted there, which must not be deleted through).
 * -ENOENT if name does not exist. */
int bh_rm_rf_at(int at, const char *name);
/* The same for a path; a missing one is not an error. */
int bh_rm_rf(const char *path);

/* The start of a small file (sysfs, /proc, cgroupfs: one read), NUL-ended,
 * at most len - 1 bytes; at is a directory fd or AT_FDCWD. */
int bh_read_small_at(int at, const char *name, char *buf, size_t len);

/* fsync of a directory, so that a rename or unlink in it is durable. */
int bh_fsync_dir(const char *path);

/* Writes a whole file: temp name in the same directory, fsync, rename.
 * mode is the new file's mode. */
int bh_write_file_atomic_at(int at, const char *name, const void *data, size_t len,
                            unsigned mode);
