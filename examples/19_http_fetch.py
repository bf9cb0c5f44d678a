# SPDX-License-Identifier: MIT
"""Example 19: fetch URLs by host name, with deadlines, retries and a semaphore.

The Python original of 19_http_fetch.c (not from the tutorials: their aiohttp
pattern, a Semaphore around each fetch, a timeout per stage and retries with
backoff, on asyncio's own streams, without aiohttp):
  - seven paths fetched over HTTP/1.1 from "localhost" (a name: it is looked up),
    each by a task of a TaskGroup, at most 3 requests in flight (Semaphore(3));
  - per attempt: connect within 0.5 s, the status line and the headers within
    0.5 s in all (readline()), the Content-Length body within 0.5 s
    (readexactly());
  - a 503 or a timeout is retried after 0.1, 0.2 and 0.4 s (4 attempts at most),
    all within a deadline per URL (5 s; 1 s for /stuck);
  - one line per URL: the status and the body's length, or the error, and the
    number of attempts. No timings: the same lines on every run.
It runs on the real clock only, against examples/19_fetch_server.py (a new one for
each run: it counts the requests for each path):
    python3 examples/19_fetch_server.py        # prints its port, e.g. 40123
    python3 examples/19_http_fetch.py 40123
"""
import asyncio
import sys

URLS = [("/hello", 5), ("/big", 5), ("/flaky", 5), ("/slow-head", 5), ("/slow-body", 5),
        ("/missing", 5), ("/stuck", 1)]  # each path with its deadline in seconds
CONNECT, HEADERS, BODY = 0.5, 0.5, 0.5
BACKOFF = [0.1, 0.2, 0.4]  # before attempts 2, 3 and 4
in_flight = most_in_flight = 0


class Retry(Exception):
    """A timeout: worth another attempt (as a 503 is)."""


async def get(port, path):
    """One attempt: (status, body)."""
    try:
        async with asyncio.timeout(CONNECT):
            reader, writer = await asyncio.open_connection("localhost", port)
    except TimeoutError:
        raise Retry("connect timed out")
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        await asyncio.wait_for(writer.drain(), 1)
        length = 0
        try:
            async with asyncio.timeout(HEADERS):  # the status line and the headers
                status = int((await reader.readline()).split()[1])
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
        except TimeoutError:
            raise Retry("headers timed out")
        try:
            body = await asyncio.wait_for(reader.readexactly(length), BODY)
        except TimeoutError:
            raise Retry("body timed out")
        return status, body
    finally:
        writer.close()


async def fetch(sem, port, path, deadline):
    """Attempts until one is neither a 503 nor a timeout: (what came, attempts)."""
    global in_flight, most_in_flight
    attempts = 0
    async with sem:
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        try:
            async with asyncio.timeout(deadline):
                while True:
                    attempts += 1
                    try:
                        status, body = await get(port, path)
                        what = f"{status}, {len(body)} bytes"
                        if status != 503 or attempts == len(BACKOFF) + 1:
                            return what, attempts
                    except Retry as e:
                        if attempts == len(BACKOFF) + 1:
                            return str(e), attempts
                    await asyncio.sleep(BACKOFF[attempts - 1])
        except TimeoutError:
            return f"no answer within {deadline} s", attempts
        except (OSError, EOFError, ValueError, IndexError) as e:
            return f"failed: {e!r}", attempts
        finally:
            in_flight -= 1


async def main(port):
    sem = asyncio.Semaphore(3)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(sem, port, path, deadline)) for path, deadline in URLS]
    for (path, _), task in zip(URLS, tasks):
        what, attempts = task.result()
        print(f"{path:11} {what} ({attempts} attempt{'s' if attempts > 1 else ''})")
    print(f"at most {most_in_flight} requests in flight")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} PORT   (start python3 examples/19_fetch_server.py "
                 "first: it prints its port)")
    asyncio.run(main(int(sys.argv[1])))
