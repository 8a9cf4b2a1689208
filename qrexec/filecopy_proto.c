/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file-copy stream's wire format and checks; see filecopy_proto.h. */
#include <errno.h>
#include <string.h>

#include "filecopy_proto.h"
#include "wire.h"
#include "utf8.h"





static int refuse(const char **why, const char *reason)
{
        if (why)
                *why = reason;
        return -EPROTO;
}

/* ---- encoding ------------------------------------------------------------------ */

void bh_fc_put_hello(uint8_t out[BH_FC_HELLO_SIZE])
{
        bh_put32(out, BH_FC_MAGIC);
        bh_put32(out + 4, BH_FC_VERSION);
}

void bh_fc_put_entry(uint8_t out[BH_FC_ENTRY_SIZE], const struct bh_fc_entry *e)
{
        bh_put32(out, e->type);
        bh_put32(out + 4, e->mode);
        bh_put64(out + 8, e->size);
        bh_put64(out + 16, (uint64_t)e->mtime);
        bh_put32(out + 24, e->mtime_nsec);
        bh_put32(out + 28, e->name_len);
}

void bh_fc_put_chunk(uint8_t out[BH_FC_CHUNK_SIZE], uint32_t kind, uint64_t len)
{
        bh_put32(out, kind);
        bh_put32(out + 4, 0);
        bh_put64(out + 8, len);
}

size_t bh_fc_put_status(uint8_t out[BH_FC_STATUS_SIZE + BH_FC_MAX_STATUS_MSG], uint32_t code,
                        const char *msg)
{
        size_t n = msg ? strnlen(msg, BH_FC_MAX_STATUS_MSG) : 0;

        bh_put32(out, code);
        bh_put32(out + 4, (uint32_t)n);
        memcpy(out + BH_FC_STATUS_SIZE, msg ? msg : "", n);
        return BH_FC_STATUS_SIZE + n;
}

/* ---- text, names, targets --------------------------------------------------------- */

/* Bidi embeddings, overrides and isolates: they reorder what a file manager
 * shows ("exe.txt" displayed for "txt.exe"). */
static bool is_bidi_control(uint32_t c)
{
        return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
               (c >= 0x2066 && c <= 0x2069);
}

bool bh_fc_text_ok(const uint8_t *s, size_t len)
{
        size_t i = 0;

        while (i < len) {
                uint8_t b = s[i];
                uint32_t c;
                size_t n;

                if (b < 0x80) {
                        if (b < 0x20 || b == 0x7f)
                                return false;
                        i++;
                        continue;
                }
                n = bh_utf8_next(s + i, len - i, &c);
                if (n == 0)
                        return false;
                if ((c >= 0x80 && c <= 0x9f) || is_bidi_control(c))
                        return false;
                i += n;
        }
        return true;
}

int bh_fc_name_check(const uint8_t *untrusted, size_t untrusted_len, unsigned *ret_depth,
                     const char **why)
{
        unsigned components = 0;
        size_t start = 0;

        if (untrusted_len == 0)
                return refuse(why, "empty name");
        if (untrusted_len > BH_FC_MAX_NAME_BYTES)
                return refuse(why, "name over BH_FC_MAX_NAME_BYTES");
        if (memchr(untrusted, '\0', untrusted_len))
                return refuse(why, "name with a NUL byte");
        if (!bh_fc_text_ok(untrusted, untrusted_len))
                return refuse(why, "name with a control character or invalid UTF-8");
        if (untrusted[0] == '/')
                return refuse(why, "absolute name");
        for (size_t i = 0; i <= untrusted_len; i++) {
                size_t n;

                if (i < untrusted_len && untrusted[i] != '/')
                        continue;
                n = i - start;
                if (n == 0)
                        return refuse(why, "name with an empty component");
                if ((n == 1 && untrusted[start] == '.') ||
                    (n == 2 && untrusted[start] == '.' && untrusted[start + 1] == '.'))
                        return refuse(why, "name with a '.' or '..' component");
                if (n > BH_FC_MAX_COMPONENT_BYTES)
                        return refuse(why, "name component over BH_FC_MAX_COMPONENT_BYTES");
                if (++components > BH_FC_MAX_DEPTH)
                        return refuse(why, "name deeper than BH_FC_MAX_DEPTH");
                start = i + 1;
        }
        *ret_depth = components - 1;
        return 0;
}

