/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen vchan transport: libxenvchan for the channel, grant references for
 * shared buffers.
 *
 * xenstore layout: the server publishes under its own tree,
 *   /local/domain/<server domid>/data/vchan/<client domid>/<port>
 * (libxenvchan writes ring-ref and event-channel there, readable by the
 * client only), so a domain can only ever publish in its own tree and the
 * client derives the path from the two domain ids and the port alone.
 *
 * The file descriptor handed out is an epoll set, stable for the life of the
 * channel: it holds the xenstore watch fd while a client waits for its server,
 * the event channel once connected, and in dom0 also the @releaseDomain watch.
 * That last one is needed because libxenvchan only notices the peer
 * *process* going away (the kernel's grant unmap-notify clears the peer's
 * live byte and signals the event channel); when a whole domain is destroyed
 * no guest kernel runs the notify, the live byte stays 1 and Xen does not
 * signal the channel, so without the watch dom0 would wait forever.
 *
 * libxenvchan hides a peer that breaks the ring indices (it reports an empty
 * ring and locks up); the API wants such a peer noticed, so the indices are
 * checked here before every ring operation.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>

/* xenctrl.h first: it sets __XEN_TOOLS__, which the Xen public headers
 * pulled in by libxenvchan.h need to expose the tools interface. */
#include <xenctrl.h>
#include <libxenvchan.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "util.h"
#include "vchan_transport.h"

#if HAVE_XEN

/* libxenvchan refuses rings above 2^20 bytes: more grants than fit in its
 * shared page. */
#define XEN_RING_MAX (1u << 20)

/* Domain ids at and above this are reserved by Xen (DOMID_FIRST_RESERVED). */
#define XEN_DOMID_MAX 0x7fef

/* Descriptor of a grant-shared buffer: this header, then one uint32_t grant
 * reference per page, all in host byte order (both ends share the machine). */
#define XEN_SHBUF_MAGIC 0x47586862u /* "bhXG" */
struct xen_shbuf_header {
        uint32_t magic;
        uint32_t transport; /* BH_VCHAN_XEN */
        uint32_t pages;
        uint32_t reserved; /* 0 */
};
_Static_assert(sizeof(struct xen_shbuf_header) == 16, "descriptor header is 16 bytes");
_Static_assert(BH_SHBUF_DESC_MAX ==
                       sizeof(struct xen_shbuf_header) +
                               sizeof(uint32_t) * (BH_SHBUF_MAX_BYTES / BH_SHBUF_PAGE_SIZE),
               "BH_SHBUF_DESC_MAX matches the Xen descriptor");

/* Grant handles shared by a channel and the buffers made through it, so a
 * buffer can outlive its channel. */
struct xen_grants {
        unsigned refs;
        xengnttab_handle *gt; /* mapping side */
        xengntshr_handle *gs; /* sharing side */
};

struct xen_vchan {
        struct libxenvchan *ctrl; /* NULL while a client is connecting */
        int peer_domid;
        int own_domid;
        int port;
        bool server;
        bool broken;    /* the peer broke the ring: -EPROTO from now on */
        bool peer_dead; /* its domain is gone (dom0 only can tell) */
        bool connect_failed_logged;
        int epfd;
        struct xs_handle *xs; /* watches; NULL once none is needed */
        bool watching_release;
        char path[64]; /* libxenvchan appends to it in a 64-byte buffer */
        /* server: the event-channel node we published, to tell ours apart
         * from the next server's on the same port at close */
        char published[32];
        struct xen_grants *grants;
};

/* libxenvchan builds "<path>/event-channel" in a 64-byte buffer and
 * truncates silently; the longest path our domain ids and ports make fits. */
_Static_assert(sizeof("/local/domain/32751/data/vchan/32751/2147483647/event-channel") <= 64,
               "vchan xenstore paths fit libxenvchan's buffer");

struct xen_shbuf {
        struct xen_grants *grants;
        uint32_t pages;
        bool shared; /* made here (unshare) rather than mapped (unmap) */
};

