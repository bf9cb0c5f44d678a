/* SPDX-License-Identifier: MIT */
/* Blocks that hold (AIO_WITH_LOCK, AIO_WITH_SEMAPHORE, AIO_WITH_CONDITION:
 * asyncio's `async with lock:`), try blocks (AIO_TRY / AIO_CLEANUP:
 * try/finally), AIO_LEAVE and aio_to_seconds.
 *
 * Every way out of a block is taken: its end, AIO_LEAVE, AIO_RAISE,
 * AIO_RETURN, an outer block's deadline at an exact virtual time, a cancel;
 * each time what the block holds is given back (or its cleanup runs) exactly
 * once, before anything after it, and the next waiter in line gets it at that
 * instant. Traces: "wN+@ms" = worker N's body began, "wN-S@ms" = the code
 * after its block ran with the block's status S, "wNc@ms" = its cleanup ran,
 * "wNf=S@ms" = its AIO_FINALLY with status S. */
#include "workers.h"

enum { K_LOCK, K_SEM, K_COND, K_TRY };
enum { H_END, H_LEAVE, H_RAISE, H_RETURN };

typedef struct {
    aio_task task;
    int id;
    int kind;            /* what the block is (K_...) */
    int how;             /* how its body is left after the first sleep (H_...) */
    aio_time pre;        /* a sleep before the block */
    aio_time outer;      /* an AIO_TIMEOUT around the block (0: none) */
    aio_time d;          /* the acquire's timeout */
    aio_time hold;       /* the body's first sleep */
    aio_time hold2;      /* its second sleep (after the H_ point) */
    int rounds;          /* the block this often, in a loop (0: once) */
    int round;
    aio_timeout to, held, tried;
    int body, after, cleanup, fin;
    int locked_at_cleanup, locked_at_fin, sem_at_fin;
} hw;

static struct {
    aio_task task;
    hw w[4];
    aio_lock lock, lock2;
    aio_semaphore sem;
    aio_condition cond;
    int ready;
    aio_status rc, rc2;
} H;

static void reset(void) {
    memset(&H, 0, sizeof H);
    aio_semaphore_init(&H.sem, 1, 1);
    aio_condition_init(&H.cond, &H.lock);
}

static int holding(void) { return aio_lock_locked(&H.lock); }

/* The body every block runs: sleep, maybe leave or raise, sleep again. */
#define HOLD_BODY(t, w, sc)                                                    \
    (w)->body++;                                                               \
    trace("w%d+@%lld ", (w)->id, T_MS());                                      \
    AIO_SLEEP(t, (w)->hold);                                                   \
    if ((w)->how == H_LEAVE) AIO_LEAVE(t, sc);                                 \
    if ((w)->how == H_RAISE) AIO_RAISE(t, AIO_EUSER);                          \
    if ((w)->how == H_RETURN) AIO_RETURN(t, 7);                                \
    AIO_SLEEP(t, (w)->hold2)

static aio_status holder(aio_task *t) {
    hw *w = AIO_SELF(t, hw);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    for (w->round = 0; w->round < (w->rounds ? w->rounds : 1); w->round++) {
        AIO_TIMEOUT(t, &w->to, w->outer ? w->outer : AIO_NEVER) {
            if (w->kind == K_LOCK) {
                AIO_WITH_LOCK(t, &w->held, &H.lock, w->d) {
                    HOLD_BODY(t, w, &w->held);
                }
            } else if (w->kind == K_SEM) {
                AIO_WITH_SEMAPHORE(t, &w->held, &H.sem, w->d) {
                    HOLD_BODY(t, w, &w->held);
                }
            } else if (w->kind == K_COND) {
                AIO_WITH_CONDITION(t, &w->held, &H.cond, w->d) {
                    HOLD_BODY(t, w, &w->held);
                }
            } else {
                AIO_TRY(t, &w->tried) {
                    HOLD_BODY(t, w, &w->tried);
                }
                AIO_CLEANUP(t, &w->tried) {
                    w->cleanup++;
                    w->locked_at_cleanup = holding();
                    trace("w%dc@%lld ", w->id, T_MS());
                }
            }
            w->after++;
            trace("w%d-%d@%lld ", w->id, aio_timeout_status(w->kind == K_TRY ? &w->tried : &w->held),
                  T_MS());
        }
    }
    AIO_FINALLY(t);
    w->fin++;
    w->locked_at_fin = holding();
    w->sem_at_fin = aio_semaphore_value(&H.sem);
    trace("w%df=%d@%lld ", w->id, AIO_STATUS(t), T_MS());
    AIO_END(t);
}

