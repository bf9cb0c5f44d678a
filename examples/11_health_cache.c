/* SPDX-License-Identifier: MIT */
/* 11_health_cache.c - health checks of several services, each with its own
 * timeout and a degraded threshold; a tiered cache with a timeout per tier.
 *
 *   1. Four services are checked at once (a task each, gathered). A check
 *      that times out, or whose service reports an error, makes the service
 *      unhealthy; one slower than 500 ms makes it degraded.
 *   2. A lookup tries L1 memory (10 ms), L2 Redis (100 ms), L3 disk (500 ms),
 *      then the database (2 s), each under its own wait_for. A hit is copied
 *      to the faster tiers by background tasks; when the database times out,
 *      any stale copy will do, else the answer is an error with the time spent.
 *
 * The Python original is 11_health_cache.py; both print the same lines. Its
 * "random" numbers come from a fixed list; the same numbers are used here in
 * the same order.
 * Run: 11_health_cache [--virtual] */
#include "example.h"

static const double random_values[] = {
    0.0, 0.5, 0.9, 0.0, 0.5, 0.1, 0.9,          /* 1. health checks */
    0.5, 0.5, 0.5, 0.3525, 0.5, 0.5, 0.5, 0.5, 0.5, 0.3, /* 2. product-123 */
    0.5, 0.5, 0.5, 0.9, 0.5, 0.5, 0.5,          /* product-456 */
    0.5, 0.5, 0.5, 0.25, 0.3,
    0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.2, 0.8,     /* product-789 */
    0.5, 0.5, 0.5, 0.5, 0.9, 0.5, 0.5,
};

/* 1. -------------------------------------------------------------------- */
enum { SERVICE_ERROR = AIO_EUSER }; /* the service answered {"status": "error"} */

/* _make_request(): answer in 0.1, 0.6 or 2.5 s; one answer in five is an error. */
typedef struct { aio_frame frame; } request_t;
static aio_status make_request(aio_task *t, request_t *s) {
    static const double choices[3] = {0.1, 0.6, 2.5}; /* fast, degraded, would time out */
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, aio_seconds(choices[(int)(random_value() * 3)]));
    if (random_value() < 0.2) AIO_RAISE(t, SERVICE_ERROR);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    const char *service;
    double timeout;          /* seconds */
    int degraded_threshold;  /* ms */
    request_t request;
    aio_timeout scope;
    aio_time start;
    aio_status rc;
    const char *status;      /* the result */
    double response_time_ms;
    char message[96];
} health_t;
static aio_status check_health(aio_task *t) {
    health_t *s = AIO_SELF(t, health_t);
    AIO_BEGIN(t);
    s->start = aio_now();
    AIO_WAIT_FOR_CALL(t, s->rc, make_request, &s->request, &s->scope, aio_seconds(s->timeout));
    if (s->rc == AIO_ETIMEDOUT) {
        s->status = "unhealthy";
        s->response_time_ms = s->timeout * 1000;
        snprintf(s->message, sizeof s->message, "Health check timed out after %.1fs", s->timeout);
        AIO_RETURN(t, 0);
    }
    s->response_time_ms = aio_to_seconds(aio_now() - s->start) * 1000;
    if (s->response_time_ms > s->degraded_threshold) {
        s->status = "degraded";
        snprintf(s->message, sizeof s->message, "Response time (%.1fms) exceeds threshold (%dms)",
                 s->response_time_ms, s->degraded_threshold);
    } else if (s->rc == AIO_OK) {
        s->status = "healthy";
        snprintf(s->message, sizeof s->message, "Service is responding normally");
    } else {
        s->status = "unhealthy";
        snprintf(s->message, sizeof s->message, "Service reported non-ok status: error");
    }
    AIO_END(t);
}

/* 2. -------------------------------------------------------------------- */
typedef struct { char id[16]; double price, timestamp; } row_t; /* a database row */
static row_t rows[8];
static int nrows;

/* A cache tier: what it holds, and how fast it is. */
typedef struct {
    const char *name;
    double typical_latency, hit_rate;
    const row_t *entries[8];
    int n;
} tier_t;
static tier_t l1 = {"L1-Memory", 0.001, 0.7, {0}, 0};
static tier_t l2 = {"L2-Redis", 0.03, 0.8, {0}, 0};
static tier_t l3 = {"L3-Disk", 0.2, 0.9, {0}, 0};

static const row_t *tier_lookup(const tier_t *c, const char *key) {
    int i;
    for (i = 0; i < c->n; i++)
        if (strcmp(c->entries[i]->id, key) == 0) return c->entries[i];
    return NULL;
}

