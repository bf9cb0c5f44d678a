# SPDX-License-Identifier: MIT
"""A tiny, deliberately slow HTTP server for 13_http_client.c, on 127.0.0.1 only.

    python3 13_slow_server.py [--port N] [--lifetime SECONDS]

Prints the port it listens on (one line; --port 0, the default, picks a free one),
then serves, one thread per connection:

    GET /delay/S       waits S seconds, then answers 200 with "slept S s"
    GET /drip/N/S      answers 200 at once, then sends N chunks, one every S seconds
    anything else      404

Every answer closes its connection. The server stops by itself after --lifetime
seconds (default 60), so a forgotten one does not linger.
"""
import argparse
import http.server
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        try:
            if parts[0] == "delay" and len(parts) == 2:
                seconds = float(parts[1])
                time.sleep(seconds)
                self.answer([f"slept {parts[1]} s\n".encode()], 0)
            elif parts[0] == "drip" and len(parts) == 3:
                chunks = [f"chunk {i + 1}\n".encode() for i in range(int(parts[1]))]
                self.answer(chunks, float(parts[2]))
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what the example shows

    def answer(self, chunks, interval):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(sum(len(c) for c in chunks)))
        self.end_headers()
        self.wfile.flush()
        for chunk in chunks:
            time.sleep(interval)
            self.wfile.write(chunk)
            self.wfile.flush()

    def log_message(self, format, *args):
        pass  # quiet: the client prints what happens


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many clients connect at once

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
