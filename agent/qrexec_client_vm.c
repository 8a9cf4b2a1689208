/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-client-vm TARGET SERVICE[+ARG] [LOCAL-PROGRAM [ARG...]]
 *
 * Calls a service in another domain (or dom0) through dom0's policy, from
 * inside a domain.  Without LOCAL-PROGRAM our stdin goes to the service and
 * its stdout and stderr come out of ours; with it, LOCAL-PROGRAM's stdout
 * goes to the service and the service's stdout to LOCAL-PROGRAM's stdin
 * (Qubes' convention, which bulkhead-copy-to-vm builds on).
 *
 * Exit status: the service's (or LOCAL-PROGRAM's, when given and it
 * failed); 126 when the call is refused or cannot be made, with a message
 * on stderr.
 *
 * The call itself is bh_qrexec_call (qrexec_call.c), which programs in the
 * domain can also link to make calls without a process start.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "qrexec_call.h"
#include "util.h"

#define EXIT_REFUSED 126
/* Pipes to LOCAL-PROGRAM: room for 16 of the protocol's 64 KiB messages,
 * so each side wakes up once per megabyte rather than per message (the
 * kernel's default limit for an unprivileged pipe, fs.pipe-max-size). */
#define LOCAL_PIPE_SIZE (1 << 20)

static pid_t spawn_local(char **argv, int *to_it, int *from_it)
{
        int in[2], out[2];
        pid_t pid;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
                return -1;
        /* Best effort: a smaller pipe only costs more wake-ups. */
        (void)!fcntl(in[1], F_SETPIPE_SZ, LOCAL_PIPE_SIZE);
        (void)!fcntl(out[1], F_SETPIPE_SZ, LOCAL_PIPE_SIZE);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                dup2(in[0], 0);
                dup2(out[1], 1);
                signal(SIGPIPE, SIG_DFL);
                execvp(argv[0], argv);
                fprintf(stderr, "qrexec-client-vm: %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(in[0]);
        close(out[1]);
        *to_it = in[1];
        *from_it = out[0];
        return pid;
}

int main(int argc, char **argv)
{
        struct bh_qrexec_call *call = NULL;
        int r, status = 0, in_fd = 0, out_fd = 1;
        pid_t local = 0;

        bh_log_init("qrexec-client-vm");
        if (argc < 3 || argv[1][0] == '-') {
                fprintf(stderr, "usage: qrexec-client-vm TARGET SERVICE[+ARG] [LOCAL-PROGRAM [ARG...]]\n");
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        r = bh_qrexec_call_open(argv[1], argv[2], &call);
        if (r < 0)
                return r == -EINVAL ? 2 : EXIT_REFUSED;
        /* LOCAL-PROGRAM starts only once the call is allowed and connected. */
        if (argc > 3) {
                local = spawn_local(argv + 3, &out_fd, &in_fd);
                if (local < 0) {
                        fprintf(stderr, "qrexec-client-vm: %s: %s\n", argv[3], strerror(errno));
                        bh_qrexec_call_close(call);
                        return EXIT_REFUSED;
                }
        }
        r = bh_qrexec_call_relay(call, in_fd, out_fd, 2, &status);
        if (local > 0) {
                int st;

                close(in_fd);
                close(out_fd);
                while (waitpid(local, &st, 0) < 0 && errno == EINTR)
                        ;
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        return r < 0 ? EXIT_REFUSED : status;
}
