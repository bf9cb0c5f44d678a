/* SPDX-License-Identifier: MIT */
/* A server on every core (aio_server_share): two loops, each on a thread of
 * its own, serve one port on 127.0.0.1, real sockets, the real clock. The
 * main thread is the clients (blocking sockets, each wait bounded by 10 s):
 *   1. 40 connections open at once, each sends a line and reads its answer:
 *      every one is answered once, by one of the two loops (the answer names
 *      which), both loops served some, the ids across the share are 1 to 40
 *      with none twice; once all are closed the share counts none live;
 *   2. the share's limit (3): a fourth connection while three are open is
 *      refused with the server's message;
 *   3. two clients still connected when the share is closed (from this
 *      thread, no loop's): each loop says goodbye to its own and shuts its
 *      server down, the clients read the goodbye, both threads' loops end,
 *      aio_server_share_free says AIO_OK;
 * first as the system shares a port (SO_REUSEPORT on Linux; a hand-off
 * elsewhere), then with one loop handing connections out
 * (aio_server_share_hand_off) wherever it runs. On POSIX no descriptor is
 * left open at the end. Built and run by `make test`, under
 * ThreadSanitizer by `make sanitize`, on Windows by `make test-windows`.
 * Exit 0 when all is well. */
#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef HANDLE thread_t;
#define THREAD_FN(name) DWORD WINAPI name(LPVOID arg)
#define THREAD_END 0
#define thread_start(th, fn, a) (*(th) = CreateThread(NULL, 0, fn, a, 0, NULL))
#define thread_join(th) (WaitForSingleObject(th, INFINITE), CloseHandle(th))
typedef SOCKET sock_t;
typedef SRWLOCK mutex_t;
#define MUTEX_INIT SRWLOCK_INIT
#define lock(m) AcquireSRWLockExclusive(m)
#define unlock(m) ReleaseSRWLockExclusive(m)
#define close_sock(s) closesocket(s)
#define BAD_SOCK INVALID_SOCKET
#else
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
typedef pthread_t thread_t;
#define THREAD_FN(name) void *name(void *arg)
#define THREAD_END NULL
#define thread_start(th, fn, a) pthread_create(th, NULL, fn, a)
#define thread_join(th) pthread_join(th, NULL)
typedef int sock_t;
typedef pthread_mutex_t mutex_t;
#define MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#define lock(m) pthread_mutex_lock(m)
#define unlock(m) pthread_mutex_unlock(m)
#define close_sock(s) close(s)
#define BAD_SOCK (-1)
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AIO_THREAD_LOCAL _Thread_local
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"

enum { LOOPS = 2, CLIENTS = 40 };

static aio_server_share share;
static int failures;
static mutex_t joined_lock = MUTEX_INIT;
static int joined; /* loops serving (under joined_lock) */
#define EXPECT(cond, ...)                                        \
    do {                                                         \
        if (!(cond)) {                                           \
            failures++;                                          \
            printf("FAILED (line %d): ", __LINE__);             \
            printf(__VA_ARGS__);                                 \
            printf("\n");                                        \
        }                                                        \
    } while (0)

/* ---- the loops: the line server's handler, and a task per loop */
typedef struct {
    aio_conn conn;
    aio_stream in;
    aio_status n;
    int len;
    char buf[256], out[300];
} client_t;

typedef struct {
    aio_task task;
    aio_server srv;
    aio_event stop;
    aio_conn *c;
    aio_status rc, joined, shut;
    int index;
    int served; /* (this loop's thread; read after its join) */
} loop_t;
static loop_t loops[LOOPS];

static aio_status handle(aio_task *t) {
    client_t *c = AIO_CONN_SELF(t, client_t);
    loop_t *l = AIO_CONTAINER(c->conn.server, loop_t, srv);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_stream_init(&c->in, c->conn.fd, c->buf, sizeof c->buf));
    l->served++;
    for (;;) {
        AIO_READ_LINE(t, c->n, &c->in, AIO_SEC(30));
        if (c->n <= 0 || aio_stream_data(&c->in)[c->n - 1] != '\n') break;
        c->len = snprintf(c->out, sizeof c->out, "loop %d id %u: %.*s", l->index, c->conn.id, (int)c->n,
                          aio_stream_data(&c->in));
        AIO_STREAM_WRITE(t, c->n, &c->in, c->out, (size_t)c->len, AIO_SEC(10));
        if (c->n < 0) break;
    }
    AIO_END(t);
}

