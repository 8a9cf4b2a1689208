/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The transport-neutral half of vchan: picks the transport, checks
 * arguments, and turns the transports' non-blocking operations into
 * blocking ones and time-outs.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "vchan_transport.h"

int bh_vchan_transport_from_string(const char *s, enum bh_vchan_transport *ret)
{
        if (strcmp(s, "socket") == 0)
                *ret = BH_VCHAN_SOCKET;
        else if (strcmp(s, "xen") == 0)
                *ret = BH_VCHAN_XEN;
        else
                return -EINVAL;
        return 0;
}

const char *bh_vchan_transport_to_string(enum bh_vchan_transport t)
{
        switch (t) {
        case BH_VCHAN_SOCKET:
                return "socket";
        case BH_VCHAN_XEN:
                return "xen";
        }
        return "unknown";
}

static int vchan_new(const struct bh_vchan_addr *addr, struct bh_vchan **ret)
{
        const struct bh_vchan_ops *ops;
        struct bh_vchan *v;

        if (!addr || addr->port < 0 || addr->peer_domid < 0)
                return -EINVAL;
        switch (addr->transport) {
        case BH_VCHAN_SOCKET:
                if (!addr->socket_dir || !addr->socket_dir[0])
                        return -EINVAL;
                ops = &bh_vchan_socket_ops;
                break;
        case BH_VCHAN_XEN:
#if HAVE_XEN
                ops = &bh_vchan_xen_ops;
                break;
#else
                return -EOPNOTSUPP;
#endif
        default:
                return -EINVAL;
        }
        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->ops = ops;
        v->transport = addr->transport;
        *ret = v;
        return 0;
}

int bh_vchan_server_init(struct bh_vchan **ret, const struct bh_vchan_addr *addr,
                         size_t read_min, size_t write_min)
{
        struct bh_vchan *v;
        int r;

        r = vchan_new(addr, &v);
        if (r < 0)
                return r;
        r = v->ops->server_init(v, addr, read_min, write_min);
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        return 0;
}

int bh_vchan_client_init_async(struct bh_vchan **ret, const struct bh_vchan_addr *addr)
{
        struct bh_vchan *v;
        int r;

        r = vchan_new(addr, &v);
        if (r < 0)
                return r;
        r = v->ops->client_init_async(v, addr);
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        return 0;
}

int bh_vchan_connect_finish(struct bh_vchan *v)
{
        return v->ops->connect_finish(v);
}

