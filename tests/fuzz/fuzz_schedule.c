/* SPDX-License-Identifier: MIT */
/* Schedule fuzzer: the input is a random program of tasks, sleeps, timeout
 * blocks, wait_for, wait, gather, shield, groups, events, locks, conditions
 * (wait, wait_for a predicate), inline coroutines with cleanups of their own,
 * cleanup sections running any of it, `break` out of blocks, scopes and
 * groups used again, cancels from tasks and from a simulated interrupt, and
 * moves of the virtual clock. After
 * every loop step, and before every operation a task performs, an invariant
 * checker looks at the whole loop; any violation aborts with a message.
 *
 * In the fault mode (a flag in the first byte) the timer storage holds 0 to 3
 * timers, a growth hook refuses the calls the input chooses (or there is none),
 * loops are destroyed and initialised again mid-run, and two loops may be
 * stepped in turn, with tasks, events and cancels reaching across.
 *
 * Built with clang -fsanitize=fuzzer (`make fuzz`), or with FUZZ_REPLAY as a
 * plain program that runs the files or directories it is given (`make test`
 * replays the committed corpus and the regression inputs this way). The header
 * under test is the first aio_timeout.h on the include path (-I).
 *
 * Input format (tests/fuzz/README.md has the details): byte 0 holds flags, then
 * chunks separated by 0xFF. Chunk 0 is the driver's script (two bytes per
 * command); chunk 1+i is the program of task slot i (a byte choosing its
 * cleanup, then three bytes per operation: opcode, a, b; with bit 7 of that
 * byte, the last (cfg >> 4) & 7 operations are its cleanup section's). */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT 8         /* task slots */
#define NL 2         /* loops (the second only in the fault mode) */
#define DEPTH 6      /* levels of one task: blocks nest five deep */
#define NEV 2        /* events per loop */
#define SEM_PERMITS 2
#define RET_BASE 1000 /* an interp level returning >= RET_BASE asked the task to return */
#define BRK 3000      /* ... returning BRK asked the block around it to `break` */
#define PLAIN 4000    /* ... returning PLAIN asked the level of that block to `return` plainly */
#define IS_RET(rc) ((rc) >= RET_BASE && (rc) < RET_BASE + 100)
#define MAX_STEPS 20000
#define MAX_SPAWNS 64 /* incarnations per input */
/* how many of a program's last operations are its cleanup section's: with
 * bit 7 of its first byte, bits 4-6 (half of all programs have none) */
#define CLEANUP_OPS(cfg) ((cfg) & 0x80 ? (size_t)(((cfg) >> 4) & 7) : 0)

/* A header from before group notices and handed permits (f867388 and older)
 * has neither field: `make fuzz` defines FUZZ_PRE_NOTICES for it. */
#ifdef FUZZ_PRE_NOTICES
#define GROUP_UNHEARD(g) 0u
#define SEM_HANDED(sem) 0
#else
#define GROUP_UNHEARD(g) ((g)->unheard)
#define SEM_HANDED(sem) ((sem)->handed)
#endif

/* ----------------------------------------------------------------- errors */

