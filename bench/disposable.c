/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How long from "run this in a fresh disposable" to the command running,
 * cold and from the preloaded pool, beside bubblewrap starting the same
 * command with the same namespaces in the same run; and what an idle
 * domain costs in memory.  Prints one JSON document.
 *
 *   bench/disposable [--quick] [--runs N] [--bulkhead DIR]
 *
 * Runs its own bulkheadd on temporary state and runtime directories (root
 * needed, as for the container backend).  --bulkhead names the build
 * directory holding dom0/ and agent/ (default: the one this program is in).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "util.h"

static char build_dir[PATH_MAX];
static char work[] = "/tmp/bh-bench-disp.XXXXXX";
static pid_t daemon_pid;

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs argv with stdout and stderr to /dev/null; returns its exit status. */
static int run_quiet(char *const argv[])
{
        pid_t pid = fork();
        int status;

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
        int i = (int)(p * (n - 1) + 0.5);

        return v[i];
}

/* Times n runs of argv; fills samples; 0 if every run exited 0. */
static int time_runs(char *const argv[], int n, double *samples)
{
        for (int i = 0; i < n; i++) {
                double t0 = now_ms();
                int r = run_quiet(argv);
                samples[i] = now_ms() - t0;
                if (r != 0) {
                        fprintf(stderr, "bench/disposable: %s exited %d\n", argv[0], r);
                        return -1;
                }
        }
        qsort(samples, (size_t)n, sizeof(double), cmp_double);
        return 0;
}

static void print_stats(const char *name, double *s, int n, bool last)
{
        double sum = 0;

        for (int i = 0; i < n; i++)
                sum += s[i];
        printf("    \"%s\": {\"runs\": %d, \"p50_ms\": %.3f, \"p95_ms\": %.3f, \"min_ms\": %.3f, "
               "\"mean_ms\": %.3f}%s\n",
               name, n, pct(s, n, 0.5), pct(s, n, 0.95), s[0], sum / n, last ? "" : ",");
}

static int start_daemon(void)
{
        char bin[PATH_MAX + 32], agents[PATH_MAX + 32], sock[sizeof(work) + 32];

        snprintf(bin, sizeof(bin), "%s/dom0/bulkheadd", build_dir);
        snprintf(agents, sizeof(agents), "%s/agent", build_dir);
        snprintf(sock, sizeof(sock), "%s/run/bulkheadd.sock", work);
        daemon_pid = fork();
        if (daemon_pid < 0)
                return -errno;
        if (daemon_pid == 0) {
                int log = open("/dev/null", O_WRONLY);
                dup2(log, STDERR_FILENO);
                execl(bin, bin, "--no-gui", "--agent-dir", agents, (char *)NULL);
                _exit(127);
        }
        for (int i = 0; i < 500; i++) {
                if (access(sock, F_OK) == 0)
                        return 0;
                usleep(10000);
        }
        return -ETIMEDOUT;
}

static void stop_daemon(void)
{
        char cmd[sizeof(work) + 16];

        if (daemon_pid > 0) {
                kill(daemon_pid, SIGTERM);
                waitpid(daemon_pid, NULL, 0);
        }
        snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
        (void)!system(cmd);
}

