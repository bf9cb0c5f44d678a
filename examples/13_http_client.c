/* SPDX-License-Identifier: MIT */
/* 13_http_client.c - a real network client: HTTP GET over non-blocking
 * sockets, with a connect timeout, a read timeout and an overall timeout.
 *
 * How the I/O fits the loop: a coroutine that would block registers interest
 * in its socket (an io_watch: fd, events) and waits on the watch's aio_event
 * with a timeout. When no task is ready, the loop calls its idle hook with the
 * next deadline (aio_loop_set_idle); ours calls poll() on every registered
 * socket, for at most the time until that deadline, and sets the event of
 * each socket that became ready. The loop then wakes the waiting tasks, or
 * fires the timers whose deadline came first. Only POSIX calls are used.
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
#include "aio_timeout.h" /* first: it asks for POSIX (poll, sockets) */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* --------------------------------------------------------------------------
 * Readiness waits: io_watch, the idle hook, and the io_wait coroutine.
 * ------------------------------------------------------------------------ */
typedef struct io_watch {
    int fd;
    short events, revents; /* POLLIN / POLLOUT asked for; what poll() saw */
    aio_event ready;       /* set by the idle hook when the socket is ready */
    struct io_watch *next;
} io_watch;
static io_watch *watches; /* every socket some task is waiting on */

static void watch_add(io_watch *w) {
    w->revents = 0;
    aio_event_clear(&w->ready);
    w->next = watches;
    watches = w;
}
static void watch_remove(io_watch *w) {
    io_watch **p;
    for (p = &watches; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            return;
        }
}

static aio_time monotonic_now(void) { /* the loop's default clock, read afresh */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (aio_time)((aio_time)ts.tv_sec * AIO_TICKS_PER_SEC +
                      (aio_time)((uint64_t)ts.tv_nsec * AIO_TICKS_PER_SEC / 1000000000u));
}

/* The idle hook: nothing is ready, so sleep in poll() until a socket is ready
 * or the next deadline comes. */
enum { MAX_WATCHES = 64 };
static void poll_idle(void *ctx, aio_loop *loop, aio_time deadline) {
    struct pollfd fds[MAX_WATCHES];
    io_watch *w;
    int n = 0, i, timeout_ms = -1;
    (void)ctx;
    (void)loop;
    for (w = watches; w && n < MAX_WATCHES; w = w->next, n++) {
        fds[n].fd = w->fd;
        fds[n].events = w->events;
        fds[n].revents = 0;
    }
    if (n == 0 && deadline == AIO_NEVER) { /* nothing could ever wake the loop */
        fputs("13_http_client: every task waits and nothing can wake them\n", stderr);
        exit(1);
    }
    if (deadline != AIO_NEVER) {
        aio_time now = monotonic_now();
        aio_time left = (aio_stime)(deadline - now) > 0 ? deadline - now : 0;
        if (left > AIO_SEC(60)) left = AIO_SEC(60); /* poll() takes an int of ms */
        timeout_ms = (int)((left + AIO_MS(1) - 1) / AIO_MS(1)); /* round up: never early */
    }
    if (poll(fds, (nfds_t)n, timeout_ms) <= 0) return;
    for (w = watches, i = 0; w && i < n; w = w->next, i++)
        if (fds[i].revents) {
            w->revents = fds[i].revents;
            aio_event_set(&w->ready); /* the loop wakes the waiter at its next step */
        }
}

/* Wait until `fd` is ready for `events`, at most `timeout`: lv = AIO_OK or
 * AIO_ETIMEDOUT. The watch is unregistered however the wait ends. */
typedef struct { aio_frame frame; io_watch w; aio_time timeout; aio_status rc; } io_wait_t;
static aio_status io_wait(aio_task *t, io_wait_t *s) {
    AIO_BEGIN(t, s);
    watch_add(&s->w);
    AIO_EVENT_WAIT(t, s->rc, &s->w.ready, s->timeout);
    AIO_RETURN(t, s->rc);
    AIO_FINALLY(t);
    watch_remove(&s->w);
    AIO_END(t);
}

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

