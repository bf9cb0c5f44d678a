// >>clock
/* ----------------------------------------------------------------- clock */

/* The system's clock and idle wait are the core's two backends, a section
 * each: >>clock-windows (Windows' performance counter) and >>clock-posix
 * (POSIX's monotonic clock, else C11's timespec_get); the configuration
 * (>>impl) picks one by AIO__CLOCK_WINDOWS or AIO__CLOCK_POSIX. Each
 * defines AIO__SYSTEM_CLOCK, aio__system_clock and aio__system_idle, and
 * where the system idle hook can be woken (AIO__IDLE_WAKEUP), the wake-up's
 * aio__idle_wakeup_restore and aio__idle_wakeup_close. Without either
 * (newlib, picolibc) the loop starts on the virtual clock. */
#if !defined(AIO__SYSTEM_CLOCK) || !defined(AIO__IDLE_WAKEUP)
static void aio__idle_wakeup_close(aio_loop *L) { (void)L; }
#define aio__idle_wakeup_restore(L) ((void)(L))
#endif

#ifdef AIO__HOSTED
AIO_API aio_timer *aio_grow_realloc(void *ctx, aio_timer *old, uint32_t old_count,
                                    uint32_t new_count) {
    (void)ctx;
    (void)old_count;
    if (new_count == 0) {
        AIO_FREE(old);
        return NULL;
    }
    return (aio_timer *)AIO_REALLOC(old, (size_t)new_count * sizeof(aio_timer));
}
#else
AIO_API aio_timer *aio_grow_realloc(void *ctx, aio_timer *old, uint32_t old_count,
                                    uint32_t new_count) {
    (void)ctx; (void)old; (void)old_count; (void)new_count;
    return NULL;
}
#endif

/* loop->busy's bits (the heap's part says what each means). Where time
 * counts, a clock set, or another loop initialised, takes aio_run off its
 * turns back to back, which test the clock's kind and make the loop the
 * running one once, when they begin. */
enum { AIO__BUSY_CLOCK = 1, /* (the lowest: "no other bit" is then busy <= 1) */
       AIO__BUSY_ENDING = AIO__SPEED ? 2 : 1, /* (where size counts, the only bit: 1 is the
                                                 cheaper to test on an 8-bit target) */
       AIO__BUSY_TIMERS = 4, AIO__BUSY_MAIN = 8, AIO__BUSY_EVENTS = 16 };

/* The loop is the running one from here until aio_loop_destroy: a loop in
 * main's frame, the usual case, is no dangling pointer (gcc 12 warns of one
 * where it inlines this into main, as it may with AIO_STATIC). */
#if defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
AIO_API void aio_loop_init(aio_loop *L, aio_timer *timers, uint32_t capacity) {
    /* (the running loop: its turns back to back end, the next turn making
     * it the running one again, as aio__iterate does; L itself is cleared
     * below) */
    if (AIO__SPEED && aio__stepping) aio__stepping->busy |= AIO__BUSY_CLOCK;
    memset(L, 0, sizeof *L);
    L->heap = timers;
    /* (beyond the index's range: as many as it counts) */
    L->heap_cap = !timers ? 0 : capacity > (aio__slot)-1 ? (aio__slot)-1 : (aio__slot)capacity;
    aio__list_init(&L->ready);
    aio__list_init(&L->tasks);
#ifdef AIO__SYSTEM_CLOCK
    L->clock = aio__system_clock;
    L->idle = aio__system_idle;
    L->now = L->clock(NULL);
#else
    L->is_virtual = 1; /* until a clock is set (the virtual clock is no code of its own) */
#endif
    aio__loop = aio__last = L;
}
#if defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/* A virtual loop's time is L->now itself, never stale; with no idle hook,
 * aio_run moves it to the next deadline when nothing is ready. */
AIO_API void aio_loop_use_virtual_clock(aio_loop *L, aio_time start) {
    if (AIO__SPEED) L->busy |= AIO__BUSY_CLOCK;
    L->clock = NULL;
    L->clock_ctx = NULL;
    L->idle = NULL;
    L->idle_ctx = NULL;
    L->is_virtual = 1;
    L->stale = 0;
    L->now = start;
}

AIO_API void aio_virtual_advance(aio_loop *L, aio_time dt) {
    if (!L->is_virtual) {
        aio__misuse(AIO_EINVAL, "aio_virtual_advance: the loop does not use the virtual clock");
        return;
    }
    L->now = (aio_time)(L->now + dt);
}

