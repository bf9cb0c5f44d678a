// >>queues-impl
/* ------------------------------------------------------------------ queues */

/* A queue's state is shared with aio_queue_put_from_isr: it is read and
 * changed inside the critical section, and the wait lists (the loop's own)
 * outside it. Promises: an item put, or a place freed, is promised to the
 * oldest waiter (counted in promised / room_promised) before it is woken, so
 * that no later getter or putter takes it; the waiter takes it when it runs,
 * or hands it on if it was cancelled or timed out first. */
enum { AIO__Q_FIFO = 0, AIO__Q_LIFO, AIO__Q_PRIORITY };
/* (a LIFO's and a priority queue's store and take, named by their inits) */
static void aio__queue_lifo(aio_queue *q, const void *item, void *out);
static void aio__queue_heap(aio_queue *q, const void *item, void *out);

static aio_status aio__queue_setup(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                   uint32_t maxsize, int order, aio_queue_less_fn less,
                                   aio__queue_order_fn ordered) {
    if (!q || !storage || item_size == 0 || capacity - 1u >= UINT_MAX / 2) /* (0 wraps: refused too) */
        return aio__misuse(AIO_EINVAL, "queue init: the queue or storage is NULL, the item size is 0, "
                                       "or the capacity is 0 or over UINT_MAX / 2 items");
    if (maxsize > capacity)
        return aio__misuse(AIO_EINVAL, "queue init: maxsize is larger than the storage's capacity");
    if (order == AIO__Q_PRIORITY && !less)
        return aio__misuse(AIO_EINVAL, "priority queue init: the comparison function is NULL");
    memset(q, 0, sizeof *q);
    aio__list_init(&q->ready.waiters);
    aio__list_init(&q->putters);
    aio__list_init(&q->joiners);
    q->ready.kind = 1;
    q->storage = (unsigned char *)storage;
    q->item_size = item_size;
    q->capacity = (unsigned)capacity;
    q->maxsize = (unsigned)maxsize;
    q->order = AIO__U8(order);
    q->less = less;
    if (ordered) q->ordered = ordered; /* (in place of a FIFO's head) */
    return AIO_OK;
}

AIO_API aio_status aio_queue_init(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                  uint32_t maxsize) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_FIFO, NULL, NULL);
}
AIO_API aio_status aio_lifo_queue_init(aio_queue *q, void *storage, size_t item_size,
                                       uint32_t capacity, uint32_t maxsize) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_LIFO, NULL, aio__queue_lifo);
}
AIO_API aio_status aio_priority_queue_init(aio_queue *q, void *storage, size_t item_size,
                                           uint32_t capacity, uint32_t maxsize,
                                           aio_queue_less_fn less) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_PRIORITY, less,
                            aio__queue_heap);
}

static unsigned char *aio__queue_slot(const aio_queue *q, uint32_t i) {
    return q->storage + (size_t)i * q->item_size;
}

static void aio__queue_swap(const aio_queue *q, uint32_t i, uint32_t j) {
    unsigned char *a = aio__queue_slot(q, i);
    unsigned char *b = aio__queue_slot(q, j);
    size_t n;
    for (n = 0; n < q->item_size; n++) {
        unsigned char c = a[n];
        a[n] = b[n];
        b[n] = c;
    }
}

/* Places left: the bound less the items and the places promised. */
static unsigned aio__queue_room(const aio_queue *q) {
    unsigned bound = q->maxsize ? q->maxsize : q->capacity;
    unsigned used = q->count + q->room_promised;
    return used < bound ? bound - used : 0;
}

/* An item copied: one of an int's or a pointer's size (most queues') by a
 * copy the compiler makes inline where time counts, any other by a call. */
static void aio__queue_copy(void *to, const void *from, size_t size) {
#if AIO__SPEED && (defined(__GNUC__) || defined(__clang__))
    /* (where this is inlined into a put or get of an item smaller than 8
     * bytes, gcc would warn of the copies for 4 and 8 that the size rules
     * out: the pointers are made opaque to it, which costs no instruction) */
    __asm__("" : "+r"(to), "+r"(from));
#endif
    if (AIO__SPEED && size == 4)
        memcpy(to, from, 4);
    else if (AIO__SPEED && size == 8)
        memcpy(to, from, 8);
    else
        memcpy(to, from, size);
}

