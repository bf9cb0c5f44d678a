/* SPDX-License-Identifier: MIT */
/* aio_timeout_core.h - the core of aio_timeout.h, for firmware.
 *
 * aio_timeout.h without the system's I/O, worker threads, child processes,
 * TLS and simulation: the sections a build with AIO_NO_IO, AIO_NO_THREADS
 * and AIO_NO_PROCESSES compiles, made from the same parts
 * (tools/parts.py), so the names, the types and the code are the same.
 * Tasks, timeout blocks, wait_for, gather, as_completed, groups, events,
 * locks, semaphores, conditions, queues (a put from an interrupt handler),
 * waits on a port of yours (struct aio_io, aio_loop_set_io) and the
 * instruments are all here. What needs the system is refused with a
 * status, as on a board: a socket, AIO_TO_THREAD, aio_process_spawn,
 * aio_signal_event and aio_signal_cancel. A program moves to aio_timeout.h
 * by changing its #include, and a build of it is the same code on a
 * microcontroller.
 *
 * In exactly one source file:
 *
 *     #define AIO_TIMEOUT_IMPLEMENTATION
 *     #include "aio_timeout_core.h"
 *
 * everywhere else just #include it. Define AIO_STATIC as well in a firmware
 * of one .c file: every function static, the compiler keeps what you call.
 *
 * THE TOUR, FOR A FIRMWARE
 *
 * A coroutine is a function over a task. Its locals do not survive an await,
 * so its state lives in a struct, and every wait takes a deadline:
 *
 *     typedef struct { aio_task task; aio_timeout to; aio_status rc; int tries; } poll_t;
 *
 *     static aio_status poller(aio_task *t) {
 *         poll_t *s = AIO_SELF(t, poll_t);
 *         AIO_BEGIN(t);
 *         for (;;) {
 *             AIO_TIMEOUT(t, &s->to, AIO_MS(50)) {     // async with timeout(0.05):
 *                 AIO_EVENT_WAIT(t, s->rc, &data_ready, AIO_NEVER);
 *                 read_sensor();
 *             }
 *             if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) s->tries++;
 *             AIO_SLEEP(t, AIO_MS(100));
 *         }
 *         AIO_FINALLY(t);                  // cancelled or failed: may await
 *         power_down();
 *         AIO_END(t);
 *     }
 *
 * The board gives a clock, an idle hook and a critical section, then runs
 * the loop (aio_run, or aio_step from a super-loop); aio_event_set(&data_ready)
 * is safe in an interrupt handler:
 *
 *     static aio_timer timers[4];            // one per task waiting with a deadline
 *     aio_loop_init(&loop, timers, 4);
 *     aio_loop_set_clock(&loop, board_ticks, NULL);   // your tick counter
 *     aio_loop_set_idle(&loop, board_idle, NULL);     // WFI until a deadline
 *     aio_run(&loop, &p.task, poller);
 *
 * examples/boards/ has a board start to copy (a Cortex-M's vectors, reset,
 * SysTick clock, idle hook and console; an AVR's Timer0 clock, idle hook and
 * UART); docs/embedded.md the rest (a tickless idle, sizes, what an AVR takes).
 *
 * The rules, in short (docs/behaviour.md has every rule):
 *  - Statuses: >= 0 a result, < 0 an error (AIO_ECANCELED, AIO_ETIMEDOUT,
 *    AIO_EINVAL, AIO_ENOSPC, ... and your own <= AIO_EUSER).
 *  - Every await is a checkpoint: cancellation and expired deadlines are
 *    noticed there and nowhere else (AIO_YIELD is the explicit one).
 *  - Cancellation unwinds to the end of the innermost open block, then
 *    outward, then to AIO_FINALLY; only the block whose deadline fired
 *    stops it. A cleanup is not hit again by what brought it there, but a
 *    second cancellation cuts its awaits and skips the rest of it: one that
 *    must finish goes in AIO_SHIELDED.
 *  - Never await inside your own switch; never `return` from a coroutine
 *    (AIO_RETURN, AIO_RAISE); keep what lives across an await in the struct,
 *    an await's result in an aio_status.
 *  - Give the loop one timer slot per task that can wait with a deadline at
 *    the same time, cleanups included (else AIO_ENOSPC, which a release
 *    build does not report: aio_loop_timers_full counts it).
 *  - The clock may start at any value (test across the wrap with
 *    aio_loop_use_virtual_clock(&loop, (aio_time)0 - AIO_SEC(30))); a
 *    deadline on one of the two reserved last ticks fires a tick or two
 *    late. What an interrupt answered before a turn wins over a deadline
 *    due in that turn (but for a queue item under a due block: it stays
 *    queued; docs/embedded.md).
 *
 * COMPILE-TIME OPTIONS A FIRMWARE SETS (every option: aio_timeout.h's list)
 *
 *   AIO_TIME_32          32-bit wrapping ticks (1 kHz unless told)
 *   AIO_TICKS_PER_SEC    your tick: 1000u, 32768u (an RTC), 1000000u, ...
 *   AIO_NO_STDLIB        no malloc, no stdio: the storage is yours
 *   AIO_CRITICAL_ENTER / AIO_CRITICAL_EXIT   mask interrupts (a put or an
 *                        event set from a handler, a tickless idle)
 *   AIO_STATIC           everything static (one .c file)
 *   AIO_DEBUG            messages that name a mistake (aio_set_debug_hook)
 *
 * Durations (AIO_SEC, AIO_MS, AIO_US) round up to whole ticks and need no
 * 64-bit division; the macros are quiet under -Wconversion -Wsign-conversion
 * -Wcast-qual; no count the library keeps breaks after any uptime.
 *
 * THE MAP
 *
 * Each section starts with a line `// >>name`: `grep -n '^// >>'` lists
 * them. The API: >>config (options), >>time (durations, statuses), >>types
 * (the structs), >>loop (the loop, aio_run, aio_step, aio_next_deadline for
 * a tickless idle), >>tasks, >>scopes, >>many (wait, gather, as_completed,
 * groups, events, locks, semaphores, conditions), >>queues (and a put from
 * an interrupt handler), >>io (struct aio_io: descriptors through a port of
 * yours), >>instruments, >>macros (every await). The implementation, in the
 * file that defines AIO_TIMEOUT_IMPLEMENTATION: >>misc, >>clock, >>heap
 * (the timer heap), >>waking, >>cancellation, >>tasks-impl, >>loop-impl
 * (the turn), >>coroutines, >>scopes-impl, >>many-impl, >>as-completed,
 * >>groups, >>events, >>locks, >>conditions, >>queues-impl, >>io-impl.
 * What needs a system (sockets, streams, threads, processes) is in
 * aio_timeout.h alone; here those calls are refused with a status. Do not
 * edit this file: edit parts/ and run `make header`.
 */
#ifndef AIO_TIMEOUT_H
#define AIO_TIMEOUT_H
#if defined(AIO_SIMULATION) || defined(AIO_TLS) || defined(AIO_TLS_OPENSSL) || defined(AIO_TLS_MBEDTLS) || \
    defined(AIO_TLS_SCHANNEL)
#error "aio_timeout_core.h has no simulation and no TLS: include aio_timeout.h"
#endif
#ifndef AIO_NO_IO
#define AIO_NO_IO 1
#endif
#ifndef AIO_NO_THREADS
#define AIO_NO_THREADS 1
#endif
#ifndef AIO_NO_PROCESSES
#define AIO_NO_PROCESSES 1
#endif

