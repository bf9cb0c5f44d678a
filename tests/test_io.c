/* SPDX-License-Identifier: MIT */
/* I/O with deadlines: readiness waits, sockets, signals and the port hook.
 *
 * On the virtual clock a loop that waits for I/O never blocks while a timer
 * is armed (time jumps to it instead), so a test whose peer is another task
 * of the same loop writing at a set instant is exact: the reader wakes in the
 * turn after the write, at the writer's time. A port (struct aio_io) is
 * tested everywhere with a fake device; sockets, epoll or poll (AIO_IO_POLL)
 * and signals where POSIX is. Real-clock tests only bound times loosely. */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && (defined(__unix__) || defined(__APPLE__))
#define _POSIX_C_SOURCE 200809L /* sockets, sigaction, mkstemp under -std=c11 */
#endif
#include "test.h"
#include <math.h>
#include <stdlib.h>

/* ------------------------------------------------------- a port of our own */

/* A device with four descriptors: `level[fd]` is what it is ready for now
 * (an interrupt handler would set it); the port reports it while watched. */
typedef struct {
    aio_io io;
    aio_io_slot slots[3];
    int level[3];
    int watched[3];
    int watch_calls, waits, released;
    int irq_fd; /* >= 0: becomes readable while the loop blocks in `wait` */
} fake_port;

static fake_port FP;

/* The part of a message that names the descriptor's problem: hosted builds
 * only (elsewhere one message covers them, string literals taking RAM). */
#if !(defined(__unix__) || defined(__APPLE__) || defined(_WIN32)) || defined(AIO_NO_STDLIB) || defined(AIO_NO_IO)
#define DETAIL(text) "cannot be waited on that way"
#else
#define DETAIL(text) text
#endif

static aio_status fake_watch(aio_io *io, int fd, int old, int events) {
    fake_port *p = (fake_port *)(void *)io;
    CHECK_EQ(old, p->watched[fd]);
    p->watch_calls++;
    if (fd == 2 && events) return AIO_EBADF; /* a descriptor the device refuses */
    p->watched[fd] = events;
    return AIO_OK;
}

static void fake_wait(aio_io *io, aio_loop *loop, aio_time deadline) {
    fake_port *p = (fake_port *)(void *)io;
    int fd;
    (void)deadline;
    p->waits++;
    if (deadline != aio_loop_now(loop) && p->irq_fd >= 0) { /* an interrupt in the sleep */
        p->level[p->irq_fd] = AIO_READABLE;
        p->irq_fd = -1;
    }
    for (fd = 0; fd < 3; fd++)
        if (p->level[fd] & p->watched[fd]) aio_io_ready(loop, fd, p->level[fd] & p->watched[fd]);
}

static void fake_release(aio_io *io) { ((fake_port *)(void *)io)->released++; }

static void fake_init(void) {
    memset(&FP, 0, sizeof FP);
    FP.irq_fd = -1;
    FP.io.watch = fake_watch;
    FP.io.wait = fake_wait;
    FP.io.slots = FP.slots;
    FP.io.nslots = 3;
}

typedef struct {
    aio_task task;
    int fd, way;
    aio_time d, pre;
    aio_status rc, rc2;
    long long at, at2;
} waiter_t;

static struct {
    aio_task main;
    waiter_t w[3];
    aio_task device;
    aio_timeout to;
    int fd_ready_at; /* device: descriptor that becomes ready */
    aio_time device_after;
    aio_stream st; /* (a build without sockets: refused) */
} P;

static aio_status port_waiter(aio_task *t) {
    waiter_t *w = AIO_CONTAINER(t, waiter_t, task);
    AIO_BEGIN(t);
    if (w->pre) AIO_SLEEP(t, w->pre);
    if (w->way == AIO_READABLE)
        AIO_WAIT_READABLE(t, w->rc, w->fd, w->d);
    else
        AIO_WAIT_WRITABLE(t, w->rc, w->fd, w->d);
    w->at = T_MS();
    AIO_FINALLY(t);
    w->at2 = T_MS();
    AIO_END(t);
}

static aio_status port_device(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, P.device_after);
    FP.level[P.fd_ready_at] = AIO_READABLE; /* as its interrupt handler would */
    AIO_END(t);
}

static void spawn_waiter(int i, int fd, int way, aio_time d) {
    P.w[i].fd = fd;
    P.w[i].way = way;
    P.w[i].d = d;
    CHECK_EQ(aio_spawn(&P.w[i].task, port_waiter), AIO_OK);
}

/* A device ready at 1 s wakes the task waiting on it then (its deadline is
 * 5 s); the next wait on the same descriptor, with the device no longer
 * ready, times out at its deadline, and the port stops watching it. */
static aio_status port_ready_main(aio_task *t) {
    AIO_BEGIN(t);
    P.device_after = AIO_SEC(1);
    P.fd_ready_at = 1;
    CHECK_EQ(aio_spawn(&P.device, port_device), AIO_OK);
    spawn_waiter(0, 1, AIO_READABLE, AIO_SEC(5));
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    CHECK_EQ(P.w[0].rc, AIO_OK);
    CHECK_EQ(P.w[0].at, 1000);
    CHECK_EQ(FP.io.waiting, 0);
    CHECK(FP.slots[1].waiter[0] == NULL);
    FP.level[1] = 0;
    spawn_waiter(0, 1, AIO_READABLE, AIO_MS(700));
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    CHECK_EQ(P.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(P.w[0].at, 1700);
    CHECK_EQ(FP.watched[1], 0);
    CHECK_EQ(FP.io.waiting, 0);
    AIO_END(t);
}

static void test_io_port_readiness_and_deadline(void) {
    aio_loop loop;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_ready_main), AIO_OK);
    CHECK(FP.waits > 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Refusals: a second task waiting the same way on a descriptor (AIO_EBUSY),
 * a descriptor the port refuses or has no slot for (AIO_EBADF), a negative
 * one; and changing the port while a task waits (AIO_EBUSY). Waiting the
 * other way on the same descriptor is fine. */
static aio_status port_refusals_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_waiter(0, 0, AIO_READABLE, AIO_MS(100));
    spawn_waiter(1, 0, AIO_READABLE, AIO_MS(100));
    spawn_waiter(2, 0, AIO_WRITABLE, AIO_MS(100));
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    AIO_AWAIT(t, P.w[1].rc2, &P.w[1].task);
    AIO_AWAIT(t, P.w[2].rc2, &P.w[2].task);
    CHECK_EQ(P.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(P.w[0].at, 100);
    CHECK_EQ(P.w[1].rc, AIO_EBUSY);
    CHECK_EQ(P.w[1].at, 0);
    CHECK_DEBUG(DETAIL("already has a task waiting until it is readable"));
    CHECK_EQ(P.w[2].rc, AIO_ETIMEDOUT);
    spawn_waiter(0, 1, AIO_WRITABLE, AIO_MS(100));
    spawn_waiter(1, 1, AIO_WRITABLE, AIO_MS(100));
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    AIO_AWAIT(t, P.w[1].rc2, &P.w[1].task);
    CHECK_EQ(P.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(P.w[1].rc, AIO_EBUSY);
    CHECK_DEBUG(DETAIL("already has a task waiting until it is writable"));
    spawn_waiter(0, 2, AIO_READABLE, AIO_MS(100));
    spawn_waiter(1, 3, AIO_READABLE, AIO_MS(100));
    spawn_waiter(2, -1, AIO_WRITABLE, AIO_MS(100));
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    AIO_AWAIT(t, P.w[1].rc2, &P.w[1].task);
    AIO_AWAIT(t, P.w[2].rc2, &P.w[2].task);
    CHECK_EQ(P.w[0].rc, AIO_EBADF);
    CHECK_EQ(P.w[1].rc, AIO_EBADF);
    CHECK_DEBUG(DETAIL("is beyond the port's slots"));
    CHECK_EQ(P.w[2].rc, AIO_EBADF);
    CHECK_DEBUG(DETAIL("is negative"));
    CHECK_EQ(FP.io.waiting, 0);
    spawn_waiter(0, 0, AIO_READABLE, AIO_MS(100));
    AIO_YIELD(t);
    CHECK_EQ(FP.io.waiting, 1);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_EBUSY);
    CHECK_DEBUG("tasks wait on descriptors");
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    AIO_END(t);
}

static void test_io_port_refusals(void) {
    aio_loop loop;
    static aio_io bad;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    memset(&bad, 0, sizeof bad);
    CHECK_EQ(aio_loop_set_io(&loop, &bad), AIO_EINVAL);
    CHECK_DEBUG("a port needs watch, wait and slots");
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_refusals_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A cancelled wait, and one whose descriptor is forgotten, leave nothing
 * behind: the slot is free, the port no longer watches it. */
static aio_status port_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_waiter(0, 0, AIO_READABLE, AIO_NEVER);
    spawn_waiter(1, 1, AIO_WRITABLE, AIO_SEC(9));
    AIO_SLEEP(t, AIO_MS(300));
    CHECK_EQ(FP.io.waiting, 2);
    CHECK_EQ(aio_cancel(&P.w[0].task), 1);
    aio_io_forget(1);
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    AIO_AWAIT(t, P.w[1].rc2, &P.w[1].task);
    CHECK_EQ(P.w[0].rc2, AIO_ECANCELED);
    CHECK_EQ(P.w[0].at2, 300);
    CHECK_EQ(P.w[1].rc, AIO_ECLOSED);
    CHECK_EQ(P.w[1].at, 300);
    CHECK_EQ(FP.io.waiting, 0);
    CHECK_EQ(FP.watched[0], 0);
    CHECK_EQ(FP.watched[1], 0);
    CHECK(FP.slots[0].waiter[0] == NULL && FP.slots[1].waiter[1] == NULL);
    /* forgotten after a cancellation woke it, before it ran: the
     * cancellation is what it sees */
    spawn_waiter(0, 0, AIO_READABLE, AIO_NEVER);
    AIO_YIELD(t);
    CHECK_EQ(aio_cancel(&P.w[0].task), 1);
    aio_io_forget(0);
    CHECK_EQ(FP.io.waiting, 1); /* (counted until it has run: the port stays) */
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_EBUSY);
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    CHECK_EQ(P.w[0].rc2, AIO_ECANCELED);
    CHECK_EQ(FP.io.waiting, 0);
    CHECK_EQ(FP.watched[0], 0);
    AIO_END(t);
}

static void test_io_port_cancel_and_forget(void) {
    aio_loop loop;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_cancel_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A timeout block around a readiness wait: its deadline cancels the wait
 * there and then; execution goes on after the block. */
static aio_status port_block_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &P.to, AIO_MS(250)) {
        AIO_WAIT_READABLE(t, P.w[0].rc, 0, AIO_SEC(10));
    }
    CHECK_EQ(aio_timeout_status(&P.to), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 250);
    CHECK_EQ(FP.io.waiting, 0);
    CHECK_EQ(FP.watched[0], 0);
    AIO_END(t);
}

static void test_io_port_timeout_block(void) {
    aio_loop loop;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_block_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A descriptor that becomes ready while the loop sleeps in the port's wait
 * (an interrupt) wakes its task then: virtual time does not jump. */
static aio_status port_irq_main(aio_task *t) {
    AIO_BEGIN(t);
    FP.irq_fd = 1;
    spawn_waiter(0, 1, AIO_READABLE, AIO_SEC(5));
    AIO_AWAIT(t, P.w[0].rc2, &P.w[0].task);
    CHECK_EQ(P.w[0].rc, AIO_OK);
    CHECK_EQ(P.w[0].at, 0);
    AIO_END(t);
}

static void test_io_port_ready_while_sleeping(void) {
    aio_loop loop;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_irq_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A task waiting on an event that nothing can set, on a loop that waits
 * through a port with no descriptor waited on: aio_run says so. */
static aio_event stuck_ev;
static aio_status port_stuck_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, P.w[0].rc, 0, AIO_MS(10)); /* (the port is in use) */
    AIO_EVENT_WAIT(t, P.w[0].rc, &stuck_ev, AIO_NEVER);
    AIO_END(t);
}
static aio_status port_nothing(aio_task *t) {
    AIO_BEGIN(t);
    AIO_END(t);
}

static void test_io_port_deadlock_reported(void) {
    aio_loop loop;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    memset(&stuck_ev, 0, sizeof stuck_ev);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_stuck_main), AIO_EDEADLK);
    CHECK_EQ(P.w[0].rc, AIO_ETIMEDOUT);
    aio_event_set(&stuck_ev);
    CHECK_EQ(aio_run(&loop, &P.device, port_nothing), AIO_OK); /* main finishes too */
    CHECK(aio_task_done(&P.main));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* More timers than slots: the wait that finds none raises AIO_ENOSPC and
 * waits on nothing. */
static void test_io_port_timer_storage_full(void) {
    aio_loop loop;
    aio_timer one[1];
    aio_loop_init(&loop, one, 1);
    aio_loop_use_virtual_clock(&loop, test_start);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    spawn_waiter(0, 0, AIO_READABLE, AIO_MS(50));
    spawn_waiter(1, 1, AIO_READABLE, AIO_MS(50));
    while (aio_task_alive(&P.w[0].task) || aio_task_alive(&P.w[1].task)) {
        aio_time next = aio_next_deadline(&loop);
        if (next != AIO_NEVER && (aio_stime)(next - aio_loop_now(&loop)) > 0)
            aio_virtual_advance(&loop, (aio_time)(next - aio_loop_now(&loop)));
        aio_step(&loop);
    }
    CHECK_EQ(P.w[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(aio_task_result(&P.w[1].task), AIO_ENOSPC);
    CHECK_DEBUG("timer storage is full");
    CHECK_EQ(FP.io.waiting, 0);
    CHECK(FP.slots[1].waiter[0] == NULL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* Ports: what aio_loop_set_io refuses, a port replaced or detached is
 * released, readiness reported for no slot is ignored, and a loop whose
 * port was detached runs on. */
static void test_io_port_set_and_report(void) {
    aio_loop loop;
    static aio_io bad;
    static fake_port other;
    int turns;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, NULL), AIO_OK); /* no port to detach: nothing to do */
    bad = FP.io;
    bad.watch = NULL;
    CHECK_EQ(aio_loop_set_io(&loop, &bad), AIO_EINVAL);
    bad = FP.io;
    bad.wait = NULL;
    CHECK_EQ(aio_loop_set_io(&loop, &bad), AIO_EINVAL);
    bad = FP.io;
    bad.slots = NULL;
    CHECK_EQ(aio_loop_set_io(&loop, &bad), AIO_EINVAL);
    bad.nslots = 0; /* no slots at all is a port too: every descriptor is beyond */
    CHECK_EQ(aio_loop_set_io(&loop, &bad), AIO_OK);
    aio_io_ready(&loop, 0, AIO_READABLE); /* no slot: ignored */
    FP.io.release = fake_release;
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    other = FP;
    CHECK_EQ(aio_loop_set_io(&loop, &other.io), AIO_OK); /* FP is released */
    CHECK_EQ(FP.released, 1);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(other.released, 1);
    aio_io_ready(&loop, 3, AIO_READABLE);
    aio_io_ready(&loop, -1, AIO_READABLE);
    aio_io_forget(7);
    aio_io_forget(-1);
    spawn_waiter(0, 0, AIO_WRITABLE, AIO_MS(20)); /* the turn looks at the port from now on */
    for (turns = 0; turns < 2; turns++) aio_step(&loop);
    CHECK_EQ(FP.io.waiting, 1);
    CHECK_EQ(aio_loop_set_io(&loop, NULL), AIO_EBUSY);
    FP.level[0] = AIO_WRITABLE;
    aio_step(&loop);
    aio_step(&loop);
    CHECK_EQ(P.w[0].rc, AIO_OK);
    CHECK_EQ(aio_loop_set_io(&loop, NULL), AIO_OK);
    CHECK_EQ(FP.released, 2);
    CHECK(loop.io == NULL);
    aio_io_ready(&loop, 0, AIO_READABLE); /* no port: ignored */
    aio_io_forget(0);
    CHECK_EQ(aio_spawn(&P.device, port_nothing), AIO_OK);
    aio_step(&loop); /* a turn with no port */
    CHECK(aio_task_done(&P.device));
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    aio_io_forget(0); /* no loop at all: nothing to do */
}

/* On the real clock, detaching the port gives the loop its system idle
 * wait back (it slept in the port's wait from the first I/O wait on). */
static aio_status port_real_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, P.w[0].rc, 0, AIO_MS(5));
    CHECK_EQ(P.w[0].rc, AIO_ETIMEDOUT);
    AIO_END(t);
}

static void test_io_port_detached_on_real_clock(void) {
    aio_loop loop;
    static aio_timer timers[4];
    aio_loop_init(&loop, timers, 4);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(aio_run(&loop, &P.main, port_real_main), AIO_OK);
    CHECK_EQ(aio_loop_set_io(&loop, NULL), AIO_OK);
    CHECK_EQ(aio_run(&loop, &P.main, port_nothing), AIO_OK); /* no port: runs as before */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* aio_step (a super-loop) asks the port without blocking, each turn. */
static void test_io_port_super_loop(void) {
    aio_loop loop;
    int turns = 0;
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    spawn_waiter(0, 1, AIO_READABLE, AIO_NEVER);
    while (aio_task_alive(&P.w[0].task) && turns < 10) {
        if (turns == 3) FP.level[1] = AIO_READABLE;
        aio_step(&loop);
        turns++;
    }
    CHECK_EQ(P.w[0].rc, AIO_OK);
    /* it parks in turn 1; 2 and 3 find nothing; 4 finds nothing ready, so
     * it looks at the port first and runs what that woke */
    CHECK_EQ(turns, 4);
    CHECK(FP.waits >= 4);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#if !(defined(__unix__) || defined(__APPLE__) || defined(_WIN32)) || defined(AIO_NO_STDLIB) || defined(AIO_NO_IO)
/* Without POSIX the socket awaits say why they cannot work. */
static aio_status port_no_sockets_main(aio_task *t) {
    static char buf[4];
    AIO_BEGIN(t);
    AIO_RECV(t, P.w[0].rc, 0, buf, sizeof buf, AIO_SEC(1));
    CHECK_EQ(P.w[0].rc, AIO_EINVAL);
    CHECK_DEBUG("sockets need POSIX or Windows");
    AIO_RECV_FROM(t, P.w[0].rc, 0, buf, sizeof buf, NULL, AIO_SEC(1));
    CHECK_EQ(P.w[0].rc, AIO_EINVAL);
    CHECK_DEBUG("datagrams need POSIX or Windows");
    AIO_STREAM_WRITE(t, P.w[0].rc, &P.st, buf, sizeof buf, AIO_SEC(1));
    CHECK_EQ(P.w[0].rc, AIO_EINVAL);
    CHECK_DEBUG("streams need POSIX or Windows");
    test_last_debug[0] = 0;
    AIO_DRAIN(t, P.w[0].rc, &P.st, AIO_SEC(1));
    CHECK_EQ(P.w[0].rc, AIO_EINVAL);
    CHECK_DEBUG("streams need POSIX or Windows");
    AIO_UNIX_CONNECT(t, P.w[0].rc, "/tmp/x.sock", AIO_SEC(1));
    CHECK_EQ(P.w[0].rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_UNIX_CONNECT: Unix domain sockets need POSIX");
    AIO_END(t);
}

static void test_io_port_no_sockets(void) {
    aio_loop loop;
    aio_address a;
    char text[8] = "x";
    CHECK_EQ(aio_address_set(&a, "127.0.0.1", 80), AIO_EINVAL);
    CHECK_DEBUG("addresses need POSIX or Windows");
    CHECK_EQ(a.len, 0);
    CHECK_EQ(aio_address_format(&a, text, sizeof text), AIO_EINVAL);
    CHECK_EQ(text[0], '\0');
    CHECK_EQ(aio_address_port(&a), AIO_EINVAL);
    CHECK_EQ(aio_address_set(NULL, "127.0.0.1", 80), AIO_EINVAL);
    CHECK_EQ(aio_address_format(&a, NULL, 0), AIO_EINVAL);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_udp_open("127.0.0.1", 0), AIO_EINVAL);
    CHECK_DEBUG("datagrams need POSIX or Windows");
    CHECK_EQ(aio_unix_listen("/tmp/x.sock", 0), AIO_EINVAL);
    CHECK_DEBUG("aio_unix_listen: Unix domain sockets need POSIX");
    CHECK_EQ(aio_stream_set_transport(&P.st, NULL, NULL), AIO_EINVAL);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_stream_init_growing(&P.st, 3, 256, 1024), AIO_EINVAL);
    CHECK_DEBUG("streams need POSIX or Windows");
    CHECK_EQ(aio_stream_free(&P.st), AIO_OK); /* (nothing to give back) */
    test_last_debug[0] = 0;
    CHECK_EQ(aio_stream_write(&P.st, text, 1), AIO_EINVAL);
    CHECK_DEBUG("streams need POSIX or Windows");
    CHECK_EQ(aio_stream_set_write_limits(&P.st, 1, 1, 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_abort(&P.st), AIO_EINVAL);
    CHECK_EQ(aio_stream_write_buffered(&P.st), 0);
    test_loop(&loop);
    fake_init();
    memset(&P, 0, sizeof P);
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(test_run(&loop, &P.main, port_no_sockets_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#define SOCKET_TESTS 0
#define POSIX_IO_TESTS 0
#elif defined(_WIN32)
#define SOCKET_TESTS 1 /* Winsock: the tests below that need no POSIX call */
#define POSIX_IO_TESTS 0
#else
#define SOCKET_TESTS 1
#define POSIX_IO_TESTS 1 /* and pipes, signals, descriptor limits */
#endif

/* What this build's readiness wait does, as the tests below ask it (what
 * it does, not which wait or system it is: tests/impl.c takes each from
 * the facts the wait's part states):
 *   test_wait_table_grows     its set of watched descriptors is an array it
 *                             grows, with the wake-up first (poll(), WSAPoll);
 *   test_wait_forgets_closed  a descriptor closed, and opened again under
 *                             its number, is not watched until watched
 *                             again (epoll);
 *   test_wait_own_descriptor  it needs a descriptor of its own (epoll's);
 *   test_wait_record_per_socket  it allocates a record for each socket it
 *                             watches (AFD poll). */

#if SOCKET_TESTS
/* A host name longer than a DNS name can be (256 characters). */
#define LONG_NAME \
    "a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i123456789j123456789" \
    "a123456789b123456789c123456789d123456789e123456789f123456789g123456789h123456789i123456789j123456789" \
    "a123456789b123456789c123456789d123456789e123456789f123456789"
/* ------------------------------------------------------ sockets and epoll */
/* What the tests do to sockets behind the library's back, on either system:
 * a connected pair, a close, a shutdown, a plain send and receive. */
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <signal.h>
#define SOCK(fd) ((SOCKET)(uintptr_t)(unsigned)(fd))
#define SHUT_WR SD_SEND
static int close_sock(int fd) { return closesocket(SOCK(fd)); }
static long send_sock(int fd, const void *buf, size_t n) { return send(SOCK(fd), (const char *)buf, (int)n, 0); }
static long recv_sock(int fd, void *buf, size_t n) { return recv(SOCK(fd), (char *)buf, (int)n, 0); }
static long send_dgram(int fd, const char *msg, const aio_address *to) {
    return sendto(SOCK(fd), msg, (int)strlen(msg), 0, (const struct sockaddr *)(const void *)to->sa, to->len);
}
static int shutdown_sock(int fd, int how) { return shutdown(SOCK(fd), how); }
static void nonblocking(int fd) {
    u_long one = 1;
    (void)ioctlsocket(SOCK(fd), (long)FIONBIO, &one);
}
static int new_socket(void) {
    static int started;
    WSADATA data;
    if (!started) started = WSAStartup(MAKEWORD(2, 2), &data) == 0; /* (for good: one per test run) */
    return (int)socket(AF_INET, SOCK_STREAM, 0);
}
/* Windows has no socketpair: a loopback connection made to a listener of
 * its own, as the library makes its wake-up pair (blocking, as socket() makes it). */
static int blocking_pair(int sv[2]) {
    struct sockaddr_in a;
    int sl = sizeof a;
    int l = new_socket();
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sv[0] = sv[1] = -1;
    if (l >= 0 && bind(SOCK(l), (struct sockaddr *)&a, sizeof a) == 0 && listen(SOCK(l), 1) == 0 &&
        getsockname(SOCK(l), (struct sockaddr *)&a, &sl) == 0) {
        sv[1] = new_socket();
        if (connect(SOCK(sv[1]), (struct sockaddr *)&a, sizeof a) == 0) sv[0] = (int)accept(SOCK(l), NULL, NULL);
    }
    if (l >= 0) (void)closesocket(SOCK(l));
    return sv[0] >= 0 && sv[1] >= 0 ? 0 : -1;
}
#else
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sys/select.h>
#define SOCK(fd) (fd)
static int close_sock(int fd) { return close(fd); }
static long send_sock(int fd, const void *buf, size_t n) { return (long)send(fd, buf, n, 0); }
static long recv_sock(int fd, void *buf, size_t n) { return (long)recv(fd, buf, n, 0); }
static long send_dgram(int fd, const char *msg, const aio_address *to) {
    return (long)sendto(fd, msg, strlen(msg), 0, (const struct sockaddr *)(const void *)to->sa, to->len);
}
static int shutdown_sock(int fd, int how) { return shutdown(fd, how); }
static void nonblocking(int fd) { (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }
static int new_socket(void) { return socket(AF_INET, SOCK_STREAM, 0); }
static int blocking_pair(int sv[2]) { return socketpair(AF_UNIX, SOCK_STREAM, 0, sv); }
#endif

/* Connect socket fd to address a (a UDP socket: only a's datagrams come in,
 * and the system reports what becomes of those it sends there). */
static int connect_sock(int fd, const aio_address *a) {
    return connect(SOCK(fd), (const struct sockaddr *)(const void *)a->sa, a->len);
}

/* Wait (real time, 2 s at most) until fd has something to read: a datagram
 * sent on loopback is there when the send returns, as a socketpair's bytes
 * are, unless the system defers its delivery; then this waits for it, so
 * that a test on the virtual clock stays exact. */
static void settle(int fd) {
    fd_set in;
    struct timeval tv;
    FD_ZERO(&in);
    FD_SET(SOCK(fd), &in);
    tv.tv_sec = 2;
    tv.tv_usec = 0;
    CHECK_EQ(select(fd + 1, &in, NULL, NULL, &tv), 1);
}

/* A connected pair of stream sockets, both non-blocking. */
static void sockpair(int sv[2]) {
    CHECK_EQ(blocking_pair(sv), 0);
    nonblocking(sv[0]);
    nonblocking(sv[1]);
}

/* Bytes waiting to be read on fd (consumed). */
static int drain_fd(int fd, char *out, int room) {
    int got = 0;
    for (;;) {
        long n = recv_sock(fd, out + got, (size_t)(room - got));
        if (n <= 0) return got;
        got += (int)n;
    }
}

typedef struct {
    aio_task task;
    int fd;
    aio_time pre, d;
    const char *msg;  /* writer: what to send */
    char buf[64];
    int op;           /* reader: 0 readable, 1 recv, 2 send of msg */
    aio_status rc, rc2;
    long long at, at2;
} sock_t;

static struct {
    aio_task main;
    sock_t r[3];
    sock_t wr;
    int sv[2], sv2[2];
    aio_event ev;
    aio_timeout to;
    aio_status rc;
    int fd, lfd, port;
    char path[64];
    char big_in[1 << 16];
} S;

static aio_status sock_reader(aio_task *t) {
    sock_t *r = AIO_CONTAINER(t, sock_t, task);
    AIO_BEGIN(t);
    if (r->pre) AIO_SLEEP(t, r->pre);
    if (r->op == 0)
        AIO_WAIT_READABLE(t, r->rc, r->fd, r->d);
    else if (r->op == 1)
        AIO_RECV(t, r->rc, r->fd, r->buf, sizeof r->buf - 1, r->d);
    else
        AIO_SEND_ALL(t, r->rc, r->fd, r->msg, strlen(r->msg), r->d);
    r->at = T_MS();
    if (r->op == 1 && r->rc > 0) r->buf[r->rc] = 0;
    AIO_FINALLY(t);
    r->at2 = T_MS();
    AIO_END(t);
}

/* A task of the loop that writes msg on fd after `pre`. */
static aio_status sock_writer(aio_task *t) {
    sock_t *w = AIO_CONTAINER(t, sock_t, task);
    AIO_BEGIN(t);
    AIO_SLEEP(t, w->pre);
    CHECK_EQ(send_sock(w->fd, w->msg, strlen(w->msg)), (long)strlen(w->msg));
    AIO_END(t);
}

static void spawn_reader(int i, int op, int fd, aio_time d) {
    S.r[i].op = op;
    S.r[i].fd = fd;
    S.r[i].d = d;
    CHECK_EQ(aio_spawn(&S.r[i].task, sock_reader), AIO_OK);
}

static void spawn_writer(int fd, aio_time pre, const char *msg) {
    S.wr.fd = fd;
    S.wr.pre = pre;
    S.wr.msg = msg;
    CHECK_EQ(aio_spawn(&S.wr.task, sock_writer), AIO_OK);
}

static void sock_setup(aio_loop *loop) {
    test_loop(loop);
    memset(&S, 0, sizeof S);
    sockpair(S.sv);
}

static void sock_teardown(aio_loop *loop) {
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(loop), AIO_OK);
}

/* A test of main task fn over the socket pair S.sv, on the virtual clock. */
static void sock_test(aio_task_fn fn) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, fn), AIO_OK);
    sock_teardown(&loop);
}

/* A readiness wait wakes in the turn after the peer writes (1 s); it reads
 * nothing: the bytes are still there. A receive gets what is there. */
static aio_status readable_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 0, S.sv[0], AIO_SEC(5));
    spawn_writer(S.sv[1], AIO_SEC(1), "hello");
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_OK);
    CHECK_EQ(S.r[0].at, 1000);
    spawn_reader(1, 1, S.sv[0], AIO_SEC(5));
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.r[1].rc, 5);
    CHECK_STR(S.r[1].buf, "hello");
    CHECK_EQ(S.r[1].at, 1000); /* the bytes were there: no wait */
    AIO_END(t);
}

static void test_io_readable_then_recv(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, readable_main), AIO_OK);
    sock_teardown(&loop);
}

/* aio_run leaves a turn's look at the descriptors to its idle wait when the
 * turn goes idle; aio_step never waits, and still looks in each turn after
 * an aio_run on the same loop: a write in a turn wakes its reader by the
 * end of that turn (the reader is ready: the next deadline is now). */
static aio_status send_now(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(send_sock(S.wr.fd, S.wr.msg, strlen(S.wr.msg)), (long)strlen(S.wr.msg));
    settle(S.r[0].fd);
    AIO_END(t);
}

static void test_io_step_after_run_looks(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, readable_main), AIO_OK);
    CHECK_EQ(drain_fd(S.sv[0], S.r[2].buf, (int)sizeof S.r[2].buf), 0); /* (readable_main read it all) */
    S.r[0].at = -1;
    S.r[0].rc = AIO_EINVAL;
    spawn_reader(0, 0, S.sv[0], AIO_SEC(5));
    aio_step(&loop); /* the reader parks */
    CHECK(aio_next_deadline(&loop) != loop.now);
    S.wr.fd = S.sv[1];
    S.wr.msg = "x";
    CHECK_EQ(aio_spawn(&S.wr.task, send_now), AIO_OK);
    aio_step(&loop); /* the write, then the turn's look */
    CHECK(aio_next_deadline(&loop) == loop.now);
    CHECK_EQ(S.r[0].at, -1);
    aio_step(&loop);
    CHECK_EQ(S.r[0].rc, AIO_OK);
    CHECK_EQ(S.r[0].at, 1000);
    CHECK(!aio_task_alive(&S.r[0].task));
    sock_teardown(&loop);
}

/* A receive with nothing to read waits, and its deadline ends it exactly;
 * the loop then waits for nothing on the descriptor. A later write wakes a
 * second receive at the write's time. */
static aio_status recv_deadline_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_MS(500));
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.r[0].at, 500);
    CHECK_EQ(t->loop->io->waiting, 0);
    CHECK(t->loop->io->slots[S.sv[0]].waiter[0] == NULL);
    CHECK_EQ(t->loop->io->slots[S.sv[0]].watched, 0);
    spawn_reader(1, 1, S.sv[0], AIO_SEC(5));
    spawn_writer(S.sv[1], AIO_MS(1250), "abc");
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.r[1].rc, 3);
    CHECK_EQ(S.r[1].at, 1750);
    AIO_END(t);
}

static void test_io_recv_deadline(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, recv_deadline_main), AIO_OK);
    sock_teardown(&loop);
}

/* A receive cancelled in the instant its bytes arrived consumed nothing:
 * they are all still in the socket. So is one cut short by a timeout block. */
static aio_status recv_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_NEVER);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(send_sock(S.sv[1], "keep", 4), 4);
    CHECK_EQ(aio_cancel(&S.r[0].task), 1);
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(S.r[0].rc, 0); /* never assigned */
    CHECK_EQ(S.r[0].at2, 100);
    /* the data arrived and the loop saw it before the cancellation came */
    spawn_reader(1, 1, S.sv2[0], AIO_NEVER);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(send_sock(S.sv2[1], "more", 4), 4);
    AIO_SLEEP(t, 0); /* the turn's look at the descriptors wakes the receiver */
    CHECK_EQ(aio_cancel(&S.r[1].task), 1);
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    AIO_TIMEOUT(t, &S.to, AIO_MS(300)) {
        AIO_RECV(t, S.rc, S.sv2[1], S.r[2].buf, sizeof S.r[2].buf, AIO_NEVER);
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 500);
    CHECK_EQ(t->loop->io->waiting, 0);
    AIO_END(t);
}

static void test_io_recv_cancel_leaves_data(void) {
    aio_loop loop;
    char buf[16];
    sock_setup(&loop);
    sockpair(S.sv2);
    CHECK_EQ(test_run(&loop, &S.main, recv_cancel_main), AIO_OK);
    CHECK_EQ(drain_fd(S.sv[0], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "keep", 4) == 0);
    CHECK_EQ(drain_fd(S.sv2[0], buf, sizeof buf), 4);
    CHECK(memcmp(buf, "more", 4) == 0);
    CHECK_EQ(aio_close(S.sv2[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv2[1]), AIO_OK);
    sock_teardown(&loop);
}

/* The peer closes: a receive reads the end of the stream (0), a send after
 * that fails with AIO_ECONNRESET (and no SIGPIPE kills the test, though its
 * action is the default, which stays so: the send's flag (MSG_NOSIGNAL) or
 * the socket's option (SO_NOSIGPIPE) keeps it from being raised; a build with
 * neither, as AIO_NO_LINUX, holds it back in the thread around the send, as
 * around a pipe's write, and takes back the one the send raised). */
static aio_status peer_close_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_SEC(5));
    AIO_SLEEP(t, AIO_MS(200));
    CHECK_EQ(close_sock(S.sv[1]), 0);
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, 0);
    CHECK_EQ(S.r[0].at, 200);
    S.r[1].msg = "to nobody";
    spawn_reader(1, 2, S.sv[0], AIO_SEC(5));
    AIO_AWAIT(t, S.rc, &S.r[1].task);
#ifdef _WIN32 /* (TCP: the first send is taken, and the peer's reset answers it) */
    CHECK_EQ(S.r[1].rc, AIO_OK);
    AIO_SLEEP(t, AIO_MS(1));
    spawn_reader(1, 2, S.sv[0], AIO_SEC(5));
    AIO_AWAIT(t, S.rc, &S.r[1].task);
#endif
    CHECK_EQ(S.r[1].rc, AIO_ECONNRESET);
    AIO_END(t);
}

static void test_io_peer_close(void) {
    aio_loop loop;
#if POSIX_IO_TESTS
    struct sigaction dfl;
    struct sigaction was;
    struct sigaction now;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    CHECK_EQ(sigaction(SIGPIPE, &dfl, &was), 0);
#endif
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, peer_close_main), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
#if POSIX_IO_TESTS
    CHECK_EQ(sigaction(SIGPIPE, &was, &now), 0);
    CHECK(now.sa_handler == SIG_DFL); /* (the library never changes it) */
#endif
}

