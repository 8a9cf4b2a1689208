/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting the domain's Xvfb.  Readiness comes from -displayfd: the server
 * writes its display number to that descriptor once it listens, so there is
 * no guessing with retries and sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gui_xvfb.h"
#include "util.h"

/* Xvfb is up in well under a second; ten allow a loaded test machine. */
#define XVFB_START_TIMEOUT_MS 10000
/* An X server exits at once on SIGTERM; past this it is killed. */
#define XVFB_STOP_GRACE_MS 2000

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void child(const char *display, unsigned width, unsigned height, int ready_fd,
                  pid_t parent)
{
        char screen[64], fd_arg[16];
        sigset_t none;
        int null;

        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                _exit(1);
        /* The agent blocks its signals for a signalfd; Xvfb must get them. */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (fcntl(ready_fd, F_SETFD, 0) < 0)
                _exit(1);
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0)
                dup2(null, STDIN_FILENO);
        snprintf(screen, sizeof(screen), "%ux%ux24", width, height);
        snprintf(fd_arg, sizeof(fd_arg), "%d", ready_fd);
        execlp("Xvfb", "Xvfb", display, "-screen", "0", screen, "-nolisten", "tcp", "-noreset",
               "-displayfd", fd_arg, (char *)NULL);
        bh_log_errno(-errno, "display %s: exec Xvfb", display);
        _exit(127);
}

int gui_xvfb_start(const char *display, unsigned width, unsigned height, pid_t *ret_pid)
{
        _cleanup_close_ int rd = -1, wr = -1;
        int64_t deadline = now_ms() + XVFB_START_TIMEOUT_MS;
        pid_t pid, parent = getpid();
        char buf[32];
        size_t got = 0;
        int p[2];

        if (pipe2(p, O_CLOEXEC) < 0)
                return bh_log_errno(-errno, "display %s: pipe for Xvfb", display);
        rd = p[0];
        wr = p[1];
        pid = fork();
        if (pid < 0)
                return bh_log_errno(-errno, "display %s: fork for Xvfb", display);
        if (pid == 0)
                child(display, width, height, wr, parent);
        close(TAKE_FD(wr));
        for (;;) {
                struct pollfd pf = { .fd = rd, .events = POLLIN };
                int64_t left = deadline - now_ms();
                ssize_t n;

                if (left <= 0) {
                        gui_xvfb_stop(pid);
                        return bh_log_errno(-ETIMEDOUT, "display %s: Xvfb did not start",
                                            display);
                }
                if (poll(&pf, 1, (int)left) < 0) {
                        if (errno == EINTR)
                                continue;
                        gui_xvfb_stop(pid);
                        return bh_log_errno(-errno, "display %s: waiting for Xvfb", display);
                }
                n = read(rd, buf + got, sizeof(buf) - 1 - got);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n <= 0) {
                        /* It closed the pipe without a number: it exited
                         * (display in use, bad arguments, not installed). */
                        gui_xvfb_stop(pid);
                        return bh_log_errno(-ECHILD, "display %s: Xvfb exited before it was ready",
                                            display);
                }
                got += (size_t)n;
                buf[got] = '\0';
                if (strchr(buf, '\n') || got == sizeof(buf) - 1)
                        break;
        }
        *ret_pid = pid;
        return 0;
}

void gui_xvfb_stop(pid_t pid)
{
        int64_t deadline = now_ms() + XVFB_STOP_GRACE_MS;

        if (pid <= 0)
                return;
        kill(pid, SIGTERM);
        for (;;) {
                pid_t r = waitpid(pid, NULL, WNOHANG);

                if (r == pid || (r < 0 && errno != EINTR))
                        return;
                if (now_ms() >= deadline)
                        break;
                usleep(10 * 1000);
        }
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}
