/* SPDX-License-Identifier: MIT */
/* Stress runs of aio_timeout.h, each checking every task it starts.
 *
 *   stress --virtual [N] [--seed S]   N tasks (default 1,000,000) on the virtual
 *       clock: sleeps under timeouts, tasks cancelled by other tasks, tasks that
 *       return at once, wait_for on an owned child, gather and task groups under
 *       timeouts. The outcome of every task (its final status and the instant it
 *       ended) is worked out from the plan beforehand and checked exactly.
 *   stress --real [N] [--seed S]      N timers (default 100,000) armed at once
 *       on the monotonic clock, 0 to 300 ms each: every task ends, none wakes
 *       before its deadline, they wake in deadline order; reports the lateness.
 *
 * The plan comes from a seeded generator (the seed is printed; --seed repeats
 * a run). Exit status 0 when every check holds, 1 otherwise. Memory comes from
 * calloc and goes back with free, so leak checkers see everything.
 *
 * Virtual times are chosen so that no two events a task depends on coincide:
 * sleeps end on multiples of 3 ms, timeouts on 3k + 1 ms, cancels on
 * 3k + 2 ms. */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../../aio_timeout.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE 0xffffffffu /* no timeout */
#define MAXK 3           /* most children of a gather or group */
#define VALUE(i) ((aio_status)((i) % 1000u)) /* the result task i returns */
#define CHILD_FAILS (AIO_EUSER - 1)          /* the error a failing child raises */

/* ------------------------------------------------------------ utilities */

static uint64_t rng_state;
static uint64_t rng_next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t rng_below(uint32_t n) { return (uint32_t)(rng_next() % n); }
static uint32_t sleep_ms(void) { return 3u * (1u + rng_below(500)); }   /* 3k: 3..1500 */
static uint32_t timeout_ms(void) { return 3u * rng_below(500) + 1u; }   /* 3k+1: 1..1498 */
static uint32_t cancel_ms(void) { return 3u * rng_below(500) + 2u; }    /* 3k+2: 2..1499 */

static double wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long misuse_reports;
static void count_misuse(aio_status code, const char *message) {
    if (misuse_reports++ < 5) fprintf(stderr, "misuse reported: %s (%d)\n", message, code);
}

static unsigned long mismatches;
#define FAILED(...)                                                            \
    do {                                                                       \
        if (mismatches++ < 10) {                                               \
            printf("  mismatch: ");                                            \
            printf(__VA_ARGS__);                                               \
            printf("\n");                                                      \
        }                                                                      \
    } while (0)

static aio_time ms_or_never(uint32_t ms) { return ms == NONE ? AIO_NEVER : AIO_MS(ms); }

/* ------------------------------------------------------- virtual clock run */

enum {
    K_SLEEP,     /* AIO_TIMEOUT(b) { AIO_SLEEP(a) } */
    K_VICTIM,    /* the same, cancelled by one or more cancellers */
    K_CANCELLER, /* sleeps a, then aio_cancel(victim peer); returns what that said */
    K_NOW,       /* returns its value at once */
    K_WAITFOR,   /* AIO_WAIT_FOR(child peer, a) */
    K_WF_CHILD,  /* sleeps a; when cancelled, its cleanup sleeps c */
    K_GATHER,    /* AIO_TIMEOUT(b) { AIO_GATHER(children peer..) } */
    K_GROUP,     /* AIO_TIMEOUT(b) { AIO_GROUP { spawn children peer.. } } */
    K_CHILD,     /* sleeps a; then fails if `fails`, else returns its value */
    K_KINDS
};
static const char *const kind_names[K_KINDS] = {
    "sleep", "victim", "canceller", "now", "wait_for", "wait_for child", "gather", "group", "child"};

typedef struct {
    aio_task task;
    aio_timeout to;
    aio_time ended;        /* virtual time elapsed when the task ended */
    uint32_t a, b, c;      /* durations in ms, by kind (see above) */
    uint32_t peer;         /* canceller: its victim; parents: the first child */
    uint32_t extra;        /* gather / group parents: their slot in vext */
    uint32_t i;            /* a loop counter that survives awaits */
    uint32_t exp_end;      /* expected end, ms */
    aio_status exp_status; /* expected final status */
    aio_status got;
    uint8_t kind, nchild, fails;
} vslot;

