/* SPDX-License-Identifier: MIT */
/* The header without the C library (AIO_NO_STDLIB, as on a microcontroller
 * whose toolchain has none), built for the host by tests/coverage/run.sh
 * with -DAIO_NO_STDLIB -DAIO_DEBUG: the loop starts on the virtual clock,
 * aio_grow_realloc has no allocator to offer, and misuse is reported only
 * once a debug hook is set (aio_set_debug_hook(NULL) turns it off again),
 * a task that holds the loop with a fixed message.
 * Exit 0 if right. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <stdio.h>

static int heard;
static aio_status heard_code;

static void hook(aio_status code, const char *message) {
    (void)message;
    heard++;
    heard_code = code;
}

typedef struct { aio_task task; } sleeper_t;

typedef struct { aio_frame frame; } fails_t;
static fails_t fails;
static aio_status fails_at_once(aio_task *t, fails_t *f) {
    AIO_BEGIN(t, f);
    AIO_RAISE(t, AIO_EUSER);
    AIO_END(t);
}

typedef struct { aio_task task; long i; aio_status rc; } spinner_t;
static aio_status spins(aio_task *t) { /* 1,000,000 awaits without suspending */
    spinner_t *s = AIO_SELF(t, spinner_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 1000000; s->i++) AIO_CALL(t, s->rc, fails_at_once, &fails);
    AIO_END(t);
}

static aio_status sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(250));
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[2];
    static sleeper_t s;
    static aio_task never; /* never spawned: cancelling it is misuse */
    aio_loop loop;
    int bad = 0;
    aio_loop_init(&loop, timers, 2);
    bad += aio_loop_now(&loop) != 0;                    /* virtual time from 0 */
    bad += aio_run(&loop, &s.task, sleeper) != AIO_OK;
    bad += aio_loop_now(&loop) != AIO_MS(250);          /* at once */
    bad += aio_grow_realloc(NULL, NULL, 0, 64) != NULL; /* no allocator */
    bad += aio_cancel(&never) != AIO_EINVAL;            /* no hook: silent */
    aio_set_debug_hook(hook);
    bad += aio_cancel(&never) != AIO_EINVAL || heard != 1 || heard_code != AIO_EINVAL;
    {
        static spinner_t sp; /* a task holding the loop is named (debug builds) */
        bad += aio_run(&loop, &sp.task, spins) != AIO_OK || sp.rc != AIO_EUSER;
        bad += heard != 2 || heard_code != AIO_EBUSY;
    }
    aio_set_debug_hook(NULL);
    bad += aio_cancel(&never) != AIO_EINVAL || heard != 2;
    bad += aio_loop_destroy(&loop) != AIO_OK;
    printf("without the C library: virtual clock, no growth, debug hook off until set%s\n",
           bad ? ": WRONG" : "");
    return bad != 0;
}
