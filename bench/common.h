/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the benchmarks share (bench/common.c). */
#pragma once

#include <stddef.h>

/* The build directory a benchmark was run from: the parent of its own
 * program's directory (BUILD/bench/NAME).  Leaves out untouched when the
 * program's path cannot be read. */
void bench_build_dir(char *out, size_t size);
