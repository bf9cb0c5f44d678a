# SPDX-License-Identifier: MIT
"""Example 24: the line server of example 17 over TLS, on asyncio's streams.

The Python original of 24_tls_line_server.c: examples/17_line_server.py with
ssl= given to start_server (the server's certificate and key from the command
line), a handshake timeout of 5 s, and the rest unchanged:
  - each line a client sends is answered upper-cased (reader.readline());
  - a client silent for 2 s (asyncio.wait_for) is told so and dropped; one
    that reads nothing while answered, once its reply has waited 2 s to go
    out (wait_for(drain(), 2)), is dropped at once (transport.abort());
  - a line longer than 1024 bytes (asyncio's limit) is answered with an error,
    and the rest of it skipped;
  - at most MAX clients at once (100; a second argument sets it): the next is
    told so, after its handshake, and refused;
  - writer.close() sends TLS's close_notify (asyncio's shutdown of the session);
  - SIGTERM or Ctrl-C: the server stops accepting, says goodbye to each client,
    gives them 1 s to leave, then closes what is left, and exits with status 0.
It runs on the real clock only (real sockets); examples/17_line_client.py starts
it, drives it over TLS and stops it:
    python3 examples/17_line_client.py --ssl ca.pem \
        python3 examples/tls/24_tls_line_server.py 0 3 server.pem server.key
Run: python3 24_tls_line_server.py PORT MAX CERT KEY    (PORT 0: any free port)
"""
import asyncio
import contextlib
import os
import signal
import ssl
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from virtual_asyncio import timed_print as print  # noqa: E402

LIMIT = 1024  # the longest line, without its newline
clients = 0   # connections so far: client 1, 2, ...
writers = {}  # the clients connected now, in connection order: their writers


async def serve(n, reader, writer):
    skipping = False  # the rest of a line over LIMIT bytes
    while True:
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), 2.0)
        except TimeoutError:
            print(f"client {n} idle for 2 s: dropped")
            writer.write(b"idle for 2 s: goodbye\n")
            return
        except (asyncio.IncompleteReadError, ConnectionError):
            print(f"client {n} left")
            return
        except asyncio.LimitOverrunError as e:  # answered once, the rest skipped
            if not skipping:
                print(f"client {n}: a line over {LIMIT} bytes")
                writer.write(b"error: line too long\n")
            skipping = True
            await reader.readexactly(e.consumed)
            continue
        if skipping:  # the end of the long line
            skipping = False
            continue
        print(f"client {n}: {line[:-1].decode(errors='replace')}")  # (any bytes: the C prints them)
        writer.write(line.upper())
        try:
            await asyncio.wait_for(writer.drain(), 2.0)
        except TimeoutError:  # (a client that reads nothing would hold its place for good)
            print(f"client {n} not reading for 2 s: dropped")
            writer.transport.abort()
            return
        except ConnectionError:
            print(f"client {n} left")
            return


async def handle(reader, writer):
    global clients
    try:
        if len(writers) == MAX:
            print(f"a client refused: {MAX} connected")
            writer.write(b"busy: try again later\n")
            return
        clients += 1
        n = clients
        writers[n] = writer
        print(f"client {n} connected")
        try:
            await serve(n, reader, writer)
        except asyncio.CancelledError:
            print(f"client {n} did not leave within 1 s")
        finally:  # however serve() ended (an error too): its place is free again
            del writers[n]
    finally:  # and its connection closed
        writer.close()
        with contextlib.suppress(ConnectionError):  # (a client that reset)
            await writer.wait_closed()


async def main():
    port = int(sys.argv[1])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server = await asyncio.start_server(handle, "127.0.0.1", port, limit=LIMIT, ssl=context,
                                        ssl_handshake_timeout=5.0)
    print(f"serving on 127.0.0.1 port {server.sockets[0].getsockname()[1]}")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    print("SIGTERM or Ctrl-C: goodbye to each client")
    server.close()
    handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for writer in writers.values():
        if not writer.is_closing():  # (a goodbye written to a connection gone would raise)
            writer.write(b"server closing: goodbye\n")
    if handlers:
        done, pending = await asyncio.wait(handlers, timeout=1.0)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    print("server closed")

if len(sys.argv) != 5:
    sys.exit(f"usage: {sys.argv[0]} PORT MAX CERT KEY (the certificate for localhost, its key)")
MAX = int(sys.argv[2])
sys.stdout.reconfigure(line_buffering=True)
asyncio.run(main())