/* CacheTier.get(key): lv = the row's index, or -1 for a miss. */
typedef struct { aio_frame frame; tier_t *cache; const char *key; const row_t *row; } get_t;
static aio_status cache_get(aio_task *t, get_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, aio_seconds(s->cache->typical_latency * uniform(0.8, 1.2)));
    s->row = tier_lookup(s->cache, s->key);
    if (s->row && random_value() < s->cache->hit_rate) {
        say("Cache HIT in %s for %s", s->cache->name, s->key);
        AIO_RETURN(t, (int)(s->row - rows));
    }
    say("Cache MISS in %s for %s", s->cache->name, s->key);
    AIO_RETURN(t, -1);
    AIO_END(t);
}

/* CacheTier.set(key, value), run as a background task: create_task(...set(...)). */
typedef struct { aio_task task; tier_t *cache; const row_t *row; } set_t;
static aio_status cache_set(aio_task *t) {
    set_t *s = AIO_SELF(t, set_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, aio_seconds(s->cache->typical_latency * uniform(0.5, 1.0)));
    if (!tier_lookup(s->cache, s->row->id)) s->cache->entries[s->cache->n++] = s->row;
    say("Cached in %s: %s", s->cache->name, s->row->id);
    AIO_END(t);
}
static set_t writers[16]; /* the background writes */
static void set_in_background(tier_t *cache, const row_t *row) {
    int i;
    for (i = 0; i < 16; i++)
        if (writers[i].task.state == 0 || aio_task_done(&writers[i].task)) {
            writers[i].cache = cache;
            writers[i].row = row;
            aio_spawn(&writers[i].task, cache_set);
            return;
        }
}

/* _fetch_from_database(key): a new row after 0.5 to 2.5 s. */
typedef struct { aio_frame frame; const char *key; } db_t;
static aio_status fetch_from_database(aio_task *t, db_t *s) {
    AIO_BEGIN(t, s);
    say("Querying database for %s", s->key);
    AIO_SLEEP(t, aio_seconds(uniform(0.5, 2.5)));
    snprintf(rows[nrows].id, sizeof rows[nrows].id, "%s", s->key);
    rows[nrows].price = uniform(10, 100);
    rows[nrows].timestamp = elapsed();
    AIO_RETURN(t, nrows++);
    AIO_END(t);
}

/* DataAPI.get_data(key): lv = a row index; or -1, then `stale` / `elapsed_ms` say more. */
typedef struct {
    aio_frame frame;
    const char *key;
    aio_time start;
    get_t get;
    db_t db;
    aio_timeout scope;
    int stale;
    double elapsed_ms;
    aio_status rc;
} data_t;
static aio_status get_data(aio_task *t, data_t *s) {
    AIO_BEGIN(t, s);
    s->start = aio_now();
    s->stale = 0;
    s->get.key = s->db.key = s->key;

    s->get.cache = &l1; /* L1 with a short timeout */
    AIO_WAIT_FOR_CALL(t, s->rc, cache_get, &s->get, &s->scope, AIO_MS(10));
    if (s->rc >= 0) AIO_RETURN(t, s->rc);
    if (s->rc == AIO_ETIMEDOUT) say("L1 cache timed out for %s", s->key);

    s->get.cache = &l2; /* L2 with a short timeout */
    AIO_WAIT_FOR_CALL(t, s->rc, cache_get, &s->get, &s->scope, AIO_MS(100));
    if (s->rc >= 0) {
        set_in_background(&l1, &rows[s->rc]); /* copy up to L1, without waiting */
        AIO_RETURN(t, s->rc);
    }
    if (s->rc == AIO_ETIMEDOUT) say("L2 cache timed out for %s", s->key);

    s->get.cache = &l3; /* L3 with a medium timeout */
    AIO_WAIT_FOR_CALL(t, s->rc, cache_get, &s->get, &s->scope, AIO_MS(500));
    if (s->rc >= 0) {
        set_in_background(&l1, &rows[s->rc]);
        set_in_background(&l2, &rows[s->rc]);
        AIO_RETURN(t, s->rc);
    }
    if (s->rc == AIO_ETIMEDOUT) say("L3 cache timed out for %s", s->key);

    /* the database with a longer timeout */
    AIO_WAIT_FOR_CALL(t, s->rc, fetch_from_database, &s->db, &s->scope, AIO_SEC(2));
    if (s->rc >= 0) {
        set_in_background(&l1, &rows[s->rc]); /* cache in all tiers */
        set_in_background(&l2, &rows[s->rc]);
        set_in_background(&l3, &rows[s->rc]);
        AIO_RETURN(t, s->rc);
    }
    say("Database timed out for %s", s->key);

    /* stale data from any tier will do: no timeouts now */
    say("Looking for any stale data for %s", s->key);
    s->get.cache = &l1;
    AIO_CALL(t, s->rc, cache_get, &s->get);
    if (s->rc < 0) {
        s->get.cache = &l2;
        AIO_CALL(t, s->rc, cache_get, &s->get);
    }
    if (s->rc < 0) {
        s->get.cache = &l3;
        AIO_CALL(t, s->rc, cache_get, &s->get);
    }
    if (s->rc >= 0) {
        say("Found stale data in %s", s->get.cache->name);
        s->stale = 1;
        AIO_RETURN(t, s->rc);
    }
    s->elapsed_ms = aio_to_seconds(aio_now() - s->start) * 1000; /* service unavailable */
    AIO_RETURN(t, -1);
    AIO_END(t);
}

