# SPDX-License-Identifier: MIT
"""Example 2: timeout scopes (async with asyncio.timeout).

The Python original of 02_timeout_scopes.c, from the tutorials:
  1. demo_timeout(): the basic block                       (tutorial "advanced asyncio")
  2. multi_stage_operation(): per-stage deadlines inside an overall envelope
     (tutorial "advanced asyncio"); run with its 10 s envelope, then with 5 s
  3. confusing_nested_timeouts() / clear_nested_timeouts(): which one fired?
     (tutorial "timeouts and waiting", pitfall 3)
  4. example_timeout_context(): reschedule                  (tutorial "timeouts and waiting")
  5. adaptive_operation(): a deadline that the work can read (tutorial "advanced asyncio")
  6. process_with_layered_timeouts()                        (tutorial "timeouts and waiting")
Adaptations, so that it runs and shows its point:
  - one main() instead of several asyncio.run() calls; title lines; loop time on each line;
  - multi_stage_operation takes the envelope as a parameter (the tutorial hard-codes 10 s);
  - the nested-timeout pitfall prints which scope expired (Timeout.expired());
  - reschedule() takes an absolute time: the tutorial's reschedule(2) meant "2 s from now",
    so it is written loop.time() + 2;
  - adaptive_operation read task._must_cancel, which the tutorial itself says not to do
    and suggests tracking the deadline instead: here timeout_at() and when() do that.
Run: python3 02_timeout_scopes.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


async def slow_operation(name, seconds):
    """Simulate a slow operation."""
    print(f"{name} starting, will take {seconds}s")
    await asyncio.sleep(seconds)
    print(f"{name} complete")
    return f"{name} result"


async def demo_timeout():
    try:
        # Timeout after 2 seconds
        async with asyncio.timeout(2):
            result = await slow_operation("task", 5)
            print(f"Result: {result}")
    except TimeoutError:
        print("Operation timed out!")


async def multi_stage_operation(overall=10):
    """Multiple stages with individual timeouts."""
    try:
        async with asyncio.timeout(overall):  # Overall timeout: 10s
            print("Stage 1: fetching")
            async with asyncio.timeout(3):  # Stage 1 timeout: 3s
                await asyncio.sleep(2)
            print("Stage 1 done")

            print("Stage 2: processing")
            async with asyncio.timeout(2):  # Stage 2 timeout: 2s
                await asyncio.sleep(1)
            print("Stage 2 done")

            print("Stage 3: saving")
            async with asyncio.timeout(5):  # Stage 3 timeout: 5s
                await asyncio.sleep(3)
            print("Stage 3 done")
    except TimeoutError as e:
        print(f"Multi-stage operation timed out: {e}")


async def confusing_nested_timeouts():
    try:
        # Outer timeout
        async with asyncio.timeout(5) as outer:
            # Inner timeout (longer than outer)
            async with asyncio.timeout(10) as inner:
                await asyncio.sleep(7)
    except asyncio.TimeoutError:
        print("Which timeout was triggered?")
        print(f"outer expired: {outer.expired()}, inner expired: {inner.expired()}")


async def clear_nested_timeouts():
    try:
        # Outer timeout
        async with asyncio.timeout(5) as outer_timeout:
            try:
                # Inner timeout (shorter than outer)
                async with asyncio.timeout(2) as inner_timeout:
                    await asyncio.sleep(3)
            except asyncio.TimeoutError:
                print("Inner timeout triggered after 2s")
    except asyncio.TimeoutError:
        print("Outer timeout triggered after 5s")


async def example_timeout_context():
    try:
        # Set a timeout for the block
        async with asyncio.timeout(1):
            await asyncio.sleep(2)
            print("This won't be reached")
    except asyncio.TimeoutError:
        print("The operation timed out")

    # Resetting a timeout
    try:
        # Create a reusable timeout context
        async with asyncio.timeout(10) as timeout:
            # Do some work
            await asyncio.sleep(1)
            print("First part completed")

            # Reset the timeout
            timeout.reschedule(asyncio.get_running_loop().time() + 2)

            # This will time out
            await asyncio.sleep(3)
            print("This won't be reached")
    except asyncio.TimeoutError:
        print("The operation timed out after reset")


async def adaptive_operation():
    """Adjust behavior based on time pressure."""
    loop = asyncio.get_running_loop()

    try:
        async with asyncio.timeout_at(loop.time() + 10) as deadline:
            for i in range(5):
                remaining = deadline.when() - loop.time()
                print(f"Step {i}: doing work ({remaining:.1f}s left)")
                await asyncio.sleep(2)
    except TimeoutError:
        print("Out of time; aborting remaining steps")


async def process_with_layered_timeouts(data_url, process_timeout=30):
    # Overall timeout for the entire operation
    try:
        async with asyncio.timeout(process_timeout):
            # Timeout for the fetch operation (10s)
            try:
                data = await asyncio.wait_for(fetch_data(data_url), timeout=10)
            except asyncio.TimeoutError:
                print("Fetch operation timed out, using cached data")
                data = get_cached_data()

            # Timeout for the processing (15s)
            try:
                result = await asyncio.wait_for(process_data(data), timeout=15)
                return result
            except asyncio.TimeoutError:
                print("Processing timed out, returning partial result")
                return get_partial_result(data)
    except asyncio.TimeoutError:
        print(f"Overall operation timed out after {process_timeout}s")
        return None


async def fetch_data(url):
    # Simulate network fetch
    await asyncio.sleep(5)
    return {"data": "sample"}


async def process_data(data):
    # Simulate processing
    await asyncio.sleep(7)
    return {"processed": data["data"]}


def get_cached_data():
    return {"data": "cached"}


def get_partial_result(data):
    return {"partial": data["data"]}


async def main():
    print("== 1. async with asyncio.timeout(2): await slow_operation('task', 5)")
    await demo_timeout()
    print("\n== 2. per-stage deadlines inside an overall envelope of 10 s")
    await multi_stage_operation()
    print("\n== 2b. the same with an envelope of 5 s")
    await multi_stage_operation(5)
    print("\n== 3. nested timeouts: which one fired?")
    await confusing_nested_timeouts()
    await clear_nested_timeouts()
    print("\n== 4. reschedule")
    await example_timeout_context()
    print("\n== 5. timeout_at: a deadline the work can read")
    await adaptive_operation()
    print("\n== 6. layered timeouts: fetch (10 s), process (15 s), overall (30 s)")
    result = await process_with_layered_timeouts("https://example.com")
    print(f"Result: {result}")

asyncio.run(main())