static const char *fz_phase = "";
static void fz_dump(void);
static void fz_fail(const char *fmt, ...) {
    va_list ap;
    fz_dump();
    fprintf(stderr, "fuzz invariant violated (%s): ", fz_phase);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
#define REQUIRE(cond, ...)                                                     \
    do {                                                                       \
        if (!(cond)) fz_fail(__VA_ARGS__);                                     \
    } while (0)

/* ------------------------------------------------------------------ state */

enum { /* flags in byte 0 */
    F_EXACT = 1,     /* the clock moves only to deadlines */
    F_FAULT = 2,     /* small timer storage, growth hook, loop life cycle, driver commands below */
    F_TWO_LOOPS = 4  /* fault mode: a second loop stepped in turn with the first */
    /* fault mode: bits 3-4 timer slots (0-3), bits 5-6 the growth hook at each init */
};
enum { /* what the growth hook does */
    HOOK_NONE, HOOK_REFUSE, HOOK_GROW, HOOK_PATTERN /* refuse call n if bit n % 6 of the pattern */
};

enum { /* operations of a task program */
    OP_SLEEP, OP_YIELD, OP_TIMEOUT, OP_TIMEOUT_AT, OP_SHIELDED, OP_GROUP, OP_WAIT_FOR_CALL,
    OP_SPAWN, OP_GSPAWN, OP_AWAIT, OP_WAIT_FOR, OP_SHIELD, OP_WAIT, OP_GATHER,
    OP_EVENT_WAIT, OP_EVENT_SET, OP_EVENT_CLEAR, OP_CANCEL, OP_LOCK, OP_UNLOCK,
    OP_SEM, OP_SEM_POST, OP_RETURN, OP_RAISE, OP_BUSY, OP_RESCHEDULE, OP_GROUP_CANCEL,
    OP_COND_WAIT, OP_COND_NOTIFY, OP_COND_WAIT_FOR, OP_COND_SET, OP_CALL, OP_BREAK, OP_PLAIN_RETURN,
    OP_COUNT
};
enum { /* driver commands; the last two only in the fault mode */
    DR_STEP, DR_ADVANCE, DR_SETTLE, DR_ISR_SET, DR_CANCEL, DR_SPAWN, DR_GROUP_CANCEL,
    DR_RESCHEDULE, DR_NEXT, DR_BASIC_COUNT, DR_GROW = DR_BASIC_COUNT, DR_RELOOP, DR_COUNT
};
enum { /* kinds of block a level runs in */
    K_TOP, K_TIMEOUT, K_SHIELDED, K_GROUP, K_CALL, K_INLINE /* AIO_CALL: no block of its own */
};

typedef struct callst { aio_frame frame; } callst; /* an inline coroutine's state */

typedef struct level {
    aio_frame frame;          /* inline coroutine state (AIO_CALL) */
    const uint8_t *pc, *end;  /* program range */
    int depth, kind;
    uint8_t op, a, b;
    aio_status rc;
    aio_time start, until;    /* when the current await began; its own deadline */
    int k, blen, body_done, owned, sets_before;
    int cancel_at_arrival, complete_at_arrival;
    uint32_t sig_epoch, sig_scopes; /* cancellations delivered when the await began */
    aio_timeout to;           /* the block this level opened for the next one */
    aio_group g;
    aio_wait_item items[NT];
    size_t n;
    aio_time block_deadline;
    long steps_at;            /* W.steps when the await began */
    /* OP_CALL: the inline coroutine at the next level, its body and cleanup */
    callst cs;
    const uint8_t *body_end, *cl_end;
    aio_status crc;
    /* a group's entry (its children carry it), and whether aio_group_cancel hit it */
    uint32_t gen;
    int gcancelled;
    int gchild_failed; /* a child failed, then its slot was spawned again */
    /* the cleanup section this level runs in, if any, and what cancelled
     * around it when it began: the levels below it (a mask), the task's
     * accepted cancels, an undelivered request, the scopes beyond the task */
    int cl;
    unsigned cl_mask;
    int cl_cancels, cl_pending;
    unsigned cl_outer;
    uint32_t cl_epoch;
    int explicit_raise;       /* the level raised a status it was handed (checked where it arose) */
    int abandoned;            /* its group was left by a plain `return` (misuse) */
} level;

typedef struct slot {
    aio_task task;
    level lv[DEPTH + 1];
    int idx;
    int lp;                   /* the loop it was spawned on */
    const uint8_t *prog;
    size_t prog_len;
    uint8_t cfg;              /* cleanup behaviour */
    /* the model */
    int spawned;              /* incarnations so far */
    int ran, done_seen, in_finally, cleanup_done, ret_set, group_child;
    int owner_wait_ended;     /* an owned wait of the task that owns it timed out or unwound (and cancelled it) */
    aio_status result, finally_status;
    int ret;
    int cancels;              /* aio_cancel accepted while alive */
    int cancels_in_finally;   /* ... of which during cleanup */
    int cancel_before_start;
    int pending_at_finally;   /* a request not yet delivered when cleanup began */
    int external_parent;      /* spawned by the driver: owned by nobody */
    unsigned waits_on;        /* slots it awaits now (for cycle avoidance) */
    int holds_lock, holds_sem;
    int waiting_res;          /* 1 lock, 2 semaphore while acquiring, 3 condition */
    int depth_now;            /* level running the current operation */
    aio_group *group;         /* the group it was spawned into */
    aio_time cleanup_start;
    aio_status rc;
    unsigned enospc;          /* AIO_ENOSPC reported while it ran */
    int enospc_in_finally;    /* ... during its cleanup */
    aio_event *ev_wait;       /* the event it waits on, and its count of sets then */
    uint32_t ev_sets_before;
    int rearm_woke;           /* woken by a reschedule whose deadline had no timer slot */
    size_t body_len;          /* the program's body; the rest (CLEANUP_OPS(cfg)) is its cleanup */
    callst fin;               /* the cleanup program's frame */
    int cleanup_prog;         /* the cleanup program runs */
    int final_set;            /* the cleanup program replaced the status ... */
    aio_status final_want;    /* ... with this */
    aio_status crc;
    uint32_t group_gen;       /* the entry of the group it was spawned into */
    int in_cwf;               /* in AIO_COND_WAIT_FOR, with this overall deadline */
    aio_time cwf_deadline;
    unsigned owned_wait;      /* children of its own an await (await, wait_for, gather) waits for */
    unsigned enospc_at_wait;  /* s->enospc when that await began */
    uint32_t child_cancel_at_wait[NT]; /* ... and each child's cancellations then */
    int child_model_cancels_at_wait[NT];      /* ... and the aio_cancel calls the model made on it */
    int wfc_expect;           /* AIO_WAIT_FOR_CALL entered with time left: its callee must start */
    /* condition waits: which one this is, whether a notify woke it, and
     * which waits stood behind it in the list then (slots, and their serials) */
    uint32_t cw_serial;
    int notified;
    unsigned behind;
    uint32_t behind_serial[NT];
} slot;

typedef struct loopw {
    aio_loop loop;
    aio_timer timers[NT];     /* normal mode: one armed timer per task at most, never more */
    aio_event ev[NEV];
    aio_lock lock;
    aio_semaphore sem;
    aio_condition cond;       /* over `lock` */
    int up;                   /* initialised and not destroyed */
    int lives;                /* initialisations so far */
    int hook, pattern;        /* the growth hook: HOOK_*, and its pattern */
    unsigned calls;           /* growth requests so far */
    int refused_last;         /* the last request was refused */
    unsigned queued_at_destroy; /* events whose set was still queued when it was last destroyed */
    int flag;                 /* the predicate of AIO_COND_WAIT_FOR, changed under the lock */
} loopw;

static struct world {
    loopw l[NL];
    slot s[NT];
    int nloops;
    int exact;                /* clock moves only to deadlines: times are exact */
    int fault;
    uint32_t cap;             /* timer slots at each init */
    int hook0;                /* the growth hook at each init */
    aio_time t0;
    long steps;               /* loop steps so far */
    int spawns;
    unsigned enospc;          /* AIO_ENOSPC reported so far */
    uint32_t gens;            /* group entries so far */
} W;

static int fz_trace; /* FUZZ_TRACE=1 in the environment: print each operation */

/* State coverage: besides the header's lines, libFuzzer sees which (operation,
 * event) pairs an input reached, so it keeps inputs that reach a rare moment
 * (a task woken by a deadline that could not be armed, a loop destroyed with
 * an event still queued) even when they run no new line, and builds on them. */
enum {
    FT_ENOSPC = 0,                                  /* op x what the task waited for */
    FT_REARM_WOKE = FT_ENOSPC + (OP_COUNT + 2) * 4, /* a reschedule woke a task in op */
    FT_CANCEL_READY = FT_REARM_WOKE + OP_COUNT * 4, /* a cancel found a task woken (that way?) in op */
    FT_RELOOP = FT_CANCEL_READY + OP_COUNT * 2,     /* destroy: refused?, events set, one queued? */
    FT_LATER_LIFE = FT_RELOOP + 2 * 3 * 2,          /* a later life (after a queued one?): event wait, set */
    FT_COUNT = FT_LATER_LIFE + 8
};
#ifdef FUZZ_REPLAY
static void feature(int i) { (void)i; }
#else
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t fz_features[FT_COUNT];
static void feature(int i) { fz_features[i]++; }
#endif

static slot *slot_of(const aio_task *t) {
    size_t i;
    for (i = 0; i < NT; i++)
        if (&W.s[i].task == t) return &W.s[i];
    return NULL;
}
static int loop_index(const aio_loop *L) {
    int i;
    for (i = 0; i < NL; i++)
        if (&W.l[i].loop == L) return i;
    return -1;
}
static loopw *LW(const slot *s) { return &W.l[s->lp]; }

/* 0..11 ms, or never: 31, or in the fault mode 24..31 (a block without a
 * deadline that gets one later needs a timer slot then) */
static aio_time dur(uint8_t x) {
    unsigned v = x & 31u;
    return v >= (W.fault ? 24u : 31u) ? AIO_NEVER : AIO_MS(v % 12);
}
static aio_time fin_dur(uint8_t x) { return AIO_MS((x & 31u) % 12); }
/* The limit of a wait at level l: in a cleanup section always one that ends.
 * Only a new cancel interrupts a cleanup's await, and inside a shielded block
 * (whose own deadline already reached what the cleanup runs after) none gets
 * in: a wait with no limit there would wait for good, which is the program's
 * choice, not something the library could end. */
#define WAIT_DUR(l, x) ((l)->cl ? fin_dur(x) : dur(x))

static aio_time lnow(int li) { return aio_loop_now(&W.l[li].loop); }
static aio_time snow(const slot *s) { return lnow(s->lp); }

/* The deadline now + d the way the library computes it (wrapping ticks step
 * past the two sentinel values). */
static aio_time after(aio_time start, aio_time d) {
    aio_time w;
    if (d == AIO_NEVER) return AIO_NEVER;
    w = (aio_time)(start + d);
    if (w == AIO_NEVER || w == AIO_TIME_INVALID) w = 0;
    return w;
}
static int reached(const slot *s, aio_time when) {
    return when != AIO_NEVER && (aio_stime)(snow(s) - when) >= 0;
}

static int alive(const slot *s) {
    return s->task.state != AIO__NEW && s->task.state != AIO__DONE;
}
static int alive_in(int li) {
    int i, n = 0;
    for (i = 0; i < NT; i++)
        if (alive(&W.s[i]) && W.s[i].lp == li) n++;
    return n;
}

/* The library reports misuse here. Misuse is expected (statuses are checked
 * instead), except AIO_ENOSPC: only the fault mode may run out of timer
 * slots, and only when a loop's storage is really full and could not grow. */
static void fz_debug_hook(aio_status code, const char *message) {
    aio_task *t;
    int i, full = 0;
    if (code != AIO_ENOSPC) return;
    REQUIRE(W.fault, "timer storage ran out outside the fault mode: %s", message);
    for (i = 0; i < W.nloops; i++) {
        const aio_loop *L = &W.l[i].loop;
        if (W.l[i].up && L->heap_len == L->heap_cap && (!L->grow || W.l[i].refused_last)) full = 1;
    }
    REQUIRE(full, "AIO_ENOSPC while no loop's timer storage is full and refused to grow");
    W.enospc++;
    if (fz_trace) fprintf(stderr, "AIO_ENOSPC: %s\n", message);
    t = aio_current();
    if (!t || !slot_of(t)) feature(FT_ENOSPC + (OP_COUNT + 1) * 4);
    if (t && slot_of(t)) {
        slot *s = slot_of(t);
        feature(FT_ENOSPC + (s->in_finally ? OP_COUNT : s->lv[s->depth_now].op) * 4 + s->waiting_res);
        s->enospc++;
        if (s->in_finally) s->enospc_in_finally = 1;
    }
}

/* Whether the loop's timer storage came from the growth hook. Headers before
 * the hook that allocated was remembered had only a flag; the fuzzer runs on
 * them to show what it finds there (run.sh defines FUZZ_HEAP_OWNED). */
#ifdef FUZZ_HEAP_OWNED
#define GREW_BY_HOOK(L) ((L)->heap_owned)
#else
#define GREW_BY_HOOK(L) ((L)->heap_grow == fz_grow)
#endif

/* The fault mode's growth hook: realloc, or a refusal where the input says. */
static aio_timer *fz_grow(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    loopw *w = (loopw *)ctx;
    int refuse;
    if (new_count == 0) { /* the loop gives the storage back */
        REQUIRE(old && old == w->loop.heap, "the growth hook is asked to free storage it never gave");
        free(old);
        return NULL;
    }
    REQUIRE(new_count > w->loop.heap_cap && old_count == (old ? w->loop.heap_len : 0) &&
                (old == NULL) == !GREW_BY_HOOK(&w->loop),
            "the growth hook is called with %u of %p for %u", (unsigned)old_count, (void *)old,
            (unsigned)new_count);
    refuse = w->hook == HOOK_REFUSE ||
             (w->hook == HOOK_PATTERN && ((w->pattern >> (w->calls % 6)) & 1));
    w->calls++;
    w->refused_last = refuse;
    if (fz_trace)
        fprintf(stderr, "loop %d: timer storage %u -> %u %s\n", (int)(w - W.l), (unsigned)w->loop.heap_cap,
                (unsigned)new_count, refuse ? "refused" : "granted");
    if (refuse) return NULL;
    return (aio_timer *)realloc(old, (size_t)new_count * sizeof *old);
}

static void set_hook(loopw *w, int mode, int pattern) {
    /* removing the hook after it grew the storage is allowed: the loop still
     * gives the storage back to it */
    w->hook = mode;
    w->pattern = pattern;
    w->calls = 0;
    w->refused_last = 0;
    aio_loop_set_grow(&w->loop, mode == HOOK_NONE ? NULL : fz_grow, w);
}

/* Initialise loop li (again): the same struct, timer storage and objects. */
static void init_loop(int li) {
    loopw *w = &W.l[li];
    aio_time start = w->lives ? aio_loop_now(&w->loop) : W.t0; /* time goes on */
    aio_loop_init(&w->loop, w->timers, W.fault ? W.cap : NT);
    aio_loop_use_virtual_clock(&w->loop, start);
    REQUIRE(aio_running_loop() == &w->loop, "aio_loop_init did not make the loop the running one");
    if (W.fault) set_hook(w, W.hook0, 0x15);
    if (!w->lives) {
        aio_semaphore_init(&w->sem, SEM_PERMITS, SEM_PERMITS);
        aio_condition_init(&w->cond, &w->lock);
    }
    w->up = 1;
    w->lives++;
}

/* ------------------------------------------------------ invariant checker */

static int is_item_node(const slot *s, const aio_link *n, const aio_wait_item **item) {
    int d;
    size_t i;
    for (d = 0; d <= DEPTH; d++)
        for (i = 0; i < NT; i++)
            if (&s->lv[d].items[i].node.link == n) {
                *item = &s->lv[d].items[i];
                return 1;
            }
    return 0;
}

/* The task whose place node n is: a task's own (the task is at its link's
 * address) or a wait item's (it names its task); NULL for a group's notice,
 * the one other node the ready queue holds. (A header from before the mark
 * kept a pointer back to the task in every node.) */
static aio_task *node_task(const aio_link *n, int in_ready) {
#ifdef AIO__MARK
    if (AIO__MARK(n) != AIO__FOREIGN) return AIO__TASK_OF((aio_link *)(void *)(uintptr_t)n);
    return in_ready ? NULL : ((const aio_waiter *)(const void *)n)->task;
#else
    (void)in_ready;
    return ((const aio_waiter *)(const void *)n)->task;
#endif
}

/* Walk one list of loop li, which ends at `end` (its head, where the list is
 * circular; the loop's joined_end for a task's joiners, whose head has no
 * `prev`); count where each task's own node is, and check item nodes.
 * `owner` is the task whose joiners list this is (NULL otherwise). */
static void walk_list(int li, const aio_link *head, const aio_link *end, const char *what,
                      int places[NT], int items[NT], const aio_task *owner) {
    const aio_link *n, *before = head;
    int guard = 0;
    if (!head->next) return; /* zeroed head: empty */
    for (n = head->next; n != end; before = n, n = n->next) {
        slot *s = slot_of(node_task(n, 0));
        const aio_wait_item *item;
        REQUIRE(++guard <= 4 * NT * (DEPTH + 2), "list %s does not end", what);
        REQUIRE(n->next && n->prev == before, "list %s is broken", what);
        REQUIRE(s != NULL, "list %s holds a node of no task", what);
        REQUIRE(s->lp == li, "list %s of loop %d holds task %d of loop %d", what, li, s->idx, s->lp);
        if (n == &s->task.wait.link) {
            places[s->idx]++;
        } else {
            REQUIRE(is_item_node(s, n, &item), "list %s holds a stray node of task %d", what, s->idx);
            REQUIRE(owner && item->task == owner, "a wait item of task %d is in the wrong list (%s)",
                    s->idx, what);
            items[s->idx]++;
        }
    }
}

static int group_owner_joining(const slot *s) {
    int d;
    for (d = 0; d < DEPTH; d++) {
        const aio_group *g = &s->lv[d].g;
        if (g->scope.task == &s->task && g->scope.state == AIO__S_JOIN && g->live > 0) return 1;
    }
    return 0;
}

/* The expected chain of the task's own scopes: one per level below the one
 * running, innermost first. */
static void check_scopes(const slot *s, int depth) {
    const aio_timeout *sc = s->task.scope;
    int d;
    for (d = depth - 1; d >= 0; d--) {
        const level *l = &s->lv[d];
        const aio_timeout *want = l->kind == K_GROUP ? &l->g.scope : &l->to;
        if (l->kind == K_INLINE) continue; /* an inline coroutine opens no block */
        REQUIRE(sc == want, "task %d: scope chain at level %d is not the blocks it opened", s->idx, d);
        REQUIRE(sc->task == &s->task, "task %d: an open scope belongs to another task", s->idx);
        sc = sc->parent;
    }
    REQUIRE(!sc || sc->task != &s->task, "task %d has a scope open that no block opened", s->idx);
    if (s->group) REQUIRE(sc == &s->group->scope, "task %d lost its group from its scope chain", s->idx);
    else REQUIRE(sc == NULL, "task %d has a foreign scope in its chain", s->idx);
}

static int quiet(int li) {
    return aio__list_empty(&W.l[li].loop.ready) && !W.l[li].loop.signalled;
}

/* One loop: its heap, its ready queue, its wait lists and its live count hold
 * only its own tasks, each in exactly one place. */
static void check_loop(int li) {
    loopw *lw = &W.l[li];
    aio_loop *L = &lw->loop;
    int places[NT] = {0}, items[NT] = {0}, ready_seen[NT] = {0};
    size_t i, live = 0;
    const aio_link *n;
    int guard = 0, lock_hold = 0, sem_hold = 0, in_cond = 0;

    /* timers: the heap property, and each armed timer belongs to a parked task */
    REQUIRE(L->heap_len <= L->heap_cap, "loop %d: heap overflow", li);
    for (i = 0; i < L->heap_len; i++) {
        const aio_timer *e = &L->heap[i];
        slot *s = slot_of(e->task);
        REQUIRE(s != NULL, "loop %d: timer %u belongs to no task", li, (unsigned)i);
        REQUIRE(s->lp == li, "loop %d holds a timer of task %d of loop %d", li, s->idx, s->lp);
        REQUIRE(e->task->timer == i + 1, "task %d does not know its timer's place", s->idx);
        REQUIRE(e->task->state == AIO__PARKED, "task %d has a timer armed but is not waiting (state %d)",
                s->idx, e->task->state);
        if (i > 0) REQUIRE(!aio__timer_less(e, &L->heap[(i - 1) / 2]), "heap property broken at %u",
                           (unsigned)i);
    }
    for (i = 0; i < NT; i++) {
        const aio_task *t = &W.s[i].task;
        if (W.s[i].lp == li && t->timer)
            REQUIRE(t->timer <= L->heap_len && L->heap[t->timer - 1].task == t,
                    "task %d points at a timer that is not its own", (int)i);
    }
    /* the ready queue: tasks, and the notices of groups that have yet to hear
     * of a child's failure */
    for (n = L->ready.next; n != &L->ready; n = n->next) {
        const aio_task *owner_task = node_task(n, 1);
        slot *s = slot_of(owner_task);
        REQUIRE(++guard <= NT * (DEPTH + 1), "ready queue holds a node twice or does not end");
#ifndef FUZZ_PRE_NOTICES
        if (!owner_task) {
            const aio_group *g = AIO_CONTAINER(n, aio_group, notice);
            /* open, in its owner's loop; or left by a plain `return`
             * (misuse) while its children live on: they still end into it,
             * and it must hear of them to be entered again, in their loop
             * (its owner may have ended and run again, even on another) */
            REQUIRE(slot_of(g->scope.task) && g->unheard > 0 && g->live >= g->unheard &&
                        (((g->scope.state == AIO__S_FIRST || g->scope.state == AIO__S_BODY ||
                           g->scope.state == AIO__S_JOIN) && slot_of(g->scope.task)->lp == li) ||
                         (g->scope.state == AIO__S_DONE && AIO_CONTAINER(g, level, g)->abandoned)),
                    "ready queue holds the notice of a group that has nothing to hear (state %d, "
                    "live %u, unheard %u)", g->scope.state, (unsigned)g->live, (unsigned)g->unheard);
            continue;
        }
#endif
        REQUIRE(s && n == &s->task.wait.link, "ready queue holds a stray node");
        REQUIRE(s->lp == li, "the ready queue of loop %d holds task %d of loop %d", li, s->idx, s->lp);
        REQUIRE(s->task.state == AIO__READY, "task %d is queued but its state is %d", s->idx,
                s->task.state);
        ready_seen[s->idx]++;
    }
    /* every wait list */
    for (i = 0; i < NEV; i++)
        walk_list(li, &lw->ev[i].waiters, &lw->ev[i].waiters, "event", places, items, NULL);
    walk_list(li, &lw->lock.waiters, &lw->lock.waiters, "lock", places, items, NULL);
    walk_list(li, &lw->sem.waiters, &lw->sem.waiters, "semaphore", places, items, NULL);
    walk_list(li, &lw->cond.waiters, &lw->cond.waiters, "condition", places, items, NULL);
    for (i = 0; i < NT; i++)
        if (W.s[i].lp == li && W.s[i].task.state != AIO__NEW)
            walk_list(li, &W.s[i].task.run.joiners, &W.s[i].task.loop->joined_end, "joiners", places,
                      items, &W.s[i].task);

    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        const aio_task *t = &s->task;
        if (s->lp != li) continue;
        switch (t->state) {
        case AIO__NEW:
            break;
        case AIO__READY:
            live++;
            REQUIRE(ready_seen[i] == 1 && places[i] == 0, "ready task %d is also waiting somewhere", (int)i);
            REQUIRE(t->timer == 0, "ready task %d has a timer armed", (int)i);
            break;
        case AIO__PARKED:
            live++;
            REQUIRE(ready_seen[i] == 0 && places[i] <= 1, "task %d waits in %d places", (int)i, places[i]);
            /* a parked task can be woken by something */
            REQUIRE(t->timer || places[i] == 1 || items[i] > 0 || group_owner_joining(s),
                    "task %d waits for nothing that can wake it (a lost wake-up)", (int)i);
            break;
        case AIO__DONE:
            REQUIRE(ready_seen[i] == 0 && places[i] == 0 && items[i] == 0 && t->timer == 0,
                    "finished task %d is still queued, waiting or timed", (int)i);
            REQUIRE(!s->done_seen || aio_task_result(t) == s->result,
                    "task %d's result changed after it finished", (int)i);
            break;
        default:
            fz_fail("task %d is running between steps", (int)i);
        }
        if (alive(s) && s->waiting_res == 3) in_cond = 1;
        if (s->holds_lock) lock_hold++;
        sem_hold += s->holds_sem;
        if (alive(s) && (t->flags & AIO__T_GRANTED)) {
            if (s->waiting_res == 1) lock_hold++;
            if (s->waiting_res == 2) sem_hold++;
            /* handed the lock back while it waits to take it again */
            if (s->waiting_res == 3 && (t->flags & AIO__T_RELOCK)) lock_hold++;
        }
    }
    REQUIRE(L->live == live, "loop %d counts %u live tasks, there are %u", li, (unsigned)L->live,
            (unsigned)live);
    /* AIO_COND_WAIT_FOR keeps its overall deadline: while it waits for a
     * notification (not for the lock), a timer at or before that deadline is
     * armed (the fault mode may have had no slot for it: it reports that) */
    for (i = 0; i < NT; i++) {
        const slot *s = &W.s[i];
        const aio_task *t = &s->task;
        int listed = 0;
        if (s->lp != li || !s->in_cwf || s->cwf_deadline == AIO_NEVER || t->state != AIO__PARKED ||
            (t->flags & AIO__T_RELOCK) || W.fault)
            continue;
        for (n = lw->cond.waiters.next; n && n != &lw->cond.waiters; n = n->next)
            if (n == &t->wait.link) listed = 1;
        if (listed)
            REQUIRE(t->timer && (aio_stime)(L->heap[t->timer - 1].when - s->cwf_deadline) <= 0,
                    "task %d waits in AIO_COND_WAIT_FOR with no timer by its deadline (%s): it "
                    "lost the deadline and may wait forever", s->idx,
                    t->timer ? "its timer is later" : "none armed");
    }
    /* permits are neither lost nor made up; a lock has one holder at most */
    REQUIRE(lock_hold <= 1, "loop %d: %d tasks hold the lock", li, lock_hold);
    /* (a condition waiter unwinding to a group's end holds the lock unseen) */
    if (!in_cond)
        REQUIRE((lw->lock.locked != 0) == lock_hold, "lock: locked=%d but %d holders", lw->lock.locked,
                lock_hold);
    /* nobody queues for what is free: a release would never reach them */
    REQUIRE(lw->lock.locked || aio__list_empty(&lw->lock.waiters), "tasks queue for a free lock");
    REQUIRE(lw->sem.value == 0 || aio__list_empty(&lw->sem.waiters) || SEM_HANDED(&lw->sem) > 0,
            "tasks queue for a free permit that nobody was handed first");
    REQUIRE(lw->sem.value + sem_hold == SEM_PERMITS, "semaphore: %d free + %d held != %d",
            lw->sem.value, sem_hold, SEM_PERMITS);
    /* groups count their live children */
    for (i = 0; i < NT; i++) {
        int d;
        if (W.s[i].lp != li) continue;
        for (d = 0; d < DEPTH; d++) {
            const aio_group *g = &W.s[i].lv[d].g;
            size_t j;
            uint32_t kids = 0;
            if (g->scope.task != &W.s[i].task ||
                (g->scope.state != AIO__S_FIRST && g->scope.state != AIO__S_BODY &&
                 g->scope.state != AIO__S_JOIN))
                continue;
            for (j = 0; j < NT; j++)
                if (W.s[j].group == g && alive(&W.s[j])) kids++;
            /* a failed child counts until the group has heard of it */
            REQUIRE(g->live == kids + GROUP_UNHEARD(g), "task %d's group counts %u children, %u are "
                    "alive and %u failed unheard", (int)i, (unsigned)g->live, (unsigned)kids,
                    (unsigned)GROUP_UNHEARD(g));
        }
    }
}

