/* SPDX-License-Identifier: MIT */
/* 19_http_fetch.c - fetch URLs by host name over HTTP/1.1, with a deadline
 * for each stage, retries with backoff and at most 3 requests in flight.
 *
 * The tutorials' aiohttp pattern on the library's own sockets and streams:
 *   - seven paths fetched from "localhost" (a name: AIO_TCP_CONNECT looks it
 *     up on a worker thread, then tries its addresses Happy Eyeballs' way),
 *     each by a task of an AIO_GROUP, at most 3 at once (a semaphore held
 *     for the fetch by AIO_WITH_SEMAPHORE, released however it ends);
 *   - per attempt: connect within 0.5 s, the status line and the headers
 *     within 0.5 s in all (AIO_READ_LINE in an AIO_TIMEOUT block), the
 *     Content-Length body within 0.5 s (AIO_READ_EXACTLY), on a stream
 *     whose buffer starts at 256 bytes and grows to what a read needs, up
 *     to 64 KiB (aio_stream_init_growing: asyncio's default limit);
 *   - a 503 or a timeout is retried after 0.1, 0.2 and 0.4 s (4 attempts at
 *     most), all within a deadline per URL (an AIO_TIMEOUT block: 5 s, 1 s
 *     for /stuck);
 *   - one line per URL: the status and the body's length, or the error, and
 *     the number of attempts.
 *
 * The Python original is 19_http_fetch.py (asyncio's streams, timeout,
 * Semaphore and TaskGroup); both print the same lines, with no timings, so
 * the same on every run. It runs on the real clock only, against
 * examples/19_fetch_server.py (a new one for each run: it counts requests):
 *     python3 examples/19_fetch_server.py        # prints its port, e.g. 40123
 *     build/examples/19_http_fetch 40123 */
#include "example.h" /* (first: the header asks for POSIX) */

static const struct { const char *path; int deadline; } urls[] = { /* the deadline in s */
    {"/hello", 5}, {"/big", 5}, {"/flaky", 5}, {"/slow-head", 5}, {"/slow-body", 5},
    {"/missing", 5}, {"/stuck", 1}};
enum { URLS = sizeof urls / sizeof urls[0], ATTEMPTS = 4, CONNECT_MS = 500, HEADERS_MS = 500,
       BODY_MS = 500, MAX_BODY = 64 * 1024 };
static const int backoff_ms[ATTEMPTS - 1] = {100, 200, 400}; /* before attempts 2, 3 and 4 */
static int port, in_flight, most_in_flight;
static aio_semaphore sem;

enum { /* the timeouts, worth another attempt (as a 503 is), and an answer not understood */
    CONNECT_TIMEOUT = AIO_EUSER, HEADERS_TIMEOUT = AIO_EUSER - 1, BODY_TIMEOUT = AIO_EUSER - 2,
    NOT_HTTP = AIO_EUSER - 3
};
static int worth_retrying(aio_status rc) {
    return rc == 503 || rc == CONNECT_TIMEOUT || rc == HEADERS_TIMEOUT || rc == BODY_TIMEOUT;
}
static const char *describe(aio_status rc) {
    static const char *const ours[] = {"connect timed out", "headers timed out", "body timed out",
                                       "failed: not an HTTP answer"};
    return rc <= AIO_EUSER && rc >= NOT_HTTP ? ours[AIO_EUSER - rc] : aio_strerror(rc);
}

