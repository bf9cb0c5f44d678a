# SPDX-License-Identifier: MIT
"""Example 11: health checks with per-service timeouts; a tiered cache with a timeout per tier.

The Python original of 11_health_cache.c, from the tutorials (tutorial "timeouts and
waiting", real-world scenarios):
  1. ServiceHealthCheck / check_system_health(): four services checked at once, each
     with its own timeout; slow answers count as degraded, timeouts and errors as
     unhealthy
  2. CacheTier / DataAPI: L1 memory, L2 Redis, L3 disk, then the database, each tried
     with its own timeout; hits are copied to the faster tiers in the background;
     when the database times out, stale data from any tier, else an error
Adaptations: one main(); title lines; loop time on each line; `import time`, which the
tutorial's health check uses but does not import; the response-time "timestamp" of the health
report and the "timestamp" of a database row come from loop.time() (rounded to the
millisecond) instead of time.time(); "elapsed_ms" is rounded to 0.1 ms (the exact float
would print with noise digits); the cache tasks still running when main() ends are
cancelled, as asyncio.run() does. The randomness comes from one fixed list, drawn in this
order (see RANDOM below): random.choice picks item int(u * len), uniform(a, b) is
a + (b - a) * u, random() is u.
Run: python3 11_health_cache.py [--virtual]
"""
import asyncio
import json
import time
from virtual_asyncio import timed_print as print, Scripted

RANDOM = [
    # 1. health checks: the latency choice of each service (0.1, 0.6, 2.5, 0.1 s),
    #    then the error draw of each service that answered (< 0.2: an error)
    0.0, 0.5, 0.9, 0.0, 0.5, 0.1, 0.9,
    # 2. every cache lookup takes its typical latency (u = 0.5: factor 1.0), every
    #    cache write 0.75 of it (u = 0.5); the other draws:
    0.5, 0.5, 0.5, 0.3525, 0.5, # product-123: three misses, database 1.205 s, price 55.0
    0.5, 0.5, 0.5, 0.5, 0.3,    # again: L1 lookup and three cache writes (*), L1 hit (< 0.7)
    0.5, 0.5, 0.5, 0.9,         # product-456: three misses, database 2.3 s (times out)
    0.5, 0.5, 0.5,              #   stale lookups: three misses
    0.5, 0.5, 0.5, 0.25, 0.3,   # again: three misses, database 1.0 s, price 37.0
    0.5, 0.5, 0.5, 0.5,         # product-789: L1 lookup, product-456's three writes,
    0.5, 0.5, 0.2, 0.8,         #   L2, L3 misses, database 0.9 s, price 82.0
    0.5, 0.5, 0.5, 0.5,         # again: L1 lookup and three cache writes (*),
    0.9, 0.5, 0.5,              #   L1 miss (>= 0.7), L2 lookup, L2 hit (< 0.8)
    0.5,                        # the L1 write that this hit starts gets one step
]                               # before asyncio.run() cancels it
# (*) Python 3.11's wait_for runs the lookup in a new task, so the writes draw first;
#     3.12+ and the C port draw the lookup first. Both draw 0.5, so it makes no difference.
random = Scripted(RANDOM)


