/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Tor gateway's contract with dom0 (docs/templates.md, "The Tor
 * gateway"): what templates/whonix-gateway/customize writes into the
 * gateway's /etc/tor/torrc and /etc/passwd, and what dom0's gateway firewall
 * relies on.  dom0 redirects its clients' TCP to the TransPort and their DNS
 * to the DNSPort, lets them reach the SocksPorts, and lets only the Tor
 * user send on the uplink.  Change a number here and in the recipe
 * together: templates/whonix-gateway/test-contract compares them.
 */
#pragma once

/* uid and gid of debian-tor, fixed (Debian allocates it dynamically):
 * the only user allowed to send on the gateway's uplink. */
#define BH_TOR_UID 180
/* TransPort: clients' TCP connections, redirected here by dom0. */
#define BH_TOR_TRANS_PORT 9040
/* DNSPort: clients' DNS queries (UDP), redirected here by dom0. */
#define BH_TOR_DNS_PORT 5300
/* SocksPort isolated per client address and SOCKS credentials. */
#define BH_TOR_SOCKS_PORT 9050
/* SocksPorts FIRST .. FIRST + COUNT - 1, each isolating by destination
 * address and port: for applications that want a circuit per site. */
#define BH_TOR_ISOLATED_SOCKS_FIRST 9100
#define BH_TOR_ISOLATED_SOCKS_COUNT 10
