/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket transport: the shape of a Xen vchan on plain Linux.
 *
 * The server listens on <socket_dir>/vchan.<port>.sock (SOCK_SEQPACKET).
 * When its one client connects, it creates a sealed memfd holding two rings
 * (vchan_ring.h) and passes it in a SETUP record; afterwards the socket only
 * carries NOTIFY records (the event channel) and SHBUF records (a sealed
 * memfd per shared buffer).  The peer's death closes the socket, which the
 * other end sees at once.
 *
 * The number returned by fd() never changes: the accepted or connected
 * socket is dup'ed over the listening socket or the directory watch.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "util.h"
#include "vchan_ring.h"
#include "vchan_transport.h"
#include "vchan_wire.h"

/*
 * Shared buffers the peer announced and we have not mapped yet.  A GUI
 * agent announces one per window before the daemon maps it; 64 is far above
 * what a sane agent has in flight, and bounds what a hostile one can pin.
 */
#define SHBUF_MAX_PENDING 64
/* Control records taken in per wait(), so a flooding peer cannot starve us. */
#define DRAIN_MAX 256
/* How long share() waits for room to send its record. */
#define SHARE_SEND_TIMEOUT_MS 5000

enum sock_state {
        ST_LISTENING,   /* server: waiting for the client */
        ST_NO_SERVER,   /* client: socket not there yet; fd is a directory watch */
        ST_CONNECTING,  /* client: connected, waiting for SETUP */
        ST_OPEN,
        ST_CLOSED,      /* peer gone or protocol violation */
};

struct pending_buf {
        uint32_t id;
        uint32_t pages;
        int fd;
};

struct sock_chan {
        int fd;
        enum sock_state state;
        bool server;
        bool peer_gone;
        bool broken;
        int port;
        int peer_domid;
        char *dir;
        char *path;
        uint32_t ring_size[2]; /* server: chosen at init; [0] server->client */
        void *mem;
        size_t mem_size;
        struct bh_ring rx, tx;
        struct pending_buf pending[SHBUF_MAX_PENDING];
        unsigned n_pending;
        uint32_t next_shbuf_id;
};

struct sock_buf {
        size_t map_len;
};

static struct sock_chan *chan(struct bh_vchan *v)
{
        return v->priv;
}

static void chan_fail(struct sock_chan *c, const char *why)
{
        if (c->broken)
                return;
        bh_log_error("vchan socket port %d peer %d: %s; closing the channel", c->port,
                     c->peer_domid, why);
        c->broken = true;
        c->state = ST_CLOSED;
        shutdown(c->fd, SHUT_RDWR);
}

static int socket_path(const char *dir, int port, char **ret)
{
        struct sockaddr_un sa;

        if (asprintf(ret, "%s/vchan.%d.sock", dir, port) < 0)
                return -ENOMEM;
        if (strlen(*ret) >= sizeof(sa.sun_path)) {
                free(*ret);
                *ret = NULL;
                return -ENAMETOOLONG;
        }
        return 0;
}

static void fill_addr(struct sockaddr_un *sa, const char *path)
{
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        strncpy(sa->sun_path, path, sizeof(sa->sun_path) - 1);
}

static struct sock_chan *chan_new(struct bh_vchan *v, const struct bh_vchan_addr *addr)
{
        struct sock_chan *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->fd = -1;
        c->port = addr->port;
        c->peer_domid = addr->peer_domid;
        c->dir = strdup(addr->socket_dir);
        if (!c->dir) {
                free(c);
                return NULL;
        }
        v->priv = c;
        return c;
}

static void chan_free(struct sock_chan *c)
{
        if (c->fd >= 0)
                close(c->fd);
        if (c->mem)
                munmap(c->mem, c->mem_size);
        for (unsigned i = 0; i < c->n_pending; i++)
                close(c->pending[i].fd);
        free(c->dir);
        free(c->path);
        free(c);
}

/* ---- control records ---------------------------------------------------- */

