/* SPDX-License-Identifier: MIT */
/* Queues of aio_timeout.h: asyncio.Queue, LifoQueue and PriorityQueue with
 * deadlines, first come first served, nothing lost at equal instants,
 * task_done/join, shutdown, and puts from outside the loop.
 *
 * Every test runs on the virtual clock and asserts exact times (ms since the
 * test started) and statuses. The actors follow small scripts of steps; each
 * step that completes appends "name:what=result@ms " to the trace, where
 * result is the status, and for a get that succeeded the item (g=7).
 *
 * The loop model used for the times: an iteration runs the tasks that were
 * ready at its start, wakes the waiters of what was put from outside, then
 * fires the timers due at its time; what they wake runs in the next
 * iteration, in the same instant. */
#include "workers.h"

/* ------------------------------------------------------------------ actors */

enum {
    Q_END = 0,
    Q_SLEEP,   /* sleep v ms */
    Q_PUT,     /* AIO_QUEUE_PUT of v, timeout d ms (-1: none) */
    Q_GET,     /* AIO_QUEUE_GET, timeout d */
    Q_PUTNW,   /* aio_queue_put_nowait(v) */
    Q_GETNW,   /* aio_queue_get_nowait */
    Q_JOIN,    /* AIO_QUEUE_JOIN, timeout d */
    Q_DONE,    /* aio_queue_task_done */
    Q_SHUT,    /* aio_queue_shutdown(v) */
    Q_CANCEL,  /* aio_cancel(actor v) */
    Q_ISR,     /* aio_queue_put_from_isr(v) */
    Q_GETS,    /* AIO_QUEUE_GET inside AIO_TIMEOUT(v ms), timeout d */
    Q_WORK,    /* busy work: the virtual clock moves on v ms without yielding */
    Q_PUTS,    /* AIO_QUEUE_PUT of 2 inside AIO_TIMEOUT(v ms, -1: none), timeout d */
    Q_RESCHED, /* aio_timeout_reschedule_in(actor v's block, d ms) */
    Q_SELF,    /* aio_cancel of itself */
    Q_JOINS    /* AIO_QUEUE_JOIN inside AIO_TIMEOUT(v ms, -1: none), timeout d */
};

typedef struct { int op, v, d; } q_step;

typedef struct {
    aio_task task;
    const char *name;
    const q_step *steps;
    int i;
    int item, got;
    aio_status rc;
    aio_timeout scope;
} actor_t;

typedef struct {
    aio_task task;
    actor_t a[6];
    int n;
    aio_queue q;
    int storage[8];
    aio_status rc;
    int i;
} qmain_t;

static qmain_t S;
static void reset(void) { memset(&S, 0, sizeof S); }

static aio_time q_ms(int d) { return d < 0 ? AIO_NEVER : AIO_MS(d); }

static void q_note(const actor_t *s, const char *what, aio_status rc) {
    if (rc == AIO_OK && (!strcmp(what, "g") || !strcmp(what, "gn")))
        trace("%s:%s=%d@%lld ", s->name, what, s->got, T_MS());
    else
        trace("%s:%s=%d@%lld ", s->name, what, (int)rc, T_MS());
}

/* the current step (a macro, not a local: locals do not survive an await) */
#define ST (&s->steps[s->i])

static aio_status actor(aio_task *t) {
    actor_t *s = AIO_SELF(t, actor_t);
    AIO_BEGIN(t);
    for (s->i = 0; ST->op != Q_END; s->i++) {
        switch (ST->op) {
        case Q_PUTNW:
            s->item = ST->v;
            q_note(s, "pn", aio_queue_put_nowait(&S.q, &s->item));
            break;
        case Q_GETNW:
            s->rc = aio_queue_get_nowait(&S.q, &s->got);
            q_note(s, "gn", s->rc);
            break;
        case Q_DONE: q_note(s, "d", aio_queue_task_done(&S.q)); break;
        case Q_SHUT:
            aio_queue_shutdown(&S.q, ST->v);
            q_note(s, "shut", AIO_OK);
            break;
        case Q_CANCEL: q_note(s, "c", aio_cancel(&S.a[ST->v].task)); break;
        case Q_WORK: aio_virtual_advance(aio_running_loop(), AIO_MS(ST->v)); break;
        case Q_RESCHED:
            q_note(s, "r", aio_timeout_reschedule_in(&S.a[ST->v].scope, q_ms(ST->d)));
            break;
        case Q_SELF: q_note(s, "c", aio_cancel(t)); break;
        case Q_ISR:
            s->item = ST->v;
            q_note(s, "isr", aio_queue_put_from_isr(&S.q, &s->item));
            break;
        default: break;
        }
        /* the awaits, outside the switch (an await may not sit in one) */
        if (ST->op == Q_SLEEP) AIO_SLEEP(t, AIO_MS(ST->v));
        if (ST->op == Q_PUT) {
            s->item = ST->v;
            AIO_QUEUE_PUT(t, s->rc, &S.q, &s->item, q_ms(ST->d));
            q_note(s, "p", s->rc);
        }
        if (ST->op == Q_GET) {
            AIO_QUEUE_GET(t, s->rc, &S.q, &s->got, q_ms(ST->d));
            q_note(s, "g", s->rc);
        }
        if (ST->op == Q_GETS) {
            AIO_TIMEOUT(t, &s->scope, q_ms(ST->v)) {
                AIO_QUEUE_GET(t, s->rc, &S.q, &s->got, q_ms(ST->d));
                q_note(s, "g", s->rc);
            }
            if (aio_timeout_status(&s->scope) == AIO_ETIMEDOUT) q_note(s, "g", AIO_ETIMEDOUT);
        }
        if (ST->op == Q_JOINS) {
            AIO_TIMEOUT(t, &s->scope, q_ms(ST->v)) {
                AIO_QUEUE_JOIN(t, s->rc, &S.q, q_ms(ST->d));
                q_note(s, "j", s->rc);
            }
        }
        if (ST->op == Q_PUTS) {
            s->item = 2;
            AIO_TIMEOUT(t, &s->scope, q_ms(ST->v)) {
                AIO_QUEUE_PUT(t, s->rc, &S.q, &s->item, q_ms(ST->d));
                q_note(s, "p", s->rc);
            }
        }
        if (ST->op == Q_JOIN) {
            AIO_QUEUE_JOIN(t, s->rc, &S.q, q_ms(ST->d));
            q_note(s, "j", s->rc);
        }
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) trace("%s!c@%lld ", s->name, T_MS());
    if (AIO_STATUS(t) == AIO_ENOSPC) trace("%s!nospc@%lld ", s->name, T_MS());
    AIO_END(t);
}

