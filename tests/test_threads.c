/* SPDX-License-Identifier: MIT */
/* Blocking calls on worker threads (AIO_TO_THREAD), name lookups
 * (AIO_LOOKUP) and connects by name with Happy Eyeballs.
 *
 * On the virtual clock a call on a worker thread takes no virtual time (the
 * loop waits for it rather than move to its next timer), so a call that ends
 * is seen at the instant it was made: those tests are exact. A call given up
 * runs on; the tests that need one under way make it wait on a gate that the
 * test opens, and aio_loop_destroy joins the threads. */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && (defined(__unix__) || defined(__APPLE__))
#define _POSIX_C_SOURCE 200809L
#endif
#include "test.h"
#include <signal.h>
#include <stdlib.h>

#if !(defined(__unix__) || defined(__APPLE__) || defined(_WIN32)) || defined(AIO_NO_STDLIB) || \
    defined(AIO_NO_IO) || defined(AIO_NO_THREADS)
/* Without threads the awaits say so; a numeric host needs no lookup. */
static struct {
    aio_task main;
    aio_status rc;
    int data;
    aio_address a[2];
} N;

static int never_runs(void *data) {
    (void)data;
    CHECK(0);
    return 0;
}

static aio_status no_threads_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, N.rc, never_runs, &N.data, sizeof N.data, AIO_SEC(1));
    AIO_END(t);
}

static aio_status lookup_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOOKUP(t, N.rc, "127.0.0.1", 80, N.a, 2, AIO_SEC(1));
    AIO_END(t);
}

static void test_threads_absent(void) {
    aio_loop loop;
    test_loop(&loop);
    memset(&N, 0, sizeof N);
    CHECK_EQ(test_run(&loop, &N.main, no_threads_main), AIO_OK);
    CHECK_EQ(N.rc, AIO_EINVAL);
    CHECK_DEBUG("worker threads need POSIX");
    CHECK_EQ(aio_loop_set_threads(&loop, 2), AIO_EINVAL);
    CHECK_EQ(aio_loop_set_threads_timeout(&loop, AIO_SEC(1)), AIO_EINVAL);
#if defined(AIO_NO_THREADS) && !defined(AIO_NO_IO) && !defined(AIO_NO_STDLIB) && \
    (defined(__unix__) || defined(__APPLE__) || defined(_WIN32))
    CHECK_EQ(test_run(&loop, &N.main, lookup_main), AIO_OK);
    CHECK_EQ(N.rc, 1); /* numeric: no thread */
    CHECK_EQ(aio_address_port(&N.a[0]), 80);
#else
    CHECK_EQ(test_run(&loop, &N.main, lookup_main), AIO_OK);
    CHECK_EQ(N.rc, AIO_EINVAL);
    CHECK_DEBUG("name lookups need POSIX or Windows");
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#if defined(AIO_NO_THREADS) && !defined(AIO_NO_IO) && !defined(AIO_NO_STDLIB) && \
    (defined(__unix__) || defined(__APPLE__) || defined(_WIN32))
#define LOOKUP_ON_LOOP 1
/* A lookup of one's own, run on the loop: "none.test" finds no address (0),
 * "over.test" says it found more than its max, any other name has two
 * IPv6 addresses, then an IPv4 one (ports port, port + 1, port + 2). */
static int loop_lookup(void *ctx, const char *host, int port, aio_address *out, int max) {
    int i;
    CHECK(ctx == &N);
    if (strcmp(host, "none.test") == 0) return 0;
    if (strcmp(host, "over.test") == 0) return max + 1;
    for (i = 0; i < 3 && i < max; i++) CHECK_EQ(aio_address_set(&out[i], i < 2 ? "::1" : "127.0.0.1", port + i), AIO_OK);
    return i;
}

static aio_status lookup_on_loop_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, N.rc, "none.test", 80, AIO_SEC(1));
    CHECK_EQ(N.rc, AIO_ENOTFOUND);
    AIO_LOOKUP(t, N.rc, "none.test", 80, N.a, 2, AIO_SEC(1));
    CHECK_EQ(N.rc, AIO_ENOTFOUND);
    AIO_LOOKUP(t, N.rc, "over.test", 80, N.a, 2, AIO_SEC(1));
    CHECK_EQ(N.rc, AIO_EINVAL);
    CHECK_DEBUG("a lookup of your own (aio_set_lookup) returned more addresses than the max it was given");
    AIO_TCP_CONNECT(t, N.rc, "over.test", 80, AIO_SEC(1));
    CHECK_EQ(N.rc, AIO_EINVAL);
    AIO_LOOKUP(t, N.rc, "ipv6.first", 80, N.a, 2, AIO_SEC(1));
    CHECK_EQ(N.rc, 2); /* the families in turn, then cut to 2 */
    CHECK_EQ(aio_address_port(&N.a[0]), 80);
    CHECK_EQ(aio_address_port(&N.a[1]), 82);
    AIO_END(t);
}

/* Without threads a lookup of one's own runs on the loop, and its answer is
 * checked as on a thread: no address is AIO_ENOTFOUND (never a count of 0,
 * which would read as descriptor 0), more than it was asked for is refused
 * and named, and the families are interleaved before the answer is cut. */
static void test_threads_lookup_on_loop(void) {
    aio_loop loop;
    test_loop(&loop);
    memset(&N, 0, sizeof N);
    aio_set_lookup(loop_lookup, &N);
    CHECK_EQ(test_run(&loop, &N.main, lookup_on_loop_main), AIO_OK);
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#endif

static const test_case cases[] = {
    TEST_ENTRY(test_threads_absent),
#ifdef LOOKUP_ON_LOOP
    TEST_ENTRY (test_threads_lookup_on_loop), /* (hosted only: not one of the boards' count, below) */
#endif
};
#else

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
static SRWLOCK counter_lock = SRWLOCK_INIT;
#define LOCK() AcquireSRWLockExclusive(&counter_lock)
#define UNLOCK() ReleaseSRWLockExclusive(&counter_lock)
static void nap_ms(int ms) { Sleep((DWORD)ms); }
#else
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() (void)pthread_mutex_lock(&counter_lock)
#define UNLOCK() (void)pthread_mutex_unlock(&counter_lock)
static void nap_ms(int ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}
#endif

/* What the worker threads share with the test, under the lock. */
static struct {
    int running, most_running, calls, ended;
    int gate_open;
} W;

static int shared_get(const int *field) {
    int v;
    LOCK();
    v = *field;
    UNLOCK();
    return v;
}
static void shared_set(int *field, int v) {
    LOCK();
    *field = v;
    UNLOCK();
}

/* A call's data: the function works on the pool's copy of it. */
typedef struct {
    int in;
    int out;
    int nap_ms; /* how long it blocks (real time) */
    int gated;  /* waits for W.gate_open first */
    char text[16];
} call_t;

static int blocking_square(void *data) {
    call_t *c = (call_t *)data;
    LOCK();
    W.calls++;
    W.running++;
    if (W.running > W.most_running) W.most_running = W.running;
    UNLOCK();
    while (c->gated && !shared_get(&W.gate_open)) nap_ms(1);
    if (c->nap_ms) nap_ms(c->nap_ms);
    c->out = c->in * c->in;
    memcpy(c->text, "done", 5);
    LOCK();
    W.running--;
    W.ended++;
    UNLOCK();
    return c->in + 1000;
}

#define NCALLS 6
static struct {
    aio_task main, other;
    aio_task t[NCALLS];
    call_t call[NCALLS];
    aio_status rc[NCALLS];
    aio_status rc0;
    long long at, start;
    aio_address addrs[8];
    aio_timeout scope;
    int open_after_cancel; /* give_up_main opens the gate once both calls are cancelled */
} TT;

static void reset(void) {
    memset(&TT, 0, sizeof TT);
    shared_set(&W.gate_open, 0);
    LOCK();
    memset(&W, 0, sizeof W);
    UNLOCK();
}

/* ---------------------------------------------------------- AIO_TO_THREAD */

static aio_status round_trip_main(aio_task *t) {
    AIO_BEGIN(t);
    TT.call[0].in = 7;
    memcpy(TT.call[0].text, "start", 6);
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_SEC(1));
    TT.at = T_MS();
    AIO_END(t);
}

