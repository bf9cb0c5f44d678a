#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/echo_asyncio.py - the echo server on asyncio's streams, as its
documentation writes one: asyncio.start_server, and per client
`data = await reader.read(4096)`, `writer.write(data)`, `await writer.drain()`
(4096: the read size of every server of the benchmark).

    python3 echo_asyncio.py PORT [HOST] [--uvloop]
    python3 echo_asyncio.py --version [--uvloop]

Listens on HOST (127.0.0.1) with a backlog of 1024. --uvloop runs the same
code on uvloop's event loop (asyncio.set_event_loop_policy(
uvloop.EventLoopPolicy())). Single-threaded; prints nothing but errors.
"""
import asyncio
import platform
import sys

READ_SIZE = 4096
BACKLOG = 1024


async def handle(reader, writer):
    try:
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass  # the client went away
    finally:
        writer.close()


async def serve(host, port):
    server = await asyncio.start_server(handle, host, port, backlog=BACKLOG)
    async with server:
        await server.serve_forever()


def main():
    args = [a for a in sys.argv[1:] if a != "--uvloop"]
    use_uvloop = "--uvloop" in sys.argv[1:]
    if use_uvloop:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if args and args[0] == "--version":
        print("Python %s%s" % (platform.python_version(),
                               ", uvloop %s" % uvloop.__version__ if use_uvloop else ""))
        return
    if not args:
        sys.exit("usage: echo_asyncio.py PORT [HOST] [--uvloop]")
    host = args[1] if len(args) > 1 else "127.0.0.1"
    try:
        asyncio.run(serve(host, int(args[0])))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
