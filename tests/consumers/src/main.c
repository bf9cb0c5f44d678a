/* SPDX-License-Identifier: MIT */
/* The program every consumer project builds: a task that ticks every 100 ms
 * under a 250 ms timeout, on the virtual clock. Prints
 * "2 ticks, then timed out at 0.25 s" and exits 0. */
#include "aio_timeout.h"
#include <stdio.h>

typedef struct {
    aio_task task;
    aio_timeout deadline;
    int ticks;
} ticker_t;

static aio_status ticker(aio_task *t) {
    ticker_t *s = AIO_SELF(t, ticker_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->deadline, AIO_MS(250)) {
        for (;;) {
            AIO_SLEEP(t, AIO_MS(100));
            s->ticks++;
        }
    }
    AIO_RETURN(t, s->ticks);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[4];
    static ticker_t ticks;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 4);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &ticks.task, ticker);
    printf("%d ticks, then %s at %.2f s\n", rc,
           aio_timeout_status(&ticks.deadline) == AIO_ETIMEDOUT ? "timed out" : "finished",
           (double)aio_loop_now(&loop) / AIO_TICKS_PER_SEC);
    return aio_loop_destroy(&loop) != AIO_OK || rc != 2;
}
