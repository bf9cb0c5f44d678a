/* A loop made of goto and a label. */
#include <stdio.h>
#include "aio_timeout.h"

int attempt(void);

aio_status retry(aio_task *t) {
    int n;
    AIO_BEGIN(t);
    n = 0;
again:
    AIO_SLEEP(t, AIO_MS(5));
    if (attempt() < 0 && n++ < 3) /* expect: n after 12 */
        goto again;
    AIO_END(t);
}

aio_status retry_ok(aio_task *t) {
    int rc;
    AIO_BEGIN(t);
again:
    AIO_SLEEP(t, AIO_MS(5));
    rc = attempt();
    if (rc < 0)
        goto again;
    printf("%d\n", rc);
    AIO_END(t);
}
