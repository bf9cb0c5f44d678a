/* Schedule fuzzer: the input is a random program of tasks, sleeps, timeout
 * blocks, wait_for, wait, gather, shield, groups, events, locks, cancels from
 * tasks and from a simulated interrupt, and moves of the virtual clock. After
 * every loop step, and before every operation a task performs, an invariant
 * checker looks at the whole loop; any violation aborts with a message.
 *
 * Built with clang -fsanitize=fuzzer (`make fuzz`), or with FUZZ_REPLAY as a
 * plain program that runs the files or directories it is given (`make test`
 * replays the committed corpus and the regression inputs this way).
 *
 * Input format (tests/fuzz/README.md has the details): byte 0 holds flags, then
 * chunks separated by 0xFF. Chunk 0 is the driver's script (two bytes per
 * command); chunk 1+i is the program of task slot i (three bytes per operation:
 * opcode, a, b). */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../../aio_timeout.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT 8         /* task slots */
#define DEPTH 4      /* nesting of blocks inside one task */
#define NEV 2        /* events */
#define SEM_PERMITS 2
#define RET_BASE 1000 /* an interp level returning >= RET_BASE asked the task to return */
#define MAX_STEPS 20000
#define MAX_SPAWNS 64 /* incarnations per input */

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

static void fz_debug_hook(aio_status code, const char *message) {
    (void)code;
    (void)message; /* misuse is expected here: statuses are checked instead */
}

/* ------------------------------------------------------------------ state */

enum { /* operations of a task program */
    OP_SLEEP, OP_YIELD, OP_TIMEOUT, OP_TIMEOUT_AT, OP_SHIELDED, OP_GROUP, OP_WAIT_FOR_CALL,
    OP_SPAWN, OP_GSPAWN, OP_AWAIT, OP_WAIT_FOR, OP_SHIELD, OP_WAIT, OP_GATHER,
    OP_EVENT_WAIT, OP_EVENT_SET, OP_EVENT_CLEAR, OP_CANCEL, OP_LOCK, OP_UNLOCK,
    OP_SEM, OP_SEM_POST, OP_RETURN, OP_RAISE, OP_BUSY, OP_RESCHEDULE, OP_GROUP_CANCEL,
    OP_COND_WAIT, OP_COND_NOTIFY, OP_COUNT
};
enum { /* driver commands */
    DR_STEP, DR_ADVANCE, DR_SETTLE, DR_ISR_SET, DR_CANCEL, DR_SPAWN, DR_GROUP_CANCEL,
    DR_RESCHEDULE, DR_NEXT, DR_COUNT
};
enum { /* kinds of block a level runs in */
    K_TOP, K_TIMEOUT, K_SHIELDED, K_GROUP, K_CALL
};

typedef struct level {
    aio_frame frame;          /* inline coroutine state (AIO_CALL) */
    const uint8_t *pc, *end;  /* program range */
    int depth, kind;
    uint8_t op, a, b;
    aio_status rc;
    aio_time start, until;    /* when the current await began; its own deadline */
    int k, blen, body_done, owned, sets_before;
    int cancel_at_arrival, complete_at_arrival;
    aio_timeout to;           /* the block this level opened for the next one */
    aio_group g;
    aio_wait_item items[NT];
    size_t n;
    aio_time block_deadline;
} level;

typedef struct slot {
    aio_task task;
    level lv[DEPTH + 1];
    int idx;
    const uint8_t *prog;
    size_t prog_len;
    uint8_t cfg;              /* cleanup behaviour */
    /* the model */
    int spawned;              /* incarnations so far */
    int ran, done_seen, in_finally, cleanup_done, ret_set, group_child;
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
} slot;

static struct world {
    aio_loop loop;
    aio_timer timers[NT];     /* one armed timer per task at most: never more */
    slot s[NT];
    aio_event ev[NEV];
    aio_lock lock;
    aio_semaphore sem;
    aio_condition cond;       /* over `lock` */
    int exact;                /* clock moves only to deadlines: times are exact */
    aio_time t0;
    long steps;
    int spawns;
} W;

static slot *slot_of(const aio_task *t) {
    size_t i;
    for (i = 0; i < NT; i++)
        if (&W.s[i].task == t) return &W.s[i];
    return NULL;
}

static aio_time dur(uint8_t x) { /* 0..11 ms, or never */
    unsigned v = x & 31u;
    return v == 31 ? AIO_NEVER : AIO_MS(v % 12);
}
static aio_time fin_dur(uint8_t x) { return AIO_MS((x & 31u) % 12); }

static aio_time now(void) { return aio_loop_now(&W.loop); }

/* The deadline now + d the way the library computes it (wrapping ticks step
 * past the two sentinel values). */
static aio_time after(aio_time start, aio_time d) {
    aio_time w;
    if (d == AIO_NEVER) return AIO_NEVER;
    w = (aio_time)(start + d);
    if (w == AIO_NEVER || w == AIO_TIME_INVALID) w = 0;
    return w;
}
static int reached(aio_time when) { return when != AIO_NEVER && (aio_stime)(now() - when) >= 0; }

