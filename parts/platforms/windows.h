// >>windows
/* ---------------------------------------------------------------- Windows */

/* The Windows backend: every name of "the system's interface", on
 * Winsock 2 and WSAPoll, console events, Win32 threads and CreateProcess. */
#ifdef AIO__WIN32_IO
/* ---- the vocabulary: Winsock's errors, sockets made private */
typedef int aio__socklen;
typedef WSAPOLLFD aio__pollfd;
#define AIO__SOCK(fd) ((SOCKET)(uintptr_t)(unsigned)(fd))
#define aio__poll(fds, n, ms) WSAPoll((fds), (ULONG)(n), (ms))
static int aio__net_last(void) { return WSAGetLastError(); }
static int aio__net_would_block(int err) { return err == WSAEWOULDBLOCK; }
static int aio__net_interrupted(int err) { return err == WSAEINTR; }
static int aio__net_in_progress(int err) { return err == WSAEWOULDBLOCK || err == WSAEINPROGRESS; }
static void aio__net_set_last(int err) { WSASetLastError(err); }
/* The last call failed for want of descriptors or buffers (it may work later). */
static int aio__net_exhausted(void) {
    int err = WSAGetLastError();
    return err == WSAEMFILE || err == WSAENOBUFS;
}
static void aio__nonblocking(int fd) {
    u_long one = 1;
    (void)ioctlsocket(AIO__SOCK(fd), (long)FIONBIO, &one);
}
/* A new SOCKET as the library's int, or -1 (none, or one beyond an int:
 * closed; not seen in practice). */
