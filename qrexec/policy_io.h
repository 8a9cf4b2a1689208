/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the policy tools and the daemon share beyond the pure library: where
 * things are, and the domains as bulkheadd knows them. */
#pragma once

#include <stddef.h>

#include "policy.h"

#define BH_POLICY_DEFAULT_DIR "/etc/bulkhead/policy.d"
#define BH_RUNTIME_DEFAULT_DIR "/run/bulkhead"

/* --policy-dir if given, else $BULKHEAD_POLICY_DIR, else the default. */
const char *bh_policy_dir(const char *option);
/* $BULKHEAD_RUNTIME_DIR, else /run/bulkhead. */
const char *bh_runtime_dir(void);

/* Fills t (already initialised) with bulkheadd's domains: one `list`
 * request on RUNTIME/bulkheadd.sock.  -errno and a message in err. */
int bh_policy_domains_from_bulkheadd(struct bh_policy_domains *t, char *err, size_t errlen);
