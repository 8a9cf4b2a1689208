/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/qrexec: qrexec calls between real domains, beside a raw AF_UNIX
 * socket on this machine in the same run.  Prints one JSON document.
 *
 *   bench/qrexec [--quick] [--calls N] [--bytes SIZE] [--bulkhead DIR]
 *
 * Runs its own bulkheadd (container backend, the `host` template) on
 * temporary state, runtime and policy directories, so it needs root.  The
 * policy allows everything; two app domains, A and B; the agent directory
 * is a copy of the build's with two test services in its rpc/:
 * bench.Empty (exits at once) and bench.Sink (reads stdin to its end); in
 * B, qrexec-caller --serve listens as the socket services bench.SocketEmpty
 * and bench.SocketSink (/etc/bulkhead/rpc).
 *
 *   domain_to_domain   latency of an empty call A -> B: inside A,
 *                      bench/peers/qrexec-caller runs qrexec-client-vm
 *                      N times (a new process each call, as a script in a
 *                      domain makes them) and reports each call's time;
 *                      this includes dom0's policy daemon, qrexec-daemon's
 *                      call process and both agents.
 *   ..._socket         the same to bench.SocketEmpty, a socket service
 *                      served by a qrexec-caller process in B: no program
 *                      start in B.
 *   ..._linked         the same through bh_qrexec_call linked into the
 *                      caller: no process start in A.
 *   dom0_to_domain     latency of an empty call from dom0 to B through
 *                      bh_exec_request_run (the exec path, no policy), in
 *                      this process.
 *   sink               SIZE bytes A -> B through bench.Sink, one call,
 *                      the time from starting qrexec-client-vm to its exit;
 *                      then linked, to bench.Sink and to the socket
 *                      service bench.SocketSink.
 *   raw_unix           a 1-byte ping-pong and a SIZE-byte stream (64 KiB
 *                      writes) over an AF_UNIX SOCK_STREAM socketpair
 *                      between two processes here.
 *
 * Defaults: 1000 calls, 1 GiB.  --quick: 100 calls, 64 MiB.  --bulkhead
 * names the build directory holding dom0/, agent/, qrexec/ and bench/
 * (default: the one this program is in).  Progress goes to stderr.
 * Exit status: 0 ok, 1 failed, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "exec_client.h"
#include "exec_proto.h"
#include "util.h"

/* Unique machine-wide names: container domains share cgroups and id
 * ranges with every other bulkheadd on the machine. */
#define DOM_A "qbencha"
#define DOM_B "qbenchb"
#define CHUNK (64u * 1024)

static char build_dir[PATH_MAX];
static char work[] = "/tmp/bh-bench-qrexec.XXXXXX";
static char bulkhead[PATH_MAX + 32];
static pid_t daemon_pid;

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static double pct_us(uint64_t *v, size_t n, double p)
{
        size_t i = (size_t)(p * (double)(n - 1) + 0.5);

        return (double)v[i] / 1e3;
}

/*
 * Runs argv; its stdout into *out (NUL-terminated, may be NULL to discard),
 * stderr to ours.  Returns its exit status or -errno.
 */
static int run(char *const argv[], char **out)
{
        size_t len = 0, cap = 0;
        char *buf = NULL;
        int p[2], st;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);

                dup2(null, STDIN_FILENO);
                dup2(p[1], STDOUT_FILENO);
                execvp(argv[0], argv);
                _exit(127);
        }
        close(p[1]);
        for (;;) {
                ssize_t n;

                if (len + 4096 + 1 > cap) {
                        char *nb = realloc(buf, cap = (cap + 4096) * 2);
                        if (!nb)
                                break;
                        buf = nb;
                }
                n = read(p[0], buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        close(p[0]);
        if (buf)
                buf[len] = '\0';
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR) {
                        free(buf);
                        return -errno;
                }
        if (out)
                *out = buf;
        else
                free(buf);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
        char path[PATH_MAX];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        if (!f)
                return -errno;
        fputs(text, f);
        if (fclose(f) != 0)
                return -errno;
        return chmod(path, mode) < 0 ? -errno : 0;
}