/* What a put's or get's fast path calls (the other orders than a FIFO's,
 * the general wake path, the general hand-over loops, the awaits' general
 * paths), kept apart from it: inlined there, their loops and calls would
 * make every put and get save the registers they need. */
#if AIO__SPEED && (defined(__GNUC__) || defined(__clang__))
#define AIO__QUEUE_APART __attribute__((noinline))
#else
#define AIO__QUEUE_APART /* (-Os: the compiler's choice, for size) */
#endif
/* ... and what it takes inline: AIO__QUEUE_FAST always where it optimizes
 * (at -O0, a debug or coverage build, one copy of each, as gcov counts it),
 * AIO__QUEUE_INLINE too where time counts (-Os: the compiler's choice). */
#if defined(__OPTIMIZE__) || !(defined(__GNUC__) || defined(__clang__))
#define AIO__QUEUE_FAST AIO__ALWAYS_INLINE
#else
#define AIO__QUEUE_FAST inline
#endif
#if AIO__SPEED
#define AIO__QUEUE_INLINE AIO__QUEUE_FAST
#else
#define AIO__QUEUE_INLINE
#endif

/* A LIFO's and a priority queue's own store and take, reached through the
 * queue (q->ordered) and named only by their inits: a program whose queues
 * are all FIFOs links neither. Inside the critical section: *item stored at
 * place `count` (out NULL), or the next item taken into *out (count is
 * already one less). */
static void aio__queue_lifo(aio_queue *q, const void *item, void *out) {
    if (out)
        aio__queue_copy(out, aio__queue_slot(q, q->count), q->item_size);
    else
        aio__queue_copy(aio__queue_slot(q, q->count), item, q->item_size);
}
static void aio__queue_heap(aio_queue *q, const void *item, void *out) { /* heapq's push and pop */
    uint32_t i = q->count;
    if (!out) { /* the new item at the end, up while it is less than its parent */
        aio__queue_copy(aio__queue_slot(q, i), item, q->item_size);
        while (i > 0 && q->less(aio__queue_slot(q, i), aio__queue_slot(q, (i - 1) / 2))) {
            aio__queue_swap(q, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
        return;
    }
    /* the least out, the last item in its place and down while a child is less */
    i = 0;
    aio__queue_copy(out, aio__queue_slot(q, 0), q->item_size);
    if (q->count == 0) return;
    memcpy(aio__queue_slot(q, 0), aio__queue_slot(q, q->count), q->item_size);
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= q->count) break;
        if (c + 1 < q->count && q->less(aio__queue_slot(q, c + 1), aio__queue_slot(q, c))) c++;
        if (!q->less(aio__queue_slot(q, c), aio__queue_slot(q, i))) break;
        aio__queue_swap(q, i, c);
        i = c;
    }
}

/* Inside the critical section, with room: add *item (one more not done).
 * The FIFO's store is inline in its callers; the other orders' a call. */
static AIO__QUEUE_INLINE void aio__queue_store(aio_queue *q, const void *item) {
    if (q->order == AIO__Q_FIFO) { /* (head < capacity, count <= capacity: no division) */
        unsigned i = q->head + q->count;
        if (i >= q->capacity) i -= q->capacity;
        aio__queue_copy(aio__queue_slot(q, i), item, q->item_size);
    } else {
        q->ordered(q, item, NULL);
    }
    q->count++;
    if (q->unfinished != 0xffffffffu) q->unfinished++; /* (stops there: a join never returns early) */
}

/* Inside the critical section, with an item: take the next into *out. */
static AIO__QUEUE_INLINE void aio__queue_take(aio_queue *q, void *out) {
    q->count--;
    if (q->order == AIO__Q_FIFO) {
        aio__queue_copy(out, aio__queue_slot(q, q->head), q->item_size);
        q->head = q->head + 1 == q->capacity ? 0 : q->head + 1;
    } else {
        q->ordered(q, NULL, out);
    }
}

/* 1 if nobody waits in l, a list of a queue that was set up (one that has
 * room or an item; a zeroed one has neither): aio__list_empty's test of a
 * zeroed list left out. */
static AIO__QUEUE_FAST int aio__queue_none_in(const aio_link *l) { return l->next == l; }

