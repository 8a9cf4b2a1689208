/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the container tests set up on the host. */
#pragma once

#include <sys/types.h>

/* A minimal "host-like" template root in dir (made if missing): empty
 * top-level directories, /bin /lib /lib64 /sbin as links into /usr (bound
 * from the host by the spec's host_ro_binds), and a small /etc. */
int fx_make_template(const char *dir);

/* Copies src to dst with mode. */
int fx_copy(const char *src, const char *dst, mode_t mode);

/* Writes text to path with mode. */
int fx_write(const char *path, const char *text, mode_t mode);

/* rm -rf that never crosses into another mount. */
int fx_rm_rf(const char *path);

/* The top build directory, found from this program's own path
 * (<top>/tests/container/PROGRAM); the caller frees it. */
char *fx_builddir(void);
