/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec's control protocol: the persistent channel between qrexec-daemon
 * (dom0, one per domain) and the domain's agent.  The domain asks for
 * services over it (TRIGGER), dom0 answers (SERVICE_CONNECT or
 * SERVICE_REFUSED), and dom0 asks the domain to run a service for another
 * domain (RUN_SERVICE, answered by SERVICE_DONE).  The data of a call never
 * passes here: it flows on its own vchan, straight between the two ends,
 * in the exec protocol's STDIN/STDOUT/STDERR/EXIT messages
 * (docs/qrexec-protocol.md).
 *
 * Pure logic, no I/O, unit-tested and fuzzed alone.  Every message is a
 * header {u32 type, u32 len} (little-endian) and len bytes of payload: some
 * u32 fields, then NUL-terminated strings, exactly as many as the type has,
 * nothing after.  Whatever the domain sent is checked here: the header
 * before its payload is read, the payload into a struct of checked values.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The vchan port of the control channel; the agent serves it. */
#define BH_QREXEC_PORT 513

#define BH_QREXEC_PROTO_VERSION 1u
#define BH_QREXEC_HDR_SIZE 8u

/*
 * Names, as Qubes bounds them so a Qubes user's services and policies fit:
 * a service name of 64 bytes, an argument of 64, a domain name of 31 (the
 * registry's own limit), a call target of 64 (a name or a token such as
 * @dispvm:NAME or @dispvm:@tag:T).  Lengths exclude the NUL.
 */
#define BH_QREXEC_SERVICE_MAX 64u
#define BH_QREXEC_ARG_MAX 64u
#define BH_QREXEC_DOMAIN_MAX 31u
#define BH_QREXEC_TARGET_MAX 64u
/* The rendezvous name of a data channel (socket transport): "in-" and two
 * numbers. */
#define BH_QREXEC_LINK_MAX 31u

/* The largest message: RUN_SERVICE with every string at its maximum is
 * under 300 bytes; 1 KiB leaves room for later versions' fields without
 * letting a domain make dom0 buffer more. */
#define BH_QREXEC_MAX_PAYLOAD 1024u
#define BH_QREXEC_HELLO_SIZE 8u

/* Calls one domain may have waiting for a policy decision at once: a domain
 * that asks for more is refused, so it cannot queue unbounded work (or
 * dialogs) in dom0. */
#define BH_QREXEC_MAX_PENDING 64u

/* Data-channel ports a caller may offer: below 1024 the agent's own
 * services live (512 exec, 513 control). */
#define BH_QREXEC_DATA_PORT_MIN 1024u
#define BH_QREXEC_DATA_PORT_MAX 65535u

/* Control ring each way: many messages in flight, none large. */
#define BH_QREXEC_RING_SIZE (64u * 1024)

enum bh_qrexec_msg_type {
        BH_QREXEC_MSG_HELLO = 0x01,           /* both ways, first */
        BH_QREXEC_MSG_TRIGGER = 0x20,         /* agent -> daemon: call a service */
        BH_QREXEC_MSG_SERVICE_CONNECT = 0x21, /* daemon -> agent: allowed, target is connecting */
        BH_QREXEC_MSG_SERVICE_REFUSED = 0x22, /* daemon -> agent: denied or failed */
        BH_QREXEC_MSG_RUN_SERVICE = 0x23,     /* daemon -> agent: run a service for a caller */
        BH_QREXEC_MSG_SERVICE_DONE = 0x24,    /* agent -> daemon: that service ended */
};

enum bh_qrexec_role {
        BH_QREXEC_FROM_AGENT = 1,  /* the domain: dom0 checks these */
        BH_QREXEC_FROM_DAEMON = 2, /* dom0: the agent checks these */
};

struct bh_qrexec_trigger {
        uint32_t req_id;                          /* the caller's, echoed back */
        uint32_t port;                            /* where the caller serves the data channel */
        char target[BH_QREXEC_TARGET_MAX + 1];    /* name or @token, as asked */
        char service[BH_QREXEC_SERVICE_MAX + 1];
        char arg[BH_QREXEC_ARG_MAX + 1];          /* may be empty */
};

