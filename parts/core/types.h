// >>types
/* ------------------------------------------------------------------------ */
/* Types                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct aio_loop aio_loop;
typedef struct aio_task aio_task;
typedef struct aio_timeout aio_timeout;
typedef struct aio_trace_record aio_trace_record; /* (the instruments') */
typedef aio_status (*aio_task_fn)(aio_task *t);

/* What a task's code sees of the cancellations delivered to it: a cleanup
 * section does not see those delivered before it began (one word: a frame
 * keeps the task's while it runs its cleanup). */
union aio__view {
    struct {
        uint8_t cleanups;     /* cleanup sections running, one in another */
        uint8_t cancels_seen; /* its `cancels` when the innermost one began: its own
                                 cancellation is seen while they differ */
        uint16_t hidden;      /* the blocks delivered when it began: blocks opened
                                 before it are seen while more of them are delivered */
    } v;
    uint32_t word;            /* (so that it is copied as one word) */
};

/* A count that never wraps (the order deadlines are armed in, the order
 * tasks finish in): 64 bits. A CPU of 32 bits or more adds and compares
 * those in a few instructions; an 8- or 16-bit one (AVR, MSP430) would call
 * the compiler's 64-bit helpers, so there it is two 32-bit words that carry
 * by hand once in four billion counts, and no such helper is linked
 * (AIO__COUNT_WORDS asks for the words on any CPU: the tests do). */
#if defined(AIO__COUNT_WORDS) || (defined(UINTPTR_MAX) && UINTPTR_MAX <= 0xFFFFu)
#ifndef AIO__COUNT_WORDS
#define AIO__COUNT_WORDS
#endif
typedef struct aio__count { uint32_t lo, hi; } aio__count;
#else
typedef uint64_t aio__count;
#endif

/* The continuation of one coroutine: the task's body has one inside the task;
 * an inline coroutine (AIO_CALL) has one as a member named `frame` of its
 * state struct. Treat as opaque. */
typedef struct aio_frame {
    uint16_t lc;         /* where to resume (the compiler refuses a file with
                            more than 65,000 awaits) */
    uint8_t flags;
    aio_status rc;       /* return value or the error being unwound */
    union aio__view view; /* in cleanup: the task's view from before it */
} aio_frame;

/* A place in the timer storage, or how many: the target's unsigned int,
 * 16 bits where int is (an 8-bit target's RAM holds far fewer timers). */
typedef unsigned int aio__slot;

/* One armed deadline in the loop's timer heap; storage is the user's. */
typedef struct aio_timer {
    aio__count seq; /* when the deadline was set: equal deadlines fire in that order
                       (first: no padding where it is 8-aligned and time is 4 bytes) */
    aio_time when;
    aio_task *task;
} aio_timer;

/* Links of the circular lists (ready queue, wait lists); opaque. A zeroed
 * list head is a valid empty list. */
typedef struct aio_link { struct aio_link *next, *prev; } aio_link;
/* A place in a wait list that is not a task's own (an AIO_WAIT item's): the
 * task it wakes. A task's own place is its `wait`, with no pointer back: the
 * task is found around it. The byte after the link tells them apart: here
 * `mark` (AIO__FOREIGN), in a task its `state` (never that), in a group's
 * notice (in the ready queue, with no task) a `mark` too. */
typedef struct aio_waiter {
    aio_link link;
    uint8_t mark;        /* AIO__FOREIGN */
    aio_task *task;      /* the task it wakes */
} aio_waiter;

