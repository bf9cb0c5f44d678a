# SPDX-License-Identifier: MIT
"""bench/io/chat_asyncio.py - the chat server of examples/25_chat_server.py,
alone and silent, for the fan-out rows of `make bench-io`
(bench/io/fanout_run.py): a client's first line is its name; each later line
goes to every other client with a name as "name: line" (writer.write of the
joined bytes, as the example does). The C port is bench/io/chat_aio.c.

    python3 chat_asyncio.py PORT [--uvloop]
"""
import asyncio
import sys

clients = {}  # name -> writer, of those who gave their name


def broadcast(message, sender=None):
    for name, writer in clients.items():
        if name != sender and not writer.is_closing():  # (members leaving at once at the end)
            writer.write(message)


async def handle(reader, writer):
    name = None
    try:
        while True:
            try:
                line = await reader.readline()
            except (ConnectionError, ValueError):
                line = b""
            if not line.endswith(b"\n"):
                break
            if name is None:
                name = line.decode(errors="replace").strip()
                broadcast(f"* {name} joined\n".encode())
                clients[name] = writer
            else:
                broadcast(f"{name}: ".encode() + line, name)
    finally:
        if clients.pop(name, None):
            broadcast(f"* {name} left\n".encode())
        writer.close()


async def main(port):
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.install()
    asyncio.run(main(int(sys.argv[1])))
