/* SPDX-License-Identifier: MIT */
/* demo: three asyncio patterns from the tutorials, in C.
 *
 *   1. wait_for(slow(), timeout=1)           -> "timed out"
 *   2. a worker cancelled after 0.7 s, with cleanup that re-raises
 *   3. async with timeout(2): slow_operation("task", 5)
 *
 * Runs on the real clock (about 3.7 s); `demo --virtual` runs on the virtual
 * clock and finishes at once with the same output. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include <stdio.h>
#include <string.h>

static aio_time t0;
static void say(const char *text) {
    printf("[%5.2f s] %s\n", aio_to_seconds(aio_now() - t0), text);
}

/* async def slow(): await asyncio.sleep(5); return "ok" -- an inline coroutine */
typedef struct { aio_frame frame; aio_time seconds; } slow_t;
static aio_status slow(aio_task *t, slow_t *s) {
    AIO_BEGIN(t, s);
    AIO_SLEEP(t, AIO_SEC(s->seconds));
    AIO_RETURN(t, 1);
    AIO_END(t);
}

/* async def worker(): while True: print("working"); await sleep(0.2)
 *                     except CancelledError: print("cancelled"); raise */
static aio_status worker(aio_task *t) {
    AIO_BEGIN(t);
    for (;;) {
        say("working");
        AIO_SLEEP(t, AIO_MS(200));
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("cancelled");
    AIO_END(t);
}

typedef struct {
    aio_task task, worker;
    aio_timeout scope;
    slow_t slow;
    aio_status rc;
} main_t;

static aio_status demo(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("1. result = await asyncio.wait_for(slow(), timeout=1)");
    s->slow.seconds = 5;
    AIO_WAIT_FOR_CALL(t, s->rc, slow, &s->slow, &s->scope, AIO_SEC(1));
    say(s->rc == AIO_ETIMEDOUT ? "timed out" : "ok");

    say("2. task = create_task(worker()); await sleep(0.7); task.cancel()");
    AIO_CHECK(t, aio_spawn(&s->worker, worker));
    AIO_SLEEP(t, AIO_MS(700));
    aio_cancel(&s->worker);
    AIO_AWAIT(t, s->rc, &s->worker);
    if (s->rc == AIO_ECANCELED) say("task cancelled confirmed");

    say("3. async with asyncio.timeout(2): await slow_operation(\"task\", 5)");
    AIO_TIMEOUT(t, &s->scope, AIO_SEC(2)) {
        say("task starting, will take 5s");
        AIO_CALL(t, s->rc, slow, &s->slow);
        say("task complete");
    }
    if (aio_timeout_status(&s->scope) == AIO_ETIMEDOUT) say("Operation timed out!");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[8];
    static main_t m;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 8);
    if (argc > 1 && strcmp(argv[1], "--virtual") == 0) aio_loop_use_virtual_clock(&loop, 0);
    t0 = aio_loop_now(&loop);
    rc = aio_run(&loop, &m.task, demo);
    aio_loop_destroy(&loop);
    return rc < 0;
}
