/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead firewall: a domain's rules, enforced in its netvm (docs/networking.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_client.h"
#include "api_proto.h"
#include "cli.h"
#include "firewall.h"
#include "net_addr.h"
#include "recon_json.h"
#include "util.h"

static void print_rules(const struct bh_api_msg *m, bool json)
{
        struct json_writer w;
        const char *def = bh_api_get(m, 1, "default");
        unsigned no = 0;

        if (json) {
                json_init(&w, stdout);
                json_begin_object(&w, NULL);
                json_string(&w, "default", def);
                json_begin_array(&w, "rules");
        } else {
                printf("%-4s %-7s %-24s %-6s %s\n", "NO", "ACTION", "DESTINATION", "PROTO", "PORT");
        }
        for (size_t i = 1; i < m->n; i++) {
                struct bh_fw_rule r;
                char why[160], dst[BH_FW_HOST_MAX + 8] = "", port[16] = "";
                static const char *const protos[] = { NULL, "tcp", "udp", "icmp" };

                if (strncmp(m->f[i], "rule=", 5) != 0 ||
                    bh_fw_rule_parse(m->f[i] + 5, &r, why, sizeof(why)) < 0)
                        continue;
                no++;
                if (r.has_dst) {
                        char ip[BH_IP_STR_MAX];
                        snprintf(dst, sizeof(dst), "%s/%u", bh_ip_format(r.dst, ip), r.dst_prefix);
                } else if (r.dsthost[0]) {
                        snprintf(dst, sizeof(dst), "%s", r.dsthost);
                }
                if (r.port_lo == r.port_hi && r.port_lo)
                        snprintf(port, sizeof(port), "%u", r.port_lo);
                else if (r.port_lo)
                        snprintf(port, sizeof(port), "%u-%u", r.port_lo, r.port_hi);
                if (json) {
                        json_begin_object(&w, NULL);
                        json_uint(&w, "number", no);
                        json_string(&w, "action", bh_fw_action_to_string(r.action));
                        json_string(&w, "dst", r.has_dst ? dst : NULL);
                        json_string(&w, "dsthost", r.dsthost[0] ? r.dsthost : NULL);
                        json_string(&w, "proto", protos[r.proto]);
                        json_string(&w, "port", port[0] ? port : NULL);
                        json_end_object(&w);
                } else {
                        printf("%-4u %-7s %-24s %-6s %s\n", no, bh_fw_action_to_string(r.action),
                               dst[0] ? dst : "*", protos[r.proto] ? protos[r.proto] : "*",
                               port[0] ? port : "*");
                }
        }
        if (json) {
                json_end_array(&w);
                json_end_object(&w);
                json_end(&w);
        } else {
                printf("default: %s\n", def ? def : "?");
        }
}

int cli_firewall(int argc, char **argv)
{
        struct bh_api_msg *m = NULL;
        char rule[BH_FW_RULE_TEXT_MAX + 1] = "";
        bool json = false;
        int nargs = 0, r;
        char *args[8];

        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (nargs < (int)ELEMENTSOF(args))
                        args[nargs++] = argv[i];
                else
                        /* Never a rule with words left out. */
                        return cli_usage_error("firewall", "too many words");
        }
        if (nargs < 1)
                return cli_usage_error("firewall", "give a domain name");
        if (nargs >= 2 && strcmp(args[1], "list") != 0) {
                const char *op = args[1];

                if (strcmp(op, "add") == 0) {
                        /* The rule's words, one string: `add accept proto=tcp port=80`. */
                        size_t off = 0;
                        for (int i = 2; i < nargs; i++) {
                                int n = snprintf(rule + off, sizeof(rule) - off, "%s%s", off ? " " : "", args[i]);
                                if (n < 0 || (size_t)n >= sizeof(rule) - off)
                                        return cli_usage_error("firewall", "rule too long");
                                off += (size_t)n;
                        }
                        if (!off)
                                return cli_usage_error("firewall", "add needs a rule: accept|drop [dst=..] [dsthost=..] [proto=..] [port=..]");
                } else if ((strcmp(op, "del") == 0 || strcmp(op, "default") == 0)) {
                        if (nargs != 3)
                                return cli_usage_error("firewall", strcmp(op, "del") == 0 ? "del takes a rule number"
                                                                                      : "default takes accept or drop");
                        snprintf(rule, sizeof(rule), "%s", args[2]);
                } else {
                        return cli_usage_error("firewall", "expected list, add, del or default");
                }
        } else if (nargs > 2) {
                return cli_usage_error("firewall", "list takes no argument");
        }
        {
                char *fields[] = { args[0], rule[0] ? args[1] : NULL, rule, NULL };

                r = cli_call("firewall", fields, &m);
                if (r != EXIT_OK)
                        return r;
        }
        if (!rule[0] || json)
                print_rules(m, json);
        cli_reply_free(m);
        return EXIT_OK;
}
