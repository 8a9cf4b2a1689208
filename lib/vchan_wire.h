/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The socket transport's control records and shared-buffer descriptors.
 * Pure logic: what arrives here comes from the peer and is checked before
 * anything acts on it.  docs/vchan.md describes the format.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BH_VCHAN_CTL_MAGIC 0x53564842u /* "BHVS" */
#define BH_VCHAN_CTL_VERSION 1u

enum bh_vchan_ctl_type {
        BH_VCHAN_CTL_SETUP = 1,  /* server -> client, carries the ring memfd */
        BH_VCHAN_CTL_NOTIFY = 2, /* either way: "look at the rings" */
        BH_VCHAN_CTL_SHBUF = 3,  /* sharing side -> mapper, carries a buffer memfd */
};

/* Every control record is exactly this size (SOCK_SEQPACKET keeps it whole). */
struct bh_vchan_ctl {
        uint32_t magic;
        uint16_t version;
        uint16_t type;
        uint32_t arg0; /* SETUP: size of ring 0; SHBUF: buffer id */
        uint32_t arg1; /* SETUP: size of ring 1; SHBUF: size in pages */
};

/*
 * Checks a record of untrusted_len bytes and whether it may carry a file
 * descriptor (has_fd).  Returns its type, or -EPROTO.
 */
int bh_vchan_ctl_check(const void *untrusted, size_t untrusted_len, int has_fd);

void bh_vchan_ctl_make(struct bh_vchan_ctl *c, enum bh_vchan_ctl_type type, uint32_t arg0,
                       uint32_t arg1);

/* Socket-transport shared-buffer descriptor (sent inside the user's protocol). */
#define BH_SHBUF_DESC_MAGIC 0x42534842u /* "BHSB" */

struct bh_shbuf_desc_socket {
        uint32_t magic;
        uint32_t transport; /* BH_VCHAN_SOCKET */
        uint32_t id;
        uint32_t pages;
};

/* Pages needed for size bytes; -EINVAL for 0 or over BH_SHBUF_MAX_BYTES. */
int bh_shbuf_pages_for(size_t size, uint32_t *ret);

/*
 * Checks a socket-transport descriptor against the size the mapper expects
 * (from its own validated protocol fields).  Returns the buffer id or -EPROTO.
 */
int bh_shbuf_desc_socket_check(const void *untrusted, size_t untrusted_len,
                               size_t expected_size, uint32_t *id);