static int aio__net_own(SOCKET s) {
    if (s == INVALID_SOCKET) return -1;
    if (s > (SOCKET)INT_MAX) { /* LCOV_EXCL_START */
        (void)closesocket(s);
        WSASetLastError(WSAEMFILE);
        return -1;
    } /* LCOV_EXCL_STOP */
    return (int)s;
}
static int aio__net_closesocket(int fd) { return closesocket(AIO__SOCK(fd)) == 0 ? 0 : -1; }
#ifdef WSA_FLAG_NO_HANDLE_INHERIT
#define AIO__WSA_NO_INHERIT WSA_FLAG_NO_HANDLE_INHERIT
#else
#define AIO__WSA_NO_INHERIT 0x80 /* (Windows 7 SP1's; older SDKs lack its name) */
#endif
static int aio__socket_private(int family, int type) {
    SOCKET s = WSASocketW(family, type, 0, NULL, 0, WSA_FLAG_OVERLAPPED | AIO__WSA_NO_INHERIT);
    if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) { /* LCOV_EXCL_START: before Windows 7 SP1 */
        s = socket(family, type, 0);
        if (s != INVALID_SOCKET) (void)SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
    } /* LCOV_EXCL_STOP */
    return aio__net_own(s);
}
/* The status of system error `err` on socket fd. */
static aio_status aio__net_error(int err, const char *what, int fd) {
    switch (err) {
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN: return AIO_ECONNRESET;
    case WSAECONNREFUSED: return AIO_ECONNREFUSED;
    case WSAENOTSOCK: return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket");
    case WSAEINVAL:
    case WSAEOPNOTSUPP: return aio__bad_fd(AIO_EBADF, what, fd, "is not a socket of that kind (listening? connected?)");
    default: WSASetLastError(err); return AIO_EIO;
    }
}
/* A socket made private: non-blocking, not inherited by child processes. */
static void aio__sock_private(int fd) {
    aio__nonblocking(fd);
    (void)SetHandleInformation((HANDLE)AIO__SOCK(fd), HANDLE_FLAG_INHERIT, 0);
}
/* The library's stream sockets: private, TCP_NODELAY (no SIGPIPE on Windows). */
static void aio__sock_setup(int fd) {
    int one = 1;
    aio__sock_private(fd);
    (void)setsockopt(AIO__SOCK(fd), IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
}

/* The wake-up of the system's wait: a connected pair of sockets (WSAPoll
 * waits for sockets only), p[0] waited on, p[1] written. */
/* The connection from `from` accepted on listener l: a socket, or -1. One
 * from anywhere else (another program may connect to the port first) is
 * closed and the next accepted, up to 16 of them (CPython's socketpair()
 * refuses it since CVE-2024-3219). The wake-up pair's and the simulation's
 * pairs (aio__sim_pair_new) are made so. */
static int aio__pair_accept(int l, const struct sockaddr_in *from) {
    int tries;
    for (tries = 0; tries < 16; tries++) {
        struct sockaddr_in peer;
        int sl = sizeof peer;
        int s = aio__net_own(accept(AIO__SOCK(l), (struct sockaddr *)&peer, &sl));
        if (s < 0) return -1; /* LCOV_EXCL_LINE: out of sockets */
        if (sl == (int)sizeof peer && peer.sin_family == AF_INET && peer.sin_port == from->sin_port &&
            peer.sin_addr.s_addr == from->sin_addr.s_addr)
            return s;
        (void)closesocket(AIO__SOCK(s)); /* LCOV_EXCL_LINE: not the connection made */
    }
    return -1; /* LCOV_EXCL_LINE */
}
static int aio__wake_pair_open(int p[2]) {
    /* a loopback connection made to a listener of its own, then closed */
    struct sockaddr_in a;
    struct sockaddr_in mine;
    int sl = sizeof a;
    int ml = sizeof mine;
    int l = aio__socket_private(AF_INET, SOCK_STREAM);
    int c = -1;
    int s = -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (l >= 0 && bind(AIO__SOCK(l), (struct sockaddr *)&a, sizeof a) == 0 && listen(AIO__SOCK(l), 1) == 0 &&
        getsockname(AIO__SOCK(l), (struct sockaddr *)&a, &sl) == 0 &&
        (c = aio__socket_private(AF_INET, SOCK_STREAM)) >= 0 &&
        connect(AIO__SOCK(c), (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(AIO__SOCK(c), (struct sockaddr *)&mine, &ml) == 0)
        s = aio__pair_accept(l, &mine);
    if (l >= 0) (void)aio__net_closesocket(l);
    p[0] = s;
    p[1] = c;
    if (p[0] < 0 || p[1] < 0) { /* LCOV_EXCL_START: out of sockets */
        if (p[0] >= 0) (void)aio__net_closesocket(s);
        if (p[1] >= 0) (void)aio__net_closesocket(c);
        return -1;
    } /* LCOV_EXCL_STOP */
    aio__sock_setup(p[0]);
    aio__sock_setup(p[1]);
    return 0;
}
static void aio__wake_pair_write(int fd) { /* (a full pair has a wake-up pending) */
    (void)send(AIO__SOCK(fd), "", 1, 0);
}
static void aio__wake_pair_drain(int fd) {
    char buf[64];
    while (recv(AIO__SOCK(fd), buf, sizeof buf, 0) > 0) {
    }
}

/* Winsock is started when the first socket is needed: once by each loop that
 * waits for I/O (cleaned up by aio_loop_destroy), and once for good by a
 * socket call made with no loop. */
static int aio__wsa_start(void) {
    WSADATA data;
    return WSAStartup(MAKEWORD(2, 2), &data) == 0 ? 0 : -1;
}
static void aio__net_need(void) {
    static volatile LONG started_for_good;
    if (aio__loop) {
        (void)aio__io_of(aio__loop);
    } else if (InterlockedCompareExchange(&started_for_good, 1, 0) == 0) {
        (void)aio__wsa_start();
    }
}

/* ---- the system's wait: the readiness wait picked (>>wait-poll, whose
 * call is WSAPoll) */
#ifdef AIO__WAIT_POLL
/* Whether fd can be waited on: AIO_OK or AIO_EBADF (WSAPoll fails as a
 * whole for a non-socket). */
static aio_status aio__net_can_watch(int fd) {
    int type;
    int sl = sizeof type;
    if (getsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_TYPE, (char *)&type, &sl) != 0)
        return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket (Windows waits for sockets only)");
    return AIO_OK;
}
static int aio__sys_poll(struct pollfd *fds, uint32_t n, int ms) {
    int got = WSAPoll(fds, (ULONG)n, ms);
    uint32_t i;
    /* WSAPoll fails as a whole for a socket closed behind the loop's back:
     * each such socket is reported ready, so that its waiter finds out */
    if (got < 0 && WSAGetLastError() == WSAENOTSOCK) {
        for (i = 0; i < n; i++)
            fds[i].revents = (short)(i && aio__net_can_watch((int)fds[i].fd) < 0 ? POLLNVAL : 0);
        got = 1;
    }
    return got;
}
#endif
static aio__sysio *aio__sys_wait_open(aio_loop *L) {
    aio__sysio *s;
    (void)L;
    if (aio__wsa_start() != 0) return NULL;
    s = aio__readiness_open(); /* (NULL: out of memory or sockets) */
    if (!s) (void)WSACleanup();
    return s;
}
static void aio__sys_wait_close(aio__sysio *s) {
    aio__readiness_close(s);
    (void)WSACleanup(); /* (the loop's start of Winsock) */
}

/* ---- signals: Ctrl-C (SIGINT), Ctrl-Break (SIGBREAK) and the console's
 * close, a logoff or a shutdown (SIGTERM) come to a handler that Windows
 * runs in a thread of its own (SetConsoleCtrlHandler); it notes them as
 * POSIX's handler does. */
typedef volatile LONG aio__sig_flag; /* (set from the handler's thread) */
#define AIO__SIG_SET(flag) ((void)InterlockedExchange(&(flag), 1))
#define AIO__SIG_TAKE(flag) (InterlockedExchange(&(flag), 0) != 0)
#define AIO__SIG_CLEAR(flag) ((void)InterlockedExchange(&(flag), 0))
static SRWLOCK aio__sig_lock = SRWLOCK_INIT; /* the handler's wake-up against the pair's close */
static HANDLE aio__sig_done; /* set once the loop the signals go to is gone */
static aio__waker aio__sig_waker = -1; /* that loop's waker (under the lock) */

static BOOL WINAPI aio__console_handler(DWORD type) {
    int signo = type == CTRL_C_EVENT ? SIGINT : type == CTRL_BREAK_EVENT ? SIGBREAK : SIGTERM;
    if (!aio__sig_routed(signo)) return FALSE; /* not routed: the next handler, or the default */
    aio__sig_handler(signo);
    if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT) return TRUE;
    /* The console closes, or the user logs off, or the system shuts down: the
     * process ends when this returns, so hold it until the loop is destroyed
     * (Windows itself allows about 5 s for a console close). */
    (void)WaitForSingleObject(aio__sig_done, INFINITE);
    return TRUE;
}
static const char *aio__sys_signal_check(int signo, int cancel) {
    if (signo != SIGINT && signo != SIGBREAK && signo != SIGTERM)
        return cancel ? "aio_signal_cancel: Windows delivers SIGINT (Ctrl-C), SIGBREAK "
                        "(Ctrl-Break) and SIGTERM (console closed, logoff, shutdown) only"
                      : "aio_signal_event: Windows delivers SIGINT (Ctrl-C), SIGBREAK "
                        "(Ctrl-Break) and SIGTERM (console closed, logoff, shutdown) only";
    return NULL;
}
static int aio__sys_signal_catch(int signo) {
    (void)signo;
    return SetConsoleCtrlHandler(aio__console_handler, TRUE) != 0;
}
static void aio__sys_signal_default(int signo) {
    int s;
    int any = 0;
    (void)signo;
    for (s = 1; s < AIO__NSIG; s++) any |= aio__sig_routed(s);
    if (!any) (void)SetConsoleCtrlHandler(aio__console_handler, FALSE);
}
/* The handler's waker: set as signals are first routed to a loop, -1 once
 * it is gone (then a console close may end the process). */
static void aio__sys_signal_target(aio__waker k) {
    AcquireSRWLockExclusive(&aio__sig_lock);
    aio__sig_waker = k;
    ReleaseSRWLockExclusive(&aio__sig_lock);
    if (k == -1) {
        (void)SetEvent(aio__sig_done); /* a console close may end the process now */
        return;
    }
    if (!aio__sig_done) aio__sig_done = CreateEventW(NULL, TRUE, FALSE, NULL); /* (kept for good) */
    (void)ResetEvent(aio__sig_done);
}
static void aio__sys_signal_wake(void) {
    AcquireSRWLockShared(&aio__sig_lock);
    if (aio__sig_waker != -1) aio__readiness_wake(aio__sig_waker);
    ReleaseSRWLockShared(&aio__sig_lock);
}
#define aio__sys_signal_caught(signo) ((void)(signo))
#define aio__sys_signals_look(L) ((void)(L))

/* ---- threads and locks: Windows' own */
#ifdef AIO__THREADS
typedef HANDLE aio__thread;
typedef SRWLOCK aio__mutex;
typedef CONDITION_VARIABLE aio__cond;
#define aio__lock(m) AcquireSRWLockExclusive(m)
#define aio__unlock(m) ReleaseSRWLockExclusive(m)
#define aio__wait_for_work(c, m) (void)SleepConditionVariableSRW((c), (m), INFINITE, 0)
#define aio__signal_work(c) WakeConditionVariable(c)
#define aio__broadcast_work(c) WakeAllConditionVariable(c)
#define aio__cond_init(c) InitializeConditionVariable(c)
#define aio__cond_done(c) ((void)(c))
#define aio__mutex_init(m) InitializeSRWLock(m)
#define aio__mutex_done(m) ((void)(m))
#define aio__thread_detach(th) (void)CloseHandle(th)
#define AIO__THREAD_MAIN(name, arg) DWORD WINAPI name(LPVOID arg) /* NOLINT(bugprone-macro-parentheses): a function's head */
typedef ULONGLONG aio__wall; /* a time to wait until: GetTickCount64's ms */
/* The time d (ticks) from now, rounded up to ms. */
static void aio__wall_after(aio__wall *w, aio_time d) {
    *w = GetTickCount64() + (uint64_t)d / AIO_TICKS_PER_SEC * 1000u +
         ((uint64_t)d % AIO_TICKS_PER_SEC * 1000u + AIO_TICKS_PER_SEC - 1u) / AIO_TICKS_PER_SEC;
}
/* Wait on c (under m) until it is signalled or *w: 0 once *w has passed. */
static int aio__wait_until(aio__cond *c, aio__mutex *m, const aio__wall *w) {
    ULONGLONG now = GetTickCount64();
    if (now >= *w) return 0;
    (void)SleepConditionVariableSRW(c, m, *w - now < INFINITE ? (DWORD)(*w - now) : INFINITE - 1u, 0);
    return GetTickCount64() < *w;
}
static void aio__thread_join(aio__thread th) {
    (void)WaitForSingleObject(th, INFINITE);
    (void)CloseHandle(th);
}
static AIO__THREAD_MAIN(aio__worker, arg);
/* A thread that runs aio__worker(arg): 0, or not if the system refused. */
static int aio__thread_new(aio__thread *th, void *arg) {
    *th = CreateThread(NULL, 0, aio__worker, arg, 0, NULL);
    return *th ? 0 : -1;
}
#endif /* AIO__THREADS */

/* ---- Unix domain sockets: none (Windows' AF_UNIX is not waited on by WSAPoll) */
static aio_status aio__sys_unix_listen(const char *path, int backlog, int simulated) {
    (void)path; (void)backlog; (void)simulated;
    return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets need POSIX");
}
static aio_status aio__sys_unix_connect(aio_task *t, aio_frame *f, const char *path, aio_time until,
                                        int simulated) {
    (void)t; (void)f; (void)until; (void)simulated;
    (void)path;
    return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets need POSIX");
}
static aio_status aio__sys_unix_connect_poll(aio_task *t, aio_frame *f) {
    (void)t; (void)f; /* LCOV_EXCL_LINE: never called (the start refused) */
    return AIO_EINVAL; /* LCOV_EXCL_LINE */
}
static void aio__sys_unix_file(void **note, int listener) { /* (no Unix listener: no file) */
    (void)note;
    (void)listener;
}
/* ---- the simulation's pairs: a simulated socket's number is one end of
 * a loopback connection, whose far end the simulation writes and reads
 * (what each function gives: see "the system's interface"). */
#ifdef AIO__SIM
static int aio__sys_pair_floor(void) { return 0; }
static int aio__sim_ports(int fd, uint64_t id[2]) { /* (the number's socket's own port and its peer's) */
    struct sockaddr_in a;
    struct sockaddr_in b;
    int sl = sizeof a;
    int bl = sizeof b;
    if (getsockname(AIO__SOCK(fd), (struct sockaddr *)&a, &sl) != 0 ||
        getpeername(AIO__SOCK(fd), (struct sockaddr *)&b, &bl) != 0 || a.sin_family != AF_INET)
        return -1;
    id[0] = ntohs(a.sin_port);
    id[1] = ntohs(b.sin_port);
    return 0;
}
/* A socket of a pair made not inherited, non-blocking, and closed
 * abortively (a loopback connection closed politely takes wine
 * milliseconds, and leaves its port waiting on Windows). */
static void aio__sim_end(int fd) {
    struct linger now = {1, 0};
    (void)setsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_LINGER, (const char *)&now, sizeof now);
    aio__sock_private(fd);
}
/* A pair for a new socket: its number n[0] and far end n[1], connected
 * through the simulation's listener (made at the first), the number's
 * identity in id: 0, or -1 (none made). The far end is the connection
 * from n[0]'s own port: another program may connect to the listener too,
 * and is refused (aio__pair_accept, as the loop's wake-up pair does). */
