#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/threads_asyncio.py - what a call on a worker thread and a name
lookup cost with asyncio, measured as bench/io/threads_aio.c measures ours:

- to_thread: one task awaits `asyncio.to_thread(bump, v)` (the loop's default
  executor) of a function that returns v + 1 at once, n times in sequence,
  each round trip timed alone (time.perf_counter_ns before the await and
  after it); `warmup` calls first, untimed, so that the executor's thread
  exists;
- in flight: k tasks, each doing m such calls one after another, all at once
  (asyncio.gather); calls/s = k * m / the time until the last one ends; a
  first batch (m / 10 calls each) is not timed, so that the executor's
  threads exist before the timed one;
- lookup: `await loop.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)`
  `lookups` times in sequence, each timed alone, after 10 untimed (the
  stream sockets' addresses, as AIO_LOOKUP asks getaddrinfo for, and as
  loop.create_connection asks); and of "127.0.0.1", which asyncio also sends
  to the executor.

    python3 threads_asyncio.py [n=N] [k=K] [m=M] [lookups=L] [warmup=W] [--uvloop]
    python3 threads_asyncio.py --version [--uvloop]

--uvloop runs the same code on uvloop's event loop
(asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())): its to_thread
uses a concurrent.futures executor too, its getaddrinfo libuv's thread pool.
Prints one JSON object on stdout; a wrong result ends the program with a
message on stderr and exit status 1.
"""
import asyncio
import json
import platform
import socket
import sys
import time

ARGS = {"n": 20000, "k": 8, "m": 5000, "lookups": 2000, "warmup": 1000}


def bump(v):
    return v + 1


def summary(ns, extra=None):
    ns = sorted(ns)
    n = len(ns)
    us = lambda v: round(v / 1e3, 3)  # noqa: E731
    out = {"n": n, "mean_us": us(sum(ns) / n), "median_us": us(ns[n // 2]), "p99_us": us(ns[n * 99 // 100]),
           "min_us": us(ns[0]), "max_us": us(ns[-1])}
    out.update(extra or {})
    return out


def check(ok, what):
    if not ok:
        sys.exit("threads_asyncio: " + what)


async def flier(calls):
    v = 0
    for _ in range(calls):
        r = await asyncio.to_thread(bump, v)
        check(r == v + 1, "asyncio.to_thread (in flight): a wrong result")
        v = r


async def lookups(loop, host, count):
    times, addrs = [], 0
    clock = time.perf_counter_ns
    for _ in range(count):
        t0 = clock()
        infos = await loop.getaddrinfo(host, 80, type=socket.SOCK_STREAM)
        times.append(clock() - t0)
        check(infos and infos[0][4][1] == 80, "getaddrinfo(%r): no address with port 80" % host)
        addrs = len(infos)
    return times, addrs


async def bench(a):
    loop = asyncio.get_running_loop()
    clock = time.perf_counter_ns
    out = {}
    # to_thread, one call at a time
    times = []
    v = 0
    for i in range(a["warmup"] + a["n"]):
        t0 = clock()
        r = await asyncio.to_thread(bump, v)
        t1 = clock()
        check(r == v + 1, "asyncio.to_thread: a wrong result")
        v = r
        if i >= a["warmup"]:
            times.append(t1 - t0)
    out["to_thread"] = summary(times)
    # k calls in flight: a first batch untimed, then the timed one
    for calls in ((a["m"] + 9) // 10, a["m"]):
        t0 = clock()
        await asyncio.gather(*(flier(calls) for _ in range(a["k"])))
        seconds = (clock() - t0) / 1e9
    out["to_thread_in_flight"] = {"k": a["k"], "calls_each": a["m"], "seconds": round(seconds, 6),
                                  "calls_per_s": round(a["k"] * a["m"] / seconds, 1)}
    # lookups
    await lookups(loop, "localhost", 10)
    times, addrs = await lookups(loop, "localhost", a["lookups"])
    out["lookup_localhost"] = summary(times, {"addresses": addrs})
    times, addrs = await lookups(loop, "127.0.0.1", a["lookups"])
    out["lookup_numeric"] = summary(times, {"addresses": addrs})
    executor = getattr(loop, "_default_executor", None)  # (what to_thread used; private, so looked up gently)
    out["executor_threads"] = len(getattr(executor, "_threads", ())) if executor else None
    out["executor_max_workers"] = getattr(executor, "_max_workers", None) if executor else None
    return out


def main():
    use_uvloop = "--uvloop" in sys.argv[1:]
    args = [x for x in sys.argv[1:] if x != "--uvloop"]
    if use_uvloop:
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    if args and args[0] == "--version":
        print("Python %s%s" % (platform.python_version(), ", uvloop %s" % uvloop.__version__ if use_uvloop else ""))
        return
    a = dict(ARGS)
    for arg in args:
        key, eq, value = arg.partition("=")
        if not eq or key not in a or not value.isdigit() or int(value) < 1:
            sys.exit("usage: threads_asyncio.py [n=N] [k=K] [m=M] [lookups=L] [warmup=W] [--uvloop]")
        a[key] = int(value)
    out = {"impl": "uvloop" if use_uvloop else "asyncio"}
    out.update(asyncio.run(bench(a)))
    out["ok"] = True
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
