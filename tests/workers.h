/* SPDX-License-Identifier: MIT */
/* The unit tests' shared vocabulary: the tasks most tests start (a worker that
 * sleeps and then returns or fails, a task that returns at once, a third party
 * that cancels another task) and the few lines every test repeats to set them
 * up and run them.
 *
 * Everything a coroutine below must remember across an await lives in its
 * state struct (README.md, "The model": locals do not survive an await). A
 * test sets the configuration fields before the spawn and reads the records
 * afterwards; the fields it does not use stay zero.
 *
 * A test file whose tasks are file-scope variables defines
 * `static void reset(void)`, which zeroes them; BEGIN_TEST() calls it. */
#ifndef AIO_TEST_WORKERS_H
#define AIO_TEST_WORKERS_H
#include "test.h"
#include <stdarg.h>

/* A fresh loop on the virtual clock, with the file's tasks zeroed. A test
 * ends with CHECK_EQ(aio_loop_destroy(&loop), AIO_OK) or END_TEST(). */
#define BEGIN_TEST()  \
    aio_loop loop;    \
    reset();          \
    test_loop(&loop)
#define END_TEST() CHECK_EQ(aio_loop_destroy(&loop), AIO_OK)
/* The same for a test that keeps its tasks in one struct of its own. */
#define BEGIN_TEST_WITH(state)              \
    aio_loop loop;                          \
    memset(&(state), 0, sizeof(state));    \
    test_loop(&loop)

/* ------------------------------------------------------------------ times */

/* A duration in whole ms, -1 for AIO_NEVER. */
static inline long long ms_of(aio_time d) {
    if (d == AIO_NEVER) return -1;
    return TEST_MS_OF(d);
}
/* An absolute time as ms since the test started, -1 for AIO_NEVER. */
static inline long long rel_ms(aio_time when) {
    if (when == AIO_NEVER) return -1;
    return ms_of((aio_time)(when - test_start));
}

/* In the AIO_FINALLY section of a task whose state has fin, fin_at and
 * fin_status: counts the cleanup, notes when it began and why. */
#define NOTE_CLEANUP(t, s)                 \
    do {                                   \
        (s)->fin++;                        \
        (s)->fin_at = T_MS();              \
        (s)->fin_status = AIO_STATUS(t);   \
    } while (0)

/* ---------------------------------------------------------------- workers */

/* A worker's state: configuration, then what it recorded. */
typedef struct wk {
    aio_task task;
    const char *name;     /* traces "name@ms " when its body ends (NULL: silent) */
    aio_time d;           /* the body sleeps this long ... */
    aio_status ret;       /* ... then returns ret (>= 0) or raises it (< 0) */
    aio_group *grp;       /* the group sib and fin_spawn are spawned into */
    struct wk *sib;       /* spawned into grp after the sleep (NULL: none) ... */
    aio_time d2;          /* ... then the body sleeps d2 more (0: no sleep) */
    aio_time cleanup;     /* AIO_FINALLY sleeps this long (0: no sleep) ... */
    int shield_cleanup;   /* ... inside AIO_SHIELDED(shield_d) */
    aio_time shield_d;    /* 0: AIO_NEVER */
    struct wk *fin_spawn; /* spawned into grp at the end of the cleanup (NULL: none) */
    int override;         /* AIO_FINALLY ends with fin_value instead */
    aio_status fin_value;
    int body, after, fin, cleanup_done;   /* how often each part ran */
    long long start_at, after_at;         /* ms when the body began, when it ended */
    long long fin_at, cleanup_at;         /* ms when the cleanup began, when its sleep ended */
    aio_status fin_status;                /* AIO_STATUS(t) as the cleanup began */
    aio_time eff, left;   /* aio_effective_deadline, aio_time_left as the body began */
    aio_status sib_rc, fin_spawn_rc;      /* what spawning sib, fin_spawn returned */
    aio_timeout sh;       /* the cleanup's shield */
} wk;

/* Sleeps d (and spawns sib, sleeps d2), returns or raises ret. Its cleanup
 * records why and when it ran, sleeps `cleanup` (shielded or not), spawns
 * fin_spawn, and with `override` ends with fin_value. */
