# SPDX-License-Identifier: MIT
"""The HTTPS server of 23_https_fetch.c and 23_https_fetch.py, on 127.0.0.1 only.

    python3 23_https_server.py CERT KEY [--port N] [--lifetime SECONDS]

examples/19_fetch_server.py's paths and answers (a new server counts the requests
for each path from 0: /flaky answers 503 twice, /slow-head stalls its first
answer, ...) over TLS: Python's ssl with the certificate CERT and its key KEY (a
certificate for localhost: tests/checks/tls.sh makes one, and the CA that signed
it, at run time). Each connection's handshake runs in its own thread, at its
first read, so a client that stalls in its handshake stalls no other. Prints the
port it listens on, then serves; it stops by itself after --lifetime seconds
(default 60).
"""
import argparse
import importlib.util
import os
import ssl
import sys
import threading

_spec = importlib.util.spec_from_file_location(
    "fetch_server", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "19_fetch_server.py"))
fetch_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fetch_server)


class Server(fetch_server.Server):
    context = None  # the server's ssl context

    def get_request(self):
        sock, address = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("cert")
    parser.add_argument("key")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--lifetime", type=float, default=60)
    args = parser.parse_args()
    Server.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    Server.context.load_cert_chain(args.cert, args.key)
    server = Server(("127.0.0.1", args.port), fetch_server.Handler)
    print(server.server_address[1], flush=True)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