typedef union {
    aio_wait_item items[MAXK];
    aio_group group;
} vext;

static vslot *V;
static vext *VX;
static aio_time vstart;
#define ELAPSED() ((aio_time)(aio_now() - vstart))
#define IDX(s) ((uint32_t)((s) - V))

static aio_status v_sleeper(aio_task *t) { /* K_SLEEP, K_VICTIM */
    vslot *s = AIO_SELF(t, vslot);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, ms_or_never(s->b)) {
        AIO_SLEEP(t, AIO_MS(s->a));
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) AIO_RAISE(t, AIO_ETIMEDOUT);
    AIO_RETURN(t, VALUE(IDX(s)));
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_status v_canceller(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(s->a));
    AIO_RETURN(t, aio_cancel(&V[s->peer].task));
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_status v_now(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    AIO_BEGIN(t);
    AIO_RETURN(t, VALUE(IDX(s)));
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_status v_wf_child(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(s->a));
    AIO_RETURN(t, VALUE(IDX(s)));
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED && s->c) AIO_SLEEP(t, AIO_MS(s->c)); /* slow cleanup */
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_status v_waitfor(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_spawn(&V[s->peer].task, v_wf_child));
    AIO_WAIT_FOR(t, s->got, &V[s->peer].task, AIO_MS(s->a));
    AIO_CHECK(t, s->got);
    AIO_RETURN(t, s->got);
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_status v_child(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(s->a));
    if (s->fails) AIO_RAISE(t, CHILD_FAILS);
    AIO_RETURN(t, VALUE(IDX(s)));
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

/* The sum of the children's results (each checked by the caller anyway). */
static aio_status children_sum(const vslot *s) {
    aio_status sum = 0;
    uint32_t j;
    for (j = 0; j < s->nchild; j++) sum += aio_task_result(&V[s->peer + j].task);
    return sum;
}

static aio_status v_gather(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    aio_wait_item *items = VX[s->extra].items;
    AIO_BEGIN(t);
    for (s->i = 0; s->i < s->nchild; s->i++) {
        items[s->i].task = &V[s->peer + s->i].task;
        AIO_CHECK(t, aio_spawn(items[s->i].task, v_child));
    }
    AIO_TIMEOUT(t, &s->to, ms_or_never(s->b)) {
        AIO_GATHER(t, s->got, items, s->nchild);
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) AIO_RAISE(t, AIO_ETIMEDOUT);
    AIO_CHECK(t, s->got);
    AIO_RETURN(t, children_sum(s));
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_status v_group(aio_task *t) {
    vslot *s = AIO_SELF(t, vslot);
    aio_group *g = &VX[s->extra].group;
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, ms_or_never(s->b)) {
        AIO_GROUP(t, g) {
            for (s->i = 0; s->i < s->nchild; s->i++)
                AIO_CHECK(t, aio_group_spawn(g, &V[s->peer + s->i].task, v_child));
        }
    }
    if (aio_timeout_status(&s->to) == AIO_ETIMEDOUT) AIO_RAISE(t, AIO_ETIMEDOUT);
    AIO_CHECK(t, aio_group_status(g));
    AIO_RETURN(t, children_sum(s));
    AIO_FINALLY(t);
    s->ended = ELAPSED();
    AIO_END(t);
}

static aio_task_fn top_level_fn(int kind) {
    switch (kind) {
    case K_SLEEP: case K_VICTIM: return v_sleeper;
    case K_CANCELLER: return v_canceller;
    case K_NOW: return v_now;
    case K_WAITFOR: return v_waitfor;
    case K_GATHER: return v_gather;
    case K_GROUP: return v_group;
    default: return NULL; /* children: their parent spawns them */
    }
}

/* Spawns every top-level task, then awaits every task in index order (a
 * parent comes before its children, so they exist by the time it gets there). */