static int aio__sys_pair_new(int *listener, int far_floor, int n[2], uint64_t id[2]) {
    struct sockaddr_in a;
    struct sockaddr_in mine;
    int sl = sizeof a;
    int ml = sizeof mine;
    (void)far_floor; /* (Windows' handles are not numbered so) */
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (*listener < 0) {
        SOCKET l = socket(AF_INET, SOCK_STREAM, 0);
        if (l == INVALID_SOCKET) return -1;
        if (bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, SOMAXCONN) != 0) {
            (void)closesocket(l);
            return -1;
        }
        (void)SetHandleInformation((HANDLE)l, HANDLE_FLAG_INHERIT, 0);
        *listener = aio__net_own(l);
    }
    if (getsockname(AIO__SOCK(*listener), (struct sockaddr *)&a, &sl) != 0) return -1;
    n[1] = -1;
    n[0] = aio__net_own(socket(AF_INET, SOCK_STREAM, 0)); /* (its connect and the accept: at once, on loopback) */
    if (n[0] >= 0 && connect(AIO__SOCK(n[0]), (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(AIO__SOCK(n[0]), (struct sockaddr *)&mine, &ml) == 0)
        n[1] = aio__pair_accept(*listener, &mine);
    if (n[0] < 0 || n[1] < 0 || aio__sim_ports(n[0], id) != 0) {
        if (n[0] >= 0) (void)closesocket(AIO__SOCK(n[0]));
        if (n[1] >= 0) (void)closesocket(AIO__SOCK(n[1]));
        return -1;
    }
    aio__sim_end(n[0]);
    aio__sim_end(n[1]);
    return 0;
}
/* Whether number fd still names the socket of the pair whose identity is id. */
static int aio__sys_pair_same(const uint64_t id[2], int fd) {
    uint64_t now[2];
    return aio__sim_ports(fd, now) == 0 && now[0] == id[0] && now[1] == id[1];
}
static void aio__sys_pairs_start(void) { (void)aio__wsa_start(); /* (the pairs are sockets) */ }
static void aio__sys_pairs_end(int listener) {
    if (listener >= 0) (void)closesocket(AIO__SOCK(listener));
    (void)WSACleanup(); /* (its own WSAStartup's) */
}
#ifdef AIO__PROCESSES
/* What signal signo does to a simulated child: as the platform's own, only
 * SIGTERM and SIGKILL, and both end it. */
static int aio__sys_signal_effect(int signo) {
    return signo != SIGTERM && signo != AIO__SIGKILL ? AIO__SIGNAL_NONE : AIO__SIGNAL_ENDS;
}
#endif
#endif /* AIO__SIM */


/* ---- the table's sockets (the rest: "what POSIX and Windows share") */
#define AIO__ECONNABORTED WSAECONNRESET /* (what Windows says of it) */
#define AIO__DONTWAIT(fd) (aio__nonblocking(fd), 0)
#define AIO__NOSIGNAL 0 /* (no SIGPIPE on Windows) */
#define AIO__SEND(fd, buf, len, flags) (long)send(fd, buf, (int)(len), flags)
static int aio__accept_private(int fd) { return aio__net_own(accept(AIO__SOCK(fd), NULL, NULL)); }
/* A receive or a send takes what the call gave (Windows has no per-call
 * flag: each try makes its socket non-blocking, see AIO__DONTWAIT), but a
 * receive on a socket shut down for reading, which Windows fails with
 * WSAESHUTDOWN, finds the end (0), as on POSIX. */
static long aio__net_read_shut(long n) { return n < 0 && WSAGetLastError() == WSAESHUTDOWN ? 0 : n; }
#define aio__net_read(n, fd, buf, len) aio__net_read_shut(n)
#define aio__net_write(n, fd, buf, len) (n)
#define AIO__ENOBUFS WSAENOBUFS
#define AIO__SHUT_BOTH SD_BOTH
/* A datagram's result: a port nobody listens on, which Windows reports to
 * a UDP socket as WSAECONNRESET, is AIO_ECONNREFUSED, as POSIX systems say. */
static aio_status aio__net_dgram_result(long n, const char *what, int fd) {
    if (n < 0 && WSAGetLastError() == WSAECONNRESET) return AIO_ECONNREFUSED;
    return aio__net_result(n, what, fd);
}
/* A datagram's receive cut to len: Windows fails with WSAEMSGSIZE when it
 * cuts one; the length is len all the same. */
static long aio__net_dgram_cut(long n, size_t len) {
    if (n < 0 && WSAGetLastError() == WSAEMSGSIZE) return (long)aio__net_chunk(len);
    return n;
}
/* The option a socket the library binds takes: exclusive, a listener's and
 * a datagram socket's (SO_REUSEADDR there would let another program take
 * the port). */
static void aio__net_claim(int fd, int listening) {
    int one = 1;
    (void)listening;
    (void)setsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one);
}

