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