#if POSIX_IO_TESTS
/* A program's own SIGPIPE handler stays, and the library's write to a pipe
 * whose reader is gone does not call it: the write is AIO_ECONNRESET, the
 * signal it raised taken back in the thread that wrote, the thread's mask
 * as it was; the program's own write then gets its handler. */
static volatile sig_atomic_t sigpipes_seen;
static void count_sigpipe(int sig) {
    (void)sig;
    sigpipes_seen++;
}
static int gone_pipe;
static aio_status write_to_gone_pipe_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_ALL(t, S.rc, gone_pipe, "x", 1, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_ECONNRESET);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
static void test_io_sigpipe_left_to_the_program(void) {
    aio_loop loop;
    struct sigaction mine;
    struct sigaction was;
    struct sigaction now;
    sigset_t mask;
    int p[2];
    memset(&mine, 0, sizeof mine);
    mine.sa_handler = count_sigpipe;
    sigemptyset(&mine.sa_mask);
    CHECK_EQ(sigaction(SIGPIPE, &mine, &was), 0);
    sigpipes_seen = 0;
    CHECK_EQ(pipe(p), 0);
    CHECK_EQ(close(p[0]), 0);
    gone_pipe = p[1];
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &S.main, write_to_gone_pipe_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(sigpipes_seen, 0);
    CHECK_EQ(sigaction(SIGPIPE, NULL, &now), 0);
    CHECK(now.sa_handler == count_sigpipe);
    CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
    CHECK(!sigismember(&mask, SIGPIPE));
    CHECK(write(p[1], "y", 1) < 0 && errno == EPIPE); /* (the program's own: its handler) */
    CHECK_EQ(sigpipes_seen, 1);
    CHECK_EQ(close(p[1]), 0);
    CHECK_EQ(sigaction(SIGPIPE, &was, NULL), 0);
}
#endif

/* A half-close: the peer shuts its sending side; this side reads the end of
 * the stream and can still send, and the peer receives it. */
static aio_status half_close_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(shutdown_sock(S.sv[1], SHUT_WR), 0);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(1));
    CHECK_EQ(S.rc, 0);
    AIO_SEND_ALL(t, S.rc, S.sv[0], "late", 4, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_OK);
    AIO_RECV(t, S.rc, S.sv[1], S.r[1].buf, sizeof S.r[1].buf, AIO_SEC(1));
    CHECK_EQ(S.rc, 4);
    AIO_END(t);
}

static void test_io_half_close(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, half_close_main), AIO_OK);
    sock_teardown(&loop);
}

/* Two tasks receiving on one descriptor: the second is refused (AIO_EBUSY),
 * the first is not disturbed. */
static aio_status two_readers_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_SEC(2));
    spawn_reader(1, 1, S.sv[0], AIO_SEC(2));
    spawn_writer(S.sv[1], AIO_SEC(1), "x");
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.r[0].rc, 1);
    CHECK_EQ(S.r[0].at, 1000);
    CHECK_EQ(S.r[1].rc, AIO_EBUSY);
    CHECK_EQ(S.r[1].at, 0);
    CHECK_DEBUG("AIO_RECV: descriptor");
    CHECK_DEBUG("already has a task waiting until it is readable");
    AIO_END(t);
}

static void test_io_two_readers_refused(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, two_readers_main), AIO_OK);
    sock_teardown(&loop);
}

/* AIO_SEND_ALL of more than the socket buffer holds waits for room, as the
 * peer reads, and sends every byte in order. */
typedef struct {
    aio_task task;
    int fd;
    int got;
    unsigned char buf[4096];
    aio_status rc;
    unsigned sum;
} slow_reader_t;
static slow_reader_t SR;
static unsigned char big_out[1 << 20];

static aio_status slow_reader(aio_task *t) {
    slow_reader_t *r = AIO_CONTAINER(t, slow_reader_t, task);
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_MS(1));
        AIO_RECV(t, r->rc, r->fd, r->buf, sizeof r->buf, AIO_SEC(1));
        if (r->rc <= 0) break;
        {
            int i;
            for (i = 0; i < r->rc; i++) r->sum = r->sum * 31u + r->buf[i];
        }
        r->got += r->rc;
    }
    AIO_END(t);
}

static aio_status send_all_main(aio_task *t) {
    AIO_BEGIN(t);
    SR.fd = S.sv[1];
    CHECK_EQ(aio_spawn(&SR.task, slow_reader), AIO_OK);
    AIO_SEND_ALL(t, S.rc, S.sv[0], big_out, sizeof big_out, AIO_SEC(100));
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(shutdown_sock(S.sv[0], SHUT_WR), 0);
    AIO_AWAIT(t, S.rc, &SR.task);
    CHECK_EQ(SR.rc, 0);
    CHECK_EQ(SR.got, (int)sizeof big_out);
    AIO_SEND_ALL(t, S.rc, S.sv[0], "", 0, AIO_SEC(1)); /* nothing to send: done */
    CHECK_EQ(S.rc, AIO_OK);
    AIO_END(t);
}

static void test_io_send_all_waits_for_room(void) {
    aio_loop loop;
    size_t i;
    unsigned sum = 0;
    for (i = 0; i < sizeof big_out; i++) {
        big_out[i] = (unsigned char)(i * 7u + (i >> 9));
        sum = sum * 31u + big_out[i];
    }
    memset(&SR, 0, sizeof SR);
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, send_all_main), AIO_OK);
    CHECK_EQ(SR.sum, sum);
    sock_teardown(&loop);
}

/* On the virtual clock, a TCP sender with a small send buffer: its room
 * comes back with the peer's acknowledgement, which the system may send a
 * moment after the receive that made it (a delayed acknowledgement: 40 ms
 * on Linux). Before virtual time jumps to an I/O wait's deadline, the loop
 * gives the system that moment of real time: the send ends at time 0, as
 * on the real clock, instead of timing out at its deadline. */
static struct { aio_task main, reader; int l, a, b; long got; aio_status rc, read_rc; char buf[65536]; } V;
static aio_status v_reader(aio_task *t) {
    AIO_BEGIN(t);
    for (;;) {
        AIO_RECV(t, V.read_rc, V.b, V.buf, sizeof V.buf, AIO_SEC(30));
        if (V.read_rc <= 0) break;
        V.got += V.read_rc;
    }
    AIO_END(t);
}
static aio_status v_main(aio_task *t) {
    AIO_BEGIN(t);
    V.l = aio_tcp_listen("127.0.0.1", 0, 1);
    CHECK(V.l >= 0);
    AIO_TCP_CONNECT(t, V.a, "127.0.0.1", aio_socket_port(V.l), AIO_SEC(1));
    CHECK(V.a >= 0);
    AIO_ACCEPT(t, V.b, V.l, AIO_SEC(1));
    CHECK(V.b >= 0);
    {
        int size = 4096;
        CHECK_EQ(setsockopt(SOCK(V.a), SOL_SOCKET, SO_SNDBUF, (const char *)&size, sizeof size), 0);
    }
    CHECK_EQ(aio_spawn(&V.reader, v_reader), AIO_OK);
    AIO_SEND_ALL(t, V.rc, V.a, big_out, sizeof big_out, AIO_SEC(20));
    CHECK_EQ(V.rc, AIO_OK);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(aio_close(V.a), AIO_OK);
    AIO_AWAIT(t, V.rc, &V.reader);
    CHECK_EQ(V.read_rc, 0);
    CHECK_EQ(V.got, (long)sizeof big_out);
    CHECK_EQ(aio_close(V.b), AIO_OK);
    CHECK_EQ(aio_close(V.l), AIO_OK);
    AIO_END(t);
}
static void test_io_virtual_clock_waits_for_room(void) {
    aio_loop loop;
    memset(&V, 0, sizeof V);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &V.main, v_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The virtual clock waits real time before a jump only where the system may
 * owe a socket something: here a stream's sender behind a TCP peer that
 * stopped reading, and another behind an AF_UNIX peer, while a task times
 * out 50 reads of 10 ms. The TCP one is worth one look after bytes moved,
 * not one a jump; the AF_UNIX one none (its room comes back at the
 * receive; on Windows, where the pair is TCP too, one); counted, not
 * timed, so it cannot flake. */
unsigned test_settle_looks(void);
static struct {
    aio_task main;
    aio_stream tcp, unx;
    int l, a, b, u[2], q[2], i, timeouts;
    unsigned before;
    aio_status rc;
    unsigned char buf[64];
} VS;
static aio_status vs_main(aio_task *t) {
    AIO_BEGIN(t);
    VS.l = aio_tcp_listen("127.0.0.1", 0, 1);
    CHECK(VS.l >= 0);
    AIO_TCP_CONNECT(t, VS.a, "127.0.0.1", aio_socket_port(VS.l), AIO_SEC(1));
    AIO_ACCEPT(t, VS.b, VS.l, AIO_SEC(1));
    CHECK(VS.a >= 0 && VS.b >= 0);
    sockpair(VS.u);
    sockpair(VS.q); /* (the quiet one the reads time out on) */
    VS.before = test_settle_looks();
    CHECK_EQ(aio_stream_init(&VS.unx, VS.u[0], VS.buf, sizeof VS.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&VS.unx, 0, 0, 8u << 20), AIO_OK);
    CHECK_EQ(aio_stream_write(&VS.unx, big_out, sizeof big_out), AIO_OK);
    for (VS.i = 0; VS.i < 8 && aio_stream_write_buffered(&VS.unx) == 0; VS.i++)
        CHECK_EQ(aio_stream_write(&VS.unx, big_out, sizeof big_out), AIO_OK); /* (until the socket is full) */
    for (VS.i = 0; VS.i < 50; VS.i++) {
        AIO_RECV(t, VS.rc, VS.q[0], VS.buf, sizeof VS.buf, AIO_MS(10)); /* (nothing comes) */
        if (VS.rc == AIO_ETIMEDOUT) VS.timeouts++;
    }
    CHECK_EQ(VS.timeouts, 50);
#ifdef _WIN32 /* (no AF_UNIX pairs: sockpair makes a TCP pair, worth one look) */
    CHECK(test_settle_looks() - VS.before <= 1);
    VS.before = test_settle_looks();
#else
    CHECK_EQ(test_settle_looks() - VS.before, 0); /* (an AF_UNIX writer: none) */
#endif
    CHECK_EQ(aio_stream_init(&VS.tcp, VS.a, VS.buf, sizeof VS.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&VS.tcp, 0, 0, 8u << 20), AIO_OK);
    for (VS.i = 0; VS.i < 64 && aio_stream_write_buffered(&VS.tcp) == 0; VS.i++)
        CHECK_EQ(aio_stream_write(&VS.tcp, big_out, sizeof big_out), AIO_OK);
    CHECK(aio_stream_write_buffered(&VS.tcp) > 0);
    for (VS.i = 0; VS.i < 50; VS.i++) AIO_RECV(t, VS.rc, VS.q[0], VS.buf, sizeof VS.buf, AIO_MS(10));
    CHECK(test_settle_looks() - VS.before <= 1); /* (a TCP writer: one look after the bytes moved) */
    CHECK_EQ(T_MS(), 1000);
    CHECK_EQ(aio_stream_abort(&VS.tcp), AIO_OK);
    CHECK_EQ(aio_stream_abort(&VS.unx), AIO_OK);
    CHECK_EQ(aio_close(VS.b), AIO_OK);
    CHECK_EQ(aio_close(VS.u[1]), AIO_OK);
    CHECK_EQ(aio_close(VS.q[0]), AIO_OK);
    CHECK_EQ(aio_close(VS.q[1]), AIO_OK);
    CHECK_EQ(aio_close(VS.l), AIO_OK);
    AIO_END(t);
}
static void test_io_virtual_clock_looks_only_where_owed(void) {
    aio_loop loop;
    memset(&VS, 0, sizeof VS);
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &VS.main, vs_main), AIO_OK);
    CHECK_EQ(aio_stream_free(&VS.tcp), AIO_OK);
    CHECK_EQ(aio_stream_free(&VS.unx), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------- a stream's write buffer */
/* aio_stream_write from any task, AIO_DRAIN, AIO_STREAM_CLOSE, the limits,
 * aio_stream_abort: S.sv[0] under the stream W.s, its peer S.sv[1] read (or
 * not) by W.reader, which keeps what it gets in W.got. */
#define W_GOT (4 << 20)
static struct {
    aio_stream s, s2;
    unsigned char buf[256];
    aio_task writers[3], reader, closer, drainer;
    aio_status rc, close_rc, drain_rc, read_rc;
    int i, k, filled, fills;
    size_t n, at, bound;
    unsigned char *got; /* W_GOT bytes */
    unsigned char piece[3][40000];
    void *spare;
} W;

static aio_status w_reader(aio_task *t) { /* the peer: everything until the end, a receive a
                                               millisecond (a TCP pair's room comes back with its
                                               acknowledgements, after the virtual clock's jump) */
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_MS(1));
        AIO_RECV(t, W.read_rc, S.sv[1], W.got + W.at % W_GOT, W_GOT - W.at % W_GOT, AIO_SEC(100)); /* (kept
                                                                    round: TCP's buffers may hold more) */
        if (W.read_rc <= 0) break;
        W.at += (size_t)W.read_rc;
    }
    AIO_END(t);
}
/* Whether the reader got p[0..n) at `at` of all it read (W.got keeps it
 * round: a fill may pass W_GOT where the socket's buffers are large). */
static int w_got_is(size_t at, const void *p, size_t n) {
    size_t k;
    for (k = 0; k < n; k++)
        if (W.got[(at + k) % W_GOT] != ((const unsigned char *)p)[k]) return 0;
    return 1;
}
/* In a task: written until the stream's own buffer holds more than `past`
 * once its sender has had its turn (the socket full first, whatever its
 * buffers): W.fills, the writes of 10,000 bytes it made (-1: one was refused). */
#define W_FILL(t, past)                                                                              \
    do {                                                                                             \
        W.fills = 0;                                                                                 \
        do {                                                                                         \
            while (W.fills >= 0 && W.fills < 4000 && aio_stream_write_buffered(&W.s) <= (past))      \
                W.fills = aio_stream_write(&W.s, W.piece[0], 10000) == AIO_OK ? W.fills + 1 : -1;    \
            AIO_YIELD(t); /* (the sender's send) */                                                  \
        } while (W.fills >= 0 && W.fills < 4000 && aio_stream_write_buffered(&W.s) <= (past));       \
    } while (0)
static void w_setup(aio_loop *loop) {
    size_t i;
    int k;
    sock_setup(loop);
    memset(&W, 0, sizeof W);
    W.got = (unsigned char *)calloc(1, W_GOT); /* (zeroed: what a write sends of it is initialised) */
    CHECK(W.got != NULL);
    for (k = 0; k < 3; k++)
        for (i = 0; i < sizeof W.piece[k]; i++) W.piece[k][i] = (unsigned char)('a' + k);
}
/* Sends to fd (not blocking) until it takes nothing and goes on taking
 * nothing after a real pause: a loopback TCP pair (Windows' pairs) moves
 * what its sender holds to the peer's buffer after the call, so room comes
 * back once; after two empty rounds 20 ms apart, none comes until the peer
 * reads. The bytes it sent. */
static size_t w_fill_for_good(int fd) {
    size_t sent = 0;
    int still = 0;
    long n;
    while (still < 2) {
        int took = 0;
        while ((n = send_sock(fd, W.piece[2], sizeof W.piece[2])) > 0) sent += (size_t)n, took = 1;
        still = took ? 0 : still + 1;
#ifdef _WIN32
        Sleep(20);
#else
        {
            struct timespec pause = {0, 20 * 1000 * 1000};
            (void)nanosleep(&pause, NULL);
        }
#endif
    }
    return sent;
}
static void w_teardown(aio_loop *loop, int closed) {
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    if (!closed) CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(loop), AIO_OK);
    free(W.got);
}

/* Three tasks write to one stream, in turns, more than the socket holds:
 * each write arrives whole, in the order of the calls; the close sends
 * the rest, then the end. */
static aio_status w_writer(aio_task *t) {
    static int n[3];
    int k = (int)(t - W.writers);
    AIO_BEGIN(t);
    for (n[k] = 0; n[k] < 4; n[k]++) {
        CHECK_EQ(aio_stream_write(&W.s, W.piece[k], sizeof W.piece[k]), AIO_OK);
        AIO_YIELD(t);
    }
    AIO_END(t);
}
static aio_status w_many_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    for (W.k = 0; W.k < 3; W.k++) CHECK_EQ(aio_spawn(&W.writers[W.k], w_writer), AIO_OK);
    for (W.k = 0; W.k < 3; W.k++) AIO_AWAIT(t, W.rc, &W.writers[W.k]);
#ifndef _WIN32 /* (a local pair's buffers: a few hundred KiB; Windows' pair is TCP's, of megabytes) */
    CHECK(aio_stream_write_buffered(&W.s) > 0); /* (the socket took part; nobody reads yet) */
#endif
    CHECK_EQ(aio_spawn(&W.reader, w_reader), AIO_OK);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    AIO_AWAIT(t, W.rc, &W.reader);
    CHECK_EQ(W.read_rc, 0); /* (the end, after every byte) */
    CHECK_EQ(W.at, 12 * sizeof W.piece[0]);
    for (W.n = 0; W.n < 12; W.n++) { /* the writers took turns: a, b, c, a, b, c, ... each whole */
        const unsigned char *p = W.got + W.n * sizeof W.piece[0];
        size_t i;
        for (i = 0; i < sizeof W.piece[0] && p[i] == (unsigned char)('a' + (int)(W.n % 3)); i++) {
        }
        CHECK_EQ(i, sizeof W.piece[0]);
    }
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECLOSED); /* (closed) */
    AIO_END(t);
}
static void test_io_stream_write_many_tasks(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_many_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* A peer that stops reading: the writes go on (the buffer grows), a drain
 * waits while it is over its high-water mark, up to its deadline (at
 * exactly 100 ms); once the peer reads, the drain ends at the low mark. */
static aio_status w_drain_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(1)); /* nothing written: at once */
    CHECK_EQ(W.rc, AIO_OK);
    CHECK_EQ(T_MS(), 0);
    W_FILL(t, 64 * 1024);
    CHECK(W.fills > 0);
    AIO_DRAIN(t, W.rc, &W.s, AIO_MS(100));
    CHECK_EQ(W.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 100);
    CHECK(aio_stream_write_buffered(&W.s) > 64 * 1024);
    CHECK_EQ(aio_spawn(&W.reader, w_reader), AIO_OK);
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_OK);
    CHECK(aio_stream_write_buffered(&W.s) <= 16 * 1024);
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(10)); /* (no longer over the high mark: at once) */
    CHECK_EQ(W.rc, AIO_OK);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_OK);
    AIO_AWAIT(t, W.rc, &W.reader);
    CHECK_EQ(W.at, (size_t)W.fills * 10000);
    AIO_END(t);
}
static void test_io_stream_drain(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_drain_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* The bound: a write that would pass it is refused whole (AIO_ELIMIT),
 * nothing of it taken; the limits checked; an abort drops what is
 * buffered and closes the socket (the peer reads the end), a task waiting
 * in a drain is told (AIO_ECLOSED). */
static aio_status w_drainer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_DRAIN(t, W.drain_rc, &W.s, AIO_SEC(10));
    AIO_END(t);
}
static aio_status w_bound_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 100, 200, 1000), AIO_EINVAL); /* low above high */
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 100, 10, 0), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 100, 10, 300), AIO_OK); /* (the buffer's doubling stops at it) */
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 200), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 100), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ELIMIT);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 300u);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 100, 10, 1u << 20), AIO_OK);
    W_FILL(t, 0); /* (the socket full: what follows stays buffered) */
    CHECK(W.fills > 0);
    W.bound = aio_stream_write_buffered(&W.s) + 6000;
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 1000, 100, W.bound), AIO_OK); /* (the buffer's
                                                                 doubling stops at it) */
    for (W.k = 0; W.k < 4000; W.k++) {
        W.n = aio_stream_write_buffered(&W.s);
        W.rc = aio_stream_write(&W.s, W.piece[0], 3000);
        if (W.rc != AIO_OK) break;
    }
    CHECK_EQ(W.rc, AIO_ELIMIT);
    CHECK_EQ(aio_stream_write_buffered(&W.s), W.n); /* (nothing of it) */
    CHECK(W.n > W.bound - 3000 && W.n <= W.bound);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], W.bound - W.n), AIO_OK); /* (up to the bound) */
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 1000, 100, 4096), AIO_OK); /* (below what it holds) */
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ELIMIT);
    CHECK_EQ(aio_stream_write_buffered(&W.s), W.bound);
    CHECK_EQ(aio_spawn(&W.drainer, w_drainer), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_stream_abort(&W.s), AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    AIO_AWAIT(t, W.rc, &W.drainer);
    CHECK_EQ(W.drain_rc, AIO_ECLOSED);
    CHECK_EQ(T_MS(), 10);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECLOSED);
    CHECK_EQ(aio_spawn(&W.reader, w_reader), AIO_OK);
    AIO_AWAIT(t, W.rc, &W.reader); /* the end: what the socket had, then no more */
    CHECK(W.read_rc == 0 || W.read_rc == AIO_ECONNRESET);
    AIO_END(t);
}
static void test_io_stream_write_bound_and_abort(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_bound_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* aio_stream_writelines: three pieces go as one write, in order, none
 * between them; near the bound a message that does not fit is refused
 * whole (AIO_ELIMIT, nothing of it taken, though its first pieces would
 * fit); bad input is refused. The reader gets every message whole. */
static aio_status w_lines_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    {
        aio_piece bad[2] = {{NULL, 3}, {"x", 1}};
        aio_piece huge[2] = {{"x", (size_t)-1}, {"y", 2}};
        CHECK_EQ(aio_stream_writelines(&W.s, NULL, 1), AIO_EINVAL);
        CHECK_EQ(aio_stream_writelines(&W.s, bad, 2), AIO_EINVAL);
        CHECK_EQ(aio_stream_writelines(&W.s, huge, 2), AIO_EINVAL);
        CHECK_EQ(aio_stream_writelines(&W.s, NULL, 0), AIO_OK);
        CHECK_EQ(aio_stream_writelines(NULL, bad + 1, 1), AIO_EINVAL);
    }
    W_FILL(t, 0); /* (the socket full first, whatever its buffers: what follows is buffered) */
    W.i = W.fills;
    CHECK(W.i > 0);
    W.n = aio_stream_write_buffered(&W.s);
    W.bound = W.n + 6000;
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 1000, 100, W.bound), AIO_OK);
    for (W.k = 0; W.k < 2000; W.k++) { /* (until a message is refused: each 2 + 2000 + 1 bytes) */
        aio_piece m[4] = {{NULL, 0}, {"<<", 2}, {W.piece[1], 2000}, {">", 1}}; /* (an empty piece: nothing) */
        W.n = aio_stream_write_buffered(&W.s);
        W.rc = aio_stream_writelines(&W.s, m, 4);
        if (W.rc != AIO_OK) break;
        W.filled++;
    }
    CHECK_EQ(W.rc, AIO_ELIMIT);
    CHECK_EQ(aio_stream_write_buffered(&W.s), W.n); /* (nothing of it, not even "<<") */
    CHECK(W.n + 2003 > W.bound);
    CHECK(W.n + 2 <= W.bound); /* (its first piece alone would have fit) */
    { /* the bound lowered below what is buffered: even one byte is refused */
        aio_piece one = {"!", 1};
        CHECK_EQ(aio_stream_set_write_limits(&W.s, 1000, 100, 100), AIO_OK);
        CHECK_EQ(aio_stream_writelines(&W.s, &one, 1), AIO_ELIMIT);
        CHECK_EQ(aio_stream_set_write_limits(&W.s, 1000, 100, W.bound), AIO_OK);
    }
    CHECK_EQ(aio_spawn(&W.reader, w_reader), AIO_OK);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_OK);
    AIO_AWAIT(t, W.rc, &W.reader);
    CHECK_EQ(W.read_rc, 0);
    W.n = (size_t)W.i * 10000u; /* (the fill's bytes, then the messages) */
    CHECK_EQ(W.at, W.n + (size_t)W.filled * 2003u);
    for (W.i = 0; W.i < W.filled; W.i++) { /* every message whole, in order */
        CHECK(w_got_is(W.n + (size_t)W.i * 2003u, "<<", 2));
        CHECK(w_got_is(W.n + (size_t)W.i * 2003u + 2, W.piece[1], 2000));
        CHECK(w_got_is(W.n + (size_t)W.i * 2003u + 2002, ">", 1));
    }
    AIO_END(t);
}
static void test_io_stream_writelines(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_lines_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* A close that cannot send what is buffered: at its deadline (exactly) it
 * drops it and closes the socket all the same (AIO_ETIMEDOUT); a close
 * cancelled while it waits does the same (AIO_ECANCELED). */
static aio_status w_closer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_CLOSE(t, W.close_rc, &W.s, AIO_SEC(10));
    AIO_FINALLY(t);
    W.close_rc = AIO_STATUS(t);
    AIO_END(t);
}
static aio_status w_close_cut_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_MS(50));
    CHECK_EQ(W.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 50);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECLOSED);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    /* again, on a new pair, cancelled */
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    CHECK_EQ(aio_spawn(&W.closer, w_closer), AIO_OK);
    AIO_SLEEP(t, AIO_MS(30));
    CHECK_EQ(aio_cancel(&W.closer), 1);
    AIO_AWAIT(t, W.rc, &W.closer);
    CHECK_EQ(W.close_rc, AIO_ECANCELED);
    CHECK_EQ(T_MS(), 80);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECLOSED);
    AIO_END(t);
}
static void test_io_stream_close_cut_short(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_close_cut_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* A close that flushes as aio_run ends: the main task returns, the run's end
 * cancels the writer and the reader; the writer's cleanup closes its stream
 * with more buffered than the socket takes (AIO_STREAM_CLOSE, 10 s), the reader's reads its
 * socket to the end. The stream's sender, the library's own task, is not
 * cancelled with them: it sends everything while their cleanups run, the
 * close gives AIO_OK and the reader gets every byte; aio_run returns only
 * then, with no task alive. */
static struct {
    aio_task writer, reader;
    aio_status close_rc, recv_rc;
    long long read_total, close_at, written;
    unsigned char chunk[65536];
} RE;
static aio_status re_writer(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 0, 0, 64u << 20), AIO_OK);
    W_FILL(t, 0);
    RE.written = (long long)W.fills * 10000; /* (more than the socket takes, whatever its buffers) */
    CHECK(aio_stream_write_buffered(&W.s) > 0);
    AIO_SLEEP(t, AIO_NEVER);
    AIO_FINALLY(t);
    AIO_STREAM_CLOSE(t, RE.close_rc, &W.s, AIO_SEC(10));
    RE.close_at = T_MS();
    AIO_END(t);
}
static aio_status re_reader(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_NEVER);
    AIO_FINALLY(t);
    for (;;) {
        AIO_RECV(t, RE.recv_rc, S.sv[1], RE.chunk, sizeof RE.chunk, AIO_SEC(10));
        if (RE.recv_rc <= 0) break;
        RE.read_total += RE.recv_rc;
    }
    AIO_END(t);
}
static aio_status re_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_spawn(&RE.writer, re_writer), AIO_OK);
    CHECK_EQ(aio_spawn(&RE.reader, re_reader), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t); /* (the run's end cancels the writer and the reader) */
}
static void test_io_stream_close_at_run_end(void) {
    aio_loop loop;
    w_setup(&loop);
    memset(&RE, 0, sizeof RE);
    CHECK_EQ(test_run(&loop, &S.main, re_main), AIO_OK);
    CHECK_EQ(aio_task_result(&RE.writer), AIO_ECANCELED);
    CHECK_EQ(RE.close_rc, AIO_OK);
    CHECK_EQ(RE.recv_rc, 0); /* (the end, after every byte) */
    CHECK_EQ(RE.read_total, RE.written);
    CHECK_EQ(RE.close_at, 10);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EINVAL); /* (freed: not set up) */
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(W.got);
}

/* The main task returns with a stream's buffer full of bytes its peer never
 * reads: no task of the program is left, so the run's end stops the sender
 * (what it held is dropped, as asyncio's transports close with their loop)
 * and aio_run returns; the stream's later writes say why nothing goes. */
static aio_status re_main_leaves_bytes(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 0, 0, 64u << 20), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    CHECK(aio_stream_write_buffered(&W.s) > 0);
    AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}
static void test_io_stream_sender_stopped_at_run_end(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, re_main_leaves_bytes), AIO_OK);
    CHECK_EQ(T_MS(), 10);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECANCELED);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(W.got);
}

/* The run's end stops only the senders with bytes to send: a stream whose
 * writes all went (its sender ended) is left as it is, and writes on after
 * aio_run returned (at once: no turn to wait for), while the one whose peer
 * never read says why nothing goes. */
static aio_status re_main_two_streams(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 0, 0, 64u << 20), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    CHECK_EQ(aio_stream_init(&W.s2, S.sv[1], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s2, "hi", 2), AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(&W.s2), 2u); /* (sent in the next turn) */
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_stream_write_buffered(&W.s2), 0u); /* (its sender ended) */
    AIO_END(t);
}
static void test_io_stream_run_end_stops_only_senders_with_bytes(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, re_main_two_streams), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECANCELED);
    CHECK_EQ(aio_stream_write(&W.s2, "x", 1), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s2), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(W.got);
}

/* A stream whose sender failed (its peer closed with bytes still to send)
 * gives that error to every write while its loop lives, and once the loop
 * has ended, AIO_EINVAL as any stream of an ended loop. */
static aio_status re_main_sender_failed(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 0, 0, 64u << 20), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    CHECK(aio_stream_write_buffered(&W.s) > 0);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    W.rc = aio_stream_write(&W.s, "x", 1);
    CHECK(W.rc < 0 && W.rc != AIO_ELIMIT && W.rc != AIO_EINVAL); /* (the send's error: a reset, a broken pipe) */
    AIO_END(t);
}
static void test_io_stream_sender_failed_then_loop_end(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, re_main_sender_failed), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EINVAL);
    CHECK_DEBUG("aio_stream_write: no loop to send what the socket does not take");
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(close_sock(S.sv[0]), 0);
    free(W.got);
}

/* A stream written after its loop ended: refused (nothing would send what
 * the socket does not take), and so is one with nothing written before. */
static void test_io_stream_write_after_loop_end(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "hi", 2), AIO_OK);
    CHECK_EQ(aio_stream_init(&W.s2, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "more", 4), AIO_EINVAL);
    CHECK_DEBUG("aio_stream_write: no loop to send what the socket does not take");
    CHECK_EQ(aio_stream_write(&W.s2, "more", 4), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_write_limits(&W.s2, 100, 10, 1000), AIO_EINVAL);
    CHECK_DEBUG("aio_stream_set_write_limits: no loop");
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s2), AIO_OK);
    CHECK_EQ(close_sock(S.sv[0]), 0);
    CHECK_EQ(close_sock(S.sv[1]), 0);
    free(W.got);
}

/* A peer gone: the background send's error is every later write's and
 * drain's; an AIO_STREAM_WRITE waits behind what is buffered (here until
 * its deadline: the peer never reads); a stream freed while a drain
 * waits and its sender has bytes to send (the drain told: AIO_ECLOSED). */
static aio_status w_errors_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(NULL, "x", 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_write(&W.s, NULL, 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_write(&W.s, NULL, 0), AIO_OK);
    W_FILL(t, 64 * 1024);
    CHECK(W.fills > 0); /* (over the high-water mark: a drain waits) */
    AIO_STREAM_WRITE(t, W.rc, &W.s, "x", 1, AIO_MS(100)); /* (after what is buffered, never read) */
    CHECK_EQ(W.rc, AIO_ETIMEDOUT);
    CHECK_EQ(aio_bytes_sent(t), 0);
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(aio_spawn(&W.drainer, w_drainer), AIO_OK);
    AIO_YIELD(t);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK); /* (what it held dropped; the drain told, as docs/api.md says) */
    AIO_AWAIT(t, W.rc, &W.drainer);
    CHECK_EQ(W.drain_rc, AIO_ECLOSED);
    /* the peer goes: the sender meets it */
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 64 * 1024);
    CHECK(W.fills > 0);
    CHECK_EQ(close_sock(S.sv[1]), 0);
    S.sv[1] = -1;
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_ECONNRESET);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECONNRESET);
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_ECONNRESET);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(10));
    CHECK_EQ(W.rc, AIO_ECONNRESET); /* (and the socket closed) */
    CHECK_EQ(T_MS(), 100);
    AIO_END(t);
}
/* A task of the program waiting until the stream's socket is writable (its
 * own AIO_SEND_ALL on a socket full for good) when the stream's sender
 * must wait too: the stream fails with AIO_EBUSY, and a debug message says
 * why; the program's send goes on once the peer reads. */
static aio_status w_raw_sender(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_ALL(t, W.drain_rc, S.sv[0], W.got, W_GOT, AIO_SEC(10));
    AIO_END(t);
}
static aio_status w_two_ways_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 0, 0, (size_t)1 << 20), AIO_OK); /* (a drain: until empty) */
    W.n = w_fill_for_good(S.sv[0]);
    CHECK(W.n > 0);
    CHECK_EQ(aio_spawn(&W.writers[0], w_raw_sender), AIO_OK);
    AIO_YIELD(t); /* (it finds no room, and waits for it) */
    CHECK_EQ(aio_stream_write(&W.s, W.piece[1], sizeof W.piece[1]), AIO_OK); /* (buffered) */
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_EBUSY);
    CHECK_DEBUG("aio_stream_write: a task waits until the stream's socket is writable");
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EBUSY);
    AIO_STREAM_WRITE(t, W.rc, &W.s, "y", 1, AIO_SEC(1)); /* (what the buffer held was dropped: a write that
                                                            went now would leave a hole before it) */
    CHECK_EQ(W.rc, AIO_EBUSY);
    CHECK_EQ(aio_bytes_sent(t), 0u);
    CHECK_EQ(aio_spawn(&W.reader, w_reader), AIO_OK);
    AIO_AWAIT(t, W.rc, &W.writers[0]);
    CHECK_EQ(W.drain_rc, AIO_OK); /* (the program's own send, whole) */
    CHECK_EQ(T_MS() < 1000, 1);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    AIO_AWAIT(t, W.rc, &W.reader);
    CHECK_EQ(W.at, W.n + (size_t)W_GOT);
    AIO_END(t);
}
static void test_io_stream_write_beside_a_send(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_two_ways_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* The socket closed under the stream before its sender's first send, and
 * a new socket in its number: nothing buffered goes to the new socket; the
 * stream's writes and drains give AIO_ECLOSED. */
static int w_new[2];
static aio_status w_number_taken_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 10000), AIO_OK); /* (bytes buffered, the sender not run yet) */
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    sockpair(w_new); /* (on POSIX, w_new[0] takes S.sv[0]'s number) */
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_ECLOSED);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECLOSED);
    AIO_RECV(t, W.rc, w_new[1], W.buf, sizeof W.buf, AIO_MS(10)); /* (nothing came) */
    CHECK_EQ(W.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 10);
    AIO_END(t);
}
/* main run on a new loop over S.sv, which closes S.sv[0] and opens w_new;
 * then everything closed and freed. */
static void w_run_number_taken(aio_task_fn main) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, main), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_close(w_new[0]), AIO_OK);
    CHECK_EQ(aio_close(w_new[1]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(W.got);
}
static void test_io_stream_sender_after_close(void) { w_run_number_taken(w_number_taken_main); }

/* The socket closed under a stream whose sender a turn's end started (the
 * socket full) before it took its first step, and a new socket in its
 * number: the sender sends nothing to it; the stream's writes give
 * AIO_ECLOSED. The closer was queued before the sender, so it runs first. */
static aio_status w_closes_first(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    sockpair(w_new); /* (on POSIX, w_new[0] takes S.sv[0]'s number) */
    AIO_END(t);
}
static aio_status w_sender_late_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    while (send_sock(S.sv[0], W.piece[0], sizeof W.piece[0]) > 0) continue; /* (the socket full) */
    CHECK_EQ(aio_spawn(&W.closer, w_closes_first), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "late", 4), AIO_OK);
    AIO_YIELD(t); /* (the turn's end: the socket takes nothing; the sender started) */
    CHECK(!aio_task_alive(&W.closer));
    AIO_SLEEP(t, AIO_MS(1));
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECLOSED);
    AIO_RECV(t, W.rc, w_new[1], W.buf, sizeof W.buf, AIO_MS(10)); /* (nothing came) */
    CHECK_EQ(W.rc, AIO_ETIMEDOUT);
    AIO_END(t);
}
static void test_io_stream_sender_before_its_first_step(void) { w_run_number_taken(w_sender_late_main); }

