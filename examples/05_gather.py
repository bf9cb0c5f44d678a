# SPDX-License-Identifier: MIT
"""Example 5: gather with individual timeouts and partial results; one timeout over a gather.

The Python original of 05_gather.c, from the tutorials:
  1. fetch_all_with_global_timeout(): wait_for(gather(...), 5.0)  (tutorial "from first principles",
     pattern 1), then the same with 2.5 s, which is not enough
  2. fetch_with_individual_timeouts(): each fetch has its own timeout, gather collects
     results and timeouts alike                                    (pattern 2, same tutorial)
  3. async with timeout(5): gather(...)                            (tutorial "timeouts mechanism",
     example 2)
  4. partial results: count successes and timeouts                 (same tutorial, example 3)
Adaptations: one main(); title lines; loop time on each line; the global timeout is a
parameter and its message prints it (the tutorial hard-codes "5 seconds"); part 4's
fetch_data(url), which the tutorial does not define, takes 0.5 s for "fast-api", 3 s for
"slow-api" and 1.5 s for "normal-api".
Run: python3 05_gather.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


async def fetch_data(source, delay):
    """Simulates fetching data from different sources"""
    print(f"Fetching from {source}...")
    await asyncio.sleep(delay)
    return f"Data from {source}"


# 1. -----------------------------------------------------------------------
async def fetch_all_with_global_timeout(timeout=5.0):
    """Apply a single timeout to all operations combined"""

    async def fetch_multiple():
        # Start all operations concurrently
        tasks = [
            fetch_data("Database", 2),
            fetch_data("API", 3),
            fetch_data("Cache", 1)
        ]

        # Wait for all to complete
        results = await asyncio.gather(*tasks)
        return results

    try:
        # Give all operations a combined 5 seconds
        results = await asyncio.wait_for(fetch_multiple(), timeout=timeout)
        print(f"All results: {results}")

    except asyncio.TimeoutError:
        print(f"Not all operations completed within {timeout:g} seconds")


# 2. -----------------------------------------------------------------------
async def fetch_with_individual_timeouts():
    """Apply separate timeouts to each operation"""

    async def safe_fetch(source, delay, timeout):
        """Wrapper that applies timeout to individual operations"""
        try:
            return await asyncio.wait_for(
                fetch_data(source, delay),
                timeout=timeout
            )
        except asyncio.TimeoutError:
            return f"Timeout: {source} took too long"

    # Start all operations with different timeout limits
    tasks = [
        safe_fetch("Database", 2, 3.0),  # 3 second timeout
        safe_fetch("API", 4, 2.0),       # 2 second timeout (will timeout)
        safe_fetch("Cache", 1, 5.0)      # 5 second timeout
    ]

    # Wait for all operations (successful or timed out)
    results = await asyncio.gather(*tasks)

    for result in results:
        print(result)


# 3. -----------------------------------------------------------------------
async def fetch_data_from_api(api_url):
    # Simulate API call
    await asyncio.sleep(2)
    return f"Data from {api_url}"


async def timeout_over_gather():
    apis = ["api1", "api2", "api3"]

    try:
        async with asyncio.timeout(5):
            tasks = [fetch_data_from_api(api) for api in apis]
            results = await asyncio.gather(*tasks)
            print(f"All results: {results}")
    except asyncio.TimeoutError:
        print("Failed to fetch all data within 5 seconds")


# 4. -----------------------------------------------------------------------
async def fetch_url(url):
    await asyncio.sleep({"fast-api": 0.5, "slow-api": 3, "normal-api": 1.5}[url])
    return f"Data from {url}"


async def fetch_with_individual_timeout(url, timeout=2):
    try:
        await asyncio.wait_for(fetch_url(url), timeout=timeout)
        return {"url": url, "status": "success"}
    except asyncio.TimeoutError:
        return {"url": url, "status": "timeout"}


async def partial_results():
    urls = ["fast-api", "slow-api", "normal-api"]

    # Give each operation its own timeout
    tasks = [fetch_with_individual_timeout(url) for url in urls]
    results = await asyncio.gather(*tasks)

    successful = [r for r in results if r["status"] == "success"]
    failed = [r for r in results if r["status"] == "timeout"]

    print(f"Successful: {len(successful)}")
    print(f"Failed: {len(failed)}")


async def main():
    print("== 1. one timeout over a gather: wait_for(gather(...), 5.0)")
    await fetch_all_with_global_timeout()
    print("\n== 1b. the same with 2.5 s")
    await fetch_all_with_global_timeout(2.5)
    print("\n== 2. a timeout for each fetch, gathered")
    await fetch_with_individual_timeouts()
    print("\n== 3. async with timeout(5): await gather(...)")
    await timeout_over_gather()
    print("\n== 4. partial results: each fetch within 2 s")
    await partial_results()

asyncio.run(main())
