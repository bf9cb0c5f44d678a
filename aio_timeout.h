/* SPDX-License-Identifier: MIT */
/* aio_timeout.h v0.2.0 - asyncio's timeouts and cancellation for stackless C coroutines.
 *
 * One C11 header (also valid C++11 and later). In exactly one source file:
 *
 *     #define AIO_TIMEOUT_IMPLEMENTATION
 *     #include "aio_timeout.h"
 *
 * everywhere else just #include it. Define AIO_STATIC as well to make every
 * function static (a single-file program).
 *
 * THE FIVE-MINUTE TOUR
 *
 * A coroutine is a function over a task. Its locals do not survive an await,
 * so its state lives in a struct:
 *
 *     typedef struct { aio_task task; aio_timeout deadline; int n; } job_t;
 *
 *     static aio_status job(aio_task *t) {
 *         job_t *s = AIO_SELF(t, job_t);         // the struct around the task
 *         AIO_BEGIN(t);
 *         AIO_TIMEOUT(t, &s->deadline, AIO_MS(5500)) { // async with timeout(5.5):
 *             for (s->n = 0; s->n < 10; s->n++)
 *                 AIO_SLEEP(t, AIO_SEC(1));             //     await sleep(1)
 *         }
 *         if (aio_timeout_status(&s->deadline) == AIO_ETIMEDOUT) // except TimeoutError:
 *             printf("gave up after %d sleeps\n", s->n);
 *         AIO_RETURN(t, s->n);                          // return n
 *         AIO_FINALLY(t);                               // finally: (may await)
 *         if (AIO_STATUS(t) == AIO_ECANCELED) puts("cancelled");
 *         AIO_END(t);
 *     }
 *
 *     int main(void) {
 *         static aio_timer timers[16];
 *         static job_t j;
 *         aio_loop loop;
 *         aio_status rc;
 *         aio_loop_init(&loop, timers, 16);
 *         aio_loop_use_virtual_clock(&loop, 0);         // instant; drop for real time
 *         rc = aio_run(&loop, &j.task, job);            // asyncio.run(job())
 *         aio_loop_destroy(&loop);
 *         return rc == 5 ? 0 : 1;                       // it gave up after 5 sleeps
 *     }
 *
 * An inline coroutine (`await helper()` without a task) takes its state as a
 * second argument, a struct with an `aio_frame frame` member, opens with
 * AIO_BEGIN(t, s) and is called with AIO_CALL(t, lv, helper, &s->helper).
 *
 * The rules, in short (README.md has the model, docs/behaviour.md every rule;
 * `make lint-coroutines FILES=...` finds locals used across an await):
 *  - Statuses: a value >= 0 is a result, a negative value an error
 *    (AIO_ECANCELED, AIO_ETIMEDOUT, AIO_EINVAL, ... and your own <= AIO_EUSER).
 *  - Every await macro is a checkpoint: cancellation and expired deadlines are
 *    noticed there and nowhere else. AIO_YIELD is the explicit checkpoint.
 *  - Cancellation unwinds: the task jumps to the end of the innermost open
 *    timeout block, then outward, then to AIO_FINALLY. Only the block whose
 *    deadline fired stops the unwinding; execution continues after it.
 *  - Awaits that produce a value store it, or the awaited work's error, in an
 *    lvalue: AIO_AWAIT(t, s->rc, &s->child). They never raise the work's own
 *    error; AIO_RAISE / AIO_CHECK do that when you want it.
 *  - An await that a block's deadline or a cancel cuts short stores nothing,
 *    as `x = await f()` leaves x unassigned when it raises: after a timeout
 *    block, test aio_timeout_status(&scope) before reading what an await in
 *    it stored, or set that variable before the block.
 *  - Never await inside your own switch statement; never `return` directly
 *    from a coroutine (use AIO_RETURN / AIO_RAISE).
 *
 * Also here: AIO_WAIT_FOR (wait_for), AIO_WAIT / AIO_GATHER (wait, gather),
 * AIO_NEXT_COMPLETED (as_completed), AIO_SHIELD and AIO_SHIELDED (shield),
 * AIO_GROUP (TaskGroup), queues (Queue, LifoQueue, PriorityQueue, and a put
 * from an interrupt handler), events, locks, semaphores and conditions, and
 * I/O: AIO_ACCEPT, AIO_TCP_CONNECT (to a name too), AIO_RECV, AIO_SEND_ALL on
 * sockets (POSIX, and Windows: link ws2_32), Unix domain sockets
 * (aio_unix_listen, AIO_UNIX_CONNECT), a server in one call (aio_server:
 * start_server), buffered streams (AIO_READ_LINE, ...,
 * AIO_STREAM_WRITE) over any transport, TLS on them (AIO_TLS_HANDSHAKE, with
 * AIO_TLS_OPENSSL or AIO_TLS_MBEDTLS, AIO_TLS_SCHANNEL on Windows, or an
 * engine of yours: AIO_TLS and aio_tls_engine), datagrams (AIO_RECV_FROM,
 * AIO_SEND_TO), blocking calls on worker threads (AIO_TO_THREAD,
 * AIO_LOOKUP), child processes (aio_process_spawn, AIO_PROCESS_WAIT,
 * AIO_COMMUNICATE), AIO_WAIT_READABLE / AIO_WAIT_WRITABLE on any
 * descriptor (through a port on a microcontroller), aio_signal_event
 * (add_signal_handler; Ctrl-C and console close on Windows), and
 * instruments to see what happened (aio_loop_set_instrument, aio_recorder:
 * tools/aio_trace.py draws a timeline of it), and, with AIO_SIMULATION, a
 * simulation that runs your client and server on a seeded, faulty network
 * over thousands of seeds and replays the one that fails (aio_sim_run,
 * docs/simulation.md). Every wait takes a timeout:
 *
 *     AIO_RECV(t, s->n, s->fd, s->buf, sizeof s->buf, AIO_SEC(2));
 *     if (s->n == AIO_ETIMEDOUT) ...   // idle for 2 s (0: the peer closed)
 *
 * CONTENTS
 *
 * Each section starts with a line `// >>name` just above its banner, so
 * `grep -n '^// >>' aio_timeout.h` lists them, in this order, with their
 * lines. docs/internals.md tells a maintainer how the parts fit together.
 *
 *   The API: what a program sees
 *   >>config            the version; every compile-time option and its default
 *   >>time              aio_time, AIO_SEC / AIO_MS / AIO_US, the statuses
 *   >>types             the structs: aio_frame, aio_task, aio_timeout, the
 *                       synchronisation objects, the hooks, aio_loop
 *   >>loop              making a loop, its clock and hooks, aio_run, aio_step
 *   >>tasks             aio_spawn, aio_cancel, a task's result
 *   >>scopes            an open block's deadline: moved, read, time left
 *   >>many              wait modes, as_completed, groups, events, locks,
 *                       semaphores, conditions
 *   >>queues            queues, and a put from an interrupt handler
 *   >>io                the I/O port (struct aio_io), sockets, addresses,
 *                       streams, datagrams, signals, servers
 *   >>threads           calls on worker threads, host names
 *   >>processes         child processes
 *   >>instruments       the hook told of every step, aio_recorder
 *   >>simulation        aio_sim_config, aio_sim_run (with AIO_SIMULATION)
 *   >>tls               TLS on a stream: aio_tls_config, aio_tls,
 *                       AIO_TLS_HANDSHAKE, AIO_TLS_SHUTDOWN (with
 *                       AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS or
 *                       AIO_TLS_SCHANNEL); an engine of yours:
 *                       aio_tls_engine (AIO_TLS)
 *   >>macros            AIO_BEGIN ... AIO_END and every await
 *   >>internals         what the macros expand to: AIO__AWAIT, the blocks,
 *                       and the start and poll function of every await
 *   >>fast-paths        task states and flags, lists, the awaits' inline halves
 *   The implementation: in the one file that defines AIO_TIMEOUT_IMPLEMENTATION
 *   >>impl              the system's headers; what this build has (AIO__SOCKETS,
 *                       AIO__THREADS, AIO__PROCESSES, AIO__SIM, ...)
 *   >>misc              the debug hook, misuse messages, time arithmetic
 *   >>clock-windows     the core's clock on Windows: the performance counter,
 *                       an idle wait on an event
 *   >>clock-posix       the core's clock on POSIX: the monotonic clock, an
 *                       idle wait in poll() on a pipe
 *   >>clock             a loop made, destroyed; its clock and idle hooks set
 *   >>heap              the timer heap
 *   >>waking            the ready queue; a parked task woken
 *   >>cancellation      which cancellation applies, its delivery, how it is
 *                       passed on; a task parked until its deadlines
 *   >>tasks-impl        a task spawned, cancelled, stepped, finished
 *   >>loop-impl         deadlines fired, events drained, the turn, aio_run
 *   >>coroutines        frames and unwinding; sleep, yield, awaiting a task
 *   >>scopes-impl       timeout and shielded blocks
 *   >>many-impl         AIO_WAIT, AIO_GATHER
 *   >>as-completed      AIO_NEXT_COMPLETED
 *   >>groups            task groups
 *   >>events            events
 *   >>locks             locks and semaphores
 *   >>conditions        conditions
 *   >>queues-impl       queues
 *   >>io-impl           waiting on a descriptor: slots, the port's calls
 *   >>system            the system's interface: the names each system
 *                       backend defines, the system wait's shared state,
 *                       the readiness wait's seam
 *   >>posix             the POSIX backend: its vocabulary, wake pipe,
 *                       poll()'s call, signals, threads, Unix sockets,
 *                       processes
 *   >>windows           the Windows backend: Winsock 2, WSAPoll's call,
 *                       console events, Win32 threads, CreateProcess
 *   >>wait-epoll        the readiness wait on Linux: epoll
 *   >>wait-poll         the readiness wait elsewhere: an array handed to
 *                       poll() (WSAPoll on Windows) at each wait
 *   >>wait-afd          the readiness wait on Windows: AFD poll, each
 *                       socket's poll completing to a completion port
 *   >>sockets           the system's socket calls; the platform's table
 *                       (aio__platform) and the one predicate that picks it
 *                       (aio__os); the socket awaits
 *   >>streams           buffered reads and writes, a stream's transport;
 *                       addresses, listeners, aio_close
 *   >>stream-writer     a stream's write buffer: aio_stream_write from any
 *                       task, AIO_DRAIN, AIO_STREAM_CLOSE, aio_stream_abort
 *   >>unix              Unix domain sockets: aio_unix_listen, AIO_UNIX_CONNECT
 *   >>datagrams         UDP
 *   >>signals           POSIX signals, Windows' console events
 *   >>sysio             the system's wait: what its backends share, the
 *                       poll() wait (poll, WSAPoll)
 *   >>pool              the worker threads
 *   >>lookup            host names
 *   >>connect           AIO_TCP_CONNECT (Happy Eyeballs)
 *   >>server            a server in one call: the accept loop, a handler
 *                       task per connection, its limit and its shutdown
 *   >>platform          what the backends share: a child's pipes, the
 *                       system's list of a loop's children
 *   >>system-sockets    the socket slots POSIX and Windows share, written once
 *   >>server-share      a server on every core: loops on threads serving one
 *                       port (SO_REUSEPORT, or one loop handing out)
 *   >>sim-world         the simulation's backend: its world (the sockets,
 *                       pipes, hosts), the generator its draws come from
 *   >>sim-schedule      the events due, in a heap by time; a trip's times
 *   >>sim-network       the simulated network and its faults, the port
 *   >>sim-calls         the platform's socket and pool calls, simulated
 *   >>sim-runner        a run's digest, aio_sim_start and the public
 *                       calls, the runner: seeds, a failure's report, replay
 *   >>sim-processes     child processes in a simulation
 *   >>processes-impl    child processes: spawned, closed, communicated with
 *   >>process-wait      awaiting a child, stopping it
 *   >>tls-impl          TLS: the session, its handshake, reads, writes and
 *                       shutdown, over an engine's few calls
 *   >>tls-openssl       the engine on OpenSSL 3
 *   >>tls-mbedtls       the engine on Mbed TLS 2.28
 *   >>tls-schannel      the engine on Windows' SChannel (a client's)
 *   >>instruments-impl  the trace, the recorder, the records as text
 *   >>left-out          what a build without signals, threads or sockets
 *                       refuses
 *
 * GLOSSARY: the words the comments use in a sense of their own
 *
 *   await       a macro that may suspend the task; every await is a
 *               checkpoint. It runs in two steps: a start on arrival, a
 *               poll at each resumption (AIO__AWAIT).
 *   checkpoint  where a cancellation or an expired deadline is noticed and
 *               raised: every await, and nowhere else.
 *   step        one run of a task's body, from a resumption to a suspension
 *               or its end. A turn of the loop runs the steps that were
 *               ready when it began, then the timers that are due.
 *   instant     one value of the clock: what happens at the same instant
 *               happens in asyncio's order, but that timers due together
 *               fire in the order they were armed (asyncio: undefined).
 *   park        suspend a task on a timer, a wait list or both (state
 *               AIO__PARKED); wake makes it ready again.
 *   deaf        parked where no deadline applies: a group's end waiting for
 *               its children, or a wait that must end and found no timer
 *               slot (a cleanup awaited, a condition's lock taken back).
 *   plain       a task with no block open around it and no cancellation
 *               requested or delivered: its awaits take the inline fast
 *               path (aio__plain).
 *   owner       the task that spawned another. A cancellation of the owner
 *               is passed on to an owned child it awaits; waiting is not
 *               owning.
 *   block       a timeout block, a shielded block, a group's block, a block
 *               that holds a lock (AIO_WITH_LOCK, ...) or a try block: an
 *               aio_timeout scope open around part of a coroutine.
 *   landing     the resume point at the end of a block (its case label, in
 *               scope->landing), where unwinding goes first.
 *   unwind      leave the coroutine through the landings of its open
 *               blocks, innermost first, to AIO_FINALLY.
 *   deliver     raise a cancellation at a checkpoint. A cleanup section
 *               keeps the task's view of what was delivered (its `view`),
 *               so that what came before it stays unseen.
 *   held back   what a shielded block does to cancellations from outside:
 *               they wait until it ends.
 *   spread      a cancellation passed on through gathering tasks to the
 *               tasks they own (loop->spread).
 *   notice      a group's entry in the ready queue (a waiter with no task)
 *               once a child failed; heard: the group takes it one turn
 *               later and cancels the rest (loop->heard).
 *   rang        a queue's getters' event, rung by a put from outside (an
 *               interrupt handler, another thread): the loop then hands the
 *               items to the getters (loop->rang).
 *   ticket      the count of an event's sets when a task began to wait: a
 *               later set wakes it.
 *   handed      a lock, a permit, an item or a place given straight to the
 *               oldest waiter and kept for it until it runs (also granted,
 *               promised).
 *   hook        a function pointer in aio_loop, set at a feature's first
 *               use, so that a program links only the features it uses.
 *   port        what waits for descriptors: a struct aio_io. The system's
 *               wait, a simulation's, or yours.
 *   readiness wait  the system's wait's own part (>>wait-NAME: epoll,
 *               poll() or WSAPoll, AFD poll), one picked per build,
 *               behind the seam >>system declares (aio__readiness_*).
 *   slot        the loop's record of one descriptor (aio_io_slot): the task
 *               waiting on it each way, what is watched.
 *   way         one direction of a descriptor: readable (0) or writable (1).
 *   watch       ask the port to report a way of a descriptor; a report is
 *               its aio_io_ready call.
 *   dry         a try found nothing to do that way (EAGAIN, a short read)
 *               since the last report: the next try waits first, trusting
 *               the watch.
 *   forget      aio_io_forget: a descriptor's number may now be another
 *               one's; the slot counts its forgets (closes).
 *   pool        the worker threads of a loop; a call is one blocking
 *               function run there (aio__job).
 *   table       the platform's table (aio__platform): the functions a
 *               backend gives for the system's calls; the thread's table
 *               (aio__os()) is the system's, or the simulation's while one
 *               runs.
 *   misuse      a mistake the library reports through the debug hook with a
 *               message that names it (aio__misuse), returning a status.
 *
 * THIS FILE IS MADE, NOT WRITTEN
 *
 * Its source is the repository's parts/ folder, one file per section in a
 * folder for its layer (the line `// >>name` that opens a section here is
 * the first line of parts/LAYER/name.h: parts/core/tasks.h, ...), put end
 * to end by tools/parts.py (`make header`); the core
 * header, aio_timeout_core.h, is made from the same parts. Copy this file
 * as it is; to change the library, edit the part and run `make header`.
 * `make header-lines` writes build/aio_timeout.lines.h, the same code with
 * #line markers, so that a compiler names the part and its line.
 */
#ifndef AIO_TIMEOUT_H
#define AIO_TIMEOUT_H

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
#if !defined(AIO_NO_IO) && !defined(AIO_NO_STDLIB) && (defined(__unix__) || defined(__APPLE__) || defined(_WIN32))
#define AIO__SOCKET_API 1
#endif

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
#ifdef AIO__SOCKET_API
            size_t done;   /* AIO_SEND_ALL, AIO_STREAM_WRITE: bytes sent so far */
#endif
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
#ifdef AIO__SOCKET_API
    aio_link outboxes;   /* streams' write buffers made on it (those let go until their senders end) */
    aio_link written;    /* those written in this turn while their senders were idle: sent at its end */
    void *write_spares;  /* their blocks given back empty, kept for the next writes (aio__outbox_sent) */
    uint32_t write_spare_count;
#endif
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

// >>simulation
/* ------------------------------------------------------------------------ */
/* Simulation: your program under seeded hardship, replayable by seed         */
/* ------------------------------------------------------------------------ */

/* Compiled in where AIO_SIMULATION is defined (in every file that includes
 * this header: it adds declarations) on a hosted build with sockets; a
 * program built without it carries none of it. See docs/simulation.md.
 *
 * A simulation takes a loop over: the virtual clock, plus a seeded stream of
 * hardship in what the world leaves open (a timer that fires late, never
 * early; the time each turn of the loop takes; when bytes, datagrams and
 * connections arrive; when a call on the thread pool lands) and the faults
 * a test asks for. The order the library's rules fix within one instant is
 * never changed: only *when* things happen. While it lives, every socket
 * call made on its thread (AIO_TCP_CONNECT, AIO_ACCEPT, AIO_RECV, streams,
 * datagrams, aio_tcp_listen, aio_close, ...) goes to an in-memory network
 * of named hosts instead of the system's; AIO_TO_THREAD and AIO_LOOKUP run
 * their call on the loop's thread at once and deliver its result at a
 * seeded time; aio_process_spawn starts a program of the simulation's
 * (aio_sim_program). The same seed gives the same run, byte for byte.
 *
 * A runner runs the scenario many times in one process, so what a run
 * keeps must start afresh each time: move the program's statics into the
 * scenario's state struct, which AIO_SIM_RUN zeroes for each run
 * (`static int answered;` becomes a member `answered` of it, read as
 * s->answered; another task reaches it through a pointer in its own state).
 * Two traces of one seed differ in addresses (and socket numbers): number
 * the 0x... values in the order they first appear before comparing
 * (docs/simulation.md, "Replaying a seed"). */
#ifdef AIO_SIMULATION
typedef struct aio_sim_config {
    uint64_t seed;          /* the run's seed (aio_sim_run sets it for each run) */
    /* when things happen: each a bound, drawn uniformly from 0 to it */
    aio_time timer_late;    /* how late a timer fires (the loop woke late) */
    aio_time step;          /* how long each turn of the loop takes */
    aio_time latency;       /* a packet's one-way trip (fixed part) */
    aio_time jitter;        /* ... plus up to this much */
    aio_time call;          /* how long a call on the thread pool takes (an event its
                               function sets is set at a time drawn up to its landing) */
    uint32_t bandwidth;     /* bytes per second one way of a connection (0: no limit) */
    uint32_t buffer;        /* bytes a connection holds one way before a send waits:
                               what is on its way and what the reader has not read
                               (0: 65,536); datagrams a socket keeps, in bytes */
    /* faults: each a probability from 0 to 1, drawn at each chance */
    double short_recv;      /* a receive returns fewer bytes than it could */
    double short_send;      /* a send takes fewer bytes than it could */
    double reset;           /* a send resets its connection (both ends: AIO_ECONNRESET) */
    double refuse;          /* a connect is refused (AIO_ECONNREFUSED) */
    double lookup_fail;     /* a name does not resolve (AIO_ENOTFOUND) */
    double timer_full;      /* timer storage cannot grow (the await: AIO_ENOSPC), on a
                               loop with a growth hook (aio_loop_set_grow, before
                               aio_sim_start; aio_sim_run's loops have one) */
    double loss;            /* a datagram is lost */
    double reorder;         /* a datagram is held back up to twice the latency */
    double child_dies;      /* a child process (aio_sim_program) is killed (SIGKILL: its
                               returncode -9), drawn at its spawn ... */
    aio_time child_life;    /* ... at a time up to this long after it (one that has
                               ended by then is left as it ended) */
    double alloc_fails;     /* memory runs out: the state of a wait or a call (a connect,
                               AIO_TO_THREAD, AIO_LOOKUP, a child's spawn) cannot be
                               allocated, and it fails with AIO_EIO (errno ENOMEM) */
} aio_sim_config;

/* Simulate on `loop` (initialised, no I/O yet; its clock becomes virtual at
 * 0) until aio_loop_destroy. AIO_OK, AIO_EINVAL (bad config), AIO_EBUSY
 * (the loop waits for I/O already, or a simulation runs on this thread). */
AIO_API aio_status aio_sim_start(aio_loop *loop, const aio_sim_config *config);
/* 1 while a simulation runs on this thread, else 0. */
AIO_API int aio_sim_active(void);
/* aio_spawn, the task (and what it spawns) running on host `name`: its
 * sockets are that host's, 127.0.0.1 is that host, and other hosts reach
 * its listeners by its name (AIO_TCP_CONNECT, AIO_LOOKUP) or its address.
 * A host is made at its first mention; tasks spawned otherwise run on host
 * "main". Outside a simulation: aio_spawn. */
AIO_API aio_status aio_sim_spawn(const char *host, aio_task *t, aio_task_fn fn);
/* Cut (cut = 1) or heal (0) the network between hosts a and b: a datagram is
 * lost, a segment or connect sent again as TCP does (given up: AIO_EIO). */
AIO_API aio_status aio_sim_partition(const char *a, const char *b, int cut);
/* A seeded number from 0 to n - 1 (n >= 1), for a scenario's own choices. */
AIO_API uint32_t aio_sim_random(uint32_t n);
/* A check of the scenario: ok, returned; if 0, the run fails with `what`
 * (the first failed check is the one reported). */
AIO_API int aio_sim_check(int ok, const char *what);
/* The seed of the run on this thread, and what it did so far as one number:
 * every record of the instruments (tasks counted in order of appearance, so
 * no address counts) and every packet. Two runs of one seed give one. */
AIO_API uint64_t aio_sim_seed(void);
AIO_API uint64_t aio_sim_digest(void);
/* Keep the run's records in `r` as well (NULL: stop), for aio_recorder_dump.
 * (aio_loop_set_instrument on a simulated loop adds your instrument after
 * the simulation's own, which stays: it numbers the tasks.) */
AIO_API void aio_sim_record(aio_recorder *r);

/* Child processes. A simulation runs no real program (its time is real: a
 * replay could not repeat it); a program stands in for one. A spawn whose
 * argv[0] is `name` starts the task `fn` as the child, on the spawning
 * task's host, in a state of `size` bytes (zeroed, freed once the child has
 * ended and was closed) holding that task at `task_offset` and what the
 * child is given at `child_offset`: AIO_SIM_PROGRAM gives them for a struct
 * with members `task` and `child`. Its standard streams are pipes to the
 * parent where the spawn asks for AIO_STDIO_PIPE (AIO_STDIO_STDOUT: err is
 * out), else -1: nothing (the environment and working directory are not
 * simulated). Its exit code is what fn returns (0-255), 1 if it fails; a
 * child still running when the loop ends is killed (-9).
 * SIGTERM (on POSIX, any signal but SIGKILL) cancels its task: if the task
 * ends by that cancellation the child reads -signal, else as it returned.
 * SIGKILL (on Windows, SIGTERM too) and the fault child_dies end it at once:
 * the parent sees its exit and its pipes' ends; its task is cancelled, its
 * pipes already cut (what it reads or writes there fails, unseen). A spawn
 * of a name with no program is AIO_ENOTFOUND. Programs belong to the
 * simulation: register them after aio_sim_start (in the scenario, under the
 * runner), at most 16, names of 31 bytes at most (a name given again: its
 * program replaced). AIO_OK, AIO_EINVAL (no simulation, a bad name, fn
 * NULL, a state too small or overlapping), AIO_ENOSPC (16 already). */
typedef struct aio_sim_child {
    int argc;
    char **argv;             /* the spawn's arguments, copied (NULL-ended) */
    aio_socket in, out, err; /* its ends of the pipes: it reads in, writes out and err (-1: none) */
} aio_sim_child;
AIO_API aio_status aio_sim_program(const char *name, aio_task_fn fn, size_t size, size_t task_offset,
                                   size_t child_offset);
#define AIO_SIM_PROGRAM(name, type, fn) \
    aio_sim_program((name), (fn), sizeof(type), offsetof(type, task), offsetof(type, child))

/* The runner: the scenario `fn` as the main task of a fresh simulated loop,
 * its state (a struct with its aio_task as member `task`) zeroed for each
 * run, for seeds first .. first + seeds - 1, or until `seconds` of real
 * time have passed. It stops at the first run that fails (a check failed,
 * or the main task ended with an error), prints its seed and how to replay
 * it, and writes its trace for tools/aio_trace.py. With the environment
 * variable AIO_SIM_SEED=N it runs seed N alone and writes its trace.
 * Returns 0 (every run passed), 1 (one failed: opts->failed_seed),
 * AIO_EIO (no memory for a run: it stops there), or AIO_EINVAL. */
typedef struct aio_sim_options {
    aio_sim_config config;  /* the hardship (its seed is set for each run) */
    uint64_t first;         /* the first seed (0: 1) */
    uint64_t seeds;         /* how many (0: until `seconds`) */
    double seconds;         /* real time at most, by the monotonic clock (0: no limit) */
    const char *trace;      /* where the failing run's trace goes (NULL: aio-sim-trace.txt;
                               "": nowhere) */
    void *arg;              /* for the scenario: aio_sim_arg() */
    int quiet;              /* 1: print nothing */
    /* what it found */
    uint64_t runs;          /* runs done */
    uint64_t failed_seed;   /* the seed that failed (0: none) */
    uint64_t digest;        /* every run's digest, combined in order */
    char message[160];      /* why it failed */
} aio_sim_options;
AIO_API int aio_sim_run(aio_sim_options *opts, size_t state_size, size_t task_offset, aio_task_fn fn);
#define AIO_SIM_RUN(opts, type, fn) aio_sim_run((opts), sizeof(type), offsetof(type, task), (fn))
/* The running runner's opts->arg (NULL outside one). */
AIO_API void *aio_sim_arg(void);
#endif

// >>tls
/* ------------------------------------------------------------------------ */
/* TLS on a stream (AIO_TLS_OPENSSL, _MBEDTLS, _SCHANNEL, or AIO_TLS)        */
/* ------------------------------------------------------------------------ */

/* asyncio's ssl= and start_tls on a stream, every step under a deadline.
 * Compiled in where AIO_TLS_OPENSSL is defined (in every file that uses it,
 * before the include; the program links -lssl -lcrypto: OpenSSL 1.1.1 or
 * later), or AIO_TLS_MBEDTLS (the same API on Mbed TLS 2.28: link -lmbedtls
 * -lmbedx509 -lmbedcrypto), or on Windows AIO_TLS_SCHANNEL (the system's
 * own TLS, a client only: link -lsecur32 -lcrypt32 -lws2_32), on a hosted
 * build with sockets; a program built without any carries none of it. A
 * configuration is loaded once (the engine's shared state: the trust store,
 * a server's certificate); each connection has a session that becomes its
 * stream's transport at the handshake, so that AIO_READ_LINE,
 * AIO_READ_EXACTLY, ... and AIO_STREAM_WRITE carry plain text through it.
 *
 *     s->cfg.ca_file = "ca.pem";                 // NULL: the system's trust store
 *     aio_tls_config_load(&s->cfg);              // ssl.create_default_context()
 *     aio_tls_init(&s->tls, &s->cfg);
 *     AIO_TLS_HANDSHAKE(t, s->rc, &s->tls, &s->st, "example.org", AIO_SEC(10));
 *     if (s->rc < 0) printf("%s\n", aio_tls_error(&s->tls));
 *     AIO_STREAM_WRITE(t, s->rc, &s->st, "hello\n", 6, AIO_SEC(5));
 *     AIO_READ_LINE(t, s->rc, &s->st, AIO_SEC(5));
 *     AIO_TLS_SHUTDOWN(t, s->rc, &s->tls, AIO_TLS_DEFAULT_TIMEOUT);
 *     ...  AIO_FINALLY(t); aio_tls_free(&s->tls); aio_close(s->fd);
 *
 * AIO_TLS_CONNECT is asyncio's open_connection(host, port, ssl=ctx): the
 * name looked up, connected, the stream set up and the handshake done with
 * host for the server's name, under one deadline.
 *
 * The rules (docs/api.md, "TLS on a stream"): a handshake, a shutdown, a
 * write or a read that times out or is cancelled: a handshake or a shutdown
 * leaves the session unusable, and so does a write cut after part of it went
 * into the engine (Trio's rule); a read takes nothing and the session goes
 * on. A peer that closes without TLS's close_notify ends the reads with
 * AIO_ETRUNCATED, not 0 (AIO_TLS_LENIENT_EOF reads it as the end).
 *
 * The engine is a table of functions (aio_tls_engine, below): the built-in
 * one the macro chose, or one of yours (wolfSSL, BearSSL, a test's)
 * named by the configuration's engine_ops; AIO_TLS compiles this section
 * with no engine of the header's, for yours alone. Each slot's contract is
 * written beside it; docs/api.md, "Adding a TLS engine", has the whole of it
 * with an example, and tests/tls/toy_engine.h is one written outside the
 * header. */
#if defined(AIO_TLS) || defined(AIO_TLS_OPENSSL) || defined(AIO_TLS_MBEDTLS) || defined(AIO_TLS_SCHANNEL)
enum {
    AIO_TLS_CLIENT = 0,         /* a client: verifies the server's certificate and name */
    AIO_TLS_SERVER = 1,         /* a server: shows cert_file, proves it with key_file */
    AIO_TLS_NO_VERIFY = 2,      /* a client that skips the server's verification
                                   (ssl.CERT_NONE, check_hostname = False) */
    AIO_TLS_VERIFY_CLIENT = 4,  /* a server that requires a client certificate and
                                   verifies it against the trusted CAs */
    AIO_TLS_LENIENT_EOF = 8     /* a peer that closes without close_notify reads as the
                                   end (0), as a clean close does */
};
/* What the sessions of a program share: yours to set before
 * aio_tls_config_load (zero: a client that verifies servers against the
 * system's trust store, TLS 1.2 at least), the library's after. */
typedef struct aio_tls_engine aio_tls_engine;
typedef struct aio_tls_config {
    unsigned flags;             /* AIO_TLS_SERVER, AIO_TLS_NO_VERIFY, ... */
    const char *ca_file;        /* PEM file of the CAs to trust; with ca_dir */
    const char *ca_dir;         /* (hashed, c_rehash) both NULL: the system's */
    const char *cert_file;      /* PEM: the certificate (chain) this side shows */
    const char *key_file;       /* PEM: its private key */
    const aio_tls_engine *engine_ops; /* the engine (NULL: the built-in one) */
    void *engine;               /* the engine's: its shared state */
    const aio_tls_engine *loaded; /* the library's: the engine loaded (NULL: none) */
    char error[192];            /* why the load failed (aio_tls_config_error) */
} aio_tls_config;
/* One connection's TLS: its engine state, and the stream it is the
 * transport of from its handshake on. Zeroed, or set up by aio_tls_init;
 * it must not move while set up. The fields are the library's. */
typedef struct aio_tls {
    void *engine;               /* the engine's session (NULL: none) */
    aio_tls_config *config;
    aio_stream *stream;         /* the stream it carries (from the handshake) */
    unsigned char *early;       /* what the stream had buffered at the handshake */
    size_t early_len, early_at; /* (the engine's first bytes) */
    aio_status broken;          /* what later calls give once unusable */
    aio_status io_status;       /* the socket's last error, as the engine met it */
    uint8_t state, eof, held;   /* held: the engine keeps bytes of a write */
    aio_time until;             /* AIO_TLS_UNIX_CONNECT's deadline, for its handshake */
    char error[128];            /* why it failed (aio_tls_error) */
} aio_tls;

/* A TLS engine: what the library asks of it, one slot a step. Every slot is
 * given (aio_tls_config_load refuses a table with one left empty:
 * AIO_EINVAL, the slot named); none blocks, and none touches the socket but
 * through aio_tls_io_recv and aio_tls_io_send. Its state lives in c->engine
 * (a configuration's, shared by its sessions) and tls->engine (a session's);
 * it may read the configuration's public fields (flags, the files) and
 * tls->config. It says why a step failed with aio_tls_config_set_error or
 * aio_tls_set_error (the text aio_tls_config_error, aio_tls_error give),
 * and returns a status: AIO_ETLS (the protocol failed, the peer refused),
 * AIO_ECERT (the peer's certificate did not verify), or the status an io
 * call gave (the socket's error). The steps that may wait (handshake, read,
 * write, shutdown) return AIO_WANT_READ or AIO_WANT_WRITE when they can do
 * nothing more until the socket is readable or writable; the library waits
 * that way and calls the step again. */
struct aio_tls_engine {
    const char *name; /* its name, for people ("OpenSSL") */
    /* c's shared state made (the trust store, a server's certificate and key,
     * as c's fields say; c->engine): AIO_OK, or AIO_ETLS (a file that cannot
     * be read, a key that does not match) with the reason set. c's fields
     * were checked before (flags, a server's files). */
    aio_status (*load)(aio_tls_config *c);
    /* c->engine freed (after every session made from it). */
    void (*unload)(aio_tls_config *c);
    /* A session's state made (tls->engine; tls->config is set): AIO_OK, or
     * AIO_ETLS with the reason set. No I/O yet. */
    aio_status (*session_new)(aio_tls *tls);
    /* tls->engine freed, whatever became of the session (never handshaken,
     * broken, closed). */
    void (*session_free)(aio_tls *tls);
    /* A client's server name (name NULL: none; a server's is NULL), before
     * its handshake: sent, and the peer's certificate checked against it
     * unless AIO_TLS_NO_VERIFY. AIO_OK, or a status with the reason set. */
    aio_status (*server_name)(aio_tls *tls, const char *name);
    /* One step of the handshake: AIO_OK (done: the session is open),
     * AIO_WANT_READ / AIO_WANT_WRITE, or a status with the reason set
     * (AIO_ECERT, AIO_ETLS, the socket's). */
    aio_status (*handshake)(aio_tls *tls);
    /* Plain text into buf[0..len) (len > 0): n > 0 bytes; 0: the peer's
     * close_notify came (and every later read gives 0); AIO_WANT_READ /
     * AIO_WANT_WRITE; AIO_ETRUNCATED: the socket ended without close_notify
     * (the library reads it as the end under AIO_TLS_LENIENT_EOF); another
     * status with the reason set. A record that came in part is kept for
     * the next call: what a read gave the caller is never given again. */
    aio_status (*read)(aio_tls *tls, void *buf, size_t len);
    /* Plain text from buf[0..len) (len > 0): n > 0 bytes taken (a record's
     * worth at most is fine); AIO_WANT_READ / AIO_WANT_WRITE: the engine may
     * keep what it took so far (a record half sent), and the next call gives
     * the same bytes again, the count taken then covering them; or a status
     * with the reason set. A write given up while the engine keeps part of
     * it leaves the session unusable (the library does that). */
    aio_status (*write)(aio_tls *tls, const void *buf, size_t len);
    /* One step of the end: AIO_OK (0: this side's close_notify sent), 1 (sent,
     * and the peer's came), AIO_WANT_READ / AIO_WANT_WRITE, or a status. After
     * 0 the library reads until the peer's close_notify (read gives 0),
     * dropping what comes before it. */
    aio_status (*shutdown)(aio_tls *tls);
};
/* An engine's reads of the socket under session tls: what the stream had
 * buffered at the handshake first, then the socket's. n > 0 bytes put in
 * buf[0..len); 0: the socket's end (the peer closed); AIO_WANT_READ: none
 * now (the socket is dry: return AIO_WANT_READ, or go on with what you
 * have); or the socket's error (AIO_ECONNRESET, ...). Never blocks.
 * AIO_EINVAL: a session without its stream (outside the steps above). */
AIO_API aio_status aio_tls_io_recv(aio_tls *tls, void *buf, size_t len);
/* Its writes: n > 0 bytes of buf[0..len) taken by the socket;
 * AIO_WANT_WRITE: none now (the socket is full); or the socket's error.
 * Never blocks. AIO_EINVAL as above. */
AIO_API aio_status aio_tls_io_send(aio_tls *tls, const void *buf, size_t len);
/* The reason an engine gives for its failure, kept for aio_tls_error
 * (cut to its room): a session's, and a configuration's (for
 * aio_tls_config_error). */
AIO_API void aio_tls_set_error(aio_tls *tls, const char *text);
AIO_API void aio_tls_config_set_error(aio_tls_config *c, const char *text);
/* ssl.create_default_context(), then load_verify_locations and
 * load_cert_chain as c says, on c's engine: AIO_OK; AIO_EINVAL (a server
 * without its certificate or key, a key without a certificate, unknown
 * flags, an engine with a slot left empty, no engine (AIO_TLS and no
 * engine_ops): a debug message and aio_tls_config_error name it); AIO_ETLS
 * (a file that cannot be read, a key that does not match:
 * aio_tls_config_error says which and why). Keep c, at the same
 * address, until every session made from it is freed. */
AIO_API aio_status aio_tls_config_load(aio_tls_config *c);
/* What c holds of the engine's, freed (a zeroed or freed c: nothing). */
AIO_API void aio_tls_config_free(aio_tls_config *c);
/* Why aio_tls_config_load failed ("" if it did not). */
AIO_API const char *aio_tls_config_error(const aio_tls_config *c);
/* A session for one connection, from a loaded configuration: AIO_OK,
 * AIO_EINVAL (c not loaded, tls already set up), AIO_ETLS (the engine's
 * memory). aio_tls_free ends it, whatever became of it. */
AIO_API aio_status aio_tls_init(aio_tls *tls, aio_tls_config *c);
/* The engine's state freed, and the stream it carried given back its own
 * transport (after a shutdown, what follows on the socket is plain text,
 * as after ssl's unwrap(); the end that TLS read is forgotten). AIO_OK (a
 * zeroed or freed tls too), or AIO_EBUSY (a task waits in the handshake or
 * the shutdown, or in a read or a write of that stream: nothing freed). */
AIO_API aio_status aio_tls_free(aio_tls *tls);
/* Why the session failed, in words a person can act on: the certificate
 * check ("certificate verify failed: certificate has expired"), the peer's
 * alert ("tlsv1 alert unknown ca"), a deadline ("the handshake timed out:
 * ..."); "" while nothing failed. Kept after aio_tls_free. */
AIO_API const char *aio_tls_error(const aio_tls *tls);

/* AIO_TLS_HANDSHAKE and AIO_TLS_SHUTDOWN take this for d: their defaults,
 * asyncio's ssl_handshake_timeout (60 s) and ssl_shutdown_timeout (30 s). */
#define AIO_TLS_DEFAULT_TIMEOUT AIO__TIME(-3)
#ifndef AIO_TLS_HANDSHAKE_TIMEOUT
#define AIO_TLS_HANDSHAKE_TIMEOUT AIO_SEC(60)
#endif
#ifndef AIO_TLS_SHUTDOWN_TIMEOUT
#define AIO_TLS_SHUTDOWN_TIMEOUT AIO_SEC(30)
#endif
/* await start_tls(sslcontext, server_hostname=name, ssl_handshake_timeout=d):
 * the handshake on stream s (its socket connected), within d; from then on
 * the session is s's transport. A client verifies the server's certificate
 * against its trusted CAs and server_name (a host name, or a numeric IPv4 or
 * IPv6 address), which it also sends (SNI); a server takes NULL. lv = AIO_OK,
 * AIO_ECERT (the certificate did not verify), AIO_ETLS (the protocol failed,
 * or the peer refused: an alert), AIO_ETIMEDOUT, an I/O error, ...;
 * aio_tls_error says why. Anything but AIO_OK leaves the session unusable:
 * its stream's reads and writes then give AIO_ETLS. Bytes the stream had
 * buffered and not read (a STARTTLS peer that sent its first TLS bytes
 * right after its plain request) are the engine's first: the plain protocol
 * has read what was its own. AIO_EINVAL: a session not set up or used
 * before, a client that verifies without server_name (a debug message names
 * it); AIO_EBUSY: a task waits in a read or a write of s. */
#define AIO_TLS_HANDSHAKE(t, lv, tls, s, server_name, d)                        \
    AIO__AWAIT(t, (lv) = aio__r, aio__tls_handshake_start((t), aio__f, (tls), (s), (server_name), (d)), \
               aio__tls_handshake_poll((t), aio__f, (tls)), AIO__LABEL)
/* The end of TLS on the stream, within d: TLS's close_notify sent, the
 * peer's awaited (what comes before it is dropped). lv = AIO_OK, then the
 * stream reads 0 and writes AIO_ETLS, and the socket is yours to close (or
 * to go on with in plain text, after aio_tls_free); AIO_ETRUNCATED (the peer
 * closed without its close_notify; AIO_OK with AIO_TLS_LENIENT_EOF),
 * AIO_ETIMEDOUT, an error: the session is unusable. On a session that
 * already failed it gives what its reads give, at once. */
#define AIO_TLS_SHUTDOWN(t, lv, tls, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__tls_shutdown_start((t), aio__f, (tls), (d)), \
               aio__tls_shutdown_poll((t), aio__f, (tls)), AIO__LABEL)
/* await open_connection(host, port, ssl=ctx, server_hostname=host,
 * ssl_handshake_timeout=...), the whole of it within the one deadline d:
 * host looked up and connected as AIO_TCP_CONNECT does (Happy Eyeballs),
 * stream s set up over the new socket with a buffer of its own
 * (aio_stream_init_growing: 4 KiB, growing to asyncio's limit, 64 KiB), and
 * the handshake of session tls (aio_tls_init, a client's configuration)
 * with host for the server's name: sent (SNI), and the certificate verified
 * against it. s is the program's, not set up (zeroed, or aio_stream_free'd).
 * lv = the socket (>= 0), or the first failure: AIO_ETIMEDOUT (d passed, in
 * whichever step), the connect's (AIO_ECONNREFUSED, AIO_ENOTFOUND, ...),
 * AIO_ECERT, AIO_ETLS, ...; aio_tls_error says why. On a failure or a
 * cancellation nothing is left: the socket is closed and s's buffer freed
 * here, and the session is unusable (aio_tls_free it, as always). On
 * success the socket and s are the program's: AIO_TLS_SHUTDOWN, then
 * aio_tls_free, aio_stream_free and aio_close. host is read again once the
 * connection is made: keep it where it lives until the await ends (a
 * literal, the task's state). d = AIO_TLS_DEFAULT_TIMEOUT: 60 s
 * (AIO_TLS_HANDSHAKE_TIMEOUT) for the whole. AIO_EINVAL: a session not set
 * up or used before, a server's, no host, s set up already. */
#define AIO_TLS_CONNECT(t, lv, tls, s, host, port, d)                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__tls_connect_start((t), aio__f, (tls), (s), (host), (port), (d)), \
               aio__tls_connect_poll((t), aio__f, (tls), (s), (host)), AIO__LABEL)
/* The same over a Unix socket (asyncio's open_unix_connection(path, ssl=ctx,
 * server_hostname=name), POSIX): connected to path (as AIO_UNIX_CONNECT),
 * the stream set up and the handshake done with server_name for the
 * certificate's name (NULL only with AIO_TLS_NO_VERIFY), under one deadline;
 * the rest as AIO_TLS_CONNECT. Keep path and server_name where they live
 * until the await ends. AIO_EINVAL besides: no path, no server name to
 * verify, Windows and a simulation (no Unix sockets there). */
#define AIO_TLS_UNIX_CONNECT(t, lv, tls, s, path, server_name, d)               \
    AIO__AWAIT(t, (lv) = aio__r,                                               \
               aio__tls_unix_connect_start((t), aio__f, (tls), (s), (path), (server_name), (d)), \
               aio__tls_connect_poll((t), aio__f, (tls), (s), (server_name)), AIO__LABEL)
AIO_API aio_status aio__tls_handshake_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                            const char *server_name, aio_time d);

/* A TLS server (asyncio's start_server(..., ssl=ctx, ssl_handshake_timeout=d)):
 * an aio_server whose handlers are given a stream with TLS already under it.
 * The connection's state begins with an aio_tls_conn instead of an aio_conn:
 *
 *     typedef struct { aio_tls_conn tc; aio_status n; } client_t;
 *     aio_server_init(&srv, handle, clients, sizeof clients[0], 64);
 *     aio_server_set_tls(&srv, &config, AIO_TLS_DEFAULT_TIMEOUT, 0);
 *     aio_server_listen(&srv, "127.0.0.1", 8443, 0);  // or aio_server_start
 *                                                      // (aio_unix_listen's too)
 *     // in handle(): AIO_READ_LINE(t, c->n, &c->tc.stream, d), ...
 *
 * For each connection the server sets up `stream` over the socket (a buffer
 * of its own: 4 KiB, growing to the limit, asyncio's 64 KiB unless set) and `tls` from the
 * configuration, and runs the handshake within `handshake_timeout`, before
 * the handler. A handshake that fails (a deadline, a plain-text client, a
 * protocol error) is counted (aio_server_handshakes_failed), its connection
 * closed, and the handler never called, as asyncio logs it and calls none; a
 * cancelled one (a shutdown) is not counted. When the handler ends, the
 * server frees the stream (what it had not sent is dropped: end with
 * AIO_TLS_SHUTDOWN to send it and close_notify, as asyncio's writer.close()
 * does) and the session, then closes the socket. */
typedef struct aio_tls_conn {
    aio_conn conn;     /* the server's part (AIO_CONN_SELF finds the state from it) */
    aio_stream stream; /* the connection's stream: TLS is its transport */
    aio_tls tls;       /* the session (AIO_TLS_SHUTDOWN it; the server frees it) */
    aio_frame frame;   /* (the library's: the handshake's await) */
} aio_tls_conn;
/* srv (initialised, not started) serves over TLS with configuration c (a
 * server's: AIO_TLS_SERVER, loaded; keep it until the server has ended);
 * each handshake within handshake_timeout (AIO_TLS_DEFAULT_TIMEOUT: 60 s,
 * AIO_TLS_HANDSHAKE_TIMEOUT); each stream's limit `limit` (start_server's
 * limit=: the longest line or count a read takes; 0: asyncio's 64 KiB).
 * AIO_OK; AIO_EINVAL (srv not initialised, c NULL, not loaded or a
 * client's, a state smaller than an aio_tls_conn, a negative timeout, a
 * limit beyond INT_MAX); AIO_EBUSY (serving already). */
AIO_API aio_status aio_server_set_tls(aio_server *srv, aio_tls_config *c, aio_time handshake_timeout,
                                      size_t limit);
/* How many handshakes failed since the server was initialised (counted
 * round at 2^32). */
AIO_API uint32_t aio_server_handshakes_failed(const aio_server *srv);
AIO_API aio_status aio__tls_handshake_poll(aio_task *t, aio_frame *f, aio_tls *tls);
AIO_API aio_status aio__tls_shutdown_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_time d);
AIO_API aio_status aio__tls_shutdown_poll(aio_task *t, aio_frame *f, aio_tls *tls);
AIO_API aio_status aio__tls_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host,
                                          int port, aio_time d);
AIO_API aio_status aio__tls_unix_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                               const char *path, const char *server_name, aio_time d);
AIO_API aio_status aio__tls_connect_poll(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host);
#endif

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
#if defined(AIO__HOSTED) && (defined(__unix__) || defined(__APPLE__)) && !defined(AIO_NO_IO)
#define AIO__POSIX_IO 1
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
/* Linux, with its extensions: AIO_NO_LINUX takes it as a POSIX system
 * without them (as macOS and the BSDs are), so that their paths run there:
 * poll(), SIGCHLD, descriptors made then marked, no abstract names. */
#if defined(__linux__) && !defined(AIO_NO_LINUX)
#define AIO__LINUX 1
#endif
/* A socket made close-on-exec by the call that makes it (SOCK_CLOEXEC:
 * Linux, the BSDs; macOS has none), and a send that raises no SIGPIPE
 * (MSG_NOSIGNAL; else macOS's SO_NOSIGPIPE, or SIGPIPE held back in the
 * thread: see "POSIX"). */
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK) && !defined(AIO_NO_LINUX)
#define AIO__SOCK_FLAGS 1
#endif
#if defined(MSG_NOSIGNAL) && !defined(AIO_NO_LINUX)
#define AIO__MSG_NOSIGNAL MSG_NOSIGNAL
#endif
/* Listeners that share a port, the system balancing the connections among
 * them (a server on every core: "servers"): Linux's SO_REUSEPORT (3.9 on;
 * <sys/socket.h> hides its name without _DEFAULT_SOURCE, so asm-generic's
 * number, which every architecture but four has), FreeBSD's SO_REUSEPORT_LB.
 * macOS and the other BSDs have an SO_REUSEPORT that gives every connection
 * to one listener: there, as on Windows, one loop hands connections out. */
#ifdef AIO__LINUX
#ifdef SO_REUSEPORT
#define AIO__REUSE_PORT SO_REUSEPORT
#elif !defined(__alpha__) && !defined(__mips__) && !defined(__hppa__) && !defined(__sparc__)
#define AIO__REUSE_PORT 15
#endif
#elif defined(SO_REUSEPORT_LB) && !defined(AIO_NO_LINUX)
#define AIO__REUSE_PORT SO_REUSEPORT_LB
#endif
/* Linux's calls that this build's declarations may lack (pipe2, accept4,
 * close_range, pidfd_open, pidfd_send_signal) go through syscall(), which
 * _DEFAULT_SOURCE declares (if it came before the first system header:
 * glibc says so by __USE_MISC, musl by _BSD_SOURCE). */
#if defined(AIO__LINUX) && \
    (defined(__USE_MISC) || (!defined(__GLIBC__) && (defined(_GNU_SOURCE) || defined(_BSD_SOURCE))))
#define AIO__SYSCALL 1
#include <sys/syscall.h>
#endif
#ifndef AIO_NO_THREADS
#include <netdb.h>
#include <pthread.h>
#define AIO__THREAD_SIGMASK pthread_sigmask /* (the calling thread's signal mask) */
#else
#define AIO__THREAD_SIGMASK sigprocmask /* (one thread: the process's) */
#endif
/* Child processes: fork and exec, their exit told by a pidfd on Linux, else
 * by SIGCHLD. AIO_NO_PROCESSES leaves them out. */
#if !defined(AIO_NO_PROCESSES) && defined(SA_RESTART)
#define AIO__PROCESSES 1
#define AIO__POSIX_PROCESSES 1
#include <sys/wait.h>
#if defined(AIO__SYSCALL) && !defined(AIO_NO_PIDFD)
#define AIO__PIDFD 1
#endif
#endif
#endif
/* Windows: sockets on Winsock 2, the wait in WSAPoll, Ctrl-C and console
 * close routed like signals. AIO_NO_IO leaves them out. */
#if defined(AIO__HOSTED) && defined(AIO__WIN32) && !defined(AIO_NO_IO)
#define AIO__WIN32_IO 1
#include <errno.h>
#include <signal.h>
/* Child processes: CreateProcess, each pipe relayed to a socket by a thread
 * (WSAPoll waits for sockets only), the child in a job object. They need
 * threads: AIO_NO_THREADS or AIO_NO_PROCESSES leaves them out. */
#if !defined(AIO_NO_PROCESSES) && !defined(AIO_NO_THREADS)
#define AIO__PROCESSES 1
#endif
#endif
/* Either: the library's sockets and the system's wait (the platform's part
 * is in "the platform's sockets" below). */
#if defined(AIO__POSIX_IO) || defined(AIO__WIN32_IO)
#define AIO__SOCKETS 1
#ifndef AIO__SOCKET_API
#error "aio_timeout.h: the sockets are built where the task record has no room for them"
#endif
/* The readiness wait, one part (>>wait-NAME): the one the program asks for
 * with an option, each option a block of its own (AIO_IO_POLL: poll(),
 * WSAPoll on Windows), else the system's: epoll on Linux, AFD poll on
 * Windows, poll() elsewhere. An option's block picks its part and says
 * that a wait was asked for (AIO__WAIT_ASKED). The blocks are separate
 * #ifdef's, never an #elif chain: two options at once pick two parts, and
 * the second part stops at its #error, as it does when a block forgets to
 * say it asked (then the system's pick is a second one). A part also
 * refuses a system it does not fit. */
#ifdef AIO_IO_POLL
#define AIO__WAIT_POLL 1
#define AIO__WAIT_ASKED 1
#endif
#ifndef AIO__WAIT_ASKED
#if defined(AIO__LINUX)
#define AIO__WAIT_EPOLL 1
#elif defined(AIO__WIN32_IO)
#define AIO__WAIT_AFD 1
#else
#define AIO__WAIT_POLL 1
#endif
#endif
/* Signals: POSIX's sigaction (POSIX.1's declarations), Windows' console
 * events. */
#if defined(SA_RESTART) || defined(AIO__WIN32_IO)
#define AIO__SIGNALS 1
#endif
/* and a pool of worker threads for blocking calls, unless AIO_NO_THREADS (on
 * POSIX it needs POSIX.1-2001's declarations: this header included first, or
 * _POSIX_C_SOURCE 200809L) */
#if !defined(AIO_NO_THREADS) && (defined(AIO__WIN32_IO) || (defined(AI_NUMERICSERV) && defined(SIG_SETMASK)))
#define AIO__THREADS 1
#endif
#endif
/* The simulation (AIO_SIMULATION) stands in for the sockets: it needs them. */
#if defined(AIO_SIMULATION) && defined(AIO__SOCKETS)
#define AIO__SIM 1
#ifdef AIO__POSIX_IO /* (its sockets' numbers: see "simulation") */
#include <poll.h>
#include <sys/resource.h>
#endif
#elif defined(AIO_SIMULATION)
#error "AIO_SIMULATION needs a hosted POSIX or Windows build with sockets"
#endif
/* TLS (AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS, or AIO_TLS_SCHANNEL on Windows):
 * the engine's headers; it needs the sockets. AIO_TLS alone: no engine of
 * the header's (AIO__TLS_USER), each configuration names the program's. */
#if defined(AIO_TLS_OPENSSL) + defined(AIO_TLS_MBEDTLS) + defined(AIO_TLS_SCHANNEL) > 1
#error "define one of AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS and AIO_TLS_SCHANNEL"
#elif (defined(AIO_TLS) || defined(AIO_TLS_OPENSSL) || defined(AIO_TLS_MBEDTLS) || defined(AIO_TLS_SCHANNEL)) && \
    !defined(AIO__SOCKETS)
#error "TLS (AIO_TLS, AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS, AIO_TLS_SCHANNEL) needs a hosted POSIX or Windows build with sockets"
#elif defined(AIO_TLS_SCHANNEL) && !defined(AIO__WIN32)
#error "AIO_TLS_SCHANNEL is Windows' own TLS: on other systems, AIO_TLS_OPENSSL or AIO_TLS_MBEDTLS"
#elif defined(AIO_TLS_SCHANNEL)
#define AIO__TLS 1
#define AIO__TLS_SCHANNEL 1
#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif
#include <wincrypt.h>
#include <security.h>
#include <schannel.h>
#if defined(_MSC_VER)
#pragma comment(lib, "secur32")
#pragma comment(lib, "crypt32")
#endif
#elif defined(AIO_TLS_OPENSSL)
#define AIO__TLS 1
#define AIO__TLS_OPENSSL 1
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#elif defined(AIO_TLS_MBEDTLS)
#define AIO__TLS 1
#define AIO__TLS_MBEDTLS 1
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#error "AIO_TLS_MBEDTLS: Mbed TLS 2.x (2.28 is the one tested); for 3.x, use AIO_TLS_OPENSSL"
#endif
#elif defined(AIO_TLS)
#define AIO__TLS 1
#define AIO__TLS_USER 1
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

#ifdef AIO__SOCKETS
/* Memory: every allocation goes through AIO_MALLOC, AIO_REALLOC and AIO_FREE
 * (Configuration). `size` bytes zeroed, or NULL if there is no memory. */
static void *aio__zalloc(size_t size) {
    void *p = AIO_MALLOC(size);
    if (p) memset(p, 0, size);
    return p;
}
#ifdef AIO__SIM
static int aio__sim_alloc_fails(void);
#endif
/* The same for the state of one of the program's waits or calls while it
 * lasts (a connect's attempts, a call on the pool, a child's): in a
 * simulation the fault alloc_fails may refuse it, as memory may run out. */
static void *aio__alloc_state(size_t size) {
#ifdef AIO__SIM
    if (aio__sim_alloc_fails()) return NULL;
#endif
    return aio__zalloc(size);
}
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
#ifdef AIO__SOCKETS /* (the streams' own: no bytes where there are none) */
    case AIO_EINCOMPLETE: return "the stream ended first";
    case AIO_ELIMIT: return "no separator within the buffer";
    case AIO_ENOTFOUND: return "not found";
    case AIO_ENOEXEC: return "program cannot be run";
    case AIO_ESIGNALED: return "ended by a signal";
    case AIO_WANT_READ: return "waits until readable";
    case AIO_WANT_WRITE: return "waits until writable";
#endif
#ifdef AIO__TLS /* (TLS's: a program without it keeps its table) */
    case AIO_ETLS: return "TLS failed";
    case AIO_ECERT: return "certificate verify failed";
    case AIO_ETRUNCATED: return "closed without close_notify";
#endif
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
#ifdef AIO__SOCKETS
    if (aio__io_carry) aio__io_carry(L, NULL, NULL); /* (a loop made here later knows nothing of them) */
#endif
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

#ifdef AIO__SIM
/* 1 once the simulation's fault timer_full refused the storage's growth
 * (see "simulation"): the failure that follows says so. */
static AIO_THREAD_LOCAL uint8_t aio__sim_refused;
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
#ifdef AIO__SIM
            if (aio__sim_refused) {
                aio__sim_refused = 0;
                return aio__misuse(AIO_ENOSPC, "timer storage is full: the simulation's fault timer_full refused "
                                               "to grow it, as where memory runs out; the await fails with "
                                               "AIO_ENOSPC, which the program must handle (config.timer_full 0: "
                                               "no such fault)");
            }
#endif
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

#ifdef AIO__SOCKET_API
/* The library's own tasks that carry a program's work (a stream's sender)
 * are not cancelled by aio_run's end with the program's: they serve the
 * cleanups that run then (a close that flushes). At each turn of the end
 * this hook, set by the first of them, stops them once they are all that
 * is alive. */
static AIO_THREAD_LOCAL void (*aio__services_ending)(aio_loop *L);
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
#ifdef AIO__SOCKET_API
            if (aio__services_ending) aio__services_ending(L);
#endif
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

#ifdef AIO__SIM
static int aio__sim_set_later(aio_event *ev); /* 1: set by a call on the pool: later (see "simulation") */
#endif
AIO_API void aio_event_set(aio_event *ev) {
    aio_loop *L;
    aio_wakeup_fn wakeup = NULL;
    void *ctx = NULL;
#ifdef AIO__SIM
    if (aio__sim_set_later(ev)) return;
#endif
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
#ifdef AIO__SOCKETS
/* The library's receives and sends that moved bytes, and its accepts and
 * connects that made a connection, counted round (the virtual clock's
 * settle asks only whether it moved: aio__sysio_settle). */
static AIO_THREAD_LOCAL uint32_t aio__io_moved;
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
#ifdef AIO__SOCKETS
#define AIO__IO_REPORTED 8
#else
#define AIO__IO_REPORTED 0
#endif

#ifdef AIO__SOCKETS
static aio_io *aio__sysio_start(aio_loop *L);
static aio_status aio__sysio_grow(aio_io *io, int fd);
static const char *aio__sysio_holds(aio_io *io);
static int aio__sysio_looked(aio_loop *L);
static void aio__sysio_idles(aio_loop *L);
static int aio__sysio_settle(aio_loop *L, aio_time deadline);
#endif

#ifdef AIO__SOCKETS
/* The streams' write buffers written in the turn send what they hold (set
 * by the first one written: a program that writes none links none of it). */
static AIO_THREAD_LOCAL void (*aio__io_written)(aio_loop *L);

/* The turn's end beyond its look: the write buffers written in the turn
 * send; the listeners paused out of descriptors are tried again (reported
 * readable, so that their accepts try) once io->paused_until has come.
 * (Only the library's accept pauses and only streams write: a build without
 * sockets has neither.) */
static AIO__APART void aio__io_turn_end_work(aio_loop *L) {
    aio_io *io = L->io;
    uint32_t fd;
    if (io->turn_end & AIO__IO_END_WRITTEN) {
        io->turn_end &= (uint8_t)~AIO__IO_END_WRITTEN;
        aio__io_written(L);
    }
    if (!(io->turn_end & AIO__IO_END_PAUSED) || aio__before(aio__now(L), io->paused_until)) return;
    io->turn_end &= (uint8_t)~AIO__IO_END_PAUSED;
    for (fd = 0; fd < io->nslots; fd++) {
        if (!(io->slots[fd].dry & AIO__IO_PAUSED)) continue;
        io->slots[fd].dry = (uint8_t)(io->slots[fd].dry & ~AIO__IO_PAUSED);
        aio_io_ready(L, (int)fd, AIO_READABLE);
    }
}
static AIO__ALWAYS_INLINE void aio__io_turn_end(aio_loop *L) { /* (a turn with nothing for its end pays one test) */
    if (L->io->turn_end) aio__io_turn_end_work(L);
}
#else
#define aio__io_turn_end(L) ((void)0)
#endif

/* Whether the turn's look at the descriptors is an idle wait's own: on the
 * system's port, in aio_run, the wait just before (aio__sysio_looked). */
static int aio__io_looked(aio_loop *L) {
#ifdef AIO__SOCKETS
    return L->io->grow == aio__sysio_grow && aio__sysio_looked(L);
#else
    (void)L; /* (a port of its own, with no sockets: tests/coverage/no_stdlib.c) */
    return 0;
#endif
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
#ifdef AIO__SOCKETS
    if (L->io->grow == aio__sysio_grow && aio__sysio_settle(L, deadline)) return;
#endif
    L->now = deadline;
}

/* aio_run's idle wait once the loop waits for I/O: the port's wait, for the
 * descriptors and the next deadline together. On the virtual clock it does
 * not block while a timer is armed; time jumps to it if nothing came. */
static void aio__io_idle(void *ctx, aio_loop *L, aio_time deadline) {
#ifdef AIO__SOCKETS
    int system = L->io->grow == aio__sysio_grow; /* (its wait runs no code that could detach it) */
    if ((L->io->turn_end & AIO__IO_END_PAUSED) &&
        (deadline == AIO_NEVER || aio__before(L->io->paused_until, deadline)))
        deadline = L->io->paused_until; /* (the accepts paused try again then) */
#endif
    (void)ctx;
    L->io->wait(L->io, L, deadline); /* (detaching the port gives the idle hook back) */
#ifdef AIO__SOCKETS
    if (system) aio__sysio_idles(L); /* (aio_run's: the next turns' looks may be the waits') */
#endif
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
#ifdef AIO__SOCKETS
    if (!L->io && aio__sysio_start(L) && aio__io_carry) aio__io_carry(L, NULL, L->io);
#endif
    if (!L->io) return NULL; /* (out of descriptors or memory; no port given) */
    if (!L->events || L->events == aio__events) aio__use_events(L, aio__io_events); /* (the pool wraps it) */
    L->idle = aio__io_idle;
    return L->io;
}

/* A misused descriptor, named in the message (POSIX builds; elsewhere one
 * message says it all: string literals take RAM on an AVR). */
#ifdef AIO__SOCKETS
#define AIO__DETAIL(text) text
static aio_status aio__bad_fd(aio_status code, const char *what, int fd, const char *why) {
#ifdef AIO_DEBUG
    static char message[160];
    (void)snprintf(message, sizeof message, "%s: descriptor %d %s", what, fd, why);
    return aio__misuse(code, message);
#else
    (void)what; (void)fd; (void)why;
    return code;
#endif
}
#else
#define AIO__DETAIL(text) ""
static aio_status aio__bad_fd(aio_status code, const char *what, int fd, const char *why) {
    (void)what; (void)fd; (void)why;
    return aio__misuse(code, "I/O wait: the descriptor cannot be waited on that way");
}
#endif

/* The slot of fd in L's I/O (NULL, with the status in *rc, if there is none). */
static aio_io_slot *aio__io_slot_of(aio_loop *L, int fd, const char *what, aio_status *rc) {
    aio_io *io = aio__io_of(L);
    if (!io) {
#ifdef AIO__SOCKETS
        *rc = AIO_EIO; /* the system's wait could not start: errno says why (EMFILE, ENOMEM) */
#else
        *rc = aio__misuse(AIO_EINVAL, "I/O wait: no I/O port (aio_loop_set_io)");
#endif
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

#ifdef AIO__SOCKETS
/* Task t leaves the slots of fd[0..n) (a negative one: none) where it
 * waits, either way. */
static void aio__io_leave_all(aio_task *t, const int *fd, int n) {
    aio_io *io = t->loop->io;
    int i;
    int dir;
    for (i = 0; i < n; i++) {
        if (fd[i] < 0 || (uint32_t)fd[i] >= io->nslots) continue;
        for (dir = 0; dir < 2; dir++) {
            aio_io_slot *s = &io->slots[fd[i]];
            if (s->waiter[dir] != t) continue;
            s->waiter[dir] = NULL;
            s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << dir));
        }
    }
}

/* Park task t until `until` on several descriptors at once, fd[0..n) (a
 * negative one: none), each the way dir[i] (dir NULL: writable): a slot
 * each, watched that way, t its waiter. AIO__SUSPENDED (the I/O's count of
 * waiters counts it once, until it resumes), or a status with every slot
 * left: out of memory, or (with `busy`, saying what the descriptor is)
 * another task waits there, AIO_EBUSY. AIO_TCP_CONNECT waits so on its
 * attempts, a process await on its pipes and its exit; one descriptor is
 * aio__io_park's. */
static aio_status aio__io_park_all(aio_task *t, const int *fd, const int *dir, int n, aio_time until,
                                   const char *what, const char *busy) {
    aio_loop *L = t->loop;
    aio_status rc = AIO_OK;
    int i;
    for (i = 0; i < n && rc >= 0; i++) { /* LCOV_EXCL_BR_LINE: (rc < 0: a refusal breaks first) */
        int way = dir ? 1 << dir[i] : AIO_WRITABLE;
        aio_io_slot *s;
        if (fd[i] < 0) continue;
        s = aio__io_slot(L, fd[i], what, &rc);
        if (!s) break; /* (out of memory: the table could not grow) */
        if (busy && s->waiter[way >> 1]) {
            rc = aio__bad_fd(AIO_EBUSY, what, fd[i], busy);
            break;
        }
        if (!(s->watched & way)) {
            rc = L->io->watch(L->io, fd[i], s->watched, s->watched | way);
            if (rc < 0) break; /* LCOV_EXCL_LINE: out of memory */
            s->watched = (uint8_t)(s->watched | way);
        }
        s->waiter[way >> 1] = t;
    }
    if (rc >= 0) {
        aio__set_until(t, until);
        AIO__WAITS_ON(L, AIO_ON_IO, NULL, n ? fd[0] : -1);
        rc = aio__park(t, 1, 1);
        if (rc == AIO__SUSPENDED) {
            L->io->waiting++;
            return rc;
        }
    }
    aio__io_leave_all(t, fd, n);
    return rc;
}
/* A try on fd found nothing to do that way: the next one waits first. */
static void aio__io_dry(aio_loop *L, int fd, int dir) {
    if (L->io && (uint32_t)fd < L->io->nslots) L->io->slots[fd].dry = (uint8_t)(L->io->slots[fd].dry | (1 << dir));
}
#endif

AIO_API aio_status aio_loop_set_io(aio_loop *L, aio_io *io) {
    if (L->io && L->io->waiting)
        return aio__misuse(AIO_EBUSY, "aio_loop_set_io: tasks wait on descriptors (or were woken from such "
                                      "a wait and have not run yet)");
#ifdef AIO__SOCKETS
    if (L->io && L->io->grow == aio__sysio_grow && aio__sysio_holds(L->io))
        return aio__misuse(AIO_EBUSY, aio__sysio_holds(L->io));
#endif
    if (io && (!io->watch || !io->wait || (!io->slots && io->nslots)))
        return aio__misuse(AIO_EINVAL, "aio_loop_set_io: a port needs watch, wait and slots");
    if (aio__io_carry && (L->io || io)) aio__io_carry(L, L->io, io); /* (none to none: nothing) */
    if (L->io && L->io->release) L->io->release(L->io);
    L->io = io;
    if (io) {
        io->waiting = 0;
        io->turn_end = 0;
#ifdef AIO__SOCKET_API
        if (L->written.next && L->written.next != &L->written)
            io->turn_end = AIO__IO_END_WRITTEN; /* (write buffers written in this turn: sent at its end) */
#endif
    } else if (L->idle == aio__io_idle) { /* the loop sleeps as it did before */
        L->idle = NULL;
#ifdef AIO__SYSTEM_CLOCK
        if (!L->is_virtual) {
            L->idle = aio__system_idle;
            aio__idle_wakeup_restore(L); /* (the port's wake-up was the loop's) */
        }
#endif
    }
#ifdef AIO__SOCKET_API
    /* write buffers that wait for a turn's end wait through a port: the
     * system's starts now, not at a wait that may never come */
    if (!io && L->written.next && L->written.next != &L->written) (void)aio__io_of(L);
#endif
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

// >>system
/* ------------------------------------------------- the system's interface */

/* Everything the library asks of the system, as named functions that each
 * system backend defines once (a part of its own: "POSIX", "Windows"; the
 * configuration in "Implementation" picks one and includes its headers).
 * The shared sections call these names and hold no platform #if; a
 * backend that lacks one does not compile (the name is used, never
 * defined), and one defined with another shape is a conflicting
 * declaration of that name. docs/internals.md, "Adding a backend", is the
 * recipe; tests/checks/backend_names.py keeps it and this list true.
 *
 *   the vocabulary: the types aio__socklen, aio__pollfd, the macros
 *       AIO__SOCK (a socket's number as the system's handle), aio__poll,
 *       and aio__net_last, aio__net_set_last, aio__net_would_block,
 *       aio__net_interrupted, aio__net_in_progress, aio__net_exhausted
 *       (the last error and what it means), aio__net_error (an error's
 *       status), aio__nonblocking, aio__socket_private, aio__sock_private,
 *       aio__sock_setup (a socket made, made private, a stream's set up),
 *       aio__net_closesocket, aio__net_need (the system's sockets started,
 *       where they must be);
 *   the wake pair, what a wait may be woken by from elsewhere (a pipe, a
 *       pair of sockets): aio__wake_pair_open, aio__wake_pair_write,
 *       aio__wake_pair_drain;
 *   the system's wait: aio__sys_wait_open (a loop's aio__sysio: what the
 *       system needs first, then aio__readiness_open; NULL if it cannot
 *       be), aio__sys_wait_close (all of it let go); for the poll wait,
 *       aio__sys_poll and aio__net_can_watch;
 *   signals: aio__sys_signal_check (NULL: a number the system routes,
 *       else why not), aio__sys_signal_catch (the handler installed: 1, or
 *       0), aio__sys_signal_default (the system's own action back),
 *       aio__sys_signal_target (the waker of the loop the handler wakes,
 *       aio__readiness_waker's; -1: none, the loop it belongs to is gone),
 *       aio__sys_signal_wake (the handler's wake), aio__sys_signal_caught
 *       and aio__sys_signals_look (a backend's own work of a signal, in the
 *       handler and at each wait: POSIX's SIGCHLD), the flag type
 *       aio__sig_flag and AIO__SIG_SET, AIO__SIG_TAKE, AIO__SIG_CLEAR (set
 *       from a handler, taken by the loop);
 *   threads and locks (with AIO__THREADS): the types aio__thread,
 *       aio__mutex, aio__cond, aio__wall, the calls aio__lock, aio__unlock,
 *       aio__wait_for_work, aio__signal_work, aio__broadcast_work,
 *       aio__mutex_init, aio__mutex_done, aio__cond_init, aio__cond_done,
 *       aio__wall_after, aio__wait_until, aio__thread_new,
 *       aio__thread_join, aio__thread_detach, and AIO__THREAD_MAIN(name,
 *       arg) (a thread's function as the system calls it);
 *   Unix domain sockets: aio__sys_unix_listen, aio__sys_unix_connect,
 *       aio__sys_unix_connect_poll (where the system has none: each says
 *       so, as a misuse), aio__sys_unix_file (a listener's socket file
 *       noted, then removed if still the one noted; where there is none:
 *       nothing);
 *   the simulation's pairs (with AIO__SIM): aio__sys_pair_new (a socket's
 *       number and its far end, connected, with the number's identity),
 *       aio__sys_pair_same (whether a number still has that identity),
 *       aio__sys_pair_floor (the least number for a far end),
 *       aio__sys_pairs_start, aio__sys_pairs_end (a simulation's first and
 *       last need of them), aio__sys_signal_effect (what a signal does to a
 *       simulated child, as to a real one: AIO__SIGNAL_...);
 *   the table's functions ("the platform's table", in "the platform's
 *       sockets"): its process slots, aio__sys_proc_start ...
 *       aio__sys_pipe_write, and aio__children_done (the loop's last child
 *       is gone); its socket slots, written once for the Berkeley calls of
 *       both in "what POSIX and Windows share" from the helpers that
 *       section names; the pool's and the lookup's, the same on both.
 *
 * The simulation is the one backend picked at run time: a table of its
 * own (aio__sim_platform), installed while it runs; docs/internals.md
 * ("The simulation") names the hooks it reaches the core through. */
#ifdef AIO__SOCKETS
/* The system's wait of a loop: its aio_io (first: the loop's io points
 * here), and what every wait keeps beside it. The readiness wait picked
 * (below) makes it the first member of a larger struct of its own
 * (aio__readiness_open makes it, aio__readiness_close frees it). */
typedef struct aio__sysio {
    aio_io io;
    aio_loop *loop;
    void *pool;      /* the worker threads, once a blocking call needed them */
    uint8_t run;     /* aio_run's turns: 0 unknown, 1 in aio_run, 2 its idle wait woke nothing */
    uint8_t settle;  /* on the virtual clock, the wait before a jump waits this long (ms) */
    uint32_t moved_seen; /* aio__io_moved at the last such wait (see aio__sysio_settle) */
#ifdef AIO__PROCESSES
    aio_process *children; /* spawned and not closed */
    int sigchld;     /* SIGCHLD tells this loop of its children's exits */
    unsigned sigchld_seen;          /* (POSIX) the count of SIGCHLDs it has looked after */
    struct aio__sysio *sigchld_next; /* (POSIX) the next loop SIGCHLD tells */
#endif
} aio__sysio;

/* The readiness wait's seam. Each wait is one part (>>wait-NAME: epoll,
 * poll() and WSAPoll), compiled where the configuration (>>impl) defines
 * its AIO__WAIT_NAME, on one line; the part refuses to compile beside
 * another one picked, or where its system is not, and >>sysio where none
 * is. It gives these names, declared here (a part that gives one in
 * another shape does not compile; one that does not give it does not
 * link), and nothing else of it is seen outside the part:
 *   aio__readiness_open     the loop's aio__sysio, zeroed, first in the
 *                           wait's own struct; its set made, its wake-up
 *                           made and watched: NULL, with nothing of it
 *                           left, if it cannot be
 *   aio__readiness_close    all of it let go
 *   aio__readiness_watch    the port's watch (aio_io's): fd's events now
 *   aio__readiness_wait     the port's wait: ready descriptors told with
 *                           aio_io_ready, its wake-up drained, signals
 *                           delivered (aio__deliver_signals)
 *   aio__readiness_grow     the slots grow from io.nslots to n (a wait
 *                           with something per descriptor grows it too)
 *   aio__readiness_waker    what wakes it, for another thread, the pool's
 *                           workers and a signal handler
 *   aio__readiness_wake     the wake (from any thread; on POSIX, from a
 *                           signal handler too)
 * and, defined or not, what a wait does that the tests ask of it (what it
 * does, never which one it is): AIO__WAIT_FORGETS_CLOSED (a descriptor
 * closed leaves the set by itself, and one opened again under its number
 * is not watched until watched again), AIO__WAIT_TABLE_GROWS (an array of
 * the watched descriptors, the wake-up first, grown as they are added),
 * AIO__WAIT_OWN_DESCRIPTOR (the set is a descriptor of its own),
 * AIO__WAIT_RECORD_PER_SOCKET (memory allocated for each socket watched);
 * and one the shared sections ask: AIO__WAIT_TELLS_LATE (readiness is told
 * some time after it comes, so the virtual clock looks again before it
 * jumps to a wait's deadline: aio__sysio_settle). */
typedef intptr_t aio__waker; /* a descriptor, a socket or a handle; -1: none */
static aio__sysio *aio__readiness_open(void);
static void aio__readiness_close(aio__sysio *s);
static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events);
static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline);
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n);
static aio__waker aio__readiness_waker(const aio__sysio *s);
static void aio__readiness_wake(aio__waker k);

/* Whether loop L waits through the system's wait: its grow is the one
 * thing of it that the pool, once started, does not wrap. */
#define AIO__SYSTEM_PORT(L) ((L)->io->grow == aio__sysio_grow)

/* What the backends call of the shared sections. */
static aio_status aio__net_result(long n, const char *what, int fd);
static size_t aio__net_chunk(size_t len);
static int aio__io_timeout(aio_loop *L, aio_time deadline);
static void aio__deliver_signals(aio_loop *L);
static int aio__sig_waiting(void);
static void aio__sock_setup(int fd);
static aio_status aio__net_recv(int fd, void *buf, size_t len, const char *what);
static aio_status aio__net_send(int fd, const void *buf, size_t len, const char *what);

/* The backends' names (the list above) that the shared sections call
 * before their definitions. */
static int aio__net_last(void);
static void aio__net_set_last(int err);
static int aio__net_would_block(int err);
static int aio__net_interrupted(int err);
static int aio__net_in_progress(int err);
static int aio__net_exhausted(void);
static aio_status aio__net_error(int err, const char *what, int fd);
static void aio__nonblocking(int fd);
static int aio__socket_private(int family, int type);
static void aio__sock_private(int fd);
static int aio__net_closesocket(int fd);
static void aio__net_need(void);
/* What aio__net_claim (each backend's) is told a socket it binds is: 0 a
 * datagram socket, 1 a listener, AIO__CLAIM_SHARED a listener that shares
 * its port with others (AIO__REUSE_PORT, where the system has it). */
enum { AIO__CLAIM_SHARED = 2 };
/* (the wake pair's calls that a wait with a wake-up of its own, as AFD
 * poll's, leaves to the backend's other uses: no warning where unused) */
#if defined(__GNUC__) || defined(__clang__)
#define AIO__MAY_BE_UNUSED __attribute__((unused))
#else
#define AIO__MAY_BE_UNUSED
#endif
static int aio__wake_pair_open(int p[2]);
AIO__MAY_BE_UNUSED static void aio__wake_pair_write(int fd);
AIO__MAY_BE_UNUSED static void aio__wake_pair_drain(int fd);
static aio__sysio *aio__sys_wait_open(aio_loop *L);
static void aio__sys_wait_close(aio__sysio *s);
#ifdef AIO__WAIT_TELLS_LATE
/* A wait that tells readiness late also says whether a socket a task waits
 * on is ready now, for the way it waits (asking the system, not waiting). */
static int aio__readiness_ready_now(const aio__sysio *s);
#endif
#ifdef AIO__WAIT_POLL
static int aio__sys_poll(struct pollfd *fds, uint32_t n, int ms);
static aio_status aio__net_can_watch(int fd);
#endif
#ifdef AIO__SIGNALS
#if defined(NSIG)
#define AIO__NSIG NSIG
#elif defined(_NSIG)
#define AIO__NSIG _NSIG
#else
#define AIO__NSIG 65
#endif
static int aio__sig_routed(int signo);
static void aio__sig_handler(int signo);
static const char *aio__sys_signal_check(int signo, int cancel);
static int aio__sys_signal_catch(int signo);
static void aio__sys_signal_default(int signo);
static void aio__sys_signal_target(aio__waker k);
static void aio__sys_signal_wake(void);
#endif
static aio_status aio__sys_unix_listen(const char *path, int backlog, int simulated);
static aio_status aio__sys_unix_connect(aio_task *t, aio_frame *f, const char *path, aio_time until,
                                        int simulated);
static aio_status aio__sys_unix_connect_poll(aio_task *t, aio_frame *f);
static void aio__sys_unix_file(void **note, int listener);

/* The wake pair let go: both ends closed. */
AIO__MAY_BE_UNUSED static void aio__wake_pair_close(const int p[2]) {
    (void)aio__net_closesocket(p[0]);
    (void)aio__net_closesocket(p[1]);
}

#ifdef AIO__PROCESSES
enum { AIO__PROC_NONE, AIO__PROC_RUNNING, AIO__PROC_REAPED, AIO__PROC_CLOSED };
enum { AIO__STOP_NONE, AIO__STOP_TERM, AIO__STOP_KILL };
#define AIO__PROC_PARKED 4      /* (in stopping's high bits: parked on its exit alone) */
#define AIO__PROC_CANCELLED 8   /* (a cancellation is stopping it: the await raises it) */
#define AIO__PROC_STOP_MASK 3
#define AIO__SIGKILL 9          /* (Windows' <signal.h> has no SIGKILL) */

static aio__sysio *aio__sysio_of(aio_loop *L) { return (aio__sysio *)(void *)L->io; }
static void aio__proc_close_pipes(aio_process *p, int system);
static void aio__children_done(aio__sysio *s);
/* What a signal does to a child (aio__sys_signal_effect: the simulation's
 * children take them as the platform's do). */
enum { AIO__SIGNAL_NONE, AIO__SIGNAL_ENDS, AIO__SIGNAL_DELIVERED };
#endif
#endif /* AIO__SOCKETS */
// >>posix
/* ------------------------------------------------------------------ POSIX */

/* The POSIX backend: every name of "the system's interface", on POSIX
 * sockets and pipes, sigaction, POSIX threads, fork and exec; its readiness
 * wait is a part of its own (>>wait-epoll, >>wait-poll). */
#ifdef AIO__POSIX_IO
/* ---- the vocabulary: errno, descriptors made private */
typedef socklen_t aio__socklen;
typedef struct pollfd aio__pollfd;
#define AIO__SOCK(fd) (fd)
#define aio__poll(fds, n, ms) poll((fds), (nfds_t)(n), (ms))
static int aio__net_last(void) { return errno; }
static int aio__net_would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK; /* LCOV_EXCL_BR_LINE: (one value on Linux) */
}
static int aio__net_interrupted(int err) { return err == EINTR; }
static int aio__net_in_progress(int err) { return err == EINPROGRESS; }
static void aio__net_set_last(int err) { errno = err; }
/* The last call failed for want of descriptors or buffers (it may work later). */
static int aio__net_exhausted(void) {
    /* (the tests run a process out of descriptors, EMFILE; the system's own
     * limits, ENFILE, ENOBUFS and ENOMEM, no test can reach) */
    return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM; /* LCOV_EXCL_BR_LINE */
}
static void aio__nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) (void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}
#define aio__net_own(fd) (fd)
static int aio__net_closesocket(int fd) { return close(fd); }
static int aio__cloexec(int fd) {
    if (fd >= 0) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}
static int aio__socket_private(int family, int type) {
#ifdef AIO__SOCK_FLAGS
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
#else
    int fd = aio__cloexec(socket(family, type, 0));
#endif
#ifdef SO_NOSIGPIPE /* (every socket, a Unix socket's too: MSG_NOSIGNAL's stand-in on macOS) */
    if (fd >= 0) {
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    }
#endif
    return fd;
}
/* A pipe, both ends close-on-exec, and non-blocking if flags is O_NONBLOCK:
 * 0, or -1 (out of descriptors). */
static int aio__pipe_private(int p[2], int flags) {
    int i;
#if defined(AIO__SYSCALL) && defined(SYS_pipe2) && defined(O_CLOEXEC)
    if (syscall(SYS_pipe2, p, O_CLOEXEC | flags) == 0) return 0;
    if (errno != ENOSYS) return -1; /* LCOV_EXCL_LINE: out of descriptors */
#endif
    /* LCOV_EXCL_START: (Linux: see above) */
    if (pipe(p) != 0) return -1;
    for (i = 0; i < 2; i++) {
        (void)aio__cloexec(p[i]);
        if (flags) (void)fcntl(p[i], F_SETFL, flags);
    }
    return 0;
    /* LCOV_EXCL_STOP */
}
/* The status of system error `err` on socket fd. */
static aio_status aio__net_error(int err, const char *what, int fd) {
    switch (err) {
    case ECONNRESET:
    case EPIPE: return AIO_ECONNRESET;
    case ECONNREFUSED: return AIO_ECONNREFUSED;
    case EBADF: return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is not open"));
    case ENOTSOCK: return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is not a socket"));
    case EINVAL: return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is not a socket of that kind (listening? connected?)"));
    default: errno = err; return AIO_EIO;
    }
}
/* A socket made private: non-blocking, not inherited by child processes. */
static void aio__sock_private(int fd) {
    aio__nonblocking(fd);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}
/* The library's stream sockets: private, TCP_NODELAY, with no SIGPIPE. */
static void aio__sock_setup(int fd) {
    int one = 1;
    aio__sock_private(fd);
    (void)setsockopt(AIO__SOCK(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
#ifdef SO_NOSIGPIPE
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

/* The wake-up of the system's wait: a pipe, p[0] waited on, p[1] written. */
static int aio__wake_pair_open(int p[2]) { return aio__pipe_private(p, O_NONBLOCK); }
static void aio__wake_pair_write(int fd) { /* (a full pair has a wake-up pending) */
    ssize_t n = write(fd, "", 1);
    (void)n;
}
static void aio__wake_pair_drain(int fd) {
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}
static void aio__net_need(void) {} /* (POSIX's sockets need no start) */

/* ---- the system's wait: the readiness wait picked (>>wait-epoll on
 * Linux, else >>wait-poll, whose call is poll()) */
#ifdef AIO__WAIT_POLL
static int aio__sys_poll(struct pollfd *fds, uint32_t n, int ms) { return poll(fds, (nfds_t)n, ms); }
/* Whether fd can be waited on: AIO_OK or AIO_EBADF (poll() would report a
 * regular file ready at once). */
static aio_status aio__net_can_watch(int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not open");
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
        return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "cannot be waited on (a regular file or a directory)");
    return AIO_OK;
}
#endif
static aio__sysio *aio__sys_wait_open(aio_loop *L) {
    (void)L;
    return aio__readiness_open(); /* (POSIX needs nothing first) */
}
static void aio__sys_wait_close(aio__sysio *s) { aio__readiness_close(s); }

/* ---- signals: sigaction; the handler notes the signal and writes the
 * wake pair of the loop the signals go to (async-signal-safe) */
#ifdef AIO__SIGNALS
typedef volatile sig_atomic_t aio__sig_flag;
#define AIO__SIG_SET(flag) ((void)((flag) = 1))
#define AIO__SIG_TAKE(flag) ((flag) ? ((flag) = 0, 1) : 0)
#define AIO__SIG_CLEAR(flag) ((void)((flag) = 0))
static volatile sig_atomic_t aio__sig_fd = -1; /* that loop's waker: a descriptor its wait reads */

#ifdef AIO__POSIX_PROCESSES
static void aio__children_told(void);
static void aio__children_check(aio_loop *L);
static int aio__sigchld_needed(void);
#endif

static const char *aio__sys_signal_check(int signo, int cancel) {
    if (signo <= 0 || signo >= AIO__NSIG || signo == SIGKILL || signo == SIGSTOP)
        return cancel ? "aio_signal_cancel: not a signal that can be caught"
                      : "aio_signal_event: not a signal that can be caught";
    return NULL;
}
static int aio__sys_signal_catch(int signo) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = aio__sig_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    return sigaction(signo, &sa, NULL) == 0; /* (0: one the C library keeps for itself: Linux's 32 and 33) */
}
static void aio__sys_signal_default(int signo) {
    struct sigaction sa;
#ifdef AIO__POSIX_PROCESSES
    if (signo == SIGCHLD && aio__sigchld_needed()) return; /* (loops' children still need it) */
#endif
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(signo, &sa, NULL);
}
static void aio__sys_signal_target(aio__waker k) { aio__sig_fd = (int)k; }
static void aio__sys_signal_wake(void) {
    if (aio__sig_fd >= 0) aio__readiness_wake(aio__sig_fd); /* LCOV_EXCL_BR_LINE: (unset only with the default action back) */
}
static void aio__sys_signal_caught(int signo) {
#ifdef AIO__POSIX_PROCESSES
    if (signo == SIGCHLD) aio__children_told(); /* (the loops with children, beside the event) */
#else
    (void)signo;
#endif
}
#endif /* AIO__SIGNALS */
/* At each wait, before the signals are delivered: the children SIGCHLD
 * told of. */
#ifdef AIO__POSIX_PROCESSES
#define aio__sys_signals_look(L) aio__children_check(L)
#else
#define aio__sys_signals_look(L) ((void)(L))
#endif

/* ---- threads and locks: POSIX threads */
#ifdef AIO__THREADS
typedef pthread_t aio__thread;
typedef pthread_mutex_t aio__mutex;
typedef pthread_cond_t aio__cond;
#define aio__lock(m) (void)pthread_mutex_lock(m)
#define aio__unlock(m) (void)pthread_mutex_unlock(m)
#define aio__wait_for_work(c, m) (void)pthread_cond_wait((c), (m))
#define aio__signal_work(c) (void)pthread_cond_signal(c)
#define aio__broadcast_work(c) (void)pthread_cond_broadcast(c)
#define aio__mutex_init(m) (void)pthread_mutex_init((m), NULL)
#define aio__mutex_done(m) (void)pthread_mutex_destroy(m)
#define aio__cond_init(c) (void)pthread_cond_init((c), NULL)
#define aio__cond_done(c) (void)pthread_cond_destroy(c)
#define aio__thread_detach(th) (void)pthread_detach(th)
#define aio__thread_join(th) (void)pthread_join((th), NULL)
#define AIO__THREAD_MAIN(name, arg) void *name(void *arg) /* NOLINT(bugprone-macro-parentheses): a function's head */
typedef struct timespec aio__wall; /* a time to wait until: the wall clock's */
/* The time d (ticks) from now (3 years at most: never beyond a time_t). */
static void aio__wall_after(aio__wall *w, aio_time d) {
    uint64_t secs = (uint64_t)d / AIO_TICKS_PER_SEC;
    (void)clock_gettime(CLOCK_REALTIME, w);
    w->tv_nsec += (long)((uint64_t)d % AIO_TICKS_PER_SEC * 1000000000u / AIO_TICKS_PER_SEC);
    w->tv_sec += (time_t)(secs < 100000000u ? secs : 100000000u) + w->tv_nsec / 1000000000L; /* LCOV_EXCL_BR_LINE */
    w->tv_nsec %= 1000000000L;
}
/* Wait on c (under m) until it is signalled or *w: 0 once *w has passed. */
static int aio__wait_until(aio__cond *c, aio__mutex *m, const aio__wall *w) {
    return pthread_cond_timedwait(c, m, w) != ETIMEDOUT;
}
static AIO__THREAD_MAIN(aio__worker, arg);
/* A thread that runs aio__worker(arg), taking no signals (they go to the
 * loop's thread): 0, or not if the system refused. */
static int aio__thread_new(aio__thread *th, void *arg) {
    sigset_t all;
    sigset_t old;
    int rc;
    (void)sigfillset(&all);
    (void)pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(th, NULL, aio__worker, arg);
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
#endif /* AIO__THREADS */

/* ---- Unix domain sockets */
/* A Unix domain socket's address from `path` ('@': Linux's abstract
 * namespace): its length, or 0 if the path is NULL, empty or too long, or
 * an abstract name where there are none (macOS, the BSDs, AIO_NO_LINUX: a
 * file named '@...' instead would surprise). A file's path needs its NUL
 * in sun_path; an abstract name has none after it, so it may fill sun_path
 * ('@' standing for its leading NUL). */
#ifdef AIO__LINUX
#define AIO__UNIX_TOO_LONG                                                                          \
    "the path is NULL, empty or longer than a Unix socket's address takes (a file's path: "        \
    "sizeof sun_path - 1 bytes, 107 on Linux; an abstract name: '@' and 107 bytes)"
#else
#define AIO__UNIX_TOO_LONG                                                                          \
    "the path is NULL, empty or longer than a Unix socket's address takes (a file's path: "        \
    "sizeof sun_path - 1 bytes), or an abstract name ('@': Linux's alone)"
#endif
static aio__socklen aio__unix_address(const char *path, struct sockaddr_un *sa) {
    size_t n = path ? strlen(path) : 0;
    size_t room = sizeof sa->sun_path - 1; /* (and its NUL) */
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
#ifdef AIO__LINUX
    if (n && path[0] == '@') room++;
#else
    if (n && path[0] == '@') n = 0; /* (refused: see above) */
#endif
    if (!n || n > room) return 0;
    memcpy(sa->sun_path, path, n);
#ifdef AIO__LINUX
    if (path[0] == '@') {
        sa->sun_path[0] = '\0'; /* (the name is its bytes, no NUL after) */
        return (aio__socklen)(offsetof(struct sockaddr_un, sun_path) + n);
    }
#endif
    return (aio__socklen)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

/* Whether the socket file of address sa may be live: only a connect
 * refused proves it stale (an earlier listener's, gone); one made, or one
 * that would wait (the listener's queue is full), or that fails another
 * way (no permission), leaves it as it is. */
static int aio__unix_answers(const struct sockaddr_un *sa, aio__socklen len) {
    int fd = aio__socket_private(AF_UNIX, SOCK_STREAM);
    int answers;
    if (fd < 0) return 1; /* LCOV_EXCL_LINE: out of descriptors (then the file stays: the bind says why) */
    aio__nonblocking(fd);
    answers = connect(fd, (const struct sockaddr *)sa, len) == 0 || errno != ECONNREFUSED;
    (void)close(fd);
    return answers;
}
/* A mode that is a socket's file (S_ISSOCK is X/Open's: a strict POSIX
 * build may lack it; then a stale socket file stays, and the bind says
 * EADDRINUSE). */
#if defined(S_ISSOCK)
#define AIO__IS_SOCKET_FILE(mode) S_ISSOCK(mode)
#elif defined(S_IFSOCK)
#define AIO__IS_SOCKET_FILE(mode) (((mode) & S_IFMT) == S_IFSOCK)
#else
#define AIO__IS_SOCKET_FILE(mode) 0
#endif

static aio_status aio__sys_unix_listen(const char *path, int backlog, int simulated) {
    struct sockaddr_un sa;
    struct stat st;
    aio__socklen sl = aio__unix_address(path, &sa);
    int fd;
    if (simulated)
        return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets are not simulated (a simulated "
                                       "network has TCP and UDP)");
    if (!sl) return aio__misuse(AIO_EINVAL, "aio_unix_listen: " AIO__UNIX_TOO_LONG);
    if (backlog < 0) return aio__misuse(AIO_EINVAL, "aio_unix_listen: the backlog is negative");
    /* (asyncio's rule: a socket file an earlier listener left is removed;
     * one a listener answers at is not taken over, as libuv refuses) */
    if (sa.sun_path[0] && stat(sa.sun_path, &st) == 0 && AIO__IS_SOCKET_FILE(st.st_mode)) {
        if (aio__unix_answers(&sa, sl)) {
            (void)aio__misuse(AIO_EIO, "aio_unix_listen: a listener answers at the path (a connect to its "
                                       "socket file was not refused): not taken over (errno EADDRINUSE)");
            errno = EADDRINUSE;
            return AIO_EIO;
        }
        (void)unlink(sa.sun_path);
    }
    fd = aio__socket_private(AF_UNIX, SOCK_STREAM);
    if (fd < 0) return AIO_EIO; /* (out of descriptors or memory) */
    /* (a listen that fails once bound: not seen) */
    if (bind(fd, (struct sockaddr *)&sa, sl) != 0 || listen(fd, backlog ? backlog : SOMAXCONN) != 0) { /* LCOV_EXCL_BR_LINE */
        int err = errno;
        (void)close(fd);
        errno = err;
        return AIO_EIO;
    }
    aio_io_forget(fd);
    aio__nonblocking(fd);
    return fd;
}

/* A Unix listener's socket file (the server's rule: >>server): `listener`
 * >= 0, a listener bound to a path: its file noted in *note (the path, the
 * device and the inode, as they are now); < 0: the file noted removed if the
 * path still names that one, and the note freed. Abstract names (Linux) and
 * other sockets have no file: nothing noted. */
typedef struct aio__unix_file {
    dev_t dev;
    ino_t ino;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
} aio__unix_file;
static void aio__sys_unix_file(void **note, int listener) {
    aio__unix_file *f = (aio__unix_file *)*note;
    struct sockaddr_un sa;
    struct stat st;
    socklen_t len = (socklen_t)sizeof sa;
    if (listener < 0) { /* (the same file: its device and its inode both) */
        if (f && stat(f->path, &st) == 0 && (st.st_dev == f->dev) + (st.st_ino == f->ino) == 2) (void)unlink(f->path);
        AIO_FREE(f);
        *note = NULL;
        return;
    }
    if (f) return; /* LCOV_EXCL_BR_LINE: (none at a start: the last close freed it) */
    memset(&sa, 0, sizeof sa);
    (void)getsockname(listener, (struct sockaddr *)&sa, &len); /* (failing, it leaves no path) */
    if (sa.sun_family != AF_UNIX || sa.sun_path[0] == '\0') return; /* (no path: TCP, unnamed, abstract) */
    f = (aio__unix_file *)AIO_MALLOC(sizeof *f);
    if (!f) return; /* LCOV_EXCL_LINE: out of memory: the file stays, as before */
    memset(f, 0, sizeof *f);
    memcpy(f->path, sa.sun_path, sizeof sa.sun_path);
    if (stat(f->path, &st) != 0 || !AIO__IS_SOCKET_FILE(st.st_mode)) { /* LCOV_EXCL_BR_LINE: (gone at once) */
        AIO_FREE(f); /* LCOV_EXCL_LINE */
        return;      /* LCOV_EXCL_LINE */
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    *note = f;
}

/* AIO_UNIX_CONNECT: a connect on a non-blocking Unix socket is made at once
 * or refused at once, except when the listener's queue is full (EAGAIN):
 * then the socket is not connecting, a wait for it to be writable ends at
 * once, and the only way is to ask again later. The state (the heap's while
 * the task waits: await.unix_connecting) keeps the address and the backoff. */
typedef struct aio__unix_connecting {
    aio_time until; /* the connect's own deadline */
    aio_time retry; /* the wait before the next try */
    int fd;
    aio__socklen len;
    struct sockaddr_un sa;
} aio__unix_connecting;

static aio_status aio__unix_connect_end(aio_task *t, aio_status rc) {
    aio__unix_connecting *c = t->await.unix_connecting;
    if (rc < 0) (void)aio_close(c->fd);
    else rc = c->fd;
    AIO_FREE(c);
    t->await.unix_connecting = NULL;
    return rc;
}

/* Try to connect: the descriptor, a status, or parked until the next try. */
static aio_status aio__unix_connect_try(aio_task *t, aio_frame *f) {
    aio__unix_connecting *c = t->await.unix_connecting;
    aio_time now;
    aio_status rc;
    for (;;) {
        /* (EISCONN: a system that reports a connect completed later so) */
        if (connect(c->fd, (struct sockaddr *)&c->sa, c->len) == 0 || errno == EISCONN) /* LCOV_EXCL_BR_LINE */
            return aio__unix_connect_end(t, AIO_OK);
        if (errno != EINTR) break; /* LCOV_EXCL_BR_LINE: (a signal in the call) */
    }
    if (errno == ENOENT) return aio__unix_connect_end(t, AIO_ENOTFOUND);
    if (errno != EAGAIN && errno != EINPROGRESS && errno != EALREADY) /* LCOV_EXCL_BR_LINE */
        return aio__unix_connect_end(t, aio__net_error(errno, "AIO_UNIX_CONNECT", c->fd));
    now = aio__now(t->loop);
    if (c->until != AIO_NEVER && !aio__before(now, c->until)) return aio__unix_connect_end(t, AIO_ETIMEDOUT);
    aio__set_until(t, c->until != AIO_NEVER && aio__before(c->until, now + c->retry) ? c->until : now + c->retry);
    if (c->retry < AIO_MS(64)) c->retry *= 2;
    AIO__WAITS_ON(t->loop, AIO_ON_SLEEP, NULL, 0);
    rc = aio__park(t, 1, 1);
    /* (a park fails only with no timer slot left: see the sleeps' tests) */
    return rc == AIO__SUSPENDED ? rc : aio__unix_connect_end(t, aio__raise(t, f, rc));
}

static aio_status aio__sys_unix_connect(aio_task *t, aio_frame *f, const char *path, aio_time until,
                                        int simulated) {
    aio__unix_connecting *c;
    if (simulated)
        return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets are not simulated (a simulated "
                                       "network has TCP and UDP)");
    c = (aio__unix_connecting *)AIO_MALLOC(sizeof *c);
    if (!c) return AIO_EIO; /* (out of memory) */
    memset(c, 0, sizeof *c);
    c->len = aio__unix_address(path, &c->sa);
    if (!c->len) {
        AIO_FREE(c);
        return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: " AIO__UNIX_TOO_LONG);
    }
    c->fd = aio__socket_private(AF_UNIX, SOCK_STREAM);
    if (c->fd < 0) { /* out of descriptors */
        AIO_FREE(c);
        return AIO_EIO;
    }
    aio_io_forget(c->fd);
    aio__nonblocking(c->fd);
    c->until = until;
    c->retry = AIO_MS(1);
    t->await.unix_connecting = c;
    return aio__unix_connect_try(t, f);
}
static aio_status aio__sys_unix_connect_poll(aio_task *t, aio_frame *f) {
    if (aio__checkpoint(t) < 0) return aio__unix_connect_end(t, aio__raise(t, f, AIO_ECANCELED));
    return aio__unix_connect_try(t, f);
}

/* ---- the simulation's pairs: a simulated socket's number is one end of
 * a socketpair, whose far end the simulation writes and reads; the far ends
 * go up, out of the way of the program's descriptors (what each function
 * gives: see "the system's interface"). */
#ifdef AIO__SIM
/* Where the far ends go: half the descriptors the process may have, at
 * most 1,024. */
static int aio__sys_pair_floor(void) {
    struct rlimit r;
    int known = getrlimit(RLIMIT_NOFILE, &r) == 0;
    if (!known || r.rlim_cur == RLIM_INFINITY || r.rlim_cur > 2048) return 1024; /* LCOV_EXCL_BR_LINE: (finite, read) */
    return (int)(r.rlim_cur / 2);
}
/* NOLINTNEXTLINE(readability-non-const-parameter): the listener is Windows' pairs' (made at the first) */
static int aio__sys_pair_new(int *listener, int far_floor, int n[2], uint64_t id[2]) {
    struct stat st;
    int up;
    (void)listener; /* (the Windows backend's: the pairs' listener) */
#ifdef AIO__SOCK_FLAGS
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, n) != 0) return -1;
#else
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, n) != 0) return -1;
    aio__sock_private(n[0]);
    aio__sock_private(n[1]);
#endif
#ifdef F_DUPFD_CLOEXEC
    up = fcntl(n[1], F_DUPFD_CLOEXEC, far_floor);
#else
    up = fcntl(n[1], F_DUPFD, far_floor);
    if (up >= 0) (void)fcntl(up, F_SETFD, FD_CLOEXEC);
#endif
    if (up >= 0) { /* (one short of descriptors there: the first number kept) */
        (void)close(n[1]);
        n[1] = up;
    }
    (void)fstat(n[0], &st);
    id[0] = (uint64_t)st.st_dev;
    id[1] = (uint64_t)st.st_ino;
    return 0;
}
static int aio__sys_pair_same(const uint64_t id[2], int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 && (uint64_t)st.st_dev == id[0] && (uint64_t)st.st_ino == id[1];
}
static void aio__sys_pairs_start(void) {}
static void aio__sys_pairs_end(int listener) { (void)listener; }
#ifdef AIO__PROCESSES
/* What signal signo does to a simulated child: any number up to 64 is
 * delivered (SIGKILL ends it at once). */
static int aio__sys_signal_effect(int signo) {
    if (signo <= 0 || signo > 64) return AIO__SIGNAL_NONE;
    return signo == AIO__SIGKILL ? AIO__SIGNAL_ENDS : AIO__SIGNAL_DELIVERED;
}
#endif
#endif /* AIO__SIM */

/* ---- the table's sockets (the rest: "what POSIX and Windows share") */
#ifdef ECONNABORTED
#define AIO__ECONNABORTED ECONNABORTED
#else
#define AIO__ECONNABORTED (-1)
#endif
#ifdef MSG_DONTWAIT
#define AIO__DONTWAIT(fd) MSG_DONTWAIT
#else /* (a system without it has the descriptor made non-blocking instead) */
#define AIO__DONTWAIT(fd) (aio__nonblocking(fd), 0)
#endif
/* A send that raises no SIGPIPE: by its flag, by the socket's option, or
 * (neither, as with AIO_NO_LINUX) with SIGPIPE held back, as a pipe's write. */
static long aio__quietly(int fd, const void *buf, size_t len, int flags);
#if defined(AIO__MSG_NOSIGNAL)
#define AIO__NOSIGNAL AIO__MSG_NOSIGNAL
#define AIO__SEND(fd, buf, len, flags) (long)send(fd, buf, len, (flags) | AIO__NOSIGNAL)
#elif defined(SO_NOSIGPIPE)
#define AIO__NOSIGNAL 0 /* (SO_NOSIGPIPE instead) */
#define AIO__SEND(fd, buf, len, flags) (long)send(fd, buf, len, flags)
#else
#define AIO__NOSIGNAL 0
#define AIO__SEND(fd, buf, len, flags) aio__quietly(fd, buf, len, flags)
#endif
static int aio__accept_private(int fd) {
#if defined(AIO__SYSCALL) && defined(SYS_accept4) && defined(SOCK_CLOEXEC)
    int c = (int)syscall(SYS_accept4, fd, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0 || errno != ENOSYS) return c; /* LCOV_EXCL_BR_LINE: (ENOSYS: a kernel before 2.6.28) */
#endif
    return aio__cloexec(accept(fd, NULL, NULL)); /* (without syscall(), or Linux: see above) */
}
/* A receive or a send; a descriptor that is not a socket (a pipe, a
 * FIFO, a terminal, a child's standard streams) is read or written instead,
 * with SIGPIPE held back (a write to a pipe whose reader is gone is then
 * AIO_ECONNRESET, as a send is, rather than the end of the process, as in
 * Python). Such a descriptor has no per-call flag like MSG_DONTWAIT,
 * and its mode belongs to every process that shares it (the next program
 * of a pipeline, a child, the shell that gave it as standard input): made
 * non-blocking, even only for the length of one call, it makes another
 * process's plain read() fail with EAGAIN. So one that is blocking is left
 * so: it is read only when poll() says it is readable (a read of a readable
 * pipe does not block), and written only while poll() says it takes more,
 * PIPE_BUF bytes at a time (a pipe said writable has room for that many:
 * Linux, the BSDs and macOS). The one way left to block is another reader
 * taking the bytes between the poll and the read: then the read waits for
 * more, and two readers of one byte stream each get an arbitrary part of
 * it anyway. One that is non-blocking (the library's ends of a child's
 * pipes) is read and written at once. */
/* The call (a write, or a send with `flags` when `flags` >= 0) with SIGPIPE
 * blocked in this thread; a SIGPIPE it raised (its result EPIPE) is taken
 * back before the thread's mask is restored. No action of the program's
 * for SIGPIPE is read or changed (another thread may set one at any time:
 * nothing here races with it), and the program's own writes get what it
 * set. One already pending when the call began stays pending. */
static long aio__quietly(int fd, const void *buf, size_t len, int flags) {
#ifdef SA_RESTART /* (the signal calls are declared: POSIX.1's declarations) */
    sigset_t pipe_only;
    sigset_t old;
    sigset_t pending;
    int was_pending;
    long n;
    (void)sigemptyset(&pipe_only);
    (void)sigaddset(&pipe_only, SIGPIPE);
    (void)AIO__THREAD_SIGMASK(SIG_BLOCK, &pipe_only, &old);
    (void)sigpending(&pending);
    was_pending = sigismember(&pending, SIGPIPE) == 1;
    /* (a send here only where no flag or option keeps SIGPIPE away: AIO_NO_LINUX) */
    n = flags >= 0 ? (long)send(fd, buf, len, flags) : (long)write(fd, buf, len); /* LCOV_EXCL_BR_LINE */
    /* (one pending before the call: another's, left so) */
    if (n < 0 && errno == EPIPE && !was_pending) { /* LCOV_EXCL_BR_LINE */
        int err = errno;
        int sig;
        (void)sigpending(&pending);
        /* (raised by the write that failed with EPIPE: pending, so that
         * sigwait returns at once) */
        if (sigismember(&pending, SIGPIPE) == 1) (void)sigwait(&pipe_only, &sig); /* LCOV_EXCL_BR_LINE */
        errno = err;
    }
    (void)AIO__THREAD_SIGMASK(SIG_SETMASK, &old, NULL);
    return n;
#else
    return flags >= 0 ? (long)send(fd, buf, len, flags) : (long)write(fd, buf, len);
#endif
}
#ifdef PIPE_BUF
#define AIO__PIPE_BUF PIPE_BUF
#else
#define AIO__PIPE_BUF 512 /* (POSIX's least) */
#endif
/* Whether fd is in blocking mode (not when fcntl fails: the call says why). */
static int aio__fd_blocking(int fd) {
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && !(flags & O_NONBLOCK);
}
/* Whether fd is ready for `events` now: 1, or 0 with errno EAGAIN. */
static int aio__fd_ready(int fd, short events) {
    aio__pollfd one;
    int n;
    one.fd = fd;
    one.events = events;
    one.revents = 0;
    do n = aio__poll(&one, 1, 0); while (n < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR: a signal) */
    if (n != 0) return 1; /* (ready, or an error that the call then reports) */
    errno = EAGAIN;
    return 0;
}
static long aio__net_read(long n, int fd, void *buf, size_t len) {
    if (n >= 0 || errno != ENOTSOCK) return n;
    if (aio__fd_blocking(fd) && !aio__fd_ready(fd, POLLIN)) return -1;
    return (long)read(fd, buf, aio__net_chunk(len));
}
static long aio__net_write(long n, int fd, const void *buf, size_t len) {
    size_t want = aio__net_chunk(len);
    size_t done = 0;
    if (n >= 0 || errno != ENOTSOCK) return n;
    if (!aio__fd_blocking(fd)) return aio__quietly(fd, buf, want, -1);
    while (done < want && aio__fd_ready(fd, POLLOUT)) {
        size_t part = want - done < AIO__PIPE_BUF ? want - done : AIO__PIPE_BUF;
        long k = aio__quietly(fd, (const char *)buf + done, part, -1);
        if (k < 0) break; /* (what was written is said first, the error next time) */
        done += (size_t)k;
    }
    return done ? (long)done : -1;
}
/* A datagram's receive and its result are a stream's (see "what POSIX and
 * Windows share"); the rest of what the shared slots ask of this backend. */
#define aio__net_dgram_cut(n, len) (n)
#define aio__net_dgram_result(n, what, fd) aio__net_result((n), (what), (fd))
#define AIO__ENOBUFS ENOBUFS
#define AIO__SHUT_BOTH SHUT_RDWR
/* The option a socket the library binds takes: a listener's SO_REUSEADDR
 * (its port taken again at once while the connections of the last one
 * linger, as every server on POSIX does); a datagram socket none. */
static void aio__net_claim(int fd, int listening) {
    int one = 1;
    if (listening) (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
#ifdef AIO__REUSE_PORT
    if (listening == AIO__CLAIM_SHARED) (void)setsockopt(fd, SOL_SOCKET, AIO__REUSE_PORT, &one, sizeof one);
#endif
}

#ifdef AIO__PROCESSES
#ifdef AIO__POSIX_PROCESSES
extern char **environ; /* NOLINT(readability-redundant-declaration): <unistd.h> has it with _GNU_SOURCE only */
static int aio__pidfd_open(int pid) {
#ifdef AIO__PIDFD
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0); /* (close-on-exec) */
#else
    return (int)syscall(434, pid, 0); /* (the same number on every architecture) */
#endif
#else
    (void)pid;
    return -1;
#endif
}

/* What the child does between fork and exec (async-signal-safe calls only). */
typedef struct aio__spawn {
    const char *const *argv;
    char *const *args; /* argv, as execve takes it */
    char *const *env;
    const char *path;  /* the PATH searched, or NULL: argv[0] as it is */
    char *scratch;     /* room for the longest candidate */
    const char *cwd;
    int stdio[3];      /* what becomes its 0, 1, 2: -1 this process's, -2 (2 only) what 1 is */
    int report;        /* the failure's pipe (above 2: the dup2s leave it) */
    int fd_limit;      /* descriptors are below this number (aio__fd_limit) */
    int group;         /* a process group of its own */
} aio__spawn;

/* LCOV_EXCL_START: runs in the child (its failures are reported and tested) */
static void aio__spawn_fail(int report, int stage, int err) {
    int msg[2];
    ssize_t n;
    msg[0] = stage;
    msg[1] = err;
    n = write(report, msg, sizeof msg);
    (void)n;
    _exit(127);
}

/* Close every descriptor above 2 but `keep`, as asyncio's children have
 * them (close_fds): the program's own sockets, pipes and files, which
 * exec would keep where they are not close-on-exec, so that one the
 * program closes is not held open by the child. Decided here, in the
 * child, after the fork: a descriptor another thread made just before it,
 * at whatever number, is closed too. close_range where Linux has it (5.9);
 * else every number below `limit` (aio__fd_limit), found open or not by
 * poll(), 256 numbers a call (async-signal-safe; a number not open gives
 * POLLNVAL), and each open one closed: a few hundred calls where the limit
 * is a million, not a million closes. macOS reports some open devices as
 * POLLNVAL too, so there each number is closed (its limit is small unless
 * raised). */
static void aio__close_others(int keep, int limit) {
    int fd;
#if defined(AIO__SYSCALL) && defined(SYS_close_range) && !defined(AIO_NO_CLOSE_RANGE)
    if ((keep == 3 || syscall(SYS_close_range, 3u, (unsigned)keep - 1u, 0u) == 0) &&
        syscall(SYS_close_range, (unsigned)keep + 1u, ~0u, 0u) == 0)
        return;
#endif
#ifdef __APPLE__
    for (fd = 3; fd < limit; fd++)
        if (fd != keep) (void)close(fd);
#else
    {
        struct pollfd p[256];
        unsigned n;
        unsigned i;
        for (fd = 3; fd < limit; fd += (int)n) {
            n = (unsigned)(limit - fd) < 256u ? (unsigned)(limit - fd) : 256u; /* (1 to 256) */
            for (i = 0; i < n; i++) {
                p[i].fd = fd + (int)i;
                p[i].events = 0;
                p[i].revents = 0;
            }
            if (poll(p, (nfds_t)n, 0) < 0) /* (no memory in the kernel: each one) */
                for (i = 0; i < n; i++) p[i].revents = 0;
            for (i = 0; i < n; i++)
                if (!(p[i].revents & POLLNVAL) && fd + (int)i != keep) (void)close(fd + (int)i);
        }
    }
#endif
}

static void aio__spawn_child(const aio__spawn *sp) {
    struct sigaction dfl;
    sigset_t none;
    int err = ENOENT;
    int i;
    memset(&dfl, 0, sizeof dfl); /* (SIGPIPE at its default, as asyncio's restore_signals) */
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    (void)sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    if (sp->group && setpgid(0, 0) != 0) aio__spawn_fail(sp->report, 0, errno);
    for (i = 0; i < 3; i++) { /* (the parent put each above 2: no overlap) */
        int fd = sp->stdio[i] == -2 ? 1 : sp->stdio[i];
        if (fd >= 0 && dup2(fd, i) < 0) aio__spawn_fail(sp->report, 0, errno);
    }
    aio__close_others(sp->report, sp->fd_limit);
    if (sp->cwd && chdir(sp->cwd) != 0) aio__spawn_fail(sp->report, 1, errno);
    if (!sp->path) {
        (void)execve(sp->argv[0], sp->args, sp->env);
        err = errno;
    } else { /* each directory of PATH in turn, as execvp does (empty: the current one) */
        const char *dir = sp->path;
        size_t name = strlen(sp->argv[0]) + 1;
        for (;;) {
            const char *end = dir;
            char *c = sp->scratch;
            while (*end && *end != ':') end++;
            if (end > dir) {
                memcpy(c, dir, (size_t)(end - dir));
                c += end - dir;
                *c++ = '/';
            }
            memcpy(c, sp->argv[0], name);
            (void)execve(sp->scratch, sp->args, sp->env);
            if (errno == EACCES) {
                err = EACCES; /* (reported if no other directory has it) */
            } else if (errno != ENOENT && errno != ENOTDIR) {
                err = errno;
                break;
            }
            if (!*end) break;
            dir = end + 1;
        }
    }
    aio__spawn_fail(sp->report, 2, err);
}
/* LCOV_EXCL_STOP */

/* The number every descriptor is below, for the child's closing where it
 * has no close_range: the descriptor limit (RLIMIT_NOFILE's soft limit,
 * which no new descriptor reaches), read here, before the fork (the child
 * may only make async-signal-safe calls). Not the highest descriptor open
 * now: another thread may put one at a number of its own (dup2, F_DUPFD)
 * between this look and the fork, and the child must close that one too.
 * So the child looks at every number below the limit (aio__close_others).
 * Only a descriptor opened before the limit was lowered can be above it. */
static int aio__fd_limit(void) {
    long n = sysconf(_SC_OPEN_MAX);
    return n < 0 ? 1024 : n > INT_MAX ? INT_MAX : (int)n; /* LCOV_EXCL_BR_LINE: (no limit) */
}

/* fd moved above the standard three (the child's dup2s must not overlap). */
static int aio__above_stdio(int fd) {
    int moved;
    if (fd < 0 || fd > 2) return fd; /* (fd < 0: out of descriptors) */
    moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    (void)close(fd);
    return moved;
}

static void aio__close_fd(int *fd) {
    if (*fd >= 0) (void)close(*fd);
    *fd = -1;
}

/* The PATH a program name is searched in: the child's environment's, if it
 * gives one, else this process's, else the system's default. */
static const char *aio__exec_path(const char *const *env) {
    const char *path = NULL;
    if (env) {
        for (; *env; env++)
            if (strncmp(*env, "PATH=", 5) == 0) path = *env + 5;
    } else {
        path = getenv("PATH");
    }
    return path ? path : "/usr/local/bin:/usr/bin:/bin";
}

/* The child's wait status kept: it has been reaped. */
static void aio__proc_reaped(aio_process *p, int status) {
    p->returncode = WIFEXITED(status) ? WEXITSTATUS(status)
                                      : WIFSIGNALED(status) ? -WTERMSIG(status) : 255; /* LCOV_EXCL_BR_LINE */
    p->state = AIO__PROC_REAPED;
    if (p->pidfd >= 0) (void)aio_close(p->pidfd);
    p->pidfd = -1;
}

/* In p->group: it leads its process group; it ended and is not reaped. */
#define AIO__GROUP_LEADS 1
#define AIO__GROUP_KEPT 2

/* A group's leader that ended: its status read, the process itself left
 * unreaped (aio__sys_proc_kill_now reaps it), so that its pid, the group's
 * id, is no other process's or group's while the group may have members. */
static int aio__group_ended(aio_process *p) {
    siginfo_t info;
    int r;
    memset(&info, 0, sizeof info);
    do r = waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT); while (r < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR: a signal) */
    if (r == 0 && info.si_pid == 0) return 0;
    if (r < 0) { /* (reaped by someone else: its group's id is not its own any more) */
        aio__proc_reaped(p, 255 << 8);
        p->group = AIO__GROUP_LEADS;
        return 1;
    }
    aio__proc_reaped(p, info.si_code == CLD_EXITED ? (info.si_status & 255) << 8 : info.si_status & 127);
    p->group |= AIO__GROUP_KEPT;
    return 1;
}

/* Reap p if it ended: 1 once reaped, 0 while it runs. */
static int aio__sys_proc_reap(aio_process *p) {
    int status = 0;
    int r;
    if (p->state != AIO__PROC_RUNNING) return 1;
    if (p->group) return aio__group_ended(p);
    do r = (int)waitpid((pid_t)p->pid, &status, WNOHANG); while (r < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR: a signal) */
    if (r == 0) return 0;
    if (r < 0) status = 255 << 8; /* (reaped by someone else: a waitpid of the program's) */
    aio__proc_reaped(p, status);
    return 1;
}

/* Send signo to p (not reaped): by its pidfd where it has one, which a
 * process started since with the same pid cannot be; else by its pid,
 * which no other process can have until the loop reaps it. 0, or -1 (not
 * a signal number). */
static int aio__proc_signal(const aio_process *p, int signo) {
    if (p->group) return kill(-(pid_t)p->pid, signo) == 0 ? 0 : -1; /* (its group: see aio__group_ended) */
#ifdef AIO__PIDFD
#ifdef SYS_pidfd_send_signal
    long r = p->pidfd >= 0 ? syscall(SYS_pidfd_send_signal, p->pidfd, signo, NULL, 0u) : -1;
#else
    long r = p->pidfd >= 0 ? syscall(424, p->pidfd, signo, NULL, 0u) : -1; /* (the same number everywhere) */
#endif
    if (r == 0) return 0;
    if (p->pidfd >= 0 && errno != ENOSYS) return -1; /* LCOV_EXCL_BR_LINE: (ENOSYS: Linux 5.1-5.2, refused) */
#endif
    return kill((pid_t)p->pid, signo) == 0 ? 0 : -1;
}

/* Kill p and wait for its end (blocking: a killed process ends at once);
 * a group's leader kept unreaped: what is left of its group killed, then
 * the leader reaped. */
static void aio__sys_proc_kill_now(aio_process *p) {
    int status = 0;
    int r;
    if (p->group & AIO__GROUP_KEPT) {
        (void)kill(-(pid_t)p->pid, SIGKILL);
        while (waitpid((pid_t)p->pid, &status, 0) < 0 && errno == EINTR) { /* LCOV_EXCL_BR_LINE: (EINTR) */
        }
        p->group = AIO__GROUP_LEADS; /* (what was asked, for its next spawn) */
        return;
    }
    if (p->state != AIO__PROC_RUNNING) return;
    (void)aio__proc_signal(p, SIGKILL);
    do r = (int)waitpid((pid_t)p->pid, &status, 0); while (r < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR) */
    if (r < 0) status = 255 << 8; /* (reaped by someone else) */
    aio__proc_reaped(p, status);
}

static void aio__children_exited(aio_loop *L) {
    aio_process *p;
    if (!L->io || !AIO__SYSTEM_PORT(L)) return; /* LCOV_EXCL_LINE: (routed by this loop's I/O) */
    for (p = aio__sysio_of(L)->children; p; p = p->next) {
        aio_task *w = p->waiter;
        /* (which of these holds depends on when SIGCHLD comes) */
        if (p->pidfd >= 0 || !aio__sys_proc_reap(p) || !w || !(p->stopping & AIO__PROC_PARKED)) continue; /* LCOV_EXCL_BR_LINE */
        if (w->state == AIO__PARKED) { /* LCOV_EXCL_BR_LINE */
            w->flags |= AIO__T_SIGNALLED;
            AIO__CAUSE(L, NULL, AIO_BY_IO);
            aio__wake(w);
            AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
        }
    }
}

/* SIGCHLD, for the children of every loop in every thread. A signal goes
 * to the process, not to the loop that spawned the child, and a handler
 * cannot tell whose a pid is: so the handler writes a byte into a pipe of
 * the process's, which every loop with such children waits on beside its
 * own descriptors (its slot unmarked: a report of it wakes no task). After
 * each wait such a loop reads the pipe; one that found a byte counts one
 * SIGCHLD more and wakes the others through their own wake-ups (the pipe
 * is empty for them now), and each loop that sees the count move asks its
 * own children whether they ended (waitpid of each pid). The list of those
 * loops, the count and the pipe are guarded by AIO_CRITICAL_ENTER/EXIT, a
 * mutex where loops run in several threads; the pipe and the handler last
 * while a loop is on the list. */
static aio__sysio *aio__sigchld_loops;      /* the loops SIGCHLD tells */
static unsigned aio__sigchld_count;         /* the SIGCHLDs read from the pipe */
static int aio__sigchld_pipe[2] = {-1, -1};
static volatile sig_atomic_t aio__sigchld_fd = -1; /* its write end, for the handler */
static volatile sig_atomic_t aio__sigchld_busy;    /* handlers writing to it now */
/* (the handler runs in any thread: what it reads and counts is atomic) */
#if defined(__GNUC__) || defined(__clang__)
#define AIO__ATOMIC_GET(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define AIO__ATOMIC_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)
#define AIO__ATOMIC_ADD(x, v) ((void)__atomic_add_fetch(&(x), (v), __ATOMIC_SEQ_CST))
#else
#define AIO__ATOMIC_GET(x) (x)
#define AIO__ATOMIC_SET(x, v) ((void)((x) = (v)))
#define AIO__ATOMIC_ADD(x, v) ((void)((x) += (v)))
#endif

/* The handler's part (async-signal-safe): a byte into the pipe, if it is open. */
static void aio__children_told(void) {
    int fd;
    AIO__ATOMIC_ADD(aio__sigchld_busy, 1);
    fd = AIO__ATOMIC_GET(aio__sigchld_fd);
    if (fd >= 0) aio__wake_pair_write(fd); /* LCOV_EXCL_BR_LINE: (closed: a SIGCHLD as it closes) */
    AIO__ATOMIC_ADD(aio__sigchld_busy, -1);
}
static void aio__sigchld_handler(int signo) {
    int saved = errno;
    (void)signo;
    aio__children_told();
    errno = saved;
}

/* Whether loops' children need SIGCHLD now. */
static int aio__sigchld_needed(void) {
    int needed;
    AIO_CRITICAL_ENTER();
    needed = aio__sigchld_loops != NULL;
    AIO_CRITICAL_EXIT();
    return needed;
}

/* The program's SIGCHLD action, kept while the library's handler has its
 * place (SIG_DFL if the program had routed SIGCHLD itself: its routing
 * ends in the default, as any signal's). */
static struct sigaction aio__sigchld_kept;

/* Whether SIGCHLD action `sa` has the system reap children by itself
 * (SIG_IGN, SA_NOCLDWAIT): their exit statuses are then lost. */
static int aio__reaps_itself(const struct sigaction *sa) {
#ifdef SA_NOCLDWAIT
    if (sa->sa_flags & SA_NOCLDWAIT) return 1;
#endif
    return sa->sa_handler == SIG_IGN;
}

/* Whether a child needs SIGCHLD routed before it starts: with no pidfd, or
 * where the program's action has the system reap children (it would take
 * a child's exit status, even one told by a pidfd, before the loop asks;
 * the library's handler in its place keeps each child until the loop
 * reaps it). */
static int aio__sigchld_first(void) {
#ifdef AIO__PIDFD
    struct sigaction now;
    int first;
    AIO_CRITICAL_ENTER();
    if (aio__sigchld_loops)
        first = aio__reaps_itself(&aio__sigchld_kept);
    else
        first = sigaction(SIGCHLD, NULL, &now) == 0 && aio__reaps_itself(&now); /* LCOV_EXCL_BR_LINE: (it fails for no SIGCHLD) */
    AIO_CRITICAL_EXIT();
    return first;
#else
    return 1;
#endif
}

/* The pipe and the handler, for the first loop on the list (locked):
 * AIO_OK, or AIO_EIO (out of descriptors). */
static aio_status aio__sigchld_start(void) {
    struct sigaction sa;
    if (aio__wake_pair_open(aio__sigchld_pipe) != 0) return AIO_EIO;
    AIO__ATOMIC_SET(aio__sigchld_fd, aio__sigchld_pipe[1]);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (aio__sig_routed(SIGCHLD)) { /* (routed already: that handler tells the loops too) */
        sa.sa_handler = SIG_DFL;
        aio__sigchld_kept = sa;
        return AIO_OK;
    }
    sa.sa_handler = aio__sigchld_handler;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    (void)sigaction(SIGCHLD, &sa, &aio__sigchld_kept);
    return AIO_OK;
}

/* The last loop left the list (locked): SIGCHLD back to the program's
 * action (unless the program routes it now), the pipe closed. Where that
 * action has the system reap children, the program's own that ended
 * meanwhile (kept by the library's handler) are reaped now, as the system
 * would have. */
static void aio__sigchld_stop(void) {
    int status;
    if (!aio__sig_routed(SIGCHLD)) {
        (void)sigaction(SIGCHLD, &aio__sigchld_kept, NULL);
        if (aio__reaps_itself(&aio__sigchld_kept))
            while (waitpid(-1, &status, WNOHANG) > 0) {
            }
    }
    AIO__ATOMIC_SET(aio__sigchld_fd, -1);
    while (AIO__ATOMIC_GET(aio__sigchld_busy)) { /* LCOV_EXCL_BR_LINE: (a handler in another thread writes) */
    }
    aio__wake_pair_close(aio__sigchld_pipe);
    aio__sigchld_pipe[0] = aio__sigchld_pipe[1] = -1;
}

/* Loop s's wait watches the pipe (on), or no longer (locked). */
static aio_status aio__sigchld_watch(aio__sysio *s, int on) {
    int fd = aio__sigchld_pipe[0];
    aio_status rc;
    if ((uint32_t)fd >= s->io.nslots && (rc = aio__io_grow(&s->io, fd)) < 0) return rc; /* (out of memory) */
    return s->io.watch(&s->io, fd, on ? 0 : AIO_READABLE, on ? AIO_READABLE : 0);
}

/* SIGCHLD to loop L too (the program's action kept), for children without
 * a pidfd or whose exit the system would take: AIO_OK, or AIO_EIO (out of
 * descriptors or memory). */
static aio_status aio__sigchld_route(aio_loop *L) {
    aio__sysio *s = aio__sysio_of(L);
    aio_status rc = AIO_OK;
    if (s->sigchld) return AIO_OK;
    AIO_CRITICAL_ENTER();
    if (aio__sigchld_loops || (rc = aio__sigchld_start()) == AIO_OK) {
        rc = aio__sigchld_watch(s, 1);
        if (rc == AIO_OK) {
            s->sigchld = 1;
            s->sigchld_seen = aio__sigchld_count;
            s->sigchld_next = aio__sigchld_loops;
            aio__sigchld_loops = s;
        } else if (!aio__sigchld_loops) {
            aio__sigchld_stop();
        }
    }
    AIO_CRITICAL_EXIT();
    return rc;
}

/* After loop L's wait: a SIGCHLD's byte read here wakes the other loops
 * on the list; if one came since L last looked, L asks its children. */
static void aio__children_check(aio_loop *L) {
    aio__sysio *s = aio__sysio_of(L);
    aio__sysio *o;
    char byte;
    int news;
    if (!s->sigchld) return;
    AIO_CRITICAL_ENTER();
    if (read(aio__sigchld_pipe[0], &byte, 1) > 0) {
        aio__wake_pair_drain(aio__sigchld_pipe[0]);
        aio__sigchld_count++;
        for (o = aio__sigchld_loops; o; o = o->sigchld_next)
            if (o != s) aio__readiness_wake(aio__readiness_waker(o));
    }
    news = s->sigchld_seen != aio__sigchld_count;
    s->sigchld_seen = aio__sigchld_count;
    AIO_CRITICAL_EXIT();
    if (news) aio__children_exited(L);
}

/* POSIX: the loop leaves SIGCHLD's list once it has no children; the last
 * to leave puts the program's action back. */
static void aio__children_done(aio__sysio *s) {
    aio__sysio **at;
    if (!s->sigchld) return;
    AIO_CRITICAL_ENTER();
    (void)aio__sigchld_watch(s, 0);
    for (at = &aio__sigchld_loops; *at != s; at = &(*at)->sigchld_next) {
    }
    *at = s->sigchld_next;
    s->sigchld = 0;
    if (!aio__sigchld_loops) aio__sigchld_stop();
    AIO_CRITICAL_EXIT();
}

static int aio__sys_proc_send(aio_process *p, int signo) {
    return signo > 0 ? aio__proc_signal(p, signo) : -1;
}
#define AIO__BAD_SIGNAL "aio_process_signal: not a signal number"
static void aio__sys_proc_release(aio_process *p) {
    (void)p;
}

static aio_status aio__sys_pipe_read(int fd, void *buf, size_t len) {
    return aio__net_result((long)read(fd, buf, aio__net_chunk(len)), "AIO_COMMUNICATE", fd);
}
static aio_status aio__sys_pipe_write(int fd, const void *buf, size_t len) {
    return aio__net_result(aio__quietly(fd, buf, aio__net_chunk(len), -1), "AIO_COMMUNICATE", fd);
}

/* A stdio mode's descriptors: the child's end into *child, the parent's into
 * *mine (PIPE). `out`: the child writes it. AIO_OK or AIO_EIO. */
static aio_status aio__stdio_open(int mode, int out, int *child, int *mine) {
    int p[2];
    *child = *mine = -1;
    if (mode == AIO_STDIO_DEVNULL) {
        *child = aio__above_stdio(open("/dev/null", (out ? O_WRONLY : O_RDONLY) | O_CLOEXEC));
        return *child >= 0 ? AIO_OK : AIO_EIO; /* (AIO_EIO: out of descriptors) */
    }
    if (mode != AIO_STDIO_PIPE) return AIO_OK;
    if (aio__pipe_private(p, 0) != 0) return AIO_EIO; /* (out of descriptors) */
    *child = aio__above_stdio(out ? p[1] : p[0]);
    *mine = out ? p[0] : p[1];
    if (*child < 0) { /* (out of descriptors above the standard streams') */
        aio__close_fd(mine);
        return AIO_EIO;
    }
    aio__nonblocking(*mine);
    aio_io_forget(*mine); /* (a number used before: nothing of it is watched now) */
    return AIO_OK;
}

/* Whether child `pid` started its program: the exec closed the report pipe
 * (0 bytes: AIO_OK), or the child says why it failed (then it is reaped). */
static aio_status aio__spawn_report(long pid, int report) {
    int msg[2];
    int status;
    ssize_t n;
    do n = read(report, msg, sizeof msg); while (n < 0 && errno == EINTR); /* LCOV_EXCL_BR_LINE: (EINTR) */
    if (n != (ssize_t)sizeof msg) return AIO_OK;
    while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR) { /* LCOV_EXCL_BR_LINE: (EINTR) */
    }
    if (msg[0] == 1) {
        (void)aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the working directory cannot be entered");
        errno = msg[1];
        return AIO_ENOTFOUND;
    }
    errno = msg[1]; /* (EACCES, ENOEXEC, ...: the program cannot be run, errno says why) */
    return msg[1] == ENOENT || msg[1] == ENOTDIR ? AIO_ENOTFOUND : AIO_ENOEXEC;
}

/* POSIX: fork and exec. */
static aio_status aio__sys_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                  aio_loop *L) {
    aio__spawn sp;
    int mine[3] = {-1, -1, -1};
    int report[2] = {-1, -1};
    int i;
    long pid = -1;
    aio_status rc = AIO_OK;
    if (aio__sigchld_first() && (rc = aio__sigchld_route(L)) < 0) return rc;
    memset(&sp, 0, sizeof sp);
    sp.group = p->group != 0;
    sp.argv = argv;
    memcpy(&sp.args, &argv, sizeof sp.args); /* (execve's types: it writes to neither) */
    if (opts->env)
        memcpy(&sp.env, &opts->env, sizeof sp.env);
    else
        sp.env = environ;
    sp.cwd = opts->cwd;
    if (!strchr(argv[0], '/')) {
        sp.path = aio__exec_path(opts->env);
        sp.scratch = (char *)AIO_MALLOC(strlen(sp.path) + strlen(argv[0]) + 2);
        if (!sp.scratch) return AIO_EIO; /* (out of memory) */
    }
    sp.stdio[0] = sp.stdio[1] = sp.stdio[2] = -1;
    /* (a failure here: out of descriptors) */
    if (aio__stdio_open(opts->in, 0, &sp.stdio[0], &mine[0]) < 0 ||
        aio__stdio_open(opts->out, 1, &sp.stdio[1], &mine[1]) < 0 ||
        (opts->err == AIO_STDIO_STDOUT ? (sp.stdio[2] = -2, 0)
                                       : aio__stdio_open(opts->err, 1, &sp.stdio[2], &mine[2])) < 0 ||
        aio__pipe_private(report, 0) != 0 || (report[1] = aio__above_stdio(report[1])) < 0) {
        rc = AIO_EIO; /* (out of descriptors) */
    }
#if defined(AIO_DEBUG) && defined(AIO__LINUX) && !defined(AIO__SYSCALL)
    { /* (Linux, but syscall() not declared: the fallbacks, which work, but say why once) */
        static int told;
        if (!told) {
            told = 1;
            (void)aio__misuse(AIO_OK, "aio_process_spawn: Linux's own calls are out of this build (no pidfd, "
                                      "close_range, pipe2, accept4): a system header came before aio_timeout.h "
                                      "with _POSIX_C_SOURCE alone; define _DEFAULT_SOURCE (or _GNU_SOURCE) "
                                      "first, or include aio_timeout.h first");
        }
    }
#endif
    if (rc == AIO_OK) {
        sp.report = report[1];
        sp.fd_limit = aio__fd_limit();
        pid = (long)fork();
        if (pid == 0) aio__spawn_child(&sp); /* LCOV_EXCL_BR_LINE: (never returns: the child's branch) */
        if (pid < 0) rc = AIO_EIO; /* LCOV_EXCL_LINE: out of processes */
    }
    for (i = 0; i < 3; i++) if (sp.stdio[i] >= 0) (void)close(sp.stdio[i]);
    aio__close_fd(&report[1]);
    AIO_FREE(sp.scratch);
    if (rc == AIO_OK) rc = aio__spawn_report(pid, report[0]);
    aio__close_fd(&report[0]);
    if (rc < 0) {
        int err = errno;
        for (i = 0; i < 3; i++) aio__close_fd(&mine[i]);
        errno = err;
        return rc;
    }
    memset(p, 0, sizeof *p);
    p->pid = (int)pid;
    p->group = (uint8_t)(sp.group ? AIO__GROUP_LEADS : 0);
    p->in = (aio_socket)mine[0];
    p->out = (aio_socket)mine[1];
    p->err = (aio_socket)mine[2];
    p->state = AIO__PROC_RUNNING;
    p->pidfd = aio__pidfd_open(p->pid); /* (close-on-exec) */
    if (p->pidfd >= 0) {
        aio_io_forget(p->pidfd);
    } else if ((rc = aio__sigchld_route(L)) < 0) { /* LCOV_EXCL_START: pidfd refused, and out of descriptors */
        aio__sys_proc_kill_now(p); /* (nothing could reap it) */
        for (i = 0; i < 3; i++) aio__close_fd(&mine[i]);
        p->in = p->out = p->err = (aio_socket)-1;
        p->state = AIO__PROC_CLOSED;
        return rc;
    } /* LCOV_EXCL_STOP */
    return AIO_OK;
}
#endif /* AIO__POSIX_PROCESSES */

#endif /* AIO__PROCESSES */
#endif /* AIO__POSIX_IO */

// >>windows
/* ---------------------------------------------------------------- Windows */

/* The Windows backend: every name of "the system's interface", on
 * Winsock 2 and WSAPoll, console events, Win32 threads and CreateProcess. */
#ifdef AIO__WIN32_IO
/* ---- the vocabulary: Winsock's errors, sockets made private */
typedef int aio__socklen;
typedef WSAPOLLFD aio__pollfd;
#define AIO__SOCK(fd) ((SOCKET)(uintptr_t)(unsigned)(fd))
#define aio__poll(fds, n, ms) WSAPoll((fds), (ULONG)(n), (ms))
static int aio__net_last(void) { return WSAGetLastError(); }
static int aio__net_would_block(int err) { return err == WSAEWOULDBLOCK; }
static int aio__net_interrupted(int err) { return err == WSAEINTR; }
static int aio__net_in_progress(int err) { return err == WSAEWOULDBLOCK || err == WSAEINPROGRESS; }
static void aio__net_set_last(int err) { WSASetLastError(err); }
/* The last call failed for want of descriptors or buffers (it may work later). */
static int aio__net_exhausted(void) {
    int err = WSAGetLastError();
    return err == WSAEMFILE || err == WSAENOBUFS;
}
static void aio__nonblocking(int fd) {
    u_long one = 1;
    (void)ioctlsocket(AIO__SOCK(fd), (long)FIONBIO, &one);
}
/* A new SOCKET as the library's int, or -1 (none, or one beyond an int:
 * closed; not seen in practice). */
static int aio__net_own(SOCKET s) {
    if (s == INVALID_SOCKET) return -1;
    if (s > (SOCKET)INT_MAX) { /* LCOV_EXCL_START */
        (void)closesocket(s);
        WSASetLastError(WSAEMFILE);
        return -1;
    } /* LCOV_EXCL_STOP */
    return (int)s;
}
static int aio__net_closesocket(int fd) { return closesocket(AIO__SOCK(fd)) == 0 ? 0 : -1; }
#ifdef WSA_FLAG_NO_HANDLE_INHERIT
#define AIO__WSA_NO_INHERIT WSA_FLAG_NO_HANDLE_INHERIT
#else
#define AIO__WSA_NO_INHERIT 0x80 /* (Windows 7 SP1's; older SDKs lack its name) */
#endif
static int aio__socket_private(int family, int type) {
    SOCKET s = WSASocketW(family, type, 0, NULL, 0, WSA_FLAG_OVERLAPPED | AIO__WSA_NO_INHERIT);
    if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) { /* LCOV_EXCL_START: before Windows 7 SP1 */
        s = socket(family, type, 0);
        if (s != INVALID_SOCKET) (void)SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    } /* LCOV_EXCL_STOP */
    return aio__net_own(s);
}
/* The status of system error `err` on socket fd. */
static aio_status aio__net_error(int err, const char *what, int fd) {
    switch (err) {
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN: return AIO_ECONNRESET;
    case WSAECONNREFUSED: return AIO_ECONNREFUSED;
    case WSAENOTSOCK: return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket");
    case WSAEINVAL:
    case WSAEOPNOTSUPP: return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of that kind (listening? connected?)");
    default: WSASetLastError(err); return AIO_EIO;
    }
}
/* A socket made private: non-blocking, not inherited by child processes. */
static void aio__sock_private(int fd) {
    aio__nonblocking(fd);
    (void)SetHandleInformation((HANDLE)AIO__SOCK(fd), HANDLE_FLAG_INHERIT, 0);
}
/* The library's stream sockets: private, TCP_NODELAY (no SIGPIPE on Windows). */
static void aio__sock_setup(int fd) {
    int one = 1;
    aio__sock_private(fd);
    (void)setsockopt(AIO__SOCK(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
}

/* The wake-up of the system's wait: a connected pair of sockets (WSAPoll
 * waits for sockets only), p[0] waited on, p[1] written. */
/* The connection from `from` accepted on listener l: a socket, or -1. One
 * from anywhere else (another program may connect to the port first) is
 * closed and the next accepted, up to 16 of them (CPython's socketpair()
 * refuses it since CVE-2024-3219). The wake-up pair's and the simulation's
 * pairs (aio__sim_pair_new) are made so. */
static int aio__pair_accept(int l, const struct sockaddr_in *from) {
    int tries;
    for (tries = 0; tries < 16; tries++) {
        struct sockaddr_in peer;
        int sl = sizeof peer;
        int s = aio__net_own(accept(AIO__SOCK(l), (struct sockaddr *)&peer, &sl));
        if (s < 0) return -1; /* LCOV_EXCL_LINE: out of sockets */
        if (sl == (int)sizeof peer && peer.sin_family == AF_INET && peer.sin_port == from->sin_port &&
            peer.sin_addr.s_addr == from->sin_addr.s_addr)
            return s;
        (void)closesocket(AIO__SOCK(s)); /* LCOV_EXCL_LINE: not the connection made */
    }
    return -1; /* LCOV_EXCL_LINE */
}
static int aio__wake_pair_open(int p[2]) {
    /* a loopback connection made to a listener of its own, then closed */
    struct sockaddr_in a;
    struct sockaddr_in mine;
    int sl = sizeof a;
    int ml = sizeof mine;
    int l = aio__socket_private(AF_INET, SOCK_STREAM);
    int c = -1;
    int s = -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l >= 0 && bind(AIO__SOCK(l), (struct sockaddr *)&a, sizeof a) == 0 && listen(AIO__SOCK(l), 1) == 0 &&
        getsockname(AIO__SOCK(l), (struct sockaddr *)&a, &sl) == 0 &&
        (c = aio__socket_private(AF_INET, SOCK_STREAM)) >= 0 &&
        connect(AIO__SOCK(c), (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(AIO__SOCK(c), (struct sockaddr *)&mine, &ml) == 0)
        s = aio__pair_accept(l, &mine);
    if (l >= 0) (void)aio__net_closesocket(l);
    p[0] = s;
    p[1] = c;
    if (p[0] < 0 || p[1] < 0) { /* LCOV_EXCL_START: out of sockets */
        if (p[0] >= 0) (void)aio__net_closesocket(s);
        if (p[1] >= 0) (void)aio__net_closesocket(c);
        return -1;
    } /* LCOV_EXCL_STOP */
    aio__sock_setup(p[0]);
    aio__sock_setup(p[1]);
    return 0;
}
static void aio__wake_pair_write(int fd) { /* (a full pair has a wake-up pending) */
    (void)send(AIO__SOCK(fd), "", 1, 0);
}
static void aio__wake_pair_drain(int fd) {
    char buf[64];
    while (recv(AIO__SOCK(fd), buf, sizeof buf, 0) > 0) {
    }
}

/* Winsock is started when the first socket is needed: once by each loop that
 * waits for I/O (cleaned up by aio_loop_destroy), and once for good by a
 * socket call made with no loop. */
static int aio__wsa_start(void) {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0 ? 0 : -1;
}
static void aio__net_need(void) {
    static volatile LONG started_for_good;
    if (aio__loop) {
        (void)aio__io_of(aio__loop);
    } else if (InterlockedCompareExchange(&started_for_good, 1, 0) == 0) {
        (void)aio__wsa_start();
    }
}

/* ---- the system's wait: the readiness wait picked (>>wait-poll, whose
 * call is WSAPoll) */
#ifdef AIO__WAIT_POLL
/* Whether fd can be waited on: AIO_OK or AIO_EBADF (WSAPoll fails as a
 * whole for a non-socket). */
static aio_status aio__net_can_watch(int fd) {
    int type;
    int sl = sizeof type;
    if (getsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_TYPE, (char *)&type, &sl) != 0)
        return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket (Windows waits for sockets only)");
    return AIO_OK;
}
static int aio__sys_poll(struct pollfd *fds, uint32_t n, int ms) {
    int got = WSAPoll(fds, (ULONG)n, ms);
    uint32_t i;
    /* WSAPoll fails as a whole for a socket closed behind the loop's back:
     * each such socket is reported ready, so that its waiter finds out */
    if (got < 0 && WSAGetLastError() == WSAENOTSOCK) {
        for (i = 0; i < n; i++)
            fds[i].revents = (short)(i && aio__net_can_watch((int)fds[i].fd) < 0 ? POLLNVAL : 0);
        got = 1;
    }
    return got;
}
#endif
static aio__sysio *aio__sys_wait_open(aio_loop *L) {
    aio__sysio *s;
    (void)L;
    if (aio__wsa_start() != 0) return NULL;
    s = aio__readiness_open(); /* (NULL: out of memory or sockets) */
    if (!s) (void)WSACleanup();
    return s;
}
static void aio__sys_wait_close(aio__sysio *s) {
    aio__readiness_close(s);
    (void)WSACleanup(); /* (the loop's start of Winsock) */
}

/* ---- signals: Ctrl-C (SIGINT), Ctrl-Break (SIGBREAK) and the console's
 * close, a logoff or a shutdown (SIGTERM) come to a handler that Windows
 * runs in a thread of its own (SetConsoleCtrlHandler); it notes them as
 * POSIX's handler does. */
typedef volatile LONG aio__sig_flag; /* (set from the handler's thread) */
#define AIO__SIG_SET(flag) ((void)InterlockedExchange(&(flag), 1))
#define AIO__SIG_TAKE(flag) (InterlockedExchange(&(flag), 0) != 0)
#define AIO__SIG_CLEAR(flag) ((void)InterlockedExchange(&(flag), 0))
static SRWLOCK aio__sig_lock = SRWLOCK_INIT; /* the handler's wake-up against the pair's close */
static HANDLE aio__sig_done; /* set once the loop the signals go to is gone */
static aio__waker aio__sig_waker = -1; /* that loop's waker (under the lock) */

static BOOL WINAPI aio__console_handler(DWORD type) {
    int signo = type == CTRL_C_EVENT ? SIGINT : type == CTRL_BREAK_EVENT ? SIGBREAK : SIGTERM;
    if (!aio__sig_routed(signo)) return FALSE; /* not routed: the next handler, or the default */
    aio__sig_handler(signo);
    if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT) return TRUE;
    /* The console closes, or the user logs off, or the system shuts down: the
     * process ends when this returns, so hold it until the loop is destroyed
     * (Windows itself allows about 5 s for a console close). */
    (void)WaitForSingleObject(aio__sig_done, INFINITE);
    return TRUE;
}
static const char *aio__sys_signal_check(int signo, int cancel) {
    if (signo != SIGINT && signo != SIGBREAK && signo != SIGTERM)
        return cancel ? "aio_signal_cancel: Windows delivers SIGINT (Ctrl-C), SIGBREAK "
                        "(Ctrl-Break) and SIGTERM (console closed, logoff, shutdown) only"
                      : "aio_signal_event: Windows delivers SIGINT (Ctrl-C), SIGBREAK "
                        "(Ctrl-Break) and SIGTERM (console closed, logoff, shutdown) only";
    return NULL;
}
static int aio__sys_signal_catch(int signo) {
    (void)signo;
    return SetConsoleCtrlHandler(aio__console_handler, TRUE) != 0;
}
static void aio__sys_signal_default(int signo) {
    int s;
    int any = 0;
    (void)signo;
    for (s = 1; s < AIO__NSIG; s++) any |= aio__sig_routed(s);
    if (!any) (void)SetConsoleCtrlHandler(aio__console_handler, FALSE);
}
/* The handler's waker: set as signals are first routed to a loop, -1 once
 * it is gone (then a console close may end the process). */
static void aio__sys_signal_target(aio__waker k) {
    AcquireSRWLockExclusive(&aio__sig_lock);
    aio__sig_waker = k;
    ReleaseSRWLockExclusive(&aio__sig_lock);
    if (k == -1) {
        (void)SetEvent(aio__sig_done); /* a console close may end the process now */
        return;
    }
    if (!aio__sig_done) aio__sig_done = CreateEventW(NULL, TRUE, FALSE, NULL); /* (kept for good) */
    (void)ResetEvent(aio__sig_done);
}
static void aio__sys_signal_wake(void) {
    AcquireSRWLockShared(&aio__sig_lock);
    if (aio__sig_waker != -1) aio__readiness_wake(aio__sig_waker);
    ReleaseSRWLockShared(&aio__sig_lock);
}
#define aio__sys_signal_caught(signo) ((void)(signo))
#define aio__sys_signals_look(L) ((void)(L))

/* ---- threads and locks: Windows' own */
#ifdef AIO__THREADS
typedef HANDLE aio__thread;
typedef SRWLOCK aio__mutex;
typedef CONDITION_VARIABLE aio__cond;
#define aio__lock(m) AcquireSRWLockExclusive(m)
#define aio__unlock(m) ReleaseSRWLockExclusive(m)
#define aio__wait_for_work(c, m) (void)SleepConditionVariableSRW((c), (m), INFINITE, 0)
#define aio__signal_work(c) WakeConditionVariable(c)
#define aio__broadcast_work(c) WakeAllConditionVariable(c)
#define aio__cond_init(c) InitializeConditionVariable(c)
#define aio__cond_done(c) ((void)(c))
#define aio__mutex_init(m) InitializeSRWLock(m)
#define aio__mutex_done(m) ((void)(m))
#define aio__thread_detach(th) (void)CloseHandle(th)
#define AIO__THREAD_MAIN(name, arg) DWORD WINAPI name(LPVOID arg) /* NOLINT(bugprone-macro-parentheses): a function's head */
typedef ULONGLONG aio__wall; /* a time to wait until: GetTickCount64's ms */
/* The time d (ticks) from now, rounded up to ms. */
static void aio__wall_after(aio__wall *w, aio_time d) {
    *w = GetTickCount64() + (uint64_t)d / AIO_TICKS_PER_SEC * 1000u +
         ((uint64_t)d % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) / AIO_TICKS_PER_SEC;
}
/* Wait on c (under m) until it is signalled or *w: 0 once *w has passed. */
static int aio__wait_until(aio__cond *c, aio__mutex *m, const aio__wall *w) {
    ULONGLONG now = GetTickCount64();
    if (now >= *w) return 0;
    (void)SleepConditionVariableSRW(c, m, *w - now < INFINITE ? (DWORD)(*w - now) : INFINITE - 1u, 0);
    return GetTickCount64() < *w;
}
static void aio__thread_join(aio__thread th) {
    (void)WaitForSingleObject(th, INFINITE);
    (void)CloseHandle(th);
}
static AIO__THREAD_MAIN(aio__worker, arg);
/* A thread that runs aio__worker(arg): 0, or not if the system refused. */
static int aio__thread_new(aio__thread *th, void *arg) {
    *th = CreateThread(NULL, 0, aio__worker, arg, 0, NULL);
    return *th ? 0 : -1;
}
#endif /* AIO__THREADS */

/* ---- Unix domain sockets: none (Windows' AF_UNIX is not waited on by WSAPoll) */
static aio_status aio__sys_unix_listen(const char *path, int backlog, int simulated) {
    (void)path; (void)backlog; (void)simulated;
    return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets need POSIX");
}
static aio_status aio__sys_unix_connect(aio_task *t, aio_frame *f, const char *path, aio_time until,
                                        int simulated) {
    (void)t; (void)f; (void)until; (void)simulated;
    (void)path;
    return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets need POSIX");
}
static aio_status aio__sys_unix_connect_poll(aio_task *t, aio_frame *f) {
    (void)t; (void)f; /* LCOV_EXCL_LINE: never called (the start refused) */
    return AIO_EINVAL; /* LCOV_EXCL_LINE */
}
static void aio__sys_unix_file(void **note, int listener) { /* (no Unix listener: no file) */
    (void)note;
    (void)listener;
}
/* ---- the simulation's pairs: a simulated socket's number is one end of
 * a loopback connection, whose far end the simulation writes and reads
 * (what each function gives: see "the system's interface"). */
#ifdef AIO__SIM
static int aio__sys_pair_floor(void) { return 0; }
static int aio__sim_ports(int fd, uint64_t id[2]) { /* (the number's socket's own port and its peer's) */
    struct sockaddr_in a;
    struct sockaddr_in b;
    int sl = sizeof a;
    int bl = sizeof b;
    if (getsockname(AIO__SOCK(fd), (struct sockaddr *)&a, &sl) != 0 ||
        getpeername(AIO__SOCK(fd), (struct sockaddr *)&b, &bl) != 0 || a.sin_family != AF_INET)
        return -1;
    id[0] = ntohs(a.sin_port);
    id[1] = ntohs(b.sin_port);
    return 0;
}
/* A socket of a pair made not inherited, non-blocking, and closed
 * abortively (a loopback connection closed politely takes wine
 * milliseconds, and leaves its port waiting on Windows). */
static void aio__sim_end(int fd) {
    struct linger now = {1, 0};
    (void)setsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_LINGER, (const char *)&now, sizeof now);
    aio__sock_private(fd);
}
/* A pair for a new socket: its number n[0] and far end n[1], connected
 * through the simulation's listener (made at the first), the number's
 * identity in id: 0, or -1 (none made). The far end is the connection
 * from n[0]'s own port: another program may connect to the listener too,
 * and is refused (aio__pair_accept, as the loop's wake-up pair does). */
static int aio__sys_pair_new(int *listener, int far_floor, int n[2], uint64_t id[2]) {
    struct sockaddr_in a;
    struct sockaddr_in mine;
    int sl = sizeof a;
    int ml = sizeof mine;
    (void)far_floor; /* (Windows' handles are not numbered so) */
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (*listener < 0) {
        SOCKET l = socket(AF_INET, SOCK_STREAM, 0);
        if (l == INVALID_SOCKET) return -1;
        if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, SOMAXCONN) != 0) {
            (void)closesocket(l);
            return -1;
        }
        (void)SetHandleInformation((HANDLE)l, HANDLE_FLAG_INHERIT, 0);
        *listener = aio__net_own(l);
    }
    if (getsockname(AIO__SOCK(*listener), (struct sockaddr *)&a, &sl) != 0) return -1;
    n[1] = -1;
    n[0] = aio__net_own(socket(AF_INET, SOCK_STREAM, 0)); /* (its connect and the accept: at once, on loopback) */
    if (n[0] >= 0 && connect(AIO__SOCK(n[0]), (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(AIO__SOCK(n[0]), (struct sockaddr *)&mine, &ml) == 0)
        n[1] = aio__pair_accept(*listener, &mine);
    if (n[0] < 0 || n[1] < 0 || aio__sim_ports(n[0], id) != 0) {
        if (n[0] >= 0) (void)closesocket(AIO__SOCK(n[0]));
        if (n[1] >= 0) (void)closesocket(AIO__SOCK(n[1]));
        return -1;
    }
    aio__sim_end(n[0]);
    aio__sim_end(n[1]);
    return 0;
}
/* Whether number fd still names the socket of the pair whose identity is id. */
static int aio__sys_pair_same(const uint64_t id[2], int fd) {
    uint64_t now[2];
    return aio__sim_ports(fd, now) == 0 && now[0] == id[0] && now[1] == id[1];
}
static void aio__sys_pairs_start(void) { (void)aio__wsa_start(); /* (the pairs are sockets) */ }
static void aio__sys_pairs_end(int listener) {
    if (listener >= 0) (void)closesocket(AIO__SOCK(listener));
    (void)WSACleanup(); /* (its own WSAStartup's) */
}
#ifdef AIO__PROCESSES
/* What signal signo does to a simulated child: as the platform's own, only
 * SIGTERM and SIGKILL, and both end it. */
static int aio__sys_signal_effect(int signo) {
    return signo != SIGTERM && signo != AIO__SIGKILL ? AIO__SIGNAL_NONE : AIO__SIGNAL_ENDS;
}
#endif
#endif /* AIO__SIM */


/* ---- the table's sockets (the rest: "what POSIX and Windows share") */
#define AIO__ECONNABORTED WSAECONNRESET /* (what Windows says of it) */
#define AIO__DONTWAIT(fd) (aio__nonblocking(fd), 0)
#define AIO__NOSIGNAL 0 /* (no SIGPIPE on Windows) */
#define AIO__SEND(fd, buf, len, flags) (long)send(fd, buf, (int)(len), flags)
static int aio__accept_private(int fd) { return aio__net_own(accept(AIO__SOCK(fd), NULL, NULL)); }
/* A receive or a send takes what the call gave (Windows has no per-call
 * flag: each try makes its socket non-blocking, see AIO__DONTWAIT), but a
 * receive on a socket shut down for reading, which Windows fails with
 * WSAESHUTDOWN, finds the end (0), as on POSIX. */
static long aio__net_read_shut(long n) { return n < 0 && WSAGetLastError() == WSAESHUTDOWN ? 0 : n; }
#define aio__net_read(n, fd, buf, len) aio__net_read_shut(n)
#define aio__net_write(n, fd, buf, len) (n)
#define AIO__ENOBUFS WSAENOBUFS
#define AIO__SHUT_BOTH SD_BOTH
/* A datagram's result: a port nobody listens on, which Windows reports to
 * a UDP socket as WSAECONNRESET, is AIO_ECONNREFUSED, as POSIX systems say. */
static aio_status aio__net_dgram_result(long n, const char *what, int fd) {
    if (n < 0 && WSAGetLastError() == WSAECONNRESET) return AIO_ECONNREFUSED;
    return aio__net_result(n, what, fd);
}
/* A datagram's receive cut to len: Windows fails with WSAEMSGSIZE when it
 * cuts one; the length is len all the same. */
static long aio__net_dgram_cut(long n, size_t len) {
    if (n < 0 && WSAGetLastError() == WSAEMSGSIZE) return (long)aio__net_chunk(len);
    return n;
}
/* The option a socket the library binds takes: exclusive, a listener's and
 * a datagram socket's (SO_REUSEADDR there would let another program take
 * the port). */
static void aio__net_claim(int fd, int listening) {
    int one = 1;
    (void)listening;
    (void)setsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one);
}

#ifdef AIO__PROCESSES
/* Windows: CreateProcess. WSAPoll waits for sockets only, so each pipe of
 * the child is relayed to a socket by a thread of its own (a blocking
 * ReadFile or WriteFile on the pipe, a send or recv on its end of a pair of
 * sockets), and a thread waits for the process handle and then closes its
 * end of a pair: the other end is the child's "pidfd", readable once it
 * exited. The child, and whatever it starts, runs in a job object: a stop
 * terminates the job (Windows has no SIGTERM to ask first), and closing the
 * job's handle ends whatever is left of it. A process the library ended
 * exits with AIO__WIN_STOPPED | signal, which reads back as -signal. */
#define AIO__WIN_STOPPED 0xA10E0000u
enum { AIO__RELAY_OUT, AIO__RELAY_IN, AIO__RELAY_EXIT };
typedef struct aio__relay {
    HANDLE handle; /* the pipe (its own), or the process (the caller's) */
    SOCKET sock;   /* its end of the pair (blocking) */
    int way;
} aio__relay;

static DWORD WINAPI aio__relay_main(LPVOID arg) {
    aio__relay r = *(aio__relay *)arg;
    char buf[4096];
    int going = 1;
    AIO_FREE(arg);
    if (r.way == AIO__RELAY_EXIT) {
        (void)WaitForSingleObject(r.handle, INFINITE);
        going = 0;
    }
    while (going) {
        DWORD n = 0;
        DWORD done;
        int k;
        if (r.way == AIO__RELAY_OUT) { /* the child's output, to the loop's socket, until either end goes */
            if (!ReadFile(r.handle, buf, sizeof buf, &n, NULL) || n == 0) break;
            for (done = 0; going && done < n; done += (DWORD)k) {
                k = send(r.sock, buf + done, (int)(n - done), 0);
                if (k <= 0) going = 0;
            }
        } else { /* the loop's socket to the child's input, until either end goes */
            k = recv(r.sock, buf, (int)sizeof buf, 0);
            if (k <= 0) break;
            for (done = 0; going && done < (DWORD)k; done += n)
                if (!WriteFile(r.handle, buf + done, (DWORD)k - done, &n, NULL)) going = 0;
        }
    }
    if (r.way != AIO__RELAY_EXIT) (void)CloseHandle(r.handle);
    (void)shutdown(r.sock, SD_SEND); /* (what it sent is delivered, then the end) */
    (void)closesocket(r.sock);
    return 0;
}

/* A step of a spawn that failed for a reason the system gives (out of
 * handles, threads or memory, or one of its own): AIO_EIO, errno EIO, and
 * in a debug build a message that names the step and the system's error. */
static aio_status aio__win_failed(const char *step, DWORD err) {
    errno = EIO;
#ifdef AIO_DEBUG
    {
        static char message[160];
        (void)snprintf(message, sizeof message, "aio_process_spawn: %s failed (Windows error %lu)", step,
                       (unsigned long)err);
        return aio__misuse(AIO_EIO, message);
    }
#else
    (void)step; (void)err;
    return AIO_EIO;
#endif
}

/* A thread relaying `handle` one way; the loop's end of its pair into *mine.
 * The thread's handle, or NULL (then *mine is -1 and nothing is left). */
static HANDLE aio__relay_start(HANDLE handle, int way, int *mine) {
    int pair[2];
    u_long blocking = 0;
    HANDLE thread = NULL;
    aio__relay *r = (aio__relay *)AIO_MALLOC(sizeof *r);
    *mine = -1;
    if (!r || aio__wake_pair_open(pair) != 0) { /* LCOV_EXCL_START: out of memory or sockets */
        (void)aio__win_failed(r ? "a relay's socket pair" : "a relay's allocation", (DWORD)WSAGetLastError());
        AIO_FREE(r);
        return NULL;
    } /* LCOV_EXCL_STOP */
    (void)ioctlsocket(AIO__SOCK(pair[1]), (long)FIONBIO, &blocking);
    r->handle = handle;
    r->sock = AIO__SOCK(pair[1]);
    r->way = way;
    thread = CreateThread(NULL, 64 * 1024, aio__relay_main, r, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!thread) { /* LCOV_EXCL_START: out of threads */
        (void)aio__win_failed("a relay's thread", GetLastError());
        AIO_FREE(r);
        (void)closesocket(AIO__SOCK(pair[0]));
        (void)closesocket(AIO__SOCK(pair[1]));
        return NULL;
    } /* LCOV_EXCL_STOP */
    aio_io_forget(pair[0]); /* (a number used before: nothing of it is watched now) */
    *mine = pair[0];
    return thread;
}

static void aio__close_handle(HANDLE *h) {
    if (*h && *h != INVALID_HANDLE_VALUE) (void)CloseHandle(*h);
    *h = NULL;
}

/* One argument onto a command line as the C runtime's parser reads it back
 * (quoted if it must be; a backslash doubled only before a quote): its
 * length; written to out[n..] unless out is NULL. */
static size_t aio__cmdline_arg(char *out, size_t n, const char *a) {
    size_t slashes = 0;
    size_t start = n;
    if (*a && !strpbrk(a, " \t\n\v\"")) {
        size_t len = strlen(a);
        if (out) memcpy(out + n, a, len);
        return len;
    }
    if (out) out[n] = '"';
    n++;
    for (;; a++) {
        if (*a == '\\') {
            slashes++;
            continue;
        }
        if (!*a || *a == '"') slashes = slashes * 2 + (*a == '"'); /* (the quote's own, escaped) */
        for (; slashes; slashes--, n++) if (out) out[n] = '\\';
        if (!*a) break;
        if (out) out[n] = *a;
        n++;
    }
    if (out) out[n] = '"';
    return n + 1 - start;
}

/* UTF-8 s[0..len) (len -1: to its NUL, included) in UTF-16, malloc'd; NULL if it is not UTF-8. */
static wchar_t *aio__wide(const char *s, int len) {
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, len, NULL, 0);
    wchar_t *w = n > 0 ? (wchar_t *)AIO_MALLOC((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, len, w, n) != n) { /* LCOV_EXCL_START */
        AIO_FREE(w);
        w = NULL;
    } /* LCOV_EXCL_STOP */
    return w;
}

/* The command line of argv, and the environment block of env (NULL: none),
 * in UTF-16: AIO_OK, AIO_EINVAL (not UTF-8), AIO_EIO (out of memory). */
static aio_status aio__win_command(const char *const argv[], const char *const *env, wchar_t **cmd, wchar_t **block) {
    size_t n = 0;
    size_t i;
    char *line;
    *cmd = *block = NULL;
    for (i = 0; argv[i]; i++) n += aio__cmdline_arg(NULL, 0, argv[i]) + 1;
    line = (char *)AIO_MALLOC(n);
    if (!line) return AIO_EIO; /* LCOV_EXCL_LINE: out of memory */
    for (n = 0, i = 0; argv[i]; i++) {
        if (i) line[n++] = ' ';
        n += aio__cmdline_arg(line, n, argv[i]);
    }
    line[n] = '\0';
    *cmd = aio__wide(line, -1);
    AIO_FREE(line);
    if (!*cmd) return aio__misuse(AIO_EINVAL, "aio_process_spawn: an argument is not UTF-8");
    if (!env) return AIO_OK;
    for (n = 1, i = 0; env[i]; i++) n += strlen(env[i]) + 1;
    line = (char *)AIO_MALLOC(n);
    if (!line) return AIO_EIO; /* LCOV_EXCL_LINE: out of memory */
    for (n = 0, i = 0; env[i]; i++) {
        size_t len = strlen(env[i]) + 1;
        memcpy(line + n, env[i], len);
        n += len;
    }
    line[n++] = '\0';
    if (n == 1) line[n++] = '\0'; /* (an empty block is two NULs) */
    *block = aio__wide(line, (int)n);
    AIO_FREE(line);
    if (!*block) return aio__misuse(AIO_EINVAL, "aio_process_spawn: an environment string is not UTF-8");
    return AIO_OK;
}

/* A stdio mode's handles: the child's (inheritable) into *child, the pipe's
 * other end into *mine (PIPE; never inheritable, not even for a moment).
 * `out`: the child writes it. */
static aio_status aio__win_stdio_open(int mode, int out, DWORD std, HANDLE *child, HANDLE *mine) {
    SECURITY_ATTRIBUTES sa;
    HANDLE self = GetCurrentProcess();
    HANDLE h;
    memset(&sa, 0, sizeof sa);
    sa.nLength = sizeof sa;
    sa.bInheritHandle = TRUE;
    *child = *mine = NULL;
    if (mode == AIO_STDIO_DEVNULL) {
        *child = CreateFileW(L"NUL", out ? GENERIC_WRITE : GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                             OPEN_EXISTING, 0, NULL);
        if (*child != INVALID_HANDLE_VALUE) return AIO_OK;
        *child = NULL; /* LCOV_EXCL_LINE: out of handles */
        return aio__win_failed("opening NUL", GetLastError()); /* LCOV_EXCL_LINE */
    }
    if (mode == AIO_STDIO_PIPE) {
        HANDLE r;
        HANDLE w;
        if (!CreatePipe(&r, &w, NULL, 0)) return aio__win_failed("CreatePipe", GetLastError()); /* LCOV_EXCL_LINE */
        *child = out ? w : r;
        *mine = out ? r : w;
        (void)SetHandleInformation(*child, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        return AIO_OK;
    }
    h = GetStdHandle(std); /* this process's (none: the child has none either) */
    if (h && h != INVALID_HANDLE_VALUE && !DuplicateHandle(self, h, self, child, 0, TRUE, DUPLICATE_SAME_ACCESS))
        *child = NULL;
    return AIO_OK;
}

/* CreateProcess's failure as a status (errno set as POSIX would). */
static aio_status aio__win_spawn_error(DWORD err, const aio_process_options *opts) {
    switch (err) {
    case ERROR_DIRECTORY:
        errno = ENOENT;
        return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the working directory cannot be entered");
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
        errno = ENOENT;
        if (opts->cwd && GetFileAttributesA(opts->cwd) == INVALID_FILE_ATTRIBUTES)
            return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the working directory cannot be entered");
        return AIO_ENOTFOUND;
    case ERROR_ACCESS_DENIED:
        errno = EACCES;
        return AIO_ENOEXEC;
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
        errno = ENOEXEC;
        return AIO_ENOEXEC;
    default:
        return aio__win_failed("CreateProcess", err);
    }
}

/* si's attribute list: handles list[0..n) the only ones a child inherits.
 * TRUE, or FALSE (out of memory; no list then). */
static BOOL aio__win_inherit_only(STARTUPINFOEXW *si, HANDLE *list, DWORD n) {
    SIZE_T size = 0;
    (void)InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    si->lpAttributeList = (LPPROC_THREAD_ATTRIBUTE_LIST)AIO_MALLOC(size);
    if (si->lpAttributeList && !InitializeProcThreadAttributeList(si->lpAttributeList, 1, 0, &size)) {
        AIO_FREE(si->lpAttributeList); /* LCOV_EXCL_LINE: (a list of one attribute) */
        si->lpAttributeList = NULL; /* LCOV_EXCL_LINE */
    }
    if (!si->lpAttributeList) return FALSE; /* LCOV_EXCL_LINE: out of memory */
    return UpdateProcThreadAttribute(si->lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
                                     n * sizeof *list, NULL, NULL);
}

/* CreateProcessW (suspended) with child[0..3) as its standard handles and
 * no other handle inherited: a handle list, so that the program's own
 * inheritable handles (a socket() is one) stay out of the child, as
 * asyncio's do. FALSE with GetLastError() set if it failed. */
static BOOL aio__win_create(wchar_t *cmd, wchar_t *env, wchar_t *cwd, HANDLE child[3], PROCESS_INFORMATION *pi) {
    STARTUPINFOEXW si;
    HANDLE list[3];
    DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
    DWORD n = 0;
    DWORD err;
    BOOL ok = TRUE;
    DWORD i;
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si.StartupInfo;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = child[0];
    si.StartupInfo.hStdOutput = child[1];
    si.StartupInfo.hStdError = child[2];
    for (i = 0; i < 3; i++) /* (not a console's pseudo handle, Windows 7's: the console hands those on) */
        if (child[i] && ((uintptr_t)child[i] & 3u) != 3u) list[n++] = child[i];
    if (n) {
        ok = aio__win_inherit_only(&si, list, n);
        si.StartupInfo.cb = sizeof si;
        flags |= EXTENDED_STARTUPINFO_PRESENT;
    }
    if (ok) ok = CreateProcessW(NULL, cmd, NULL, NULL, n > 0, flags, env, cwd, &si.StartupInfo, pi);
    err = GetLastError();
    if (si.lpAttributeList) {
        DeleteProcThreadAttributeList(si.lpAttributeList);
        AIO_FREE(si.lpAttributeList);
    }
    SetLastError(err);
    return ok;
}

static void aio__sys_proc_release(aio_process *p);
static void aio__sys_proc_kill_now(aio_process *p);

static aio_status aio__sys_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                  aio_loop *L) {
    static const DWORD std[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    PROCESS_INFORMATION pi;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    HANDLE child[3] = {NULL, NULL, NULL};
    HANDLE mine[3] = {NULL, NULL, NULL};
    wchar_t *cmd;
    wchar_t *env;
    wchar_t *cwd = NULL;
    int ends[4] = {-1, -1, -1, -1};
    int i;
    aio_status rc = aio__win_command(argv, opts->env, &cmd, &env);
    (void)L;
    if (rc == AIO_OK && opts->cwd && !(cwd = aio__wide(opts->cwd, -1)))
        rc = aio__misuse(AIO_EINVAL, "aio_process_spawn: the working directory is not UTF-8");
    for (i = 0; i < 3 && rc == AIO_OK; i++) {
        if (i == 2 && opts->err == AIO_STDIO_STDOUT) {
            if (child[1] && !DuplicateHandle(GetCurrentProcess(), child[1], GetCurrentProcess(), &child[2], 0, TRUE,
                                             DUPLICATE_SAME_ACCESS))
                rc = AIO_EIO; /* LCOV_EXCL_LINE: out of handles */
        } else {
            rc = aio__win_stdio_open(i == 0 ? opts->in : i == 1 ? opts->out : opts->err, i > 0, std[i], &child[i],
                                     &mine[i]);
        }
    }
    memset(p, 0, sizeof *p);
    p->in = p->out = p->err = (aio_socket)-1;
    p->pidfd = -1;
    /* (suspended until it is in its job: nothing it starts escapes) */
    if (rc == AIO_OK && !aio__win_create(cmd, env, cwd, child, &pi)) rc = aio__win_spawn_error(GetLastError(), opts);
    AIO_FREE(cmd);
    AIO_FREE(env);
    AIO_FREE(cwd);
    for (i = 0; i < 3; i++) aio__close_handle(&child[i]);
    if (rc < 0) {
        int err = errno;
        for (i = 0; i < 3; i++) aio__close_handle(&mine[i]);
        errno = err;
        return rc;
    }
    p->pid = (int)pi.dwProcessId;
    p->handle = pi.hProcess;
    p->state = AIO__PROC_RUNNING;
    p->job = CreateJobObjectW(NULL, NULL);
    memset(&limits, 0, sizeof limits);
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (p->job && (!SetInformationJobObject((HANDLE)p->job, JobObjectExtendedLimitInformation, &limits, sizeof limits) ||
                   !AssignProcessToJobObject((HANDLE)p->job, pi.hProcess)))
        aio__close_handle((HANDLE *)&p->job); /* (then a stop ends the child alone) */
    (void)ResumeThread(pi.hThread);
    (void)CloseHandle(pi.hThread);
    p->threads[0] = aio__relay_start(pi.hProcess, AIO__RELAY_EXIT, &ends[3]);
    for (i = 0; i < 3; i++) {
        if (!mine[i]) continue;
        p->threads[i + 1] = aio__relay_start(mine[i], i ? AIO__RELAY_OUT : AIO__RELAY_IN, &ends[i]);
        if (p->threads[i + 1]) mine[i] = NULL; /* (the thread's now) */
    }
    p->in = (aio_socket)ends[0];
    p->out = (aio_socket)ends[1];
    p->err = (aio_socket)ends[2];
    p->pidfd = ends[3];
    for (i = 0; i < 3; i++) { /* LCOV_EXCL_START: out of sockets or threads: nothing is left */
        if (!mine[i]) continue;
        aio__close_handle(&mine[i]);
        rc = AIO_EIO;
    }
    if (!p->threads[0]) rc = AIO_EIO;
    if (rc < 0) {
        aio__sys_proc_kill_now(p);
        aio__proc_close_pipes(p, 1);
        aio__sys_proc_release(p);
        p->state = AIO__PROC_CLOSED;
        errno = EAGAIN;
        return rc;
    } /* LCOV_EXCL_STOP */
    return AIO_OK;
}

/* p has ended: its exit code kept, the thread that waited for it joined. */
static void aio__proc_ended(aio_process *p) {
    DWORD code = 255;
    (void)GetExitCodeProcess((HANDLE)p->handle, &code);
    p->returncode = (code & 0xFFFFFF00u) == AIO__WIN_STOPPED ? -(int)(code & 0xFFu) : (int)code;
    if (p->threads[0]) (void)WaitForSingleObject((HANDLE)p->threads[0], INFINITE);
    aio__close_handle((HANDLE *)&p->threads[0]);
    aio__close_handle((HANDLE *)&p->handle);
    p->state = AIO__PROC_REAPED;
    if (p->pidfd >= 0) (void)aio_close(p->pidfd);
    p->pidfd = -1;
}

static int aio__sys_proc_reap(aio_process *p) {
    if (p->state != AIO__PROC_RUNNING) return 1;
    if (WaitForSingleObject((HANDLE)p->handle, 0) != WAIT_OBJECT_0) return 0;
    aio__proc_ended(p);
    return 1;
}

/* End p's job (or p, with no job) as signal signo would. */
static void aio__proc_end_job(aio_process *p, int signo) {
    if (p->job)
        (void)TerminateJobObject((HANDLE)p->job, AIO__WIN_STOPPED | (UINT)signo);
    else if (p->handle)
        (void)TerminateProcess((HANDLE)p->handle, AIO__WIN_STOPPED | (UINT)signo);
}

static void aio__sys_proc_kill_now(aio_process *p) {
    if (p->state != AIO__PROC_RUNNING) return;
    aio__proc_end_job(p, AIO__SIGKILL);
    (void)WaitForSingleObject((HANDLE)p->handle, INFINITE);
    aio__proc_ended(p);
}

#define AIO__BAD_SIGNAL "aio_process_signal: Windows can only end a process: signal 15 (SIGTERM) or 9 (SIGKILL)"
static int aio__sys_proc_send(aio_process *p, int signo) {
    if (signo != SIGTERM && signo != AIO__SIGKILL) return -1;
    aio__proc_end_job(p, signo);
    return 0;
}

/* Whatever of its job still runs is ended (its relays then see their pipes
 * close), the relays joined, the job closed. */
static void aio__sys_proc_release(aio_process *p) {
    int i;
    if (p->job) (void)TerminateJobObject((HANDLE)p->job, AIO__WIN_STOPPED | AIO__SIGKILL);
    for (i = 1; i < 4; i++) {
        if (p->threads[i]) (void)WaitForSingleObject((HANDLE)p->threads[i], INFINITE);
        aio__close_handle((HANDLE *)&p->threads[i]);
    }
    aio__close_handle((HANDLE *)&p->job);
}

static aio_status aio__sys_pipe_read(int fd, void *buf, size_t len) { return aio__net_recv(fd, buf, len, "AIO_COMMUNICATE"); }
static aio_status aio__sys_pipe_write(int fd, const void *buf, size_t len) {
    return aio__net_send(fd, buf, len, "AIO_COMMUNICATE");
}
static void aio__children_done(aio__sysio *s) { (void)s; }
#endif /* AIO__PROCESSES */
#endif /* AIO__WIN32_IO */

// >>wait-epoll
/* ------------------------------------------------------ the wait: epoll */

/* Linux's epoll: the kernel keeps the set, each change one epoll_ctl, a
 * wait reports the ready descriptors only. A descriptor closed leaves the
 * set by itself (the wait forgets it: AIO__WAIT_FORGETS_CLOSED). The set
 * is a descriptor of its own (AIO__WAIT_OWN_DESCRIPTOR); its wake-up is the
 * backend's wake pair, a pipe, its read end in the set.
 * "The readiness wait's seam" (>>system) lists what each wait gives. */
#ifdef AIO__WAIT_EPOLL
#ifdef AIO__WAIT_PICKED
#error "aio_timeout.h: two readiness waits are picked, epoll and another: define at most one AIO_IO_ option of a wait (>>impl picks one)"
#endif
#define AIO__WAIT_PICKED "epoll"
#ifndef AIO__LINUX
#error "aio_timeout.h: the epoll wait is picked where the system is not Linux"
#endif
#define AIO__WAIT_FORGETS_CLOSED 1
#define AIO__WAIT_OWN_DESCRIPTOR 1
#include <sys/epoll.h>

typedef struct aio__epoll_set {
    aio__sysio s;  /* (first: what the shared sections see) */
    int epfd;      /* the kernel's set */
    int wake[2];   /* the wake pair: [0] in the set, [1] written */
} aio__epoll_set;
#define AIO__EPOLL_OF(p) ((aio__epoll_set *)(void *)(p))

static aio__sysio *aio__readiness_open(void) {
    aio__epoll_set *w = (aio__epoll_set *)aio__zalloc(sizeof *w);
    struct epoll_event e;
    if (!w) return NULL; /* (out of memory) */
    if (aio__wake_pair_open(w->wake) != 0) { /* (out of descriptors) */
        AIO_FREE(w);
        return NULL;
    }
    w->epfd = epoll_create1(EPOLL_CLOEXEC); /* (-1: out of memory or descriptors) */
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN;
    e.data.fd = w->wake[0];
    /* LCOV_EXCL_START: out of memory or descriptors */
    if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wake[0], &e) != 0) {
        if (w->epfd >= 0) (void)close(w->epfd);
        aio__wake_pair_close(w->wake);
        AIO_FREE(w);
        return NULL;
    }
    /* LCOV_EXCL_STOP */
    return &w->s;
}
static void aio__readiness_close(aio__sysio *s) {
    aio__epoll_set *w = AIO__EPOLL_OF(s);
    aio__wake_pair_close(w->wake);
    (void)close(w->epfd);
    AIO_FREE(w);
}
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n) {
    (void)s; /* (the kernel keeps the set: nothing of it per slot) */
    (void)n;
    return AIO_OK;
}
static aio__waker aio__readiness_waker(const aio__sysio *s) { return ((const aio__epoll_set *)(const void *)s)->wake[1]; }
static void aio__readiness_wake(aio__waker k) { aio__wake_pair_write((int)k); }

static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events) {
    aio__epoll_set *w = AIO__EPOLL_OF(io);
    struct epoll_event e;
    int op = old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    memset(&e, 0, sizeof e);
    e.events = (events & AIO_READABLE ? (uint32_t)EPOLLIN : 0u) | (events & AIO_WRITABLE ? (uint32_t)EPOLLOUT : 0u);
    e.data.fd = fd;
    if (!events) {
        (void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, &e); /* (gone already if it was closed) */
        return AIO_OK;
    }
    if (epoll_ctl(w->epfd, op, fd, &e) == 0) return AIO_OK;
    /* what the slot says was watched may be stale: the number was closed
     * (which takes it out of epoll) and opened again */
    if (errno == ENOENT && epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &e) == 0) return AIO_OK;
    if (errno == EPERM) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "cannot be waited on (a regular file or a directory)");
    return aio__net_error(errno, "I/O wait", fd);
}

static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__epoll_set *w = AIO__EPOLL_OF(io);
    struct epoll_event ev[128];
    int ms = aio__io_timeout(L, deadline);
    int n;
    int i;
    if (ms == 0 && !io->waiting && !aio__sig_waiting()) return; /* nothing to look at */
    n = epoll_wait(w->epfd, ev, 128, ms);
    for (i = 0; i < n; i++) {
        int fd = ev[i].data.fd;
        uint32_t e = ev[i].events;
        if (fd == w->wake[0]) {
            aio__wake_pair_drain(w->wake[0]);
            continue;
        }
        aio_io_ready(L, fd, (e & (uint32_t)(EPOLLIN | EPOLLHUP | EPOLLERR) ? (int)AIO_READABLE : 0) |
                                (e & (uint32_t)(EPOLLOUT | EPOLLHUP | EPOLLERR) ? (int)AIO_WRITABLE : 0));
    }
    aio__deliver_signals(L);
}
#endif
// >>wait-poll
/* ------------------------------------------- the wait: poll() and WSAPoll */

/* The whole set handed to the system at each wait: an array of pollfd,
 * the wake pair's read end first, each watched descriptor's place in it
 * kept per slot (so the array grows with the slots,
 * AIO__WAIT_TABLE_GROWS: the backend's
 * aio__sys_poll is POSIX's poll() or Windows' WSAPoll, and its
 * aio__net_can_watch refuses what the call cannot wait on). A descriptor
 * closed stays in the array until its waiter is told (poll() reports it
 * POLLNVAL). "The readiness wait's seam" (>>system) lists what each wait
 * gives. */
#ifdef AIO__WAIT_POLL
#ifdef AIO__WAIT_PICKED
#error "aio_timeout.h: two readiness waits are picked, poll and another: define at most one AIO_IO_ option of a wait (>>impl picks one)"
#endif
#define AIO__WAIT_PICKED "poll"
#define AIO__WAIT_TABLE_GROWS 1

typedef struct aio__poll_set {
    aio__sysio s;       /* (first: what the shared sections see) */
    struct pollfd *fds; /* [0] is the wake pair's read end */
    uint32_t *at;       /* per slot: its descriptor's index in fds, 0 = none */
    uint32_t nfds;
    uint32_t cap;
    int wake[2];        /* the wake pair: [0] in fds, [1] written */
} aio__poll_set;
#define AIO__POLL_OF(p) ((aio__poll_set *)(void *)(p))

static aio__sysio *aio__readiness_open(void) {
    aio__poll_set *w = (aio__poll_set *)aio__zalloc(sizeof *w);
    if (!w) return NULL; /* (out of memory) */
    w->cap = 64;
    w->fds = (struct pollfd *)AIO_MALLOC(w->cap * sizeof *w->fds);
    if (!w->fds || aio__wake_pair_open(w->wake) != 0) { /* (out of memory or descriptors) */
        AIO_FREE(w->fds);
        AIO_FREE(w);
        return NULL;
    }
    w->fds[0].fd = AIO__SOCK(w->wake[0]);
    w->fds[0].events = POLLIN;
    w->fds[0].revents = 0;
    w->nfds = 1;
    return &w->s;
}
static void aio__readiness_close(aio__sysio *s) {
    aio__poll_set *w = AIO__POLL_OF(s);
    aio__wake_pair_close(w->wake);
    AIO_FREE(w->fds);
    AIO_FREE(w->at);
    AIO_FREE(w);
}
/* The slots grew from s->io.nslots to n: each new one's place, none. */
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n) {
    aio__poll_set *w = AIO__POLL_OF(s);
    uint32_t *at = (uint32_t *)AIO_REALLOC(w->at, (size_t)n * sizeof *at);
    if (!at) return AIO_EIO; /* (out of memory) */
    memset(at + s->io.nslots, 0, (size_t)(n - s->io.nslots) * sizeof *at);
    w->at = at;
    return AIO_OK;
}
static aio__waker aio__readiness_waker(const aio__sysio *s) { return ((const aio__poll_set *)(const void *)s)->wake[1]; }
static void aio__readiness_wake(aio__waker k) { aio__wake_pair_write((int)k); }

static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events) {
    aio__poll_set *w = AIO__POLL_OF(io);
    uint32_t i = w->at[fd];
    aio_status rc;
    (void)old;
    if (!events) {
        if (i) { /* LCOV_EXCL_BR_LINE: (called for a watched descriptor only) the last entry takes its place */
            w->fds[i] = w->fds[--w->nfds];
            w->at[(int)w->fds[i].fd] = i;
            w->at[fd] = 0;
        }
        return AIO_OK;
    }
    rc = aio__net_can_watch(fd);
    if (rc < 0) return rc;
    if (!i) {
        if (w->nfds == w->cap) {
            uint32_t cap = w->cap * 2u;
            struct pollfd *fds = (struct pollfd *)AIO_REALLOC(w->fds, (size_t)cap * sizeof *fds);
            if (!fds) return AIO_EIO; /* (out of memory) */
            w->fds = fds;
            w->cap = cap;
        }
        i = w->nfds++;
        w->at[fd] = i;
        w->fds[i].fd = AIO__SOCK(fd);
    }
    w->fds[i].events = (short)((events & AIO_READABLE ? POLLIN : 0) | (events & AIO_WRITABLE ? POLLOUT : 0));
    w->fds[i].revents = 0;
    return AIO_OK;
}

static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__poll_set *w = AIO__POLL_OF(io);
    int ms = aio__io_timeout(L, deadline);
    uint32_t i;
    int n;
    if (ms == 0 && !io->waiting && !aio__sig_waiting()) return;
    n = aio__sys_poll(w->fds, w->nfds, ms);
    if (n > 0) {
        /* from the end: a report may move the last entry into its place */
        for (i = w->nfds; i-- > 1;) {
            short r = w->fds[i].revents;
            if (!r) continue;
            w->fds[i].revents = 0;
            aio_io_ready(L, (int)w->fds[i].fd,
                         (r & (POLLIN | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_READABLE : 0) |
                             (r & (POLLOUT | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_WRITABLE : 0));
        }
        if (w->fds[0].revents) aio__wake_pair_drain(w->wake[0]);
        w->fds[0].revents = 0;
    }
    aio__deliver_signals(L);
}
#endif
// >>wait-afd
/* ------------------------------------------------- the wait: AFD poll */

/* Windows' own readiness wait, the one under its select() and WSAPoll:
 * the Ancillary Function Driver's poll. A poll is a request to the driver
 * (IOCTL_AFD_POLL, sent through a handle on \Device\Afd) that completes
 * once its socket has one of the events asked, or is closed; its
 * completion comes to a completion port, so a wait costs what is ready,
 * not what is watched (WSAPoll hands the whole set to the system at each
 * wait). Each watched socket has a record of its own, allocated (the
 * driver writes its result there): a poll is one-shot, so a socket still
 * watched after its completion is polled again before the next wait, which
 * makes the wait level-triggered as the others are. A record let go while
 * its poll is in the driver is cancelled and freed when the cancellation
 * completes, never before (its memory outlives its socket's close). A
 * socket closed behind the loop's back completes its poll at once: its
 * waiter is told, and the number stays watched (a socket opened again
 * under it is polled: AIO__WAIT_FORGETS_CLOSED is not defined). Its
 * wake-up is a completion posted to the port (no descriptor). A completion
 * comes some time after its event, so on the virtual clock the loop looks
 * again before it jumps to the deadline of a wait on a socket
 * (AIO__WAIT_TELLS_LATE: see aio__sysio_settle). The driver's calls are
 * ntdll's, found at the loop's first wait (no library to link).
 * "The readiness wait's seam" (>>system) lists what each wait gives. */
#ifdef AIO__WAIT_AFD
#ifdef AIO__WAIT_PICKED
#error "aio_timeout.h: two readiness waits are picked, AFD poll and another: define at most one AIO_IO_ option of a wait (>>impl picks one)"
#endif
#define AIO__WAIT_PICKED "AFD poll"
#ifndef AIO__WIN32_IO
#error "aio_timeout.h: the AFD poll wait is picked where the system is not Windows"
#endif
#define AIO__WAIT_RECORD_PER_SOCKET 1
#define AIO__WAIT_TELLS_LATE 1
#include <winternl.h>

/* The driver's poll request and result, as the driver reads and writes it. */
typedef struct aio__afd_poll_info {
    LARGE_INTEGER timeout; /* (never: the largest) */
    ULONG count;           /* 1: one socket a request */
    ULONG exclusive;
    HANDLE socket;         /* the socket's base handle */
    ULONG events;          /* asked; then what happened */
    LONG status;
} aio__afd_poll_info;
#define AIO__AFD_IOCTL_POLL 0x00012024u
#define AIO__AFD_RECEIVE 0x0001u
#define AIO__AFD_SEND 0x0004u
#define AIO__AFD_DISCONNECT 0x0008u
#define AIO__AFD_ABORT 0x0010u
#define AIO__AFD_LOCAL_CLOSE 0x0020u
#define AIO__AFD_ACCEPT 0x0080u
#define AIO__AFD_CONNECT_FAIL 0x0100u
#define AIO__AFD_PENDING 0x00000103L
#define AIO__AFD_CANCELLED 0xC0000120uL
#define AIO__AFD_BASE_HANDLE 0x48000022u /* SIO_BASE_HANDLE */
#define AIO__AFD_BSP_HANDLE_POLL 0x4800001Du /* SIO_BSP_HANDLE_POLL, where a layered provider hides the base */

typedef NTSTATUS(NTAPI *aio__afd_create_fn)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, PIO_STATUS_BLOCK,
                                             PLARGE_INTEGER, ULONG, ULONG, ULONG, ULONG, PVOID, ULONG);
typedef NTSTATUS(NTAPI *aio__afd_ioctl_fn)(HANDLE, HANDLE, PVOID, PVOID, PIO_STATUS_BLOCK, ULONG, PVOID, ULONG,
                                            PVOID, ULONG);

/* A watched socket: its poll's status block first (the completion's
 * OVERLAPPED points at it), then the request the driver answers in. */
typedef struct aio__afd_sock {
    IO_STATUS_BLOCK iosb;
    aio__afd_poll_info info;
    struct aio__afd_sock *next_dirty; /* on the list of those to poll before the next wait */
    int fd;
    uint8_t want;    /* AIO_READABLE | AIO_WRITABLE: what the loop watches */
    uint8_t polled;  /* what the poll in the driver asks (with `pending`) */
    uint8_t pending; /* a poll is in the driver */
    uint8_t dirty;   /* on the list */
    uint8_t let_go;  /* no longer the loop's: freed once neither pending nor on the list */
    uint8_t closed;  /* its socket was closed: a socket under its number is looked for */
    HANDLE base;     /* the handle the driver knows its socket by */
} aio__afd_sock;

typedef struct aio__afd_set {
    aio__sysio s;            /* (first: what the shared sections see) */
    HANDLE port;             /* the completion port, the waker */
    HANDLE afd;              /* \Device\Afd: the polls' channel */
    aio__afd_ioctl_fn ioctl; /* ntdll's NtDeviceIoControlFile */
    aio__afd_sock **at;      /* per slot: its socket's record, NULL = none */
    aio__afd_sock *dirty;    /* the records to poll (or to free) before the next wait */
    uint32_t pending;        /* polls in the driver, let go ones included */
} aio__afd_set;
#define AIO__AFD_OF(p) ((aio__afd_set *)(void *)(p))

static aio__sysio *aio__readiness_open(void) {
    static WCHAR device[] = L"\\Device\\Afd\\aio_timeout";
    aio__afd_set *w = (aio__afd_set *)aio__zalloc(sizeof *w);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    aio__afd_create_fn create =
        ntdll ? (aio__afd_create_fn)(void (*)(void))GetProcAddress(ntdll, "NtCreateFile") : NULL;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    IO_STATUS_BLOCK iosb;
    if (!w) return NULL; /* (out of memory) */
    w->ioctl = ntdll ? (aio__afd_ioctl_fn)(void (*)(void))GetProcAddress(ntdll, "NtDeviceIoControlFile") : NULL;
    name.Buffer = device;
    name.Length = (USHORT)(sizeof device - sizeof device[0]);
    name.MaximumLength = (USHORT)sizeof device;
    memset(&attributes, 0, sizeof attributes);
    attributes.Length = sizeof attributes;
    attributes.ObjectName = &name;
    w->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    w->afd = INVALID_HANDLE_VALUE;
    /* LCOV_EXCL_START: out of memory or handles, or a system without the driver */
    if (!create || !w->ioctl || !w->port ||
        create(&w->afd, SYNCHRONIZE, &attributes, &iosb, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN,
               0, NULL, 0) != 0 ||
        CreateIoCompletionPort(w->afd, w->port, 0, 0) != w->port ||
        !SetFileCompletionNotificationModes(w->afd, FILE_SKIP_SET_EVENT_ON_HANDLE)) {
        if (w->afd != INVALID_HANDLE_VALUE && w->afd) (void)CloseHandle(w->afd);
        if (w->port) (void)CloseHandle(w->port);
        AIO_FREE(w);
        return NULL;
    }
    /* LCOV_EXCL_STOP */
    return &w->s;
}

/* The events a poll asks for what the loop watches: a close, a reset and
 * a failed connect always (each makes both ways ready). */
static ULONG aio__afd_asked(int want) {
    return (want & AIO_READABLE ? AIO__AFD_RECEIVE | AIO__AFD_ACCEPT | AIO__AFD_DISCONNECT : 0u) |
           (want & AIO_WRITABLE ? AIO__AFD_SEND : 0u) | AIO__AFD_ABORT | AIO__AFD_CONNECT_FAIL |
           AIO__AFD_LOCAL_CLOSE;
}
/* The ways the events a poll reports make ready. */
static int aio__afd_ready(ULONG events) {
    return (events & (AIO__AFD_RECEIVE | AIO__AFD_ACCEPT | AIO__AFD_DISCONNECT | AIO__AFD_ABORT |
                      AIO__AFD_CONNECT_FAIL | AIO__AFD_LOCAL_CLOSE)
                ? (int)AIO_READABLE
                : 0) |
           (events & (AIO__AFD_SEND | AIO__AFD_ABORT | AIO__AFD_CONNECT_FAIL | AIO__AFD_LOCAL_CLOSE)
                ? (int)AIO_WRITABLE
                : 0);
}
/* The handle the driver knows socket fd by (a layered provider may wrap
 * it): 0, or -1 if fd is not a socket. */
static int aio__afd_base(int fd, HANDLE *base) {
    SOCKET b = INVALID_SOCKET;
    DWORD got = 0;
    int type;
    int sl = sizeof type;
    if (getsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_TYPE, (char *)&type, &sl) != 0) return -1;
    if (WSAIoctl(AIO__SOCK(fd), AIO__AFD_BASE_HANDLE, NULL, 0, &b, sizeof b, &got, NULL, NULL) != 0 &&
        WSAIoctl(AIO__SOCK(fd), AIO__AFD_BSP_HANDLE_POLL, NULL, 0, &b, sizeof b, &got, NULL, NULL) != 0)
        return -1;
    *base = (HANDLE)b;
    return 0;
}
static void aio__afd_mark(aio__afd_set *w, aio__afd_sock *r) {
    if (r->dirty) return;
    r->dirty = 1;
    r->next_dirty = w->dirty;
    w->dirty = r;
}
/* Record r is no longer the loop's: its poll cancelled, if in the driver. */
static void aio__afd_let_go(aio__afd_set *w, aio__afd_sock *r) {
    r->let_go = 1;
    if (r->pending) (void)CancelIoEx(w->afd, (LPOVERLAPPED)(void *)&r->iosb);
    else if (!r->dirty) AIO_FREE(r);
}

static void aio__readiness_close(aio__sysio *s) {
    aio__afd_set *w = AIO__AFD_OF(s);
    uint32_t fd;
    aio__afd_sock *r;
    OVERLAPPED_ENTRY done[64];
    ULONG n;
    ULONG i;
    for (fd = 0; fd < s->io.nslots; fd++)
        if (w->at && w->at[fd]) aio__afd_let_go(w, w->at[fd]);
    /* the driver writes into each record until its cancellation completes:
     * each is freed then (a record whose completion never came is kept) */
    while (w->pending &&
           GetQueuedCompletionStatusEx(w->port, done, 64, &n, 1000, FALSE)) { /* LCOV_EXCL_BR_LINE: (in time) */
        for (i = 0; i < n; i++) {
            if (!done[i].lpOverlapped) continue; /* (a wake-up) */
            r = (aio__afd_sock *)(void *)done[i].lpOverlapped;
            r->pending = 0;
            w->pending--;
            if (!r->dirty) AIO_FREE(r);
        }
    }
    while ((r = w->dirty) != NULL) {
        w->dirty = r->next_dirty;
        if (!r->pending) AIO_FREE(r);
    }
    (void)CloseHandle(w->afd);
    (void)CloseHandle(w->port);
    AIO_FREE(w->at);
    AIO_FREE(w);
}
/* The slots grew from s->io.nslots to n: each new one without a record. */
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n) {
    aio__afd_set *w = AIO__AFD_OF(s);
    aio__afd_sock **at = (aio__afd_sock **)AIO_REALLOC(w->at, (size_t)n * sizeof *at);
    uint32_t i;
    if (!at) return AIO_EIO; /* (out of memory) */
    for (i = s->io.nslots; i < n; i++) at[i] = NULL;
    w->at = at;
    return AIO_OK;
}
static aio__waker aio__readiness_waker(const aio__sysio *s) {
    return (aio__waker)((const aio__afd_set *)(const void *)s)->port;
}
static void aio__readiness_wake(aio__waker k) { (void)PostQueuedCompletionStatus((HANDLE)k, 0, 0, NULL); }

/* (AIO__WAIT_TELLS_LATE) WSAPoll of the sockets tasks wait on, not
 * waiting, 64 at a time: its answer is the system's now, not late. */
static int aio__readiness_ready_now(const aio__sysio *s) {
    WSAPOLLFD fds[64];
    uint32_t fd = 0, n;
    while (fd < s->io.nslots) {
        for (n = 0; fd < s->io.nslots && n < 64; fd++) {
            const aio_io_slot *slot = &s->io.slots[fd];
            if (!slot->waiter[0] && !slot->waiter[1]) continue;
            fds[n].fd = AIO__SOCK(fd);
            fds[n].events = (SHORT)((slot->waiter[0] ? POLLRDNORM : 0) | (slot->waiter[1] ? POLLWRNORM : 0));
            fds[n++].revents = 0;
        }
        if (n && WSAPoll(fds, (ULONG)n, 0) != 0) return 1; /* (ready, or failed: look again) */
    }
    return 0;
}

static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events) {
    aio__afd_set *w = AIO__AFD_OF(io);
    aio__afd_sock *r = w->at[fd];
    HANDLE base;
    (void)old;
    if (!events) {
        if (r) {
            w->at[fd] = NULL;
            aio__afd_let_go(w, r);
        }
        return AIO_OK;
    }
    if (!r) {
        if (aio__afd_base(fd, &base) != 0)
            return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket (Windows waits for sockets only)");
        r = (aio__afd_sock *)aio__zalloc(sizeof *r);
        if (!r) return AIO_EIO; /* (out of memory) */
        r->fd = fd;
        r->base = base;
        w->at[fd] = r;
    }
    r->want = (uint8_t)events;
    aio__afd_mark(w, r);
    return AIO_OK;
}

/* Before a wait: each record on the list polled (if the poll in the driver
 * does not ask for all it watches now), or freed (let go). */
static void aio__afd_poll_dirty(aio__afd_set *w, aio_loop *L) {
    aio__afd_sock *r;
    while ((r = w->dirty) != NULL) {
        NTSTATUS st;
        w->dirty = r->next_dirty;
        r->dirty = 0;
        if (r->let_go) {
            if (!r->pending) AIO_FREE(r);
            continue;
        }
        if (r->pending) {
            if (r->want & ~r->polled) /* (its completion, cancelled, marks it again) */
                (void)CancelIoEx(w->afd, (LPOVERLAPPED)(void *)&r->iosb);
            continue;
        }
        if (!r->want) continue;
        if (r->closed && aio__afd_base(r->fd, &r->base) != 0) { /* (none now: its waiter finds out) */
            aio_io_ready(L, r->fd, r->want);
            continue;
        }
        r->closed = 0;
        r->info.socket = r->base;
        r->info.timeout.QuadPart = 0x7fffffffffffffffLL;
        r->info.count = 1;
        r->info.exclusive = 0;
        r->info.events = aio__afd_asked(r->want);
        r->info.status = 0;
        r->iosb.Status = AIO__AFD_PENDING;
        st = w->ioctl(w->afd, NULL, NULL, &r->iosb, &r->iosb, AIO__AFD_IOCTL_POLL, &r->info,
                      (ULONG)sizeof r->info, &r->info, (ULONG)sizeof r->info);
        if (st == 0 || st == AIO__AFD_PENDING) { /* (its completion comes to the port either way) */
            r->pending = 1;
            r->polled = r->want;
            w->pending++;
        } else { /* the socket is gone (closed behind the loop's back): its waiter finds out */
            r->closed = 1;
            aio_io_ready(L, r->fd, r->want);
        }
    }
}

static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__afd_set *w = AIO__AFD_OF(io);
    OVERLAPPED_ENTRY done[128];
    int ms = aio__io_timeout(L, deadline);
    ULONG n = 0;
    ULONG i;
    if (ms == 0 && !io->waiting && !aio__sig_waiting()) return;
    aio__afd_poll_dirty(w, L);
    if (!GetQueuedCompletionStatusEx(w->port, done, 128, &n, ms < 0 ? INFINITE : (DWORD)ms, FALSE)) n = 0;
    for (i = 0; i < n; i++) {
        aio__afd_sock *r = (aio__afd_sock *)(void *)done[i].lpOverlapped;
        int ready;
        if (!r) continue; /* a wake-up */
        r->pending = 0;
        w->pending--;
        if (r->let_go) {
            if (!r->dirty) AIO_FREE(r);
            continue;
        }
        if ((ULONG)r->iosb.Status == AIO__AFD_CANCELLED) { /* (polled again for what it watches now) */
            aio__afd_mark(w, r);
            continue;
        }
        ready = r->iosb.Status < 0 ? (int)(AIO_READABLE | AIO_WRITABLE)
                                   : r->info.count ? aio__afd_ready(r->info.events) : 0;
        if (r->iosb.Status < 0 || (r->info.count && (r->info.events & AIO__AFD_LOCAL_CLOSE)))
            r->closed = 1; /* (its handle asked for again before its next poll) */
        aio__afd_mark(w, r); /* (before the report, which may let it go) */
        if (ready & r->want) aio_io_ready(L, r->fd, ready & r->want);
    }
    aio__deliver_signals(L);
}
#endif
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
#ifdef AIO__SOCKETS
#define AIO__AGAIN (INT_MIN + 2) /* would block (never leaves this section) */
#define AIO__INTR (INT_MIN + 3)  /* interrupted: try again at once */

/* The simulated network is the other backend of these calls (its table is
 * installed while a simulation runs on the thread: see "the platform's
 * table" below and "simulation"); a build without AIO_SIMULATION has none
 * of it. */
#ifdef AIO__SIM
typedef struct aio__sim aio__sim;
static AIO_THREAD_LOCAL aio__sim *aio__sim_here; /* the simulation of this thread */
#endif
#ifdef AIO__THREADS
struct aio__job;
#endif


/* ---- the platform's table
 *
 * Every call the awaits make of the system's sockets goes through a table
 * of functions, one per backend: the system's (aio__system_platform: the
 * aio__sys_ functions below, POSIX or Windows) and the simulation's
 * (aio__sim_platform, in "simulation"). One predicate, aio__os(), gives the
 * table the thread has installed: the system's, or the simulation's while
 * aio_sim_start's simulation runs (aio__os_install). A build without
 * AIO_SIMULATION has one table, constant: the compiler calls its functions
 * directly. Each slot has the returns of the aio__net_ function that calls
 * it (the list at the top of this section):
 *
 *   listen, udp: a listening TCP socket, a bound UDP socket at `at` (the
 *       address checked), or a status;
 *   port_of: a socket's port, or -1; close: 0, or -1 (not open);
 *   shutdown: a connection shut down both ways (its peer reads the end
 *       after its bytes, its own later reads find the end, its writes
 *       fail): 0, or -1 (not open, or not connected where the system says so). */
/* Each slot's type, by its name: a backend's function for slot S is
 * declared as aio__slot_S, so one defined with another shape is a
 * conflicting declaration of it. */
typedef aio_status aio__slot_recv(int fd, void *buf, size_t len, const char *what);
typedef aio_status aio__slot_send(int fd, const void *buf, size_t len, const char *what);
typedef aio_status aio__slot_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from, const char *what);
typedef aio_status aio__slot_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                    int family, const char *what);
typedef aio_status aio__slot_accept(int fd, const char *what);
typedef int aio__slot_socket(int family);
typedef aio_status aio__slot_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what);
typedef aio_status aio__slot_connected(int fd, const char *what);
typedef int aio__slot_listen(const aio_address *at, int backlog);
typedef int aio__slot_udp(const aio_address *at);
typedef int aio__slot_port_of(int fd);
typedef int aio__slot_close(int fd);
typedef int aio__slot_shutdown(int fd);
#ifdef AIO__PROCESSES
/* child processes (see "child processes": the list at its top) */
typedef aio_status aio__slot_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                        aio_loop *L);
typedef int aio__slot_proc_reap(aio_process *p);
typedef void aio__slot_proc_kill_now(aio_process *p);
typedef int aio__slot_proc_send(aio_process *p, int signo);
typedef void aio__slot_proc_release(aio_process *p);
typedef aio_status aio__slot_pipe_read(int fd, void *buf, size_t len);
typedef aio_status aio__slot_pipe_write(int fd, const void *buf, size_t len);
typedef aio_process **aio__slot_children_of(aio_loop *L);
#define AIO__PLATFORM_PROC_SLOTS(X)                                            \
    X(proc_start) X(proc_reap) X(proc_kill_now) X(proc_send) X(proc_release)  \
    X(pipe_read) X(pipe_write) X(children_of)
#else
#define AIO__PLATFORM_PROC_SLOTS(X)
#endif
#ifdef AIO__THREADS
/* calls on the pool (see "worker threads"): the pool a call runs on
 * (NULL: *rc says why, or AIO_OK: the backend runs its calls itself);
 * a call queued, awaited by t; given up before it was handed over;
 * the names a lookup asks (hook and ctx left: the program's) */
struct aio__pool;
typedef struct aio__pool *aio__slot_job_pool(aio_loop *L, const char *what, aio_status *rc);
typedef void aio__slot_job_submit(aio_task *t, struct aio__job *j);
typedef void aio__slot_job_give_up(aio_loop *L, struct aio__job *j);
typedef void aio__slot_names(aio_lookup_fn *hook, void **ctx);
#define AIO__PLATFORM_JOB_SLOTS(X) X(job_pool) X(job_submit) X(job_give_up) X(names)
#else
#define AIO__PLATFORM_JOB_SLOTS(X)
#endif
/* The slots, by name: the table's fields, each backend's declarations and
 * its table are made from this one list, so a table cannot be filled out
 * of order, and a backend that lacks a slot's function does not compile
 * (its name is undeclared, or used and never defined). */
#define AIO__PLATFORM_SLOTS(X)                                                 \
    X(recv) X(send) X(recvfrom) X(sendto) X(accept) X(socket) X(connect)      \
    X(connected) X(listen) X(udp) X(port_of) X(close) X(shutdown) AIO__PLATFORM_PROC_SLOTS(X)             \
    AIO__PLATFORM_JOB_SLOTS(X)
#define AIO__PLATFORM_FIELD(slot) aio__slot_##slot *slot; /* NOLINT(bugprone-macro-parentheses): a field */
typedef struct aio__platform {
    const char *name;
    int unix_sockets; /* 1: it has Unix domain sockets (the simulation's network has not) */
    AIO__PLATFORM_SLOTS(AIO__PLATFORM_FIELD)
} aio__platform;
/* A backend's table: each slot S filled with the function PREFIX_S,
 * declared as the slot's type first (AIO__PLATFORM_DECLARE). */
#define AIO__PLATFORM_SYS_DECL(slot) static aio__slot_##slot aio__sys_##slot;
#define AIO__PLATFORM_SYS_FILL(slot) aio__sys_##slot,
#define AIO__PLATFORM_SIM_DECL(slot) static aio__slot_##slot aio__sim_##slot;
#define AIO__PLATFORM_SIM_FILL(slot) aio__sim_##slot,
AIO__PLATFORM_SLOTS(AIO__PLATFORM_SYS_DECL)
static const aio__platform aio__system_platform = {"the system's", 1, AIO__PLATFORM_SLOTS(AIO__PLATFORM_SYS_FILL)};
#ifdef AIO__SIM
static AIO_THREAD_LOCAL const aio__platform *aio__os_now = &aio__system_platform;
#define aio__os() aio__os_now
/* Make p the thread's table (NULL: the system's): AIO_OK, or AIO_EINVAL
 * (a debug build names the slot left empty) and the table stays. */
static aio_status aio__os_install(const aio__platform *p) {
    if (!p) p = &aio__system_platform;
#define AIO__PLATFORM_SLOT_CHECK(slot)                                         \
    if (!p->slot) return aio__misuse(AIO_EINVAL, AIO__DETAIL("a platform table's slot `" #slot "` is empty"));
    /* (the header's tables fill every slot; test_platform_table empties one,
     * and every slot's check is this one line) */
    AIO__PLATFORM_SLOTS(AIO__PLATFORM_SLOT_CHECK) /* LCOV_EXCL_BR_LINE */
#undef AIO__PLATFORM_SLOT_CHECK
    aio__os_now = p;
    return AIO_OK;
}
#else
#define aio__os() (&aio__system_platform)
#endif

/* New descriptors are close-on-exec (on Windows, not inheritable) from the
 * call that makes them wherever the system can say so (SOCK_CLOEXEC,
 * accept4, pipe2; WSA_FLAG_NO_HANDLE_INHERIT), so that a fork and exec in
 * another thread between two calls cannot hand them to its child; elsewhere
 * they are made so at once after. (A child the library starts gets its
 * three standard streams and nothing else, whatever it could inherit: see
 * "child processes".) Windows has no flag for accept: the socket accepted
 * is made non-inheritable after, as CPython does. */


/* A call's result n (-1: failed), as the functions above return it. */
static aio_status aio__net_result(long n, const char *what, int fd) {
    int err;
    if (n >= 0) return (aio_status)n;
    err = aio__net_last();
    if (aio__net_would_block(err)) return AIO__AGAIN;
    if (aio__net_interrupted(err)) return AIO__INTR; /* LCOV_EXCL_LINE: a signal in the call */
    return aio__net_error(err, what, fd);
}

/* The largest count one call moves: what a status can say. */
static size_t aio__net_chunk(size_t len) { return len > (size_t)INT_MAX ? (size_t)INT_MAX : len; }

/* The calls the awaits make: through the thread's table. */
/* (each counts what moved: aio__io_moved) */
static aio_status aio__net_moved(aio_status rc) {
    if (rc > 0) aio__io_moved++;
    return rc;
}
static aio_status aio__net_recv(int fd, void *buf, size_t len, const char *what) {
    return aio__net_moved(aio__os()->recv(fd, buf, len, what));
}
static aio_status aio__net_send(int fd, const void *buf, size_t len, const char *what) {
    return aio__net_moved(aio__os()->send(fd, buf, len, what));
}
static aio_status aio__net_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from,
                                    const char *what) {
    return aio__net_moved(aio__os()->recvfrom(fd, buf, len, from, what));
}
static aio_status aio__net_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    return aio__net_moved(aio__os()->sendto(fd, buf, len, sa, sl, family, what));
}
static aio_status aio__net_accept(int fd, const char *what) {
    aio_status rc = aio__os()->accept(fd, what);
    if (rc >= 0) aio__io_moved++;
    return rc;
}
static int aio__net_socket(int family) { return aio__os()->socket(family); }
static aio_status aio__net_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    aio__io_moved++; /* (a connection asked for: its answer may come a moment later) */
    return aio__os()->connect(fd, sa, sl, what);
}
static aio_status aio__net_connected(int fd, const char *what) { return aio__os()->connected(fd, what); }
static int aio__net_shutdown(int fd) { return aio__os()->shutdown(fd); }
#endif /* AIO__SOCKETS */

#ifdef AIO__SOCKETS
static const char *const aio__io_names[] = {"AIO_WAIT_READABLE", "AIO_WAIT_WRITABLE", "AIO_ACCEPT",
                                            "AIO_RECV", "AIO_SEND_ALL", "AIO_TCP_CONNECT"};
#define AIO__IO_NAME(op) aio__io_names[op]
#else
#define AIO__IO_NAME(op) "" /* (string literals take RAM on an AVR) */
#endif

/* 1 if a try on fd found way `dir` dry since its last report (its watch is
 * then trusted: see "Whether a way still watched" above). */
static int aio__io_is_dry(const aio_io *io, int fd, int dir) {
    return io && (uint32_t)fd < io->nslots && (io->slots[fd].dry & (1 << dir));
}

#ifdef AIO__SOCKETS
/* An accept out of descriptors: its listener is not watched, and the task
 * waits on it for the loop to try again at the next retry time (asyncio's
 * server pauses its accepts the same way), or for its own deadline. */
static aio_status aio__io_pause(aio_task *t, aio_frame *f, int fd) {
    aio_io *io = t->loop->io;
    aio_time retry = aio__now(t->loop) + AIO_ACCEPT_RETRY_DELAY;
    aio__io_unwatch(io, fd, AIO_READABLE);
    io->slots[fd].dry = (uint8_t)(io->slots[fd].dry | AIO__IO_PAUSED | 1);
    if (!(io->turn_end & AIO__IO_END_PAUSED) || aio__before(retry, io->paused_until)) io->paused_until = retry;
    io->turn_end |= AIO__IO_END_PAUSED;
    return aio__io_park(t, f, 0, 1, "AIO_ACCEPT");
}
#endif

/* Try the operation once more: its result, or parked until the descriptor
 * is ready (AIO__SUSPENDED). */
static aio_status aio__io_try(aio_task *t, aio_frame *f, int op, const void *buf, size_t len) {
    int fd = t->await.io.fd;
    int dir = aio__io_dirs[op];
    aio_io *io = t->loop->io;
    const char *what = AIO__IO_NAME(op);
    if (op <= AIO__IO_WRITABLE) return aio__io_park(t, f, dir, aio__io_is_dry(io, fd, dir), what);
#ifdef AIO__SOCKETS
    for (;;) { /* LCOV_EXCL_LINE: (entered again only after EINTR or ECONNABORTED) */
        aio_status rc;
        if (aio__io_is_dry(io, fd, dir)) return aio__io_park(t, f, dir, 1, what);
        if (op == AIO__IO_RECV) {
            void *into; /* (the receive's buffer, passed as const with the others') */
            memcpy(&into, &buf, sizeof into);
            rc = aio__net_recv(fd, into, len, what);
            if (rc >= 0 && (size_t)rc < len) aio__io_dry(t->loop, fd, 0);
        } else if (op == AIO__IO_SEND) {
            rc = aio__net_send(fd, (const char *)buf + t->await.io.done, len - t->await.io.done, what);
            if (rc >= 0) {
                t->await.io.done += (size_t)rc;
                if (t->await.io.done == len) return AIO_OK;
                rc = AIO__AGAIN; /* the send buffer is full: wait for room */
            }
        } else { /* AIO__IO_ACCEPT */
            rc = aio__net_accept(fd, what);
            if (rc == AIO_EIO && aio__net_exhausted()) return aio__io_pause(t, f, fd);
        }
        /* LCOV_EXCL_START: a signal in the call; a connection gone before its accept */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc != AIO__AGAIN) return rc;
        aio__io_dry(t->loop, fd, dir);
        return aio__io_park(t, f, dir, 0, what); /* (trusts nothing the first time) */
    }
#else
    (void)buf; (void)len; (void)io; (void)fd;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
#endif
}

static aio_status aio__io_begin(aio_task *t, aio_frame *f, int op, int fd, const void *buf, size_t len,
                                aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    const char *what = AIO__IO_NAME(op);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("I/O wait: the timeout"));
#ifdef AIO__SOCKETS
    if ((op == AIO__IO_RECV || op == AIO__IO_SEND) && !buf && len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, op == AIO__IO_RECV ? "AIO_RECV: the buffer is NULL"
                                                                           : "AIO_SEND_ALL: the buffer is NULL"));
    if (op == AIO__IO_RECV && !len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_RECV: len is 0 (a receive of 0 bytes would "
                                                        "read as the end of the stream)"));
#endif
    t->await.io.fd = fd;
    t->await.io.dir = aio__io_dirs[op];
#ifdef AIO__SOCKETS
    t->await.io.done = 0;
#endif
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (fd < 0) return aio__bad_fd(AIO_EBADF, what, fd, AIO__DETAIL("is negative"));
    if (op == AIO__IO_SEND && !len) return AIO_OK;
    aio__set_until(t, until);
    return aio__io_try(t, f, op, buf, len);
}

#if AIO__SPEED && defined(AIO__SOCKETS)
/* A receive or a send that the descriptor takes at once (a server's, most
 * of the time), by a task with nothing to check (no cancellation, no
 * instruments), on a valid request: what aio__io_begin then does, without
 * the deadline it would not arm. The deadline is computed only if the call
 * did not complete: the same value (the iteration's time), armed after the
 * ones armed before it. Apart from aio__io_start: the readiness waits do
 * not pay for the registers this one keeps across the call. */
static AIO__APART aio_status aio__io_at_once(aio_task *t, aio_frame *f, int op, int fd, const void *buf,
                                             size_t len, aio_time d) {
    aio_loop *L = t->loop;
    aio_io *io = L->io;
    int dir = op == AIO__IO_SEND;
    aio_status rc;
    if (!aio__plain(t) || fd < 0 || !buf || !len || (d != AIO_NEVER && d >= (aio_time)(AIO_NEVER / 2)) || !io ||
        (uint32_t)fd >= io->nslots || (io->slots[fd].dry & (1 << dir)))
        return aio__io_begin(t, f, op, fd, buf, len, d);
    t->await.io.fd = fd;
    t->await.io.dir = (uint8_t)dir;
    t->await.io.done = 0;
    if (!dir) {
        void *into; /* (the receive's buffer, passed as const with the others') */
        memcpy(&into, &buf, sizeof into);
        rc = aio__net_recv(fd, into, len, AIO__IO_NAME(AIO__IO_RECV));
        if (rc >= 0) {
            if ((size_t)rc < len) io->slots[fd].dry = (uint8_t)(io->slots[fd].dry | 1);
            return rc;
        }
    } else {
        rc = aio__net_send(fd, buf, len, AIO__IO_NAME(AIO__IO_SEND));
        if (rc >= 0) {
            t->await.io.done = (size_t)rc;
            if ((size_t)rc == len) return AIO_OK;
            rc = AIO__AGAIN; /* the send buffer is full: wait for room */
        }
    }
    if (rc != AIO__AGAIN && rc != AIO__INTR) return rc;
    aio__set_until(t, aio__deadline(L, d, 1));
    if (rc == AIO__INTR) return aio__io_try(t, f, op, buf, len); /* LCOV_EXCL_LINE: a signal in the call */
    aio__io_dry(L, fd, dir);
    return aio__io_park(t, f, dir, 0, AIO__IO_NAME(op)); /* (trusts nothing the first time) */
}
#endif

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
#ifdef AIO__SOCKETS
    t->await.io.done = 0;
#endif
    return aio__io_park(t, f, dir, aio__io_is_dry(t->loop->io, fd, dir), AIO__IO_NAME(op));
}
#endif

AIO_API aio_status aio__io_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                size_t len, aio_time d) {
#if AIO__SPEED && defined(AIO__SOCKETS)
    if (op == AIO__IO_RECV || op == AIO__IO_SEND) return aio__io_at_once(t, f, op, aio__fd(sock), buf, len, d);
#endif
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
#ifdef AIO__SOCKETS
    return t->await.io.done;
#else
    (void)t;
    return 0; /* (nothing is sent without sockets) */
#endif
}

#ifdef AIO__SOCKETS
// >>streams
/* ---------------------------------------------------------------- streams */

/* A stream's read is a readiness wait of its own: it first looks at what is
 * buffered, and receives only when that cannot do; what it receives stays in
 * the stream's buffer whatever becomes of the read, so a read cancelled or
 * timed out loses nothing. The read under way (kind, separator, count) is
 * kept in the stream (the separator by the caller's pointer, which the
 * caller keeps valid until the read ends), and one task at a time may wait
 * in it. (Its own
 * functions: the other awaits' paths do not test for it.) */
#define AIO__MORE (INT_MIN + 4) /* the read needs more bytes (never leaves this section) */

/* A stream is over the socket it was set up on, not over a number: a
 * socket closed under it (aio_close, aio_io_forget) may give its number to
 * the next one made. Each close takes a value of a count that never comes
 * round (the readiness waits' part: 64 bits), kept in the number's slot of
 * the loop's port, and for a number the port has no slot for (or while the
 * loop has no port: none started yet, or detached by aio_loop_set_io) in
 * what the loop keeps apart (aio__stream_kept). The stream notes its
 * number's last close when set up (on the running loop, else the last one
 * made) and every read and write compares: another value is a socket gone,
 * however many closes came between, and the stream refuses for good
 * (AIO_ECLOSED, as a wait it was in gave), in s->eof's second bit. A value
 * of 0 where the stream noted another is a loop's that knows nothing
 * before (a stream made on another loop): it is noted again. So no close is
 * lost, a value is never dropped: a port given up hands its values to the
 * next one, or to what is kept apart where the next one cannot hold them,
 * and a port that grows takes the kept values of its new slots. */
#define AIO__STREAM_GONE 2

/* A stream's write buffer (its part: "a stream's write buffer"), here
 * where the stream's own calls see it. */
typedef struct aio__outbox aio__outbox;
struct aio__outbox {
    aio_task task;            /* the sender (first: the outbox is at its task's address) */
    aio_stream *s;            /* NULL once the stream let it go */
    aio_link link;            /* in its loop's list (loop->outboxes); unlinked: the loop ended */
    aio_loop *loop;           /* the loop it was made on (NULL once it ended) */
    unsigned char *data;      /* data[head..tail) written, not sent yet (NULL when empty) */
    size_t head, tail, cap;
    size_t high, low, bound;
    aio_status error;         /* what a send met: every later write and drain gives it */
    size_t retry;             /* a send that said "nothing now": its length, the next one's
                                 (an engine takes the same bytes again, no more) */
    aio_status rc;            /* (the sender's wait) */
    aio_link waiters;         /* the tasks in an AIO_DRAIN or AIO_STREAM_CLOSE of it */
    aio_link written;         /* in its loop's `written` (unlinked: NULL) */
    uint8_t paused;           /* more than `high` buffered since it last had at most `low` */
    uint8_t full;             /* its sender waits first, as `rc` says: the turn's end found no room */
};
/* A stream freed lets its outbox go; a loop that ends frees those it let
 * go (set by the first outbox made: a program without one links none of it). */
static AIO_THREAD_LOCAL void (*aio__outbox_hook)(aio_stream *s, aio_loop *ending);

/* What the loop keeps apart: the last closes of the numbers below
 * AIO__STREAM_KEPT that its port holds no slot for (while it has none: of
 * all of them). Entries below the port's slots are stale: the slots hold
 * those. One loop a thread: another loop's value takes the table over (the
 * first loop's kept values are then lost, as are those of the numbers
 * beyond the table's end: a stream over such a number does not tell a
 * close behind it). */
#define AIO__STREAM_KEPT 1024
static AIO_THREAD_LOCAL struct {
    const aio_loop *loop; /* (NULL: nothing kept) */
    uint32_t n;           /* numbers [0, n) kept (0 above) */
    uint64_t closed[AIO__STREAM_KEPT];
} aio__stream_kept;

/* L's kept last close of number i (0: none). */
static uint64_t aio__stream_kept_value(const aio_loop *L, uint32_t i) {
    return aio__stream_kept.loop == L && i < aio__stream_kept.n ? aio__stream_kept.closed[i] : 0;
}
/* L's kept entries cover [0, n) (n at most AIO__STREAM_KEPT), the table taken over if another loop's. */
static void aio__stream_keep(const aio_loop *L, uint32_t n) {
    if (aio__stream_kept.loop != L) {
        aio__stream_kept.loop = L;
        aio__stream_kept.n = 0;
    }
    if (n > aio__stream_kept.n) {
        memset(aio__stream_kept.closed + aio__stream_kept.n, 0, (n - aio__stream_kept.n) * sizeof(uint64_t));
        aio__stream_kept.n = n;
    }
}

/* L's last close of number fd into *closed: 1, or 0 where nothing keeps it
 * (no loop, no socket, a number beyond the port's slots, which cannot grow,
 * and the kept table). The port is made to hold the number if it can, so
 * that its closes are kept in the slot. */
static int aio__stream_closed_of(aio_loop *L, int fd, uint64_t *closed) {
    aio_io *io = L ? L->io : NULL;
    if (!L || fd < 0) return 0;
    if (io && ((uint32_t)fd < io->nslots || (io->grow && aio__io_grow(io, fd) >= 0))) {
        *closed = io->slots[fd].closed;
        return 1;
    }
    if (fd >= AIO__STREAM_KEPT) return 0;
    *closed = aio__stream_kept_value(L, (uint32_t)fd);
    return 1;
}
static uint64_t aio__stream_closed(aio_socket fd) {
    uint64_t closed = 0;
    (void)aio__stream_closed_of(aio__loop, aio__fd(fd), &closed);
    return closed;
}

/* aio__io_carry: L gives up port `from` (NULL: none) for port `to`
 * (NULL: none; both NULL: L ends). The last close of number i was from's
 * slot's if from has one, else kept; it goes into to's slot (to grown to
 * hold every number that was closed, if it can; 0 in the slots above, which
 * a port given before may have left), else into the kept table. */
static void aio__stream_carry(aio_loop *L, aio_io *from, aio_io *to) {
    uint32_t from_n = from ? from->nslots : 0;
    uint32_t top = aio__stream_kept.loop == L ? aio__stream_kept.n : 0; /* (numbers at and above: 0) */
    uint32_t held = 0;
    uint32_t i;
    if (!from && !to) { /* (L ends) */
        if (aio__stream_kept.loop == L) aio__stream_kept.loop = NULL;
        if (aio__outbox_hook) aio__outbox_hook(NULL, L);
        return;
    }
    while (from_n > top && !from->slots[from_n - 1].closed) from_n--; /* (from's 0s at the top keep nothing) */
    if (from_n > top) top = from_n;
    if (to && L->written.next && L->written.next != &L->written)
        to->turn_end |= AIO__IO_END_WRITTEN; /* (write buffers written in this turn: sent at its end) */
    if (to) {
        if (top > to->nslots && to->grow) (void)to->grow(to, (int)top - 1); /* (failing, kept apart) */
        for (i = 0; i < to->nslots; i++)
            to->slots[i].closed = i < from_n ? from->slots[i].closed : aio__stream_kept_value(L, i);
        held = to->nslots;
    }
    if (top > AIO__STREAM_KEPT) top = AIO__STREAM_KEPT;
    if (held >= top) return;
    aio__stream_keep(L, top);
    for (i = held; i < from_n && i < top; i++) aio__stream_kept.closed[i] = from->slots[i].closed;
}
/* aio__io_carry_close: a close of number fd, which L's port has no slot
 * for (or L has no port), kept in what L keeps. */
static void aio__stream_carry_close(aio_loop *L, int fd) {
    if (fd < 0 || fd >= AIO__STREAM_KEPT) return;
    aio__stream_keep(L, (uint32_t)fd + 1);
    aio__stream_kept.closed[fd] = aio__close_next();
}
/* aio__io_grown: port io grew from old_nslots slots; its loop's kept values go into the new ones. */
static void aio__stream_grown(aio_io *io, uint32_t old_nslots) {
    uint32_t i;
    if (!aio__stream_kept.loop || aio__stream_kept.loop->io != io) return;
    for (i = old_nslots; i < io->nslots && i < aio__stream_kept.n; i++) io->slots[i].closed = aio__stream_kept.closed[i];
}

/* Whether s's socket was closed under it (its number's last close is
 * another since the stream was set up), on loop L (NULL: none runs); once
 * it was, for good. */
static int aio__stream_closed_under(aio_loop *L, aio_stream *s) {
    if (!(s->eof & AIO__STREAM_GONE)) {
        uint64_t closed;
        if (!aio__stream_closed_of(L, aio__fd(s->fd), &closed) || closed == s->closed) return 0;
        if (!closed) { /* (a loop's that knows nothing before) */
            s->closed = 0;
            return 0;
        }
        s->eof |= AIO__STREAM_GONE;
    }
    return 1;
}
/* aio__stream_gone for a call that is not a task's await: AIO_ECLOSED, named. */
static aio_status aio__stream_gone_on(aio_loop *L, aio_stream *s, const char *what) {
    if (!aio__stream_closed_under(L, s)) return AIO_OK;
    return aio__bad_fd(AIO_ECLOSED, what, aio__fd(s->fd),
                       AIO__DETAIL("was closed under the stream (aio_close): the stream reads and writes no more"));
}

static aio_status aio__stream_gone(aio_task *t, aio_stream *s, const char *what) {
#if AIO__SPEED
    { /* the value in its slot, where there is one (every read of a stream in use) */
        const aio_io *io = t->loop->io;
        uint32_t fd = (uint32_t)aio__fd(s->fd);
        if (io && fd < io->nslots && !(s->eof & AIO__STREAM_GONE) && io->slots[fd].closed == s->closed)
            return AIO_OK;
    }
#endif
    return aio__stream_gone_on(t->loop, s, what);
}

/* A growing stream's buffer (aio_stream_init_growing) is one block of the
 * allocator: its starting size, its limit and its count of quiet receives
 * (below), then the bytes (s->buf points at them). The stream's fields are a
 * fixed stream's; only the paths where a fixed buffer is full (AIO_ELIMIT)
 * or its bytes are moved to the front test `grows`. */
enum { AIO__GROW_START, AIO__GROW_LIMIT, AIO__GROW_QUIET, AIO__GROW_FIELDS };
#define AIO__GROW_HEAD (AIO__GROW_FIELDS * sizeof(size_t))
#define AIO__GROW_QUIET_RECEIVES 4 /* quiet receives in a row before it shrinks */
static size_t aio__stream_sizes(const aio_stream *s, int which) {
    size_t v;
    memcpy(&v, s->buf - AIO__GROW_HEAD + (size_t)which * sizeof v, sizeof v);
    return v;
}
static void aio__stream_set_quiet(aio_stream *s, size_t quiet) {
    memcpy(s->buf - AIO__GROW_HEAD + AIO__GROW_QUIET * sizeof quiet, &quiet, sizeof quiet);
}

/* Resize a growing stream's buffer to `size` bytes (at least what it
 * holds): AIO_OK, or AIO_EIO (errno ENOMEM) with the buffer as it was. */
static aio_status aio__stream_resize(aio_stream *s, size_t size) {
    unsigned char *block = (unsigned char *)AIO_REALLOC(s->buf - AIO__GROW_HEAD, AIO__GROW_HEAD + size);
    if (!block) {
        errno = ENOMEM;
        return AIO_EIO;
    }
    s->buf = block + AIO__GROW_HEAD;
    s->size = (aio__offset)size;
    return AIO_OK;
}

/* The most a growing stream's buffer holds for the read under way:
 * asyncio's limit counts a line's bytes before its separator, so a line or
 * a separator adds the separator's length (clamped: a status counts the
 * bytes a read gives); a count is at most the limit already. */
static size_t aio__stream_cap(const aio_stream *s) {
    size_t limit = aio__stream_sizes(s, AIO__GROW_LIMIT);
    size_t sep = s->kind == AIO__READ_LINE ? 1 : s->kind == AIO__READ_UNTIL ? (size_t)s->want : 0;
    return sep > (size_t)INT_MAX - limit ? (size_t)INT_MAX : limit + sep;
}

/* Its bytes were just moved to the front (s->head and s->last still say
 * what the last read took): the receive was quiet if that read took at
 * most `start` bytes and fewer than `start` are left; after
 * AIO__GROW_QUIET_RECEIVES quiet ones in a row it goes back to `start`
 * bytes (failing, it keeps the larger, and counts again). The hysteresis
 * keeps a stream whose lines are a little longer than its start from
 * shrinking and growing again at every line, and `start` bytes holding
 * fewer leave room to receive into: a receive never has 0 bytes of room. */
static void aio__stream_shrink(aio_stream *s) {
    size_t start = aio__stream_sizes(s, AIO__GROW_START);
    size_t quiet = aio__stream_sizes(s, AIO__GROW_QUIET);
    if (s->size == start) return;
    quiet = (size_t)(s->head - s->last) <= start && s->tail < start ? quiet + 1 : 0;
    if (quiet == AIO__GROW_QUIET_RECEIVES) {
        (void)aio__stream_resize(s, start);
        quiet = 0;
    }
    aio__stream_set_quiet(s, quiet);
}

/* A growing stream's buffer resized. grow: it is full and the read needs
 * more: doubled, to its cap at most (aio__stream_cap); AIO__MORE (room
 * made), AIO_ELIMIT (at its cap), or AIO_EIO (no memory). Else its bytes
 * were just moved to the front: aio__stream_shrink. Reached through
 * aio__stream_regrow_hook, which aio_stream_init_growing sets: a program
 * with fixed streams only links none of it. */
static aio_status aio__stream_regrow(aio_stream *s, int grow) {
    size_t size = (size_t)s->size * 2; /* (at most 2 * INT_MAX) */
    size_t cap;
    aio_status rc;
    if (!grow) {
        aio__stream_shrink(s);
        return AIO_OK;
    }
    cap = aio__stream_cap(s);
    if (s->size >= cap) return AIO_ELIMIT;
    aio__stream_set_quiet(s, 0);
    rc = aio__stream_resize(s, size < cap ? size : cap);
    return rc == AIO_OK ? AIO__MORE : rc;
}
static AIO_THREAD_LOCAL aio_status (*aio__stream_regrow_hook)(aio_stream *s, int grow);

/* What the read under way takes of the bytes buffered: their length (taken:
 * aio_stream_data gives them), AIO__MORE, or the status it ends with. */
static aio_status aio__stream_scan(aio_stream *s) {
    size_t have = s->tail - s->head;
    size_t n = 0;
    const unsigned char *p = s->buf + s->head;
    if (s->kind == AIO__READ_SOME) {
        n = have;
    } else if (s->kind == AIO__READ_EXACTLY) {
        if (!s->want) { /* readexactly(0): nothing to wait for, at the end too */
            s->last = s->head;
            return 0;
        }
        if (have >= s->want) n = s->want;
    } else { /* a line, or up to a separator: looked for where it was not yet */
        const unsigned char *sep = s->kind == AIO__READ_LINE ? (const unsigned char *)"\n"
                                                             : (const unsigned char *)s->sep;
        size_t k = s->kind == AIO__READ_LINE ? 1 : s->want;
        size_t i = s->scanned;
#if AIO__SPEED
        while (i + k <= have) { /* (the C library's memchr finds the first byte: many at a time) */
            const unsigned char *at = (const unsigned char *)memchr(p + i, sep[0], have - k + 1 - i);
            if (!at) break;
            i = (size_t)(at - p);
            if (k == 1 || memcmp(p + i, sep, k) == 0) {
                n = i + k;
                break;
            }
            i++;
        }
#else
        for (; i + k <= have && !n; i++)
            if (p[i] == sep[0] && memcmp(p + i, sep, k) == 0) n = i + k;
#endif
        if (!n) s->scanned = (aio__offset)(have >= k ? have - k + 1 : 0);
    }
    if (!n && s->eof) { /* the end: a line or a read takes what is left */
        if (s->kind == AIO__READ_LINE || s->kind == AIO__READ_SOME) {
            if (!have) return 0;
            n = have;
        } else {
            return AIO_EINCOMPLETE;
        }
    }
    if (!n) return have == s->size ? (s->grows ? aio__stream_regrow_hook(s, 1) : AIO_ELIMIT) : AIO__MORE;
    s->last = s->head;
    s->head += (aio__offset)n;
    s->scanned = 0;
    return (aio_status)n;
}

/* A transport's "nothing now" as the way to wait on: 0 (readable), 1
 * (writable), or -1 for any other result. The socket's own says AIO__AGAIN
 * in the way of its call. */
static int aio__stream_way(aio_status rc, int own) {
    if (rc == AIO_WANT_READ) return 0;
    if (rc == AIO_WANT_WRITE) return 1;
    return rc == AIO__AGAIN ? own : -1;
}

/* One receive into the room after the buffered bytes (moved to the front
 * first, and with them the bytes the last read gave: the caller's only until
 * this next read): AIO_OK (bytes came, or the end), or what the receive
 * said (AIO__AGAIN, AIO__INTR, AIO_WANT_*, an error). A short receive tells
 * that the socket is dry; a transport's does not (a TLS engine gives a
 * record at a time and may hold more). One that fills a growing stream's
 * room grows it (asyncio receives 64 KiB at a time): a burst of short lines
 * then costs a receive and a turn per buffer, not per two lines, and the
 * quiet receives after it shrink it back. */
static aio_status aio__stream_receive(aio_loop *L, aio_stream *s, int fd) {
    aio_status rc;
    if (s->head) {
        if (s->tail != s->head) memmove(s->buf, s->buf + s->head, s->tail - s->head);
        s->tail -= s->head;
        if (s->grows) (void)aio__stream_regrow_hook(s, 0); /* (it may shrink: head - last is what the last read took) */
        s->last = s->head = 0;
    }
    if (s->transport) {
        rc = s->transport->recv(s->transport_ctx, s->fd, s->buf + s->tail, s->size - s->tail);
        if (rc > (aio_status)(s->size - s->tail))
            rc = aio__misuse(AIO_EIO, "a stream's read: the transport's recv said it put more bytes than asked");
    } else {
        rc = aio__net_recv(fd, s->buf + s->tail, s->size - s->tail, "a stream's read");
        if (rc >= 0) {
            if ((size_t)rc < s->size - s->tail) {
                aio__io_dry(L, fd, 0);
            } else if (s->grows) { /* the room filled: more is likely there (a burst) */
                s->tail += (aio__offset)rc;
                (void)aio__stream_regrow_hook(s, 1); /* (twice the room for the next receive, to the limit) */
                return AIO_OK;
            }
        }
    }
    if (rc < 0) return rc;
    if (rc == 0) s->eof = 1;
    s->tail += (aio__offset)rc;
    return AIO_OK;
}

/* Take what the read asks from the buffer, receiving while the transport
 * has bytes; park until the socket is ready the way it needs when it has
 * none (t->until stays the read's deadline throughout). */
static aio_status aio__stream_try(aio_task *t, aio_frame *f, aio_stream *s) {
    aio_loop *L = t->loop;
    int fd = t->await.io.fd;
    for (;;) {
        int way;
        aio_status rc = aio__stream_scan(s);
        if (rc != AIO__MORE) return rc;
        if (!s->transport && aio__io_is_dry(L->io, fd, 0)) return aio__io_park(t, f, 0, 1, "a stream's read");
        rc = aio__stream_receive(L, s, fd);
        /* LCOV_EXCL_START: a signal in the call */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc == AIO_OK) continue; /* (bytes, or the end: look again) */
        way = aio__stream_way(rc, 0);
        if (way < 0) return rc;
        aio__io_dry(L, fd, way);
        return aio__io_park(t, f, way, 0, "a stream's read"); /* (trusts nothing the first time) */
    }
}

/* Send what is left of the write through the transport while it takes
 * bytes; park until the socket is ready the way it needs when it takes none. */
static aio_status aio__stream_send(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len) {
    int fd = t->await.io.fd;
    for (;;) {
        const char *rest = (const char *)buf + t->await.io.done;
        size_t left = len - t->await.io.done;
        aio_status rc;
        int way;
        if (!left) return AIO_OK;
        if (s->transport) {
            rc = s->transport->send(s->transport_ctx, s->fd, rest, left);
            if (rc > (aio_status)left || rc == 0)
                rc = aio__misuse(AIO_EIO, "AIO_STREAM_WRITE: the transport's send said it took no bytes, or more "
                                          "than given");
        } else {
            rc = aio__net_send(fd, rest, left, "AIO_STREAM_WRITE");
        }
        /* LCOV_EXCL_START: a signal in the call */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc > 0) {
            t->await.io.done += (size_t)rc;
            continue;
        }
        way = aio__stream_way(rc, 1);
        if (way < 0) return rc;
        aio__io_dry(t->loop, fd, way);
        return aio__io_park(t, f, way, 0, "AIO_STREAM_WRITE");
    }
}

/* Whether n bytes are more than the stream's buffer (a growing one's
 * limit). */
static int aio__stream_beyond(const aio_stream *s, size_t n) {
    return n > s->size && (!s->grows || n > aio__stream_sizes(s, AIO__GROW_LIMIT));
}

AIO_API aio_status aio__stream_start(aio_task *t, aio_frame *f, aio_stream *s, int kind, const void *sep,
                                     size_t n, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc;
    if (!s || !s->buf)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "a stream's read: the stream was not set up "
                                                        "(aio_stream_init)"));
    if (kind == AIO__READ_UNTIL && (!sep || !n || aio__stream_beyond(s, n)))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_READ_UNTIL: the separator is NULL, of length 0, "
                                                        "or longer than the stream's buffer"));
    if (kind == AIO__READ_EXACTLY && aio__stream_beyond(s, n))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_READ_EXACTLY: the count is larger than the "
                                                        "stream's buffer"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("a stream's read: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    rc = aio__stream_gone(t, s, "a stream's read");
    if (rc < 0) return rc;
    if (s->reader) return aio__misuse(AIO_EBUSY, "a stream's read: another task is waiting in a read of it");
    s->kind = (uint8_t)kind;
    s->sep = sep;
    s->want = (aio__offset)n; /* (at most the buffer's size: checked above) */
    s->scanned = 0;
    t->await.io.fd = aio__fd(s->fd);
    t->await.io.dir = 0;
    t->await.io.done = 0;
    aio__set_until(t, until);
    rc = aio__stream_try(t, f, s);
    if (rc == AIO__SUSPENDED) s->reader = t;
    return rc;
}

AIO_API aio_status aio__stream_poll(aio_task *t, aio_frame *f, aio_stream *s) {
    aio_status rc = aio__io_poll(t, f, AIO__IO_READABLE, NULL, 0); /* readable, or why not */
    if (rc == AIO_OK) rc = aio__stream_try(t, f, s);
    if (rc != AIO__SUSPENDED) s->reader = NULL;
    return rc;
}

/* AIO_STREAM_WRITE after what aio_stream_write buffered: its bytes go once
 * those have gone (it waits among the write buffer's waiters, marked by
 * its way AIO__WRITE_AFTER, which the sender wakes as it sends), so the
 * stream's bytes keep the order they were written in. AIO_OK once nothing
 * is buffered, AIO_ETIMEDOUT, or the error the buffer failed with: what it
 * held was dropped, so bytes sent after them would arrive with a hole
 * before them (its writes and drains say the same). */
#define AIO__WRITE_AFTER 2
static aio_status aio__stream_write_after(aio_task *t, aio_frame *f, aio_stream *s) {
    const aio__outbox *o = s->out;
    aio_status rc;
    t->await.io.dir = 1;
    if (o && o->error) return o->error;
    if (!o || o->head == o->tail) return AIO_OK;
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    AIO__WAITS_ON(t->loop, AIO_ON_IO, s, 0);
    rc = aio__park(t, 1, 1);
    /* (no timer slot and none to grow: every parking await's refusal, tested with theirs) */
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc); /* LCOV_EXCL_LINE */
    t->await.io.dir = AIO__WRITE_AFTER;
    aio__wait_in(t, &s->out->waiters);
    return AIO__SUSPENDED;
}

AIO_API aio_status aio__stream_write_start(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len,
                                           aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc;
    if (!s || !s->buf)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_STREAM_WRITE: the stream was not set up "
                                                        "(aio_stream_init)"));
    if (!buf && len) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_STREAM_WRITE: the buffer is NULL"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_STREAM_WRITE: the timeout"));
    t->await.io.fd = aio__fd(s->fd);
    t->await.io.dir = 1;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    rc = aio__stream_gone(t, s, "AIO_STREAM_WRITE");
    if (rc < 0) return rc;
    if (s->writer) return aio__misuse(AIO_EBUSY, "AIO_STREAM_WRITE: another task is waiting in a write of it");
    aio__set_until(t, until);
    rc = aio__stream_write_after(t, f, s);
    if (rc == AIO_OK) rc = aio__stream_send(t, f, s, buf, len);
    if (rc == AIO__SUSPENDED) s->writer = t;
    return rc;
}

AIO_API aio_status aio__stream_write_poll(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len) {
    aio_status rc;
    if (t->await.io.dir == AIO__WRITE_AFTER) { /* (among the write buffer's waiters) */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        if (aio__checkpoint(t) < 0) {
            rc = aio__raise(t, f, AIO_ECANCELED);
        } else {
            rc = aio__stream_gone(t, s, "AIO_STREAM_WRITE");
            if (rc == AIO_OK) rc = aio__stream_write_after(t, f, s);
            if (rc == AIO_OK) rc = aio__stream_send(t, f, s, buf, len);
        }
    } else {
        rc = aio__io_poll(t, f, AIO__IO_WRITABLE, NULL, 0); /* ready, or why not */
        if (rc == AIO_OK) rc = aio__stream_send(t, f, s, buf, len);
    }
    if (rc != AIO__SUSPENDED) s->writer = NULL;
    return rc;
}

AIO_API aio_status aio_stream_set_transport(aio_stream *s, const aio_transport *tr, void *ctx) {
    if (!s || !s->buf || (tr && (!tr->recv || !tr->send)))
        return aio__misuse(AIO_EINVAL, "aio_stream_set_transport: the stream was not set up (aio_stream_init), "
                                       "or the transport lacks recv or send");
    if (s->reader || s->writer)
        return aio__misuse(AIO_EBUSY, "aio_stream_set_transport: a task is waiting in a read or a write of the "
                                      "stream");
    s->transport = tr;
    s->transport_ctx = tr ? ctx : NULL;
    return AIO_OK;
}

AIO_API aio_status aio_stream_init(aio_stream *s, aio_socket fd, void *buf, size_t size) {
    if (!s || !buf || !size || size > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_stream_init: the stream or the buffer is NULL, or the "
                                       "buffer's size is 0 or larger than INT_MAX");
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->buf = (unsigned char *)buf;
    s->size = (aio__offset)size;
    s->closed = aio__stream_closed(fd);
    aio__io_carry = aio__stream_carry;
    aio__io_carry_close = aio__stream_carry_close;
    aio__io_grown = aio__stream_grown;
    if (aio__fd(fd) < 0) return aio__bad_fd(AIO_EBADF, "aio_stream_init", aio__fd(fd), "is negative");
    return AIO_OK;
}

AIO_API aio_status aio_stream_init_growing(aio_stream *s, aio_socket fd, size_t start, size_t limit) {
    unsigned char *block;
    size_t head[AIO__GROW_FIELDS];
    if (!s || !start || limit < start || limit > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_stream_init_growing: the stream is NULL, the starting size 0, or "
                                       "the limit below it or larger than INT_MAX");
    memset(s, 0, sizeof *s);
    if (aio__fd(fd) < 0) return aio__bad_fd(AIO_EBADF, "aio_stream_init_growing", aio__fd(fd), "is negative");
    block = (unsigned char *)AIO_MALLOC(AIO__GROW_HEAD + start);
    if (!block) {
        errno = ENOMEM;
        return AIO_EIO;
    }
    head[AIO__GROW_START] = start;
    head[AIO__GROW_LIMIT] = limit;
    head[AIO__GROW_QUIET] = 0;
    memcpy(block, head, sizeof head);
    s->fd = fd;
    s->buf = block + AIO__GROW_HEAD;
    s->size = (aio__offset)start;
    s->grows = 1;
    s->closed = aio__stream_closed(fd);
    aio__io_carry = aio__stream_carry;
    aio__io_carry_close = aio__stream_carry_close;
    aio__io_grown = aio__stream_grown;
    aio__stream_regrow_hook = aio__stream_regrow;
    return AIO_OK;
}

AIO_API aio_status aio_stream_free(aio_stream *s) {
    if (!s) return AIO_OK;
    if (s->reader || s->writer)
        return aio__misuse(AIO_EBUSY, "aio_stream_free: a task is waiting in a read or a write of the stream");
    if (s->out) aio__outbox_hook(s, NULL); /* (what it had not sent dropped) */
    if (s->grows) AIO_FREE(s->buf - AIO__GROW_HEAD); /* (a growing stream has its block) */
    s->buf = NULL;
    s->size = 0;
    s->head = s->tail = s->last = s->scanned = 0;
    s->grows = 0;
    return AIO_OK;
}

#endif /* AIO__SOCKETS */

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

#ifdef AIO__SOCKETS
/* The sockaddr inside an address (to pass to the system: read and written
 * here through copies, as the types differ). An address's family is told by
 * its length: a sockaddr_in and a sockaddr_in6 differ in size everywhere. */
#define AIO__SA(a) ((struct sockaddr *)(void *)(a)->sa)
#define AIO__CONST_SA(a) ((const struct sockaddr *)(const void *)(a)->sa)
typedef char aio__address_fits[sizeof(((aio_address *)0)->sa) >= sizeof(struct sockaddr_in6) ? 1 : -1];
static int aio__address_family(const aio_address *a) {
    return a->len == sizeof(struct sockaddr_in6) ? AF_INET6 : AF_INET;
}
static void aio__address_v4(aio_address *a, uint32_t host_order, int port) {
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons((uint16_t)port);
    in.sin_addr.s_addr = htonl(host_order);
    memset(a, 0, sizeof *a);
    memcpy(a->sa, &in, sizeof in);
    a->len = (uint16_t)sizeof in;
}

/* An address: numeric IPv4 or IPv6, "localhost", NULL or "" (any IPv4). */
static int aio__sockaddr(const char *host, int port, aio_address *a) {
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    memset(a, 0, sizeof *a);
    if (port < 0 || port > 65535) return 0;
    if (!host || !*host || strcmp(host, "localhost") == 0) {
        aio__address_v4(a, host && *host ? INADDR_LOOPBACK : INADDR_ANY, port);
        return 1;
    }
    memset(&in, 0, sizeof in);
    if (inet_pton(AF_INET, host, &in.sin_addr) == 1) {
        aio__address_v4(a, ntohl(in.sin_addr.s_addr), port);
        return 1;
    }
    memset(&in6, 0, sizeof in6);
    if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)port);
        memcpy(a->sa, &in6, sizeof in6);
        a->len = (uint16_t)sizeof in6;
        return 1;
    }
    return 0;
}

AIO_API aio_status aio_address_set(aio_address *a, const char *host, int port) {
    if (!a) return aio__misuse(AIO_EINVAL, "aio_address_set: the address is NULL");
    if (!aio__sockaddr(host, port, a))
        return aio__misuse(AIO_EINVAL, "aio_address_set: the host is not a numeric IPv4 or IPv6 address "
                                       "or \"localhost\", or the port is not 0-65535");
    return AIO_OK;
}

/* Whether a holds an IPv4 or IPv6 address. */
static int aio__address_ok(const aio_address *a) {
    uint16_t family_v4;
    uint16_t family_v6;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    if (!a || (a->len != sizeof in && a->len != sizeof in6)) return 0;
    memcpy(&in, a->sa, sizeof in);
    memcpy(&in6, a->sa, sizeof in6);
    family_v4 = (uint16_t)in.sin_family;
    family_v6 = (uint16_t)in6.sin6_family;
    return a->len == sizeof in ? family_v4 == AF_INET : family_v6 == AF_INET6;
}

AIO_API int aio_address_port(const aio_address *a) {
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    if (!aio__address_ok(a)) return aio__misuse(AIO_EINVAL, "aio_address_port: not an address");
    if (aio__address_family(a) == AF_INET6) {
        memcpy(&in6, a->sa, sizeof in6);
        return ntohs(in6.sin6_port);
    }
    memcpy(&in, a->sa, sizeof in);
    return ntohs(in.sin_port);
}

AIO_API int aio_address_format(const aio_address *a, char *buf, size_t size) {
    char host[64];
    int n;
    if (!aio__address_ok(a) || !buf)
        return aio__misuse(AIO_EINVAL, "aio_address_format: not an address, or no buffer");
    if (aio__address_family(a) == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, a->sa, sizeof in);
        (void)inet_ntop(AF_INET, (void *)&in.sin_addr, host, sizeof host);
        n = snprintf(buf, size, "%s:%d", host, aio_address_port(a));
    } else {
        struct sockaddr_in6 in6;
        memcpy(&in6, a->sa, sizeof in6);
        (void)inet_ntop(AF_INET6, (void *)&in6.sin6_addr, host, sizeof host);
        n = snprintf(buf, size, "[%s]:%d", host, aio_address_port(a));
    }
    if (n < 0 || (size_t)n >= size) {
        if (size) buf[0] = '\0';
        return aio__misuse(AIO_EINVAL, "aio_address_format: the buffer is too small");
    }
    return n;
}

AIO_API int aio_tcp_listen(const char *host, int port, int backlog) {
    aio_address at;
    if (!aio__sockaddr(host, port, &at) || backlog < 0)
        return aio__misuse(AIO_EINVAL, "aio_tcp_listen: the host is not a numeric IPv4 or IPv6 "
                                       "address or \"localhost\" (look a name up with AIO_LOOKUP, then "
                                       "aio_tcp_listen_at), the port is not 0-65535, or the backlog is "
                                       "negative");
    return aio_tcp_listen_at(&at, backlog);
}

AIO_API int aio_tcp_listen_at(const aio_address *at, int backlog) {
    if (!aio__address_ok(at) || backlog < 0)
        return aio__misuse(AIO_EINVAL, "aio_tcp_listen_at: not an address, or the backlog is negative");
    return aio__os()->listen(at, backlog);
}

AIO_API int aio_socket_port(aio_socket sock) {
    int fd = aio__fd(sock);
    int port = fd < 0 ? -1 : aio__os()->port_of(fd);
    if (port < 0) return aio__bad_fd(AIO_EBADF, "aio_socket_port", fd, "is not a socket");
    return port;
}

AIO_API aio_status aio_close(aio_socket sock) {
    int fd = aio__fd(sock);
    aio_io_forget(sock);
    if (fd < 0 || aio__os()->close(fd) != 0) return aio__bad_fd(AIO_EBADF, "aio_close", fd, "is not open");
    return AIO_OK;
}

// >>stream-writer
/* -------------------------------------------------- a stream's write buffer */

/* asyncio's StreamWriter: aio_stream_write, from any task, copies what it
 * is given into the stream's outbox. At the end of the turn (after its
 * steps, with the loop's look at the descriptors: aio__io_turn_end) each
 * outbox written in it sends what it holds, in one call: a handler that
 * forwards a burst of lines to many streams costs each of them one send a
 * turn, not one a line (asyncio sends each write at once when nothing waits
 * before it). What the socket does not take, a task of the library's, the
 * outbox's sender, sends in the order written while the socket takes it;
 * writes made meanwhile join it. (Outside its loop's turns a write sends
 * at once what the socket takes, the rest at the next turn's end.)
 * AIO_DRAIN waits while more than the high-water mark is buffered, until at
 * most the low one; AIO_STREAM_CLOSE until nothing is, then closes the
 * socket.
 *
 * An outbox is made by the first write (or aio_stream_set_write_limits) of
 * a stream and goes when the stream is closed, aborted or freed: what it
 * holds is dropped, the tasks waiting in its drains are woken (the stream is
 * gone: AIO_ECLOSED), and its sender, cancelled, may still have a step to
 * take: the outbox then waits in its loop's list of those let go until the
 * sender has ended, and is freed when an outbox is next made or let go on
 * that loop, or as the loop ends. (A program that never calls
 * aio_stream_write or aio_stream_set_write_limits links none of this: the
 * stream's other calls reach it through aio__outbox_hook.) */
#ifdef AIO__SOCKETS
#define AIO__WRITE_HIGH ((size_t)64 * 1024) /* asyncio's high-water mark; the low one is a quarter of it */
#define AIO__WRITE_BOUND ((size_t)1024 * 1024) /* the most buffered unless set: 16 high-water marks */
/* An outbox's block, once all it held is sent, goes to its loop's spares
 * (up to AIO__WRITE_SPARES of them, none larger than the high-water mark:
 * 4 MiB a loop at most), which the next writes of any stream take: a
 * fan-out's bursts reuse the same blocks instead of the allocator giving
 * the heap back to the system after each and faulting it in again. */
#define AIO__WRITE_SPARES 64
typedef struct aio__spare {
    struct aio__spare *next;
    size_t cap;
} aio__spare;

/* A spare block of L's with room for len bytes (its capacity in *cap), or NULL. */
static unsigned char *aio__spare_take(aio_loop *L, size_t len, size_t *cap) {
    aio__spare **at = (aio__spare **)&L->write_spares;
    for (; *at; at = &(*at)->next) {
        aio__spare *b = *at;
        if (b->cap < len) continue;
        *at = b->next;
        L->write_spare_count--;
        *cap = b->cap;
        return (unsigned char *)b;
    }
    return NULL;
}

/* o's block, empty, kept among its loop's spares, or freed. */
static void aio__spare_give(aio__outbox *o) {
    aio_loop *L = o->loop; /* (a loop's: its sender or its turn's end sent the block empty) */
    if (L->write_spare_count < AIO__WRITE_SPARES && o->cap <= AIO__WRITE_HIGH) {
        aio__spare *b = (aio__spare *)(void *)o->data;
        b->next = (aio__spare *)L->write_spares;
        b->cap = o->cap;
        L->write_spares = b;
        L->write_spare_count++;
    } else {
        AIO_FREE(o->data);
    }
    o->data = NULL;
    o->head = o->tail = o->cap = 0;
}

/* The outboxes of L let go whose sender has ended, freed; as L ends, all
 * of them, and those still a stream's are told that their loop is gone (a
 * later write or drain of the stream is refused: nothing would send it). */
static void aio__outbox_reap(aio_loop *L, int ending) {
    aio_link *n = L->outboxes.next;
    while (n && n != &L->outboxes) {
        aio__outbox *o = AIO_CONTAINER(n, aio__outbox, link);
        n = n->next;
        if (ending && o->written.next) aio__list_unlink(&o->written);
        if (!o->s && (ending || o->task.state == AIO__NEW || o->task.state == AIO__DONE)) {
            aio__list_unlink(&o->link);
            AIO_FREE(o->data);
            AIO_FREE(o);
        } else if (ending) {
            aio__list_unlink(&o->link);
            o->link.next = o->link.prev = NULL;
            o->written.next = o->written.prev = NULL;
            o->loop = NULL;
            AIO_FREE(o->data);
            o->data = NULL;
            o->head = o->tail = o->cap = 0;
            if (!o->error) o->error = AIO_EINVAL;
        }
    }
}

/* aio__services_ending: at each turn of aio_run's end, once the senders of
 * L's outboxes are all that is alive (the program's tasks have ended, their
 * cleanups with them), they are stopped (what they held goes unsent, as
 * asyncio's transports close with their loop; what the last turn wrote had
 * its send at that turn's end, as asyncio's write makes it at once). */
static void aio__outbox_services_ending(aio_loop *L) {
    aio_link *n;
    size_t alive = 0;
    if (!L->outboxes.next) return;
    for (n = L->outboxes.next; n != &L->outboxes; n = n->next) {
        const aio_task *sender = &AIO_CONTAINER(n, aio__outbox, link)->task;
        if (sender->state != AIO__NEW && sender->state != AIO__DONE) alive++;
    }
    if (!alive || alive != L->live) return;
    for (n = L->outboxes.next; n != &L->outboxes; n = n->next) {
        aio__outbox *o = AIO_CONTAINER(n, aio__outbox, link);
        if (o->task.state == AIO__NEW || o->task.state == AIO__DONE || aio_task_cancel_pending(&o->task))
            continue;
        /* (a sender alive and not cancelled has its stream and no error: one
         * let go of or failed is cancelled, or ended, by then) */
        o->error = AIO_ECANCELED; /* (its stream's later writes say why nothing goes) */
        (void)aio_cancel(&o->task);
    }
}

/* s lets its outbox go: what it holds dropped, its waiters woken, its
 * sender cancelled (the outbox freed once it has ended). */
static void aio__outbox_let_go(aio_stream *s) {
    aio__outbox *o = s->out;
    aio_loop *L = o->loop;
    s->out = NULL;
    o->s = NULL;
    o->head = o->tail = 0;
    if (o->written.next) {
        aio__list_unlink(&o->written);
        o->written.next = o->written.prev = NULL;
    }
    aio__wake_all(&o->waiters, AIO__T_SIGNALLED);
    if (o->task.state == AIO__NEW || o->task.state == AIO__DONE) {
        if (o->link.next) aio__list_unlink(&o->link);
        AIO_FREE(o->data);
        AIO_FREE(o);
    } else {
        (void)aio_cancel(&o->task); /* (freed once it has ended: it stays on the list) */
    }
    if (L) aio__outbox_reap(L, 0);
}

/* (aio__outbox_hook: a stream with an outbox freed, or a loop ending) */
static void aio__outbox_hook_fn(aio_stream *s, aio_loop *ending) {
    if (s) aio__outbox_let_go(s);
    if (ending) {
        aio__outbox_reap(ending, 1);
        while (ending->write_spares) {
            aio__spare *b = (aio__spare *)ending->write_spares;
            ending->write_spares = b->next;
            AIO_FREE(b);
        }
        ending->write_spare_count = 0;
    }
}

/* s's outbox, made if it has none: NULL if no memory. */
static aio__outbox *aio__outbox_of(aio_stream *s) {
    aio__outbox *o = s->out;
    if (o) return o;
    o = (aio__outbox *)AIO_MALLOC(sizeof *o);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    o->s = s;
    o->high = AIO__WRITE_HIGH;
    o->low = AIO__WRITE_HIGH / 4;
    o->bound = AIO__WRITE_BOUND;
    aio__list_init(&o->waiters);
    s->out = o;
    aio__outbox_hook = aio__outbox_hook_fn;
    aio__services_ending = aio__outbox_services_ending;
    o->loop = aio__loop; /* (the caller checked there is one) */
    if (!o->loop->outboxes.next) aio__list_init(&o->loop->outboxes);
    aio__list_append(&o->loop->outboxes, &o->link);
    aio__outbox_reap(o->loop, 0);
    return o;
}

/* One send of buf[0..len) through s's transport (len > 0, at most INT_MAX;
 * after a send that said "nothing now", its length again, at most: a TLS
 * engine holds that record and takes the same bytes once more): the bytes
 * taken (> 0), AIO_WANT_WRITE or AIO_WANT_READ (nothing now: wait that
 * way), or an error. */
static aio_status aio__outbox_send(aio_stream *s, const unsigned char *buf, size_t len) {
    aio__outbox *o = s->out;
    aio_status rc;
    if (o->retry && len > o->retry) len = o->retry;
    do {
        if (s->transport) {
            rc = s->transport->send(s->transport_ctx, s->fd, buf, len);
            if (rc > (aio_status)len || rc == 0)
                rc = aio__misuse(AIO_EIO, "aio_stream_write: the transport's send said it took no bytes, or "
                                          "more than given");
        } else {
            rc = aio__net_send(aio__fd(s->fd), buf, len, "aio_stream_write");
        }
    } while (rc == AIO__INTR); /* LCOV_EXCL_BR_LINE: (a signal in the call) */
    if (rc == AIO__AGAIN) rc = AIO_WANT_WRITE;
    /* (a TLS engine that must read to write: a renegotiation, which the tests' engines do not ask) */
    o->retry = rc == AIO_WANT_WRITE || rc == AIO_WANT_READ ? len : 0; /* LCOV_EXCL_BR_LINE */
    return rc;
}

/* n more bytes of o sent: the waiters woken when it is back at its low-water
 * mark or empty (its block given back then, to the loop's spares). */
static void aio__outbox_sent(aio__outbox *o, size_t n) {
    o->head += n;
    if (o->head == o->tail) aio__spare_give(o);
    if (o->paused && o->tail - o->head <= o->low) o->paused = 0;
    if (!o->paused) aio__wake_all(&o->waiters, AIO__T_SIGNALLED); /* (empty: at its low-water mark too) */
}

/* o failed with rc: nothing more is sent (what it held is dropped), and
 * every write and drain says so. */
static void aio__outbox_fail(aio__outbox *o, aio_status rc) {
    o->error = rc;
    AIO_FREE(o->data);
    o->data = NULL;
    o->head = o->tail = o->cap = 0;
    aio__wake_all(&o->waiters, AIO__T_SIGNALLED);
}

/* Whether a task waits on descriptor fd's way `dir` (1: until writable). */
static int aio__way_taken(const aio_loop *L, int fd, int dir) {
    const aio_io *io = L->io; /* (NULL: the port was let go since the sender started; its wait starts one) */
    return io && (uint32_t)fd < io->nslots && io->slots[fd].waiter[dir] != NULL;
}

/* The sender: what is buffered, in order, while the socket takes it. Its
 * awaits number their resume points themselves, as the server's task does. */
static aio_status aio__outbox_run(aio_task *t) {
    aio__outbox *o = AIO_CONTAINER(t, aio__outbox, task);
    AIO_BEGIN(t);
    while (!o->error && o->head != o->tail) { /* (a stream that let it go emptied it) */
        if (aio__stream_closed_under(t->loop, o->s)) { /* (its number may be another socket's now) */
            aio__outbox_fail(o, AIO_ECLOSED);
            break;
        }
        if (o->full) { /* (the turn's end found no room: wait first) */
            o->full = 0;
        } else {
            o->rc = aio__outbox_send(o->s, o->data + o->head, o->tail - o->head);
            if (o->rc > 0) {
                aio__outbox_sent(o, (size_t)o->rc);
                continue;
            }
        }
        if (o->rc == AIO_WANT_WRITE) {
            if (aio__way_taken(t->loop, aio__fd(o->s->fd), 1)) { /* (its wait would be refused: say why) */
                aio__outbox_fail(o, aio__misuse(AIO_EBUSY, "aio_stream_write: a task waits until the stream's "
                                                           "socket is writable (AIO_SEND_ALL, AIO_WAIT_WRITABLE): "
                                                           "what is buffered cannot be sent; write a stream one way"));
                break;
            }
            AIO__AWAIT(t, o->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_WRITABLE, o->s->fd, NULL, 0, AIO_NEVER),
                       aio__io_poll(t, aio__f, AIO__IO_WRITABLE, NULL, 0), 1u); /* AIO_WAIT_WRITABLE */
        /* LCOV_EXCL_START: a TLS engine that must read to write (a renegotiation, which the tests'
         * engines do not ask) */
        } else if (o->rc == AIO_WANT_READ) {
            AIO__AWAIT(t, o->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_READABLE, o->s->fd, NULL, 0, AIO_NEVER),
                       aio__io_poll(t, aio__f, AIO__IO_READABLE, NULL, 0), 2u); /* AIO_WAIT_READABLE */
        }
        /* LCOV_EXCL_STOP */
        if (o->rc < 0) aio__outbox_fail(o, o->rc); /* (a stream that let it go cancelled it: no resume comes here) */
    }
    AIO_END(t);
}

/* o's sender started: it sends what o holds while the socket takes it. */
static aio_status aio__outbox_start(aio__outbox *o) {
#if AIO__SPEED
    aio_status rc = aio__spawn_checked(o->loop, &o->task, aio__outbox_run, aio__cancel_leftovers);
#else
    aio_status rc = AIO__SPAWN_ON(o->loop, &o->task, aio__outbox_run, aio__cancel_leftovers);
#endif
    /* LCOV_EXCL_START: (a task spawned on its loop, NEW or DONE: never refused) */
    if (rc < 0) {
        o->error = rc;
        return rc;
    }
    /* LCOV_EXCL_STOP */
    /* the library's, not the program's: out of the loop's list of tasks,
     * which aio_run's end cancels (aio__outbox_services_ending stops it) */
    aio__list_unlink(&o->task.member);
    aio__list_init(&o->task.member);
    return AIO_OK;
}

/* What o holds sent once (a TLS session's records, as long as the socket
 * takes them): 1 if some is left (o->rc says the way to wait for room), 0
 * if all went or o failed. */
static int aio__outbox_send_once(aio__outbox *o) {
    aio_status rc;
    if (aio__stream_closed_under(o->loop, o->s)) { /* (its number may be another socket's now) */
        aio__outbox_fail(o, AIO_ECLOSED);
        return 0;
    }
    do {
        rc = aio__outbox_send(o->s, o->data + o->head, o->tail - o->head);
        if (rc > 0) aio__outbox_sent(o, (size_t)rc);
    } while (rc > 0 && o->s->transport && o->head != o->tail); /* (a socket that took part is full) */
    if (o->head == o->tail) return 0;
    /* (a TLS engine that must read to write: a renegotiation, which the tests' engines do not ask) */
    if (rc < 0 && rc != AIO_WANT_WRITE && rc != AIO_WANT_READ) { /* LCOV_EXCL_BR_LINE */
        aio__outbox_fail(o, rc);
        return 0;
    }
    o->rc = rc > 0 ? AIO_WANT_WRITE : rc;
    return 1;
}

/* At the end of a turn (aio__io_written): each outbox written in it sends
 * what it holds, and its sender waits for room for the rest. */
static void aio__outbox_turn_end(aio_loop *L) {
    while (L->written.next != &L->written) {
        aio__outbox *o = AIO_CONTAINER(L->written.next, aio__outbox, written);
        aio__list_unlink(&o->written);
        o->written.next = o->written.prev = NULL;
        if (!aio__outbox_send_once(o)) continue;
        o->full = 1;
        (void)aio__outbox_start(o);
    }
}

/* o in its loop's list of those written in the turn. */
static void aio__outbox_due(aio__outbox *o) {
    aio_loop *L = o->loop;
    if (!L->written.next) aio__list_init(&L->written);
    aio__list_append(&L->written, &o->written);
    aio__io_written = aio__outbox_turn_end;
    L->io->turn_end |= AIO__IO_END_WRITTEN;
}

/* Room in o for len more bytes (within its bound: the caller checked):
 * what is buffered moved to the front, the block a spare of the loop's or
 * grown. AIO_OK, or AIO_EIO (errno ENOMEM) with o as it was. */
static aio_status aio__outbox_room(aio__outbox *o, size_t len) {
    size_t have = o->tail - o->head;
    size_t cap;
    if (o->cap - o->tail >= len) return AIO_OK;
    if (!o->data) o->data = aio__spare_take(o->loop, len, &o->cap);
    if (o->head) {
        memmove(o->data, o->data + o->head, have);
        o->head = 0;
        o->tail = have;
    }
    for (cap = o->cap ? o->cap : 256; cap - have < len; cap *= 2) continue;
    if (cap > o->bound) cap = o->bound;
    if (cap != o->cap) { /* (realloc: a large block grows in place, unmoved) */
        unsigned char *data = (unsigned char *)AIO_REALLOC(o->data, cap);
        if (!data) {
            errno = ENOMEM;
            return AIO_EIO;
        }
        o->data = data;
        o->cap = cap;
    }
    return AIO_OK;
}

/* s ready to take len more bytes: its outbox (*out), or why not. */
static aio_status aio__outbox_taking(aio_stream *s, size_t len, aio__outbox **out, const char *what) {
    aio__outbox *o;
    aio_status rc;
    if (!s || !s->buf) return aio__misuse(AIO_EINVAL, what);
    if (s->out ? !s->out->loop : !aio__loop)
        return aio__misuse(AIO_EINVAL, "aio_stream_write: no loop to send what the socket does not take "
                                       "(none was made, or aio_loop_destroy ended the stream's)");
    rc = aio__stream_gone_on(aio__loop, s, "aio_stream_write");
    if (rc < 0) return rc;
    if (s->writer)
        return aio__misuse(AIO_EBUSY, "aio_stream_write: a task is waiting in an AIO_STREAM_WRITE of the stream "
                                      "(one way of writing a stream at a time)");
    o = aio__outbox_of(s);
    if (!o || !aio__io_of(o->loop)) { /* (no memory; no port: out of descriptors or memory) */
        errno = ENOMEM;
        return AIO_EIO;
    }
    if (o->error) return o->error;
    if (o->tail - o->head > o->bound || len > o->bound - (o->tail - o->head))
        return AIO_ELIMIT; /* (nothing of it taken; a bound set below what it held: nothing more) */
    *out = o;
    return aio__outbox_room(o, len);
}

/* Bytes were added to o: sent at the end of the turn (in a turn of its
 * loop's) or at once (outside one: no turn to wait for), unless its sender
 * is under way; the stream's error if a send at once failed. */
static aio_status aio__outbox_added(aio__outbox *o) {
    const aio_loop *L = o->loop;
    if (o->tail - o->head > o->high) o->paused = 1;
    if ((o->task.state != AIO__NEW && o->task.state != AIO__DONE) || o->written.next) return AIO_OK;
    /* (outside its loop's turns: what the socket takes now, the rest at a turn's end) */
    if (L == aio__stepping || aio__outbox_send_once(o)) aio__outbox_due(o);
    return o->error;
}

AIO_API aio_status aio_stream_write(aio_stream *s, const void *buf, size_t len) {
    aio__outbox *o = NULL;
    aio_status rc;
    if (s && s->buf && !buf && len) return aio__misuse(AIO_EINVAL, "aio_stream_write: the buffer is NULL");
    rc = aio__outbox_taking(s, len, &o, "aio_stream_write: the stream was not set up (aio_stream_init)");
    if (rc < 0 || !len) return rc;
    memcpy(o->data + o->tail, buf, len);
    o->tail += len;
    return aio__outbox_added(o);
}

AIO_API aio_status aio_stream_writelines(aio_stream *s, const aio_piece *pieces, size_t n) {
    aio__outbox *o = NULL;
    size_t i;
    size_t total = 0;
    aio_status rc;
    if (!pieces && n) return aio__misuse(AIO_EINVAL, "aio_stream_writelines: the array of pieces is NULL");
    for (i = 0; i < n; i++) {
        if (!pieces[i].data && pieces[i].len)
            return aio__misuse(AIO_EINVAL, "aio_stream_writelines: a piece's data is NULL");
        if (pieces[i].len > (size_t)-1 - total)
            return aio__misuse(AIO_EINVAL, "aio_stream_writelines: the pieces' lengths add up past SIZE_MAX");
        total += pieces[i].len;
    }
    /* the room for the whole first (nothing taken if it is refused), then the pieces */
    rc = aio__outbox_taking(s, total, &o, "aio_stream_writelines: the stream was not set up (aio_stream_init)");
    if (rc < 0 || !total) return rc;
    for (i = 0; i < n; i++) {
        if (!pieces[i].len) continue; /* (memcpy's pointers are valid ones: an empty piece's may be NULL) */
        memcpy(o->data + o->tail, pieces[i].data, pieces[i].len);
        o->tail += pieces[i].len;
    }
    return aio__outbox_added(o);
}

AIO_API aio_status aio_stream_set_write_limits(aio_stream *s, size_t high, size_t low, size_t bound) {
    aio__outbox *o;
    if (!s || !s->buf || low > high || !bound || bound > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_stream_set_write_limits: the stream was not set up, low is above "
                                       "high, or the bound is 0 or beyond INT_MAX");
    if (!s->out && !aio__loop)
        return aio__misuse(AIO_EINVAL, "aio_stream_set_write_limits: no loop (none was made, or "
                                       "aio_loop_destroy ended it)");
    o = aio__outbox_of(s);
    if (!o) {
        errno = ENOMEM;
        return AIO_EIO;
    }
    o->high = high;
    o->low = low;
    o->bound = bound;
    o->paused = o->tail - o->head > high;
    if (!o->paused) aio__wake_all(&o->waiters, AIO__T_SIGNALLED);
    return AIO_OK;
}

AIO_API size_t aio_stream_write_buffered(const aio_stream *s) {
    return s && s->out ? s->out->tail - s->out->head : 0;
}

AIO_API aio_status aio_stream_abort(aio_stream *s) {
    if (!s || !s->buf) return aio__misuse(AIO_EINVAL, "aio_stream_abort: the stream was not set up");
    if (s->out) aio__outbox_let_go(s);
    return aio_close(s->fd);
}

/* AIO_DRAIN (closing 0) and AIO_STREAM_CLOSE (1): done once what they wait
 * for came (at most the low-water mark buffered; nothing buffered, then the
 * socket closed), or the outbox failed; else parked among its waiters. */
static aio_status aio__drain_step(aio_task *t, aio_frame *f, aio_stream *s, int closing) {
    aio__outbox *o = s->out;
    aio_status rc = aio__stream_gone(t, s, closing ? "AIO_STREAM_CLOSE" : "AIO_DRAIN");
    if (rc < 0) {
        if (closing && o) aio__outbox_let_go(s); /* (its socket is gone: so is what it held) */
        return rc;
    }
    if (o && o->error) {
        rc = o->error;
    } else if (o && (closing ? o->head != o->tail : o->paused)) {
        if (aio__until_due(t)) {
            rc = AIO_ETIMEDOUT;
        } else {
            AIO__WAITS_ON(t->loop, AIO_ON_IO, s, 0);
            rc = aio__park(t, 1, 1);
            /* (no timer slot and none to grow: every parking await's refusal, tested with theirs) */
            if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc); /* LCOV_EXCL_LINE */
            aio__wait_in(t, &o->waiters);
            return AIO__SUSPENDED;
        }
    }
    if (closing) {
        if (s->out) aio__outbox_let_go(s);
        (void)aio_close(s->fd);
    }
    return rc;
}

AIO_API aio_status aio__drain_start(aio_task *t, aio_frame *f, aio_stream *s, aio_time d, int closing) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (!s || !s->buf)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, closing ? "AIO_STREAM_CLOSE: the stream was not set up"
                                                                : "AIO_DRAIN: the stream was not set up"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED(closing ? "AIO_STREAM_CLOSE: the timeout"
                                                             : "AIO_DRAIN: the timeout"));
    if (aio__checkpoint(t) < 0) {
        if (closing) (void)aio_stream_abort(s); /* (the stream closes all the same) */
        return aio__yield_then_raise(t, f);
    }
    aio__set_until(t, until);
    return aio__drain_step(t, f, s, closing);
}

AIO_API aio_status aio__drain_poll(aio_task *t, aio_frame *f, aio_stream *s, int closing) {
    t->flags &= (uint16_t)~AIO__T_SIGNALLED;
    if (aio__checkpoint(t) < 0) {
        /* (a close whose stream was also freed meanwhile: nothing to abort) */
        if (closing && s->buf) (void)aio_stream_abort(s); /* LCOV_EXCL_BR_LINE */
        return aio__raise(t, f, AIO_ECANCELED);
    }
    if (!s->buf) return AIO_ECLOSED; /* (freed meanwhile) */
    return aio__drain_step(t, f, s, closing);
}
#endif /* AIO__SOCKETS */
// >>unix
/* ------------------------------------------------------ Unix domain sockets */

/* The backend's (aio__sys_unix_listen, aio__sys_unix_connect: POSIX's, or
 * a refusal where the system has none); these are the calls and what every
 * backend shares. */

/* 1 if the thread's table has no Unix domain sockets (a simulation's
 * network has TCP and UDP only): the backend refuses then. */
#define AIO__UNIX_SIMULATED() (!aio__os()->unix_sockets)

AIO_API int aio_unix_listen(const char *path, int backlog) {
    return aio__sys_unix_listen(path, backlog, AIO__UNIX_SIMULATED());
}

AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_UNIX_CONNECT: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    return aio__sys_unix_connect(t, f, path, until, AIO__UNIX_SIMULATED());
}

AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f) { return aio__sys_unix_connect_poll(t, f); }
// >>datagrams
/* -------------------------------------------------------------- datagrams */

/* A datagram's receive or send is one system call that takes or gives a
 * whole datagram: tried at once, and when it would block, tried again each
 * time the socket is ready, all within its one deadline, through the
 * readiness waits' path (t->await.io, the slot's waiter, `dry`). Its buffer,
 * length and address come from the macro to the start and to each
 * resumption: the task holds nothing more. (Their own functions: the other
 * awaits' paths do not test for them, and a program without datagrams
 * links none of this.) */
static const char *const aio__dgram_names[] = {"AIO_RECV_FROM", "AIO_SEND_TO"};

/* One try: the datagram's length (received; its sender in *addr if not
 * NULL), AIO_OK (sent), AIO__AGAIN, AIO__INTR, or a status. */
static aio_status aio__dgram_once(int fd, int op, const void *buf, size_t len, const aio_address *addr) {
    const char *what = aio__dgram_names[op];
    struct sockaddr_storage ss;
    aio_address *from;
    void *into;
    aio_status rc;
    int family;
    if (op == AIO__DGRAM_SEND) {
        rc = aio__net_sendto(fd, buf, len, (const struct sockaddr *)(const void *)addr->sa, addr->len,
                             aio__address_family(addr), what);
        if (rc < 0) return rc;
        /* (a stream socket may take part of it, when its buffer is full) */
        if ((size_t)rc != len)
            return aio__bad_fd(AIO_EBADF, what, fd, "is not a UDP socket (it took part of the datagram)");
        return AIO_OK;
    }
    memcpy(&into, &buf, sizeof into); /* (the receive's buffer and address, passed as const) */
    rc = aio__net_recvfrom(fd, into, len, &ss, what);
    if (rc < 0) return rc;
    family = ss.ss_family;
    if (family != AF_INET && family != AF_INET6)
        return aio__bad_fd(AIO_EBADF, what, fd, "is not a UDP socket (what it received came from no IPv4 or IPv6 sender)");
    if (addr) {
        memcpy(&into, &addr, sizeof into);
        from = (aio_address *)into;
        memset(from, 0, sizeof *from);
        from->len = (uint16_t)(family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
        memcpy(from->sa, &ss, from->len);
    }
    return rc;
}

/* Try until done, or park until the socket is ready that way (op is the way:
 * 0 readable, 1 writable). */
static aio_status aio__dgram_try(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                 const aio_address *addr) {
    aio_loop *L = t->loop;
    int fd = t->await.io.fd;
    for (;;) { /* LCOV_EXCL_LINE: (entered again only after EINTR) */
        aio_status rc;
        if (aio__io_is_dry(L->io, fd, op)) return aio__io_park(t, f, op, 1, aio__dgram_names[op]);
        rc = aio__dgram_once(fd, op, buf, len, addr);
        /* LCOV_EXCL_START: a signal in the call */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc != AIO__AGAIN) return rc;
        aio__io_dry(L, fd, op);
        return aio__io_park(t, f, op, 0, aio__dgram_names[op]); /* (trusts nothing the first time) */
    }
}

AIO_API aio_status aio__dgram_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                    size_t len, const aio_address *addr, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    int fd = aio__fd(sock);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, op == AIO__DGRAM_SEND ? AIO__TIMEOUT_REFUSED("AIO_SEND_TO: the timeout")
                                                      : AIO__TIMEOUT_REFUSED("AIO_RECV_FROM: the timeout"));
    if (!buf && len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, op == AIO__DGRAM_SEND ? "AIO_SEND_TO: the buffer is NULL"
                                                                              : "AIO_RECV_FROM: the buffer is NULL"));
    if (op == AIO__DGRAM_RECV && !len)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_RECV_FROM: len is 0 (a receive of 0 bytes would "
                                                        "drop the datagram)"));
    t->await.io.fd = fd;
    t->await.io.dir = (uint8_t)op;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (op == AIO__DGRAM_SEND && !aio__address_ok(addr))
        return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is NULL or holds no IPv4 or IPv6 address "
                                       "(aio_address_set)");
    if (fd < 0) return aio__bad_fd(AIO_EBADF, aio__dgram_names[op], fd, "is negative");
    aio__set_until(t, until);
    return aio__dgram_try(t, f, op, buf, len, addr);
}

AIO_API aio_status aio__dgram_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                   const aio_address *addr) {
    /* readable (writable), or why not: a cancellation first, the deadline */
    aio_status rc = aio__io_poll(t, f, op == AIO__DGRAM_SEND ? AIO__IO_WRITABLE : AIO__IO_READABLE, NULL, 0);
    return rc == AIO_OK ? aio__dgram_try(t, f, op, buf, len, addr) : rc;
}

AIO_API int aio_udp_open(const char *host, int port) {
    aio_address at;
    if (!aio__sockaddr(host, port, &at))
        return aio__misuse(AIO_EINVAL, "aio_udp_open: the host is not a numeric IPv4 or IPv6 address or "
                                       "\"localhost\", or the port is not 0-65535");
    return aio__os()->udp(&at);
}

// >>signals
/* ---------------------------------------------------------------- signals */

/* The backend's handler (aio__sys_signal_catch: POSIX's sigaction,
 * Windows' console events, in a thread of its own) calls aio__sig_handler,
 * which only notes the signal and writes the wake-up of the loop the
 * signals go to (async-signal-safe); that loop's I/O wait sets the
 * events. (sigaction is POSIX's, not C's: declared with _POSIX_C_SOURCE,
 * which the top of this header defines when it is included first.) */
#ifdef AIO__SIGNALS
static aio__sig_flag aio__sig_pending[AIO__NSIG];
static aio__sig_flag aio__sig_any;
/* Each signal goes to an event to set or a task to cancel (aio_signal_event,
 * aio_signal_cancel), to one at a time: a route replaces the other. */
static aio_event *aio__sig_event[AIO__NSIG];
static aio_task *aio__sig_task[AIO__NSIG];
static aio_loop *aio__sig_loop;

static int aio__sig_waiting(void) { return aio__sig_any != 0; }
static int aio__sig_routed(int signo) { return aio__sig_event[signo] != NULL || aio__sig_task[signo] != NULL; }

static void aio__sig_handler(int signo) {
    int saved = errno;
    aio__sys_signal_caught(signo);
    AIO__SIG_SET(aio__sig_pending[signo]); /* (installed for a valid number only) */
    AIO__SIG_SET(aio__sig_any);
    aio__sys_signal_wake();
    errno = saved;
}

static void aio__deliver_signals(aio_loop *L) {
    int s;
    aio__sys_signals_look(L);
    if (!aio__sig_any || L != aio__sig_loop) return;
    AIO__SIG_CLEAR(aio__sig_any);
    for (s = 1; s < AIO__NSIG; s++) {
        if (!AIO__SIG_TAKE(aio__sig_pending[s])) continue;
        if (aio__sig_event[s]) aio_event_set(aio__sig_event[s]); /* (NULL: unrouted since) */
        /* (a task not spawned yet, or spawned again since, is cancelled in
         * the run it is in; one that has finished is left alone) */
        if (aio__sig_task[s] && aio_task_alive(aio__sig_task[s])) (void)aio_cancel(aio__sig_task[s]);
    }
}

static void aio__sig_default(int signo) {
    aio__sig_event[signo] = NULL;
    aio__sig_task[signo] = NULL;
    aio__sys_signal_default(signo);
}
#else
static int aio__sig_waiting(void) { return 0; }
static void aio__deliver_signals(aio_loop *L) { (void)L; }
#endif
// >>sysio
/* -------------------------------------------------- the system's I/O wait */

/* The port the library starts for a loop: the backend opens and closes it
 * (aio__sys_wait_open, aio__sys_wait_close), the readiness wait picked
 * (>>wait-NAME) watches and waits; what is here is the same on every
 * system and every wait. */
#ifndef AIO__WAIT_PICKED
#error "aio_timeout.h: no readiness wait is picked for this system (>>impl picks one, AIO__WAIT_NAME)"
#endif
static void aio__sysio_wakeup(void *ctx, aio_loop *L) {
    (void)L;
    aio__readiness_wake(aio__readiness_waker((aio__sysio *)ctx));
}

/* The wait's timeout in milliseconds, rounded up (never early): -1 for none. */
static int aio__io_timeout(aio_loop *L, aio_time deadline) {
    aio_time now;
    uint64_t ticks;
    uint64_t ms;
    if (deadline == AIO_NEVER) return -1;
    if (deadline == L->now) return 0;
    if (L->is_virtual) return ((aio__sysio *)(void *)L->io)->settle; /* (time jumps instead: aio__io_idle) */
    now = L->clock(L->clock_ctx);
    if (!aio__before(now, deadline)) return 0;
    ticks = (uint64_t)(aio_time)(deadline - now);
    if (AIO_TICKS_PER_SEC % 1000u == 0) /* (ticks > 0) one division, by a constant: the same count */
        ms = (ticks - 1u) / (AIO_TICKS_PER_SEC >= 1000u ? AIO_TICKS_PER_SEC / 1000u : 1u) + 1u;
    else
        ms = ticks / AIO_TICKS_PER_SEC * 1000u + (ticks % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) /
                                                     AIO_TICKS_PER_SEC;
    return ms > 0x7fffffffu ? 0x7fffffff : (int)ms;
}

/* One system call to wait per turn of aio_run (aio__io_events asks). Each
 * turn's drain looks at the descriptors without blocking, and a turn that
 * leaves nothing to run then waits in aio__io_idle: two calls where one
 * does. aio_run's idle wait marks the port (0 until then: aio_step looks as
 * it always did). The empty turn right after a wait that woke nothing does
 * not look again: the wait just did (asyncio's one select per iteration).
 * A later drain leaves its look to the idle wait when the turn will go
 * idle: nothing to run or drain (the pool's ended calls included), no timer
 * due at the turn's time, no listener paused; what a look would find then
 * is what the wait finds, in the same order. It unmarks the port: the wait
 * marks it again, and a return from aio_run leaves aio_step its looks. */
static void aio__sysio_idles(aio_loop *L) {
    ((aio__sysio *)L->io)->run = (uint8_t)(aio__ready_empty(L) ? 2 : 1);
}
/* Before virtual time jumps to the deadline of a task waiting on a
 * descriptor, the system's wait may look once more, for up to a moment of
 * real time (see aio__io_idle), where the system may still owe this
 * program's sockets something that real time would bring before that
 * deadline; anywhere else the jump is made at once:
 * - a TCP socket that a task waits to write, after bytes moved (a receive
 *   or send that moved some, an accept, a connect) since the last such
 *   look: room in it comes back with its peer's acknowledgement, which the
 *   system may send that much later (TCP's delayed acknowledgement: 40 ms
 *   on Linux). A socket of another family (AF_UNIX) has its room back at
 *   the receive; and with nothing moved since, no acknowledgement is owed
 *   (a peer that stopped reading costs one look, not one a jump);
 * - a wait that tells readiness some time after it comes
 *   (AIO__WAIT_TELLS_LATE: AFD poll's completions, which the system posts
 *   on its own time), where a socket waited on is ready now (a poll of
 *   them that does not wait says so): its completion is on its way.
 * 1 if that look made a task ready (no jump then). */
enum { AIO__VIRTUAL_SETTLE_MS = 100 };
static AIO_THREAD_LOCAL uint32_t aio__sysio_looks; /* (such looks, counted: the tests ask) */
static int aio__net_family(int fd);
/* Whether a task waits to write a TCP socket. */
static int aio__sysio_tcp_writer(const aio__sysio *s) {
    uint32_t fd;
    for (fd = 0; fd < s->io.nslots; fd++) {
        int family;
        if (!s->io.slots[fd].waiter[1]) continue;
        family = aio__net_family((int)fd);
        if (family == AF_INET || family == AF_INET6) return 1;
    }
    return 0;
}
static int aio__sysio_settle(aio_loop *L, aio_time deadline) {
    aio__sysio *s = (aio__sysio *)(void *)L->io;
    const aio_task *first = L->heap_len && L->heap[0].when == deadline ? L->heap[0].task : NULL;
    int owed;
    if (!first || !s->io.waiting || (uint32_t)first->await.io.fd >= s->io.nslots ||
        s->io.slots[first->await.io.fd].waiter[first->await.io.dir & 1] != first)
        return 0; /* (the jump wakes no wait on a descriptor: it changes no outcome of one) */
    owed = s->moved_seen != aio__io_moved && aio__sysio_tcp_writer(s);
#ifdef AIO__WAIT_TELLS_LATE
    if (!owed) owed = aio__readiness_ready_now(s);
#endif
    if (!owed) return 0;
    aio__sysio_looks++;
    s->moved_seen = aio__io_moved;
    s->settle = AIO__VIRTUAL_SETTLE_MS;
    L->io->wait(L->io, L, deadline);
    s->settle = 0;
    return !aio__ready_empty(L) || aio__any_signalled(L);
}
static int aio__sysio_looked(aio_loop *L) {
    aio__sysio *s = (aio__sysio *)L->io;
    if (s->run == 2) {
        s->run = 1;
        return 1;
    }
    if (!s->run || (s->io.turn_end & AIO__IO_END_PAUSED) || !aio__ready_empty(L) || aio__any_signalled(L)) return 0;
    if (L->heap_len && !aio__before(aio__now(L), L->heap[0].when)) return 0;
    s->run = 0;
    return 1;
}

static aio_status aio__sysio_grow(aio_io *io, int fd) {
    aio__sysio *s = (aio__sysio *)io;
    uint32_t n = io->nslots ? io->nslots : 64u;
    aio_io_slot *slots;
    while (n <= (uint32_t)fd) n *= 2u;
    slots = (aio_io_slot *)AIO_REALLOC(io->slots, (size_t)n * sizeof *slots);
    if (!slots) return AIO_EIO; /* (out of memory) */
    memset(slots + io->nslots, 0, (size_t)(n - io->nslots) * sizeof *slots);
    io->slots = slots;
    if (aio__readiness_grow(s, n) < 0) return AIO_EIO; /* (out of memory) */
    io->nslots = n;
    return AIO_OK;
}

#ifdef AIO__PROCESSES
static void aio__children_release(aio__sysio *s);
#endif

/* What the system's wait carries besides descriptors, that would go with
 * it if it were let go while the loop lives (aio_loop_set_io): NULL if
 * nothing, else why it cannot be. */
static const char *aio__sysio_holds(aio_io *io) {
    aio__sysio *s = (aio__sysio *)io;
#ifdef AIO__SIGNALS
    int signo;
    if (aio__sig_loop == s->loop)
        for (signo = 1; signo < AIO__NSIG; signo++)
            if (aio__sig_routed(signo))
                return "aio_loop_set_io: signals are routed to the loop through its wait (aio_signal_event, "
                       "aio_signal_cancel; route them elsewhere first, with NULL)";
#endif
#ifdef AIO__PROCESSES
    if (s->children) return "aio_loop_set_io: child processes of the loop are not closed (aio_process_close)";
#endif
    if (s->pool) return "aio_loop_set_io: the loop's worker threads have started; they end with aio_loop_destroy";
    return NULL;
}

static void aio__sysio_release(aio_io *io) {
    aio__sysio *s = (aio__sysio *)io;
#ifdef AIO__SIGNALS
    int signo;
#endif
#ifdef AIO__PROCESSES
    aio__children_release(s); /* (killed, reaped, closed; SIGCHLD back to the program's action) */
#endif
#ifdef AIO__SIGNALS
    if (aio__sig_loop == s->loop) {
        for (signo = 1; signo < AIO__NSIG; signo++)
            if (aio__sig_routed(signo)) aio__sig_default(signo);
        aio__sys_signal_target(-1);
        aio__sig_loop = NULL;
    }
#endif
    aio_loop_set_wakeup(s->loop, NULL, NULL); /* (it woke the wait closed below) */
    AIO_FREE(io->slots);
    aio__sys_wait_close(s);
}

static aio_io *aio__sysio_start(aio_loop *L) {
    aio__sysio *s = aio__sys_wait_open(L); /* (NULL: out of memory or descriptors) */
    if (!s) return NULL;
    s->io.watch = aio__readiness_watch;
    s->io.wait = aio__readiness_wait;
    s->io.grow = aio__sysio_grow;
    s->io.release = aio__sysio_release;
    s->loop = L;
    L->io = &s->io;
#ifdef AIO__SHARED
    aio_loop_set_wakeup(L, aio__sysio_wakeup, s); /* events set from other threads */
#endif
    return &s->io;
}

#ifdef AIO__SIGNALS
/* Route signal signo to ev (to set) or to t (to cancel), or neither (both
 * NULL: the default action back); `cancel` says which call asks. */
#define AIO__SIGNAL_MISUSE(cancel, why)                                        \
    ((cancel) ? aio__misuse(AIO_EINVAL, "aio_signal_cancel: " why) : aio__misuse(AIO_EINVAL, "aio_signal_event: " why))
static aio_status aio__signal_route(int signo, aio_event *ev, aio_task *t, int cancel) {
    aio_loop *L = aio__loop;
    const char *bad = aio__sys_signal_check(signo, cancel);
    if (bad) return aio__misuse(AIO_EINVAL, bad);
    if (!ev && !t) {
        if (aio__sig_routed(signo)) aio__sig_default(signo);
        return AIO_OK;
    }
    if (!L) return AIO__SIGNAL_MISUSE(cancel, "no loop is running or initialised");
    if (t && aio_task_alive(t) && t->loop != L) /* (aio_signal_cancel's) */
        return aio__misuse(AIO_EINVAL, "aio_signal_cancel: the task belongs to another loop than the one "
                                       "signals would go to");
    if (aio__sig_loop && aio__sig_loop != L)
        return AIO__SIGNAL_MISUSE(cancel, "signals go to another loop; destroy it first");
    if (!aio__io_of(L)) return AIO_EIO; /* (out of memory or descriptors) */
    if (!AIO__SYSTEM_PORT(L))
        return AIO__SIGNAL_MISUSE(cancel, "the loop waits through a port of its own");
    aio__sig_loop = L;
    aio_loop_set_wakeup(L, aio__sysio_wakeup, L->io); /* (an event it sets can end a wait) */
    aio__sys_signal_target(aio__readiness_waker((aio__sysio *)(void *)L->io));
    aio__sig_event[signo] = ev;
    aio__sig_task[signo] = t;
    if (!aio__sys_signal_catch(signo)) { /* (one the C library keeps for itself: Linux's 32 and 33) */
        aio__sig_event[signo] = NULL;
        aio__sig_task[signo] = NULL;
        return AIO_EIO;
    }
    return AIO_OK;
}

AIO_API aio_status aio_signal_event(int signo, aio_event *ev) {
    return aio__signal_route(signo, ev, NULL, 0);
}

AIO_API aio_status aio_signal_cancel(int signo, aio_task *t) {
    return aio__signal_route(signo, NULL, t, 1);
}
#endif /* AIO__SIGNALS */
#endif /* AIO__SOCKETS */

// >>pool
/* ------------------------------------------ blocking calls on worker threads */

/* The pool of a loop (made at its first call, with the loop's I/O): its
 * threads take calls from a queue, oldest first, at most `max` at once. A
 * call that ends goes on the done list, and the first to get there writes
 * the system wait's wake-up. In its turn the loop takes the done list
 * (loop->events, wrapped by the pool at its start) and wakes the tasks that
 * await the calls, or frees the calls given up. The lock guards the queue,
 * the done list, the counts and each call's state; what only the loop's
 * thread touches (a call's waiter, the list of every call) is outside it.
 * At the loop's end the pool waits `timeout` (real time) for the calls
 * under way; if one is still running then, the pool is abandoned to its
 * threads: they are detached, each frees the call it ran when it returns,
 * and the last to leave frees the pool (so what a thread uses outlives it). */
#ifdef AIO__THREADS

enum { AIO__JOB_QUEUED, AIO__JOB_RUNNING, AIO__JOB_DONE };

typedef struct aio__job {
    struct aio__job *next; /* in the queue or the done list (under the lock) */
    aio_link all;          /* among the pool's calls (the loop's thread) */
    aio_thread_fn fn;
    void *data;            /* the pool's copy of the caller's data, after the call */
    aio_task *waiter;      /* the task that awaits it; NULL once given up (the loop's thread) */
    int result;            /* what fn returned (under the lock) */
    uint8_t state;         /* (under the lock) */
} aio__job;

typedef struct aio__pool {
    aio__mutex lock;
    aio__cond work;        /* threads wait on it for a call */
    aio__cond gone;        /* the loop's end waits on it for the threads to leave */
    aio__job *queue;       /* calls not started, oldest first */
    aio__job *queue_tail;
    aio__job *done;        /* calls ended, newest first */
    int threads;           /* started */
    int idle;              /* of them, waiting for a call */
    int busy;              /* of them, running one */
    int queued;
    int max;
    int stopping;
    int left;              /* threads that have left (the loop ends) */
    int abandoned;         /* a call outlived the loop's end: the last thread to leave frees the pool */
    aio_time timeout;      /* how long the loop's end waits for the calls under way */
    aio__waker waker;      /* what wakes the system's wait */
    aio__thread *workers;  /* `threads` of them (the loop's thread) */
    aio_link jobs;         /* every call not freed (the loop's thread) */
    uint32_t awaited;      /* calls a task awaits, not handed over yet (the loop's thread) */
    void (*io_release)(aio_io *io); /* the system wait's own, called after the pool's */
    void (*io_wait)(aio_io *io, aio_loop *L, aio_time deadline); /* the system wait's own */
} aio__pool;

static void aio__pool_release(aio_io *io);
static int aio__pool_events(aio_loop *L, int op);
static void aio__pool_wait(aio_io *io, aio_loop *L, aio_time deadline);

/* The pool's memory freed: its threads have left. */
static void aio__pool_free(aio__pool *p) {
    aio__mutex_done(&p->lock);
    aio__cond_done(&p->work);
    aio__cond_done(&p->gone);
    AIO_FREE(p->workers);
    AIO_FREE(p);
}

/* The loop's pool, or NULL. */
static aio__pool *aio__pool_of(const aio_loop *L) {
    /* (no pool: the loop's I/O was replaced after it, aio_loop_set_io) */
    return L->io && L->io->release == aio__pool_release ? (aio__pool *)((aio__sysio *)L->io)->pool
                                                       : NULL;
}

static AIO__THREAD_MAIN(aio__worker, arg) {
    aio__pool *p = (aio__pool *)arg;
    int last;
    aio__lock(&p->lock);
    for (;;) {
        aio__job *j;
        int result;
        /* (which of these holds when a thread wakes depends on the threads' timing) */
        while (!p->stopping && (!p->queue || p->busy >= p->max)) /* LCOV_EXCL_BR_LINE */
            aio__wait_for_work(&p->work, &p->lock);
        if (p->stopping) break; /* (a call not started is dropped: its loop is going) */
        j = p->queue;
        p->queue = j->next;
        if (!p->queue) p->queue_tail = NULL;
        p->queued--;
        p->idle--;
        p->busy++;
        j->state = AIO__JOB_RUNNING;
        aio__unlock(&p->lock);
        result = j->fn(j->data);
        aio__lock(&p->lock);
        p->busy--;
        if (p->abandoned) { /* the loop is gone: nobody takes the result */
            AIO_FREE(j);
            break;
        }
        j->result = result;
        j->state = AIO__JOB_DONE;
        j->next = p->done;
        if (!p->done) aio__readiness_wake(p->waker); /* (open until the pool is let go) */
        p->done = j;
        p->idle++;
        if (p->queue) aio__signal_work(&p->work); /* (one that waited on `max` may go now) */
    }
    p->left++;
    last = p->abandoned && p->left == p->threads;
    aio__signal_work(&p->gone);
    aio__unlock(&p->lock);
    if (last) aio__pool_free(p);
    return 0;
}

/* Start one more thread (under the lock): 0, or -1 if the system refused. */
static int aio__pool_grow(aio__pool *p) {
    aio__thread *workers = (aio__thread *)AIO_REALLOC(p->workers, (size_t)(p->threads + 1) * sizeof *workers);
    if (!workers) return -1; /* (out of memory) */
    p->workers = workers;
    if (aio__thread_new(&workers[p->threads], p) != 0) return -1; /* LCOV_EXCL_LINE: out of threads */
    p->threads++;
    p->idle++;
    return 0;
}

/* The loop's pool, made with the loop's I/O at the first call. */
static aio__pool *aio__pool_start(aio_loop *L, const char *what, aio_status *rc) {
    aio__pool *p = aio__pool_of(L);
    aio__sysio *sio;
    if (p) return p;
    if (!aio__io_of(L)) {
        *rc = AIO_EIO; /* (the system's wait could not start: out of memory or descriptors, errno says) */
        return NULL;
    }
    if (!AIO__SYSTEM_PORT(L)) {
        *rc = aio__misuse(AIO_EINVAL, what); /* (the message says: a port of its own) */
        return NULL;
    }
    sio = (aio__sysio *)L->io;
    p = (aio__pool *)aio__zalloc(sizeof *p);
    if (!p) { /* (out of memory) */
        *rc = AIO_EIO;
        return NULL;
    }
    aio__mutex_init(&p->lock);
    aio__cond_init(&p->work);
    aio__cond_init(&p->gone);
    p->max = AIO_THREADS_MAX;
    p->timeout = AIO_THREADS_TIMEOUT;
    p->waker = aio__readiness_waker(sio);
    aio__list_init(&p->jobs);
    p->io_release = sio->io.release;
    p->io_wait = sio->io.wait;
    sio->pool = p;
    sio->io.release = aio__pool_release;
    sio->io.wait = aio__pool_wait;
    aio__use_events(L, aio__pool_events);
    return p;
}

static void aio__job_free(aio__job *j) {
    aio__list_unlink(&j->all);
    AIO_FREE(j);
}

/* Wait (under the lock) until every thread has left, the calls under way
 * given the pool's timeout (threads not in a call leave at once): 1, or 0
 * if a call is still under way when it has passed. */
static int aio__pool_wait_threads(aio__pool *p) {
    aio__wall end;
    aio__wall_after(&end, p->timeout == AIO_NEVER ? 0 : p->timeout);
    while (p->left < p->threads) {
        if (!p->busy || p->timeout == AIO_NEVER)
            aio__wait_for_work(&p->gone, &p->lock);
        else if (!aio__wait_until(&p->gone, &p->lock, &end) && p->busy) /* LCOV_EXCL_BR_LINE: (timing) */
            return 0;
    }
    return 1;
}

/* Free every call no thread runs (under the lock): the tasks that awaited
 * them are gone, and one still running is its thread's to free. */
static void aio__pool_drop_calls(aio__pool *p) {
    aio_link *n = p->jobs.next;
    while (n != &p->jobs) {
        aio__job *j = (aio__job *)(void *)((char *)n - offsetof(aio__job, all));
        n = n->next;
        if (j->state != AIO__JOB_RUNNING) aio__job_free(j);
    }
}

/* Join the threads (they have left), then free the pool. */
static void aio__pool_join(aio__pool *p) {
    int i;
    for (i = 0; i < p->threads; i++) aio__thread_join(p->workers[i]);
    aio__pool_free(p);
}

/* The loop destroyed: drop the calls not started, wait for those under way
 * (at most the pool's timeout), free the calls, give the loop's I/O its own
 * release back and call it. The threads are joined, or, with a call still
 * under way, detached with the pool left to them (aio__worker frees it). */
static void aio__pool_release(aio_io *io) {
    aio__sysio *sio = (aio__sysio *)io;
    aio__pool *p = (aio__pool *)sio->pool;
    int all_left;
    int i;
    aio__lock(&p->lock);
    p->stopping = 1;
    aio__broadcast_work(&p->work);
    all_left = aio__pool_wait_threads(p);
    p->abandoned = !all_left;
    aio__pool_drop_calls(p);
    for (i = 0; i < p->threads && !all_left; i++) aio__thread_detach(p->workers[i]);
    sio->pool = NULL;
    io->release = p->io_release;
    io->wait = p->io_wait;
    aio__unlock(&p->lock); /* (abandoned: p is its threads' from here) */
    if (all_left)
        aio__pool_join(p);
    else
        (void)aio__misuse(AIO_ETIMEDOUT, "aio_loop_destroy: a call on a worker thread did not end within the "
                                         "pool's timeout (aio_loop_set_threads_timeout): its thread is left "
                                         "running, detached, and frees the call and the pool when it returns");
    io->release(io);
}

/* The calls that ended, handed to the tasks that await them (in the order
 * they ended); those given up are freed. */
static void aio__pool_reap(aio_loop *L, aio__pool *p) {
    aio__job *j;
    aio__job *oldest = NULL;
    (void)L;
    aio__lock(&p->lock);
    j = p->done;
    p->done = NULL;
    aio__unlock(&p->lock);
    while (j) {
        aio__job *next = j->next;
        j->next = oldest;
        oldest = j;
        j = next;
    }
    while (oldest) {
        aio__job *next = oldest->next;
        aio_task *w = oldest->waiter;
        if (!w) {
            aio__job_free(oldest);
        } else {
            p->awaited--;
            w->flags |= AIO__T_SIGNALLED; /* (woken already: its resumption takes it) */
            if (w->state == AIO__PARKED) {
                AIO__CAUSE(L, NULL, AIO_BY_IO);
                aio__wake(w);
                AIO__CAUSE(L, NULL, AIO_TRACE_NONE);
            }
        }
        oldest = next;
    }
}

/* The loop's work with a pool: the I/O's, then the calls that ended; a loop
 * with a call awaited is not stuck (the call's end will wake it). */
static int aio__pool_events(aio_loop *L, int op) {
    aio__pool *p = aio__pool_of(L);
    /* (p is NULL only once the loop's I/O was replaced after the pool) */
    if (p && op == AIO__EV_DRAIN) { /* LCOV_EXCL_BR_LINE */
        (void)aio__io_events(L, op);
        aio__pool_reap(L, p);
        return 0;
    }
    if (p && op == AIO__EV_STUCK && p->awaited) return 0;  /* LCOV_EXCL_BR_LINE */
    if (p && (op == AIO__EV_PEEK || op == AIO__EV_IDLE)) { /* LCOV_EXCL_BR_LINE */
        int ended;
        aio__lock(&p->lock);
        ended = p->done != NULL;
        aio__unlock(&p->lock);
        if (ended) return 1;
    }
    return aio__io_events(L, op);
}

/* The system's wait, with a pool. On the virtual clock a call takes no
 * virtual time: while a task awaits one that has not ended, the loop waits
 * for it (or for I/O) instead of moving time to its next timer. (So a call
 * that waits for something the loop will do later never ends there.) */
static void aio__pool_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__pool *p = (aio__pool *)((aio__sysio *)io)->pool;
    if (!L->is_virtual || deadline == L->now) {
        p->io_wait(io, L, deadline);
        return;
    }
    /* (a wake-up left from a call reaped earlier ends a wait early: wait
     * again until something is there to run) */
    do {
        p->io_wait(io, L, p->awaited ? AIO_NEVER : deadline);
    } while (p->awaited && aio__ready_empty(L) && !aio__any_signalled(L)); /* LCOV_EXCL_BR_LINE: (timing) */
}

/* A new call of fn over a copy of data[0..size), `extra` bytes more zeroed
 * after it, with a thread to take it: NULL, with the status in *rc, if
 * there is no memory or no thread. Not queued yet (aio__job_submit). A
 * simulation runs its calls itself: no pool, no thread. */
static aio__job *aio__job_new(aio_loop *L, aio_thread_fn fn, const void *data, size_t size, size_t extra,
                              const char *what, aio_status *rc) {
    aio__pool *p = NULL;
    size_t head = (sizeof(aio__job) + 15u) / 16u * 16u; /* (the copy aligned for any type) */
    aio__job *j;
    int short_of_threads;
    *rc = AIO_OK;
    p = aio__os()->job_pool(L, what, rc);
    if (!p && *rc < 0) return NULL;
    j = (aio__job *)aio__alloc_state(head + size + extra);
    if (!j) { /* (out of memory) */
        *rc = AIO_EIO;
        return NULL;
    }
    j->fn = fn;
    j->data = (char *)j + head;
    if (size) memcpy(j->data, data, size);
    if (!p) return j; /* (the backend runs its calls itself) */
    aio__lock(&p->lock);
    short_of_threads = p->idle <= p->queued && p->threads < p->max;
    /* no thread could start (out of memory or threads) and none runs: nothing would run the call
     * (where some run, they take it) */
    if (short_of_threads && aio__pool_grow(p) != 0 && p->threads == 0) { /* LCOV_EXCL_BR_LINE */
        aio__unlock(&p->lock);
        AIO_FREE(j);
        *rc = AIO_EIO;
        return NULL;
    }
    aio__unlock(&p->lock);
    aio__list_append(&p->jobs, &j->all);
    return j;
}

/* The system's pool for a call (the table's job_pool). */
static aio__pool *aio__sys_job_pool(aio_loop *L, const char *what, aio_status *rc) {
    return aio__pool_start(L, what, rc);
}
/* The program's names (the table's names: the hook and ctx it set). */
static void aio__sys_names(aio_lookup_fn *hook, void **ctx) {
    (void)hook;
    (void)ctx;
}
/* Queue call j for the pool's threads, awaited by t (the table's). */
static void aio__job_submit(aio_task *t, aio__job *j) { aio__os()->job_submit(t, j); }
static void aio__sys_job_submit(aio_task *t, aio__job *j) {
    aio__pool *p = aio__pool_of(t->loop);
    j->waiter = t;
    p->awaited++;
    aio__lock(&p->lock);
    j->state = AIO__JOB_QUEUED;
    if (p->queue_tail)
        p->queue_tail->next = j;
    else
        p->queue = j;
    p->queue_tail = j;
    p->queued++;
    aio__signal_work(&p->work);
    aio__unlock(&p->lock);
}

/* t gives call j up (it has not been handed over, or `handed`): one not
 * started is taken off the queue and freed, one under way runs to its end
 * and is freed then. */
static void aio__job_give_up(aio_loop *L, aio__job *j, int handed) {
    if (handed) {
        aio__job_free(j);
        return;
    }
    aio__os()->job_give_up(L, j);
}
static void aio__sys_job_give_up(aio_loop *L, aio__job *j) {
    aio__pool *p = aio__pool_of(L);
    aio__job **at;
    p->awaited--;
    j->waiter = NULL;
    aio__lock(&p->lock);
    if (j->state == AIO__JOB_QUEUED) {
        aio__job *prev = NULL;
        for (at = &p->queue; *at != j; at = &(*at)->next) prev = *at;
        *at = j->next;
        if (p->queue_tail == j) p->queue_tail = prev;
        p->queued--;
        aio__unlock(&p->lock);
        aio__job_free(j);
        return;
    }
    aio__unlock(&p->lock); /* (running, or ended and not reaped: the reaper frees it) */
}

/* Park t until call j ends (queued now) or its deadline `until`. */
static aio_status aio__job_await(aio_task *t, aio_frame *f, aio__job *j, aio_time until) {
    aio_status rc;
    t->await.job = j;
    aio__set_until(t, until);
    AIO__WAITS_ON(t->loop, AIO_ON_IO, NULL, -1);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) {
        aio__job_free(j);
        return aio__raise(t, f, rc);
    }
    aio__job_submit(t, j);
    return rc;
}

/* What a task that awaits call j finds when it resumes: AIO_OK (the call
 * ended: its result and copy are in j, which the caller frees), or what the
 * await returns (the call given up: AIO_ETIMEDOUT, a raise), or parked again. */
static aio_status aio__job_outcome(aio_task *t, aio_frame *f, aio__job *j) {
    int ended = (t->flags & AIO__T_SIGNALLED) != 0;
    aio_status rc;
    t->flags &= (uint16_t)~AIO__T_SIGNALLED;
    if (aio__checkpoint(t) < 0) { /* a cancellation comes first: the result is dropped */
        aio__job_give_up(t->loop, j, ended);
        return aio__raise(t, f, AIO_ECANCELED);
    }
    if (ended) return AIO_OK;
    if (aio__until_due(t)) { /* LCOV_EXCL_BR_LINE: (see below) */
        aio__job_give_up(t->loop, j, 0);
        return AIO_ETIMEDOUT;
    }
    /* LCOV_EXCL_START: woken with no deadline due, by a timer that found no
     * slot to move to (aio__rearm): it parks again and reports that */
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) {
        aio__job_give_up(t->loop, j, 0);
        return aio__raise(t, f, rc);
    }
    return rc;
    /* LCOV_EXCL_STOP */
}

AIO_API aio_status aio_loop_set_threads(aio_loop *L, int max) {
    aio_status rc = AIO_OK;
    aio__pool *p;
    if (max < 1 || max > 1024) return aio__misuse(AIO_EINVAL, "aio_loop_set_threads: the count is not 1 to 1024");
    p = aio__pool_start(L, "aio_loop_set_threads: the loop waits through a port of its own (aio_loop_set_io): "
                           "worker threads need the system's wait", &rc);
    if (!p) return rc;
    aio__lock(&p->lock);
    p->max = max;
    /* a higher count lets more go now: threads for the calls waiting their turn */
    while (p->idle < p->queued && p->threads < p->max) /* (a lower count: none) */
        if (aio__pool_grow(p) != 0) break; /* (out of memory or threads: those there take them) */
    aio__broadcast_work(&p->work);
    aio__unlock(&p->lock);
    return AIO_OK;
}

AIO_API aio_status aio_loop_set_threads_timeout(aio_loop *L, aio_time d) {
    aio_status rc = AIO_OK;
    aio__pool *p;
    if (d != AIO_NEVER && d >= (aio_time)(AIO_NEVER / 2))
        return aio__misuse(AIO_EINVAL, "aio_loop_set_threads_timeout: the time is beyond half the clock range");
    p = aio__pool_start(L, "aio_loop_set_threads_timeout: the loop waits through a port of its own "
                           "(aio_loop_set_io): worker threads need the system's wait", &rc);
    if (!p) return rc;
    aio__lock(&p->lock);
    p->timeout = d;
    aio__unlock(&p->lock);
    return AIO_OK;
}

AIO_API aio_status aio__thread_start(aio_task *t, aio_frame *f, aio_thread_fn fn, void *data, size_t size,
                                     aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc = AIO_OK;
    aio__job *j;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_TO_THREAD: the timeout"));
    if (!fn) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TO_THREAD: the function is NULL"));
    if (!data && size) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TO_THREAD: the data is NULL"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    j = aio__job_new(t->loop, fn, data, size, 0,
                     "AIO_TO_THREAD: the loop waits through a port of its own (aio_loop_set_io): worker "
                     "threads need the system's wait", &rc);
    if (!j) return rc; /* (out of memory, or a port of the loop's own) */
    return aio__job_await(t, f, j, until);
}

AIO_API aio_status aio__thread_poll(aio_task *t, aio_frame *f, void *data, size_t size) {
    aio__job *j = t->await.job;
    aio_status rc = aio__job_outcome(t, f, j);
    if (rc != AIO_OK) return rc;
    if (size) memcpy(data, j->data, size);
    rc = j->result;
    aio__job_free(j);
    if (rc <= AIO__RAISE) /* (the library's markers: no status) */
        return aio__misuse(AIO_EINVAL, "AIO_TO_THREAD: the function returned INT_MIN or INT_MIN + 1, which "
                                       "are not statuses");
    return rc;
}
#endif /* AIO__THREADS */

// >>lookup
/* ------------------------------------------------------------ host names */

/* A lookup is a call on the pool (getaddrinfo blocks), its data the name
 * and room for the answer; a numeric host is answered at once, and so is
 * "localhost" (127.0.0.1) in a build without threads. A hook
 * (aio_set_lookup) can stand in for getaddrinfo. The hook is set from the
 * loop's thread and copied into each call, so that a thread never reads it.
 * Every lookup asks for the whole answer (up to AIO__LOOKUP_ROOM
 * addresses), interleaves its families, and only then keeps the first
 * `max` (a connect's: AIO__ATTEMPTS): so an answer of many IPv6 addresses
 * then an IPv4 one keeps the IPv4 one second (RFC 8305, section 4). */
#ifdef AIO__SOCKETS
#define AIO__ATTEMPTS 8     /* the addresses a connect keeps, interleaved */
#define AIO__LOOKUP_ROOM 32 /* the addresses a lookup asks for, before it keeps `max` */
static aio_lookup_fn aio__lookup_hook;
static void *aio__lookup_ctx;

/* (host, port) as a numeric address, without a lookup: 1, or 0. */
static int aio__numeric(const char *host, int port, aio_address *a) {
#ifdef AIO__THREADS
    if (host && strcmp(host, "localhost") == 0) return 0; /* (NULL: a connect's, to this host) */
#endif
    return aio__sockaddr(host, port, a);
}

AIO_API void aio_set_lookup(aio_lookup_fn lookup, void *ctx) {
    aio__lookup_hook = lookup;
    aio__lookup_ctx = ctx;
}

/* The index of the next address from i on whose family is (or, with
 * same = 0, is not) `family`; n if none. */
static int aio__next_of_family(const aio_address *a, int n, int i, int family, int same) {
    while (i < n && (aio__address_family(&a[i]) == family) != same) i++;
    return i;
}

/* An answer as a connect wants it, in place: duplicates left out, the
 * families interleaved from that of the first choice (RFC 8305, section 4:
 * an attempt to each family early, whichever is the one that works). How
 * many are left. */
static int aio__interleave(aio_address *a, int n) {
    aio_address sorted[AIO__LOOKUP_ROOM];
    int kept = 0;
    int first;
    int other;
    int i;
    int k;
    for (i = 0; i < n && kept < AIO__LOOKUP_ROOM; i++) { /* LCOV_EXCL_BR_LINE: (never more asked) */
        int dup = 0;
        for (k = 0; k < kept; k++) dup |= sorted[k].len == a[i].len && memcmp(sorted[k].sa, a[i].sa, a[i].len) == 0;
        if (!dup) sorted[kept++] = a[i];
    }
    first = aio__next_of_family(sorted, kept, 0, aio__address_family(&sorted[0]), 1);
    other = aio__next_of_family(sorted, kept, 0, aio__address_family(&sorted[0]), 0);
    for (n = 0; first < kept || other < kept; n++) {
        if (other >= kept || (first < kept && n % 2 == 0)) {
            a[n] = sorted[first];
            first = aio__next_of_family(sorted, kept, first + 1, aio__address_family(&sorted[0]), 1);
        } else {
            a[n] = sorted[other];
            other = aio__next_of_family(sorted, kept, other + 1, aio__address_family(&sorted[0]), 0);
        }
    }
    return n;
}

/* A hook's answer n checked: n (1 to AIO__LOOKUP_ROOM addresses, or its
 * status), AIO_ENOTFOUND for no address, or AIO_EINVAL with *mistake
 * naming the hook's (told on the loop's thread). */
static int aio__lookup_checked(int n, const char **mistake) {
    if (n == 0) return AIO_ENOTFOUND; /* (no address: none found) */
    if (n > AIO__LOOKUP_ROOM) {
        *mistake = "a lookup of your own (aio_set_lookup) returned more addresses than the max it was given";
        return AIO_EINVAL;
    }
    if (n <= AIO__RAISE) { /* (the library's markers: no status) */
        *mistake = "a lookup of your own (aio_set_lookup) returned INT_MIN or INT_MIN + 1, which are not statuses";
        return AIO_EINVAL;
    }
    return n;
}

/* The answer out[0..n) interleaved, then cut to max: how many it keeps (a
 * status n as it is). */
static int aio__lookup_kept(aio_address *out, int n, int max) {
    if (n <= 0) return n;
    n = aio__interleave(out, n);
    return n < max ? n : max;
}

#ifdef AIO__THREADS
typedef struct aio__lookup_call {
    aio_lookup_fn hook;
    void *ctx;
    const char *mistake; /* the hook's wrong answer, or NULL */
    int port;
    int max;        /* the addresses kept */
    char host[256]; /* (a DNS name has at most 253 characters) */
    /* then aio_address out[AIO__LOOKUP_ROOM] */
} aio__lookup_call;

static aio_address *aio__lookup_out(aio__lookup_call *c) {
    return (aio_address *)(void *)((char *)c + (sizeof *c + 15u) / 16u * 16u);
}
#define AIO__LOOKUP_SIZE ((sizeof(aio__lookup_call) + 15u) / 16u * 16u + AIO__LOOKUP_ROOM * sizeof(aio_address))

/* getaddrinfo's answer for a stream socket: its IPv4 and IPv6 addresses. */
static int aio__getaddrinfo(const char *host, int port, aio_address *out, int max) {
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    const struct addrinfo *ai;
    char service[8];
    int n = 0;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    (void)snprintf(service, sizeof service, "%d", port);
    rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) { /* LCOV_EXCL_BR_LINE: (a name not found is the hook's test: see tests/test_threads.c) */
#if defined(EAI_MEMORY) && defined(EAI_SYSTEM)
        /* LCOV_EXCL_START: out of memory, or a system error */
        if (rc == EAI_MEMORY || rc == EAI_SYSTEM) return AIO_EIO;
        /* LCOV_EXCL_STOP */
#endif
        return AIO_ENOTFOUND; /* LCOV_EXCL_LINE: (no such name, no address, a failure to ask) */
    }
    /* (another family, or an address larger than a sockaddr_in6: not asked for, never given) */
    for (ai = res; ai && n < max; ai = ai->ai_next) { /* LCOV_EXCL_BR_LINE */
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) || /* LCOV_EXCL_BR_LINE */
            (size_t)ai->ai_addrlen > sizeof out[n].sa) /* LCOV_EXCL_BR_LINE */
            continue; /* LCOV_EXCL_LINE */
        memset(&out[n], 0, sizeof out[n]);
        memcpy(out[n].sa, ai->ai_addr, (size_t)ai->ai_addrlen);
        out[n++].len = (uint16_t)ai->ai_addrlen;
    }
    freeaddrinfo(res);
    return n ? n : AIO_ENOTFOUND; /* LCOV_EXCL_BR_LINE: (getaddrinfo says so first) */
}

/* A lookup call's work, on a worker thread: the addresses it keeps in its
 * output, how many, or a status. */
static int aio__lookup_run(void *data) {
    aio__lookup_call *c = (aio__lookup_call *)data;
    aio_address *out = aio__lookup_out(c);
    int n;
    if (c->hook)
        n = aio__lookup_checked(c->hook(c->ctx, c->host, c->port, out, AIO__LOOKUP_ROOM), &c->mistake);
    else
        n = aio__getaddrinfo(c->host, c->port, out, AIO__LOOKUP_ROOM);
    return aio__lookup_kept(out, n, c->max);
}

/* An ended lookup call's result: its addresses copied to addrs, its hook's
 * mistake told; the call freed. */
static int aio__lookup_take(aio__job *j, aio_address *addrs) {
    aio__lookup_call *c = (aio__lookup_call *)j->data;
    int n = j->result;
    if (c->mistake) (void)aio__misuse(n, c->mistake);
    if (n > 0) memcpy(addrs, aio__lookup_out(c), (size_t)n * sizeof *addrs);
    aio__job_free(j);
    return n;
}

/* Make call data for a lookup of (host, port) with room for max addresses. */
static void aio__lookup_fill(aio__lookup_call *c, const char *host, int port, int max) {
    c->hook = aio__lookup_hook;
    c->ctx = aio__lookup_ctx;
    aio__os()->names(&c->hook, &c->ctx); /* (the simulation's names) */
    c->port = port;
    c->max = max;
    memcpy(c->host, host, strlen(host) + 1u); /* (its length was checked) */
}
#else
/* The hook's answer, on the loop (no threads: it must not block), kept in
 * addrs[0..max) as a call's would be: how many, or a status. */
static int aio__lookup_here(const char *host, int port, aio_address *addrs, int max) {
    aio_address out[AIO__LOOKUP_ROOM];
    const char *mistake = NULL;
    int n = aio__lookup_checked(aio__lookup_hook(aio__lookup_ctx, host, port, out, AIO__LOOKUP_ROOM), &mistake);
    if (mistake) return aio__misuse(n, mistake);
    n = aio__lookup_kept(out, n, max);
    if (n > 0) memcpy(addrs, out, (size_t)n * sizeof *addrs);
    return n;
}
#endif /* AIO__THREADS */

/* What the lookup's caller gave, checked: AIO_OK, or the misuse. */
static aio_status aio__lookup_check(const char *host, int port, const char *what) {
    if (!host || !*host || strlen(host) > 255u || port < 0 || port > 65535) return aio__misuse(AIO_EINVAL, what);
#ifndef AIO__THREADS
    aio_address numeric;
    if (!aio__lookup_hook && !aio__numeric(host, port, &numeric))
        return aio__misuse(AIO_EINVAL, "a host name needs worker threads (this build has AIO_NO_THREADS) or a "
                                       "lookup of your own (aio_set_lookup): give a numeric address");
#endif
    return AIO_OK;
}

AIO_API aio_status aio__lookup_start(aio_task *t, aio_frame *f, const char *host, int port, aio_address *addrs,
                                     int max, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_LOOKUP: the timeout"));
    if (!addrs || max < 1)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_LOOKUP: no room for an address (addrs is NULL "
                                                        "or max < 1)"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    rc = aio__lookup_check(host, port, "AIO_LOOKUP: the host is NULL, empty or longer than 255 characters, "
                                       "or the port is not 0-65535");
    if (rc < 0) return rc;
    if (aio__numeric(host, port, &addrs[0])) return 1; /* (no lookup) */
#ifdef AIO__THREADS
    {
        aio__job *j = aio__job_new(t->loop, aio__lookup_run, NULL, 0, AIO__LOOKUP_SIZE,
                         "AIO_LOOKUP: the loop waits through a port of its own (aio_loop_set_io): worker "
                         "threads need the system's wait", &rc);
        if (!j) return rc; /* (out of memory, or a port of the loop's own) */
        aio__lookup_fill((aio__lookup_call *)j->data, host, port, max);
        return aio__job_await(t, f, j, until);
    }
#else
    return aio__lookup_here(host, port, addrs, max);
#endif
}

AIO_API aio_status aio__lookup_poll(aio_task *t, aio_frame *f, aio_address *addrs, int max) {
#ifdef AIO__THREADS
    aio__job *j = t->await.job;
    aio_status rc = aio__job_outcome(t, f, j);
    (void)max;
    return rc != AIO_OK ? rc : aio__lookup_take(j, addrs);
#else /* LCOV_EXCL_START: never called (no lookup parks) */
    (void)t; (void)f; (void)addrs; (void)max;
    return AIO_EINVAL;
#endif /* LCOV_EXCL_STOP */
}

// >>connect
/* ------------------------------------------------------------ connecting */

/* AIO_TCP_CONNECT: the host's addresses (a lookup for a name), then Happy
 * Eyeballs (RFC 8305, as Trio's open_tcp_stream): an attempt to the first
 * address, and each AIO_HAPPY_EYEBALLS_DELAY without a connection (or at
 * once when every attempt under way failed) one to the next, all under way
 * together; the first connected wins and the others are closed. So a host
 * whose first address is dead (IPv6 that goes nowhere) connects a delay
 * later by the next. The state lives on the heap while the task waits (the
 * task's await.connecting); the task waits on every attempt's socket at once. */
typedef struct aio__connecting {
    aio_time until;        /* the connect's own deadline */
    aio_time next_at;      /* when the next attempt starts */
#ifdef AIO__THREADS
    aio__job *lookup;      /* the name's lookup, until it ends */
#endif
    aio_status error;      /* the last attempt's failure */
    int naddrs;
    int tried;             /* attempts started */
    int fd[AIO__ATTEMPTS]; /* attempts under way (-1: none) */
    aio_address addr[AIO__ATTEMPTS];
} aio__connecting;

/* The connect ends with rc: every attempt under way closed but `keep`. */
static aio_status aio__connect_end(aio_task *t, aio__connecting *c, int keep, aio_status rc) {
    int i;
    for (i = 0; i < c->tried; i++)
        if (c->fd[i] >= 0 && c->fd[i] != keep) (void)aio_close(c->fd[i]);
    AIO_FREE(c);
    t->await.connecting = NULL;
    return rc;
}

/* Start the next attempt (its socket's connect begun). */
static void aio__connect_attempt(aio_loop *L, aio__connecting *c) {
    const aio_address *a = &c->addr[c->tried];
    int fd = aio__net_socket(aio__address_family(a));
    aio_status rc;
    c->next_at = aio__now(L) + AIO_HAPPY_EYEBALLS_DELAY;
    if (fd < 0) { /* (out of descriptors or memory) */
        c->error = AIO_EIO;
        c->fd[c->tried++] = -1;
        return;
    }
    rc = aio__net_connect(fd, AIO__CONST_SA(a), a->len, "AIO_TCP_CONNECT");
    c->fd[c->tried++] = fd; /* (connected at once: it is writable at once) */
    if (rc != AIO_OK && rc != AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (TCP on loopback says "in progress") */
        (void)aio_close(fd);
        c->fd[c->tried - 1] = -1;
        c->error = rc;
    }
}

/* Start what attempts are due and wait on those under way, until the next
 * is due; or end the connect if none is left. */
static aio_status aio__connect_go(aio_task *t, aio_frame *f, aio__connecting *c) {
    aio_loop *L = t->loop;
    aio_time until;
    aio_status rc;
    int live;
    int i;
    for (;;) {
        for (live = 0, i = 0; i < c->tried; i++) live += c->fd[i] >= 0;
        if (c->tried == c->naddrs || (live && aio__before(aio__now(L), c->next_at))) break;
        aio__connect_attempt(L, c);
    }
    if (!live) return aio__connect_end(t, c, -1, c->error);
    until = c->until;
    if (c->tried < c->naddrs && (until == AIO_NEVER || aio__before(c->next_at, until))) until = c->next_at;
    rc = aio__io_park_all(t, c->fd, NULL, c->tried, until, "AIO_TCP_CONNECT", NULL);
    if (rc == AIO__SUSPENDED) return rc;
    return aio__connect_end(t, c, -1, aio__raise(t, f, rc)); /* (out of memory, or no timer slot) */
}

AIO_API aio_status aio__connect_start(aio_task *t, aio_frame *f, const char *host, int port,
                                      aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio__connecting *c;
    aio_status rc;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_TCP_CONNECT: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    if (host && *host) {
        rc = aio__lookup_check(host, port, "AIO_TCP_CONNECT: the host is longer than 255 characters, or the "
                                           "port is not 0-65535");
        if (rc < 0) return rc;
    } else if (port < 0 || port > 65535) {
        return aio__misuse(AIO_EINVAL, "AIO_TCP_CONNECT: the port is not 0-65535");
    }
    aio__net_need();
    c = (aio__connecting *)aio__alloc_state(sizeof *c);
    if (!c) return AIO_EIO; /* (out of memory) */
    c->until = until;
    c->error = AIO_ECONNREFUSED;
    t->await.connecting = c;
    if (aio__numeric(host, port, &c->addr[0])) {
        c->naddrs = 1;
        return aio__connect_go(t, f, c);
    }
#ifdef AIO__THREADS
    {
        aio__job *j = aio__job_new(t->loop, aio__lookup_run, NULL, 0, AIO__LOOKUP_SIZE,
                                   "AIO_TCP_CONNECT: the loop waits through a port of its own "
                                   "(aio_loop_set_io): a host name needs the system's wait", &rc);
        if (!j) return aio__connect_end(t, c, -1, rc); /* (out of memory, or a port of the loop's own) */
        aio__lookup_fill((aio__lookup_call *)j->data, host, port, AIO__ATTEMPTS);
        c->lookup = j;
        aio__set_until(t, until);
        AIO__WAITS_ON(t->loop, AIO_ON_IO, NULL, -1);
        rc = aio__park(t, 1, 1);
        if (rc != AIO__SUSPENDED) {
            aio__job_free(j);
            return aio__connect_end(t, c, -1, aio__raise(t, f, rc));
        }
        aio__job_submit(t, j);
        return rc;
    }
#else
    rc = aio__lookup_here(host, port, c->addr, AIO__ATTEMPTS);
    if (rc < 0) return aio__connect_end(t, c, -1, rc);
    c->naddrs = rc;
    return aio__connect_go(t, f, c);
#endif
}

AIO_API aio_status aio__connect_poll(aio_task *t, aio_frame *f) {
    aio__connecting *c = t->await.connecting;
    aio_loop *L = t->loop;
    aio_io *io = L->io;
    int reported[AIO__ATTEMPTS];
    int winner = -1;
    int i;
#ifdef AIO__THREADS
    if (c->lookup) {
        aio__job *j = c->lookup;
        aio_status rc = aio__job_outcome(t, f, j); /* (gives the lookup up if it must) */
        if (rc != AIO_OK) {
            if (rc == AIO__SUSPENDED) return rc; /* LCOV_EXCL_LINE: (see aio__job_outcome) */
            return aio__connect_end(t, c, -1, rc);
        }
        rc = aio__lookup_take(j, c->addr);
        c->lookup = NULL;
        if (rc < 0) return aio__connect_end(t, c, -1, rc);
        c->naddrs = rc;
        return aio__connect_go(t, f, c);
    }
#endif
    t->flags &= (uint16_t)~(AIO__T_SIGNALLED | AIO__T_CLOSED);
    io->waiting--;
    for (i = 0; i < c->tried; i++) { /* leave every slot, noting the attempts reported ready */
        aio_io_slot *s;
        reported[i] = 0;
        if (c->fd[i] < 0) continue;
        s = &io->slots[c->fd[i]];
        reported[i] = (s->dry & (AIO__IO_REPORTED << 1)) != 0;
        if (s->waiter[1] == t) s->waiter[1] = NULL;
        s->dry = (uint8_t)(s->dry & ~(AIO__IO_REPORTED << 1));
    }
    /* A cancellation comes first: every attempt is closed. */
    if (aio__checkpoint(t) < 0) return aio__connect_end(t, c, -1, aio__raise(t, f, AIO_ECANCELED));
    for (i = 0; i < c->tried && winner < 0; i++) { /* LCOV_EXCL_BR_LINE: (two connected at once: timing) */
        aio_status rc;
        if (!reported[i]) continue;
        rc = aio__net_connected(c->fd[i], "AIO_TCP_CONNECT");
        if (rc == AIO_OK) {
            winner = c->fd[i];
        } else if (rc != AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (AIO__AGAIN: reported before it was made) */
            (void)aio_close(c->fd[i]);
            c->fd[i] = -1;
            c->error = rc;
            c->next_at = aio__now(L); /* the next attempt starts at once */
        }
    }
    if (winner >= 0) {
        aio__io_unwatch(io, winner, AIO_WRITABLE);
        return aio__connect_end(t, c, winner, winner);
    }
    if (aio__due(c->until, aio__now(L))) return aio__connect_end(t, c, -1, AIO_ETIMEDOUT);
    return aio__connect_go(t, f, c);
}
#endif /* AIO__SOCKETS */

// >>server
/* ----------------------------------------------------------------- servers */

/* A server is one task of the library (srv->task, the accept loop) and a
 * task per connection, spawned from it over a state the program gave or
 * one allocated for it. Each connection's task runs aio__server_conn,
 * which steps the program's handler and, in the step the handler ends,
 * closes the socket and counts it gone, however it ends: the handler's
 * cleanup always comes first. The loop is told the task has started, so
 * that even one cancelled before its first step comes there (its handler
 * then never runs, as the loop would have had it). The accept loop ends when
 * the listener is closed, then waits for the handlers (cancelling them at
 * a shutdown's grace, or when the server itself is cancelled: it owns
 * them), gives back the allocated states and ends: its end is
 * wait_closed's. Nothing here is linked by a program that uses no server;
 * a build without sockets has none of it (each call refuses). */

#ifdef AIO__SOCKETS /* (a build without sockets refuses a server: see >>left-out) */
enum { AIO__SERVER_BACKOFF_MAX = 100 }; /* ms: the longest back-off of a failing accept */
/* a connection's flags: its handler stepped; aio_conn_abort; its socket's number has no
 * slot to keep its closes in (so a close behind the server cannot be told); a TLS
 * server's handshake begun (aio_server_set_tls) */
enum { AIO__C_RAN = 1, AIO__C_ABORTED = 2, AIO__C_UNKEPT = 4, AIO__C_SECURING = 8 };

/* What a server that serves a share (aio_server_start_shared: see "a
 * server on every core") asks of it, through one hook that the share's
 * start sets (a program with no share links none of it): a connection let
 * in (its id across the share; 0: the share's limit is reached), one gone,
 * one handed to another loop (1) or kept (0), the server leaving. */
enum { AIO__SHARE_ADMIT, AIO__SHARE_GONE, AIO__SHARE_HAND, AIO__SHARE_LEAVE };
static AIO_THREAD_LOCAL uint32_t (*aio__share_hook)(aio_server *s, int op, int fd);

/* Connection state i (a fixed one, or one allocated: NULL if not yet). */
static aio_conn *aio__server_state(aio_server *s, uint32_t i) {
    if (s->states) return (aio_conn *)(void *)(s->states + (size_t)i * s->size);
    return s->made[i];
}

/* The slot of c's socket on its handler's loop, made if need be (and the
 * loop's wait for descriptors: an accept that did not wait may not have
 * started it); NULL if there is none for it. Its last close (`closed`: a
 * value no later close repeats, the readiness waits' part) other than the
 * one the server noted says that the number was closed behind the server,
 * by the handler: it may be another socket's by now. */
static aio_io_slot *aio__server_slot(const aio_conn *c) {
    aio_io *io = aio__io_of(c->task.loop);
    uint32_t i = (uint32_t)aio__fd(c->fd);
    if (!io || (i >= io->nslots && (!io->grow || aio__io_grow(io, (int)i) < 0))) return NULL;
    return &io->slots[i];
}
/* Note the last close of c's number (the socket c has now is the one after it). */
static void aio__server_note(aio_conn *c) {
    aio_io_slot *slot = aio__server_slot(c);
    c->flags = (uint8_t)((c->flags & ~AIO__C_UNKEPT) | (slot ? 0 : AIO__C_UNKEPT));
    c->closed = slot ? slot->closed : 0;
}
/* 1 while c's socket is still the one the server took (not closed behind it).
 * (c's handler has not ended: its number is c->fd still.) */
static int aio__server_owns(const aio_conn *c) {
    const aio_io_slot *slot;
    if (c->flags & AIO__C_UNKEPT) return 1; /* (nothing to tell: as before) */
    slot = aio__server_slot(c);
    return slot && slot->closed == c->closed;
}

/* A wait under way on c's socket ends (AIO_ECLOSED), the socket still
 * open: no close is counted, so a stream over it is not taken for one whose
 * socket is gone (a later read finds the end the shutdown gives). */
static void aio__server_forget(aio_conn *c) {
    aio__io_drop(c->fd, 0);
}

/* A handler ended (or will never run): its socket closed, one fewer live. A
 * socket the handler closed itself (AIO_STREAM_CLOSE, which sends what its
 * stream's buffer holds first, aio_stream_abort, aio_close) is not closed
 * again: the number may be another connection's by now. */
static void aio__server_gone(aio_conn *c) {
    aio_server *s = c->server;
    if (aio__server_owns(c)) (void)aio_close(c->fd);
    c->fd = (aio_socket)-1;
    s->live--;
    if (s->share) (void)aio__share_hook(s, AIO__SHARE_GONE, -1);
    aio_event_set(&s->changed);
}

static aio_status aio__server_conn(aio_task *t) {
    aio_conn *c = AIO_CONTAINER(t, aio_conn, task);
    aio_status rc;
    if (!(c->flags & AIO__C_RAN) && (t->flags & AIO__T_CANCEL_REQ)) { /* cancelled before its first step */
        t->flags &= (uint16_t)~AIO__T_CANCEL_REQ;
        rc = AIO_ECANCELED;
    } else {
        c->flags |= AIO__C_RAN;
        rc = c->server->handler(t);
    }
    if (rc != AIO__SUSPENDED) aio__server_gone(c);
    return rc;
}

/* A free state, allocated if need be, or NULL (none: the one too many). */
static aio_conn *aio__server_free(aio_server *s) {
    uint32_t k;
    uint32_t first = s->hint; /* (s->hint moves below: the search goes from where it began) */
    if (s->live >= s->limit) return NULL;
    for (k = 0; k < s->limit; k++) { /* (from after the last one taken: the next is free, often) */
        uint32_t i = first + k < s->limit ? first + k : first + k - s->limit;
        aio_conn *c = aio__server_state(s, i);
        s->hint = i + 1 < s->limit ? i + 1 : 0;
        if (!c) {
            c = (aio_conn *)aio__zalloc(s->size);
            s->made[i] = c;
            return c; /* (NULL: out of memory, the connection refused) */
        }
        if (!aio_task_alive(&c->task)) return c;
    }
    return NULL; /* LCOV_EXCL_LINE: (fewer live than the limit: a state is free) */
}

/* A connection accepted: its handler spawned, or it is refused. */
static void aio__server_take(aio_server *s, int fd) {
    aio_conn *c = aio__server_free(s);
    uint32_t id = 0;
    if (c && s->share && !(id = aio__share_hook(s, AIO__SHARE_ADMIT, fd))) c = NULL; /* (the share's limit) */
    if (c) {
        c->fd = (aio_socket)fd;
        c->server = s;
        c->order = ++s->served;
        c->id = s->share ? id : (uint32_t)c->order;
        c->flags = 0;
        s->live++;
        if (aio_spawn(&c->task, s->step) == AIO_OK) {
            c->task.flags |= AIO__T_STARTED; /* (aio__server_conn takes its first step, cancelled or not) */
            /* The server owns it: out of the loop's list of tasks, which aio_run's
             * end cancels, into the server's (its end leaves either). At aio_run's
             * end the server is cancelled, and cancels each handler once: one
             * cancelled before (aio_conn_abort, aio_cancel, a shutdown's grace)
             * keeps its cleanup whole. */
            aio__list_unlink(&c->task.member);
            aio__list_append(&s->handlers, &c->task.member);
            aio__server_note(c);
            return;
        }
        /* LCOV_EXCL_START: (a free state's task is not alive) */
        s->live--;
        if (s->share) (void)aio__share_hook(s, AIO__SHARE_GONE, -1);
        /* LCOV_EXCL_STOP */
    }
    if (s->busy) (void)aio__net_send(fd, s->busy, strlen(s->busy), "aio_server: the refusal");
    if (s->refused) s->refused(s);
    (void)aio_close(fd);
}

/* Whether handler c was cancelled already (by the server, aio_conn_abort,
 * aio_cancel or aio_run's end): cancelling it again would cut its cleanup. */
static int aio__server_cancelled(const aio_conn *c) {
    return (c->task.flags & AIO__T_CANCEL_REQ) || c->task.cancels != 0;
}

/* The allocated states given back. */
static void aio__server_release(aio_server *s) {
    uint32_t i;
    for (i = 0; i < s->limit; i++) AIO_FREE(s->made[i]);
    AIO_FREE(s->made);
    s->made = NULL;
}

/* The accept loop, then the wait for the handlers. Its awaits number their
 * resume points themselves (1u...): AIO__LABEL's __COUNTER__ taken here
 * would move every later coroutine's labels, and the code of a program that
 * has no server with them. */
static aio_status aio__server_run(aio_task *t) {
    aio_server *s = AIO_CONTAINER(t, aio_server, task);
    AIO_BEGIN(t);
    while (s->listener >= 0) {
        AIO__AWAIT(t, s->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_ACCEPT, s->listener, NULL, 0, AIO_NEVER),
                   aio__io_poll(t, aio__f, AIO__IO_ACCEPT, NULL, 0), 1u); /* AIO_ACCEPT */
        if (s->rc >= 0) {
            if (!s->share || !aio__share_hook(s, AIO__SHARE_HAND, s->rc)) aio__server_take(s, s->rc);
            s->backoff = 0;
            AIO__AWAIT(t, (void)0, AIO__FAST(aio__yield_begin, aio__yield_start)(t, aio__f), /* AIO_YIELD: */
                       AIO__FAST(aio__yield_resume, aio__yield_poll)(t, aio__f), 2u); /* a handler's first step
                                                                            comes before the next accept */
            continue;
        }
        if (s->listener < 0 || s->rc == AIO_ECLOSED) break;
        if (s->rc == AIO_ECONNRESET) continue; /* (a connection gone before its accept: the next) */
        if (s->rc == AIO_EBADF || s->rc == AIO_EINVAL) { /* not a listener: serving cannot go on */
            (void)aio_server_close(s);
            s->failed = s->rc;
            break;
        }
        /* LCOV_EXCL_START: a failure that may pass (ENOBUFS, EPERM, EPROTO...) */
        s->backoff = s->backoff ? s->backoff * 2 : AIO_MS(1);
        if (s->backoff > AIO_MS(AIO__SERVER_BACKOFF_MAX)) s->backoff = AIO_MS(AIO__SERVER_BACKOFF_MAX);
        AIO__AWAIT(t, (void)0, aio__sleep_start(t, aio__f, s->backoff, 1), aio__sleep_poll(t, aio__f), 3u);
        /* LCOV_EXCL_STOP */
    }
    while (s->live || s->held) { /* (held: a share's loop that hands connections here) */
        aio_event_clear(&s->changed);
        if (s->graced && !aio__before(aio_now(), s->until)) {
            s->graced = 0;
            s->aborted += (uint32_t)aio_server_abort_clients(s);
            continue;
        }
        AIO__AWAIT(t, (void)0, aio__event_start(t, aio__f, &s->changed, s->graced ? s->until - aio_now() : AIO_NEVER),
                   aio__event_poll(t, aio__f, &s->changed), 4u); /* AIO_EVENT_WAIT */
    }
    AIO_RETURN(t, s->failed ? s->failed : (aio_status)s->aborted);
    AIO_FINALLY(t);
    (void)aio_server_close(s);
    if (s->live) { /* cancelled while serving: its handlers are cancelled too, and waited for */
        (void)aio_server_abort_clients(s);
        AIO__SCOPE(t, &s->shield, AIO_NEVER, AIO__ENTER_RELATIVE | AIO__ENTER_SHIELD, 5u) { /* (AIO_SHIELDED:
                                                         a second cancel does not cut the wait short) */
            while (s->live) {
                aio_event_clear(&s->changed);
                AIO__AWAIT(t, (void)0, aio__event_start(t, aio__f, &s->changed, AIO_NEVER),
                           aio__event_poll(t, aio__f, &s->changed), 6u); /* AIO_EVENT_WAIT */
            }
        }
    }
    if (s->made) aio__server_release(s); /* (none live by now: the states are free) */
    AIO_END(t);
}

AIO_API aio_status aio_server_init(aio_server *srv, aio_task_fn handler, void *states, size_t size,
                                   uint32_t limit) {
    if (!srv || !handler)
        return aio__misuse(AIO_EINVAL, "aio_server_init: the server or the handler is NULL");
    if (size < sizeof(aio_conn) || !limit)
        return aio__misuse(AIO_EINVAL, "aio_server_init: the state's size is smaller than an aio_conn "
                                       "(its first member), or the limit is 0");
    memset(srv, 0, sizeof *srv);
    srv->handler = handler;
    srv->step = aio__server_conn; /* (a TLS server's: aio_server_set_tls) */
    srv->states = (unsigned char *)states;
    srv->size = size;
    srv->limit = limit;
    srv->listener = -1;
    return AIO_OK;
}

AIO_API void aio_server_refuse(aio_server *srv, const char *message, void (*refused)(aio_server *srv)) {
    if (!srv) {
        (void)aio__misuse(AIO_EINVAL, "aio_server_refuse: the server is NULL");
        return;
    }
    srv->busy = message;
    srv->refused = refused;
}

/* A Unix server's socket file (asyncio 3.13's rule): noted when the server
 * starts on a listener bound to a path (aio_unix_listen made it just
 * before), removed when it closes, and only if the path still names that
 * file: one another listener made there since is left alone
 * (aio__sys_unix_file: the system's, where there are Unix sockets). */
#define aio__server_unix_file(s, listener) aio__sys_unix_file(&(s)->unix_file, (listener))

/* srv serves `listener` (or, -1, a share's connections handed to it). */
static aio_status aio__server_begin(aio_server *srv, int listener) {
    aio_status rc;
    if (!srv || !srv->handler) {
        (void)aio_close(listener);
        return aio__misuse(AIO_EINVAL, "aio_server_start: the server is NULL or not initialised "
                                       "(aio_server_init)");
    }
    if (aio_task_alive(&srv->task)) {
        (void)aio_close(listener);
        return aio__misuse(AIO_EBUSY, "aio_server_start: the server is serving already");
    }
    if (!srv->states) { /* (none made: a server gives them back as it ends, or fails to start) */
        srv->made = (aio_conn **)aio__zalloc(srv->limit * sizeof(aio_conn *));
        if (!srv->made) { /* out of memory */
            if (listener >= 0) (void)aio_close(listener); /* (-1: a share's, handed its connections) */
            return AIO_EIO;
        }
    }
    srv->listener = listener;
    if (listener >= 0) aio__server_unix_file(srv, listener);
    aio__list_init(&srv->handlers);
    srv->graced = 0;
    srv->aborted = 0;
    srv->failed = 0;
    rc = aio_spawn(&srv->task, aio__server_run);
    /* (its first step is taken cancelled or not: one cancelled before it, by
     * aio_run's end say, closes the listener in its cleanup all the same) */
    if (rc == AIO_OK) srv->task.flags |= AIO__T_STARTED;
    if (rc < 0) { /* (the task is not alive: only no loop refuses it) */
        srv->listener = -1;
        if (listener >= 0) (void)aio_close(listener); /* LCOV_EXCL_BR_LINE: (a share's start has a loop) */
        aio__server_unix_file(srv, -1);
        if (srv->made) aio__server_release(srv);
    }
    return rc;
}
AIO_API aio_status aio_server_start(aio_server *srv, int listener) {
    if (listener < 0) return listener; /* (the listen's own status, its message given) */
    if (srv) srv->share = NULL;
    return aio__server_begin(srv, listener);
}

AIO_API aio_status aio_server_listen(aio_server *srv, const char *host, int port, int backlog) {
    return aio_server_start(srv, aio_tcp_listen(host, port, backlog));
}

AIO_API int aio_server_port(const aio_server *srv) {
    if (!srv || (srv->listener < 0 && !srv->held))
        return aio__misuse(AIO_EBADF, "aio_server_port: no server, or it is closed");
    if (srv->listener < 0) return aio_address_port(&srv->share->at); /* (a share's, handed connections) */
    return aio_socket_port(srv->listener);
}

AIO_API aio_status aio_server_close(aio_server *srv) {
    int l;
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_close: the server is NULL");
    l = srv->listener;
    if (l < 0 && !srv->held) return AIO_ECLOSED;
    srv->listener = -1;
    if (srv->share) { /* (no more connections handed to it; its loop's wake-up let go) */
        (void)aio__share_hook(srv, AIO__SHARE_LEAVE, -1);
        srv->held = 0;
        aio_event_set(&srv->changed);
    }
    if (l < 0) return AIO_OK;
    (void)aio_close(l); /* (the accept wakes with AIO_ECLOSED) */
    aio__server_unix_file(srv, -1);
    return AIO_OK;
}

/* The live connections are the server's list of handlers, in the order
 * they came: the next after one whose handler is alive is found in the list
 * (a broadcast to n members costs n steps, not n times the limit); after one
 * that has ended since, by its order among the states. */
AIO_API aio_conn *aio_server_next(aio_server *srv, const aio_conn *c) {
    aio_conn *best = NULL;
    uint64_t after;
    uint32_t i;
    if (!srv || !srv->handlers.next) return NULL; /* (a server zeroed, never made) */
    if (!c || (c->server == srv && aio_task_alive(&c->task))) {
        aio_link *n;
        for (n = c ? c->task.member.next : srv->handlers.next; n != &srv->handlers; n = n->next) {
            aio_conn *k = AIO_CONTAINER(n, aio_conn, task.member);
            if (k->fd != (aio_socket)-1) return k;
        }
        return NULL;
    }
    after = c->order;
    for (i = 0; i < srv->limit; i++) {
        aio_conn *k = aio__server_state(srv, i);
        if (!k || !aio_task_alive(&k->task) || k->fd == (aio_socket)-1 || k->order <= after) continue;
        if (!best || k->order < best->order) best = k;
    }
    return best;
}

AIO_API int aio_server_close_clients(aio_server *srv) {
    aio_conn *c;
    int n = 0;
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_close_clients: the server is NULL");
    for (c = aio_server_next(srv, NULL); c; c = aio_server_next(srv, c)) {
        if (!aio__server_owns(c)) continue; /* (its handler closed it: the number is not its) */
        (void)aio__net_shutdown(aio__fd(c->fd));
        aio__server_forget(c); /* (a wait under way wakes: WSAPoll reports no shutdown of its own) */
        n++;
    }
    return n;
}

AIO_API int aio_server_abort_clients(aio_server *srv) {
    aio_conn *c;
    int n = 0;
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_abort_clients: the server is NULL");
    for (c = aio_server_next(srv, NULL); c; c = aio_server_next(srv, c)) {
        if (aio__server_cancelled(c)) continue; /* (told already: its cleanup runs) */
        (void)aio_cancel(&c->task);
        n++;
    }
    return n;
}

AIO_API int aio_conn_abort(aio_conn *c) {
    int owns;
    if (!c || !c->server)
        return aio__misuse(AIO_EINVAL, "aio_conn_abort: the connection is NULL, or no server took it");
    if (c->fd == (aio_socket)-1 || (c->flags & AIO__C_ABORTED)) return 0; /* (-1: its handler ended) */
    owns = aio__server_owns(c); /* (its handler closed it: the number may be another socket's) */
    c->flags |= AIO__C_ABORTED;
    if (owns) (void)aio__net_shutdown(aio__fd(c->fd));
    if (!aio__server_cancelled(c)) (void)aio_cancel(&c->task);
    if (owns) aio__server_forget(c); /* (inside a shielded block, where the cancel waits: AIO_ECLOSED) */
    return 1;
}

AIO_API aio_status aio_server_shutdown(aio_server *srv, aio_time grace) {
    aio_time now = aio_now();
    if (!srv) return aio__misuse(AIO_EINVAL, "aio_server_shutdown: the server is NULL");
    if (grace > AIO__HALF_RANGE && grace != AIO_NEVER)
        return AIO__TIMEOUT_REFUSED("aio_server_shutdown: the grace");
    if (!aio_task_alive(&srv->task)) return aio_task_done(&srv->task) ? AIO_OK : aio__misuse(AIO_EINVAL,
        "aio_server_shutdown: the server was never started");
    (void)aio_server_close(srv);
    srv->until = now + grace;
    srv->graced = grace != AIO_NEVER;
    aio_event_set(&srv->changed);
    return AIO_OK;
}
#endif /* AIO__SOCKETS */

// >>platform
/* ------------------------------------------------ what the backends share */

/* The three backends of the platform's table (see "the platform's table",
 * in "sockets"), each in a section of its own: POSIX and Windows (above,
 * with the rest of "the system's interface") and the simulation (below).
 * Each gives every slot; this section has what the system's two share of
 * child processes: a child's pipes closed, and the system's list of a
 * loop's children (a child's states are in "the system's interface"). */
#ifdef AIO__PROCESSES
/* The table's process slots, which each backend gives (the rest of "child
 * processes" is the same on all), as the wrappers there name them:
 *
 *   aio__proc_start: start the program, fill p from zero (pid, the parent's
 *       ends of its pipes, pidfd: a descriptor readable once it exited, or
 *       -1 where SIGCHLD tells), AIO_OK or a status with nothing left behind;
 *   aio__proc_reap: 1 once it ended (returncode kept, pidfd closed), 0 while
 *       it runs; aio__proc_kill_now: kill it and reap it (blocking: a killed
 *       process ends at once);
 *   aio__proc_send: a signal (on Windows SIGTERM and SIGKILL only: both end it);
 *   aio__proc_release: once its pipes are closed, what else it holds;
 *   aio__pipe_read, aio__pipe_write: as aio__net_recv and aio__net_send, on
 *       the parent's end of a pipe;
 *   aio__children_of: the list of a loop's children (NULL: it cannot have
 *       any);
 * and, outside the table (the system's alone), aio__children_done: the
 * loop's last child is gone (its SIGCHLD route). */

/* Close the parent's ends of p's pipes and mark them closed: with `system`
 * by the system's close alone (a loop destroyed, a start undone: real
 * descriptors, whatever table is installed), else each as aio_close does
 * (forgotten by the loop, closed by the thread's table). */
static void aio__proc_close_pipes(aio_process *p, int system) {
    aio_socket *end[3];
    int i;
    end[0] = &p->in;
    end[1] = &p->out;
    end[2] = &p->err;
    for (i = 0; i < 3; i++) {
        int fd = aio__fd(*end[i]);
        if (fd >= 0 && system) (void)aio__net_closesocket(fd);
        if (fd >= 0 && !system) (void)aio_close(*end[i]);
        *end[i] = (aio_socket)-1;
    }
}

/* The system's wait keeps its loop's children (NULL: the loop waits through
 * a port of its own, which cannot tell a child's exit). */
static aio_process **aio__sys_children_of(aio_loop *L) {
    return AIO__SYSTEM_PORT(L) ? &aio__sysio_of(L)->children : NULL;
}
#endif /* AIO__PROCESSES */

// >>system-sockets
/* ------------------------------------------- what POSIX and Windows share */

/* The system's socket slots, written once: the Berkeley calls are the same
 * on POSIX and Windows, and the few places they differ are each backend's,
 * in its section above:
 *
 *   AIO__DONTWAIT(fd), AIO__NOSIGNAL: a receive's and a send's flags;
 *   AIO__SEND(fd, buf, len, flags): a send that raises no SIGPIPE;
 *   AIO__ECONNABORTED, AIO__ENOBUFS: the errors of those names;
 *   AIO__SHUT_BOTH: shutdown()'s both ways;
 *   aio__accept_private: an accept whose socket is not inherited;
 *   aio__net_read, aio__net_write: a receive's or a send's result n, or
 *       (POSIX) a descriptor that is not a socket read or written instead;
 *   aio__net_dgram_cut, aio__net_dgram_result: a datagram's receive cut to
 *       its buffer, a datagram call's status;
 *   aio__net_claim: the option a socket the library binds takes. */
#ifdef AIO__SOCKETS
static aio_status aio__sys_recv(int fd, void *buf, size_t len, const char *what) {
    long n = (long)recv(AIO__SOCK(fd), (char *)buf, aio__net_chunk(len), AIO__DONTWAIT(fd));
    return aio__net_result(aio__net_read(n, fd, buf, len), what, fd);
}
static aio_status aio__sys_send(int fd, const void *buf, size_t len, const char *what) {
    long n = AIO__SEND(AIO__SOCK(fd), (const char *)buf, aio__net_chunk(len), AIO__DONTWAIT(fd));
    return aio__net_result(aio__net_write(n, fd, buf, len), what, fd);
}

/* A datagram (UDP). A receive takes one into buf[0..len) and its sender's
 * address into *from (zeroed first: a socket that is not a datagram one
 * leaves it so): its length, cut to len. A send gives one whole to (sa, sl),
 * or none: with no buffer for it now (ENOBUFS) it waits, as for a full send
 * buffer. */
static aio_status aio__sys_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from,
                                    const char *what) {
    aio__socklen sl = sizeof *from;
    long n;
    memset(from, 0, sizeof *from);
    n = (long)recvfrom(AIO__SOCK(fd), (char *)buf, aio__net_chunk(len), AIO__DONTWAIT(fd), (struct sockaddr *)from, &sl);
    return aio__net_dgram_result(aio__net_dgram_cut(n, len), what, fd);
}
/* The address family of socket fd (AF_INET, AF_INET6, ...), or -1. */
static int aio__net_family(int fd) {
    struct sockaddr_storage ss;
    aio__socklen sl = sizeof ss;
    if (getsockname(AIO__SOCK(fd), (struct sockaddr *)&ss, &sl) != 0) return -1;
    return ss.ss_family;
}
static aio_status aio__sys_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    long n;
    n = (long)sendto(AIO__SOCK(fd), (const char *)(buf ? buf : ""), aio__net_chunk(len),
                          AIO__NOSIGNAL | AIO__DONTWAIT(fd), sa, sl);
    if (n < 0) { /* (the systems name an address of the other family differently) */
        int err = aio__net_last();
        int mine = aio__net_family(fd);
        if (mine >= 0 && mine != family)
            return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is IPv6 and the socket IPv4, or the other "
                                           "way round");
        if (err == AIO__ENOBUFS) return AIO__AGAIN; /* LCOV_EXCL_BR_LINE: (not seen on loopback) */
        aio__net_set_last(err);
    }
    return aio__net_dgram_result(n, what, fd);
}

static aio_status aio__sys_accept(int fd, const char *what) {
    int c;
    aio__nonblocking(fd); /* (accept has no per-call flag) */
    c = aio__accept_private(fd);
    if (c < 0) {
        int err = aio__net_last();
        /* LCOV_EXCL_START: a connection gone before its accept: the next one */
        if (err == AIO__ECONNABORTED) return AIO__INTR;
        /* LCOV_EXCL_STOP */
        return aio__net_result(-1, what, fd);
    }
    aio_io_forget(c); /* a number used before: nothing of it is watched now */
    aio__sock_setup(c);
    return c;
}

/* Close fd, the error of the call that failed kept for errno or
 * WSAGetLastError: -1. */
static int aio__net_drop(int fd) {
    int err = aio__net_last();
    (void)aio__net_closesocket(fd);
    aio__net_set_last(err);
    return -1;
}
/* Bind fd to (sa, sl) with the option its kind takes (aio__net_claim): 0,
 * or -1 (the socket closed, the error kept). */
static int aio__net_bind(int fd, const struct sockaddr *sa, aio__socklen sl, int listening) {
    aio__net_claim(fd, listening);
    if (bind(AIO__SOCK(fd), sa, sl) == 0) return 0;
    return aio__net_drop(fd);
}

/* A connect's outcome once its socket is writable. */
static aio_status aio__sys_connected(int fd, const char *what) {
    int err = 0;
    aio__socklen sl = sizeof err;
    if (getsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_ERROR, (char *)&err, &sl) != 0) err = aio__net_last(); /* LCOV_EXCL_LINE */
    if (err == 0) return AIO_OK;
    /* LCOV_EXCL_START: reported writable before the connection was made */
    if (aio__net_in_progress(err) || aio__net_would_block(err)) return AIO__AGAIN;
    /* LCOV_EXCL_STOP */
    return aio__net_error(err, what, fd);
}

/* A new non-blocking stream socket of `family`, or a negative number. */
static int aio__sys_socket(int family) {
    int fd;
    fd = aio__socket_private(family, SOCK_STREAM);
    if (fd < 0) return -1; /* (out of descriptors or memory) */
    aio_io_forget(fd);
    aio__sock_setup(fd);
    return fd;
}

static aio_status aio__sys_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    for (;;) { /* LCOV_EXCL_LINE: (entered again only after EINTR) */
        int err;
        if (connect(AIO__SOCK(fd), sa, sl) == 0) return AIO_OK; /* LCOV_EXCL_LINE: (see the caller) */
        err = aio__net_last();
        if (aio__net_in_progress(err)) return AIO__AGAIN;
        if (!aio__net_interrupted(err)) return aio__net_error(err, what, fd); /* LCOV_EXCL_BR_LINE */
    }
}

/* A listening TCP socket at `at`, a bound UDP socket (each with the option
 * aio__net_claim gives), a socket's port, a socket closed, a connection
 * shut down both ways: the system's slots of the same names. */
static int aio__net_listen_as(const aio_address *at, int backlog, int claim) {
    int fd;
    aio__net_need();
    fd = aio__socket_private(aio__address_family(at), SOCK_STREAM);
    if (fd < 0) return AIO_EIO; /* (out of descriptors or memory) */
    if (aio__net_bind(fd, (const struct sockaddr *)(const void *)at->sa, at->len, claim) != 0) return AIO_EIO;
    if (listen(AIO__SOCK(fd), backlog ? backlog : SOMAXCONN) != 0) { /* LCOV_EXCL_START: once bound: not seen */
        (void)aio__net_drop(fd);
        return AIO_EIO;
    } /* LCOV_EXCL_STOP */
    aio_io_forget(fd);
    aio__sock_setup(fd);
    return fd;
}
static int aio__sys_listen(const aio_address *at, int backlog) { return aio__net_listen_as(at, backlog, 1); }
static int aio__sys_udp(const aio_address *at) {
    int fd;
    aio__net_need();
    fd = aio__socket_private(aio__address_family(at), SOCK_DGRAM);
    if (fd < 0) return AIO_EIO; /* (out of descriptors or memory, or no IPv6) */
    if (aio__net_bind(fd, (const struct sockaddr *)(const void *)at->sa, at->len, 0) != 0) return AIO_EIO;
    aio_io_forget(fd); /* a number used before: nothing of it is watched now */
    aio__sock_private(fd);
    return fd;
}
static int aio__sys_port_of(int fd) {
    struct sockaddr_storage ss;
    aio__socklen sl = sizeof ss;
    if (getsockname(AIO__SOCK(fd), (struct sockaddr *)&ss, &sl) != 0) return -1;
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
}
static int aio__sys_close(int fd) { return aio__net_closesocket(fd); }
static int aio__sys_shutdown(int fd) { return shutdown(AIO__SOCK(fd), AIO__SHUT_BOTH) == 0 ? 0 : -1; }
#endif /* AIO__SOCKETS */

// >>server-share
/* ------------------------------------------------ a server on every core */

/* A share (aio_server_share_init) is an address, a lock and a record per
 * loop. Each loop that joins (aio_server_start_shared, on its own thread)
 * gets a wake pair of its own and a task of the library, the watcher, that
 * waits until the pair is readable. What crosses threads goes through the
 * share's lock: the connections handed to a loop (a short queue in its
 * record), the share's count of live connections and its ids, and the
 * close; a byte on the loop's pair then wakes its watcher, which takes
 * what is queued in its own loop's thread.
 *
 * Where the system balances (AIO__REUSE_PORT) every loop listens on the
 * port with that option and accepts for itself; the pair carries only the
 * close. Elsewhere the first loop to join takes the listener and hands each
 * connection it accepts to the loops in turn, itself among them: a loop
 * whose queue is full, or which has left, is passed over (its own turn is
 * the accepting loop's). A loop leaves when its server closes: under the
 * lock, what was queued for it is closed and its pair's writing end with
 * it, so that nothing is handed to it again; its watcher, woken by the
 * close of the reading end, ends. Nothing here is linked by a program that
 * does not call aio_server_share_init. */
#if defined(AIO__SOCKETS) && defined(AIO__THREADS)
enum { AIO__SHARE_QUEUE = 64 }; /* connections handed to a loop and not taken yet, at most */
/* What the first listener is made as: one that shares its port where the
 * system balances (a hand-off asked later still works with it: it is the
 * only one then), else a plain listener. */
#ifdef AIO__REUSE_PORT
#define AIO__SHARE_CLAIM AIO__CLAIM_SHARED
#else
#define AIO__SHARE_CLAIM 1
#endif

typedef struct aio__share_member {
    aio_task watcher;      /* waits on wake[0] (its loop's) */
    aio_server_share *share;
    aio_loop *loop;        /* the loop it serves on */
    aio_server *srv;       /* (its loop's thread) */
    aio_event *stop;       /* set when the share closes (its loop's thread) */
    aio_status rc;         /* the watcher's wait (its loop's thread) */
    int wake[2];           /* [0] read by the watcher, [1] written under the lock; -1: none */
    int queue[AIO__SHARE_QUEUE]; /* connections handed to it (under the lock) */
    uint32_t head, count;  /* (under the lock) */
    uint8_t open;          /* joined and not left (under the lock) */
} aio__share_member;

#define AIO__SHARE_LOCK(sh) aio__lock((aio__mutex *)(sh)->lock)
#define AIO__SHARE_UNLOCK(sh) aio__unlock((aio__mutex *)(sh)->lock)

/* aio__share_hook: what a server of the share asks (see "servers"). */
static uint32_t aio__share_ask(aio_server *s, int op, int fd) {
    aio_server_share *sh = s->share;
    aio__share_member *me = &sh->members[s->member];
    uint32_t r = 0;
    AIO__SHARE_LOCK(sh);
    if (op == AIO__SHARE_ADMIT) {
        if (!sh->limit || sh->live < sh->limit) {
            sh->live++;
            r = ++sh->served;
            if (!r) r = ++sh->served; /* (after 2^32 connections: 0 says "refused") */
        }
    } else if (op == AIO__SHARE_GONE) {
        sh->live--;
    } else if (op == AIO__SHARE_HAND) { /* (where each loop listens, each keeps what it accepts) */
        int k = sh->reuse_port ? s->member : sh->next;
        aio__share_member *to = &sh->members[k];
        if (!sh->reuse_port) sh->next = k + 1 < sh->joined ? k + 1 : 0;
        /* (a queue full: 64 handed and not taken, a loop far behind; not met by the tests) */
        if (k != s->member && to->open && to->count < AIO__SHARE_QUEUE) { /* LCOV_EXCL_BR_LINE */
            to->queue[(to->head + to->count++) % AIO__SHARE_QUEUE] = fd;
            aio__wake_pair_write(to->wake[1]);
            r = 1;
        }
    } else { /* AIO__SHARE_LEAVE */
        me->open = 0;
        while (me->count) { /* (handed and never taken: closed here, not leaked) */
            (void)aio__net_closesocket(me->queue[me->head]);
            me->head = (me->head + 1) % AIO__SHARE_QUEUE;
            me->count--;
        }
        (void)aio__net_closesocket(me->wake[1]); /* (a server leaves once: its pair is open) */
        me->wake[1] = -1;
    }
    AIO__SHARE_UNLOCK(sh);
    if (op == AIO__SHARE_LEAVE) { /* (its watcher wakes: AIO_ECLOSED) */
        int w = me->wake[0];
        me->wake[0] = -1;
        (void)aio_close(w);
    }
    return r;
}

/* The watcher's turn: the connections queued for its loop served there
 * (the server takes each as it takes one it accepted), then, if the share
 * was closed, the server closed and the program told. 1 once it closed. */
static int aio__share_take(aio__share_member *m) {
    aio_server_share *sh = m->share;
    int fds[AIO__SHARE_QUEUE];
    uint32_t n = 0;
    uint32_t i;
    int closed;
    AIO__SHARE_LOCK(sh);
    while (m->count) {
        fds[n++] = m->queue[m->head];
        m->head = (m->head + 1) % AIO__SHARE_QUEUE;
        m->count--;
    }
    closed = sh->closed;
    AIO__SHARE_UNLOCK(sh);
    for (i = 0; i < n; i++) {
        aio_io_forget(fds[i]); /* (its number on this loop: nothing of an earlier socket watched) */
        aio__server_take(m->srv, fds[i]);
    }
    if (!closed) return 0;
    (void)aio_server_close(m->srv);
    if (m->stop) aio_event_set(m->stop);
    return 1;
}

/* The watcher: its awaits number their resume points themselves (as the
 * server's task does). */
static aio_status aio__share_watch(aio_task *t) {
    aio__share_member *m = AIO_CONTAINER(t, aio__share_member, watcher);
    AIO_BEGIN(t);
    for (;;) { /* (a pair closed while it took its turn: the wait fails, AIO_EBADF) */
        AIO__AWAIT(t, m->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_READABLE, m->wake[0], NULL, 0, AIO_NEVER),
                   aio__io_poll(t, aio__f, AIO__IO_READABLE, NULL, 0), 1u); /* AIO_WAIT_READABLE */
        if (m->rc < 0) break; /* (its server left: the pair was closed) */
        aio__wake_pair_drain(m->wake[0]);
        if (aio__share_take(m)) break;
    }
    AIO_END(t);
}

AIO_API aio_status aio_server_share_init(aio_server_share *sh, int loops, const char *host, int port, int backlog) {
    aio_status rc;
    int i;
    if (!sh || loops < 1 || loops > AIO_SERVER_SHARE_MAX)
        return aio__misuse(AIO_EINVAL, "aio_server_share_init: the share is NULL, or loops is not 1 to "
                                       "AIO_SERVER_SHARE_MAX");
    memset(sh, 0, sizeof *sh);
    sh->first = -1;
#ifdef AIO__SIM
    if (aio__os() != &aio__system_platform)
        return aio__misuse(AIO_EINVAL, "aio_server_share_init: a share's loops run on threads: not in a simulation");
#endif
    rc = aio_address_set(&sh->at, host, port);
    if (rc < 0 || backlog < 0)
        return aio__misuse(AIO_EINVAL, "aio_server_share_init: a bad host or port, or a negative backlog");
    sh->backlog = backlog;
    sh->loops = loops;
    sh->members = (aio__share_member *)aio__zalloc((size_t)loops * sizeof *sh->members);
    sh->lock = aio__zalloc(sizeof(aio__mutex));
    if (!sh->members || !sh->lock) { /* (out of memory) */
        AIO_FREE(sh->members);
        AIO_FREE(sh->lock);
        sh->members = NULL;
        sh->lock = NULL;
        errno = ENOMEM;
        return AIO_EIO;
    }
    for (i = 0; i < loops; i++) sh->members[i].wake[0] = sh->members[i].wake[1] = -1;
#ifdef AIO__REUSE_PORT
    sh->reuse_port = 1;
#endif
    sh->first = aio__net_listen_as(&sh->at, backlog, AIO__SHARE_CLAIM);
    if (sh->first < 0) {
        rc = (aio_status)sh->first;
        AIO_FREE(sh->members);
        AIO_FREE(sh->lock);
        sh->members = NULL;
        sh->lock = NULL;
        return rc;
    }
    (void)aio_address_set(&sh->at, host, aio_socket_port(sh->first)); /* (port 0: the one it got) */
    aio__mutex_init((aio__mutex *)sh->lock);
    return AIO_OK;
}

AIO_API aio_status aio_server_share_limit(aio_server_share *sh, uint32_t limit) {
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_limit: the share is NULL or not made");
    AIO__SHARE_LOCK(sh);
    sh->limit = limit;
    AIO__SHARE_UNLOCK(sh);
    return AIO_OK;
}
AIO_API aio_status aio_server_share_hand_off(aio_server_share *sh) {
    if (!sh || !sh->lock || sh->joined)
        return aio__misuse(AIO_EINVAL, "aio_server_share_hand_off: the share is NULL, not made, or a loop joined "
                                       "it already (choose before the loops start)");
    sh->reuse_port = 0;
    return AIO_OK;
}
AIO_API int aio_server_share_port(const aio_server_share *sh) {
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_port: the share is NULL or not made");
    return aio_address_port(&sh->at);
}
AIO_API uint32_t aio_server_share_live(aio_server_share *sh) {
    uint32_t n;
    if (!sh || !sh->lock) return (void)aio__misuse(AIO_EINVAL, "aio_server_share_live: the share is NULL or not made"), 0u;
    AIO__SHARE_LOCK(sh);
    n = sh->live;
    AIO__SHARE_UNLOCK(sh);
    return n;
}

AIO_API aio_status aio_server_start_shared(aio_server *srv, aio_server_share *sh, aio_event *stop) {
    aio__share_member *m;
    aio_status rc;
    int listener = -1;
    int k;
    if (!srv || !srv->handler || !sh || !sh->lock || !aio__loop)
        return aio__misuse(AIO_EINVAL, "aio_server_start_shared: the server or the share is NULL or not made "
                                       "(aio_server_init, aio_server_share_init), or no loop runs");
    if (aio_task_alive(&srv->task)) return aio__misuse(AIO_EBUSY, "aio_server_start_shared: the server is serving already");
#ifdef AIO__ONE_LOOP_THREAD
    if (sh->joined && sh->members[0].loop != aio__loop) /* (read on the thread that wrote it: no other can run) */
        return aio__misuse(AIO_EINVAL, "aio_server_start_shared: loops on several threads need the running loop "
                                       "kept per thread: #define AIO_THREAD_LOCAL _Thread_local before the header");
#endif
    AIO__SHARE_LOCK(sh);
    k = sh->joined;
    rc = sh->closed ? AIO_ECLOSED : k >= sh->loops ? AIO_ELIMIT : AIO_OK;
    if (rc == AIO_OK) {
        m = &sh->members[k];
        if (aio__wake_pair_open(m->wake) != 0) { /* LCOV_EXCL_START: out of descriptors */
            m->wake[0] = m->wake[1] = -1;
            rc = AIO_EIO;
            /* LCOV_EXCL_STOP */
        } else if (k == 0 || sh->reuse_port) {
            listener = k == 0 ? sh->first : aio__net_listen_as(&sh->at, sh->backlog, AIO__CLAIM_SHARED);
            if (k == 0) sh->first = -1;
            /* LCOV_EXCL_START: a listener beside the first refused (out of descriptors: the port is
             * the first's, which every later one shares) */
            if (listener < 0) {
                rc = (aio_status)listener; /* (AIO_EIO: errno says why) */
                (void)aio__net_closesocket(m->wake[0]);
                (void)aio__net_closesocket(m->wake[1]);
                m->wake[0] = m->wake[1] = -1;
            }
            /* LCOV_EXCL_STOP */
        }
        if (rc == AIO_OK) { /* LCOV_EXCL_BR_LINE: (not: out of descriptors, above) */
            m->share = sh;
            m->loop = aio__loop;
            m->srv = srv;
            m->stop = stop;
            m->open = 1;
            sh->joined = k + 1;
        }
    }
    AIO__SHARE_UNLOCK(sh);
    if (rc == AIO_ECLOSED) return aio__misuse(rc, "aio_server_start_shared: the share was closed");
    if (rc == AIO_ELIMIT) return aio__misuse(rc, "aio_server_start_shared: as many loops as the share was made "
                                                 "for have joined it");
    if (rc < 0) return rc; /* LCOV_EXCL_BR_LINE: (AIO_EIO: out of descriptors, above) */
    m = &sh->members[k];
    aio_io_forget(m->wake[0]); /* (a number used before on this loop) */
    if (listener >= 0) aio_io_forget(listener);
    aio__share_hook = aio__share_ask; /* (this thread's: see aio__io_carry) */
    srv->share = sh;
    srv->member = k;
    srv->held = listener < 0;
    rc = aio__server_begin(srv, listener); /* (AIO_EIO: out of memory for its states; its listener closed) */
    if (rc == AIO_OK) rc = aio_spawn(&m->watcher, aio__share_watch); /* (a loop runs: not refused) */
    if (rc < 0) { /* the server does not serve: it leaves the share at once */
        srv->held = 0;
        (void)aio__share_ask(srv, AIO__SHARE_LEAVE, -1);
        srv->share = NULL;
        return rc;
    }
    return AIO_OK;
}

AIO_API aio_status aio_server_share_close(aio_server_share *sh) {
    int i;
    aio_status rc = AIO_OK;
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_close: the share is NULL or not made");
    AIO__SHARE_LOCK(sh);
    if (sh->closed) {
        rc = AIO_ECLOSED;
    } else {
        sh->closed = 1;
        for (i = 0; i < sh->joined; i++)
            if (sh->members[i].open) aio__wake_pair_write(sh->members[i].wake[1]);
    }
    AIO__SHARE_UNLOCK(sh);
    return rc;
}

AIO_API aio_status aio_server_share_free(aio_server_share *sh) {
    int i;
    if (!sh || !sh->lock) return aio__misuse(AIO_EINVAL, "aio_server_share_free: the share is NULL or not made");
    AIO__SHARE_LOCK(sh);
    for (i = 0; i < sh->joined && !sh->members[i].open; i++) continue;
    AIO__SHARE_UNLOCK(sh);
    if (i < sh->joined)
        return aio__misuse(AIO_EBUSY, "aio_server_share_free: a server still serves the share (close or shut "
                                      "each down, and let its loop end, first)");
    if (sh->first >= 0) (void)aio__net_closesocket(sh->first); /* (no loop joined) */
    aio__mutex_done((aio__mutex *)sh->lock);
    AIO_FREE(sh->lock);
    AIO_FREE(sh->members);
    sh->lock = NULL;
    sh->members = NULL;
    sh->first = -1;
    return AIO_OK;
}
#endif /* AIO__SOCKETS && AIO__THREADS */
// >>sim-world
/* ------------------------------ simulation: its world, the draws, the hosts */

/* The simulated world of one loop: its I/O port (the loop waits through it),
 * a seeded generator, the hosts, the sockets by number, and the things on
 * their way in a heap ordered by (time, order of sending).
 *
 * A connection is two pipes, one each way. A pipe holds what is on its way
 * (segments, oldest first, each with the time it arrives: never before the
 * one ahead of it, so a stream keeps its order) and what arrived and was not
 * read. A socket's number may be closed and reused while its pipes still
 * carry its last bytes and its end; a pipe lives while a socket, a pending
 * connection or a packet event holds it. Events that name a socket by
 * number carry its generation: one that finds another socket there is
 * dropped. A socket's number is a descriptor of the process that the
 * simulation holds for it ("the sockets' numbers", below). */
#ifdef AIO__SIM
#if !AIO_INSTRUMENTS
#error "AIO_SIMULATION needs AIO_INSTRUMENTS 1: a simulation numbers the tasks, places them on hosts and digests a run through the instruments"
#endif
#define AIO__SIM_HOSTS 16
enum { AIO__SIM_FREE, AIO__SIM_STREAM, AIO__SIM_LISTEN, AIO__SIM_DGRAM };
enum { AIO__SIM_DATA, AIO__SIM_FIN, AIO__SIM_SYNACK };
enum { AIO__SIM_EV_FLOW, AIO__SIM_EV_SYN, AIO__SIM_EV_REFUSE, AIO__SIM_EV_RESET, AIO__SIM_EV_DGRAM,
       AIO__SIM_EV_CALL, AIO__SIM_EV_DIE, AIO__SIM_EV_SET };

typedef struct aio__sim_seg {
    struct aio__sim_seg *next;
    aio_time due;
    uint32_t len;
    uint8_t kind; /* AIO__SIM_DATA, _FIN, _SYNACK */
    uint8_t lost; /* times lost to a cut */
} aio__sim_seg;  /* (then len bytes) */

typedef struct aio__sim_pipe {
    aio__sim_seg *head, *tail; /* on their way */
    size_t flying;             /* their bytes */
    unsigned char *buf;        /* arrived, not read: buf[0..len) */
    size_t len, cap;
    aio_time last_due;
    aio_time busy;              /* the wire, until (config.bandwidth) */
    struct aio__sim_pipe *back; /* the other way */
    int from, to;              /* hosts */
    int refs;
    uint8_t open;              /* the connection was accepted (its first segment came) */
    uint8_t fin;               /* the writer's end came */
    uint8_t reset;             /* reset: the reader gets AIO_ECONNRESET */
    uint8_t reader_gone;       /* the reading socket was closed */
    uint8_t local;             /* a pipe to a child process (it is never reset) */
    uint8_t ended;             /* the writer sent its end before its close (a shutdown) */
} aio__sim_pipe;

typedef struct aio__sim_dgram {
    struct aio__sim_dgram *next;
    uint32_t from_ip, to_ip;
    int from_port, to_host, to_port;
    uint32_t len;
} aio__sim_dgram; /* (then len bytes) */

typedef struct aio__sim_pending { aio__sim_pipe *rx, *tx; } aio__sim_pending;

typedef struct aio__sim_sock {
    uint8_t kind;
    uint8_t watch;             /* what the port watches */
    uint8_t connecting;
    uint8_t lost;              /* ... times its connect was lost (a cut, a full backlog) */
    uint8_t accepted;          /* a connection a listener took (it shares the port) */
    uint8_t v6;                /* AIO__SIM_V6: an IPv6 socket; AIO__SIM_ON6: reached through ::1 */
    uint8_t shut;              /* the program shut it down for writing (shutdown()) */
    uint8_t shut_read;         /* ... and for reading (the table's shutdown: both ways) */
    int host, port;
    uint32_t ip;               /* the IPv4 address bound: 0 (every one), 127.0.0.1 or the host's,
                                  AIO__SIM_NONE (an IPv6 socket that takes no IPv4) */
    uint64_t gen;              /* the number's uses (an event for an earlier one is stale) */
    uint32_t serial;           /* the run's sockets counted: the digest's name for it (its number is
                                  the system's, which depends on what else the process holds) */
    int hold;                  /* the simulation's end of its number's pair, its "far" end */
    int older, newer;          /* the sockets made before and after it (-1: none), the order of scans */
    uint64_t id[2];            /* ... and the number's socket as the system knows it */
    aio_status error;          /* a connect refused, or given up; the connection given up */
    int to_host, to_port;      /* a connect's target, */
    uint32_t to_ip;            /* ... through 127.0.0.1 or the host's address */
    aio__sim_pipe *rx, *tx;    /* a stream's pipes */
    aio__sim_pending *queue;   /* a listener's connections not accepted yet */
    int queued, queue_cap, backlog;
    aio__sim_dgram *dq, *dq_tail; /* a datagram socket's, not read */
    size_t dq_bytes;
    aio_time busy;             /* ... and its wire, until (config.bandwidth) */
} aio__sim_sock;

typedef struct aio__sim_program {
    char name[32];
    aio_task_fn fn;
    size_t size, task_offset, child_offset;
} aio__sim_program;
#define AIO__SIM_PROGRAMS 16

typedef struct aio__sim_event {
    aio_time when;
    uint64_t seq;   /* (64 bits: the order of equal times never wraps) */
    uint8_t kind;
    int fd;
    uint64_t gen;
    void *p;
} aio__sim_event;

struct aio__sim {
    aio_io port;               /* first: the loop's I/O */
    aio_loop *loop;
    aio_sim_config cfg;
    uint64_t rng;
    uint64_t digest;
    aio__sim_sock *socks;
    int nsocks;
    aio__sim_event *ev;
    uint32_t nev, evcap;
    uint64_t evseq;
    char names[AIO__SIM_HOSTS][32];
    int next_port[AIO__SIM_HOSTS];
    uint8_t cut[AIO__SIM_HOSTS][AIO__SIM_HOSTS];
    int nhosts;
    int spawn_on;              /* aio_sim_spawn's host for the task it spawns (-1: none) */
    const void **ids;          /* the digest's: the tasks by number - 1 (NULL: ended) */
    uint8_t *hosts;            /* ... and the host each runs on */
    uint32_t nids;
    uint32_t *slots_of_id;     /* open addressing over ids: number (0: empty) */
    uint32_t id_mask;
    aio_recorder *record;
    aio_instrument_fn instrument; /* the program's own (aio_loop_set_instrument), after the digest */
    void *instrument_ctx;
    aio__sim_program programs[AIO__SIM_PROGRAMS]; /* aio_sim_program's */
    struct aio__sim_proc *procs;  /* the children started, until closed and ended */
    struct aio_process *children; /* the loop's children, as the system's wait keeps them */
    aio_event **held;          /* events set by the call on the pool that runs now */
    aio_grow_fn grow;          /* the loop's growth hook, behind timer_full's */
    void *grow_ctx;
    int nprograms;
    int spawned;               /* children so far (their pids) */
    uint32_t nheld, held_cap;
    int failed;
    uint8_t in_call;           /* a call on the pool runs now */
    int8_t dual;               /* the system's IPv6 sockets: 0 not asked yet, 1 take IPv4 too, 2 do not,
                                  3 there are none */
    int placed;                /* sockets holding a pair of descriptors */
    int listener;              /* (Windows) the pairs connect to it (-1: none yet) */
    uint32_t serials;          /* sockets made */
    int far_floor;             /* the pairs' far ends from this number up (where the system allows) */
    int oldest, newest;        /* the sockets in the order they were made: its ends (-1: none) */
    int npolls;                /* room in polls, polled */
    aio__pollfd *polls;        /* the turn's look at the far ends, */
    int *polled;               /* ... each one's socket */
    aio_time failed_at;
    char message[160];
};


/* ---- the generator (splitmix64) and the draws */
static uint64_t aio__sim_next(aio__sim *s) {
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* 0 .. bound, each as likely (bound 0: 0, no draw) */
static aio_time aio__sim_upto(aio__sim *s, aio_time bound) {
    if (!bound) return 0;
    return (aio_time)(aio__sim_next(s) % ((uint64_t)bound + 1u));
}
/* 1 with probability p (p 0: 0, no draw) */
static int aio__sim_chance(aio__sim *s, double p) {
    if (!(p > 0)) return 0;
    return (double)(aio__sim_next(s) >> 11) * (1.0 / 9007199254740992.0) < p;
}
static void aio__sim_mix(aio__sim *s, uint64_t v) {
    s->digest = (s->digest ^ v) * 0x100000001B3ull;
    s->digest ^= s->digest >> 29;
}

/* ---- hosts: host i is 10.0.0.(i + 1), and each has 127.0.0.1 and ::1
 *
 * An address is an IPv4 one in host order, or one of these: */
#define AIO__SIM_IP(host) (0x0A000001u + (uint32_t)(host))
#define AIO__SIM_LOOPBACK 0x7F000001u
#define AIO__SIM_NONE 0xFFFFFFFFu      /* an IPv6 address no host has (bound: no IPv4 one) */
#define AIO__SIM_LOOPBACK6 0xFFFFFFFEu /* ::1 */
#define AIO__SIM_ANY6 0xFFFFFFFDu      /* :: (every IPv6 address; a connect's or a send's: ::1) */
enum { AIO__SIM_V6 = 1, AIO__SIM_ON6 = 2 }; /* a socket's v6: IPv6; bound to :: or ::1 */
static int aio__sim_host_named(aio__sim *s, const char *name, int make) {
    int i;
    for (i = 0; i < s->nhosts; i++)
        if (strcmp(s->names[i], name) == 0) return i;
    if (!make || s->nhosts == AIO__SIM_HOSTS || strlen(name) >= sizeof s->names[0]) return -1;
    (void)snprintf(s->names[s->nhosts], sizeof s->names[0], "%s", name);
    s->next_port[s->nhosts] = 49152;
    return s->nhosts++;
}
/* The host the running task runs on, fixed at its spawn ("the digest",
 * below): "main" outside a task, or for one spawned before the simulation. */
static uint32_t aio__sim_id(aio__sim *s, const void *p);
static int aio__sim_here_host(aio__sim *s) {
    uint32_t id = aio__sim_id(s, aio_current());
    return id ? s->hosts[id - 1] : 0;
}
/* The host an address names as seen from host `from` (-1: none). */
static int aio__sim_host_at(aio__sim *s, uint32_t ip, int from) {
    if (ip == AIO__SIM_LOOPBACK || ip == 0 || ip == AIO__SIM_LOOPBACK6) return from;
    if (ip >= AIO__SIM_IP(0) && ip < AIO__SIM_IP(s->nhosts)) return (int)(ip - AIO__SIM_IP(0));
    return -1;
}
/* An address's port, and its address: an IPv4-mapped IPv6 one (::ffff:a.b.c.d)
 * as the IPv4 one it holds, as a dual-stack socket takes it. */
static uint32_t aio__sim_ip(const void *sa, int *port) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char zeros[15] = {0};
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    const unsigned char *a;
    uint32_t v4;
    memcpy(&in, sa, sizeof in);
    *port = ntohs(in.sin_port);
    if (in.sin_family == AF_INET) {
        v4 = ntohl(in.sin_addr.s_addr);
    } else {
        memcpy(&in6, sa, sizeof in6);
        a = in6.sin6_addr.s6_addr;
        if (memcmp(a, mapped, 12) != 0)
            return memcmp(a, zeros, 15) != 0 || a[15] > 1 ? AIO__SIM_NONE : a[15] ? AIO__SIM_LOOPBACK6 : AIO__SIM_ANY6;
        v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
    }
    return v4 < AIO__SIM_ANY6 ? v4 : AIO__SIM_NONE; /* (the last three: no host's either) */
}
/* Whether the system's IPv6 sockets take IPv4 too (IPV6_V6ONLY off by
 * default: Linux, macOS) as a listener on :: made by the real calls then
 * does, asked of one once: 1 they do, 0 they do not (Windows, the BSDs),
 * -1 the system has none (errno EAFNOSUPPORT). */
static int aio__sim_dual(aio__sim *s) {
    if (!s->dual) {
        int only = 1;
        aio__socklen sl = sizeof only;
        int fd = aio__net_own(socket(AF_INET6, SOCK_STREAM, 0));
        s->dual = 3;
        if (fd >= 0) { /* LCOV_EXCL_BR_LINE: (a system with IPv6) */
            int got = getsockopt(AIO__SOCK(fd), IPPROTO_IPV6, IPV6_V6ONLY, (char *)&only, &sl);
            s->dual = got == 0 && !only ? 1 : 2; /* LCOV_EXCL_BR_LINE: (its setting: one way on a machine) */
            (void)aio__net_closesocket(fd);
        }
    }
    if (s->dual == 3) { /* LCOV_EXCL_START */
        errno = EAFNOSUPPORT;
        return -1;
    } /* LCOV_EXCL_STOP */
    return s->dual == 1;
}
#endif /* AIO__SIM */
// >>sim-schedule
/* ------------------------------------------------- simulation: the schedule */

/* What is due and when: the events in a heap ordered by (time, order of
 * sending), a packet's trip and time on the wire, a retry's backoff. */
#ifdef AIO__SIM
/* ---- the events' heap */
static int aio__sim_ev_less(const aio__sim_event *a, const aio__sim_event *b) {
    if (a->when != b->when) return aio__before(a->when, b->when);
    return a->seq < b->seq;
}
static void aio__sim_at(aio__sim *s, aio_time when, int kind, int fd, uint64_t gen, void *p) {
    uint32_t i;
    if (s->nev == s->evcap) {
        uint32_t cap = s->evcap ? s->evcap * 2 : 64;
        aio__sim_event *grown = (aio__sim_event *)AIO_REALLOC(s->ev, cap * sizeof *grown);
        if (!grown) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        s->ev = grown;
        s->evcap = cap;
    }
    i = s->nev++;
    s->ev[i].when = when;
    s->ev[i].seq = s->evseq++;
    s->ev[i].kind = (uint8_t)kind;
    s->ev[i].fd = fd;
    s->ev[i].gen = gen;
    s->ev[i].p = p;
    while (i && aio__sim_ev_less(&s->ev[i], &s->ev[(i - 1) / 2])) {
        aio__sim_event tmp = s->ev[i];
        s->ev[i] = s->ev[(i - 1) / 2];
        s->ev[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}
static aio__sim_event aio__sim_pop(aio__sim *s) {
    aio__sim_event top = s->ev[0];
    uint32_t i = 0;
    s->ev[0] = s->ev[--s->nev];
    for (;;) {
        uint32_t l = 2 * i + 1;
        uint32_t m = i;
        aio__sim_event tmp;
        if (l < s->nev && aio__sim_ev_less(&s->ev[l], &s->ev[m])) m = l;
        if (l + 1 < s->nev && aio__sim_ev_less(&s->ev[l + 1], &s->ev[m])) m = l + 1;
        if (m == i) break;
        tmp = s->ev[i];
        s->ev[i] = s->ev[m];
        s->ev[m] = tmp;
        i = m;
    }
    return top;
}

/* A packet's one-way trip from now. */
static aio_time aio__sim_trip(aio__sim *s) { return s->cfg.latency + aio__sim_upto(s, s->cfg.jitter); }
/* When `len` bytes sent now are all on the wire, on a way (a connection's,
 * a datagram socket's) busy until *busy: they follow what it carries, so
 * a burst takes its whole size over the bandwidth, not one packet's. */
static aio_time aio__sim_wire(const aio__sim *s, aio_time *busy, size_t len) {
    aio_time start = aio__before(s->loop->now, *busy) ? *busy : s->loop->now;
    if (s->cfg.bandwidth) start += (aio_time)((double)len * AIO_TICKS_PER_SEC / s->cfg.bandwidth);
    return *busy = start;
}
/* How long a segment or a connect lost for the `tries`-th time waits before
 * it is sent again: the retransmission time (twice the longest trip, at
 * least 200 ms), doubled at each loss up to 120 s, as TCP does. After 16
 * losses of a segment (15 times sent again, then the wait after the last:
 * Linux's tcp_retries2; 924.6 s from 200 ms) its sender gives up, after 7
 * of a connect (tcp_syn_retries: 25.4 s from 200 ms) the connect fails. */
#define AIO__SIM_LOSSES 16
#define AIO__SIM_SYN_LOSSES 7
static aio_time aio__sim_backoff(const aio__sim *s, unsigned tries) {
    aio_time rto = 2 * s->cfg.latency + s->cfg.jitter;
    if (rto < AIO_MS(200)) rto = AIO_MS(200);
    while (--tries && rto < AIO_SEC(120)) rto *= 2;
    return rto < AIO_SEC(120) ? rto : AIO_SEC(120);
}
/* A socket's error as the system's calls give it: a connection whose
 * sender gave up is AIO_EIO with errno ETIMEDOUT. */
static aio_status aio__sim_error(aio_status e) {
    if (e == AIO_EIO) errno = ETIMEDOUT;
    return e;
}
static size_t aio__sim_buffer(const aio__sim *s) { return s->cfg.buffer ? s->cfg.buffer : 65536u; }
#endif /* AIO__SIM */
// >>sim-network
/* ----------------------------------- simulation: the network and its faults */

/* The network model: pipes, the sockets by number, what arrives (late,
 * lost, reset, refused: the configuration's faults, drawn from the seed),
 * and the port the loop waits through. */
#ifdef AIO__SIM
/* ---- pipes */
static aio__sim_pipe *aio__sim_pipe_new(int from, int to) {
    aio__sim_pipe *p = (aio__sim_pipe *)aio__zalloc(sizeof *p);
    if (!p) abort(); /* LCOV_EXCL_LINE */
    p->from = from;
    p->to = to;
    return p;
}
static void aio__sim_pipe_lose(aio__sim_pipe *p) { /* what is on its way */
    while (p->head) {
        aio__sim_seg *next = p->head->next;
        AIO_FREE(p->head);
        p->head = next;
    }
    p->tail = NULL;
    p->flying = 0;
}
static void aio__sim_pipe_drop(aio__sim_pipe *p) { /* ... and what was not read */
    aio__sim_pipe_lose(p);
    AIO_FREE(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}
static void aio__sim_unref(aio__sim_pipe *p) {
    if (--p->refs == 0) {
        aio__sim_pipe_drop(p);
        if (p->back) p->back->back = NULL;
        AIO_FREE(p);
    }
}
/* A segment on its way along p (len bytes of data, or its end, or the
 * answer to a connect), after those ahead of it. */
static void aio__sim_put(aio__sim *s, aio__sim_pipe *p, int kind, const void *data, size_t len) {
    aio__sim_seg *g = (aio__sim_seg *)AIO_MALLOC(sizeof *g + len);
    aio_time due = aio__sim_wire(s, &p->busy, len) + aio__sim_trip(s);
    if (!g) abort(); /* LCOV_EXCL_LINE */
    if (aio__before(due, p->last_due)) due = p->last_due;
    p->last_due = due;
    g->next = NULL;
    g->due = due;
    g->len = (uint32_t)len;
    g->kind = (uint8_t)kind;
    g->lost = 0;
    if (len) memcpy(g + 1, data, len);
    if (p->tail) p->tail->next = g; else p->head = g;
    p->tail = g;
    p->flying += len;
    p->refs++;
    aio__sim_at(s, due, AIO__SIM_EV_FLOW, -1, 0, p);
}
/* The connection of p is reset, both ways, a trip from now. */
static void aio__sim_reset_later(aio__sim *s, aio__sim_pipe *p) {
    p->refs++;
    aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_RESET, -1, 0, p);
}

/* ---- the sockets' numbers
 *
 * A socket's number is a descriptor of the process (a SOCKET on Windows):
 * one end of a connected pair of sockets made for it (socketpair; on
 * Windows a loopback connection to a listener of the simulation's, closed
 * abortively: nothing lingers), not inherited by a child, non-blocking;
 * the simulation holds the other end, its "far" end, from far_floor up
 * where the system allows, so that the program's numbers follow one
 * another as a real run's do. So a number is never one of the
 * program's own files: a close() of it (after aio_io_forget, the documented
 * other way to end a socket) or a shutdown() reaches that pair only. And
 * the simulation sees it, as its far end reads the end of the stream (a dup
 * of /dev/null, the other choice, would give no sign of a close and take no
 * shutdown). Whether the number still names the pair's socket (its device
 * and inode; on Windows its two ports) tells a shutdown for writing, which
 * the simulated socket then makes too (its end is sent after its bytes),
 * from a close, which closes the simulated socket as aio_close does but
 * leaves the number alone: it may be another file's by then. The simulation
 * looks before the loop's clock moves (one poll of the far ends: what the
 * tasks did then happens at the time they did it), before each send (one
 * after a shutdown fails, as on a real socket), and when the system gives a
 * new pair a number its table still holds. Each socket takes two of the
 * process's descriptors. */
/* The pairs are the backend's (aio__sys_pair_new, aio__sys_pair_same: see
 * "the simulation's pairs" in "POSIX" and "Windows"). */
static int aio__sim_pair_new(aio__sim *s, int n[2], uint64_t id[2]) {
    return aio__sys_pair_new(&s->listener, s->far_floor, n, id);
}
/* Whether number fd still names the socket of k's pair. */
static int aio__sim_same(const aio__sim_sock *k, int fd) { return aio__sys_pair_same(k->id, fd); }
/* ---- sockets
 *
 * A turn's scans of the sockets (the readiness told the loop, which wakes
 * their tasks in that order; the look at what the program did to their
 * numbers) go in the order the sockets were made, never by number: the
 * numbers are the system's (Windows' are not the lowest free, and other
 * descriptors of the process move them), and a seed replays alike on every
 * system. (Other searches find one socket, or all: their order is moot.) */
static aio__sim_sock *aio__sim_sock_of(aio__sim *s, int fd, int kind) {
    if (fd < 0 || fd >= s->nsocks || s->socks[fd].kind == AIO__SIM_FREE) return NULL;
    if (kind && s->socks[fd].kind != kind) return NULL;
    return &s->socks[fd];
}
static int aio__sim_sock_close(aio__sim *s, int fd);
/* The system gave number fd to a new pair: a socket the table holds there
 * was closed by the program (its number is free again). */
static void aio__sim_taken(aio__sim *s, int fd) {
    if (fd >= s->nsocks || s->socks[fd].kind == AIO__SIM_FREE) return;
    aio_io_forget(fd);
    (void)aio__sim_sock_close(s, fd);
}
/* A new socket: the number the system gives its pair (the lowest free, as
 * POSIX gives), or -1 with errno (EMFILE: the process has no descriptor left). */
static int aio__sim_socket_new(aio__sim *s, int kind, int host) {
    int n[2];
    uint64_t id[2];
    aio__sim_sock *k;
    uint64_t gen;
    if (aio__sim_pair_new(s, n, id) != 0) return -1;
    aio__sim_taken(s, n[0]);
    aio__sim_taken(s, n[1]);
    if (n[0] >= s->nsocks) {
        int cap = s->nsocks ? s->nsocks * 2 : 16;
        aio__sim_sock *grown;
        while (cap <= n[0]) cap *= 2;
        grown = (aio__sim_sock *)AIO_REALLOC(s->socks, (size_t)cap * sizeof *grown);
        if (!grown) { /* LCOV_EXCL_START */
            aio__wake_pair_close(n);
            return -1;
        } /* LCOV_EXCL_STOP */
        memset(grown + s->nsocks, 0, (size_t)(cap - s->nsocks) * sizeof *grown);
        s->socks = grown;
        s->nsocks = cap;
    }
    aio_io_forget(n[0]); /* a number used before: nothing of it is watched now */
    k = &s->socks[n[0]];
    gen = k->gen + 1;
    memset(k, 0, sizeof *k);
    k->gen = gen;
    k->kind = (uint8_t)kind;
    k->host = host;
    k->hold = n[1];
    k->id[0] = id[0];
    k->id[1] = id[1];
    k->serial = ++s->serials;
    k->older = s->newest;
    k->newer = -1;
    if (s->newest >= 0) s->socks[s->newest].newer = n[0]; else s->oldest = n[0];
    s->newest = n[0];
    s->placed++;
    aio__sim_mix(s, ((uint64_t)kind << 32) | k->serial);
    return n[0];
}
/* Socket k's pair closed: the number too if it still names the pair's
 * socket (1 then, else 0: the program closed it). */
static int aio__sim_unplace(aio__sim *s, aio__sim_sock *k, int fd) {
    int own = aio__sim_same(k, fd);
    if (own) (void)aio__net_closesocket(fd);
    (void)aio__net_closesocket(k->hold);
    k->hold = -1;
    s->placed--;
    return own;
}
/* Whether an IPv4 address `ip` (0: every one) and a socket's flags v6
 * overlap with what socket k is bound to: an IPv4 address of both, or ::1. */
static int aio__sim_overlap(const aio__sim_sock *k, uint32_t ip, int v6) {
    if ((k->v6 & v6 & AIO__SIM_ON6) != 0) return 1;
    return k->ip != AIO__SIM_NONE && ip != AIO__SIM_NONE && (!k->ip || !ip || k->ip == ip);
}
/* Whether port `port` of `host` is free for a socket of `kind` bound to
 * (ip, v6): no socket of the same protocol holds it on an address that
 * overlaps, but the connections a listener accepted (Linux lets a listener
 * bind beside them, with the SO_REUSEADDR the library sets). */
static int aio__sim_port_free(aio__sim *s, int kind, int host, int port, uint32_t ip, int v6) {
    int fd;
    for (fd = 0; fd < s->nsocks; fd++) {
        const aio__sim_sock *k = &s->socks[fd];
        if (k->kind == AIO__SIM_FREE || k->host != host || k->port != port || k->accepted) continue;
        if ((k->kind == AIO__SIM_DGRAM) != (kind == AIO__SIM_DGRAM)) continue; /* (another protocol) */
        if (aio__sim_overlap(k, ip, v6)) return 0;
    }
    return 1;
}
/* A port no socket of `kind` holds on `host`, from 49152 on. */
static int aio__sim_ephemeral(aio__sim *s, int kind, int host) {
    int port;
    do {
        port = s->next_port[host]++;
        if (s->next_port[host] > 65535) s->next_port[host] = 49152;
    } while (!aio__sim_port_free(s, kind, host, port, 0, AIO__SIM_ON6));
    return port;
}
/* The IPv4 address a socket bound to `at` takes (AIO__SIM_NONE: none), and
 * in *v6 its flags: an IPv6 socket bound to :: takes every IPv4 address
 * too where the system's do (aio__sim_dual), and ::1; one bound to ::1
 * takes ::1; one bound to an IPv4-mapped address takes that IPv4 address
 * where the system's take IPv4. Another IPv6 address is no host's. */
static uint32_t aio__sim_bound(const aio_address *at, int *port, int *v6, int dual) {
    uint32_t ip = aio__sim_ip(at->sa, port);
    *v6 = 0;
    if (aio__address_family(at) != AF_INET6) return ip;
    *v6 = AIO__SIM_V6;
    if (ip == AIO__SIM_ANY6 || ip == AIO__SIM_LOOPBACK6) {
        *v6 |= AIO__SIM_ON6;
        return ip == AIO__SIM_ANY6 && dual ? 0 : AIO__SIM_NONE; /* LCOV_EXCL_BR_LINE: (dual: one way on a machine) */
    }
    return dual ? ip : AIO__SIM_NONE; /* LCOV_EXCL_BR_LINE: (the same) */
}
/* A listener or a datagram socket bound to `at` on the calling task's host:
 * one of its own addresses (every one, 127.0.0.1, the host's, or IPv6's ::
 * and ::1), as a system binds only its own. */
static int aio__sim_bind(aio__sim *s, int kind, const aio_address *at, int backlog) {
    int port;
    int v6;
    int dual = aio__address_family(at) == AF_INET6 ? aio__sim_dual(s) : 0;
    uint32_t ip = aio__sim_bound(at, &port, &v6, dual > 0);
    int host = aio__sim_here_host(s);
    int fd;
    if (dual < 0) return AIO_EIO; /* LCOV_EXCL_LINE: (no IPv6: the system's socket fails so) */
    if (ip == AIO__SIM_NONE ? !(v6 & AIO__SIM_ON6) : ip != 0 && ip != AIO__SIM_LOOPBACK && ip != AIO__SIM_IP(host)) {
        errno = EADDRNOTAVAIL;
        return AIO_EIO;
    }
    if (port && !aio__sim_port_free(s, kind, host, port, ip, v6)) {
        errno = EADDRINUSE;
        return AIO_EIO;
    }
    fd = aio__sim_socket_new(s, kind, host);
    if (fd < 0) return AIO_EIO;
    s->socks[fd].ip = ip;
    s->socks[fd].v6 = (uint8_t)v6;
    s->socks[fd].port = port ? port : aio__sim_ephemeral(s, kind, host);
    s->socks[fd].backlog = backlog ? backlog : 128;
    return fd;
}
/* Whether socket k, bound to an address, is the one reached through `ip`
 * (127.0.0.1, its host's address or ::1). */
static int aio__sim_reached(const aio__sim_sock *k, uint32_t ip) {
    if (ip == AIO__SIM_LOOPBACK6) return (k->v6 & AIO__SIM_ON6) != 0;
    return k->ip != AIO__SIM_NONE && (!k->ip || k->ip == ip);
}
static void aio__sim_attach(aio__sim_sock *k, aio__sim_pipe *rx, aio__sim_pipe *tx) {
    k->rx = rx;
    k->tx = tx;
    rx->refs++;
    tx->refs++;
}
/* A connected pair of stream sockets on `host`, a local pipe each way (a
 * child's standard stream, its exit): 0, or -1 with nothing made. */
static int aio__sim_pair(aio__sim *s, int host, int *a, int *b) {
    aio__sim_pipe *ab;
    aio__sim_pipe *ba;
    *a = aio__sim_socket_new(s, AIO__SIM_STREAM, host);
    *b = *a < 0 ? -1 : aio__sim_socket_new(s, AIO__SIM_STREAM, host);
    if (*b < 0) { /* (out of descriptors) */
        if (*a >= 0) (void)aio__sim_sock_close(s, *a);
        *a = -1;
        return -1;
    }
    ab = aio__sim_pipe_new(host, host);
    ba = aio__sim_pipe_new(host, host);
    ab->back = ba;
    ba->back = ab;
    ab->open = ba->open = 1;
    ab->local = ba->local = 1;
    aio__sim_attach(&s->socks[*a], ba, ab);
    aio__sim_attach(&s->socks[*b], ab, ba);
    return 0;
}
/* A stream socket's end: its end sent after its last bytes (unless a
 * shutdown sent it), or a reset if it leaves bytes unread (as TCP does);
 * bytes still on their way to it reset the connection when they come. The
 * pipes live on while needed. */
static void aio__sim_end_stream(aio__sim *s, aio__sim_pipe *rx, aio__sim_pipe *tx) {
    if (!rx) return;
    rx->reader_gone = 1;
    if (!rx->reset && rx->len) {
        aio__sim_reset_later(s, tx);
    } else if (!tx->reset && !tx->ended) {
        aio__sim_put(s, tx, AIO__SIM_FIN, NULL, 0);
    }
    AIO_FREE(rx->buf); /* (what was not read; what is on its way comes) */
    rx->buf = NULL;
    rx->len = rx->cap = 0;
    aio__sim_unref(rx);
    aio__sim_unref(tx);
}
/* Socket fd closed, and its pair: -1 if there is none, 0 if its number was
 * closed with it, 1 if the program had closed that already. */
static int aio__sim_sock_close(aio__sim *s, int fd) {
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    int i;
    if (!k) return -1;
    aio__sim_mix(s, 0xC105Eull << 32 | k->serial);
    aio__sim_end_stream(s, k->rx, k->tx);
    for (i = 0; i < k->queued; i++) aio__sim_end_stream(s, k->queue[i].rx, k->queue[i].tx);
    AIO_FREE(k->queue);
    while (k->dq) {
        aio__sim_dgram *next = k->dq->next;
        AIO_FREE(k->dq);
        k->dq = next;
    }
    k->kind = AIO__SIM_FREE;
    if (k->older >= 0) s->socks[k->older].newer = k->newer; else s->oldest = k->newer;
    if (k->newer >= 0) s->socks[k->newer].older = k->older; else s->newest = k->older;
    k->rx = k->tx = NULL;
    k->queue = NULL;
    k->host = -1;
    k->port = 0;
    return !aio__sim_unplace(s, k, fd);
}
/* Socket k shut down for writing by the program: its end is sent after
 * its bytes, as a real socket's is (a socket not connected: nothing). */
static void aio__sim_shut(aio__sim *s, aio__sim_sock *k) {
    k->shut = 1;
    aio__sim_mix(s, 0x5807ull);
    if (!k->tx || k->tx->reset) return;
    k->tx->ended = 1;
    aio__sim_put(s, k->tx, AIO__SIM_FIN, NULL, 0);
}
/* What the program did to number fd since it was last asked, outside the
 * library: if it shut the socket down for writing, that is done; if it
 * closed it, the socket is closed (as aio_close does) and 1 returned. */
static int aio__sim_notice(aio__sim *s, int fd) {
    aio__sim_sock *k = &s->socks[fd];
    if (!k->shut) {
        char buf[64];
        long n;
        while ((n = (long)recv(AIO__SOCK(k->hold), buf, sizeof buf, 0)) > 0) {
        } /* (bytes the program wrote to it itself: dropped) */
        /* (it did nothing; an error: Windows' abortive close) */
        if (n < 0 && aio__net_would_block(aio__net_last())) return 0; /* LCOV_EXCL_BR_LINE */
    }
    if (aio__sim_same(k, fd)) {
        if (!k->shut) aio__sim_shut(s, k);
        return 0;
    }
    aio_io_forget(fd);
    (void)aio__sim_sock_close(s, fd);
    return 1;
}
/* What the program did to the numbers since, before the loop's clock moves
 * (one poll of the far ends; one shut down, whose far end reads the end
 * all the time, is asked by itself whether it was closed since). */
static void aio__sim_look(aio__sim *s) {
    int fd;
    int next;
    int n = 0;
    int i;
    if (!s->placed) return;
    if (s->npolls < s->placed) {
        int cap = s->placed * 2;
        aio__pollfd *polls = (aio__pollfd *)AIO_REALLOC(s->polls, (size_t)cap * sizeof *polls);
        int *polled = polls ? (int *)AIO_REALLOC(s->polled, (size_t)cap * sizeof *polled) : NULL; /* LCOV_EXCL_BR_LINE */
        if (!polled) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        s->polls = polls;
        s->polled = polled;
        s->npolls = cap;
    }
    for (fd = s->oldest; fd >= 0; fd = next) {
        next = s->socks[fd].newer; /* (a notice may close fd) */
        if (s->socks[fd].shut) {
            (void)aio__sim_notice(s, fd);
            continue;
        }
        s->polls[n].fd = AIO__SOCK(s->socks[fd].hold);
        s->polls[n].events = POLLIN;
        s->polls[n].revents = 0;
        s->polled[n++] = fd;
    }
    if (!n || aio__poll(s->polls, n, 0) <= 0) return;
    for (i = 0; i < n; i++)
        if (s->polls[i].revents) (void)aio__sim_notice(s, s->polled[i]);
}

/* What socket fd is ready for now (AIO_READABLE | AIO_WRITABLE). */
static int aio__sim_readiness(const aio__sim *s, const aio__sim_sock *k) {
    int r = 0;
    if (k->kind == AIO__SIM_LISTEN) return k->queued ? AIO_READABLE : 0;
    if (k->kind == AIO__SIM_DGRAM) return (k->dq ? AIO_READABLE : 0) | AIO_WRITABLE;
    if (k->error) return AIO_READABLE | AIO_WRITABLE;
    if (!k->rx) return 0;
    if (k->rx->len || k->rx->fin || k->rx->reset || k->shut_read) r |= AIO_READABLE;
    if (k->rx->open && (k->tx->reset || k->shut || k->tx->flying + k->tx->len < aio__sim_buffer(s)))
        r |= AIO_WRITABLE; /* (a send after a shutdown fails at once) */
    return r;
}

/* ---- what arrives */
static void aio__sim_append(aio__sim_pipe *p, const void *data, size_t len) {
    if (p->len + len > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        unsigned char *grown;
        while (cap < p->len + len) cap *= 2;
        grown = (unsigned char *)AIO_REALLOC(p->buf, cap);
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        p->buf = grown;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
}
/* The segments of p due by now arrive, in order; while the hosts are cut
 * apart the first waits and is sent again, and those behind it wait too. */
static void aio__sim_flow(aio__sim *s, aio__sim_pipe *p) {
    aio_time now = s->loop->now;
    while (p->head && !aio__before(now, p->head->due)) {
        aio__sim_seg *g = p->head;
        if (s->cut[p->from][p->to]) {
            if (++g->lost > AIO__SIM_LOSSES) { /* its sender gives up: its end fails, the rest is lost */
                int fd;
                aio__sim_mix(s, 0x71EDull);
                for (fd = 0; fd < s->nsocks; fd++)
                    if (s->socks[fd].tx == p) s->socks[fd].error = AIO_EIO;
                aio__sim_pipe_lose(p);
                return;
            }
            g->due = now + aio__sim_backoff(s, g->lost);
            p->refs++;
            aio__sim_at(s, g->due, AIO__SIM_EV_FLOW, -1, 0, p);
            return;
        }
        p->head = g->next;
        if (!p->head) p->tail = NULL;
        p->flying -= g->len;
        aio__sim_mix(s, ((uint64_t)now << 8) ^ ((uint64_t)g->len << 2) ^ g->kind);
        /* (none comes on a reset pipe: the reset dropped what was on its way, and nothing is sent after) */
        if (p->reader_gone) {
            if (g->kind == AIO__SIM_DATA && p->back) aio__sim_reset_later(s, p->back); /* bytes to a closed socket */
        } else if (g->kind == AIO__SIM_DATA) {
            aio__sim_append(p, g + 1, g->len);
        } else if (g->kind == AIO__SIM_FIN) {
            p->fin = 1;
        } else {
            p->open = 1;
        }
        AIO_FREE(g);
    }
}
static void aio__sim_reset_now(aio__sim *s, aio__sim_pipe *p) {
    aio__sim_mix(s, 0x5E7ull);
    p->reset = 1;
    aio__sim_pipe_drop(p);
    if (p->back) {
        p->back->reset = 1;
        aio__sim_pipe_drop(p->back);
    }
}
/* A connect lost (a cut, a full backlog) is sent again later, or fails. */
static void aio__sim_syn_lost(aio__sim *s, aio__sim_sock *c, int fd) {
    if (++c->lost > AIO__SIM_SYN_LOSSES) {
        aio__sim_mix(s, 0x5717ull);
        c->error = AIO_EIO; /* (ETIMEDOUT) */
        return;
    }
    aio__sim_at(s, s->loop->now + aio__sim_backoff(s, c->lost), AIO__SIM_EV_SYN, fd, c->gen, NULL);
}
/* A connect reaches its host: a listener there with room takes it (the
 * answer goes back on the new connection's pipe), else it is refused; a
 * full backlog drops it (it is sent again), as does a cut. */
static void aio__sim_syn(aio__sim *s, int fd, uint64_t gen) {
    aio__sim_sock *c = aio__sim_sock_of(s, fd, AIO__SIM_STREAM);
    aio__sim_sock *l = NULL;
    int i;
    if (!c || c->gen != gen) return; /* closed since */
    AIO_ASSERT(c->connecting && !c->rx); /* (one try is on its way at a time) */
    if (c->to_host < 0) return;                                  /* no such host: never answered */
    if (s->cut[c->host][c->to_host]) {
        aio__sim_syn_lost(s, c, fd);
        return;
    }
    for (i = 0; i < s->nsocks && !l; i++)
        if (s->socks[i].kind == AIO__SIM_LISTEN && s->socks[i].host == c->to_host && s->socks[i].port == c->to_port &&
            aio__sim_reached(&s->socks[i], c->to_ip))
            l = &s->socks[i];
    if (!l) {
        aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_REFUSE, fd, gen, NULL);
        return;
    }
    if (l->queued >= l->backlog) {
        aio__sim_syn_lost(s, c, fd);
        return;
    }
    if (l->queued == l->queue_cap) {
        int cap = l->queue_cap ? l->queue_cap * 2 : 8;
        aio__sim_pending *grown = (aio__sim_pending *)AIO_REALLOC(l->queue, (size_t)cap * sizeof *grown);
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        l->queue = grown;
        l->queue_cap = cap;
    }
    {
        aio__sim_pipe *up = aio__sim_pipe_new(c->host, c->to_host);   /* client to server */
        aio__sim_pipe *down = aio__sim_pipe_new(c->to_host, c->host); /* server to client */
        up->back = down;
        down->back = up;
        up->open = 1;
        aio__sim_attach(c, down, up);
        l->queue[l->queued].rx = up;
        l->queue[l->queued].tx = down;
        up->refs++;
        down->refs++;
        l->queued++;
        aio__sim_put(s, down, AIO__SIM_SYNACK, NULL, 0);
    }
}
static void aio__sim_dgram_arrives(aio__sim *s, aio__sim_dgram *d) {
    int fd;
    for (fd = 0; fd < s->nsocks; fd++) {
        aio__sim_sock *k = &s->socks[fd];
        if (k->kind != AIO__SIM_DGRAM || k->host != d->to_host || k->port != d->to_port || !aio__sim_reached(k, d->to_ip))
            continue;
        if (k->dq_bytes + d->len > aio__sim_buffer(s)) break; /* (its buffer is full: dropped) */
        d->next = NULL;
        if (k->dq_tail) k->dq_tail->next = d; else k->dq = d;
        k->dq_tail = d;
        k->dq_bytes += d->len;
        aio__sim_mix(s, 0xD6ull << 32 | d->len);
        return;
    }
    AIO_FREE(d);
}

#ifdef AIO__PROCESSES
static void aio__sim_procs_turn(aio__sim *s);
static void aio__sim_procs_release(aio__sim *s);
#endif
/* Everything due by the loop's time happens, in order. */
static void aio__sim_deliver(aio__sim *s) {
    while (s->nev && !aio__before(s->loop->now, s->ev[0].when)) {
        aio__sim_event e = aio__sim_pop(s);
        switch (e.kind) {
        case AIO__SIM_EV_FLOW:
            aio__sim_flow(s, (aio__sim_pipe *)e.p);
            aio__sim_unref((aio__sim_pipe *)e.p);
            break;
        case AIO__SIM_EV_RESET:
            aio__sim_reset_now(s, (aio__sim_pipe *)e.p);
            aio__sim_unref((aio__sim_pipe *)e.p);
            break;
        case AIO__SIM_EV_SYN: aio__sim_syn(s, e.fd, e.gen); break;
        case AIO__SIM_EV_REFUSE: {
            aio__sim_sock *c = aio__sim_sock_of(s, e.fd, AIO__SIM_STREAM);
            if (!c || c->gen != e.gen) break; /* closed since */
            AIO_ASSERT(c->connecting && !c->rx); /* (refused: never answered) */
            c->error = AIO_ECONNREFUSED;
            break;
        }
        case AIO__SIM_EV_DGRAM: aio__sim_dgram_arrives(s, (aio__sim_dgram *)e.p); break;
#ifdef AIO__PROCESSES
        case AIO__SIM_EV_DIE: aio__sim_procs_turn(s); break; /* (a child's death is due) */
#endif
        case AIO__SIM_EV_SET: aio_event_set((aio_event *)e.p); break; /* (a call on the pool set it) */
        default: { /* AIO__SIM_EV_CALL: a call on the pool lands */
#ifdef AIO__THREADS
            aio__job *j = (aio__job *)e.p;
            aio_task *w = j->waiter;
            if (!w) {
                aio__job_free(j);
            } else {
                w->flags |= AIO__T_SIGNALLED;
                if (w->state == AIO__PARKED) {
                    AIO__CAUSE(s->loop, NULL, AIO_BY_IO);
                    aio__wake(w);
                    AIO__CAUSE(s->loop, NULL, AIO_TRACE_NONE);
                }
            }
#endif
            break;
        }
        }
    }
}
/* Tell the loop what the watched sockets are ready for (a level: again
 * each time, while it lasts). */
static void aio__sim_report(aio__sim *s) {
    int fd;
    for (fd = s->oldest; fd >= 0; fd = s->socks[fd].newer) {
        aio__sim_sock *k = &s->socks[fd];
        int ready;
        if (!k->watch) continue;
        ready = aio__sim_readiness(s, k) & k->watch;
        if (ready) aio_io_ready(s->loop, fd, ready);
    }
}

/* ---- the port */
static aio_status aio__sim_watch(aio_io *io, int fd, int old, int events) {
    aio__sim *s = (aio__sim *)io;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    (void)old;
    /* (never one to unwatch: aio_close forgets a socket before it closes it) */
    if (!k) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket of the simulation");
    k->watch = (uint8_t)events;
    return AIO_OK;
}
/* A look in the turn (deadline: now) takes the turn's time and delivers
 * what is due; an idle wait moves time to the next arrival, or to the
 * deadline and a little later (the timer fires late), whichever is first. */
static void aio__sim_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__sim *s = (aio__sim *)io;
    aio_time target;
    if (deadline != AIO_NEVER && !aio__before(L->now, deadline)) {
        aio_time step = aio__sim_upto(s, s->cfg.step);
        if (step) aio__sim_look(s); /* (what the turn's tasks did to the numbers, at the time they did it) */
        L->now += step;
        aio__sim_deliver(s);
#ifdef AIO__PROCESSES
        if (s->procs) aio__sim_procs_turn(s);
#endif
        aio__sim_report(s);
        return;
    }
    aio__sim_look(s);
    target = deadline == AIO_NEVER ? AIO_NEVER : deadline + aio__sim_upto(s, s->cfg.timer_late);
    for (;;) {
        aio__sim_report(s);
        if (!aio__ready_empty(L) || L->signalled) return; /* (signalled: an event a call set) */
        if (!s->nev || (target != AIO_NEVER && aio__before(target, s->ev[0].when))) {
            if (target != AIO_NEVER) L->now = target;
            return;
        }
        L->now = s->ev[0].when; /* (later than now: what was due was delivered in the turn's drain) */
        aio__sim_deliver(s);
    }
}
static aio_status aio__sim_grow_slots(aio_io *io, int fd) {
    uint32_t n = io->nslots ? io->nslots : 16;
    aio_io_slot *grown;
    while (n <= (uint32_t)fd) n *= 2;
    grown = (aio_io_slot *)AIO_REALLOC(io->slots, n * sizeof *grown);
    if (!grown) return AIO_EIO; /* (out of memory) */
    memset(grown + io->nslots, 0, (n - io->nslots) * sizeof *grown);
    io->slots = grown;
    io->nslots = n;
    return AIO_OK;
}
/* With a simulation the loop is stuck only when nothing is on its way. */
static int aio__sim_events(aio_loop *L, int op) {
    aio__sim *s = (aio__sim *)L->io;
    if (op == AIO__EV_STUCK) return s->nev == 0; /* (what was ready was reported in the turn's drain) */
    return aio__io_events(L, op);
}
static void aio__sim_release(aio_io *io) {
    aio__sim *s = (aio__sim *)io;
    int fd;
#ifdef AIO__PROCESSES
    aio__sim_procs_release(s);
#endif
    for (fd = 0; fd < s->nsocks; fd++) (void)aio__sim_sock_close(s, fd);
    while (s->nev) {
        aio__sim_event e = aio__sim_pop(s);
        if (e.kind == AIO__SIM_EV_FLOW || e.kind == AIO__SIM_EV_RESET) aio__sim_unref((aio__sim_pipe *)e.p);
        if (e.kind == AIO__SIM_EV_DGRAM) AIO_FREE(e.p);
#ifdef AIO__THREADS
        if (e.kind == AIO__SIM_EV_CALL) aio__job_free((aio__job *)e.p);
#endif
    }
    s->loop->events = aio__io_events;
    aio__sim_here = NULL; /* (the thread's one simulation: this one) */
    (void)aio__os_install(NULL);
    aio__sys_pairs_end(s->listener);
    AIO_FREE(s->polls);
    AIO_FREE(s->polled);
    AIO_FREE(s->ev);
    AIO_FREE(s->held);
    AIO_FREE(s->socks);
    AIO_FREE(s->port.slots);
    AIO_FREE(s->hosts);
    AIO_FREE(s->ids);
    AIO_FREE(s->slots_of_id);
    AIO_FREE(s);
}
#endif /* AIO__SIM */
// >>sim-calls
/* ----------------------------------------- simulation: the platform's calls */

/* The platform's socket calls and the pool's, simulated: the same returns
 * as the system's, on the simulated network and the loop's thread. */
#ifdef AIO__SIM
/* ---- the platform's socket calls, simulated (the same returns) */
static aio_status aio__sim_recv(int fd, void *buf, size_t len, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    size_t n;
    if (!k) return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of the simulation");
    if (k->kind != AIO__SIM_STREAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a connected stream socket");
    if (k->error) return aio__sim_error(k->error);
    if (!k->rx) return AIO__AGAIN;
    if (k->rx->reset) return AIO_ECONNRESET;
    if (!k->rx->len) return k->rx->fin || k->shut_read ? 0 : AIO__AGAIN;
    n = aio__net_chunk(len < k->rx->len ? len : k->rx->len);
    if (n > 1 && aio__sim_chance(s, s->cfg.short_recv)) n = 1 + (size_t)aio__sim_upto(s, (aio_time)(n - 2));
    memcpy(buf, k->rx->buf, n);
    memmove(k->rx->buf, k->rx->buf + n, k->rx->len - n);
    k->rx->len -= n;
    aio__sim_mix(s, 0x4Eull << 32 | n);
    return (aio_status)n;
}
static aio_status aio__sim_send(int fd, const void *buf, size_t len, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    size_t room;
    size_t n;
    if (k && !k->shut && aio__sim_notice(s, fd)) k = NULL; /* (closed or shut down in this turn) */
    if (!k) return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of the simulation");
    if (k->kind != AIO__SIM_STREAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a connected stream socket");
    if (k->error) return aio__sim_error(k->error);
    if (k->shut) return AIO_ECONNRESET; /* (EPIPE: shut down for writing, as the system's calls give it) */
    if (!k->rx || !k->rx->open) return AIO__AGAIN;
    if (k->tx->reset) return AIO_ECONNRESET;
    room = aio__sim_buffer(s) - (k->tx->flying + k->tx->len < aio__sim_buffer(s) ? k->tx->flying + k->tx->len
                                                                                  : aio__sim_buffer(s));
    if (!room) return AIO__AGAIN;
    n = aio__net_chunk(len < room ? len : room);
    if (n > 1 && aio__sim_chance(s, s->cfg.short_send)) n = 1 + (size_t)aio__sim_upto(s, (aio_time)(n - 2));
    aio__sim_put(s, k->tx, AIO__SIM_DATA, buf, n);
    if (!k->tx->local && aio__sim_chance(s, s->cfg.reset)) aio__sim_reset_later(s, k->tx);
    return (aio_status)n;
}
static aio_status aio__sim_accept(int fd, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *l = aio__sim_sock_of(s, fd, 0);
    aio__sim_pending c;
    int host;
    int port;
    int nfd;
    if (l && !l->shut && aio__sim_notice(s, fd)) l = NULL; /* (closed in this turn) */
    if (!l || l->kind != AIO__SIM_LISTEN) return aio__bad_fd(AIO_EBADF, what, fd, "is not a listening socket of the simulation");
    if (!l->queued) return AIO__AGAIN;
    host = l->host;
    port = l->port;
    nfd = aio__sim_socket_new(s, AIO__SIM_STREAM, host); /* (may move the table: l is stale after) */
    if (nfd < 0) return AIO_EIO; /* (no descriptor left: the connection waits, as the system's does) */
    l = &s->socks[fd];
    AIO_ASSERT(l->kind == AIO__SIM_LISTEN && l->queued); /* (its number is still its own: asked above) */
    c = l->queue[0];
    memmove(l->queue, l->queue + 1, (size_t)(l->queued - 1) * sizeof *l->queue);
    l->queued--;
    s->socks[nfd].port = port;
    s->socks[nfd].accepted = 1;
    s->socks[nfd].rx = c.rx; /* (the references the queue held) */
    s->socks[nfd].tx = c.tx;
    return nfd;
}
static int aio__sim_socket(int family) {
    aio__sim *s = aio__sim_here;
    (void)family;
    return aio__sim_socket_new(s, AIO__SIM_STREAM, aio__sim_here_host(s));
}
static aio_status aio__sim_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *c = aio__sim_sock_of(s, fd, AIO__SIM_STREAM);
    uint32_t ip = aio__sim_ip(sa, &c->to_port);
    (void)sl;
    (void)what;
    c->to_ip = ip == 0 ? AIO__SIM_LOOPBACK : ip == AIO__SIM_ANY6 ? AIO__SIM_LOOPBACK6 : ip; /* (0.0.0.0, ::: this
                                                                                          host, as Linux takes them) */
    c->to_host = aio__sim_host_at(s, c->to_ip, c->host);
    c->connecting = 1;
    c->port = aio__sim_ephemeral(s, AIO__SIM_STREAM, c->host);
    if (aio__sim_chance(s, s->cfg.refuse))
        aio__sim_at(s, s->loop->now + 2 * aio__sim_trip(s), AIO__SIM_EV_REFUSE, fd, c->gen, NULL);
    else
        aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_SYN, fd, c->gen, NULL);
    return AIO__AGAIN;
}
static aio_status aio__sim_connected(int fd, const char *what) {
    aio__sim_sock *c = aio__sim_sock_of(aio__sim_here, fd, AIO__SIM_STREAM);
    (void)what;
    if (!c) return AIO_EBADF; /* LCOV_EXCL_LINE: (the connect's own) */
    if (c->error) return aio__sim_error(c->error);
    AIO_ASSERT(c->rx && c->rx->open); /* (reported writable: answered) */
    return AIO_OK;
}
static aio_status aio__sim_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    aio__sim_dgram *d;
    struct sockaddr_in in;
    size_t n;
    memset(from, 0, sizeof *from);
    if (!k || k->kind != AIO__SIM_DGRAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a datagram socket of the simulation");
    if (!(d = k->dq)) return AIO__AGAIN;
    k->dq = d->next;
    if (!k->dq) k->dq_tail = NULL;
    k->dq_bytes -= d->len;
    n = aio__net_chunk(len < d->len ? len : d->len);
    memcpy(buf, d + 1, n);
    if (k->v6) { /* (an IPv6 socket's sender: ::1, or an IPv4 one mapped, ::ffff:a.b.c.d) */
        struct sockaddr_in6 in6;
        unsigned char *a = in6.sin6_addr.s6_addr;
        memset(&in6, 0, sizeof in6);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)d->from_port);
        if (d->from_ip == AIO__SIM_LOOPBACK6) {
            a[15] = 1;
        } else {
            a[10] = a[11] = 0xFF;
            a[12] = (unsigned char)(d->from_ip >> 24);
            a[13] = (unsigned char)(d->from_ip >> 16);
            a[14] = (unsigned char)(d->from_ip >> 8);
            a[15] = (unsigned char)d->from_ip;
        }
        memcpy(from, &in6, sizeof in6);
    } else {
        memset(&in, 0, sizeof in);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(d->from_ip);
        in.sin_port = htons((uint16_t)d->from_port);
        memcpy(from, &in, sizeof in);
    }
    AIO_FREE(d);
    return (aio_status)n;
}
static aio_status aio__sim_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    aio__sim_dgram *d;
    aio_time due;
    int port;
    uint32_t ip;
    if (!k || k->kind != AIO__SIM_DGRAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a datagram socket of the simulation");
    /* (an IPv6 socket sends to IPv4 addresses where it takes them: dual-stack) */
    if (family == AF_INET6 ? !k->v6 : k->v6 && aio__sim_dual(s) <= 0) /* LCOV_EXCL_BR_LINE: (dual: per machine) */
        return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is IPv6 and the socket IPv4, or the other way round");
    (void)sl;
    ip = aio__sim_ip(sa, &port);
    if (ip == AIO__SIM_ANY6) ip = AIO__SIM_LOOPBACK6; /* (::: this host, as Linux takes it) */
    if (len > (ip == AIO__SIM_LOOPBACK6 || (ip == AIO__SIM_NONE && family == AF_INET6) ? 65527u : 65507u)) {
        errno = EMSGSIZE; /* (beyond what a UDP datagram holds over IPv4, over IPv6: the system's calls fail so) */
        return AIO_EIO;
    }
    d = (aio__sim_dgram *)AIO_MALLOC(sizeof *d + len);
    if (!d) abort(); /* LCOV_EXCL_LINE */
    d->to_host = aio__sim_host_at(s, ip, k->host);
    d->to_ip = ip == 0 ? AIO__SIM_LOOPBACK : ip;
    d->to_port = port;
    d->from_ip = d->to_ip == AIO__SIM_LOOPBACK || d->to_ip == AIO__SIM_LOOPBACK6 ? d->to_ip : AIO__SIM_IP(k->host);
    d->from_port = k->port;
    d->len = (uint32_t)len;
    if (len) memcpy(d + 1, buf, len);
    due = aio__sim_wire(s, &k->busy, len) + aio__sim_trip(s);
    if (aio__sim_chance(s, s->cfg.reorder)) due += aio__sim_upto(s, 2 * s->cfg.latency + 1);
    if (d->to_host < 0 || s->cut[k->host][d->to_host] || aio__sim_chance(s, s->cfg.loss)) {
        aio__sim_mix(s, 0x1055ull);
        AIO_FREE(d);
    } else {
        aio__sim_at(s, due, AIO__SIM_EV_DGRAM, -1, 0, d);
    }
    return (aio_status)aio__net_chunk(len);
}
static int aio__sim_listen(const aio_address *at, int backlog) {
    return aio__sim_bind(aio__sim_here, AIO__SIM_LISTEN, at, backlog);
}
static int aio__sim_udp(const aio_address *at) { return aio__sim_bind(aio__sim_here, AIO__SIM_DGRAM, at, 0); }
static int aio__sim_close(int fd) { return aio__sim_sock_close(aio__sim_here, fd) == 0 ? 0 : -1; }
static int aio__sim_port_of(int fd) {
    aio__sim_sock *k = aio__sim_sock_of(aio__sim_here, fd, 0);
    return k ? k->port : -1;
}
/* Socket fd shut down both ways, as the system's shutdown(SHUT_RDWR) does:
 * its end sent after its bytes (aio__sim_shut), its sends fail, its reads
 * find the end once what came is read. A listener or a datagram socket is
 * only marked (as the program's own shutdown() of one is). */
static int aio__sim_shutdown(int fd) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    /* (a number the program closed in this turn: not a server's) */
    if (k && !k->shut && aio__sim_notice(s, fd)) k = NULL; /* LCOV_EXCL_BR_LINE */
    if (!k) return -1; /* LCOV_EXCL_LINE */
    if (!k->shut) aio__sim_shut(s, k);
    k->shut_read = 1;
    return 0;
}
/* The simulation's table, installed by aio_sim_start (see "the platform's
 * table"); its child processes are in "child processes". */
AIO__PLATFORM_SLOTS(AIO__PLATFORM_SIM_DECL)
static const aio__platform aio__sim_platform = {"the simulation's", 0, AIO__PLATFORM_SLOTS(AIO__PLATFORM_SIM_FILL)};

/* ---- calls on the pool: run at once on the loop's thread, landing later */
#ifdef AIO__THREADS
/* An event the call sets (from "another thread") is set at a seeded time
 * from the call's start to its landing, never after it: a thread sets it
 * before its function returns. */
/* No pool: the simulation runs its calls itself (the table's job_pool). */
static struct aio__pool *aio__sim_job_pool(aio_loop *L, const char *what, aio_status *rc) {
    (void)L;
    (void)what;
    *rc = AIO_OK;
    return NULL;
}
/* A call given up: it landed, or will (it is freed then). */
static void aio__sim_job_give_up(aio_loop *L, aio__job *j) {
    (void)L;
    j->waiter = NULL;
}
static void aio__sim_job_submit(aio_task *t, aio__job *j) {
    aio__sim *s = aio__sim_here;
    aio_time now = s->loop->now;
    aio_time lands;
    uint32_t i;
    j->waiter = t;
    s->in_call = 1;
    j->result = j->fn(j->data);
    s->in_call = 0;
    j->state = AIO__JOB_DONE;
    lands = now + aio__sim_upto(s, s->cfg.call);
    for (i = 0; i < s->nheld; i++) /* (first: at the same time, before the landing) */
        aio__sim_at(s, now + aio__sim_upto(s, lands - now), AIO__SIM_EV_SET, -1, 0, s->held[i]);
    s->nheld = 0;
    aio__sim_at(s, lands, AIO__SIM_EV_CALL, -1, 0, j);
}
#endif
static int aio__sim_set_later(aio_event *ev) {
    aio__sim *s = aio__sim_here;
    if (!s || !s->in_call) return 0;
    if (s->nheld == s->held_cap) {
        uint32_t cap = s->held_cap ? s->held_cap * 2 : 4;
        aio_event **grown = (aio_event **)AIO_REALLOC(s->held, cap * sizeof(aio_event *));
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        s->held = grown;
        s->held_cap = cap;
    }
    s->held[s->nheld++] = ev;
    return 1;
}
#ifdef AIO__THREADS
/* The simulation's names: a host's name, "localhost", a numeric address. */
static int aio__sim_resolve(void *ctx, const char *host, int port, aio_address *out, int max) {
    aio__sim *s = (aio__sim *)ctx;
    int h;
    (void)max;
    if (aio__sim_chance(s, s->cfg.lookup_fail)) return AIO_ENOTFOUND;
    if (aio__sockaddr(host, port, out)) return 1;
    h = aio__sim_host_named(s, host, 0);
    if (h < 0) return AIO_ENOTFOUND;
    aio__address_v4(out, AIO__SIM_IP(h), port);
    return 1;
}
/* A lookup asks the simulation's names (the table's names). */
static void aio__sim_names(aio_lookup_fn *hook, void **ctx) {
    *hook = aio__sim_resolve;
    *ctx = aio__sim_here;
}
#endif
#endif /* AIO__SIM */
// >>sim-runner
/* ---------------------------- simulation: the digest, the calls, the runner */

/* A run's digest, the public calls, and the runner: seeds run one after
 * another, a failing one reported with its trace and replayed by its
 * seed. */
#ifdef AIO__SIM
/* ---- the digest: every record of the instruments, no address in it
 *
 * A task counts as its number: the order of its spawn in the run. It keeps
 * it while it lives; at its end the number is retired, as the allocator may
 * give its memory to anything next, in one run and not in another. What is
 * not a live task (a block, an event, a queue: they may sit anywhere) counts
 * as 0; a task's label, by its text. */
#define AIO__SIM_HASH(p, mask) ((uint32_t)(((uintptr_t)(p) >> 3) * 2654435761u) & (mask))
/* The slot of p: the one holding its number, or the empty one where it goes
 * (retired numbers stay in their slots: no pointer is theirs). */
static uint32_t *aio__sim_slot(aio__sim *s, const void *p) {
    uint32_t h = AIO__SIM_HASH(p, s->id_mask);
    while (s->slots_of_id[h] && s->ids[s->slots_of_id[h] - 1] != p) h = (h + 1) & s->id_mask;
    return &s->slots_of_id[h];
}
/* The number of live task p (0: none). */
static uint32_t aio__sim_id(aio__sim *s, const void *p) { return p ? *aio__sim_slot(s, p) : 0; }
/* A table twice as large (the first: 256 slots), the live numbers moved. */
static void aio__sim_ids_grow(aio__sim *s) {
    uint32_t mask = s->id_mask ? s->id_mask * 2 + 1 : 255;
    uint32_t *slots = (uint32_t *)aio__zalloc(((size_t)mask + 1) * sizeof *slots);
    const void **ids = (const void **)AIO_REALLOC((void *)s->ids, ((size_t)mask + 1) / 2 * sizeof *ids);
    uint8_t *hosts = (uint8_t *)AIO_REALLOC(s->hosts, ((size_t)mask + 1) / 2);
    uint32_t i;
    if (!slots || !ids || !hosts) abort(); /* LCOV_EXCL_LINE */
    for (i = 0; i < s->nids; i++) {
        uint32_t h = AIO__SIM_HASH(ids[i], mask);
        if (!ids[i]) continue; /* (retired) */
        while (slots[h]) h = (h + 1) & mask;
        slots[h] = i + 1;
    }
    AIO_FREE(s->slots_of_id);
    s->slots_of_id = slots;
    s->ids = ids;
    s->hosts = hosts;
    s->id_mask = mask;
}
/* A number for task t, spawned now by `by`, and its host: aio_sim_spawn's,
 * else its spawner's (kept: the spawner may end first, its memory reused). */
static uint32_t aio__sim_name(aio__sim *s, const aio_task *t, const aio_task *by) {
    uint32_t *slot;
    uint32_t spawner = aio__sim_id(s, by);
    if (s->nids * 2 >= s->id_mask) aio__sim_ids_grow(s); /* (twice the numbers at least) */
    slot = aio__sim_slot(s, t);
    s->hosts[s->nids] = (uint8_t)(s->spawn_on >= 0 ? s->spawn_on : spawner ? s->hosts[spawner - 1] : 0);
    s->ids[s->nids++] = t;
    *slot = s->nids;
    return s->nids;
}
static uint64_t aio__sim_text(const char *text) {
    uint64_t h = 0xCBF29CE484222325ull;
    while (*text) h = (h ^ (unsigned char)*text++) * 0x100000001B3ull;
    return h;
}
/* What the digest counts for socket number fd: the socket's serial (the
 * process's other descriptors decide its number, not the run). */
static uint64_t aio__sim_serial(aio__sim *s, aio_stime fd) {
    /* (-1: a wait on a call on the pool; beyond the table: not seen) */
    return fd >= 0 && fd < s->nsocks ? (uint64_t)s->socks[fd].serial << 32 : (uint64_t)fd; /* LCOV_EXCL_BR_LINE */
}
static void aio__sim_instrument(void *ctx, const aio_trace_record *r) {
    aio__sim *s = (aio__sim *)ctx;
    uint32_t task = r->kind == AIO_TRACE_SPAWN ? aio__sim_name(s, r->task, (const aio_task *)r->other)
                                               : aio__sim_id(s, r->task);
    aio__sim_mix(s, (uint64_t)r->when);
    aio__sim_mix(s, ((uint64_t)r->kind << 56) ^ ((uint64_t)r->detail << 48) ^ ((uint64_t)task << 24) ^
                        (r->kind == AIO_TRACE_NAME ? aio__sim_text((const char *)r->other) : aio__sim_id(s, r->other)));
    aio__sim_mix(s, r->kind == AIO_TRACE_SUSPEND && r->detail == AIO_ON_IO ? aio__sim_serial(s, r->value)
                                                                           : (uint64_t)r->value);
    if (r->kind == AIO_TRACE_END && task) s->ids[task - 1] = NULL; /* (retired) */
    if (s->record) aio_recorder_hook(s->record, r);
    if (s->instrument) s->instrument(s->instrument_ctx, r);
}

/* ---- the public part */
/* 1 if the config cannot be simulated: a probability not from 0 to 1 (NaN
 * included), or a time beyond a quarter of the clock's range (their sums
 * must stay comparable). */
static int aio__sim_config_bad(const aio_sim_config *cfg) {
    return !cfg || !(cfg->short_recv >= 0 && cfg->short_recv <= 1) || !(cfg->short_send >= 0 && cfg->short_send <= 1) ||
           !(cfg->reset >= 0 && cfg->reset <= 1) || !(cfg->refuse >= 0 && cfg->refuse <= 1) ||
           !(cfg->lookup_fail >= 0 && cfg->lookup_fail <= 1) || !(cfg->timer_full >= 0 && cfg->timer_full <= 1) ||
           !(cfg->loss >= 0 && cfg->loss <= 1) || !(cfg->reorder >= 0 && cfg->reorder <= 1) ||
           !(cfg->child_dies >= 0 && cfg->child_dies <= 1) || !(cfg->alloc_fails >= 0 && cfg->alloc_fails <= 1) ||
           cfg->timer_late > AIO__HALF_RANGE / 4u || cfg->step > AIO__HALF_RANGE / 4u ||
           cfg->latency > AIO__HALF_RANGE / 4u || cfg->jitter > AIO__HALF_RANGE / 4u || cfg->call > AIO__HALF_RANGE / 4u ||
           cfg->child_life > AIO__HALF_RANGE / 4u;
}
/* The fault alloc_fails, drawn for the state of one of the program's waits
 * or calls (aio__alloc_state): 1 if it cannot be allocated. The simulated
 * world's own memory is never refused, nor what grows with the sockets'
 * numbers (they are the system's: a replay may number them otherwise). */
static int aio__sim_alloc_fails(void) {
    aio__sim *s = aio__sim_here;
    if (!s || !aio__sim_chance(s, s->cfg.alloc_fails)) return 0;
    errno = ENOMEM;
    (void)aio__misuse(AIO_EIO, "out of memory: the simulation's fault alloc_fails refused an allocation, as "
                               "where memory runs out; the wait or call fails with AIO_EIO (errno ENOMEM), "
                               "which the program must handle (config.alloc_fails 0: no such fault)");
    return 1;
}
/* The loop's growth hook, behind the fault timer_full: storage that may
 * refuse to grow (giving back is always passed on). */
static aio_timer *aio__sim_grow_timers(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    aio__sim *s = (aio__sim *)ctx;
    if (new_count && aio__sim_chance(s, s->cfg.timer_full)) {
        aio__sim_refused = 1; /* (the failure says so: see aio__arm) */
        return NULL;
    }
    return s->grow(s->grow_ctx, old, old_count, new_count);
}
AIO_API aio_status aio_sim_start(aio_loop *L, const aio_sim_config *cfg) {
    aio__sim *s;
    if (aio__sim_config_bad(cfg))
        return aio__misuse(AIO_EINVAL, "aio_sim_start: no config, a probability not from 0 to 1, or a time "
                                       "beyond a quarter of the clock's range");
    if (L->io || aio__sim_here)
        return aio__misuse(AIO_EBUSY, "aio_sim_start: the loop waits for I/O already, or a simulation runs "
                                      "on this thread");
    if (aio__os_install(&aio__sim_platform) != AIO_OK) return AIO_EINVAL; /* LCOV_EXCL_LINE: a slot left empty */
    s = (aio__sim *)aio__zalloc(sizeof *s);
    if (!s) {
        (void)aio__os_install(NULL);
        return AIO_EIO;
    }
    s->port.watch = aio__sim_watch;
    s->port.wait = aio__sim_wait;
    s->port.grow = aio__sim_grow_slots;
    s->port.release = aio__sim_release;
    s->loop = L;
    s->cfg = *cfg;
    s->rng = cfg->seed;
    s->digest = 0xCBF29CE484222325ull ^ cfg->seed;
    s->spawn_on = -1;
    s->far_floor = aio__sys_pair_floor();
    s->listener = -1;
    s->oldest = s->newest = -1;
    aio__sys_pairs_start();
    aio__sim_ids_grow(s);
    (void)aio__sim_host_named(s, "main", 1);
    aio_loop_use_virtual_clock(L, 0);
    (void)aio_loop_set_io(L, &s->port);
    aio__sim_here = s;
    aio__use_events(L, aio__sim_events);
    (void)aio__io_of(L);
    aio_loop_set_instrument(L, aio__sim_instrument, s);
    if (L->grow) { /* (a loop whose storage is fixed is full when it is full) */
        s->grow = L->grow;
        s->grow_ctx = L->grow_ctx;
        aio_loop_set_grow(L, aio__sim_grow_timers, s);
    }
    return AIO_OK;
}
AIO_API int aio_sim_active(void) { return aio__sim_here != NULL; }
AIO_API aio_status aio_sim_spawn(const char *host, aio_task *t, aio_task_fn fn) {
    aio__sim *s = aio__sim_here;
    aio_status rc;
    int h;
    if (!s) return aio_spawn(t, fn);
    h = host ? aio__sim_host_named(s, host, 1) : -1;
    if (h < 0) return aio__misuse(AIO_EINVAL, "aio_sim_spawn: no host name, one of 32 characters or more, or "
                                              "more than 16 hosts");
    s->spawn_on = h; /* (its spawn's record numbers it, on that host) */
    rc = aio_spawn(t, fn);
    s->spawn_on = -1;
    return rc;
}
AIO_API aio_status aio_sim_partition(const char *a, const char *b, int cut) {
    aio__sim *s = aio__sim_here;
    int ha;
    int hb;
    if (!s) return aio__misuse(AIO_EINVAL, "aio_sim_partition: no simulation runs on this thread");
    ha = a ? aio__sim_host_named(s, a, 1) : -1;
    hb = b ? aio__sim_host_named(s, b, 1) : -1;
    if (ha < 0 || hb < 0) return aio__misuse(AIO_EINVAL, "aio_sim_partition: a host name is missing or too long, "
                                                         "or there would be more than 16 hosts");
    s->cut[ha][hb] = s->cut[hb][ha] = (uint8_t)(cut != 0);
    aio__sim_mix(s, 0xCu << 16 | (uint64_t)ha << 8 | (uint64_t)hb);
    return AIO_OK;
}
AIO_API aio_status aio_sim_program(const char *name, aio_task_fn fn, size_t size, size_t task_offset,
                                   size_t child_offset) {
    aio__sim *s = aio__sim_here;
    aio__sim_program *prog;
    int i;
    if (!s) return aio__misuse(AIO_EINVAL, "aio_sim_program: no simulation runs on this thread");
    if (!name || !*name || strlen(name) >= sizeof prog->name || !fn)
        return aio__misuse(AIO_EINVAL, "aio_sim_program: no name, one of 32 bytes or more, or no task function");
    if (size < sizeof(aio_task) + sizeof(aio_sim_child) || task_offset > size - sizeof(aio_task) ||
        child_offset > size - sizeof(aio_sim_child) ||
        (task_offset < child_offset + sizeof(aio_sim_child) && child_offset < task_offset + sizeof(aio_task)))
        return aio__misuse(AIO_EINVAL, "aio_sim_program: the state is too small for its task and child, or "
                                       "they overlap (AIO_SIM_PROGRAM gives them)");
    for (i = 0; i < s->nprograms && strcmp(s->programs[i].name, name) != 0; i++) {
    }
    if (i == AIO__SIM_PROGRAMS) return aio__misuse(AIO_ENOSPC, "aio_sim_program: 16 programs already");
    prog = &s->programs[i];
    if (i == s->nprograms) s->nprograms++; /* (a name given again: its program replaced) */
    memcpy(prog->name, name, strlen(name) + 1);
    prog->fn = fn;
    prog->size = size;
    prog->task_offset = task_offset;
    prog->child_offset = child_offset;
    return AIO_OK;
}
AIO_API uint32_t aio_sim_random(uint32_t n) {
    aio__sim *s = aio__sim_here;
    if (!s || n < 2) return 0;
    return (uint32_t)(aio__sim_next(s) % n);
}
AIO_API int aio_sim_check(int ok, const char *what) {
    aio__sim *s = aio__sim_here;
    if (!ok && s && !s->failed) {
        s->failed = 1;
        s->failed_at = s->loop->now;
        (void)snprintf(s->message, sizeof s->message, "%s", what ? what : "a check failed");
    }
    return ok;
}
AIO_API uint64_t aio_sim_seed(void) { return aio__sim_here ? aio__sim_here->cfg.seed : 0; }
AIO_API uint64_t aio_sim_digest(void) { return aio__sim_here ? aio__sim_here->digest : 0; }
AIO_API void aio_sim_record(aio_recorder *r) {
    if (aio__sim_here) aio__sim_here->record = r;
}

/* ---- the runner */
static AIO_THREAD_LOCAL aio_sim_options *aio__sim_running;

AIO_API void *aio_sim_arg(void) { return aio__sim_running ? aio__sim_running->arg : NULL; }

/* The main task of a loop's last run, which only ends it (below). */
static aio_status aio__sim_sweep(aio_task *t) {
    (void)t;
    return AIO_OK;
}

/* One run of seed `seed`: 1 if it failed (why in o->message), else 0; its
 * digest in *digest; its records in `rec` if not NULL. */
static int aio__sim_once(aio_sim_options *o, uint64_t seed, size_t size, size_t offset, aio_task_fn fn,
                         aio_recorder *rec, uint64_t *digest) {
    aio_sim_config cfg = o->config;
    aio_timer first[2]; /* (small: storage must grow early, where timer_full can refuse it) */
    aio_loop L;
    aio__sim *s;
    aio_status rc;
    int failed;
    char *state = (char *)aio__zalloc(size);
    if (!state) return -1;
    cfg.seed = seed;
    aio_loop_init(&L, first, 2);
    aio_loop_set_grow(&L, aio_grow_realloc, NULL); /* (aio_sim_start puts timer_full in front) */
    rc = aio_sim_start(&L, &cfg);
    if (rc < 0) { /* (out of memory: the config was checked first) */
        AIO_FREE(state);
        return -1;
    }
    s = aio__sim_here;
    s->record = rec;
    rc = aio_run(&L, (aio_task *)(void *)(state + offset), fn);
    failed = s->failed || rc < 0 || L.live; /* (tasks left that their cancellation cannot end: a hang) */
    if (failed) {
        char why[512]; /* (room for the longest: no truncation to warn of) */
        if (s->failed)
            (void)snprintf(why, sizeof why, "%s (at %.6f s)", s->message, (double)s->failed_at / AIO_TICKS_PER_SEC);
        else if (rc < 0)
            (void)snprintf(why, sizeof why, "the main task ended with %s (at %.6f s)", aio_strerror(rc),
                           (double)L.now / AIO_TICKS_PER_SEC);
        else
            (void)snprintf(why, sizeof why, "tasks the main task left wait, cancelled, for what nothing can wake "
                                            "(at %.6f s)", (double)L.now / AIO_TICKS_PER_SEC);
        why[sizeof o->message - 1] = '\0';
        memcpy(o->message, why, sizeof o->message);
    }
    *digest = s->digest;
    if (L.live) { /* a deadlock: the tasks left are cancelled and run to their end (their cleanup frees
                     what they hold), as asyncio.run does with those its main leaves */
        aio_task sweep;
        memset(&sweep, 0, sizeof sweep);
        aio__cancel_leftovers(&L);
        (void)aio_run(&L, &sweep, aio__sim_sweep);
    }
    if (aio_loop_destroy(&L) != AIO_OK) { /* their cleanup waits forever too: end the world anyway */
        if (L.heap_grow) L.heap_grow(L.heap_grow_ctx, L.heap, L.heap_len, 0);
        aio__sim_release(&s->port);
        L.io = NULL;
        aio__loop = aio__last = NULL;
    }
    AIO_FREE(state);
    return failed;
}

/* Real time, for the runner's limit (not CPU time, which stands still while
 * a call on the "pool" sleeps). */
static aio_time aio__sim_clock(void) {
#ifdef AIO__SYSTEM_CLOCK
    return aio__system_clock(NULL);
#else
    return (aio_time)((double)clock() / CLOCKS_PER_SEC * AIO_TICKS_PER_SEC);
#endif
}

AIO_API int aio_sim_run(aio_sim_options *o, size_t size, size_t offset, aio_task_fn fn) {
    const char *env = getenv("AIO_SIM_SEED");
    const char *path;
    uint64_t seed;
    uint64_t digest = 0;
    uint64_t again = 0;
    aio_time began = aio__sim_clock();
    int failed = 0;
    int replay = env && *env;
    if (!o || !fn || size < sizeof(aio_task) || offset > size - sizeof(aio_task) || (!o->seeds && !(o->seconds > 0)) ||
        aio__sim_here)
        return aio__misuse(AIO_EINVAL, "aio_sim_run: no options or scenario, a state too small for its task, "
                                       "neither seeds nor seconds, or a simulation runs already");
    if (aio__sim_config_bad(&o->config)) /* (checked here: no run could start, and none would fail) */
        return aio__misuse(AIO_EINVAL, "aio_sim_run: in opts->config, a probability not from 0 to 1, or a "
                                       "time beyond a quarter of the clock's range");
    path = o->trace ? o->trace : "aio-sim-trace.txt";
    o->runs = 0;
    o->failed_seed = 0;
    o->digest = 0xCBF29CE484222325ull;
    o->message[0] = '\0';
    aio__sim_running = o;
    seed = replay ? (uint64_t)strtoull(env, NULL, 10) : (o->first ? o->first : 1);
    for (;;) {
        if (!replay && o->seeds && o->runs == o->seeds) break;
        if (!replay && o->seconds > 0 && (double)(aio_time)(aio__sim_clock() - began) >= o->seconds * AIO_TICKS_PER_SEC)
            break;
        failed = aio__sim_once(o, seed, size, offset, fn, NULL, &digest);
        if (failed < 0) { /* (out of memory for a run: none made) */
            aio__sim_running = NULL;
            return AIO_EIO;
        }
        o->runs++;
        o->digest = (o->digest ^ digest) * 0x100000001B3ull;
        if (failed || replay) break;
        seed++;
    }
    if (failed > 0 || replay) { /* run it again, recorded, and write its trace */
        aio_recorder rec;
        char message[sizeof o->message];
        aio_trace_record *ring = (aio_trace_record *)AIO_MALLOC(65536u * sizeof *ring);
        FILE *out;
        int kept = 0;
        if (!ring) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        memcpy(message, o->message, sizeof message);
        aio_recorder_init(&rec, ring, 65536u);
        (void)aio__sim_once(o, seed, size, offset, fn, &rec, &again);
        memcpy(o->message, message, sizeof message); /* (the first run's words) */
        out = *path ? fopen(path, "w") : NULL; /* ("": no trace wanted) */
        if (out) {
            kept = 1;
            aio_recorder_dump(&rec, aio_trace_fputs, out);
            if (failed > 0) (void)fprintf(out, "# seed %llu failed: %s\n", (unsigned long long)seed, o->message);
            (void)fclose(out);
        } else if (*path && !o->quiet) {
            (void)fprintf(stderr, "aio_sim: the trace cannot be written to %s: %s\n", path, strerror(errno));
        }
        AIO_FREE(ring);
        if (again != digest && !o->quiet)
            (void)fprintf(stderr, "aio_sim: seed %llu did not run the same way twice: something outside the "
                                  "simulation (a real socket, the real clock, a thread, uninitialised memory) "
                                  "decides part of it\n", (unsigned long long)seed);
        if (failed > 0) o->failed_seed = seed;
        if (failed > 0 && !o->quiet) {
            (void)fprintf(stderr, "aio_sim: seed %llu failed after %llu run(s): %s\n"
                                  "aio_sim: replay it: AIO_SIM_SEED=%llu <this program>",
                          (unsigned long long)seed, (unsigned long long)o->runs, o->message,
                          (unsigned long long)seed);
            if (kept) /* (no trace named when none was kept: o.trace "" or a file that could not be written) */
                (void)fprintf(stderr, "; its trace is %s (python3 tools/aio_trace.py %s --svg run.svg)", path, path);
            (void)fputc('\n', stderr);
        }
    }
    aio__sim_running = NULL;
    return failed > 0;
}
#endif /* AIO__SIM */
// >>sim-processes
/* ---------------------------------------------- simulation: child processes */

#ifdef AIO__PROCESSES
/* The simulated platform (aio_sim_program): a child is a task of the
 * simulation, its pipes and its exit a local pair of simulated sockets each
 * (the exit's: the child's end closed when it ends, as a pidfd turns
 * readable). A kill ends the child at once for everyone else: its ends of
 * the pipes are cut, its task cancelled, and what that task does after is
 * not seen; its sockets are closed when the task has ended. */
#ifdef AIO__SIM
typedef struct aio__sim_proc {
    struct aio__sim_proc *next;
    aio_process *p;  /* the parent's handle (NULL: closed) */
    aio_task *task;  /* the program's task, in `state` */
    char *state;     /* the program's state, then its argv */
    int ends[4];     /* the child's ends: in, out, err (-1: none), its exit's */
    uint64_t gens[4];
    int signo;       /* the signal its task was cancelled for, or that killed it */
    aio_time dies_at; /* the fault child_dies: when (if `dies`) */
    uint8_t dies;
    int code;        /* its returncode, once exited */
    uint8_t exited;  /* the parent was told (its exit end closed) */
    uint8_t cleaned; /* its task ended and its sockets were closed */
} aio__sim_proc;

static aio__sim_proc *aio__sim_proc_of(const aio_process *p) {
    aio__sim_proc *q = aio__sim_here->procs;
    while (q->p != p) q = q->next; /* (every child the simulation's loop holds has one) */
    return q;
}
/* Each of the child's sockets that is still the one it was given: closed
 * (`close`), or cut: its streams ended, whatever it tries next fails. */
static void aio__sim_proc_ends(aio__sim *s, aio__sim_proc *q, int close) {
    int i;
    for (i = 0; i < 4; i++) {
        aio__sim_sock *k = aio__sim_sock_of(s, q->ends[i], 0);
        if (!k || k->gen != q->gens[i] || (i == 2 && q->ends[2] == q->ends[1])) continue;
        if (close) {
            aio_io_forget(q->ends[i]);
            (void)aio__sim_sock_close(s, q->ends[i]);
        } else {
            aio__sim_end_stream(s, k->rx, k->tx);
            k->rx = k->tx = NULL;
            k->error = AIO_EBADF;
        }
    }
}
/* The child has exited with `code`: the parent's end of its exit reads the
 * end, its pipes end (or, while its task still runs, are cut). */
static void aio__sim_proc_exit(aio__sim *s, aio__sim_proc *q, int code) {
    q->exited = 1;
    q->code = code;
    aio__sim_mix(s, 0xE817ull << 32 | (uint32_t)code);
    q->cleaned = (uint8_t)aio_task_done(q->task);
    aio__sim_proc_ends(s, q, q->cleaned);
    if (!q->cleaned) { /* (the exit's end is the simulation's: closed now) */
        aio_io_forget(q->ends[3]);
        (void)aio__sim_sock_close(s, q->ends[3]);
    }
}
static void aio__sim_proc_check(aio__sim *s, aio__sim_proc *q);
static void aio__sim_proc_kill(aio__sim *s, aio__sim_proc *q, int signo) {
    aio__sim_proc_check(s, q); /* (a child that has ended stays as it ended) */
    if (q->exited) return;
    q->signo = signo;
    aio__sim_proc_exit(s, q, -signo);
    (void)aio_cancel(q->task);
}
/* Once its task ended: the child exits as the task did (a cancellation for
 * a signal reads -signal), or, killed before, its sockets are closed. */
static void aio__sim_proc_check(aio__sim *s, aio__sim_proc *q) {
    aio_status rc;
    if (q->cleaned || !aio_task_done(q->task)) return;
    if (q->exited) {
        q->cleaned = 1;
        aio__sim_proc_ends(s, q, 1);
        return;
    }
    rc = aio_task_result(q->task);
    if (rc == AIO_ECANCELED && !q->signo) q->signo = AIO__SIGKILL; /* (by no signal: the loop's end kills it) */
    aio__sim_proc_exit(s, q, rc >= 0 ? rc & 255 : rc == AIO_ECANCELED ? -q->signo : 1);
}
/* A turn, or a death due: a child dies (the fault), a child whose task
 * ended exits, and one that has ended and was closed is forgotten. */
static void aio__sim_procs_turn(aio__sim *s) {
    aio__sim_proc **at = &s->procs;
    while (*at) {
        aio__sim_proc *q = *at;
        if (q->dies && !aio__before(s->loop->now, q->dies_at)) {
            q->dies = 0;
            aio__sim_proc_kill(s, q, AIO__SIGKILL);
        }
        aio__sim_proc_check(s, q);
        if (q->cleaned && !q->p) {
            *at = q->next;
            AIO_FREE(q->state);
            AIO_FREE(q);
        } else {
            at = &q->next;
        }
    }
}
/* The simulation ends (no task is alive): its children are closed, those
 * not reaped killed (-9) unless they had ended, as the system's are. */
static void aio__sim_procs_release(aio__sim *s) {
    while (s->children) {
        aio_process *p = s->children;
        aio__sim_proc *q = aio__sim_proc_of(p);
        s->children = p->next;
        aio__sim_proc_check(s, q);
        /* (not exited: only a world ended with tasks alive, by the runner) */
        if (p->state == AIO__PROC_RUNNING) p->returncode = q->exited ? q->code : -AIO__SIGKILL; /* LCOV_EXCL_BR_LINE */
        p->in = p->out = p->err = (aio_socket)-1; /* (the sockets: all closed next) */
        p->pidfd = -1;
        p->state = AIO__PROC_CLOSED;
        p->loop = NULL;
        p->next = NULL;
    }
    while (s->procs) {
        aio__sim_proc *q = s->procs;
        s->procs = q->next;
        AIO_FREE(q->state);
        AIO_FREE(q);
    }
}

/* A child of another loop (started before the simulation, beside it) is
 * the system's: the calls on it are passed on. */
#define AIO__SIM_OWNS(L) (aio__sim_here->loop == (L))
static aio_status aio__sim_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                      aio_loop *L) {
    aio__sim *s = aio__sim_here;
    const aio__sim_program *prog = NULL;
    aio__sim_proc *q;
    aio_sim_child *child;
    char **args;
    char *text;
    size_t at;
    size_t bytes = 0;
    int host = aio__sim_here_host(s);
    int mine[4] = {-1, -1, -1, -1};
    int argc = 0;
    int i;
    if (!AIO__SIM_OWNS(L)) return aio__sys_proc_start(p, argv, opts, L);
    for (i = 0; i < s->nprograms && !prog; i++)
        if (strcmp(s->programs[i].name, argv[0]) == 0) prog = &s->programs[i];
    if (!prog) {
        errno = ENOENT;
        return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the simulation has no program of that name "
                                          "(aio_sim_program)");
    }
    while (argv[argc]) bytes += strlen(argv[argc++]) + 1;
    at = (prog->size + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    q = (aio__sim_proc *)aio__alloc_state(sizeof *q);
    if (q) q->state = (char *)aio__alloc_state(at + (size_t)(argc + 1) * sizeof(char *) + bytes);
    if (!q || !q->state) { /* (out of memory: errno ENOMEM) */
        AIO_FREE(q);
        return AIO_EIO;
    }
    child = (aio_sim_child *)(void *)(q->state + prog->child_offset);
    args = (char **)(void *)(q->state + at);
    text = (char *)(args + argc + 1);
    for (i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(text, argv[i], n);
        args[i] = text;
        text += n;
    }
    child->argc = argc;
    child->argv = args;
    for (i = 0; i < 4; i++) q->ends[i] = -1; /* (a failure below closes those made, no other) */
    for (i = 0; i < 4; i++) {
        int mode = i == 0 ? opts->in : i == 1 ? opts->out : i == 2 ? opts->err : AIO_STDIO_PIPE;
        if (mode == AIO_STDIO_STDOUT) q->ends[i] = q->ends[1];
        if (mode == AIO_STDIO_PIPE && aio__sim_pair(s, host, &mine[i], &q->ends[i]) != 0) break;
        if (q->ends[i] >= 0) q->gens[i] = s->socks[q->ends[i]].gen;
    }
    q->task = (aio_task *)(void *)(q->state + prog->task_offset);
    /* out of descriptors (errno EMFILE) for a pipe: those made closed again */
    if (i < 4 || aio_spawn(q->task, prog->fn) < 0) { /* LCOV_EXCL_BR_LINE: (a zeroed task on its loop: spawned) */
        for (i = 0; i < 4; i++) {
            if (mine[i] >= 0) (void)aio__sim_sock_close(s, mine[i]);
            if (q->ends[i] >= 0 && (i != 2 || q->ends[2] != q->ends[1])) (void)aio__sim_sock_close(s, q->ends[i]);
        }
        AIO_FREE(q->state);
        AIO_FREE(q);
        return AIO_EIO;
    }
    child->in = (aio_socket)q->ends[0];
    child->out = (aio_socket)q->ends[1];
    child->err = (aio_socket)q->ends[2];
    memset(p, 0, sizeof *p);
    p->pid = 100 + s->spawned++;
    p->in = (aio_socket)mine[0];
    p->out = (aio_socket)mine[1];
    p->err = (aio_socket)mine[2];
    p->pidfd = mine[3];
    p->state = AIO__PROC_RUNNING;
    q->p = p;
    q->next = s->procs;
    s->procs = q;
    if (aio__sim_chance(s, s->cfg.child_dies)) {
        q->dies = 1;
        q->dies_at = s->loop->now + aio__sim_upto(s, s->cfg.child_life);
        aio__sim_at(s, q->dies_at, AIO__SIM_EV_DIE, -1, 0, NULL);
    }
    return AIO_OK;
}
static int aio__sim_proc_reap(aio_process *p) {
    aio__sim_proc *q;
    if (!AIO__SIM_OWNS(p->loop)) return aio__sys_proc_reap(p);
    if (p->state != AIO__PROC_RUNNING) return 1;
    q = aio__sim_proc_of(p);
    aio__sim_proc_check(aio__sim_here, q);
    if (!q->exited) return 0;
    p->returncode = q->code;
    p->state = AIO__PROC_REAPED;
    (void)aio_close(p->pidfd);
    p->pidfd = -1;
    return 1;
}
static void aio__sim_proc_kill_now(aio_process *p) {
    if (!AIO__SIM_OWNS(p->loop)) {
        aio__sys_proc_kill_now(p);
        return;
    }
    if (p->state != AIO__PROC_RUNNING) return;
    aio__sim_proc_kill(aio__sim_here, aio__sim_proc_of(p), AIO__SIGKILL);
    (void)aio__sim_proc_reap(p);
}
static int aio__sim_proc_send(aio_process *p, int signo) {
    aio__sim_proc *q;
    if (!AIO__SIM_OWNS(p->loop)) return aio__sys_proc_send(p, signo);
    q = aio__sim_proc_of(p);
    switch (aio__sys_signal_effect(signo)) {
    case AIO__SIGNAL_NONE: return -1;
    case AIO__SIGNAL_ENDS: aio__sim_proc_kill(aio__sim_here, q, signo); break;
    default:
        aio__sim_proc_check(aio__sim_here, q);
        if (!q->exited) {
            q->signo = signo;
            (void)aio_cancel(q->task);
        }
    }
    return 0;
}
static void aio__sim_proc_release(aio_process *p) {
    if (!AIO__SIM_OWNS(p->loop)) {
        aio__sys_proc_release(p);
        return;
    }
    aio__sim_proc_of(p)->p = NULL;
}
static aio_status aio__sim_pipe_read(int fd, void *buf, size_t len) {
    return aio__sim_recv(fd, buf, len, "AIO_COMMUNICATE");
}
static aio_status aio__sim_pipe_write(int fd, const void *buf, size_t len) {
    return aio__sim_send(fd, buf, len, "AIO_COMMUNICATE");
}
/* The simulation's loop keeps its children; another loop's are the system's. */
static aio_process **aio__sim_children_of(aio_loop *L) {
    return AIO__SIM_OWNS(L) ? &aio__sim_here->children : aio__sys_children_of(L);
}
#endif /* AIO__SIM */
#endif /* AIO__PROCESSES */
// >>processes-impl
/* ------------------------------------------------------- child processes */

/* A child is started with fork and exec (between them only calls that are
 * safe after a fork in a process with threads: its three streams put in
 * place, every other descriptor closed), its failure to start told
 * through a pipe that the exec closes. Its exit: a pidfd (Linux 5.3 and
 * later), which a task waits on as on any descriptor; where there is none,
 * SIGCHLD wakes the loop, which asks each child of its own whether it ended
 * (waitpid of that pid: a child the program made some other way is not
 * touched). The loop keeps its children in a list until they are closed, so
 * that its destruction can kill, reap and close whatever is left. An await
 * on a child waits on every pipe it uses and on the exit at once, as the
 * connect waits on its attempts. */
#ifdef AIO__PROCESSES

/* The calls the section makes of the platform: through the thread's table
 * (see "the platform's table"). */
static aio_process **aio__children_of(aio_loop *L) { return aio__os()->children_of(L); }
static aio_status aio__proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                  aio_loop *L) {
    return aio__os()->proc_start(p, argv, opts, L);
}
static int aio__proc_reap(aio_process *p) { return aio__os()->proc_reap(p); }
static void aio__proc_kill_now(aio_process *p) { aio__os()->proc_kill_now(p); }
static int aio__proc_send(aio_process *p, int signo) { return aio__os()->proc_send(p, signo); }
static void aio__proc_release(aio_process *p) { aio__os()->proc_release(p); }
static aio_status aio__pipe_read(int fd, void *buf, size_t len) { return aio__os()->pipe_read(fd, buf, len); }
static aio_status aio__pipe_write(int fd, const void *buf, size_t len) { return aio__os()->pipe_write(fd, buf, len); }

/* Kill, reap and close whatever children the loop has left. */
static void aio__children_release(aio__sysio *s) {
    while (s->children) {
        aio_process *p = s->children;
        s->children = p->next;
        aio__proc_kill_now(p);
        aio__proc_close_pipes(p, 1);
        aio__proc_release(p);
        p->state = AIO__PROC_CLOSED;
        p->loop = NULL;
        p->next = NULL;
    }
    aio__children_done(s);
}

AIO_API aio_status aio_process_spawn(aio_process *p, const char *const argv[], const aio_process_options *opts) {
    static const aio_process_options inherit = {NULL, NULL, AIO_STDIO_INHERIT, AIO_STDIO_INHERIT, AIO_STDIO_INHERIT};
    aio_loop *L = aio__loop;
    aio_process **kids;
    aio_status rc;
    if (!opts) opts = &inherit;
    if (!p || !argv || !argv[0] || !*argv[0])
        return aio__misuse(AIO_EINVAL, "aio_process_spawn: the process, argv or argv[0] is NULL or empty");
    if (opts->in < AIO_STDIO_INHERIT || opts->in > AIO_STDIO_DEVNULL || opts->out < AIO_STDIO_INHERIT ||
        opts->out > AIO_STDIO_DEVNULL || opts->err < AIO_STDIO_INHERIT || opts->err > AIO_STDIO_STDOUT)
        return aio__misuse(AIO_EINVAL, "aio_process_spawn: a standard stream's mode is not AIO_STDIO_INHERIT, "
                                       "_PIPE, _DEVNULL (or _STDOUT, for standard error only)");
    if (p->state == AIO__PROC_RUNNING || p->state == AIO__PROC_REAPED)
        return aio__misuse(AIO_EBUSY, "aio_process_spawn: the process is open (aio_process_close it first)");
    if (!L) return aio__misuse(AIO_EINVAL, "aio_process_spawn: no loop is running or initialised");
    if (!aio__io_of(L)) return AIO_EIO; /* (out of memory or descriptors) */
    kids = aio__children_of(L);
    if (!kids)
        return aio__misuse(AIO_EINVAL, "aio_process_spawn: the loop waits through a port of its own "
                                       "(aio_loop_set_io): child processes need the system's wait");
    rc = aio__proc_start(p, argv, opts, L);
    if (rc < 0) return rc;
    p->loop = L;
    p->grace = AIO_PROCESS_GRACE;
    p->next = *kids;
    *kids = p;
    return AIO_OK;
}

/* p, if it is a child spawned and not closed; else NULL, with a message. */
static aio_process *aio__proc_open(aio_process *p, const char *what) {
    if (p && (p->state == AIO__PROC_RUNNING || p->state == AIO__PROC_REAPED)) return p;
    (void)aio__misuse(AIO_EINVAL, what);
    return NULL;
}

AIO_API aio_status aio_process_signal(aio_process *p, int signo) {
    if (!aio__proc_open(p, "aio_process_signal: not a process spawned and not closed")) return AIO_EINVAL;
    if (p->state != AIO__PROC_RUNNING) return aio__misuse(AIO_EINVAL, "aio_process_signal: the process has ended");
    if (aio__proc_send(p, signo) != 0)
        return aio__misuse(AIO_EINVAL, AIO__BAD_SIGNAL);
    return AIO_OK;
}
AIO_API aio_status aio_process_terminate(aio_process *p) { return aio_process_signal(p, SIGTERM); }
AIO_API aio_status aio_process_kill(aio_process *p) { return aio_process_signal(p, AIO__SIGKILL); }

AIO_API aio_status aio_process_set_grace(aio_process *p, aio_time grace) {
    if (!aio__proc_open(p, "aio_process_set_grace: not a process spawned and not closed")) return AIO_EINVAL;
    if (grace >= (aio_time)(AIO_NEVER / 2))
        return aio__misuse(AIO_EINVAL, "aio_process_set_grace: the grace period is AIO_NEVER or beyond half "
                                       "the clock range");
    p->grace = grace;
    return AIO_OK;
}

AIO_API int aio_process_returncode(const aio_process *p) {
    if (!p || p->state == AIO__PROC_NONE || p->state == AIO__PROC_RUNNING) return AIO_EINPROGRESS;
    return p->returncode;
}

AIO_API aio_status aio_process_end_input(aio_process *p) {
    if (!aio__proc_open(p, "aio_process_end_input: not a process spawned and not closed")) return AIO_EINVAL;
    if (aio__fd(p->in) >= 0) (void)aio_close(p->in);
    p->in = (aio_socket)-1;
    return AIO_OK;
}

AIO_API aio_status aio_process_close(aio_process *p) {
    aio_process **at;
    if (!p || (p->state != AIO__PROC_RUNNING && p->state != AIO__PROC_REAPED)) return AIO_OK;
    if (p->waiter) return aio__misuse(AIO_EBUSY, "aio_process_close: a task awaits the process");
    aio__proc_kill_now(p);
    aio__proc_close_pipes(p, 0);
    aio__proc_release(p);
    for (at = aio__children_of(p->loop); *at != p; at = &(*at)->next) {
    }
    *at = p->next;
    p->next = NULL;
    p->loop = NULL;
    p->state = AIO__PROC_CLOSED;
    return AIO_OK;
}

// >>process-wait
/* ------------------------------------------- awaiting a child, stopping it */

/* The descriptors an await on p waits on, and which way: its pipes while
 * AIO_COMMUNICATE has work on them, else its exit (the pidfd, or SIGCHLD). */
typedef struct aio__proc_waits {
    int fd[3];
    int dir[3];
    int n;
} aio__proc_waits;

/* Leave every slot t parked in (whatever woke it); it stops being counted. */
static void aio__proc_leave(aio_task *t, aio_process *p) {
    int fds[4];
    fds[0] = aio__fd(p->in);
    fds[1] = aio__fd(p->out);
    fds[2] = aio__fd(p->err);
    fds[3] = p->pidfd;
    aio__io_leave_all(t, fds, 4);
    p->stopping = (uint8_t)(p->stopping & ~AIO__PROC_PARKED);
    t->loop->io->waiting--;
}

/* Park t on what w lists (its exit if nothing), until `until`. */
static aio_status aio__proc_park(aio_task *t, aio_process *p, aio__proc_waits *w, aio_time until, const char *what) {
    aio_status rc;
    if (!w->n && p->pidfd >= 0) {
        w->fd[0] = p->pidfd;
        w->dir[0] = 0;
        w->n = 1;
    }
    if (!w->n) p->stopping = (uint8_t)(p->stopping | AIO__PROC_PARKED); /* the exit, told by SIGCHLD */
    rc = aio__io_park_all(t, w->fd, w->dir, w->n, until, what, "(a pipe of the process) has another task waiting on it");
    if (rc != AIO__SUSPENDED) p->stopping = (uint8_t)(p->stopping & ~AIO__PROC_PARKED);
    return rc;
}

/* One pass of AIO_COMMUNICATE over p's pipes without blocking: what is left
 * to wait for into w, or an error. A pipe at its end is closed. */
static aio_status aio__communicate_pass(aio_process *p, aio_communicate *io, aio__proc_waits *w) {
    char sink[512]; /* (what is dropped: never read; on the stack: loops in other threads have their own) */
    int fd = aio__fd(p->in);
    int k;
    w->n = 0;
    if (fd >= 0) {
        while (io->input_done < io->input_len) {
            aio_status n = aio__pipe_write(fd, (const char *)io->input + io->input_done,
                                           io->input_len - io->input_done);
            if (n >= 0) {
                io->input_done += (size_t)n;
            } else if (n == AIO_ECONNRESET) { /* it stopped reading: the rest is dropped, as asyncio does */
                io->input_done = io->input_len;
            } else if (n == AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (else a pipe failed) */
                break;
            } else if (n != AIO__INTR) { /* LCOV_EXCL_LINE: (AIO__INTR; or a pipe failed) */
                return n; /* LCOV_EXCL_LINE */
            }
        }
        if (io->input_done < io->input_len) {
            w->fd[w->n] = fd;
            w->dir[w->n++] = 1;
        } else {
            (void)aio_process_end_input(p);
        }
    }
    for (k = 0; k < 2; k++) {
        aio_socket *pipe_end = k ? &p->err : &p->out;
        char *buf = k ? io->err : io->out;
        size_t size = k ? io->err_size : io->out_size;
        size_t *len = k ? &io->err_len : &io->out_len;
        int reads = 0;
        fd = aio__fd(*pipe_end);
        while (fd >= 0) {
            aio_status n;
            if (++reads > 64) { /* a child that writes without end does not hold the loop: later */
                w->fd[w->n] = fd;
                w->dir[w->n++] = 0;
                break;
            }
            if (*len < size)
                n = aio__pipe_read(fd, buf + *len, size - *len);
            else
                n = aio__pipe_read(fd, sink, sizeof sink);
            if (n > 0) {
                *len += (size_t)n;
            } else if (n == 0) {
                (void)aio_close(*pipe_end);
                *pipe_end = (aio_socket)-1;
                fd = -1;
            } else if (n == AIO__AGAIN) { /* LCOV_EXCL_BR_LINE: (else a pipe failed) */
                w->fd[w->n] = fd;
                w->dir[w->n++] = 0;
                break;
            } else if (n != AIO__INTR) { /* LCOV_EXCL_LINE: (AIO__INTR; or a pipe failed) */
                return n; /* LCOV_EXCL_LINE */
            }
        }
    }
    return AIO_OK;
}

/* The await's result once p was reaped. */
static aio_status aio__proc_result(aio_task *t, aio_frame *f, aio_process *p) {
    int cancelled = (p->stopping & AIO__PROC_CANCELLED) != 0;
    if (cancelled) /* what was delivered is seen again: it unwinds */
        aio__unseen_end(t, &p->view);
    p->stopping = AIO__STOP_NONE;
    p->waiter = NULL;
    if (cancelled) return aio__raise(t, f, AIO_ECANCELED);
    return p->returncode >= 0 ? p->returncode : AIO_ESIGNALED;
}

/* Send the stop's next signal: SIGTERM, or SIGKILL once the grace is over
 * (or with no grace, or `now`). */
static void aio__proc_stop_step(aio_loop *L, aio_process *p, int now) {
    int stage = p->stopping & AIO__PROC_STOP_MASK;
    if (stage == AIO__STOP_KILL || p->state != AIO__PROC_RUNNING) return;
    if (stage == AIO__STOP_NONE && p->grace) { /* (`now` comes during a stop only) */
        (void)aio__proc_send(p, SIGTERM);
        p->kill_at = aio__now(L) + p->grace;
        p->stopping = (uint8_t)((p->stopping & ~AIO__PROC_STOP_MASK) | AIO__STOP_TERM);
        return;
    }
    if (stage == AIO__STOP_TERM && !now && aio__before(aio__now(L), p->kill_at)) return;
    (void)aio__proc_send(p, AIO__SIGKILL);
    p->stopping = (uint8_t)((p->stopping & ~AIO__PROC_STOP_MASK) | AIO__STOP_KILL);
}

/* Go on with the await: the pipes' work, then the exit; parked, or done. */
static aio_status aio__proc_go(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, aio_time until,
                               const char *what) {
    aio__proc_waits w;
    aio_status rc;
    w.n = 0;
    if (p->stopping & AIO__PROC_STOP_MASK) {
        aio__proc_stop_step(t->loop, p, 0);
        if ((p->stopping & AIO__PROC_STOP_MASK) == AIO__STOP_TERM) until = p->kill_at;
        else until = AIO_NEVER;
    } else if (io) {
        rc = aio__communicate_pass(p, io, &w);
        if (rc < 0) { /* LCOV_EXCL_START: a pipe's read or write failed */
            p->waiter = NULL;
            return rc;
        } /* LCOV_EXCL_STOP */
    }
    if (!w.n && aio__proc_reap(p)) return aio__proc_result(t, f, p);
    rc = aio__proc_park(t, p, &w, until, what);
    if (rc == AIO__SUSPENDED) return rc;
    if (p->stopping & AIO__PROC_STOP_MASK) { /* no timer slot for the grace: no grace */
        aio__proc_kill_now(p);
        return aio__proc_result(t, f, p);
    }
    p->waiter = NULL;
    /* as every await: no timer slot raises; a refusal (another waiter) or a
     * table that could not grow (AIO_EIO: out of memory) is the await's value */
    return rc == AIO_ENOSPC ? aio__raise(t, f, rc) : rc;
}

static const char *aio__proc_what(const aio_communicate *io, int stop) {
    return stop ? "AIO_PROCESS_STOP" : io ? "AIO_COMMUNICATE" : "AIO_PROCESS_WAIT";
}

AIO_API aio_status aio__process_start(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop,
                                      aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    const char *what = aio__proc_what(io, stop);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, stop ? AIO__TIMEOUT_REFUSED("AIO_PROCESS_STOP: the grace period")
                                     : AIO__TIMEOUT_REFUSED("a process's await: the timeout"));
    if (stop && until == AIO_NEVER) /* (a stop that would never kill) */
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_PROCESS_STOP: the grace period is AIO_NEVER: a "
                                                        "stop needs one it can reach"));
    if (!p || (p->state != AIO__PROC_RUNNING && p->state != AIO__PROC_REAPED) || p->loop != t->loop)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "a process's await: not a process spawned on this "
                                                        "loop and not closed"));
    if (io && ((!io->input && io->input_len) || (!io->out && io->out_size) || (!io->err && io->err_size) ||
               io->input_done > io->input_len))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_COMMUNICATE: a buffer is NULL with a size, or "
                                                        "input_done is past input_len"));
    /* A stop is no checkpoint: a cancellation must not keep it from its
     * work (one that comes meanwhile hastens the SIGKILL, and stays). */
    if (!stop && aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    if (p->waiter) return aio__misuse(AIO_EBUSY, "a process's await: another task awaits the process");
    p->waiter = t;
    p->stopping = AIO__STOP_NONE;
    if (stop) {
        p->grace = d;
        aio__proc_stop_step(t->loop, p, 0);
        until = AIO_NEVER;
    }
    return aio__proc_go(t, f, p, io, until, what);
}

AIO_API aio_status aio__process_poll(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop) {
    aio_loop *L = t->loop;
    t->flags &= (uint16_t)~(AIO__T_SIGNALLED | AIO__T_CLOSED);
    aio__proc_leave(t, p);
    if (p->stopping & AIO__PROC_STOP_MASK) {
        /* a new cancellation (the one stopping it is unseen: aio__unseen_begin) kills at once */
        if (!aio__plain(t) && L->cancellation(t, AIO__OBSERVE)) aio__proc_stop_step(L, p, 1);
    } else if (aio__checkpoint(t) < 0) { /* a cancellation stops it, then is raised */
        aio__unseen_begin(t, &p->view);
        p->stopping = AIO__PROC_CANCELLED;
        aio__proc_stop_step(L, p, 0);
    } else if (aio__due(t->until, aio__now(L))) { /* unless it ended meanwhile, it runs on */
        aio__proc_waits w;
        w.n = 0;
        if (io && aio__communicate_pass(p, io, &w) < 0) w.n = 1; /* LCOV_EXCL_BR_LINE: (a pipe failed) */
        if (!w.n && aio__proc_reap(p)) return aio__proc_result(t, f, p); /* LCOV_EXCL_BR_LINE: (in one turn) */
        p->waiter = NULL;
        return AIO_ETIMEDOUT;
    }
    (void)stop;
    return aio__proc_go(t, f, p, io, t->until, aio__proc_what(io, stop));
}
#endif /* AIO__PROCESSES */
#ifndef AIO__PROCESSES
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
#endif

// >>tls-impl
/* ------------------------------------------------------- TLS on a stream */

/* A session is its stream's transport from its handshake on: the stream's
 * reads and writes call aio__tls_recv and aio__tls_send, which ask the
 * engine, whose records go through aio__tls_io_recv and aio__tls_io_send on
 * the stream's socket (the platform's calls, each non-blocking; the
 * simulation's in a simulation). The handshake and the shutdown are awaits
 * written as the stream's are: a checkpoint, a deadline, the socket waited
 * on the way the engine wants. A session's life:
 *
 *   NONE --aio_tls_init--> NEW --AIO_TLS_HANDSHAKE--> HANDSHAKE --> OPEN
 *   NEW --AIO_TLS_CONNECT--> CONNECTING (no stream yet) --> HANDSHAKE --> OPEN
 *   OPEN --AIO_TLS_SHUTDOWN--> CLOSING (close_notify going out) --> DRAINING
 *        (the peer's awaited) --> CLOSED (reads 0; a write is refused)
 *   any await cut or failed, a write cut with bytes in the engine --> BROKEN
 *        (every later call gives tls->broken: AIO_ETLS, or AIO_ETRUNCATED;
 *        a handshake cut at its first checkpoint is the stream's transport
 *        all the same: a stream is never plain again once one was begun)
 *
 * The engine is reached through its table (aio_tls_engine: the contract
 * of each slot is written beside it), the one the configuration loaded
 * (c->loaded, AIO__TLS_E(tls) for a session's): the program's (engine_ops)
 * or the built-in one. A built-in engine (OpenSSL's or Mbed TLS's, each a
 * section of its own below) writes these nine, and its section ends with
 * its table of them, named by AIO__TLS_BUILTIN (aio__tls_builtin):
 *
 *   aio__tls_e_load, aio__tls_e_unload: a configuration's shared state;
 *   aio__tls_e_new, aio__tls_e_delete: a session's;
 *   aio__tls_e_name: a client's server name (sent, and verified);
 *   aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write,
 *   aio__tls_e_shutdown: one step each, never blocking: AIO_OK (the
 *       handshake done; the close_notify sent, or 1: and the peer's had), a
 *       count (a read's 0: the peer's close_notify), AIO_WANT_READ or
 *       AIO_WANT_WRITE, or a status with tls->error saying why.
 *
 * Their reads and writes of the socket are aio__tls_io_recv and
 * aio__tls_io_send (AIO__AGAIN: nothing now); a program's engine calls
 * aio_tls_io_recv and aio_tls_io_send, which say AIO_WANT_READ and
 * AIO_WANT_WRITE instead. */
#ifdef AIO__TLS
enum { AIO__TLS_NONE, AIO__TLS_NEW, AIO__TLS_HANDSHAKE, AIO__TLS_OPEN, AIO__TLS_CLOSING, AIO__TLS_DRAINING,
       AIO__TLS_CLOSED, AIO__TLS_BROKEN, AIO__TLS_CONNECTING, AIO__TLS_UNIX_CONNECTING };
#define AIO__TLS_FLAGS 15u /* (every flag of the configuration) */
#define AIO__TLS_DRAIN 64  /* records a shutdown drops in one turn before it lets others run */
#define AIO__TLS_E(tls) ((tls)->config->loaded) /* a session's engine */

#ifdef AIO__TLS_USER /* (no engine of the header's: the configuration names the program's) */
static const aio_tls_engine *aio__tls_builtin(void) { return NULL; }
#else
static aio_status aio__tls_e_load(aio_tls_config *c);
static void aio__tls_e_unload(aio_tls_config *c);
static aio_status aio__tls_e_new(aio_tls *tls);
static void aio__tls_e_delete(aio_tls *tls);
static aio_status aio__tls_e_name(aio_tls *tls, const char *name);
static aio_status aio__tls_e_handshake(aio_tls *tls);
static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len);
static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len);
static aio_status aio__tls_e_shutdown(aio_tls *tls);
/* The built-in engine's table, which its section ends with (after the
 * table: AIO__TLS_BUILTIN(its name)). */
static const aio_tls_engine *aio__tls_builtin(void);
#define AIO__TLS_BUILTIN(table)                                                \
    static const aio_tls_engine *aio__tls_builtin(void) { return &(table); }
#endif
/* The slots of an engine's table, for the check where it is loaded. */
#define AIO__TLS_ENGINE_SLOTS(X)                                               \
    X(name) X(load) X(unload) X(session_new) X(session_free) X(server_name) X(handshake) X(read) X(write) X(shutdown)

/* A mistake in a configuration or a session: its text kept for
 * aio_tls_config_error or aio_tls_error (a release build has no debug
 * message), the status returned. */
static void aio__tls_say(char *error, size_t size, const char *text) {
    size_t n = strlen(text);
    if (n >= size) n = size - 1; /* (cut: the debug message has it whole) LCOV_EXCL_BR_LINE: no text is so long */
    memcpy(error, text, n);
    error[n] = '\0';
}
static aio_status aio__tls_misuse(char *error, size_t size, aio_status code, const char *message) {
    aio__tls_say(error, size, message);
    return aio__misuse(code, message);
}

/* The engine's reads of the socket: what the stream had buffered at the
 * handshake first, then the socket's. n > 0, 0 at its end, AIO__AGAIN, or
 * a status (kept in tls->io_status for the engine's caller). */
static aio_status aio__tls_io_recv(aio_tls *tls, void *buf, size_t len) {
    aio_status rc;
    if (tls->early) {
        size_t n = tls->early_len - tls->early_at;
        if (n > len) n = len;
        memcpy(buf, tls->early + tls->early_at, n);
        tls->early_at += n;
        if (tls->early_at == tls->early_len) {
            AIO_FREE(tls->early);
            tls->early = NULL;
        }
        return (aio_status)n; /* (n <= len, which the engine gives as an int) */
    }
    do rc = aio__net_recv(aio__fd(tls->stream->fd), buf, len, "a TLS session's read of its socket");
    while (rc == AIO__INTR); /* LCOV_EXCL_BR_LINE: a signal in the call */
    if (rc == 0) tls->eof = 1;
    if (rc < 0 && rc != AIO__AGAIN) tls->io_status = rc;
    return rc;
}
/* Its writes: n > 0 bytes taken, AIO__AGAIN, or a status (kept). */
static aio_status aio__tls_io_send(aio_tls *tls, const void *buf, size_t len) {
    aio_status rc;
    do rc = aio__net_send(aio__fd(tls->stream->fd), buf, len, "a TLS session's write to its socket");
    while (rc == AIO__INTR); /* LCOV_EXCL_BR_LINE: a signal in the call */
    if (rc < 0 && rc != AIO__AGAIN) tls->io_status = rc;
    return rc;
}

/* The same for a program's engine: AIO__AGAIN said as the way to wait. */
AIO_API aio_status aio_tls_io_recv(aio_tls *tls, void *buf, size_t len) {
    aio_status rc;
    if (!tls || !tls->stream || !buf || !len)
        return aio__misuse(AIO_EINVAL, "aio_tls_io_recv: no session, a session without its stream (outside the "
                                       "engine's steps), or no room");
    rc = aio__tls_io_recv(tls, buf, len);
    return rc == AIO__AGAIN ? AIO_WANT_READ : rc;
}
AIO_API aio_status aio_tls_io_send(aio_tls *tls, const void *buf, size_t len) {
    aio_status rc;
    if (!tls || !tls->stream || !buf || !len)
        return aio__misuse(AIO_EINVAL, "aio_tls_io_send: no session, a session without its stream (outside the "
                                       "engine's steps), or no bytes");
    rc = aio__tls_io_send(tls, buf, len);
    return rc == AIO__AGAIN ? AIO_WANT_WRITE : rc;
}
AIO_API void aio_tls_set_error(aio_tls *tls, const char *text) {
    if (tls) aio__tls_say(tls->error, sizeof tls->error, text ? text : "");
}
AIO_API void aio_tls_config_set_error(aio_tls_config *c, const char *text) {
    if (c) aio__tls_say(c->error, sizeof c->error, text ? text : "");
}

/* The session unusable from now on (its error text, if none was given,
 * `why`): later calls give AIO_ETLS, or AIO_ETRUNCATED for a peer that
 * closed without close_notify. A truncation that the configuration reads
 * leniently is a clean end instead: 0. Returns rc. */
static aio_status aio__tls_fail(aio_tls *tls, aio_status rc, const char *why) {
    if (rc == AIO_ETRUNCATED && (tls->config->flags & AIO_TLS_LENIENT_EOF)) {
        tls->state = AIO__TLS_CLOSED;
        tls->error[0] = '\0';
        return 0;
    }
    if (!tls->error[0]) aio__tls_say(tls->error, sizeof tls->error, why);
    tls->state = AIO__TLS_BROKEN;
    tls->broken = rc == AIO_ETRUNCATED ? rc : AIO_ETLS;
    return rc;
}

/* A handshake or a shutdown that ended with rc: anything but success or a
 * suspension leaves the session unusable, with the reason in words. */
static aio_status aio__tls_ended(aio_tls *tls, aio_status rc, const char *what) {
    char why[96];
    if (rc == AIO_OK || rc == AIO__SUSPENDED || tls->state == AIO__TLS_BROKEN) return rc;
    if (rc == AIO_ETIMEDOUT)
        (void)snprintf(why, sizeof why, "the %s timed out: the session cannot be used", what);
    else if (rc == AIO__RAISE)
        (void)snprintf(why, sizeof why, "the %s was cancelled: the session cannot be used", what);
    else if (rc == AIO_ECLOSED) /* LCOV_EXCL_BR_LINE: (the other side: below) */
        (void)snprintf(why, sizeof why, "the socket was closed during the %s", what);
    else /* LCOV_EXCL_START: (every other failure went through aio__tls_fail, which marked the session broken) */
        (void)snprintf(why, sizeof why, "the %s failed: %s", what, aio_strerror(rc));
    /* LCOV_EXCL_STOP */
    (void)aio__tls_fail(tls, rc == AIO_ETRUNCATED ? rc : AIO_ETLS, why); /* LCOV_EXCL_BR_LINE: (broken before) */
    return rc;
}

/* A write that was cut (a deadline, a cancellation) while the engine held
 * part of it: the engine must send the rest of that record before anything
 * else, and the caller was told those bytes did not go. Noticed at the
 * session's next call (a write resumed is one whose stream still names its
 * writer): the session is then unusable, as Trio's SSLStream makes it. */
static int aio__tls_cut_write(aio_tls *tls) {
    const aio_stream *s = tls->stream;
    if (!tls->held || s->writer || (s->out && s->out->head != s->out->tail)) return 0; /* (a write's, or the
                                                              stream's buffer's: it goes on) */
    tls->held = 0;
    (void)aio__tls_fail(tls, AIO_ETLS, "a write was cut (a deadline, a cancellation) after part of it went into "
                                       "the TLS engine: the session cannot be used");
    return 1;
}

/* The stream's transport (aio_transport): a read or a write of an open
 * session goes to the engine; otherwise why not. */
static aio_status aio__tls_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    aio_tls *tls = (aio_tls *)ctx;
    aio_status rc;
    (void)fd;
    if (tls->state == AIO__TLS_OPEN && !aio__tls_cut_write(tls)) {
        rc = AIO__TLS_E(tls)->read(tls, buf, len);
        if (rc >= 0 || rc == AIO_WANT_READ || rc == AIO_WANT_WRITE) return rc;
        return aio__tls_fail(tls, rc, "a read failed");
    }
    if (tls->state == AIO__TLS_CLOSED) return 0;
    if (tls->state == AIO__TLS_BROKEN) return tls->broken;
    return aio__misuse(AIO_EBUSY, "a read of a TLS stream while its handshake or its shutdown is under way");
}
static aio_status aio__tls_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    aio_tls *tls = (aio_tls *)ctx;
    aio_status rc;
    (void)fd;
    if (tls->state == AIO__TLS_OPEN && !aio__tls_cut_write(tls)) {
        rc = AIO__TLS_E(tls)->write(tls, buf, len);
        tls->held = (uint8_t)(rc == AIO_WANT_READ || rc == AIO_WANT_WRITE);
        if (rc > 0 || tls->held) return rc;
        return aio__tls_fail(tls, rc, "a write failed");
    }
    if (tls->state == AIO__TLS_CLOSED)
        return aio__misuse(AIO_ETLS, "AIO_STREAM_WRITE: the stream's TLS session was shut down (AIO_TLS_SHUTDOWN), "
                                     "or its peer closed it");
    if (tls->state == AIO__TLS_BROKEN) return tls->broken;
    return aio__misuse(AIO_EBUSY, "a write of a TLS stream while its handshake or its shutdown is under way");
}
static const aio_transport aio__tls_transport = {aio__tls_recv, aio__tls_send};

/* The engine c names (or the built-in one), every slot given; or NULL, with
 * *rc = AIO_EINVAL and c->error (and a debug message) naming what is
 * missing. */
static const aio_tls_engine *aio__tls_engine_check(aio_tls_config *c, aio_status *rc) {
    const aio_tls_engine *e = c->engine_ops ? c->engine_ops : aio__tls_builtin();
    if (!e) {
        *rc = aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                              "aio_tls_config_load: no TLS engine (a build with AIO_TLS alone has none of its own: "
                              "engine_ops names yours)");
        return NULL;
    }
#define AIO__TLS_SLOT_CHECK(slot)                                              \
    if (!e->slot) {                                                            \
        *rc = aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,            \
                              "aio_tls_config_load: the engine's slot `" #slot "` is empty"); \
        return NULL;                                                           \
    }
    /* (the header's tables fill every slot; tests/tls/test_tls_engine.c
     * empties each, and every slot's check is this one line) */
    AIO__TLS_ENGINE_SLOTS(AIO__TLS_SLOT_CHECK)
#undef AIO__TLS_SLOT_CHECK
    return e;
}

AIO_API aio_status aio_tls_config_load(aio_tls_config *c) {
    const aio_tls_engine *e;
    unsigned flags;
    aio_status rc = AIO_EINVAL;
    if (!c) return aio__misuse(AIO_EINVAL, "aio_tls_config_load: the configuration is NULL");
    flags = c->flags;
    c->error[0] = '\0';
    if (c->loaded)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the configuration is loaded already (aio_tls_config_free first)");
    if (flags & ~AIO__TLS_FLAGS)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL, "aio_tls_config_load: unknown flags");
    if ((flags & AIO_TLS_SERVER) && (!c->cert_file || !c->key_file))
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: a server needs its certificate and its private key "
                               "(cert_file and key_file)");
    if (!c->cert_file != !c->key_file)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: a certificate needs its private key, and a key its "
                               "certificate (cert_file and key_file)");
    if ((flags & AIO_TLS_SERVER) ? (flags & AIO_TLS_NO_VERIFY) != 0 : (flags & AIO_TLS_VERIFY_CLIENT) != 0)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: AIO_TLS_NO_VERIFY is a client's flag, AIO_TLS_VERIFY_CLIENT "
                               "a server's");
    e = aio__tls_engine_check(c, &rc);
    if (!e) return rc;
    rc = e->load(c);
    if (rc == AIO_OK) c->loaded = e;
    return rc;
}

AIO_API void aio_tls_config_free(aio_tls_config *c) {
    if (!c || !c->loaded) return;
    c->loaded->unload(c);
    c->engine = NULL;
    c->loaded = NULL;
}

AIO_API const char *aio_tls_config_error(const aio_tls_config *c) { return c ? c->error : ""; }
AIO_API const char *aio_tls_error(const aio_tls *tls) { return tls ? tls->error : ""; }

AIO_API aio_status aio_tls_init(aio_tls *tls, aio_tls_config *c) {
    aio_status rc;
    if (!tls || !c || !c->loaded)
        return aio__misuse(AIO_EINVAL, "aio_tls_init: the session is NULL, or the configuration was not loaded "
                                       "(aio_tls_config_load)");
    if (tls->state != AIO__TLS_NONE)
        return aio__misuse(AIO_EINVAL, "aio_tls_init: the session is set up already (aio_tls_free it first)");
    memset(tls, 0, sizeof *tls);
    tls->config = c;
    rc = AIO__TLS_E(tls)->session_new(tls);
    if (rc < 0) return rc; /* (out of memory) */
    tls->state = AIO__TLS_NEW;
    return AIO_OK;
}

AIO_API aio_status aio_tls_free(aio_tls *tls) {
    aio_stream *s;
    if (!tls || tls->state == AIO__TLS_NONE) return AIO_OK;
    s = tls->stream;
    if (tls->state == AIO__TLS_HANDSHAKE || tls->state == AIO__TLS_CLOSING || tls->state == AIO__TLS_DRAINING ||
        tls->state == AIO__TLS_CONNECTING || tls->state == AIO__TLS_UNIX_CONNECTING ||
        (s && s->transport_ctx == tls && (s->reader || s->writer))) /* LCOV_EXCL_BR_LINE: (s is tls's, below) */
        return aio__misuse(AIO_EBUSY, "aio_tls_free: a task is waiting in the session's handshake or shutdown, or in "
                                      "a read or a write of its stream (cancel it, and let it end, first)");
    /* (tls->stream, once set, has tls for its transport until this call) */
    if (s && s->transport == &aio__tls_transport && s->transport_ctx == tls) { /* LCOV_EXCL_BR_LINE: (above) */
        s->transport = NULL;
        s->transport_ctx = NULL;
        s->eof &= AIO__STREAM_GONE; /* (TLS's end, not the socket's: its next read asks the socket) */
    }
    AIO__TLS_E(tls)->session_free(tls);
    AIO_FREE(tls->early);
    tls->engine = NULL;
    tls->early = NULL;
    tls->stream = NULL;
    tls->config = NULL;
    tls->state = AIO__TLS_NONE;
    return AIO_OK;
}

/* Wait until the socket is ready the way the engine wants (t->until stays
 * the await's deadline). */
static aio_status aio__tls_park(aio_task *t, aio_frame *f, aio_status want, const char *what) {
    int way = want == AIO_WANT_WRITE;
    aio__io_dry(t->loop, t->await.io.fd, way);
    return aio__io_park(t, f, way, 0, what);
}

/* What the stream had buffered and not read: the peer's first TLS bytes
 * (the plain protocol read what was its own), given to the engine first. */
static aio_status aio__tls_take_early(aio_tls *tls, aio_stream *s) {
    size_t n = s->tail - s->head;
    if (!n) return AIO_OK;
    tls->early = (unsigned char *)AIO_MALLOC(n);
    if (!tls->early)
        return aio__tls_fail(tls, AIO_ETLS, "out of memory for the bytes buffered before the handshake");
    memcpy(tls->early, s->buf + s->head, n);
    tls->early_len = n;
    tls->early_at = 0;
    s->tail = s->head;
    s->scanned = 0;
    return AIO_OK;
}

static aio_status aio__tls_handshake_try(aio_task *t, aio_frame *f, aio_tls *tls) {
    aio_status rc = AIO__TLS_E(tls)->handshake(tls);
    if (rc == AIO_OK) {
        tls->state = AIO__TLS_OPEN;
        return AIO_OK;
    }
    if (rc == AIO_WANT_READ || rc == AIO_WANT_WRITE) return aio__tls_park(t, f, rc, "AIO_TLS_HANDSHAKE");
    return aio__tls_fail(tls, rc, "the handshake failed");
}

/* The session made stream s's transport: from a handshake's first step on,
 * the stream is never plain again, whatever becomes of the handshake. (An
 * end the plain stream had met is the socket's: TLS's reads meet it.) */
static void aio__tls_attach(aio_tls *tls, aio_stream *s) {
    tls->stream = s;
    tls->state = AIO__TLS_HANDSHAKE;
    s->transport = &aio__tls_transport;
    s->transport_ctx = tls;
    s->eof &= AIO__STREAM_GONE;
}

/* The handshake begun on stream s (t->await.io set for its socket), within
 * until: the session is its transport from now on. */
static aio_status aio__tls_begin(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *server_name,
                                 aio_time until) {
    aio_status rc;
    aio__tls_attach(tls, s);
    rc = AIO__TLS_E(tls)->server_name(tls, server_name);
    if (rc == AIO_OK) rc = aio__tls_take_early(tls, s);
    if (rc < 0) return aio__tls_fail(tls, rc, "the handshake could not start");
    aio__set_until(t, until);
    return aio__tls_ended(tls, aio__tls_handshake_try(t, f, tls), "handshake");
}

AIO_API aio_status aio__tls_handshake_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                            const char *server_name, aio_time d) {
    aio_time until = aio__deadline(t->loop, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_HANDSHAKE_TIMEOUT : d, 1);
    unsigned flags;
    aio_status rc;
    if (!tls || tls->state != AIO__TLS_NEW)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TLS_HANDSHAKE: the session was not set up (aio_tls_init), "
                                                        "or had its handshake already (one session, one connection)"));
    flags = tls->config->flags;
    if (!s || !s->buf)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: the stream was not set up (aio_stream_init)"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: the timeout is NaN, negative or beyond half the "
                                                "clock range"));
    if ((flags & AIO_TLS_SERVER) && server_name)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: a server takes no server name (NULL)"));
    if (!(flags & (AIO_TLS_SERVER | AIO_TLS_NO_VERIFY)) && (!server_name || !*server_name))
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_HANDSHAKE: a client that verifies the server needs its "
                                                "name (server_name), or AIO_TLS_NO_VERIFY"));
    t->await.io.fd = aio__fd(s->fd);
    t->await.io.dir = 0;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) { /* (before any refusal: a checkpoint) */
        /* Cut at once (a cancel pending, an outer deadline passed): begun
         * all the same, so the stream goes on unusable, never plain. What
         * it had buffered was the engine's: dropped with the session. */
        aio__tls_attach(tls, s);
        s->tail = s->head;
        s->scanned = 0;
        (void)aio__tls_fail(tls, AIO_ETLS, "the handshake was cancelled: the session cannot be used");
        return aio__yield_then_raise(t, f);
    }
    rc = aio__stream_gone(t, s, "AIO_TLS_HANDSHAKE");
    if (rc < 0) { /* (its socket was closed: begun and failed at once) */
        aio__tls_attach(tls, s);
        return aio__tls_fail(tls, rc, "the socket was closed before the handshake");
    }
    if (s->reader || s->writer)
        return aio__misuse(AIO_EBUSY, "AIO_TLS_HANDSHAKE: a task is waiting in a read or a write of the stream");
    return aio__tls_begin(t, f, tls, s, server_name, until);
}

AIO_API aio_status aio__tls_handshake_poll(aio_task *t, aio_frame *f, aio_tls *tls) {
    aio_status rc = aio__io_poll(t, f, AIO__IO_READABLE, NULL, 0); /* ready, or why not */
    if (rc == AIO_OK) rc = aio__tls_handshake_try(t, f, tls);
    return aio__tls_ended(tls, rc, "handshake");
}

/* The close_notify sent, then the peer's awaited, what comes before it
 * dropped (a few records a turn, so that a peer that sends on and on does
 * not hold the loop). */
static aio_status aio__tls_shutdown_try(aio_task *t, aio_frame *f, aio_tls *tls) {
    unsigned char drop[512];
    int records = 0;
    for (;;) {
        aio_status rc;
        if (tls->state == AIO__TLS_CLOSING) {
            rc = AIO__TLS_E(tls)->shutdown(tls);
            if (rc == AIO_OK) {
                tls->state = AIO__TLS_DRAINING;
                continue;
            }
        } else {
            rc = AIO__TLS_E(tls)->read(tls, drop, sizeof drop);
            if (rc > 0 && ++records < AIO__TLS_DRAIN) continue;
            if (rc > 0) return aio__io_park(t, f, 0, 0, "AIO_TLS_SHUTDOWN"); /* (readable at once: a turn) */
            if (rc == AIO_ETRUNCATED) rc = aio__tls_fail(tls, rc, "");
        }
        if (rc == 1 || rc == 0) {
            tls->state = AIO__TLS_CLOSED;
            return AIO_OK;
        }
        if (rc == AIO_WANT_READ || rc == AIO_WANT_WRITE) return aio__tls_park(t, f, rc, "AIO_TLS_SHUTDOWN");
        return aio__tls_fail(tls, rc, "the shutdown failed");
    }
}

AIO_API aio_status aio__tls_shutdown_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_time d) {
    aio_time until = aio__deadline(t->loop, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_SHUTDOWN_TIMEOUT : d, 1);
    aio_stream *s;
    if (!tls || tls->state == AIO__TLS_NONE || tls->state == AIO__TLS_NEW || tls->state == AIO__TLS_CONNECTING)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_TLS_SHUTDOWN: the session had no handshake "
                                                        "(AIO_TLS_HANDSHAKE)"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_TLS_SHUTDOWN: the timeout"));
    s = tls->stream; /* (NULL: an AIO_TLS_CONNECT that failed before its handshake) */
    t->await.io.fd = s ? aio__fd(s->fd) : -1;
    t->await.io.dir = 0;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) { /* (before any refusal: a checkpoint) */
        /* Cut at once: an open session is left unusable, as by a cut
         * later on (one closed or broken stays so; one whose handshake or
         * shutdown another task waits in is that task's). */
        if (tls->state == AIO__TLS_OPEN)
            (void)aio__tls_fail(tls, AIO_ETLS, "the shutdown was cancelled: the session cannot be used");
        return aio__yield_then_raise(t, f);
    }
    if (tls->state == AIO__TLS_HANDSHAKE || tls->state == AIO__TLS_CLOSING || tls->state == AIO__TLS_DRAINING ||
        (tls->state == AIO__TLS_OPEN && s && (s->reader || s->writer)))
        return aio__misuse(AIO_EBUSY, "AIO_TLS_SHUTDOWN: a task is waiting in the session's handshake or shutdown, "
                                      "or in a read or a write of its stream");
    if (s && s->buf && aio__stream_gone(t, s, "AIO_TLS_SHUTDOWN") < 0) { /* (what its reads give) */
        if (tls->state == AIO__TLS_OPEN)
            (void)aio__tls_fail(tls, AIO_ETLS, "the socket was closed under the session");
        return AIO_ECLOSED;
    }
    if (tls->state == AIO__TLS_OPEN && s) (void)aio__tls_cut_write(tls); /* (open: it has its stream) */
    if (tls->state == AIO__TLS_CLOSED) return AIO_OK;
    if (tls->state == AIO__TLS_BROKEN) return tls->broken;
    tls->state = AIO__TLS_CLOSING;
    aio__set_until(t, until);
    return aio__tls_ended(tls, aio__tls_shutdown_try(t, f, tls), "shutdown");
}

AIO_API aio_status aio__tls_shutdown_poll(aio_task *t, aio_frame *f, aio_tls *tls) {
    aio_status rc = aio__io_poll(t, f, AIO__IO_READABLE, NULL, 0); /* ready, or why not */
    if (rc == AIO_OK) rc = aio__tls_shutdown_try(t, f, tls);
    return aio__tls_ended(tls, rc, "shutdown");
}

/* AIO_TLS_CONNECT: AIO_TCP_CONNECT's await (its state, t->await.connecting,
 * holds the one deadline), then the handshake's on that deadline. The
 * session is CONNECTING meanwhile, with no stream yet. */
#define AIO__TLS_CONNECT_START 4096u  /* the stream's first buffer */
#define AIO__TLS_CONNECT_LIMIT 65536u /* and its limit (asyncio's) */

/* The connect ended with rc (not a connection): the session unusable, and
 * why. */
static aio_status aio__tls_connect_failed(aio_frame *f, aio_tls *tls, aio_status rc) {
    char why[96];
    aio_status cause = rc == AIO__RAISE || rc == AIO__SUSPENDED ? f->rc : rc;
    if (cause == AIO_ETIMEDOUT)
        (void)snprintf(why, sizeof why, "the connect timed out: the session cannot be used");
    else if (cause == AIO_ECANCELED)
        (void)snprintf(why, sizeof why, "the connect was cancelled: the session cannot be used");
    else
        (void)snprintf(why, sizeof why, "the connect failed: %s", aio_strerror(cause));
    tls->error[0] = '\0'; /* (the connect's reason, not a refusal's before it) */
    (void)aio__tls_fail(tls, AIO_ETLS, why);
    return rc;
}

/* The checks both connects make of the session and the stream: AIO_OK, or
 * the refusal, raised (`what` names the call). */
static aio_status aio__tls_connect_refused(aio_task *t, aio_frame *f, aio_tls *tls, const aio_stream *s,
                                           const char *what) {
    char why[160];
    if (!tls || tls->state != AIO__TLS_NEW) {
        (void)snprintf(why, sizeof why, "%s: the session was not set up (aio_tls_init), or had its handshake already "
                                        "(one session, one connection)", what);
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, why));
    }
    if (tls->config->flags & AIO_TLS_SERVER) {
        (void)snprintf(why, sizeof why, "%s: the session is a server's", what);
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL, why));
    }
    if (!s || s->buf) {
        (void)snprintf(why, sizeof why, "%s: the stream is NULL, or set up already (it sets it up: aio_stream_free it "
                                        "first)", what);
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL, why));
    }
    return AIO_OK;
}

/* Where a connect's handshake went (rc): still under way, done (the
 * socket), or failed: then nothing is left but the session, which the
 * program frees (the socket closed, the stream's buffer freed). */
static aio_status aio__tls_handshake_went(aio_stream *s, aio_status rc) {
    if (rc == AIO__SUSPENDED) return rc;
    if (rc == AIO_OK) return aio__fd(s->fd);
    (void)aio_close(s->fd);
    (void)aio_stream_free(s);
    s->fd = (aio_socket)-1;
    return rc;
}

/* Connected (fd): the stream set up over it and the handshake begun, with
 * server_name, by `until`; where it went. */
static aio_status aio__tls_connected(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, int fd,
                                     const char *server_name, aio_time until) {
    aio_status rc = aio_stream_init_growing(s, (aio_socket)fd, AIO__TLS_CONNECT_START, AIO__TLS_CONNECT_LIMIT);
    if (rc < 0) { /* (out of memory) */
        (void)aio_close((aio_socket)fd);
        return aio__tls_connect_failed(f, tls, rc);
    }
    t->await.io.fd = fd;
    t->await.io.dir = 0;
    t->await.io.done = 0;
    return aio__tls_handshake_went(s, aio__tls_begin(t, f, tls, s, server_name, until));
}

AIO_API aio_status aio__tls_unix_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s,
                                               const char *path, const char *server_name, aio_time d) {
    aio_time until;
    aio_status rc = aio__tls_connect_refused(t, f, tls, s, "AIO_TLS_UNIX_CONNECT");
    if (rc != AIO_OK) return rc;
    if (!path || !*path)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_UNIX_CONNECT: no path to connect to"));
    if (!(tls->config->flags & AIO_TLS_NO_VERIFY) && (!server_name || !*server_name))
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_UNIX_CONNECT: no server name to verify the certificate "
                                                "against (or AIO_TLS_NO_VERIFY)"));
    until = aio__deadline(t->loop, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_HANDSHAKE_TIMEOUT : d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_UNIX_CONNECT: the timeout is NaN, negative or beyond half "
                                                "the clock range"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (a checkpoint first, as every await) */
    rc = aio__sys_unix_connect(t, f, path, until, AIO__UNIX_SIMULATED());
    if (rc >= 0) /* (connected at once, as a Unix socket mostly is: on to the handshake) */
        return aio__tls_connected(t, f, tls, s, rc, server_name, until);
    if (rc != AIO__SUSPENDED || (f->flags & AIO__F_RAISING)) return aio__tls_connect_failed(f, tls, rc);
    tls->state = AIO__TLS_UNIX_CONNECTING;
    tls->until = until;
    return rc;
}

AIO_API aio_status aio__tls_connect_start(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host,
                                          int port, aio_time d) {
    aio_status rc = aio__tls_connect_refused(t, f, tls, s, "AIO_TLS_CONNECT");
    if (rc != AIO_OK) return rc;
    if (!host || !*host)
        return aio__raise(t, f, aio__tls_misuse(tls->error, sizeof tls->error, AIO_EINVAL,
                                                "AIO_TLS_CONNECT: no host to connect to (a name or an address)"));
    rc = aio__connect_start(t, f, host, port, d == AIO_TLS_DEFAULT_TIMEOUT ? AIO_TLS_HANDSHAKE_TIMEOUT : d);
    if (rc != AIO__SUSPENDED || (f->flags & AIO__F_RAISING)) return aio__tls_connect_failed(f, tls, rc);
    tls->state = AIO__TLS_CONNECTING;
    return rc;
}

AIO_API aio_status aio__tls_connect_poll(aio_task *t, aio_frame *f, aio_tls *tls, aio_stream *s, const char *host) {
    if (tls->state == AIO__TLS_CONNECTING || tls->state == AIO__TLS_UNIX_CONNECTING) {
        int unix_socket = tls->state == AIO__TLS_UNIX_CONNECTING;
        aio_time until = unix_socket ? tls->until : t->await.connecting->until;
        int fd = unix_socket ? aio__sys_unix_connect_poll(t, f) : aio__connect_poll(t, f);
        if (fd == AIO__SUSPENDED) return fd;
        tls->state = AIO__TLS_NEW;
        if (fd < 0) return aio__tls_connect_failed(f, tls, fd);
        return aio__tls_connected(t, f, tls, s, fd, host, until);
    }
    return aio__tls_handshake_went(s, aio__tls_handshake_poll(t, f, tls));
}

/* A TLS server's connection (aio_server_set_tls): its task runs
 * aio__tls_server_conn, which first sets up the stream and the session and
 * awaits the handshake, as AIO_TLS_HANDSHAKE does, over the connection's own
 * frame (the task's frame stays the handler's, whose AIO_BEGIN(t) it is);
 * then the handler, if the handshake succeeded. In the step either ends in,
 * the stream and the session are freed and the server is told the
 * connection is gone (which closes the socket). A cancel before or during
 * the handshake ends it there (AIO__RAISE: the frame holds why), the handler
 * never run. */
static aio_status aio__tls_server_handshake(aio_task *t, aio_tls_conn *c) {
    aio_server *srv = c->conn.server;
    aio_status rc;
    if (!(c->conn.flags & AIO__C_SECURING)) { /* (its first step) */
        c->conn.flags |= AIO__C_SECURING;
        aio__frame_init(&c->frame);
        rc = aio_stream_init_growing(&c->stream, c->conn.fd,
                                     srv->stream_limit < AIO__TLS_CONNECT_START ? srv->stream_limit
                                                                                : AIO__TLS_CONNECT_START,
                                     srv->stream_limit);
        if (rc == AIO_OK) rc = aio_tls_init(&c->tls, srv->tls);
        if (rc == AIO_OK) rc = aio__tls_handshake_start(t, &c->frame, &c->tls, &c->stream, NULL, srv->handshake);
    } else {
        rc = aio__tls_handshake_poll(t, &c->frame, &c->tls);
    }
    return rc == AIO__RAISE ? c->frame.rc : rc;
}

static aio_status aio__tls_server_conn(aio_task *t) {
    aio_tls_conn *c = AIO_CONTAINER(t, aio_tls_conn, conn.task);
    aio_server *srv = c->conn.server;
    aio_status rc;
    if (c->conn.flags & AIO__C_RAN) {
        rc = srv->handler(t);
    } else {
        rc = aio__tls_server_handshake(t, c);
        if (rc == AIO__SUSPENDED) return rc;
        if (rc == AIO_OK) { /* the handler's first step, in this one */
            c->conn.flags |= AIO__C_RAN;
            rc = srv->handler(t);
        } else if (rc != AIO_ECANCELED) {
            srv->handshakes_failed++;
        }
    }
    if (rc == AIO__SUSPENDED) return rc;
    (void)aio_stream_free(&c->stream); /* (first: what it had not sent is dropped) */
    (void)aio_tls_free(&c->tls);
    aio__server_gone(&c->conn);
    return rc;
}

AIO_API aio_status aio_server_set_tls(aio_server *srv, aio_tls_config *c, aio_time handshake_timeout,
                                      size_t limit) {
    if (!srv || !srv->handler)
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the server is NULL or not initialised (aio_server_init)");
    if (!c || !c->loaded || !(c->flags & AIO_TLS_SERVER))
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the configuration is NULL, not loaded "
                                       "(aio_tls_config_load), or not a server's (AIO_TLS_SERVER)");
    if (srv->size < sizeof(aio_tls_conn))
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the state's first member must be an aio_tls_conn "
                                       "(the state is smaller)");
    if (handshake_timeout != AIO_TLS_DEFAULT_TIMEOUT && handshake_timeout != AIO_NEVER &&
        (aio_stime)handshake_timeout < 0)
        return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the handshake's timeout is negative");
    if (limit > INT_MAX) return aio__misuse(AIO_EINVAL, "aio_server_set_tls: the streams' limit is beyond INT_MAX");
    if (aio_task_alive(&srv->task))
        return aio__misuse(AIO_EBUSY, "aio_server_set_tls: the server is serving already");
    srv->step = aio__tls_server_conn;
    srv->tls = c;
    srv->handshake = handshake_timeout;
    srv->stream_limit = limit ? limit : AIO__TLS_CONNECT_LIMIT;
    return AIO_OK;
}

AIO_API uint32_t aio_server_handshakes_failed(const aio_server *srv) { return srv->handshakes_failed; }
#endif /* AIO__TLS */

#ifdef AIO__TLS_OPENSSL
// >>tls-openssl
/* ----------------------------------------------------- TLS: OpenSSL's engine */

/* A configuration is an SSL_CTX and a BIO method; a session an SSL whose one
 * BIO reads and writes the socket through aio__tls_io_recv and
 * aio__tls_io_send (so OpenSSL never touches the descriptor itself: the
 * calls are non-blocking whatever its mode, and a simulation's sockets work
 * too). OpenSSL's error queue is emptied before each call, so that
 * SSL_get_error reads that call's. */
typedef struct aio__ossl {
    SSL_CTX *ctx;
    BIO_METHOD *bio;
} aio__ossl;
static CRYPTO_ONCE aio__ossl_once = CRYPTO_ONCE_STATIC_INIT;
static int aio__ossl_type; /* the BIO's type: one for the process (OpenSSL has few to give) */
static void aio__ossl_new_type(void) { aio__ossl_type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK; }

/* In a simulation, OpenSSL's random bytes (its keys, nonces, randoms,
 * tickets) are drawn from the simulation's seeded generator, so that a run
 * replays by its seed: a RAND_METHOD (deprecated in OpenSSL 3, kept in its
 * builds with the deprecated API; without it, OpenSSL's own bytes are used
 * and only what they encrypt differs between runs: docs/simulation.md),
 * set for the process at the first configuration or session made in a
 * simulation, and giving OpenSSL's own bytes whenever no simulation runs
 * on the thread. */
#if defined(AIO__SIM) && !defined(OPENSSL_NO_DEPRECATED_3_0)
#define AIO__OSSL_SIM_RAND 1
#include <openssl/rand.h>
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
static const RAND_METHOD *aio__ossl_own_rand;
static int aio__ossl_sim_bytes(unsigned char *out, int n) {
    int i;
    if (!aio_sim_active()) return aio__ossl_own_rand->bytes(out, n);
    for (i = 0; i < n; i++) out[i] = (unsigned char)aio_sim_random(256);
    return 1;
}
static int aio__ossl_sim_status(void) { return 1; }
static RAND_METHOD aio__ossl_sim_rand = {NULL, aio__ossl_sim_bytes, NULL, NULL, aio__ossl_sim_bytes,
                                         aio__ossl_sim_status};
static void aio__ossl_sim_rand_set(void) {
    if (aio__ossl_own_rand || !aio_sim_active()) return;
    aio__ossl_own_rand = RAND_OpenSSL();
    (void)RAND_set_rand_method(&aio__ossl_sim_rand);
}
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

static int aio__ossl_bio_read(BIO *b, char *buf, int len) {
    aio_status rc;
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0; /* LCOV_EXCL_LINE: (OpenSSL asks for bytes) */
    rc = aio__tls_io_recv((aio_tls *)BIO_get_data(b), buf, (size_t)len);
    if (rc >= 0) return rc;
    if (rc == AIO__AGAIN) BIO_set_retry_read(b);
    return -1;
}
static int aio__ossl_bio_write(BIO *b, const char *buf, int len) {
    aio_status rc;
    BIO_clear_retry_flags(b);
    if (len <= 0) return 0; /* LCOV_EXCL_LINE: (OpenSSL gives bytes) */
    rc = aio__tls_io_send((aio_tls *)BIO_get_data(b), buf, (size_t)len);
    if (rc >= 0) return rc;
    if (rc == AIO__AGAIN) BIO_set_retry_write(b);
    return -1;
}
static long aio__ossl_bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b;
    (void)num;
    (void)ptr;
    return cmd == BIO_CTRL_FLUSH; /* (nothing is kept: a flush is done) */
}

/* The first error OpenSSL queued, in words, into buf. */
static void aio__ossl_reason(char *buf, size_t size) {
    unsigned long code = ERR_peek_error();
    const char *reason = code ? ERR_reason_error_string(code) : NULL; /* LCOV_EXCL_BR_LINE: (below) */
#ifdef ERR_SYSTEM_ERROR
    if (code && ERR_SYSTEM_ERROR(code)) /* LCOV_EXCL_BR_LINE: (every failure queues a code) */
        reason = strerror(ERR_GET_REASON(code)); /* (a file: why it failed) */
#endif
    if (reason) /* LCOV_EXCL_BR_LINE: (every code has its words) */
        (void)snprintf(buf, size, "%s", reason);
    else if (code) /* LCOV_EXCL_START: (every failure queues a code, and every code has its words) */
        ERR_error_string_n(code, buf, size);
    else
        (void)snprintf(buf, size, "no reason given");
    /* LCOV_EXCL_STOP */
    ERR_clear_error();
}
/* A configuration that could not load: why, in c->error. */
static aio_status aio__ossl_load_failed(aio_tls_config *c, aio__ossl *e, const char *what, const char *file) {
    char reason[96];
    aio__ossl_reason(reason, sizeof reason);
    (void)snprintf(c->error, sizeof c->error, "%s%s%s: %s", what, file ? " " : "", file ? file : "", /* LCOV_EXCL_BR_LINE: (below) */
                   reason); /* (no file: only the failures that cannot happen) */
    SSL_CTX_free(e->ctx);
    if (e->bio) BIO_meth_free(e->bio); /* LCOV_EXCL_BR_LINE: (none: out of memory) */
    AIO_FREE(e);
    return AIO_ETLS;
}

static aio_status aio__tls_e_load(aio_tls_config *c) {
    int server = (c->flags & AIO_TLS_SERVER) != 0;
    int verify = server ? (c->flags & AIO_TLS_VERIFY_CLIENT) != 0 : !(c->flags & AIO_TLS_NO_VERIFY);
    aio__ossl *e = (aio__ossl *)AIO_MALLOC(sizeof *e);
    if (!e) {
        (void)snprintf(c->error, sizeof c->error, "out of memory");
        return AIO_ETLS;
    }
    memset(e, 0, sizeof *e);
    ERR_clear_error();
#ifdef AIO__OSSL_SIM_RAND
    aio__ossl_sim_rand_set(); /* (SSL_CTX_new draws the keys of its tickets) */
#endif
    (void)CRYPTO_THREAD_run_once(&aio__ossl_once, aio__ossl_new_type);
    e->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    e->bio = BIO_meth_new(aio__ossl_type, "aio_timeout socket");
    if (!e->ctx || !e->bio || !BIO_meth_set_read(e->bio, aio__ossl_bio_read) || /* LCOV_EXCL_BR_LINE: out of memory */
        !BIO_meth_set_write(e->bio, aio__ossl_bio_write) || /* LCOV_EXCL_BR_LINE: out of memory */
        !BIO_meth_set_ctrl(e->bio, aio__ossl_bio_ctrl) || /* LCOV_EXCL_BR_LINE: out of memory */
        !SSL_CTX_set_min_proto_version(e->ctx, TLS1_2_VERSION))
        return aio__ossl_load_failed(c, e, "the TLS engine could not start", NULL); /* LCOV_EXCL_LINE */
    (void)SSL_CTX_set_mode(e->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (verify) {
        SSL_CTX_set_verify(e->ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
        if (c->ca_file || c->ca_dir) {
            if (!SSL_CTX_load_verify_locations(e->ctx, c->ca_file, c->ca_dir))
                return aio__ossl_load_failed(c, e, "cannot load the trusted CAs from",
                                             c->ca_file ? c->ca_file : c->ca_dir); /* LCOV_EXCL_BR_LINE: (a directory: read later) */
        } else if (!SSL_CTX_set_default_verify_paths(e->ctx)) { /* LCOV_EXCL_BR_LINE: (below) */
            return aio__ossl_load_failed(c, e, "cannot load the system's trust store", NULL); /* LCOV_EXCL_LINE */
        }
    }
    if (c->cert_file) {
        if (!SSL_CTX_use_certificate_chain_file(e->ctx, c->cert_file))
            return aio__ossl_load_failed(c, e, "cannot use the certificate", c->cert_file);
        if (!SSL_CTX_use_PrivateKey_file(e->ctx, c->key_file, SSL_FILETYPE_PEM)) /* (and it matches) */
            return aio__ossl_load_failed(c, e, "cannot use the private key", c->key_file);
    }
    c->engine = e;
    return AIO_OK;
}

static void aio__tls_e_unload(aio_tls_config *c) {
    aio__ossl *e = (aio__ossl *)c->engine;
    SSL_CTX_free(e->ctx);
    BIO_meth_free(e->bio);
    AIO_FREE(e);
}

static aio_status aio__tls_e_new(aio_tls *tls) {
    aio__ossl *e = (aio__ossl *)tls->config->engine;
    SSL *ssl;
    BIO *bio;
    ERR_clear_error();
#ifdef AIO__OSSL_SIM_RAND
    aio__ossl_sim_rand_set();
#endif
    ssl = SSL_new(e->ctx);
    bio = ssl ? BIO_new(e->bio) : NULL; /* LCOV_EXCL_BR_LINE: out of memory */
    if (!bio) { /* LCOV_EXCL_START: out of memory */
        SSL_free(ssl);
        aio__ossl_reason(tls->error, sizeof tls->error);
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    BIO_set_data(bio, tls);
    BIO_set_init(bio, 1);
    SSL_set_bio(ssl, bio, bio); /* (the session owns it) */
    if (tls->config->flags & AIO_TLS_SERVER)
        SSL_set_accept_state(ssl);
    else
        SSL_set_connect_state(ssl);
    tls->engine = ssl;
    return AIO_OK;
}

static void aio__tls_e_delete(aio_tls *tls) { SSL_free((SSL *)tls->engine); }

/* A client's server name: sent (SNI) unless it is an address, and the
 * certificate's name (or address) checked against it unless verification
 * is off. */
static aio_status aio__tls_e_name(aio_tls *tls, const char *name) {
    SSL *ssl = (SSL *)tls->engine;
    int verify = !(tls->config->flags & AIO_TLS_NO_VERIFY);
    ASN1_OCTET_STRING *ip;
    if (!name) return AIO_OK;
    ERR_clear_error();
    ip = a2i_IPADDRESS(name);
    if (ip) {
        ASN1_OCTET_STRING_free(ip);
        if (!verify || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)) /* LCOV_EXCL_BR_LINE */
            return AIO_OK; /* (an address it has just parsed: always taken) */
    } else if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                        AIO__UNCONST(char, name))) { /* (SSL_set_tlsext_host_name, whose cast
                                                         -Wcast-qual reports in the user's build) */
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!verify || SSL_set1_host(ssl, name)) return AIO_OK; /* LCOV_EXCL_BR_LINE: (out of memory) */
    }
    aio__ossl_reason(tls->error, sizeof tls->error); /* (a name too long to send) */
    return AIO_EINVAL;
}

/* Why the last call of the session failed (ret: what it returned): a way
 * to wait, the end (0), or a status, with tls->error saying why. */
static aio_status aio__ossl_failed(aio_tls *tls, int ret, int handshake) {
    SSL *ssl = (SSL *)tls->engine;
    int e = SSL_get_error(ssl, ret);
    unsigned long code = ERR_peek_error();
    long verified = SSL_get_verify_result(ssl);
    aio_status rc = AIO_ETLS;
    if (e == SSL_ERROR_WANT_READ) return AIO_WANT_READ;
    if (e == SSL_ERROR_WANT_WRITE) return AIO_WANT_WRITE;
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_SSL && verified != X509_V_OK && ERR_GET_REASON(code) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: %s",
                       X509_verify_cert_error_string(verified));
        rc = AIO_ECERT;
    } else if (tls->io_status) {
        (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(tls->io_status));
        rc = tls->io_status;
    } else if (tls->eof && handshake) {
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection during the handshake");
    } else if (tls->eof) {
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection without close_notify "
                                                      "(AIO_TLS_LENIENT_EOF reads that as the end)");
        rc = AIO_ETRUNCATED;
    } else {
        aio__ossl_reason(tls->error, sizeof tls->error);
    }
    ERR_clear_error();
    return rc;
}

static aio_status aio__tls_e_handshake(aio_tls *tls) {
    int ret;
    ERR_clear_error();
    tls->io_status = 0;
    ret = SSL_do_handshake((SSL *)tls->engine);
    return ret == 1 ? AIO_OK : aio__ossl_failed(tls, ret, 1);
}

static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len) {
    size_t n = 0;
    ERR_clear_error();
    tls->io_status = 0;
    if (SSL_read_ex((SSL *)tls->engine, buf, len, &n)) return (aio_status)n; /* (n <= len: a stream's room) */
    return aio__ossl_failed(tls, 0, 0);
}

static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len) {
    size_t n = 0;
    ERR_clear_error();
    tls->io_status = 0;
    if (SSL_write_ex((SSL *)tls->engine, buf, len, &n)) return (aio_status)n; /* (a record at most) */
    return aio__ossl_failed(tls, 0, 0);
}

static aio_status aio__tls_e_shutdown(aio_tls *tls) {
    int ret;
    ERR_clear_error();
    tls->io_status = 0;
    ret = SSL_shutdown((SSL *)tls->engine);
    if (ret >= 0) return ret; /* 0: ours sent; 1: and the peer's had */
    if (tls->io_status && (SSL_get_shutdown((SSL *)tls->engine) & SSL_RECEIVED_SHUTDOWN)) {
        ERR_clear_error();
        return 1; /* (the peer ended first, and closed: ours has nowhere to go) */
    }
    return aio__ossl_failed(tls, ret, 0);
}

static const aio_tls_engine aio__tls_openssl = {
    "OpenSSL", aio__tls_e_load, aio__tls_e_unload, aio__tls_e_new, aio__tls_e_delete, aio__tls_e_name,
    aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write, aio__tls_e_shutdown};
AIO__TLS_BUILTIN(aio__tls_openssl)
#endif /* AIO__TLS_OPENSSL */

#ifdef AIO__TLS_MBEDTLS
// >>tls-mbedtls
/* ----------------------------------------------------- TLS: Mbed TLS's engine */

/* Mbed TLS 2.28 (Debian's libmbedtls-dev). A configuration is an
 * mbedtls_ssl_config with what it points to: the trusted CAs, this side's
 * certificate and key, a random generator seeded from the system's entropy
 * (in a simulation, the simulation's: aio__mbed_random; the sessions of one
 * configuration belong to one thread); a session an
 * mbedtls_ssl_context whose transport callbacks read and write the socket
 * through aio__tls_io_recv and aio__tls_io_send. Mbed TLS 2.28 checks a
 * certificate's names but not its addresses: a client that verifies an
 * address checks it against the certificate's iPAddress names itself, once
 * the handshake is done. With no CAs given, the system's trust store is the
 * first of the usual bundle files that exists. */
typedef struct aio__mbed {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca, own;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} aio__mbed;
typedef struct aio__mbed_session {
    mbedtls_ssl_context ssl;
    unsigned char ip[16]; /* the address a client verifies (ip_len: 4 or 16), or none */
    uint8_t ip_len;
    uint8_t peer_closed;  /* the peer's close_notify came */
} aio__mbed_session;
static const char *const aio__mbed_trust[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                              "/etc/ssl/cert.pem", NULL};

static int aio__mbed_send(void *ctx, const unsigned char *buf, size_t len) {
    aio_status rc = aio__tls_io_send((aio_tls *)ctx, buf, len);
    if (rc >= 0) return rc;
    return rc == AIO__AGAIN ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_NET_SEND_FAILED;
}
static int aio__mbed_recv(void *ctx, unsigned char *buf, size_t len) {
    aio_status rc = aio__tls_io_recv((aio_tls *)ctx, buf, len);
    if (rc >= 0) return rc;
    return rc == AIO__AGAIN ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_NET_RECV_FAILED;
}

/* The engine's random bytes: the configuration's generator; in a
 * simulation, the simulation's seeded one (aio_sim_random), so that a run
 * replays by its seed: its keys, nonces and randoms (not the wall clock's
 * seconds Mbed TLS puts in each hello: docs/simulation.md). */
static int aio__mbed_random(void *drbg, unsigned char *out, size_t len) {
#ifdef AIO__SIM
    if (aio_sim_active()) {
        size_t i;
        for (i = 0; i < len; i++) out[i] = (unsigned char)aio_sim_random(256);
        return 0;
    }
#endif
    return mbedtls_ctr_drbg_random(drbg, out, len);
}

static void aio__mbed_unload(aio__mbed *e) {
    mbedtls_ssl_config_free(&e->conf);
    mbedtls_x509_crt_free(&e->ca);
    mbedtls_x509_crt_free(&e->own);
    mbedtls_pk_free(&e->key);
    mbedtls_ctr_drbg_free(&e->drbg);
    mbedtls_entropy_free(&e->entropy);
    AIO_FREE(e);
}
/* A configuration that could not load: why, in c->error. */
static aio_status aio__mbed_load_failed(aio_tls_config *c, aio__mbed *e, const char *what, const char *file, int ret) {
    char reason[96];
    mbedtls_strerror(ret, reason, sizeof reason);
    (void)snprintf(c->error, sizeof c->error, "%s%s%s: %s", what, file ? " " : "", file ? file : "", /* LCOV_EXCL_BR_LINE: (below) */
                   reason); /* (no file: only the failures that cannot happen) */
    aio__mbed_unload(e);
    return AIO_ETLS;
}

static aio_status aio__tls_e_load(aio_tls_config *c) {
    int server = (c->flags & AIO_TLS_SERVER) != 0;
    int verify = server ? (c->flags & AIO_TLS_VERIFY_CLIENT) != 0 : !(c->flags & AIO_TLS_NO_VERIFY);
    aio__mbed *e = (aio__mbed *)AIO_MALLOC(sizeof *e);
    int ret;
    int i;
    if (!e) {
        (void)snprintf(c->error, sizeof c->error, "out of memory");
        return AIO_ETLS;
    }
    memset(e, 0, sizeof *e);
    mbedtls_ssl_config_init(&e->conf);
    mbedtls_x509_crt_init(&e->ca);
    mbedtls_x509_crt_init(&e->own);
    mbedtls_pk_init(&e->key);
    mbedtls_entropy_init(&e->entropy);
    mbedtls_ctr_drbg_init(&e->drbg);
    ret = mbedtls_ctr_drbg_seed(&e->drbg, mbedtls_entropy_func, &e->entropy, (const unsigned char *)"aio_timeout", 11);
    if (!ret) /* LCOV_EXCL_BR_LINE: (seeding fails only without entropy) */
        ret = mbedtls_ssl_config_defaults(&e->conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret) return aio__mbed_load_failed(c, e, "the TLS engine could not start", NULL, ret); /* LCOV_EXCL_LINE */
    mbedtls_ssl_conf_rng(&e->conf, aio__mbed_random, &e->drbg);
    mbedtls_ssl_conf_min_version(&e->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
    mbedtls_ssl_conf_authmode(&e->conf, verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
    if (verify) {
        if (c->ca_file && (ret = mbedtls_x509_crt_parse_file(&e->ca, c->ca_file)) != 0)
            return aio__mbed_load_failed(c, e, "cannot load the trusted CAs from", c->ca_file, ret);
        if (c->ca_dir && (ret = mbedtls_x509_crt_parse_path(&e->ca, c->ca_dir)) < 0)
            return aio__mbed_load_failed(c, e, "cannot load the trusted CAs from", c->ca_dir, ret);
        for (i = 0, ret = -1; !c->ca_file && !c->ca_dir && ret < 0 && aio__mbed_trust[i]; i++) /* LCOV_EXCL_BR_LINE: (one found) */
            ret = mbedtls_x509_crt_parse_file(&e->ca, aio__mbed_trust[i]);
        if (!c->ca_file && !c->ca_dir && ret < 0) /* LCOV_EXCL_START: (a system without a trust store) */
            return aio__mbed_load_failed(c, e, "cannot load the system's trust store (give ca_file)", NULL, ret);
        /* LCOV_EXCL_STOP */
        mbedtls_ssl_conf_ca_chain(&e->conf, &e->ca, NULL);
    }
    if (c->cert_file) {
        if ((ret = mbedtls_x509_crt_parse_file(&e->own, c->cert_file)) != 0)
            return aio__mbed_load_failed(c, e, "cannot use the certificate", c->cert_file, ret);
        if ((ret = mbedtls_pk_parse_keyfile(&e->key, c->key_file, NULL)) != 0 ||
            (ret = mbedtls_ssl_conf_own_cert(&e->conf, &e->own, &e->key)) != 0)
            return aio__mbed_load_failed(c, e, "cannot use the private key", c->key_file, ret);
        if (mbedtls_pk_check_pair(&e->own.pk, &e->key) != 0) {
            (void)snprintf(c->error, sizeof c->error, "cannot use the private key %s: key values mismatch", c->key_file);
            aio__mbed_unload(e);
            return AIO_ETLS;
        }
    }
    c->engine = e;
    return AIO_OK;
}

static void aio__tls_e_unload(aio_tls_config *c) { aio__mbed_unload((aio__mbed *)c->engine); }

static aio_status aio__tls_e_new(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)AIO_MALLOC(sizeof *m);
    int ret;
    if (!m) {
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        return AIO_ETLS;
    }
    memset(m, 0, sizeof *m);
    mbedtls_ssl_init(&m->ssl);
    ret = mbedtls_ssl_setup(&m->ssl, &((aio__mbed *)tls->config->engine)->conf);
    if (ret) { /* LCOV_EXCL_START: out of memory */
        mbedtls_strerror(ret, tls->error, sizeof tls->error);
        mbedtls_ssl_free(&m->ssl);
        AIO_FREE(m);
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    mbedtls_ssl_set_bio(&m->ssl, tls, aio__mbed_send, aio__mbed_recv, NULL);
    tls->engine = m;
    return AIO_OK;
}

static void aio__tls_e_delete(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    mbedtls_ssl_free(&m->ssl);
    AIO_FREE(m);
}

static aio_status aio__tls_e_name(aio_tls *tls, const char *name) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    if (!name) return AIO_OK;
    if (inet_pton(AF_INET, name, m->ip) == 1) {
        m->ip_len = 4;
    } else if (inet_pton(AF_INET6, name, m->ip) == 1) {
        m->ip_len = 16;
    } else if ((ret = mbedtls_ssl_set_hostname(&m->ssl, name)) != 0) { /* (sent, and verified) */
        mbedtls_strerror(ret, tls->error, sizeof tls->error);
        return AIO_EINVAL;
    }
    if (tls->config->flags & AIO_TLS_NO_VERIFY) m->ip_len = 0;
    return AIO_OK;
}

/* The peer's alerts by name, as the other engines say them. */
static const char *aio__mbed_alert(unsigned char code) {
    static const struct { unsigned char code; const char *name; } names[] = {
        {10, "unexpected message"}, {20, "bad record mac"}, {40, "handshake failure"},
        {42, "bad certificate"}, {43, "unsupported certificate"}, {44, "certificate revoked"},
        {45, "certificate expired"}, {46, "certificate unknown"}, {47, "illegal parameter"},
        {48, "unknown ca"}, {49, "access denied"}, {50, "decode error"}, {51, "decrypt error"},
        {70, "protocol version"}, {71, "insufficient security"}, {80, "internal error"},
        {112, "unrecognized name"}, {116, "certificate required"}, {120, "no application protocol"}};
    size_t i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code) return names[i].name;
    return "of an unknown kind"; /* LCOV_EXCL_LINE */
}

/* Why the last call of the session failed (ret: what it returned): a way
 * to wait, the end (0), or a status, with tls->error saying why. */
static aio_status aio__mbed_failed(aio_tls *tls, int ret, int handshake) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) return AIO_WANT_READ;
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) return AIO_WANT_WRITE;
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        m->peer_closed = 1;
        return 0;
    }
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        char why[96];
        char *nl;
        (void)mbedtls_x509_crt_verify_info(why, sizeof why, "", mbedtls_ssl_get_verify_result(&m->ssl));
        nl = strchr(why, '\n');
        if (nl) *nl = '\0';
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: %s", why);
        return AIO_ECERT;
    }
    if (tls->io_status) {
        (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(tls->io_status));
        return tls->io_status;
    }
    if (tls->eof || ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        if (handshake) {
            (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection during the handshake");
            return AIO_ETLS;
        }
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection without close_notify "
                                                      "(AIO_TLS_LENIENT_EOF reads that as the end)");
        return AIO_ETRUNCATED;
    }
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
        (void)snprintf(tls->error, sizeof tls->error, "the peer's alert: %s", aio__mbed_alert(m->ssl.in_msg[1]));
    else if (ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE)
        (void)snprintf(tls->error, sizeof tls->error, "the peer sent no certificate, and one is required");
    else
        mbedtls_strerror(ret, tls->error, sizeof tls->error);
    return AIO_ETLS;
}

/* A client's check of the address it verifies against the certificate's
 * iPAddress names (Mbed TLS 2.28 checks names only). */
static aio_status aio__mbed_check_ip(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&m->ssl);
    const mbedtls_x509_sequence *san;
    for (san = peer ? &peer->subject_alt_names : NULL; san; san = san->next) /* LCOV_EXCL_BR_LINE: (verified: a peer) */
        if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == m->ip_len &&
            memcmp(san->buf.p, m->ip, m->ip_len) == 0)
            return AIO_OK;
    (void)mbedtls_ssl_send_alert_message(&m->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
    (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: IP address mismatch");
    return AIO_ECERT;
}

static aio_status aio__tls_e_handshake(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    tls->io_status = 0;
    ret = mbedtls_ssl_handshake(&m->ssl);
    if (ret == 0) return m->ip_len ? aio__mbed_check_ip(tls) : AIO_OK;
    return aio__mbed_failed(tls, ret, 1);
}

static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    if (m->peer_closed) return 0;
    tls->io_status = 0;
    ret = mbedtls_ssl_read(&m->ssl, (unsigned char *)buf, len);
    return ret > 0 ? ret : aio__mbed_failed(tls, ret, 0);
}

static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    tls->io_status = 0;
    ret = mbedtls_ssl_write(&m->ssl, (const unsigned char *)buf, len);
    return ret > 0 ? ret : aio__mbed_failed(tls, ret, 0);
}

static aio_status aio__tls_e_shutdown(aio_tls *tls) {
    aio__mbed_session *m = (aio__mbed_session *)tls->engine;
    int ret;
    tls->io_status = 0;
    ret = mbedtls_ssl_close_notify(&m->ssl);
    if (ret == 0) return m->peer_closed; /* 0: ours sent; 1: and the peer's had */
    if (tls->io_status && m->peer_closed) return 1; /* (the peer ended first, and closed) */
    return aio__mbed_failed(tls, ret, 0);
}

static const aio_tls_engine aio__tls_mbedtls = {
    "Mbed TLS", aio__tls_e_load, aio__tls_e_unload, aio__tls_e_new, aio__tls_e_delete, aio__tls_e_name,
    aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write, aio__tls_e_shutdown};
AIO__TLS_BUILTIN(aio__tls_mbedtls)
#endif /* AIO__TLS_MBEDTLS */

#ifdef AIO__TLS_SCHANNEL
// >>tls-schannel
/* ----------------------------------------------------- TLS: SChannel's engine */

/* Windows' own TLS: SChannel through secur32, the certificates through
 * crypt32 (link -lsecur32 -lcrypt32 -lws2_32; MSVC is told so in >>impl). A
 * client only: a configuration is a credentials handle (TLS 1.2 at least)
 * and, with ca_file, a memory store of those CAs; a session a security
 * context and its two buffers: `in`, the records read from the socket and
 * not yet decrypted (DecryptMessage decrypts one in place: its plain text
 * is taken from there, the next records' bytes after it kept), and `out`,
 * a handshake token, a record or the close_notify not yet sent (a write
 * that meets a full socket keeps its record there: the next call, with the
 * same bytes, sends the rest). SChannel never sees the socket: its tokens
 * and records go through aio__tls_io_recv and aio__tls_io_send.
 *
 * The server's certificate is verified here, once the handshake is done
 * (SCH_CRED_MANUAL_CRED_VALIDATION, as SChannel's own check may block on
 * the network): its chain built by CertGetCertificateChain from the
 * certificates the server sent and what Windows has cached, never fetched
 * (CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL: the server sends its chain, as
 * OpenSSL requires too); without ca_file its root must be in the
 * system's store; with ca_file it must be one of those CAs and nothing else
 * (the system's roots are not trusted then, as OpenSSL's
 * load_verify_locations); then the SSL policy checks the name (an address:
 * the certificate's iPAddress names, checked here, as wine's policy reads
 * host names only). A server
 * (AcceptSecurityContext, a certificate and its key) and a client's
 * certificate are not done: aio_tls_config_load refuses them (AIO_EINVAL);
 * wine's SChannel, where this engine is tested, has no server side
 * (tests/windows/README.md). */
#define AIO__SCH_IN (16384u + 2048u + 512u) /* a record at most: 5 + 2^14 + 2048 (TLS 1.2's expansion) */
#define AIO__SCH_IN_MAX ((size_t)8 * AIO__SCH_IN) /* a handshake's flight that SChannel wants whole (a long chain) */
#define AIO__SCH_REQ                                                                                     \
    (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY | \
     ISC_REQ_STREAM | ISC_REQ_MANUAL_CRED_VALIDATION)
#define AIO__SCH_IGNORE_UNKNOWN_CA 0x00000100u /* (wininet.h's SECURITY_FLAG_IGNORE_UNKNOWN_CA) */
#define AIO__SCH_IGNORE_NAME 0x00001000u       /* (and SECURITY_FLAG_IGNORE_CERT_CN_INVALID) */
typedef struct aio__sch {
    CredHandle cred;
    HCERTSTORE roots; /* ca_file's CAs, the only roots trusted (NULL: the system's store) */
} aio__sch;
typedef struct aio__sch_session {
    CtxtHandle ctx;
    SecPkgContext_StreamSizes sizes;
    unsigned char *in, *out;
    size_t in_len, in_size;     /* the bytes in `in`, its size */
    size_t plain_at, plain_end; /* the plain text decrypted in `in` and not yet taken */
    size_t extra;               /* the next records' bytes: the last `extra` of `in` */
    size_t out_len, out_at, out_size;
    size_t out_plain;           /* the plain bytes of a write that the record in `out` carries */
    char name[256];             /* the server's name (sent, and verified) */
    uint8_t has_ctx, more, negotiated, reneg, peer_closed, closing;
    uint8_t now; /* SEC_I_RENEGOTIATE: SChannel is called at once, with what `in` holds (maybe nothing) */
} aio__sch_session;

/* SChannel's and crypt32's statuses in words; *cert: a certificate's. */
static const char *aio__sch_words(long ss, int *cert) {
    static const struct { long ss; int cert; const char *words; } words[] = {
        {(long)SEC_E_UNTRUSTED_ROOT, 1, "certificate verify failed: unknown authority (the chain's root is not trusted)"},
        {(long)CERT_E_UNTRUSTEDROOT, 1, "certificate verify failed: unknown authority (the chain's root is not trusted)"},
        {(long)CERT_E_CHAINING, 1, "certificate verify failed: unknown authority (unable to get the issuer's certificate)"},
        {(long)SEC_E_CERT_EXPIRED, 1, "certificate verify failed: certificate has expired"},
        {(long)CERT_E_EXPIRED, 1, "certificate verify failed: certificate has expired (or is not yet valid)"},
        {(long)SEC_E_WRONG_PRINCIPAL, 1, "certificate verify failed: name mismatch"},
        {(long)CERT_E_CN_NO_MATCH, 1, "certificate verify failed: name mismatch (the certificate is for another name)"},
        {(long)CERT_E_REVOKED, 1, "certificate verify failed: certificate revoked"},
        {(long)CERT_E_WRONG_USAGE, 1, "certificate verify failed: the certificate is not for a TLS server"},
        {(long)TRUST_E_CERT_SIGNATURE, 1, "certificate verify failed: a signature of the chain is wrong"},
        {(long)SEC_E_CERT_UNKNOWN, 1, "certificate verify failed: the certificate was not understood"},
        {(long)SEC_E_ALGORITHM_MISMATCH, 0, "no protocol version or cipher suite in common (SEC_E_ALGORITHM_MISMATCH)"},
        {(long)SEC_E_ILLEGAL_MESSAGE, 0, "the peer's alert, or a message that is not TLS (SEC_E_ILLEGAL_MESSAGE)"},
        {(long)SEC_E_INVALID_TOKEN, 0, "the bytes are not TLS (SEC_E_INVALID_TOKEN)"},
        {(long)SEC_E_DECRYPT_FAILURE, 0, "a record did not decrypt (SEC_E_DECRYPT_FAILURE)"},
        {(long)SEC_E_MESSAGE_ALTERED, 0, "a record was altered (SEC_E_MESSAGE_ALTERED)"},
        {(long)SEC_E_INTERNAL_ERROR, 0, "SChannel's internal error (SEC_E_INTERNAL_ERROR)"},
        {(long)SEC_E_INSUFFICIENT_MEMORY, 0, "out of memory (SEC_E_INSUFFICIENT_MEMORY)"}};
    size_t i;
    for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (words[i].ss == ss) {
            *cert = words[i].cert;
            return words[i].words;
        }
    *cert = 0;
    return NULL;
}
/* A call that failed with ss: why in tls->error (`what` for a status with
 * no words here), AIO_ECERT or AIO_ETLS. */
static aio_status aio__sch_failed(aio_tls *tls, long ss, const char *what) {
    int cert;
    const char *words = aio__sch_words(ss, &cert);
    if (words)
        (void)snprintf(tls->error, sizeof tls->error, "%s", words);
    else
        (void)snprintf(tls->error, sizeof tls->error, "%s (SChannel: 0x%08lx)", what, (unsigned long)ss);
    return cert ? AIO_ECERT : AIO_ETLS;
}

/* What `out` holds, sent: AIO_OK, AIO_WANT_WRITE, or the socket's error. */
static aio_status aio__sch_flush(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    while (m->out_at < m->out_len) {
        aio_status rc = aio__tls_io_send(tls, m->out + m->out_at, m->out_len - m->out_at);
        if (rc == AIO__AGAIN) return AIO_WANT_WRITE;
        if (rc < 0) {
            (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(rc));
            return rc;
        }
        m->out_at += (size_t)rc;
    }
    m->out_at = m->out_len = 0;
    return AIO_OK;
}
/* Room for n more bytes in `out`: a pointer to them, or NULL. */
static unsigned char *aio__sch_room(aio__sch_session *m, size_t n) {
    if (m->out_len + n > m->out_size) {
        unsigned char *grown = (unsigned char *)AIO_REALLOC(m->out, m->out_len + n);
        if (!grown) return NULL; /* LCOV_EXCL_LINE: out of memory */
        m->out = grown;
        m->out_size = m->out_len + n;
    }
    return m->out + m->out_len;
}
/* A token SChannel made (a handshake's, the close_notify), queued in `out`
 * and given back to SChannel. */
static aio_status aio__sch_queue(aio_tls *tls, SecBuffer *token) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    unsigned char *to;
    aio_status rc = AIO_OK;
    if (!token->pvBuffer) return AIO_OK;
    to = token->cbBuffer ? aio__sch_room(m, token->cbBuffer) : m->out;
    if (to) {
        memcpy(to, token->pvBuffer, token->cbBuffer);
        m->out_len += token->cbBuffer;
    } else { /* LCOV_EXCL_START: out of memory */
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        rc = AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    (void)FreeContextBuffer(token->pvBuffer);
    token->pvBuffer = NULL;
    return rc;
}

/* More of the peer's bytes into `in`: AIO_OK, AIO_WANT_READ, or why not (the
 * peer's end: in a handshake, AIO_ETLS; after it, AIO_ETRUNCATED). */
static aio_status aio__sch_fill(aio_tls *tls, int handshake) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio_status rc;
    if (m->in_len == m->in_size && handshake && m->in_size < AIO__SCH_IN_MAX) { /* (SChannel wants more at once) */
        unsigned char *grown = (unsigned char *)AIO_REALLOC(m->in, 2 * m->in_size);
        if (grown) {
            m->in = grown;
            m->in_size *= 2;
        }
    }
    if (m->in_len == m->in_size) {
        (void)snprintf(tls->error, sizeof tls->error, "%s", handshake ? "a handshake message longer than this engine takes"
                                                                       : "a record longer than TLS allows");
        return AIO_ETLS;
    }
    rc = aio__tls_io_recv(tls, m->in + m->in_len, m->in_size - m->in_len);
    if (rc > 0) {
        m->in_len += (size_t)rc;
        m->more = 0;
        return AIO_OK;
    }
    if (rc == AIO__AGAIN) return AIO_WANT_READ;
    if (rc < 0) {
        (void)snprintf(tls->error, sizeof tls->error, "the socket: %s", aio_strerror(rc));
        return rc;
    }
    if (handshake) {
        (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection during the handshake");
        return AIO_ETLS;
    }
    (void)snprintf(tls->error, sizeof tls->error, "the peer closed the connection without close_notify "
                                                  "(AIO_TLS_LENIENT_EOF reads that as the end)");
    return AIO_ETRUNCATED;
}

/* The bytes after the plain text taken (the next records') moved to the
 * start of `in`. */
static void aio__sch_taken(aio__sch_session *m) {
    memmove(m->in, m->in + m->in_len - m->extra, m->extra);
    m->in_len = m->extra;
    m->extra = 0;
    m->plain_at = m->plain_end = 0;
}

/* The header of the record `in` begins with, checked before SChannel sees
 * it: SChannel takes bytes that are not TLS for the start of a long record
 * and waits for the rest (a server that answers the hello in plain text,
 * "HTTP/1.1 400 Bad Request", until the deadline), where OpenSSL and Mbed
 * TLS refuse them at once. A type (20-24: change_cipher_spec, alert,
 * handshake, application_data, heartbeat), version 3.x, a length TLS
 * allows: AIO_OK, else AIO_ETLS with the bytes' start in the reason. */
static aio_status aio__sch_header(aio_tls *tls) {
    const aio__sch_session *m = (const aio__sch_session *)tls->engine;
    const unsigned char *h = m->in;
    size_t n = m->in_len;
    char seen[32];
    size_t i;
    if ((h[0] >= 20 && h[0] <= 24) && (n < 2 || h[1] == 3) &&
        (n < 5 || (((size_t)h[3] << 8) | h[4]) <= (size_t)16384 + 2048))
        return AIO_OK;
    for (i = 0; i < n && i + 1 < sizeof seen && h[i] >= 0x20 && h[i] < 0x7f; i++) seen[i] = (char)h[i];
    seen[i] = '\0';
    (void)snprintf(tls->error, sizeof tls->error, "the peer's bytes are not TLS (they begin \"%s\"): a plain-text "
                                                  "server?", seen);
    return AIO_ETLS;
}

/* The handshake's steps (the first, or one the peer asked for after it:
 * SEC_I_RENEGOTIATE), until SChannel has what it needs and its last token
 * is sent: AIO_OK, AIO_WANT_READ, AIO_WANT_WRITE, or why not. */
static aio_status aio__sch_negotiate(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio__sch *e = (aio__sch *)tls->config->engine;
    int asked = 0; /* (SEC_I_INCOMPLETE_CREDENTIALS: the server asked for a client's certificate) */
    for (;;) {
        SecBuffer in[2];
        SecBuffer out[1];
        SecBufferDesc in_desc;
        SecBufferDesc out_desc;
        unsigned long attributes = 0;
        SECURITY_STATUS ss;
        aio_status rc = aio__sch_flush(tls);
        if (rc != AIO_OK) return rc;
        if (m->negotiated) return AIO_OK;
        if (m->has_ctx && !m->now && (m->in_len == 0 || m->more)) {
            rc = aio__sch_fill(tls, 1);
            if (rc == AIO_OK) rc = aio__sch_header(tls);
            if (rc != AIO_OK) return rc;
        }
        in[0].BufferType = SECBUFFER_TOKEN;
        in[0].pvBuffer = m->in;
        in[0].cbBuffer = (unsigned long)m->in_len;
        in[1].BufferType = SECBUFFER_EMPTY;
        in[1].pvBuffer = NULL;
        in[1].cbBuffer = 0;
        out[0].BufferType = SECBUFFER_TOKEN;
        out[0].pvBuffer = NULL;
        out[0].cbBuffer = 0;
        in_desc.ulVersion = out_desc.ulVersion = SECBUFFER_VERSION;
        in_desc.cBuffers = 2;
        in_desc.pBuffers = in;
        out_desc.cBuffers = 1;
        out_desc.pBuffers = out;
        ss = InitializeSecurityContextA(&e->cred, m->has_ctx ? &m->ctx : NULL, m->name[0] ? m->name : NULL,
                                        AIO__SCH_REQ, 0, 0, m->has_ctx ? &in_desc : NULL, 0, &m->ctx, &out_desc,
                                        &attributes, NULL);
        if (ss == SEC_E_OK || ss == SEC_I_CONTINUE_NEEDED) m->has_ctx = 1;
        m->now = 0;
        rc = aio__sch_queue(tls, &out[0]); /* (a failure may have made an alert) */
        if (ss == SEC_E_INCOMPLETE_MESSAGE) {
            m->more = 1;
            continue;
        }
        if (ss == SEC_I_INCOMPLETE_CREDENTIALS && !asked++) continue; /* (go on without: the server decides) */
        if (ss != SEC_E_OK && ss != SEC_I_CONTINUE_NEEDED) {
            (void)aio__sch_flush(tls); /* (the alert, if any: the peer hears why) */
            return aio__sch_failed(tls, (long)ss, "the handshake failed");
        }
        if (rc != AIO_OK) return rc; /* LCOV_EXCL_LINE: out of memory */
        m->extra = in[1].BufferType == SECBUFFER_EXTRA ? in[1].cbBuffer : 0;
        if (!m->has_ctx || m->extra > m->in_len) m->extra = 0; /* (the first call has no input) */
        aio__sch_taken(m);
        if (ss == SEC_E_OK) m->negotiated = 1;
    }
}

/* Whether the certificate names the address ip[0..len) among its
 * iPAddress names (the SSL policy checks host names only, under wine). */
static int aio__sch_has_ip(PCCERT_CONTEXT cert, const unsigned char *ip, DWORD len) {
    PCERT_EXTENSION ext = CertFindExtension(szOID_SUBJECT_ALT_NAME2, cert->pCertInfo->cExtension,
                                            cert->pCertInfo->rgExtension);
    CERT_ALT_NAME_INFO *info = NULL;
    DWORD size = 0;
    DWORD i;
    int found = 0;
    if (!ext || !CryptDecodeObjectEx(X509_ASN_ENCODING, X509_ALTERNATE_NAME, ext->Value.pbData, ext->Value.cbData,
                                     CRYPT_DECODE_ALLOC_FLAG, NULL, &info, &size))
        return 0;
    for (i = 0; i < info->cAltEntry; i++)
        if (info->rgAltEntry[i].dwAltNameChoice == CERT_ALT_NAME_IP_ADDRESS &&
            info->rgAltEntry[i].IPAddress.cbData == len && memcmp(info->rgAltEntry[i].IPAddress.pbData, ip, len) == 0)
            found = 1;
    (void)LocalFree(info);
    return found;
}

/* The verification's failure: ss, in words, and AIO_ECERT. */
static aio_status aio__sch_refuse(aio_tls *tls, long ss) {
    aio_status rc = aio__sch_failed(tls, ss, "certificate verify failed");
    return rc == AIO_ETLS ? AIO_ECERT : rc;
}
/* What the chain's trust status says, as a status (0: nothing wrong); with
 * ca_file's CAs, its root must be one of them. */
static long aio__sch_trust(const aio__sch *e, PCCERT_CHAIN_CONTEXT chain) {
    DWORD trust = chain->TrustStatus.dwErrorStatus &
                  ~(DWORD)(CERT_TRUST_REVOCATION_STATUS_UNKNOWN | CERT_TRUST_IS_OFFLINE_REVOCATION);
    if (e->roots && chain->cChain > 0 && chain->rgpChain[0]->cElement > 0) { /* its root: one of ca_file's? */
        const CERT_SIMPLE_CHAIN *simple = chain->rgpChain[0];
        PCCERT_CONTEXT root = simple->rgpElement[simple->cElement - 1]->pCertContext;
        PCCERT_CONTEXT found = CertFindCertificateInStore(e->roots, X509_ASN_ENCODING, 0, CERT_FIND_EXISTING, root, NULL);
        if (found) {
            CertFreeCertificateContext(found);
            trust &= ~(DWORD)CERT_TRUST_IS_UNTRUSTED_ROOT;
        } else {
            trust |= CERT_TRUST_IS_UNTRUSTED_ROOT; /* (even a root of the system's) */
        }
    }
    if (trust & CERT_TRUST_IS_PARTIAL_CHAIN) return (long)CERT_E_CHAINING;
    if (trust & CERT_TRUST_IS_UNTRUSTED_ROOT) return (long)CERT_E_UNTRUSTEDROOT;
    if (trust & CERT_TRUST_IS_NOT_TIME_VALID) return (long)CERT_E_EXPIRED;
    if (trust & CERT_TRUST_IS_NOT_SIGNATURE_VALID) return (long)TRUST_E_CERT_SIGNATURE;
    if (trust & CERT_TRUST_IS_REVOKED) return (long)CERT_E_REVOKED;
    if (trust & CERT_TRUST_IS_NOT_VALID_FOR_USAGE) return (long)CERT_E_WRONG_USAGE;
    return trust ? (long)CERT_E_CHAINING : 0;
}

/* The server's name, by the SSL policy (its root was checked before; an
 * address: here, against the certificate's iPAddress names). */
static long aio__sch_name(aio_tls *tls, PCCERT_CONTEXT peer, PCCERT_CHAIN_CONTEXT chain) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    CERT_CHAIN_POLICY_PARA policy;
    CERT_CHAIN_POLICY_STATUS status;
    SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl;
    wchar_t name[256];
    unsigned char ip[16];
    DWORD ip_len = 0;
    if (inet_pton(AF_INET, m->name, ip) == 1)
        ip_len = 4;
    else if (inet_pton(AF_INET6, m->name, ip) == 1)
        ip_len = 16;
    if (ip_len && !aio__sch_has_ip(peer, ip, ip_len)) {
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: IP address mismatch");
        return (long)CERT_E_CN_NO_MATCH;
    }
    if (!MultiByteToWideChar(CP_UTF8, 0, m->name, -1, name, (int)(sizeof name / sizeof name[0]))) name[0] = 0;
    memset(&ssl, 0, sizeof ssl);
    ssl.cbSize = sizeof ssl;
    ssl.dwAuthType = AUTHTYPE_SERVER;
    ssl.fdwChecks = (((aio__sch *)tls->config->engine)->roots ? AIO__SCH_IGNORE_UNKNOWN_CA : 0) |
                    (ip_len ? AIO__SCH_IGNORE_NAME : 0);
    ssl.pwszServerName = name;
    memset(&policy, 0, sizeof policy);
    policy.cbSize = sizeof policy;
    policy.pvExtraPolicyPara = &ssl;
    memset(&status, 0, sizeof status);
    status.cbSize = sizeof status;
    if (!CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, chain, &policy, &status))
        return (long)GetLastError(); /* LCOV_EXCL_LINE: (the SSL policy is always there) */
    return (long)status.dwError;
}

/* The server's certificate verified: its chain, its root, its name. */
static aio_status aio__sch_verify(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio__sch *e = (aio__sch *)tls->config->engine;
    PCCERT_CONTEXT peer = NULL;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    HCERTSTORE more = NULL;
    CERT_CHAIN_PARA para;
    long ss = 0;
    if (QueryContextAttributesA(&m->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&peer) != SEC_E_OK || !peer) {
        (void)snprintf(tls->error, sizeof tls->error, "certificate verify failed: the server sent no certificate");
        return AIO_ECERT;
    }
    memset(&para, 0, sizeof para);
    para.cbSize = sizeof para;
    if (e->roots) { /* the server's certificates and ca_file's, to build the chain from */
        more = CertOpenStore(CERT_STORE_PROV_COLLECTION, 0, 0, 0, NULL);
        if (more) {
            (void)CertAddStoreToCollection(more, peer->hCertStore, 0, 0);
            (void)CertAddStoreToCollection(more, e->roots, 0, 0);
        }
    }
    if ((e->roots && !more) || /* LCOV_EXCL_BR_LINE: out of memory */
        !CertGetCertificateChain(NULL, peer, NULL, more ? more : peer->hCertStore, &para,
                                 CERT_CHAIN_CACHE_ONLY_URL_RETRIEVAL, NULL, &chain)) /* (never the network) */
        ss = (long)GetLastError();
    else
        ss = aio__sch_trust(e, chain);
    if (!ss) ss = aio__sch_name(tls, peer, chain);
    if (chain) CertFreeCertificateChain(chain);
    if (more) (void)CertCloseStore(more, 0);
    CertFreeCertificateContext(peer);
    if (ss && tls->error[0]) return AIO_ECERT; /* (its words said: an address) */
    return ss ? aio__sch_refuse(tls, ss) : AIO_OK;
}

/* The trusted CAs of a PEM file, into a memory store: AIO_OK, or why not. */
static aio_status aio__sch_load_cas(aio_tls_config *c, aio__sch *e) {
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    FILE *f = fopen(c->ca_file, "rb");
    char *text = NULL;
    char *at;
    long size = -1;
    int count = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) text = (char *)AIO_MALLOC((size_t)size + 1);
    if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) {
        (void)snprintf(c->error, sizeof c->error, "cannot load the trusted CAs from %s: %s", c->ca_file,
                       f ? "cannot read it" : strerror(errno));
        if (f) (void)fclose(f);
        AIO_FREE(text);
        return AIO_ETLS;
    }
    (void)fclose(f);
    text[size] = '\0';
    e->roots = CertOpenStore(CERT_STORE_PROV_MEMORY, 0, 0, CERT_STORE_CREATE_NEW_FLAG, NULL);
    for (at = strstr(text, begin); e->roots && at; at = strstr(at, begin)) {
        char *stop = strstr(at, end);
        BYTE *der = NULL;
        DWORD n = 0;
        if (!stop) break;
        stop += sizeof end - 1;
        if (CryptStringToBinaryA(at, (DWORD)(stop - at), CRYPT_STRING_BASE64HEADER, NULL, &n, NULL, NULL) &&
            (der = (BYTE *)AIO_MALLOC(n)) != NULL &&
            CryptStringToBinaryA(at, (DWORD)(stop - at), CRYPT_STRING_BASE64HEADER, der, &n, NULL, NULL) &&
            CertAddEncodedCertificateToStore(e->roots, X509_ASN_ENCODING, der, n, CERT_STORE_ADD_ALWAYS, NULL))
            count++;
        AIO_FREE(der);
        at = stop;
    }
    AIO_FREE(text);
    if (!count) {
        (void)snprintf(c->error, sizeof c->error, "cannot load the trusted CAs from %s: no PEM certificate in it",
                       c->ca_file);
        return AIO_ETLS;
    }
    return AIO_OK;
}

static void aio__sch_unload(aio__sch *e, int cred) {
    if (cred) (void)FreeCredentialsHandle(&e->cred);
    if (e->roots) (void)CertCloseStore(e->roots, 0);
    AIO_FREE(e);
}

static aio_status aio__tls_e_load(aio_tls_config *c) {
    static const unsigned long protocols[] = {SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT, SP_PROT_TLS1_2_CLIENT};
    aio__sch *e;
    SCHANNEL_CRED sc;
    SECURITY_STATUS ss = SEC_E_INTERNAL_ERROR;
    size_t i;
    if (c->flags & AIO_TLS_SERVER)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the SChannel engine (AIO_TLS_SCHANNEL) is a client's only: "
                               "no AIO_TLS_SERVER");
    if (c->cert_file)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the SChannel engine (AIO_TLS_SCHANNEL) shows no client "
                               "certificate: no cert_file");
    if (c->ca_dir)
        return aio__tls_misuse(c->error, sizeof c->error, AIO_EINVAL,
                               "aio_tls_config_load: the SChannel engine (AIO_TLS_SCHANNEL) takes its CAs from "
                               "ca_file (PEM), not ca_dir");
    e = (aio__sch *)AIO_MALLOC(sizeof *e);
    if (!e) { /* LCOV_EXCL_START: out of memory */
        (void)snprintf(c->error, sizeof c->error, "out of memory");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    memset(e, 0, sizeof *e);
    if (c->ca_file && !(c->flags & AIO_TLS_NO_VERIFY) && aio__sch_load_cas(c, e) != AIO_OK) {
        aio__sch_unload(e, 0);
        return AIO_ETLS;
    }
    /* TLS 1.2 and 1.3; a Windows that does not know 1.3 here refuses the
     * pair: then 1.2 alone */
    for (i = 0; i < sizeof protocols / sizeof protocols[0] && ss != SEC_E_OK; i++) {
        memset(&sc, 0, sizeof sc);
        sc.dwVersion = SCHANNEL_CRED_VERSION;
        sc.grbitEnabledProtocols = protocols[i];
        sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS | SCH_USE_STRONG_CRYPTO;
        ss = AcquireCredentialsHandleA(NULL, (SEC_CHAR *)UNISP_NAME_A, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL, NULL,
                                       &e->cred, NULL);
    }
    if (ss != SEC_E_OK) {
        (void)snprintf(c->error, sizeof c->error, "the TLS engine could not start: AcquireCredentialsHandle: 0x%08lx",
                       (unsigned long)ss);
        aio__sch_unload(e, 0);
        return AIO_ETLS;
    }
    c->engine = e;
    return AIO_OK;
}

static void aio__tls_e_unload(aio_tls_config *c) { aio__sch_unload((aio__sch *)c->engine, 1); }

static aio_status aio__tls_e_new(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)AIO_MALLOC(sizeof *m);
    unsigned char *in = (unsigned char *)AIO_MALLOC(AIO__SCH_IN);
    if (!m || !in) { /* LCOV_EXCL_START: out of memory */
        AIO_FREE(m);
        AIO_FREE(in);
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    memset(m, 0, sizeof *m);
    m->in = in;
    m->in_size = AIO__SCH_IN;
    tls->engine = m;
    return AIO_OK;
}

static void aio__tls_e_delete(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    if (m->has_ctx) (void)DeleteSecurityContext(&m->ctx);
    AIO_FREE(m->in);
    AIO_FREE(m->out);
    AIO_FREE(m);
}

static aio_status aio__tls_e_name(aio_tls *tls, const char *name) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    size_t n;
    if (!name) return AIO_OK;
    n = strlen(name);
    if (n >= sizeof m->name) {
        (void)snprintf(tls->error, sizeof tls->error, "the server name is longer than 255 bytes");
        return AIO_EINVAL;
    }
    memcpy(m->name, name, n + 1);
    return AIO_OK;
}

static aio_status aio__tls_e_handshake(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio_status rc;
    SECURITY_STATUS ss;
    tls->io_status = 0;
    rc = aio__sch_negotiate(tls);
    if (rc != AIO_OK) return rc;
    if (!(tls->config->flags & AIO_TLS_NO_VERIFY) && (rc = aio__sch_verify(tls)) != AIO_OK) return rc;
    ss = QueryContextAttributesA(&m->ctx, SECPKG_ATTR_STREAM_SIZES, &m->sizes);
    if (ss != SEC_E_OK) return aio__sch_failed(tls, (long)ss, "the record sizes are not known");
    return AIO_OK;
}

/* One record of `in` decrypted in place: its plain text, the next records'
 * bytes after it, the peer's close_notify, or its request to go back to the
 * handshake (TLS 1.3's tickets and key updates on some Windows). AIO_OK,
 * or why not. */
static aio_status aio__sch_decrypt(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    SecBuffer b[4];
    SecBufferDesc desc;
    SECURITY_STATUS ss;
    unsigned char type = m->in[0]; /* (the record's content type: 21, an alert) */
    int i;
    b[0].BufferType = SECBUFFER_DATA;
    b[0].pvBuffer = m->in;
    b[0].cbBuffer = (unsigned long)m->in_len;
    for (i = 1; i < 4; i++) {
        b[i].BufferType = SECBUFFER_EMPTY;
        b[i].pvBuffer = NULL;
        b[i].cbBuffer = 0;
    }
    desc.ulVersion = SECBUFFER_VERSION;
    desc.cBuffers = 4;
    desc.pBuffers = b;
    ss = DecryptMessage(&m->ctx, &desc, 0, NULL);
    if (ss == SEC_E_INCOMPLETE_MESSAGE) {
        m->more = 1;
        return AIO_OK;
    }
    if (ss == SEC_I_CONTEXT_EXPIRED) { /* the peer's close_notify */
        m->peer_closed = 1;
        m->in_len = 0;
        return AIO_OK;
    }
    if (ss != SEC_E_OK && ss != SEC_I_RENEGOTIATE) return aio__sch_failed(tls, (long)ss, "a record did not decrypt");
    m->plain_at = m->plain_end = m->extra = 0;
    for (i = 0; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA && b[i].pvBuffer) {
            m->plain_at = (size_t)((unsigned char *)b[i].pvBuffer - m->in);
            m->plain_end = m->plain_at + b[i].cbBuffer;
        } else if (b[i].BufferType == SECBUFFER_EXTRA) {
            m->extra = b[i].cbBuffer;
        }
    }
    if (m->plain_end > m->in_len || m->extra > m->in_len) { /* LCOV_EXCL_START: (SChannel's buffers are in `in`) */
        (void)snprintf(tls->error, sizeof tls->error, "SChannel gave buffers outside the record");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    if (m->plain_at == m->plain_end) aio__sch_taken(m);
    if (ss == SEC_E_OK && m->plain_at == m->plain_end && type == 21) /* (wine's SChannel on GnuTLS gives the */
        m->peer_closed = 1; /* close_notify so: an alert that decrypts to nothing; a fatal alert is an error) */
    if (ss == SEC_I_RENEGOTIATE) {
        m->reneg = m->now = 1;
        m->negotiated = 0;
    }
    return AIO_OK;
}

static aio_status aio__tls_e_read(aio_tls *tls, void *buf, size_t len) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    tls->io_status = 0;
    for (;;) {
        aio_status rc;
        if (m->plain_end > m->plain_at) {
            size_t n = m->plain_end - m->plain_at;
            if (n > len) n = len;
            memcpy(buf, m->in + m->plain_at, n);
            m->plain_at += n;
            if (m->plain_at == m->plain_end) aio__sch_taken(m);
            return (aio_status)n; /* (n <= len, a stream's room) */
        }
        if (m->peer_closed) return 0;
        if (m->reneg) { /* the handshake's messages the peer sent after it */
            rc = aio__sch_negotiate(tls);
            if (rc != AIO_OK) return rc;
            m->reneg = 0;
            continue;
        }
        if (m->in_len == 0 || m->more) {
            rc = aio__sch_fill(tls, 0);
            if (rc != AIO_OK) return rc;
        }
        rc = aio__sch_decrypt(tls);
        if (rc != AIO_OK) return rc;
    }
}

static aio_status aio__tls_e_write(aio_tls *tls, const void *buf, size_t len) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    SecBuffer b[4];
    SecBufferDesc desc;
    SECURITY_STATUS ss;
    unsigned char *at;
    size_t n = len;
    aio_status rc;
    tls->io_status = 0;
    if (m->out_plain) { /* a record made at an earlier call, with these bytes: the rest of it */
        rc = aio__sch_flush(tls);
        if (rc != AIO_OK) return rc;
        n = m->out_plain;
        m->out_plain = 0;
        return (aio_status)n;
    }
    rc = aio__sch_flush(tls); /* (a handshake's token the reads made) */
    if (rc != AIO_OK) return rc;
    if (n > m->sizes.cbMaximumMessage) n = m->sizes.cbMaximumMessage;
    at = aio__sch_room(m, m->sizes.cbHeader + n + m->sizes.cbTrailer);
    if (!at) { /* LCOV_EXCL_START: out of memory */
        (void)snprintf(tls->error, sizeof tls->error, "out of memory");
        return AIO_ETLS;
    } /* LCOV_EXCL_STOP */
    memcpy(at + m->sizes.cbHeader, buf, n);
    b[0].BufferType = SECBUFFER_STREAM_HEADER;
    b[0].pvBuffer = at;
    b[0].cbBuffer = m->sizes.cbHeader;
    b[1].BufferType = SECBUFFER_DATA;
    b[1].pvBuffer = at + m->sizes.cbHeader;
    b[1].cbBuffer = (unsigned long)n;
    b[2].BufferType = SECBUFFER_STREAM_TRAILER;
    b[2].pvBuffer = at + m->sizes.cbHeader + n;
    b[2].cbBuffer = m->sizes.cbTrailer;
    b[3].BufferType = SECBUFFER_EMPTY;
    b[3].pvBuffer = NULL;
    b[3].cbBuffer = 0;
    desc.ulVersion = SECBUFFER_VERSION;
    desc.cBuffers = 4;
    desc.pBuffers = b;
    ss = EncryptMessage(&m->ctx, 0, &desc, 0);
    if (ss != SEC_E_OK) return aio__sch_failed(tls, (long)ss, "a record could not be encrypted");
    m->out_len = b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer; /* (the header's and the trailer's real sizes) */
    if (b[1].pvBuffer != at + b[0].cbBuffer) memmove(at + b[0].cbBuffer, b[1].pvBuffer, b[1].cbBuffer);
    if (b[2].pvBuffer != at + b[0].cbBuffer + b[1].cbBuffer)
        memmove(at + b[0].cbBuffer + b[1].cbBuffer, b[2].pvBuffer, b[2].cbBuffer);
    rc = aio__sch_flush(tls);
    if (rc == AIO_WANT_WRITE) m->out_plain = n; /* (held: the caller comes back with the same bytes) */
    return rc == AIO_OK ? (aio_status)n : rc;
}

static aio_status aio__tls_e_shutdown(aio_tls *tls) {
    aio__sch_session *m = (aio__sch_session *)tls->engine;
    aio__sch *e = (aio__sch *)tls->config->engine;
    aio_status rc;
    tls->io_status = 0;
    if (!m->closing) { /* the close_notify made: SCHANNEL_SHUTDOWN, then the handshake's call gives it */
        DWORD type = SCHANNEL_SHUTDOWN;
        SecBuffer b;
        SecBuffer out;
        SecBufferDesc desc;
        SecBufferDesc out_desc;
        unsigned long attributes = 0;
        SECURITY_STATUS ss;
        b.BufferType = SECBUFFER_TOKEN;
        b.pvBuffer = &type;
        b.cbBuffer = sizeof type;
        desc.ulVersion = out_desc.ulVersion = SECBUFFER_VERSION;
        desc.cBuffers = out_desc.cBuffers = 1;
        desc.pBuffers = &b;
        out.BufferType = SECBUFFER_TOKEN;
        out.pvBuffer = NULL;
        out.cbBuffer = 0;
        out_desc.pBuffers = &out;
        ss = ApplyControlToken(&m->ctx, &desc);
        if (ss == SEC_E_OK)
            ss = InitializeSecurityContextA(&e->cred, &m->ctx, m->name[0] ? m->name : NULL, AIO__SCH_REQ, 0, 0, NULL, 0,
                                            &m->ctx, &out_desc, &attributes, NULL);
        rc = aio__sch_queue(tls, &out);
        if (ss != SEC_E_OK && ss != SEC_I_CONTEXT_EXPIRED) return aio__sch_failed(tls, (long)ss, "the close_notify");
        if (rc != AIO_OK) return rc; /* LCOV_EXCL_LINE: out of memory */
        m->closing = 1;
    }
    rc = aio__sch_flush(tls);
    if (rc == AIO_OK) return m->peer_closed; /* 0: ours sent; 1: and the peer's had */
    if (tls->io_status && m->peer_closed) return 1; /* (the peer ended first, and closed) */
    return rc;
}

static const aio_tls_engine aio__tls_schannel = {
    "SChannel", aio__tls_e_load, aio__tls_e_unload, aio__tls_e_new, aio__tls_e_delete, aio__tls_e_name,
    aio__tls_e_handshake, aio__tls_e_read, aio__tls_e_write, aio__tls_e_shutdown};
AIO__TLS_BUILTIN(aio__tls_schannel)
#endif /* AIO__TLS_SCHANNEL */

// >>instruments-impl
/* ------------------------------------------------------------ instruments */

#if AIO_INSTRUMENTS
static void aio__trace(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                       aio_stime value);

AIO_API void aio_loop_set_instrument(aio_loop *L, aio_instrument_fn fn, void *ctx) {
#ifdef AIO__SIM
    if (aio__sim_here && aio__sim_here->loop == L && fn != aio__sim_instrument) {
        aio__sim_here->instrument = fn; /* (the simulation's own stays first: it numbers the tasks) */
        aio__sim_here->instrument_ctx = ctx;
        return;
    }
#endif
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
#ifndef AIO__SIGNALS
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
#endif
#ifndef AIO__THREADS
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
#endif
#ifndef AIO__SOCKETS
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
#endif
#if !defined(AIO__SOCKETS) || !defined(AIO__THREADS)
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
#endif
#ifndef AIO__SOCKETS
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
#endif

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