#ifdef AIO__PROCESSES
/* Windows: CreateProcess. WSAPoll waits for sockets only, so each pipe of
 * the child is relayed to a socket by a thread of its own (a blocking
 * ReadFile or WriteFile on the pipe, a send or recv on its end of a pair of
 * sockets), and a thread waits for the process handle and then closes its
 * end of a pair: the other end is the child's "pidfd", readable once it
 * exited. The child, and whatever it starts, runs in a job object: a stop
 * terminates the job (Windows has no SIGTERM to ask first), and closing the
 * job's handle ends whatever is left of it. A process the library ended
 * exits with AIO__WIN_STOPPED | signal, which reads back as -signal. */
#define AIO__WIN_STOPPED 0xA10E0000u
enum { AIO__RELAY_OUT, AIO__RELAY_IN, AIO__RELAY_EXIT };
typedef struct aio__relay {
    HANDLE handle; /* the pipe (its own), or the process (the caller's) */
    SOCKET sock;   /* its end of the pair (blocking) */
    int way;
} aio__relay;

static DWORD WINAPI aio__relay_main(LPVOID arg) {
    aio__relay r = *(aio__relay *)arg;
    char buf[4096];
    int going = 1;
    AIO_FREE(arg);
    if (r.way == AIO__RELAY_EXIT) {
        (void)WaitForSingleObject(r.handle, INFINITE);
        going = 0;
    }
    while (going) {
        DWORD n = 0;
        DWORD done;
        int k;
        if (r.way == AIO__RELAY_OUT) { /* the child's output, to the loop's socket, until either end goes */
            if (!ReadFile(r.handle, buf, sizeof buf, &n, NULL) || n == 0) break;
            for (done = 0; going && done < n; done += (DWORD)k) {
                k = send(r.sock, buf + done, (int)(n - done), 0);
                if (k <= 0) going = 0;
            }
        } else { /* the loop's socket to the child's input, until either end goes */
            k = recv(r.sock, buf, (int)sizeof buf, 0);
            if (k <= 0) break;
            for (done = 0; going && done < (DWORD)k; done += n)
                if (!WriteFile(r.handle, buf + done, (DWORD)k - done, &n, NULL)) going = 0;
        }
    }
    if (r.way != AIO__RELAY_EXIT) (void)CloseHandle(r.handle);
    (void)shutdown(r.sock, SD_SEND); /* (what it sent is delivered, then the end) */
    (void)closesocket(r.sock);
    return 0;
}

