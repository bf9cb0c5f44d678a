#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/asyncio_peer.py - the asyncio peer: the same operations as aio_bench on
a standard asyncio event loop (asyncio.run, the real monotonic clock), printed in
the same format.

    python3 bench/asyncio_peer.py resume   [n=] [reps=]
    python3 bench/asyncio_peer.py spawn    [n=] [reps=]
    python3 bench/asyncio_peer.py deadline [pending=] [n=] [reps=]
    python3 bench/asyncio_peer.py fires    [due=] [reps=]
    python3 bench/asyncio_peer.py cancel   [n=] [reps=]
    python3 bench/asyncio_peer.py queue    [n=] [reps=]
    python3 bench/asyncio_peer.py bytes    [tasks=]
"""
import asyncio
import statistics
import sys
import time
import tracemalloc

IMPL = "asyncio"
ARGS = dict(a.split("=", 1) for a in sys.argv[2:])


def arg(key, default):
    return int(float(ARGS.get(key, default)))


# clock=virtual selects nothing here (asyncio has only the real clock);
# variant=await|wait_for|timeout runs one deadline variant alone (hyperfine)
ONLY = ARGS.get("variant")


def report(figure, case, values, n, note=""):
    med = statistics.median(values)
    print("%-10s %-28s %-6s %10.2f ns/op   median of %d x %d (min %.2f, max %.2f)%s" % (
        figure, case, IMPL, med, len(values), n, min(values), max(values), "; " + note if note else ""),
        flush=True)


def value(figure, case, v, unit, note):
    print("%-10s %-28s %-6s %10.2f %s   %s" % (figure, case, IMPL, v, unit, note), flush=True)


class Rng:
    """The same pseudo-random sequence as bench/common.h."""

    def __init__(self):
        self.state = 0x9e3779b97f4a7c15

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & (2**64 - 1)
        return self.state >> 33


# ------------------------------------------------------------------ resume

async def yielder(n):
    for _ in range(n):
        await asyncio.sleep(0)


async def resume_case(n, m):
    t0 = time.perf_counter_ns()
    if m == 1:
        await yielder(n)
    else:
        tasks = [asyncio.create_task(yielder(n // m)) for _ in range(m)]
        for t in tasks:
            await t
    return (time.perf_counter_ns() - t0) / (n // m * m)


def bench_resume():
    n, reps = arg("n", 1000000), arg("reps", 7)
    for name, m in (("1-task/real-clock", 1), ("1000-tasks/real-clock", 1000)):
        if ARGS.get("clock") == "virtual":
            continue
        res = [asyncio.run(resume_case(n, m)) for _ in range(reps)]
        report("resume", name, res, n, "await asyncio.sleep(0)")


# -------------------------------------------------------------- spawn+join

async def ret_now():
    return 1


async def spawn_case(n):
    t0 = time.perf_counter_ns()
    for _ in range(n):
        if await asyncio.create_task(ret_now()) != 1:
            raise RuntimeError("wrong result")
    return (time.perf_counter_ns() - t0) / n


def bench_spawn():
    n, reps = arg("n", 500000), arg("reps", 7)
    res = [asyncio.run(spawn_case(n)) for _ in range(reps)]
    report("spawn", "spawn+join/real-clock", res, n, "await asyncio.create_task(ret_now())")


# ---------------------------------------------------------------- deadline

async def yield_once():
    await asyncio.sleep(0)
    return 1


async def batch(variant, n):
    t0 = time.perf_counter_ns()
    if variant == "await":
        for _ in range(n):
            if await asyncio.create_task(yield_once()) != 1:
                raise RuntimeError
    elif variant == "wait_for":
        for _ in range(n):
            if await asyncio.wait_for(asyncio.create_task(yield_once()), 10) != 1:
                raise RuntimeError
    else:
        for _ in range(n):
            async with asyncio.timeout(10):
                r = await asyncio.create_task(yield_once())
            if r != 1:
                raise RuntimeError
    return (time.perf_counter_ns() - t0) / n


async def deadline_main(k, n, reps):
    loop = asyncio.get_running_loop()
    rng = Rng()
    # K pending timers between 1 min and 1 h, the same sequence as aio_bench
    handles = [loop.call_later((60000 + rng.next() % 3540000) / 1000, lambda: None) for _ in range(k)]
    totals = {v: [] for v in ("await", "wait_for", "timeout") if ONLY in (None, v)}
    armed = {v: [] for v in ("wait_for", "timeout") if ONLY is None}
    for _ in range(reps):
        for v in totals:
            totals[v].append(await batch(v, n))
        for v in armed:
            armed[v].append(totals[v][-1] - totals["await"][-1])
    for h in handles:
        h.cancel()
    return totals, armed


def bench_deadline():
    k, n, reps = arg("pending", 1000), arg("n", 100000), arg("reps", 7)
    totals, armed = asyncio.run(deadline_main(k, n, reps))
    names = {"await": "await create_task(child)", "wait_for": "await wait_for(create_task(child), 10)",
             "timeout": "async with timeout(10): await create_task(child)"}
    for v, res in totals.items():
        report("deadline", "%s/pending=%d" % (v, k), res, n, "real clock; " + names[v] + "; child yields once")
    for v, res in armed.items():
        value("deadline", "%s-armed/pending=%d" % (v, k), statistics.median(res), "ns/op",
              "%s minus await (median of %d paired differences)" % (v, len(res)))


# ------------------------------------------------------------- timer fires

async def fires_case(n):
    rng = Rng()
    delays = [(1 + rng.next() % 100) / 1000 for _ in range(n)]
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    left = n

    async def sleeper(d):
        nonlocal left
        await asyncio.sleep(d)
        left -= 1
        if left == 0:
            done.set_result(None)

    tasks = [asyncio.create_task(sleeper(d)) for d in delays]
    await asyncio.sleep(0)  # every sleeper runs and arms its timer
    armed = time.monotonic()  # the loop's clock: every deadline is before armed + 0.1 s
    time.sleep(0.102)  # all of them are due
    if loop.time() < armed + 0.101:
        raise RuntimeError("not all due")
    t0 = time.perf_counter_ns()
    await done
    t1 = time.perf_counter_ns()
    del tasks
    return (t1 - t0) / n


def bench_fires():
    n, reps = arg("due", 100000), arg("reps", 5)
    res = [asyncio.run(fires_case(n)) for _ in range(reps)]
    report("fires", "due=%d" % n, res, n, "real clock; ns per wake: sleep's timer fires, the task resumes and ends")


# ------------------------------------------------------------------ cancel

async def cancel_case(n):
    cleanups = 0

    async def victim():
        nonlocal cleanups
        try:
            await asyncio.sleep(3600)
            return 1
        finally:
            cleanups += 1

    t0 = time.perf_counter_ns()
    for _ in range(n):
        t = asyncio.create_task(victim())
        await asyncio.sleep(0)  # the child runs and parks in its sleep
        t.cancel()
        try:
            await t
        except asyncio.CancelledError:
            pass
        else:
            raise RuntimeError("not cancelled")
    t1 = time.perf_counter_ns()
    if cleanups != n:
        raise RuntimeError("cleanup missing")
    return (t1 - t0) / n


def bench_cancel():
    n, reps = arg("n", 200000), arg("reps", 7)
    res = [asyncio.run(cancel_case(n)) for _ in range(reps)]
    report("cancel", "cancel+finally+reap", res, n,
           "create_task, child parks in sleep(3600), task.cancel(), its finally runs, await it")


# ------------------------------------------------------------------- queue

async def queue_case(n):
    q = asyncio.Queue(maxsize=1)  # every put waits for the get of the item before

    async def producer():
        for i in range(n):
            await q.put(i)

    async def consumer():
        for i in range(n):
            if await q.get() != i:
                raise RuntimeError("wrong item")

    t0 = time.perf_counter_ns()
    await asyncio.gather(producer(), consumer())
    return (time.perf_counter_ns() - t0) / n


def bench_queue():
    n, reps = arg("n", 200000), arg("reps", 7)
    res = [asyncio.run(queue_case(n)) for _ in range(reps)]
    report("queue", "put+get/real-clock", res, n,
           "Queue(maxsize=1): each item put by one task (await q.put) and got by another (await q.get)")


# ------------------------------------------------------------------- bytes

async def idle():
    await asyncio.sleep(3600)


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


async def bytes_main(n, traced):
    if traced:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    else:
        before = rss()
    tasks = [asyncio.create_task(idle()) for _ in range(n)]
    await asyncio.sleep(0)  # every task is pending in its sleep, with its timer
    after = tracemalloc.get_traced_memory()[0] if traced else rss()
    if traced:
        tracemalloc.stop()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return (after - before) / n


def queue_bytes(n):
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    queues = [asyncio.Queue(maxsize=4) for _ in range(n)]
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del queues
    return (after - before) / n


def bench_bytes():
    n = arg("tasks", 100000)
    value("bytes", "queue", queue_bytes(1000), "bytes",
          "tracemalloc growth per empty asyncio.Queue(maxsize=4) (object, dict, deques), "
          "items apart (a deque slot and the item's object each)")
    v = asyncio.run(bytes_main(n, True))
    value("bytes", "tracemalloc-per-pending-task", v, "bytes",
          "tracemalloc growth / %d tasks pending in asyncio.sleep(3600) (task, coroutine, future, "
          "timer handle, list slot)" % n)
    v = asyncio.run(bytes_main(n, False))
    value("bytes", "rss-per-idle-task", v, "bytes", "RSS growth / %d tasks pending in asyncio.sleep(3600)" % n)


FIGURES = {"resume": bench_resume, "spawn": bench_spawn, "deadline": bench_deadline,
           "fires": bench_fires, "cancel": bench_cancel, "queue": bench_queue, "bytes": bench_bytes}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in FIGURES:
        sys.exit("usage: asyncio_peer.py %s [key=value ...]" % "|".join(FIGURES))
    FIGURES[sys.argv[1]]()