/* A task. Zero-initialise it (static storage or = {0}) before its first spawn;
 * a finished task may be spawned again, once no task still waits on its last
 * run (a waiter that has not resumed yet would wait for the new run instead).
 * Treat the fields as opaque.
 *
 * Layout (x86-64 / Cortex-M0 with AIO_TIME_32, in bytes): wait 16/8, state 1,
 * cancels 1, flags 2, frame 12/12, run (the joiners' head and the body)
 * 16/8, loop 8/4, member 16/8, parent 8/4, until_seq 8, scope 8/4, until
 * 8/4, timer 4, view 4, await 16/8: 128 / 80 B, with no padding (84 on a
 * 32-bit target with the library's sockets, whose sends count in the
 * await). Its place in a list comes first and carries no pointer back to
 * the task (the task is at the link's own address, so the turn and the
 * wake-ups find it with no load); the state byte right after the link is
 * what tells it from a foreign place (aio_waiter). Its waiters for its end
 * are a list with no head node of its own: the first of them is
 * `run.joiners.next`, the newest first; the oldest's `next` is its loop's
 * `joined_end` (so that a waiter leaves with the same two stores as from
 * any list), and the room where a head's `prev` would be holds the body,
 * which no list operation reads or writes: a head's `prev` is read only to
 * add at a tail, which this list never does (it is woken from its end
 * backwards, oldest first). The rest stays as wide as the features read
 * it: the deadlines' arming order is the loop's 64-bit count (it never
 * wraps; placed where it needs no padding), what the task sees of the
 * cancellations delivered is its own small counts (nothing compared across
 * a wrap: the cancellation part), a wait-many's count is the user's. */
struct aio_task {
    /* what a resume touches, first: one 64-byte cache line on a 64-bit target */
    struct {             /* in the ready queue or in one wait list: first, so */
        aio_link link;   /* that the task is its place's address (no pointer back) */
    } wait;
    uint8_t state;       /* right after the link: what tells a task's own place
                            in a list from an aio_waiter (whose `mark` is there) */
    uint8_t cancels;     /* its own cancellation's deliveries, counted 1 to 255 and
                            round again (0: never delivered; see cancels_seen) */
    uint16_t flags;
    aio_frame frame;     /* the body's continuation; frame.rc = final status */
    union {              /* one list head's room (see above): */
        aio_link joiners; /* its waiters for its end; only `joiners.next` is used */
        struct {
            aio_link *joiners_next; /* (that `next`, never read by this name) */
            aio_task_fn fn;         /* the body, called each step */
        } body;
    } run;
    aio_loop *loop;      /* the loop it was spawned on: it waits and runs there */
    aio_link member;     /* place among its group's children, or its loop's other tasks */
    aio_task *parent;    /* the task that spawned it: it owns it */
    aio__count until_seq; /* its arming order: equal deadlines fire in that order
                             (at an offset that is a multiple of 8 on every target) */
    aio_timeout *scope;  /* innermost open timeout scope */
    aio_time until;      /* deadline of the current await itself */
    aio__slot timer;     /* heap index + 1 of the armed timer, 0 if none */
    union aio__view view; /* what its code sees of the cancellations delivered
                            (a cleanup section does not see those delivered before
                            it began; a group's child starts with its owner's view) */
    union {                /* what its current await holds (once done: when it finished) */
        uint32_t finished[2]; /* once done: the loop's count of finished tasks then
                              (low, high half: 64 bits that never wrap) */
        aio_task_fn first; /* before its first step (where time counts): its body */
        uint32_t ticket;   /* while waiting on an event: the set it waits for */
        aio_task *child;   /* in AIO_AWAIT / AIO_WAIT_FOR: the child it owns */
        struct aio__job *job; /* in AIO_TO_THREAD, AIO_LOOKUP: the call it awaits */
        struct aio__connecting *connecting; /* in AIO_TCP_CONNECT: its attempts */
        struct aio__unix_connecting *unix_connecting; /* in AIO_UNIX_CONNECT */
        struct {           /* in AIO_WAIT / AIO_GATHER (the flag AIO__T_PARKED_ONCE
                              says it has parked once: failures found since
                              happened while it waited, in the order they
                              finished) */
            struct aio_wait_item *items;
            uint32_t n;
        } many;
        struct {           /* in an I/O wait */
            int fd;
            uint8_t dir;   /* 0 waits until readable, 1 until writable */
#ifdef AIO__SOCKET_API
            size_t done;   /* AIO_SEND_ALL, AIO_STREAM_WRITE: bytes sent so far */
#endif
        } io;
    } await;
};

