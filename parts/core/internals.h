// >>internals
/* ------------------------------------------------------------------------ */
/* Internals used by the macros                                               */
/* ------------------------------------------------------------------------ */

/* Two markers below every status, whatever the width of int (16 bits on AVR
 * and MSP430). */
#define AIO__SUSPENDED INT_MIN
#define AIO__RAISE (INT_MIN + 1)
#define AIO__LC_LAST 0xfffdu    /* (the largest an await may have) */
#define AIO__LC_FINALLY 0xfffeu
#define AIO__LC_END 0xffffu
/* Resume point n, refused at compile time if the frame cannot hold it. */
#define AIO__LC(n) ((void)sizeof(char[(n) <= AIO__LC_LAST ? 1 : -1]), (n))

#define AIO__PICK2(a, b, name, ...) name
/* (MSVC's traditional preprocessor passes __VA_ARGS__ on as one argument;
 * expanding the selection once more splits it, on every preprocessor) */
#define AIO__EXPAND(x) x
#if defined(__COUNTER__)
#define AIO__LABEL (__COUNTER__ + 1u)
#else /* two awaits on one line would collide: the compiler rejects it */
#define AIO__LABEL ((uint32_t)__LINE__)
#endif

#if defined(__cplusplus) && __cplusplus >= 201703L
#define AIO__FALLTHROUGH [[fallthrough]]
#elif defined(__GNUC__) && __GNUC__ >= 7 || defined(__clang__)
#define AIO__FALLTHROUGH __attribute__((fallthrough))
#else
#define AIO__FALLTHROUGH ((void)0)
#endif

