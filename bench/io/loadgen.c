/* SPDX-License-Identifier: MIT */
/* bench/io/loadgen.c - the load generator of the echo and line benchmarks: one thread, epoll
 * (edge-triggered once a connection is open).
 *
 *     loadgen -p PORT [-h HOST] [-c CONNS] [-w WARMUP_S] [-d SECONDS] [-n MAX_REQUESTS]
 *             [-s SIZE] [-b BATCH] [-T CONNECT_LIMIT_S] [-P SERVER_PID] [-i] [-l]
 *             [-R RATE] [-C CONTROL_FIFO]
 *
 * Opens CONNS connections to HOST:PORT (default 127.0.0.1), at most BATCH
 * (default 128) at a time still unconfirmed: a connection counts as open once
 * the server has echoed a first request on it, so no more than BATCH
 * connections ever wait in the server's accept queue (every server listens
 * with a backlog of 1024). A connect that fails, or is not confirmed within
 * 3 s, is retried (up to 50 times); all must be open within CONNECT_LIMIT_S
 * (default 60 s).
 *
 * Then each connection sends a SIZE-byte request (default 64), waits for the
 * SIZE echoed bytes (checked), records the round trip (CLOCK_MONOTONIC) and
 * sends the next: one request in flight per connection. The first WARMUP_S
 * seconds are not counted; the measurement ends after SECONDS or
 * MAX_REQUESTS completed requests, whichever comes first. One line:
 *
 *     result conns=100 requests=312000 duration_s=3.000 rps=104000.0 p50_us=930.1
 *            p99_us=1210.4 p999_us=1500.2 max_us=2100.0 errors=0 reconnects=0
 *            server_cpu=0.99 client_cpu=0.71 connect_s=0.012
 *
 * (on one line). server_cpu is the share of one core the process -P SERVER_PID
 * used during the measurement (from /proc/PID/stat), client_cpu this program's.
 * errors counts connections that failed (reset, closed, wrong bytes) after
 * they were open; each is reopened (reconnects).
 *
 * -l: the line protocol instead of the echo: each request is a line of SIZE
 * bytes, its newline included (SIZE - 1 lower-case letters and digits, then
 * '\n'), and the reply expected is the same line upper-cased (checked, as
 * the echo is); everything else is the same.
 *
 * -i: once all connections are open, print `ready conns=N connect_s=...` and
 * hold them idle; a line on stdin starts the load as above, end of stdin or
 * SIGINT/SIGTERM closes them and exits (no result line). This is how
 * bench/io/run.py measures the server's memory per idle connection.
 *
 * -R RATE: a fixed offered load instead of as fast as the server answers:
 * RATE requests a second in all, one every 1/RATE s (epoll_pwait2's
 * nanosecond timeout), each on the connection whose reply came first; a
 * connection waits its turn. (A server that cannot keep up sets the pace.)
 * -C FIFO: writes `enable` to FIFO when the measurement starts and `disable`
 * when it ends (perf stat --control fifo:FIFO -D -1 -p SERVER_PID counts the
 * server's system calls over the measured window only).
 *
 * Exit status 0, or 1 with a message on stderr (bad arguments, connections
 * that could not be opened, no request completed). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 4096
#define MAX_RETRIES 50
#define CONFIRM_NS 3000000000ull /* a connection not confirmed by then is retried */
#define MAX_EVENTS 1024

enum { C_WAITING, C_CONNECTING, C_REQUEST, C_OPEN };

typedef struct {
    int fd;
    uint8_t state;
    uint8_t retries;
    uint16_t got;      /* bytes of the echo received so far */
    uint32_t seq;      /* request number on this connection */
    uint64_t t;        /* when the request was sent; when a connect started or may be retried */
} conn;

static conn *conns;
static long nconns, size = 64, batch = 128;
static int ep;
static struct addrinfo *addr;
static uint64_t t_start;

/* the queue of connections to (re)open, in order */
static uint32_t *queue;
static long q_head, q_len;
static long inflight;          /* connecting, or open but not confirmed by a first echo */
static long opened;            /* confirmed */
static int phase;              /* 0 opening, 1 load */
static long errors, reconnects;
static volatile sig_atomic_t stop_signal;

/* -R: connections whose reply came, in order, waiting for their send time */
static double rate;
static uint64_t gap_ns, t_next;
static uint32_t *paced;
static long p_head, p_len;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "loadgen: %s\n", what);
    exit(1);
}

