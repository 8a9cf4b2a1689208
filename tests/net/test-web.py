#!/usr/bin/env python3
"""A tiny HTTP server for the private Tor network of the network tests.

    test-web.py --listen ADDR --log FILE [--port N]

Answers every GET (and HEAD) with 200 and the body
"bulkhead-test-web CLIENT_ADDRESS\\n", so a client behind Tor sees which
address the request came from; anything else gets 405.  Each request is
logged to FILE as one line, "CLIENT_ADDRESS METHOD STATUS".  Only the
standard library is used.

Requests are parsed as untrusted: the request line and each header line are
bounded by MAX_LINE_BYTES, there are at most MAX_HEADERS header lines, a
request body is never read, and a connection that stalls is dropped after
IDLE_SECONDS.
"""
import argparse
import http.server
import socketserver
import sys

# Far more than any request of the tests (curl sends ~80 bytes a line).
MAX_LINE_BYTES = 4096
MAX_HEADERS = 64
# A request that has not arrived in this time never will.
IDLE_SECONDS = 10


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "bulkhead-test-web"
    protocol_version = "HTTP/1.0"
    timeout = IDLE_SECONDS

    def handle_one_request(self):
        # The standard handler allows 64 KiB lines and 100 headers: read
        # within our own limits first, then let it parse what was read.
        try:
            untrusted_lines = []
            while len(untrusted_lines) <= MAX_HEADERS + 1:
                line = self.rfile.readline(MAX_LINE_BYTES + 1)
                if len(line) > MAX_LINE_BYTES or not line.endswith(b"\n"):
                    self.close_connection = True
                    return
                untrusted_lines.append(line)
                if line in (b"\r\n", b"\n"):
                    break
            else:
                self.close_connection = True
                return
        except (OSError, ValueError):
            self.close_connection = True
            return
        self.raw_requestline = untrusted_lines[0]
        real_rfile, self.rfile = self.rfile, _Replay(untrusted_lines[1:])
        try:
            parsed = self.parse_request()
        finally:
            self.rfile = real_rfile
        if not parsed:
            return
        method = getattr(self, "do_" + self.command, None)
        if method is None:
            self.send_error(405)
            self._log(405)
            return
        method()
        self.wfile.flush()

    def version_string(self):
        return self.server_version

    def _log(self, status):
        self.server.log.write(
            f"{self.client_address[0]} {self.command or '-'} {status}\n")

    def _answer(self, with_body):
        body = f"bulkhead-test-web {self.client_address[0]}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)
        self._log(200)

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self._answer(True)

    def do_HEAD(self):  # noqa: N802
        self._answer(False)

    def log_message(self, format, *args):  # noqa: A002
        pass  # the log file gets one line per request from _log


class _Replay:
    """The header lines already read, offered to http.client's parser."""

    def __init__(self, lines):
        self._lines = list(lines)

    def readline(self, _limit=-1):
        return self._lines.pop(0) if self._lines else b""


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer.server_bind looks the address up in DNS (getfqdn);
        # a test server must not send a query anywhere.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", required=True)
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    with open(args.log, "a", buffering=1, encoding="ascii") as log:
        server = Server((args.listen, args.port), Handler)
        server.log = log
        print(f"test-web: listening on {args.listen}:{args.port}",
              file=sys.stderr, flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
