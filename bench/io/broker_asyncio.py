# SPDX-License-Identifier: MIT
"""bench/io/broker_asyncio.py - the broker of examples/26_pubsub_broker.py,
alone and silent, for the fan-out rows of `make bench-io`
(bench/io/fanout_run.py): a client's first line is its name; then "SUB topic"
subscribes it to a topic, and "PUB topic text" sends "topic text" to each
subscriber of it (writer.write; a subscriber over its high-water mark and not
back at its low one within 1 s is dropped). The C port is bench/io/broker_aio.c.

    python3 broker_asyncio.py PORT [--uvloop]
"""
import asyncio
import sys

HIGH, SLOW = 64 * 1024, 1.0
topics, clients = {}, {}  # topic -> {name: writer}; name -> writer


async def drop_if_slow(name, writer):
    try:
        async with asyncio.timeout(SLOW):
            await writer.drain()
    except TimeoutError:
        writer.transport.abort()


async def handle(reader, writer):
    name = (await reader.readline()).decode().strip()
    clients[name] = writer
    try:
        while line := (await reader.readline()).decode():
            verb, topic = line.split()[:2]
            if verb == "SUB":
                topics.setdefault(topic, {})[name] = writer
            for sub, out in topics.get(topic, {}).items() if verb == "PUB" else ():
                before = out.transport.get_write_buffer_size()
                out.write(line[4:].encode())
                if before <= HIGH < out.transport.get_write_buffer_size():
                    asyncio.create_task(drop_if_slow(sub, out))
    except ConnectionError:
        pass
    finally:
        for subscribers in topics.values():
            subscribers.pop(name, None)
        clients.pop(name, None)
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
