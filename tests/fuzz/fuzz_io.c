/* SPDX-License-Identifier: MIT */
/* I/O slot fuzzer: the life of a task waiting on a descriptor. The input is a
 * program of up to four tasks that receive, send, wait until readable or
 * writable, read streams and accept on real AF_UNIX sockets (socketpairs and
 * a listener), and a driver that steps the loop one turn at a time on the
 * virtual clock. Between the turn whose I/O wait woke a task and that task's
 * resumption, the driver (between steps) and the tasks queued before it (in
 * the next step) close the descriptor (aio_close, or aio_io_forget and
 * close), open a new one that takes the same number and write into it,
 * cancel the task, move the clock past its deadline, change the loop's I/O
 * port (aio_loop_set_io: NULL, or one of two ports of the fuzzer's own), or
 * start another wait on the same descriptor; they do the same while it is
 * still parked. They also close a connection's socket under its stream,
 * which stays (and a new socket may take the number, with bytes of its
 * own; sometimes after the number was closed 256 times more, a round of
 * any 8-bit count of a number's closes). Tasks and the driver also write the streams as asyncio's writer
 * does, many at once (aio_stream_write, its limits, AIO_DRAIN), and tasks
 * write them alone (AIO_STREAM_WRITE), cut by cancels, deadlines and
 * closes. An invariant checker holds the library to its documented
 * promises after every step and every action:
 *
 *  - every byte a receive, a stream read or an accept returns belongs to the
 *    connection (or listener) the await was started on: each byte stream is
 *    tagged with its connection's number, and the bytes a connection holds
 *    are the bytes written to it less those its reads returned;
 *  - a stream (fixed, or growing from a small start to a small limit; over
 *    the socket, or through a transport of the program's that holds bytes
 *    as a TLS engine does and fails a receive of 0 bytes) gives the bytes
 *    in the order written, none lost: a line up to its newline, the end
 *    (0, a line without its newline, AIO_EINCOMPLETE) only once the peer
 *    closed and every byte was read, AIO_ELIMIT only for a line longer
 *    than its limit;
 *  - a stream whose socket was closed under it reads nothing from then on,
 *    from whatever socket has the number: every read gives AIO_ECLOSED;
 *  - what a stream's writes took reaches its peer whole and in the order
 *    taken, a call's bytes never interleaved with another's and never on
 *    another connection (each call's bytes name their connection and the
 *    call): aio_stream_write's bytes once it said AIO_OK,
 *    AIO_STREAM_WRITE's as far as aio_bytes_sent says, however it ended;
 *    every such byte arrives once the peer reads, unless the stream failed
 *    or its socket was closed; a refusal (the bound, a writer under way, a
 *    socket closed, the send's error) takes nothing; AIO_DRAIN returns
 *    AIO_OK only below the high-water mark, and times out only at its
 *    deadline;
 *  - a waiter whose descriptor is closed while it waits (parked, or woken
 *    and not yet resumed) gets AIO_ECLOSED, unless a cancellation came first
 *    (it unwinds cancelled) or its deadline woke it before the close
 *    (AIO_ETIMEDOUT); never a result from the number's next owner;
 *  - aio_loop_set_io never returns AIO_OK while a task that waited on a
 *    descriptor has not resumed, and a released port is never used again;
 *  - readiness is a level: after a loop turn no task is still parked on a
 *    descriptor that is ready its way (no lost wake-up), and a wait the loop
 *    saw ready before its deadline does not time out while its bytes wait;
 *  - a cancelled wait unwinds and consumes nothing; statuses are only those
 *    the documentation lists for the situation;
 *  - at the end every task has ended, nobody is left in a descriptor's slot,
 *    io->waiting is 0, no timer is armed and no descriptor is left open.
 *
 * Built with clang -fsanitize=fuzzer (`make fuzz`, with epoll and with
 * -DAIO_IO_POLL), or with FUZZ_REPLAY as a plain program that runs the files
 * or directories it is given (`make test` replays tests/fuzz/corpus-io and
 * tests/fuzz/regressions-io this way). The header under test is the first
 * aio_timeout.h on the include path (-I).
 *
 * Input format (tests/fuzz/README.md has the details): byte 0 holds flags,
 * then chunks separated by 0xFF. Chunk 0 is the driver's script (two bytes
 * per command); chunk 1+i is the program of task i (a byte saying how often
 * it runs, then three bytes per operation: opcode, a, b). */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/un.h>

#define NT 4            /* task slots */
#define NH 3            /* connection handles (socketpairs) */
#define NCONN 40        /* connections and listeners one input may open */
#define NCLIENT 3       /* connections waiting on the listener, at most */
#define SBUF 16         /* a stream's buffer (unless the input's flags say otherwise) */
#define MAXBUF 64       /* the largest a stream's buffer may be */
#define MODEL 8192      /* the bytes written into a connection that the checker keeps (no more are written) */
#define OUT_MODEL 32768 /* the bytes a connection's stream writes that the checker keeps (no more are written) */
#define CALL_BIG 6000   /* a stream write that the socket's buffer does not take whole */
#define TP_RECORD 7     /* the bytes the program's transport takes from the socket at a time */
#define RBUF 24         /* a receive's buffer */
#define BIG (48 * 1024) /* a send that fills the socket's buffer */
#define MAX_STEPS 3000
#define MAX_SPAWNS 12
#define PORT_B_SLOTS 64 /* the second port's fixed slots (it cannot grow) */
#define MAX_FD 256      /* descriptors below this are counted for leaks */

/* ----------------------------------------------------------------- errors */

