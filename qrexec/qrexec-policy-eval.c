/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-policy-eval [--policy-dir DIR] [--domains FILE] [--json]
 *                    SOURCE TARGET SERVICE[+ARG]
 * Prints what the policy decides for a call; runs nothing and asks nobody.
 * Without --domains the domains come from bulkheadd.  Exit 0: a decision
 * was printed (allow, ask or deny); 1: no decision (policy errors, no
 * domains); 2: usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "policy_io.h"
#include "util.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: qrexec-policy-eval [--policy-dir DIR] [--domains FILE] [--json] "
                   "SOURCE TARGET SERVICE[+ARG]\n"
                   "Prints the policy's decision for a call; runs nothing.\n");
}

static void json_str(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;
                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20 || c >= 0x7f)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

static void print_json(const struct bh_policy_decision *d)
{
        char rule[BH_POLICY_MSG_MAX + 16] = "";

        if (d->rule_file[0])
                snprintf(rule, sizeof(rule), "%s:%u", d->rule_file, d->rule_line);
        printf("{\"result\":");
        json_str(bh_policy_verdict_name(d->verdict));
        printf(",\"target\":");
        json_str(d->target);
        printf(",\"user\":");
        json_str(d->user);
        printf(",\"autostart\":%s,\"notify\":%s,\"rule\":", d->autostart ? "true" : "false",
               d->notify ? "true" : "false");
        json_str(rule);
        if (d->verdict == BH_POLICY_ASK) {
                printf(",\"targets\":[");
                for (size_t i = 0; i < d->n_targets; i++) {
                        if (i)
                                putchar(',');
                        json_str(d->targets[i]);
                }
                printf("],\"default_target\":");
                json_str(d->default_target);
        }
        if (d->verdict == BH_POLICY_DENY) {
                printf(",\"reason\":");
                json_str(d->reason);
        }
        printf("}\n");
}

static void print_human(const struct bh_policy_decision *d)
{
        printf("%s", bh_policy_verdict_name(d->verdict));
        if (d->verdict == BH_POLICY_ALLOW)
                printf(" target=%s", d->target);
        if (d->verdict == BH_POLICY_ASK) {
                printf(" targets=");
                for (size_t i = 0; i < d->n_targets; i++)
                        printf("%s%s", i ? "," : "", d->targets[i]);
                printf(" default_target=%s", d->default_target);
        }
        if (d->verdict != BH_POLICY_DENY)
                printf(" user=%s autostart=%s", d->user[0] ? d->user : "DEFAULT",
                       d->autostart ? "yes" : "no");
        printf(" notify=%s", d->notify ? "yes" : "no");
        if (d->rule_file[0])
                printf(" rule=%s:%u", d->rule_file, d->rule_line);
        else
                printf(" rule=(none)");
        if (d->verdict == BH_POLICY_DENY)
                printf(" (%s)", d->reason);
        putchar('\n');
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy-dir", required_argument, NULL, 'd' },
                { "domains", required_argument, NULL, 'D' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_policy_ struct bh_policy *p = NULL;
        struct bh_policy_domains t = { 0 };
        struct bh_policy_decision d;
        struct bh_policy_request req;
        const char *dir_opt = NULL, *domains = NULL;
        char service[256], err[BH_POLICY_MSG_MAX], *plus;
        bool json = false;
        int c, r;

        bh_log_init(argv[0]);
        while ((c = getopt_long(argc, argv, "d:D:jh", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        dir_opt = optarg;
                        break;
                case 'D':
                        domains = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (argc - optind != 3) {
                usage(stderr);
                return 2;
        }
        if ((size_t)snprintf(service, sizeof(service), "%s", argv[optind + 2]) >= sizeof(service)) {
                bh_log_error("service name too long");
                return 2;
        }
        plus = strchr(service, '+');
        if (plus)
                *plus++ = '\0';
        req = (struct bh_policy_request){ .source = argv[optind], .target = argv[optind + 1],
                                          .service = service, .argument = plus ? plus : "" };

        r = bh_policy_load_dir(bh_policy_dir(dir_opt), &p);
        if (r < 0) {
                for (size_t i = 0; p && i < bh_policy_n_errors(p); i++)
                        bh_log_error("%s", bh_policy_error(p, i));
                if (!p)
                        bh_log_errno(r, "%s", bh_policy_dir(dir_opt));
                return 1;
        }
        if (bh_policy_domains_init(&t) < 0)
                return 1;
        r = domains ? bh_policy_domains_load(&t, domains, err, sizeof(err))
                    : bh_policy_domains_from_bulkheadd(&t, err, sizeof(err));
        if (r < 0) {
                bh_log_error("%s", err);
                bh_policy_domains_free(&t);
                return 1;
        }
        r = bh_policy_eval(p, &t, &req, &d);
        bh_policy_domains_free(&t);
        if (r < 0) {
                bh_log_errno(r, "evaluation failed");
                return 1;
        }
        if (json)
                print_json(&d);
        else
                print_human(&d);
        bh_policy_decision_free(&d);
        return 0;
}
