# SPDX-License-Identifier: MIT
"""Example 26: a publish/subscribe broker that drops slow subscribers.

The Python original of 26_pubsub_broker.c (not from the tutorials: asyncio's streams and
start_server, with the tutorials' timeouts):
  - a client's first line is its name; then "SUB topic" subscribes it to a topic, and
    "PUB topic text" sends "topic text" to each subscriber of the topic;
  - the broker never waits for a subscriber: writer.write() keeps what the socket does not
    take; a subscriber whose write buffer goes over its high-water mark (64 KiB) and is not
    back at its low one within 1 s (drain() in a timeout block) is dropped
    (transport.abort());
  - SIGTERM: each client is sent a goodbye, then its connection is closed once that is
    sent (close(), then wait_closed(), within 1 s: then transport.abort()).
Adaptations: the broker and four scripted clients are one program, on 127.0.0.1 (port 0:
a free one); carol reads nothing; dave publishes 16 MB of news at once (more than any
socket's buffers hold) in lines of 60,000 bytes; the script raises SIGTERM at 3 s; each
client counts what it reads, printed once all are gone; loop time on each line
(virtual_asyncio.py).
Run: python3 26_pubsub_broker.py [--virtual]
"""
import asyncio
import signal
from virtual_asyncio import timed_print as print

HIGH, SLOW = 64 * 1024, 1.0
NEWS = "PUB news " + "0" * 60000
SCRIPT = [(0.1, "alice", ["SUB news"]), (0.2, "bob", ["SUB news", "SUB sport"]), (0.3, "carol", ["SUB news"]),
          (0.5, "dave", ["PUB sport goal!"]), (0.6, "dave", [NEWS] * 280)]
topics, clients = {}, {}  # topic -> {name: writer}; name -> writer


async def drop_if_slow(name, writer):
    try:
        async with asyncio.timeout(SLOW):
            await writer.drain()
    except TimeoutError:
        print(f"broker: {name} too slow: dropped")
        writer.transport.abort()


async def handle(reader, writer):
    name = (await reader.readline()).decode().strip()
    clients[name] = writer
    while line := (await reader.readline()).decode():
        verb, topic = line.split()[:2]
        if verb == "SUB":
            topics.setdefault(topic, {})[name] = writer
            print(f"broker: {name} subscribed to {topic}")
        for sub, out in topics.get(topic, {}).items() if verb == "PUB" else ():
            before = out.transport.get_write_buffer_size()
            out.write(line[4:].encode())
            if before <= HIGH < out.transport.get_write_buffer_size():
                asyncio.create_task(drop_if_slow(sub, out))
    for subscribers in topics.values():
        subscribers.pop(name, None)
    clients.pop(name, None)


async def goodbye(writer):  # sent within 1 s, or the connection dropped (as the C port's close)
    writer.write(b"broker closing: goodbye\n")
    writer.close()
    try:
        async with asyncio.timeout(1):
            await writer.wait_closed()
    except TimeoutError:  # (a client that never reads)
        writer.transport.abort()


async def read_all(reader, counts):
    while line := await reader.readline():
        topic = line.decode().split()[0]
        counts[topic] = counts.get(topic, 0) + 1


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    writers, counts, readers = {}, {}, []
    for at, name, lines in SCRIPT:
        await asyncio.sleep(at - loop.time() + loop.aio_start)
        if name not in writers:
            reader, writers[name] = await asyncio.open_connection("127.0.0.1", port)
            writers[name].write(f"{name}\n".encode())
            if name != "carol":  # carol reads nothing
                counts[name] = {}
                readers.append(asyncio.create_task(read_all(reader, counts[name])))
        writers[name].write("".join(f"{line}\n" for line in lines).encode())
    await asyncio.sleep(3 - loop.time() + loop.aio_start)
    signal.raise_signal(signal.SIGTERM)
    await stop.wait()
    print(f"broker: SIGTERM: goodbye to {len(clients)} clients")
    server.close()
    await asyncio.gather(*(goodbye(writer) for writer in clients.values()))
    await asyncio.gather(*readers)
    for name, seen in counts.items():
        print(f"{name} read: " + ", ".join(f"{topic} x{n}" for topic, n in seen.items()))
    writers["carol"].close()
    await server.wait_closed()

asyncio.run(main())
