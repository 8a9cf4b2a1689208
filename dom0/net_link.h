/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network plumbing inside other network namespaces: veth pairs, addresses,
 * routes, sysctls and nftables rulesets, through rtnetlink and nft(8).
 * bulkheadd holds CAP_NET_ADMIN over every domain's namespace (it made
 * them); the domains hold none (docs/networking.md).
 *
 * nsfd arguments are open /proc/PID/ns/net (or /run/netns/NAME) files.
 */
#pragma once

#include <stdint.h>

/* A netlink route socket inside nsfd's namespace (the calling thread
 * enters it only for the socket(2) call). */
int bh_nl_open(int nsfd);

/* A veth pair: `name` in the socket's namespace, `peer` in peer_nsfd's.
 * -EEXIST if either name is taken. */
int bh_nl_veth(int nl, const char *name, const char *peer, int peer_nsfd);
/* Removes a link (its veth peer goes with it); 0 if there was none. */
int bh_nl_link_del(int nl, const char *name);
/* Moves a link of the socket's namespace into nsfd's; -ENODEV if there
 * is none by that name. */
int bh_nl_link_move(int nl, const char *name, int nsfd);
/* Brings the link up, with addr/prefix on it when addr != 0. */
int bh_nl_link_up(int nl, const char *name, uint32_t addr, unsigned prefix);
/* A route to dst/prefix through the link: via gw (0: on the link itself). */
int bh_nl_route(int nl, const char *name, uint32_t dst, unsigned prefix, uint32_t gw);

/* Writes value to /proc/sys/<key> as seen inside nsfd's namespace. */
int bh_net_sysctl(int nsfd, const char *key, const char *value);

/* Loads an nftables ruleset into nsfd's namespace with `nft -f -`; nft's
 * complaint, if any, goes to the log. */
int bh_nft_load(int nsfd, const char *ruleset);