/* The main task spawns the actors in order, then awaits each. */
static aio_status q_main(aio_task *t) {
    qmain_t *s = AIO_SELF(t, qmain_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->n; s->i++) aio_spawn(&s->a[s->i].task, actor);
    for (s->i = 0; s->i < s->n; s->i++) AIO_AWAIT(t, s->rc, &s->a[s->i].task);
    AIO_END(t);
}

/* Runs actors A, B, ... with the given scripts over queue S.q (set up by the
 * test); the trace is what they did. */
#define RUN_ACTORS(...)                                                        \
    do {                                                                       \
        static const q_step *scripts_[] = {__VA_ARGS__};                       \
        static const char *names_[] = {"A", "B", "C", "D", "E", "F"};          \
        int k_;                                                                \
        S.n = (int)(sizeof scripts_ / sizeof scripts_[0]);                     \
        for (k_ = 0; k_ < S.n; k_++) {                                         \
            S.a[k_].name = names_[k_];                                         \
            S.a[k_].steps = scripts_[k_];                                      \
        }                                                                      \
        CHECK_EQ(test_run(&loop, &S.task, q_main), AIO_OK);                   \
    } while (0)

static int int_less(const void *a, const void *b) { return *(const int *)a < *(const int *)b; }

/* ---------------------------------------------------------------- basics */

/* put_nowait / get_nowait keep FIFO order; the sizes follow; full and empty
 * are statuses. */
static void test_queue_fifo_nowait(void) {
    static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUTNW, 2, 0}, {Q_PUTNW, 3, 0}, {Q_GETNW, 0, 0},
                               {Q_GETNW, 0, 0}, {Q_GETNW, 0, 0}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 8, 2), AIO_OK);
    RUN_ACTORS(a);
    CHECK_STR(test_trace, "A:pn=0@0 A:pn=0@0 A:pn=-9@0 A:gn=1@0 A:gn=2@0 A:gn=-10@0 A:gn=-10@0 ");
    END_TEST();
}

static void test_queue_sizes(void) {
    int v = 5, out = 0;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 3, 2), AIO_OK);
    CHECK(aio_queue_empty(&S.q));
    CHECK(!aio_queue_full(&S.q));
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
    CHECK_EQ(aio_queue_qsize(&S.q), 1);
    CHECK(!aio_queue_empty(&S.q));
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
    CHECK(aio_queue_full(&S.q));
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_EFULL);
    CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
    CHECK_EQ(out, 5);
    CHECK_EQ(aio_queue_qsize(&S.q), 1);
    /* maxsize 0: unbounded in asyncio, bounded by the storage here */
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 2, 0), AIO_OK);
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
    CHECK(!aio_queue_full(&S.q)); /* never full, as asyncio's unbounded queue */
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_ENOSPC);
    CHECK_EQ(aio_queue_put_from_isr(&S.q, &v), AIO_ENOSPC);
    END_TEST();
}

/* The FIFO wraps around its storage. */
static void test_queue_fifo_wraps(void) {
    int i, v, out;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 3, 3), AIO_OK);
    for (i = 0; i < 10; i++) {
        v = i;
        CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
        if (i % 3 == 2) {
            CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
            CHECK_EQ(out, i - 2);
            CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
            CHECK_EQ(out, i - 1);
            CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
            CHECK_EQ(out, i);
        }
    }
    CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
    CHECK_EQ(out, 9);
    END_TEST();
}

/* Items of any size are copied whole, in and out: 8 bytes (a pointer's or
 * a double's, on most targets) and 3 (a struct of three chars), in a FIFO
 * that wraps and in a LIFO. */
static void test_queue_items_of_other_sizes(void) {
    typedef struct { unsigned char c[3]; } three;
    static uint64_t wide[3];
    static three narrow[2];
    uint64_t w, w_out;
    three n, n_out;
    aio_queue q;
    int i;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&q, wide, sizeof(uint64_t), 3, 0), AIO_OK);
    for (i = 0; i < 7; i++) { /* one in, one out: the head goes round twice */
        w = 0x0102030405060708u * (uint64_t)(i + 1);
        CHECK_EQ(aio_queue_put_nowait(&q, &w), AIO_OK);
        w_out = 0;
        CHECK_EQ(aio_queue_get_nowait(&q, &w_out), AIO_OK);
        CHECK(w_out == w);
    }
    CHECK_EQ(aio_lifo_queue_init(&q, narrow, sizeof(three), 2, 0), AIO_OK);
    for (i = 0; i < 2; i++) {
        n.c[0] = (unsigned char)(10 * i + 1);
        n.c[1] = (unsigned char)(10 * i + 2);
        n.c[2] = (unsigned char)(10 * i + 3);
        CHECK_EQ(aio_queue_put_nowait(&q, &n), AIO_OK);
    }
    for (i = 1; i >= 0; i--) {
        memset(&n_out, 0, sizeof n_out);
        CHECK_EQ(aio_queue_get_nowait(&q, &n_out), AIO_OK);
        CHECK_EQ(n_out.c[0], 10 * i + 1);
        CHECK_EQ(n_out.c[1], 10 * i + 2);
        CHECK_EQ(n_out.c[2], 10 * i + 3);
    }
    CHECK_EQ(aio_queue_get_nowait(&q, &n_out), AIO_EEMPTY);
    END_TEST();
}

