/* SPDX-License-Identifier: MIT */
/* A descriptor another thread makes at a number of its own (dup2, as a
 * daemon's log at a fixed number, not close-on-exec) while children are
 * spawned: no child may hold it, wherever the spawn was when the thread made
 * it. Where there is no close_range (AIO_NO_CLOSE_RANGE, and AIO_NO_LINUX:
 * the BSDs' path) the child finds the open descriptors itself, after the
 * fork; one the parent listed before the fork would miss this one. A thread
 * puts and takes away number 1000 without a pause; 400 children each look
 * for it in /proc/<pid>/fd and exit 7 if they hold it. Linux only (/proc);
 * elsewhere it says so and passes. Run by tests/checks/faults.sh (make test)
 * in those two builds. Exit 0 when no child held it. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#ifdef __linux__
#define CHILDREN 400
static volatile int stop;

static void *toggler(void *arg) {
    (void)arg;
    while (!stop) {
        (void)dup2(0, 1000);
        (void)close(1000);
    }
    return NULL;
}

static struct {
    aio_task task;
    aio_process p;
    int i, held, failed;
    aio_status rc;
} S;

static aio_status spawner(aio_task *t) {
    static const char *const argv[] = {"sh", "-c", "[ -e /proc/$$/fd/1000 ] && exit 7; exit 0", NULL};
    AIO_BEGIN(t);
    for (S.i = 0; S.i < CHILDREN; S.i++) {
        S.rc = aio_process_spawn(&S.p, argv, NULL);
        if (S.rc != AIO_OK) {
            S.failed++;
            continue;
        }
        AIO_PROCESS_WAIT(t, S.rc, &S.p, AIO_SEC(10));
        (void)aio_process_close(&S.p);
        if (S.rc == 7) S.held++;
        else if (S.rc != 0) S.failed++;
    }
    AIO_END(t);
}

int main(void) {
    aio_timer timers[4];
    aio_loop loop;
    pthread_t th;
    aio_status rc;
    if (pthread_create(&th, NULL, toggler, NULL) != 0) return 1;
    aio_loop_init(&loop, timers, 4);
    rc = aio_run(&loop, &S.task, spawner);
    stop = 1;
    (void)pthread_join(th, NULL);
    (void)aio_loop_destroy(&loop);
    printf("%s%d children while another thread made and closed descriptor 1000: %d held it, %d failed\n",
           rc != AIO_OK || S.held || S.failed ? "FAILED: " : "", CHILDREN, S.held, S.failed);
    return rc != AIO_OK || S.held || S.failed;
}
#else
int main(void) {
    printf("Linux only (skipped)\n");
    return 0;
}
#endif