/* Once every loop is quiet (nothing ready, no event set since its last
 * iteration), no task may still wait on an event that was set after it began
 * waiting: the set was lost and nothing will ever wake it. */
static void check_wakeups(void) {
    int li, k;
    for (li = 0; li < W.nloops; li++)
        if (W.l[li].up && !quiet(li)) return;
    for (li = 0; li < W.nloops; li++) {
        if (!W.l[li].up) continue;
        for (k = 0; k < NEV; k++) {
            aio_event *ev = &W.l[li].ev[k];
            const aio_link *n;
            for (n = ev->waiters.next; n && n != &ev->waiters; n = n->next) {
                const aio_task *t = ((const aio_waiter *)(const void *)n)->task;
                const slot *s = slot_of(t);
                if (!s || n != &t->wait.link || s->ev_wait != ev) continue;
                REQUIRE(t->await.ticket == ev->sets || ev->sets == s->ev_sets_before,
                        "task %d waits on event %d of loop %d, set %u times since it began "
                        "waiting, and nothing will wake it (a lost wake-up)",
                        s->idx, k, li, (unsigned)(ev->sets - s->ev_sets_before));
            }
        }
    }
}

/* Is level l's block cancelling what runs inside it (its deadline noticed,
 * its group aborted)? With `delivered`, only if that was delivered already
 * (a cancellation still undelivered when a cleanup begins may cancel it). */
static int level_cancelling(const level *l, int delivered) {
    if (l->kind == K_GROUP)
        return ((l->g.flags & AIO__G_ABORTED) || (l->g.scope.flags & AIO__S_EXPIRED)) &&
               (!delivered || (l->g.scope.flags & AIO__S_DELIVERED));
    if (l->kind == K_TIMEOUT || l->kind == K_SHIELDED || l->kind == K_CALL)
        return (l->to.flags & AIO__S_EXPIRED) && (!delivered || (l->to.flags & AIO__S_DELIVERED));
    return 0;
}
/* ... and the scopes beyond the task's own (a group child's parent's): a
 * mask of those cancelling, innermost first */
static unsigned outer_cancelling(const slot *s, int delivered) {
    const aio_timeout *sc;
    unsigned m = 0, bit = 1;
    for (sc = s->group ? &s->group->scope : NULL; sc && bit; sc = sc->parent, bit <<= 1) {
        if (delivered && !(sc->flags & AIO__S_DELIVERED)) continue;
        if (sc->flags & AIO__S_EXPIRED) m |= bit;
        if ((sc->flags & AIO__S_GROUP) && (AIO_CONTAINER(sc, aio_group, scope)->flags & AIO__G_ABORTED))
            m |= bit;
    }
    return m;
}
/* A cleanup section begins at level base: what cancelled around it and was
 * delivered before must stay unseen; only what is still undelivered, or comes
 * later, cancels it. */
static void cleanup_begin(slot *s, level *base) {
    int d;
    base->cl = 1;
    base->cl_mask = 0;
    for (d = 0; d < base->depth; d++)
        if (level_cancelling(&s->lv[d], 1)) base->cl_mask |= 1u << d;
    base->cl_cancels = s->cancels;
    base->cl_pending = (s->task.flags & AIO__T_CANCEL_REQ) != 0;
    base->cl_outer = outer_cancelling(s, 1);
    base->cl_epoch = s->task.cancels;
}
/* Has something cancelled the cleanup section that level l runs in since it
 * began (or it is no cleanup)? */
static int cleanup_cancelled(const slot *s, const level *l) {
    int d;
    if (!l->cl) return 1;
    if (s->cancels > l->cl_cancels || l->cl_pending || s->enospc ||
        (outer_cancelling(s, 0) & ~l->cl_outer) || s->task.cancels != l->cl_epoch ||
        (s->task.flags & AIO__T_CANCEL_REQ)) /* also a cancel by the library (a parent's wait) */
        return 1;
    for (d = 0; d < l->depth; d++)
        if (level_cancelling(&s->lv[d], 0) && !((l->cl_mask >> d) & 1)) return 1;
    return 0;
}
/* The body of the block (or call) at level l runs at level in. */
static void open_level(const level *l, level *in) {
    in->depth = l->depth + 1;
    in->cl = l->cl;
    in->cl_mask = l->cl_mask;
    in->cl_cancels = l->cl_cancels;
    in->cl_pending = l->cl_pending;
    in->cl_outer = l->cl_outer;
    in->cl_epoch = l->cl_epoch;
}
static int scope_open(const aio_timeout *sc) {
    return sc->state == AIO__S_ENTERED || sc->state == AIO__S_FIRST || sc->state == AIO__S_BODY ||
           sc->state == AIO__S_JOIN;
}
/* A block's body begins: the scope or group (maybe used before, left by its
 * end, a break, a return or a cancellation) starts clean. */
static void group_entered(slot *s, level *l) {
    size_t j;
    REQUIRE(l->g.live == 0 && GROUP_UNHEARD(&l->g) == 0 && aio__list_empty(&l->g.children) &&
                aio_group_status(&l->g) == AIO_OK && !(l->g.flags & AIO__G_ABORTED),
            "task %d's group starts with %u children counted, %s", s->idx, (unsigned)l->g.live,
            aio__list_empty(&l->g.children) ? "none listed" : "old ones listed");
    for (j = 0; j < NT; j++)
        REQUIRE(W.s[j].group != &l->g || !alive(&W.s[j]), "task %d's group starts while child %d of its "
                "last use is alive", s->idx, (int)j);
    l->gen = ++W.gens;
    l->gcancelled = 0;
    l->gchild_failed = 0;
    l->abandoned = 0;
}
static void scope_entered(slot *s, level *l) {
    REQUIRE(l->to.task == &s->task && l->to.state == AIO__S_BODY && aio_timeout_status(&l->to) == AIO_OK &&
                aio_timeout_when(&l->to) == l->block_deadline,
            "task %d's block starts unclean (state %d, status %d, deadline %s)", s->idx, l->to.state,
            aio_timeout_status(&l->to), aio_timeout_when(&l->to) == l->block_deadline ? "right" : "wrong");
}
/* A group block that ran in a cleanup section ended: whatever the cleanup
 * started ran, unless something cancelled the cleanup (or the group: its
 * own cancel, a child's failure, the body's error, a cancel of the child). */
