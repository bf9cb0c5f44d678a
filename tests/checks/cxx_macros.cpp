/* SPDX-License-Identifier: MIT */
/* Every public macro used in C++ user code: compiled by tests/checks/faults.sh
 * with g++ -Wold-style-cast -Wuseless-cast and clang++ -Wold-style-cast as
 * errors, C++11 to C++20 and with 32-bit ticks, then run (exit 0 when the
 * coroutine returns 3). */
#include "aio_timeout.h"
struct job { aio_task task; aio_task child; aio_timeout to, to2; aio_group g; aio_task kids[2];
  aio_wait_item items[2]; aio_status rc; aio_event ev; aio_lock lock; aio_semaphore sem; aio_condition cond; };
struct callee_t { aio_frame frame; int x; };
static aio_status callee(aio_task *t, callee_t *c) {
    AIO_BEGIN(t, c);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_RETURN(t, c->x);
    AIO_END(t);
}
static aio_status kid(aio_task *t) { AIO_BEGIN(t); AIO_YIELD(t); AIO_END(t); }
static aio_status body(aio_task *t) {
    job *s = AIO_SELF(t, job);
    static callee_t c;
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(1));
    AIO_SLEEP(t, AIO_US(10));
    AIO_SLEEP_UNTIL(t, aio_now() + AIO_MS(5));
    AIO_YIELD(t);
    aio_spawn(&s->child, kid);
    AIO_AWAIT(t, s->rc, &s->child);
    aio_spawn(&s->child, kid);
    AIO_WAIT_FOR(t, s->rc, &s->child, AIO_MS(5));
    aio_spawn(&s->child, kid);
    AIO_SHIELD(t, s->rc, &s->child);
    aio_spawn(&s->child, kid);
    AIO_WAIT_FOR_SHIELD(t, s->rc, &s->child, AIO_MS(5));
    AIO_CALL(t, s->rc, callee, &c);
    AIO_WAIT_FOR_CALL(t, s->rc, callee, &c, &s->to2, AIO_MS(5));
    AIO_TIMEOUT(t, &s->to, AIO_MS(5)) { AIO_YIELD(t); }
    AIO_TIMEOUT_AT(t, &s->to, aio_now() + AIO_MS(5)) { AIO_YIELD(t); }
    AIO_SHIELDED(t, &s->to, AIO_NEVER) { AIO_YIELD(t); }
    aio_spawn(&s->kids[0], kid); aio_spawn(&s->kids[1], kid);
    s->items[0].task = &s->kids[0]; s->items[1].task = &s->kids[1];
    AIO_WAIT(t, s->rc, s->items, 2, AIO_ALL_COMPLETED, AIO_NEVER);
    aio_spawn(&s->kids[0], kid); aio_spawn(&s->kids[1], kid);
    AIO_GATHER(t, s->rc, s->items, 2);
    aio_spawn(&s->kids[0], kid); aio_spawn(&s->kids[1], kid);
    AIO_GATHER_ALL(t, s->rc, s->items, 2);
    AIO_GROUP(t, &s->g) { aio_group_spawn(&s->g, &s->kids[0], kid); AIO_YIELD(t); }
    aio_event_set(&s->ev);
    AIO_EVENT_WAIT(t, s->rc, &s->ev, AIO_MS(1));
    AIO_LOCK_ACQUIRE(t, s->rc, &s->lock, AIO_NEVER);
    aio_condition_init(&s->cond, &s->lock);
    AIO_COND_WAIT_FOR(t, s->rc, &s->cond, 1, AIO_MS(1));
    aio_lock_release(&s->lock);
    aio_semaphore_init(&s->sem, 1, 0);
    AIO_SEMAPHORE_ACQUIRE(t, s->rc, &s->sem, AIO_MS(1));
    AIO_CHECK(t, s->rc);
    aio_semaphore_release(&s->sem);
    AIO_WITH_LOCK(t, &s->to, &s->lock, AIO_MS(1)) { AIO_YIELD(t); if (s->rc) AIO_LEAVE(t, &s->to); }
    AIO_WITH_SEMAPHORE(t, &s->to, &s->sem, AIO_NEVER) { AIO_YIELD(t); }
    AIO_WITH_CONDITION(t, &s->to, &s->cond, AIO_MS(1)) { AIO_COND_WAIT(t, s->rc, &s->cond, AIO_MS(1)); }
    AIO_TRY(t, &s->to) { AIO_YIELD(t); } AIO_CLEANUP(t, &s->to) { s->rc = aio_to_seconds(aio_now()) > 0 ? 0 : 1; }
    AIO_CHECK(t, s->rc);
    if (s->rc > 100) AIO_RAISE(t, AIO_EUSER);
    AIO_RETURN(t, 3);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) s->rc = 0;
    AIO_END(t);
}
int main() { static job j; aio_loop L; static aio_timer tm[8]; aio_loop_init(&L, tm, 8); aio_loop_use_virtual_clock(&L, 0); return aio_run(&L, &j.task, body) == 3 ? 0 : 1; }
