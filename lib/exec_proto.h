/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The exec protocol: dom0 runs a command inside a domain and streams its
 * stdio, over one vchan per command (the base of qrexec).  Pure logic, no
 * I/O, so it is unit-tested and fuzzed alone; docs/exec-protocol.md describes
 * every message and limit.
 *
 * Every message is a header {u32 type, u32 len} (little-endian) followed by
 * len bytes of payload.  Whatever the peer sent is checked here before the
 * rest of the program sees it: bh_exec_rx assembles messages from the byte
 * stream and rejects a header (type unknown or not allowed from that side,
 * out of order, length out of bounds) before buffering its payload; the
 * payload validators turn untrusted bytes into checked values.  Violations
 * return -EPROTO with a reason for the one log line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The vchan port the agent serves; both ends derive the channel from it. */
#define BH_EXEC_PORT 512

/* Highest protocol version spoken here; the lowest one accepted is 1. */
#define BH_EXEC_PROTO_VERSION 1u

#define BH_EXEC_HDR_SIZE 8u

/*
 * Largest payload of any message: 64 KiB, the size of one pipe buffer (what
 * one read from a pipe gives at most) and of Qubes' qrexec v3 data chunk.  It
 * bounds the one message buffer each end keeps per direction, and a whole
 * message (header + payload) fits twice in BH_EXEC_RING_SIZE so a sender
 * rarely waits for the reader.
 */
#define BH_EXEC_MAX_PAYLOAD (64u * 1024)

/* HELLO payload: version and flags; a later version may append fields, up to
 * this size, which older peers skip. */
#define BH_EXEC_HELLO_SIZE 8u
#define BH_EXEC_HELLO_MAX 256u

/* EXEC payload: flags and argc, then argc NUL-terminated strings. */
#define BH_EXEC_EXEC_FIXED 8u
/*
 * Argument strings, NULs included: what is left of one message after the
 * fixed fields.  Far below the kernel's ARG_MAX (2 MiB), so execve never
 * refuses what the protocol accepted; bulk input belongs on stdin.
 */
#define BH_EXEC_MAX_ARGV_BYTES (BH_EXEC_MAX_PAYLOAD - BH_EXEC_EXEC_FIXED)
/* Arguments per command: bounds the pointer array the agent allocates
 * (8 KiB); a command line typed or built by a tool stays far below it. */
#define BH_EXEC_MAX_ARGC 1024u

#define BH_EXEC_EXIT_SIZE 4u
/* Exit status as the shell reports it: 0-255, 128+N for signal N. */
#define BH_EXEC_MAX_STATUS 255u

/*
 * Ring size the agent asks for in each direction: room for three maximal
 * messages, so the writer fills the ring while the reader drains it and
 * neither waits on the other for long.  Within the Xen transport's 1 MiB.
 */
#define BH_EXEC_RING_SIZE (256u * 1024)

enum bh_exec_msg_type {
        BH_EXEC_MSG_HELLO = 0x01,  /* both ways, first message */
        BH_EXEC_MSG_EXEC = 0x02,   /* client -> agent: argv */
        BH_EXEC_MSG_SERVICE = 0x03, /* client -> agent: a qrexec service instead of argv */
        BH_EXEC_MSG_STDIN = 0x10,  /* client -> agent: data; len 0 is EOF */
        BH_EXEC_MSG_STDOUT = 0x11, /* agent -> client: data; len 0 is EOF */
        BH_EXEC_MSG_STDERR = 0x12, /* agent -> client: data; len 0 is EOF */
        BH_EXEC_MSG_EXIT = 0x13,   /* agent -> client: status, last message */
        /* 0x20-0x3f are kept for qrexec's service messages (trigger, connect,
         * refused); see docs/exec-protocol.md. */
};

/* Flag bits of EXEC; none is defined in version 1, so all must be 0. */
#define BH_EXEC_FLAGS_V1 0u

/* Which end sent the messages a checker looks at. */
enum bh_exec_role {
        BH_EXEC_FROM_CLIENT = 1, /* dom0: the agent checks these */
        BH_EXEC_FROM_AGENT = 2,  /* the domain: dom0 checks these */
        /* A domain calling a service in another: what the service has been
         * chosen by dom0, so the caller sends no EXEC or SERVICE, only
         * STDIN (docs/qrexec-protocol.md). */
        BH_EXEC_FROM_CALLER = 3,
};

/* SERVICE payload: u32 flags (0), then three NUL-terminated strings:
 * service name, argument (may be empty), source domain; each within
 * qrexec's limits (lib/qrexec_proto.h). */
#define BH_EXEC_SERVICE_FIXED 4u
struct bh_exec_service {
        char service[65];
        char arg[65];
        char source[32];
};

/* SERVICE for a call from dom0 or for a service a test runs; -EINVAL for a
 * malformed name. */
