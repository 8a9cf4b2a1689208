/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-init's boot services: the scripts of /etc/bulkhead/start.d. */
#pragma once

#include <sys/types.h>

/* Where a template puts the scripts its domains run at boot
 * (docs/templates.md, "Boot services"). */
#define BH_START_DIR "/etc/bulkhead/start.d"

/* A script starts daemons in the background and returns; one that has not
 * returned after this long is killed, so a broken one never holds up the
 * scripts after it for long.  Generous: tor, say, returns once its
 * configuration is read and its ports are open, well under a second. */
#define BH_START_SCRIPT_TIMEOUT_MS 30000

/* Forks a process that runs every executable regular file in dir, in C
 * locale name order (names starting with '.', ending in '~' or holding
 * ".dpkg-" left out), one at a time, as `FILE` with stdin /dev/null and
 * init's stdout and stderr, each for at most timeout_ms, logging one line
 * per script with its exit status; then it exits.  What a script leaves
 * running is reparented to init.  Returns that process's pid, 0 when dir
 * does not exist (nothing to run), -errno on failure. */
pid_t bh_init_start_scripts(const char *dir, int timeout_ms);
