/* SPDX-License-Identifier: MIT */
// The same trap in C++: a loop counter, and a class-type local.
#include <cstdio>
#include "aio_timeout.h"

struct job { aio_task task; int i; };

struct tally {
    int n = 0;
    void add() { n++; }
};

aio_status counter(aio_task *t) {
    int i;
    AIO_BEGIN(t);
    for (i = 0; i < 3; i++) // expect: i after 17
        AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}

aio_status kept(aio_task *t) {
    job *s = AIO_SELF(t, job);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 3; s->i++)
        AIO_SLEEP(t, AIO_MS(1));
    {
        tally sum; // constructed here, after the awaits: fine
        sum.add();
        std::printf("%d\n", sum.n);
    }
    AIO_END(t);
}
