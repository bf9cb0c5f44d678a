# SPDX-License-Identifier: MIT
"""Example 9: a task group serving requests, each with its own timeout (the "server" pattern).

The Python original of 09_taskgroup_server.c, from the tutorials:
  1. server_main(): a TaskGroup of request handlers, each under its own 5 s timeout
                                                    (tutorial "advanced asyncio", safe timeout
                                                     patterns for servers)
  2. main_with_taskgroup(): one timeout around a whole TaskGroup; when it fires, every
     child still running is cancelled               (tutorial "timeouts and waiting")
Adaptations: one main(); title lines; loop time on each line; part 2 creates the task
variables before the try, so that they exist when the results are read.
Same-instant lines may come in another order: when the timeout of part 2 fires, Task 2
and Task 3 are cancelled in one instant, and CPython's TaskGroup cancels its children
in the order of a set (3.11 prints Task 2 first, 3.12 and 3.13 Task 3); the C port
cancels them in the order they started waiting.
Run: python3 09_taskgroup_server.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


# 1. -----------------------------------------------------------------------
async def handle_request(request_id, processing_time):
    """Simulate request processing."""
    print(f"Request {request_id} starting")
    await asyncio.sleep(processing_time)
    print(f"Request {request_id} done")
    return f"response for {request_id}"


async def request_handler(request_id, processing_time):
    """Handle a request with timeout."""
    try:
        # Individual request timeout: 5 seconds
        async with asyncio.timeout(5):
            result = await handle_request(request_id, processing_time)
            return result
    except asyncio.TimeoutError:
        print(f"Request {request_id} timed out")
        return None


async def server_main():
    """Simulate a server accepting requests."""
    async with asyncio.TaskGroup() as tg:
        # Requests with varying processing times
        tg.create_task(request_handler("req1", 2))
        tg.create_task(request_handler("req2", 6))  # Will timeout
        tg.create_task(request_handler("req3", 3))


# 2. -----------------------------------------------------------------------
async def worker(name, duration):
    try:
        print(f"{name} starting")
        await asyncio.sleep(duration)
        print(f"{name} completed")
        return f"{name} result"
    except asyncio.CancelledError:
        print(f"{name} was cancelled")
        raise


async def main_with_taskgroup():
    task1 = task2 = task3 = None
    try:
        # Set an overall timeout
        async with asyncio.timeout(2):
            # Create a task group
            async with asyncio.TaskGroup() as tg:
                task1 = tg.create_task(worker("Task 1", 1))
                task2 = tg.create_task(worker("Task 2", 3))
                task3 = tg.create_task(worker("Task 3", 5))

                print("All tasks started")

        print("All tasks completed or cancelled")
    except asyncio.TimeoutError:
        print("Operation timed out, all tasks were cancelled")

    # Check results of completed tasks
    for task in [task1, task2, task3]:
        if not task.cancelled():
            try:
                result = task.result()
                print(f"Got result: {result}")
            except Exception as e:
                print(f"Task raised: {e}")


async def main():
    print("== 1. a server: each request has 5 s")
    await server_main()
    print("\n== 2. one timeout (2 s) around a task group")
    await main_with_taskgroup()

asyncio.run(main())
