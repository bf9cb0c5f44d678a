// >>clock-windows
/* ------------------------------------------------ the clock on Windows */

/* The core's clock backend on Windows (see >>clock): the performance
 * counter, and an idle wait on a Win32 event. */
#ifdef AIO__CLOCK_WINDOWS
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
#endif /* AIO__CLOCK_WINDOWS */

