# SPDX-License-Identifier: MIT
"""Example 6: retry with exponential backoff, jitter and a timeout per attempt.

The Python original of 06_retry_backoff.c, from the tutorials: unreliable_operation()
and retry_with_backoff() (tutorial "timeouts and waiting", exponential backoff with
timeouts). Each attempt gets twice the timeout of the one before; between attempts
it sleeps half the timeout plus a random jitter.
Adaptations: one main() that runs it twice: as in the tutorial (base timeout 1 s, up to
5 retries), then with a base timeout of 0.5 s and 2 retries, which all fail; title
lines; loop time on each line. The randomness comes from a fixed list instead of
the random module, so that both runs are repeatable and the C port uses the same
numbers: random() returns, in order,
    0.1            attempt 1 fails at once (< 0.3)
    0.5            jitter 0.5 * 0.5 * 1 = 0.25 s
    0.6, 0.2       attempt 2 hangs (>= 0.3, then < 0.5)
    0.25           jitter 0.25 * 0.5 * 2 = 0.25 s
    0.7, 0.9       attempt 3 succeeds after 0.5 s
and for the second run
    0.4, 0.3       attempt 1 hangs
    0.4            jitter 0.4 * 0.5 * 0.5 = 0.1 s
    0.05           attempt 2 fails at once
    0.5            jitter 0.5 * 0.5 * 1 = 0.25 s
    0.8, 0.1       attempt 3 hangs
    0.0            jitter 0
Run: python3 06_retry_backoff.py [--virtual]
"""
import asyncio
from virtual_asyncio import timed_print as print, Scripted

random = Scripted([0.1, 0.5, 0.6, 0.2, 0.25, 0.7, 0.9,
                   0.4, 0.3, 0.4, 0.05, 0.5, 0.8, 0.1, 0.0])


async def unreliable_operation():
    # Simulate an unreliable operation that sometimes fails or hangs
    if random.random() < 0.3:
        print("Operation failed immediately")
        raise RuntimeError("Operation failed")

    if random.random() < 0.5:
        # Simulate a hanging operation
        print("Operation hanging...")
        await asyncio.sleep(10)
        return "This won't be reached due to timeout"

    # Simulate successful operation
    await asyncio.sleep(0.5)
    print("Operation succeeded")
    return "Success"


async def retry_with_backoff(operation, max_retries=5, base_timeout=1):
    retries = 0
    last_exception = None

    while retries <= max_retries:
        # Calculate timeout with exponential backoff
        timeout = base_timeout * (2 ** retries)

        try:
            print(f"Attempt {retries + 1} with timeout {timeout:.1f}s")

            # Try the operation with timeout
            return await asyncio.wait_for(operation(), timeout=timeout)

        except asyncio.TimeoutError:
            print(f"Timeout on attempt {retries + 1}")
            last_exception = asyncio.TimeoutError(f"Operation timed out after {timeout}s")

        except Exception as e:
            print(f"Error on attempt {retries + 1}: {e}")
            last_exception = e

        # Increment retry counter
        retries += 1

        # Add jitter to avoid thundering herd
        jitter = random.uniform(0, 0.5 * timeout)
        await asyncio.sleep(timeout / 2 + jitter)

    # If we get here, all retries failed
    raise last_exception


async def main():
    print("== 1. up to 5 retries, first timeout 1 s")
    try:
        result = await retry_with_backoff(unreliable_operation)
        print(f"Final result: {result}")
    except Exception as e:
        print(f"All retries failed: {e}")

    print("\n== 2. up to 2 retries, first timeout 0.5 s")
    try:
        result = await retry_with_backoff(unreliable_operation, max_retries=2,
                                          base_timeout=0.5)
        print(f"Final result: {result}")
    except Exception as e:
        print(f"All retries failed: {e}")

asyncio.run(main())
