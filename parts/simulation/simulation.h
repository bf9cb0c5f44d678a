// >>simulation
/* ------------------------------------------------------------------------ */
/* Simulation: your program under seeded hardship, replayable by seed         */
/* ------------------------------------------------------------------------ */

/* Compiled in where AIO_SIMULATION is defined (in every file that includes
 * this header: it adds declarations) on a hosted build with sockets; a
 * program built without it carries none of it. See docs/simulation.md.
 *
 * A simulation takes a loop over: the virtual clock, plus a seeded stream of
 * hardship in what the world leaves open (a timer that fires late, never
 * early; the time each turn of the loop takes; when bytes, datagrams and
 * connections arrive; when a call on the thread pool lands) and the faults
 * a test asks for. The order the library's rules fix within one instant is
 * never changed: only *when* things happen. While it lives, every socket
 * call made on its thread (AIO_TCP_CONNECT, AIO_ACCEPT, AIO_RECV, streams,
 * datagrams, aio_tcp_listen, aio_close, ...) goes to an in-memory network
 * of named hosts instead of the system's; AIO_TO_THREAD and AIO_LOOKUP run
 * their call on the loop's thread at once and deliver its result at a
 * seeded time; aio_process_spawn starts a program of the simulation's
 * (aio_sim_program). The same seed gives the same run, byte for byte.
 *
 * A runner runs the scenario many times in one process, so what a run
 * keeps must start afresh each time: move the program's statics into the
 * scenario's state struct, which AIO_SIM_RUN zeroes for each run
 * (`static int answered;` becomes a member `answered` of it, read as
 * s->answered; another task reaches it through a pointer in its own state).
 * Two traces of one seed differ in addresses (and socket numbers): number
 * the 0x... values in the order they first appear before comparing
 * (docs/simulation.md, "Replaying a seed"). */
#ifdef AIO_SIMULATION
typedef struct aio_sim_config {
    uint64_t seed;          /* the run's seed (aio_sim_run sets it for each run) */
    /* when things happen: each a bound, drawn uniformly from 0 to it */
    aio_time timer_late;    /* how late a timer fires (the loop woke late) */
    aio_time step;          /* how long each turn of the loop takes */
    aio_time latency;       /* a packet's one-way trip (fixed part) */
    aio_time jitter;        /* ... plus up to this much */
    aio_time call;          /* how long a call on the thread pool takes (an event its
                               function sets is set at a time drawn up to its landing) */
    uint32_t bandwidth;     /* bytes per second one way of a connection (0: no limit) */
    uint32_t buffer;        /* bytes a connection holds one way before a send waits:
                               what is on its way and what the reader has not read
                               (0: 65,536); datagrams a socket keeps, in bytes */
    /* faults: each a probability from 0 to 1, drawn at each chance */
    double short_recv;      /* a receive returns fewer bytes than it could */
    double short_send;      /* a send takes fewer bytes than it could */
    double reset;           /* a send resets its connection (both ends: AIO_ECONNRESET) */
    double refuse;          /* a connect is refused (AIO_ECONNREFUSED) */
    double lookup_fail;     /* a name does not resolve (AIO_ENOTFOUND) */
    double timer_full;      /* timer storage cannot grow (the await: AIO_ENOSPC), on a
                               loop with a growth hook (aio_loop_set_grow, before
                               aio_sim_start; aio_sim_run's loops have one) */
    double loss;            /* a datagram is lost */
    double reorder;         /* a datagram is held back up to twice the latency */
    double child_dies;      /* a child process (aio_sim_program) is killed (SIGKILL: its
                               returncode -9), drawn at its spawn ... */
    aio_time child_life;    /* ... at a time up to this long after it (one that has
                               ended by then is left as it ended) */
    double alloc_fails;     /* memory runs out: the state of a wait or a call (a connect,
                               AIO_TO_THREAD, AIO_LOOKUP, a child's spawn) cannot be
                               allocated, and it fails with AIO_EIO (errno ENOMEM) */
} aio_sim_config;

/* Simulate on `loop` (initialised, no I/O yet; its clock becomes virtual at
 * 0) until aio_loop_destroy. AIO_OK, AIO_EINVAL (bad config), AIO_EBUSY
 * (the loop waits for I/O already, or a simulation runs on this thread). */
AIO_API aio_status aio_sim_start(aio_loop *loop, const aio_sim_config *config);
/* 1 while a simulation runs on this thread, else 0. */
AIO_API int aio_sim_active(void);
/* aio_spawn, the task (and what it spawns) running on host `name`: its
 * sockets are that host's, 127.0.0.1 is that host, and other hosts reach
 * its listeners by its name (AIO_TCP_CONNECT, AIO_LOOKUP) or its address.
 * A host is made at its first mention; tasks spawned otherwise run on host
 * "main". Outside a simulation: aio_spawn. */
AIO_API aio_status aio_sim_spawn(const char *host, aio_task *t, aio_task_fn fn);
/* Cut (cut = 1) or heal (0) the network between hosts a and b: a datagram is
 * lost, a segment or connect sent again as TCP does (given up: AIO_EIO). */
