/* SPDX-License-Identifier: MIT */
/* example.h - the little that every example shares.
 *
 *   example_loop(&loop, timers, n, argc, argv)
 *       a loop on the real clock, or on the virtual clock with `--virtual` on
 *       the command line or AIO_VIRTUAL=1 in the environment (then it finishes
 *       at once and prints exactly the same); argv NULL: the real clock always
 *       (an example with real sockets);
 *   say("...", ...)
 *       printf with the time since the start in front: "[ 1.50s] timed out".
 *       Leading newlines go before the prefix and an empty text prints an empty
 *       line, like timed_print() in virtual_asyncio.py, which the Python
 *       originals use, so both print the same lines. In a simulation
 *       (AIO_SIMULATION, aio_sim_active()) it prints nothing: a run of
 *       thousands of seeds stays quiet;
 *
 *   example_run(&m.task, main_task, argc, argv)
 *       runs the task main_task on such a loop and destroys the loop: the
 *       program's exit status (0: the task ended without an error), as
 *       asyncio.run(main()) is a Python original's last line.
 *
 *   create_task(&items[i], &task, fn)
 *       asyncio.create_task: spawns the task and notes it in a wait item for
 *       AIO_GATHER, AIO_WAIT or as_completed;
 *   join(list, sizeof list, "'%s'", item)
 *       ", ".join(...), an item at a time (list[0] = '\0' starts a list);
 *   scripted = numbers; random_value(), uniform(a, b)
 *       the fixed "random" numbers of virtual_asyncio.py's Scripted;
 *   example_sigterm(&event), example_sigterm_cancel(&task)
 *       a SIGTERM from the program itself (a script's stop), routed by
 *       aio_signal_event or aio_signal_cancel; on Windows, where no program
 *       raises SIGTERM, what it would do: the event set, the task cancelled;
 *   example_flag(argc, argv, "--fixed")
 *       whether the command line has that word;
 *   starts_with_nocase(text, "content-length:")
 *       whether text begins so, letters in any case (an HTTP header's name);
 *   EXAMPLE_SIM(&options, argc, argv, main_t, main_task)   (with AIO_SIMULATION)
 *       `--sim [N]`: main_task (the field `task` of a main_t) over seeds 1 to
 *       N (1000) in a simulation with those options, then "sim: F of N seeds
 *       failed"; `--all` runs them one at a time, quiet and without a trace,
 *       to count every failing seed (a replay, AIO_SIM_SEED=S: that one).
 *       The program's exit status (0: none failed).
 *
 * An example includes this file first: it includes aio_timeout.h with its
 * implementation (AIO_TIMEOUT_IMPLEMENTATION, AIO_STATIC). One that includes
 * the header itself first (examples 16 and 17) keeps its own. */
#ifndef EXAMPLE_H
#define EXAMPLE_H
#ifndef AIO_TIMEOUT_IMPLEMENTATION
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#endif
#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static aio_time example_start;

#if defined(__GNUC__) || defined(__clang__)
#define EXAMPLE_UNUSED __attribute__((unused)) /* (an example need not use each) */
#else
#define EXAMPLE_UNUSED
#endif

static int example_flag(int argc, char **argv, const char *word) {
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], word) == 0) return i;
    return 0;
}

static int example_virtual(int argc, char **argv) {
    const char *env = getenv("AIO_VIRTUAL");
    return example_flag(argc, argv, "--virtual") || (env && env[0] && strcmp(env, "0") != 0);
}

static void example_loop(aio_loop *loop, aio_timer *timers, uint32_t n, int argc, char **argv) {
    aio_loop_init(loop, timers, n);
    if (argv && example_virtual(argc, argv)) aio_loop_use_virtual_clock(loop, 0);
    example_start = aio_loop_now(loop);
    setvbuf(stdout, NULL, _IOLBF, 0); /* a person watching sees each line when it happens */
}

EXAMPLE_UNUSED static int example_run(aio_task *main_task, aio_task_fn fn, int argc, char **argv) {
    static aio_timer timers[64];
    aio_loop loop;
    aio_status rc;
    aio_status end;
    example_loop(&loop, timers, 64, argc, argv);
    rc = aio_run(&loop, main_task, fn);
    if (rc < 0) fprintf(stderr, "example: the main task ended with %s\n", aio_strerror(rc)); /* (the exit status 1) */
    end = aio_loop_destroy(&loop);
    if (end != AIO_OK) fprintf(stderr, "example: aio_loop_destroy: %s\n", aio_strerror(end));
    return end != AIO_OK || rc < 0;
}

