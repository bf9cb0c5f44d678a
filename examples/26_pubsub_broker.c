/* SPDX-License-Identifier: MIT */
/* 26_pubsub_broker.c - a publish/subscribe broker that drops slow subscribers.
 *
 *   - a client's first line is its name; then "SUB topic" subscribes it to a
 *     topic, and "PUB topic text" sends "topic text" to each subscriber of it;
 *   - the broker never waits for a subscriber: aio_stream_write (asyncio's
 *     writer.write) keeps what the socket does not take, up to its bound
 *     (BEHIND, 32 MiB: a subscriber whose message it cannot keep is dropped:
 *     every message or none, never a hole); a subscriber whose write buffer
 *     goes over its high-water mark (64 KiB) and is not back at its low one
 *     within 1 s (AIO_DRAIN's deadline) is dropped (aio_conn_abort:
 *     transport.abort());
 *   - SIGTERM: the server shuts down, and each handler's cleanup sends its
 *     client a goodbye and closes the connection once that is sent
 *     (AIO_STREAM_CLOSE: close() and wait_closed(), within 1 s).
 *
 * The broker and four scripted clients are one program, on 127.0.0.1: carol
 * reads nothing; dave publishes 16 MB of news at once (more than any
 * socket's buffers hold), in lines of 60,000 bytes; the script raises
 * SIGTERM at 3 s; each client counts what it reads, printed once all are
 * gone. The Python original is 26_pubsub_broker.py; both print the same.
 * Run: 26_pubsub_broker [--virtual] */
#include "example.h"

enum { HIGH = 64 * 1024, LIMIT = 64 * 1024, CLIENTS = 8, TOPICS = 4, NAME = 16 };
#define BEHIND ((size_t)32 << 20) /* a subscriber's unsent bytes at most (asyncio has no bound) */

typedef struct { aio_conn conn; aio_task watch; aio_stream in; aio_status n, rc; char name[NAME], topics[TOPICS][NAME]; } client_t;
static client_t clients[CLIENTS];
static aio_server server;
static aio_event stop;

/* Whether a line ("topic ..." or "topic\n") is about `topic`. */
static int about(const char *line, const char *topic) {
    size_t n = strlen(topic);
    return n && !strncmp(line, topic, n) && (line[n] == ' ' || line[n] == '\n');
}

static aio_status drop_if_slow(aio_task *t) {
    client_t *c = AIO_CONTAINER(t, client_t, watch);
    AIO_BEGIN(t);
    AIO_DRAIN(t, c->rc, &c->in, AIO_SEC(1));
    if (c->rc == AIO_ETIMEDOUT) say("broker: %s too slow: dropped", c->name), aio_conn_abort(&c->conn);
    AIO_END(t);
}

static void publish(const char *message, size_t len) { /* "topic text\n" to each subscriber */
    aio_conn *s;
    for (s = aio_server_next(&server, NULL); s; s = aio_server_next(&server, s)) {
        client_t *to = AIO_CONTAINER(s, client_t, conn);
        size_t before = aio_stream_write_buffered(&to->in);
        int k;
        for (k = 0; k < TOPICS && !about(message, to->topics[k]); k++) continue;
        if (k == TOPICS) continue;
        if (aio_stream_write(&to->in, message, len) != AIO_OK) { /* (every message, or none more) */
            say("broker: %s too slow: dropped", to->name);
            aio_conn_abort(s);
            continue;
        }
        if (before <= HIGH && aio_stream_write_buffered(&to->in) > HIGH && !aio_task_alive(&to->watch))
            aio_spawn(&to->watch, drop_if_slow);
    }
}

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    const char *line;
    int k;
    AIO_BEGIN(t);
    memset(c->topics, 0, sizeof c->topics);
    AIO_CHECK(t, aio_stream_init_growing(&c->in, c->conn.fd, 256, LIMIT));
    AIO_CHECK(t, aio_stream_set_write_limits(&c->in, HIGH, HIGH / 4, BEHIND));
    AIO_READ_LINE(t, c->n, &c->in, AIO_NEVER);
    snprintf(c->name, sizeof c->name, "%.*s", c->n > 0 ? (int)c->n - 1 : 0, aio_stream_data(&c->in));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_NEVER);
        if (c->n <= 4) break; /* the end, a reset, or no command */
        line = aio_stream_data(&c->in);
        for (k = 0; k < TOPICS && !strncmp(line, "SUB ", 4); k++) {
            if (c->topics[k][0]) continue;
            snprintf(c->topics[k], NAME, "%.*s", (int)c->n - 5, line + 4);
            say("broker: %s subscribed to %s", c->name, c->topics[k]);
            break;
        }
        if (!strncmp(line, "PUB ", 4)) publish(line + 4, (size_t)c->n - 4);
        if (!aio_stream_buffered(&c->in) || !memchr(aio_stream_peek(&c->in), '\n', aio_stream_buffered(&c->in)))
            AIO_YIELD(t); /* (the readers' turn once the lines received are handled: asyncio's between receives) */
    }
    AIO_FINALLY(t);
    if (aio_event_is_set(&stop)) { /* SIGTERM: a goodbye, sent before the close */
        aio_stream_write(&c->in, "broker closing: goodbye\n", 24);
        AIO_STREAM_CLOSE(t, c->rc, &c->in, AIO_SEC(1));
    }
    aio_stream_free(&c->in);
    AIO_END(t);
}

