// >>cancellation
/* ----------------------------------------------------------- cancellation */

/* Sentinel "source" meaning: the task itself was cancelled. */
#define AIO__TASK_SOURCE ((aio_timeout *)(void *)&aio__loop)

/* What a task's code sees of the cancellations delivered to it (the
 * cleanup's rule: a cleanup section is not hit again by what brought it
 * there, but by anything delivered after it began). Nothing here is a
 * free-running count compared by order, so nothing goes wrong after any
 * number of deliveries:
 * - Its own cancellation: `cancels` moves on at a delivery that finds it
 *   unseen; a cleanup section keeps the value it found (`cancels_seen`) and
 *   sees the cancellation while the two differ. In cleanups nested d deep
 *   they differ by at most d + 1, so counting round 255 values is exact for
 *   the 254 levels `cleanups` allows.
 * - Blocks: one opened since the innermost cleanup began (its `cleanups` is
 *   the task's) is seen once delivered. The blocks opened before stay open
 *   until that cleanup ends, and a delivered block stays delivered, so the
 *   cleanup sees one of them exactly when more of them are delivered than
 *   when it began (`hidden`). A group's child starts with its owner's view. */
static int aio__task_cancel_visible(const aio_task *t) {
    return (t->flags & AIO__T_CANCEL_REQ) || t->cancels != t->view.v.cancels_seen;
}

/* Which cancellation applies to t's code right now: NULL, the task's own
 * cancel (which beats any timeout), or the outermost expired block it sees.
 * With `observe`, deadlines reached by now are noticed first (a checkpoint). */
static aio_timeout *aio__cancel_source(aio_task *t, int observe) {
    aio_loop *L = t->loop;
    aio_timeout *sc;
    aio_timeout *found = NULL;
    aio_timeout *older = NULL; /* the outermost delivered one opened before the cleanup */
    unsigned delivered_before = 0;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (observe && !(sc->flags & AIO__S_EXPIRED) && aio__due(sc->deadline, aio__now(L))) {
            sc->flags |= AIO__S_EXPIRED;
            AIO__TRACE(L, AIO_TRACE_FIRE, t, sc, AIO_FIRE_BLOCK, 0);
            AIO__TRACE(L, AIO_TRACE_CANCEL, t, sc, AIO_BY_DEADLINE, 0);
        }
        if (sc->flags & AIO__S_EXPIRED) {
            if (!(sc->flags & AIO__S_DELIVERED) || sc->cleanups >= t->view.v.cleanups) {
                found = sc;
            } else {
                delivered_before++;
                older = sc;
            }
        }
        if (sc->flags & AIO__S_SHIELD) break; /* nothing from outside gets in */
    }
    if (delivered_before > t->view.v.hidden) found = older;
    if (sc) return found; /* (held back by a shield) */
    return aio__task_cancel_visible(t) ? AIO__TASK_SOURCE : found;
}

/* The blocks delivered around t, as far as a shield: what a cleanup
 * beginning now does not see (65,535 of them open around one cleanup at
 * most: each is a block in a state struct, and no RAM holds that many). */
static uint16_t aio__delivered_blocks(const aio_task *t) {
    const aio_timeout *sc;
    unsigned n = 0;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (sc->flags & AIO__S_DELIVERED) n++;
        if (sc->flags & AIO__S_SHIELD) break;
    }
    return (uint16_t)n;
}

/* A cleanup section (or a process being stopped) begins: what was delivered
 * so far stays unseen until aio__unseen_end gives back the view it replaces,
 * kept in *saved. */
static void aio__unseen_begin(aio_task *t, union aio__view *saved) {
    *saved = t->view;
    t->view.v.cancels_seen = t->cancels;
    t->view.v.hidden = t->scope ? aio__delivered_blocks(t) : 0;
#ifdef AIO_DEBUG
    if (t->view.v.cleanups == 254) /* (its cancellation's count tells 254 levels apart) */
        (void)aio__misuse(AIO_EINVAL, "cleanup sections nested more than 254 deep in one task: "
                                      "a cancellation delivered in the deepest may go unseen");
#endif
    t->view.v.cleanups++;
}
static void aio__unseen_end(aio_task *t, const union aio__view *saved) { t->view = *saved; }

/* The task's own cancellation is delivered: seen from here on. */
static void aio__deliver_cancel(aio_task *t) {
    t->flags = (uint16_t)((t->flags & (uint16_t)~AIO__T_CANCEL_REQ) | AIO__T_WATCHED);
    if (t->cancels == t->view.v.cancels_seen) t->cancels = (uint8_t)(t->cancels == 255 ? 1 : t->cancels + 1);
}

