/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-policy-lint [--policy-dir DIR] [FILE...]
 * Reads the policy directory (or the named files, with includes taken from
 * the policy directory) and prints every error as "FILE:LINE: reason" and
 * every warning as "warning: FILE:LINE: reason".  Exit 0: no errors;
 * 1: errors; 2: usage.
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
        fprintf(f, "usage: qrexec-policy-lint [--policy-dir DIR] [FILE...]\n"
                   "Checks qrexec policy files; prints each error as FILE:LINE: reason.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy-dir", required_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_policy_ struct bh_policy *p = NULL;
        const char *dir_opt = NULL, *dir;
        int c, r;

        bh_log_init(argv[0]);
        while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
                switch (c) {
                case 'd':
                        dir_opt = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        dir = bh_policy_dir(dir_opt);
        if (optind < argc)
                r = bh_policy_load_files(dir, (const char *const *)argv + optind,
                                         (size_t)(argc - optind), &p);
        else
                r = bh_policy_load_dir(dir, &p);
        if (!p) {
                bh_log_error("%s: %s", dir, strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < bh_policy_n_warnings(p); i++)
                printf("warning: %s\n", bh_policy_warning(p, i));
        for (size_t i = 0; i < bh_policy_n_errors(p); i++)
                printf("%s\n", bh_policy_error(p, i));
        return bh_policy_n_errors(p) ? 1 : 0;
}