/* Promise the items nobody has been promised to the oldest getters. */
static AIO__QUEUE_APART void aio__queue_hand_items_all(aio_queue *q) {
    while (!aio__list_empty(&q->ready.waiters)) {
        int spare;
        AIO_CRITICAL_ENTER();
        spare = q->count > q->promised;
        if (spare) q->promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__wake_first(&q->ready.waiters, AIO__T_GRANTED);
    }
}

/* Promise the free places to the oldest putters. */
static AIO__QUEUE_APART void aio__queue_hand_room_all(aio_queue *q) {
    while (!aio__list_empty(&q->putters)) {
        int spare;
        AIO_CRITICAL_ENTER();
        spare = aio__queue_room(q) > 0;
        if (spare) q->room_promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__wake_first(&q->putters, AIO__T_GRANTED);
    }
}

#if AIO__SPEED
/* 1 if the oldest waiter of l (not empty) is parked with no timer: it can be
 * woken by aio__queue_grant, a function that calls none (the general wake
 * path's, aio__wake_first, inline and without its cases). */
static AIO__QUEUE_FAST int aio__queue_grantable(const aio_link *l) {
    const aio_task *w = AIO__TASK_OF(l->next);
    return ((unsigned)(w->state ^ AIO__PARKED) | (unsigned)w->timer) == 0; /* (one test: both almost always hold) */
}

static AIO__QUEUE_FAST void aio__queue_grant(aio_link *l) {
    aio_link *n = l->next;
    aio_task *w = AIO__TASK_OF(n);
    w->flags |= AIO__T_GRANTED;
    AIO_CRITICAL_ENTER();
    n->prev->next = n->next; /* (linked: l's first) */
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
    AIO_CRITICAL_EXIT();
    aio__enqueue(w);
    AIO__TRACE(w->loop, AIO_TRACE_WAKE, w, NULL, AIO_TRACE_NONE, 0);
}
#endif

/* The same, those waiters that need no more than aio__queue_grant woken
 * here, in a loop that calls nothing (and so saves no register), the others
 * and those after them by the general path. Inline in the puts and gets. */
static AIO__QUEUE_FAST void aio__queue_hand_items_in(aio_queue *q) {
#if AIO__SPEED
    for (;;) {
        int spare;
        if (aio__queue_none_in(&q->ready.waiters)) return;
        if (!aio__queue_grantable(&q->ready.waiters)) break;
        AIO_CRITICAL_ENTER();
        spare = q->count > q->promised;
        if (spare) q->promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__queue_grant(&q->ready.waiters);
    }
#endif
    aio__queue_hand_items_all(q);
}

static AIO__QUEUE_FAST void aio__queue_hand_room_in(aio_queue *q) {
#if AIO__SPEED
    for (;;) {
        int spare;
        if (aio__queue_none_in(&q->putters)) return;
        if (!aio__queue_grantable(&q->putters)) break;
        AIO_CRITICAL_ENTER();
        spare = aio__queue_room(q) > 0;
        if (spare) q->room_promised++;
        AIO_CRITICAL_EXIT();
        if (!spare) return;
        aio__queue_grant(&q->putters);
    }
#endif
    aio__queue_hand_room_all(q);
}

#if AIO__SPEED
static AIO__QUEUE_APART void aio__queue_hand_items(aio_queue *q) { aio__queue_hand_items_in(q); }
static AIO__QUEUE_APART void aio__queue_hand_room(aio_queue *q) { aio__queue_hand_room_in(q); }
#else
#define aio__queue_hand_items aio__queue_hand_items_all
#define aio__queue_hand_room aio__queue_hand_room_all
#endif

/* A queue rang from outside: its getters' loop hands them the items. */
static void aio__queue_rang(aio_event *ready) {
    aio__queue_hand_items(AIO_CONTAINER(ready, aio_queue, ready));
}

/* Inside the critical section: AIO_OK if a put finds a place (a newcomer:
 * and no putter waits before it), else the reason. */
static AIO__QUEUE_FAST aio_status aio__queue_put_refused(const aio_queue *q, int newcomer) {
    if (q->shut) return AIO_ESHUTDOWN;
    if (aio__queue_room(q) == 0 || (newcomer && !aio__queue_none_in(&q->putters)))
        return q->maxsize ? AIO_EFULL : AIO_ENOSPC;
    return AIO_OK;
}

