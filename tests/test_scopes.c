/* SPDX-License-Identifier: MIT */
/* Unit tests: timeout scopes, inline calls and deadlines of aio_timeout.h.
 *
 * Every test runs on the virtual clock and asserts exact times (ms since the
 * test started) and statuses worked out by hand from the rules R1-R92 (CPython's
 * behaviours, tests/conformance/RULES.md) and L1-L11 (the
 * library's, docs/behaviour.md "Differences from asyncio"). Traces print times as
 * "@ms"; a deadline of -1 means "none" (AIO_NEVER). */
#include "workers.h"
#include <math.h>

/* ------------------------------------------------------------------ state */

/* State of an inline coroutine (AIO_CALL). */
typedef struct callee_s {
    aio_frame frame;
    aio_timeout to;         /* the callee's own scope */
    aio_timeout *scope;     /* a scope of the caller (reschedule tests) */
    struct callee_s *next;  /* next callee of a call chain, or NULL */
    aio_status rc;          /* value to return / a recorded status */
    int id;
} callee_t;

/* Everything a test needs; zeroed at the start of every test. */
typedef struct {
    aio_task task; /* the main task */
    aio_task worker, helper;
    aio_timeout to, to2, to3;
    callee_t c[3];
    aio_status rc, rc2, rc3;
    int v, n;
    aio_time d, when;
} st_t;

static st_t S;

static void reset(void) { memset(&S, 0, sizeof S); }

/* Status and expired() of a scope, for "%d/%d". */
#define ST(sc) aio_timeout_status(sc), aio_timeout_expired(sc)

static void trace_deadline(const char *tag, aio_task *t) {
    trace("%s ed=%lld left=%lld ", tag, rel_ms(aio_effective_deadline(t)), ms_of(aio_time_left(t)));
}

/* The last debug message contains `text` (always true in non-debug builds). */
#ifdef AIO_DEBUG
#define DEBUG_SAYS(text) (strstr(test_last_debug, (text)) != NULL)
#else
#define DEBUG_SAYS(text) 1
#endif

/* ------------------------------------------------------- shared coroutines */

/* A helper task that only notes when it ran. */
static aio_status helper_trace(aio_task *t) {
    AIO_BEGIN(t);
    trace("h@%lld ", T_MS());
    AIO_END(t);
}

/* Sleeps 1 s, then returns s->rc (a value or an error). */
static aio_status c_ret(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_RETURN(t, s->rc);
    AIO_FINALLY(t);
    trace("c%d=%d@%lld ", s->id, AIO_STATUS(t), T_MS());
    AIO_END(t);
}

/* Sleeps 10 s; its cleanup takes 0.5 s. */
static aio_status c_slow_cleanup(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    trace("cfin=%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_SLEEP(t, AIO_MS(500));
    trace("cdone@%lld ", T_MS());
    AIO_END(t);
}

/* Sleeps 10 s; its cleanup swallows the cancellation and returns 5. */
static aio_status c_swallow(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    trace("cfin=%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_RETURN(t, 5);
    AIO_END(t);
}

/* Spawns `fn` as the worker, then behaves like main_cancel_worker_at_1s. */
static aio_task_fn worker_fn;
static aio_status main_spawn_cancel_at_1s(aio_task *t) {
    AIO_BEGIN(t);
    S.rc3 = aio_spawn(&S.worker, worker_fn);
    AIO_SLEEP(t, AIO_SEC(1));
    S.rc2 = aio_cancel(&S.worker);
    AIO_AWAIT(t, S.rc, &S.worker);
    trace("main=%d@%lld", S.rc, T_MS());
    AIO_END(t);
}

/* ------------------------------------------------------------ basic scopes */

static aio_status basic_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        trace("in@%lld ", T_MS());
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_RETURN(t, 7);
    AIO_END(t);
}
/* R23/R38: the block is cut short at 1 s, execution continues after it, task not cancelled. */
static void test_scope_basic_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, basic_main), 7);
    CHECK_STR(test_trace, "in@0 after@1000 st=-2/1");
    CHECK(!aio_task_cancelled(&S.task));
    END_TEST();
}

static aio_status at_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(500));
    S.when = (aio_time)(aio_now() + AIO_SEC(2));
    AIO_TIMEOUT_AT(t, &S.to, S.when) {
        trace("when=%lld ", rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R17/R33: timeout_at uses the absolute deadline verbatim (0.5 s + 2 s = 2.5 s). */
static void test_scope_timeout_at(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, at_main), AIO_OK);
    CHECK_STR(test_trace, "when=2500 after@2500 st=-2/1");
    CHECK_EQ(aio_timeout_when(&S.to), S.when);
    END_TEST();
}

static aio_status not_reached_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(2)) {
        AIO_SLEEP(t, AIO_SEC(1));
        trace("body@%lld ", T_MS());
    }
    trace("after@%lld st=%d/%d ", T_MS(), ST(&S.to));
    AIO_SLEEP(t, AIO_SEC(2)); /* past the old deadline: the scope is closed */
    trace("end@%lld", T_MS());
    AIO_RETURN(t, 1);
    AIO_END(t);
}
/* R87-like/R38: a block finishing before its deadline: status OK, expired 0, nothing fires later. */
static void test_scope_not_reached(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, not_reached_main), 1);
    CHECK_STR(test_trace, "body@1000 after@1000 st=0/0 end@3000");
    END_TEST();
}

static aio_status zero_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc2 = aio_spawn(&S.helper, helper_trace);
    AIO_TIMEOUT(t, &S.to, 0) {
        trace("in ");
        AIO_SLEEP(t, AIO_SEC(1));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_AWAIT(t, S.rc, &S.helper);
    AIO_END(t);
}
/* R19: timeout(0) enters the block; the first await fails after one yield (the helper runs), time unchanged. */
static void test_scope_zero_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, zero_main), AIO_OK);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_STR(test_trace, "in h@0 after@0 st=-2/1");
    END_TEST();
}

static aio_status past_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc2 = aio_spawn(&S.helper, helper_trace);
    S.when = (aio_time)(aio_now() - AIO_SEC(5));
    AIO_TIMEOUT_AT(t, &S.to, S.when) {
        trace("in ");
        AIO_YIELD(t);
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_AWAIT(t, S.rc, &S.helper);
    AIO_END(t);
}
/* R19/R32: a past timeout_at still enters the block; the first yield raises after one trip; when() keeps the value. */
static void test_scope_past_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, past_main), AIO_OK);
    CHECK_STR(test_trace, "in h@0 after@0 st=-2/1");
    CHECK_EQ(aio_timeout_when(&S.to), S.when);
    END_TEST();
}

static aio_status zero_no_await_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, 0) {
        trace("body ");
    }
    trace("after@%lld st=%d/%d ", T_MS(), ST(&S.to));
    AIO_SLEEP(t, AIO_SEC(1));
    trace("end@%lld", T_MS());
    AIO_END(t);
}
/* R20: a zero timeout whose body never awaits completes normally, expired()==0. */
static void test_scope_zero_no_await(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, zero_no_await_main), AIO_OK);
    CHECK_STR(test_trace, "body after@0 st=0/0 end@1000");
    END_TEST();
}

static aio_status cpu_past_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        aio_virtual_advance(aio_running_loop(), AIO_SEC(2));
        trace("body@%lld ", T_MS());
    }
    trace("after st=%d/%d ", ST(&S.to));
    AIO_YIELD(t);
    trace("end@%lld", T_MS());
    AIO_END(t);
}
/* R21: CPU work running past the deadline with no await is not interrupted; no timeout. */
static void test_scope_cpu_past_deadline_no_await(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, cpu_past_main), AIO_OK);
    CHECK_STR(test_trace, "body@2000 after st=0/0 end@2000");
    END_TEST();
}