static int copy_file(const char *from, const char *to)
{
        char *argv[] = { "cp", "-p", (char *)from, (char *)to, NULL };

        return run(argv, NULL) == 0 ? 0 : -EIO;
}

/*
 * The agent directory the domains see: the build's agent programs (the
 * executables of agent/), the caller, and rpc/ with the test services.
 */
static int make_agent_dir(char *agents, size_t size)
{
        char rpc[PATH_MAX + 8], from[PATH_MAX * 2], to[PATH_MAX * 2];
        struct dirent *e;
        DIR *d;

        snprintf(agents, size, "%s/agent", work);
        snprintf(rpc, sizeof(rpc), "%s/rpc", agents);
        if (mkdir(agents, 0755) < 0 || mkdir(rpc, 0755) < 0)
                return -errno;
        snprintf(from, sizeof(from), "%s/agent", build_dir);
        d = opendir(from);
        if (!d)
                return -errno;
        while ((e = readdir(d))) {
                struct stat st;

                snprintf(from, sizeof(from), "%s/agent/%s", build_dir, e->d_name);
                if (e->d_name[0] == '.' || stat(from, &st) < 0 || !S_ISREG(st.st_mode) ||
                    !(st.st_mode & S_IXUSR))
                        continue;
                snprintf(to, sizeof(to), "%s/%s", agents, e->d_name);
                if (copy_file(from, to) < 0) {
                        closedir(d);
                        return -EIO;
                }
        }
        closedir(d);
        snprintf(from, sizeof(from), "%s/bench/peers/qrexec-caller", build_dir);
        snprintf(to, sizeof(to), "%s/qrexec-caller", agents);
        if (copy_file(from, to) < 0)
                return -EIO;
        if (write_file(rpc, "bench.Empty", "#!/bin/sh\nexit 0\n", 0755) < 0 ||
            write_file(rpc, "bench.Sink", "#!/bin/sh\nexec cat >/dev/null\n", 0755) < 0)
                return -EIO;
        return 0;
}

static int start_daemon(const char *agents)
{
        char bin[PATH_MAX + 32], qrexec[PATH_MAX + 32], sock[sizeof(work) + 32];

        snprintf(bin, sizeof(bin), "%s/dom0/bulkheadd", build_dir);
        snprintf(qrexec, sizeof(qrexec), "%s/qrexec", build_dir);
        snprintf(sock, sizeof(sock), "%s/run/bulkheadd.sock", work);
        daemon_pid = fork();
        if (daemon_pid < 0)
                return -errno;
        if (daemon_pid == 0) {
                char logp[sizeof(work) + 32];
                int log;

                snprintf(logp, sizeof(logp), "%s/bulkheadd.log", work);
                log = open(logp, O_WRONLY | O_CREAT | O_APPEND, 0600);
                dup2(log, STDERR_FILENO);
                dup2(log, STDOUT_FILENO);
                execl(bin, bin, "--no-gui", "--agent-dir", agents, "--qrexec-dir", qrexec, (char *)NULL);
                _exit(127);
        }
        for (int i = 0; i < 500; i++) {
                char *ls[] = { bulkhead, "ls", NULL };

                if (access(sock, F_OK) == 0 && run(ls, NULL) == 0)
                        return 0;
                usleep(10000);
        }
        return -ETIMEDOUT;
}

static void teardown(void)
{
        char cmd[sizeof(work) + 16];

        /* App domains outlive bulkheadd by design: end ours first. */
        for (const char *const *d = (const char *const[]){ DOM_A, DOM_B, NULL }; *d; d++) {
                char *k[] = { bulkhead, "kill", (char *)*d, NULL };
                run(k, NULL);
        }
        if (daemon_pid > 0) {
                kill(daemon_pid, SIGTERM);
                waitpid(daemon_pid, NULL, 0);
                daemon_pid = 0;
        }
        snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
        (void)!system(cmd);
}