/* A timeout scope: `async with asyncio.timeout(...)`. Lives in the task's state
 * struct; zero-initialise it or let a previous use finish. */
struct aio_timeout {
    aio_timeout *parent;
    aio_task *task;
    aio_frame *frame;
    aio_time deadline;   /* absolute; AIO_NEVER = none */
    uint8_t state;       /* (here: within the 31 bytes a Cortex-M0's byte load reaches, */
    uint8_t flags;       /*  and no padding added where pointers or times are 8 bytes) */
    uint16_t landing;    /* resume point that unwinds out of the block (a frame's lc) */
    uint8_t cleanups;    /* its task's count of cleanup sections when it opened */
    aio__count seq;      /* arming order of the deadline (entry or reschedule) */
    aio_status status;   /* AIO_ETIMEDOUT after the block was cut short */
    aio_status saved_rc; /* the frame's status at entry, restored when caught */
    union {              /* a holding block's: what it holds, its argument read once */
        struct aio_lock *a_lock;
        struct aio_semaphore *a_semaphore;
    } held;
};

/* One task of the collection given to AIO_WAIT / AIO_GATHER: set `task`, the
 * rest is the library's. Keep the array in the state struct. */
typedef struct aio_wait_item {
    aio_task *task;
    aio_waiter node;
} aio_wait_item;

/* asyncio.as_completed over an array of items (aio_as_completed_init). */
typedef struct aio_as_completed {
    aio_wait_item *items;
    size_t n;
    size_t left;         /* not returned yet */
    aio_time deadline;   /* absolute; AIO_NEVER = none */
    aio__count cutoff;   /* once expired: the loop's count of finished tasks then */
    uint8_t expired;
} aio_as_completed;

/* A task group (structured concurrency, asyncio.TaskGroup). */
typedef struct aio_group {
    uint8_t flags;       /* (first: it and the block's state and flags are then within
                            the 31 bytes a Cortex-M0's byte load reaches) */
    aio_timeout scope;   /* the block; cancelled when the group aborts */
    aio_link children;   /* live children */
    struct {             /* in the ready queue when a child has failed: the abort */
        aio_link link;
        uint8_t mark;    /* AIO__FOREIGN: no task's (as an aio_waiter's, with no task) */
    } notice;
    uint32_t live;       /* children alive, or failed and not heard of yet */
    uint32_t unheard;    /* children that failed since the notice was queued */
    aio_status status;   /* the first error: a child's failure or the body's */
} aio_group;

/* asyncio.Event. Zero-initialised = clear. It belongs to the loop of the
 * tasks that wait on it. aio_event_set is safe to call from an interrupt
 * handler or another thread (with AIO_CRITICAL_ENTER/EXIT defined): it queues
 * the event on its waiters' loop, which wakes them at its next iteration, so
 * a set event must stay in place until then. */
typedef struct aio_event {
    aio_link waiters;
    struct aio_event *next_signalled;
    struct aio_loop *loop;  /* the loop of its waiters, while it has any or is queued */
    volatile uint32_t sets; /* how many times it was set: a waiter wakes for a later one */
    unsigned mark;          /* the loop's count of queued tasks when it was set */
    volatile uint8_t set;
    uint8_t queued;
    uint8_t kind;           /* 0, or 1 in a queue (its getters wait on it) */
} aio_event;

/* asyncio.Semaphore (aio_semaphore_init) and asyncio.Lock (zeroed = unlocked).
 * Waiters are served first come, first served: a release hands the permit
 * straight to the oldest waiter, and it stays reserved for that waiter until
 * it runs (a later acquirer queues behind it, as in CPython 3.13). */
typedef struct aio_semaphore {
    aio_link waiters;
    int value;           /* permits available */
    int handed;          /* permits handed to waiters that have not run yet */
    int bound;           /* BoundedSemaphore: most permits there can be; 0 = no bound */
} aio_semaphore;
typedef struct aio_lock {
    aio_link waiters;
    int locked; /* 0 free, 1 held, 2 handed to a waiter that has not run yet */
} aio_lock;