#define XLOG(x, fmt, ...)                                                                      \
        bh_log_error("vchan xen port %d peer %d: " fmt, (x)->port, (x)->peer_domid, ##__VA_ARGS__)
#define XLOG_ERRNO(x, r, fmt, ...)                                                             \
        bh_log_errno((r), "vchan xen port %d peer %d: " fmt, (x)->port, (x)->peer_domid,        \
                     ##__VA_ARGS__)

/* --- logging from the Xen libraries ------------------------------------- */

/*
 * Quiet but for critical messages: every failing call is logged here once,
 * with its errno, naming the channel; the library's own line would be a
 * second, anonymous one (and a hostile peer's bad grant references would
 * double the log lines it can cause).
 */
__attribute__((format(printf, 5, 0))) static void
xen_log_vmessage(struct xentoollog_logger *logger, xentoollog_level level, int errnoval,
                 const char *context, const char *format, va_list al)
{
        char msg[512];

        if (level < XTL_CRITICAL)
                return;
        vsnprintf(msg, sizeof(msg), format, al);
        if (errnoval >= 0)
                bh_log_error("xen %s: %s: %s", context ? context : "lib", msg, strerror(errnoval));
        else
                bh_log_error("xen %s: %s", context ? context : "lib", msg);
}

static void xen_log_progress(struct xentoollog_logger *logger, const char *context,
                             const char *doing_what, int percent, unsigned long done,
                             unsigned long total)
{
}

static void xen_log_destroy(struct xentoollog_logger *logger)
{
}

static struct xentoollog_logger xen_logger = {
        .vmessage = xen_log_vmessage,
        .progress = xen_log_progress,
        .destroy = xen_log_destroy,
};

/* --- helpers -------------------------------------------------------------- */

static int neg_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}

static int parse_domid(const char *s, int *ret)
{
        char *end;
        unsigned long v;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > XEN_DOMID_MAX)
                return -EINVAL;
        *ret = (int)v;
        return 0;
}

/* Our own domain id: the relative node "domid" resolves inside our own tree
 * (/local/domain/<id>/domid, written by the toolstack, read-only to us). */
static int xen_own_domid(struct xs_handle *xs, int *ret)
{
        _cleanup_free_ char *s = NULL;
        unsigned len;

        s = xs_read(xs, XBT_NULL, "domid", &len);
        if (!s)
                return neg_errno();
        return parse_domid(s, ret);
}

static int xen_check_addr(const struct bh_vchan_addr *addr)
{
        if (addr->peer_domid < 0 || addr->peer_domid > XEN_DOMID_MAX || addr->port < 0)
                return -EINVAL;
        return 0;
}

static struct xen_vchan *xen_vchan_new(const struct bh_vchan_addr *addr, bool server)
{
        struct xen_vchan *x = calloc(1, sizeof(*x));

        if (!x)
                return NULL;
        x->peer_domid = addr->peer_domid;
        x->port = addr->port;
        x->server = server;
        x->own_domid = -1;
        x->epfd = -1;
        return x;
}

static void xen_grants_unref(struct xen_grants *g)
{
        if (!g || --g->refs > 0)
                return;
        if (g->gt)
                xengnttab_close(g->gt);
        if (g->gs)
                xengntshr_close(g->gs);
        free(g);
}

/*
 * libxenvchan_close() removes the server's whole xenstore directory.  A
 * server that already has its client is often followed by the next server
 * on the same port (the agents serve one session per channel), which may
 * have published there by now: removing that would leave the next client
 * waiting forever.  So the directory goes only while it is still ours,
 * checked and removed in one transaction.
 */
