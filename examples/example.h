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
 *       originals use, so both print the same lines.
 *
 *   example_run(&m.task, main_task, argc, argv)
 *       runs the task main_task on such a loop and destroys the loop: the
 *       program's exit status (0: the task ended without an error), as
 *       asyncio.run(main()) is a Python original's last line.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static aio_time example_start;

static int example_virtual(int argc, char **argv) {
    const char *env = getenv("AIO_VIRTUAL");
    int i;
    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--virtual") == 0) return 1;
    return env && env[0] && strcmp(env, "0") != 0;
}

static void example_loop(aio_loop *loop, aio_timer *timers, uint32_t n, int argc, char **argv) {
    aio_loop_init(loop, timers, n);
    if (argv && example_virtual(argc, argv)) aio_loop_use_virtual_clock(loop, 0);
    example_start = aio_loop_now(loop);
    setvbuf(stdout, NULL, _IOLBF, 0); /* a person watching sees each line when it happens */
}

static int example_run(aio_task *main_task, aio_task_fn fn, int argc, char **argv) {
    static aio_timer timers[64];
    aio_loop loop;
    aio_status rc;
    example_loop(&loop, timers, 64, argc, argv);
    rc = aio_run(&loop, main_task, fn);
    return aio_loop_destroy(&loop) != AIO_OK || rc < 0;
}

/* Seconds since the start, as a double. */
static double elapsed(void) {
    return (double)(aio_time)(aio_now() - example_start) / (double)AIO_TICKS_PER_SEC;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 1, 2), unused))
#endif
static void say(const char *fmt, ...) {
    char text[2048];
    const char *p = text;
    va_list ap;
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