/* Outside aio_run (no turn to come) a write sends at once what the socket
 * takes, and a peer gone is its error at once (a local pair's: POSIX); the
 * rest waits for a run's turn to end, and the loop's end drops it (later
 * writes are refused: no loop). */
static void test_io_stream_write_outside_a_run(void) {
    aio_loop loop;
    int k;
    w_setup(&loop);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
#ifndef _WIN32
    CHECK_EQ(close_sock(S.sv[1]), 0);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_ECONNRESET);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0u);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
#endif
    for (k = 0; k < 4000 && aio_stream_write_buffered(&W.s) == 0; k++)
        CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 10000), AIO_OK);
    CHECK(aio_stream_write_buffered(&W.s) > 0); /* (the socket full: the rest waits) */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(close_sock(S.sv[0]), 0);
    CHECK_EQ(close_sock(S.sv[1]), 0);
    free(W.got);
}

/* The loop's port let go (aio_loop_set_io(NULL)) while a write waits for
 * a turn's end: the system's port starts at once (no wait may come to start
 * it), and the run's turns send what the socket did not take. */
static void test_io_stream_write_then_port_detached(void) {
    aio_loop loop;
    size_t sent = 0;
    int k;
    w_setup(&loop);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    for (k = 0; k < 4000 && aio_stream_write_buffered(&W.s) == 0; k++) {
        CHECK_EQ(aio_stream_write(&W.s, W.piece[1], 10000), AIO_OK);
        sent += 10000;
    }
    CHECK(aio_stream_write_buffered(&W.s) > 0);
    CHECK_EQ(aio_loop_set_io(&loop, NULL), AIO_OK);
    CHECK(loop.io != NULL);
    CHECK_EQ(aio_run(&loop, &W.reader, w_reader), AIO_OK); /* (until 100 s pass with nothing more) */
    CHECK_EQ(W.read_rc, AIO_ETIMEDOUT);
    CHECK_EQ(W.at, sent);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0u);
    CHECK(w_got_is(sent - 1, "b", 1));
    w_teardown(&loop, 0);
}

static void test_io_stream_write_errors(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_errors_main), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(W.got);
}

/* What a turn writes goes out together: each write is copied into the
 * buffer, and the sender, ready from the first, sends it all in the next
 * turn in one call of the transport (one counted here, passing bytes to the
 * socket); writes from three tasks in one turn too. The peer reads every
 * byte, in the order written. */
static int w_sends;
static aio_status w_counted_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    long k;
    (void)ctx;
    w_sends++;
    k = send_sock((int)fd, buf, len);
    return k > 0 ? (aio_status)k : AIO_WANT_WRITE;
}
static aio_status w_counted_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    long k;
    (void)ctx;
    k = recv_sock((int)fd, buf, len);
    return k >= 0 ? (aio_status)k : AIO_WANT_READ;
}
static aio_status w_ten_lines(aio_task *t) { /* "<k>: line <i>\n", i = 0..9, in one step */
    char line[32];
    int i, k = (int)(t - W.writers);
    AIO_BEGIN(t);
    for (i = 0; i < 10; i++) {
        int n = snprintf(line, sizeof line, "%d: line %d\n", k, i);
        CHECK_EQ(aio_stream_write(&W.s, line, (size_t)n), AIO_OK);
    }
    AIO_END(t);
}
static aio_status w_turn_main(aio_task *t) {
    static const aio_transport counted = {w_counted_recv, w_counted_send};
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_set_transport(&W.s, &counted, NULL), AIO_OK);
    for (W.i = 0; W.i < 50; W.i++) {
        aio_piece m[3] = {{"<", 1}, {W.piece[W.i % 3], 100}, {">\n", 2}};
        CHECK_EQ(aio_stream_write(&W.s, "#", 1), AIO_OK);
        CHECK_EQ(aio_stream_writelines(&W.s, m, 3), AIO_OK);
    }
    CHECK_EQ(w_sends, 0); /* (nothing yet: the turn is not over) */
    CHECK_EQ(aio_stream_write_buffered(&W.s), 50u * 104u);
    AIO_YIELD(t); /* (the sender's turn came first: it was ready before this task) */
    CHECK_EQ(w_sends, 1);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0u);
    AIO_RECV(t, W.rc, S.sv[1], W.got, W_GOT, AIO_SEC(1));
    CHECK_EQ(W.rc, 50 * 104);
    for (W.i = 0; W.i < 50; W.i++) {
        const unsigned char *m = W.got + W.i * 104;
        CHECK(m[0] == '#' && m[1] == '<' && m[102] == '>' && m[103] == '\n');
        CHECK(memcmp(m + 2, W.piece[W.i % 3], 100) == 0);
    }
    for (W.k = 0; W.k < 3; W.k++) CHECK_EQ(aio_spawn(&W.writers[W.k], w_ten_lines), AIO_OK);
    for (W.k = 0; W.k < 3; W.k++) AIO_AWAIT(t, W.rc, &W.writers[W.k]);
    AIO_YIELD(t);
    CHECK_EQ(w_sends, 2); /* (thirty lines of three tasks, one send) */
    AIO_RECV(t, W.rc, S.sv[1], W.got, W_GOT, AIO_SEC(1));
    W.got[W.rc > 0 ? W.rc : 0] = 0;
    {
        char want[1024] = "";
        int k, i;
        for (k = 0; k < 3; k++)
            for (i = 0; i < 10; i++) snprintf(want + strlen(want), sizeof want - strlen(want), "%d: line %d\n", k, i);
        CHECK_EQ(W.rc, (aio_status)strlen(want));
        CHECK(strcmp((const char *)W.got, want) == 0);
    }
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
static void test_io_stream_writes_of_a_turn_go_together(void) {
    aio_loop loop;
    w_setup(&loop);
    w_sends = 0;
    CHECK_EQ(test_run(&loop, &S.main, w_turn_main), AIO_OK);
    w_teardown(&loop, 0);
}

/* An AIO_STREAM_WRITE behind what the buffer holds, which the peer does not
 * read: cancelled, it raises with nothing sent and the stream takes writes
 * again; the stream aborted under it, AIO_ECLOSED. */
static aio_status w_late_writer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, W.close_rc, &W.s, "late", 4, AIO_SEC(10));
    AIO_FINALLY(t);
    W.drain_rc = AIO_STATUS(t);
    W.n = aio_bytes_sent(t);
    AIO_END(t);
}
static aio_status w_behind_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    W.n = 99;
    CHECK_EQ(aio_spawn(&W.writers[0], w_late_writer), AIO_OK);
    AIO_SLEEP(t, AIO_MS(20));
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EBUSY); /* (a task waits in a write of it) */
    CHECK_EQ(aio_cancel(&W.writers[0]), 1);
    AIO_AWAIT(t, W.rc, &W.writers[0]);
    CHECK_EQ(W.drain_rc, AIO_ECANCELED);
    CHECK_EQ(W.n, 0u);
    CHECK_EQ(T_MS(), 20);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK); /* (no writer waits now) */
    CHECK_EQ(aio_spawn(&W.writers[0], w_late_writer), AIO_OK);
    AIO_SLEEP(t, AIO_MS(20));
    CHECK_EQ(aio_stream_abort(&W.s), AIO_OK);
    AIO_AWAIT(t, W.rc, &W.writers[0]);
    CHECK_EQ(W.close_rc, AIO_ECLOSED);
    CHECK_EQ(W.drain_rc, AIO_OK); /* (returned, not raised) */
    CHECK_EQ(W.n, 0u);
    CHECK_EQ(T_MS(), 40);
    AIO_END(t);
}
static void test_io_stream_write_behind_the_buffer(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_behind_main), AIO_OK);
    w_teardown(&loop, 1);
}

/* The main task writes and returns: its sender, ready, takes its step
 * before the run's end stops anything, and the peer reads the bytes. */
static aio_status w_last_words_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "bye\n", 4), AIO_OK);
    AIO_END(t);
}
static void test_io_stream_write_then_return(void) {
    aio_loop loop;
    char got[8] = {0};
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_last_words_main), AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0u);
    CHECK_EQ(recv_sock(S.sv[1], got, sizeof got), 4);
    CHECK(memcmp(got, "bye\n", 4) == 0);
    w_teardown(&loop, 0);
}

/* A stream's block, once all it held is sent, is kept among its loop's
 * spares for the next writes (none larger than the high-water mark, at most
 * 64 of them): a write takes one with room, passing those too small; one
 * beyond either bound is freed. The peer reads every byte. */
static aio_status w_spares_main(aio_task *t) {
    aio_loop *L = aio_running_loop();
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK(L->write_spares == NULL);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 100), AIO_OK); /* (a block of 256) */
    AIO_YIELD(t);
    CHECK_EQ(L->write_spare_count, 1u);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[1], 1000), AIO_OK); /* (the 256 too small: a new block) */
    CHECK_EQ(L->write_spare_count, 1u);
    AIO_YIELD(t);
    CHECK_EQ(L->write_spare_count, 2u);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[2], 200), AIO_OK); /* (a spare taken) */
    CHECK_EQ(L->write_spare_count, 1u);
    AIO_YIELD(t);
    CHECK_EQ(L->write_spare_count, 2u);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 10), AIO_OK); /* (the last one given back taken) */
    CHECK_EQ(L->write_spare_count, 1u);
    W.spare = L->write_spares;
    L->write_spare_count = 64; /* (as if 64 were kept) */
    AIO_YIELD(t);
    CHECK(L->write_spares == W.spare); /* (freed, not kept) */
    L->write_spare_count = 1; /* (the one there) */
    CHECK_EQ(aio_stream_write(&W.s, W.piece[1], 30000), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[1], 40000), AIO_OK); /* (a block of 128 KiB) */
    for (W.n = 0; W.n < 100 + 1000 + 200 + 10 + 70000;) {
        AIO_RECV(t, W.rc, S.sv[1], W.got + W.n, W_GOT - W.n, AIO_SEC(1));
        CHECK(W.rc > 0);
        if (W.rc <= 0) break;
        W.n += (size_t)W.rc;
    }
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0u);
    CHECK_EQ(L->write_spare_count, 1u); /* (none had room; the large one freed) */
    CHECK(memcmp(W.got, W.piece[0], 100) == 0);
    CHECK(memcmp(W.got + 100, W.piece[1], 1000) == 0);
    CHECK(memcmp(W.got + 1100, W.piece[2], 200) == 0);
    CHECK(memcmp(W.got + 1300, W.piece[0], 10) == 0);
    CHECK(memcmp(W.got + 1310, W.piece[1], 30000) == 0);
    CHECK(memcmp(W.got + 31310, W.piece[1], 40000) == 0);
    AIO_END(t);
}
static void test_io_stream_spare_blocks(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_spares_main), AIO_OK);
    w_teardown(&loop, 0); /* (the loop's end frees the spare left) */
}

/* A stream freed while its sender waits for room: the sender, cancelled,
 * keeps its outbox until it has ended; an outbox made meanwhile leaves that
 * one alone, and one let go after it ended frees it. */
static int w_outboxes(void) { /* (the loop's list of them, which a program never reads) */
    const aio_loop *L = aio_running_loop();
    const aio_link *n;
    int k = 0;
    for (n = L->outboxes.next; n != &L->outboxes; n = n->next) k++;
    return k;
}
static aio_status w_let_go_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 0); /* (its sender waits for room) */
    CHECK(W.fills > 0);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK); /* (its sender cancelled, not ended yet) */
    CHECK_EQ(w_outboxes(), 1);
    CHECK_EQ(aio_stream_init(&W.s2, S.sv[1], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s2, "x", 1), AIO_OK); /* (a new outbox: the old one left alone) */
    CHECK_EQ(w_outboxes(), 2);
    AIO_YIELD(t); /* (the old sender ends; "x" is sent) */
    CHECK_EQ(aio_stream_free(&W.s2), AIO_OK); /* (let go, its sender never started: the old one freed too) */
    CHECK_EQ(w_outboxes(), 0);
    AIO_END(t);
}
static void test_io_stream_let_go_while_sending(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_let_go_main), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(W.got);
}

/* The refusals and the cut awaits: a stream not set up, a bad timeout, a
 * write while a task waits in an AIO_STREAM_WRITE, a transport that breaks
 * its contract, a drain or a close cancelled before or while it waits, a
 * close of a stream whose socket was closed under it. */
static aio_status w_liar_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    (void)ctx; (void)fd; (void)buf; (void)len;
    return 0;
}
static aio_status w_liar_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    (void)ctx; (void)fd; (void)buf; (void)len;
    return AIO_WANT_READ;
}
static aio_status w_old_writer(aio_task *t) { /* one AIO_STREAM_WRITE, more than the socket holds */
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, W.drain_rc, &W.s, W.got, W_GOT, AIO_MS(20));
    AIO_END(t);
}
static aio_status w_self_cancelled(aio_task *t) { /* W.k: 0 a drain, 1 a close */
    AIO_BEGIN(t);
    CHECK_EQ(aio_cancel(t), 1);
    if (W.k)
        AIO_STREAM_CLOSE(t, W.close_rc, &W.s, AIO_SEC(1));
    else
        AIO_DRAIN(t, W.drain_rc, &W.s, AIO_SEC(1));
    AIO_END(t);
}
static aio_status w_liar_send_more(void *ctx, aio_socket fd, const void *buf, size_t len) {
    (void)ctx; (void)fd; (void)buf;
    return (aio_status)len + 1;
}
static aio_stream w_zeroed; /* (never set up) */
static aio_status w_refusals_main(aio_task *t) {
    static const aio_transport liar = {w_liar_recv, w_liar_send};
    static const aio_transport liar_more = {w_liar_recv, w_liar_send_more};
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(NULL), 0);
    CHECK_EQ(aio_stream_abort(NULL), AIO_EINVAL);
    CHECK_DEBUG("aio_stream_abort: the stream was not set up");
    CHECK_EQ(aio_stream_abort(&w_zeroed), AIO_EINVAL);
    CHECK_EQ(aio_stream_write(&w_zeroed, "x", 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_write_limits(NULL, 1, 1, 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_write_limits(&w_zeroed, 1, 1, 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 1, 1, (size_t)INT_MAX + 1u), AIO_EINVAL);
    /* a close with nothing written: the socket closed */
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    /* an abort with nothing written; a close of a stream whose socket is gone */
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_abort(&W.s), AIO_OK);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_ECLOSED);
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_ECLOSED);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    /* a write, then AIO_STREAM_WRITE: its bytes go after the buffered ones */
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "ab", 2), AIO_OK);
    AIO_STREAM_WRITE(t, W.rc, &W.s, "cd", 2, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_OK);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    AIO_RECV(t, W.rc, S.sv[1], W.buf, sizeof W.buf, AIO_SEC(1));
    CHECK_EQ(W.rc, 4);
    CHECK(memcmp(W.buf, "abcd", 4) == 0);
    /* a transport that says it took more than given: the sender's error,
     * every later write's (what was buffered dropped) */
    CHECK_EQ(aio_stream_set_transport(&W.s, &liar_more, NULL), AIO_OK);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK);
    AIO_YIELD(t);
    CHECK_DEBUG("aio_stream_write: the transport's send said it took no bytes, or more than given");
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EIO);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    AIO_STREAM_WRITE(t, W.rc, &W.s, "cd", 2, AIO_SEC(1)); /* (nothing buffered: its own send) */
    CHECK_EQ(W.rc, AIO_EIO);
    CHECK_EQ(aio_stream_set_transport(&W.s, NULL, NULL), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    /* a peer gone before the first write: its error once the sender tried,
     * nothing buffered */
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(close_sock(S.sv[1]), 0);
    for (W.k = 0; W.k < 100 && (W.rc = aio_stream_write(&W.s, "x", 1)) == AIO_OK; W.k++)
        AIO_SLEEP(t, AIO_MS(1)); /* (a TCP pair's first send may go: the reset answers it) */
    W.bound = (size_t)W.k; /* (the milliseconds it slept) */
    CHECK_EQ(W.rc, AIO_ECONNRESET);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    /* a write while a task waits in an AIO_STREAM_WRITE */
    CHECK_EQ(aio_spawn(&W.writers[0], w_old_writer), AIO_OK);
    AIO_YIELD(t);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EBUSY);
    CHECK_DEBUG("aio_stream_write: a task is waiting in an AIO_STREAM_WRITE");
    AIO_AWAIT(t, W.rc, &W.writers[0]);
    CHECK_EQ(W.drain_rc, AIO_ETIMEDOUT);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK); /* (the peer's buffer is full: a new pair) */
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    /* a transport that takes nothing */
    CHECK_EQ(aio_stream_set_transport(&W.s, &liar, NULL), AIO_OK);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK);
    AIO_YIELD(t);
    CHECK_DEBUG("aio_stream_write: the transport's send said it took no bytes");
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EIO);
    CHECK_EQ(aio_stream_set_transport(&W.s, NULL, NULL), AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK); /* (a new stream on the socket: the error goes with the old) */
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK);
    /* cancelled as they begin: the drain raises; the close raises and closes */
    W.k = 0;
    CHECK_EQ(aio_spawn(&W.closer, w_self_cancelled), AIO_OK);
    AIO_AWAIT(t, W.rc, &W.closer);
    CHECK_EQ(W.rc, AIO_ECANCELED);
    CHECK_EQ(aio_stream_write(&W.s, "y", 1), AIO_OK);
    W.k = 1;
    CHECK_EQ(aio_spawn(&W.closer, w_self_cancelled), AIO_OK);
    AIO_AWAIT(t, W.rc, &W.closer);
    CHECK_EQ(W.rc, AIO_ECANCELED);
    CHECK_EQ(aio_stream_write(&W.s, "z", 1), AIO_ECLOSED);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    /* cancelled while it waits */
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 64 * 1024);
    CHECK(W.fills > 0);
    CHECK_EQ(aio_spawn(&W.drainer, w_drainer), AIO_OK);
    AIO_SLEEP(t, AIO_MS(5));
    CHECK_EQ(aio_cancel(&W.drainer), 1);
    AIO_AWAIT(t, W.rc, &W.drainer);
    CHECK_EQ(W.rc, AIO_ECANCELED);
    CHECK(aio_stream_write_buffered(&W.s) > 64 * 1024); /* (a drain cut short takes nothing back) */
    /* the socket closed under the stream: a close says so, and lets the buffer go */
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_ECLOSED);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0);
    CHECK_EQ(T_MS() - (long)W.bound, 25); /* (the sleeps, besides the peer-gone loop's) */
    AIO_END(t);
}
static aio_status w_drain_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_DRAIN(t, W.rc, (aio_stream *)NULL, AIO_SEC(1));
    AIO_END(t);
}
static aio_status w_close_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_CLOSE(t, W.rc, (aio_stream *)NULL, AIO_SEC(1));
    AIO_END(t);
}
static aio_status w_drain_unset_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_DRAIN(t, W.rc, &w_zeroed, AIO_SEC(1));
    AIO_END(t);
}
static aio_status w_drain_bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_DRAIN(t, W.rc, &W.s, AIO_TIME_INVALID);
    AIO_END(t);
}
static aio_status w_close_bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_CLOSE(t, W.rc, &W.s, AIO_TIME_INVALID);
    AIO_END(t);
}
static void test_io_stream_write_refusals(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_refusals_main), AIO_OK);
    CHECK_EQ(test_run(&loop, &S.main, w_drain_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_DRAIN: the stream was not set up");
    CHECK_EQ(test_run(&loop, &S.main, w_close_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_STREAM_CLOSE: the stream was not set up");
    CHECK_EQ(test_run(&loop, &S.main, w_drain_unset_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_DRAIN: the stream was not set up");
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(test_run(&loop, &S.main, w_drain_bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_DRAIN: the timeout");
    CHECK_EQ(test_run(&loop, &S.main, w_close_bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_STREAM_CLOSE: the timeout");
    /* limits set with no loop running: the buffer made all the same */
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 10, 5, 100), AIO_OK);
    w_teardown(&loop, 0);
}

#ifdef TEST_COUNTED_ALLOC
/* Out of memory: for the write buffer (nothing taken, the stream goes on),
 * for the limits, in a run and outside one (where a write's room is made
 * before any of it is sent). */
static aio_status w_memory_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_EIO);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_stream_set_write_limits(&W.s, 10, 1, 100), AIO_EIO);
    test_alloc_fail_after(1); /* (the outbox, not its buffer) */
    CHECK_EQ(aio_stream_write(&W.s, W.got, 1 << 20), AIO_EIO); /* (nothing of it taken) */
    test_alloc_fail_after(-1);
    CHECK_EQ(aio_stream_write_buffered(&W.s), 0u);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK); /* (the stream goes on) */
    AIO_DRAIN(t, W.rc, &W.s, AIO_SEC(1));
    CHECK_EQ(W.rc, AIO_OK);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    /* the buffer's growth fails with bytes buffered: nothing of the write taken, the stream goes on */
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    W_FILL(t, 0);
    CHECK(W.fills > 0);
    W.n = aio_stream_write_buffered(&W.s);
    test_alloc_fail_after(0);
    CHECK_EQ(aio_stream_write(&W.s, W.piece[0], 30000), AIO_EIO);
    test_alloc_fail_after(-1);
    CHECK_EQ(aio_stream_write_buffered(&W.s), W.n);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK);
    test_alloc_fail_after(0); /* (a message in pieces: whole or nothing) */
    {
        aio_piece m[2] = {{W.piece[1], 30000}, {"!", 1}};
        CHECK_EQ(aio_stream_writelines(&W.s, m, 2), AIO_EIO);
    }
    test_alloc_fail_after(-1);
    CHECK_EQ(aio_stream_write_buffered(&W.s), W.n + 1);
    CHECK_EQ(aio_stream_free(&W.s), AIO_OK);
    AIO_END(t);
}
static void test_io_stream_write_out_of_memory(void) {
    aio_loop loop;
    w_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, w_memory_main), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK); /* (its buffers full: a new pair) */
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(aio_stream_init(&W.s, S.sv[0], W.buf, sizeof W.buf), AIO_OK);
    CHECK_EQ(aio_stream_write(&W.s, "x", 1), AIO_OK); /* (outside the run: at once, the outbox made) */
    test_alloc_fail_after(0);
    CHECK_EQ(aio_stream_write(&W.s, W.got, 1 << 20), AIO_EIO); /* (its room first: nothing of it went) */
    test_alloc_fail_after(-1);
    CHECK_EQ(aio_stream_write(&W.s, "y", 1), AIO_OK); /* (the stream goes on) */
    CHECK_EQ(recv_sock(S.sv[1], W.buf, sizeof W.buf), 2);
    CHECK(memcmp(W.buf, "xy", 2) == 0);
    w_teardown(&loop, 0);
}
#endif

/* 1,000 descriptors at once: each of 1,000 tasks waits to receive on its
 * own socket; a writer answers them in reverse order, one per millisecond;
 * each wakes in the turn of its write. */
#define MANY_FDS 1000
typedef struct {
    aio_task task;
    int fd, peer, i;
    char c;
    aio_status rc;
    long long at;
} many_t;
static many_t *many;
static aio_task many_writer_task, many_main_task;

static aio_status many_reader(aio_task *t) {
    many_t *m = AIO_CONTAINER(t, many_t, task);
    AIO_BEGIN(t);
    AIO_RECV(t, m->rc, m->fd, &m->c, 1, AIO_SEC(10));
    m->at = T_MS();
    AIO_END(t);
}

static aio_status many_writer(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    for (i = MANY_FDS - 1; i >= 0; i--) {
        AIO_SLEEP(t, AIO_MS(1));
        CHECK_EQ(send_sock(many[i].peer, "!", 1), 1);
    }
    AIO_END(t);
}

static aio_status many_main(aio_task *t) {
    static int i;
    static aio_status rc;
    AIO_BEGIN(t);
    for (i = 0; i < MANY_FDS; i++) CHECK_EQ(aio_spawn(&many[i].task, many_reader), AIO_OK);
    CHECK_EQ(aio_spawn(&many_writer_task, many_writer), AIO_OK);
    for (i = 0; i < MANY_FDS; i++) {
        AIO_AWAIT(t, rc, &many[i].task);
        CHECK_EQ(rc, AIO_OK);
    }
    AIO_AWAIT(t, rc, &many_writer_task);
    AIO_END(t);
}

static void test_io_thousand_descriptors(void) {
    aio_loop loop;
    int i, ok = 0;
#if POSIX_IO_TESTS
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < 2 * MANY_FDS + 64 && lim.rlim_max > lim.rlim_cur) {
        lim.rlim_cur = lim.rlim_max < 2 * MANY_FDS + 64 ? lim.rlim_max : 2 * MANY_FDS + 64;
        (void)setrlimit(RLIMIT_NOFILE, &lim);
    }
#endif
    test_loop(&loop);
    many = (many_t *)calloc(MANY_FDS, sizeof *many);
    for (i = 0; i < MANY_FDS; i++) {
        int sv[2];
        if (blocking_pair(sv) != 0) break;
        nonblocking(sv[0]);
        many[i].fd = sv[0];
        many[i].peer = sv[1];
        many[i].i = i;
    }
    if (i < MANY_FDS) { /* the descriptor limit is below 2,000: say so, test what fits */
        printf("    (only %d socket pairs could be opened: raise `ulimit -n`)\n", i);
        CHECK(i >= MANY_FDS);
    } else {
        CHECK_EQ(test_run(&loop, &many_main_task, many_main), AIO_OK);
        for (i = 0; i < MANY_FDS; i++)
            ok += many[i].rc == 1 && many[i].c == '!' && many[i].at == MANY_FDS - i;
        CHECK_EQ(ok, MANY_FDS);
        CHECK_EQ(loop.io->waiting, 0);
    }
    for (i = 0; i < MANY_FDS; i++)
        if (many[i].peer > 0) {
            (void)aio_close(many[i].fd);
            (void)close_sock(many[i].peer);
        }
    free(many);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#if defined(TEST_COUNTED_ALLOC) && POSIX_IO_TESTS
/* Out of memory as the system's table of watched descriptors grows (poll()'s
 * array, 64 entries: the wake-up pipe's, then each watched): 70 tasks wait on
 * a socket each, every one with its next allocation failing, the descriptor
 * slots grown before (by a wait on the highest, which stays watched); the
 * first 62 wake as their byte comes, each after them needs the array doubled
 * and gets AIO_EIO (epoll needs no array: none fails; AFD poll a record
 * for each socket: all fail), and waits again with memory. */
#define TABLE_WAITERS 70
typedef struct {
    aio_task task;
    int fd, peer;
    aio_status rc;
} table_t;
static table_t table[TABLE_WAITERS + 1]; /* (and the one of the highest number, waited on first) */
static aio_task table_main_task;
static aio_status table_waiter(aio_task *t) {
    table_t *w = AIO_CONTAINER(t, table_t, task);
    AIO_BEGIN(t);
    test_alloc_fail_after(0);
    AIO_WAIT_READABLE(t, w->rc, w->fd, AIO_NEVER);
    AIO_END(t);
}
static aio_status table_main(aio_task *t) {
    static int i;
    static aio_status rc;
    AIO_BEGIN(t);
    CHECK_EQ(send_sock(table[TABLE_WAITERS].peer, "!", 1), 1);
    AIO_WAIT_READABLE(t, rc, table[TABLE_WAITERS].fd, AIO_SEC(1)); /* (the slots grown for every descriptor) */
    CHECK_EQ(rc, AIO_OK);
    for (i = 0; i < TABLE_WAITERS; i++) CHECK_EQ(aio_spawn(&table[i].task, table_waiter), AIO_OK);
    AIO_YIELD(t); /* (each waits now) */
    test_alloc_fail_after(-1);
    for (i = 0; i < TABLE_WAITERS; i++) CHECK_EQ(send_sock(table[i].peer, "!", 1), 1);
    for (i = 0; i < TABLE_WAITERS; i++) AIO_AWAIT(t, rc, &table[i].task);
    for (i = 0; i < TABLE_WAITERS; i++) {
        if (table[i].rc == AIO_OK) continue;
        AIO_WAIT_READABLE(t, rc, table[i].fd, AIO_SEC(1)); /* (refused: its byte waits) */
        CHECK_EQ(rc, AIO_OK);
    }
    AIO_END(t);
}
static void test_io_watch_table_no_memory(void) {
    aio_loop loop;
    int i, high = 0, first = -1;
    table_t top;
    test_loop(&loop);
    for (i = 0; i <= TABLE_WAITERS; i++) {
        int sv[2];
        CHECK_EQ(blocking_pair(sv), 0);
        nonblocking(sv[0]);
        table[i].fd = sv[0];
        table[i].peer = sv[1];
        table[i].rc = 0;
        if (table[i].fd > table[high].fd) high = i;
    }
    top = table[high]; /* (the highest last) */
    table[high] = table[TABLE_WAITERS];
    table[TABLE_WAITERS] = top;
    CHECK_EQ(test_run(&loop, &table_main_task, table_main), AIO_OK);
    for (i = 0; i <= TABLE_WAITERS; i++) {
        if (i < TABLE_WAITERS && first < 0 && table[i].rc != AIO_OK) first = i;
        if (i < TABLE_WAITERS) CHECK_EQ(table[i].rc, first < 0 ? AIO_OK : AIO_EIO);
        (void)aio_close(table[i].fd);
        (void)close_sock(table[i].peer);
    }
    /* (an array: the wake-up's entry is the one waited on first, still
     * watched; a record a socket: each waiter's watch allocates) */
    CHECK_EQ(first, test_wait_record_per_socket ? 0 : test_wait_table_grows ? 62 : -1);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#endif

/* A TCP listener on a free loopback port; a client connects, sends, the
 * server's connection echoes, the client reads it back. */
static aio_status tcp_server(aio_task *t) {
    static int fd;
    static char buf[32];
    static aio_status n;
    AIO_BEGIN(t);
    AIO_ACCEPT(t, fd, S.lfd, AIO_SEC(5));
    CHECK(fd >= 0);
    AIO_RECV(t, n, fd, buf, sizeof buf, AIO_SEC(5));
    CHECK_EQ(n, 4);
    AIO_SEND_ALL(t, S.rc, fd, buf, (size_t)n, AIO_SEC(5));
    CHECK_EQ(S.rc, AIO_OK);
    AIO_RECV(t, n, fd, buf, sizeof buf, AIO_SEC(5));
    CHECK_EQ(n, 0); /* the client closed */
    CHECK_EQ(aio_close(fd), AIO_OK);
    AIO_END(t);
}

static aio_status tcp_main(aio_task *t) {
    static aio_task server;
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&server, tcp_server), AIO_OK);
    AIO_TCP_CONNECT(t, S.fd, "127.0.0.1", S.port, AIO_SEC(5));
    CHECK(S.fd >= 0);
    AIO_SEND_ALL(t, S.rc, S.fd, "ping", 4, AIO_SEC(5));
    CHECK_EQ(S.rc, AIO_OK);
    AIO_RECV(t, S.rc, S.fd, S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(5));
    CHECK_EQ(S.rc, 4);
    CHECK(memcmp(S.r[0].buf, "ping", 4) == 0);
    CHECK_EQ(aio_close(S.fd), AIO_OK);
    AIO_AWAIT(t, S.rc, &server);
    CHECK_EQ(S.rc, AIO_OK);
    AIO_END(t);
}

/* TCP tests run on the real clock: the kernel completes a loopback
 * connection on its own time, which virtual time would not wait for. */
static void real_loop(aio_loop *loop) {
    aio_loop_init(loop, NULL, 0);
    aio_loop_set_grow(loop, aio_grow_realloc, NULL);
}
#define ELAPSED_MS(since) ((long long)((aio_now() - (since)) / (AIO_TICKS_PER_SEC / 1000)))

static void test_io_tcp_listen_accept_connect(void) {
    aio_loop loop;
    real_loop(&loop);
    memset(&S, 0, sizeof S);
    S.lfd = aio_tcp_listen("127.0.0.1", 0, 16);
    CHECK(S.lfd >= 0);
    S.port = aio_socket_port(S.lfd);
    CHECK(S.port > 0);
    CHECK_EQ(test_run(&loop, &S.main, tcp_main), AIO_OK);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

#if POSIX_IO_TESTS
/* No host (NULL, or ""): the connect goes to 0.0.0.0, which POSIX systems
 * take as this host: the listener on 127.0.0.1 accepts it. */
static aio_status no_host_main(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    for (i = 0; i < 2; i++) {
        AIO_TCP_CONNECT(t, S.fd, i ? "" : NULL, S.port, AIO_SEC(5));
        CHECK(S.fd >= 0);
        AIO_ACCEPT(t, S.rc, S.lfd, AIO_SEC(5));
        CHECK(S.rc >= 0);
        CHECK_EQ(aio_close(S.rc), AIO_OK);
        CHECK_EQ(aio_close(S.fd), AIO_OK);
    }
    AIO_END(t);
}
static void test_io_tcp_connect_no_host(void) {
    aio_loop loop;
    real_loop(&loop);
    memset(&S, 0, sizeof S);
    S.lfd = aio_tcp_listen("127.0.0.1", 0, 16);
    CHECK(S.lfd >= 0);
    S.port = aio_socket_port(S.lfd);
    CHECK_EQ(test_run(&loop, &S.main, no_host_main), AIO_OK);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#endif

/* Connecting where nobody listens: AIO_ECONNREFUSED. Accepting with nobody
 * connecting: the deadline. IPv6 loopback, where the system has it. */
static aio_status refused_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, S.rc, "127.0.0.1", S.port, AIO_SEC(5));
    CHECK_EQ(S.rc, AIO_ECONNREFUSED);
    S.lfd = aio_tcp_listen("localhost", 0, 0);
    CHECK(S.lfd >= 0);
    S.r[0].at = (long long)aio_now();
    AIO_ACCEPT(t, S.rc, S.lfd, AIO_MS(300));
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK(ELAPSED_MS((aio_time)S.r[0].at) >= 300);
    CHECK(ELAPSED_MS((aio_time)S.r[0].at) < 20000);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    S.lfd = aio_tcp_listen("::1", 0, 4);
    if (S.lfd >= 0) {
        S.port = aio_socket_port(S.lfd);
        AIO_TCP_CONNECT(t, S.fd, "::1", S.port, AIO_SEC(5));
        CHECK(S.fd >= 0);
        AIO_ACCEPT(t, S.rc, S.lfd, AIO_SEC(5));
        CHECK(S.rc >= 0);
        if (S.rc >= 0) CHECK_EQ(aio_close(S.rc), AIO_OK);
        CHECK_EQ(aio_close(S.fd), AIO_OK);
        CHECK_EQ(aio_close(S.lfd), AIO_OK);
    }
    AIO_END(t);
}

