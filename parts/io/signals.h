// >>signals
/* ---------------------------------------------------------------- signals */

/* The backend's handler (aio__sys_signal_catch: POSIX's sigaction,
 * Windows' console events, in a thread of its own) calls aio__sig_handler,
 * which only notes the signal and writes the wake-up of the loop the
 * signals go to (async-signal-safe); that loop's I/O wait sets the
 * events. (sigaction is POSIX's, not C's: declared with _POSIX_C_SOURCE,
 * which the top of this header defines when it is included first.) */
#ifdef AIO__SIGNALS
static aio__sig_flag aio__sig_pending[AIO__NSIG];
static aio__sig_flag aio__sig_any;
/* Each signal goes to an event to set or a task to cancel (aio_signal_event,
 * aio_signal_cancel), to one at a time: a route replaces the other. */
static aio_event *aio__sig_event[AIO__NSIG];
static aio_task *aio__sig_task[AIO__NSIG];
static aio_loop *aio__sig_loop;

static int aio__sig_waiting(void) { return aio__sig_any != 0; }
static int aio__sig_routed(int signo) { return aio__sig_event[signo] != NULL || aio__sig_task[signo] != NULL; }

static void aio__sig_handler(int signo) {
    int saved = errno;
    aio__sys_signal_caught(signo);
    AIO__SIG_SET(aio__sig_pending[signo]); /* (installed for a valid number only) */
    AIO__SIG_SET(aio__sig_any);
    aio__sys_signal_wake();
    errno = saved;
}

static void aio__deliver_signals(aio_loop *L) {
    int s;
    aio__sys_signals_look(L);
    if (!aio__sig_any || L != aio__sig_loop) return;
    AIO__SIG_CLEAR(aio__sig_any);
    for (s = 1; s < AIO__NSIG; s++) {
        if (!AIO__SIG_TAKE(aio__sig_pending[s])) continue;
        if (aio__sig_event[s]) aio_event_set(aio__sig_event[s]); /* (NULL: unrouted since) */
        /* (a task not spawned yet, or spawned again since, is cancelled in
         * the run it is in; one that has finished is left alone) */
        if (aio__sig_task[s] && aio_task_alive(aio__sig_task[s])) (void)aio_cancel(aio__sig_task[s]);
    }
}

static void aio__sig_default(int signo) {
    aio__sig_event[signo] = NULL;
    aio__sig_task[signo] = NULL;
    aio__sys_signal_default(signo);
}
#else
static int aio__sig_waiting(void) { return 0; }
static void aio__deliver_signals(aio_loop *L) { (void)L; }
#endif