static int ctl_send(struct sock_chan *c, enum bh_vchan_ctl_type type, uint32_t arg0,
                    uint32_t arg1, int fd)
{
        struct bh_vchan_ctl rec;
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } cm;
        struct iovec iov = { .iov_base = &rec, .iov_len = sizeof(rec) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

        bh_vchan_ctl_make(&rec, type, arg0, arg1);
        if (fd >= 0) {
                struct cmsghdr *h;

                memset(&cm, 0, sizeof(cm));
                msg.msg_control = cm.buf;
                msg.msg_controllen = sizeof(cm.buf);
                h = CMSG_FIRSTHDR(&msg);
                h->cmsg_level = SOL_SOCKET;
                h->cmsg_type = SCM_RIGHTS;
                h->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(h), &fd, sizeof(int));
        }
        if (sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
                return -errno;
        return 0;
}

static void close_cmsg_fds(struct msghdr *msg)
{
        for (struct cmsghdr *h = CMSG_FIRSTHDR(msg); h; h = CMSG_NXTHDR(msg, h)) {
                if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
                        close(fd);
                }
        }
}

/*
 * Takes in one record.  Returns its type with *fd_out set (-1 if none),
 * -EAGAIN when there is none, -EPIPE at end of stream, -EPROTO when the
 * record is malformed (any descriptor that came with it is closed).
 */
static int ctl_recv(struct sock_chan *c, struct bh_vchan_ctl *out, int *fd_out)
{
        /* One byte more than a record, so an oversized record shows as such. */
        uint8_t untrusted_buf[sizeof(struct bh_vchan_ctl) + 1];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } cm;
        struct iovec iov = { .iov_base = untrusted_buf, .iov_len = sizeof(untrusted_buf) };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = cm.buf,
                .msg_controllen = sizeof(cm.buf),
        };
        ssize_t n;
        int fd = -1, type;
        struct cmsghdr *h;

        n = recvmsg(c->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return -EAGAIN;
                if (errno == ECONNRESET)
                        return -EPIPE;
                return -errno;
        }
        if (n == 0)
                return -EPIPE;
        if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
                close_cmsg_fds(&msg);
                return -EPROTO;
        }
        h = CMSG_FIRSTHDR(&msg);
        if (h) {
                if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS ||
                    h->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&msg, h)) {
                        close_cmsg_fds(&msg);
                        return -EPROTO;
                }
                memcpy(&fd, CMSG_DATA(h), sizeof(int));
        }
        type = bh_vchan_ctl_check(untrusted_buf, (size_t)n, fd >= 0);
        if (type < 0) {
                if (fd >= 0)
                        close(fd);
                return type;
        }
        memcpy(out, untrusted_buf, sizeof(*out));
        *fd_out = fd;
        return type;
}

static void notify(struct sock_chan *c)
{
        int r = ctl_send(c, BH_VCHAN_CTL_NOTIFY, 0, 0, -1);

        /* A full socket already holds wake-ups the peer has not read. */
        if (r == -EPIPE || r == -ECONNRESET)
                c->peer_gone = true;
}

static int add_pending(struct sock_chan *c, uint32_t untrusted_id, uint32_t untrusted_pages,
                       int fd)
{
        if (c->n_pending >= SHBUF_MAX_PENDING) {
                close(fd);
                chan_fail(c, "too many shared buffers announced and not mapped");
                return -EPROTO;
        }
        for (unsigned i = 0; i < c->n_pending; i++)
                if (c->pending[i].id == untrusted_id) {
                        close(fd);
                        chan_fail(c, "shared buffer id announced twice");
                        return -EPROTO;
                }
        /* Pages are checked against the descriptor and the memfd at map time. */
        c->pending[c->n_pending++] = (struct pending_buf){
                .id = untrusted_id, .pages = untrusted_pages, .fd = fd
        };
        return 0;
}

