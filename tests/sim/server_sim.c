/* SPDX-License-Identifier: MIT */
/* A server on aio_server over the simulated network (AIO_SIMULATION): host
 * "server" serves an echo handler to three clients of the main task's host,
 * at most two at once (the third is refused with "busy\n", or the part of
 * it a short send took, and closed, or served once one has left), under latency, jitter, late timers and short
 * receives; then a graceful shutdown with a grace of 1 s, while a fourth
 * client stays silent: it is cancelled at the grace's end. Each seed checks
 * every reply, the refusal, and that the shutdown ended within its grace.
 *
 *     cc -std=c11 -DAIO_SIMULATION -I. tests/sim/server_sim.c -o server_sim
 *     ./server_sim [SEEDS]     (default 300) */
#define AIO_SIMULATION
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    aio_conn conn;
    aio_stream in;
    char buf[64];
    aio_status n;
} conn_t;

typedef struct {
    aio_task task;
    aio_server srv;
    conn_t conns[2];
    aio_event ready;
    int port, cancelled;
} server_t;

static aio_status handler(aio_task *t) {
    conn_t *c = AIO_CONN_SELF(t, conn_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(30));
        if (c->n <= 0) break;
        AIO_STREAM_WRITE(t, c->n, &c->in, aio_stream_data(&c->in), (size_t)c->n, AIO_SEC(5));
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) AIO_CONTAINER(c->conn.server, server_t, srv)->cancelled++;
    AIO_END(t);
}

static aio_status server(aio_task *t) {
    server_t *s = AIO_SELF(t, server_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&s->srv, handler, s->conns, sizeof s->conns[0], 2));
    aio_server_refuse(&s->srv, "busy\n", NULL);
    AIO_CHECK(t, aio_server_listen(&s->srv, NULL, 7000, 8));
    aio_event_set(&s->ready);
    AIO_SERVER_WAIT_CLOSED(t, s->srv.rc, &s->srv, AIO_NEVER);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_stream in;
    char buf[64], out[32];
    int fd, id;
    aio_status n;
} client_t;

typedef struct {
    aio_task task;
    server_t server;
    client_t c[4];
    aio_wait_item items[3];
    int i, busy, served;
    aio_time at;
    aio_status rc;
} main_t;

static main_t *M;

static aio_status client(aio_task *t) {
    client_t *c = AIO_SELF(t, client_t);
    AIO_BEGIN(t);
    AIO_TCP_CONNECT(t, c->fd, "server", 7000, AIO_SEC(5));
    AIO_CHECK(t, c->fd);
    AIO_CHECK(t, aio_stream_init(&c->in, c->fd, c->buf, sizeof c->buf));
    c->n = snprintf(c->out, sizeof c->out, "hello %d\n", c->id);
    AIO_SEND_ALL(t, c->n, c->fd, c->out, (size_t)c->n, AIO_SEC(5));
    AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(5));
    if (getenv("SERVER_SIM_DEBUG"))
        printf("client %d: %d %.*s\n", c->id, (int)c->n, c->n > 0 ? (int)c->n : 0, c->n > 0 ? aio_stream_data(&c->in) : "");
    /* (the refusal is one send that does not wait: the fault short_send may cut
     * it; and a close with the client's line unread resets the connection) */
    if ((c->n > 0 && c->n <= 5 && memcmp(aio_stream_data(&c->in), "busy\n", (size_t)c->n) == 0) ||
        c->n == AIO_ECONNRESET) {
        M->busy++;
    } else {
        aio_sim_check(c->n == 8 && memcmp(aio_stream_data(&c->in), "hello ", 6) == 0 &&
                          aio_stream_data(&c->in)[6] == '0' + c->id,
                      "a client's line came back");
        M->served++;
    }
    AIO_FINALLY(t);
    if (c->fd >= 0) aio_close(c->fd);
    AIO_END(t);
}

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    M = s;
    AIO_CHECK(t, aio_sim_spawn("server", &s->server.task, server));
    AIO_EVENT_WAIT(t, s->rc, &s->server.ready, AIO_SEC(5));
    AIO_CHECK(t, s->rc);
    for (s->i = 0; s->i < 3; s->i++) {
        s->c[s->i].id = s->i + 1;
        AIO_CHECK(t, aio_spawn(&s->c[s->i].task, client));
        s->items[s->i].task = &s->c[s->i].task;
    }
    AIO_WAIT(t, s->rc, s->items, 3, AIO_ALL_COMPLETED, AIO_SEC(30));
    aio_sim_check(s->served + s->busy == 3 && s->served >= 2, "every client served or refused");
    /* a silent client, once the others' handlers have ended (else it would be
     * the one too many), then the stop: it is cancelled at the grace's end */
    while (s->server.srv.live) AIO_SLEEP(t, AIO_MS(10));
    AIO_TCP_CONNECT(t, s->c[3].fd, "server", 7000, AIO_SEC(5));
    AIO_CHECK(t, s->c[3].fd);
    AIO_SLEEP(t, AIO_SEC(1)); /* (accepted) */
    s->at = aio_now();
    AIO_SERVER_SHUTDOWN(t, s->rc, &s->server.srv, AIO_SEC(1));
    if (getenv("SERVER_SIM_DEBUG")) printf("shutdown: %d, cancelled %d, live %u\n", (int)s->rc, s->server.cancelled, s->server.srv.live);
    aio_sim_check(s->rc == 1 && s->server.cancelled == 1, "the silent client cancelled at the grace's end");
    aio_sim_check(aio_now() - s->at >= AIO_SEC(1) && aio_now() - s->at < AIO_SEC(2), "the shutdown took its grace");
    aio_close(s->c[3].fd);
    AIO_AWAIT(t, s->rc, &s->server.task);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_sim_options o;
    int seeds = argc > 1 ? atoi(argv[1]) : 300;
    o.config.latency = AIO_MS(5);
    o.config.jitter = AIO_MS(50);
    o.config.timer_late = AIO_MS(20);
    o.config.step = AIO_US(100);
    o.config.short_recv = 0.3;
    o.config.short_send = 0.3;
    o.seeds = (uint64_t)seeds;
    o.trace = "";
    if (AIO_SIM_RUN(&o, main_t, main_task) != 0) {
        printf("server_sim: seed %llu failed: %s\n", (unsigned long long)o.failed_seed, o.message);
        return 1;
    }
    printf("server_sim: %llu seeds passed\n", (unsigned long long)o.runs);
    return 0;
}