/* One number per line into v (at most n); returns how many. */
static size_t parse_ns(const char *s, uint64_t *v, size_t n)
{
        size_t k = 0;

        while (s && *s && k < n) {
                char *end;
                unsigned long long x = strtoull(s, &end, 10);

                if (end == s)
                        break;
                v[k++] = x;
                s = end;
                while (*s == '\n')
                        s++;
        }
        return k;
}

/* Runs qrexec-caller in A with MODE N SERVICE; its numbers into v (n). */
static int caller(const char *mode, const char *count, const char *service, uint64_t *v, size_t n)
{
        char *argv_[] = { bulkhead, "run", DOM_A, "/run/bulkhead/agent/qrexec-caller", (char *)mode,
                          (char *)count, DOM_B, (char *)service, NULL };
        _cleanup_free_ char *out = NULL;

        if (run(argv_, &out) != 0 || parse_ns(out, v, n) != n) {
                fprintf(stderr, "bench/qrexec: %s %s from %s failed\n", mode, service, DOM_A);
                return -EIO;
        }
        return 0;
}

/* N timed calls after one warm-up, sorted into v. */
static int caller_calls(const char *mode, const char *service, uint64_t *v, size_t calls)
{
        _cleanup_free_ uint64_t *all = calloc(calls + 1, sizeof(*all));
        char count[32];

        fprintf(stderr, "bench/qrexec: %zu calls %s -> %s %s %s\n", calls, DOM_A, DOM_B, mode, service);
        snprintf(count, sizeof(count), "%zu", calls + 1);
        if (!all || caller(mode, count, service, all, calls + 1) < 0)
                return -EIO;
        memcpy(v, all + 1, calls * sizeof(*v));
        qsort(v, calls, sizeof(*v), cmp_u64);
        return 0;
}

/* ---- the raw peer: AF_UNIX SOCK_STREAM between two processes ---------------- */

static int full_write(int fd, const void *p, size_t n)
{
        const char *c = p;

        while (n > 0) {
                ssize_t w = write(fd, c, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return -1;
                c += w;
                n -= (size_t)w;
        }
        return 0;
}

/* The echo/sink side: echoes single bytes while ping-ponging, then drains
 * the stream and answers one byte at its end. */
static void raw_peer(int fd, size_t calls, uint64_t bytes)
{
        static char buf[CHUNK];
        char c;

        for (size_t i = 0; i < calls + 1; i++)
                if (read(fd, &c, 1) != 1 || write(fd, &c, 1) != 1)
                        _exit(1);
        while (bytes > 0) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n <= 0)
                        _exit(1);
                bytes -= (uint64_t)n;
        }
        _exit(write(fd, "k", 1) == 1 ? 0 : 1);
}

static int raw_unix(size_t calls, uint64_t bytes, uint64_t *rtt, uint64_t *stream_ns)
{
        static char buf[CHUNK];
        int sv[2], st;
        uint64_t left = bytes, t0;
        char c = 'x';
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(sv[0]);
                raw_peer(sv[1], calls, bytes);
        }
        close(sv[1]);
        memset(buf, 0x5a, sizeof(buf));
        /* One warm-up round trip, then the timed ones. */
        for (size_t i = 0; i < calls + 1; i++) {
                t0 = now_ns();
                if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
                        return -EIO;
                if (i > 0)
                        rtt[i - 1] = now_ns() - t0;
        }
        t0 = now_ns();
        while (left > 0) {
                size_t n = left < CHUNK ? (size_t)left : CHUNK;

                if (full_write(sv[0], buf, n) < 0)
                        return -EIO;
                left -= n;
        }
        if (read(sv[0], &c, 1) != 1)
                return -EIO;
        *stream_ns = now_ns() - t0;
        close(sv[0]);
        waitpid(pid, &st, 0);
        qsort(rtt, calls, sizeof(*rtt), cmp_u64);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* ---- dom0 -> domain over the exec path ---------------------------------------- */

