/* SPDX-License-Identifier: MIT */
/* bench/io/tls_load.c - the load of the TLS rows of `make bench-io`, and
 * their measure: the SERVER's CPU time per request, read from
 * /proc/PID/stat (utime + stime) at the start and the end of the measured
 * seconds, divided by the requests answered in them. Requests per second
 * are printed too, but the client caps them (it does TLS too, on one core):
 * the CPU time is the figure.
 *
 *     tls_load lines PORT PID [conns=100] [warmup=0.5] [seconds=3]
 *         conns connections, each with its full handshake first (not
 *         measured), then one 64-byte line (its newline included) in
 *         flight on each: a thread writes a line on every connection, then
 *         reads every reply (checked: the line upper-cased), and again.
 *     tls_load handshakes PORT PID [conns=4] [warmup=0.5] [seconds=3]
 *         conns threads, each one connection at a time: connect, a full
 *         handshake (no session resumed: TLS 1.3's tickets are taken and
 *         dropped), one line and its reply, close_notify, close. A request
 *         is one such connection.
 *
 * The client verifies nothing (the server's certificate is the bench's
 * own): its CPU goes to the load. TLS 1.2 or 1.3, whichever the server
 * takes. It prints one line:
 *
 *     requests=R seconds=S server_cpu_s=C cpu_us_per_request=U rps=P errors=E
 *
 * where errors counts wrong replies and connections that failed. */
#define _GNU_SOURCE
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINE 64
#define MAX_CONNS 4096
#define MAX_THREADS 64

static SSL_CTX *ctx;
static struct sockaddr_in addr;
static char line[LINE], upper[LINE];
static atomic_long requests, errors;
static atomic_int stop;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server's utime + stime, in seconds (-1: cannot read it). */
static double server_cpu(long pid) {
    char path[64], buf[1024], *p;
    unsigned long utime, stime;
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f) return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')'); /* (the command may hold spaces) */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* A connection with its handshake done (NULL: it failed). */
static SSL *open_tls(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    SSL *ssl;
    if (fd < 0) return NULL;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        return NULL;
    }
    ssl = SSL_new(ctx);
    if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        close(fd);
        return NULL;
    }
    return ssl;
}
static void close_tls(SSL *ssl) {
    int fd = SSL_get_fd(ssl);
    (void)SSL_shutdown(ssl); /* our close_notify; the server's is not awaited */
    ERR_clear_error();
    SSL_free(ssl);
    close(fd);
}
/* One line written and its reply read and checked: 1, or 0. */
static int read_reply(SSL *ssl) {
    char buf[LINE];
    int got = 0, r;
    while (got < LINE) {
        r = SSL_read(ssl, buf + got, LINE - got);
        if (r <= 0) {
            ERR_clear_error();
            return 0;
        }
        got += r;
    }
    return memcmp(buf, upper, LINE) == 0;
}

static void *handshaker(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        SSL *ssl = open_tls();
        if (!ssl) {
            atomic_fetch_add(&errors, 1);
            usleep(1000);
            continue;
        }
        if (SSL_write(ssl, line, LINE) != LINE || !read_reply(ssl))
            atomic_fetch_add(&errors, 1);
        else
            atomic_fetch_add(&requests, 1);
        close_tls(ssl);
    }
    return NULL;
}

static SSL *conns[MAX_CONNS];
static int nconns;
static void *liner(void *arg) {
    int i;
    (void)arg;
    while (!atomic_load(&stop)) {
        for (i = 0; i < nconns; i++)
            if (SSL_write(conns[i], line, LINE) != LINE) {
                atomic_fetch_add(&errors, 1);
                return NULL;
            }
        for (i = 0; i < nconns; i++) {
            if (!read_reply(conns[i])) {
                atomic_fetch_add(&errors, 1);
                return NULL;
            }
            atomic_fetch_add(&requests, 1);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t threads[MAX_THREADS];
    int lines, n = -1, i, nthreads;
    double warmup = 0.5, seconds = 3, t0, t1, c0, c1;
    long pid, r0, r1;
    if (argc < 4 || (strcmp(argv[1], "lines") != 0 && strcmp(argv[1], "handshakes") != 0)) {
        fprintf(stderr, "usage: tls_load lines|handshakes PORT PID [conns=N] [warmup=S] [seconds=S]\n");
        return 2;
    }
    lines = strcmp(argv[1], "lines") == 0;
    pid = atol(argv[3]);
    for (i = 4; i < argc; i++) {
        if (strncmp(argv[i], "conns=", 6) == 0) n = atoi(argv[i] + 6);
        if (strncmp(argv[i], "warmup=", 7) == 0) warmup = atof(argv[i] + 7);
        if (strncmp(argv[i], "seconds=", 8) == 0) seconds = atof(argv[i] + 8);
    }
    if (n < 0) n = lines ? 100 : 4;
    if (n < 1 || n > (lines ? MAX_CONNS : MAX_THREADS)) {
        fprintf(stderr, "tls_load: conns out of range\n");
        return 2;
    }
    for (i = 0; i < LINE - 1; i++) line[i] = (char)('a' + i % 26);
    line[LINE - 1] = '\n';
    for (i = 0; i < LINE; i++) upper[i] = (char)toupper((unsigned char)line[i]);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)atoi(argv[2]));
    addr.sin_addr.s_addr = htonl(0x7F000001u);
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) return 1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (lines) {
        for (nconns = 0; nconns < n; nconns++) {
            conns[nconns] = open_tls();
            if (!conns[nconns] || SSL_write(conns[nconns], line, LINE) != LINE || !read_reply(conns[nconns])) {
                fprintf(stderr, "tls_load: connection %d failed\n", nconns + 1);
                return 1;
            }
        }
        nthreads = 1;
        pthread_create(&threads[0], NULL, liner, NULL);
    } else {
        nthreads = n;
        for (i = 0; i < n; i++) pthread_create(&threads[i], NULL, handshaker, NULL);
    }
    usleep((useconds_t)(warmup * 1e6));
    r0 = atomic_load(&requests);
    c0 = server_cpu(pid);
    t0 = now();
    usleep((useconds_t)(seconds * 1e6));
    r1 = atomic_load(&requests);
    c1 = server_cpu(pid);
    t1 = now();
    atomic_store(&stop, 1);
    for (i = 0; i < nthreads; i++) pthread_join(threads[i], NULL);
    if (lines)
        for (i = 0; i < nconns; i++) close_tls(conns[i]);
    if (c0 < 0 || c1 < 0) {
        fprintf(stderr, "tls_load: cannot read /proc/%ld/stat\n", pid);
        return 1;
    }
    printf("requests=%ld seconds=%.3f server_cpu_s=%.3f cpu_us_per_request=%.3f rps=%.0f errors=%ld\n", r1 - r0,
           t1 - t0, c1 - c0, r1 > r0 ? (c1 - c0) * 1e6 / (double)(r1 - r0) : -1.0, (double)(r1 - r0) / (t1 - t0),
           atomic_load(&errors));
    SSL_CTX_free(ctx);
    return r1 > r0 ? 0 : 1;
}
