// >>simulation-impl
/* ------------------------------------------------------------- simulation */

/* The simulated world of one loop: its I/O port (the loop waits through it),
 * a seeded generator, the hosts, the sockets by number, and the things on
 * their way in a heap ordered by (time, order of sending).
 *
 * A connection is two pipes, one each way. A pipe holds what is on its way
 * (segments, oldest first, each with the time it arrives: never before the
 * one ahead of it, so a stream keeps its order) and what arrived and was not
 * read. A socket's number may be closed and reused while its pipes still
 * carry its last bytes and its end; a pipe lives while a socket, a pending
 * connection or a packet event holds it. Events that name a socket by
 * number carry its generation: one that finds another socket there is
 * dropped. A socket's number is a descriptor of the process that the
 * simulation holds for it ("the sockets' numbers", below). */
#ifdef AIO__SIM
#if !AIO_INSTRUMENTS
#error "AIO_SIMULATION needs AIO_INSTRUMENTS 1: a simulation numbers the tasks, places them on hosts and digests a run through the instruments"
#endif
#define AIO__SIM_HOSTS 16
enum { AIO__SIM_FREE, AIO__SIM_STREAM, AIO__SIM_LISTEN, AIO__SIM_DGRAM };
enum { AIO__SIM_DATA, AIO__SIM_FIN, AIO__SIM_SYNACK };
enum { AIO__SIM_EV_FLOW, AIO__SIM_EV_SYN, AIO__SIM_EV_REFUSE, AIO__SIM_EV_RESET, AIO__SIM_EV_DGRAM,
       AIO__SIM_EV_CALL, AIO__SIM_EV_DIE, AIO__SIM_EV_SET };

typedef struct aio__sim_seg {
    struct aio__sim_seg *next;
    aio_time due;
    uint32_t len;
    uint8_t kind; /* AIO__SIM_DATA, _FIN, _SYNACK */
    uint8_t lost; /* times lost to a cut */
} aio__sim_seg;  /* (then len bytes) */

typedef struct aio__sim_pipe {
    aio__sim_seg *head, *tail; /* on their way */
    size_t flying;             /* their bytes */
    unsigned char *buf;        /* arrived, not read: buf[0..len) */
    size_t len, cap;
    aio_time last_due;
    aio_time busy;              /* the wire, until (config.bandwidth) */
    struct aio__sim_pipe *back; /* the other way */
    int from, to;              /* hosts */
    int refs;
    uint8_t open;              /* the connection was accepted (its first segment came) */
    uint8_t fin;               /* the writer's end came */
    uint8_t reset;             /* reset: the reader gets AIO_ECONNRESET */
    uint8_t reader_gone;       /* the reading socket was closed */
    uint8_t local;             /* a pipe to a child process (it is never reset) */
    uint8_t ended;             /* the writer sent its end before its close (a shutdown) */
} aio__sim_pipe;

typedef struct aio__sim_dgram {
    struct aio__sim_dgram *next;
    uint32_t from_ip, to_ip;
    int from_port, to_host, to_port;
    uint32_t len;
} aio__sim_dgram; /* (then len bytes) */

typedef struct aio__sim_pending { aio__sim_pipe *rx, *tx; } aio__sim_pending;

typedef struct aio__sim_sock {
    uint8_t kind;
    uint8_t watch;             /* what the port watches */
    uint8_t connecting;
    uint8_t lost;              /* ... times its connect was lost (a cut, a full backlog) */
    uint8_t accepted;          /* a connection a listener took (it shares the port) */
    uint8_t v6;                /* AIO__SIM_V6: an IPv6 socket; AIO__SIM_ON6: reached through ::1 */
    uint8_t shut;              /* the program shut it down for writing (shutdown()) */
    uint8_t shut_read;         /* ... and for reading (the table's shutdown: both ways) */
    int host, port;
    uint32_t ip;               /* the IPv4 address bound: 0 (every one), 127.0.0.1 or the host's,
                                  AIO__SIM_NONE (an IPv6 socket that takes no IPv4) */
    uint64_t gen;              /* the number's uses (an event for an earlier one is stale) */
    uint32_t serial;           /* the run's sockets counted: the digest's name for it (its number is
                                  the system's, which depends on what else the process holds) */
    int hold;                  /* the simulation's end of its number's pair, its "far" end */
    int older, newer;          /* the sockets made before and after it (-1: none), the order of scans */
    uint64_t id[2];            /* ... and the number's socket as the system knows it */
    aio_status error;          /* a connect refused, or given up; the connection given up */
    int to_host, to_port;      /* a connect's target, */
    uint32_t to_ip;            /* ... through 127.0.0.1 or the host's address */
    aio__sim_pipe *rx, *tx;    /* a stream's pipes */
    aio__sim_pending *queue;   /* a listener's connections not accepted yet */
    int queued, queue_cap, backlog;
    aio__sim_dgram *dq, *dq_tail; /* a datagram socket's, not read */
    size_t dq_bytes;
    aio_time busy;             /* ... and its wire, until (config.bandwidth) */
} aio__sim_sock;

typedef struct aio__sim_program {
    char name[32];
    aio_task_fn fn;
    size_t size, task_offset, child_offset;
} aio__sim_program;
#define AIO__SIM_PROGRAMS 16

typedef struct aio__sim_event {
    aio_time when;
    uint64_t seq;   /* (64 bits: the order of equal times never wraps) */
    uint8_t kind;
    int fd;
    uint64_t gen;
    void *p;
} aio__sim_event;

struct aio__sim {
    aio_io port;               /* first: the loop's I/O */
    aio_loop *loop;
    aio_sim_config cfg;
    uint64_t rng;
    uint64_t digest;
    aio__sim_sock *socks;
    int nsocks;
    aio__sim_event *ev;
    uint32_t nev, evcap;
    uint64_t evseq;
    char names[AIO__SIM_HOSTS][32];
    int next_port[AIO__SIM_HOSTS];
    uint8_t cut[AIO__SIM_HOSTS][AIO__SIM_HOSTS];
    int nhosts;
    int spawn_on;              /* aio_sim_spawn's host for the task it spawns (-1: none) */
    const void **ids;          /* the digest's: the tasks by number - 1 (NULL: ended) */
    uint8_t *hosts;            /* ... and the host each runs on */
    uint32_t nids;
    uint32_t *slots_of_id;     /* open addressing over ids: number (0: empty) */
    uint32_t id_mask;
    aio_recorder *record;
    aio_instrument_fn instrument; /* the program's own (aio_loop_set_instrument), after the digest */
    void *instrument_ctx;
    aio__sim_program programs[AIO__SIM_PROGRAMS]; /* aio_sim_program's */
    struct aio__sim_proc *procs;  /* the children started, until closed and ended */
    struct aio_process *children; /* the loop's children, as the system's wait keeps them */
    aio_event **held;          /* events set by the call on the pool that runs now */
    aio_grow_fn grow;          /* the loop's growth hook, behind timer_full's */
    void *grow_ctx;
    int nprograms;
    int spawned;               /* children so far (their pids) */
    uint32_t nheld, held_cap;
    int failed;
    uint8_t in_call;           /* a call on the pool runs now */
    int8_t dual;               /* the system's IPv6 sockets: 0 not asked yet, 1 take IPv4 too, 2 do not,
                                  3 there are none */
    int placed;                /* sockets holding a pair of descriptors */
    int listener;              /* (Windows) the pairs connect to it (-1: none yet) */
    uint32_t serials;          /* sockets made */
    int far_floor;             /* the pairs' far ends from this number up (where the system allows) */
    int oldest, newest;        /* the sockets in the order they were made: its ends (-1: none) */
    int npolls;                /* room in polls, polled */
    aio__pollfd *polls;        /* the turn's look at the far ends, */
    int *polled;               /* ... each one's socket */
    aio_time failed_at;
    char message[160];
};