#define AIO__BEGIN_TASK(t) AIO__BEGIN_FRAME(t, &(t)->frame)
#define AIO__BEGIN_CALLEE(t, s) AIO__BEGIN_FRAME(t, &(s)->frame)
#define AIO__BEGIN_FRAME(t, fr)                                                \
    aio_frame *const aio__f = (fr);                                            \
    aio_status aio__r = AIO_OK; /* what the last await returned */             \
    if (0) {                                                                   \
    aio__special: /* an await suspended, or must unwind */                     \
        if (aio__r == AIO__SUSPENDED) AIO__SUSPEND(t);                         \
        AIO__NO_SUSPENSION(t);                                                 \
    aio__unwind:                                                               \
        aio__f->lc = AIO__U16(AIO__FAST(aio__landing, aio__unwind_target)((t), aio__f)); \
    aio__landed: /* (AIO_RETURN's short way: the landing set) */               \
        (void)0;                                                               \
    }                                                                          \
    switch (aio__f->lc) {                                                      \
    case 0:

/* Debug builds count the awaits a task passes without suspending, and name
 * a task that passes very many: an await that fails or completes at once,
 * in a loop, keeps every other task waiting (asyncio's debug mode warns of a
 * step that holds the loop too long). */
#ifdef AIO_DEBUG
#define AIO__SUSPEND(t) return aio__suspended(t)
#define AIO__SUSPEND_AFTER(t, call) do { (void)(call); return aio__suspended(t); } while (0)
#define AIO__NO_SUSPENSION(t) aio__not_suspended(t)
#else
#define AIO__SUSPEND(t) return AIO__SUSPENDED
#define AIO__SUSPEND_AFTER(t, call) return (call) /* (a call that always suspends) */
#define AIO__NO_SUSPENSION(t) ((void)0)
#endif

/* The instruments' points: one test of the loop's hook each. AIO__WAITS_ON
 * says what a task about to park waits on (told once the park succeeds),
 * AIO__CAUSE who or what makes the next wake-up or cancel (stores, cheaper
 * than a test). */
#if AIO_INSTRUMENTS
#define AIO__TRACE(L, kind, t, other, detail, value)                           \
    do {                                                                       \
        if ((L)->trace) (L)->trace((L), (kind), (t), (other), (detail), (value)); \
    } while (0)
#define AIO__WAITS_ON(L, on, obj, value)                                       \
    do {                                                                       \
        (L)->trace_on = (uint8_t)(on);                                         \
        (L)->trace_obj = (obj);                                                \
        (L)->trace_value = (value);                                            \
    } while (0)
#define AIO__CAUSE(L, by, why)                                                 \
    do {                                                                       \
        (L)->trace_by = (by);                                                  \
        (L)->trace_why = (uint8_t)(why);                                       \
    } while (0)
#else
#define AIO__TRACE(L, kind, t, other, detail, value) ((void)0)
#define AIO__WAITS_ON(L, on, obj, value) ((void)0)
#define AIO__CAUSE(L, by, why) ((void)0)
#endif

/* An await in two steps: `start` on arrival, `poll` on each resumption. They
 * return AIO__SUSPENDED (parked), AIO__RAISE (the frame's status is set: unwind)
 * or the awaited value, which `store` (a statement using aio__r) keeps. */
#define AIO__AWAIT(t, store, start, poll, n) AIO__AWAIT_(t, store, start, poll, n)
#define AIO__AWAIT_(t, store, start, poll, n)                                  \
    do {                                                                       \
        aio__f->lc = AIO__LC(n);                                               \
        aio__r = (start);                                                      \
        if (0) {                                                               \
        case (n):                                                              \
            aio__r = (poll);                                                   \
        }                                                                      \
        if (aio__r <= AIO__RAISE) goto aio__special; /* (one test for both) */ \
        AIO__NO_SUSPENSION(t);                                                 \
        store;                                                                 \
    } while (0)

#define AIO__JOIN(t, lv, child, d, shield, n)                                  \
    AIO__AWAIT(t, (lv) = aio__r,                                               \
               AIO__FAST(aio__join_begin, aio__join_start)((t), aio__f, (child), (d), (shield)), \
               AIO__FAST(aio__join_resume, aio__join_poll)((t), aio__f, (child), (shield)), n)
#define AIO__GATHER 8 /* mode flag: gather rather than wait */
enum { AIO__IO_READABLE, AIO__IO_WRITABLE, AIO__IO_ACCEPT, AIO__IO_RECV, AIO__IO_SEND,
       AIO__IO_CONNECT };
enum { AIO__READ_LINE, AIO__READ_UNTIL, AIO__READ_EXACTLY, AIO__READ_SOME };
#define AIO__STREAM(t, lv, s, kind, sep, n, d)                                 \
    AIO__AWAIT(t, (lv) = aio__r, aio__stream_start((t), aio__f, (s), (kind), (sep), (n), (d)), \
               aio__stream_poll((t), aio__f, (s)), AIO__LABEL)
#define AIO__IO(t, lv, op, fd, buf, len, d)                                    \
    AIO__AWAIT(t, (lv) = aio__r, aio__io_start((t), aio__f, (op), (fd), (buf), (len), (d)), \
               aio__io_poll((t), aio__f, (op), (buf), (len)), AIO__LABEL)
enum { AIO__DGRAM_RECV, AIO__DGRAM_SEND }; /* (the way each waits: readable, writable) */
#define AIO__DGRAM(t, lv, op, fd, buf, len, addr, d)                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__dgram_start((t), aio__f, (op), (fd), (buf), (len), (addr), (d)), \
               aio__dgram_poll((t), aio__f, (op), (buf), (len), (addr)), AIO__LABEL)

#define AIO__GROUP(t, g, n, nj) AIO__GROUP_(t, g, n, nj)
#define AIO__GROUP_(t, g, n, nj)                                               \
    if (aio__group_enter((t), aio__f, (g), AIO__LC(n)) != AIO_OK)              \
        goto aio__unwind;                                                      \
    else                                                                       \
        for (; aio__group_next(g);)                                            \
            if (aio__group_joining(g)) {                                       \
                AIO__AWAIT(t, (void)0, aio__group_join((t), (g)),              \
                           aio__group_join((t), (g)), nj);                     \
                if (aio__group_exit((t), aio__f, (g))) goto aio__unwind;       \
            } else                                                             \
                for (; aio__scope_inner(&(g)->scope);)                         \
                    if (0) {                                                   \
                    case (n):                                                  \
                        aio__group_land((t), aio__f, (g));                     \
                        break;                                                 \
                    } else

