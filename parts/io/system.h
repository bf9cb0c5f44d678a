// >>system
/* ------------------------------------------------- the system's interface */

/* Everything the library asks of the system, as named functions that each
 * system backend defines once (a part of its own: "POSIX", "Windows"; the
 * configuration in "Implementation" picks one and includes its headers).
 * The shared sections call these names and hold no platform #if; a
 * backend that lacks one does not compile (the name is used, never
 * defined), and one defined with another shape is a conflicting
 * declaration of that name. docs/internals.md, "Adding a backend", is the
 * recipe; tests/checks/backend_names.py keeps it and this list true.
 *
 *   the vocabulary: the types aio__socklen, aio__pollfd, the macros
 *       AIO__SOCK (a socket's number as the system's handle), aio__poll,
 *       and aio__net_last, aio__net_set_last, aio__net_would_block,
 *       aio__net_interrupted, aio__net_in_progress, aio__net_exhausted
 *       (the last error and what it means), aio__net_error (an error's
 *       status), aio__nonblocking, aio__socket_private, aio__sock_private,
 *       aio__sock_setup (a socket made, made private, a stream's set up),
 *       aio__net_closesocket, aio__net_need (the system's sockets started,
 *       where they must be);
 *   the wake pair, what a wait may be woken by from elsewhere (a pipe, a
 *       pair of sockets): aio__wake_pair_open, aio__wake_pair_write,
 *       aio__wake_pair_drain;
 *   the system's wait: aio__sys_wait_open (a loop's aio__sysio: what the
 *       system needs first, then aio__readiness_open; NULL if it cannot
 *       be), aio__sys_wait_close (all of it let go); for the poll wait,
 *       aio__sys_poll and aio__net_can_watch;
 *   signals: aio__sys_signal_check (NULL: a number the system routes,
 *       else why not), aio__sys_signal_catch (the handler installed: 1, or
 *       0), aio__sys_signal_default (the system's own action back),
 *       aio__sys_signal_target (the waker of the loop the handler wakes,
 *       aio__readiness_waker's; -1: none, the loop it belongs to is gone),
 *       aio__sys_signal_wake (the handler's wake), aio__sys_signal_caught
 *       and aio__sys_signals_look (a backend's own work of a signal, in the
 *       handler and at each wait: POSIX's SIGCHLD), the flag type
 *       aio__sig_flag and AIO__SIG_SET, AIO__SIG_TAKE, AIO__SIG_CLEAR (set
 *       from a handler, taken by the loop);
 *   threads and locks (with AIO__THREADS): the types aio__thread,
 *       aio__mutex, aio__cond, aio__wall, the calls aio__lock, aio__unlock,
 *       aio__wait_for_work, aio__signal_work, aio__broadcast_work,
 *       aio__mutex_init, aio__mutex_done, aio__cond_init, aio__cond_done,
 *       aio__wall_after, aio__wait_until, aio__thread_new,
 *       aio__thread_join, aio__thread_detach, and AIO__THREAD_MAIN(name,
 *       arg) (a thread's function as the system calls it);
 *   Unix domain sockets: aio__sys_unix_listen, aio__sys_unix_connect,
 *       aio__sys_unix_connect_poll (where the system has none: each says
 *       so, as a misuse), aio__sys_unix_file (a listener's socket file
 *       noted, then removed if still the one noted; where there is none:
 *       nothing);
 *   the simulation's pairs (with AIO__SIM): aio__sys_pair_new (a socket's
 *       number and its far end, connected, with the number's identity),
 *       aio__sys_pair_same (whether a number still has that identity),
 *       aio__sys_pair_floor (the least number for a far end),
 *       aio__sys_pairs_start, aio__sys_pairs_end (a simulation's first and
 *       last need of them), aio__sys_signal_effect (what a signal does to a
 *       simulated child, as to a real one: AIO__SIGNAL_...);
 *   the table's functions ("the platform's table", in "the platform's
 *       sockets"): its process slots, aio__sys_proc_start ...
 *       aio__sys_pipe_write, and aio__children_done (the loop's last child
 *       is gone); its socket slots, written once for the Berkeley calls of
 *       both in "what POSIX and Windows share" from the helpers that
 *       section names; the pool's and the lookup's, the same on both.
 *
 * The simulation is the one backend picked at run time: a table of its
 * own (aio__sim_platform), installed while it runs; docs/internals.md
 * ("The simulation") names the hooks it reaches the core through. */