static int alive(const slot *s) {
    return s->task.state != AIO__NEW && s->task.state != AIO__DONE;
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

/* Walk one list; count where each task's own node is, and check item nodes.
 * `owner` is the task whose joiners list this is (NULL otherwise). */
static void walk_list(const aio_link *head, const char *what, int places[NT], int items[NT],
                      const aio_task *owner) {
    const aio_link *n;
    int guard = 0;
    if (!head->next) return; /* zeroed head: empty */
    for (n = head->next; n != head; n = n->next) {
        const aio_waiter *w = (const aio_waiter *)(const void *)n;
        slot *s = slot_of(w->task);
        const aio_wait_item *item;
        REQUIRE(++guard <= 4 * NT * (DEPTH + 2), "list %s does not end", what);
        REQUIRE(n->next && n->next->prev == n, "list %s is broken", what);
        REQUIRE(s != NULL, "list %s holds a node of no task", what);
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
        REQUIRE(sc == want, "task %d: scope chain at level %d is not the blocks it opened", s->idx, d);
        REQUIRE(sc->task == &s->task, "task %d: an open scope belongs to another task", s->idx);
        sc = sc->parent;
    }
    REQUIRE(!sc || sc->task != &s->task, "task %d has a scope open that no block opened", s->idx);
    if (s->group) REQUIRE(sc == &s->group->scope, "task %d lost its group from its scope chain", s->idx);
    else REQUIRE(sc == NULL, "task %d has a foreign scope in its chain", s->idx);
}

static void check_world(void) {
    aio_loop *L = &W.loop;
    int places[NT] = {0}, items[NT] = {0}, ready_seen[NT] = {0};
    size_t i, live = 0;
    const aio_link *n;
    int guard = 0, lock_hold = 0, sem_hold = 0, in_cond = 0;

    /* timers: the heap property, and each armed timer belongs to a parked task */
    REQUIRE(L->heap_len <= L->heap_cap, "heap overflow");
    for (i = 0; i < L->heap_len; i++) {
        const aio_timer *e = &L->heap[i];
        slot *s = slot_of(e->task);
        REQUIRE(s != NULL, "timer %u belongs to no task", (unsigned)i);
        REQUIRE(e->task->timer == i + 1, "task %d does not know its timer's place", s->idx);
        REQUIRE(e->task->state == AIO__PARKED, "task %d has a timer armed but is not waiting (state %d)",
                s->idx, e->task->state);
        if (i > 0) REQUIRE(!aio__timer_less(e, &L->heap[(i - 1) / 2]), "heap property broken at %u",
                           (unsigned)i);
    }
    for (i = 0; i < NT; i++) {
        const aio_task *t = &W.s[i].task;
        if (t->timer)
            REQUIRE(t->timer <= L->heap_len && L->heap[t->timer - 1].task == t,
                    "task %d points at a timer that is not its own", (int)i);
    }
    /* the ready queue: tasks, and the notices of groups that have yet to hear
     * of a child's failure */
    for (n = L->ready.next; n != &L->ready; n = n->next) {
        const aio_waiter *w = (const aio_waiter *)(const void *)n;
        slot *s = slot_of(w->task);
        REQUIRE(++guard <= NT * (DEPTH + 1), "ready queue holds a node twice or does not end");
        if (!w->task) {
            const aio_group *g = AIO_CONTAINER(w, aio_group, notice);
            REQUIRE(slot_of(g->scope.task) && g->unheard > 0 &&
                        (g->scope.state == AIO__S_FIRST || g->scope.state == AIO__S_BODY ||
                         g->scope.state == AIO__S_JOIN),
                    "ready queue holds the notice of a group that has nothing to hear");
            continue;
        }
        REQUIRE(s && n == &s->task.wait.link, "ready queue holds a stray node");
        REQUIRE(s->task.state == AIO__READY, "task %d is queued but its state is %d", s->idx,
                s->task.state);
        ready_seen[s->idx]++;
    }
    /* every wait list */
    for (i = 0; i < NEV; i++) walk_list(&W.ev[i].waiters, "event", places, items, NULL);
    walk_list(&W.lock.waiters, "lock", places, items, NULL);
    walk_list(&W.sem.waiters, "semaphore", places, items, NULL);
    walk_list(&W.cond.waiters, "condition", places, items, NULL);
    for (i = 0; i < NT; i++)
        if (W.s[i].task.state != AIO__NEW)
            walk_list(&W.s[i].task.joiners, "joiners", places, items, &W.s[i].task);

    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        const aio_task *t = &s->task;
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
        }
    }
    REQUIRE(L->live == live, "the loop counts %u live tasks, there are %u", (unsigned)L->live,
            (unsigned)live);
    /* permits are neither lost nor made up */
    /* (a condition waiter gives the lock up and takes it back inside the library) */
    if (!in_cond)
        REQUIRE(lock_hold <= 1 && W.lock.locked == lock_hold, "lock: locked=%d but %d holders",
                W.lock.locked, lock_hold);
    /* nobody queues for what is free: a release would never reach them */
    REQUIRE(W.lock.locked || aio__list_empty(&W.lock.waiters), "tasks queue for a free lock");
    REQUIRE(W.sem.value == 0 || aio__list_empty(&W.sem.waiters) || W.sem.handed > 0,
            "tasks queue for a free permit that nobody was handed first");
    REQUIRE(W.sem.value + sem_hold == SEM_PERMITS, "semaphore: %d free + %d held != %d", W.sem.value,
            sem_hold, SEM_PERMITS);
    /* groups count their live children */
    for (i = 0; i < NT; i++) {
        int d;
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
            REQUIRE(g->live == kids + g->unheard, "task %d's group counts %u children, %u are alive "
                    "and %u failed unheard", (int)i, (unsigned)g->live, (unsigned)kids,
                    (unsigned)g->unheard);
        }
    }
}