static int dom0_calls(size_t calls, uint64_t *v)
{
        char dir[sizeof(work) + 64];
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET, .port = BH_EXEC_PORT };
        struct bh_exec_service svc = { .service = "bench.Empty", .source = "dom0" };
        struct bh_exec_request req = { .service = &svc };

        snprintf(dir, sizeof(dir), "%s/run/vchan/%s", work, DOM_B);
        addr.socket_dir = dir;
        for (size_t i = 0; i < calls + 1; i++) {
                uint64_t t0 = now_ns();
                int status = -1, r = bh_exec_request_run(&addr, &req, -1, -1, -1, 10000, &status);

                if (r < 0 || status != 0) {
                        fprintf(stderr, "bench/qrexec: dom0 -> %s bench.Empty: %s, status %d\n", DOM_B,
                                r < 0 ? strerror(-r) : "ran", status);
                        return -EIO;
                }
                if (i > 0) /* the first is a warm-up */
                        v[i - 1] = now_ns() - t0;
        }
        qsort(v, calls, sizeof(*v), cmp_u64);
        return 0;
}

static void print_lat(const char *name, const char *how, uint64_t *v, size_t n, bool comma)
{
        printf("    \"%s\": {\"how\": \"%s\", \"calls\": %zu, \"p50_us\": %.1f, \"p99_us\": %.1f, "
               "\"min_us\": %.1f, \"max_us\": %.1f}%s\n",
               name, how, n, pct_us(v, n, 0.5), pct_us(v, n, 0.99), (double)v[0] / 1e3,
               (double)v[n - 1] / 1e3, comma ? "," : "");
}