static void xen_unpublish(struct xen_vchan *x)
{
        struct xs_handle *xs;
        char node[80];

        if (!x->server || !x->ctrl || !x->ctrl->xs_path)
                return;
        free(x->ctrl->xs_path);
        x->ctrl->xs_path = NULL;
        if (!x->published[0])
                return;
        xs = x->xs ? x->xs : xs_open(0);
        if (!xs)
                return;
        snprintf(node, sizeof(node), "%s/event-channel", x->path);
        for (int tries = 0; tries < 8; tries++) {
                xs_transaction_t t = xs_transaction_start(xs);
                unsigned len = 0;
                char *now;
                bool ours;

                if (t == XBT_NULL)
                        break;
                now = xs_read(xs, t, node, &len);
                ours = now && strcmp(now, x->published) == 0;
                free(now);
                if (ours)
                        xs_rm(xs, t, x->path);
                if (xs_transaction_end(xs, t, false) || errno != EAGAIN)
                        break;
        }
        if (xs != x->xs)
                xs_close(xs);
}

static void xen_vchan_free(struct xen_vchan *x)
{
        if (!x)
                return;
        xen_unpublish(x);
        if (x->ctrl)
                libxenvchan_close(x->ctrl);
        if (x->xs)
                xs_close(x->xs);
        if (x->epfd >= 0)
                close(x->epfd);
        xen_grants_unref(x->grants);
        free(x);
}

static void xen_vchan_freep(struct xen_vchan **x)
{
        xen_vchan_free(*x);
}
#define _cleanup_xen_vchan_ __attribute__((cleanup(xen_vchan_freep)))

static int epoll_add(struct xen_vchan *x, int fd)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

        if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        return 0;
}

/* Opens the xenstore handle, reads our domain id and, in dom0, starts
 * watching for the peer domain's death.  Every channel gets one. */
static int xen_open_xs(struct xen_vchan *x)
{
        int r;

        x->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (x->epfd < 0)
                return XLOG_ERRNO(x, -errno, "epoll_create1");

        x->xs = xs_open(0);
        if (!x->xs)
                return XLOG_ERRNO(x, neg_errno(), "cannot open xenstore");

        r = xen_own_domid(x->xs, &x->own_domid);
        if (r < 0)
                return XLOG_ERRNO(x, r, "cannot read own domid from xenstore");
        if (x->own_domid == x->peer_domid)
                return XLOG_ERRNO(x, -EINVAL, "peer is this domain");

        /*
         * Only dom0 can tell that another domain died: the special watch and
         * the domain query are privileged.  A domain's peer is dom0 (or
         * another domain reached through dom0's brokering), whose death is
         * the machine's.
         */
        if (x->own_domid == 0) {
                int fd = xs_fileno(x->xs);

                if (fd < 0)
                        return XLOG_ERRNO(x, neg_errno(), "xenstore watch fd");
                r = epoll_add(x, fd);
                if (r < 0)
                        return XLOG_ERRNO(x, r, "epoll add xenstore fd");
                if (!xs_watch(x->xs, "@releaseDomain", "release"))
                        return XLOG_ERRNO(x, neg_errno(), "cannot watch @releaseDomain");
                x->watching_release = true;
        }
        return 0;
}

static void xen_check_peer_domain(struct xen_vchan *x)
{
        xc_interface *xch;
        xc_domaininfo_t info;
        int n;

        xch = xc_interface_open(&xen_logger, &xen_logger, 0);
        if (!xch) {
                XLOG_ERRNO(x, neg_errno(), "cannot open xenctrl to check the peer domain");
                return;
        }
        n = xc_domain_getinfolist(xch, x->peer_domid, 1, &info);
        xc_interface_close(xch);
        if (n < 0)
                return; /* cannot tell; the next release event asks again */

        if (n == 0 || (int)info.domain != x->peer_domid || (info.flags & XEN_DOMINF_dying))
                x->peer_dead = true;
        else if (info.flags & XEN_DOMINF_shutdown) {
                unsigned reason = (info.flags >> XEN_DOMINF_shutdownshift) &
                                  XEN_DOMINF_shutdownmask;
                /* A suspended domain (save, migration) may be resumed. */
                if (reason != SHUTDOWN_suspend)
                        x->peer_dead = true;
        }
}