/* One attempt: lv = the HTTP status (the body's length in `length`), or an error. */
typedef struct {
    aio_frame frame;
    const char *path;
    int fd, status, length;
    aio_stream in;
    aio_timeout headers;
    char request[128], line[128];
    aio_status rc;
} get_t;
static const char *text(get_t *s) { /* the line just read, '\0'-ended (and cut short) */
    size_t n = s->rc < (aio_status)sizeof s->line ? (size_t)s->rc : sizeof s->line - 1;
    memcpy(s->line, aio_stream_data(&s->in), n);
    s->line[n] = '\0';
    return s->line;
}
static aio_status get(aio_task *t, get_t *s) {
    AIO_BEGIN(t, s);
    s->fd = -1;
    AIO_TCP_CONNECT(t, s->rc, "localhost", port, AIO_MS(CONNECT_MS)); /* looked up, then connected */
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, CONNECT_TIMEOUT);
    AIO_CHECK(t, s->fd = s->rc);
    s->rc = snprintf(s->request, sizeof s->request,
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", s->path);
    AIO_CHECK(t, aio_stream_init_growing(&s->in, s->fd, 256, MAX_BODY)); /* grows to a body's size */
    AIO_STREAM_WRITE(t, s->rc, &s->in, s->request, (size_t)s->rc, AIO_SEC(1));
    AIO_CHECK(t, s->rc);
    s->status = s->length = 0;
    AIO_TIMEOUT(t, &s->headers, AIO_MS(HEADERS_MS)) { /* the status line and the headers */
        AIO_READ_LINE(t, s->rc, &s->in, AIO_NEVER);
        if (s->rc <= 0 || sscanf(text(s), "HTTP/%*d.%*d %d", &s->status) != 1)
            AIO_LEAVE(t, &s->headers);
        for (;;) {
            AIO_READ_LINE(t, s->rc, &s->in, AIO_NEVER);
            if (s->rc <= 2) break; /* "\r\n": the end of the headers (or of the stream) */
            if (starts_with_nocase(text(s), "content-length:")) s->length = atoi(s->line + 15);
        }
    }
    if (aio_timeout_status(&s->headers) == AIO_ETIMEDOUT) AIO_RAISE(t, HEADERS_TIMEOUT);
    if (s->status == 0 || s->rc < 0 || s->length < 0 || s->length > MAX_BODY)
        AIO_RAISE(t, NOT_HTTP); /* (or a body longer than this example reads) */
    AIO_READ_EXACTLY(t, s->rc, &s->in, (size_t)s->length, AIO_MS(BODY_MS));
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, BODY_TIMEOUT);
    AIO_CHECK(t, s->rc);
    AIO_RETURN(t, s->status);
    AIO_FINALLY(t); /* however it ended */
    aio_stream_free(&s->in); /* (its buffer: the stream's own) */
    if (s->fd >= 0) aio_close(s->fd);
    AIO_END(t);
}

/* A URL's task: attempts until one is neither a 503 nor a timeout, within its
 * deadline; rc and attempts tell what came. */
typedef struct {
    aio_task task;
    int url, attempts;
    get_t get;
    aio_timeout held, deadline;
    aio_status rc;
} fetch_t;
static aio_status fetch(aio_task *t) {
    fetch_t *s = AIO_SELF(t, fetch_t);
    AIO_BEGIN(t);
    s->get.path = urls[s->url].path;
    AIO_WITH_SEMAPHORE(t, &s->held, &sem, AIO_NEVER) { /* async with sem: */
        if (++in_flight > most_in_flight) most_in_flight = in_flight;
        AIO_TIMEOUT(t, &s->deadline, AIO_SEC(urls[s->url].deadline)) {
            for (s->attempts = 1;; s->attempts++) {
                AIO_CALL(t, s->rc, get, &s->get);
                if (!worth_retrying(s->rc) || s->attempts == ATTEMPTS) break;
                AIO_SLEEP(t, AIO_MS(backoff_ms[s->attempts - 1]));
            }
        }
        in_flight--;
    }
    AIO_END(t);
}

static void report(const fetch_t *f) {
    char what[64];
    if (aio_timeout_status(&f->deadline) == AIO_ETIMEDOUT)
        snprintf(what, sizeof what, "no answer within %d s", urls[f->url].deadline);
    else if (f->rc >= 0)
        snprintf(what, sizeof what, "%d, %d bytes", f->rc, f->get.length);
    else
        snprintf(what, sizeof what, "%s", describe(f->rc));
    printf("%-11s %s (%d attempt%s)\n", urls[f->url].path, what, f->attempts,
           f->attempts > 1 ? "s" : "");
}

typedef struct { aio_task task; aio_group group; fetch_t fetches[URLS]; int i; } main_t;
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    aio_semaphore_init(&sem, 3, 0); /* asyncio.Semaphore(3) */
    AIO_GROUP(t, &s->group) {
        for (s->i = 0; s->i < URLS; s->i++) {
            s->fetches[s->i].url = s->i;
            AIO_CHECK(t, aio_group_spawn(&s->group, &s->fetches[s->i].task, fetch));
        }
    }
    for (s->i = 0; s->i < URLS; s->i++) report(&s->fetches[s->i]);
    printf("at most %d requests in flight\n", most_in_flight);
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT   (start python3 examples/19_fetch_server.py first: "
                        "it prints its port)\n", argv[0]);
        return 2;
    }
    port = atoi(argv[1]);
    return example_run(&m.task, main_task, 0, NULL); /* the real clock: these are real sockets */
}
