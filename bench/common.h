/* SPDX-License-Identifier: MIT */
/* bench/common.h - what every C benchmark program shares: the clock it times
 * with, its command line, the median of repetitions and the line it prints.
 *
 * Every program is run as `prog FIGURE [key=value ...]` and prints one line per
 * measured case:
 *
 *     FIGURE CASE IMPL VALUE UNIT note...
 *
 * e.g. `resume 1-task/virtual ours 3.10 ns/op median of 7 x 10000000`.
 * The first five fields never contain spaces; bench/run.py reads them. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_REPS 31

/* The timing clock (and the clock every "real clock" loop reads). */
static inline uint64_t bench_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleep until the monotonic clock reads at least `until` ns. */
static inline void bench_sleep_until(uint64_t until) {
    uint64_t now;
    while ((now = bench_ns()) < until) {
        struct timespec req;
        uint64_t d = until - now;
        req.tv_sec = (time_t)(d / 1000000000u);
        req.tv_nsec = (long)(d % 1000000000u);
        nanosleep(&req, NULL);
    }
}

/* key=value arguments after the figure name. */
static int bench_argc;
static char **bench_argv;
static inline long bench_arg(const char *key, long dflt) {
    size_t n = strlen(key);
    int i;
    for (i = 2; i < bench_argc; i++)
        if (strncmp(bench_argv[i], key, n) == 0 && bench_argv[i][n] == '=')
            return (long)strtod(bench_argv[i] + n + 1, NULL); /* 1e6 works too */
    return dflt;
}

static inline int bench_arg_is(const char *key, const char *value) {
    size_t n = strlen(key);
    int i;
    for (i = 2; i < bench_argc; i++)
        if (strncmp(bench_argv[i], key, n) == 0 && bench_argv[i][n] == '=')
            return strcmp(bench_argv[i] + n + 1, value) == 0;
    return 0;
}

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double v[BENCH_MAX_REPS];
    int n;
} bench_reps;

static inline void bench_add(bench_reps *r, double v) {
    if (r->n < BENCH_MAX_REPS) r->v[r->n++] = v;
}

static inline double bench_median(const bench_reps *r) {
    double s[BENCH_MAX_REPS];
    int n = r->n;
    if (n == 0) return 0;
    memcpy(s, r->v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof s[0], bench_cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static inline double bench_min(const bench_reps *r) {
    double m = r->n ? r->v[0] : 0;
    int i;
    for (i = 1; i < r->n; i++) if (r->v[i] < m) m = r->v[i];
    return m;
}

static inline double bench_max(const bench_reps *r) {
    double m = r->n ? r->v[0] : 0;
    int i;
    for (i = 1; i < r->n; i++) if (r->v[i] > m) m = r->v[i];
    return m;
}

/* Print the median ns per operation of the repetitions in `r`. */
static inline void bench_report(const char *figure, const char *kase, const char *impl, const bench_reps *r,
                         long n, const char *extra) {
    printf("%-10s %-28s %-6s %10.2f ns/op   median of %d x %ld (min %.2f, max %.2f)%s%s\n", figure,
           kase, impl, bench_median(r), r->n, n, bench_min(r), bench_max(r), extra && *extra ? "; " : "",
           extra ? extra : "");
    fflush(stdout);
}

/* Print a derived figure (a difference of two medians, a count...). */
static inline void bench_value(const char *figure, const char *kase, const char *impl, double value,
                        const char *unit, const char *note) {
    printf("%-10s %-28s %-6s %10.2f %s   %s\n", figure, kase, impl, value, unit, note ? note : "");
    fflush(stdout);
}

/* Resident set size of this process in bytes (Linux), 0 if unknown. */
static inline long bench_rss(void) {
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    fclose(f);
    return rss * 4096L;
}

/* Deterministic pseudo-random numbers (same sequence in every program). */
static uint64_t bench_rng_state = 0x9e3779b97f4a7c15ull;
static inline uint32_t bench_rand(void) {
    bench_rng_state = bench_rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(bench_rng_state >> 33);
}

#endif
