/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A recipe's customize script run on a template root that is being built
 * (`bulkhead template build host NAME --customize SCRIPT`): fork + exec,
 * no shell, in a session of its own, for a bounded time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "template_host.h"
#include "util.h"

/* In the child: the script's stdin is /dev/null, its output goes where
 * ours does (bulkheadd's log), and it gets a small known environment rather
 * than bulkheadd's. */
static _Noreturn void exec_script(const char *script, const char *root)
{
        char *const envp[] = {
                (char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                (char *)"LC_ALL=C",
                (char *)"HOME=/root",
                NULL,
        };
        char *const argv[] = { (char *)script, (char *)root, NULL };
        sigset_t none;
        int fd;

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        setsid();
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
            chdir("/") < 0)
                _exit(126);
        execve(script, argv, envp);
        int e = errno;
        bh_log_errno(-e, "customize: exec %s", script);
        _exit(e == ENOENT ? 127 : 126);
}

int bh_template_customize_run(const char *script, const char *root, int timeout_ms, char *err,
                              size_t errlen)
{
        _cleanup_close_ int pidfd = -1;
        struct stat st;
        int64_t deadline;
        int status, r;
        pid_t pid;

        if (!script || script[0] != '/') {
                snprintf(err, errlen, "customize script '%s' is not an absolute path",
                         script ? script : "");
                return -EINVAL;
        }
        if (stat(script, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else
                r = access(script, X_OK) < 0 ? -errno : 0;
        if (r < 0) {
                snprintf(err, errlen, "customize script %s: %s", script,
                         r == -EINVAL ? "not a regular file" : strerror(-r));
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                snprintf(err, errlen, "customize script %s: fork: %s", script, strerror(-r));
                return r;
        }
        if (pid == 0)
                exec_script(script, root);

        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        deadline = bh_now_ms() + timeout_ms;
        for (;;) {
                int64_t left = deadline - bh_now_ms();
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        r = -errno;
                        snprintf(err, errlen, "customize script %s: wait: %s", script, strerror(-r));
                        return r;
                }
                if (left <= 0) {
                        /* Its session: what it started in the background
                         * goes too. */
                        kill(-pid, SIGKILL);
                        kill(pid, SIGKILL);
                        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                                ;
                        snprintf(err, errlen, "customize script %s: killed after %d s", script,
                                 timeout_ms / 1000);
                        return -ETIMEDOUT;
                }
                /* Without a pidfd (kernel < 5.3) look again every 20 ms. */
                if (pidfd >= 0)
                        poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
                else
                        poll(NULL, 0, left < 20 ? (int)left : 20);
        }
        /* A build step leaves nothing running as root in dom0: whatever is
         * left of its process group goes (the group's id stays reserved
         * while it has members, so this reaches no one else). */
        kill(-pid, SIGKILL);
        if (WIFSIGNALED(status)) {
                snprintf(err, errlen, "customize script %s killed by signal %d", script,
                         WTERMSIG(status));
                return -EIO;
        }
        if (WEXITSTATUS(status) != 0) {
                snprintf(err, errlen, "customize script %s exited with status %d", script,
                         WEXITSTATUS(status));
                return -EIO;
        }
        return 0;
}