/* Takes in every waiting control record: wake-ups, buffers, end of stream. */
static int drain(struct sock_chan *c)
{
        for (int i = 0; i < DRAIN_MAX; i++) {
                struct bh_vchan_ctl rec;
                int fd = -1;
                int t = ctl_recv(c, &rec, &fd);

                if (t == -EAGAIN)
                        return 0;
                if (t == -EPIPE) {
                        c->peer_gone = true;
                        return 0;
                }
                if (t < 0) {
                        chan_fail(c, "malformed control record");
                        return -EPROTO;
                }
                switch (t) {
                case BH_VCHAN_CTL_NOTIFY:
                        break;
                case BH_VCHAN_CTL_SHBUF:
                        if (add_pending(c, rec.arg0, rec.arg1, fd) < 0)
                                return -EPROTO;
                        break;
                default:
                        close(fd);
                        chan_fail(c, "unexpected control record");
                        return -EPROTO;
                }
        }
        return 0;
}

/* ---- set-up --------------------------------------------------------------- */

static int ring_mem_create(uint32_t size0, uint32_t size1, int *ret_fd, void **ret_mem)
{
        _cleanup_close_ int fd = -1;
        size_t len = (size_t)BH_RING_HEADER_SIZE + size0 + size1;
        void *mem;

        fd = memfd_create("bulkhead-vchan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (ftruncate(fd, (off_t)len) < 0)
                return -errno;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
                return -errno;
        mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mem == MAP_FAILED)
                return -errno;
        *ret_mem = mem;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void rings_init(struct sock_chan *c, uint32_t size0, uint32_t size1)
{
        uint8_t *m = c->mem;
        void *sh0 = m, *sh1 = m + BH_RING_SHARED_STRIDE;
        void *d0 = m + BH_RING_HEADER_SIZE, *d1 = m + BH_RING_HEADER_SIZE + size0;

        if (c->server) {
                bh_ring_init(&c->tx, sh0, d0, size0);
                bh_ring_init(&c->rx, sh1, d1, size1);
        } else {
                bh_ring_init(&c->rx, sh0, d0, size0);
                bh_ring_init(&c->tx, sh1, d1, size1);
        }
}

/* Server: takes the client if it has come, and hands it the rings. */
static int server_accept(struct sock_chan *c)
{
        _cleanup_close_ int conn = -1, memfd = -1;
        void *mem = NULL;
        int r;

        conn = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (conn < 0)
                return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
        /* One client per channel: nobody else may find the socket now. */
        unlink(c->path);
        if (dup3(conn, c->fd, O_CLOEXEC) < 0)
                return -errno;
        r = ring_mem_create(c->ring_size[0], c->ring_size[1], &memfd, &mem);
        if (r < 0)
                return bh_log_errno(r, "vchan socket port %d: ring memory", c->port);
        c->mem = mem;
        c->mem_size = (size_t)BH_RING_HEADER_SIZE + c->ring_size[0] + c->ring_size[1];
        rings_init(c, c->ring_size[0], c->ring_size[1]);
        r = ctl_send(c, BH_VCHAN_CTL_SETUP, c->ring_size[0], c->ring_size[1], memfd);
        if (r < 0) {
                c->state = ST_CLOSED;
                c->peer_gone = true;
                return r;
        }
        c->state = ST_OPEN;
        return 0;
}

static int socket_server_init(struct bh_vchan *v, const struct bh_vchan_addr *addr,
                              size_t read_min, size_t write_min)
{
        struct sock_chan *c;
        struct sockaddr_un sa;
        _cleanup_free_ char *tmp = NULL;
        int r;

        c = chan_new(v, addr);
        if (!c)
                return -ENOMEM;
        c->server = true;
        c->state = ST_LISTENING;
        if (bh_ring_size_for(write_min, &c->ring_size[0]) < 0 ||
            bh_ring_size_for(read_min, &c->ring_size[1]) < 0) {
                r = -EINVAL;
                goto fail;
        }
        r = socket_path(addr->socket_dir, addr->port, &c->path);
        if (r < 0)
                goto fail;
        if (asprintf(&tmp, "%s/.vchan.%d.%d.tmp", addr->socket_dir, addr->port, (int)getpid()) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        if (strlen(tmp) >= sizeof(sa.sun_path)) {
                r = -ENAMETOOLONG;
                goto fail;
        }
        c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
                r = -errno;
                goto fail;
        }
        /* Bind and listen under a temporary name, then rename into place:
         * a client never finds a socket that is not listening yet. */
        unlink(tmp);
        fill_addr(&sa, tmp);
        if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(c->fd, 1) < 0 ||
            rename(tmp, c->path) < 0) {
                r = -errno;
                unlink(tmp);
                goto fail;
        }
        return 0;
fail:
        bh_log_errno(r, "vchan socket port %d: cannot listen in %s", addr->port,
                     addr->socket_dir);
        chan_free(c);
        v->priv = NULL;
        return r;
}

