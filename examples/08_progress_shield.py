# SPDX-License-Identifier: MIT
"""Example 8: progress monitoring of a long operation through a shield, with an overall timeout.

The Python original of 08_progress_shield.c, from the tutorials: run_with_timeout_and_progress()
and operation_with_progress_updates() (tutorial "timeouts and waiting", timeout with progress
updates). The monitor waits on shield(task) for one progress interval at a time:
wait_for times out, but the shield keeps the task running; the monitor prints how far it
got and waits again, until the task finishes or the overall timeout has passed, when it
cancels the task.
Adaptations: one main(); loop time on each line.
The monitor's 0.5 s interval and the operation's 0.5 s steps fall due in the same
instants; both runtimes order them the same way (the deadline armed first fires first,
and its effect comes before the tasks woken with it run), so the lines of one instant
come out in the same order, and the run with the 3 s timeout cancels the operation
before its sixth step.
Needs CPython 3.12 or later: 3.11's wait_for runs the awaited shield through a hidden
task, which takes more loop turns, so there the operation's line comes first in each
instant and its sixth step runs.
Run: python3 08_progress_shield.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


async def operation_with_progress_updates(steps=10, step_time=0.5):
    for i in range(steps):
        # Simulate work
        await asyncio.sleep(step_time)

        # Report progress
        progress = (i + 1) / steps * 100
        print(f"Progress: {progress:.1f}%")

        # Allow for cancellation check
        await asyncio.sleep(0)

    return "Operation completed"


async def run_with_timeout_and_progress(coroutine, timeout, progress_interval=0.5):
    # Create a task for the coroutine
    task = asyncio.create_task(coroutine)

    # Start time
    start_time = asyncio.get_event_loop().time()

    # Monitor progress with timeout
    while not task.done():
        # Check if timeout has been exceeded
        elapsed = asyncio.get_event_loop().time() - start_time
        if elapsed >= timeout:
            # Cancel the task
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            raise asyncio.TimeoutError(f"Operation timed out after {elapsed:.1f}s")

        # Wait a small interval while allowing for task completion
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=progress_interval)
            # If we get here, the task completed
            break
        except asyncio.TimeoutError:
            # This is just the progress interval timeout, not the operation timeout
            remaining = timeout - elapsed
            print(f"Elapsed: {elapsed:.1f}s, Remaining: {remaining:.1f}s")

    # Get the result (will raise any exception from the task)
    return await task


async def main():
    try:
        # Run an operation with progress monitoring and timeout
        result = await run_with_timeout_and_progress(
            operation_with_progress_updates(steps=10, step_time=0.5),
            timeout=7  # Should complete in 5s, so this won't time out
        )
        print(f"Success: {result}")
    except asyncio.TimeoutError as e:
        print(f"Timed out: {e}")

    print("\n---\n")

    try:
        # This should time out
        result = await run_with_timeout_and_progress(
            operation_with_progress_updates(steps=10, step_time=0.5),
            timeout=3  # Should take 5s, so this will time out
        )
        print(f"Success: {result}")
    except asyncio.TimeoutError as e:
        print(f"Timed out: {e}")

asyncio.run(main())