/* A step of a spawn that failed for a reason the system gives (out of
 * handles, threads or memory, or one of its own): AIO_EIO, errno EIO, and
 * in a debug build a message that names the step and the system's error. */
static aio_status aio__win_failed(const char *step, DWORD err) {
    errno = EIO;
#ifdef AIO_DEBUG
    {
        static char message[160];
        (void)snprintf(message, sizeof message, "aio_process_spawn: %s failed (Windows error %lu)", step,
                       (unsigned long)err);
        return aio__misuse(AIO_EIO, message);
    }
#else
    (void)step; (void)err;
    return AIO_EIO;
#endif
}

/* A thread relaying `handle` one way; the loop's end of its pair into *mine.
 * The thread's handle, or NULL (then *mine is -1 and nothing is left). */
static HANDLE aio__relay_start(HANDLE handle, int way, int *mine) {
    int pair[2];
    u_long blocking = 0;
    HANDLE thread = NULL;
    aio__relay *r = (aio__relay *)AIO_MALLOC(sizeof *r);
    *mine = -1;
    if (!r || aio__wake_pair_open(pair) != 0) { /* LCOV_EXCL_START: out of memory or sockets */
        (void)aio__win_failed(r ? "a relay's socket pair" : "a relay's allocation", (DWORD)WSAGetLastError());
        AIO_FREE(r);
        return NULL;
    } /* LCOV_EXCL_STOP */
    (void)ioctlsocket(AIO__SOCK(pair[1]), (long)FIONBIO, &blocking);
    r->handle = handle;
    r->sock = AIO__SOCK(pair[1]);
    r->way = way;
    thread = CreateThread(NULL, 64 * 1024, aio__relay_main, r, STACK_SIZE_PARAM_IS_A_RESERVATION, NULL);
    if (!thread) { /* LCOV_EXCL_START: out of threads */
        (void)aio__win_failed("a relay's thread", GetLastError());
        AIO_FREE(r);
        (void)closesocket(AIO__SOCK(pair[0]));
        (void)closesocket(AIO__SOCK(pair[1]));
        return NULL;
    } /* LCOV_EXCL_STOP */
    aio_io_forget(pair[0]); /* (a number used before: nothing of it is watched now) */
    *mine = pair[0];
    return thread;
}

