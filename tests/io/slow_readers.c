/* SPDX-License-Identifier: MIT */
/* The fan-out examples' servers under a reader that stops: every message
 * whole and in order, or the member dropped; never a hole, never a piece.
 * Built once with -DSLOW_CHAT (examples/25_chat_server.c's server) and once
 * with -DSLOW_BROKER (examples/26_pubsub_broker.c's), by make test's stage
 * slow_readers; the example's own code is included as it is, its main
 * renamed. Real sockets on 127.0.0.1, on the virtual clock: the reader's
 * pause and the keep-alive lines are exact times, and a run takes no real
 * time to speak of.
 *   chat: r1 joins, then s1; s1 sends N lines "s1 i xx...x" at once (10 MB:
 *     more than the system's buffers hold, less than the example's bound);
 *     r1 reads nothing for 6 s (both say "k" every 500 ms, the chat's 2 s
 *     idle rule), then reads until s1's last line: each line it gets must be
 *     "s1: s1 i xx..x" with i the next one, or a join, a leave or a "k";
 *     all N, or r1 dropped (its end) with no line missing before it.
 *   broker: q1 subscribes to t; p1 publishes 280 messages of 60,000 bytes at
 *     once (16 MB); q1 reads nothing for 500 ms, then reads: each message it
 *     gets must be the next one, whole; all 280, or q1 dropped, never a gap.
 * Exit 0 if it held; 1 with a line saying what went wrong. */
#if !defined(SLOW_CHAT) && !defined(SLOW_BROKER)
#define SLOW_CHAT 1 /* (the chat unless told: a file that builds as it is) */
#endif
#define main example_main
#if defined(SLOW_CHAT)
#include "../../examples/25_chat_server.c"
#else
#include "../../examples/26_pubsub_broker.c"
#endif
#undef main

#if defined(SLOW_CHAT)
enum { N = 100000, PAD = 90, PAUSE_MS = 6000, KEEP_MS = 500 };
#else
enum { N = 280, PAD = 60000, PAUSE_MS = 500, KEEP_MS = 0 };
#endif
typedef struct {
    aio_frame frame; /* (connect_member's, an inline coroutine over it) */
    aio_task task, keeper;
    int fd, i, next, got, bad, ended;
    aio_stream in;
    aio_status n, rc;
    char line[PAD + 64];
} member_t;
static member_t reader, talker;

static aio_status keep_alive(aio_task *t) { /* "k" every KEEP_MS, for the chat's idle rule */
    member_t *m = AIO_CONTAINER(t, member_t, keeper);
    AIO_BEGIN(t);
    for (;;) {
        AIO_SLEEP(t, AIO_MS(KEEP_MS));
        if (aio_stream_write(&m->in, "k\n", 2) != AIO_OK) break;
    }
    AIO_END(t);
}

/* Is this line the reader's next message (the number it expects, whole)? */
static int next_message(member_t *m, const char *line, size_t n) {
    int k = 0, pad = 0;
    size_t i;
#if defined(SLOW_CHAT)
    if (!strncmp(line, "* ", 2) || !strncmp(line, "s1: k\n", 6)) return 1; /* (a join, a leave, a "k") */
    if (sscanf(line, "s1: s1 %d ", &k) != 1) return 0;
#else
    if (sscanf(line, "t %d ", &k) != 1) return 0;
#endif
    for (i = 0; i < n && line[i] != 'x'; i++) continue;
    while (i < n && line[i] == 'x') i++, pad++;
    if (k != m->next || pad != PAD || i != n - 1 || line[n - 1] != '\n') return 0;
    m->next++;
    m->got++;
    return 1;
}

