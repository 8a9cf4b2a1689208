/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPv4 addresses of domains and network domains (docs/networking.md).  Pure.
 *
 * Every domain dom0 may give a network gets one address from the pool
 * 10.137.0.0/16, chosen by bulkheadd at creation and kept in the registry;
 * a domain never picks its own.  A client's gateway is its netvm's own
 * address; its DNS server is the fixed virtual address 10.139.1.1, which
 * the netvm with the uplink forwards to the real resolver (or to Tor).
 * Addresses are uint32_t in host byte order; 0 means none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_NET_POOL_BASE 0x0a890000u /* 10.137.0.0 */
#define BH_NET_POOL_PREFIX 16
/* .0.0 and .0.1 are kept back (network and a conventional gateway), and
 * .255.255 is the broadcast address: pool indexes 2 .. 65534. */
#define BH_NET_POOL_FIRST 2u
#define BH_NET_POOL_LAST 65534u
#define BH_NET_DNS_VIRTUAL 0x0a8b0101u /* 10.139.1.1 */

/* "a.b.c.d" with a, b, c, d decimal 0..255, no leading zeros, nothing
 * else: -EINVAL otherwise. */
int bh_ip_parse(const char *s, uint32_t *ret);
/* "a.b.c.d/n" (n 0..32, the host bits need not be zero); a bare address
 * is /32. */
int bh_cidr_parse(const char *s, uint32_t *ret_addr, unsigned *ret_prefix);
/* buf holds at least BH_IP_STR_MAX bytes. */
#define BH_IP_STR_MAX 16
const char *bh_ip_format(uint32_t ip, char buf[BH_IP_STR_MAX]);

bool bh_net_pool_contains(uint32_t ip);
/* The lowest free pool address, used[] being the addresses taken (any
 * order, outside-pool entries ignored); -ENOSPC when the pool is full. */
int bh_net_pool_pick(const uint32_t *used, size_t n_used, uint32_t *ret);

/* The name of a client's interface in its netvm: "vif" + the client's
 * pool index (at most "vif65534", within IFNAMSIZ); -EINVAL outside the pool. */
#define BH_IFNAME_MAX 16
int bh_net_vif_name(uint32_t client_ip, char buf[BH_IFNAME_MAX]);
