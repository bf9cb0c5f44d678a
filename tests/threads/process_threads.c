/* SPDX-License-Identifier: MIT */
/* Child processes of loops in several threads at once: four threads, each
 * with a loop of its own on the real clock, spawn children that overlap in
 * time (each exits after a short sleep with a code of its own), await each
 * with a deadline of 10 s and close it, three times over. Every spawn must
 * succeed and every await must give its own child's exit code, well within
 * the deadline, wherever the signal of an exit lands: SIGCHLD goes to any
 * thread, and each loop must still hear of its own children. Run twice:
 * SIGCHLD as the program found it, then ignored by the program (as daemons
 * do: the library's handler takes its place while loops have children, so
 * that the exit statuses are not lost). After each run SIGCHLD's action is
 * back, no child is left and (on Linux) no descriptor. Built with a pidfd
 * and with AIO_NO_PIDFD (SIGCHLD tells every exit there), by `make test`
 * and, under ThreadSanitizer, by `make sanitize`. Exit 0 when all is well. */
#define _DEFAULT_SOURCE /* (POSIX.1-2008 and, on Linux, syscall(): the pidfd build has its pidfd) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <dirent.h>
#endif

static pthread_mutex_t aio_mutex = PTHREAD_MUTEX_INITIALIZER;
#define AIO_CRITICAL_ENTER() pthread_mutex_lock(&aio_mutex)
#define AIO_CRITICAL_EXIT() pthread_mutex_unlock(&aio_mutex)
#define AIO_THREAD_LOCAL _Thread_local
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"

#define THREADS 4
#define ROUNDS 3

typedef struct {
    aio_task task;
    aio_process p;
    int id, round;
    aio_status spawned[ROUNDS], exited[ROUNDS];
    aio_time began;      /* (state lives in the struct: locals do not outlive an await) */
    long long waited_ms; /* the longest await */
} worker_t;
static worker_t workers[THREADS];

static aio_status worker(aio_task *t) {
    worker_t *s = AIO_SELF(t, worker_t);
    char script[64];
    const char *argv[4];
    AIO_BEGIN(t);
    for (s->round = 0; s->round < ROUNDS; s->round++) {
        /* (the sleeps differ, so that children of several loops end in turn and at once) */
        (void)snprintf(script, sizeof script, "sleep 0.%d; exit %d", 1 + (s->id + s->round) % 3,
                       10 * s->id + s->round);
        argv[0] = "sh";
        argv[1] = "-c";
        argv[2] = script;
        argv[3] = NULL;
        s->spawned[s->round] = aio_process_spawn(&s->p, argv, NULL);
        if (s->spawned[s->round] != AIO_OK) continue;
        s->began = aio_now();
        AIO_PROCESS_WAIT(t, s->exited[s->round], &s->p, AIO_SEC(10));
        if ((long long)((aio_now() - s->began) / AIO_MS(1)) > s->waited_ms)
            s->waited_ms = (long long)((aio_now() - s->began) / AIO_MS(1));
        (void)aio_process_close(&s->p);
    }
    AIO_END(t);
}

static void *run_loop(void *arg) {
    worker_t *s = (worker_t *)arg;
    aio_timer timers[8];
    aio_loop loop;
    aio_loop_init(&loop, timers, 8);
    (void)aio_run(&loop, &s->task, worker);
    (void)aio_loop_destroy(&loop);
    return NULL;
}

static int open_fds(void) {
#ifdef __linux__
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
    (void)closedir(d);
    return n - 1; /* (the directory's own) */
#else
    return 0;
#endif
}

/* One run with SIGCHLD's action `action`: 0 if all is well. */
static int run(void (*action)(int), const char *what) {
    pthread_t th[THREADS];
    struct sigaction now;
    int fds = open_fds();
    int status;
    int bad = 0;
    int i, r;
    (void)signal(SIGCHLD, action);
    memset(workers, 0, sizeof workers);
    for (i = 0; i < THREADS; i++) {
        workers[i].id = i;
        if (pthread_create(&th[i], NULL, run_loop, &workers[i]) != 0) return 1;
    }
    for (i = 0; i < THREADS; i++) (void)pthread_join(th[i], NULL);
    for (i = 0; i < THREADS; i++) {
        for (r = 0; r < ROUNDS; r++) {
            if (workers[i].spawned[r] == AIO_OK && workers[i].exited[r] == 10 * i + r) continue;
            printf("%s: thread %d, round %d: spawn %d, exit %d (expected %d)\n", what, i, r,
                   (int)workers[i].spawned[r], (int)workers[i].exited[r], 10 * i + r);
            bad = 1;
        }
        if (workers[i].waited_ms > 5000) {
            printf("%s: thread %d waited %lld ms for a child that sleeps 0.3 s at most\n", what, i,
                   workers[i].waited_ms);
            bad = 1;
        }
    }
    if (sigaction(SIGCHLD, NULL, &now) != 0 || now.sa_handler != action) {
        printf("%s: SIGCHLD's action is not the program's after the loops\n", what);
        bad = 1;
    }
    errno = 0;
    if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD) {
        printf("%s: a child is left\n", what);
        bad = 1;
    }
    if (open_fds() != fds) {
        printf("%s: %d descriptors open, %d before\n", what, open_fds(), fds);
        bad = 1;
    }
    return bad;
}

int main(void) {
    int bad = run(SIG_DFL, "SIGCHLD as it was");
    bad |= run(SIG_IGN, "SIGCHLD ignored");
    printf("%s%d loops in threads of their own, %d children each, SIGCHLD as it was and ignored\n",
           bad ? "FAILED: " : "", THREADS, ROUNDS);
    return bad;
}
