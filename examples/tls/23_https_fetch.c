/* SPDX-License-Identifier: MIT */
/* 23_https_fetch.c - fetch URLs by host name over HTTPS, with aiohttp's
 * ClientTimeout shape (connect, handshake, per-read and total deadlines),
 * retries with backoff and at most 3 requests in flight.
 *
 * Example 19 over TLS:
 *   - seven paths fetched from "localhost" (a name), each by a task of an
 *     AIO_GROUP, at most 3 at once (a semaphore);
 *   - per attempt: the connect and the TLS handshake within 1 s, one deadline
 *     (AIO_TLS_CONNECT: the name looked up on a worker thread, its addresses
 *     tried Happy Eyeballs' way, then the server's certificate verified
 *     against the CA given, and its name "localhost"), each read within 0.5 s
 *     (aiohttp's sock_read: AIO_READ_LINE for the status line and each
 *     header, then AIO_READ_EXACTLY for the Content-Length body), through the
 *     session;
 *   - a 503 or a timeout is retried after 0.1, 0.2 and 0.4 s (4 attempts at
 *     most), all within a deadline per URL (an AIO_TIMEOUT block: 5 s, 1 s
 *     for /stuck: aiohttp's total);
 *   - one line per URL: the status and the body's length, or the error, and
 *     the number of attempts.
 * Each connection is closed once its answer is read (Connection: close), as
 * the Python original's writer.close(), which does not wait for the end of
 * the session either.
 *
 * The Python original is 23_https_fetch.py (asyncio.open_connection with
 * ssl=, timeout, Semaphore and TaskGroup); both print the same lines, with no
 * timings, so the same on every run. It runs on the real clock only, against
 * examples/tls/23_https_server.py (a new one for each run: it counts
 * requests) and the certificate for localhost, its key and the CA that signed
 * it (tests/checks/tls.sh makes them at run time):
 *     python3 examples/tls/23_https_server.py server.pem server.key   # prints its port
 *     cc -std=c11 -I. examples/tls/23_https_fetch.c -o https_fetch -lssl -lcrypto
 *     ./https_fetch 40123 ca.pem
 * With -DAIO_TLS_MBEDTLS, linked with -lmbedtls -lmbedx509 -lmbedcrypto,
 * the same on Mbed TLS; on Windows with -DAIO_TLS_SCHANNEL, linked with
 * -lsecur32 -lcrypt32 -lws2_32, on SChannel. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#if !defined(AIO_TLS_MBEDTLS) && !defined(AIO_TLS_SCHANNEL)
#define AIO_TLS_OPENSSL
#endif
#include "../../aio_timeout.h" /* first: it asks for POSIX (sockets) */
#include "../example.h"

static const struct { const char *path; int deadline; } urls[] = { /* the deadline in s */
    {"/hello", 5}, {"/big", 5}, {"/flaky", 5}, {"/slow-head", 5}, {"/slow-body", 5},
    {"/missing", 5}, {"/stuck", 1}};
enum { URLS = sizeof urls / sizeof urls[0], ATTEMPTS = 4, CONNECT_MS = 1000, READ_MS = 500, MAX_BODY = 4096 };
static const int backoff_ms[ATTEMPTS - 1] = {100, 200, 400}; /* before attempts 2, 3 and 4 */
static int port, in_flight, most_in_flight;
static aio_semaphore sem;
static aio_tls_config config; /* ssl.create_default_context(cafile=CA) */

enum { /* the timeouts, worth another attempt (as a 503 is), and an answer not understood */
    CONNECT_TIMEOUT = AIO_EUSER, HEADERS_TIMEOUT = AIO_EUSER - 1, BODY_TIMEOUT = AIO_EUSER - 2, NOT_HTTP = AIO_EUSER - 3
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
    aio_tls tls;
    char error[160]; /* why the handshake failed (aio_tls_error) */
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
    AIO_CHECK(t, aio_tls_init(&s->tls, &config));
    AIO_TLS_CONNECT(t, s->rc, &s->tls, &s->in, "localhost", port, AIO_MS(CONNECT_MS)); /* verified: its name */
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, CONNECT_TIMEOUT);
    if (s->rc < 0) (void)snprintf(s->error, sizeof s->error, "%s", aio_tls_error(&s->tls));
    AIO_CHECK(t, s->fd = s->rc); /* (the socket; the stream is set up over it) */
    s->rc = snprintf(s->request, sizeof s->request,
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", s->path);
    AIO_STREAM_WRITE(t, s->rc, &s->in, s->request, (size_t)s->rc, AIO_SEC(1));
    AIO_CHECK(t, s->rc);
    s->status = s->length = 0; /* the status line and the headers, each read within READ_MS */
    AIO_READ_LINE(t, s->rc, &s->in, AIO_MS(READ_MS));
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HEADERS_TIMEOUT);
    if (s->rc > 12 && memcmp(text(s), "HTTP/1.", 7) == 0) {
        s->status = (int)strtol(s->line + 9, NULL, 10); /* "HTTP/1.1 200 OK" */
        for (;;) {
            AIO_READ_LINE(t, s->rc, &s->in, AIO_MS(READ_MS));
            if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, HEADERS_TIMEOUT);
            if (s->rc <= 2) break; /* "\r\n": the end of the headers (or of the stream) */
            if (starts_with_nocase(text(s), "content-length:")) s->length = (int)strtol(s->line + 15, NULL, 10);
        }
    }
    if (s->status == 0 || s->rc < 0 || s->length < 0 || s->length > MAX_BODY)
        AIO_RAISE(t, NOT_HTTP); /* (or a body longer than this example reads) */
    AIO_READ_EXACTLY(t, s->rc, &s->in, (size_t)s->length, AIO_MS(READ_MS));
    if (s->rc == AIO_ETIMEDOUT) AIO_RAISE(t, BODY_TIMEOUT);
    AIO_CHECK(t, s->rc);
    AIO_RETURN(t, s->status);
    AIO_FINALLY(t); /* however it ended: the session and the stream freed, the socket closed */
    aio_tls_free(&s->tls);
    aio_stream_free(&s->in);
    if (s->fd >= 0) aio_close(s->fd); /* (a failed connect closed its own) */
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
    char what[192];
    if (aio_timeout_status(&f->deadline) == AIO_ETIMEDOUT)
        (void)snprintf(what, sizeof what, "no answer within %d s", urls[f->url].deadline);
    else if (f->rc == AIO_ECERT) /* ssl.SSLCertVerificationError */
        (void)snprintf(what, sizeof what, "%s", f->get.error);
    else if (f->rc >= 0)
        (void)snprintf(what, sizeof what, "%d, %d bytes", f->rc, f->get.length);
    else
        (void)snprintf(what, sizeof what, "%s", describe(f->rc));
    printf("%-11s %s (%d attempt%s)\n", urls[f->url].path, what, f->attempts, f->attempts > 1 ? "s" : "");
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
    int rc;
    if (argc < 3) {
        (void)fprintf(stderr, "usage: %s PORT CAFILE   (start python3 examples/tls/23_https_server.py CERT KEY "
                        "first: it prints its port)\n", argv[0]);
        return 2;
    }
    port = (int)strtol(argv[1], NULL, 10);
    config.ca_file = argv[2]; /* a client that verifies the server against this CA */
    if (aio_tls_config_load(&config) < 0) {
        (void)fprintf(stderr, "23_https_fetch: %s\n", aio_tls_config_error(&config));
        return 1;
    }
    rc = example_run(&m.task, main_task, 0, NULL); /* the real clock: these are real sockets */
    aio_tls_config_free(&config);
    return rc;
}