static double mb_s(uint64_t bytes, uint64_t ns)
{
        return ns ? (double)bytes / ((double)ns / 1e9) / 1e6 : 0;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "quick", no_argument, NULL, 'q' },
                { "calls", required_argument, NULL, 'n' },
                { "bytes", required_argument, NULL, 'b' },
                { "bulkhead", required_argument, NULL, 'B' },
                {}
        };
        /* Latencies: spawned/linked caller, exec/socket service. */
        _cleanup_free_ uint64_t *d2d = NULL, *d2d_sock = NULL, *lnk = NULL, *lnk_sock = NULL,
                                *d0 = NULL, *raw = NULL;
        char agents[PATH_MAX], dir[sizeof(work) + 16], bytes_s[32];
        uint64_t bytes = 1ull << 30, raw_stream_ns = 0, sink_ns = 0, lnk_sink_ns = 0,
                 lnk_sock_sink_ns = 0;
        size_t calls = 1000;
        bool quick = false;
        struct utsname u;
        int c, r;

        bh_log_init("bench/qrexec");
        bench_build_dir(build_dir, sizeof(build_dir));
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'q':
                        quick = true;
                        calls = 100;
                        bytes = 64ull << 20;
                        break;
                case 'n':
                        calls = strtoul(optarg, NULL, 10);
                        break;
                case 'b':
                        bytes = strtoull(optarg, NULL, 10);
                        break;
                case 'B':
                        snprintf(build_dir, sizeof(build_dir), "%s", optarg);
                        break;
                default:
                        return 2;
                }
        }
        if (calls < 2 || calls > 1000000 || bytes == 0) {
                fprintf(stderr, "bench/qrexec: --calls 2..1000000, --bytes at least 1\n");
                return 2;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "bench/qrexec: needs root (the container backend as root)\n");
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        d2d = calloc(calls, sizeof(*d2d));
        d2d_sock = calloc(calls, sizeof(*d2d_sock));
        lnk = calloc(calls, sizeof(*lnk));
        lnk_sock = calloc(calls, sizeof(*lnk_sock));
        d0 = calloc(calls, sizeof(*d0));
        raw = calloc(calls, sizeof(*raw));
        if (!d2d || !d2d_sock || !lnk || !lnk_sock || !d0 || !raw || !mkdtemp(work))
                return 1;
        snprintf(dir, sizeof(dir), "%s/state", work);
        setenv("BULKHEAD_STATE_DIR", dir, 1);
        snprintf(dir, sizeof(dir), "%s/run", work);
        setenv("BULKHEAD_RUNTIME_DIR", dir, 1);
        snprintf(dir, sizeof(dir), "%s/policy", work);
        setenv("BULKHEAD_POLICY_DIR", dir, 1);
        snprintf(bulkhead, sizeof(bulkhead), "%s/dom0/bulkhead", build_dir);
        if (mkdir(dir, 0755) < 0 || write_file(dir, "10-bench.policy", "* * @anyvm @anyvm allow\n", 0644) < 0 ||
            make_agent_dir(agents, sizeof(agents)) < 0 || start_daemon(agents) < 0) {
                fprintf(stderr, "bench/qrexec: cannot set up bulkheadd from %s\n", build_dir);
                teardown();
                return 1;
        }
        {
                char *tb[] = { bulkhead, "template", "build", "host", NULL };
                char *ca[] = { bulkhead, "create", DOM_A, "--template", "host", NULL };
                char *cb[] = { bulkhead, "create", DOM_B, "--template", "host", NULL };
                char *ra[] = { bulkhead, "run", DOM_A, "true", NULL };
                char *rb[] = { bulkhead, "run", DOM_B, "true", NULL };
                /* The socket services, served by a process in B. */
                char *sb[] = { bulkhead, "run", DOM_B, "/run/bulkhead/agent/qrexec-caller", "--serve",
                               "/etc/bulkhead/rpc", NULL };

                if (run(tb, NULL) || run(ca, NULL) || run(cb, NULL) || run(ra, NULL) || run(rb, NULL) ||
                    run(sb, NULL)) {
                        fprintf(stderr, "bench/qrexec: setting up the domains failed\n");
                        teardown();
                        return 1;
                }
        }

        fprintf(stderr, "bench/qrexec: raw AF_UNIX\n");
        r = raw_unix(calls, bytes, raw, &raw_stream_ns);
        if (r < 0)
                goto failed;

        if (caller_calls("--calls", "bench.Empty", d2d, calls) < 0 ||
            caller_calls("--calls", "bench.SocketEmpty", d2d_sock, calls) < 0 ||
            caller_calls("--linked-calls", "bench.Empty", lnk, calls) < 0 ||
            caller_calls("--linked-calls", "bench.SocketEmpty", lnk_sock, calls) < 0)
                goto failed;

        fprintf(stderr, "bench/qrexec: %zu calls dom0 -> %s\n", calls, DOM_B);
        if (dom0_calls(calls, d0) < 0)
                goto failed;

        fprintf(stderr, "bench/qrexec: %llu bytes %s -> %s\n", (unsigned long long)bytes, DOM_A, DOM_B);
        snprintf(bytes_s, sizeof(bytes_s), "%llu", (unsigned long long)bytes);
        if (caller("--sink", bytes_s, "bench.Sink", &sink_ns, 1) < 0 ||
            caller("--linked-sink", bytes_s, "bench.Sink", &lnk_sink_ns, 1) < 0 ||
            caller("--linked-sink", bytes_s, "bench.SocketSink", &lnk_sock_sink_ns, 1) < 0)
                goto failed;

        uname(&u);
        printf("{\n  \"benchmark\": \"qrexec\",\n  \"tool\": \"%s %s\",\n", PACKAGE_NAME, PACKAGE_VERSION);
        printf("  \"quick\": %s,\n", quick ? "true" : "false");
        printf("  \"host\": {\"nproc\": %ld, \"kernel\": \"%s\"},\n", sysconf(_SC_NPROCESSORS_ONLN),
               u.release);
        printf("  \"backend\": \"container\",\n");
        printf("  \"units\": {\"latency\": \"microseconds per call, wall clock\", "
               "\"throughput\": \"MB/s, 1 MB = 10^6 bytes\"},\n");
        printf("  \"latency\": {\n");
        print_lat("domain_to_domain", "qrexec-client-vm spawned per call in A, service bench.Empty in B",
                  d2d, calls, true);
        print_lat("domain_to_domain_socket",
                  "qrexec-client-vm spawned per call in A, socket service bench.SocketEmpty in B", d2d_sock,
                  calls, true);
        print_lat("domain_to_domain_linked", "bh_qrexec_call in A, service bench.Empty in B", lnk, calls,
                  true);
        print_lat("domain_to_domain_linked_socket",
                  "bh_qrexec_call in A, socket service bench.SocketEmpty in B", lnk_sock, calls, true);
        print_lat("dom0_to_domain", "bh_exec_request_run SERVICE bench.Empty in B, from dom0", d0, calls,
                  true);
        print_lat("raw_unix", "1-byte round trip over an AF_UNIX SOCK_STREAM socketpair", raw, calls, false);
        printf("  },\n");
        printf("  \"throughput\": {\n");
        printf("    \"domain_to_domain\": {\"how\": \"one call A -> B, bench.Sink reads stdin to its end\", "
               "\"bytes\": %llu, \"seconds\": %.3f, \"mb_s\": %.1f},\n",
               (unsigned long long)bytes, (double)sink_ns / 1e9, mb_s(bytes, sink_ns));
        printf("    \"domain_to_domain_linked\": {\"how\": \"one bh_qrexec_call A -> B, bench.Sink reads "
               "stdin to its end\", \"bytes\": %llu, \"seconds\": %.3f, \"mb_s\": %.1f},\n",
               (unsigned long long)bytes, (double)lnk_sink_ns / 1e9, mb_s(bytes, lnk_sink_ns));
        printf("    \"domain_to_domain_linked_socket\": {\"how\": \"one bh_qrexec_call A -> B, socket "
               "service bench.SocketSink reads to its end\", \"bytes\": %llu, \"seconds\": %.3f, "
               "\"mb_s\": %.1f},\n",
               (unsigned long long)bytes, (double)lnk_sock_sink_ns / 1e9, mb_s(bytes, lnk_sock_sink_ns));
        printf("    \"raw_unix\": {\"how\": \"64 KiB writes over an AF_UNIX SOCK_STREAM socketpair\", "
               "\"bytes\": %llu, \"seconds\": %.3f, \"mb_s\": %.1f}\n",
               (unsigned long long)bytes, (double)raw_stream_ns / 1e9, mb_s(bytes, raw_stream_ns));
        printf("  },\n");
        {
                double rp50 = pct_us(raw, calls, 0.5), rmb = mb_s(bytes, raw_stream_ns);

                printf("  \"ratios\": {\"domain_to_domain_p50_over_raw_p50\": %.1f, "
                       "\"domain_to_domain_linked_socket_p50_over_raw_p50\": %.1f, "
                       "\"dom0_to_domain_p50_over_raw_p50\": %.1f, "
                       "\"domain_to_domain_p50_over_dom0_to_domain_p50\": %.2f, "
                       "\"domain_to_domain_throughput_over_raw\": %.3f, "
                       "\"domain_to_domain_linked_throughput_over_raw\": %.3f, "
                       "\"domain_to_domain_linked_socket_throughput_over_raw\": %.3f}\n}\n",
                       pct_us(d2d, calls, 0.5) / rp50, pct_us(lnk_sock, calls, 0.5) / rp50,
                       pct_us(d0, calls, 0.5) / rp50, pct_us(d2d, calls, 0.5) / pct_us(d0, calls, 0.5),
                       mb_s(bytes, sink_ns) / rmb, mb_s(bytes, lnk_sink_ns) / rmb,
                       mb_s(bytes, lnk_sock_sink_ns) / rmb);
        }
        teardown();
        return 0;
failed:
        fprintf(stderr, "bench/qrexec: bulkheadd's log:\n");
        {
                char cmd[sizeof(work) + 64];
                snprintf(cmd, sizeof(cmd), "tail -20 %s/bulkheadd.log >&2", work);
                (void)!system(cmd);
        }
        teardown();
        return 1;
}
