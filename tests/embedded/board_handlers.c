/* SPDX-License-Identifier: MIT */
/* A board start of examples/boards/ with an interrupt handler of the
 * program's own, defined in the file that includes it (tests/embedded/boards.sh
 * builds it under the team's strict flags and runs it where hello.c runs):
 *   - Cortex-M: IRQ 17 (the nRF51's RTC1; beyond the first 16 IRQs) named
 *     BOARD_IRQ17 and defined below; the NVIC enables it and sets it
 *     pending, and its handler sets an event that a task waits on with a
 *     timeout of 100 ms;
 *   - AVR: Timer1's compare A (ISR in this file, beside the board's Timer0)
 *     fires 5 ms after the start, and its handler sets the event.
 * It prints "handler: event set at N ms" and exits 0, or says what failed.
 * With -DBOARD_NO_HELPERS it is a file that includes the board start and
 * calls none of its helpers: it must build (-Werror) and is not run. With
 * -DAIO_DEBUG it makes a misuse first, whose message the board start routes
 * to its console ("aio: aio_cancel: ..."), and links no printf, assert or
 * heap of the C library's. */
#define AIO_TIME_32
#define AIO_NO_STDLIB
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#ifdef __AVR__
#include "examples/boards/avr/board.h"
#else
#ifndef BOARD_NO_HELPERS
#define BOARD_IRQ17 rtc1_handler
#endif
#include "examples/boards/cortex-m/board.h"
#endif

#ifdef BOARD_NO_HELPERS
int main(void) { return 0; }
#else
static aio_event fired;
static volatile uint32_t handled;

#ifdef __AVR__
ISR(TIMER1_COMPA_vect) {
    TIMSK1 = 0; /* once */
    handled++;
    aio_event_set(&fired);
}
static void trigger(void) {
    TCCR1A = 0;
    OCR1A = (uint16_t)(F_CPU / 64u / 1000u * 5u); /* 5 ms at F_CPU / 64 */
    TCNT1 = 0;
    TIMSK1 = _BV(OCIE1A);
    TCCR1B = _BV(WGM12) | _BV(CS11) | _BV(CS10); /* CTC, F_CPU / 64 */
}
#else
void rtc1_handler(void) {
    handled++;
    aio_event_set(&fired);
}
static void trigger(void) {
    BOARD_REG(0xE000E100u) = 1u << 17; /* NVIC ISER: IRQ 17 enabled */
    BOARD_REG(0xE000E200u) = 1u << 17; /* NVIC ISPR: pending */
}
#endif

typedef struct {
    aio_task task, never;
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *m = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
#ifdef AIO_DEBUG
    (void)aio_cancel(&m->never); /* a misuse: its message goes to the board's console */
#endif
    trigger();
    AIO_EVENT_WAIT(t, m->rc, &fired, AIO_MS(100));
    if (m->rc != AIO_OK || handled != 1u) {
        board_puts("handler: FAILED: the program's handler did not run\n");
        AIO_RETURN(t, AIO_EUSER);
    }
    board_puts("handler: event set at ");
    board_put_uint((uint32_t)aio_now());
    board_puts(" ms\n");
    AIO_END(t);
}

int main(void) {
    static main_t m;
    static aio_timer timers[2];
    aio_loop loop;
    board_start();
    aio_loop_init(&loop, timers, 2);
    aio_loop_set_clock(&loop, board_clock, NULL);
    aio_loop_set_idle(&loop, board_idle, NULL);
    board_exit(aio_run(&loop, &m.task, main_task) == AIO_OK ? 0 : 1);
    return 0;
}
#endif
