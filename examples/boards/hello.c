/* SPDX-License-Identifier: MIT */
/* hello: the smallest whole firmware on a board start of examples/boards/:
 * a task that blinks every 250 ms without drift, a wait for an event that
 * never comes under a 600 ms timeout, and a cancel whose cleanup reports.
 * The same file builds for a Cortex-M (cortex-m/board.h, board.ld) and for
 * an ATmega328P (avr/board.h); each prints expected.txt, its times exact:
 * the clock is the board's own tick, 1 kHz unless the build sets another
 * rate (-DAIO_TICKS_PER_SEC=31250u on the Cortex-M). `make test` runs both
 * (QEMU, simavr). */
#define AIO_TIME_32 /* 32-bit ticks */
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#ifdef __AVR__
#include "avr/board.h"
#else
#include "cortex-m/board.h"
#endif

/* An instant in whole milliseconds, at any tick rate, in 32-bit arithmetic. */
static uint32_t ms(aio_time t) {
    return t / AIO_TICKS_PER_SEC * 1000u + t % AIO_TICKS_PER_SEC * 1000u / AIO_TICKS_PER_SEC;
}

static void say(const char *what, uint32_t n, const char *more) {
    board_puts(what);
    board_put_uint(n);
    board_puts(more);
}

typedef struct {
    aio_task task;
    aio_time next;
    uint32_t blinks;
} blink_t;

static aio_status blink(aio_task *t) {
    blink_t *s = AIO_SELF(t, blink_t);
    AIO_BEGIN(t);
    s->next = aio_now();
    for (;;) {
        s->next += AIO_MS(250); /* the next instant of the period: no drift */
        AIO_SLEEP_UNTIL(t, s->next);
        s->blinks++;
        say("blink ", s->blinks, "");
        say(" at ", ms(aio_now()), " ms\n");
    }
    AIO_FINALLY(t);
    say("blink: cancelled at ", ms(aio_now()), " ms");
    say(" after ", s->blinks, " blinks\n");
    AIO_END(t);
}

typedef struct {
    aio_task task;
    blink_t blink;
    aio_timeout to;
    aio_event data;
    aio_status rc;
    aio_time at;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    aio_spawn(&s->blink.task, blink);
    AIO_TIMEOUT(t, &s->to, AIO_MS(600)) { /* async with asyncio.timeout(0.6): */
        AIO_EVENT_WAIT(t, s->rc, &s->data, AIO_NEVER);
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) say("main: no data, timed out at ", ms(aio_now()), " ms\n");
    AIO_SLEEP_UNTIL(t, AIO_MS(1100));
    s->at = aio_now();
    aio_cancel(&s->blink.task);
    AIO_AWAIT(t, s->rc, &s->blink.task); /* s->rc: AIO_ECANCELED */
    /* (the time of the cancel: a slow console may have taken a few ms since) */
    say(s->rc == AIO_ECANCELED ? "main: blink cancelled at " : "main: blink not cancelled at ", ms(s->at),
        " ms, done\n");
    AIO_END(t);
}

static aio_timer timers[4];
static aio_loop loop;
static main_t m;

int main(void) {
    board_start();
    aio_loop_init(&loop, timers, 4);
    aio_loop_set_clock(&loop, board_clock, NULL);
    aio_loop_set_idle(&loop, board_idle, NULL);
    board_exit(aio_run(&loop, &m.task, main_task) == AIO_OK ? 0 : 1);
    return 0;
}
