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
 *
 * Each call is a new qrexec-client-vm process, as a program or a script in
 * a domain makes it: the figures include its start.  Every call must exit
 * 0, else the run fails with status 1.  qrexec-client-vm is looked up
 * beside this program, then in the PATH.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define CHUNK (64u * 1024)

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

static int calls(long n, char *target, char *service)
{
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        if (null < 0)
                return 1;
        for (long i = 0; i < n; i++) {
                uint64_t t0 = now_ns();
                pid_t pid = start(target, service, null);

                if (pid < 0 || finish(pid) < 0)
                        return 1;
                printf("%llu\n", (unsigned long long)(now_ns() - t0));
        }
        return 0;
}

static int sink(unsigned long long bytes, char *target, char *service)
{
        static char buf[CHUNK];
        uint64_t t0 = now_ns();
        int p[2];
        pid_t pid;

        memset(buf, 0x5a, sizeof(buf));
        if (pipe2(p, O_CLOEXEC) < 0)
                return 1;
        pid = start(target, service, p[0]);
        close(p[0]);
        if (pid < 0)
                return 1;
        while (bytes > 0) {
                size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK;
                ssize_t w = write(p[1], buf, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0) {
                        fprintf(stderr, "qrexec-caller: writing: %s\n", strerror(errno));
                        return 1;
                }
                bytes -= (unsigned long long)w;
        }
        close(p[1]);
        if (finish(pid) < 0)
                return 1;
        printf("%llu\n", (unsigned long long)(now_ns() - t0));
        return 0;
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
        if (argc == 5 && strcmp(argv[1], "--calls") == 0)
                return calls(atol(argv[2]), argv[3], argv[4]);
        if (argc == 5 && strcmp(argv[1], "--sink") == 0)
                return sink(strtoull(argv[2], NULL, 10), argv[3], argv[4]);
        fprintf(stderr, "usage: qrexec-caller --calls N|--sink BYTES TARGET SERVICE\n");
        return 2;
}