static void group_left_in_cleanup(const slot *s, const level *l) {
    size_t j;
    /* (a deadline given to the group's own scope, by a reschedule of the
     * task's innermost block, cancels the group too) */
    int failed = l->gcancelled || l->gchild_failed || (l->rc < 0 && l->rc != AIO_ECANCELED) ||
                 aio_timeout_when(&l->g.scope) != AIO_NEVER;
    if (!l->cl || cleanup_cancelled(s, l)) return;
    for (j = 0; j < NT; j++) {
        const slot *c = &W.s[j];
        if (c->group == &l->g && c->group_gen == l->gen && c->task.state == AIO__DONE &&
            aio_task_result(&c->task) < 0 && aio_task_result(&c->task) != AIO_ECANCELED)
            failed = 1;
    }
    if (failed) return;
    /* The rule: a child is not cancelled before it starts by the cancellation
     * that brought the cleanup there. (One that has run may meet causes this
     * checker does not follow: a deadline moved onto a block it opened, the
     * cancel of a group of its own.) */
    for (j = 0; j < NT; j++) {
        const slot *c = &W.s[j];
        /* (an AIO_WAIT_FOR of the owner that timed out cancels it, as asyncio's;
         * so does an owned wait that a block's deadline inside the group
         * unwound: it passes that cancellation on) */
        if (c->group != &l->g || c->group_gen != l->gen || c->cancels || c->ran || c->owner_wait_ended)
            continue;
        REQUIRE(aio_task_result(&c->task) != AIO_ECANCELED,
                "task %d's group opened in a cleanup section cancelled its child %d before it "
                "started though nothing cancelled the cleanup", s->idx, c->idx);
    }
}

static void check_world(void) {
    int li;
    for (li = 0; li < W.nloops; li++)
        if (W.l[li].up) check_loop(li);
    check_wakeups();
}

/* A task that just finished: its result follows from what its body did, and
 * nothing it owns is still alive and tied to it. */
static void check_finished(slot *s) {
    aio_status r = aio_task_result(&s->task);
    size_t j;
    s->done_seen = 1;
    s->result = r;
    for (j = 0; j < NT; j++) {
        const slot *c = &W.s[j];
        const aio_link *n;
        if (!alive(c) || c->task.parent != &s->task) continue;
        REQUIRE(!c->group || c->group->scope.task != &s->task ||
                    AIO_CONTAINER(c->group, level, g)->abandoned, /* misuse: the group was left plainly */
                "task %d ended while its group's child %d is alive", s->idx, c->idx);
        for (n = c->task.run.joiners.next; n && n != &c->task.loop->joined_end; n = n->next)
            REQUIRE(((const aio_waiter *)(const void *)n)->task != &s->task,
                    "task %d ended while its child %d is alive and still holds its wait", s->idx,
                    c->idx);
    }
    if (r == AIO_ENOSPC || s->finally_status == AIO_ENOSPC)
        REQUIRE(W.enospc > 0, "task %d ended with AIO_ENOSPC, which the library never reported", s->idx);
    if (!s->ran) {
        REQUIRE(r == AIO_ECANCELED, "task %d ended %d without running", s->idx, r);
        REQUIRE(s->cancel_before_start || s->group || !s->external_parent,
                "task %d never ran yet nobody cancelled it", s->idx);
        return;
    }
    REQUIRE(s->in_finally, "task %d ended without running its cleanup section", s->idx);
    if (s->ret_set) REQUIRE(s->finally_status == s->ret, "task %d returned %d but its cleanup saw %d",
                            s->idx, s->ret, s->finally_status);
    else REQUIRE(s->finally_status < 0, "task %d reached cleanup with %d without returning", s->idx,
                 s->finally_status);
    if (s->cleanup_done && s->final_set) { /* the cleanup program raised or returned */
        REQUIRE(r == s->final_want || (r == AIO_ECANCELED && s->final_want >= 0),
                "task %d ended %d after its cleanup replaced %d with %d", s->idx, r, s->finally_status,
                s->final_want);
    } else if (s->cleanup_done) {
        REQUIRE(r == s->finally_status || (r == AIO_ECANCELED && s->finally_status >= 0),
                "task %d ended %d after its cleanup saw %d", s->idx, r, s->finally_status);
    } else if (r == AIO_ENOSPC) { /* the cleanup's sleep found no timer slot */
        REQUIRE(s->enospc_in_finally, "task %d's cleanup ended with AIO_ENOSPC nobody reported to it",
                s->idx);
    } else {
        REQUIRE(r == AIO_ECANCELED, "task %d's cleanup was cut short, yet it ended %d", s->idx, r);
        REQUIRE(s->cancels_in_finally > 0 || s->pending_at_finally || s->group || !s->external_parent,
                "task %d's cleanup was cancelled by the cancellation it was handling", s->idx);
    }
    if (r >= 0 && !s->final_set)
        REQUIRE(s->cancels == 0, "task %d was cancelled yet ended with value %d", s->idx, r);
    /* only aio_cancel reaches a task nobody owns, outside any group */
    if (s->external_parent && !s->group && (s->finally_status == AIO_ECANCELED || r == AIO_ECANCELED))
        REQUIRE(s->cancels > 0, "task %d ended cancelled though nobody cancelled it", s->idx);
}

static void observe_all(void) {
    size_t i;
    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        if (s->task.state == AIO__DONE && !s->done_seen) check_finished(s);
        /* a cancel request is delivered or still pending until the task ends */
        if (s->cancels && alive(s))
            REQUIRE((s->task.flags & AIO__T_CANCEL_REQ) || s->task.cancels,
                    "task %d's cancel request vanished", s->idx);
    }
    check_world();
}

/* Does a cancellation apply to t's code right now (a checkpoint would raise)?
 * The library's own rule, read without noticing anything. */
static int cancel_applies(const slot *s) {
    const aio_task *t = &s->task;
    const aio_timeout *sc;
    for (sc = t->scope; sc; sc = sc->parent) {
        if (!(sc->flags & AIO__S_EXPIRED) && aio__due(sc->deadline, snow(s))) return 1;
        if (sc->flags & AIO__S_SHIELD) break;
    }
    return aio__cancel_source((aio_task *)t, 0) != NULL;
}

/* An await that returned normally: if a cancellation applied when it began,
 * only work already complete then may win (L2 with L3). */
static void check_arrival(const slot *s, const level *l) {
    REQUIRE(!l->cancel_at_arrival || l->complete_at_arrival,
            "task %d's await (op %d) went on though a cancellation applied when it began", s->idx,
            l->op);
}

/* What the task's own blocks (up to its first group: a group's children share
 * what lies beyond it) and its own cancel requests have had delivered. An
 * await that delivers a cancellation unwinds; one that returns a value after
 * delivering it has lost the cancellation. */
static void delivered(const aio_task *t, uint32_t *epoch, uint32_t *scopes) {
    const aio_timeout *sc;
    *epoch = t->cancels;
    *scopes = 0;
    for (sc = t->scope; sc && sc->task == t && !(sc->flags & AIO__S_GROUP); sc = sc->parent)
        if (sc->flags & AIO__S_DELIVERED) ++*scopes;
}
static void check_not_lost(const slot *s, const level *l) {
    uint32_t epoch, scopes;
    if (fz_trace) fprintf(stderr, "          task %d  level %d  op %d returned %d\n", s->idx, l->depth, l->op, l->rc);
    delivered(&s->task, &epoch, &scopes);
    REQUIRE(epoch == l->sig_epoch && scopes == l->sig_scopes,
            "task %d's await (op %d) took a cancellation and then returned %d instead of unwinding",
            s->idx, l->op, l->rc);
}

/* ------------------------------------------------------- wrapped actions */

static aio_status body(aio_task *t);

static void model_spawned(slot *s, int external, aio_group *g, int li) {
    aio_group *keep = g;
    s->spawned++;
    s->lp = li;
    s->ran = s->done_seen = s->in_finally = s->cleanup_done = s->ret_set = 0;
    s->owner_wait_ended = 0;
    s->result = s->finally_status = 0;
    s->cancels = s->cancels_in_finally = s->cancel_before_start = s->pending_at_finally = 0;
    s->external_parent = external;
    s->waits_on = 0;
    s->holds_lock = s->holds_sem = s->waiting_res = 0;
    s->group = keep;
    s->group_child = keep != NULL;
    s->enospc = 0;
    s->enospc_in_finally = 0;
    s->ev_wait = NULL;
    s->rearm_woke = 0;
    s->cleanup_prog = s->final_set = 0;
    s->in_cwf = 0;
    s->owned_wait = 0;
    s->wfc_expect = 0;
    s->group_gen = keep ? AIO_CONTAINER(keep, level, g)->gen : 0;
}

/* Someone awaits slot k: it must not be spawned again under them. */
static int awaited_by_someone(int k) {
    size_t i;
    for (i = 0; i < NT; i++)
        if (alive(&W.s[i]) && (W.s[i].waits_on & (1u << k))) return 1;
    return 0;
}

/* Spawn slot k on the running loop (a task's own, or the one the driver
 * stepped or initialised last). */
static void fz_spawn(int k, int external, aio_group *g) {
    slot *s = &W.s[k];
    int was_alive = alive(s);
    int li = loop_index(aio_running_loop());
    aio_status rc, want;
    int group_ok = !g || ((g->scope.state == AIO__S_FIRST || g->scope.state == AIO__S_BODY ||
                           g->scope.state == AIO__S_JOIN) && !(g->flags & AIO__G_ABORTED));
    if (s->task.state == AIO__DONE && !s->done_seen) check_finished(s); /* ended in this step */
    if (s->task.state == AIO__DONE && s->group && s->result < 0 && s->result != AIO_ECANCELED &&
        AIO_CONTAINER(s->group, level, g)->gen == s->group_gen)
        AIO_CONTAINER(s->group, level, g)->gchild_failed = 1; /* (the slot forgets it once spawned again) */
    if (!was_alive && awaited_by_someone(k)) return; /* would hand them another incarnation */
    if (!was_alive && ++W.spawns > MAX_SPAWNS) return; /* tasks spawning each other forever */
    want = (was_alive || !group_ok || li < 0) ? AIO_EINVAL : AIO_OK;
    rc = g ? aio_group_spawn(g, &s->task, body) : aio_spawn(&s->task, body);
    REQUIRE(rc == want, "spawn of task %d returned %d, expected %d", k, rc, want);
    if (rc == AIO_OK) {
        model_spawned(s, external, g, li);
        REQUIRE(s->task.state == AIO__READY, "a spawned task is not ready");
    }
}

static void fz_cancel(int k) {
    slot *s = &W.s[k];
    int st = s->task.state;
    int rc = aio_cancel(&s->task);
    int want = st == AIO__NEW ? AIO_EINVAL : st == AIO__DONE ? 0 : 1;
    if (st == AIO__READY && s->ran && !s->in_finally)
        feature(FT_CANCEL_READY + s->lv[s->depth_now].op * 2 + s->rearm_woke);
    REQUIRE(rc == want, "aio_cancel of task %d in state %d returned %d", k, st, rc);
    if (rc == 1) {
        s->cancels++;
        if (s->in_finally) s->cancels_in_finally++;
        if (!(s->task.flags & AIO__T_STARTED)) s->cancel_before_start = 1;
    }
}

/* The innermost open timeout block (not a group) of task k, if any. */
static aio_timeout *innermost_block(int k) {
    aio_timeout *sc = W.s[k].task.scope;
    if (!alive(&W.s[k]) || !sc || sc->task != &W.s[k].task || (sc->flags & AIO__S_GROUP)) return NULL;
    return sc;
}
static aio_group *innermost_group(int k) {
    aio_timeout *sc;
    if (!alive(&W.s[k])) return NULL;
    for (sc = W.s[k].task.scope; sc && sc->task == &W.s[k].task; sc = sc->parent)
        if (sc->flags & AIO__S_GROUP) return AIO_CONTAINER(sc, aio_group, scope);
    return NULL;
}

/* Move task k's innermost block (it may belong to the other loop); x picks
 * the new deadline, AIO_NEVER included, and a block without a deadline may
 * get one while every timer slot is taken. */