/* A task that just finished: its result follows from what its body did. */
static void check_finished(slot *s) {
    aio_status r = aio_task_result(&s->task);
    s->done_seen = 1;
    s->result = r;
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
    if (s->cleanup_done) {
        REQUIRE(r == s->finally_status || (r == AIO_ECANCELED && s->finally_status >= 0),
                "task %d ended %d after its cleanup saw %d", s->idx, r, s->finally_status);
    } else {
        REQUIRE(r == AIO_ECANCELED, "task %d's cleanup was cut short, yet it ended %d", s->idx, r);
        REQUIRE(s->cancels_in_finally > 0 || s->pending_at_finally || s->group || !s->external_parent,
                "task %d's cleanup was cancelled by the cancellation it was handling", s->idx);
    }
    if (r >= 0) REQUIRE(s->cancels == 0, "task %d was cancelled yet ended with value %d", s->idx, r);
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
            REQUIRE((s->task.flags & AIO__T_CANCEL_REQ) || s->task.cancel_epoch,
                    "task %d's cancel request vanished", s->idx);
    }
    check_world();
}

/* Does a cancellation apply to t's code right now (a checkpoint would raise)?
 * The library's own rule, read without noticing anything. */
static int cancel_applies(const aio_task *t) {
    const aio_timeout *sc;
    for (sc = t->scope; sc; sc = sc->parent) {
        if ((sc->flags & AIO__S_EXPIRED) ? aio__scope_visible(t, sc) : aio__due(sc->deadline, now()))
            return 1;
        if (sc->flags & AIO__S_SHIELD) return 0;
    }
    return aio__task_cancel_visible(t);
}

/* An await that returned normally: if a cancellation applied when it began,
 * only work already complete then may win (L2 with L3). */
static void check_arrival(const slot *s, const level *l) {
    REQUIRE(!l->cancel_at_arrival || l->complete_at_arrival,
            "task %d's await (op %d) went on though a cancellation applied when it began", s->idx,
            l->op);
}

/* ------------------------------------------------------- wrapped actions */

static aio_status body(aio_task *t);

static void model_spawned(slot *s, int external, aio_group *g) {
    aio_group *keep = g;
    s->spawned++;
    s->ran = s->done_seen = s->in_finally = s->cleanup_done = s->ret_set = 0;
    s->result = s->finally_status = 0;
    s->cancels = s->cancels_in_finally = s->cancel_before_start = s->pending_at_finally = 0;
    s->external_parent = external;
    s->waits_on = 0;
    s->holds_lock = s->holds_sem = s->waiting_res = 0;
    s->group = keep;
    s->group_child = keep != NULL;
}

/* Someone awaits slot k: it must not be spawned again under them. */
static int awaited_by_someone(int k) {
    size_t i;
    for (i = 0; i < NT; i++)
        if (alive(&W.s[i]) && (W.s[i].waits_on & (1u << k))) return 1;
    return 0;
}

static void fz_spawn(int k, int external, aio_group *g) {
    slot *s = &W.s[k];
    int was_alive = alive(s);
    aio_status rc, want;
    int group_ok = !g || ((g->scope.state == AIO__S_FIRST || g->scope.state == AIO__S_BODY ||
                           g->scope.state == AIO__S_JOIN) && !(g->flags & AIO__G_ABORTED));
    if (!was_alive && awaited_by_someone(k)) return; /* would hand them another incarnation */
    if (!was_alive && ++W.spawns > MAX_SPAWNS) return; /* tasks spawning each other forever */
    want = (was_alive || !group_ok) ? AIO_EINVAL : AIO_OK;
    rc = g ? aio_group_spawn(g, &s->task, body) : aio_spawn(&s->task, body);
    REQUIRE(rc == want, "spawn of task %d returned %d, expected %d", k, rc, want);
    if (rc == AIO_OK) {
        model_spawned(s, external, g);
        REQUIRE(s->task.state == AIO__READY, "a spawned task is not ready");
    }
}

