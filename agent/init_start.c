/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Boot services: bulkhead-init runs a template's /etc/bulkhead/start.d
 * scripts after it has started the agents, in a process of their own, so
 * that nothing a script does can delay the agents or init's own loop.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init_start.h"
#include "util.h"

/* What run-parts leaves out: hidden files, editors' backups, and what dpkg
 * leaves beside a changed conffile (.dpkg-old, .dpkg-dist, .dpkg-new). */
static bool wanted_name(const char *name)
{
        size_t n = strlen(name);

        return name[0] != '.' && name[n - 1] != '~' && !strstr(name, ".dpkg-");
}

/* C locale order whatever the environment says: 10-a before 9-b. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static _Noreturn void exec_script(const char *path)
{
        char *const argv[] = { (char *)path, NULL };
        sigset_t none;
        int fd;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        /* A session of its own: a timeout kills the script and what it
         * left in its process group, not us. */
        setsid();
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || chdir("/") < 0)
                _exit(126);
        /* Scripts run as root: root's home, not the user's. */
        setenv("HOME", "/root", 1);
        execv(path, argv);
        int e = errno;
        bh_log_errno(-e, "start: exec %s", path);
        _exit(e == ENOENT ? 127 : 126);
}

/* Waits for pid for at most timeout_ms; then kills its session.  Returns
 * its wait status, or -ETIMEDOUT once it was killed. */
static int wait_bounded(pid_t pid, int timeout_ms)
{
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int64_t deadline = bh_now_ms() + timeout_ms;
        int status;

        for (;;) {
                int64_t left = deadline - bh_now_ms();
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        return status;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (left <= 0) {
                        kill(-pid, SIGKILL);
                        kill(pid, SIGKILL);
                        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                                ;
                        return -ETIMEDOUT;
                }
                /* Without a pidfd (kernel < 5.3) look again every 20 ms. */
                if (pidfd >= 0)
                        poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
                else
                        poll(NULL, 0, left < 20 ? (int)left : 20);
        }
}

static void run_one(const char *dir, const char *name, int timeout_ms)
{
        _cleanup_free_ char *path = NULL;
        struct stat st;
        int64_t t0;
        pid_t pid;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return (void)bh_log_error("start: %s/%s: out of memory", dir, name);
        if (stat(path, &st) < 0)
                return (void)bh_log_errno(-errno, "start: %s", path);
        if (!S_ISREG(st.st_mode))
                return; /* a directory, a socket: not a script */
        if (access(path, X_OK) < 0)
                return (void)bh_log_info("start: %s is not executable, skipped", path);
        t0 = bh_now_ms();
        pid = fork();
        if (pid < 0)
                return (void)bh_log_errno(-errno, "start: %s: fork", path);
        if (pid == 0)
                exec_script(path);
        r = wait_bounded(pid, timeout_ms);
        if (r == -ETIMEDOUT)
                bh_log_error("start: %s still running after %d s, killed", path, timeout_ms / 1000);
        else if (r < 0)
                bh_log_errno(r, "start: %s: wait", path);
        else if (WIFSIGNALED(r))
                bh_log_error("start: %s killed by signal %d (%lld ms)", path, WTERMSIG(r),
                             (long long)(bh_now_ms() - t0));
        else
                bh_log_info("start: %s exited with status %d (%lld ms)", path, WEXITSTATUS(r),
                            (long long)(bh_now_ms() - t0));
}

static int run_all(const char *dir, int timeout_ms)
{
        struct dirent **names = NULL;
        int n = scandir(dir, &names, NULL, by_name);

        if (n < 0)
                return bh_log_errno(-errno, "start: %s", dir), 1;
        for (int i = 0; i < n; i++) {
                if (wanted_name(names[i]->d_name))
                        run_one(dir, names[i]->d_name, timeout_ms);
                free(names[i]);
        }
        free(names);
        return 0;
}

pid_t bh_init_start_scripts(const char *dir, int timeout_ms)
{
        struct stat st;
        sigset_t none;
        pid_t pid;

        if (stat(dir, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        pid = fork();
        if (pid != 0)
                return pid < 0 ? -errno : pid;
        /* init blocks the signals it reads with its signalfd; here
         * SIGTERM at shutdown must end this process at once. */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        _exit(run_all(dir, timeout_ms));
}
