/* SPDX-License-Identifier: MIT */
/* The implementation in the user's own file, built optimized (tests/checks/
 * strict.sh: -O2 and -O3 under the strict warnings, with gcc, clang and
 * arm-none-eabi-gcc). The warnings that only an optimizer gives (array
 * bounds, string overflows) come from code inlined into the user's calls,
 * with the user's objects: a queue of one-byte items put from a handler,
 * the recorder's text written into the library's own buffer (gcc -O3
 * warned there once). The interrupt test (tests/embedded/test_isr.c, built
 * at -O2 with every function static) puts one-byte items from its handler
 * too: gcc -O2 warned there once, of the queue's copies for 4 and 8 bytes.
 * HEADER names the header (aio_timeout.h or aio_timeout_core.h; by default
 * the first, found from here). */
#ifdef FIRMWARE
/* (FIRMWARE: as a firmware file often is, every function static, and the
 * interrupts masked around the shared state, a call each way) */
static unsigned masked;
static unsigned irq_off(void) { return masked++; }
static void irq_on(unsigned was) { masked = was; }
#define AIO_CRITICAL_ENTER() do { unsigned irq_was = irq_off()
#define AIO_CRITICAL_EXIT() irq_on(irq_was); } while (0)
#define AIO_STATIC
#endif
#ifndef HEADER
#define HEADER "../../aio_timeout.h"
#endif
#define AIO_TIMEOUT_IMPLEMENTATION
#include HEADER

static aio_queue bytes;
static uint8_t places[8];
static size_t lines;

static void count_line(void *ctx, const char *text) {
    (void)ctx;
    (void)text;
    lines++;
}

/* (an interrupt handler's put and a get, each of a local byte) */
static void handler(void) {
    uint8_t item = 42;
    (void)aio_queue_put_from_isr(&bytes, &item);
}
static uint8_t take(void) {
    uint8_t item = 0;
    (void)aio_queue_get_nowait(&bytes, &item);
    return item;
}

int main(void) {
    aio_recorder recorder;
    static aio_trace_record records[4];
    if (aio_queue_init(&bytes, places, 1, sizeof places, 0) != AIO_OK) return 1;
    handler();
    if (take() != 42) return 1;
    if (aio_recorder_init(&recorder, records, 4) != AIO_OK) return 1;
    aio_recorder_dump(&recorder, count_line, NULL);
    return lines == 1 ? 0 : 1;
}