static void fz_cancel(int k) {
    slot *s = &W.s[k];
    int st = s->task.state;
    int rc = aio_cancel(&s->task);
    int want = st == AIO__NEW ? AIO_EINVAL : st == AIO__DONE ? 0 : 1;
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

static void fz_reschedule(int k, uint8_t x) {
    aio_timeout *sc = innermost_block(k);
    aio_status rc, want;
    aio_time when;
    if (!sc) return;
    /* a shielded block keeps a deadline: one that never ends would hold its
     * cancellations back forever, which is what it is for */
    when = after(now(), (sc->flags & AIO__S_SHIELD) ? fin_dur(x) : dur(x));
    want = (sc->flags & AIO__S_EXPIRED) ? AIO_EINVAL : AIO_OK;
    rc = aio_timeout_reschedule(sc, when);
    REQUIRE(rc == want, "reschedule returned %d, expected %d", rc, want);
    if (rc == AIO_OK) REQUIRE(aio_timeout_when(sc) == when, "reschedule did not move the deadline");
}

static void fz_group_cancel(int k) {
    aio_group *g = innermost_group(k);
    int want, rc;
    if (!g) return;
    want = !(g->flags & AIO__G_ABORTED) && g->scope.state != AIO__S_DONE;
    rc = aio_group_cancel(g);
    REQUIRE(rc == want, "aio_group_cancel returned %d, expected %d", rc, want);
}

/* Would task `self` waiting on the tasks in `mask` close a cycle of waits? */
static unsigned waits_of(int i) {
    unsigned m = W.s[i].waits_on;
    size_t j;
    for (j = 0; j < NT; j++) /* a group's owner waits for its children */
        if (W.s[j].group && W.s[j].group->scope.task == &W.s[i].task && alive(&W.s[j])) m |= 1u << j;
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
    if (!getenv("FUZZ_TRACE")) return;
    fprintf(stderr, "lock locked=%d sem=%d ready=%d heap=%u\n", W.lock.locked, W.sem.value,
            !aio__list_empty(&W.loop.ready), (unsigned)W.loop.heap_len);
    for (i = 0; i < NT; i++) {
        const slot *s = &W.s[i];
        fprintf(stderr, "task %d: state %d flags %#x parent %d holds lock %d sem %d waiting %d "
                        "waits_on %#x group %d cancels %d finally %d\n",
                (int)i, s->task.state, s->task.flags,
                s->task.parent ? slot_of(s->task.parent)->idx : -1, s->holds_lock, s->holds_sem,
                s->waiting_res, s->waits_on, s->group != NULL, s->cancels, s->in_finally);
    }
}

/* ----------------------------------------------------------- the program */

static int fz_trace; /* FUZZ_TRACE=1 in the environment: print each operation */

static void before_op(slot *s, level *l) {
    if (fz_trace)
        fprintf(stderr, "%6lu us  task %d  level %d  op %d a=%d b=%d\n",
                (unsigned long)((uint64_t)(aio_time)(now() - W.t0) * 1000000u / AIO_TICKS_PER_SEC),
                s->idx, l->depth,
                l->op, l->a, l->b);
    REQUIRE(aio_current() == &s->task && s->task.state == AIO__RUNNING,
            "task %d runs but is not the current task", s->idx);
    REQUIRE(!s->in_finally, "task %d runs its body after entering cleanup", s->idx);
    s->waits_on = 0;
    if (s->waiting_res == 3) s->holds_lock = 1; /* a condition wait unwinds holding the lock */
    s->waiting_res = 0;
    s->depth_now = l->depth;
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

static int pick_target(const slot *s, uint8_t a) {
    int k = a % NT;
    return k == s->idx ? (k + 1) % NT : k;
}

/* A block's body: the next level of the program, inline. Errors go on
 * unwinding (like exceptions); a `return` inside goes on returning. */
#define RUN_BODY(t, l, in)                                                     \
    do {                                                                       \
        AIO_CALL(t, (l)->rc, interp, in);                                      \
        if ((l)->rc < 0) AIO_RAISE(t, (l)->rc);                                \
        (l)->body_done = 1;                                                    \
        if ((l)->rc >= RET_BASE) AIO_RETURN(t, (l)->rc);                       \
    } while (0)

/* One level of a task's program: an inline coroutine, so blocks nest by
 * calling it again for their bodies. */
static aio_status interp(aio_task *t, level *l) {
    slot *s = AIO_SELF(t, slot);
    level *in = l + 1;
    AIO_BEGIN(t, l);
    while (l->pc + 3 <= l->end) {
        l->op = (uint8_t)(l->pc[0] % OP_COUNT);
        l->a = l->pc[1];
        l->b = l->pc[2];
        l->pc += 3;
        before_op(s, l);
        l->cancel_at_arrival = cancel_applies(t);
        l->complete_at_arrival = 0;
        if (l->op == OP_SLEEP || l->op == OP_YIELD) {
            l->start = now();
            l->until = l->op == OP_YIELD ? 0 : fin_dur(l->a);
            if (l->op == OP_YIELD) AIO_YIELD(t);
            else AIO_SLEEP(t, l->until);
            check_arrival(s, l);
            if (l->op == OP_SLEEP) {
                aio_time due = after(l->start, l->until);
                REQUIRE(reached(due), "task %d's sleep ended early", s->idx);
                if (W.exact) REQUIRE(now() == due, "task %d's sleep ended late", s->idx);
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
            in->depth = l->depth + 1;
            l->pc += l->blen;
            l->body_done = 0;
            l->start = now();
            l->rc = 0;
            if (l->op == OP_GROUP) {
                l->kind = K_GROUP;
                AIO_GROUP(t, &l->g) {
                    RUN_BODY(t, l, in);
                }
                before_op(s, l);
                /* after the block: every child finished */
                {
                    size_t j;
                    for (j = 0; j < NT; j++)
                        REQUIRE(W.s[j].group != &l->g || !alive(&W.s[j]),
                                "a group block ended with a child still running");
                }
                /* a failed group continues here with its status; pass it on */
                if (aio_group_status(&l->g) < 0 && (l->b & 64)) AIO_RAISE(t, aio_group_status(&l->g));
            } else if (l->op == OP_WAIT_FOR_CALL) {
                l->kind = K_CALL;
                l->until = dur(l->a);
                l->block_deadline = after(l->start, l->until);
                AIO_WAIT_FOR_CALL(t, l->rc, interp, in, &l->to, l->until);
                before_op(s, l);
                if (aio_timeout_status(&l->to) == AIO_ETIMEDOUT) {
                    REQUIRE(l->rc == AIO_ETIMEDOUT && aio_timeout_expired(&l->to) &&
                                reached(aio_timeout_when(&l->to)),
                            "wait_for(call) timed out before its deadline");
                } else {
                    if (l->rc < 0) AIO_RAISE(t, l->rc);
                    if (l->rc >= RET_BASE) AIO_RETURN(t, l->rc);
                }
            } else {
                l->kind = l->op == OP_SHIELDED ? K_SHIELDED : K_TIMEOUT;
                if (l->op == OP_SHIELDED) { /* a shield always ends: no hang by construction */
                    l->until = fin_dur(l->a);
                    l->block_deadline = after(l->start, l->until);
                    AIO_SHIELDED(t, &l->to, l->until) {
                        RUN_BODY(t, l, in);
                    }
                } else if (l->op == OP_TIMEOUT) {
                    l->until = dur(l->a);
                    l->block_deadline = after(l->start, l->until);
                    AIO_TIMEOUT(t, &l->to, l->until) {
                        RUN_BODY(t, l, in);
                    }
                } else if (l->a & 1) { /* timeout_at(None): with wrapping ticks every
                                          absolute value is an instant, so the relative form */
                    l->block_deadline = AIO_NEVER;
                    AIO_TIMEOUT(t, &l->to, AIO_NEVER) {
                        RUN_BODY(t, l, in);
                    }
                } else {
                    l->block_deadline = after(now(), fin_dur(l->a));
                    AIO_TIMEOUT_AT(t, &l->to, l->block_deadline) {
                        RUN_BODY(t, l, in);
                    }
                }
                before_op(s, l);
                if (aio_timeout_status(&l->to) == AIO_ETIMEDOUT) {
                    REQUIRE(aio_timeout_expired(&l->to), "a block timed out without expiring");
                    REQUIRE(reached(aio_timeout_when(&l->to)), "task %d's block timed out early", s->idx);
                    REQUIRE(!l->body_done, "a block that completed reports a timeout");
                } else {
                    REQUIRE(l->body_done, "task %d left a block it neither finished nor timed out",
                            s->idx);
                }
            }
            l->kind = K_TOP;
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
            if (closes_cycle(s->idx, 1u << l->k)) continue;
            s->waits_on = 1u << l->k;
            l->start = now();
            l->owned = W.s[l->k].task.parent == t && l->op != OP_SHIELD;
            l->complete_at_arrival = W.s[l->k].task.state == AIO__DONE;
            l->until = l->op == OP_AWAIT ? AIO_NEVER : dur(l->b);
            if (l->op == OP_AWAIT) AIO_AWAIT(t, l->rc, &W.s[l->k].task);
            else if (l->op == OP_WAIT_FOR) AIO_WAIT_FOR(t, l->rc, &W.s[l->k].task, l->until);
            else if (l->b & 32) AIO_WAIT_FOR_SHIELD(t, l->rc, &W.s[l->k].task, l->until);
            else AIO_SHIELD(t, l->rc, &W.s[l->k].task);
            s->waits_on = 0;
            check_arrival(s, l);
            {
                const aio_task *c = &W.s[l->k].task;
                /* a result is delivered, unless the wait's own deadline detached
                 * the waiter first: then the task finished in that same instant,
                 * and its result stays in the task */
                if (c->state == AIO__DONE && c->frame.rc >= 0 && l->rc != c->frame.rc)
                    REQUIRE(l->rc == AIO_ETIMEDOUT && !l->owned && l->op != OP_AWAIT &&
                                reached(after(l->start, l->until)) &&
                                (!W.exact || now() == after(l->start, l->until)),
                            "task %d's await dropped result %d (got %d)", s->idx, c->frame.rc, l->rc);
                if (l->rc != AIO_ETIMEDOUT)
                    REQUIRE(c->state == AIO__DONE && l->rc == c->frame.rc,
                            "task %d's await made up %d", s->idx, l->rc);
                if (l->rc == AIO_ETIMEDOUT && c->frame.rc != AIO_ETIMEDOUT) {
                    REQUIRE(l->op != OP_AWAIT && reached(after(l->start, l->until)),
                            "task %d's wait_for timed out early", s->idx);
                    if (l->owned) REQUIRE(c->state == AIO__DONE, "wait_for left its own task running");
                    if (W.exact && !l->owned)
                        REQUIRE(now() == after(l->start, l->until), "wait_for timed out late");
                }
            }
            if (l->rc < 0 && l->rc != AIO_ECANCELED && (l->b & 64)) AIO_RAISE(t, l->rc); /* AIO_CHECK */
        } else if (l->op == OP_WAIT || l->op == OP_GATHER) {
            {
                int j;
                unsigned mask = 0;
                l->n = 0;
                for (j = 0; j < NT; j++)
                    if (((l->a >> j) & 1) && j != s->idx && W.s[j].task.state != AIO__NEW) {
                        l->items[l->n++].task = &W.s[j].task;
                        mask |= 1u << j;
                    }
                if (closes_cycle(s->idx, mask) || (l->n == 0 && l->op == OP_WAIT)) continue;
                s->waits_on = mask;
            }
            l->start = now();
            l->until = dur(l->b);
            l->complete_at_arrival = many_met_now(l);
            if (l->op == OP_WAIT) {
                l->k = 1 + (l->b >> 5) % 3; /* the mode */
                AIO_WAIT(t, l->rc, l->items, l->n, l->k, l->until);
            } else if (l->b & 128) {
                AIO_GATHER_ALL(t, l->rc, l->items, l->n);
            } else {
                AIO_GATHER(t, l->rc, l->items, l->n);
            }
            s->waits_on = 0;
            check_arrival(s, l);
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
                        REQUIRE(reached(after(l->start, l->until)), "wait returned before its condition or timeout");
                } else if (l->rc == AIO_OK) {
                    REQUIRE(done == l->n, "gather returned before all were done");
                    if (!(l->b & 128))
                        for (j = 0; j < l->n; j++)
                            REQUIRE(l->items[j].task->frame.rc >= 0, "gather hid a failure");
                } else {
                    REQUIRE(!(l->b & 128), "gather(return_exceptions) returned %d", l->rc);
                    REQUIRE(match, "gather returned %d, which no task ended with", l->rc);
                    if (l->b & 64) AIO_RAISE(t, l->rc);
                }
            }
        } else if (l->op == OP_EVENT_WAIT) {
            l->k = l->a % NEV;
            l->start = now();
            l->until = dur(l->b);
            l->sets_before = (int)W.ev[l->k].sets;
            l->owned = W.ev[l->k].set;
            l->complete_at_arrival = W.ev[l->k].set;
            AIO_EVENT_WAIT(t, l->rc, &W.ev[l->k], l->until);
            check_arrival(s, l);
            if (l->rc == AIO_OK)
                REQUIRE(l->owned || (int)W.ev[l->k].sets != l->sets_before,
                        "task %d woke for an event nobody set", s->idx);
            else {
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(after(l->start, l->until)),
                        "event wait ended %d early", l->rc);
                if (W.exact) REQUIRE(now() == after(l->start, l->until), "event wait timed out late");
            }
        } else if (l->op == OP_EVENT_SET) {
            aio_event_set(&W.ev[l->a % NEV]);
        } else if (l->op == OP_EVENT_CLEAR) {
            aio_event_clear(&W.ev[l->a % NEV]);
        } else if (l->op == OP_CANCEL) {
            fz_cancel(l->a % NT); /* may be itself */
        } else if (l->op == OP_LOCK || l->op == OP_SEM) {
            if (l->op == OP_LOCK ? s->holds_lock : s->holds_sem >= 1) continue; /* no self-deadlock */
            l->start = now();
            l->until = dur(l->b);
            s->waiting_res = l->op == OP_LOCK ? 1 : 2;
            if (l->op == OP_LOCK) AIO_LOCK_ACQUIRE(t, l->rc, &W.lock, l->until);
            else AIO_SEMAPHORE_ACQUIRE(t, l->rc, &W.sem, l->until);
            s->waiting_res = 0;
            check_arrival(s, l);
            if (l->rc == AIO_OK) {
                if (l->op == OP_LOCK) s->holds_lock = 1;
                else s->holds_sem++;
            } else {
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(after(l->start, l->until)),
                        "acquire ended %d early", l->rc);
                if (W.exact) REQUIRE(now() == after(l->start, l->until), "acquire timed out late");
            }
        } else if (l->op == OP_UNLOCK) {
            if (s->holds_lock) {
                s->holds_lock = 0;
                REQUIRE(aio_lock_release(&W.lock) == AIO_OK, "releasing a held lock failed");
            } else if (!W.lock.locked) {
                REQUIRE(aio_lock_release(&W.lock) == AIO_EINVAL, "releasing a free lock was accepted");
            }
        } else if (l->op == OP_SEM_POST) {
            if (s->holds_sem) {
                s->holds_sem--;
                REQUIRE(aio_semaphore_release(&W.sem) == AIO_OK, "releasing a held permit failed");
            } else if (W.sem.value == SEM_PERMITS) {
                REQUIRE(aio_semaphore_release(&W.sem) == AIO_EINVAL, "a bounded semaphore overflowed");
            }
        } else if (l->op == OP_COND_WAIT) {
            /* Taking the lock back ignores cancellation (as in asyncio), so a
             * holder waiting for its own child in a condition wait would never
             * finish: only tasks nobody owns wait on the condition. */
            if (!s->holds_lock || !s->external_parent || s->group) continue;
            l->start = now();
            l->until = dur(l->b);
            s->holds_lock = 0;
            s->waiting_res = 3;
            AIO_COND_WAIT(t, l->rc, &W.cond, l->until);
            s->waiting_res = 0;
            s->holds_lock = 1;
            check_arrival(s, l);
            REQUIRE(W.lock.locked, "a condition wait returned without the lock");
            if (l->rc != AIO_OK)
                REQUIRE(l->rc == AIO_ETIMEDOUT && reached(after(l->start, l->until)),
                        "condition wait ended %d early", l->rc);
        } else if (l->op == OP_COND_NOTIFY) {
            if (s->holds_lock) {
                int waiting = 0, woken;
                const aio_link *n;
                for (n = W.cond.waiters.next; n != &W.cond.waiters; n = n->next) waiting++;
                woken = l->a % 3 ? aio_condition_notify(&W.cond, l->a % 3) : aio_condition_notify_all(&W.cond);
                REQUIRE(woken >= 0 && woken <= waiting && (l->a % 3 == 0 ? woken == waiting : 1),
                        "notify woke %d of %d", woken, waiting);
            } else if (!W.lock.locked) {
                REQUIRE(aio_condition_notify(&W.cond, 1) == AIO_EINVAL, "notify without the lock was accepted");
            }
        } else if (l->op == OP_RETURN) {
            AIO_RETURN(t, RET_BASE + l->a % 100);
        } else if (l->op == OP_RAISE) {
            AIO_RAISE(t, AIO_EUSER - (l->a % 4));
        } else if (l->op == OP_BUSY) {
            if (!W.exact) aio_virtual_advance(&W.loop, fin_dur(l->a));
        } else if (l->op == OP_RESCHEDULE) {
            fz_reschedule(l->a % NT, l->b);
        } else if (l->op == OP_GROUP_CANCEL) {
            fz_group_cancel(l->a % NT);
        }
    }
    AIO_END(t);
}

