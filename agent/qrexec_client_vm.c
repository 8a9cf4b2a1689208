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
 * The call: ask the agent for a data port, serve the data channel on it,
 * tell the agent we are ready; the agent asks dom0, and if the policy
 * allows, the target's side connects to our channel and the data flows
 * straight between the two domains (docs/qrexec-protocol.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "exec_client.h"
#include "exec_proto.h"
#include "qrexec_proto.h"
#include "util.h"
#include "vchan.h"

#define EXIT_REFUSED 126
/* Dom0 may start the target (or a disposable) for the call, and ask the
 * user: the answer can take a while. */
#define ANSWER_TIMEOUT_MS 300000
#define CONNECT_TIMEOUT_MS 120000

static int agent_connect(void)
{
        const char *path = getenv("BULKHEAD_QREXEC_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path || !*path)
                path = BH_QREXEC_AGENT_SOCKET;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* One reply: its fields in f[0..], returns how many, or -errno. */
static int agent_reply(int fd, char *buf, size_t size, const char **f, size_t max, int timeout_ms)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        size_t nf = 0;

        if (poll(&p, 1, timeout_ms) <= 0)
                return -ETIMEDOUT;
        n = recv(fd, buf, size - 1, 0);
        if (n <= 0)
                return n < 0 ? -errno : -ECONNRESET;
        buf[n] = '\0';
        for (ssize_t i = 0; i < n && nf < max; i += (ssize_t)strlen(buf + i) + 1)
                f[nf++] = buf + i;
        return (int)nf;
}

static pid_t spawn_local(char **argv, int *to_it, int *from_it)
{
        int in[2], out[2];
        pid_t pid;

        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
                return -1;
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
        _cleanup_close_ int fd = -1;
        char buf[BH_QREXEC_LOCAL_MSG_MAX + 1], msg[BH_QREXEC_LOCAL_MSG_MAX];
        const char *f[3];
        struct bh_vchan_addr addr = { .transport = BH_VCHAN_SOCKET };
        struct bh_vchan *v = NULL;
        const char *t;
        int n, r, status = 0, in_fd = 0, out_fd = 1;
        pid_t local = 0;
        size_t len;

        bh_log_init("qrexec-client-vm");
        if (argc < 3 || argv[1][0] == '-') {
                fprintf(stderr, "usage: qrexec-client-vm TARGET SERVICE[+ARG] [LOCAL-PROGRAM [ARG...]]\n");
                return 2;
        }
        signal(SIGPIPE, SIG_IGN);
        fd = agent_connect();
        if (fd < 0) {
                fprintf(stderr, "qrexec-client-vm: cannot reach the agent: %s\n", strerror(-fd));
                return EXIT_REFUSED;
        }
        len = (size_t)snprintf(msg, sizeof(msg), "call%c%s%c%s", 0, argv[1], 0, argv[2]) + 1;
        if (len > sizeof(msg) || send(fd, msg, len, MSG_NOSIGNAL) < 0) {
                fprintf(stderr, "qrexec-client-vm: request too long\n");
                return 2;
        }
        n = agent_reply(fd, buf, sizeof(buf), f, 3, 10000);
        if (n < 2 || strcmp(f[0], "port") != 0) {
                fprintf(stderr, "qrexec-client-vm: %s: %s\n", argv[2],
                        n >= 2 ? f[1] : "no answer from the agent");
                return n >= 1 && strcmp(f[0], "refused") == 0 && strstr(f[1], "malformed") ? 2
                                                                                       : EXIT_REFUSED;
        }
        t = getenv("BULKHEAD_TRANSPORT");
        if (t && *t && bh_vchan_transport_from_string(t, &addr.transport) < 0)
                return EXIT_REFUSED;
        addr.socket_dir = getenv("BULKHEAD_VCHAN_DIR");
        if (!addr.socket_dir || !*addr.socket_dir)
                addr.socket_dir = "/run/bulkhead/vchan";
        addr.port = atoi(f[1]);
        r = bh_vchan_server_init(&v, &addr, BH_EXEC_RING_SIZE, BH_EXEC_RING_SIZE);
        if (r < 0) {
                fprintf(stderr, "qrexec-client-vm: data channel: %s\n", strerror(-r));
                return EXIT_REFUSED;
        }
        if (send(fd, "ready", 6, MSG_NOSIGNAL) < 0) {
                bh_vchan_close(v);
                return EXIT_REFUSED;
        }
        n = agent_reply(fd, buf, sizeof(buf), f, 3, ANSWER_TIMEOUT_MS);
        if (n < 1 || strcmp(f[0], "connect") != 0) {
                fprintf(stderr, "qrexec-client-vm: %s: request refused%s%s\n", argv[2],
                        n >= 2 ? ": " : "", n >= 2 ? f[1] : "");
                bh_vchan_close(v);
                return EXIT_REFUSED;
        }
        /* The target's side connects to our channel. */
        for (int64_t waited = 0; bh_vchan_is_open(v) == 2; waited += 100) {
                struct pollfd p = { .fd = bh_vchan_fd(v), .events = POLLIN };

                if (waited >= CONNECT_TIMEOUT_MS) {
                        fprintf(stderr, "qrexec-client-vm: %s: the target did not connect\n", argv[2]);
                        bh_vchan_close(v);
                        return EXIT_REFUSED;
                }
                if (poll(&p, 1, 100) > 0)
                        bh_vchan_wait(v, 0);
        }
        if (bh_vchan_is_open(v) != 1) {
                bh_vchan_close(v);
                return EXIT_REFUSED;
        }
        if (argc > 3) {
                local = spawn_local(argv + 3, &out_fd, &in_fd);
                if (local < 0) {
                        bh_vchan_close(v);
                        return EXIT_REFUSED;
                }
        }
        r = bh_exec_relay(v, &addr, in_fd, out_fd, 2, -1, &status);
        if (local > 0) {
                int st;

                close(in_fd);
                close(out_fd);
                while (waitpid(local, &st, 0) < 0 && errno == EINTR)
                        ;
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        if (r < 0) {
                fprintf(stderr, "qrexec-client-vm: %s: %s\n", argv[2], strerror(-r));
                return EXIT_REFUSED;
        }
        return status;
}
