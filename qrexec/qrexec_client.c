/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-client [-d] TARGET SERVICE[+ARG]
 *
 * dom0 calls a service in a domain, with our stdin, stdout and stderr
 * streamed both ways; the exit status is the service's.  TARGET is a
 * domain (started if needed) or @dispvm:DVM (a fresh disposable of DVM,
 * destroyed when the call ends; @dispvm alone: the only dispvm-template).
 * dom0's own calls are not subject to the policy, as in Qubes: dom0 is
 * where the policy lives.  The service sees QREXEC_REMOTE_DOMAIN=dom0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "qrexec_proto.h"
#include "run_client.h"
#include "util.h"

int main(int argc, char **argv)
{
        struct bh_exec_service svc = { .source = "dom0" };
        struct bh_exec_request req = { .service = &svc };
        struct bh_run_target t = { 0 };
        int i = 1, r;

        bh_log_init("qrexec-client");
        if (i < argc && strcmp(argv[i], "-d") == 0)
                i++;
        if (argc - i != 2 || bh_qrexec_split_service(argv[i + 1], svc.service, svc.arg) < 0) {
                fprintf(stderr, "usage: qrexec-client [-d] DOMAIN|@dispvm[:DVM] SERVICE[+ARG]\n");
                return 2;
        }
        if (strcmp(argv[i], "@dispvm") == 0 || strncmp(argv[i], "@dispvm:", 8) == 0) {
                t.disposable = true;
                t.dvm = argv[i][7] ? argv[i] + 8 : NULL;
        } else if (bh_qrexec_name_ok(argv[i], BH_QREXEC_DOMAIN_MAX)) {
                t.name = argv[i];
        } else {
                fprintf(stderr, "qrexec-client: '%s' is not a domain name\n", argv[i]);
                return 2;
        }
        r = bh_run_in_domain(&t, &req);
        return r < 0 ? 126 : r;
}