static void set_w(int i, int kind, int how, aio_time hold, aio_time hold2) {
    H.w[i].id = i;
    H.w[i].kind = kind;
    H.w[i].how = how;
    H.w[i].d = AIO_NEVER;
    H.w[i].hold = hold;
    H.w[i].hold2 = hold2;
}

/* Runs w[0] alone as the main task. */
static aio_status run_one(aio_loop *loop) { return test_run(loop, &H.w[0].task, holder); }
/* w[0] set (set_w's kind, way out, hold and hold2) and run alone: it ends
 * with `rc`, having traced `text`. */
#define RUN_ONE(kind, how, hold, hold2, rc, text)                              \
    do {                                                                       \
        set_w(0, (kind), (how), (hold), (hold2));                              \
        CHECK_EQ(run_one(&loop), (rc));                                        \
        CHECK_STR(test_trace, text);                                           \
    } while (0)

/* ------------------------------------------------- every way out, one by one */

static void test_holds_lock_block_end(void) {
    BEGIN_TEST();
    RUN_ONE(K_LOCK, H_END, AIO_MS(10), AIO_MS(5), AIO_OK, "w0+@0 w0-0@15 w0f=0@15 ");
    CHECK_EQ(H.w[0].after, 1);
    CHECK(!holding());
    END_TEST();
}

static void test_holds_lock_block_leave(void) {
    BEGIN_TEST();
    RUN_ONE(K_LOCK, H_LEAVE, AIO_MS(10), AIO_SEC(5), AIO_OK, "w0+@0 w0-0@10 w0f=0@10 "); /* the second sleep never ran */
    CHECK(!holding());
    END_TEST();
}

static void test_holds_lock_block_raise(void) {
    BEGIN_TEST();
    RUN_ONE(K_LOCK, H_RAISE, AIO_MS(10), AIO_SEC(5), AIO_EUSER, "w0+@0 w0f=-64@10 ");
    CHECK_EQ(H.w[0].after, 0);
    CHECK_EQ(H.w[0].locked_at_fin, 0); /* released before AIO_FINALLY */
    END_TEST();
}

static void test_holds_lock_block_return(void) {
    BEGIN_TEST();
    RUN_ONE(K_LOCK, H_RETURN, AIO_MS(10), AIO_SEC(5), 7, "w0+@0 w0f=7@10 ");
    CHECK_EQ(H.w[0].locked_at_fin, 0);
    END_TEST();
}

/* An outer block's deadline at 30 ms unwinds through the lock's block: the
 * lock is free at 30 ms, the outer block reports it, the code after the lock's
 * block (inside the outer one) does not run. */
static void test_holds_lock_block_outer_deadline(void) {
    BEGIN_TEST();
    set_w(0, K_LOCK, H_END, AIO_SEC(1), 0);
    H.w[0].outer = AIO_MS(30);
    CHECK_EQ(run_one(&loop), AIO_OK);
    CHECK_STR(test_trace, "w0+@0 w0f=0@30 ");
    CHECK_EQ(aio_timeout_status(&H.w[0].to), AIO_ETIMEDOUT);
    CHECK_EQ(H.w[0].after, 0);
    CHECK_EQ(H.w[0].locked_at_fin, 0);
    END_TEST();
}

static aio_status main_cancel_w0(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&H.w[0].task, holder), AIO_OK);
    AIO_SLEEP(t, AIO_MS(25));
    CHECK_EQ(aio_cancel(&H.w[0].task), 1);
    AIO_AWAIT(t, H.rc, &H.w[0].task);
    AIO_END(t);
}

/* A cancel at 25 ms: the lock is free when AIO_FINALLY runs, at 25 ms. */
static void test_holds_lock_block_cancel(void) {
    BEGIN_TEST();
    set_w(0, K_LOCK, H_END, AIO_SEC(1), 0);
    CHECK_EQ(test_run(&loop, &H.task, main_cancel_w0), AIO_OK);
    CHECK_EQ(H.rc, AIO_ECANCELED);
    CHECK_STR(test_trace, "w0+@0 w0f=-1@25 ");
    CHECK_EQ(H.w[0].locked_at_fin, 0);
    END_TEST();
}

static aio_status main_three(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&H.w[0].task, holder), AIO_OK);
    CHECK_EQ(aio_spawn(&H.w[1].task, holder), AIO_OK);
    CHECK_EQ(aio_spawn(&H.w[2].task, holder), AIO_OK);
    AIO_AWAIT(t, H.rc, &H.w[0].task);
    AIO_AWAIT(t, H.rc, &H.w[1].task);
    AIO_AWAIT(t, H.rc, &H.w[2].task);
    AIO_END(t);
}