static void test_io_connect_refused_accept_deadline(void) {
    aio_loop loop;
    int fd;
    real_loop(&loop);
    memset(&S, 0, sizeof S);
    fd = aio_tcp_listen("127.0.0.1", 0, 1); /* a port that was free a moment ago */
    CHECK(fd >= 0);
    S.port = aio_socket_port(fd);
    CHECK_EQ(aio_close(fd), AIO_OK);
    CHECK_EQ(test_run(&loop, &S.main, refused_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A connection that cannot be made in time: the listener's queue is full
 * and never accepted from, so the kernel drops further handshakes. A
 * connect that times out, and one that is cancelled, close their sockets. */
typedef struct {
    aio_task task;
    aio_status rc;
} connector_t;
static connector_t conn_tasks[16];

static aio_status connector(aio_task *t) {
    connector_t *c = AIO_CONTAINER(t, connector_t, task);
    AIO_BEGIN(t);
    c->rc = AIO_EINPROGRESS;
    AIO_TCP_CONNECT(t, c->rc, "127.0.0.1", S.port, AIO_MS(200));
    AIO_FINALLY(t);
    if (c->rc >= 0) (void)aio_close(c->rc);
    AIO_END(t);
}

static aio_status connect_timeout_main(aio_task *t) {
    static int i, timed_out;
    AIO_BEGIN(t);
    for (i = 0, timed_out = 0; i < 16 && !timed_out; i++) {
        CHECK_EQ(aio_spawn(&conn_tasks[i].task, connector), AIO_OK);
        AIO_AWAIT(t, S.rc, &conn_tasks[i].task);
        timed_out = conn_tasks[i].rc == AIO_ETIMEDOUT;
        if (!timed_out) CHECK(conn_tasks[i].rc >= 0); /* (the queue was not full yet) */
    }
    CHECK(timed_out);
    /* the same, cancelled while it waits */
    CHECK_EQ(aio_spawn(&conn_tasks[15].task, connector), AIO_OK);
    AIO_SLEEP(t, AIO_MS(20));
    CHECK_EQ(aio_cancel(&conn_tasks[15].task), 1);
    AIO_AWAIT(t, S.rc, &conn_tasks[15].task);
    CHECK_EQ(S.rc, AIO_ECANCELED);
    CHECK_EQ(t->loop->io->waiting, 0);
    AIO_END(t);
}

/* A listening socket on 127.0.0.1 with a queue of `backlog` that the program
 * made itself, as socket() makes it: blocking. */
static int own_listener(int backlog) {
    struct sockaddr_in a;
    int fd = new_socket();
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(SOCK(fd), (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ(listen(SOCK(fd), backlog), 0);
    return fd;
}

/* The loop's wait started (what it opens is not counted as left open). */
static aio_status start_wait_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, S.rc, S.lfd, 0);
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    AIO_END(t);
}

/* (Against the library's listener, then one the program made itself: the
 * connect waits in no system call either way.) */
static void connect_timeout_against(int listener) {
    aio_loop loop;
    int before, after;
    real_loop(&loop);
    memset(conn_tasks, 0, sizeof conn_tasks);
    S.lfd = listener;
    CHECK(S.lfd >= 0);
    S.port = aio_socket_port(S.lfd);
    CHECK_EQ(test_run(&loop, &S.main, start_wait_main), AIO_OK);
    before = new_socket(); /* the lowest free number */
    (void)close_sock(before);
    CHECK_EQ(test_run(&loop, &S.main, connect_timeout_main), AIO_OK);
    after = new_socket(); /* the same: no socket was left open */
    (void)close_sock(after);
    CHECK_EQ(after, before);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

static void test_io_connect_timeout_and_cancel(void) {
    memset(&S, 0, sizeof S);
    connect_timeout_against(aio_tcp_listen("127.0.0.1", 0, 1));
    memset(&S, 0, sizeof S);
    connect_timeout_against(own_listener(1));
}

/* Errors a connect or a listen reports at once, and the arguments they
 * refuse. */
static aio_status connect_errors_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, S.rc, "255.255.255.255", 80, AIO_SEC(1)); /* no route */
    CHECK_EQ(S.rc, AIO_EIO);
    S.lfd = aio_tcp_listen(NULL, 0, 1); /* every IPv4 address */
    CHECK(S.lfd >= 0);
    S.port = aio_socket_port(S.lfd);
    CHECK_EQ(aio_tcp_listen("127.0.0.1", S.port, 1), AIO_EIO); /* in use */
#ifdef _WIN32 /* (in use by a socket with SO_EXCLUSIVEADDRUSE: either, as Windows versions differ) */
    CHECK(WSAGetLastError() == WSAEADDRINUSE || WSAGetLastError() == WSAEACCES);
#else
    CHECK_EQ(errno, EADDRINUSE);
#endif
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    S.lfd = aio_tcp_listen("", 0, 1);
    CHECK(S.lfd >= 0);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_close(S.lfd), AIO_EBADF); /* closed already */
    CHECK_DEBUG("aio_close: descriptor");
    AIO_END(t);
}
static aio_status connect_bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, S.rc, "127.0.0.1", 80, AIO_TIME_INVALID);
    AIO_END(t);
}
static aio_status cancelled_first_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_cancel(t), 1);
    if (S.port) AIO_TCP_CONNECT(t, S.rc, "127.0.0.1", S.port, AIO_SEC(1));
    else AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(1));
    S.rc = 99; /* not reached */
    AIO_END(t);
}
static aio_status send_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_ALL(t, S.rc, S.sv[0], NULL, 3, AIO_SEC(1));
    AIO_END(t);
}

static void test_io_connect_listen_errors(void) {
    aio_loop loop;
    real_loop(&loop);
    memset(&S, 0, sizeof S);
    sockpair(S.sv);
    CHECK_EQ(test_run(&loop, &S.main, connect_errors_main), AIO_OK);
    CHECK_EQ(test_run(&loop, &S.main, connect_bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_TCP_CONNECT: the timeout is NaN");
    S.port = 1;
    S.rc = 0;
    CHECK_EQ(test_run(&loop, &S.main, cancelled_first_main), AIO_ECANCELED);
    CHECK_EQ(S.rc, 0);
    S.port = 0;
    CHECK_EQ(test_run(&loop, &S.main, cancelled_first_main), AIO_ECANCELED);
    CHECK_EQ(S.rc, 0);
    CHECK_EQ(test_run(&loop, &S.main, send_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_SEND_ALL: the buffer is NULL");
    sock_teardown(&loop);
}

#if POSIX_IO_TESTS
/* A descriptor the loop watched, closed behind its back with close() and
 * opened again under the same number: a readiness wait asks the system
 * again and works. So do receives on a loop that never waited before, on
 * a number beyond the slots so far, and one that fills the buffer. */
static aio_status reuse_main(aio_task *t) {
    static int old, sv[2];
    AIO_BEGIN(t);
    spawn_reader(0, 0, S.sv[0], AIO_SEC(5));
    spawn_writer(S.sv[1], AIO_MS(10), "x");
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_OK); /* its descriptor stays watched */
    old = S.sv[0];
    CHECK_EQ(close(S.sv[0]), 0);
    CHECK_EQ(close(S.sv[1]), 0);
    AIO_WAIT_READABLE(t, S.rc, old, AIO_SEC(1)); /* closed, not open again: said so */
    CHECK_EQ(S.rc, AIO_EBADF);
    sockpair(sv);
    CHECK(sv[0] == old || sv[1] == old);
    if (sv[1] == old) { /* the reader is the one on the old number */
        int tmp = sv[0];
        sv[0] = sv[1];
        sv[1] = tmp;
    }
    S.sv[0] = sv[0];
    S.sv[1] = sv[1];
    spawn_reader(1, 0, S.sv[0], AIO_SEC(5));
    spawn_writer(S.sv[1], AIO_MS(10), "y");
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.r[1].rc, AIO_OK);
    CHECK_EQ(S.r[1].at, 20);
    AIO_END(t);
}

static void test_io_descriptor_reused(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, reuse_main), AIO_OK);
    sock_teardown(&loop);
}

/* Close the pair behind the loop's back and open a new one whose first
 * descriptor has number `old` again. */
static void reopen_pair(int old) {
    int sv[2];
    CHECK_EQ(close(S.sv[0]), 0);
    CHECK_EQ(close(S.sv[1]), 0);
    sockpair(sv);
    CHECK(sv[0] == old || sv[1] == old);
    if (sv[1] == old) {
        int tmp = sv[0];
        sv[0] = sv[1];
        sv[1] = tmp;
    }
    S.sv[0] = sv[0];
    S.sv[1] = sv[1];
}

#endif /* POSIX_IO_TESTS */

/* A readiness wait after a receive that found the descriptor dry trusts the
 * watch the receive's state vouches for, as the receive itself would: a
 * server that waits for each request before it takes a buffer asks the
 * system to watch once, not once per request. */
static aio_status (*sys_watch)(aio_io *io, int fd, int old, int events);
static int watch_calls;

static aio_status counting_watch(aio_io *io, int fd, int old, int events) {
    if (fd == S.sv[0]) watch_calls++;
    return sys_watch(io, fd, old, events);
}

static aio_status wait_after_receive_main(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, S.rc, S.sv[1], AIO_SEC(1)); /* the loop's I/O starts */
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(send_sock(S.sv[1], "ab", 2), 2);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(1)); /* at once, short: dry */
    CHECK_EQ(S.rc, 2);
    sys_watch = t->loop->io->watch;
    t->loop->io->watch = counting_watch;
    watch_calls = 0;
    for (i = 0; i < 3; i++) {
        spawn_writer(S.sv[1], AIO_MS(10), "request");
        AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_SEC(1));
        CHECK_EQ(S.rc, AIO_OK);
        CHECK_EQ(T_MS(), 10 * (i + 1));
        AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(1));
        CHECK_EQ(S.rc, 7);
    }
    CHECK_EQ(watch_calls, 1); /* the first wait: dry, but nothing watched it yet */
    t->loop->io->watch = sys_watch;
    AIO_END(t);
}

static void test_io_wait_after_receive_trusts_watch(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, wait_after_receive_main), AIO_OK);
    sock_teardown(&loop);
}

#if POSIX_IO_TESTS
/* The other side of that trust: a number a receive found dry, then closed
 * behind the loop's back and opened again, is still taken as watched. With
 * epoll, whose watch went with the old descriptor, a readiness wait on it
 * hears nothing (as a receive would); poll() watches numbers and hears the
 * new one. aio_io_forget before the wait (or aio_close instead of close)
 * makes the number new. */
static aio_status reuse_after_receive_main(aio_task *t) {
    static int old;
    AIO_BEGIN(t);
    spawn_reader(0, 0, S.sv[0], AIO_SEC(5)); /* watched */
    spawn_writer(S.sv[1], AIO_MS(10), "x");
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_OK);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(1)); /* short: dry */
    CHECK_EQ(S.rc, 1);
    old = S.sv[0];
    reopen_pair(old);
    CHECK_EQ(send_sock(S.sv[1], "y", 1), 1);
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_MS(50));
    CHECK_EQ(S.rc, test_wait_forgets_closed ? AIO_ETIMEDOUT : AIO_OK);
    CHECK_EQ(T_MS(), test_wait_forgets_closed ? 60 : 10);
    reopen_pair(old); /* once more, forgotten before the close this time */
    spawn_writer(S.sv[1], AIO_MS(10), "x");
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_SEC(5));
    CHECK_EQ(S.rc, AIO_OK);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(1)); /* watched and dry */
    CHECK_EQ(S.rc, 1);
    aio_io_forget(S.sv[0]);
    reopen_pair(old);
    CHECK_EQ(send_sock(S.sv[1], "y", 1), 1);
    S.fd = (int)T_MS();
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_MS(50));
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(T_MS(), S.fd);
    AIO_END(t);
}

static void test_io_descriptor_reused_after_receive(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, reuse_after_receive_main), AIO_OK);
    sock_teardown(&loop);
}

#endif /* POSIX_IO_TESTS */

static aio_status first_recv_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, 4, AIO_SEC(1)); /* no I/O started yet */
    CHECK_EQ(S.rc, 4);
    CHECK(t->loop->io == NULL);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, 4, AIO_SEC(1)); /* what is left: 2, short */
    CHECK_EQ(S.rc, 2);
    AIO_RECV(t, S.rc, S.fd, S.r[0].buf, sizeof S.r[0].buf, AIO_MS(10)); /* grows the slots */
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK(t->loop->io != NULL && t->loop->io->nslots > (uint32_t)S.fd);
    AIO_END(t);
}

static void test_io_receive_without_waiting(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(send_sock(S.sv[1], "abcdef", 6), 6);
#ifdef _WIN32
    sockpair(S.sv2); /* another pair: higher numbers */
    S.fd = S.sv2[0];
    CHECK(S.fd > S.sv[0] && S.fd > S.sv[1]);
#else
    S.fd = fcntl(S.sv[0], F_DUPFD, 200); /* a high number */
    CHECK(S.fd >= 200);
#endif
    CHECK_EQ(test_run(&loop, &S.main, first_recv_main), AIO_OK);
    CHECK_EQ(aio_close(S.fd), AIO_OK);
#ifdef _WIN32
    CHECK_EQ(aio_close(S.sv2[1]), AIO_OK);
#endif
    sock_teardown(&loop);
}

/* A descriptor the loop watched, closed with aio_close while a task waits
 * on it: the task wakes with AIO_ECLOSED. */
static aio_status close_waiting_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_SEC(5));
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_ECLOSED);
    CHECK_EQ(S.r[0].at, 10);
    AIO_END(t);
}

static void test_io_close_while_waiting(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, close_waiting_main), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* The peer of S.sv[0] sends msg, and it is there to read. */
static void peer_sends(const char *msg) {
    CHECK_EQ(send_sock(S.sv[1], msg, strlen(msg)), (long)strlen(msg));
    settle(S.sv[0]);
}

/* Between the turn that finds a descriptor ready and the turn its waiter
 * runs, other tasks run first. A close in that window is a close while it
 * waits: the waiter gets AIO_ECLOSED and touches nothing, though the
 * number is by then another connection's with bytes of its own; so too
 * when the number is closed 65,536 times in that window (what a count of
 * 16 bits or fewer, compared when the waiter runs, could not tell from
 * none: the waiter compares no count). */
static aio_status close_after_wake_main(aio_task *t) {
    static int op;
    static uint64_t closed_then;
    long i = 0;
    AIO_BEGIN(t);
    for (op = 0; op < 4; op++) { /* a readiness wait, a receive; each again past 65,536 closes */
        spawn_reader(0, op & 1, S.sv[0], AIO_SEC(5));
        AIO_SLEEP(t, AIO_MS(10));
        closed_then = t->loop->io->slots[S.sv[0]].closed;
        CHECK_EQ(send_sock(S.sv[1], "good", 4), 4L);
        settle(S.sv[0]);
        AIO_YIELD(t); /* the loop wakes the reader at the end of this turn; this task runs first */
        CHECK_EQ(t->loop->io->waiting, 1);
        CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
        CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
        sockpair(S.sv2); /* the lowest free numbers: the ones just closed */
        CHECK_EQ(send_sock(S.sv2[1], "evil", 4), 4L);
        i = 0;
        if (op >= 2) /* the number forgotten (a close as the library counts them) until the
                        low 16 bits of its count of closes are again what they were as the
                        reader parked */
            for (; (uint16_t)t->loop->io->slots[S.sv2[0]].closed != (uint16_t)closed_then; i++)
                aio_io_forget(S.sv2[0]);
        CHECK(op < 2 || i >= 65000);
        AIO_AWAIT(t, S.rc, &S.r[0].task);
        CHECK_EQ(S.r[0].rc, AIO_ECLOSED);
        CHECK_EQ(S.r[0].at, 10 + op * 10);
        CHECK_EQ(t->loop->io->waiting, 0);
        CHECK_EQ(drain_fd(S.sv2[0], S.r[1].buf, 8), 4); /* the new connection's bytes are all there */
        S.sv[0] = S.sv2[0];
        S.sv[1] = S.sv2[1];
    }
    AIO_END(t);
}

static void test_io_close_after_wake(void) { sock_test(close_after_wake_main); }

/* A waiter woken for readiness and then cancelled before it runs has left
 * its slot: another task may wait there at once, and the cancelled one's
 * resumption keeps the watch that task relies on (it hears of the bytes
 * at once). The same for a waiter woken by its deadline whose number was
 * then closed and opened anew: the new descriptor's watch stays. */
static aio_status cancel_after_wake_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_SEC(5));
    AIO_SLEEP(t, AIO_MS(10));
    peer_sends("abcd");
    AIO_YIELD(t);
    /* woken, not cancelled: still its slot's waiter, a second is refused */
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBUSY);
    CHECK_DEBUG("already has a task waiting until it is readable");
    CHECK_EQ(aio_cancel(&S.r[0].task), 1);
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_SEC(1)); /* the reader runs in the meantime */
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(T_MS(), 10);
    CHECK_EQ(S.r[0].rc, 0); /* (it never returned: cancelled) */
    CHECK_EQ(S.r[0].at2, 10);
    CHECK_EQ(drain_fd(S.sv[0], S.r[1].buf, 8), 4); /* the cancelled receive took nothing */
    /* woken by its deadline, then its number closed and taken again */
    spawn_reader(0, 1, S.sv[0], AIO_MS(20));
    AIO_SLEEP(t, AIO_MS(20)); /* (armed after the reader: wakes after it, runs before it) */
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(S.sv);
    CHECK_EQ(send_sock(S.sv[1], "efgh", 4), 4L);
    settle(S.sv[0]);
    spawn_reader(1, 0, S.sv[0], AIO_SEC(1));
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_ETIMEDOUT); /* (its deadline came first) */
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.r[1].rc, AIO_OK);
    CHECK_EQ(S.r[1].at, 30);
    AIO_END(t);
}

static void test_io_cancel_after_wake(void) { sock_test(cancel_after_wake_main); }

/* aio_loop_set_io refuses while a waiter the loop woke has not run (it
 * would resume on a port that is gone), and while the system's wait
 * carries routed signals or worker threads; the loop goes on unharmed. */
#if POSIX_IO_TESTS && !defined(AIO_NO_THREADS)
static aio_status nothing_call(void *data) {
    (void)data;
    return 7;
}
#endif
static aio_status set_io_busy_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_reader(0, 1, S.sv[0], AIO_SEC(5));
    AIO_SLEEP(t, AIO_MS(10));
    peer_sends("abcd");
    AIO_YIELD(t);
    CHECK(t->loop->io->slots[S.sv[0]].waiter[0] == &S.r[0].task); /* (woken: its slot's until it runs) */
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_EBUSY);
    CHECK_DEBUG("have not run yet");
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, 4);
#if POSIX_IO_TESTS
    CHECK_EQ(aio_signal_event(SIGUSR2, &S.ev), AIO_OK);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_EBUSY);
    CHECK_DEBUG("signals are routed to the loop");
    CHECK_EQ(aio_signal_event(SIGUSR2, NULL), AIO_OK);
    {
        static const char *const argv[] = {"true", NULL};
        static aio_process child;
        CHECK_EQ(aio_process_spawn(&child, argv, NULL), AIO_OK);
        CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_EBUSY);
        CHECK_DEBUG("child processes of the loop are not closed");
        CHECK_EQ(aio_process_close(&child), AIO_OK);
    }
#ifndef AIO_NO_THREADS
    AIO_TO_THREAD(t, S.rc, nothing_call, NULL, 0, AIO_SEC(1));
    CHECK_EQ(S.rc, 7);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_EBUSY);
    CHECK_DEBUG("worker threads have started");
#endif
#endif
    AIO_END(t);
}

static void test_io_set_io_while_busy(void) { sock_test(set_io_busy_main); }

/* Awaits with bad arguments are checkpoints all the same: a deadline that
 * passed during CPU work, or a pending cancel, is what they report. */
static aio_status bad_args_checkpoint_main(aio_task *t) {
    static aio_address nowhere;
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_MS(10)) {
        aio_virtual_advance(t->loop, AIO_MS(20)); /* CPU work past the block's deadline */
        AIO_RECV(t, S.rc, -1, S.r[0].buf, 4, AIO_SEC(1));
        CHECK(0); /* (never reached: the block unwinds) */
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 20);
    AIO_TIMEOUT(t, &S.to, AIO_MS(10)) {
        aio_virtual_advance(t->loop, AIO_MS(20));
        AIO_SEND_TO(t, S.rc, S.sv[0], "x", 1, &nowhere, AIO_SEC(1));
        CHECK(0);
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    AIO_TIMEOUT(t, &S.to, AIO_MS(10)) {
        aio_virtual_advance(t->loop, AIO_MS(20));
        AIO_RECV_FROM(t, S.rc, -1, S.r[0].buf, 4, &nowhere, AIO_SEC(1));
        CHECK(0);
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    AIO_TIMEOUT(t, &S.to, AIO_MS(10)) {
        aio_virtual_advance(t->loop, AIO_MS(20));
        AIO_TCP_CONNECT(t, S.rc, "127.0.0.1", 70000, AIO_SEC(1));
        CHECK(0);
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    AIO_TIMEOUT(t, &S.to, AIO_MS(10)) {
        aio_virtual_advance(t->loop, AIO_MS(20));
        AIO_LOOKUP(t, S.rc, "", 80, &nowhere, 1, AIO_SEC(1));
        CHECK(0);
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(aio_cancel(t), 1);
    AIO_WAIT_WRITABLE(t, S.rc, -1, AIO_SEC(1));
    CHECK(0);
    AIO_FINALLY(t);
    CHECK_EQ(AIO_STATUS(t), AIO_ECANCELED);
    AIO_RETURN(t, AIO_OK);
    AIO_END(t);
}

static void test_io_bad_arguments_are_checkpoints(void) { sock_test(bad_args_checkpoint_main); }

/* aio_bytes_sent: how much of a send that timed out reached the socket
 * (the peer reads exactly that many), and all of one that completed.
 * Nobody reads: the sends fill the socket's buffers (a few MiB at most on
 * Windows' loopback), then one waits until its deadline. */
static aio_status bytes_sent_main(aio_task *t) {
    static char big[1 << 20];
    static size_t sent;
    static int round;
    AIO_BEGIN(t);
    memset(big, 'x', sizeof big);
    AIO_SEND_ALL(t, S.rc, S.sv[0], "abc", 3, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(aio_bytes_sent(t), 3);
    sent = 3;
    for (round = 0; round < 64; round++) {
        AIO_SEND_ALL(t, S.rc, S.sv[0], big, sizeof big, AIO_MS(50));
        sent += aio_bytes_sent(t);
        if (S.rc != AIO_OK) break;
        CHECK_EQ(aio_bytes_sent(t), sizeof big);
    }
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 50);
    CHECK(aio_bytes_sent(t) < sizeof big);
    {
        size_t got = 0;
        for (;;) {
            long n = recv_sock(S.sv[1], big, sizeof big);
            if (n <= 0) break;
            got += (size_t)n;
        }
        CHECK_EQ(got, sent);
    }
    AIO_END(t);
}

static void test_io_bytes_sent(void) { sock_test(bytes_sent_main); }

#if POSIX_IO_TESTS
/* Every descriptor taken, under a lowered limit (restored by exhaust_end):
 * the way a server at its limit lives. */
#define EXHAUST_LIMIT 256
static int exhaust_fds[EXHAUST_LIMIT];
static int exhaust_n;
static struct rlimit exhaust_saved;
static void exhaust_begin(int like) {
    struct rlimit lim;
    int fd;
    CHECK_EQ(getrlimit(RLIMIT_NOFILE, &exhaust_saved), 0);
    lim = exhaust_saved;
    lim.rlim_cur = EXHAUST_LIMIT;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
    for (exhaust_n = 0; exhaust_n < EXHAUST_LIMIT && (fd = dup(like)) >= 0; exhaust_n++) exhaust_fds[exhaust_n] = fd;
    CHECK(exhaust_n < EXHAUST_LIMIT && errno == EMFILE);
}
static void exhaust_release_one(void) { CHECK_EQ(close(exhaust_fds[--exhaust_n]), 0); }
static void exhaust_end(void) {
    while (exhaust_n > 0) exhaust_release_one();
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &exhaust_saved), 0);
}

/* The loop's first I/O wait, with no descriptor left for the loop's own
 * wait: AIO_EIO (errno EMFILE), a system error like any other, and the
 * loop sleeps on as it did; once descriptors are free, I/O works. */
static aio_status first_wait_exhausted_main(aio_task *t) {
    AIO_BEGIN(t);
    exhaust_begin(S.sv[0]);
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_MS(10));
    CHECK_EQ(S.rc, AIO_EIO);
    CHECK_EQ(errno, EMFILE);
    CHECK(t->loop->io == NULL);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(T_MS(), 10);
    exhaust_end();
    CHECK_EQ(send_sock(S.sv[1], "a", 1), 1L);
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_MS(10));
    CHECK_EQ(S.rc, AIO_OK);
    AIO_END(t);
}

static void test_io_first_wait_out_of_descriptors(void) { sock_test(first_wait_exhausted_main); }
/* The same with room for the loop's wake-up pipe and no more: a wait that
 * needs a descriptor of its own (epoll's) fails, AIO_EIO (errno EMFILE),
 * the pipe closed again; one that needs none starts. */
static aio_status first_wait_room_for_wakeup_main(aio_task *t) {
    AIO_BEGIN(t);
    exhaust_begin(S.sv[0]);
    exhaust_release_one();
    exhaust_release_one();
    errno = 0;
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_MS(10));
    if (test_wait_own_descriptor) {
        CHECK_EQ(S.rc, AIO_EIO);
        CHECK_EQ(errno, EMFILE);
        CHECK(t->loop->io == NULL);
        S.fd = dup(S.sv[0]); /* (the two the pipe took: free again) */
        CHECK(S.fd >= 0);
        S.lfd = dup(S.sv[0]);
        CHECK(S.lfd >= 0);
        CHECK_EQ(close(S.fd), 0);
        CHECK_EQ(close(S.lfd), 0);
    } else {
        CHECK_EQ(S.rc, AIO_ETIMEDOUT);
        CHECK(t->loop->io != NULL);
        CHECK_EQ(dup(S.sv[0]), -1); /* (the pipe took both) */
    }
    exhaust_end();
    CHECK_EQ(send_sock(S.sv[1], "a", 1), 1L);
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], AIO_MS(10));
    CHECK_EQ(S.rc, AIO_OK);
    AIO_END(t);
}
static void test_io_first_wait_room_for_wakeup(void) { sock_test(first_wait_room_for_wakeup_main); }

/* Every call that makes a socket, with no descriptor left: AIO_EIO (errno
 * EMFILE), nothing made: a listener, a datagram socket, a Unix listener, a
 * connect (its attempt's socket) and a Unix connect; each works again once
 * descriptors are free. */
static aio_status sockets_exhausted_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, S.rc, S.sv[0], 0); /* the loop's wait starts (it takes descriptors) */
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    (void)snprintf(S.path, sizeof S.path, "/tmp/aio-exhausted-%d.sock", (int)getpid());
    exhaust_begin(S.sv[0]);
    errno = 0;
    CHECK_EQ(aio_tcp_listen("127.0.0.1", 0, 1), AIO_EIO);
    CHECK_EQ(errno, EMFILE);
    CHECK_EQ(aio_udp_open("127.0.0.1", 0), AIO_EIO);
    CHECK_EQ(aio_unix_listen(S.path, 0), AIO_EIO);
    AIO_TCP_CONNECT(t, S.rc, "127.0.0.1", 9, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EIO);
    CHECK_EQ(T_MS(), 0);
    AIO_UNIX_CONNECT(t, S.rc, S.path, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EIO);
    exhaust_end();
    S.fd = aio_udp_open("127.0.0.1", 0);
    CHECK(S.fd >= 0);
    CHECK_EQ(aio_close(S.fd), AIO_OK);
    AIO_END(t);
}
static void test_io_sockets_out_of_descriptors(void) { sock_test(sockets_exhausted_main); }

/* AIO_ACCEPT at the descriptor limit pauses, as asyncio's server does: it
 * tries again each AIO_ACCEPT_RETRY_DELAY (1 s), the loop serving the rest
 * meanwhile (a ticker keeps its times), and takes the connection that
 * waited in the backlog at the first retry after a descriptor was freed
 * (at 2.5 s: taken at 3 s). A pause reached by the accept's own deadline
 * ends it (1.5 s). */
static aio_status accept_ticker(aio_task *t) {
    AIO_BEGIN(t);
    for (S.r[1].rc = 0; S.r[1].rc < 8; S.r[1].rc++) AIO_SLEEP(t, AIO_MS(500));
    S.r[1].at = T_MS();
    AIO_END(t);
}
static aio_status accept_freer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1000));
    exhaust_release_one();
    AIO_END(t);
}
static aio_status accept_exhausted_main(aio_task *t) {
    static aio_task ticker, freer;
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, S.rc, S.lfd, 0); /* the loop's wait starts (it takes descriptors) */
    CHECK_EQ(S.rc, AIO_OK); /* (the connection waits) */
    exhaust_begin(S.lfd);
    AIO_ACCEPT(t, S.fd, S.lfd, AIO_MS(1500));
    CHECK_EQ(S.fd, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 1500);
    CHECK_EQ(aio_spawn(&ticker, accept_ticker), AIO_OK);
    CHECK_EQ(aio_spawn(&freer, accept_freer), AIO_OK);
    AIO_ACCEPT(t, S.fd, S.lfd, AIO_SEC(10));
    CHECK(S.fd >= 0);
    CHECK_EQ(T_MS(), 3000);
    AIO_AWAIT(t, S.rc, &ticker);
    CHECK_EQ(S.r[1].at, 5500); /* every tick on time */
    AIO_AWAIT(t, S.rc, &freer);
    exhaust_end();
    CHECK_EQ(aio_close(S.fd), AIO_OK);
    AIO_END(t);
}

static void test_io_accept_out_of_descriptors(void) {
    aio_loop loop;
    aio_address at;
    int client;
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) {
        /* valgrind keeps a limit of its own below the system's: the system
         * accepts the connection beyond it, and valgrind closes it */
        printf("    (under valgrind: the descriptor limit is valgrind's, skipped)\n");
        fflush(stdout);
        return;
    }
    client = new_socket();
    test_loop(&loop);
    memset(&S, 0, sizeof S);
    S.lfd = aio_tcp_listen("127.0.0.1", 0, 0);
    CHECK(S.lfd >= 0 && client >= 0);
    CHECK_EQ(aio_address_set(&at, "127.0.0.1", aio_socket_port(S.lfd)), AIO_OK);
    CHECK_EQ(connect_sock(client, &at), 0); /* (in the backlog until accepted) */
    CHECK_EQ(test_run(&loop, &S.main, accept_exhausted_main), AIO_OK);
    CHECK_EQ(close_sock(client), 0);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
/* Two accepts paused at once (two listeners at the descriptor limit, a
 * connection waiting on each): the loop keeps the earlier retry time, and
 * each accept ends at its own deadline (500 ms); with descriptors free,
 * each takes its connection. */
static aio_status second_acceptor(aio_task *t) {
    AIO_BEGIN(t);
    AIO_ACCEPT(t, S.r[0].rc, S.r[0].fd, AIO_MS(500));
    S.r[0].at = T_MS();
    AIO_END(t);
}
static aio_status two_paused_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, S.rc, S.lfd, 0); /* the loop's wait starts (it takes descriptors) */
    CHECK_EQ(S.rc, AIO_OK); /* (the connection waits) */
    exhaust_begin(S.lfd);
    CHECK_EQ(aio_spawn(&S.r[0].task, second_acceptor), AIO_OK);
    AIO_ACCEPT(t, S.fd, S.lfd, AIO_MS(500));
    CHECK_EQ(S.fd, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 500);
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.r[0].at, 500);
    exhaust_end();
    AIO_ACCEPT(t, S.fd, S.lfd, AIO_SEC(5));
    CHECK(S.fd >= 0);
    CHECK_EQ(aio_close(S.fd), AIO_OK);
    AIO_ACCEPT(t, S.fd, S.r[0].fd, AIO_SEC(5));
    CHECK(S.fd >= 0);
    CHECK_EQ(aio_close(S.fd), AIO_OK);
    AIO_END(t);
}
static void test_io_two_accepts_paused(void) {
    aio_loop loop;
    aio_address at;
    int client[2];
    int i;
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) {
        printf("    (under valgrind: the descriptor limit is valgrind's, skipped)\n");
        fflush(stdout);
        return;
    }
    test_loop(&loop);
    memset(&S, 0, sizeof S);
    S.lfd = aio_tcp_listen("127.0.0.1", 0, 0);
    S.r[0].fd = aio_tcp_listen("127.0.0.1", 0, 0);
    CHECK(S.lfd >= 0 && S.r[0].fd >= 0);
    for (i = 0; i < 2; i++) {
        client[i] = new_socket();
        CHECK(client[i] >= 0);
        CHECK_EQ(aio_address_set(&at, "127.0.0.1", aio_socket_port(i ? S.r[0].fd : S.lfd)), AIO_OK);
        CHECK_EQ(connect_sock(client[i], &at), 0); /* (in the backlog until accepted) */
    }
    CHECK_EQ(test_run(&loop, &S.main, two_paused_main), AIO_OK);
    for (i = 0; i < 2; i++) CHECK_EQ(close_sock(client[i]), 0);
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_close(S.r[0].fd), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#endif


/* A task that waits for S.ev (set by a signal, or by a test's main). */
static aio_status signal_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, S.r[0].rc, &S.ev, AIO_SEC(10));
    S.r[0].at = T_MS();
    AIO_END(t);
}

#if POSIX_IO_TESTS
/* Bad input gets a status and, in debug builds, a message naming it. */
static aio_status bad_input_main(aio_task *t) {
    static int pipefd[2];
    static char buf[8];
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, S.rc, S.sv[1], AIO_SEC(1)); /* the loop's I/O starts */
    CHECK_EQ(S.rc, AIO_OK);
    S.fd = dup(S.sv[0]); /* a number that is not open */
    CHECK_EQ(close(S.fd), 0);
    AIO_RECV(t, S.rc, -1, buf, sizeof buf, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("AIO_RECV: descriptor -1 is negative");
    AIO_RECV(t, S.rc, S.fd, buf, sizeof buf, AIO_SEC(1)); /* closed */
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("is not open");
    AIO_WAIT_READABLE(t, S.rc, S.fd, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_EQ(pipe(pipefd), 0); /* a pipe is read (not received from), its mode left alone */
    CHECK_EQ(write(pipefd[1], "p", 1), 1);
    AIO_RECV(t, S.rc, pipefd[0], buf, sizeof buf, AIO_SEC(1));
    CHECK_EQ(S.rc, 1);
    CHECK(!(fcntl(pipefd[0], F_GETFL) & O_NONBLOCK));
    AIO_ACCEPT(t, S.rc, pipefd[1], AIO_SEC(1)); /* but not accepted from */
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("is not a socket");
    AIO_WAIT_READABLE(t, S.rc, S.lfd, AIO_SEC(1)); /* a regular file */
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("cannot be waited on (a regular file or a directory)");
    S.port = open(".", O_RDONLY); /* a directory */
    CHECK(S.port >= 0);
    AIO_WAIT_READABLE(t, S.rc, S.port, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_EQ(close(S.port), 0);
    AIO_SEND_ALL(t, S.rc, S.sv[0], NULL, 0, AIO_SEC(1)); /* nothing to send, nowhere: fine */
    CHECK_EQ(S.rc, AIO_OK);
    AIO_ACCEPT(t, S.rc, S.sv[0], AIO_SEC(1)); /* not listening */
    CHECK_EQ(S.rc, AIO_EBADF);
    AIO_TCP_CONNECT(t, S.rc, LONG_NAME, 80, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_TCP_CONNECT: the host is longer than 255 characters");
    AIO_TCP_CONNECT(t, S.rc, "127.0.0.1", 70000, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EINVAL);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(close(pipefd[0]), 0);
    CHECK_EQ(close(pipefd[1]), 0);
    AIO_END(t);
}

static aio_status null_buffer_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV(t, S.rc, S.sv[0], NULL, 4, AIO_SEC(1));
    AIO_END(t);
}
static aio_status zero_len_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, 0, AIO_SEC(1));
    AIO_END(t);
}
static aio_status bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, S.rc, S.sv[0], AIO_TIME_INVALID);
    AIO_END(t);
}

static void test_io_bad_input(void) {
    aio_loop loop;
    char name[] = "/tmp/aio_io_test_XXXXXX";
    sock_setup(&loop);
    S.lfd = mkstemp(name);
    CHECK(S.lfd >= 0);
    (void)unlink(name);
    CHECK_EQ(test_run(&loop, &S.main, bad_input_main), AIO_OK);
    (void)close(S.lfd);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &S.main, null_buffer_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_RECV: the buffer is NULL");
    CHECK_EQ(test_run(&loop, &S.main, zero_len_main), AIO_EINVAL);
    CHECK_DEBUG("len is 0");
    CHECK_EQ(test_run(&loop, &S.main, bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("I/O wait: the timeout is NaN");
    CHECK_EQ(aio_tcp_listen("not-an-address", 0, 1), AIO_EINVAL);
    CHECK_EQ(aio_tcp_listen("127.0.0.1", -1, 1), AIO_EINVAL);
    CHECK_EQ(aio_tcp_listen("127.0.0.1", 0, -1), AIO_EINVAL);
    CHECK_EQ(aio_socket_port(-1), AIO_EBADF);
    {
        int pp[2];
        CHECK_EQ(pipe(pp), 0);
        test_last_debug[0] = 0;
        CHECK_EQ(aio_socket_port(pp[0]), AIO_EBADF); /* (a pipe: no socket, no port) */
        CHECK_DEBUG("is not a socket");
        CHECK_EQ(close(pp[0]), 0);
        CHECK_EQ(close(pp[1]), 0);
    }
    CHECK_EQ(aio_close(-1), AIO_EBADF);
    CHECK_EQ(aio_signal_event(SIGKILL, &S.ev), AIO_EINVAL);
    CHECK_EQ(aio_signal_event(0, &S.ev), AIO_EINVAL);
    CHECK_DEBUG("not a signal that can be caught");
    sock_teardown(&loop);
}

/* A signal routed to an event: the handler only notes it; the loop sets the
 * event, and the task waiting on it wakes in that turn. Raised twice before
 * the loop looks, it sets the event once. Unrouted, the default returns. */

static aio_status signal_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_signal_event(SIGUSR1, &S.ev), AIO_OK);
    CHECK_EQ(aio_spawn(&S.r[0].task, signal_waiter), AIO_OK);
    AIO_SLEEP(t, AIO_MS(400));
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK(!aio_event_is_set(&S.ev)); /* not inside the handler */
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_OK);
    CHECK_EQ(S.r[0].at, 400);
    CHECK_EQ(S.ev.sets, 1);
    CHECK_EQ(aio_signal_event(SIGUSR1, NULL), AIO_OK);
    AIO_END(t);
}