static void release_held(slot *s) {
    while (s->holds_sem) {
        s->holds_sem--;
        REQUIRE(aio_semaphore_release(&W.sem) == AIO_OK, "releasing a held permit failed");
    }
    if (s->holds_lock) {
        s->holds_lock = 0;
        REQUIRE(aio_lock_release(&W.lock) == AIO_OK, "releasing a held lock failed");
    }
}

static aio_status body(aio_task *t) {
    slot *s = AIO_SELF(t, slot);
    REQUIRE(!s->done_seen && t->state == AIO__RUNNING, "finished task %d runs again", s->idx);
    AIO_BEGIN(t);
    s->ran = 1;
    s->lv[0].pc = s->prog;
    s->lv[0].end = s->prog + s->prog_len;
    s->lv[0].depth = 0;
    AIO_CALL(t, s->rc, interp, &s->lv[0]);
    if (s->rc < 0) AIO_RAISE(t, s->rc);
    s->ret = s->rc >= RET_BASE ? s->rc - RET_BASE : 100 + s->idx;
    s->ret_set = 1;
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->in_finally = 1;
    s->finally_status = AIO_STATUS(t);
    if (s->waiting_res == 3) s->holds_lock = 1; /* a condition wait unwinds holding the lock */
    s->pending_at_finally = (t->flags & AIO__T_CANCEL_REQ) != 0;
    s->waits_on = 0;
    s->waiting_res = 0;
    check_scopes(s, 0);
    release_held(s); /* before any cleanup await, so no lock outlives its holder */
    if (s->cfg & 7) {
        s->cleanup_start = now();
        if (s->cfg & 8) AIO_YIELD(t);
        else AIO_SLEEP(t, fin_dur(s->cfg & 7));
        if (!(s->cfg & 8)) {
            REQUIRE(reached(after(s->cleanup_start, fin_dur(s->cfg & 7))), "cleanup sleep ended early");
            if (W.exact)
                REQUIRE(now() == after(s->cleanup_start, fin_dur(s->cfg & 7)), "cleanup sleep ended late");
        }
    }
    s->cleanup_done = 1;
    AIO_END(t);
}