/* A scripted client: the lines it reads, counted by their first word. */
static char news[60011]; /* "PUB news 000...\n": a line of 60,010 bytes */
static const char *const names[] = {"alice", "bob", "carol", "dave"};
static const struct { int ms, who, times; const char *text; } script[] = { /* (each with its name first) */
    {100, 0, 1, "alice\nSUB news\n"}, {200, 1, 1, "bob\nSUB news\nSUB sport\n"}, {300, 2, 1, "carol\nSUB news\n"},
    {500, 3, 1, "dave\nPUB sport goal!\n"}, {600, 3, 280, news}};
static const char *const words[] = {"sport", "news", "broker"}; /* (in the order they come) */
enum { PEERS = 4, STEPS = sizeof script / sizeof script[0], CAROL = 2, WORDS = 3 };
typedef struct { aio_task task; int fd, seen[WORDS]; aio_stream in; aio_status n; } peer_t;
static aio_status read_all(aio_task *t) {
    peer_t *p = AIO_SELF(t, peer_t);
    int k;
    AIO_BEGIN(t);
    for (;;) {
        AIO_READ_LINE(t, p->n, &p->in, AIO_NEVER);
        if (p->n <= 0) break;
        for (k = 0; k < WORDS; k++) p->seen[k] += about(aio_stream_data(&p->in), words[k]);
    }
    AIO_END(t);
}

typedef struct { aio_task task; peer_t peers[PEERS], *p; int i, k; aio_status rc; char log[128]; } main_t;
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    snprintf(news, sizeof news, "PUB news %060000d\n", 0);
    AIO_CHECK(t, aio_signal_event(SIGTERM, &stop)); /* add_signal_handler */
    AIO_CHECK(t, aio_server_init(&server, handle, clients, sizeof clients[0], CLIENTS));
    AIO_CHECK(t, aio_server_listen(&server, "127.0.0.1", 0, 0));
    for (s->i = 0; s->i < STEPS; s->i++) {
        s->p = &s->peers[script[s->i].who];
        AIO_SLEEP_UNTIL(t, example_start + AIO_MS(script[s->i].ms));
        if (!s->p->in.buf) { /* its first step: it connects */
            AIO_TCP_CONNECT(t, s->rc, "127.0.0.1", aio_server_port(&server), AIO_SEC(1));
            AIO_CHECK(t, s->p->fd = s->rc);
            AIO_CHECK(t, aio_stream_init_growing(&s->p->in, s->p->fd, 256, LIMIT));
            if (script[s->i].who != CAROL) AIO_CHECK(t, aio_spawn(&s->p->task, read_all)); /* carol reads nothing */
        }
        for (s->k = 0; s->k < script[s->i].times; s->k++) {
            aio_stream_write(&s->p->in, script[s->i].text, strlen(script[s->i].text));
            AIO_DRAIN(t, s->rc, &s->p->in, AIO_SEC(1)); /* (its buffer kept under its bound) */
        }
    }
    AIO_SLEEP_UNTIL(t, example_start + AIO_SEC(3));
    example_sigterm(&stop);
    AIO_EVENT_WAIT(t, s->rc, &stop, AIO_NEVER);
    say("broker: SIGTERM: goodbye to %u clients", (unsigned)server.live);
    AIO_SERVER_SHUTDOWN(t, s->rc, &server, 0);
    for (s->p = s->peers; s->p < s->peers + PEERS; s->p++) {
        if (s->p != &s->peers[CAROL]) AIO_AWAIT(t, s->rc, &s->p->task);
        for (s->k = 0, s->log[0] = '\0'; s->k < WORDS; s->k++)
            if (s->p->seen[s->k]) join(s->log, sizeof s->log, "%s x%d", words[s->k], s->p->seen[s->k]);
        if (s->p != &s->peers[CAROL]) say("%s read: %s", names[s->p - s->peers], s->log);
        aio_stream_free(&s->p->in);
        aio_close(s->p->fd);
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