/* ---- the generator (splitmix64) and the draws */
static uint64_t aio__sim_next(aio__sim *s) {
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* 0 .. bound, each as likely (bound 0: 0, no draw) */
static aio_time aio__sim_upto(aio__sim *s, aio_time bound) {
    if (!bound) return 0;
    return (aio_time)(aio__sim_next(s) % ((uint64_t)bound + 1u));
}
/* 1 with probability p (p 0: 0, no draw) */
static int aio__sim_chance(aio__sim *s, double p) {
    if (!(p > 0)) return 0;
    return (double)(aio__sim_next(s) >> 11) * (1.0 / 9007199254740992.0) < p;
}
static void aio__sim_mix(aio__sim *s, uint64_t v) {
    s->digest = (s->digest ^ v) * 0x100000001B3ull;
    s->digest ^= s->digest >> 29;
}

/* ---- hosts: host i is 10.0.0.(i + 1), and each has 127.0.0.1 and ::1
 *
 * An address is an IPv4 one in host order, or one of these: */
#define AIO__SIM_IP(host) (0x0A000001u + (uint32_t)(host))
#define AIO__SIM_LOOPBACK 0x7F000001u
#define AIO__SIM_NONE 0xFFFFFFFFu      /* an IPv6 address no host has (bound: no IPv4 one) */
#define AIO__SIM_LOOPBACK6 0xFFFFFFFEu /* ::1 */
#define AIO__SIM_ANY6 0xFFFFFFFDu      /* :: (every IPv6 address; a connect's or a send's: ::1) */
enum { AIO__SIM_V6 = 1, AIO__SIM_ON6 = 2 }; /* a socket's v6: IPv6; bound to :: or ::1 */
static int aio__sim_host_named(aio__sim *s, const char *name, int make) {
    int i;
    for (i = 0; i < s->nhosts; i++)
        if (strcmp(s->names[i], name) == 0) return i;
    if (!make || s->nhosts == AIO__SIM_HOSTS || strlen(name) >= sizeof s->names[0]) return -1;
    (void)snprintf(s->names[s->nhosts], sizeof s->names[0], "%s", name);
    s->next_port[s->nhosts] = 49152;
    return s->nhosts++;
}
/* The host the running task runs on, fixed at its spawn ("the digest",
 * below): "main" outside a task, or for one spawned before the simulation. */
static uint32_t aio__sim_id(aio__sim *s, const void *p);
static int aio__sim_here_host(aio__sim *s) {
    uint32_t id = aio__sim_id(s, aio_current());
    return id ? s->hosts[id - 1] : 0;
}
/* The host an address names as seen from host `from` (-1: none). */
static int aio__sim_host_at(aio__sim *s, uint32_t ip, int from) {
    if (ip == AIO__SIM_LOOPBACK || ip == 0 || ip == AIO__SIM_LOOPBACK6) return from;
    if (ip >= AIO__SIM_IP(0) && ip < AIO__SIM_IP(s->nhosts)) return (int)(ip - AIO__SIM_IP(0));
    return -1;
}
/* An address's port, and its address: an IPv4-mapped IPv6 one (::ffff:a.b.c.d)
 * as the IPv4 one it holds, as a dual-stack socket takes it. */
static uint32_t aio__sim_ip(const void *sa, int *port) {
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const unsigned char zeros[15] = {0};
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    const unsigned char *a;
    uint32_t v4;
    memcpy(&in, sa, sizeof in);
    *port = ntohs(in.sin_port);
    if (in.sin_family == AF_INET) {
        v4 = ntohl(in.sin_addr.s_addr);
    } else {
        memcpy(&in6, sa, sizeof in6);
        a = in6.sin6_addr.s6_addr;
        if (memcmp(a, mapped, 12) != 0)
            return memcmp(a, zeros, 15) != 0 || a[15] > 1 ? AIO__SIM_NONE : a[15] ? AIO__SIM_LOOPBACK6 : AIO__SIM_ANY6;
        v4 = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
    }
    return v4 < AIO__SIM_ANY6 ? v4 : AIO__SIM_NONE; /* (the last three: no host's either) */
}
/* Whether the system's IPv6 sockets take IPv4 too (IPV6_V6ONLY off by
 * default: Linux, macOS) as a listener on :: made by the real calls then
 * does, asked of one once: 1 they do, 0 they do not (Windows, the BSDs),
 * -1 the system has none (errno EAFNOSUPPORT). */
static int aio__sim_dual(aio__sim *s) {
    if (!s->dual) {
        int only = 1;
        aio__socklen sl = sizeof only;
        int fd = aio__net_own(socket(AF_INET6, SOCK_STREAM, 0));
        s->dual = 3;
        if (fd >= 0) { /* LCOV_EXCL_BR_LINE: (a system with IPv6) */
            int got = getsockopt(AIO__SOCK(fd), IPPROTO_IPV6, IPV6_V6ONLY, (char *)&only, &sl);
            s->dual = got == 0 && !only ? 1 : 2; /* LCOV_EXCL_BR_LINE: (its setting: one way on a machine) */
            (void)aio__net_closesocket(fd);
        }
    }
    if (s->dual == 3) { /* LCOV_EXCL_START */
        errno = EAFNOSUPPORT;
        return -1;
    } /* LCOV_EXCL_STOP */
    return s->dual == 1;
}

/* ---- the events' heap */
static int aio__sim_ev_less(const aio__sim_event *a, const aio__sim_event *b) {
    if (a->when != b->when) return aio__before(a->when, b->when);
    return a->seq < b->seq;
}
static void aio__sim_at(aio__sim *s, aio_time when, int kind, int fd, uint64_t gen, void *p) {
    uint32_t i;
    if (s->nev == s->evcap) {
        uint32_t cap = s->evcap ? s->evcap * 2 : 64;
        aio__sim_event *grown = (aio__sim_event *)AIO_REALLOC(s->ev, cap * sizeof *grown);
        if (!grown) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        s->ev = grown;
        s->evcap = cap;
    }
    i = s->nev++;
    s->ev[i].when = when;
    s->ev[i].seq = s->evseq++;
    s->ev[i].kind = (uint8_t)kind;
    s->ev[i].fd = fd;
    s->ev[i].gen = gen;
    s->ev[i].p = p;
    while (i && aio__sim_ev_less(&s->ev[i], &s->ev[(i - 1) / 2])) {
        aio__sim_event tmp = s->ev[i];
        s->ev[i] = s->ev[(i - 1) / 2];
        s->ev[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}
static aio__sim_event aio__sim_pop(aio__sim *s) {
    aio__sim_event top = s->ev[0];
    uint32_t i = 0;
    s->ev[0] = s->ev[--s->nev];
    for (;;) {
        uint32_t l = 2 * i + 1;
        uint32_t m = i;
        aio__sim_event tmp;
        if (l < s->nev && aio__sim_ev_less(&s->ev[l], &s->ev[m])) m = l;
        if (l + 1 < s->nev && aio__sim_ev_less(&s->ev[l + 1], &s->ev[m])) m = l + 1;
        if (m == i) break;
        tmp = s->ev[i];
        s->ev[i] = s->ev[m];
        s->ev[m] = tmp;
        i = m;
    }
    return top;
}

/* A packet's one-way trip from now. */
static aio_time aio__sim_trip(aio__sim *s) { return s->cfg.latency + aio__sim_upto(s, s->cfg.jitter); }
/* When `len` bytes sent now are all on the wire, on a way (a connection's,
 * a datagram socket's) busy until *busy: they follow what it carries, so
 * a burst takes its whole size over the bandwidth, not one packet's. */
static aio_time aio__sim_wire(const aio__sim *s, aio_time *busy, size_t len) {
    aio_time start = aio__before(s->loop->now, *busy) ? *busy : s->loop->now;
    if (s->cfg.bandwidth) start += (aio_time)((double)len * AIO_TICKS_PER_SEC / s->cfg.bandwidth);
    return *busy = start;
}
/* How long a segment or a connect lost for the `tries`-th time waits before
 * it is sent again: the retransmission time (twice the longest trip, at
 * least 200 ms), doubled at each loss up to 120 s, as TCP does. After 16
 * losses of a segment (15 times sent again, then the wait after the last:
 * Linux's tcp_retries2; 924.6 s from 200 ms) its sender gives up, after 7
 * of a connect (tcp_syn_retries: 25.4 s from 200 ms) the connect fails. */
#define AIO__SIM_LOSSES 16
#define AIO__SIM_SYN_LOSSES 7
static aio_time aio__sim_backoff(const aio__sim *s, unsigned tries) {
    aio_time rto = 2 * s->cfg.latency + s->cfg.jitter;
    if (rto < AIO_MS(200)) rto = AIO_MS(200);
    while (--tries && rto < AIO_SEC(120)) rto *= 2;
    return rto < AIO_SEC(120) ? rto : AIO_SEC(120);
}
/* A socket's error as the system's calls give it: a connection whose
 * sender gave up is AIO_EIO with errno ETIMEDOUT. */
static aio_status aio__sim_error(aio_status e) {
    if (e == AIO_EIO) errno = ETIMEDOUT;
    return e;
}
static size_t aio__sim_buffer(const aio__sim *s) { return s->cfg.buffer ? s->cfg.buffer : 65536u; }

/* ---- pipes */
static aio__sim_pipe *aio__sim_pipe_new(int from, int to) {
    aio__sim_pipe *p = (aio__sim_pipe *)aio__zalloc(sizeof *p);
    if (!p) abort(); /* LCOV_EXCL_LINE */
    p->from = from;
    p->to = to;
    return p;
}
static void aio__sim_pipe_lose(aio__sim_pipe *p) { /* what is on its way */
    while (p->head) {
        aio__sim_seg *next = p->head->next;
        AIO_FREE(p->head);
        p->head = next;
    }
    p->tail = NULL;
    p->flying = 0;
}
static void aio__sim_pipe_drop(aio__sim_pipe *p) { /* ... and what was not read */
    aio__sim_pipe_lose(p);
    AIO_FREE(p->buf);
    p->buf = NULL;
    p->len = p->cap = 0;
}
static void aio__sim_unref(aio__sim_pipe *p) {
    if (--p->refs == 0) {
        aio__sim_pipe_drop(p);
        if (p->back) p->back->back = NULL;
        AIO_FREE(p);
    }
}
/* A segment on its way along p (len bytes of data, or its end, or the
 * answer to a connect), after those ahead of it. */
static void aio__sim_put(aio__sim *s, aio__sim_pipe *p, int kind, const void *data, size_t len) {
    aio__sim_seg *g = (aio__sim_seg *)AIO_MALLOC(sizeof *g + len);
    aio_time due = aio__sim_wire(s, &p->busy, len) + aio__sim_trip(s);
    if (!g) abort(); /* LCOV_EXCL_LINE */
    if (aio__before(due, p->last_due)) due = p->last_due;
    p->last_due = due;
    g->next = NULL;
    g->due = due;
    g->len = (uint32_t)len;
    g->kind = (uint8_t)kind;
    g->lost = 0;
    if (len) memcpy(g + 1, data, len);
    if (p->tail) p->tail->next = g; else p->head = g;
    p->tail = g;
    p->flying += len;
    p->refs++;
    aio__sim_at(s, due, AIO__SIM_EV_FLOW, -1, 0, p);
}
/* The connection of p is reset, both ways, a trip from now. */
static void aio__sim_reset_later(aio__sim *s, aio__sim_pipe *p) {
    p->refs++;
    aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_RESET, -1, 0, p);
}

/* ---- the sockets' numbers
 *
 * A socket's number is a descriptor of the process (a SOCKET on Windows):
 * one end of a connected pair of sockets made for it (socketpair; on
 * Windows a loopback connection to a listener of the simulation's, closed
 * abortively: nothing lingers), not inherited by a child, non-blocking;
 * the simulation holds the other end, its "far" end, from far_floor up
 * where the system allows, so that the program's numbers follow one
 * another as a real run's do. So a number is never one of the
 * program's own files: a close() of it (after aio_io_forget, the documented
 * other way to end a socket) or a shutdown() reaches that pair only. And
 * the simulation sees it, as its far end reads the end of the stream (a dup
 * of /dev/null, the other choice, would give no sign of a close and take no
 * shutdown). Whether the number still names the pair's socket (its device
 * and inode; on Windows its two ports) tells a shutdown for writing, which
 * the simulated socket then makes too (its end is sent after its bytes),
 * from a close, which closes the simulated socket as aio_close does but
 * leaves the number alone: it may be another file's by then. The simulation
 * looks before the loop's clock moves (one poll of the far ends: what the
 * tasks did then happens at the time they did it), before each send (one
 * after a shutdown fails, as on a real socket), and when the system gives a
 * new pair a number its table still holds. Each socket takes two of the
 * process's descriptors. */
/* The pairs are the backend's (aio__sys_pair_new, aio__sys_pair_same: see
 * "the simulation's pairs" in "POSIX" and "Windows"). */
static int aio__sim_pair_new(aio__sim *s, int n[2], uint64_t id[2]) {
    return aio__sys_pair_new(&s->listener, s->far_floor, n, id);
}
/* Whether number fd still names the socket of k's pair. */
static int aio__sim_same(const aio__sim_sock *k, int fd) { return aio__sys_pair_same(k->id, fd); }
/* ---- sockets
 *
 * A turn's scans of the sockets (the readiness told the loop, which wakes
 * their tasks in that order; the look at what the program did to their
 * numbers) go in the order the sockets were made, never by number: the
 * numbers are the system's (Windows' are not the lowest free, and other
 * descriptors of the process move them), and a seed replays alike on every
 * system. (Other searches find one socket, or all: their order is moot.) */
static aio__sim_sock *aio__sim_sock_of(aio__sim *s, int fd, int kind) {
    if (fd < 0 || fd >= s->nsocks || s->socks[fd].kind == AIO__SIM_FREE) return NULL;
    if (kind && s->socks[fd].kind != kind) return NULL;
    return &s->socks[fd];
}
static int aio__sim_sock_close(aio__sim *s, int fd);
/* The system gave number fd to a new pair: a socket the table holds there
 * was closed by the program (its number is free again). */
static void aio__sim_taken(aio__sim *s, int fd) {
    if (fd >= s->nsocks || s->socks[fd].kind == AIO__SIM_FREE) return;
    aio_io_forget(fd);
    (void)aio__sim_sock_close(s, fd);
}
/* A new socket: the number the system gives its pair (the lowest free, as
 * POSIX gives), or -1 with errno (EMFILE: the process has no descriptor left). */
static int aio__sim_socket_new(aio__sim *s, int kind, int host) {
    int n[2];
    uint64_t id[2];
    aio__sim_sock *k;
    uint64_t gen;
    if (aio__sim_pair_new(s, n, id) != 0) return -1;
    aio__sim_taken(s, n[0]);
    aio__sim_taken(s, n[1]);
    if (n[0] >= s->nsocks) {
        int cap = s->nsocks ? s->nsocks * 2 : 16;
        aio__sim_sock *grown;
        while (cap <= n[0]) cap *= 2;
        grown = (aio__sim_sock *)AIO_REALLOC(s->socks, (size_t)cap * sizeof *grown);
        if (!grown) { /* LCOV_EXCL_START */
            aio__wake_pair_close(n);
            return -1;
        } /* LCOV_EXCL_STOP */
        memset(grown + s->nsocks, 0, (size_t)(cap - s->nsocks) * sizeof *grown);
        s->socks = grown;
        s->nsocks = cap;
    }
    aio_io_forget(n[0]); /* a number used before: nothing of it is watched now */
    k = &s->socks[n[0]];
    gen = k->gen + 1;
    memset(k, 0, sizeof *k);
    k->gen = gen;
    k->kind = (uint8_t)kind;
    k->host = host;
    k->hold = n[1];
    k->id[0] = id[0];
    k->id[1] = id[1];
    k->serial = ++s->serials;
    k->older = s->newest;
    k->newer = -1;
    if (s->newest >= 0) s->socks[s->newest].newer = n[0]; else s->oldest = n[0];
    s->newest = n[0];
    s->placed++;
    aio__sim_mix(s, ((uint64_t)kind << 32) | k->serial);
    return n[0];
}
/* Socket k's pair closed: the number too if it still names the pair's
 * socket (1 then, else 0: the program closed it). */
static int aio__sim_unplace(aio__sim *s, aio__sim_sock *k, int fd) {
    int own = aio__sim_same(k, fd);
    if (own) (void)aio__net_closesocket(fd);
    (void)aio__net_closesocket(k->hold);
    k->hold = -1;
    s->placed--;
    return own;
}
/* Whether an IPv4 address `ip` (0: every one) and a socket's flags v6
 * overlap with what socket k is bound to: an IPv4 address of both, or ::1. */
static int aio__sim_overlap(const aio__sim_sock *k, uint32_t ip, int v6) {
    if ((k->v6 & v6 & AIO__SIM_ON6) != 0) return 1;
    return k->ip != AIO__SIM_NONE && ip != AIO__SIM_NONE && (!k->ip || !ip || k->ip == ip);
}
/* Whether port `port` of `host` is free for a socket of `kind` bound to
 * (ip, v6): no socket of the same protocol holds it on an address that
 * overlaps, but the connections a listener accepted (Linux lets a listener
 * bind beside them, with the SO_REUSEADDR the library sets). */
static int aio__sim_port_free(aio__sim *s, int kind, int host, int port, uint32_t ip, int v6) {
    int fd;
    for (fd = 0; fd < s->nsocks; fd++) {
        const aio__sim_sock *k = &s->socks[fd];
        if (k->kind == AIO__SIM_FREE || k->host != host || k->port != port || k->accepted) continue;
        if ((k->kind == AIO__SIM_DGRAM) != (kind == AIO__SIM_DGRAM)) continue; /* (another protocol) */
        if (aio__sim_overlap(k, ip, v6)) return 0;
    }
    return 1;
}
/* A port no socket of `kind` holds on `host`, from 49152 on. */
static int aio__sim_ephemeral(aio__sim *s, int kind, int host) {
    int port;
    do {
        port = s->next_port[host]++;
        if (s->next_port[host] > 65535) s->next_port[host] = 49152;
    } while (!aio__sim_port_free(s, kind, host, port, 0, AIO__SIM_ON6));
    return port;
}
/* The IPv4 address a socket bound to `at` takes (AIO__SIM_NONE: none), and
 * in *v6 its flags: an IPv6 socket bound to :: takes every IPv4 address
 * too where the system's do (aio__sim_dual), and ::1; one bound to ::1
 * takes ::1; one bound to an IPv4-mapped address takes that IPv4 address
 * where the system's take IPv4. Another IPv6 address is no host's. */
static uint32_t aio__sim_bound(const aio_address *at, int *port, int *v6, int dual) {
    uint32_t ip = aio__sim_ip(at->sa, port);
    *v6 = 0;
    if (aio__address_family(at) != AF_INET6) return ip;
    *v6 = AIO__SIM_V6;
    if (ip == AIO__SIM_ANY6 || ip == AIO__SIM_LOOPBACK6) {
        *v6 |= AIO__SIM_ON6;
        return ip == AIO__SIM_ANY6 && dual ? 0 : AIO__SIM_NONE; /* LCOV_EXCL_BR_LINE: (dual: one way on a machine) */
    }
    return dual ? ip : AIO__SIM_NONE; /* LCOV_EXCL_BR_LINE: (the same) */
}
/* A listener or a datagram socket bound to `at` on the calling task's host:
 * one of its own addresses (every one, 127.0.0.1, the host's, or IPv6's ::
 * and ::1), as a system binds only its own. */
static int aio__sim_bind(aio__sim *s, int kind, const aio_address *at, int backlog) {
    int port;
    int v6;
    int dual = aio__address_family(at) == AF_INET6 ? aio__sim_dual(s) : 0;
    uint32_t ip = aio__sim_bound(at, &port, &v6, dual > 0);
    int host = aio__sim_here_host(s);
    int fd;
    if (dual < 0) return AIO_EIO; /* LCOV_EXCL_LINE: (no IPv6: the system's socket fails so) */
    if (ip == AIO__SIM_NONE ? !(v6 & AIO__SIM_ON6) : ip != 0 && ip != AIO__SIM_LOOPBACK && ip != AIO__SIM_IP(host)) {
        errno = EADDRNOTAVAIL;
        return AIO_EIO;
    }
    if (port && !aio__sim_port_free(s, kind, host, port, ip, v6)) {
        errno = EADDRINUSE;
        return AIO_EIO;
    }
    fd = aio__sim_socket_new(s, kind, host);
    if (fd < 0) return AIO_EIO;
    s->socks[fd].ip = ip;
    s->socks[fd].v6 = (uint8_t)v6;
    s->socks[fd].port = port ? port : aio__sim_ephemeral(s, kind, host);
    s->socks[fd].backlog = backlog ? backlog : 128;
    return fd;
}
/* Whether socket k, bound to an address, is the one reached through `ip`
 * (127.0.0.1, its host's address or ::1). */
static int aio__sim_reached(const aio__sim_sock *k, uint32_t ip) {
    if (ip == AIO__SIM_LOOPBACK6) return (k->v6 & AIO__SIM_ON6) != 0;
    return k->ip != AIO__SIM_NONE && (!k->ip || k->ip == ip);
}
static void aio__sim_attach(aio__sim_sock *k, aio__sim_pipe *rx, aio__sim_pipe *tx) {
    k->rx = rx;
    k->tx = tx;
    rx->refs++;
    tx->refs++;
}
/* A connected pair of stream sockets on `host`, a local pipe each way (a
 * child's standard stream, its exit): 0, or -1 with nothing made. */
static int aio__sim_pair(aio__sim *s, int host, int *a, int *b) {
    aio__sim_pipe *ab;
    aio__sim_pipe *ba;
    *a = aio__sim_socket_new(s, AIO__SIM_STREAM, host);
    *b = *a < 0 ? -1 : aio__sim_socket_new(s, AIO__SIM_STREAM, host);
    if (*b < 0) { /* (out of descriptors) */
        if (*a >= 0) (void)aio__sim_sock_close(s, *a);
        *a = -1;
        return -1;
    }
    ab = aio__sim_pipe_new(host, host);
    ba = aio__sim_pipe_new(host, host);
    ab->back = ba;
    ba->back = ab;
    ab->open = ba->open = 1;
    ab->local = ba->local = 1;
    aio__sim_attach(&s->socks[*a], ba, ab);
    aio__sim_attach(&s->socks[*b], ab, ba);
    return 0;
}
/* A stream socket's end: its end sent after its last bytes (unless a
 * shutdown sent it), or a reset if it leaves bytes unread (as TCP does);
 * bytes still on their way to it reset the connection when they come. The
 * pipes live on while needed. */
static void aio__sim_end_stream(aio__sim *s, aio__sim_pipe *rx, aio__sim_pipe *tx) {
    if (!rx) return;
    rx->reader_gone = 1;
    if (!rx->reset && rx->len) {
        aio__sim_reset_later(s, tx);
    } else if (!tx->reset && !tx->ended) {
        aio__sim_put(s, tx, AIO__SIM_FIN, NULL, 0);
    }
    AIO_FREE(rx->buf); /* (what was not read; what is on its way comes) */
    rx->buf = NULL;
    rx->len = rx->cap = 0;
    aio__sim_unref(rx);
    aio__sim_unref(tx);
}
/* Socket fd closed, and its pair: -1 if there is none, 0 if its number was
 * closed with it, 1 if the program had closed that already. */
static int aio__sim_sock_close(aio__sim *s, int fd) {
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    int i;
    if (!k) return -1;
    aio__sim_mix(s, 0xC105Eull << 32 | k->serial);
    aio__sim_end_stream(s, k->rx, k->tx);
    for (i = 0; i < k->queued; i++) aio__sim_end_stream(s, k->queue[i].rx, k->queue[i].tx);
    AIO_FREE(k->queue);
    while (k->dq) {
        aio__sim_dgram *next = k->dq->next;
        AIO_FREE(k->dq);
        k->dq = next;
    }
    k->kind = AIO__SIM_FREE;
    if (k->older >= 0) s->socks[k->older].newer = k->newer; else s->oldest = k->newer;
    if (k->newer >= 0) s->socks[k->newer].older = k->older; else s->newest = k->older;
    k->rx = k->tx = NULL;
    k->queue = NULL;
    k->host = -1;
    k->port = 0;
    return !aio__sim_unplace(s, k, fd);
}
/* Socket k shut down for writing by the program: its end is sent after
 * its bytes, as a real socket's is (a socket not connected: nothing). */
static void aio__sim_shut(aio__sim *s, aio__sim_sock *k) {
    k->shut = 1;
    aio__sim_mix(s, 0x5807ull);
    if (!k->tx || k->tx->reset) return;
    k->tx->ended = 1;
    aio__sim_put(s, k->tx, AIO__SIM_FIN, NULL, 0);
}
/* What the program did to number fd since it was last asked, outside the
 * library: if it shut the socket down for writing, that is done; if it
 * closed it, the socket is closed (as aio_close does) and 1 returned. */
static int aio__sim_notice(aio__sim *s, int fd) {
    aio__sim_sock *k = &s->socks[fd];
    if (!k->shut) {
        char buf[64];
        long n;
        while ((n = (long)recv(AIO__SOCK(k->hold), buf, sizeof buf, 0)) > 0) {
        } /* (bytes the program wrote to it itself: dropped) */
        /* (it did nothing; an error: Windows' abortive close) */
        if (n < 0 && aio__net_would_block(aio__net_last())) return 0; /* LCOV_EXCL_BR_LINE */
    }
    if (aio__sim_same(k, fd)) {
        if (!k->shut) aio__sim_shut(s, k);
        return 0;
    }
    aio_io_forget(fd);
    (void)aio__sim_sock_close(s, fd);
    return 1;
}
/* What the program did to the numbers since, before the loop's clock moves
 * (one poll of the far ends; one shut down, whose far end reads the end
 * all the time, is asked by itself whether it was closed since). */
static void aio__sim_look(aio__sim *s) {
    int fd;
    int next;
    int n = 0;
    int i;
    if (!s->placed) return;
    if (s->npolls < s->placed) {
        int cap = s->placed * 2;
        aio__pollfd *polls = (aio__pollfd *)AIO_REALLOC(s->polls, (size_t)cap * sizeof *polls);
        int *polled = polls ? (int *)AIO_REALLOC(s->polled, (size_t)cap * sizeof *polled) : NULL; /* LCOV_EXCL_BR_LINE */
        if (!polled) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        s->polls = polls;
        s->polled = polled;
        s->npolls = cap;
    }
    for (fd = s->oldest; fd >= 0; fd = next) {
        next = s->socks[fd].newer; /* (a notice may close fd) */
        if (s->socks[fd].shut) {
            (void)aio__sim_notice(s, fd);
            continue;
        }
        s->polls[n].fd = AIO__SOCK(s->socks[fd].hold);
        s->polls[n].events = POLLIN;
        s->polls[n].revents = 0;
        s->polled[n++] = fd;
    }
    if (!n || aio__poll(s->polls, n, 0) <= 0) return;
    for (i = 0; i < n; i++)
        if (s->polls[i].revents) (void)aio__sim_notice(s, s->polled[i]);
}

/* What socket fd is ready for now (AIO_READABLE | AIO_WRITABLE). */
static int aio__sim_readiness(const aio__sim *s, const aio__sim_sock *k) {
    int r = 0;
    if (k->kind == AIO__SIM_LISTEN) return k->queued ? AIO_READABLE : 0;
    if (k->kind == AIO__SIM_DGRAM) return (k->dq ? AIO_READABLE : 0) | AIO_WRITABLE;
    if (k->error) return AIO_READABLE | AIO_WRITABLE;
    if (!k->rx) return 0;
    if (k->rx->len || k->rx->fin || k->rx->reset || k->shut_read) r |= AIO_READABLE;
    if (k->rx->open && (k->tx->reset || k->shut || k->tx->flying + k->tx->len < aio__sim_buffer(s)))
        r |= AIO_WRITABLE; /* (a send after a shutdown fails at once) */
    return r;
}

/* ---- what arrives */
static void aio__sim_append(aio__sim_pipe *p, const void *data, size_t len) {
    if (p->len + len > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        unsigned char *grown;
        while (cap < p->len + len) cap *= 2;
        grown = (unsigned char *)AIO_REALLOC(p->buf, cap);
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        p->buf = grown;
        p->cap = cap;
    }
    memcpy(p->buf + p->len, data, len);
    p->len += len;
}
/* The segments of p due by now arrive, in order; while the hosts are cut
 * apart the first waits and is sent again, and those behind it wait too. */
static void aio__sim_flow(aio__sim *s, aio__sim_pipe *p) {
    aio_time now = s->loop->now;
    while (p->head && !aio__before(now, p->head->due)) {
        aio__sim_seg *g = p->head;
        if (s->cut[p->from][p->to]) {
            if (++g->lost > AIO__SIM_LOSSES) { /* its sender gives up: its end fails, the rest is lost */
                int fd;
                aio__sim_mix(s, 0x71EDull);
                for (fd = 0; fd < s->nsocks; fd++)
                    if (s->socks[fd].tx == p) s->socks[fd].error = AIO_EIO;
                aio__sim_pipe_lose(p);
                return;
            }
            g->due = now + aio__sim_backoff(s, g->lost);
            p->refs++;
            aio__sim_at(s, g->due, AIO__SIM_EV_FLOW, -1, 0, p);
            return;
        }
        p->head = g->next;
        if (!p->head) p->tail = NULL;
        p->flying -= g->len;
        aio__sim_mix(s, ((uint64_t)now << 8) ^ ((uint64_t)g->len << 2) ^ g->kind);
        /* (none comes on a reset pipe: the reset dropped what was on its way, and nothing is sent after) */
        if (p->reader_gone) {
            if (g->kind == AIO__SIM_DATA && p->back) aio__sim_reset_later(s, p->back); /* bytes to a closed socket */
        } else if (g->kind == AIO__SIM_DATA) {
            aio__sim_append(p, g + 1, g->len);
        } else if (g->kind == AIO__SIM_FIN) {
            p->fin = 1;
        } else {
            p->open = 1;
        }
        AIO_FREE(g);
    }
}
static void aio__sim_reset_now(aio__sim *s, aio__sim_pipe *p) {
    aio__sim_mix(s, 0x5E7ull);
    p->reset = 1;
    aio__sim_pipe_drop(p);
    if (p->back) {
        p->back->reset = 1;
        aio__sim_pipe_drop(p->back);
    }
}
/* A connect lost (a cut, a full backlog) is sent again later, or fails. */
static void aio__sim_syn_lost(aio__sim *s, aio__sim_sock *c, int fd) {
    if (++c->lost > AIO__SIM_SYN_LOSSES) {
        aio__sim_mix(s, 0x5717ull);
        c->error = AIO_EIO; /* (ETIMEDOUT) */
        return;
    }
    aio__sim_at(s, s->loop->now + aio__sim_backoff(s, c->lost), AIO__SIM_EV_SYN, fd, c->gen, NULL);
}
/* A connect reaches its host: a listener there with room takes it (the
 * answer goes back on the new connection's pipe), else it is refused; a
 * full backlog drops it (it is sent again), as does a cut. */
static void aio__sim_syn(aio__sim *s, int fd, uint64_t gen) {
    aio__sim_sock *c = aio__sim_sock_of(s, fd, AIO__SIM_STREAM);
    aio__sim_sock *l = NULL;
    int i;
    if (!c || c->gen != gen) return; /* closed since */
    AIO_ASSERT(c->connecting && !c->rx); /* (one try is on its way at a time) */
    if (c->to_host < 0) return;                                  /* no such host: never answered */
    if (s->cut[c->host][c->to_host]) {
        aio__sim_syn_lost(s, c, fd);
        return;
    }
    for (i = 0; i < s->nsocks && !l; i++)
        if (s->socks[i].kind == AIO__SIM_LISTEN && s->socks[i].host == c->to_host && s->socks[i].port == c->to_port &&
            aio__sim_reached(&s->socks[i], c->to_ip))
            l = &s->socks[i];
    if (!l) {
        aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_REFUSE, fd, gen, NULL);
        return;
    }
    if (l->queued >= l->backlog) {
        aio__sim_syn_lost(s, c, fd);
        return;
    }
    if (l->queued == l->queue_cap) {
        int cap = l->queue_cap ? l->queue_cap * 2 : 8;
        aio__sim_pending *grown = (aio__sim_pending *)AIO_REALLOC(l->queue, (size_t)cap * sizeof *grown);
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        l->queue = grown;
        l->queue_cap = cap;
    }
    {
        aio__sim_pipe *up = aio__sim_pipe_new(c->host, c->to_host);   /* client to server */
        aio__sim_pipe *down = aio__sim_pipe_new(c->to_host, c->host); /* server to client */
        up->back = down;
        down->back = up;
        up->open = 1;
        aio__sim_attach(c, down, up);
        l->queue[l->queued].rx = up;
        l->queue[l->queued].tx = down;
        up->refs++;
        down->refs++;
        l->queued++;
        aio__sim_put(s, down, AIO__SIM_SYNACK, NULL, 0);
    }
}
static void aio__sim_dgram_arrives(aio__sim *s, aio__sim_dgram *d) {
    int fd;
    for (fd = 0; fd < s->nsocks; fd++) {
        aio__sim_sock *k = &s->socks[fd];
        if (k->kind != AIO__SIM_DGRAM || k->host != d->to_host || k->port != d->to_port || !aio__sim_reached(k, d->to_ip))
            continue;
        if (k->dq_bytes + d->len > aio__sim_buffer(s)) break; /* (its buffer is full: dropped) */
        d->next = NULL;
        if (k->dq_tail) k->dq_tail->next = d; else k->dq = d;
        k->dq_tail = d;
        k->dq_bytes += d->len;
        aio__sim_mix(s, 0xD6ull << 32 | d->len);
        return;
    }
    AIO_FREE(d);
}

#ifdef AIO__PROCESSES
static void aio__sim_procs_turn(aio__sim *s);
static void aio__sim_procs_release(aio__sim *s);
#endif
/* Everything due by the loop's time happens, in order. */
static void aio__sim_deliver(aio__sim *s) {
    while (s->nev && !aio__before(s->loop->now, s->ev[0].when)) {
        aio__sim_event e = aio__sim_pop(s);
        switch (e.kind) {
        case AIO__SIM_EV_FLOW:
            aio__sim_flow(s, (aio__sim_pipe *)e.p);
            aio__sim_unref((aio__sim_pipe *)e.p);
            break;
        case AIO__SIM_EV_RESET:
            aio__sim_reset_now(s, (aio__sim_pipe *)e.p);
            aio__sim_unref((aio__sim_pipe *)e.p);
            break;
        case AIO__SIM_EV_SYN: aio__sim_syn(s, e.fd, e.gen); break;
        case AIO__SIM_EV_REFUSE: {
            aio__sim_sock *c = aio__sim_sock_of(s, e.fd, AIO__SIM_STREAM);
            if (!c || c->gen != e.gen) break; /* closed since */
            AIO_ASSERT(c->connecting && !c->rx); /* (refused: never answered) */
            c->error = AIO_ECONNREFUSED;
            break;
        }
        case AIO__SIM_EV_DGRAM: aio__sim_dgram_arrives(s, (aio__sim_dgram *)e.p); break;
#ifdef AIO__PROCESSES
        case AIO__SIM_EV_DIE: aio__sim_procs_turn(s); break; /* (a child's death is due) */
#endif
        case AIO__SIM_EV_SET: aio_event_set((aio_event *)e.p); break; /* (a call on the pool set it) */
        default: { /* AIO__SIM_EV_CALL: a call on the pool lands */
#ifdef AIO__THREADS
            aio__job *j = (aio__job *)e.p;
            aio_task *w = j->waiter;
            if (!w) {
                aio__job_free(j);
            } else {
                w->flags |= AIO__T_SIGNALLED;
                if (w->state == AIO__PARKED) {
                    AIO__CAUSE(s->loop, NULL, AIO_BY_IO);
                    aio__wake(w);
                    AIO__CAUSE(s->loop, NULL, AIO_TRACE_NONE);
                }
            }
#endif
            break;
        }
        }
    }
}
/* Tell the loop what the watched sockets are ready for (a level: again
 * each time, while it lasts). */
static void aio__sim_report(aio__sim *s) {
    int fd;
    for (fd = s->oldest; fd >= 0; fd = s->socks[fd].newer) {
        aio__sim_sock *k = &s->socks[fd];
        int ready;
        if (!k->watch) continue;
        ready = aio__sim_readiness(s, k) & k->watch;
        if (ready) aio_io_ready(s->loop, fd, ready);
    }
}

/* ---- the port */
static aio_status aio__sim_watch(aio_io *io, int fd, int old, int events) {
    aio__sim *s = (aio__sim *)io;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    (void)old;
    /* (never one to unwatch: aio_close forgets a socket before it closes it) */
    if (!k) return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket of the simulation");
    k->watch = (uint8_t)events;
    return AIO_OK;
}
/* A look in the turn (deadline: now) takes the turn's time and delivers
 * what is due; an idle wait moves time to the next arrival, or to the
 * deadline and a little later (the timer fires late), whichever is first. */
static void aio__sim_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__sim *s = (aio__sim *)io;
    aio_time target;
    if (deadline != AIO_NEVER && !aio__before(L->now, deadline)) {
        aio_time step = aio__sim_upto(s, s->cfg.step);
        if (step) aio__sim_look(s); /* (what the turn's tasks did to the numbers, at the time they did it) */
        L->now += step;
        aio__sim_deliver(s);
#ifdef AIO__PROCESSES
        if (s->procs) aio__sim_procs_turn(s);
#endif
        aio__sim_report(s);
        return;
    }
    aio__sim_look(s);
    target = deadline == AIO_NEVER ? AIO_NEVER : deadline + aio__sim_upto(s, s->cfg.timer_late);
    for (;;) {
        aio__sim_report(s);
        if (!aio__ready_empty(L) || L->signalled) return; /* (signalled: an event a call set) */
        if (!s->nev || (target != AIO_NEVER && aio__before(target, s->ev[0].when))) {
            if (target != AIO_NEVER) L->now = target;
            return;
        }
        L->now = s->ev[0].when; /* (later than now: what was due was delivered in the turn's drain) */
        aio__sim_deliver(s);
    }
}
static aio_status aio__sim_grow_slots(aio_io *io, int fd) {
    uint32_t n = io->nslots ? io->nslots : 16;
    aio_io_slot *grown;
    while (n <= (uint32_t)fd) n *= 2;
    grown = (aio_io_slot *)AIO_REALLOC(io->slots, n * sizeof *grown);
    if (!grown) return AIO_EIO; /* (out of memory) */
    memset(grown + io->nslots, 0, (n - io->nslots) * sizeof *grown);
    io->slots = grown;
    io->nslots = n;
    return AIO_OK;
}
/* With a simulation the loop is stuck only when nothing is on its way. */
static int aio__sim_events(aio_loop *L, int op) {
    aio__sim *s = (aio__sim *)L->io;
    if (op == AIO__EV_STUCK) return s->nev == 0; /* (what was ready was reported in the turn's drain) */
    return aio__io_events(L, op);
}
static void aio__sim_release(aio_io *io) {
    aio__sim *s = (aio__sim *)io;
    int fd;
#ifdef AIO__PROCESSES
    aio__sim_procs_release(s);
#endif
    for (fd = 0; fd < s->nsocks; fd++) (void)aio__sim_sock_close(s, fd);
    while (s->nev) {
        aio__sim_event e = aio__sim_pop(s);
        if (e.kind == AIO__SIM_EV_FLOW || e.kind == AIO__SIM_EV_RESET) aio__sim_unref((aio__sim_pipe *)e.p);
        if (e.kind == AIO__SIM_EV_DGRAM) AIO_FREE(e.p);
#ifdef AIO__THREADS
        if (e.kind == AIO__SIM_EV_CALL) aio__job_free((aio__job *)e.p);
#endif
    }
    s->loop->events = aio__io_events;
    aio__sim_here = NULL; /* (the thread's one simulation: this one) */
    (void)aio__os_install(NULL);
    aio__sys_pairs_end(s->listener);
    AIO_FREE(s->polls);
    AIO_FREE(s->polled);
    AIO_FREE(s->ev);
    AIO_FREE(s->held);
    AIO_FREE(s->socks);
    AIO_FREE(s->port.slots);
    AIO_FREE(s->hosts);
    AIO_FREE(s->ids);
    AIO_FREE(s->slots_of_id);
    AIO_FREE(s);
}

