/* SPDX-License-Identifier: MIT */
/* Windows' console events routed like signals (aio_signal_event), run by
 * tests/windows/run.sh (make test-windows) under wine:
 *
 *   1. Ctrl-C as Windows delivers it: the runner sends the process an
 *      interrupt (wine turns it into CTRL_C_EVENT for the console handler)
 *      once this program says "ready"; the task waiting on the routed event
 *      wakes, long before its 30 s deadline.
 *   2. Ctrl-Break, then a console close (CTRL_CLOSE_EVENT), as Windows
 *      delivers them, each on a thread of its own: the SIGBREAK event wakes
 *      its task; then the routed SIGTERM event wakes the task, and the handler
 *      holds the process (Windows ends it when the handler returns) until the
 *      loop is destroyed.
 *   3. Routed to tasks (aio_signal_cancel), as loop.add_signal_handler(SIGINT,
 *      task.cancel): a Ctrl-C cancels a worker, whose finally runs; a
 *      Ctrl-Break cancels the main task, whose finally takes it as its ending
 *      (aio_run returns AIO_OK).
 *   4. Unrouted, the handler passes an event on (FALSE: the next handler or
 *      the default).
 *
 * The handler is the library's own (AIO_STATIC: one translation unit), called
 * as Windows calls it. Prints "ok: ..." per check and "N passed, N failed". */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <stdio.h>

static int passed, failed;
static void check(int ok, const char *what) {
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    fflush(stdout);
    if (ok) passed++;
    else failed++;
}

typedef struct {
    aio_task task, worker;
    aio_event interrupt, brk, terminate;
    aio_status rc;
    aio_time start;
    int worker_finally, main_finally;
} main_t;
static main_t m;
static volatile LONG close_handler_returned;
static HANDLE close_thread;

static DWORD WINAPI ctrl_break(LPVOID arg) { /* as Windows does: a thread of its own */
    (void)arg;
    return aio__console_handler(CTRL_BREAK_EVENT) == TRUE ? 0 : 1;
}

static DWORD WINAPI ctrl_c(LPVOID arg) {
    (void)arg;
    return aio__console_handler(CTRL_C_EVENT) == TRUE ? 0 : 1;
}

static aio_status worker(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_SEC(30));
    AIO_FINALLY(t);
    m.worker_finally = AIO_STATUS(t) == AIO_ECANCELED;
    AIO_END(t);
}

static DWORD WINAPI console_closes(LPVOID arg) {
    (void)arg;
    (void)aio__console_handler(CTRL_CLOSE_EVENT);
    InterlockedExchange(&close_handler_returned, 1);
    return 0;
}

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    check(aio_signal_event(SIGINT, &s->interrupt) == AIO_OK, "SIGINT (Ctrl-C) routed to an event");
    check(aio_signal_event(SIGBREAK, &s->brk) == AIO_OK, "SIGBREAK (Ctrl-Break) routed to an event");
    check(aio_signal_event(SIGTERM, &s->terminate) == AIO_OK, "SIGTERM (console close) routed to an event");
    s->start = aio_now();
    puts("ready");
    fflush(stdout);
    AIO_EVENT_WAIT(t, s->rc, &s->interrupt, AIO_SEC(30));
    check(s->rc == AIO_OK, "Ctrl-C sent to the process set the SIGINT event");
    check(aio_now() - s->start < AIO_SEC(30), "before the wait's deadline");
    check(!aio_event_is_set(&s->brk) && !aio_event_is_set(&s->terminate), "and only the SIGINT event");
    CloseHandle(CreateThread(NULL, 0, ctrl_break, NULL, 0, NULL));
    AIO_EVENT_WAIT(t, s->rc, &s->brk, AIO_SEC(30));
    check(s->rc == AIO_OK, "a Ctrl-Break set the SIGBREAK event");
    close_thread = CreateThread(NULL, 0, console_closes, NULL, 0, NULL);
    AIO_EVENT_WAIT(t, s->rc, &s->terminate, AIO_SEC(30));
    check(s->rc == AIO_OK, "a console close set the SIGTERM event");
    AIO_SLEEP(t, AIO_MS(200));
    check(close_handler_returned == 0, "the close handler holds the process while the loop runs");
    aio_spawn(&s->worker, worker);
    check(aio_signal_cancel(SIGINT, &s->worker) == AIO_OK, "SIGINT (Ctrl-C) routed to a task");
    check(aio_signal_cancel(SIGBREAK, t) == AIO_OK, "SIGBREAK (Ctrl-Break) routed to the main task");
    s->start = aio_now();
    CloseHandle(CreateThread(NULL, 0, ctrl_c, NULL, 0, NULL));
    AIO_AWAIT(t, s->rc, &s->worker);
    check(s->rc == AIO_ECANCELED && s->worker_finally, "a Ctrl-C cancelled the worker, whose finally ran");
    check(aio_now() - s->start < AIO_SEC(30), "before its sleep's end");
    CloseHandle(CreateThread(NULL, 0, ctrl_break, NULL, 0, NULL));
    AIO_SLEEP(t, AIO_SEC(30));
    check(0, "a Ctrl-Break cancels the main task's sleep");
    AIO_FINALLY(t);
    s->main_finally = 1;
    if (AIO_STATUS(t) == AIO_ECANCELED) AIO_RETURN(t, AIO_OK); /* except CancelledError: return 0 */
    AIO_END(t);
}

int main(void) {
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    rc = aio_run(&loop, &m.task, main_task);
    check(rc == AIO_OK && m.main_finally, "the main task, cancelled by Ctrl-Break, ended well");
    check(aio_loop_destroy(&loop) == AIO_OK, "the loop destroyed");
    check(close_thread && WaitForSingleObject(close_thread, 10000) == WAIT_OBJECT_0 && close_handler_returned,
          "the close handler returned once the loop was gone");
    /* unrouted: the handler passes events on */
    check(aio__console_handler(CTRL_C_EVENT) == FALSE, "an unrouted Ctrl-C goes to the next handler");
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