int bh_fc_link_check(const uint8_t *untrusted, size_t untrusted_len, unsigned depth,
                     const char **why)
{
        unsigned up = 0;
        bool named = false; /* a component other than ".." (or ".") came */
        size_t start = 0;

        if (untrusted_len == 0)
                return refuse(why, "empty symlink target");
        if (untrusted_len > BH_FC_MAX_LINK_BYTES)
                return refuse(why, "symlink target over BH_FC_MAX_LINK_BYTES");
        if (memchr(untrusted, '\0', untrusted_len))
                return refuse(why, "symlink target with a NUL byte");
        if (!bh_fc_text_ok(untrusted, untrusted_len))
                return refuse(why, "symlink target with a control character or invalid UTF-8");
        if (untrusted[0] == '/')
                return refuse(why, "absolute symlink target");
        for (size_t i = 0; i <= untrusted_len; i++) {
                size_t n;

                if (i < untrusted_len && untrusted[i] != '/')
                        continue;
                n = i - start;
                if (n == 2 && untrusted[start] == '.' && untrusted[start + 1] == '.') {
                        /* After a name, ".." would climb out of whatever that
                         * name resolves to, which may be another symlink. */
                        if (named)
                                return refuse(why, "symlink target with '..' after a name");
                        if (++up > depth)
                                return refuse(why, "symlink target outside the copied tree");
                } else if (n > 0 && !(n == 1 && untrusted[start] == '.')) {
                        if (n > BH_FC_MAX_COMPONENT_BYTES)
                                return refuse(why, "symlink target component too long");
                        named = true;
                }
                start = i + 1;
        }
        return 0;
}

bool bh_fc_domain_ok(const char *name)
{
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n < 1 || n > BH_FC_MAX_DOMAIN_NAME || name[0] == '.' || name[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-'))
                        return false;
        }
        return true;
}

int bh_fc_status_check(const uint8_t untrusted[BH_FC_STATUS_SIZE], uint32_t *ret_code,
                       uint32_t *ret_msg_len, const char **why)
{
        uint32_t len = bh_get32(untrusted + 4);

        if (len > BH_FC_MAX_STATUS_MSG)
                return refuse(why, "STATUS message over BH_FC_MAX_STATUS_MSG");
        *ret_code = bh_get32(untrusted);
        *ret_msg_len = len;
        return 0;
}

/* ---- the receiver's state machine ----------------------------------------------------- */

void bh_fc_rx_init(struct bh_fc_rx *rx)
{
        memset(rx, 0, offsetof(struct bh_fc_rx, hdr));
        rx->state = BH_FC_ST_HELLO;
        rx->need = BH_FC_HELLO_SIZE;
}

static void expect(struct bh_fc_rx *rx, enum bh_fc_state st, size_t need)
{
        rx->state = st;
        rx->have = 0;
        rx->need = need;
}

size_t bh_fc_rx_want(struct bh_fc_rx *rx, uint8_t **where)
{
        switch (rx->state) {
        case BH_FC_ST_HELLO:
        case BH_FC_ST_ENTRY:
        case BH_FC_ST_CHUNK:
                *where = rx->hdr + rx->have;
                break;
        case BH_FC_ST_NAME:
                *where = (uint8_t *)rx->name + rx->have;
                break;
        case BH_FC_ST_TARGET:
                *where = (uint8_t *)rx->target + rx->have;
                break;
        case BH_FC_ST_DATA:
                *where = rx->buf;
                break;
        default:
                *where = NULL;
                return 0;
        }
        return rx->need - rx->have;
}

static int broken(struct bh_fc_rx *rx, const char **why, const char *reason)
{
        rx->state = BH_FC_ST_BROKEN;
        return refuse(why, reason);
}

/* After a file's ENTRY or one of its chunks: the next chunk or entry. */
static void after_file_part(struct bh_fc_rx *rx)
{
        if (rx->file_left > 0)
                expect(rx, BH_FC_ST_CHUNK, BH_FC_CHUNK_SIZE);
        else
                expect(rx, BH_FC_ST_ENTRY, BH_FC_ENTRY_SIZE);
}