/* Takes in pending xenstore watch events, without blocking. */
static int xen_take_watch_events(struct xen_vchan *x)
{
        bool release = false;

        if (!x->xs)
                return 0;
        for (;;) {
                _cleanup_free_ char **vec = xs_check_watch(x->xs);

                if (!vec) {
                        if (errno == EAGAIN)
                                break;
                        return XLOG_ERRNO(x, neg_errno(), "reading xenstore watch");
                }
                if (strcmp(vec[XS_WATCH_TOKEN], "release") == 0)
                        release = true;
        }
        if (release && !x->peer_dead)
                xen_check_peer_domain(x);
        return 0;
}

/* The ring's indices as the peer left them: prod - cons can never exceed the
 * ring size, whichever side owns which index. */
static bool ring_ok(const struct libxenvchan_ring *ring)
{
        uint32_t prod = __atomic_load_n(&ring->shr->prod, __ATOMIC_ACQUIRE);
        uint32_t cons = __atomic_load_n(&ring->shr->cons, __ATOMIC_ACQUIRE);

        return prod - cons <= (1u << ring->order);
}

static int xen_check_rings(struct xen_vchan *x)
{
        if (x->broken)
                return -EPROTO;
        if (!ring_ok(&x->ctrl->read) || !ring_ok(&x->ctrl->write)) {
                x->broken = true;
                return XLOG_ERRNO(x, -EPROTO, "peer broke the ring indices, closing");
        }
        return 0;
}

static bool xen_peer_gone(struct xen_vchan *x)
{
        return x->peer_dead || libxenvchan_is_open(x->ctrl) == 0;
}

/* Maps a failed libxenvchan call to an errno. */
static int xen_io_error(struct xen_vchan *x)
{
        if (xen_peer_gone(x))
                return -EPIPE;
        return XLOG_ERRNO(x, neg_errno(), "event channel notify failed");
}

/* --- set-up --------------------------------------------------------------- */

void bh_vchan_xen_path(char buf[64], int server_domid, int client_domid, int port)
{
        snprintf(buf, 64, "/local/domain/%d/data/vchan/%d/%d", server_domid, client_domid, port);
}

static int xen_server_init(struct bh_vchan *v, const struct bh_vchan_addr *addr,
                           size_t read_min, size_t write_min)
{
        _cleanup_xen_vchan_ struct xen_vchan *x = NULL;
        int r;

        r = xen_check_addr(addr);
        if (r < 0)
                return r;
        x = xen_vchan_new(addr, true);
        if (!x)
                return -ENOMEM;
        if (read_min > XEN_RING_MAX || write_min > XEN_RING_MAX)
                return XLOG_ERRNO(x, -EINVAL, "ring sizes %zu/%zu over the Xen limit of %u",
                                  read_min, write_min, XEN_RING_MAX);
        r = xen_open_xs(x);
        if (r < 0)
                return r;

        bh_vchan_xen_path(x->path, x->own_domid, x->peer_domid, x->port);
        x->ctrl = libxenvchan_server_init(&xen_logger, x->peer_domid, x->path, read_min,
                                          write_min);
        if (!x->ctrl)
                return XLOG_ERRNO(x, neg_errno(), "libxenvchan_server_init %s", x->path);
        /* Blocking is the generic layer's job, built on wait(). */
        x->ctrl->blocking = 0;
        {
                char node[80];
                unsigned len = 0;
                char *ev;

                snprintf(node, sizeof(node), "%s/event-channel", x->path);
                ev = xs_read(x->xs, XBT_NULL, node, &len);
                if (ev)
                        snprintf(x->published, sizeof(x->published), "%s", ev);
                free(ev);
        }

        r = epoll_add(x, libxenvchan_fd_for_select(x->ctrl));
        if (r < 0)
                return XLOG_ERRNO(x, r, "epoll add event channel");
        if (!x->watching_release) {
                xs_close(x->xs);
                x->xs = NULL;
        }
        v->priv = TAKE_PTR(x);
        return 0;
}

