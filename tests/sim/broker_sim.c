/* SPDX-License-Identifier: MIT */
/* A publish/subscribe broker over the simulated network (AIO_SIMULATION),
 * as examples/26_pubsub_broker.c is one: host "broker" serves on aio_server;
 * a publisher on host "pub" sends 200 messages of 600 to 1,400 bytes, one
 * every 20 ms; the broker writes each to every subscriber with
 * aio_stream_write, from the publisher's handler, never waiting; two
 * subscribers on hosts "fast1" and "fast2" read all they get; one on host
 * "slow" reads a line a second. A subscriber whose write buffer goes over
 * 16 KiB and is not back at 4 KiB within 2 s is dropped (AIO_DRAIN's
 * deadline, aio_conn_abort). Then a shutdown: each handler's cleanup sends
 * a goodbye of 20,000 bytes (more than the connection holds) and closes its
 * connection once that is sent (AIO_STREAM_CLOSE, within 5 s). Under latency, jitter, late timers, short receives and short
 * sends on connections that hold 8 KiB each way, each seed checks:
 *
 *   - each fast subscriber got every message, in order, each whole (its
 *     number, its length and its bytes), then the goodbye, then the end;
 *   - the slow one was dropped, once, and got a prefix of the messages, in
 *     order and whole (a part of the next one at most), never the goodbye;
 *   - nobody else was dropped, and the shutdown ended within its deadline.
 *
 *     cc -std=c11 -DAIO_SIMULATION -I. tests/sim/broker_sim.c -o broker_sim
 *     ./broker_sim [SEEDS]     (default 300) */
#define AIO_SIMULATION
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MESSAGES = 200, SUBSCRIBERS = 3, HIGH = 16 * 1024, LOW = 4 * 1024, LINE = 2048, PORT = 7000 };
enum { BYE = 20000 }; /* the goodbye's length: more than a connection holds, so that the close must send it */
static char bye[BYE]; /* "bye bbb...\n" */

/* Message k: "m K LEN xxx...\n", LEN bytes in all, its filler a byte of k. */
static size_t message(int k, char *out) {
    size_t len = 600 + (size_t)(k * 397 % 801);
    int head = snprintf(out, LINE, "m %d %zu ", k, len);
    memset(out + head, 'a' + k % 26, len - (size_t)head - 1);
    out[len - 1] = '\n';
    return len;
}

typedef struct {
    aio_conn conn;
    aio_task watch; /* its write buffer's deadline */
    aio_stream in;
    aio_status n, rc;
    int subscriber, dropped;
} client_t;

typedef struct {
    aio_task task;
    aio_server srv;
    client_t clients[SUBSCRIBERS + 1];
    aio_event ready;
    int stopping, dropped, shut_rc;
} broker_t;

static broker_t *B;

static aio_status drop_if_slow(aio_task *t) {
    client_t *c = AIO_CONTAINER(t, client_t, watch);
    AIO_BEGIN(t);
    AIO_DRAIN(t, c->rc, &c->in, AIO_SEC(2));
    if (c->rc == AIO_ETIMEDOUT) {
        c->dropped = 1;
        B->dropped++;
        aio_conn_abort(&c->conn);
    }
    AIO_END(t);
}

static void publish(const char *line, size_t len) {
    aio_conn *s;
    for (s = aio_server_next(&B->srv, NULL); s; s = aio_server_next(&B->srv, s)) {
        client_t *to = AIO_CONTAINER(s, client_t, conn);
        size_t before = aio_stream_write_buffered(&to->in);
        aio_status rc;
        if (!to->subscriber || to->dropped) continue;
        rc = aio_stream_write(&to->in, line, len);
        aio_sim_check(rc == AIO_OK || rc == AIO_ELIMIT, "a write to a subscriber was taken, or past its bound");
        if (before <= HIGH && aio_stream_write_buffered(&to->in) > HIGH && !aio_task_alive(&to->watch))
            aio_sim_check(aio_spawn(&to->watch, drop_if_slow) == AIO_OK, "the deadline's task spawned");
    }
}

