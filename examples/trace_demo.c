/* SPDX-License-Identifier: MIT */
/* trace_demo.c - see what happened: record a run with the instruments and
 * write it as a text trace (make trace-demo turns it into a Perfetto trace
 * and an SVG timeline with tools/aio_trace.py).
 *
 * What runs, on the virtual clock (instant, and the same every time):
 *   - `fetch_all` gathers three fetches inside a 1 s timeout block; each
 *     fetch sleeps its own time inside a block of its own:
 *       a (200 ms, within 500 ms) finishes,
 *       b (700 ms, within 500 ms) is cut short by its own block,
 *       c (1.5 s, within 2 s) is still sleeping when the outer block fires:
 *       the gather is cancelled and cancels c, whose cleanup (a shielded
 *       100 ms flush) still runs before the gather gives up;
 *   - `watchdog` waits on an event that `fetch_all` sets when it is done,
 *     and fetch_all waits for it to end.
 *
 *     trace_demo > demo.txt
 *     python3 tools/aio_trace.py demo.txt --json demo.json --svg demo.svg
 *
 * The records are kept in a ring of 512 (aio_recorder) and written out at
 * the end (aio_recorder_dump); on a microcontroller the same dump can go to
 * a UART. */
#define AIO_INSTRUMENTS 1 /* (a release build: they are in debug builds anyway) */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"

#include <stdio.h>

typedef struct {
    aio_task task;
    aio_timeout own;     /* this fetch's own deadline */
    aio_timeout flush;   /* its cleanup, shielded */
    int ms;              /* how long it takes */
    int within;          /* its own deadline, ms */
} fetch_t;

static aio_status fetch(aio_task *t) {
    fetch_t *s = AIO_SELF(t, fetch_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->own, AIO_MS(s->within)) { AIO_SLEEP(t, AIO_MS(s->ms)); }
    AIO_RETURN(t, aio_timeout_status(&s->own) == AIO_ETIMEDOUT ? 0 : s->ms);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        AIO_SHIELDED(t, &s->flush, AIO_NEVER) { AIO_SLEEP(t, AIO_MS(100)); } /* flush */
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout overall;
    fetch_t fetches[3];
    aio_wait_item items[3];
    aio_event done;
    aio_task watchdog;
    aio_status rc;
    int i;
} main_t;
static main_t m;

static aio_status watchdog(aio_task *t) {
    aio_status rc;
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, rc, &m.done, AIO_SEC(5));
    (void)rc;
    AIO_END(t);
}

static aio_status fetch_all(aio_task *t) {
    static const int ms[3] = {200, 700, 1500}, within[3] = {500, 500, 2000};
    static const char *const names[3] = {"fetch_a", "fetch_b", "fetch_c"};
    AIO_BEGIN(t);
    aio_trace_name(t, "fetch_all");
    aio_spawn(&m.watchdog, watchdog);
    aio_trace_name(&m.watchdog, "watchdog");
    AIO_TIMEOUT(t, &m.overall, AIO_SEC(1)) {
        for (m.i = 0; m.i < 3; m.i++) {
            m.fetches[m.i].ms = ms[m.i];
            m.fetches[m.i].within = within[m.i];
            aio_spawn(&m.fetches[m.i].task, fetch);
            aio_trace_name(&m.fetches[m.i].task, names[m.i]);
            m.items[m.i].task = &m.fetches[m.i].task;
        }
        AIO_GATHER(t, m.rc, m.items, 3);
    }
    aio_event_set(&m.done);
    AIO_AWAIT(t, m.rc, &m.watchdog);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[8];
    static aio_trace_record ring[512];
    aio_recorder rec;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 8);
    aio_loop_use_virtual_clock(&loop, 0);
    aio_recorder_init(&rec, ring, 512);
    aio_loop_set_instrument(&loop, aio_recorder_hook, &rec);
    rc = aio_run(&loop, &m.task, fetch_all);
    aio_recorder_dump(&rec, aio_trace_fputs, stdout);
    aio_loop_destroy(&loop);
    return rc == AIO_OK && aio_recorder_count(&rec) > 0 ? 0 : 1;
}