/* Inside the critical section: AIO_OK if an item is free for a get (a
 * newcomer: and no getter waits before it), else AIO_EEMPTY or AIO_ESHUTDOWN. */
static AIO__QUEUE_FAST aio_status aio__queue_get_refused(const aio_queue *q, int newcomer) {
    if (q->count <= q->promised || (newcomer && !aio__queue_none_in(&q->ready.waiters)))
        return q->shut ? AIO_ESHUTDOWN : AIO_EEMPTY;
    return AIO_OK;
}

/* Put *item if a place is free: AIO_OK, else the reason. */
static AIO__QUEUE_INLINE aio_status aio__queue_try_put(aio_queue *q, const void *item, int newcomer) {
    aio_status rc;
    AIO_CRITICAL_ENTER();
    rc = aio__queue_put_refused(q, newcomer);
    if (rc == AIO_OK) aio__queue_store(q, item);
    AIO_CRITICAL_EXIT();
    return rc;
}

/* A put from a task: stored if a place is open (for a newcomer, with no
 * putter waiting before it), and the items handed to waiting getters. */
static AIO__QUEUE_FAST aio_status aio__queue_put_in(aio_queue *q, const void *item, int newcomer) {
    aio_status rc = aio__queue_try_put(q, item, newcomer);
    if (rc != AIO_OK) return rc;
    aio__queue_hand_items_in(q);
    return AIO_OK;
}

/* A get from a task: an item taken if one is free, and the places freed
 * handed to waiting putters. */
static AIO__QUEUE_FAST aio_status aio__queue_get_in(aio_queue *q, void *out, int newcomer) {
    aio_status rc;
    AIO_CRITICAL_ENTER();
    rc = aio__queue_get_refused(q, newcomer);
    if (rc == AIO_OK) aio__queue_take(q, out);
    AIO_CRITICAL_EXIT();
    if (rc != AIO_OK) return rc;
    aio__queue_hand_room_in(q);
    return AIO_OK;
}

/* The same, one call for the general paths (the fast ones take them inline). */
static AIO__QUEUE_APART aio_status aio__queue_put_now(aio_queue *q, const void *item, int newcomer) {
    return aio__queue_put_in(q, item, newcomer);
}
static AIO__QUEUE_APART aio_status aio__queue_get_now(aio_queue *q, void *out, int newcomer) {
    return aio__queue_get_in(q, out, newcomer);
}

/* Whoever may ring a queue's event on L first gives L the events hook that
 * hears it (and that calls loop->rang for a queue's). Where puts can come
 * from other threads or handlers (AIO_CRITICAL_ENTER defined) that is the
 * getter's park, on the loop's own thread; else every ring is made on the
 * loop's thread and the ring installs it, so that a loop whose queues are
 * only put to by its tasks (who wake the getters themselves) runs no events
 * hook in its turns. */
static void aio__queue_hook(aio_loop *L) {
    if (!L->events) aio__use_events(L, aio__events);
    L->rang = aio__queue_rang;
}

AIO_API aio_status aio_queue_put_nowait(aio_queue *q, const void *item) {
    if (!q || !item) return aio__misuse(AIO_EINVAL, "queue put: the queue or the item is NULL");
    return aio__queue_put_now(q, item, 1);
}

AIO_API aio_status aio_queue_get_nowait(aio_queue *q, void *item) {
    if (!q || !item) return aio__misuse(AIO_EINVAL, "queue get: the queue or the item is NULL");
    return aio__queue_get_now(q, item, 1);
}

AIO_API aio_status aio_queue_put_from_isr(aio_queue *q, const void *item) {
    aio_status rc;
    if (!q || !item) return AIO_EINVAL; /* (no debug message: it may run in a handler) */
    rc = aio__queue_try_put(q, item, 0);
#ifndef AIO__SHARED
    /* (on the loop's thread: see aio__queue_hook) */
    if (rc == AIO_OK && q->ready.loop) aio__queue_hook(q->ready.loop);
#endif
    if (rc == AIO_OK) aio_event_set(&q->ready); /* the getters' loop hands it out */
    return rc;
}

