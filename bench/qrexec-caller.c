/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The caller's half of bench/qrexec, run inside a domain:
 *
 *   qrexec-caller --calls N TARGET SERVICE
 *       runs `qrexec-client-vm TARGET SERVICE` N times, one after the
 *       other, stdin and stdout /dev/null, and prints each call's wall time
 *       in nanoseconds, one per line.
 *   qrexec-caller --sink BYTES TARGET SERVICE
 *       one call with BYTES bytes (64 KiB writes) on the service's stdin;
 *       prints the wall time of the whole call in nanoseconds.
 *   qrexec-caller --linked-calls N TARGET SERVICE
 *   qrexec-caller --linked-sink BYTES TARGET SERVICE
 *       the same through bh_qrexec_call in this process: no process start
 *       per call (a writer process feeds the sink's pipe).
 *   qrexec-caller --serve DIR
 *       a socket service (docs/qrexec-protocol.md): listens on
 *       DIR/bench.SocketEmpty (DIR/bench.SocketSink is a symlink to it),
 *       goes to the background once it listens, and serves one connection
 *       at a time: the header, then the caller's stdin to its end, then
 *       closes (status 0).
 *
 * Spawned calls are a new qrexec-client-vm process each, as a script in a
 * domain makes them: the figures include its start.  Every call must exit
 * 0, else the run fails with status 1.  qrexec-client-vm is looked up
 * beside this program, then in the PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "qrexec_call.h"
#include "util.h"

extern char **environ;

#define CHUNK (64u * 1024)
/* The sink's pipe: a megabyte, as qrexec-client-vm's own pipes. */
#define PIPE_SIZE (1 << 20)

static char client[PATH_MAX + 32] = "qrexec-client-vm";

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Starts the client with stdin from in_fd, stdout to /dev/null. */
static pid_t start(char *target, char *service, int in_fd)
{
        char *argv[] = { client, target, service, NULL };
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int r;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        r = posix_spawnp(&pid, client, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0) {
                fprintf(stderr, "qrexec-caller: %s: %s\n", client, strerror(r));
                return -1;
        }
        return pid;
}

static int finish(pid_t pid)
{
        int st;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -1;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "qrexec-caller: call failed, status %d\n",
                        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                return -1;
        }
        return 0;
}

static int linked_call(char *target, char *service, int in_fd, int out_fd)
{
        int status = -1, r = bh_qrexec_call(target, service, in_fd, out_fd, 2, &status);

        if (r < 0 || status != 0) {
                fprintf(stderr, "qrexec-caller: linked call failed: %s, status %d\n",
                        r < 0 ? strerror(-r) : "ran", status);
                return -1;
        }
        return 0;
}

static int calls(long n, char *target, char *service, bool linked)
{
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0)
                return 1;
        for (long i = 0; i < n; i++) {
                uint64_t t0 = now_ns();

                if (linked) {
                        if (linked_call(target, service, null, null) < 0)
                                return 1;
                } else {
                        pid_t pid = start(target, service, null);

                        if (pid < 0 || finish(pid) < 0)
                                return 1;
                }
                printf("%llu\n", (unsigned long long)(now_ns() - t0));
        }
        return 0;
}

static void write_all(int fd, unsigned long long bytes);

static int sink(unsigned long long bytes, char *target, char *service, bool linked)
{
        uint64_t t0 = now_ns();
        int p[2], null;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return 1;
        (void)!fcntl(p[1], F_SETPIPE_SZ, PIPE_SIZE);
        if (linked) {
                /* The writer is a process of its own, as the spawned
                 * client's writer is this one. */
                pid = fork();
                if (pid < 0)
                        return 1;
                if (pid == 0) {
                        close(p[0]);
                        write_all(p[1], bytes);
                        _exit(0);
                }
                close(p[1]);
                null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (null < 0 || linked_call(target, service, p[0], null) < 0)
                        return 1;
                close(p[0]);
                close(null);
                waitpid(pid, NULL, 0);
                printf("%llu\n", (unsigned long long)(now_ns() - t0));
                return 0;
        }
        pid = start(target, service, p[0]);
        close(p[0]);
        if (pid < 0)
                return 1;
        write_all(p[1], bytes);
        close(p[1]);
        if (finish(pid) < 0)
                return 1;
        printf("%llu\n", (unsigned long long)(now_ns() - t0));
        return 0;
}

static void write_all(int fd, unsigned long long bytes)
{
        static char buf[CHUNK];

        memset(buf, 0x5a, sizeof(buf));
        while (bytes > 0) {
                size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK;
                ssize_t w = write(fd, buf, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0) {
                        fprintf(stderr, "qrexec-caller: writing: %s\n", strerror(errno));
                        return;
                }
                bytes -= (unsigned long long)w;
        }
}

/* One connection of the socket service: the header to its NUL, then
 * whatever the caller sends, to its end. */
static void serve_one(int fd)
{
        static char buf[CHUNK];
        ssize_t n;

        while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                ;
        close(fd);
}

static int serve(const char *dir)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char link[PATH_MAX];
        int fd, null;
        pid_t pid;

        snprintf(link, sizeof(link), "%s", dir);
        for (char *slash = link + 1; (slash = strchr(slash, '/')); *slash++ = '/') {
                *slash = '\0';
                mkdir(link, 0755);
        }
        mkdir(dir, 0755);
        if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/bench.SocketEmpty", dir) >=
            sizeof(sa.sun_path))
                return 1;
        snprintf(link, sizeof(link), "%s/bench.SocketSink", dir);
        unlink(sa.sun_path);
        unlink(link);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
            symlink("bench.SocketEmpty", link) < 0) {
                fprintf(stderr, "qrexec-caller: serving %s: %s\n", sa.sun_path, strerror(errno));
                return 1;
        }
        /* In the background once it listens, so the caller can go on. */
        pid = fork();
        if (pid < 0)
                return 1;
        if (pid > 0)
                return 0;
        setsid();
        null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        for (;;) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

                if (c >= 0)
                        serve_one(c);
        }
}

int main(int argc, char **argv)
{
        char self[PATH_MAX];
        ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

        signal(SIGPIPE, SIG_IGN);
        if (len > 0) {
                self[len] = '\0';
                *strrchr(self, '/') = '\0';
                snprintf(client, sizeof(client), "%s/qrexec-client-vm", self);
                if (access(client, X_OK) < 0)
                        snprintf(client, sizeof(client), "qrexec-client-vm");
        }
        bh_log_init("qrexec-caller");
        if (argc == 3 && strcmp(argv[1], "--serve") == 0)
                return serve(argv[2]);
        if (argc == 5 && strcmp(argv[1], "--calls") == 0)
                return calls(atol(argv[2]), argv[3], argv[4], false);
        if (argc == 5 && strcmp(argv[1], "--linked-calls") == 0)
                return calls(atol(argv[2]), argv[3], argv[4], true);
        if (argc == 5 && strcmp(argv[1], "--sink") == 0)
                return sink(strtoull(argv[2], NULL, 10), argv[3], argv[4], false);
        if (argc == 5 && strcmp(argv[1], "--linked-sink") == 0)
                return sink(strtoull(argv[2], NULL, 10), argv[3], argv[4], true);
        fprintf(stderr, "usage: qrexec-caller --calls N|--linked-calls N|--sink BYTES|--linked-sink BYTES "
                        "TARGET SERVICE\n       qrexec-caller --serve DIR\n");
        return 2;
}
