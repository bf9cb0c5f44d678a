// >>unix
/* ------------------------------------------------------ Unix domain sockets */

/* The backend's (aio__sys_unix_listen, aio__sys_unix_connect: POSIX's, or
 * a refusal where the system has none); these are the calls and what every
 * backend shares. */

/* 1 if the thread's table has no Unix domain sockets (a simulation's
 * network has TCP and UDP only): the backend refuses then. */
#define AIO__UNIX_SIMULATED() (!aio__os()->unix_sockets)

AIO_API int aio_unix_listen(const char *path, int backlog) {
    return aio__sys_unix_listen(path, backlog, AIO__UNIX_SIMULATED());
}

AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_UNIX_CONNECT: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    return aio__sys_unix_connect(t, f, path, until, AIO__UNIX_SIMULATED());
}

AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f) { return aio__sys_unix_connect_poll(t, f); }