#ifdef AIO__SOCKETS
/* The system's wait of a loop: its aio_io (first: the loop's io points
 * here), and what every wait keeps beside it. The readiness wait picked
 * (below) makes it the first member of a larger struct of its own
 * (aio__readiness_open makes it, aio__readiness_close frees it). */
typedef struct aio__sysio {
    aio_io io;
    aio_loop *loop;
    void *pool;      /* the worker threads, once a blocking call needed them */
    uint8_t run;     /* aio_run's turns: 0 unknown, 1 in aio_run, 2 its idle wait woke nothing */
    uint8_t settle;  /* on the virtual clock, the wait before a jump waits this long (ms) */
    uint32_t moved_seen; /* aio__io_moved at the last such wait (see aio__sysio_settle) */
#ifdef AIO__PROCESSES
    aio_process *children; /* spawned and not closed */
    int sigchld;     /* SIGCHLD tells this loop of its children's exits */
    unsigned sigchld_seen;          /* (POSIX) the count of SIGCHLDs it has looked after */
    struct aio__sysio *sigchld_next; /* (POSIX) the next loop SIGCHLD tells */
#endif
} aio__sysio;

/* The readiness wait's seam. Each wait is one part (>>wait-NAME: epoll,
 * poll() and WSAPoll), compiled where the configuration (>>impl) defines
 * its AIO__WAIT_NAME, on one line; the part refuses to compile beside
 * another one picked, or where its system is not, and >>sysio where none
 * is. It gives these names, declared here (a part that gives one in
 * another shape does not compile; one that does not give it does not
 * link), and nothing else of it is seen outside the part:
 *   aio__readiness_open     the loop's aio__sysio, zeroed, first in the
 *                           wait's own struct; its set made, its wake-up
 *                           made and watched: NULL, with nothing of it
 *                           left, if it cannot be
 *   aio__readiness_close    all of it let go
 *   aio__readiness_watch    the port's watch (aio_io's): fd's events now
 *   aio__readiness_wait     the port's wait: ready descriptors told with
 *                           aio_io_ready, its wake-up drained, signals
 *                           delivered (aio__deliver_signals)
 *   aio__readiness_grow     the slots grow from io.nslots to n (a wait
 *                           with something per descriptor grows it too)
 *   aio__readiness_waker    what wakes it, for another thread, the pool's
 *                           workers and a signal handler
 *   aio__readiness_wake     the wake (from any thread; on POSIX, from a
 *                           signal handler too)
 * and, defined or not, what a wait does that the tests ask of it (what it
 * does, never which one it is): AIO__WAIT_FORGETS_CLOSED (a descriptor
 * closed leaves the set by itself, and one opened again under its number
 * is not watched until watched again), AIO__WAIT_TABLE_GROWS (an array of
 * the watched descriptors, the wake-up first, grown as they are added),
 * AIO__WAIT_OWN_DESCRIPTOR (the set is a descriptor of its own),
 * AIO__WAIT_RECORD_PER_SOCKET (memory allocated for each socket watched);
 * and one the shared sections ask: AIO__WAIT_TELLS_LATE (readiness is told
 * some time after it comes, so the virtual clock looks again before it
 * jumps to a wait's deadline: aio__sysio_settle). */
typedef intptr_t aio__waker; /* a descriptor, a socket or a handle; -1: none */
static aio__sysio *aio__readiness_open(void);
static void aio__readiness_close(aio__sysio *s);
static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events);
static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline);
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n);
static aio__waker aio__readiness_waker(const aio__sysio *s);
static void aio__readiness_wake(aio__waker k);

/* Whether loop L waits through the system's wait: its grow is the one
 * thing of it that the pool, once started, does not wrap. */
#define AIO__SYSTEM_PORT(L) ((L)->io->grow == aio__sysio_grow)

/* What the backends call of the shared sections. */
static aio_status aio__net_result(long n, const char *what, int fd);
static size_t aio__net_chunk(size_t len);
static int aio__io_timeout(aio_loop *L, aio_time deadline);
static void aio__deliver_signals(aio_loop *L);
static int aio__sig_waiting(void);
static void aio__sock_setup(int fd);
static aio_status aio__net_recv(int fd, void *buf, size_t len, const char *what);
static aio_status aio__net_send(int fd, const void *buf, size_t len, const char *what);