static inline aio_status worker(aio_task *t) {
    wk *s = AIO_SELF(t, wk);
    AIO_BEGIN(t);
    s->body++;
    s->start_at = T_MS();
    s->eff = aio_effective_deadline(NULL);
    s->left = aio_time_left(NULL);
    AIO_SLEEP(t, s->d);
    if (s->sib) {
        s->sib_rc = aio_group_spawn(s->grp, &s->sib->task, worker);
        if (s->d2) AIO_SLEEP(t, s->d2);
    }
    s->after++;
    s->after_at = T_MS();
    if (s->name) trace("%s@%lld ", s->name, s->after_at);
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    NOTE_CLEANUP(t, s);
    if (s->cleanup) {
        if (s->shield_cleanup) {
            AIO_SHIELDED(t, &s->sh, s->shield_d ? s->shield_d : AIO_NEVER) {
                AIO_SLEEP(t, s->cleanup);
            }
        } else {
            AIO_SLEEP(t, s->cleanup);
        }
        s->cleanup_done++;
        s->cleanup_at = T_MS();
    }
    if (s->fin_spawn) s->fin_spawn_rc = aio_group_spawn(s->grp, &s->fin_spawn->task, worker);
    if (s->override) AIO_RETURN(t, s->fin_value);
    AIO_END(t);
}

/* Returns or raises ret without awaiting; notes that (and when) its body ran
 * and that its cleanup ran. */
static inline aio_status quick(aio_task *t) {
    wk *s = AIO_SELF(t, wk);
    AIO_BEGIN(t);
    s->body++;
    s->start_at = T_MS();
    AIO_RETURN(t, s->ret);
    AIO_FINALLY(t);
    s->fin++;
    AIO_END(t);
}

/* Configures w to sleep ms and then end with ret (name: its trace, or NULL). */
static inline void setw(wk *w, const char *name, int ms, aio_status ret) {
    w->name = name;
    w->d = AIO_MS(ms);
    w->ret = ret;
}

/* Configures w as setw does and spawns it; returns what aio_spawn returned. */
static inline aio_status start_worker(wk *w, const char *name, int ms, aio_status ret) {
    setw(w, name, ms, ret);
    return aio_spawn(&w->task, worker);
}

/* Configures w to sleep ms and then end with ret; spawns it into group g.
 * Returns what aio_group_spawn returned. */
static inline aio_status start_in_group(aio_group *g, wk *w, int ms, aio_status ret) {
    setw(w, NULL, ms, ret);
    return aio_group_spawn(g, &w->task, worker);
}

/* ------------------------------------------------------------- cancellers */

/* A third party that sleeps d, then cancels target. */
typedef struct cx {
    aio_task task;
    const char *name;     /* traces "name@ms " when it cancels (NULL: silent) */
    aio_time d;
    aio_task *target;
    aio_task *probe;      /* if set: whether it was done when target was cancelled */
    int cancelled;        /* what aio_cancel(target) returned */
    int probe_done;
    long long at;         /* ms when it cancelled */
} cx;

static inline aio_status canceller(aio_task *t) {
    cx *s = AIO_SELF(t, cx);
    AIO_BEGIN(t);
    AIO_SLEEP(t, s->d);
    s->cancelled = aio_cancel(s->target);
    if (s->probe) s->probe_done = aio_task_done(s->probe);
    s->at = T_MS();
    if (s->name) trace("%s@%lld ", s->name, s->at);
    AIO_END(t);
}

/* Spawns x to cancel target ms from now. */
static inline aio_status start_canceller(cx *x, aio_task *target, int ms) {
    x->target = target;
    x->d = AIO_MS(ms);
    return aio_spawn(&x->task, canceller);
}

/* ------------------------------------------------------- waiting on many */

/* WAIT_ITEMS(it, &A.task, &B.task, ...): puts the tasks given into it[0],
 * it[1], ... (the array must be long enough) and returns how many. */
#define WAIT_ITEMS(it, ...) wait_items_upto_null((it), __VA_ARGS__, (aio_task *)NULL)
static inline size_t wait_items_upto_null(aio_wait_item *it, aio_task *first, ...) {
    size_t n = 0;
    aio_task *task = first;
    va_list ap;
    va_start(ap, first);
    while (task) {
        it[n++].task = task;
        task = va_arg(ap, aio_task *);
    }
    va_end(ap);
    return n;
}
#endif
