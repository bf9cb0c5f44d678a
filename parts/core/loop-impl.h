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

