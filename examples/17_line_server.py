# SPDX-License-Identifier: MIT
"""Example 17: a line-protocol server on asyncio's streams.

The Python original of 17_line_server.c (not from the tutorials: the line server
every protocol starts as, with the tutorials' timeouts):
  - each line a client sends is answered upper-cased (reader.readline());
  - a client silent for 2 s (asyncio.wait_for) is told so and dropped; one
    that reads nothing while answered, once its reply has waited 2 s to go
    out (wait_for(drain(), 2)), is dropped at once (transport.abort());
  - a line longer than 1024 bytes (asyncio's limit) is answered with an error,
    and the rest of it skipped;
  - at most MAX clients at once (100; a second argument sets it): the next is
    told so and refused;
  - SIGTERM or Ctrl-C: the server stops accepting, says goodbye to each client,
    gives them 1 s to leave, then closes what is left, and exits with status 0.
It runs on the real clock only (real sockets); examples/17_line_client.py starts
it, drives it and stops it:
    python3 examples/17_line_client.py python3 examples/17_line_server.py 0 3
Run: python3 17_line_server.py [PORT [MAX]]     (PORT 0: any free port)
"""
import asyncio
import contextlib
import signal
import sys
from virtual_asyncio import timed_print as print

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
    finally:  # and its connection closed: what it holds sent within 1 s, else dropped
        writer.close()
        with contextlib.suppress(ConnectionError):  # (a client that reset)
            try:
                async with asyncio.timeout(1):
                    await writer.wait_closed()
            except TimeoutError:  # (a client that never reads)
                writer.transport.abort()


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
    server = await asyncio.start_server(handle, "127.0.0.1", port, limit=LIMIT)
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

MAX = int(sys.argv[2]) if len(sys.argv) > 2 else 100
sys.stdout.reconfigure(line_buffering=True)
asyncio.run(main())