static void test_io_signal_sets_event(void) {
    aio_loop loop;
    struct sigaction sa;
    test_loop(&loop);
    memset(&S, 0, sizeof S);
    CHECK_EQ(test_run(&loop, &S.main, signal_main), AIO_OK);
    CHECK_EQ(sigaction(SIGUSR1, NULL, &sa), 0);
    CHECK(sa.sa_handler == SIG_DFL);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A signal that comes while the loop sleeps with nothing armed (no timer,
 * no descriptor waited on): the routed event is what ends the sleep. */
static aio_status alarm_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_signal_event(SIGALRM, &S.ev), AIO_OK);
    CHECK_EQ(aio_signal_event(SIGALRM, &S.ev), AIO_OK); /* (again: the same) */
    {
        struct itimerval it;
        memset(&it, 0, sizeof it);
        it.it_value.tv_usec = 20000;
        CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    }
    AIO_EVENT_WAIT(t, S.rc, &S.ev, AIO_NEVER);
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(aio_signal_event(SIGALRM, NULL), AIO_OK);
    AIO_END(t);
}

static void test_io_signal_wakes_idle_loop(void) {
    aio_loop loop;
    test_loop(&loop);
    memset(&S, 0, sizeof S);
    CHECK_EQ(test_run(&loop, &S.main, alarm_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A signal routed to a task cancels it, as loop.add_signal_handler(SIGUSR1,
 * task.cancel) does: from the loop, never inside the handler; the task's
 * finally runs and may await. Once the task has finished a signal leaves it
 * alone. A route to an event replaces the task's. A main task that takes
 * its cancellation as its ending (one line in its finally, asyncio's
 * `except CancelledError: return 0`) makes aio_run return AIO_OK. */
static struct {
    aio_task main, worker;
    aio_timeout cleanup;
    aio_event ev;
    aio_status rc;
    aio_time worker_at, main_at;
    int worker_cleaned;
} SC;

static aio_status sigcancel_worker(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(30));
    AIO_FINALLY(t);
    SC.worker_at = T_MS();
    AIO_SHIELDED(t, &SC.cleanup, AIO_SEC(1)) {
        AIO_SLEEP(t, AIO_MS(100));
        SC.worker_cleaned = 1;
    }
    AIO_END(t);
}

static aio_status sigcancel_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&SC.worker, sigcancel_worker), AIO_OK);
    CHECK_EQ(aio_signal_cancel(SIGUSR1, &SC.worker), AIO_OK);
    AIO_SLEEP(t, AIO_MS(200));
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK(!aio_task_cancel_pending(&SC.worker)); /* not inside the handler */
    AIO_AWAIT(t, SC.rc, &SC.worker);
    CHECK_EQ(SC.rc, AIO_ECANCELED);
    CHECK_EQ(SC.worker_at, 200);
    CHECK(SC.worker_cleaned);
    CHECK_EQ(T_MS(), 300);
    CHECK_EQ(raise(SIGUSR1), 0); /* the worker has finished: left alone */
    AIO_SLEEP(t, AIO_MS(10));
    CHECK(aio_task_cancelled(&SC.worker));
    CHECK_EQ(aio_signal_event(SIGUSR1, &SC.ev), AIO_OK); /* replaces the task's route */
    CHECK_EQ(aio_signal_cancel(SIGUSR2, t), AIO_OK);     /* the main task's own */
    CHECK_EQ(raise(SIGUSR1), 0);
    AIO_EVENT_WAIT(t, SC.rc, &SC.ev, AIO_SEC(1));
    CHECK_EQ(SC.rc, AIO_OK);
    CHECK(!aio_task_cancel_pending(t));
    CHECK_EQ(raise(SIGUSR2), 0);
    AIO_SLEEP(t, AIO_SEC(30));
    CHECK(0); /* (cancelled before) */
    AIO_FINALLY(t);
    SC.main_at = T_MS();
    if (AIO_STATUS(t) == AIO_ECANCELED) AIO_RETURN(t, AIO_OK);
    AIO_END(t);
}

static void test_io_signal_cancels_task(void) {
    aio_loop loop;
    struct sigaction sa;
    test_loop(&loop);
    memset(&SC, 0, sizeof SC);
    test_last_debug[0] = 0;
    CHECK_EQ(aio_signal_cancel(SIGKILL, &SC.worker), AIO_EINVAL);
    CHECK_DEBUG("aio_signal_cancel: not a signal that can be caught");
    CHECK_EQ(test_run(&loop, &SC.main, sigcancel_main), AIO_OK);
    CHECK_EQ(SC.main_at, 310);
#ifdef AIO_DEBUG
    /* (a task no task spawned has nobody to pass its cancellation back to:
     * ending with a value is not reported as a swallowed cancellation) */
    CHECK(strstr(test_last_debug, "swallowed") == NULL);
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(sigaction(SIGUSR1, NULL, &sa), 0); /* the default actions back */
    CHECK(sa.sa_handler == SIG_DFL);
    CHECK_EQ(sigaction(SIGUSR2, NULL, &sa), 0);
    CHECK(sa.sa_handler == SIG_DFL);
}

/* What aio_signal_event and aio_signal_cancel refuse: numbers out of range
 * or that cannot be caught, no loop, a loop that waits through a port of
 * its own, a task of another loop than the one signals would go to. */
static aio_status refusals_idle(aio_task *t) {
    AIO_BEGIN(t);
    AIO_END(t);
}
static void test_io_signal_refusals(void) {
    aio_loop loop;
    aio_loop other;
    aio_event ev;
    static aio_task task;
    memset(&ev, 0, sizeof ev);
    test_loop(&other); /* a task alive on another loop */
    CHECK_EQ(aio_spawn(&task, refusals_idle), AIO_OK);
    test_loop(&loop);
    CHECK_EQ(aio_signal_cancel(SIGUSR2, &task), AIO_EINVAL);
    CHECK_DEBUG("aio_signal_cancel: the task belongs to another loop than the one signals would go to");
    CHECK_EQ(aio_signal_cancel(SIGSTOP, NULL), AIO_EINVAL);
    CHECK_EQ(aio_signal_cancel(SIGUSR2, NULL), AIO_OK); /* never routed: nothing to undo */
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK_EQ(aio_cancel(&task), 1);
    (void)aio_step(&other); /* (cancelled before its first step: it ends) */
    CHECK(aio_task_cancelled(&task));
    CHECK_EQ(aio_loop_destroy(&other), AIO_OK);
    test_loop(&loop);
    CHECK_EQ(aio_signal_event(SIGSTOP, &ev), AIO_EINVAL);
    CHECK_EQ(aio_signal_event(100000, &ev), AIO_EINVAL);
    CHECK_EQ(aio_signal_event(SIGUSR2, NULL), AIO_OK); /* never routed: nothing to undo */
    fake_init();
    CHECK_EQ(aio_loop_set_io(&loop, &FP.io), AIO_OK);
    CHECK_EQ(aio_signal_event(SIGUSR2, &ev), AIO_EINVAL);
    CHECK_DEBUG("the loop waits through a port of its own");
    CHECK_EQ(aio_signal_cancel(SIGUSR2, &task), AIO_EINVAL);
    CHECK_DEBUG("aio_signal_cancel: the loop waits through a port of its own");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    CHECK(aio_running_loop() == NULL);
    CHECK_EQ(aio_signal_event(SIGUSR2, &ev), AIO_EINVAL);
    CHECK_DEBUG("no loop is running or initialised");
    CHECK_EQ(aio_signal_cancel(SIGUSR2, &task), AIO_EINVAL);
    CHECK_DEBUG("aio_signal_cancel: no loop is running or initialised");
#ifdef __linux__
    /* 32 is the C library's own (glibc and musl keep it for their threads):
     * sigaction refuses it, so the route fails, AIO_EIO, and nothing is
     * left routed (a signal routed after works) */
    test_loop(&loop);
    errno = 0;
    CHECK_EQ(aio_signal_event(32, &ev), AIO_EIO);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(aio_signal_event(32, NULL), AIO_OK);
    CHECK_EQ(aio_signal_event(SIGUSR2, &ev), AIO_OK);
    CHECK_EQ(aio_signal_event(SIGUSR2, NULL), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
#endif
}

#endif /* POSIX_IO_TESTS */

#ifdef _WIN32
/* Bad input on Windows: a negative number, a socket closed already, a
 * socket that is not listening, a host that is not numeric; and the
 * signals Windows cannot deliver (the console's are tested by
 * tests/windows/console_ctrl.c, as Windows sends them). */
static aio_status win_bad_input_main(aio_task *t) {
    static char buf[8];
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, S.rc, S.sv[1], AIO_SEC(1)); /* the loop's I/O starts */
    CHECK_EQ(S.rc, AIO_OK);
    AIO_RECV(t, S.rc, -1, buf, sizeof buf, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("AIO_RECV: descriptor -1 is negative");
    S.fd = new_socket();
    CHECK_EQ(close_sock(S.fd), 0);
    AIO_RECV(t, S.rc, S.fd, buf, sizeof buf, AIO_SEC(1)); /* closed */
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("is not a socket");
    AIO_WAIT_READABLE(t, S.rc, S.fd, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("Windows waits for sockets only");
    AIO_ACCEPT(t, S.rc, S.sv[0], AIO_SEC(1)); /* not listening */
    CHECK_EQ(S.rc, AIO_EBADF);
    AIO_TCP_CONNECT(t, S.rc, LONG_NAME, 80, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EINVAL);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}

static void test_io_windows_bad_input(void) {
    aio_loop loop;
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, win_bad_input_main), AIO_OK);
    CHECK_EQ(aio_signal_event(SIGSEGV, &S.ev), AIO_EINVAL);
    CHECK_DEBUG("Windows delivers SIGINT (Ctrl-C), SIGBREAK");
    CHECK_EQ(aio_signal_event(0, &S.ev), AIO_EINVAL);
    CHECK_EQ(aio_signal_event(SIGINT, NULL), AIO_OK); /* never routed: nothing to undo */
    CHECK_EQ(aio_socket_port(-1), AIO_EBADF);
    CHECK_EQ(aio_close(-1), AIO_EBADF);
    sock_teardown(&loop);
}
#endif

/* The wait's timeout on a clock of one's own: a deadline already passed
 * when the wait begins does not block; one beyond what the system call
 * takes is cut to its largest (here the descriptor is ready at once). */
static aio_time fake_now;
static aio_time fake_clock(void *ctx) {
    (void)ctx;
    fake_now += AIO_MS(7); /* each read: 7 ms later */
    return fake_now;
}
static aio_status clock_main(aio_task *t) {
    AIO_BEGIN(t);
#if POSIX_IO_TESTS
    /* the loop sleeps towards a deadline 40 days away (20 with 32-bit
     * ticks), cut to what the system call takes, until a signal comes */
    CHECK_EQ(aio_signal_event(SIGALRM, &S.ev), AIO_OK);
    {
        struct itimerval it;
        memset(&it, 0, sizeof it);
        it.it_value.tv_usec = 20000;
        CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);
    }
#ifdef AIO_TIME_32
    AIO_EVENT_WAIT(t, S.rc, &S.ev, AIO_SEC(20 * 24 * 3600));
#else
    AIO_EVENT_WAIT(t, S.rc, &S.ev, AIO_SEC(40 * 24 * 3600));
#endif
    CHECK_EQ(S.rc, AIO_OK);
    CHECK_EQ(aio_signal_event(SIGALRM, NULL), AIO_OK);
#endif
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_MS(5));
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    spawn_writer(S.sv[1], 0, "z"); /* (a sleep of 0: the write comes in the next turn) */
#ifdef AIO_TIME_32 /* (a timeout stays under half the clock's range: 24.8 days) */
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(20 * 24 * 3600));
#else
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(40 * 24 * 3600));
#endif
    CHECK_EQ(S.rc, 1);
    AIO_END(t);
}

static void test_io_wait_timeouts_on_own_clock(void) {
    aio_loop loop;
    sock_setup(&loop);
    fake_now = 0;
    aio_loop_set_clock(&loop, fake_clock, NULL);
    CHECK_EQ(test_run(&loop, &S.main, clock_main), AIO_OK);
    sock_teardown(&loop);
}

#if POSIX_IO_TESTS
/* Signals go to one loop: another loop is refused until that one is gone. */
static void test_io_signal_one_loop(void) {
    aio_loop a, b;
    aio_event ev;
    memset(&ev, 0, sizeof ev);
    test_loop(&a);
    CHECK_EQ(aio_signal_event(SIGUSR2, &ev), AIO_OK);
    test_loop(&b); /* now the running loop */
    CHECK_EQ(aio_signal_event(SIGUSR2, &ev), AIO_EINVAL);
    CHECK_DEBUG("signals go to another loop");
    CHECK_EQ(aio_signal_cancel(SIGUSR1, NULL), AIO_OK); /* (unrouting needs no loop) */
    {
        static aio_task task; /* (never spawned: cancelled in the run it would be in) */
        CHECK_EQ(aio_signal_cancel(SIGUSR1, &task), AIO_EINVAL);
        CHECK_DEBUG("aio_signal_cancel: signals go to another loop");
    }
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK); /* restores the default */
    CHECK_EQ(aio_signal_event(SIGUSR2, &ev), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&b), AIO_OK);
}
#endif /* POSIX_IO_TESTS */

/* With the loop waiting for I/O, a task that waits on an event nothing can
 * set is still a deadlock aio_run reports. */
static aio_status stuck_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_WAIT_WRITABLE(t, S.rc, S.sv[0], AIO_SEC(1)); /* starts the loop's I/O */
    CHECK_EQ(S.rc, AIO_OK);
    AIO_EVENT_WAIT(t, S.rc, &S.ev, AIO_NEVER);
    AIO_END(t);
}

static void test_io_deadlock_still_reported(void) {
    aio_loop loop;
    sock_setup(&loop);
#ifndef AIO__SHARED /* (else another thread could set it) */
    CHECK_EQ(test_run(&loop, &S.main, stuck_main), AIO_EDEADLK);
    CHECK_EQ(aio_cancel(&S.main), 1);
    aio_event_set(&S.ev);
    CHECK_EQ(aio_run(&loop, &S.r[0].task, signal_waiter), AIO_OK); /* lets main finish */
#else
    (void)stuck_main;
#endif
    sock_teardown(&loop);
}

/* A descriptor the program opened itself is blocking unless it says
 * otherwise (a socketpair, a pipe, a listener from socket() and listen()):
 * no await blocks the loop in a system call on one. A receive and a send
 * leave its mode alone (they ask for a non-blocking call each time); an
 * accept makes the listener non-blocking, as it must to try at all; a
 * readiness wait does no I/O. Each deadline fires at its time, and another
 * task runs meanwhile. (The connect's own socket is the library's: see
 * test_io_connect_timeout_and_cancel, whose listener is made both ways.) An
 * alarm ends the run if an await blocks after all. */
#ifdef _WIN32
/* (Windows cannot say what mode a socket is in; it has no per-call flag
 * either, so there each try makes its socket non-blocking, and only the
 * deadlines are checked; a pipe cannot be waited on, so S.fd is a socket.) */
#define CHECK_BLOCKING(fd) ((void)0)
#define CHECK_NONBLOCKING(fd) ((void)0)
#else
static int is_blocking(int fd) { return !(fcntl(fd, F_GETFL) & O_NONBLOCK); }
#define CHECK_BLOCKING(fd) CHECK(is_blocking(fd))
#define CHECK_NONBLOCKING(fd) CHECK(!is_blocking(fd))
#endif

static aio_status blocking_main(aio_task *t) {
    static int sends;
    AIO_BEGIN(t);
    spawn_writer(S.sv2[1], AIO_MS(100), "!"); /* another task, due meanwhile */
    AIO_RECV(t, S.rc, S.sv[0], S.big_in, sizeof S.big_in, AIO_MS(200));
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 200);
    CHECK_EQ(S.wr.task.state, AIO__DONE); /* it ran at 100 */
    CHECK_BLOCKING(S.sv[0]);
    /* the peer reads nothing: the sends fill the socket's buffers (a
     * socketpair's take less than big_out, TCP's on loopback may take a few
     * times more), then one waits */
    for (sends = 0; sends < 64; sends++) {
        S.r[2].at = T_MS();
        AIO_SEND_ALL(t, S.rc, S.sv[0], big_out, sizeof big_out, AIO_MS(200));
        if (S.rc != AIO_OK) break;
        CHECK_EQ(T_MS(), 200); /* (all of it taken at once) */
    }
#if POSIX_IO_TESTS
    CHECK_EQ(sends, 0);
#endif
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(S.r[2].at, 200);
    CHECK_EQ(T_MS(), 400);
    CHECK_BLOCKING(S.sv[0]);
    AIO_WAIT_WRITABLE(t, S.rc, S.sv[0], AIO_MS(100)); /* still full */
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 500);
    AIO_WAIT_READABLE(t, S.rc, S.fd, AIO_MS(100)); /* a pipe (or socket) nobody writes */
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 600);
    AIO_RECV(t, S.rc, S.sv2[0], S.big_in, sizeof S.big_in, AIO_MS(100)); /* the writer's byte */
    CHECK_EQ(S.rc, 1);
    AIO_ACCEPT(t, S.rc, S.lfd, AIO_MS(200)); /* nobody connects */
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 800);
    CHECK_NONBLOCKING(S.lfd);
    AIO_END(t);
}

static void test_io_blocking_descriptors(void) {
    aio_loop loop;
    int pipefd[2];
    test_loop(&loop);
    memset(&S, 0, sizeof S);
    CHECK_EQ(blocking_pair(S.sv), 0);
    CHECK_EQ(blocking_pair(S.sv2), 0);
#ifdef _WIN32
    CHECK_EQ(blocking_pair(pipefd), 0);
#else
    CHECK_EQ(pipe(pipefd), 0);
#endif
    S.fd = pipefd[0];
    S.lfd = own_listener(4);
    CHECK_BLOCKING(S.sv[0]);
    CHECK_BLOCKING(S.fd);
    CHECK_BLOCKING(S.lfd);
#if POSIX_IO_TESTS
    alarm(20); /* (elsewhere the test runner's time limit ends a run that blocks) */
#endif
    CHECK_EQ(test_run(&loop, &S.main, blocking_main), AIO_OK);
#if POSIX_IO_TESTS
    alarm(0);
#endif
    CHECK_EQ(aio_close(S.lfd), AIO_OK);
    CHECK_EQ(aio_close(S.fd), AIO_OK);
    (void)close_sock(pipefd[1]);
    CHECK_EQ(aio_close(S.sv2[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv2[1]), AIO_OK);
    sock_teardown(&loop);
}

#if POSIX_IO_TESTS
/* A pipe the program opened (blocking, as pipe() makes it) may be shared
 * with another process, which would see a mode the awaits set: a receive
 * that waits, one that reads, a stream's read, a send of far more than the
 * pipe holds (the reader takes it meanwhile) and a send to a pipe whose
 * reader is gone all leave both ends blocking. No time passes but the
 * first receive's deadline. */
static int pipe_fds[2];
static aio_stream pipe_stream;
static unsigned char pipe_line[16];

static aio_status pipe_pump(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_ALL(t, S.r[0].rc, pipe_fds[1], big_out, sizeof big_out, AIO_SEC(10));
    AIO_END(t);
}

static aio_status pipe_mode_main(aio_task *t) {
    static size_t got;
    static unsigned sum;
    AIO_BEGIN(t);
    AIO_RECV(t, S.rc, pipe_fds[0], S.big_in, sizeof S.big_in, AIO_MS(100)); /* nothing written */
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 100);
    CHECK_BLOCKING(pipe_fds[0]);
    CHECK_EQ(aio_spawn(&S.r[0].task, pipe_pump), AIO_OK);
    for (got = 0, sum = 0; got < sizeof big_out; got += (size_t)S.rc) {
        AIO_RECV(t, S.rc, pipe_fds[0], S.big_in, sizeof S.big_in, AIO_SEC(10));
        if (S.rc <= 0) break;
        {
            int i;
            for (i = 0; i < S.rc; i++) sum = sum * 31u + (unsigned char)S.big_in[i];
        }
    }
    CHECK_EQ(got, sizeof big_out);
    CHECK_EQ(sum, SR.sum);
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, AIO_OK);
    CHECK_EQ(T_MS(), 100);
    CHECK_BLOCKING(pipe_fds[0]);
    CHECK_BLOCKING(pipe_fds[1]);
    CHECK_EQ(write(pipe_fds[1], "a line\n", 7), 7);
    CHECK_EQ(aio_stream_init(&pipe_stream, pipe_fds[0], pipe_line, sizeof pipe_line), AIO_OK);
    AIO_READ_LINE(t, S.rc, &pipe_stream, AIO_SEC(1));
    CHECK_EQ(S.rc, 7);
    CHECK_BLOCKING(pipe_fds[0]);
    CHECK_EQ(aio_close(pipe_fds[0]), AIO_OK); /* the reader is gone */
    AIO_SEND_ALL(t, S.rc, pipe_fds[1], "x", 1, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_ECONNRESET);
    CHECK_BLOCKING(pipe_fds[1]);
    CHECK_EQ(T_MS(), 100);
    AIO_END(t);
}

static void test_io_pipe_mode_left_alone(void) {
    aio_loop loop;
    size_t i;
    test_loop(&loop);
    memset(&S, 0, sizeof S);
    memset(&SR, 0, sizeof SR);
    for (i = 0; i < sizeof big_out; i++) {
        big_out[i] = (unsigned char)(i * 13u + (i >> 11));
        SR.sum = SR.sum * 31u + big_out[i];
    }
    CHECK_EQ(pipe(pipe_fds), 0);
    alarm(20); /* (an await that blocks ends the run) */
    CHECK_EQ(test_run(&loop, &S.main, pipe_mode_main), AIO_OK);
    alarm(0);
    CHECK_EQ(aio_close(pipe_fds[1]), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
#endif

/* The real clock: a receive's deadline, and readiness from a write of
 * another thread's... here, of the loop's own writer; wide margins. */
static aio_status real_main(aio_task *t) {
    AIO_BEGIN(t);
    S.r[0].at = (long long)aio_now();
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_MS(50));
    CHECK_EQ(S.rc, AIO_ETIMEDOUT);
    S.r[0].at2 = (long long)aio_now() - S.r[0].at;
    CHECK(S.r[0].at2 >= (long long)AIO_MS(50));
    CHECK(S.r[0].at2 < (long long)AIO_SEC(20));
    spawn_writer(S.sv[1], AIO_MS(30), "now");
    AIO_RECV(t, S.rc, S.sv[0], S.r[0].buf, sizeof S.r[0].buf, AIO_SEC(20));
    CHECK_EQ(S.rc, 3);
    AIO_END(t);
}

static void test_io_real_clock(void) {
    aio_loop loop;
    static aio_timer timers[8];
    memset(&S, 0, sizeof S);
    aio_loop_init(&loop, timers, 8);
    sockpair(S.sv);
    CHECK_EQ(aio_run(&loop, &S.main, real_main), AIO_OK);
    sock_teardown(&loop);
}
/* ----------------------------------------------------------------- streams */

/* A peer that writes on a schedule: each step at its time (ms on the
 * virtual clock), then shuts its sending side (the end of the stream). */
typedef struct { long long at; const char *msg; } step_t;
static struct {
    aio_task main, writer, reader;
    aio_stream st, st2;
    unsigned char buf[16], buf2[8];
    const step_t *steps;
    int i, k, k2;
    aio_status rc, rc2;
    long long at;
} ST;

static aio_status script_writer(aio_task *t) {
    AIO_BEGIN(t);
    for (ST.i = 0; ST.steps[ST.i].msg; ST.i++) {
        AIO_SLEEP_UNTIL(t, test_start + AIO_MS(ST.steps[ST.i].at));
        CHECK_EQ(send_sock(S.sv[1], ST.steps[ST.i].msg, strlen(ST.steps[ST.i].msg)),
                 (long)strlen(ST.steps[ST.i].msg));
    }
    AIO_SLEEP_UNTIL(t, test_start + AIO_MS(ST.steps[ST.i].at));
    CHECK_EQ(shutdown_sock(S.sv[1], SHUT_WR), 0);
    AIO_END(t);
}

/* A stream on S.sv[0] with a buffer of `size` bytes and a writer on S.sv[1]. */
static void stream_setup(aio_loop *loop, size_t size, const step_t *steps) {
    sock_setup(loop);
    memset(&ST, 0, sizeof ST);
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, size), AIO_OK);
    ST.steps = steps;
}
static void spawn_script(void) { CHECK_EQ(aio_spawn(&ST.writer, script_writer), AIO_OK); }
/* The bytes the last read gave are `text`. */
#define CHECK_READ(rc, text)                                                    \
    do {                                                                       \
        CHECK_EQ((rc), (long)strlen(text));                                    \
        CHECK((rc) >= 0 && memcmp(aio_stream_data(&ST.st), (text), strlen(text)) == 0); \
    } while (0)

/* Lines that come in pieces: each read wakes in the turn of the write that
 * completes its line, a line already buffered is read without waiting, and
 * the end of the stream reads as 0. */
static const step_t lines_steps[] = {{100, "hello\nwor"}, {300, "ld\n"}, {400, "a\nb\n"}, {500, NULL}};
static aio_status lines_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_script();
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "hello\n");
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(aio_stream_buffered(&ST.st), 3); /* "wor" */
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "world\n");
    CHECK_EQ(T_MS(), 300);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "a\n");
    CHECK_EQ(T_MS(), 400);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "b\n");
    CHECK_EQ(T_MS(), 400); /* buffered: no wait */
    CHECK(!aio_stream_at_eof(&ST.st));
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, 0);
    CHECK_EQ(T_MS(), 500);
    CHECK(aio_stream_at_eof(&ST.st));
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1)); /* and again */
    CHECK_EQ(ST.rc, 0);
    AIO_AWAIT(t, ST.rc, &ST.writer);
    AIO_END(t);
}

static void test_io_stream_lines(void) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, lines_steps);
    CHECK_EQ(test_run(&loop, &ST.main, lines_main), AIO_OK);
    sock_teardown(&loop);
}

/* A read whose deadline passes, and one cancelled, have taken nothing: the
 * partial line stays buffered and the next read returns it whole. */
static const step_t keep_steps[] = {{50, "abc"}, {600, "def\n"}, {700, NULL}};
static aio_status stream_reader(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, ST.rc2, &ST.st, AIO_SEC(10));
    ST.at = T_MS();
    AIO_END(t);
}
static aio_status keep_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_script();
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_MS(200));
    CHECK_EQ(ST.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 200);
    CHECK_EQ(aio_stream_buffered(&ST.st), 3);
    CHECK(memcmp(aio_stream_peek(&ST.st), "abc", 3) == 0);
    CHECK_EQ(aio_spawn(&ST.reader, stream_reader), AIO_OK);
    AIO_SLEEP(t, AIO_MS(100));
    CHECK_EQ(aio_cancel(&ST.reader), 1);
    AIO_AWAIT(t, ST.rc, &ST.reader);
    CHECK_EQ(ST.rc, AIO_ECANCELED);
    CHECK_EQ(aio_stream_buffered(&ST.st), 3);
    AIO_TIMEOUT(t, &S.to, AIO_MS(100)) { /* cut short by a block */
        AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(10));
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 400);
    CHECK_EQ(aio_stream_buffered(&ST.st), 3);
    AIO_TIMEOUT(t, &S.to, 0) { /* due at its start: the read's checkpoint unwinds */
        AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(10));
        ST.rc = 99; /* not reached */
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK(ST.rc != 99);
    CHECK_EQ(T_MS(), 400);
    CHECK_EQ(aio_stream_buffered(&ST.st), 3);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "abcdef\n");
    CHECK_EQ(T_MS(), 600);
    AIO_AWAIT(t, ST.rc, &ST.writer);
    AIO_END(t);
}

static void test_io_stream_timeout_keeps_bytes(void) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, keep_steps);
    CHECK_EQ(test_run(&loop, &ST.main, keep_main), AIO_OK);
    sock_teardown(&loop);
}

/* A stream is over its socket, not over its number: a socket closed under
 * it (aio_close) ends a read waiting in it with AIO_ECLOSED, and every
 * later read and write of the stream gives AIO_ECLOSED at once (a debug
 * message says why), also once a new socket has the number: the stream
 * reads none of the new socket's bytes and sends nothing on it. The same
 * for a stream idle at the close, and for one whose socket was forgotten
 * (aio_io_forget) and closed; a stream set up again over the new socket
 * reads it. */
static void pair_on_number(int old) { /* (S.sv[0] closed: a new pair, one of them on its number) */
    int sv[2];
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    sockpair(sv);
#if POSIX_IO_TESTS /* (the lowest numbers free; Windows numbers its handles otherwise) */
    CHECK(sv[0] == old || sv[1] == old);
#endif
    S.sv[0] = sv[1] == old ? sv[1] : sv[0];
    S.sv[1] = sv[1] == old ? sv[0] : sv[1];
    CHECK_EQ(send_sock(S.sv[1], "new\n", 4), 4);
    settle(S.sv[0]);
}
static void new_socket_untouched(void) { /* (its bytes still there, its peer sent nothing) */
    char got[16];
    CHECK_EQ(drain_fd(S.sv[0], got, sizeof got), 4);
    CHECK(memcmp(got, "new\n", 4) == 0);
    CHECK_EQ(drain_fd(S.sv[1], got, sizeof got), 0);
}
#define STREAM_REFUSES(t)                                                      \
    do {                                                                       \
        AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));                           \
        CHECK_EQ(ST.rc, AIO_ECLOSED);                                          \
        CHECK_DEBUG("was closed under the stream (aio_close): the stream reads and writes no more"); \
        AIO_STREAM_WRITE(t, ST.rc, &ST.st, "x\n", 2, AIO_SEC(1));              \
        CHECK_EQ(ST.rc, AIO_ECLOSED);                                          \
        CHECK_DEBUG("AIO_STREAM_WRITE: descriptor");                           \
        AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1));                           \
        CHECK_EQ(ST.rc, AIO_ECLOSED);                                          \
    } while (0)
static aio_status stream_closed_main(aio_task *t) {
    AIO_BEGIN(t);
    /* a read waiting */
    CHECK_EQ(aio_spawn(&ST.reader, stream_reader), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    S.fd = S.sv[0];
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    AIO_AWAIT(t, ST.rc, &ST.reader);
    CHECK_EQ(ST.rc2, AIO_ECLOSED);
    CHECK_EQ(ST.at, 10);
    pair_on_number(S.fd);
    STREAM_REFUSES(t);
    new_socket_untouched();
    /* idle: a line read, then its socket closed while no read waits */
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
    CHECK_EQ(send_sock(S.sv[1], "one\n", 4), 4);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "one\n");
    S.fd = S.sv[0];
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    pair_on_number(S.fd);
    STREAM_REFUSES(t);
    new_socket_untouched();
    /* idle, its number closed 65,534 times more before a new socket takes
     * it: 65,535 closes, a whole round of a count of one number's closes
     * kept in 8 bits (1 to 255: it came back to the stream's value and let
     * it write into the new socket) or in 16 */
    test_last_debug[0] = '\0'; /* (the messages so far were checked) */
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
    S.fd = S.sv[0];
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    for (ST.k = 0; ST.k < 65534; ST.k++) {
        ST.k2 = new_socket();
#if POSIX_IO_TESTS
        CHECK_EQ(ST.k2, S.fd);
#endif
        CHECK_EQ(aio_close(ST.k2), AIO_OK);
    }
    pair_on_number(S.fd);
    STREAM_REFUSES(t);
    new_socket_untouched();
    /* forgotten, then closed by the system's call: the same; then a
     * stream set up over the new socket reads it */
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
    S.fd = S.sv[0];
    aio_io_forget(S.sv[0]);
    CHECK_EQ(close_sock(S.sv[0]), 0);
    pair_on_number(S.fd);
    STREAM_REFUSES(t);
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "new\n");
    CHECK_EQ(T_MS(), 10);
    AIO_END(t);
}

static void test_io_stream_socket_closed(void) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, NULL);
    CHECK_EQ(test_run(&loop, &ST.main, stream_closed_main), AIO_OK);
    sock_teardown(&loop);
}

/* The same for a stream that never waited, on a loop that never waited on a
 * descriptor (its read had its bytes at once): closed, its number taken,
 * it refuses. A stream set up over the new socket goes on reading after the
 * loop's I/O was detached and started again (aio_loop_set_io(NULL): new
 * slots, which know nothing of the closes before). */
static aio_status stream_closed_unwaited_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(send_sock(S.sv[1], "one\n", 4), 4);
    settle(S.sv[0]);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "one\n");
    S.fd = S.sv[0];
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    pair_on_number(S.fd);
    STREAM_REFUSES(t);
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "new\n");
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "ok\n", 3, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}

static void test_io_stream_closed_unwaited(void) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, NULL);
    CHECK_EQ(test_run(&loop, &ST.main, stream_closed_unwaited_main), AIO_OK);
    sock_teardown(&loop);
}

/* What a port counts of a socket closed under a stream goes with the loop's
 * I/O when it changes (aio_loop_set_io): detached (a close meanwhile counted
 * too), then started again; to a port of the program's. A stream whose loop was destroyed and which a new
 * loop reads (whose slots know nothing of the closes before) notes the
 * count afresh and reads on. */
static aio_io_slot big_slots[1024];
static aio_status big_watch(aio_io *io, int fd, int old, int events) {
    (void)io; (void)fd; (void)old; (void)events;
    return AIO_OK;
}
static void big_wait(aio_io *io, aio_loop *loop, aio_time deadline) { (void)io; (void)loop; (void)deadline; }
static aio_io big_port;
static aio_status stream_closed_ports_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_init(&ST.st2, S.sv2[0], ST.buf2, sizeof ST.buf2), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK); /* (the counts kept) */
    CHECK_EQ(aio_close(S.sv2[0]), AIO_OK);             /* (counted there) */
    AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1)); /* (counted in what the loop keeps) */
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    AIO_WAIT_WRITABLE(t, ST.rc, S.sv[1], AIO_SEC(1)); /* (the system's port started again, the counts given) */
    CHECK_EQ(ST.rc, AIO_OK);
    memset(big_slots, 0, sizeof big_slots);
    memset(&big_port, 0, sizeof big_port);
    big_port.watch = big_watch;
    big_port.wait = big_wait;
    big_port.slots = big_slots;
    big_port.nslots = 1024;
    CHECK_EQ(aio_loop_set_io(t->loop, &big_port), AIO_OK); /* (the counts given from port to port) */
    AIO_READ_SOME(t, ST.rc, &ST.st2, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    fake_init(); /* (a port of 3 slots that cannot grow: it holds what it can) */
    CHECK_EQ(aio_loop_set_io(t->loop, &FP.io), AIO_OK);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
static aio_status read_one_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "new\n");
#if POSIX_IO_TESTS /* (a number beyond what a loop without a port keeps: nothing to compare, the system's answer) */
    CHECK_EQ(aio_stream_init(&ST.st2, 4000, ST.buf2, sizeof ST.buf2), AIO_OK);
    AIO_READ_SOME(t, ST.rc, &ST.st2, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EBADF);
#endif
    AIO_END(t);
}

