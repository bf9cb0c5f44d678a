/* SPDX-License-Identifier: MIT */
/* What one await costs at its site: a body with SITES (1 or 2) awaits of one
 * kind (-DSITE_SLEEP, SITE_YIELD, SITE_TIMEOUT: a timeout block around a
 * sleep, SITE_EVENT: an event wait with a timeout). make size takes the
 * difference of the two programs' bytes: the second site's. */
#include "config.h"
#include "../../../aio_timeout_core.h"
#include "board.h"

typedef struct { aio_task task; aio_timeout to[2]; aio_status rc; } app_t;

#if defined(SITE_SLEEP)
#define SITE(k) AIO_SLEEP(t, AIO_MS(10))
#elif defined(SITE_YIELD)
#define SITE(k) AIO_YIELD(t)
#elif defined(SITE_TIMEOUT)
#define SITE(k)                                                                \
    AIO_TIMEOUT(t, &s->to[k], AIO_MS(50)) { AIO_SLEEP(t, AIO_MS(10)); }
#elif defined(SITE_EVENT)
static aio_event ev;
#define SITE(k) AIO_EVENT_WAIT(t, s->rc, &ev, AIO_MS(50))
#endif

static aio_status app(aio_task *t) {
    app_t *s = AIO_SELF(t, app_t);
    (void)s;
    AIO_BEGIN(t);
    SITE(0);
#if SITES == 2
    SITE(1);
#endif
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[1];
    static app_t a;
    aio_loop loop;
    aio_loop_init(&loop, timers, 1);
    aio_loop_set_clock(&loop, size_clock, NULL);
    aio_loop_set_idle(&loop, size_idle, NULL);
    return aio_run(&loop, &a.task, app);
}
