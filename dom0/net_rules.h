/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The nftables ruleset dom0 loads into a network domain (docs/networking.md).
 * Pure: text out, no nft, no sockets, so every rule can be unit-tested.
 *
 * dom0 writes the whole table `inet bulkhead` at once (nft -f applies a
 * file atomically), whenever the netvm starts, a client comes or goes, or
 * a client's firewall changes.  The domain itself holds no CAP_NET_ADMIN,
 * so it cannot change what is loaded.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "domain.h"
#include "firewall.h"
#include "net_addr.h"


/* Most addresses one dsthost= may stand for. */
#define BH_NET_HOST_ADDRS_MAX 16

/* Resolves a firewall rule's dsthost (dom0 does it when it loads the
 * rules, as Qubes does); returns the number of IPv4 addresses written to
 * addrs (at most max), 0 or -errno when the name does not resolve. */
typedef int (*bh_net_resolve_fn)(const char *host, uint32_t *addrs, size_t max, void *userdata);

struct bh_net_client {
        uint32_t ip;
        const struct bh_firewall *fw; /* NULL: everything allowed */
};

struct bh_net_node {
        enum bh_netmode mode;
        uint32_t self_ip;    /* the netvm's own address: its clients' gateway */
        /* The netvm reaches the outside itself (sys-net): its clients'
         * traffic leaves eth0 masqueraded, and 10.139.1.1 is forwarded to
         * uplink_dns.  Otherwise eth0 leads to its own netvm, which does
         * both. */
        int has_uplink;
        uint32_t uplink_dns;  /* 0: DNS goes unanswered */
        uint32_t tor_uid;     /* BH_NETMODE_TOR: the only uid that may send on eth0 */
        const struct bh_net_client *clients;
        size_t n_clients;
};

/* The ruleset as nft -f text in a malloc'd string; a dsthost= that does
 * not resolve makes an accept rule match nothing and a drop rule drop
 * regardless of address (fail closed); each such name is reported through
 * warn (may be NULL). */
int bh_net_rules(const struct bh_net_node *node, bh_net_resolve_fn resolve, void *userdata,
                 void (*warn)(const char *host, void *userdata), char **ret);