AIO_API uint32_t aio_queue_qsize(const aio_queue *q) {
    uint32_t n;
    AIO_CRITICAL_ENTER();
    n = q->count;
    AIO_CRITICAL_EXIT();
    return n;
}
AIO_API int aio_queue_empty(const aio_queue *q) { return aio_queue_qsize(q) == 0; }
AIO_API int aio_queue_full(const aio_queue *q) {
    return q->maxsize > 0 && aio_queue_qsize(q) >= q->maxsize;
}

AIO_API aio_status aio_queue_task_done(aio_queue *q) {
    int all_done;
    if (!q) return aio__misuse(AIO_EINVAL, "queue task_done: the queue is NULL");
    AIO_CRITICAL_ENTER();
    all_done = q->unfinished == 1;
    if (q->unfinished) q->unfinished--;
    else all_done = -1;
    AIO_CRITICAL_EXIT();
    if (all_done < 0)
        return aio__misuse(AIO_EINVAL, "queue task_done: called more often than items were put");
    if (all_done) aio__wake_all(&q->joiners, AIO__T_SIGNALLED);
    return AIO_OK;
}

AIO_API void aio_queue_shutdown(aio_queue *q, int immediate) {
    int all_done = 0;
    if (!q) {
        aio__misuse(AIO_EINVAL, "queue shutdown: the queue is NULL");
        return;
    }
    AIO_CRITICAL_ENTER();
    q->shut = 1;
    if (immediate) { /* each item dropped counts as done */
        q->unfinished = q->unfinished > q->count ? q->unfinished - q->count : 0;
        q->count = q->promised = 0;
        if (q->order == AIO__Q_FIFO) q->head = 0; /* (the others' place holds their store and take) */
        all_done = q->unfinished == 0;
    }
    AIO_CRITICAL_EXIT();
    if (all_done) aio__wake_all(&q->joiners, AIO__T_SIGNALLED);
    /* to find it shut down: it reached them before a later deadline or cancel */
    aio__wake_all(&q->ready.waiters, AIO__T_SIGNALLED);
    aio__wake_all(&q->putters, AIO__T_SIGNALLED);
}

/* Park t among the getters (the queue's event, bound to t's loop): a put
 * from outside rings it there. */
static aio_status aio__queue_park_getter(aio_task *t, aio_frame *f, aio_queue *q) {
    aio_loop *L = t->loop;
    aio_loop *owner;
    aio_status rc;
    AIO_CRITICAL_ENTER();
    owner = q->ready.loop;
    AIO_CRITICAL_EXIT();
    if (owner && owner != L)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue get: tasks of another loop wait on "
                                                        "this queue; a queue's getters belong to one loop"));
    AIO__WAITS_ON(L, AIO_ON_QUEUE, q, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
#ifdef AIO__SHARED
    aio__queue_hook(L); /* (before the queue can be rung on L) */
#endif
    AIO_CRITICAL_ENTER();
    aio__list_append(&q->ready.waiters, &t->wait.link);
    if (!q->ready.loop) {
        q->ready.loop = L;
        L->bound_events++;
    }
#ifdef AIO__SHARED
    /* put from outside while it belonged to no loop (an interrupt between the
     * look at the queue and here): ring it now (without AIO__SHARED nothing
     * runs between the two) */
    if (q->count > q->promised && !q->ready.queued) (void)aio__signal(L, &q->ready); /* LCOV_EXCL_BR_LINE */
#endif
    AIO_CRITICAL_EXIT();
    return rc;
}

static aio_status aio__queue_park(aio_task *t, aio_frame *f, const aio_queue *q,
                                  aio_link *waiters) {
    aio_status rc;
    AIO__WAITS_ON(t->loop, AIO_ON_QUEUE, q, 0);
    (void)q;
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    aio__wait_in(t, waiters);
    return rc;
}

static aio_time aio__queue_until(aio_task *t, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (until != AIO_TIME_INVALID) aio__set_until(t, until);
    return until;
}

#if AIO__SPEED
/* The awaits of a task with nothing to check (no block open around it, no
 * cancellation, no timeout), apart from the general paths whose saved
 * registers they would pay for: the put and get of a hand-over between two
 * tasks. What they do is what the general paths do in that case. */
