// >>misc
/* ------------------------------------------------------------------ misc */

/* Counts that never wrap (aio__count): zero, one more, *a before *b (by
 * address: an 8-bit CPU passes no copies), the low 32 bits. 64 bits: at one
 * a nanosecond they would take 584 years to wrap. */
#ifdef AIO__COUNT_WORDS
static inline aio__count aio__count_zero(void) {
    aio__count z;
    z.lo = z.hi = 0;
    return z;
}
static inline void aio__count_up(aio__count *c) {
    if (++c->lo == 0) c->hi++;
}
static int aio__count_before(const aio__count *a, const aio__count *b) {
    return a->hi != b->hi ? a->hi < b->hi : a->lo < b->lo;
}
#define aio__count_low(c) ((c).lo)
#else
#define aio__count_zero() ((aio__count)0)
#define aio__count_up(c) ((void)++*(c))
#define aio__count_before(a, b) (*(a) < *(b))
#define aio__count_low(c) ((uint32_t)(c))
#endif

/* Debug messages in flash on an AVR (AIO_DEBUG): its string literals are
 * data, which avr-libc copies to RAM at start, so there each literal message
 * goes through PSTR at its call (the macro aio__misuse below, over
 * aio__misuse_P) and stays in program memory until told; its text is copied
 * to the stack (AIO__TOLD_ROOM bytes) for as long as the hook runs, so a hook
 * reads a string in RAM everywhere. A message that is not a literal (built at
 * run time, kept in a variable) cannot take PSTR: it is told through
 * aio__misuse_text, the function itself, as every message is elsewhere. */
#if defined(AIO_DEBUG) && defined(__AVR__)
#define AIO__DEBUG_FLASH 1
#include <avr/pgmspace.h>
#endif

#ifdef AIO__HOSTED
static void aio__default_debug(aio_status code, const char *message) {
#ifdef AIO__DEBUG_FLASH
    (void)fprintf_P(stderr, PSTR("aio_timeout: %s (%s)\n"), message, aio_strerror(code));
#else
    (void)fprintf(stderr, "aio_timeout: %s (%s)\n", message, aio_strerror(code));
#endif
}
static aio_debug_fn aio__debug_hook = aio__default_debug;
#else
static aio_debug_fn aio__debug_hook = NULL;
#endif

#ifdef AIO__ASSERT_TOLD
/* LCOV_EXCL_START: reached only by a bug of the library's (no invariant breaks in the tests) */
/* AIO_ASSERT without the C library: an internal invariant broke at the
 * header's line `line` (a bug of the library's: the message says so); the
 * debug hook is told, then the program stops here, as assert() would. */
static void aio__broken(unsigned line) {
    static char text[] = "aio_timeout.h: an invariant broke at line 00000";
    char *p = text + sizeof text - 2;
    do {
        *p-- = (char)('0' + line % 10u);
        line /= 10u;
    } while (line && *p == '0');
    if (aio__debug_hook) aio__debug_hook(AIO_EINVAL, text);
    for (;;) {
    }
}
/* LCOV_EXCL_STOP */
#endif

AIO_API void aio_set_debug_hook(aio_debug_fn hook) {
#ifdef AIO__HOSTED
    aio__debug_hook = hook ? hook : aio__default_debug;
#else
    aio__debug_hook = hook;
#endif
}

#ifdef AIO_DEBUG
/* The last misuse reported while a task ran, until that task suspends: the
 * same mistake again in that time, at the same place of the task's body (an
 * await that fails at once, in a loop that does not check it), is counted,
 * and the task is named once it has come back AIO__AGAIN_LIMIT times
 * (aio__holding). The default hook, which prints, is not told the repeats;
 * a hook of your own is told every one (it may count them). */
#define AIO__AGAIN_LIMIT 1000u
static AIO_THREAD_LOCAL const aio_task *aio__told_task;
static AIO_THREAD_LOCAL uint16_t aio__told_at; /* the body's resume point then */
static AIO_THREAD_LOCAL uint32_t aio__told_run; /* the loop's finished count then (low bits) */
static AIO_THREAD_LOCAL unsigned long aio__told_again;
/* The message told last, by its text's hash (some are built in one buffer;
 * a copy would take RAM a board has little of). */
