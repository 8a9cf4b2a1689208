/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "vchan.h"
#include "vchan_wire.h"

int bh_vchan_ctl_check(const void *untrusted, size_t untrusted_len, int has_fd)
{
        struct bh_vchan_ctl c;

        if (untrusted_len != sizeof(c))
                return -EPROTO;
        memcpy(&c, untrusted, sizeof(c));
        if (c.magic != BH_VCHAN_CTL_MAGIC || c.version != BH_VCHAN_CTL_VERSION)
                return -EPROTO;
        switch (c.type) {
        case BH_VCHAN_CTL_SETUP:
        case BH_VCHAN_CTL_SHBUF:
                return has_fd ? c.type : -EPROTO;
        case BH_VCHAN_CTL_NOTIFY:
                return has_fd ? -EPROTO : c.type;
        default:
                return -EPROTO;
        }
}

void bh_vchan_ctl_make(struct bh_vchan_ctl *c, enum bh_vchan_ctl_type type, uint32_t arg0,
                       uint32_t arg1)
{
        memset(c, 0, sizeof(*c));
        c->magic = BH_VCHAN_CTL_MAGIC;
        c->version = BH_VCHAN_CTL_VERSION;
        c->type = type;
        c->arg0 = arg0;
        c->arg1 = arg1;
}

int bh_shbuf_pages_for(size_t size, uint32_t *ret)
{
        if (size == 0 || size > BH_SHBUF_MAX_BYTES)
                return -EINVAL;
        *ret = (uint32_t)((size + BH_SHBUF_PAGE_SIZE - 1) / BH_SHBUF_PAGE_SIZE);
        return 0;
}

int bh_shbuf_desc_socket_check(const void *untrusted, size_t untrusted_len,
                               size_t expected_size, uint32_t *id)
{
        struct bh_shbuf_desc_socket d;
        uint32_t pages;

        if (bh_shbuf_pages_for(expected_size, &pages) < 0)
                return -EPROTO;
        if (untrusted_len != sizeof(d))
                return -EPROTO;
        memcpy(&d, untrusted, sizeof(d));
        if (d.magic != BH_SHBUF_DESC_MAGIC || d.transport != BH_VCHAN_SOCKET)
                return -EPROTO;
        if (d.pages != pages)
                return -EPROTO;
        *id = d.id;
        return 0;
}