static void test_io_stream_closed_ports(void) {
    aio_loop loop, other;
    int old;
    stream_setup(&loop, sizeof ST.buf, NULL);
    sockpair(S.sv2);
    CHECK_EQ(test_run(&loop, &ST.main, stream_closed_ports_main), AIO_OK);
    CHECK_EQ(aio_close(S.sv2[1]), AIO_OK);
    /* a stream over a number closed once, read by another loop */
    S.sv[0] = new_socket(); /* (a number for the pair below: closed at once) */
    CHECK(S.sv[0] >= 0);
    old = S.sv[0];
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    pair_on_number(old);
    CHECK_EQ(aio_stream_init(&ST.st, S.sv[0], ST.buf, sizeof ST.buf), AIO_OK);
#if POSIX_IO_TESTS /* (the number taken again, its count moved on) */
    CHECK(ST.st.closed != 0);
#endif
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    test_loop(&other);
    CHECK_EQ(test_run(&other, &ST.main, read_one_main), AIO_OK);
    sock_teardown(&other);
}

#if POSIX_IO_TESTS /* (small numbers: Windows numbers its handles beyond what a loop keeps apart) */
/* No close is lost when the loop's port cannot hold a stream's number. A
 * port of 3 fixed slots takes the loop from the system's: the stream's
 * count goes where the loop keeps what its port has no slot for; a close
 * under the stream then counts there too, and the stream refuses, under
 * that port, after it (no port: the kept counts), and under the system's
 * port started again (given them) although a new socket has its number
 * and bytes to read. A port that grows takes the kept counts into its new
 * slots: a close counted apart while the number was beyond its slots is
 * still seen once the port holds it. */
static aio_io_slot grow_slots[64];
static int grow_refused; /* (1: the port cannot grow for now) */
static aio_status grow_port_grow(aio_io *io, int fd) {
    if (fd >= 64 || grow_refused) return AIO_EBADF;
    io->nslots = (uint32_t)fd + 1; /* (zeroed above: the slots were cleared before) */
    return AIO_OK;
}
static aio_io grow_port;
static aio_status stream_closed_small_port_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK(S.sv[0] >= 3 && S.sv2[0] >= 3);
    AIO_WAIT_WRITABLE(t, ST.rc, S.sv[1], AIO_SEC(1)); /* (the system's port started) */
    CHECK_EQ(ST.rc, AIO_OK);
    fake_init();
    CHECK_EQ(aio_loop_set_io(t->loop, &FP.io), AIO_OK);
    S.fd = S.sv[0];
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK); /* (beyond FP's slots: counted apart) */
    AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    pair_on_number(S.fd);
    STREAM_REFUSES(t); /* (no port: the kept counts) */
    AIO_WAIT_WRITABLE(t, ST.rc, S.sv[1], AIO_SEC(1)); /* (the system's port again, given the counts) */
    CHECK_EQ(ST.rc, AIO_OK);
    STREAM_REFUSES(t);
    new_socket_untouched();
    /* a port that grows, beyond whose slots a close is counted apart */
    memset(grow_slots, 0, sizeof grow_slots);
    memset(&grow_port, 0, sizeof grow_port);
    grow_port.watch = big_watch;
    grow_port.wait = big_wait;
    grow_port.grow = grow_port_grow;
    grow_port.slots = grow_slots;
    CHECK_EQ(aio_stream_init(&ST.st2, S.sv2[0], ST.buf2, sizeof ST.buf2), AIO_OK);
    grow_refused = 1; /* (every count kept apart) */
    CHECK_EQ(aio_loop_set_io(t->loop, &grow_port), AIO_OK);
    CHECK_EQ(grow_port.nslots, 0);
    CHECK_EQ(aio_close(S.sv2[0]), AIO_OK); /* (counted apart) */
    CHECK_EQ(grow_port.nslots, 0);
    grow_refused = 0;
    AIO_READ_SOME(t, ST.rc, &ST.st2, AIO_SEC(1)); /* (the port grown over the number, given its count) */
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    CHECK_EQ(grow_port.nslots, (uint32_t)S.sv2[0] + 1);
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
/* The same at the edges of what a loop keeps apart, over numbers no socket
 * has (a stream refuses before it reads): a port with more slots than the
 * table given up (the counts below its end kept, the rest forgotten), a
 * count that wraps past 255 (never back to what a stream noted at 0), a
 * close beyond the table with no port (nowhere to count), and a port that
 * cannot grow when a stream looks (the kept count). */
static aio_io_slot huge_slots[1600];
static aio_io huge_port;
static aio_stream kept_st[3];
static unsigned char kept_buf[3][16];
static aio_status stream_kept_edges_main(aio_task *t) {
    int i;
    AIO_BEGIN(t);
    memset(huge_slots, 0, sizeof huge_slots);
    memset(&huge_port, 0, sizeof huge_port);
    huge_port.watch = big_watch;
    huge_port.wait = big_wait;
    huge_port.slots = huge_slots;
    huge_port.nslots = 1600;
    CHECK_EQ(aio_loop_set_io(t->loop, &huge_port), AIO_OK);
    CHECK_EQ(aio_stream_init(&kept_st[0], 700, kept_buf[0], sizeof kept_buf[0]), AIO_OK);
    aio_io_forget(700);
    aio_io_forget(1500); /* (beyond the table: forgotten when the port goes) */
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    AIO_READ_SOME(t, ST.rc, &kept_st[0], AIO_SEC(1)); /* (kept) */
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    aio_io_forget(1500); /* (no port, beyond the table: nowhere) */
    CHECK_EQ(aio_stream_init(&kept_st[1], 600, kept_buf[1], sizeof kept_buf[1]), AIO_OK);
    for (i = 0; i < 256; i++) aio_io_forget(600);
    AIO_READ_SOME(t, ST.rc, &kept_st[1], AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    memset(grow_slots, 0, sizeof grow_slots);
    memset(&grow_port, 0, sizeof grow_port);
    grow_port.watch = big_watch;
    grow_port.wait = big_wait;
    grow_port.grow = grow_port_grow;
    grow_port.slots = grow_slots;
    grow_refused = 1;
    CHECK_EQ(aio_loop_set_io(t->loop, &grow_port), AIO_OK);
    CHECK_EQ(aio_stream_init(&kept_st[2], 20, kept_buf[2], sizeof kept_buf[2]), AIO_OK);
    aio_io_forget(20);
    AIO_READ_SOME(t, ST.rc, &kept_st[2], AIO_SEC(1)); /* (the port cannot grow: the kept count) */
    CHECK_EQ(ST.rc, AIO_ECLOSED);
    grow_refused = 0;
    CHECK_EQ(aio_loop_set_io(t->loop, NULL), AIO_OK);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}
static void test_io_stream_closes_kept_edges(void) {
    aio_loop loop;
    test_loop(&loop);
    CHECK_EQ(test_run(&loop, &ST.main, stream_kept_edges_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}
static void test_io_stream_closed_small_port(void) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, NULL);
    sockpair(S.sv2);
    CHECK_EQ(test_run(&loop, &ST.main, stream_closed_small_port_main), AIO_OK);
    CHECK_EQ(aio_close(S.sv2[1]), AIO_OK);
    sock_teardown(&loop);
}
#endif

/* A line longer than the buffer: AIO_ELIMIT with the buffer full and nothing
 * taken; the caller drops it and reads on. A separator split between two
 * receives; exact counts; what is there; and the end of the stream in the
 * middle of each (AIO_EINCOMPLETE: the partial data stays buffered). */
static const step_t kinds_steps[] = {{10, "0123456789\n"}, {20, "a\rb\r"}, {30, "\ncd"}, {40, "ef"},
                                     {50, "gh"}, {60, "xyz"}, {65, "tail"}, {70, NULL}};
static aio_status kinds_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_script();
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_ELIMIT);
    CHECK_EQ(T_MS(), 10);
    CHECK_EQ(aio_stream_buffered(&ST.st), 8);
    CHECK(memcmp(aio_stream_peek(&ST.st), "01234567", 8) == 0);
    CHECK_EQ(aio_stream_discard(&ST.st, 100), 8);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "89\n");
    AIO_READ_UNTIL(t, ST.rc, &ST.st, "\r\n", 2, AIO_SEC(1)); /* (a lone \r first) */
    CHECK_READ(ST.rc, "a\rb\r\n");
    CHECK_EQ(T_MS(), 30);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 2, AIO_SEC(1));
    CHECK_READ(ST.rc, "cd");
    CHECK_EQ(T_MS(), 30);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 4, AIO_SEC(1));
    CHECK_READ(ST.rc, "efgh");
    CHECK_EQ(T_MS(), 50);
    AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "xyz");
    CHECK_EQ(T_MS(), 60);
    AIO_READ_UNTIL(t, ST.rc, &ST.st, "\r\n", 2, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EINCOMPLETE);
    CHECK_EQ(T_MS(), 70);
    CHECK_EQ(aio_stream_buffered(&ST.st), 4);
    CHECK(!aio_stream_at_eof(&ST.st)); /* the end came, but "tail" is still there */
    CHECK_EQ(aio_stream_discard(&ST.st, 0), 0);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 5, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EINCOMPLETE);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1)); /* what is left, without a newline */
    CHECK_READ(ST.rc, "tail");
    AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, 0);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 1, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EINCOMPLETE);
    CHECK(aio_stream_at_eof(&ST.st));
    CHECK_EQ(T_MS(), 70);
    AIO_AWAIT(t, ST.rc, &ST.writer);
    AIO_END(t);
}

static void test_io_stream_kinds_and_limits(void) {
    aio_loop loop;
    stream_setup(&loop, 8, kinds_steps);
    CHECK_EQ(test_run(&loop, &ST.main, kinds_main), AIO_OK);
    CHECK_STR(aio_strerror(AIO_ELIMIT), "no separator within the buffer");
    CHECK_STR(aio_strerror(AIO_EINCOMPLETE), "the stream ended first");
    sock_teardown(&loop);
}

/* A read of exactly 0 bytes is readexactly(0): 0 at once, whether bytes
 * are buffered, none are, or the stream has ended; it takes nothing, and it
 * is a checkpoint like every read. */
static const step_t zero_steps[] = {{100, "hello"}, {200, NULL}};
static aio_status exactly_zero_main(aio_task *t) {
    AIO_BEGIN(t);
    spawn_script();
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 0, AIO_SEC(1)); /* nothing buffered */
    CHECK_EQ(ST.rc, 0);
    CHECK_EQ(T_MS(), 0);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 2, AIO_SEC(1));
    CHECK_READ(ST.rc, "he");
    CHECK_EQ(T_MS(), 100);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 0, AIO_SEC(1)); /* "llo" buffered */
    CHECK_EQ(ST.rc, 0);
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(aio_stream_buffered(&ST.st), 3);
    AIO_TIMEOUT(t, &S.to, 0) { /* due at its start: the read's checkpoint unwinds */
        AIO_READ_EXACTLY(t, ST.rc, &ST.st, 0, AIO_SEC(1));
        ST.rc = 99; /* not reached */
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK(ST.rc != 99);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 3, AIO_SEC(1));
    CHECK_READ(ST.rc, "llo");
    AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1)); /* the end */
    CHECK_EQ(ST.rc, 0);
    CHECK_EQ(T_MS(), 200);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, 0, AIO_SEC(1)); /* at the end: still 0, not AIO_EINCOMPLETE */
    CHECK_EQ(ST.rc, 0);
    CHECK_EQ(T_MS(), 200);
    AIO_AWAIT(t, ST.rc, &ST.writer);
    AIO_END(t);
}

static void test_io_stream_read_exactly_zero(void) {
    aio_loop loop;
    stream_setup(&loop, 8, zero_steps);
    CHECK_EQ(test_run(&loop, &ST.main, exactly_zero_main), AIO_OK);
    sock_teardown(&loop);
}

/* Bad input: a status, and in debug builds a message that names it. */
static aio_stream bad_stream; /* zeroed: never set up */
static aio_status until_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_UNTIL(t, ST.rc, &ST.st, NULL, 1, AIO_SEC(1));
    AIO_END(t);
}
static aio_status until_empty_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_UNTIL(t, ST.rc, &ST.st, "\n", 0, AIO_SEC(1));
    AIO_END(t);
}
static aio_status exactly_big_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_EXACTLY(t, ST.rc, &ST.st, sizeof ST.buf + 1, AIO_SEC(1));
    AIO_END(t);
}
static aio_status not_set_up_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_SOME(t, ST.rc, &bad_stream, AIO_SEC(1));
    AIO_END(t);
}
static aio_status null_stream_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_SOME(t, ST.rc, (aio_stream *)NULL, AIO_SEC(1));
    AIO_END(t);
}
static aio_status until_long_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_UNTIL(t, ST.rc, &ST.st, "0123456789abcdefXYZ", 19, AIO_SEC(1)); /* longer than the buffer */
    AIO_END(t);
}
static aio_status stream_bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_TIME_INVALID);
    AIO_END(t);
}
static aio_status two_stream_readers_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&ST.reader, stream_reader), AIO_OK);
    AIO_YIELD(t); /* the reader waits */
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EBUSY);
    CHECK_DEBUG("another task is waiting in a read of it");
    CHECK_EQ(send_sock(S.sv[1], "x\n", 2), 2);
    AIO_AWAIT(t, ST.rc, &ST.reader);
    CHECK_EQ(ST.rc2, 2);
    CHECK_EQ(close_sock(S.sv2[0]), 0); /* a stream over a socket closed since */
    AIO_READ_SOME(t, ST.rc, &ST.st2, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EBADF);
    AIO_END(t);
}

static void test_io_stream_bad_input(void) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, NULL);
    CHECK_EQ(aio_stream_init(&ST.st2, S.sv[0], NULL, 8), AIO_EINVAL);
    CHECK_DEBUG("aio_stream_init: the stream or the buffer is NULL");
    CHECK_EQ(aio_stream_init(&ST.st2, S.sv[0], ST.buf, 0), AIO_EINVAL);
    CHECK_EQ(aio_stream_init(&ST.st2, S.sv[0], ST.buf, (size_t)INT_MAX + 1u), AIO_EINVAL);
    CHECK_EQ(aio_stream_init(NULL, S.sv[0], ST.buf, 8), AIO_EINVAL);
    CHECK_EQ(aio_stream_init(&ST.st2, -1, ST.buf, 8), AIO_EBADF);
    CHECK_DEBUG("aio_stream_init: descriptor -1 is negative");
    CHECK_EQ(test_run(&loop, &ST.main, until_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_READ_UNTIL: the separator is NULL");
    CHECK_EQ(test_run(&loop, &ST.main, until_empty_main), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &ST.main, exactly_big_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_READ_EXACTLY: the count is larger");
    CHECK_EQ(test_run(&loop, &ST.main, not_set_up_main), AIO_EINVAL);
    CHECK_DEBUG("the stream was not set up");
    CHECK_EQ(test_run(&loop, &ST.main, null_stream_main), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &ST.main, until_long_main), AIO_EINVAL);
    CHECK_DEBUG("or longer than the stream's buffer");
    CHECK_EQ(test_run(&loop, &ST.main, stream_bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("a stream's read: the timeout is NaN");
    sockpair(S.sv2);
    CHECK_EQ(aio_stream_init(&ST.st2, S.sv2[0], ST.buf2, sizeof ST.buf2), AIO_OK);
    CHECK_EQ(test_run(&loop, &ST.main, two_stream_readers_main), AIO_OK);
    CHECK_EQ(close_sock(S.sv2[1]), 0);
    sock_teardown(&loop);
}

/* ------------------------------------------------- a stream's transport */

/* A transport like a TLS engine's, over the socket: its recv takes all the
 * socket has into a store of its own and gives one byte a call (so the
 * socket is dry while it still has bytes), after it first wanted the socket
 * writable once; its send takes at most 3 bytes a call, each byte + 1 (a
 * "cipher" the peer undoes). */
static struct {
    unsigned char store[64];
    size_t have, at;
    int wanted_write, recvs, sends;
    aio_status fail; /* a status its next call gives */
} TR;
static aio_status engine_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    long n;
    CHECK(ctx == &TR);
    CHECK(len > 0);
    TR.recvs++;
    if (TR.fail) return TR.fail;
    if (!TR.wanted_write) {
        TR.wanted_write = 1;
        return AIO_WANT_WRITE;
    }
    if (TR.at == TR.have) {
        TR.at = TR.have = 0;
        n = recv_sock((int)fd, TR.store, sizeof TR.store);
        if (n == 0) return 0;
        if (n < 0) return AIO_WANT_READ;
        TR.have = (size_t)n;
    }
    *(unsigned char *)buf = TR.store[TR.at++];
    return 1;
}
static aio_status engine_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    unsigned char out[3];
    size_t i, n = len < 3 ? len : 3;
    long k;
    CHECK(ctx == &TR);
    TR.sends++;
    if (TR.fail) return TR.fail;
    for (i = 0; i < n; i++) out[i] = (unsigned char)(((const unsigned char *)buf)[i] + 1);
    k = send_sock((int)fd, out, n);
    return k > 0 ? (aio_status)k : AIO_WANT_WRITE;
}
static const aio_transport engine = {engine_recv, engine_send};

/* The peer (S.sv[1]) has received exactly `text` since it last looked. */
static void peer_got(const char *text) {
    char got[16] = {0};
    CHECK_EQ(recv_sock(S.sv[1], got, sizeof got), (long)strlen(text));
    CHECK(memcmp(got, text, strlen(text)) == 0);
}

/* Lines through the transport: the stream asks it again while it has bytes
 * (never waiting on the dry socket for them), waits writable when it wants
 * that, and readable when it has nothing; writes go through it in pieces. */
static const step_t engine_steps[] = {{100, "one\ntwo\nthr"}, {300, "ee\n"}, {400, NULL}};
static aio_status engine_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_set_transport(&ST.st, &engine, &TR), AIO_OK);
    spawn_script();
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "one\n");
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(TR.wanted_write, 1);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1)); /* in the transport's store: no wait */
    CHECK_READ(ST.rc, "two\n");
    CHECK_EQ(T_MS(), 100);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "three\n");
    CHECK_EQ(T_MS(), 300);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, 0); /* the end, through the transport */
    CHECK_EQ(T_MS(), 400);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "abcdefg", 7, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_OK);
    CHECK_EQ(aio_bytes_sent(t), 7);
    CHECK_EQ(TR.sends, 3); /* 3 + 3 + 1 */
    peer_got("bcdefgh");
    AIO_END(t);
}
/* A test of fn over a stream on S.sv[0] with the peer's steps, the
 * transport's state new. */
static void transport_test(const step_t *steps, aio_task_fn fn) {
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, steps);
    memset(&TR, 0, sizeof TR);
    CHECK_EQ(test_run(&loop, &ST.main, fn), AIO_OK);
    sock_teardown(&loop);
}
static void test_io_stream_transport(void) {
    CHECK_STR(aio_strerror(AIO_WANT_READ), "waits until readable"); /* (named where there are streams) */
    CHECK_STR(aio_strerror(AIO_WANT_WRITE), "waits until writable");
    transport_test(engine_steps, engine_main);
}

/* Set on a stream that has bytes buffered (a plain-text start, then an
 * upgrade: STARTTLS): those are read first, as they came, then the
 * transport's. A transport's error is the read's or the write's result;
 * set back to NULL, the socket's own again. */
static aio_status upgrade_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(send_sock(S.sv[1], "plain\nrest", 10), 10);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "plain\n");
    CHECK_EQ(aio_stream_set_transport(&ST.st, &engine, &TR), AIO_OK);
    TR.wanted_write = 1;
    CHECK_EQ(send_sock(S.sv[1], "!\n", 2), 2);
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_READ(ST.rc, "rest!\n"); /* "rest" was buffered before the upgrade */
    TR.fail = AIO_ECONNRESET;
    AIO_READ_LINE(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_ECONNRESET);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "x", 1, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_ECONNRESET);
    CHECK_EQ(aio_bytes_sent(t), 0);
    CHECK_EQ(aio_stream_set_transport(&ST.st, NULL, &TR), AIO_OK);
    CHECK(ST.st.transport_ctx == NULL);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "xy", 2, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_OK);
    peer_got("xy");
    AIO_END(t);
}
static void test_io_stream_upgrade(void) { transport_test(NULL, upgrade_main); }

/* -------------------------------------------------- a stream that grows */

/* A growing stream (aio_stream_init_growing) on S.sv[0]: 256 bytes at the
 * start, 2 MiB at most; a writer sends GR.big[0..GR.len) on S.sv[1]. */
#define GROW_LIMIT ((size_t)2 << 20)
static struct {
    aio_task main, writer, reader;
    aio_stream st;
    char big[((size_t)2 << 20) + 64];
    size_t len;
    aio_status rc, wrc;
    int round, i;
    size_t held, seen[6];
} GR;
static aio_status grow_writer(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_ALL(t, GR.wrc, S.sv[1], GR.big, GR.len, AIO_SEC(10));
    CHECK_EQ(GR.wrc, AIO_OK);
    AIO_END(t);
}
/* GR.big: a line of n bytes ('a' + i % 26, then '\n'), then `rest`. */
static void grow_text(size_t n, const char *rest) {
    size_t i;
    for (i = 0; i + 1 < n; i++) GR.big[i] = (char)('a' + i % 26);
    GR.big[n - 1] = '\n';
    memcpy(GR.big + n, rest, strlen(rest));
    GR.len = n + strlen(rest);
}
static void grow_setup(aio_loop *loop) {
    sock_setup(loop);
    memset(&GR, 0, sizeof GR);
    CHECK_EQ(aio_stream_init_growing(&GR.st, S.sv[0], 256, GROW_LIMIT), AIO_OK);
    CHECK_EQ(GR.st.size, 256);
}
static void grow_teardown(aio_loop *loop) {
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    CHECK(GR.st.buf == NULL);
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK); /* (again: nothing) */
    sock_teardown(loop);
}

/* A line of 2 MiB before its newline through a stream that starts at 256
 * bytes: it doubles to 2 MiB, then takes one byte more for the newline
 * (asyncio's limit counts a line's bytes before its separator) and gives
 * the line whole; the next line, short, finds the buffer as large (it
 * shrinks only after quiet receives). Then a line 1 byte over the limit:
 * AIO_ELIMIT with 2 MiB + 1 bytes buffered (as a fixed stream's full
 * buffer), dropped by the caller, and the rest read on. On a stream set up
 * again: a count and a separator may go beyond the buffer's size, not
 * beyond its limit. */
static aio_status grow_main(aio_task *t) {
    AIO_BEGIN(t);
    grow_text(GROW_LIMIT + 1, "short\n");
    CHECK_EQ(aio_spawn(&GR.writer, grow_writer), AIO_OK);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(10));
    CHECK_EQ(GR.rc, (aio_status)GROW_LIMIT + 1);
    CHECK(memcmp(aio_stream_data(&GR.st), GR.big, GROW_LIMIT + 1) == 0);
    CHECK_EQ(GR.st.size, GROW_LIMIT + 1);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(10));
    CHECK_EQ(GR.rc, 6);
    CHECK(memcmp(aio_stream_data(&GR.st), "short\n", 6) == 0);
    CHECK_EQ(GR.st.size, GROW_LIMIT + 1); /* (not yet back to its start) */
    AIO_AWAIT(t, GR.rc, &GR.writer);
    grow_text(GROW_LIMIT + 2, "end\n"); /* 1 byte over */
    CHECK_EQ(aio_spawn(&GR.writer, grow_writer), AIO_OK);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(10));
    CHECK_EQ(GR.rc, AIO_ELIMIT);
    CHECK_EQ(aio_stream_buffered(&GR.st), GROW_LIMIT + 1);
    CHECK_EQ(GR.st.size, GROW_LIMIT + 1);
    CHECK(memcmp(aio_stream_peek(&GR.st), GR.big, GROW_LIMIT + 1) == 0);
    CHECK_EQ(aio_stream_discard(&GR.st, GROW_LIMIT + 1), GROW_LIMIT + 1);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(10));
    CHECK_EQ(GR.rc, 1);
    CHECK_EQ(aio_stream_data(&GR.st)[0], '\n');
    AIO_READ_EXACTLY(t, GR.rc, &GR.st, 4, AIO_SEC(10));
    CHECK(GR.rc == 4 && memcmp(aio_stream_data(&GR.st), "end\n", 4) == 0);
    AIO_AWAIT(t, GR.rc, &GR.writer);
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    CHECK_EQ(aio_stream_init_growing(&GR.st, S.sv[0], 256, GROW_LIMIT), AIO_OK);
    grow_text(1000, "");
    CHECK_EQ(aio_spawn(&GR.writer, grow_writer), AIO_OK);
    AIO_READ_EXACTLY(t, GR.rc, &GR.st, 999, AIO_SEC(10)); /* beyond 256: it grows */
    CHECK(GR.rc == 999 && memcmp(aio_stream_data(&GR.st), GR.big, 999) == 0);
    CHECK_EQ(GR.st.size, 1024);
    AIO_READ_UNTIL(t, GR.rc, &GR.st, GR.big + 999, 1, AIO_SEC(10));
    CHECK_EQ(GR.rc, 1);
    AIO_AWAIT(t, GR.rc, &GR.writer);
    grow_text(2000, "");
    CHECK_EQ(aio_spawn(&GR.writer, grow_writer), AIO_OK);
    AIO_READ_UNTIL(t, GR.rc, &GR.st, GR.big, 2000, AIO_SEC(10)); /* a separator beyond 1024: it grows */
    CHECK_EQ(GR.rc, 2000);
    CHECK_EQ(GR.st.size, 2048);
    AIO_AWAIT(t, GR.rc, &GR.writer);
    AIO_READ_UNTIL(t, GR.rc, &GR.st, GR.big, GROW_LIMIT + 1, AIO_SEC(10)); /* (raises) */
    AIO_END(t);
}
static aio_status grow_exactly_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_EXACTLY(t, GR.rc, &GR.st, GROW_LIMIT + 1, AIO_SEC(10)); /* (raises) */
    AIO_END(t);
}
static void test_io_stream_growing(void) {
    aio_loop loop;
    grow_setup(&loop);
    CHECK_EQ(test_run(&loop, &GR.main, grow_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_READ_UNTIL: the separator is NULL, of length 0, or longer than the stream's buffer");
    memset(&GR.main, 0, sizeof GR.main);
    CHECK_EQ(test_run(&loop, &GR.main, grow_exactly_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_READ_EXACTLY: the count is larger than the stream's buffer");
    grow_teardown(&loop);
}

/* Bytes into S.sv[1], all taken. */
static void grow_send(const char *text, size_t n) { CHECK_EQ(send_sock(S.sv[1], text, n), (long)n); }
#define GROW_READ_IS(rc, text, n) CHECK((rc) == (aio_status)(n) && memcmp(aio_stream_data(&GR.st), (text), (n)) == 0)

/* A stream of 16 bytes growing to 64, set up again over S.sv[0]. */
static void grow_small(void) {
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    CHECK_EQ(aio_stream_init_growing(&GR.st, S.sv[0], 16, 64), AIO_OK);
}

/* A growing stream (16 bytes, up to 64) that holds `held` bytes when a
 * read needs more and moves them to the front, for 15, 16 and 17 held (its
 * start less one, its start, one more), by a line and by a count: the rest
 * comes whole, and no receive is ever asked for 0 bytes of room (whose 0
 * would read as the peer's end: a line without its newline, then 0, while
 * the rest waits in the socket). Twice: right after it grew to 64 (33 and
 * 15 bytes read of the 64 received), where it stays at 64; and at its
 * fourth quiet receive in a row (a line of 41 grows it, three short lines
 * each sent alone follow, then "c\n" with the held bytes), where it goes
 * back to 16 if they are fewer (one byte of room), and stays at 64 if not. */
static aio_status grow_held_main(aio_task *t) {
    AIO_BEGIN(t);
    for (GR.round = 0; GR.round < 6; GR.round++) {
        GR.held = 15 + (size_t)GR.round % 3;
        grow_small();
        memset(GR.big, 'e', 48);
        memset(GR.big + 48, 'g', GR.held);
        GR.big[48 + GR.held] = '\n';
        grow_send(GR.big, 48 + GR.held);
        AIO_READ_EXACTLY(t, GR.rc, &GR.st, 33, AIO_SEC(1));
        CHECK_EQ(GR.rc, 33);
        AIO_READ_EXACTLY(t, GR.rc, &GR.st, 15, AIO_SEC(1));
        CHECK_EQ(GR.rc, 15);
        spawn_writer(S.sv[1], AIO_MS(10), "\n"); /* the rest, once the read waits */
        if (GR.round < 3)
            AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        else
            AIO_READ_EXACTLY(t, GR.rc, &GR.st, GR.held + 1, AIO_SEC(1));
        GROW_READ_IS(GR.rc, GR.big + 48, GR.held + 1);
        CHECK_EQ(GR.st.size, 64);
        AIO_AWAIT(t, GR.rc, &S.wr.task);
        grow_small();
        memset(GR.big, 'a', 40);
        grow_send(GR.big, 40);
        grow_send("\n", 1);
        AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        CHECK_EQ(GR.rc, 41);
        CHECK_EQ(GR.st.size, 64);
        for (GR.i = 0; GR.i < 3; GR.i++) {
            grow_send("b\n", 2);
            AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
            GROW_READ_IS(GR.rc, "b\n", 2);
        }
        memcpy(GR.big, "c\n", 2);
        memset(GR.big + 2, 'd', GR.held + 1);
        GR.big[GR.held + 3] = '\n';
        grow_send(GR.big, 2 + GR.held);
        AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        GROW_READ_IS(GR.rc, "c\n", 2);
        CHECK_EQ(aio_stream_buffered(&GR.st), GR.held);
        spawn_writer(S.sv[1], AIO_MS(10), "d\n");
        if (GR.round < 3) {
            AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
            GROW_READ_IS(GR.rc, GR.big + 2, GR.held + 2);
            CHECK_EQ(GR.st.size, GR.held < 16 ? 32 : 64); /* (16, full: grown again for the newline) */
        } else {
            AIO_READ_EXACTLY(t, GR.rc, &GR.st, GR.held + 1, AIO_SEC(1));
            GROW_READ_IS(GR.rc, GR.big + 2, GR.held + 1);
            CHECK_EQ(GR.st.size, GR.held < 16 ? 32 : 64); /* (16, its one byte of room filled by the
                                                             receive: grown for what may follow) */
            AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
            GROW_READ_IS(GR.rc, "\n", 1);
        }
        CHECK_EQ(T_MS(), 20 * (GR.round + 1));
        AIO_AWAIT(t, GR.rc, &S.wr.task);
    }
    CHECK_EQ(aio_stream_buffered(&GR.st), 0);
    AIO_END(t);
}
static void test_io_stream_growing_shrink_full(void) {
    aio_loop loop;
    grow_setup(&loop);
    CHECK_EQ(test_run(&loop, &GR.main, grow_held_main), AIO_OK);
    grow_teardown(&loop);
}

/* The shrink's hysteresis, on a stream of 16 bytes growing to 64: lines of
 * 20 bytes, each in two halves 10 ms apart, grow it to 32 once and never
 * shrink it between them (seen while the read waits for the second half);
 * then short lines, each read alone: the receive after the last long line
 * is not quiet, the next four are, and the fourth takes it back to 16. */
static aio_status grow_halves_writer(aio_task *t) {
    AIO_BEGIN(t);
    for (GR.i = 0; GR.i < 6; GR.i++) {
        AIO_SLEEP(t, AIO_MS(10));
        grow_send("0123456789", 10);
        AIO_SLEEP(t, AIO_MS(10));
        GR.seen[GR.i] = GR.st.size;
        grow_send("abcdefghi\n", 10);
    }
    AIO_END(t);
}
static aio_status grow_hysteresis_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&GR.writer, grow_halves_writer), AIO_OK);
    for (GR.round = 0; GR.round < 6; GR.round++) {
        AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        GROW_READ_IS(GR.rc, "0123456789abcdefghi\n", 20);
        CHECK_EQ(T_MS(), 20 * (GR.round + 1));
    }
    AIO_AWAIT(t, GR.rc, &GR.writer);
    CHECK_EQ(GR.seen[0], 16);
    for (GR.i = 1; GR.i < 6; GR.i++) CHECK_EQ(GR.seen[GR.i], 32);
    for (GR.round = 0; GR.round < 5; GR.round++) {
        grow_send("ok\n", 3);
        AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        GROW_READ_IS(GR.rc, "ok\n", 3);
        CHECK_EQ(GR.st.size, GR.round < 4 ? 32 : 16);
    }
    AIO_END(t);
}
static void test_io_stream_growing_hysteresis(void) {
    aio_loop loop;
    grow_setup(&loop);
    grow_small();
    CHECK_EQ(test_run(&loop, &GR.main, grow_hysteresis_main), AIO_OK);
    grow_teardown(&loop);
}

/* A stream's limit is asyncio's: StreamReader(limit=8) reads a line of 7
 * or 8 bytes before its newline, and one of 9 is a LimitOverrunError; the
 * same with readuntil(b"\r\n"). A growing stream of limit 8 does the same
 * (its buffer takes the separator's bytes beyond the limit: 9 for a line,
 * 10 for "\r\n"); AIO_ELIMIT takes nothing, the caller drops the 9 bytes and
 * reads the separator. A fixed buffer holds a line with its separator: 9
 * bytes are asyncio's limit of 8 for lines. */
static aio_status grow_limit_main(aio_task *t) {
    AIO_BEGIN(t);
    memset(GR.big, 'x', 9);
    for (GR.i = 7; GR.i <= 9; GR.i++) {
        grow_send(GR.big, (size_t)GR.i);
        grow_send("\n", 1);
        AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        if (GR.i <= 8) CHECK_EQ(GR.rc, GR.i + 1);
    }
    CHECK_EQ(GR.rc, AIO_ELIMIT);
    CHECK_EQ(GR.st.size, 9);
    CHECK_EQ(aio_stream_buffered(&GR.st), 9);
    CHECK_EQ(aio_stream_discard(&GR.st, 9), 9);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    GROW_READ_IS(GR.rc, "\n", 1);
    for (GR.i = 7; GR.i <= 9; GR.i++) {
        grow_send(GR.big, (size_t)GR.i);
        grow_send("\r\n", 2);
        AIO_READ_UNTIL(t, GR.rc, &GR.st, "\r\n", 2, AIO_SEC(1));
        if (GR.i <= 8) CHECK_EQ(GR.rc, GR.i + 2);
    }
    CHECK_EQ(GR.rc, AIO_ELIMIT);
    CHECK_EQ(GR.st.size, 10);
    CHECK_EQ(aio_stream_discard(&GR.st, 9), 9);
    AIO_READ_UNTIL(t, GR.rc, &GR.st, "\r\n", 2, AIO_SEC(1));
    GROW_READ_IS(GR.rc, "\r\n", 2);
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    CHECK_EQ(aio_stream_init_growing(&GR.st, S.sv[0], 4, INT_MAX), AIO_OK); /* (no line beyond INT_MAX) */
    grow_send("0123456789\n", 11);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    GROW_READ_IS(GR.rc, "0123456789\n", 11);
    CHECK_EQ(GR.st.size, 16);
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    CHECK_EQ(aio_stream_init(&GR.st, S.sv[0], GR.big + 64, 9), AIO_OK); /* (fixed) */
    for (GR.i = 8; GR.i <= 9; GR.i++) {
        grow_send(GR.big, (size_t)GR.i);
        grow_send("\n", 1);
        AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
        if (GR.i == 8) CHECK_EQ(GR.rc, 9);
    }
    CHECK_EQ(GR.rc, AIO_ELIMIT);
    CHECK_EQ(aio_stream_buffered(&GR.st), 9);
    AIO_END(t);
}
static void test_io_stream_limit_is_asyncios(void) {
    aio_loop loop;
    grow_setup(&loop);
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    CHECK_EQ(aio_stream_init_growing(&GR.st, S.sv[0], 4, 8), AIO_OK);
    CHECK_EQ(test_run(&loop, &GR.main, grow_limit_main), AIO_OK);
    grow_teardown(&loop);
}

/* STARTTLS on a growing stream: what was buffered before the transport is
 * set is read first, and the line that goes on through the transport grows
 * the buffer. */
static aio_status grow_upgrade_main(aio_task *t) {
    AIO_BEGIN(t);
    grow_text(6, "");
    memcpy(GR.big, "plain\n", 6);
    memset(GR.big + 6, 'r', 300);
    CHECK_EQ(send_sock(S.sv[1], GR.big, 306), 306);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    CHECK(GR.rc == 6 && memcmp(aio_stream_data(&GR.st), "plain\n", 6) == 0);
    CHECK_EQ(aio_stream_buffered(&GR.st), 250); /* (the buffer's 256 bytes) */
    CHECK_EQ(aio_stream_set_transport(&GR.st, &engine, &TR), AIO_OK);
    TR.wanted_write = 1;
    CHECK_EQ(send_sock(S.sv[1], "!\n", 2), 2);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    CHECK_EQ(GR.rc, 302);
    CHECK(memcmp(aio_stream_data(&GR.st), GR.big + 6, 300) == 0);
    CHECK(memcmp(aio_stream_data(&GR.st) + 300, "!\n", 2) == 0);
    CHECK_EQ(GR.st.size, 512);
    CHECK(TR.recvs > 0);
    AIO_END(t);
}
static void test_io_stream_growing_upgrade(void) {
    aio_loop loop;
    grow_setup(&loop);
    memset(&TR, 0, sizeof TR);
    CHECK_EQ(test_run(&loop, &GR.main, grow_upgrade_main), AIO_OK);
    grow_teardown(&loop);
}

/* Misuse: bad sizes and descriptors refused (nothing allocated); freeing
 * while a task waits in a read refused; a freed stream reads as one never
 * set up; a fixed stream's buffer stays the program's. */
static aio_status grow_reader(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(10));
    AIO_END(t);
}
static aio_status grow_misuse_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&GR.reader, grow_reader), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    CHECK_EQ(aio_stream_free(&GR.st), AIO_EBUSY);
    CHECK_DEBUG("aio_stream_free: a task is waiting in a read or a write of the stream");
    CHECK(GR.st.buf != NULL);
    CHECK_EQ(aio_cancel(&GR.reader), 1);
    AIO_AWAIT(t, GR.rc, &GR.reader);
    CHECK_EQ(aio_stream_free(&GR.st), AIO_OK);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1)); /* (raises) */
    AIO_END(t);
}
static void test_io_stream_growing_misuse(void) {
    aio_loop loop;
    aio_stream st;
    unsigned char buf[8];
    CHECK_EQ(aio_stream_init_growing(NULL, 3, 256, 1024), AIO_EINVAL);
    CHECK_DEBUG("aio_stream_init_growing: the stream is NULL, the starting size 0, or the limit below it");
    CHECK_EQ(aio_stream_init_growing(&st, 3, 0, 1024), AIO_EINVAL);
    CHECK_EQ(aio_stream_init_growing(&st, 3, 256, 255), AIO_EINVAL);
    CHECK_EQ(aio_stream_init_growing(&st, 3, 256, (size_t)INT_MAX + 1), AIO_EINVAL);
    CHECK_EQ(aio_stream_init_growing(&st, -1, 256, 1024), AIO_EBADF);
    CHECK(st.buf == NULL);
    CHECK_EQ(aio_stream_free(&st), AIO_OK);
    CHECK_EQ(aio_stream_free(NULL), AIO_OK);
    CHECK_EQ(aio_stream_init(&st, 3, buf, sizeof buf), AIO_OK);
    CHECK_EQ(aio_stream_free(&st), AIO_OK); /* (the program's buffer: forgotten, not freed) */
    CHECK(st.buf == NULL);
    grow_setup(&loop);
    CHECK_EQ(test_run(&loop, &GR.main, grow_misuse_main), AIO_EINVAL);
    CHECK_DEBUG("a stream's read: the stream was not set up (aio_stream_init)");
    grow_teardown(&loop);
}