static int xen_client_init_async(struct bh_vchan *v, const struct bh_vchan_addr *addr)
{
        _cleanup_xen_vchan_ struct xen_vchan *x = NULL;
        int fd, r;

        r = xen_check_addr(addr);
        if (r < 0)
                return r;
        x = xen_vchan_new(addr, false);
        if (!x)
                return -ENOMEM;
        r = xen_open_xs(x);
        if (r < 0)
                return r;
        bh_vchan_xen_path(x->path, x->peer_domid, x->own_domid, x->port);

        /*
         * Watch the server's node rather than retrying on a timer: the
         * watch fires once at once, then whenever the server writes its
         * entries (it writes both in one transaction).  The node itself
         * is not readable to a domain, but its children are, and a watch
         * fires for changes below it.
         */
        if (!x->watching_release) {
                fd = xs_fileno(x->xs);
                if (fd < 0)
                        return XLOG_ERRNO(x, neg_errno(), "xenstore watch fd");
                r = epoll_add(x, fd);
                if (r < 0)
                        return XLOG_ERRNO(x, r, "epoll add xenstore fd");
        }
        if (!xs_watch(x->xs, x->path, "connect"))
                return XLOG_ERRNO(x, neg_errno(), "cannot watch %s", x->path);
        v->priv = TAKE_PTR(x);
        return 0;
}

/* Whether the server has published both entries; a domain cannot list the
 * node, so read the entries themselves. */
static bool xen_server_published(struct xen_vchan *x)
{
        static const char *const names[] = { "ring-ref", "event-channel" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char node[96];
                unsigned len;
                char *s;

                snprintf(node, sizeof(node), "%s/%s", x->path, names[i]);
                s = xs_read(x->xs, XBT_NULL, node, &len);
                if (!s)
                        return false;
                free(s);
        }
        return true;
}

static int xen_connect_finish(struct bh_vchan *v)
{
        struct xen_vchan *x = v->priv;
        struct libxenvchan *ctrl;
        int r;

        if (x->ctrl)
                return 0;
        r = xen_take_watch_events(x);
        if (r < 0)
                return r;
        if (x->peer_dead)
                return XLOG_ERRNO(x, -EPIPE, "peer domain is gone, giving up connecting");
        if (!xen_server_published(x))
                return -EAGAIN;

        ctrl = libxenvchan_client_init(&xen_logger, x->peer_domid, x->path);
        if (!ctrl) {
                /*
                 * Entries left behind by a server that was killed (it could
                 * not remove them) name a grant that is gone.  A restarted
                 * server rewrites them, which fires the watch again, so keep
                 * waiting: the caller's deadline bounds it.
                 */
                if (!x->connect_failed_logged)
                        XLOG_ERRNO(x, neg_errno(), "cannot connect to %s, waiting for the server to republish",
                                   x->path);
                x->connect_failed_logged = true;
                return -EAGAIN;
        }
        ctrl->blocking = 0;
        r = epoll_add(x, libxenvchan_fd_for_select(ctrl));
        if (r < 0) {
                libxenvchan_close(ctrl);
                return XLOG_ERRNO(x, r, "epoll add event channel");
        }
        x->ctrl = ctrl;

        xs_unwatch(x->xs, x->path, "connect");
        if (!x->watching_release) {
                epoll_ctl(x->epfd, EPOLL_CTL_DEL, xs_fileno(x->xs), NULL);
                xs_close(x->xs);
                x->xs = NULL;
        }
        return 0;
}

/* --- I/O ------------------------------------------------------------------ */

/* libxenvchan counts in int; its rings are far smaller anyway. */
static size_t clamp_len(size_t len)
{
        return len > INT_MAX ? INT_MAX : len;
}

static ssize_t xen_read(struct bh_vchan *v, void *buf, size_t len)
{
        struct xen_vchan *x = v->priv;
        int n, r;

        if (!x->ctrl)
                return -ENOTCONN;
        r = xen_check_rings(x);
        if (r < 0)
                return r;
        if (len == 0)
                return 0;
        /* Reads what is left even after the peer is gone. */
        n = libxenvchan_read(x->ctrl, buf, clamp_len(len));
        if (n > 0)
                return n;
        if (n == 0)
                return x->peer_dead ? -EPIPE : -EAGAIN;
        return xen_io_error(x);
}

