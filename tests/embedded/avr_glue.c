/* SPDX-License-Identifier: MIT */
/* The unit tests' runner on an AVR (tests/embedded/avr.sh): output on the
 * UART (simavr prints it), a clock from Timer1 for the header's system clock,
 * and the checks and trace() of test.h, whose texts stay in flash (avr-libc
 * would copy every string literal to RAM); avr-libc's printf has no %lld, so
 * long long is printed here. */
#include "../test.h"
#include <stdarg.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

static int uart_putchar(char c, FILE *stream) {
    (void)stream;
    loop_until_bit_is_set(UCSR0A, UDRE0);
    UDR0 = (uint8_t)c;
    return 0;
}
static FILE uart = FDEV_SETUP_STREAM(uart_putchar, NULL, _FDEV_SETUP_WRITE);

static char *lld(char buf[24], long long v) {
    unsigned long long u = v < 0 ? 0u - (unsigned long long)v : (unsigned long long)v;
    char *p = buf + 23;
    *p = 0;
    do *--p = (char)('0' + (int)(u % 10u)); while ((u /= 10u) != 0);
    if (v < 0) *--p = '-';
    return p;
}

void test_fail_P(const char *file_P, int line, const char *cond_P) {
    printf_P(PSTR("    %S:%d: CHECK(%S) failed\n"), file_P, line, cond_P);
    test_failures++;
}

void test_check_eq_P(long long a, long long b, const char *file_P, int line, const char *args_P) {
    char ba[24], bb[24];
    if (a == b) return;
    printf_P(PSTR("    %S:%d: CHECK_EQ(%S) failed: %s != %s\n"), file_P, line, args_P, lld(ba, a), lld(bb, b));
    test_failures++;
}

void test_check_str_P(const char *a, const char *b_P, const char *file_P, int line, const char *args_P) {
    if (strcmp_P(a, b_P) == 0) return;
    printf_P(PSTR("    %S:%d: CHECK_STR(%S) failed:\n      got:  \"%s\"\n      want: \"%S\"\n"), file_P, line,
             args_P, a, b_P);
    test_failures++;
}

void test_trace_P(const char *fmt_P, ...) {
    size_t len = strlen(test_trace), room = sizeof test_trace - 1;
    char buf[24], c;
    const char *s;
    va_list ap;
    va_start(ap, fmt_P);
    while ((c = (char)pgm_read_byte(fmt_P++)) != 0) {
        if (c != '%') {
            buf[0] = c, buf[1] = 0, s = buf;
        } else if ((c = (char)pgm_read_byte(fmt_P++)) == 'd') {
            s = lld(buf, va_arg(ap, int));
        } else if (c == 's') {
            s = va_arg(ap, const char *);
        } else if (c == 'l' && pgm_read_byte(fmt_P) == 'l' && pgm_read_byte(fmt_P + 1) == 'd') {
            fmt_P += 2;
            s = lld(buf, va_arg(ap, long long));
        } else { /* not one trace() knows here: fail the test rather than guess */
            printf_P(PSTR("    trace: unsupported conversion in \"%S\"\n"), fmt_P);
            test_failures++;
            break;
        }
        while (*s && len < room) test_trace[len++] = *s++;
        if (*s) { /* full: a check of a cut trace could pass by mistake */
            printf_P(PSTR("    trace: more than %u characters\n"), (unsigned)room);
            test_failures++;
            break;
        }
    }
    test_trace[len] = 0;
    va_end(ap);
}

/* Timer1 counts at F_CPU / 64 (4 us at 16 MHz) from the start; its overflows
 * extend it to 48 bits. */
static volatile uint32_t timer1_overflows;
ISR(TIMER1_OVF_vect) { timer1_overflows++; }

int timespec_get(struct timespec *ts, int base) {
    uint8_t sreg = SREG;
    uint32_t hi;
    uint16_t lo;
    uint64_t us;
    if (base != TIME_UTC) return 0;
    cli();
    hi = timer1_overflows;
    lo = TCNT1;
    if ((TIFR1 & _BV(TOV1)) && lo < 0x8000u) hi++; /* an overflow not yet counted */
    SREG = sreg;
    us = (((uint64_t)hi << 16) | lo) * (64000000u / F_CPU);
    ts->tv_sec = (time_t)(us / 1000000u);
    ts->tv_nsec = (long)(us % 1000000u * 1000u);
    return base;
}

/* RAM that neither the heap nor the stack ever reached: painted at the
 * start, measured at the end (a collision of the two would go unnoticed). */
#define PAINT 0xa5
extern char __heap_start;

void test_avr_start(void) {
    char *p = &__heap_start, *sp = (char *)SP;
    while (p < sp - 64) *p++ = (char)PAINT;
    stdout = &uart;
    stderr = &uart; /* (the library's default debug hook writes there) */
    TCCR1A = 0;
    TCCR1B = _BV(CS11) | _BV(CS10); /* F_CPU / 64 */
    TIMSK1 = _BV(TOIE1);
    sei();
}

void test_avr_stop(void) {
    const char *p = &__heap_start, *end = (const char *)RAMEND;
    unsigned run = 0, best = 0;
    for (; p <= end; p++) {
        run = *p == (char)PAINT ? run + 1 : 0;
        if (run > best) best = run;
    }
    printf_P(PSTR("ram: %u bytes between the heap and the stack never used\n"), best);
    cli();
    sleep_cpu(); /* simavr stops here */
}