AIO_API aio_status aio_sim_partition(const char *a, const char *b, int cut);
/* A seeded number from 0 to n - 1 (n >= 1), for a scenario's own choices. */
AIO_API uint32_t aio_sim_random(uint32_t n);
/* A check of the scenario: ok, returned; if 0, the run fails with `what`
 * (the first failed check is the one reported). */
AIO_API int aio_sim_check(int ok, const char *what);
/* The seed of the run on this thread, and what it did so far as one number:
 * every record of the instruments (tasks counted in order of appearance, so
 * no address counts) and every packet. Two runs of one seed give one. */
AIO_API uint64_t aio_sim_seed(void);
AIO_API uint64_t aio_sim_digest(void);
/* Keep the run's records in `r` as well (NULL: stop), for aio_recorder_dump.
 * (aio_loop_set_instrument on a simulated loop adds your instrument after
 * the simulation's own, which stays: it numbers the tasks.) */
AIO_API void aio_sim_record(aio_recorder *r);

/* Child processes. A simulation runs no real program (its time is real: a
 * replay could not repeat it); a program stands in for one. A spawn whose
 * argv[0] is `name` starts the task `fn` as the child, on the spawning
 * task's host, in a state of `size` bytes (zeroed, freed once the child has
 * ended and was closed) holding that task at `task_offset` and what the
 * child is given at `child_offset`: AIO_SIM_PROGRAM gives them for a struct
 * with members `task` and `child`. Its standard streams are pipes to the
 * parent where the spawn asks for AIO_STDIO_PIPE (AIO_STDIO_STDOUT: err is
 * out), else -1: nothing (the environment and working directory are not
 * simulated). Its exit code is what fn returns (0-255), 1 if it fails; a
 * child still running when the loop ends is killed (-9).
 * SIGTERM (on POSIX, any signal but SIGKILL) cancels its task: if the task
 * ends by that cancellation the child reads -signal, else as it returned.
 * SIGKILL (on Windows, SIGTERM too) and the fault child_dies end it at once:
 * the parent sees its exit and its pipes' ends; its task is cancelled, its
 * pipes already cut (what it reads or writes there fails, unseen). A spawn
 * of a name with no program is AIO_ENOTFOUND. Programs belong to the
 * simulation: register them after aio_sim_start (in the scenario, under the
 * runner), at most 16, names of 31 bytes at most (a name given again: its
 * program replaced). AIO_OK, AIO_EINVAL (no simulation, a bad name, fn
 * NULL, a state too small or overlapping), AIO_ENOSPC (16 already). */
typedef struct aio_sim_child {
    int argc;
    char **argv;             /* the spawn's arguments, copied (NULL-ended) */
    aio_socket in, out, err; /* its ends of the pipes: it reads in, writes out and err (-1: none) */
} aio_sim_child;
AIO_API aio_status aio_sim_program(const char *name, aio_task_fn fn, size_t size, size_t task_offset,
                                   size_t child_offset);
#define AIO_SIM_PROGRAM(name, type, fn) \
    aio_sim_program((name), (fn), sizeof(type), offsetof(type, task), offsetof(type, child))

/* The runner: the scenario `fn` as the main task of a fresh simulated loop,
 * its state (a struct with its aio_task as member `task`) zeroed for each
 * run, for seeds first .. first + seeds - 1, or until `seconds` of real
 * time have passed. It stops at the first run that fails (a check failed,
 * or the main task ended with an error), prints its seed and how to replay
 * it, and writes its trace for tools/aio_trace.py. With the environment
 * variable AIO_SIM_SEED=N it runs seed N alone and writes its trace.
 * Returns 0 (every run passed), 1 (one failed: opts->failed_seed),
 * AIO_EIO (no memory for a run: it stops there), or AIO_EINVAL. */
typedef struct aio_sim_options {
    aio_sim_config config;  /* the hardship (its seed is set for each run) */
    uint64_t first;         /* the first seed (0: 1) */
    uint64_t seeds;         /* how many (0: until `seconds`) */
    double seconds;         /* real time at most, by the monotonic clock (0: no limit) */
    const char *trace;      /* where the failing run's trace goes (NULL: aio-sim-trace.txt;
                               "": nowhere) */
    void *arg;              /* for the scenario: aio_sim_arg() */
    int quiet;              /* 1: print nothing */
    /* what it found */
    uint64_t runs;          /* runs done */
    uint64_t failed_seed;   /* the seed that failed (0: none) */
    uint64_t digest;        /* every run's digest, combined in order */
    char message[160];      /* why it failed */
} aio_sim_options;
AIO_API int aio_sim_run(aio_sim_options *opts, size_t state_size, size_t task_offset, aio_task_fn fn);
#define AIO_SIM_RUN(opts, type, fn) aio_sim_run((opts), sizeof(type), offsetof(type, task), (fn))
/* The running runner's opts->arg (NULL outside one). */
AIO_API void *aio_sim_arg(void);
#endif