struct bh_qrexec_connect {
        uint32_t req_id;
        char target[BH_QREXEC_DOMAIN_MAX + 1];    /* the domain that runs it */
        /* xen: its domain id, the peer the caller serves the data channel
         * for (grants name the domain they are for); 0 on the socket
         * transport.  At most BH_QREXEC_DOMID_MAX. */
        uint32_t target_domid;
};

/* The highest domain id a guest can have (Xen's DOMID_FIRST_RESERVED - 1). */
#define BH_QREXEC_DOMID_MAX 0x7fefu

struct bh_qrexec_refused {
        uint32_t req_id;
};

struct bh_qrexec_run {
        uint32_t req_id;                          /* dom0's */
        uint32_t peer_domid;                      /* xen: the caller's domain id */
        uint32_t port;                            /* the caller's data port */
        char link[BH_QREXEC_LINK_MAX + 1];        /* socket: directory of the rendezvous */
        char service[BH_QREXEC_SERVICE_MAX + 1];
        char arg[BH_QREXEC_ARG_MAX + 1];
        char source[BH_QREXEC_DOMAIN_MAX + 1];    /* the caller, as dom0 knows it */
};

struct bh_qrexec_done {
        uint32_t req_id;
        uint32_t status;                          /* 0-255, as the shell shows it */
};

/* ---- names ------------------------------------------------------------------ */

/* [A-Za-z0-9_.-], not starting with '.' or '-', 1..max bytes. */
bool bh_qrexec_name_ok(const char *s, size_t max);
/* Service: a name as above.  Argument: [A-Za-z0-9_.+-], may be empty. */
bool bh_qrexec_arg_ok(const char *s);
/* A target as asked: a domain name, or '@' then [A-Za-z0-9_.:@-]. */
bool bh_qrexec_target_ok(const char *s);

/*
 * Splits "SERVICE+ARG" (or "SERVICE") into its checked parts.  -EINVAL
 * when either part is malformed or too long.
 */
int bh_qrexec_split_service(const char *full, char service[BH_QREXEC_SERVICE_MAX + 1],
                            char arg[BH_QREXEC_ARG_MAX + 1]);

/* ---- encoding (return the message length, header included, or -errno) ----- */

#define BH_QREXEC_MSG_MAX (BH_QREXEC_HDR_SIZE + BH_QREXEC_MAX_PAYLOAD)

size_t bh_qrexec_encode_hello(uint8_t out[BH_QREXEC_HDR_SIZE + BH_QREXEC_HELLO_SIZE]);
int bh_qrexec_encode_trigger(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_trigger *t);
int bh_qrexec_encode_connect(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_connect *c);
int bh_qrexec_encode_refused(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_refused *r);
int bh_qrexec_encode_run(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_run *r);
int bh_qrexec_encode_done(uint8_t out[BH_QREXEC_MSG_MAX], const struct bh_qrexec_done *d);

/* ---- checking ------------------------------------------------------------- */

/*
 * The header of the next message from the peer: a type that side sends,
 * HELLO first and only once, a length within that type's bounds.  -EPROTO
 * with *why for the one log line.
 */
struct bh_qrexec_peer {
        enum bh_qrexec_role from;
        bool hello;
};

void bh_qrexec_peer_init(struct bh_qrexec_peer *p, enum bh_qrexec_role from);
int bh_qrexec_check_header(struct bh_qrexec_peer *p, const uint8_t untrusted_hdr[BH_QREXEC_HDR_SIZE],
                           uint32_t *ret_type, uint32_t *ret_len, const char **why);

/* Payloads; each fills the struct only from checked values. */
int bh_qrexec_hello_check(const uint8_t *untrusted, size_t len, uint32_t *ret_version,
                          const char **why);
int bh_qrexec_trigger_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_trigger *out,
                            const char **why);
int bh_qrexec_connect_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_connect *out,
                            const char **why);
int bh_qrexec_refused_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_refused *out,
                            const char **why);
int bh_qrexec_run_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_run *out,
                        const char **why);
int bh_qrexec_done_check(const uint8_t *untrusted, size_t len, struct bh_qrexec_done *out,
                         const char **why);

const char *bh_qrexec_msg_name(uint32_t type);