static aio_status from_entry_main(aio_task *t) {
    AIO_BEGIN(t);
    S.d = AIO_SEC(1); /* computed at 0 s */
    AIO_SLEEP(t, AIO_SEC(5));
    AIO_TIMEOUT(t, &S.to, S.d) {
        trace("when=%lld ", rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* L6 (fixes R17): a relative deadline counts from block entry: sleep 5 then timeout(1) fires at 6. */
static void test_scope_relative_from_entry(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, from_entry_main), AIO_OK);
    CHECK_STR(test_trace, "when=6000 after@6000 st=-2/1");
    END_TEST();
}

static aio_status nan_main(aio_task *t) {
    AIO_BEGIN(t);
    trace("start ");
    AIO_TIMEOUT(t, &S.to, aio_seconds(NAN)) {
        trace("body ");
        AIO_SLEEP(t, AIO_SEC(1));
    }
    trace("after ");
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    trace("fin=%d@%lld", AIO_STATUS(t), T_MS());
    AIO_END(t);
}
/* L6 (fixes R39): timeout(NaN) is rejected: AIO_EINVAL raised at entry, the body never runs, FINALLY does. */
static void test_scope_nan_einval(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, nan_main), AIO_EINVAL);
    CHECK_STR(test_trace, "start fin=-3@0");
    CHECK_EQ(aio_timeout_expired(&S.to), 0);
    CHECK_EQ(aio_timeout_when(&S.to), AIO_NEVER); /* never entered */
    CHECK_DEBUG("NaN");
    END_TEST();
}

/* L6: aio_seconds: NaN -> invalid, negative -> 0 (due), +inf / huge -> AIO_NEVER, else rounded ticks. */
static void test_scope_seconds_conversions(void) {
    BEGIN_TEST();
    CHECK_EQ(aio_seconds(NAN), AIO_TIME_INVALID);
    CHECK_EQ(aio_seconds(-1.0), 0);
    CHECK_EQ(aio_seconds(-INFINITY), 0);
    CHECK_EQ(aio_seconds(0.0), 0);
    CHECK_EQ(aio_seconds(INFINITY), AIO_NEVER);
    CHECK_EQ(aio_seconds(1e12), AIO_NEVER);
    CHECK_EQ(aio_seconds(1.5), AIO_MS(1500));
    CHECK_EQ(aio_seconds(0.25), AIO_MS(250));
    CHECK_EQ(aio_seconds(3.0), AIO_SEC(3));
    END_TEST();
}

static aio_status seconds_scope_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, aio_seconds(-2.0)) {
        AIO_YIELD(t);
        trace("unreached1 ");
    }
    trace("neg@%lld st=%d/%d ", T_MS(), ST(&S.to));
    AIO_TIMEOUT(t, &S.to2, aio_seconds(INFINITY)) {
        trace("inf when=%lld ", rel_ms(aio_timeout_when(&S.to2)));
        AIO_SLEEP(t, AIO_SEC(5));
    }
    trace("@%lld st=%d/%d", T_MS(), ST(&S.to2));
    AIO_END(t);
}
/* L6/R19/R39: timeout(aio_seconds(-2)) is already due (fires at once); timeout(inf) never fires. */
static void test_scope_seconds_in_scopes(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, seconds_scope_main), AIO_OK);
    CHECK_STR(test_trace, "neg@0 st=-2/1 inf when=-1 @5000 st=0/0");
    END_TEST();
}

static aio_status sleep_at_deadline_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_SEC(1));
        trace("unreached1 ");
    }
    trace("a@%lld %d/%d ", T_MS(), ST(&S.to));
    S.when = (aio_time)(aio_now() + AIO_SEC(2));
    AIO_TIMEOUT_AT(t, &S.to2, S.when) {
        AIO_SLEEP_UNTIL(t, S.when);
        trace("unreached2 ");
    }
    trace("b@%lld %d/%d", T_MS(), ST(&S.to2));
    AIO_END(t);
}
/* CPython: a sleep ending exactly at the scope deadline is timed out (the deadline wins). */
static void test_scope_sleep_ends_at_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, sleep_at_deadline_main), AIO_OK);
    CHECK_STR(test_trace, "a@1000 -2/1 b@3000 -2/1");
    END_TEST();
}

static aio_status busy_loop_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_MS(1000)) {
        for (;;) {
            aio_virtual_advance(aio_running_loop(), AIO_MS(300));
            S.n++;
            AIO_YIELD(t);
        }
    }
    trace("@%lld n=%d st=%d/%d", T_MS(), S.n, ST(&S.to));
    AIO_END(t);
}
/* L6 (fixes R16): busy(0.3)+yield loop with deadline 1 s: the timeout is observed at 1.2 s, not 1.5 s. */
static void test_scope_checkpoint_sees_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, busy_loop_main), AIO_OK);
    CHECK_STR(test_trace, "@1200 n=4 st=-2/1");
    END_TEST();
}

static aio_status reuse_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_SEC(10));
    }
    trace("a@%lld %d/%d ", T_MS(), ST(&S.to));
    AIO_TIMEOUT(t, &S.to, AIO_SEC(2)) {
        AIO_SLEEP(t, AIO_SEC(1));
    }
    trace("b@%lld %d/%d when=%lld", T_MS(), ST(&S.to), rel_ms(aio_timeout_when(&S.to)));
    AIO_END(t);
}
/* R18 (sequential use after exit is fine here): a finished scope can be entered again; its state is fresh. */
static void test_scope_sequential_reuse(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, reuse_main), AIO_OK);
    CHECK_STR(test_trace, "a@1000 -2/1 b@2000 0/0 when=3000");
    END_TEST();
}

/* ----------------------------------------------------------------- nesting */

static aio_status outer_first_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(5)) {
            AIO_SLEEP(t, AIO_SEC(10));
            trace("unreached1 ");
        }
        trace("unreached2 ");
    }
    trace("after@%lld outer=%d/%d inner=%d/%d", T_MS(), ST(&S.to), ST(&S.to2));
    AIO_END(t);
}
/* R28: outer fires first: the unexpired inner lets it pass (inner expired 0), the outer converts. */
static void test_scope_nested_outer_first(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, outer_first_main), AIO_OK);
    CHECK_STR(test_trace, "after@1000 outer=-2/1 inner=0/0");
    END_TEST();
}

static aio_status inner_first_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(3)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(1)) {
            AIO_SLEEP(t, AIO_SEC(10));
            trace("unreached1 ");
        }
        trace("inner@%lld %d/%d ", T_MS(), ST(&S.to2));
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached2 ");
    }
    trace("outer@%lld %d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R30: inner fires first and converts; code continues inside the outer, which fires later. */
static void test_scope_nested_inner_first(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, inner_first_main), AIO_OK);
    CHECK_STR(test_trace, "inner@1000 -2/1 outer@3000 -2/1");
    END_TEST();
}

static aio_status same_deadline_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(2)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(2)) {
            AIO_SLEEP(t, AIO_SEC(10));
            trace("unreached1 ");
        }
        trace("unreached2 ");
    }
    trace("after@%lld outer=%d/%d inner=%d/%d", T_MS(), ST(&S.to), ST(&S.to2));
    AIO_END(t);
}
/* R29: both expire together: the OUTER reports ETIMEDOUT; the inner has expired()==1 but status OK. */
static void test_scope_nested_same_deadline(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, same_deadline_main), AIO_OK);
    CHECK_STR(test_trace, "after@2000 outer=-2/1 inner=0/1");
    END_TEST();
}

static aio_status both_overdue_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(2)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(1)) {
            aio_virtual_advance(aio_running_loop(), AIO_SEC(3));
            AIO_YIELD(t);
            trace("unreached1 ");
        }
        trace("unreached2 ");
    }
    trace("after@%lld outer=%d/%d inner=%d/%d", T_MS(), ST(&S.to), ST(&S.to2));
    AIO_END(t);
}
/* R29: both overdue after a busy stretch and noticed at one checkpoint: the outermost converts. */
static void test_scope_nested_both_overdue(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, both_overdue_main), AIO_OK);
    CHECK_STR(test_trace, "after@3000 outer=-2/1 inner=0/1");
    END_TEST();
}