/* Three blocks on one lock, each 10 ms: the lock goes to each in the order
 * they asked, the moment the one before leaves its block. */
static void test_holds_lock_fifo_after_the_block(void) {
    BEGIN_TEST();
    set_w(0, K_LOCK, H_END, AIO_MS(10), 0);
    set_w(1, K_LOCK, H_LEAVE, AIO_MS(10), AIO_SEC(1));
    set_w(2, K_LOCK, H_END, AIO_MS(10), 0);
    CHECK_EQ(test_run(&loop, &H.task, main_three), AIO_OK);
    CHECK_STR(test_trace, "w0+@0 w0-0@10 w0f=0@10 w1+@10 w1-0@20 w1f=0@20 w2+@20 w2-0@30 w2f=0@30 ");
    CHECK(!holding());
    END_TEST();
}

/* The first holds the lock for 100 ms; the second waits for it at most 20:
 * its block reports AIO_ETIMEDOUT at 20 ms without running its body, and the
 * lock stays the first's; the third, waiting without a limit, gets it at 100. */
static void test_holds_lock_acquire_times_out(void) {
    BEGIN_TEST();
    set_w(0, K_LOCK, H_END, AIO_MS(100), 0);
    set_w(1, K_LOCK, H_END, AIO_MS(10), 0);
    H.w[1].d = AIO_MS(20);
    set_w(2, K_LOCK, H_END, AIO_MS(10), 0);
    CHECK_EQ(test_run(&loop, &H.task, main_three), AIO_OK);
    CHECK_STR(test_trace, "w0+@0 w1--2@20 w1f=0@20 w0-0@100 w0f=0@100 w2+@100 w2-0@110 w2f=0@110 ");
    CHECK_EQ(H.w[1].body, 0);
    CHECK_EQ(H.w[1].after, 1);
    END_TEST();
}

/* Cancelled while it waits for the lock: it unwinds without releasing what it
 * never had; the holder keeps the lock, the next waiter gets it after. */
static aio_status main_cancel_waiter(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&H.w[0].task, holder), AIO_OK);
    CHECK_EQ(aio_spawn(&H.w[1].task, holder), AIO_OK);
    CHECK_EQ(aio_spawn(&H.w[2].task, holder), AIO_OK);
    AIO_SLEEP(t, AIO_MS(20));
    CHECK_EQ(aio_cancel(&H.w[1].task), 1);
    AIO_AWAIT(t, H.rc, &H.w[1].task);
    CHECK_EQ(H.rc, AIO_ECANCELED);
    CHECK(holding());
    AIO_AWAIT(t, H.rc, &H.w[0].task);
    AIO_AWAIT(t, H.rc, &H.w[2].task);
    AIO_END(t);
}

static void test_holds_lock_cancelled_while_acquiring(void) {
    BEGIN_TEST();
    set_w(0, K_LOCK, H_END, AIO_MS(50), 0);
    set_w(1, K_LOCK, H_END, AIO_MS(10), 0);
    set_w(2, K_LOCK, H_END, AIO_MS(10), 0);
    CHECK_EQ(test_run(&loop, &H.task, main_cancel_waiter), AIO_OK);
    CHECK_STR(test_trace, "w0+@0 w1f=-1@20 w0-0@50 w0f=0@50 w2+@50 w2-0@60 w2f=0@60 ");
    CHECK_EQ(H.w[1].body, 0);
    END_TEST();
}

/* ------------------------------------------------------------- semaphores */

/* The bug a simulation found in a hand-written version: a permit not given
 * back on the timeout path only. Ten rounds, each cut by an outer deadline at
 * 30 ms while it holds the semaphore's one permit: the permit comes back
 * every time, and a second worker waiting for it gets it at each cut. */
static void test_holds_semaphore_permit_returned_on_outer_timeout(void) {
    BEGIN_TEST();
    set_w(0, K_SEM, H_END, AIO_SEC(1), 0);
    H.w[0].outer = AIO_MS(30);
    H.w[0].rounds = 10;
    CHECK_EQ(run_one(&loop), AIO_OK);
    CHECK_EQ(H.w[0].body, 10);
    CHECK_EQ(H.w[0].after, 0);
    CHECK_EQ(T_MS(), 300);
    CHECK_EQ(aio_timeout_status(&H.w[0].to), AIO_ETIMEDOUT);
    CHECK_EQ(H.w[0].sem_at_fin, 1);
    CHECK_EQ(aio_semaphore_value(&H.sem), 1);
    END_TEST();
}

