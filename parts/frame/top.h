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