static void fz_reschedule(int k, uint8_t x) {
    aio_timeout *sc = innermost_block(k);
    aio_status rc, want;
    aio_time when;
    if (!sc) return;
    /* a shielded block keeps a deadline: one that never ends would hold its
     * cancellations back forever, which is what it is for */
    when = after(snow(&W.s[k]), (sc->flags & AIO__S_SHIELD) ? fin_dur(x) : dur(x));
    int parked[NT], j;
    for (j = 0; j < NT; j++) parked[j] = W.s[j].task.state == AIO__PARKED;
    want = (sc->flags & AIO__S_EXPIRED) ? AIO_EINVAL : AIO_OK;
    rc = aio_timeout_reschedule(sc, when);
    REQUIRE(rc == want, "reschedule returned %d, expected %d", rc, want);
    if (rc == AIO_OK) REQUIRE(aio_timeout_when(sc) == when, "reschedule did not move the deadline");
    for (j = 0; j < NT; j++) /* woken: a deadline it now has could not be armed */
        if (parked[j] && W.s[j].task.state == AIO__READY) {
            W.s[j].rearm_woke = 1;
            feature(FT_REARM_WOKE + W.s[j].lv[W.s[j].depth_now].op * 4 + W.s[j].waiting_res);
        }
}

static void fz_group_cancel(int k) {
    aio_group *g = innermost_group(k);
    int want, rc;
    if (!g) return;
    want = !(g->flags & AIO__G_ABORTED) && g->scope.state != AIO__S_DONE;
    rc = aio_group_cancel(g);
    REQUIRE(rc == want, "aio_group_cancel returned %d, expected %d", rc, want);
    if (rc == 1) AIO_CONTAINER(g, level, g)->gcancelled = 1;
}

/* Task s takes the lock (an acquire, or a condition wait giving it back): no
 * other task may hold it. */
static void gain_lock(slot *s) {
    size_t j;
    for (j = 0; j < NT; j++)
        REQUIRE(j == (size_t)s->idx || !W.s[j].holds_lock || W.s[j].lp != s->lp,
                "tasks %d and %d hold the lock at once", (int)j, s->idx);
    s->holds_lock = 1;
}
static void gain_permit(slot *s) {
    size_t j;
    int held = 0;
    for (j = 0; j < NT; j++)
        if (W.s[j].lp == s->lp) held += W.s[j].holds_sem;
    REQUIRE(held < SEM_PERMITS, "task %d took a permit while %d of %d are held", s->idx, held,
            SEM_PERMITS);
    s->holds_sem++;
}
/* A condition wait that ended (returned or unwinding) holds the lock again. */
/* The condition waits in loop li's list that no notification reached yet. */
static unsigned listed_waiters(int li) {
    const aio_link *n;
    unsigned m = 0;
    for (n = W.l[li].cond.waiters.next; n && n != &W.l[li].cond.waiters; n = n->next) {
        const slot *w = slot_of(((const aio_waiter *)(const void *)n)->task);
        if (w && n == &w->task.wait.link && !(w->task.flags & AIO__T_GRANTED)) m |= 1u << w->idx;
    }
    return m;
}
/* Notify (n waiters, all if n is 0), noting whom it woke and who stood
 * behind them. */
static int fz_notify(slot *s, int n) {
    unsigned before = listed_waiters(s->lp), after, j, k;
    int woken = n ? aio_condition_notify(&LW(s)->cond, n) : aio_condition_notify_all(&LW(s)->cond);
    after = listed_waiters(s->lp);
    for (j = 0; j < NT; j++) {
        slot *w = &W.s[j];
        if (!((before & ~after) >> j & 1) || w->in_cwf) continue;
        w->notified = 1;
        w->behind = after;
        for (k = 0; k < NT; k++) w->behind_serial[k] = W.s[k].cw_serial;
    }
    return woken;
}
/* A notified condition wait that gives up (times out, or unwinds) passes the
 * notification on to the next waiter (CPython 3.13): of the waits that stood
 * behind it, one that still waits unreached is then not the first of them. */
static void cond_gave_up(slot *s) {
    unsigned still, k;
    if (!s->notified || !s->behind) return;
    still = listed_waiters(s->lp) & s->behind;
    for (k = 0; k < NT; k++)
        if (W.s[k].cw_serial != s->behind_serial[k]) still &= ~(1u << k);
    REQUIRE(still != s->behind || !still, "task %d was notified, then gave up its condition wait, and "
            "none of the waits behind it was woken: the notification was lost", s->idx);
}
static void cond_wait_ended(slot *s) {
    if (s->waiting_res == 3) {
        gain_lock(s);
        if (!s->in_cwf) cond_gave_up(s); /* it unwound */
    }
    s->waiting_res = 0;
    s->notified = 0;
}

/* Would task `self` waiting on the tasks in `mask` close a cycle of waits? */
static unsigned waits_of(int i) {
    unsigned m = W.s[i].waits_on;
    size_t j;
    for (j = 0; j < NT; j++) { /* a group's owner waits for its children */
        if (W.s[j].group && W.s[j].group->scope.task == &W.s[i].task && alive(&W.s[j])) m |= 1u << j;
        /* and a condition waiter for the lock's holder: taking the lock back
         * ignores cancellation, so that wait ends only when the holder lets go */
        if (W.s[i].waiting_res == 3 && j != (size_t)i && W.s[j].holds_lock && W.s[j].lp == W.s[i].lp &&
            alive(&W.s[j]))
            m |= 1u << j;
    }
    return alive(&W.s[i]) ? m : 0;
}
static int closes_cycle(int self, unsigned mask) {
    unsigned seen = 0, frontier = mask;
    while (frontier) {
        int j;
        unsigned next = 0;
        for (j = 0; j < NT; j++)
            if ((frontier & (1u << j)) && !(seen & (1u << j))) {
                if (j == self) return 1;
                seen |= 1u << j;
                next |= waits_of(j);
            }
        frontier = next & ~seen;
    }
    return 0;
}

/* With FUZZ_TRACE set: every task's state, for reading a failure. */
static void fz_dump(void) {
    size_t i;
    int li;
    if (!getenv("FUZZ_TRACE")) return;
    for (li = 0; li < W.nloops; li++) {
        const loopw *w = &W.l[li];
        fprintf(stderr, "loop %d: up %d lock locked=%d sem=%d ready=%d heap=%u/%u signalled=%d\n", li,
                w->up, w->lock.locked, w->sem.value, !aio__list_empty(&w->loop.ready),
                (unsigned)w->loop.heap_len, (unsigned)w->loop.heap_cap, w->loop.signalled != NULL);
    }
    for (i = 0; i < NT; i++) {
        const slot *s = &W.s[i];
        fprintf(stderr, "task %d: loop %d state %d flags %#x parent %d holds lock %d sem %d waiting %d "
                        "waits_on %#x group %d cancels %d finally %d\n",
                (int)i, s->lp, s->task.state, s->task.flags,
                s->task.parent && slot_of(s->task.parent) ? slot_of(s->task.parent)->idx : -1,
                s->holds_lock, s->holds_sem, s->waiting_res, s->waits_on, s->group != NULL, s->cancels,
                s->in_finally);
    }
}

/* ----------------------------------------------------------- the program */

/* A child's cancellations so far: requests, deliveries, and aio_cancel
 * calls the model made (one number that changes with each). */
static uint32_t child_cancels(const slot *c) {
    return (uint32_t)c->cancels * 65536u + c->task.cancels * 2u + ((c->task.flags & AIO__T_CANCEL_REQ) != 0);
}
static void wait_began(slot *s, unsigned owned) {
    int k;
    s->owned_wait = owned;
    s->enospc_at_wait = s->enospc;
    for (k = 0; k < NT; k++) {
        s->child_cancel_at_wait[k] = child_cancels(&W.s[k]);
        s->child_model_cancels_at_wait[k] = W.s[k].cancels;
    }
}
/* 1 if child k was cancelled since s's await began: a cancel made since
 * (the request flag set, or one delivered that was not pending then). A
 * request already pending when the await began and delivered since is not
 * the await's doing (a cancel of the await's own while it was pending would
 * have joined it, and the await then waits for the child). */
static int cancelled_since_wait(const slot *s, int k) {
    uint32_t then = s->child_cancel_at_wait[k], now = child_cancels(&W.s[k]);
    if (now == then) return 0;
    return !((then & 1) && !(now & 1));
}
/* The task goes on after an await unwound (a block caught it, or a cleanup
 * section runs): the await that unwound waited for its own children, which
 * it cancelled and waited for first (unless it raised AIO_ENOSPC without
 * cancelling them: a child cancelled meanwhile by someone else, an
 * aio_cancel of the model, is not the await's doing); AIO_WAIT_FOR_CALL
 * with time left started its callee. */
static void unwound(slot *s) {
    int k;
    for (k = 0; k < NT; k++) {
        const aio_task *c = &W.s[k].task;
        if (!((s->owned_wait >> k) & 1)) continue;
        W.s[k].owner_wait_ended = 1; /* (what unwound the await cancelled it) */
        if (c->state == AIO__DONE) continue;
        REQUIRE(s->enospc != s->enospc_at_wait &&
                    (!cancelled_since_wait(s, k) || W.s[k].cancels != s->child_model_cancels_at_wait[k]),
                "task %d's await unwound while its own child %d %s", s->idx, k,
                cancelled_since_wait(s, k) ? "it cancelled is still running" : "is still running");
    }
    s->owned_wait = 0;
    REQUIRE(!s->wfc_expect, "task %d's AIO_WAIT_FOR_CALL ended without starting its callee, though "
            "its own deadline had not passed", s->idx);
}

static void before_op(slot *s, level *l) {
    if (fz_trace)
        fprintf(stderr, "%6lu us  task %d  level %d  op %d a=%d b=%d\n",
                (unsigned long)((uint64_t)(aio_time)(snow(s) - W.t0) * 1000000u / AIO_TICKS_PER_SEC),
                s->idx, l->depth,
                l->op, l->a, l->b);
    REQUIRE(aio_current() == &s->task && s->task.state == AIO__RUNNING,
            "task %d runs but is not the current task", s->idx);
    REQUIRE(!s->in_finally || s->cleanup_prog, "task %d runs its body after entering cleanup", s->idx);
    unwound(s);
    s->waits_on = 0;
    s->in_cwf = 0;
    s->ev_wait = NULL;
    s->rearm_woke = 0;
    cond_wait_ended(s); /* a condition wait unwinds holding the lock */
    s->depth_now = l->depth;
    l->explicit_raise = 0;
    check_scopes(s, l->depth);
}

/* Would AIO_WAIT / AIO_GATHER of level l be satisfied without waiting? */
static int many_met_now(const level *l) {
    size_t j, done = 0, failed = 0, errors = 0;
    for (j = 0; j < l->n; j++) {
        const aio_task *c = l->items[j].task;
        if (c->state != AIO__DONE) continue;
        done++;
        if (c->frame.rc < 0) errors++;
        if (c->frame.rc < 0 && c->frame.rc != AIO_ECANCELED) failed++;
    }
    if (l->op == OP_GATHER) return done == l->n || (!(l->b & 128) && errors > 0);
    switch (1 + (l->b >> 5) % 3) {
    case AIO_FIRST_COMPLETED: return done > 0;
    case AIO_FIRST_EXCEPTION: return failed > 0 || done == l->n;
    default: return done == l->n;
    }
}

/* An event is set (by a task or the driver's interrupt). */
static void fz_event_set(int li, aio_event *ev) {
    if (W.l[li].lives > 1)
        feature(FT_LATER_LIFE + (int)((W.l[li].queued_at_destroy >> (ev - W.l[li].ev)) & 1) * 4 + 2 +
                !aio__list_empty(&ev->waiters));
    aio_event_set(ev);
}

/* An event of the task's own loop, or in the fault mode with two loops (a's
 * bit 1) of the other one. */
static int ev_loop(const slot *s, uint8_t a) {
    return W.nloops > 1 && ((a >> 1) & 1) ? 1 - s->lp : s->lp;
}

static int pick_target(const slot *s, uint8_t a) {
    int k = a % NT;
    return k == s->idx ? (k + 1) % NT : k;
}

/* A block's body: the next level of the program, inline. Errors go on
 * unwinding (like exceptions); a `return` inside goes on returning; a
 * `break` inside leaves the block (directly in it: no loop of its own). */
#define RUN_BODY(t, l, in)                                                     \
    {                                                                          \
        AIO_CALL(t, (l)->rc, interp, in);                                      \
        if ((l)->rc < 0) {                                                     \
            (l)->explicit_raise = 1;                                           \
            AIO_RAISE(t, (l)->rc);                                             \
        }                                                                      \
        (l)->body_done = 1;                                                    \
        if ((l)->rc == BRK) break; /* the block only (lint-coroutines: ok) */  \
        if ((l)->rc == PLAIN) {                                                \
            if ((l)->kind == K_GROUP) (l)->abandoned = 1; /* (until it opens again) */ \
            return RET_BASE + 50; /* misuse on purpose (lint-coroutines: ok) */ \
        }                                                                      \
        if (IS_RET((l)->rc)) AIO_RETURN(t, (l)->rc);                           \
    }