static aio_status serve(aio_task *t) {
    loop_t *l = AIO_SELF(t, loop_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_server_init(&l->srv, handle, NULL, sizeof(client_t), 64));
    aio_server_refuse(&l->srv, "busy\n", NULL);
    l->joined = aio_server_start_shared(&l->srv, &share, &l->stop);
    AIO_CHECK(t, l->joined);
    lock(&joined_lock);
    joined++;
    unlock(&joined_lock);
    AIO_EVENT_WAIT(t, l->rc, &l->stop, AIO_SEC(120));
    AIO_CHECK(t, l->rc);
    for (l->c = aio_server_next(&l->srv, NULL); l->c; l->c = aio_server_next(&l->srv, l->c))
        AIO_STREAM_WRITE(t, l->rc, &AIO_CONTAINER(l->c, client_t, conn)->in, "goodbye\n", 8, AIO_SEC(5));
    AIO_SERVER_SHUTDOWN(t, l->shut, &l->srv, AIO_SEC(10));
    AIO_END(t);
}

static THREAD_FN(run_loop) {
    loop_t *l = (loop_t *)arg;
    static aio_timer timers[LOOPS][CLIENTS + 8];
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers[l->index], CLIENTS + 8);
    rc = aio_run(&loop, &l->task, serve);
    EXPECT(rc == AIO_OK, "loop %d's run: %d (joined %d, stop %d, shutdown %d)", l->index, rc, l->joined, l->rc,
           l->shut);
    EXPECT(aio_loop_destroy(&loop) == AIO_OK, "loop %d would not be destroyed", l->index);
    return THREAD_END;
}

/* ---- the clients: blocking sockets, each wait at most 10 s */
static sock_t dial(int port) {
    struct sockaddr_in a;
    sock_t s = socket(AF_INET, SOCK_STREAM, 0);
#ifdef _WIN32
    DWORD ms = 10000;
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, sizeof ms);
#else
    struct timeval tv = {10, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
#endif
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s == BAD_SOCK || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        EXPECT(0, "connect to port %d", port);
        if (s != BAD_SOCK) close_sock(s);
        return BAD_SOCK;
    }
    return s;
}
/* A line read (up to its newline) into buf: its length, 0 at the end, -1 on an error or after 10 s. */
static int read_line(sock_t s, char *buf, int room) {
    int n = 0;
    while (n < room - 1) {
        int k = (int)recv(s, buf + n, 1, 0);
        if (k <= 0) break;
        if (buf[n++] == '\n') break;
    }
    buf[n] = 0;
    return n;
}
static int send_text(sock_t s, const char *text) { return (int)send(s, text, (int)strlen(text), 0) == (int)strlen(text); }

#ifndef _WIN32
static int open_descriptors(void) {
    int fd, n = 0;
    for (fd = 0; fd < 1024; fd++) n += fcntl(fd, F_GETFD) != -1;
    return n;
}
#endif

static void pause_ms(void) {
#ifdef _WIN32
    Sleep(1);
#else
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
#endif
}
static void wait_live(uint32_t want) { /* (the loops see the clients' closes a little later) */
    int i;
    for (i = 0; i < 10000 && aio_server_share_live(&share) != want; i++) pause_ms();
}
static int joined_now(void) {
    int n;
    lock(&joined_lock);
    n = joined;
    unlock(&joined_lock);
    return n;
}