/* LifoQueue: newest first. PriorityQueue: least first (heapq). */
static void test_queue_lifo_and_priority_order(void) {
    static const int in[] = {5, 1, 4, 2, 8, 3, 7, 6};
    int i, out;
    BEGIN_TEST();
    CHECK_EQ(aio_lifo_queue_init(&S.q, S.storage, sizeof(int), 8, 0), AIO_OK);
    for (i = 0; i < 8; i++) CHECK_EQ(aio_queue_put_nowait(&S.q, &in[i]), AIO_OK);
    for (i = 7; i >= 0; i--) {
        CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
        CHECK_EQ(out, in[i]);
    }
    CHECK_EQ(aio_priority_queue_init(&S.q, S.storage, sizeof(int), 8, 8, int_less), AIO_OK);
    for (i = 0; i < 8; i++) CHECK_EQ(aio_queue_put_nowait(&S.q, &in[i]), AIO_OK);
    for (i = 1; i <= 8; i++) {
        CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
        CHECK_EQ(out, i);
    }
    /* interleaved: 3 then 1 in, 1 out, 2 in, 2 out, 3 out */
    {
        static const int more[] = {3, 1, 2};
        CHECK_EQ(aio_queue_put_nowait(&S.q, &more[0]), AIO_OK);
        CHECK_EQ(aio_queue_put_nowait(&S.q, &more[1]), AIO_OK);
        CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
        CHECK_EQ(out, 1);
        CHECK_EQ(aio_queue_put_nowait(&S.q, &more[2]), AIO_OK);
        CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
        CHECK_EQ(out, 2);
        CHECK_EQ(aio_queue_get_nowait(&S.q, &out), AIO_OK);
        CHECK_EQ(out, 3);
    }
    END_TEST();
}

/* ------------------------------------------------------------- waiting */

/* A get waits for the put; a get with a timeout ends at its deadline. */
static void test_queue_get_waits_and_times_out(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_GET, 0, 30}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 50, 0}, {Q_PUTNW, 7, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "B:pn=0@50 A:g=7@50 A:g=-2@80 ");
    CHECK_EQ(aio_queue_qsize(&S.q), 0);
    END_TEST();
}

/* A put waits while the queue is full; a get frees a place for it. */
static void test_queue_put_waits_for_a_place(void) {
    static const q_step a[] = {{Q_PUT, 1, -1}, {Q_PUT, 2, -1}, {Q_PUT, 3, 20}, {Q_PUT, 4, -1},
                               {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 50, 0}, {Q_GETNW, 0, 0}, {Q_SLEEP, 10, 0}, {Q_GET, 0, -1},
                               {Q_GET, 0, -1}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 2), AIO_OK);
    RUN_ACTORS(a, b);
    /* A fills the queue (1, 2), its put of 3 times out at 20, its put of 4
     * waits; B takes 1 at 50, which hands the place to A's put of 4 */
    CHECK_STR(test_trace, "A:p=0@0 A:p=0@0 A:p=-2@20 B:gn=1@50 A:p=0@50 B:g=2@60 B:g=4@60 ");
    END_TEST();
}

/* Puts that wait with a timeout (their timers armed) are handed the places
 * gets free, one each, as puts with none are. */
static void test_queue_timed_puts_get_the_places(void) {
    static const q_step a[] = {{Q_PUT, 1, -1}, {Q_PUT, 2, -1}, {Q_PUT, 3, 100}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 50, 0}, {Q_GET, 0, -1}, {Q_GET, 0, -1}, {Q_GET, 0, -1},
                               {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_PUT, 4, 100}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 2), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "A:p=0@0 A:p=0@0 B:g=1@50 B:g=2@50 A:p=0@50 C:p=0@50 B:g=3@50 B:g=4@50 ");
    END_TEST();
}

/* Getters are served first come, first served, whatever the order in which
 * they would otherwise run. */
static void test_queue_getters_first_come_first_served(void) {
    static const q_step a[] = {{Q_SLEEP, 30, 0}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 20, 0}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step d[] = {{Q_SLEEP, 40, 0}, {Q_PUTNW, 1, 0}, {Q_PUTNW, 2, 0}, {Q_PUTNW, 3, 0},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c, d);
    /* B came first (10), then C (20), then A (30) */
    CHECK_STR(test_trace, "D:pn=0@40 D:pn=0@40 D:pn=0@40 B:g=1@40 C:g=2@40 A:g=3@40 ");
    END_TEST();
}

/* An item promised to a waiting getter is not taken by a newcomer: a
 * get_nowait in the same instant finds the queue empty for it, and a get
 * queues behind. */
static void test_queue_promised_item_not_taken_by_newcomer(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 1, 0}, {Q_GETNW, 0, 0}, {Q_GET, 0, 5},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "B:pn=0@10 B:gn=-10@10 A:g=1@10 B:g=-2@15 ");
    END_TEST();
}

/* ------------------------------------------------- nothing is ever lost */

/* A getter cancelled in the instant an item was promised to it hands the
 * item to the next getter. */
static void test_queue_cancelled_getter_hands_item_on(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 5, 0}, {Q_CANCEL, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "C:pn=0@10 C:c=1@10 A!c@10 B:g=5@10 ");
    CHECK_EQ(aio_task_result(&S.a[0].task), AIO_ECANCELED);
    END_TEST();
}

/* ... and with no getter left, the item stays in the queue. */
static void test_queue_cancelled_getter_leaves_item_in_queue(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 5, 0}, {Q_CANCEL, 0, 0}, {Q_SLEEP, 1, 0},
                               {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, c);
    CHECK_STR(test_trace, "B:pn=0@10 B:c=1@10 A!c@10 B:gn=5@11 ");
    END_TEST();
}

/* A getter's timeout block and a put due in the same instant: the block's
 * timer fires with the put's, before the tasks run, so the getter is
 * cancelled where it waits and the put goes to the next getter. */