/* ---- the platform's socket calls, simulated (the same returns) */
static aio_status aio__sim_recv(int fd, void *buf, size_t len, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    size_t n;
    if (!k) return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of the simulation");
    if (k->kind != AIO__SIM_STREAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a connected stream socket");
    if (k->error) return aio__sim_error(k->error);
    if (!k->rx) return AIO__AGAIN;
    if (k->rx->reset) return AIO_ECONNRESET;
    if (!k->rx->len) return k->rx->fin || k->shut_read ? 0 : AIO__AGAIN;
    n = aio__net_chunk(len < k->rx->len ? len : k->rx->len);
    if (n > 1 && aio__sim_chance(s, s->cfg.short_recv)) n = 1 + (size_t)aio__sim_upto(s, (aio_time)(n - 2));
    memcpy(buf, k->rx->buf, n);
    memmove(k->rx->buf, k->rx->buf + n, k->rx->len - n);
    k->rx->len -= n;
    aio__sim_mix(s, 0x4Eull << 32 | n);
    return (aio_status)n;
}
static aio_status aio__sim_send(int fd, const void *buf, size_t len, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    size_t room;
    size_t n;
    if (k && !k->shut && aio__sim_notice(s, fd)) k = NULL; /* (closed or shut down in this turn) */
    if (!k) return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of the simulation");
    if (k->kind != AIO__SIM_STREAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a connected stream socket");
    if (k->error) return aio__sim_error(k->error);
    if (k->shut) return AIO_ECONNRESET; /* (EPIPE: shut down for writing, as the system's calls give it) */
    if (!k->rx || !k->rx->open) return AIO__AGAIN;
    if (k->tx->reset) return AIO_ECONNRESET;
    room = aio__sim_buffer(s) - (k->tx->flying + k->tx->len < aio__sim_buffer(s) ? k->tx->flying + k->tx->len
                                                                                  : aio__sim_buffer(s));
    if (!room) return AIO__AGAIN;
    n = aio__net_chunk(len < room ? len : room);
    if (n > 1 && aio__sim_chance(s, s->cfg.short_send)) n = 1 + (size_t)aio__sim_upto(s, (aio_time)(n - 2));
    aio__sim_put(s, k->tx, AIO__SIM_DATA, buf, n);
    if (!k->tx->local && aio__sim_chance(s, s->cfg.reset)) aio__sim_reset_later(s, k->tx);
    return (aio_status)n;
}
static aio_status aio__sim_accept(int fd, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *l = aio__sim_sock_of(s, fd, 0);
    aio__sim_pending c;
    int host;
    int port;
    int nfd;
    if (l && !l->shut && aio__sim_notice(s, fd)) l = NULL; /* (closed in this turn) */
    if (!l || l->kind != AIO__SIM_LISTEN) return aio__bad_fd(AIO_EBADF, what, fd, "is not a listening socket of the simulation");
    if (!l->queued) return AIO__AGAIN;
    host = l->host;
    port = l->port;
    nfd = aio__sim_socket_new(s, AIO__SIM_STREAM, host); /* (may move the table: l is stale after) */
    if (nfd < 0) return AIO_EIO; /* (no descriptor left: the connection waits, as the system's does) */
    l = &s->socks[fd];
    AIO_ASSERT(l->kind == AIO__SIM_LISTEN && l->queued); /* (its number is still its own: asked above) */
    c = l->queue[0];
    memmove(l->queue, l->queue + 1, (size_t)(l->queued - 1) * sizeof *l->queue);
    l->queued--;
    s->socks[nfd].port = port;
    s->socks[nfd].accepted = 1;
    s->socks[nfd].rx = c.rx; /* (the references the queue held) */
    s->socks[nfd].tx = c.tx;
    return nfd;
}
static int aio__sim_socket(int family) {
    aio__sim *s = aio__sim_here;
    (void)family;
    return aio__sim_socket_new(s, AIO__SIM_STREAM, aio__sim_here_host(s));
}
static aio_status aio__sim_connect(int fd, const struct sockaddr *sa, aio__socklen sl, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *c = aio__sim_sock_of(s, fd, AIO__SIM_STREAM);
    uint32_t ip = aio__sim_ip(sa, &c->to_port);
    (void)sl;
    (void)what;
    c->to_ip = ip == 0 ? AIO__SIM_LOOPBACK : ip == AIO__SIM_ANY6 ? AIO__SIM_LOOPBACK6 : ip; /* (0.0.0.0, ::: this
                                                                                          host, as Linux takes them) */
    c->to_host = aio__sim_host_at(s, c->to_ip, c->host);
    c->connecting = 1;
    c->port = aio__sim_ephemeral(s, AIO__SIM_STREAM, c->host);
    if (aio__sim_chance(s, s->cfg.refuse))
        aio__sim_at(s, s->loop->now + 2 * aio__sim_trip(s), AIO__SIM_EV_REFUSE, fd, c->gen, NULL);
    else
        aio__sim_at(s, s->loop->now + aio__sim_trip(s), AIO__SIM_EV_SYN, fd, c->gen, NULL);
    return AIO__AGAIN;
}
static aio_status aio__sim_connected(int fd, const char *what) {
    aio__sim_sock *c = aio__sim_sock_of(aio__sim_here, fd, AIO__SIM_STREAM);
    (void)what;
    if (!c) return AIO_EBADF; /* LCOV_EXCL_LINE: (the connect's own) */
    if (c->error) return aio__sim_error(c->error);
    AIO_ASSERT(c->rx && c->rx->open); /* (reported writable: answered) */
    return AIO_OK;
}
static aio_status aio__sim_recvfrom(int fd, void *buf, size_t len, struct sockaddr_storage *from, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    aio__sim_dgram *d;
    struct sockaddr_in in;
    size_t n;
    memset(from, 0, sizeof *from);
    if (!k || k->kind != AIO__SIM_DGRAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a datagram socket of the simulation");
    if (!(d = k->dq)) return AIO__AGAIN;
    k->dq = d->next;
    if (!k->dq) k->dq_tail = NULL;
    k->dq_bytes -= d->len;
    n = aio__net_chunk(len < d->len ? len : d->len);
    memcpy(buf, d + 1, n);
    if (k->v6) { /* (an IPv6 socket's sender: ::1, or an IPv4 one mapped, ::ffff:a.b.c.d) */
        struct sockaddr_in6 in6;
        unsigned char *a = in6.sin6_addr.s6_addr;
        memset(&in6, 0, sizeof in6);
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)d->from_port);
        if (d->from_ip == AIO__SIM_LOOPBACK6) {
            a[15] = 1;
        } else {
            a[10] = a[11] = 0xFF;
            a[12] = (unsigned char)(d->from_ip >> 24);
            a[13] = (unsigned char)(d->from_ip >> 16);
            a[14] = (unsigned char)(d->from_ip >> 8);
            a[15] = (unsigned char)d->from_ip;
        }
        memcpy(from, &in6, sizeof in6);
    } else {
        memset(&in, 0, sizeof in);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl(d->from_ip);
        in.sin_port = htons((uint16_t)d->from_port);
        memcpy(from, &in, sizeof in);
    }
    AIO_FREE(d);
    return (aio_status)n;
}
static aio_status aio__sim_sendto(int fd, const void *buf, size_t len, const struct sockaddr *sa, aio__socklen sl,
                                  int family, const char *what) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    aio__sim_dgram *d;
    aio_time due;
    int port;
    uint32_t ip;
    if (!k || k->kind != AIO__SIM_DGRAM) return aio__bad_fd(AIO_EBADF, what, fd, "is not a datagram socket of the simulation");
    /* (an IPv6 socket sends to IPv4 addresses where it takes them: dual-stack) */
    if (family == AF_INET6 ? !k->v6 : k->v6 && aio__sim_dual(s) <= 0) /* LCOV_EXCL_BR_LINE: (dual: per machine) */
        return aio__misuse(AIO_EINVAL, "AIO_SEND_TO: the address is IPv6 and the socket IPv4, or the other way round");
    (void)sl;
    ip = aio__sim_ip(sa, &port);
    if (ip == AIO__SIM_ANY6) ip = AIO__SIM_LOOPBACK6; /* (::: this host, as Linux takes it) */
    if (len > (ip == AIO__SIM_LOOPBACK6 || (ip == AIO__SIM_NONE && family == AF_INET6) ? 65527u : 65507u)) {
        errno = EMSGSIZE; /* (beyond what a UDP datagram holds over IPv4, over IPv6: the system's calls fail so) */
        return AIO_EIO;
    }
    d = (aio__sim_dgram *)AIO_MALLOC(sizeof *d + len);
    if (!d) abort(); /* LCOV_EXCL_LINE */
    d->to_host = aio__sim_host_at(s, ip, k->host);
    d->to_ip = ip == 0 ? AIO__SIM_LOOPBACK : ip;
    d->to_port = port;
    d->from_ip = d->to_ip == AIO__SIM_LOOPBACK || d->to_ip == AIO__SIM_LOOPBACK6 ? d->to_ip : AIO__SIM_IP(k->host);
    d->from_port = k->port;
    d->len = (uint32_t)len;
    if (len) memcpy(d + 1, buf, len);
    due = aio__sim_wire(s, &k->busy, len) + aio__sim_trip(s);
    if (aio__sim_chance(s, s->cfg.reorder)) due += aio__sim_upto(s, 2 * s->cfg.latency + 1);
    if (d->to_host < 0 || s->cut[k->host][d->to_host] || aio__sim_chance(s, s->cfg.loss)) {
        aio__sim_mix(s, 0x1055ull);
        AIO_FREE(d);
    } else {
        aio__sim_at(s, due, AIO__SIM_EV_DGRAM, -1, 0, d);
    }
    return (aio_status)aio__net_chunk(len);
}
static int aio__sim_listen(const aio_address *at, int backlog) {
    return aio__sim_bind(aio__sim_here, AIO__SIM_LISTEN, at, backlog);
}
static int aio__sim_udp(const aio_address *at) { return aio__sim_bind(aio__sim_here, AIO__SIM_DGRAM, at, 0); }
static int aio__sim_close(int fd) { return aio__sim_sock_close(aio__sim_here, fd) == 0 ? 0 : -1; }
static int aio__sim_port_of(int fd) {
    aio__sim_sock *k = aio__sim_sock_of(aio__sim_here, fd, 0);
    return k ? k->port : -1;
}
/* Socket fd shut down both ways, as the system's shutdown(SHUT_RDWR) does:
 * its end sent after its bytes (aio__sim_shut), its sends fail, its reads
 * find the end once what came is read. A listener or a datagram socket is
 * only marked (as the program's own shutdown() of one is). */
