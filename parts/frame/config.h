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

