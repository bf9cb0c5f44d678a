# SPDX-License-Identifier: MIT
"""Example 1: wait_for with a slow operation; the timeout cancels it and its cleanup runs.

The Python original of 01_wait_for.c, from the tutorials:
  1. demonstrate_timeout_cancellation()       (tutorial "from first principles")
  2. operation_with_graceful_cancellation()   (tutorial "timeouts and waiting")
  3. wait_for on a task, then task.cancelled() (tutorial "timeouts and waiting")
Adapted only so that it runs as one program: the three asyncio.run() calls became
one main(), each part prints a title line, and every line carries the loop time.
Run: python3 01_wait_for.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


async def demonstrate_timeout_cancellation():
    """Shows how timeout leads to cancellation"""

    async def long_running_task():
        try:
            print("Task started")
            for i in range(10):
                print(f"Step {i + 1}: Still working...")
                await asyncio.sleep(1)
            return "Task completed normally"

        except asyncio.CancelledError:
            print("Task detected it was cancelled!")
            # Perform any necessary cleanup
            print("Cleanup completed")
            raise  # Important: re-raise the CancelledError

    try:
        # This will timeout after 4 seconds
        result = await asyncio.wait_for(long_running_task(), timeout=4.0)
        print(f"Result: {result}")

    except asyncio.TimeoutError:
        print("Timeout occurred - the task was automatically cancelled")


async def operation_with_graceful_cancellation():
    try:
        print("Starting operation")

        # Main work
        for i in range(10):
            try:
                print(f"Step {i}")
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print(f"Cancellation detected during step {i}")
                # Do step-specific cleanup
                print(f"Cleaning up step {i}")
                # Then re-raise to propagate the cancellation
                raise

        print("Operation completed")
        return "Success"
    except asyncio.CancelledError:
        print("Operation was cancelled, cleaning up")
        # Perform final cleanup
        await asyncio.sleep(0.1)  # Simulate cleanup
        print("Cleanup completed")
        # Re-raise to acknowledge the cancellation
        raise
    except Exception as e:
        print(f"Operation failed: {e}")
        raise


async def graceful_main():
    try:
        # Apply a timeout
        result = await asyncio.wait_for(
            operation_with_graceful_cancellation(),
            timeout=3
        )
        print(f"Result: {result}")
    except asyncio.TimeoutError:
        print("Operation timed out")


async def slow_operation():
    await asyncio.sleep(5)
    return "Operation completed"


async def task_main():
    # Create a task
    task = asyncio.create_task(slow_operation())

    try:
        # Try to get the result with a 2-second timeout
        result = await asyncio.wait_for(task, timeout=2)
        print(result)
    except asyncio.TimeoutError:
        print("Operation timed out")
        # Note: task is automatically cancelled on timeout

    # Check task status
    print(f"Task cancelled: {task.cancelled()}")


async def main():
    print("== 1. wait_for(long_running_task(), timeout=4.0)")
    await demonstrate_timeout_cancellation()
    print("\n== 2. cleanup at two levels, the outer one awaits (wait_for, timeout=3)")
    await graceful_main()
    print("\n== 3. wait_for(task, timeout=2), then task.cancelled()")
    await task_main()

asyncio.run(main())