static aio_status three_cascade_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(3)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(2)) {
            AIO_TIMEOUT(t, &S.to3, AIO_SEC(1)) {
                AIO_SLEEP(t, AIO_SEC(10));
            }
            trace("a@%lld %d/%d ", T_MS(), ST(&S.to3));
            AIO_SLEEP(t, AIO_SEC(10));
        }
        trace("b@%lld %d/%d ", T_MS(), ST(&S.to2));
        AIO_SLEEP(t, AIO_SEC(10));
    }
    trace("c@%lld %d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R30 x3: three levels firing innermost first; each converts its own expiry in turn. */
static void test_scope_three_levels_cascade(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, three_cascade_main), AIO_OK);
    CHECK_STR(test_trace, "a@1000 -2/1 b@2000 -2/1 c@3000 -2/1");
    END_TEST();
}

static aio_status three_middle_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(1)) {
            AIO_TIMEOUT(t, &S.to3, AIO_SEC(3)) {
                AIO_SLEEP(t, AIO_SEC(10));
            }
            trace("unreached ");
        }
        trace("mid@%lld ", T_MS());
        AIO_SLEEP(t, AIO_SEC(10));
    }
    trace("after@%lld outer=%d/%d mid=%d/%d inner=%d/%d", T_MS(), ST(&S.to), ST(&S.to2), ST(&S.to3));
    AIO_END(t);
}
/* R28+R30: three levels, the middle fires: the inner passes it through, the outer fires later. */
static void test_scope_three_levels_middle_fires(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, three_middle_main), AIO_OK);
    CHECK_STR(test_trace, "mid@1000 after@5000 outer=-2/1 mid=-2/1 inner=0/0");
    END_TEST();
}

/* Sleeps 10 s; its cleanup runs its own 0.5 s timeout around a 10 s sleep. */
static aio_status c_cleanup_timeout(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_RETURN(t, 1);
    AIO_FINALLY(t);
    trace("fin=%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_TIMEOUT(t, &s->to, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached1 ");
    }
    trace("cleanup=%d/%d@%lld ", ST(&s->to), T_MS());
    AIO_END(t);
}
static aio_status finally_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc = 99;
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_CALL(t, S.rc, c_cleanup_timeout, &S.c[0]);
        trace("unreached2 ");
    }
    trace("outer=%d/%d@%lld", ST(&S.to), T_MS());
    AIO_END(t);
}
/* R37: a timeout in a finally of an expired outer works on its own (ETIMEDOUT); the outer still reports. */
static void test_scope_timeout_in_finally(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, finally_timeout_main), AIO_OK);
    CHECK_STR(test_trace, "fin=-1@1000 cleanup=-2/1@1500 outer=-2/1@1500");
    CHECK_EQ(S.rc, 99); /* the call unwound: no value was stored */
    END_TEST();
}

static aio_status w_cleanup_timeout(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    trace("wfin=%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_TIMEOUT(t, &S.to, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached ");
    }
    trace("cleanup=%d/%d@%lld ", ST(&S.to), T_MS());
    AIO_END(t);
}
/* R26/L1: a timeout in the FINALLY of a cancelled task converts its own expiry; the task still ends cancelled. */
static void test_scope_timeout_in_task_finally(void) {
    BEGIN_TEST();
    worker_fn = w_cleanup_timeout;
    CHECK_EQ(test_run(&loop, &S.task, main_spawn_cancel_at_1s), AIO_OK);
    CHECK_EQ(S.rc3, AIO_OK);
    CHECK_EQ(S.rc2, 1);
    CHECK_STR(test_trace, "wfin=-1@1000 cleanup=-2/1@1500 main=-1@1500");
    CHECK(aio_task_cancelled(&S.worker));
    END_TEST();
}

static aio_status break_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_MS(500));
        if (S.n == 0) AIO_LEAVE(t, &S.to);
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d ed=%lld ", T_MS(), ST(&S.to), rel_ms(aio_effective_deadline(NULL)));
    AIO_SLEEP(t, AIO_SEC(2)); /* past the 1 s deadline: not affected */
    trace("end@%lld", T_MS());
    AIO_END(t);
}
/* AIO_LEAVE (a `break`) leaves the block early and closes the scope; a later await ignores its deadline. */
static void test_scope_break_leaves_early(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, break_main), AIO_OK);
    CHECK_STR(test_trace, "after@500 st=0/0 ed=-1 end@2500");
    CHECK_EQ(aio_timeout_reschedule(&S.to, AIO_NEVER), AIO_EINVAL);
    END_TEST();
}

/* --------------------------------------------------------- level-triggered */

static aio_status swallow_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_CALL(t, S.v, c_swallow, &S.c[0]);
        S.n = DEBUG_SAYS("swallowed its cancellation");
        trace("v=%d@%lld ", S.v, T_MS());
        AIO_SLEEP(t, AIO_SEC(1));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* L2 (fixes R15/R27): the callee's swallowed value reaches the caller; its next await in the expired scope raises at once. */
static void test_scope_level_triggered_swallow(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, swallow_main), AIO_OK);
    CHECK_STR(test_trace, "cfin=-1@1000 v=5@1000 after@1000 st=-2/1");
    CHECK_EQ(S.n, 1);
    CHECK_DEBUG("swallowed its cancellation");
    END_TEST();
}

static aio_status w_call_swallow(aio_task *t) {
    AIO_BEGIN(t);
    AIO_CALL(t, S.v, c_swallow, &S.c[0]);
    trace("wv=%d ", S.v);
    AIO_RETURN(t, S.v);
    AIO_END(t);
}
/* L2+R7: a cancelled task whose callee swallowed the cancel gets the value, but still ends AIO_ECANCELED. */
static void test_scope_level_triggered_task_cancel(void) {
    BEGIN_TEST();
    worker_fn = w_call_swallow;
    CHECK_EQ(test_run(&loop, &S.task, main_spawn_cancel_at_1s), AIO_OK);
    CHECK_STR(test_trace, "cfin=-1@1000 wv=5 main=-1@1000");
    CHECK(aio_task_cancelled(&S.worker));
    END_TEST();
}

/* -------------------------------------------------------------- reschedule */

static aio_status resched_later_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_MS(500));
        S.rc = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_SEC(2)));
        trace("rs=%d when=%lld ", S.rc, rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_SEC(10));
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R32: reschedule to a later deadline (0.5 s + 2 s): fires at 2.5 s, not 1 s. */
static void test_scope_reschedule_later(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_later_main), AIO_OK);
    CHECK_STR(test_trace, "rs=0 when=2500 after@2500 st=-2/1");
    END_TEST();
}

static aio_status resched_earlier_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_SLEEP(t, AIO_MS(500));
        S.rc = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_MS(500)));
        trace("rs=%d when=%lld ", S.rc, rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_SEC(10));
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R32: reschedule to an earlier deadline (1 s instead of 5 s). */
static void test_scope_reschedule_earlier(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_earlier_main), AIO_OK);
    CHECK_STR(test_trace, "rs=0 when=1000 after@1000 st=-2/1");
    END_TEST();
}

static aio_status resched_never_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        S.rc = aio_timeout_reschedule(&S.to, AIO_NEVER);
        trace("rs=%d when=%lld ed=%lld ", S.rc, rel_ms(aio_timeout_when(&S.to)),
              rel_ms(aio_effective_deadline(NULL)));
        AIO_SLEEP(t, AIO_SEC(3));
        trace("body@%lld ", T_MS());
    }
    trace("after st=%d/%d", ST(&S.to));
    AIO_END(t);
}
/* R32: reschedule(AIO_NEVER) disables the deadline: a 3 s sleep in a 1 s scope completes. */
static void test_scope_reschedule_never(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_never_main), AIO_OK);
    CHECK_STR(test_trace, "rs=0 when=-1 ed=-1 body@3000 after st=0/0");
    END_TEST();
}