/* ------------------------------------------------------------ the driver */

static int quiet(void) {
    return aio__list_empty(&W.loop.ready) && !W.loop.signalled;
}

static void step(void) {
    REQUIRE(++W.steps <= MAX_STEPS, "the loop never settles (%ld steps)", W.steps);
    fz_phase = "step";
    aio_step(&W.loop);
    fz_phase = "after step";
    observe_all();
}

/* Move the clock to the next deadline, never past it while the times are exact. */
static int advance(aio_time by) {
    aio_time next = aio_next_deadline(&W.loop), gap;
    if (W.exact && !quiet()) return 0;
    if (next == AIO_NEVER) {
        if (W.exact) return 0;
    } else {
        gap = (aio_time)(next - now());
        if ((aio_stime)gap < 0) gap = 0;
        if (W.exact && by > gap) by = gap;
    }
    aio_virtual_advance(&W.loop, by);
    return 1;
}

/* Quiet: on to the earliest timer, if one is armed. */
static int to_next_timer(void) {
    aio_time gap;
    if (!W.loop.heap_len) return 0;
    gap = (aio_time)(W.loop.heap[0].when - now());
    if ((aio_stime)gap > 0) advance(gap);
    return 1;
}

static void settle(void) { /* run until nothing is ready and no timer is armed */
    while (!quiet() || to_next_timer()) step();
}