static void run(int hand_off) {
    static sock_t s[CLIENTS];
    static int seen[CLIENTS + 1];
    thread_t th[LOOPS];
    char line[400], want[64];
    int i, port, by[LOOPS] = {0};
    unsigned id;
    int who;
    memset(seen, 0, sizeof seen);
    EXPECT(aio_server_share_init(&share, LOOPS, "127.0.0.1", 0, 0) == AIO_OK, "the share is made");
    if (hand_off) EXPECT(aio_server_share_hand_off(&share) == AIO_OK, "the share hands off");
    EXPECT(aio_server_share_limit(&share, CLIENTS) == AIO_OK, "the share's limit set");
    port = aio_server_share_port(&share);
    printf("%s: port %d, %s\n", hand_off ? "hand-off asked" : "the system's way", port,
           share.reuse_port ? "each loop listens (the system balances)" : "one loop accepts and hands off");
    memset(loops, 0, sizeof loops);
    joined = 0;
    for (i = 0; i < LOOPS; i++) {
        loops[i].index = i;
        thread_start(&th[i], run_loop, &loops[i]);
    }
    for (i = 0; i < 10000 && joined_now() < LOOPS; i++) pause_ms(); /* (every loop in: each gets its part) */
    EXPECT(joined_now() == LOOPS, "%d loops of %d joined within 10 s", joined_now(), LOOPS);
    /* 1. 40 at once, each answered once */
    for (i = 0; i < CLIENTS; i++) s[i] = dial(port);
    for (i = 0; i < CLIENTS; i++) {
        snprintf(want, sizeof want, "hello %d\n", i);
        if (s[i] == BAD_SOCK || !send_text(s[i], want)) continue;
        if (read_line(s[i], line, sizeof line) <= 0 || sscanf(line, "loop %d id %u:", &who, &id) != 2 ||
            strcmp(strchr(line, ':') + 2, want) != 0 || who < 0 || who >= LOOPS || id < 1 || id > CLIENTS) {
            EXPECT(0, "client %d's answer: \"%s\"", i, line);
            continue;
        }
        by[who]++;
        EXPECT(!seen[id]++, "id %u given twice", id);
    }
    for (i = 0; i < LOOPS; i++) EXPECT(by[i] > 0, "loop %d served none of the %d", i, CLIENTS);
    EXPECT(by[0] + by[1] == CLIENTS, "%d + %d answers of %d", by[0], by[1], CLIENTS);
    printf("  %d connections: %d served by loop 0, %d by loop 1\n", CLIENTS, by[0], by[1]);
    for (i = 0; i < CLIENTS; i++)
        if (s[i] != BAD_SOCK) close_sock(s[i]);
    wait_live(0);
    EXPECT(aio_server_share_live(&share) == 0, "%u live once every client left", aio_server_share_live(&share));
    /* 2. the limit: three open, the fourth refused (the limit is read at each admission) */
    EXPECT(aio_server_share_limit(&share, 3) == AIO_OK, "the limit set while the loops serve");
    for (i = 0; i < 4; i++) {
        s[i] = dial(port);
        if (s[i] == BAD_SOCK) continue;
        snprintf(want, sizeof want, "again %d\n", i);
        EXPECT(send_text(s[i], want), "send");
        EXPECT(read_line(s[i], line, sizeof line) > 0 && (i < 3 ? strstr(line, want) != NULL : strcmp(line, "busy\n") == 0),
               "connection %d of 4 with a limit of 3: \"%s\"", i + 1, line);
    }
    close_sock(s[3]);
    close_sock(s[2]);
    wait_live(2);
    printf("  a limit of 3 across the loops: the fourth refused\n");
    /* 3. closed with two clients connected: each loop says goodbye to its own */
    EXPECT(aio_server_share_close(&share) == AIO_OK, "the share closes");
    EXPECT(aio_server_share_close(&share) == AIO_ECLOSED, "a second close says so");
    for (i = 0; i < 2; i++) {
        EXPECT(read_line(s[i], line, sizeof line) > 0 && strcmp(line, "goodbye\n") == 0, "client %d: \"%s\"", i, line);
        close_sock(s[i]);
    }
    for (i = 0; i < LOOPS; i++) thread_join(th[i]);
    EXPECT(loops[0].served + loops[1].served == CLIENTS + 3, "the handlers counted %d + %d", loops[0].served,
           loops[1].served);
    EXPECT(aio_server_share_free(&share) == AIO_OK, "the share is let go");
    printf("  closed from another thread: goodbyes read, both loops ended\n");
}

int main(void) {
#ifdef _WIN32
    WSADATA data;
    WSAStartup(MAKEWORD(2, 2), &data);
#else
    int before = open_descriptors();
#endif
    run(0);
    run(1);
#ifndef _WIN32
    EXPECT(open_descriptors() == before, "%d descriptors open before, %d after", before, open_descriptors());
#endif
    printf("%s\n", failures ? "server_share: FAILED" : "server_share: every check held");
    return failures != 0;
}