static void test_queue_getter_block_expires_with_item_promised(void) {
    static const q_step a[] = {{Q_GETS, 20, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 20, 0}, {Q_PUTNW, 9, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c);
    /* at 20 A's block fires first (armed first): A is cancelled where it
     * waits, so C's put, which runs after, promises the item to B */
    CHECK_STR(test_trace, "A:g=-2@20 C:pn=0@20 B:g=9@20 ");
    END_TEST();
}

/* A put in the instant a getter's block expires, made before the block's
 * deadline was seen (busy work brought the clock there): the item is
 * promised to the getter, whose next checkpoint then finds the deadline
 * passed (deadlines are checked at every checkpoint); it takes the
 * cancellation and hands the item on. */
static void test_queue_getter_block_expires_with_item_promised_after_work(void) {
    static const q_step a[] = {{Q_GETS, 20, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 19, 0}, {Q_WORK, 1, 0}, {Q_PUTNW, 9, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "C:pn=0@20 A:g=-2@20 B:g=9@20 ");
    END_TEST();
}

/* A getter's own timeout at the instant of a put: the order of the timer
 * and the put decides, and in both the item is got exactly once. */
static void test_queue_get_timeout_and_put_same_instant(void) {
    static const q_step a[] = {{Q_GET, 0, 20}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 20, 0}, {Q_PUTNW, 4, 0}, {Q_SLEEP, 1, 0}, {Q_GETNW, 0, 0},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    /* A's timer was armed first: it fires first, A times out, the item stays */
    CHECK_STR(test_trace, "A:g=-2@20 B:pn=0@20 B:gn=4@21 ");
    END_TEST();
}

/* A put in the very instant of the getter's deadline, before that deadline
 * was seen (busy work brought the clock there): the item is promised to the
 * getter, which takes it; its deadline, passed by then, ends nothing. */
static void test_queue_put_then_get_timeout_same_instant(void) {
    static const q_step a[] = {{Q_SLEEP, 19, 0}, {Q_WORK, 1, 0}, {Q_PUTNW, 4, 0}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, 20}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "A:pn=0@20 B:g=4@20 ");
    CHECK_EQ(aio_queue_qsize(&S.q), 0);
    END_TEST();
}

/* Both timers due in one instant fire before the tasks run: the getter's
 * deadline ends its wait, and the put that follows leaves the item in the
 * queue (asyncio does the same). */
static void test_queue_get_deadline_fires_with_a_sleep_that_puts(void) {
    static const q_step a[] = {{Q_SLEEP, 20, 0}, {Q_PUTNW, 4, 0}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, 20}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "A:pn=0@20 B:g=-2@20 ");
    CHECK_EQ(aio_queue_qsize(&S.q), 1);
    END_TEST();
}

/* A putter cancelled in the instant a place was promised to it hands the
 * place to the next putter. */
static void test_queue_cancelled_putter_hands_place_on(void) {
    static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUT, 2, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_PUT, 3, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_GETNW, 0, 0}, {Q_CANCEL, 0, 0}, {Q_SLEEP, 1, 0},
                               {Q_GETNW, 0, 0}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "A:pn=0@0 C:gn=1@10 C:c=1@10 A!c@10 B:p=0@10 C:gn=3@11 C:gn=-10@11 ");
    END_TEST();
}

/* ------------------------------------------------------ task_done, join */

static void test_queue_join_waits_for_task_done(void) {
    static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUTNW, 2, 0}, {Q_JOIN, 0, 5}, {Q_JOIN, 0, -1},
                               {Q_JOIN, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, -1}, {Q_SLEEP, 10, 0}, {Q_DONE, 0, 0}, {Q_GET, 0, -1},
                               {Q_SLEEP, 10, 0}, {Q_DONE, 0, 0}, {Q_DONE, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    /* the join with a 5 ms timeout ends first; the next ends when the second
     * item is marked done at 20; a join with nothing undone does not wait;
     * one task_done too many is AIO_EINVAL */
    CHECK_STR(test_trace, "A:pn=0@0 A:pn=0@0 B:g=1@0 A:j=-2@5 B:d=0@10 B:g=2@10 B:d=0@20 "
                          "B:d=-3@20 A:j=0@20 A:j=0@20 ");
    END_TEST();
}

/* ------------------------------------------------------------- shutdown */

static void test_queue_shutdown(void) {
    static const q_step a[] = {{Q_SLEEP, 30, 0}, {Q_GET, 0, -1}, {Q_GET, 0, -1}, {Q_GET, 0, -1},
                               {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 1, 0}, {Q_PUTNW, 2, 0}, {Q_PUTNW, 3, 0},
                               {Q_PUT, 4, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 20, 0}, {Q_SHUT, 0, 0}, {Q_PUTNW, 9, 0}, {Q_JOIN, 0, 0},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 2), AIO_OK);
    RUN_ACTORS(a, b, c);
    /* B fills the queue (1, 2) and waits to put 4; the shutdown at 20 wakes
     * it to fail, and fails C's put; the join times out (two items never
     * marked done); at 30 the items left are still got, then gets fail */
    CHECK_STR(test_trace, "B:pn=0@10 B:pn=0@10 B:pn=-9@10 C:shut=0@20 C:pn=-11@20 B:p=-11@20 "
                          "C:j=-2@20 A:g=1@30 A:g=2@30 A:g=-11@30 ");
    END_TEST();
}

static void test_queue_shutdown_immediate(void) {
    static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUTNW, 2, 0}, {Q_JOIN, 0, 30}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_GET, 0, -1}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 5, 0}, {Q_GETNW, 0, 0}, {Q_SLEEP, 10, 0}, {Q_SHUT, 1, 0},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c);
    /* C takes 1 at 5, B takes 2 at 10 and waits for more; the immediate
     * shutdown at 15 finds the queue empty and wakes B to fail; the two items
     * taken were never marked done, so A's join still waits, and times out */
    CHECK_STR(test_trace, "A:pn=0@0 A:pn=0@0 C:gn=1@5 B:g=2@10 C:shut=0@15 B:g=-11@15 A:j=-2@30 ");
    END_TEST();
}

/* An immediate shutdown drops the items, which count as done: join ends. */
static void test_queue_shutdown_immediate_releases_join(void) {
    static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUTNW, 2, 0}, {Q_PUTNW, 3, 0}, {Q_JOIN, 0, -1},
                               {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 5, 0}, {Q_GETNW, 0, 0}, {Q_DONE, 0, 0}, {Q_SLEEP, 5, 0},
                               {Q_SHUT, 1, 0}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "A:pn=0@0 A:pn=0@0 A:pn=0@0 B:gn=1@5 B:d=0@5 B:shut=0@10 B:gn=-11@10 "
                          "A:j=0@10 ");
    CHECK_EQ(aio_queue_qsize(&S.q), 0);
    END_TEST();
}

/* A putter that a shutdown and its own deadline both reach before it runs
 * reports the one that reached it first. Its deadline first: at 10 it fires
 * (after B's timer, armed earlier), then B, woken first, shuts the queue
 * down: the putter had left, and times out. The shutdown first: at 5 B shuts
 * it down, then works past the putter's deadline (10): the putter runs at
 * 15 and reports the shutdown. */
