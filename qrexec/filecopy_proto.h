/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The file-copy stream: what bulkhead-filecopy-pack sends and
 * bulkhead-filecopy-unpack takes apart (docs/filecopy.md says it message by
 * message).  Pure logic, no I/O, so it is unit-tested and fuzzed alone.
 *
 * The sender writes HELLO, then one ENTRY per file, directory or symlink in
 * depth-first order (a directory before what it holds, and all it holds
 * before anything outside it), then END.  A file's bytes follow its ENTRY as
 * DATA and HOLE chunks; a symlink's target follows its name.  The receiver
 * answers with one STATUS.  Integers are little-endian.
 *
 * Everything the sender writes is hostile to the receiver: bh_fc_rx checks
 * each header as soon as it is complete, before reading what it announces,
 * and hands the unpacker only checked entries whose parent is a directory
 * the same stream created and is still open.  Violations return -EPROTO
 * with a reason for the one log line and the STATUS reply.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BH_FC_MAGIC 0x43464842u /* "BHFC" as the bytes appear on the wire */
#define BH_FC_VERSION 1u

#define BH_FC_HELLO_SIZE 8u  /* magic, version */
#define BH_FC_ENTRY_SIZE 32u /* type, mode, size, mtime, mtime_nsec, name_len */
#define BH_FC_CHUNK_SIZE 16u /* kind, reserved, len */
#define BH_FC_STATUS_SIZE 8u /* code, message length */

/*
 * A whole entry name (the path below the copied tree's top, '/' between
 * components): PATH_MAX less its NUL, so the unpacker's one-component
 * opens never meet a name the kernel would refuse anyway.
 */
#define BH_FC_MAX_NAME_BYTES 4095u
/* One component: NAME_MAX of every Linux file system. */
#define BH_FC_MAX_COMPONENT_BYTES 255u
/*
 * Components of one name, i.e. directory nesting.  Deep node_modules or
 * Java package trees stay well below 128; the unpacker keeps one open
 * directory per level, and lib/fsutil's removal stops at 256 levels, so a
 * failed copy can always be cleaned up.
 */
#define BH_FC_MAX_DEPTH 128u
/*
 * Entries (files, directories, symlinks) in one copy: one million is a
 * whole home directory or ten Linux source trees.  It bounds the time a
 * hostile sender can keep the receiver creating empty files.
 */
#define BH_FC_MAX_ENTRIES 1000000u
/*
 * One file: 1 TiB, larger than any disk image or video a user moves between
 * domains and larger than a domain's private volume usually is.  Far from
 * overflow in every sum and in off_t.
 */
#define BH_FC_MAX_FILE_SIZE (1ull << 40)
/*
 * All files of one copy, holes included: 4 TiB.  Holes cost no disk, so this
 * bounds the apparent size a sender can make appear; real disk use is bounded
 * by the receiver's free space (ENOSPC fails the copy cleanly).
 */
#define BH_FC_MAX_TOTAL_SIZE (4ull << 40)
/* A symlink's target: PATH_MAX less its NUL, what readlink can return. */
#define BH_FC_MAX_LINK_BYTES 4095u
/*
 * One DATA chunk: 64 KiB, one pipe buffer and the size of one read the
 * sender makes; bounds the one data buffer the receiver keeps.  HOLE chunks
 * carry no bytes and may cover the rest of the file at once.
 */
#define BH_FC_MAX_CHUNK 65536u
/* The STATUS message: one line for the sender's terminal. */
#define BH_FC_MAX_STATUS_MSG 256u
/* A source domain name: [A-Za-z0-9_.-], not starting with '.' or '-'. */
#define BH_FC_MAX_DOMAIN_NAME 31u
/* mtime seconds: 0 to year 9999, what every file system and tool can show. */
#define BH_FC_MAX_MTIME 253402300799ll

/* Permission bits kept: setuid, setgid and sticky are stripped (a file that
 * was setuid in the sender means nothing to the receiver and is dangerous). */
#define BH_FC_MODE_KEPT 0777u
/* Bits the mode field may carry at all; anything above is refused. */
#define BH_FC_MODE_ALLOWED 07777u

enum bh_fc_type {
        BH_FC_FILE = 1,    /* size bytes of DATA/HOLE chunks follow the name */
        BH_FC_DIR = 2,     /* size 0; entries inside it follow */
        BH_FC_SYMLINK = 3, /* size bytes of target follow the name */
        BH_FC_END = 4,     /* all fields 0; the last message */
};

enum bh_fc_chunk_kind {
        BH_FC_CHUNK_DATA = 1, /* len bytes follow, 1..BH_FC_MAX_CHUNK */
        BH_FC_CHUNK_HOLE = 2, /* len zero bytes, none sent */
};

struct bh_fc_entry {
        uint32_t type;
        uint32_t mode; /* permission bits as sent, <= BH_FC_MODE_ALLOWED */
        uint64_t size;
        int64_t mtime;
        uint32_t mtime_nsec;
        uint32_t name_len;
};

/* ---- encoding (the sender) -------------------------------------------------- */

