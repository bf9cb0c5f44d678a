/* SPDX-License-Identifier: MIT */
/* 27_line_server_cores.c - the line server of example 17 on every core: a
 * loop per thread, one port (asyncio's start_server(reuse_port=True) run in
 * a process per core).
 *
 *   - aio_server_share_init makes the share on the port; each loop's task
 *     serves it with a server of its own (aio_server_start_shared). On Linux
 *     each loop listens (SO_REUSEPORT) and the system spreads the
 *     connections; on Windows and macOS one loop accepts and hands them out;
 *   - handle() is example 17's, line for line; connection ids and the limit
 *     of MAX clients count across the loops (aio_server_share_limit);
 *   - SIGTERM or Ctrl-C reaches the first loop, which closes the share: each
 *     loop then says goodbye to its own clients, gives them 1 s, cancels who
 *     is left, and ends; the program exits 0 once every loop has.
 *
 * For the same clients it prints the lines example 17 prints (those of one
 * instant may come in another order: several loops print them):
 *     python3 examples/17_line_client.py build/examples/27_line_server_cores 0 3
 * Run: 27_line_server_cores [PORT [MAX [LOOPS]]]   (LOOPS: the processors) */
/* a loop per thread: the running loop kept per thread */
#if defined(__cplusplus)
#define AIO_THREAD_LOCAL thread_local
#elif defined(_MSC_VER) && !defined(__clang__)
#define AIO_THREAD_LOCAL __declspec(thread)
#else
#define AIO_THREAD_LOCAL _Thread_local
#endif
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include "example.h"
#include <ctype.h>
#include <signal.h>
#ifdef _WIN32
typedef HANDLE thread_t;
#define THREAD_FN(name) DWORD WINAPI name(LPVOID arg)
#define thread_start(th, fn, a) ((*(th) = CreateThread(NULL, 0, fn, a, 0, NULL)) != NULL)
#define thread_join(th) (WaitForSingleObject(th, INFINITE), CloseHandle(th))
static int processors(void) {
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return (int)info.dwNumberOfProcessors;
}
#else
#include <pthread.h>
#include <unistd.h>
typedef pthread_t thread_t;
#define THREAD_FN(name) void *name(void *arg)
#define thread_start(th, fn, a) (pthread_create(th, NULL, fn, a) == 0)
#define thread_join(th) pthread_join(th, NULL)
static int processors(void) { return (int)sysconf(_SC_NPROCESSORS_ONLN); }
#endif

enum { LIMIT = 1024, MAX_CLIENTS = 100, MAX_LOOPS = 16 }; /* the longest line, without its newline */
typedef struct {
    aio_conn conn;
    int skipping, i;
    aio_status n;
    aio_stream in;
    char buf[LIMIT + 1], out[LIMIT + 1]; /* a line and its newline */
} client_t;

static aio_status handle(aio_task *t) { /* (example 17's) */
    client_t *c = AIO_CONN_SELF(t, client_t);
    AIO_BEGIN(t);
    say("client %u connected", c->conn.id);
    c->skipping = 0;
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(2));
        if (c->n == AIO_ETIMEDOUT) {
            say("client %u idle for 2 s: dropped", c->conn.id);
            AIO_STREAM_WRITE(t, c->n, &c->in, "idle for 2 s: goodbye\n", 22, AIO_SEC(1));
            break;
        }
        if (c->n == AIO_ELIMIT) {
            if (!c->skipping) say("client %u: a line over %d bytes", c->conn.id, LIMIT);
            if (!c->skipping) AIO_STREAM_WRITE(t, c->n, &c->in, "error: line too long\n", 21, AIO_SEC(1));
            c->skipping = 1;
            aio_stream_discard(&c->in, sizeof c->buf);
            continue;
        }
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') {
            say("client %u left", c->conn.id);
            break;
        }
        if (c->skipping) {
            c->skipping = 0;
            continue;
        }
        say("client %u: %.*s", c->conn.id, c->n - 1, aio_stream_data(&c->in));
        for (c->i = 0; c->i < c->n; c->i++) c->out[c->i] = (char)toupper((unsigned char)aio_stream_data(&c->in)[c->i]);
        AIO_STREAM_WRITE(t, c->n, &c->in, c->out, (size_t)c->n, AIO_SEC(2));
        if (c->n == AIO_ETIMEDOUT) {
            say("client %u not reading for 2 s: dropped", c->conn.id);
            break;
        }
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("client %u did not leave within 1 s", c->conn.id);
    AIO_END(t);
}

static aio_server_share share;
static void refused(aio_server *server) {
    (void)server;
    say("a client refused: %u connected", aio_server_share_live(&share));
}

