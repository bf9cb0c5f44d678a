# SPDX-License-Identifier: MIT
"""The HTTP/1.1 server of 19_http_fetch.c and 19_http_fetch.py, on 127.0.0.1 only.

    python3 19_fetch_server.py [--port N] [--lifetime SECONDS]

Prints the port it listens on (one line; --port 0, the default, picks a free one),
then serves, one thread per connection, counting the requests for each path in
memory (a new server counts from 0):

    GET /hello       200, "hello, world"
    GET /big         200, 3000 bytes
    GET /flaky       503 to its first 2 requests, 200 after
    GET /slow-head   its first request: the headers after 2 s; at once after that
    GET /slow-body   the headers at once, the body after 2 s, every time
    GET /stuck       the headers after 10 s, every time
    anything else    404

Every answer has a Content-Length and closes its connection. The server stops by
itself after --lifetime seconds (default 60), so a forgotten one does not linger.
"""
import argparse
import http.server
import sys
import threading
import time

counts = {}  # path: how many requests for it so far
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        with lock:
            counts[self.path] = n = counts.get(self.path, 0) + 1
        try:
            if self.path == "/hello":
                self.answer(200, b"hello, world\n")
            elif self.path == "/big":
                self.answer(200, b"0123456789" * 300)
            elif self.path == "/flaky":
                self.answer(503, b"busy, try again\n") if n <= 2 else self.answer(200, b"ready\n")
            elif self.path == "/slow-head":
                self.answer(200, b"late headers\n", head_after=2 if n == 1 else 0)
            elif self.path == "/slow-body":
                self.answer(200, b"late body\n", body_after=2)
            elif self.path == "/stuck":
                self.answer(200, b"too late\n", head_after=10)
            else:
                self.answer(404, b"not found\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what the example shows

    def answer(self, status, body, head_after=0, body_after=0):
        time.sleep(head_after)
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        time.sleep(body_after)
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format, *args):
        pass  # quiet: the client prints what happens


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hung up early is expected here


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=60)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    print(server.server_address[1], flush=True)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