static int on_hello(struct bh_fc_rx *rx, const char **why)
{
        if (bh_get32(rx->hdr) != BH_FC_MAGIC)
                return broken(rx, why, "not a file-copy stream (bad magic)");
        if (bh_get32(rx->hdr + 4) != BH_FC_VERSION)
                return broken(rx, why, "file-copy stream version not supported");
        expect(rx, BH_FC_ST_ENTRY, BH_FC_ENTRY_SIZE);
        return BH_FC_EV_NONE;
}

static int on_entry_header(struct bh_fc_rx *rx, const char **why)
{
        const uint8_t *h = rx->hdr;
        struct bh_fc_entry e = {
                .type = bh_get32(h),
                .mode = bh_get32(h + 4),
                .size = bh_get64(h + 8),
                .mtime = (int64_t)bh_get64(h + 16),
                .mtime_nsec = bh_get32(h + 24),
                .name_len = bh_get32(h + 28),
        };

        if (e.type == BH_FC_END) {
                if (e.mode || e.size || e.mtime || e.mtime_nsec || e.name_len)
                        return broken(rx, why, "END with fields set");
                rx->state = BH_FC_ST_DONE;
                rx->ndirs = 0;
                return BH_FC_EV_END;
        }
        if (e.type != BH_FC_FILE && e.type != BH_FC_DIR && e.type != BH_FC_SYMLINK)
                return broken(rx, why, "entry of an unknown type");
        if (e.mode & ~BH_FC_MODE_ALLOWED)
                return broken(rx, why, "mode with bits other than permissions");
        if (e.mtime < 0 || e.mtime > BH_FC_MAX_MTIME || e.mtime_nsec >= 1000000000u)
                return broken(rx, why, "mtime out of range");
        if (e.name_len == 0 || e.name_len > BH_FC_MAX_NAME_BYTES)
                return broken(rx, why, "name length out of range");
        if (rx->entries >= BH_FC_MAX_ENTRIES)
                return broken(rx, why, "more entries than BH_FC_MAX_ENTRIES");
        switch (e.type) {
        case BH_FC_FILE:
                if (e.size > BH_FC_MAX_FILE_SIZE)
                        return broken(rx, why, "file size over BH_FC_MAX_FILE_SIZE");
                if (e.size > BH_FC_MAX_TOTAL_SIZE - rx->total)
                        return broken(rx, why, "copy size over BH_FC_MAX_TOTAL_SIZE");
                break;
        case BH_FC_DIR:
                if (e.size != 0)
                        return broken(rx, why, "directory with a size");
                break;
        case BH_FC_SYMLINK:
                if (e.size == 0 || e.size > BH_FC_MAX_LINK_BYTES)
                        return broken(rx, why, "symlink target length out of range");
                break;
        }
        rx->entries++;
        if (e.type == BH_FC_FILE)
                rx->total += e.size;
        rx->entry = e;
        expect(rx, BH_FC_ST_NAME, e.name_len);
        return BH_FC_EV_NONE;
}

/*
 * The parent of the entry must be a directory the stream created and has
 * not left: the first `depth` open directories are exactly its leading
 * components.  Closes the deeper ones.
 */
static int check_parent(struct bh_fc_rx *rx, unsigned depth, size_t leaf_off, const char **why)
{
        size_t parent_len = leaf_off > 0 ? leaf_off - 1 : 0;

        if (depth > rx->ndirs)
                return broken(rx, why, "entry inside a directory not sent before it");
        if (depth > 0 && (rx->dir_end[depth - 1] != parent_len ||
                          memcmp(rx->dirpath, rx->name, parent_len) != 0))
                return broken(rx, why, "entry outside the directories open in the stream");
        rx->ndirs = depth;
        return 0;
}

