/* SPDX-License-Identifier: MIT */
/* 15_as_completed.c - the answers of several tasks in the order they arrive,
 * within one timeout for all (asyncio.as_completed(tasks, timeout=2)).
 *
 *   - six sources are asked for a price at once; each answers after its own
 *     delay, one fails instead;
 *   - AIO_NEXT_COMPLETED hands out the index of each task as soon as it has
 *     finished, the failure included, and the best price so far is kept;
 *   - after 2 s the sources still working are not waited for: the next
 *     AIO_NEXT_COMPLETED gives AIO_ETIMEDOUT (they are not cancelled); the
 *     program cancels them and waits for them.
 *
 * The Python original is 15_as_completed.py; both print the same lines.
 * Run: 15_as_completed [--virtual] */
#include "example.h"

#define REFUSED AIO_EUSER /* ConnectionError */
#define N 6

typedef struct { const char *name; int delay_ms, price; } source_spec;
static const source_spec sources[N] = {
    {"alpha", 1300, 101}, {"beta", 400, 97},    {"gamma", 3500, 99},
    {"delta", 700, -1},   {"epsilon", 1900, 95}, {"zeta", 2600, 93}};
typedef struct { aio_task task; const source_spec *spec; } source_t;

static aio_status ask(aio_task *t) {
    source_t *s = AIO_SELF(t, source_t);
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(s->spec->delay_ms));
    if (s->spec->price < 0) AIO_RAISE(t, REFUSED);
    AIO_RETURN(t, s->spec->price);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("%s: cancelled", s->spec->name);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    source_t src[N];
    aio_wait_item items[N];
    aio_as_completed ac;
    int i, best, missing;
    aio_status lv;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < N; s->i++) {
        s->src[s->i].spec = &sources[s->i];
        AIO_CHECK(t, create_task(&s->items[s->i], &s->src[s->i].task, ask));
    }
    s->best = -1;
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->items, N, AIO_SEC(2)));
    while (aio_as_completed_left(&s->ac) > 0) {
        AIO_NEXT_COMPLETED(t, s->lv, &s->ac);
        if (s->lv == AIO_ETIMEDOUT) break;
        s->i = s->lv; /* the index of the task that finished */
        if (aio_task_result(&s->src[s->i].task) == REFUSED) {
            say("%s: connection refused", sources[s->i].name);
            continue;
        }
        say("%s: %d", sources[s->i].name, aio_task_result(&s->src[s->i].task));
        if (s->best < 0 || sources[s->i].price < sources[s->best].price) s->best = s->i;
    }
    if (s->lv == AIO_ETIMEDOUT) {
        for (s->missing = 0, s->i = 0; s->i < N; s->i++) s->missing += !aio_task_done(&s->src[s->i].task);
        say("2 s are up: %d sources have not answered; cancelling them", s->missing);
        for (s->i = 0; s->i < N; s->i++) aio_cancel(&s->src[s->i].task);
    }
    AIO_GATHER_ALL(t, s->lv, s->items, N);
    say("best price: %d from %s", sources[s->best].price, sources[s->best].name);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