static ssize_t xen_recv(struct bh_vchan *v, void *buf, size_t len)
{
        struct xen_vchan *x = v->priv;
        int n, r;

        if (!x->ctrl)
                return -ENOTCONN;
        r = xen_check_rings(x);
        if (r < 0)
                return r;
        if (len > (1u << x->ctrl->read.order))
                return -EMSGSIZE;
        if (len == 0)
                return 0;
        n = libxenvchan_recv(x->ctrl, buf, len);
        if (n > 0)
                return n;
        if (n == 0)
                return x->peer_dead ? -EPIPE : -EAGAIN;
        return xen_io_error(x);
}

static ssize_t xen_write(struct bh_vchan *v, const void *buf, size_t len)
{
        struct xen_vchan *x = v->priv;
        int n, r;

        if (!x->ctrl)
                return -ENOTCONN;
        r = xen_check_rings(x);
        if (r < 0)
                return r;
        if (x->peer_dead)
                return -EPIPE;
        if (len == 0)
                return 0;
        n = libxenvchan_write(x->ctrl, buf, clamp_len(len));
        if (n > 0)
                return n;
        if (n == 0)
                return -EAGAIN;
        return xen_io_error(x);
}

static ssize_t xen_send(struct bh_vchan *v, const void *buf, size_t len)
{
        struct xen_vchan *x = v->priv;
        int n, r;

        if (!x->ctrl)
                return -ENOTCONN;
        r = xen_check_rings(x);
        if (r < 0)
                return r;
        if (x->peer_dead)
                return -EPIPE;
        if (len > (1u << x->ctrl->write.order))
                return -EMSGSIZE;
        if (len == 0)
                return 0;
        n = libxenvchan_send(x->ctrl, buf, len);
        if (n > 0)
                return n;
        if (n == 0)
                return -EAGAIN;
        return xen_io_error(x);
}

static int xen_fd(struct bh_vchan *v)
{
        struct xen_vchan *x = v->priv;

        return x->epfd;
}

static bool fd_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/*
 * -EPIPE only once the peer is gone and nothing it sent is left, so a reader
 * that stops at -EPIPE loses no data; a writer learns it from write().
 */
static int xen_wait(struct bh_vchan *v, int timeout_ms)
{
        struct xen_vchan *x = v->priv;
        struct pollfd p = { .fd = x->epfd, .events = POLLIN };
        int evfd, r;

        if (!x->ctrl)
                return -ENOTCONN;
        if (x->broken)
                return -EPROTO;
        r = xen_take_watch_events(x);
        if (r < 0)
                return r;
        if (xen_peer_gone(x))
                return libxenvchan_data_ready(x->ctrl) > 0 ? 0 : -EPIPE;

        r = poll(&p, 1, timeout_ms < 0 ? -1 : timeout_ms);
        if (r < 0) {
                if (errno == EINTR)
                        return 0; /* the caller re-checks and waits again */
                return XLOG_ERRNO(x, -errno, "poll");
        }
        if (r == 0)
                return -ETIMEDOUT;

        /* libxenvchan_wait() blocks in read() unless an event is pending. */
        evfd = libxenvchan_fd_for_select(x->ctrl);
        if (fd_readable(evfd) && libxenvchan_wait(x->ctrl) < 0)
                return XLOG_ERRNO(x, neg_errno(), "event channel");
        r = xen_take_watch_events(x);
        if (r < 0)
                return r;
        if (xen_peer_gone(x) && libxenvchan_data_ready(x->ctrl) == 0)
                return -EPIPE;
        return 0;
}

static size_t xen_data_ready(struct bh_vchan *v)
{
        struct xen_vchan *x = v->priv;
        int n;

        if (!x->ctrl || xen_check_rings(x) < 0)
                return 0;
        n = libxenvchan_data_ready(x->ctrl);
        return n > 0 ? (size_t)n : 0;
}

