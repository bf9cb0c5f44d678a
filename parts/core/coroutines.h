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

