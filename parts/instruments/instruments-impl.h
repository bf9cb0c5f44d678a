// >>instruments-impl
/* ------------------------------------------------------------ instruments */

#if AIO_INSTRUMENTS
static void aio__trace(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                       aio_stime value);

AIO_API void aio_loop_set_instrument(aio_loop *L, aio_instrument_fn fn, void *ctx) {
#ifdef AIO__SIM
    if (aio__sim_here && aio__sim_here->loop == L && fn != aio__sim_instrument) {
        aio__sim_here->instrument = fn; /* (the simulation's own stays first: it numbers the tasks) */
        aio__sim_here->instrument_ctx = ctx;
        return;
    }
#endif
    L->instrument = fn;
    L->instrument_ctx = ctx;
    L->trace = fn ? aio__trace : NULL;
    L->trace_by = L->trace_obj = NULL;
    L->trace_value = 0;
    L->trace_why = L->trace_on = AIO_TRACE_NONE;
}

/* Why parked task t was woken: what the waker said (a task's end, I/O, a
 * forget), what t waited for (it happened, or was handed to it), a
 * cancellation that now applies to it; else the loop's timers outside any
 * step, the running task within one. */
static int aio__wake_reason(aio_loop *L, const aio_task *t) {
    if (L->trace_why == AIO_BY_DONE || L->trace_why == AIO_BY_IO || L->trace_why == AIO_BY_CLOSED)
        return L->trace_why;
    if (t->flags & AIO__T_SIGNALLED) return AIO_BY_DONE;
    if (t->flags & AIO__T_GRANTED) return AIO_BY_GRANTED;
    if (aio__cancel_source(AIO__UNCONST(aio_task, t), 0)) return AIO_BY_CANCEL;
    return L->current ? AIO_BY_DONE : AIO_BY_TIMER; /* (the loop's own wake-ups: its timers) */
}

static void aio__trace(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                       aio_stime value) {
    aio_trace_record r;
    /* the iteration's time; a stale one is read without becoming it, so
     * that tracing never moves the loop's time */
    r.when = L->stale ? L->clock(L->clock_ctx) : L->now;
    if (kind == AIO_TRACE_STEP) L->trace_on = AIO_TRACE_NONE; /* nothing parked on yet */
    if (kind == AIO_TRACE_WAKE && detail == AIO_TRACE_NONE) {
        detail = aio__wake_reason(L, t);
        other = detail == L->trace_why && L->trace_by ? L->trace_by : L->current;
    } else if (kind == AIO_TRACE_CANCEL && detail == AIO_BY_CALL) {
        other = L->current; /* aio_cancel: by the running task, or for a cause */
        if (L->trace_why >= AIO_BY_CALL) {
            detail = L->trace_why;
            other = L->trace_by;
        }
    }
    if (kind == AIO_TRACE_CANCEL) { /* a cause is spent on the cancel it explains */
        L->trace_why = AIO_TRACE_NONE;
        L->trace_by = NULL;
    }
    r.task = t;
    r.other = other;
    r.value = value;
    r.kind = (uint8_t)kind;
    r.detail = (uint8_t)detail;
    L->instrument(L->instrument_ctx, &r);
}

AIO_API void aio_trace_name(const aio_task *t, const char *label) {
    aio_loop *L = t && t->loop ? t->loop : aio__loop;
    if (!label || !*label) {
        (void)aio__misuse(AIO_EINVAL, "aio_trace_name: the label is NULL or empty");
        return;
    }
    if (!L) return;
    AIO__TRACE(L, AIO_TRACE_NAME, t, label, 0, 0);
}
#else
AIO_API void aio_loop_set_instrument(aio_loop *L, aio_instrument_fn fn, void *ctx) {
    (void)L; (void)fn; (void)ctx;
}
AIO_API void aio_trace_name(const aio_task *t, const char *label) { (void)t; (void)label; }
#endif