#ifdef TEST_COUNTED_ALLOC
/* Out of memory: the stream is not made (AIO_EIO, errno ENOMEM, nothing
 * held); as it grows (after the receive that filled it, which tries first,
 * and for the read that needs more), the read gives AIO_EIO (errno ENOMEM)
 * and has taken nothing: the stream stays usable, and with memory the line
 * comes whole. */
static aio_status grow_no_memory_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(send_sock(S.sv[1], "a\n", 2), 2);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    CHECK_EQ(GR.rc, 2);
    grow_text(300, "");
    CHECK_EQ(send_sock(S.sv[1], GR.big, 300), 300);
    test_alloc_fail_after(0);
    test_alloc_fail_also(1);
    errno = 0;
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    CHECK_EQ(GR.rc, AIO_EIO);
    CHECK_EQ(errno, ENOMEM);
    test_alloc_fail_after(-1);
    CHECK_EQ(aio_stream_buffered(&GR.st), 256); /* what came stays */
    CHECK_EQ(GR.st.size, 256);
    AIO_READ_LINE(t, GR.rc, &GR.st, AIO_SEC(1));
    CHECK_EQ(GR.rc, 300);
    CHECK(memcmp(aio_stream_data(&GR.st), GR.big, 300) == 0);
    CHECK_EQ(GR.st.size, 512);
    AIO_END(t);
}
static void test_io_stream_growing_no_memory(void) {
    aio_loop loop;
    aio_stream st;
    long live = test_alloc_live();
    unsigned long failed = test_alloc_failed();
    test_alloc_fail_after(0);
    errno = 0;
    CHECK_EQ(aio_stream_init_growing(&st, 3, 256, 1024), AIO_EIO);
    test_alloc_fail_after(-1);
    CHECK_EQ(errno, ENOMEM);
    CHECK(st.buf == NULL);
    CHECK_EQ(test_alloc_live(), live);
    CHECK_EQ(test_alloc_failed(), failed + 1);
    grow_setup(&loop);
    CHECK_EQ(test_run(&loop, &GR.main, grow_no_memory_main), AIO_OK);
    CHECK_EQ(test_alloc_failed(), failed + 3); /* (the stream's, then the two growths) */
    grow_teardown(&loop);
}
#endif

/* AIO_STREAM_WRITE on the socket's own transport: all at once while the
 * system takes it; with the peer not reading, it waits, and its deadline
 * cuts it at exactly 50 ms with the part sent told by aio_bytes_sent; a
 * second writer meanwhile is refused; 0 bytes are done at once. */
static unsigned char stream_big[65536], stream_huge[1 << 22];
static aio_status stream_second_writer(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_set_transport(&ST.st, NULL, NULL), AIO_EBUSY); /* a write waits */
    CHECK_EQ(aio_stream_free(&ST.st), AIO_EBUSY); /* (and so is a free) */
    AIO_STREAM_WRITE(t, ST.rc2, &ST.st, "z", 1, AIO_SEC(1));
    AIO_END(t);
}
static aio_status stream_peer_drains(aio_task *t) {
    static char sink[65536];
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(10));
    for (;;) {
        AIO_RECV(t, ST.rc2, S.sv[1], sink, sizeof sink, AIO_NEVER);
        if (ST.rc2 <= 0) break;
    }
    AIO_END(t);
}
static aio_status stream_write_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "hello", 5, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_OK);
    CHECK_EQ(aio_bytes_sent(t), 5);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, NULL, 0, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_OK);
    CHECK_EQ(aio_spawn(&ST.reader, stream_second_writer), AIO_OK);
    /* until the system's buffers are full: up to 64 MiB, more than any
     * system's socket buffers hold, however it sizes them (wine's loopback
     * pairs, say, take several MiB) */
    for (ST.i = 0; ST.i < 1024; ST.i++) {
        AIO_STREAM_WRITE(t, ST.rc, &ST.st, stream_big, sizeof stream_big, AIO_MS(50));
        if (ST.rc != AIO_OK) break;
    }
    CHECK_EQ(ST.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 50);
    CHECK(aio_bytes_sent(t) < sizeof stream_big);
    AIO_AWAIT(t, ST.rc, &ST.reader);
    CHECK_EQ(ST.rc2, AIO_EBUSY); /* it came while the first one waited */
    /* the peer reads everything from 10 ms on: a write that waits goes on */
    CHECK_EQ(aio_spawn(&ST.reader, stream_peer_drains), AIO_OK);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, stream_huge, sizeof stream_huge, AIO_SEC(5));
    CHECK_EQ(ST.rc, AIO_OK);
    CHECK_EQ(aio_bytes_sent(t), sizeof stream_huge); /* (in many waits: the buffers hold less) */
    CHECK(T_MS() >= 60);
    aio_cancel(&ST.reader);
    AIO_AWAIT(t, ST.rc, &ST.reader);
    AIO_END(t);
}
static aio_status stream_write_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, NULL, 3, AIO_SEC(1));
    AIO_END(t);
}
static aio_status stream_write_unset_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st2, "x", 1, AIO_SEC(1));
    AIO_END(t);
}
static aio_status stream_write_bad_timeout_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "x", 1, AIO_TIME_INVALID);
    AIO_END(t);
}
/* A write is a checkpoint first: in a block whose deadline passed it sends
 * nothing and unwinds to the block's end. */
static aio_status stream_write_late_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, 0) {
        AIO_STREAM_WRITE(t, ST.rc, &ST.st, "late", 4, AIO_SEC(1));
        ST.rc2 = 1; /* (never reached) */
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(ST.rc2, 0);
    CHECK_EQ(aio_bytes_sent(t), 0);
    {
        char got[8];
        CHECK_EQ(recv_sock(S.sv[1], got, sizeof got), -1); /* nothing came */
    }
    AIO_END(t);
}
static aio_status set_transport_busy_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&ST.reader, stream_reader), AIO_OK);
    AIO_YIELD(t); /* the reader waits */
    CHECK_EQ(aio_stream_set_transport(&ST.st, &engine, &TR), AIO_EBUSY);
    CHECK_DEBUG("aio_stream_set_transport: a task is waiting in a read or a write");
    CHECK_EQ(send_sock(S.sv[1], "x\n", 2), 2);
    AIO_AWAIT(t, ST.rc, &ST.reader);
    CHECK_EQ(ST.rc2, 2);
    AIO_END(t);
}
/* A transport that breaks its contract (more bytes than asked, or none
 * taken) ends the read or the write with AIO_EIO and a message. */
static aio_status liar_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    (void)ctx; (void)fd; (void)buf;
    return (aio_status)len + 1;
}
static aio_status liar_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    (void)ctx; (void)fd; (void)buf; (void)len;
    return 0;
}
static aio_status liar_send_more(void *ctx, aio_socket fd, const void *buf, size_t len) {
    (void)ctx; (void)fd; (void)buf;
    return (aio_status)len + 1;
}
static aio_status liar_main(aio_task *t) {
    static const aio_transport liar = {liar_recv, liar_send};
    static const aio_transport liar_more = {liar_recv, liar_send_more};
    AIO_BEGIN(t);
    CHECK_EQ(aio_stream_set_transport(&ST.st, &liar, NULL), AIO_OK);
    AIO_READ_SOME(t, ST.rc, &ST.st, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EIO);
    CHECK_DEBUG("the transport's recv said it put more bytes than asked");
    CHECK_EQ(aio_stream_buffered(&ST.st), 0); /* nothing taken */
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "x", 1, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EIO);
    CHECK_DEBUG("the transport's send said it took no bytes");
    CHECK_EQ(aio_stream_set_transport(&ST.st, &liar_more, NULL), AIO_OK);
    test_last_debug[0] = 0;
    AIO_STREAM_WRITE(t, ST.rc, &ST.st, "x", 1, AIO_SEC(1));
    CHECK_EQ(ST.rc, AIO_EIO);
    CHECK_DEBUG("the transport's send said it took no bytes, or more than given");
    CHECK_EQ(aio_stream_set_transport(&ST.st, NULL, NULL), AIO_OK);
    AIO_END(t);
}

static aio_status stream_write_nothing_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_STREAM_WRITE(t, ST.rc, (aio_stream *)NULL, "x", 1, AIO_SEC(1));
    AIO_END(t);
}
static void test_io_stream_write(void) {
    static const aio_transport half = {engine_recv, NULL};
    static const aio_transport other_half = {NULL, engine_send};
    aio_loop loop;
    stream_setup(&loop, sizeof ST.buf, NULL);
    CHECK_EQ(test_run(&loop, &ST.main, stream_write_late_main), AIO_OK);
    CHECK_EQ(test_run(&loop, &ST.main, liar_main), AIO_OK);
    CHECK_EQ(test_run(&loop, &ST.main, stream_write_main), AIO_OK);
    test_last_debug[0] = 0; /* (the refusals' messages, each checked) */
    CHECK_EQ(test_run(&loop, &ST.main, stream_write_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_STREAM_WRITE: the buffer is NULL");
    memset(&ST.st2, 0, sizeof ST.st2);
    CHECK_EQ(test_run(&loop, &ST.main, stream_write_unset_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_STREAM_WRITE: the stream was not set up");
    CHECK_EQ(test_run(&loop, &ST.main, stream_write_bad_timeout_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_STREAM_WRITE: the timeout is NaN");
    CHECK_EQ(aio_stream_set_transport(&ST.st, &half, &TR), AIO_EINVAL);
    CHECK_DEBUG("or the transport lacks recv or send");
    CHECK_EQ(aio_stream_set_transport(&ST.st, &other_half, &TR), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &ST.main, stream_write_nothing_main), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_transport(NULL, &engine, &TR), AIO_EINVAL);
    CHECK_EQ(aio_stream_set_transport(&ST.st2, &engine, &TR), AIO_EINVAL);
    CHECK_EQ(test_run(&loop, &ST.main, set_transport_busy_main), AIO_OK);
    sock_teardown(&loop);
}

/* ------------------------------------------------------ Unix domain sockets */
#if POSIX_IO_TESTS
#include <sys/stat.h>
#include <sys/un.h>
static struct {
    aio_task main, other;
    char path[64], abstract[64];
    int l, c, a;
    aio_status rc, rc2;
    long long at;
    aio_stream st;
    unsigned char buf[32];
    int queued[8], nqueued;
} UX;

/* Connections made to UX.path until its listener's queue is full (they
 * wait there, never accepted): how many it took. */
static int unix_fill_queue(void) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, UX.path, strlen(UX.path));
    for (UX.nqueued = 0; UX.nqueued < 8; UX.nqueued++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        (void)fcntl(fd, F_SETFL, O_NONBLOCK);
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            CHECK_EQ(errno, EAGAIN);
            close(fd);
            break;
        }
        UX.queued[UX.nqueued] = fd;
    }
    CHECK(UX.nqueued < 8);
    return UX.nqueued;
}
static void unix_unfill_queue(void) {
    while (UX.nqueued) close(UX.queued[--UX.nqueued]);
}

/* A line each way through a stream over a Unix socket at a path (and at an
 * abstract name on Linux); the listener made again at the same path takes
 * the socket file its predecessor left. */
static aio_status unix_accepter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_ACCEPT(t, UX.a, UX.l, AIO_SEC(1));
    AIO_END(t);
}
static aio_status unix_lines_main(aio_task *t) {
    AIO_BEGIN(t);
    UX.l = aio_unix_listen(UX.path, 0);
    CHECK(UX.l >= 0);
    CHECK_EQ(aio_spawn(&UX.other, unix_accepter), AIO_OK);
    AIO_UNIX_CONNECT(t, UX.c, UX.path, AIO_SEC(1));
    CHECK(UX.c >= 0);
    AIO_AWAIT(t, UX.rc, &UX.other);
    CHECK(UX.a >= 0);
    CHECK_EQ(aio_stream_init(&UX.st, UX.a, UX.buf, sizeof UX.buf), AIO_OK);
    AIO_SEND_ALL(t, UX.rc, UX.c, "ping\n", 5, AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_OK);
    AIO_READ_LINE(t, UX.rc, &UX.st, AIO_SEC(1));
    CHECK_EQ(UX.rc, 5);
    CHECK(memcmp(aio_stream_data(&UX.st), "ping\n", 5) == 0);
    AIO_STREAM_WRITE(t, UX.rc, &UX.st, "pong\n", 5, AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_OK);
    {
        char got[8] = {0};
        CHECK_EQ(recv(UX.c, got, sizeof got, 0), 5);
        CHECK(memcmp(got, "pong\n", 5) == 0);
    }
    CHECK_EQ(aio_close(UX.a), AIO_OK);
    CHECK_EQ(aio_close(UX.c), AIO_OK);
    CHECK_EQ(aio_close(UX.l), AIO_OK); /* (its file stays) */
    UX.l = aio_unix_listen(UX.path, 4); /* the file left is a socket's: taken */
    CHECK(UX.l >= 0);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
#if !TEST_LINUX
    /* no abstract names (macOS, the BSDs, AIO_NO_LINUX): '@' refused as a
     * path too long is, rather than taken as a file's name */
    CHECK_EQ(aio_unix_listen(UX.abstract, 0), AIO_EINVAL);
    CHECK_DEBUG("aio_unix_listen: the path is NULL, empty or longer than a Unix socket's address takes");
    AIO_UNIX_CONNECT(t, UX.c, UX.abstract, AIO_SEC(1));
    CHECK_EQ(UX.c, AIO_EINVAL);
    CHECK_DEBUG("AIO_UNIX_CONNECT: the path is NULL, empty or longer than a Unix socket's address takes");
    CHECK(access(UX.abstract, F_OK) != 0); /* (no file of that name made) */
#else
    UX.l = aio_unix_listen(UX.abstract, 0);
    CHECK(UX.l >= 0);
    CHECK_EQ(aio_spawn(&UX.other, unix_accepter), AIO_OK);
    AIO_UNIX_CONNECT(t, UX.c, UX.abstract, AIO_SEC(1));
    CHECK(UX.c >= 0);
    AIO_AWAIT(t, UX.rc, &UX.other);
    CHECK(UX.a >= 0);
    CHECK_EQ(aio_close(UX.a), AIO_OK);
    CHECK_EQ(aio_close(UX.c), AIO_OK);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
#endif
    AIO_END(t);
}

/* Nothing at the path: AIO_ENOTFOUND; a socket file nobody listens on:
 * AIO_ECONNREFUSED; a file that is not a socket stays, and a listen there
 * fails (EADDRINUSE). A listener whose queue is full: the connect asks
 * again at 1, 3, 7, 15, 31, 63, 127, 191 ms...; one accepted at 150 ms lets
 * it in at 191 ms; with nobody accepting, its deadline ends it at exactly
 * 20 ms. In a block whose deadline passed it makes nothing. */
static aio_status unix_late_accepter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(150));
    AIO_ACCEPT(t, UX.a, UX.l, AIO_SEC(1));
    AIO_END(t);
}
static aio_status unix_errors_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_ENOTFOUND);
    UX.l = aio_unix_listen(UX.path, 0);
    CHECK(UX.l >= 0);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_ECONNREFUSED);
    CHECK_EQ(unlink(UX.path), 0);
    {
        FILE *f = fopen(UX.path, "w");
        CHECK(f != NULL);
        if (f) fclose(f);
    }
    errno = 0;
    CHECK_EQ(aio_unix_listen(UX.path, 0), AIO_EIO);
    CHECK_EQ(errno, EADDRINUSE);
    {
        struct stat st;
        CHECK_EQ(stat(UX.path, &st), 0);
        CHECK(S_ISREG(st.st_mode)); /* left as it was */
    }
    CHECK_EQ(unlink(UX.path), 0);
    /* a full queue: a backlog of 1 takes two connections (Linux) or one */
    UX.l = aio_unix_listen(UX.path, 1);
    CHECK(UX.l >= 0);
    CHECK(unix_fill_queue() >= 1);
    AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_MS(20));
    CHECK_EQ(UX.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 20);
    AIO_TIMEOUT(t, &S.to, 0) {
        AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_SEC(1));
        UX.rc = 1; /* (never reached) */
    }
    CHECK_EQ(aio_timeout_status(&S.to), AIO_ETIMEDOUT);
    CHECK_EQ(UX.rc, AIO_ETIMEDOUT);
    CHECK_EQ(aio_spawn(&UX.other, unix_late_accepter), AIO_OK);
    UX.at = T_MS();
    AIO_UNIX_CONNECT(t, UX.c, UX.path, AIO_NEVER);
    CHECK(UX.c >= 0);
    CHECK_EQ(T_MS() - UX.at, 191); /* (1, 3, 7, ... 127, then 64 ms apart) */
    AIO_AWAIT(t, UX.rc, &UX.other);
    CHECK(UX.a >= 0);
    CHECK_EQ(aio_close(UX.a), AIO_OK);
    CHECK_EQ(aio_close(UX.c), AIO_OK);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    CHECK_EQ(unlink(UX.path), 0);
    unix_unfill_queue();
    AIO_END(t);
}

/* A connect waiting for a full queue, cancelled: AIO_ECANCELED, and its
 * socket closed (the next descriptor made takes its number). */
static aio_status unix_waiter(aio_task *t) {
    AIO_BEGIN(t);
    AIO_UNIX_CONNECT(t, UX.rc2, UX.path, AIO_SEC(5));
    AIO_END(t);
}
static aio_status unix_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    UX.l = aio_unix_listen(UX.path, 1);
    CHECK(UX.l >= 0);
    CHECK(unix_fill_queue() >= 1);
    CHECK_EQ(aio_spawn(&UX.other, unix_waiter), AIO_OK);
    AIO_SLEEP(t, AIO_MS(10));
    UX.a = dup(0); /* the lowest number free now */
    close(UX.a);
    aio_cancel(&UX.other);
    AIO_AWAIT(t, UX.rc, &UX.other);
    CHECK_EQ(UX.rc, AIO_ECANCELED);
    CHECK_EQ(UX.rc2, 0); /* (never stored: the cancellation unwound it) */
    UX.c = dup(0);
    CHECK(UX.c <= UX.a); /* the connect's socket was given back */
    close(UX.c);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    CHECK_EQ(unlink(UX.path), 0);
    unix_unfill_queue();
    AIO_END(t);
}

static aio_status unix_bad_path_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_UNIX_CONNECT(t, UX.rc, "", AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_UNIX_CONNECT: the path is NULL, empty or longer");
    AIO_UNIX_CONNECT(t, UX.rc, (const char *)NULL, AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_EINVAL);
    AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_TIME_INVALID);
    AIO_END(t);
}

static void unix_test(aio_task_fn fn, aio_status expect) {
    aio_loop loop;
    test_loop(&loop);
    memset(&UX, 0, sizeof UX);
    (void)snprintf(UX.path, sizeof UX.path, "/tmp/aio-test-%d.sock", (int)getpid());
    (void)snprintf(UX.abstract, sizeof UX.abstract, "@aio-test-%d", (int)getpid());
    (void)unlink(UX.path);
    CHECK_EQ(test_run(&loop, &UX.main, fn), expect);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    (void)unlink(UX.path);
}
/* A connect that finds the listener's queue full waits to try again; on a
 * loop with no timer slot (and no way to grow) it cannot wait: AIO_ENOSPC
 * raised, as every await gives there, its socket closed. */
static int lowest_free_fd(void) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) (void)close(fd);
    return fd;
}
static aio_status unix_no_slot_main(aio_task *t) {
    AIO_BEGIN(t);
    UX.l = aio_unix_listen(UX.path, 1);
    CHECK(UX.l >= 0);
    (void)unix_fill_queue();
    UX.rc2 = lowest_free_fd();
    AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_NEVER);
    UX.rc2 = -1; /* (never reached) */
    AIO_END(t);
}
static void test_io_unix_no_timer_slot(void) {
    aio_loop loop;
    aio_loop_init(&loop, NULL, 0); /* (no slot, and no way to grow) */
    memset(&UX, 0, sizeof UX);
    (void)snprintf(UX.path, sizeof UX.path, "/tmp/aio-test-%d.sock", (int)getpid());
    (void)unlink(UX.path);
    CHECK_EQ(aio_run(&loop, &UX.main, unix_no_slot_main), AIO_ENOSPC);
    CHECK(UX.rc2 >= 0);
    CHECK_EQ(lowest_free_fd(), UX.rc2); /* (its socket closed) */
    unix_unfill_queue();
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    (void)unlink(UX.path);
}
/* A socket file a listener answers at is not taken over: a second listen
 * at its path is AIO_EIO (EADDRINUSE), the file stays, and the first
 * listener still accepts there; so too while its queue is full (a connect
 * would wait). Once it is closed, its file is stale (a connect to it is
 * refused) and the next listen takes it. */
static aio_status unix_live_main(aio_task *t) {
    AIO_BEGIN(t);
    UX.l = aio_unix_listen(UX.path, 1);
    CHECK(UX.l >= 0);
    errno = 0;
    CHECK_EQ(aio_unix_listen(UX.path, 0), AIO_EIO);
    CHECK_EQ(errno, EADDRINUSE);
    CHECK_DEBUG("aio_unix_listen: a listener answers at the path");
    CHECK_EQ(aio_spawn(&UX.other, unix_accepter), AIO_OK);
    AIO_UNIX_CONNECT(t, UX.c, UX.path, AIO_SEC(1)); /* (the first one's, still) */
    CHECK(UX.c >= 0);
    AIO_AWAIT(t, UX.rc, &UX.other);
    CHECK(UX.a >= 0);
    CHECK_EQ(aio_close(UX.a), AIO_OK);
    CHECK_EQ(aio_close(UX.c), AIO_OK);
    CHECK(unix_fill_queue() >= 1);
    errno = 0;
    CHECK_EQ(aio_unix_listen(UX.path, 0), AIO_EIO);
    CHECK_EQ(errno, EADDRINUSE);
    unix_unfill_queue();
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    UX.l = aio_unix_listen(UX.path, 0); /* (stale now: taken) */
    CHECK(UX.l >= 0);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    AIO_END(t);
}
static void test_io_unix_live_listener(void) { unix_test(unix_live_main, AIO_OK); }

/* The longest addresses: a file's path of sizeof sun_path - 1 bytes (its
 * NUL fills sun_path) and, on Linux, an abstract name of '@' and
 * sizeof sun_path - 1 bytes (no NUL after it: sun_path full) are taken by
 * the listen and the connect; one byte more is AIO_EINVAL for both, with a
 * message. Without abstract names, even the shortest is refused so. */
static char unix_longest[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
static char unix_too_long[sizeof unix_longest];
static aio_status unix_longest_main(aio_task *t) {
    AIO_BEGIN(t);
    UX.l = aio_unix_listen(unix_longest, 0);
    CHECK(UX.l >= 0);
    AIO_UNIX_CONNECT(t, UX.c, unix_longest, AIO_SEC(1));
    CHECK(UX.c >= 0);
    CHECK_EQ(aio_close(UX.c), AIO_OK);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    AIO_UNIX_CONNECT(t, UX.rc, unix_too_long, AIO_SEC(1));
    CHECK_EQ(UX.rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_UNIX_CONNECT: the path is NULL, empty or longer than a Unix socket's address takes");
    AIO_END(t);
}
static void test_io_unix_longest(void) {
    struct sockaddr_un sa;
    size_t room = sizeof sa.sun_path;
    int k;
    for (k = 0; k < 2; k++) { /* a file's path; an abstract name */
        if (k && !TEST_LINUX) {
            CHECK_EQ(aio_unix_listen("@a", 0), AIO_EINVAL);
            CHECK_DEBUG("aio_unix_listen: the path is NULL, empty or longer than a Unix socket's address takes");
            CHECK(access("@a", F_OK) != 0);
            break;
        }
        memset(unix_longest, 'a', sizeof unix_longest);
        { /* the process's number in the name: test runs side by side do not meet */
            char prefix[40];
            int n = snprintf(prefix, sizeof prefix, "%saio-%d-", k ? "@" : "/tmp/", (int)getpid());
            memcpy(unix_longest, prefix, (size_t)n);
        }
        unix_longest[k ? room : room - 1] = '\0';
        memcpy(unix_too_long, unix_longest, sizeof unix_too_long);
        unix_too_long[strlen(unix_longest)] = 'a';
        unix_too_long[strlen(unix_longest) + 1] = '\0';
        CHECK_EQ(aio_unix_listen(unix_too_long, 0), AIO_EINVAL);
        CHECK_DEBUG("aio_unix_listen: the path is NULL, empty or longer than a Unix socket's address takes");
        (void)unlink(unix_longest);
        unix_test(unix_longest_main, AIO_OK);
        if (!k) CHECK_EQ(unlink(unix_longest), 0); /* (it was a file) */
    }
}

static void test_io_unix_lines(void) { unix_test(unix_lines_main, AIO_OK); }
static void test_io_unix_errors(void) { unix_test(unix_errors_main, AIO_OK); }
static void test_io_unix_cancel(void) { unix_test(unix_cancel_main, AIO_OK); }
#ifdef TEST_COUNTED_ALLOC
/* Out of memory for its state, a connect gives AIO_EIO and leaves nothing. */
static aio_status unix_no_memory_main(aio_task *t) {
    AIO_BEGIN(t);
    UX.l = aio_unix_listen(UX.path, 0);
    CHECK(UX.l >= 0);
    test_alloc_fail_after(0);
    AIO_UNIX_CONNECT(t, UX.rc, UX.path, AIO_SEC(1));
    test_alloc_fail_after(-1);
    CHECK_EQ(UX.rc, AIO_EIO);
    AIO_UNIX_CONNECT(t, UX.c, UX.path, AIO_SEC(1)); /* (with memory: made) */
    CHECK(UX.c >= 0);
    CHECK_EQ(aio_close(UX.c), AIO_OK);
    CHECK_EQ(aio_close(UX.l), AIO_OK);
    AIO_END(t);
}
static void test_io_unix_no_memory(void) { unix_test(unix_no_memory_main, AIO_OK); }
#endif
static void test_io_unix_bad_input(void) {
    char longer[200];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    CHECK_EQ(aio_unix_listen(NULL, 0), AIO_EINVAL);
    CHECK_DEBUG("aio_unix_listen: the path is NULL, empty or longer");
    CHECK_EQ(aio_unix_listen("", 0), AIO_EINVAL);
    CHECK_EQ(aio_unix_listen(longer, 0), AIO_EINVAL);
    CHECK_EQ(aio_unix_listen("/tmp/x.sock", -1), AIO_EINVAL);
    unix_test(unix_bad_path_main, AIO_EINVAL);
    CHECK_DEBUG("AIO_UNIX_CONNECT: the timeout is NaN");
}
#endif /* POSIX_IO_TESTS */

/* Addresses: set from numeric text, formatted back, their port; refused
 * input leaves the address empty. */
static void test_io_addresses(void) {
    aio_address a;
    char text[64];
    CHECK_EQ(aio_address_set(&a, "127.0.0.1", 8080), AIO_OK);
    CHECK_EQ(aio_address_port(&a), 8080);
    CHECK_EQ(aio_address_format(&a, text, sizeof text), 14);
    CHECK(strcmp(text, "127.0.0.1:8080") == 0);
    CHECK_EQ(aio_address_set(&a, "::1", 53), AIO_OK);
    CHECK_EQ(aio_address_format(&a, text, sizeof text), 8);
    CHECK(strcmp(text, "[::1]:53") == 0);
    CHECK_EQ(aio_address_port(&a), 53);
    CHECK_EQ(aio_address_set(&a, "localhost", 0), AIO_OK);
    CHECK_EQ(aio_address_format(&a, text, sizeof text), 11);
    CHECK(strcmp(text, "127.0.0.1:0") == 0);
    CHECK_EQ(aio_address_set(&a, NULL, 65535), AIO_OK);
    CHECK_EQ(aio_address_format(&a, text, sizeof text), 13);
    CHECK(strcmp(text, "0.0.0.0:65535") == 0);
    /* too small a buffer: refused, and an empty string left */
    CHECK_EQ(aio_address_format(&a, text, 13), AIO_EINVAL);
    CHECK_DEBUG("aio_address_format: the buffer is too small");
    CHECK_EQ(text[0], '\0');
    CHECK_EQ(aio_address_format(&a, NULL, sizeof text), AIO_EINVAL); /* no buffer */
    CHECK_DEBUG("aio_address_format: not an address, or no buffer");
    text[0] = 'x';
    CHECK_EQ(aio_address_format(&a, text, 0), AIO_EINVAL); /* no room, not even for the end */
    CHECK_EQ(text[0], 'x');
    CHECK_EQ(aio_address_set(&a, "example.com", 80), AIO_EINVAL);
    CHECK_DEBUG("aio_address_set: the host is not a numeric");
    CHECK_EQ(a.len, 0);
    CHECK_EQ(aio_address_port(&a), AIO_EINVAL);
    CHECK_DEBUG("aio_address_port: not an address");
    CHECK_EQ(aio_address_format(&a, text, sizeof text), AIO_EINVAL);
    CHECK_EQ(aio_address_format(NULL, text, sizeof text), AIO_EINVAL);
    CHECK_EQ(aio_address_port(NULL), AIO_EINVAL);
    CHECK_EQ(aio_address_set(&a, "127.0.0.1", 65536), AIO_EINVAL);
    CHECK_EQ(aio_address_set(&a, "127.0.0.1", -1), AIO_EINVAL);
    CHECK_EQ(aio_address_set(NULL, "127.0.0.1", 1), AIO_EINVAL);
    CHECK_DEBUG("aio_address_set: the address is NULL");
    /* a length that says IPv6 over an IPv4 address is not an address */
    CHECK_EQ(aio_address_set(&a, "10.0.0.1", 1), AIO_OK);
    a.len = 28;
    CHECK_EQ(aio_address_port(&a), AIO_EINVAL);
    a.len = 3;
    CHECK_EQ(aio_address_port(&a), AIO_EINVAL);
}

/* --------------------------------------------------------------- datagrams */

/* Two UDP sockets on 127.0.0.1: U.a (a client's) and U.b (a server's), and
 * the address of each. */
static struct {
    aio_task main, peer, reader;
    aio_timeout to;
    int a, b, rfd, port_b;
    aio_address to_a, to_b, from, from2;
    char buf[64], pbuf[64];
    const char *msg;
    aio_time pre;
    aio_status rc, prc, rrc;
    long long at, pat;
} U;

static void udp_setup(aio_loop *loop) {
    test_loop(loop);
    memset(&U, 0, sizeof U);
    U.a = aio_udp_open("127.0.0.1", 0);
    U.b = aio_udp_open("localhost", 0);
    CHECK(U.a >= 0);
    CHECK(U.b >= 0);
    U.port_b = aio_socket_port(U.b);
    CHECK(U.port_b > 0);
    CHECK_EQ(aio_address_set(&U.to_a, "127.0.0.1", aio_socket_port(U.a)), AIO_OK);
    CHECK_EQ(aio_address_set(&U.to_b, "127.0.0.1", U.port_b), AIO_OK);
}

static void udp_teardown(aio_loop *loop) {
    CHECK_EQ(aio_close(U.a), AIO_OK);
    CHECK_EQ(aio_close(U.b), AIO_OK);
    CHECK_EQ(aio_loop_destroy(loop), AIO_OK);
}

/* A server on U.b: answers one datagram with "pong" to its sender. */
static aio_status udp_server(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.prc, U.b, U.pbuf, sizeof U.pbuf - 1, &U.from, AIO_SEC(5));
    U.pat = T_MS();
    if (U.prc >= 0) {
        U.pbuf[U.prc] = 0;
        AIO_SEND_TO(t, U.prc, U.b, "pong", 4, &U.from, AIO_SEC(1));
        settle(U.a);
    }
    AIO_END(t);
}

/* A request and its answer: each side learns the other's address from
 * what it receives, and each receive wakes in the turn after the send. */
static aio_status udp_round_trip_main(aio_task *t) {
    static char text[64];
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&U.peer, udp_server), AIO_OK);
    AIO_SLEEP(t, AIO_MS(100));
    AIO_SEND_TO(t, U.rc, U.a, "ping", 4, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.b);
    AIO_RECV_FROM(t, U.rc, U.a, U.buf, sizeof U.buf, &U.from2, AIO_SEC(1));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "pong", 4) == 0);
    CHECK_EQ(T_MS(), 100);
    CHECK_EQ(U.pat, 100);
    CHECK_STR(U.pbuf, "ping");
    CHECK_EQ(aio_address_port(&U.from), aio_socket_port(U.a)); /* the server saw the client */
    CHECK_EQ(aio_address_port(&U.from2), U.port_b);            /* and the client the server */
    (void)sprintf(text, "127.0.0.1:%d", U.port_b);
    CHECK_EQ(aio_address_format(&U.from2, U.buf, sizeof U.buf), (long)strlen(text));
    CHECK_STR(U.buf, text);
    AIO_AWAIT(t, U.rc, &U.peer);
    CHECK_EQ(U.rc, AIO_OK);
    CHECK_EQ(t->loop->io->waiting, 0);
    AIO_END(t);
}

static void test_io_udp_round_trip(void) {
    aio_loop loop;
    udp_setup(&loop);
    CHECK_EQ(test_run(&loop, &U.main, udp_round_trip_main), AIO_OK);
    udp_teardown(&loop);
}

