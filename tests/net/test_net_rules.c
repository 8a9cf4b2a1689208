/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Domain addresses, firewall rules and a netvm's nftables ruleset (pure). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "firewall.h"
#include "net_addr.h"
#include "net_rules.h"
#include "tor_gateway.h"

#define assert_contains(hay, needle)                                                     \
        do {                                                                             \
                if (!strstr((hay), (needle)))                                            \
                        fail_msg("expected \"%s\" in:\n%s", (needle), (hay));             \
        } while (0)
#define assert_lacks(hay, needle)                                                        \
        do {                                                                             \
                if (strstr((hay), (needle)))                                             \
                        fail_msg("did not expect \"%s\" in:\n%s", (needle), (hay));       \
        } while (0)

static void test_ip_parse_is_strict(void **state)
{
        uint32_t ip;
        unsigned prefix;

        (void)state;
        assert_int_equal(bh_ip_parse("10.137.0.5", &ip), 0);
        assert_int_equal(ip, 0x0a890005);
        assert_int_equal(bh_ip_parse("255.255.255.255", &ip), 0);
        const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.4 ",
                              " 1.2.3.4", "1..3.4", "a.b.c.d", "1.2.3.-4", "1.2.3.4/8" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(bh_ip_parse(bad[i], &ip), -EINVAL);
        assert_int_equal(bh_cidr_parse("192.0.2.7/24", &ip, &prefix), 0);
        assert_int_equal(ip, 0xc0000207);
        assert_int_equal(prefix, 24);
        assert_int_equal(bh_cidr_parse("192.0.2.7", &ip, &prefix), 0);
        assert_int_equal(prefix, 32);
        assert_int_equal(bh_cidr_parse("192.0.2.7/33", &ip, &prefix), -EINVAL);
        assert_int_equal(bh_cidr_parse("192.0.2.7/", &ip, &prefix), -EINVAL);
        assert_int_equal(bh_cidr_parse("192.0.2.7/08", &ip, &prefix), -EINVAL);
}

static void test_pool_picks_lowest_free_and_skips_reserved(void **state)
{
        uint32_t used[600], ip;
        char buf[BH_IP_STR_MAX], vif[BH_IFNAME_MAX];

        (void)state;
        assert_int_equal(bh_net_pool_pick(NULL, 0, &ip), 0);
        assert_string_equal(bh_ip_format(ip, buf), "10.137.0.2");
        used[0] = 0x0a890002;
        used[1] = 0x0a890004;
        used[2] = 0xc0000201; /* outside the pool: ignored */
        assert_int_equal(bh_net_pool_pick(used, 3, &ip), 0);
        assert_string_equal(bh_ip_format(ip, buf), "10.137.0.3");
        /* .255 and .0 of a /24 are never handed out */
        for (uint32_t i = 0; i < 253; i++)
                used[i] = 0x0a890002 + i; /* .2 .. .254 */
        assert_int_equal(bh_net_pool_pick(used, 253, &ip), 0);
        assert_string_equal(bh_ip_format(ip, buf), "10.137.1.1");
        assert_false(bh_net_pool_contains(0x0a890001));
        assert_false(bh_net_pool_contains(0x0a89ffff));
        assert_false(bh_net_pool_contains(0x0a8a0005));
        assert_int_equal(bh_net_vif_name(0x0a890105, vif), 0);
        assert_string_equal(vif, "vif261");
        assert_int_equal(bh_net_vif_name(0x0a89fffe, vif), 0);
        assert_string_equal(vif, "vif65534");
        assert_int_equal(bh_net_vif_name(0xc0000201, vif), -EINVAL);
}

static void test_pool_full_is_enospc(void **state)
{
        uint32_t *used = calloc(65536, sizeof(*used)), ip;
        size_t n = 0;

        (void)state;
        assert_non_null(used);
        for (uint32_t i = BH_NET_POOL_FIRST; i <= BH_NET_POOL_LAST; i++)
                used[n++] = BH_NET_POOL_BASE + i;
        assert_int_equal(bh_net_pool_pick(used, n, &ip), -ENOSPC);
        free(used);
}

