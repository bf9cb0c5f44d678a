# SPDX-License-Identifier: MIT
"""Example 12: resource cleanup under a timeout: acquire, use, release in finally.

The Python original of 12_resource_cleanup.c, from the tutorials:
  1. use_resource_with_timeout(): the release runs in `finally`, after the timeout
     (tutorial "timeouts and waiting"), with 2 s (times out) and 10 s (does not)
  2. database_operation(): the cancelled query closes its connection, then re-raises
     (tutorial "timeouts mechanism", example 1)
  3. bad_resource_handling() / good_resource_handling(): without try/finally the
     release is skipped when a timeout cancels the work (tutorial "timeouts and waiting",
     pitfall 1)
Adaptations: one main(); title lines; loop time on each line; the tutorials leave
connect_to_database(), acquire_resource(), use_resource() and release_resource()
undefined: here they print what they do and take 0.5 s, 0.1 s, 2 s and 0.1 s (the
query takes 10 s); part 3 runs each function under wait_for(..., 1).
Run: python3 12_resource_cleanup.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print


# 1. -----------------------------------------------------------------------
class ResourceManager:
    async def acquire(self):
        print("Acquiring resource...")
        await asyncio.sleep(0.5)
        print("Resource acquired")
        return self

    async def release(self):
        print("Releasing resource...")
        await asyncio.sleep(0.5)
        print("Resource released")


async def use_resource_with_timeout(timeout):
    manager = ResourceManager()
    resource = None

    try:
        # Apply timeout to the operation
        async with asyncio.timeout(timeout):
            # Acquire the resource
            resource = await manager.acquire()

            # Use the resource (slow operation)
            print("Using resource...")
            await asyncio.sleep(5)
            print("Resource usage completed")
    except asyncio.TimeoutError:
        print(f"Operation timed out after {timeout}s")
    finally:
        # Ensure resource is released even on timeout
        if resource:
            await resource.release()


# 2. -----------------------------------------------------------------------
class Connection:
    async def fetch_data(self):
        return "rows"

    async def close(self):
        print("Closing the database connection...")
        await asyncio.sleep(0.1)
        print("Connection closed")


async def connect_to_database():
    print("Connecting to the database...")
    await asyncio.sleep(0.5)
    print("Connected")
    return Connection()


async def database_operation():
    connection = None
    try:
        connection = await connect_to_database()
        await asyncio.sleep(10)  # Simulate slow query
        return await connection.fetch_data()
    except asyncio.CancelledError:
        print("Database operation cancelled, cleaning up...")
        if connection:
            await connection.close()
        raise


async def database_main():
    try:
        async with asyncio.timeout(5):
            result = await database_operation()
            print(f"Result: {result}")
    except asyncio.TimeoutError:
        print("Database operation timed out after 5 seconds")


# 3. -----------------------------------------------------------------------
async def acquire_resource():
    print("acquire_resource()")
    await asyncio.sleep(0.1)
    return "resource"


async def use_resource(resource):
    print(f"use_resource({resource!r}) takes 2 s")
    await asyncio.sleep(2)
    return "result"


async def release_resource(resource):
    print(f"release_resource({resource!r})")
    await asyncio.sleep(0.1)
    print("released")


# BAD: Resources might not be cleaned up on timeout
async def bad_resource_handling():
    resource = await acquire_resource()

    # If timeout occurs during use_resource, release won't happen
    result = await use_resource(resource)

    await release_resource(resource)
    return result


# GOOD: Ensure resources are cleaned up on timeout
async def good_resource_handling():
    resource = await acquire_resource()
    try:
        result = await use_resource(resource)
        return result
    finally:
        # This will run even if a timeout cancels the operation
        await release_resource(resource)


async def main():
    print("== 1. acquire and use under a timeout, release in finally")
    # This will time out
    await use_resource_with_timeout(2)
    print("\n---\n")
    # This won't time out
    await use_resource_with_timeout(10)

    print("\n== 2. a cancelled query closes its connection")
    await database_main()

    print("\n== 3. without and with try/finally, under wait_for(..., 1)")
    for handling in (bad_resource_handling, good_resource_handling):
        try:
            await asyncio.wait_for(handling(), timeout=1)
        except asyncio.TimeoutError:
            print(f"{handling.__name__}: timed out")

asyncio.run(main())