/* ---------------------------------------------------------------- latency */

/* Log-linear histogram: exact below 128 ns, then 128 buckets per power of
 * two (under 0.8% error). */
#define H_SUB 128
#define H_BUCKETS (H_SUB + 58 * H_SUB)
static uint64_t hist[H_BUCKETS];
static uint64_t h_count, h_max;

static void h_add(uint64_t v) {
    unsigned idx;
    if (v < H_SUB) {
        idx = (unsigned)v;
    } else {
        int e = 63 - __builtin_clzll(v);      /* >= 7 */
        int shift = e - 7;
        unsigned m = (unsigned)(v >> shift);  /* 128..255 */
        idx = H_SUB + (unsigned)(e - 7) * H_SUB + (m - H_SUB);
        if (idx >= H_BUCKETS) idx = H_BUCKETS - 1;
    }
    hist[idx]++;
    h_count++;
    if (v > h_max) h_max = v;
}

static double h_value(unsigned idx) {
    unsigned e, m;
    if (idx < H_SUB) return (double)idx;
    e = (idx - H_SUB) / H_SUB + 7;
    m = (idx - H_SUB) % H_SUB + H_SUB;
    /* the middle of the bucket */
    return ((double)m + 0.5) * (double)(1ull << (e - 7));
}

static double h_quantile(double q) {
    uint64_t want = (uint64_t)((double)h_count * q), seen = 0;
    unsigned i;
    if (want >= h_count) want = h_count - 1;
    for (i = 0; i < H_BUCKETS; i++) {
        seen += hist[i];
        if (seen > want) return h_value(i);
    }
    return (double)h_max;
}

/* ---------------------------------------------------------------- requests */

/* The request of connection i, number seq: a fixed pseudo-random pattern
 * with i and seq in its first 8 bytes; its bytes are checked on return.
 *
 * With -l, a line: SIZE - 1 lower-case letters and digits, i and seq in hex
 * in its first 16, then '\n'; the reply is the same line upper-cased (the
 * upper-cased pattern is made once, so that a reply costs the load generator
 * no more to check than an echo). */
static unsigned char pattern[MAX_SIZE], pattern_upper[MAX_SIZE];
static int lines; /* -l */

/* v in hex, 8 digits, from the digits given: stops at the line's newline */
static void put_hex(unsigned char *p, long room, uint32_t v, const char *digits) {
    int k;
    for (k = 0; k < 8 && k < room; k++) p[k] = (unsigned char)digits[(v >> (28 - 4 * k)) & 15];
}

static void make_line(unsigned char *p, long i, uint32_t seq, int upper) {
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    memcpy(p, upper ? pattern_upper : pattern, (size_t)size);
    put_hex(p, size - 1, (uint32_t)i, digits);
    put_hex(p + 8, size - 9, seq, digits);
    p[size - 1] = '\n';
}

static void make_request(unsigned char *p, long i, uint32_t seq) {
    uint32_t head[2];
    if (lines) {
        make_line(p, i, seq, 0);
        return;
    }
    memcpy(p, pattern, (size_t)size);
    head[0] = (uint32_t)i;
    head[1] = seq;
    memcpy(p, head, size < 8 ? (size_t)size : sizeof head);
}

/* What the server answers to that request: the echo, or the line upper-cased. */
static void make_reply(unsigned char *p, long i, uint32_t seq) {
    if (lines)
        make_line(p, i, seq, 1);
    else
        make_request(p, i, seq);
}

static void enqueue(long i, uint64_t not_before) {
    conns[i].state = C_WAITING;
    conns[i].t = not_before;
    queue[(q_head + q_len) % nconns] = (uint32_t)i;
    q_len++;
}

/* A connection failed: close it, and open it again after a pause that grows. */
static void fail(long i, int counts_as_error) {
    conn *c = &conns[i];
    int was_open = c->state == C_OPEN || (c->state == C_REQUEST && c->seq > 0);
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    if (!was_open) inflight--; /* (a connection that was open is reopened as a new one) */
    if (counts_as_error && was_open) errors++;
    if (was_open) {
        reconnects++;
        opened--;
        c->retries = 0;
    } else if (++c->retries > MAX_RETRIES) {
        die("a connection failed 50 times in a row; is the server running?");
    }
    enqueue(i, now_ns() + 10000000ull * c->retries);
}