static void rule_ok(const char *text, const char *canonical)
{
        struct bh_fw_rule r;
        char why[160] = "", out[BH_FW_RULE_TEXT_MAX + 1];

        if (bh_fw_rule_parse(text, &r, why, sizeof(why)) != 0)
                fail_msg("'%s' refused: %s", text, why);
        assert_int_equal(bh_fw_rule_format(&r, out, sizeof(out)), 0);
        assert_string_equal(out, canonical);
}

static void rule_refused(const char *text, const char *want)
{
        struct bh_fw_rule r;
        char why[160] = "";

        if (bh_fw_rule_parse(text, &r, why, sizeof(why)) == 0)
                fail_msg("'%s' accepted", text);
        assert_contains(why, want);
}

static void test_firewall_rules_parse_to_a_canonical_form(void **state)
{
        (void)state;
        rule_ok("accept", "accept");
        rule_ok("drop  dst=203.0.113.7", "drop dst=203.0.113.7/32");
        rule_ok("accept dst=203.0.113.77/24 proto=tcp port=443", "accept dst=203.0.113.0/24 proto=tcp port=443");
        rule_ok("accept proto=udp port=5000-5010 dsthost=Example.org", "accept dsthost=Example.org proto=udp port=5000-5010");
        rule_ok("drop proto=icmp", "drop proto=icmp");
        rule_ok("accept dst=0.0.0.0/0", "accept dst=0.0.0.0/0");
        rule_refused("", "starts with accept or drop");
        rule_refused("allow", "starts with accept or drop");
        rule_refused("accept dst=1.2.3.4 dsthost=a.b", "exclude each other");
        rule_refused("accept port=80", "needs proto=tcp or proto=udp");
        rule_refused("accept proto=icmp port=1", "needs proto=tcp or proto=udp");
        rule_refused("accept proto=tcp port=0", "expected N or N-M");
        rule_refused("accept proto=tcp port=65536", "expected N or N-M");
        rule_refused("accept proto=tcp port=90-80", "ends before it starts");
        rule_refused("accept proto=sctp", "expected tcp, udp or icmp");
        rule_refused("accept dst=1.2.3.4/40", "expected A.B.C.D");
        rule_refused("accept dsthost=-bad.org", "not a DNS name");
        rule_refused("accept dsthost=a..b", "not a DNS name");
        rule_refused("accept dsthost=a;b", "not a DNS name");
        rule_refused("accept colour=blue", "unknown key");
        rule_refused("accept proto=tcp proto=udp", "given twice");
        rule_refused("accept nokey", "expected key=value");
        rule_refused("accept\tdst=1.2.3.4\n", "printable ASCII");
}