static int socket_client_init_async(struct bh_vchan *v, const struct bh_vchan_addr *addr)
{
        struct sock_chan *c;
        int r;

        c = chan_new(v, addr);
        if (!c)
                return -ENOMEM;
        c->state = ST_NO_SERVER;
        r = socket_path(addr->socket_dir, addr->port, &c->path);
        if (r < 0)
                goto fail;
        c->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (c->fd < 0) {
                r = -errno;
                goto fail;
        }
        /* The server renames its socket into place once it listens. */
        if (inotify_add_watch(c->fd, addr->socket_dir, IN_CREATE | IN_MOVED_TO) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        chan_free(c);
        v->priv = NULL;
        return r;
}

static int client_try_connect(struct sock_chan *c)
{
        _cleanup_close_ int s = -1, path_fd = -1;
        struct sockaddr_un sa;
        char ev[4096], pinned[32];
        struct stat st;

        /* Empty the watch; any event just means "try again". */
        while (read(c->fd, ev, sizeof(ev)) > 0)
                ;
        /*
         * The directory is writable by the domain at the other end, so the
         * name may be a symlink it planted (to another domain's socket, say),
         * and connect() follows symlinks.  Pin the file itself with
         * O_PATH|O_NOFOLLOW, check it is a socket, and connect through the
         * pinned descriptor: nothing can be swapped in between.
         */
        path_fd = open(c->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (path_fd < 0)
                return errno == ENOENT ? -EAGAIN : -errno;
        if (fstat(path_fd, &st) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode)) {
                bh_log_error("vchan socket port %d peer %d: %s is not a socket; refusing it",
                             c->port, c->peer_domid, c->path);
                return -EPROTO;
        }
        snprintf(pinned, sizeof(pinned), "/proc/self/fd/%d", path_fd);
        s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s < 0)
                return -errno;
        fill_addr(&sa, pinned);
        if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                /* Not there, stale, or its one-place backlog is taken. */
                if (errno == ENOENT || errno == ECONNREFUSED || errno == EAGAIN)
                        return -EAGAIN;
                return -errno;
        }
        if (dup3(s, c->fd, O_CLOEXEC) < 0)
                return -errno;
        c->state = ST_CONNECTING;
        return 0;
}

/* Client: checks the SETUP record and the ring memory it carries. */
static int client_take_setup(struct sock_chan *c)
{
        struct bh_vchan_ctl rec;
        _cleanup_close_ int memfd = -1;
        struct stat st;
        int t, seals;
        void *mem;

        t = ctl_recv(c, &rec, &memfd);
        if (t == -EAGAIN)
                return -EAGAIN;
        if (t == -EPIPE) {
                c->state = ST_CLOSED;
                c->peer_gone = true;
                return -ECONNREFUSED;
        }
        if (t != BH_VCHAN_CTL_SETUP) {
                chan_fail(c, "first record is not SETUP");
                return -EPROTO;
        }
        /* Unsealed memory could be truncated under us and fault us. */
        seals = fcntl(memfd, F_GET_SEALS);
        if (seals < 0 || !(seals & F_SEAL_SHRINK) || fstat(memfd, &st) < 0 ||
            !S_ISREG(st.st_mode)) {
                chan_fail(c, "ring memory is not a sealed memfd");
                return -EPROTO;
        }
        if (bh_ring_check_layout(rec.arg0, rec.arg1, (uint64_t)st.st_size) < 0) {
                chan_fail(c, "ring sizes do not fit the ring memory");
                return -EPROTO;
        }
        mem = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
        if (mem == MAP_FAILED) {
                chan_fail(c, "cannot map ring memory");
                return -EPROTO;
        }
        c->mem = mem;
        c->mem_size = (size_t)st.st_size;
        rings_init(c, rec.arg0, rec.arg1);
        c->state = ST_OPEN;
        return 0;
}

