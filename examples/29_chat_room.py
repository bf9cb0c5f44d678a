# SPDX-License-Identifier: MIT
"""Example 29: a chat room, written the way a newcomer to asyncio writes one.

The Python original of 29_chat_room.c (not from the tutorials: a chat server on
asyncio.start_server, as its streams documentation shows one):
  - a member's first line is its name; each later line goes to every other member as
    "name: line", written from the sender's task (writer.write: never waiting);
  - a member who reads nothing is dropped once more than 1 MiB waits to be sent to it
    (writer.transport.get_write_buffer_size(), writer.transport.abort());
  - SIGTERM cancels the main task (loop.add_signal_handler(SIGTERM, task.cancel)), which
    sends every member a goodbye and closes each connection once everything it was
    sent is sent (writer.close(), await writer.wait_closed()).
Adaptations: three scripted members (ann, bob and cat) in the same program, on
127.0.0.1 (port 0: a free one): ann says hello, bob sends 256 lines of 60,000 bytes,
cat reads nothing; the script raises SIGTERM at 3 s and prints what ann and bob read;
loop time on each line (virtual_asyncio.py).
Run: python3 29_chat_room.py [--virtual]
"""
import asyncio
import signal
from virtual_asyncio import timed_print as print

LIMIT = 1 << 20  # bytes a member may have waiting for it; more: too slow, dropped
NAMES = ("ann", "bob", "cat")
FLOOD = b"la" * 30000 + b"\n"
members = {}  # name -> writer


def send_to_others(sender, line):
    for name, writer in list(members.items()):
        if name == sender:
            continue
        writer.write(f"{sender}: ".encode() + line)
        if writer.transport.get_write_buffer_size() > LIMIT:
            print(f"server: {name} is too slow: dropped")
            del members[name]
            writer.transport.abort()


async def handle(reader, writer):
    name = (await reader.readline()).decode().strip()
    print(f"server: {name} joined")
    members[name] = writer
    while line := await reader.readline():
        send_to_others(name, line)
    members.pop(name, None)
    writer.close()


async def read_all(reader):
    lines, last = 0, ""
    while line := await reader.readline():
        lines, last = lines + 1, line.decode().strip()[:31]
    return lines, last


async def members_script(port):
    loop = asyncio.get_running_loop()
    start, writers, readers = loop.time(), [], []
    for i, name in enumerate(NAMES):
        await asyncio.sleep(start + 0.1 * (i + 1) - loop.time())
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"{name}\n".encode())
        writers.append(writer)
        if name != "cat":  # cat reads nothing
            readers.append(asyncio.create_task(read_all(reader)))
    await asyncio.sleep(start + 0.5 - loop.time())
    writers[0].write(b"hello all\n")
    await asyncio.sleep(start + 0.7 - loop.time())
    for _ in range(256):
        writers[1].write(FLOOD)
        await writers[1].drain()
    await asyncio.sleep(start + 3 - loop.time())
    signal.raise_signal(signal.SIGTERM)
    for name, reader in zip(NAMES, readers):
        lines, last = await reader
        print(f"{name} read {lines} lines, the last '{last}'")
    for writer in writers:
        writer.close()


async def main():
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    script = asyncio.create_task(members_script(server.sockets[0].getsockname()[1]))
    try:
        await asyncio.Future()  # serve until SIGTERM cancels this task
    except asyncio.CancelledError:
        print(f"server: SIGTERM: goodbye to {len(members)} members")
        for writer in members.values():
            writer.write(b"server closing: goodbye\n")
            writer.close()
        for writer in list(members.values()):
            await writer.wait_closed()
        server.close()
        await script

asyncio.run(main())
