/* SPDX-License-Identifier: MIT */
/* Server fuzzer: the life of a server's connections while their numbers are
 * reused. The input is a program: a script for the server's handlers and a
 * driver's script, run by aio_run on the virtual clock over a real Unix
 * listener. Handlers read their client's lines, write tagged lines to their
 * stream, drain it, close their own socket (AIO_STREAM_CLOSE) and live on,
 * sleep, end or fail, and close in their cleanup with bytes still buffered;
 * the driver connects clients, sends and reads lines, closes clients,
 * aborts connections from outside (aio_conn_abort, stale ones included),
 * shuts the server's connections down (aio_server_close_clients,
 * aio_server_abort_clients), opens sockets of the program's own that take
 * freed numbers, closes a number hundreds of times over, shuts the server
 * down, and ends the run with handlers alive (aio_run's end reaches their
 * cleanups). After every action of the driver's, and after aio_run returns,
 * a checker holds the library to its promises:
 *
 *  - every line a client reads is tagged with that client, and its lines
 *    come in the order they were written with none missing between two
 *    (a write is taken whole or refused: never a hole, never a piece);
 *  - every line a handler reads is its own client's;
 *  - the program's own sockets and the clients' sockets are never closed
 *    or shut down by the library: each keeps its inode, and a program
 *    socket never reads the end or a hang-up;
 *  - a handler's write after it closed its own socket is refused
 *    (AIO_ECLOSED), and aio_conn_abort of a connection whose handler ended
 *    says 0;
 *  - a server's socket that its handler did not close, whose client did not
 *    close and that nobody shut down or aborted, is never shut down;
 *  - aio_run returns only once every handler has ended, and then every
 *    socket the server accepted is closed.
 *
 * Built with clang -fsanitize=fuzzer (`make fuzz`, FUZZ_ONLY=server), or
 * with FUZZ_REPLAY as a plain program: `fuzz_server --random N SEED` runs N
 * inputs drawn from SEED (`make test` runs it so; `--random N SEED K` runs
 * the K-th alone, and FUZZ_SERVER_SAVE=file saves it), other arguments are
 * input files. Input: byte 0 the handlers' script's length (mod 64), then that
 * script (a byte an operation), then the driver's (two bytes a command). */
#define _GNU_SOURCE
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define NS 4     /* the server's states: at most this many connections at once */
#define NCLI 8   /* clients */
#define NPROG 4  /* the program's own sockets */
#define NACC 64  /* accepted sockets remembered */
#define MAXSEQ 4000