static AIO_THREAD_LOCAL uint32_t aio__told;
static uint32_t aio__text_hash(const char *m) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *m; m++) h = (h ^ (uint8_t)*m) * 16777619u;
    return h;
}
#define AIO__TOLD_SAME(m) (aio__told == aio__text_hash(m))
#define AIO__TOLD_KEEP(m) (aio__told = aio__text_hash(m))
static void aio__holding(const aio_task *t, unsigned long count, int same_mistake);
#endif

/* Report misuse (in debug builds) and return its status. */
#ifndef AIO__DEBUG_FLASH
#define aio__misuse_text aio__misuse
#endif
static aio_status aio__misuse_text(aio_status code, const char *message) {
#ifdef AIO_DEBUG
    const aio_task *t = aio__loop ? aio__loop->current : NULL;
    if (t && t == aio__told_task && aio__count_low(t->loop->finished) == aio__told_run &&
        t->frame.lc == aio__told_at && AIO__TOLD_SAME(message)) {
        if (++aio__told_again == AIO__AGAIN_LIMIT)
            aio__holding(t, AIO__AGAIN_LIMIT, 1);
#ifdef AIO__HOSTED
        if (aio__debug_hook == aio__default_debug) return code; /* (printed once) */
#endif
        if (aio__debug_hook) aio__debug_hook(code, message);
        return code;
    }
    aio__told_task = t;
    aio__told_run = t ? aio__count_low(t->loop->finished) : 0;
    aio__told_at = t ? t->frame.lc : 0;
    aio__told_again = 0;
    (void)AIO__TOLD_KEEP(message);
    if (aio__debug_hook) aio__debug_hook(code, message);
#else
    (void)message;
#endif
    return code;
}
#ifdef AIO__DEBUG_FLASH
/* The longest literal message, its NUL included (a longer one does not
 * compile: the array's size is negative). */
#define AIO__TOLD_ROOM 160
#define aio__misuse(code, message)                                                            \
    ((void)sizeof(char[sizeof(message) <= AIO__TOLD_ROOM ? 1 : -1]), aio__misuse_P(code, PSTR(message)))
static aio_status aio__misuse_P(aio_status code, const char *message_P) {
    char text[AIO__TOLD_ROOM];
    (void)strncpy_P(text, message_P, sizeof text);
    return aio__misuse_text(code, text);
}
#endif

/* snprintf with a literal format (hosted builds), and the debug hook told a
 * literal message that is no misuse (no repeats counted; freestanding
 * builds): both kept in flash on an AVR. */
#if defined(AIO__DEBUG_FLASH) && defined(AIO__HOSTED)
#define AIO__FORMAT(buffer, size, format, ...) snprintf_P(buffer, size, PSTR(format), __VA_ARGS__)
#elif defined(AIO__HOSTED)
#define AIO__FORMAT(buffer, size, format, ...) snprintf(buffer, size, format, __VA_ARGS__)
#elif defined(AIO__DEBUG_FLASH)
static void aio__tell_P(aio_status code, const char *message_P) {
    char text[AIO__TOLD_ROOM];
    (void)strncpy_P(text, message_P, sizeof text);
    aio__debug_hook(code, text);
}
#define AIO__TELL(code, message)                                                              \
    ((void)sizeof(char[sizeof(message) <= AIO__TOLD_ROOM ? 1 : -1]), aio__tell_P(code, PSTR(message)))
#else
#define AIO__TELL(code, message) aio__debug_hook(code, message)
#endif

#ifdef AIO__SOCKETS
/* Memory: every allocation goes through AIO_MALLOC, AIO_REALLOC and AIO_FREE
 * (Configuration). `size` bytes zeroed, or NULL if there is no memory. */
static void *aio__zalloc(size_t size) {
    void *p = AIO_MALLOC(size);
    if (p) memset(p, 0, size);
    return p;
}
#ifdef AIO__SIM
static int aio__sim_alloc_fails(void);
#endif
/* The same for the state of one of the program's waits or calls while it
 * lasts (a connect's attempts, a call on the pool, a child's): in a
 * simulation the fault alloc_fails may refuse it, as memory may run out. */
