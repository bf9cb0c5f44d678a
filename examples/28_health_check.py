# SPDX-License-Identifier: MIT
"""Example 28: a health checker: many targets, a few at a time, results as they come.

The Python original of 28_health_check.c (not from the tutorials: their timeouts, a
semaphore and as_completed, on asyncio's streams):
  - twelve targets, each asked "check N" over a TCP connection of its own and expected to
    answer a line ("OK", or "ERROR");
  - at most four checks at once (an asyncio.Semaphore);
  - a second for the connect and a second for the answer (asyncio.timeout blocks);
  - the results printed as they complete (asyncio.as_completed), within 1.6 s for the
    whole round; the checks still running then are cancelled and reported as unknown.
Adaptations: the targets are one server of the program's on 127.0.0.1 (port 0: a free
one), which answers each as TARGETS says (None: never); loop time on each line
(virtual_asyncio.py).
Run: python3 28_health_check.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print

TARGETS = [("OK", 0.2), ("OK", 0.5), (None, 0), ("ERROR", 0.3), ("OK", 0.15), ("OK", 1.5),
           ("OK", 0.45), (None, 0), ("OK", 0.65), ("ERROR", 0.25), ("OK", 0.6), ("OK", 0.35)]
AT_ONCE = 4     # checks at once, at most
TIMEOUT = 1.0   # for the connect, then for the answer
ROUND = 1.6     # for the whole round
handlers = set()  # the target server's, to await at the end


async def target(reader, writer):  # every target: one server, its answer as TARGETS says
    handlers.add(asyncio.current_task())
    n = int((await reader.readline()).split()[1])
    answer, after = TARGETS[n]
    try:  # (the checker may leave first: its close ends the read)
        await asyncio.wait_for(reader.read(), after if answer else None)
    except TimeoutError:
        writer.write(f"{answer}\n".encode())
        await reader.read()
    writer.close()


async def check(n, port, slots):
    async with slots:
        start = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(TIMEOUT):
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except (TimeoutError, OSError):
            return n, "no connection"
        try:
            writer.write(f"check {n}\n".encode())
            async with asyncio.timeout(TIMEOUT):
                answer = (await reader.readline()).decode().strip()
            return n, f"{answer} in {asyncio.get_running_loop().time() - start:.2f} s"
        except TimeoutError:
            return n, "no answer within 1 s"
        finally:
            writer.close()


async def main():
    server = await asyncio.start_server(target, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    slots = asyncio.Semaphore(AT_ONCE)
    tasks = [asyncio.create_task(check(n, port, slots)) for n in range(len(TARGETS))]
    results = {}
    try:
        for next_done in asyncio.as_completed(tasks, timeout=ROUND):
            n, results[n] = await next_done
            print(f"target {n}: {results[n]}")
    except TimeoutError:
        print(f"the round's {ROUND} s are up")
    for n, task in enumerate(tasks):
        if n not in results:
            task.cancel()
            print(f"target {n}: unknown (still checking)")
    await asyncio.gather(*tasks, return_exceptions=True)
    ok = sum(result.startswith("OK") for result in results.values())
    print(f"{len(TARGETS)} targets: {ok} ok, {len(results) - ok} failing, {len(TARGETS) - len(results)} unknown")
    server.close()
    await asyncio.gather(*handlers)


asyncio.run(main())