AIO_API aio_status aio_recorder_init(aio_recorder *r, aio_trace_record *ring, uint32_t capacity) {
    if (!r) return aio__misuse(AIO_EINVAL, "aio_recorder_init: the recorder is NULL");
    r->ring = ring;
    r->capacity = ring ? capacity : 0;
    r->head = r->count = r->lost = 0;
    return AIO_OK;
}

AIO_API void aio_recorder_hook(void *recorder, const aio_trace_record *record) {
    aio_recorder *r = (aio_recorder *)recorder;
    uint32_t at;
    if (!r->capacity) {
        if (r->lost != 0xffffffffu) r->lost++; /* (a count that stops at its largest) */
        return;
    }
    if (r->count < r->capacity) {
        at = r->count++; /* (the oldest is the first slot until the ring is full) */
    } else { /* full: the oldest goes */
        at = r->head;
        if (++r->head == r->capacity) r->head = 0;
        if (r->lost != 0xffffffffu) r->lost++;
    }
    r->ring[at] = *record;
}

AIO_API uint32_t aio_recorder_count(const aio_recorder *r) { return r->count; }

AIO_API const aio_trace_record *aio_recorder_at(const aio_recorder *r, uint32_t i) {
    uint32_t at;
    if (i >= r->count) return NULL;
    at = r->head + i;
    if (at >= r->capacity) at -= r->capacity;
    return &r->ring[at];
}

/* The text form, written without the C library (no printf on a chip). */
typedef struct aio__text {
    char *buf;
    size_t size, len;
} aio__text;

static void aio__put_char(aio__text *o, char c) {
    if (o->len < o->size && o->size - o->len > 1) o->buf[o->len] = c; /* (room for the 0 after it) */
    o->len++;
}

static void aio__put(aio__text *o, const char *s) {
    for (; *s; s++) aio__put_char(o, *s);
}

/* The widest number a record holds (a time or value, a pointer): 32 bits
 * where times and pointers are (a 64-bit division is a routine of its own
 * on a small chip, an AVR's 162 bytes, and its arguments take twice the
 * registers). */
#if defined(AIO__TIME_BITS_32) && UINTPTR_MAX <= 0xffffffffu
typedef uint32_t aio__number;
#else
typedef uint64_t aio__number;
#endif

static void aio__put_unsigned(aio__text *o, aio__number v, unsigned base, const char *prefix) {
    char digits[24];
    int n = 0;
    aio__put(o, prefix);
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n) aio__put_char(o, digits[--n]);
}

/* A task's label as one word (aio_trace_name): `%`, spaces, control
 * characters and bytes beyond ASCII as %XX; at most 40 characters, an escape
 * whole, so that a record's line fits aio_recorder_dump's. */
static void aio__put_label(aio__text *o, const char *s) {
    size_t n = 0;
    if (!s || !*s) s = "-"; /* (not from aio_trace_name, which refuses it) */
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        size_t w = c > ' ' && c < 0x7f && c != '%' ? 1u : 3u;
        if (n + w > 40u) return;
        if (w == 1u) {
            aio__put_char(o, (char)c);
        } else {
            aio__put_char(o, '%');
            aio__put_char(o, "0123456789ABCDEF"[c >> 4]);
            aio__put_char(o, "0123456789ABCDEF"[c & 15u]);
        }
        n += w;
    }
}

static void aio__put_id(aio__text *o, const void *p) {
    if (!p)
        aio__put(o, " -");
    else
        aio__put_unsigned(o, (aio__number)(uintptr_t)p, 16, " 0x");
}

/* The names of the kinds and details: each table one string, its names
 * ended by NULs, the i-th found by counting them (smaller than a table of
 * pointers and its strings). On an AVR the strings stay in flash (its string
 * literals are data, which avr-libc copies to RAM), read a byte at a time. */
#ifdef __AVR__
#include <avr/pgmspace.h>
#define AIO__NAMES(table) static const char table[] PROGMEM
#define AIO__NAME_BYTE(p) ((char)pgm_read_byte(p))
#else
#define AIO__NAMES(table) static const char table[]
#define AIO__NAME_BYTE(p) (*(p))
#endif
AIO__NAMES(aio__trace_kinds) = "name\0spawn\0step\0stepped\0suspend\0wake\0cancel\0enter\0"
                               "leave\0fire\0cleanup\0end\0idle\0awake\0grow\0full";
