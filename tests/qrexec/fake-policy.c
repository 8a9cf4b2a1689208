/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for qrexec-policy, for tests/qrexec/hostile.sh: serves
 * SOCKET (SOCK_SEQPACKET, messages of NUL-terminated fields), denies every
 * call, and appends what it was asked to LOG, one line per request:
 *
 *   request  "bulkhead-policy/1" "eval" SOURCE TARGET SERVICE[+ARG]
 *   reply    "ok" "result=deny"
 *   log      SOURCE TARGET SERVICE[+ARG]
 *
 * A call to a service whose name starts with "test.Hold" gets no answer
 * until "bulkhead-policy/1" "release" comes, like a dialog the user leaves
 * open; "bulkhead-policy/1" "held" answers "ok" "held=N".
 *
 *   fake-policy SOCKET LOG
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
#include <unistd.h>

/* More than qrexec-daemon ever keeps waiting (BH_QREXEC_MAX_PENDING) for
 * each of the two daemons the test runs, with room to spare. */
#define MAX_CLIENTS 1024
#define MAX_FIELDS 8

static const char deny[] = "ok\0result=deny";

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
        (void)sig;
        stop = 1;
}

struct client {
        int fd;
        int held; /* waiting for "release" */
};

static struct client clients[MAX_CLIENTS];
static int log_fd = -1;

static void drop(struct client *c)
{
        close(c->fd);
        c->fd = -1;
        c->held = 0;
}

static size_t held_count(void)
{
        size_t n = 0;

        for (size_t i = 0; i < MAX_CLIENTS; i++)
                n += clients[i].fd >= 0 && clients[i].held;
        return n;
}

static void serve(struct client *c)
{
        char buf[4096], line[1024], reply[64];
        const char *f[MAX_FIELDS];
        size_t nf = 0;
        ssize_t n = recv(c->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0 || buf[n - 1] != '\0') {
                drop(c);
                return;
        }
        for (ssize_t i = 0; i < n && nf < MAX_FIELDS; i += (ssize_t)strlen(buf + i) + 1)
                f[nf++] = buf + i;
        if (nf < 2 || strcmp(f[0], "bulkhead-policy/1") != 0) {
                drop(c);
                return;
        }
        if (strcmp(f[1], "eval") == 0 && nf == 5) {
                int len = snprintf(line, sizeof(line), "%s %s %s\n", f[2], f[3], f[4]);

                if (len > 0 && write(log_fd, line, (size_t)len) < 0)
                        perror("fake-policy: log");
                if (strncmp(f[4], "test.Hold", 9) == 0) {
                        c->held = 1;
                        return;
                }
                (void)!send(c->fd, deny, sizeof(deny), MSG_NOSIGNAL);
        } else if (strcmp(f[1], "release") == 0) {
                for (size_t i = 0; i < MAX_CLIENTS; i++)
                        if (clients[i].fd >= 0 && clients[i].held) {
                                (void)!send(clients[i].fd, deny, sizeof(deny), MSG_NOSIGNAL);
                                drop(&clients[i]);
                        }
                (void)!send(c->fd, "ok", 3, MSG_NOSIGNAL);
        } else if (strcmp(f[1], "held") == 0) {
                int len = snprintf(reply, sizeof(reply), "ok%cheld=%zu", 0, held_count());

                (void)!send(c->fd, reply, (size_t)len + 1, MSG_NOSIGNAL);
        } else {
                (void)!send(c->fd, "error\0EINVAL\0unknown request", 29, MSG_NOSIGNAL);
        }
        drop(c);
}

int main(int argc, char **argv)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct sigaction act = { .sa_handler = on_term };
        int lfd;

        if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: fake-policy SOCKET LOG\n");
                return 2;
        }
        sigaction(SIGTERM, &act, NULL);
        sigaction(SIGINT, &act, NULL);
        signal(SIGPIPE, SIG_IGN);
        log_fd = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (log_fd < 0) {
                perror(argv[2]);
                return 1;
        }
        strcpy(sa.sun_path, argv[1]);
        unlink(sa.sun_path);
        lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 256) < 0) {
                perror(argv[1]);
                return 1;
        }
        for (size_t i = 0; i < MAX_CLIENTS; i++)
                clients[i].fd = -1;

        while (!stop) {
                static struct pollfd p[1 + MAX_CLIENTS];
                static struct client *who[1 + MAX_CLIENTS];
                nfds_t n = 0;

                p[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
                who[n++] = NULL;
                for (size_t i = 0; i < MAX_CLIENTS; i++)
                        if (clients[i].fd >= 0) {
                                p[n] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };
                                who[n++] = &clients[i];
                        }
                if (poll(p, n, 1000) < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("fake-policy: poll");
                        return 1;
                }
                for (nfds_t i = 1; i < n; i++)
                        if (p[i].revents && who[i]->fd >= 0)
                                serve(who[i]);
                if (p[0].revents) {
                        int fd;

                        while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
                                size_t i = 0;

                                while (i < MAX_CLIENTS && clients[i].fd >= 0)
                                        i++;
                                if (i == MAX_CLIENTS) {
                                        close(fd);
                                        continue;
                                }
                                clients[i] = (struct client){ .fd = fd };
                        }
                }
        }
        unlink(sa.sun_path);
        return 0;
}