static int aio__sim_shutdown(int fd) {
    aio__sim *s = aio__sim_here;
    aio__sim_sock *k = aio__sim_sock_of(s, fd, 0);
    /* (a number the program closed in this turn: not a server's) */
    if (k && !k->shut && aio__sim_notice(s, fd)) k = NULL; /* LCOV_EXCL_BR_LINE */
    if (!k) return -1; /* LCOV_EXCL_LINE */
    if (!k->shut) aio__sim_shut(s, k);
    k->shut_read = 1;
    return 0;
}
/* The simulation's table, installed by aio_sim_start (see "the platform's
 * table"); its child processes are in "child processes". */
AIO__PLATFORM_SLOTS(AIO__PLATFORM_SIM_DECL)
static const aio__platform aio__sim_platform = {"the simulation's", 0, AIO__PLATFORM_SLOTS(AIO__PLATFORM_SIM_FILL)};

/* ---- calls on the pool: run at once on the loop's thread, landing later */
#ifdef AIO__THREADS
/* An event the call sets (from "another thread") is set at a seeded time
 * from the call's start to its landing, never after it: a thread sets it
 * before its function returns. */
/* No pool: the simulation runs its calls itself (the table's job_pool). */
static struct aio__pool *aio__sim_job_pool(aio_loop *L, const char *what, aio_status *rc) {
    (void)L;
    (void)what;
    *rc = AIO_OK;
    return NULL;
}
/* A call given up: it landed, or will (it is freed then). */
static void aio__sim_job_give_up(aio_loop *L, aio__job *j) {
    (void)L;
    j->waiter = NULL;
}
static void aio__sim_job_submit(aio_task *t, aio__job *j) {
    aio__sim *s = aio__sim_here;
    aio_time now = s->loop->now;
    aio_time lands;
    uint32_t i;
    j->waiter = t;
    s->in_call = 1;
    j->result = j->fn(j->data);
    s->in_call = 0;
    j->state = AIO__JOB_DONE;
    lands = now + aio__sim_upto(s, s->cfg.call);
    for (i = 0; i < s->nheld; i++) /* (first: at the same time, before the landing) */
        aio__sim_at(s, now + aio__sim_upto(s, lands - now), AIO__SIM_EV_SET, -1, 0, s->held[i]);
    s->nheld = 0;
    aio__sim_at(s, lands, AIO__SIM_EV_CALL, -1, 0, j);
}
#endif
static int aio__sim_set_later(aio_event *ev) {
    aio__sim *s = aio__sim_here;
    if (!s || !s->in_call) return 0;
    if (s->nheld == s->held_cap) {
        uint32_t cap = s->held_cap ? s->held_cap * 2 : 4;
        aio_event **grown = (aio_event **)AIO_REALLOC(s->held, cap * sizeof(aio_event *));
        if (!grown) abort(); /* LCOV_EXCL_LINE */
        s->held = grown;
        s->held_cap = cap;
    }
    s->held[s->nheld++] = ev;
    return 1;
}
#ifdef AIO__THREADS
/* The simulation's names: a host's name, "localhost", a numeric address. */
static int aio__sim_resolve(void *ctx, const char *host, int port, aio_address *out, int max) {
    aio__sim *s = (aio__sim *)ctx;
    int h;
    (void)max;
    if (aio__sim_chance(s, s->cfg.lookup_fail)) return AIO_ENOTFOUND;
    if (aio__sockaddr(host, port, out)) return 1;
    h = aio__sim_host_named(s, host, 0);
    if (h < 0) return AIO_ENOTFOUND;
    aio__address_v4(out, AIO__SIM_IP(h), port);
    return 1;
}
/* A lookup asks the simulation's names (the table's names). */
static void aio__sim_names(aio_lookup_fn *hook, void **ctx) {
    *hook = aio__sim_resolve;
    *ctx = aio__sim_here;
}
#endif