/* A client's first line is "sub" or "pub"; a publisher's lines go on. */
static aio_status handler(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    c->subscriber = c->dropped = 0;
    AIO_CHECK(t, aio_stream_init_growing(&c->in, c->conn.fd, 256, 4 * LINE));
    AIO_CHECK(t, aio_stream_set_write_limits(&c->in, HIGH, LOW, (size_t)1 << 20));
    AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(30));
    if (c->n != 4) AIO_RETURN(t, AIO_EINVAL);
    c->subscriber = memcmp(aio_stream_data(&c->in), "sub\n", 4) == 0;
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_NEVER);
        if (c->n <= 0) break;
        if (!c->subscriber) publish(aio_stream_data(&c->in), (size_t)c->n);
        AIO_YIELD(t); /* (the others' turn between two lines) */
    }
    AIO_FINALLY(t);
    if (B->stopping && !c->dropped && c->subscriber) {
        (void)aio_stream_write(&c->in, bye, BYE);
        AIO_STREAM_CLOSE(t, c->rc, &c->in, AIO_SEC(5));
        aio_sim_check(c->rc == AIO_OK, "the goodbye was sent before the close");
    }
    aio_stream_free(&c->in);
    AIO_END(t);
}

static aio_status broker(aio_task *t) {
    broker_t *s = AIO_SELF(t, broker_t);
    AIO_BEGIN(t);
    B = s;
    AIO_CHECK(t, aio_server_init(&s->srv, handler, s->clients, sizeof s->clients[0], SUBSCRIBERS + 1));
    AIO_CHECK(t, aio_server_listen(&s->srv, NULL, PORT, 8));
    aio_event_set(&s->ready);
    AIO_SERVER_WAIT_CLOSED(t, s->srv.rc, &s->srv, AIO_NEVER);
    AIO_END(t);
}

/* A subscriber: every line it gets checked against the messages in order. */
typedef struct {
    aio_task task;
    aio_stream in;
    int fd, slow, next, bye, ended;
    aio_status n;
    char want[LINE];
} sub_t;

static aio_status subscriber(aio_task *t) {
    sub_t *u = AIO_SELF(t, sub_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, u->fd, "broker", PORT, AIO_SEC(5));
    AIO_CHECK(t, u->fd);
    AIO_CHECK(t, aio_stream_init_growing(&u->in, u->fd, 256, BYE));
    AIO_STREAM_WRITE(t, u->n, &u->in, "sub\n", 4, AIO_SEC(5));
    AIO_CHECK(t, u->n);
    u->next = 1;
    for (;;) {
        AIO_READ_LINE(t, u->n, &u->in, AIO_NEVER);
        if (u->n <= 0 || aio_stream_data(&u->in)[u->n - 1] != '\n') break; /* the end (a part of a line at most) */
        if (u->n == BYE && memcmp(aio_stream_data(&u->in), bye, BYE) == 0) {
            u->bye = 1;
            continue;
        }
        aio_sim_check(!u->bye && u->next <= MESSAGES && (size_t)u->n == message(u->next, u->want) &&
                          memcmp(aio_stream_data(&u->in), u->want, (size_t)u->n) == 0,
                      "a subscriber got the next message, whole");
        u->next++;
        if (u->slow) AIO_SLEEP(t, AIO_SEC(1));
    }
    u->ended = 1;
    AIO_FINALLY(t);
    aio_stream_free(&u->in);
    if (u->fd >= 0) aio_close(u->fd);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    int fd, k;
    aio_stream out;
    aio_status rc;
    char buf[64], line[LINE];
} pub_t;

