/* SPDX-License-Identifier: MIT */
/* 29_chat_room.c - a chat room, written the way a newcomer writes one.
 *
 *   - a member's first line is its name; each later line goes to every other
 *     member as "name: line", written from the sender's task
 *     (aio_stream_writelines: never waiting, sent in the background);
 *   - a member who reads nothing is dropped once 1 MiB waits to be sent to it
 *     (the write buffer's bound refuses the line; aio_conn_abort);
 *   - SIGTERM cancels the main task (aio_signal_cancel: asyncio's
 *     add_signal_handler(SIGTERM, task.cancel)); its cleanup stops the server,
 *     and each member's cleanup sends a goodbye and closes the connection once
 *     everything it was sent is sent (AIO_STREAM_CLOSE).
 *
 * Three scripted members (ann, bob and cat) in the same program, on
 * 127.0.0.1: ann says hello, bob sends 256 lines of 60,000 bytes, cat reads
 * nothing; the script raises SIGTERM at 3 s and prints what ann and bob read.
 * The Python original is 29_chat_room.py; both print the same.
 * Run: 29_chat_room [--virtual] */
#include "example.h" /* (first: the header asks for POSIX) */

enum { LINE_MAX_ = 64 * 1024, MEMBERS = 8, NAME = 16, FLOOD = 60000 };
static const char *const names[] = {"ann", "bob", "cat"};
static const char goodbye[] = "server closing: goodbye\n";

typedef struct { aio_conn conn; aio_stream in; char name[NAME]; aio_status n, rc; } member_t;
static member_t members[MEMBERS];
static aio_server server;
static int closing; /* SIGTERM came: each member is told goodbye */

static void send_to_others(member_t *from, const char *line, size_t len) {
    aio_piece message[3] = {{from->name, strlen(from->name)}, {": ", 2}, {line, len}};
    aio_conn *c;
    for (c = aio_server_next(&server, NULL); c; c = aio_server_next(&server, c)) {
        member_t *to = AIO_CONTAINER(c, member_t, conn);
        if (to == from || !to->name[0] || aio_stream_writelines(&to->in, message, 3) == AIO_OK) continue;
        say("server: %s is too slow: dropped", to->name); /* (over the 1 MiB bound) */
        to->name[0] = '\0';
        aio_conn_abort(c);
    }
}

static aio_status handle(aio_task *t) {
    member_t *m = AIO_CONN_SELF(t, member_t);
    AIO_BEGIN(t);
    m->name[0] = '\0';
    AIO_CHECK(t, aio_stream_init_growing(&m->in, m->conn.fd, 256, LINE_MAX_));
    AIO_READ_LINE(t, m->n, &m->in, AIO_NEVER);
    AIO_CHECK(t, m->n);
    snprintf(m->name, sizeof m->name, "%.*s", (int)m->n - 1, aio_stream_data(&m->in));
    say("server: %s joined", m->name);
    for (;;) {
        AIO_READ_LINE(t, m->n, &m->in, AIO_NEVER);
        if (m->n <= 0) break;
        send_to_others(m, aio_stream_data(&m->in), (size_t)m->n);
    }
    AIO_FINALLY(t);
    if (closing) aio_stream_write(&m->in, goodbye, sizeof goodbye - 1);
    if (closing) AIO_STREAM_CLOSE(t, m->rc, &m->in, AIO_SEC(1));
    aio_stream_free(&m->in);
    AIO_END(t);
}

/* A scripted member's reader: how many lines it read, and the last. */
typedef struct { aio_task task; int fd, lines; aio_stream in; aio_status n; char last[32]; } peer_t;
static aio_status read_all(aio_task *t) {
    peer_t *p = AIO_SELF(t, peer_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_READ_LINE(t, p->n, &p->in, AIO_NEVER);
        if (p->n <= 0) break;
        p->lines++;
        snprintf(p->last, sizeof p->last, "%.*s", (int)p->n - 1, aio_stream_data(&p->in));
    }
    AIO_END(t);
}

typedef struct { aio_task task, *server_main; peer_t peers[3]; int i; aio_status rc; char flood[FLOOD + 1]; } script_t;
static aio_status members_script(aio_task *t) {
    script_t *s = AIO_SELF(t, script_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 3; s->i++) {
        AIO_SLEEP_UNTIL(t, example_start + AIO_MS(100 * (s->i + 1)));
        AIO_TCP_CONNECT(t, s->rc, "127.0.0.1", aio_server_port(&server), AIO_SEC(1));
        AIO_CHECK(t, s->peers[s->i].fd = s->rc);
        AIO_CHECK(t, aio_stream_init_growing(&s->peers[s->i].in, s->rc, 256, LINE_MAX_));
        aio_stream_write(&s->peers[s->i].in, names[s->i], 3);
        aio_stream_write(&s->peers[s->i].in, "\n", 1);
        if (s->i < 2) AIO_CHECK(t, aio_spawn(&s->peers[s->i].task, read_all)); /* cat reads nothing */
    }
    AIO_SLEEP_UNTIL(t, example_start + AIO_MS(500));
    aio_stream_write(&s->peers[0].in, "hello all\n", 10);
    AIO_SLEEP_UNTIL(t, example_start + AIO_MS(700));
    for (s->i = 0; s->i < 256; s->i++) {
        aio_stream_write(&s->peers[1].in, s->flood, FLOOD + 1);
        AIO_DRAIN(t, s->rc, &s->peers[1].in, AIO_NEVER);
    }
    AIO_SLEEP_UNTIL(t, example_start + AIO_SEC(3));
    example_sigterm_cancel(s->server_main);
    for (s->i = 0; s->i < 2; s->i++) {
        AIO_AWAIT(t, s->rc, &s->peers[s->i].task);
        say("%s read %d lines, the last '%s'", names[s->i], s->peers[s->i].lines, s->peers[s->i].last);
    }
    AIO_FINALLY(t);
    for (s->i = 0; s->i < 3; s->i++) aio_stream_free(&s->peers[s->i].in);
    for (s->i = 0; s->i < 3; s->i++) aio_close(s->peers[s->i].fd);
    AIO_END(t);
}

typedef struct { aio_task task; script_t script; aio_status rc; } main_t;
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_signal_cancel(SIGTERM, t));
    AIO_CHECK(t, aio_server_init(&server, handle, members, sizeof members[0], MEMBERS));
    AIO_CHECK(t, aio_server_listen(&server, "127.0.0.1", 0, 0));
    s->script.server_main = t;
    AIO_CHECK(t, aio_spawn(&s->script.task, members_script));
    AIO_SLEEP(t, AIO_NEVER); /* serve until SIGTERM cancels this task */
    AIO_FINALLY(t);
    say("server: SIGTERM: goodbye to %u members", (unsigned)server.live);
    closing = 1;
    AIO_SERVER_SHUTDOWN(t, s->rc, &server, 0); /* (the handlers cancelled at once) */
    AIO_AWAIT(t, s->rc, &s->script.task);
    if (AIO_STATUS(t) == AIO_ECANCELED) AIO_RETURN(t, s->rc);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    memset(m.script.flood, 'a', FLOOD);
    m.script.flood[FLOOD] = '\n';
    return example_run(&m.task, main_task, argc, argv);
}
