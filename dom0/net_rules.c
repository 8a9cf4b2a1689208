/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A network domain's nftables ruleset, as text.  No I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_rules.h"
#include "tor_gateway.h"

static void client_rules(FILE *f, const struct bh_net_client *c, bh_net_resolve_fn resolve,
                         void *userdata, void (*warn)(const char *, void *))
{
        char vif[BH_IFNAME_MAX], ip[BH_IP_STR_MAX];
        const struct bh_firewall *fw = c->fw;

        if (bh_net_vif_name(c->ip, vif) < 0)
                return;
        fprintf(f, "\tchain fw-%s {\n", vif);
        for (size_t i = 0; fw && i < fw->n; i++) {
                const struct bh_fw_rule *r = &fw->rules[i];
                const char *verdict = r->action == BH_FW_DROP ? "drop" : "accept";
                char match[64 + BH_NET_HOST_ADDRS_MAX * (BH_IP_STR_MAX + 2)] = "";
                size_t off = 0;

                if (r->has_dst) {
                        off += (size_t)snprintf(match, sizeof(match), "ip daddr %s/%u ",
                                                bh_ip_format(r->dst, ip), r->dst_prefix);
                } else if (r->dsthost[0]) {
                        uint32_t addrs[BH_NET_HOST_ADDRS_MAX];
                        int n = resolve ? resolve(r->dsthost, addrs, BH_NET_HOST_ADDRS_MAX, userdata)
                                        : -ENOSYS;

                        if (n <= 0) {
                                if (warn)
                                        warn(r->dsthost, userdata);
                                /* An accept for a name that does not
                                 * resolve lets nothing through; a drop
                                 * drops whatever else it names. */
                                fprintf(f, "\t\t# dsthost=%s did not resolve\n", r->dsthost);
                                if (r->action == BH_FW_ACCEPT)
                                        continue;
                        } else {
                                if (n > BH_NET_HOST_ADDRS_MAX)
                                        n = BH_NET_HOST_ADDRS_MAX;
                                off += (size_t)snprintf(match + off, sizeof(match) - off,
                                                        "ip daddr { ");
                                for (int k = 0; k < n; k++)
                                        off += (size_t)snprintf(match + off, sizeof(match) - off,
                                                                "%s%s", k ? ", " : "",
                                                                bh_ip_format(addrs[k], ip));
                                off += (size_t)snprintf(match + off, sizeof(match) - off, " } ");
                        }
                }
                switch (r->proto) {
                case BH_FW_ANY:
                        break;
                case BH_FW_TCP:
                case BH_FW_UDP: {
                        const char *p = r->proto == BH_FW_TCP ? "tcp" : "udp";
                        if (r->port_lo && r->port_lo == r->port_hi)
                                off += (size_t)snprintf(match + off, sizeof(match) - off,
                                                        "%s dport %u ", p, r->port_lo);
                        else if (r->port_lo)
                                off += (size_t)snprintf(match + off, sizeof(match) - off,
                                                        "%s dport %u-%u ", p, r->port_lo, r->port_hi);
                        else
                                off += (size_t)snprintf(match + off, sizeof(match) - off,
                                                        "meta l4proto %s ", p);
                        break;
                }
                case BH_FW_ICMP:
                        off += (size_t)snprintf(match + off, sizeof(match) - off, "meta l4proto icmp ");
                        break;
                }
                fprintf(f, "\t\t%s%s\n", match, verdict);
        }
        fprintf(f, "\t\t%s\n\t}\n",
                fw && fw->default_action == BH_FW_DROP ? "drop" : "accept");
}