/* ---- the digest: every record of the instruments, no address in it
 *
 * A task counts as its number: the order of its spawn in the run. It keeps
 * it while it lives; at its end the number is retired, as the allocator may
 * give its memory to anything next, in one run and not in another. What is
 * not a live task (a block, an event, a queue: they may sit anywhere) counts
 * as 0; a task's label, by its text. */
#define AIO__SIM_HASH(p, mask) ((uint32_t)(((uintptr_t)(p) >> 3) * 2654435761u) & (mask))
/* The slot of p: the one holding its number, or the empty one where it goes
 * (retired numbers stay in their slots: no pointer is theirs). */
static uint32_t *aio__sim_slot(aio__sim *s, const void *p) {
    uint32_t h = AIO__SIM_HASH(p, s->id_mask);
    while (s->slots_of_id[h] && s->ids[s->slots_of_id[h] - 1] != p) h = (h + 1) & s->id_mask;
    return &s->slots_of_id[h];
}
/* The number of live task p (0: none). */
static uint32_t aio__sim_id(aio__sim *s, const void *p) { return p ? *aio__sim_slot(s, p) : 0; }
/* A table twice as large (the first: 256 slots), the live numbers moved. */
static void aio__sim_ids_grow(aio__sim *s) {
    uint32_t mask = s->id_mask ? s->id_mask * 2 + 1 : 255;
    uint32_t *slots = (uint32_t *)aio__zalloc(((size_t)mask + 1) * sizeof *slots);
    const void **ids = (const void **)AIO_REALLOC((void *)s->ids, ((size_t)mask + 1) / 2 * sizeof *ids);
    uint8_t *hosts = (uint8_t *)AIO_REALLOC(s->hosts, ((size_t)mask + 1) / 2);
    uint32_t i;
    if (!slots || !ids || !hosts) abort(); /* LCOV_EXCL_LINE */
    for (i = 0; i < s->nids; i++) {
        uint32_t h = AIO__SIM_HASH(ids[i], mask);
        if (!ids[i]) continue; /* (retired) */
        while (slots[h]) h = (h + 1) & mask;
        slots[h] = i + 1;
    }
    AIO_FREE(s->slots_of_id);
    s->slots_of_id = slots;
    s->ids = ids;
    s->hosts = hosts;
    s->id_mask = mask;
}
/* A number for task t, spawned now by `by`, and its host: aio_sim_spawn's,
 * else its spawner's (kept: the spawner may end first, its memory reused). */