static aio_status main_two(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&H.w[0].task, holder), AIO_OK);
    CHECK_EQ(aio_spawn(&H.w[1].task, holder), AIO_OK);
    AIO_AWAIT(t, H.rc, &H.w[0].task);
    AIO_AWAIT(t, H.rc2, &H.w[1].task);
    AIO_END(t);
}

/* Cut at 30 ms by its outer deadline, the first hands its permit to the
 * second, waiting since 0 ms, at that instant. */
static void test_holds_semaphore_handed_on_at_the_deadline(void) {
    BEGIN_TEST();
    set_w(0, K_SEM, H_END, AIO_SEC(1), 0);
    H.w[0].outer = AIO_MS(30);
    set_w(1, K_SEM, H_RAISE, AIO_MS(10), 0);
    CHECK_EQ(test_run(&loop, &H.task, main_two), AIO_OK);
    CHECK_STR(test_trace, "w0+@0 w0f=0@30 w1+@30 w1f=-64@40 ");
    CHECK_EQ(H.rc2, AIO_EUSER);
    CHECK_EQ(H.w[1].sem_at_fin, 1);
    CHECK_EQ(aio_semaphore_value(&H.sem), 1);
    END_TEST();
}

/* ------------------------------------------------------------- conditions */

typedef struct {
    aio_task task;
    aio_timeout held;
    aio_status rc;
    int fin, locked_at_fin;
} cw_t;
static cw_t C1;

/* `async with cond: while not ready: await cond.wait()` */
static aio_status cond_consumer(aio_task *t) {
    cw_t *c = AIO_SELF(t, cw_t);
    AIO_BEGIN(t);
    AIO_WITH_CONDITION(t, &c->held, &H.cond, AIO_NEVER) {
        while (!H.ready) {
            AIO_COND_WAIT(t, c->rc, &H.cond, AIO_NEVER);
        }
        trace("got@%lld ", T_MS());
    }
    AIO_FINALLY(t);
    c->fin++;
    c->locked_at_fin = holding();
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_timeout held;
    int cancel;
} cp_t;
static cp_t P1;

static aio_status cond_producer(aio_task *t) {
    cp_t *p = AIO_SELF(t, cp_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(40));
    if (p->cancel) {
        CHECK_EQ(aio_cancel(&C1.task), 1);
    }
    AIO_WITH_CONDITION(t, &p->held, &H.cond, AIO_NEVER) {
        H.ready = 1;
        CHECK_EQ(aio_condition_notify_all(&H.cond), p->cancel ? 0 : 1);
        AIO_SLEEP(t, AIO_MS(10));
        trace("notified@%lld ", T_MS());
    }
    AIO_END(t);
}

static aio_status main_cond(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&C1.task, cond_consumer), AIO_OK);
    CHECK_EQ(aio_spawn(&P1.task, cond_producer), AIO_OK);
    AIO_AWAIT(t, H.rc, &C1.task);
    AIO_AWAIT(t, H.rc2, &P1.task);
    AIO_END(t);
}

/* The producer's block holds the lock 40..50 ms; the consumer, notified at 40,
 * takes the lock back at 50 and leaves its block with the lock released. */
static void test_holds_condition_block(void) {
    BEGIN_TEST();
    memset(&C1, 0, sizeof C1);
    memset(&P1, 0, sizeof P1);
    CHECK_EQ(test_run(&loop, &H.task, main_cond), AIO_OK);
    CHECK_STR(test_trace, "notified@50 got@50 ");
    CHECK_EQ(C1.fin, 1);
    CHECK_EQ(C1.locked_at_fin, 0);
    CHECK(!holding());
    END_TEST();
}

/* Cancelled at 40 ms inside AIO_COND_WAIT: the wait takes the lock back, then
 * the block releases it while unwinding; the producer's block gets it at 40. */
static void test_holds_condition_block_cancelled_in_wait(void) {
    BEGIN_TEST();
    memset(&C1, 0, sizeof C1);
    memset(&P1, 0, sizeof P1);
    P1.cancel = 1;
    CHECK_EQ(test_run(&loop, &H.task, main_cond), AIO_OK);
    CHECK_EQ(H.rc, AIO_ECANCELED);
    CHECK_STR(test_trace, "notified@50 ");
    CHECK_EQ(C1.fin, 1);
    CHECK_EQ(C1.locked_at_fin, 0);
    CHECK(!holding());
    END_TEST();
}

