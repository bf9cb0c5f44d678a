# SPDX-License-Identifier: MIT
"""The Linux-side peer of tests/windows/tls_schannel.c: TLS echo servers on
127.0.0.1 with Python's ssl module, over the certificates tests/tls/certs.sh
makes.

    python3 tests/windows/tls_peer.py CERTDIR [--lifetime S]

It prints one line, "GOOD EXPIRED TLS12 SILENT BIG PLAIN", the ports of three
servers: one with server.pem (localhost, 127.0.0.1), one with expired.pem,
and one with server.pem that speaks TLS 1.2 at most; of a listener that
accepts and says nothing (a handshake that never ends); of a server
whose certificate is long, 1,500 more names (about 33 KB: its handshake
message spans three records), which it makes in CERTDIR with the openssl
command and the CA there; and of a plain HTTP server, which answers the
client's hello with "HTTP/1.1 400 Bad Request" and keeps the connection
open. Each echoes what it reads until the
client's close_notify, then sends its own (unwrap). A read of exactly
b"CUT\\n" makes it close the socket without close_notify, b"SNI?\\n" tells the
name the client sent (SNI) in a line, "sni NAME" ("sni none"), and b"PAUSE\\n" makes it
read nothing for a second (its receive buffer is small: 64 KiB). It exits after its
lifetime (60 s by default) whatever happens."""
import os
import socket
import ssl
import subprocess
import sys
import threading
import time


def handle(raw, ctx):
    try:
        conn = ctx.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):  # a client that refused the certificate
        raw.close()
        return
    try:
        while True:
            data = conn.recv(65536)
            if not data:  # the client's close_notify
                break
            if data == b"SNI?\n":  # the name the client sent (SNI), or none
                conn.sendall(b"sni %s\n" % (getattr(conn, "sni_name", None) or "none").encode())
                continue
            if data == b"PAUSE\n":  # (the client's writes meet a full socket meanwhile)
                time.sleep(1)
                continue
            if data == b"CUT\n":
                conn.close()  # (no SSL_shutdown: no close_notify)
                return
            conn.sendall(data)
        conn.unwrap()
    except (ssl.SSLError, OSError):
        pass
    finally:
        conn.close()


def make_big(certs):
    names = ",".join("DNS:host%04d.example.org" % i for i in range(1500))
    with open(os.path.join(certs, "big.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1," + names + "\n")
    run = lambda *args: subprocess.run(args, cwd=certs, check=True, capture_output=True)
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", "big.key", "-out", "big.csr", "-subj", "/CN=big")
    run("openssl", "x509", "-req", "-in", "big.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "4242",
        "-out", "big.pem", "-days", "2", "-extfile", "big.ext")


def remember_sni(conn, name, ctx):
    conn.sni_name = name


def hold(listener):
    held = []  # (kept open, never answered)
    while True:
        held.append(listener.accept()[0])


def answer_plain(listener):
    held = []  # (kept open: only the bytes say that this is not TLS)
    while True:
        raw = listener.accept()[0]
        try:
            raw.recv(4096)  # the client's hello
            raw.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n"
                        b"Bad Request")
        except OSError:
            pass
        held.append(raw)


def serve(listener, ctx):
    while True:
        raw, _ = listener.accept()
        threading.Thread(target=handle, args=(raw, ctx), daemon=True).start()


def main():
    certs = sys.argv[1]
    lifetime = float(sys.argv[sys.argv.index("--lifetime") + 1]) if "--lifetime" in sys.argv else 60.0
    threading.Timer(lifetime, os._exit, [0]).start()
    make_big(certs)
    servers = (("server", None), ("expired", None), ("server", ssl.TLSVersion.TLSv1_2), ("big", None))
    ports = []
    for cert, top in servers:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(certs, cert + ".pem"), os.path.join(certs, cert + ".key"))
        if top:
            ctx.maximum_version = top
        ctx.sni_callback = remember_sni
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        ports.append(listener.getsockname()[1])
        threading.Thread(target=serve, args=(listener, ctx), daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    ports.insert(3, silent.getsockname()[1])
    threading.Thread(target=hold, args=(silent,), daemon=True).start()
    plain = socket.socket()
    plain.bind(("127.0.0.1", 0))
    plain.listen(16)
    ports.append(plain.getsockname()[1])
    threading.Thread(target=answer_plain, args=(plain,), daemon=True).start()
    print(" ".join(str(p) for p in ports), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