/* asyncio.Condition over a lock (aio_condition_init). */
typedef struct aio_condition {
    aio_link waiters;
    aio_lock *lock;
} aio_condition;

/* asyncio.Queue, LifoQueue and PriorityQueue over storage you give (see
 * aio_queue_init). Waiters are served first come, first served: an item put,
 * or a place freed, goes straight to the oldest waiter and stays promised to
 * it until it runs; if that waiter is cancelled or times out first, the item
 * or place goes on to the next one (none is ever lost). */
typedef int (*aio_queue_less_fn)(const void *a, const void *b);
struct aio_queue;
typedef void (*aio__queue_order_fn)(struct aio_queue *q, const void *item, void *out);
typedef struct aio_queue {
    aio_event ready;         /* its waiters are the getters; rung by a put from outside */
    aio_link putters;        /* waiting for a place */
    aio_link joiners;        /* waiting for every item to be marked done */
    unsigned char *storage;  /* capacity items of item_size bytes */
    size_t item_size;
    aio_queue_less_fn less;  /* a priority queue's order */
    /* Places and items in the target's unsigned int (16 bits where int is:
     * an 8-bit chip counts them in one word; the init refuses a capacity
     * over half its range, so that a FIFO's head plus its count fits) */
    unsigned capacity;
    unsigned maxsize;        /* 0: bounded by the storage only */
    union {
        unsigned head;               /* a FIFO's oldest item */
        aio__queue_order_fn ordered; /* a LIFO's or priority queue's store and take */
    };
    unsigned count;          /* items in the queue, promised ones too */
    unsigned promised;       /* items promised to getters that have not run yet */
    unsigned room_promised;  /* places promised to putters that have not run yet */
    uint32_t unfinished;     /* items put and not marked done yet */
    uint8_t order;           /* FIFO, LIFO or priority */
    uint8_t shut;            /* 1 once shut down */
} aio_queue;

typedef aio_time (*aio_clock_fn)(void *ctx);
/* Called when no task is ready: return at or before `deadline` (AIO_NEVER:
 * nothing is armed), earlier if something external became ready. */
typedef void (*aio_idle_fn)(void *ctx, aio_loop *loop, aio_time deadline);
/* Called by aio_event_set, in the setter's context (another thread, a signal
 * or interrupt handler), when the event's loop is inside its idle hook in
 * aio_run: make that hook return (write to a pipe, give a semaphore). It runs
 * inside AIO_CRITICAL_ENTER/EXIT, so that the loop cannot be destroyed under
 * it: it must not call the library. */
typedef void (*aio_wakeup_fn)(void *ctx, aio_loop *loop);
/* Timer storage growth, realloc-like: return storage for `new_count` timers
 * keeping the first `old_count` of `old` (NULL the first time: the loop copies
 * from your array itself), or NULL to refuse. new_count 0 releases `old`. */
typedef aio_timer *(*aio_grow_fn)(void *ctx, aio_timer *old, uint32_t old_count,
                                  uint32_t new_count);
typedef void (*aio_debug_fn)(aio_status code, const char *message);

