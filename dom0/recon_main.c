/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead-recon: the command line (`bulkhead recon` runs it). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recon.h"
#include "recon_cpuid.h"
#include "util.h"

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: bulkhead-recon [--root DIR] [--json] [--unprivileged] [--snapshot DIR]\n"
                "       bulkhead-recon --dump-cpuid\n"
                "What this machine can virtualize, what it runs on, and whether Bulkhead\n"
                "can run here, with the evidence for each answer.  Reads only.\n"
                "\n"
                "  --root DIR      read DIR as the machine's root (a fixture tree; its\n"
                "                  cpuid and dmesg files stand in for CPUID and the kernel log)\n"
                "  --json          write JSON instead of the report\n"
                "  --unprivileged  skip what only root can read, even as root, and list it\n"
                "  --snapshot DIR  also copy everything read into DIR, a fixture tree for\n"
                "                  --root (review it before sharing: it holds MAC addresses)\n"
                "  --dump-cpuid    write this CPU's CPUID leaves in the fixture format\n"
                "  -h, --help      this text\n"
                "      --version   the version\n"
                "\n"
                "Exit status: 0 report written, the evidence agrees; 1 report written, sources\n"
                "disagree (the report shows both sides); 2 bad usage; 3 the root cannot be read.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, 'r' },    { "json", no_argument, NULL, 'j' },
                { "unprivileged", no_argument, NULL, 'u' },  { "dump-cpuid", no_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },          { "version", no_argument, NULL, 'V' },
                { "snapshot", required_argument, NULL, 's' },
                { NULL, 0, NULL, 0 },
        };
        struct recon_options o = { .root = "/" };
        _cleanup_free_ struct recon_result *r = NULL;
        bool json = false, dump = false;
        int c, e;

        bh_log_init(argv[0]);
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        o.root = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'u':
                        o.unprivileged = true;
                        break;
                case 'c':
                        dump = true;
                        break;
                case 's':
                        o.snapshot = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return RECON_EXIT_OK;
                case 'V':
                        printf("bulkhead-recon %s\n", PACKAGE_VERSION);
                        return RECON_EXIT_OK;
                default:
                        usage(stderr);
                        return RECON_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                bh_log_error("unexpected argument '%s' (see --help)", argv[optind]);
                return RECON_EXIT_USAGE;
        }
        if (strlen(o.root) >= RECON_PATH_MAX) {
                bh_log_error("--root: path too long");
                return RECON_EXIT_USAGE;
        }

        if (dump) {
                _cleanup_free_ struct recon_cpuid *cpuid = malloc(sizeof(*cpuid));

                if (!cpuid)
                        return RECON_EXIT_UNREADABLE;
                e = recon_cpuid_read_live(cpuid);
                if (e < 0) {
                        bh_log_errno(e, "cpuid");
                        return RECON_EXIT_UNREADABLE;
                }
                return recon_cpuid_write(stdout, cpuid) < 0 || fflush(stdout) != 0 ? RECON_EXIT_UNREADABLE
                                                                                     : RECON_EXIT_OK;
        }

        r = calloc(1, sizeof(*r));
        if (!r) {
                bh_log_error("out of memory");
                return RECON_EXIT_UNREADABLE;
        }
        e = recon_run(&o, r);
        if (e < 0) {
                bh_log_errno(e, "root %s: cannot read it", o.root);
                return RECON_EXIT_UNREADABLE;
        }
        e = json ? recon_report_json(stdout, r) : recon_report_text(stdout, r);
        if (e < 0) {
                bh_log_errno(e, "writing the report");
                return RECON_EXIT_UNREADABLE;
        }
        return r->verdict.agree ? RECON_EXIT_OK : RECON_EXIT_DISAGREE;
}