#define AIO__CALL(t, lv, fn, st, n) AIO__CALL_(t, lv, fn, st, n)
#define AIO__CALL_(t, lv, fn, st, n)                                           \
    do {                                                                       \
        aio__frame_init(&(st)->frame);                                         \
        aio__f->lc = AIO__LC(n);                                               \
        AIO__FALLTHROUGH;                                                      \
    case (n): {                                                                \
        aio__f->flags |= AIO__F_CALLING;                                       \
        aio__r = (fn)((t), (st));                                              \
        aio__f->flags &= AIO__U8(~AIO__F_CALLING);                             \
        if (aio__r == AIO__SUSPENDED) goto aio__special;                       \
        AIO__NO_SUSPENSION(t);                                                 \
        if (aio__call_unwinds((t), aio__f, &(st)->frame, aio__r)) goto aio__unwind; \
        (lv) = aio__r;                                                         \
    }                                                                          \
    } while (0)

/* How a block is entered (aio__scope_enter's `how`): d relative to now (else
 * an instant), outer cancellations kept out, a task group's block. */
#define AIO__ENTER_RELATIVE 1
#define AIO__ENTER_SHIELD 2
#define AIO__ENTER_GROUP 4
#define AIO__SCOPE(t, sc, d, how, n) AIO__SCOPE_(t, sc, d, how, n)
#define AIO__SCOPE_(t, sc, d, how, n)                                          \
    if (aio__scope_enter((t), aio__f, (sc), (d), (how), AIO__LC(n)) != AIO_OK) \
        goto aio__unwind;                                                      \
    else                                                                       \
        for (; aio__scope_outer(sc);)                                          \
            for (; aio__scope_inner(sc);)                                      \
                if (0) {                                                       \
                case (n):                                                      \
                    if (aio__scope_land(sc)) break;                            \
                    goto aio__unwind;                                          \
                } else

/* A block that holds something (AIO_WITH_LOCK, ...): `keep` stores what it
 * holds in sc->held, its argument evaluated once (a body that changes what
 * the argument reads still has the one it took released); the acquire is an
 * await (`start`, `poll`, resume point n, both reading sc->held) in a loop
 * of its own that goes round while sc is idle; then a scope with no
 * deadline, whose end and landing (m) run `release` once it has closed. A
 * timed-out acquire leaves sc closed with that status, and the body is not
 * run. (aio__r is assigned on every way to the loop's test, as after any
 * resume: `make lint-coroutines` follows the loop round.) */
#define AIO__HOLD(t, sc, keep, start, poll, release, n, m) AIO__HOLD_(t, sc, keep, start, poll, release, n, m)
#define AIO__HOLD_(t, sc, keep, start, poll, release, n, m)                    \
    if (aio__hold_check((t), aio__f, (sc)) != AIO_OK)                          \
        goto aio__unwind;                                                      \
    else                                                                       \
        for (aio__f->lc = AIO__LC(n), (void)(keep), aio__r = (start); aio__hold_pending(sc);) \
            if (aio__r <= AIO__RAISE)                                          \
                goto aio__special;                                             \
            else if (0) {                                                      \
            case (n):                                                          \
                aio__r = (poll);                                               \
            } else if ((AIO__NO_SUSPENSION(t), aio__hold_enter((t), aio__f, (sc), aio__r, AIO__LC(m))) != AIO_OK) \
                (void)0; /* timed out: sc is closed */                         \
            else                                                               \
                for (; (aio__r = AIO_OK, aio__scope_outer(sc)) || ((void)(release), 0);) \
                    for (; aio__scope_inner(sc);)                              \
                        if (0) {                                               \
                        case (m):                                              \
                            if (aio__scope_land(sc)) break;                    \
                            (void)(release);                                   \
                            goto aio__unwind;                                  \
                        } else

