/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vchan: a bidirectional byte channel between dom0 and one domain, plus
 * buffers shared between them.  One API, two transports chosen at run time:
 *
 *   BH_VCHAN_SOCKET  an AF_UNIX socket in a runtime directory carries the
 *                    set-up, wake-ups and file descriptors; the data rings
 *                    live in a sealed memfd mapped by both ends (the same
 *                    shape as a Xen vchan: shared rings plus an event
 *                    channel).  Shared buffers are sealed memfds.
 *   BH_VCHAN_XEN     libxenvchan; shared buffers are grant references.
 *
 * The peer is never trusted: ring indices, sizes and buffer descriptors it
 * controls are checked on every use, and a violation closes the channel
 * (bh_vchan_is_open() turns 0, calls return -EPROTO).
 *
 * All calls return 0 (or a byte count) on success and a negative errno on
 * failure.  In non-blocking mode (the default) read/write/send/recv return
 * -EAGAIN when they cannot proceed; poll bh_vchan_fd() for POLLIN and then
 * call bh_vchan_wait(v, 0) to take in the event.  Once the peer is gone and
 * the data it sent is consumed, calls return -EPIPE.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum bh_vchan_transport {
        BH_VCHAN_SOCKET = 1,
        BH_VCHAN_XEN = 2,
};

struct bh_vchan_addr {
        enum bh_vchan_transport transport;
        int peer_domid;         /* the other end's domain id; 0 is dom0 */
        int port;               /* channel number both ends agree on */
        const char *socket_dir; /* BH_VCHAN_SOCKET: directory holding the socket */
};

/* Ring sizes the socket transport accepts; the Xen transport has its own. */
#define BH_VCHAN_RING_MIN (4u * 1024)
#define BH_VCHAN_RING_MAX (16u * 1024 * 1024)

struct bh_vchan;

/* Parse "socket" or "xen"; -EINVAL otherwise. */
int bh_vchan_transport_from_string(const char *s, enum bh_vchan_transport *ret);

/*
 * The address an agent in a domain serves port on, from the environment
 * its init gives it: BULKHEAD_TRANSPORT (socket, the default, or xen),
 * BULKHEAD_VCHAN_DIR (socket: the channel directory), BULKHEAD_PEER_DOMID
 * (xen: dom0's id, default 0).  -EINVAL with a log line when malformed.
 */
int bh_vchan_addr_from_env(struct bh_vchan_addr *addr, int port);
const char *bh_vchan_transport_to_string(enum bh_vchan_transport t);

/*
 * Xen transport (built with Xen only): the xenstore directory where the
 * server in server_domid publishes its channel for client_domid on port;
 * its ring-ref node exists once the server serves.
 */
void bh_vchan_xen_path(char buf[64], int server_domid, int client_domid, int port);

/*
 * Server side: publishes the channel and returns at once; the peer connects
 * later (bh_vchan_is_open() returns 2 until then).  read_min/write_min are
 * the least ring sizes wanted in each direction.
 */
int bh_vchan_server_init(struct bh_vchan **ret, const struct bh_vchan_addr *addr,
                         size_t read_min, size_t write_min);

/* Client side: waits up to timeout_ms (-1: forever) for the server. */
int bh_vchan_client_init(struct bh_vchan **ret, const struct bh_vchan_addr *addr,
                         int timeout_ms);

/*
 * Non-blocking client: returns a channel that is still connecting.  Poll
 * bh_vchan_fd() and call bh_vchan_connect_finish() until it returns 0
 * (connected) rather than -EAGAIN.  Other errors are final.
 */
int bh_vchan_client_init_async(struct bh_vchan **ret, const struct bh_vchan_addr *addr);
int bh_vchan_connect_finish(struct bh_vchan *v);

/* Stream I/O: moves as many bytes as fit, at least one unless -EAGAIN. */
ssize_t bh_vchan_read(struct bh_vchan *v, void *buf, size_t len);
ssize_t bh_vchan_write(struct bh_vchan *v, const void *buf, size_t len);

/* Packet I/O: all len bytes or none (-EAGAIN); -EMSGSIZE if len can never fit. */
ssize_t bh_vchan_send(struct bh_vchan *v, const void *buf, size_t len);
ssize_t bh_vchan_recv(struct bh_vchan *v, void *buf, size_t len);

/* In blocking mode the four calls above wait instead of returning -EAGAIN. */
void bh_vchan_set_blocking(struct bh_vchan *v, bool blocking);

/* The file descriptor to poll for POLLIN. */
int bh_vchan_fd(struct bh_vchan *v);

/*
 * Waits up to timeout_ms (0: do not wait, -1: forever) for the peer to act,
 * then takes in what happened.  Returns 0, -ETIMEDOUT, or -EPIPE once the
 * peer is gone.
 */
int bh_vchan_wait(struct bh_vchan *v, int timeout_ms);

size_t bh_vchan_data_ready(struct bh_vchan *v);
size_t bh_vchan_buffer_space(struct bh_vchan *v);

/* 1: connected, 2: server waiting for its client, 0: closed or broken. */
int bh_vchan_is_open(struct bh_vchan *v);

enum bh_vchan_transport bh_vchan_transport(struct bh_vchan *v);

void bh_vchan_close(struct bh_vchan *v);

/* For __attribute__((cleanup)). */
static inline void bh_vchan_closep(struct bh_vchan **v)
{
        if (*v)
                bh_vchan_close(*v);
}
#define _cleanup_vchan_ __attribute__((cleanup(bh_vchan_closep)))

/*
 * Shared buffers.  The sharing side (a domain) creates a buffer and gets an
 * opaque descriptor to send to the peer inside its own protocol messages;
 * the mapping side (dom0) maps it from that untrusted descriptor, giving the
 * size it expects from already validated protocol fields.  A descriptor that
 * does not match (wrong size, too many pages, unknown buffer, unsealed
 * memfd, grant that cannot be mapped) is refused with -EPROTO before
 * anything is mapped, so the peer cannot make the mapper fault.
 */
#define BH_SHBUF_PAGE_SIZE 4096u
/* 64 MiB: a 4096x4096 window at 4 bytes per pixel, the largest GUI buffer. */
#define BH_SHBUF_MAX_BYTES (64u * 1024 * 1024)
/* Largest descriptor (one grant reference per page plus a header). */
#define BH_SHBUF_DESC_MAX (16u + 4u * (BH_SHBUF_MAX_BYTES / BH_SHBUF_PAGE_SIZE))

struct bh_shbuf;

int bh_shbuf_share(struct bh_vchan *v, size_t size, struct bh_shbuf **ret);
/* The descriptor of a buffer made by bh_shbuf_share(); valid while it lives. */
int bh_shbuf_desc(struct bh_shbuf *b, const void **desc, size_t *desc_len);

/* writable: map read-write rather than read-only. */
int bh_shbuf_map(struct bh_vchan *v, const void *untrusted_desc, size_t untrusted_desc_len,
                 size_t expected_size, bool writable, struct bh_shbuf **ret);

void *bh_shbuf_data(struct bh_shbuf *b);
size_t bh_shbuf_size(struct bh_shbuf *b);

/* Unmaps (and on the sharing side, unshares) the buffer. */
void bh_shbuf_free(struct bh_shbuf *b);

static inline void bh_shbuf_freep(struct bh_shbuf **b)
{
        if (*b)
                bh_shbuf_free(*b);
}
#define _cleanup_shbuf_ __attribute__((cleanup(bh_shbuf_freep)))