static aio_status resched_past_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_SLEEP(t, AIO_SEC(1));
        S.rc = aio_timeout_reschedule(&S.to, test_start);
        trace("rs=%d when=%lld ", S.rc, rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R32: reschedule to the past fires at the next checkpoint; when() returns that past value. */
static void test_scope_reschedule_past(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_past_main), AIO_OK);
    CHECK_STR(test_trace, "rs=0 when=0 after@1000 st=-2/1");
    CHECK_EQ(aio_timeout_when(&S.to), test_start);
    END_TEST();
}

static aio_status helper_resched(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, S.d);
    S.rc = aio_timeout_reschedule(&S.to, S.when + aio_now());
    trace("h=%d@%lld ", S.rc, T_MS());
    AIO_END(t);
}
static aio_status resched_other_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc2 = aio_spawn(&S.helper, helper_resched);
    AIO_TIMEOUT(t, &S.to, S.n ? AIO_SEC(1) : AIO_SEC(10)) {
        AIO_SLEEP(t, AIO_SEC(100));
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d ", T_MS(), ST(&S.to));
    AIO_AWAIT(t, S.rc3, &S.helper);
    AIO_END(t);
}
/* R32: another task moves the deadline of a sleeping owner earlier (2 s: now+1 s): it wakes at 3 s exactly. */
static void test_scope_reschedule_from_other_task_earlier(void) {
    BEGIN_TEST();
    S.n = 0;                /* scope of 10 s */
    S.d = AIO_SEC(2);       /* helper acts at 2 s */
    S.when = AIO_SEC(1);    /* ... to now + 1 s */
    CHECK_EQ(test_run(&loop, &S.task, resched_other_main), AIO_OK);
    CHECK_STR(test_trace, "h=0@2000 after@3000 st=-2/1 ");
    CHECK_EQ(S.rc3, AIO_OK);
    END_TEST();
}
/* R32: another task pushes the deadline of a sleeping owner later (0.5 s: now+3.5 s): it wakes at 4 s exactly. */
static void test_scope_reschedule_from_other_task_later(void) {
    BEGIN_TEST();
    S.n = 1;                 /* scope of 1 s */
    S.d = AIO_MS(500);       /* helper acts at 0.5 s */
    S.when = AIO_MS(3500);   /* ... to now + 3.5 s */
    CHECK_EQ(test_run(&loop, &S.task, resched_other_main), AIO_OK);
    CHECK_STR(test_trace, "h=0@500 after@4000 st=-2/1 ");
    END_TEST();
}

static aio_status resched_states_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_SEC(1)));
    S.n += DEBUG_SAYS("not open");
    trace("before=%d when=%lld ", S.rc, rel_ms(aio_timeout_when(&S.to)));
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        S.rc2 = aio_timeout_reschedule(&S.to, AIO_TIME_INVALID);
        S.n += DEBUG_SAYS("invalid");
        trace("invalid=%d when=%lld ", S.rc2, rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_MS(500));
    }
    S.rc3 = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_SEC(1)));
    S.n += DEBUG_SAYS("not open");
    trace("after=%d when=%lld st=%d/%d", S.rc3, rel_ms(aio_timeout_when(&S.to)), ST(&S.to));
    AIO_END(t);
}
/* R31: reschedule before entry / with an invalid time / after exit -> AIO_EINVAL; when() unchanged.
 * With wrapping ticks AIO_TIME_INVALID is a real instant: the deadline moves
 * there, two ticks late (the tests start 30 s before the wrap). */
static void test_scope_reschedule_before_entry_after_exit(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_states_main), AIO_OK);
    if (sizeof(aio_time) < 8) {
        /* the deadline moves to AIO_TIME_INVALID's raw value and on to the first real
         * tick after it, AIO_SEC(30) + 1 ticks from the start */
        char want[96];
        long long at = rel_ms((aio_time)(test_start + AIO_SEC(30) + 1u));
        snprintf(want, sizeof want, "before=-3 when=-1 invalid=0 when=%ld after=-3 when=%ld st=0/0", (long)at, (long)at);
        CHECK_EQ(at, AIO_TICKS_PER_SEC == 1000u ? 30001 : 30000);
        CHECK(strcmp(test_trace, want) == 0); /* (want is made here: CHECK_STR takes a literal) */
#ifdef AIO_DEBUG
        CHECK_EQ(S.n, 2); /* the move to AIO_TIME_INVALID says nothing: it is accepted */
#else
        CHECK_EQ(S.n, 3); /* DEBUG_SAYS() holds for every call without messages */
#endif
    } else {
        CHECK_STR(test_trace, "before=-3 when=-1 invalid=-3 when=1000 after=-3 when=1000 st=0/0");
        CHECK_EQ(S.n, 3);
    }
    END_TEST();
}

/* Sleeps 10 s; its cleanup tries to move the caller's (expired) scope. */
static aio_status c_resched_in_cleanup(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    s->rc = aio_timeout_reschedule(s->scope, (aio_time)(aio_now() + AIO_SEC(5)));
    s->id = DEBUG_SAYS("already expired");
    trace("rs=%d@%lld ", s->rc, T_MS());
    AIO_END(t);
}
static aio_status resched_expired_main(aio_task *t) {
    AIO_BEGIN(t);
    S.c[0].scope = &S.to;
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_CALL(t, S.rc, c_resched_in_cleanup, &S.c[0]);
    }
    trace("after@%lld st=%d/%d when=%lld", T_MS(), ST(&S.to), rel_ms(aio_timeout_when(&S.to)));
    AIO_END(t);
}
/* R31: an expired scope cannot be moved (EINVAL from a callee's cleanup inside it); it still converts. */
static void test_scope_reschedule_after_expiry(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_expired_main), AIO_OK);
    CHECK_STR(test_trace, "rs=-3@1000 after@1000 st=-2/1 when=1000");
    CHECK_EQ(S.c[0].id, 1);
    END_TEST();
}

static aio_status helper_resched_now(aio_task *t) {
    AIO_BEGIN(t);
    S.rc = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_SEC(1)));
    S.n = DEBUG_SAYS("already expired");
    trace("h=%d ", S.rc);
    AIO_END(t);
}
static aio_status resched_expired_other_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc2 = aio_spawn(&S.helper, helper_resched_now);
    AIO_TIMEOUT(t, &S.to, 0) {
        AIO_YIELD(t); /* notices the expiry, yields once (the helper runs), then raises */
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_AWAIT(t, S.rc3, &S.helper);
    AIO_END(t);
}
/* R31: another task cannot move a scope whose expiry was already noticed (AIO_EINVAL). */
static void test_scope_reschedule_expired_from_other_task(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, resched_expired_other_main), AIO_OK);
    CHECK_STR(test_trace, "h=-3 after@0 st=-2/1");
    CHECK_EQ(S.n, 1);
    END_TEST();
}

static aio_status when_main(aio_task *t) {
    AIO_BEGIN(t);
    trace("idle=%lld ", rel_ms(aio_timeout_when(&S.to)));
    AIO_SLEEP(t, AIO_MS(250));
    AIO_TIMEOUT(t, &S.to, AIO_MS(750)) {
        trace("open=%lld ", rel_ms(aio_timeout_when(&S.to)));
        S.rc = aio_timeout_reschedule(&S.to, (aio_time)(test_start + AIO_MS(1750)));
        trace("moved=%lld ", rel_ms(aio_timeout_when(&S.to)));
        AIO_SLEEP(t, AIO_MS(500));
    }
    trace("closed=%lld st=%d/%d@%lld", rel_ms(aio_timeout_when(&S.to)), ST(&S.to), T_MS());
    AIO_END(t);
}
/* R32/R33: when(): none before entry, entry+delay when open, the last value given after reschedule and exit. */
static void test_scope_timeout_when(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, when_main), AIO_OK);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_STR(test_trace, "idle=-1 open=1000 moved=1750 closed=1750 st=0/0@750");
    END_TEST();
}

/* ----------------------------------------------- external cancel vs timeout */

