// >>clock
/* ----------------------------------------------------------------- clock */

/* A system clock: Windows' performance counter, POSIX's monotonic clock,
 * else C11's timespec_get. Without any (newlib, picolibc) the loop starts on
 * the virtual clock. */
#if defined(AIO__HOSTED) && defined(AIO__WIN32)
#define AIO__SYSTEM_CLOCK 1
static aio_time aio__system_clock(void *ctx) {
    static volatile LONGLONG frequency; /* fixed at boot: read once (threads that race write the same) */
    LARGE_INTEGER count;
    uint64_t c, f;
    (void)ctx;
    if (!frequency) {
        LARGE_INTEGER freq;
        QueryPerformanceFrequency(&freq);
        frequency = freq.QuadPart;
    }
    QueryPerformanceCounter(&count);
    c = (uint64_t)count.QuadPart;
    f = (uint64_t)frequency;
    return (aio_time)((aio_time)(c / f) * (aio_time)AIO_TICKS_PER_SEC +
                      (aio_time)(c % f * AIO_TICKS_PER_SEC / f));
}
#ifdef AIO__SHARED
#define AIO__IDLE_WAKEUP 1 /* the system idle hook waits on a Win32 event */
static void aio__event_wakeup(void *ctx, aio_loop *L) {
    (void)ctx;
    (void)SetEvent((HANDLE)L->wake_event);
}
/* The event that wakes the system idle hook when an event is set from another
 * thread or a console handler: made at the loop's first idle wait. */
static int aio__idle_wakeup_open(aio_loop *L) {
    HANDLE h;
    if (L->wake_event) return L->wake_event != INVALID_HANDLE_VALUE;
    h = CreateEventW(NULL, FALSE, FALSE, NULL); /* auto-reset: one wait per set */
    if (!h) { /* LCOV_EXCL_START: out of handles */
        L->wake_event = INVALID_HANDLE_VALUE; /* timed sleeps only */
        return 0;
    } /* LCOV_EXCL_STOP */
    L->wake_event = h;
    AIO_CRITICAL_ENTER();
    L->wakeup = aio__event_wakeup;
    L->wakeup_ctx = NULL;
    AIO_CRITICAL_EXIT();
    return 1;
}
/* The loop sleeps in the system hook again (a port let go): its event, if
 * made, is what wakes it once more. */
static void aio__idle_wakeup_restore(aio_loop *L) {
    if (L->wake_event && L->wake_event != INVALID_HANDLE_VALUE) aio_loop_set_wakeup(L, aio__event_wakeup, NULL);
}
static void aio__idle_wakeup_close(aio_loop *L) {
    if (L->wake_event && L->wake_event != INVALID_HANDLE_VALUE) (void)CloseHandle((HANDLE)L->wake_event);
    L->wake_event = NULL;
}
#endif
/* Until the deadline (rounded up to Windows' milliseconds: never early; the
 * system's timer may add up to its tick, 1 to 16 ms), or the wake-up. */
static void aio__system_idle(void *ctx, aio_loop *L, aio_time deadline) {
    DWORD ms = INFINITE;
    (void)ctx;
    if (deadline != AIO_NEVER) {
        aio_time now = L->clock(L->clock_ctx);
        uint64_t ticks, whole;
        if (!aio__before(now, deadline)) return;
        ticks = (uint64_t)(aio_time)(deadline - now);
        whole = ticks / AIO_TICKS_PER_SEC * 1000u +
                (ticks % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) / AIO_TICKS_PER_SEC;
        ms = whole >= INFINITE ? INFINITE - 1u : (DWORD)whole;
    }
#ifdef AIO__IDLE_WAKEUP
    if (aio__idle_wakeup_open(L)) {
        (void)WaitForSingleObject((HANDLE)L->wake_event, ms);
        return;
    }
#endif
    if (ms != INFINITE) Sleep(ms); /* (with nothing armed, aio_run does not idle here) */
}
#elif defined(AIO__HOSTED) && (defined(CLOCK_MONOTONIC) || defined(TIME_UTC))
#define AIO__SYSTEM_CLOCK 1
static aio_time aio__from_timespec(const struct timespec *ts) {
    return (aio_time)((aio_time)ts->tv_sec * (aio_time)AIO_TICKS_PER_SEC +
                      (aio_time)((uint64_t)ts->tv_nsec * AIO_TICKS_PER_SEC / 1000000000u));
}
static aio_time aio__system_clock(void *ctx) {
    struct timespec ts;
    (void)ctx;
#if defined(CLOCK_MONOTONIC)
    clock_gettime(CLOCK_MONOTONIC, &ts);
#else /* compile with _POSIX_C_SOURCE for the monotonic clock */
    timespec_get(&ts, TIME_UTC);
#endif
    return aio__from_timespec(&ts);
}
#ifdef AIO__IDLE_WAKEUP
static void aio__pipe_wakeup(void *ctx, aio_loop *L) {
    ssize_t n = write(L->wake_pipe[1] - 1, "", 1); /* a full pipe has a wake-up pending */
    (void)ctx;
    (void)n;
}
/* The pipe that wakes the system idle hook when an event is set from another
 * thread or a signal handler: opened at the loop's first idle wait. */
