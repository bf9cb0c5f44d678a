/* SPDX-License-Identifier: MIT */
/* board.h: a minimal AVR board start for aio_timeout_core.h (an ATmega328P,
 * an Arduino Uno's chip, at 16 MHz; other megaAVRs alike), to copy into a
 * firmware and adapt. Include it in place of the header, in the one file that
 * has your main() (the header comes with it):
 *
 *     #define AIO_TIME_32                  // your options first
 *     #define AIO_NO_STDLIB
 *     #define AIO_TIMEOUT_IMPLEMENTATION
 *     #define AIO_STATIC
 *     #include "board.h"
 *
 *     int main(void) {
 *         board_start();                   // Timer0 at 1 kHz, the UART, interrupts on
 *         aio_loop_init(&loop, timers, 4);
 *         aio_loop_set_clock(&loop, board_clock, NULL);
 *         aio_loop_set_idle(&loop, board_idle, NULL);
 *         board_exit(aio_run(&loop, &m.task, main_task));
 *     }
 *
 *     avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL -Os -ffunction-sections \
 *         -fdata-sections -Wl,--gc-sections main.c -o main.elf
 *
 * avr-libc's start-up gives the vector table and the reset; this gives:
 *   - the critical section the library's interrupt-safe calls need
 *     (AIO_CRITICAL_ENTER/EXIT: SREG saved, interrupts off, SREG restored, so
 *     they nest and work inside handlers);
 *   - the clock: Timer0 in CTC mode interrupts every millisecond (F_CPU / 64
 *     / 250) and counts; a read masks the interrupt for its four bytes;
 *   - the idle hook: with interrupts off it asks the loop again for its next
 *     deadline (an interrupt may have set an event since the loop looked),
 *     then sleeps in idle mode. `sei` and `sleep` are adjacent: the AVR runs
 *     the instruction after `sei` before any interrupt, so one that comes
 *     between the look and the sleep still wakes it. Timer0's millisecond
 *     wakes it at the latest;
 *   - a console on the UART (115,200 baud, 8N1) and an exit (a sleep with
 *     interrupts off, where simavr stops; on a board, the core halts). */
#ifndef BOARD_H
#define BOARD_H
#ifndef F_CPU
#define F_CPU 16000000UL
#endif
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>

/* What a program may leave uncalled (a firmware that prints nothing, say)
 * and still build with -Werror. (Your interrupts: ISR(vector) in your file,
 * as avr-libc has them; Timer0's compare A is the clock's.) */
#define BOARD_HELPER static __attribute__((unused))

/* ------------------------------------------------------- critical section */

#define AIO_CRITICAL_ENTER() do { uint8_t aio_sreg = SREG; cli()
#define AIO_CRITICAL_EXIT() SREG = aio_sreg; } while (0)

#include "aio_timeout_core.h"
#if AIO_TICKS_PER_SEC != 1000u || !defined(AIO_TIME_32)
#error "board.h: its clock counts milliseconds in 32 bits: define AIO_TIME_32 (and no other tick rate)"
#endif

/* ----------------------------------------------------------- the console */

BOARD_HELPER void board_putc(char c) {
    loop_until_bit_is_set(UCSR0A, UDRE0);
    UDR0 = (uint8_t)c;
}
BOARD_HELPER void board_puts(const char *s) {
    while (*s) board_putc(*s++);
}
/* A number in decimal (no printf needed). */
BOARD_HELPER void board_put_uint(uint32_t v) {
    char buf[11], *p = buf + sizeof buf - 1;
    *p = 0;
    do *--p = (char)('0' + (char)(v % 10u)); while ((v /= 10u) != 0);
    board_puts(p);
}

#ifdef AIO_DEBUG
/* AIO_DEBUG's messages (a misuse named, an invariant broken) on the
 * console: board_start routes them here (aio_set_debug_hook). Without the C
 * library nothing else prints them, and no printf is linked. */
BOARD_HELPER void board_debug(aio_status code, const char *message) {
    (void)code;
    board_puts("aio: ");
    board_puts(message);
    board_puts("\n");
}
#endif

BOARD_HELPER void board_exit(int status) {
    (void)status;
    cli();
    sleep_enable();
    sleep_cpu(); /* interrupts off: for good */
    for (;;) {
    }
}

/* ------------------------------------------------------ the clock, 1 kHz */

static volatile uint32_t board_ms; /* ms since board_start */

ISR(TIMER0_COMPA_vect) { board_ms++; }

BOARD_HELPER void board_start(void) {
#ifdef AIO_DEBUG
    aio_set_debug_hook(board_debug);
#endif
    UBRR0 = (uint16_t)(F_CPU / 8u / 115200u - 1u); /* double speed: 2.1% off at 16 MHz */
    UCSR0A = _BV(U2X0);
    UCSR0B = _BV(TXEN0);
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00); /* 8N1 */
    TCCR0A = _BV(WGM01);                /* CTC: count to OCR0A, then from 0 */
    OCR0A = (uint8_t)(F_CPU / 64u / 1000u - 1u);
    TCCR0B = _BV(CS01) | _BV(CS00); /* F_CPU / 64 */
    TIMSK0 = _BV(OCIE0A);
    SMCR = 0; /* idle mode (set_sleep_mode(SLEEP_MODE_IDLE), quiet under -Wconversion): the timers run */
    sei();
}

BOARD_HELPER aio_time board_clock(void *ctx) {
    uint32_t now;
    uint8_t sreg = SREG;
    (void)ctx;
    cli();
    now = board_ms;
    SREG = sreg;
    return (aio_time)now;
}

/* ------------------------------------------------------- the idle hook */

BOARD_HELPER void board_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    aio_time next;
    (void)ctx;
    (void)deadline;
    cli();
    next = aio_next_deadline(loop); /* (again, interrupts off: not `deadline`) */
    if (next == AIO_NEVER || (aio_stime)(next - board_ms) > 0) {
        sleep_enable();
        sei();       /* (sei, then sleep: no interrupt between them) */
        sleep_cpu(); /* until the next interrupt: the millisecond's at the latest */
        sleep_disable();
    }
    sei();
}

#endif