static aio_status w_scope_sleep(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, S.d) {
        AIO_SLEEP(t, AIO_SEC(10));
        trace("unreached1 ");
    }
    trace("unreached2 ");
    AIO_FINALLY(t);
    trace("wfin=%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_END(t);
}
/* L1/R24: an external cancel at the same instant as the deadline wins: ECANCELED, scope expired 1 but status OK. */
static void test_scope_cancel_same_instant(void) {
    BEGIN_TEST();
    S.d = AIO_SEC(1);
    worker_fn = w_scope_sleep;
    CHECK_EQ(test_run(&loop, &S.task, main_spawn_cancel_at_1s), AIO_OK);
    CHECK_EQ(S.rc2, 1);
    CHECK_STR(test_trace, "wfin=-1@1000 main=-1@1000");
    CHECK_EQ(aio_timeout_expired(&S.to), 1);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_OK);
    CHECK(aio_task_cancelled(&S.worker));
    END_TEST();
}

static aio_status self_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        aio_virtual_advance(aio_running_loop(), AIO_SEC(1));
        S.rc = aio_cancel(t);
        AIO_YIELD(t);
        trace("unreached1 ");
    }
    trace("unreached2 ");
    AIO_FINALLY(t);
    trace("fin=%d@%lld st=%d/%d", AIO_STATUS(t), T_MS(), ST(&S.to));
    AIO_END(t);
}
/* L1/R24: the task's own cancel and its scope deadline noticed at one checkpoint: the cancel wins. */
static void test_scope_self_cancel_same_instant(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, self_cancel_main), AIO_ECANCELED);
    CHECK_EQ(S.rc, 1);
    CHECK_STR(test_trace, "fin=-1@1000 st=0/1");
    END_TEST();
}

/* R25: a foreign cancel before the deadline passes through as ECANCELED; expired()==0. */
static void test_scope_foreign_cancel_before_deadline(void) {
    BEGIN_TEST();
    S.d = AIO_SEC(5);
    worker_fn = w_scope_sleep;
    CHECK_EQ(test_run(&loop, &S.task, main_spawn_cancel_at_1s), AIO_OK);
    CHECK_STR(test_trace, "wfin=-1@1000 main=-1@1000");
    CHECK_EQ(aio_timeout_expired(&S.to), 0);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_OK);
    END_TEST();
}

/* ------------------------------------------------------ effective deadline */

static aio_status ed_none_main(aio_task *t) {
    AIO_BEGIN(t);
    trace_deadline("in", NULL);
    AIO_SLEEP(t, AIO_SEC(1));
    trace_deadline("later", t);
    AIO_END(t);
}
/* L11: no scope -> effective deadline and time left are AIO_NEVER, inside and outside a task. */
static void test_scope_effective_deadline_none(void) {
    BEGIN_TEST();
    CHECK_EQ(aio_effective_deadline(NULL), AIO_NEVER);
    CHECK_EQ(aio_time_left(NULL), AIO_NEVER);
    CHECK_EQ(test_run(&loop, &S.task, ed_none_main), AIO_OK);
    CHECK_STR(test_trace, "in ed=-1 left=-1 later ed=-1 left=-1 ");
    CHECK_EQ(aio_effective_deadline(NULL), AIO_NEVER);
    END_TEST();
}

static aio_status ed_nested_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        trace_deadline("a", NULL);
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(2)) {
            AIO_SLEEP(t, AIO_MS(500));
            trace_deadline("b", NULL);
        }
        AIO_TIMEOUT(t, &S.to3, AIO_SEC(10)) {
            trace_deadline("c", NULL);
        }
        trace_deadline("d", NULL);
        aio_virtual_advance(aio_running_loop(), AIO_MS(5500)); /* past 5 s, not yet noticed */
        trace_deadline("f", NULL);
    }
    trace_deadline("e", NULL);
    trace("st=%d/%d", ST(&S.to));
    AIO_END(t);
}
/* L11: the effective deadline is the min over open scopes; time left counts down and is 0 once due. */
static void test_scope_effective_deadline_nested(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, ed_nested_main), AIO_OK);
    CHECK_STR(test_trace, "a ed=5000 left=5000 b ed=2000 left=1500 c ed=5000 left=4500 "
                          "d ed=5000 left=4500 f ed=5000 left=0 e ed=-1 left=-1 st=0/0");
    END_TEST();
}

static aio_status ed_resched_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        S.rc = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_SEC(2)));
        trace_deadline("a", NULL);
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(3)) {
            trace_deadline("b", NULL);
            S.rc2 = aio_timeout_reschedule(&S.to, AIO_NEVER);
            trace_deadline("c", NULL);
        }
        trace_deadline("d", NULL);
    }
    AIO_END(t);
}
/* L11+R32: the effective deadline follows reschedule (down to 2 s, then the outer disabled -> inner 3 s). */
static void test_scope_effective_deadline_reschedule(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, ed_resched_main), AIO_OK);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK_STR(test_trace, "a ed=2000 left=2000 b ed=2000 left=2000 c ed=3000 left=3000 d ed=-1 left=-1 ");
    END_TEST();
}

/* Sleeps 10 s; its cleanup reports the effective deadline and sleeps 2 s. */
static aio_status c_cleanup_deadline(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    trace_deadline("fin", NULL);
    AIO_SLEEP(t, AIO_SEC(2));
    trace("slept@%lld ", T_MS());
    AIO_END(t);
}
static aio_status ed_cleanup_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(10)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(1)) {
            AIO_CALL(t, S.rc, c_cleanup_deadline, &S.c[0]);
        }
        trace("inner=%d/%d@%lld ", ST(&S.to2), T_MS());
        trace_deadline("g", NULL);
    }
    trace("outer=%d/%d", ST(&S.to));
    AIO_END(t);
}
/* L11/R37: in cleanup the expired scope no longer limits awaits (cleanup sleeps past it); the outer still does. */
static void test_scope_effective_deadline_in_cleanup(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, ed_cleanup_main), AIO_OK);
    CHECK_STR(test_trace, "fin ed=10000 left=9000 slept@3000 inner=-2/1@3000 g ed=10000 left=7000 outer=0/0");
    END_TEST();
}

static aio_status w_scope_3s(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to2, AIO_SEC(3)) {
        AIO_SLEEP(t, AIO_SEC(10));
    }
    AIO_END(t);
}
static aio_status ed_pending_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc2 = aio_spawn(&S.worker, w_scope_3s);
    AIO_SLEEP(t, AIO_SEC(1));
    trace_deadline("w", &S.worker);
    S.rc3 = aio_cancel(&S.worker);
    trace_deadline("wc", &S.worker);
    AIO_AWAIT(t, S.rc, &S.worker);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        S.v = aio_cancel(t);
        trace_deadline("self", NULL);
        trace("pending=%d ", aio_task_cancel_pending(t));
        AIO_YIELD(t);
        trace("unreached ");
    }
    AIO_FINALLY(t);
    trace("fin=%d@%lld st=%d/%d", AIO_STATUS(t), T_MS(), ST(&S.to));
    AIO_END(t);
}
/* L11: with a cancel pending the effective deadline is now and time left 0 (for another task and for itself). */
static void test_scope_time_left_cancel_pending(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, ed_pending_main), AIO_ECANCELED);
    CHECK_EQ(S.rc3, 1);
    CHECK_EQ(S.v, 1);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_STR(test_trace, "w ed=3000 left=2000 wc ed=1000 left=0 self ed=1000 left=0 pending=1 "
                          "fin=-1@1000 st=0/0");
    END_TEST();
}

/* ------------------------------------------------------------ inline calls */

static aio_status call_values_main(aio_task *t) {
    AIO_BEGIN(t);
    S.c[0].id = 1;
    S.c[0].rc = 7;
    AIO_CALL(t, S.rc, c_ret, &S.c[0]);
    trace("r1=%d@%lld ", S.rc, T_MS());
    S.c[1].id = 2;
    S.c[1].rc = AIO_EUSER - 3;
    AIO_CALL(t, S.rc2, c_ret, &S.c[1]);
    trace("r2=%d@%lld ", S.rc2, T_MS()); /* an error is stored, not raised */
    AIO_CHECK(t, S.rc2);
    trace("unreached ");
    AIO_FINALLY(t);
    trace("fin=%d", AIO_STATUS(t));
    AIO_END(t);
}
/* R43: AIO_CALL stores the callee's value or error (not raised); AIO_CHECK raises it. */
static void test_scope_call_values(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, call_values_main), AIO_EUSER - 3);
    CHECK_STR(test_trace, "c1=7@1000 r1=7@1000 c2=-67@2000 r2=-67@2000 fin=-67");
    END_TEST();
}