static aio_status callee(aio_task *t, callst *c);

/* One level of a task's program: an inline coroutine, so blocks nest by
 * calling it again for their bodies. */
static aio_status interp(aio_task *t, level *l) {
    slot *s = AIO_SELF(t, slot);
    level *in = l + 1;
    AIO_BEGIN(t, l);
    s->wfc_expect = 0; /* a callee started */
    while (l->pc + 3 <= l->end) {
        l->op = (uint8_t)(l->pc[0] % OP_COUNT);
        l->a = l->pc[1];
        l->b = l->pc[2];
        l->pc += 3;
        before_op(s, l);
        l->cancel_at_arrival = cancel_applies(s);
        l->complete_at_arrival = 0;
        delivered(t, &l->sig_epoch, &l->sig_scopes);
        if (l->op == OP_SLEEP || l->op == OP_YIELD) {
            l->start = snow(s);
            l->until = l->op == OP_YIELD ? 0 : fin_dur(l->a);
            if (l->op == OP_YIELD) AIO_YIELD(t);
            else AIO_SLEEP(t, l->until);
            check_arrival(s, l);
            check_not_lost(s, l);
            if (l->op == OP_SLEEP) {
                aio_time due = after(l->start, l->until);
                REQUIRE(reached(s, due), "task %d's sleep ended early", s->idx);
                if (W.exact) REQUIRE(snow(s) == due, "task %d's sleep ended late", s->idx);
            }
        } else if (l->op <= OP_WAIT_FOR_CALL) { /* a block around a nested program */
            l->blen = (int)(l->b % 6) * 3;
            if (l->blen > (int)(l->end - l->pc)) l->blen = (int)(l->end - l->pc);
            if (l->depth + 1 >= DEPTH) {
                l->pc += l->blen; /* too deep: skip the body */
                continue;
            }
            in->pc = l->pc;
            in->end = l->pc + l->blen;
            open_level(l, in);
            l->pc += l->blen;
            l->body_done = 0;
            l->start = snow(s);
            l->rc = 0;
            if (l->op == OP_GROUP) {
                l->kind = K_GROUP;
                AIO_GROUP(t, &l->g) {
                    group_entered(s, l);
                    RUN_BODY(t, l, in);
                }
                before_op(s, l);
                group_left_in_cleanup(s, l);
                /* after the block: every child finished */
                {
                    size_t j;
                    for (j = 0; j < NT; j++)
                        REQUIRE(W.s[j].group != &l->g || !alive(&W.s[j]),
                                "a group block ended with a child still running");
                }
                /* a failed group continues here with its status; pass it on */
                if (aio_group_status(&l->g) < 0 && (l->b & 64)) {
                    l->explicit_raise = 1;
                    AIO_RAISE(t, aio_group_status(&l->g));
                }
            } else if (l->op == OP_WAIT_FOR_CALL) {
                l->kind = K_CALL;
                l->until = dur(l->a);
                l->block_deadline = after(l->start, l->until);
                s->wfc_expect = l->until != 0 && !W.fault;
                AIO_WAIT_FOR_CALL(t, l->rc, interp, in, &l->to, l->until);
                before_op(s, l);
                if (aio_timeout_status(&l->to) == AIO_ETIMEDOUT) {
                    REQUIRE(l->rc == AIO_ETIMEDOUT && aio_timeout_expired(&l->to) &&
                                reached(s, aio_timeout_when(&l->to)),
                            "wait_for(call) timed out before its deadline");
                } else {
                    l->explicit_raise = 1;
                    if (l->rc < 0) AIO_RAISE(t, l->rc);
                    l->explicit_raise = 0;
                    if (IS_RET(l->rc)) AIO_RETURN(t, l->rc);
                }
            } else {
                l->kind = l->op == OP_SHIELDED ? K_SHIELDED : K_TIMEOUT;
                if (l->op == OP_SHIELDED) { /* a shield always ends: no hang by construction */
                    l->until = fin_dur(l->a);
                    l->block_deadline = after(l->start, l->until);
                    AIO_SHIELDED(t, &l->to, l->until) {
                        scope_entered(s, l);
                        RUN_BODY(t, l, in);
                    }
                } else if (l->op == OP_TIMEOUT) {
                    l->until = dur(l->a);
                    l->block_deadline = after(l->start, l->until);
                    AIO_TIMEOUT(t, &l->to, l->until) {
                        scope_entered(s, l);
                        RUN_BODY(t, l, in);
                    }
                } else if (l->a & 1) { /* timeout_at(None): with wrapping ticks every
                                          absolute value is an instant, so the relative form */
                    l->block_deadline = AIO_NEVER;
                    AIO_TIMEOUT(t, &l->to, AIO_NEVER) {
                        scope_entered(s, l);
                        RUN_BODY(t, l, in);
                    }
                } else {
                    l->block_deadline = after(snow(s), fin_dur(l->a));
                    AIO_TIMEOUT_AT(t, &l->to, l->block_deadline) {
                        scope_entered(s, l);
                        RUN_BODY(t, l, in);
                    }
                }
                before_op(s, l);
                if (aio_timeout_status(&l->to) == AIO_ETIMEDOUT) {
                    REQUIRE(aio_timeout_expired(&l->to), "a block timed out without expiring");
                    REQUIRE(reached(s, aio_timeout_when(&l->to)), "task %d's block timed out early", s->idx);
                    REQUIRE(!l->body_done, "a block that completed reports a timeout");
                } else {
                    REQUIRE(l->body_done, "task %d left a block it neither finished nor timed out",
                            s->idx);
                }
            }
            l->kind = K_TOP;
        } else if (l->op == OP_CALL) { /* an inline coroutine with its own cleanup */
            l->blen = (int)(l->b % 6) * 3;
            if (l->blen > (int)(l->end - l->pc)) l->blen = (int)(l->end - l->pc);
            if (l->depth + 1 >= DEPTH) {
                l->pc += l->blen;
                continue;
            }
            /* the last a % 4 operations of the body are the callee's cleanup */
            l->k = l->a % 4;
            if (l->k > l->blen / 3) l->k = l->blen / 3;
            l->body_end = l->pc + l->blen - 3 * l->k;
            l->cl_end = l->pc + l->blen;
            in->pc = l->pc;
            open_level(l, in);
            l->pc += l->blen;
            l->kind = K_INLINE;
            l->crc = 0;
            AIO_CALL(t, l->crc, callee, &l->cs);
            before_op(s, l);
            l->kind = K_TOP;
            l->explicit_raise = 1;
            if (l->crc < 0 && !(l->b & 64)) AIO_RAISE(t, l->crc); /* else caught */
            l->explicit_raise = 0;
        } else if (l->op == OP_BREAK) {
            AIO_RETURN(t, BRK); /* the block around this level ends */
        } else if (l->op == OP_PLAIN_RETURN) {
            AIO_RETURN(t, PLAIN); /* the level of the block around this one returns plainly */
        } else if (l->op == OP_COND_WAIT_FOR) {
            /* wait_for(pred, timeout): pred is the loop's flag, set by a task
             * holding the lock; only tasks nobody owns, as for cond_wait */
            if (!s->holds_lock || !s->external_parent || s->group) continue;
            l->start = snow(s);
            l->until = WAIT_DUR(l, l->b);
            s->cwf_deadline = after(l->start, l->until);
            /* a predicate that holds already: no wait, no checkpoint (as
             * Condition.wait_for) */
            l->complete_at_arrival = LW(s)->flag != 0;
            s->in_cwf = 1;
            s->cw_serial++;
            s->holds_lock = 0;
            s->waiting_res = 3;
            AIO_COND_WAIT_FOR(t, l->rc, &LW(s)->cond, LW(s)->flag != 0, l->until);
            s->in_cwf = 0;
            cond_wait_ended(s);
            check_arrival(s, l);
            check_not_lost(s, l);
            REQUIRE(aio_lock_locked(&LW(s)->lock), "AIO_COND_WAIT_FOR returned without the lock");
            if (l->rc == AIO_OK) {
                REQUIRE(LW(s)->flag, "AIO_COND_WAIT_FOR returned AIO_OK with its predicate false");
            } else {
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(s, s->cwf_deadline),
                        "AIO_COND_WAIT_FOR ended %d before its deadline", l->rc);
            }
        } else if (l->op == OP_COND_SET) {
            if (!s->holds_lock) continue;
            LW(s)->flag = (l->a & 3) != 0;
            if (l->a & 4) fz_notify(s, 0);
            else if (l->a & 8) fz_notify(s, 1);
        } else if (l->op == OP_SPAWN) {
            fz_spawn(pick_target(s, l->a), 0, NULL);
        } else if (l->op == OP_GSPAWN) {
            if (innermost_group(s->idx)) fz_spawn(pick_target(s, l->a), 0, innermost_group(s->idx));
        } else if (l->op == OP_AWAIT || l->op == OP_WAIT_FOR || l->op == OP_SHIELD) {
            l->k = pick_target(s, l->a);
            if (W.s[l->k].task.state == AIO__NEW) {
                AIO_AWAIT(t, l->rc, &W.s[l->k].task); /* misuse: a clear status, no hang */
                REQUIRE(l->rc == AIO_EINVAL, "awaiting a task never spawned gave %d", l->rc);
                AIO_RAISE(t, l->rc);
            }
            if (W.s[l->k].lp != s->lp) continue; /* a task of another loop */
            if (closes_cycle(s->idx, 1u << l->k)) continue;
            s->waits_on = 1u << l->k;
            l->start = snow(s);
            l->owned = W.s[l->k].task.parent == t && l->op != OP_SHIELD;
            l->complete_at_arrival = W.s[l->k].task.state == AIO__DONE;
            l->until = l->op == OP_AWAIT ? AIO_NEVER : dur(l->b);
            wait_began(s, l->owned ? 1u << l->k : 0);
            if (l->op == OP_AWAIT) AIO_AWAIT(t, l->rc, &W.s[l->k].task);
            else if (l->op == OP_WAIT_FOR) AIO_WAIT_FOR(t, l->rc, &W.s[l->k].task, l->until);
            else if (l->b & 32) AIO_WAIT_FOR_SHIELD(t, l->rc, &W.s[l->k].task, l->until);
            else AIO_SHIELD(t, l->rc, &W.s[l->k].task);
            s->waits_on = 0;
            s->owned_wait = 0;
            check_arrival(s, l);
            check_not_lost(s, l);
            {
                const aio_task *c = &W.s[l->k].task;
                /* a result is delivered, unless the wait's own deadline detached
                 * the waiter first: then the task finished in that same instant,
                 * and its result stays in the task */
                if (c->state == AIO__DONE && c->frame.rc >= 0 && l->rc != c->frame.rc)
                    REQUIRE(l->rc == AIO_ETIMEDOUT && !l->owned && l->op != OP_AWAIT &&
                                reached(s, after(l->start, l->until)) &&
                                (!W.exact || snow(s) == after(l->start, l->until)),
                            "task %d's await dropped result %d (got %d)", s->idx, c->frame.rc, l->rc);
                if (l->rc != AIO_ETIMEDOUT)
                    REQUIRE(c->state == AIO__DONE && l->rc == c->frame.rc,
                            "task %d's await made up %d", s->idx, l->rc);
                if (l->rc == AIO_ETIMEDOUT && l->owned) W.s[l->k].owner_wait_ended = 1;
                if (l->rc == AIO_ETIMEDOUT && c->frame.rc != AIO_ETIMEDOUT) {
                    REQUIRE(l->op != OP_AWAIT && reached(s, after(l->start, l->until)),
                            "task %d's wait_for timed out early", s->idx);
                    if (l->owned) REQUIRE(c->state == AIO__DONE, "wait_for left its own task running");
                    if (W.exact && !l->owned)
                        REQUIRE(snow(s) == after(l->start, l->until), "wait_for timed out late");
                }
            }
            if (l->rc < 0 && l->rc != AIO_ECANCELED && (l->b & 64)) AIO_RAISE(t, l->rc); /* AIO_CHECK */
        } else if (l->op == OP_WAIT || l->op == OP_GATHER) {
            {
                int j;
                unsigned mask = 0;
                l->n = 0;
                for (j = 0; j < NT; j++)
                    if (((l->a >> j) & 1) && j != s->idx && W.s[j].task.state != AIO__NEW &&
                        W.s[j].lp == s->lp) {
                        l->items[l->n++].task = &W.s[j].task;
                        mask |= 1u << j;
                    }
                if (closes_cycle(s->idx, mask) || (l->n == 0 && l->op == OP_WAIT)) continue;
                s->waits_on = mask;
            }
            l->start = snow(s);
            l->until = WAIT_DUR(l, l->b);
            l->complete_at_arrival = many_met_now(l);
            l->steps_at = W.steps;
            wait_began(s, 0);
            if (l->op == OP_GATHER) { /* a cancelled gather cancels and waits for its own */
                size_t j;
                for (j = 0; j < l->n; j++)
                    if (l->items[j].task->parent == t) s->owned_wait |= 1u << slot_of(l->items[j].task)->idx;
            }
            if (l->op == OP_WAIT) {
                l->k = 1 + (l->b >> 5) % 3; /* the mode */
                AIO_WAIT(t, l->rc, l->items, l->n, l->k, l->until);
                /* asyncio.wait() always suspends, even when its condition holds */
                REQUIRE(W.steps != l->steps_at, "task %d's AIO_WAIT returned without suspending", s->idx);
            } else if (l->b & 128) {
                AIO_GATHER_ALL(t, l->rc, l->items, l->n);
            } else {
                AIO_GATHER(t, l->rc, l->items, l->n);
            }
            s->waits_on = 0;
            s->owned_wait = 0;
            check_arrival(s, l);
            check_not_lost(s, l);
            {
                size_t j, done = 0, failed = 0;
                int match = 0;
                for (j = 0; j < l->n; j++) {
                    const aio_task *c = l->items[j].task;
                    if (c->state != AIO__DONE) continue;
                    done++;
                    if (c->frame.rc < 0 && c->frame.rc != AIO_ECANCELED) failed++;
                    if (c->frame.rc == l->rc || (c->frame.rc == AIO_ECANCELED && l->rc == AIO_ECHILDCANCELED))
                        match = 1;
                }
                if (l->op == OP_WAIT) {
                    REQUIRE(l->rc == (aio_status)done, "wait reported %d done, %u are", l->rc, (unsigned)done);
                    if (!(l->k == AIO_FIRST_COMPLETED ? done > 0
                          : l->k == AIO_FIRST_EXCEPTION ? (failed > 0 || done == l->n)
                                                        : done == l->n))
                        REQUIRE(reached(s, after(l->start, l->until)), "wait returned before its condition or timeout");
                } else if (l->rc == AIO_OK) {
                    REQUIRE(done == l->n, "gather returned before all were done");
                    if (!(l->b & 128))
                        for (j = 0; j < l->n; j++)
                            REQUIRE(l->items[j].task->frame.rc >= 0, "gather hid a failure");
                } else {
                    REQUIRE(!(l->b & 128), "gather(return_exceptions) returned %d", l->rc);
                    REQUIRE(match, "gather returned %d, which no task ended with", l->rc);
                    l->explicit_raise = 1;
                    if (l->b & 64) AIO_RAISE(t, l->rc);
                    l->explicit_raise = 0;
                }
            }
        } else if (l->op == OP_EVENT_WAIT) {
            l->k = l->a % NEV;
            l->start = snow(s);
            l->until = WAIT_DUR(l, l->b);
            l->sets_before = (int)LW(s)->ev[l->k].sets;
            l->owned = LW(s)->ev[l->k].set;
            l->complete_at_arrival = LW(s)->ev[l->k].set;
            if (LW(s)->lives > 1)
                feature(FT_LATER_LIFE + (int)((LW(s)->queued_at_destroy >> l->k) & 1) * 4 +
                        (LW(s)->ev[l->k].set != 0));
            s->ev_wait = &LW(s)->ev[l->k];
            s->ev_sets_before = LW(s)->ev[l->k].sets;
            AIO_EVENT_WAIT(t, l->rc, &LW(s)->ev[l->k], l->until);
            s->ev_wait = NULL;
            check_arrival(s, l);
            check_not_lost(s, l);
            if (l->rc == AIO_OK)
                REQUIRE(l->owned || (int)LW(s)->ev[l->k].sets != l->sets_before,
                        "task %d woke for an event nobody set", s->idx);
            else {
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(s, after(l->start, l->until)),
                        "event wait ended %d early", l->rc);
                if (W.exact) REQUIRE(snow(s) == after(l->start, l->until), "event wait timed out late");
            }
        } else if (l->op == OP_EVENT_SET) {
            fz_event_set(ev_loop(s, l->a), &W.l[ev_loop(s, l->a)].ev[l->a % NEV]);
        } else if (l->op == OP_EVENT_CLEAR) {
            aio_event_clear(&W.l[ev_loop(s, l->a)].ev[l->a % NEV]);
        } else if (l->op == OP_CANCEL) {
            fz_cancel(l->a % NT); /* may be itself */
        } else if (l->op == OP_LOCK || l->op == OP_SEM) {
            if (l->op == OP_LOCK ? s->holds_lock : s->holds_sem >= 1) continue; /* no self-deadlock */
            l->start = snow(s);
            l->until = WAIT_DUR(l, l->b);
            s->waiting_res = l->op == OP_LOCK ? 1 : 2;
            if (l->op == OP_LOCK) AIO_LOCK_ACQUIRE(t, l->rc, &LW(s)->lock, l->until);
            else AIO_SEMAPHORE_ACQUIRE(t, l->rc, &LW(s)->sem, l->until);
            s->waiting_res = 0;
            check_arrival(s, l);
            check_not_lost(s, l);
            if (l->rc == AIO_OK) {
                if (l->op == OP_LOCK) gain_lock(s);
                else gain_permit(s);
            } else {
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(s, after(l->start, l->until)),
                        "acquire ended %d early", l->rc);
                if (W.exact) REQUIRE(snow(s) == after(l->start, l->until), "acquire timed out late");
            }
        } else if (l->op == OP_UNLOCK) {
            if (s->holds_lock) {
                s->holds_lock = 0;
                REQUIRE(aio_lock_release(&LW(s)->lock) == AIO_OK, "releasing a held lock failed");
            } else if (!aio_lock_locked(&LW(s)->lock)) {
                REQUIRE(aio_lock_release(&LW(s)->lock) == AIO_EINVAL, "releasing a free lock was accepted");
            }
        } else if (l->op == OP_SEM_POST) {
            if (s->holds_sem) {
                s->holds_sem--;
                REQUIRE(aio_semaphore_release(&LW(s)->sem) == AIO_OK, "releasing a held permit failed");
            } else if (LW(s)->sem.value == SEM_PERMITS) {
                REQUIRE(aio_semaphore_release(&LW(s)->sem) == AIO_EINVAL, "a bounded semaphore overflowed");
            }
        } else if (l->op == OP_COND_WAIT) {
            /* Taking the lock back ignores cancellation (as in asyncio), so a
             * holder waiting for its own child in a condition wait would never
             * finish: only tasks nobody owns wait on the condition. */
            if (!s->holds_lock || !s->external_parent || s->group) continue;
            l->start = snow(s);
            l->until = WAIT_DUR(l, l->b);
            s->holds_lock = 0;
            s->waiting_res = 3;
            s->cw_serial++;
            s->notified = 0;
            AIO_COND_WAIT(t, l->rc, &LW(s)->cond, l->until);
            gain_lock(s);
            if (l->rc != AIO_OK) cond_gave_up(s);
            s->waiting_res = 0;
            s->notified = 0;
            check_arrival(s, l);
            check_not_lost(s, l);
            REQUIRE(aio_lock_locked(&LW(s)->lock), "a condition wait returned without the lock");
            if (l->rc != AIO_OK)
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(s, after(l->start, l->until)),
                        "condition wait ended %d early", l->rc);
        } else if (l->op == OP_COND_NOTIFY) {
            if (s->holds_lock) {
                int waiting = 0, woken;
                const aio_link *n;
                for (n = LW(s)->cond.waiters.next; n != &LW(s)->cond.waiters; n = n->next) waiting++;
                woken = fz_notify(s, l->a % 3);
                REQUIRE(woken >= 0 && woken <= waiting && (l->a % 3 == 0 ? woken == waiting : 1),
                        "notify woke %d of %d", woken, waiting);
            } else if (!aio_lock_locked(&LW(s)->lock)) {
                REQUIRE(aio_condition_notify(&LW(s)->cond, 1) == AIO_EINVAL, "notify without the lock was accepted");
            }
        } else if (l->op == OP_RETURN) {
            AIO_RETURN(t, RET_BASE + l->a % 100);
        } else if (l->op == OP_RAISE) {
            AIO_RAISE(t, AIO_EUSER - (l->a % 4));
        } else if (l->op == OP_BUSY) {
            if (!W.exact) aio_virtual_advance(&LW(s)->loop, fin_dur(l->a));
        } else if (l->op == OP_RESCHEDULE) {
            fz_reschedule(l->a % NT, l->b);
        } else if (l->op == OP_GROUP_CANCEL) {
            fz_group_cancel(l->a % NT);
        }
    }
    AIO_FINALLY(t);
    /* Whatever a cleanup section runs is cancelled only by what came after
     * it began: a cancellation that arose here (not a status handed up and
     * raised again) needs a cause. */
    if (l->cl && AIO_STATUS(t) == AIO_ECANCELED && !l->explicit_raise)
        REQUIRE(cleanup_cancelled(s, l), "task %d's cleanup section was cancelled at level %d (op %d) "
                "though nothing cancelled it after it began", s->idx, l->depth, l->op);
    AIO_END(t);
}

