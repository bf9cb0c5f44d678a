// >>sim-world
/* ------------------------------ simulation: its world, the draws, the hosts */

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
#endif /* AIO__SIM */
