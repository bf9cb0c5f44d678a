/* SPDX-License-Identifier: MIT */
/* A low-power sensor node, shaped as a firmware team writes one: three tasks.
 * - The sampler: once a second it starts a conversion and waits for the
 *   sensor's "data ready" event (set by its interrupt) in a 50 ms timeout
 *   block. Cancelled, its cleanup powers the sensor down in two awaited
 *   steps, shielded.
 * - The command reader (the main task): bytes from the UART's interrupt come
 *   through a queue; 's' stops the sampler (cancels it and awaits its end).
 * - The watchdog: kicked every 500 ms while the sampler makes progress.
 * The registers are variables here: what counts is the library's part. */
#include "config.h"
#include "../../../aio_timeout_core.h"
#include "board.h"

typedef struct {
    aio_task task;
    aio_timeout read;       /* one conversion: 50 ms */
    aio_timeout power_down; /* the cleanup, shielded */
    aio_status rc;
    uint16_t sample, reads, misses;
} sampler_t;

typedef struct {
    aio_task task;
    aio_status rc;
    uint8_t command;
} commands_t;

typedef struct {
    aio_task task;
    uint16_t seen;
} watchdog_t;

static sampler_t sampler_state;
static watchdog_t watchdog_state;
static commands_t commands_state;
static aio_event sensor_ready;
static aio_queue uart_in;
static uint8_t uart_places[8];
static volatile uint16_t sensor_data, sensor_control, watchdog_register;

#if defined(__AVR__)
ISR(INT0_vect) { aio_event_set(&sensor_ready); }
ISR(USART_RX_vect) {
    uint8_t c = UDR0;
    (void)aio_queue_put_from_isr(&uart_in, &c);
}
#else
void IRQ0_Handler(void);
void IRQ1_Handler(void);
void IRQ0_Handler(void) { aio_event_set(&sensor_ready); }
void IRQ1_Handler(void) {
    uint8_t c = (uint8_t)sensor_data; /* (the UART's data register) */
    (void)aio_queue_put_from_isr(&uart_in, &c);
}
#endif

static aio_status sampler(aio_task *t) {
    sampler_t *s = AIO_SELF(t, sampler_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_SEC(1));
        aio_event_clear(&sensor_ready);
        sensor_control = 1; /* start a conversion */
        AIO_TIMEOUT(t, &s->read, AIO_MS(50)) {
            AIO_EVENT_WAIT(t, s->rc, &sensor_ready, AIO_NEVER);
        }
        if (aio_timeout_status(&s->read) == AIO_ETIMEDOUT) {
            s->misses++;
        } else {
            s->sample = sensor_data;
            s->reads++;
        }
    }
    AIO_FINALLY(t);
    AIO_SHIELDED(t, &s->power_down, AIO_MS(100)) {
        sensor_control = 2; /* stop converting, */
        AIO_SLEEP(t, AIO_MS(5));
        sensor_control = 0; /* then cut its supply */
        AIO_SLEEP(t, AIO_MS(5));
    }
    AIO_END(t);
}

static aio_status watchdog(aio_task *t) {
    watchdog_t *s = AIO_SELF(t, watchdog_t);
    AIO_BEGIN(t);
    while (!aio_task_done(&sampler_state.task)) {
        uint16_t progress = (uint16_t)(sampler_state.reads + sampler_state.misses);
        if (progress != s->seen) watchdog_register = 0xA5; /* kick */
        s->seen = progress;
        AIO_SLEEP(t, AIO_MS(500));
    }
    AIO_END(t);
}

static aio_status commands(aio_task *t) {
    commands_t *s = AIO_SELF(t, commands_t);
    AIO_BEGIN(t);
    aio_spawn(&sampler_state.task, sampler);
    aio_spawn(&watchdog_state.task, watchdog);
    for (;;) {
        AIO_QUEUE_GET(t, s->rc, &uart_in, &s->command, AIO_NEVER);
        if (s->command == 's') break;
    }
    aio_cancel(&sampler_state.task);
    AIO_AWAIT(t, s->rc, &sampler_state.task);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[3];
    aio_loop loop;
    aio_loop_init(&loop, timers, 3);
    aio_loop_set_clock(&loop, size_clock, NULL);
    aio_loop_set_idle(&loop, size_idle, NULL);
    (void)aio_queue_init(&uart_in, uart_places, 1, sizeof uart_places, sizeof uart_places);
    return aio_run(&loop, &commands_state.task, commands);
}
