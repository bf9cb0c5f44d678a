/* SPDX-License-Identifier: MIT */
/* How a child closes the program's descriptors between fork and exec where
 * there is no close_range (the BSDs, Linux before 5.9; here
 * AIO_NO_CLOSE_RANGE): it finds the open ones itself, after the fork, with
 * poll() over every number below the descriptor limit (256 a call), and
 * closes those: not every number below the limit (a million on many
 * systems: a second or two of closes for every spawn), and not only those
 * open when the parent looked (another thread may put one anywhere, dup2,
 * just before the fork). This program's own close, poll and execve count
 * the child's calls and forward to the system calls; just before its exec
 * the child writes the counts to its standard error, a pipe read here. The
 * soft limit is raised to the hard one first. Three children: with this
 * program's descriptors open, as many closes as descriptors open (give or
 * take the spawn's own pipes) and a poll per 256 numbers of the limit; with
 * one more at number 1000, one more close; with the soft limit at 64, no
 * more than that. That the child keeps none of them is the unit tests'
 * part (test_processes_only_standard_streams, in a build with
 * AIO_NO_CLOSE_RANGE: tests/run_matrix.sh), and that one made by another
 * thread just before the fork is closed too is tests/checks/spawn_race.c's.
 * Linux only (the system calls by number); elsewhere it says so and passes. Run by tests/checks/faults.sh
 * (make test), once as it is and once with AIO_NO_LINUX. Exit 0 when all
 * is well. */
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
#include <poll.h>
#include <time.h>

#if defined(__linux__) && defined(SYS_close) && defined(SYS_execve)
static pid_t parent;
static long child_closes, child_polls;

int close(int fd) {
    if (getpid() != parent) child_closes++;
    return (int)syscall(SYS_close, fd);
}
int poll(struct pollfd *fds, nfds_t n, int timeout) {
    if (getpid() != parent) child_polls++;
    return (int)syscall(SYS_ppoll, fds, n, timeout == 0 ? &(struct timespec){0, 0} : NULL, NULL, (size_t)8);
}
int execve(const char *path, char *const argv[], char *const envp[]) {
    if (getpid() != parent) { /* (the child: async-signal-safe calls only): "closes polls" */
        char text[48];
        int n = (int)sizeof text;
        long v = child_polls;
        text[--n] = '\n';
        do text[--n] = (char)('0' + v % 10); while ((v /= 10) > 0 && n > 0);
        text[--n] = ' ';
        v = child_closes;
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

static long polls; /* the last child's */
/* The closes of one child (and its polls in `polls`): -1 if it did not say. */
static long closes_of_one(void) {
    char *end;
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
    polls = -1;
    {
        long closes = strtol(S.err, &end, 10);
        if (*end == ' ') polls = strtol(end + 1, NULL, 10);
        return closes;
    }
}

/* How many descriptors are open now. */
static long count_open(void) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    long n = 0;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    if (d) (void)closedir(d);
    return n - 1; /* (not the listing's own) */
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
    long few, few_polls, high, low, open_now;
    int fails = 0;
    parent = getpid();
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_max < 4096) {
        printf("the hard descriptor limit is under 4096: the count cannot tell (skipped)\n");
        return 0;
    }
    lim.rlim_cur = lim.rlim_max; /* (as a server raises it) */
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
    open_now = count_open();
    few = closes_of_one();
    few_polls = polls;
    /* The child had open this program's descriptors, the loop's and the
     * spawn's (its pipes, the one that reports a failed exec, kept), less
     * the three standard ones: a few more than are open here now. */
    if (few < 1 || few > open_now + 8) {
        printf("with %ld descriptors open, the child closed %ld (limit %ld)\n", open_now, few, (long)lim.rlim_cur);
        fails++;
    }
    if (few_polls != ((long)lim.rlim_cur - 3 + 255) / 256) {
        printf("the child polled %ld times for a limit of %ld (256 numbers a call)\n", few_polls, (long)lim.rlim_cur);
        fails++;
    }
    if (dup2(1, 1000) != 1000) return 1;
    high = closes_of_one();
    if (high != few + 1) {
        printf("with descriptor 1000 open too, the child closed %ld (%ld without it)\n", high, few);
        fails++;
    }
    (void)close(1000);
    lim.rlim_cur = 64;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) return 1;
    low = closes_of_one();
    if (low < 0 || low > 64 || polls != 1) {
        printf("at a limit of 64, the child closed %ld and polled %ld times\n", low, polls);
        fails++;
    }
    printf("%sa child without close_range closed %ld (%ld descriptors open; %ld polls for a limit of %ld), %ld with "
           "descriptor 1000 open, %ld at a limit of 64\n",
           fails ? "FAILED: " : "", few, open_now, few_polls, (long)lim.rlim_max, high, low);
    return fails != 0;
}
#else
int main(void) {
    printf("Linux only (skipped)\n");
    return 0;
}
#endif
