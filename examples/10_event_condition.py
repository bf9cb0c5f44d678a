# SPDX-License-Identifier: MIT
"""Example 10: waiting for an event with a timeout; waiting on a condition for a predicate.

The Python original of 10_event_condition.c, from the tutorials (tutorial "timeouts and
waiting", advanced waiting patterns):
  1. wait_for_event(): wait_for(event.wait(), 5) while another task sets the event after
     3 s; then the same with 2 s, which is not enough
  2. wait_for_condition(): two tasks wait on a Condition until a shared count reaches 2
     and 4, while a third updates it every second and notifies them
  3. the same wait with a timeout: a count of 10 never comes within 2.5 s (not in the
     tutorials: Condition.wait_for under asyncio.timeout; the lock is held again when the
     timeout is reported)
Adaptations: one main(); title lines; loop time on each line; the event's timeout is a
parameter; the task that sets the event is awaited at the end instead of left running;
the waiters say which count they waited for.
Run: python3 10_event_condition.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


# 1. -----------------------------------------------------------------------
async def wait_for_event(timeout=5):
    # Create an event
    event = asyncio.Event()

    # Start a background task to set the event
    setter = asyncio.create_task(set_event_after_delay(event, 3))

    print("Waiting for event...")

    # Wait for the event with a timeout
    try:
        await asyncio.wait_for(event.wait(), timeout=timeout)
        print("Event was set!")
    except asyncio.TimeoutError:
        print("Timed out waiting for event")
    await setter


async def set_event_after_delay(event, delay):
    await asyncio.sleep(delay)
    print(f"Setting event after {delay}s")
    event.set()


# 2. -----------------------------------------------------------------------
async def wait_for_condition(condition, predicate, target):
    async with condition:
        # Wait until the predicate is true
        await condition.wait_for(predicate)
        print(f"Condition is now true (count >= {target})")


async def update_state_periodically(condition, shared_state):
    for i in range(5):
        # Simulate work
        await asyncio.sleep(1)

        # Update shared state
        async with condition:
            shared_state["count"] += 1
            print(f"Updated count to {shared_state['count']}")

            # Notify waiters
            condition.notify_all()


async def condition_main():
    # Shared state
    shared_state = {"count": 0}

    # Condition for coordinating
    condition = asyncio.Condition()

    # Create tasks
    waiter1 = asyncio.create_task(
        wait_for_condition(condition, lambda: shared_state["count"] >= 2, 2)
    )
    waiter2 = asyncio.create_task(
        wait_for_condition(condition, lambda: shared_state["count"] >= 4, 4)
    )
    updater = asyncio.create_task(
        update_state_periodically(condition, shared_state)
    )

    # Wait for all tasks
    await asyncio.gather(waiter1, waiter2, updater)


# 3. -----------------------------------------------------------------------
async def wait_with_timeout(condition, shared_state, target, timeout):
    async with condition:
        try:
            async with asyncio.timeout(timeout):
                await condition.wait_for(lambda: shared_state["count"] >= target)
            print(f"Condition is now true (count >= {target})")
        except TimeoutError:
            print(f"Gave up waiting for count >= {target} after {timeout}s "
                  f"(count is {shared_state['count']}, lock held: {condition.locked()})")


async def condition_timeout_main():
    shared_state = {"count": 0}
    condition = asyncio.Condition()
    waiter = asyncio.create_task(wait_with_timeout(condition, shared_state, 10, 2.5))
    updater = asyncio.create_task(update_state_periodically(condition, shared_state))
    await asyncio.gather(waiter, updater)


async def main():
    print("== 1. wait_for(event.wait(), 5); the event is set after 3 s")
    await wait_for_event()
    print("\n== 1b. the same within 2 s")
    await wait_for_event(2)
    print("\n== 2. a condition and a predicate")
    await condition_main()
    print("\n== 3. a condition wait with a timeout of 2.5 s")
    await condition_timeout_main()

asyncio.run(main())