static void test_firewall_file_round_trips_and_names_its_line(void **state)
{
        struct bh_firewall *fw = malloc(sizeof(*fw)), *back = malloc(sizeof(*back));
        char text[BH_FW_FILE_MAX], err[256] = "";
        size_t len;

        (void)state;
        bh_firewall_init(fw);
        fw->default_action = BH_FW_DROP;
        assert_int_equal(bh_fw_rule_parse("accept dst=203.0.113.0/24 proto=tcp port=80", &fw->rules[0], err, sizeof(err)), 0);
        assert_int_equal(bh_fw_rule_parse("drop dsthost=example.org", &fw->rules[1], err, sizeof(err)), 0);
        fw->n = 2;
        assert_int_equal(bh_firewall_format(fw, "work", text, sizeof(text), &len), 0);
        assert_int_equal(bh_firewall_parse(text, len, "work.conf", back, err, sizeof(err)), 0);
        assert_int_equal(back->n, 2);
        assert_int_equal(back->default_action, BH_FW_DROP);
        assert_string_equal(back->rules[1].dsthost, "example.org");

        const char *bad = "version=1\ndefault=accept\nrule=accept proto=tcp port=99999\n";
        assert_int_equal(bh_firewall_parse(bad, strlen(bad), "fw.conf", back, err, sizeof(err)), -EINVAL);
        assert_contains(err, "fw.conf:3: ");
        const char *nodefault = "version=1\nrule=accept\n";
        assert_int_equal(bh_firewall_parse(nodefault, strlen(nodefault), "fw.conf", back, err, sizeof(err)), -EINVAL);
        assert_contains(err, "missing default=");
        const char *late = "default=drop\nversion=1\n";
        assert_int_equal(bh_firewall_parse(late, strlen(late), "fw.conf", back, err, sizeof(err)), -EINVAL);
        assert_contains(err, "fw.conf:1: expected version=1 first");
        const char *v2 = "version=2\ndefault=drop\n";
        assert_int_equal(bh_firewall_parse(v2, strlen(v2), "fw.conf", back, err, sizeof(err)), -EINVAL);
        const char *cut = "version=1\ndefault=drop";
        assert_int_equal(bh_firewall_parse(cut, strlen(cut), "fw.conf", back, err, sizeof(err)), -EINVAL);

        /* one rule more than the limit */
        size_t o = (size_t)snprintf(text, sizeof(text), "version=1\ndefault=drop\n");
        for (int i = 0; i <= BH_FW_RULES_MAX; i++)
                o += (size_t)snprintf(text + o, sizeof(text) - o, "rule=drop\n");
        assert_int_equal(bh_firewall_parse(text, o, "fw.conf", back, err, sizeof(err)), -EINVAL);
        assert_contains(err, "more than 128 rules");
        free(fw);
        free(back);
}

static int fake_resolve(const char *host, uint32_t *addrs, size_t max, void *userdata)
{
        (void)userdata;
        if (strcmp(host, "two.test") == 0 && max >= 2) {
                addrs[0] = 0xcb00710a; /* 203.0.113.10 */
                addrs[1] = 0xcb00710b;
                return 2;
        }
        return -ENOENT;
}

static int warned;
static void count_warning(const char *host, void *userdata)
{
        (void)host;
        (void)userdata;
        warned++;
}

static char *rules_for(const struct bh_net_node *node)
{
        char *text = NULL;

        assert_int_equal(bh_net_rules(node, fake_resolve, NULL, count_warning, &text), 0);
        assert_non_null(text);
        return text;
}

static void test_router_ruleset_isolates_clients_and_applies_firewalls(void **state)
{
        struct bh_firewall fw;
        char why[160];
        struct bh_net_client clients[2] = { { 0x0a890005, NULL }, { 0x0a890006, &fw } };
        struct bh_net_node node = {
                .mode = BH_NETMODE_ROUTER, .self_ip = 0x0a890002, .has_uplink = 1,
                .uplink_dns = 0xc0000201, .clients = clients, .n_clients = 2,
        };
        char *t;

        (void)state;
        bh_firewall_init(&fw);
        fw.default_action = BH_FW_DROP;
        assert_int_equal(bh_fw_rule_parse("accept dsthost=two.test proto=tcp port=80", &fw.rules[0], why, sizeof(why)), 0);
        assert_int_equal(bh_fw_rule_parse("accept dsthost=gone.test", &fw.rules[1], why, sizeof(why)), 0);
        assert_int_equal(bh_fw_rule_parse("drop dsthost=gone.test proto=udp", &fw.rules[2], why, sizeof(why)), 0);
        assert_int_equal(bh_fw_rule_parse("accept dst=198.51.100.0/24 proto=icmp", &fw.rules[3], why, sizeof(why)), 0);
        fw.n = 4;
        warned = 0;
        t = rules_for(&node);
        /* replaced whole, atomically */
        assert_true(strncmp(t, "table inet bulkhead\ndelete table inet bulkhead\n", 47) == 0);
        /* anti-spoofing: each vif its own address; IPv6 and unknown vifs dropped */
        assert_contains(t, "iifname \"vif5\" ip saddr 10.137.0.5 accept");
        assert_contains(t, "iifname \"vif6\" ip saddr 10.137.0.6 accept");
        assert_contains(t, "iifname \"vif*\" meta nfproto ipv6 drop");
        assert_contains(t, "policy drop;");
        /* clients only reach the uplink, each through its own chain */
        assert_contains(t, "iifname \"vif5\" oifname \"eth0\" jump fw-vif5");
        assert_contains(t, "iifname \"vif6\" oifname \"eth0\" jump fw-vif6");
        assert_lacks(t, "oifname \"vif");
        /* DNS for 10.139.1.1 goes to the uplink's server, for clients and for itself */
        assert_contains(t, "ip daddr 10.139.1.1 meta l4proto { tcp, udp } th dport 53 dnat ip to 192.0.2.1");
        assert_contains(t, "type nat hook output");
        assert_contains(t, "oifname \"eth0\" ip saddr 10.137.0.0/16 masquerade");
        /* a client without a firewall file: everything allowed */
        assert_contains(t, "chain fw-vif5 {\n\t\taccept\n\t}");
        /* the other one's rules, in order, then its default */
        assert_contains(t, "ip daddr { 203.0.113.10, 203.0.113.11 } tcp dport 80 accept");
        assert_contains(t, "# dsthost=gone.test did not resolve\n\t\t# dsthost=gone.test did not resolve\n\t\tmeta l4proto udp drop");
        assert_contains(t, "ip daddr 198.51.100.0/24 meta l4proto icmp accept\n\t\tdrop\n\t}");
        assert_int_equal(warned, 2);
        free(t);

        /* a second hop: no uplink, so no DNS rewriting and no host NAT rules of its own DNS */
        node.has_uplink = 0;
        t = rules_for(&node);
        assert_lacks(t, "dnat");
        assert_contains(t, "masquerade");
        free(t);
}