/* ------------------------------------------------------------------ nested */

typedef struct {
    aio_task task;
    aio_timeout to, a, b, c;
    int fin, locked_at_fin, locked2_at_fin, sem_at_fin;
} nest_t;
static nest_t N1;

/* A lock, in it a semaphore, in it a try block, all cut by one outer deadline
 * at 70 ms: the try's cleanup runs first with both still held, then the
 * permit and the lock come back, innermost first, all at 70 ms. */
static aio_status nested(aio_task *t) {
    nest_t *n = AIO_SELF(t, nest_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &n->to, AIO_MS(70)) {
        AIO_WITH_LOCK(t, &n->a, &H.lock2, AIO_NEVER) {
            AIO_WITH_SEMAPHORE(t, &n->b, &H.sem, AIO_NEVER) {
                AIO_TRY(t, &n->c) {
                    AIO_SLEEP(t, AIO_SEC(1));
                }
                AIO_CLEANUP(t, &n->c) {
                    trace("cleanup@%lld lock=%d sem=%d ", T_MS(), aio_lock_locked(&H.lock2),
                          aio_semaphore_value(&H.sem));
                }
                trace("not here ");
            }
            trace("nor here ");
        }
        trace("nor there ");
    }
    trace("after=%d@%lld lock=%d sem=%d ", aio_timeout_status(&n->to), T_MS(), aio_lock_locked(&H.lock2),
          aio_semaphore_value(&H.sem));
    AIO_END(t);
}

static void test_holds_nested_blocks_outer_deadline(void) {
    BEGIN_TEST();
    memset(&N1, 0, sizeof N1);
    CHECK_EQ(test_run(&loop, &N1.task, nested), AIO_OK);
    CHECK_STR(test_trace, "cleanup@70 lock=1 sem=0 after=-2@70 lock=0 sem=1 ");
    END_TEST();
}

/* An inline coroutine holds the lock; its caller's block expires at 40 ms
 * while it sleeps inside: the callee's block releases the lock as the
 * unwinding passes through it, then the caller's block ends. */
typedef struct {
    aio_frame frame;
    aio_timeout held;
    int body;
} in_t;
typedef struct {
    aio_task task;
    aio_timeout to;
    in_t in;
    aio_status rc;
} call_t;
static call_t CL;

static aio_status inline_holder(aio_task *t, in_t *in) {
    AIO_BEGIN(t, in);
    AIO_WITH_LOCK(t, &in->held, &H.lock, AIO_NEVER) {
        in->body++;
        AIO_SLEEP(t, AIO_SEC(1));
    }
    AIO_END(t);
}

static aio_status caller_of_holder(aio_task *t) {
    call_t *c = AIO_SELF(t, call_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &c->to, AIO_MS(40)) {
        AIO_CALL(t, c->rc, inline_holder, &c->in);
    }
    trace("after=%d@%lld locked=%d ", aio_timeout_status(&c->to), T_MS(), holding());
    AIO_END(t);
}

static void test_holds_inline_coroutine_cut_by_callers_deadline(void) {
    BEGIN_TEST();
    memset(&CL, 0, sizeof CL);
    CHECK_EQ(test_run(&loop, &CL.task, caller_of_holder), AIO_OK);
    CHECK_STR(test_trace, "after=-2@40 locked=0 ");
    CHECK_EQ(CL.in.body, 1);
    END_TEST();
}

/* ------------------------------------------------------------- try blocks */

static void test_holds_try_end(void) {
    BEGIN_TEST();
    RUN_ONE(K_TRY, H_END, AIO_MS(10), AIO_MS(5), AIO_OK, "w0+@0 w0c@15 w0-0@15 w0f=0@15 ");
    END_TEST();
}

static void test_holds_try_leave(void) {
    BEGIN_TEST();
    RUN_ONE(K_TRY, H_LEAVE, AIO_MS(10), AIO_SEC(5), AIO_OK, "w0+@0 w0c@10 w0-0@10 w0f=0@10 ");
    END_TEST();
}

static void test_holds_try_raise(void) {
    BEGIN_TEST();
    RUN_ONE(K_TRY, H_RAISE, AIO_MS(10), AIO_SEC(5), AIO_EUSER, "w0+@0 w0c@10 w0f=-64@10 ");
    CHECK_EQ(H.w[0].cleanup, 1);
    CHECK_EQ(H.w[0].after, 0);
    END_TEST();
}

