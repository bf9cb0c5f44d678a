/* SPDX-License-Identifier: MIT */
/* How many descriptors a child closes between fork and exec where there is
 * no close_range (macOS, the BSDs, Linux before 5.9; here AIO_NO_CLOSE_RANGE):
 * up to a little above the highest descriptor open, not every number below
 * the descriptor limit (a million on many systems: a second or two of
 * closes for every spawn). This program's own close and execve count the
 * child's closes and forward to the system calls; just before its exec the
 * child writes the count to its standard error, a pipe read here. The soft
 * limit is raised to the hard one first. Three children: with this
 * program's descriptors open (those it was given included, and those the loop
 * and the spawn open), no more closes than 64 above the highest of them; with one more at number 1000, between
 * 1000 and 1064; and with the soft limit at 64, no more than that. That the child keeps none of them is the unit tests'
 * part (test_processes_only_standard_streams, in a build with
 * AIO_NO_CLOSE_RANGE: tests/run_matrix.sh). Linux only
 * (the system calls by number); elsewhere it says so and passes. Run by
 * tests/checks/faults.sh (make test), once as it is and once with
 * AIO_NO_LINUX (the open descriptors listed in /dev/fd, as on macOS). Exit
 * 0 when all is well. */
#define _GNU_SOURCE
#define AIO_NO_CLOSE_RANGE
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <dirent.h>
#include <stdio.h>
#ifdef __linux__
#include <sys/syscall.h> /* (the header includes it only where it calls syscall() itself) */
#endif
#include <stdlib.h>
#include <sys/resource.h>

#if defined(__linux__) && defined(SYS_close) && defined(SYS_execve)
static pid_t parent;
static long child_closes;

int close(int fd) {
    if (getpid() != parent) child_closes++;
    return (int)syscall(SYS_close, fd);
}
int execve(const char *path, char *const argv[], char *const envp[]) {
    if (getpid() != parent) { /* (the child: async-signal-safe calls only) */
        char text[32];
        int n = (int)sizeof text;
        long v = child_closes;
        text[--n] = '\n';
        do text[--n] = (char)('0' + v % 10); while ((v /= 10) > 0 && n > 0);
        if (write(2, text + n, sizeof text - (size_t)n) < 0) _exit(126);
    }
    return (int)syscall(SYS_execve, path, argv, envp);
}

static struct {
    aio_task task;
    aio_process p;
    aio_communicate io;
    char err[64];
    aio_status rc;
    long top; /* the highest descriptor open once the spawn returned */
} S;

static long highest_open(void);

static aio_status spawn_one(aio_task *t) {
    static const char *const argv[] = {"/bin/true", NULL};
    static const aio_process_options err_pipe = {NULL, NULL, AIO_STDIO_DEVNULL, AIO_STDIO_DEVNULL, AIO_STDIO_PIPE};
    AIO_BEGIN(t);
    memset(&S.io, 0, sizeof S.io);
    S.io.err = S.err;
    S.io.err_size = sizeof S.err - 1;
    S.rc = aio_process_spawn(&S.p, argv, &err_pipe);
    if (S.rc != AIO_OK) AIO_RAISE(t, S.rc);
    S.top = highest_open(); /* (the loop's and the child's pipes included) */
    AIO_COMMUNICATE(t, S.rc, &S.p, &S.io, AIO_SEC(10));
    (void)aio_process_close(&S.p);
    AIO_END(t);
}

/* The closes of one child: -1 if it did not say. */
static long closes_of_one(void) {
    aio_timer timers[4];
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 4);
    rc = aio_run(&loop, &S.task, spawn_one);
    (void)aio_loop_destroy(&loop);
    S.err[S.io.err_len < sizeof S.err ? S.io.err_len : sizeof S.err - 1] = '\0';
    if (rc != AIO_OK || S.rc != 0 || !S.err[0]) {
        printf("the child did not run: %d, exit %d, said \"%s\"\n", (int)rc, (int)S.rc, S.err);
        return -1;
    }
    return strtol(S.err, NULL, 10);
}

/* The highest descriptor open now. */
static long highest_open(void) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    long top = -1;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strtol(e->d_name, NULL, 10) > top) top = strtol(e->d_name, NULL, 10);
    if (d) (void)closedir(d);
    return top;
}

int main(void) {
    struct rlimit lim;
    long few, high, low, top;
    int fails = 0;
    parent = getpid();
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_max < 4096) {
        printf("the hard descriptor limit is under 4096: the count cannot tell (skipped)\n");
        return 0;
    }
    lim.rlim_cur = lim.rlim_max; /* (as a server raises it) */
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
    few = closes_of_one();
    /* The bound is what the child had open at its fork: this program's
     * descriptors and those the loop and the spawn opened (measured once the
     * spawn returned), plus the two of the pipe that reports a failed exec,
     * closed before the spawn returns, plus the 64 of room above them. */
    top = S.top + 2;
    if (few < top - 4 || few > top + 64) { /* (3 to top at least: each number is closed) */
        printf("with descriptors up to %ld open, the child closed %ld (limit %ld)\n", top, few, (long)lim.rlim_cur);
        fails++;
    }
    if (dup2(1, 1000) != 1000) return 1;
    high = closes_of_one();
    if (high <= 1000 || high > 1064) {
        printf("with descriptor 1000 open, the child closed %ld\n", high);
        fails++;
    }
    (void)close(1000);
    lim.rlim_cur = 64; /* (below the highest open number plus the room above it) */
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
    low = closes_of_one();
    if (low < 0 || low > 64) {
        printf("at a limit of 64, the child closed %ld\n", low);
        fails++;
    }
    printf("%sa child without close_range closed %ld (descriptors up to %ld open, limit %ld), %ld with "
           "descriptor 1000 open, %ld at a limit of 64\n",
           fails ? "FAILED: " : "", few, top, (long)lim.rlim_max, high, low);
    return fails != 0;
}
#else
int main(void) {
    printf("Linux only (skipped)\n");
    return 0;
}
#endif