static int socket_connect_finish(struct bh_vchan *v)
{
        struct sock_chan *c = chan(v);
        int r;

        switch (c->state) {
        case ST_OPEN:
                return 0;
        case ST_CLOSED:
                return c->broken ? -EPROTO : -ECONNREFUSED;
        case ST_LISTENING:
                return -EINVAL;
        case ST_NO_SERVER:
                r = client_try_connect(c);
                if (r < 0)
                        return r;
                /* SETUP may already be waiting. */
                __attribute__((fallthrough));
        case ST_CONNECTING:
                return client_take_setup(c);
        }
        return -EINVAL;
}

/* Moves a waiting server forward; true when the channel can carry data. */
static bool chan_ready(struct sock_chan *c)
{
        if (c->state == ST_LISTENING)
                server_accept(c);
        return c->state == ST_OPEN;
}

/* ---- data ------------------------------------------------------------------ */

static int io_error(struct sock_chan *c)
{
        if (c->broken)
                return -EPROTO;
        if (c->peer_gone || c->state == ST_CLOSED)
                return -EPIPE;
        return -EAGAIN;
}

static ssize_t ring_take(struct sock_chan *c, void *buf, size_t len, bool whole)
{
        uint32_t avail;
        size_t done;

        if (!chan_ready(c))
                return io_error(c);
        if (whole && len > c->rx.size)
                return -EMSGSIZE;
        for (int armed = 0; armed < 2; armed++) {
                if (bh_ring_readable(&c->rx, &avail) < 0) {
                        chan_fail(c, "peer's producer index is out of range");
                        return -EPROTO;
                }
                if (avail > 0 && (!whole || avail >= len)) {
                        if (bh_ring_read(&c->rx, buf, len, &done) < 0) {
                                chan_fail(c, "peer's producer index is out of range");
                                return -EPROTO;
                        }
                        if (bh_ring_reader_must_wake_writer(&c->rx))
                                notify(c);
                        return (ssize_t)done;
                }
                if (c->peer_gone)
                        return -EPIPE;
                if (!armed)
                        bh_ring_reader_arm(&c->rx);
        }
        return -EAGAIN;
}

static ssize_t ring_put(struct sock_chan *c, const void *buf, size_t len, bool whole)
{
        uint32_t space;
        size_t done;

        if (!chan_ready(c))
                return io_error(c);
        if (c->peer_gone)
                return -EPIPE;
        if (whole && len > c->tx.size)
                return -EMSGSIZE;
        for (int armed = 0; armed < 2; armed++) {
                if (bh_ring_writable(&c->tx, &space) < 0) {
                        chan_fail(c, "peer's consumer index is out of range");
                        return -EPROTO;
                }
                if (space > 0 && (!whole || space >= len)) {
                        if (bh_ring_write(&c->tx, buf, len, &done) < 0) {
                                chan_fail(c, "peer's consumer index is out of range");
                                return -EPROTO;
                        }
                        if (bh_ring_writer_must_wake_reader(&c->tx))
                                notify(c);
                        return (ssize_t)done;
                }
                if (!armed)
                        bh_ring_writer_arm(&c->tx);
        }
        return -EAGAIN;
}

static ssize_t socket_read(struct bh_vchan *v, void *buf, size_t len)
{
        return ring_take(chan(v), buf, len, false);
}

static ssize_t socket_recv(struct bh_vchan *v, void *buf, size_t len)
{
        return ring_take(chan(v), buf, len, true);
}

static ssize_t socket_write(struct bh_vchan *v, const void *buf, size_t len)
{
        return ring_put(chan(v), buf, len, false);
}