static void *aio__alloc_state(size_t size) {
#ifdef AIO__SIM
    if (aio__sim_alloc_fails()) return NULL;
#endif
    return aio__zalloc(size);
}
#endif

AIO_API const char *aio_strerror(aio_status s) {
    switch (s) {
    case AIO_ECANCELED: return "cancelled";
    case AIO_ETIMEDOUT: return "timed out";
    case AIO_EINVAL: return "invalid argument";
    case AIO_ENOSPC: return "no timer slot left";
    case AIO_EBUSY: return "busy";
    case AIO_EINPROGRESS: return "still running";
    case AIO_EDEADLK: return "waits forever";
    case AIO_ECHILDCANCELED: return "a child was cancelled";
    case AIO_EFULL: return "queue full";
    case AIO_EEMPTY: return "queue empty";
    case AIO_ESHUTDOWN: return "queue shut down";
    case AIO_ECLOSED: return "descriptor closed";
    case AIO_EBADF: return "bad descriptor";
    case AIO_ECONNRESET: return "connection reset";
    case AIO_ECONNREFUSED: return "connection refused";
    case AIO_EIO: return "system error (see errno)";
#ifdef AIO__SOCKETS /* (the streams' own: no bytes where there are none) */
    case AIO_EINCOMPLETE: return "the stream ended first";
    case AIO_ELIMIT: return "no separator within the buffer";
    case AIO_ENOTFOUND: return "not found";
    case AIO_ENOEXEC: return "program cannot be run";
    case AIO_ESIGNALED: return "ended by a signal";
    case AIO_WANT_READ: return "waits until readable";
    case AIO_WANT_WRITE: return "waits until writable";
#endif
#ifdef AIO__TLS /* (TLS's: a program without it keeps its table) */
    case AIO_ETLS: return "TLS failed";
    case AIO_ECERT: return "certificate verify failed";
    case AIO_ETRUNCATED: return "closed without close_notify";
#endif
    default: return s >= 0 ? "success" : s <= AIO_EUSER ? "user error" : "unknown error";
    }
}

AIO_API aio_time aio_seconds(double s) {
    const aio_time half = (aio_time)(AIO_NEVER / 2);
    double ticks = s * (double)AIO_TICKS_PER_SEC;
    aio_time whole;
    if (s != s) return AIO_TIME_INVALID;
    if (s <= 0) return 0;
    if (ticks >= (double)half) return AIO_NEVER;
    /* Round half up. Adding 0.5 before truncating would round twice (the sum
     * to a double first): 0.49999999999999994 ticks, or an odd number of
     * ticks above 2^52, would come out one tick high. */
    whole = (aio_time)ticks;
    if (ticks - (double)whole >= 0.5) whole = (aio_time)(whole + 1u);
    return whole >= half ? AIO_NEVER : whole; /* rounded up to half the range: too large */
}

/* Whole seconds and the ticks left, each exact as a double, the rest scaled by
 * a product: a floating division is a library routine of its own on a chip
 * without one (an AVR's is 228 bytes) that nothing else here needs. */
AIO_API double aio_to_seconds(aio_time ticks) {
    aio_time whole = ticks / AIO_TICKS_PER_SEC;
    return (double)whole + (double)(ticks % AIO_TICKS_PER_SEC) * (1.0 / AIO_TICKS_PER_SEC);
}

/* A pointer to const the library passes on as one to change (a const loop
 * read through code that may refresh its cached time, a name OpenSSL's
 * macro takes unconst): copied, not cast, so that -Wcast-qual in the
 * user's build has no cast to report. */
static void *aio__unconst(const void *p) {
    void *m;
    memcpy(&m, &p, sizeof m);
    return m;
}
#define AIO__UNCONST(type, p) ((type *)aio__unconst(p))

/* Wrap-safe order: a is before b. */
static int aio__before(aio_time a, aio_time b) { return (aio_stime)(a - b) < 0; }
/* Deadline `d` has been reached at `now` (AIO_NEVER never is). */
static int aio__due(aio_time d, aio_time now) { return d != AIO_NEVER && !aio__before(now, d); }
/* *into = the next number in the order deadlines are armed in. */
static void aio__arming(aio_loop *L, aio__count *into) {
    *into = L->seq;
    aio__count_up(&L->seq);
}
/* When a finished task finished: the loop's count of finished tasks then
 * (kept in two words of the task's await). */
