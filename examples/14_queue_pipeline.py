# SPDX-License-Identifier: MIT
"""Example 14: a producer/consumer pipeline over asyncio.Queue(maxsize=4).

The Python original of 14_queue_pipeline.c (not from the tutorials: the pattern of
asyncio's own Queue documentation, with the timeouts the tutorials add):
  - one producer makes 13 items, faster than the consumers can take them: the queue
    fills up to its maxsize of 4 and the producer's put() waits for a place (back
    pressure); it pauses for 2.9 s after item 9;
  - three consumers each wait_for(queue.get(), 0.5): when nothing comes within 0.5 s
    they say so and wait again; each item takes its consumer a while, then task_done();
  - the main task awaits the producer, then queue.join() (every item put has been
    marked done), then cancels the consumers, which are waiting for the next item, and
    awaits them.
Timings chosen so that no two tasks print at the same instant except where one wakes
the other, and so that no consumer asks for an item while a put is handing one to
another (asyncio lets a newcomer take an item put for a waiting getter; the C library
keeps it promised to the waiter: README, "Queues").
Run: python3 14_queue_pipeline.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print

PRODUCE = [0.1] * 10 + [2.9, 0.1, 0.1]                    # before each item
WORK = {"A": 0.83, "B": 0.97, "C": 1.11}                   # each consumer's time per item


async def producer(queue):
    for item, delay in enumerate(PRODUCE):
        await asyncio.sleep(delay)
        if queue.full():
            print(f"producer: item {item} ready, the queue is full: waiting for a place")
        else:
            print(f"producer: item {item} ready ({queue.qsize()} waiting in the queue)")
        await queue.put(item)
    print("producer: done")


async def consumer(name, queue):
    try:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), 0.5)
            except TimeoutError:
                print(f"consumer {name}: nothing within 0.5 s")
                continue
            print(f"consumer {name}: got item {item}")
            await asyncio.sleep(WORK[name])
            queue.task_done()
    except asyncio.CancelledError:
        print(f"consumer {name}: cancelled")
        raise


async def main():
    queue = asyncio.Queue(maxsize=4)
    consumers = []
    for name in WORK:
        consumers.append(asyncio.create_task(consumer(name, queue)))
        await asyncio.sleep(0.03)  # so that no two consumers time out at the same instant
    await producer(queue)
    await queue.join()
    print("main: every item is done; cancelling the consumers")
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    print("main: finished")

asyncio.run(main())