static int send_request(long i, uint64_t now) {
    unsigned char buf[MAX_SIZE];
    conn *c = &conns[i];
    ssize_t n;
    make_request(buf, i, c->seq);
    n = send(c->fd, buf, (size_t)size, MSG_NOSIGNAL);
    if (n != size) return -1; /* (a 64-byte send on an idle socket is never partial) */
    c->state = C_REQUEST;
    c->got = 0;
    c->t = now;
    return 0;
}

static void start_connects(uint64_t now) {
    while (q_len > 0 && inflight < batch) {
        long i = queue[q_head];
        conn *c = &conns[i];
        int fd, one = 1;
        if (c->t > now) break;
        q_head = (q_head + 1) % nconns;
        q_len--;
        fd = socket(addr->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket() failed; raise the descriptor limit (ulimit -n)");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->state = C_CONNECTING;
        c->seq = 0;
        c->t = now;
        inflight++;
        if (connect(fd, addr->ai_addr, addr->ai_addrlen) == 0 || errno == EINPROGRESS) {
            struct epoll_event ev;
            ev.events = EPOLLOUT;
            ev.data.u64 = (uint64_t)i;
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl ADD failed");
        } else {
            fail(i, 0);
        }
    }
}

/* Connections not confirmed within CONFIRM_NS are tried again. */
static void expire_connects(uint64_t now) {
    long i;
    for (i = 0; i < nconns; i++) {
        conn *c = &conns[i];
        if ((c->state == C_CONNECTING || (c->state == C_REQUEST && c->seq == 0)) && now - c->t > CONFIRM_NS)
            fail(i, 0);
    }
}

/* ---------------------------------------------------------------- the loop */

static uint64_t m_start, m_end;    /* the measured window */
static int measuring;
static long max_requests = 100000000;

static void on_event(long i, uint32_t events, uint64_t now) {
    conn *c = &conns[i];
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        struct epoll_event ev;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0 ||
            (events & (EPOLLERR | EPOLLHUP))) {
            fail(i, 0);
            return;
        }
        /* Edge-triggered: a connection is reported once per arrival, not
         * again in the next epoll_wait after its echo was read (which level
         * triggering does, to find it empty: one more poll of the socket per
         * request). Each receive takes all that is there up to what is still
         * expected, so a short one leaves the socket empty and the next
         * bytes are a new edge. */
        ev.events = EPOLLIN | EPOLLET;
        ev.data.u64 = (uint64_t)i;
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) die("epoll_ctl MOD failed");
        if (send_request(i, now) < 0) fail(i, 0); /* the confirming request: seq 0 */
        return;
    }
    if (c->state == C_REQUEST) {
        unsigned char buf[MAX_SIZE], want[MAX_SIZE];
        ssize_t n = recv(c->fd, buf, (size_t)(size - c->got), 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n <= 0) {
            fail(i, 1);
            return;
        }
        /* The reply is as long as the request (a line's one '\n' at its
         * end): reading SIZE bytes is reading up to the newline. */
        make_reply(want, i, c->seq);
        if (memcmp(buf, want + c->got, (size_t)n) != 0) {
            fprintf(stderr, "loadgen: connection %ld: the reply differs from the %s\n", i,
                    lines ? "request upper-cased" : "request");
            fail(i, 1);
            return;
        }
        c->got = (uint16_t)(c->got + n);
        if (c->got < size) return;
        if (c->seq == 0) { /* confirmed: the server has accepted it */
            inflight--;
            opened++;
        } else if (measuring && c->t >= m_start) {
            h_add(now - c->t);
        }
        c->seq++;
        if (phase == 0) {
            c->state = C_OPEN; /* idle until every connection is open */
            return;
        }
        if (rate > 0) {
            c->state = C_OPEN;
            paced[(p_head + p_len) % nconns] = (uint32_t)i;
            p_len++;
            return;
        }
        if (send_request(i, now) < 0) fail(i, 1);
        return;
    }
    /* an open idle connection that became readable or closed */
    if (c->state == C_OPEN) fail(i, 1);
}

/* -R: send on the waiting connections whose time has come; after a stall
 * (the server slow) the pace starts again from now rather than in a burst. */