/* The backends' names (the list above) that the shared sections call
 * before their definitions. */
static int aio__net_last(void);
static void aio__net_set_last(int err);
static int aio__net_would_block(int err);
static int aio__net_interrupted(int err);
static int aio__net_in_progress(int err);
static int aio__net_exhausted(void);
static aio_status aio__net_error(int err, const char *what, int fd);
static void aio__nonblocking(int fd);
static int aio__socket_private(int family, int type);
static void aio__sock_private(int fd);
static int aio__net_closesocket(int fd);
static void aio__net_need(void);
/* What aio__net_claim (each backend's) is told a socket it binds is: 0 a
 * datagram socket, 1 a listener, AIO__CLAIM_SHARED a listener that shares
 * its port with others (AIO__REUSE_PORT, where the system has it). */
enum { AIO__CLAIM_SHARED = 2 };
/* (the wake pair's calls that a wait with a wake-up of its own, as AFD
 * poll's, leaves to the backend's other uses: no warning where unused) */
#if defined(__GNUC__) || defined(__clang__)
#define AIO__MAY_BE_UNUSED __attribute__((unused))
#else
#define AIO__MAY_BE_UNUSED
#endif
static int aio__wake_pair_open(int p[2]);
AIO__MAY_BE_UNUSED static void aio__wake_pair_write(int fd);
AIO__MAY_BE_UNUSED static void aio__wake_pair_drain(int fd);
static aio__sysio *aio__sys_wait_open(aio_loop *L);
static void aio__sys_wait_close(aio__sysio *s);
#ifdef AIO__WAIT_TELLS_LATE
/* A wait that tells readiness late also says whether a socket a task waits
 * on is ready now, for the way it waits (asking the system, not waiting). */
static int aio__readiness_ready_now(const aio__sysio *s);
#endif
#ifdef AIO__WAIT_POLL
static int aio__sys_poll(struct pollfd *fds, uint32_t n, int ms);
static aio_status aio__net_can_watch(int fd);
#endif
#ifdef AIO__SIGNALS
#if defined(NSIG)
#define AIO__NSIG NSIG
#elif defined(_NSIG)
#define AIO__NSIG _NSIG
#else
#define AIO__NSIG 65
#endif
static int aio__sig_routed(int signo);
static void aio__sig_handler(int signo);
static const char *aio__sys_signal_check(int signo, int cancel);
static int aio__sys_signal_catch(int signo);
static void aio__sys_signal_default(int signo);
static void aio__sys_signal_target(aio__waker k);
static void aio__sys_signal_wake(void);
#endif
static aio_status aio__sys_unix_listen(const char *path, int backlog, int simulated);
static aio_status aio__sys_unix_connect(aio_task *t, aio_frame *f, const char *path, aio_time until,
                                        int simulated);
static aio_status aio__sys_unix_connect_poll(aio_task *t, aio_frame *f);
static void aio__sys_unix_file(void **note, int listener);

/* The wake pair let go: both ends closed. */
AIO__MAY_BE_UNUSED static void aio__wake_pair_close(const int p[2]) {
    (void)aio__net_closesocket(p[0]);
    (void)aio__net_closesocket(p[1]);
}

#ifdef AIO__PROCESSES
enum { AIO__PROC_NONE, AIO__PROC_RUNNING, AIO__PROC_REAPED, AIO__PROC_CLOSED };
enum { AIO__STOP_NONE, AIO__STOP_TERM, AIO__STOP_KILL };
#define AIO__PROC_PARKED 4      /* (in stopping's high bits: parked on its exit alone) */
#define AIO__PROC_CANCELLED 8   /* (a cancellation is stopping it: the await raises it) */
#define AIO__PROC_STOP_MASK 3
#define AIO__SIGKILL 9          /* (Windows' <signal.h> has no SIGKILL) */

static aio__sysio *aio__sysio_of(aio_loop *L) { return (aio__sysio *)(void *)L->io; }
static void aio__proc_close_pipes(aio_process *p, int system);
static void aio__children_done(aio__sysio *s);
/* What a signal does to a child (aio__sys_signal_effect: the simulation's
 * children take them as the platform's do). */
enum { AIO__SIGNAL_NONE, AIO__SIGNAL_ENDS, AIO__SIGNAL_DELIVERED };
#endif
#endif /* AIO__SOCKETS */
