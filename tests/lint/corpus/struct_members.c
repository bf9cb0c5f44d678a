/* SPDX-License-Identifier: MIT */
/* Members and elements: assigning one counts as assigning the local,
 * reading one reads it. */
#include <stdio.h>
#include "aio_timeout.h"

struct point { int x, y; };

aio_status members(aio_task *t) {
    struct point p;
    int hist[4];
    AIO_BEGIN(t);
    p.x = 1;
    hist[0] = 2;
    AIO_SLEEP(t, AIO_MS(1));
    printf("%d %d\n", p.x, hist[0]); /* expect: p after 15; hist after 15 */
    p.y = 3;
    hist[1] = 4;
    printf("%d %d\n", p.y, hist[1]);
    AIO_END(t);
}