AIO__NAMES(aio__trace_details) = "-\0sleep\0task\0event\0lock\0semaphore\0condition\0queue\0io\0yield\0"
                                 "wait\0gather\0group\0nothing\0timer\0done\0set\0granted\0cancel\0io\0"
                                 "closed\0call\0deadline\0group\0wait_for\0gather\0owner\0run\0"
                                 "timeout\0shielded\0group\0block\0wait";

/* Name i of a table of `size` bytes (its sizeof), "?" beyond its last. */
static void aio__put_name(aio__text *o, const char *names, size_t size, unsigned i) {
    const char *end = names + size;
    char c;
    for (; i && names < end; names++)
        if (AIO__NAME_BYTE(names) == 0) i--;
    if (names == end) {
        aio__put(o, "?");
        return;
    }
    for (; (c = AIO__NAME_BYTE(names)) != 0; names++) aio__put_char(o, c);
}
#define AIO__PUT_NAME(o, table, i) aio__put_name(o, table, sizeof(table), i)

AIO_API size_t aio_trace_format(const aio_trace_record *rec, char *buf, size_t size) {
    aio__text o;
    aio_stime v = rec->value;
    o.buf = buf;
    o.size = size;
    o.len = 0;
    aio__put_unsigned(&o, (aio__number)rec->when, 10, "");
    aio__put(&o, " ");
    AIO__PUT_NAME(&o, aio__trace_kinds, rec->kind);
    aio__put_id(&o, rec->task);
    if (rec->kind == AIO_TRACE_NAME) { /* other is the label */
        aio__put(&o, " - ");
        aio__put_label(&o, (const char *)rec->other);
    } else {
        aio__put_id(&o, rec->other);
        aio__put(&o, " ");
        AIO__PUT_NAME(&o, aio__trace_details, rec->detail);
    }
    if (rec->kind == AIO_TRACE_ENTER || rec->kind == AIO_TRACE_IDLE) { /* a deadline, in ticks */
        if ((aio_time)v == AIO_NEVER)
            aio__put(&o, " -1"); /* none, whatever the width of time */
        else
            aio__put_unsigned(&o, (aio__number)(aio_time)v, 10, " ");
    } else {
        aio__put_unsigned(&o, v < 0 ? 0u - (aio__number)v : (aio__number)v, 10, v < 0 ? " -" : " ");
    }
    if (size) buf[o.len < size ? o.len : size - 1] = 0;
    return o.len;
}

AIO_API void aio_recorder_dump(const aio_recorder *r, void (*line)(void *ctx, const char *text),
                               void *ctx) {
    char text[96];
    aio__text o;
    uint32_t i;
    o.buf = text;
    o.size = sizeof text;
    o.len = 0;
    aio__put_unsigned(&o, AIO_TICKS_PER_SEC, 10, "aio-trace 1 ticks_per_sec=");
    if (AIO__WRAPS) /* the times wrap: the tool unwraps them */
        aio__put_unsigned(&o, (aio__number)sizeof(aio_time) * CHAR_BIT, 10, " time_bits=");
    text[o.len] = 0;
    line(ctx, text);
    if (r->lost) {
        o.len = 0;
        aio__put_unsigned(&o, r->lost, 10, "# ");
        aio__put(&o, " earlier records were written over (the ring holds ");
        aio__put_unsigned(&o, r->capacity, 10, "");
        aio__put(&o, ")");
        text[o.len] = 0;
        line(ctx, text);
    }
    for (i = 0; i < r->count; i++) {
        (void)aio_trace_format(aio_recorder_at(r, i), text, sizeof text);
        line(ctx, text);
    }
}

AIO_API void aio_trace_fputs(void *file, const char *text) {
#ifdef AIO__HOSTED
    (void)fputs(text, (FILE *)file);
    (void)fputc('\n', (FILE *)file);
#else
    (void)file;
    (void)text;
#endif
}

