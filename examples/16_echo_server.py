# SPDX-License-Identifier: MIT
"""Example 16: a TCP echo server, one task per client, idle clients dropped, SIGTERM.

The Python original of 16_echo_server.c (not from the tutorials: the echo server of
asyncio's streams documentation, asyncio.start_server, with the tutorials' timeouts):
  - each client is served by its own task, which echoes what it reads; a read that
    waits more than 2 s (asyncio.wait_for) drops the idle client, and so does an
    echo that waits 2 s to go out (a client that reads nothing: transport.abort());
  - loop.add_signal_handler(SIGTERM, and SIGINT: Ctrl-C) sets an event; the server then cancels every
    connection, each closes its socket in `finally` and says so, the listening socket
    is closed, and the program exits with status 0.
Adaptations: the port comes from the command line (0: any free one) and is printed;
the loop time on each line; stdout is line-buffered (the tests read it through a
pipe); the connection tasks are kept in connection order (asyncio's Server does not
cancel its handlers), so that SIGTERM cancels them in the order the C port does; a
handler cancelled by SIGTERM returns instead of raising (CPython 3.11.7 and older log
a cancelled handler as an error, gh-113538).
It runs on the real clock only (real sockets); examples/16_echo_client.py starts it,
drives it with five clients and sends it SIGTERM:
    python3 examples/16_echo_client.py python3 examples/16_echo_server.py 0
Run: python3 16_echo_server.py [PORT]     (default 8888; 0: any free port)
"""
import asyncio
import signal
import sys
from virtual_asyncio import timed_print as print

clients = 0       # connections so far: client 1, 2, ...
connections = {}  # the tasks serving them, in connection order


async def handle(reader, writer):
    global clients
    clients += 1
    n = clients
    connections[asyncio.current_task()] = n
    print(f"client {n} connected")
    try:
        while True:
            try:
                data = await asyncio.wait_for(reader.read(1024), 2.0)
            except TimeoutError:
                print(f"client {n} idle for 2 s: dropped")
                break
            if not data:
                print(f"client {n} left")
                break
            print(f"client {n}: {data.decode()}")
            writer.write(data)
            try:
                await asyncio.wait_for(writer.drain(), 2.0)
            except TimeoutError:  # (a client that reads nothing)
                print(f"client {n} not reading for 2 s: dropped")
                writer.transport.abort()
                break
    except asyncio.CancelledError:
        pass  # SIGTERM: end normally (CPython 3.11.7 and older log a cancelled handler)
    finally:
        writer.close()
        await writer.wait_closed()
        print(f"client {n} closed")
        del connections[asyncio.current_task()]


async def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8888
    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(f"serving on 127.0.0.1 port {server.sockets[0].getsockname()[1]}")
    sigterm = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, sigterm.set)
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, sigterm.set)
    async with server:  # at its end: stop listening, close the listening socket
        await sigterm.wait()
        print("SIGTERM or Ctrl-C: closing the server")
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
    print("server closed")

sys.stdout.reconfigure(line_buffering=True)
asyncio.run(main())