static aio__count aio__finished_at(const aio_task *t) {
#ifdef AIO__COUNT_WORDS
    aio__count n;
    n.lo = t->await.finished[0];
    n.hi = t->await.finished[1];
#else
    aio__count n;
    memcpy(&n, t->await.finished, sizeof n); /* (as aio__stamp_end stored it) */
#endif
    return n;
}

/* Inside the critical section: queue ev on loop L for its next iteration;
 * returns 1 if L sleeps in aio_run's idle hook and has a wake-up to call. */
static int aio__signal(aio_loop *L, aio_event *ev) {
    ev->queued = 1;
    ev->mark = L->enqueued;
    ev->next_signalled = L->signalled;
    L->signalled = ev;
    return L->idling && L->wakeup;
}

/* Inside the critical section: an event nobody waits on and not queued
 * belongs to no loop (a loop may be destroyed once it has no tasks). */
static void aio__event_unbind_if_idle(aio_event *ev) {
    if (ev->loop && aio__list_empty(&ev->waiters) && !ev->queued) {
        ev->loop->bound_events--;
        ev->loop = NULL;
    }
}

/* Ticks narrower than 64 bits wrap within a device's uptime, and the clock
 * then reaches the two values reserved for AIO_NEVER and AIO_TIME_INVALID. */
#define AIO__WRAPS (sizeof(aio_time) < 8)

/* An instant as a deadline: the reserved values are stepped past (a tick or
 * two late, never early). */
static aio_time aio__instant(aio_time when) {
    return when == AIO_NEVER || when == AIO_TIME_INVALID ? 0 : when;
}

/* The iteration's time. An iteration that starts with a timer armed reads
 * the clock as it starts; one with none reads it only if something needs
 * the time (a deadline computed or compared, aio_now(), the timers to fire
 * at its end), and the value read then stays the iteration's time. So a
 * clock that moves inside a step (busy work, a clock of the program's own)
 * is seen where it is first needed, as the virtual clock's busy work
 * (aio_virtual_advance) is: a sleep begun after it counts from the moved
 * time, as asyncio's loop.time() would. Nothing reads it that does not
 * need it (an await with no deadline compares none: aio__until_due), so
 * every build reads it at the same place. */
static aio_time aio__now(aio_loop *L) {
    if (L->stale) {
        L->stale = 0;
        L->now = L->clock(L->clock_ctx);
    }
    return L->now;
}
/* t's await's own deadline has come (none: never, and the clock not read). */
static int aio__until_due(aio_task *t) {
    return t->until != AIO_NEVER && aio__due(t->until, aio__now(t->loop));
}

/* The deadline of an await or block: now + relative d, or the instant d; or
 * AIO_TIME_INVALID if d is not a usable timeout (time comparisons are only
 * meaningful within half the clock's range). With wrapping ticks an absolute
 * d is always an instant, even one equal to AIO_NEVER: computed deadlines
 * (next += period) land there. */
static aio_time aio__deadline(aio_loop *L, aio_time d, int relative) {
    if (!relative && AIO__WRAPS) return aio__instant(d);
    if (d == AIO_NEVER) return AIO_NEVER;
    if (d == AIO_TIME_INVALID) return AIO_TIME_INVALID;
    if (!relative) return d;
    if (d >= (aio_time)(AIO_NEVER / 2)) return AIO_TIME_INVALID;
    return aio__instant((aio_time)(aio__now(L) + d));
}

/* The refusal of a timeout that is none, where aio__deadline gave
 * AIO_TIME_INVALID (NaN, negative, half the clock's range or more): every
 * wait with a timeout returns or raises it. AIO_EINVAL, told in debug builds
 * in the words of the call the user made, which `what` names with its
 * argument ("sleep: the duration"; a string literal: the message is one
 * constant, no buffer). */
#define AIO__TIMEOUT_REFUSED(what) aio__misuse(AIO_EINVAL, what " is NaN, negative or beyond half the clock range")

