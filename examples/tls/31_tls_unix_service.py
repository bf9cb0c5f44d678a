# SPDX-License-Identifier: MIT
"""Example 31: a line service over TLS on a Unix socket, both ends.

The Python original of 31_tls_unix_service.c (not from the tutorials: asyncio's
start_unix_server and open_unix_connection with ssl=):
  - the service: asyncio.start_unix_server(ssl=, ssl_handshake_timeout=1), each line
    answered upper-cased, "bye" answered "goodbye" and the connection closed;
  - ann, a TLS client (open_unix_connection(ssl=, server_hostname="localhost"): the
    server's certificate and its name verified against the CA), says three lines;
  - a client that speaks plain text, and one that says nothing: the server's
    handshake fails at once for the first, after its 1 s for the second, and the
    service closes each without calling its handler.
Adaptations: the service and its clients in one program, on the socket file
31_tls_unix_service.sock in the current directory (removed before and after);
loop time on each line (virtual_asyncio.py). The certificate for localhost, its key
and the CA that signed it are made by tests/checks/tls.sh at run time.
Run: python3 31_tls_unix_service.py CERT KEY CAFILE [--virtual]
"""
import asyncio
import contextlib
import os
import ssl
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from virtual_asyncio import timed_print as print  # noqa: E402

PATH = "31_tls_unix_service.sock"


async def handle(reader, writer):
    while line := await reader.readline():
        answer = b"goodbye\n" if line == b"bye\n" else line.upper()
        writer.write(answer)
        if answer == b"goodbye\n":
            break
    writer.close()


async def ann(context):
    reader, writer = await asyncio.open_unix_connection(PATH, ssl=context, server_hostname="localhost")
    for line in ("hello", "tls on a unix socket", "bye"):
        writer.write(f"{line}\n".encode())
        print(f"ann: sent '{line}', read '{(await reader.readline()).decode().strip()}'")
    if await reader.read() == b"":
        print("ann: the service ended the session")
    writer.close()


async def stranger(name, says):
    reader, writer = await asyncio.open_unix_connection(PATH)
    writer.write(says)
    with contextlib.suppress(ConnectionError):
        await reader.read()
    print(f"{name}: the service closed the connection")
    writer.close()


async def main():
    cert, key, ca = sys.argv[1:4]
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    client_side = ssl.create_default_context(cafile=ca)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(PATH)
    server = await asyncio.start_unix_server(handle, PATH, ssl=server_side, ssl_handshake_timeout=1)
    await ann(client_side)
    await asyncio.sleep(0.1)
    await stranger("a plain-text client", b"hello\n")
    await asyncio.sleep(0.1)
    await stranger("a silent client", b"")
    server.close()
    await server.wait_closed()
    with contextlib.suppress(FileNotFoundError):  # (3.13 removes it itself)
        os.unlink(PATH)
    print("service: closed")

asyncio.run(main())