# 1. -----------------------------------------------------------------------
class ServiceHealthCheck:
    def __init__(self, service_name, endpoint, timeout=2.0, degraded_threshold=500):
        self.service_name = service_name
        self.endpoint = endpoint
        self.timeout = timeout
        self.degraded_threshold = degraded_threshold  # ms

    async def check_health(self):
        try:
            # Simulate health check request with timeout
            start_time = asyncio.get_running_loop().time()
            response = await asyncio.wait_for(self._make_request(), timeout=self.timeout)
            duration_ms = (asyncio.get_running_loop().time() - start_time) * 1000

            # Check if the service is degraded based on response time
            if duration_ms > self.degraded_threshold:
                return {
                    "service": self.service_name,
                    "status": "degraded",
                    "response_time_ms": duration_ms,
                    "message": f"Response time ({duration_ms:.1f}ms) exceeds threshold ({self.degraded_threshold}ms)"
                }

            # Check response status
            if response.get("status") == "ok":
                return {
                    "service": self.service_name,
                    "status": "healthy",
                    "response_time_ms": duration_ms,
                    "message": "Service is responding normally"
                }
            else:
                return {
                    "service": self.service_name,
                    "status": "unhealthy",
                    "response_time_ms": duration_ms,
                    "message": f"Service reported non-ok status: {response.get('status', 'unknown')}"
                }

        except asyncio.TimeoutError:
            return {
                "service": self.service_name,
                "status": "unhealthy",
                "response_time_ms": self.timeout * 1000,
                "message": f"Health check timed out after {self.timeout}s"
            }
        except Exception as e:
            return {
                "service": self.service_name,
                "status": "unhealthy",
                "response_time_ms": None,
                "message": f"Health check failed: {str(e)}"
            }

    async def _make_request(self):
        # Simulate request to health check endpoint
        # In a real system, this would use aiohttp or similar
        await asyncio.sleep(random.choice([
            0.1,  # Fast response
            0.6,  # Degraded response
            2.5   # Would time out
        ]))

        # Simulate occasional errors
        if random.random() < 0.2:
            return {"status": "error", "message": "Internal server error"}

        return {"status": "ok", "version": "1.0.3"}


async def check_system_health(services):
    # Run all health checks concurrently
    health_checks = [service.check_health() for service in services]
    results = await asyncio.gather(*health_checks)

    # Analyze overall system health
    system_status = "healthy"
    unhealthy_services = []
    degraded_services = []

    for result in results:
        if result["status"] == "unhealthy":
            system_status = "unhealthy"
            unhealthy_services.append(result["service"])
        elif result["status"] == "degraded":
            if system_status == "healthy":
                system_status = "degraded"
            degraded_services.append(result["service"])

    return {
        "system_status": system_status,
        "timestamp": round(asyncio.get_running_loop().time(), 3),
        "unhealthy_services": unhealthy_services,
        "degraded_services": degraded_services,
        "service_details": results
    }


async def health_main():
    # Define services to check
    services = [
        ServiceHealthCheck("auth-service", "https://auth.example.com/health", timeout=1.0),
        ServiceHealthCheck("payment-service", "https://payment.example.com/health", timeout=2.0),
        ServiceHealthCheck("inventory-service", "https://inventory.example.com/health", timeout=1.5),
        ServiceHealthCheck("notification-service", "https://notification.example.com/health", timeout=1.0)
    ]

    # Check system health
    health_report = await check_system_health(services)

    # Print summary
    print(f"System Status: {health_report['system_status']}")

    if health_report["unhealthy_services"]:
        print(f"Unhealthy Services: {', '.join(health_report['unhealthy_services'])}")

    if health_report["degraded_services"]:
        print(f"Degraded Services: {', '.join(health_report['degraded_services'])}")

    # Print details
    print("\nService Details:")
    for service in health_report["service_details"]:
        print(f"  {service['service']}: {service['status']} - {service['message']}")
        if service["response_time_ms"] is not None:
            print(f"    Response Time: {service['response_time_ms']:.1f}ms")


# 2. -----------------------------------------------------------------------
class CacheTier:
    def __init__(self, name, typical_latency, hit_rate=0.8):
        self.name = name
        self.typical_latency = typical_latency
        self.hit_rate = hit_rate
        self._cache = {}  # Simplified cache implementation

    async def get(self, key):
        # Simulate cache lookup with typical latency
        await asyncio.sleep(self.typical_latency * random.uniform(0.8, 1.2))

        # Simulate cache hit/miss based on hit rate
        if key in self._cache and random.random() < self.hit_rate:
            print(f"Cache HIT in {self.name} for {key}")
            return self._cache[key]

        print(f"Cache MISS in {self.name} for {key}")
        return None

    async def set(self, key, value, ttl=None):
        # Simulate cache write with latency
        await asyncio.sleep(self.typical_latency * random.uniform(0.5, 1.0))
        self._cache[key] = value
        print(f"Cached in {self.name}: {key}")