static void aio__close_handle(HANDLE *h) {
    if (*h && *h != INVALID_HANDLE_VALUE) (void)CloseHandle(*h);
    *h = NULL;
}

/* One argument onto a command line as the C runtime's parser reads it back
 * (quoted if it must be; a backslash doubled only before a quote): its
 * length; written to out[n..] unless out is NULL. */
static size_t aio__cmdline_arg(char *out, size_t n, const char *a) {
    size_t slashes = 0;
    size_t start = n;
    if (*a && !strpbrk(a, " \t\n\v\"")) {
        size_t len = strlen(a);
        if (out) memcpy(out + n, a, len);
        return len;
    }
    if (out) out[n] = '"';
    n++;
    for (;; a++) {
        if (*a == '\\') {
            slashes++;
            continue;
        }
        if (!*a || *a == '"') slashes = slashes * 2 + (*a == '"'); /* (the quote's own, escaped) */
        for (; slashes; slashes--, n++) if (out) out[n] = '\\';
        if (!*a) break;
        if (out) out[n] = *a;
        n++;
    }
    if (out) out[n] = '"';
    return n + 1 - start;
}

/* UTF-8 s[0..len) (len -1: to its NUL, included) in UTF-16, malloc'd; NULL if it is not UTF-8. */
static wchar_t *aio__wide(const char *s, int len) {
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, len, NULL, 0);
    wchar_t *w = n > 0 ? (wchar_t *)AIO_MALLOC((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, len, w, n) != n) { /* LCOV_EXCL_START */
        AIO_FREE(w);
        w = NULL;
    } /* LCOV_EXCL_STOP */
    return w;
}

/* The command line of argv, and the environment block of env (NULL: none),
 * in UTF-16: AIO_OK, AIO_EINVAL (not UTF-8), AIO_EIO (out of memory). */
static aio_status aio__win_command(const char *const argv[], const char *const *env, wchar_t **cmd, wchar_t **block) {
    size_t n = 0;
    size_t i;
    char *line;
    *cmd = *block = NULL;
    for (i = 0; argv[i]; i++) n += aio__cmdline_arg(NULL, 0, argv[i]) + 1;
    line = (char *)AIO_MALLOC(n);
    if (!line) return AIO_EIO; /* LCOV_EXCL_LINE: out of memory */
    for (n = 0, i = 0; argv[i]; i++) {
        if (i) line[n++] = ' ';
        n += aio__cmdline_arg(line, n, argv[i]);
    }
    line[n] = '\0';
    *cmd = aio__wide(line, -1);
    AIO_FREE(line);
    if (!*cmd) return aio__misuse(AIO_EINVAL, "aio_process_spawn: an argument is not UTF-8");
    if (!env) return AIO_OK;
    for (n = 1, i = 0; env[i]; i++) n += strlen(env[i]) + 1;
    line = (char *)AIO_MALLOC(n);
    if (!line) return AIO_EIO; /* LCOV_EXCL_LINE: out of memory */
    for (n = 0, i = 0; env[i]; i++) {
        size_t len = strlen(env[i]) + 1;
        memcpy(line + n, env[i], len);
        n += len;
    }
    line[n++] = '\0';
    if (n == 1) line[n++] = '\0'; /* (an empty block is two NULs) */
    *block = aio__wide(line, (int)n);
    AIO_FREE(line);
    if (!*block) return aio__misuse(AIO_EINVAL, "aio_process_spawn: an environment string is not UTF-8");
    return AIO_OK;
}

/* A stdio mode's handles: the child's (inheritable) into *child, the pipe's
 * other end into *mine (PIPE; never inheritable, not even for a moment).
 * `out`: the child writes it. */