static int on_name(struct bh_fc_rx *rx, const char **why)
{
        unsigned depth;
        const char *slash;
        size_t leaf_off;
        int r;

        rx->name[rx->entry.name_len] = '\0';
        r = bh_fc_name_check((const uint8_t *)rx->name, rx->entry.name_len, &depth, why);
        if (r < 0)
                return broken(rx, why, *why);
        slash = strrchr(rx->name, '/');
        leaf_off = slash ? (size_t)(slash - rx->name) + 1 : 0;
        if ((r = check_parent(rx, depth, leaf_off, why)) < 0)
                return r;
        rx->depth = depth;
        rx->leaf = rx->name + leaf_off;
        switch (rx->entry.type) {
        case BH_FC_DIR:
                /* name_len <= BH_FC_MAX_NAME_BYTES fits dirpath and uint16_t;
                 * depth + 1 <= BH_FC_MAX_DEPTH by the name check. */
                memcpy(rx->dirpath, rx->name, rx->entry.name_len);
                rx->dir_end[depth] = (uint16_t)rx->entry.name_len;
                rx->ndirs = depth + 1;
                expect(rx, BH_FC_ST_ENTRY, BH_FC_ENTRY_SIZE);
                return BH_FC_EV_ENTRY;
        case BH_FC_SYMLINK:
                expect(rx, BH_FC_ST_TARGET, (size_t)rx->entry.size);
                return BH_FC_EV_NONE;
        default:
                rx->file_left = rx->entry.size;
                after_file_part(rx);
                return BH_FC_EV_ENTRY;
        }
}

static int on_target(struct bh_fc_rx *rx, const char **why)
{
        size_t n = (size_t)rx->entry.size;
        int r;

        rx->target[n] = '\0';
        r = bh_fc_link_check((const uint8_t *)rx->target, n, rx->depth, why);
        if (r < 0)
                return broken(rx, why, *why);
        expect(rx, BH_FC_ST_ENTRY, BH_FC_ENTRY_SIZE);
        return BH_FC_EV_ENTRY;
}

static int on_chunk_header(struct bh_fc_rx *rx, const char **why)
{
        uint32_t kind = bh_get32(rx->hdr);
        uint64_t len = bh_get64(rx->hdr + 8);

        if (bh_get32(rx->hdr + 4) != 0)
                return broken(rx, why, "chunk with reserved bits set");
        if (len == 0 || len > rx->file_left)
                return broken(rx, why, "chunk length past the file's size");
        switch (kind) {
        case BH_FC_CHUNK_DATA:
                if (len > BH_FC_MAX_CHUNK)
                        return broken(rx, why, "DATA chunk over BH_FC_MAX_CHUNK");
                rx->chunk_left = len;
                rx->state = BH_FC_ST_DATA;
                rx->have = 0;
                rx->need = (size_t)len;
                return BH_FC_EV_NONE;
        case BH_FC_CHUNK_HOLE:
                rx->hole = len;
                rx->file_left -= len;
                after_file_part(rx);
                return BH_FC_EV_HOLE;
        }
        return broken(rx, why, "chunk of an unknown kind");
}

int bh_fc_rx_fed(struct bh_fc_rx *rx, size_t n, const char **why)
{
        if (rx->state == BH_FC_ST_DONE || rx->state == BH_FC_ST_BROKEN)
                return refuse(why, "bytes after the end of the stream");
        if (n == 0 || n > rx->need - rx->have)
                return broken(rx, why, "more bytes than asked for");
        if (rx->state == BH_FC_ST_DATA) {
                /* Handed on as they come: the data buffer is reused. */
                rx->data = rx->buf;
                rx->data_len = n;
                rx->chunk_left -= n;
                rx->file_left -= n;
                if (rx->chunk_left == 0)
                        after_file_part(rx);
                else
                        rx->need -= n;
                return BH_FC_EV_DATA;
        }
        rx->have += n;
        if (rx->have < rx->need)
                return BH_FC_EV_NONE;
        switch (rx->state) {
        case BH_FC_ST_HELLO:
                return on_hello(rx, why);
        case BH_FC_ST_ENTRY:
                return on_entry_header(rx, why);
        case BH_FC_ST_NAME:
                return on_name(rx, why);
        case BH_FC_ST_TARGET:
                return on_target(rx, why);
        case BH_FC_ST_CHUNK:
                return on_chunk_header(rx, why);
        default:
                return broken(rx, why, "internal state");
        }
}