/* Proportional memory of every process in a domain's pid namespace. */
static long idle_domain_kib(const char *bulkhead)
{
        char cmd[PATH_MAX * 4];
        long kib = -1;
        FILE *p;

        /* Start an app domain, let it settle, and sum Pss over the processes
         * whose pid namespace is that of its init. */
        snprintf(cmd, sizeof(cmd),
                 "%s run idle true >/dev/null 2>&1 && sleep 0.5 && "
                 "pid=$(%s ls --json idle | python3 -c 'import json,sys; print(json.load(sys.stdin)[0][\"pid\"])') && "
                 "ns=$(readlink /proc/$pid/ns/pid) && total=0 && "
                 "for p in /proc/[0-9]*; do [ \"$(readlink $p/ns/pid 2>/dev/null)\" = \"$ns\" ] || continue; "
                 "v=$(awk '/^Pss:/{print $2}' $p/smaps_rollup 2>/dev/null); total=$((total + ${v:-0})); done; "
                 "echo $total",
                 bulkhead, bulkhead);
        p = popen(cmd, "r");
        if (p) {
                if (fscanf(p, "%ld", &kib) != 1)
                        kib = -1;
                pclose(p);
        }
        return kib;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "quick", no_argument, NULL, 'q' },
                { "runs", required_argument, NULL, 'n' },
                { "bulkhead", required_argument, NULL, 'b' },
                {}
        };
        char bulkhead[PATH_MAX + 32];
        int runs = 50, c;
        _cleanup_free_ double *cold = NULL, *warm = NULL, *bwrap = NULL;
        struct utsname u;
        long idle;

        bench_build_dir(build_dir, sizeof(build_dir));
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'q':
                        runs = 5;
                        break;
                case 'n':
                        runs = atoi(optarg);
                        break;
                case 'b':
                        snprintf(build_dir, sizeof(build_dir), "%s", optarg);
                        break;
                default:
                        return 2;
                }
        }
        if (runs < 2)
                runs = 2;
        if (geteuid() != 0) {
                fprintf(stderr, "bench/disposable: needs root (the container backend as root)\n");
                return 1;
        }
        if (!mkdtemp(work))
                return 1;
        {
                char s[sizeof(work) + 16], r[sizeof(work) + 16];
                snprintf(s, sizeof(s), "%s/state", work);
                snprintf(r, sizeof(r), "%s/run", work);
                setenv("BULKHEAD_STATE_DIR", s, 1);
                setenv("BULKHEAD_RUNTIME_DIR", r, 1);
        }
        snprintf(bulkhead, sizeof(bulkhead), "%s/dom0/bulkhead", build_dir);
        cold = calloc((size_t)runs, sizeof(double));
        warm = calloc((size_t)runs, sizeof(double));
        bwrap = calloc((size_t)runs, sizeof(double));
        if (!cold || !warm || !bwrap || start_daemon() < 0) {
                fprintf(stderr, "bench/disposable: cannot start bulkheadd from %s\n", build_dir);
                stop_daemon();
                return 1;
        }
        {
                char *tb[] = { bulkhead, "template", "build", "host", NULL };
                char *cd[] = { bulkhead, "create", "dvm", "--class", "dispvm-template",
                               "--template", "host", NULL };
                char *ci[] = { bulkhead, "create", "idle", "--template", "host", NULL };
                if (run_quiet(tb) || run_quiet(cd) || run_quiet(ci)) {
                        fprintf(stderr, "bench/disposable: setting up domains failed\n");
                        stop_daemon();
                        return 1;
                }
        }
        char *disp[] = { bulkhead, "run", "--disposable", "--template", "dvm", "true", NULL };
        /* bwrap with the same namespaces: user, mount, pid, net, ipc, uts, cgroup. */
        char *bw[] = { "bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
                       "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                       "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
                       "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "true", NULL };
        /* Warm-up: page cache, first overlay mount. */
        run_quiet(disp);
        run_quiet(bw);
        if (time_runs(bw, runs, bwrap) < 0 || time_runs(disp, runs, cold) < 0) {
                stop_daemon();
                return 1;
        }
        {
                char *pre[] = { bulkhead, "prefs", "dvm", "preload", "2", NULL };
                run_quiet(pre);
        }
        for (int i = 0; i < runs; i++) {
                /* Wait for the pool to hold a paused disposable, so each
                 * sample measures a preloaded start. */
                char cmd[PATH_MAX + 64];
                snprintf(cmd, sizeof(cmd), "%s ls | grep -q '^disp.* paused '", bulkhead);
                for (int w = 0; w < 500 && system(cmd) != 0; w++)
                        usleep(10000);
                if (time_runs(disp, 1, &warm[i]) < 0) {
                        stop_daemon();
                        return 1;
                }
        }
        qsort(warm, (size_t)runs, sizeof(double), cmp_double);
        idle = idle_domain_kib(bulkhead);
        {
                /* An app domain outlives bulkheadd by design: end it here. */
                char *k[] = { bulkhead, "kill", "idle", NULL };
                run_quiet(k);
        }
        uname(&u);
        printf("{\n  \"benchmark\": \"disposable\",\n  \"tool\": \"bulkhead %s\",\n", PACKAGE_VERSION);
        printf("  \"host\": {\"nproc\": %ld, \"kernel\": \"%s\"},\n", sysconf(_SC_NPROCESSORS_ONLN),
               u.release);
        printf("  \"what\": \"request to command exited: bulkhead run --disposable true vs bwrap --unshare-all true\",\n");
        printf("  \"results\": {\n");
        print_stats("cold", cold, runs, false);
        print_stats("preloaded", warm, runs, false);
        print_stats("bwrap", bwrap, runs, true);
        printf("  },\n  \"ratios\": {\"cold_p50_over_bwrap_p50\": %.3f, \"preloaded_p50_over_bwrap_p50\": %.3f},\n",
               pct(cold, runs, 0.5) / pct(bwrap, runs, 0.5), pct(warm, runs, 0.5) / pct(bwrap, runs, 0.5));
        printf("  \"idle_domain_pss_kib\": %ld\n}\n", idle);
        stop_daemon();
        return 0;
}