/* The result comes back with the data the function wrote, at the instant
 * the call was made (a call takes no virtual time). */
static void test_threads_round_trip(void) {
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, round_trip_main), AIO_OK);
    CHECK_EQ(TT.rc0, 1007);
    CHECK_EQ(TT.call[0].out, 49);
    CHECK(strcmp(TT.call[0].text, "done") == 0);
    CHECK_EQ(TT.at, 0);
    CHECK_EQ(shared_get(&W.calls), 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status one_call(aio_task *t) {
    int i = (int)(t - TT.t);
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc[i], blocking_square, &TT.call[i], sizeof TT.call[i], AIO_NEVER);
    AIO_END(t);
}

static aio_status bounded_main(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    for (i = 0; i < NCALLS; i++) {
        TT.call[i].in = i;
        TT.call[i].nap_ms = 20;
        aio_spawn(&TT.t[i], one_call);
    }
    for (i = 0; i < NCALLS; i++) AIO_AWAIT(t, TT.rc0, &TT.t[i]);
    AIO_END(t);
}

/* A pool of 2 threads asked for 6 calls: never more than 2 at once, and
 * every call runs (queued, never dropped), each with its own result. */
static void test_threads_bounded_queue(void) {
    aio_loop loop;
    int i;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_threads(&loop, 2), AIO_OK);
    CHECK_EQ(test_run(&loop, &TT.main, bounded_main), AIO_OK);
    for (i = 0; i < NCALLS; i++) {
        CHECK_EQ(TT.rc[i], 1000 + i);
        CHECK_EQ(TT.call[i].out, i * i);
    }
    CHECK_EQ(shared_get(&W.calls), NCALLS);
    CHECK(shared_get(&W.most_running) <= 2);
    CHECK(shared_get(&W.most_running) >= 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status gated_call(aio_task *t) {
    int i = (int)(t - TT.t);
    AIO_BEGIN(t);
    TT.call[i].gated = 1;
    TT.call[i].in = 3;
    memcpy(TT.call[i].text, "mine", 5);
    AIO_TO_THREAD(t, TT.rc[i], blocking_square, &TT.call[i], sizeof TT.call[i], AIO_NEVER);
    AIO_END(t);
}

static aio_status cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&TT.t[0], gated_call); /* runs, held at the gate */
    while (shared_get(&W.calls) == 0) AIO_YIELD(t); /* (time cannot pass while a call is awaited) */
    aio_spawn(&TT.t[1], gated_call); /* queued behind it: one thread */
    aio_spawn(&TT.t[2], gated_call);
    aio_spawn(&TT.t[3], gated_call);
    AIO_YIELD(t);
    aio_cancel(&TT.t[2]); /* off the middle of the queue, */
    aio_cancel(&TT.t[3]); /* its tail, */
    aio_cancel(&TT.t[1]); /* its head */
    aio_cancel(&TT.t[0]);
    AIO_AWAIT(t, TT.rc0, &TT.t[0]);
    AIO_AWAIT(t, TT.rc0, &TT.t[1]);
    AIO_AWAIT(t, TT.rc0, &TT.t[2]);
    AIO_AWAIT(t, TT.rc0, &TT.t[3]);
    TT.at = T_MS();
    AIO_END(t);
}

/* Calls given up by a cancellation: the task ends at once with its data
 * untouched; the call under way runs to its end (joined by the loop's
 * destruction), the one not started never runs. */
static void test_threads_cancel_gives_up(void) {
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_threads(&loop, 1), AIO_OK);
    CHECK_EQ(test_run(&loop, &TT.main, cancel_main), AIO_OK);
    CHECK_EQ(TT.rc[0], 0); /* (a cancellation unwinds: lv is not set) */
    CHECK_EQ(TT.rc[1], 0);
    CHECK_EQ(aio_task_result(&TT.t[0]), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&TT.t[1]), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&TT.t[2]), AIO_ECANCELED);
    CHECK_EQ(aio_task_result(&TT.t[3]), AIO_ECANCELED);
    CHECK_EQ(TT.at, 0);
    CHECK(strcmp(TT.call[0].text, "mine") == 0); /* never copied back */
    CHECK_EQ(TT.call[0].out, 0);
    CHECK_EQ(shared_get(&W.calls), 1); /* the queued one was taken off */
    CHECK_EQ(shared_get(&W.ended), 0);
    shared_set(&W.gate_open, 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK); /* waits for the call under way */
    CHECK_EQ(shared_get(&W.ended), 1);
    CHECK_EQ(shared_get(&W.calls), 1);
}

/* A call that waits (up to 30 s of real time) for the call queued behind it
 * to open the gate: 1 if it did, 0 if not. */
static int waits_for_the_next(void *data) {
    int i;
    (void)data;
    LOCK();
    W.calls++;
    UNLOCK();
    for (i = 0; i < 30000 && !shared_get(&W.gate_open); i++) nap_ms(1);
    return shared_get(&W.gate_open);
}
static int opens_the_gate(void *data) {
    (void)data;
    shared_set(&W.gate_open, 1);
    return 2;
}
static aio_status first_call(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc[0], waits_for_the_next, NULL, 0, AIO_NEVER);
    AIO_END(t);
}
static aio_status second_call(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc[1], opens_the_gate, NULL, 0, AIO_NEVER);
    AIO_END(t);
}
static aio_status raise_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&TT.t[0], first_call);
    while (shared_get(&W.calls) == 0) AIO_YIELD(t); /* it runs on the one thread */
    aio_spawn(&TT.t[1], second_call);
    AIO_YIELD(t); /* queued behind it */
    CHECK_EQ(aio_loop_set_threads(aio_running_loop(), 1), AIO_OK); /* (the same count: no thread more) */