int bh_net_rules(const struct bh_net_node *node, bh_net_resolve_fn resolve, void *userdata,
                 void (*warn)(const char *host, void *userdata), char **ret)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f;
        char ip[BH_IP_STR_MAX], dns[BH_IP_STR_MAX], vif[BH_IFNAME_MAX];
        bool tor = node->mode == BH_NETMODE_TOR;

        if (node->mode != BH_NETMODE_ROUTER && !tor)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -errno;
        bh_ip_format(BH_NET_DNS_VIRTUAL, dns);
        /* Declaring the table first makes the delete valid on a first load:
         * the file then replaces the table whole, in one transaction. */
        fprintf(f, "table inet bulkhead\ndelete table inet bulkhead\n"
                   "table inet bulkhead {\n");

        /* Each vif carries its own client's address and nothing else: no
         * spoofing, no IPv6, nothing from an interface dom0 did not make. */
        fprintf(f, "\tchain pre_raw {\n"
                   "\t\ttype filter hook prerouting priority raw; policy accept;\n"
                   "\t\tiifname \"vif*\" meta nfproto ipv6 drop\n");
        for (size_t i = 0; i < node->n_clients; i++)
                if (bh_net_vif_name(node->clients[i].ip, vif) == 0)
                        fprintf(f, "\t\tiifname \"%s\" ip saddr %s accept\n", vif,
                                bh_ip_format(node->clients[i].ip, ip));
        fprintf(f, "\t\tiifname \"vif*\" drop\n\t}\n");

        fprintf(f, "\tchain pre_nat {\n"
                   "\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
        if (tor) {
                fprintf(f, "\t\tiifname \"vif*\" ip daddr %s udp dport 53 redirect to :%u\n", dns,
                        BH_TOR_DNS_PORT);
                /* Connections to the gateway's own SOCKS ports stay what they
                 * are; every other TCP connection goes into Tor. */
                fprintf(f, "\t\tiifname \"vif*\" ip daddr %s tcp dport { %u, %u-%u } accept\n",
                        bh_ip_format(node->self_ip, ip), BH_TOR_SOCKS_PORT,
                        BH_TOR_ISOLATED_SOCKS_FIRST,
                        BH_TOR_ISOLATED_SOCKS_FIRST + BH_TOR_ISOLATED_SOCKS_COUNT - 1);
                fprintf(f, "\t\tiifname \"vif*\" meta l4proto tcp redirect to :%u\n",
                        BH_TOR_TRANS_PORT);
        } else if (node->has_uplink && node->uplink_dns) {
                fprintf(f, "\t\tiifname \"vif*\" ip daddr %s meta l4proto { tcp, udp } th dport 53 dnat ip to %s\n",
                        dns, bh_ip_format(node->uplink_dns, ip));
        }
        fprintf(f, "\t}\n");

        if (!tor && node->has_uplink && node->uplink_dns)
                fprintf(f, "\tchain out_nat {\n"
                           "\t\ttype nat hook output priority -100; policy accept;\n"
                           "\t\tip daddr %s meta l4proto { tcp, udp } th dport 53 dnat ip to %s\n"
                           "\t}\n",
                        dns, bh_ip_format(node->uplink_dns, ip));

        if (!tor)
                /* Each hop NATs its clients: upstream sees one address per
                 * netvm, as in Qubes. */
                fprintf(f, "\tchain post_nat {\n"
                           "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                           "\t\toifname \"eth0\" ip saddr %u.%u.0.0/%u masquerade\n"
                           "\t}\n",
                        BH_NET_POOL_BASE >> 24, BH_NET_POOL_BASE >> 16 & 0xff, BH_NET_POOL_PREFIX);

        fprintf(f, "\tchain in_filter {\n"
                   "\t\ttype filter hook input priority filter; policy accept;\n"
                   "\t\tiifname \"vif*\" ct state established,related accept\n");
        if (tor) {
                fprintf(f, "\t\tiifname \"vif*\" tcp dport { %u, %u, %u-%u } accept\n",
                        BH_TOR_TRANS_PORT, BH_TOR_SOCKS_PORT, BH_TOR_ISOLATED_SOCKS_FIRST,
                        BH_TOR_ISOLATED_SOCKS_FIRST + BH_TOR_ISOLATED_SOCKS_COUNT - 1);
                fprintf(f, "\t\tiifname \"vif*\" udp dport %u accept\n", BH_TOR_DNS_PORT);
                fprintf(f, "\t\tiifname \"eth0\" ct state established,related accept\n"
                           "\t\tiifname \"eth0\" drop\n");
        } else {
                fprintf(f, "\t\tiifname \"vif*\" icmp type echo-request accept\n");
        }
        fprintf(f, "\t\tiifname \"vif*\" drop\n\t}\n");

        fprintf(f, "\tchain fwd_filter {\n"
                   "\t\ttype filter hook forward priority filter; policy drop;\n");
        if (!tor) {
                fprintf(f, "\t\tct state invalid drop\n"
                           "\t\tct state established,related accept\n");
                for (size_t i = 0; i < node->n_clients; i++)
                        if (bh_net_vif_name(node->clients[i].ip, vif) == 0)
                                fprintf(f, "\t\tiifname \"%s\" oifname \"eth0\" jump fw-%s\n", vif, vif);
        }
        fprintf(f, "\t}\n");

        if (tor)
                /* Fail closed: only Tor itself reaches the uplink; a packet
                 * without a socket (or anyone else's) is dropped. */
                fprintf(f, "\tchain out_filter {\n"
                           "\t\ttype filter hook output priority filter; policy accept;\n"
                           "\t\toifname \"eth0\" meta nfproto ipv6 drop\n"
                           "\t\toifname \"eth0\" meta skuid %u accept\n"
                           "\t\toifname \"eth0\" drop\n"
                           "\t}\n",
                        node->tor_uid);
        else
                for (size_t i = 0; i < node->n_clients; i++)
                        client_rules(f, &node->clients[i], resolve, userdata, warn);
        fprintf(f, "}\n");
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        return 0;
}