static void test_queue_put_reports_shutdown_or_deadline_whichever_first(void) {
    {
        static const q_step a[] = {{Q_SLEEP, 1, 0}, {Q_PUTNW, 1, 0}, {Q_PUT, 2, 9}, {Q_END, 0, 0}};
        static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_SHUT, 0, 0}, {Q_END, 0, 0}};
        BEGIN_TEST();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        RUN_ACTORS(a, b);
        CHECK_STR(test_trace, "A:pn=0@1 B:shut=0@10 A:p=-2@10 ");
        END_TEST();
    }
    {
        static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUT, 2, 10}, {Q_END, 0, 0}};
        static const q_step b[] = {{Q_SLEEP, 5, 0}, {Q_SHUT, 0, 0}, {Q_WORK, 10, 0}, {Q_END, 0, 0}};
        BEGIN_TEST();
        test_trace[0] = 0; /* (a second run in one test) */
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        RUN_ACTORS(a, b);
        CHECK_STR(test_trace, "A:pn=0@0 B:shut=0@5 A:p=-11@15 ");
        END_TEST();
    }
}

/* The same for a getter, on an empty queue. */
static void test_queue_get_reports_shutdown_or_deadline_whichever_first(void) {
    {
        static const q_step a[] = {{Q_SLEEP, 1, 0}, {Q_GET, 0, 9}, {Q_END, 0, 0}};
        static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_SHUT, 0, 0}, {Q_END, 0, 0}};
        BEGIN_TEST();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        RUN_ACTORS(a, b);
        CHECK_STR(test_trace, "B:shut=0@10 A:g=-2@10 ");
        END_TEST();
    }
    {
        static const q_step a[] = {{Q_GET, 0, 10}, {Q_END, 0, 0}};
        static const q_step b[] = {{Q_SLEEP, 5, 0}, {Q_SHUT, 0, 0}, {Q_WORK, 10, 0}, {Q_END, 0, 0}};
        BEGIN_TEST();
        test_trace[0] = 0; /* (a second run in one test) */
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        RUN_ACTORS(a, b);
        CHECK_STR(test_trace, "B:shut=0@5 A:g=-11@15 ");
        END_TEST();
    }
}

/* A shutdown and a cancel in one step: the shutdown first, the waiter
 * reports it and the cancel reaches its next await (the sleep); the cancel
 * first, the waiter has left the queue and unwinds there. */
static void test_queue_shutdown_or_cancel_whichever_first(void) {
    {
        static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUT, 2, -1}, {Q_SLEEP, 1, 0}, {Q_END, 0, 0}};
        static const q_step b[] = {{Q_SLEEP, 5, 0}, {Q_SHUT, 0, 0}, {Q_CANCEL, 0, 0}, {Q_END, 0, 0}};
        BEGIN_TEST();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        RUN_ACTORS(a, b);
        CHECK_STR(test_trace, "A:pn=0@0 B:shut=0@5 B:c=1@5 A:p=-11@5 A!c@5 ");
        END_TEST();
    }
    {
        static const q_step a[] = {{Q_GET, 0, -1}, {Q_SLEEP, 1, 0}, {Q_END, 0, 0}};
        static const q_step b[] = {{Q_SLEEP, 5, 0}, {Q_CANCEL, 0, 0}, {Q_SHUT, 0, 0}, {Q_END, 0, 0}};
        BEGIN_TEST();
        test_trace[0] = 0; /* (a second run in one test) */
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        RUN_ACTORS(a, b);
        CHECK_STR(test_trace, "B:c=1@5 B:shut=0@5 A!c@5 ");
        END_TEST();
    }
}

/* A getter woken by a shutdown still gets an item left in the queue: here
 * one promised to A, which is cancelled before it runs and hands it on, with
 * no getter left waiting but B, which the shutdown had woken. */
static void test_queue_getter_woken_by_shutdown_gets_an_item_handed_on(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 1, 0}, {Q_SHUT, 0, 0}, {Q_CANCEL, 0, 0},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "C:pn=0@10 C:shut=0@10 C:c=1@10 A!c@10 B:g=1@10 ");
    END_TEST();
}

/* ------------------------------------------------- puts from outside */

/* A put from outside the loop (an interrupt handler, another thread) wakes
 * a waiting getter at the loop's next iteration; it never waits. */
static void test_queue_put_from_isr_wakes_getter(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_GET, 0, 50}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_ISR, 6, 0}, {Q_ISR, 7, 0}, {Q_ISR, 8, 0},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 2), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "B:isr=0@10 B:isr=0@10 B:isr=-9@10 A:g=6@10 A:g=7@10 ");
    END_TEST();
}

/* From outside any task, between iterations of a super-loop. */
static void test_queue_put_from_isr_between_steps(void) {
    static const q_step a[] = {{Q_GET, 0, 100}, {Q_END, 0, 0}};
    int v = 42;
    aio_loop loop;
    reset();
    test_loop(&loop);
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    S.a[0].name = "A";
    S.a[0].steps = a;
    CHECK_EQ(aio_spawn(&S.a[0].task, actor), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1); /* A waits */
    CHECK_EQ(aio_queue_put_from_isr(&S.q, &v), AIO_OK);
    CHECK_EQ(aio_next_deadline(&loop), aio_loop_now(&loop)); /* work to do now */
    /* nothing was ready: the iteration first hands the item to A, then runs it */
    CHECK_EQ(aio_step(&loop), 1);
    CHECK(aio_task_done(&S.a[0].task));
    CHECK_STR(test_trace, "A:g=42@0 ");
    END_TEST();
}

/* A put from outside while no getter waits is got by the next get. */
static void test_queue_put_from_isr_before_any_getter(void) {
    static const q_step a[] = {{Q_SLEEP, 10, 0}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    int v = 3;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    CHECK_EQ(aio_queue_put_from_isr(&S.q, &v), AIO_OK);
    RUN_ACTORS(a);
    CHECK_STR(test_trace, "A:g=3@10 ");
    END_TEST();
}

/* ------------------------------------------------ cancellation, blocks */

static void test_queue_cancel_waiting_getter_and_putter(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_PUTNW, 1, 0}, {Q_PUT, 2, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_CANCEL, 0, 0}, {Q_CANCEL, 1, 0}, {Q_SLEEP, 1, 0},
                               {Q_GETNW, 0, 0}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
    RUN_ACTORS(a, b, c);
    /* A's get took the 1 B put at once; B's put of 2 waits and is cancelled */
    CHECK_STR(test_trace, "B:pn=0@0 A:g=1@0 B:p=0@0 C:c=0@10 C:c=0@10 C:gn=2@11 C:gn=-10@11 ");
    END_TEST();
}

/* ------------------------------------------------------------ bad input */