static const char *fz_phase = "";
static void fz_dump(void);
static void fz_fail(const char *fmt, ...) {
    va_list ap;
    fz_dump();
    fprintf(stderr, "fuzz invariant violated (%s): ", fz_phase);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
#define REQUIRE(cond, ...)                                                     \
    do {                                                                       \
        if (!(cond)) fz_fail(__VA_ARGS__);                                     \
    } while (0)

/* ------------------------------------------------------------------ state */

enum { /* task operations: the I/O awaits first */
    OP_RECV, OP_READABLE, OP_WRITABLE, OP_SEND, OP_READ_SOME, OP_READ_EXACTLY, OP_ACCEPT,
    OP_IO_COUNT,
    OP_YIELD = OP_IO_COUNT, OP_SLEEP, OP_WRITE, OP_DRAIN, OP_CLOSE, OP_OPEN, OP_CANCEL,
    OP_SET_IO, OP_PEER_CLOSE, OP_CONNECT, OP_LISTEN_CLOSE, OP_SPAWN,
    OP_WRITE_LINE, /* (added since: each new one at the end, which keeps the inputs kept) */
    OP_READ_LINE,
    OP_CLOSE_UNDER,
    OP_STREAM_WRITE,  /* aio_stream_write (an action) */
    OP_WRITE_LIMITS,  /* aio_stream_set_write_limits (an action) */
    OP_STREAM_DRAIN,  /* AIO_DRAIN (an await on the stream's outbox, not on a descriptor) */
    OP_STREAM_SEND,   /* AIO_STREAM_WRITE (one writer's await) */
    OP_COUNT
};
#define NIO (OP_IO_COUNT + 1) /* the I/O awaits: those before OP_IO_COUNT, and OP_READ_LINE */
static int is_await(int op) { return op < OP_IO_COUNT || op == OP_READ_LINE; }
static int io_index(int op) { return op == OP_READ_LINE ? OP_IO_COUNT : op; } /* (0 to NIO - 1) */
static int is_stream_read(int op) { return op == OP_READ_SOME || op == OP_READ_EXACTLY || op == OP_READ_LINE; }
static const char *const op_names[] = {"AIO_RECV", "AIO_WAIT_READABLE", "AIO_WAIT_WRITABLE",
                                       "AIO_SEND_ALL", "AIO_READ_SOME", "AIO_READ_EXACTLY",
                                       "AIO_ACCEPT", "yield", "sleep", "write", "drain", "close",
                                       "open", "cancel", "set_io", "peer_close", "connect",
                                       "listen_close", "spawn", "write_line", "AIO_READ_LINE", "close_under",
                                       "stream_write", "write_limits", "AIO_DRAIN", "AIO_STREAM_WRITE"};
enum { /* driver commands: the actions are the tasks' own (ACT_FIRST + k: OP_WRITE + k up to
        * OP_WRITE_LINE, then OP_CLOSE_UNDER; an await between them is no action) */
    DR_STEP, DR_NEXT, DR_ADVANCE, DR_SETTLE, DR_ACT_FIRST,
    DR_CLOSE_UNDER = DR_ACT_FIRST + (OP_WRITE_LINE - OP_WRITE + 1),
    DR_STREAM_WRITE, DR_WRITE_LIMITS,
    DR_COUNT
};
enum { /* what woke a waiting task, as the checker saw it */
    WOKE_NONE, WOKE_READY, WOKE_TIMER, WOKE_CANCEL, WOKE_CLOSED, WOKE_OTHER
};
static const char *const woke_names[] = {"nothing yet", "readiness", "its deadline", "a cancel",
                                         "the close", "something else"};
enum { K_PAIR = 1, K_LISTENER };
enum { PORT_SYSTEM, PORT_A, PORT_B }; /* the loop's I/O: the system's (or none yet), or ours */

/* A port of the fuzzer's own: poll() on the descriptors the loop asks it to
 * watch. A (grows its slots) and B (64 fixed slots). Released, it frees
 * its slots and refuses to be used again. */
typedef struct fzport {
    aio_io io;
    int id, live;
    uint8_t *want; /* what each descriptor is watched for */
} fzport;

/* A connection: a socketpair whose `local` end the tasks wait on and whose
 * `peer` end the program writes into and drains; or the listener, whose
 * clients wait to be accepted. Every byte written either way is `tag`, but
 * the newlines that end lines written into peer. */
typedef struct conn {
    int kind;
    int local, peer;          /* -1 once closed */
    int gone;                 /* local was closed under the stream, which its handle keeps */
    uint8_t tag;
    long written, consumed;   /* bytes written into peer; bytes reads of local returned (or dropped) */
    long drained;             /* bytes read from peer */
    aio_stream stream;        /* over local */
    unsigned char sbuf[MAXBUF];
    unsigned char data[MODEL]; /* what was written into peer, in order */
    int mixed;                /* a receive took bytes past what the stream held: its reads are no longer in order */
    unsigned char tp[TP_RECORD]; /* the program's transport: the bytes it holds */
    int tp_len, tp_at;
    int clients[NCLIENT], nclients;
    unsigned char out[OUT_MODEL]; /* what the stream's writes took, in order (each byte >= 0x80) */
    long out_taken, out_read; /* bytes of it; bytes of it the peer read */
    uint8_t calls;            /* the stream's writes so far */
    struct sockaddr_un addr;  /* the listener's (abstract) address */
    socklen_t addrlen;
} conn;

/* One I/O await of a task, from its start to its resumption. */
typedef struct wait_rec {
    int op, conn, fd, way;    /* way 0: until readable, 1: until writable */
    size_t len;
    aio_time start, deadline;
    int ckpt;                 /* a cancel was pending when it began: its checkpoint unwinds it */
    int gone;                 /* a stream read begun after its socket was closed under it */
    int parked;               /* seen parked at the last look */
    int woke;                 /* what woke it last (WOKE_*) */
    int ready_at_turn;        /* parked at the start of this step, its descriptor ready */
    long consumed_at_wake;    /* its connection's `consumed` then */
    int resumed_by;           /* what woke it for the resumption now running */
    long cancel_seq, close_seq; /* when a cancel was accepted / its descriptor closed (0: not) */
    int timer_before_close;   /* its deadline had woken it when the close came */
    int woke_at_close;        /* what had woken it then (WOKE_NONE: it was parked) */
    int close_how;            /* 1 aio_close, 2 aio_io_forget + close */
} wait_rec;

typedef struct slot {
    aio_task task;
    int idx;
    const uint8_t *prog;
    size_t len, pc;
    int reps, rep;
    uint8_t op, a, b;
    aio_status rc;
    int in_io;                /* inside an I/O await (w describes it) */
    int cancelled;            /* a cancel was accepted in this incarnation */
    int incarnations;
    wait_rec w;
    int in_stream;            /* inside AIO_DRAIN (1) or AIO_STREAM_WRITE (2) of connection sconn */
    int sconn, sckpt, sbusy;  /* ... a cancel pending as it began; another writing then (1: of the stream,
                                 2: a task waiting until its socket is writable) */
    int scancel;              /* a cancel was accepted while it was under way */
    size_t slen;              /* AIO_STREAM_WRITE's length */
    long spos;                /* where its bytes go in what the stream's writes took */
    aio_time sdeadline;
    unsigned char rbuf[RBUF];
    unsigned char sendbuf[BIG];
} slot;

static struct world {
    aio_loop loop;
    aio_timer timers[NT + 2];
    conn c[NCONN];
    int nconn;
    int h[NH];                /* each handle's connection (-1: closed) */
    int lh;                   /* the listener's (-1: none) */
    slot s[NT];
    int port;                 /* PORT_* in use */
    fzport pa, pb;
    long steps, seq;
    int spawns;
    int grows, own_transport; /* the streams: growing (start, limit) or fixed (size); the transport */
    size_t start, limit, size;
    unsigned char open_at_start[MAX_FD];
    int fillers[MAX_FD], nfillers; /* descriptors that fill the gaps below the highest one open */
} W;

static int fz_trace; /* FUZZ_TRACE=1 in the environment: print each command and operation */
#define TRACE(...)                                                             \
    do {                                                                       \
        if (fz_trace) fprintf(stderr, __VA_ARGS__);                            \
    } while (0)

/* State coverage: which (moment, task state, await) triples an input reached,
 * as extra counters, so that libFuzzer keeps inputs that open a window (a
 * close, a cancel, a port change, a new waiter while a task is woken and
 * not yet resumed) even when they run no new line. */
enum { /* the moments */
    M_CLOSE, M_FORGET, M_REUSE, M_CANCEL, M_SET_IO_REFUSED, M_SET_IO_TAKEN, M_NEW_WAITER,
    M_PAST_DEADLINE, M_WRITE, M_DRAIN, M_PEER_CLOSE, M_RESUMED_CLOSED, M_RESUMED_BESIDE, M_STREAM_GONE, M_COUNT
};
enum { FT_MOMENTS = M_COUNT * 3 * NIO };
/* and, as a stream read begins, where its stream is: what it holds (nothing,
 * less than its start, its start, more, full) by its size (its start, between,
 * its limit or more) by the read */
enum { FT_STREAM = FT_MOMENTS, FT_COUNT = FT_STREAM + 5 * 3 * 3 };
#ifdef FUZZ_REPLAY
static void feature(int i) { (void)i; }
#else
__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t fz_features[FT_COUNT];
static void feature(int i) { fz_features[i]++; }
#endif

static aio_time now(void) { return aio_loop_now(&W.loop); }
static int reached(aio_time when) { return when != AIO_NEVER && (aio_stime)(now() - when) >= 0; }
static int alive(const slot *s) { return s->task.state != AIO__NEW && s->task.state != AIO__DONE; }
static int running(const slot *s) { return aio_current() == &s->task; }
static int quiet(void) { return aio__list_empty(&W.loop.ready); }

/* 0, 1, 2, 3, 5, 10, 20 ms, or never */
static aio_time dur(uint8_t x) {
    static const int ms[] = {0, 1, 2, 3, 5, 10, 20};
    return (x & 7) == 7 ? AIO_NEVER : AIO_MS(ms[x & 7]);
}

/* A wait that has touched its descriptor's slot and not resumed: parked, or
 * woken and not run yet (one that began with a cancellation pending unwinds
 * at its checkpoint and never reaches the slot). */
static int holds_slot(const slot *s) { return s->in_io && !s->w.ckpt && !running(s); }

/* 0 parked, 1 woken by readiness and not run, 2 woken otherwise */
static int wait_state(const slot *s) {
    if (s->task.state == AIO__PARKED) return 0;
    return s->w.woke == WOKE_READY ? 1 : 2;
}
static void moment(int m, const slot *s) { feature((m * 3 + wait_state(s)) * NIO + io_index(s->w.op)); }

/* Whether fd is ready its way, as the system says now. */
static int fd_ready(int fd, int way) {
    struct pollfd p;
    p.fd = fd;
    p.events = (short)(way ? POLLOUT : POLLIN);
    p.revents = 0;
    if (poll(&p, 1, 0) != 1) return 0;
    return (p.revents & ((way ? POLLOUT : POLLIN) | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

static int fd_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

/* ------------------------------------------------------- the fuzzer's ports */

static fzport *port_of(aio_io *io) {
    REQUIRE(io == &W.pa.io || io == &W.pb.io, "a port callback with a port the fuzzer never gave");
    return io == &W.pa.io ? &W.pa : &W.pb;
}

static aio_status fp_watch(aio_io *io, int fd, int old, int events) {
    fzport *p = port_of(io);
    REQUIRE(p->live, "port %c (released) was asked to watch descriptor %d", 'A' + p->id, fd);
    REQUIRE(fd >= 0 && (uint32_t)fd < io->nslots, "port %c asked to watch descriptor %d beyond its %u slots",
            'A' + p->id, fd, (unsigned)io->nslots);
    REQUIRE(old == p->want[fd], "port %c: descriptor %d was watched for %d, the library says %d",
            'A' + p->id, fd, p->want[fd], old);
    TRACE("  port %c: watch %d for %d (was %d)\n", 'A' + p->id, fd, events, old);
    if (events && !fd_open(fd)) return AIO_EBADF;
    p->want[fd] = (uint8_t)events;
    return AIO_OK;
}

static void fp_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    fzport *p = port_of(io);
    struct pollfd fds[MAX_FD];
    int n = 0, i;
    (void)deadline; /* (the virtual clock: never blocks) */
    REQUIRE(p->live, "port %c (released) was asked to wait", 'A' + p->id);
    REQUIRE(L == &W.loop, "port %c waited for another loop", 'A' + p->id);
    for (i = 0; i < (int)io->nslots && i < MAX_FD; i++)
        if (p->want[i]) {
            fds[n].fd = i;
            fds[n].events = (short)((p->want[i] & AIO_READABLE ? POLLIN : 0) | (p->want[i] & AIO_WRITABLE ? POLLOUT : 0));
            fds[n].revents = 0;
            n++;
        }
    if (n == 0 || poll(fds, (nfds_t)n, 0) <= 0) return;
    for (i = 0; i < n; i++) {
        short r = fds[i].revents;
        if (!r) continue;
        aio_io_ready(L, fds[i].fd, (r & (POLLIN | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_READABLE : 0) |
                                       (r & (POLLOUT | POLLHUP | POLLERR | POLLNVAL) ? (int)AIO_WRITABLE : 0));
    }
}

static aio_status fp_grow(aio_io *io, int fd) {
    fzport *p = port_of(io);
    uint32_t n = io->nslots, want = (uint32_t)fd + 8;
    aio_io_slot *slots;
    uint8_t *w;
    REQUIRE(p->live, "port %c (released) was asked to grow", 'A' + p->id);
    if (fd >= MAX_FD) return AIO_EBADF;
    slots = (aio_io_slot *)realloc(io->slots, want * sizeof *slots);
    w = (uint8_t *)realloc(p->want, want);
    REQUIRE(slots && w, "out of memory");
    memset(slots + n, 0, (want - n) * sizeof *slots);
    memset(w + n, 0, want - n);
    io->slots = slots;
    p->want = w;
    io->nslots = want;
    return AIO_OK;
}

static void fp_release(aio_io *io) {
    fzport *p = port_of(io);
    REQUIRE(p->live, "port %c released twice", 'A' + p->id);
    TRACE("  port %c released\n", 'A' + p->id);
    p->live = 0;
    free(io->slots);
    free(p->want);
    io->slots = NULL;
    p->want = NULL;
    io->nslots = 0;
}

/* Ready to be given to the loop: live, with zeroed slots. */
static void port_prepare(fzport *p) {
    uint32_t n = p->id == 0 ? 4 : PORT_B_SLOTS;
    if (p->live) return;
    memset(&p->io, 0, sizeof p->io);
    p->io.watch = fp_watch;
    p->io.wait = fp_wait;
    p->io.grow = p->id == 0 ? fp_grow : NULL;
    p->io.release = fp_release;
    p->io.slots = (aio_io_slot *)calloc(n, sizeof *p->io.slots);
    p->want = (uint8_t *)calloc(n, 1);
    REQUIRE(p->io.slots && p->want, "out of memory");
    p->io.nslots = n;
    p->live = 1;
}

/* ------------------------------------------------------------ connections */

static conn *conn_at(int ci) { return ci >= 0 ? &W.c[ci] : NULL; }

/* Bytes conservation: what the local end holds (the socket's queue, the
 * stream's buffer, and what the program's transport holds) is what was
 * written to it less what reads returned. */
static void check_conn(int ci) {
    conn *c = &W.c[ci];
    int q = 0;
    long held;
    if (c->kind != K_PAIR || c->local < 0) return;
    REQUIRE(ioctl(c->local, FIONREAD, &q) == 0, "connection %d: descriptor %d is not open", c->tag, c->local);
    held = (long)q + (long)aio_stream_buffered(&c->stream) + (c->tp_len - c->tp_at);
    REQUIRE(held == c->written - c->consumed,
            "connection %d (descriptor %d) holds %ld bytes, but %ld were written to it and reads returned %ld: "
            "a read took bytes it did not return, or returned bytes it did not take",
            c->tag, c->local, held, c->written, c->consumed);
}

static int new_conn(int kind) {
    conn *c;
    if (W.nconn == NCONN) return -1;
    c = &W.c[W.nconn];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->local = c->peer = -1;
    c->tag = (uint8_t)(W.nconn + 1 < '\n' ? W.nconn + 1 : W.nconn + 2); /* (never a newline) */
    return W.nconn++;
}

#ifndef FUZZ_PRE_TRANSPORT
/* The program's own transport (aio_stream_set_transport), as a TLS engine
 * is one: it takes up to TP_RECORD bytes from the socket at a time and
 * holds what the stream has no room for, so the stream asks it again while
 * the socket has none. A stream must never ask it to receive into 0 bytes
 * of room: a TLS engine fails such a read, or gives 0, the end. */
static aio_status fz_transport_recv(void *ctx, aio_socket fd, void *buf, size_t len) {
    conn *c = (conn *)ctx;
    size_t n;
    REQUIRE(len > 0, "connection %d: its stream asked its transport to receive into 0 bytes of room", c->tag);
    REQUIRE(!c->gone, "connection %d: its stream asked its transport to receive though its socket was closed under "
            "it", c->tag);
    REQUIRE(fd == c->local, "connection %d: its stream asked its transport to receive from descriptor %d, not %d",
            c->tag, fd, c->local);
    if (c->tp_at == c->tp_len) {
        long k;
        do k = (long)recv(fd, c->tp, sizeof c->tp, MSG_DONTWAIT);
        while (k < 0 && errno == EINTR);
        if (k < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? AIO_WANT_READ
                          : errno == ECONNRESET                   ? AIO_ECONNRESET
                                                                  : AIO_EIO;
        if (k == 0) return 0;
        c->tp_len = (int)k;
        c->tp_at = 0;
    }
    n = (size_t)(c->tp_len - c->tp_at);
    if (n > len) n = len;
    memcpy(buf, c->tp + c->tp_at, n);
    c->tp_at += (int)n;
    return (aio_status)n;
}
static aio_status fz_transport_send(void *ctx, aio_socket fd, const void *buf, size_t len) {
    long k;
    (void)ctx;
    do k = (long)send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (k < 0 && errno == EINTR);
    if (k < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? AIO_WANT_WRITE : AIO_EIO;
    return (aio_status)k;
}
static const aio_transport fz_transport = {fz_transport_recv, fz_transport_send};
#endif

/* The stream over a connection's local end, as the input's flags say. */
static void stream_setup(conn *c) {
    aio_status rc;
#ifndef FUZZ_PRE_GROWING
    if (W.grows)
        rc = aio_stream_init_growing(&c->stream, c->local, W.start, W.limit);
    else
#endif
        rc = aio_stream_init(&c->stream, c->local, c->sbuf, W.size);
    REQUIRE(rc == AIO_OK, "the stream's set-up refused (%d)", rc);
#ifndef FUZZ_PRE_TRANSPORT
    if (W.own_transport) REQUIRE(aio_stream_set_transport(&c->stream, &fz_transport, c) == AIO_OK, "a transport refused");
#endif
}

/* The most a stream read may give (a growing stream's line: its limit and
 * the newline), and the largest count a read may ask. */
static size_t stream_cap(void) { return W.grows ? W.limit + 1 : W.size; }
static size_t stream_count(void) { return W.grows ? W.limit : W.size; }

/* A socketpair into handle h (-1: none, a socket that only takes a number):
 * its ends take the lowest free numbers (with bit 0 of x, the second end is
 * the one the tasks wait on). The local end's send buffer is small, so that
 * a big send waits for room. Its connection, or -1. */
static int open_pair(int h, uint8_t x) {
    int sv[2], ci = new_conn(K_PAIR), small = 1;
    conn *c = conn_at(ci);
    if (!c) return -1;
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair failed");
    c->local = sv[x & 1];
    c->peer = sv[1 - (x & 1)];
    (void)setsockopt(c->local, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    stream_setup(c);
    if (h >= 0) W.h[h] = ci;
    TRACE("  handle %d: connection %d, descriptors %d (waited on) and %d\n", h, c->tag, c->local, c->peer);
    return ci;
}

static void open_listener(void) {
    static unsigned serial; /* (names stay unique across inputs in one process) */
    int ci = new_conn(K_LISTENER), fd;
    conn *c = conn_at(ci);
    if (!c) return;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0, "socket failed");
    memset(&c->addr, 0, sizeof c->addr);
    c->addr.sun_family = AF_UNIX;
    /* an abstract name (Linux): nothing in the file system */
    c->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
                             (size_t)snprintf(c->addr.sun_path + 1, sizeof c->addr.sun_path - 1, "aio-fuzz-io-%ld-%u",
                                              (long)getpid(), ++serial));
    REQUIRE(bind(fd, (struct sockaddr *)&c->addr, c->addrlen) == 0 && listen(fd, 8) == 0, "listen failed");
    c->local = fd;
    W.lh = ci;
    TRACE("  listener: connection %d, descriptor %d\n", c->tag, fd);
}

/* The program's own closes of what the loop may watch: aio_close, or (how
 * 2) aio_io_forget and then close. */
static void close_watched(int fd, int how) {
    if (how == 2) {
        aio_io_forget(fd);
        REQUIRE(close(fd) == 0, "close(%d) failed", fd);
    } else {
        aio_status rc = aio_close(fd);
        REQUIRE(rc == AIO_OK, "aio_close(%d) of an open descriptor returned %d", fd, rc);
    }
}

static void observe(int moment_kind, int target);
static void stream_feature(const aio_stream *st, int op);

/* Close connection ci (its local end as `how` says; the peer, or the
 * listener's clients, with close), telling the checker which waits it hits. */
static void close_conn(int ci, int how) {
    conn *c = &W.c[ci];
    int i, fd = c->local;
    if (c->gone) return; /* (closed under its stream already) */
    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        if (!holds_slot(s) || s->w.conn != ci) continue;
        moment(how == 2 ? M_FORGET : M_CLOSE, s);
        if (!s->w.close_seq) {
            s->w.close_seq = ++W.seq;
            s->w.close_how = how;
            s->w.woke_at_close = s->task.state == AIO__PARKED ? WOKE_NONE : s->w.woke;
            s->w.timer_before_close = s->w.woke_at_close == WOKE_TIMER;
        }
    }
    TRACE("  close connection %d (descriptor %d) with %s\n", c->tag, fd, how == 2 ? "aio_io_forget + close" : "aio_close");
    c->local = -1;
    close_watched(fd, how);
    if (c->peer >= 0) REQUIRE(close(c->peer) == 0, "close failed");
    c->peer = -1;
    for (i = 0; i < c->nclients; i++) REQUIRE(close(c->clients[i]) == 0, "close failed");
    c->nclients = 0;
    observe(how == 2 ? M_FORGET : M_CLOSE, ci);
    for (i = 0; i < NT; i++) /* the close woke whoever was parked on it */
        REQUIRE(!(holds_slot(&W.s[i]) && W.s[i].w.conn == ci && W.s[i].task.state == AIO__PARKED),
                "task %d is still parked in %s on descriptor %d after %s closed it", i, op_names[W.s[i].w.op], fd,
                how == 2 ? "aio_io_forget" : "aio_close");
}

/* A new descriptor took number fd: moments for the waits on its old owner. */
static void note_reuse(int fd, int ci) {
    int i;
    for (i = 0; i < NT; i++)
        if (holds_slot(&W.s[i]) && W.s[i].w.fd == fd && W.s[i].w.conn != ci) moment(M_REUSE, &W.s[i]);
}

/* Bytes into a connection's peer, tagged (n of them, as many as fit; with
 * `line`, the last a newline), kept in order for the checker. */
static void write_peer(conn *c, int n, int line) {
    unsigned char b[32];
    long k;
    if (!c || c->kind != K_PAIR || c->peer < 0) return;
    if (n > MODEL - c->written) n = (int)(MODEL - c->written);
    if (n <= 0) return;
    memset(b, c->tag, sizeof b);
    if (line) b[n - 1] = '\n';
    k = (long)send(c->peer, b, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (k > 0) {
        memcpy(c->data + c->written, b, (size_t)k);
        c->written += k;
    }
    TRACE("  wrote %ld bytes into connection %d\n", k, c->tag);
}

/* A stream write's n bytes into b: its connection's tag at even places,
 * the call's number at odd ones (the high bit set in both: the program's
 * sends on the descriptor are the tag alone). */
static void call_bytes(conn *c, unsigned char *b, size_t n) {
    size_t i;
    c->calls++;
    for (i = 0; i < n; i++) b[i] = (unsigned char)(i % 2 ? 0xC0 | (c->calls & 0x3F) : 0x80 | c->tag);
}

/* n bytes the stream's writes took, after what they took before. */
static void taken(conn *c, const unsigned char *b, size_t n) {
    memcpy(c->out + c->out_taken, b, n);
    c->out_taken += (long)n;
}

/* Byte `at` of what connection c's stream writes took, from the
 * AIO_STREAM_WRITE under way (its bytes go before it ends, and are taken
 * as it ends), or -1. Only the stream's writer sends: a second task may be
 * inside an AIO_STREAM_WRITE of it at the same place, one about to be
 * refused or to unwind from a cancel, and its bytes must not be due. */
static int in_flight(const conn *c, long at) {
    int i;
    for (i = 0; i < NT; i++) {
        const slot *s = &W.s[i];
        if (s->in_stream == 2 && &W.c[s->sconn] == c && c->stream.writer == &s->task && at >= s->spos &&
            at - s->spos < (long)s->slen)
            return s->sendbuf[at - s->spos];
    }
    return -1;
}

/* Up to `want` bytes read from connection c's peer: what the program sent
 * on the descriptor is its tag, what the stream's writes took comes whole
 * and in the order taken. The bytes read, or what recv said. */
static long drain_peer(conn *c, size_t want) {
    static unsigned char b[BIG];
    long k, j;
    int due;
    if (want > sizeof b) want = sizeof b;
    do k = (long)recv(c->peer, b, want, MSG_DONTWAIT);
    while (k < 0 && errno == EINTR);
    for (j = 0; j < k; j++) {
        if (!(b[j] & 0x80)) {
            REQUIRE(b[j] == c->tag, "connection %d's peer received a byte sent on connection %d (byte %ld of "
                    "what it drained): a send went to another connection", c->tag, b[j], c->drained + j);
            continue;
        }
        due = c->out_read < c->out_taken ? c->out[c->out_read] : in_flight(c, c->out_read);
        REQUIRE(due >= 0, "connection %d's peer received a byte of a stream's write (%#x) past the %ld its "
                "stream's writes took: a write of another connection's stream, or one refused", c->tag, b[j],
                c->out_taken);
        REQUIRE(b[j] == due, "connection %d's peer received %#x as byte %ld of its stream's writes, where %#x was "
                "due: a byte lost, out of order, of another write (calls interleaved), or of another connection's "
                "stream", c->tag, b[j], c->out_read, (unsigned)due);
        c->out_read++;
    }
    if (k > 0) c->drained += k;
    return k;
}

/* Whether a task other than `self` holds descriptor fd's way (0 until
 * readable, 1 until writable): a fuzzer's task in its wait, or a task of
 * the library's (a stream's sender, a task in AIO_STREAM_WRITE) parked
 * there. */
static int way_held(int fd, int way, const slot *self) {
    aio_io *io = W.loop.io;
    int i;
    if (fd < 0) return 0;
    if (io && (uint32_t)fd < io->nslots && io->slots[fd].waiter[way] && io->slots[fd].waiter[way] != &self->task)
        return 1;
    for (i = 0; i < NT; i++) {
        const slot *o = &W.s[i];
        if (o != self && holds_slot(o) && o->w.fd == fd && o->w.way == way) return 1;
    }
    return 0;
}

/* --------------------------------------------------------------- actions */

static void spawn_task(int k);

/* An action of the program: a task's operation, or a driver command between
 * steps (who = -1). `a` names the handle (or the task, or the port), `x`
 * how. */
static void act(int who, int op, uint8_t a, uint8_t x) {
    int h = a % NH, i;
    conn *c = conn_at(W.h[h]);
    fz_phase = who < 0 ? "driver" : "task";
    if (who < 0) TRACE("driver: %s a=%d x=%d\n", op_names[op], a, x);
    else TRACE("task %d: %s a=%d x=%d\n", who, op_names[op], a, x);
    observe(-1, -1); /* (who is parked now: a wake this action makes is then seen as its own) */
    switch (op) {
    case OP_WRITE:
    case OP_WRITE_LINE: /* (x % 16 bytes and a newline) */
        write_peer(c, x % 16 + 1, op == OP_WRITE_LINE);
        for (i = 0; c && i < NT; i++)
            if (holds_slot(&W.s[i]) && W.s[i].w.conn == W.h[h]) moment(M_WRITE, &W.s[i]);
        break;
    case OP_DRAIN: {
        size_t want = (x & 3) == 0 ? 4096 : (x & 3) == 1 ? (size_t)BIG : (size_t)((x >> 2) % 16 + 1);
        long k;
        if (!c || c->peer < 0) break;
        k = drain_peer(c, want);
        TRACE("  drained %ld bytes of connection %d\n", k, c->tag);
        for (i = 0; i < NT; i++)
            if (holds_slot(&W.s[i]) && W.s[i].w.conn == W.h[h]) moment(M_DRAIN, &W.s[i]);
        break;
    }
    case OP_CLOSE: /* and a new connection in the handle, which takes the lowest free numbers */
        if (!c) break;
        close_conn(W.h[h], x & 1 ? 2 : 1);
        W.h[h] = -1;
        if (!(x & 2)) {
            open_pair(h, (uint8_t)(x >> 3));
            if (W.h[h] >= 0) note_reuse(W.c[W.h[h]].local, W.h[h]);
            if (!(x & 4)) write_peer(conn_at(W.h[h]), (x >> 4) % 8 + 1, 0);
        }
        break;
    case OP_OPEN:
        if (c) {
            close_conn(W.h[h], x & 2 ? 2 : 1);
            W.h[h] = -1;
        }
        open_pair(h, x);
        if (W.h[h] >= 0) note_reuse(W.c[W.h[h]].local, W.h[h]);
        break;
    case OP_CANCEL: {
        slot *s = &W.s[a % NT];
        int rc;
        if (!alive(s)) break;
        if (holds_slot(s)) moment(M_CANCEL, s);
        rc = aio_cancel(&s->task);
        REQUIRE(rc == 1, "aio_cancel of a live task returned %d", rc);
        s->cancelled = 1;
        if (s->in_io && !s->w.cancel_seq) s->w.cancel_seq = ++W.seq;
        if (s->in_stream) s->scancel = 1;
        observe(M_CANCEL, a % NT);
        break;
    }
    case OP_SET_IO: {
        int which = a % 3, busy = -1;
        fzport *p = which == PORT_A ? &W.pa : which == PORT_B ? &W.pb : NULL;
        aio_status rc;
        if (p && W.loop.io == &p->io) break; /* (in use already) */
        for (i = 0; i < NT; i++)
            if (holds_slot(&W.s[i])) busy = i;
        if (p) port_prepare(p);
        rc = aio_loop_set_io(&W.loop, p ? &p->io : NULL);
        TRACE("  aio_loop_set_io(%s) -> %d\n", which == PORT_SYSTEM ? "NULL" : which == PORT_A ? "port A" : "port B", rc);
        for (i = 0; i < NT; i++)
            if (holds_slot(&W.s[i])) moment(rc == AIO_OK ? M_SET_IO_TAKEN : M_SET_IO_REFUSED, &W.s[i]);
        if (rc == AIO_EBUSY) { /* (allowed whenever: the loop may have reasons of its own) */
            if (p && W.loop.io != &p->io) fp_release(&p->io);
            break;
        }
        REQUIRE(rc == AIO_OK, "aio_loop_set_io returned %d", rc);
        if (busy >= 0)
            fz_fail("aio_loop_set_io accepted a new port (AIO_OK) while task %d, in %s on descriptor %d, had not "
                    "resumed (%s; woken by %s): it resumes on a port that is gone", busy, op_names[W.s[busy].w.op],
                    W.s[busy].w.fd, W.s[busy].task.state == AIO__PARKED ? "parked" : "woken, not run yet",
                    woke_names[W.s[busy].w.woke]);
        W.port = which;
        break;
    }
    case OP_PEER_CLOSE:
        if (!c || c->peer < 0) break;
        REQUIRE(close(c->peer) == 0, "close failed");
        c->peer = -1;
        TRACE("  closed the peer of connection %d\n", c->tag);
        for (i = 0; i < NT; i++)
            if (holds_slot(&W.s[i]) && W.s[i].w.conn == W.h[h]) moment(M_PEER_CLOSE, &W.s[i]);
        break;
    case OP_CONNECT: {
        conn *l = conn_at(W.lh);
        int fd;
        if (!l || l->nclients == NCLIENT) break;
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        REQUIRE(fd >= 0, "socket failed");
        if (connect(fd, (struct sockaddr *)&l->addr, l->addrlen) != 0) {
            REQUIRE(close(fd) == 0, "close failed"); /* (the backlog is full) */
            break;
        }
        l->clients[l->nclients++] = fd;
        TRACE("  a client (descriptor %d) connected to the listener (connection %d)\n", fd, l->tag);
        break;
    }
    case OP_LISTEN_CLOSE:
        if (W.lh >= 0) {
            close_conn(W.lh, x & 1 ? 2 : 1);
            W.lh = -1;
        }
        if (x & 2) {
            open_listener();
            if (W.lh >= 0) note_reuse(W.c[W.lh].local, W.lh);
        }
        break;
    case OP_CLOSE_UNDER: /* the handle keeps the connection, for its stream; a new socket may take the number */
        if (!c || c->kind != K_PAIR || c->gone) break;
        close_conn(W.h[h], x & 1 ? 2 : 1);
        c->gone = 1;
        if (!(x & 2)) {
            int ci, k;
            if (x & 8) /* (the number closed 256 times more first: a round of any 8-bit count of its closes) */
                for (k = 0; k < 256; k++) {
                    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
                    REQUIRE(fd >= 0 && aio_close(fd) == AIO_OK, "a socket made and closed (%d)", fd);
                }
            ci = open_pair(-1, (uint8_t)(x >> 3));
            if (ci >= 0) note_reuse(W.c[ci].local, ci);
            if (!(x & 4)) write_peer(conn_at(ci), (x >> 4) % 8 + 1, 0);
        }
        break;
    case OP_STREAM_WRITE: { /* asyncio's writer.write(): x % 8 + 1 bytes, or (bit 3) CALL_BIG */
        static unsigned char b[CALL_BIG];
        size_t n = x & 8 ? sizeof b : (size_t)(x % 8 + 1), before;
        aio_status rc;
        if (!c || c->kind != K_PAIR || c->out_taken + (long)n > OUT_MODEL) break;
        call_bytes(c, b, n);
        before = aio_stream_write_buffered(&c->stream);
        rc = aio_stream_write(&c->stream, b, n);
        TRACE("  aio_stream_write of %zu bytes into connection %d: %d (%zu buffered)\n", n, c->tag, rc,
              aio_stream_write_buffered(&c->stream));
        if (rc == AIO_OK) {
            taken(c, b, n);
            break;
        }
        REQUIRE(aio_stream_write_buffered(&c->stream) == before, "aio_stream_write into connection %d refused "
                "(%d, %s) and changed what its buffer holds (%zu bytes, %zu before)", c->tag, rc, aio_strerror(rc),
                aio_stream_write_buffered(&c->stream), before);
        if (rc == AIO_ECLOSED)
            REQUIRE(c->gone || c->local < 0, "aio_stream_write into connection %d gave AIO_ECLOSED, its socket "
                    "open", c->tag);
        else if (rc == AIO_EBUSY) /* (or its sender's wait was refused: another task waited on its socket) */
            REQUIRE(c->stream.writer != NULL || (c->stream.out && c->stream.out->error == AIO_EBUSY),
                    "aio_stream_write into connection %d gave AIO_EBUSY, no task in an AIO_STREAM_WRITE of it",
                    c->tag);
        else if (rc == AIO_ELIMIT)
            REQUIRE(c->stream.out && before + n > c->stream.out->bound, "aio_stream_write of %zu bytes into "
                    "connection %d gave AIO_ELIMIT with %zu buffered, the bound %zu", n, c->tag, before,
                    c->stream.out ? c->stream.out->bound : (size_t)0);
        else if (rc == AIO_EBADF)
            REQUIRE(c->local >= PORT_B_SLOTS, "aio_stream_write into connection %d (descriptor %d) gave "
                    "AIO_EBADF", c->tag, c->local);
        else
            REQUIRE((rc == AIO_ECONNRESET || rc == AIO_EIO) && c->peer < 0, "aio_stream_write into connection "
                    "%d gave %d (%s), its peer %s", c->tag, rc, aio_strerror(rc), c->peer < 0 ? "closed" : "open");
        break;
    }
    case OP_WRITE_LIMITS: { /* high 0 to 3 KiB, low a quarter of it or (bit 2) the same, bound 4 KiB (bit 3) or 1 MiB */
        size_t high = (size_t)(x & 3) * 1024, low = x & 4 ? high : high / 4, bound = x & 8 ? 4096 : (size_t)1 << 20;
        aio_status rc;
        if (!c || c->kind != K_PAIR) break;
        rc = aio_stream_set_write_limits(&c->stream, high, low, bound);
        TRACE("  write limits of connection %d: %zu, %zu, %zu\n", c->tag, high, low, bound);
        REQUIRE(rc == AIO_OK, "aio_stream_set_write_limits refused (%d)", rc);
        break;
    }
    default: /* OP_SPAWN */
        spawn_task(a % NT);
        break;
    }
    observe(-1, -1);
}

/* ------------------------------------------------------------- the awaits */

static int other_holder(const slot *s) {
    int i;
    for (i = 0; i < NT; i++) {
        const slot *o = &W.s[i];
        if (o == s || !holds_slot(o)) continue;
        if (o->w.fd == s->w.fd && o->w.way == s->w.way) return 1;
    }
    return 0;
}

/* Set up the record of an I/O await about to begin; 0 if there is nothing
 * to wait on (the handle is closed). */
static int begin_wait(slot *s) {
    int ci = s->op == OP_ACCEPT ? W.lh : W.h[s->a % NH], i;
    aio_time d = dur(s->b);
    wait_rec *w = &s->w;
    if (ci < 0) return 0;
    if (W.c[ci].gone && !is_stream_read(s->op))
        return 0; /* (the number is another socket's, or none: only the stream is the connection's) */
    memset(w, 0, sizeof *w);
    w->op = s->op;
    w->conn = ci;
    w->gone = W.c[ci].gone;
    w->fd = w->gone ? (int)W.c[ci].stream.fd : W.c[ci].local;
    w->way = s->op == OP_WRITABLE || s->op == OP_SEND;
    w->start = now();
    w->deadline = d == AIO_NEVER ? AIO_NEVER : (aio_time)(w->start + d);
    w->ckpt = s->cancelled;
    if (s->op == OP_RECV) w->len = (size_t)(s->a >> 2) % RBUF + 1;
    if (s->op == OP_SEND) {
        w->len = s->a & 4 ? (size_t)BIG : (size_t)((s->a >> 3) % 16 + 1);
        memset(s->sendbuf, W.c[ci].tag, w->len);
    }
    if (s->op == OP_READ_EXACTLY) w->len = (size_t)(s->a >> 2) % stream_count() + 1;
    if (is_stream_read(s->op)) stream_feature(&W.c[ci].stream, s->op);
    for (i = 0; i < NT; i++)
        if (holds_slot(&W.s[i]) && W.s[i].w.fd == w->fd && W.s[i].w.way == w->way) moment(M_NEW_WAITER, &W.s[i]);
    s->in_io = 1;
    if (w->gone) moment(M_STREAM_GONE, s);
    fz_phase = "task";
    TRACE("task %d: %s on descriptor %d (connection %d), deadline %s%s\n", s->idx, op_names[w->op], w->fd,
          W.c[ci].tag, d == AIO_NEVER ? "never" : "set", w->ckpt ? ", a cancel pending" : "");
    return 1;
}

/* Where a stream read begins: what its stream holds, by its size, by the
 * read (extra counters: libFuzzer keeps inputs that reach a new one). */
static void stream_feature(const aio_stream *st, int op) {
    size_t held = aio_stream_buffered(st), start = W.grows ? W.start : W.size, size = st->size;
    int h = held == 0 ? 0 : held < start ? 1 : held == start ? 2 : held < size ? 3 : 4;
    int z = size == start ? 0 : size < stream_count() ? 1 : 2;
    int r = op == OP_READ_SOME ? 0 : op == OP_READ_EXACTLY ? 1 : 2;
    feature(FT_STREAM + (h * 3 + z) * 3 + r);
}

/* Where the close found a wait: parked, or woken by what and not run yet. */
static const char *when_closed(const wait_rec *w) {
    static const char *const when[] = {"parked", "woken by readiness, not run yet", "woken by its deadline, not run yet",
                                       "woken by a cancel, not run yet", "woken by the close",
                                       "woken, not run yet"};
    return when[w->woke_at_close];
}

/* The n bytes a read gave (how: "received", "read") belong to the
 * connection it was started on; while its reads are in order (no receive
 * took bytes past what the stream held), they are the next n written. */
static void check_bytes(const slot *s, const unsigned char *p, long n, const char *how) {
    const conn *c = &W.c[s->w.conn];
    long j;
    for (j = 0; j < n; j++)
        REQUIRE(p[j] == c->tag || p[j] == '\n', "task %d: %s on descriptor %d, started on connection %d, %s a byte "
                "written to connection %d", s->idx, op_names[s->w.op], s->w.fd, c->tag, how, p[j]);
    if (c->mixed) return;
    REQUIRE(c->consumed + n <= c->written, "task %d: %s on connection %d %s %ld bytes, %ld more than were written",
            s->idx, op_names[s->w.op], c->tag, how, n, c->consumed + n - c->written);
    for (j = 0; j < n; j++)
        REQUIRE(p[j] == c->data[c->consumed + j], "task %d: %s on connection %d %s byte %ld of what was written "
                "where byte %ld was due: a byte lost, or out of order", s->idx, op_names[s->w.op], c->tag, how,
                c->consumed + j + (p[j] == '\n' ? 1 : -1), c->consumed + j);
}

/* Where the next newline written into connection c is, from the next byte
 * to read: the line's length with it, or 0 if none was written (or the
 * connection's reads are not in order). */
static long next_line(const conn *c) {
    long j;
    if (c->mixed) return 0;
    for (j = c->consumed; j < c->written; j++)
        if (c->data[j] == '\n') return j - c->consumed + 1;
    return 0;
}

/* A stream read that returned rc (no close, no cancel, no timeout): the
 * bytes in order, none lost, the end only at the end. */
static void check_stream_read(slot *s, aio_status rc) {
    wait_rec *w = &s->w;
    conn *c = &W.c[w->conn];
    const char *what = op_names[w->op];
    const unsigned char *p = (const unsigned char *)aio_stream_data(&c->stream);
    long left = c->written - c->consumed, line = next_line(c);
    size_t held = aio_stream_buffered(&c->stream);
    int peer_gone = c->peer < 0;
    if (rc == AIO_EINCOMPLETE) {
        REQUIRE(w->op == OP_READ_EXACTLY && peer_gone && (long)held == left && left < (long)w->len,
                "task %d: %s on connection %d gave AIO_EINCOMPLETE with %ld bytes left to read (%zu buffered), "
                "its peer %s", s->idx, what, c->tag, left, held, peer_gone ? "closed" : "open");
        return;
    }
    if (rc == AIO_ELIMIT) { /* no newline in a full buffer: dropped, and read on */
        REQUIRE(w->op == OP_READ_LINE && held == stream_cap() && c->stream.size == stream_cap() &&
                    (line == 0 || line > (long)held),
                "task %d: AIO_READ_LINE on connection %d gave AIO_ELIMIT with %zu bytes buffered (of %zu), the next "
                "line %ld bytes long", s->idx, c->tag, held, (size_t)c->stream.size, line);
        c->consumed += (long)aio_stream_discard(&c->stream, held);
        return;
    }
    REQUIRE(rc >= 0 && (w->op != OP_READ_EXACTLY || (size_t)rc == w->len) && (size_t)rc <= stream_cap(),
            "task %d: %s on descriptor %d returned %d (%s)", s->idx, what, w->fd, rc, aio_strerror(rc));
    REQUIRE(rc > 0 || (peer_gone && left == 0), "task %d: %s on connection %d returned 0 (the end) with %ld bytes "
            "left to read, its peer %s", s->idx, what, c->tag, left, peer_gone ? "closed" : "open");
    check_bytes(s, p, rc, "read");
    if (w->op == OP_READ_LINE && rc > 0) {
        REQUIRE(memchr(p, '\n', (size_t)rc - 1) == NULL, "task %d: AIO_READ_LINE on connection %d gave a line with "
                "a newline inside it", s->idx, c->tag);
        REQUIRE(p[rc - 1] == '\n' || (peer_gone && rc == left), "task %d: AIO_READ_LINE on connection %d gave %d "
                "bytes without a newline while %ld were left to read, its peer %s: an early end", s->idx, c->tag,
                rc, left, peer_gone ? "closed" : "open");
        REQUIRE(line == 0 || line == rc, "task %d: AIO_READ_LINE on connection %d gave %d bytes, and the line "
                "written was %ld", s->idx, c->tag, rc, line);
    }
    c->consumed += rc;
}

/* The await returned rc, or (unwound) its task unwinds from it. */
static void end_wait(slot *s, aio_status rc, int unwound) {
    wait_rec *w = &s->w;
    conn *c = &W.c[w->conn];
    const char *what = op_names[w->op];
    int peer_gone = c->kind == K_PAIR && c->peer < 0;
    s->in_io = 0;
    fz_phase = "task";
    TRACE("task %d: %s on descriptor %d %s %d (%s)\n", s->idx, what, w->fd, unwound ? "unwinds with" : "returned",
          rc, aio_strerror(rc));
    if (w->ckpt) {
        REQUIRE(unwound, "task %d: %s began with a cancellation pending, and returned %d (%s) instead of unwinding",
                s->idx, what, rc, aio_strerror(rc));
        return;
    }
    if (w->gone) {
        if (!unwound && rc > 0)
            fz_fail("task %d: %s on the stream of connection %d, whose socket (descriptor %d) was closed under it "
                    "before, returned %d bytes instead of AIO_ECLOSED; the first was written to connection %d",
                    s->idx, what, c->tag, w->fd, rc, *(const unsigned char *)aio_stream_data(&c->stream));
        REQUIRE(!unwound && rc == AIO_ECLOSED, "task %d: %s on the stream of connection %d, whose socket (descriptor "
                "%d) was closed under it before, %s %d (%s) instead of AIO_ECLOSED", s->idx, what, c->tag, w->fd,
                unwound ? "unwound with" : "returned", rc, aio_strerror(rc));
        return;
    }
    if (w->close_seq) moment(M_RESUMED_CLOSED, s);
    if (other_holder(s)) /* (another task took its way of the descriptor meanwhile) */
        feature((M_RESUMED_BESIDE * 3 + (w->resumed_by == WOKE_READY ? 1 : unwound ? 0 : 2)) * NIO + io_index(w->op));
    if (w->cancel_seq && (!w->close_seq || w->cancel_seq < w->close_seq)) {
        REQUIRE(unwound, "task %d: %s on descriptor %d was cancelled%s while it waited, and returned %d (%s) "
                "instead of unwinding", s->idx, what, w->fd, w->close_seq ? " (before the close)" : "", rc,
                aio_strerror(rc));
        REQUIRE(rc == AIO_ECANCELED, "task %d unwound from %s with %d, not AIO_ECANCELED", s->idx, what, rc);
        return;
    }
    if (w->close_seq) {
        int ok = !unwound && rc == AIO_ECLOSED;
        if (unwound && w->cancel_seq && rc == AIO_ECANCELED) ok = 1; /* a cancellation after the close */
        if (!unwound && rc == AIO_ETIMEDOUT && w->timer_before_close) ok = 1;
        if (!ok && !unwound && rc > 0 && (w->op == OP_RECV || is_stream_read(w->op))) {
            const unsigned char *p = w->op == OP_RECV ? s->rbuf : (const unsigned char *)aio_stream_data(&c->stream);
            fz_fail("task %d: %s on descriptor %d (connection %d), closed by %s while it waited (%s), returned %d "
                    "bytes instead of AIO_ECLOSED; the first was written to connection %d", s->idx, what, w->fd,
                    c->tag, w->close_how == 2 ? "aio_io_forget" : "aio_close", when_closed(w), rc, p[0]);
        }
        REQUIRE(ok, "task %d: %s on descriptor %d (connection %d), closed by %s while it waited (%s), %s %d (%s) "
                "instead of AIO_ECLOSED", s->idx, what, w->fd, c->tag,
                w->close_how == 2 ? "aio_io_forget" : "aio_close", when_closed(w),
                unwound ? "unwound with" : "returned", rc, aio_strerror(rc));
        if (w->op == OP_ACCEPT && rc >= 0) (void)close(rc);
        return;
    }
    REQUIRE(!unwound, "task %d: %s unwound (%d, %s) with no cancel and no close", s->idx, what, rc,
            aio_strerror(rc));
    if (rc == AIO_EBUSY) {
        REQUIRE(other_holder(s) || way_held(w->fd, w->way, s) || (is_stream_read(w->op) && c->stream.reader),
                "task %d: %s on descriptor %d was refused (AIO_EBUSY) though no other task waits on it that way",
                s->idx, what, w->fd);
        return;
    }
    if (rc == AIO_ETIMEDOUT) {
        REQUIRE(reached(w->deadline), "task %d: %s on descriptor %d timed out before its deadline", s->idx, what,
                w->fd);
        REQUIRE(!(w->resumed_by == WOKE_READY && c->consumed == w->consumed_at_wake &&
                  (w->op == OP_RECV || w->op == OP_READABLE || w->op == OP_WRITABLE || w->op == OP_READ_SOME)),
                "lost wake-up: task %d: %s on descriptor %d timed out, though the descriptor was ready when the "
                "loop looked at it, before the deadline fired, and nobody read from it since", s->idx, what, w->fd);
        return;
    }
    if (rc == AIO_ECONNRESET) {
        REQUIRE(peer_gone, "task %d: %s on descriptor %d: AIO_ECONNRESET while the peer is open", s->idx, what,
                w->fd);
        return;
    }
    if (rc == AIO_EBADF) { /* only beyond the slots of the port that cannot grow */
        REQUIRE(W.port == PORT_B && w->fd >= PORT_B_SLOTS, "task %d: %s on open descriptor %d: AIO_EBADF", s->idx,
                what, w->fd);
        return;
    }
    switch (w->op) {
    case OP_RECV:
        REQUIRE(rc >= 0 && (size_t)rc <= w->len, "task %d: AIO_RECV on descriptor %d returned %d (%s)", s->idx,
                w->fd, rc, aio_strerror(rc));
        REQUIRE(rc > 0 || peer_gone, "task %d: AIO_RECV on descriptor %d returned 0 (the end) while its peer is "
                "open", s->idx, w->fd);
        /* (past bytes the stream or its transport holds: its reads are out of order from now on) */
        if (rc > 0 && (aio_stream_buffered(&c->stream) || c->tp_at < c->tp_len)) c->mixed = 1;
        check_bytes(s, s->rbuf, rc, "received");
        c->consumed += rc;
        break;
    case OP_READ_SOME:
    case OP_READ_EXACTLY:
    case OP_READ_LINE:
        check_stream_read(s, rc);
        break;
    case OP_ACCEPT: {
        struct sockaddr_un at;
        socklen_t n = sizeof at;
        aio_status crc;
        REQUIRE(rc >= 0, "task %d: AIO_ACCEPT on descriptor %d returned %d (%s)", s->idx, w->fd, rc,
                aio_strerror(rc));
        memset(&at, 0, sizeof at);
        REQUIRE(getsockname(rc, (struct sockaddr *)&at, &n) == 0, "the accepted descriptor %d is not a socket", rc);
        REQUIRE(n == c->addrlen && memcmp(&at, &c->addr, n) == 0,
                "task %d: AIO_ACCEPT on descriptor %d, started on listener %d, accepted a connection of another "
                "socket", s->idx, w->fd, c->tag);
        crc = aio_close(rc);
        REQUIRE(crc == AIO_OK, "aio_close of an accepted connection returned %d", crc);
        if (c->nclients > 0) { /* (which client it was does not matter: the oldest goes) */
            REQUIRE(close(c->clients[0]) == 0, "close failed");
            memmove(c->clients, c->clients + 1, (size_t)(--c->nclients) * sizeof c->clients[0]);
        }
        break;
    }
    case OP_SEND:
        REQUIRE(rc == AIO_OK, "task %d: AIO_SEND_ALL on descriptor %d returned %d (%s)", s->idx, w->fd, rc,
                aio_strerror(rc));
        break;
    default: /* the readiness waits */
        REQUIRE(rc == AIO_OK, "task %d: %s on descriptor %d returned %d (%s)", s->idx, what, w->fd, rc,
                aio_strerror(rc));
        break;
    }
}

/* An AIO_DRAIN (kind 1) or AIO_STREAM_WRITE (2) about to begin on the
 * stream of the connection `a` names; 0 if there is none (or the checker
 * keeps no more bytes). */
static int stream_begin(slot *s, int kind) {
    int ci = W.h[s->a % NH];
    conn *c = conn_at(ci);
    aio_time d = dur(s->b);
    if (!c || c->kind != K_PAIR) return 0;
    s->slen = s->a & 4 ? (size_t)CALL_BIG : (size_t)((s->a >> 3) % 16 + 1);
    if (kind == 2 && c->out_taken + (long)s->slen > OUT_MODEL) return 0;
    s->in_stream = kind;
    s->sconn = ci;
    s->sckpt = s->cancelled;
    s->scancel = 0;
    s->sdeadline = d == AIO_NEVER ? AIO_NEVER : (aio_time)(now() + d);
    s->spos = c->out_taken;
    s->sbusy = (c->stream.writer != NULL || aio_stream_write_buffered(&c->stream) > 0) | way_held(c->local, 1, s) << 1;
    if (kind == 2) call_bytes(c, s->sendbuf, s->slen);
    fz_phase = "task";
    TRACE("task %d: %s on connection %d's stream (%zu buffered)%s\n", s->idx, kind == 1 ? "AIO_DRAIN" :
          "AIO_STREAM_WRITE", c->tag, aio_stream_write_buffered(&c->stream), s->sckpt ? ", a cancel pending" : "");
    return 1;
}

/* AIO_DRAIN returned rc, or (unwound) its task unwinds from it. */
static void drain_end(slot *s, aio_status rc, int unwound) {
    conn *c = &W.c[s->sconn];
    const aio__outbox *o = c->stream.out;
    s->in_stream = 0;
    fz_phase = "task";
    TRACE("task %d: AIO_DRAIN on connection %d %s %d (%s)\n", s->idx, c->tag, unwound ? "unwinds with" : "returned",
          rc, aio_strerror(rc));
    if (unwound || s->sckpt || s->scancel) {
        REQUIRE(unwound && rc == AIO_ECANCELED && s->cancelled, "task %d: AIO_DRAIN on connection %d %s %d (%s), "
                "%s", s->idx, c->tag, unwound ? "unwound with" : "returned", rc, aio_strerror(rc),
                s->cancelled ? "cancelled while it waited (or as it began)" : "not cancelled");
        return;
    }
    if (rc == AIO_OK)
        REQUIRE(!o || !o->paused, "task %d: AIO_DRAIN on connection %d returned AIO_OK with %zu bytes buffered, "
                "over the high-water mark %zu", s->idx, c->tag, aio_stream_write_buffered(&c->stream),
                o ? o->high : (size_t)0);
    else if (rc == AIO_ETIMEDOUT)
        REQUIRE(reached(s->sdeadline) && o && o->paused, "task %d: AIO_DRAIN on connection %d timed out %s",
                s->idx, c->tag, reached(s->sdeadline) ? "below the high-water mark" : "before its deadline");
    else if (rc == AIO_ECLOSED)
        REQUIRE(c->gone || c->local < 0, "task %d: AIO_DRAIN on connection %d gave AIO_ECLOSED, its socket open",
                s->idx, c->tag);
    else
        REQUIRE(o && o->error == rc, "task %d: AIO_DRAIN on connection %d returned %d (%s), not its stream's error",
                s->idx, c->tag, rc, aio_strerror(rc));
}

/* AIO_STREAM_WRITE returned rc, or (unwound) its task unwinds from it:
 * what it sent, by aio_bytes_sent, is what the stream's writes took next. */
static void send_end(slot *s, aio_status rc, int unwound) {
    conn *c = &W.c[s->sconn];
    size_t sent = aio_bytes_sent(&s->task);
    s->in_stream = 0;
    fz_phase = "task";
    TRACE("task %d: AIO_STREAM_WRITE of %zu bytes on connection %d %s %d (%s), %zu sent\n", s->idx, s->slen, c->tag,
          unwound ? "unwinds with" : "returned", rc, aio_strerror(rc), sent);
    REQUIRE(sent <= s->slen && (unwound || rc != AIO_OK || sent == s->slen), "task %d: AIO_STREAM_WRITE of %zu "
            "bytes on connection %d %s %d (%s), and aio_bytes_sent says %zu", s->idx, s->slen, c->tag,
            unwound ? "unwound with" : "returned", rc, aio_strerror(rc), sent);
    REQUIRE(sent == 0 || c->out_taken == s->spos, "task %d: AIO_STREAM_WRITE on connection %d sent %zu bytes, "
            "and while it was under way other writes of its stream took %ld: theirs and its may interleave", s->idx,
            c->tag, sent, c->out_taken - s->spos);
    taken(c, s->sendbuf, sent);
    if (unwound || s->sckpt) {
        REQUIRE(unwound && rc == AIO_ECANCELED && s->cancelled, "task %d: AIO_STREAM_WRITE on connection %d %s %d "
                "(%s)%s", s->idx, c->tag, unwound ? "unwound with" : "returned", rc, aio_strerror(rc),
                s->sckpt ? ", a cancel pending as it began" : "");
        return;
    }
    if (rc == AIO_OK) {
        REQUIRE(!s->scancel, "task %d: AIO_STREAM_WRITE on connection %d returned AIO_OK, cancelled while it waited",
                s->idx, c->tag);
    } else if (sent == 0 && c->stream.out && c->stream.out->error == rc) {
        /* its write buffer failed before (and dropped what it held): each later write says so, sending nothing */
    } else if (rc == AIO_ECLOSED) {
        REQUIRE(c->gone || c->local < 0, "task %d: AIO_STREAM_WRITE on connection %d gave AIO_ECLOSED, its socket "
                "open", s->idx, c->tag);
    } else {
        REQUIRE(!s->scancel, "task %d: AIO_STREAM_WRITE on connection %d returned %d (%s), cancelled while it "
                "waited", s->idx, c->tag, rc, aio_strerror(rc));
        if (rc == AIO_ETIMEDOUT)
            REQUIRE(reached(s->sdeadline), "task %d: AIO_STREAM_WRITE on connection %d timed out before its "
                    "deadline", s->idx, c->tag);
        else if (rc == AIO_EBUSY) /* (at once; or, where another waits on the socket, when it would wait) */
            REQUIRE((sent == 0 && (s->sbusy & 1)) || (s->sbusy & 2) || way_held(c->local, 1, s), "task %d: "
                    "AIO_STREAM_WRITE on connection %d was refused (AIO_EBUSY) with %zu bytes sent, nothing else "
                    "writing it", s->idx, c->tag, sent);
        else if (rc == AIO_EBADF)
            REQUIRE(W.port == PORT_B && c->local >= PORT_B_SLOTS, "task %d: AIO_STREAM_WRITE on open descriptor "
                    "%d: AIO_EBADF", s->idx, c->local);
        else
            REQUIRE((rc == AIO_ECONNRESET || rc == AIO_EIO) && c->peer < 0, "task %d: AIO_STREAM_WRITE on "
                    "connection %d returned %d (%s), its peer %s", s->idx, c->tag, rc, aio_strerror(rc),
                    c->peer < 0 ? "closed" : "open");
    }
}

/* ---------------------------------------------------------------- tasks */

static aio_status task_fn(aio_task *t) {
    slot *s = AIO_SELF(t, slot);
    /* Resumed inside an I/O await: if it does not return now, it has parked
     * again (a receive that found its bytes gone, a send with more to go),
     * and what woke it before no longer counts. */
    if (s->in_io) {
        s->w.resumed_by = s->w.woke;
        s->w.parked = 0;
        s->w.woke = WOKE_NONE;
    }
    AIO_BEGIN(t);
    for (s->rep = 0; s->rep < s->reps; s->rep++)
        for (s->pc = 0; s->pc + 3 <= s->len; s->pc += 3) {
            s->op = (uint8_t)(s->prog[s->pc] % OP_COUNT);
            s->a = s->prog[s->pc + 1];
            s->b = s->prog[s->pc + 2];
            if (is_await(s->op)) {
                if (!begin_wait(s)) continue;
                if (s->op == OP_RECV) {
                    AIO_RECV(t, s->rc, s->w.fd, s->rbuf, s->w.len, dur(s->b));
                } else if (s->op == OP_READABLE) {
                    AIO_WAIT_READABLE(t, s->rc, s->w.fd, dur(s->b));
                } else if (s->op == OP_WRITABLE) {
                    AIO_WAIT_WRITABLE(t, s->rc, s->w.fd, dur(s->b));
                } else if (s->op == OP_SEND) {
                    AIO_SEND_ALL(t, s->rc, s->w.fd, s->sendbuf, s->w.len, dur(s->b));
                } else if (s->op == OP_READ_SOME) {
                    AIO_READ_SOME(t, s->rc, &W.c[s->w.conn].stream, dur(s->b));
                } else if (s->op == OP_READ_EXACTLY) {
                    AIO_READ_EXACTLY(t, s->rc, &W.c[s->w.conn].stream, s->w.len, dur(s->b));
                } else if (s->op == OP_READ_LINE) {
                    AIO_READ_LINE(t, s->rc, &W.c[s->w.conn].stream, dur(s->b));
                } else {
                    AIO_ACCEPT(t, s->rc, s->w.fd, dur(s->b));
                }
                end_wait(s, s->rc, 0);
                observe(-1, -1);
            } else if (s->op == OP_STREAM_DRAIN) {
                if (!stream_begin(s, 1)) continue;
                AIO_DRAIN(t, s->rc, &W.c[s->sconn].stream, dur(s->b));
                drain_end(s, s->rc, 0);
            } else if (s->op == OP_STREAM_SEND) {
                if (!stream_begin(s, 2)) continue;
                AIO_STREAM_WRITE(t, s->rc, &W.c[s->sconn].stream, s->sendbuf, s->slen, dur(s->b));
                send_end(s, s->rc, 0);
            } else if (s->op == OP_YIELD) {
                AIO_YIELD(t);
            } else if (s->op == OP_SLEEP) {
                AIO_SLEEP(t, dur(s->b));
            } else {
                act(s->idx, s->op, s->a, s->b);
            }
        }
    AIO_FINALLY(t);
    if (s->in_io) end_wait(s, AIO_STATUS(t), 1);
    if (s->in_stream == 1) drain_end(s, AIO_STATUS(t), 1);
    if (s->in_stream == 2) send_end(s, AIO_STATUS(t), 1);
    REQUIRE(AIO_STATUS(t) == AIO_OK || (AIO_STATUS(t) == AIO_ECANCELED && s->cancelled),
            "task %d ends with %d (%s)", s->idx, AIO_STATUS(t), aio_strerror(AIO_STATUS(t)));
    AIO_END(t);
}

static void spawn_task(int k) {
    slot *s = &W.s[k];
    if (!s->len || alive(s) || W.spawns >= MAX_SPAWNS) return;
    W.spawns++;
    s->incarnations++;
    s->cancelled = 0;
    s->in_io = 0;
    s->in_stream = 0;
    REQUIRE(aio_spawn(&s->task, task_fn) == AIO_OK, "aio_spawn refused");
    TRACE("  task %d spawned\n", k);
}

/* -------------------------------------------------------------- checker */

/* After a step, an action or an await: what woke each waiting task; bytes
 * conservation; and after a step, no task parked on a descriptor ready its
 * way (the loop's I/O wait, at the end of the turn, woke all such). */
static void observe(int moment_kind, int target) {
    int i;
    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        wait_rec *w = &s->w;
        if (!holds_slot(s)) continue;
        if (s->task.state == AIO__PARKED) {
            w->parked = 1;
            continue;
        }
        /* woken since the last look (or parked and woken since: a wait only
         * suspends parked) */
        if (!w->parked && w->woke != WOKE_NONE) continue;
        w->parked = 0;
        if (moment_kind == M_CANCEL && target == i) {
            w->woke = WOKE_CANCEL;
        } else if ((moment_kind == M_CLOSE || moment_kind == M_FORGET) && target == w->conn) {
            w->woke = WOKE_CLOSED;
        } else if (moment_kind == -2) { /* a step: the turn's I/O wait, then its timers */
            conn *c = &W.c[w->conn];
            w->woke = c->local >= 0 && fd_ready(c->local, w->way) ? WOKE_READY
                      : reached(w->deadline)                      ? WOKE_TIMER
                                                                  : WOKE_OTHER;
        } else { /* earlier in this step: the empty turn's look before its steps */
            w->woke = w->ready_at_turn ? WOKE_READY : reached(w->deadline) ? WOKE_TIMER : WOKE_OTHER;
        }
        w->consumed_at_wake = W.c[w->conn].consumed;
        TRACE("  task %d woken by %s\n", i, woke_names[w->woke]);
    }
    for (i = 0; i < W.nconn; i++) check_conn(i);
    if (moment_kind != -2) return;
    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        conn *c = &W.c[s->w.conn];
        if (!holds_slot(s) || s->task.state != AIO__PARKED) continue;
        REQUIRE(c->local >= 0, "task %d is still parked in %s on descriptor %d after its connection %d was closed "
                "(the number is %s now)", i, op_names[s->w.op], s->w.fd, c->tag,
                fd_open(s->w.fd) ? "another descriptor's" : "closed");
        REQUIRE(!fd_ready(c->local, s->w.way),
                "lost wake-up: after a loop turn, task %d is still parked in %s on descriptor %d (connection %d), "
                "which is ready %s", i, op_names[s->w.op], s->w.fd, c->tag, s->w.way ? "for writing" : "for reading");
    }
}

static void step(void) {
    int i;
    REQUIRE(++W.steps <= MAX_STEPS, "the loop never settles (%ld steps)", W.steps);
    for (i = 0; i < NT; i++) {
        wait_rec *w = &W.s[i].w;
        w->ready_at_turn = holds_slot(&W.s[i]) && W.s[i].task.state == AIO__PARKED && W.c[w->conn].local >= 0 &&
                           fd_ready(W.c[w->conn].local, w->way);
    }
    fz_phase = "step";
    TRACE("driver: step at %lld\n", (long long)now());
    aio_step(&W.loop);
    fz_phase = "after step";
    observe(-2, -1);
}

/* Move the clock by `by`, never past the next armed timer (deadlines stay
 * exact); a task woken and not run yet may see its own deadline pass. */
static void advance(aio_time by) {
    int i;
    if (W.loop.heap_len) {
        aio_time gap = (aio_time)(W.loop.heap[0].when - now());
        if ((aio_stime)gap < 0) gap = 0;
        if (by > gap) by = gap;
    }
    aio_virtual_advance(&W.loop, by);
    for (i = 0; i < NT; i++)
        if (holds_slot(&W.s[i]) && W.s[i].task.state != AIO__PARKED && reached(W.s[i].w.deadline))
            moment(M_PAST_DEADLINE, &W.s[i]);
}
static int to_next_timer(void) {
    if (!W.loop.heap_len) return 0;
    advance((aio_time)(W.loop.heap[0].when - now()));
    return 1;
}

static void fz_dump(void) {
    int i;
    fprintf(stderr, "--- at %lld, after %ld steps; port: %s%s\n", (long long)now(), W.steps,
            W.loop.io == NULL ? "none" : W.loop.io == &W.pa.io ? "A" : W.loop.io == &W.pb.io ? "B" : "the system's",
            W.loop.io ? "" : " (the system's starts at the next wait)");
    for (i = 0; i < NT; i++) {
        const slot *s = &W.s[i];
        if (!s->incarnations) continue;
        fprintf(stderr, "task %d: %s%s", i, !alive(s) ? "done" : s->task.state == AIO__PARKED ? "parked" : "ready",
                s->cancelled ? ", cancelled" : "");
        if (s->in_io)
            fprintf(stderr, ", in %s on descriptor %d (connection %d), woken by %s", op_names[s->w.op], s->w.fd,
                    W.c[s->w.conn].tag, woke_names[s->w.woke]);
        fputc('\n', stderr);
    }
}

/* ------------------------------------------------------------ the input */

/* Which number a new descriptor takes decides what a stale waiter meets, so
 * an input must meet the same numbers under libFuzzer (which may hold
 * descriptors with gaps between them) as in a replay: the gaps below the
 * first 64 free numbers in a row are filled for the input's run, and every
 * descriptor it makes comes after them, one after the other. */
static void fill_gaps(void) {
    int base = 0, fd, run = 0;
    for (fd = 0; fd < MAX_FD && run < 64; fd++) {
        run = W.open_at_start[fd] ? 0 : run + 1;
        if (run == 1) base = fd;
    }
    for (fd = 0; fd < base; fd++)
        if (!W.open_at_start[fd]) {
            int f = open("/dev/null", O_RDONLY | O_CLOEXEC);
            REQUIRE(f >= 0, "cannot open /dev/null");
            W.fillers[W.nfillers++] = f;
        }
}

static void reset(void) {
    int i;
    memset(&W, 0, sizeof W);
    W.pa.id = 0;
    W.pb.id = 1;
    W.lh = -1;
    for (i = 0; i < NH; i++) W.h[i] = -1;
    for (i = 0; i < NT; i++) W.s[i].idx = i;
    for (i = 0; i < MAX_FD; i++) W.open_at_start[i] = (unsigned char)fd_open(i);
    fz_trace = getenv("FUZZ_TRACE") != NULL;
    fill_gaps();
}

static void fz_debug_hook(aio_status code, const char *message) {
    (void)code;
    TRACE("  (library: %s)\n", message);
}

/* The end: run until quiet, cancel what still waits, again until every task
 * has ended; then nothing may be left behind. */
static void finish(void) {
    int round, i, fd;
    fz_phase = "run out";
    for (round = 0;; round++) {
        int left = 0;
        while (!quiet() || to_next_timer()) step();
        for (i = 0; i < NT; i++) left |= alive(&W.s[i]);
        if (!left) break;
        REQUIRE(round < 4, "tasks stay alive however often they are cancelled");
        for (i = 0; i < NT; i++)
            if (alive(&W.s[i])) act(-1, OP_CANCEL, (uint8_t)i, 0);
        fz_phase = "cancel all";
    }
    for (i = 0; i < NT; i++) REQUIRE(!W.s[i].in_io && !W.s[i].in_stream, "task %d ended inside an await", i);
    /* The streams' senders: their peers read until each has sent what it
     * holds (or failed); every byte the writes took arrives, unless the
     * stream failed or its socket was closed. */
    fz_phase = "streams' senders";
    for (round = 0;; round++) {
        int sending = 0;
        for (i = 0; i < W.nconn; i++) {
            conn *c = &W.c[i];
            if (c->kind != K_PAIR) continue;
            if (c->stream.out && !c->stream.out->error &&
                (c->stream.out->head != c->stream.out->tail || /* (sent at a turn's end) */
                 (c->stream.out->task.state != AIO__NEW && c->stream.out->task.state != AIO__DONE)))
                sending = 1;
            if (c->peer >= 0)
                while (drain_peer(c, BIG) > 0) continue;
        }
        if (!sending) break;
        REQUIRE(round < 64, "a stream's sender never ends, its peer reading all it is sent");
        step(); /* (the loop looks at the descriptors) */
        while (!quiet() || to_next_timer()) step();
    }
    for (i = 0; i < W.nconn; i++) {
        conn *c = &W.c[i];
        if (c->kind != K_PAIR || c->peer < 0 || c->local < 0 || c->gone || (c->stream.out && c->stream.out->error))
            continue;
        REQUIRE(c->out_read == c->out_taken, "connection %d: its stream's writes took %ld bytes, and its peer "
                "received %ld: bytes lost", c->tag, c->out_taken, c->out_read);
    }
    REQUIRE(W.loop.heap_len == 0 && W.loop.live == 0, "timers or tasks left behind");
    if (W.loop.io) {
        uint32_t k;
        REQUIRE(W.loop.io->waiting == 0, "every task has ended, and io->waiting is %u", (unsigned)W.loop.io->waiting);
        for (k = 0; k < W.loop.io->nslots; k++)
            REQUIRE(!W.loop.io->slots[k].waiter[0] && !W.loop.io->slots[k].waiter[1],
                    "every task has ended, and descriptor %u's slot still names a waiter", (unsigned)k);
    }
    fz_phase = "close";
    for (i = 0; i < W.nconn; i++)
        if (W.c[i].local >= 0) close_conn(i, 1);
#ifndef FUZZ_PRE_GROWING
    for (i = 0; i < W.nconn; i++) /* (a growing stream's buffer given back) */
        REQUIRE(aio_stream_free(&W.c[i].stream) == AIO_OK, "connection %d's stream would not be freed", W.c[i].tag);
#endif
    REQUIRE(aio_loop_destroy(&W.loop) == AIO_OK, "the loop would not close");
    REQUIRE(!W.pa.live && !W.pb.live, "a port given to the loop was not released with it");
    for (i = 0; i < W.nfillers; i++) REQUIRE(close(W.fillers[i]) == 0, "close failed");
    for (fd = 0; fd < MAX_FD; fd++)
        REQUIRE(fd_open(fd) == W.open_at_start[fd], "descriptor %d %s", fd,
                W.open_at_start[fd] ? "was closed by the library, though the program owned it" : "was left open");
}

/* The streams of the input's flags (bits 3-7): growing (bit 3) from a
 * start to a limit, or fixed (16 bytes, or the limit); through the
 * program's transport (bit 4). The sizes (bits 5-7) put the start and the
 * limit a byte or a few apart, or equal, or one byte. */
static void stream_flags(uint8_t flags) {
    static const size_t sizes[8][2] = {{4, 16}, {1, 1}, {1, 3}, {2, 8}, {3, 3}, {3, 10}, {5, 20}, {16, 64}};
    int k = flags >> 5;
#ifndef FUZZ_PRE_GROWING
    W.grows = (flags >> 3) & 1;
#endif
#ifndef FUZZ_PRE_TRANSPORT
    W.own_transport = (flags >> 4) & 1;
#endif
    W.start = sizes[k][0];
    W.limit = sizes[k][1];
    W.size = k ? W.limit : SBUF;
}

/* The header's state that outlives a loop, as a fresh process has it: the
 * loop in use and the last one made, and the counts of closes a loop with
 * no port keeps for its streams (kept by the loop's address, which is the
 * same loop, W.loop, for every input). Each input runs alone, so that a
 * failing one fails again when replayed by itself. */
static void reset_header_state(void) {
    aio__loop = NULL;
    aio__last = NULL;
#ifndef FUZZ_PRE_KEPT
    memset(&aio__stream_kept, 0, sizeof aio__stream_kept);
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *chunk[NT + 1];
    size_t len[NT + 1], i, c = 0;
    const uint8_t *p;
    uint8_t flags;
    if (size < 1) return 0;
    flags = data[0];
    reset();
    aio_set_debug_hook(fz_debug_hook);
    memset(len, 0, sizeof len);
    for (i = 0; i <= NT; i++) chunk[i] = data + size;
    chunk[0] = data + 1;
    for (p = data + 1; p < data + size && c <= NT; p++) {
        if (*p == 0xFF) {
            if (++c <= NT) chunk[c] = p + 1;
        } else {
            len[c]++;
        }
    }
    fz_phase = "start";
    reset_header_state();
    aio_loop_init(&W.loop, W.timers, NT + 2);
    aio_loop_use_virtual_clock(&W.loop, AIO_SEC(1000));
    /* byte 0: bits 0-1 the port the loop starts with (none: the system's at
     * the first wait); bit 2 no listener; bit 3 the streams grow, bit 4
     * through the program's transport; bits 5-7 their sizes */
    if ((flags & 3) == 1 || (flags & 3) == 2) act(-1, OP_SET_IO, (uint8_t)(flags & 3), 0);
    stream_flags(flags);
    for (i = 0; i < NH; i++) open_pair((int)i, 0);
    if (!(flags & 4)) open_listener();
    for (i = 0; i < NT; i++) {
        slot *s = &W.s[i];
        size_t n = len[i + 1];
        s->reps = n ? (chunk[i + 1][0] & 3) + 1 : 0;
        s->prog = n ? chunk[i + 1] + 1 : chunk[i + 1];
        s->len = n ? n - 1 : 0;
        s->len -= s->len % 3;
        spawn_task((int)i);
    }
    observe(-1, -1);
    for (p = chunk[0]; p + 2 <= chunk[0] + len[0]; p += 2) {
        int cmd = p[0] % DR_COUNT;
        uint8_t a = p[1];
        fz_phase = "driver";
        switch (cmd) {
        case DR_STEP: step(); break;
        case DR_NEXT:
            if (quiet()) to_next_timer();
            step();
            break;
        case DR_ADVANCE: advance(AIO_MS(a % 16 + 1)); break;
        case DR_SETTLE:
            for (i = 0; i < 32 && !quiet(); i++) step();
            break;
        case DR_CLOSE_UNDER: act(-1, OP_CLOSE_UNDER, (uint8_t)(a & 7), (uint8_t)(a >> 3)); break;
        case DR_STREAM_WRITE: act(-1, OP_STREAM_WRITE, (uint8_t)(a & 7), (uint8_t)(a >> 3)); break;
        case DR_WRITE_LIMITS: act(-1, OP_WRITE_LIMITS, (uint8_t)(a & 7), (uint8_t)(a >> 3)); break;
        default: act(-1, OP_WRITE + (cmd - DR_ACT_FIRST), (uint8_t)(a & 7), (uint8_t)(a >> 3)); break;
        }
    }
    finish();
    return 0;
}

#ifdef FUZZ_REPLAY
/* Replay inputs (files, or every file in the directories given). */
#include <dirent.h>
#include <sys/stat.h>

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    static uint8_t buf[1 << 16];
    size_t n;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv) {
    int i, files = 0, bad = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.') continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                bad += replay_file(path);
                files++;
            }
            if (d) closedir(d);
        } else {
            bad += replay_file(argv[i]);
            files++;
        }
    }
    printf("%d inputs replayed, every invariant held\n", files - bad);
    return bad != 0;
}
#endif