/* A loop's task: its server on the share until the share closes; the first
 * loop's also takes the signals and closes the share. */
typedef struct {
    aio_task task;
    int index, max;
    aio_status rc;
    aio_event stop, signalled;
    aio_server server;
    aio_conn *c;
    aio_loop loop;
    aio_timer timers[MAX_CLIENTS + 4];
} loop_t;
static loop_t loops[MAX_LOOPS];

static aio_status serve(aio_task *t) {
    loop_t *l = AIO_SELF(t, loop_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&l->server, handle, NULL, sizeof(client_t), (uint32_t)l->max));
    aio_server_refuse(&l->server, "busy: try again later\n", refused);
    l->rc = aio_server_start_shared(&l->server, &share, &l->stop);
    if (l->rc == AIO_ECLOSED) AIO_RETURN(t, 0); /* (a signal came before this loop started) */
    AIO_CHECK(t, l->rc);
    if (l->index == 0) { /* (signals go to one loop) */
        AIO_CHECK(t, aio_signal_event(SIGTERM, &l->signalled));
        AIO_CHECK(t, aio_signal_event(SIGINT, &l->signalled));
        AIO_EVENT_WAIT(t, l->rc, &l->signalled, AIO_NEVER);
        say("SIGTERM or Ctrl-C: goodbye to each client");
        aio_server_share_close(&share); /* every loop's stop is set, this one's too */
    }
    AIO_EVENT_WAIT(t, l->rc, &l->stop, AIO_NEVER);
    for (l->c = aio_server_next(&l->server, NULL); l->c; l->c = aio_server_next(&l->server, l->c))
        AIO_STREAM_WRITE(t, l->rc, &AIO_CONTAINER(l->c, client_t, conn)->in, "server closing: goodbye\n", 24, AIO_SEC(1));
    AIO_SERVER_SHUTDOWN(t, l->rc, &l->server, AIO_SEC(1));
    AIO_END(t);
}

static aio_status closed(aio_task *t) { /* (the first loop's, once every loop has ended) */
    AIO_BEGIN(t);
    say("server closed");
    AIO_END(t);
}

static THREAD_FN(run_loop) {
    loop_t *l = (loop_t *)arg;
    if (l->index) aio_loop_init(&l->loop, l->timers, MAX_CLIENTS + 4); /* (the first: example_loop's) */
    l->rc = aio_run(&l->loop, &l->task, serve);
    if (l->index && aio_loop_destroy(&l->loop) != AIO_OK && l->rc >= 0) l->rc = AIO_EBUSY;
#ifdef _WIN32
    return 0;
#else
    return NULL;
#endif
}

int main(int argc, char **argv) {
    thread_t threads[MAX_LOOPS];
    int port = argc > 1 ? atoi(argv[1]) : 8888;
    int max = argc > 2 && atoi(argv[2]) > 0 && atoi(argv[2]) <= MAX_CLIENTS ? atoi(argv[2]) : MAX_CLIENTS;
    int n = argc > 3 && atoi(argv[3]) > 0 ? atoi(argv[3]) : processors();
    int i, failed = 0;
    if (n < 1) n = 1;
    if (n > MAX_LOOPS) n = MAX_LOOPS;
    example_loop(&loops[0].loop, loops[0].timers, MAX_CLIENTS + 4, 0, NULL); /* the real clock: real sockets */
    if (aio_server_share_init(&share, n, "127.0.0.1", port, 100) != AIO_OK) {
        perror("27_line_server_cores: cannot listen on 127.0.0.1"); /* port in use */
        return 1;
    }
    aio_server_share_limit(&share, (uint32_t)max);
    say("serving on 127.0.0.1 port %d", aio_server_share_port(&share));
    fprintf(stderr, "%d loops, %s\n", n, share.reuse_port ? "each listening" : "one handing connections out");
    for (i = 0; i < n; i++) {
        loops[i].index = i;
        loops[i].max = max;
    }
    for (i = 1; i < n; i++)
        if (!thread_start(&threads[i], run_loop, &loops[i])) break; /* (out of threads: fewer loops) */
    n = i;
    run_loop(&loops[0]); /* the first loop on this thread */
    for (i = 1; i < n; i++) thread_join(threads[i]);
    for (i = 0; i < n; i++) failed |= loops[i].rc < 0;
    failed |= aio_run(&loops[0].loop, &loops[0].task, closed) < 0 || aio_loop_destroy(&loops[0].loop) != AIO_OK;
    return aio_server_share_free(&share) != AIO_OK || failed;
}
