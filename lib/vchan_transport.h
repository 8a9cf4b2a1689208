/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a vchan transport provides.  vchan.c holds the transport-neutral
 * parts (blocking mode, time-outs, argument checks); each transport lives in
 * its own file and fills in these operations.  Every operation is
 * non-blocking unless it takes a timeout.
 */
#pragma once

#include "vchan.h"

struct bh_vchan_ops {
        int (*server_init)(struct bh_vchan *v, const struct bh_vchan_addr *addr,
                           size_t read_min, size_t write_min);
        int (*client_init_async)(struct bh_vchan *v, const struct bh_vchan_addr *addr);
        /* 0 once connected, -EAGAIN while still connecting. */
        int (*connect_finish)(struct bh_vchan *v);

        /* -EAGAIN when nothing can move now; before returning it the
         * transport must have asked the peer for a wake-up, so that a
         * following wait() cannot miss the event. */
        ssize_t (*read)(struct bh_vchan *v, void *buf, size_t len);
        ssize_t (*write)(struct bh_vchan *v, const void *buf, size_t len);
        ssize_t (*send)(struct bh_vchan *v, const void *buf, size_t len);
        ssize_t (*recv)(struct bh_vchan *v, void *buf, size_t len);

        int (*fd)(struct bh_vchan *v);
        int (*wait)(struct bh_vchan *v, int timeout_ms);
        size_t (*data_ready)(struct bh_vchan *v);
        size_t (*buffer_space)(struct bh_vchan *v);
        /* The largest packet send() can ever accept. */
        size_t (*write_ring_size)(struct bh_vchan *v);
        int (*is_open)(struct bh_vchan *v);
        void (*close)(struct bh_vchan *v);

        int (*shbuf_share)(struct bh_vchan *v, size_t size, struct bh_shbuf *b);
        int (*shbuf_map)(struct bh_vchan *v, const void *untrusted_desc,
                         size_t untrusted_desc_len, size_t expected_size,
                         bool writable, struct bh_shbuf *b);
        void (*shbuf_free)(struct bh_shbuf *b);
};

struct bh_vchan {
        const struct bh_vchan_ops *ops;
        enum bh_vchan_transport transport;
        bool blocking;
        void *priv; /* the transport's state */
};

struct bh_shbuf {
        const struct bh_vchan_ops *ops;
        void *data;
        size_t size;
        void *desc; /* sharing side: the descriptor to send; malloc'ed by the
                     * transport, freed by bh_shbuf_free() after shbuf_free() */
        size_t desc_len;
        void *priv; /* the transport's state */
};

extern const struct bh_vchan_ops bh_vchan_socket_ops;
#if HAVE_XEN
extern const struct bh_vchan_ops bh_vchan_xen_ops;
#endif