#ifdef TEST_COUNTED_ALLOC
    test_alloc_fail_after(0); /* (no memory for a thread: none more, the call still queued) */
    CHECK_EQ(aio_loop_set_threads(aio_running_loop(), 2), AIO_OK);
    test_alloc_fail_after(-1);
    CHECK_EQ(shared_get(&W.gate_open), 0);
#endif
    TT.rc0 = aio_loop_set_threads(aio_running_loop(), 2);
    AIO_AWAIT(t, TT.rc[2], &TT.t[0]);
    AIO_AWAIT(t, TT.rc[2], &TT.t[1]);
    AIO_END(t);
}

/* A higher thread count starts threads for the calls already waiting their
 * turn: the call queued behind one that waits for it runs at once (the same
 * count starts none; out of memory for a thread, none starts, and a later
 * call of it does). */
static void test_threads_raise_starts_threads(void) {
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_threads(&loop, 1), AIO_OK);
    CHECK_EQ(test_run(&loop, &TT.main, raise_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_OK);
    CHECK_EQ(TT.rc[1], 2);
    CHECK_EQ(TT.rc[0], 1); /* (0: it waited 30 s, and only then the gate opened) */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status give_up_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_spawn(&TT.t[0], one_call);
    while (shared_get(&W.calls) == 0) AIO_YIELD(t); /* under way */
    aio_spawn(&TT.t[1], one_call); /* queued: one thread */
    AIO_YIELD(t);
    aio_cancel(&TT.t[0]);
    aio_cancel(&TT.t[1]);
    if (TT.open_after_cancel) shared_set(&W.gate_open, 1);
    AIO_AWAIT(t, TT.rc0, &TT.t[0]);
    AIO_AWAIT(t, TT.rc0, &TT.t[1]);
    AIO_END(t);
}

/* Runs give_up_main on a fresh loop whose pool has one thread and waits
 * `wait` for the calls under way at its end; then destroys the loop. */
static void give_up_and_destroy(aio_time wait) {
    aio_loop loop;
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_threads(&loop, 1), AIO_OK);
    CHECK_EQ(aio_loop_set_threads_timeout(&loop, wait), AIO_OK);
    CHECK_EQ(test_run(&loop, &TT.main, give_up_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The loop's end waits for a call under way at most the pool's timeout (as
 * shutdown_default_executor does), then leaves it running on its detached
 * thread, which frees the call and the pool when it returns. A call that
 * ends within the timeout (or with AIO_NEVER, whenever it ends) is waited
 * for and its thread joined. A call not started is dropped either way. */
static void test_threads_destroy_waits_at_most_timeout(void) {
    int i;
    reset();
    TT.call[0].gated = 1; /* held until the test opens the gate */
    give_up_and_destroy(AIO_MS(1));
    CHECK_DEBUG("aio_loop_destroy: a call on a worker thread did not end within the pool's timeout");
    CHECK_EQ(shared_get(&W.calls), 1);
    CHECK_EQ(shared_get(&W.ended), 0); /* the loop is gone, the call still under way */
    shared_set(&W.gate_open, 1);
    for (i = 0; i < 30000 && shared_get(&W.ended) == 0; i++) nap_ms(1); /* (30 s at most) */
    CHECK_EQ(shared_get(&W.ended), 1); /* it ran to its end */
    reset();
    TT.call[0].gated = 1;
    give_up_and_destroy(0); /* not at all */
    CHECK_EQ(shared_get(&W.ended), 0);
    shared_set(&W.gate_open, 1);
    for (i = 0; i < 30000 && shared_get(&W.ended) == 0; i++) nap_ms(1);
    CHECK_EQ(shared_get(&W.ended), 1);
    /* (the call under way is held until both are cancelled, so that the
     * queued one cannot start first however slow the loop, then ends) */
    reset();
    TT.call[0].gated = 1;
    TT.open_after_cancel = 1;
    give_up_and_destroy(AIO_NEVER);
    CHECK_EQ(shared_get(&W.ended), 1); /* waited for */
    CHECK_EQ(shared_get(&W.calls), 1); /* the queued one dropped */
    reset();
    TT.call[0].gated = 1;
    TT.open_after_cancel = 1;
    give_up_and_destroy(AIO_THREADS_TIMEOUT);
    CHECK_EQ(shared_get(&W.ended), 1);
    CHECK_EQ(shared_get(&W.calls), 1);
}

static aio_status timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    TT.call[0].in = 5;
    TT.call[0].gated = 1; /* (it cannot end before the gate opens, however fast the machine) */
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_MS(50));
    TT.at = T_MS();
    shared_set(&W.gate_open, 1);
    for (TT.rc[2] = 0; TT.rc[2] < 3000 && !shared_get(&W.ended); TT.rc[2]++)
        AIO_SLEEP(t, AIO_MS(10)); /* the call ends meanwhile (within 30 s, however loaded the machine) */
    TT.rc[1] = shared_get(&W.ended);
    AIO_END(t);
}

/* On the real clock a call that outlasts its deadline (held until the gate
 * opens) is given up then: the await times out, its data untouched; the
 * call, let go, ends while the loop runs (within 30 s), and the loop frees
 * it. */
static void test_threads_timeout_real_clock(void) {
    aio_loop loop;
    static aio_timer timers[8];
    reset();
    aio_loop_init(&loop, timers, 8);
    CHECK_EQ(aio_run(&loop, &TT.main, timeout_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_ETIMEDOUT);
    CHECK_EQ(TT.call[0].out, 0);
    CHECK_EQ(TT.rc[1], 1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(shared_get(&W.ended), 1);
}

static aio_status scope_main(aio_task *t) {
    AIO_BEGIN(t);
    TT.call[0].gated = 1;
    AIO_TIMEOUT(t, &TT.scope, AIO_SEC(2)) {
        AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_NEVER);
    }
    TT.at = T_MS();
    AIO_END(t);
}

/* A call with the gate open ends at once, inside a timeout block whose
 * deadline therefore never fires. */
static void test_threads_in_timeout_block(void) {
    aio_loop loop;
    reset();
    shared_set(&W.gate_open, 1);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, scope_main), AIO_OK);
    CHECK_EQ(TT.rc0, 1000);
    CHECK_EQ(TT.at, 0);
    CHECK_EQ(aio_timeout_status(&TT.scope), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static int returns_int_min(void *data) {
    (void)data;
    return INT_MIN;
}
static aio_status null_fn_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc0, (aio_thread_fn)NULL, NULL, 0, AIO_SEC(1));
    AIO_END(t);
}
static aio_status null_data_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc0, blocking_square, NULL, 8, AIO_SEC(1));
    AIO_END(t);
}
static aio_status bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], -AIO_SEC(1));
    AIO_END(t);
}
static aio_status int_min_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc0, returns_int_min, NULL, 0, AIO_SEC(1));
    AIO_END(t);
}