static void test_holds_try_return(void) {
    BEGIN_TEST();
    RUN_ONE(K_TRY, H_RETURN, AIO_MS(10), AIO_SEC(5), 7, "w0+@0 w0c@10 w0f=7@10 ");
    END_TEST();
}

static void test_holds_try_outer_deadline(void) {
    BEGIN_TEST();
    set_w(0, K_TRY, H_END, AIO_SEC(1), 0);
    H.w[0].outer = AIO_MS(30);
    CHECK_EQ(run_one(&loop), AIO_OK);
    CHECK_STR(test_trace, "w0+@0 w0c@30 w0f=0@30 ");
    CHECK_EQ(aio_timeout_status(&H.w[0].to), AIO_ETIMEDOUT);
    END_TEST();
}

static void test_holds_try_cancel(void) {
    BEGIN_TEST();
    set_w(0, K_TRY, H_END, AIO_SEC(1), 0);
    CHECK_EQ(test_run(&loop, &H.task, main_cancel_w0), AIO_OK);
    CHECK_EQ(H.rc, AIO_ECANCELED);
    CHECK_STR(test_trace, "w0+@0 w0c@25 w0f=-1@25 ");
    CHECK_EQ(H.w[0].cleanup, 1);
    END_TEST();
}

/* A deadline given to the try block itself (aio_timeout_reschedule) ends it
 * as any block's: its cleanup runs, then the code after it, status
 * AIO_ETIMEDOUT. */
typedef struct {
    aio_task task;
    aio_timeout tr;
    int cleanup;
} tr_t;
static tr_t T1;

static aio_status try_rescheduled(aio_task *t) {
    tr_t *s = AIO_SELF(t, tr_t);
    AIO_BEGIN(t);
    AIO_TRY(t, &s->tr) {
        CHECK_EQ(aio_timeout_reschedule_in(&s->tr, AIO_MS(20)), AIO_OK);
        AIO_SLEEP(t, AIO_SEC(1));
    }
    AIO_CLEANUP(t, &s->tr) {
        s->cleanup++;
    }
    trace("after=%d@%lld ", aio_timeout_status(&s->tr), T_MS());
    AIO_END(t);
}

static void test_holds_try_own_deadline(void) {
    BEGIN_TEST();
    memset(&T1, 0, sizeof T1);
    CHECK_EQ(test_run(&loop, &T1.task, try_rescheduled), AIO_OK);
    CHECK_STR(test_trace, "after=-2@20 ");
    CHECK_EQ(T1.cleanup, 1);
    END_TEST();
}

/* --------------------------------------------- the argument is read once */

/* Each block takes what it holds from an expression that reads R.i (the
 * lock, semaphore or condition R.i of two): the body changes R.i after 5 ms,
 * and what the block took is still what it gives back, at its end, at its
 * landing (cut by an outer deadline), and after a wait for it (the acquire's
 * resumption reads it too). */
static struct {
    aio_lock lock[2];
    aio_semaphore sem[2];
    aio_condition cond[2];
    int i;
} R;

typedef struct {
    aio_task task;
    int id, kind;
    aio_time outer;
    aio_timeout to, held;
} rw_t;
static rw_t RW[2];

#define READ_ONCE_BODY(t, w)                                                   \
    trace("s%d+@%lld ", (w)->id, T_MS());                                      \
    AIO_SLEEP(t, AIO_MS(5));                                                   \
    R.i = 1;                                                                   \
    AIO_SLEEP(t, AIO_MS(5))

static aio_status read_once(aio_task *t) {
    rw_t *w = AIO_SELF(t, rw_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &w->to, w->outer ? w->outer : AIO_NEVER) {
        if (w->kind == K_LOCK) {
            AIO_WITH_LOCK(t, &w->held, &R.lock[R.i], AIO_NEVER) {
                READ_ONCE_BODY(t, w);
            }
        } else if (w->kind == K_SEM) {
            AIO_WITH_SEMAPHORE(t, &w->held, &R.sem[R.i], AIO_NEVER) {
                READ_ONCE_BODY(t, w);
            }
        } else {
            AIO_WITH_CONDITION(t, &w->held, &R.cond[R.i], AIO_NEVER) {
                READ_ONCE_BODY(t, w);
            }
        }
    }
    trace("s%d-%d@%lld ", w->id, aio_timeout_status(&w->held), T_MS());
    AIO_END(t);
}

static aio_status read_once_two(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&RW[0].task, read_once), AIO_OK);
    CHECK_EQ(aio_spawn(&RW[1].task, read_once), AIO_OK);
    AIO_AWAIT(t, H.rc, &RW[0].task);
    AIO_AWAIT(t, H.rc2, &RW[1].task);
    AIO_END(t);
}