/* The delivery of t's own request, with no block open. */
static inline aio_status aio__deliver_request(aio_task *t) {
    aio__deliver_cancel(t);
    t->loop->deliveries++;
    return AIO_ECANCELED;
}

/* A checkpoint: if a cancellation applies, mark every source not delivered
 * yet as delivered and return AIO_ECANCELED. With `observe`, deadlines
 * reached by now are noticed first. */
static aio_status aio__deliver(aio_task *t, int observe) {
    aio_timeout *sc;
    int delivered = 0;
    if (AIO__SPEED && !t->scope) { /* no block open: only the task's own cancellation */
        if (!(t->flags & AIO__T_CANCEL_REQ)) return aio__task_cancel_visible(t) ? AIO_ECANCELED : AIO_OK;
        return aio__deliver_request(t);
    }
    if (!aio__cancel_source(t, observe)) return AIO_OK;
    for (sc = t->scope; sc; sc = sc->parent) {
        if ((sc->flags & (AIO__S_EXPIRED | AIO__S_DELIVERED)) == AIO__S_EXPIRED) {
            sc->flags |= AIO__S_DELIVERED;
            delivered = 1;
        }
        if (sc->flags & AIO__S_SHIELD) break; /* the task's request waits */
    }
    if (!sc && (t->flags & AIO__T_CANCEL_REQ)) {
        aio__deliver_cancel(t);
        delivered = 1;
    }
    if (delivered) t->loop->deliveries++;
#ifdef AIO_DEBUG
    /* what a checkpoint delivers, the task's code sees until it lands: an
     * await that finds it unseen would take it for a value and swallow it */
    if (!aio__cancel_source(t, 0)) /* LCOV_EXCL_BR_LINE: (only if the library itself is wrong) */
        (void)aio__misuse(AIO_ECANCELED, "internal: a cancellation delivered at a checkpoint is not seen " /* LCOV_EXCL_LINE */
                                         "by the task's code (please report this)");
#endif
    return AIO_ECANCELED;
}

/* How the code outside the cancellation feature asks about cancellation
 * (through loop->cancellation, set by whatever can cancel: aio_cancel, a
 * block, a group): which source applies (AIO__LOOK), the same after noticing
 * the deadlines reached by now (AIO__OBSERVE), or deliver it (AIO__DELIVER,
 * non-NULL if delivered; AIO__MERGE: what has reached the task, noticing no
 * deadline). A task that is plain has nothing to ask. */
enum { AIO__LOOK = 0, AIO__OBSERVE = 1, AIO__DELIVER = 2, AIO__CANCEL = 3, AIO__MERGE = 4 };
static aio_timeout *aio__cancellation(aio_task *t, int how) {
    if (how == AIO__DELIVER || how == AIO__MERGE)
        return aio__deliver(t, how == AIO__DELIVER) < 0 ? AIO__TASK_SOURCE : NULL;
    if (how == AIO__CANCEL) { /* aio_cancel(t) */
        (void)aio_cancel(t);
        return NULL;
    }
    return aio__cancel_source(t, how);
}

/* A cancel request for t, from task `by` (passing its own on): t's loop asks
 * about cancellation from now on, as by's does. */
static void aio__request_cancel(aio_task *t, const aio_task *by) {
    t->loop->cancellation = by->loop->cancellation;
    t->flags |= AIO__T_CANCEL_REQ;
    AIO__TRACE(t->loop, AIO_TRACE_CANCEL, t, by,
               (by->flags & AIO__T_GATHERING) || by->await.child != t ? AIO_BY_GATHER : AIO_BY_OWNER, 0);
}

static inline aio_status aio__checkpoint(aio_task *t) {
    return aio__plain(t) || !t->loop->cancellation(t, AIO__DELIVER) ? AIO_OK : AIO_ECANCELED;
}

/* Deadline a, armed as number `as`, comes before deadline b (armed as `bs`):
 * by time, then by arming order; AIO_NEVER comes last. */
static int aio__key_before(aio_time a, const aio__count *as, aio_time b, const aio__count *bs) {
    if (a == AIO_NEVER) return 0;
    if (b == AIO_NEVER) return 1;
    if (a != b) return aio__before(a, b);
    return aio__count_before(as, bs);
}