static void test_threads_bad_input(void) {
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_threads(&loop, 0), AIO_EINVAL);
    CHECK_DEBUG("aio_loop_set_threads: the count is not 1 to 1024");
    CHECK_EQ(aio_loop_set_threads(&loop, 1025), AIO_EINVAL);
    CHECK_EQ(aio_loop_set_threads_timeout(&loop, (aio_time)(AIO_NEVER / 2)), AIO_EINVAL);
    CHECK_DEBUG("aio_loop_set_threads_timeout: the time is beyond half the clock range");
    CHECK_EQ(aio_loop_set_threads_timeout(&loop, AIO_TIME_INVALID), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &TT.main, null_fn_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_TO_THREAD: the function is NULL");
    CHECK_EQ(test_run(&loop, &TT.main, null_data_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_TO_THREAD: the data is NULL");
    CHECK_EQ(test_run(&loop, &TT.main, bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_TO_THREAD: the timeout is NaN, negative");
    CHECK_EQ(test_run(&loop, &TT.main, int_min_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    CHECK_DEBUG("AIO_TO_THREAD: the function returned INT_MIN");
    CHECK_EQ(shared_get(&W.calls), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ---------------------------------------------------------------- lookups */

/* A lookup of our own: "dual.test" has two addresses (the ports the test
 * chose), "slow.test" answers after a nap, anything else is not found. */
static struct {
    char first[48], second[48];
    int first_port, second_port;
    int asked;
    int asked_max; /* the max of the last question */
    int v6_ports[8]; /* ipv6.first's IPv6 addresses' */
} HOOK;

static int test_lookup(void *ctx, const char *host, int port, aio_address *out, int max) {
    CHECK(ctx == &HOOK);
    LOCK();
    HOOK.asked++;
    HOOK.asked_max = max;
    UNLOCK();
    if (strcmp(host, "slow.test") == 0) {
        nap_ms(200);
        return aio_address_set(&out[0], "127.0.0.1", port) == AIO_OK ? 1 : AIO_EIO;
    }
    if (strcmp(host, "empty.test") == 0) return 0;
    if (strcmp(host, "marker.test") == 0) return INT_MIN;
    if (strcmp(host, "many.test") == 0) return max + 1;
    if (strcmp(host, "ipv6.first") == 0) { /* 8 IPv6 (first), then an IPv4, as many as max */
        int i;
        for (i = 0; i < 9 && i < max; i++)
            CHECK_EQ(aio_address_set(&out[i], i < 8 ? "::1" : "127.0.0.1", i < 8 ? HOOK.v6_ports[i] : HOOK.second_port),
                     AIO_OK);
        return i;
    }
    if (strcmp(host, "mixed.test") == 0) { /* two IPv6, an IPv4 twice */
        CHECK_EQ(aio_address_set(&out[0], "::1", 1), AIO_OK);
        CHECK_EQ(aio_address_set(&out[1], "::1", 2), AIO_OK);
        CHECK_EQ(aio_address_set(&out[2], "127.0.0.1", 3), AIO_OK);
        CHECK_EQ(aio_address_set(&out[3], "127.0.0.1", 3), AIO_OK);
        return 4;
    }
    if (strcmp(host, "dual.test") != 0 || max < 2) return AIO_ENOTFOUND;
    CHECK_EQ(aio_address_set(&out[0], HOOK.first, HOOK.first_port), AIO_OK);
    CHECK_EQ(aio_address_set(&out[1], HOOK.second, HOOK.second_port), AIO_OK);
    return 2;
}

static aio_status lookup_names_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOOKUP(t, TT.rc0, "dual.test", 8080, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, 2);
    CHECK_EQ(aio_address_port(&TT.addrs[0]), 1111);
    CHECK_EQ(aio_address_port(&TT.addrs[1]), 2222);
    AIO_LOOKUP(t, TT.rc0, "nowhere.test", 80, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_ENOTFOUND);
    AIO_LOOKUP(t, TT.rc0, "empty.test", 80, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_ENOTFOUND);
    AIO_LOOKUP(t, TT.rc0, "dual.test", 80, TT.addrs, 1, AIO_SEC(1)); /* room for 1: the first choice */
    CHECK_EQ(TT.rc0, 1);
    CHECK_EQ(aio_address_port(&TT.addrs[0]), 1111);
    AIO_LOOKUP(t, TT.rc0, "mixed.test", 80, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, 3); /* the duplicate left out, the families in turn */
    CHECK_EQ(aio_address_port(&TT.addrs[0]), 1);
    CHECK_EQ(aio_address_port(&TT.addrs[1]), 3);
    CHECK_EQ(aio_address_port(&TT.addrs[2]), 2);
    AIO_LOOKUP(t, TT.rc0, "marker.test", 80, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    CHECK_DEBUG("a lookup of your own (aio_set_lookup) returned INT_MIN or INT_MIN + 1");
    AIO_LOOKUP(t, TT.rc0, "many.test", 80, TT.addrs, 40, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    CHECK_DEBUG("a lookup of your own (aio_set_lookup) returned more addresses than the max it was given");
    CHECK(strcmp(aio_strerror(AIO_ENOTFOUND), "not found") == 0);
    AIO_LOOKUP(t, TT.rc0, "::1", 53, TT.addrs, 8, AIO_SEC(1)); /* numeric: no lookup */
    CHECK_EQ(TT.rc0, 1);
    CHECK_EQ(aio_address_port(&TT.addrs[0]), 53);
    TT.at = T_MS();
    AIO_END(t);
}

/* A lookup of one's own answers names, off the loop; a numeric host is not
 * asked about. */
static void test_threads_lookup_hook(void) {
    aio_loop loop;
    reset();
    memset(&HOOK, 0, sizeof HOOK);
    strcpy(HOOK.first, "::1");
    strcpy(HOOK.second, "127.0.0.1");
    HOOK.first_port = 1111;
    HOOK.second_port = 2222;
    aio_set_lookup(test_lookup, &HOOK);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, lookup_names_main), AIO_OK);
    CHECK_EQ(TT.at, 0);
    CHECK_EQ(shared_get(&HOOK.asked), 7);
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status lookup_system_main(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    AIO_LOOKUP(t, TT.rc0, "localhost", 443, TT.addrs, 8, AIO_SEC(5));
    CHECK(TT.rc0 >= 1);
    for (i = 0; i < TT.rc0 && i < 8; i++) {
        char text[64];
        CHECK(aio_address_format(&TT.addrs[i], text, sizeof text) > 0);
        CHECK(strncmp(text, "127.", 4) == 0 || strcmp(text, "[::1]:443") == 0);
        CHECK_EQ(aio_address_port(&TT.addrs[i]), 443);
    }
    AIO_END(t);
}

/* The system's lookup, on a worker thread: "localhost" is a loopback
 * address. (A name not found is the hook's test: whether the system's
 * resolver says "no such name" or "cannot ask" depends on its network.) */
static void test_threads_lookup_system(void) {
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, lookup_system_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A listener on a host name: looked up on a worker thread, then bound to
 * the first address; a connect by the same name reaches it. */
static aio_status listen_by_name_main(aio_task *t) {
    static int listener;
    static int accepted;
    AIO_BEGIN(t);
    AIO_LOOKUP(t, TT.rc0, "localhost", 0, TT.addrs, 8, AIO_SEC(5));
    CHECK(TT.rc0 >= 1);
    listener = aio_tcp_listen_at(&TT.addrs[0], 0);
    CHECK(listener >= 0);
    AIO_TCP_CONNECT(t, TT.rc[0], "localhost", aio_socket_port(listener), AIO_SEC(5));
    CHECK(TT.rc[0] >= 0);
    AIO_ACCEPT(t, accepted, listener, AIO_SEC(5));
    CHECK(accepted >= 0);
    CHECK_EQ(aio_close(accepted), AIO_OK);
    CHECK_EQ(aio_close(TT.rc[0]), AIO_OK);
    CHECK_EQ(aio_close(listener), AIO_OK);
    AIO_END(t);
}

static void test_threads_listen_by_name(void) {
    aio_loop loop;
    aio_address none;
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, listen_by_name_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    /* a name goes through a lookup first; bad addresses and backlogs */
    CHECK_EQ(aio_tcp_listen("localhost.test", 0, 0), AIO_EINVAL);
    CHECK_DEBUG("AIO_LOOKUP");
    CHECK_EQ(aio_tcp_listen_at(NULL, 0), AIO_EINVAL);
    memset(&none, 0, sizeof none);
    CHECK_EQ(aio_tcp_listen_at(&none, 0), AIO_EINVAL);
    CHECK_EQ(aio_address_set(&none, "127.0.0.1", 0), AIO_OK);
    CHECK_EQ(aio_tcp_listen_at(&none, -1), AIO_EINVAL);
}

static aio_status lookup_abandoned_main(aio_task *t) {
    AIO_BEGIN(t);
    TT.start = (long long)(aio_loop_now(t->loop) * 1000u / AIO_TICKS_PER_SEC);
    AIO_LOOKUP(t, TT.rc0, "slow.test", 80, TT.addrs, 8, AIO_MS(20));
    TT.at = (long long)(aio_loop_now(t->loop) * 1000u / AIO_TICKS_PER_SEC) - TT.start;
    AIO_END(t);
}

/* A lookup that times out (real clock, wide margins) leaves its answer to
 * be dropped when it comes: nothing written, nothing leaked (ASan and
 * valgrind run this), the loop's destruction waits for it. */
static void test_threads_lookup_abandoned(void) {
    aio_loop loop;
    static aio_timer timers[8];
    reset();
    memset(&HOOK, 0, sizeof HOOK);
    aio_set_lookup(test_lookup, &HOOK);
    aio_loop_init(&loop, timers, 8);
    CHECK_EQ(aio_run(&loop, &TT.main, lookup_abandoned_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_ETIMEDOUT);
    CHECK(TT.at < 190);
    CHECK_EQ(TT.addrs[0].len, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(shared_get(&HOOK.asked), 1);
    aio_set_lookup(NULL, NULL);
}

static aio_status lookup_nan_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOOKUP(t, TT.rc0, "localhost", 80, TT.addrs, 8, -AIO_SEC(1));
    AIO_END(t);
}
static aio_status lookup_cancelled_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_cancel(t);
    AIO_LOOKUP(t, TT.rc0, "localhost", 80, TT.addrs, 8, AIO_SEC(1));
    AIO_END(t);
}
static aio_status connect_cancelled_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_cancel(t);
    AIO_TCP_CONNECT(t, TT.rc0, "localhost", 80, AIO_SEC(1));
    AIO_END(t);
}
static aio_status thread_cancelled_main(aio_task *t) {
    AIO_BEGIN(t);
    aio_cancel(t);
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_SEC(1));
    AIO_END(t);
}
static aio_status lookup_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOOKUP(t, TT.rc0, "localhost", 80, NULL, 8, AIO_SEC(1));
    AIO_END(t);
}
static aio_status lookup_bad_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "", 70000, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    AIO_LOOKUP(t, TT.rc0, "localhost", -1, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    AIO_TCP_CONNECT(t, TT.rc0, NULL, 70000, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    CHECK_DEBUG("AIO_TCP_CONNECT: the port is not 0-65535");
    AIO_TCP_CONNECT(t, TT.rc0, "localhost", -1, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    AIO_TCP_CONNECT(t, TT.rc0, NULL, -1, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    AIO_LOOKUP(t, TT.rc0, "", 80, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    CHECK_DEBUG("AIO_LOOKUP: the host is NULL, empty");
    AIO_LOOKUP(t, TT.rc0, NULL, 80, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    AIO_LOOKUP(t, TT.rc0, "localhost", 65536, TT.addrs, 8, AIO_SEC(1));
    CHECK_EQ(TT.rc0, AIO_EINVAL);
    AIO_LOOKUP(t, TT.rc0, "localhost", 80, TT.addrs, 0, AIO_SEC(1));
    AIO_END(t);
}

static void test_threads_lookup_bad_input(void) {
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, lookup_bad_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_LOOKUP: no room for an address");
    CHECK_EQ(test_run(&loop, &TT.main, lookup_nan_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_LOOKUP: the timeout is NaN");
    CHECK_EQ(test_run(&loop, &TT.main, lookup_cancelled_main), AIO_ECANCELED);
    CHECK_EQ(test_run(&loop, &TT.main, connect_cancelled_main), AIO_ECANCELED);
    CHECK_EQ(test_run(&loop, &TT.main, thread_cancelled_main), AIO_ECANCELED);
    CHECK_EQ(test_run(&loop, &TT.main, lookup_null_main), AIO_EINVAL);
    CHECK_EQ(shared_get(&W.calls), 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* --------------------------------------------------------- Happy Eyeballs */

static aio_status connect_name_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "dual.test", 80, AIO_NEVER);
    TT.at = T_MS();
    AIO_END(t);
}

static int listener_on(const char *host) {
    int fd = aio_tcp_listen(host, 0, 1);
    return fd;
}

static aio_status connect_nowhere_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "nowhere.test", 80, AIO_SEC(5));
    AIO_END(t);
}
static aio_status connect_slow_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "slow.test", 80, AIO_MS(20));
    AIO_END(t);
}

/* A connect whose lookup outlasts its deadline (real clock, wide margins):
 * it times out, and the answer is dropped when it comes. */
static void test_threads_connect_lookup_timeout(void) {
    aio_loop loop;
    static aio_timer timers[8];
    reset();
    memset(&HOOK, 0, sizeof HOOK);
    aio_set_lookup(test_lookup, &HOOK);
    aio_loop_init(&loop, timers, 8);
    CHECK_EQ(aio_run(&loop, &TT.main, connect_slow_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_ETIMEDOUT);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_set_lookup(NULL, NULL);
}

/* The first address refuses: the second is tried at once. */
static void test_threads_connect_next_after_refusal(void) {
    aio_loop loop;
    int live;
    int dead;
    reset();
    live = listener_on("127.0.0.1");
    dead = listener_on("127.0.0.1");
    CHECK(live >= 0 && dead >= 0);
    memset(&HOOK, 0, sizeof HOOK);
    strcpy(HOOK.first, "127.0.0.1");
    strcpy(HOOK.second, "127.0.0.1");
    HOOK.first_port = aio_socket_port(dead);
    HOOK.second_port = aio_socket_port(live);
    CHECK_EQ(aio_close(dead), AIO_OK); /* nobody listens there now */
    aio_set_lookup(test_lookup, &HOOK);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, connect_name_main), AIO_OK);
    CHECK(TT.rc0 >= 0);
    CHECK_EQ(TT.at, 0);
    if (TT.rc0 >= 0) CHECK_EQ(aio_close(TT.rc0), AIO_OK);
    /* both refuse: the last refusal is the answer */
    HOOK.second_port = HOOK.first_port;
    CHECK_EQ(test_run(&loop, &TT.main, connect_name_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_ECONNREFUSED);
    /* a name not found, and one that answers after the deadline */
    CHECK_EQ(test_run(&loop, &TT.main, connect_nowhere_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_ENOTFOUND);
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(aio_close(live), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static aio_status connect_ipv6_first_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "ipv6.first", 80, AIO_SEC(5));
    TT.at = T_MS();
    AIO_LOOKUP(t, TT.rc[0], "ipv6.first", 80, TT.addrs, 2, AIO_SEC(1));
    AIO_END(t);
}

/* The families are interleaved over the whole answer, then cut to what is
 * kept: a name whose 8 IPv6 addresses (first, as the system puts them)
 * refuse and whose one IPv4 address listens connects by the IPv4 one, tried
 * second; a lookup with room for 2 gives one of each family. */
static void test_threads_interleave_whole_answer(void) {
    aio_loop loop;
    int live;
    int dead[8];
    int i;
    reset();
    memset(&HOOK, 0, sizeof HOOK);
    live = listener_on("127.0.0.1");
    CHECK(live >= 0);
    for (i = 0; i < 8; i++) { /* (no IPv6 here: any ports, every IPv6 attempt fails) */
        dead[i] = listener_on("::1");
        HOOK.v6_ports[i] = dead[i] >= 0 ? aio_socket_port(dead[i]) : i + 1;
    }
    for (i = 0; i < 8; i++)
        if (dead[i] >= 0) CHECK_EQ(aio_close(dead[i]), AIO_OK); /* nobody listens there now */
    HOOK.second_port = aio_socket_port(live);
    aio_set_lookup(test_lookup, &HOOK);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, connect_ipv6_first_main), AIO_OK);
    CHECK(TT.rc0 >= 0);
    CHECK_EQ(TT.at, 0); /* the refusal at once, then the IPv4 address */
    if (TT.rc0 >= 0) CHECK_EQ(aio_close(TT.rc0), AIO_OK);
    CHECK_EQ(TT.rc[0], 2);
    CHECK_EQ(aio_address_port(&TT.addrs[0]), HOOK.v6_ports[0]); /* IPv6, the system's first choice */
    CHECK_EQ(aio_address_port(&TT.addrs[1]), HOOK.second_port); /* then IPv4 */
    CHECK(shared_get(&HOOK.asked_max) >= 9); /* the whole answer asked for */
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(aio_close(live), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#ifdef __linux__
/* A listener whose accept queue is full and never drained: a connect to it
 * hangs, as one to a dead address does (Linux drops the SYN). */
static int full_listener(const char *host, int fillers[2]) {
    int fd = aio_tcp_listen(host, 0, 1);
    aio_address a;
    int i;
    if (fd < 0) return -1;
    CHECK_EQ(aio_address_set(&a, host, aio_socket_port(fd)), AIO_OK);
    for (i = 0; i < 2; i++) {
        fillers[i] = socket(strchr(host, ':') ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        CHECK(fillers[i] >= 0);
        CHECK_EQ(connect(fillers[i], (const struct sockaddr *)(const void *)a.sa, a.len), 0);
    }
    return fd;
}

static aio_status connect_hangs_main(aio_task *t) {
    AIO_BEGIN(t);
    TT.start = T_MS();
    AIO_TCP_CONNECT(t, TT.rc0, "dual.test", 80, AIO_SEC(1));
    TT.at = T_MS() - TT.start;
    AIO_END(t);
}

static int open_descriptors(void) {
    int fd;
    int n = 0;
    for (fd = 0; fd < 1024; fd++) n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/* Happy Eyeballs without a packet leaving the machine: the first address
 * (::1, or 127.0.0.1 where the system has no IPv6) hangs, the second is a
 * live server: the connect succeeds by it 250 ms later, and the hanging
 * attempt is closed. Then with every address hanging, the connect times
 * out at its deadline, every attempt closed. */
static void test_threads_happy_eyeballs(void) {
    aio_loop loop;
    int fillers[2];
    int hanging;
    int live;
    int before;
    reset();
    hanging = full_listener("::1", fillers);
    memset(&HOOK, 0, sizeof HOOK);
    strcpy(HOOK.first, hanging >= 0 ? "::1" : "127.0.0.1");
    if (hanging < 0) hanging = full_listener("127.0.0.1", fillers);
    CHECK(hanging >= 0);
    live = listener_on("127.0.0.1");
    CHECK(live >= 0);
    strcpy(HOOK.second, "127.0.0.1");
    HOOK.first_port = aio_socket_port(hanging);
    HOOK.second_port = aio_socket_port(live);
    aio_set_lookup(test_lookup, &HOOK);
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_threads(&loop, 2), AIO_OK); /* (the loop's own descriptors made first) */
    before = open_descriptors();
    CHECK_EQ(test_run(&loop, &TT.main, connect_name_main), AIO_OK);
    CHECK(TT.rc0 >= 0);
    CHECK_EQ(TT.at, 250);
    CHECK_EQ(open_descriptors(), before + 1); /* the winner only */
    if (TT.rc0 >= 0) CHECK_EQ(aio_close(TT.rc0), AIO_OK);
    before = open_descriptors();
    HOOK.second_port = HOOK.first_port;
    strcpy(HOOK.second, HOOK.first);
    CHECK_EQ(test_run(&loop, &TT.main, connect_hangs_main), AIO_OK);
    CHECK_EQ(TT.rc0, AIO_ETIMEDOUT);
    CHECK_EQ(TT.at, 1000);
    CHECK_EQ(open_descriptors(), before);
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(close(fillers[0]), 0);
    CHECK_EQ(close(fillers[1]), 0);
    CHECK_EQ(aio_close(hanging), AIO_OK);
    CHECK_EQ(aio_close(live), AIO_OK);
}
#endif

/* A call that ended, then its task cancelled before it resumed: the result
 * is dropped, the call freed. */
static aio_status ended_then_cancelled(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_NEVER);
    AIO_END(t);
}

static aio_status spinner(aio_task *t) {
    AIO_BEGIN(t);
    while (!TT.rc[5]) AIO_YIELD(t);
    AIO_END(t);
}

static void test_threads_ended_then_cancelled(void) {
    aio_loop loop;
    int spins = 0;
    reset();
    test_loop(&loop);
    TT.call[0].in = 2;
    TT.call[0].gated = 1; /* (it cannot end before the gate opens) */
    CHECK_EQ(aio_spawn(&TT.t[0], ended_then_cancelled), AIO_OK);
    CHECK_EQ(aio_spawn(&TT.other, spinner), AIO_OK); /* (keeps each turn busy: no idle wait) */
    (void)aio_step(&loop); /* it parks on the call */
    shared_set(&W.gate_open, 1);
    while (shared_get(&W.ended) == 0 && spins++ < 5000) nap_ms(1);
    nap_ms(50); /* (the thread hands the call over after the function returns) */
    (void)aio_step(&loop); /* the spinner runs, then the call is taken: the task is woken */
    aio_cancel(&TT.t[0]);  /* and cancelled before it resumes */
    while (aio_task_alive(&TT.t[0])) (void)aio_step(&loop);
    TT.rc[5] = 1;
    while (aio_task_alive(&TT.other)) (void)aio_step(&loop);
    CHECK_EQ(aio_task_result(&TT.t[0]), AIO_ECANCELED);
    CHECK_EQ(TT.rc0, 0);
    CHECK_EQ(TT.call[0].out, 0); /* not copied back */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* No timer slot for the await's deadline: it fails before its call is
 * queued (the function never runs). */
static aio_status hog(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}
static aio_status no_slot_call(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_MS(10));
    AIO_END(t);
}

static aio_status no_slot_connect(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "127.0.0.1", TT.rc[4], AIO_MS(10));
    AIO_END(t);
}
static aio_status no_slot_connect_name(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, TT.rc0, "dual.test", TT.rc[4], AIO_MS(10));
    AIO_END(t);
}

static void test_threads_no_timer_slot(void) {
    aio_loop loop;
    aio_timer one[1];
    int listener = aio_tcp_listen("127.0.0.1", 0, 0);
    reset();
    CHECK(listener >= 0);
    TT.rc[4] = aio_socket_port(listener);
    memset(&HOOK, 0, sizeof HOOK);
    aio_set_lookup(test_lookup, &HOOK);
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, test_start);
    CHECK_EQ(aio_spawn(&TT.other, hog), AIO_OK);
    (void)aio_step(&loop);
    CHECK_EQ(aio_spawn(&TT.t[0], no_slot_call), AIO_OK);
    (void)aio_step(&loop);
    CHECK(!aio_task_alive(&TT.t[0]));
    CHECK_EQ(aio_task_result(&TT.t[0]), AIO_ENOSPC);
    CHECK_EQ(shared_get(&W.calls), 0);
    /* a connect: its attempt closed; by name: its lookup never asked */
    CHECK_EQ(aio_spawn(&TT.t[1], no_slot_connect), AIO_OK);
    CHECK_EQ(aio_spawn(&TT.t[2], no_slot_connect_name), AIO_OK);
    (void)aio_step(&loop);
    CHECK_EQ(aio_task_result(&TT.t[1]), AIO_ENOSPC);
    CHECK_EQ(aio_task_result(&TT.t[2]), AIO_ENOSPC);
    CHECK_EQ(shared_get(&HOOK.asked), 0);
    aio_set_lookup(NULL, NULL);
    CHECK_EQ(aio_close(listener), AIO_OK);
    aio_cancel(&TT.other);
    while (aio_task_alive(&TT.other)) (void)aio_step(&loop);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A loop that waits through a port of its own has no pool. */
static aio_status port_watch(aio_io *io, int fd, int old, int events) {
    (void)io; (void)fd; (void)old; (void)events;
    return AIO_OK;
}
static void port_wait(aio_io *io, aio_loop *loop, aio_time deadline) {
    (void)io; (void)loop; (void)deadline;
}

static void test_threads_need_system_wait(void) {
    aio_loop loop;
    static aio_io port;
    memset(&port, 0, sizeof port);
    port.watch = port_watch;
    port.wait = port_wait;
    test_loop(&loop);
    CHECK_EQ(aio_loop_set_io(&loop, &port), AIO_OK);
    CHECK_EQ(aio_loop_set_threads(&loop, 2), AIO_EINVAL);
    CHECK_DEBUG("aio_loop_set_threads: the loop waits through a port of its own");
    CHECK_EQ(aio_loop_set_threads_timeout(&loop, AIO_SEC(1)), AIO_EINVAL);
    CHECK_DEBUG("aio_loop_set_threads_timeout: the loop waits through a port of its own");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Once the pool has started (it wraps the loop's wait), the loop still
 * waits through the system's: a child process and a signal's event are
 * taken there, as on a loop that never used the pool. */
static struct {
    aio_process p;
    aio_event ev;
} AP;
static aio_status after_pool_main(aio_task *t) {
#ifdef _WIN32
    static const char *const exit4[] = {"cmd", "/c", "exit 4", NULL};
#else
    static const char *const exit4[] = {"sh", "-c", "exit 4", NULL};
#endif
    AIO_BEGIN(t);
    TT.call[0].in = 5;
    AIO_TO_THREAD(t, TT.rc0, blocking_square, &TT.call[0], sizeof TT.call[0], AIO_NEVER);
    CHECK_EQ(TT.rc0, 1005);
#ifndef AIO_NO_PROCESSES
    CHECK_EQ(aio_process_spawn(&AP.p, exit4, NULL), AIO_OK);
    AIO_PROCESS_WAIT(t, TT.rc0, &AP.p, AIO_NEVER);
    CHECK_EQ(TT.rc0, 4);
    CHECK_EQ(aio_process_close(&AP.p), AIO_OK);
#endif
    CHECK_EQ(aio_signal_event(SIGINT, &AP.ev), AIO_OK);
    CHECK_EQ(aio_signal_event(SIGINT, NULL), AIO_OK);
    AIO_END(t);
}
static void test_threads_then_processes_and_signals(void) {
    aio_loop loop;
    reset();
    memset(&AP, 0, sizeof AP);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &TT.main, after_pool_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#if defined(TEST_COUNTED_ALLOC) && !defined(_WIN32)
#include <sys/wait.h>
/* Out of memory at each allocation in turn (tests/counted_alloc.h fails the
 * n-th from the loop's start, n = 0, 1, ... until a run needs no more): a
 * child spawned and awaited (the system's wait started, its table grown, the
 * program's path searched), a call on the pool (the pool, its thread, the
 * call), a signal's event, a wait on a descriptor numbered past the table.
 * Each gives its result, or AIO_EIO where its memory ran out; what failed
 * leaves nothing behind (every block given back, no child left), and what
 * comes after it works. Three orders, so that each can be the first to start
 * the system's wait: the spawn, the call, the signal's event. */
static struct {
    aio_task main;
    aio_process p;
    aio_event ev;
    call_t call;
    int order, fd, high;
    aio_status spawned, waited, called, routed, ready;
} OM;
static aio_status oom_main(aio_task *t) {
    static const char *const exit4[] = {"sh", "-c", "exit 4", NULL};
    AIO_BEGIN(t);
    if (OM.order == 2) OM.routed = aio_signal_event(SIGUSR1, &OM.ev);
    if (OM.order == 1) {
        OM.call.in = 5;
        AIO_TO_THREAD(t, OM.called, blocking_square, &OM.call, sizeof OM.call, AIO_NEVER);
    }
    OM.spawned = aio_process_spawn(&OM.p, exit4, NULL);
    if (OM.spawned == AIO_OK) {
        AIO_PROCESS_WAIT(t, OM.waited, &OM.p, AIO_NEVER);
        if (OM.waited == AIO_EIO) AIO_PROCESS_WAIT(t, OM.waited, &OM.p, AIO_NEVER); /* (again: the memory is there now) */
        CHECK_EQ(OM.waited, 4);
        CHECK_EQ(aio_process_close(&OM.p), AIO_OK);
    }
    if (OM.order != 1) {
        OM.call.in = 5;
        AIO_TO_THREAD(t, OM.called, blocking_square, &OM.call, sizeof OM.call, AIO_NEVER);
    }
    if (OM.order != 2) OM.routed = aio_signal_event(SIGUSR1, &OM.ev);
    if (OM.routed == AIO_OK) CHECK_EQ(aio_signal_event(SIGUSR1, NULL), AIO_OK);
    AIO_WAIT_WRITABLE(t, OM.ready, OM.high, AIO_NEVER); /* (no deadline: no timer to grow) */
    AIO_END(t);
}
static void test_threads_out_of_memory(void) {
    int sv[2];
    long n;
    int failures = 0;
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    OM.high = fcntl(sv[0], F_DUPFD, 200); /* (past the system wait's first table of 64) */
    CHECK(OM.high >= 200);
    for (OM.order = 0; OM.order < 3; OM.order++) {
        for (n = 0;; n++) {
            aio_loop loop;
            unsigned long failed = test_alloc_failed();
            reset();
            memset(&OM.p, 0, sizeof OM.p);
            OM.spawned = OM.waited = OM.called = OM.routed = OM.ready = 1;
            test_loop(&loop);
            test_alloc_fail_after(n);
            CHECK_EQ(test_run(&loop, &OM.main, oom_main), AIO_OK);
            test_alloc_fail_after(-1);
            CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
            CHECK(OM.spawned == AIO_OK || OM.spawned == AIO_EIO);
            CHECK(OM.called == 1005 || OM.called == AIO_EIO);
            CHECK(OM.routed == AIO_OK || OM.routed == AIO_EIO);
            CHECK(OM.ready == AIO_OK || OM.ready == AIO_EIO);
            CHECK(waitpid(-1, NULL, WNOHANG) < 0); /* (no child left) */
            if (test_alloc_failed() == failed) break; /* (a run that needed no more) */
            failures++;
            CHECK(n < 40);
            if (n >= 40) break;
        }
        CHECK_EQ(OM.spawned, AIO_OK); /* (the last run, with all its memory) */
        CHECK_EQ(OM.called, 1005);
        CHECK_EQ(OM.routed, AIO_OK);
        CHECK_EQ(OM.ready, AIO_OK);
    }
    CHECK(failures >= 3 * 6); /* (each order: at least six allocations) */
    close(OM.high);
    close(sv[0]);
    close(sv[1]);
}
#endif

/* (The boards count a file's TEST_ENTRY lines: tests/embedded/test_qemu.sh.
 * They have no threads: only the test above runs there.) */
#define THREAD_ENTRY(name) TEST_ENTRY (name)
static const test_case cases[] = {
    THREAD_ENTRY(test_threads_ended_then_cancelled),
    THREAD_ENTRY(test_threads_no_timer_slot),
    THREAD_ENTRY(test_threads_need_system_wait),
    THREAD_ENTRY(test_threads_round_trip),
    THREAD_ENTRY(test_threads_bounded_queue),
    THREAD_ENTRY(test_threads_cancel_gives_up),
    THREAD_ENTRY(test_threads_raise_starts_threads),
    THREAD_ENTRY(test_threads_destroy_waits_at_most_timeout),
    THREAD_ENTRY(test_threads_timeout_real_clock),
    THREAD_ENTRY(test_threads_in_timeout_block),
    THREAD_ENTRY(test_threads_bad_input),
    THREAD_ENTRY(test_threads_lookup_hook),
    THREAD_ENTRY(test_threads_lookup_system),
    THREAD_ENTRY(test_threads_listen_by_name),
    THREAD_ENTRY(test_threads_lookup_abandoned),
    THREAD_ENTRY(test_threads_lookup_bad_input),
    THREAD_ENTRY(test_threads_connect_next_after_refusal),
    THREAD_ENTRY(test_threads_interleave_whole_answer),
    THREAD_ENTRY(test_threads_connect_lookup_timeout),
    THREAD_ENTRY(test_threads_then_processes_and_signals),
#if defined(TEST_COUNTED_ALLOC) && !defined(_WIN32)
    THREAD_ENTRY(test_threads_out_of_memory),
#endif
#ifdef __linux__
    THREAD_ENTRY(test_threads_happy_eyeballs),
#endif
};
#endif

void register_threads_tests(void) { test_register(cases, TEST_COUNT(cases)); }