static aio_status call_cleanup_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_CALL(t, S.rc, c_slow_cleanup, &S.c[0]);
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R45/L5: the callee's FINALLY runs on the caller's timeout and may await; the block exits at 1 + 0.5 s. */
static void test_scope_call_cleanup_awaits(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, call_cleanup_main), AIO_OK);
    CHECK_STR(test_trace, "cfin=-1@1000 cdone@1500 after@1500 st=-2/1");
    END_TEST();
}

/* Times out its own 1 s scope and returns 42 if it did. */
static aio_status c_own_timeout(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_TIMEOUT(t, &s->to, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_SEC(10));
    }
    AIO_RETURN(t, aio_timeout_status(&s->to) == AIO_ETIMEDOUT ? 42 : 1);
    AIO_END(t);
}
static aio_status call_inner_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_CALL(t, S.v, c_own_timeout, &S.c[0]);
        trace("v=%d@%lld ", S.v, T_MS());
        AIO_SLEEP(t, AIO_SEC(1));
        trace("slept@%lld ", T_MS());
    }
    trace("after st=%d/%d callee=%d/%d", ST(&S.to), ST(&S.c[0].to));
    AIO_END(t);
}
/* R30/L1: the callee's own timeout converts inside the callee; the caller sees its return value. */
static void test_scope_call_inner_timeout_converts(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, call_inner_timeout_main), AIO_OK);
    CHECK_STR(test_trace, "v=42@1000 slept@2000 after st=0/0 callee=-2/1");
    END_TEST();
}

static aio_status wfc_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_FOR_CALL(t, S.rc, c_slow_cleanup, &S.c[0], &S.to, AIO_SEC(1));
    trace("rc=%d@%lld st=%d/%d", S.rc, T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R45/L5: AIO_WAIT_FOR_CALL times out: cleanup runs first (0.5 s), then lv = AIO_ETIMEDOUT at 1.5 s. */
static void test_scope_wait_for_call_timeout(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, wfc_timeout_main), AIO_OK);
    CHECK_STR(test_trace, "cfin=-1@1000 cdone@1500 rc=-2@1500 st=-2/1");
    END_TEST();
}

/* Traces that it started; would sleep 1 s. */
static aio_status c_traces_start(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    trace("started ");
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_END(t);
}
static aio_status wfc_zero_main(aio_task *t) {
    AIO_BEGIN(t);
    S.rc = 1;
    AIO_WAIT_FOR_CALL(t, S.rc, c_traces_start, &S.c[0], &S.to, 0);
    trace("rc=%d@%lld st=%d/%d", S.rc, T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R44: wait_for with a zero timeout never starts the coroutine: AIO_ETIMEDOUT at once. */
static void test_scope_wait_for_call_zero_never_starts(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, wfc_zero_main), AIO_OK);
    CHECK_STR(test_trace, "rc=-2@0 st=-2/1");
    END_TEST();
}

static aio_status wfc_success_main(aio_task *t) {
    AIO_BEGIN(t);
    S.c[0].id = 1;
    S.c[0].rc = 7;
    AIO_WAIT_FOR_CALL(t, S.rc, c_ret, &S.c[0], &S.to, AIO_SEC(2));
    trace("rc=%d@%lld st=%d/%d ", S.rc, T_MS(), ST(&S.to));
    S.c[1].id = 2;
    S.c[1].rc = AIO_EUSER;
    AIO_WAIT_FOR_CALL(t, S.rc2, c_ret, &S.c[1], &S.to2, AIO_SEC(2));
    trace("rc2=%d@%lld st=%d/%d", S.rc2, T_MS(), ST(&S.to2));
    AIO_END(t);
}
/* R42/R43: AIO_WAIT_FOR_CALL finishing in time gives the callee's value, or its own error unchanged. */
static void test_scope_wait_for_call_success(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, wfc_success_main), AIO_OK);
    CHECK_STR(test_trace, "c1=7@1000 rc=7@1000 st=0/0 c2=-64@2000 rc2=-64@2000 st=0/0");
    END_TEST();
}

static aio_status wfc_swallow_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_FOR_CALL(t, S.rc, c_swallow, &S.c[0], &S.to, AIO_SEC(1));
    S.n = DEBUG_SAYS("swallowed its cancellation");
    trace("rc=%d@%lld st=%d/%d ", S.rc, T_MS(), ST(&S.to));
    AIO_SLEEP(t, AIO_SEC(1)); /* the scope is closed: nothing pending */
    trace("end@%lld", T_MS());
    AIO_END(t);
}
/* R46: a callee that ignores the cancel and returns a value: AIO_WAIT_FOR_CALL gives that value. */
static void test_scope_wait_for_call_swallowed(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, wfc_swallow_main), AIO_OK);
    CHECK_STR(test_trace, "cfin=-1@1000 rc=5@1000 st=0/1 end@2000");
    CHECK_EQ(S.n, 1);
    END_TEST();
}

static aio_status w_wfc(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_FOR_CALL(t, S.v, c_slow_cleanup, &S.c[0], &S.to, AIO_SEC(5));
    trace("unreached ");
    AIO_FINALLY(t);
    trace("wfin=%d@%lld ", AIO_STATUS(t), T_MS());
    AIO_END(t);
}
/* R49/L5: the caller cancelled during AIO_WAIT_FOR_CALL: callee cleanup runs, then ECANCELED (not ETIMEDOUT). */
static void test_scope_wait_for_call_cancelled(void) {
    BEGIN_TEST();
    worker_fn = w_wfc;
    CHECK_EQ(test_run(&loop, &S.task, main_spawn_cancel_at_1s), AIO_OK);
    CHECK_STR(test_trace, "cfin=-1@1000 cdone@1500 wfin=-1@1500 main=-1@1500");
    CHECK_EQ(aio_timeout_expired(&S.to), 0);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_OK);
    END_TEST();
}

/* Fails with AIO_ECANCELED on its own after 1 s: nobody cancelled anything. */
static aio_status c_own_ecanceled(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_RAISE(t, AIO_ECANCELED);
    AIO_END(t);
}
static aio_status call_own_ecanceled_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_CALL(t, S.rc, c_own_ecanceled, &S.c[0]);
        trace("rc=%d@%lld ", S.rc, T_MS());
        AIO_SLEEP(t, AIO_SEC(1));
        trace("slept@%lld ", T_MS());
    }
    trace("after st=%d/%d", ST(&S.to));
    AIO_END(t);
}
/* L1/L9: a callee's own AIO_ECANCELED (no cancellation applies) is a stored value; the caller does not unwind. */
static void test_scope_call_own_ecanceled_is_a_value(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, call_own_ecanceled_main), AIO_OK);
    CHECK_STR(test_trace, "rc=-1@1000 slept@2000 after st=0/0");
    END_TEST();
}

/* A chain of inline calls: each calls the next; the last sleeps 10 s. */
static aio_status c_chain(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    trace("enter%d ", s->id);
    if (s->next)
        AIO_CALL(t, s->rc, c_chain, s->next);
    else
        AIO_SLEEP(t, AIO_SEC(10));
    trace("unreached%d ", s->id);
    AIO_RETURN(t, s->id);
    AIO_FINALLY(t);
    trace("fin%d=%d@%lld ", s->id, AIO_STATUS(t), T_MS());
    if (s->id == 2) AIO_SLEEP(t, AIO_MS(100));
    AIO_END(t);
}
static aio_status chain_main(aio_task *t) {
    AIO_BEGIN(t);
    S.c[0].id = 1;
    S.c[0].next = &S.c[1];
    S.c[1].id = 2;
    S.c[1].next = &S.c[2];
    S.c[2].id = 3;
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_CALL(t, S.rc, c_chain, &S.c[0]);
        trace("unreached ");
    }
    trace("after@%lld st=%d/%d", T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R45/L5: three nested inline calls unwind innermost first through each FINALLY (one awaits 0.1 s). */
static void test_scope_nested_calls_unwind_order(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, chain_main), AIO_OK);
    CHECK_STR(test_trace, "enter1 enter2 enter3 fin3=-1@1000 fin2=-1@1000 fin1=-1@1100 "
                          "after@1100 st=-2/1");
    END_TEST();
}