AIO_API void aio_loop_set_clock(aio_loop *L, aio_clock_fn clock, void *ctx) {
    if (!clock) {
        aio__misuse(AIO_EINVAL, "aio_loop_set_clock: clock function is NULL");
        return;
    }
    if (AIO__SPEED) L->busy |= AIO__BUSY_CLOCK;
    L->clock = clock;
    L->clock_ctx = ctx;
    L->is_virtual = 0;
    L->stale = 0;
    L->now = clock(ctx);
}

AIO_API void aio_loop_set_idle(aio_loop *L, aio_idle_fn idle, void *ctx) {
    L->idle = idle;
    L->idle_ctx = ctx;
    aio_loop_set_wakeup(L, NULL, NULL); /* the system hook's pipe does not wake this one */
}

AIO_API void aio_loop_set_wakeup(aio_loop *L, aio_wakeup_fn wakeup, void *ctx) {
    AIO_CRITICAL_ENTER();
    L->wakeup = wakeup;
    L->wakeup_ctx = ctx;
    AIO_CRITICAL_EXIT();
}

static int aio__grow_heap(aio_loop *L);

AIO_API unsigned aio_loop_timers_full(const aio_loop *L) { return L ? L->timers_full : 0u; }

AIO_API void aio_loop_set_grow(aio_loop *L, aio_grow_fn grow, void *ctx) {
    L->grow_heap = aio__grow_heap;
    L->grow = grow;
    L->grow_ctx = ctx;
}

/* Set by the first stream set up: carries the slots' counts of closes from
 * a port the loop gives up (aio_loop_set_io) to the next one (from or to
 * NULL: none), so that a stream over a number closed before the change
 * still finds it changed; both NULL: the loop ends, what it kept goes.
 * (This hook and the others a section sets at its first use are kept per
 * thread, as the running loop is, AIO_THREAD_LOCAL: loops on several
 * threads each set their own, and no thread writes what another reads.) */
static AIO_THREAD_LOCAL void (*aio__io_carry)(aio_loop *L, aio_io *from, aio_io *to);

AIO_API aio_status aio_loop_destroy(aio_loop *L) {
    if (L->live)
        return aio__misuse(AIO_EBUSY, "aio_loop_destroy: tasks are still alive; "
                                      "await or cancel them before destroying the loop");
    /* With no task alive the ready queue can still hold the notice of a group
     * left by a plain `return` whose last child failed, if stepping stopped
     * before it came up: the group hears of it now (to be entered again). */
    while (L->ready.next != &L->ready) {
        aio_link *notice = L->ready.next;
        AIO_CRITICAL_ENTER();
        aio__list_unlink(notice);
        AIO_CRITICAL_EXIT();
        L->heard(notice); /* (set by the groups, whose notices these are) */
    }
    if (L->heap_grow) L->heap_grow(L->heap_grow_ctx, L->heap, L->heap_len, 0);
    L->heap = NULL;
    L->heap_cap = L->heap_len = 0;
    L->heap_grow = NULL;
    AIO_CRITICAL_ENTER(); /* events set since the last iteration are no longer this loop's */
    /* LCOV_EXCL_START: not reached with no task alive: an event is queued
     * only while it belongs to the loop (a waiter), and the step in which the
     * last task ends drains the queue and unbinds every event after it. */
    while (L->signalled) {
        aio_event *ev = L->signalled;
        L->signalled = ev->next_signalled;
        ev->next_signalled = NULL;
        ev->queued = 0;
        aio__event_unbind_if_idle(ev);
    }
    /* LCOV_EXCL_STOP */
    L->wakeup = NULL;
    AIO_CRITICAL_EXIT();
    aio__idle_wakeup_close(L);
    if (L->io && L->io->release) L->io->release(L->io);
    L->io = NULL;
#ifdef AIO__SOCKETS
    if (aio__io_carry) aio__io_carry(L, NULL, NULL); /* (a loop made here later knows nothing of them) */
#endif
    if (aio__last == L) aio__last = NULL;
    if (aio__loop == L) aio__loop = NULL;
    return AIO_OK;
}

/* A loop is never a const object: reading its time may read the clock. */
AIO_API aio_time aio_loop_now(const aio_loop *L) { return aio__now(AIO__UNCONST(aio_loop, L)); }
AIO_API aio_loop *aio_running_loop(void) { return aio__loop; }
AIO_API aio_time aio_now(void) { return aio__loop ? aio__now(aio__loop) : 0; }