static uint32_t aio__sim_name(aio__sim *s, const aio_task *t, const aio_task *by) {
    uint32_t *slot;
    uint32_t spawner = aio__sim_id(s, by);
    if (s->nids * 2 >= s->id_mask) aio__sim_ids_grow(s); /* (twice the numbers at least) */
    slot = aio__sim_slot(s, t);
    s->hosts[s->nids] = (uint8_t)(s->spawn_on >= 0 ? s->spawn_on : spawner ? s->hosts[spawner - 1] : 0);
    s->ids[s->nids++] = t;
    *slot = s->nids;
    return s->nids;
}
static uint64_t aio__sim_text(const char *text) {
    uint64_t h = 0xCBF29CE484222325ull;
    while (*text) h = (h ^ (unsigned char)*text++) * 0x100000001B3ull;
    return h;
}
/* What the digest counts for socket number fd: the socket's serial (the
 * process's other descriptors decide its number, not the run). */
static uint64_t aio__sim_serial(aio__sim *s, aio_stime fd) {
    /* (-1: a wait on a call on the pool; beyond the table: not seen) */
    return fd >= 0 && fd < s->nsocks ? (uint64_t)s->socks[fd].serial << 32 : (uint64_t)fd; /* LCOV_EXCL_BR_LINE */
}
static void aio__sim_instrument(void *ctx, const aio_trace_record *r) {
    aio__sim *s = (aio__sim *)ctx;
    uint32_t task = r->kind == AIO_TRACE_SPAWN ? aio__sim_name(s, r->task, (const aio_task *)r->other)
                                               : aio__sim_id(s, r->task);
    aio__sim_mix(s, (uint64_t)r->when);
    aio__sim_mix(s, ((uint64_t)r->kind << 56) ^ ((uint64_t)r->detail << 48) ^ ((uint64_t)task << 24) ^
                        (r->kind == AIO_TRACE_NAME ? aio__sim_text((const char *)r->other) : aio__sim_id(s, r->other)));
    aio__sim_mix(s, r->kind == AIO_TRACE_SUSPEND && r->detail == AIO_ON_IO ? aio__sim_serial(s, r->value)
                                                                           : (uint64_t)r->value);
    if (r->kind == AIO_TRACE_END && task) s->ids[task - 1] = NULL; /* (retired) */
    if (s->record) aio_recorder_hook(s->record, r);
    if (s->instrument) s->instrument(s->instrument_ctx, r);
}

/* ---- the public part */
/* 1 if the config cannot be simulated: a probability not from 0 to 1 (NaN
 * included), or a time beyond a quarter of the clock's range (their sums
 * must stay comparable). */
static int aio__sim_config_bad(const aio_sim_config *cfg) {
    return !cfg || !(cfg->short_recv >= 0 && cfg->short_recv <= 1) || !(cfg->short_send >= 0 && cfg->short_send <= 1) ||
           !(cfg->reset >= 0 && cfg->reset <= 1) || !(cfg->refuse >= 0 && cfg->refuse <= 1) ||
           !(cfg->lookup_fail >= 0 && cfg->lookup_fail <= 1) || !(cfg->timer_full >= 0 && cfg->timer_full <= 1) ||
           !(cfg->loss >= 0 && cfg->loss <= 1) || !(cfg->reorder >= 0 && cfg->reorder <= 1) ||
           !(cfg->child_dies >= 0 && cfg->child_dies <= 1) || !(cfg->alloc_fails >= 0 && cfg->alloc_fails <= 1) ||
           cfg->timer_late > AIO__HALF_RANGE / 4u || cfg->step > AIO__HALF_RANGE / 4u ||
           cfg->latency > AIO__HALF_RANGE / 4u || cfg->jitter > AIO__HALF_RANGE / 4u || cfg->call > AIO__HALF_RANGE / 4u ||
           cfg->child_life > AIO__HALF_RANGE / 4u;
}
/* The fault alloc_fails, drawn for the state of one of the program's waits
 * or calls (aio__alloc_state): 1 if it cannot be allocated. The simulated
 * world's own memory is never refused, nor what grows with the sockets'
 * numbers (they are the system's: a replay may number them otherwise). */
static int aio__sim_alloc_fails(void) {
    aio__sim *s = aio__sim_here;
    if (!s || !aio__sim_chance(s, s->cfg.alloc_fails)) return 0;
    errno = ENOMEM;
    (void)aio__misuse(AIO_EIO, "out of memory: the simulation's fault alloc_fails refused an allocation, as "
                               "where memory runs out; the wait or call fails with AIO_EIO (errno ENOMEM), "
                               "which the program must handle (config.alloc_fails 0: no such fault)");
    return 1;
}
/* The loop's growth hook, behind the fault timer_full: storage that may
 * refuse to grow (giving back is always passed on). */