static void reset(uint8_t flags) {
    size_t i;
    memset(&W, 0, sizeof W);
    aio_set_debug_hook(fz_debug_hook);
    aio_loop_init(&W.loop, W.timers, NT);
#ifdef AIO_TIME_32
    W.t0 = (aio_time)(AIO_NEVER - AIO_MS(40)); /* cross the wrap */
#else
    W.t0 = AIO_SEC(1000);
#endif
    aio_loop_use_virtual_clock(&W.loop, W.t0);
    aio_semaphore_init(&W.sem, SEM_PERMITS, SEM_PERMITS);
    aio_condition_init(&W.cond, &W.lock);
    W.exact = flags & 1;
    fz_trace = getenv("FUZZ_TRACE") != NULL;
    for (i = 0; i < NT; i++) W.s[i].idx = (int)i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *chunk[NT + 1];
    size_t len[NT + 1], i, c = 0, round;
    const uint8_t *p;
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
    }
    fz_phase = "start";
    fz_spawn(0, 1, NULL); /* the main task */
    observe_all();
    for (p = chunk[0]; p + 2 <= chunk[0] + len[0]; p += 2) {
        uint8_t op = (uint8_t)(p[0] % DR_COUNT), a = p[1];
        fz_phase = "driver";
        switch (op) {
        case DR_STEP: step(); break;
        case DR_ADVANCE: if (advance(fin_dur(a))) step(); break;
        case DR_SETTLE: settle(); break;
        case DR_ISR_SET: aio_event_set(&W.ev[a % NEV]); break; /* as an interrupt would */
        case DR_CANCEL: fz_cancel(a % NT); break;
        case DR_SPAWN: fz_spawn(a % NT, 1, NULL); break;
        case DR_GROUP_CANCEL: fz_group_cancel(a % NT); break;
        case DR_RESCHEDULE: fz_reschedule(a % NT, (uint8_t)(a >> 3)); break;
        default:
            if (quiet()) to_next_timer();
            step();
            break;
        }
        observe_all();
    }
    /* the end: let it run out, then cancel whatever still waits; everything
     * must finish, with nothing left behind */
    fz_phase = "run out";
    settle();
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
        settle();
    }
    for (i = 0; i < NT; i++)
        REQUIRE(!alive(&W.s[i]), "task %d still waits after being cancelled %d times", (int)i,
                W.s[i].cancels);
    REQUIRE(W.loop.heap_len == 0 && W.loop.live == 0, "timers or tasks left behind");
    REQUIRE(!W.lock.locked && W.sem.value == SEM_PERMITS, "a lock or permit was never given back");
    REQUIRE(aio_loop_destroy(&W.loop) == AIO_OK, "the loop would not close");
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
