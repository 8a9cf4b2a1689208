/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

/* Exit codes of the bulkhead CLI (documented in every --help and man page). */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NO_DOMAIN = 3,
        EXIT_EXISTS = 4,
        EXIT_STATE = 5,
        EXIT_NO_DAEMON = 6,
};

struct cli_doc {
        const char *name;
        const char *usage;
        const char *summary;
        const char *text;
};

extern const struct cli_doc cli_docs[];
const struct cli_doc *cli_doc_find(const char *name);
void cli_print_help(const struct cli_doc *d);
void cli_print_usage(FILE *f);
int cli_print_man(const char *name);

/* Shared by the command files. */
int cli_exit_for(int err);
int cli_usage_error(const char *cmd, const char *msg);
/* cli_firewall.c */
int cli_firewall(int argc, char **argv);
/* cli_console.c */
int cli_console(int argc, char **argv);
/* cli_network.c */
int cli_network(int argc, char **argv);
/* Runs one command: argv[0] is its name ("create", ...). */
int cli_dispatch(int argc, char **argv);
struct bh_api_msg;
/* One request to bulkheadd (verb, then args, NULL-terminated); returns an
 * exit code.  On EXIT_OK *ret (if not NULL) holds the reply, for
 * cli_reply_free(). */
int cli_call(const char *verb, char *const *args, struct bh_api_msg **ret);
void cli_reply_free(struct bh_api_msg *m);