/* ------------------------------------------------- errors and AIO_RETURN */

static aio_status raise_unexpired_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_SLEEP(t, AIO_SEC(1));
        AIO_RAISE(t, AIO_EUSER - 1);
    }
    trace("unreached ");
    AIO_FINALLY(t);
    trace("fin=%d@%lld st=%d/%d", AIO_STATUS(t), T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R34: a user error leaving an unexpired scope passes unchanged; expired()==0. */
static void test_scope_raise_through_unexpired(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, raise_unexpired_main), AIO_EUSER - 1);
    CHECK_STR(test_trace, "fin=-65@1000 st=0/0");
    CHECK_STR(test_last_debug, ""); /* no misuse reported */
    END_TEST();
}

/* Sleeps 10 s; its cleanup waits 0.2 s and fails with a user error. */
static aio_status c_cleanup_raises(aio_task *t, callee_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(10));
    AIO_FINALLY(t);
    AIO_SLEEP(t, AIO_MS(200));
    AIO_RAISE(t, AIO_EUSER - 2);
    AIO_END(t);
}
static aio_status raise_expired_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(1)) {
        AIO_CALL(t, S.rc, c_cleanup_raises, &S.c[0]);
        trace("rc=%d@%lld ", S.rc, T_MS());
        AIO_CHECK(t, S.rc);
        trace("unreached ");
    }
    trace("unreached2 ");
    AIO_FINALLY(t);
    trace("fin=%d@%lld st=%d/%d", AIO_STATUS(t), T_MS(), ST(&S.to));
    AIO_END(t);
}
/* R35: a user error raised in cleanup inside an expired scope propagates instead of ETIMEDOUT. */
static void test_scope_raise_through_expired(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, raise_expired_main), AIO_EUSER - 2);
    CHECK_STR(test_trace, "rc=-66@1200 fin=-66@1200 st=0/1");
    END_TEST();
}

static aio_status return_inside_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(3)) {
            AIO_SLEEP(t, AIO_SEC(1));
            AIO_RETURN(t, 3);
        }
        trace("unreached1 ");
    }
    trace("unreached2 ");
    AIO_FINALLY(t);
    S.n = test_last_debug[0] == 0; /* no "ended inside an open timeout block" */
    trace("fin=%d@%lld ed=%lld ", AIO_STATUS(t), T_MS(), rel_ms(aio_effective_deadline(NULL)));
    AIO_SLEEP(t, AIO_SEC(10)); /* cleanup is not limited by the closed 5 s / 3 s scopes */
    trace("slept@%lld st=%d/%d %d/%d", T_MS(), ST(&S.to), ST(&S.to2));
    AIO_END(t);
}
/* R34: AIO_RETURN inside nested scopes closes both and runs FINALLY; the value is the result. */
static void test_scope_return_inside_closes(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, return_inside_main), 3);
    CHECK_STR(test_trace, "fin=3@1000 ed=-1 slept@11000 st=0/0 0/0");
    CHECK_EQ(S.n, 1);
    CHECK_EQ(aio_timeout_reschedule(&S.to, AIO_NEVER), AIO_EINVAL);
    CHECK_EQ(aio_timeout_reschedule(&S.to2, AIO_NEVER), AIO_EINVAL);
    END_TEST();
}

/* ------------------------------------------------------------ registration */

/* ------------------------------------------------- aio_timeout_reschedule_in */

static aio_status reschedule_in_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_MS(100)) {
        AIO_SLEEP(t, AIO_MS(20));
        S.rc3 = aio_timeout_reschedule_in(&S.to, AIO_MS(-5)); /* refused: unchanged */
        S.rc = aio_timeout_reschedule_in(&S.to, AIO_MS(300));
        S.when = aio_timeout_when(&S.to);
        AIO_SLEEP(t, AIO_SEC(1));
        S.v = 1;
    }
    S.n = (int)T_MS();
    AIO_TIMEOUT(t, &S.to2, AIO_MS(100)) {
        S.rc2 = aio_timeout_reschedule_in(&S.to2, AIO_NEVER);
        S.d = aio_timeout_when(&S.to2);
        AIO_SLEEP(t, AIO_MS(500));
    }
    AIO_END(t);
}

/* aio_timeout_reschedule_in moves an open block's deadline to `delay` after
 * now (20 ms + 300 ms: cut short at 320, not at 100), AIO_NEVER removes it
 * (the second block's 500 ms sleep ends at 820), and it refuses a negative
 * delay (the deadline stays), a closed block and NULL with AIO_EINVAL. */
static void test_scope_reschedule_in(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, reschedule_in_main), AIO_OK);
    CHECK_EQ(S.rc3, AIO_EINVAL);
    CHECK_DEBUG("reschedule: the delay is NaN, negative or beyond half the clock range");
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(rel_ms(S.when), 320);
    CHECK_EQ(S.v, 0);
    CHECK_EQ(S.n, 320);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(S.rc2, AIO_OK);
    CHECK(S.d == AIO_NEVER);
    CHECK_EQ(aio_timeout_status(&S.to2), AIO_OK);
    CHECK_EQ(T_MS(), 820);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_timeout_reschedule_in(&S.to2, AIO_MS(5)), AIO_EINVAL);
    CHECK_DEBUG("reschedule: the timeout scope is not open");
    CHECK_EQ(aio_timeout_reschedule_in(NULL, AIO_MS(5)), AIO_EINVAL);
    END_TEST();
}


static aio_status sleeps_in_block_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_MS(100)) {
        AIO_SLEEP(t, AIO_SEC(1));
        S.v = 1;
    }
    S.n = (int)T_MS();
    AIO_END(t);
}

/* No count of deliveries the loop keeps can wrap into a lost timeout: the
 * byte that only tells "did this checkpoint deliver" goes round from 255 to 0
 * in the middle of a block's expiry, and the block still catches its own
 * deadline on time. */
static void test_scope_delivery_count_wraps_past_zero(void) {
    BEGIN_TEST();
    loop.deliveries = 255;
    CHECK_EQ(test_run(&loop, &S.task, sleeps_in_block_main), AIO_OK);
    CHECK_EQ(loop.deliveries, 0);
    CHECK_EQ(S.v, 0);
    CHECK_EQ(S.n, 100);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    END_TEST();
}


static aio_status nested_for_outer_move(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(10)) {
        AIO_TIMEOUT(t, &S.to2, AIO_SEC(5)) {
            AIO_SLEEP(t, AIO_SEC(1));
            S.rc = aio_timeout_reschedule(&S.to, (aio_time)(aio_now() + AIO_MS(500)));
            AIO_SLEEP(t, AIO_SEC(20));
            S.v = 1;
        }
        S.n = 1;
    }
    S.rc2 = (aio_status)T_MS();
    AIO_END(t);
}

/* Moving the outer of two open blocks from inside the inner one: the task's
 * timer follows the earlier deadline (1 s + 500 ms, before the inner's 5 s),
 * and the outer block is the one cut short, at 1500 ms, past the inner. */
static void test_scope_outer_block_moved_from_inside_the_inner(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, nested_for_outer_move), AIO_OK);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(S.v, 0);
    CHECK_EQ(S.n, 0);
    CHECK_EQ(S.rc2, 1500);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_timeout_status(&S.to2), AIO_OK);
    END_TEST();
}