/* A float as Python prints a float rounded to `digits` decimals: 55.0, 2.931. */
static const char *py_float(char *buf, size_t size, double x, int digits) {
    size_t n = (size_t)snprintf(buf, size, "%.*f", digits, x);
    while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.') buf[--n] = '\0';
    return buf;
}

/* json.dumps(result, indent=2) */
static const char *result_json(char *buf, size_t size, const data_t *d, int rc) {
    char price[32], ts[32], ms[32];
    if (rc < 0)
        snprintf(buf, size, "{\n  \"error\": \"Service temporarily unavailable\",\n"
                 "  \"elapsed_ms\": %s\n}", py_float(ms, sizeof ms, d->elapsed_ms, 1));
    else
        snprintf(buf, size, "{\n  \"id\": \"%s\",\n  \"name\": \"Item %s\",\n"
                 "  \"description\": \"Description for item %s\",\n  \"price\": %s,\n"
                 "  \"timestamp\": %s%s\n}", rows[rc].id, rows[rc].id, rows[rc].id,
                 py_float(price, sizeof price, rows[rc].price, 2),
                 py_float(ts, sizeof ts, rows[rc].timestamp, 3), d->stale ? ",\n  \"stale\": true" : "");
    return buf;
}

/* ----------------------------------------------------------------------- */
typedef struct {
    aio_task task;
    health_t checks[4];
    aio_wait_item items[4];
    data_t data;
    int i, round;
    const char *system_status;
    char list[128], json[512];
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    static const char *const names[4] = {"auth-service", "payment-service", "inventory-service",
                                         "notification-service"};
    static const double timeouts[4] = {1.0, 2.0, 1.5, 1.0};
    static const char *const keys[3] = {"product-123", "product-456", "product-789"};
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    scripted = random_values; /* (example.h) */

    say("== 1. health checks, each service with its own timeout");
    for (s->i = 0; s->i < 4; s->i++) {
        s->checks[s->i].service = names[s->i];
        s->checks[s->i].timeout = timeouts[s->i];
        s->checks[s->i].degraded_threshold = 500;
        AIO_CHECK(t, create_task(&s->items[s->i], &s->checks[s->i].task, check_health));
    }
    AIO_GATHER(t, s->rc, s->items, 4);
    s->system_status = "healthy";
    for (s->i = 0; s->i < 4; s->i++) {
        if (strcmp(s->checks[s->i].status, "unhealthy") == 0) s->system_status = "unhealthy";
        else if (strcmp(s->checks[s->i].status, "degraded") == 0 &&
                 strcmp(s->system_status, "healthy") == 0)
            s->system_status = "degraded";
    }
    say("System Status: %s", s->system_status);
    for (s->round = 0; s->round < 2; s->round++) { /* unhealthy, then degraded services */
        s->list[0] = '\0';
        for (s->i = 0; s->i < 4; s->i++)
            if (strcmp(s->checks[s->i].status, s->round ? "degraded" : "unhealthy") == 0)
                snprintf(s->list + strlen(s->list), sizeof s->list - strlen(s->list), "%s%s",
                         s->list[0] ? ", " : "", s->checks[s->i].service);
        if (s->list[0]) say("%s Services: %s", s->round ? "Degraded" : "Unhealthy", s->list);
    }
    say("\nService Details:");
    for (s->i = 0; s->i < 4; s->i++) {
        say("  %s: %s - %s", s->checks[s->i].service, s->checks[s->i].status,
            s->checks[s->i].message);
        say("    Response Time: %.1fms", s->checks[s->i].response_time_ms);
    }

    say("\n== 2. a tiered cache, each tier with its own timeout");
    for (s->i = 0; s->i < 3; s->i++) {
        for (s->round = 0; s->round < 2; s->round++) {
            say(s->round ? "\nFetching %s again..." : "\nFetching %s...", keys[s->i]);
            s->data.key = keys[s->i];
            AIO_CALL(t, s->rc, get_data, &s->data);
            say("Result for %s%s: %s", keys[s->i], s->round ? " (second request)" : "",
                result_json(s->json, sizeof s->json, &s->data, s->rc));
        }
    }
    AIO_FINALLY(t);
    /* like asyncio.run(): the background writes still running are cancelled */
    for (s->i = 0; s->i < 16; s->i++) {
        if (writers[s->i].task.state == 0 || aio_task_done(&writers[s->i].task)) continue;
        aio_cancel(&writers[s->i].task);
        AIO_AWAIT(t, s->rc, &writers[s->i].task);
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
