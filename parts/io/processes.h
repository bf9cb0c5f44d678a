// >>processes
/* ------------------------------------------------------------------------ */
/* Child processes                                                            */
/* ------------------------------------------------------------------------ */

/* asyncio.create_subprocess_exec, stopped Trio's way. aio_process_spawn
 * starts a program with its standard input, output and error each inherited,
 * sent to the null device, or a pipe to this process (p->in, p->out, p->err:
 * non-blocking; AIO_SEND_ALL to p->in, aio_stream_init or AIO_RECV on
 * p->out). Its exit is awaited with a deadline (AIO_PROCESS_WAIT), alone or
 * with its input fed and its output collected (AIO_COMMUNICATE). The child
 * gets those three streams and nothing else of this process's (no other
 * descriptor or inheritable handle), as asyncio's. POSIX builds: fork and
 * exec; the exit is a pidfd on Linux 5.3 and later (a descriptor like any
 * other), SIGCHLD elsewhere or where pidfd is refused (it wakes every loop
 * with children, in any thread, each asking only its own; the program's
 * own SIGCHLD action is put back when the last such loop is destroyed;
 * one that has the system reap children, SIG_IGN, is replaced by the
 * library's handler meanwhile, pidfd or not, so that exit statuses are not
 * lost).
 * On POSIX a child's own children outlive it unless p->group, set before
 * the spawn, puts it in a process group of its own: then every signal
 * goes to the whole group, and aio_process_close ends what is left of it
 * (the child, once ended, is left unreaped until then, so that the
 * group's id stays its own).
 * Windows: CreateProcess, the child in a job object (its own children end
 * with it), its pipes relayed to sockets by threads (p->in, p->out, p->err
 * are sockets there); SIGTERM and SIGKILL both end the job at once (no
 * grace: Windows cannot ask first), read back as -15 and -9.
 * AIO_NO_PROCESSES leaves this out (on Windows, AIO_NO_THREADS too).
 *
 * Stopping: an await's own deadline (d) leaves the child running
 * (AIO_ETIMEDOUT: wait again, or stop it), as asyncio's wait_for does. A
 * cancellation of the awaiting task, or the deadline of a block around the
 * await, stops it as Trio does: SIGTERM, then SIGKILL once its grace period
 * (aio_process_set_grace, AIO_PROCESS_GRACE: 5 s) has passed, or at once if
 * a new cancellation comes meanwhile; the await returns once the child was
 * reaped. AIO_PROCESS_STOP does the same from a cleanup section. No path
 * leaves a zombie or a pipe: aio_process_close (kill, reap and close what is
 * left) belongs in the cleanup of the task that spawned it, and
 * aio_loop_destroy does it for every child still open. */
enum {
    AIO_STDIO_INHERIT = 0, /* the child's stream is this process's */
    AIO_STDIO_PIPE,        /* a pipe to this process (asyncio.subprocess.PIPE) */
    AIO_STDIO_DEVNULL,     /* the null device (asyncio.subprocess.DEVNULL) */
    AIO_STDIO_STDOUT       /* standard error only: where standard output goes */
};
typedef struct aio_process_options {
    const char *const *env; /* "NAME=value" strings, NULL-ended; NULL: this process's */
    const char *cwd;        /* its working directory; NULL: this process's */
    int in, out, err;       /* AIO_STDIO_... for its standard input, output, error */
} aio_process_options;
/* A child process. Zero-initialise it before its first spawn; it may be
 * spawned again once closed. It is the loop's from its spawn to its close:
 * keep it in memory that lives that long (the task's state struct, with the
 * close in the task's AIO_FINALLY). Read pid, in, out and err; set group
 * before the spawn if you want it (it stays for p's later spawns); close
 * the pipes only through aio_process_end_input and aio_process_close. */
typedef struct aio_process {
    int pid;              /* its process id */
    aio_socket in;        /* AIO_STDIO_PIPE: the write end of its standard input, else -1 */
    aio_socket out;       /* ... the read end of its standard output, else -1 */
    aio_socket err;       /* ... the read end of its standard error, else -1 */
    /* the library's */
    struct aio_process *next; /* among its loop's children */
    aio_loop *loop;
    aio_task *waiter;     /* a task waiting for its exit (SIGCHLD) */
    aio_time grace;       /* from SIGTERM to SIGKILL when stopped */
    aio_time kill_at;     /* when SIGKILL is due, once stopping */
    int pidfd;            /* readable once it exited (-1: SIGCHLD tells) */
    int returncode;       /* once reaped: exit code, or -signal */
#ifdef _WIN32
    void *handle;         /* its process handle */
    void *job;            /* its job object (NULL: none could be made) */
    void *threads[4];     /* the threads that wait for its exit, relay its in, out, err */
#endif
    union aio__view view; /* the awaiting task's, kept while a cancellation stops it */
    uint8_t state;        /* running, reaped, closed */
    uint8_t stopping;     /* 0, SIGTERM sent, SIGKILL sent */
    uint8_t group;        /* yours to set before its spawn (POSIX): nonzero puts the child
                             in a process group of its own (see above) */
} aio_process;
/* Start argv[0] (searched in PATH, the child's environment's if env gives
 * one, when it has no '/') with arguments argv (NULL-ended), on the running
 * loop: AIO_OK; AIO_ENOTFOUND (no such program or working directory),
 * AIO_ENOEXEC (not executable: errno says why), AIO_EINVAL (bad input),
 * AIO_EBUSY (p is open), AIO_EIO (errno: out of processes, descriptors).
 * Nothing is left behind when it fails. opts NULL: everything inherited. */
AIO_API aio_status aio_process_spawn(aio_process *p, const char *const argv[], const aio_process_options *opts);
/* proc.send_signal(signo), proc.terminate() (SIGTERM), proc.kill() (SIGKILL):
 * AIO_OK, or AIO_EINVAL (not running: reaped already, or never spawned). */
AIO_API aio_status aio_process_signal(aio_process *p, int signo);
AIO_API aio_status aio_process_terminate(aio_process *p);
AIO_API aio_status aio_process_kill(aio_process *p);
/* The grace period a stop gives between SIGTERM and SIGKILL (0: SIGKILL at once). */
AIO_API aio_status aio_process_set_grace(aio_process *p, aio_time grace);
/* proc.returncode: its exit code (0-255), -signal if a signal ended it, or
 * AIO_EINPROGRESS while its exit has not been awaited. */
AIO_API int aio_process_returncode(const aio_process *p);
/* proc.stdin.close(): close its standard input's pipe (it reads the end). */
AIO_API aio_status aio_process_end_input(aio_process *p);
/* Kill it if it still runs (SIGKILL: this waits the moment a killed process
 * takes to end), reap it, close its pipes and give it back: AIO_OK;
 * AIO_EBUSY while a task awaits it. A closed or zeroed p: AIO_OK. */
AIO_API aio_status aio_process_close(aio_process *p);
/* What AIO_COMMUNICATE feeds and collects: input[0..input_len) is written to
 * the child's standard input (then closed); its output and error go into
 * out[0..out_size) and err[0..err_size) (NULL, 0: read and dropped).
 * out_len and err_len count every byte the child wrote, as snprintf counts:
 * more than the size means the rest was dropped. Zero-initialise it; an
 * await that timed out may be repeated with it, and goes on where it was. */
typedef struct aio_communicate {
    const void *input;
    size_t input_len;
    char *out;
    size_t out_size, out_len;
    char *err;
    size_t err_size, err_len;
    size_t input_done; /* the library's: how much of the input was written */
} aio_communicate;