static void test_queue_bad_input(void) {
    int v = 1;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, NULL, sizeof(int), 4, 0), AIO_EINVAL);
    CHECK_DEBUG("queue init");
    CHECK_EQ(aio_queue_init(&S.q, S.storage, 0, 4, 0), AIO_EINVAL);
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 0, 0), AIO_EINVAL);
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 5), AIO_EINVAL);
    CHECK_DEBUG("maxsize");
    /* places and items are counted in an unsigned int: a FIFO's head plus
     * its count must fit (the storage is not touched by the init) */
    CHECK_EQ(aio_lifo_queue_init(&S.q, S.storage, 1, (uint32_t)(UINT_MAX / 2 + 1u), 0), AIO_EINVAL);
    CHECK_DEBUG("UINT_MAX / 2");
    CHECK_EQ(aio_queue_init(&S.q, S.storage, 1, (uint32_t)(UINT_MAX / 2), 0), AIO_OK);
    CHECK_EQ(aio_priority_queue_init(&S.q, S.storage, sizeof(int), 4, 0, NULL), AIO_EINVAL);
    CHECK_DEBUG("comparison");
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    CHECK_EQ(aio_queue_put_nowait(&S.q, NULL), AIO_EINVAL);
    CHECK_EQ(aio_queue_get_nowait(&S.q, NULL), AIO_EINVAL);
    CHECK_EQ(aio_queue_put_from_isr(NULL, &v), AIO_EINVAL);
    CHECK_EQ(aio_queue_task_done(&S.q), AIO_EINVAL);
    CHECK_DEBUG("task_done");
    aio_queue_shutdown(&S.q, 0);
    CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_ESHUTDOWN);
    CHECK_EQ(aio_queue_put_from_isr(&S.q, &v), AIO_ESHUTDOWN);
    CHECK_EQ(aio_queue_get_nowait(&S.q, &v), AIO_ESHUTDOWN);
    CHECK(strcmp(aio_strerror(AIO_EFULL), "queue full") == 0);
    CHECK(strcmp(aio_strerror(AIO_EEMPTY), "queue empty") == 0);
    CHECK(strcmp(aio_strerror(AIO_ESHUTDOWN), "queue shut down") == 0);
    END_TEST();
}

/* ---------------------------------------------------------- more edges */

/* A priority queue hands waiting getters the least items, in their order. */
static void test_queue_priority_getters_wait(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 9, 0}, {Q_PUTNW, 4, 0}, {Q_PUTNW, 6, 0},
                               {Q_SLEEP, 1, 0}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_priority_queue_init(&S.q, S.storage, sizeof(int), 4, 0, int_less), AIO_OK);
    RUN_ACTORS(a, b);
    /* the put of 9 is promised to A's first get; when A runs the least is 4 */
    CHECK_STR(test_trace, "B:pn=0@10 B:pn=0@10 B:pn=0@10 A:g=4@10 A:g=6@10 B:gn=9@11 ");
    END_TEST();
}

/* A place promised to a putter that then finds the queue shut down: the put
 * fails; an item promised to a getter and dropped by an immediate shutdown:
 * the get fails. */
static void test_queue_promises_broken_by_shutdown(void) {
    static const q_step a[] = {{Q_PUTNW, 1, 0}, {Q_PUT, 2, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_GETNW, 0, 0}, {Q_SHUT, 0, 0}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 20, 0}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step d[] = {{Q_SLEEP, 30, 0}, {Q_ISR, 5, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
    RUN_ACTORS(a, b, c, d);
    /* A's put of 2 is promised the place B frees at 10, but B shuts the
     * queue down before A runs; C's get at 20 finds it empty and shut down;
     * the put from outside at 30 is refused */
    CHECK_STR(test_trace, "A:pn=0@0 B:gn=1@10 B:shut=0@10 A:p=-11@10 C:g=-11@20 D:isr=-11@30 ");
    END_TEST();
}

static void test_queue_immediate_shutdown_drops_promised_item(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 1, 0}, {Q_SHUT, 1, 0}, {Q_JOIN, 0, -1},
                               {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    /* the item promised to A is dropped before A runs: A's get fails; the
     * dropped item counts as done, so the join returns at once */
    CHECK_STR(test_trace, "B:pn=0@10 B:shut=0@10 B:j=0@10 A:g=-11@10 ");
    END_TEST();
}

/* The awaits refuse a NULL queue or item and an invalid timeout. */
static aio_status q_misuse(aio_task *t) {
    qmain_t *s = AIO_SELF(t, qmain_t);
    AIO_BEGIN(t);
    if (s->i == 0) AIO_QUEUE_PUT(t, s->rc, &s->q, (int *)NULL, AIO_NEVER);
    if (s->i == 1) AIO_QUEUE_GET(t, s->rc, (aio_queue *)NULL, &s->storage[0], AIO_NEVER);
    if (s->i == 2) AIO_QUEUE_PUT(t, s->rc, &s->q, &s->storage[0], AIO_TIME_INVALID);
    if (s->i == 3) AIO_QUEUE_GET(t, s->rc, &s->q, &s->storage[0], AIO_TIME_INVALID);
    if (s->i == 4) AIO_QUEUE_JOIN(t, s->rc, (aio_queue *)NULL, AIO_NEVER);
    if (s->i == 5) AIO_QUEUE_JOIN(t, s->rc, &s->q, AIO_TIME_INVALID);
    if (s->i == 6) AIO_QUEUE_PUT(t, s->rc, (aio_queue *)NULL, &s->storage[0], AIO_NEVER);
    if (s->i == 7) AIO_QUEUE_GET(t, s->rc, &s->q, (int *)NULL, AIO_NEVER);
    AIO_END(t);
}

static void test_queue_await_bad_input(void) {
    static const char *const says[] = {"queue put: the queue or the item is NULL",
                                       "queue get: the queue or the item is NULL",
                                       "queue put: the timeout", "queue get: the timeout",
                                       "queue join: the queue is NULL", "queue join: the timeout",
                                       "queue put: the queue or the item is NULL",
                                       "queue get: the queue or the item is NULL"};
    int k;
    for (k = 0; k < 8; k++) {
        BEGIN_TEST();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
        S.i = k;
        test_last_debug[0] = 0;
        CHECK_EQ(test_run(&loop, &S.task, q_misuse), AIO_EINVAL);
        CHECK_DEBUG(says[k]);
        (void)says;
        END_TEST();
    }
}

/* The getters of one queue belong to one loop. */
static aio_status q_get_on_other_loop(aio_task *t) {
    qmain_t *s = AIO_SELF(t, qmain_t);
    AIO_BEGIN(t);
    AIO_QUEUE_GET(t, s->rc, &S.q, &s->storage[0], AIO_MS(10));
    AIO_END(t);
}

static void getters_of_two_loops(aio_task_fn getter) {
    static const q_step a[] = {{Q_GET, 0, 50}, {Q_END, 0, 0}};
    static qmain_t other;
    aio_loop loop2;
    BEGIN_TEST();
    memset(&other, 0, sizeof other);
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    S.a[0].name = "A";
    S.a[0].steps = a;
    CHECK_EQ(aio_spawn(&S.a[0].task, actor), AIO_OK);
    CHECK_EQ(aio_step(&loop), 1); /* A waits on the queue, in loop */
    test_loop(&loop2);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop2, &other.task, getter), AIO_EINVAL);
    CHECK_DEBUG("a queue's getters belong to one loop");
    CHECK_EQ(aio_loop_destroy(&loop2), AIO_OK);
    aio_cancel(&S.a[0].task);
    while (aio_step(&loop) > 0) {
    }
    CHECK(aio_task_cancelled(&S.a[0].task));
    CHECK_STR(test_trace, "A!c@0 ");
    END_TEST();
}
static void test_queue_getters_of_two_loops(void) { getters_of_two_loops(q_get_on_other_loop); }