int bh_vchan_client_init(struct bh_vchan **ret, const struct bh_vchan_addr *addr,
                         int timeout_ms)
{
        _cleanup_vchan_ struct bh_vchan *v = NULL;
        int64_t deadline = timeout_ms < 0 ? -1 : bh_now_ms() + timeout_ms;
        int r;

        r = bh_vchan_client_init_async(&v, addr);
        if (r < 0)
                return r;
        for (;;) {
                struct pollfd p = { .fd = bh_vchan_fd(v), .events = POLLIN };
                int left = -1;

                r = bh_vchan_connect_finish(v);
                if (r != -EAGAIN)
                        break;
                if (deadline >= 0) {
                        int64_t d = deadline - bh_now_ms();
                        if (d <= 0)
                                return -ETIMEDOUT;
                        left = d > 1000000 ? 1000000 : (int)d;
                }
                if (poll(&p, 1, left) < 0 && errno != EINTR)
                        return -errno;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(v);
        return 0;
}

void bh_vchan_set_blocking(struct bh_vchan *v, bool blocking)
{
        v->blocking = blocking;
}

typedef ssize_t (*io_fn)(struct bh_vchan *v, void *buf, size_t len);

/* Runs one I/O operation, waiting for the peer in blocking mode. */
static ssize_t do_io(struct bh_vchan *v, io_fn fn, void *buf, size_t len)
{
        bool peer_gone = false;

        if (len == 0)
                return 0;
        for (;;) {
                ssize_t r = fn(v, buf, len);
                int w;

                if (r != -EAGAIN || !v->blocking)
                        return r;
                /* Woken by the peer's death, yet still nothing to do: report
                 * the death rather than spin. */
                if (peer_gone)
                        return -EPIPE;
                w = v->ops->wait(v, -1);
                if (w == -EPIPE)
                        peer_gone = true;
                else if (w < 0 && w != -EINTR)
                        return w;
        }
}

ssize_t bh_vchan_read(struct bh_vchan *v, void *buf, size_t len)
{
        return do_io(v, v->ops->read, buf, len);
}

ssize_t bh_vchan_recv(struct bh_vchan *v, void *buf, size_t len)
{
        return do_io(v, v->ops->recv, buf, len);
}

ssize_t bh_vchan_write(struct bh_vchan *v, const void *buf, size_t len)
{
        return do_io(v, (io_fn)v->ops->write, (void *)buf, len);
}

ssize_t bh_vchan_send(struct bh_vchan *v, const void *buf, size_t len)
{
        if (len > v->ops->write_ring_size(v))
                return -EMSGSIZE;
        return do_io(v, (io_fn)v->ops->send, (void *)buf, len);
}

int bh_vchan_fd(struct bh_vchan *v)
{
        return v->ops->fd(v);
}

int bh_vchan_wait(struct bh_vchan *v, int timeout_ms)
{
        return v->ops->wait(v, timeout_ms);
}

size_t bh_vchan_data_ready(struct bh_vchan *v)
{
        return v->ops->data_ready(v);
}

size_t bh_vchan_buffer_space(struct bh_vchan *v)
{
        return v->ops->buffer_space(v);
}

int bh_vchan_is_open(struct bh_vchan *v)
{
        return v->ops->is_open(v);
}

enum bh_vchan_transport bh_vchan_transport(struct bh_vchan *v)
{
        return v->transport;
}

void bh_vchan_close(struct bh_vchan *v)
{
        if (!v)
                return;
        v->ops->close(v);
        free(v);
}

int bh_shbuf_share(struct bh_vchan *v, size_t size, struct bh_shbuf **ret)
{
        struct bh_shbuf *b;
        int r;

        if (size == 0 || size > BH_SHBUF_MAX_BYTES)
                return -EINVAL;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->ops = v->ops;
        r = v->ops->shbuf_share(v, size, b);
        if (r < 0) {
                free(b);
                return r;
        }
        *ret = b;
        return 0;
}

int bh_shbuf_desc(struct bh_shbuf *b, const void **desc, size_t *desc_len)
{
        if (!b->desc)
                return -EINVAL; /* a mapped buffer has no descriptor to give */
        *desc = b->desc;
        *desc_len = b->desc_len;
        return 0;
}

int bh_shbuf_map(struct bh_vchan *v, const void *untrusted_desc, size_t untrusted_desc_len,
                 size_t expected_size, bool writable, struct bh_shbuf **ret)
{
        struct bh_shbuf *b;
        int r;

        if (expected_size == 0 || expected_size > BH_SHBUF_MAX_BYTES)
                return -EINVAL;
        if (untrusted_desc_len > BH_SHBUF_DESC_MAX)
                return -EPROTO;
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->ops = v->ops;
        r = v->ops->shbuf_map(v, untrusted_desc, untrusted_desc_len, expected_size, writable, b);
        if (r < 0) {
                free(b);
                return r;
        }
        *ret = b;
        return 0;
}

void *bh_shbuf_data(struct bh_shbuf *b)
{
        return b->data;
}

size_t bh_shbuf_size(struct bh_shbuf *b)
{
        return b->size;
}

void bh_shbuf_free(struct bh_shbuf *b)
{
        if (!b)
                return;
        b->ops->shbuf_free(b);
        free(b->desc);
        free(b);
}

int bh_vchan_addr_from_env(struct bh_vchan_addr *addr, int port)
{
        const char *t = getenv("BULKHEAD_TRANSPORT");
        const char *d = getenv("BULKHEAD_PEER_DOMID");
        int r;

        *addr = (struct bh_vchan_addr){ .transport = BH_VCHAN_SOCKET, .port = port };
        if (t && *t) {
                r = bh_vchan_transport_from_string(t, &addr->transport);
                if (r < 0)
                        return bh_log_errno(r, "BULKHEAD_TRANSPORT=%s: not socket or xen", t);
        }
        if (d && *d) {
                char *end;
                long id;

                errno = 0;
                id = strtol(d, &end, 10);
                if (errno || *end || id < 0 || id > 0x7fef)
                        return bh_log_errno(-EINVAL, "BULKHEAD_PEER_DOMID=%s", d);
                addr->peer_domid = (int)id;
        }
        addr->socket_dir = getenv("BULKHEAD_VCHAN_DIR");
        if (addr->transport == BH_VCHAN_SOCKET && (!addr->socket_dir || !*addr->socket_dir))
                return bh_log_errno(-EINVAL, "BULKHEAD_VCHAN_DIR is not set");
        return 0;
}