static aio_timer *aio__sim_grow_timers(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    aio__sim *s = (aio__sim *)ctx;
    if (new_count && aio__sim_chance(s, s->cfg.timer_full)) {
        aio__sim_refused = 1; /* (the failure says so: see aio__arm) */
        return NULL;
    }
    return s->grow(s->grow_ctx, old, old_count, new_count);
}
AIO_API aio_status aio_sim_start(aio_loop *L, const aio_sim_config *cfg) {
    aio__sim *s;
    if (aio__sim_config_bad(cfg))
        return aio__misuse(AIO_EINVAL, "aio_sim_start: no config, a probability not from 0 to 1, or a time "
                                       "beyond a quarter of the clock's range");
    if (L->io || aio__sim_here)
        return aio__misuse(AIO_EBUSY, "aio_sim_start: the loop waits for I/O already, or a simulation runs "
                                      "on this thread");
    if (aio__os_install(&aio__sim_platform) != AIO_OK) return AIO_EINVAL; /* LCOV_EXCL_LINE: a slot left empty */
    s = (aio__sim *)aio__zalloc(sizeof *s);
    if (!s) {
        (void)aio__os_install(NULL);
        return AIO_EIO;
    }
    s->port.watch = aio__sim_watch;
    s->port.wait = aio__sim_wait;
    s->port.grow = aio__sim_grow_slots;
    s->port.release = aio__sim_release;
    s->loop = L;
    s->cfg = *cfg;
    s->rng = cfg->seed;
    s->digest = 0xCBF29CE484222325ull ^ cfg->seed;
    s->spawn_on = -1;
    s->far_floor = aio__sys_pair_floor();
    s->listener = -1;
    s->oldest = s->newest = -1;
    aio__sys_pairs_start();
    aio__sim_ids_grow(s);
    (void)aio__sim_host_named(s, "main", 1);
    aio_loop_use_virtual_clock(L, 0);
    (void)aio_loop_set_io(L, &s->port);
    aio__sim_here = s;
    aio__use_events(L, aio__sim_events);
    (void)aio__io_of(L);
    aio_loop_set_instrument(L, aio__sim_instrument, s);
    if (L->grow) { /* (a loop whose storage is fixed is full when it is full) */
        s->grow = L->grow;
        s->grow_ctx = L->grow_ctx;
        aio_loop_set_grow(L, aio__sim_grow_timers, s);
    }
    return AIO_OK;
}
AIO_API int aio_sim_active(void) { return aio__sim_here != NULL; }
AIO_API aio_status aio_sim_spawn(const char *host, aio_task *t, aio_task_fn fn) {
    aio__sim *s = aio__sim_here;
    aio_status rc;
    int h;
    if (!s) return aio_spawn(t, fn);
    h = host ? aio__sim_host_named(s, host, 1) : -1;
    if (h < 0) return aio__misuse(AIO_EINVAL, "aio_sim_spawn: no host name, one of 32 characters or more, or "
                                              "more than 16 hosts");
    s->spawn_on = h; /* (its spawn's record numbers it, on that host) */
    rc = aio_spawn(t, fn);
    s->spawn_on = -1;
    return rc;
}
AIO_API aio_status aio_sim_partition(const char *a, const char *b, int cut) {
    aio__sim *s = aio__sim_here;
    int ha;
    int hb;
    if (!s) return aio__misuse(AIO_EINVAL, "aio_sim_partition: no simulation runs on this thread");
    ha = a ? aio__sim_host_named(s, a, 1) : -1;
    hb = b ? aio__sim_host_named(s, b, 1) : -1;
    if (ha < 0 || hb < 0) return aio__misuse(AIO_EINVAL, "aio_sim_partition: a host name is missing or too long, "
                                                         "or there would be more than 16 hosts");
    s->cut[ha][hb] = s->cut[hb][ha] = (uint8_t)(cut != 0);
    aio__sim_mix(s, 0xCu << 16 | (uint64_t)ha << 8 | (uint64_t)hb);
    return AIO_OK;
}
AIO_API aio_status aio_sim_program(const char *name, aio_task_fn fn, size_t size, size_t task_offset,
                                   size_t child_offset) {
    aio__sim *s = aio__sim_here;
    aio__sim_program *prog;
    int i;
    if (!s) return aio__misuse(AIO_EINVAL, "aio_sim_program: no simulation runs on this thread");
    if (!name || !*name || strlen(name) >= sizeof prog->name || !fn)
        return aio__misuse(AIO_EINVAL, "aio_sim_program: no name, one of 32 bytes or more, or no task function");
    if (size < sizeof(aio_task) + sizeof(aio_sim_child) || task_offset > size - sizeof(aio_task) ||
        child_offset > size - sizeof(aio_sim_child) ||
        (task_offset < child_offset + sizeof(aio_sim_child) && child_offset < task_offset + sizeof(aio_task)))
        return aio__misuse(AIO_EINVAL, "aio_sim_program: the state is too small for its task and child, or "
                                       "they overlap (AIO_SIM_PROGRAM gives them)");
    for (i = 0; i < s->nprograms && strcmp(s->programs[i].name, name) != 0; i++) {
    }
    if (i == AIO__SIM_PROGRAMS) return aio__misuse(AIO_ENOSPC, "aio_sim_program: 16 programs already");
    prog = &s->programs[i];
    if (i == s->nprograms) s->nprograms++; /* (a name given again: its program replaced) */
    memcpy(prog->name, name, strlen(name) + 1);
    prog->fn = fn;
    prog->size = size;
    prog->task_offset = task_offset;
    prog->child_offset = child_offset;
    return AIO_OK;
}
AIO_API uint32_t aio_sim_random(uint32_t n) {
    aio__sim *s = aio__sim_here;
    if (!s || n < 2) return 0;
    return (uint32_t)(aio__sim_next(s) % n);
}
AIO_API int aio_sim_check(int ok, const char *what) {
    aio__sim *s = aio__sim_here;
    if (!ok && s && !s->failed) {
        s->failed = 1;
        s->failed_at = s->loop->now;
        (void)snprintf(s->message, sizeof s->message, "%s", what ? what : "a check failed");
    }
    return ok;
}
AIO_API uint64_t aio_sim_seed(void) { return aio__sim_here ? aio__sim_here->cfg.seed : 0; }
AIO_API uint64_t aio_sim_digest(void) { return aio__sim_here ? aio__sim_here->digest : 0; }
AIO_API void aio_sim_record(aio_recorder *r) {
    if (aio__sim_here) aio__sim_here->record = r;
}

/* ---- the runner */
static AIO_THREAD_LOCAL aio_sim_options *aio__sim_running;

AIO_API void *aio_sim_arg(void) { return aio__sim_running ? aio__sim_running->arg : NULL; }

/* The main task of a loop's last run, which only ends it (below). */
static aio_status aio__sim_sweep(aio_task *t) {
    (void)t;
    return AIO_OK;
}

/* One run of seed `seed`: 1 if it failed (why in o->message), else 0; its
 * digest in *digest; its records in `rec` if not NULL. */
static int aio__sim_once(aio_sim_options *o, uint64_t seed, size_t size, size_t offset, aio_task_fn fn,
                         aio_recorder *rec, uint64_t *digest) {
    aio_sim_config cfg = o->config;
    aio_timer first[2]; /* (small: storage must grow early, where timer_full can refuse it) */
    aio_loop L;
    aio__sim *s;
    aio_status rc;
    int failed;
    char *state = (char *)aio__zalloc(size);
    if (!state) return -1;
    cfg.seed = seed;
    aio_loop_init(&L, first, 2);
    aio_loop_set_grow(&L, aio_grow_realloc, NULL); /* (aio_sim_start puts timer_full in front) */
    rc = aio_sim_start(&L, &cfg);
    if (rc < 0) { /* (out of memory: the config was checked first) */
        AIO_FREE(state);
        return -1;
    }
    s = aio__sim_here;
    s->record = rec;
    rc = aio_run(&L, (aio_task *)(void *)(state + offset), fn);
    failed = s->failed || rc < 0 || L.live; /* (tasks left that their cancellation cannot end: a hang) */
    if (failed) {
        char why[512]; /* (room for the longest: no truncation to warn of) */
        if (s->failed)
            (void)snprintf(why, sizeof why, "%s (at %.6f s)", s->message, (double)s->failed_at / AIO_TICKS_PER_SEC);
        else if (rc < 0)
            (void)snprintf(why, sizeof why, "the main task ended with %s (at %.6f s)", aio_strerror(rc),
                           (double)L.now / AIO_TICKS_PER_SEC);
        else
            (void)snprintf(why, sizeof why, "tasks the main task left wait, cancelled, for what nothing can wake "
                                            "(at %.6f s)", (double)L.now / AIO_TICKS_PER_SEC);
        why[sizeof o->message - 1] = '\0';
        memcpy(o->message, why, sizeof o->message);
    }
    *digest = s->digest;
    if (L.live) { /* a deadlock: the tasks left are cancelled and run to their end (their cleanup frees
                     what they hold), as asyncio.run does with those its main leaves */
        aio_task sweep;
        memset(&sweep, 0, sizeof sweep);
        aio__cancel_leftovers(&L);
        (void)aio_run(&L, &sweep, aio__sim_sweep);
    }
    if (aio_loop_destroy(&L) != AIO_OK) { /* their cleanup waits forever too: end the world anyway */
        if (L.heap_grow) L.heap_grow(L.heap_grow_ctx, L.heap, L.heap_len, 0);
        aio__sim_release(&s->port);
        L.io = NULL;
        aio__loop = aio__last = NULL;
    }
    AIO_FREE(state);
    return failed;
}

/* Real time, for the runner's limit (not CPU time, which stands still while
 * a call on the "pool" sleeps). */
static aio_time aio__sim_clock(void) {
#ifdef AIO__SYSTEM_CLOCK
    return aio__system_clock(NULL);
#else
    return (aio_time)((double)clock() / CLOCKS_PER_SEC * AIO_TICKS_PER_SEC);
#endif
}

AIO_API int aio_sim_run(aio_sim_options *o, size_t size, size_t offset, aio_task_fn fn) {
    const char *env = getenv("AIO_SIM_SEED");
    const char *path;
    uint64_t seed;
    uint64_t digest = 0;
    uint64_t again = 0;
    aio_time began = aio__sim_clock();
    int failed = 0;
    int replay = env && *env;
    if (!o || !fn || size < sizeof(aio_task) || offset > size - sizeof(aio_task) || (!o->seeds && !(o->seconds > 0)) ||
        aio__sim_here)
        return aio__misuse(AIO_EINVAL, "aio_sim_run: no options or scenario, a state too small for its task, "
                                       "neither seeds nor seconds, or a simulation runs already");
    if (aio__sim_config_bad(&o->config)) /* (checked here: no run could start, and none would fail) */
        return aio__misuse(AIO_EINVAL, "aio_sim_run: in opts->config, a probability not from 0 to 1, or a "
                                       "time beyond a quarter of the clock's range");
    path = o->trace ? o->trace : "aio-sim-trace.txt";
    o->runs = 0;
    o->failed_seed = 0;
    o->digest = 0xCBF29CE484222325ull;
    o->message[0] = '\0';
    aio__sim_running = o;
    seed = replay ? (uint64_t)strtoull(env, NULL, 10) : (o->first ? o->first : 1);
    for (;;) {
        if (!replay && o->seeds && o->runs == o->seeds) break;
        if (!replay && o->seconds > 0 && (double)(aio_time)(aio__sim_clock() - began) >= o->seconds * AIO_TICKS_PER_SEC)
            break;
        failed = aio__sim_once(o, seed, size, offset, fn, NULL, &digest);
        if (failed < 0) { /* (out of memory for a run: none made) */
            aio__sim_running = NULL;
            return AIO_EIO;
        }
        o->runs++;
        o->digest = (o->digest ^ digest) * 0x100000001B3ull;
        if (failed || replay) break;
        seed++;
    }
    if (failed > 0 || replay) { /* run it again, recorded, and write its trace */
        aio_recorder rec;
        char message[sizeof o->message];
        aio_trace_record *ring = (aio_trace_record *)AIO_MALLOC(65536u * sizeof *ring);
        FILE *out;
        int kept = 0;
        if (!ring) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        memcpy(message, o->message, sizeof message);
        aio_recorder_init(&rec, ring, 65536u);
        (void)aio__sim_once(o, seed, size, offset, fn, &rec, &again);
        memcpy(o->message, message, sizeof message); /* (the first run's words) */
        out = *path ? fopen(path, "w") : NULL; /* ("": no trace wanted) */
        if (out) {
            kept = 1;
            aio_recorder_dump(&rec, aio_trace_fputs, out);
            if (failed > 0) (void)fprintf(out, "# seed %llu failed: %s\n", (unsigned long long)seed, o->message);
            (void)fclose(out);
        } else if (*path && !o->quiet) {
            (void)fprintf(stderr, "aio_sim: the trace cannot be written to %s: %s\n", path, strerror(errno));
        }
        AIO_FREE(ring);
        if (again != digest && !o->quiet)
            (void)fprintf(stderr, "aio_sim: seed %llu did not run the same way twice: something outside the "
                                  "simulation (a real socket, the real clock, a thread, uninitialised memory) "
                                  "decides part of it\n", (unsigned long long)seed);
        if (failed > 0) o->failed_seed = seed;
        if (failed > 0 && !o->quiet) {
            (void)fprintf(stderr, "aio_sim: seed %llu failed after %llu run(s): %s\n"
                                  "aio_sim: replay it: AIO_SIM_SEED=%llu <this program>",
                          (unsigned long long)seed, (unsigned long long)o->runs, o->message,
                          (unsigned long long)seed);
            if (kept) /* (no trace named when none was kept: o.trace "" or a file that could not be written) */
                (void)fprintf(stderr, "; its trace is %s (python3 tools/aio_trace.py %s --svg run.svg)", path, path);
            (void)fputc('\n', stderr);
        }
    }
    aio__sim_running = NULL;
    return failed > 0;
}
#endif /* AIO__SIM */