static void pace(uint64_t now) {
    while (p_len > 0 && now >= t_next) {
        long i = paced[p_head];
        p_head = (p_head + 1) % nconns;
        p_len--;
        if (conns[i].state != C_OPEN) continue; /* (failed and reopened meanwhile) */
        if (send_request(i, now) < 0) fail(i, 1);
        t_next += gap_ns;
        if (now > t_next + 10000000ull) t_next = now;
    }
}

static void turn(int timeout_ms) {
    struct epoll_event evs[MAX_EVENTS];
    int n, k;
    uint64_t now;
    if (rate > 0 && phase == 1 && p_len > 0) {
        uint64_t at = now_ns();
        struct timespec ts;
        uint64_t wait = t_next > at ? t_next - at : 0;
        if (wait > (uint64_t)timeout_ms * 1000000ull) wait = (uint64_t)timeout_ms * 1000000ull;
        ts.tv_sec = (time_t)(wait / 1000000000ull);
        ts.tv_nsec = (long)(wait % 1000000000ull);
        n = epoll_pwait2(ep, evs, MAX_EVENTS, &ts, NULL);
    } else {
        n = epoll_wait(ep, evs, MAX_EVENTS, timeout_ms);
    }
    if (n < 0) {
        if (errno == EINTR) return;
        die("epoll_wait failed");
    }
    now = now_ns();
    for (k = 0; k < n; k++) on_event((long)evs[k].data.u64, evs[k].events, now);
}

/* ---------------------------------------------------------------- CPU use */

static double proc_cpu_s(long pid) {
    char path[64], text[1024], *p;
    unsigned long utime = 0, stime = 0;
    FILE *f;
    size_t len;
    if (pid <= 0) return -1;
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f) return -1;
    len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    p = strrchr(text, ')'); /* after the command name, which may hold spaces */
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static void on_signal(int signo) {
    (void)signo;
    stop_signal = 1;
}

