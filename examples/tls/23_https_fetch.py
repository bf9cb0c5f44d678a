# SPDX-License-Identifier: MIT
"""Example 23: fetch URLs over HTTPS by host name, with deadlines, retries and a semaphore.

The Python original of 23_https_fetch.c: examples/19_http_fetch.py over TLS
(asyncio.open_connection with ssl=), with aiohttp's ClientTimeout shape:
  - seven paths fetched over HTTPS from "localhost" (a name: it is looked up),
    each by a task of a TaskGroup, at most 3 requests in flight (Semaphore(3));
    the server's certificate is verified against the CA given, and its name;
  - per attempt: connect within 0.5 s and the TLS handshake within 0.5 s
    (ssl_handshake_timeout: open_connection does both, so its timeout block
    is of 1 s and the handshake's own deadline says which one ran out), each
    read within 0.5 s (aiohttp's sock_read: readline(), then readexactly()
    for the Content-Length body);
  - a 503 or a timeout is retried after 0.1, 0.2 and 0.4 s (4 attempts at most),
    all within a deadline per URL (5 s; 1 s for /stuck: aiohttp's total);
  - one line per URL: the status and the body's length, or the error, and the
    number of attempts. No timings: the same lines on every run.
It runs on the real clock only, against examples/tls/23_https_server.py (a new one
for each run: it counts the requests for each path) and the certificate for
localhost, its key and the CA that signed it (tests/checks/tls.sh makes them):
    python3 examples/tls/23_https_server.py server.pem server.key   # prints its port
    python3 examples/tls/23_https_fetch.py 40123 ca.pem
"""
import asyncio
import ssl
import sys

URLS = [("/hello", 5), ("/big", 5), ("/flaky", 5), ("/slow-head", 5), ("/slow-body", 5),
        ("/missing", 5), ("/stuck", 1)]  # each path with its deadline in seconds
CONNECT, HANDSHAKE, READ = 0.5, 0.5, 0.5
BACKOFF = [0.1, 0.2, 0.4]  # before attempts 2, 3 and 4
in_flight = most_in_flight = 0


class Retry(Exception):
    """A timeout: worth another attempt (as a 503 is)."""


async def get(port, context, path):
    """One attempt: (status, body)."""
    try:
        async with asyncio.timeout(CONNECT + HANDSHAKE):
            reader, writer = await asyncio.open_connection("localhost", port, ssl=context,
                                                           ssl_handshake_timeout=HANDSHAKE)
    except TimeoutError:
        raise Retry("connect timed out")
    except ConnectionAbortedError:  # (the handshake's deadline)
        raise Retry("handshake timed out")
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        await asyncio.wait_for(writer.drain(), 1)
        length = 0
        try:  # the status line and the headers, each within READ
            status = int((await asyncio.wait_for(reader.readline(), READ)).split()[1])
            while (line := await asyncio.wait_for(reader.readline(), READ)) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
        except TimeoutError:
            raise Retry("headers timed out")
        try:
            body = await asyncio.wait_for(reader.readexactly(length), READ)
        except TimeoutError:
            raise Retry("body timed out")
        return status, body
    finally:
        writer.close()


async def fetch(sem, port, context, path, deadline):
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
                        status, body = await get(port, context, path)
                        what = f"{status}, {len(body)} bytes"
                        if status != 503 or attempts == len(BACKOFF) + 1:
                            return what, attempts
                    except Retry as e:
                        if attempts == len(BACKOFF) + 1:
                            return str(e), attempts
                    await asyncio.sleep(BACKOFF[attempts - 1])
        except TimeoutError:
            return f"no answer within {deadline} s", attempts
        except ssl.SSLCertVerificationError as e:
            return f"certificate verify failed: {e.verify_message}", attempts
        except (OSError, EOFError, ValueError, IndexError) as e:
            return f"failed: {e!r}", attempts
        finally:
            in_flight -= 1


async def main(port, cafile):
    context = ssl.create_default_context(cafile=cafile)  # the CA's certificates, the name checked
    sem = asyncio.Semaphore(3)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(sem, port, context, path, deadline)) for path, deadline in URLS]
    for (path, _), task in zip(URLS, tasks):
        what, attempts = task.result()
        print(f"{path:11} {what} ({attempts} attempt{'s' if attempts > 1 else ''})")
    print(f"at most {most_in_flight} requests in flight")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} PORT CAFILE   (start python3 examples/tls/23_https_server.py "
                 "CERT KEY first: it prints its port)")
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
