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

// >>config
/* ------------------------------------------------------------------------ */
/* Configuration                                                              */
/* ------------------------------------------------------------------------ */

/* The version, for #if: AIO_VERSION is 10000 * major + 100 * minor + patch.
 * library.json, library.properties, CMakeLists.txt, the Makefile and the top
 * heading of CHANGELOG.md give the same one (make test checks it). */
#define AIO_VERSION_MAJOR 0
#define AIO_VERSION_MINOR 2
#define AIO_VERSION_PATCH 0
#define AIO_VERSION 200
#define AIO_VERSION_STRING "0.2.0"

/* COMPILE-TIME OPTIONS
 *
 * Define them before the header is included. Those that change types
 * (AIO_TIME_32, AIO_TIME_TYPE, AIO_STIME_TYPE, AIO_TICKS_PER_SEC) must be the
 * same in every file of a program, and AIO_SIMULATION is defined in every
 * file or none; the others matter only in the file that defines
 * AIO_TIMEOUT_IMPLEMENTATION. Each with its default, then what it does
 * (docs/api.md, "Configuration", has the same list):
 *
 *   AIO_TIMEOUT_IMPLEMENTATION  (not defined) compile the implementation in
 *                               this file; exactly one file defines it
 *   AIO_STATIC                  (not defined) make every function static: a
 *                               program in one file
 *   AIO_DEBUG                   (not defined) report each misuse through the
 *                               debug hook with a message that names it (the
 *                               status is returned either way), and check the
 *                               internal invariants (AIO_ASSERT)
 *   AIO_ASSERT(c)               (assert(c) with AIO_DEBUG; without the C
 *                               library the debug hook told, then a stop;
 *                               else nothing) the
 *                               check of an internal invariant
 *   AIO_INSTRUMENTS             (1 with AIO_DEBUG or AIO_SIMULATION, else 0)
 *                               1 compiles in the instruments
 *                               (aio_loop_set_instrument), 0 leaves them out
 *   AIO_TIME_32                 (not defined) 32-bit millisecond ticks that
 *                               wrap (microcontrollers); else 64-bit
 *                               nanoseconds
 *   AIO_TIME_TYPE               (uint64_t; uint32_t with AIO_TIME_32) the
 *                               unsigned type of a time in ticks
 *   AIO_STIME_TYPE              (int64_t; int32_t with AIO_TIME_32) its
 *                               signed twin, defined with AIO_TIME_TYPE
 *   AIO_TICKS_PER_SEC           (1000000000u; 1000u with AIO_TIME_32) the
 *                               ticks in a second
 *   AIO_CRITICAL_ENTER()        (nothing) enter a critical section around the
 *                               ready queue and the events, for wake-ups from
 *                               interrupt handlers and other threads
 *   AIO_CRITICAL_EXIT()         (nothing) leave it; defined with
 *                               AIO_CRITICAL_ENTER
 *   AIO_THREAD_LOCAL            (nothing) the storage class of the running
 *                               loop's pointer: _Thread_local runs a loop per
 *                               thread
 *   AIO_NO_STDLIB               (not defined) freestanding: no stdio.h,
 *                               stdlib.h or time.h (set a clock, or use the
 *                               virtual one)
 *   AIO_NO_IO                   (not defined) leave out the sockets, the
 *                               signals, the child processes and the
 *                               system's I/O wait (a port of yours still
 *                               works: aio_loop_set_io)
 *   AIO_IO_POLL                 (not defined) wait for I/O with poll() on
 *                               Linux too, instead of epoll; on Windows
 *                               with WSAPoll, instead of AFD poll
 *   AIO_NO_THREADS              (not defined) leave out the worker threads:
 *                               AIO_TO_THREAD is refused, a host name needs
 *                               a lookup of yours (aio_set_lookup), and
 *                               Windows has no child processes
 *   AIO_THREADS_MAX             (8) the most worker threads a loop runs at
 *                               once (aio_loop_set_threads: one loop's)
 *   AIO_THREADS_TIMEOUT         (AIO_SEC(300)) how long aio_loop_destroy waits
 *                               for the calls under way
 *                               (aio_loop_set_threads_timeout: one loop's)
 *   AIO_NO_PROCESSES            (not defined) leave out the child processes
 *   AIO_NO_PIDFD                (not defined) tell a child's exit by SIGCHLD
 *                               even where Linux has a pidfd
 *   AIO_NO_CLOSE_RANGE          (not defined) close a child's inherited
 *                               descriptors one by one even where Linux has
 *                               close_range (as macOS and the BSDs do)
 *   AIO_NO_LINUX                (not defined) build the POSIX backend on
 *                               Linux as macOS and the BSDs take it, so that
 *                               their paths run there: poll(), SIGCHLD for
 *                               every exit, no syscall() (no pidfd, pipe2,
 *                               accept4, close_range), descriptors marked
 *                               close-on-exec after they are made, the open
 *                               ones listed in /dev/fd, no abstract socket
 *                               names ('@...': AIO_EINVAL), no MSG_NOSIGNAL
 *                               (nor SO_NOSIGPIPE, macOS's: with neither,
 *                               SIGPIPE is held back in the thread around
 *                               each send, as around a pipe's write)
 *   AIO_PROCESS_GRACE           (AIO_SEC(5)) the time a child stopped by a
 *                               cancellation has between SIGTERM and SIGKILL
 *                               (aio_process_set_grace: one child's)
 *   AIO_ACCEPT_RETRY_DELAY      (AIO_SEC(1)) how often an accept out of
 *                               descriptors tries again
 *   AIO_HAPPY_EYEBALLS_DELAY    (AIO_MS(250)) the time AIO_TCP_CONNECT gives
 *                               an address before it tries the next as well
 *   AIO_SIMULATION              (not defined) compile in the simulation
 *                               (aio_sim_run, docs/simulation.md)
 *   AIO_TLS_OPENSSL             (not defined) compile in TLS on a stream
 *                               with OpenSSL 3 (link -lssl -lcrypto); in
 *                               every file that uses it
 *   AIO_TLS_MBEDTLS             (not defined) the same with Mbed TLS 2.28
 *                               (-lmbedtls -lmbedx509 -lmbedcrypto)
 *   AIO_TLS_SCHANNEL            (not defined) the same on Windows with its
 *                               own SChannel, a client only (-lsecur32
 *                               -lcrypt32 -lws2_32)
 *   AIO_TLS                     (not defined) compile in TLS on a stream
 *                               with no engine of the header's: each
 *                               configuration names yours (engine_ops, an
 *                               aio_tls_engine); in every file that uses it
 *   AIO_TLS_HANDSHAKE_TIMEOUT   (AIO_SEC(60)) a handshake's deadline when
 *                               given AIO_TLS_DEFAULT_TIMEOUT (asyncio's)
 *   AIO_TLS_SHUTDOWN_TIMEOUT    (AIO_SEC(30)) a shutdown's, the same way
 *   AIO_MALLOC(size)            (malloc) the allocator behind every
 *                               allocation of the header (the hosted parts:
 *                               the core allocates nothing)
 *   AIO_REALLOC(p, size)        (realloc) its realloc; all three or none
 *   AIO_FREE(p)                 (free) its free
 *
 * The defaults are defined below, in this section (the allocator's in the
 * implementation, where the C library is included). */

/* The POSIX clock needs this feature macro under -std=c11, and Linux's
 * pidfd_open (through syscall()) _DEFAULT_SOURCE (not with AIO_NO_LINUX:
 * POSIX's declarations alone, as elsewhere); they only take effect when
 * this header is the first thing the implementing file includes. */
#if defined(AIO_TIMEOUT_IMPLEMENTATION) && !defined(_POSIX_C_SOURCE) && \
    !defined(_GNU_SOURCE) && (defined(__unix__) || defined(__APPLE__))
#define _POSIX_C_SOURCE 200809L
#if defined(__linux__) && !defined(_DEFAULT_SOURCE) && !defined(AIO_NO_LINUX)
#define _DEFAULT_SOURCE 1 /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): a feature macro */
#endif
/* macOS hides its own extensions under _POSIX_C_SOURCE, SO_NOSIGPIPE among
 * them (it stands in for MSG_NOSIGNAL there): this brings them back. */
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1 /* NOLINT(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): a feature macro */
#endif
#endif

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* AIO_TIME_32: 32-bit millisecond ticks that wrap (MCUs). Otherwise time is
 * 64-bit nanoseconds. Or set AIO_TIME_TYPE, AIO_STIME_TYPE (its signed twin)
 * and AIO_TICKS_PER_SEC yourself. */
#if defined(AIO_TIME_32) && !defined(AIO_TIME_TYPE)
#define AIO__TIME_BITS_32 1 /* (for #if: the text form's numbers) */
#define AIO_TIME_TYPE uint32_t
#define AIO_STIME_TYPE int32_t
#ifndef AIO_TICKS_PER_SEC
#define AIO_TICKS_PER_SEC 1000u
#endif
#endif
#ifndef AIO_TIME_TYPE
#define AIO_TIME_TYPE uint64_t
#define AIO_STIME_TYPE int64_t
#endif
#ifndef AIO_TICKS_PER_SEC
#define AIO_TICKS_PER_SEC 1000000000u
#endif

/* AIO_INSTRUMENTS: 1 compiles in the instruments (aio_loop_set_instrument: a
 * hook told of every spawn, step, suspension, wake-up, cancel, block and
 * idle wait; about one test per such point while no hook is set), 0 leaves
 * them out. Default: as AIO_DEBUG (define it as 1 to trace a release build),
 * and 1 with AIO_SIMULATION. */
#ifndef AIO_INSTRUMENTS
#if defined(AIO_DEBUG) || defined(AIO_SIMULATION) /* (a simulation's digest reads them) */
#define AIO_INSTRUMENTS 1
#else
#define AIO_INSTRUMENTS 0
#endif
#endif

/* AIO_ASSERT(cond): internal invariants; off unless AIO_DEBUG. Without the
 * C library (AIO_NO_STDLIB) a broken one is told to the debug hook, with the
 * header's line, and the program stops there: assert() would pull the C
 * library's printf and heap into a firmware. */
#ifndef AIO_ASSERT
#if defined(AIO_DEBUG) && !defined(AIO_NO_STDLIB)
#include <assert.h>
#define AIO_ASSERT(c) assert(c)
#elif defined(AIO_DEBUG)
#define AIO_ASSERT(c) ((c) ? (void)0 : aio__broken(__LINE__))
#define AIO__ASSERT_TOLD 1 /* (aio__broken: see "misc") */
#else
#define AIO_ASSERT(c) ((void)0)
#endif
#endif

/* Critical section around the ready queue, for wake-ups from interrupt
 * handlers (e.g. __disable_irq() / __enable_irq(), or a mutex). Empty by
 * default. */
#ifndef AIO_CRITICAL_ENTER
#define AIO_CRITICAL_ENTER() ((void)0)
#define AIO_CRITICAL_EXIT() ((void)0)
#else
#define AIO__SHARED 1 /* events may be set from other threads or handlers */
#endif

/* Storage class of the "running loop" pointer; define as _Thread_local to run
 * one loop per thread. */
#ifndef AIO_THREAD_LOCAL
#define AIO_THREAD_LOCAL
#define AIO__ONE_LOOP_THREAD 1 /* (a share of several loops asks for it: "a server on every core") */
#endif

/* The timings and sizes of the I/O, the worker threads and the child
 * processes (a macro's body is expanded where it is used: AIO_SEC and
 * AIO_MS are defined in the next section). */
#ifndef AIO_THREADS_MAX
#define AIO_THREADS_MAX 8
#endif
#ifndef AIO_THREADS_TIMEOUT
#define AIO_THREADS_TIMEOUT AIO_SEC(300)
#endif
#ifndef AIO_PROCESS_GRACE
#define AIO_PROCESS_GRACE AIO_SEC(5)
#endif
#ifndef AIO_ACCEPT_RETRY_DELAY
#define AIO_ACCEPT_RETRY_DELAY AIO_SEC(1)
#endif
#ifndef AIO_HAPPY_EYEBALLS_DELAY
#define AIO_HAPPY_EYEBALLS_DELAY AIO_MS(250)
#endif

/* AIO_MALLOC(size), AIO_REALLOC(p, size), AIO_FREE(p): the allocator behind
 * every byte the header allocates, as stb's STBI_MALLOC. Define all three
 * (or none: malloc, realloc, free) before including the header in the file
 * that implements it. The core never allocates; hosted parts do (the I/O
 * port's tables, the worker threads and their calls, a connect's state,
 * child processes, aio_grow_realloc, the simulation). Zeroed memory is
 * AIO_MALLOC and memset. A block may be freed on another thread than the one
 * that allocated it (a call given up is freed by its worker). What the system
 * allocates (getaddrinfo's answer) goes back to the system. */

/* Speed first, except where size counts (-Os): the loop's turn is inlined
 * where it runs tasks, and the awaits take their fast paths inline in the
 * task's body (AIO__FAST(fast, slow) picks one). */
#if defined(__OPTIMIZE_SIZE__)
#define AIO__ALWAYS_INLINE inline
#define AIO__FAST(fast, slow) slow
#define AIO__SPEED 0 /* (1: a short cut that costs bytes, taken where time counts) */
#elif defined(__GNUC__) || defined(__clang__)
#define AIO__ALWAYS_INLINE inline __attribute__((always_inline))
#define AIO__FAST(fast, slow) fast
#define AIO__SPEED 1
#else
#define AIO__ALWAYS_INLINE inline
#define AIO__FAST(fast, slow) fast
#define AIO__SPEED 1
#endif

/* Small helpers that -Os would copy into each caller: kept as one function
 * there (they are not on the hot path of a resume). */
#if defined(__OPTIMIZE_SIZE__) && (defined(__GNUC__) || defined(__clang__))
#define AIO__OUT_OF_LINE __attribute__((noinline))
#else
#define AIO__OUT_OF_LINE
#endif
/* The same for a static function a build may not call: inline where time
 * counts (a declaration on its own, `static AIO__ONE_COPY void f(...)`). */
#if defined(__OPTIMIZE_SIZE__) && (defined(__GNUC__) || defined(__clang__))
#define AIO__ONE_COPY __attribute__((noinline, unused))
#else
#define AIO__ONE_COPY inline
#endif

/* A fast path kept apart from the function that takes it, whose other
 * paths would otherwise pay for the registers it needs (or the reverse);
 * where size counts, the compiler's choice (one call site: inlined). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__OPTIMIZE_SIZE__)
#define AIO__APART __attribute__((noinline))
#else
#define AIO__APART
#endif

/* A build with the library's sockets (the implementation's AIO__SOCKETS,
 * which it checks against this): what a task record keeps for them. */

#ifdef AIO_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define AIO_API static __attribute__((unused))
#else
#define AIO_API static
#endif
#else
#define AIO_API extern
#endif

#ifdef __cplusplus
extern "C" {
#endif

// >>time
/* ------------------------------------------------------------------------ */
/* Time and status                                                            */
/* ------------------------------------------------------------------------ */

typedef AIO_TIME_TYPE aio_time;   /* ticks; wraps safely when 32-bit */
typedef AIO_STIME_TYPE aio_stime; /* signed difference of two aio_time */

/* Conversions in the macros: casts in C; in C++ a function parameter, so
 * that user code built with -Wold-style-cast or -Wuseless-cast stays quiet. */
#ifdef __cplusplus
constexpr aio_time aio__as_time(aio_time v) { return v; }
#define AIO__TIME(v) aio__as_time(v)
#else
#define AIO__TIME(v) ((aio_time)(v))
#endif

/* (the same for the other widths the inline conversions take) */
#ifdef __cplusplus
#define AIO__U32(v) static_cast<uint32_t>(v)
#define AIO__U64(v) static_cast<uint64_t>(v)
#else
#define AIO__U32(v) ((uint32_t)(v))
#define AIO__U64(v) ((uint64_t)(v))
#endif

#define AIO_NEVER AIO__TIME(-1)        /* no deadline */
#define AIO_TIME_INVALID AIO__TIME(-2) /* rejected with AIO_EINVAL */
/* Integer durations in ticks: AIO_SEC(2), AIO_MS(250), AIO_US(10). A count
 * that is negative, or that reaches half the clock's range (24.8 days with
 * 32-bit ms ticks, 292 years with 64-bit ns ticks), gives AIO_TIME_INVALID,
 * which every await refuses with AIO_EINVAL: never a wrapped, shorter timeout.
 * A count that is not a whole number of ticks (AIO_US at 1 kHz, AIO_MS at a
 * 32,768 Hz clock) rounds up, as Zephyr's timeouts do: AIO_US(999) at 1 kHz is
 * one tick, so a sleep never shrinks to a yield (AIO_SLEEP(t, 0) is one).
 * At every rate they are constant expressions for a constant count (static
 * initialisers); in C they evaluate the count more than once, so pass a plain
 * value. */
#define AIO__HALF_RANGE (AIO_NEVER / 2u)
#ifdef __cplusplus
constexpr aio_time aio__scale(uint64_t n, uint64_t per_unit) {
    return n <= (AIO__HALF_RANGE - 1u) / per_unit ? n * per_unit : AIO_TIME_INVALID;
}
#define AIO__SCALE(n, per_unit) aio__scale((n), (per_unit))
#else
/* (n > 0 and n == 0 first, then n - 1 as an unsigned 64-bit value, and a
 * count found in range cast to the time's type before it is scaled (gcc
 * folds a scale of 1 away, and a count cast to 64 bits and back would then
 * read as a sign change in the user's `t += AIO_MS(n)`): quiet under
 * -Wsign-conversion, -Wconversion and -Wtype-limits for a count of any
 * integer type, signed or not, narrow or wide, in the user's own file) */
#define AIO__SCALE(n, per_unit)                                                \
    ((n) > 0 ? ((uint64_t)(n) - 1u < (uint64_t)(AIO__HALF_RANGE - 1u) / (per_unit) \
                    ? AIO__TIME(AIO__TIME(n) * (per_unit)) : AIO_TIME_INVALID)   \
     : (n) == 0 ? AIO__TIME(0) : AIO_TIME_INVALID)
#endif
#define AIO_SEC(s) AIO__SCALE(s, AIO_TICKS_PER_SEC)
/* At a rate that is not a multiple of the unit's: rate / per_sec as r / p in
 * lowest terms, the greatest common divisor made of the 2s and 5s that 1000
 * and 1,000,000 have (constant expressions, for #if too). */
#define AIO__RATE_HAS(m) (AIO_TICKS_PER_SEC % (m) == 0)
#define AIO__GCD_MS                                                            \
    ((AIO__RATE_HAS(8u) ? 8u : AIO__RATE_HAS(4u) ? 4u : AIO__RATE_HAS(2u) ? 2u : 1u) * \
     (AIO__RATE_HAS(125u) ? 125u : AIO__RATE_HAS(25u) ? 25u : AIO__RATE_HAS(5u) ? 5u : 1u))
#define AIO__GCD_US                                                            \
    ((AIO__RATE_HAS(64u) ? 64u : AIO__RATE_HAS(32u) ? 32u : AIO__RATE_HAS(16u) ? 16u :      \
      AIO__RATE_HAS(8u) ? 8u : AIO__RATE_HAS(4u) ? 4u : AIO__RATE_HAS(2u) ? 2u : 1u) *     \
     (AIO__RATE_HAS(15625u) ? 15625u : AIO__RATE_HAS(3125u) ? 3125u :                   \
      AIO__RATE_HAS(625u) ? 625u : AIO__RATE_HAS(125u) ? 125u : AIO__RATE_HAS(25u) ? 25u : \
      AIO__RATE_HAS(5u) ? 5u : 1u))
#if AIO_TICKS_PER_SEC % 1000u == 0
#define AIO_MS(ms) AIO__SCALE(ms, AIO_TICKS_PER_SEC / 1000u)
#else
#define AIO_MS(ms) AIO__TICKS(ms, 1000u / AIO__GCD_MS, AIO_TICKS_PER_SEC / AIO__GCD_MS)
#define AIO__TICKS_OF 1
#endif
#if AIO_TICKS_PER_SEC % 1000000u == 0
#define AIO_US(us) AIO__SCALE(us, AIO_TICKS_PER_SEC / 1000000u)
#else
#define AIO_US(us) AIO__TICKS(us, 1000000u / AIO__GCD_US, AIO_TICKS_PER_SEC / AIO__GCD_US)
#define AIO__TICKS_OF 1
#endif

#ifdef AIO__TICKS_OF
/* n units of 1/per_sec seconds in ticks, rounded up: a positive duration
 * shorter than a tick waits one tick, never none. rate / per_sec is r / p in
 * lowest terms, and the ticks are n / p * r + ceil(n % p * r / p). Where time
 * is 32 bits and p * r fits in 32 (ms and us at 1 kHz, 32,768 Hz, 1 MHz...)
 * that is 32-bit arithmetic only: a count known only at run time links no
 * 64-bit division or multiplication (a count of 2^32 or more is refused
 * there, as one whose ticks reach half the clock's range is everywhere). */
#if defined(AIO__TIME_BITS_32) &&                                                              \
    (1000u / AIO__GCD_MS) * (AIO_TICKS_PER_SEC / AIO__GCD_MS) <= 0xffffffffu &&                \
    (1000000u / AIO__GCD_US) * (AIO_TICKS_PER_SEC / AIO__GCD_US) <= 0xffffffffu
#define AIO__TICKS_WORD(n) AIO__U32(n)
#define AIO__TICKS_FIT(n) (AIO__U64(n) >> 16 >> 16 == 0u)
#else
#define AIO__TICKS_WORD(n) AIO__U64(n)
#define AIO__TICKS_FIT(n) 1
#endif
/* The same as a constant expression, for a count known when compiling: GNU C
 * takes it where the count is a constant and calls the function otherwise
 * (one call a site); other compilers and C++ take it always. */
#define AIO__CEIL_TICKS(m, p, r) ((m) / (p) * (r) + ((m) % (p) * (r) + (p) - 1u) / (p))
/* (n - 1, not n: quiet under -Wtype-limits for a narrow count; a count of
 * exactly (bound + 1) * p passes the first test and fails the second) */
#define AIO__TICKS_EXPR(n, p, r)                                                                \
    ((n) > 0 ? (AIO__TICKS_FIT(n) && (AIO__TICKS_WORD(n) - 1u) / (p) <= (AIO__HALF_RANGE - 1u) / (r) && \
                        AIO__CEIL_TICKS(AIO__TICKS_WORD(n), p, r) < AIO__HALF_RANGE               \
                    ? AIO__TIME(AIO__CEIL_TICKS(AIO__TICKS_WORD(n), p, r))                        \
                    : AIO_TIME_INVALID)                                                          \
     : (n) == 0 ? AIO__TIME(0) : AIO_TIME_INVALID)
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus)
/* (a count passed on as 64 unsigned bits, a negative one as their largest
 * value, beyond every bound: no conversion of the user's type warns) */
#define AIO__TICKS(n, p, r)                                                    \
    (__builtin_constant_p(n) ? AIO__TICKS_EXPR(n, p, r)                        \
                             : aio__ticks_of((n) > 0 ? AIO__U64(n) : (n) == 0 ? AIO__U64(0) : ~AIO__U64(0), (p), (r)))
#else
#define AIO__TICKS(n, p, r) AIO__TICKS_EXPR(n, p, r)
#endif
#if defined(AIO__TIME_BITS_32) &&                                                              \
    (1000u / AIO__GCD_MS) * (AIO_TICKS_PER_SEC / AIO__GCD_MS) <= 0xffffffffu &&                \
    (1000000u / AIO__GCD_US) * (AIO_TICKS_PER_SEC / AIO__GCD_US) <= 0xffffffffu
static inline aio_time aio__ticks_of(uint64_t n, uint32_t p, uint32_t r) {
    uint32_t m;
    uint32_t whole;
    uint32_t ticks;
    if (n > UINT64_C(0xffffffff)) return AIO_TIME_INVALID;
    m = AIO__U32(n);
    whole = m / p;
    if (whole > (AIO__HALF_RANGE - 1u) / r) return AIO_TIME_INVALID;
    ticks = whole * r + (m % p * r + p - 1u) / p;
    /* (reached at a rate whose ticks outrun the unit, 32,768 Hz for ms: tests/checks/tick_rates.c) */
    return ticks >= AIO__HALF_RANGE ? AIO_TIME_INVALID : AIO__TIME(ticks); /* LCOV_EXCL_BR_LINE */
}
#else
static inline aio_time aio__ticks_of(uint64_t n, uint64_t p, uint64_t r) {
    const uint64_t half = AIO__HALF_RANGE;
    uint64_t whole;
    uint64_t ticks;
    whole = n / p;
    /* (both bounds reached at rates that outrun the unit: tests/checks/tick_rates.c) */
    if (whole > (half - 1u) / r) return AIO_TIME_INVALID; /* LCOV_EXCL_BR_LINE */
    ticks = whole * r + (n % p * r + p - 1u) / p; /* (the part: below r, no overflow) */
    return ticks >= half ? AIO_TIME_INVALID : AIO__TIME(ticks); /* LCOV_EXCL_BR_LINE */
}
#endif
#endif

typedef int aio_status; /* >= 0: a result; < 0: an error */

enum {
    AIO_OK = 0,
    AIO_ECANCELED = -1,   /* the task or the work was cancelled */
    AIO_ETIMEDOUT = -2,   /* a deadline expired */
    AIO_EINVAL = -3,      /* invalid argument or misuse */
    AIO_ENOSPC = -4,      /* timer storage is full and cannot grow */
    AIO_EBUSY = -5,       /* still in use (e.g. loop destroyed with live tasks) */
    AIO_EINPROGRESS = -6, /* the task has not finished yet */
    AIO_EDEADLK = -7,     /* everything waits and nothing can wake it */
    AIO_ECHILDCANCELED = -8, /* gather: a task was cancelled by someone else */
    AIO_EFULL = -9,       /* queue: full (asyncio.QueueFull) */
    AIO_EEMPTY = -10,     /* queue: empty (asyncio.QueueEmpty) */
    AIO_ESHUTDOWN = -11,  /* queue: shut down (asyncio.QueueShutDown) */
    AIO_ECLOSED = -12,    /* I/O: the descriptor was closed (aio_close) while waited on */
    AIO_EBADF = -13,      /* I/O: not an open descriptor of a kind that can be waited on */
    AIO_ECONNRESET = -14, /* I/O: the peer reset the connection, or closed it before a send */
    AIO_ECONNREFUSED = -15, /* I/O: nobody listens at the address connected to */
    AIO_EIO = -16,        /* I/O: another system error; errno says which */
    AIO_EINCOMPLETE = -17, /* stream: the end came first (asyncio.IncompleteReadError) */
    AIO_ELIMIT = -18,     /* stream: no separator within the buffer (asyncio.LimitOverrunError) */
    AIO_ENOTFOUND = -19,  /* lookup: the name does not resolve (socket.gaierror); process:
                             no such program, or no such working directory */
    AIO_ENOEXEC = -20,    /* process: the program cannot be run (not executable; errno says why) */
    AIO_ESIGNALED = -21,  /* process: it ended by a signal (aio_process_returncode: -signal) */
    AIO_WANT_READ = -22,  /* a stream transport's: nothing to do until the socket is readable */
    AIO_WANT_WRITE = -23, /* a stream transport's: nothing to do until the socket is writable */
    AIO_ETLS = -24,       /* TLS: the protocol failed, the peer refused, or the session is unusable */
    AIO_ECERT = -25,      /* TLS: the peer's certificate did not verify (aio_tls_error says why) */
    AIO_ETRUNCATED = -26, /* TLS: the peer closed without close_notify (what came may be cut short) */
    AIO_EUSER = -64       /* first code for applications: AIO_EUSER, AIO_EUSER-1, ... */
};

/* A short English description of a status ("timed out", "user error", ...). */
AIO_API const char *aio_strerror(aio_status status);

/* Seconds as a double -> ticks: NaN -> AIO_TIME_INVALID, negative -> 0 (already
 * due, as asyncio treats it), +inf or too large -> AIO_NEVER. */
AIO_API aio_time aio_seconds(double seconds);
/* Ticks -> seconds as a double, for printing: printf("%.3f s",
 * aio_to_seconds(aio_now() - start)). (AIO_NEVER gives a huge number.) */
AIO_API double aio_to_seconds(aio_time ticks);

// >>types
/* ------------------------------------------------------------------------ */
/* Types                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct aio_loop aio_loop;
typedef struct aio_task aio_task;
typedef struct aio_timeout aio_timeout;
typedef struct aio_trace_record aio_trace_record; /* (the instruments') */
typedef aio_status (*aio_task_fn)(aio_task *t);

/* What a task's code sees of the cancellations delivered to it: a cleanup
 * section does not see those delivered before it began (one word: a frame
 * keeps the task's while it runs its cleanup). */
union aio__view {
    struct {
        uint8_t cleanups;     /* cleanup sections running, one in another */
        uint8_t cancels_seen; /* its `cancels` when the innermost one began: its own
                                 cancellation is seen while they differ */
        uint16_t hidden;      /* the blocks delivered when it began: blocks opened
                                 before it are seen while more of them are delivered */
    } v;
    uint32_t word;            /* (so that it is copied as one word) */
};

/* A count that never wraps (the order deadlines are armed in, the order
 * tasks finish in): 64 bits. A CPU of 32 bits or more adds and compares
 * those in a few instructions; an 8- or 16-bit one (AVR, MSP430) would call
 * the compiler's 64-bit helpers, so there it is two 32-bit words that carry
 * by hand once in four billion counts, and no such helper is linked
 * (AIO__COUNT_WORDS asks for the words on any CPU: the tests do). */
#if defined(AIO__COUNT_WORDS) || (defined(UINTPTR_MAX) && UINTPTR_MAX <= 0xFFFFu)
#ifndef AIO__COUNT_WORDS
#define AIO__COUNT_WORDS
#endif
typedef struct aio__count { uint32_t lo, hi; } aio__count;
#else
typedef uint64_t aio__count;
#endif

/* The continuation of one coroutine: the task's body has one inside the task;
 * an inline coroutine (AIO_CALL) has one as a member named `frame` of its
 * state struct. Treat as opaque. */
typedef struct aio_frame {
    uint16_t lc;         /* where to resume (the compiler refuses a file with
                            more than 65,000 awaits) */
    uint8_t flags;
    aio_status rc;       /* return value or the error being unwound */
    union aio__view view; /* in cleanup: the task's view from before it */
} aio_frame;

/* A place in the timer storage, or how many: the target's unsigned int,
 * 16 bits where int is (an 8-bit target's RAM holds far fewer timers). */
typedef unsigned int aio__slot;

/* One armed deadline in the loop's timer heap; storage is the user's. */
typedef struct aio_timer {
    aio__count seq; /* when the deadline was set: equal deadlines fire in that order
                       (first: no padding where it is 8-aligned and time is 4 bytes) */
    aio_time when;
    aio_task *task;
} aio_timer;

/* Links of the circular lists (ready queue, wait lists); opaque. A zeroed
 * list head is a valid empty list. */
typedef struct aio_link { struct aio_link *next, *prev; } aio_link;
/* A place in a wait list that is not a task's own (an AIO_WAIT item's): the
 * task it wakes. A task's own place is its `wait`, with no pointer back: the
 * task is found around it. The byte after the link tells them apart: here
 * `mark` (AIO__FOREIGN), in a task its `state` (never that), in a group's
 * notice (in the ready queue, with no task) a `mark` too. */
typedef struct aio_waiter {
    aio_link link;
    uint8_t mark;        /* AIO__FOREIGN */
    aio_task *task;      /* the task it wakes */
} aio_waiter;

/* A task. Zero-initialise it (static storage or = {0}) before its first spawn;
 * a finished task may be spawned again, once no task still waits on its last
 * run (a waiter that has not resumed yet would wait for the new run instead).
 * Treat the fields as opaque.
 *
 * Layout (x86-64 / Cortex-M0 with AIO_TIME_32, in bytes): wait 16/8, state 1,
 * cancels 1, flags 2, frame 12/12, run (the joiners' head and the body)
 * 16/8, loop 8/4, member 16/8, parent 8/4, until_seq 8, scope 8/4, until
 * 8/4, timer 4, view 4, await 16/8: 128 / 80 B, with no padding (84 on a
 * 32-bit target with the library's sockets, whose sends count in the
 * await). Its place in a list comes first and carries no pointer back to
 * the task (the task is at the link's own address, so the turn and the
 * wake-ups find it with no load); the state byte right after the link is
 * what tells it from a foreign place (aio_waiter). Its waiters for its end
 * are a list with no head node of its own: the first of them is
 * `run.joiners.next`, the newest first; the oldest's `next` is its loop's
 * `joined_end` (so that a waiter leaves with the same two stores as from
 * any list), and the room where a head's `prev` would be holds the body,
 * which no list operation reads or writes: a head's `prev` is read only to
 * add at a tail, which this list never does (it is woken from its end
 * backwards, oldest first). The rest stays as wide as the features read
 * it: the deadlines' arming order is the loop's 64-bit count (it never
 * wraps; placed where it needs no padding), what the task sees of the
 * cancellations delivered is its own small counts (nothing compared across
 * a wrap: the cancellation part), a wait-many's count is the user's. */
struct aio_task {
    /* what a resume touches, first: one 64-byte cache line on a 64-bit target */
    struct {             /* in the ready queue or in one wait list: first, so */
        aio_link link;   /* that the task is its place's address (no pointer back) */
    } wait;
    uint8_t state;       /* right after the link: what tells a task's own place
                            in a list from an aio_waiter (whose `mark` is there) */
    uint8_t cancels;     /* its own cancellation's deliveries, counted 1 to 255 and
                            round again (0: never delivered; see cancels_seen) */
    uint16_t flags;
    aio_frame frame;     /* the body's continuation; frame.rc = final status */
    union {              /* one list head's room (see above): */
        aio_link joiners; /* its waiters for its end; only `joiners.next` is used */
        struct {
            aio_link *joiners_next; /* (that `next`, never read by this name) */
            aio_task_fn fn;         /* the body, called each step */
        } body;
    } run;
    aio_loop *loop;      /* the loop it was spawned on: it waits and runs there */
    aio_link member;     /* place among its group's children, or its loop's other tasks */
    aio_task *parent;    /* the task that spawned it: it owns it */
    aio__count until_seq; /* its arming order: equal deadlines fire in that order
                             (at an offset that is a multiple of 8 on every target) */
    aio_timeout *scope;  /* innermost open timeout scope */
    aio_time until;      /* deadline of the current await itself */
    aio__slot timer;     /* heap index + 1 of the armed timer, 0 if none */
    union aio__view view; /* what its code sees of the cancellations delivered
                            (a cleanup section does not see those delivered before
                            it began; a group's child starts with its owner's view) */
    union {                /* what its current await holds (once done: when it finished) */
        uint32_t finished[2]; /* once done: the loop's count of finished tasks then
                              (low, high half: 64 bits that never wrap) */
        aio_task_fn first; /* before its first step (where time counts): its body */
        uint32_t ticket;   /* while waiting on an event: the set it waits for */
        aio_task *child;   /* in AIO_AWAIT / AIO_WAIT_FOR: the child it owns */
        struct aio__job *job; /* in AIO_TO_THREAD, AIO_LOOKUP: the call it awaits */
        struct aio__connecting *connecting; /* in AIO_TCP_CONNECT: its attempts */
        struct aio__unix_connecting *unix_connecting; /* in AIO_UNIX_CONNECT */
        struct {           /* in AIO_WAIT / AIO_GATHER (the flag AIO__T_PARKED_ONCE
                              says it has parked once: failures found since
                              happened while it waited, in the order they
                              finished) */
            struct aio_wait_item *items;
            uint32_t n;
        } many;
        struct {           /* in an I/O wait */
            int fd;
            uint8_t dir;   /* 0 waits until readable, 1 until writable */
        } io;
    } await;
};

/* A timeout scope: `async with asyncio.timeout(...)`. Lives in the task's state
 * struct; zero-initialise it or let a previous use finish. */
struct aio_timeout {
    aio_timeout *parent;
    aio_task *task;
    aio_frame *frame;
    aio_time deadline;   /* absolute; AIO_NEVER = none */
    uint8_t state;       /* (here: within the 31 bytes a Cortex-M0's byte load reaches, */
    uint8_t flags;       /*  and no padding added where pointers or times are 8 bytes) */
    uint16_t landing;    /* resume point that unwinds out of the block (a frame's lc) */
    uint8_t cleanups;    /* its task's count of cleanup sections when it opened */
    aio__count seq;      /* arming order of the deadline (entry or reschedule) */
    aio_status status;   /* AIO_ETIMEDOUT after the block was cut short */
    aio_status saved_rc; /* the frame's status at entry, restored when caught */
    union {              /* a holding block's: what it holds, its argument read once */
        struct aio_lock *a_lock;
        struct aio_semaphore *a_semaphore;
    } held;
};

/* One task of the collection given to AIO_WAIT / AIO_GATHER: set `task`, the
 * rest is the library's. Keep the array in the state struct. */
typedef struct aio_wait_item {
    aio_task *task;
    aio_waiter node;
} aio_wait_item;

/* asyncio.as_completed over an array of items (aio_as_completed_init). */
typedef struct aio_as_completed {
    aio_wait_item *items;
    size_t n;
    size_t left;         /* not returned yet */
    aio_time deadline;   /* absolute; AIO_NEVER = none */
    aio__count cutoff;   /* once expired: the loop's count of finished tasks then */
    uint8_t expired;
} aio_as_completed;

/* A task group (structured concurrency, asyncio.TaskGroup). */
typedef struct aio_group {
    uint8_t flags;       /* (first: it and the block's state and flags are then within
                            the 31 bytes a Cortex-M0's byte load reaches) */
    aio_timeout scope;   /* the block; cancelled when the group aborts */
    aio_link children;   /* live children */
    struct {             /* in the ready queue when a child has failed: the abort */
        aio_link link;
        uint8_t mark;    /* AIO__FOREIGN: no task's (as an aio_waiter's, with no task) */
    } notice;
    uint32_t live;       /* children alive, or failed and not heard of yet */
    uint32_t unheard;    /* children that failed since the notice was queued */
    aio_status status;   /* the first error: a child's failure or the body's */
} aio_group;

/* asyncio.Event. Zero-initialised = clear. It belongs to the loop of the
 * tasks that wait on it. aio_event_set is safe to call from an interrupt
 * handler or another thread (with AIO_CRITICAL_ENTER/EXIT defined): it queues
 * the event on its waiters' loop, which wakes them at its next iteration, so
 * a set event must stay in place until then. */
typedef struct aio_event {
    aio_link waiters;
    struct aio_event *next_signalled;
    struct aio_loop *loop;  /* the loop of its waiters, while it has any or is queued */
    volatile uint32_t sets; /* how many times it was set: a waiter wakes for a later one */
    unsigned mark;          /* the loop's count of queued tasks when it was set */
    volatile uint8_t set;
    uint8_t queued;
    uint8_t kind;           /* 0, or 1 in a queue (its getters wait on it) */
} aio_event;

/* asyncio.Semaphore (aio_semaphore_init) and asyncio.Lock (zeroed = unlocked).
 * Waiters are served first come, first served: a release hands the permit
 * straight to the oldest waiter, and it stays reserved for that waiter until
 * it runs (a later acquirer queues behind it, as in CPython 3.13). */
typedef struct aio_semaphore {
    aio_link waiters;
    int value;           /* permits available */
    int handed;          /* permits handed to waiters that have not run yet */
    int bound;           /* BoundedSemaphore: most permits there can be; 0 = no bound */
} aio_semaphore;
typedef struct aio_lock {
    aio_link waiters;
    int locked; /* 0 free, 1 held, 2 handed to a waiter that has not run yet */
} aio_lock;

/* asyncio.Condition over a lock (aio_condition_init). */
typedef struct aio_condition {
    aio_link waiters;
    aio_lock *lock;
} aio_condition;

/* asyncio.Queue, LifoQueue and PriorityQueue over storage you give (see
 * aio_queue_init). Waiters are served first come, first served: an item put,
 * or a place freed, goes straight to the oldest waiter and stays promised to
 * it until it runs; if that waiter is cancelled or times out first, the item
 * or place goes on to the next one (none is ever lost). */
typedef int (*aio_queue_less_fn)(const void *a, const void *b);
struct aio_queue;
typedef void (*aio__queue_order_fn)(struct aio_queue *q, const void *item, void *out);
typedef struct aio_queue {
    aio_event ready;         /* its waiters are the getters; rung by a put from outside */
    aio_link putters;        /* waiting for a place */
    aio_link joiners;        /* waiting for every item to be marked done */
    unsigned char *storage;  /* capacity items of item_size bytes */
    size_t item_size;
    aio_queue_less_fn less;  /* a priority queue's order */
    /* Places and items in the target's unsigned int (16 bits where int is:
     * an 8-bit chip counts them in one word; the init refuses a capacity
     * over half its range, so that a FIFO's head plus its count fits) */
    unsigned capacity;
    unsigned maxsize;        /* 0: bounded by the storage only */
    union {
        unsigned head;               /* a FIFO's oldest item */
        aio__queue_order_fn ordered; /* a LIFO's or priority queue's store and take */
    };
    unsigned count;          /* items in the queue, promised ones too */
    unsigned promised;       /* items promised to getters that have not run yet */
    unsigned room_promised;  /* places promised to putters that have not run yet */
    uint32_t unfinished;     /* items put and not marked done yet */
    uint8_t order;           /* FIFO, LIFO or priority */
    uint8_t shut;            /* 1 once shut down */
} aio_queue;

typedef aio_time (*aio_clock_fn)(void *ctx);
/* Called when no task is ready: return at or before `deadline` (AIO_NEVER:
 * nothing is armed), earlier if something external became ready. */
typedef void (*aio_idle_fn)(void *ctx, aio_loop *loop, aio_time deadline);
/* Called by aio_event_set, in the setter's context (another thread, a signal
 * or interrupt handler), when the event's loop is inside its idle hook in
 * aio_run: make that hook return (write to a pipe, give a semaphore). It runs
 * inside AIO_CRITICAL_ENTER/EXIT, so that the loop cannot be destroyed under
 * it: it must not call the library. */
typedef void (*aio_wakeup_fn)(void *ctx, aio_loop *loop);
/* Timer storage growth, realloc-like: return storage for `new_count` timers
 * keeping the first `old_count` of `old` (NULL the first time: the loop copies
 * from your array itself), or NULL to refuse. new_count 0 releases `old`. */
typedef aio_timer *(*aio_grow_fn)(void *ctx, aio_timer *old, uint32_t old_count,
                                  uint32_t new_count);
typedef void (*aio_debug_fn)(aio_status code, const char *message);

struct aio_loop {
    /* What every turn reads first: where a load's offset is short (a
     * Cortex-M0's byte load reaches 31 bytes, an AVR's any load 63), the
     * fields of the loop's own work come before those of set-up and hooks. */
    aio_time now;        /* read at most once per iteration (aio__now) */
    uint8_t is_virtual;
    uint8_t stale;       /* `now` is to be read when next needed */
    uint8_t idling;      /* inside the idle hook in aio_run (under the critical section) */
    uint8_t busy;        /* what takes aio_run's turn off its short way (AIO__BUSY_...):
                            a timer armed, the main task ended, the events hook set,
                            aio_run cancelling what its main task left running */
    aio_timer *heap;
    aio__slot heap_len, heap_cap;
    unsigned enqueued;   /* tasks queued at the tail so far (under the critical section;
                            an event set counts only those of one turn: int is wide enough) */
    aio__count seq;      /* timer arming counter (never wraps) */
    aio__count finished; /* tasks finished so far (never wraps) */
    uint8_t deliveries;  /* checkpoints that delivered something, counted round
                            (only "did this one deliver" is asked of it) */
    uint16_t timers_full; /* awaits refused for want of a timer slot, counted round
                             (aio_loop_timers_full) */
    aio_link ready;      /* tasks to run, oldest first */
    aio_task *current;
    size_t live;         /* spawned and not finished */
    struct aio_event *signalled; /* events set since the last iteration */
    /* What the features a program uses add to the loop's own work, set at
     * their first use: a program that never uses one carries none of its code. */
    struct aio_timeout *(*cancellation)(aio_task *t, int how); /* aio_cancel, blocks */
    int (*events)(aio_loop *loop, int op);         /* events wait on this loop */
    void (*end_run)(aio_loop *loop);               /* cancel what aio_run's main left running */
    aio_link tasks;      /* the tasks alive that no group owns */
    aio_clock_fn clock;
    void *clock_ctx;
    aio_idle_fn idle;
    void *idle_ctx;
    void (*expire)(aio_task *t, aio_time now);     /* a block's or wait_for's deadline fired */
    void (*scope_key)(const aio_task *t, aio_time *when, aio__count *seq); /* blocks' deadlines */
    void (*heard)(aio_link *notice);               /* a group's notice came up */
    void (*left_group)(aio_task *t, aio_status rc); /* a group's child ended */
    void (*close_blocks)(aio_task *t, const aio_frame *frame); /* left by a plain return */
    void (*joiners)(aio_task *t);                  /* wakes an ended task's waiters, or passes a
                                                      cancellation on from one alive that awaits what
                                                      it owns (the first join: aio__joined) */
    void (*spread)(aio_link *gatherers, aio_task *woken); /* a cancellation reached gathering tasks */
    void (*rang)(aio_event *ready);                /* a queue was put to from outside */
    int (*grow_heap)(aio_loop *loop);              /* timer storage is full: aio_loop_set_grow */
    aio_grow_fn grow;
    void *grow_ctx;
    aio_grow_fn heap_grow; /* the hook that allocated heap (NULL: the user's array) */
    void *heap_grow_ctx;
    aio_wakeup_fn wakeup;
    void *wakeup_ctx;
#ifdef _WIN32
    void *wake_event;    /* the system idle hook's wake-up: a Win32 event, NULL = not made */
#else
    int wake_pipe[2];    /* the system idle hook's wake-up pipe: fds + 1, 0 = not opened */
#endif
    uint32_t bound_events; /* events that belong to this loop (a set can come from outside) */
    struct aio_io *io;   /* what waits for descriptors (the first I/O wait sets it) */
    aio_link joined_end; /* where every task's list of joiners ends (the oldest's
                            `next`; what is stored in its `prev` is never read) */
#if AIO_INSTRUMENTS
    void (*instrument)(void *ctx, const aio_trace_record *r); /* NULL: none */
    void *instrument_ctx;
    /* what tells it (while it is set): reached through this pointer, so that
     * a program that sets no hook links none of it */
    void (*trace)(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                  aio_stime value);
    /* Set just before the library makes a wake-up, a cancel or a park, for
     * the record it gives the instrument: who causes it and why (AIO_BY_...),
     * or what the task parks on (AIO_ON_..., the object, a descriptor). */
    const void *trace_by;
    const void *trace_obj;
    int trace_value;
    uint8_t trace_why;
    uint8_t trace_on;
#endif
};

// >>loop
/* ------------------------------------------------------------------------ */
/* The loop                                                                   */
/* ------------------------------------------------------------------------ */

/* Initialise a loop with `capacity` timer slots at `timers` (at most one per
 * parked task). Uses the monotonic clock on POSIX, the virtual clock elsewhere
 * unless aio_loop_set_clock() is called. Makes it the running loop. */
AIO_API void aio_loop_init(aio_loop *loop, aio_timer *timers, uint32_t capacity);
/* Virtual time starting at `start`: when nothing is ready, time jumps to the
 * next deadline. Deterministic and instant; the clock of the tests. */
AIO_API void aio_loop_use_virtual_clock(aio_loop *loop, aio_time start);
/* Simulate CPU work on the virtual clock: time moves on without yielding. */
AIO_API void aio_virtual_advance(aio_loop *loop, aio_time dt);
AIO_API void aio_loop_set_clock(aio_loop *loop, aio_clock_fn clock, void *ctx);
AIO_API void aio_loop_set_idle(aio_loop *loop, aio_idle_fn idle, void *ctx);
/* The wake-up for a custom idle hook (the system one has its own; a custom
 * idle hook set without one is woken only by its own means). */
AIO_API void aio_loop_set_wakeup(aio_loop *loop, aio_wakeup_fn wakeup, void *ctx);
AIO_API void aio_loop_set_grow(aio_loop *loop, aio_grow_fn grow, void *ctx);
/* How many awaits with a deadline failed with AIO_ENOSPC because the timer
 * storage was full (and could not grow) since aio_loop_init, counted round
 * (modulo 65,536: compare it with the value read last). It stays 0 in a
 * program whose storage is sized right: firmware reads it where a release
 * build says nothing. */
AIO_API unsigned aio_loop_timers_full(const aio_loop *loop);
/* A ready-made growth hook over AIO_REALLOC (hosted builds only). */
AIO_API aio_timer *aio_grow_realloc(void *ctx, aio_timer *old, uint32_t old_count,
                                    uint32_t new_count);
/* AIO_OK, or AIO_EBUSY if tasks are still alive (they are left as they are).
 * Gives grown timer storage back, forgets the events still queued on it, and
 * closes the system idle hook's wake-up pipe; aio_loop_init may follow. */
AIO_API aio_status aio_loop_destroy(aio_loop *loop);

/* asyncio.run(): spawn `main` with body `fn` and run the loop until it
 * finishes; then, as asyncio.run does, cancel the tasks it left running and
 * run the loop until they have finished (their cleanup included). Returns
 * main's status (a failure of a task cancelled there is only reported to the
 * debug hook). AIO_EDEADLK if main waits on something that nothing can wake
 * (only detected when no custom idle hook is set); if cancelled tasks do,
 * they stay as they are and main's status is returned. */
AIO_API aio_status aio_run(aio_loop *loop, aio_task *main, aio_task_fn fn);
/* One iteration for a super-loop, never sleeping: run the tasks that were
 * ready, wake the waiters of events set meanwhile, then let the deadlines
 * reached by the iteration's time take effect (if nothing was ready, this
 * comes first, and the tasks they wake run in this iteration). Returns how
 * many tasks ran. The iteration's time is read from the clock at its start
 * when a timer is armed, else the first time something needs it (a deadline,
 * aio_now()), at most once: aio_now() is never older than the iteration. */
AIO_API size_t aio_step(aio_loop *loop);
/* When the loop next has work, for tickless idle: the loop's current time
 * (aio_loop_now) if a task is ready or an event was set since the last step;
 * else the earliest armed deadline, which may already be past (an overdue
 * timer: the next step runs it); else AIO_NEVER. An idle hook sleeps only
 * while (aio_stime)(aio_next_deadline(loop) - clock_now) > 0, and asks again
 * with interrupts masked just before it sleeps. */
AIO_API aio_time aio_next_deadline(const aio_loop *loop);
AIO_API aio_time aio_loop_now(const aio_loop *loop);
AIO_API aio_loop *aio_running_loop(void);
/* The running loop's time (loop.time()). */
AIO_API aio_time aio_now(void);
AIO_API void aio_set_debug_hook(aio_debug_fn hook); /* NULL restores the default */

// >>tasks
/* ------------------------------------------------------------------------ */
/* Tasks                                                                      */
/* ------------------------------------------------------------------------ */

/* create_task(): schedule `fn` on the running loop. The spawning task owns the
 * new one: its cancellation reaches the child when it awaits it.
 * AIO_EINVAL if the task is still alive or an argument is NULL. */
AIO_API aio_status aio_spawn(aio_task *t, aio_task_fn fn);
/* task.cancel(): 1 if a request was made (delivered at the task's next
 * checkpoint), 0 if the task had already finished, AIO_EINVAL if it was never
 * spawned. */
AIO_API int aio_cancel(aio_task *t);
AIO_API aio_task *aio_current(void);
AIO_API int aio_task_done(const aio_task *t);
/* 1 while the task is alive (spawned, not finished); 0 for a zeroed task or
 * a finished one, which may be spawned (again). */
AIO_API int aio_task_alive(const aio_task *t);
AIO_API int aio_task_cancelled(const aio_task *t); /* ended with AIO_ECANCELED */
AIO_API int aio_task_failed(const aio_task *t);    /* ended with another error */
/* The task's result or error once done; AIO_EINPROGRESS before. */
AIO_API aio_status aio_task_result(const aio_task *t);
/* 1 while a cancel request waits to be delivered. */
AIO_API int aio_task_cancel_pending(const aio_task *t);

// >>scopes
/* ------------------------------------------------------------------------ */
/* Timeout scopes and deadlines                                               */
/* ------------------------------------------------------------------------ */

/* Deadline of an open scope (AIO_NEVER = none). */
AIO_API aio_time aio_timeout_when(const aio_timeout *sc);
/* Move the deadline of an open, not yet expired scope (AIO_NEVER disables it).
 * May be called from another task. AIO_EINVAL otherwise. */
AIO_API aio_status aio_timeout_reschedule(aio_timeout *sc, aio_time when);
/* The same, `delay` ticks from now (AIO_NEVER disables it): with wrapping
 * ticks the way to move a deadline to a computed instant that may land on
 * AIO_NEVER, which aio_timeout_reschedule takes as "no deadline". */
AIO_API aio_status aio_timeout_reschedule_in(aio_timeout *sc, aio_time delay);
/* 1 once the scope's deadline has fired: when its time came, even inside a
 * shielded block that holds the cancellation back, or at a checkpoint. */
AIO_API int aio_timeout_expired(const aio_timeout *sc);
/* After the block: AIO_ETIMEDOUT if this scope cut it short, else AIO_OK. */
AIO_API aio_status aio_timeout_status(const aio_timeout *sc);
/* The earliest deadline of the open scopes that apply to task `t` (its
 * current task if NULL): AIO_NEVER if none, the current time if a cancellation
 * is already due. */
AIO_API aio_time aio_effective_deadline(aio_task *t);
/* Ticks left before that deadline: 0 if due, AIO_NEVER if none. */
AIO_API aio_time aio_time_left(aio_task *t);

// >>many
/* ------------------------------------------------------------------------ */
/* Waiting on many, groups, events, locks                                     */
/* ------------------------------------------------------------------------ */

/* AIO_WAIT modes (asyncio.FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED). */
enum { AIO_FIRST_COMPLETED = 1, AIO_FIRST_EXCEPTION = 2, AIO_ALL_COMPLETED = 3 };

/* After AIO_WAIT (asyncio.wait's done and pending sets): reorders items so
 * that those whose task is done come first, in the order they finished, and
 * the others follow in their order; returns how many are done. */
AIO_API size_t aio_wait_sort_done(aio_wait_item *items, size_t n);
/* asyncio.as_completed(tasks, timeout): prepares `ac` to hand out the tasks
 * of items[0..n) (set each .task, spawned) in the order they finish, with one
 * deadline `timeout` from now for all (AIO_NEVER: none). A task given more
 * than once counts once, at its first index (asyncio takes a set). AIO_EINVAL
 * for a NULL array, a task never spawned, n of 0 or above INT_MAX, or an
 * invalid timeout. Then, while aio_as_completed_left(&ac) > 0,
 * AIO_NEXT_COMPLETED. */
AIO_API aio_status aio_as_completed_init(aio_as_completed *ac, aio_wait_item *items, size_t n,
                                         aio_time timeout);
AIO_API size_t aio_as_completed_left(const aio_as_completed *ac);

/* tg.create_task(): spawn `t` into an open group. The group owns it: the
 * first child that fails cancels the group's body and every other child.
 * AIO_EINVAL if the group is not open or is shutting down. */
AIO_API aio_status aio_group_spawn(aio_group *g, aio_task *t, aio_task_fn fn);
/* After the block: AIO_OK, or the first error (a child's failure, else the
 * body's own error). Each child's own status stays in its task. */
AIO_API aio_status aio_group_status(const aio_group *g);
/* Cancel the group's body and children from anywhere (Trio's
 * cancel_scope.cancel()); the block then ends without error. 1 if this
 * cancelled it, 0 if it was already cancelled or not open. */
AIO_API int aio_group_cancel(aio_group *g);

/* Set the event: every waiter wakes, on the waiters' loop. Safe from an
 * interrupt handler or another thread (with AIO_CRITICAL_ENTER/EXIT). */
AIO_API void aio_event_set(aio_event *ev);
AIO_API void aio_event_clear(aio_event *ev);
AIO_API int aio_event_is_set(const aio_event *ev);

/* `value` permits; `bound` > 0 makes a BoundedSemaphore (release beyond it is
 * AIO_EINVAL). A release that would take the count past INT_MAX is AIO_EINVAL
 * too. AIO_OK, or AIO_EINVAL for a NULL semaphore, a negative value or bound,
 * a value above the bound (asyncio's ValueError): then it has no permit. */
AIO_API aio_status aio_semaphore_init(aio_semaphore *sem, int value, int bound);
AIO_API aio_status aio_semaphore_release(aio_semaphore *sem);
AIO_API int aio_semaphore_value(const aio_semaphore *sem);
/* AIO_EINVAL if the lock is not locked. A release hands the lock to the
 * oldest waiter; until that waiter runs the lock is nobody's, as in asyncio:
 * aio_lock_locked() reads 0, later acquirers still queue behind the waiter,
 * and a second release, a notify or a condition wait is AIO_EINVAL. */
AIO_API aio_status aio_lock_release(aio_lock *lock);
AIO_API int aio_lock_locked(const aio_lock *lock);
/* AIO_OK, or AIO_EINVAL for a NULL condition or lock (asyncio makes a lock of
 * its own: here the program gives one, which it shares with the condition). */
AIO_API aio_status aio_condition_init(aio_condition *cond, aio_lock *lock);
/* Wake up to n waiters (the lock must be held); returns how many. */
AIO_API int aio_condition_notify(aio_condition *cond, int n);
AIO_API int aio_condition_notify_all(aio_condition *cond);

// >>queues
/* ------------------------------------------------------------------------ */
/* Queues                                                                     */
/* ------------------------------------------------------------------------ */

/* asyncio.Queue(maxsize) holding up to `capacity` items of `item_size` bytes
 * in `storage` (yours; no allocation). maxsize 0 is asyncio's unbounded
 * queue, bounded here by the storage: a put that finds the storage full gets
 * AIO_ENOSPC and never waits. AIO_EINVAL for NULL storage, an item size or
 * capacity of 0, maxsize above capacity, or a capacity over UINT_MAX / 2
 * (32,767 where int is 16 bits). Items are copied in and out. */
AIO_API aio_status aio_queue_init(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                  uint32_t maxsize);
/* asyncio.LifoQueue: the newest item comes out first. */
AIO_API aio_status aio_lifo_queue_init(aio_queue *q, void *storage, size_t item_size,
                                       uint32_t capacity, uint32_t maxsize);
/* asyncio.PriorityQueue: the least item comes out first, `less(a, b)` being
 * 1 when a comes before b (items that compare equal come out in no set
 * order, as with heapq). */
AIO_API aio_status aio_priority_queue_init(aio_queue *q, void *storage, size_t item_size,
                                           uint32_t capacity, uint32_t maxsize,
                                           aio_queue_less_fn less);
/* put_nowait(): AIO_OK, AIO_EFULL, AIO_ENOSPC (maxsize 0, the storage is
 * full) or AIO_ESHUTDOWN. */
AIO_API aio_status aio_queue_put_nowait(aio_queue *q, const void *item);
/* get_nowait() into *item: AIO_OK, AIO_EEMPTY, or AIO_ESHUTDOWN once shut
 * down and empty. Items promised to waiting getters are not taken. */
AIO_API aio_status aio_queue_get_nowait(aio_queue *q, void *item);
/* A put that never waits, safe in an interrupt handler or another thread
 * (with AIO_CRITICAL_ENTER/EXIT defined, as for aio_event_set): AIO_OK,
 * AIO_EFULL, AIO_ENOSPC or AIO_ESHUTDOWN. A getter waiting on the queue wakes
 * at its loop's next iteration. */
AIO_API aio_status aio_queue_put_from_isr(aio_queue *q, const void *item);
AIO_API uint32_t aio_queue_qsize(const aio_queue *q);
AIO_API int aio_queue_empty(const aio_queue *q);
AIO_API int aio_queue_full(const aio_queue *q); /* never with maxsize 0 */
/* task_done(): AIO_EINVAL if called more often than items were put. */
AIO_API aio_status aio_queue_task_done(aio_queue *q);
/* shutdown(immediate) (Python 3.13): from now on puts fail with
 * AIO_ESHUTDOWN, and gets once the queue is empty; waiting putters and getters
 * wake to see it (AIO_ESHUTDOWN, though their deadline passes before they
 * run). `immediate` also drops the items (each counts as done, so join()
 * returns once no item is left undone). */
AIO_API void aio_queue_shutdown(aio_queue *q, int immediate);

// >>io
/* ------------------------------------------------------------------------ */
/* I/O with deadlines                                                         */
/* ------------------------------------------------------------------------ */

/* Waits on file descriptors, each an await with a deadline like the others
 * (AIO_WAIT_READABLE, AIO_RECV, ... below). A loop starts waiting for I/O at
 * its first I/O wait: on POSIX systems with epoll (Linux) or poll() (other
 * systems, or where AIO_IO_POLL is defined), on Windows with AFD poll (or
 * WSAPoll where AIO_IO_POLL is defined), waiting for descriptors and the
 * next deadline in one system call.
 * Elsewhere a port does that part (struct
 * aio_io: a network stack, a UART driver), and the readiness waits work the
 * same. A program that does no I/O links none of it. What it costs: a slot
 * per descriptor number (two pointers and two bytes; the POSIX one grows
 * them with realloc, a port gives its own), nothing per wait (a waiting
 * task holds its registration), and in the loop's turn one look at the
 * descriptors without blocking (epoll_wait, poll(), AFD poll's completions
 * or WSAPoll, only while a task waits on one or a signal came). */
enum { AIO_READABLE = 1, AIO_WRITABLE = 2 };

/* A socket: a descriptor (int) on POSIX, a SOCKET on Windows (declared here
 * as the unsigned integer it is, without <winsock2.h>). What makes a socket
 * (aio_tcp_listen, AIO_ACCEPT, AIO_TCP_CONNECT) gives it as an int >= 0, or a
 * negative status: on Windows that int is the SOCKET's value, which Windows
 * keeps well within an int (its handles are 32-bit values), so code that
 * keeps sockets in ints compiles and runs on both. */
#ifdef _WIN32
typedef uintptr_t aio_socket;
#else
typedef int aio_socket;
#endif
/* The library's number for a socket: the index of its slot (-1: none). */
static inline int aio__fd(aio_socket s) {
#ifdef _WIN32
    return s > (aio_socket)INT_MAX ? -1 : (int)s; /* (INVALID_SOCKET, ~0: none) */
#else
    return s;
#endif
}

/* The loop's record of one descriptor: which task waits on it each way. */
typedef struct aio_io_slot {
    aio_task *waiter[2]; /* [0] until readable, [1] until writable */
    uint64_t closed;     /* the library's: which close of the thread's loops was the
                            number's last (aio_close, aio_io_forget; 0: none yet) */
    uint8_t watched;     /* what the port was asked to watch (AIO_READABLE | AIO_WRITABLE) */
    uint8_t dry;         /* the library's: ways a try found nothing to do since the last report */
} aio_io_slot;

/* What waits for descriptors on a loop: the POSIX one the library starts, or
 * your port (aio_loop_set_io). Descriptors are small integers that index
 * `slots`. The port calls aio_io_ready() for a descriptor that is ready for
 * what it watches, at any time inside `wait`; readiness is a level: report a
 * descriptor again while it stays ready. */
typedef struct aio_io aio_io;
struct aio_io {
    /* Watch `fd` for `events` (AIO_READABLE | AIO_WRITABLE) from now on; it
     * watched `old` before; events 0: stop. AIO_OK or an error status, which
     * the task that wanted to wait receives (AIO_EBADF: cannot be watched). */
    aio_status (*watch)(aio_io *io, int fd, int old, int events);
    /* Wait until `deadline` (AIO_NEVER: no limit; at or before the loop's
     * time: do not block), until a watched descriptor is ready, or until the
     * loop's wake-up (aio_loop_set_wakeup) is called. */
    void (*wait)(aio_io *io, aio_loop *loop, aio_time deadline);
    /* Make `slots` hold descriptor `fd` (the new slots zeroed): AIO_OK or an
     * error. NULL: the slots are fixed; a descriptor beyond is AIO_EBADF. */
    aio_status (*grow)(aio_io *io, int fd);
    /* Called by aio_loop_destroy: give back what the port holds (NULL: none). */
    void (*release)(aio_io *io);
    aio_io_slot *slots;  /* nslots of them, zeroed */
    uint32_t nslots;
    uint32_t waiting;    /* the library's: tasks parked on descriptors that have not resumed yet */
    aio_time paused_until; /* the library's: accepts paused out of descriptors try again then */
    uint8_t turn_end;    /* the library's: work for the turn's end (AIO__IO_END_...), 0: none */
};

/* Wait for I/O through `io` from now on (before any I/O wait on the loop).
 * AIO_EBUSY while a task waits on a descriptor (or was woken from such a
 * wait and has not run yet), and while the system's wait the loop started
 * carries more than descriptors: signals routed to the loop, child
 * processes not closed, worker threads. NULL detaches the port. */
AIO_API aio_status aio_loop_set_io(aio_loop *loop, aio_io *io);
/* From a port's `wait`: `fd` is ready for `events`. The task waiting that way
 * wakes; a way nobody waits on any more stops being watched. */
AIO_API void aio_io_ready(aio_loop *loop, int fd, int events);
/* Stop watching `fd` on the running loop; a task waiting on it wakes with
 * AIO_ECLOSED (Trio's notify_closing), as does one the loop had woken for
 * readiness that has not run yet. Call it before a descriptor the loop
 * watched is closed elsewhere; aio_close does both. */
AIO_API void aio_io_forget(aio_socket fd);

/* POSIX and Windows: sockets, non-blocking, each await with a deadline. */
/* A listening TCP socket on `host` (a numeric IPv4 or IPv6 address,
 * "localhost", or NULL for every IPv4 address) and `port` (0: any free one,
 * see aio_socket_port): the descriptor, or AIO_EINVAL (bad address or port)
 * or AIO_EIO (errno says why: EADDRINUSE, ...; on Windows WSAGetLastError()).
 * `backlog` 0: the system's largest. */
AIO_API int aio_tcp_listen(const char *host, int port, int backlog);
/* The local port of a bound socket, or AIO_EBADF. */
AIO_API int aio_socket_port(aio_socket fd);
/* An IPv4 or IPv6 address with a port, as a name lookup gives them and a
 * datagram's sender or receiver is named: a struct sockaddr_in or
 * sockaddr_in6 in `sa`, `len` bytes of it (0: none). Copy it freely. */
typedef struct aio_address {
    uint32_t sa[7]; /* (the size of a sockaddr_in6, and its alignment) */
    uint16_t len;
} aio_address;
/* *a = (host, port): a numeric IPv4 or IPv6 host, "localhost" (127.0.0.1),
 * NULL or "" (0.0.0.0, every IPv4 address); port 0-65535. AIO_OK or
 * AIO_EINVAL (the address is left empty). No lookup: see AIO_LOOKUP. */
AIO_API aio_status aio_address_set(aio_address *a, const char *host, int port);
/* "127.0.0.1:80" or "[::1]:80" into buf[0..size), '\0' ended: its length,
 * or AIO_EINVAL (no address, or size too small). */
AIO_API int aio_address_format(const aio_address *a, char *buf, size_t size);
/* The address's port, or AIO_EINVAL (no address). */
AIO_API int aio_address_port(const aio_address *a);
/* aio_tcp_listen on an address: one AIO_LOOKUP gave, so that a listener on a host
 * name never blocks the loop (the lookup runs on a worker thread under its
 * await's deadline; aio_tcp_listen itself looks nothing up). */
AIO_API int aio_tcp_listen_at(const aio_address *at, int backlog);
/* Unix domain sockets (asyncio's start_unix_server, open_unix_connection;
 * POSIX): a stream listener at `path` for AIO_ACCEPT: its descriptor, or
 * AIO_EINVAL (path NULL, empty or longer than the system takes: 107 bytes
 * on Linux; a negative backlog; Windows; a simulation), AIO_EIO (errno:
 * EADDRINUSE, EACCES, ENOENT...). A socket file left at `path` by an earlier
 * listener (nobody answers a connect to it) is removed first, as asyncio
 * does; one a listener answers at is not taken over (AIO_EIO, EADDRINUSE,
 * as libuv refuses), and any other file there stays and the bind fails
 * (EADDRINUSE). Remove the file when done (unlink). A path that begins
 * with '@' is a name in Linux's abstract namespace (no file; '@' stands for
 * the leading NUL byte of such names, which has no NUL after it: '@' and
 * up to 107 bytes); elsewhere, and with AIO_NO_LINUX, AIO_EINVAL, as a path
 * too long. The accepted connections, and AIO_UNIX_CONNECT's, take
 * every socket await and a stream. */
AIO_API int aio_unix_listen(const char *path, int backlog);
/* aio_io_forget(fd), then close(fd) (closesocket on Windows): AIO_OK, or
 * AIO_EBADF if it was not open (without sockets, the forget only: the port's
 * driver closes its own). */
AIO_API aio_status aio_close(aio_socket fd);
/* The bytes task t's last AIO_SEND_ALL or AIO_STREAM_WRITE sent: all of them once it gave
 * AIO_OK, part of them after a timeout, a cancellation or an error. Read
 * it before t's next await. */
AIO_API size_t aio_bytes_sent(const aio_task *t);

/* A buffered stream over a socket (asyncio's StreamReader and StreamWriter),
 * in a buffer the caller gives (aio_stream_init: fixed, the firmware's way)
 * or one that grows up to a limit (aio_stream_init_growing: asyncio's
 * `limit`): AIO_READ_LINE, AIO_READ_UNTIL,
 * AIO_READ_EXACTLY, AIO_READ_SOME, and AIO_STREAM_WRITE. Each read is an
 * await with a deadline whose lv is a length: the bytes are at
 * aio_stream_data() until the next read of the stream, and the caller may
 * change them in place meanwhile; the next read may move them (to the front
 * of the buffer, or with a growing buffer to another block), so keep no
 * pointer into the buffer across a read. A read that times out, is cancelled or fails has
 * taken nothing: what arrived stays buffered for the next one. A write
 * returns once the transport took every byte (write() then drain()). A
 * stream whose socket was closed (aio_close) reads and writes no more:
 * AIO_ECLOSED, even once another socket has the number.
 * Treat the fields as the library's, but `fd`. Hosted builds (POSIX, Windows). */
#if SIZE_MAX > 0xFFFFFFFFu
typedef uint32_t aio__offset; /* (a buffer holds at most INT_MAX bytes: 32 bits */
#else                         /*  count them, and an idle stream is the smaller) */
typedef size_t aio__offset;
#endif
/* A stream's transport: how its bytes come and go (the socket's own
 * receive and send when none is set). An encrypted or an in-memory one plugs
 * in here, and every read and write of the stream goes through it. Each call
 * does what it can at once and never blocks:
 *  - recv: n > 0 bytes put in buf[0..len), 0 at the end of the stream,
 *  - send: n > 0 bytes taken from buf[0..len) (len > 0 in both),
 *  - either: AIO_WANT_READ or AIO_WANT_WRITE when nothing can be done until
 *    the socket is readable or writable (a TLS engine may need to write to
 *    read), or an error status (AIO_ECONNRESET, AIO_EIO, your own), which
 *    the await gives as its result.
 * `ctx` is the pointer given to aio_stream_set_transport; `fd` the stream's. */
typedef struct aio_transport {
    aio_status (*recv)(void *ctx, aio_socket fd, void *buf, size_t len);
    aio_status (*send)(void *ctx, aio_socket fd, const void *buf, size_t len);
} aio_transport;
typedef struct aio_stream {
    aio_socket fd;
    aio__offset size;
    unsigned char *buf;
    const aio_transport *transport; /* NULL: the socket's own */
    void *transport_ctx;
    aio_task *writer;  /* the task suspended in a write, or NULL */
    const void *sep;   /* the read under way: its separator, */
    aio_task *reader;  /* the task suspended in a read, or NULL */
    aio__offset want;  /* its separator's length, or the count it wants */
    aio__offset head, tail; /* buf[head..tail): received, not read yet */
    aio__offset last;  /* where the bytes the last read gave begin */
    aio__offset scanned; /* how far from head a separator is known to be absent */
    uint8_t kind;
    uint8_t eof;       /* the peer ended the stream (2: its socket was closed under it) */
    uint8_t grows;     /* buf is the stream's own (aio_stream_init_growing) */
    uint64_t closed;   /* its socket's number's last close when it was set up */
    struct aio__outbox *out; /* its write buffer (aio_stream_write), NULL until one is needed */
} aio_stream;
/* A stream over socket fd with buffer buf[0..size): AIO_OK, or AIO_EINVAL (a
 * NULL buffer, a size of 0 or beyond what a status can count), AIO_EBADF (a
 * negative descriptor). The buffer holds the longest line a read can
 * return, its separator included: asyncio's limit of size - 1 for lines. */
AIO_API aio_status aio_stream_init(aio_stream *s, aio_socket fd, void *buf, size_t size);
/* A stream over socket fd whose buffer the stream owns: `start` bytes from
 * the allocator hook (AIO_MALLOC), doubled (AIO_REALLOC) while a read needs
 * more, up to asyncio's `limit` (64 KiB by default): a line of at most
 * `limit` bytes before its separator (the buffer takes the separator's
 * bytes beyond it), a count of at most `limit`; AIO_READ_LINE gives
 * AIO_ELIMIT beyond, as a fixed stream does beyond its buffer. Back to
 * `start` bytes after four receives in a row that found it needing no more
 * (the read before each took at most `start` bytes, and fewer are
 * buffered), so that lines a little longer than `start` do not resize it
 * at every line. AIO_OK, AIO_EINVAL (start 0, limit below
 * start or beyond INT_MAX), AIO_EBADF, or AIO_EIO (errno ENOMEM: no memory).
 * When memory runs out as it grows, the read gives AIO_EIO (errno ENOMEM)
 * and has taken nothing: the stream stays usable, what arrived stays
 * buffered, and the next read tries again. The program owns the aio_stream
 * and the socket; the stream owns the buffer, which aio_stream_free gives
 * back. */
AIO_API aio_status aio_stream_init_growing(aio_stream *s, aio_socket fd, size_t start, size_t limit);
/* Give back a growing stream's buffer (a fixed stream's stays the
 * program's: it is only forgotten); the socket stays open (aio_close). The
 * stream cannot read or write until initialised again; a stream freed or
 * zeroed may be freed again. AIO_OK, or AIO_EBUSY (a task waits in a read or
 * a write of it: nothing freed). */
AIO_API aio_status aio_stream_free(aio_stream *s);
/* The bytes the last read gave (valid until the next read of the stream,
 * which may move them; writable meanwhile). */
AIO_API const char *aio_stream_data(const aio_stream *s);
/* How many bytes are buffered and not read yet, and where they begin: after
 * AIO_EINCOMPLETE the partial data, after AIO_ELIMIT a full buffer. */
AIO_API size_t aio_stream_buffered(const aio_stream *s);
AIO_API const char *aio_stream_peek(const aio_stream *s);
/* Drop up to n buffered bytes (after AIO_ELIMIT: the caller's choice); how
 * many were dropped. */
AIO_API size_t aio_stream_discard(aio_stream *s, size_t n);
/* reader.at_eof(): the peer ended the stream and nothing is buffered. */
AIO_API int aio_stream_at_eof(const aio_stream *s);
/* Every later read and write of s goes through `tr` (with `ctx`); NULL: the
 * socket's own again. What is buffered stays (bytes received before a TLS
 * upgrade are read first). AIO_OK, or AIO_EINVAL (no stream, a transport
 * without recv or send) or AIO_EBUSY (a task waits in a read or a write). */
AIO_API aio_status aio_stream_set_transport(aio_stream *s, const aio_transport *tr, void *ctx);

/* writer.write(data), from any task or code on the loop's thread, never
 * waiting: buf[0..len) is copied, whole, into s's write buffer and sent in
 * the order written: what a turn of the loop wrote goes out together at the
 * turn's end, in one send (outside aio_run: at once), the rest in the
 * background, by a task of the library's, while the loop runs. AIO_OK;
 * AIO_ELIMIT: the buffer would hold more than its bound
 * (aio_stream_set_write_limits; nothing of buf taken); the error a send met
 * (AIO_ECONNRESET, ...), which every later write and AIO_DRAIN give;
 * AIO_ECLOSED (s's socket was closed); AIO_EIO (no memory: nothing of buf
 * taken); AIO_EINVAL; AIO_EBUSY (a task waits in an AIO_STREAM_WRITE of s:
 * one way of writing a stream at a time). */
AIO_API aio_status aio_stream_write(aio_stream *s, const void *buf, size_t len);
/* One piece of a message for aio_stream_writelines. */
typedef struct aio_piece {
    const void *data;
    size_t len;
} aio_piece;
/* writer.writelines(pieces): pieces[0..n) written as one write, taken whole
 * or not at all (a message with a prefix and a line, to a member of a
 * chat: never a piece of it, never a hole). AIO_OK, or what aio_stream_write
 * gives, for the whole: AIO_ELIMIT and AIO_EIO take none of it; AIO_EINVAL
 * for a NULL array (n > 0), a piece with NULL data and a length, or lengths
 * whose sum overflows. */
AIO_API aio_status aio_stream_writelines(aio_stream *s, const aio_piece *pieces, size_t n);
/* transport.set_write_buffer_limits(high, low), and the bound asyncio does
 * not have: AIO_DRAIN waits while more than `high` bytes are buffered, until
 * `low` at most; a write that would buffer more than `bound` bytes gives
 * AIO_ELIMIT. Until set: 64 KiB, 16 KiB and 1 MiB. AIO_OK, AIO_EINVAL (low
 * above high, a bound of 0 or beyond INT_MAX), AIO_EIO (no memory). */
AIO_API aio_status aio_stream_set_write_limits(aio_stream *s, size_t high, size_t low, size_t bound);
/* transport.get_write_buffer_size(): the bytes written and not sent yet. */
AIO_API size_t aio_stream_write_buffered(const aio_stream *s);
/* transport.abort(): what is buffered dropped, s's socket closed
 * (aio_close: its status). */
AIO_API aio_status aio_stream_abort(aio_stream *s);

/* Datagrams (UDP), each receive and send an await with a deadline:
 * AIO_RECV_FROM, AIO_SEND_TO (sock.recvfrom, sock.sendto), in functions of
 * their own that a program without them does not link. Hosted builds
 * (POSIX, Windows). A UDP socket bound to `host` (a numeric IPv4 or IPv6 address, "localhost",
 * or NULL or "" for every IPv4 address) and `port` (0: any free one, see
 * aio_socket_port): the descriptor (non-blocking, close-on-exec: not
 * inherited), or AIO_EINVAL (bad address or port) or AIO_EIO (errno says
 * why: EADDRINUSE, ...; on Windows WSAGetLastError()). Close it with
 * aio_close. */
AIO_API int aio_udp_open(const char *host, int port);
/* loop.add_signal_handler(signo, ev.set): each delivery of POSIX signal
 * `signo` sets `ev` from the running loop (never inside the handler, so it is
 * safe whenever the signal comes). NULL restores the default action.
 * AIO_EINVAL for a signal that cannot be caught, or when signals are routed
 * to another loop that is still alive. On Windows the console's events:
 * SIGINT (Ctrl-C), SIGBREAK (Ctrl-Break), SIGTERM (the console closed, a
 * logoff, a shutdown: the process is held until the loop is destroyed). */
AIO_API aio_status aio_signal_event(int signo, aio_event *ev);
/* loop.add_signal_handler(signo, task.cancel): each delivery of `signo`
 * cancels `t` from the running loop (a second Ctrl-C, a second cancel), as
 * long as t is alive; a finished task is left alone (t must outlive the
 * route, or be routed away with NULL first). One route per signal: this one
 * replaces aio_signal_event's for signo, and the other way round. Errors as
 * aio_signal_event's, and AIO_EINVAL when t runs on another loop. */
AIO_API aio_status aio_signal_cancel(int signo, aio_task *t);

/* A server in one call (asyncio's start_server, Trio's serve_tcp): a task of
 * the library accepts connections on a listener and runs `handler` as a task
 * of its own for each, over a connection state the program provides, at
 * most `limit` at once. The state is the program's struct whose FIRST member
 * is an aio_conn (AIO_CONN_SELF finds it from the handler's task):
 *
 *     typedef struct { aio_conn conn; char buf[512]; } client_t;
 *     static client_t clients[64];                 // a fixed array, or NULL:
 *     aio_server_init(&srv, handle, clients, sizeof clients[0], 64);
 *     aio_server_listen(&srv, "127.0.0.1", 8888, 0); // or aio_server_start(&srv, fd)
 *
 * With `states` NULL each state is allocated at its first use (AIO_MALLOC,
 * zeroed), kept for the next connection, and freed when the server has
 * closed (hosted builds). The handler gets the connected socket in
 * conn.fd; the server closes it when the handler ends, however it ends
 * (returned, failed, cancelled, or cancelled before its first step: its
 * body then never runs), unless the handler closed it itself
 * (AIO_STREAM_CLOSE on its stream, to send what is buffered first; a
 * server's shutdown or abort drops it). The one too many
 * (`limit` connections live) is accepted and closed at once, after the
 * message given to aio_server_refuse, if any (asyncio has no limit). A
 * failed accept never stops the server: a connection gone before its
 * accept is skipped, a listener out of descriptors (EMFILE, ENFILE) waits
 * AIO_ACCEPT_RETRY_DELAY (1 s, asyncio's) while the loop serves the rest,
 * other errors back off from 1 ms, doubling to 100 ms; only a listener that
 * is not one (AIO_EBADF, AIO_EINVAL) ends it. The listener may be TCP or
 * Unix (aio_unix_listen); for TLS the handler does AIO_TLS_HANDSHAKE on
 * its stream first. Treat the fields as the library's. */
typedef struct aio_server aio_server;
typedef struct aio_conn {
    aio_task task;      /* the handler's task */
    aio_socket fd;      /* the connected socket (the server closes it) */
    aio_server *server;
    uint32_t id;        /* 1, 2, ...: the connections served, in order (for a log line:
                           after 2^32 connections it starts again from 0) */
    uint64_t order;     /* (the library's: the same, 64 bits: aio_server_next's order) */
    uint64_t closed;    /* (the library's: its number's last close when taken) */
    uint8_t flags;      /* (the library's) */
} aio_conn;
struct aio_server {
    aio_task task;             /* the accept loop; ended once closed with no handler left */
    aio_task_fn handler;
    unsigned char *states;     /* the program's, or NULL */
    aio_conn **made;           /* with states NULL: the allocated ones */
    size_t size;
    uint32_t limit, live, aborted;
    uint64_t served;           /* connections served so far (64 bits: never wraps) */
    uint32_t hint;             /* where the search for a free state starts */
    int listener;              /* -1 once closed */
    const char *busy;          /* what the one too many is sent, or NULL */
    void (*refused)(aio_server *srv);
    aio_time backoff, until;   /* the accept's back-off; the grace's end */
    aio_event changed;         /* a handler ended, or a shutdown began */
    aio_status rc, failed;     /* an accept's result; the one that ended the accepts */
    uint8_t graced;            /* a shutdown set `until` */
    aio_timeout shield;        /* a cancelled server's wait for its cancelled handlers */
    aio_link handlers;         /* its live handlers' tasks: its own, not the loop's (aio_run's
                                  end cancels the server, which cancels each once) */
    void *unix_file;           /* (the library's: a Unix listener's socket file, removed when
                                  the server closes if the path still names it) */
    struct aio_server_share *share; /* (the library's: the share it serves, or NULL) */
    int member;                /* (the library's: its place among the share's loops) */
    uint8_t held;              /* (the library's: serving a share's connections without a listener) */
    aio_task_fn step;          /* (the library's: what a connection's task runs: the handler, and
                                  a TLS server's handshake first) */
    struct aio_tls_config *tls; /* (the library's: a TLS server's configuration, or NULL) */
    aio_time handshake;        /* (the library's: a TLS server's deadline for each handshake) */
    size_t stream_limit;       /* (the library's: a TLS server's streams' limit) */
    uint32_t handshakes_failed; /* (the library's: aio_server_handshakes_failed) */
};
/* The state around handler task t: AIO_CONN_SELF(t, client_t). */
#define AIO_CONN_SELF(t, type) ((type *)(void *)AIO_CONTAINER(t, aio_conn, task))
/* Make a server: AIO_OK, or AIO_EINVAL (srv or handler NULL, size smaller
 * than an aio_conn, limit 0, states NULL where nothing can be allocated). */
AIO_API aio_status aio_server_init(aio_server *srv, aio_task_fn handler, void *states, size_t size,
                                   uint32_t limit);
/* The one too many is sent `message` (NULL: nothing) with one try that does
 * not wait, then `refused(srv)` is called (NULL: none), then it is closed
 * (a client that had sent something may see a reset instead: the system's
 * answer to a close with bytes unread). */
AIO_API void aio_server_refuse(aio_server *srv, const char *message, void (*refused)(aio_server *srv));
/* Serve on `listener` (TCP or Unix, made by the program) from the running
 * loop: AIO_OK, or a negative listener as it is (so that
 * aio_server_start(&srv, aio_unix_listen(path, 0)) reports a failed listen),
 * AIO_EINVAL (not initialised), AIO_EBUSY (serving already). The server
 * owns the listener from then on: close() closes it. */
AIO_API aio_status aio_server_start(aio_server *srv, int listener);
/* aio_tcp_listen(host, port, backlog), then aio_server_start: AIO_OK or the
 * listen's status (AIO_EIO: errno says why). */
AIO_API aio_status aio_server_listen(aio_server *srv, const char *host, int port, int backlog);
/* The listener's port (aio_socket_port), or AIO_EBADF once closed. */
AIO_API int aio_server_port(const aio_server *srv);
/* server.close(): stop accepting and close the listener; the handlers go on
 * (a Unix socket's file stays: unlink it). AIO_OK, or AIO_ECLOSED (already). */
AIO_API aio_status aio_server_close(aio_server *srv);
/* server.close_clients(): every live connection is shut down both ways
 * (shutdown()): a handler's wait under way on it ends with AIO_ECLOSED,
 * its later reads find the end of the stream (0), its writes fail. How
 * many. */
AIO_API int aio_server_close_clients(aio_server *srv);
/* server.abort_clients(): every live handler not cancelled yet is
 * cancelled, in connection order; its cleanup runs, then its socket is
 * closed. How many it cancelled (one cancelled already, by an earlier call,
 * a shutdown, aio_conn_abort or aio_cancel, is left to its cleanup). */
AIO_API int aio_server_abort_clients(aio_server *srv);
/* writer.transport.abort() for one connection (a client that stopped
 * reading, say): it is shut down both ways at once (what its handler has
 * not sent yet is dropped; the peer reads the end), and its handler is
 * cancelled: a wait under way ends (AIO_ECANCELED; AIO_ECLOSED inside a
 * shielded block), its cleanup runs, its calls on the socket fail at once,
 * then the server closes the socket. 1; 0 if aborted already or ended;
 * AIO_EINVAL for NULL or a connection no server took. */
AIO_API int aio_conn_abort(aio_conn *c);
/* The live connection after `c` in connection order (NULL: the first), or
 * NULL: for (c = aio_server_next(srv, NULL); c; c = aio_server_next(srv, c)). */
AIO_API aio_conn *aio_server_next(aio_server *srv, const aio_conn *c);
/* A graceful stop: close(), then the handlers have `grace` to end; those
 * left are cancelled (abort_clients). AIO_SERVER_SHUTDOWN awaits it. */
AIO_API aio_status aio_server_shutdown(aio_server *srv, aio_time grace);

/* A server on every core (asyncio's start_server(reuse_port=True) in each of
 * several processes; libuv's loop per thread): several loops, each on a
 * thread of its own, serve one address, each with an aio_server of its own.
 * Where the system balances connections among listeners on one port (Linux's
 * SO_REUSEPORT, FreeBSD's SO_REUSEPORT_LB) each loop listens and the system
 * picks; elsewhere (Windows, macOS, the other BSDs) the first loop to join
 * accepts for all and hands each connection, in turn, to a loop's server
 * through that loop's wake-up: the same program either way.
 *
 *     aio_server_share share;                            // main thread, first:
 *     aio_server_share_init(&share, 4, "127.0.0.1", 8888, 0);
 *     ... start 4 threads, each runs a loop whose task does:
 *         aio_server_init(&srv, handle, NULL, sizeof(client_t), 1000);
 *         aio_server_start_shared(&srv, &share, &stop);   // stop: an aio_event
 *         AIO_EVENT_WAIT(t, rc, &stop, AIO_NEVER);        // set by share_close
 *         ... goodbyes, AIO_SERVER_SHUTDOWN(t, rc, &srv, grace)
 *     ... a signal's task on one loop: aio_server_share_close(&share);
 *     ... the threads joined: aio_server_share_free(&share);
 *
 * Connection ids (conn.id) count across the share; a share limit bounds the
 * connections at once across every loop (the one too many is refused by the
 * server that took it, as its own limit would). Treat the fields as the
 * library's, except reuse_port (read it). A build without sockets or
 * threads refuses each call (AIO_EINVAL). */
enum { AIO_SERVER_SHARE_MAX = 256 };
typedef struct aio_server_share {
    struct aio__share_member *members; /* (the library's: one per loop) */
    void *lock;                 /* (the library's: a mutex over what follows) */
    aio_address at;             /* where every loop serves (its port once bound) */
    int backlog, loops, joined;
    int first;                  /* the listener made first, until a loop takes it (-1) */
    int next;                   /* the loop the next connection is handed to */
    uint32_t limit, live;       /* connections at once across the loops: the bound (0: none), now */
    uint32_t served;            /* the ids given so far */
    uint8_t reuse_port;         /* 1: each loop listens, the system balances; 0: hand-off */
    uint8_t closed;             /* aio_server_share_close was called */
} aio_server_share;
/* From one thread, before the loops start: a share for `loops` loops (1 to
 * AIO_SERVER_SHARE_MAX) on host and port (as aio_tcp_listen takes them; port
 * 0: a free one, then every loop serves that one, aio_server_share_port).
 * The first listener is made now, so that a port in use is told here.
 * AIO_OK; AIO_EINVAL (sh NULL, loops out of range, a bad address, inside a
 * simulation); AIO_EIO (errno: EADDRINUSE...; out of memory). */
AIO_API aio_status aio_server_share_init(aio_server_share *sh, int loops, const char *host, int port, int backlog);
/* At most `limit` connections at once across the loops (0: each server's own
 * limit only), from the next connection on (from any thread). AIO_OK or
 * AIO_EINVAL. */
AIO_API aio_status aio_server_share_limit(aio_server_share *sh, uint32_t limit);
/* One loop accepts for all and hands connections out, even where the
 * system would balance (before any loop joins): AIO_OK or AIO_EINVAL. */
AIO_API aio_status aio_server_share_hand_off(aio_server_share *sh);
/* The port every loop serves, or AIO_EINVAL. */
AIO_API int aio_server_share_port(const aio_server_share *sh);
/* Connections live across the loops now (from any thread). */
AIO_API uint32_t aio_server_share_live(aio_server_share *sh);
/* From a task of each loop: srv (aio_server_init'd) serves the share on the
 * running loop. When the share is closed, srv is closed in its own loop
 * (aio_server_close: no more connections, its handlers go on) and `stop`
 * (NULL: none) is set there: the loop's task then says its goodbyes and
 * shuts srv down. AIO_OK; AIO_EINVAL (NULL, not initialised, no loop);
 * AIO_EBUSY (srv serving already); AIO_ELIMIT (`loops` loops joined
 * already); AIO_ECLOSED (the share was closed); AIO_EIO (errno: out of
 * descriptors, the listener refused). */
AIO_API aio_status aio_server_start_shared(aio_server *srv, aio_server_share *sh, aio_event *stop);
/* From any thread (a signal's task on one loop, say): every server of the
 * share is closed in its loop and its stop event set; a loop that joins
 * later is refused. AIO_OK, AIO_ECLOSED (already) or AIO_EINVAL. */
AIO_API aio_status aio_server_share_close(aio_server_share *sh);
/* Once every server of the share has closed (their loops' threads joined):
 * what the share holds let go. AIO_OK, AIO_EBUSY (a server still serves
 * it: nothing let go), AIO_EINVAL. */
AIO_API aio_status aio_server_share_free(aio_server_share *sh);

// >>threads
/* ------------------------------------------------------------------------ */
/* Blocking calls on worker threads, and host names                           */
/* ------------------------------------------------------------------------ */

/* asyncio.to_thread: AIO_TO_THREAD runs a blocking function on a worker
 * thread of the loop's pool and awaits it with a deadline. Hosted builds
 * (POSIX threads, Windows threads); AIO_NO_THREADS leaves the pool out (then
 * AIO_TO_THREAD says so, and AIO_LOOKUP takes numeric hosts only). The pool
 * starts its threads as calls need them, at most aio_loop_set_threads' count
 * (AIO_THREADS_MAX, 8, by default); calls beyond wait their turn, in order,
 * and are never dropped; aio_loop_destroy drops the calls not started, waits
 * for those under way at most aio_loop_set_threads_timeout's time (as
 * loop.shutdown_default_executor(timeout) does) and joins the threads.
 *
 * Who owns what: the pool copies data[0..size) before the call and the
 * function works on that copy only. If the await is still there when the
 * function returns, the copy is copied back into data and lv is what the
 * function returned. An await that times out or is cancelled leaves data
 * alone and gives the call up: it is never killed; it runs to its end, and
 * the pool then drops its result and frees its copy. So a task that gave up
 * may free or reuse data at once. What data points to is yours: let the
 * function reach only memory that outlives any call (or that the copy
 * holds, such as a string in an array member). */
typedef int (*aio_thread_fn)(void *data); /* its result: >= 0, or a status */
/* The most worker threads the loop's pool runs at once (1 to 1024; AIO_OK,
 * or AIO_EINVAL). A higher count than it runs now starts threads for the
 * calls waiting their turn at once; a lower one takes effect as calls end. */
AIO_API aio_status aio_loop_set_threads(aio_loop *loop, int max);
/* How long aio_loop_destroy waits for the calls under way on the pool's
 * threads, in real time whatever the loop's clock: AIO_THREADS_TIMEOUT
 * (300 s, asyncio's shutdown_default_executor) by default; AIO_NEVER: as
 * long as they take; 0: not at all. AIO_OK, or AIO_EINVAL (beyond half the
 * clock range). A call still under way then is left running: its thread is
 * detached, and it keeps its copy of the data and the pool's lock (a few
 * hundred bytes) until it returns, then frees them; its result is dropped.
 * A call that never returns keeps them until the process ends (debug
 * builds say so when the loop is destroyed). */
AIO_API aio_status aio_loop_set_threads_timeout(aio_loop *loop, aio_time d);

/* A name lookup of your own, in getaddrinfo's place: the addresses of
 * (host, port) in out[0..max), in the order you prefer: how many (>= 1),
 * AIO_ENOTFOUND or another status. max is room for the whole answer (32):
 * the library interleaves the families, then keeps what its caller has room
 * for. 0 reads as AIO_ENOTFOUND; more than max, or INT_MIN, is AIO_EINVAL
 * (a debug message names it). It runs on a worker thread (with
 * AIO_NO_THREADS, on the loop: then it must not block). NULL: the system's
 * getaddrinfo. For a stack without getaddrinfo, and for tests that need a
 * name to give chosen addresses. */
typedef int (*aio_lookup_fn)(void *ctx, const char *host, int port, aio_address *out, int max);
AIO_API void aio_set_lookup(aio_lookup_fn lookup, void *ctx);

// >>processes
/* ------------------------------------------------------------------------ */
/* Child processes                                                            */
/* ------------------------------------------------------------------------ */

/* asyncio.create_subprocess_exec, stopped Trio's way. aio_process_spawn
 * starts a program with its standard input, output and error each inherited,
 * sent to the null device, or a pipe to this process (p->in, p->out, p->err:
 * non-blocking; AIO_SEND_ALL to p->in, aio_stream_init or AIO_RECV on
 * p->out). Its exit is awaited with a deadline (AIO_PROCESS_WAIT), alone or
 * with its input fed and its output collected (AIO_COMMUNICATE). The child
 * gets those three streams and nothing else of this process's (no other
 * descriptor or inheritable handle), as asyncio's. POSIX builds: fork and
 * exec; the exit is a pidfd on Linux 5.3 and later (a descriptor like any
 * other), SIGCHLD elsewhere or where pidfd is refused (it wakes every loop
 * with children, in any thread, each asking only its own; the program's
 * own SIGCHLD action is put back when the last such loop is destroyed;
 * one that has the system reap children, SIG_IGN, is replaced by the
 * library's handler meanwhile, pidfd or not, so that exit statuses are not
 * lost).
 * On POSIX a child's own children outlive it unless p->group, set before
 * the spawn, puts it in a process group of its own: then every signal
 * goes to the whole group, and aio_process_close ends what is left of it
 * (the child, once ended, is left unreaped until then, so that the
 * group's id stays its own).
 * Windows: CreateProcess, the child in a job object (its own children end
 * with it), its pipes relayed to sockets by threads (p->in, p->out, p->err
 * are sockets there); SIGTERM and SIGKILL both end the job at once (no
 * grace: Windows cannot ask first), read back as -15 and -9.
 * AIO_NO_PROCESSES leaves this out (on Windows, AIO_NO_THREADS too).
 *
 * Stopping: an await's own deadline (d) leaves the child running
 * (AIO_ETIMEDOUT: wait again, or stop it), as asyncio's wait_for does. A
 * cancellation of the awaiting task, or the deadline of a block around the
 * await, stops it as Trio does: SIGTERM, then SIGKILL once its grace period
 * (aio_process_set_grace, AIO_PROCESS_GRACE: 5 s) has passed, or at once if
 * a new cancellation comes meanwhile; the await returns once the child was
 * reaped. AIO_PROCESS_STOP does the same from a cleanup section. No path
 * leaves a zombie or a pipe: aio_process_close (kill, reap and close what is
 * left) belongs in the cleanup of the task that spawned it, and
 * aio_loop_destroy does it for every child still open. */
enum {
    AIO_STDIO_INHERIT = 0, /* the child's stream is this process's */
    AIO_STDIO_PIPE,        /* a pipe to this process (asyncio.subprocess.PIPE) */
    AIO_STDIO_DEVNULL,     /* the null device (asyncio.subprocess.DEVNULL) */
    AIO_STDIO_STDOUT       /* standard error only: where standard output goes */
};
typedef struct aio_process_options {
    const char *const *env; /* "NAME=value" strings, NULL-ended; NULL: this process's */
    const char *cwd;        /* its working directory; NULL: this process's */
    int in, out, err;       /* AIO_STDIO_... for its standard input, output, error */
} aio_process_options;
/* A child process. Zero-initialise it before its first spawn; it may be
 * spawned again once closed. It is the loop's from its spawn to its close:
 * keep it in memory that lives that long (the task's state struct, with the
 * close in the task's AIO_FINALLY). Read pid, in, out and err; set group
 * before the spawn if you want it (it stays for p's later spawns); close
 * the pipes only through aio_process_end_input and aio_process_close. */
typedef struct aio_process {
    int pid;              /* its process id */
    aio_socket in;        /* AIO_STDIO_PIPE: the write end of its standard input, else -1 */
    aio_socket out;       /* ... the read end of its standard output, else -1 */
    aio_socket err;       /* ... the read end of its standard error, else -1 */
    /* the library's */
    struct aio_process *next; /* among its loop's children */
    aio_loop *loop;
    aio_task *waiter;     /* a task waiting for its exit (SIGCHLD) */
    aio_time grace;       /* from SIGTERM to SIGKILL when stopped */
    aio_time kill_at;     /* when SIGKILL is due, once stopping */
    int pidfd;            /* readable once it exited (-1: SIGCHLD tells) */
    int returncode;       /* once reaped: exit code, or -signal */
#ifdef _WIN32
    void *handle;         /* its process handle */
    void *job;            /* its job object (NULL: none could be made) */
    void *threads[4];     /* the threads that wait for its exit, relay its in, out, err */
#endif
    union aio__view view; /* the awaiting task's, kept while a cancellation stops it */
    uint8_t state;        /* running, reaped, closed */
    uint8_t stopping;     /* 0, SIGTERM sent, SIGKILL sent */
    uint8_t group;        /* yours to set before its spawn (POSIX): nonzero puts the child
                             in a process group of its own (see above) */
} aio_process;
/* Start argv[0] (searched in PATH, the child's environment's if env gives
 * one, when it has no '/') with arguments argv (NULL-ended), on the running
 * loop: AIO_OK; AIO_ENOTFOUND (no such program or working directory),
 * AIO_ENOEXEC (not executable: errno says why), AIO_EINVAL (bad input),
 * AIO_EBUSY (p is open), AIO_EIO (errno: out of processes, descriptors).
 * Nothing is left behind when it fails. opts NULL: everything inherited. */
AIO_API aio_status aio_process_spawn(aio_process *p, const char *const argv[], const aio_process_options *opts);
/* proc.send_signal(signo), proc.terminate() (SIGTERM), proc.kill() (SIGKILL):
 * AIO_OK, or AIO_EINVAL (not running: reaped already, or never spawned). */
AIO_API aio_status aio_process_signal(aio_process *p, int signo);
AIO_API aio_status aio_process_terminate(aio_process *p);
AIO_API aio_status aio_process_kill(aio_process *p);
/* The grace period a stop gives between SIGTERM and SIGKILL (0: SIGKILL at once). */
AIO_API aio_status aio_process_set_grace(aio_process *p, aio_time grace);
/* proc.returncode: its exit code (0-255), -signal if a signal ended it, or
 * AIO_EINPROGRESS while its exit has not been awaited. */
AIO_API int aio_process_returncode(const aio_process *p);
/* proc.stdin.close(): close its standard input's pipe (it reads the end). */
AIO_API aio_status aio_process_end_input(aio_process *p);
/* Kill it if it still runs (SIGKILL: this waits the moment a killed process
 * takes to end), reap it, close its pipes and give it back: AIO_OK;
 * AIO_EBUSY while a task awaits it. A closed or zeroed p: AIO_OK. */
AIO_API aio_status aio_process_close(aio_process *p);
/* What AIO_COMMUNICATE feeds and collects: input[0..input_len) is written to
 * the child's standard input (then closed); its output and error go into
 * out[0..out_size) and err[0..err_size) (NULL, 0: read and dropped).
 * out_len and err_len count every byte the child wrote, as snprintf counts:
 * more than the size means the rest was dropped. Zero-initialise it; an
 * await that timed out may be repeated with it, and goes on where it was. */
typedef struct aio_communicate {
    const void *input;
    size_t input_len;
    char *out;
    size_t out_size, out_len;
    char *err;
    size_t err_size, err_len;
    size_t input_done; /* the library's: how much of the input was written */
} aio_communicate;

// >>instruments
/* ------------------------------------------------------------------------ */
/* Instruments: see what happened                                             */
/* ------------------------------------------------------------------------ */

/* A hook on the loop, like Trio's instruments: called with one small record
 * at each thing that matters, in the loop's thread, as it happens. The record
 * is only valid during the call: copy it (aio_recorder does). The hook must
 * not block, and may call no function of this library but aio_trace_name.
 * Compiled in where AIO_INSTRUMENTS is 1 (the default with AIO_DEBUG; define
 * it as 1 for a release build): with no hook set each of these points costs
 * a test. With AIO_INSTRUMENTS 0 they cost nothing, and the hook is never
 * called (the recorder and the text form are there all the same). */
enum {
    AIO_TRACE_NAME,    /* task, other: a label given with aio_trace_name */
    AIO_TRACE_SPAWN,   /* task spawned; other: the task that spawned it */
    AIO_TRACE_STEP,    /* task's step begins */
    AIO_TRACE_STEPPED, /* task's step ends (a suspend or end record comes first) */
    AIO_TRACE_SUSPEND, /* task parks; detail AIO_ON_...; other: what it waits on; value:
                          the descriptor of an I/O wait */
    AIO_TRACE_WAKE,    /* task woken; detail AIO_BY_...; other: the task that woke it */
    AIO_TRACE_CANCEL,  /* cancel requested for task; detail AIO_BY_...; other: the
                          task, block or group that asked (NULL: outside any task) */
    AIO_TRACE_ENTER,   /* task enters block other (detail AIO_BLOCK_...); value: its
                          deadline, (aio_time)value (AIO_NEVER: none) */
    AIO_TRACE_LEAVE,   /* task leaves block other; value: its status */
    AIO_TRACE_FIRE,    /* a deadline fired for task: of block other (AIO_FIRE_BLOCK),
                          or of the await itself (AIO_FIRE_WAIT) */
    AIO_TRACE_CLEANUP, /* task enters a cleanup section; value: the status it unwinds */
    AIO_TRACE_END,     /* task ended; value: its status */
    AIO_TRACE_IDLE,    /* the loop has nothing ready; value: the deadline it waits
                          for, (aio_time)value (AIO_NEVER: none) */
    AIO_TRACE_AWAKE,   /* ... and goes on */
    AIO_TRACE_GROW,    /* timer storage grew; value: the new number of slots */
    AIO_TRACE_FULL     /* timer storage is full: an await gets AIO_ENOSPC */
};
/* A record's detail: what a task parks on, what woke it or asked for a
 * cancel, which kind of block, which deadline fired. */
enum {
    AIO_TRACE_NONE = 0,
    AIO_ON_SLEEP, AIO_ON_TASK, AIO_ON_EVENT, AIO_ON_LOCK, AIO_ON_SEMAPHORE,
    AIO_ON_CONDITION, AIO_ON_QUEUE, AIO_ON_IO, AIO_ON_YIELD, AIO_ON_WAIT, AIO_ON_GATHER,
    AIO_ON_GROUP, AIO_ON_NOTHING,
    AIO_BY_TIMER, AIO_BY_DONE, AIO_BY_SET, AIO_BY_GRANTED, AIO_BY_CANCEL, AIO_BY_IO,
    AIO_BY_CLOSED, AIO_BY_CALL, AIO_BY_DEADLINE, AIO_BY_GROUP, AIO_BY_WAIT_FOR,
    AIO_BY_GATHER, AIO_BY_OWNER, AIO_BY_RUN,
    AIO_BLOCK_TIMEOUT, AIO_BLOCK_SHIELDED, AIO_BLOCK_GROUP,
    AIO_FIRE_BLOCK, AIO_FIRE_WAIT
};
struct aio_trace_record {
    aio_time when;         /* the loop's time */
    const aio_task *task;  /* the task it concerns; NULL: the loop itself */
    const void *other;     /* who or what else, by kind (above) */
    aio_stime value;       /* a status, a deadline, a descriptor or a count, by kind */
    uint8_t kind;          /* AIO_TRACE_... */
    uint8_t detail;        /* AIO_ON_..., AIO_BY_..., AIO_BLOCK_..., AIO_FIRE_... */
};
typedef void (*aio_instrument_fn)(void *ctx, const aio_trace_record *r);

/* Call `fn(ctx, record)` at each of the points above from now on (NULL:
 * stop). Ignored where AIO_INSTRUMENTS is 0. */
AIO_API void aio_loop_set_instrument(aio_loop *loop, aio_instrument_fn fn, void *ctx);
/* Give task t a label in the trace (asyncio's task names): a record of kind
 * AIO_TRACE_NAME on its loop (the running one if t was never spawned). The
 * label is kept as a pointer: a string literal, or one that outlives the
 * trace. Any text but an empty one: the text form escapes what would not
 * read back as one word (`%`, spaces, control characters and bytes beyond
 * ASCII become %XX) and keeps its first 40 characters. */
AIO_API void aio_trace_name(const aio_task *t, const char *label);

/* A ready-made instrument: keeps the last `capacity` records in a ring you
 * give. aio_loop_set_instrument(&loop, aio_recorder_hook, &rec). */
typedef struct aio_recorder {
    aio_trace_record *ring;
    uint32_t capacity;
    uint32_t head;       /* where the oldest record kept is */
    uint32_t count;      /* records kept */
    uint32_t lost;       /* older records written over (stops at 2^32 - 1) */
} aio_recorder;
AIO_API aio_status aio_recorder_init(aio_recorder *r, aio_trace_record *ring, uint32_t capacity);
AIO_API void aio_recorder_hook(void *recorder, const aio_trace_record *record);
/* The i-th record kept, oldest first (NULL beyond aio_recorder_count). */
AIO_API uint32_t aio_recorder_count(const aio_recorder *r);
AIO_API const aio_trace_record *aio_recorder_at(const aio_recorder *r, uint32_t i);
/* The records as text, the input of tools/aio_trace.py (a Perfetto trace
 * and an SVG timeline): a first line `aio-trace 1 ticks_per_sec=N` (and
 * ` time_bits=32` where aio_time is 32 bits wide: the times wrap), then a
 * line per record, `TIME KIND TASK OTHER DETAIL VALUE`, each given to
 * `line(ctx, text)` without its newline. No C library needed (a UART's
 * write will do); aio_trace_fputs writes to a FILE * on hosted builds. */
AIO_API void aio_recorder_dump(const aio_recorder *r, void (*line)(void *ctx, const char *text),
                               void *ctx);
/* One record as such a line in buf[0..size) (truncated, always ended by a
 * zero when size > 0); returns its length. */
AIO_API size_t aio_trace_format(const aio_trace_record *record, char *buf, size_t size);
/* A `line` for aio_recorder_dump: fputs(text) and a newline to the FILE * ctx. */
AIO_API void aio_trace_fputs(void *file, const char *text);

// >>macros
/* ------------------------------------------------------------------------ */
/* Coroutine macros                                                           */
/* ------------------------------------------------------------------------ */

/* AIO_SELF(t, type): the state struct around task `t` (member named `task`). */
#ifdef __cplusplus
/* a type in a template argument cannot be parenthesised */
#define AIO_CONTAINER(ptr, type, member) \
    (reinterpret_cast<type *>(reinterpret_cast<char *>(ptr) - offsetof(type, member))) /* NOLINT(bugprone-macro-parentheses) */
#else
#define AIO_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif
#define AIO_SELF(t, type) AIO_CONTAINER(t, type, task)

/* AIO_BEGIN(t) opens a task body; AIO_BEGIN(t, s) opens an inline coroutine
 * whose state `s` has an `aio_frame frame` member. Nothing between AIO_BEGIN
 * and AIO_END may be a declaration with an initialiser that an await skips. */
#define AIO_BEGIN(...) AIO__EXPAND(AIO__PICK2(__VA_ARGS__, AIO__BEGIN_CALLEE, AIO__BEGIN_TASK, ~))(__VA_ARGS__)

/* The status the coroutine will end with: in AIO_FINALLY, why it is there. */
#define AIO_STATUS(t) (aio__f->rc)

/* Finish with value v (>= 0) or error v (< 0), unwinding open blocks and
 * running AIO_FINALLY. Inside AIO_FINALLY it replaces the status. */
#if AIO__SPEED
/* Where time counts, a frame with no flag (no cleanup running, nothing
 * delivered) and no block open lands on its cleanup section with no test
 * more: the landing aio__landing would compute, set here, and the end of a
 * body with no cleanup section no longer tests what is known. */
#define AIO_RETURN(t, v)                                                       \
    do {                                                                       \
        aio_status aio__v = (v);                                               \
        if (!aio__f->flags && !(t)->scope) {                                   \
            aio__f->rc = aio__v;                                               \
            aio__f->lc = AIO__LC_FINALLY;                                      \
            goto aio__landed;                                                  \
        }                                                                      \
        aio__return_with((t), aio__f, aio__v);                                 \
        goto aio__unwind;                                                      \
    } while (0)
#else
#define AIO_RETURN(t, v)                                                       \
    do {                                                                       \
        AIO__FAST(aio__return_with, aio__set_status)((t), aio__f, (v));        \
        goto aio__unwind;                                                      \
    } while (0)
#endif
#define AIO_RAISE(t, err) AIO_RETURN(t, err)
/* Raise `rc` if it is an error. */
#define AIO_CHECK(t, rc)                                                       \
    do {                                                                       \
        aio_status aio__c = rc; /* (unbracketed: an error points at the call) */ \
        if (aio__c < 0) AIO_RAISE(t, aio__c);                                  \
    } while (0)

/* Cleanup: runs when the body ends, returns, fails or is cancelled. It may
 * await; the cancellation that brought it here is not delivered again, a new
 * one is. */
#define AIO_FINALLY(t)                                                         \
    AIO__FALLTHROUGH;                                                          \
    case AIO__LC_FINALLY:                                                      \
        aio__finally_enter((t), aio__f)

/* (an unknown resume point also lands here: the end reports it) */
#define AIO_END(t)                                                             \
    aio__f->lc = AIO__LC_END;                                                  \
    AIO__FALLTHROUGH;                                                          \
    default:                                                                   \
        break;                                                                 \
        }                                                                      \
        if (0) goto aio__special;                                              \
        if (0) goto aio__unwind;                                               \
        if (0) goto aio__landed;                                               \
        return AIO__FAST(aio__frame_done, aio__frame_end)((t), aio__f)

/* Checkpoint: let every other ready task run, then go on (or unwind). */
#if AIO__SPEED
/* Where time counts, both halves' slow ways end the body's call (the body
 * calls nothing it comes back from, so it saves no register): the first
 * always suspends, the second sets where the body goes on (`next`, or the
 * landing if it was cancelled) and has the loop call the body again at once,
 * in the same step (AIO__T_AGAIN). */
#define AIO_YIELD(t) AIO__YIELD(t, AIO__LABEL, AIO__LABEL)
#define AIO__YIELD(t, n, next) AIO__YIELD_(t, n, next)
#define AIO__YIELD_(t, n, next)                                                \
    do {                                                                       \
        aio__f->lc = AIO__LC(n);                                               \
        if (!aio__plain(t)) AIO__SUSPEND_AFTER(t, aio__yield_start((t), aio__f)); \
        aio__enqueue(t);                                                       \
        AIO__SUSPEND(t);                                                       \
    case (n):                                                                  \
        if (!aio__plain(t)) return aio__yield_again((t), aio__f, AIO__LC(next)); \
        AIO__FALLTHROUGH;                                                      \
    case (next):                                                               \
        AIO__NO_SUSPENSION(t);                                                 \
    } while (0)
#else
#define AIO_YIELD(t)                                                           \
    AIO__AWAIT(t, (void)0, aio__yield_start((t), aio__f), aio__yield_poll((t), aio__f), AIO__LABEL)
#endif
/* Sleep `d` ticks; AIO_SLEEP(t, 0) is a yield. */
#define AIO_SLEEP(t, d) AIO__AWAIT(t, (void)0, aio__sleep_start((t), aio__f, (d), 1), aio__sleep_poll((t), aio__f), AIO__LABEL)
#define AIO_SLEEP_UNTIL(t, when) AIO__AWAIT(t, (void)0, aio__sleep_start((t), aio__f, (when), 0), aio__sleep_poll((t), aio__f), AIO__LABEL)

/* Wait for task `child` to finish; lv = its result or error (AIO_ECANCELED if
 * it was cancelled). If the caller is cancelled meanwhile: a child it spawned
 * is cancelled and waited for, then the caller unwinds; a child it did not
 * spawn is left running (waiting is not owning). */
#define AIO_AWAIT(t, lv, child) AIO__JOIN(t, lv, child, AIO_NEVER, 0, AIO__LABEL)
/* asyncio.wait_for(child, d): like AIO_AWAIT, but after `d` ticks a child the
 * caller spawned is cancelled and waited for, and lv = AIO_ETIMEDOUT (or the
 * value the child returned if it ignored the cancellation, or the error it
 * raised while cleaning up). A child it did not spawn is left running. */
#define AIO_WAIT_FOR(t, lv, child, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__wait_for_start((t), aio__f, (child), (d)), \
               AIO__FAST(aio__join_resume, aio__join_poll)((t), aio__f, (child), 0), AIO__LABEL)

/* Call inline coroutine `fn(t, st)` (`await fn()`): it runs in this task, with
 * this task's cancellation and deadlines, and lv = its result or error. */
#define AIO_CALL(t, lv, fn, st) AIO__CALL(t, lv, fn, st, AIO__LABEL)
/* asyncio.wait_for(fn(), d) without a hidden task: `sc` is the scope storage.
 * With no time left (d == 0, or a deadline already passed) the callee never
 * starts, as in asyncio; a cancellation already due from elsewhere reaches it
 * at its first await, as `async with timeout(d): await fn()` would. */
#define AIO_WAIT_FOR_CALL(t, lv, fn, st, sc, d)                                \
    do {                                                                       \
        AIO_TIMEOUT(t, sc, d) {                                                \
            if (aio__scope_due(sc)) AIO_YIELD(t);                              \
            AIO_CALL(t, lv, fn, st);                                           \
        }                                                                      \
        if (aio_timeout_status(sc) == AIO_ETIMEDOUT) (lv) = AIO_ETIMEDOUT;     \
    } while (0)

/* `async with timeout(d):` / `timeout_at(when)` as a block:
 *     AIO_TIMEOUT(t, &s->to, AIO_MS(300)) { ...awaits... }
 * When the deadline fires, the awaits inside unwind to the end of the block
 * and execution continues after it with aio_timeout_status() == AIO_ETIMEDOUT.
 * AIO_LEAVE leaves the block early. The deadline counts from block entry. */
#define AIO_TIMEOUT(t, sc, d) AIO__SCOPE(t, sc, d, AIO__ENTER_RELATIVE, AIO__LABEL)
#define AIO_TIMEOUT_AT(t, sc, when) AIO__SCOPE(t, sc, when, 0, AIO__LABEL)
/* A shielded block: cancellations from outside (task cancel, outer deadlines,
 * groups) are held back until it ends; only its own deadline `d` (AIO_NEVER
 * for none) applies inside. For cleanup that must not be interrupted. */
#define AIO_SHIELDED(t, sc, d) AIO__SCOPE(t, sc, d, AIO__ENTER_RELATIVE | AIO__ENTER_SHIELD, AIO__LABEL)

/* Leave the block `sc` early: it ends as if its body had, and execution goes
 * on after it (its lock released, its cleanup run). Python's `break` inside
 * `async with` leaves the loop around the block; C's `break` cannot, and
 * would end only the block, so a bare `break` or `continue` directly in a
 * block's body is a finding of `make lint-coroutines`: write this instead.
 * Only directly in the body of the innermost open block `sc`, not inside a
 * loop or switch of yours there (the checker finds that; debug builds say
 * when `sc` is not the innermost open block). */
#define AIO_LEAVE(t, sc)                                                       \
    if (AIO__LEAVING(t, sc)) /* (no else: `if (x) AIO_LEAVE(t, sc);` stays quiet) */ \
    break

/* `async with lock:` as a block: acquire the lock, waiting at most `d` (0:
 * only if it is free now; AIO_NEVER: no limit), run the body, and release the
 * lock however the block is left: its end, AIO_LEAVE, AIO_RETURN / AIO_RAISE
 * inside, an outer block's deadline or a cancel unwinding through it. `sc`
 * (an aio_timeout of the state struct) is the block's storage; after it,
 * aio_timeout_status(sc) is AIO_OK (the body ran) or AIO_ETIMEDOUT (the lock
 * did not come within `d`: the body did not run). `d` bounds the wait for the
 * lock only; put the body's own deadline in an AIO_TIMEOUT inside or around.
 * Do not release the lock yourself inside: the block's end does. `lock` is
 * read once, as the block begins (kept in `sc`): the lock released is the one
 * taken, whatever the body does to what the argument reads (s->locks[s->i]).
 *     AIO_WITH_LOCK(t, &s->held, &s->lock, AIO_SEC(1)) { ...awaits... }
 *     if (aio_timeout_status(&s->held) == AIO_ETIMEDOUT) ...  */
#define AIO_WITH_LOCK(t, sc, lock, d)                                          \
    AIO__HOLD(t, sc, (sc)->held.a_lock = (lock),                               \
              aio__acquire_start((t), aio__f, &(sc)->held.a_lock->waiters, &(sc)->held.a_lock->locked, NULL, (d)), \
              aio__acquire_poll((t), aio__f, &(sc)->held.a_lock->waiters, &(sc)->held.a_lock->locked, NULL), \
              aio_lock_release((sc)->held.a_lock), AIO__LABEL, AIO__LABEL)
/* `async with sem:`: the same with one permit of a semaphore. */
#define AIO_WITH_SEMAPHORE(t, sc, sem, d)                                      \
    AIO__HOLD(t, sc, (sc)->held.a_semaphore = (sem),                           \
              aio__acquire_start((t), aio__f, &(sc)->held.a_semaphore->waiters, &(sc)->held.a_semaphore->value, \
                                 &(sc)->held.a_semaphore->handed, (d)),        \
              aio__acquire_poll((t), aio__f, &(sc)->held.a_semaphore->waiters, &(sc)->held.a_semaphore->value, \
                                &(sc)->held.a_semaphore->handed),              \
              aio_semaphore_release((sc)->held.a_semaphore), AIO__LABEL, AIO__LABEL)
/* `async with cond:`: the same with the condition's lock (AIO_COND_WAIT
 * inside gives it up while it waits and holds it again when it returns or
 * unwinds, so the block's end always has it to release). */
#define AIO_WITH_CONDITION(t, sc, cond, d) AIO_WITH_LOCK(t, sc, (cond)->lock, d)

/* try/finally without a new function: the cleanup runs when the body ends,
 * is left (AIO_LEAVE), raises or returns (AIO_RAISE, AIO_RETURN), or is
 * unwound through by an outer deadline or a cancel; after it, execution goes
 * on after the block if the body ended or was left, else the unwinding goes
 * on outward. `sc` (an aio_timeout) is the block's storage, the same in both
 * halves; a try without its cleanup (or the reverse) does not compile. The
 * two are two statements: under an `if` or a loop, brace them together.
 *     AIO_TRY(t, &s->conn) { ...awaits on s->fd... }
 *     AIO_CLEANUP(t, &s->conn) { aio_close(s->fd); }
 * The cleanup is plain C, run to its end in one step: it cannot await (an
 * await there does not compile: the error names aio_cleanup_cannot_await),
 * nor AIO_RETURN. Cleanup that must await goes in AIO_FINALLY. */
#define AIO_TRY(t, sc) AIO__TRY(t, sc, AIO__LABEL)
#define AIO_CLEANUP(t, sc)                                                     \
    }                                                                          \
    for (int aio__pass = 0;; aio__pass = 1)                                    \
        if (aio__pass) {                                                       \
            if ((sc)->status == AIO__RAISE) goto aio__unwind;                  \
            break;                                                             \
        } else                                                                 \
            AIO__SHADOWING for (const struct aio_cleanup_cannot_await *aio__f = 0; !aio__f && !aio__pass; aio__pass = 1) \
                AIO__SHADOWED

/* asyncio.shield(child): await it, but if the caller is cancelled it stops
 * waiting and leaves the child running (await it again later). */
#define AIO_SHIELD(t, lv, child) AIO__JOIN(t, lv, child, AIO_NEVER, 1, AIO__LABEL)
/* wait_for(shield(child), d): on timeout lv = AIO_ETIMEDOUT, child untouched. */
#define AIO_WAIT_FOR_SHIELD(t, lv, child, d) AIO__JOIN(t, lv, child, d, 1, AIO__LABEL)

/* asyncio.wait(): wait on items[0..n) (set each .task) until `mode` is met or
 * `d` passes; lv = how many are done. Never cancels them; check each with
 * aio_task_done(items[i].task). Like asyncio's, it suspends at least once,
 * even when `mode` is already met, and counts what is done when it resumes. */
#define AIO_WAIT(t, lv, items, n, mode, d)                                     \
    AIO__AWAIT(t, (lv) = aio__r, aio__many_start((t), aio__f, (items), (n), (mode), (d)), \
               aio__many_poll((t), aio__f, (items), (n), (mode)), AIO__LABEL)
/* asyncio.gather(): wait for all; lv = AIO_OK, or the first failure as soon
 * as it happens (the others keep running; a task cancelled by someone else is
 * AIO_ECHILDCANCELED). If the caller is cancelled, the tasks it spawned are
 * cancelled and waited for, then it unwinds. Results: aio_task_result(). */
#define AIO_GATHER(t, lv, items, n)                                            \
    AIO__AWAIT(t, (lv) = aio__r, aio__many_start((t), aio__f, (items), (n), AIO__GATHER, AIO_NEVER), \
               aio__many_poll((t), aio__f, (items), (n), AIO__GATHER), AIO__LABEL)
/* gather(..., return_exceptions=True): wait for all; lv = AIO_OK. */
#define AIO_GATHER_ALL(t, lv, items, n)                                        \
    AIO__AWAIT(t, (lv) = aio__r, aio__many_start((t), aio__f, (items), (n), AIO_ALL_COMPLETED | AIO__GATHER, AIO_NEVER), \
               aio__many_poll((t), aio__f, (items), (n), AIO_ALL_COMPLETED | AIO__GATHER), AIO__LABEL)
/* The next of asyncio.as_completed: lv = the index in the items of the next
 * task to finish (its first index if it is there twice; its result:
 * aio_task_result), or, once the deadline has passed, AIO_ETIMEDOUT for each
 * task that had not finished when that was found (they are not cancelled).
 * A task that has finished already is handed out without suspending. */
#define AIO_NEXT_COMPLETED(t, lv, ac)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__next_completed((t), aio__f, (ac), 1),     \
               aio__next_completed((t), aio__f, (ac), 0), AIO__LABEL)

/* `async with TaskGroup() as g:` as a block. Spawn children with
 * aio_group_spawn(g, ...). The block's end waits for every child. If a child
 * fails, the body and the other children are cancelled, and execution
 * continues after the block with aio_group_status(g) = that error. Children
 * see the deadlines of the blocks around the group. */
#define AIO_GROUP(t, g) AIO__GROUP(t, g, AIO__LABEL, AIO__LABEL)

/* Event.wait() with timeout d: lv = AIO_OK once set, AIO_ETIMEDOUT. */
#define AIO_EVENT_WAIT(t, lv, ev, d)                                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__event_start((t), aio__f, (ev), (d)),     \
               aio__event_poll((t), aio__f, (ev)), AIO__LABEL)
/* Lock.acquire() / Semaphore.acquire() with timeout d: lv = AIO_OK (acquired)
 * or AIO_ETIMEDOUT. A cancelled waiter leaves no trace. */
#define AIO_LOCK_ACQUIRE(t, lv, lock, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__acquire_start((t), aio__f, &(lock)->waiters, &(lock)->locked, NULL, (d)), \
               aio__acquire_poll((t), aio__f, &(lock)->waiters, &(lock)->locked, NULL), AIO__LABEL)
#define AIO_SEMAPHORE_ACQUIRE(t, lv, sem, d)                                   \
    AIO__AWAIT(t, (lv) = aio__r, aio__acquire_start((t), aio__f, &(sem)->waiters, &(sem)->value, &(sem)->handed, (d)), \
               aio__acquire_poll((t), aio__f, &(sem)->waiters, &(sem)->value, &(sem)->handed), AIO__LABEL)
/* Condition.wait() with timeout d, the lock held: lv = AIO_OK (notified) or
 * AIO_ETIMEDOUT. The lock is held again whenever this returns or unwinds. */
#define AIO_COND_WAIT(t, lv, cond, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__cond_start((t), aio__f, (cond), (d), 1),  \
               aio__cond_poll((t), aio__f, (cond)), AIO__LABEL)
/* Condition.wait_for(pred) with one overall timeout d for all its waits:
 * lv = AIO_OK once `pred` holds, AIO_ETIMEDOUT (pred not evaluated again). */
/* await queue.put(*item) with timeout d: lv = AIO_OK, AIO_ETIMEDOUT,
 * AIO_ESHUTDOWN or AIO_ENOSPC (maxsize 0, the storage is full). The item is
 * copied when the put completes: keep it in the state struct meanwhile. */
#define AIO_QUEUE_PUT(t, lv, q, item, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__queue_put_start((t), aio__f, (q), (item), (d)), \
               aio__queue_put_poll((t), aio__f, (q), (item)), AIO__LABEL)
/* *out = await queue.get() with timeout d: lv = AIO_OK, AIO_ETIMEDOUT or
 * AIO_ESHUTDOWN (shut down and empty). */
#define AIO_QUEUE_GET(t, lv, q, out, d)                                        \
    AIO__AWAIT(t, (lv) = aio__r, aio__queue_get_start((t), aio__f, (q), (out), (d)), \
               aio__queue_get_poll((t), aio__f, (q), (out)), AIO__LABEL)
/* await queue.join() with timeout d: lv = AIO_OK once every item put has
 * been marked done (aio_queue_task_done), or AIO_ETIMEDOUT. */
#define AIO_QUEUE_JOIN(t, lv, q, d)                                            \
    AIO__AWAIT(t, (lv) = aio__r, aio__queue_join_start((t), aio__f, (q), (d)),  \
               aio__queue_join_poll((t), aio__f, (q)), AIO__LABEL)
#define AIO_COND_WAIT_FOR(t, lv, cond, pred, d)                                \
    do {                                                                       \
        aio__own_deadline((t), (d));                                           \
        (lv) = AIO_OK;                                                         \
        while ((lv) == AIO_OK && !(pred))                                      \
            AIO__AWAIT(t, (lv) = aio__r, aio__cond_start((t), aio__f, (cond), (t)->until, 0), \
                       aio__cond_poll((t), aio__f, (cond)), AIO__LABEL);      \
    } while (0)

/* Wait until `fd` is readable (writable), at most `d`: lv = AIO_OK,
 * AIO_ETIMEDOUT, AIO_EBUSY (another task already waits on fd that way),
 * AIO_EBADF (not a descriptor that can be waited on), or AIO_ECLOSED. It
 * asks the system to watch fd again (a number closed with close() and
 * opened anew works), except after a receive, send or accept found that
 * way dry with no report since: it then trusts the watch as they do. */
#define AIO_WAIT_READABLE(t, lv, fd, d) AIO__IO(t, lv, AIO__IO_READABLE, fd, NULL, 0, d)
#define AIO_WAIT_WRITABLE(t, lv, fd, d) AIO__IO(t, lv, AIO__IO_WRITABLE, fd, NULL, 0, d)
/* Sockets (POSIX, Windows). No await blocks the loop whatever the
 * descriptor's mode: a receive or send is non-blocking call by call (the mode
 * is left alone; on Windows, which cannot do that, the socket is made
 * non-blocking), an accept makes its listener non-blocking first
 * (docs/behaviour.md).
 * sock.accept(): lv = the new connection's descriptor (non-blocking,
 * close-on-exec, TCP_NODELAY) or an error. Out of descriptors (EMFILE,
 * ENFILE) or of the system's buffers (ENOBUFS, ENOMEM) it does not fail: as
 * asyncio's server does, it stops watching the listener and tries again each
 * AIO_ACCEPT_RETRY_DELAY (1 s) within d, the loop serving everything else
 * meanwhile; the connection waits in the listener's backlog. */
#define AIO_ACCEPT(t, lv, listen_fd, d) AIO__IO(t, lv, AIO__IO_ACCEPT, listen_fd, NULL, 0, d)
/* server.wait_closed() with timeout d (aio_server): wait until the server
 * is closed and every handler has ended; lv = how many handlers a shutdown
 * cancelled (0: none), the error that stopped its accepts (AIO_EBADF,
 * AIO_EINVAL: not a listener), or AIO_ETIMEDOUT (it still serves). The
 * server is left alone when the wait ends. */
#define AIO_SERVER_WAIT_CLOSED(t, lv, srv, d) AIO_WAIT_FOR_SHIELD(t, lv, &(srv)->task, d)
/* A graceful stop (aio_server_shutdown(srv, grace)) awaited to its end: lv as
 * AIO_SERVER_WAIT_CLOSED's, or the shutdown's refusal. */
#define AIO_SERVER_SHUTDOWN(t, lv, srv, grace)                                 \
    do {                                                                       \
        (lv) = aio_server_shutdown((srv), (grace));                            \
        if ((lv) == AIO_OK) AIO_SERVER_WAIT_CLOSED(t, lv, srv, AIO_NEVER);     \
    } while (0)
/* sock.recv(len) into buf[0..len): lv = the bytes received (what is there,
 * 1..len), 0 at the end of the stream, or an error (AIO_ECONNRESET, ...).
 * Cancelled or timed out, it has received nothing: the data stays for the
 * next receive. */
#define AIO_RECV(t, lv, fd, buf, len, d) AIO__IO(t, lv, AIO__IO_RECV, fd, buf, len, d)
/* sock.sendall(buf[0..len)): lv = AIO_OK once all of it was sent, or an
 * error (AIO_ECONNRESET once the peer is gone; no SIGPIPE). On a timeout, a
 * cancellation or an error part of it may have been sent: aio_bytes_sent(t)
 * says how much. */
#define AIO_SEND_ALL(t, lv, fd, buf, len, d) AIO__IO(t, lv, AIO__IO_SEND, fd, buf, len, d)
/* A TCP connection to `host` (a name, or a numeric IPv4 or IPv6 address)
 * and `port`: lv = its descriptor (non-blocking, TCP_NODELAY) or an error
 * (AIO_ECONNREFUSED, AIO_ENOTFOUND, AIO_ETIMEDOUT, AIO_EINVAL for a bad
 * port). A name is looked up off the loop (AIO_LOOKUP), within d; then its
 * addresses are tried Happy Eyeballs' way: one, and the next each
 * AIO_HAPPY_EYEBALLS_DELAY (or at once after a failure), the first connected
 * winning. A connect that times out or is cancelled closes every socket it
 * opened. With AIO_NO_THREADS a name needs aio_set_lookup. */
#define AIO_TCP_CONNECT(t, lv, host, port, d)                                  \
    AIO__AWAIT(t, (lv) = aio__r, aio__connect_start((t), aio__f, (host), (port), (d)), \
               aio__connect_poll((t), aio__f), AIO__LABEL)

/* await open_unix_connection(path) within d: lv = the connection's
 * descriptor (non-blocking), or AIO_ENOTFOUND (no socket at path),
 * AIO_ECONNREFUSED (nobody listens there), AIO_ETIMEDOUT, AIO_EINVAL (as
 * aio_unix_listen's). A listener whose queue is full is asked again at
 * doubling intervals from 1 ms to 64 ms, until d. path is read at the start
 * only. */
#define AIO_UNIX_CONNECT(t, lv, path, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__unix_connect_start((t), aio__f, (path), (d)), \
               aio__unix_connect_poll((t), aio__f), AIO__LABEL)

/* Streams (aio_stream): each read waits at most d and gives lv = a length,
 * the bytes at aio_stream_data(s), or a status (AIO_ETIMEDOUT, an I/O error,
 * ...); nothing is taken unless it succeeds.
 * reader.readline(): the line with its '\n'; at the end of the stream what
 * is left without one, then 0; AIO_ELIMIT if the buffer fills first (a
 * growing stream's: once the line passes its limit). */
#define AIO_READ_LINE(t, lv, s, d) AIO__STREAM(t, lv, s, AIO__READ_LINE, NULL, 0, d)
/* reader.readuntil(sep): up to and with sep[0..seplen); AIO_EINCOMPLETE if
 * the stream ends first (the partial data stays buffered), AIO_ELIMIT;
 * AIO_EINVAL for seplen 0 (readuntil(b'') is a ValueError). The separator
 * is not copied (it may be as long as the buffer): it is read each time the
 * read resumes, so keep it where it lives until the read ends (a string
 * literal, the task's state; never a local). */
#define AIO_READ_UNTIL(t, lv, s, sep, seplen, d) AIO__STREAM(t, lv, s, AIO__READ_UNTIL, sep, seplen, d)
/* reader.readexactly(n): n bytes (n at most the buffer's size, or a growing
 * stream's limit);
 * AIO_EINCOMPLETE if the stream ends first. n = 0: 0 at once, at the end
 * too (still a checkpoint). */
#define AIO_READ_EXACTLY(t, lv, s, n, d) AIO__STREAM(t, lv, s, AIO__READ_EXACTLY, NULL, n, d)
/* reader.read(n), n the buffer's size (a growing stream's as it is now):
 * what is buffered, else what one receive brings; 0 at the end. (asyncio's
 * read() with no n reads to the end: call this until it gives 0.) */
#define AIO_READ_SOME(t, lv, s, d) AIO__STREAM(t, lv, s, AIO__READ_SOME, NULL, 0, d)
/* writer.write(buf) then drain(), within d: lv = AIO_OK once the stream's
 * transport took every byte of buf[0..len), or AIO_ETIMEDOUT, AIO_ECANCELED,
 * an I/O error; aio_bytes_sent(t) says how many it took (all, or part).
 * buf is read each time the write resumes: keep it where it lives until the
 * write ends. One task at a time writes (AIO_EBUSY); a read may wait meanwhile. */
#define AIO_STREAM_WRITE(t, lv, s, buf, len, d)                                \
    AIO__AWAIT(t, (lv) = aio__r, aio__stream_write_start((t), aio__f, (s), (buf), (len), (d)), \
               aio__stream_write_poll((t), aio__f, (s), (buf), (len)), AIO__LABEL)

/* await writer.drain(), within d: lv = AIO_OK at once if the stream's write
 * buffer (aio_stream_write) is not over its high-water mark, else once it
 * is back at its low one; AIO_ETIMEDOUT, AIO_ECANCELED, AIO_ECLOSED, or the
 * error its background send met. */
#define AIO_DRAIN(t, lv, s, d)                                                 \
    AIO__AWAIT(t, (lv) = aio__r, aio__drain_start((t), aio__f, (s), (d), 0),   \
               aio__drain_poll((t), aio__f, (s), 0), AIO__LABEL)
/* writer.close() then await writer.wait_closed(), within d: what the write
 * buffer holds is sent, then the stream's socket is closed (aio_close: the
 * stream reads and writes no more; aio_stream_free gives its buffer back).
 * lv = AIO_OK; or, what was not sent dropped and the socket closed all the
 * same, AIO_ETIMEDOUT, AIO_ECANCELED (raised), the send's error. On TLS,
 * AIO_TLS_SHUTDOWN after AIO_DRAIN sends the close_notify first. A server's
 * handler may close its connection so (its goodbye sent): the server then
 * closes nothing; a handler that just ends has its buffer dropped. */
#define AIO_STREAM_CLOSE(t, lv, s, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__drain_start((t), aio__f, (s), (d), 1),   \
               aio__drain_poll((t), aio__f, (s), 1), AIO__LABEL)

/* await asyncio.to_thread(fn, data) with timeout d: fn(copy of data[0..size))
 * on a worker thread; lv = what fn returned (its copy copied back into data),
 * AIO_ETIMEDOUT or AIO_ECANCELED (the call given up: data untouched), or an
 * error (AIO_EIO: no thread could start). See "who owns what" above. */
#define AIO_TO_THREAD(t, lv, fn, data, size, d)                                \
    AIO__AWAIT(t, (lv) = aio__r, aio__thread_start((t), aio__f, (fn), (data), (size), (d)), \
               aio__thread_poll((t), aio__f, (data), (size)), AIO__LABEL)
/* await loop.getaddrinfo(host, port) with timeout d, off the loop: lv = how
 * many addresses were put in addrs[0..max) (>= 1; IPv6 and IPv4 interleaved
 * over the whole answer, the system's first choice first, then the first
 * max kept), AIO_ENOTFOUND, AIO_ETIMEDOUT, ... A
 * numeric host needs no thread. Given up, its answer is dropped when it comes. */
#define AIO_LOOKUP(t, lv, host, port, addrs, max, d)                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__lookup_start((t), aio__f, (host), (port), (addrs), (max), (d)), \
               aio__lookup_poll((t), aio__f, (addrs), (max)), AIO__LABEL)
/* await proc.wait() with timeout d: lv = its exit code (0-255),
 * AIO_ESIGNALED (a signal ended it: aio_process_returncode says which),
 * AIO_ETIMEDOUT (it still runs), AIO_ECANCELED once a cancellation stopped
 * it (SIGTERM, its grace, SIGKILL: see "Child processes"). Again after its
 * exit: the same at once. */
#define AIO_PROCESS_WAIT(t, lv, p, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__process_start((t), aio__f, (p), NULL, 0, (d)), \
               aio__process_poll((t), aio__f, (p), NULL, 0), AIO__LABEL)
/* Trio's way to stop it: SIGTERM, SIGKILL after `grace` (or at once on a new
 * cancellation), then reaped: lv as AIO_PROCESS_WAIT's. For cleanup
 * sections: a cancellation does not cut it short. */
#define AIO_PROCESS_STOP(t, lv, p, grace)                                      \
    AIO__AWAIT(t, (lv) = aio__r, aio__process_start((t), aio__f, (p), NULL, 1, (grace)), \
               aio__process_poll((t), aio__f, (p), NULL, 1), AIO__LABEL)
/* await proc.communicate(input) with timeout d over *io (aio_communicate):
 * the input written, the output and error read to their end, the exit
 * awaited: lv as AIO_PROCESS_WAIT's. Timed out, the child runs on and *io
 * keeps what was done; cancelled, the child is stopped. */
#define AIO_COMMUNICATE(t, lv, p, io, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__process_start((t), aio__f, (p), (io), 0, (d)), \
               aio__process_poll((t), aio__f, (p), (io), 0), AIO__LABEL)
/* Datagrams (aio_udp_open), each a checkpoint with a deadline like the others.
 * sock.recvfrom(len) into buf[0..len) (len > 0): lv = the datagram's length
 * (0 for an empty datagram: no end of stream here; a longer datagram is cut
 * to len, its rest lost, as the system does), *from = its sender (from may be
 * NULL), or AIO_ETIMEDOUT or an error. Cancelled or timed out, it has
 * received nothing: the datagram stays for the next receive. */
#define AIO_RECV_FROM(t, lv, fd, buf, len, from, d) AIO__DGRAM(t, lv, AIO__DGRAM_RECV, fd, buf, len, from, d)
/* sock.sendto(buf[0..len), *to): lv = AIO_OK once the datagram was sent
 * (whole: it never goes in parts; a full send buffer is waited out),
 * AIO_EINVAL for a NULL address, one aio_address_set did not fill, or one of
 * the other family than the socket's, or an error. A port nobody
 * listens on may be reported, by an ICMP message, as AIO_ECONNREFUSED to a
 * later receive or send on the socket (Windows: on any UDP socket; Linux:
 * on a connected one), which stays usable. */
#define AIO_SEND_TO(t, lv, fd, buf, len, to, d) AIO__DGRAM(t, lv, AIO__DGRAM_SEND, fd, buf, len, to, d)

// >>internals
/* ------------------------------------------------------------------------ */
/* Internals used by the macros                                               */
/* ------------------------------------------------------------------------ */

/* Two markers below every status, whatever the width of int (16 bits on AVR
 * and MSP430). */
#define AIO__SUSPENDED INT_MIN
#define AIO__RAISE (INT_MIN + 1)
#define AIO__LC_LAST 0xfffdu    /* (the largest an await may have) */
#define AIO__LC_FINALLY 0xfffeu
#define AIO__LC_END 0xffffu
/* Resume point n, refused at compile time if the frame cannot hold it. */
#define AIO__LC(n) ((void)sizeof(char[(n) <= AIO__LC_LAST ? 1 : -1]), (n))

#define AIO__PICK2(a, b, name, ...) name
/* (MSVC's traditional preprocessor passes __VA_ARGS__ on as one argument;
 * expanding the selection once more splits it, on every preprocessor) */
#define AIO__EXPAND(x) x
#if defined(__COUNTER__)
#define AIO__LABEL (__COUNTER__ + 1u)
#else /* two awaits on one line would collide: the compiler rejects it */
#define AIO__LABEL ((uint32_t)__LINE__)
#endif

#if defined(__cplusplus) && __cplusplus >= 201703L
#define AIO__FALLTHROUGH [[fallthrough]]
#elif defined(__GNUC__) && __GNUC__ >= 7 || defined(__clang__)
#define AIO__FALLTHROUGH __attribute__((fallthrough))
#else
#define AIO__FALLTHROUGH ((void)0)
#endif

#define AIO__BEGIN_TASK(t) AIO__BEGIN_FRAME(t, &(t)->frame)
#define AIO__BEGIN_CALLEE(t, s) AIO__BEGIN_FRAME(t, &(s)->frame)
#define AIO__BEGIN_FRAME(t, fr)                                                \
    aio_frame *const aio__f = (fr);                                            \
    aio_status aio__r = AIO_OK; /* what the last await returned */             \
    if (0) {                                                                   \
    aio__special: /* an await suspended, or must unwind */                     \
        if (aio__r == AIO__SUSPENDED) AIO__SUSPEND(t);                         \
        AIO__NO_SUSPENSION(t);                                                 \
    aio__unwind:                                                               \
        aio__f->lc = AIO__U16(AIO__FAST(aio__landing, aio__unwind_target)((t), aio__f)); \
    aio__landed: /* (AIO_RETURN's short way: the landing set) */               \
        (void)0;                                                               \
    }                                                                          \
    switch (aio__f->lc) {                                                      \
    case 0:

/* Debug builds count the awaits a task passes without suspending, and name
 * a task that passes very many: an await that fails or completes at once,
 * in a loop, keeps every other task waiting (asyncio's debug mode warns of a
 * step that holds the loop too long). */
#ifdef AIO_DEBUG
#define AIO__SUSPEND(t) return aio__suspended(t)
#define AIO__SUSPEND_AFTER(t, call) do { (void)(call); return aio__suspended(t); } while (0)
#define AIO__NO_SUSPENSION(t) aio__not_suspended(t)
#else
#define AIO__SUSPEND(t) return AIO__SUSPENDED
#define AIO__SUSPEND_AFTER(t, call) return (call) /* (a call that always suspends) */
#define AIO__NO_SUSPENSION(t) ((void)0)
#endif

/* The instruments' points: one test of the loop's hook each. AIO__WAITS_ON
 * says what a task about to park waits on (told once the park succeeds),
 * AIO__CAUSE who or what makes the next wake-up or cancel (stores, cheaper
 * than a test). */
#if AIO_INSTRUMENTS
#define AIO__TRACE(L, kind, t, other, detail, value)                           \
    do {                                                                       \
        if ((L)->trace) (L)->trace((L), (kind), (t), (other), (detail), (value)); \
    } while (0)
#define AIO__WAITS_ON(L, on, obj, value)                                       \
    do {                                                                       \
        (L)->trace_on = (uint8_t)(on);                                         \
        (L)->trace_obj = (obj);                                                \
        (L)->trace_value = (value);                                            \
    } while (0)
#define AIO__CAUSE(L, by, why)                                                 \
    do {                                                                       \
        (L)->trace_by = (by);                                                  \
        (L)->trace_why = (uint8_t)(why);                                       \
    } while (0)
#else
#define AIO__TRACE(L, kind, t, other, detail, value) ((void)0)
#define AIO__WAITS_ON(L, on, obj, value) ((void)0)
#define AIO__CAUSE(L, by, why) ((void)0)
#endif

/* An await in two steps: `start` on arrival, `poll` on each resumption. They
 * return AIO__SUSPENDED (parked), AIO__RAISE (the frame's status is set: unwind)
 * or the awaited value, which `store` (a statement using aio__r) keeps. */
#define AIO__AWAIT(t, store, start, poll, n) AIO__AWAIT_(t, store, start, poll, n)
#define AIO__AWAIT_(t, store, start, poll, n)                                  \
    do {                                                                       \
        aio__f->lc = AIO__LC(n);                                               \
        aio__r = (start);                                                      \
        if (0) {                                                               \
        case (n):                                                              \
            aio__r = (poll);                                                   \
        }                                                                      \
        if (aio__r <= AIO__RAISE) goto aio__special; /* (one test for both) */ \
        AIO__NO_SUSPENSION(t);                                                 \
        store;                                                                 \
    } while (0)

#define AIO__JOIN(t, lv, child, d, shield, n)                                  \
    AIO__AWAIT(t, (lv) = aio__r,                                               \
               AIO__FAST(aio__join_begin, aio__join_start)((t), aio__f, (child), (d), (shield)), \
               AIO__FAST(aio__join_resume, aio__join_poll)((t), aio__f, (child), (shield)), n)
#define AIO__GATHER 8 /* mode flag: gather rather than wait */
enum { AIO__IO_READABLE, AIO__IO_WRITABLE, AIO__IO_ACCEPT, AIO__IO_RECV, AIO__IO_SEND,
       AIO__IO_CONNECT };
enum { AIO__READ_LINE, AIO__READ_UNTIL, AIO__READ_EXACTLY, AIO__READ_SOME };
#define AIO__STREAM(t, lv, s, kind, sep, n, d)                                 \
    AIO__AWAIT(t, (lv) = aio__r, aio__stream_start((t), aio__f, (s), (kind), (sep), (n), (d)), \
               aio__stream_poll((t), aio__f, (s)), AIO__LABEL)
#define AIO__IO(t, lv, op, fd, buf, len, d)                                    \
    AIO__AWAIT(t, (lv) = aio__r, aio__io_start((t), aio__f, (op), (fd), (buf), (len), (d)), \
               aio__io_poll((t), aio__f, (op), (buf), (len)), AIO__LABEL)
enum { AIO__DGRAM_RECV, AIO__DGRAM_SEND }; /* (the way each waits: readable, writable) */
#define AIO__DGRAM(t, lv, op, fd, buf, len, addr, d)                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__dgram_start((t), aio__f, (op), (fd), (buf), (len), (addr), (d)), \
               aio__dgram_poll((t), aio__f, (op), (buf), (len), (addr)), AIO__LABEL)

#define AIO__GROUP(t, g, n, nj) AIO__GROUP_(t, g, n, nj)
#define AIO__GROUP_(t, g, n, nj)                                               \
    if (aio__group_enter((t), aio__f, (g), AIO__LC(n)) != AIO_OK)              \
        goto aio__unwind;                                                      \
    else                                                                       \
        for (; aio__group_next(g);)                                            \
            if (aio__group_joining(g)) {                                       \
                AIO__AWAIT(t, (void)0, aio__group_join((t), (g)),              \
                           aio__group_join((t), (g)), nj);                     \
                if (aio__group_exit((t), aio__f, (g))) goto aio__unwind;       \
            } else                                                             \
                for (; aio__scope_inner(&(g)->scope);)                         \
                    if (0) {                                                   \
                    case (n):                                                  \
                        aio__group_land((t), aio__f, (g));                     \
                        break;                                                 \
                    } else

#define AIO__CALL(t, lv, fn, st, n) AIO__CALL_(t, lv, fn, st, n)
#define AIO__CALL_(t, lv, fn, st, n)                                           \
    do {                                                                       \
        aio__frame_init(&(st)->frame);                                         \
        aio__f->lc = AIO__LC(n);                                               \
        AIO__FALLTHROUGH;                                                      \
    case (n): {                                                                \
        aio__f->flags |= AIO__F_CALLING;                                       \
        aio__r = (fn)((t), (st));                                              \
        aio__f->flags &= AIO__U8(~AIO__F_CALLING);                             \
        if (aio__r == AIO__SUSPENDED) goto aio__special;                       \
        AIO__NO_SUSPENSION(t);                                                 \
        if (aio__call_unwinds((t), aio__f, &(st)->frame, aio__r)) goto aio__unwind; \
        (lv) = aio__r;                                                         \
    }                                                                          \
    } while (0)

/* How a block is entered (aio__scope_enter's `how`): d relative to now (else
 * an instant), outer cancellations kept out, a task group's block. */
#define AIO__ENTER_RELATIVE 1
#define AIO__ENTER_SHIELD 2
#define AIO__ENTER_GROUP 4
#define AIO__SCOPE(t, sc, d, how, n) AIO__SCOPE_(t, sc, d, how, n)
#define AIO__SCOPE_(t, sc, d, how, n)                                          \
    if (aio__scope_enter((t), aio__f, (sc), (d), (how), AIO__LC(n)) != AIO_OK) \
        goto aio__unwind;                                                      \
    else                                                                       \
        for (; aio__scope_outer(sc);)                                          \
            for (; aio__scope_inner(sc);)                                      \
                if (0) {                                                       \
                case (n):                                                      \
                    if (aio__scope_land(sc)) break;                            \
                    goto aio__unwind;                                          \
                } else

/* A block that holds something (AIO_WITH_LOCK, ...): `keep` stores what it
 * holds in sc->held, its argument evaluated once (a body that changes what
 * the argument reads still has the one it took released); the acquire is an
 * await (`start`, `poll`, resume point n, both reading sc->held) in a loop
 * of its own that goes round while sc is idle; then a scope with no
 * deadline, whose end and landing (m) run `release` once it has closed. A
 * timed-out acquire leaves sc closed with that status, and the body is not
 * run. (aio__r is assigned on every way to the loop's test, as after any
 * resume: `make lint-coroutines` follows the loop round.) */
#define AIO__HOLD(t, sc, keep, start, poll, release, n, m) AIO__HOLD_(t, sc, keep, start, poll, release, n, m)
#define AIO__HOLD_(t, sc, keep, start, poll, release, n, m)                    \
    if (aio__hold_check((t), aio__f, (sc)) != AIO_OK)                          \
        goto aio__unwind;                                                      \
    else                                                                       \
        for (aio__f->lc = AIO__LC(n), (void)(keep), aio__r = (start); aio__hold_pending(sc);) \
            if (aio__r <= AIO__RAISE)                                          \
                goto aio__special;                                             \
            else if (0) {                                                      \
            case (n):                                                          \
                aio__r = (poll);                                               \
            } else if ((AIO__NO_SUSPENSION(t), aio__hold_enter((t), aio__f, (sc), aio__r, AIO__LC(m))) != AIO_OK) \
                (void)0; /* timed out: sc is closed */                         \
            else                                                               \
                for (; (aio__r = AIO_OK, aio__scope_outer(sc)) || ((void)(release), 0);) \
                    for (; aio__scope_inner(sc);)                              \
                        if (0) {                                               \
                        case (m):                                              \
                            if (aio__scope_land(sc)) break;                    \
                            (void)(release);                                   \
                            goto aio__unwind;                                  \
                        } else

/* AIO_TRY: a scope with no deadline whose landing marks it unwound (its
 * status AIO__RAISE) and leaves the loops, closed; AIO_CLEANUP's second pass
 * goes on unwinding if so. The brace AIO_TRY opens, AIO_CLEANUP closes. */
#define AIO__TRY(t, sc, n) AIO__TRY_(t, sc, n)
#define AIO__TRY_(t, sc, n)                                                    \
    {                                                                          \
        if (aio__scope_enter((t), aio__f, (sc), AIO_NEVER, AIO__ENTER_RELATIVE, AIO__LC(n)) != AIO_OK) \
            goto aio__unwind;                                                  \
        else                                                                   \
            for (; aio__try_outer(sc);)                                        \
                for (; aio__scope_inner(sc);)                                  \
                    if (0) {                                                   \
                    case (n):                                                  \
                        aio__try_land(sc);                                     \
                        break;                                                 \
                    } else

/* (declared here: a `for` may not declare a struct; an await inside a
 * cleanup meets it as the type of aio__f, undefined, and fails to compile;
 * that aio__f hides the coroutine's on purpose: -Wshadow is told so) */
struct aio_cleanup_cannot_await;
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 10) /* (older gcc misplace it) */
#define AIO__SHADOWING _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wshadow\"")
#define AIO__SHADOWED _Pragma("GCC diagnostic pop")
#else
#define AIO__SHADOWING
#define AIO__SHADOWED
#endif

#ifdef AIO_DEBUG
#define AIO__LEAVING(t, sc) aio__leaving((t), (sc))
#else
#define AIO__LEAVING(t, sc) ((void)(t), (void)(sc), 1)
#endif

AIO_API void aio__frame_init(aio_frame *f);
AIO_API uint32_t aio__unwind_target(aio_task *t, aio_frame *f);
AIO_API void aio__set_status(aio_task *t, aio_frame *f, aio_status rc);
AIO_API void aio__finally_enter(aio_task *t, aio_frame *f);
AIO_API aio_status aio__frame_end(aio_task *t, aio_frame *f);
AIO_API aio_status aio__sleep_start(aio_task *t, aio_frame *f, aio_time d, int relative);
AIO_API aio_status aio__sleep_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__yield_start(aio_task *t, aio_frame *f);
AIO_API aio_status aio__yield_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__yield_again(aio_task *t, aio_frame *f, unsigned next);
AIO_API aio_status aio__join_start(aio_task *t, aio_frame *f, aio_task *child, aio_time d,
                                   int shield);
AIO_API aio_status aio__join_poll(aio_task *t, aio_frame *f, aio_task *child, int shield);
AIO_API aio_status aio__wait_for_start(aio_task *t, aio_frame *f, aio_task *child, aio_time d);
AIO_API aio_status aio__many_start(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                   int mode, aio_time d);
AIO_API aio_status aio__many_poll(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                  int mode);
AIO_API aio_status aio__next_completed(aio_task *t, aio_frame *f, aio_as_completed *ac,
                                       int arriving);
AIO_API aio_status aio__group_enter(aio_task *t, aio_frame *f, aio_group *g, uint32_t landing);
AIO_API int aio__group_next(aio_group *g);
AIO_API int aio__group_joining(const aio_group *g);
AIO_API aio_status aio__group_join(aio_task *t, aio_group *g);
AIO_API int aio__group_exit(aio_task *t, aio_frame *f, aio_group *g);
AIO_API void aio__group_land(aio_task *t, aio_frame *f, aio_group *g);
AIO_API aio_status aio__event_start(aio_task *t, aio_frame *f, aio_event *ev, aio_time d);
AIO_API aio_status aio__event_poll(aio_task *t, aio_frame *f, aio_event *ev);
AIO_API aio_status aio__acquire_start(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                      int *handed, aio_time d);
AIO_API aio_status aio__acquire_poll(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                     int *handed);
AIO_API aio_status aio__cond_start(aio_task *t, aio_frame *f, aio_condition *c, aio_time d,
                                   int relative);
AIO_API aio_status aio__cond_poll(aio_task *t, aio_frame *f, aio_condition *c);
AIO_API aio_status aio__queue_put_start(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d);
AIO_API aio_status aio__queue_put_poll(aio_task *t, aio_frame *f, aio_queue *q, const void *item);
AIO_API aio_status aio__queue_get_start(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d);
AIO_API aio_status aio__queue_get_poll(aio_task *t, aio_frame *f, aio_queue *q, void *out);
AIO_API aio_status aio__queue_join_start(aio_task *t, aio_frame *f, aio_queue *q, aio_time d);
AIO_API aio_status aio__queue_join_poll(aio_task *t, aio_frame *f, aio_queue *q);
AIO_API aio_status aio__io_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                size_t len, aio_time d);
AIO_API aio_status aio__io_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len);
AIO_API aio_status aio__stream_start(aio_task *t, aio_frame *f, aio_stream *s, int kind, const void *sep,
                                     size_t n, aio_time d);
AIO_API aio_status aio__stream_poll(aio_task *t, aio_frame *f, aio_stream *s);
AIO_API aio_status aio__stream_write_start(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len,
                                           aio_time d);
AIO_API aio_status aio__stream_write_poll(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len);
AIO_API aio_status aio__drain_start(aio_task *t, aio_frame *f, aio_stream *s, aio_time d, int closing);
AIO_API aio_status aio__drain_poll(aio_task *t, aio_frame *f, aio_stream *s, int closing);
AIO_API aio_status aio__dgram_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                    size_t len, const aio_address *addr, aio_time d);
AIO_API aio_status aio__dgram_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                   const aio_address *addr);
AIO_API aio_status aio__connect_start(aio_task *t, aio_frame *f, const char *host, int port,
                                      aio_time d);
AIO_API aio_status aio__connect_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d);
AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__thread_start(aio_task *t, aio_frame *f, aio_thread_fn fn, void *data, size_t size,
                                     aio_time d);
AIO_API aio_status aio__thread_poll(aio_task *t, aio_frame *f, void *data, size_t size);
AIO_API aio_status aio__lookup_start(aio_task *t, aio_frame *f, const char *host, int port, aio_address *addrs,
                                     int max, aio_time d);
AIO_API aio_status aio__lookup_poll(aio_task *t, aio_frame *f, aio_address *addrs, int max);
AIO_API aio_status aio__process_start(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop,
                                      aio_time d);
AIO_API aio_status aio__process_poll(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop);
AIO_API void aio__own_deadline(aio_task *t, aio_time d);
AIO_API int aio__call_unwinds(aio_task *t, aio_frame *f, const aio_frame *callee,
                              aio_status rc);
AIO_API aio_status aio__scope_enter(aio_task *t, aio_frame *f, aio_timeout *sc, aio_time d,
                                    int how, uint32_t landing);
AIO_API int aio__scope_outer(aio_timeout *sc);
AIO_API int aio__scope_inner(aio_timeout *sc);
AIO_API int aio__scope_land(aio_timeout *sc);
/* (loop->joiners, set by aio__join: what a task's end, or a cancellation
 * of a task awaiting what it owns, does through it) */
AIO_API void aio__joined(aio_task *t);
AIO_API int aio__scope_due(const aio_timeout *sc);
AIO_API aio_status aio__hold_check(aio_task *t, aio_frame *f, aio_timeout *sc);
AIO_API int aio__leaving(aio_task *t, const aio_timeout *sc);
AIO_API aio_status aio__suspended(aio_task *t);
AIO_API void aio__not_suspended(aio_task *t);

// >>fast-paths
/* ------------------------------------------------------------------------ */
/* The awaits' fast paths                                                     */
/* ------------------------------------------------------------------------ */

/* Inline in the task's body, so that the common await costs a test instead
 * of a call: a task with no open block and no cancellation requested or
 * delivered has nothing to check, and anything else takes the full path.
 * The task states and flags and the list primitives they use come first. */

enum { /* task states */
    AIO__NEW = 0,   /* never spawned */
    AIO__READY,     /* in the ready queue */
    AIO__RUNNING,
    AIO__PARKED,    /* waiting for a timer, a wait list or both */
    AIO__DONE,
    AIO__FOREIGN,   /* no state: an aio_waiter's mark, where a task has its state */
    AIO__AGAIN      /* (where size counts) suspended to be called again at once,
                       in the same step (aio__yield_again) */
};
enum { /* task flags */
    AIO__T_STARTED = 1,     /* the body has run at least once */
    AIO__T_CANCEL_REQ = 2,  /* a cancel request waits for delivery */
    AIO__T_JOIN_CANCEL = 4, /* awaiting children it cancelled: wait for their cleanup */
    AIO__T_GRANTED = 8,     /* a lock, permit or notification was handed to it */
    AIO__T_SIGNALLED = 16,  /* woken because what it waits for happened (event set, task ended) */
    AIO__T_RELOCK = 32,     /* condition wait: taking the lock back */
    AIO__T_RELOCK_RAISE = 64,   /* ... then unwind */
    AIO__T_RELOCK_TIMEOUT = 128, /* ... then report AIO_ETIMEDOUT */
    AIO__T_DEAF = 256,      /* parked where no deadline applies */
    AIO__T_AWAITING = 512,  /* parked awaiting the owned child await.child */
    AIO__T_GATHERING = 1024, /* parked gathering await.many, some of which it owns */
    AIO__T_RELOCK_NOSPC = 2048, /* condition wait: raise AIO_ENOSPC once the lock is back */
    AIO__T_WATCHED = 4096,  /* a block is open around it or a cancel was delivered to it */
    AIO__T_NOTIFIED = 8192, /* condition wait: took a notification, now retaking the lock */
    AIO__T_FIRED = 16384,   /* condition wait: its own deadline has fired (kept for
                               AIO_COND_WAIT_FOR's next wait, not armed again) */
    /* (16 bits is all an enum has where int is 16 bits: an I/O waiter, which
     * is never granted anything, reads AIO__T_GRANTED as "its descriptor was
     * forgotten", aio_io_forget) */
    AIO__T_CLOSED = AIO__T_GRANTED,
    /* (a condition wait clears its flags as it begins: a wait-many reads
     * AIO__T_NOTIFIED as "it has parked once", aio__many_start clearing it) */
    AIO__T_PARKED_ONCE = AIO__T_NOTIFIED,
    /* (... and AIO__T_RELOCK_TIMEOUT as "a gather that waits for all": set
     * or cleared with AIO__T_GATHERING, read only while that is set) */
    AIO__T_GATHER_ALL = AIO__T_RELOCK_TIMEOUT
};
/* (the 16th bit, beyond a 16-bit int's enum) Where time counts, a task that
 * suspended still running is to be called again at once, in the same step:
 * an await's slow way ended the body's call, and set where it goes on
 * (aio__yield_again; where size counts, the state AIO__AGAIN says it, in
 * fewer bytes of the step). */
#define AIO__T_AGAIN 0x8000u
/* Circular lists; a zeroed head is empty, a node is linked iff next != NULL. */
static inline void aio__list_init(aio_link *l) { l->next = l->prev = l; }
static inline int aio__list_empty(const aio_link *l) { return !l->next || l->next == l; }
static inline int aio__linked(const aio_link *n) { return n->next != NULL; }

/* n goes just before `at` (at the tail if `at` is a list head). (The store
 * through `prev` between n's two, which may alias them, keeps a compiler
 * from pairing those into one vector store built in three more instructions.) */
static inline void aio__list_insert(aio_link *at, aio_link *n) {
    aio_link *prev = at->prev;
    n->prev = prev;
    prev->next = n;
    n->next = at;
    at->prev = n;
}

static inline void aio__list_append(aio_link *l, aio_link *n) {
    if (!l->next) aio__list_init(l);
    aio__list_insert(l, n);
}

static inline void aio__list_unlink(aio_link *n) {
    if (!n->next) return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
}

/* A task's waiters for its end (the record's `run`, types.h): a list with
 * no head node of its own, newest first, ending in its loop's joined_end. */
static inline int aio__no_joiners(const aio_task *t) {
    return t->run.joiners.next == &t->loop->joined_end;
}
/* n waits for t's end: first, as the newest (t was spawned: the list ends).
 * The loop wakes joiners through a hook set here: a program that never
 * awaits a task links none of that. */
static AIO__ONE_COPY void aio__join(aio_task *t, aio_link *n) {
    aio_link *head = &t->run.joiners;
    aio_link *first = head->next;
    t->loop->joiners = aio__joined;
    n->next = first;
    n->prev = head;
    first->prev = n;
    head->next = n;
}

/* The ready queue holds tasks and, with no task, a group's notice. */
static inline void aio__enqueue_link(aio_loop *L, aio_link *n) {
    AIO_CRITICAL_ENTER();
    aio__list_insert(&L->ready, n); /* initialised with the loop */
    L->enqueued++;
    AIO_CRITICAL_EXIT();
}

static inline void aio__enqueue(aio_task *t) {
    t->state = AIO__READY;
    aio__enqueue_link(t->loop, &t->wait.link);
}

enum { /* frame flags */
    AIO__F_FINALLY = 1,     /* in the cleanup section */
    AIO__F_OVERRIDE = 2,    /* the cleanup section set the status itself */
    AIO__F_CALLING = 4,     /* running an inline coroutine (AIO_CALL) */
    AIO__F_CANCEL_CAUSE = 8, /* a cancellation brought it to its cleanup section */
    AIO__F_RAISING = 16     /* suspended once to unwind a cancellation it found: what
                               reaches it meanwhile is delivered with it (R9) */
};

/* Casts in the inline code, which C++ callers compile too. */
#ifdef __cplusplus
#define AIO__U8(x) static_cast<uint8_t>(x)
#define AIO__U16(x) static_cast<uint16_t>(x)
#define AIO__BITS(p) reinterpret_cast<uintptr_t>(p)
#else
#define AIO__U8(x) ((uint8_t)(x))
#define AIO__U16(x) ((uint16_t)(x))
#define AIO__BITS(p) ((uintptr_t)(p))
#endif

/* 1 if no block is open around t and no cancellation concerns it: one test
 * of the flags, since the inline paths are where a resume's time goes. */
static inline int aio__plain(const aio_task *t) {
    return (t->flags & (AIO__T_WATCHED | AIO__T_CANCEL_REQ)) == 0;
}

/* Park t (with `deaf`: where no deadline applies); what woke it last time,
 * and what it waited on, are history. Its timer is armed already. */
static inline void aio__park_now(aio_task *t, uint16_t deaf) {
    t->flags = AIO__U16((t->flags & AIO__U16(~(AIO__T_DEAF | AIO__T_AWAITING | AIO__T_GATHERING |
                                               AIO__T_SIGNALLED | AIO__T_GRANTED))) | deaf);
    t->state = AIO__PARKED;
}

/* Park t in wait list `l` (its own waiter node). */
static AIO__ONE_COPY void aio__wait_in(aio_task *t, aio_link *l) {
    AIO_CRITICAL_ENTER();
    aio__list_append(l, &t->wait.link);
    AIO_CRITICAL_EXIT();
}

/* t, parked, joins child's waiters with its own place. */
static AIO__ONE_COPY void aio__join_parked(aio_task *child, aio_task *t) {
    AIO_CRITICAL_ENTER();
    aio__join(child, &t->wait.link);
    AIO_CRITICAL_EXIT();
}

/* t, parked, waits for child's end; `owned`: t's cancellation reaches it. */
static inline void aio__wait_end(aio_task *t, aio_task *child, int owned) {
    aio__join_parked(child, t);
    if (owned) {
        t->flags |= AIO__T_AWAITING;
        t->await.child = child;
    }
}

static inline aio_status aio__yield_begin(aio_task *t, aio_frame *f) {
    if (!aio__plain(t)) return aio__yield_start(t, f);
    aio__enqueue(t);
    return AIO__SUSPENDED;
}

static inline aio_status aio__yield_resume(aio_task *t, aio_frame *f) {
    return aio__plain(t) ? AIO_OK : aio__yield_poll(t, f);
}

/* AIO_RETURN outside a cleanup section: only the status to set. */
static inline void aio__return_with(aio_task *t, aio_frame *f, aio_status rc) {
    if (f->flags & AIO__F_FINALLY)
        aio__set_status(t, f, rc);
    else
        f->rc = rc;
}

/* Where an unwinding frame goes: with no block open, to its cleanup section. */
static inline uint32_t aio__landing(aio_task *t, aio_frame *f) {
    if (!t->scope && !(f->flags & AIO__F_FINALLY)) return AIO__LC_FINALLY;
    return aio__unwind_target(t, f);
}

/* The end of a body that met no cleanup section and no cancellation. */
static inline aio_status aio__frame_done(aio_task *t, aio_frame *f) {
    if (f->flags || !aio__plain(t) || f->lc < AIO__LC_FINALLY) return aio__frame_end(t, f);
    f->lc = AIO__LC_END;
    return f->rc;
}

/* AIO_AWAIT (no deadline) of a live task, with nothing else to check: park
 * on its end. */
static inline aio_status aio__join_begin(aio_task *t, aio_frame *f, aio_task *child, aio_time d,
                                         int shield) {
    if (d != AIO_NEVER || !aio__plain(t) || !child || child == t || child->state == AIO__NEW ||
        child->state == AIO__DONE)
        return aio__join_start(t, f, child, d, shield);
    t->until = AIO_NEVER;
    t->flags &= AIO__U16(~AIO__T_JOIN_CANCEL);
    aio__park_now(t, 0);
    aio__wait_end(t, child, !shield && child->parent == t);
    AIO__TRACE(t->loop, AIO_TRACE_SUSPEND, t, child, AIO_ON_TASK, 0);
    return AIO__SUSPENDED;
}

/* Woken by the child's end, with nothing else to check: its result. */
static inline aio_status aio__join_resume(aio_task *t, aio_frame *f, aio_task *child, int shield) {
    if (aio__plain(t) && (t->flags & (AIO__T_SIGNALLED | AIO__T_JOIN_CANCEL)) == AIO__T_SIGNALLED &&
        child->state == AIO__DONE)
        return child->frame.rc;
    return aio__join_poll(t, f, child, shield);
}

/* Blocks that hold (AIO_WITH_LOCK, ...) and try blocks are scopes with no
 * deadline of their own, their landings releasing or cleaning up; their
 * steps are inline too, in the bodies that open one, so that a program that
 * opens none carries none of them in any build (one linked without
 * --gc-sections as well). Only the refusal of a bad scope is a call
 * (aio__hold_check). */
enum { /* scope states (an aio_timeout's state) */
    AIO__S_IDLE = 0, AIO__S_ENTERED, AIO__S_FIRST, AIO__S_BODY, AIO__S_DONE
};

/* 1 while the holding block's acquire goes on. */
static inline int aio__hold_pending(const aio_timeout *sc) { return sc->state == AIO__S_IDLE; }

/* The acquire ended with `acquired`: AIO_OK opens the block (a scope with no
 * deadline); anything else (AIO_ETIMEDOUT) is the block's status, and the
 * body is not run. */
static inline aio_status aio__hold_enter(aio_task *t, aio_frame *f, aio_timeout *sc, aio_status acquired,
                                         uint32_t landing) {
    if (acquired != AIO_OK) {
        sc->status = acquired;
        sc->state = AIO__S_DONE;
        return acquired;
    }
    return aio__scope_enter(t, f, sc, AIO_NEVER, AIO__ENTER_RELATIVE, landing); /* (sc checked) */
}

/* A try block's hidden loop: enter once, close when the body ended or was
 * left; one its landing closed is over. */
static inline int aio__try_outer(aio_timeout *sc) {
    return sc->state != AIO__S_DONE && aio__scope_outer(sc);
}

/* A try block unwound through: closed, marked so that its cleanup passes the
 * unwinding on (unless a deadline given to it by aio_timeout_reschedule
 * fired: then, as any block, it ends with AIO_ETIMEDOUT). */
static inline void aio__try_land(aio_timeout *sc) {
    if (!aio__scope_land(sc)) sc->status = AIO__RAISE;
}

#ifdef __cplusplus
}
#endif
#endif /* AIO_TIMEOUT_H */

// >>impl
/* ======================================================================== */
/* Implementation                                                             */
/* ======================================================================== */
#ifdef AIO_TIMEOUT_IMPLEMENTATION
#ifndef AIO_TIMEOUT_IMPLEMENTED
#define AIO_TIMEOUT_IMPLEMENTED

#include <string.h>
#if !defined(AIO_NO_STDLIB)
/* Windows: the Windows SDK and Winsock 2 only (link ws2_32; MSVC is told so
 * below). WSAPoll and inet_pton need Windows Vista's API at least. */
#if defined(_WIN32)
#define AIO__WIN32 1
#if !defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0600
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#if defined(_MSC_VER)
#pragma comment(lib, "ws2_32")
#endif
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define AIO__HOSTED 1
/* The allocator (Configuration): all three macros or none. */
#if defined(AIO_MALLOC) || defined(AIO_REALLOC) || defined(AIO_FREE)
#if !defined(AIO_MALLOC) || !defined(AIO_REALLOC) || !defined(AIO_FREE)
#error "aio_timeout.h: define all of AIO_MALLOC, AIO_REALLOC and AIO_FREE, or none"
#endif
#else
#define AIO_MALLOC(size) malloc(size)
#define AIO_REALLOC(p, size) realloc((p), (size))
#define AIO_FREE(p) free(p)
#endif
#if defined(AIO__SHARED) && !defined(AIO__WIN32) && (defined(__unix__) || defined(__APPLE__))
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#define AIO__IDLE_WAKEUP 1 /* the system idle hook sleeps in poll() on a pipe */
#endif
#endif
/* The core's clock (>>clock): Windows' performance counter, else POSIX's
 * monotonic clock or C11's timespec_get; none without a C library. */
#if defined(AIO__HOSTED) && defined(AIO__WIN32)
#define AIO__CLOCK_WINDOWS 1
#elif defined(AIO__HOSTED) && (defined(CLOCK_MONOTONIC) || defined(TIME_UTC))
#define AIO__CLOCK_POSIX 1
#endif
/* I/O: sockets, signals, and a readiness wait (below). AIO_NO_IO leaves
 * them out of a POSIX build. */
/* Windows: sockets on Winsock 2, the wait in WSAPoll, Ctrl-C and console
 * close routed like signals. AIO_NO_IO leaves them out. */
/* Either: the library's sockets and the system's wait (the platform's part
 * is in "the platform's sockets" below). */
/* The simulation (AIO_SIMULATION) stands in for the sockets: it needs them. */
/* TLS (AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS, or AIO_TLS_SCHANNEL on Windows):
 * the engine's headers; it needs the sockets. AIO_TLS alone: no engine of
 * the header's (AIO__TLS_USER), each configuration names the program's. */
#if defined(AIO_TLS_OPENSSL) + defined(AIO_TLS_MBEDTLS) + defined(AIO_TLS_SCHANNEL) > 1
#error "define one of AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS and AIO_TLS_SCHANNEL"
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum { /* scope flags */
    AIO__S_EXPIRED = 1,     /* cancelled: deadline noticed, or group aborted */
    AIO__S_SAVED_OVERRIDE = 2,
    AIO__S_SHIELD = 4,      /* outer cancellations do not reach inside */
    AIO__S_GROUP = 8,       /* the scope of an aio_group */
    AIO__S_DELIVERED = 16   /* its cancellation was raised at a checkpoint */
};
enum { /* group states, beyond the scope's */
    AIO__S_JOIN = AIO__S_DONE + 1
};
enum { /* group flags */
    AIO__G_ABORTED = 1,     /* cancelling the rest: no new children */
    AIO__G_PASS = 2,        /* an error unwinds through the block after the join */
    AIO__G_JOINING = 4,     /* the owner waits for the last child */
    AIO__G_HELD_BACK = 8    /* the end let the children run once before aborting them */
};

/* The running loop: the one stepping now, else the last one initialised
 * (aio__last, until it is destroyed). aio__stepping is the loop inside
 * aio_step or aio_run, NULL between them. */
static AIO_THREAD_LOCAL aio_loop *aio__loop;
static AIO_THREAD_LOCAL aio_loop *aio__last;
static AIO_THREAD_LOCAL aio_loop *aio__stepping;

// >>misc
/* ------------------------------------------------------------------ misc */

/* Counts that never wrap (aio__count): zero, one more, *a before *b (by
 * address: an 8-bit CPU passes no copies), the low 32 bits. 64 bits: at one
 * a nanosecond they would take 584 years to wrap. */
#ifdef AIO__COUNT_WORDS
static inline aio__count aio__count_zero(void) {
    aio__count z;
    z.lo = z.hi = 0;
    return z;
}
static inline void aio__count_up(aio__count *c) {
    if (++c->lo == 0) c->hi++;
}
static int aio__count_before(const aio__count *a, const aio__count *b) {
    return a->hi != b->hi ? a->hi < b->hi : a->lo < b->lo;
}
#define aio__count_low(c) ((c).lo)
#else
#define aio__count_zero() ((aio__count)0)
#define aio__count_up(c) ((void)++*(c))
#define aio__count_before(a, b) (*(a) < *(b))
#define aio__count_low(c) ((uint32_t)(c))
#endif

/* Debug messages in flash on an AVR (AIO_DEBUG): its string literals are
 * data, which avr-libc copies to RAM at start, so there each literal message
 * goes through PSTR at its call (the macro aio__misuse below, over
 * aio__misuse_P) and stays in program memory until told; its text is copied
 * to the stack (AIO__TOLD_ROOM bytes) for as long as the hook runs, so a hook
 * reads a string in RAM everywhere. A message that is not a literal (built at
 * run time, kept in a variable) cannot take PSTR: it is told through
 * aio__misuse_text, the function itself, as every message is elsewhere. */
#if defined(AIO_DEBUG) && defined(__AVR__)
#define AIO__DEBUG_FLASH 1
#include <avr/pgmspace.h>
#endif

#ifdef AIO__HOSTED
static void aio__default_debug(aio_status code, const char *message) {
#ifdef AIO__DEBUG_FLASH
    (void)fprintf_P(stderr, PSTR("aio_timeout: %s (%s)\n"), message, aio_strerror(code));
#else
    (void)fprintf(stderr, "aio_timeout: %s (%s)\n", message, aio_strerror(code));
#endif
}
static aio_debug_fn aio__debug_hook = aio__default_debug;
#else
static aio_debug_fn aio__debug_hook = NULL;
#endif

#ifdef AIO__ASSERT_TOLD
/* LCOV_EXCL_START: reached only by a bug of the library's (no invariant breaks in the tests) */
/* AIO_ASSERT without the C library: an internal invariant broke at the
 * header's line `line` (a bug of the library's: the message says so); the
 * debug hook is told, then the program stops here, as assert() would. */
static void aio__broken(unsigned line) {
    static char text[] = "aio_timeout.h: an invariant broke at line 00000";
    char *p = text + sizeof text - 2;
    do {
        *p-- = (char)('0' + line % 10u);
        line /= 10u;
    } while (line && *p == '0');
    if (aio__debug_hook) aio__debug_hook(AIO_EINVAL, text);
    for (;;) {
    }
}
/* LCOV_EXCL_STOP */
#endif

AIO_API void aio_set_debug_hook(aio_debug_fn hook) {
#ifdef AIO__HOSTED
    aio__debug_hook = hook ? hook : aio__default_debug;
#else
    aio__debug_hook = hook;
#endif
}

#ifdef AIO_DEBUG
/* The last misuse reported while a task ran, until that task suspends: the
 * same mistake again in that time, at the same place of the task's body (an
 * await that fails at once, in a loop that does not check it), is counted,
 * and the task is named once it has come back AIO__AGAIN_LIMIT times
 * (aio__holding). The default hook, which prints, is not told the repeats;
 * a hook of your own is told every one (it may count them). */
#define AIO__AGAIN_LIMIT 1000u
static AIO_THREAD_LOCAL const aio_task *aio__told_task;
static AIO_THREAD_LOCAL uint16_t aio__told_at; /* the body's resume point then */
static AIO_THREAD_LOCAL uint32_t aio__told_run; /* the loop's finished count then (low bits) */
static AIO_THREAD_LOCAL unsigned long aio__told_again;
/* The message told last, by its text's hash (some are built in one buffer;
 * a copy would take RAM a board has little of). */
static AIO_THREAD_LOCAL uint32_t aio__told;
static uint32_t aio__text_hash(const char *m) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *m; m++) h = (h ^ (uint8_t)*m) * 16777619u;
    return h;
}
#define AIO__TOLD_SAME(m) (aio__told == aio__text_hash(m))
#define AIO__TOLD_KEEP(m) (aio__told = aio__text_hash(m))
static void aio__holding(const aio_task *t, unsigned long count, int same_mistake);
#endif

/* Report misuse (in debug builds) and return its status. */
#ifndef AIO__DEBUG_FLASH
#define aio__misuse_text aio__misuse
#endif
static aio_status aio__misuse_text(aio_status code, const char *message) {
#ifdef AIO_DEBUG
    const aio_task *t = aio__loop ? aio__loop->current : NULL;
    if (t && t == aio__told_task && aio__count_low(t->loop->finished) == aio__told_run &&
        t->frame.lc == aio__told_at && AIO__TOLD_SAME(message)) {
        if (++aio__told_again == AIO__AGAIN_LIMIT)
            aio__holding(t, AIO__AGAIN_LIMIT, 1);
#ifdef AIO__HOSTED
        if (aio__debug_hook == aio__default_debug) return code; /* (printed once) */
#endif
        if (aio__debug_hook) aio__debug_hook(code, message);
        return code;
    }
    aio__told_task = t;
    aio__told_run = t ? aio__count_low(t->loop->finished) : 0;
    aio__told_at = t ? t->frame.lc : 0;
    aio__told_again = 0;
    (void)AIO__TOLD_KEEP(message);
    if (aio__debug_hook) aio__debug_hook(code, message);
#else
    (void)message;
#endif
    return code;
}
#ifdef AIO__DEBUG_FLASH
/* The longest literal message, its NUL included (a longer one does not
 * compile: the array's size is negative). */
#define AIO__TOLD_ROOM 160
#define aio__misuse(code, message)                                                            \
    ((void)sizeof(char[sizeof(message) <= AIO__TOLD_ROOM ? 1 : -1]), aio__misuse_P(code, PSTR(message)))
static aio_status aio__misuse_P(aio_status code, const char *message_P) {
    char text[AIO__TOLD_ROOM];
    (void)strncpy_P(text, message_P, sizeof text);
    return aio__misuse_text(code, text);
}
#endif

/* snprintf with a literal format (hosted builds), and the debug hook told a
 * literal message that is no misuse (no repeats counted; freestanding
 * builds): both kept in flash on an AVR. */
#if defined(AIO__DEBUG_FLASH) && defined(AIO__HOSTED)
#define AIO__FORMAT(buffer, size, format, ...) snprintf_P(buffer, size, PSTR(format), __VA_ARGS__)
#elif defined(AIO__HOSTED)
#define AIO__FORMAT(buffer, size, format, ...) snprintf(buffer, size, format, __VA_ARGS__)
#elif defined(AIO__DEBUG_FLASH)
static void aio__tell_P(aio_status code, const char *message_P) {
    char text[AIO__TOLD_ROOM];
    (void)strncpy_P(text, message_P, sizeof text);
    aio__debug_hook(code, text);
}
#define AIO__TELL(code, message)                                                              \
    ((void)sizeof(char[sizeof(message) <= AIO__TOLD_ROOM ? 1 : -1]), aio__tell_P(code, PSTR(message)))
#else
#define AIO__TELL(code, message) aio__debug_hook(code, message)
#endif


AIO_API const char *aio_strerror(aio_status s) {
    switch (s) {
    case AIO_ECANCELED: return "cancelled";
    case AIO_ETIMEDOUT: return "timed out";
    case AIO_EINVAL: return "invalid argument";
    case AIO_ENOSPC: return "no timer slot left";
    case AIO_EBUSY: return "busy";
    case AIO_EINPROGRESS: return "still running";
    case AIO_EDEADLK: return "waits forever";
    case AIO_ECHILDCANCELED: return "a child was cancelled";
    case AIO_EFULL: return "queue full";
    case AIO_EEMPTY: return "queue empty";
    case AIO_ESHUTDOWN: return "queue shut down";
    case AIO_ECLOSED: return "descriptor closed";
    case AIO_EBADF: return "bad descriptor";
    case AIO_ECONNRESET: return "connection reset";
    case AIO_ECONNREFUSED: return "connection refused";
    case AIO_EIO: return "system error (see errno)";
    default: return s >= 0 ? "success" : s <= AIO_EUSER ? "user error" : "unknown error";
    }
}

AIO_API aio_time aio_seconds(double s) {
    const aio_time half = (aio_time)(AIO_NEVER / 2);
    double ticks = s * (double)AIO_TICKS_PER_SEC;
    aio_time whole;
    if (s != s) return AIO_TIME_INVALID;
    if (s <= 0) return 0;
    if (ticks >= (double)half) return AIO_NEVER;
    /* Round half up. Adding 0.5 before truncating would round twice (the sum
     * to a double first): 0.49999999999999994 ticks, or an odd number of
     * ticks above 2^52, would come out one tick high. */
    whole = (aio_time)ticks;
    if (ticks - (double)whole >= 0.5) whole = (aio_time)(whole + 1u);
    return whole >= half ? AIO_NEVER : whole; /* rounded up to half the range: too large */
}

/* Whole seconds and the ticks left, each exact as a double, the rest scaled by
 * a product: a floating division is a library routine of its own on a chip
 * without one (an AVR's is 228 bytes) that nothing else here needs. */
AIO_API double aio_to_seconds(aio_time ticks) {
    aio_time whole = ticks / AIO_TICKS_PER_SEC;
    return (double)whole + (double)(ticks % AIO_TICKS_PER_SEC) * (1.0 / AIO_TICKS_PER_SEC);
}

/* A pointer to const the library passes on as one to change (a const loop
 * read through code that may refresh its cached time, a name OpenSSL's
 * macro takes unconst): copied, not cast, so that -Wcast-qual in the
 * user's build has no cast to report. */
static void *aio__unconst(const void *p) {
    void *m;
    memcpy(&m, &p, sizeof m);
    return m;
}
#define AIO__UNCONST(type, p) ((type *)aio__unconst(p))

/* Wrap-safe order: a is before b. */
static int aio__before(aio_time a, aio_time b) { return (aio_stime)(a - b) < 0; }
/* Deadline `d` has been reached at `now` (AIO_NEVER never is). */
static int aio__due(aio_time d, aio_time now) { return d != AIO_NEVER && !aio__before(now, d); }
/* *into = the next number in the order deadlines are armed in. */
static void aio__arming(aio_loop *L, aio__count *into) {
    *into = L->seq;
    aio__count_up(&L->seq);
}
/* When a finished task finished: the loop's count of finished tasks then
 * (kept in two words of the task's await). */
static aio__count aio__finished_at(const aio_task *t) {
#ifdef AIO__COUNT_WORDS
    aio__count n;
    n.lo = t->await.finished[0];
    n.hi = t->await.finished[1];
#else
    aio__count n;
    memcpy(&n, t->await.finished, sizeof n); /* (as aio__stamp_end stored it) */
#endif
    return n;
}

/* Inside the critical section: queue ev on loop L for its next iteration;
 * returns 1 if L sleeps in aio_run's idle hook and has a wake-up to call. */
static int aio__signal(aio_loop *L, aio_event *ev) {
    ev->queued = 1;
    ev->mark = L->enqueued;
    ev->next_signalled = L->signalled;
    L->signalled = ev;
    return L->idling && L->wakeup;
}

/* Inside the critical section: an event nobody waits on and not queued
 * belongs to no loop (a loop may be destroyed once it has no tasks). */
static void aio__event_unbind_if_idle(aio_event *ev) {
    if (ev->loop && aio__list_empty(&ev->waiters) && !ev->queued) {
        ev->loop->bound_events--;
        ev->loop = NULL;
    }
}

/* Ticks narrower than 64 bits wrap within a device's uptime, and the clock
 * then reaches the two values reserved for AIO_NEVER and AIO_TIME_INVALID. */
#define AIO__WRAPS (sizeof(aio_time) < 8)

/* An instant as a deadline: the reserved values are stepped past (a tick or
 * two late, never early). */
static aio_time aio__instant(aio_time when) {
    return when == AIO_NEVER || when == AIO_TIME_INVALID ? 0 : when;
}

/* The iteration's time. An iteration that starts with a timer armed reads
 * the clock as it starts; one with none reads it only if something needs
 * the time (a deadline computed or compared, aio_now(), the timers to fire
 * at its end), and the value read then stays the iteration's time. So a
 * clock that moves inside a step (busy work, a clock of the program's own)
 * is seen where it is first needed, as the virtual clock's busy work
 * (aio_virtual_advance) is: a sleep begun after it counts from the moved
 * time, as asyncio's loop.time() would. Nothing reads it that does not
 * need it (an await with no deadline compares none: aio__until_due), so
 * every build reads it at the same place. */
static aio_time aio__now(aio_loop *L) {
    if (L->stale) {
        L->stale = 0;
        L->now = L->clock(L->clock_ctx);
    }
    return L->now;
}
/* t's await's own deadline has come (none: never, and the clock not read). */
static int aio__until_due(aio_task *t) {
    return t->until != AIO_NEVER && aio__due(t->until, aio__now(t->loop));
}

/* The deadline of an await or block: now + relative d, or the instant d; or
 * AIO_TIME_INVALID if d is not a usable timeout (time comparisons are only
 * meaningful within half the clock's range). With wrapping ticks an absolute
 * d is always an instant, even one equal to AIO_NEVER: computed deadlines
 * (next += period) land there. */
static aio_time aio__deadline(aio_loop *L, aio_time d, int relative) {
    if (!relative && AIO__WRAPS) return aio__instant(d);
    if (d == AIO_NEVER) return AIO_NEVER;
    if (d == AIO_TIME_INVALID) return AIO_TIME_INVALID;
    if (!relative) return d;
    if (d >= (aio_time)(AIO_NEVER / 2)) return AIO_TIME_INVALID;
    return aio__instant((aio_time)(aio__now(L) + d));
}

/* The refusal of a timeout that is none, where aio__deadline gave
 * AIO_TIME_INVALID (NaN, negative, half the clock's range or more): every
 * wait with a timeout returns or raises it. AIO_EINVAL, told in debug builds
 * in the words of the call the user made, which `what` names with its
 * argument ("sleep: the duration"; a string literal: the message is one
 * constant, no buffer). */
#define AIO__TIMEOUT_REFUSED(what) aio__misuse(AIO_EINVAL, what " is NaN, negative or beyond half the clock range")

// >>clock-windows
/* ------------------------------------------------ the clock on Windows */

/* The core's clock backend on Windows (see >>clock): the performance
 * counter, and an idle wait on a Win32 event. */
#ifdef AIO__CLOCK_WINDOWS
#define AIO__SYSTEM_CLOCK 1
static aio_time aio__system_clock(void *ctx) {
    static volatile LONGLONG frequency; /* fixed at boot: read once (threads that race write the same) */
    LARGE_INTEGER count;
    uint64_t c, f;
    (void)ctx;
    if (!frequency) {
        LARGE_INTEGER freq;
        QueryPerformanceFrequency(&freq);
        frequency = freq.QuadPart;
    }
    QueryPerformanceCounter(&count);
    c = (uint64_t)count.QuadPart;
    f = (uint64_t)frequency;
    return (aio_time)((aio_time)(c / f) * (aio_time)AIO_TICKS_PER_SEC +
                      (aio_time)(c % f * AIO_TICKS_PER_SEC / f));
}
#ifdef AIO__SHARED
#define AIO__IDLE_WAKEUP 1 /* the system idle hook waits on a Win32 event */
static void aio__event_wakeup(void *ctx, aio_loop *L) {
    (void)ctx;
    (void)SetEvent((HANDLE)L->wake_event);
}
/* The event that wakes the system idle hook when an event is set from another
 * thread or a console handler: made at the loop's first idle wait. */
static int aio__idle_wakeup_open(aio_loop *L) {
    HANDLE h;
    if (L->wake_event) return L->wake_event != INVALID_HANDLE_VALUE;
    h = CreateEventW(NULL, FALSE, FALSE, NULL); /* auto-reset: one wait per set */
    if (!h) { /* LCOV_EXCL_START: out of handles */
        L->wake_event = INVALID_HANDLE_VALUE; /* timed sleeps only */
        return 0;
    } /* LCOV_EXCL_STOP */
    L->wake_event = h;
    AIO_CRITICAL_ENTER();
    L->wakeup = aio__event_wakeup;
    L->wakeup_ctx = NULL;
    AIO_CRITICAL_EXIT();
    return 1;
}
/* The loop sleeps in the system hook again (a port let go): its event, if
 * made, is what wakes it once more. */
static void aio__idle_wakeup_restore(aio_loop *L) {
    if (L->wake_event && L->wake_event != INVALID_HANDLE_VALUE) aio_loop_set_wakeup(L, aio__event_wakeup, NULL);
}
static void aio__idle_wakeup_close(aio_loop *L) {
    if (L->wake_event && L->wake_event != INVALID_HANDLE_VALUE) (void)CloseHandle((HANDLE)L->wake_event);
    L->wake_event = NULL;
}
#endif
/* Until the deadline (rounded up to Windows' milliseconds: never early; the
 * system's timer may add up to its tick, 1 to 16 ms), or the wake-up. */
static void aio__system_idle(void *ctx, aio_loop *L, aio_time deadline) {
    DWORD ms = INFINITE;
    (void)ctx;
    if (deadline != AIO_NEVER) {
        aio_time now = L->clock(L->clock_ctx);
        uint64_t ticks, whole;
        if (!aio__before(now, deadline)) return;
        ticks = (uint64_t)(aio_time)(deadline - now);
        whole = ticks / AIO_TICKS_PER_SEC * 1000u +
                (ticks % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) / AIO_TICKS_PER_SEC;
        ms = whole >= INFINITE ? INFINITE - 1u : (DWORD)whole;
    }
#ifdef AIO__IDLE_WAKEUP
    if (aio__idle_wakeup_open(L)) {
        (void)WaitForSingleObject((HANDLE)L->wake_event, ms);
        return;
    }
#endif
    if (ms != INFINITE) Sleep(ms); /* (with nothing armed, aio_run does not idle here) */
}
#endif /* AIO__CLOCK_WINDOWS */

// >>clock-posix
/* ------------------------------------------------- the clock on POSIX */

/* The core's clock backend on POSIX (see >>clock): the monotonic clock
 * (else C11's timespec_get), and an idle wait in poll() on a pipe. */
#ifdef AIO__CLOCK_POSIX
#define AIO__SYSTEM_CLOCK 1
static aio_time aio__from_timespec(const struct timespec *ts) {
    return (aio_time)((aio_time)ts->tv_sec * (aio_time)AIO_TICKS_PER_SEC +
                      (aio_time)((uint64_t)ts->tv_nsec * AIO_TICKS_PER_SEC / 1000000000u));
}
static aio_time aio__system_clock(void *ctx) {
    struct timespec ts;
    (void)ctx;
#if defined(CLOCK_MONOTONIC)
    clock_gettime(CLOCK_MONOTONIC, &ts);
#else /* compile with _POSIX_C_SOURCE for the monotonic clock */
    timespec_get(&ts, TIME_UTC);
#endif
    return aio__from_timespec(&ts);
}
#ifdef AIO__IDLE_WAKEUP
static void aio__pipe_wakeup(void *ctx, aio_loop *L) {
    ssize_t n = write(L->wake_pipe[1] - 1, "", 1); /* a full pipe has a wake-up pending */
    (void)ctx;
    (void)n;
}
/* The pipe that wakes the system idle hook when an event is set from another
 * thread or a signal handler: opened at the loop's first idle wait. */
static int aio__idle_wakeup_open(aio_loop *L) {
    int fds[2];
    if (L->wake_pipe[0] > 0) return 1;
    if (L->wake_pipe[0] < 0 || pipe(fds) != 0) {
        L->wake_pipe[0] = -1; /* no pipe: timed sleeps only */
        return 0;
    }
    (void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    L->wake_pipe[0] = fds[0] + 1;
    L->wake_pipe[1] = fds[1] + 1;
    AIO_CRITICAL_ENTER();
    L->wakeup = aio__pipe_wakeup;
    L->wakeup_ctx = NULL;
    AIO_CRITICAL_EXIT();
    return 1;
}
/* The loop sleeps in the system hook again (a port let go): its pipe, if
 * open, is what wakes it once more. */
static void aio__idle_wakeup_restore(aio_loop *L) {
    if (L->wake_pipe[0] > 0) aio_loop_set_wakeup(L, aio__pipe_wakeup, NULL);
}
static void aio__idle_wakeup_close(aio_loop *L) {
    if (L->wake_pipe[0] > 0) {
        (void)close(L->wake_pipe[0] - 1);
        (void)close(L->wake_pipe[1] - 1);
    }
    L->wake_pipe[0] = L->wake_pipe[1] = 0;
}
/* Sleep until `ns` have passed (-1: no limit) or the pipe is written. Below
 * a millisecond, poll()'s resolution, it sleeps without the pipe. */
static int aio__idle_wakeup_wait(aio_loop *L, int64_t ns) {
    struct pollfd p;
    char buf[64];
    int64_t ms = ns < 0 ? -1 : ns / 1000000;
    if (ms == 0 || !aio__idle_wakeup_open(L)) return 0;
    p.fd = L->wake_pipe[0] - 1;
    p.events = POLLIN;
    p.revents = 0;
    (void)poll(&p, 1, ms > 0x7fffffff ? 0x7fffffff : (int)ms);
    while (read(L->wake_pipe[0] - 1, buf, sizeof buf) > 0) {
    }
    return 1;
}
#endif
static void aio__system_idle(void *ctx, aio_loop *L, aio_time deadline) {
    aio_time now = L->clock(L->clock_ctx);
    (void)ctx;
#ifdef AIO__IDLE_WAKEUP
    if (deadline == AIO_NEVER) {
        (void)aio__idle_wakeup_wait(L, -1);
        return;
    }
#endif
    /* Never AIO_NEVER here: aio_run reports AIO_EDEADLK instead of idling
     * with nothing armed, unless the wake-up pipe is there (above). */
    if (deadline == AIO_NEVER || !aio__before(now, deadline)) return; /* LCOV_EXCL_BR_LINE */
    {
        uint64_t ticks = (uint64_t)(aio_time)(deadline - now);
        uint64_t ns = ticks / AIO_TICKS_PER_SEC * 1000000000u +
                      ticks % AIO_TICKS_PER_SEC * 1000000000u / AIO_TICKS_PER_SEC;
#ifdef AIO__IDLE_WAKEUP
        if (aio__idle_wakeup_wait(L, ns > INT64_MAX ? INT64_MAX : (int64_t)ns)) return;
#endif
#if defined(CLOCK_MONOTONIC)
        struct timespec req;
        req.tv_sec = (time_t)(ns / 1000000000u);
        req.tv_nsec = (long)(ns % 1000000000u);
        nanosleep(&req, NULL);
#else
        while (aio__before(L->clock(L->clock_ctx), deadline)) {
        }
        (void)ns;
#endif
    }
}
#endif /* AIO__CLOCK_POSIX */

// >>clock
/* ----------------------------------------------------------------- clock */

/* The system's clock and idle wait are the core's two backends, a section
 * each: >>clock-windows (Windows' performance counter) and >>clock-posix
 * (POSIX's monotonic clock, else C11's timespec_get); the configuration
 * (>>impl) picks one by AIO__CLOCK_WINDOWS or AIO__CLOCK_POSIX. Each
 * defines AIO__SYSTEM_CLOCK, aio__system_clock and aio__system_idle, and
 * where the system idle hook can be woken (AIO__IDLE_WAKEUP), the wake-up's
 * aio__idle_wakeup_restore and aio__idle_wakeup_close. Without either
 * (newlib, picolibc) the loop starts on the virtual clock. */
#if !defined(AIO__SYSTEM_CLOCK) || !defined(AIO__IDLE_WAKEUP)
static void aio__idle_wakeup_close(aio_loop *L) { (void)L; }
#define aio__idle_wakeup_restore(L) ((void)(L))
#endif

#ifdef AIO__HOSTED
AIO_API aio_timer *aio_grow_realloc(void *ctx, aio_timer *old, uint32_t old_count,
                                    uint32_t new_count) {
    (void)ctx;
    (void)old_count;
    if (new_count == 0) {
        AIO_FREE(old);
        return NULL;
    }
    return (aio_timer *)AIO_REALLOC(old, (size_t)new_count * sizeof(aio_timer));
}
#else
AIO_API aio_timer *aio_grow_realloc(void *ctx, aio_timer *old, uint32_t old_count,
                                    uint32_t new_count) {
    (void)ctx; (void)old; (void)old_count; (void)new_count;
    return NULL;
}
#endif

/* loop->busy's bits (the heap's part says what each means). Where time
 * counts, a clock set, or another loop initialised, takes aio_run off its
 * turns back to back, which test the clock's kind and make the loop the
 * running one once, when they begin. */
enum { AIO__BUSY_CLOCK = 1, /* (the lowest: "no other bit" is then busy <= 1) */
       AIO__BUSY_ENDING = AIO__SPEED ? 2 : 1, /* (where size counts, the only bit: 1 is the
                                                 cheaper to test on an 8-bit target) */
       AIO__BUSY_TIMERS = 4, AIO__BUSY_MAIN = 8, AIO__BUSY_EVENTS = 16 };

/* The loop is the running one from here until aio_loop_destroy: a loop in
 * main's frame, the usual case, is no dangling pointer (gcc 12 warns of one
 * where it inlines this into main, as it may with AIO_STATIC). */
#if defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
AIO_API void aio_loop_init(aio_loop *L, aio_timer *timers, uint32_t capacity) {
    /* (the running loop: its turns back to back end, the next turn making
     * it the running one again, as aio__iterate does; L itself is cleared
     * below) */
    if (AIO__SPEED && aio__stepping) aio__stepping->busy |= AIO__BUSY_CLOCK;
    memset(L, 0, sizeof *L);
    L->heap = timers;
    /* (beyond the index's range: as many as it counts) */
    L->heap_cap = !timers ? 0 : capacity > (aio__slot)-1 ? (aio__slot)-1 : (aio__slot)capacity;
    aio__list_init(&L->ready);
    aio__list_init(&L->tasks);
#ifdef AIO__SYSTEM_CLOCK
    L->clock = aio__system_clock;
    L->idle = aio__system_idle;
    L->now = L->clock(NULL);
#else
    L->is_virtual = 1; /* until a clock is set (the virtual clock is no code of its own) */
#endif
    aio__loop = aio__last = L;
}
#if defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* A virtual loop's time is L->now itself, never stale; with no idle hook,
 * aio_run moves it to the next deadline when nothing is ready. */
AIO_API void aio_loop_use_virtual_clock(aio_loop *L, aio_time start) {
    if (AIO__SPEED) L->busy |= AIO__BUSY_CLOCK;
    L->clock = NULL;
    L->clock_ctx = NULL;
    L->idle = NULL;
    L->idle_ctx = NULL;
    L->is_virtual = 1;
    L->stale = 0;
    L->now = start;
}

AIO_API void aio_virtual_advance(aio_loop *L, aio_time dt) {
    if (!L->is_virtual) {
        aio__misuse(AIO_EINVAL, "aio_virtual_advance: the loop does not use the virtual clock");
        return;
    }
    L->now = (aio_time)(L->now + dt);
}

AIO_API void aio_loop_set_clock(aio_loop *L, aio_clock_fn clock, void *ctx) {
    if (!clock) {
        aio__misuse(AIO_EINVAL, "aio_loop_set_clock: clock function is NULL");
        return;
    }
    if (AIO__SPEED) L->busy |= AIO__BUSY_CLOCK;
    L->clock = clock;
    L->clock_ctx = ctx;
    L->is_virtual = 0;
    L->stale = 0;
    L->now = clock(ctx);
}

AIO_API void aio_loop_set_idle(aio_loop *L, aio_idle_fn idle, void *ctx) {
    L->idle = idle;
    L->idle_ctx = ctx;
    aio_loop_set_wakeup(L, NULL, NULL); /* the system hook's pipe does not wake this one */
}

AIO_API void aio_loop_set_wakeup(aio_loop *L, aio_wakeup_fn wakeup, void *ctx) {
    AIO_CRITICAL_ENTER();
    L->wakeup = wakeup;
    L->wakeup_ctx = ctx;
    AIO_CRITICAL_EXIT();
}

static int aio__grow_heap(aio_loop *L);

AIO_API unsigned aio_loop_timers_full(const aio_loop *L) { return L ? L->timers_full : 0u; }

AIO_API void aio_loop_set_grow(aio_loop *L, aio_grow_fn grow, void *ctx) {
    L->grow_heap = aio__grow_heap;
    L->grow = grow;
    L->grow_ctx = ctx;
}

/* Set by the first stream set up: carries the slots' counts of closes from
 * a port the loop gives up (aio_loop_set_io) to the next one (from or to
 * NULL: none), so that a stream over a number closed before the change
 * still finds it changed; both NULL: the loop ends, what it kept goes.
 * (This hook and the others a section sets at its first use are kept per
 * thread, as the running loop is, AIO_THREAD_LOCAL: loops on several
 * threads each set their own, and no thread writes what another reads.) */
static AIO_THREAD_LOCAL void (*aio__io_carry)(aio_loop *L, aio_io *from, aio_io *to);

AIO_API aio_status aio_loop_destroy(aio_loop *L) {
    if (L->live)
        return aio__misuse(AIO_EBUSY, "aio_loop_destroy: tasks are still alive; "
                                      "await or cancel them before destroying the loop");
    /* With no task alive the ready queue can still hold the notice of a group
     * left by a plain `return` whose last child failed, if stepping stopped
     * before it came up: the group hears of it now (to be entered again). */
    while (L->ready.next != &L->ready) {
        aio_link *notice = L->ready.next;
        AIO_CRITICAL_ENTER();
        aio__list_unlink(notice);
        AIO_CRITICAL_EXIT();
        L->heard(notice); /* (set by the groups, whose notices these are) */
    }
    if (L->heap_grow) L->heap_grow(L->heap_grow_ctx, L->heap, L->heap_len, 0);
    L->heap = NULL;
    L->heap_cap = L->heap_len = 0;
    L->heap_grow = NULL;
    AIO_CRITICAL_ENTER(); /* events set since the last iteration are no longer this loop's */
    /* LCOV_EXCL_START: not reached with no task alive: an event is queued
     * only while it belongs to the loop (a waiter), and the step in which the
     * last task ends drains the queue and unbinds every event after it. */
    while (L->signalled) {
        aio_event *ev = L->signalled;
        L->signalled = ev->next_signalled;
        ev->next_signalled = NULL;
        ev->queued = 0;
        aio__event_unbind_if_idle(ev);
    }
    /* LCOV_EXCL_STOP */
    L->wakeup = NULL;
    AIO_CRITICAL_EXIT();
    aio__idle_wakeup_close(L);
    if (L->io && L->io->release) L->io->release(L->io);
    L->io = NULL;
    if (aio__last == L) aio__last = NULL;
    if (aio__loop == L) aio__loop = NULL;
    return AIO_OK;
}

/* A loop is never a const object: reading its time may read the clock. */
AIO_API aio_time aio_loop_now(const aio_loop *L) { return aio__now(AIO__UNCONST(aio_loop, L)); }
AIO_API aio_loop *aio_running_loop(void) { return aio__loop; }
AIO_API aio_time aio_now(void) { return aio__loop ? aio__now(aio__loop) : 0; }

// >>heap
/* ------------------------------------------------------------ timer heap */

/* Twice the storage, from the growth hook. Storage is given back to the hook
 * that allocated it (the hook may have been changed or removed since), and
 * the user's array is never reallocated. */
static int aio__grow_heap(aio_loop *L) {
    aio__slot cap = L->heap_cap ? L->heap_cap * 2 : 64; /* (a wrap is refused below) */
    int same = L->heap_grow == L->grow && L->heap_grow_ctx == L->grow_ctx;
    aio_timer *grown;
    if (cap <= L->heap_cap || !L->grow) return 0;
    grown = L->grow(L->grow_ctx, same ? L->heap : NULL, same ? L->heap_len : 0, cap);
    if (!grown) return 0;
    if (!same) {
        if (L->heap_len) memcpy(grown, L->heap, (size_t)L->heap_len * sizeof *grown);
        if (L->heap_grow) L->heap_grow(L->heap_grow_ctx, L->heap, L->heap_len, 0);
    }
    L->heap_grow = L->grow;
    L->heap_grow_ctx = L->grow_ctx;
    L->heap = grown;
    L->heap_cap = cap;
    return 1;
}

static AIO__OUT_OF_LINE int aio__timer_less(const aio_timer *a, const aio_timer *b) {
    aio_stime d = (aio_stime)(a->when - b->when);
    return d ? d < 0 : aio__count_before(&a->seq, &b->seq); /* (the arming order never wraps) */
}

/* h[i] = *e, and its task knows where its timer is (one function where
 * size counts: it is the heap's every move). */
static AIO__OUT_OF_LINE void aio__heap_put(aio_timer *h, aio__slot i, const aio_timer *e) {
    h[i] = *e;
    h[i].task->timer = i + 1;
}

#if !defined(__OPTIMIZE_SIZE__)
/* Put timer *e in the hole at index i, moving it up or down to its place.
 * Down, Floyd's way: the hole first sinks to a leaf along the earlier
 * children, one comparison a level instead of two, and the timer rises back
 * from there past the entries not earlier than itself. The heap ends as a
 * plain sift down would leave it, ties included, with less work where the
 * timer belongs near the bottom, as the last entry that fills a removed
 * timer's place mostly does (a server's idle deadlines: one removed per
 * request, the latest armed last). */
static void aio__heap_sift(aio_loop *L, aio__slot i, const aio_timer *e) {
    aio_timer *h = L->heap;
    aio_timer moving = *e; /* (e may be the heap's last entry) */
    aio__slot next;
    aio__slot top = 0;
    int sank = 0;
    if (!(i > 0 && aio__timer_less(&moving, &h[(i - 1) / 2]))) {
        top = i;
        sank = 1;
        while ((next = 2 * i + 1) < L->heap_len) { /* the hole sinks */
            if (next + 1 < L->heap_len && aio__timer_less(&h[next + 1], &h[next])) next++;
            aio__heap_put(h, i, &h[next]);
            i = next;
        }
    }
    while (i > top) { /* up: past the later parents, or (sank) back past those not earlier */
        next = (i - 1) / 2;
        if (aio__timer_less(sank ? &h[next] : &moving, sank ? &moving : &h[next]) == sank) break;
        aio__heap_put(h, i, &h[next]);
        i = next;
    }
    aio__heap_put(h, i, &moving);
}
#else
/* Where size counts, the plain way: up past the later parents, else down
 * past the earlier children (the same heap, in fewer bytes). */
static void aio__heap_sift(aio_loop *L, aio__slot i, const aio_timer *e) {
    aio_timer *h = L->heap;
    aio_timer moving = *e; /* (e may be the heap's last entry) */
    aio__slot next;
    while (i > 0 && aio__timer_less(&moving, &h[next = (i - 1) / 2])) {
        aio__heap_put(h, i, &h[next]);
        i = next;
    }
    while ((next = 2 * i + 1) < L->heap_len) { /* (nothing to do after a move up) */
        if (next + 1 < L->heap_len && aio__timer_less(&h[next + 1], &h[next])) next++;
        if (!aio__timer_less(&h[next], &moving)) break;
        aio__heap_put(h, i, &h[next]);
        i = next;
    }
    aio__heap_put(h, i, &moving);
}
#endif

/* What takes aio_run's turn off its short way (loop->busy, where time
 * counts; where size counts, aio_run has no short way, and only the first
 * bit is kept): aio_run is cancelling what its main task left running (its
 * main task has ended then), a timer is armed (the bit follows the heap's
 * length), the main task has ended, the events hook is set
 * (aio__use_events: for good). */
/* (the bits: in the clock's part, whose setters set one) */
#define AIO__ENDING(L) (AIO__SPEED ? (L)->busy & AIO__BUSY_ENDING : (L)->busy) /* (-Os: the bit alone) */

static AIO__ALWAYS_INLINE void aio__remove_timer_here(aio_task *t) {
    aio_loop *L = t->loop;
    aio__slot i = t->timer - 1;
    t->timer = 0;
    if (i != --L->heap_len) aio__heap_sift(L, i, &L->heap[L->heap_len]);
    else if (AIO__SPEED && !i) L->busy &= (uint8_t)~AIO__BUSY_TIMERS; /* (the last one) */
}
static void aio__remove_timer(aio_task *t) { aio__remove_timer_here(t); }

static inline void aio__disarm(aio_task *t) {
    if (t->timer) aio__remove_timer(t);
}

#if AIO__SPEED
/* A new timer, with room for it: a new leaf has no children, so it only
 * rises, past the later parents. */
static inline void aio__arm_leaf(aio_loop *L, const aio_timer *e) {
    aio_timer *h = L->heap;
    aio__slot i = L->heap_len++;
    aio__slot up;
    L->busy |= AIO__BUSY_TIMERS;
    while (i > 0 && aio__timer_less(e, &h[up = (i - 1) / 2])) {
        aio__heap_put(h, i, &h[up]);
        i = up;
    }
    aio__heap_put(h, i, e);
}
#endif


/* Arm (or move) the timer of entry e's task to e's deadline, placed by its
 * seq among equal deadlines. AIO_ENOSPC if storage is full. */
static aio_status aio__arm(const aio_timer *e) {
    aio_task *t = e->task;
    aio_loop *L = t->loop;
    if (t->timer) {
        aio__heap_sift(L, t->timer - 1, e);
        return AIO_OK;
    }
    if (L->heap_len == L->heap_cap) {
        if (!(L->grow_heap && L->grow_heap(L))) {
            AIO__TRACE(L, AIO_TRACE_FULL, NULL, NULL, 0, (aio_stime)L->heap_cap);
            L->timers_full++;
            if (t->view.v.cleanups) /* (the trap that loses a power-down: say so) */
                return aio__misuse(AIO_ENOSPC, "timer storage is full: a cleanup's await with a deadline "
                                               "fails, the rest of the cleanup is skipped; one slot per "
                                               "task that waits, cleanups too");
            return aio__misuse(AIO_ENOSPC, "timer storage is full: give aio_loop_init more "
                                           "slots or set a growth hook");
        }
        AIO__TRACE(L, AIO_TRACE_GROW, NULL, NULL, 0, (aio_stime)L->heap_cap);
    }
#if AIO__SPEED
    aio__arm_leaf(L, e);
#else
    L->heap_len++;
    aio__heap_sift(L, L->heap_len - 1, e);
#endif
    return AIO_OK;
}

// >>waking
/* ----------------------------------------------------- queues and waking */

/* The task whose own place in a list is `l`, and the byte after a link,
 * which says whose the place is: AIO__FOREIGN in an aio_waiter (the
 * task it wakes is then its `task`), else the state of the task around it. */
#define AIO__TASK_OF(l) AIO_CONTAINER(l, aio_task, wait)
#define AIO__MARK(l) (((const unsigned char *)(const void *)(l))[sizeof(aio_link)])
typedef char aio__mark_at_state[offsetof(aio_task, state) - offsetof(aio_task, wait) == sizeof(aio_link) &&
                                        offsetof(aio_waiter, mark) == sizeof(aio_link)
                                    ? 1
                                    : -1];

/* The ready queue is initialised with its loop: no lazy set-up to test. */
static int aio__ready_empty(const aio_loop *L) { return L->ready.next == &L->ready; }

/* The oldest entry of the ready queue, which is not empty: a turn takes
 * entries up to the last one queued before it began, which nothing takes
 * out of the queue before it (a ready task stays queued until it runs). */
static aio_link *aio__dequeue(aio_loop *L) {
    aio_link *first;
    AIO_CRITICAL_ENTER();
    first = L->ready.next; /* a linked node: no test, and `next` alone says unlinked */
    L->ready.next = first->next;
    first->next->prev = &L->ready;
    first->next = NULL;
    AIO_CRITICAL_EXIT();
    return first;
}

/* Parked task t leaves whatever it waits on and becomes ready (its timer
 * disarmed): aio__wake's, inline where one wake-up counts. The timer goes
 * last, so that the rest calls nothing before it (its place in the heap is
 * all it changes, which nothing here reads). */
static AIO__ALWAYS_INLINE void aio__wake_parked(aio_task *t) {
    AIO_CRITICAL_ENTER();
    aio__list_unlink(&t->wait.link);
    AIO_CRITICAL_EXIT();
    aio__enqueue(t);
    AIO__TRACE(t->loop, AIO_TRACE_WAKE, t, NULL, AIO_TRACE_NONE, 0); /* (why: aio__trace) */
    if (t->timer) aio__remove_timer_here(t);
}

/* t leaves whatever it waits on and becomes ready (its timer disarmed: the
 * removal inline where time counts). */
static void aio__wake(aio_task *t) {
#if AIO__SPEED
    if (t->timer) aio__remove_timer_here(t);
#else
    aio__disarm(t);
#endif
    if (t->state != AIO__PARKED) return;
    AIO_CRITICAL_ENTER();
    aio__list_unlink(&t->wait.link);
    AIO_CRITICAL_EXIT();
    aio__enqueue(t);
    AIO__TRACE(t->loop, AIO_TRACE_WAKE, t, NULL, AIO_TRACE_NONE, 0); /* (why: aio__trace) */
}

/* The task that the place `n` in a list wakes: its own (the task around it)
 * or an aio_waiter's (AIO_WAIT's and as_completed's items in a task's
 * joiners). */
#define AIO__WAITER_OF(n) \
    (AIO__MARK(n) == AIO__FOREIGN ? ((aio_waiter *)(void *)(n))->task : AIO__TASK_OF(n))

/* w, taken out of a wait list, woken if it still waits there (a waiter
 * already woken by something else keeps that), marked with `flag`: what
 * woke it. */
static void aio__wake_by(aio_task *w, uint16_t flag) {
    if (w->state == AIO__PARKED) {
        w->flags |= flag;
        aio__wake(w);
    }
}

/* Hand what `l` waits for to its oldest waiter, marking it with `flag`; 0
 * if nobody waits. A list of tasks' own places (a lock's, a queue's, a
 * condition's: the places that are not, AIO_WAIT's and as_completed's
 * items, are only ever in a task's joiners, which aio__wake_joiners wakes). */
static int aio__wake_first(aio_link *l, uint16_t flag) {
    aio_link *n;
    if (aio__list_empty(l)) return 0;
    n = l->next;
    aio__list_unlink(n);
    aio__wake_by(AIO__TASK_OF(n), flag);
    return 1;
}

/* Wake every waiter of task t's end, oldest first: tasks' own places or
 * aio_waiters, in a list that has the newest first (aio__join): from its
 * end backwards, each marked unlinked as it is woken, the list left empty.
 * (A wake-up reads no other place in it: the woken task's own place is
 * this one, or in no list while one of its items is in this one.) */
/* (through loop->joiners, set by the first join: aio__joined; each marked
 * woken by the end) */
static void aio__wake_joiners(aio_task *t) {
    aio_link *head = &t->run.joiners;
    aio_link *end = &t->loop->joined_end;
    aio_link *n = head;
    while (n->next != end) n = n->next;
    head->next = end;
    while (n != head) {
        aio_link *newer = n->prev;
        n->next = n->prev = NULL;
        aio__wake_by(AIO__WAITER_OF(n), AIO__T_SIGNALLED);
        n = newer;
    }
}

/* Wake every waiter of a list, oldest first: tasks' own places. */
static void aio__wake_all(aio_link *l, uint16_t flag) {
    while (aio__wake_first(l, flag)) {
    }
}

// >>cancellation
/* ----------------------------------------------------------- cancellation */

/* Sentinel "source" meaning: the task itself was cancelled. */
#define AIO__TASK_SOURCE ((aio_timeout *)(void *)&aio__loop)

/* What a task's code sees of the cancellations delivered to it (the
 * cleanup's rule: a cleanup section is not hit again by what brought it
 * there, but by anything delivered after it began). Nothing here is a
 * free-running count compared by order, so nothing goes wrong after any
 * number of deliveries:
 * - Its own cancellation: `cancels` moves on at a delivery that finds it
 *   unseen; a cleanup section keeps the value it found (`cancels_seen`) and
 *   sees the cancellation while the two differ. In cleanups nested d deep
 *   they differ by at most d + 1, so counting round 255 values is exact for
 *   the 254 levels `cleanups` allows.
 * - Blocks: one opened since the innermost cleanup began (its `cleanups` is
 *   the task's) is seen once delivered. The blocks opened before stay open
 *   until that cleanup ends, and a delivered block stays delivered, so the
 *   cleanup sees one of them exactly when more of them are delivered than
 *   when it began (`hidden`). A group's child starts with its owner's view. */
static int aio__task_cancel_visible(const aio_task *t) {
    return (t->flags & AIO__T_CANCEL_REQ) || t->cancels != t->view.v.cancels_seen;
}

/* Which cancellation applies to t's code right now: NULL, the task's own
 * cancel (which beats any timeout), or the outermost expired block it sees.
 * With `observe`, deadlines reached by now are noticed first (a checkpoint). */
static aio_timeout *aio__cancel_source(aio_task *t, int observe) {
    aio_loop *L = t->loop;
    aio_timeout *sc;
    aio_timeout *found = NULL;
    aio_timeout *older = NULL; /* the outermost delivered one opened before the cleanup */
    unsigned delivered_before = 0;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (observe && !(sc->flags & AIO__S_EXPIRED) && aio__due(sc->deadline, aio__now(L))) {
            sc->flags |= AIO__S_EXPIRED;
            AIO__TRACE(L, AIO_TRACE_FIRE, t, sc, AIO_FIRE_BLOCK, 0);
            AIO__TRACE(L, AIO_TRACE_CANCEL, t, sc, AIO_BY_DEADLINE, 0);
        }
        if (sc->flags & AIO__S_EXPIRED) {
            if (!(sc->flags & AIO__S_DELIVERED) || sc->cleanups >= t->view.v.cleanups) {
                found = sc;
            } else {
                delivered_before++;
                older = sc;
            }
        }
        if (sc->flags & AIO__S_SHIELD) break; /* nothing from outside gets in */
    }
    if (delivered_before > t->view.v.hidden) found = older;
    if (sc) return found; /* (held back by a shield) */
    return aio__task_cancel_visible(t) ? AIO__TASK_SOURCE : found;
}

/* The blocks delivered around t, as far as a shield: what a cleanup
 * beginning now does not see (65,535 of them open around one cleanup at
 * most: each is a block in a state struct, and no RAM holds that many). */
static uint16_t aio__delivered_blocks(const aio_task *t) {
    const aio_timeout *sc;
    unsigned n = 0;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (sc->flags & AIO__S_DELIVERED) n++;
        if (sc->flags & AIO__S_SHIELD) break;
    }
    return (uint16_t)n;
}

/* A cleanup section (or a process being stopped) begins: what was delivered
 * so far stays unseen until aio__unseen_end gives back the view it replaces,
 * kept in *saved. */
static void aio__unseen_begin(aio_task *t, union aio__view *saved) {
    *saved = t->view;
    t->view.v.cancels_seen = t->cancels;
    t->view.v.hidden = t->scope ? aio__delivered_blocks(t) : 0;
#ifdef AIO_DEBUG
    if (t->view.v.cleanups == 254) /* (its cancellation's count tells 254 levels apart) */
        (void)aio__misuse(AIO_EINVAL, "cleanup sections nested more than 254 deep in one task: "
                                      "a cancellation delivered in the deepest may go unseen");
#endif
    t->view.v.cleanups++;
}
static void aio__unseen_end(aio_task *t, const union aio__view *saved) { t->view = *saved; }

/* The task's own cancellation is delivered: seen from here on. */
static void aio__deliver_cancel(aio_task *t) {
    t->flags = (uint16_t)((t->flags & (uint16_t)~AIO__T_CANCEL_REQ) | AIO__T_WATCHED);
    if (t->cancels == t->view.v.cancels_seen) t->cancels = (uint8_t)(t->cancels == 255 ? 1 : t->cancels + 1);
}

/* The delivery of t's own request, with no block open. */
static inline aio_status aio__deliver_request(aio_task *t) {
    aio__deliver_cancel(t);
    t->loop->deliveries++;
    return AIO_ECANCELED;
}

/* A checkpoint: if a cancellation applies, mark every source not delivered
 * yet as delivered and return AIO_ECANCELED. With `observe`, deadlines
 * reached by now are noticed first. */
static aio_status aio__deliver(aio_task *t, int observe) {
    aio_timeout *sc;
    int delivered = 0;
    if (AIO__SPEED && !t->scope) { /* no block open: only the task's own cancellation */
        if (!(t->flags & AIO__T_CANCEL_REQ)) return aio__task_cancel_visible(t) ? AIO_ECANCELED : AIO_OK;
        return aio__deliver_request(t);
    }
    if (!aio__cancel_source(t, observe)) return AIO_OK;
    for (sc = t->scope; sc; sc = sc->parent) {
        if ((sc->flags & (AIO__S_EXPIRED | AIO__S_DELIVERED)) == AIO__S_EXPIRED) {
            sc->flags |= AIO__S_DELIVERED;
            delivered = 1;
        }
        if (sc->flags & AIO__S_SHIELD) break; /* the task's request waits */
    }
    if (!sc && (t->flags & AIO__T_CANCEL_REQ)) {
        aio__deliver_cancel(t);
        delivered = 1;
    }
    if (delivered) t->loop->deliveries++;
#ifdef AIO_DEBUG
    /* what a checkpoint delivers, the task's code sees until it lands: an
     * await that finds it unseen would take it for a value and swallow it */
    if (!aio__cancel_source(t, 0)) /* LCOV_EXCL_BR_LINE: (only if the library itself is wrong) */
        (void)aio__misuse(AIO_ECANCELED, "internal: a cancellation delivered at a checkpoint is not seen " /* LCOV_EXCL_LINE */
                                         "by the task's code (please report this)");
#endif
    return AIO_ECANCELED;
}

/* How the code outside the cancellation feature asks about cancellation
 * (through loop->cancellation, set by whatever can cancel: aio_cancel, a
 * block, a group): which source applies (AIO__LOOK), the same after noticing
 * the deadlines reached by now (AIO__OBSERVE), or deliver it (AIO__DELIVER,
 * non-NULL if delivered; AIO__MERGE: what has reached the task, noticing no
 * deadline). A task that is plain has nothing to ask. */
enum { AIO__LOOK = 0, AIO__OBSERVE = 1, AIO__DELIVER = 2, AIO__CANCEL = 3, AIO__MERGE = 4 };
static aio_timeout *aio__cancellation(aio_task *t, int how) {
    if (how == AIO__DELIVER || how == AIO__MERGE)
        return aio__deliver(t, how == AIO__DELIVER) < 0 ? AIO__TASK_SOURCE : NULL;
    if (how == AIO__CANCEL) { /* aio_cancel(t) */
        (void)aio_cancel(t);
        return NULL;
    }
    return aio__cancel_source(t, how);
}

/* A cancel request for t, from task `by` (passing its own on): t's loop asks
 * about cancellation from now on, as by's does. */
static void aio__request_cancel(aio_task *t, const aio_task *by) {
    t->loop->cancellation = by->loop->cancellation;
    t->flags |= AIO__T_CANCEL_REQ;
    AIO__TRACE(t->loop, AIO_TRACE_CANCEL, t, by,
               (by->flags & AIO__T_GATHERING) || by->await.child != t ? AIO_BY_GATHER : AIO_BY_OWNER, 0);
}

static inline aio_status aio__checkpoint(aio_task *t) {
    return aio__plain(t) || !t->loop->cancellation(t, AIO__DELIVER) ? AIO_OK : AIO_ECANCELED;
}

/* Deadline a, armed as number `as`, comes before deadline b (armed as `bs`):
 * by time, then by arming order; AIO_NEVER comes last. */
static int aio__key_before(aio_time a, const aio__count *as, aio_time b, const aio__count *bs) {
    if (a == AIO_NEVER) return 0;
    if (b == AIO_NEVER) return 1;
    if (a != b) return aio__before(a, b);
    return aio__count_before(as, bs);
}

/* Earliest deadline among the scopes around t that have not fired yet, and
 * (if `seq`) its arming order: the scope's own if t opened it; a deadline a
 * group child inherits is shared, so it takes the order of this arming (the
 * children it reaches fire in the order they parked). The scopes beyond a
 * shielded block count `through_shields`: their deadlines pass (and the
 * blocks expire) on time while the shield holds the cancellation back. */
static aio_time aio__scope_deadline(const aio_task *t, aio__count *seq, int through_shields) {
    const aio_timeout *sc;
    const aio_timeout *first = NULL;
    aio_time d = AIO_NEVER;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (!(sc->flags & AIO__S_EXPIRED) && sc->deadline != AIO_NEVER &&
            (!first || (sc->deadline != d ? aio__before(sc->deadline, d)
                                          : aio__count_before(&sc->seq, &first->seq)))) {
            d = sc->deadline;
            first = sc;
        }
        if ((sc->flags & AIO__S_SHIELD) && !through_shields) break;
    }
    if (!seq || !first) return d;
    if (first->task != t)
        aio__arming(t->loop, seq);
    else
        *seq = first->seq;
    return d;
}

/* The earlier of deadline (*when, *seq) and those of the blocks around t
 * (loop->scope_key). */
static void aio__scope_key(const aio_task *t, aio_time *when, aio__count *seq) {
    aio__count scope_seq = aio__count_zero(); /* (set when d is a time) */
    aio_time d = aio__scope_deadline(t, &scope_seq, 1);
    if (aio__key_before(d, &scope_seq, *when, seq)) {
        *when = d;
        *seq = scope_seq;
    }
}

static aio_group *aio__group_of(const aio_task *t);

/* Apply `visit` to `root` and, through the groups it has open inside scope
 * `stop` (all of them if NULL), to every descendant: the tasks whose chain of
 * scopes passes through root's scopes there. Depth first, in a loop: a child
 * finds its way back through its group (no stack in proportion to how deeply
 * groups nest). */
static void aio__visit_tree(aio_task *root, const aio_timeout *stop, void (*visit)(aio_task *)) {
    aio_task *t = root;
    aio_timeout *sc = root->scope;
    visit(root);
    for (;;) {
        aio_group *g;
        while (sc && sc->task == t && sc != stop && !(sc->flags & AIO__S_GROUP)) sc = sc->parent;
        if (sc && sc->task == t && sc != stop) { /* a group t has open */
            g = AIO_CONTAINER(sc, aio_group, scope);
            if (g->children.next != &g->children) { /* down to its first child */
                t = AIO_CONTAINER(g->children.next, aio_task, member);
                visit(t);
                sc = t->scope;
            } else {
                sc = sc->parent;
            }
            continue;
        }
        if (t == root) return;
        g = aio__group_of(t); /* t is done with: its next sibling, or back to the owner */
        if (t->member.next != &g->children) {
            t = AIO_CONTAINER(t->member.next, aio_task, member);
            visit(t);
            sc = t->scope;
        } else {
            t = g->scope.task;
            sc = g->scope.parent;
        }
    }
}

/* Arm t's timer for the earliest of its await's own deadline (if
 * `own_deadline`) and its scopes' (if `with_scopes`), in their arming order;
 * disarm it if there is none. */
static aio_status aio__arm_deadlines(aio_task *t, int own_deadline, int with_scopes) {
    aio_timer e; /* (the heap's entry, built where the hook refines it) */
    e.when = own_deadline ? t->until : AIO_NEVER;
    e.seq = t->until_seq;
    e.task = t;
    if (with_scopes && t->scope) t->loop->scope_key(t, &e.when, &e.seq);
    if (e.when == AIO_NEVER) {
        aio__disarm(t);
        return AIO_OK;
    }
    return aio__arm(&e);
}

/* Park t until the await's own deadline (t->until, if `own_deadline`), the
 * deadlines of its scopes (if `with_scopes`) or a wake-up. */
static aio_status aio__park(aio_task *t, int own_deadline, int with_scopes) {
    if ((own_deadline && t->until != AIO_NEVER) || (with_scopes && t->scope)) {
        aio_status rc = aio__arm_deadlines(t, own_deadline, with_scopes);
        if (rc < 0) return rc;
    }
    aio__park_now(t, with_scopes ? 0 : AIO__T_DEAF);
    AIO__TRACE(t->loop, AIO_TRACE_SUSPEND, t, t->loop->trace_obj, t->loop->trace_on,
               t->loop->trace_value);
    return AIO__SUSPENDED;
}

/* A parked task's timer follows its deadlines again. */
static void aio__rearm(aio_task *t) {
    if (t->state == AIO__PARKED && !(t->flags & AIO__T_DEAF) && aio__arm_deadlines(t, 1, 1) < 0)
        aio__wake(t); /* no slot: let it re-park and report */
}

/* 1 if a cancellation applies to t that was not delivered yet. */
static int aio__undelivered(const aio_task *t) {
    const aio_timeout *sc;
    for (sc = t->scope; sc; sc = sc->parent) {
        if ((sc->flags & (AIO__S_EXPIRED | AIO__S_DELIVERED)) == AIO__S_EXPIRED) return 1;
        if (sc->flags & AIO__S_SHIELD) return 0;
    }
    return (t->flags & AIO__T_CANCEL_REQ) != 0;
}

/* 1 if a checkpoint now delivers a cancellation that was not delivered yet. */
static int aio__new_cancellation(aio_task *t) {
    uint8_t before = t->loop->deliveries; /* (one checkpoint adds at most 1) */
    aio__checkpoint(t);
    return t->loop->deliveries != before;
}

/* How a cancellation that may now apply reaches a task: as asyncio's
 * Task.cancel() does, at once. A parked task wakes to take it; one parked
 * on children it owns (AIO_AWAIT, AIO_WAIT_FOR, AIO_GATHER of tasks it
 * spawned) takes it where it is and passes it on to them, and they to
 * theirs, so a child that has not run yet never starts. A ready task keeps
 * it for its next step; a shielded block holds it back until it ends.
 *
 * aio__cancel_reaches acts on one task and returns the child an await passes
 * it on to; gathering tasks, which pass it on to several, are queued on
 * `gatherers` through their wait link (idle while they gather). Loops, not
 * recursion: chains of awaits can be as long as there are tasks. */
static void aio__cancel_arrives(aio_task *t);
static aio_task *aio__cancel_reaches(aio_task *t, aio_link *gatherers) {
    aio_task *child;
    if (!(t->flags & (AIO__T_AWAITING | AIO__T_GATHERING))) {
        aio__cancel_arrives(t); /* (it waits for nothing it owns) */
        return NULL;
    }
    if (t->state != AIO__PARKED) {
        /* one that gathers, woken by the end of one of its tasks: the gather
         * looks whether it is still waiting (loop->spread, set by gathers) */
        if (t->flags & AIO__T_GATHERING) t->loop->spread(gatherers, t); /* (it asks: ready, not running) */
        return NULL;
    }
    if (!aio__cancel_source(t, 0)) return NULL;
    if (!aio__new_cancellation(t)) return NULL; /* passed on already */
    t->flags |= AIO__T_JOIN_CANCEL;
    if (t->flags & AIO__T_GATHERING) {
        aio__list_append(gatherers, &t->wait.link);
        return NULL;
    }
    child = t->await.child;
    aio__request_cancel(child, t);
    return child;
}

/* A gather passes its cancellation on to the tasks it spawned and stops
 * waiting for the others. 1 if it still waits for some. */
static int aio__gather_pass_on(aio_task *t, aio_link *gatherers) {
    aio_wait_item *items = t->await.many.items;
    uint32_t i;
    int waiting = 0;
    for (i = 0; i < t->await.many.n; i++) {
        aio_task *c = items[i].task;
        if (c->state == AIO__DONE) continue;
        if (c->parent != t) {
            aio__list_unlink(&items[i].node.link);
            continue;
        }
        if (!aio__linked(&items[i].node.link)) aio__join(c, &items[i].node.link);
        waiting = 1;
        aio__request_cancel(c, t);
        while (c) c = aio__cancel_reaches(c, gatherers);
    }
    return waiting;
}

/* 1 if t, a gathering task that the end of one of its tasks woke, still
 * waits: a cancel that reaches it now came before its gather was complete
 * (asyncio's gather() passes it on to the tasks still running), not after
 * (then the result it was woken for comes first, L3). */
static int aio__gather_woken_early(const aio_task *t) {
    const aio_wait_item *items = t->await.many.items;
    uint32_t i;
    int running = 0;
    if ((t->flags & (AIO__T_SIGNALLED | AIO__T_JOIN_CANCEL)) != AIO__T_SIGNALLED) return 0;
    for (i = 0; i < t->await.many.n; i++) {
        const aio_task *c = items[i].task;
        if (c->state != AIO__DONE) running = 1;
        else if (c->frame.rc < 0 && !(t->flags & AIO__T_GATHER_ALL)) return 0; /* its first failure */
    }
    return running;
}

/* Pass a cancellation on through the gathering tasks queued on `gatherers`,
 * and through them to what they own and await; with `woken`, first through
 * that one, a gathering task woken and not yet run (its wait link is its
 * place in the ready queue): when it runs, it waits for their cleanup. */
static void aio__cancel_spread(aio_link *gatherers, aio_task *woken) {
    if (woken) { /* (what it queues, the caller spreads) */
        uint8_t before = woken->loop->deliveries; /* (aio__new_cancellation, kept inline there) */
        if (woken->state != AIO__READY || !aio__gather_woken_early(woken) || !aio__cancel_source(woken, 0))
            return;
        aio__checkpoint(woken);
        if (woken->loop->deliveries == before) return; /* passed on already */
        woken->flags |= AIO__T_JOIN_CANCEL;
        (void)aio__gather_pass_on(woken, gatherers);
        return;
    }
    while (!aio__list_empty(gatherers)) {
        aio_task *g = AIO__TASK_OF(gatherers->next);
        aio__list_unlink(&g->wait.link);
        if (!aio__gather_pass_on(g, gatherers)) aio__wake(g); /* nothing to wait for */
    }
}

/* A cancellation arrives at t. One that awaits what it owns passes it on along the chain
 * (aio__cancel_chain), reached through the hook its join set (loop->joiners, given a task
 * alive): a program that never awaits a task links none of that. One that waits for nothing
 * it owns wakes to take it if it is parked (one taking a condition's lock back goes to the
 * back of the queue). */
static void aio__cancel_arrives(aio_task *t) {
    if (t->flags & (AIO__T_AWAITING | AIO__T_GATHERING))
        t->loop->joiners(t);
    else if (t->state == AIO__PARKED && aio__cancel_source(t, 0) &&
             (!(t->flags & AIO__T_RELOCK) || aio__undelivered(t)))
        aio__wake(t);
}

/* The chain from t, a task that awaits what it owns: each link passes the
 * cancellation on to the next, and the gathering tasks met on the way to
 * theirs. */
static void aio__cancel_chain(aio_task *t) {
    aio_link gatherers;
    aio__list_init(&gatherers);
    while (t) t = aio__cancel_reaches(t, &gatherers);
    if (!aio__list_empty(&gatherers)) AIO__TASK_OF(gatherers.next)->loop->spread(&gatherers, NULL);
}

/* loop->joiners, set by the first join (aio__join): given a task that has
 * ended, its waiters wake; given one alive (which awaits what it owns), a
 * cancellation that arrived at it passes on. */
AIO_API void aio__joined(aio_task *t) {
    if (t->state == AIO__DONE)
        aio__wake_joiners(t);
    else
        aio__cancel_chain(t);
}

/* Suspend once and deliver the pending cancellation on resumption (asyncio
 * also suspends before raising): the frame resumes where it unwinds to. A
 * cancel that reaches the task meanwhile (its own, or passed on by an owner
 * or a group) comes before the code sees the cancellation, so it is delivered
 * with it where the frame lands (aio__raised), not again in its cleanup:
 * asyncio throws one CancelledError for every cancel() before the task
 * resumes (R9). */
static aio_status aio__yield_then_raise(aio_task *t, aio_frame *f) {
    aio__set_status(t, f, AIO_ECANCELED);
    f->lc = (uint16_t)aio__unwind_target(t, f);
    f->flags |= AIO__F_RAISING;
    aio__enqueue(t);
    return AIO__SUSPENDED;
}

/* Where a frame that aio__yield_then_raise suspended lands (a block's end,
 * its cleanup; a callee with neither passes the mark on to its caller, and a
 * task that ends there needs none): what reached the task while it was
 * suspended is delivered now, with the cancellation it unwinds (no deadline
 * is noticed here: one the clock passed meanwhile is a new cancellation, as
 * asyncio's timer, firing after the task's step, makes it). */
static void aio__raised(aio_task *t, aio_frame *f) {
    if (!(f->flags & AIO__F_RAISING)) return;
    f->flags &= (uint8_t)~AIO__F_RAISING;
    (void)t->loop->cancellation(t, AIO__MERGE);
}

/* Set the frame's status to `err` and tell the await macro to unwind. */
static aio_status aio__raise(aio_task *t, aio_frame *f, aio_status err) {
    aio__set_status(t, f, err);
    return AIO__RAISE;
}

// >>tasks-impl
/* ------------------------------------------------------------------ tasks */

AIO_API aio_task *aio_current(void) { return aio__loop ? aio__loop->current : NULL; }

/* Where time counts, a call kept apart: the slow halves of the awaits whose
 * fast halves are inline in the body (>>fast-paths), a function's slow way
 * where its fast one is to save no register, the end of a task apart from
 * the turn (the compiler could copy one in, the whole implementation being
 * in the body's file). */
#if AIO__SPEED && (defined(__GNUC__) || defined(__clang__))
#define AIO__SLOW_HALF __attribute__((noinline))
#else
#define AIO__SLOW_HALF
#endif


/* 1 if task t, about to take its first step, never runs: it was cancelled
 * before (asyncio: its coroutine never starts). */
static int aio__never_runs(aio_loop *L, aio_task *t) {
    t->flags |= AIO__T_STARTED;
    if (aio__plain(t) || !L->cancellation || !L->cancellation(t, AIO__OBSERVE)) return 0;
    t->flags &= (uint16_t)~AIO__T_CANCEL_REQ;
    return 1;
}

/* A task's first step, where time counts: its body takes the place of this
 * function, and a task cancelled before it ran ends without running it. The
 * turn's own step then tests nothing for a first step (the copy that tells
 * the instruments tests it before the step, as it tells none for a task that
 * never runs: one whose step is still this function, not marked started by
 * its spawner; a task's start is not marked here). */
static aio_status aio__first_step_checked(aio_task *t) {
    if (t->flags & AIO__T_STARTED) return t->run.body.fn(t); /* (checked already, or never to be) */
    return aio__never_runs(t->loop, t) ? AIO_ECANCELED : t->run.body.fn(t);
}
static aio_status aio__first_step(aio_task *t) {
    t->run.body.fn = t->await.first; /* (the union's other members are set by the awaits that use them) */
    if (t->flags & (AIO__T_STARTED | AIO__T_WATCHED | AIO__T_CANCEL_REQ))
        return aio__first_step_checked(t); /* (a call apart: none here) */
    return t->run.body.fn(t);
}

/* Every task belongs to the loop it is spawned on: it is queued, parked,
 * woken and cancelled there, whichever loop or thread the caller runs.
 * Where time counts, `end_run` becomes the loop's here (aio_spawn's: what
 * aio_run's end cancels; the others pass the loop's own on); where size
 * counts, aio_spawn sets it itself (AIO__SPAWN_ON drops the argument). */
#if AIO__SPEED
/* (where time counts, the arguments' checks are inline, in the spawner's
 * body: there a task and a function it names are no test at all) */
#define AIO__SPAWN_ON(L, t, fn, end_run) aio__spawn_on(L, t, fn, end_run)
static aio_status aio__spawn_checked(aio_loop *L, aio_task *t, aio_task_fn fn,
                                     void (*end_run)(aio_loop *loop));
/* (L: a loop, which aio_spawn tests itself) */
static AIO__ALWAYS_INLINE aio_status aio__spawn_on(aio_loop *L, aio_task *t, aio_task_fn fn,
                                                   void (*end_run)(aio_loop *loop)) {
    if (!t || !fn) return aio__misuse(AIO_EINVAL, "aio_spawn: task or function is NULL");
    return aio__spawn_checked(L, t, fn, end_run);
}
static aio_status aio__spawn_checked(aio_loop *L, aio_task *t, aio_task_fn fn,
                                     void (*end_run)(aio_loop *loop)) {
    L->end_run = end_run;
#else
#define AIO__SPAWN_ON(L, t, fn, end_run) aio__spawn_on(L, t, fn)
static aio_status aio__spawn_on(aio_loop *L, aio_task *t, aio_task_fn fn) {
    if (!t || !fn) return aio__misuse(AIO_EINVAL, "aio_spawn: task or function is NULL");
    if (!L) return aio__misuse(AIO_EINVAL, "aio_spawn: no loop; call aio_loop_init first");
#endif
    if (t->state != AIO__NEW && t->state != AIO__DONE)
        return aio__misuse(AIO_EINVAL, "aio_spawn: the task is still alive; "
                                       "wait for it to finish before spawning it again");
    /* every field from the flags on set or zeroed here (no all-zero
     * template in flash), the wait link by the enqueue below: where time
     * counts one by one, where size counts by a call */
#if AIO__SPEED
    t->flags = 0;
    memset(&t->frame, 0, sizeof t->frame);
    t->scope = NULL;
    t->until_seq = aio__count_zero();
    t->timer = 0;
    t->cancels = 0;
    t->view.word = 0;
    t->await.first = fn; /* its first step is aio__first_step's (the union's other
                            members are set by the awaits that use them) */
#else
    memset(&t->cancels, 0, sizeof *t - offsetof(aio_task, cancels));
    (void)sizeof(char[offsetof(aio_task, cancels) == offsetof(aio_task, state) + 1
                          ? 1
                          : -1]); /* (wait and state before them: set by the enqueue) */
#endif
    t->run.body.fn = AIO__SPEED ? aio__first_step : fn;
    t->loop = L;
    t->run.joiners.next = &L->joined_end; /* none yet (the head's `prev` is the body) */
    t->parent = aio__loop == L ? L->current : NULL;
    t->until = AIO_NEVER;
    L->live++;
    aio__list_insert(&L->tasks, &t->member);
    aio__enqueue(t);
    AIO__TRACE(L, AIO_TRACE_SPAWN, t, t->parent, 0, 0);
    return AIO_OK;
}

/* asyncio.run's end: cancel every task the main task left running (a group's
 * children through their group's owner), then let them finish. */
static void aio__cancel_leftovers(aio_loop *L) {
    aio_link *n;
    for (n = L->tasks.next; n != &L->tasks; n = n->next) {
        AIO__CAUSE(L, NULL, AIO_BY_RUN);
        aio_cancel(AIO_CONTAINER(n, aio_task, member));
    }
}

AIO_API aio_status aio_spawn(aio_task *t, aio_task_fn fn) {
#if AIO__SPEED
    if (!t || !fn) return aio__misuse(AIO_EINVAL, "aio_spawn: task or function is NULL");
    if (!aio__loop) return aio__misuse(AIO_EINVAL, "aio_spawn: no loop; call aio_loop_init first");
    return aio__spawn_checked(aio__loop, t, fn, aio__cancel_leftovers); /* tasks beside aio_run's main */
#else
    if (aio__loop) aio__loop->end_run = aio__cancel_leftovers;
    return AIO__SPAWN_ON(aio__loop, t, fn, aio__cancel_leftovers); /* tasks beside aio_run's main */
#endif
}

AIO_API int aio_task_alive(const aio_task *t) {
    return t && t->state != AIO__NEW && t->state != AIO__DONE;
}

AIO_API int aio_cancel(aio_task *t) {
    if (!t || t->state == AIO__NEW)
        return aio__misuse(AIO_EINVAL, "aio_cancel: the task was never spawned");
    if (t->state == AIO__DONE) return 0;
    t->loop->cancellation = aio__cancellation;
    t->flags |= AIO__T_CANCEL_REQ;
    AIO__TRACE(t->loop, AIO_TRACE_CANCEL, t, NULL, AIO_BY_CALL, 0); /* (or a cause: aio__trace) */
    /* it takes it at its next step; one that gathers, woken by one of its
     * tasks' ends, passes it on to the others now (aio__cancel_reaches) */
    if (t->state != AIO__PARKED && !(t->flags & AIO__T_GATHERING)) return 1;
    /* with no block open and nothing it owns awaited, the request is all that
     * applies, and it wakes to take it (aio__cancel_reaches, in short) */
#if AIO__SPEED
    if (!t->scope && !(t->flags & (AIO__T_AWAITING | AIO__T_GATHERING))) {
        aio__wake_parked(t);
        return 1;
    }
#endif
    aio__cancel_arrives(t);
    return 1;
}

AIO_API int aio_task_done(const aio_task *t) { return t->state == AIO__DONE; }
AIO_API int aio_task_cancelled(const aio_task *t) {
    return t->state == AIO__DONE && t->frame.rc == AIO_ECANCELED;
}
AIO_API int aio_task_failed(const aio_task *t) {
    return t->state == AIO__DONE && t->frame.rc < 0 && t->frame.rc != AIO_ECANCELED;
}
AIO_API aio_status aio_task_result(const aio_task *t) {
    if (t->state == AIO__NEW)
        return aio__misuse(AIO_EINVAL, "aio_task_result: the task was never spawned");
    return t->state == AIO__DONE ? t->frame.rc : AIO_EINPROGRESS;
}
AIO_API int aio_task_cancel_pending(const aio_task *t) {
    return t->state != AIO__DONE && (t->flags & AIO__T_CANCEL_REQ) != 0;
}

/* The group child t was spawned into: the first scope of its chain that is
 * not its own (a group's child's chain goes on into its group's). */
static aio_group *aio__group_of(const aio_task *t) {
    aio_timeout *root = t->scope;
    while (root->task == t) root = root->parent; /* NOLINT(clang-analyzer-core.NullDereference): ends at its group */
    return AIO_CONTAINER(root, aio_group, scope);
}

static void aio__group_abort(aio_group *g);

static void aio__scope_close(aio_task *t, aio_timeout *sc);

/* A coroutine left with a plain `return` inside blocks it opened (those of
 * `frame`, or every one of the task's if NULL): close them, as their ends
 * would have, and cancel the children of a group among them (the second
 * version, which a program that opens groups uses). */
static int aio__abandoned(const aio_task *t, const aio_frame *frame) {
    return t->scope && t->scope->task == t && (!frame || t->scope->frame == frame);
}
static void aio__close_blocks(aio_task *t, const aio_frame *frame) {
    while (aio__abandoned(t, frame)) aio__scope_close(t, t->scope);
}
static void aio__close_blocks_and_groups(aio_task *t, const aio_frame *frame) {
    while (aio__abandoned(t, frame)) {
        aio_timeout *sc = t->scope;
        int outlived = (sc->flags & AIO__S_GROUP) && AIO_CONTAINER(sc, aio_group, scope)->live;
        if (outlived) aio__group_abort(AIO_CONTAINER(sc, aio_group, scope));
        aio__scope_close(t, sc);
        /* Its children, cancelled, outlive the blocks around it, which may
         * end and be entered again meanwhile: they no longer reach them. */
        if (outlived) sc->parent = NULL;
    }
}

/* Task t's place in the order tasks finish in: the loop's count, kept in
 * the union's two words (two word stores, no copy through memory). */
static AIO__ALWAYS_INLINE void aio__stamp_end(aio_loop *L, aio_task *t) {
#if defined(AIO__COUNT_WORDS)
    aio__count_up(&L->finished);
    t->await.finished[0] = L->finished.lo;
    t->await.finished[1] = L->finished.hi;
#elif defined(__cplusplus)
    uint64_t n = ++L->finished; /* (C++ reads no union member it did not write last) */
    memcpy(t->await.finished, &n, sizeof n);
#else
    union { uint64_t n; uint32_t w[2]; } v;
    v.n = ++L->finished;
    t->await.finished[0] = v.w[0];
    t->await.finished[1] = v.w[1];
#endif
}

/* Task t's end, with status rc, told to those who await it: its joiners
 * woken, each marked as woken by the end. */
static AIO__ALWAYS_INLINE void aio__ended(aio_loop *L, aio_task *t, aio_status rc) {
    aio__disarm(t);
    t->frame.rc = rc;
    t->state = AIO__DONE;
    aio__stamp_end(L, t);
    L->live--;
#ifdef AIO_DEBUG
    if (aio__told_task == t) aio__told_task = NULL; /* its next run starts afresh */
#endif
    AIO__TRACE(L, AIO_TRACE_END, t, NULL, 0, rc);
    AIO__CAUSE(L, t, AIO_BY_DONE); /* (the wake-ups its end makes) */
    if (t->run.joiners.next != &L->joined_end) L->joiners(t); /* (one joined it: the hook is set; t has ended) */
}

/* A child of a group has ended (with status rc): its end, told as
 * aio__ended tells it, and the group's count. A cancellation from the group
 * or the blocks around it that is still in force as the child's body
 * returns (never delivered, as there was no checkpoint after it, or
 * delivered and not overruled by a cleanup) ends it cancelled, as a request
 * of its own does (R7): a value never stands for a cancellation sent. */
static void aio__left_group(aio_task *t, aio_status rc) {
    aio_loop *L = t->loop;
    aio_group *g = AIO_CONTAINER(t->scope, aio_group, scope); /* (its own blocks are closed) */
    if (rc >= 0 && !(t->frame.flags & AIO__F_OVERRIDE) && L->cancellation(t, AIO__LOOK))
        rc = AIO_ECANCELED;
    aio__ended(L, t, rc);
    aio__list_unlink(&t->member);
    if (rc < 0 && rc != AIO_ECANCELED) { /* cancelled children are not failures */
        if (g->status == AIO_OK) g->status = rc;
        /* The group hears of it one turn of the ready queue later (asyncio:
         * a done callback): siblings woken in this instant take the step
         * their wake-up earned first. Until then it counts as alive, so
         * the block cannot end before the group has heard. */
        g->unheard++;
        if (!aio__linked(&g->notice.link)) aio__enqueue_link(t->loop, &g->notice.link);
    } else {
        g->live--;
        if (g->live == 0 && (g->flags & AIO__G_JOINING)) aio__wake(g->scope.task);
    }
}

/* The end of a task that no group owns: it leaves the loop's list. */
static AIO__ALWAYS_INLINE void aio__ended_alone(aio_loop *L, aio_task *t, aio_status rc) {
    AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
    aio__list_unlink(&t->member);
    if (AIO__ENDING(L) && rc < 0 && rc != AIO_ECANCELED)
        aio__misuse(rc, "a task that the main task left running failed as aio_run cancelled it");
}

static void aio__finish(aio_loop *L, aio_task *t, aio_status rc) {
    if (t->scope && t->scope->task == t) {
        aio__misuse(AIO_EINVAL, "a task ended inside an open timeout block, which is now closed: "
                                "leave coroutines with AIO_RETURN, never `return`");
        L->close_blocks(t, NULL);
    }
    if (t->scope) { /* (a block of its own is closed by now): a group's child, which the group ends */
        L->left_group(t, rc);
        AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        return;
    }
    aio__ended(L, t, rc);
    aio__ended_alone(L, t, rc);
}

#if AIO__SPEED
/* The common end where time counts: no block open, no group, no timer, at
 * most one joiner, parked awaiting this task alone (AIO_AWAIT, AIO_WAIT_FOR),
 * and aio_run not ending. Every test comes first, so that the rest calls
 * nothing (but the joiner's timer disarmed at the end) and saves no
 * register: a call apart from the turn, whose registers it leaves alone.
 * Anything else takes aio__finish. */
static AIO__SLOW_HALF void aio__end(aio_loop *L, aio_task *t, aio_status rc) {
    aio_link *end = &L->joined_end;
    aio_link *n = t->run.joiners.next;
    aio_task *w = NULL;
    if (t->timer || AIO__ENDING(L)) goto general;
    if (n != end) { /* (a wait item's mark, where a task has its state, is never AIO__PARKED) */
        w = AIO__TASK_OF(n);
        if (n->next != end || w->state != AIO__PARKED) goto general;
    }
    t->frame.rc = rc;
    t->state = AIO__DONE;
    aio__stamp_end(L, t);
    L->live--;
#ifdef AIO_DEBUG
    if (aio__told_task == t) aio__told_task = NULL;
#endif
    AIO__TRACE(L, AIO_TRACE_END, t, NULL, 0, rc);
    if (w) { /* its joiner, woken by the end as aio__ended would */
        AIO__CAUSE(L, t, AIO_BY_DONE);
        t->run.joiners.next = end;
        n->next = n->prev = NULL;
        w->flags |= AIO__T_SIGNALLED;
        aio__enqueue(w);
        AIO__TRACE(L, AIO_TRACE_WAKE, w, NULL, AIO_TRACE_NONE, 0);
    }
    AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
    /* out of the loop's list, where a task no group owns is while it is
     * alive (its link is not read again before its next spawn) */
    t->member.prev->next = t->member.next;
    t->member.next->prev = t->member.prev;
    /* a wait_for's timer, last: a tail call (its place in the heap is all
     * it changes, which nothing above reads) */
    if (w && w->timer) aio__remove_timer(w);
    return;
general:
    aio__finish(L, t, rc);
}
#endif

/* A group's notice comes up in the ready queue: it hears of the failures. */
static void aio__group_hear(aio_link *notice) {
    aio_group *g = AIO_CONTAINER(notice, aio_group, notice);
    g->live -= g->unheard;
    g->unheard = 0;
    aio__group_abort(g);
    if (g->live == 0 && (g->flags & AIO__G_JOINING)) aio__wake(g->scope.task);
}

/* Run one ready task until it suspends or finishes: the general way, which
 * size builds take, and where time counts the turns of a loop with
 * instruments (it tells them each step). A task cancelled before it ran
 * never runs its body (where time counts, untold, its first step tests
 * that: aio__first_step). */
#if AIO_INSTRUMENTS
#define AIO__TOLD(L, kind, t, detail) \
    do { if ((L)->trace) (L)->trace((L), (kind), (t), NULL, (detail), 0); } while (0)
#else
#define AIO__TOLD(L, kind, t, detail) ((void)0)
#endif
#if AIO__SPEED && AIO_INSTRUMENTS
static AIO__SLOW_HALF void aio__run_task_told(aio_loop *L, aio_task *t, const aio_task *main) {
#elif !AIO__SPEED
static void aio__run_task(aio_loop *L, aio_task *t, const aio_task *main) {
#endif
#if !AIO__SPEED || AIO_INSTRUMENTS
    aio_status rc;
    if (AIO__SPEED) L->current = NULL; /* (an untold step that suspended left it set) */
    if ((!AIO__SPEED || t->run.body.fn == aio__first_step) && !(t->flags & AIO__T_STARTED) && aio__never_runs(L, t)) {
        aio__finish(L, t, AIO_ECANCELED);
        if (AIO__SPEED && t == main) L->busy |= AIO__BUSY_MAIN; /* (as below) */
        return;
    }
    t->state = AIO__RUNNING;
    L->current = t;
#if AIO_INSTRUMENTS
    if (AIO__SPEED || L->trace) L->trace(L, AIO_TRACE_STEP, t, NULL, 0, 0); /* (where time counts: it is set) */
#endif
again: /* (an await's slow way asked for the body again: the same step, told once) */
    rc = t->run.body.fn(t);
    L->current = NULL;
    if (rc != AIO__SUSPENDED) {
        aio__finish(L, t, rc);
        if (AIO__SPEED && t == main) L->busy |= AIO__BUSY_MAIN; /* (aio_run's: its turn goes the long way) */
    } else if (t->state == AIO__RUNNING) {
#if AIO__SPEED
        if (t->flags & AIO__T_AGAIN) {
            t->flags &= (uint16_t)~AIO__T_AGAIN;
            L->current = t;
            goto again;
        }
#endif
        t->state = AIO__PARKED; /* suspended on nothing: only a cancel wakes it */
        AIO__TOLD(L, AIO_TRACE_SUSPEND, t, AIO_ON_NOTHING);
#if !AIO__SPEED
    } else if (t->state == AIO__AGAIN) {
        t->state = AIO__RUNNING;
        L->current = t;
        goto again;
#endif
    } else if (t->state == AIO__READY) { /* a yield (else it parked, and aio__park told) */
        AIO__TOLD(L, AIO_TRACE_SUSPEND, t, AIO_ON_YIELD);
    }
    AIO__TOLD(L, AIO_TRACE_STEPPED, t, 0);
    (void)main;
}
#endif

#if AIO__SPEED
/* An untold step whose await's slow way ended the body's call to be called
 * again at once (AIO__T_AGAIN): the step goes on, apart from the turn. (It
 * cannot ask again: the body goes on past the await, or lands, and the
 * await that would ask is a resumption's, which only a new step makes.) */
static AIO__SLOW_HALF void aio__step_again(aio_loop *L, aio_task *t, const aio_task *main) {
    aio_status rc;
    t->flags &= (uint16_t)~AIO__T_AGAIN;
    rc = t->run.body.fn(t);
    if (rc != AIO__SUSPENDED) {
        L->current = NULL;
        aio__finish(L, t, rc);
        if (t == main) L->busy |= AIO__BUSY_MAIN;
    } else if (t->state == AIO__RUNNING) {
        t->state = AIO__PARKED;
    }
}

/* Where time counts, untold: a step that suspends leaves L->current set
 * (the next step sets it, and whoever runs code between steps, a group's
 * notice, the turn's end, the loop's top, clears it first: aio__run_ready
 * and aio_run), and a task with no block open and in no group ends the
 * common way (aio__end). */
static AIO__ALWAYS_INLINE void aio__run_task(aio_loop *L, aio_task *t, const aio_task *main) {
    aio_status rc;
    t->state = AIO__RUNNING;
    L->current = t;
    rc = t->run.body.fn(t);
    if (rc != AIO__SUSPENDED) {
        L->current = NULL;
        if (!t->scope) /* no block, no group: the common end */
            aio__end(L, t, rc);
        else
            aio__finish(L, t, rc);
        if (t == main) L->busy |= AIO__BUSY_MAIN; /* (aio_run's: its turn goes the long way) */
    } else if (t->state == AIO__RUNNING) {
        if (t->flags & AIO__T_AGAIN)
            aio__step_again(L, t, main); /* the same step goes on */
        else
            t->state = AIO__PARKED; /* suspended on nothing: only a cancel wakes it */
    }
}
#endif

// >>loop-impl
/* -------------------------------------------------------------------- loop */

/* The timer of parked task t is due: its deadlines that passed take effect
 * now, in the order the timers fire. A sleep ends. A wait's own timeout
 * ends the wait, or, in AIO_WAIT_FOR, cancels the child it owns. A block's
 * deadline cancels the task there and then (asyncio's timeout calls
 * cancel() when its timer fires), so what the task awaits and owns is
 * cancelled before anything else runs, and a completion that comes later
 * in this instant finds the waiter gone. */
static void aio__expire(aio_task *t, aio_time now) {
    aio_timeout *sc;
    aio__disarm(t);
    for (sc = t->scope; sc; sc = sc->parent) /* shields hold back only the cancellation */
        if (!(sc->flags & AIO__S_EXPIRED) && aio__due(sc->deadline, now)) {
            sc->flags |= AIO__S_EXPIRED;
            AIO__TRACE(t->loop, AIO_TRACE_FIRE, t, sc, AIO_FIRE_BLOCK, 0);
            AIO__TRACE(t->loop, AIO_TRACE_CANCEL, t, sc, AIO_BY_DEADLINE, 0);
        }
    if (aio__due(t->until, now)) {
        if (!(t->flags & AIO__T_AWAITING)) {
            aio__wake(t);
            return;
        }
        t->until = AIO_NEVER;
        t->flags |= AIO__T_JOIN_CANCEL;
        AIO__TRACE(t->loop, AIO_TRACE_FIRE, t, NULL, AIO_FIRE_WAIT, 0);
        AIO__CAUSE(t->loop, t, AIO_BY_WAIT_FOR);
        aio_cancel(t->await.child);
    }
    aio__cancel_arrives(t);
    aio__rearm(t); /* still parked: its timer moves to the next deadline */
}

/* What a feature adds to the loop's work (struct aio_loop), set at its first
 * use; a program that never uses it does not link its code. */
static void aio__use_deadlines(aio_loop *L) {
    L->cancellation = aio__cancellation;
    L->expire = aio__expire;
}
/* The events hook set, or wrapped by a layer: aio_run's turns drain it. */
static inline void aio__use_events(aio_loop *L, int (*events)(aio_loop *loop, int op)) {
    L->events = events;
    if (AIO__SPEED) L->busy |= AIO__BUSY_EVENTS;
}
static void aio__use_blocks(aio_loop *L) {
    aio__use_deadlines(L);
    L->scope_key = aio__scope_key;
    if (!L->close_blocks) L->close_blocks = aio__close_blocks; /* (groups set their own) */
}

static void aio__fire_timers(aio_loop *L, aio_time now) {
    while (L->heap_len && !aio__before(now, L->heap[0].when)) {
        aio_task *t = L->heap[0].task;
        if (!t->scope && !(t->flags & AIO__T_AWAITING)) /* a sleep or a wait's own timeout */
            aio__wake(t);
        else
            L->expire(t, now);
    }
}

static AIO__ALWAYS_INLINE size_t aio__run_ready(aio_loop *L, const aio_task *main) {
    size_t n = 0;
    aio_link *last;
    aio_link *l;
    /* (not empty) only what was ready at the start: what it wakes runs next iteration */
    last = L->ready.prev;
    do {
        aio_task *t;
        l = aio__dequeue(L);
        if (AIO__MARK(l) != AIO__FOREIGN) {
            t = AIO__TASK_OF(l);
#if AIO__SPEED && AIO_INSTRUMENTS
            if (L->trace)
                aio__run_task_told(L, t, main);
            else
#endif
                aio__run_task(L, t, main);
            n++;
        } else {
            if (AIO__SPEED) L->current = NULL; /* (a step that suspended left it set) */
            L->heard(l); /* a group's notice */
        }
    } while (l != last);
    return n;
}

/* A set event wakes its waiters where asyncio's set() would queue them: in
 * the ready queue after what was queued before the set, before what was
 * queued after it (the setter's own next step included). The ready queue
 * then holds only what this iteration queued, at its tail, so the tasks
 * queued since the set are its last (enqueued - mark) entries. */
static aio_link *aio__queued_when_set(aio_loop *L, const aio_event *ev) {
    aio_link *at = &L->ready;
    unsigned later = L->enqueued - ev->mark;
    while (later-- && at->prev != &L->ready) at = at->prev;
    return at;
}

/* Wake the waiters of the events set since the last iteration, in the order
 * of the sets: who waited before an event's latest set, not who came after. */
static AIO__ALWAYS_INLINE void aio__drain_events(aio_loop *L) {
    for (;;) {
        aio_event *ev;
        aio_event *oldest = NULL;
        AIO_CRITICAL_ENTER();
        ev = L->signalled; /* newest first: reverse it */
        L->signalled = NULL;
        while (ev) {
            aio_event *next = ev->next_signalled;
            ev->next_signalled = oldest;
            oldest = ev;
            ev = next;
        }
        AIO_CRITICAL_EXIT();
        if (!oldest) return;
        while ((ev = oldest) != NULL) {
            aio_link *n;
            aio_link *at;
            uint32_t sets;
            AIO_CRITICAL_ENTER();
            oldest = ev->next_signalled;
            ev->next_signalled = NULL;
            ev->queued = 0;
            sets = ev->sets;
            at = aio__queued_when_set(L, ev);
            AIO_CRITICAL_EXIT();
            if (ev->kind) L->rang(ev); /* a queue's: hand its items to its getters */
            for (n = ev->waiters.next; !ev->kind && n && n != &ev->waiters;) {
                aio_task *w = AIO__TASK_OF(n);
                n = n->next;
                if (w->await.ticket == sets) continue;
                w->flags |= AIO__T_SIGNALLED;
                aio__disarm(w);
                if (w->state != AIO__PARKED) continue;
                w->state = AIO__READY;
                AIO_CRITICAL_ENTER();
                aio__list_unlink(&w->wait.link);
                aio__list_insert(at, &w->wait.link);
                AIO_CRITICAL_EXIT();
                AIO__TRACE(L, AIO_TRACE_WAKE, w, NULL, AIO_BY_SET, 0);
            }
            AIO_CRITICAL_ENTER();
            aio__event_unbind_if_idle(ev);
            AIO_CRITICAL_EXIT();
        }
    }
}

/* The loop's work for events (loop->events, set when a task first waits on
 * one): 1 if any was set since the last drain (AIO__EV_PEEK); wake their
 * waiters (AIO__EV_DRAIN); enter the idle hook, 1 if it must not because one
 * was set meanwhile (AIO__EV_IDLE), or leave it (AIO__EV_AWAKE). An event set
 * from outside while the loop is in the hook calls the loop's wake-up. */
enum { AIO__EV_PEEK, AIO__EV_DRAIN, AIO__EV_IDLE, AIO__EV_AWAKE, AIO__EV_STUCK };
/* PEEK, IDLE and AWAKE, which aio_run asks each turn: apart from the drain,
 * so that the I/O's hook answers them without the drain's registers. */
static AIO__ALWAYS_INLINE int aio__events_any(aio_loop *L) { /* (PEEK's alone) */
    int any;
    AIO_CRITICAL_ENTER();
    any = L->signalled != NULL;
    AIO_CRITICAL_EXIT();
    return any;
}
static AIO__ALWAYS_INLINE int aio__events_look(aio_loop *L, int op) {
    int any;
    AIO_CRITICAL_ENTER();
    any = L->signalled != NULL;
    if (op == AIO__EV_IDLE)
        L->idling = (uint8_t)!any;
    else if (op == AIO__EV_AWAKE)
        L->idling = 0;
    AIO_CRITICAL_EXIT();
    return any;
}
static int aio__events(aio_loop *L, int op) {
    if (op == AIO__EV_DRAIN) {
        aio__drain_events(L);
        return 0;
    }
    if (op == AIO__EV_STUCK) return -1; /* (only a loop waiting for I/O knows more) */
    return aio__events_look(L, op);
}

/* 1 if an event was set since the last drain (events cannot be, while no
 * task of this loop has waited on one). */
static int aio__any_signalled(aio_loop *L) { return L->events && L->events(L, AIO__EV_PEEK); }

/* aio_run's hooks cannot end a wait with nothing armed: on the virtual clock
 * nothing else moves, and the system hook can only be woken by an event set
 * from outside, which needs one that belongs to this loop and the pipe. */
static int aio__nothing_can_wake(aio_loop *L) {
    int stuck = L->events ? L->events(L, AIO__EV_STUCK) : -1; /* (I/O has its say) */
    if (stuck >= 0) return stuck;
    if (!L->idle) return L->is_virtual; /* (else a busy loop, as asked) */
#ifdef AIO__SYSTEM_CLOCK
    if (L->idle == aio__system_idle) {
#ifdef AIO__IDLE_WAKEUP
        int bound;
        AIO_CRITICAL_ENTER();
        bound = L->bound_events != 0;
        AIO_CRITICAL_EXIT();
        return !(bound && aio__idle_wakeup_open(L));
#else
        return 1;
#endif
    }
#endif
    return 0;
}

/* What a turn wakes once its steps have run: the tasks whose descriptors
 * are ready and the waiters of the events set meanwhile (loop->events, once
 * either is in use), then the timers due at the turn's time: `began` on the
 * virtual clock, on a real one the time read at the start or first needed. */
static AIO__ALWAYS_INLINE void aio__wake_due(aio_loop *L, aio_time began) {
    if (L->events) L->events(L, AIO__EV_DRAIN);
    if (L->heap_len) {
        if (!L->is_virtual) began = aio__now(L);
        /* (where size counts, the call tests the first timer itself) */
        if (!AIO__SPEED || !aio__before(began, L->heap[0].when)) aio__fire_timers(L, began);
    }
}

/* asyncio's turn: the steps queued before it began, then the timers due
 * when it began (busy work in those steps does not make more of them due).
 * After an idle wait nothing is queued: that turn is empty, and the steps
 * its timers queue are the next one, run in this call.
 * Inlined into aio_run's loop, where a turn of one task costs no call. */
static AIO__ALWAYS_INLINE size_t aio__iterate(aio_loop *L, const aio_task *main) {
    aio_time began;
    size_t ran = 0;
    int empty = aio__ready_empty(L); /* (read once: the stores below may alias it) */
    aio__loop = L;
    if (!L->is_virtual) { /* (virtual time is L->now itself) */
        L->stale = 1;
        if (L->heap_len) aio__now(L); /* they may be due: read it now */
    }
    began = L->now;
    if (empty) aio__wake_due(L, began); /* an empty turn: what it wakes runs now */
    if (!empty || !aio__ready_empty(L)) {
        ran = aio__run_ready(L, main);
        if (AIO__SPEED) L->current = NULL; /* (a step that suspended left it set) */
    }
    aio__wake_due(L, began);
    return ran;
}

/* Between iterations the running loop is again the one stepping outside
 * (a task may step another loop), else the last one initialised. */
static void aio__step_out(aio_loop *outer) {
    aio__stepping = outer;
    aio__loop = outer ? outer : aio__last;
}

AIO_API size_t aio_step(aio_loop *L) {
    aio_loop *outer = aio__stepping;
    size_t ran;
    aio__stepping = L;
    ran = aio__iterate(L, NULL);
    aio__step_out(outer);
    return ran;
}

AIO_API aio_time aio_next_deadline(const aio_loop *L) {
    if (!aio__ready_empty(L) || (L->events && L->events(AIO__UNCONST(aio_loop, L), AIO__EV_PEEK))) return L->now;
    return L->heap_len ? L->heap[0].when : AIO_NEVER;
}

#if AIO__SPEED
/* aio_run's turns after one of aio__iterate's (a function of its own only
 * for reading: inlined). */
static AIO__ALWAYS_INLINE void aio__turns_back_to_back(aio_loop *L, const aio_task *main) {
    /* Then turns back to back while nothing needs the loop's top or a
     * turn's end: no events hook, no timer armed, main running (one
     * word says so: loop->busy; the long way tests each), and a step
     * ready. Such a turn is aio__iterate's for a queue that is not
     * empty, in fewer tests. */
    if (L->busy <= AIO__BUSY_CLOCK) {
        /* (the clock's kind tested and the running loop set once: a clock
         * set, or another loop initialised, in a step sets a busy bit,
         * which a turn's end clears. Set in a step of aio__iterate's, it
         * is answered already: one turn here, which ends at once) */
        aio__loop = L;
        if (L->is_virtual) {
            while (!aio__ready_empty(L)) {
                aio_time began = L->now; /* (the turn's time) */
                (void)aio__run_ready(L, main);
                if (L->busy) { /* the turn's end, as aio__iterate's */
                    L->current = NULL; /* (a step that suspended left it set) */
                    aio__wake_due(L, began);
                    L->busy &= (uint8_t)~AIO__BUSY_CLOCK; /* (the next turn: aio__iterate's) */
                    break;
                }
            }
        } else {
            while (!aio__ready_empty(L)) {
                aio_time began = L->now; /* (read when needed, unless a
                                            step sets a virtual clock) */
                L->stale = 1;
                (void)aio__run_ready(L, main);
                if (L->busy) { /* the turn's end, as aio__iterate's */
                    L->current = NULL;
                    aio__wake_due(L, began);
                    L->busy &= (uint8_t)~AIO__BUSY_CLOCK;
                    break;
                }
            }
        }
        L->current = NULL; /* (as above: the loop's top runs hooks) */
    }
}
#endif


AIO_API aio_status aio_run(aio_loop *L, aio_task *main, aio_task_fn fn) {
    aio_status rc;
    aio_loop *outer = aio__stepping;
    L->current = NULL;
    if (AIO__SPEED) L->busy &= (uint8_t)~(AIO__BUSY_MAIN | AIO__BUSY_CLOCK);
    rc = AIO__SPAWN_ON(L, main, fn, L->end_run);
    if (rc < 0) return rc;
    aio__stepping = L;
    for (;;) {
        if (main->state == AIO__DONE) { /* asyncio.run: what main left running is cancelled */
            /* (with no task alive the ready queue can still hold the notice
             * of a group left by a plain `return`: its last child failed, and
             * it hears of it, to be entered again, in one more turn) */
            if (!L->live && aio__ready_empty(L)) break;
            if (!AIO__ENDING(L)) {
                L->busy = (uint8_t)(AIO__SPEED ? L->busy | AIO__BUSY_ENDING : AIO__BUSY_ENDING);
                if (L->end_run) L->end_run(L); /* (only aio_spawn leaves tasks outside groups) */
            }
        }
        /* (no event set: aio__any_signalled written out, one call fewer where size counts) */
        if (aio__ready_empty(L) && (!L->events || !L->events(L, AIO__EV_PEEK))) {
            aio_time next = L->heap_len ? L->heap[0].when : AIO_NEVER;
            if (next == AIO_NEVER && aio__nothing_can_wake(L)) {
                L->busy = (uint8_t)(AIO__SPEED ? L->busy & ~AIO__BUSY_ENDING : 0);
                aio__step_out(outer);
                if (main->state == AIO__DONE)
                    return aio__misuse(main->frame.rc, "aio_run: tasks that the main task left "
                                                       "running wait for something nothing can wake "
                                                       "after their cancellation; they stay where they are");
                return aio__misuse(AIO_EDEADLK, "aio_run: the main task waits for something "
                                                "that nothing can wake (no task ready, no timer armed)");
            }
            /* (an event set from outside since the look above: no idle wait) */
            if (!L->events || !L->events(L, AIO__EV_IDLE)) { /* LCOV_EXCL_BR_LINE */
                AIO__TRACE(L, AIO_TRACE_IDLE, NULL, NULL, 0, (aio_stime)next);
                if (L->idle)
                    L->idle(L->idle_ctx, L, next);
                else if (L->is_virtual && aio__before(L->now, next)) /* (next is a time here) */
                    L->now = next; /* virtual time jumps there, never back */
                if (L->events) (void)L->events(L, AIO__EV_AWAKE);
                AIO__TRACE(L, AIO_TRACE_AWAKE, NULL, NULL, 0, 0);
            }
        }
        aio__iterate(L, main);
#if AIO__SPEED
        aio__turns_back_to_back(L, main);
#endif
    }
    L->busy = (uint8_t)(AIO__SPEED ? L->busy & ~AIO__BUSY_ENDING : 0);
    aio__step_out(outer);
    return main->frame.rc;
}

// >>coroutines
/* ----------------------------------------------------------- coroutines */

AIO_API void aio__frame_init(aio_frame *f) { memset(f, 0, sizeof *f); }

AIO_API uint32_t aio__unwind_target(aio_task *t, aio_frame *f) {
    if (t->scope && t->scope->frame == f) return t->scope->landing;
    return (f->flags & AIO__F_FINALLY) ? AIO__LC_END : AIO__LC_FINALLY;
}

/* A value set in a cleanup section that a cancel brought the frame to
 * swallows the cancellation, which debug builds report: whoever cancelled
 * may be waiting for it to come back. Not for the body of a task that no
 * task spawned (aio_run's main task, a task spawned from outside the loop's
 * tasks): nobody hands it a cancellation to pass back, and asyncio's
 * `except CancelledError: return 0` in main() is how such a program ends
 * cleanly on a signal (aio_signal_cancel). (Release builds report nothing:
 * the test is gone with the message.) */
AIO_API void aio__set_status(aio_task *t, aio_frame *f, aio_status rc) {
    if (f->flags & AIO__F_FINALLY) {
        if ((f->flags & AIO__F_CANCEL_CAUSE) && rc >= 0 && (f != &t->frame || t->parent))
            aio__misuse(AIO_ECANCELED, "a coroutine swallowed its cancellation: its cleanup "
                                       "section returned a value instead of the error");
        f->flags |= AIO__F_OVERRIDE;
    }
    f->rc = rc;
}

static AIO__ALWAYS_INLINE void aio__finally_in(aio_task *t, aio_frame *f) {
    AIO__TRACE(t->loop, AIO_TRACE_CLEANUP, t, NULL, 0, f->rc);
    f->flags |= AIO__F_FINALLY;
    if (f->rc == AIO_ECANCELED) f->flags |= AIO__F_CANCEL_CAUSE;
    aio__unseen_begin(t, &f->view); /* what was delivered so far stays unseen */
}
#if AIO__SPEED
static AIO__SLOW_HALF void aio__finally_raised(aio_task *t, aio_frame *f) {
    aio__raised(t, f);
    aio__finally_in(t, f);
}
#endif
AIO_API void aio__finally_enter(aio_task *t, aio_frame *f) {
#if AIO__SPEED
    /* (the way that calls nothing saves no register) */
    if (!(f->flags & AIO__F_RAISING))
        aio__finally_in(t, f);
    else
        aio__finally_raised(t, f);
#else
    aio__raised(t, f);
    aio__finally_in(t, f);
#endif
}

static void aio__bad_resume(aio_task *t, aio_frame *f) {
    /* An inline coroutine opened with AIO_BEGIN(t) runs on its caller's
     * frame, which is in the middle of the AIO_CALL. */
    if (f == &t->frame && (f->flags & AIO__F_CALLING))
        f->rc = aio__misuse(AIO_EINVAL, "an inline coroutine opened with AIO_BEGIN(t): it ran on "
                                        "the task's own frame; write AIO_BEGIN(t, s), s being the "
                                        "state struct AIO_CALL passed it");
    else
        f->rc = aio__misuse(AIO_EINVAL, "coroutine resumed at an unknown point: an await inside "
                                        "your own switch statement, or a frame not initialised");
}

AIO_API AIO__APART aio_status aio__frame_end(aio_task *t, aio_frame *f) {
    if (f->lc < AIO__LC_FINALLY) aio__bad_resume(t, f); /* (neither it nor the end) */
    if (f->flags & AIO__F_FINALLY) aio__unseen_end(t, &f->view);
    /* A task whose body completes while it is cancelled ends cancelled: the
     * request was never lost. Only a cleanup that a delivered cancellation
     * brought there may overrule it (R8); a request never delivered ends the
     * task cancelled whatever it returns (R7). */
    if (f == &t->frame && f->rc >= 0 &&
        ((t->flags & AIO__T_CANCEL_REQ) ||
         (!(f->flags & AIO__F_OVERRIDE) && aio__task_cancel_visible(t)))) {
        t->flags &= (uint16_t)~AIO__T_CANCEL_REQ;
        f->rc = AIO_ECANCELED;
    }
    f->lc = AIO__LC_END;
    return f->rc;
}

/* The awaits a task has passed since it last suspended (debug builds), and
 * how many are too many: a task that passes this many holds the loop. */
#define AIO__HOLD_LIMIT 1000000u
static AIO_THREAD_LOCAL const aio_task *aio__holder;
static AIO_THREAD_LOCAL uint32_t aio__holder_run; /* the loop's finished count then (low bits) */
static AIO_THREAD_LOCAL uint32_t aio__held;

AIO_API aio_status aio__suspended(aio_task *t) {
    (void)t;
    aio__holder = NULL;
#ifdef AIO_DEBUG
    aio__told_task = NULL; /* a mistake made again after this is told again */
#endif
    return AIO__SUSPENDED;
}

/* Name task t, which holds the loop: `count` awaits without suspending, or
 * `count` times the same mistake. */
static void aio__holding(const aio_task *t, unsigned long count, int same_mistake) {
    aio__held = AIO__HOLD_LIMIT; /* (named once in a row of awaits) */
    if (!aio__debug_hook) return; /* LCOV_EXCL_LINE: (the hosted build always has one) */
#ifdef AIO__HOSTED
    {
        static char message[200];
        uintptr_t fn_at = 0; /* (a function's address, as addr2line takes it) */
        memcpy(&fn_at, &t->run.body.fn,
               sizeof fn_at < sizeof t->run.body.fn ? sizeof fn_at : sizeof t->run.body.fn);
        if (same_mistake)
            (void)AIO__FORMAT(message, sizeof message,
                              "task %p (body at 0x%lx) holds the loop: %lu times the same mistake "
                              "(above) without suspending; an await that fails at once, in a loop, "
                              "keeps every other task waiting: check its status",
                              (const void *)t, (unsigned long)fn_at, count);
        else
            (void)AIO__FORMAT(message, sizeof message,
                              "task %p (body at 0x%lx) holds the loop: %lu awaits without "
                              "suspending; an await that fails or completes at once, in a loop, "
                              "keeps every other task waiting: check its status, or AIO_YIELD",
                              (const void *)t, (unsigned long)fn_at, count);
        aio__debug_hook(AIO_EBUSY, message);
    }
#else
    (void)t; (void)count; (void)same_mistake;
    AIO__TELL(AIO_EBUSY, "a task holds the loop: many awaits without suspending");
#endif
}

AIO_API void aio__not_suspended(aio_task *t) {
    /* another task, or another run of the same one (tasks finished since) */
    if (t != aio__holder || aio__count_low(t->loop->finished) != aio__holder_run) {
        aio__holder = t;
        aio__holder_run = aio__count_low(t->loop->finished);
        aio__held = 0;
    }
    if (++aio__held == AIO__HOLD_LIMIT) aio__holding(t, AIO__HOLD_LIMIT, 0);
}

/* The await's own deadline, armed now: among equal deadlines it fires after
 * those armed before it. */
static void aio__set_until(aio_task *t, aio_time until) {
    t->until = until;
    if (until != AIO_NEVER) aio__arming(t->loop, &t->until_seq);
}

AIO_API aio_status aio__sleep_start(aio_task *t, aio_frame *f, aio_time d, int relative) {
    aio_loop *L = t->loop;
    aio_time until;
    aio_status rc;
#if AIO__SPEED
    /* Where time counts, a sleep of a duration (neither 0 nor too long) by
     * a task with no block open and no cancellation to take, with room for
     * a new timer: the sleep's own deadline is the timer's, armed as a new
     * leaf (the way below, in short: the deadline, the checkpoint, which
     * has nothing to do, and aio__park's arming). */
    if (relative && aio__plain(t) && (aio_time)(d - 1u) < (aio_time)(AIO_NEVER / 2 - 1u) && !t->timer &&
        L->heap_len != L->heap_cap) {
        aio_timer e;
        /* (after now, never due: a sum that lands on a reserved value is 0,
         * which is then after now too) */
        e.when = aio__instant((aio_time)(aio__now(L) + d));
        aio__arming(L, &e.seq);
        e.task = t;
        t->until = e.when;
        t->until_seq = e.seq;
        AIO__WAITS_ON(L, AIO_ON_SLEEP, NULL, 0);
        aio__arm_leaf(L, &e);
        aio__park_now(t, 0);
        AIO__TRACE(L, AIO_TRACE_SUSPEND, t, L->trace_obj, L->trace_on, L->trace_value);
        return AIO__SUSPENDED;
    }
#endif
    until = aio__deadline(L, d, relative);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("sleep: the duration"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    if (aio__due(until, aio__now(L))) { /* sleep(0): one trip through the ready queue */
        t->until = until;
        aio__enqueue(t);
        return AIO__SUSPENDED;
    }
    aio__set_until(t, until);
    AIO__WAITS_ON(L, AIO_ON_SLEEP, NULL, 0);
    rc = aio__park(t, 1, 1);
    return rc == AIO__SUSPENDED ? rc : aio__raise(t, f, rc);
}

/* AIO_YIELD: AIO_SLEEP(t, 0) without the deadline arithmetic. */
AIO_API AIO__SLOW_HALF aio_status aio__yield_start(aio_task *t, aio_frame *f) {
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    aio__enqueue(t);
    return AIO__SUSPENDED;
}

AIO_API AIO__SLOW_HALF aio_status aio__yield_poll(aio_task *t, aio_frame *f) {
    return aio__checkpoint(t) < 0 ? aio__raise(t, f, AIO_ECANCELED) : AIO_OK;
}

/* AIO_YIELD's second half where time counts (the macro's slow way): the
 * await is over, and the body goes on at `next`, or, cancelled, at its
 * landing, when the loop calls it again at once, in the same step. (The
 * body's half is compiled where it is used, this one with the loop: a body
 * built for speed calls it from a loop built for size too.) */
AIO_API AIO__SLOW_HALF aio_status aio__yield_again(aio_task *t, aio_frame *f, unsigned next) {
    if (aio__checkpoint(t) < 0) {
        aio__set_status(t, f, AIO_ECANCELED);
#ifdef AIO_DEBUG
        aio__not_suspended(t); /* (as the unwind after a raise) */
#endif
        next = (unsigned)aio__unwind_target(t, f);
    }
    f->lc = (uint16_t)next;
#if AIO__SPEED
    t->flags |= AIO__T_AGAIN; /* (the step's test for it: where it tests a task that suspended running) */
#else
    t->state = AIO__AGAIN;
#endif
    return AIO__SUSPENDED;
}

#if AIO__SPEED
static AIO__SLOW_HALF aio_status aio__sleep_poll_on(aio_task *t, aio_frame *f) {
#else
AIO_API aio_status aio__sleep_poll(aio_task *t, aio_frame *f) {
#endif
    aio_status rc;
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_OK;
    AIO__WAITS_ON(t->loop, AIO_ON_SLEEP, NULL, 0);
    rc = aio__park(t, 1, 1); /* woken early: a deadline moved */
    return rc == AIO__SUSPENDED ? rc : aio__raise(t, f, rc);
}
#if AIO__SPEED
AIO_API aio_status aio__sleep_poll(aio_task *t, aio_frame *f) {
    /* where time counts, the ways that call nothing come first and save no
     * register: the task's own request delivered (no block open), or its
     * deadline passed by the turn's time, read already (the checkpoint has
     * nothing to do) */
    if (!t->scope && (t->flags & AIO__T_CANCEL_REQ)) {
        (void)aio__deliver_request(t);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    if (aio__plain(t) && !t->loop->stale && aio__due(t->until, t->loop->now)) return AIO_OK;
    return aio__sleep_poll_on(t, f);
}
#endif

/* Park t on child's end; `owned`: a cancellation of t is passed on to it. */
static aio_status aio__park_on(aio_task *t, aio_frame *f, aio_task *child, int owned) {
    aio_status rc;
    AIO__WAITS_ON(t->loop, AIO_ON_TASK, child, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    aio__wait_end(t, child, owned);
    return rc;
}

/* Wait for the end of an owned child that t has cancelled: its cleanup
 * always ends the wait, so with no timer slot t waits without one (the
 * deadlines that pass meanwhile are seen when it resumes). */
static aio_status aio__await_cleanup(aio_task *t, aio_task *child) {
    AIO__WAITS_ON(t->loop, AIO_ON_TASK, child, 0);
    if (aio__park(t, 1, 1) != AIO__SUSPENDED) aio__park(t, 0, 0);
    aio__wait_end(t, child, 1);
    return AIO__SUSPENDED;
}

/* Cancel an owned child and wait for its cleanup. */
static aio_status aio__cancel_child(aio_task *t, aio_task *child, int why) {
    t->flags |= AIO__T_JOIN_CANCEL;
    AIO__CAUSE(t->loop, t, why); /* (for the instruments) */
    (void)why;
    /* (only once something can cancel: through its hook, so that a program
     * that only awaits does not carry aio_cancel) */
    (void)t->loop->cancellation(child, AIO__CANCEL);
    return aio__await_cleanup(t, child);
}

static aio_status aio__join_step(aio_task *t, aio_frame *f, aio_task *child, int shield,
                                 int arriving) {
    int owned = !shield && child->parent == t;
    int done = child->state == AIO__DONE;
    if (t->flags & AIO__T_JOIN_CANCEL) { /* it cancelled the child: wait for its end */
        if (!done) return aio__await_cleanup(t, child);
        t->flags &= (uint16_t)~AIO__T_JOIN_CANCEL;
        if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
        return child->frame.rc == AIO_ECANCELED ? AIO_ETIMEDOUT : child->frame.rc;
    }
    /* the child finished before anything else reached this task: its result
     * is delivered, a cancellation that came after waits for the next
     * checkpoint */
    if (done && (arriving || (t->flags & AIO__T_SIGNALLED))) return child->frame.rc;
    if (aio__checkpoint(t) < 0) {
        if (owned && !done) return aio__cancel_child(t, child, AIO_BY_OWNER);
        return arriving ? aio__yield_then_raise(t, f) : aio__raise(t, f, AIO_ECANCELED);
    }
    if (aio__until_due(t)) {
        t->until = AIO_NEVER; /* the timeout has fired */
        AIO__TRACE(t->loop, AIO_TRACE_FIRE, t, NULL, AIO_FIRE_WAIT, 0);
        if (owned && !done) return aio__cancel_child(t, child, AIO_BY_WAIT_FOR);
        return AIO_ETIMEDOUT; /* not ours to cancel: it keeps running */
    }
    if (done) return child->frame.rc;
    return aio__park_on(t, f, child, owned);
}

AIO_API AIO__SLOW_HALF aio_status aio__join_start(aio_task *t, aio_frame *f, aio_task *child, aio_time d,
                                   int shield) {
    aio_time until;
    if (!child || child->state == AIO__NEW)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "await: the task was never spawned"));
    if (child == t)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "await: a task cannot await itself"));
    until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("wait_for: the timeout"));
    aio__set_until(t, until);
    t->flags &= (uint16_t)~AIO__T_JOIN_CANCEL;
    return aio__join_step(t, f, child, shield, 1);
}

AIO_API AIO__SLOW_HALF aio_status aio__join_poll(aio_task *t, aio_frame *f, aio_task *child, int shield) {
    return aio__join_step(t, f, child, shield, 0);
}

/* AIO_WAIT_FOR: its deadline may cancel the child it awaits. */
AIO_API aio_status aio__wait_for_start(aio_task *t, aio_frame *f, aio_task *child, aio_time d) {
    aio__use_deadlines(t->loop);
    return aio__join_start(t, f, child, d, 0);
}

AIO_API int aio__call_unwinds(aio_task *t, aio_frame *f, const aio_frame *callee,
                              aio_status rc) {
    if (t->scope && t->scope->task == t && t->scope->frame == callee) {
        aio__misuse(AIO_EINVAL, "an inline coroutine returned inside an open timeout block, "
                                "which is now closed: leave coroutines with AIO_RETURN, never `return`");
        t->loop->close_blocks(t, callee);
    }
    /* the callee unwound because of a cancellation that applies here too */
    if (rc != AIO_ECANCELED || aio__plain(t) || !t->loop->cancellation(t, AIO__LOOK)) return 0;
    aio__set_status(t, f, AIO_ECANCELED);
    f->flags = (uint8_t)(f->flags | (callee->flags & AIO__F_RAISING)); /* (it had nowhere to land) */
    return 1;
}

// >>scopes-impl
/* --------------------------------------------------------- timeout scopes */

static int aio__scope_open(const aio_timeout *sc) {
    /* ENTERED and FIRST last only within a block's entry, where no other code
     * runs: only BODY is ever seen here. */
    return sc->state == AIO__S_ENTERED || sc->state == AIO__S_FIRST || sc->state == AIO__S_BODY; /* LCOV_EXCL_BR_LINE */
}

/* t's innermost open block becomes sc, keeping AIO__T_WATCHED true to it. */
static void aio__set_scope(aio_task *t, aio_timeout *sc) {
    t->scope = sc;
    if (sc || t->cancels)
        t->flags |= AIO__T_WATCHED;
    else
        t->flags &= (uint16_t)~AIO__T_WATCHED;
}

/* A block's kind, for the instruments. */
#define AIO__BLOCK_KIND(sc)                                                    \
    (((sc)->flags & AIO__S_GROUP) ? AIO_BLOCK_GROUP                            \
     : ((sc)->flags & AIO__S_SHIELD) ? AIO_BLOCK_SHIELDED : AIO_BLOCK_TIMEOUT)

static void aio__scope_close(aio_task *t, aio_timeout *sc) {
    AIO_ASSERT(t->scope == sc);
    aio__set_scope(t, sc->parent);
    sc->state = AIO__S_DONE;
    AIO__TRACE(t->loop, AIO_TRACE_LEAVE, t, sc, AIO__BLOCK_KIND(sc),
               (sc->flags & AIO__S_GROUP) ? AIO_CONTAINER(sc, aio_group, scope)->status : sc->status);
}

AIO_API aio_status aio__scope_enter(aio_task *t, aio_frame *f, aio_timeout *sc, aio_time d,
                                    int how, uint32_t landing) {
    aio_time deadline;
    if (!sc) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "timeout: the scope pointer is NULL"));
        return AIO_EINVAL;
    }
    if (aio__scope_open(sc)) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "timeout: re-entering a scope that is "
                                                      "still open; use one aio_timeout per block"));
        return AIO_EINVAL;
    }
    deadline = aio__deadline(t->loop, d, how & AIO__ENTER_RELATIVE);
    if (deadline == AIO_TIME_INVALID) {
        aio__set_status(t, f, AIO__TIMEOUT_REFUSED("timeout: the delay"));
        return AIO_EINVAL;
    }
    sc->parent = t->scope;
    sc->task = t;
    sc->frame = f;
    sc->deadline = deadline;
    aio__arming(t->loop, &sc->seq);
    sc->landing = (uint16_t)landing; /* (AIO__LC: at most AIO__LC_LAST) */
    sc->cleanups = t->view.v.cleanups;
    sc->status = AIO_OK;
    sc->saved_rc = f->rc;
    sc->flags = (uint8_t)(((f->flags & AIO__F_OVERRIDE) ? AIO__S_SAVED_OVERRIDE : 0) |
                          ((how & AIO__ENTER_SHIELD) ? AIO__S_SHIELD : 0));
    sc->state = AIO__S_ENTERED;
    aio__use_blocks(t->loop);
    aio__set_scope(t, sc);
    AIO__TRACE(t->loop, AIO_TRACE_ENTER, t, sc,
               (how & AIO__ENTER_GROUP)    ? AIO_BLOCK_GROUP
               : (how & AIO__ENTER_SHIELD) ? AIO_BLOCK_SHIELDED
                                           : AIO_BLOCK_TIMEOUT,
               (aio_stime)deadline);
    return AIO_OK;
}

/* (The block's steps after its entry find its task and frame through it:
 * a block's site passes one argument.) */
AIO_API int aio__scope_outer(aio_timeout *sc) {
    if (sc->state == AIO__S_ENTERED) {
        sc->state = AIO__S_FIRST;
        return 1;
    }
    aio__scope_close(sc->task, sc); /* the body ended, broke out or was cut short */
    return 0;
}

AIO_API int aio__scope_inner(aio_timeout *sc) {
    if (sc->state != AIO__S_FIRST) return 0;
    sc->state = AIO__S_BODY;
    return 1;
}

AIO_API int aio__scope_land(aio_timeout *sc) {
    aio_task *t = sc->task;
    aio_frame *f = sc->frame;
    aio__raised(t, f);
    /* observe: an outer deadline passed by now takes the unwinding further */
    if (f->rc == AIO_ECANCELED && aio__cancel_source(t, 1) == sc) {
        /* our deadline is what cancelled the block: stop unwinding here */
        sc->status = AIO_ETIMEDOUT;
        f->rc = sc->saved_rc;
        f->flags = (uint8_t)((f->flags & ~AIO__F_OVERRIDE) |
                             ((sc->flags & AIO__S_SAVED_OVERRIDE) ? AIO__F_OVERRIDE : 0));
        sc->state = AIO__S_BODY;
        return 1;
    }
    aio__scope_close(t, sc);
    return 0;
}

/* 1 if the deadline of sc, just entered, has been reached. */
AIO_API int aio__scope_due(const aio_timeout *sc) {
    return aio__due(sc->deadline, aio__now(sc->task->loop));
}

/* Before a holding block's acquire (its other steps are inline: the
 * fast paths): sc must be given and not open (else the task raises
 * AIO_EINVAL); it is made idle, so the acquire's loop runs. */
AIO_API aio_status aio__hold_check(aio_task *t, aio_frame *f, aio_timeout *sc) {
    if (!sc) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "AIO_WITH_*: the scope pointer is NULL"));
        return AIO_EINVAL;
    }
    if (aio__scope_open(sc)) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "AIO_WITH_*: re-entering a scope that is still open"));
        return AIO_EINVAL;
    }
    sc->state = AIO__S_IDLE;
    sc->flags = 0;
    sc->status = AIO_OK;
    return AIO_OK;
}

/* AIO_LEAVE in a debug build: sc must be the innermost open block. */
AIO_API int aio__leaving(aio_task *t, const aio_timeout *sc) {
    if (t->scope != sc)
        (void)aio__misuse(AIO_EINVAL, "AIO_LEAVE: the scope is not the innermost open block");
    return 1;
}

AIO_API aio_time aio_timeout_when(const aio_timeout *sc) {
    return sc->state == AIO__S_IDLE ? AIO_NEVER : sc->deadline;
}

AIO_API aio_status aio_timeout_reschedule(aio_timeout *sc, aio_time when) {
    if (!sc || !aio__scope_open(sc))
        return aio__misuse(AIO_EINVAL, "reschedule: the timeout scope is not open");
    if (sc->flags & AIO__S_EXPIRED)
        return aio__misuse(AIO_EINVAL, "reschedule: the timeout already expired; an expired "
                                       "timeout cannot be moved");
    if (when == AIO_TIME_INVALID && !AIO__WRAPS)
        return aio__misuse(AIO_EINVAL, "reschedule: the deadline is invalid (NaN?)");
    sc->deadline = when == AIO_NEVER ? AIO_NEVER : aio__instant(when);
    aio__arming(sc->task->loop, &sc->seq);
    aio__visit_tree(sc->task, sc, aio__rearm);
    return AIO_OK;
}

AIO_API aio_status aio_timeout_reschedule_in(aio_timeout *sc, aio_time delay) {
    aio_time when;
    if (!sc || !aio__scope_open(sc))
        return aio__misuse(AIO_EINVAL, "reschedule: the timeout scope is not open");
    when = aio__deadline(sc->task->loop, delay, 1);
    if (when == AIO_TIME_INVALID)
        return AIO__TIMEOUT_REFUSED("reschedule: the delay");
    return aio_timeout_reschedule(sc, when);
}

AIO_API int aio_timeout_expired(const aio_timeout *sc) { return (sc->flags & AIO__S_EXPIRED) != 0; }
AIO_API aio_status aio_timeout_status(const aio_timeout *sc) { return sc->status; }

AIO_API aio_time aio_effective_deadline(aio_task *t) {
    if (!t) t = aio_current();
    if (!t || !t->loop) return AIO_NEVER;
    if (aio__cancel_source(t, 0)) { /* already due: any instant not after now */
        aio_time now = aio__now(t->loop);
        return now == AIO_NEVER || now == AIO_TIME_INVALID ? (aio_time)(AIO_NEVER - 2) : now;
    }
    return aio__scope_deadline(t, NULL, 0);
}

AIO_API aio_time aio_time_left(aio_task *t) {
    aio_time d;
    aio_time now;
    if (!t) t = aio_current();
    if (!t || !t->loop) return AIO_NEVER;
    d = aio_effective_deadline(t);
    if (d == AIO_NEVER) return AIO_NEVER;
    now = aio__now(t->loop);
    return aio__before(now, d) ? (aio_time)(d - now) : 0;
}

/* AIO_COND_WAIT_FOR's one deadline for all its waits, armed once. */
AIO_API void aio__own_deadline(aio_task *t, aio_time d) {
    aio__set_until(t, aio__deadline(t->loop, d, 1));
}

// >>many-impl
/* ------------------------------------------------------- waiting on many */

static void aio__items_unlink(aio_wait_item *items, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) aio__list_unlink(&items[i].node.link);
}

/* Is the wait over? *done = how many finished, *first = the earliest failure
 * (a child's own cancellation as AIO_ECHILDCANCELED), AIO_OK if none. */
static int aio__many_met(const aio_wait_item *items, size_t n, int mode, int parked,
                         size_t *done, aio_status *first) {
    size_t i;
    aio__count first_at = aio__count_zero();
    int failed = 0; /* a real exception: cancellation does not count */
    *done = 0;
    *first = AIO_OK;
    for (i = 0; i < n; i++) {
        const aio_task *c = items[i].task;
        aio__count at;
        if (c->state != AIO__DONE) continue;
        ++*done;
        if (c->frame.rc >= 0) continue;
        if (c->frame.rc != AIO_ECANCELED) failed = 1;
        /* failures from before the wait parked rank in argument order (as
         * asyncio sees them; a gather returns at the first of them, so those
         * found since it parked all happened while it waited), later ones in
         * the order they happened */
        at = parked ? aio__finished_at(c) : aio__count_zero();
        if (!*first || aio__count_before(&at, &first_at)) {
            first_at = at;
            *first = c->frame.rc == AIO_ECANCELED ? AIO_ECHILDCANCELED : c->frame.rc;
        }
    }
    switch (mode & 7) {
    case AIO_FIRST_COMPLETED: return *done > 0;
    case AIO_FIRST_EXCEPTION: return failed || *done == n;
    case AIO_ALL_COMPLETED: return *done == n;
    default: return *done == n || *first != AIO_OK; /* gather: all, or the first failure */
    }
}

/* The wait is over: what AIO_WAIT or AIO_GATHER stores. */
static aio_status aio__many_result(aio_wait_item *items, size_t n, int mode, size_t done,
                                   aio_status first) {
    aio__items_unlink(items, n);
    if (mode & AIO__GATHER) return (mode & 7) == AIO_ALL_COMPLETED ? AIO_OK : first;
    return (aio_status)done;
}

/* Park a wait or gather on the end of every task not finished yet. */
static aio_status aio__many_park(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                 int mode) {
    size_t i;
    int owns = 0;
    aio_status rc;
    AIO__WAITS_ON(t->loop, (mode & AIO__GATHER) ? AIO_ON_GATHER : AIO_ON_WAIT, items, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) {
        aio__items_unlink(items, n);
        return aio__raise(t, f, rc);
    }
    for (i = 0; i < n; i++) {
        aio_task *c = items[i].task;
        if (c->state == AIO__DONE) continue;
        if (!aio__linked(&items[i].node.link)) aio__join(c, &items[i].node.link);
        if (c->parent == t) owns = 1;
    }
    t->flags |= AIO__T_PARKED_ONCE;
    if ((mode & AIO__GATHER) && owns) { /* a cancellation of t is passed on to them */
        t->flags |= AIO__T_GATHERING;
        t->await.many.items = items;
        t->await.many.n = (uint32_t)n;
        t->flags = (uint16_t)((t->flags & (uint16_t)~AIO__T_GATHER_ALL) |
                              ((mode & 7) == AIO_ALL_COMPLETED ? AIO__T_GATHER_ALL : 0));
    }
    return AIO__SUSPENDED;
}

/* A cancelled gather waits for the tasks it owns to finish their cleanup. */
static aio_status aio__gather_wait_cleanup(aio_task *t) {
    AIO__WAITS_ON(t->loop, AIO_ON_GATHER, t->await.many.items, 0);
    if (aio__park(t, 0, 1) != AIO__SUSPENDED)
        aio__park(t, 0, 0); /* no timer slot: wait for them all the same */
    t->flags |= AIO__T_GATHERING;
    return AIO__SUSPENDED;
}

static aio_status aio__many_step_on(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                    int mode, int arriving) {
    size_t done;
    aio_status first;
    int met;
    if (t->flags & AIO__T_JOIN_CANCEL) { /* gather cancelled: its children clean up */
        size_t i;
        for (i = 0; i < n; i++) {
            if (items[i].task->state != AIO__DONE && aio__linked(&items[i].node.link)) {
                /* one ended and woke it; a cancel that came meanwhile found it
                 * ready, so it passes that on now */
                if (aio__new_cancellation(t)) {
                    aio_link gatherers;
                    aio__list_init(&gatherers);
                    aio__gather_pass_on(t, &gatherers);
                    aio__cancel_spread(&gatherers, NULL);
                }
                return aio__gather_wait_cleanup(t);
            }
        }
        t->flags &= (uint16_t)~AIO__T_JOIN_CANCEL;
        aio__items_unlink(items, n);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    met = aio__many_met(items, n, mode, !arriving && (t->flags & AIO__T_PARKED_ONCE), &done, &first);
    /* what it waits for was met before anything else reached this task */
    if (met && (arriving || (t->flags & AIO__T_SIGNALLED))) {
        /* asyncio's wait() suspends once even then, and counts what is done
         * when it resumes (gather, eager since 3.12, returns at once) */
        if (arriving && !(mode & AIO__GATHER)) {
            /* a cancellation already pending is delivered at that suspension;
             * one that comes during it finds the wait met (L3) */
            if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
            t->flags |= AIO__T_SIGNALLED;
            aio__enqueue(t);
            return AIO__SUSPENDED;
        }
        return aio__many_result(items, n, mode, done, first);
    }
    if (aio__checkpoint(t) < 0) {
        if (mode & AIO__GATHER) { /* cancel what it owns and wait for it; let the rest go */
            aio_link gatherers;
            aio__list_init(&gatherers);
            t->await.many.items = items;
            t->await.many.n = (uint32_t)n;
            t->flags |= AIO__T_JOIN_CANCEL;
            if (aio__gather_pass_on(t, &gatherers)) {
                aio__cancel_spread(&gatherers, NULL);
                return aio__gather_wait_cleanup(t);
            }
            t->flags &= (uint16_t)~AIO__T_JOIN_CANCEL;
        }
        aio__items_unlink(items, n);
        return arriving ? aio__yield_then_raise(t, f) : aio__raise(t, f, AIO_ECANCELED);
    }
    if (aio__until_due(t)) {
        if (arriving) { /* a zero timeout still lets the loop go round once */
            t->flags |= AIO__T_PARKED_ONCE;
            aio__enqueue(t);
            return AIO__SUSPENDED;
        }
        aio__items_unlink(items, n);
        return (aio_status)done;
    }
    if (met) return aio__many_result(items, n, mode, done, first);
    return aio__many_park(t, f, items, n, mode);
}

/* One step of the wait; once it is over, the task gathers no longer. */
static aio_status aio__many_step(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                 int mode, int arriving) {
    aio_status rc = aio__many_step_on(t, f, items, n, mode, arriving);
    if (rc != AIO__SUSPENDED) t->flags &= (uint16_t)~AIO__T_GATHERING;
    return rc;
}

AIO_API aio_status aio__many_start(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                   int mode, aio_time d) {
    size_t i;
    aio_time until;
    if (n == 0) {
        if (mode & AIO__GATHER) return AIO_OK; /* gather() of nothing */
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait: there are no tasks to wait for"));
    }
    if (!items)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait/gather: the item array is NULL"));
    if (!(mode & AIO__GATHER) && (mode < AIO_FIRST_COMPLETED || mode > AIO_ALL_COMPLETED))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait: the mode is not AIO_FIRST_COMPLETED, "
                                                        "AIO_FIRST_EXCEPTION or AIO_ALL_COMPLETED"));
    for (i = 0; i < n; i++) {
        if (!items[i].task || items[i].task->state == AIO__NEW)
            return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait/gather: an item's task was never "
                                                            "spawned"));
        if (items[i].task == t)
            return aio__raise(t, f, aio__misuse(AIO_EINVAL, "wait/gather: a task cannot wait for itself"));
        items[i].node.link.next = items[i].node.link.prev = NULL;
        items[i].node.mark = AIO__FOREIGN;
        items[i].node.task = t;
    }
    until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("wait: the timeout"));
    aio__set_until(t, until);
    if (mode & AIO__GATHER) t->loop->spread = aio__cancel_spread;
    t->flags &= (uint16_t)~(AIO__T_PARKED_ONCE | AIO__T_JOIN_CANCEL);
    return aio__many_step(t, f, items, n, mode, 1);
}

AIO_API aio_status aio__many_poll(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                  int mode) {
    return aio__many_step(t, f, items, n, mode, 0);
}

// >>as-completed
/* ------------------------------------------------------------ as_completed */

/* Finished task a finished before finished task b. */
static int aio__finished_before(const aio_task *a, const aio_task *b) {
    aio__count at = aio__finished_at(a);
    aio__count bt = aio__finished_at(b);
    return aio__count_before(&at, &bt);
}

AIO_API size_t aio_wait_sort_done(aio_wait_item *items, size_t n) {
    size_t done = 0;
    size_t i;
    if (!items) return 0;
    for (i = 0; i < n; i++) { /* insertion: done ones by finishing order, before the rest */
        aio_wait_item it = items[i];
        size_t j;
        if (!it.task || it.task->state != AIO__DONE) continue;
        for (j = i; j > done; j--) items[j] = items[j - 1];
        while (j > 0 && aio__finished_before(it.task, items[j - 1].task)) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = it;
        done++;
    }
    return done;
}

/* An item already handed out: its node is unlinked and points at itself. */
static int aio__handed_out(const aio_wait_item *it) { return it->node.link.prev == &it->node.link; }

AIO_API aio_status aio_as_completed_init(aio_as_completed *ac, aio_wait_item *items, size_t n,
                                         aio_time timeout) {
    size_t i;
    if (!ac || !items || n == 0 || n > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "as_completed: the array is NULL, empty or too long");
    for (i = 0; i < n; i++)
        if (!items[i].task || items[i].task->state == AIO__NEW)
            return aio__misuse(AIO_EINVAL, "as_completed: an item's task was never spawned");
    ac->deadline = aio__deadline(items[0].task->loop, timeout, 1);
    if (ac->deadline == AIO_TIME_INVALID)
        return AIO__TIMEOUT_REFUSED("as_completed: the timeout");
    ac->left = 0;
    for (i = 0; i < n; i++) {
        size_t j = 0;
        items[i].node.link.next = items[i].node.link.prev = NULL;
        items[i].node.task = NULL;
        while (j < i && items[j].task != items[i].task) j++;
        if (j < i) /* a task given again: handed out once, at its first place */
            items[i].node.link.prev = &items[i].node.link;
        else
            ac->left++;
    }
    ac->items = items;
    ac->n = n;
    ac->expired = 0;
    ac->cutoff = aio__count_zero();
    return AIO_OK;
}

AIO_API size_t aio_as_completed_left(const aio_as_completed *ac) { return ac ? ac->left : 0; }

/* The next to hand out: the first to finish of those not handed out yet. */
static aio_status aio__next_finished(aio_as_completed *ac) {
    size_t i;
    size_t best = ac->n;
    aio__count best_at = aio__count_zero();
    for (i = 0; i < ac->n; i++) {
        const aio_task *c = ac->items[i].task;
        aio__count at;
        if (aio__handed_out(&ac->items[i]) || c->state != AIO__DONE) continue;
        at = aio__finished_at(c);
        if (ac->expired && aio__count_before(&ac->cutoff, &at)) continue; /* too late */
        if (best == ac->n || aio__count_before(&at, &best_at)) {
            best = i;
            best_at = at;
        }
    }
    if (best == ac->n) return AIO_EINPROGRESS;
    ac->items[best].node.link.prev = &ac->items[best].node.link;
    ac->left--;
    return (aio_status)best;
}

static void aio__as_completed_unlink(aio_as_completed *ac) {
    size_t i;
    for (i = 0; i < ac->n; i++)
        if (!aio__handed_out(&ac->items[i])) aio__list_unlink(&ac->items[i].node.link);
}

AIO_API aio_status aio__next_completed(aio_task *t, aio_frame *f, aio_as_completed *ac,
                                       int arriving) {
    aio_status rc;
    size_t i;
    if (arriving && (!ac || !ac->items || ac->left == 0))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "as_completed: nothing left to wait for "
                                                        "(or the iterator was not initialised)"));
    if (!arriving) aio__as_completed_unlink(ac);
    if (aio__checkpoint(t) < 0)
        return arriving ? aio__yield_then_raise(t, f) : aio__raise(t, f, AIO_ECANCELED);
    if (!ac->expired && aio__due(ac->deadline, aio__now(t->loop))) {
        /* The tasks finished by the deadline are still handed out. Woken by
         * its own timer, it takes effect when the timer fired (asyncio's
         * timeout callback): nothing had finished since it parked, or that
         * would have woken it first; a task ending in this turn, after the
         * timer, is too late. Else the deadline is found passed now. */
        ac->expired = 1;
        if (arriving || (t->flags & AIO__T_SIGNALLED)) ac->cutoff = t->loop->finished;
    }
    rc = aio__next_finished(ac);
    if (rc != AIO_EINPROGRESS) return rc;
    if (ac->expired) { /* TimeoutError for each one left */
        ac->left--;
        return AIO_ETIMEDOUT;
    }
    t->until = ac->deadline;
    if (ac->deadline != AIO_NEVER) aio__arming(t->loop, &t->until_seq);
    ac->cutoff = t->loop->finished; /* (if its own timer wakes it) */
    AIO__WAITS_ON(t->loop, AIO_ON_WAIT, ac, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    for (i = 0; i < ac->n; i++) { /* woken by the first of them to finish */
        aio_wait_item *it = &ac->items[i];
        if (aio__handed_out(it)) continue;
        it->node.mark = AIO__FOREIGN;
        it->node.task = t;
        aio__join(it->task, &it->node.link);
    }
    return rc;
}

// >>groups
/* ------------------------------------------------------------ task groups */

static int aio__group_open(const aio_group *g) {
    return aio__scope_open(&g->scope) || g->scope.state == AIO__S_JOIN;
}

static void aio__group_abort(aio_group *g) {
    aio_link *n;
    if (g->flags & AIO__G_ABORTED) return;
    g->flags |= AIO__G_ABORTED;
    g->scope.flags |= AIO__S_EXPIRED; /* level-triggered for the body and every child */
    AIO__TRACE(g->scope.task->loop, AIO_TRACE_CANCEL, g->scope.task, &g->scope, AIO_BY_GROUP, 0);
    aio__visit_tree(g->scope.task, &g->scope, aio__cancel_arrives);
    for (n = g->children.next; n != &g->children; n = n->next) {
        AIO__TRACE(g->scope.task->loop, AIO_TRACE_CANCEL, AIO_CONTAINER(n, aio_task, member),
                   &g->scope, AIO_BY_GROUP, 0);
        aio__visit_tree(AIO_CONTAINER(n, aio_task, member), NULL, aio__cancel_arrives);
    }
}

AIO_API aio_status aio__group_enter(aio_task *t, aio_frame *f, aio_group *g, uint32_t landing) {
    aio_status rc;
    if (g && g->scope.state == AIO__S_JOIN) { /* (NULL: refused below) */
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "group: re-entering a group that is still "
                                                      "open; use one aio_group per block"));
        return AIO_EINVAL;
    }
    /* A block left by a plain `return` cancelled its children but could not
     * wait for them: the group is theirs until the last one has ended. */
    if (g && !aio__scope_open(&g->scope) && g->live != 0) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "group: entered again while children of its "
                                                      "last block (left by a plain `return`) are "
                                                      "still running"));
        return AIO_EINVAL;
    }
    if (!g) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "group: the group pointer is NULL"));
        return AIO_EINVAL;
    }
    rc = aio__scope_enter(t, f, &g->scope, AIO_NEVER, AIO__ENTER_RELATIVE | AIO__ENTER_GROUP, landing);
    if (rc != AIO_OK) return rc;
    t->loop->close_blocks = aio__close_blocks_and_groups;
    t->loop->left_group = aio__left_group;
    t->loop->heard = aio__group_hear;
    g->scope.flags |= AIO__S_GROUP;
    aio__list_init(&g->children);
    g->notice.link.next = g->notice.link.prev = NULL;
    g->notice.mark = AIO__FOREIGN; /* not a task's: the ready queue tells it apart */
    g->live = g->unheard = 0;
    g->status = AIO_OK;
    g->flags = 0;
    return AIO_OK;
}

AIO_API int aio__group_next(aio_group *g) {
    switch (g->scope.state) {
    case AIO__S_ENTERED: g->scope.state = AIO__S_FIRST; return 1; /* run the body */
    case AIO__S_BODY: g->scope.state = AIO__S_JOIN; return 1;     /* then wait for children */
    default: return 0;
    }
}

AIO_API int aio__group_joining(const aio_group *g) { return g->scope.state == AIO__S_JOIN; }

/* The block's end always waits for every child, whatever happens meanwhile;
 * a cancellation of the owner that arrives now cancels them first. */
AIO_API aio_status aio__group_join(aio_task *t, aio_group *g) {
    aio_timeout *src = aio__cancel_source(t, 1);
    if (src && src != &g->scope) {
        /* Found on arriving at the end (pending since before): like any
         * checkpoint that finds a cancellation before it parks, let the ready
         * tasks, the children among them, run once first (asyncio's end of
         * the block suspends, and is cancelled when it resumes). */
        if (g->live && !(g->flags & (AIO__G_JOINING | AIO__G_HELD_BACK | AIO__G_ABORTED))) {
            g->flags |= AIO__G_HELD_BACK;
            aio__enqueue(t);
            return AIO__SUSPENDED;
        }
        aio__group_abort(g);
    }
    if (g->live == 0) {
        g->flags &= (uint8_t)~AIO__G_JOINING;
        return AIO_OK;
    }
    g->flags |= AIO__G_JOINING;
    AIO__WAITS_ON(t->loop, AIO_ON_GROUP, g, 0);
    return aio__park(t, 0, 0);
}

/* 1 if the frame must go on unwinding: an error came through the block, or
 * (the block's end being a checkpoint) a cancellation from outside applies. */
AIO_API int aio__group_exit(aio_task *t, aio_frame *f, aio_group *g) {
    aio__scope_close(t, &g->scope);
    if ((g->flags & AIO__G_PASS) && f->rc >= 0 && g->status < 0) {
        /* a child failed while a return waited for it: the failure wins */
        f->rc = g->scope.saved_rc;
        g->flags &= (uint8_t)~AIO__G_PASS;
    }
    if ((g->flags & AIO__G_PASS) && f->rc < 0) return 1;
    if (aio__checkpoint(t) < 0) { /* also replaces a return that waited */
        aio__set_status(t, f, AIO_ECANCELED);
        return 1;
    }
    return (g->flags & AIO__G_PASS) != 0; /* a return goes on */
}

AIO_API void aio__group_land(aio_task *t, aio_frame *f, aio_group *g) {
    aio__raised(t, f);
    if (f->rc == AIO_ECANCELED && aio__cancel_source(t, 0) == &g->scope) {
        /* the group's own cancellation: stop unwinding here */
        f->rc = g->scope.saved_rc;
        f->flags = (uint8_t)((f->flags & ~AIO__F_OVERRIDE) |
                             ((g->scope.flags & AIO__S_SAVED_OVERRIDE) ? AIO__F_OVERRIDE : 0));
        return;
    }
    g->flags |= AIO__G_PASS; /* something else unwinds through: after the join */
    if (f->rc < 0) {
        if (f->rc != AIO_ECANCELED && g->status == AIO_OK) g->status = f->rc;
        aio__group_abort(g);
    }
}

/* A child spawned into a group sees the blocks around the group as its
 * owner sees them: those delivered before the owner's innermost cleanup
 * began stay unseen, those delivered since are seen. The owner's `hidden`
 * counts the delivered blocks of its whole chain; the child's chain is only
 * the part from the group outward, so the owner's blocks inside the group
 * that its cleanup does not see are taken off. (When one of those was
 * delivered after the cleanup began, the owner is being cancelled there,
 * and its new child sees what is delivered around the group too.) */
static void aio__view_through(aio_task *child, const aio_task *owner, const aio_timeout *group) {
    const aio_timeout *sc;
    unsigned inside = 0;
    for (sc = owner->scope; sc != group; sc = sc->parent) { /* (an open group is on its owner's chain) */
        if ((sc->flags & AIO__S_DELIVERED) && sc->cleanups < owner->view.v.cleanups) inside++;
        if (sc->flags & AIO__S_SHIELD) break;
    }
    child->view.v.cleanups = owner->view.v.cleanups;
    child->view.v.hidden = (uint16_t)(owner->view.v.hidden > inside ? owner->view.v.hidden - inside : 0);
}

AIO_API aio_status aio_group_spawn(aio_group *g, aio_task *t, aio_task_fn fn) {
    aio_status rc;
    if (!g || !aio__group_open(g))
        return aio__misuse(AIO_EINVAL, "aio_group_spawn: the group is not open");
    if (g->flags & AIO__G_ABORTED)
        return aio__misuse(AIO_EINVAL, "aio_group_spawn: the group is shutting down");
    rc = AIO__SPAWN_ON(g->scope.task->loop, t, fn, g->scope.task->loop->end_run);
    if (rc < 0) return rc;
    aio__set_scope(t, &g->scope); /* its chain of deadlines continues through the group */
    /* ... and it sees that chain as its owner does: a group opened in cleanup
     * runs its children past the cancellation that brought the owner there */
    aio__view_through(t, g->scope.task, &g->scope);
    aio__list_unlink(&t->member); /* from the loop's list to the group's */
    aio__list_append(&g->children, &t->member);
    g->live++;
    return AIO_OK;
}

AIO_API aio_status aio_group_status(const aio_group *g) { return g->status; }

AIO_API int aio_group_cancel(aio_group *g) {
    if (!g || !aio__group_open(g) || (g->flags & AIO__G_ABORTED)) return 0;
    aio__group_abort(g);
    return 1;
}

// >>events
/* ------------------------------------------------------------------ events */

AIO_API void aio_event_set(aio_event *ev) {
    aio_loop *L;
    aio_wakeup_fn wakeup = NULL;
    void *ctx = NULL;
    AIO_CRITICAL_ENTER();
    ev->set = 1;
    ev->sets = ev->sets + 1u; /* not ++: C++20 deprecates it on a volatile */
    L = ev->loop;
    if (L && !ev->queued && aio__signal(L, ev)) {
        wakeup = L->wakeup;
        ctx = L->wakeup_ctx;
    }
    /* Still inside: a loop destroyed by its own thread meanwhile would be
     * gone by the time a wake-up called after the section reached it. */
    if (wakeup) wakeup(ctx, L);
    AIO_CRITICAL_EXIT();
}

AIO_API void aio_event_clear(aio_event *ev) {
    AIO_CRITICAL_ENTER();
    ev->set = 0;
    AIO_CRITICAL_EXIT();
}
AIO_API int aio_event_is_set(const aio_event *ev) {
    int set;
    AIO_CRITICAL_ENTER();
    set = ev->set != 0;
    AIO_CRITICAL_EXIT();
    return set;
}

/* Whether ev is set, and the count of its sets so far (the waiter's ticket). */
static int aio__event_look(aio_event *ev, uint32_t *ticket) {
    int set;
    AIO_CRITICAL_ENTER();
    *ticket = ev->sets;
    set = ev->set != 0;
    AIO_CRITICAL_EXIT();
    return set;
}

static aio_status aio__event_park(aio_task *t, aio_frame *f, aio_event *ev, uint32_t ticket) {
    aio_loop *L = t->loop;
    aio_loop *owner;
    aio_status rc;
    AIO_CRITICAL_ENTER();
    owner = ev->loop;
    AIO_CRITICAL_EXIT();
    if (owner && owner != L)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "event wait: tasks of another loop wait "
                                                        "on this event; an event belongs to one loop"));
    AIO__WAITS_ON(L, AIO_ON_EVENT, ev, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    if (!L->events) aio__use_events(L, aio__events); /* (before the event can be queued on L) */
    AIO_CRITICAL_ENTER();
    t->await.ticket = ticket;
    aio__list_append(&ev->waiters, &t->wait.link);
    if (!ev->loop) {
        ev->loop = L;
        L->bound_events++;
    }
    /* set since the ticket was taken, while it belonged to no loop: queue it now */
    if (ev->sets != ticket && !ev->queued) (void)aio__signal(L, ev);
    AIO_CRITICAL_EXIT();
    return rc;
}

AIO_API aio_status aio__event_start(aio_task *t, aio_frame *f, aio_event *ev, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    uint32_t ticket;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("event wait: the timeout"));
    if (aio__event_look(ev, &ticket)) return AIO_OK;
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    aio__set_until(t, until);
    return aio__event_park(t, f, ev, ticket);
}

AIO_API aio_status aio__event_poll(aio_task *t, aio_frame *f, aio_event *ev) {
    uint32_t ticket;
    int set = aio__event_look(ev, &ticket);
    AIO_CRITICAL_ENTER();
    aio__event_unbind_if_idle(ev); /* it has left the wait list */
    AIO_CRITICAL_EXIT();
    if (t->flags & AIO__T_SIGNALLED) { /* set before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_OK;
    }
    /* woken by a cancellation or a deadline first: a set since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    if (set) return AIO_OK; /* set while it was woken for another reason */
    return aio__event_park(t, f, ev, ticket);
}

// >>locks
/* ------------------------------------------------------ locks, semaphores */

/* A lock and a semaphore share the code below: `count` is the lock's
 * `locked` or the semaphore's free permits, and `handed` is NULL for a lock,
 * else the semaphore's count of permits handed to waiters that have not run
 * yet. A lock handed on is nobody's until its new holder runs: asyncio's
 * lock reads unlocked then, and refuses a release or a condition wait. */
enum { AIO__LOCK_FREE = 0, AIO__LOCK_HELD = 1, AIO__LOCK_HANDED = 2 };

static void aio__pass_lock(aio_link *waiters, int *locked) {
    *locked = aio__wake_first(waiters, AIO__T_GRANTED) ? AIO__LOCK_HANDED : AIO__LOCK_FREE;
}

/* Hand free permits to the waiters at the head of the queue (CPython 3.13
 * does this whenever an acquire ends). */
static void aio__hand_out(aio_link *waiters, int *count, int *handed) {
    while (handed && *count > 0 && aio__wake_first(waiters, AIO__T_GRANTED)) {
        --*count;
        ++*handed;
    }
}

/* Give a permit back: straight to the oldest waiter, else to the pool. */
static aio_status aio__release(aio_link *waiters, int *count, int *handed, int bound) {
    if (!handed) {
        if (*count == AIO__LOCK_HANDED)
            return aio__misuse(AIO_EINVAL, "aio_lock_release: the lock was already released and "
                                           "handed to a waiter that has not run yet");
        if (*count != AIO__LOCK_HELD)
            return aio__misuse(AIO_EINVAL, "aio_lock_release: the lock is not locked");
        aio__pass_lock(waiters, count);
        return AIO_OK;
    }
    if (bound > 0 && *count >= bound)
        return aio__misuse(AIO_EINVAL, "aio_semaphore_release: released more often than acquired");
    if (*count == INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_semaphore_release: the count is at INT_MAX; "
                                       "one more permit would overflow it");
    ++*count;
    aio__hand_out(waiters, count, handed);
    return AIO_OK;
}

/* Take the lock or a permit if it is free and nobody is ahead: nobody queues
 * and nothing handed out waits to be used. */
static int aio__try_take(const aio_link *waiters, int *count, const int *handed) {
    if (!aio__list_empty(waiters)) return 0;
    if (!handed) {
        if (*count != AIO__LOCK_FREE) return 0;
        *count = AIO__LOCK_HELD;
        return 1;
    }
    if (*count <= 0 || *handed > 0) return 0;
    --*count;
    return 1;
}

static aio_status aio__acquire_park(aio_task *t, aio_frame *f, aio_link *waiters,
                                    const int *handed) {
    aio_status rc;
    /* (a lock's or semaphore's waiters are its first member: the object) */
    AIO__WAITS_ON(t->loop, handed ? AIO_ON_SEMAPHORE : AIO_ON_LOCK, waiters, 0);
    (void)handed;
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    aio__wait_in(t, waiters);
    return rc;
}

AIO_API aio_status aio__acquire_start(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                      int *handed, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("acquire: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    if (aio__try_take(waiters, count, handed)) return AIO_OK;
    aio__set_until(t, until);
    return aio__acquire_park(t, f, waiters, handed);
}

AIO_API aio_status aio__acquire_poll(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                     int *handed) {
    aio_status rc;
    if (t->flags & AIO__T_GRANTED) {
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        if (handed)
            --*handed; /* the permit is its own now */
        else /* (count and handed are fields of one lock or semaphore, which a holding block
                reads from its scope on resuming: the analyzer cannot know it is there) */
            *count = AIO__LOCK_HELD; /* NOLINT(clang-analyzer-core.NullDereference) */
        if (aio__checkpoint(t) < 0) { /* cancelled before it could use it: pass it on */
            aio__release(waiters, count, handed, 0);
            return aio__raise(t, f, AIO_ECANCELED);
        }
        aio__hand_out(waiters, count, handed);
        return AIO_OK;
    }
    /* woken by a cancellation or a deadline (it has left the queue) */
    if (aio__checkpoint(t) < 0) {
        rc = aio__raise(t, f, AIO_ECANCELED);
    } else if (aio__until_due(t)) {
        rc = AIO_ETIMEDOUT;
    } else {
        if (aio__try_take(waiters, count, handed)) return AIO_OK; /* freed while it was not queued */
        return aio__acquire_park(t, f, waiters, handed);
    }
    aio__hand_out(waiters, count, handed); /* what it would have taken goes to the next */
    return rc;
}

AIO_API aio_status aio_semaphore_init(aio_semaphore *sem, int value, int bound) {
    if (!sem) return aio__misuse(AIO_EINVAL, "aio_semaphore_init: the semaphore is NULL");
    aio__list_init(&sem->waiters);
    sem->handed = 0;
    sem->value = 0; /* (refused: a semaphore with no permit and no bound) */
    sem->bound = 0;
    if (value < 0 || bound < 0 || (bound > 0 && value > bound))
        return aio__misuse(AIO_EINVAL, "aio_semaphore_init: the value or the bound is negative, "
                                       "or the value is above the bound");
    sem->value = value;
    sem->bound = bound;
    return AIO_OK;
}
AIO_API aio_status aio_semaphore_release(aio_semaphore *sem) {
    return aio__release(&sem->waiters, &sem->value, &sem->handed, sem->bound);
}
AIO_API int aio_semaphore_value(const aio_semaphore *sem) { return sem->value; }
AIO_API aio_status aio_lock_release(aio_lock *lock) {
    return aio__release(&lock->waiters, &lock->locked, NULL, 0);
}
AIO_API int aio_lock_locked(const aio_lock *lock) { return lock->locked == AIO__LOCK_HELD; }

// >>conditions
/* -------------------------------------------------------------- conditions */

AIO_API aio_status aio_condition_init(aio_condition *cond, aio_lock *lock) {
    if (!cond) return aio__misuse(AIO_EINVAL, "aio_condition_init: the condition is NULL");
    aio__list_init(&cond->waiters);
    cond->lock = lock; /* (NULL: every wait and notify is refused) */
    if (!lock) return aio__misuse(AIO_EINVAL, "aio_condition_init: the lock is NULL");
    return AIO_OK;
}

AIO_API int aio_condition_notify(aio_condition *cond, int n) {
    int woken = 0;
    if (!cond->lock || cond->lock->locked != AIO__LOCK_HELD)
        return aio__misuse(AIO_EINVAL, "aio_condition_notify: the condition's lock is not held");
    while (woken < n && aio__wake_first(&cond->waiters, AIO__T_GRANTED)) woken++;
    return woken;
}

AIO_API int aio_condition_notify_all(aio_condition *cond) {
    return aio_condition_notify(cond, INT_MAX);
}

/* A condition wait is a wait for the notification and then a wait to take
 * the lock back (asyncio's Condition.wait). In the second, a cancellation
 * or a deadline that arrives sends the task to the back of the lock's queue
 * (one handed the lock it could not use passes it on), and is reported once
 * the task holds the lock again: the lock is held whenever the wait ends. */
static aio_status aio__cond_relock(aio_task *t, aio_frame *f, aio_condition *c, int woken) {
    aio_lock *lock = c->lock;
    uint16_t outcome;
    const uint16_t relock_flags = AIO__T_RELOCK | AIO__T_RELOCK_RAISE | AIO__T_RELOCK_TIMEOUT |
                                  AIO__T_RELOCK_NOSPC | AIO__T_NOTIFIED | AIO__T_FIRED;
    if (t->flags & AIO__T_GRANTED) {
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        lock->locked = AIO__LOCK_HELD;
        if (!aio__new_cancellation(t)) goto relocked;
        aio__pass_lock(&lock->waiters, &lock->locked);
        t->flags |= AIO__T_RELOCK_RAISE;
    } else if (woken) {
        if (aio__checkpoint(t) < 0)
            t->flags |= AIO__T_RELOCK_RAISE;
        else if (aio__until_due(t) &&
                 !(t->flags & (AIO__T_RELOCK_RAISE | AIO__T_FIRED)))
            t->flags |= AIO__T_RELOCK_TIMEOUT;
    }
    /* A deadline that has fired is not armed again; t->until keeps it, as
     * AIO_COND_WAIT_FOR's one deadline for the waits that follow. */
    if (aio__until_due(t)) t->flags |= AIO__T_FIRED;
    if (!aio__try_take(&lock->waiters, &lock->locked, NULL)) {
        AIO__WAITS_ON(t->loop, AIO_ON_LOCK, lock, 0); /* taking the lock back */
        if (aio__park(t, !(t->flags & AIO__T_FIRED), 1) != AIO__SUSPENDED)
            aio__park(t, 0, 0); /* no timer slot: still take the lock back */
        t->flags |= AIO__T_RELOCK;
        aio__wait_in(t, &lock->waiters);
        return AIO__SUSPENDED;
    }
relocked:
    outcome = t->flags & relock_flags;
    t->flags &= (uint16_t)~relock_flags;
    /* A notification it took and cannot use goes to the next waiter (no
     * wake-up is lost; CPython 3.13 does the same, gh-112202). */
    if ((outcome & AIO__T_NOTIFIED) && (outcome & (AIO__T_RELOCK_RAISE | AIO__T_RELOCK_TIMEOUT)))
        (void)aio__wake_first(&c->waiters, AIO__T_GRANTED);
    if (outcome & AIO__T_RELOCK_RAISE) return aio__raise(t, f, AIO_ECANCELED);
    if (outcome & AIO__T_RELOCK_NOSPC) return aio__raise(t, f, AIO_ENOSPC);
    return (outcome & AIO__T_RELOCK_TIMEOUT) ? AIO_ETIMEDOUT : AIO_OK;
}

static aio_status aio__cond_park(aio_task *t, aio_condition *c) {
    aio_status rc;
    AIO__WAITS_ON(t->loop, AIO_ON_CONDITION, c, 0);
    rc = aio__park(t, 1, 1);
    if (rc == AIO__SUSPENDED) aio__wait_in(t, &c->waiters);
    return rc;
}

AIO_API aio_status aio__cond_start(aio_task *t, aio_frame *f, aio_condition *c, aio_time d,
                                   int relative) {
    aio_time until;
    aio_status rc;
    if (!c->lock || c->lock->locked != AIO__LOCK_HELD)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "condition wait: the condition's lock is "
                                                        "not held"));
    until = relative ? aio__deadline(t->loop, d, 1) : d; /* else AIO_COND_WAIT_FOR's own */
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("condition wait: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* lock still held */
    if (relative) aio__set_until(t, until); /* AIO_COND_WAIT_FOR armed its deadline once */
    t->flags &= (uint16_t)~(AIO__T_RELOCK | AIO__T_RELOCK_RAISE | AIO__T_RELOCK_TIMEOUT |
                            AIO__T_RELOCK_NOSPC | AIO__T_NOTIFIED | AIO__T_FIRED);
    rc = aio__cond_park(t, c);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc); /* the lock is still held */
    aio_lock_release(c->lock);
    return rc;
}

AIO_API aio_status aio__cond_poll(aio_task *t, aio_frame *f, aio_condition *c) {
    if (t->flags & AIO__T_RELOCK) return aio__cond_relock(t, f, c, 1);
    if (t->flags & AIO__T_GRANTED) { /* notified */
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        if (aio__checkpoint(t) < 0) { /* cancelled before it ran: the next waiter gets it */
            aio__wake_first(&c->waiters, AIO__T_GRANTED);
            t->flags |= AIO__T_RELOCK_RAISE;
        } else {
            t->flags |= AIO__T_NOTIFIED; /* passed on if the relock then fails */
        }
    } else if (aio__checkpoint(t) < 0) {
        t->flags |= AIO__T_RELOCK_RAISE;
    } else if (aio__until_due(t)) {
        t->flags |= AIO__T_RELOCK_TIMEOUT;
    } else if (aio__cond_park(t, c) == AIO__SUSPENDED) {
        return AIO__SUSPENDED;
    } else { /* woken by a re-arm that found no timer slot: report it with the lock held */
        t->flags |= AIO__T_RELOCK_NOSPC;
    }
    return aio__cond_relock(t, f, c, 0);
}

// >>queues-impl
/* ------------------------------------------------------------------ queues */

/* A queue's state is shared with aio_queue_put_from_isr: it is read and
 * changed inside the critical section, and the wait lists (the loop's own)
 * outside it. Promises: an item put, or a place freed, is promised to the
 * oldest waiter (counted in promised / room_promised) before it is woken, so
 * that no later getter or putter takes it; the waiter takes it when it runs,
 * or hands it on if it was cancelled or timed out first. */
enum { AIO__Q_FIFO = 0, AIO__Q_LIFO, AIO__Q_PRIORITY };
/* (a LIFO's and a priority queue's store and take, named by their inits) */
static void aio__queue_lifo(aio_queue *q, const void *item, void *out);
static void aio__queue_heap(aio_queue *q, const void *item, void *out);

static aio_status aio__queue_setup(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                   uint32_t maxsize, int order, aio_queue_less_fn less,
                                   aio__queue_order_fn ordered) {
    if (!q || !storage || item_size == 0 || capacity - 1u >= UINT_MAX / 2) /* (0 wraps: refused too) */
        return aio__misuse(AIO_EINVAL, "queue init: the queue or storage is NULL, the item size is 0, "
                                       "or the capacity is 0 or over UINT_MAX / 2 items");
    if (maxsize > capacity)
        return aio__misuse(AIO_EINVAL, "queue init: maxsize is larger than the storage's capacity");
    if (order == AIO__Q_PRIORITY && !less)
        return aio__misuse(AIO_EINVAL, "priority queue init: the comparison function is NULL");
    memset(q, 0, sizeof *q);
    aio__list_init(&q->ready.waiters);
    aio__list_init(&q->putters);
    aio__list_init(&q->joiners);
    q->ready.kind = 1;
    q->storage = (unsigned char *)storage;
    q->item_size = item_size;
    q->capacity = (unsigned)capacity;
    q->maxsize = (unsigned)maxsize;
    q->order = AIO__U8(order);
    q->less = less;
    if (ordered) q->ordered = ordered; /* (in place of a FIFO's head) */
    return AIO_OK;
}

AIO_API aio_status aio_queue_init(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                  uint32_t maxsize) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_FIFO, NULL, NULL);
}
AIO_API aio_status aio_lifo_queue_init(aio_queue *q, void *storage, size_t item_size,
                                       uint32_t capacity, uint32_t maxsize) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_LIFO, NULL, aio__queue_lifo);
}
AIO_API aio_status aio_priority_queue_init(aio_queue *q, void *storage, size_t item_size,
                                           uint32_t capacity, uint32_t maxsize,
                                           aio_queue_less_fn less) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_PRIORITY, less,
                            aio__queue_heap);
}

static unsigned char *aio__queue_slot(const aio_queue *q, uint32_t i) {
    return q->storage + (size_t)i * q->item_size;
}

static void aio__queue_swap(const aio_queue *q, uint32_t i, uint32_t j) {
    unsigned char *a = aio__queue_slot(q, i);
    unsigned char *b = aio__queue_slot(q, j);
    size_t n;
    for (n = 0; n < q->item_size; n++) {
        unsigned char c = a[n];
        a[n] = b[n];
        b[n] = c;
    }
}

/* Places left: the bound less the items and the places promised. */
static unsigned aio__queue_room(const aio_queue *q) {
    unsigned bound = q->maxsize ? q->maxsize : q->capacity;
    unsigned used = q->count + q->room_promised;
    return used < bound ? bound - used : 0;
}

/* An item copied: one of an int's or a pointer's size (most queues') by a
 * copy the compiler makes inline where time counts, any other by a call. */
static void aio__queue_copy(void *to, const void *from, size_t size) {
#if AIO__SPEED && (defined(__GNUC__) || defined(__clang__))
    /* (where this is inlined into a put or get of an item smaller than 8
     * bytes, gcc would warn of the copies for 4 and 8 that the size rules
     * out: the pointers are made opaque to it, which costs no instruction) */
    __asm__("" : "+r"(to), "+r"(from));
#endif
    if (AIO__SPEED && size == 4)
        memcpy(to, from, 4);
    else if (AIO__SPEED && size == 8)
        memcpy(to, from, 8);
    else
        memcpy(to, from, size);
}

/* What a put's or get's fast path calls (the other orders than a FIFO's,
 * the general wake path, the general hand-over loops, the awaits' general
 * paths), kept apart from it: inlined there, their loops and calls would
 * make every put and get save the registers they need. */
#if AIO__SPEED && (defined(__GNUC__) || defined(__clang__))
#define AIO__QUEUE_APART __attribute__((noinline))
#else
#define AIO__QUEUE_APART /* (-Os: the compiler's choice, for size) */
#endif
/* ... and what it takes inline: AIO__QUEUE_FAST always where it optimizes
 * (at -O0, a debug or coverage build, one copy of each, as gcov counts it),
 * AIO__QUEUE_INLINE too where time counts (-Os: the compiler's choice). */
#if defined(__OPTIMIZE__) || !(defined(__GNUC__) || defined(__clang__))
#define AIO__QUEUE_FAST AIO__ALWAYS_INLINE
#else
#define AIO__QUEUE_FAST inline
#endif
#if AIO__SPEED
#define AIO__QUEUE_INLINE AIO__QUEUE_FAST
#else
#define AIO__QUEUE_INLINE
#endif

/* A LIFO's and a priority queue's own store and take, reached through the
 * queue (q->ordered) and named only by their inits: a program whose queues
 * are all FIFOs links neither. Inside the critical section: *item stored at
 * place `count` (out NULL), or the next item taken into *out (count is
 * already one less). */
static void aio__queue_lifo(aio_queue *q, const void *item, void *out) {
    if (out)
        aio__queue_copy(out, aio__queue_slot(q, q->count), q->item_size);
    else
        aio__queue_copy(aio__queue_slot(q, q->count), item, q->item_size);
}
static void aio__queue_heap(aio_queue *q, const void *item, void *out) { /* heapq's push and pop */
    uint32_t i = q->count;
    if (!out) { /* the new item at the end, up while it is less than its parent */
        aio__queue_copy(aio__queue_slot(q, i), item, q->item_size);
        while (i > 0 && q->less(aio__queue_slot(q, i), aio__queue_slot(q, (i - 1) / 2))) {
            aio__queue_swap(q, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    /* the least out, the last item in its place and down while a child is less */
    i = 0;
    aio__queue_copy(out, aio__queue_slot(q, 0), q->item_size);
    if (q->count == 0) return;
    memcpy(aio__queue_slot(q, 0), aio__queue_slot(q, q->count), q->item_size);
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= q->count) break;
        if (c + 1 < q->count && q->less(aio__queue_slot(q, c + 1), aio__queue_slot(q, c))) c++;
        if (!q->less(aio__queue_slot(q, c), aio__queue_slot(q, i))) break;
        aio__queue_swap(q, i, c);
        i = c;
    }
}

/* Inside the critical section, with room: add *item (one more not done).
 * The FIFO's store is inline in its callers; the other orders' a call. */
static AIO__QUEUE_INLINE void aio__queue_store(aio_queue *q, const void *item) {
    if (q->order == AIO__Q_FIFO) { /* (head < capacity, count <= capacity: no division) */
        unsigned i = q->head + q->count;
        if (i >= q->capacity) i -= q->capacity;
        aio__queue_copy(aio__queue_slot(q, i), item, q->item_size);
    } else {
        q->ordered(q, item, NULL);
    }
    q->count++;
    if (q->unfinished != 0xffffffffu) q->unfinished++; /* (stops there: a join never returns early) */
}

/* Inside the critical section, with an item: take the next into *out. */
static AIO__QUEUE_INLINE void aio__queue_take(aio_queue *q, void *out) {
    q->count--;
    if (q->order == AIO__Q_FIFO) {
        aio__queue_copy(out, aio__queue_slot(q, q->head), q->item_size);
        q->head = q->head + 1 == q->capacity ? 0 : q->head + 1;
    } else {
        q->ordered(q, NULL, out);
    }
}

/* 1 if nobody waits in l, a list of a queue that was set up (one that has
 * room or an item; a zeroed one has neither): aio__list_empty's test of a
 * zeroed list left out. */
static AIO__QUEUE_FAST int aio__queue_none_in(const aio_link *l) { return l->next == l; }

/* Promise the items nobody has been promised to the oldest getters. */
static AIO__QUEUE_APART void aio__queue_hand_items_all(aio_queue *q) {
    while (!aio__list_empty(&q->ready.waiters)) {
        int spare;
        AIO_CRITICAL_ENTER();
        spare = q->count > q->promised;
        if (spare) q->promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__wake_first(&q->ready.waiters, AIO__T_GRANTED);
    }
}

/* Promise the free places to the oldest putters. */
static AIO__QUEUE_APART void aio__queue_hand_room_all(aio_queue *q) {
    while (!aio__list_empty(&q->putters)) {
        int spare;
        AIO_CRITICAL_ENTER();
        spare = aio__queue_room(q) > 0;
        if (spare) q->room_promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__wake_first(&q->putters, AIO__T_GRANTED);
    }
}

#if AIO__SPEED
/* 1 if the oldest waiter of l (not empty) is parked with no timer: it can be
 * woken by aio__queue_grant, a function that calls none (the general wake
 * path's, aio__wake_first, inline and without its cases). */
static AIO__QUEUE_FAST int aio__queue_grantable(const aio_link *l) {
    const aio_task *w = AIO__TASK_OF(l->next);
    return ((unsigned)(w->state ^ AIO__PARKED) | (unsigned)w->timer) == 0; /* (one test: both almost always hold) */
}

static AIO__QUEUE_FAST void aio__queue_grant(aio_link *l) {
    aio_link *n = l->next;
    aio_task *w = AIO__TASK_OF(n);
    w->flags |= AIO__T_GRANTED;
    AIO_CRITICAL_ENTER();
    n->prev->next = n->next; /* (linked: l's first) */
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
    AIO_CRITICAL_EXIT();
    aio__enqueue(w);
    AIO__TRACE(w->loop, AIO_TRACE_WAKE, w, NULL, AIO_TRACE_NONE, 0);
}
#endif

/* The same, those waiters that need no more than aio__queue_grant woken
 * here, in a loop that calls nothing (and so saves no register), the others
 * and those after them by the general path. Inline in the puts and gets. */
static AIO__QUEUE_FAST void aio__queue_hand_items_in(aio_queue *q) {
#if AIO__SPEED
    for (;;) {
        int spare;
        if (aio__queue_none_in(&q->ready.waiters)) return;
        if (!aio__queue_grantable(&q->ready.waiters)) break;
        AIO_CRITICAL_ENTER();
        spare = q->count > q->promised;
        if (spare) q->promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__queue_grant(&q->ready.waiters);
    }
#endif
    aio__queue_hand_items_all(q);
}

static AIO__QUEUE_FAST void aio__queue_hand_room_in(aio_queue *q) {
#if AIO__SPEED
    for (;;) {
        int spare;
        if (aio__queue_none_in(&q->putters)) return;
        if (!aio__queue_grantable(&q->putters)) break;
        AIO_CRITICAL_ENTER();
        spare = aio__queue_room(q) > 0;
        if (spare) q->room_promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__queue_grant(&q->putters);
    }
#endif
    aio__queue_hand_room_all(q);
}

#if AIO__SPEED
static AIO__QUEUE_APART void aio__queue_hand_items(aio_queue *q) { aio__queue_hand_items_in(q); }
static AIO__QUEUE_APART void aio__queue_hand_room(aio_queue *q) { aio__queue_hand_room_in(q); }
#else
#define aio__queue_hand_items aio__queue_hand_items_all
#define aio__queue_hand_room aio__queue_hand_room_all
#endif

/* A queue rang from outside: its getters' loop hands them the items. */
static void aio__queue_rang(aio_event *ready) {
    aio__queue_hand_items(AIO_CONTAINER(ready, aio_queue, ready));
}

/* Inside the critical section: AIO_OK if a put finds a place (a newcomer:
 * and no putter waits before it), else the reason. */
static AIO__QUEUE_FAST aio_status aio__queue_put_refused(const aio_queue *q, int newcomer) {
    if (q->shut) return AIO_ESHUTDOWN;
    if (aio__queue_room(q) == 0 || (newcomer && !aio__queue_none_in(&q->putters)))
        return q->maxsize ? AIO_EFULL : AIO_ENOSPC;
    return AIO_OK;
}

/* Inside the critical section: AIO_OK if an item is free for a get (a
 * newcomer: and no getter waits before it), else AIO_EEMPTY or AIO_ESHUTDOWN. */
static AIO__QUEUE_FAST aio_status aio__queue_get_refused(const aio_queue *q, int newcomer) {
    if (q->count <= q->promised || (newcomer && !aio__queue_none_in(&q->ready.waiters)))
        return q->shut ? AIO_ESHUTDOWN : AIO_EEMPTY;
    return AIO_OK;
}

/* Put *item if a place is free: AIO_OK, else the reason. */
static AIO__QUEUE_INLINE aio_status aio__queue_try_put(aio_queue *q, const void *item, int newcomer) {
    aio_status rc;
    AIO_CRITICAL_ENTER();
    rc = aio__queue_put_refused(q, newcomer);
    if (rc == AIO_OK) aio__queue_store(q, item);
    AIO_CRITICAL_EXIT();
    return rc;
}

/* A put from a task: stored if a place is open (for a newcomer, with no
 * putter waiting before it), and the items handed to waiting getters. */
static AIO__QUEUE_FAST aio_status aio__queue_put_in(aio_queue *q, const void *item, int newcomer) {
    aio_status rc = aio__queue_try_put(q, item, newcomer);
    if (rc != AIO_OK) return rc;
    aio__queue_hand_items_in(q);
    return AIO_OK;
}

/* A get from a task: an item taken if one is free, and the places freed
 * handed to waiting putters. */
static AIO__QUEUE_FAST aio_status aio__queue_get_in(aio_queue *q, void *out, int newcomer) {
    aio_status rc;
    AIO_CRITICAL_ENTER();
    rc = aio__queue_get_refused(q, newcomer);
    if (rc == AIO_OK) aio__queue_take(q, out);
    AIO_CRITICAL_EXIT();
    if (rc != AIO_OK) return rc;
    aio__queue_hand_room_in(q);
    return AIO_OK;
}

/* The same, one call for the general paths (the fast ones take them inline). */
static AIO__QUEUE_APART aio_status aio__queue_put_now(aio_queue *q, const void *item, int newcomer) {
    return aio__queue_put_in(q, item, newcomer);
}
static AIO__QUEUE_APART aio_status aio__queue_get_now(aio_queue *q, void *out, int newcomer) {
    return aio__queue_get_in(q, out, newcomer);
}

/* Whoever may ring a queue's event on L first gives L the events hook that
 * hears it (and that calls loop->rang for a queue's). Where puts can come
 * from other threads or handlers (AIO_CRITICAL_ENTER defined) that is the
 * getter's park, on the loop's own thread; else every ring is made on the
 * loop's thread and the ring installs it, so that a loop whose queues are
 * only put to by its tasks (who wake the getters themselves) runs no events
 * hook in its turns. */
static void aio__queue_hook(aio_loop *L) {
    if (!L->events) aio__use_events(L, aio__events);
    L->rang = aio__queue_rang;
}

AIO_API aio_status aio_queue_put_nowait(aio_queue *q, const void *item) {
    if (!q || !item) return aio__misuse(AIO_EINVAL, "queue put: the queue or the item is NULL");
    return aio__queue_put_now(q, item, 1);
}

AIO_API aio_status aio_queue_get_nowait(aio_queue *q, void *item) {
    if (!q || !item) return aio__misuse(AIO_EINVAL, "queue get: the queue or the item is NULL");
    return aio__queue_get_now(q, item, 1);
}

AIO_API aio_status aio_queue_put_from_isr(aio_queue *q, const void *item) {
    aio_status rc;
    if (!q || !item) return AIO_EINVAL; /* (no debug message: it may run in a handler) */
    rc = aio__queue_try_put(q, item, 0);
#ifndef AIO__SHARED
    /* (on the loop's thread: see aio__queue_hook) */
    if (rc == AIO_OK && q->ready.loop) aio__queue_hook(q->ready.loop);
#endif
    if (rc == AIO_OK) aio_event_set(&q->ready); /* the getters' loop hands it out */
    return rc;
}

AIO_API uint32_t aio_queue_qsize(const aio_queue *q) {
    uint32_t n;
    AIO_CRITICAL_ENTER();
    n = q->count;
    AIO_CRITICAL_EXIT();
    return n;
}
AIO_API int aio_queue_empty(const aio_queue *q) { return aio_queue_qsize(q) == 0; }
AIO_API int aio_queue_full(const aio_queue *q) {
    return q->maxsize > 0 && aio_queue_qsize(q) >= q->maxsize;
}

AIO_API aio_status aio_queue_task_done(aio_queue *q) {
    int all_done;
    if (!q) return aio__misuse(AIO_EINVAL, "queue task_done: the queue is NULL");
    AIO_CRITICAL_ENTER();
    all_done = q->unfinished == 1;
    if (q->unfinished) q->unfinished--;
    else all_done = -1;
    AIO_CRITICAL_EXIT();
    if (all_done < 0)
        return aio__misuse(AIO_EINVAL, "queue task_done: called more often than items were put");
    if (all_done) aio__wake_all(&q->joiners, AIO__T_SIGNALLED);
    return AIO_OK;
}

AIO_API void aio_queue_shutdown(aio_queue *q, int immediate) {
    int all_done = 0;
    if (!q) {
        aio__misuse(AIO_EINVAL, "queue shutdown: the queue is NULL");
        return;
    }
    AIO_CRITICAL_ENTER();
    q->shut = 1;
    if (immediate) { /* each item dropped counts as done */
        q->unfinished = q->unfinished > q->count ? q->unfinished - q->count : 0;
        q->count = q->promised = 0;
        if (q->order == AIO__Q_FIFO) q->head = 0; /* (the others' place holds their store and take) */
        all_done = q->unfinished == 0;
    }
    AIO_CRITICAL_EXIT();
    if (all_done) aio__wake_all(&q->joiners, AIO__T_SIGNALLED);
    /* to find it shut down: it reached them before a later deadline or cancel */
    aio__wake_all(&q->ready.waiters, AIO__T_SIGNALLED);
    aio__wake_all(&q->putters, AIO__T_SIGNALLED);
}

/* Park t among the getters (the queue's event, bound to t's loop): a put
 * from outside rings it there. */
static aio_status aio__queue_park_getter(aio_task *t, aio_frame *f, aio_queue *q) {
    aio_loop *L = t->loop;
    aio_loop *owner;
    aio_status rc;
    AIO_CRITICAL_ENTER();
    owner = q->ready.loop;
    AIO_CRITICAL_EXIT();
    if (owner && owner != L)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue get: tasks of another loop wait on "
                                                        "this queue; a queue's getters belong to one loop"));
    AIO__WAITS_ON(L, AIO_ON_QUEUE, q, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
#ifdef AIO__SHARED
    aio__queue_hook(L); /* (before the queue can be rung on L) */
#endif
    AIO_CRITICAL_ENTER();
    aio__list_append(&q->ready.waiters, &t->wait.link);
    if (!q->ready.loop) {
        q->ready.loop = L;
        L->bound_events++;
    }
#ifdef AIO__SHARED
    /* put from outside while it belonged to no loop (an interrupt between the
     * look at the queue and here): ring it now (without AIO__SHARED nothing
     * runs between the two) */
    if (q->count > q->promised && !q->ready.queued) (void)aio__signal(L, &q->ready); /* LCOV_EXCL_BR_LINE */
#endif
    AIO_CRITICAL_EXIT();
    return rc;
}

static aio_status aio__queue_park(aio_task *t, aio_frame *f, const aio_queue *q,
                                  aio_link *waiters) {
    aio_status rc;
    AIO__WAITS_ON(t->loop, AIO_ON_QUEUE, q, 0);
    (void)q;
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    aio__wait_in(t, waiters);
    return rc;
}

static aio_time aio__queue_until(aio_task *t, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (until != AIO_TIME_INVALID) aio__set_until(t, until);
    return until;
}

#if AIO__SPEED
/* The awaits of a task with nothing to check (no block open around it, no
 * cancellation, no timeout), apart from the general paths whose saved
 * registers they would pay for: the put and get of a hand-over between two
 * tasks. What they do is what the general paths do in that case. */
static AIO__QUEUE_APART aio_status aio__queue_put_plain(aio_task *t, aio_queue *q, const void *item) {
    aio_status rc;
    t->until = AIO_NEVER;
    rc = aio__queue_put_in(q, item, 1);
    if (rc != AIO_EFULL) return rc;
    AIO__WAITS_ON(t->loop, AIO_ON_QUEUE, q, 0);
    aio__park_now(t, 0); /* (aio__park's, with no deadline and no block) */
    AIO__TRACE(t->loop, AIO_TRACE_SUSPEND, t, q, AIO_ON_QUEUE, 0);
    aio__wait_in(t, &q->putters);
    return AIO__SUSPENDED;
}

static AIO__QUEUE_APART aio_status aio__queue_get_plain(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
    aio_status rc;
#ifndef AIO__SHARED
    aio_loop *L;
    aio_loop *owner;
#endif
    t->until = AIO_NEVER;
    rc = aio__queue_get_in(q, out, 1);
    if (rc != AIO_EEMPTY) return rc;
#ifdef AIO__SHARED
    return aio__queue_park_getter(t, f, q); /* (the hook to install, a ring to make up for) */
#else
    L = t->loop;
    owner = q->ready.loop;
    if (owner && owner != L) return aio__queue_park_getter(t, f, q); /* (refused) */
    /* (no put from outside can have come since the look at the queue: no
     * ring to make up for, and no events hook to install, as
     * aio__queue_park_getter's where puts can come from outside) */
    AIO__WAITS_ON(L, AIO_ON_QUEUE, q, 0);
    aio__park_now(t, 0); /* (aio__queue_park_getter's, with no deadline and no block) */
    AIO__TRACE(L, AIO_TRACE_SUSPEND, t, q, AIO_ON_QUEUE, 0);
    aio__list_append(&q->ready.waiters, &t->wait.link);
    if (!owner) {
        q->ready.loop = L;
        L->bound_events++;
    }
    return AIO__SUSPENDED;
#endif
}

/* (the place promised to it is there unless the queue was shut down: no
 * put or promise takes a place promised to another, so items and promised
 * places never outnumber the bound) */
static AIO__QUEUE_APART aio_status aio__queue_put_granted(aio_task *t, aio_queue *q, const void *item) {
    int shut;
    t->flags &= (uint16_t)~AIO__T_GRANTED;
    AIO_CRITICAL_ENTER();
    q->room_promised--;
    shut = q->shut;
    if (!shut) aio__queue_store(q, item);
    AIO_CRITICAL_EXIT();
    if (shut) return AIO_ESHUTDOWN;
    aio__queue_hand_items_in(q);
    return AIO_OK;
}

static AIO__QUEUE_APART aio_status aio__queue_get_granted(aio_task *t, aio_queue *q, void *out) {
    aio_loop *L;
    t->flags &= (uint16_t)~AIO__T_GRANTED;
    AIO_CRITICAL_ENTER(); /* it has left the getters (aio__event_unbind_if_idle's) */
    L = q->ready.loop;
    if (L && aio__queue_none_in(&q->ready.waiters) && !q->ready.queued) {
        L->bound_events--;
        q->ready.loop = NULL;
    }
    q->promised -= q->promised > 0; /* (0 once an immediate shutdown dropped them) */
    AIO_CRITICAL_EXIT();
    return aio__queue_get_in(q, out, 0);
}

/* (a granted task with nothing to check takes the fast path) */
#define AIO__QUEUE_GRANTED_PLAIN(t)                                            \
    (((t)->flags & (AIO__T_GRANTED | AIO__T_WATCHED | AIO__T_CANCEL_REQ)) == AIO__T_GRANTED)
#endif

static AIO__QUEUE_APART aio_status aio__queue_put_start_all(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d) {
    aio_status rc;
    if (!q || !item)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue put: the queue or the item is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue put: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    rc = aio__queue_put_now(q, item, 1);
    if (rc != AIO_EFULL) return rc; /* done, shut down, or no storage left: no wait */
    return aio__queue_park(t, f, q, &q->putters);
}

AIO_API aio_status aio__queue_put_start(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d) {
#if AIO__SPEED
    if (d == AIO_NEVER && aio__plain(t) && q && item) return aio__queue_put_plain(t, q, item);
#endif
    return aio__queue_put_start_all(t, f, q, item, d);
}

static AIO__QUEUE_APART aio_status aio__queue_put_poll_all(aio_task *t, aio_frame *f, aio_queue *q, const void *item) {
    aio_status rc;
    if (t->flags & AIO__T_GRANTED) { /* a place was promised to it */
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        AIO_CRITICAL_ENTER();
        q->room_promised--;
        AIO_CRITICAL_EXIT();
        if (aio__checkpoint(t) < 0) { /* cancelled before it could use it: pass it on */
            aio__queue_hand_room(q);
            return aio__raise(t, f, AIO_ECANCELED);
        }
        return aio__queue_put_now(q, item, 0); /* (AIO_ESHUTDOWN if shut down meanwhile) */
    }
    if (t->flags & AIO__T_SIGNALLED) { /* shut down before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_ESHUTDOWN;
    }
    /* woken by a cancellation or a deadline first (it has left the queue): a
     * shutdown since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    rc = aio__queue_put_now(q, item, 1);
    if (rc != AIO_EFULL) return rc;
    return aio__queue_park(t, f, q, &q->putters);
}

AIO_API aio_status aio__queue_put_poll(aio_task *t, aio_frame *f, aio_queue *q, const void *item) {
#if AIO__SPEED
    if (AIO__QUEUE_GRANTED_PLAIN(t)) return aio__queue_put_granted(t, q, item);
#endif
    return aio__queue_put_poll_all(t, f, q, item);
}

static AIO__QUEUE_APART aio_status aio__queue_get_start_all(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d) {
    aio_status rc;
    if (!q || !out)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue get: the queue or the item is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue get: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    rc = aio__queue_get_now(q, out, 1);
    if (rc != AIO_EEMPTY) return rc;
    return aio__queue_park_getter(t, f, q);
}

AIO_API aio_status aio__queue_get_start(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d) {
#if AIO__SPEED
    if (d == AIO_NEVER && aio__plain(t) && q && out) return aio__queue_get_plain(t, f, q, out);
#endif
    return aio__queue_get_start_all(t, f, q, out, d);
}

static AIO__QUEUE_APART aio_status aio__queue_get_poll_all(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
    aio_status rc;
    AIO_CRITICAL_ENTER();
    aio__event_unbind_if_idle(&q->ready); /* it has left the getters */
    AIO_CRITICAL_EXIT();
    if (t->flags & AIO__T_GRANTED) { /* an item was promised to it */
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        AIO_CRITICAL_ENTER();
        q->promised -= q->promised > 0; /* (0 once an immediate shutdown dropped them) */
        AIO_CRITICAL_EXIT();
        if (aio__checkpoint(t) < 0) { /* cancelled before it could take it: pass it on */
            aio__queue_hand_items(q);
            return aio__raise(t, f, AIO_ECANCELED);
        }
        return aio__queue_get_now(q, out, 0);
    }
    if (t->flags & AIO__T_SIGNALLED) { /* shut down before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return aio__queue_get_now(q, out, 1); /* (an item handed on since: taken) */
    }
    /* woken by a cancellation or a deadline first (it has left the queue): a
     * shutdown since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    rc = aio__queue_get_now(q, out, 1);
    if (rc != AIO_EEMPTY) return rc;
    return aio__queue_park_getter(t, f, q);
}

AIO_API aio_status aio__queue_get_poll(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
#if AIO__SPEED
    if (AIO__QUEUE_GRANTED_PLAIN(t)) return aio__queue_get_granted(t, q, out);
#endif
    return aio__queue_get_poll_all(t, f, q, out);
}

AIO_API aio_status aio__queue_join_start(aio_task *t, aio_frame *f, aio_queue *q, aio_time d) {
    uint32_t unfinished;
    if (!q) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue join: the queue is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue join: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    AIO_CRITICAL_ENTER();
    unfinished = q->unfinished;
    AIO_CRITICAL_EXIT();
    if (unfinished == 0) return AIO_OK;
    return aio__queue_park(t, f, q, &q->joiners);
}

AIO_API aio_status aio__queue_join_poll(aio_task *t, aio_frame *f, aio_queue *q) {
    uint32_t unfinished;
    if (t->flags & AIO__T_SIGNALLED) { /* all done before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_OK;
    }
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    AIO_CRITICAL_ENTER();
    unfinished = q->unfinished;
    AIO_CRITICAL_EXIT();
    if (unfinished == 0) return AIO_OK;
    return aio__queue_park(t, f, q, &q->joiners);
}

// >>io-impl
/* ------------------------------------------------------------------ I/O */

/* A task waits on a descriptor through the slot of the descriptor in its
 * loop's aio_io: slot.waiter[dir] is the task from the moment it parks
 * there until it resumes, and only two things take it out earlier: a
 * close of the number (aio__io_drop), or another task that would wait
 * there once it was woken and cancelled (aio__io_displace). Below, why.
 *
 * A task stays its slot's waiter until it resumes, however it was woken
 * (readiness, a deadline, a cancellation): until then it is counted in
 * io->waiting (the port cannot be changed under it), and another task that
 * would wait that way on the number is refused (AIO_EBUSY), as asyncio
 * refuses a second reader. So a close always finds it: the close (aio_close,
 * aio_io_forget) takes every waiter out of the slot and wakes those still
 * parked (AIO__T_CLOSED), and a task that resumes to find itself no longer
 * its slot's waiter knows the number was closed since it parked: it says
 * AIO_ECLOSED and touches the slot no more, whatever socket has the number
 * now and however many closes came between. No count is compared, so
 * none can come round. A readiness report marks the slot's way reported
 * (AIO__IO_REPORTED), which a task parked on several descriptors at once
 * (AIO_TCP_CONNECT) reads to know which of them woke it.
 *
 * Every close of a number that the library forgets (aio_close,
 * aio_io_forget) takes the next value of one count of the thread's loops,
 * 64 bits wide (2^64 closes: it never comes round while a program runs),
 * and the number's slot keeps it. What noted the slot's value when it took
 * its socket (a stream, a server's connection) finds another once the
 * socket was closed, however many closes the number had since, and never
 * one it noted: a number's socket is known by the close that came before
 * it, which no later close repeats.
 *
 * What the port watches lags behind who waits: a descriptor stays watched
 * after its waiter was woken by readiness (it will most likely wait again,
 * and a server would otherwise pay a system call per wait), until a report
 * finds nobody waiting that way. `dry` remembers that a try found nothing
 * (EAGAIN, a short read): the next try of that way waits first, which spares
 * the system call that would fail, until a report says it is ready again.
 *
 * Whether a way still watched is still watched by the system: a number
 * closed behind the loop's back leaves epoll without a word, and the number
 * opened next under it is watched by nobody. So a wait asks the port again,
 * except where the library's own try found that way dry since the last
 * report: that try used this descriptor, a receive or send parks trusting
 * the watch there, and so does a readiness wait (a server that waits for a
 * request before taking a buffer pays no system call for the wait, as it
 * pays none when it receives at once). So a number the library used is
 * closed with aio_close, or forgotten with aio_io_forget. */

/* The count above: the last close's, and the next one's value. Only
 * compared for equality, so where counts are two words (aio__count) their
 * 8 bytes make the value: no 64-bit add on a CPU that would call a helper. */
#ifdef AIO__COUNT_WORDS
static AIO_THREAD_LOCAL aio__count aio__io_closes;
static uint64_t aio__close_next(void) {
    uint64_t v;
    aio__count_up(&aio__io_closes);
    memcpy(&v, &aio__io_closes, sizeof v);
    return v;
}
#else
static AIO_THREAD_LOCAL uint64_t aio__io_closes;
#define aio__close_next() (++aio__io_closes)
#endif

/* The way each operation waits: 0 until readable, 1 until writable. */
static const uint8_t aio__io_dirs[] = {0, 1, 0, 0, 1, 1};

/* In a slot's `dry`: a listener whose accept ran out of descriptors, not
 * watched until io->paused_until (AIO_ACCEPT_RETRY_DELAY). */
#define AIO__IO_PAUSED 4
/* In io->turn_end, the work a turn's end has beyond its look (one byte
 * tested, so that a turn with none costs one test): listeners paused out of
 * descriptors (AIO__IO_PAUSED above), streams' write buffers written in the
 * turn (aio__io_written: their sends). */
#define AIO__IO_END_PAUSED 1
#define AIO__IO_END_WRITTEN 2
/* In a slot's `dry`, shifted by the way (0 readable, 1 writable): a report
 * of readiness woke that way's waiter, which has not resumed yet. Only
 * AIO_TCP_CONNECT reads it: without sockets it is none (0: every use folds
 * away). */
#define AIO__IO_REPORTED 0


#define aio__io_turn_end(L) ((void)0)

/* Whether the turn's look at the descriptors is an idle wait's own: on the
 * system's port, in aio_run, the wait just before (aio__sysio_looked). */
static int aio__io_looked(aio_loop *L) {
    (void)L; /* (a port of its own, with no sockets: tests/coverage/no_stdlib.c) */
    return 0;
}

/* The loop's work in each turn once it waits for I/O: look at the
 * descriptors without blocking (the loop's own time as the deadline), then
 * the events' work (asyncio's order: I/O callbacks, then what they set).
 * A look that an idle wait makes, just before or just after, is not made
 * twice (aio__io_looked). And whether anything can still wake a loop with
 * nothing armed: a task waiting on a descriptor, or an event set from
 * elsewhere (a signal, a thread) through the loop's wake-up. */
#if AIO__SPEED
static AIO__APART void aio__io_drain(aio_loop *L) { /* (apart: aio__io_events stays small) */
    if (L->io) {
        if (!aio__io_looked(L)) L->io->wait(L->io, L, L->now);
        aio__io_turn_end(L);
    }
    /* (most turns set none; the drain's one caller stays aio__events, which
     * a loop with no I/O has inline) */
    if (aio__events_any(L)) (void)aio__events(L, AIO__EV_DRAIN);
}
#endif
static int aio__io_events(aio_loop *L, int op) {
#if AIO__SPEED
    /* aio_run's looks, four calls a turn, answered here: aio__events would
     * save the registers of its drain first */
    if (op == AIO__EV_PEEK || op == AIO__EV_IDLE || op == AIO__EV_AWAKE) return aio__events_look(L, op);
    if (op == AIO__EV_DRAIN) {
        aio__io_drain(L);
        return 0;
    }
#else
    if (L->io && op == AIO__EV_DRAIN) {
        if (!aio__io_looked(L)) L->io->wait(L->io, L, L->now);
        aio__io_turn_end(L);
    }
#endif
    if (L->io && op == AIO__EV_STUCK) {
        int bound;
        AIO_CRITICAL_ENTER();
        bound = L->bound_events != 0 && L->wakeup != NULL;
        AIO_CRITICAL_EXIT();
        return !L->io->waiting && !bound;
    }
    return aio__events(L, op);
}

/* On the virtual clock, after the idle wait: time jumps to `deadline` when
 * nothing is ready. But the system may still be moving bytes between this
 * program's own sockets (an acknowledgement that gives a sender room comes a
 * moment after the receive that made it): its wait may look again first,
 * waiting a little real time (the idle wait's mark stays: it looked). Kept
 * apart: the real clock's idle wait pays nothing for it. */
static AIO__APART void aio__io_jump(aio_loop *L, aio_time deadline) {
    if (deadline == AIO_NEVER || !aio__ready_empty(L) || aio__any_signalled(L) || !aio__before(L->now, deadline))
        return;
    L->now = deadline;
}

/* aio_run's idle wait once the loop waits for I/O: the port's wait, for the
 * descriptors and the next deadline together. On the virtual clock it does
 * not block while a timer is armed; time jumps to it if nothing came. */
static void aio__io_idle(void *ctx, aio_loop *L, aio_time deadline) {
    (void)ctx;
    L->io->wait(L->io, L, deadline); /* (detaching the port gives the idle hook back) */
    if (L->is_virtual) aio__io_jump(L, deadline);
}

/* (aio__io_carry: with aio_loop_destroy) */
/* And counts a close of a number the loop's port has no slot for (or while
 * it has no port), and fills the slots a port just grew with the counts the
 * loop kept for their numbers. */
static AIO_THREAD_LOCAL void (*aio__io_carry_close)(aio_loop *L, int fd);
static AIO_THREAD_LOCAL void (*aio__io_grown)(aio_io *io, uint32_t old_nslots);

/* io's grow (which it has), its new slots given their counts of closes. */
static aio_status aio__io_grow(aio_io *io, int fd) {
    uint32_t old_nslots = io->nslots;
    aio_status rc = io->grow(io, fd);
    if (rc >= 0 && aio__io_grown) aio__io_grown(io, old_nslots);
    return rc;
}

/* The loop's I/O, started on first use where the system has it; from then
 * on the loop waits through it. */
static aio_io *aio__io_of(aio_loop *L) {
    if (!L->io) return NULL; /* (out of descriptors or memory; no port given) */
    if (!L->events || L->events == aio__events) aio__use_events(L, aio__io_events); /* (the pool wraps it) */
    L->idle = aio__io_idle;
    return L->io;
}

/* A misused descriptor, named in the message (POSIX builds; elsewhere one
 * message says it all: string literals take RAM on an AVR). */
#define AIO__DETAIL(text) ""
static aio_status aio__bad_fd(aio_status code, const char *what, int fd, const char *why) {
    (void)what; (void)fd; (void)why;
    return aio__misuse(code, "I/O wait: the descriptor cannot be waited on that way");
}

/* The slot of fd in L's I/O (NULL, with the status in *rc, if there is none). */
static aio_io_slot *aio__io_slot_of(aio_loop *L, int fd, const char *what, aio_status *rc) {
    aio_io *io = aio__io_of(L);
    if (!io) {
        *rc = aio__misuse(AIO_EINVAL, "I/O wait: no I/O port (aio_loop_set_io)");
        return NULL;
    }
    if ((uint32_t)fd >= io->nslots) { /* (never negative: the awaits refuse that first) */
        *rc = io->grow ? aio__io_grow(io, fd) : aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is beyond the port's slots"));
        if (*rc < 0) return NULL;
    }
    return &io->slots[fd];
}
/* The same, at once where aio__io_of has nothing to do (its hooks are the
 * loop's) and the slot exists: each wait of a server. */
static AIO__ALWAYS_INLINE aio_io_slot *aio__io_slot(aio_loop *L, int fd, const char *what, aio_status *rc) {
#if AIO__SPEED
    aio_io *io = L->io;
    if (io && L->idle == aio__io_idle && L->events && L->events != aio__events && (uint32_t)fd < io->nslots)
        return &io->slots[fd];
#endif
    return aio__io_slot_of(L, fd, what, rc);
}

/* Whether the slot's waiter that way may give its place to another task:
 * one woken and cancelled before it ran, which will only raise (so a task
 * that cancels a reader may read in its place at once). It is taken out,
 * and finds the slot not its own when it resumes. */
static int aio__io_displace(aio_io_slot *s, int dir) {
    aio_task *w = s->waiter[dir];
    if (w->state == AIO__PARKED || !(w->flags & AIO__T_CANCEL_REQ)) return 0;
    s->waiter[dir] = NULL;
    s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
    return 1;
}

/* Park t on its descriptor's way `dir`; with `trust`, a way still watched
 * is taken as watched (the library's own sockets), else the port is asked
 * again (a descriptor closed and opened anew under the same number). */
static aio_status aio__io_park(aio_task *t, aio_frame *f, int dir, int trust, const char *what) {
    aio_loop *L = t->loop;
    int fd = t->await.io.fd;
    int way = 1 << dir;
    aio_status rc = AIO_OK;
    aio_io_slot *s = aio__io_slot(L, fd, what, &rc);
    if (!s) return rc;
    if (s->waiter[dir] && !aio__io_displace(s, dir))
        return aio__bad_fd(AIO_EBUSY, what, fd, AIO__DETAIL(dir ? "already has a task waiting until it is writable"
                                                                : "already has a task waiting until it is readable"));
    if ((!trust || !(s->watched & way)) && !(s->dry & AIO__IO_PAUSED)) {
        rc = L->io->watch(L->io, fd, s->watched, s->watched | way);
        if (rc < 0) return rc;
        s->watched = (uint8_t)(s->watched | way);
    }
    AIO__WAITS_ON(L, AIO_ON_IO, NULL, fd);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    t->await.io.dir = (uint8_t)dir;
    s->waiter[dir] = t;
    L->io->waiting++;
    return rc;
}

/* The resumption of a task parked by aio__io_park, whatever woke it: it
 * leaves its slot and stops being counted. 1 if the slot is not its any
 * more: a close took it out (or, cancelled, it gave its place to another,
 * aio__io_displace: it raises before it looks at this). */
static int aio__io_leave(aio_task *t) {
    aio_io *io = t->loop->io;
    aio_io_slot *s = &io->slots[t->await.io.fd];
    int dir = t->await.io.dir;
    io->waiting--;
    if (s->waiter[dir] != t) return 1;
    s->waiter[dir] = NULL;
    s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
    return 0;
}

/* Stop watching way `way` of fd, unless a task waits that way (one that
 * took the slot after its last waiter was woken). */
static void aio__io_unwatch(aio_io *io, int fd, int way) {
    aio_io_slot *s = &io->slots[fd];
    if ((s->watched & way) && !s->waiter[way >> 1]) {
        s->watched = (uint8_t)(s->watched & ~way);
        (void)io->watch(io, fd, s->watched | way, s->watched);
    }
}


AIO_API aio_status aio_loop_set_io(aio_loop *L, aio_io *io) {
    if (L->io && L->io->waiting)
        return aio__misuse(AIO_EBUSY, "aio_loop_set_io: tasks wait on descriptors (or were woken from such "
                                      "a wait and have not run yet)");
    if (io && (!io->watch || !io->wait || (!io->slots && io->nslots)))
        return aio__misuse(AIO_EINVAL, "aio_loop_set_io: a port needs watch, wait and slots");
    if (aio__io_carry && (L->io || io)) aio__io_carry(L, L->io, io); /* (none to none: nothing) */
    if (L->io && L->io->release) L->io->release(L->io);
    L->io = io;
    if (io) {
        io->waiting = 0;
        io->turn_end = 0;
    } else if (L->idle == aio__io_idle) { /* the loop sleeps as it did before */
        L->idle = NULL;
#ifdef AIO__SYSTEM_CLOCK
        if (!L->is_virtual) {
            L->idle = aio__system_idle;
            aio__idle_wakeup_restore(L); /* (the port's wake-up was the loop's) */
        }
#endif
    }
    return AIO_OK;
}

#if AIO__SPEED
/* fd (a slot of L's port) is ready the way `dir`. */
static void aio__io_ready_way(aio_loop *L, int fd, int dir) {
    aio_io *io = L->io;
    aio_io_slot *s = &io->slots[fd];
    aio_task *w = s->waiter[dir];
    s->dry = (uint8_t)(s->dry & ~(1 << dir));
    if (!w) {
        aio__io_unwatch(io, fd, 1 << dir); /* its waiter went: stop the reports */
    } else if (w->state == AIO__PARKED) { /* (its waiter until it resumes) */
        s->dry = (uint8_t)(s->dry | (AIO__IO_REPORTED << dir));
        w->flags |= AIO__T_SIGNALLED;
        AIO__CAUSE(L, NULL, AIO_BY_IO);
        aio__wake(w);
        AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
    } /* (else woken already: its resumption leaves the slot) */
}

AIO_API void aio_io_ready(aio_loop *L, int fd, int events) {
    aio_io *io = L->io;
    if (!io || fd < 0 || (uint32_t)fd >= io->nslots) return;
    /* (each way a call of its own: the one way most reports give pays for
     * no loop's registers) */
    if (events & AIO_READABLE) aio__io_ready_way(L, fd, 0);
    if (events & AIO_WRITABLE) aio__io_ready_way(L, fd, 1);
}
#else
AIO_API void aio_io_ready(aio_loop *L, int fd, int events) {
    aio_io *io = L->io;
    int dir;
    if (!io || fd < 0 || (uint32_t)fd >= io->nslots) return;
    for (dir = 0; dir < 2; dir++) {
        aio_io_slot *s = &io->slots[fd];
        aio_task *w = s->waiter[dir];
        if (!(events & (1 << dir))) continue;
        s->dry = (uint8_t)(s->dry & ~(1 << dir));
        if (!w) {
            aio__io_unwatch(io, fd, 1 << dir); /* its waiter went: stop the reports */
        } else if (w->state == AIO__PARKED) { /* (its waiter until it resumes) */
            s->dry = (uint8_t)(s->dry | (AIO__IO_REPORTED << dir));
            w->flags |= AIO__T_SIGNALLED;
            AIO__CAUSE(L, NULL, AIO_BY_IO);
            aio__wake(w);
            AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        } /* (else woken already: its resumption leaves the slot) */
    }
}
#endif

/* aio_io_forget's work: the slot's waiters are taken out (those parked
 * woken, AIO__T_CLOSED; those woken already find the slot not theirs when
 * they resume). `reused`: the number may now be another descriptor's (it
 * was closed), so the slot's count of closes moves on: a stream or a
 * server's connection set up over the number before finds it changed.
 * aio_server_close_clients drops the slots of sockets it shuts down and
 * keeps: their numbers are still theirs. */
static void aio__io_drop(aio_socket sock, int reused) {
    int fd = aio__fd(sock);
    aio_loop *L = aio__loop;
    aio_io *io = L ? L->io : NULL;
    aio_io_slot *s;
    int dir;
    if (!io || fd < 0 || (uint32_t)fd >= io->nslots) {
        if (L && reused && aio__io_carry_close) aio__io_carry_close(L, fd); /* (no slot: counted apart) */
        return;
    }
    s = &io->slots[fd];
    if (reused) s->closed = aio__close_next();
    for (dir = 0; dir < 2; dir++) {
        aio_task *w = s->waiter[dir];
        if (!w) continue;
        s->waiter[dir] = NULL;
        if (w->state == AIO__PARKED) {
            w->flags |= AIO__T_CLOSED;
            AIO__CAUSE(L, NULL, AIO_BY_CLOSED);
            aio__wake(w);
            AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        }
    }
    if (s->watched) (void)io->watch(io, fd, s->watched, 0);
    s->watched = 0;
    s->dry = 0;
}
AIO_API void aio_io_forget(aio_socket sock) { aio__io_drop(sock, 1); }

// >>sockets
/* ------------------------------------------------- the platform's sockets */

/* What the awaits need of the system's sockets: calls through the
 * platform's table (below), whose backends are in "POSIX", "Windows" and
 * "simulation", and the system's vocabulary that every part uses (the
 * errors, a socket made private, closed, what wakes the system's wait:
 * each backend's, listed in "the system's interface"), so that the
 * platform #ifs live in the backends alone:
 *
 *   aio__net_recv, aio__net_send, aio__net_accept: a count or a new socket
 *       (>= 0), AIO__AGAIN when the call would have had to wait, or a status;
 *   aio__net_socket, aio__net_connect, aio__net_connected: a new non-blocking
 *       socket; its connect begun (AIO_OK, AIO__AGAIN: in progress, or a
 *       status); how it went once writable;
 *   aio__net_recvfrom, aio__net_sendto: the same for a datagram;
 *   aio_tcp_listen_at, aio_udp_open, aio_socket_port, aio_close: the table's
 *       listen, udp, port_of and close; aio__net_shutdown: its shutdown;
 *   aio__socket_private, aio__net_closesocket: a socket made, closed;
 *   aio__wake_pair_*: what wakes the system's wait from elsewhere (a pipe on
 *       POSIX, a connected pair of sockets on Windows, where WSAPoll waits
 *       for sockets only).
 *
 * No call blocks, whatever mode a descriptor the program gave was opened in
 * (a socketpair, an inherited or activated listener, a socket from another
 * library are blocking by default): on POSIX a receive and a send say so in
 * each call (MSG_DONTWAIT), which leaves the descriptor's mode alone (it may
 * be shared with another process), and a pipe is read and written only as
 * far as poll() says it is ready (see aio__net_read); an accept has no such
 * flag, so the listener is made non-blocking at its first accept, as libuv
 * and Trio do with every descriptor they are given. Windows has no per-call
 * flag and no way to read a socket's mode: each try makes its socket
 * non-blocking.
 * Descriptors the library makes are non-blocking from the start.
 *
 * A socket is an int in the library, its slot's index: a POSIX descriptor,
 * or the value of a Windows SOCKET, which Windows keeps well within an int
 * (its handles are 32-bit values, multiples of 4: CPython's socket.fileno()
 * makes the same use of it). */

#define AIO__IO_NAME(op) "" /* (string literals take RAM on an AVR) */

/* 1 if a try on fd found way `dir` dry since its last report (its watch is
 * then trusted: see "Whether a way still watched" above). */
static int aio__io_is_dry(const aio_io *io, int fd, int dir) {
    return io && (uint32_t)fd < io->nslots && (io->slots[fd].dry & (1 << dir));
}


/* Try the operation once more: its result, or parked until the descriptor
 * is ready (AIO__SUSPENDED). */
static aio_status aio__io_try(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
    int fd = t->await.io.fd;
    int dir = aio__io_dirs[op];
    aio_io *io = t->loop->io;
    const char *what = AIO__IO_NAME(op);
    if (op <= AIO__IO_WRITABLE) return aio__io_park(t, f, dir, aio__io_is_dry(io, fd, dir), what);
    (void)buf; (void)len; (void)io; (void)fd;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}

static aio_status aio__io_begin(aio_task *t, aio_frame *f, int op, int fd, const void *buf, size_t len,
                                aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    const char *what = AIO__IO_NAME(op);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("I/O wait: the timeout"));
    t->await.io.fd = fd;
    t->await.io.dir = aio__io_dirs[op];
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (fd < 0) return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is negative"));
    if (op == AIO__IO_SEND && !len) return AIO_OK;
    aio__set_until(t, until);
    return aio__io_try(t, f, op, buf, len);
}


#if AIO__SPEED
/* A readiness wait (AIO_WAIT_READABLE, AIO_WAIT_WRITABLE) by a task with
 * nothing to check, on a valid request: aio__io_begin's steps, then the
 * park. */
static AIO__APART aio_status aio__io_wait(aio_task *t, aio_frame *f, int op, int fd, aio_time d) {
    int dir = op;
    if (!aio__plain(t) || fd < 0 || (d != AIO_NEVER && d >= (aio_time)(AIO_NEVER / 2)))
        return aio__io_begin(t, f, op, fd, NULL, 0, d);
    aio__set_until(t, aio__deadline(t->loop, d, 1));
    t->await.io.fd = fd;
    t->await.io.dir = (uint8_t)dir;
    return aio__io_park(t, f, dir, aio__io_is_dry(t->loop->io, fd, dir), AIO__IO_NAME(op));
}
#endif

AIO_API aio_status aio__io_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                size_t len, aio_time d) {
#if AIO__SPEED
    if (op <= AIO__IO_WRITABLE) return aio__io_wait(t, f, op, aio__fd(sock), d);
#endif
    return aio__io_begin(t, f, op, aio__fd(sock), buf, len, d);
}

/* The resumption of an I/O wait, whatever woke it (aio__io_poll). */
static AIO__APART aio_status aio__io_resume(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
    uint16_t woke = (uint16_t)(t->flags & (AIO__T_SIGNALLED | AIO__T_CLOSED));
    int fd = t->await.io.fd;
    int way = 1 << t->await.io.dir;
    int closed;
    t->flags &= (uint16_t)~(AIO__T_SIGNALLED | AIO__T_CLOSED);
    closed = aio__io_leave(t); /* (a closed number's slot is not its to unwatch) */
    /* A cancellation comes first: a cancelled wait has consumed nothing. */
    if (aio__checkpoint(t) < 0) {
        if (!closed) aio__io_unwatch(t->loop->io, fd, way);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    /* Then what came first: a deadline that woke it, or a close */
    if (!woke && aio__until_due(t)) {
        if (!closed) aio__io_unwatch(t->loop->io, fd, way);
        return AIO_ETIMEDOUT;
    }
    if (closed || (woke & AIO__T_CLOSED)) return AIO_ECLOSED;
    /* LCOV_EXCL_START: woken with no deadline due, by a timer that found no
     * slot to move to (aio__rearm): it parks again and reports that */
    if (!woke) return aio__io_park(t, f, t->await.io.dir, 1, AIO__IO_NAME(op));
    /* LCOV_EXCL_STOP */
    if (op <= AIO__IO_WRITABLE) return AIO_OK;
    return aio__io_try(t, f, op, buf, len);
}

AIO_API aio_status aio__io_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
#if AIO__SPEED
    /* Woken by readiness, with nothing to check (no cancellation, no block,
     * its number not closed since): aio__io_resume's own steps, without its
     * frame. */
    if ((t->flags & (AIO__T_SIGNALLED | AIO__T_CLOSED | AIO__T_WATCHED | AIO__T_CANCEL_REQ)) == AIO__T_SIGNALLED) {
        aio_io *io = t->loop->io;
        aio_io_slot *s = &io->slots[t->await.io.fd];
        int dir = t->await.io.dir;
        if (s->waiter[dir] == t) {
            t->flags &= (uint16_t)~AIO__T_SIGNALLED;
            io->waiting--;
            s->waiter[dir] = NULL;
            s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
            if (op <= AIO__IO_WRITABLE) return AIO_OK;
            return aio__io_try(t, f, op, buf, len);
        }
    }
#endif
    return aio__io_resume(t, f, op, buf, len);
}

AIO_API size_t aio_bytes_sent(const aio_task *t) {
    (void)t;
    return 0; /* (nothing is sent without sockets) */
}

// >>streams

/* (A stream's state, whatever the build: a port's build has streams with no
 * socket to read, and its aio_stream_init says so.) */
AIO_API const char *aio_stream_data(const aio_stream *s) { return (const char *)s->buf + s->last; }
AIO_API size_t aio_stream_buffered(const aio_stream *s) { return s->tail - s->head; }
AIO_API const char *aio_stream_peek(const aio_stream *s) { return (const char *)s->buf + s->head; }
AIO_API int aio_stream_at_eof(const aio_stream *s) { return s->eof && s->head == s->tail; }
AIO_API size_t aio_stream_discard(aio_stream *s, size_t n) {
    size_t have = s->tail - s->head;
    if (n > have) n = have;
    s->head += (aio__offset)n;
    s->scanned = 0;
    return n;
}

// >>process-wait
/* A build without child processes (no I/O, AIO_NO_PROCESSES, Windows with
 * AIO_NO_THREADS): each call says so (briefly: on an AVR the text is in RAM). */
static aio_status aio__no_processes(void) {
    return aio__misuse(AIO_EINVAL, "child processes are not in this build");
}
AIO_API aio_status aio_process_spawn(aio_process *p, const char *const argv[], const aio_process_options *opts) {
    (void)p; (void)argv; (void)opts;
    return aio__no_processes();
}
AIO_API aio_status aio_process_signal(aio_process *p, int signo) {
    (void)p; (void)signo;
    return aio__no_processes();
}
AIO_API aio_status aio_process_terminate(aio_process *p) { return aio_process_signal(p, 15); }
AIO_API aio_status aio_process_kill(aio_process *p) { return aio_process_signal(p, 9); }
AIO_API aio_status aio_process_set_grace(aio_process *p, aio_time grace) {
    (void)p; (void)grace;
    return aio__no_processes();
}
AIO_API int aio_process_returncode(const aio_process *p) {
    (void)p;
    return AIO_EINPROGRESS;
}
AIO_API aio_status aio_process_end_input(aio_process *p) {
    (void)p;
    return aio__no_processes();
}
AIO_API aio_status aio_process_close(aio_process *p) {
    (void)p;
    return AIO_OK;
}
AIO_API aio_status aio__process_start(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop,
                                      aio_time d) {
    (void)t; (void)f; (void)p; (void)io; (void)stop; (void)d;
    return aio__no_processes();
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__process_poll(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop) {
    (void)t; (void)f; (void)p; (void)io; (void)stop;
    return AIO_EINVAL;
}

// >>instruments-impl
/* ------------------------------------------------------------ instruments */

#if AIO_INSTRUMENTS
static void aio__trace(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                       aio_stime value);

AIO_API void aio_loop_set_instrument(aio_loop *L, aio_instrument_fn fn, void *ctx) {
    L->instrument = fn;
    L->instrument_ctx = ctx;
    L->trace = fn ? aio__trace : NULL;
    L->trace_by = L->trace_obj = NULL;
    L->trace_value = 0;
    L->trace_why = L->trace_on = AIO_TRACE_NONE;
}

/* Why parked task t was woken: what the waker said (a task's end, I/O, a
 * forget), what t waited for (it happened, or was handed to it), a
 * cancellation that now applies to it; else the loop's timers outside any
 * step, the running task within one. */
static int aio__wake_reason(aio_loop *L, const aio_task *t) {
    if (L->trace_why == AIO_BY_DONE || L->trace_why == AIO_BY_IO || L->trace_why == AIO_BY_CLOSED)
        return L->trace_why;
    if (t->flags & AIO__T_SIGNALLED) return AIO_BY_DONE;
    if (t->flags & AIO__T_GRANTED) return AIO_BY_GRANTED;
    if (aio__cancel_source(AIO__UNCONST(aio_task, t), 0)) return AIO_BY_CANCEL;
    return L->current ? AIO_BY_DONE : AIO_BY_TIMER; /* (the loop's own wake-ups: its timers) */
}

static void aio__trace(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                       aio_stime value) {
    aio_trace_record r;
    /* the iteration's time; a stale one is read without becoming it, so
     * that tracing never moves the loop's time */
    r.when = L->stale ? L->clock(L->clock_ctx) : L->now;
    if (kind == AIO_TRACE_STEP) L->trace_on = AIO_TRACE_NONE; /* nothing parked on yet */
    if (kind == AIO_TRACE_WAKE && detail == AIO_TRACE_NONE) {
        detail = aio__wake_reason(L, t);
        other = detail == L->trace_why && L->trace_by ? L->trace_by : L->current;
    } else if (kind == AIO_TRACE_CANCEL && detail == AIO_BY_CALL) {
        other = L->current; /* aio_cancel: by the running task, or for a cause */
        if (L->trace_why >= AIO_BY_CALL) {
            detail = L->trace_why;
            other = L->trace_by;
        }
    }
    if (kind == AIO_TRACE_CANCEL) { /* a cause is spent on the cancel it explains */
        L->trace_why = AIO_TRACE_NONE;
        L->trace_by = NULL;
    }
    r.task = t;
    r.other = other;
    r.value = value;
    r.kind = (uint8_t)kind;
    r.detail = (uint8_t)detail;
    L->instrument(L->instrument_ctx, &r);
}

AIO_API void aio_trace_name(const aio_task *t, const char *label) {
    aio_loop *L = t && t->loop ? t->loop : aio__loop;
    if (!label || !*label) {
        (void)aio__misuse(AIO_EINVAL, "aio_trace_name: the label is NULL or empty");
        return;
    }
    if (!L) return;
    AIO__TRACE(L, AIO_TRACE_NAME, t, label, 0, 0);
}
#else
AIO_API void aio_loop_set_instrument(aio_loop *L, aio_instrument_fn fn, void *ctx) {
    (void)L; (void)fn; (void)ctx;
}
AIO_API void aio_trace_name(const aio_task *t, const char *label) { (void)t; (void)label; }
#endif

AIO_API aio_status aio_recorder_init(aio_recorder *r, aio_trace_record *ring, uint32_t capacity) {
    if (!r) return aio__misuse(AIO_EINVAL, "aio_recorder_init: the recorder is NULL");
    r->ring = ring;
    r->capacity = ring ? capacity : 0;
    r->head = r->count = r->lost = 0;
    return AIO_OK;
}

AIO_API void aio_recorder_hook(void *recorder, const aio_trace_record *record) {
    aio_recorder *r = (aio_recorder *)recorder;
    uint32_t at;
    if (!r->capacity) {
        if (r->lost != 0xffffffffu) r->lost++; /* (a count that stops at its largest) */
        return;
    }
    if (r->count < r->capacity) {
        at = r->count++; /* (the oldest is the first slot until the ring is full) */
    } else { /* full: the oldest goes */
        at = r->head;
        if (++r->head == r->capacity) r->head = 0;
        if (r->lost != 0xffffffffu) r->lost++;
    }
    r->ring[at] = *record;
}

AIO_API uint32_t aio_recorder_count(const aio_recorder *r) { return r->count; }

AIO_API const aio_trace_record *aio_recorder_at(const aio_recorder *r, uint32_t i) {
    uint32_t at;
    if (i >= r->count) return NULL;
    at = r->head + i;
    if (at >= r->capacity) at -= r->capacity;
    return &r->ring[at];
}

/* The text form, written without the C library (no printf on a chip). */
typedef struct aio__text {
    char *buf;
    size_t size, len;
} aio__text;

static void aio__put_char(aio__text *o, char c) {
    if (o->len < o->size && o->size - o->len > 1) o->buf[o->len] = c; /* (room for the 0 after it) */
    o->len++;
}

static void aio__put(aio__text *o, const char *s) {
    for (; *s; s++) aio__put_char(o, *s);
}

/* The widest number a record holds (a time or value, a pointer): 32 bits
 * where times and pointers are (a 64-bit division is a routine of its own
 * on a small chip, an AVR's 162 bytes, and its arguments take twice the
 * registers). */
#if defined(AIO__TIME_BITS_32) && UINTPTR_MAX <= 0xffffffffu
typedef uint32_t aio__number;
#else
typedef uint64_t aio__number;
#endif

static void aio__put_unsigned(aio__text *o, aio__number v, unsigned base, const char *prefix) {
    char digits[24];
    int n = 0;
    aio__put(o, prefix);
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n) aio__put_char(o, digits[--n]);
}

/* A task's label as one word (aio_trace_name): `%`, spaces, control
 * characters and bytes beyond ASCII as %XX; at most 40 characters, an escape
 * whole, so that a record's line fits aio_recorder_dump's. */
static void aio__put_label(aio__text *o, const char *s) {
    size_t n = 0;
    if (!s || !*s) s = "-"; /* (not from aio_trace_name, which refuses it) */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t w = c > ' ' && c < 0x7f && c != '%' ? 1u : 3u;
        if (n + w > 40u) return;
        if (w == 1u) {
            aio__put_char(o, (char)c);
        } else {
            aio__put_char(o, '%');
            aio__put_char(o, "0123456789ABCDEF"[c >> 4]);
            aio__put_char(o, "0123456789ABCDEF"[c & 15u]);
        }
        n += w;
    }
}

static void aio__put_id(aio__text *o, const void *p) {
    if (!p)
        aio__put(o, " -");
    else
        aio__put_unsigned(o, (aio__number)(uintptr_t)p, 16, " 0x");
}

/* The names of the kinds and details: each table one string, its names
 * ended by NULs, the i-th found by counting them (smaller than a table of
 * pointers and its strings). On an AVR the strings stay in flash (its string
 * literals are data, which avr-libc copies to RAM), read a byte at a time. */
#ifdef __AVR__
#include <avr/pgmspace.h>
#define AIO__NAMES(table) static const char table[] PROGMEM
#define AIO__NAME_BYTE(p) ((char)pgm_read_byte(p))
#else
#define AIO__NAMES(table) static const char table[]
#define AIO__NAME_BYTE(p) (*(p))
#endif
AIO__NAMES(aio__trace_kinds) = "name\0spawn\0step\0stepped\0suspend\0wake\0cancel\0enter\0"
                               "leave\0fire\0cleanup\0end\0idle\0awake\0grow\0full";
AIO__NAMES(aio__trace_details) = "-\0sleep\0task\0event\0lock\0semaphore\0condition\0queue\0io\0yield\0"
                                 "wait\0gather\0group\0nothing\0timer\0done\0set\0granted\0cancel\0io\0"
                                 "closed\0call\0deadline\0group\0wait_for\0gather\0owner\0run\0"
                                 "timeout\0shielded\0group\0block\0wait";

/* Name i of a table of `size` bytes (its sizeof), "?" beyond its last. */
static void aio__put_name(aio__text *o, const char *names, size_t size, unsigned i) {
    const char *end = names + size;
    char c;
    for (; i && names < end; names++)
        if (AIO__NAME_BYTE(names) == 0) i--;
    if (names == end) {
        aio__put(o, "?");
        return;
    }
    for (; (c = AIO__NAME_BYTE(names)) != 0; names++) aio__put_char(o, c);
}
#define AIO__PUT_NAME(o, table, i) aio__put_name(o, table, sizeof(table), i)

AIO_API size_t aio_trace_format(const aio_trace_record *rec, char *buf, size_t size) {
    aio__text o;
    aio_stime v = rec->value;
    o.buf = buf;
    o.size = size;
    o.len = 0;
    aio__put_unsigned(&o, (aio__number)rec->when, 10, "");
    aio__put(&o, " ");
    AIO__PUT_NAME(&o, aio__trace_kinds, rec->kind);
    aio__put_id(&o, rec->task);
    if (rec->kind == AIO_TRACE_NAME) { /* other is the label */
        aio__put(&o, " - ");
        aio__put_label(&o, (const char *)rec->other);
    } else {
        aio__put_id(&o, rec->other);
        aio__put(&o, " ");
        AIO__PUT_NAME(&o, aio__trace_details, rec->detail);
    }
    if (rec->kind == AIO_TRACE_ENTER || rec->kind == AIO_TRACE_IDLE) { /* a deadline, in ticks */
        if ((aio_time)v == AIO_NEVER)
            aio__put(&o, " -1"); /* none, whatever the width of time */
        else
            aio__put_unsigned(&o, (aio__number)(aio_time)v, 10, " ");
    } else {
        aio__put_unsigned(&o, v < 0 ? 0u - (aio__number)v : (aio__number)v, 10, v < 0 ? " -" : " ");
    }
    if (size) buf[o.len < size ? o.len : size - 1] = 0;
    return o.len;
}

AIO_API void aio_recorder_dump(const aio_recorder *r, void (*line)(void *ctx, const char *text),
                               void *ctx) {
    char text[96];
    aio__text o;
    uint32_t i;
    o.buf = text;
    o.size = sizeof text;
    o.len = 0;
    aio__put_unsigned(&o, AIO_TICKS_PER_SEC, 10, "aio-trace 1 ticks_per_sec=");
    if (AIO__WRAPS) /* the times wrap: the tool unwraps them */
        aio__put_unsigned(&o, (aio__number)sizeof(aio_time) * CHAR_BIT, 10, " time_bits=");
    text[o.len] = 0;
    line(ctx, text);
    if (r->lost) {
        o.len = 0;
        aio__put_unsigned(&o, r->lost, 10, "# ");
        aio__put(&o, " earlier records were written over (the ring holds ");
        aio__put_unsigned(&o, r->capacity, 10, "");
        aio__put(&o, ")");
        text[o.len] = 0;
        line(ctx, text);
    }
    for (i = 0; i < r->count; i++) {
        (void)aio_trace_format(aio_recorder_at(r, i), text, sizeof text);
        line(ctx, text);
    }
}

AIO_API void aio_trace_fputs(void *file, const char *text) {
#ifdef AIO__HOSTED
    (void)fputs(text, (FILE *)file);
    (void)fputc('\n', (FILE *)file);
#else
    (void)file;
    (void)text;
#endif
}

// >>left-out
/* ---------------------------------------------- the calls a build leaves out */

/* What needs POSIX says so elsewhere. */
AIO_API aio_status aio_signal_event(int signo, aio_event *ev) {
    (void)signo;
    (void)ev;
    return aio__misuse(AIO_EINVAL, "aio_signal_event: no POSIX signals or Windows console");
}
AIO_API aio_status aio_signal_cancel(int signo, aio_task *t) {
    (void)signo;
    (void)t;
    return aio__misuse(AIO_EINVAL, "aio_signal_cancel: no POSIX signals or Windows console");
}
AIO_API aio_status aio_loop_set_threads(aio_loop *L, int max) {
    (void)L; (void)max;
    return aio__misuse(AIO_EINVAL, "worker threads need POSIX (this header included first) or Windows, and no AIO_NO_THREADS");
}
AIO_API aio_status aio_loop_set_threads_timeout(aio_loop *L, aio_time d) {
    (void)L; (void)d;
    return aio__misuse(AIO_EINVAL, "worker threads need POSIX (this header included first) or Windows, and no AIO_NO_THREADS");
}
AIO_API aio_status aio__thread_start(aio_task *t, aio_frame *f, aio_thread_fn fn, void *data, size_t size,
                                     aio_time d) {
    (void)t; (void)f; (void)fn; (void)data; (void)size; (void)d;
    return aio__misuse(AIO_EINVAL, "worker threads need POSIX (this header included first) or Windows, and no AIO_NO_THREADS");
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__thread_poll(aio_task *t, aio_frame *f, void *data, size_t size) {
    (void)t; (void)f; (void)data; (void)size;
    return AIO_EINVAL;
}
/* A server needs sockets: every call refuses, with one message. */
#define AIO__NO_SERVER aio__misuse(AIO_EINVAL, "aio_server_*: a server needs sockets (POSIX or Windows)")
AIO_API aio_status aio_server_init(aio_server *srv, aio_task_fn handler, void *states, size_t size,
                                   uint32_t limit) {
    (void)srv; (void)handler; (void)states; (void)size; (void)limit;
    return AIO__NO_SERVER;
}
AIO_API void aio_server_refuse(aio_server *srv, const char *message, void (*refused)(aio_server *srv)) {
    (void)srv; (void)message; (void)refused;
    (void)AIO__NO_SERVER;
}
AIO_API aio_status aio_server_start(aio_server *srv, int listener) {
    (void)srv; (void)listener;
    return AIO__NO_SERVER;
}
AIO_API aio_status aio_server_listen(aio_server *srv, const char *host, int port, int backlog) {
    (void)srv; (void)host; (void)port; (void)backlog;
    return AIO__NO_SERVER;
}
AIO_API int aio_server_port(const aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API aio_status aio_server_close(aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API aio_conn *aio_server_next(aio_server *srv, const aio_conn *c) {
    (void)srv; (void)c;
    (void)AIO__NO_SERVER;
    return NULL;
}
AIO_API int aio_server_close_clients(aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API int aio_server_abort_clients(aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API int aio_conn_abort(aio_conn *c) {
    (void)c;
    return AIO__NO_SERVER;
}
AIO_API aio_status aio_server_shutdown(aio_server *srv, aio_time grace) {
    (void)srv; (void)grace;
    return AIO__NO_SERVER;
}
/* Without sockets, or without worker threads (AIO_NO_THREADS): every call
 * refuses. */
#define AIO__NO_SHARE(what) aio__misuse(AIO_EINVAL, what ": a share needs sockets and threads (POSIX or Windows)")
AIO_API aio_status aio_server_share_init(aio_server_share *sh, int loops, const char *host, int port, int backlog) {
    (void)sh; (void)loops; (void)host; (void)port; (void)backlog;
    return AIO__NO_SHARE("aio_server_share_init");
}
AIO_API aio_status aio_server_share_limit(aio_server_share *sh, uint32_t limit) {
    (void)sh; (void)limit;
    return AIO__NO_SHARE("aio_server_share_limit");
}
AIO_API aio_status aio_server_share_hand_off(aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_hand_off");
}
AIO_API int aio_server_share_port(const aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_port");
}
AIO_API uint32_t aio_server_share_live(aio_server_share *sh) {
    (void)sh;
    return (void)AIO__NO_SHARE("aio_server_share_live"), 0u;
}
AIO_API aio_status aio_server_start_shared(aio_server *srv, aio_server_share *sh, aio_event *stop) {
    (void)srv; (void)sh; (void)stop;
    return AIO__NO_SHARE("aio_server_start_shared");
}
AIO_API aio_status aio_server_share_close(aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_close");
}
AIO_API aio_status aio_server_share_free(aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_free");
}
AIO_API aio_status aio__connect_start(aio_task *t, aio_frame *f, const char *host, int port,
                                      aio_time d) {
    (void)t; (void)f; (void)host; (void)port; (void)d;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__connect_poll(aio_task *t, aio_frame *f) {
    (void)t; (void)f;
    return AIO_EINVAL;
}
AIO_API aio_status aio__lookup_poll(aio_task *t, aio_frame *f, aio_address *addrs, int max) {
    (void)t; (void)f; (void)addrs; (void)max;
    return AIO_EINVAL;
}
AIO_API aio_status aio__lookup_start(aio_task *t, aio_frame *f, const char *host, int port, aio_address *addrs,
                                     int max, aio_time d) {
    (void)t; (void)f; (void)host; (void)port; (void)addrs; (void)max; (void)d;
    return aio__misuse(AIO_EINVAL, "name lookups need POSIX or Windows");
}
AIO_API void aio_set_lookup(aio_lookup_fn lookup, void *ctx) {
    (void)lookup; (void)ctx;
}
AIO_API int aio_tcp_listen(const char *host, int port, int backlog) {
    (void)host; (void)port; (void)backlog;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
AIO_API int aio_tcp_listen_at(const aio_address *at, int backlog) {
    (void)at; (void)backlog;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
AIO_API int aio_socket_port(aio_socket fd) {
    (void)fd;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
AIO_API aio_status aio_address_set(aio_address *a, const char *host, int port) {
    (void)host; (void)port;
    if (a) memset(a, 0, sizeof *a);
    return aio__misuse(AIO_EINVAL, "addresses need POSIX or Windows");
}
AIO_API int aio_address_format(const aio_address *a, char *buf, size_t size) {
    (void)a;
    if (buf && size) buf[0] = '\0';
    return aio__misuse(AIO_EINVAL, "addresses need POSIX or Windows");
}
AIO_API int aio_address_port(const aio_address *a) {
    (void)a;
    return aio__misuse(AIO_EINVAL, "addresses need POSIX or Windows");
}
AIO_API aio_status aio_close(aio_socket fd) {
    aio_io_forget(fd); /* (a port's descriptor: the driver closes it) */
    return aio__fd(fd) < 0 ? AIO_EBADF : AIO_OK;
}
AIO_API aio_status aio_stream_init(aio_stream *s, aio_socket fd, void *buf, size_t size) {
    (void)s; (void)fd; (void)buf; (void)size;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_init_growing(aio_stream *s, aio_socket fd, size_t start, size_t limit) {
    (void)s; (void)fd; (void)start; (void)limit;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_free(aio_stream *s) {
    (void)s; /* (never set up: nothing to give back) */
    return AIO_OK;
}
AIO_API aio_status aio__stream_start(aio_task *t, aio_frame *f, aio_stream *s, int kind, const void *sep,
                                     size_t n, aio_time d) {
    (void)t; (void)f; (void)s; (void)kind; (void)sep; (void)n; (void)d;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio__stream_write_start(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len,
                                           aio_time d) {
    (void)t; (void)f; (void)s; (void)buf; (void)len; (void)d;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_set_transport(aio_stream *s, const aio_transport *tr, void *ctx) {
    (void)s; (void)tr; (void)ctx;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_write(aio_stream *s, const void *buf, size_t len) {
    (void)s; (void)buf; (void)len;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_writelines(aio_stream *s, const aio_piece *pieces, size_t n) {
    (void)s; (void)pieces; (void)n;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_set_write_limits(aio_stream *s, size_t high, size_t low, size_t bound) {
    (void)s; (void)high; (void)low; (void)bound;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API size_t aio_stream_write_buffered(const aio_stream *s) {
    (void)s; /* (never set up: nothing buffered) */
    return 0;
}
AIO_API aio_status aio_stream_abort(aio_stream *s) {
    (void)s;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio__drain_start(aio_task *t, aio_frame *f, aio_stream *s, aio_time d, int closing) {
    (void)t; (void)f; (void)s; (void)d; (void)closing;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API int aio_udp_open(const char *host, int port) {
    (void)host; (void)port;
    return aio__misuse(AIO_EINVAL, "datagrams need POSIX or Windows");
}
AIO_API int aio_unix_listen(const char *path, int backlog) {
    (void)path; (void)backlog;
    return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets need POSIX");
}
AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d) {
    (void)t; (void)f; (void)path; (void)d;
    return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets need POSIX");
}
AIO_API aio_status aio__dgram_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                    size_t len, const aio_address *addr, aio_time d) {
    (void)t; (void)f; (void)op; (void)sock; (void)buf; (void)len; (void)addr; (void)d;
    return aio__misuse(AIO_EINVAL, "datagrams need POSIX or Windows");
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__stream_poll(aio_task *t, aio_frame *f, aio_stream *s) {
    (void)t; (void)f; (void)s;
    return AIO_EINVAL;
}
AIO_API aio_status aio__stream_write_poll(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len) {
    (void)t; (void)f; (void)s; (void)buf; (void)len;
    return AIO_EINVAL;
}
AIO_API aio_status aio__drain_poll(aio_task *t, aio_frame *f, aio_stream *s, int closing) {
    (void)t; (void)f; (void)s; (void)closing;
    return AIO_EINVAL;
}
AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f) {
    (void)t; (void)f;
    return AIO_EINVAL;
}
AIO_API aio_status aio__dgram_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                   const aio_address *addr) {
    (void)t; (void)f; (void)op; (void)buf; (void)len; (void)addr;
    return AIO_EINVAL;
}

#ifdef __cplusplus
}
#endif
#endif /* AIO_TIMEOUT_IMPLEMENTED */
#endif /* AIO_TIMEOUT_IMPLEMENTATION */

/*
   MIT License

   Copyright (c) 2026 aio_timeout.h contributors

   Permission is hereby granted, free of charge, to any person obtaining a copy
   of this software and associated documentation files (the "Software"), to deal
   in the Software without restriction, including without limitation the rights
   to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
   copies of the Software, and to permit persons to whom the Software is
   furnished to do so, subject to the following conditions:

   The above copyright notice and this permission notice shall be included in all
   copies or substantial portions of the Software.

   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
   AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
   LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
   OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
   SOFTWARE.
*/