static aio_status publisher(aio_task *t) {
    pub_t *p = AIO_SELF(t, pub_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, p->fd, "broker", PORT, AIO_SEC(5));
    AIO_CHECK(t, p->fd);
    AIO_CHECK(t, aio_stream_init(&p->out, p->fd, p->buf, sizeof p->buf));
    AIO_CHECK(t, aio_stream_write(&p->out, "pub\n", 4));
    for (p->k = 1; p->k <= MESSAGES; p->k++) {
        AIO_CHECK(t, aio_stream_write(&p->out, p->line, message(p->k, p->line)));
        AIO_SLEEP(t, AIO_MS(20));
    }
    AIO_STREAM_CLOSE(t, p->rc, &p->out, AIO_SEC(10));
    AIO_CHECK(t, p->rc);
    AIO_FINALLY(t);
    aio_stream_free(&p->out);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    broker_t broker;
    sub_t subs[SUBSCRIBERS];
    pub_t pub;
    int i;
    aio_time at;
    aio_status rc;
} main_t;

static const char *const hosts[SUBSCRIBERS] = {"fast1", "fast2", "slow"};

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    memset(bye, 'b', BYE - 1);
    memcpy(bye, "bye ", 4);
    bye[BYE - 1] = '\n';
    AIO_CHECK(t, aio_sim_spawn("broker", &s->broker.task, broker));
    AIO_EVENT_WAIT(t, s->rc, &s->broker.ready, AIO_SEC(5));
    AIO_CHECK(t, s->rc);
    for (s->i = 0; s->i < SUBSCRIBERS; s->i++) {
        s->subs[s->i].slow = s->i == 2;
        AIO_CHECK(t, aio_sim_spawn(hosts[s->i], &s->subs[s->i].task, subscriber));
    }
    AIO_SLEEP(t, AIO_SEC(1)); /* (every subscriber has subscribed) */
    AIO_CHECK(t, aio_sim_spawn("pub", &s->pub.task, publisher));
    AIO_AWAIT(t, s->rc, &s->pub.task);
    aio_sim_check(s->rc == AIO_OK, "the publisher sent every message");
    AIO_SLEEP(t, AIO_SEC(5)); /* (what is on its way arrives) */
    s->at = aio_now();
    s->broker.stopping = 1;
    AIO_SERVER_SHUTDOWN(t, s->rc, &s->broker.srv, 0);
    aio_sim_check(aio_now() - s->at <= AIO_SEC(6), "the shutdown ended within its goodbyes' deadline");
    for (s->i = 0; s->i < SUBSCRIBERS; s->i++) AIO_AWAIT(t, s->rc, &s->subs[s->i].task);
    if (getenv("BROKER_SIM_DEBUG"))
        printf("got %d, %d, %d (slow); dropped %d; shutdown %d ms\n", s->subs[0].next - 1, s->subs[1].next - 1,
               s->subs[2].next - 1, s->broker.dropped, (int)(aio_to_seconds(aio_now() - s->at) * 1000));
    for (s->i = 0; s->i < 2; s->i++)
        aio_sim_check(s->subs[s->i].next == MESSAGES + 1 && s->subs[s->i].bye && s->subs[s->i].ended,
                      "a fast subscriber got every message, then the goodbye, then the end");
    aio_sim_check(s->subs[2].ended && !s->subs[2].bye && s->subs[2].next <= MESSAGES && s->broker.dropped == 1 &&
                      s->broker.clients[0].dropped + s->broker.clients[1].dropped + s->broker.clients[2].dropped +
                              s->broker.clients[3].dropped == 1,
                  "the slow subscriber alone was dropped, after a prefix of the messages");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_sim_options o;
    int seeds = argc > 1 ? atoi(argv[1]) : 300;
    o.config.latency = AIO_MS(5);
    o.config.jitter = AIO_MS(20);
    o.config.timer_late = AIO_MS(10);
    o.config.step = AIO_US(100);
    o.config.buffer = 8192;
    o.config.short_recv = 0.3;
    o.config.short_send = 0.3;
    o.seeds = (uint64_t)seeds;
    o.trace = "";
    if (AIO_SIM_RUN(&o, main_t, main_task) != 0) {
        printf("broker_sim: seed %llu failed: %s\n", (unsigned long long)o.failed_seed, o.message);
        return 1;
    }
    printf("broker_sim: %llu seeds passed\n", (unsigned long long)o.runs);
    return 0;
}