static size_t xen_buffer_space(struct bh_vchan *v)
{
        struct xen_vchan *x = v->priv;
        int n;

        if (!x->ctrl || xen_check_rings(x) < 0 || xen_peer_gone(x))
                return 0;
        n = libxenvchan_buffer_space(x->ctrl);
        return n > 0 ? (size_t)n : 0;
}

static size_t xen_write_ring_size(struct bh_vchan *v)
{
        struct xen_vchan *x = v->priv;

        return x->ctrl ? (size_t)1 << x->ctrl->write.order : 0;
}

static int xen_is_open(struct bh_vchan *v)
{
        struct xen_vchan *x = v->priv;
        int r;

        if (!x || !x->ctrl || x->broken || x->peer_dead)
                return 0;
        /* The live byte is the peer's to write: read anything but 0 and a
         * server's 2 as connected. */
        r = libxenvchan_is_open(x->ctrl);
        if (r == 0)
                return 0;
        return x->server && r == 2 ? 2 : 1;
}

static void xen_close(struct bh_vchan *v)
{
        xen_vchan_free(v->priv);
        v->priv = NULL;
}

/* --- shared buffers ------------------------------------------------------- */

static struct xen_grants *xen_grants_get(struct xen_vchan *x)
{
        if (!x->grants) {
                x->grants = calloc(1, sizeof(*x->grants));
                if (!x->grants)
                        return NULL;
                x->grants->refs = 1;
        }
        return x->grants;
}

static int xen_shbuf_share(struct bh_vchan *v, size_t size, struct bh_shbuf *b)
{
        struct xen_vchan *x = v->priv;
        _cleanup_free_ struct xen_shbuf *s = NULL;
        _cleanup_free_ void *desc = NULL;
        struct xen_shbuf_header h;
        struct xen_grants *g;
        size_t pages, desc_len;
        uint32_t *refs;
        void *data;

        if (size == 0 || size > BH_SHBUF_MAX_BYTES)
                return -EINVAL;
        pages = (size + BH_SHBUF_PAGE_SIZE - 1) / BH_SHBUF_PAGE_SIZE;
        desc_len = sizeof(h) + pages * sizeof(uint32_t);

        s = calloc(1, sizeof(*s));
        desc = malloc(desc_len);
        g = xen_grants_get(x);
        if (!s || !desc || !g)
                return -ENOMEM;
        if (!g->gs) {
                g->gs = xengntshr_open(&xen_logger, 0);
                if (!g->gs)
                        return XLOG_ERRNO(x, neg_errno(), "cannot open gntshr");
        }

        refs = (uint32_t *)((char *)desc + sizeof(h));
        data = xengntshr_share_pages(g->gs, x->peer_domid, pages, refs, 1);
        if (!data)
                return XLOG_ERRNO(x, neg_errno(), "cannot share %zu pages", pages);

        h = (struct xen_shbuf_header){
                .magic = XEN_SHBUF_MAGIC,
                .transport = BH_VCHAN_XEN,
                .pages = pages,
        };
        memcpy(desc, &h, sizeof(h));

        s->grants = g;
        g->refs++;
        s->pages = pages;
        s->shared = true;
        b->data = data;
        b->size = size;
        b->desc = TAKE_PTR(desc);
        b->desc_len = desc_len;
        b->priv = TAKE_PTR(s);
        return 0;
}