/* Both locks free and both permits back (a condition's block holds its lock). */
#define CHECK_ALL_GIVEN_BACK()                                                 \
    do {                                                                       \
        CHECK_EQ(aio_lock_locked(&R.lock[0]), 0);                              \
        CHECK_EQ(aio_lock_locked(&R.lock[1]), 0);                              \
        CHECK_EQ(aio_semaphore_value(&R.sem[0]), 1);                           \
        CHECK_EQ(aio_semaphore_value(&R.sem[1]), 1);                           \
    } while (0)

/* A block of that kind on a loop of its own (its clock from 0), run as
 * `fn` from `main_task`: R.i changed, everything given back (test_trace
 * says what ran when). */
static void read_once_run(int kind, aio_time outer, aio_task *main_task, aio_task_fn fn) {
    aio_loop loop;
    int k;
    memset(&R, 0, sizeof R);
    memset(RW, 0, sizeof RW);
    for (k = 0; k < 2; k++) {
        aio_semaphore_init(&R.sem[k], 1, 1);
        aio_condition_init(&R.cond[k], &R.lock[k]);
        RW[k].id = k;
        RW[k].kind = kind;
        RW[k].outer = outer;
    }
    test_loop(&loop);
    test_trace[0] = 0;
    CHECK_EQ(test_run(&loop, main_task, fn), AIO_OK);
    CHECK_EQ(R.i, 1);
    CHECK_ALL_GIVEN_BACK();
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_holds_argument_read_once_at_the_end(void) {
    int kind;
    for (kind = K_LOCK; kind <= K_COND; kind++) {
        read_once_run(kind, 0, &RW[0].task, read_once);
        CHECK_STR(test_trace, "s0+@0 s0-0@10 ");
    }
}

/* Cut at 7 ms by the deadline around it: its landing gives it back. */
static void test_holds_argument_read_once_at_the_landing(void) {
    int kind;
    for (kind = K_LOCK; kind <= K_COND; kind++) {
        read_once_run(kind, AIO_MS(7), &RW[0].task, read_once);
        CHECK_STR(test_trace, "s0+@0 s0-0@7 ");
    }
}

/* The second block waits for the first's (R.i 0 when it began), which the
 * first hands on at 10 ms, R.i 1 by then: the second holds that one. */
static void test_holds_argument_read_once_after_a_wait(void) {
    int kind;
    for (kind = K_LOCK; kind <= K_COND; kind++) {
        read_once_run(kind, 0, &H.task, read_once_two);
        CHECK_STR(test_trace, "s0+@0 s0-0@10 s1+@10 s1-0@20 ");
    }
}

/* ----------------------------------------------------------------- misuse */

typedef struct {
    aio_task task;
    aio_timeout held;
    int body;
} mis_t;
static mis_t M1;

static aio_status hold_null_scope(aio_task *t) {
    mis_t *m = AIO_SELF(t, mis_t);
    AIO_BEGIN(t);
    AIO_WITH_LOCK(t, (aio_timeout *)NULL, &H.lock, AIO_NEVER) {
        m->body++;
    }
    AIO_END(t);
}

static aio_status hold_reentered(aio_task *t) {
    mis_t *m = AIO_SELF(t, mis_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &m->held, AIO_SEC(1)) {
        AIO_WITH_SEMAPHORE(t, &m->held, &H.sem, AIO_NEVER) {
            m->body++;
        }
    }
    AIO_END(t);
}

static void test_holds_misuse(void) {
    BEGIN_TEST();
    memset(&M1, 0, sizeof M1);
    CHECK_EQ(test_run(&loop, &M1.task, hold_null_scope), AIO_EINVAL);
    CHECK_DEBUG("the scope pointer is NULL");
    CHECK_EQ(M1.body, 0);
    CHECK(!holding());
    memset(&M1, 0, sizeof M1);
    CHECK_EQ(test_run(&loop, &M1.task, hold_reentered), AIO_EINVAL);
    CHECK_DEBUG("re-entering a scope that is still open");
    CHECK_EQ(M1.body, 0);
    CHECK_EQ(aio_semaphore_value(&H.sem), 1);
    END_TEST();
}

/* AIO_LEAVE naming a block that is not the innermost open one: it still
 * ends the innermost (it is a break), and debug builds say so. */
typedef struct {
    aio_task task;
    aio_timeout outer, inner;
    int after_inner, after_outer;
} lv_t;
static lv_t L1;

static aio_status leave_wrong_block(aio_task *t) {
    lv_t *l = AIO_SELF(t, lv_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &l->outer, AIO_SEC(1)) {
        AIO_TIMEOUT(t, &l->inner, AIO_SEC(1)) {
            AIO_SLEEP(t, AIO_MS(5));
            AIO_LEAVE(t, &l->outer);
        }
        l->after_inner++;
    }
    l->after_outer++;
    AIO_END(t);
}

static void test_holds_leave_names_the_wrong_block(void) {
    BEGIN_TEST();
    memset(&L1, 0, sizeof L1);
    CHECK_EQ(test_run(&loop, &L1.task, leave_wrong_block), AIO_OK);
    CHECK_DEBUG("AIO_LEAVE: the scope is not the innermost open block");
    CHECK_EQ(L1.after_inner, 1);
    CHECK_EQ(L1.after_outer, 1);
    CHECK_EQ(T_MS(), 5);
    END_TEST();
}

/* A zero timeout takes a free lock at once (the body runs), and gives up at
 * once on a held one. */
typedef struct {
    aio_task task;
    aio_timeout a, b;
    int body_a, body_b;
} zero_t;
static zero_t Z1;

static aio_status hold_zero(aio_task *t) {
    zero_t *z = AIO_SELF(t, zero_t);
    AIO_BEGIN(t);
    AIO_WITH_LOCK(t, &z->a, &H.lock, 0) {
        z->body_a++;
        AIO_WITH_LOCK(t, &z->b, &H.lock, 0) { /* (not re-entrant, as asyncio's) */
            z->body_b++;
        }
    }
    AIO_END(t);
}

static void test_holds_zero_timeout(void) {
    BEGIN_TEST();
    memset(&Z1, 0, sizeof Z1);
    CHECK_EQ(test_run(&loop, &Z1.task, hold_zero), AIO_OK);
    CHECK_EQ(Z1.body_a, 1);
    CHECK_EQ(Z1.body_b, 0);
    CHECK_EQ(aio_timeout_status(&Z1.a), AIO_OK);
    CHECK_EQ(aio_timeout_status(&Z1.b), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 0);
    CHECK(!holding());
    END_TEST();
}

static void test_holds_to_seconds(void) {
    CHECK(aio_to_seconds(AIO_MS(1500)) == 1.5);
    CHECK(aio_to_seconds(0) == 0.0);
    CHECK(aio_to_seconds(AIO_SEC(2)) == 2.0);
}

static const test_case cases[] = {
    TEST_ENTRY(test_holds_lock_block_end),
    TEST_ENTRY(test_holds_lock_block_leave),
    TEST_ENTRY(test_holds_lock_block_raise),
    TEST_ENTRY(test_holds_lock_block_return),
    TEST_ENTRY(test_holds_lock_block_outer_deadline),
    TEST_ENTRY(test_holds_lock_block_cancel),
    TEST_ENTRY(test_holds_lock_fifo_after_the_block),
    TEST_ENTRY(test_holds_lock_acquire_times_out),
    TEST_ENTRY(test_holds_lock_cancelled_while_acquiring),
    TEST_ENTRY(test_holds_semaphore_permit_returned_on_outer_timeout),
    TEST_ENTRY(test_holds_semaphore_handed_on_at_the_deadline),
    TEST_ENTRY(test_holds_condition_block),
    TEST_ENTRY(test_holds_condition_block_cancelled_in_wait),
    TEST_ENTRY(test_holds_nested_blocks_outer_deadline),
    TEST_ENTRY(test_holds_inline_coroutine_cut_by_callers_deadline),
    TEST_ENTRY(test_holds_try_end),
    TEST_ENTRY(test_holds_try_leave),
    TEST_ENTRY(test_holds_try_raise),
    TEST_ENTRY(test_holds_try_return),
    TEST_ENTRY(test_holds_try_outer_deadline),
    TEST_ENTRY(test_holds_try_cancel),
    TEST_ENTRY(test_holds_try_own_deadline),
    TEST_ENTRY(test_holds_argument_read_once_at_the_end),
    TEST_ENTRY(test_holds_argument_read_once_at_the_landing),
    TEST_ENTRY(test_holds_argument_read_once_after_a_wait),
    TEST_ENTRY(test_holds_misuse),
    TEST_ENTRY(test_holds_leave_names_the_wrong_block),
    TEST_ENTRY(test_holds_zero_timeout),
    TEST_ENTRY(test_holds_to_seconds),
};

void register_holds_tests(void) { test_register(cases, TEST_COUNT(cases)); }