static aio_status read_slowly(aio_task *t) {
    member_t *m = AIO_SELF(t, member_t);
    AIO_BEGIN(t);
    m->next = 1;
    AIO_SLEEP(t, AIO_MS(PAUSE_MS)); /* (reads nothing: its socket fills, then the server's buffer) */
    while (m->got < N) {
        AIO_READ_LINE(t, m->n, &m->in, AIO_SEC(30));
        if (m->n <= 0) {
            m->ended = 1; /* dropped: what came before must have been whole and in order */
            break;
        }
        if (!next_message(m, aio_stream_data(&m->in), (size_t)m->n)) {
            printf("slow reader: line %d not whole or not the next one: %.60s\n", m->got + 1, aio_stream_data(&m->in));
            m->bad++;
            break;
        }
    }
    AIO_END(t);
}

static aio_status connect_member(aio_task *t, member_t *m) {
    AIO_BEGIN(t, m);
    AIO_TCP_CONNECT(t, m->rc, "127.0.0.1", aio_server_port(&server), AIO_SEC(1));
    AIO_CHECK(t, m->fd = m->rc);
    AIO_CHECK(t, aio_stream_init_growing(&m->in, m->fd, 256, 1 << 17));
    AIO_CHECK(t, aio_stream_set_write_limits(&m->in, 1 << 16, 1 << 14, (size_t)64 << 20));
    AIO_END(t);
}

typedef struct { aio_task task; int i; aio_status rc; } harness_t;
static aio_status harness(aio_task *t) {
    harness_t *h = AIO_SELF(t, harness_t);
    static char msg[PAD + 64];
    int n;
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&server, handle, clients, sizeof clients[0], CLIENTS));
    AIO_CHECK(t, aio_server_listen(&server, "127.0.0.1", 0, 0));
    AIO_CALL(t, h->rc, connect_member, &reader);
    AIO_CHECK(t, h->rc);
    AIO_CALL(t, h->rc, connect_member, &talker);
    AIO_CHECK(t, h->rc);
#if defined(SLOW_CHAT)
    aio_stream_write(&reader.in, "r1\n", 3);
    AIO_SLEEP(t, AIO_MS(10));
    aio_stream_write(&talker.in, "s1\n", 3);
#else
    aio_stream_write(&reader.in, "q1\nSUB t\n", 9);
    aio_stream_write(&talker.in, "p1\n", 3);
#endif
    AIO_SLEEP(t, AIO_MS(10));
    AIO_CHECK(t, aio_spawn(&reader.task, read_slowly));
    if (KEEP_MS) AIO_CHECK(t, aio_spawn(&reader.keeper, keep_alive));
    if (KEEP_MS) AIO_CHECK(t, aio_spawn(&talker.keeper, keep_alive));
    memset(msg, 'x', sizeof msg);
    for (h->i = 1; h->i <= N; h->i++) {
#if defined(SLOW_CHAT)
        n = snprintf(msg, 32, "s1 %d ", h->i);
#else
        n = snprintf(msg, 32, "PUB t %d ", h->i);
#endif
        memset(msg + n, 'x', PAD);
        msg[n + PAD] = '\n';
        AIO_CHECK(t, aio_stream_write(&talker.in, msg, (size_t)n + PAD + 1));
    }
    AIO_AWAIT(t, h->rc, &reader.task);
    if (KEEP_MS) aio_cancel(&reader.keeper), aio_cancel(&talker.keeper);
    aio_stream_abort(&reader.in);
    aio_stream_abort(&talker.in);
    aio_server_close(&server);
    AIO_SERVER_SHUTDOWN(t, h->rc, &server, AIO_SEC(1));
    AIO_END(t);
}

int main(void) {
    static harness_t h;
    static aio_timer timers[64];
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 64);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &h.task, harness);
    aio_stream_free(&reader.in);
    aio_stream_free(&talker.in);
    (void)aio_loop_destroy(&loop);
    printf("slow reader: %d of %d messages whole and in order%s (%s)\n", reader.got, N,
           reader.ended ? ", then dropped" : "", rc < 0 ? aio_strerror(rc) : "the run ended");
    return rc < 0 || reader.bad || (reader.got < N && !reader.ended);
}
