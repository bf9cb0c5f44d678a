/* SPDX-License-Identifier: MIT */
/* A counting allocator for the header's hook (AIO_MALLOC, AIO_REALLOC,
 * AIO_FREE; docs/api.md, "Memory"). Each block it gives carries a mark in
 * front of it, so a block of the hook freed with free(), or a block of
 * malloc() given to AIO_FREE, fails at once (a bad free under ASan, the mark
 * missing here); it counts the blocks given and not freed yet, from any
 * thread (a worker frees a call given up). It may fail an allocation on
 * purpose: test_alloc_fail_after(n) lets n more succeed, then fails the next.
 *
 * Include it before aio_timeout.h wherever the header is included, and in
 * one file of the program once more after it, with TEST_COUNTED_ALLOC_DEFINE
 * defined, for its functions (after: the header's feature macros must come
 * before the system's headers).
 * The unit tests use it with -DTEST_COUNTED_ALLOC (tests/impl.c; tests/main.c
 * checks that every test gives back what it took), the simulation's tests
 * always (tests/sim/test_sim.c). */
#ifndef TEST_COUNTED_ALLOC_H
#define TEST_COUNTED_ALLOC_H
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif
void *test_alloc(size_t size);
void *test_realloc(void *p, size_t size);
void test_free(void *p);
long test_alloc_live(void);          /* blocks given and not freed */
unsigned long test_alloc_made(void); /* blocks given, ever (a realloc of a block: not one more) */
void test_alloc_fail_after(long n);  /* n more succeed, then one fails (-1: none fails) */
void test_alloc_fail_also(long n);   /* and the n after that one fail too */
unsigned long test_alloc_failed(void); /* allocations failed on purpose, ever */
void test_alloc_nap_ms(int ms);      /* sleep (for a worker to free what it holds) */
#ifdef __cplusplus
}
#endif

#define AIO_MALLOC(size) test_alloc(size)
#define AIO_REALLOC(p, size) test_realloc((p), (size))
#define AIO_FREE(p) test_free(p)
#endif

#if defined(TEST_COUNTED_ALLOC_DEFINE) && !defined(TEST_COUNTED_ALLOC_DEFINED)
#define TEST_COUNTED_ALLOC_DEFINED
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define TEST_ADD(v, n) __atomic_add_fetch(&(v), (n), __ATOMIC_SEQ_CST)
#define TEST_GET(v) __atomic_load_n(&(v), __ATOMIC_SEQ_CST)
#else
#define TEST_ADD(v, n) ((v) += (n))
#define TEST_GET(v) (v)
#endif

#define TEST_MARK 0xA110CA7Eu
typedef union test_block {
    struct {
        unsigned mark;
        size_t size;
    } h;
    long double align_ld; /* (the block after it aligned as malloc's) */
    void *align_p;
    long long align_ll;
} test_block;

static long test_live;
static unsigned long test_made, test_failed_n;
static long test_fail_in = -1; /* (the loop's thread only: allocations are made there) */
static long test_fail_more;   /* (failures after the one test_fail_in counts down to) */

static int test_fail_now(void) {
    if (test_fail_in < 0) return 0;
    if (test_fail_in-- > 0) return 0;
    if (test_fail_more > 0) {
        test_fail_more--;
        test_fail_in = 0;
    }
    TEST_ADD(test_failed_n, 1ul);
    return 1;
}
void *test_alloc(size_t size) {
    test_block *b;
    if (test_fail_now()) return NULL;
    b = (test_block *)malloc(sizeof *b + size);
    if (!b) return NULL;
    b->h.mark = TEST_MARK;
    b->h.size = size;
    TEST_ADD(test_live, 1L);
    TEST_ADD(test_made, 1ul);
    return b + 1;
}
static test_block *test_block_of(void *p, const char *what) {
    test_block *b = (test_block *)p - 1;
    if (b->h.mark != TEST_MARK) {
        (void)fprintf(stderr, "counted_alloc: %s of a block the hook did not give\n", what);
        abort();
    }
    return b;
}
void *test_realloc(void *p, size_t size) {
    test_block *b;
    if (!p) return test_alloc(size);
    if (test_fail_now()) return NULL;
    b = (test_block *)realloc(test_block_of(p, "AIO_REALLOC"), sizeof *b + size);
    if (!b) return NULL;
    b->h.size = size;
    return b + 1;
}
void test_free(void *p) {
    test_block *b;
    if (!p) return;
    b = test_block_of(p, "AIO_FREE");
    b->h.mark = 0;
    TEST_ADD(test_live, -1L);
    free(b);
}
long test_alloc_live(void) { return TEST_GET(test_live); }
unsigned long test_alloc_made(void) { return TEST_GET(test_made); }
void test_alloc_fail_after(long n) {
    test_fail_in = n;
    test_fail_more = 0;
}
void test_alloc_fail_also(long n) { test_fail_more = n; }
unsigned long test_alloc_failed(void) { return TEST_GET(test_failed_n); }
#ifdef _WIN32
void test_alloc_nap_ms(int ms) { Sleep((DWORD)ms); }
#else
#include <time.h>
void test_alloc_nap_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    (void)nanosleep(&ts, NULL);
}
#endif
#endif
