/* SPDX-License-Identifier: MIT */
/* A local filled in through its address after the await (an out
 * parameter) counts as assigned. */
#include <stdio.h>
#include <string.h>
#include "aio_timeout.h"

void read_value(int *out);

aio_status reader(aio_task *t) {
    int v;
    char line[32];
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1));
    read_value(&v);
    snprintf(line, sizeof line, "%d", v);
    printf("%s\n", line);
    AIO_SLEEP(t, AIO_MS(1));
    puts(line); /* expect: line after 18 */
    AIO_END(t);
}
