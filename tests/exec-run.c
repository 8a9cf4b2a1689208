/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Runs one command through a bulkhead-agent with bh_exec_run(), for shell
 * tests and by hand:
 *
 *   exec-run --dir DIR [--port N] [--transport socket|xen] [--domid D]
 *            [--timeout MS] [--null-stdin] -- CMD [ARG...]
 *
 * Relays its own stdin, stdout and stderr and exits with the command's
 * status.  When the call fails it prints one line ending in the error's
 * name, e.g. "exec-run: failed: Protocol error (EPROTO)", and exits 255
 * (like ssh); 141 without a word when its stdout reader went away.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_client.h"
#include "exec_proto.h"
#include "util.h"

static const char *errno_name(int e)
{
        switch (e) {
        case EPROTO: return "EPROTO";
        case ECONNRESET: return "ECONNRESET";
        case ETIMEDOUT: return "ETIMEDOUT";
        case EINVAL: return "EINVAL";
        case E2BIG: return "E2BIG";
        case EPIPE: return "EPIPE";
        case ENOENT: return "ENOENT";
        }
        return "?";
}

static void usage(void)
{
        fprintf(stderr, "usage: exec-run --dir DIR [--port N] [--transport socket|xen] "
                        "[--domid D] [--timeout MS] [--null-stdin] -- CMD [ARG...]\n");
        exit(2);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "dir", required_argument, NULL, 'D' },
                { "port", required_argument, NULL, 'p' },
                { "transport", required_argument, NULL, 't' },
                { "domid", required_argument, NULL, 'd' },
                { "timeout", required_argument, NULL, 'T' },
                { "null-stdin", no_argument, NULL, 'n' },
                {}
        };
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = BH_EXEC_PORT };
        int timeout_ms = 10000, in_fd = 0, status = 0, c, r;

        bh_log_init("exec-run");
        while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
                switch (c) {
                case 'D':
                        addr.socket_dir = optarg;
                        break;
                case 'p':
                        addr.port = atoi(optarg);
                        break;
                case 't':
                        if (bh_vchan_transport_from_string(optarg, &addr.transport) < 0)
                                usage();
                        break;
                case 'd':
                        addr.peer_domid = atoi(optarg);
                        break;
                case 'T':
                        timeout_ms = atoi(optarg);
                        break;
                case 'n':
                        in_fd = -1;
                        break;
                default:
                        usage();
                }
        }
        if (optind >= argc)
                usage();
        if (addr.transport == BH_VCHAN_SOCKET && !addr.socket_dir)
                usage();

        signal(SIGPIPE, SIG_IGN);
        r = bh_exec_run(&addr, argv + optind, in_fd, 1, 2, timeout_ms, &status);
        if (r == -EPIPE)
                return 141;
        if (r < 0) {
                fprintf(stderr, "exec-run: failed: %s (%s)\n", strerror(-r), errno_name(-r));
                return 255;
        }
        return status;
}
