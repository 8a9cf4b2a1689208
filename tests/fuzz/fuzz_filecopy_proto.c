/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for everything the file-copy receiver takes from a
 * sender: whole streams through bh_fc_rx, fed in pieces of varying size,
 * with every event held to the rules the unpacker relies on (names and
 * targets that pass their checks, parents open, data that adds up to the
 * file's size, limits kept); and the name, target and text checks alone.
 *
 * Input: a selector byte, then the case's bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filecopy_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct bh_fc_rx rx;

static void check_entry(unsigned open_dirs)
{
        unsigned depth;
        const char *why;
        size_t len = strlen(rx.name);

        if (len != rx.entry.name_len || len == 0 || len > BH_FC_MAX_NAME_BYTES)
                abort();
        if (bh_fc_name_check((const uint8_t *)rx.name, len, &depth, &why) != 0 || depth != rx.depth)
                abort();
        if (rx.depth > open_dirs || strchr(rx.leaf, '/') || !*rx.leaf)
                abort();
        if (rx.entry.mode & ~BH_FC_MODE_ALLOWED || rx.entries > BH_FC_MAX_ENTRIES ||
            rx.total > BH_FC_MAX_TOTAL_SIZE)
                abort();
        if (rx.entry.type == BH_FC_SYMLINK) {
                if (strlen(rx.target) != rx.entry.size ||
                    bh_fc_link_check((const uint8_t *)rx.target, rx.entry.size, rx.depth, &why) != 0 ||
                    rx.target[0] == '/')
                        abort();
        } else if (rx.entry.type == BH_FC_FILE) {
                if (rx.entry.size > BH_FC_MAX_FILE_SIZE)
                        abort();
        } else if (rx.entry.type != BH_FC_DIR) {
                abort();
        }
}

static void fuzz_stream(const uint8_t *p, size_t left, uint8_t pieces)
{
        unsigned open_dirs = 0; /* as the unpacker tracks them */
        uint64_t file_left = 0;

        bh_fc_rx_init(&rx);
        while (left > 0) {
                const char *why = NULL;
                uint8_t *where;
                size_t want = bh_fc_rx_want(&rx, &where), n;
                int ev;

                if (want == 0)
                        return;
                n = pieces ? (size_t)pieces : want;
                if (n > want)
                        n = want;
                if (n > left)
                        n = left;
                memcpy(where, p, n);
                p += n;
                left -= n;
                ev = bh_fc_rx_fed(&rx, n, &why);
                switch (ev) {
                case BH_FC_EV_NONE:
                        break;
                case BH_FC_EV_ENTRY:
                        if (file_left != 0)
                                abort(); /* an entry inside a file's data */
                        check_entry(open_dirs);
                        open_dirs = rx.depth + (rx.entry.type == BH_FC_DIR);
                        if (rx.entry.type == BH_FC_FILE) {
                                file_left = rx.entry.size;
                                if (bh_fc_rx_file_done(&rx) != (file_left == 0))
                                        abort();
                        }
                        break;
                case BH_FC_EV_DATA:
                case BH_FC_EV_HOLE: {
                        uint64_t k = ev == BH_FC_EV_DATA ? rx.data_len : rx.hole;

                        if (k == 0 || k > file_left || (ev == BH_FC_EV_DATA && k > BH_FC_MAX_CHUNK))
                                abort();
                        file_left -= k;
                        if (bh_fc_rx_file_done(&rx) != (file_left == 0))
                                abort();
                        break;
                }
                case BH_FC_EV_END:
                        if (file_left != 0)
                                abort();
                        return;
                default:
                        if (ev != -EPROTO || !why)
                                abort();
                        return;
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned depth;
        const char *why;

        if (size < 1)
                return 0;
        switch (data[0] % 4) {
        case 0:
        case 1:
                /* Streams; the second byte picks the piece size. */
                if (size >= 2)
                        fuzz_stream(data + 2, size - 2, data[1]);
                break;
        case 2:
                if (bh_fc_name_check(data + 1, size - 1, &depth, &why) == 0 &&
                    (depth >= BH_FC_MAX_DEPTH || data[1] == '/' || !bh_fc_text_ok(data + 1, size - 1)))
                        abort();
                break;
        case 3:
                if (size >= 2 && bh_fc_link_check(data + 2, size - 2, data[1] % 8, &why) == 0 &&
                    (data[2] == '/' || !bh_fc_text_ok(data + 2, size - 2)))
                        abort();
                break;
        }
        return 0;
}