struct aio_loop {
    /* What every turn reads first: where a load's offset is short (a
     * Cortex-M0's byte load reaches 31 bytes, an AVR's any load 63), the
     * fields of the loop's own work come before those of set-up and hooks. */
    aio_time now;        /* read at most once per iteration (aio__now) */
    uint8_t is_virtual;
    uint8_t stale;       /* `now` is to be read when next needed */
    uint8_t idling;      /* inside the idle hook in aio_run (under the critical section) */
    uint8_t busy;        /* what takes aio_run's turn off its short way (AIO__BUSY_...):
                            a timer armed, the main task ended, the events hook set,
                            aio_run cancelling what its main task left running */
    aio_timer *heap;
    aio__slot heap_len, heap_cap;
    unsigned enqueued;   /* tasks queued at the tail so far (under the critical section;
                            an event set counts only those of one turn: int is wide enough) */
    aio__count seq;      /* timer arming counter (never wraps) */
    aio__count finished; /* tasks finished so far (never wraps) */
    uint8_t deliveries;  /* checkpoints that delivered something, counted round
                            (only "did this one deliver" is asked of it) */
    uint16_t timers_full; /* awaits refused for want of a timer slot, counted round
                             (aio_loop_timers_full) */
    aio_link ready;      /* tasks to run, oldest first */
    aio_task *current;
    size_t live;         /* spawned and not finished */
    struct aio_event *signalled; /* events set since the last iteration */
    /* What the features a program uses add to the loop's own work, set at
     * their first use: a program that never uses one carries none of its code. */
    struct aio_timeout *(*cancellation)(aio_task *t, int how); /* aio_cancel, blocks */
    int (*events)(aio_loop *loop, int op);         /* events wait on this loop */
    void (*end_run)(aio_loop *loop);               /* cancel what aio_run's main left running */
    aio_link tasks;      /* the tasks alive that no group owns */
    aio_clock_fn clock;
    void *clock_ctx;
    aio_idle_fn idle;
    void *idle_ctx;
    void (*expire)(aio_task *t, aio_time now);     /* a block's or wait_for's deadline fired */
    void (*scope_key)(const aio_task *t, aio_time *when, aio__count *seq); /* blocks' deadlines */
    void (*heard)(aio_link *notice);               /* a group's notice came up */
    void (*left_group)(aio_task *t, aio_status rc); /* a group's child ended */
    void (*close_blocks)(aio_task *t, const aio_frame *frame); /* left by a plain return */
    void (*joiners)(aio_task *t);                  /* wakes an ended task's waiters, or passes a
                                                      cancellation on from one alive that awaits what
                                                      it owns (the first join: aio__joined) */
    void (*spread)(aio_link *gatherers, aio_task *woken); /* a cancellation reached gathering tasks */
    void (*rang)(aio_event *ready);                /* a queue was put to from outside */
    int (*grow_heap)(aio_loop *loop);              /* timer storage is full: aio_loop_set_grow */
    aio_grow_fn grow;
    void *grow_ctx;
    aio_grow_fn heap_grow; /* the hook that allocated heap (NULL: the user's array) */
    void *heap_grow_ctx;
    aio_wakeup_fn wakeup;
    void *wakeup_ctx;
#ifdef _WIN32
    void *wake_event;    /* the system idle hook's wake-up: a Win32 event, NULL = not made */
#else
    int wake_pipe[2];    /* the system idle hook's wake-up pipe: fds + 1, 0 = not opened */
#endif
    uint32_t bound_events; /* events that belong to this loop (a set can come from outside) */
    struct aio_io *io;   /* what waits for descriptors (the first I/O wait sets it) */
#ifdef AIO__SOCKET_API
    aio_link outboxes;   /* streams' write buffers made on it (those let go until their senders end) */
    aio_link written;    /* those written in this turn while their senders were idle: sent at its end */
    void *write_spares;  /* their blocks given back empty, kept for the next writes (aio__outbox_sent) */
    uint32_t write_spare_count;
#endif
    aio_link joined_end; /* where every task's list of joiners ends (the oldest's
                            `next`; what is stored in its `prev` is never read) */
#if AIO_INSTRUMENTS
    void (*instrument)(void *ctx, const aio_trace_record *r); /* NULL: none */
    void *instrument_ctx;
    /* what tells it (while it is set): reached through this pointer, so that
     * a program that sets no hook links none of it */
    void (*trace)(aio_loop *L, int kind, const aio_task *t, const void *other, int detail,
                  aio_stime value);
    /* Set just before the library makes a wake-up, a cancel or a park, for
     * the record it gives the instrument: who causes it and why (AIO_BY_...),
     * or what the task parks on (AIO_ON_..., the object, a descriptor). */
    const void *trace_by;
    const void *trace_obj;
    int trace_value;
    uint8_t trace_why;
    uint8_t trace_on;
#endif
};

