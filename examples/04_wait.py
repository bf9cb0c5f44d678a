# SPDX-License-Identifier: MIT
"""Example 4: asyncio.wait with FIRST_COMPLETED / FIRST_EXCEPTION / ALL_COMPLETED and a timeout.

The Python original of 04_wait.c, from the tutorials:
  1. example_wait(): FIRST_COMPLETED with a timeout          (tutorial "timeouts and waiting")
  2. demonstrate_asyncio_wait(): FIRST_EXCEPTION, timeout 2.5 s, cancel the pending
     tasks and wait for them                                  (tutorial "from first principles")
  3. fetch_from_fastest_source(): the fastest of three sources, the rest cancelled
     and waited for                                           (tutorial "timeouts and waiting")
  4. ALL_COMPLETED with a timeout, and FIRST_EXCEPTION when a task fails (not in the
     tutorials: the other two modes of the same call)
  5. timeout_context(): a hand-made timeout, racing the work against a timer task
                                                              (tutorial "from first principles")
Adaptations: one main(); title lines; loop time on each line; pending tasks are
cancelled and then awaited everywhere (the C program must not leave tasks behind);
sets are printed in the order the tasks were created (a set's order is arbitrary);
a task is named by its number instead of its repr (which shows a memory address);
the random delays of part 3 come from a fixed list: uniform(1, 5) returns
1 + 4 * u for u = 0.275, 0.1, 0.55 (2.1 s, 1.4 s, 3.2 s), then 0.5, 0.25, 0.75
(3.0 s, 2.0 s, 4.0 s) for the second call; its sources print a line when cancelled.
Run: python3 04_wait.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print, Scripted

random = Scripted([0.275, 0.1, 0.55, 0.5, 0.25, 0.75])


# 1. -----------------------------------------------------------------------
async def example_wait():
    # Create some tasks
    tasks = [
        asyncio.create_task(asyncio.sleep(1)),
        asyncio.create_task(asyncio.sleep(2)),
        asyncio.create_task(asyncio.sleep(3))
    ]

    # Wait with a timeout
    done, pending = await asyncio.wait(
        tasks,
        timeout=1.5,
        return_when=asyncio.FIRST_COMPLETED
    )

    print(f"Completed tasks: {len(done)}")
    print(f"Pending tasks: {len(pending)}")

    # Cancel any pending tasks
    for task in pending:
        task.cancel()
    await asyncio.wait(pending)


# 2. -----------------------------------------------------------------------
async def demonstrate_asyncio_wait():
    """Shows advanced timeout control with asyncio.wait()"""

    async def task_with_id(task_id, duration):
        """A task that identifies itself"""
        try:
            await asyncio.sleep(duration)
            return f"Task {task_id} completed"
        except asyncio.CancelledError:
            return f"Task {task_id} was cancelled"

    # Create multiple tasks with different durations
    tasks = [
        asyncio.create_task(task_with_id(1, 1)),
        asyncio.create_task(task_with_id(2, 3)),
        asyncio.create_task(task_with_id(3, 5)),
        asyncio.create_task(task_with_id(4, 2))
    ]

    try:
        # Wait for tasks with a 2.5 second timeout
        done, pending = await asyncio.wait(
            tasks,
            timeout=2.5,
            return_when=asyncio.FIRST_EXCEPTION  # Stop on first exception
        )

        print(f"Completed tasks: {len(done)}")
        print(f"Pending tasks: {len(pending)}")

        # Process completed tasks
        for task in sorted(done, key=tasks.index):
            result = await task
            print(f"Result: {result}")

        # Cancel remaining tasks
        for task in sorted(pending, key=tasks.index):
            task.cancel()
            print(f"Cancelled task: Task {tasks.index(task) + 1}")

        # Wait for cancellations to complete
        if pending:
            results = await asyncio.gather(*sorted(pending, key=tasks.index),
                                           return_exceptions=True)
            print(f"After cancelling: {results}")

    except Exception as e:
        print(f"Exception occurred: {e}")


# 3. -----------------------------------------------------------------------
async def fetch_with_random_delay(url):
    # Simulate a request with random delay
    delay = random.uniform(1, 5)
    print(f"Fetching {url} (will take {delay:.1f}s)")
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f"Cancelled {url}")
        raise
    return f"Result from {url}"


async def fetch_from_fastest_source(urls, timeout=3):
    # Create tasks for all URLs
    tasks = [asyncio.create_task(fetch_with_random_delay(url)) for url in urls]

    try:
        # Wait for the first task to complete or timeout
        done, pending = await asyncio.wait(
            tasks,
            timeout=timeout,
            return_when=asyncio.FIRST_COMPLETED
        )

        # Cancel pending tasks
        for task in sorted(pending, key=tasks.index):
            task.cancel()

        # Check if any task completed
        if done:
            # Get result from the first completed task
            first_completed = done.pop()
            result = await first_completed
            print(f"Got result from fastest source: {result}")
            return result
        else:
            # Timeout with no completions
            print(f"All sources timed out after {timeout}s")
            return None

    finally:
        # Ensure all pending tasks are properly cancelled
        for task in tasks:
            if not task.done():
                task.cancel()

        # Wait for cancellations to complete
        await asyncio.gather(*tasks, return_exceptions=True)


async def fastest_main(timeout):
    urls = [
        "https://api1.example.com/data",
        "https://api2.example.com/data",
        "https://api3.example.com/data",
    ]

    result = await fetch_from_fastest_source(urls, timeout=timeout)
    if result:
        print(f"Final result: {result}")
    else:
        print("No result received in time")


# 4. -----------------------------------------------------------------------
async def job(name, seconds, fails=False):
    await asyncio.sleep(seconds)
    if fails:
        raise ValueError(f"{name} failed")
    return f"{name} done"


async def other_modes():
    tasks = [asyncio.create_task(job(f"job {i + 1}", i + 1)) for i in range(3)]
    done, pending = await asyncio.wait(tasks, timeout=2.5, return_when=asyncio.ALL_COMPLETED)
    print(f"ALL_COMPLETED, timeout 2.5: {len(done)} done, {len(pending)} pending")
    for task in pending:
        task.cancel()
    await asyncio.wait(pending)

    tasks = [asyncio.create_task(job("job A", 1)),
             asyncio.create_task(job("job B", 1.5, fails=True)),
             asyncio.create_task(job("job C", 3))]
    done, pending = await asyncio.wait(tasks, timeout=5, return_when=asyncio.FIRST_EXCEPTION)
    print(f"FIRST_EXCEPTION, timeout 5: {len(done)} done, {len(pending)} pending")
    for task in tasks:
        if task in done:
            error = task.exception()
            print(f"  {'failed: ' + str(error) if error else 'result: ' + task.result()}")
    for task in pending:
        task.cancel()
    await asyncio.wait(pending)


# 5. -----------------------------------------------------------------------
async def operation_with_context_timeout():
    """A hand-made timeout: race the operation against a timer task"""

    async def some_operation():
        print("Starting operation...")
        await asyncio.sleep(3)
        print("Operation completed!")
        return "Success"

    timeout_task = asyncio.create_task(asyncio.sleep(2.0))
    try:
        # Race between our operation and the timeout
        operation_task = asyncio.create_task(some_operation())

        done, pending = await asyncio.wait(
            [operation_task, timeout_task],
            return_when=asyncio.FIRST_COMPLETED
        )

        if timeout_task in done:
            operation_task.cancel()
            await asyncio.gather(operation_task, return_exceptions=True)
            print("Operation was cancelled due to timeout")
            return None
        else:
            result = await operation_task
            return result
    finally:
        # Clean up the timeout task
        if not timeout_task.done():
            timeout_task.cancel()
            try:
                await timeout_task
            except asyncio.CancelledError:
                pass


async def main():
    print("== 1. FIRST_COMPLETED with a timeout of 1.5 s (tasks of 1, 2, 3 s)")
    await example_wait()
    print("\n== 2. FIRST_EXCEPTION with a timeout of 2.5 s (tasks of 1, 3, 5, 2 s)")
    await demonstrate_asyncio_wait()
    print("\n== 3. the fastest of three sources within 2.5 s")
    await fastest_main(2.5)
    print("\n== 3b. the same within 1.0 s")
    await fastest_main(1.0)
    print("\n== 4. ALL_COMPLETED and FIRST_EXCEPTION")
    await other_modes()
    print("\n== 5. a hand-made timeout: the work races a timer task")
    result = await operation_with_context_timeout()
    print(f"Final result: {result}")

asyncio.run(main())