/* The same with no timeout (a getter with nothing to check). */
static aio_status q_get_on_other_loop_never(aio_task *t) {
    qmain_t *s = AIO_SELF(t, qmain_t);
    AIO_BEGIN(t);
    AIO_QUEUE_GET(t, s->rc, &S.q, &s->storage[0], AIO_NEVER);
    AIO_END(t);
}

static void test_queue_getters_of_two_loops_no_timeout(void) {
    getters_of_two_loops(q_get_on_other_loop_never);
}

/* -------------------------------------------------- woken with no promise */

/* A loop with one timer slot, held by a sleeper (actor B): a waiter whose
 * block's deadline is moved needs a timer it cannot get, so it is woken to
 * find out; it then takes what it can, or raises AIO_ENOSPC. */
#define ONE_SLOT_LOOP()                                                        \
    static aio_timer one_slot_[1];                                             \
    aio_loop loop;                                                             \
    reset();                                                                   \
    aio_loop_init(&loop, one_slot_, 1);                                        \
    aio_loop_use_virtual_clock(&loop, 0);                                      \
    test_start = 0;                                                            \
    test_trace[0] = 0

static void test_queue_getter_woken_without_an_item(void) {
    static const q_step a[] = {{Q_GETS, -1, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_RESCHED, 0, 100}, {Q_END, 0, 0}};
    ONE_SLOT_LOOP();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "C:r=0@0 A!nospc@0 ");
    CHECK_EQ(aio_task_result(&S.a[0].task), AIO_ENOSPC);
    END_TEST();
}

static void test_queue_putter_woken_without_a_place(void) {
    static const q_step a[] = {{Q_PUTS, -1, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_RESCHED, 0, 100}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    static const q_step c2[] = {{Q_RESCHED, 0, 100}, {Q_END, 0, 0}};
    int v = 1;
    {
        ONE_SLOT_LOOP();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
        RUN_ACTORS(a, b, c);
        /* woken by the failed re-arm, A finds the place C freed (promised to
         * no one: A was not waiting then) and puts */
        CHECK_STR(test_trace, "C:r=0@0 C:gn=1@0 A:p=0@0 ");
        CHECK_EQ(aio_queue_qsize(&S.q), 1);
        END_TEST();
    }
    {
        ONE_SLOT_LOOP();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
        CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
        RUN_ACTORS(a, b, c2);
        CHECK_STR(test_trace, "C:r=0@0 A!nospc@0 ");
        END_TEST();
    }
}

static void test_queue_joiner_woken_without_all_done(void) {
    static const q_step a[] = {{Q_JOINS, -1, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_RESCHED, 0, 100}, {Q_DONE, 0, 0}, {Q_END, 0, 0}};
    static const q_step c2[] = {{Q_RESCHED, 0, 100}, {Q_END, 0, 0}};
    int v = 1;
    {
        ONE_SLOT_LOOP();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
        CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
        RUN_ACTORS(a, b, c);
        /* woken by the failed re-arm; the item was marked done meanwhile */
        CHECK_STR(test_trace, "C:r=0@0 C:d=0@0 A:j=0@0 ");
        END_TEST();
    }
    {
        ONE_SLOT_LOOP();
        CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
        CHECK_EQ(aio_queue_put_nowait(&S.q, &v), AIO_OK);
        RUN_ACTORS(a, b, c2);
        CHECK_STR(test_trace, "C:r=0@0 A!nospc@0 ");
        END_TEST();
    }
}

/* Items put from outside and not yet handed out (the loop has not drained
 * since) are not taken by a newcomer while a getter waits. */
static void test_queue_isr_items_go_to_the_waiting_getter(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_ISR, 5, 0}, {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b);
    CHECK_STR(test_trace, "B:isr=0@0 B:gn=-10@0 A:g=5@0 ");
    END_TEST();
}

/* A put, get or join entered with a cancellation pending raises it (every
 * await is a checkpoint); a waiting putter and a joiner cancelled. */
static void test_queue_awaits_are_checkpoints(void) {
    static const q_step a[] = {{Q_SELF, 0, 0}, {Q_PUT, 1, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SELF, 0, 0}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SELF, 0, 0}, {Q_JOIN, 0, -1}, {Q_END, 0, 0}};
    static const q_step d[] = {{Q_PUTNW, 7, 0}, {Q_PUT, 8, -1}, {Q_END, 0, 0}};
    static const q_step e[] = {{Q_JOIN, 0, -1}, {Q_END, 0, 0}};
    static const q_step f[] = {{Q_SLEEP, 10, 0}, {Q_CANCEL, 3, 0}, {Q_CANCEL, 4, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 1), AIO_OK);
    RUN_ACTORS(a, b, c, d, e, f);
    CHECK_STR(test_trace, "A:c=1@0 B:c=1@0 C:c=1@0 D:pn=0@0 A!c@0 B!c@0 C!c@0 F:c=1@10 F:c=1@10 "
                          "D!c@10 E!c@10 ");
    CHECK_EQ(aio_queue_qsize(&S.q), 1);
    END_TEST();
}

