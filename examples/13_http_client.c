/* SPDX-License-Identifier: MIT */
/* 13_http_client.c - a real network client: HTTP GET over non-blocking
 * sockets, with a connect timeout, a read timeout and an overall timeout.
 *
 * The socket waits are the loop's own awaits, each with its deadline like
 * any other: AIO_TCP_CONNECT within the connect timeout, then AIO_SEND_ALL
 * and AIO_RECV within the read timeout (no byte for that long ends it), all
 * inside an AIO_TIMEOUT block for the overall timeout. When no task is ready
 * the loop waits for the sockets and the next deadline together (epoll, or
 * poll()), so there is no limit on how many requests run at once but the
 * descriptors and the timer slots.
 *
 *   1. a fast response;
 *   2. a slow response cut off by the read timeout (no byte within 1 s);
 *   3. a response that trickles in: every chunk arrives within the read
 *      timeout, but the overall timeout ends it;
 *   4. a refused connection;
 *   5. twenty requests at once in a task group, each with its own deadline:
 *      the quick ones are answered, the slow ones cut off at their deadline.
 *
 * It always runs on the real clock (real sockets), against the server of
 * 13_slow_server.py:
 *     python3 examples/13_slow_server.py          # prints its port, e.g. 40123
 *     build/examples/13_http_client 127.0.0.1 40123
 * (examples/showcase.sh and the tests start the server themselves). The output
 * holds no timings, so that it is the same on every run. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h" /* first: it asks for POSIX (sockets) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------------------
 * HTTP GET
 * ------------------------------------------------------------------------ */
enum {
    HTTP_EREFUSED = AIO_EUSER,  /* connection refused */
    HTTP_ECONNECT_TIMEOUT = AIO_EUSER - 1,
    HTTP_EREAD_TIMEOUT = AIO_EUSER - 2,
    HTTP_ESOCKET = AIO_EUSER - 3, /* another socket error */
    HTTP_EPROTO = AIO_EUSER - 4   /* not an HTTP answer */
};
static const char *describe(aio_status rc) {
    switch (rc) {
    case HTTP_EREFUSED: return "connection refused";
    case HTTP_ECONNECT_TIMEOUT: return "connect timed out";
    case HTTP_EREAD_TIMEOUT: return "read timed out";
    case HTTP_ESOCKET: return "socket error";
    case HTTP_EPROTO: return "not an HTTP response";
    case AIO_ETIMEDOUT: return "timed out";
    default: return aio_strerror(rc);
    }
}

/* GET `path` from `host`:`port`: lv = the HTTP status, or an error above. */
typedef struct {
    aio_frame frame;
    const char *host;
    int port;
    const char *path;
    aio_time connect_timeout, read_timeout;
    int fd;
    char request[128];
    int len;
    char response[2048];
    size_t got;
    const char *body;
    aio_status rc;
} http_t;
static aio_status http_get(aio_task *t, http_t *s) {
    AIO_BEGIN(t, s);
    s->got = 0;
    s->body = "";
    s->fd = -1;
    AIO_TCP_CONNECT(t, s->rc, s->host, s->port, s->connect_timeout);
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HTTP_ECONNECT_TIMEOUT);
    if (s->rc == AIO_ECONNREFUSED) AIO_RAISE(t, HTTP_EREFUSED);
    if (s->rc < 0) AIO_RAISE(t, HTTP_ESOCKET);
    s->fd = s->rc;

    s->len = snprintf(s->request, sizeof s->request, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
                      s->path, s->host);
    AIO_SEND_ALL(t, s->rc, s->fd, s->request, (size_t)s->len, s->read_timeout);
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HTTP_EREAD_TIMEOUT);
    if (s->rc < 0) AIO_RAISE(t, HTTP_ESOCKET);

    /* read until the server closes; no byte for read_timeout ends it */
    while (s->got < sizeof s->response - 1) {
        AIO_RECV(t, s->rc, s->fd, s->response + s->got, sizeof s->response - 1 - s->got,
                 s->read_timeout);
        if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HTTP_EREAD_TIMEOUT);
        if (s->rc < 0) AIO_RAISE(t, HTTP_ESOCKET);
        if (s->rc == 0) break; /* the end of the response */
        s->got += (size_t)s->rc;
    }
    s->response[s->got] = '\0';
    {
        int status = 0;
        char *end = strstr(s->response, "\r\n\r\n");
        if (sscanf(s->response, "HTTP/%*d.%*d %d", &status) != 1 || !end) AIO_RAISE(t, HTTP_EPROTO);
        s->body = end + 4;
        AIO_RETURN(t, status);
    }
    AIO_FINALLY(t); /* however it ended: timeout, cancellation, error or success */
    if (s->fd >= 0) aio_close(s->fd);
    s->fd = -1;
    AIO_END(t);
}

/* Print the outcome of a GET, the body's first line if there is one. */
static void report(const char *what, const http_t *h, aio_status rc) {
    char line[64];
    size_t n = strcspn(h->body, "\n");
    if (n >= sizeof line) n = sizeof line - 1;
    memcpy(line, h->body, n);
    line[n] = '\0';
    if (rc >= 0)
        printf("%sGET %s -> %d, \"%s\"%s\n", what, h->path, rc, line,
               h->body[n] == '\n' && h->body[n + 1] ? " ..." : "");
    else
        printf("%sGET %s -> %s\n", what, h->path, describe(rc));
}

