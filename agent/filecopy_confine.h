/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What bulkhead-filecopy-unpack gives up once its directories are open
 * (docs/filecopy.md, "Least privilege"): no_new_privs, a seccomp filter that
 * allows only the calls unpacking makes, and, where the kernel has Landlock,
 * file-system access limited to the Incoming directory.
 */
#pragma once

#include <stdbool.h>

/*
 * Applies all three to the calling process; incoming_fd is the directory
 * everything happens beneath.  A kernel without Landlock is not an error
 * (*ret_landlock says whether it was applied); a failure of the others is.
 * Returns 0 or a negative errno with *step naming what failed.
 */
int bh_fc_confine(int incoming_fd, bool *ret_landlock, const char **step);
