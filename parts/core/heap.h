// >>heap
/* ------------------------------------------------------------ timer heap */

/* Twice the storage, from the growth hook. Storage is given back to the hook
 * that allocated it (the hook may have been changed or removed since), and
 * the user's array is never reallocated. */
static int aio__grow_heap(aio_loop *L) {
    aio__slot cap = L->heap_cap ? L->heap_cap * 2 : 64; /* (a wrap is refused below) */
    int same = L->heap_grow == L->grow && L->heap_grow_ctx == L->grow_ctx;
    aio_timer *grown;
    if (cap <= L->heap_cap || !L->grow) return 0;
    grown = L->grow(L->grow_ctx, same ? L->heap : NULL, same ? L->heap_len : 0, cap);
    if (!grown) return 0;
    if (!same) {
        if (L->heap_len) memcpy(grown, L->heap, (size_t)L->heap_len * sizeof *grown);
        if (L->heap_grow) L->heap_grow(L->heap_grow_ctx, L->heap, L->heap_len, 0);
    }
    L->heap_grow = L->grow;
    L->heap_grow_ctx = L->grow_ctx;
    L->heap = grown;
    L->heap_cap = cap;
    return 1;
}

static AIO__OUT_OF_LINE int aio__timer_less(const aio_timer *a, const aio_timer *b) {
    aio_stime d = (aio_stime)(a->when - b->when);
    return d ? d < 0 : aio__count_before(&a->seq, &b->seq); /* (the arming order never wraps) */
}

/* h[i] = *e, and its task knows where its timer is (one function where
 * size counts: it is the heap's every move). */
static AIO__OUT_OF_LINE void aio__heap_put(aio_timer *h, aio__slot i, const aio_timer *e) {
    h[i] = *e;
    h[i].task->timer = i + 1;
}

#if !defined(__OPTIMIZE_SIZE__)
/* Put timer *e in the hole at index i, moving it up or down to its place.
 * Down, Floyd's way: the hole first sinks to a leaf along the earlier
 * children, one comparison a level instead of two, and the timer rises back
 * from there past the entries not earlier than itself. The heap ends as a
 * plain sift down would leave it, ties included, with less work where the
 * timer belongs near the bottom, as the last entry that fills a removed
 * timer's place mostly does (a server's idle deadlines: one removed per
 * request, the latest armed last). */
static void aio__heap_sift(aio_loop *L, aio__slot i, const aio_timer *e) {
    aio_timer *h = L->heap;
    aio_timer moving = *e; /* (e may be the heap's last entry) */
    aio__slot next;
    aio__slot top = 0;
    int sank = 0;
    if (!(i > 0 && aio__timer_less(&moving, &h[(i - 1) / 2]))) {
        top = i;
        sank = 1;
        while ((next = 2 * i + 1) < L->heap_len) { /* the hole sinks */
            if (next + 1 < L->heap_len && aio__timer_less(&h[next + 1], &h[next])) next++;
            aio__heap_put(h, i, &h[next]);
            i = next;
        }
    }
    while (i > top) { /* up: past the later parents, or (sank) back past those not earlier */
        next = (i - 1) / 2;
        if (aio__timer_less(sank ? &h[next] : &moving, sank ? &moving : &h[next]) == sank) break;
        aio__heap_put(h, i, &h[next]);
        i = next;
    }
    aio__heap_put(h, i, &moving);
}
#else
/* Where size counts, the plain way: up past the later parents, else down
 * past the earlier children (the same heap, in fewer bytes). */
static void aio__heap_sift(aio_loop *L, aio__slot i, const aio_timer *e) {
    aio_timer *h = L->heap;
    aio_timer moving = *e; /* (e may be the heap's last entry) */
    aio__slot next;
    while (i > 0 && aio__timer_less(&moving, &h[next = (i - 1) / 2])) {
        aio__heap_put(h, i, &h[next]);
        i = next;
    }
    while ((next = 2 * i + 1) < L->heap_len) { /* (nothing to do after a move up) */
        if (next + 1 < L->heap_len && aio__timer_less(&h[next + 1], &h[next])) next++;
        if (!aio__timer_less(&h[next], &moving)) break;
        aio__heap_put(h, i, &h[next]);
        i = next;
    }
    aio__heap_put(h, i, &moving);
}
#endif