int bh_exec_encode_service(const struct bh_exec_service *s, uint8_t *out, size_t out_size,
                           size_t *ret_len);
int bh_exec_service_check(const uint8_t *untrusted, size_t untrusted_len,
                          struct bh_exec_service *out, const char **why);

/* ---- encoding ------------------------------------------------------------ */

void bh_exec_put_hdr(uint8_t out[BH_EXEC_HDR_SIZE], uint32_t type, uint32_t len);

/* HELLO with our version; returns the message length (header included). */
size_t bh_exec_encode_hello(uint8_t out[BH_EXEC_HDR_SIZE + BH_EXEC_HELLO_SIZE]);

/*
 * EXEC for a NULL-terminated argv.  -EINVAL for an empty argv or argv[0],
 * -E2BIG past BH_EXEC_MAX_ARGC or BH_EXEC_MAX_ARGV_BYTES, -ENOBUFS if out is
 * too small (BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD always suffices).
 */
int bh_exec_encode_exec(char *const argv[], uint8_t *out, size_t out_size, size_t *ret_len);

/* EXIT; status must be <= BH_EXEC_MAX_STATUS. */
size_t bh_exec_encode_exit(uint8_t out[BH_EXEC_HDR_SIZE + BH_EXEC_EXIT_SIZE], uint32_t status);

/* A waitpid() status as the shell shows it: the exit code, or 128+signal. */
uint32_t bh_exec_status_from_wait(int wstatus);

/* ---- checking what the peer sent --------------------------------------- */

/* What a peer has sent so far; decides which message may come next. */
struct bh_exec_peer {
        enum bh_exec_role from;
        bool hello, exec, exit;
        bool stdin_eof, stdout_eof, stderr_eof;
};

void bh_exec_peer_init(struct bh_exec_peer *p, enum bh_exec_role from);

/*
 * Checks a header from the peer against the protocol and what the peer sent
 * before: the type must be one that side sends, in order, with a length in
 * that type's bounds.  Records it and returns 0, or -EPROTO with *why set.
 */
int bh_exec_peer_check_header(struct bh_exec_peer *p, const uint8_t untrusted_hdr[BH_EXEC_HDR_SIZE],
                              uint32_t *ret_type, uint32_t *ret_len, const char **why);

/* True once the peer can send nothing more (EXIT, or stdin EOF). */
bool bh_exec_peer_done(const struct bh_exec_peer *p);

/* HELLO payload: the version both ends speak, min(ours, peer's). */
int bh_exec_hello_check(const uint8_t *untrusted, size_t untrusted_len, uint32_t *ret_version,
                        const char **why);

/*
 * EXEC payload: a checked copy of argv, NULL-terminated, one allocation for
 * free().  -EPROTO with *why, or -ENOMEM.
 */
int bh_exec_exec_check(const uint8_t *untrusted, size_t untrusted_len, char ***ret_argv,
                       const char **why);

/* EXIT payload: the status, <= BH_EXEC_MAX_STATUS. */
int bh_exec_exit_check(const uint8_t *untrusted, size_t untrusted_len, uint32_t *ret_status,
                       const char **why);

const char *bh_exec_msg_name(uint32_t type);

/* ---- assembling messages from the byte stream ----------------------------- */

/*
 * One message at a time: the reader asks where the next bytes go and how
 * many (never past the end of the current message, so nothing of the next
 * one is buffered), reads at most that many, and reports them.  The header is
 * checked as soon as it is complete, so an oversized length is refused
 * before its payload is read.
 */
struct bh_exec_rx {
        struct bh_exec_peer peer;
        uint32_t type;
        uint32_t len;
        size_t have; /* bytes of the current message, header included */
        bool broken; /* a header was refused: nothing more is taken */
        uint8_t buf[BH_EXEC_HDR_SIZE + BH_EXEC_MAX_PAYLOAD];
};

void bh_exec_rx_init(struct bh_exec_rx *rx, enum bh_exec_role from);

/* Where the next bytes go and how many at most; 0 while a message waits. */
size_t bh_exec_rx_want(struct bh_exec_rx *rx, uint8_t **where);

/*
 * Takes n bytes just stored at the place bh_exec_rx_want() gave.  Returns 1
 * when a whole message is ready (rx->type, rx->len, bh_exec_rx_payload()),
 * 0 when more is needed, -EPROTO (with *why) when the header is refused;
 * then rx->type and rx->len hold the refused header's fields, for the log.
 */
int bh_exec_rx_fed(struct bh_exec_rx *rx, size_t n, const char **why);

static inline const uint8_t *bh_exec_rx_payload(const struct bh_exec_rx *rx)
{
        return rx->buf + BH_EXEC_HDR_SIZE;
}

/* Done with the ready message: start on the next one. */
void bh_exec_rx_next(struct bh_exec_rx *rx);