static ssize_t socket_send(struct bh_vchan *v, const void *buf, size_t len)
{
        return ring_put(chan(v), buf, len, true);
}

static int socket_fd(struct bh_vchan *v)
{
        return chan(v)->fd;
}

static int socket_wait(struct bh_vchan *v, int timeout_ms)
{
        struct sock_chan *c = chan(v);
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int n;

        if (c->broken)
                return -EPROTO;
        if (c->peer_gone || c->state == ST_CLOSED)
                return -EPIPE;
        n = poll(&p, 1, timeout_ms);
        if (n < 0)
                return errno == EINTR ? -EINTR : -errno;
        if (n == 0)
                return -ETIMEDOUT;
        if (c->state == ST_LISTENING) {
                server_accept(c);
                return c->peer_gone ? -EPIPE : 0;
        }
        if (c->state != ST_OPEN)
                return 0; /* a connecting client moves on in connect_finish() */
        if (drain(c) < 0)
                return -EPROTO;
        return c->peer_gone ? -EPIPE : 0;
}

static size_t socket_data_ready(struct bh_vchan *v)
{
        struct sock_chan *c = chan(v);
        uint32_t n;

        if (!chan_ready(c))
                return 0;
        if (bh_ring_readable(&c->rx, &n) < 0) {
                chan_fail(c, "peer's producer index is out of range");
                return 0;
        }
        return n;
}

static size_t socket_buffer_space(struct bh_vchan *v)
{
        struct sock_chan *c = chan(v);
        uint32_t n;

        if (!chan_ready(c) || c->peer_gone)
                return 0;
        if (bh_ring_writable(&c->tx, &n) < 0) {
                chan_fail(c, "peer's consumer index is out of range");
                return 0;
        }
        return n;
}

static size_t socket_write_ring_size(struct bh_vchan *v)
{
        struct sock_chan *c = chan(v);

        if (c->state == ST_OPEN)
                return c->tx.size;
        if (c->server)
                return c->ring_size[0];
        return BH_VCHAN_RING_MAX; /* not known before SETUP; send() will tell */
}

static int socket_is_open(struct bh_vchan *v)
{
        struct sock_chan *c = chan(v);

        chan_ready(c);
        if (c->broken || c->peer_gone)
                return 0;
        switch (c->state) {
        case ST_OPEN:
                return 1;
        case ST_LISTENING:
                return 2;
        default:
                return 0;
        }
}

static void socket_close(struct bh_vchan *v)
{
        struct sock_chan *c = chan(v);

        if (!c)
                return;
        if (c->state == ST_LISTENING && c->path)
                unlink(c->path);
        chan_free(c);
        v->priv = NULL;
}

/* ---- shared buffers ----------------------------------------------------------- */

static int send_with_timeout(struct sock_chan *c, uint32_t id, uint32_t pages, int fd)
{
        for (int waited = 0;; waited += 10) {
                int r = ctl_send(c, BH_VCHAN_CTL_SHBUF, id, pages, fd);
                struct pollfd p = { .fd = c->fd, .events = POLLOUT };

                if (r != -EAGAIN)
                        return r;
                if (waited >= SHARE_SEND_TIMEOUT_MS)
                        return -ETIMEDOUT;
                poll(&p, 1, 10);
        }
}

