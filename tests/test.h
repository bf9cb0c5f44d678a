/* SPDX-License-Identifier: MIT */
/* A small test harness for aio_timeout.h: tests run on the virtual clock. */
#ifndef AIO_TEST_H
#define AIO_TEST_H
#ifdef TEST_COUNTED_ALLOC /* every allocation counted (tests/counted_alloc.h, tests/main.c) */
#include "counted_alloc.h"
#endif
/* The header under test: aio_timeout.h, or with TEST_CORE the core alone,
 * aio_timeout_core.h, which the firmware builds use (tests/embedded/). */
#ifdef TEST_CORE
#include "../aio_timeout_core.h"
#else
#include "../aio_timeout.h"
#endif
#include <stdio.h>
#include <string.h>

/* TEST_SMALL_RAM: built for a board with 16 KiB of RAM (the micro:bit,
 * tests/embedded/embedded.mk; the ATmega1284P, tests/embedded/avr.sh). The
 * trace shrinks to 256 characters (no test writes more than 119; one that
 * fills it fails), the stress tests run 60 tasks, and the few other tests
 * that need more memory than that scale down, each checking the same rule in
 * the way its comment gives. */
#ifdef TEST_SMALL_RAM
#define TEST_TRACE_SIZE 256
#else
#define TEST_TRACE_SIZE 4096
#endif

extern int test_failures;           /* failed checks in the current test */
extern char test_last_debug[1024];  /* debug messages of this test, one per line */
extern aio_status test_last_debug_code; /* code of the last one */
extern aio_time test_start;          /* virtual time at which each test starts */
extern char test_trace[TEST_TRACE_SIZE]; /* free-form trace that tests append to */

#ifdef __AVR__
/* AVR (tests/embedded/avr.sh): avr-libc keeps string literals in RAM and its
 * printf has no %lld, so there the checks keep their texts in flash and call
 * the runner, which prints the same lines; trace() keeps its format in flash
 * (a literal with %d, %lld and %s only). */
#include <avr/pgmspace.h>
static const char test_file_P[] PROGMEM __attribute__((unused)) = __BASE_FILE__;
void test_avr_start(void); /* stdout to the UART, the clock's timer running */
void test_avr_stop(void);  /* simavr stops */
void test_fail_P(const char *file_P, int line, const char *cond_P);
void test_check_eq_P(long long a, long long b, const char *file_P, int line, const char *args_P);
void test_check_str_P(const char *a, const char *b_P, const char *file_P, int line, const char *args_P);
void test_trace_P(const char *fmt_P, ...);
#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) test_fail_P(test_file_P, __LINE__, PSTR(#cond));                     \
    } while (0)
#define CHECK_EQ(a, b)                                                                    \
    do {                                                                                  \
        test_check_eq_P((long long)(a), (long long)(b), test_file_P, __LINE__, PSTR(#a ", " #b)); \
    } while (0)
#define CHECK_STR(a, b)                                                                   \
    do {                                                                                  \
        test_check_str_P((a), PSTR(b), test_file_P, __LINE__, PSTR(#a ", " #b));          \
    } while (0)
/* the 0 gives the variadic part an argument when the format has none */
#define trace(...) TEST_TRACE_(__VA_ARGS__, 0)
#define TEST_TRACE_(fmt, ...) test_trace_P(PSTR(fmt), __VA_ARGS__)
#else
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
#endif
/* In debug builds, a debug message of this test contains `text`. */
#ifdef AIO_DEBUG
#define CHECK_DEBUG(text) CHECK(strstr(test_last_debug, (text)) != NULL)
#else
#define CHECK_DEBUG(text) ((void)0)
#endif

/* Virtual time elapsed since the test started (the start is near the wrap
 * point in the 32-bit tick build, so every test also crosses it). */
#define T() ((aio_time)(aio_now() - test_start))
/* Ticks in whole milliseconds, for readable assertions. At a rate that is
 * not a whole number of ticks a ms (a 32,768 Hz clock) AIO_MS rounds up, so a
 * sum of a few such durations is a fraction of a tick past its ms: there the
 * nearest ms is the one meant. */
#if AIO_TICKS_PER_SEC % 1000u == 0
#define TEST_MS_OF(ticks) ((long long)((uint64_t)(ticks) * 1000u / AIO_TICKS_PER_SEC))
#else
#define TEST_MS_OF(ticks) ((long long)(((uint64_t)(ticks) * 1000u + AIO_TICKS_PER_SEC / 2u) / AIO_TICKS_PER_SEC))
#endif
/* Elapsed time in whole milliseconds. */
#define T_MS() TEST_MS_OF(T())

/* Linux with its extensions in the build (epoll, pidfd, abstract socket
 * names): not with AIO_NO_LINUX, which builds the header as macOS and the
 * BSDs take it; a test of such an extension tests what stands in there. */
#if defined(__linux__) && !defined(AIO_NO_LINUX)
#define TEST_LINUX 1
#else
#define TEST_LINUX 0
#endif
/* The debug hook of the tests: appends each message to test_last_debug. */
void test_capture_debug(aio_status code, const char *message);
/* A fresh loop on the virtual clock with growable timer storage. */
void test_loop(aio_loop *loop);
#ifndef __AVR__
/* Append printf-style text to test_trace. */
void trace(const char *fmt, ...);
#endif
/* Run `fn` as the main task; returns its status. */
aio_status test_run(aio_loop *loop, aio_task *main, aio_task_fn fn);

typedef void (*test_fn)(void);
typedef struct { const char *name; test_fn fn; } test_case;
/* A build may split a file's tests among several programs (boards with
 * 16 KiB of RAM: tests/embedded/avr.sh, tests/embedded/embedded.mk). With
 * -DTEST_PARTS=n -DTEST_PART=k (0 <= k < n) and -DTEST_RUN=r (1 if not given)
 * a program keeps the entries whose line L of the file has L / r % n == k:
 * every n-th line of the table, or runs of r lines dealt out in turn. The
 * others are left empty, with neither name nor function, so the compiler
 * drops their code, static state and name (string literals take RAM on an
 * AVR); the runner passes over them. Such a program holds one test file
 * (main.c: TEST_FILE) and names every test it ran, and
 * tests/embedded/test_parts.sh checks from the outputs of a file's programs
 * that every entry of its table ran once, in its part. */
#ifdef TEST_PARTS
#ifndef TEST_RUN
#define TEST_RUN 1
#endif
#define TEST_IN_PART_ (__LINE__ / (TEST_RUN) % (TEST_PARTS) == (TEST_PART))
#define TEST_ENTRY(name) { TEST_IN_PART_ ? #name : NULL, TEST_IN_PART_ ? name : NULL }
#else
#define TEST_ENTRY(name) { #name, name }
#endif
void test_register(const test_case *cases, size_t n);
#define TEST_COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))
/* What the build's readiness wait does (tests/impl.c; tests/test_io.c). */
extern const int test_wait_table_grows, test_wait_forgets_closed, test_wait_own_descriptor,
    test_wait_record_per_socket;
#endif
