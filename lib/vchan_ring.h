/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One direction of a shared-memory ring, seen from one end.  Pure logic: no
 * sockets, no Xen, so it is unit-tested and fuzzed on its own.
 *
 * The shared page holds the indices; the peer can write any of them at any
 * moment.  Each end keeps its own index privately and only publishes it, and
 * every index read from the peer is checked against the private one before
 * use: a producer index more than `size` ahead of our consumer index, or a
 * consumer index ahead of our producer index, is a protocol violation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The indices of one ring, in shared memory.  Each on its own cache line. */
struct bh_ring_shared {
        uint32_t prod;
        uint32_t pad0[15];
        uint32_t cons;
        uint32_t pad1[15];
        uint32_t reader_wants_wake; /* set by the reader before it sleeps */
        uint32_t writer_wants_wake; /* set by the writer when the ring is full */
        uint32_t pad2[14];
};

/*
 * Layout of the shared memory of a socket-transport channel:
 *   [0, 4096)          two struct bh_ring_shared: [0] server->client, [1] client->server
 *   [4096, +size0)     data of ring 0
 *   [.., +size1)       data of ring 1
 */
#define BH_RING_HEADER_SIZE 4096u
#define BH_RING_SHARED_STRIDE 256u

struct bh_ring {
        struct bh_ring_shared *sh;
        uint8_t *data;
        uint32_t size;  /* power of two, checked at set-up */
        uint32_t local; /* our own index: cons at the reading end, prod at the writing end */
};

void bh_ring_init(struct bh_ring *r, void *shared, void *data, uint32_t size);

/* Rounds a wanted ring size up to a power of two within the allowed range. */
int bh_ring_size_for(size_t wanted, uint32_t *ret);

/*
 * Checks ring sizes received from the peer against the size of the memory
 * they must fit in.  Both sizes must be powers of two within
 * [BH_VCHAN_RING_MIN, BH_VCHAN_RING_MAX] and the header plus both rings
 * must fill the memory exactly.
 */
int bh_ring_check_layout(uint32_t untrusted_size0, uint32_t untrusted_size1, uint64_t mem_size);

/* Reading end: bytes readable now, or -EPROTO if the peer's index is impossible. */
int bh_ring_readable(const struct bh_ring *r, uint32_t *ret);
/* Copies up to len readable bytes out and publishes the new consumer index. */
int bh_ring_read(struct bh_ring *r, void *buf, size_t len, size_t *done);

/* Writing end: free space now, or -EPROTO if the peer's index is impossible. */
int bh_ring_writable(const struct bh_ring *r, uint32_t *ret);
/* Copies up to len bytes in (as many as fit) and publishes the new producer index. */
int bh_ring_write(struct bh_ring *r, const void *buf, size_t len, size_t *done);

/*
 * Wake-ups.  An end that finds nothing to do arms its flag and then checks
 * again (bh_ring_readable/writable) before it sleeps; the other end, after
 * it has moved its index, asks whether it must send a wake-up.  Full
 * barriers on both sides make a lost wake-up impossible.
 */
void bh_ring_reader_arm(struct bh_ring *r);
void bh_ring_writer_arm(struct bh_ring *r);
bool bh_ring_reader_must_wake_writer(struct bh_ring *r);
bool bh_ring_writer_must_wake_reader(struct bh_ring *r);
