#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/lines_asyncio.py - the line-protocol server on asyncio's streams,
as its documentation writes one: asyncio.start_server, and per client
`line = await reader.readline()`, `writer.write(line.upper())`,
`await writer.drain()` (each line answered upper-cased, as
examples/17_line_server.py does).

    python3 lines_asyncio.py PORT [HOST] [--uvloop] [--tls CERT KEY] [--processes N]
    python3 lines_asyncio.py --version [--uvloop]

Listens on HOST (127.0.0.1) with a backlog of 1024. The streams' limit is
4096 bytes, the longest line bench/io/lines_aio.c takes (its buffer); a
longer line closes the client. --uvloop runs the same code on uvloop's event
loop (asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())). --tls
serves over TLS (start_server(ssl=ctx), ctx an ssl.SSLContext for a server
with CERT and KEY loaded, as its documentation makes one), the TLS rows of
`make bench-io` (bench/io/tls_load.c). --processes N runs the server in N
processes (forked), each its own loop on the port with
start_server(reuse_port=True): asyncio's way to serve on several cores (the
rows "a server on every core", bench/io/cores_run.py).
Single-threaded (a thread per process); prints nothing but errors.
"""
import asyncio
import os
import platform
import signal
import ssl
import sys

LINE_LIMIT = 4096
BACKLOG = 1024


async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line.endswith(b"\n"):
                break  # the client closed the connection (in the middle of a line, or not)
            writer.write(line.upper())
            await writer.drain()
    except ValueError:
        print("lines_asyncio: a line longer than %d bytes: the client is closed" % LINE_LIMIT, file=sys.stderr)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        pass  # the client went away (over TLS: without its close_notify, say)
    finally:
        writer.close()


async def serve(host, port, ctx=None, reuse_port=None):
    server = await asyncio.start_server(handle, host, port, backlog=BACKLOG, limit=LINE_LIMIT, ssl=ctx,
                                        reuse_port=reuse_port)
    async with server:
        await server.serve_forever()


def main():
    argv = sys.argv[1:]
    ctx = None
    if "--tls" in argv:
        i = argv.index("--tls")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(argv[i + 1], argv[i + 2])
        del argv[i:i + 3]
    processes = 1
    if "--processes" in argv:
        i = argv.index("--processes")
        processes = int(argv[i + 1])
        del argv[i:i + 2]
    args = [a for a in argv if a != "--uvloop"]
    use_uvloop = "--uvloop" in argv
    if use_uvloop:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if args and args[0] == "--version":
        print("Python %s%s" % (platform.python_version(),
                               ", uvloop %s" % uvloop.__version__ if use_uvloop else ""))
        return
    if not args:
        sys.exit("usage: lines_asyncio.py PORT [HOST] [--uvloop] [--tls CERT KEY]")
    host = args[1] if len(args) > 1 else "127.0.0.1"
    children = []
    for _ in range(processes - 1):  # (each child serves; this process is the last of them)
        pid = os.fork()
        if pid == 0:
            children = []
            break
        children.append(pid)
    try:
        asyncio.run(serve(host, int(args[0]), ctx, True if processes > 1 else None))
    except KeyboardInterrupt:
        pass
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