void bh_fc_put_hello(uint8_t out[BH_FC_HELLO_SIZE]);
void bh_fc_put_entry(uint8_t out[BH_FC_ENTRY_SIZE], const struct bh_fc_entry *e);
void bh_fc_put_chunk(uint8_t out[BH_FC_CHUNK_SIZE], uint32_t kind, uint64_t len);
/* STATUS for code (0: stored, else a positive errno) and a message, cut at
 * BH_FC_MAX_STATUS_MSG; returns the bytes written to out. */
size_t bh_fc_put_status(uint8_t out[BH_FC_STATUS_SIZE + BH_FC_MAX_STATUS_MSG], uint32_t code,
                        const char *msg);

/* ---- checks both ends use ------------------------------------------------------ */

/* UTF-8 that is well formed (no overlong forms, surrogates or values past
 * U+10FFFF) and free of control characters (C0, DEL, C1) and of the bidi
 * controls that make a name display differently from what it is. */
bool bh_fc_text_ok(const uint8_t *s, size_t len);

/*
 * An entry name: relative, components separated by single '/', none empty,
 * "." or "..", each at most BH_FC_MAX_COMPONENT_BYTES, at most
 * BH_FC_MAX_DEPTH of them, text as bh_fc_text_ok.  *ret_depth: the number of
 * components less one (how many directories the entry is inside).
 */
int bh_fc_name_check(const uint8_t *untrusted, size_t untrusted_len, unsigned *ret_depth,
                     const char **why);

/*
 * A symlink target for a link inside `depth` directories of the copied tree:
 * relative, text as bh_fc_text_ok, not empty, ".." only as leading
 * components and at most `depth` of them.  With every parent a real
 * directory, this keeps the link inside the tree however other links in
 * it resolve (docs/filecopy.md gives the argument).
 */
int bh_fc_link_check(const uint8_t *untrusted, size_t untrusted_len, unsigned depth,
                     const char **why);

/* QREXEC_REMOTE_DOMAIN: [A-Za-z0-9_.-]{1,31}, not starting with '.' or '-'. */
bool bh_fc_domain_ok(const char *name);

int bh_fc_status_check(const uint8_t untrusted[BH_FC_STATUS_SIZE], uint32_t *ret_code,
                       uint32_t *ret_msg_len, const char **why);

/* ---- taking a stream apart (the receiver) ---------------------------------------- */

enum bh_fc_event {
        BH_FC_EV_NONE = 0,  /* more bytes needed */
        BH_FC_EV_ENTRY = 1, /* rx->entry, rx->name, rx->leaf, rx->depth; a symlink's rx->target */
        BH_FC_EV_DATA = 2,  /* rx->data, rx->data_len: the next bytes of the file */
        BH_FC_EV_HOLE = 3,  /* rx->hole: that many zero bytes next */
        BH_FC_EV_END = 4,   /* END: the stream is whole */
};

enum bh_fc_state {
        BH_FC_ST_HELLO,
        BH_FC_ST_ENTRY,
        BH_FC_ST_NAME,
        BH_FC_ST_TARGET,
        BH_FC_ST_CHUNK,
        BH_FC_ST_DATA,
        BH_FC_ST_DONE,
        BH_FC_ST_BROKEN,
};

/*
 * The reader asks where the next bytes go and how many (never past what the
 * current message announced), reads at most that many and reports them;
 * bh_fc_rx_fed returns an event or -EPROTO.  After ENTRY for a file, its
 * DATA and HOLE events follow; bh_fc_rx_file_done() says when the file's
 * size is reached (at once for an empty file).
 *
 * Directories: before an ENTRY event the receiver closes every directory it
 * opened deeper than rx->depth (the entry's parent is the one at that
 * depth, 0 being the top of the tree); an entry that is a directory is then
 * the open one at depth rx->depth + 1.
 */
struct bh_fc_rx {
        enum bh_fc_state state;
        size_t have; /* bytes of the current message */
        size_t need; /* its length */
        uint32_t entries;
        uint64_t total;
        uint64_t file_left;

        /* The event's values. */
        struct bh_fc_entry entry;
        unsigned depth;
        const char *leaf; /* last component of name */
        const uint8_t *data;
        size_t data_len;
        uint64_t hole;

        /* Open directories: dirs[0..ndirs) are the first components of
         * dirpath, ending at dir_end[i]. */
        unsigned ndirs;
        uint16_t dir_end[BH_FC_MAX_DEPTH];
        char dirpath[BH_FC_MAX_NAME_BYTES + 1];

        uint8_t hdr[BH_FC_ENTRY_SIZE];
        char name[BH_FC_MAX_NAME_BYTES + 1];   /* NUL-terminated */
        char target[BH_FC_MAX_LINK_BYTES + 1]; /* NUL-terminated */
        uint64_t chunk_left;
        uint8_t buf[BH_FC_MAX_CHUNK];
};

void bh_fc_rx_init(struct bh_fc_rx *rx);
/* Where the next bytes go and how many at most; 0 once END came or the
 * stream was refused. */
size_t bh_fc_rx_want(struct bh_fc_rx *rx, uint8_t **where);
int bh_fc_rx_fed(struct bh_fc_rx *rx, size_t n, const char **why);

static inline bool bh_fc_rx_file_done(const struct bh_fc_rx *rx)
{
        return rx->file_left == 0;
}