static aio_status callee_returns_in_block(aio_task *t, callee_t *c) {
    AIO_BEGIN(t, c);
    AIO_TIMEOUT(t, &c->to, AIO_MS(100)) {
        return 7; /* the mistake: not AIO_RETURN (lint-coroutines: ok) */
    }
    AIO_END(t);
}

static aio_status calls_inside_own_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_MS(300)) {
        AIO_CALL(t, S.rc, callee_returns_in_block, &S.c[0]);
        S.when = aio_effective_deadline(NULL);
        AIO_SLEEP(t, AIO_SEC(1));
        S.v = 1;
    }
    S.n = (int)T_MS();
    AIO_END(t);
}

/* An inline coroutine that leaves its block with a plain `return` while its
 * caller has a block of its own open: only the callee's block is closed; the
 * caller's stays open with its deadline (300 ms), which then cuts it short. */
static void test_scope_plain_return_in_callee_keeps_the_callers_block(void) {
    BEGIN_TEST();
    CHECK_EQ(test_run(&loop, &S.task, calls_inside_own_block), AIO_OK);
    CHECK_DEBUG("an inline coroutine returned inside an open timeout block");
    CHECK_EQ(S.rc, 7);
    CHECK_EQ(rel_ms(S.when), 300);
    CHECK_EQ(S.v, 0);
    CHECK_EQ(S.n, 300);
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK(S.task.scope == NULL);
    END_TEST();
}

static aio_status child_returns_in_block(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to2, AIO_MS(100)) {
        return 9; /* the mistake: not AIO_RETURN (lint-coroutines: ok) */
    }
    AIO_END(t);
}

static aio_group plain_g;

static aio_status group_of_plain_child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &plain_g) {
        S.rc = aio_group_spawn(&plain_g, &S.worker, child_returns_in_block);
        AIO_SLEEP(t, AIO_MS(50));
    }
    S.n = (int)T_MS();
    AIO_END(t);
}

/* A group child that leaves its own block with a plain `return`: its block
 * is closed (not the group's, whose child it is), it ends with the value,
 * and the group goes on: the body's sleep ends at 50 ms, no error. */
static void test_scope_plain_return_in_group_child_keeps_the_group(void) {
    BEGIN_TEST();
    memset(&plain_g, 0, sizeof plain_g);
    CHECK_EQ(test_run(&loop, &S.task, group_of_plain_child), AIO_OK);
    CHECK_DEBUG("a task ended inside an open timeout block, which is now closed");
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(aio_task_result(&S.worker), 9);
    CHECK_EQ(aio_group_status(&plain_g), AIO_OK);
    CHECK_EQ(S.n, 50);
    END_TEST();
}

static aio_status cancelled_reads_deadline(aio_task *t) {
    AIO_BEGIN(t);
    aio_cancel(t);
    S.when = aio_effective_deadline(NULL);
    S.d = aio_time_left(NULL);
    AIO_YIELD(t);
    AIO_END(t);
}

/* A task with a cancellation due reads its effective deadline as "now"; when
 * the clock reads one of the two values kept for AIO_NEVER and
 * AIO_TIME_INVALID, it reads AIO_NEVER - 2 instead (an instant not after
 * now, never "no deadline"), and no time is left. */
static void test_scope_due_deadline_on_the_reserved_ticks(void) {
    int k;
    for (k = 0; k < 2; k++) {
        aio_loop loop;
        reset();
        test_loop(&loop);
        aio_loop_use_virtual_clock(&loop, k ? AIO_NEVER : AIO_TIME_INVALID);
        CHECK_EQ(test_run(&loop, &S.task, cancelled_reads_deadline), AIO_ECANCELED);
        CHECK(S.when == (aio_time)(AIO_NEVER - 2));
        CHECK(S.d == 0);
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    }
}

static const test_case cases[] = {
    TEST_ENTRY(test_scope_basic_timeout),
    TEST_ENTRY(test_scope_timeout_at),
    TEST_ENTRY(test_scope_not_reached),
    TEST_ENTRY(test_scope_zero_deadline),
    TEST_ENTRY(test_scope_past_deadline),
    TEST_ENTRY(test_scope_zero_no_await),
    TEST_ENTRY(test_scope_cpu_past_deadline_no_await),
    TEST_ENTRY(test_scope_relative_from_entry),
    TEST_ENTRY(test_scope_nan_einval),
    TEST_ENTRY(test_scope_seconds_conversions),
    TEST_ENTRY(test_scope_seconds_in_scopes),
    TEST_ENTRY(test_scope_sleep_ends_at_deadline),
    TEST_ENTRY(test_scope_checkpoint_sees_deadline),
    TEST_ENTRY(test_scope_sequential_reuse),
    TEST_ENTRY(test_scope_nested_outer_first),
    TEST_ENTRY(test_scope_nested_inner_first),
    TEST_ENTRY(test_scope_nested_same_deadline),
    TEST_ENTRY(test_scope_nested_both_overdue),
    TEST_ENTRY(test_scope_three_levels_cascade),
    TEST_ENTRY(test_scope_three_levels_middle_fires),
    TEST_ENTRY(test_scope_timeout_in_finally),
    TEST_ENTRY(test_scope_timeout_in_task_finally),
    TEST_ENTRY(test_scope_break_leaves_early),
    TEST_ENTRY(test_scope_level_triggered_swallow),
    TEST_ENTRY(test_scope_level_triggered_task_cancel),
    TEST_ENTRY(test_scope_reschedule_later),
    TEST_ENTRY(test_scope_reschedule_earlier),
    TEST_ENTRY(test_scope_reschedule_never),
    TEST_ENTRY(test_scope_reschedule_past),
    TEST_ENTRY(test_scope_reschedule_from_other_task_earlier),
    TEST_ENTRY(test_scope_reschedule_from_other_task_later),
    TEST_ENTRY(test_scope_reschedule_before_entry_after_exit),
    TEST_ENTRY(test_scope_reschedule_after_expiry),
    TEST_ENTRY(test_scope_reschedule_expired_from_other_task),
    TEST_ENTRY(test_scope_timeout_when),
    TEST_ENTRY(test_scope_cancel_same_instant),
    TEST_ENTRY(test_scope_self_cancel_same_instant),
    TEST_ENTRY(test_scope_foreign_cancel_before_deadline),
    TEST_ENTRY(test_scope_effective_deadline_none),
    TEST_ENTRY(test_scope_effective_deadline_nested),
    TEST_ENTRY(test_scope_effective_deadline_reschedule),
    TEST_ENTRY(test_scope_effective_deadline_in_cleanup),
    TEST_ENTRY(test_scope_time_left_cancel_pending),
    TEST_ENTRY(test_scope_call_values),
    TEST_ENTRY(test_scope_call_cleanup_awaits),
    TEST_ENTRY(test_scope_call_inner_timeout_converts),
    TEST_ENTRY(test_scope_call_own_ecanceled_is_a_value),
    TEST_ENTRY(test_scope_wait_for_call_timeout),
    TEST_ENTRY(test_scope_wait_for_call_zero_never_starts),
    TEST_ENTRY(test_scope_wait_for_call_success),
    TEST_ENTRY(test_scope_wait_for_call_swallowed),
    TEST_ENTRY(test_scope_wait_for_call_cancelled),
    TEST_ENTRY(test_scope_nested_calls_unwind_order),
    TEST_ENTRY(test_scope_raise_through_unexpired),
    TEST_ENTRY(test_scope_raise_through_expired),
    TEST_ENTRY(test_scope_return_inside_closes),
    TEST_ENTRY(test_scope_reschedule_in),
    TEST_ENTRY(test_scope_delivery_count_wraps_past_zero),
    TEST_ENTRY(test_scope_outer_block_moved_from_inside_the_inner),
    TEST_ENTRY(test_scope_plain_return_in_callee_keeps_the_callers_block),
    TEST_ENTRY(test_scope_plain_return_in_group_child_keeps_the_group),
    TEST_ENTRY(test_scope_due_deadline_on_the_reserved_ticks),
};

void register_scopes_tests(void) { test_register(cases, TEST_COUNT(cases)); }
