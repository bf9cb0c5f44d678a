# SPDX-License-Identifier: MIT
"""Example 25: a chat server: each line a client sends goes to every other client.

The Python original of 25_chat_server.c (not from the tutorials: the chat server of
asyncio's streams, asyncio.start_server, with the tutorials' timeouts):
  - a client's first line is its name; each later line goes to every other client as
    "name: line", and the others are told when a client joins or leaves;
  - writer.write() from any client's task: each writer buffers what it is given and the
    loop sends it in the background (aio_stream_write in the C port);
  - a line may be long (readline()'s limit: 64 KiB): bob sends one of 5,000 bytes;
  - a client silent for 2 s (a timeout block around readline()) is dropped.
Adaptations: the server and three scripted clients (ann, bob and cat) are one program,
on 127.0.0.1 (port 0: a free one); each client keeps what it reads, and the program
prints each one's lines once every client is gone, so that lines that reach several
clients in one instant print in the same order in both versions; loop time on each
line (virtual_asyncio.py).
Run: python3 25_chat_server.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print

IDLE = 2.0
SCRIPT = [(0.1, "ann", "ann"), (0.2, "bob", "bob"), (0.3, "ann", "hello bob"), (0.5, "cat", "cat"),
          (0.7, "bob", "la" * 2500), (1.0, "cat", "bye all"), (1.1, "cat", None)]  # None: leaves
clients = {}  # name -> writer, of those who gave their name


def broadcast(message, sender=None):
    for name, writer in clients.items():
        if name != sender:
            writer.write(message)


async def handle(reader, writer):
    name = None
    try:
        while True:
            try:
                async with asyncio.timeout(IDLE):
                    line = await reader.readline()
            except TimeoutError:
                print(f"server: {name} silent for 2 s: dropped")
                break
            except (ConnectionError, ValueError):  # a reset, a line over the limit
                line = b""
            if not line.endswith(b"\n"):  # the end (a last half line is not sent on)
                print(f"server: {name} left")
                break
            if name is None:
                name = line.decode(errors="replace").strip()
                print(f"server: {name} joined")
                broadcast(f"* {name} joined\n".encode())
                clients[name] = writer
            else:
                print(f"server: {name} sent {len(line)} bytes")
                broadcast(f"{name}: ".encode() + line, name)
    finally:
        if clients.pop(name, None):
            broadcast(f"* {name} left\n".encode())
        writer.close()


async def read_all(reader, log):
    while line := await reader.readline():
        text = line.decode(errors="replace").rstrip("\n")
        log.append(text if len(text) <= 40 else f"{text[:20]}... ({len(text)} bytes)")


async def main():
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    start, writers, logs, listeners = loop.time(), {}, {}, []
    for at, name, text in SCRIPT:
        await asyncio.sleep(start + at - loop.time())
        if name not in writers:
            reader, writers[name] = await asyncio.open_connection("127.0.0.1", port)
            logs[name] = []
            listeners.append(asyncio.create_task(read_all(reader, logs[name])))
        if text is None:
            writers[name].close()
        else:
            writers[name].write(f"{text}\n".encode())
    for (name, log), listener in zip(logs.items(), listeners):
        await listener
        print(f"{name} read: " + ", ".join(log))
    server.close()
    await server.wait_closed()

asyncio.run(main())
