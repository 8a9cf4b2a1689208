/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one source of the CLI's documentation: `bulkhead CMD --help` prints
 * it, and the build turns it into the man pages (bulkhead --man CMD).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const struct cli_doc cli_docs[] = {
        { "create", "NAME --template T [--class app|dispvm-template] [--label L] [--netvm N] [--provides-network yes|tor] [--memory MIB] [--private-size SIZE] [--vcpus N] | --anon NAME [--template T] [--gateway-template G] [--netvm N]",
          "make a new domain",
          "Registers a new domain NAME made from template T, with an empty private volume "
          "(its /home). A dispvm-template is an app domain that disposables are made from. "
          "Labels: red orange yellow green gray blue purple black (default red). "
          "--private-size sets the size of its private volume on Xen (prefs private-size). "
          "--provides-network makes it a network domain other domains can use as netvm "
          "(yes: a router with a per-client firewall; tor: a Tor gateway). "
          "--anon makes a pair: a Tor gateway NAME-gw (template G, default "
          "whonix-gateway; its netvm N) and the anonymous workstation NAME (template T, "
          "default whonix-workstation) whose only way out is that gateway "
          "(docs/networking.md)." },
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
          "Keys: label, template, netvm, tags (comma-separated, for the qrexec policy's @tag:T), default-dispvm (what @dispvm means for this domain's calls), allow-fullscreen (yes: its windows may go fullscreen, hiding dom0's frame; no, the default), memory (MiB), "
          "private-size (app and dispvm-template domains on Xen: the private volume's size, in "
          "MiB or with a unit, 4G; 64M to 4T, default 2G; it grows, it never shrinks, and the "
          "domain grows its filesystem at its next start; the container backend's private "
          "volume is a directory and ignores it), vcpus, virt-mode (Xen: pvh, the default, where "
          "the machine runs HVM guests, else the domain runs pv; or pv; disposables take their "
          "dispvm-template's), preload (dispvm-template "
          "only: how many disposables to keep started and paused), provides-network "
          "(no, yes, tor), uplink (a first hop's way out: host, or netns:NAME for "
          "/run/netns/NAME), uplink-address (A.B.C.D/N), uplink-gateway, uplink-dns, anon "
          "(yes: a workstation that only runs behind a Tor gateway, hostname 'host'). ip "
          "is shown, given by bulkheadd. netvm changes at once, also while the domain runs "
          "(it is re-plumbed); template, private-size, virt-mode, provides-network, uplink* and anon cannot change "
          "while it runs." },
        { "run", "[--service SERVICE[+ARG]] NAME [CMD [ARG...]] | --disposable [--template T] ...", "run a command or a service in a domain",
          "Runs CMD in NAME (starting it if needed) with this terminal's standard input, "
          "output and error, and exits with CMD's status. With --disposable, a fresh "
          "disposable dispNNNN is made from dispvm-template T (or the only one there is), "
          "runs CMD, and is destroyed with everything it wrote when CMD exits or this "
          "command is killed. With --service, the qrexec service SERVICE (with its "
          "argument) runs instead of a command, as a call from dom0 "
          "(docs/qrexec-protocol.md)." },
        { "template",
          "list | build [KIND] NAME [--kind KIND] [--customize SCRIPT] [--xen] | "
          "install NAME --kernel FILE --ramdisk FILE [--root-image FILE] | remove NAME",
          "manage templates",
          "build makes a template: kind host (the default) uses this machine's /usr "
          "read-only with a minimal /etc and is ready at once; any other kind is a recipe "
          "in templates/KIND (debian, whonix-gateway, whonix-workstation) that builds a "
          "Debian 12 root with mmdebstrap, and the template is named after it. The kind "
          "may come before NAME instead of with --kind. With --customize, a host template "
          "gets a new version on which bulkheadd first runs SCRIPT with the new root "
          "directory as its only argument (at most 60 s; a recipe's customize, e.g. "
          "templates/whonix-gateway/customize); if SCRIPT fails, the current version "
          "stays. With --xen, a recipe's build also makes the template's Xen form "
          "(Debian's kernel, a stage-1 initramfs and a root image) in the same version, "
          "so both backends run it. install makes a new version of template NAME from a Xen kernel and an "
          "initramfs that holds the domain's whole root or, with --root-image, from a "
          "kernel, a small initramfs that mounts the domain's disks, and a filesystem "
          "image every domain of the template shares read-only as its root (the Xen "
          "backend boots them; docs/xen-backend.md)." },
        { "firewall", "NAME [list] [--json] | NAME add accept|drop [dst=A.B.C.D[/N]|dsthost=NAME] [proto=tcp|udp|icmp] [port=N[-M]] | NAME del N | NAME default accept|drop",
          "show or change what a domain may reach",
          "The rules apply in order in NAME's netvm, the first match decides, then the "
          "default (accept unless set). dsthost names resolve in dom0 when the rules load. "
          "Changes take effect at once; NAME cannot lift them from inside. A disposable "
          "follows its dispvm-template's rules (docs/networking.md)." },
        { "network", "init [--template T] [--uplink host|netns:NAME]",
          "make the default network chain",
          "Creates sys-net (a network domain whose uplink is dom0's network, or the "
          "namespace /run/netns/NAME) and sys-firewall behind it, both from template T "
          "(default host). Domains get a network with `bulkhead prefs NAME netvm "
          "sys-firewall`; there is no default netvm, so a domain is offline until given "
          "one (docs/networking.md)." },
        { "console", "NAME [--all]", "show what a domain's console said",
          "Prints the last 64 KiB (--all: everything) of what NAME's init and kernel "
          "wrote to its console: the log bulkheadd keeps for a container, xenconsoled's "
          "for a Xen domain (xenconsoled must run with --log=guest). The domain wrote it: "
          "control characters, escape sequences and bytes that are not UTF-8 are shown as "
          "\\xHH and a backslash as \\\\, so nothing it wrote can act on this terminal." },
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
