# SPDX-License-Identifier: MIT
"""Example 7: timeout with fallback; staggered timeouts for graceful degradation; progressive timeouts.

The Python original of 07_fallback_degradation.c, from the tutorials (tutorial "timeouts
and waiting"):
  1. operation_with_fallback(): the primary within 2 s, else a fast fallback
  2. get_product_with_graceful_degradation(): full, basic or minimal product data
     within max_wait = 0.5, 1.5 and 3.5 s
  3. the same idea within one budget, each tier given what the cheaper tiers leave it
     (not in the tutorials: their version gives the full fetch the whole budget, so with
     these numbers it never reaches the basic or minimal tier)
  4. operation_with_progressive_timeout(): the timeout shrinks as the work goes on
Adaptations: one main(); title lines; loop time on each line; part 2 measures time with
loop.time() instead of time.time() (the virtual loop has no wall clock); the primary's
random durations come from a fixed list: uniform(1, 5) = 1 + 4 * u for
u = 0.125, 0.55, 0.775, 0.2, 0.425 (1.5, 3.2, 4.1, 1.8, 2.7 s).
Run: python3 07_fallback_degradation.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print, Scripted

random = Scripted([0.125, 0.55, 0.775, 0.2, 0.425])


# 1. -----------------------------------------------------------------------
async def primary_operation():
    # Simulate primary operation with random duration
    duration = random.uniform(1, 5)
    print(f"Primary operation running (will take {duration:.1f}s)")
    await asyncio.sleep(duration)
    return "Primary result"


async def fallback_operation():
    # Simulate fallback operation (faster and more reliable)
    print("Fallback operation running")
    await asyncio.sleep(0.5)
    return "Fallback result"


async def operation_with_fallback(timeout=2):
    try:
        # Try the primary operation with a timeout
        result = await asyncio.wait_for(primary_operation(), timeout=timeout)
        print("Primary operation succeeded")
        return result
    except asyncio.TimeoutError:
        print(f"Primary operation timed out after {timeout}s, using fallback")
        # Fall back to the alternative operation
        return await fallback_operation()


# 2. -----------------------------------------------------------------------
async def fetch_full_data(product_id):
    # Simulate a comprehensive data fetch
    print("Fetching full product data...")
    await asyncio.sleep(3)
    return {
        "id": product_id,
        "name": "Deluxe Widget",
        "price": 49.99,
        "description": "A high-quality widget with many features",
        "specifications": {"weight": "1.2kg", "dimensions": "10x15x2cm"},
        "reviews": ["Great product!", "Works well", "Highly recommended"],
        "related_items": [101, 102, 103]
    }


async def fetch_basic_data(product_id):
    # Simulate a faster, basic data fetch
    print("Fetching basic product data...")
    await asyncio.sleep(1)
    return {
        "id": product_id,
        "name": "Deluxe Widget",
        "price": 49.99,
        "description": "A high-quality widget with many features"
    }


async def fetch_minimal_data(product_id):
    # Simulate a very fast, minimal data fetch
    print("Fetching minimal product data...")
    await asyncio.sleep(0.2)
    return {
        "id": product_id,
        "name": "Deluxe Widget",
        "price": 49.99
    }


async def get_product_with_graceful_degradation(product_id, max_wait=2):
    loop = asyncio.get_running_loop()
    start_time = loop.time()
    result = None

    # Try to get the full data within the max wait time
    try:
        full_data_task = asyncio.create_task(fetch_full_data(product_id))
        result = await asyncio.wait_for(full_data_task, timeout=max_wait)
        print("Using full data")
        return result
    except asyncio.TimeoutError:
        print("Full data timed out")
        # Continue with degraded options

    # Calculate remaining time
    elapsed = loop.time() - start_time
    remaining = max(0, max_wait - elapsed)

    # Try to get basic data with remaining time
    if remaining > 0.5:  # Only if we have enough time for basic data
        try:
            basic_data_task = asyncio.create_task(fetch_basic_data(product_id))
            result = await asyncio.wait_for(basic_data_task, timeout=remaining)
            print("Using basic data")
            return result
        except asyncio.TimeoutError:
            print("Basic data timed out")
    else:
        print("Not enough time for basic data")

    # Calculate remaining time again
    elapsed = loop.time() - start_time
    remaining = max(0, max_wait - elapsed)

    # Fall back to minimal data with any remaining time
    if remaining > 0:
        try:
            minimal_data_task = asyncio.create_task(fetch_minimal_data(product_id))
            result = await asyncio.wait_for(minimal_data_task, timeout=remaining)
            print("Using minimal data")
            return result
        except asyncio.TimeoutError:
            print("Minimal data timed out")

    # If everything timed out, return an error placeholder
    if result is None:
        print("All data fetches timed out")
        return {"id": product_id, "error": "Data unavailable"}


# 3. -----------------------------------------------------------------------
TIERS = [  # (name, fetch, what the cheaper tiers after it need: 1 s + 0.2 s + margins)
    ("full", fetch_full_data, 1.5),
    ("basic", fetch_basic_data, 0.3),
    ("minimal", fetch_minimal_data, 0.0),
]


async def get_product_within_budget(product_id, budget):
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(budget) as envelope:  # never more than the budget
            for name, fetch, reserve in TIERS:
                allowance = envelope.when() - loop.time() - reserve
                if allowance <= 0:
                    print(f"Not enough time for {name} data")
                    continue
                try:
                    result = await asyncio.wait_for(fetch(product_id), timeout=allowance)
                    print(f"Using {name} data")
                    return result
                except asyncio.TimeoutError:
                    print(f"{name.capitalize()} data timed out")
    except asyncio.TimeoutError:
        pass
    print("All data fetches timed out")
    return {"id": product_id, "error": "Data unavailable"}


# 4. -----------------------------------------------------------------------
async def operation_with_progressive_timeout(items):
    results = []

    # Set initial timeout
    timeout_per_item = 2
    remaining_items = len(items)

    # Process each item with a timeout based on remaining work
    for i, item in enumerate(items):
        remaining_time = timeout_per_item * remaining_items
        print(f"Processing item {i}, timeout: {remaining_time}s")

        try:
            # Process with timeout
            async with asyncio.timeout(remaining_time):
                result = await process_item(item)
                results.append(result)
        except asyncio.TimeoutError:
            print(f"Timeout processing item {i}")
            # Skip this item and adjust timeout for remaining items
            timeout_per_item *= 0.8  # Reduce timeout for remaining items

        remaining_items -= 1

    return results


async def process_item(item):
    # Simulate processing with variable duration
    await asyncio.sleep(item)
    return f"Processed {item}"


async def main():
    print("== 1. timeout with fallback (primary within 2 s, five times)")
    for _ in range(5):
        result = await operation_with_fallback()
        print(f"Result: {result}\n")

    print("== 2. graceful degradation: full, basic or minimal data")
    for max_wait in [0.5, 1.5, 3.5]:
        print(f"\nTrying with max_wait={max_wait}s")
        result = await get_product_with_graceful_degradation(100, max_wait=max_wait)
        print(f"Final result: {result}")

    print("\n== 3. staggered: each tier gets what the cheaper ones leave it")
    for budget in [0.5, 2.0, 5.0]:
        print(f"\nBudget {budget}s")
        result = await get_product_within_budget(100, budget)
        print(f"Final result: {result}")

    print("\n== 4. progressive timeouts")
    items = [1, 3, 2, 4, 1]
    results = await operation_with_progressive_timeout(items)
    print(f"Completed processing {len(results)} of {len(items)} items")
    print(f"Results: {results}")

asyncio.run(main())