#ifdef AIO_SIMULATION
#define EXAMPLE_SIM(o, argc, argv, type, fn) example_sim((o), (argc), (argv), sizeof(type), offsetof(type, task), (fn))
static int example_sim(aio_sim_options *o, int argc, char **argv, size_t size, size_t offset, aio_task_fn fn) {
    int at = example_flag(argc, argv, "--sim");
    int sim = at && at + 1 < argc && atoi(argv[at + 1]) > 0 ? atoi(argv[at + 1]) : 1000;
    int all = example_flag(argc, argv, "--all") && !getenv("AIO_SIM_SEED"); /* (a replay: one seed) */
    int failed = 0;
    o->quiet = all;
    o->trace = all ? "" : NULL; /* ("": none) */
    for (o->first = 1, o->seeds = all ? 1 : (uint64_t)sim; o->first <= (uint64_t)sim; o->first += o->seeds)
        failed += aio_sim_run(o, size, offset, fn);
    printf("sim: %d of %llu seeds failed\n", failed, all ? (unsigned long long)sim : (unsigned long long)o->runs);
    return failed != 0;
}
#endif

/* asyncio.create_task(fn()) for a gather or a wait: spawn `task`, which
 * runs fn, and note it in *item; AIO_OK, or aio_spawn's error. */
EXAMPLE_UNUSED static aio_status create_task(aio_wait_item *item, aio_task *task, aio_task_fn fn) {
    item->task = task;
    return aio_spawn(task, fn);
}

/* ", ".join(items), an item at a time: the item printf formats appended to
 * the text in list[0..size), after ", " unless the list is empty; list. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
EXAMPLE_UNUSED static char *join(char *list, size_t size, const char *fmt, ...) {
    size_t len = strlen(list);
    va_list ap;
    if (len) len += (size_t)snprintf(list + len, size - len, ", ");
    va_start(ap, fmt);
    if (len < size) vsnprintf(list + len, size - len, fmt, ap);
    va_end(ap);
    return list;
}

/* Whether text begins with prefix, letters in any case (bytes.lower() in
 * the Python originals). */
EXAMPLE_UNUSED static int starts_with_nocase(const char *text, const char *prefix) {
    while (*prefix && tolower((unsigned char)*text) == tolower((unsigned char)*prefix)) text++, prefix++;
    return *prefix == '\0';
}

/* virtual_asyncio.py's Scripted, where a Python original uses randomness:
 * random_value() and uniform(a, b) take the next of the fixed numbers the
 * example points `scripted` at. */
EXAMPLE_UNUSED static const double *scripted;
EXAMPLE_UNUSED static double random_value(void) { return *scripted++; }
EXAMPLE_UNUSED static double uniform(double a, double b) { return a + (b - a) * random_value(); }

/* What a SIGTERM from outside does, from the program itself (a script's
 * stop): raise(SIGTERM), which sets the event aio_signal_event gave it; on
 * Windows, whose SIGTERM is the console's close (no program raises it),
 * that event is set. */
EXAMPLE_UNUSED static void example_sigterm(aio_event *ev) {
#ifdef _WIN32
    aio_event_set(ev);
#else
    (void)ev;
    (void)raise(SIGTERM);
#endif
}

/* The same for a program whose SIGTERM cancels a task (aio_signal_cancel):
 * raise(SIGTERM); on Windows, that task cancelled. */
EXAMPLE_UNUSED static void example_sigterm_cancel(aio_task *t) {
#ifdef _WIN32
    (void)aio_cancel(t);
#else
    (void)t;
    (void)raise(SIGTERM);
#endif
}

/* Seconds since the start, as a double. */
static double elapsed(void) {
    return aio_to_seconds(aio_now() - example_start);
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 1, 2)))
#endif
EXAMPLE_UNUSED static void say(const char *fmt, ...) {
    char text[2048];
    const char *p = text;
    va_list ap;
#ifdef AIO_SIMULATION
    if (aio_sim_active()) return; /* (ten thousand runs print nothing) */
#endif
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (text[0] == '\0') {
        putchar('\n');
        return;
    }
    while (*p == '\n') putchar(*p++);
    printf("[%5.2fs] %s\n", elapsed(), p);
}

#endif