/* How many "chunk N" lines of /drip arrived. */
static int count_chunks(const http_t *h) {
    size_t i;
    int n = 0;
    for (i = 0; i + 6 <= h->got; i++)
        if (memcmp(h->response + i, "chunk ", 6) == 0) n++;
    return n;
}

/* --------------------------------------------------------------------------
 * The requests
 * ------------------------------------------------------------------------ */
static const char *host;     /* the slow server's address */
static int port, nobody_port; /* its port; a port nobody listens on */

/* http_get inside an overall timeout: lv = the HTTP status or an error, and
 * AIO_ETIMEDOUT if the overall deadline cut it short. */
typedef struct {
    aio_frame frame;
    http_t http;
    aio_time overall;
    aio_timeout deadline;
    aio_status rc;
} get_t;
static aio_status get_within(aio_task *t, get_t *s) {
    AIO_BEGIN(t, s);
    s->rc = AIO_ETIMEDOUT; /* unless http_get returns first */
    AIO_TIMEOUT(t, &s->deadline, s->overall) {
        AIO_CALL(t, s->rc, http_get, &s->http);
    }
    AIO_RETURN(t, s->rc);
    AIO_END(t);
}
static void setup(get_t *g, int to, const char *path, aio_time connect, aio_time read,
                  aio_time overall) {
    g->http.host = host;
    g->http.port = to;
    g->http.path = path;
    g->http.connect_timeout = connect;
    g->http.read_timeout = read;
    g->overall = overall;
}

/* One of many concurrent requests, as a task. */
typedef struct { aio_task task; get_t get; aio_status rc; } request_t;
static aio_status request_task(aio_task *t) {
    request_t *s = AIO_SELF(t, request_t);
    AIO_BEGIN(t);
    AIO_CALL(t, s->rc, get_within, &s->get);
    AIO_END(t);
}

enum { MANY = 20 };
typedef struct {
    aio_task task;
    get_t get;
    aio_group group;
    request_t requests[MANY];
    aio_time started;
    int i, answered, cut_off;
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    puts("== 1. a fast response (connect 1 s, read 1 s, overall 5 s)");
    setup(&s->get, port, "/delay/0.1", AIO_SEC(1), AIO_SEC(1), AIO_SEC(5));
    AIO_CALL(t, s->rc, get_within, &s->get);
    report("", &s->get.http, s->rc);

    puts("\n== 2. a slow response: no byte for 3 s (read timeout 1 s, overall 5 s)");
    setup(&s->get, port, "/delay/3", AIO_SEC(1), AIO_SEC(1), AIO_SEC(5));
    AIO_CALL(t, s->rc, get_within, &s->get);
    report("", &s->get.http, s->rc);

    puts("\n== 3. a trickle: a chunk every 0.4 s for 4 s (read timeout 1 s, overall 1.4 s)");
    setup(&s->get, port, "/drip/10/0.4", AIO_SEC(1), AIO_SEC(1), AIO_MS(1400));
    AIO_CALL(t, s->rc, get_within, &s->get);
    if (aio_timeout_status(&s->get.deadline) == AIO_ETIMEDOUT)
        printf("GET %s -> overall timeout, after %d of 10 chunks\n", s->get.http.path,
               count_chunks(&s->get.http));
    else
        report("", &s->get.http, s->rc);

    puts("\n== 4. a refused connection");
    setup(&s->get, nobody_port, "/delay/0.1", AIO_SEC(1), AIO_SEC(1), AIO_SEC(5));
    AIO_CALL(t, s->rc, get_within, &s->get);
    report("", &s->get.http, s->rc);

    printf("\n== 5. %d requests at once, each with a deadline of 0.5 s\n", MANY);
    s->started = aio_now();
    AIO_GROUP(t, &s->group) {
        for (s->i = 0; s->i < MANY; s->i++) {
            setup(&s->requests[s->i].get, port, s->i % 2 ? "/delay/0.9" : "/delay/0.1",
                  AIO_SEC(1), AIO_SEC(2), AIO_MS(500));
            AIO_CHECK(t, aio_group_spawn(&s->group, &s->requests[s->i].task, request_task));
        }
    }
    s->answered = s->cut_off = 0;
    for (s->i = 0; s->i < MANY; s->i++) {
        request_t *r = &s->requests[s->i];
        char what[16];
        snprintf(what, sizeof what, "%2d: ", s->i + 1);
        report(what, &r->get.http, r->rc);
        if (r->rc >= 0) s->answered++;
        if (r->rc == AIO_ETIMEDOUT) s->cut_off++;
    }
    printf("%d answered, %d cut off at their deadline, %s\n", s->answered, s->cut_off,
           aio_now() - s->started < AIO_MS(900) ? "all done before the slow answers (0.9 s) came"
                                                : "but it took longer than 0.9 s");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static aio_timer timers[64];
    static main_t m;
    aio_loop loop;
    aio_status rc;
    int probe;
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT   (start python3 examples/13_slow_server.py "
                        "first: it prints its port)\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    host = argv[1];
    port = atoi(argv[2]);
    aio_loop_init(&loop, timers, 64); /* the real clock: these are real sockets */
    /* a port that nobody listens on: listen on a free one, note it, close it */
    probe = aio_tcp_listen(host, 0, 1);
    nobody_port = probe < 0 ? probe : aio_socket_port(probe);
    if (nobody_port < 0) {
        fprintf(stderr, "%s: not an address to listen on: %s\n", host, aio_strerror(nobody_port));
        return 2;
    }
    aio_close(probe);
    rc = aio_run(&loop, &m.task, main_task);
    return aio_loop_destroy(&loop) != AIO_OK || rc < 0;
}
