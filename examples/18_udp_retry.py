# SPDX-License-Identifier: MIT
"""Example 18: a UDP request with retries and exponential backoff, under an overall deadline.

The Python original of 18_udp_retry.c (not from the tutorials: the tutorials' retry with
exponential backoff, on asyncio's datagram sockets, loop.sock_sendto and loop.sock_recvfrom):
  - a client asks a server on 127.0.0.1 three questions, one datagram each; UDP may lose
    any datagram, so it waits for each answer 0.1 s, then sends again and waits twice as
    long (0.2 s, 0.4 s, 0.8 s);
  - each question has one overall deadline of 1 s for all its attempts;
  - the server drops datagrams by a fixed rule, so that every run is the same: it drops
    the first DROPS[question] copies of each question (none of alpha, two of bravo,
    all of charlie) and answers the next.
Adaptations: the server is a task of the same program; the datagrams are real ones, on
127.0.0.1; loop time on each line (virtual_asyncio.py's virtual time looks at the sockets
without waiting, so the run is as exact as the others).
Run: python3 18_udp_retry.py [--virtual]
"""
import asyncio
import socket
from virtual_asyncio import timed_print as print

DROPS = {"alpha": 0, "bravo": 2, "charlie": 9}  # copies of each question the server drops
BACKOFF = (0.1, 0.2, 0.4, 0.8)                  # how long each attempt waits for the answer


def udp_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


async def server(sock):
    loop = asyncio.get_running_loop()
    copies = {}
    while True:
        data, sender = await loop.sock_recvfrom(sock, 512)
        name = data.decode()
        copies[name] = copies.get(name, 0) + 1
        if copies[name] <= DROPS[name]:
            print(f"server: dropped {name} (copy {copies[name]})")
            continue
        print(f"server: answering {name} (copy {copies[name]})")
        await loop.sock_sendto(sock, f"{name} is ok".encode(), sender)


async def ask(sock, server_address, name):
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(1.0):
            for attempt, wait in enumerate(BACKOFF, 1):
                await loop.sock_sendto(sock, name.encode(), server_address)
                try:
                    answer, _ = await asyncio.wait_for(loop.sock_recvfrom(sock, 512), wait)
                except TimeoutError:
                    print(f"client: no answer to {name} within {wait:.1f} s")
                    continue
                print(f"client: '{answer.decode()}' after {attempt} attempt(s)")
                return
            print(f"client: {name}: no attempt left")
    except TimeoutError:
        print(f"client: {name}: gave up at the deadline of 1 s")


async def main():
    server_sock, client_sock = udp_socket(), udp_socket()
    serving = asyncio.create_task(server(server_sock))
    for name in DROPS:
        await ask(client_sock, server_sock.getsockname(), name)
    serving.cancel()
    await asyncio.gather(serving, return_exceptions=True)
    server_sock.close()
    client_sock.close()

asyncio.run(main())
