#!/usr/bin/env python3
"""A tiny DNS server for the private Tor network of the network tests.

    test-dns.py --listen ADDR --log FILE [--port N] [--answer ADDR]

Answers A queries for any name under .test (web.test, x.web.test, ...)
with --answer (default 203.0.113.10), other query types for .test names
with an empty answer, and every other name with NXDOMAIN.  Each query is
logged to FILE as one line, "CLIENT_ADDRESS NAME TYPE RCODE" (RCODE
"oversize" for a dropped packet), so a test can see which relay resolved
what.  Only the standard library is used.

The packets come from tor exits under test, but are parsed as untrusted
anyway: at most MAX_QUERY_BYTES are read, names are limited to the DNS
limits, compression pointers in a question are refused, and anything
malformed is answered with FORMERR or dropped, never trusted.
"""
import argparse
import ipaddress
import socket
import struct
import sys

# A query over UDP is at most 512 bytes without EDNS; tor's resolver adds a
# small OPT record, so allow a little more and drop anything larger.
MAX_QUERY_BYTES = 1232
# RFC 1035: a label is at most 63 bytes, a name at most 255.
MAX_LABEL_BYTES = 63
MAX_NAME_BYTES = 255
HEADER = struct.Struct("!HHHHHH")
TYPE_A = 1
CLASS_IN = 1
RCODE_NOERROR, RCODE_FORMERR, RCODE_NXDOMAIN, RCODE_NOTIMP = 0, 1, 3, 4
TTL_SECONDS = 60
# The one zone served: everything under it exists.
ZONE = "test"


def parse_question(untrusted, offset):
    """Returns (labels, qtype, qclass, end) or raises ValueError."""
    labels = []
    total = 0
    while True:
        if offset >= len(untrusted):
            raise ValueError("name runs past the packet")
        length = untrusted[offset]
        offset += 1
        if length == 0:
            break
        if length & 0xC0:
            raise ValueError("compression or extended label in a question")
        if length > MAX_LABEL_BYTES or offset + length > len(untrusted):
            raise ValueError("bad label length")
        total += length + 1
        if total > MAX_NAME_BYTES:
            raise ValueError("name too long")
        labels.append(bytes(untrusted[offset:offset + length]))
        offset += length
    if offset + 4 > len(untrusted):
        raise ValueError("question runs past the packet")
    qtype, qclass = struct.unpack_from("!HH", untrusted, offset)
    return labels, qtype, qclass, offset + 4


def printable(labels):
    text = ".".join(label.decode("ascii", "replace") for label in labels)
    return "".join(c if c.isprintable() and not c.isspace() else "?"
                   for c in text) or "."


def answer(untrusted, answer_addr):
    """Returns (reply bytes or None, name for the log, type, rcode)."""
    if len(untrusted) < HEADER.size:
        return None, "-", 0, RCODE_FORMERR
    qid, flags, qdcount, _an, _ns, _ar = HEADER.unpack_from(untrusted)
    if flags & 0x8000:
        return None, "-", 0, RCODE_FORMERR  # a response, not a query
    opcode = (flags >> 11) & 0xF
    rd = flags & 0x0100

    def reply(rcode, question=b"", answers=b"", ancount=0):
        qd = 1 if question else 0
        head = HEADER.pack(qid, 0x8000 | (opcode << 11) | 0x0400 | rd | rcode,
                           qd, ancount, 0, 0)
        return head + question + answers

    if opcode != 0:
        return reply(RCODE_NOTIMP), "-", 0, RCODE_NOTIMP
    if qdcount != 1:
        return reply(RCODE_FORMERR), "-", 0, RCODE_FORMERR
    try:
        labels, qtype, qclass, end = parse_question(untrusted, HEADER.size)
    except ValueError:
        return reply(RCODE_FORMERR), "-", 0, RCODE_FORMERR
    name = printable(labels)
    question = bytes(untrusted[HEADER.size:end])
    # Tor randomises the case of the names it asks for (0x20 encoding): the
    # question is echoed as received and matched without regard to case.
    in_zone = bool(labels) and labels[-1].lower() == ZONE.encode()
    if qclass != CLASS_IN or not in_zone:
        return reply(RCODE_NXDOMAIN, question), name, qtype, RCODE_NXDOMAIN
    if qtype != TYPE_A:
        return reply(RCODE_NOERROR, question), name, qtype, RCODE_NOERROR
    record = (b"\xc0\x0c" + struct.pack("!HHIH", TYPE_A, CLASS_IN,
                                        TTL_SECONDS, 4) + answer_addr)
    return (reply(RCODE_NOERROR, question, record, 1), name, qtype,
            RCODE_NOERROR)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--answer", default="203.0.113.10")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    answer_addr = ipaddress.IPv4Address(args.answer).packed

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.listen, args.port))
    with open(args.log, "a", buffering=1, encoding="ascii") as log:
        print(f"test-dns: listening on {args.listen}:{args.port}",
              file=sys.stderr, flush=True)
        while True:
            # One byte more than allowed, to tell an oversized packet apart.
            untrusted, peer = sock.recvfrom(MAX_QUERY_BYTES + 1)
            if len(untrusted) > MAX_QUERY_BYTES:
                log.write(f"{peer[0]} - 0 oversize\n")
                continue
            data, name, qtype, rcode = answer(untrusted, answer_addr)
            log.write(f"{peer[0]} {name} {qtype} {rcode}\n")
            if data is not None:
                sock.sendto(data, peer)


if __name__ == "__main__":
    main()
