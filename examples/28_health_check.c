/* SPDX-License-Identifier: MIT */
/* 28_health_check.c - a health checker: many targets, a few at a time,
 * the results as they come.
 *
 *   - twelve targets, each asked "check N" over a TCP connection of its own
 *     and expected to answer a line ("OK", or "ERROR");
 *   - at most four checks at once (an aio_semaphore: asyncio.Semaphore);
 *   - a second for the connect and a second for the answer (each await's
 *     own deadline);
 *   - the results printed as they complete (AIO_NEXT_COMPLETED:
 *     asyncio.as_completed), within 1.6 s for the whole round; the checks
 *     still running then are cancelled and reported as unknown.
 *
 * The targets are one server of the program's (aio_server) on 127.0.0.1,
 * which answers each as `targets` says. The Python original is
 * 28_health_check.py; both print expected/28_health_check.txt on the
 * virtual clock (--virtual). */
#include "example.h"

#define N 12
#define AT_ONCE 4
static const struct { const char *answer; int after_ms; } targets[N] = { /* NULL: never */
    {"OK", 200}, {"OK", 500}, {NULL, 0}, {"ERROR", 300}, {"OK", 150}, {"OK", 1500},
    {"OK", 450}, {NULL, 0}, {"OK", 650}, {"ERROR", 250}, {"OK", 600}, {"OK", 350}};
static aio_semaphore slots;
static int port;

typedef struct { aio_conn conn; aio_stream in; char buf[64]; int n; aio_status rc; } target_t;

static aio_status target(aio_task *t) { /* every target: one server, its answer as `targets` says */
    target_t *c = AIO_CONN_SELF(t, target_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    AIO_READ_LINE(t, c->rc, &c->in, AIO_NEVER);
    AIO_CHECK(t, c->rc);
    c->n = atoi(aio_stream_data(&c->in) + 6); /* "check N" */
    /* (the checker may leave first: its close ends the read) */
    AIO_READ_SOME(t, c->rc, &c->in, targets[c->n].answer ? AIO_MS(targets[c->n].after_ms) : AIO_NEVER);
    if (c->rc != AIO_ETIMEDOUT) AIO_RETURN(t, 0);
    AIO_CHECK(t, aio_stream_write(&c->in, targets[c->n].answer, strlen(targets[c->n].answer)));
    AIO_CHECK(t, aio_stream_write(&c->in, "\n", 1));
    AIO_READ_SOME(t, c->rc, &c->in, AIO_NEVER);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    int n, fd;
    aio_time start;
    aio_timeout slot;
    aio_stream in;
    char buf[64], result[32], line[16];
    aio_status rc;
} check_t;

static aio_status check(aio_task *t) {
    check_t *c = AIO_SELF(t, check_t);
    AIO_BEGIN(t);
    c->fd = -1;
    AIO_WITH_SEMAPHORE(t, &c->slot, &slots, AIO_NEVER) { /* async with slots: */
        c->start = aio_now();
        AIO_TCP_CONNECT(t, c->fd, "127.0.0.1", port, AIO_SEC(1));
        if (c->fd < 0) {
            strcpy(c->result, "no connection");
            AIO_RETURN(t, 0);
        }
        AIO_CHECK(t, aio_stream_init(&c->in, c->fd, c->buf, sizeof c->buf));
        (void)snprintf(c->line, sizeof c->line, "check %d\n", c->n);
        AIO_CHECK(t, aio_stream_write(&c->in, c->line, strlen(c->line)));
        AIO_READ_LINE(t, c->rc, &c->in, AIO_SEC(1));
        if (c->rc == AIO_ETIMEDOUT)
            strcpy(c->result, "no answer within 1 s");
        else if (c->rc > 0)
            (void)snprintf(c->result, sizeof c->result, "%.*s in %.2f s", (int)c->rc - 1,
                           aio_stream_data(&c->in), aio_to_seconds(aio_now() - c->start));
    }
    AIO_FINALLY(t);
    if (c->fd >= 0) aio_close(c->fd);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_server server;
    check_t checks[N];
    aio_wait_item items[N];
    aio_as_completed ac;
    int n, ok, done;
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&s->server, target, NULL, sizeof(target_t), N));
    AIO_CHECK(t, aio_server_listen(&s->server, "127.0.0.1", 0, 0));
    port = aio_server_port(&s->server);
    AIO_CHECK(t, aio_semaphore_init(&slots, AT_ONCE, 0));
    for (s->n = 0; s->n < N; s->n++) {
        s->checks[s->n].n = s->n;
        AIO_CHECK(t, create_task(&s->items[s->n], &s->checks[s->n].task, check));
    }
    AIO_CHECK(t, aio_as_completed_init(&s->ac, s->items, N, AIO_MS(1600)));
    while (aio_as_completed_left(&s->ac) > 0) {
        AIO_NEXT_COMPLETED(t, s->rc, &s->ac);
        if (s->rc == AIO_ETIMEDOUT) break;
        say("target %d: %s", s->rc, s->checks[s->rc].result);
        s->done++;
        s->ok += strncmp(s->checks[s->rc].result, "OK", 2) == 0;
    }
    if (s->rc == AIO_ETIMEDOUT) say("the round's 1.6 s are up");
    for (s->n = 0; s->n < N; s->n++) {
        if (aio_task_done(&s->checks[s->n].task)) continue;
        aio_cancel(&s->checks[s->n].task);
        say("target %d: unknown (still checking)", s->n);
    }
    AIO_GATHER_ALL(t, s->rc, s->items, N);
    say("%d targets: %d ok, %d failing, %d unknown", N, s->ok, s->done - s->ok, N - s->done);
    aio_server_close(&s->server);
    AIO_SERVER_WAIT_CLOSED(t, s->rc, &s->server, AIO_SEC(5));
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
