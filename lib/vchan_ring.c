/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "vchan.h"
#include "vchan_ring.h"

void bh_ring_init(struct bh_ring *r, void *shared, void *data, uint32_t size)
{
        r->sh = shared;
        r->data = data;
        r->size = size;
        r->local = 0;
}

static bool is_pow2(uint32_t x)
{
        return x && !(x & (x - 1));
}

int bh_ring_size_for(size_t wanted, uint32_t *ret)
{
        uint32_t s = BH_VCHAN_RING_MIN;

        if (wanted > BH_VCHAN_RING_MAX)
                return -EINVAL;
        while (s < wanted)
                s <<= 1;
        *ret = s;
        return 0;
}

int bh_ring_check_layout(uint32_t untrusted_size0, uint32_t untrusted_size1, uint64_t mem_size)
{
        if (!is_pow2(untrusted_size0) || !is_pow2(untrusted_size1))
                return -EPROTO;
        if (untrusted_size0 < BH_VCHAN_RING_MIN || untrusted_size0 > BH_VCHAN_RING_MAX ||
            untrusted_size1 < BH_VCHAN_RING_MIN || untrusted_size1 > BH_VCHAN_RING_MAX)
                return -EPROTO;
        /* Both are at most 16 MiB, so the sum cannot overflow 64 bits. */
        if ((uint64_t)BH_RING_HEADER_SIZE + untrusted_size0 + untrusted_size1 != mem_size)
                return -EPROTO;
        return 0;
}

static uint32_t load_acquire(const uint32_t *p)
{
        return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *p, uint32_t v)
{
        __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int bh_ring_readable(const struct bh_ring *r, uint32_t *ret)
{
        uint32_t untrusted_prod = load_acquire(&r->sh->prod);
        uint32_t n = untrusted_prod - r->local; /* modulo 2^32 by design */

        if (n > r->size)
                return -EPROTO;
        *ret = n;
        return 0;
}

int bh_ring_writable(const struct bh_ring *r, uint32_t *ret)
{
        uint32_t untrusted_cons = load_acquire(&r->sh->cons);
        uint32_t used = r->local - untrusted_cons;

        if (used > r->size)
                return -EPROTO;
        *ret = r->size - used;
        return 0;
}

int bh_ring_read(struct bh_ring *r, void *buf, size_t len, size_t *done)
{
        uint32_t avail, off, first;
        int ret;

        ret = bh_ring_readable(r, &avail);
        if (ret < 0)
                return ret;
        if (len > avail)
                len = avail;
        off = r->local & (r->size - 1);
        first = r->size - off;
        if (first > len)
                first = len;
        memcpy(buf, r->data + off, first);
        memcpy((uint8_t *)buf + first, r->data, len - first);
        r->local += len;
        store_release(&r->sh->cons, r->local);
        *done = len;
        return 0;
}

int bh_ring_write(struct bh_ring *r, const void *buf, size_t len, size_t *done)
{
        uint32_t space, off, first;
        int ret;

        ret = bh_ring_writable(r, &space);
        if (ret < 0)
                return ret;
        if (len > space)
                len = space;
        off = r->local & (r->size - 1);
        first = r->size - off;
        if (first > len)
                first = len;
        memcpy(r->data + off, buf, first);
        memcpy(r->data, (const uint8_t *)buf + first, len - first);
        r->local += len;
        store_release(&r->sh->prod, r->local);
        *done = len;
        return 0;
}

void bh_ring_reader_arm(struct bh_ring *r)
{
        __atomic_store_n(&r->sh->reader_wants_wake, 1, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void bh_ring_writer_arm(struct bh_ring *r)
{
        __atomic_store_n(&r->sh->writer_wants_wake, 1, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool bh_ring_writer_must_wake_reader(struct bh_ring *r)
{
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        /* Cheap test first: the exchange dirties the peer's cache line. */
        if (!__atomic_load_n(&r->sh->reader_wants_wake, __ATOMIC_RELAXED))
                return false;
        return __atomic_exchange_n(&r->sh->reader_wants_wake, 0, __ATOMIC_SEQ_CST) != 0;
}

bool bh_ring_reader_must_wake_writer(struct bh_ring *r)
{
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&r->sh->writer_wants_wake, __ATOMIC_RELAXED))
                return false;
        return __atomic_exchange_n(&r->sh->writer_wants_wake, 0, __ATOMIC_SEQ_CST) != 0;
}
