/* SPDX-License-Identifier: MIT */
/* Test runner: every test file registers its table from main(). */
#include "test.h"
#include <stdarg.h>
#include <stdlib.h>

int test_failures;
char test_last_debug[1024];
aio_status test_last_debug_code;
aio_time test_start;
char test_trace[TEST_TRACE_SIZE];

/* printf with the format in flash on an AVR (avr-libc copies string
 * literals to RAM) */
#ifdef __AVR__
#define PRINT(fmt, ...) printf_P(PSTR(fmt), __VA_ARGS__)
#else
#define PRINT(fmt, ...) printf(fmt, __VA_ARGS__)
#endif

/* A buffer that fills up fails the test (once): what it cut off could be
 * what a check looks for. */
static void check_fits(int n, size_t room, const char *what) {
    if ((n < 0 || (size_t)n >= room) && room > 1) {
        PRINT("    %s is full\n", what);
        test_failures++;
    }
}

void test_capture_debug(aio_status code, const char *message) {
    size_t len = strlen(test_last_debug);
    test_last_debug_code = code;
    if (strncmp(message, "internal:", 9) == 0) test_failures++; /* (the header's own inconsistency) */
    check_fits(snprintf(test_last_debug + len, sizeof test_last_debug - len, "%s\n", message),
               sizeof test_last_debug - len, "test_last_debug");
}

#ifdef TEST_TRACED
/* TEST_TRACED (make test's traced configuration, make coverage): every
 * loop a test starts is traced, each record kept and written as text. The
 * tests pass all the same: the instruments never change what a loop does. */
static aio_trace_record test_ring[64];
static aio_recorder test_recorder;
static void test_traced(void *ctx, const aio_trace_record *r) {
    char line[128];
    aio_recorder_hook(ctx, r);
    if (aio_trace_format(r, line, sizeof line) >= sizeof line) test_failures++; /* (never cut) */
}
#endif

void test_loop(aio_loop *loop) {
    aio_loop_init(loop, NULL, 0);
    aio_loop_set_grow(loop, aio_grow_realloc, NULL);
#ifdef TEST_TRACED
    aio_recorder_init(&test_recorder, test_ring, 64);
    aio_loop_set_instrument(loop, test_traced, &test_recorder);
#endif
#ifdef AIO_TIME_32
    test_start = (aio_time)(AIO_NEVER - AIO_SEC(30)); /* 30 s before the wrap */
#else
    test_start = AIO_SEC(1000);
#endif
    aio_loop_use_virtual_clock(loop, test_start);
}

#ifndef __AVR__
void trace(const char *fmt, ...) {
    size_t len = strlen(test_trace);
    va_list ap;
    va_start(ap, fmt);
    check_fits(vsnprintf(test_trace + len, sizeof test_trace - len, fmt, ap), sizeof test_trace - len,
               "test_trace");
    va_end(ap);
}
#endif

aio_status test_run(aio_loop *loop, aio_task *main_task, aio_task_fn fn) {
    return aio_run(loop, main_task, fn);
}

static size_t passed, failed;
static const char *filter;
/* TEST_SHARD=K/N in the environment: only every Nth test from the Kth (K from
 * 0), so that N processes run the suite between them side by side (make
 * valgrind, make test-windows); each test stands alone. */
static unsigned long shard_k, shard_n = 1, shard_seen;
/* "ok NAME" for each test that passed: in an image of one test file
 * (TEST_FILE: tests/embedded/test_parts.sh checks the names), or with
 * TEST_VERBOSE set in the environment */
#ifdef TEST_FILE
static int name_passed = 1;
#else
static int name_passed;
#endif

#if defined(AIO_DEBUG) && !defined(__AVR__)
/* A failed test's debug messages, indented as its failed checks are. */
static void print_debug_messages(void) {
    const char *line = test_last_debug;
    printf("    its debug messages:\n");
    while (*line) {
        const char *end = strchr(line, '\n');
        int len = end ? (int)(end - line) : (int)strlen(line);
        printf("      %.*s\n", len, line);
        line += len + (end != NULL);
    }
}
#endif

