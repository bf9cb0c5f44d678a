/* SPDX-License-Identifier: MIT */
/* 18_udp_retry.c - a UDP request with retries and exponential backoff, under an
 * overall deadline (AIO_SEND_TO, AIO_RECV_FROM: sock_sendto, sock_recvfrom).
 *
 *   - a client asks a server on 127.0.0.1 three questions, one datagram each;
 *     UDP may lose any datagram, so it waits for each answer 0.1 s, then sends
 *     again and waits twice as long (0.2 s, 0.4 s, 0.8 s);
 *   - each question has one overall deadline of 1 s for all its attempts (a
 *     timeout block around them);
 *   - the server drops datagrams by a fixed rule, so that every run is the
 *     same: the first drops[question] copies of each question (none of alpha,
 *     two of bravo, all of charlie), and answers the next.
 *
 * The server is a task of the same program; the datagrams are real ones. The
 * Python original is 18_udp_retry.py; both print the same lines.
 * Run: 18_udp_retry [--virtual] */
#include "example.h"

#define N 3
static const char *const names[N] = {"alpha", "bravo", "charlie"};
static const int drops[N] = {0, 2, 9};                /* copies of each question the server drops */
static const int backoff_ms[] = {100, 200, 400, 800}; /* how long each attempt waits for the answer */
#define ATTEMPTS (int)(sizeof backoff_ms / sizeof backoff_ms[0])

static int question(const char *text) { /* its index (the last one for any other text) */
    int q = 0;
    while (q < N - 1 && strcmp(text, names[q]) != 0) q++;
    return q;
}

typedef struct {
    aio_task task;
    int fd, copies[N], q;
    aio_address sender;
    char buf[512];
    aio_status n;
} server_t;

static aio_status server(aio_task *t) {
    server_t *s = AIO_SELF(t, server_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_RECV_FROM(t, s->n, s->fd, s->buf, sizeof s->buf - 1, &s->sender, AIO_NEVER);
        AIO_CHECK(t, s->n);
        s->buf[s->n] = '\0';
        s->q = question(s->buf);
        if (++s->copies[s->q] <= drops[s->q]) {
            say("server: dropped %s (copy %d)", names[s->q], s->copies[s->q]);
            continue;
        }
        say("server: answering %s (copy %d)", names[s->q], s->copies[s->q]);
        s->n = snprintf(s->buf, sizeof s->buf, "%s is ok", names[s->q]);
        AIO_SEND_TO(t, s->n, s->fd, s->buf, (size_t)s->n, &s->sender, AIO_NEVER);
    }
    AIO_END(t);
}

typedef struct {
    aio_task task;
    server_t server;
    aio_timeout deadline;
    aio_address to;
    int fd, q, attempt;
    char answer[512];
    aio_status n;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    s->server.fd = aio_udp_open("127.0.0.1", 0);
    s->fd = aio_udp_open("127.0.0.1", 0);
    AIO_CHECK(t, aio_address_set(&s->to, "127.0.0.1", aio_socket_port(s->server.fd)));
    AIO_CHECK(t, aio_spawn(&s->server.task, server));
    for (s->q = 0; s->q < N; s->q++) {
        AIO_TIMEOUT(t, &s->deadline, AIO_SEC(1)) {
            for (s->attempt = 1; s->attempt <= ATTEMPTS; s->attempt++) {
                AIO_SEND_TO(t, s->n, s->fd, names[s->q], strlen(names[s->q]), &s->to, AIO_NEVER);
                AIO_RECV_FROM(t, s->n, s->fd, s->answer, sizeof s->answer - 1, NULL,
                              AIO_MS(backoff_ms[s->attempt - 1]));
                if (s->n >= 0) break;
                say("client: no answer to %s within %.1f s", names[s->q], backoff_ms[s->attempt - 1] / 1000.0);
            }
            if (s->attempt > ATTEMPTS) {
                say("client: %s: no attempt left", names[s->q]);
            } else {
                s->answer[s->n] = '\0';
                say("client: '%s' after %d attempt(s)", s->answer, s->attempt);
            }
        }
        if (aio_timeout_status(&s->deadline) == AIO_ETIMEDOUT)
            say("client: %s: gave up at the deadline of 1 s", names[s->q]);
    }
    aio_cancel(&s->server.task);
    AIO_AWAIT(t, s->n, &s->server.task);
    aio_close(s->server.fd);
    aio_close(s->fd);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