/* What takes aio_run's turn off its short way (loop->busy, where time
 * counts; where size counts, aio_run has no short way, and only the first
 * bit is kept): aio_run is cancelling what its main task left running (its
 * main task has ended then), a timer is armed (the bit follows the heap's
 * length), the main task has ended, the events hook is set
 * (aio__use_events: for good). */
/* (the bits: in the clock's part, whose setters set one) */
#define AIO__ENDING(L) (AIO__SPEED ? (L)->busy & AIO__BUSY_ENDING : (L)->busy) /* (-Os: the bit alone) */

static AIO__ALWAYS_INLINE void aio__remove_timer_here(aio_task *t) {
    aio_loop *L = t->loop;
    aio__slot i = t->timer - 1;
    t->timer = 0;
    if (i != --L->heap_len) aio__heap_sift(L, i, &L->heap[L->heap_len]);
    else if (AIO__SPEED && !i) L->busy &= (uint8_t)~AIO__BUSY_TIMERS; /* (the last one) */
}
static void aio__remove_timer(aio_task *t) { aio__remove_timer_here(t); }

static inline void aio__disarm(aio_task *t) {
    if (t->timer) aio__remove_timer(t);
}

#if AIO__SPEED
/* A new timer, with room for it: a new leaf has no children, so it only
 * rises, past the later parents. */
static inline void aio__arm_leaf(aio_loop *L, const aio_timer *e) {
    aio_timer *h = L->heap;
    aio__slot i = L->heap_len++;
    aio__slot up;
    L->busy |= AIO__BUSY_TIMERS;
    while (i > 0 && aio__timer_less(e, &h[up = (i - 1) / 2])) {
        aio__heap_put(h, i, &h[up]);
        i = up;
    }
    aio__heap_put(h, i, e);
}
#endif

#ifdef AIO__SIM
/* 1 once the simulation's fault timer_full refused the storage's growth
 * (see "simulation"): the failure that follows says so. */
static AIO_THREAD_LOCAL uint8_t aio__sim_refused;
#endif

/* Arm (or move) the timer of entry e's task to e's deadline, placed by its
 * seq among equal deadlines. AIO_ENOSPC if storage is full. */
static aio_status aio__arm(const aio_timer *e) {
    aio_task *t = e->task;
    aio_loop *L = t->loop;
    if (t->timer) {
        aio__heap_sift(L, t->timer - 1, e);
        return AIO_OK;
    }
    if (L->heap_len == L->heap_cap) {
        if (!(L->grow_heap && L->grow_heap(L))) {
            AIO__TRACE(L, AIO_TRACE_FULL, NULL, NULL, 0, (aio_stime)L->heap_cap);
            L->timers_full++;
#ifdef AIO__SIM
            if (aio__sim_refused) {
                aio__sim_refused = 0;
                return aio__misuse(AIO_ENOSPC, "timer storage is full: the simulation's fault timer_full refused "
                                               "to grow it, as where memory runs out; the await fails with "
                                               "AIO_ENOSPC, which the program must handle (config.timer_full 0: "
                                               "no such fault)");
            }
#endif
            if (t->view.v.cleanups) /* (the trap that loses a power-down: say so) */
                return aio__misuse(AIO_ENOSPC, "timer storage is full: a cleanup's await with a deadline "
                                               "fails, the rest of the cleanup is skipped; one slot per "
                                               "task that waits, cleanups too");
            return aio__misuse(AIO_ENOSPC, "timer storage is full: give aio_loop_init more "
                                           "slots or set a growth hook");
        }
        AIO__TRACE(L, AIO_TRACE_GROW, NULL, NULL, 0, (aio_stime)L->heap_cap);
    }
#if AIO__SPEED
    aio__arm_leaf(L, e);
#else
    L->heap_len++;
    aio__heap_sift(L, L->heap_len - 1, e);
#endif
    return AIO_OK;
}

