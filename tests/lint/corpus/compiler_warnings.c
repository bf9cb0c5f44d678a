/* SPDX-License-Identifier: MIT */
/* The mistakes of the README's "The model", one per function, and which the
 * compilers see: a `warns` comment lists the warnings the README's build
 * commands (below its first example) give on its line, as COMPILER -WFLAG; a
 * line without one gets none (tests/checks/warnings.sh reads the commands from
 * the README and checks both). Written for gcc 12 and clang 14 (Debian 12).
 * The `expect` comments are what the coroutine checker finds: every one of
 * the mistakes. */
#include <stdio.h>
#include "aio_timeout.h"

int get(void);

typedef struct { aio_task task; aio_timeout scope; int mode, i; } job_t;

/* A loop counter in a local: gcc sees it at -O2 (not at -O0), clang at any -O. */
aio_status loop_counter(aio_task *t) {
    int i;
    AIO_BEGIN(t);
    for (i = 0; i < 3; i++) /* expect: i after 21 */ /* warns: gcc -Wmaybe-uninitialized; clang -Wconditional-uninitialized */
        AIO_SLEEP(t, AIO_MS(10));
    AIO_END(t);
}

/* A value computed before an await and read after it: gcc at -O2, clang at any -O. */
aio_status value_across(aio_task *t) {
    int n;
    AIO_BEGIN(t);
    n = get();
    AIO_SLEEP(t, AIO_MS(10));
    printf("%d\n", n); /* expect: n after 30 */ /* warns: gcc -Wmaybe-uninitialized; clang -Wconditional-uninitialized */
    AIO_END(t);
}

/* A declaration with an initialiser that the resume jumps over: gcc's
 * -Wjump-misses-init names the await and AIO_END (their case labels), and
 * both compilers see the read after the await. */
aio_status init_skipped(aio_task *t) {
    AIO_BEGIN(t);
    int n = get(); /* expect: init n skipped by 41,43 */
    AIO_SLEEP(t, AIO_MS(10)); /* warns: gcc -Wjump-misses-init */
    printf("%d\n", n); /* expect: n after 41 */ /* warns: gcc -Wmaybe-uninitialized; clang -Wconditional-uninitialized */
    AIO_END(t); /* warns: gcc -Wjump-misses-init */
}

/* An await inside your own switch on an int: nothing. */
aio_status switch_int(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    switch (s->mode) { /* expect: switch around 52 */
    case 100:
        AIO_SLEEP(t, AIO_MS(10));
        break;
    default:
        break;
    }
    AIO_END(t);
}

/* The same on an enum: -Wswitch (in -Wall), "case value not in enumerated type". */
enum mode { IDLE = 1000, BUSY = 2000 };
typedef struct { aio_task task; enum mode mode; } enum_job_t;
aio_status switch_enum(aio_task *t) {
    enum_job_t *s = AIO_SELF(t, enum_job_t);
    AIO_BEGIN(t);
    switch (s->mode) { /* expect: switch around 70 */
    case IDLE:
        break;
    case BUSY:
        AIO_SLEEP(t, AIO_MS(10)); /* warns: gcc -Wswitch; clang -Wswitch */
        break;
    }
    AIO_END(t);
}

/* A plain return inside a timeout block: nothing. */
aio_status plain_return(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->scope, AIO_MS(50)) {
        AIO_SLEEP(t, AIO_MS(10));
        if (get()) return AIO_OK; /* expect: return in AIO_TIMEOUT at 80 */
    }
    AIO_END(t);
}

/* A goto out of a timeout block: nothing. */
aio_status goto_out(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->scope, AIO_MS(50)) {
        AIO_SLEEP(t, AIO_MS(10));
        if (get()) goto out; /* expect: goto out of AIO_TIMEOUT at 91 */
    }
out:
    AIO_END(t);
}

/* A continue in a timeout block inside a loop of yours: it ends the block, not
 * the loop's iteration. Nothing. */
aio_status continue_in_block(aio_task *t) {
    job_t *s = AIO_SELF(t, job_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 3; s->i++) {
        AIO_TIMEOUT(t, &s->scope, AIO_MS(50)) {
            AIO_SLEEP(t, AIO_MS(10));
            if (get()) continue; /* expect: continue in AIO_TIMEOUT at 105 */
            printf("after\n");
        }
    }
    AIO_END(t);
}
