/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bulkhead network init: the default chain sys-net -> sys-firewall (docs/networking.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One request through the CLI's own front door, so its checks and
 * messages are the ones a user would get. */
static int bulkhead(char *const argv[])
{
        int argc = 0;

        while (argv[argc])
                argc++;
        return cli_dispatch(argc, (char **)argv);
}

int cli_network(int argc, char **argv)
{
        const char *template = "host", *uplink = "host";
        char t[64], u[64];

        if (argc < 2 || strcmp(argv[1], "init") != 0)
                return cli_usage_error("network", "expected init");
        for (int i = 2; i < argc; i++) {
                if (strcmp(argv[i], "--template") == 0 && i + 1 < argc)
                        template = argv[++i];
                else if (strcmp(argv[i], "--uplink") == 0 && i + 1 < argc)
                        uplink = argv[++i];
                else
                        return cli_usage_error("network", "unknown argument");
        }
        snprintf(t, sizeof(t), "%s", template);
        snprintf(u, sizeof(u), "%s", uplink);
        {
                char *net[] = { "create", "sys-net", "--template", t, "--label", "red",
                                "--provides-network", "yes", NULL };
                char *up[] = { "prefs", "sys-net", "uplink", u, NULL };
                char *fw[] = { "create", "sys-firewall", "--template", t, "--label", "green",
                               "--provides-network", "yes", "--netvm", "sys-net", NULL };
                int r;

                if ((r = bulkhead(net)) != EXIT_OK || (r = bulkhead(up)) != EXIT_OK ||
                    (r = bulkhead(fw)) != EXIT_OK)
                        return r;
        }
        printf("sys-net (uplink %s) -> sys-firewall: give a domain a network with\n"
               "  bulkhead prefs NAME netvm sys-firewall\n", uplink);
        return EXIT_OK;
}
