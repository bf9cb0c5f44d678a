"""Example 8: progress monitoring of a long operation through a shield, with an overall timeout.

The Python original of 08_progress_shield.c, from the tutorials: run_with_timeout_and_progress()
and operation_with_progress_updates() (seed "timeouts and waiting", timeout with progress
updates). The monitor waits on shield(task) for one progress interval at a time:
wait_for times out, but the shield keeps the task running; the monitor prints how far it
got and waits again, until the task finishes or the overall timeout has passed, when it
cancels the task.
Adaptations: one main(); loop time on each line; the progress interval is 1.1 s instead
of 0.5 s. With 0.5 s the monitor's timer and the operation's step timer fall due at the
same instants, and the order of two lines printed at the same instant then depends on how
each loop breaks the tie (asyncio's wait_for also takes extra loop iterations to report
its timeout); and with an interval such as 0.6 s the elapsed time adds up in floating
point to 2.9999999999999996 instead of 3, so whether the 3 s timeout has passed depends on
rounding. Neither is what this example is about.
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


async def run_with_timeout_and_progress(coroutine, timeout, progress_interval=1.1):
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
