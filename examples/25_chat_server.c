/* SPDX-License-Identifier: MIT */
/* 25_chat_server.c - a chat server: each line a client sends goes to every
 * other client, written by many tasks to each client's stream.
 *
 *   - a client's first line is its name; each later line goes to every other
 *     client as "name: line", and the others are told when a client joins or
 *     leaves;
 *   - many writers, one stream: aio_stream_write (asyncio's writer.write)
 *     from any client's task appends to the stream's write buffer, which the
 *     library sends in the background, and never waits; a line may be long
 *     (up to 64 KiB: the streams grow to that, asyncio's limit);
 *   - a client silent for 2 s (the read's deadline) is dropped.
 *
 * The server and three scripted clients (ann, bob and cat) are one program,
 * on 127.0.0.1; each client keeps what it reads, printed once every client
 * is gone. The Python original is 25_chat_server.py; both print the same.
 * Run: 25_chat_server [--virtual] */
#include "example.h" /* (first: the header asks for POSIX) */

enum { IDLE_S = 2, LIMIT = 64 * 1024, CLIENTS = 8, NAME = 16 };
#define BEHIND ((size_t)16 << 20) /* a client's unsent bytes at most (asyncio has no bound) */

typedef struct { aio_conn conn; aio_stream in; char name[NAME]; aio_status n; } client_t;
static client_t clients[CLIENTS];
static aio_server server;

/* a + b + data[0..len) to every client with a name but `from`, whole
 * (writelines); one it cannot take (more than BEHIND unsent) is dropped */
static void broadcast(const client_t *from, const char *a, const char *b, const char *data, size_t len) {
    aio_piece message[3] = {{a, strlen(a)}, {b, strlen(b)}, {data, len}};
    aio_conn *c;
    for (c = aio_server_next(&server, NULL); c; c = aio_server_next(&server, c)) {
        client_t *to = AIO_CONTAINER(c, client_t, conn);
        if (to == from || !to->name[0] || aio_stream_writelines(&to->in, message, 3) == AIO_OK) continue;
        say("server: %s cannot take more: dropped", to->name); /* (over BEHIND, or gone) */
        aio_conn_abort(c);
    }
}

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    c->name[0] = '\0';
    AIO_CHECK(t, aio_stream_init_growing(&c->in, c->conn.fd, 256, LIMIT));
    AIO_CHECK(t, aio_stream_set_write_limits(&c->in, LIMIT, LIMIT / 4, BEHIND));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(IDLE_S));
        /* silent for too long; the end (a last half line is not sent on), a reset, a line over the limit */
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') {
            say(c->n == AIO_ETIMEDOUT ? "server: %s silent for 2 s: dropped" : "server: %s left", c->name);
            break;
        }
        if (!c->name[0]) {
            snprintf(c->name, sizeof c->name, "%.*s", (int)c->n - 1, aio_stream_data(&c->in));
            say("server: %s joined", c->name);
            broadcast(c, "* ", c->name, " joined\n", 8);
        } else {
            say("server: %s sent %d bytes", c->name, c->n);
            broadcast(c, c->name, ": ", aio_stream_data(&c->in), (size_t)c->n);
        }
    }
    AIO_FINALLY(t);
    if (c->name[0]) broadcast(c, "* ", c->name, " left\n", 6);
    aio_stream_free(&c->in);
    AIO_END(t);
}

/* A scripted client: what it reads, kept in `log` (a long line cut short). */
static const char *const names[] = {"ann", "bob", "cat"};
static char la[5001]; /* "la" 2500 times */
static const struct { int ms, who; const char *text; } script[] = { /* NULL: leaves */
    {100, 0, "ann"}, {200, 1, "bob"}, {300, 0, "hello bob"}, {500, 2, "cat"}, {700, 1, la},
    {1000, 2, "bye all"}, {1100, 2, NULL}};
enum { PEERS = 3, STEPS = sizeof script / sizeof script[0] };
typedef struct { aio_task task; int fd; aio_stream in; aio_status n; char log[512]; } peer_t;
static aio_status read_all(aio_task *t) {
    peer_t *p = AIO_SELF(t, peer_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_READ_LINE(t, p->n, &p->in, AIO_NEVER);
        if (p->n <= 0) break;
        if (p->n - 1 <= 40) join(p->log, sizeof p->log, "%.*s", (int)p->n - 1, aio_stream_data(&p->in));
        else join(p->log, sizeof p->log, "%.20s... (%d bytes)", aio_stream_data(&p->in), (int)p->n - 1);
    }
    aio_stream_free(&p->in);
    if (p->n != AIO_ECLOSED) aio_close(p->fd); /* (one that left was closed then) */
    AIO_END(t);
}

typedef struct { aio_task task; peer_t peers[PEERS], *p; int i, n; aio_status rc; char out[sizeof la + 1]; } main_t;
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 5000; s->i++) la[s->i] = "la"[s->i % 2];
    AIO_CHECK(t, aio_server_init(&server, handle, clients, sizeof clients[0], CLIENTS));
    AIO_CHECK(t, aio_server_listen(&server, "127.0.0.1", 0, 0));
    for (s->i = 0; s->i < STEPS; s->i++) {
        s->p = &s->peers[script[s->i].who];
        AIO_SLEEP_UNTIL(t, example_start + AIO_MS(script[s->i].ms));
        if (!s->p->in.buf) { /* its first step: it connects */
            AIO_TCP_CONNECT(t, s->rc, "127.0.0.1", aio_server_port(&server), AIO_SEC(1));
            AIO_CHECK(t, s->p->fd = s->rc);
            AIO_CHECK(t, aio_stream_init_growing(&s->p->in, s->p->fd, 256, LIMIT));
            AIO_CHECK(t, aio_spawn(&s->p->task, read_all));
        }
        s->n = script[s->i].text ? snprintf(s->out, sizeof s->out, "%s\n", script[s->i].text) : 0;
        if (!s->n) aio_close(s->p->fd); /* it leaves */
        else AIO_STREAM_WRITE(t, s->rc, &s->p->in, s->out, (size_t)s->n, AIO_SEC(1));
    }
    for (s->i = 0; s->i < PEERS; s->i++) {
        AIO_AWAIT(t, s->rc, &s->peers[s->i].task);
        say("%s read: %s", names[s->i], s->peers[s->i].log);
    }
    aio_server_close(&server);
    AIO_SERVER_WAIT_CLOSED(t, s->rc, &server, AIO_NEVER);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
