/* SPDX-License-Identifier: MIT */
/* 09_taskgroup_server.c - a task group serving requests, each under its own
 * timeout (the "server" pattern), and one timeout around a whole group.
 *
 *   1. Every request handler is a child of an AIO_GROUP and puts its own
 *      AIO_TIMEOUT around the work: a slow request times out alone, the others
 *      are served. The group's end waits for every child.
 *   2. A timeout around the group: children see the deadlines of the blocks
 *      around their group, so when it fires, every child still running is
 *      cancelled (and cleans up), then the block reports the timeout.
 *
 * The Python original is 09_taskgroup_server.py; both print the same lines.
 * Run: 09_taskgroup_server [--virtual] */
#include "example.h"

/* 1. A request handler: handle_request() under a 5 s timeout. */
typedef struct { aio_task task; const char *request_id; int processing_time; aio_timeout deadline; } request_t;
static aio_status request_handler(aio_task *t) {
    request_t *s = AIO_SELF(t, request_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->deadline, AIO_SEC(5)) { /* individual request timeout */
        say("Request %s starting", s->request_id);
        AIO_SLEEP(t, AIO_SEC(s->processing_time));
        say("Request %s done", s->request_id);
        AIO_RETURN(t, 1); /* "response for ..." */
    }
    say("Request %s timed out", s->request_id);
    AIO_RETURN(t, 0); /* None */
    AIO_END(t);
}

/* 2. A worker that reports its cancellation. */
typedef struct { aio_task task; const char *name; int duration; } worker_t;
static aio_status worker(aio_task *t) {
    worker_t *s = AIO_SELF(t, worker_t);
    AIO_BEGIN(t);
    say("%s starting", s->name);
    AIO_SLEEP(t, AIO_SEC(s->duration));
    say("%s completed", s->name);
    AIO_RETURN(t, 1); /* "Task N result" */
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("%s was cancelled", s->name);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    aio_group group;
    request_t requests[3];
    worker_t workers[3];
    aio_timeout overall;
    int i;
} main_t;

static aio_status main_task(aio_task *t) {
    static const struct { const char *id; int time; } requests[3] = {{"req1", 2}, {"req2", 6}, {"req3", 3}};
    static const char *const names[3] = {"Task 1", "Task 2", "Task 3"};
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("== 1. a server: each request has 5 s");
    AIO_GROUP(t, &s->group) {                    /* async with TaskGroup() as tg: */
        for (s->i = 0; s->i < 3; s->i++) {
            s->requests[s->i].request_id = requests[s->i].id;
            s->requests[s->i].processing_time = requests[s->i].time; /* req2 will time out */
            AIO_CHECK(t, aio_group_spawn(&s->group, &s->requests[s->i].task, request_handler));
        }
    }                                            /* waits for every request */

    say("\n== 2. one timeout (2 s) around a task group");
    AIO_TIMEOUT(t, &s->overall, AIO_SEC(2)) {
        AIO_GROUP(t, &s->group) {
            for (s->i = 0; s->i < 3; s->i++) {
                s->workers[s->i].name = names[s->i];
                s->workers[s->i].duration = 2 * s->i + 1; /* 1, 3, 5 s */
                AIO_CHECK(t, aio_group_spawn(&s->group, &s->workers[s->i].task, worker));
            }
            say("All tasks started");
        }
        say("All tasks completed or cancelled");
    }
    if (aio_timeout_status(&s->overall) == AIO_ETIMEDOUT)
        say("Operation timed out, all tasks were cancelled");
    for (s->i = 0; s->i < 3; s->i++) {           /* results of the completed tasks */
        if (aio_task_cancelled(&s->workers[s->i].task)) continue;
        if (aio_task_failed(&s->workers[s->i].task))
            say("Task raised: %s", aio_strerror(aio_task_result(&s->workers[s->i].task)));
        else
            say("Got result: %s result", s->workers[s->i].name);
    }
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
