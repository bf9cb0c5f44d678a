/* SPDX-License-Identifier: MIT */
/* 07_fallback_degradation.c - do something useful when time runs out.
 *
 *   1. timeout with fallback: the primary operation within 2 s, else a fast,
 *      reliable fallback;
 *   2. graceful degradation as the tutorial writes it: full product data
 *      within max_wait, else basic data in the time left, else minimal data;
 *   3. the same within one budget, done so that it degrades: an AIO_TIMEOUT
 *      envelope holds the budget, and each tier gets what is left of it
 *      (aio_time_left) minus what the cheaper tiers after it need;
 *   4. progressive timeouts: the timeout shrinks as the work goes on.
 *
 * The Python original is 07_fallback_degradation.py; both print the same
 * lines. The primary's "random" durations come from the same fixed list.
 * Run: 07_fallback_degradation [--virtual] */
#include "example.h"

/* 1. -------------------------------------------------------------------- */
static const double random_u[] = {0.125, 0.55, 0.775, 0.2, 0.425}; /* (scripted: example.h) */

typedef struct { aio_frame frame; double duration; } operation_t; /* the primary's and the fallback's */
static aio_status primary_operation(aio_task *t, operation_t *s) {
    AIO_BEGIN(t, s);
    s->duration = uniform(1, 5);
    say("Primary operation running (will take %.1fs)", s->duration);
    AIO_SLEEP(t, aio_seconds(s->duration));
    AIO_END(t);
}

static aio_status fallback_operation(aio_task *t, operation_t *s) {
    AIO_BEGIN(t, s);
    say("Fallback operation running");
    AIO_SLEEP(t, AIO_MS(500));
    AIO_END(t);
}

enum { PRIMARY_RESULT, FALLBACK_RESULT };
typedef struct { aio_frame frame; operation_t primary, fallback; aio_timeout scope; aio_status rc; } with_fallback_t;
static aio_status operation_with_fallback(aio_task *t, with_fallback_t *s) {
    AIO_BEGIN(t, s);
    AIO_WAIT_FOR_CALL(t, s->rc, primary_operation, &s->primary, &s->scope, AIO_SEC(2));
    if (s->rc != AIO_ETIMEDOUT) {
        say("Primary operation succeeded");
        AIO_RETURN(t, PRIMARY_RESULT);
    }
    say("Primary operation timed out after 2s, using fallback");
    AIO_CALL(t, s->rc, fallback_operation, &s->fallback);
    AIO_RETURN(t, FALLBACK_RESULT);
    AIO_END(t);
}

/* 2. and 3. ------------------------------------------------------------- */
enum { NOTHING, MINIMAL, BASIC, FULL }; /* what a fetch returns */
static const char *product(int level) { /* the dict the Python original prints */
    switch (level) {
    case FULL:
        return "{'id': 100, 'name': 'Deluxe Widget', 'price': 49.99, 'description': 'A "
               "high-quality widget with many features', 'specifications': {'weight': "
               "'1.2kg', 'dimensions': '10x15x2cm'}, 'reviews': ['Great product!', 'Works "
               "well', 'Highly recommended'], 'related_items': [101, 102, 103]}";
    case BASIC:
        return "{'id': 100, 'name': 'Deluxe Widget', 'price': 49.99, 'description': 'A "
               "high-quality widget with many features'}";
    case MINIMAL: return "{'id': 100, 'name': 'Deluxe Widget', 'price': 49.99}";
    default: return "{'id': 100, 'error': 'Data unavailable'}";
    }
}

static const struct tier {
    const char *name, *title;
    int level;
    aio_time takes;
    double reserve; /* part 3: what the cheaper tiers after this one need */
} tiers[3] = {
    {"full", "Full", FULL, AIO_SEC(3), 1.5},
    {"basic", "Basic", BASIC, AIO_SEC(1), 0.3},
    {"minimal", "Minimal", MINIMAL, AIO_MS(200), 0.0},
};

/* fetch_full_data / fetch_basic_data / fetch_minimal_data, as a task (part 2)
 * or inline (part 3). */
typedef struct { aio_frame frame; const struct tier *tier; } fetch_t;
static aio_status fetch(aio_task *t, fetch_t *s) {
    AIO_BEGIN(t, s);
    say("Fetching %s product data...", s->tier->name);
    AIO_SLEEP(t, s->tier->takes);
    AIO_RETURN(t, s->tier->level);
    AIO_END(t);
}
typedef struct { aio_task task; fetch_t fetch; aio_status rc; } fetch_task_t;
static aio_status fetch_task(aio_task *t) {
    fetch_task_t *s = AIO_SELF(t, fetch_task_t);
    AIO_BEGIN(t);
    AIO_CALL(t, s->rc, fetch, &s->fetch);
    AIO_RETURN(t, s->rc);
    AIO_END(t);
}

