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