static int fz_trace; /* FUZZ_SERVER_TRACE set: what happens, on stderr */
#define TRACE(...) (fz_trace ? (void)fprintf(stderr, __VA_ARGS__) : (void)0)
static long fz_drawn = -1; /* (--random: the program's number) */
static void fz_fail(const char *fmt, ...) {
    va_list ap;
    if (fz_drawn >= 0) fprintf(stderr, "fuzz_server: program %ld drawn: ", fz_drawn);
    fprintf(stderr, "fuzz_server: invariant violated: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
#define REQUIRE(c, ...)                                                        \
    do {                                                                       \
        if (!(c)) fz_fail(__VA_ARGS__);                                        \
    } while (0)

typedef struct {
    aio_conn conn;
    aio_stream s;
    char buf[48];
    int who;         /* the client connection it serves (its hello line), -1 before */
    uint64_t ran;    /* its handler began: its conn.order then (else who and fd are an earlier one's) */
    uint64_t cut;    /* the program cut it (an abort, a shutdown, close_clients): its conn.order then */
    int pc, seq;     /* where it is in the script; its lines written */
    int ops;         /* operations done (a handler ends after 300) */
    int closed_own;  /* it closed its socket itself */
    int fd;          /* its socket */
    aio_status rc;
} state_t;

typedef struct {
    int fd;          /* -1: none */
    int peer;        /* (the program's: its pair's other end, never written) */
    ino_t ino;
    int uid;         /* (a client) which connection: 1, 2, ... in the order made */
    int next_seq;    /* the line it expects next */
    int sent;
    char part[32];   /* a line not whole yet */
    size_t plen;
} sock_t;

static struct {
    aio_loop loop;
    aio_server srv;
    state_t st[NS];
    aio_task main;
    const uint8_t *hprog, *dprog;
    size_t hlen, dlen;
    sock_t cli[NCLI], prog[NPROG];
    int made;        /* client connections made */
    struct { int fd; ino_t ino; } acc[NACC];
    size_t nacc;
    char path[108];
    size_t pc;
    int i, k;
    aio_status rc;
} W;

/* Whether client connection uid is still open at the client's end. */
static int client_there(int uid) {
    int i;
    for (i = 0; i < NCLI; i++)
        if (W.cli[i].fd >= 0 && W.cli[i].uid == uid) return 1;
    return 0;
}

/* Whether the program cut c's connection (not an earlier one of the state's). */
static int was_cut(const state_t *c) { return c->cut && c->cut == c->conn.order; }

/* The program cut every live connection at once. */
static void cut_all(void) {
    int i;
    for (i = 0; i < NS; i++)
        if (aio_task_alive(&W.st[i].conn.task)) W.st[i].cut = W.st[i].conn.order;
}

static ino_t ino_of(int fd) {
    struct stat sb;
    if (fstat(fd, &sb) != 0) return 0;
    return sb.st_ino;
}

/* The sockets of the program's (its own and its clients') are intact. */
static void check_sockets(void) {
    int i;
    for (i = 0; i < NPROG; i++) {
        struct pollfd p;
        if (W.prog[i].fd < 0) continue;
        REQUIRE(ino_of(W.prog[i].fd) == W.prog[i].ino, "the program's socket %d was closed by the library",
                W.prog[i].fd);
        p.fd = W.prog[i].fd;
        p.events = POLLIN | POLLRDHUP;
        p.revents = 0;
        REQUIRE(poll(&p, 1, 0) == 0 || !(p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)),
                "the program's socket %d was shut down by the library", W.prog[i].fd);
    }
    for (i = 0; i < NCLI; i++)
        if (W.cli[i].fd >= 0)
            REQUIRE(ino_of(W.cli[i].fd) == W.cli[i].ino, "client %d's socket %d was closed by the library", i,
                    W.cli[i].fd);
    for (i = 0; i < NS; i++) {
        state_t *c = &W.st[i];
        struct pollfd p;
        if (!aio_task_alive(&c->conn.task) || c->ran != c->conn.order || c->who < 0) continue;
        if (c->closed_own || was_cut(c) || !client_there(c->who)) continue;
        p.fd = c->fd;
        p.events = POLLRDHUP;
        p.revents = 0;
        (void)poll(&p, 1, 0);
        REQUIRE(!(p.revents & (POLLRDHUP | POLLHUP | POLLNVAL)),
                "connection of client %d (socket %d) shut down or closed, and nobody asked", c->who, c->fd);
    }
}

/* A line "<uid>:<seq>" client i read. */
static void client_line(int i, const char *line) {
    int who = -1, seq = -1;
    REQUIRE(sscanf(line, "%d:%d", &who, &seq) == 2, "client %d read a line not written: \"%s\"", i, line);
    REQUIRE(who == W.cli[i].uid, "connection %d read a line written to connection %d", W.cli[i].uid, who);
    REQUIRE(seq == W.cli[i].next_seq, "client %d read line %d after %d: a hole", i, seq, W.cli[i].next_seq - 1);
    W.cli[i].next_seq++;
}

static void client_reads(int i) {
    sock_t *c = &W.cli[i];
    char b[512];
    long n;
    if (c->fd < 0) return;
    while ((n = recv(c->fd, b, sizeof b, MSG_DONTWAIT)) > 0) {
        long j;
        for (j = 0; j < n; j++) {
            if (b[j] == '\n') {
                c->part[c->plen] = 0;
                client_line(i, c->part);
                c->plen = 0;
            } else {
                REQUIRE(c->plen + 1 < sizeof c->part, "client %d read a line too long: a glued line", i);
                c->part[c->plen++] = b[j];
            }
        }
    }
}

/* ----------------------------------------------------------- the handlers */

/* A close of handler c's stream ended with rc: while its client is there,
 * reading or not, and nobody cut the connection, it flushed and said so, in
 * a cleanup that aio_run's end reached too; where what was written fits the
 * socket's buffer: at most 100 lines (a Unix socket counts each send's
 * overhead against its buffer, a few hundred sends of a line fill it). */
static void closed(const state_t *c, aio_status rc) {
    if (c->who < 0 || was_cut(c) || !client_there(c->who) || c->seq > 100) return;
    REQUIRE(rc == AIO_OK, "client %d's handler's close said %d with the client there", c->who, (int)rc);
}

static aio_status handler(aio_task *t) {
    state_t *c = AIO_CONN_SELF(t, state_t);
    uint8_t op;
    char line[48];
    int bye; /* (the goodbye's length) */
    AIO_BEGIN(t);
    c->who = -1;
    c->ran = c->conn.order;
    c->seq = 0;
    c->closed_own = 0;
    c->fd = c->conn.fd;
    c->pc = (int)((c->conn.id * 7u) % (W.hlen ? W.hlen : 1));
    if (W.nacc < NACC) {
        W.acc[W.nacc].fd = c->fd;
        W.acc[W.nacc].ino = ino_of(c->fd);
        W.nacc++;
    }
    aio_stream_init(&c->s, c->conn.fd, c->buf, sizeof c->buf);
    AIO_READ_LINE(t, c->rc, &c->s, AIO_MS(50));
    if (c->rc <= 0) AIO_RETURN(t, c->rc);
    REQUIRE(((const char *)aio_stream_data(&c->s))[0] == 'H', "a handler's first line is not a hello");
    c->who = atoi((const char *)aio_stream_data(&c->s) + 1);
    TRACE("  handler %d: conn %d on socket %d\n", (int)(c - W.st), c->who, c->fd);
    for (c->ops = 0; W.hlen && c->ops < 300; c->ops++) {
        op = W.hprog[c->pc++ % W.hlen];
        TRACE("  handler %d (conn %d, socket %d): op %d\n", (int)(c - W.st), c->who, c->fd, op % 8);
        /* (no switch: the awaits are a switch's cases themselves) */
        if (op % 8 == 0) {
            AIO_READ_LINE(t, c->rc, &c->s, AIO_MS(1 + op / 8 % 8));
            if (c->rc > 0) {
                int who = -1;
                REQUIRE(sscanf((const char *)aio_stream_data(&c->s), "%d:", &who) == 1 && who == c->who,
                        "the handler of client %d read a line of client %d", c->who, who);
            } else if (c->rc != AIO_ETIMEDOUT) {
                AIO_RETURN(t, c->rc); /* the end, or the socket closed or cut */
            }
        } else if (op % 8 <= 2) {
            int k, n = 1 + op / 8 % 4;
            for (k = 0; k < n && c->seq < MAXSEQ; k++) {
                aio_status rc;
                int len = snprintf(line, sizeof line, "%d:%d\n", c->who, c->seq);
                rc = aio_stream_write(&c->s, line, (size_t)len);
                if (c->closed_own) REQUIRE(rc == AIO_ECLOSED, "a write after the handler's own close: %d", (int)rc);
                if (rc == AIO_OK) c->seq++;
            }
        } else if (op % 8 == 3) {
            AIO_DRAIN(t, c->rc, &c->s, AIO_MS(1 + op / 8 % 8));
        } else if (op % 8 == 4) {
            if (!c->closed_own) {
                c->closed_own = 1; /* (however the close ends, cancelled too: the socket is closed) */
                AIO_STREAM_CLOSE(t, c->rc, &c->s, AIO_MS(1 + op / 8 % 16));
                closed(c, c->rc);
            }
        } else if (op % 8 == 5) {
            AIO_SLEEP(t, AIO_MS(op / 8 % 16));
        } else if (op % 8 == 6) {
            AIO_RETURN(t, op & 8 ? AIO_EIO : 0);
        } else {
            AIO_YIELD(t);
        }
    }
    AIO_FINALLY(t);
    if (!c->closed_own && (c->pc & 1) && c->who >= 0) { /* a goodbye in the cleanup, with a close */
        bye = snprintf(line, sizeof line, "%d:%d\n", c->who, c->seq);
        if (aio_stream_write(&c->s, line, (size_t)bye) == AIO_OK) c->seq++;
        AIO_STREAM_CLOSE(t, c->rc, &c->s, AIO_MS(20));
        c->closed_own = 1;
        closed(c, c->rc);
    }
    aio_stream_free(&c->s);
    AIO_END(t);
}

/* ------------------------------------------------------------- the driver */

static void open_client(int i) {
    struct sockaddr_un a;
    char hello[16];
    int fd, n;
    if (W.cli[i].fd >= 0 || W.srv.listener < 0) return;
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket");
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path, W.path, strlen(W.path) + 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { /* (the backlog full) */
        close(fd);
        return;
    }
    memset(&W.cli[i], 0, sizeof W.cli[i]);
    W.cli[i].fd = fd;
    W.cli[i].ino = ino_of(fd);
    W.cli[i].uid = ++W.made;
    n = snprintf(hello, sizeof hello, "H%d\n", W.cli[i].uid);
    REQUIRE(send(fd, hello, (size_t)n, MSG_NOSIGNAL) == n, "hello");
}

static void close_client(int i) {
    if (W.cli[i].fd < 0) return;
    client_reads(i);
    close(W.cli[i].fd);
    W.cli[i].fd = -1;

}

static void open_prog(int i) {
    int sv[2];
    if (W.prog[i].fd >= 0) {
        close(W.prog[i].fd);
        close(W.prog[i].peer);
        W.prog[i].fd = -1;
        return;
    }
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    W.prog[i].fd = sv[0]; /* (the lower number: one a handler freed, most likely) */
    W.prog[i].peer = sv[1];
    W.prog[i].ino = ino_of(sv[0]);
}

/* A number closed many times: opened and closed through the library. */
static void churn(int times) {
    int k;
    for (k = 0; k < times; k++) {
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
        (void)aio_close(sv[0]);
        (void)aio_close(sv[1]);
    }
}

/* The driver's command cmd with its argument a (all but its sleep). */
static void act(int cmd, int a) {
    int k;
    switch (cmd) {
    case 0: open_client(a % NCLI); break;
    case 1:
        k = a % NCLI;
        if (W.cli[k].fd >= 0) {
            char line[24];
            int n = snprintf(line, sizeof line, "%d:%d\n", W.cli[k].uid, W.cli[k].sent++);
            (void)send(W.cli[k].fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        break;
    case 2: client_reads(a % NCLI); break;
    case 3: close_client(a % NCLI); break;
    case 4: {
        state_t *c = &W.st[a % NS];
        int alive = aio_task_alive(&c->conn.task);
        int r = c->conn.server ? aio_conn_abort(&c->conn) : 0;
        TRACE("  aio_conn_abort(state %d: conn %d, socket %d, alive %d, closed its own %d): %d\n", a % NS, c->who,
              c->fd, alive, c->closed_own, r);
        if (!alive) REQUIRE(r == 0, "aio_conn_abort of an ended handler's connection: %d", r);
        if (alive) c->cut = c->conn.order;
        break;
    }
    case 5:
        (void)aio_server_close_clients(&W.srv);
        cut_all();
        break;
    case 6:
        (void)aio_server_abort_clients(&W.srv);
        cut_all();
        break;
    case 7: open_prog(a % NPROG); break;
    case 8: churn(a & 1 ? 256 : 3); break;
    case 10:
        if (a % 4 == 0) {
            (void)aio_server_shutdown(&W.srv, AIO_MS(a / 4 % 16));
            cut_all(); /* (its grace's end aborts them; no connection is taken after it) */
        }
        break;
    default: break; /* (11: a turn) */
    }
}

static aio_status driver(aio_task *t) {
    AIO_BEGIN(t);
    fz_trace = getenv("FUZZ_SERVER_TRACE") != NULL;
    REQUIRE(aio_server_init(&W.srv, handler, W.st, sizeof W.st[0], NS) == AIO_OK, "init");
    REQUIRE(aio_server_start(&W.srv, aio_unix_listen(W.path, 4)) == AIO_OK, "listen");
    for (W.pc = 0; W.pc + 2 <= W.dlen; W.pc += 2) {
        W.i = W.dprog[W.pc + 1];
        W.k = W.dprog[W.pc] % 12;
        TRACE("%lld ms: driver %d %d\n", (long long)(aio_now() / AIO_MS(1)), W.k, W.i);
        if (W.k == 9) {
            AIO_SLEEP(t, AIO_MS(W.i % 8));
        } else {
            act(W.k, W.i);
        }
        check_sockets();
        AIO_YIELD(t);
        check_sockets();
    }
    AIO_END(t); /* (the run's end: the server and the handlers alive are cancelled) */
}

static void run_one(const uint8_t *data, size_t size) {
    int i;
    memset(&W, 0, sizeof W);
    for (i = 0; i < NCLI; i++) W.cli[i].fd = -1;
    for (i = 0; i < NPROG; i++) W.prog[i].fd = -1;
    snprintf(W.path, sizeof W.path, "/tmp/aio-fuzz-server-%d.sock", (int)getpid());
    (void)unlink(W.path);
    if (size < 1) return;
    W.hlen = data[0] % 64;
    if (W.hlen > size - 1) W.hlen = size - 1;
    W.hprog = data + 1;
    W.dprog = data + 1 + W.hlen;
    W.dlen = size - 1 - W.hlen;
    aio_loop_init(&W.loop, NULL, 0);
    aio_loop_set_grow(&W.loop, aio_grow_realloc, NULL);
    aio_loop_use_virtual_clock(&W.loop, AIO_SEC(1));
    (void)aio_run(&W.loop, &W.main, driver);
    for (i = 0; i < NS; i++)
        REQUIRE(!aio_task_alive(&W.st[i].conn.task), "aio_run returned with handler %d alive", i);
    REQUIRE(!aio_task_alive(&W.srv.task), "aio_run returned with the server alive");
    REQUIRE(W.srv.listener < 0 && !W.srv.unix_file, "the server's listener (%d) or its file's note (%p) left, server rc %d",
            W.srv.listener, W.srv.unix_file, (int)aio_task_result(&W.srv.task));
    for (i = 0; i < NCLI; i++) client_reads(i);
    check_sockets();
    for (i = 0; i < (int)W.nacc; i++) {
        int j, mine = 0;
        for (j = 0; j < NCLI; j++) mine |= W.cli[j].fd == W.acc[i].fd;
        for (j = 0; j < NPROG; j++) mine |= W.prog[j].fd >= 0 && (W.prog[j].fd == W.acc[i].fd || W.prog[j].peer == W.acc[i].fd);
        if (mine) continue;
        REQUIRE(ino_of(W.acc[i].fd) != W.acc[i].ino, "an accepted socket (%d) was left open", W.acc[i].fd);
    }
    REQUIRE(aio_loop_destroy(&W.loop) == AIO_OK, "aio_loop_destroy");
    for (i = 0; i < NCLI; i++)
        if (W.cli[i].fd >= 0) close(W.cli[i].fd);
    for (i = 0; i < NPROG; i++)
        if (W.prog[i].fd >= 0) {
            close(W.prog[i].fd);
            close(W.prog[i].peer);
        }
    (void)unlink(W.path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    run_one(data, size);
    return 0;
}

#ifdef FUZZ_REPLAY
int main(int argc, char **argv) {
    int a;
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "--random") == 0) {
        long n = atol(argv[2]), k, only = argc == 5 ? atol(argv[4]) : -1; /* (the only one run) */
        uint32_t x = (uint32_t)strtoul(argv[3], NULL, 10) * 2654435761u + 1u;
        static uint8_t buf[600];
        for (k = 0; k < n; k++) {
            size_t size = 40 + (size_t)(k % 13) * 40, j;
            for (j = 0; j < size; j++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                buf[j] = (uint8_t)(x >> 7);
            }
            fz_drawn = k;
            if (k == only && getenv("FUZZ_SERVER_SAVE")) { /* (the program, as a file to replay) */
                FILE *f = fopen(getenv("FUZZ_SERVER_SAVE"), "wb");
                if (f) {
                    (void)fwrite(buf, 1, size, f);
                    fclose(f);
                }
            }
            if (only < 0 || k == only) run_one(buf, size);
        }
        printf("fuzz_server: %ld programs, every invariant held\n", n);
        return 0;
    }
    for (a = 1; a < argc; a++) {
        static uint8_t buf[1 << 16];
        size_t n;
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            perror(argv[a]);
            return 1;
        }
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        run_one(buf, n);
    }
    printf("fuzz_server: %d inputs, every invariant held\n", argc - 1);
    return 0;
}
#endif