/* A task of the loop that sends U.msg from U.a to U.b at U.pre. */
static aio_status udp_sender(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP_UNTIL(t, test_start + U.pre);
    AIO_SEND_TO(t, U.prc, U.a, U.msg, strlen(U.msg), &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.prc, AIO_OK);
    settle(U.b);
    AIO_END(t);
}
static void spawn_udp_sender(long long at_ms, const char *msg) {
    U.pre = AIO_MS(at_ms);
    U.msg = msg;
    CHECK_EQ(aio_spawn(&U.peer, udp_sender), AIO_OK);
}

/* A receive with nothing to receive ends at its deadline exactly, and the
 * loop then waits for nothing on the socket. A datagram that comes later,
 * while nobody waits, is received by the next receive at once; one that
 * comes while a receive waits wakes it then. */
static aio_status udp_deadline_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_MS(500));
    CHECK_EQ(U.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 500);
    CHECK_EQ(U.from.len, 0); /* not written */
    CHECK_EQ(t->loop->io->waiting, 0);
    CHECK(t->loop->io->slots[U.b].waiter[0] == NULL);
    CHECK_EQ(t->loop->io->slots[U.b].watched, 0);
    spawn_udp_sender(1250, "late");
    AIO_SLEEP_UNTIL(t, test_start + AIO_MS(1500));
    AIO_AWAIT(t, U.rc, &U.peer);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_SEC(5));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "late", 4) == 0);
    CHECK_EQ(T_MS(), 1500);
    CHECK_EQ(aio_address_port(&U.from), aio_socket_port(U.a));
    spawn_udp_sender(1750, "next");
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, AIO_SEC(5));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "next", 4) == 0);
    CHECK_EQ(T_MS(), 1750);
    AIO_AWAIT(t, U.rc, &U.peer);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, 0); /* nothing there, no time */
    CHECK_EQ(U.rc, AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 1750);
    AIO_END(t);
}

static void test_io_udp_receive_deadline(void) {
    aio_loop loop;
    udp_setup(&loop);
    CHECK_EQ(test_run(&loop, &U.main, udp_deadline_main), AIO_OK);
    udp_teardown(&loop);
}

/* A receiver on U.rfd with no deadline. */
static aio_status udp_reader(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.rrc, U.rfd, U.pbuf, sizeof U.pbuf, &U.from, AIO_NEVER);
    U.at = T_MS();
    AIO_END(t);
}
static void spawn_udp_reader(int fd) {
    U.rfd = fd;
    CHECK_EQ(aio_spawn(&U.reader, udp_reader), AIO_OK);
}

/* A receive cut short by a timeout block leaves nothing behind. One
 * cancelled in the instant its datagram arrived has consumed nothing; nor
 * has one cancelled after the loop saw its datagram, nor one whose block was
 * due when it began: every datagram is still there. A socket forgotten
 * while a receive waits on it wakes the receive with AIO_ECLOSED. */
static aio_status udp_cancel_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &U.to, AIO_MS(300)) {
        AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, AIO_NEVER);
    }
    CHECK_EQ(aio_timeout_status(&U.to), AIO_ETIMEDOUT);
    CHECK_EQ(T_MS(), 300);
    CHECK_EQ(t->loop->io->waiting, 0);
    spawn_udp_reader(U.b);
    AIO_SLEEP(t, AIO_MS(100));
    AIO_SEND_TO(t, U.rc, U.a, "keep", 4, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.b);
    CHECK_EQ(aio_cancel(&U.reader), 1);
    AIO_AWAIT(t, U.rc, &U.reader);
    CHECK_EQ(U.rc, AIO_ECANCELED);
    CHECK_EQ(U.rrc, 0); /* never assigned */
    CHECK_EQ(U.from.len, 0);
    spawn_udp_reader(U.a); /* the datagram arrived, and the loop saw it, before the cancellation came */
    AIO_SLEEP(t, AIO_MS(100));
    AIO_SEND_TO(t, U.rc, U.b, "more", 4, &U.to_a, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.a);
    AIO_SLEEP(t, 0); /* the turn's look at the descriptors wakes the receiver */
    CHECK_EQ(aio_cancel(&U.reader), 1);
    AIO_AWAIT(t, U.rc, &U.reader);
    CHECK_EQ(U.rc, AIO_ECANCELED);
    CHECK_EQ(U.rrc, 0);
    AIO_TIMEOUT(t, &U.to, 0) { /* due at its start: the receive's checkpoint unwinds */
        AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, AIO_NEVER);
        U.rc = 99; /* not reached */
    }
    CHECK_EQ(aio_timeout_status(&U.to), AIO_ETIMEDOUT);
    CHECK(U.rc != 99);
    CHECK_EQ(t->loop->io->waiting, 0);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "keep", 4) == 0);
    AIO_RECV_FROM(t, U.rc, U.a, U.buf, sizeof U.buf, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "more", 4) == 0);
    CHECK_EQ(T_MS(), 500);
    spawn_udp_reader(U.b); /* nothing left: it waits */
    AIO_SLEEP(t, AIO_MS(10));
    aio_io_forget(U.b);
    AIO_AWAIT(t, U.rc, &U.reader);
    CHECK_EQ(U.rrc, AIO_ECLOSED);
    CHECK_EQ(U.at, 510);
    AIO_END(t);
}

/* A task that cancels itself, then receives: the receive's checkpoint
 * unwinds before it takes anything. */
static aio_status udp_cancelled_first_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_cancel(t), 1);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, AIO_SEC(1));
    U.rc = 99; /* not reached */
    AIO_END(t);
}
static aio_status udp_take_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, AIO_SEC(1));
    AIO_END(t);
}

static void test_io_udp_cancel_consumes_nothing(void) {
    aio_loop loop;
    udp_setup(&loop);
    CHECK_EQ(test_run(&loop, &U.main, udp_cancel_main), AIO_OK);
    CHECK_EQ(send_dgram(U.a, "left", &U.to_b), 4);
    settle(U.b);
    U.rc = 0;
    CHECK_EQ(test_run(&loop, &U.main, udp_cancelled_first_main), AIO_ECANCELED);
    CHECK_EQ(U.rc, 0);
    CHECK_EQ(test_run(&loop, &U.main, udp_take_main), AIO_OK);
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "left", 4) == 0);
    udp_teardown(&loop);
}

/* A datagram longer than the buffer is cut to it (the rest is lost: the
 * next receive gets the next datagram); an empty datagram is received as
 * 0 bytes with its sender, and is no end: the socket goes on. One too large
 * for UDP is refused whole. */
static aio_status udp_sizes_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_TO(t, U.rc, U.a, "0123456789", 10, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.b);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, 4, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "0123", 4) == 0);
    CHECK_EQ(aio_address_port(&U.from), aio_socket_port(U.a));
    AIO_SEND_TO(t, U.rc, U.a, "x", 1, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.b);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, 4, NULL, AIO_SEC(1));
    CHECK_EQ(U.rc, 1);
    CHECK_EQ(U.buf[0], 'x');
    AIO_SEND_TO(t, U.rc, U.a, NULL, 0, &U.to_b, AIO_SEC(1)); /* empty */
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.b);
    memset(&U.from, 0, sizeof U.from);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, 0);
    CHECK_EQ(aio_address_port(&U.from), aio_socket_port(U.a));
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_MS(200)); /* nothing more */
    CHECK_EQ(U.rc, AIO_ETIMEDOUT);
    spawn_udp_sender(300, "after");
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, 5);
    CHECK_EQ(T_MS(), 300);
    AIO_AWAIT(t, U.rc, &U.peer);
    AIO_SEND_TO(t, U.rc, U.a, S.big_in, sizeof S.big_in, &U.to_b, AIO_SEC(1)); /* 64 KiB */
    CHECK_EQ(U.rc, AIO_EIO);
#ifdef _WIN32
    CHECK_EQ(WSAGetLastError(), WSAEMSGSIZE);
#else
    CHECK_EQ(errno, EMSGSIZE);
#endif
    CHECK_EQ(T_MS(), 300);
    AIO_END(t);
}

static void test_io_udp_truncation_and_empty(void) {
    aio_loop loop;
    udp_setup(&loop);
    CHECK_EQ(test_run(&loop, &U.main, udp_sizes_main), AIO_OK);
    udp_teardown(&loop);
}

/* IPv6 loopback, where the system has it (else nothing to test). */
static aio_status udp_v6_main(aio_task *t) {
    static char text[64];
    AIO_BEGIN(t);
    AIO_SEND_TO(t, U.rc, U.a, "six", 3, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.b);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, 3);
    CHECK(memcmp(U.buf, "six", 3) == 0);
    (void)sprintf(text, "[::1]:%d", aio_socket_port(U.a));
    CHECK_EQ(aio_address_format(&U.from, U.buf, sizeof U.buf), (long)strlen(text));
    CHECK_STR(U.buf, text);
    AIO_SEND_TO(t, U.rc, U.b, "back", 4, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_OK);
    settle(U.a);
    AIO_RECV_FROM(t, U.rc, U.a, U.buf, sizeof U.buf, &U.from2, AIO_SEC(1));
    CHECK_EQ(U.rc, 4);
    CHECK_EQ(aio_address_port(&U.from2), U.port_b);
    CHECK_EQ(T_MS(), 0);
    AIO_END(t);
}

static void test_io_udp_ipv6(void) {
    aio_loop loop;
    test_loop(&loop);
    memset(&U, 0, sizeof U);
    U.a = aio_udp_open("::1", 0);
    if (U.a < 0) { /* no IPv6 loopback here */
        CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
        return;
    }
    U.b = aio_udp_open("::1", 0);
    CHECK(U.b >= 0);
    U.port_b = aio_socket_port(U.b);
    CHECK_EQ(aio_address_set(&U.to_b, "::1", U.port_b), AIO_OK);
    CHECK_EQ(test_run(&loop, &U.main, udp_v6_main), AIO_OK);
    udp_teardown(&loop);
}

/* A datagram to a port nobody listens on: the system learns it from an ICMP
 * message and says so to the next receive (or send) on a socket connected
 * there (on Windows on any UDP socket): AIO_ECONNREFUSED, and the socket
 * stays usable. On the real clock (the message comes in its own time; it
 * wakes the receive), with wide margins. */
#ifdef _WIN32
#define REFUSED_WAIT AIO_SEC(1)
#else
#define REFUSED_WAIT AIO_SEC(10)
#endif
static aio_status udp_refused_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_TO(t, U.rc, U.a, "anyone?", 7, &U.to_b, AIO_SEC(5));
    CHECK_EQ(U.rc, AIO_OK);
    U.at = (long long)aio_now();
    AIO_RECV_FROM(t, U.rc, U.a, U.buf, sizeof U.buf, &U.from, REFUSED_WAIT);
#ifdef _WIN32 /* (Windows says so, as WSAECONNRESET; wine, which runs these tests here, does not) */
    CHECK(U.rc == AIO_ECONNREFUSED || U.rc == AIO_ETIMEDOUT);
#else
    CHECK_EQ(U.rc, AIO_ECONNREFUSED);
    CHECK(ELAPSED_MS((aio_time)U.at) < 5000);
#endif
    U.b = aio_udp_open("127.0.0.1", U.port_b); /* someone listens there now */
    CHECK(U.b >= 0);
    AIO_SEND_TO(t, U.rc, U.a, "again", 5, &U.to_b, AIO_SEC(5));
    CHECK_EQ(U.rc, AIO_OK);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, &U.from, AIO_SEC(10));
    CHECK_EQ(U.rc, 5);
    CHECK(memcmp(U.buf, "again", 5) == 0);
    AIO_SEND_TO(t, U.rc, U.b, "back", 4, &U.from, AIO_SEC(5));
    CHECK_EQ(U.rc, AIO_OK);
    AIO_RECV_FROM(t, U.rc, U.a, U.buf, sizeof U.buf, &U.from, AIO_SEC(10));
    CHECK_EQ(U.rc, 4);
    CHECK(memcmp(U.buf, "back", 4) == 0);
    AIO_END(t);
}

static void test_io_udp_refused(void) {
    aio_loop loop;
    real_loop(&loop);
    memset(&U, 0, sizeof U);
    U.a = aio_udp_open("127.0.0.1", 0);
    U.b = aio_udp_open("127.0.0.1", 0); /* a port that was free a moment ago */
    CHECK(U.a >= 0);
    CHECK(U.b >= 0);
    U.port_b = aio_socket_port(U.b);
    CHECK_EQ(aio_close(U.b), AIO_OK);
    CHECK_EQ(aio_address_set(&U.to_b, "127.0.0.1", U.port_b), AIO_OK);
    CHECK_EQ(connect_sock(U.a, &U.to_b), 0);
    CHECK_EQ(test_run(&loop, &U.main, udp_refused_main), AIO_OK);
    udp_teardown(&loop);
}

/* Bad input: a status, and in debug builds a message that names it. Those
 * of the buffer and the timeout are raised, as AIO_RECV's are; the
 * descriptor's and the address's are given in lv. */
static aio_status udp_recv_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.rc, U.b, NULL, 4, NULL, AIO_SEC(1));
    AIO_END(t);
}
static aio_status udp_send_null_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_TO(t, U.rc, U.a, NULL, 4, &U.to_b, AIO_SEC(1));
    AIO_END(t);
}
static aio_status udp_recv_zero_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, 0, NULL, AIO_SEC(1));
    AIO_END(t);
}
static aio_status udp_recv_nan_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, aio_seconds(NAN));
    AIO_END(t);
}
static aio_status udp_send_negative_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_TO(t, U.rc, U.a, "x", 1, &U.to_b, AIO_MS(-5));
    AIO_END(t);
}
static aio_status udp_bad_input_main(aio_task *t) {
    static aio_address empty, v6;
    AIO_BEGIN(t);
    AIO_SEND_TO(t, U.rc, U.a, "x", 1, NULL, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_SEND_TO: the address is NULL or holds no IPv4 or IPv6 address");
    memset(&empty, 0, sizeof empty);
    AIO_SEND_TO(t, U.rc, U.a, "x", 1, &empty, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EINVAL);
    v6 = U.to_b;
    v6.len = 3;
    AIO_SEND_TO(t, U.rc, U.a, "x", 1, &v6, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EINVAL);
    CHECK_EQ(aio_address_set(&v6, "::1", U.port_b), AIO_OK);
    test_last_debug[0] = 0;
    AIO_SEND_TO(t, U.rc, U.a, "x", 1, &v6, AIO_SEC(1)); /* to an IPv4 socket */
    CHECK_EQ(U.rc, AIO_EINVAL);
    CHECK_DEBUG("AIO_SEND_TO: the address is IPv6 and the socket IPv4");
    AIO_RECV_FROM(t, U.rc, -1, U.buf, sizeof U.buf, NULL, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EBADF);
    CHECK_DEBUG("AIO_RECV_FROM: descriptor -1 is negative");
    AIO_SEND_TO(t, U.rc, -1, "x", 1, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EBADF);
    CHECK_DEBUG("AIO_SEND_TO: descriptor -1 is negative");
    U.at = new_socket(); /* a socket number closed since */
    CHECK_EQ(close_sock((int)U.at), 0);
    AIO_RECV_FROM(t, U.rc, (int)U.at, U.buf, sizeof U.buf, NULL, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EBADF);
    AIO_SEND_TO(t, U.rc, (int)U.at, "x", 1, &U.to_b, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EBADF);
    /* a stream socket: what it receives has no sender */
    CHECK_EQ(send_sock(S.sv[1], "tcp", 3), 3);
    AIO_RECV_FROM(t, U.rc, S.sv[0], U.buf, sizeof U.buf, &U.from, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EBADF);
    CHECK_DEBUG("is not a UDP socket");
    /* a second receiver of one socket */
    spawn_udp_reader(U.b);
    AIO_YIELD(t);
    test_last_debug[0] = 0;
    AIO_RECV_FROM(t, U.rc, U.b, U.buf, sizeof U.buf, NULL, AIO_SEC(1));
    CHECK_EQ(U.rc, AIO_EBUSY);
    CHECK_DEBUG("already has a task waiting until it is readable");
    CHECK_EQ(aio_cancel(&U.reader), 1);
    AIO_AWAIT(t, U.rc, &U.reader);
    CHECK_EQ(U.rc, AIO_ECANCELED);
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(t->loop->io->waiting, 0);
    AIO_END(t);
}

#if POSIX_IO_TESTS && defined(__linux__)
/* A datagram's send on a connected TCP socket (Linux ignores the address
 * there) that takes part of it, its send buffer small and no one reading:
 * AIO_EBADF, the socket named as no UDP socket, not a send. */
#define TCP_DGRAM_LEN (1u << 20)
static struct {
    aio_task main;
    int fd;
    aio_address to;
    char *big;
    aio_status rc;
} TD;
static aio_status tcp_dgram_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SEND_TO(t, TD.rc, TD.fd, TD.big, TCP_DGRAM_LEN, &TD.to, AIO_SEC(1));
    AIO_END(t);
}
static void test_io_udp_send_on_tcp(void) {
    aio_loop loop;
    struct sockaddr_in sa;
    int small = 4096;
    int l = aio_tcp_listen("127.0.0.1", 0, 1);
    int peer;
    CHECK(l >= 0);
    TD.fd = (int)socket(AF_INET, SOCK_STREAM, 0);
    CHECK(TD.fd >= 0);
    CHECK_EQ(setsockopt(TD.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)aio_socket_port(l));
    sa.sin_addr.s_addr = htonl(0x7f000001u);
    CHECK_EQ(connect(TD.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    CHECK_EQ(fcntl(l, F_SETFL, fcntl(l, F_GETFL) & ~O_NONBLOCK), 0); /* (the accept waits for it) */
    peer = (int)accept(l, NULL, NULL);
    CHECK(peer >= 0);
    CHECK_EQ(aio_address_set(&TD.to, "127.0.0.1", 9), AIO_OK);
    TD.big = (char *)calloc(1, TCP_DGRAM_LEN);
    test_loop(&loop);
    test_last_debug[0] = 0;
    CHECK_EQ(test_run(&loop, &TD.main, tcp_dgram_main), AIO_OK);
    CHECK_EQ(TD.rc, AIO_EBADF);
    CHECK_DEBUG("is not a UDP socket (it took part of the datagram)");
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
    free(TD.big);
    CHECK_EQ(close(TD.fd), 0);
    CHECK_EQ(close(peer), 0);
    CHECK_EQ(aio_close(l), AIO_OK);
}
#endif

static void test_io_udp_bad_input(void) {
    aio_loop loop;
    int fd;
    udp_setup(&loop);
    memset(&S, 0, sizeof S);
    sockpair(S.sv);
    CHECK_EQ(test_run(&loop, &U.main, udp_recv_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_RECV_FROM: the buffer is NULL");
    CHECK_EQ(test_run(&loop, &U.main, udp_send_null_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_SEND_TO: the buffer is NULL");
    CHECK_EQ(test_run(&loop, &U.main, udp_recv_zero_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_RECV_FROM: len is 0");
    CHECK_EQ(test_run(&loop, &U.main, udp_recv_nan_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_RECV_FROM: the timeout is NaN, negative or beyond half the clock range");
    CHECK_EQ(test_run(&loop, &U.main, udp_send_negative_main), AIO_EINVAL);
    CHECK_DEBUG("AIO_SEND_TO: the timeout is NaN, negative or beyond half the clock range");
    CHECK_EQ(test_run(&loop, &U.main, udp_bad_input_main), AIO_OK);
    CHECK_EQ(aio_udp_open("example.org", 0), AIO_EINVAL);
    CHECK_DEBUG("aio_udp_open: the host is not a numeric IPv4 or IPv6 address");
    CHECK_EQ(aio_udp_open("127.0.0.1", 65536), AIO_EINVAL);
    CHECK_EQ(aio_udp_open("127.0.0.1", -1), AIO_EINVAL);
    CHECK_EQ(aio_udp_open("127.0.0.1", U.port_b), AIO_EIO); /* in use */
#ifdef _WIN32 /* (in use by a socket with SO_EXCLUSIVEADDRUSE: either, as Windows versions differ) */
    CHECK(WSAGetLastError() == WSAEADDRINUSE || WSAGetLastError() == WSAEACCES);
#else
    CHECK_EQ(errno, EADDRINUSE);
#endif
    fd = aio_udp_open(NULL, 0); /* every IPv4 address */
    CHECK(fd >= 0);
    CHECK(aio_socket_port(fd) > 0);
    CHECK_EQ(aio_close(fd), AIO_OK);
    fd = aio_udp_open("", 0);
    CHECK(fd >= 0);
    CHECK_EQ(aio_close(fd), AIO_OK);
    CHECK_EQ(aio_close(S.sv[0]), AIO_OK);
    CHECK_EQ(aio_close(S.sv[1]), AIO_OK);
    udp_teardown(&loop);
}

/* ------------------------------------------- the fast paths' other ways */

/* A receive or a send whose timeout is beyond half the clock range (a
 * finite one) is refused as any other await's, before it touches the
 * socket: the bytes waiting stay there, none is sent. */
static aio_status beyond_half_main(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(send_sock(S.sv[1], "kept", 4), 4);
    settle(S.sv[0]);
    spawn_reader(0, 1, S.sv[0], (aio_time)(AIO_NEVER / 2));
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.rc, AIO_EINVAL); /* (raised: the await's value is not stored) */
    CHECK_DEBUG("I/O wait: the timeout is NaN, negative or beyond half the clock range");
    CHECK_EQ(S.r[0].at, 0);
    S.r[1].msg = "never";
    spawn_reader(1, 2, S.sv[0], (aio_time)(AIO_NEVER - 1));
    AIO_AWAIT(t, S.rc, &S.r[1].task);
    CHECK_EQ(S.rc, AIO_EINVAL);
    CHECK_EQ(S.r[1].at, 0);
    /* the same receive with a timeout within the range takes the bytes */
    spawn_reader(2, 1, S.sv[0], (aio_time)(AIO_NEVER / 2 - 1));
    AIO_AWAIT(t, S.rc, &S.r[2].task);
    CHECK_EQ(S.r[2].rc, 4);
    CHECK_STR(S.r[2].buf, "kept");
    AIO_END(t);
}

static void test_io_timeout_beyond_half_refused(void) {
    aio_loop loop;
    char buf[16];
    sock_setup(&loop);
    CHECK_EQ(test_run(&loop, &S.main, beyond_half_main), AIO_OK);
    CHECK_EQ(drain_fd(S.sv[1], buf, sizeof buf), 0); /* (nothing was sent) */
    sock_teardown(&loop);
}

/* A receive inside a timeout block, woken by the bytes it waited for: the
 * block's task resumes by the general path, which receives them then (at
 * the writer's time, well before the block's deadline). */
static aio_status block_receiver(aio_task *t) {
    sock_t *r = AIO_CONTAINER(t, sock_t, task);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &S.to, AIO_SEC(5)) {
        AIO_RECV(t, r->rc, r->fd, r->buf, sizeof r->buf - 1, AIO_SEC(3));
        r->at = T_MS();
    }
    r->rc2 = aio_timeout_status(&S.to);
    AIO_END(t);
}

static aio_status block_receive_main(aio_task *t) {
    AIO_BEGIN(t);
    S.r[0].fd = S.sv[0];
    S.r[0].at = -1;
    CHECK_EQ(aio_spawn(&S.r[0].task, block_receiver), AIO_OK);
    spawn_writer(S.sv[1], AIO_SEC(1), "hello");
    AIO_AWAIT(t, S.rc, &S.r[0].task);
    CHECK_EQ(S.r[0].rc, 5);
    S.r[0].buf[5] = '\0';
    CHECK_STR(S.r[0].buf, "hello");
    CHECK_EQ(S.r[0].at, 1000);
    CHECK_EQ(S.r[0].rc2, AIO_OK);
    CHECK_EQ(t->loop->io->waiting, 0);
    AIO_END(t);
}

static void test_io_receive_in_block_woken(void) { sock_test(block_receive_main); }


#if POSIX_IO_TESTS
/* A close counted apart by one loop (no port: kept for its number) is that
 * loop's alone: a stream of another loop over the same number, made while
 * that loop's port could not hold it (no count of its own), reads on once
 * the port grows over the number (its new slot counts no close); a stream
 * of the first loop over the number still refuses. */
static struct {
    aio_task main;
    aio_stream a, b;
    unsigned char abuf[16], bbuf[16];
    aio_status rc;
} XL;
static aio_status other_loop_stream_main(aio_task *t) {
    AIO_BEGIN(t);
    grow_refused = 1;
    CHECK_EQ(aio_stream_init(&XL.b, S.sv[0], XL.bbuf, sizeof XL.bbuf), AIO_OK);
    CHECK_EQ(grow_port.nslots, 0);
    grow_refused = 0;
    AIO_READ_SOME(t, XL.rc, &XL.b, AIO_SEC(1)); /* (the port grown over the number) */
    CHECK_EQ(XL.rc, 2);
    CHECK(XL.rc == 2 && memcmp(aio_stream_data(&XL.b), "hi", 2) == 0);
    CHECK_EQ(grow_port.nslots, (uint32_t)S.sv[0] + 1);
    CHECK_EQ(grow_slots[S.sv[0]].closed, 0);
    AIO_END(t);
}
static aio_status first_loop_stream_main(aio_task *t) {
    AIO_BEGIN(t);
    AIO_READ_SOME(t, XL.rc, &XL.a, AIO_SEC(1));
    CHECK_EQ(XL.rc, AIO_ECLOSED);
    AIO_END(t);
}
static void test_io_stream_closes_kept_for_one_loop(void) {
    aio_loop a, b;
    memset(&S, 0, sizeof S);
    memset(&XL, 0, sizeof XL);
    sockpair(S.sv);
    CHECK(S.sv[0] >= 0 && S.sv[0] < 64);
    test_loop(&a);
    CHECK_EQ(aio_stream_init(&XL.a, S.sv[0], XL.abuf, sizeof XL.abuf), AIO_OK);
    aio_io_forget(S.sv[0]); /* (loop a has no port: counted apart, for a) */
    test_loop(&b);
    memset(grow_slots, 0, sizeof grow_slots);
    memset(&grow_port, 0, sizeof grow_port);
    grow_port.watch = big_watch;
    grow_port.wait = big_wait;
    grow_port.grow = grow_port_grow;
    grow_port.slots = grow_slots;
    CHECK_EQ(aio_loop_set_io(&b, &grow_port), AIO_OK);
    CHECK_EQ(send_sock(S.sv[1], "hi", 2), 2);
    settle(S.sv[0]);
    CHECK_EQ(test_run(&b, &XL.main, other_loop_stream_main), AIO_OK);
    CHECK_EQ(aio_loop_set_io(&b, NULL), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&b), AIO_OK);
    CHECK_EQ(test_run(&a, &XL.main, first_loop_stream_main), AIO_OK);
    CHECK_EQ(aio_loop_destroy(&a), AIO_OK);
    CHECK_EQ(close_sock(S.sv[0]), 0);
    CHECK_EQ(close_sock(S.sv[1]), 0);
}
#endif

#if POSIX_IO_TESTS
/* An accept on a number no descriptor has (closed just before): refused at
 * once, AIO_EBADF, the number named as not open; no wait, no time passes. */
static aio_status accept_closed_main(aio_task *t) {
    AIO_BEGIN(t);
    S.fd = new_socket();
    CHECK(S.fd >= 0);
    CHECK_EQ(close_sock(S.fd), 0);
    AIO_ACCEPT(t, S.rc, S.fd, AIO_SEC(1));
    CHECK_EQ(S.rc, AIO_EBADF);
    CHECK_DEBUG("is not open");
    CHECK_EQ(T_MS(), 0);
    CHECK_EQ(t->loop->io ? t->loop->io->waiting : 0, 0);
    AIO_END(t);
}
static void test_io_accept_on_a_closed_number(void) { sock_test(accept_closed_main); }
#endif

#endif /* SOCKET_TESTS */

/* (The boards that split a file among images count its TEST_ENTRY lines:
 * tests/embedded/test_parts.sh. They have no sockets.) */
#define SOCKET_ENTRY(name) TEST_ENTRY (name)
static const test_case cases[] = {
    TEST_ENTRY(test_io_port_readiness_and_deadline),
    TEST_ENTRY(test_io_port_refusals),
    TEST_ENTRY(test_io_port_cancel_and_forget),
    TEST_ENTRY(test_io_port_timeout_block),
    TEST_ENTRY(test_io_port_super_loop),
    TEST_ENTRY(test_io_port_ready_while_sleeping),
    TEST_ENTRY(test_io_port_deadlock_reported),
    TEST_ENTRY(test_io_port_timer_storage_full),
    TEST_ENTRY(test_io_port_set_and_report),
    TEST_ENTRY(test_io_port_detached_on_real_clock),
#if SOCKET_TESTS
    SOCKET_ENTRY(test_io_readable_then_recv),
    SOCKET_ENTRY(test_io_step_after_run_looks),
    SOCKET_ENTRY(test_io_recv_deadline),
    SOCKET_ENTRY(test_io_recv_cancel_leaves_data),
    SOCKET_ENTRY(test_io_peer_close),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_sigpipe_left_to_the_program),
#endif
    SOCKET_ENTRY(test_io_half_close),
    SOCKET_ENTRY(test_io_two_readers_refused),
    SOCKET_ENTRY(test_io_send_all_waits_for_room),
    SOCKET_ENTRY(test_io_virtual_clock_waits_for_room),
    SOCKET_ENTRY(test_io_virtual_clock_looks_only_where_owed),
    SOCKET_ENTRY(test_io_stream_write_many_tasks),
    SOCKET_ENTRY(test_io_stream_drain),
    SOCKET_ENTRY(test_io_stream_write_bound_and_abort),
    SOCKET_ENTRY(test_io_stream_close_cut_short),
    SOCKET_ENTRY(test_io_stream_close_at_run_end),
    SOCKET_ENTRY(test_io_stream_sender_stopped_at_run_end),
    SOCKET_ENTRY(test_io_stream_run_end_stops_only_senders_with_bytes),
    SOCKET_ENTRY(test_io_stream_sender_failed_then_loop_end),
    SOCKET_ENTRY(test_io_stream_writelines),
    SOCKET_ENTRY(test_io_stream_write_after_loop_end),
    SOCKET_ENTRY(test_io_stream_write_errors),
    SOCKET_ENTRY(test_io_stream_writes_of_a_turn_go_together),
    SOCKET_ENTRY(test_io_stream_write_behind_the_buffer),
    SOCKET_ENTRY(test_io_stream_write_then_return),
    SOCKET_ENTRY(test_io_stream_spare_blocks),
    SOCKET_ENTRY(test_io_stream_sender_before_its_first_step),
    SOCKET_ENTRY(test_io_stream_write_outside_a_run),
    SOCKET_ENTRY(test_io_stream_write_then_port_detached),
    SOCKET_ENTRY(test_io_stream_let_go_while_sending),
    SOCKET_ENTRY(test_io_stream_sender_after_close),
    SOCKET_ENTRY(test_io_stream_write_beside_a_send),
    SOCKET_ENTRY(test_io_stream_write_refusals),
#ifdef TEST_COUNTED_ALLOC
    SOCKET_ENTRY(test_io_stream_write_out_of_memory),
#endif
    SOCKET_ENTRY(test_io_thousand_descriptors),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_tcp_connect_no_host),
#endif
#if defined(TEST_COUNTED_ALLOC) && POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_watch_table_no_memory),
#endif
    SOCKET_ENTRY(test_io_tcp_listen_accept_connect),
    SOCKET_ENTRY(test_io_connect_refused_accept_deadline),
    SOCKET_ENTRY(test_io_close_while_waiting),
    SOCKET_ENTRY(test_io_close_after_wake),
    SOCKET_ENTRY(test_io_cancel_after_wake),
    SOCKET_ENTRY(test_io_set_io_while_busy),
    SOCKET_ENTRY(test_io_bad_arguments_are_checkpoints),
    SOCKET_ENTRY(test_io_bytes_sent),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_first_wait_out_of_descriptors),
    SOCKET_ENTRY(test_io_first_wait_room_for_wakeup),
    SOCKET_ENTRY(test_io_sockets_out_of_descriptors),
    SOCKET_ENTRY(test_io_accept_out_of_descriptors),
    SOCKET_ENTRY(test_io_two_accepts_paused),
#endif
    SOCKET_ENTRY(test_io_connect_timeout_and_cancel),
    SOCKET_ENTRY(test_io_connect_listen_errors),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_descriptor_reused),
#endif
    SOCKET_ENTRY(test_io_wait_after_receive_trusts_watch),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_descriptor_reused_after_receive),
#endif
    SOCKET_ENTRY(test_io_receive_without_waiting),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_signal_wakes_idle_loop),
    SOCKET_ENTRY(test_io_signal_refusals),
#endif
    SOCKET_ENTRY(test_io_wait_timeouts_on_own_clock),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_bad_input),
    SOCKET_ENTRY(test_io_signal_sets_event),
    SOCKET_ENTRY(test_io_signal_cancels_task),
    SOCKET_ENTRY(test_io_signal_one_loop),
#endif
    SOCKET_ENTRY(test_io_deadlock_still_reported),
    SOCKET_ENTRY(test_io_real_clock),
    SOCKET_ENTRY(test_io_blocking_descriptors),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_pipe_mode_left_alone),
#endif
#ifdef _WIN32
    SOCKET_ENTRY(test_io_windows_bad_input),
#endif
    SOCKET_ENTRY(test_io_stream_lines),
    SOCKET_ENTRY(test_io_stream_timeout_keeps_bytes),
    SOCKET_ENTRY(test_io_stream_socket_closed),
    SOCKET_ENTRY(test_io_stream_closed_unwaited),
    SOCKET_ENTRY(test_io_stream_closed_ports),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_stream_closed_small_port),
    SOCKET_ENTRY(test_io_stream_closes_kept_edges),
#endif
    SOCKET_ENTRY(test_io_stream_kinds_and_limits),
    SOCKET_ENTRY(test_io_stream_read_exactly_zero),
    SOCKET_ENTRY(test_io_stream_bad_input),
    SOCKET_ENTRY(test_io_stream_transport),
    SOCKET_ENTRY(test_io_stream_upgrade),
    SOCKET_ENTRY(test_io_stream_growing),
    SOCKET_ENTRY(test_io_stream_growing_shrink_full),
    SOCKET_ENTRY(test_io_stream_growing_hysteresis),
    SOCKET_ENTRY(test_io_stream_limit_is_asyncios),
    SOCKET_ENTRY(test_io_stream_growing_upgrade),
    SOCKET_ENTRY(test_io_stream_growing_misuse),
#ifdef TEST_COUNTED_ALLOC
    SOCKET_ENTRY(test_io_stream_growing_no_memory),
#endif
    SOCKET_ENTRY(test_io_stream_write),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_unix_lines),
    SOCKET_ENTRY(test_io_unix_errors),
    SOCKET_ENTRY(test_io_unix_cancel),
    SOCKET_ENTRY(test_io_unix_bad_input),
    SOCKET_ENTRY(test_io_unix_live_listener),
    SOCKET_ENTRY(test_io_unix_longest),
    SOCKET_ENTRY(test_io_unix_no_timer_slot),
#ifdef TEST_COUNTED_ALLOC
    SOCKET_ENTRY(test_io_unix_no_memory),
#endif
#endif
    SOCKET_ENTRY(test_io_addresses),
    SOCKET_ENTRY(test_io_udp_round_trip),
    SOCKET_ENTRY(test_io_udp_receive_deadline),
    SOCKET_ENTRY(test_io_udp_cancel_consumes_nothing),
    SOCKET_ENTRY(test_io_udp_truncation_and_empty),
    SOCKET_ENTRY(test_io_udp_ipv6),
    SOCKET_ENTRY(test_io_udp_refused),
    SOCKET_ENTRY(test_io_udp_bad_input),
#if POSIX_IO_TESTS && defined(__linux__)
    SOCKET_ENTRY(test_io_udp_send_on_tcp),
#endif
    SOCKET_ENTRY(test_io_timeout_beyond_half_refused),
    SOCKET_ENTRY(test_io_receive_in_block_woken),
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_stream_closes_kept_for_one_loop),
#endif
#if POSIX_IO_TESTS
    SOCKET_ENTRY(test_io_accept_on_a_closed_number),
#endif
#else
    TEST_ENTRY(test_io_port_no_sockets),
#endif
};

void register_io_tests(void) { test_register(cases, TEST_COUNT(cases)); }