static AIO__QUEUE_APART aio_status aio__queue_put_plain(aio_task *t, aio_queue *q, const void *item) {
    aio_status rc;
    t->until = AIO_NEVER;
    rc = aio__queue_put_in(q, item, 1);
    if (rc != AIO_EFULL) return rc;
    AIO__WAITS_ON(t->loop, AIO_ON_QUEUE, q, 0);
    aio__park_now(t, 0); /* (aio__park's, with no deadline and no block) */
    AIO__TRACE(t->loop, AIO_TRACE_SUSPEND, t, q, AIO_ON_QUEUE, 0);
    aio__wait_in(t, &q->putters);
    return AIO__SUSPENDED;
}

static AIO__QUEUE_APART aio_status aio__queue_get_plain(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
    aio_status rc;
#ifndef AIO__SHARED
    aio_loop *L;
    aio_loop *owner;
#endif
    t->until = AIO_NEVER;
    rc = aio__queue_get_in(q, out, 1);
    if (rc != AIO_EEMPTY) return rc;
#ifdef AIO__SHARED
    return aio__queue_park_getter(t, f, q); /* (the hook to install, a ring to make up for) */
#else
    L = t->loop;
    owner = q->ready.loop;
    if (owner && owner != L) return aio__queue_park_getter(t, f, q); /* (refused) */
    /* (no put from outside can have come since the look at the queue: no
     * ring to make up for, and no events hook to install, as
     * aio__queue_park_getter's where puts can come from outside) */
    AIO__WAITS_ON(L, AIO_ON_QUEUE, q, 0);
    aio__park_now(t, 0); /* (aio__queue_park_getter's, with no deadline and no block) */
    AIO__TRACE(L, AIO_TRACE_SUSPEND, t, q, AIO_ON_QUEUE, 0);
    aio__list_append(&q->ready.waiters, &t->wait.link);
    if (!owner) {
        q->ready.loop = L;
        L->bound_events++;
    }
    return AIO__SUSPENDED;
#endif
}

/* (the place promised to it is there unless the queue was shut down: no
 * put or promise takes a place promised to another, so items and promised
 * places never outnumber the bound) */
static AIO__QUEUE_APART aio_status aio__queue_put_granted(aio_task *t, aio_queue *q, const void *item) {
    int shut;
    t->flags &= (uint16_t)~AIO__T_GRANTED;
    AIO_CRITICAL_ENTER();
    q->room_promised--;
    shut = q->shut;
    if (!shut) aio__queue_store(q, item);
    AIO_CRITICAL_EXIT();
    if (shut) return AIO_ESHUTDOWN;
    aio__queue_hand_items_in(q);
    return AIO_OK;
}

static AIO__QUEUE_APART aio_status aio__queue_get_granted(aio_task *t, aio_queue *q, void *out) {
    aio_loop *L;
    t->flags &= (uint16_t)~AIO__T_GRANTED;
    AIO_CRITICAL_ENTER(); /* it has left the getters (aio__event_unbind_if_idle's) */
    L = q->ready.loop;
    if (L && aio__queue_none_in(&q->ready.waiters) && !q->ready.queued) {
        L->bound_events--;
        q->ready.loop = NULL;
    }
    q->promised -= q->promised > 0; /* (0 once an immediate shutdown dropped them) */
    AIO_CRITICAL_EXIT();
    return aio__queue_get_in(q, out, 0);
}

/* (a granted task with nothing to check takes the fast path) */
#define AIO__QUEUE_GRANTED_PLAIN(t)                                            \
    (((t)->flags & (AIO__T_GRANTED | AIO__T_WATCHED | AIO__T_CANCEL_REQ)) == AIO__T_GRANTED)
#endif

static AIO__QUEUE_APART aio_status aio__queue_put_start_all(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d) {
    aio_status rc;
    if (!q || !item)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue put: the queue or the item is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue put: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    rc = aio__queue_put_now(q, item, 1);
    if (rc != AIO_EFULL) return rc; /* done, shut down, or no storage left: no wait */
    return aio__queue_park(t, f, q, &q->putters);
}

AIO_API aio_status aio__queue_put_start(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d) {
#if AIO__SPEED
    if (d == AIO_NEVER && aio__plain(t) && q && item) return aio__queue_put_plain(t, q, item);
#endif
    return aio__queue_put_start_all(t, f, q, item, d);
}

