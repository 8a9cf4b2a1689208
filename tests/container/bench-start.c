/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench-start: how fast a container domain runs a command, beside bwrap and
 * unshare(1) doing the same with the same namespaces, in the same run; and
 * what an idle domain costs in memory.  Prints one JSON document.
 *
 *   tests/container/bench-start [--runs N] [--quick]
 *
 * Per run, each contender runs /bin/true in fresh namespaces:
 *   container  bh_container_start(bulkhead-init -- /bin/true) until the
 *              domain is dead ("exit_ms"); "start_ms" is start() alone (init
 *              exec'd); "destroy_ms" the destroy() after it
 *   bwrap      bwrap --unshare-all --die-with-parent, /usr bound read-only,
 *              /bin /lib /lib64 /sbin links, --proc --dev --tmpfs /tmp
 *   unshare    unshare --user --map-root-user --mount --pid --net --ipc --uts
 *              --fork /bin/true
 * Contenders take turns run by run, so drift on a busy machine hits all.
 * Needs root (the container backend's privileged mode is what is measured).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "container_cgroup.h"
#include "fixture.h"
#include "util.h"

#define MAX_RUNS 1000

extern char **environ;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static void stats(const char *name, double *v, int n, bool last)
{
        qsort(v, n, sizeof(*v), cmp_double);
        printf("      \"%s\": {\"p50\": %.3f, \"p95\": %.3f, \"min\": %.3f, \"max\": %.3f}%s\n", name,
               v[n / 2], v[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1], v[0], v[n - 1],
               last ? "" : ",");
}

static double run_cmd(char *const *argv)
{
        double t0 = now_ms();
        pid_t pid;
        int status;

        if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
                return -1;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        return now_ms() - t0;
}

struct fx {
        char dir[64], tmpl[96], agent[96], vchan[96], console[96], vol[96];
};

static int fx_setup(struct fx *f)
{
        _cleanup_free_ char *top = fx_builddir();
        char src[4096], dst[160];
        int r;

        snprintf(f->dir, sizeof(f->dir), "/tmp/bh-bench.XXXXXX");
        if (!top || !mkdtemp(f->dir))
                return -errno;
        snprintf(f->tmpl, sizeof(f->tmpl), "%s/tmpl", f->dir);
        snprintf(f->agent, sizeof(f->agent), "%s/agent", f->dir);
        snprintf(f->vchan, sizeof(f->vchan), "%s/vchan", f->dir);
        snprintf(f->console, sizeof(f->console), "%s/console", f->dir);
        snprintf(f->vol, sizeof(f->vol), "%s/vol", f->dir);
        if ((r = fx_make_template(f->tmpl)) < 0)
                return r;
        if (mkdir(f->agent, 0755) < 0 || mkdir(f->vchan, 0700) < 0)
                return -errno;
        snprintf(src, sizeof(src), "%s/agent/bulkhead-init", top);
        snprintf(dst, sizeof(dst), "%s/bulkhead-init", f->agent);
        return fx_copy(src, dst, 0755);
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "runs", required_argument, NULL, 'n' },
                { "quick", no_argument, NULL, 'q' },
                { NULL, 0, NULL, 0 },
        };
        static double start[MAX_RUNS], ex[MAX_RUNS], destroy[MAX_RUNS], bw[MAX_RUNS], us[MAX_RUNS];
        static const char *const binds[] = { "/usr", NULL };
        static const char *const true_args[] = { "--", "/bin/true", NULL };
        char *bwrap[] = { "/usr/bin/bwrap", "--unshare-all", "--die-with-parent",
                          "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                          "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                          "--symlink", "usr/sbin", "/sbin", "--proc", "/proc", "--dev", "/dev",
                          "--tmpfs", "/tmp", "/bin/true", NULL };
        char *unshare[] = { "/usr/bin/unshare", "--user", "--map-root-user", "--mount", "--pid",
                            "--net", "--ipc", "--uts", "--fork", "/bin/true", NULL };
        struct bh_domain d = { .klass = BH_CLASS_DISPOSABLE, .domid = -1, .memory_mib = 512 };
        struct bh_start_spec spec = { .d = &d };
        struct fx f;
        int runs = 50, c, r, n = 0;
        bool have_bwrap = access(bwrap[0], X_OK) == 0;

        bh_log_init("bench-start");
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'n')
                        runs = atoi(optarg);
                else if (c == 'q')
                        runs = 5;
                else
                        return 2;
        }
        if (runs < 1 || runs > MAX_RUNS)
                return bh_log_error("--runs between 1 and %d", MAX_RUNS), 2;
        if (!bh_ct_privileged())
                return bh_log_error("needs root"), 77;
        if ((r = fx_setup(&f)) < 0)
                return bh_log_errno(r, "fixture"), 1;
        snprintf(d.name, sizeof(d.name), "bench%d", (int)getpid() % 100000);
        spec.root = f.tmpl;
        spec.volatile_dir = f.vol;
        spec.vchan_dir = f.vchan;
        spec.agent_dir = f.agent;
        spec.console_log = f.console;
        spec.host_ro_binds = binds;

        /* Three warm-up rounds fill caches for every contender alike. */
        for (int i = -3; i < runs; i++) {
                struct bh_instance inst;
                double t0, t1, t2, t3;

                if (mkdir(f.vol, 0700) < 0 && errno != EEXIST)
                        return bh_log_errno(-errno, "%s", f.vol), 1;
                t0 = now_ms();
                if ((r = bh_container_start(&spec, true_args, &inst)) < 0)
                        return 1;
                t1 = now_ms();
                struct pollfd p = { .fd = inst.death_fd, .events = POLLIN };
                poll(&p, 1, -1);
                t2 = now_ms();
                bh_backend_container.destroy(&spec, &inst);
                t3 = now_ms();
                double b = have_bwrap ? run_cmd(bwrap) : 0;
                double u = run_cmd(unshare);
                if (i < 0)
                        continue;
                start[n] = t1 - t0;
                ex[n] = t2 - t0;
                destroy[n] = t3 - t2;
                bw[n] = b;
                us[n] = u;
                n++;
        }

        /* Idle: init alone (no agent in the bench's agent dir). */
        struct bh_instance inst;
        char path[64], line[256], v[64] = "null";
        long rss = -1, pss = -1;
        if (mkdir(f.vol, 0700) < 0 && errno != EEXIST)
                return 1;
        if (bh_container_start(&spec, NULL, &inst) < 0)
                return 1;
        usleep(300 * 1000);
        snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)inst.pid);
        FILE *sm = fopen(path, "re");
        while (sm && fgets(line, sizeof(line), sm)) {
                sscanf(line, "Rss: %ld kB", &rss);
                sscanf(line, "Pss: %ld kB", &pss);
        }
        if (sm)
                fclose(sm);
        bh_ct_cgroup_read(d.name, "memory.current", v, sizeof(v));
        bh_backend_container.destroy(&spec, &inst);
        fx_rm_rf(f.dir);

        printf("{\n  \"benchmark\": \"container-start\",\n  \"runs\": %d,\n  \"command\": \"/bin/true\",\n",
               n);
        printf("  \"ms\": {\n    \"container\": {\n");
        stats("start", start, n, false);
        stats("exit", ex, n, false);
        stats("destroy", destroy, n, true);
        printf("    },\n    \"bwrap\": {\n");
        if (have_bwrap)
                stats("exit", bw, n, true);
        printf("    },\n    \"unshare\": {\n");
        stats("exit", us, n, true);
        printf("    }\n  },\n");
        if (have_bwrap)
                printf("  \"ratio_exit_p50_container_over_bwrap\": %.3f,\n", ex[n / 2] / bw[n / 2]);
        printf("  \"idle\": {\"init_rss_kib\": %ld, \"init_pss_kib\": %ld, "
               "\"cgroup_memory_current_bytes\": %s}\n}\n",
               rss, pss, v);
        return 0;
}
