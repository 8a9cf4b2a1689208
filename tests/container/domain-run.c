/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domain-run: starts one container domain from options, waits for its init
 * to exit, destroys it and exits with init's status.  With a command after
 * "--", init runs it as its only job (bulkhead-init -- CMD), so the exit
 * status is the command's.  The tests in tests/container/ drive it.
 *
 *   domain-run --make-template DIR
 *   domain-run --name N --root DIR --volatile DIR --agent DIR [options] [-- CMD...]
 *     --class app|template|dispvm-template|disposable   (default app)
 *     --private DIR        /home, kept (app domains)
 *     --private-lower DIR  /home lower layer (disposables)
 *     --vchan DIR          bound at /run/bulkhead/vchan
 *     --console FILE       init's stdout and stderr (default: our stdout)
 *     --memory MIB         memory limit
 *     --bind PATH          host directory bound read-only (repeatable)
 *     --report FILE        after start, write pid, id base and cgroup values
 *
 * SIGINT or SIGTERM destroys the domain at once.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "container_cgroup.h"
#include "container_idmap.h"
#include "fixture.h"
#include "util.h"

static int parse_class(const char *s, enum bh_class *k)
{
        static const char *const names[] = { "template", "app", "dispvm-template", "disposable" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(s, names[i]) == 0) {
                        *k = (enum bh_class)i;
                        return 0;
                }
        return -EINVAL;
}

static void report(const char *path, const struct bh_domain *d, const struct bh_instance *inst)
{
        static const char *const keys[] = { "memory.max", "pids.max", "memory.current" };
        FILE *f = fopen(path, "we");
        uint32_t base;
        char v[64];

        if (!f)
                return;
        fprintf(f, "pid=%d\n", (int)inst->pid);
        if (bh_ct_idmap_lookup(d->name, &base) == 0)
                fprintf(f, "idbase=%u\n", base);
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (bh_ct_cgroup_read(d->name, keys[i], v, sizeof(v)) == 0)
                        fprintf(f, "%s=%s\n", keys[i], v);
        fclose(f);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "make-template", required_argument, NULL, 'T' },
                { "name", required_argument, NULL, 'n' },
                { "class", required_argument, NULL, 'c' },
                { "root", required_argument, NULL, 'r' },
                { "private", required_argument, NULL, 'p' },
                { "private-lower", required_argument, NULL, 'l' },
                { "volatile", required_argument, NULL, 'v' },
                { "vchan", required_argument, NULL, 'V' },
                { "agent", required_argument, NULL, 'a' },
                { "console", required_argument, NULL, 'C' },
                { "memory", required_argument, NULL, 'm' },
                { "bind", required_argument, NULL, 'b' },
                { "report", required_argument, NULL, 'R' },
                { NULL, 0, NULL, 0 },
        };
        struct bh_domain d = { .klass = BH_CLASS_APP, .domid = -1 };
        struct bh_start_spec spec = { .d = &d, .console_log = "/proc/self/fd/1" };
        const char *binds[9] = { NULL }, *report_path = NULL;
        size_t n_binds = 0;
        struct bh_instance inst;
        int c, r, sfd;
        sigset_t mask;

        bh_log_init("domain-run");
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'T':
                        r = fx_make_template(optarg);
                        if (r < 0)
                                return bh_log_errno(r, "template %s", optarg), 1;
                        return 0;
                case 'n':
                        snprintf(d.name, sizeof(d.name), "%s", optarg);
                        break;
                case 'c':
                        if (parse_class(optarg, &d.klass) < 0)
                                return bh_log_error("unknown class %s", optarg), 2;
                        break;
                case 'r': spec.root = optarg; break;
                case 'p': spec.private_dir = optarg; break;
                case 'l': spec.private_lower = optarg; break;
                case 'v': spec.volatile_dir = optarg; break;
                case 'V': spec.vchan_dir = optarg; break;
                case 'a': spec.agent_dir = optarg; break;
                case 'C': spec.console_log = optarg; break;
                case 'm': d.memory_mib = (unsigned)strtoul(optarg, NULL, 10); break;
                case 'b':
                        if (n_binds == ELEMENTSOF(binds) - 1)
                                return bh_log_error("too many --bind"), 2;
                        binds[n_binds++] = optarg;
                        break;
                case 'R': report_path = optarg; break;
                default:
                        return 2;
                }
        }
        if (n_binds)
                spec.host_ro_binds = binds;
        snprintf(d.backend, sizeof(d.backend), "container");

        /* Signals arrive through the loop below, so a killed test still
         * destroys its domain. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);

        const char *const *init_args = NULL;
        if (optind < argc) {
                /* argv[optind - 1] is the "--" getopt stopped at: init's too. */
                if (strcmp(argv[optind - 1], "--") != 0)
                        return bh_log_error("a command goes after --"), 2;
                init_args = (const char *const *)argv + optind - 1;
        }
        r = bh_container_start(&spec, init_args, &inst);
        if (r < 0)
                return 125;
        if (report_path)
                report(report_path, &d, &inst);

        struct pollfd p[2] = { { .fd = inst.death_fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
        int status = 0;
        for (;;) {
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        break;
                if (p[1].revents) {
                        bh_log_error("domain %s: interrupted, destroying", d.name);
                        status = 130;
                        break;
                }
                if (p[0].revents) {
                        siginfo_t si = { 0 };
                        if (waitid(P_PIDFD, inst.death_fd, &si, WEXITED) == 0)
                                status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
                        break;
                }
        }
        r = bh_backend_container.destroy(&spec, &inst);
        if (r < 0 && status == 0)
                status = 124;
        return status;
}