class DataAPI:
    def __init__(self):
        # Setup cache tiers from fastest to slowest
        self.l1_cache = CacheTier("L1-Memory", 0.001, hit_rate=0.7)   # In-memory cache, very fast
        self.l2_cache = CacheTier("L2-Redis", 0.03, hit_rate=0.8)     # Redis cache, fast
        self.l3_cache = CacheTier("L3-Disk", 0.2, hit_rate=0.9)       # Disk cache, medium

        # Timeouts for each layer
        self.l1_timeout = 0.01
        self.l2_timeout = 0.1
        self.l3_timeout = 0.5
        self.db_timeout = 2.0

    async def get_data(self, key):
        start_time = asyncio.get_running_loop().time()

        # Try L1 cache with short timeout
        try:
            l1_result = await asyncio.wait_for(
                self.l1_cache.get(key),
                timeout=self.l1_timeout
            )
            if l1_result:
                return l1_result
        except asyncio.TimeoutError:
            print(f"L1 cache timed out for {key}")

        # Try L2 cache with short timeout
        try:
            l2_result = await asyncio.wait_for(
                self.l2_cache.get(key),
                timeout=self.l2_timeout
            )
            if l2_result:
                # Cache up to L1 asynchronously without blocking
                asyncio.create_task(self.l1_cache.set(key, l2_result))
                return l2_result
        except asyncio.TimeoutError:
            print(f"L2 cache timed out for {key}")

        # Try L3 cache with medium timeout
        try:
            l3_result = await asyncio.wait_for(
                self.l3_cache.get(key),
                timeout=self.l3_timeout
            )
            if l3_result:
                # Cache up to L1 and L2 asynchronously
                asyncio.create_task(self.l1_cache.set(key, l3_result))
                asyncio.create_task(self.l2_cache.set(key, l3_result))
                return l3_result
        except asyncio.TimeoutError:
            print(f"L3 cache timed out for {key}")

        # Try database with longer timeout
        try:
            db_result = await asyncio.wait_for(
                self._fetch_from_database(key),
                timeout=self.db_timeout
            )

            # Cache in all layers asynchronously
            asyncio.create_task(self.l1_cache.set(key, db_result))
            asyncio.create_task(self.l2_cache.set(key, db_result))
            asyncio.create_task(self.l3_cache.set(key, db_result))

            return db_result
        except asyncio.TimeoutError:
            print(f"Database timed out for {key}")

            # Return partial or stale data if available
            stale_data = await self._get_stale_data(key)
            if stale_data:
                return {**stale_data, "stale": True}

        # If all else fails, return a service unavailable response
        elapsed = asyncio.get_running_loop().time() - start_time
        return {
            "error": "Service temporarily unavailable",
            "elapsed_ms": round(elapsed * 1000, 1)
        }

    async def _fetch_from_database(self, key):
        # Simulate database query with variable latency
        print(f"Querying database for {key}")
        await asyncio.sleep(random.uniform(0.5, 2.5))

        # Simulate database result
        return {
            "id": key,
            "name": f"Item {key}",
            "description": f"Description for item {key}",
            "price": round(random.uniform(10, 100), 2),
            "timestamp": round(asyncio.get_running_loop().time(), 3)
        }

    async def _get_stale_data(self, key):
        # Try to get any available data, even if stale
        print(f"Looking for any stale data for {key}")

        # Try caches without timeouts
        for cache in [self.l1_cache, self.l2_cache, self.l3_cache]:
            try:
                result = await cache.get(key)
                if result:
                    print(f"Found stale data in {cache.name}")
                    return result
            except Exception:
                pass

        return None


async def cache_main():
    api = DataAPI()

    # Try getting some data
    keys = ["product-123", "product-456", "product-789"]

    for key in keys:
        print(f"\nFetching {key}...")
        result = await api.get_data(key)
        print(f"Result for {key}: {json.dumps(result, indent=2)}")

        # Simulate a second request that might hit cache
        print(f"\nFetching {key} again...")
        result = await api.get_data(key)
        print(f"Result for {key} (second request): {json.dumps(result, indent=2)}")


async def main():
    print("== 1. health checks, each service with its own timeout")
    await health_main()
    print("\n== 2. a tiered cache, each tier with its own timeout")
    await cache_main()

asyncio.run(main())
