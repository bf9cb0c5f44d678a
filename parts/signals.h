// >>signals
/* ---------------------------------------------------------------- signals */

/* POSIX: the handler only notes the signal and writes the wake-up pipe of the
 * loop the signals go to (async-signal-safe); that loop's I/O wait sets the
 * events. (sigaction is POSIX's, not C's: declared with _POSIX_C_SOURCE,
 * which the top of this header defines when it is included first.)
 * Windows: Ctrl-C (SIGINT), Ctrl-Break (SIGBREAK) and the console's close, a
 * logoff or a shutdown (SIGTERM) come to a handler that Windows runs in a
 * thread of its own (SetConsoleCtrlHandler); it notes them the same way. */
#if defined(SA_RESTART) || defined(AIO__WIN32_IO)
#define AIO__SIGNALS 1
#if defined(NSIG)
#define AIO__NSIG NSIG
#elif defined(_NSIG)
#define AIO__NSIG _NSIG
#else
#define AIO__NSIG 65
#endif
#ifdef AIO__WIN32_IO
typedef volatile LONG aio__sig_flag; /* (set from the handler's thread) */
#define AIO__SIG_SET(flag) ((void)InterlockedExchange(&(flag), 1))
#define AIO__SIG_TAKE(flag) (InterlockedExchange(&(flag), 0) != 0)
#define AIO__SIG_CLEAR(flag) ((void)InterlockedExchange(&(flag), 0))
static SRWLOCK aio__sig_lock = SRWLOCK_INIT; /* the handler's wake-up against the pair's close */
static HANDLE aio__sig_done; /* set once the loop the signals go to is gone */
#else
typedef volatile sig_atomic_t aio__sig_flag;
#define AIO__SIG_SET(flag) ((void)((flag) = 1))
#define AIO__SIG_TAKE(flag) ((flag) ? ((flag) = 0, 1) : 0)
#define AIO__SIG_CLEAR(flag) ((void)((flag) = 0))
#endif
static aio__sig_flag aio__sig_pending[AIO__NSIG];
static aio__sig_flag aio__sig_any;
static volatile sig_atomic_t aio__sig_fd = -1; /* the write end of that loop's wake-up */
static aio_event *aio__sig_event[AIO__NSIG];
static aio_loop *aio__sig_loop;

#ifdef AIO__POSIX_PROCESSES
static void aio__children_told(void);
static void aio__children_check(aio_loop *L);
static int aio__sigchld_needed(void);
#endif

static void aio__sig_handler(int signo) {
    int saved = errno;
#ifdef AIO__POSIX_PROCESSES
    if (signo == SIGCHLD) aio__children_told(); /* (the loops with children, beside the event) */
#endif
    AIO__SIG_SET(aio__sig_pending[signo]); /* (installed for a valid number only) */
    AIO__SIG_SET(aio__sig_any);
#ifdef AIO__WIN32_IO
    AcquireSRWLockShared(&aio__sig_lock);
#endif
    if (aio__sig_fd >= 0) aio__wake_pair_write(aio__sig_fd); /* LCOV_EXCL_BR_LINE: (unset only with the default action back) */
#ifdef AIO__WIN32_IO
    ReleaseSRWLockShared(&aio__sig_lock);
#endif
    errno = saved;
}

static void aio__deliver_signals(aio_loop *L) {
    int s;
#ifdef AIO__POSIX_PROCESSES
    aio__children_check(L);
#endif
    if (!aio__sig_any || L != aio__sig_loop) return;
    AIO__SIG_CLEAR(aio__sig_any);
    for (s = 1; s < AIO__NSIG; s++) {
        if (!AIO__SIG_TAKE(aio__sig_pending[s])) continue;
        if (aio__sig_event[s]) aio_event_set(aio__sig_event[s]); /* (NULL: unrouted since) */
    }
}

#ifdef AIO__WIN32_IO
static BOOL WINAPI aio__console_handler(DWORD type) {
    int signo = type == CTRL_C_EVENT ? SIGINT : type == CTRL_BREAK_EVENT ? SIGBREAK : SIGTERM;
    if (!aio__sig_event[signo]) return FALSE; /* not routed: the next handler, or the default */
    aio__sig_handler(signo);
    if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT) return TRUE;
    /* The console closes, or the user logs off, or the system shuts down: the
     * process ends when this returns, so hold it until the loop is destroyed
     * (Windows itself allows about 5 s for a console close). */
    (void)WaitForSingleObject(aio__sig_done, INFINITE);
    return TRUE;
}
#endif

static void aio__sig_default(int signo) {
#ifdef AIO__WIN32_IO
    int s;
    int any = 0;
    aio__sig_event[signo] = NULL;
    for (s = 1; s < AIO__NSIG; s++) any |= aio__sig_event[s] != NULL;
    if (!any) (void)SetConsoleCtrlHandler(aio__console_handler, FALSE);
#else
    struct sigaction sa;
    aio__sig_event[signo] = NULL;
#ifdef AIO__POSIX_PROCESSES
    if (signo == SIGCHLD && aio__sigchld_needed()) return; /* (loops' children still need it) */
#endif
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(signo, &sa, NULL);
#endif
}
#else
#define aio__sig_any 0
static void aio__deliver_signals(aio_loop *L) { (void)L; }
#endif