/* OP_CALL's inline coroutine: its body, then in its own cleanup section the
 * last operations of its program. A `return` inside gives the call a value. */
static aio_status callee(aio_task *t, callst *c) {
    slot *s = AIO_SELF(t, slot);
    level *l = AIO_CONTAINER(c, level, cs);
    level *in = l + 1;
    AIO_BEGIN(t, c);
    in->end = l->body_end;
    AIO_CALL(t, l->crc, interp, in);
    if (l->crc < 0) AIO_RAISE(t, l->crc);
    AIO_RETURN(t, IS_RET(l->crc) ? l->crc - RET_BASE : 0);
    AIO_FINALLY(t);
    cond_wait_ended(s);
    unwound(s);
    s->in_cwf = 0;
    in->pc = l->body_end;
    in->end = l->cl_end;
    open_level(l, in);
    cleanup_begin(s, in);
    AIO_CALL(t, l->crc, interp, in);
    if (l->crc < 0) AIO_RAISE(t, l->crc);
    if (IS_RET(l->crc)) AIO_RETURN(t, l->crc - RET_BASE);
    AIO_END(t);
}

static void release_held(slot *s) {
    while (s->holds_sem) {
        s->holds_sem--;
        REQUIRE(aio_semaphore_release(&LW(s)->sem) == AIO_OK, "releasing a held permit failed");
    }
    if (s->holds_lock) {
        s->holds_lock = 0;
        REQUIRE(aio_lock_release(&LW(s)->lock) == AIO_OK, "task %d released the lock it held and was "
                "refused: it did not hold it", s->idx);
    }
}

/* A task's cleanup program, in an inline coroutine whose own cleanup gives
 * back what the program took, however it ends. */
static aio_status cleanup_run(aio_task *t, callst *c) {
    slot *s = AIO_SELF(t, slot);
    AIO_BEGIN(t, c);
    AIO_CALL(t, s->crc, interp, &s->lv[0]);
    AIO_RETURN(t, s->crc);
    AIO_FINALLY(t);
    cond_wait_ended(s);
    unwound(s);
    s->in_cwf = 0;
    release_held(s);
    AIO_END(t);
}