typedef struct {
    aio_task task;
    uint32_t i, n;
    aio_status rc;
} vmain_t;

static aio_status v_main(aio_task *t) {
    vmain_t *m = AIO_SELF(t, vmain_t);
    AIO_BEGIN(t);
    for (m->i = 0; m->i < m->n; m->i++) {
        aio_task_fn fn = top_level_fn(V[m->i].kind);
        if (fn) AIO_CHECK(t, aio_spawn(&V[m->i].task, fn));
    }
    for (m->i = 0; m->i < m->n; m->i++) {
        AIO_AWAIT(t, m->rc, &V[m->i].task);
        /* most are done by now: awaiting them does not suspend, so let the
         * loop go round now and then (debug builds name a task that passes a
         * million awaits without suspending) */
        if (m->i % 65536 == 65535) AIO_YIELD(t);
    }
    AIO_END(t);
}

/* Draw the plan: kinds, durations, children, victims. Returns the number of
 * gather / group parents (slots of vext). */
static uint32_t v_plan(uint32_t n) {
    uint32_t i = 0, nx = 0, nv = 0, *victims;
    while (i < n) {
        vslot *s = &V[i];
        uint32_t r = rng_below(100), k = 2 + rng_below(MAXK - 1), j;
        int kind = r < 30 ? K_SLEEP : r < 45 ? K_VICTIM : r < 55 ? K_CANCELLER : r < 63 ? K_NOW
                 : r < 78 ? K_WAITFOR : r < 89 ? K_GATHER : K_GROUP;
        uint32_t need = kind == K_WAITFOR ? 2 : (kind == K_GATHER || kind == K_GROUP) ? 1 + k : 1;
        if (need > n - i) kind = K_SLEEP, need = 1;
        s->kind = (uint8_t)kind;
        switch (kind) {
        case K_SLEEP:
        case K_VICTIM:
            s->a = sleep_ms();
            s->b = rng_below(100) < 15 ? NONE : timeout_ms();
            s->c = NONE; /* earliest cancel, filled in below */
            break;
        case K_CANCELLER: s->a = cancel_ms(); break;
        case K_NOW: break;
        case K_WAITFOR:
            s->a = timeout_ms();
            s->peer = i + 1;
            V[i + 1].kind = K_WF_CHILD;
            V[i + 1].a = sleep_ms();
            V[i + 1].c = rng_below(6); /* cleanup: 0..5 ms */
            break;
        default: /* K_GATHER, K_GROUP */
            s->b = rng_below(100) < 20 ? NONE : timeout_ms();
            s->peer = i + 1;
            s->nchild = (uint8_t)k;
            s->extra = nx++;
            for (j = 0; j < k; j++) {
                vslot *c = &V[i + 1 + j];
                uint32_t p;
                c->kind = K_CHILD;
                do { /* siblings end at distinct times */
                    c->a = sleep_ms();
                    for (p = 0; p < j && V[i + 1 + p].a != c->a; p++) {
                    }
                } while (p < j);
            }
            if (rng_below(100) < 40) V[i + 1 + rng_below(k)].fails = 1;
            break;
        }
        if (kind == K_VICTIM) nv++;
        i += need;
    }
    victims = (uint32_t *)calloc(nv ? nv : 1, sizeof *victims);
    if (!victims) return NONE;
    for (i = 0, nv = 0; i < n; i++)
        if (V[i].kind == K_VICTIM) victims[nv++] = i;
    for (i = 0; i < n; i++) {
        vslot *s = &V[i];
        if (s->kind != K_CANCELLER) continue;
        if (!nv) {
            s->kind = K_NOW;
            continue;
        }
        s->peer = victims[rng_below(nv)];
        if (s->a < V[s->peer].c) V[s->peer].c = s->a;
    }
    free(victims);
    return nx;
}