/* GET `path` from `to`: lv = the HTTP status, or an error above. */
typedef struct {
    aio_frame frame;
    const struct sockaddr_in *to;
    const char *path;
    aio_time connect_timeout, read_timeout;
    int fd;
    io_wait_t io;
    char request[128];
    size_t len, sent;
    char response[2048];
    size_t got;
    const char *body;
    aio_status rc;
} http_t;
static aio_status http_get(aio_task *t, http_t *s) {
    AIO_BEGIN(t, s);
    s->got = 0;
    s->body = "";
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0 || fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK) < 0)
        AIO_RAISE(t, HTTP_ESOCKET);

    /* connect, within connect_timeout */
    if (connect(s->fd, (const struct sockaddr *)s->to, sizeof *s->to) < 0) {
        if (errno == ECONNREFUSED) AIO_RAISE(t, HTTP_EREFUSED);
        if (errno != EINPROGRESS) AIO_RAISE(t, HTTP_ESOCKET);
        s->io.w.fd = s->fd;
        s->io.w.events = POLLOUT;
        s->io.timeout = s->connect_timeout;
        AIO_CALL(t, s->rc, io_wait, &s->io);
        if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HTTP_ECONNECT_TIMEOUT);
        {
            int err = 0;
            socklen_t size = sizeof err;
            if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &size) < 0) err = errno;
            if (err == ECONNREFUSED) AIO_RAISE(t, HTTP_EREFUSED);
            if (err) AIO_RAISE(t, HTTP_ESOCKET);
        }
    }

    /* send the request */
    s->len = (size_t)snprintf(s->request, sizeof s->request,
                              "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", s->path);
    for (s->sent = 0; s->sent < s->len;) {
        {
            ssize_t n = send(s->fd, s->request + s->sent, s->len - s->sent, MSG_NOSIGNAL);
            if (n > 0) {
                s->sent += (size_t)n;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                AIO_RAISE(t, HTTP_ESOCKET);
        }
        s->io.w.fd = s->fd;
        s->io.w.events = POLLOUT;
        s->io.timeout = s->read_timeout;
        AIO_CALL(t, s->rc, io_wait, &s->io);
        if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HTTP_EREAD_TIMEOUT);
    }

    /* read until the server closes; no byte for read_timeout ends it */
    for (;;) {
        {
            ssize_t n = recv(s->fd, s->response + s->got, sizeof s->response - 1 - s->got, 0);
            if (n > 0) {
                s->got += (size_t)n;
                if (s->got < sizeof s->response - 1) continue;
            }
            if (n >= 0) break; /* end of the response (or our buffer is full) */
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                AIO_RAISE(t, HTTP_ESOCKET);
        }
        s->io.w.fd = s->fd;
        s->io.w.events = POLLIN;
        s->io.timeout = s->read_timeout;
        AIO_CALL(t, s->rc, io_wait, &s->io);
        if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HTTP_EREAD_TIMEOUT);
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
    if (s->fd >= 0) close(s->fd);
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
static struct sockaddr_in server, nobody; /* the slow server; a port nobody listens on */

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
static void setup(get_t *g, const struct sockaddr_in *to, const char *path, aio_time connect,
                  aio_time read, aio_time overall) {
    g->http.to = to;
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
    setup(&s->get, &server, "/delay/0.1", AIO_SEC(1), AIO_SEC(1), AIO_SEC(5));
    AIO_CALL(t, s->rc, get_within, &s->get);
    report("", &s->get.http, s->rc);

    puts("\n== 2. a slow response: no byte for 3 s (read timeout 1 s, overall 5 s)");
    setup(&s->get, &server, "/delay/3", AIO_SEC(1), AIO_SEC(1), AIO_SEC(5));
    AIO_CALL(t, s->rc, get_within, &s->get);
    report("", &s->get.http, s->rc);

    puts("\n== 3. a trickle: a chunk every 0.4 s for 4 s (read timeout 1 s, overall 1.4 s)");
    setup(&s->get, &server, "/drip/10/0.4", AIO_SEC(1), AIO_SEC(1), AIO_MS(1400));
    AIO_CALL(t, s->rc, get_within, &s->get);
    if (aio_timeout_status(&s->get.deadline) == AIO_ETIMEDOUT)
        printf("GET %s -> overall timeout, after %d of 10 chunks\n", s->get.http.path,
               count_chunks(&s->get.http));
    else
        report("", &s->get.http, s->rc);

    puts("\n== 4. a refused connection");
    setup(&s->get, &nobody, "/delay/0.1", AIO_SEC(1), AIO_SEC(1), AIO_SEC(5));
    AIO_CALL(t, s->rc, get_within, &s->get);
    report("", &s->get.http, s->rc);

    printf("\n== 5. %d requests at once, each with a deadline of 0.5 s\n", MANY);
    s->started = aio_now();
    AIO_GROUP(t, &s->group) {
        for (s->i = 0; s->i < MANY; s->i++) {
            setup(&s->requests[s->i].get, &server, s->i % 2 ? "/delay/0.9" : "/delay/0.1",
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
    socklen_t size = sizeof nobody;
    if (argc < 3) {
        fprintf(stderr, "usage: %s HOST PORT   (start python3 examples/13_slow_server.py "
                        "first: it prints its port)\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    memset(&server, 0, sizeof server);
    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
        fprintf(stderr, "%s: not an IPv4 address\n", argv[1]);
        return 2;
    }
    /* a loopback port that nobody listens on: bind one, note it, close it */
    nobody = server;
    nobody.sin_port = 0;
    probe = socket(AF_INET, SOCK_STREAM, 0);
    if (probe < 0 || bind(probe, (struct sockaddr *)&nobody, sizeof nobody) < 0 ||
        getsockname(probe, (struct sockaddr *)&nobody, &size) < 0) {
        perror("probe");
        return 1;
    }
    close(probe);

    aio_loop_init(&loop, timers, 64); /* the real clock: these are real sockets */
    aio_loop_set_idle(&loop, poll_idle, NULL);
    rc = aio_run(&loop, &m.task, main_task);
    return aio_loop_destroy(&loop) != AIO_OK || rc < 0;
}
