/* SPDX-License-Identifier: MIT */
/* bench/uv_peer.c - libuv's timers, the peer of the deadline and timer-fires
 * figures, measured the same way as aio_bench.
 *
 *     uv_peer deadline [pending=] [n=] [reps=]   uv_timer_start + uv_timer_stop of a
 *                                                10 s timer with K other timers pending
 *     uv_peer fires [due=] [reps=]               N timers due at once, ns per callback
 *     uv_peer bytes                              sizeof(uv_timer_t) */
#define _POSIX_C_SOURCE 200809L
#include "common.h"
#include <uv.h>

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "uv_peer: check failed: %s\n", what);
        exit(1);
    }
}

static long fired;
static void on_timer(uv_timer_t *t) {
    (void)t;
    fired++;
}

static void bench_deadline(void) {
    long k = bench_arg("pending", 1000), n = bench_arg("n", 1000000), reps = bench_arg("reps", 7), r, i;
    uv_timer_t *pending = (uv_timer_t *)calloc((size_t)(k ? k : 1), sizeof(uv_timer_t));
    uv_timer_t t;
    uv_loop_t loop;
    bench_reps res = {{0}, 0};
    char kase[64];
    must(pending != NULL, "calloc");
    must(uv_loop_init(&loop) == 0, "uv_loop_init");
    /* K pending timers between 1 min and 1 h: the same sequence as aio_bench */
    for (i = 0; i < k; i++) {
        uv_timer_init(&loop, &pending[i]);
        uv_timer_start(&pending[i], on_timer, 60000 + bench_rand() % 3540000, 0);
    }
    uv_timer_init(&loop, &t);
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        t0 = bench_ns();
        for (i = 0; i < n; i++) {
            uv_timer_start(&t, on_timer, 10000, 0); /* 10 s, earlier than every pending one */
            uv_timer_stop(&t);
        }
        t1 = bench_ns();
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    must(fired == 0, "nothing fired");
    snprintf(kase, sizeof kase, "start+stop/pending=%ld", k);
    bench_report("deadline", kase, "libuv", &res, n,
                 "uv_timer_start + uv_timer_stop of a 10 s timer; uses the cached loop time, no clock read");
}

static void bench_fires(void) {
    long n = bench_arg("due", 100000), reps = bench_arg("reps", 5), r, i;
    uv_timer_t *ts = (uv_timer_t *)calloc((size_t)n, sizeof(uv_timer_t));
    bench_reps res = {{0}, 0};
    char kase[64];
    uv_loop_t loop;
    must(ts != NULL, "calloc");
    must(uv_loop_init(&loop) == 0, "uv_loop_init");
    for (r = 0; r < reps; r++) {
        uint64_t t0, t1;
        bench_rng_state = 0x9e3779b97f4a7c15ull;
        uv_update_time(&loop);
        for (i = 0; i < n; i++) {
            uv_timer_init(&loop, &ts[i]);
            uv_timer_start(&ts[i], on_timer, 1 + bench_rand() % 100, 0); /* 1..100 ms */
        }
        bench_sleep_until(bench_ns() + 102000000u); /* all of them are due */
        fired = 0;
        t0 = bench_ns();
        uv_run(&loop, UV_RUN_DEFAULT); /* fires them all, then has nothing left */
        t1 = bench_ns();
        must(fired == n, "every timer fired");
        bench_add(&res, (double)(t1 - t0) / (double)n);
    }
    snprintf(kase, sizeof kase, "due=%ld", n);
    bench_report("fires", kase, "libuv", &res, n, "real clock; ns per timer callback (uv_run)");
    uv_loop_close(&loop);
}

int main(int argc, char **argv) {
    const char *fig = argc > 1 ? argv[1] : "";
    bench_argc = argc;
    bench_argv = argv;
    if (!strcmp(fig, "deadline")) bench_deadline();
    else if (!strcmp(fig, "fires")) bench_fires();
    else if (!strcmp(fig, "bytes")) {
        char note[64];
        snprintf(note, sizeof note, "sizeof(uv_timer_t), libuv %s", uv_version_string());
        bench_value("bytes", "timer", "libuv", (double)sizeof(uv_timer_t), "bytes", note);
    } else {
        fprintf(stderr, "usage: %s deadline|fires|bytes [key=value ...]\n", argv[0]);
        return 2;
    }
    return 0;
}