/* NULL anywhere is AIO_EINVAL. */
static void test_queue_null_arguments(void) {
    int v = 1;
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(NULL, S.storage, sizeof(int), 4, 0), AIO_EINVAL);
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    CHECK_EQ(aio_queue_put_nowait(NULL, &v), AIO_EINVAL);
    CHECK_EQ(aio_queue_get_nowait(NULL, &v), AIO_EINVAL);
    CHECK_EQ(aio_queue_put_from_isr(&S.q, NULL), AIO_EINVAL);
    CHECK_EQ(aio_queue_task_done(NULL), AIO_EINVAL);
    test_last_debug[0] = 0;
    aio_queue_shutdown(NULL, 1);
    CHECK_DEBUG("queue shutdown: the queue is NULL");
    END_TEST();
}

/* ------------------------------------------- the fast paths' other ways */

/* A getter granted an item by a task's put resumes after a put from
 * outside made in the same turn, before it, by a task that ran first: the
 * queue's ring is still pending (heard in the next turn). It takes the item
 * promised, then the other at once with its next get; the ring, heard
 * later, finds no getter to wake. */
static void test_queue_granted_getter_with_a_ring_pending(void) {
    static const q_step a[] = {{Q_GET, 0, -1}, {Q_GET, 0, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_SLEEP, 0, 0}, {Q_ISR, 7, 0}, {Q_SLEEP, 5, 0},
                               {Q_GETNW, 0, 0}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_SLEEP, 10, 0}, {Q_PUTNW, 6, 0}, {Q_END, 0, 0}};
    BEGIN_TEST();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 2), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "C:pn=0@10 B:isr=0@10 A:g=6@10 A:g=7@10 B:gn=-10@15 ");
    END_TEST();
}

/* A getter woken by a failed re-arm (its block moved, the one timer slot
 * taken) finds the item put since, while it was no longer waiting (handed
 * to no one), and takes it: the getter's side of
 * test_queue_putter_woken_without_a_place. */
static void test_queue_getter_woken_finds_an_item(void) {
    static const q_step a[] = {{Q_GETS, -1, -1}, {Q_END, 0, 0}};
    static const q_step b[] = {{Q_SLEEP, 10, 0}, {Q_END, 0, 0}};
    static const q_step c[] = {{Q_RESCHED, 0, 100}, {Q_PUTNW, 5, 0}, {Q_END, 0, 0}};
    ONE_SLOT_LOOP();
    CHECK_EQ(aio_queue_init(&S.q, S.storage, sizeof(int), 4, 0), AIO_OK);
    RUN_ACTORS(a, b, c);
    CHECK_STR(test_trace, "C:r=0@0 C:pn=0@0 A:g=5@0 ");
    CHECK_EQ(aio_queue_qsize(&S.q), 0);
    END_TEST();
}

static const test_case cases[] = {
    TEST_ENTRY(test_queue_priority_getters_wait),
    TEST_ENTRY(test_queue_promises_broken_by_shutdown),
    TEST_ENTRY(test_queue_immediate_shutdown_drops_promised_item),
    TEST_ENTRY(test_queue_await_bad_input),
    TEST_ENTRY(test_queue_getters_of_two_loops),
    TEST_ENTRY(test_queue_getters_of_two_loops_no_timeout),
    TEST_ENTRY(test_queue_getter_woken_without_an_item),
    TEST_ENTRY(test_queue_putter_woken_without_a_place),
    TEST_ENTRY(test_queue_joiner_woken_without_all_done),
    TEST_ENTRY(test_queue_isr_items_go_to_the_waiting_getter),
    TEST_ENTRY(test_queue_awaits_are_checkpoints),
    TEST_ENTRY(test_queue_null_arguments),
    TEST_ENTRY(test_queue_fifo_nowait),
    TEST_ENTRY(test_queue_sizes),
    TEST_ENTRY(test_queue_fifo_wraps),
    TEST_ENTRY(test_queue_items_of_other_sizes),
    TEST_ENTRY(test_queue_lifo_and_priority_order),
    TEST_ENTRY(test_queue_get_waits_and_times_out),
    TEST_ENTRY(test_queue_put_waits_for_a_place),
    TEST_ENTRY(test_queue_timed_puts_get_the_places),
    TEST_ENTRY(test_queue_getters_first_come_first_served),
    TEST_ENTRY(test_queue_promised_item_not_taken_by_newcomer),
    TEST_ENTRY(test_queue_cancelled_getter_hands_item_on),
    TEST_ENTRY(test_queue_cancelled_getter_leaves_item_in_queue),
    TEST_ENTRY(test_queue_getter_block_expires_with_item_promised),
    TEST_ENTRY(test_queue_getter_block_expires_with_item_promised_after_work),
    TEST_ENTRY(test_queue_get_timeout_and_put_same_instant),
    TEST_ENTRY(test_queue_put_then_get_timeout_same_instant),
    TEST_ENTRY(test_queue_get_deadline_fires_with_a_sleep_that_puts),
    TEST_ENTRY(test_queue_cancelled_putter_hands_place_on),
    TEST_ENTRY(test_queue_join_waits_for_task_done),
    TEST_ENTRY(test_queue_shutdown),
    TEST_ENTRY(test_queue_shutdown_immediate),
    TEST_ENTRY(test_queue_shutdown_immediate_releases_join),
    TEST_ENTRY(test_queue_put_reports_shutdown_or_deadline_whichever_first),
    TEST_ENTRY(test_queue_get_reports_shutdown_or_deadline_whichever_first),
    TEST_ENTRY(test_queue_shutdown_or_cancel_whichever_first),
    TEST_ENTRY(test_queue_getter_woken_by_shutdown_gets_an_item_handed_on),
    TEST_ENTRY(test_queue_put_from_isr_wakes_getter),
    TEST_ENTRY(test_queue_put_from_isr_between_steps),
    TEST_ENTRY(test_queue_put_from_isr_before_any_getter),
    TEST_ENTRY(test_queue_cancel_waiting_getter_and_putter),
    TEST_ENTRY(test_queue_bad_input),
    TEST_ENTRY(test_queue_granted_getter_with_a_ring_pending),
    TEST_ENTRY(test_queue_getter_woken_finds_an_item),
};

void register_queues_tests(void) { test_register(cases, TEST_COUNT(cases)); }
