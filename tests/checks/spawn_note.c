/* SPDX-License-Identifier: MIT */
/* A program that defines _POSIX_C_SOURCE alone before its first system
 * header, then includes the library (STRICT_FIRST), builds on Linux without
 * syscall(): no pidfd, close_range, pipe2 or accept4, the fallbacks taken
 * (which work). A debug build says so once, at the first spawn; one that
 * defines _DEFAULT_SOURCE says nothing. Prints what the debug hook was told
 * ("" if nothing) after a child ran; exit 0 if the child ran. Built and
 * checked by tests/checks/faults.sh on Linux. */
#ifdef STRICT_FIRST
#define _POSIX_C_SOURCE 200809L
#else
#define _DEFAULT_SOURCE
#endif
#include <stdio.h>
#include <string.h>
#define AIO_DEBUG
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"

static char told[512];
static int times;
static void hook(aio_status code, const char *message) {
    (void)code;
    times++;
    (void)snprintf(told, sizeof told, "%s", message);
}

typedef struct { aio_task task; aio_process p; aio_status rc; int i; } main_t;
static aio_status spawner(aio_task *t) {
    static const char *const argv[] = {"true", NULL};
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 2; s->i++) {
        s->rc = aio_process_spawn(&s->p, argv, NULL);
        if (s->rc != AIO_OK) AIO_RAISE(t, s->rc);
        AIO_PROCESS_WAIT(t, s->rc, &s->p, AIO_SEC(10));
        (void)aio_process_close(&s->p);
    }
    AIO_END(t);
}

int main(void) {
    static main_t m;
    aio_timer timers[4];
    aio_loop loop;
    aio_status rc;
    aio_set_debug_hook(hook);
    aio_loop_init(&loop, timers, 4);
    rc = aio_run(&loop, &m.task, spawner);
    (void)aio_loop_destroy(&loop);
    printf("%d \"%s\"\n", times, told);
    return rc != AIO_OK || m.rc != 0;
}