/* AIO_TRY: a scope with no deadline whose landing marks it unwound (its
 * status AIO__RAISE) and leaves the loops, closed; AIO_CLEANUP's second pass
 * goes on unwinding if so. The brace AIO_TRY opens, AIO_CLEANUP closes. */
#define AIO__TRY(t, sc, n) AIO__TRY_(t, sc, n)
#define AIO__TRY_(t, sc, n)                                                    \
    {                                                                          \
        if (aio__scope_enter((t), aio__f, (sc), AIO_NEVER, AIO__ENTER_RELATIVE, AIO__LC(n)) != AIO_OK) \
            goto aio__unwind;                                                  \
        else                                                                   \
            for (; aio__try_outer(sc);)                                        \
                for (; aio__scope_inner(sc);)                                  \
                    if (0) {                                                   \
                    case (n):                                                  \
                        aio__try_land(sc);                                     \
                        break;                                                 \
                    } else

/* (declared here: a `for` may not declare a struct; an await inside a
 * cleanup meets it as the type of aio__f, undefined, and fails to compile;
 * that aio__f hides the coroutine's on purpose: -Wshadow is told so) */
struct aio_cleanup_cannot_await;
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 10) /* (older gcc misplace it) */
#define AIO__SHADOWING _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wshadow\"")
#define AIO__SHADOWED _Pragma("GCC diagnostic pop")
#else
#define AIO__SHADOWING
#define AIO__SHADOWED
#endif

#ifdef AIO_DEBUG
#define AIO__LEAVING(t, sc) aio__leaving((t), (sc))
#else
#define AIO__LEAVING(t, sc) ((void)(t), (void)(sc), 1)
#endif

AIO_API void aio__frame_init(aio_frame *f);
AIO_API uint32_t aio__unwind_target(aio_task *t, aio_frame *f);
AIO_API void aio__set_status(aio_task *t, aio_frame *f, aio_status rc);
AIO_API void aio__finally_enter(aio_task *t, aio_frame *f);
AIO_API aio_status aio__frame_end(aio_task *t, aio_frame *f);
AIO_API aio_status aio__sleep_start(aio_task *t, aio_frame *f, aio_time d, int relative);
AIO_API aio_status aio__sleep_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__yield_start(aio_task *t, aio_frame *f);
AIO_API aio_status aio__yield_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__yield_again(aio_task *t, aio_frame *f, unsigned next);
AIO_API aio_status aio__join_start(aio_task *t, aio_frame *f, aio_task *child, aio_time d,
                                   int shield);
AIO_API aio_status aio__join_poll(aio_task *t, aio_frame *f, aio_task *child, int shield);
AIO_API aio_status aio__wait_for_start(aio_task *t, aio_frame *f, aio_task *child, aio_time d);
AIO_API aio_status aio__many_start(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                   int mode, aio_time d);
AIO_API aio_status aio__many_poll(aio_task *t, aio_frame *f, aio_wait_item *items, size_t n,
                                  int mode);
AIO_API aio_status aio__next_completed(aio_task *t, aio_frame *f, aio_as_completed *ac,
                                       int arriving);
AIO_API aio_status aio__group_enter(aio_task *t, aio_frame *f, aio_group *g, uint32_t landing);
AIO_API int aio__group_next(aio_group *g);
AIO_API int aio__group_joining(const aio_group *g);
AIO_API aio_status aio__group_join(aio_task *t, aio_group *g);
AIO_API int aio__group_exit(aio_task *t, aio_frame *f, aio_group *g);
AIO_API void aio__group_land(aio_task *t, aio_frame *f, aio_group *g);
AIO_API aio_status aio__event_start(aio_task *t, aio_frame *f, aio_event *ev, aio_time d);
AIO_API aio_status aio__event_poll(aio_task *t, aio_frame *f, aio_event *ev);
AIO_API aio_status aio__acquire_start(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                      int *handed, aio_time d);
AIO_API aio_status aio__acquire_poll(aio_task *t, aio_frame *f, aio_link *waiters, int *count,
                                     int *handed);
