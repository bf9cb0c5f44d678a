# SPDX-License-Identifier: MIT
"""Example 15: asyncio.as_completed with a timeout over tasks of different durations.

The Python original of 15_as_completed.c (not from the tutorials: the pattern of
asyncio's as_completed documentation, with the tutorials' timeout):
  - five sources are asked for a price at once; each answers after its own delay, one
    fails instead;
  - as_completed(tasks, timeout=2) hands out each answer as soon as it arrives, the
    failure included, and the best price so far is kept;
  - after 2 s the sources still working are not waited for: as_completed raises
    TimeoutError (it does not cancel them); the program cancels them and awaits them.
Adaptations: a task returns its source's name with its price (before Python 3.13,
as_completed does not hand out the tasks themselves, so a result could not be told
apart otherwise; the C port gets the index of the task).
Run: python3 15_as_completed.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print

SOURCES = [("alpha", 1.3, 101), ("beta", 0.4, 97), ("gamma", 3.5, 99),
           ("delta", 0.7, None), ("epsilon", 1.9, 95), ("zeta", 2.6, 93)]


async def ask(name, delay, price):
    try:
        await asyncio.sleep(delay)
        if price is None:
            raise ConnectionError(name)
        return name, price
    except asyncio.CancelledError:
        print(f"{name}: cancelled")
        raise


async def main():
    tasks = [asyncio.create_task(ask(*source)) for source in SOURCES]
    best = None
    try:
        for answer in asyncio.as_completed(tasks, timeout=2):
            try:
                name, price = await answer
            except ConnectionError as failure:
                print(f"{failure}: connection refused")
                continue
            print(f"{name}: {price}")
            if best is None or price < best[1]:
                best = (name, price)
    except TimeoutError:
        missing = [t for t in tasks if not t.done()]
        print(f"2 s are up: {len(missing)} sources have not answered; cancelling them")
        for t in missing:
            t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(f"best price: {best[1]} from {best[0]}")

asyncio.run(main())
