/* SPDX-License-Identifier: MIT */
/* A small test harness for aio_timeout.h: tests run on the virtual clock. */
#ifndef AIO_TEST_H
#define AIO_TEST_H
#include "../aio_timeout.h"
#include <stdio.h>
#include <string.h>

/* TEST_SMALL_RAM: the build has a few KiB of RAM (the micro:bit, 16 KiB in
 * all). The trace shrinks (no test writes more than 120 characters; one
 * that fills it fails), and the few tests that need more memory than that
 * scale down, each in the way its comment gives. */
#ifdef TEST_SMALL_RAM
#define TEST_TRACE_SIZE 512
#else
#define TEST_TRACE_SIZE 4096
#endif

extern int test_failures;           /* failed checks in the current test */
extern char test_last_debug[1024];  /* debug messages of this test, one per line */
extern aio_status test_last_debug_code; /* code of the last one */
extern aio_time test_start;          /* virtual time at which each test starts */
extern char test_trace[TEST_TRACE_SIZE]; /* free-form trace that tests append to */

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);           \
            test_failures++;                                                              \
        }                                                                                 \
    } while (0)
#define CHECK_EQ(a, b)                                                                    \
    do {                                                                                  \
        long long aio_t_a = (long long)(a), aio_t_b = (long long)(b);                     \
        if (aio_t_a != aio_t_b) {                                                         \
            printf("    %s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__, __LINE__, \
                   #a, #b, aio_t_a, aio_t_b);                                             \
            test_failures++;                                                              \
        }                                                                                 \
    } while (0)
#define CHECK_STR(a, b)                                                                   \
    do {                                                                                  \
        const char *aio_t_a = (a), *aio_t_b = (b);                                        \
        if (strcmp(aio_t_a, aio_t_b) != 0) {                                              \
            printf("    %s:%d: CHECK_STR(%s, %s) failed:\n      got:  \"%s\"\n      want: \"%s\"\n", \
                   __FILE__, __LINE__, #a, #b, aio_t_a, aio_t_b);                         \
            test_failures++;                                                              \
        }                                                                                 \
    } while (0)
/* In debug builds, a debug message of this test contains `text`. */
#ifdef AIO_DEBUG
#define CHECK_DEBUG(text) CHECK(strstr(test_last_debug, (text)) != NULL)
#else
#define CHECK_DEBUG(text) ((void)0)
#endif

/* Virtual time elapsed since the test started (the start is near the wrap
 * point in the 32-bit tick build, so every test also crosses it). */
#define T() ((aio_time)(aio_now() - test_start))
/* Elapsed time in whole milliseconds, for readable assertions. */
#define T_MS() ((long long)((uint64_t)T() * 1000u / AIO_TICKS_PER_SEC))

/* The debug hook of the tests: appends each message to test_last_debug. */
void test_capture_debug(aio_status code, const char *message);
/* A fresh loop on the virtual clock with growable timer storage. */
void test_loop(aio_loop *loop);
/* Append printf-style text to test_trace. */
void trace(const char *fmt, ...);
/* Run `fn` as the main task; returns its status. */
aio_status test_run(aio_loop *loop, aio_task *main, aio_task_fn fn);

typedef void (*test_fn)(void);
typedef struct { const char *name; test_fn fn; } test_case;
/* A build may split a file's tests among several programs (the micro:bit has
 * 16 KiB of RAM): with -DTEST_PARTS=n -DTEST_PART=k a program keeps the
 * entries whose line of the table is k modulo n. The others keep their name
 * but no function, so the compiler drops their code and static state; the
 * runner passes over them, and the programs' counts add up to the table's. */
#ifdef TEST_PARTS
#define TEST_ENTRY(name) { #name, __LINE__ % (TEST_PARTS) == (TEST_PART) ? name : NULL }
#else
#define TEST_ENTRY(name) { #name, name }
#endif
void test_register(const test_case *cases, size_t n);
#define TEST_COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))
#endif