AIO_API aio_status aio__cond_start(aio_task *t, aio_frame *f, aio_condition *c, aio_time d,
                                   int relative);
AIO_API aio_status aio__cond_poll(aio_task *t, aio_frame *f, aio_condition *c);
AIO_API aio_status aio__queue_put_start(aio_task *t, aio_frame *f, aio_queue *q, const void *item,
                                        aio_time d);
AIO_API aio_status aio__queue_put_poll(aio_task *t, aio_frame *f, aio_queue *q, const void *item);
AIO_API aio_status aio__queue_get_start(aio_task *t, aio_frame *f, aio_queue *q, void *out,
                                        aio_time d);
AIO_API aio_status aio__queue_get_poll(aio_task *t, aio_frame *f, aio_queue *q, void *out);
AIO_API aio_status aio__queue_join_start(aio_task *t, aio_frame *f, aio_queue *q, aio_time d);
AIO_API aio_status aio__queue_join_poll(aio_task *t, aio_frame *f, aio_queue *q);
AIO_API aio_status aio__io_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                size_t len, aio_time d);
AIO_API aio_status aio__io_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len);
AIO_API aio_status aio__stream_start(aio_task *t, aio_frame *f, aio_stream *s, int kind, const void *sep,
                                     size_t n, aio_time d);
AIO_API aio_status aio__stream_poll(aio_task *t, aio_frame *f, aio_stream *s);
AIO_API aio_status aio__stream_write_start(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len,
                                           aio_time d);
AIO_API aio_status aio__stream_write_poll(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len);
AIO_API aio_status aio__drain_start(aio_task *t, aio_frame *f, aio_stream *s, aio_time d, int closing);
AIO_API aio_status aio__drain_poll(aio_task *t, aio_frame *f, aio_stream *s, int closing);
AIO_API aio_status aio__dgram_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                    size_t len, const aio_address *addr, aio_time d);
AIO_API aio_status aio__dgram_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                   const aio_address *addr);
AIO_API aio_status aio__connect_start(aio_task *t, aio_frame *f, const char *host, int port,
                                      aio_time d);
AIO_API aio_status aio__connect_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d);
AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f);
AIO_API aio_status aio__thread_start(aio_task *t, aio_frame *f, aio_thread_fn fn, void *data, size_t size,
                                     aio_time d);
AIO_API aio_status aio__thread_poll(aio_task *t, aio_frame *f, void *data, size_t size);
AIO_API aio_status aio__lookup_start(aio_task *t, aio_frame *f, const char *host, int port, aio_address *addrs,
                                     int max, aio_time d);
AIO_API aio_status aio__lookup_poll(aio_task *t, aio_frame *f, aio_address *addrs, int max);
AIO_API aio_status aio__process_start(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop,
                                      aio_time d);
AIO_API aio_status aio__process_poll(aio_task *t, aio_frame *f, aio_process *p, aio_communicate *io, int stop);
AIO_API void aio__own_deadline(aio_task *t, aio_time d);
AIO_API int aio__call_unwinds(aio_task *t, aio_frame *f, const aio_frame *callee,
                              aio_status rc);
AIO_API aio_status aio__scope_enter(aio_task *t, aio_frame *f, aio_timeout *sc, aio_time d,
                                    int how, uint32_t landing);
AIO_API int aio__scope_outer(aio_timeout *sc);
AIO_API int aio__scope_inner(aio_timeout *sc);
AIO_API int aio__scope_land(aio_timeout *sc);
/* (loop->joiners, set by aio__join: what a task's end, or a cancellation
 * of a task awaiting what it owns, does through it) */
AIO_API void aio__joined(aio_task *t);
AIO_API int aio__scope_due(const aio_timeout *sc);
AIO_API aio_status aio__hold_check(aio_task *t, aio_frame *f, aio_timeout *sc);
AIO_API int aio__leaving(aio_task *t, const aio_timeout *sc);
AIO_API aio_status aio__suspended(aio_task *t);
AIO_API void aio__not_suspended(aio_task *t);

