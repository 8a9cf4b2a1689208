/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the qrexec policy parser: every input is one policy
 * file (includes refused: no base directory).  A policy that parses is
 * evaluated for a few requests against a fixed table of domains, so the
 * evaluator sees every rule shape the parser lets through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char domains[] =
        "work tags=work,mail default_dispvm=dvm state=running\n"
        "vault tags=secret\n"
        "dvm class=dispvm-template tags=work\n"
        "debian type=TemplateVM\n"
        "disp1 type=DispVM\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const struct bh_policy_request reqs[] = {
                { "work", "vault", "qubes.Filecopy", "" },
                { "work", "", "qubes.OpenInVM", "x" },
                { "dom0", "@dispvm", "qubes.VMShell", "" },
                { "vault", "@dispvm:dvm", "a.b", "c+d" },
                { "disp1", "dom0", "qubes.Filecopy", "" },
        };
        struct bh_policy *p = NULL;
        struct bh_policy_domains t;
        char err[256];

        if (bh_policy_parse_text((const char *)data, size, "fuzz.policy", NULL, &p) == 0) {
                if (bh_policy_domains_init(&t) < 0 ||
                    bh_policy_domains_parse(&t, domains, strlen(domains), "domains", err,
                                            sizeof(err)) < 0)
                        abort();
                for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
                        struct bh_policy_decision d;
                        if (bh_policy_eval(p, &t, &reqs[i], &d) < 0)
                                abort();
                        if (d.verdict == BH_POLICY_ASK) {
                                if (d.n_targets == 0)
                                        abort();
                                bh_policy_answer(&d, d.targets[0]);
                                if (d.verdict != BH_POLICY_ALLOW)
                                        abort();
                        }
                        bh_policy_decision_free(&d);
                }
                bh_policy_domains_free(&t);
        } else if (p && bh_policy_n_errors(p) == 0) {
                abort(); /* a refused policy always says why */
        }
        bh_policy_free(p);
        return 0;
}