static void test_tor_ruleset_fails_closed(void **state)
{
        struct bh_net_client clients[1] = { { 0x0a890007, NULL } };
        struct bh_net_node node = {
                .mode = BH_NETMODE_TOR, .self_ip = 0x0a890003, .has_uplink = 0,
                .tor_uid = BH_TOR_UID, .clients = clients, .n_clients = 1,
        };
        char *t, want[128];

        (void)state;
        t = rules_for(&node);
        /* DNS to Tor's DNSPort, TCP to its TransPort */
        snprintf(want, sizeof(want), "ip daddr 10.139.1.1 udp dport 53 redirect to :%d", BH_TOR_DNS_PORT);
        assert_contains(t, want);
        snprintf(want, sizeof(want), "meta l4proto tcp redirect to :%d", BH_TOR_TRANS_PORT);
        assert_contains(t, want);
        /* nothing is forwarded: no client packet leaves as itself */
        assert_contains(t, "chain fwd_filter {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}");
        assert_lacks(t, "masquerade");
        assert_lacks(t, "jump fw-");
        /* only Tor's uid may send on the uplink; IPv6 never */
        snprintf(want, sizeof(want), "oifname \"eth0\" meta skuid %d accept\n\t\toifname \"eth0\" drop", BH_TOR_UID);
        assert_contains(t, want);
        assert_contains(t, "oifname \"eth0\" meta nfproto ipv6 drop");
        /* inbound from the uplink: replies only */
        assert_contains(t, "iifname \"eth0\" ct state established,related accept\n\t\tiifname \"eth0\" drop");
        free(t);
}

static void test_rules_refuse_a_domain_that_provides_nothing(void **state)
{
        struct bh_net_node node = { .mode = BH_NETMODE_NONE };
        char *t = NULL;

        (void)state;
        assert_int_equal(bh_net_rules(&node, NULL, NULL, NULL, &t), -EINVAL);
        assert_null(t);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ip_parse_is_strict),
                cmocka_unit_test(test_pool_picks_lowest_free_and_skips_reserved),
                cmocka_unit_test(test_pool_full_is_enospc),
                cmocka_unit_test(test_firewall_rules_parse_to_a_canonical_form),
                cmocka_unit_test(test_firewall_file_round_trips_and_names_its_line),
                cmocka_unit_test(test_router_ruleset_isolates_clients_and_applies_firewalls),
                cmocka_unit_test(test_tor_ruleset_fails_closed),
                cmocka_unit_test(test_rules_refuse_a_domain_that_provides_nothing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
