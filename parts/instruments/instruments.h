// >>instruments
/* ------------------------------------------------------------------------ */
/* Instruments: see what happened                                             */
/* ------------------------------------------------------------------------ */

/* A hook on the loop, like Trio's instruments: called with one small record
 * at each thing that matters, in the loop's thread, as it happens. The record
 * is only valid during the call: copy it (aio_recorder does). The hook must
 * not block, and may call no function of this library but aio_trace_name.
 * Compiled in where AIO_INSTRUMENTS is 1 (the default with AIO_DEBUG; define
 * it as 1 for a release build): with no hook set each of these points costs
 * a test. With AIO_INSTRUMENTS 0 they cost nothing, and the hook is never
 * called (the recorder and the text form are there all the same). */
enum {
    AIO_TRACE_NAME,    /* task, other: a label given with aio_trace_name */
    AIO_TRACE_SPAWN,   /* task spawned; other: the task that spawned it */
    AIO_TRACE_STEP,    /* task's step begins */
    AIO_TRACE_STEPPED, /* task's step ends (a suspend or end record comes first) */
    AIO_TRACE_SUSPEND, /* task parks; detail AIO_ON_...; other: what it waits on; value:
                          the descriptor of an I/O wait */
    AIO_TRACE_WAKE,    /* task woken; detail AIO_BY_...; other: the task that woke it */
    AIO_TRACE_CANCEL,  /* cancel requested for task; detail AIO_BY_...; other: the
                          task, block or group that asked (NULL: outside any task) */
    AIO_TRACE_ENTER,   /* task enters block other (detail AIO_BLOCK_...); value: its
                          deadline, (aio_time)value (AIO_NEVER: none) */
    AIO_TRACE_LEAVE,   /* task leaves block other; value: its status */
    AIO_TRACE_FIRE,    /* a deadline fired for task: of block other (AIO_FIRE_BLOCK),
                          or of the await itself (AIO_FIRE_WAIT) */
    AIO_TRACE_CLEANUP, /* task enters a cleanup section; value: the status it unwinds */
    AIO_TRACE_END,     /* task ended; value: its status */
    AIO_TRACE_IDLE,    /* the loop has nothing ready; value: the deadline it waits
                          for, (aio_time)value (AIO_NEVER: none) */
    AIO_TRACE_AWAKE,   /* ... and goes on */
    AIO_TRACE_GROW,    /* timer storage grew; value: the new number of slots */
    AIO_TRACE_FULL     /* timer storage is full: an await gets AIO_ENOSPC */
};
/* A record's detail: what a task parks on, what woke it or asked for a
 * cancel, which kind of block, which deadline fired. */
enum {
    AIO_TRACE_NONE = 0,
    AIO_ON_SLEEP, AIO_ON_TASK, AIO_ON_EVENT, AIO_ON_LOCK, AIO_ON_SEMAPHORE,
    AIO_ON_CONDITION, AIO_ON_QUEUE, AIO_ON_IO, AIO_ON_YIELD, AIO_ON_WAIT, AIO_ON_GATHER,
    AIO_ON_GROUP, AIO_ON_NOTHING,
    AIO_BY_TIMER, AIO_BY_DONE, AIO_BY_SET, AIO_BY_GRANTED, AIO_BY_CANCEL, AIO_BY_IO,
    AIO_BY_CLOSED, AIO_BY_CALL, AIO_BY_DEADLINE, AIO_BY_GROUP, AIO_BY_WAIT_FOR,
    AIO_BY_GATHER, AIO_BY_OWNER, AIO_BY_RUN,
    AIO_BLOCK_TIMEOUT, AIO_BLOCK_SHIELDED, AIO_BLOCK_GROUP,
    AIO_FIRE_BLOCK, AIO_FIRE_WAIT
};
struct aio_trace_record {
    aio_time when;         /* the loop's time */
    const aio_task *task;  /* the task it concerns; NULL: the loop itself */
    const void *other;     /* who or what else, by kind (above) */
    aio_stime value;       /* a status, a deadline, a descriptor or a count, by kind */
    uint8_t kind;          /* AIO_TRACE_... */
    uint8_t detail;        /* AIO_ON_..., AIO_BY_..., AIO_BLOCK_..., AIO_FIRE_... */
};
typedef void (*aio_instrument_fn)(void *ctx, const aio_trace_record *r);

/* Call `fn(ctx, record)` at each of the points above from now on (NULL:
 * stop). Ignored where AIO_INSTRUMENTS is 0. */
AIO_API void aio_loop_set_instrument(aio_loop *loop, aio_instrument_fn fn, void *ctx);
/* Give task t a label in the trace (asyncio's task names): a record of kind
 * AIO_TRACE_NAME on its loop (the running one if t was never spawned). The
 * label is kept as a pointer: a string literal, or one that outlives the
 * trace. Any text but an empty one: the text form escapes what would not
 * read back as one word (`%`, spaces, control characters and bytes beyond
 * ASCII become %XX) and keeps its first 40 characters. */
AIO_API void aio_trace_name(const aio_task *t, const char *label);

/* A ready-made instrument: keeps the last `capacity` records in a ring you
 * give. aio_loop_set_instrument(&loop, aio_recorder_hook, &rec). */
typedef struct aio_recorder {
    aio_trace_record *ring;
    uint32_t capacity;
    uint32_t head;       /* where the oldest record kept is */
    uint32_t count;      /* records kept */
    uint32_t lost;       /* older records written over (stops at 2^32 - 1) */
} aio_recorder;
AIO_API aio_status aio_recorder_init(aio_recorder *r, aio_trace_record *ring, uint32_t capacity);
AIO_API void aio_recorder_hook(void *recorder, const aio_trace_record *record);
/* The i-th record kept, oldest first (NULL beyond aio_recorder_count). */
AIO_API uint32_t aio_recorder_count(const aio_recorder *r);
AIO_API const aio_trace_record *aio_recorder_at(const aio_recorder *r, uint32_t i);
/* The records as text, the input of tools/aio_trace.py (a Perfetto trace
 * and an SVG timeline): a first line `aio-trace 1 ticks_per_sec=N` (and
 * ` time_bits=32` where aio_time is 32 bits wide: the times wrap), then a
 * line per record, `TIME KIND TASK OTHER DETAIL VALUE`, each given to
 * `line(ctx, text)` without its newline. No C library needed (a UART's
 * write will do); aio_trace_fputs writes to a FILE * on hosted builds. */
AIO_API void aio_recorder_dump(const aio_recorder *r, void (*line)(void *ctx, const char *text),
                               void *ctx);
/* One record as such a line in buf[0..size) (truncated, always ended by a
 * zero when size > 0); returns its length. */
AIO_API size_t aio_trace_format(const aio_trace_record *record, char *buf, size_t size);
/* A `line` for aio_recorder_dump: fputs(text) and a newline to the FILE * ctx. */
AIO_API void aio_trace_fputs(void *file, const char *text);

