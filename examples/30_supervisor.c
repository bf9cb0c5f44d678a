/* SPDX-License-Identifier: MIT */
/* 30_supervisor.c - a supervisor that follows a child's output and starts it
 * again when it exits or goes silent.
 *
 *   - the child is started with its output on a pipe (aio_process_spawn), and
 *     each line it writes is printed as it comes (AIO_READ_LINE);
 *   - when it exits, or writes nothing for 3 s (the read's deadline; then it
 *     is stopped: AIO_PROCESS_STOP, SIGTERM, SIGKILL after 2 s), its status is
 *     printed and it is started again;
 *   - Ctrl-C (SIGINT) cancels the main task (aio_signal_cancel: asyncio's
 *     add_signal_handler(SIGINT, task.cancel)); its cleanup stops the child
 *     and waits for it, and the program exits with status 0.
 *
 * The child is a shell script that behaves by its run's number (run 1 exits
 * with status 3, run 2 goes silent, run 3 says "serving" and waits);
 * tests/checks/examples.sh sends SIGINT once run 3 said it serves. The Python
 * original is 30_supervisor.py; both print the same lines. Real processes on
 * the real clock. POSIX only (sh).
 * Run: 30_supervisor   (then Ctrl-C) */
#include "example.h"

static char arg[12]; /* the run's number, the child's $1 */
static const char *const child[] = {"sh", "-c", "case $1 in\n"
    "    1) echo starting; sleep 0.2; echo failing; exit 3 ;;\n"
    "    2) echo starting; exec sleep 60 ;;\n"
    "    *) echo starting; sleep 0.2; echo serving; exec sleep 60 ;;\n"
    "    esac", "sh", arg, NULL};

static const aio_process_options out_pipe = {NULL, NULL, AIO_STDIO_INHERIT, AIO_STDIO_PIPE, AIO_STDIO_INHERIT};
typedef struct { aio_task task; aio_process proc; aio_stream out; int run; aio_status n, rc; char buf[256]; } main_t;
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_signal_cancel(SIGINT, t));
    for (s->run = 1;; s->run++) {
        snprintf(arg, sizeof arg, "%d", s->run);
        AIO_CHECK(t, aio_process_spawn(&s->proc, child, &out_pipe));
        aio_stream_init(&s->out, s->proc.out, s->buf, sizeof s->buf);
        for (;;) {
            AIO_READ_LINE(t, s->n, &s->out, AIO_SEC(3));
            if (s->n <= 0) break;
            printf("run %d: %.*s\n", s->run, (int)s->n - 1, aio_stream_data(&s->out));
        }
        if (s->n == AIO_ETIMEDOUT) printf("supervisor: run %d silent for 3 s\n", s->run);
        AIO_PROCESS_STOP(t, s->rc, &s->proc, AIO_SEC(2)); /* (one that exited is reaped) */
        printf("supervisor: run %d ended with status %d\n", s->run, aio_process_returncode(&s->proc));
        aio_process_close(&s->proc);
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) { /* Ctrl-C: the child stopped, and a clean exit */
        AIO_PROCESS_STOP(t, s->rc, &s->proc, AIO_SEC(2));
        printf("supervisor: run %d ended with status %d\nsupervisor: Ctrl-C: stopped\n", s->run, aio_process_returncode(&s->proc));
        AIO_RETURN(t, 0);
    }
    aio_process_close(&s->proc);
    AIO_END(t);
}

int main(void) {
    static main_t m;
    return example_run(&m.task, main_task, 0, NULL); /* the real clock: real processes */
}
