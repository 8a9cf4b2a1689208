/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The contract between a Tor gateway's template (templates/whonix-gateway:
 * its torrc and the uid of its tor user) and the firewall dom0 loads into
 * it (dom0/net_rules.c): dom0 sends clients' TCP to the TransPort and their
 * DNS to the DNSPort, lets them reach the SOCKS ports, and lets only the
 * tor user send on the uplink.  Change one side, change both.
 */
#pragma once

#define BH_TOR_UID 180
#define BH_TOR_TRANS_PORT 9040
#define BH_TOR_DNS_PORT 5300
#define BH_TOR_SOCKS_PORT 9050
/* Ports with stream isolation per destination, one per application. */
#define BH_TOR_ISOLATED_SOCKS_FIRST 9100
#define BH_TOR_ISOLATED_SOCKS_COUNT 10