static aio_status aio__win_stdio_open(int mode, int out, DWORD std, HANDLE *child, HANDLE *mine) {
    SECURITY_ATTRIBUTES sa;
    HANDLE self = GetCurrentProcess();
    HANDLE h;
    memset(&sa, 0, sizeof sa);
    sa.nLength = sizeof sa;
    sa.bInheritHandle = TRUE;
    *child = *mine = NULL;
    if (mode == AIO_STDIO_DEVNULL) {
        *child = CreateFileW(L"NUL", out ? GENERIC_WRITE : GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                             OPEN_EXISTING, 0, NULL);
        if (*child != INVALID_HANDLE_VALUE) return AIO_OK;
        *child = NULL; /* LCOV_EXCL_LINE: out of handles */
        return aio__win_failed("opening NUL", GetLastError()); /* LCOV_EXCL_LINE */
    }
    if (mode == AIO_STDIO_PIPE) {
        HANDLE r;
        HANDLE w;
        if (!CreatePipe(&r, &w, NULL, 0)) return aio__win_failed("CreatePipe", GetLastError()); /* LCOV_EXCL_LINE */
        *child = out ? w : r;
        *mine = out ? r : w;
        (void)SetHandleInformation(*child, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
        return AIO_OK;
    }
    h = GetStdHandle(std); /* this process's (none: the child has none either) */
    if (h && h != INVALID_HANDLE_VALUE && !DuplicateHandle(self, h, self, child, 0, TRUE, DUPLICATE_SAME_ACCESS))
        *child = NULL;
    return AIO_OK;
}

/* CreateProcess's failure as a status (errno set as POSIX would). */
static aio_status aio__win_spawn_error(DWORD err, const aio_process_options *opts) {
    switch (err) {
    case ERROR_DIRECTORY:
        errno = ENOENT;
        return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the working directory cannot be entered");
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
        errno = ENOENT;
        if (opts->cwd && GetFileAttributesA(opts->cwd) == INVALID_FILE_ATTRIBUTES)
            return aio__misuse(AIO_ENOTFOUND, "aio_process_spawn: the working directory cannot be entered");
        return AIO_ENOTFOUND;
    case ERROR_ACCESS_DENIED:
        errno = EACCES;
        return AIO_ENOEXEC;
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
        errno = ENOEXEC;
        return AIO_ENOEXEC;
    default:
        return aio__win_failed("CreateProcess", err);
    }
}

/* si's attribute list: handles list[0..n) the only ones a child inherits.
 * TRUE, or FALSE (out of memory; no list then). */
static BOOL aio__win_inherit_only(STARTUPINFOEXW *si, HANDLE *list, DWORD n) {
    SIZE_T size = 0;
    (void)InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    si->lpAttributeList = (LPPROC_THREAD_ATTRIBUTE_LIST)AIO_MALLOC(size);
    if (si->lpAttributeList && !InitializeProcThreadAttributeList(si->lpAttributeList, 1, 0, &size)) {
        AIO_FREE(si->lpAttributeList); /* LCOV_EXCL_LINE: (a list of one attribute) */
        si->lpAttributeList = NULL; /* LCOV_EXCL_LINE */
    }
    if (!si->lpAttributeList) return FALSE; /* LCOV_EXCL_LINE: out of memory */
    return UpdateProcThreadAttribute(si->lpAttributeList, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list,
                                     n * sizeof *list, NULL, NULL);
}

/* CreateProcessW (suspended) with child[0..3) as its standard handles and
 * no other handle inherited: a handle list, so that the program's own
 * inheritable handles (a socket() is one) stay out of the child, as
 * asyncio's do. FALSE with GetLastError() set if it failed. */
static BOOL aio__win_create(wchar_t *cmd, wchar_t *env, wchar_t *cwd, HANDLE child[3], PROCESS_INFORMATION *pi) {
    STARTUPINFOEXW si;
    HANDLE list[3];
    DWORD flags = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT;
    DWORD n = 0;
    DWORD err;
    BOOL ok = TRUE;
    DWORD i;
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si.StartupInfo;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = child[0];
    si.StartupInfo.hStdOutput = child[1];
    si.StartupInfo.hStdError = child[2];
    for (i = 0; i < 3; i++) /* (not a console's pseudo handle, Windows 7's: the console hands those on) */
        if (child[i] && ((uintptr_t)child[i] & 3u) != 3u) list[n++] = child[i];
    if (n) {
        ok = aio__win_inherit_only(&si, list, n);
        si.StartupInfo.cb = sizeof si;
        flags |= EXTENDED_STARTUPINFO_PRESENT;
    }
    if (ok) ok = CreateProcessW(NULL, cmd, NULL, NULL, n > 0, flags, env, cwd, &si.StartupInfo, pi);
    err = GetLastError();
    if (si.lpAttributeList) {
        DeleteProcThreadAttributeList(si.lpAttributeList);
        AIO_FREE(si.lpAttributeList);
    }
    SetLastError(err);
    return ok;
}

static void aio__sys_proc_release(aio_process *p);
static void aio__sys_proc_kill_now(aio_process *p);

static aio_status aio__sys_proc_start(aio_process *p, const char *const argv[], const aio_process_options *opts,
                                  aio_loop *L) {
    static const DWORD std[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    PROCESS_INFORMATION pi;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
    HANDLE child[3] = {NULL, NULL, NULL};
    HANDLE mine[3] = {NULL, NULL, NULL};
    wchar_t *cmd;
    wchar_t *env;
    wchar_t *cwd = NULL;
    int ends[4] = {-1, -1, -1, -1};
    int i;
    aio_status rc = aio__win_command(argv, opts->env, &cmd, &env);
    (void)L;
    if (rc == AIO_OK && opts->cwd && !(cwd = aio__wide(opts->cwd, -1)))
        rc = aio__misuse(AIO_EINVAL, "aio_process_spawn: the working directory is not UTF-8");
    for (i = 0; i < 3 && rc == AIO_OK; i++) {
        if (i == 2 && opts->err == AIO_STDIO_STDOUT) {
            if (child[1] && !DuplicateHandle(GetCurrentProcess(), child[1], GetCurrentProcess(), &child[2], 0, TRUE,
                                             DUPLICATE_SAME_ACCESS))
                rc = AIO_EIO; /* LCOV_EXCL_LINE: out of handles */
        } else {
            rc = aio__win_stdio_open(i == 0 ? opts->in : i == 1 ? opts->out : opts->err, i > 0, std[i], &child[i],
                                     &mine[i]);
        }
    }
    memset(p, 0, sizeof *p);
    p->in = p->out = p->err = (aio_socket)-1;
    p->pidfd = -1;
    /* (suspended until it is in its job: nothing it starts escapes) */
    if (rc == AIO_OK && !aio__win_create(cmd, env, cwd, child, &pi)) rc = aio__win_spawn_error(GetLastError(), opts);
    AIO_FREE(cmd);
    AIO_FREE(env);
    AIO_FREE(cwd);
    for (i = 0; i < 3; i++) aio__close_handle(&child[i]);
    if (rc < 0) {
        int err = errno;
        for (i = 0; i < 3; i++) aio__close_handle(&mine[i]);
        errno = err;
        return rc;
    }
    p->pid = (int)pi.dwProcessId;
    p->handle = pi.hProcess;
    p->state = AIO__PROC_RUNNING;
    p->job = CreateJobObjectW(NULL, NULL);
    memset(&limits, 0, sizeof limits);
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (p->job && (!SetInformationJobObject((HANDLE)p->job, JobObjectExtendedLimitInformation, &limits, sizeof limits) ||
                   !AssignProcessToJobObject((HANDLE)p->job, pi.hProcess)))
        aio__close_handle((HANDLE *)&p->job); /* (then a stop ends the child alone) */
    (void)ResumeThread(pi.hThread);
    (void)CloseHandle(pi.hThread);
    p->threads[0] = aio__relay_start(pi.hProcess, AIO__RELAY_EXIT, &ends[3]);
    for (i = 0; i < 3; i++) {
        if (!mine[i]) continue;
        p->threads[i + 1] = aio__relay_start(mine[i], i ? AIO__RELAY_OUT : AIO__RELAY_IN, &ends[i]);
        if (p->threads[i + 1]) mine[i] = NULL; /* (the thread's now) */
    }
    p->in = (aio_socket)ends[0];
    p->out = (aio_socket)ends[1];
    p->err = (aio_socket)ends[2];
    p->pidfd = ends[3];
    for (i = 0; i < 3; i++) { /* LCOV_EXCL_START: out of sockets or threads: nothing is left */
        if (!mine[i]) continue;
        aio__close_handle(&mine[i]);
        rc = AIO_EIO;
    }
    if (!p->threads[0]) rc = AIO_EIO;
    if (rc < 0) {
        aio__sys_proc_kill_now(p);
        aio__proc_close_pipes(p, 1);
        aio__sys_proc_release(p);
        p->state = AIO__PROC_CLOSED;
        errno = EAGAIN;
        return rc;
    } /* LCOV_EXCL_STOP */
    return AIO_OK;
}

/* p has ended: its exit code kept, the thread that waited for it joined. */
static void aio__proc_ended(aio_process *p) {
    DWORD code = 255;
    (void)GetExitCodeProcess((HANDLE)p->handle, &code);
    p->returncode = (code & 0xFFFFFF00u) == AIO__WIN_STOPPED ? -(int)(code & 0xFFu) : (int)code;
    if (p->threads[0]) (void)WaitForSingleObject((HANDLE)p->threads[0], INFINITE);
    aio__close_handle((HANDLE *)&p->threads[0]);
    aio__close_handle((HANDLE *)&p->handle);
    p->state = AIO__PROC_REAPED;
    if (p->pidfd >= 0) (void)aio_close(p->pidfd);
    p->pidfd = -1;
}

static int aio__sys_proc_reap(aio_process *p) {
    if (p->state != AIO__PROC_RUNNING) return 1;
    if (WaitForSingleObject((HANDLE)p->handle, 0) != WAIT_OBJECT_0) return 0;
    aio__proc_ended(p);
    return 1;
}

/* End p's job (or p, with no job) as signal signo would. */
static void aio__proc_end_job(aio_process *p, int signo) {
    if (p->job)
        (void)TerminateJobObject((HANDLE)p->job, AIO__WIN_STOPPED | (UINT)signo);
    else if (p->handle)
        (void)TerminateProcess((HANDLE)p->handle, AIO__WIN_STOPPED | (UINT)signo);
}

static void aio__sys_proc_kill_now(aio_process *p) {
    if (p->state != AIO__PROC_RUNNING) return;
    aio__proc_end_job(p, AIO__SIGKILL);
    (void)WaitForSingleObject((HANDLE)p->handle, INFINITE);
    aio__proc_ended(p);
}

#define AIO__BAD_SIGNAL "aio_process_signal: Windows can only end a process: signal 15 (SIGTERM) or 9 (SIGKILL)"
static int aio__sys_proc_send(aio_process *p, int signo) {
    if (signo != SIGTERM && signo != AIO__SIGKILL) return -1;
    aio__proc_end_job(p, signo);
    return 0;
}

/* Whatever of its job still runs is ended (its relays then see their pipes
 * close), the relays joined, the job closed. */
static void aio__sys_proc_release(aio_process *p) {
    int i;
    if (p->job) (void)TerminateJobObject((HANDLE)p->job, AIO__WIN_STOPPED | AIO__SIGKILL);
    for (i = 1; i < 4; i++) {
        if (p->threads[i]) (void)WaitForSingleObject((HANDLE)p->threads[i], INFINITE);
        aio__close_handle((HANDLE *)&p->threads[i]);
    }
    aio__close_handle((HANDLE *)&p->job);
}

static aio_status aio__sys_pipe_read(int fd, void *buf, size_t len) { return aio__net_recv(fd, buf, len, "AIO_COMMUNICATE"); }
static aio_status aio__sys_pipe_write(int fd, const void *buf, size_t len) {
    return aio__net_send(fd, buf, len, "AIO_COMMUNICATE");
}
static void aio__children_done(aio__sysio *s) { (void)s; }
#endif /* AIO__PROCESSES */
#endif /* AIO__WIN32_IO */