/* Earliest deadline among the scopes around t that have not fired yet, and
 * (if `seq`) its arming order: the scope's own if t opened it; a deadline a
 * group child inherits is shared, so it takes the order of this arming (the
 * children it reaches fire in the order they parked). The scopes beyond a
 * shielded block count `through_shields`: their deadlines pass (and the
 * blocks expire) on time while the shield holds the cancellation back. */
static aio_time aio__scope_deadline(const aio_task *t, aio__count *seq, int through_shields) {
    const aio_timeout *sc;
    const aio_timeout *first = NULL;
    aio_time d = AIO_NEVER;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (!(sc->flags & AIO__S_EXPIRED) && sc->deadline != AIO_NEVER &&
            (!first || (sc->deadline != d ? aio__before(sc->deadline, d)
                                          : aio__count_before(&sc->seq, &first->seq)))) {
            d = sc->deadline;
            first = sc;
        }
        if ((sc->flags & AIO__S_SHIELD) && !through_shields) break;
    }
    if (!seq || !first) return d;
    if (first->task != t)
        aio__arming(t->loop, seq);
    else
        *seq = first->seq;
    return d;
}

/* The earlier of deadline (*when, *seq) and those of the blocks around t
 * (loop->scope_key). */
static void aio__scope_key(const aio_task *t, aio_time *when, aio__count *seq) {
    aio__count scope_seq = aio__count_zero(); /* (set when d is a time) */
    aio_time d = aio__scope_deadline(t, &scope_seq, 1);
    if (aio__key_before(d, &scope_seq, *when, seq)) {
        *when = d;
        *seq = scope_seq;
    }
}

static aio_group *aio__group_of(const aio_task *t);

/* Apply `visit` to `root` and, through the groups it has open inside scope
 * `stop` (all of them if NULL), to every descendant: the tasks whose chain of
 * scopes passes through root's scopes there. Depth first, in a loop: a child
 * finds its way back through its group (no stack in proportion to how deeply
 * groups nest). */
static void aio__visit_tree(aio_task *root, const aio_timeout *stop, void (*visit)(aio_task *)) {
    aio_task *t = root;
    aio_timeout *sc = root->scope;
    visit(root);
    for (;;) {
        aio_group *g;
        while (sc && sc->task == t && sc != stop && !(sc->flags & AIO__S_GROUP)) sc = sc->parent;
        if (sc && sc->task == t && sc != stop) { /* a group t has open */
            g = AIO_CONTAINER(sc, aio_group, scope);
            if (g->children.next != &g->children) { /* down to its first child */
                t = AIO_CONTAINER(g->children.next, aio_task, member);
                visit(t);
                sc = t->scope;
            } else {
                sc = sc->parent;
            }
            continue;
        }
        if (t == root) return;
        g = aio__group_of(t); /* t is done with: its next sibling, or back to the owner */
        if (t->member.next != &g->children) {
            t = AIO_CONTAINER(t->member.next, aio_task, member);
            visit(t);
            sc = t->scope;
        } else {
            t = g->scope.task;
            sc = g->scope.parent;
        }
    }
}

/* Arm t's timer for the earliest of its await's own deadline (if
 * `own_deadline`) and its scopes' (if `with_scopes`), in their arming order;
 * disarm it if there is none. */
static aio_status aio__arm_deadlines(aio_task *t, int own_deadline, int with_scopes) {
    aio_timer e; /* (the heap's entry, built where the hook refines it) */
    e.when = own_deadline ? t->until : AIO_NEVER;
    e.seq = t->until_seq;
    e.task = t;
    if (with_scopes && t->scope) t->loop->scope_key(t, &e.when, &e.seq);
    if (e.when == AIO_NEVER) {
        aio__disarm(t);
        return AIO_OK;
    }
    return aio__arm(&e);
}

/* Park t until the await's own deadline (t->until, if `own_deadline`), the
 * deadlines of its scopes (if `with_scopes`) or a wake-up. */
static aio_status aio__park(aio_task *t, int own_deadline, int with_scopes) {
    if ((own_deadline && t->until != AIO_NEVER) || (with_scopes && t->scope)) {
        aio_status rc = aio__arm_deadlines(t, own_deadline, with_scopes);
        if (rc < 0) return rc;
    }
    aio__park_now(t, with_scopes ? 0 : AIO__T_DEAF);
    AIO__TRACE(t->loop, AIO_TRACE_SUSPEND, t, t->loop->trace_obj, t->loop->trace_on,
               t->loop->trace_value);
    return AIO__SUSPENDED;
}

