/* SPDX-License-Identifier: MIT */
/* 21_request_reply.c - a client asks a server 5 questions on one connection,
 * a line each ("3 square 30": an id, a question), waits 0.5 s for each reply
 * ("3 900"), then asks again, 3 times at most; the server answers in 50 ms but
 * loses the first copy of request 3. The bug: a late reply is taken by the
 * retry, the retry's own by the next request; --fixed matches replies by id
 * ("the fix"). On 127.0.0.1 no reply is late: both print the same. --sim [N]:
 * the same code in a simulation (docs/simulation.md), seeds 1 to N (1000),
 * aio_sim_check asserting that each reply answers its request; --all counts
 * the seeds that fail. The Python original is 21_request_reply.py.
 * Run: 21_request_reply [--fixed] [--virtual | --sim [N] [--all]] */
#define AIO_SIMULATION
#include "example.h" /* (its say prints nothing in a simulation) */

static const int numbers[5] = {12, 7, 30, 5, 11};
static int fixed; /* --fixed */
static const char *listen_on = "127.0.0.1", *server_host = "127.0.0.1"; /* the set-up (--sim: NULL, "server") */

/* One end of the connection: its stream, the line just read, the line to send. */
typedef struct { aio_stream in; int fd, len; char buf[64], line[64], out[64]; aio_status n; } end_t;
static int parse(end_t *e, const char *format, int *a, int *b) { /* the line read, as "%d ... %d" */
    if (e->n <= 0 || e->n >= 64) return 0;
    memcpy(e->line, aio_stream_data(&e->in), (size_t)e->n);
    e->line[e->n - (e->line[e->n - 1] == '\n')] = '\0';
    return sscanf(e->line, format, a, b) == 2;
}

/* The server: `ready` is set once it listens on `port`. */
typedef struct { aio_task task; aio_event ready; end_t c; int listener, port, id, x, lost; } server_t;
static aio_status server(aio_task *t) {
    server_t *s = AIO_SELF(t, server_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, s->listener = aio_tcp_listen(listen_on, 0, 1));
    s->port = aio_socket_port(s->listener);
    aio_event_set(&s->ready);
    AIO_ACCEPT(t, s->c.fd, s->listener, AIO_SEC(5));
    AIO_CHECK(t, s->c.fd);
    AIO_CHECK(t, aio_stream_init(&s->c.in, s->c.fd, s->c.buf, sizeof s->c.buf));
    for (;;) {
        AIO_READ_LINE(t, s->c.n, &s->c.in, AIO_SEC(10));
        if (!parse(&s->c, "%d square %d", &s->id, &s->x)) break; /* the client left */
        if (s->id == 3 && !s->lost++) { say("server: lost request '%s'", s->c.line); continue; }
        AIO_SLEEP(t, AIO_MS(50));
        s->c.len = snprintf(s->c.out, sizeof s->c.out, "%d %d\n", s->id, s->x * s->x);
        AIO_SEND_ALL(t, s->c.n, s->c.fd, s->c.out, (size_t)s->c.len, AIO_SEC(1)); /* (failed: so will the read) */
    }
    AIO_FINALLY(t);
    if (s->c.fd > 0) aio_close(s->c.fd);
    if (s->listener > 0) aio_close(s->listener);
    AIO_END(t);
}

typedef struct {
    aio_task task; server_t server; end_t c; aio_timeout wait; int q, id, attempt, got, answer; char why[160];
} main_t;

static aio_status main_task(aio_task *t) { /* the client */
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_sim_spawn("server", &s->server.task, server)); /* outside a simulation: aio_spawn */
    aio_trace_name(t, "client");
    aio_trace_name(&s->server.task, "server");
    AIO_EVENT_WAIT(t, s->c.n, &s->server.ready, AIO_SEC(1));
    AIO_TCP_CONNECT(t, s->c.fd, server_host, s->server.port, AIO_SEC(1));
    AIO_CHECK(t, s->c.fd);
    AIO_CHECK(t, aio_stream_init(&s->c.in, s->c.fd, s->c.buf, sizeof s->c.buf));
    for (s->q = 0, s->id = 1; s->q < 5; s->q++, s->id++) {
        s->c.len = snprintf(s->c.out, sizeof s->c.out, "%d square %d\n", s->id, numbers[s->q]);
        for (s->attempt = 1; s->attempt <= 3; s->attempt++) {
            AIO_SEND_ALL(t, s->c.n, s->c.fd, s->c.out, (size_t)s->c.len, AIO_SEC(1)); /* (failed: so will the read) */
            AIO_TIMEOUT(t, &s->wait, AIO_MS(500)) { /* the deadline of this attempt's reads */
                AIO_READ_LINE(t, s->c.n, &s->c.in, AIO_NEVER);
                while (fixed && parse(&s->c, "%d %d", &s->got, &s->answer) && s->got != s->id) {
                    say("client: discarded the stale reply '%s'", s->c.line); /* the fix */
                    AIO_READ_LINE(t, s->c.n, &s->c.in, AIO_NEVER);            /* the fix */
                }
            }
            if (aio_timeout_status(&s->wait) != AIO_ETIMEDOUT) break;
            say("client: no reply to #%d within 0.5 s", s->id);
        }
        if (s->attempt > 3 || !parse(&s->c, "%d %d", &s->got, &s->answer)) {
            say("client: #%d: no answer", s->id);
            continue;
        }
        say("client: #%d square %d = %d (attempt %d)%s", s->id, numbers[s->q], s->answer, s->attempt,
            s->answer == numbers[s->q] * numbers[s->q] ? "" : ": WRONG");
        snprintf(s->why, sizeof s->why, "request '%d square %d' took the reply '%s'", s->id, numbers[s->q], s->c.line);
        aio_sim_check(s->answer == numbers[s->q] * numbers[s->q], s->why);
    }
    AIO_FINALLY(t);
    if (s->c.fd > 0) aio_close(s->c.fd);
    aio_cancel(&s->server.task);
    AIO_AWAIT(t, s->c.n, &s->server.task);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    /* each way 10 ms plus up to 230 ms, timers up to 20 ms late, a turn of
     * the loop up to 0.1 ms, 30% of the receives short */
    static aio_sim_options o;
    o.config.latency = AIO_MS(10), o.config.jitter = AIO_MS(230), o.config.timer_late = AIO_MS(20);
    o.config.step = AIO_US(100), o.config.short_recv = 0.3;
    fixed = example_flag(argc, argv, "--fixed") != 0;
    if (!example_flag(argc, argv, "--sim")) return example_run(&m.task, main_task, argc, argv); /* 127.0.0.1 */
    listen_on = NULL, server_host = "server"; /* (NULL: any address of its host) */
    return EXAMPLE_SIM(&o, argc, argv, main_t, main_task);
}