#ifdef TEST_COUNTED_ALLOC
/* The blocks live once the test's loops are gone, given a call on the pool
 * that was given up a moment to end (its worker frees it): `before` if
 * every block the test's allocations took was freed. */
static long test_alloc_gave_back(long before) {
    int waits;
    for (waits = 0; waits < 200 && test_alloc_live() != before; waits++) test_alloc_nap_ms(10);
    return test_alloc_live();
}
#endif

void test_register(const test_case *cases, size_t n) {
    size_t i;
#ifdef TEST_COUNTED_ALLOC
    long live;
#endif
    for (i = 0; i < n; i++) {
        if (!cases[i].fn) continue; /* in another part (TEST_PARTS, test.h) */
        if (filter && !strstr(cases[i].name, filter)) continue;
        if (shard_seen++ % shard_n != shard_k) continue;
        test_failures = 0;
        test_last_debug[0] = 0;
        test_last_debug_code = 0;
        test_trace[0] = 0;
#ifdef TEST_COUNTED_ALLOC
        live = test_alloc_live();
#endif
        cases[i].fn();
#ifdef TEST_COUNTED_ALLOC
        if (test_alloc_gave_back(live) != live) {
            PRINT("    %ld block(s) of the header's allocator not freed\n", test_alloc_live() - live);
            test_failures++;
        }
#endif
        if (test_failures) {
#if defined(AIO_DEBUG) && !defined(__AVR__)
            if (test_last_debug[0]) print_debug_messages();
#endif
            PRINT("FAIL %s\n", cases[i].name);
            failed++;
        } else {
            if (name_passed) PRINT("ok %s\n", cases[i].name);
            passed++;
        }
#ifndef __AVR__
        (void)fflush(stdout); /* (a run cut off by a time limit still shows where it was) */
#endif
    }
}

#define TEST_FILES(X) X(core) X(scopes) X(tasks) X(many) X(groups) X(sync) X(errors) X(stress) X(fuzzfound) X(faults) X(documented) X(queues) X(io) X(server) X(threads) X(processes) X(trace) X(holds) X(wraps)
#define DECLARE(name) void register_##name##_tests(void);
TEST_FILES(DECLARE)
#define RUN(name) register_##name##_tests();
#ifdef TEST_FILE
/* An image of one test file (or of part of one, TEST_PARTS in test.h) on a
 * board with little RAM: -DTEST_FILE=core (tests/embedded/avr.sh,
 * tests/embedded/embedded.mk); the other files are not linked. */
#define RUN_ONE_(name) RUN(name)
#define RUN_TESTS() RUN_ONE_(TEST_FILE)
#else
#define RUN_TESTS() TEST_FILES(RUN)
#endif

#ifndef __AVR__
int main(int argc, char **argv) {
    filter = argc > 1 ? argv[1] : getenv("TEST_FILTER");
    if (getenv("TEST_VERBOSE")) name_passed = 1;
    if (getenv("TEST_SHARD") &&
        (sscanf(getenv("TEST_SHARD"), "%lu/%lu", &shard_k, &shard_n) != 2 || shard_n == 0 || shard_k >= shard_n)) {
        printf("TEST_SHARD is K/N with K < N, not \"%s\"\n", getenv("TEST_SHARD"));
        return 2;
    }
    aio_set_debug_hook(test_capture_debug);
    RUN_TESTS()
#ifdef TEST_COUNTED_ALLOC
    printf("the header's allocator: %lu blocks given, %ld not freed\n", test_alloc_made(), test_alloc_live());
    if (test_alloc_made() == 0 || test_alloc_live() != 0) failed++; /* (none given: the hook is not used) */
#endif
    printf("%lu passed, %lu failed\n", (unsigned long)passed, (unsigned long)failed);
    return failed ? 1 : 0;
}
#else
/* tests/embedded/avr.sh: the UART, no environment */
int main(void) {
    test_avr_start();
    aio_set_debug_hook(test_capture_debug);
    RUN_TESTS()
    PRINT("%lu passed, %lu failed\n", (unsigned long)passed, (unsigned long)failed);
    test_avr_stop();
    return failed ? 1 : 0;
}
#endif