static int aio__idle_wakeup_open(aio_loop *L) {
    int fds[2];
    if (L->wake_pipe[0] > 0) return 1;
    if (L->wake_pipe[0] < 0 || pipe(fds) != 0) {
        L->wake_pipe[0] = -1; /* no pipe: timed sleeps only */
        return 0;
    }
    (void)fcntl(fds[0], F_SETFL, O_NONBLOCK);
    (void)fcntl(fds[1], F_SETFL, O_NONBLOCK);
    (void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    (void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    L->wake_pipe[0] = fds[0] + 1;
    L->wake_pipe[1] = fds[1] + 1;
    AIO_CRITICAL_ENTER();
    L->wakeup = aio__pipe_wakeup;
    L->wakeup_ctx = NULL;
    AIO_CRITICAL_EXIT();
    return 1;
}
/* The loop sleeps in the system hook again (a port let go): its pipe, if
 * open, is what wakes it once more. */
static void aio__idle_wakeup_restore(aio_loop *L) {
    if (L->wake_pipe[0] > 0) aio_loop_set_wakeup(L, aio__pipe_wakeup, NULL);
}
static void aio__idle_wakeup_close(aio_loop *L) {
    if (L->wake_pipe[0] > 0) {
        (void)close(L->wake_pipe[0] - 1);
        (void)close(L->wake_pipe[1] - 1);
    }
    L->wake_pipe[0] = L->wake_pipe[1] = 0;
}
/* Sleep until `ns` have passed (-1: no limit) or the pipe is written. Below
 * a millisecond, poll()'s resolution, it sleeps without the pipe. */
static int aio__idle_wakeup_wait(aio_loop *L, int64_t ns) {
    struct pollfd p;
    char buf[64];
    int64_t ms = ns < 0 ? -1 : ns / 1000000;
    if (ms == 0 || !aio__idle_wakeup_open(L)) return 0;
    p.fd = L->wake_pipe[0] - 1;
    p.events = POLLIN;
    p.revents = 0;
    (void)poll(&p, 1, ms > 0x7fffffff ? 0x7fffffff : (int)ms);
    while (read(L->wake_pipe[0] - 1, buf, sizeof buf) > 0) {
    }
    return 1;
}
#endif
static void aio__system_idle(void *ctx, aio_loop *L, aio_time deadline) {
    aio_time now = L->clock(L->clock_ctx);
    (void)ctx;
#ifdef AIO__IDLE_WAKEUP
    if (deadline == AIO_NEVER) {
        (void)aio__idle_wakeup_wait(L, -1);
        return;
    }
#endif
    /* Never AIO_NEVER here: aio_run reports AIO_EDEADLK instead of idling
     * with nothing armed, unless the wake-up pipe is there (above). */
    if (deadline == AIO_NEVER || !aio__before(now, deadline)) return; /* LCOV_EXCL_BR_LINE */
    {
        uint64_t ticks = (uint64_t)(aio_time)(deadline - now);
        uint64_t ns = ticks / AIO_TICKS_PER_SEC * 1000000000u +
                      ticks % AIO_TICKS_PER_SEC * 1000000000u / AIO_TICKS_PER_SEC;
#ifdef AIO__IDLE_WAKEUP
        if (aio__idle_wakeup_wait(L, ns > INT64_MAX ? INT64_MAX : (int64_t)ns)) return;
#endif
#if defined(CLOCK_MONOTONIC)
        struct timespec req;
        req.tv_sec = (time_t)(ns / 1000000000u);
        req.tv_nsec = (long)(ns % 1000000000u);
        nanosleep(&req, NULL);
#else
        while (aio__before(L->clock(L->clock_ctx), deadline)) {
        }
        (void)ns;
#endif
    }
}
#endif
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

/* The loop is the running one from here until aio_loop_destroy: a loop in
 * main's frame, the usual case, is no dangling pointer (gcc 12 warns of one
 * where it inlines this into main, as it may with AIO_STATIC). */
#if defined(__GNUC__) && __GNUC__ >= 12 && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
AIO_API void aio_loop_init(aio_loop *L, aio_timer *timers, uint32_t capacity) {
    memset(L, 0, sizeof *L);
    L->heap = timers;
    /* (beyond the index's range: as many as it counts) */
    L->heap_cap = !timers ? 0 : capacity > (aio__slot)-1 ? (aio__slot)-1 : (aio__slot)capacity;
    L->epoch = 1;
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

AIO_API void aio_loop_set_grow(aio_loop *L, aio_grow_fn grow, void *ctx) {
    L->grow_heap = aio__grow_heap;
    L->grow = grow;
    L->grow_ctx = ctx;
}

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
    if (aio__last == L) aio__last = NULL;
    if (aio__loop == L) aio__loop = NULL;
    return AIO_OK;
}

/* A loop is never a const object: reading its time may read the clock. */
AIO_API aio_time aio_loop_now(const aio_loop *L) { return aio__now((aio_loop *)L); }
AIO_API aio_loop *aio_running_loop(void) { return aio__loop; }
AIO_API aio_time aio_now(void) { return aio__loop ? aio__now(aio__loop) : 0; }