static int socket_shbuf_share(struct bh_vchan *v, size_t size, struct bh_shbuf *b)
{
        struct sock_chan *c = chan(v);
        _cleanup_close_ int fd = -1;
        struct bh_shbuf_desc_socket *d;
        struct sock_buf *sb;
        uint32_t pages;
        size_t len;
        void *mem;
        int r;

        if (!chan_ready(c))
                return io_error(c) == -EAGAIN ? -ENOTCONN : io_error(c);
        r = bh_shbuf_pages_for(size, &pages);
        if (r < 0)
                return r;
        len = (size_t)pages * BH_SHBUF_PAGE_SIZE;
        fd = memfd_create("bulkhead-shbuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (ftruncate(fd, (off_t)len) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
                return -errno;
        d = malloc(sizeof(*d));
        sb = malloc(sizeof(*sb));
        if (!d || !sb) {
                free(d);
                free(sb);
                return -ENOMEM;
        }
        mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (mem == MAP_FAILED) {
                r = -errno;
                free(d);
                free(sb);
                return r;
        }
        *d = (struct bh_shbuf_desc_socket){
                .magic = BH_SHBUF_DESC_MAGIC,
                .transport = BH_VCHAN_SOCKET,
                .id = c->next_shbuf_id++,
                .pages = pages,
        };
        /* The record goes before the caller sends the descriptor, so the
         * mapper always finds the memfd queued when the descriptor arrives. */
        r = send_with_timeout(c, d->id, pages, fd);
        if (r < 0) {
                munmap(mem, len);
                free(d);
                free(sb);
                return r;
        }
        sb->map_len = len;
        b->data = mem;
        b->size = size;
        b->desc = d;
        b->desc_len = sizeof(*d);
        b->priv = sb;
        return 0;
}

static int take_pending(struct sock_chan *c, uint32_t id, struct pending_buf *ret)
{
        for (unsigned i = 0; i < c->n_pending; i++)
                if (c->pending[i].id == id) {
                        *ret = c->pending[i];
                        c->pending[i] = c->pending[--c->n_pending];
                        return 0;
                }
        return -ENOENT;
}

static int socket_shbuf_map(struct bh_vchan *v, const void *untrusted_desc,
                            size_t untrusted_desc_len, size_t expected_size, bool writable,
                            struct bh_shbuf *b)
{
        struct sock_chan *c = chan(v);
        struct pending_buf p;
        struct sock_buf *sb;
        struct stat st;
        uint32_t id, pages;
        size_t len;
        void *mem;
        int seals, r;

        if (!chan_ready(c))
                return io_error(c) == -EAGAIN ? -ENOTCONN : io_error(c);
        if (bh_shbuf_desc_socket_check(untrusted_desc, untrusted_desc_len, expected_size, &id) < 0)
                return -EPROTO;
        r = bh_shbuf_pages_for(expected_size, &pages);
        if (r < 0)
                return -EPROTO;
        if (take_pending(c, id, &p) < 0) {
                if (drain(c) < 0 || take_pending(c, id, &p) < 0)
                        return -EPROTO;
        }
        _cleanup_close_ int fd = p.fd;
        len = (size_t)pages * BH_SHBUF_PAGE_SIZE;
        if (p.pages != pages)
                return -EPROTO;
        /* Only sealed shmem can be mapped without the peer truncating it
         * under us; F_GET_SEALS fails on anything else. */
        seals = fcntl(fd, F_GET_SEALS);
        if (seals < 0 || !(seals & F_SEAL_SHRINK))
                return -EPROTO;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < len)
                return -EPROTO;
        sb = malloc(sizeof(*sb));
        if (!sb)
                return -ENOMEM;
        mem = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
        if (mem == MAP_FAILED) {
                free(sb);
                return -EPROTO;
        }
        sb->map_len = len;
        b->data = mem;
        b->size = expected_size;
        b->priv = sb;
        return 0;
}

static void socket_shbuf_free(struct bh_shbuf *b)
{
        struct sock_buf *sb = b->priv;

        if (sb) {
                munmap(b->data, sb->map_len);
                free(sb);
        }
}

const struct bh_vchan_ops bh_vchan_socket_ops = {
        .server_init = socket_server_init,
        .client_init_async = socket_client_init_async,
        .connect_finish = socket_connect_finish,
        .read = socket_read,
        .write = socket_write,
        .send = socket_send,
        .recv = socket_recv,
        .fd = socket_fd,
        .wait = socket_wait,
        .data_ready = socket_data_ready,
        .buffer_space = socket_buffer_space,
        .write_ring_size = socket_write_ring_size,
        .is_open = socket_is_open,
        .close = socket_close,
        .shbuf_share = socket_shbuf_share,
        .shbuf_map = socket_shbuf_map,
        .shbuf_free = socket_shbuf_free,
};
