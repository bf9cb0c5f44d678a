# SPDX-License-Identifier: MIT
"""Example 21: requests and replies on one connection, a timeout and retries for each.

The Python original of 21_request_reply.c (not from the tutorials: the tutorials' timeout
per attempt and retries, on asyncio's streams, asyncio.start_server and open_connection):
  - a client asks a server five questions on one TCP connection, a line each: a request
    id and the question ("3 square 30"); the server answers each line 50 ms later with
    the id and the answer ("3 900");
  - the client waits 0.5 s for each reply (readline() in an asyncio.timeout block), then
    sends the request again on the same connection, 3 times at most;
  - the server loses the first copy of request 3: every run shows a retry.
The bug: a reply that misses its deadline is still on its way. The retry takes it as its
answer, and the retry's own reply waits in the stream, where the next request reads it as
its own. On 127.0.0.1 no reply is 0.5 s late, and both versions print the same. --fixed
matches each reply to its request by id and discards stale ones (the lines marked "the fix").
Adaptations: the server and the client are one program, on 127.0.0.1 (port 0: a free
one); loop time on each line (virtual_asyncio.py). The C port's --sim, which runs both in
a simulation that finds the bug, has no counterpart here: asyncio has no simulation.
Run: python3 21_request_reply.py [--fixed] [--virtual]
"""
import asyncio
import sys
from virtual_asyncio import timed_print as print

NUMBERS = (12, 7, 30, 5, 11)
LOST = 3  # the request whose first copy the server loses
ATTEMPTS = 3
FIXED = "--fixed" in sys.argv[1:]


async def serve(reader, writer, lost=[]):
    while line := (await reader.readline()).decode():
        rid, _, x = line.split()
        if int(rid) == LOST and not lost:
            lost.append(rid)
            print(f"server: lost request '{line.strip()}'")
            continue
        await asyncio.sleep(0.05)
        writer.write(f"{rid} {int(x) ** 2}\n".encode())
        await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for rid, x in enumerate(NUMBERS, 1):
        for attempt in range(1, ATTEMPTS + 1):
            writer.write(f"{rid} square {x}\n".encode())
            await writer.drain()
            try:
                async with asyncio.timeout(0.5):  # the deadline of this attempt's reads
                    line = await reader.readline()
                    while FIXED and line and int(line.split()[0]) != rid:
                        print(f"client: discarded the stale reply '{line.decode().strip()}'")  # the fix
                        line = await reader.readline()  # the fix
                break
            except TimeoutError:
                line = b""
                print(f"client: no reply to #{rid} within 0.5 s")
        if not line:  # no attempt left, or the server left
            print(f"client: #{rid}: no answer")
            continue
        answer = int(line.split()[1])
        print(f"client: #{rid} square {x} = {answer} (attempt {attempt})" + ("" if answer == x * x else ": WRONG"))
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()

asyncio.run(main())
