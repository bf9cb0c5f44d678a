// >>queues-impl
/* ------------------------------------------------------------------ queues */

/* A queue's state is shared with aio_queue_put_from_isr: it is read and
 * changed inside the critical section, and the wait lists (the loop's own)
 * outside it. Promises: an item put, or a place freed, is promised to the
 * oldest waiter (counted in promised / room_promised) before it is woken, so
 * that no later getter or putter takes it; the waiter takes it when it runs,
 * or hands it on if it was cancelled or timed out first. */
enum { AIO__Q_FIFO = 0, AIO__Q_LIFO, AIO__Q_PRIORITY };

static aio_status aio__queue_setup(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                   uint32_t maxsize, int order, aio_queue_less_fn less) {
    if (!q || !storage || item_size == 0 || capacity == 0)
        return aio__misuse(AIO_EINVAL, "queue init: the queue or storage is NULL, or the item "
                                       "size or capacity is 0");
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
    q->capacity = capacity;
    q->maxsize = maxsize;
    q->order = AIO__U8(order);
    q->less = less;
    return AIO_OK;
}

AIO_API aio_status aio_queue_init(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                  uint32_t maxsize) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_FIFO, NULL);
}
AIO_API aio_status aio_lifo_queue_init(aio_queue *q, void *storage, size_t item_size,
                                       uint32_t capacity, uint32_t maxsize) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_LIFO, NULL);
}
AIO_API aio_status aio_priority_queue_init(aio_queue *q, void *storage, size_t item_size,
                                           uint32_t capacity, uint32_t maxsize,
                                           aio_queue_less_fn less) {
    return aio__queue_setup(q, storage, item_size, capacity, maxsize, AIO__Q_PRIORITY, less);
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
static uint32_t aio__queue_room(const aio_queue *q) {
    uint32_t bound = q->maxsize ? q->maxsize : q->capacity;
    uint32_t used = q->count + q->room_promised;
    return used < bound ? bound - used : 0;
}

/* An item copied: one of an int's or a pointer's size (most queues') by a
 * copy the compiler makes inline where time counts, any other by a call. */
static void aio__queue_copy(void *to, const void *from, size_t size) {
    if (AIO__SPEED && size == 4)
        memcpy(to, from, 4);
    else if (AIO__SPEED && size == 8)
        memcpy(to, from, 8);
    else
        memcpy(to, from, size);
}

/* Inside the critical section, with room: add *item (one more not done). */
static void aio__queue_store(aio_queue *q, const void *item) {
    uint32_t i = q->count;
    if (q->order == AIO__Q_FIFO) { /* (head < capacity, count <= capacity: no division) */
        i = q->head + q->count;
        if (i >= q->capacity) i -= q->capacity;
    }
    aio__queue_copy(aio__queue_slot(q, i), item, q->item_size);
    if (q->order == AIO__Q_PRIORITY) { /* heapq's push */
        while (i > 0 && q->less(aio__queue_slot(q, i), aio__queue_slot(q, (i - 1) / 2))) {
            aio__queue_swap(q, i, (i - 1) / 2);
            i = (i - 1) / 2;
        }
    }
    q->count++;
    q->unfinished++;
}

/* Inside the critical section, with an item: take the next into *out. */
static void aio__queue_take(aio_queue *q, void *out) {
    uint32_t i = 0;
    q->count--;
    if (q->order == AIO__Q_LIFO) {
        aio__queue_copy(out, aio__queue_slot(q, q->count), q->item_size);
        return;
    }
    if (q->order == AIO__Q_FIFO) {
        aio__queue_copy(out, aio__queue_slot(q, q->head), q->item_size);
        q->head = q->head + 1 == q->capacity ? 0 : q->head + 1;
        return;
    }
    aio__queue_copy(out, aio__queue_slot(q, 0), q->item_size); /* heapq's pop */
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

/* Promise the items nobody has been promised to the oldest getters. */
static void aio__queue_hand_items(aio_queue *q) {
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
static void aio__queue_hand_room(aio_queue *q) {
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

/* A queue rang from outside: its getters' loop hands them the items. */
static void aio__queue_rang(aio_event *ready) {
    aio__queue_hand_items(AIO_CONTAINER(ready, aio_queue, ready));
}

/* Put *item if a place is free for a newcomer: AIO_OK, else the reason. */
static aio_status aio__queue_try_put(aio_queue *q, const void *item, int newcomer) {
    aio_status rc = AIO_OK;
    AIO_CRITICAL_ENTER();
    if (q->shut)
        rc = AIO_ESHUTDOWN;
    else if (aio__queue_room(q) == 0 || (newcomer && !aio__list_empty(&q->putters)))
        rc = q->maxsize ? AIO_EFULL : AIO_ENOSPC;
    else
        aio__queue_store(q, item);
    AIO_CRITICAL_EXIT();
    return rc;
}

/* Take an item if one is free for a newcomer: AIO_OK, AIO_EEMPTY or AIO_ESHUTDOWN. */
static aio_status aio__queue_try_get(aio_queue *q, void *out, int newcomer) {
    aio_status rc = AIO_OK;
    AIO_CRITICAL_ENTER();
    if (q->count <= q->promised || (newcomer && !aio__list_empty(&q->ready.waiters)))
        rc = q->shut ? AIO_ESHUTDOWN : AIO_EEMPTY;
    else
        aio__queue_take(q, out);
    AIO_CRITICAL_EXIT();
    return rc;
}

AIO_API aio_status aio_queue_put_nowait(aio_queue *q, const void *item) {
    aio_status rc;
    if (!q || !item) return aio__misuse(AIO_EINVAL, "queue put: the queue or the item is NULL");
    rc = aio__queue_try_put(q, item, 1);
    if (rc == AIO_OK) aio__queue_hand_items(q);
    return rc;
}

AIO_API aio_status aio_queue_get_nowait(aio_queue *q, void *item) {
    aio_status rc;
    if (!q || !item) return aio__misuse(AIO_EINVAL, "queue get: the queue or the item is NULL");
    rc = aio__queue_try_get(q, item, 1);
    if (rc == AIO_OK) aio__queue_hand_room(q);
    return rc;
}

AIO_API aio_status aio_queue_put_from_isr(aio_queue *q, const void *item) {
    aio_status rc;
    if (!q || !item) return AIO_EINVAL; /* (no debug message: it may run in a handler) */
    rc = aio__queue_try_put(q, item, 0);
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
        q->count = q->head = q->promised = 0;
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
    if (!L->events) L->events = aio__events; /* (before the queue can be rung on L) */
    L->rang = aio__queue_rang;
    AIO_CRITICAL_ENTER();
    aio__list_append(&q->ready.waiters, &t->wait.link);
    if (!q->ready.loop) {
        q->ready.loop = L;
        L->bound_events++;
    }
    /* put from outside while it belonged to no loop (an interrupt between the
     * look at the queue and here): ring it now */
    if (q->count > q->promised && !q->ready.queued) (void)aio__signal(L, &q->ready); /* LCOV_EXCL_BR_LINE */
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

AIO_API aio_status aio__queue_put_start(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d) {
    aio_status rc;
    if (!q || !item)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue put: the queue or the item is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue put: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    rc = aio__queue_try_put(q, item, 1);
    if (rc == AIO_OK) aio__queue_hand_items(q);
    if (rc != AIO_EFULL) return rc; /* done, shut down, or no storage left: no wait */
    return aio__queue_park(t, f, q, &q->putters);
}

AIO_API aio_status aio__queue_put_poll(aio_task *t, aio_frame *f, aio_queue *q, const void *item) {
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
        rc = aio__queue_try_put(q, item, 0);
        if (rc == AIO_OK) aio__queue_hand_items(q);
        return rc; /* (AIO_ESHUTDOWN if shut down meanwhile) */
    }
    if (t->flags & AIO__T_SIGNALLED) { /* shut down before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_ESHUTDOWN;
    }
    /* woken by a cancellation or a deadline first (it has left the queue): a
     * shutdown since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__due(t->until, aio__now(t->loop))) return AIO_ETIMEDOUT;
    rc = aio__queue_try_put(q, item, 1);
    if (rc == AIO_OK) aio__queue_hand_items(q);
    if (rc != AIO_EFULL) return rc;
    return aio__queue_park(t, f, q, &q->putters);
}

AIO_API aio_status aio__queue_get_start(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d) {
    aio_status rc;
    if (!q || !out)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "queue get: the queue or the item is NULL"));
    if (aio__queue_until(t, d) == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("queue get: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    rc = aio__queue_try_get(q, out, 1);
    if (rc == AIO_OK) aio__queue_hand_room(q);
    if (rc != AIO_EEMPTY) return rc;
    return aio__queue_park_getter(t, f, q);
}

AIO_API aio_status aio__queue_get_poll(aio_task *t, aio_frame *f, aio_queue *q, void *out) {
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
        rc = aio__queue_try_get(q, out, 0);
        if (rc == AIO_OK) aio__queue_hand_room(q);
        return rc;
    }
    if (t->flags & AIO__T_SIGNALLED) { /* shut down before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        rc = aio__queue_try_get(q, out, 1); /* (an item handed on since: taken) */
        if (rc == AIO_OK) aio__queue_hand_room(q);
        return rc;
    }
    /* woken by a cancellation or a deadline first (it has left the queue): a
     * shutdown since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__due(t->until, aio__now(t->loop))) return AIO_ETIMEDOUT;
    rc = aio__queue_try_get(q, out, 1);
    if (rc == AIO_OK) aio__queue_hand_room(q);
    if (rc != AIO_EEMPTY) return rc;
    return aio__queue_park_getter(t, f, q);
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
    if (aio__due(t->until, aio__now(t->loop))) return AIO_ETIMEDOUT;
    AIO_CRITICAL_ENTER();
    unfinished = q->unfinished;
    AIO_CRITICAL_EXIT();
    if (unfinished == 0) return AIO_OK;
    return aio__queue_park(t, f, q, &q->joiners);
}