static uint32_t min3(uint32_t a, uint32_t b, uint32_t c) {
    uint32_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Work out every task's final status and end time from the plan. */
static void v_expect(uint32_t n) {
    uint32_t i, j;
    for (i = 0; i < n; i++) {
        vslot *s = &V[i];
        switch (s->kind) {
        case K_SLEEP:
        case K_VICTIM: {
            uint32_t e = min3(s->a, s->b, s->c); /* no two of them are equal */
            s->exp_end = e;
            s->exp_status = e == s->a ? VALUE(i) : e == s->b ? AIO_ETIMEDOUT : AIO_ECANCELED;
            break;
        }
        case K_NOW:
            s->exp_end = 0;
            s->exp_status = VALUE(i);
            break;
        case K_WAITFOR: {
            vslot *c = &V[s->peer];
            if (c->a < s->a) { /* the child finishes first: its result */
                s->exp_end = c->exp_end = c->a;
                s->exp_status = c->exp_status = VALUE(s->peer);
            } else { /* cancelled at the timeout; the caller waits for its cleanup */
                s->exp_end = c->exp_end = s->a + c->c;
                s->exp_status = AIO_ETIMEDOUT;
                c->exp_status = AIO_ECANCELED;
            }
            break;
        }
        case K_GATHER:
        case K_GROUP: {
            uint32_t last = 0, fail_at = NONE, end;
            aio_status sum = 0;
            for (j = 0; j < s->nchild; j++) {
                vslot *c = &V[s->peer + j];
                if (c->a > last) last = c->a;
                if (c->fails) fail_at = c->a;
                sum += VALUE(s->peer + j);
            }
            end = fail_at != NONE ? fail_at : last; /* when the gather / group is over */
            if (s->b < end) { /* the timeout cancels the children still running */
                s->exp_end = s->b;
                s->exp_status = AIO_ETIMEDOUT;
            } else {
                s->exp_end = end;
                s->exp_status = fail_at != NONE ? CHILD_FAILS : sum;
            }
            for (j = 0; j < s->nchild; j++) {
                vslot *c = &V[s->peer + j];
                aio_status own = c->fails ? CHILD_FAILS : VALUE(s->peer + j);
                if (c->a <= s->exp_end) { /* done by the time the parent is */
                    c->exp_end = c->a;
                    c->exp_status = own;
                } else if (s->exp_status == AIO_ETIMEDOUT || s->kind == K_GROUP) {
                    /* cancelled by the timeout, or by the group on a sibling's failure */
                    c->exp_end = s->exp_end;
                    c->exp_status = AIO_ECANCELED;
                } else { /* gather returned the failure early: the others go on */
                    c->exp_end = c->a;
                    c->exp_status = own;
                }
            }
            break;
        }
        default: break; /* cancellers below, children above */
        }
    }
    for (i = 0; i < n; i++) {
        vslot *s = &V[i];
        if (s->kind != K_CANCELLER) continue;
        s->exp_end = s->a;
        s->exp_status = s->a <= V[s->peer].exp_end; /* 1 if the victim was still alive */
    }
}

static int v_category(aio_status st) {
    return st >= 0 ? 0 : st == AIO_ETIMEDOUT ? 1 : st == AIO_ECANCELED ? 2 : 3;
}
static const char *const category_names[4] = {"completed", "timed out", "cancelled", "failed"};

static int run_virtual(uint32_t n, uint64_t seed) {
    static vmain_t m;
    aio_loop loop;
    uint32_t nx, i, max_end = 0;
    unsigned long got_cat[4] = {0, 0, 0, 0}, exp_cat[4] = {0, 0, 0, 0}, kinds[K_KINDS];
    unsigned long cancels_made = 0, accounted = 0, left;
    aio_status rc, destroyed;
    double t0, t1;
    int c, ok;

    memset(kinds, 0, sizeof kinds);
    rng_state = seed;
    V = (vslot *)calloc(n, sizeof *V);
    if (!V) {
        printf("virtual: cannot allocate %lu tasks\n", (unsigned long)n);
        return 1;
    }
    nx = v_plan(n);
    VX = nx == NONE ? NULL : (vext *)calloc(nx ? nx : 1, sizeof *VX);
    if (!VX) {
        printf("virtual: out of memory\n");
        free(V);
        free(VX);
        return 1;
    }
    v_expect(n);

    t0 = wall_seconds();
    memset(&m, 0, sizeof m);
    m.n = n;
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    vstart = AIO_SEC(1000);
    aio_loop_use_virtual_clock(&loop, vstart);
    rc = aio_run(&loop, &m.task, v_main);
    t1 = wall_seconds();

    if (rc != AIO_OK) FAILED("the main task ended with %d", rc);
    for (i = 0; i < n; i++) {
        vslot *s = &V[i];
        aio_status st = aio_task_result(&s->task);
        kinds[s->kind]++;
        if (s->exp_end > max_end) max_end = s->exp_end;
        exp_cat[v_category(s->exp_status)]++;
        if (s->kind == K_CANCELLER && s->exp_status == 1) cancels_made++;
        if (!aio_task_done(&s->task)) {
            FAILED("task %lu (%s) did not finish", (unsigned long)i, kind_names[s->kind]);
            continue;
        }
        got_cat[v_category(st)]++;
        if (st != s->exp_status || s->ended != AIO_MS(s->exp_end))
            FAILED("task %lu (%s a=%lu b=%ld c=%ld): status %d at %.3f ms, expected %d at %lu ms",
                   (unsigned long)i, kind_names[s->kind], (unsigned long)s->a,
                   s->b == NONE ? -1L : (long)s->b, s->c == NONE ? -1L : (long)s->c, st,
                   (double)s->ended * 1000.0 / AIO_TICKS_PER_SEC, s->exp_status,
                   (unsigned long)s->exp_end);
    }
    for (c = 0; c < 4; c++) {
        accounted += got_cat[c];
        if (got_cat[c] != exp_cat[c])
            FAILED("%s: %lu tasks, expected %lu", category_names[c], got_cat[c], exp_cat[c]);
    }
    if (accounted != n) FAILED("%lu tasks accounted for out of %lu", accounted, (unsigned long)n);
    if (ELAPSED() != AIO_MS(max_end))
        FAILED("the run ended at %.3f ms, expected %lu ms",
               (double)ELAPSED() * 1000.0 / AIO_TICKS_PER_SEC, (unsigned long)max_end);
    left = loop.heap_len;
    if (left != 0) FAILED("%lu timers left in the heap", left);
    if (loop.live != 0) FAILED("%lu tasks still alive", (unsigned long)loop.live);
    destroyed = aio_loop_destroy(&loop);
    if (destroyed != AIO_OK) FAILED("aio_loop_destroy returned %d", destroyed);
    if (misuse_reports) FAILED("%lu misuse reports", misuse_reports);

    ok = mismatches == 0;
    printf("virtual: %lu tasks, seed %llu: %lu completed, %lu timed out, %lu cancelled, "
           "%lu failed (%lu accounted for); %lu cancels delivered; virtual time %lu ms; "
           "%lu timers left, destroy %d; %.2f s; %s\n",
           (unsigned long)n, (unsigned long long)seed, got_cat[0], got_cat[1], got_cat[2],
           got_cat[3], accounted, cancels_made, (unsigned long)max_end, left, destroyed, t1 - t0,
           ok ? "OK" : "FAILED");
    printf("  kinds:");
    for (c = 0; c < K_KINDS; c++) printf(" %s %lu%s", kind_names[c], kinds[c], c + 1 < K_KINDS ? "," : "\n");
    free(VX);
    free(V);
    V = NULL;
    VX = NULL;
    return ok ? 0 : 1;
}

/* ---------------------------------------------------------- real clock run */

enum { R_SLEEP, R_TIMEOUT_BLOCK, R_EVENT_WAIT, R_KINDS };

typedef struct {
    aio_task task;
    aio_timeout to;
    aio_time deadline;  /* loop time when the wait began + its duration */
    aio_time woke;      /* aio_now() when it resumed */
    aio_time woke_real; /* the clock read when it resumed */
    uint32_t us;        /* the wait, in microseconds */
    uint32_t order;     /* 1 for the first task to wake, ... */
    aio_status rc;
    uint8_t kind;
} rslot;

static rslot *R;
static aio_event never_set;
static uint32_t wake_count;

static aio_status r_task(aio_task *t) {
    rslot *s = AIO_SELF(t, rslot);
    AIO_BEGIN(t);
    s->deadline = (aio_time)(aio_now() + AIO_US(s->us));
    if (s->kind == R_SLEEP) {
        AIO_SLEEP(t, AIO_US(s->us));
    } else if (s->kind == R_TIMEOUT_BLOCK) {
        AIO_TIMEOUT(t, &s->to, AIO_US(s->us)) {
            AIO_EVENT_WAIT(t, s->rc, &never_set, AIO_NEVER);
        }
        s->rc = aio_timeout_status(&s->to);
    } else {
        AIO_EVENT_WAIT(t, s->rc, &never_set, AIO_US(s->us));
    }
    s->woke = aio_now();
    {
        aio_loop *L = aio_running_loop();
        s->woke_real = L->clock(L->clock_ctx);
    }
    s->order = ++wake_count;
    AIO_RETURN(t, s->rc); /* AIO_OK for a sleep, AIO_ETIMEDOUT for the others */
    AIO_END(t);
}

typedef struct {
    aio_task task;
    uint32_t i, n, armed;
    aio_status rc;
} rmain_t;

static aio_status r_main(aio_task *t) {
    rmain_t *m = AIO_SELF(t, rmain_t);
    AIO_BEGIN(t);
    for (m->i = 0; m->i < m->n; m->i++) AIO_CHECK(t, aio_spawn(&R[m->i].task, r_task));
    AIO_YIELD(t); /* back after every task has run once and armed its timer */
    m->armed = aio_running_loop()->heap_len;
    for (m->i = 0; m->i < m->n; m->i++) {
        AIO_AWAIT(t, m->rc, &R[m->i].task);
        if (m->i % 65536 == 65535) AIO_YIELD(t); /* as in v_main */
    }
    AIO_END(t);
}

static int run_real(uint32_t n, uint64_t seed) {
    static rmain_t m;
    aio_loop loop;
    aio_timer *timers;
    uint32_t i, *by_order;
    unsigned long kinds[R_KINDS] = {0, 0, 0}, ended = 0, early = 0, disorder = 0, no_timer = 0;
    aio_time worst_loop = 0, worst_real = 0;
    double sum_real = 0, t0, t1;
    aio_status rc, destroyed;
    int ok;

    rng_state = seed;
    R = (rslot *)calloc(n, sizeof *R);
    timers = (aio_timer *)calloc(n, sizeof *timers); /* one timer per task at most */
    by_order = (uint32_t *)calloc(n, sizeof *by_order);
    if (!R || !timers || !by_order) {
        printf("real: out of memory\n");
        free(R);
        free(timers);
        free(by_order);
        return 1;
    }
    for (i = 0; i < n; i++) {
        R[i].kind = (uint8_t)rng_below(R_KINDS);
        R[i].us = rng_below(100) == 0 ? 0 : rng_below(300001); /* 0 .. 300 ms; 1% zero */
        kinds[R[i].kind]++;
        if (R[i].us == 0 && R[i].kind != R_EVENT_WAIT) no_timer++; /* a zero sleep or block yields */
    }
    memset(&never_set, 0, sizeof never_set);
    memset(&m, 0, sizeof m);
    m.n = n;
    wake_count = 0;
    t0 = wall_seconds();
    aio_loop_init(&loop, timers, n); /* the monotonic clock */
    rc = aio_run(&loop, &m.task, r_main);
    t1 = wall_seconds();

    if (rc != AIO_OK) FAILED("the main task ended with %d", rc);
    if (m.armed != n - no_timer)
        FAILED("%lu timers armed at once, expected %lu", (unsigned long)m.armed, n - no_timer);
    if (wake_count != n) FAILED("%lu tasks woke, expected %lu", (unsigned long)wake_count, (unsigned long)n);
    for (i = 0; i < n; i++) {
        rslot *s = &R[i];
        aio_status want = s->kind == R_SLEEP ? AIO_OK : AIO_ETIMEDOUT;
        if (!aio_task_done(&s->task) || s->order == 0 || s->order > n) {
            FAILED("task %lu did not end", (unsigned long)i);
            continue;
        }
        ended++;
        if (aio_task_result(&s->task) != want)
            FAILED("task %lu (kind %d): status %d, expected %d", (unsigned long)i, s->kind,
                   aio_task_result(&s->task), want);
        if (by_order[s->order - 1]) FAILED("two tasks woke as number %lu", (unsigned long)s->order);
        by_order[s->order - 1] = i + 1;
        if (s->woke < s->deadline || s->woke_real < s->deadline) {
            early++;
            FAILED("task %lu woke %lld ns early", (unsigned long)i,
                   (long long)(s->deadline - (s->woke < s->woke_real ? s->woke : s->woke_real)));
            continue;
        }
        if (s->woke - s->deadline > worst_loop) worst_loop = s->woke - s->deadline;
        if (s->woke_real - s->deadline > worst_real) worst_real = s->woke_real - s->deadline;
        sum_real += (double)(s->woke_real - s->deadline);
    }
    for (i = 1; i < n && ended == n; i++) {
        const rslot *a = &R[by_order[i - 1] - 1], *b = &R[by_order[i] - 1];
        if (b->deadline < a->deadline && ++disorder)
            FAILED("wake %lu (deadline %.3f ms) came before wake %lu (deadline %.3f ms)",
                   (unsigned long)i, (double)(a->deadline - R[0].deadline) / 1e6,
                   (unsigned long)i + 1, (double)(b->deadline - R[0].deadline) / 1e6);
    }
    if (worst_real > AIO_SEC(5))
        FAILED("a task woke %.3f s late (more than 5 s)", (double)worst_real / AIO_TICKS_PER_SEC);
    if (loop.heap_len != 0) FAILED("%lu timers left in the heap", (unsigned long)loop.heap_len);
    destroyed = aio_loop_destroy(&loop);
    if (destroyed != AIO_OK) FAILED("aio_loop_destroy returned %d", destroyed);
    if (misuse_reports) FAILED("%lu misuse reports", misuse_reports);

    ok = mismatches == 0;
    printf("real: %lu tasks (%lu sleeps, %lu timeout blocks, %lu event waits), seed %llu: "
           "%lu timers armed at once; %lu ended, %lu early, %lu out of deadline order; "
           "lateness worst %.3f ms (loop time %.3f ms), mean %.3f ms; destroy %d; %.2f s; %s\n",
           (unsigned long)n, kinds[R_SLEEP], kinds[R_TIMEOUT_BLOCK], kinds[R_EVENT_WAIT],
           (unsigned long long)seed, (unsigned long)m.armed, ended, early, disorder,
           (double)worst_real * 1000.0 / AIO_TICKS_PER_SEC,
           (double)worst_loop * 1000.0 / AIO_TICKS_PER_SEC,
           n ? sum_real / n * 1000.0 / AIO_TICKS_PER_SEC : 0.0, destroyed, t1 - t0,
           ok ? "OK" : "FAILED");
    free(by_order);
    free(timers);
    free(R);
    R = NULL;
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------------- main */

static int usage(void) {
    fprintf(stderr, "usage: stress --virtual [N] [--seed S] | --real [N] [--seed S]\n");
    return 2;
}

int main(int argc, char **argv) {
    int mode = 0, a;
    unsigned long n = 0;
    uint64_t seed = 20240611u;
    for (a = 1; a < argc; a++) {
        char *end;
        if (!strcmp(argv[a], "--virtual")) mode = 'v';
        else if (!strcmp(argv[a], "--real")) mode = 'r';
        else if (!strcmp(argv[a], "--seed") && a + 1 < argc) {
            seed = strtoull(argv[++a], &end, 0);
            if (*end) return usage();
        } else {
            n = strtoul(argv[a], &end, 0);
            if (*end || n == 0 || n > 100000000ul) return usage();
        }
    }
    if (!mode) return usage();
    aio_set_debug_hook(count_misuse);
    if (mode == 'v') return run_virtual(n ? (uint32_t)n : 1000000u, seed);
    return run_real(n ? (uint32_t)n : 100000u, seed);
}
