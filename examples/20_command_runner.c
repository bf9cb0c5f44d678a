/* SPDX-License-Identifier: MIT */
/* 20_command_runner.c - three commands at once (aio_process_spawn), each one's
 * output read line by line (AIO_READ_LINE) and its exit awaited in a timeout
 * block; the one that overruns its block is stopped (AIO_PROCESS_STOP: SIGTERM,
 * SIGKILL after a grace period; on Windows, which has no SIGTERM, it is ended at
 * once). Real processes, real clock, sh on POSIX and cmd.exe on Windows; the
 * Python original 20_command_runner.py prints the same. Run: 20_command_runner */
#include "example.h"

typedef struct {
    aio_task task;
    const char *name, *argv[4];
    aio_time deadline;
    aio_process proc;
    aio_stream out;
    aio_timeout block;
    char buf[256];
    aio_status n, rc;
} command_t;

static aio_status run_command(aio_task *t) {
    command_t *c = AIO_SELF(t, command_t);
    static const aio_process_options out_pipe = {NULL, NULL, AIO_STDIO_INHERIT, AIO_STDIO_PIPE, AIO_STDIO_INHERIT};
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_process_spawn(&c->proc, c->argv, &out_pipe));
    aio_stream_init(&c->out, c->proc.out, c->buf, sizeof c->buf);
    AIO_TIMEOUT(t, &c->block, c->deadline) {
        for (;;) {
            AIO_READ_LINE(t, c->n, &c->out, AIO_NEVER);
            if (c->n <= 0) break; /* its end (or an error) */
            printf("[%s] %.*s\n", c->name, (int)c->n - 1, aio_stream_data(&c->out));
        }
        AIO_PROCESS_WAIT(t, c->rc, &c->proc, AIO_NEVER);
        printf("[%s] exited with status %d\n", c->name, c->rc);
    }
    if (aio_timeout_status(&c->block) == AIO_ETIMEDOUT) {
        AIO_PROCESS_STOP(t, c->rc, &c->proc, AIO_SEC(2));
        printf("[%s] gave up after %.1f s: stopped by signal %d\n", c->name, aio_to_seconds(c->deadline), -aio_process_returncode(&c->proc));
    }
    AIO_FINALLY(t);
    aio_process_close(&c->proc); /* (kills and reaps it if it still runs) */
    AIO_END(t);
}

static const struct { const char *name, *script; aio_time deadline; } table[] = {
#ifdef _WIN32 /* cmd.exe, where "ping -n 2" waits a second */
    {"quick", "echo hello from quick", AIO_SEC(5)},
    {"slow", "ping -n 2 127.0.0.1>nul& echo step 1& ping -n 2 127.0.0.1>nul& echo step 2& "
             "ping -n 2 127.0.0.1>nul& echo step 3& exit 3", AIO_SEC(30)},
    {"hangs", "echo working...& ping -n 60 127.0.0.1>nul", AIO_MS(1500)},
};
static const char *const shell[] = {"cmd", "/c"};
#else
    {"quick", "echo hello from quick", AIO_SEC(5)},
    {"slow", "for i in 1 2 3; do sleep 0.3; echo step $i; done; exit 3", AIO_SEC(5)},
    {"hangs", "sleep 0.15; echo working...; exec sleep 60", AIO_MS(1500)},
};
static const char *const shell[] = {"sh", "-c"};
#endif
static command_t commands[3];

static aio_status main_task(aio_task *t) {
    static int i;
    AIO_BEGIN(t);
    for (i = 0; i < 3; i++) {
        command_t *c = &commands[i];
        c->name = table[i].name, c->deadline = table[i].deadline;
        c->argv[0] = shell[0], c->argv[1] = shell[1], c->argv[2] = table[i].script;
        AIO_CHECK(t, aio_spawn(&c->task, run_command));
    }
    for (i = 0; i < 3; i++) AIO_AWAIT(t, commands[i].rc, &commands[i].task);
    AIO_END(t);
}

int main(void) {
    static aio_task m;
    return example_run(&m, main_task, 0, NULL); /* the real clock: real processes */
}
