/* SPDX-License-Identifier: MIT */
/* sizeof(aio_task) on the host (x86-64: 64-bit time and pointers). */
#include <stdio.h>
#include "../../../aio_timeout.h"
int main(void) {
    printf("%u\n", (unsigned)sizeof(aio_task));
    return 0;
}