/* 2. As the tutorial writes it: the full fetch may use all of max_wait. */
typedef struct {
    aio_frame frame;
    double max_wait, remaining;
    aio_time start;
    fetch_task_t data_task;
    int i;
    aio_status rc;
} degradation_t;
static aio_status get_product_with_graceful_degradation(aio_task *t, degradation_t *s) {
    AIO_BEGIN(t, s);
    s->start = aio_now();
    for (s->i = 0; s->i < 3; s->i++) { /* full, basic, minimal: each with the time left */
        s->remaining = s->max_wait - aio_to_seconds(aio_now() - s->start);
        if (s->remaining <= (s->i == 1 ? 0.5 : 0)) { /* basic data: only with more than 0.5 s left */
            if (s->i == 1) say("Not enough time for basic data");
            continue;
        }
        s->data_task.fetch.tier = &tiers[s->i];
        AIO_CHECK(t, aio_spawn(&s->data_task.task, fetch_task));
        AIO_WAIT_FOR(t, s->rc, &s->data_task.task, aio_seconds(s->remaining));
        if (s->rc != AIO_ETIMEDOUT) {
            say("Using %s data", tiers[s->i].name);
            AIO_RETURN(t, s->rc);
        }
        say("%s data timed out", tiers[s->i].title);
    }
    say("All data fetches timed out");
    AIO_RETURN(t, NOTHING);
    AIO_END(t);
}

/* 3. Within one budget: each tier gets the time left minus its reserve. */
typedef struct {
    aio_frame frame;
    double budget;
    aio_timeout envelope, attempt;
    fetch_t fetch;
    int i;
    aio_stime allowance;
    aio_status rc;
} budget_t;
static aio_status get_product_within_budget(aio_task *t, budget_t *s) {
    AIO_BEGIN(t, s);
    AIO_TIMEOUT(t, &s->envelope, aio_seconds(s->budget)) { /* never more than the budget */
        for (s->i = 0; s->i < 3; s->i++) {
            s->allowance = (aio_stime)(aio_time_left(NULL) - aio_seconds(tiers[s->i].reserve));
            if (s->allowance <= 0) {
                say("Not enough time for %s data", tiers[s->i].name);
                continue;
            }
            s->fetch.tier = &tiers[s->i];
            AIO_WAIT_FOR_CALL(t, s->rc, fetch, &s->fetch, &s->attempt, (aio_time)s->allowance);
            if (s->rc != AIO_ETIMEDOUT) {
                say("Using %s data", tiers[s->i].name);
                AIO_RETURN(t, s->rc);
            }
            say("%s data timed out", tiers[s->i].title);
        }
    }
    say("All data fetches timed out");
    AIO_RETURN(t, NOTHING);
    AIO_END(t);
}

/* 4. -------------------------------------------------------------------- */
static const int items[5] = {1, 3, 2, 4, 1};
typedef struct {
    aio_frame frame;
    double timeout_per_item, remaining_time;
    int remaining_items, i, done, results[5];
    aio_timeout scope;
} progressive_t;
static aio_status operation_with_progressive_timeout(aio_task *t, progressive_t *s) {
    AIO_BEGIN(t, s);
    s->timeout_per_item = 2;
    s->remaining_items = 5;
    s->done = 0;
    for (s->i = 0; s->i < 5; s->i++) {
        s->remaining_time = s->timeout_per_item * s->remaining_items;
        say("Processing item %d, timeout: %gs", s->i, s->remaining_time);
        AIO_TIMEOUT(t, &s->scope, aio_seconds(s->remaining_time)) {
            AIO_SLEEP(t, AIO_SEC(items[s->i])); /* process_item(item) */
            s->results[s->done++] = items[s->i];
        }
        if (aio_timeout_status(&s->scope) == AIO_ETIMEDOUT) {
            say("Timeout processing item %d", s->i);
            s->timeout_per_item *= 0.8; /* less time for the remaining items */
        }
        s->remaining_items--;
    }
    AIO_RETURN(t, s->done);
    AIO_END(t);
}

/* ----------------------------------------------------------------------- */
typedef struct {
    aio_task task;
    with_fallback_t fallback;
    degradation_t degradation;
    budget_t budget;
    progressive_t progressive;
    int i;
    char list[128];
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    static const double max_waits[3] = {0.5, 1.5, 3.5}, budgets[3] = {0.5, 2.0, 5.0};
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    scripted = random_u;
    say("== 1. timeout with fallback (primary within 2 s, five times)");
    for (s->i = 0; s->i < 5; s->i++) {
        AIO_CALL(t, s->rc, operation_with_fallback, &s->fallback);
        say("Result: %s\n", s->rc == PRIMARY_RESULT ? "Primary result" : "Fallback result");
    }

    say("== 2. graceful degradation: full, basic or minimal data");
    for (s->i = 0; s->i < 3; s->i++) {
        say("\nTrying with max_wait=%.1fs", max_waits[s->i]);
        s->degradation.max_wait = max_waits[s->i];
        AIO_CALL(t, s->rc, get_product_with_graceful_degradation, &s->degradation);
        say("Final result: %s", product(s->rc));
    }

    say("\n== 3. staggered: each tier gets what the cheaper ones leave it");
    for (s->i = 0; s->i < 3; s->i++) {
        say("\nBudget %.1fs", budgets[s->i]);
        s->budget.budget = budgets[s->i];
        AIO_CALL(t, s->rc, get_product_within_budget, &s->budget);
        say("Final result: %s", product(s->rc));
    }

    say("\n== 4. progressive timeouts");
    AIO_CALL(t, s->rc, operation_with_progressive_timeout, &s->progressive);
    say("Completed processing %d of 5 items", s->rc);
    s->list[0] = '\0';
    for (s->i = 0; s->i < s->rc; s->i++)
        join(s->list, sizeof s->list, "'Processed %d'", s->progressive.results[s->i]);
    say("Results: [%s]", s->list);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