/* -C: tell perf stat to start or stop counting (and wait for its ack if any) */
static void control(const char *fifo, const char *what) {
    FILE *f;
    if (!fifo) return;
    f = fopen(fifo, "w");
    if (!f) die("cannot open the control FIFO (-C)");
    fprintf(f, "%s\n", what);
    fclose(f);
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen -p PORT [-h HOST] [-c CONNS] [-w WARMUP_S] [-d SECONDS] [-n MAX_REQUESTS]\n"
                    "               [-s SIZE] [-b BATCH] [-T CONNECT_LIMIT_S] [-P SERVER_PID] [-i] [-l]\n"
                    "               [-R RATE] [-C CONTROL_FIFO]\n");
    exit(1);
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *port = NULL, *fifo = NULL;
    double warmup = 1.0, duration = 3.0, connect_limit = 60.0, connect_s, srv0 = 0, srv1, me0 = 0, me1;
    long server_pid = 0, i;
    int opt, hold = 0, rc;
    struct addrinfo hints;
    struct rlimit rl;
    struct sigaction sa;
    uint64_t t_opened, warm_end, t_last_expire;

    nconns = 100;
    while ((opt = getopt(argc, argv, "h:p:c:w:d:n:s:b:T:P:ilR:C:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'c': nconns = (long)strtod(optarg, NULL); break;
        case 'w': warmup = strtod(optarg, NULL); break;
        case 'd': duration = strtod(optarg, NULL); break;
        case 'n': max_requests = (long)strtod(optarg, NULL); break;
        case 's': size = strtol(optarg, NULL, 10); break;
        case 'b': batch = strtol(optarg, NULL, 10); break;
        case 'T': connect_limit = strtod(optarg, NULL); break;
        case 'P': server_pid = strtol(optarg, NULL, 10); break;
        case 'i': hold = 1; break;
        case 'l': lines = 1; break;
        case 'R': rate = strtod(optarg, NULL); break;
        case 'C': fifo = optarg; break;
        default: usage();
        }
    }
    if (!port || nconns < 1 || size < (lines ? 2 : 1) || size > MAX_SIZE || batch < 1 || duration <= 0 ||
        warmup < 0 || max_requests < 1 || rate < 0)
        usage();

    /* descriptors: the soft limit up to the hard one */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (rlim_t)nconns + 16 > rl.rlim_cur) {
        fprintf(stderr, "loadgen: %ld connections need %ld descriptors; the limit is %lu (ulimit -n)\n", nconns,
                nconns + 16, (unsigned long)rl.rlim_cur);
        return 1;
    }

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if ((rc = getaddrinfo(host, port, &hints, &addr)) != 0) {
        fprintf(stderr, "loadgen: %s:%s: %s\n", host, port, gai_strerror(rc));
        return 1;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocking read returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    conns = (conn *)calloc((size_t)nconns, sizeof *conns);
    queue = (uint32_t *)calloc((size_t)nconns, sizeof *queue);
    paced = (uint32_t *)calloc((size_t)nconns, sizeof *paced);
    if (!conns || !queue || !paced) die("out of memory");
    for (i = 0; i < MAX_SIZE; i++) {
        uint32_t r = ((uint32_t)i * 2654435761u) >> 13;
        pattern[i] = lines ? (unsigned char)"abcdefghijklmnopqrstuvwxyz0123456789"[r % 36] : (unsigned char)r;
        pattern_upper[i] = (unsigned char)toupper(pattern[i]);
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1 failed");

    /* open every connection, BATCH unconfirmed at a time */
    t_start = now_ns();
    for (i = 0; i < nconns; i++) {
        conns[i].fd = -1;
        enqueue(i, 0);
    }
    t_last_expire = t_start;
    while (opened < nconns) {
        uint64_t now = now_ns();
        if (stop_signal) return 1;
        if ((double)(now - t_start) / 1e9 > connect_limit) {
            fprintf(stderr, "loadgen: only %ld of %ld connections open after %.0f s\n", opened, nconns,
                    connect_limit);
            return 1;
        }
        start_connects(now);
        turn(10);
        if (now - t_last_expire > 100000000ull) {
            expire_connects(now);
            t_last_expire = now;
        }
    }
    t_opened = now_ns();
    connect_s = (double)(t_opened - t_start) / 1e9;

    if (hold) {
        char line[64];
        ssize_t n;
        printf("ready conns=%ld connect_s=%.3f\n", nconns, connect_s);
        fflush(stdout);
        n = stop_signal ? 0 : read(0, line, sizeof line); /* a line: go on; end of input or a signal: stop */
        if (n <= 0) return 0;
    }

    /* the load: every connection sends its first request */
    phase = 1;
    errors = reconnects = 0;
    {
        uint64_t now = now_ns();
        if (rate > 0) {
            gap_ns = (uint64_t)(1e9 / rate);
            t_next = now;
            for (i = 0; i < nconns; i++)
                if (conns[i].state == C_OPEN) paced[p_len++] = (uint32_t)i;
        }
        for (i = 0; i < nconns && rate <= 0; i++)
            if (conns[i].state == C_OPEN && send_request(i, now) < 0) fail(i, 1);
        warm_end = now + (uint64_t)(warmup * 1e9);
    }
    for (;;) {
        uint64_t now = now_ns();
        if (stop_signal) return 1;
        if (!measuring && now >= warm_end) {
            measuring = 1;
            m_start = now;
            m_end = now + (uint64_t)(duration * 1e9);
            control(fifo, "enable");
            srv0 = proc_cpu_s(server_pid);
            me0 = self_cpu_s();
            errors = reconnects = 0;
        }
        if (measuring && (now >= m_end || (long)h_count >= max_requests)) {
            m_end = now;
            break;
        }
        start_connects(now); /* connections reopened after an error */
        if (rate > 0) pace(now);
        turn(10);
    }
    srv1 = proc_cpu_s(server_pid);
    control(fifo, "disable");
    me1 = self_cpu_s();
    if (h_count == 0) die("no request completed in the measured time");
    {
        double secs = (double)(m_end - m_start) / 1e9;
        printf("result conns=%ld requests=%llu duration_s=%.3f rps=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
               "max_us=%.1f errors=%ld reconnects=%ld server_cpu=%.2f client_cpu=%.2f connect_s=%.3f\n",
               nconns, (unsigned long long)h_count, secs, (double)h_count / secs, h_quantile(0.50) / 1e3,
               h_quantile(0.99) / 1e3, h_quantile(0.999) / 1e3, (double)h_max / 1e3, errors, reconnects,
               srv0 >= 0 && server_pid > 0 ? (srv1 - srv0) / secs : -1.0, (me1 - me0) / secs, connect_s);
    }
    fflush(stdout);
    return 0;
}