static aio_status body(aio_task *t) {
    slot *s = AIO_SELF(t, slot);
    REQUIRE(!s->done_seen && t->state == AIO__RUNNING, "finished task %d runs again", s->idx);
    AIO_BEGIN(t);
    s->ran = 1;
    s->lv[0].pc = s->prog;
    s->lv[0].end = s->prog + s->body_len;
    s->lv[0].depth = 0;
    s->lv[0].cl = 0;
    AIO_CALL(t, s->rc, interp, &s->lv[0]);
    if (s->rc < 0) AIO_RAISE(t, s->rc);
    s->ret = IS_RET(s->rc) ? s->rc - RET_BASE : 100 + s->idx;
    s->ret_set = 1;
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->in_finally = 1;
    s->finally_status = AIO_STATUS(t);
    s->ev_wait = NULL;
    s->rearm_woke = 0;
    cond_wait_ended(s); /* a condition wait unwinds holding the lock */
    unwound(s);
    s->pending_at_finally = (t->flags & AIO__T_CANCEL_REQ) != 0;
    s->waits_on = 0;
    check_scopes(s, 0);
    release_held(s); /* before any cleanup await, so no lock outlives its holder */
    s->in_cwf = 0;
    if (s->body_len < s->prog_len) { /* the cleanup program: any operation */
        s->lv[0].pc = s->prog + s->body_len;
        s->lv[0].end = s->prog + s->prog_len;
        s->lv[0].depth = 0;
        cleanup_begin(s, &s->lv[0]);
        s->cleanup_prog = 1;
        AIO_CALL(t, s->crc, cleanup_run, &s->fin);
        s->cleanup_prog = 0;
        if (s->crc < 0 || IS_RET(s->crc)) {
            s->final_set = 1;
            s->final_want = s->crc < 0 ? s->crc : s->crc - RET_BASE;
            s->cleanup_done = 1;
            if (s->crc < 0) AIO_RAISE(t, s->crc);
            AIO_RETURN(t, s->final_want);
        }
    }
    if (s->cfg & 7) {
        s->cleanup_start = snow(s);
        if (s->cfg & 8) AIO_YIELD(t);
        else AIO_SLEEP(t, fin_dur(s->cfg & 7));
        if (!(s->cfg & 8)) {
            REQUIRE(reached(s, after(s->cleanup_start, fin_dur(s->cfg & 7))), "cleanup sleep ended early");
            if (W.exact)
                REQUIRE(snow(s) == after(s->cleanup_start, fin_dur(s->cfg & 7)), "cleanup sleep ended late");
        }
    }
    s->cleanup_done = 1;
    AIO_END(t);
}

/* ------------------------------------------------------------ the driver */

static void step(int li) {
    REQUIRE(++W.steps <= MAX_STEPS, "the loop never settles (%ld steps)", W.steps);
    REQUIRE(W.l[li].up, "stepping loop %d, which is not initialised", li);
    fz_phase = "step";
    aio_step(&W.l[li].loop);
    fz_phase = "after step";
    observe_all();
}

/* Move loop li's clock to its next deadline, never past it while the times
 * are exact. */
static int advance(int li, aio_time by) {
    aio_loop *L = &W.l[li].loop;
    aio_time next = aio_next_deadline(L), gap;
    if (W.exact && !quiet(li)) return 0;
    if (next == AIO_NEVER) {
        if (W.exact) return 0;
    } else {
        gap = (aio_time)(next - aio_loop_now(L));
        if ((aio_stime)gap < 0) gap = 0;
        if (W.exact && by > gap) by = gap;
    }
    aio_virtual_advance(L, by);
    return 1;
}

/* Quiet: on to the earliest timer, if one is armed. */
static int to_next_timer(int li) {
    aio_loop *L = &W.l[li].loop;
    aio_time gap;
    if (!L->heap_len) return 0;
    gap = (aio_time)(L->heap[0].when - aio_loop_now(L));
    if ((aio_stime)gap > 0) advance(li, gap);
    return 1;
}

static void settle(int li) { /* run until nothing is ready and no timer is armed */
    while (!quiet(li) || to_next_timer(li)) step(li);
}

static void settle_all(void) { /* every loop, in turn */
    int li, busy = 1;
    while (busy) {
        busy = 0;
        for (li = 0; li < W.nloops; li++)
            if (W.l[li].up && !quiet(li)) {
                step(li);
                busy = 1;
            }
        for (li = 0; li < W.nloops && !busy; li++)
            if (W.l[li].up && to_next_timer(li)) {
                step(li);
                busy = 1;
            }
    }
}

/* Run loop li until none of its tasks is alive, cancelling those that wait
 * when it is idle; it stops at the step where the last one ends (what that
 * step left queued stays queued). */
static void run_out(int li) {
    int round = 0;
    size_t i;
    while (alive_in(li)) {
        if (!quiet(li) || to_next_timer(li)) {
            step(li);
            continue;
        }
        REQUIRE(round++ <= MAX_SPAWNS + 2, "loop %d: tasks stay alive however often they are cancelled", li);
        for (i = 0; i < NT; i++)
            if (alive(&W.s[i]) && W.s[i].lp == li) fz_cancel((int)i);
        observe_all();
    }
}

/* Destroy loop li and initialise the same struct again (fault mode): the
 * destroy must refuse exactly while tasks of it are alive; after it, the same
 * events, lock and semaphore serve a new program, whose first task is slot
 * a & 7. With bit 3 of a, the loop is run out first. */
static void reloop(int li, uint8_t a) {
    loopw *w = &W.l[li];
    int live, k;
    unsigned queued = 0;
    const aio_event *ev;
    aio_status rc;
    if (a & 8) {
        fz_phase = "run out one loop";
        run_out(li);
    }
    live = alive_in(li);
    feature(FT_RELOOP + (live > 0) * 6 + (w->ev[0].set + w->ev[1].set) * 2 + (w->loop.signalled != NULL));
    for (ev = w->loop.signalled, k = 0; ev && k < 2 * NEV; ev = ev->next_signalled, k++)
        queued |= ev == &w->ev[0] ? 1u : ev == &w->ev[1] ? 2u : 0u;
    fz_phase = "destroy";
    rc = aio_loop_destroy(&w->loop);
    REQUIRE(rc == (live ? AIO_EBUSY : AIO_OK), "aio_loop_destroy of loop %d with %d tasks alive returned %d",
            li, live, rc);
    if (rc != AIO_OK) return;
    w->queued_at_destroy = queued;
    REQUIRE(aio_running_loop() != &w->loop, "a destroyed loop is still the running one");
    w->up = 0;
    REQUIRE(!w->lock.locked && w->sem.value == SEM_PERMITS, "loop %d: a lock or permit outlived its tasks", li);
    for (k = 0; k < NEV; k++)
        REQUIRE(aio__list_empty(&w->ev[k].waiters), "loop %d: an event has waiters and no task is alive", li);
    fz_phase = "init again";
    init_loop(li);
    fz_spawn(a & 7, 1, NULL);
}

/* The header's state that outlives a loop (the loop in use, the misuse told
 * last and its repeats, the task holding the loop), as a fresh process has
 * it: each input runs alone, so that a failing one fails again when replayed
 * by itself, and a run from the same seed finds the same inputs. */
static void reset_header_state(void) {
#ifndef FUZZ_PRE_STATE
    aio__loop = NULL;
    aio__last = NULL;
    aio__stepping = NULL;
    aio__holder = NULL;
    aio__holder_run = 0;
    aio__held = 0;
#ifdef AIO_DEBUG
    aio__told_task = NULL;
    aio__told_at = 0;
    aio__told_run = 0;
    aio__told_again = 0;
    aio__told = 0;
#endif
#endif
}

static void reset(uint8_t flags) {
    size_t i;
    reset_header_state();
    memset(&W, 0, sizeof W);
    aio_set_debug_hook(fz_debug_hook);
    W.exact = flags & F_EXACT;
    W.fault = (flags & F_FAULT) != 0;
    W.nloops = W.fault && (flags & F_TWO_LOOPS) ? 2 : 1;
    W.cap = (flags >> 3) & 3;
    W.hook0 = (flags >> 5) & 3;
#ifdef AIO_TIME_32
    W.t0 = (aio_time)(AIO_NEVER - AIO_MS(40)); /* cross the wrap */
#else
    W.t0 = AIO_SEC(1000);
#endif
    fz_trace = getenv("FUZZ_TRACE") != NULL;
    for (i = 0; i < NT; i++) W.s[i].idx = (int)i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *chunk[NT + 1];
    size_t len[NT + 1], i, c = 0, round;
    const uint8_t *p;
    int li;
    if (size < 1) return 0;
    reset(data[0]);
    /* split into chunks at 0xFF */
    memset(len, 0, sizeof len);
    for (i = 0; i <= NT; i++) chunk[i] = data + size;
    chunk[0] = data + 1;
    for (p = data + 1; p < data + size && c <= NT; p++) {
        if (*p == 0xFF) {
            if (++c <= NT) chunk[c] = p + 1;
        } else {
            len[c]++;
        }
    }
    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        const uint8_t *prog = chunk[i + 1];
        size_t n = len[i + 1];
        s->cfg = n ? prog[0] : 0;
        s->prog = n ? prog + 1 : prog;
        s->prog_len = n ? n - 1 : 0;
        s->prog_len -= s->prog_len % 3;
        /* the last CLEANUP_OPS(cfg) operations are the cleanup section's program */
        s->body_len = s->prog_len - 3 * (CLEANUP_OPS(s->cfg) < s->prog_len / 3 ? CLEANUP_OPS(s->cfg) : s->prog_len / 3);
    }
    fz_phase = "start";
    if (W.nloops > 1) { /* the second loop's first task is the last slot, if it has a program */
        init_loop(1);
        if (len[NT]) fz_spawn(NT - 1, 1, NULL);
    }
    init_loop(0);
    fz_spawn(0, 1, NULL); /* the main task */
    observe_all();
    for (p = chunk[0]; p + 2 <= chunk[0] + len[0]; p += 2) {
        int ncmd = W.fault ? DR_COUNT : DR_BASIC_COUNT;
        uint8_t op = (uint8_t)(p[0] % ncmd), a = p[1];
        li = W.nloops > 1 ? (p[0] / ncmd) & 1 : 0; /* which loop a command is about */
        fz_phase = "driver";
        if (fz_trace) fprintf(stderr, "driver: command %d a=%d (loop %d)\n", op, a, li);
        switch (op) {
        case DR_STEP: step(li); break;
        case DR_ADVANCE: if (advance(li, fin_dur(a))) step(li); break;
        case DR_SETTLE: settle(li); break;
        case DR_ISR_SET: fz_event_set(li, &W.l[li].ev[a % NEV]); break; /* as an interrupt would */
        case DR_CANCEL: fz_cancel(a % NT); break;
        case DR_SPAWN: fz_spawn(a % NT, 1, NULL); break;
        case DR_GROUP_CANCEL: fz_group_cancel(a % NT); break;
        case DR_RESCHEDULE: fz_reschedule(a % NT, (uint8_t)(a >> 3)); break;
        case DR_GROW: set_hook(&W.l[li], a & 3, a >> 2); break;
        case DR_RELOOP: reloop(li, a); break;
        default: /* DR_NEXT: a step (on to the next timer if idle); with two loops, one of each */
            if (quiet(li)) to_next_timer(li);
            step(li);
            if (W.nloops > 1) {
                if (quiet(1 - li)) to_next_timer(1 - li);
                step(1 - li);
            }
            break;
        }
        fz_phase = "driver";
        observe_all();
    }
    /* the end: let it run out, then cancel whatever still waits; everything
     * must finish, with nothing left behind */
    fz_phase = "run out";
    settle_all();
    /* A task with an undelivered cancel may still spawn a fresh one before
     * its next checkpoint, so go round until nothing is alive: the spawn
     * budget bounds how many rounds that takes, and a task that cannot be
     * cancelled stays alive through all of them. */
    for (round = 0; round < MAX_SPAWNS + 2; round++) {
        int left = 0;
        for (i = 0; i < NT; i++)
            if (alive(&W.s[i])) {
                fz_cancel((int)i);
                left = 1;
            }
        if (!left) break;
        fz_phase = "cancel all";
        settle_all();
    }
    for (i = 0; i < NT; i++)
        REQUIRE(!alive(&W.s[i]), "task %d still waits after being cancelled %d times", (int)i,
                W.s[i].cancels);
    for (i = 0; i < NT; i++) { /* no block left open */
        int d;
        for (d = 0; d <= DEPTH; d++)
            REQUIRE(!scope_open(&W.s[i].lv[d].to) && !scope_open(&W.s[i].lv[d].g.scope),
                    "task %d ended with the %s of its level %d still open", (int)i,
                    scope_open(&W.s[i].lv[d].to) ? "block" : "group", d);
    }
    for (li = 0; li < W.nloops; li++) {
        loopw *w = &W.l[li];
        REQUIRE(w->loop.heap_len == 0 && w->loop.live == 0, "loop %d: timers or tasks left behind", li);
        REQUIRE(!w->lock.locked && w->sem.value == SEM_PERMITS, "loop %d: a lock or permit was never "
                "given back", li);
        REQUIRE(aio_loop_destroy(&w->loop) == AIO_OK, "loop %d would not close", li);
        w->up = 0;
    }
    return 0;
}

#ifdef FUZZ_REPLAY
/* Replay inputs (files, or every file in the directories given). */
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 16];
    size_t n;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv) {
    int i, files = 0, bad = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.') continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                bad += replay_file(path);
                files++;
            }
            if (d) closedir(d);
        } else {
            bad += replay_file(argv[i]);
            files++;
        }
    }
    printf("%d inputs replayed, every invariant held\n", files - bad);
    return bad != 0;
}
#endif