static int xen_shbuf_map(struct bh_vchan *v, const void *untrusted_desc, size_t untrusted_desc_len,
                         size_t expected_size, bool writable, struct bh_shbuf *b)
{
        struct xen_vchan *x = v->priv;
        _cleanup_free_ struct xen_shbuf *s = NULL;
        _cleanup_free_ uint32_t *refs = NULL;
        struct xen_shbuf_header untrusted_h;
        struct xen_grants *g;
        size_t pages;
        void *data;

        if (expected_size == 0 || expected_size > BH_SHBUF_MAX_BYTES)
                return -EINVAL;
        pages = (expected_size + BH_SHBUF_PAGE_SIZE - 1) / BH_SHBUF_PAGE_SIZE;

        /* Length first: it bounds every read below. */
        if (untrusted_desc_len != sizeof(untrusted_h) + pages * sizeof(uint32_t))
                return XLOG_ERRNO(x, -EPROTO, "buffer descriptor of %zu bytes for %zu pages",
                                  untrusted_desc_len, pages);
        memcpy(&untrusted_h, untrusted_desc, sizeof(untrusted_h));
        if (untrusted_h.magic != XEN_SHBUF_MAGIC || untrusted_h.transport != BH_VCHAN_XEN ||
            untrusted_h.pages != pages || untrusted_h.reserved != 0)
                return XLOG_ERRNO(x, -EPROTO,
                                  "bad buffer descriptor header (magic %#" PRIx32
                                  " transport %" PRIu32 " pages %" PRIu32 " reserved %#" PRIx32
                                  ", %zu pages expected)",
                                  untrusted_h.magic, untrusted_h.transport, untrusted_h.pages,
                                  untrusted_h.reserved, pages);

        /* A private copy: the descriptor may sit in memory the peer can
         * still change, and Xen checks each reference as it maps it. */
        s = calloc(1, sizeof(*s));
        refs = malloc(pages * sizeof(uint32_t));
        g = xen_grants_get(x);
        if (!s || !refs || !g)
                return -ENOMEM;
        memcpy(refs, (const char *)untrusted_desc + sizeof(untrusted_h), pages * sizeof(uint32_t));

        if (!g->gt) {
                g->gt = xengnttab_open(&xen_logger, 0);
                if (!g->gt)
                        return XLOG_ERRNO(x, neg_errno(), "cannot open gnttab");
        }
        /* All or nothing: the map fails whole if any reference is bad. */
        data = xengnttab_map_domain_grant_refs(g->gt, pages, x->peer_domid, refs,
                                               PROT_READ | (writable ? PROT_WRITE : 0));
        if (!data) {
                /* Refused references are the peer's fault: -EPROTO, as for
                 * any bad descriptor; running out of memory is ours. */
                int saved = errno;

                XLOG(x, "cannot map %zu granted pages: %s", pages, strerror(saved));
                return saved == ENOMEM ? -ENOMEM : -EPROTO;
        }

        s->grants = g;
        g->refs++;
        s->pages = pages;
        s->shared = false;
        b->data = data;
        b->size = expected_size;
        b->priv = TAKE_PTR(s);
        return 0;
}

static void xen_shbuf_free(struct bh_shbuf *b)
{
        struct xen_shbuf *s = b->priv;

        if (!s)
                return;
        /*
         * Unsharing while dom0 still maps the pages is safe: gntalloc keeps
         * them until the mapping goes, so the mapper never faults.
         */
        if (s->shared)
                xengntshr_unshare(s->grants->gs, b->data, s->pages);
        else
                xengnttab_unmap(s->grants->gt, b->data, s->pages);
        xen_grants_unref(s->grants);
        free(s);
        b->data = NULL;
        b->priv = NULL;
}

const struct bh_vchan_ops bh_vchan_xen_ops = {
        .server_init = xen_server_init,
        .client_init_async = xen_client_init_async,
        .connect_finish = xen_connect_finish,
        .read = xen_read,
        .write = xen_write,
        .send = xen_send,
        .recv = xen_recv,
        .fd = xen_fd,
        .wait = xen_wait,
        .data_ready = xen_data_ready,
        .buffer_space = xen_buffer_space,
        .write_ring_size = xen_write_ring_size,
        .is_open = xen_is_open,
        .close = xen_close,
        .shbuf_share = xen_shbuf_share,
        .shbuf_map = xen_shbuf_map,
        .shbuf_free = xen_shbuf_free,
};

#endif /* HAVE_XEN */