/* A parked task's timer follows its deadlines again. */
static void aio__rearm(aio_task *t) {
    if (t->state == AIO__PARKED && !(t->flags & AIO__T_DEAF) && aio__arm_deadlines(t, 1, 1) < 0)
        aio__wake(t); /* no slot: let it re-park and report */
}

/* 1 if a cancellation applies to t that was not delivered yet. */
static int aio__undelivered(const aio_task *t) {
    const aio_timeout *sc;
    for (sc = t->scope; sc; sc = sc->parent) {
        if ((sc->flags & (AIO__S_EXPIRED | AIO__S_DELIVERED)) == AIO__S_EXPIRED) return 1;
        if (sc->flags & AIO__S_SHIELD) return 0;
    }
    return (t->flags & AIO__T_CANCEL_REQ) != 0;
}

/* 1 if a checkpoint now delivers a cancellation that was not delivered yet. */
static int aio__new_cancellation(aio_task *t) {
    uint8_t before = t->loop->deliveries; /* (one checkpoint adds at most 1) */
    aio__checkpoint(t);
    return t->loop->deliveries != before;
}

/* How a cancellation that may now apply reaches a task: as asyncio's
 * Task.cancel() does, at once. A parked task wakes to take it; one parked
 * on children it owns (AIO_AWAIT, AIO_WAIT_FOR, AIO_GATHER of tasks it
 * spawned) takes it where it is and passes it on to them, and they to
 * theirs, so a child that has not run yet never starts. A ready task keeps
 * it for its next step; a shielded block holds it back until it ends.
 *
 * aio__cancel_reaches acts on one task and returns the child an await passes
 * it on to; gathering tasks, which pass it on to several, are queued on
 * `gatherers` through their wait link (idle while they gather). Loops, not
 * recursion: chains of awaits can be as long as there are tasks. */
static void aio__cancel_arrives(aio_task *t);
static aio_task *aio__cancel_reaches(aio_task *t, aio_link *gatherers) {
    aio_task *child;
    if (!(t->flags & (AIO__T_AWAITING | AIO__T_GATHERING))) {
        aio__cancel_arrives(t); /* (it waits for nothing it owns) */
        return NULL;
    }
    if (t->state != AIO__PARKED) {
        /* one that gathers, woken by the end of one of its tasks: the gather
         * looks whether it is still waiting (loop->spread, set by gathers) */
        if (t->flags & AIO__T_GATHERING) t->loop->spread(gatherers, t); /* (it asks: ready, not running) */
        return NULL;
    }
    if (!aio__cancel_source(t, 0)) return NULL;
    if (!aio__new_cancellation(t)) return NULL; /* passed on already */
    t->flags |= AIO__T_JOIN_CANCEL;
    if (t->flags & AIO__T_GATHERING) {
        aio__list_append(gatherers, &t->wait.link);
        return NULL;
    }
    child = t->await.child;
    aio__request_cancel(child, t);
    return child;
}

/* A gather passes its cancellation on to the tasks it spawned and stops
 * waiting for the others. 1 if it still waits for some. */
static int aio__gather_pass_on(aio_task *t, aio_link *gatherers) {
    aio_wait_item *items = t->await.many.items;
    uint32_t i;
    int waiting = 0;
    for (i = 0; i < t->await.many.n; i++) {
        aio_task *c = items[i].task;
        if (c->state == AIO__DONE) continue;
        if (c->parent != t) {
            aio__list_unlink(&items[i].node.link);
            continue;
        }
        if (!aio__linked(&items[i].node.link)) aio__join(c, &items[i].node.link);
        waiting = 1;
        aio__request_cancel(c, t);
        while (c) c = aio__cancel_reaches(c, gatherers);
    }
    return waiting;
}

/* 1 if t, a gathering task that the end of one of its tasks woke, still
 * waits: a cancel that reaches it now came before its gather was complete
 * (asyncio's gather() passes it on to the tasks still running), not after
 * (then the result it was woken for comes first, L3). */
static int aio__gather_woken_early(const aio_task *t) {
    const aio_wait_item *items = t->await.many.items;
    uint32_t i;
    int running = 0;
    if ((t->flags & (AIO__T_SIGNALLED | AIO__T_JOIN_CANCEL)) != AIO__T_SIGNALLED) return 0;
    for (i = 0; i < t->await.many.n; i++) {
        const aio_task *c = items[i].task;
        if (c->state != AIO__DONE) running = 1;
        else if (c->frame.rc < 0 && !(t->flags & AIO__T_GATHER_ALL)) return 0; /* its first failure */
    }
    return running;
}