static AIO__QUEUE_APART aio_status aio__queue_put_poll_all(aio_task *t, aio_frame *f, aio_queue *q, const void *item) {
    aio_status rc;
    if (t->flags & AIO__T_GRANTED) { /* a place was promised to it */
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        AIO_CRITICAL_ENTER();
        q->room_promised--;
        AIO_CRITICAL_EXIT();
        if (aio__checkpoint(t) < 0) { /* cancelled before it could use it: pass it on */
            aio__queue_hand_room(q);
            return aio__raise(t, f, AIO_ECANCELED);
        }
        return aio__queue_put_now(q, item, 0); /* (AIO_ESHUTDOWN if shut down meanwhile) */
    }
    if (t->flags & AIO__T_SIGNALLED) { /* shut down before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_ESHUTDOWN;
    }
    /* woken by a cancellation or a deadline first (it has left the queue): a
     * shutdown since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    rc = aio__queue_put_now(q, item, 1);
    if (rc != AIO_EFULL) return rc;
    return aio__queue_park(t, f, q, &q->putters);
}

AIO_API aio_status aio__queue_put_poll(aio_task *t, aio_frame *f, aio_queue *q, const void *item) {
#if AIO__SPEED
    if (AIO__QUEUE_GRANTED_PLAIN(t)) return aio__queue_put_granted(t, q, item);
#endif
    return aio__queue_put_poll_all(t, f, q, item);
}

static AIO__QUEUE_APART aio_status aio__queue_get_start_all(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d) {
    aio_status rc;
    if (!q || !out)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue get: the queue or the item is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue get: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    rc = aio__queue_get_now(q, out, 1);
    if (rc != AIO_EEMPTY) return rc;
    return aio__queue_park_getter(t, f, q);
}

AIO_API aio_status aio__queue_get_start(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d) {
#if AIO__SPEED
    if (d == AIO_NEVER && aio__plain(t) && q && out) return aio__queue_get_plain(t, f, q, out);
#endif
    return aio__queue_get_start_all(t, f, q, out, d);
}

static AIO__QUEUE_APART aio_status aio__queue_get_poll_all(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
    aio_status rc;
    AIO_CRITICAL_ENTER();
    aio__event_unbind_if_idle(&q->ready); /* it has left the getters */
    AIO_CRITICAL_EXIT();
    if (t->flags & AIO__T_GRANTED) { /* an item was promised to it */
        t->flags &= (uint16_t)~AIO__T_GRANTED;
        AIO_CRITICAL_ENTER();
        q->promised -= q->promised > 0; /* (0 once an immediate shutdown dropped them) */
        AIO_CRITICAL_EXIT();
        if (aio__checkpoint(t) < 0) { /* cancelled before it could take it: pass it on */
            aio__queue_hand_items(q);
            return aio__raise(t, f, AIO_ECANCELED);
        }
        return aio__queue_get_now(q, out, 0);
    }
    if (t->flags & AIO__T_SIGNALLED) { /* shut down before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return aio__queue_get_now(q, out, 1); /* (an item handed on since: taken) */
    }
    /* woken by a cancellation or a deadline first (it has left the queue): a
     * shutdown since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    rc = aio__queue_get_now(q, out, 1);
    if (rc != AIO_EEMPTY) return rc;
    return aio__queue_park_getter(t, f, q);
}

AIO_API aio_status aio__queue_get_poll(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
#if AIO__SPEED
    if (AIO__QUEUE_GRANTED_PLAIN(t)) return aio__queue_get_granted(t, q, out);
#endif
    return aio__queue_get_poll_all(t, f, q, out);
}

AIO_API aio_status aio__queue_join_start(aio_task *t, aio_frame *f, aio_queue *q, aio_time d) {
    uint32_t unfinished;
    if (!q) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue join: the queue is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue join: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    AIO_CRITICAL_ENTER();
    unfinished = q->unfinished;
    AIO_CRITICAL_EXIT();
    if (unfinished == 0) return AIO_OK;
    return aio__queue_park(t, f, q, &q->joiners);
}

AIO_API aio_status aio__queue_join_poll(aio_task *t, aio_frame *f, aio_queue *q) {
    uint32_t unfinished;
    if (t->flags & AIO__T_SIGNALLED) { /* all done before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_OK;
    }
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    AIO_CRITICAL_ENTER();
    unfinished = q->unfinished;
    AIO_CRITICAL_EXIT();
    if (unfinished == 0) return AIO_OK;
    return aio__queue_park(t, f, q, &q->joiners);
}

