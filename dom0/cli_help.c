/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one source of the CLI's documentation: `bulkhead CMD --help` prints
 * it, and the build turns it into the man pages (bulkhead --man CMD).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cli_doc cli_docs[] = {
        { "create", "NAME --template T [--class app|dispvm-template] [--label L] [--netvm N] [--memory MIB] [--vcpus N]",
          "make a new domain",
          "Registers a new domain NAME made from template T, with an empty private volume "
          "(its /home). A dispvm-template is an app domain that disposables are made from. "
          "Labels: red orange yellow green gray blue purple black (default red)." },
        { "clone", "SRC DST", "copy a domain",
          "Makes DST with SRC's settings and a copy of its private volume (a reflink copy "
          "where the filesystem allows)." },
        { "remove", "NAME", "delete a domain and its volumes",
          "Refused while NAME runs or while other domains use it as their template." },
        { "ls", "[--json] [NAME]", "list domains",
          "A table of every domain (name, class, state, label, template, netvm, memory), "
          "or a JSON array with every field of the registry." },
        { "start", "NAME", "start a domain", "Boots NAME; returns once its init runs." },
        { "shutdown", "NAME", "ask a domain to stop",
          "Its init stops every process, then the domain halts. Writes outside /home are "
          "gone at its next start." },
        { "kill", "NAME", "stop a domain at once", "Kills every process of NAME now." },
        { "pause", "NAME", "freeze a domain", "Its processes stop running until unpause." },
        { "unpause", "NAME", "thaw a paused domain", "" },
        { "prefs", "NAME [KEY [VALUE]]", "show or change a domain's settings",
          "Keys: label, template, netvm, tags (comma-separated, for the qrexec policy's @tag:T), default-dispvm (what @dispvm means for this domain's calls), allow-fullscreen (yes: its windows may go fullscreen, hiding dom0's frame; no, the default), memory (MiB), vcpus, preload (dispvm-template "
          "only: how many disposables to keep started and paused). template and netvm "
          "cannot change while the domain runs." },
        { "run", "[--service SERVICE[+ARG]] NAME [CMD [ARG...]] | --disposable [--template T] ...", "run a command or a service in a domain",
          "Runs CMD in NAME (starting it if needed) with this terminal's standard input, "
          "output and error, and exits with CMD's status. With --disposable, a fresh "
          "disposable dispNNNN is made from dispvm-template T (or the only one there is), "
          "runs CMD, and is destroyed with everything it wrote when CMD exits or this "
          "command is killed. With --service, the qrexec service SERVICE (with its "
          "argument) runs instead of a command, as a call from dom0 "
          "(docs/qrexec-protocol.md)." },
        { "template",
          "list | build NAME [--kind host|debian] | install NAME --kernel FILE --ramdisk FILE [--root-image FILE] | "
          "remove NAME",
          "manage templates",
          "build makes a template: kind host (the default) uses this machine's /usr "
          "read-only with a minimal /etc and is ready at once; kind debian builds a "
          "Debian 12 root with mmdebstrap (templates/debian). install makes a new version "
          "of template NAME from a Xen kernel and an initramfs that holds the domain's "
          "whole root or, with --root-image, from a kernel, a small initramfs that mounts "
          "the domain's disks, and a filesystem image every domain of the template shares "
          "read-only as its root (the Xen backend boots them; docs/xen-backend.md)." },
        { "xl-config", "NAME", "print a domain's Xen configuration",
          "Prints, in xl.cfg(5) syntax, what the Xen backend gives libxenlight for "
          "domain NAME, so it can be debugged with Xen's own tools (xl create -n)." },
        { "recon", "[--json]", "audit this machine's virtualization",
          "Runs bulkhead-recon: what hardware virtualization this machine has and what "
          "it runs on." },
        {}
};

const struct cli_doc *cli_doc_find(const char *name)
{
        for (const struct cli_doc *d = cli_docs; d->name; d++)
                if (strcmp(d->name, name) == 0)
                        return d;
        return NULL;
}

void cli_print_help(const struct cli_doc *d)
{
        printf("usage: bulkhead %s %s\n\n%s.\n", d->name, d->usage, d->summary);
        if (d->text[0])
                printf("\n%s\n", d->text);
        printf("\nExit status: 0 success; 1 failure; 2 bad usage; 3 no such domain; 4 already "
               "exists; 5 wrong state (running, not running, in use); 6 bulkheadd not "
               "reachable; run: the command's own status.\n");
}

void cli_print_usage(FILE *f)
{
        fprintf(f, "usage: bulkhead COMMAND [ARGS]   (bulkhead COMMAND --help for more)\n\n");
        for (const struct cli_doc *d = cli_docs; d->name; d++)
                fprintf(f, "  %-9s %s\n", d->name, d->summary);
}

/* roff needs leading dots and backslashes escaped. */
static void roff(const char *s)
{
        for (; *s; s++) {
                if (*s == '\\')
                        fputs("\\e", stdout);
                else if (*s == '-')
                        fputs("\\-", stdout);
                else
                        putchar(*s);
        }
}

int cli_print_man(const char *name)
{
        const struct cli_doc *d = cli_doc_find(name);

        if (!d)
                return -1;
        printf(".TH BULKHEAD\\-%s 1 \"\" \"bulkhead\" \"Bulkhead manual\"\n", d->name);
        printf(".SH NAME\nbulkhead\\-%s \\- ", d->name);
        roff(d->summary);
        printf("\n.SH SYNOPSIS\n.B bulkhead %s\n", d->name);
        roff(d->usage);
        printf("\n.SH DESCRIPTION\n");
        roff(d->text);
        printf("\n.SH EXIT STATUS\n0 success; 1 failure; 2 bad usage; 3 no such domain; "
               "4 already exists; 5 wrong state; 6 bulkheadd not reachable; run: the "
               "command's own status.\n.SH SEE ALSO\n.BR bulkhead (1),\n.BR bulkheadd (8)\n");
        return 0;
}