/* Pass a cancellation on through the gathering tasks queued on `gatherers`,
 * and through them to what they own and await; with `woken`, first through
 * that one, a gathering task woken and not yet run (its wait link is its
 * place in the ready queue): when it runs, it waits for their cleanup. */
static void aio__cancel_spread(aio_link *gatherers, aio_task *woken) {
    if (woken) { /* (what it queues, the caller spreads) */
        uint8_t before = woken->loop->deliveries; /* (aio__new_cancellation, kept inline there) */
        if (woken->state != AIO__READY || !aio__gather_woken_early(woken) || !aio__cancel_source(woken, 0))
            return;
        aio__checkpoint(woken);
        if (woken->loop->deliveries == before) return; /* passed on already */
        woken->flags |= AIO__T_JOIN_CANCEL;
        (void)aio__gather_pass_on(woken, gatherers);
        return;
    }
    while (!aio__list_empty(gatherers)) {
        aio_task *g = AIO__TASK_OF(gatherers->next);
        aio__list_unlink(&g->wait.link);
        if (!aio__gather_pass_on(g, gatherers)) aio__wake(g); /* nothing to wait for */
    }
}

/* A cancellation arrives at t. One that awaits what it owns passes it on along the chain
 * (aio__cancel_chain), reached through the hook its join set (loop->joiners, given a task
 * alive): a program that never awaits a task links none of that. One that waits for nothing
 * it owns wakes to take it if it is parked (one taking a condition's lock back goes to the
 * back of the queue). */
static void aio__cancel_arrives(aio_task *t) {
    if (t->flags & (AIO__T_AWAITING | AIO__T_GATHERING))
        t->loop->joiners(t);
    else if (t->state == AIO__PARKED && aio__cancel_source(t, 0) &&
             (!(t->flags & AIO__T_RELOCK) || aio__undelivered(t)))
        aio__wake(t);
}

/* The chain from t, a task that awaits what it owns: each link passes the
 * cancellation on to the next, and the gathering tasks met on the way to
 * theirs. */
static void aio__cancel_chain(aio_task *t) {
    aio_link gatherers;
    aio__list_init(&gatherers);
    while (t) t = aio__cancel_reaches(t, &gatherers);
    if (!aio__list_empty(&gatherers)) AIO__TASK_OF(gatherers.next)->loop->spread(&gatherers, NULL);
}

/* loop->joiners, set by the first join (aio__join): given a task that has
 * ended, its waiters wake; given one alive (which awaits what it owns), a
 * cancellation that arrived at it passes on. */
AIO_API void aio__joined(aio_task *t) {
    if (t->state == AIO__DONE)
        aio__wake_joiners(t);
    else
        aio__cancel_chain(t);
}

/* Suspend once and deliver the pending cancellation on resumption (asyncio
 * also suspends before raising): the frame resumes where it unwinds to. A
 * cancel that reaches the task meanwhile (its own, or passed on by an owner
 * or a group) comes before the code sees the cancellation, so it is delivered
 * with it where the frame lands (aio__raised), not again in its cleanup:
 * asyncio throws one CancelledError for every cancel() before the task
 * resumes (R9). */
static aio_status aio__yield_then_raise(aio_task *t, aio_frame *f) {
    aio__set_status(t, f, AIO_ECANCELED);
    f->lc = (uint16_t)aio__unwind_target(t, f);
    f->flags |= AIO__F_RAISING;
    aio__enqueue(t);
    return AIO__SUSPENDED;
}

/* Where a frame that aio__yield_then_raise suspended lands (a block's end,
 * its cleanup; a callee with neither passes the mark on to its caller, and a
 * task that ends there needs none): what reached the task while it was
 * suspended is delivered now, with the cancellation it unwinds (no deadline
 * is noticed here: one the clock passed meanwhile is a new cancellation, as
 * asyncio's timer, firing after the task's step, makes it). */
static void aio__raised(aio_task *t, aio_frame *f) {
    if (!(f->flags & AIO__F_RAISING)) return;
    f->flags &= (uint8_t)~AIO__F_RAISING;
    (void)t->loop->cancellation(t, AIO__MERGE);
}

/* Set the frame's status to `err` and tell the await macro to unwind. */
static aio_status aio__raise(aio_task *t, aio_frame *f, aio_status err) {
    aio__set_status(t, f, err);
    return AIO__RAISE;
}