#ifdef AIO__PROCESSES
/* The simulated platform (aio_sim_program): a child is a task of the
 * simulation, its pipes and its exit a local pair of simulated sockets each
 * (the exit's: the child's end closed when it ends, as a pidfd turns
 * readable). A kill ends the child at once for everyone else: its ends of
 * the pipes are cut, its task cancelled, and what that task does after is
 * not seen; its sockets are closed when the task has ended. */
#ifdef AIO__SIM
typedef struct aio__sim_proc {
    struct aio__sim_proc *next;
    aio_process *p;  /* the parent's handle (NULL: closed) */
    aio_task *task;  /* the program's task, in `state` */
    char *state;     /* the program's state, then its argv */
    int ends[4];     /* the child's ends: in, out, err (-1: none), its exit's */
    uint64_t gens[4];
    int signo;       /* the signal its task was cancelled for, or that killed it */
    aio_time dies_at; /* the fault child_dies: when (if `dies`) */
    uint8_t dies;
    int code;        /* its returncode, once exited */
    uint8_t exited;  /* the parent was told (its exit end closed) */
    uint8_t cleaned; /* its task ended and its sockets were closed */
} aio__sim_proc;

static aio__sim_proc *aio__sim_proc_of(const aio_process *p) {
    aio__sim_proc *q = aio__sim_here->procs;
    while (q->p != p) q = q->next; /* (every child the simulation's loop holds has one) */
    return q;
}
/* Each of the child's sockets that is still the one it was given: closed
 * (`close`), or cut: its streams ended, whatever it tries next fails. */
static void aio__sim_proc_ends(aio__sim *s, aio__sim_proc *q, int close) {
    int i;
    for (i = 0; i < 4; i++) {
        aio__sim_sock *k = aio__sim_sock_of(s, q->ends[i], 0);
        if (!k || k->gen != q->gens[i] || (i == 2 && q->ends[2] == q->ends[1])) continue;
        if (close) {
            aio_io_forget(q->ends[i]);
            (void)aio__sim_sock_close(s, q->ends[i]);
        } else {
            aio__sim_end_stream(s, k->rx, k->tx);
            k->rx = k->tx = NULL;
            k->error = AIO_EBADF;
        }
    }
}
/* The child has exited with `code`: the parent's end of its exit reads the
 * end, its pipes end (or, while its task still runs, are cut). */
static void aio__sim_proc_exit(aio__sim *s, aio__sim_proc *q, int code) {
    q->exited = 1;
    q->code = code;
    aio__sim_mix(s, 0xE817ull << 32 | (uint32_t)code);
    q->cleaned = (uint8_t)aio_task_done(q->task);
    aio__sim_proc_ends(s, q, q->cleaned);
    if (!q->cleaned) { /* (the exit's end is the simulation's: closed now) */
        aio_io_forget(q->ends[3]);
        (void)aio__sim_sock_close(s, q->ends[3]);
    }
}
static void aio__sim_proc_check(aio__sim *s, aio__sim_proc *q);
static void aio__sim_proc_kill(aio__sim *s, aio__sim_proc *q, int signo) {
    aio__sim_proc_check(s, q); /* (a child that has ended stays as it ended) */
    if (q->exited) return;
    q->signo = signo;
    aio__sim_proc_exit(s, q, -signo);
    (void)aio_cancel(q->task);
}
/* Once its task ended: the child exits as the task did (a cancellation for
 * a signal reads -signal), or, killed before, its sockets are closed. */
static void aio__sim_proc_check(aio__sim *s, aio__sim_proc *q) {
    aio_status rc;
    if (q->cleaned || !aio_task_done(q->task)) return;
    if (q->exited) {
        q->cleaned = 1;
        aio__sim_proc_ends(s, q, 1);
        return;
    }
    rc = aio_task_result(q->task);
    if (rc == AIO_ECANCELED && !q->signo) q->signo = AIO__SIGKILL; /* (by no signal: the loop's end kills it) */
    aio__sim_proc_exit(s, q, rc >= 0 ? rc & 255 : rc == AIO_ECANCELED ? -q->signo : 1);
}
/* A turn, or a death due: a child dies (the fault), a child whose task
 * ended exits, and one that has ended and was closed is forgotten. */
static void aio__sim_procs_turn(aio__sim *s) {
    aio__sim_proc **at = &s->procs;
    while (*at) {
        aio__sim_proc *q = *at;
        if (q->dies && !aio__before(s->loop->now, q->dies_at)) {
            q->dies = 0;
            aio__sim_proc_kill(s, q, AIO__SIGKILL);
        }
        aio__sim_proc_check(s, q);
        if (q->cleaned && !q->p) {
            *at = q->next;
            AIO_FREE(q->state);
            AIO_FREE(q);
        } else {
            at = &q->next;
        }
    }
}
/* The simulation ends (no task is alive): its children are closed, those
 * not reaped killed (-9) unless they had ended, as the system's are. */
static void aio__sim_procs_release(aio__sim *s) {
    while (s->children) {
        aio_process *p = s->children;
        aio__sim_proc *q = aio__sim_proc_of(p);
        s->children = p->next;
        aio__sim_proc_check(s, q);
        /* (not exited: only a world ended with tasks alive, by the runner) */
        if (p->state == AIO__PROC_RUNNING) p->returncode = q->exited ? q->code : -AIO__SIGKILL; /* LCOV_EXCL_BR_LINE */
        p->in = p->out = p->err = (aio_socket)-1; /* (the sockets: all closed next) */
        p->pidfd = -1;
        p->state = AIO__PROC_CLOSED;
        p->loop = NULL;
        p->next = NULL;
    }
    while (s->procs) {
        aio__sim_proc *q = s->procs;
        s->procs = q->next;
        AIO_FREE(q->state);
        AIO_FREE(q);
    }
}

/* A child of another loop (started before the simulation, beside it) is
 * the system's: the calls on it are passed on. */
#define AIO__SIM_OWNS(L) (aio__sim_here->loop == (L))
static aio_status aio__sim_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                      aio_loop *L) {
    aio__sim *s = aio__sim_here;
    const aio__sim_program *prog = NULL;
    aio__sim_proc *q;
    aio_sim_child *child;
    char **args;
    char *text;
    size_t at;
    size_t bytes = 0;
    int host = aio__sim_here_host(s);
    int mine[4] = {-1, -1, -1, -1};
    int argc = 0;
    int i;
    if (!AIO__SIM_OWNS(L)) return aio__sys_proc_start(p, argv, opts, L);
    for (i = 0; i < s->nprograms && !prog; i++)
        if (strcmp(s->programs[i].name, argv[0]) == 0) prog = &s->programs[i];
    if (!prog) {
        errno = ENOENT;
        return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the simulation has no program of that name "
                                          "(aio_sim_program)");
    }
    while (argv[argc]) bytes += strlen(argv[argc++]) + 1;
    at = (prog->size + sizeof(char *) - 1) / sizeof(char *) * sizeof(char *);
    q = (aio__sim_proc *)aio__alloc_state(sizeof *q);
    if (q) q->state = (char *)aio__alloc_state(at + (size_t)(argc + 1) * sizeof(char *) + bytes);
    if (!q || !q->state) { /* (out of memory: errno ENOMEM) */
        AIO_FREE(q);
        return AIO_EIO;
    }
    child = (aio_sim_child *)(void *)(q->state + prog->child_offset);
    args = (char **)(void *)(q->state + at);
    text = (char *)(args + argc + 1);
    for (i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        memcpy(text, argv[i], n);
        args[i] = text;
        text += n;
    }
    child->argc = argc;
    child->argv = args;
    for (i = 0; i < 4; i++) q->ends[i] = -1; /* (a failure below closes those made, no other) */
    for (i = 0; i < 4; i++) {
        int mode = i == 0 ? opts->in : i == 1 ? opts->out : i == 2 ? opts->err : AIO_STDIO_PIPE;
        if (mode == AIO_STDIO_STDOUT) q->ends[i] = q->ends[1];
        if (mode == AIO_STDIO_PIPE && aio__sim_pair(s, host, &mine[i], &q->ends[i]) != 0) break;
        if (q->ends[i] >= 0) q->gens[i] = s->socks[q->ends[i]].gen;
    }
    q->task = (aio_task *)(void *)(q->state + prog->task_offset);
    /* out of descriptors (errno EMFILE) for a pipe: those made closed again */
    if (i < 4 || aio_spawn(q->task, prog->fn) < 0) { /* LCOV_EXCL_BR_LINE: (a zeroed task on its loop: spawned) */
        for (i = 0; i < 4; i++) {
            if (mine[i] >= 0) (void)aio__sim_sock_close(s, mine[i]);
            if (q->ends[i] >= 0 && (i != 2 || q->ends[2] != q->ends[1])) (void)aio__sim_sock_close(s, q->ends[i]);
        }
        AIO_FREE(q->state);
        AIO_FREE(q);
        return AIO_EIO;
    }
    child->in = (aio_socket)q->ends[0];
    child->out = (aio_socket)q->ends[1];
    child->err = (aio_socket)q->ends[2];
    memset(p, 0, sizeof *p);
    p->pid = 100 + s->spawned++;
    p->in = (aio_socket)mine[0];
    p->out = (aio_socket)mine[1];
    p->err = (aio_socket)mine[2];
    p->pidfd = mine[3];
    p->state = AIO__PROC_RUNNING;
    q->p = p;
    q->next = s->procs;
    s->procs = q;
    if (aio__sim_chance(s, s->cfg.child_dies)) {
        q->dies = 1;
        q->dies_at = s->loop->now + aio__sim_upto(s, s->cfg.child_life);
        aio__sim_at(s, q->dies_at, AIO__SIM_EV_DIE, -1, 0, NULL);
    }
    return AIO_OK;
}
static int aio__sim_proc_reap(aio_process *p) {
    aio__sim_proc *q;
    if (!AIO__SIM_OWNS(p->loop)) return aio__sys_proc_reap(p);
    if (p->state != AIO__PROC_RUNNING) return 1;
    q = aio__sim_proc_of(p);
    aio__sim_proc_check(aio__sim_here, q);
    if (!q->exited) return 0;
    p->returncode = q->code;
    p->state = AIO__PROC_REAPED;
    (void)aio_close(p->pidfd);
    p->pidfd = -1;
    return 1;
}
static void aio__sim_proc_kill_now(aio_process *p) {
    if (!AIO__SIM_OWNS(p->loop)) {
        aio__sys_proc_kill_now(p);
        return;
    }
    if (p->state != AIO__PROC_RUNNING) return;
    aio__sim_proc_kill(aio__sim_here, aio__sim_proc_of(p), AIO__SIGKILL);
    (void)aio__sim_proc_reap(p);
}
static int aio__sim_proc_send(aio_process *p, int signo) {
    aio__sim_proc *q;
    if (!AIO__SIM_OWNS(p->loop)) return aio__sys_proc_send(p, signo);
    q = aio__sim_proc_of(p);
    switch (aio__sys_signal_effect(signo)) {
    case AIO__SIGNAL_NONE: return -1;
    case AIO__SIGNAL_ENDS: aio__sim_proc_kill(aio__sim_here, q, signo); break;
    default:
        aio__sim_proc_check(aio__sim_here, q);
        if (!q->exited) {
            q->signo = signo;
            (void)aio_cancel(q->task);
        }
    }
    return 0;
}
static void aio__sim_proc_release(aio_process *p) {
    if (!AIO__SIM_OWNS(p->loop)) {
        aio__sys_proc_release(p);
        return;
    }
    aio__sim_proc_of(p)->p = NULL;
}
static aio_status aio__sim_pipe_read(int fd, void *buf, size_t len) {
    return aio__sim_recv(fd, buf, len, "AIO_COMMUNICATE");
}
static aio_status aio__sim_pipe_write(int fd, const void *buf, size_t len) {
    return aio__sim_send(fd, buf, len, "AIO_COMMUNICATE");
}
/* The simulation's loop keeps its children; another loop's are the system's. */
static aio_process **aio__sim_children_of(aio_loop *L) {
    return AIO__SIM_OWNS(L) ? &aio__sim_here->children : aio__sys_children_of(L);
}
#endif /* AIO__SIM */
#endif /* AIO__PROCESSES */

