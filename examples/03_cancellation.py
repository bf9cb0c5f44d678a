# SPDX-License-Identifier: MIT
"""Example 3: explicit cancellation, cleanup that re-raises, and the swallowing anti-pattern.

The Python original of 03_cancellation.c, from the tutorials:
  1. cancellable_task("worker"), cancelled after 2.5 s    (tutorial "advanced asyncio")
  2. robust_operation_with_cleanup(): cleanup that awaits, then re-raises, and a
     finally block                                        (tutorial "from first principles")
  3. bad_loop() / good_loop(): cancellation only happens at an await
                                                          (tutorial "from first principles")
  4. bad_coroutine() / good_coroutine(): swallowing CancelledError
                                                          (tutorial "timeouts mechanism")
Adaptations: one main(); title lines; loop time on each line; part 2 prints instead of
logging (the tutorial logs at INFO level to stderr); part 3's loops are shorter (10,000
iterations of sum(range(100)) instead of 1,000,000 of sum(range(1000))) and record how
far they got; part 4 calls each coroutine from a worker task and cancels that task,
to show what happens after the swallow.

Where the C port differs (see expected/03_cancellation.python-diff): in part 4 the
worker whose inner coroutine swallowed the cancellation carries on here (asyncio's
cancellation is edge-triggered: once caught it is gone) and finishes normally. In the C
library the task's cancellation stays in force: its next await unwinds it, and the task
ends cancelled, with a debug report naming the swallow.
Run: python3 03_cancellation.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


# 1. -----------------------------------------------------------------------
async def cancellable_task(name):
    """A task that handles cancellation gracefully."""
    try:
        for i in range(10):
            print(f"{name}: step {i}")
            await asyncio.sleep(1)
    except asyncio.CancelledError:
        print(f"{name}: cancellation received, cleaning up")
        # Clean up resources here
        raise  # Re-raise to propagate cancellation


async def main_cancel():
    task = asyncio.create_task(cancellable_task("worker"))

    await asyncio.sleep(2.5)  # Let it run for 2.5 seconds
    print("Cancelling task...")
    task.cancel()

    try:
        await task  # Wait for task to finish (it will raise CancelledError)
    except asyncio.CancelledError:
        print("Task was cancelled")


# 2. -----------------------------------------------------------------------
async def robust_operation_with_cleanup():
    """Demonstrates proper cancellation handling with resource cleanup"""

    # Simulate acquiring a resource
    resource_acquired = False

    try:
        print("Acquiring resource...")
        await asyncio.sleep(0.5)  # Simulate resource acquisition
        resource_acquired = True
        print("Resource acquired successfully")

        # Main operation work
        for i in range(10):
            print(f"Processing step {i + 1}/10")
            await asyncio.sleep(1)  # Cancellation point

        print("Operation completed successfully")
        return "Operation successful"

    except asyncio.CancelledError:
        print("Operation cancelled - performing cleanup")

        # Critical: Perform cleanup even when cancelled
        if resource_acquired:
            print("Releasing resource...")
            await asyncio.sleep(0.1)  # Simulate cleanup work
            print("Resource released")

        # Re-raise the cancellation to properly propagate it
        raise

    finally:
        print("Finally block executed")


async def main_with_proper_cancellation():
    """Shows proper cancellation handling"""

    task = asyncio.create_task(robust_operation_with_cleanup())

    # Let it run for 3 seconds, then cancel
    await asyncio.sleep(3)
    print("Requesting cancellation...")
    task.cancel()

    try:
        result = await task
        print(f"Result: {result}")
    except asyncio.CancelledError:
        print("Task was properly cancelled")


# 3. -----------------------------------------------------------------------
progress = {"i": 0}


# ❌ WRONG: Long-running loop without cancellation points
async def bad_loop():
    for i in range(10000):
        progress["i"] = i
        # Heavy computation with no await - not cancellable!
        result = sum(range(100))
    return result


# ✅ CORRECT: Add periodic cancellation checks
async def good_loop():
    for i in range(10000):
        progress["i"] = i
        # Heavy computation
        result = sum(range(100))

        # Periodic cancellation check
        if i % 1000 == 0:
            await asyncio.sleep(0)  # Yield control to event loop
    return result


async def main_loops():
    for loop_fn in (bad_loop, good_loop):
        task = asyncio.create_task(loop_fn())
        for _ in range(3):
            await asyncio.sleep(0)  # the loop gets a few turns, then it is cancelled
        task.cancel()
        try:
            result = await task
            print(f"{loop_fn.__name__}: ran all {progress['i'] + 1} iterations "
                  f"and returned {result}; the cancel came too late")
        except asyncio.CancelledError:
            print(f"{loop_fn.__name__}: cancelled at iteration {progress['i']}")


# 4. -----------------------------------------------------------------------
# BAD: Suppressing CancelledError
async def bad_coroutine():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        pass  # Don't do this!


# GOOD: Cleanup and re-raise
async def good_coroutine():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("Cancelled! Cleaning up.")
        # Do cleanup here
        raise  # Always re-raise!


async def worker(coro_fn):
    await coro_fn()
    print(f"worker: {coro_fn.__name__}() returned; carrying on")
    await asyncio.sleep(1)
    print("worker: still running after the cancel (a zombie)")
    return "done"


async def main_swallow():
    for coro_fn in (good_coroutine, bad_coroutine):
        task = asyncio.create_task(worker(coro_fn))
        await asyncio.sleep(1)
        task.cancel()
        try:
            result = await task
            print(f"{coro_fn.__name__}: the task finished normally: {result}")
        except asyncio.CancelledError:
            print(f"{coro_fn.__name__}: the task was cancelled")


async def main():
    print("== 1. task.cancel() after 2.5 s; the task cleans up and re-raises")
    await main_cancel()
    print("\n== 2. cleanup that awaits, then re-raises; finally runs last")
    await main_with_proper_cancellation()
    print("\n== 3. cancellation happens only at an await")
    await main_loops()
    print("\n== 4. swallowing CancelledError")
    await main_swallow()

asyncio.run(main())
