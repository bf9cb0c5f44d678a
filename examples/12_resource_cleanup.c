/* SPDX-License-Identifier: MIT */
/* 12_resource_cleanup.c - acquire, use and release a resource under a
 * timeout: the release belongs in AIO_FINALLY, which runs however the
 * coroutine ends and may await.
 *
 *   1. acquire and use inside a timeout block, release in AIO_FINALLY: with
 *      2 s the block times out and the release still runs; with 10 s it does
 *      not time out;
 *   2. a query cancelled by a timeout closes its connection (an await) in its
 *      cleanup, and the timeout is reported once that is done;
 *   3. the pitfall: with the release as a plain statement after the use, a
 *      timeout skips it (the resource leaks); in AIO_FINALLY it runs, and
 *      wait_for waits for it.
 *
 * The Python original is 12_resource_cleanup.py; both print the same lines.
 * Run: 12_resource_cleanup [--virtual] */
#include "example.h"

/* 1. -------------------------------------------------------------------- */
typedef struct { aio_frame frame; } manager_t; /* ResourceManager.acquire / release */
static aio_status manager_acquire(aio_task *t, manager_t *s) {
    AIO_BEGIN(t, s);
    say("Acquiring resource...");
    AIO_SLEEP(t, AIO_MS(500));
    say("Resource acquired");
    AIO_RETURN(t, 1); /* the resource */
    AIO_END(t);
}
static aio_status manager_release(aio_task *t, manager_t *s) {
    AIO_BEGIN(t, s);
    say("Releasing resource...");
    AIO_SLEEP(t, AIO_MS(500));
    say("Resource released");
    AIO_END(t);
}

/* (resource 0: not acquired) */
typedef struct { aio_frame frame; int timeout, resource; manager_t manager; aio_timeout scope; aio_status rc; } use_t;
static aio_status use_resource_with_timeout(aio_task *t, use_t *s) {
    AIO_BEGIN(t, s);
    s->resource = 0;
    AIO_TIMEOUT(t, &s->scope, AIO_SEC(s->timeout)) {
        AIO_CALL(t, s->resource, manager_acquire, &s->manager);
        say("Using resource...");
        AIO_SLEEP(t, AIO_SEC(5)); /* the slow use */
        say("Resource usage completed");
    }
    if (aio_timeout_status(&s->scope) == AIO_ETIMEDOUT)
        say("Operation timed out after %ds", s->timeout);
    AIO_FINALLY(t);
    if (s->resource) AIO_CALL(t, s->rc, manager_release, &s->manager); /* even on timeout */
    AIO_END(t);
}

/* 2. -------------------------------------------------------------------- */
typedef struct { aio_frame frame; } conn_t;
static aio_status connect_to_database(aio_task *t, conn_t *s) {
    AIO_BEGIN(t, s);
    say("Connecting to the database...");
    AIO_SLEEP(t, AIO_MS(500));
    say("Connected");
    AIO_RETURN(t, 1); /* the connection */
    AIO_END(t);
}
static aio_status connection_close(aio_task *t, conn_t *s) {
    AIO_BEGIN(t, s);
    say("Closing the database connection...");
    AIO_SLEEP(t, AIO_MS(100));
    say("Connection closed");
    AIO_END(t);
}

typedef struct { aio_frame frame; int connection; conn_t conn; aio_status rc; } db_t;
static aio_status database_operation(aio_task *t, db_t *s) {
    AIO_BEGIN(t, s);
    s->connection = 0;
    AIO_CALL(t, s->connection, connect_to_database, &s->conn);
    AIO_SLEEP(t, AIO_SEC(10)); /* the slow query */
    AIO_RETURN(t, 1);          /* its rows */
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) {
        say("Database operation cancelled, cleaning up...");
        if (s->connection) AIO_CALL(t, s->rc, connection_close, &s->conn);
    } /* the status stays: re-raised */
    AIO_END(t);
}

/* 3. -------------------------------------------------------------------- */
typedef struct { aio_frame frame; } step_t;
static aio_status acquire_resource(aio_task *t, step_t *s) {
    AIO_BEGIN(t, s);
    say("acquire_resource()");
    AIO_SLEEP(t, AIO_MS(100));
    AIO_RETURN(t, 1);
    AIO_END(t);
}
static aio_status use_resource(aio_task *t, step_t *s) {
    AIO_BEGIN(t, s);
    say("use_resource('resource') takes 2 s");
    AIO_SLEEP(t, AIO_SEC(2));
    AIO_END(t);
}
static aio_status release_resource(aio_task *t, step_t *s) {
    AIO_BEGIN(t, s);
    say("release_resource('resource')");
    AIO_SLEEP(t, AIO_MS(100));
    say("released");
    AIO_END(t);
}

typedef struct { aio_frame frame; int resource; step_t step; aio_status rc; } handling_t;
/* BAD: the release is skipped when a timeout cancels the use */
static aio_status bad_resource_handling(aio_task *t, handling_t *s) {
    AIO_BEGIN(t, s);
    AIO_CALL(t, s->resource, acquire_resource, &s->step);
    AIO_CALL(t, s->rc, use_resource, &s->step);
    AIO_CALL(t, s->rc, release_resource, &s->step);
    AIO_END(t);
}
/* GOOD: the release is in the cleanup section, which runs on a timeout too */
static aio_status good_resource_handling(aio_task *t, handling_t *s) {
    AIO_BEGIN(t, s);
    s->resource = 0;
    AIO_CALL(t, s->resource, acquire_resource, &s->step);
    AIO_CALL(t, s->rc, use_resource, &s->step);
    AIO_FINALLY(t);
    if (s->resource) AIO_CALL(t, s->rc, release_resource, &s->step);
    AIO_END(t);
}

/* ----------------------------------------------------------------------- */
typedef struct { aio_task task; use_t use; db_t db; handling_t handling; aio_timeout scope; aio_status rc; } main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);

    say("== 1. acquire and use under a timeout, release in finally");
    s->use.timeout = 2; /* this will time out */
    AIO_CALL(t, s->rc, use_resource_with_timeout, &s->use);
    say("\n---\n");
    s->use.timeout = 10; /* this won't */
    AIO_CALL(t, s->rc, use_resource_with_timeout, &s->use);

    say("\n== 2. a cancelled query closes its connection");
    AIO_TIMEOUT(t, &s->scope, AIO_SEC(5)) {
        AIO_CALL(t, s->rc, database_operation, &s->db);
        say("Result: rows");
    }
    if (aio_timeout_status(&s->scope) == AIO_ETIMEDOUT)
        say("Database operation timed out after 5 seconds");

    say("\n== 3. without and with try/finally, under wait_for(..., 1)");
    AIO_WAIT_FOR_CALL(t, s->rc, bad_resource_handling, &s->handling, &s->scope, AIO_SEC(1));
    if (s->rc == AIO_ETIMEDOUT) say("bad_resource_handling: timed out");
    AIO_WAIT_FOR_CALL(t, s->rc, good_resource_handling, &s->handling, &s->scope, AIO_SEC(1));
    if (s->rc == AIO_ETIMEDOUT) say("good_resource_handling: timed out");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
