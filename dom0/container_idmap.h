/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocator of private uid/gid ranges for container domains (root only).
 *
 * A range is claimed by a file BH_CT_RUN_DIR/idmap/SLOT holding
 * "PID STARTTIME NAME" of its owner: the starting process while start()
 * runs, then the domain's init.  link(2) makes a claim atomic; a claim whose
 * owner is gone is stale and taken over under flock(2), so a crashed
 * bulkheadd or a domain killed behind our back never keeps a range.  The
 * preferred slot is a hash of the name, so a domain usually gets the same
 * range every time, but nothing depends on that: volumes are idmapped, not
 * chowned (docs/container-backend.md).
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Claims a free range for domain `name`; -EBUSY if a live domain of that
 * name holds one, -ENOSPC if every slot is taken. */
int bh_ct_idmap_claim(const char *name, uint32_t *ret_base);

/* Hands the claim on base over to the domain's init. */
int bh_ct_idmap_own(const char *name, uint32_t base, pid_t pid, uint64_t starttime);

/* Drops every claim of domain `name`. */
void bh_ct_idmap_release(const char *name);

/* The base a live domain `name` holds, or -ENOENT. */
int bh_ct_idmap_lookup(const char *name, uint32_t *ret_base);
