/* SPDX-License-Identifier: MIT */
/* Puts from other threads: two producer threads, with no loop, put numbered
 * items into a bounded queue with aio_queue_put_from_isr (AIO_CRITICAL_ENTER/
 * EXIT a mutex, as an interrupt handler's would mask interrupts) while a task
 * of the main thread's loop gets them with AIO_QUEUE_GET and a timeout. A put
 * that finds the queue full (AIO_EFULL) is tried again after a pause, so that
 * every item must arrive: each producer's items exactly once and in the order
 * it put them. Halfway, both producers stop until the getter has timed out
 * (the timeout path, at a point that does not depend on the host's speed),
 * then go on. The loop sleeps in the system idle hook with the getter's
 * deadline armed: every put must wake it. Built and run by `make test`, and
 * under ThreadSanitizer by `make sanitize`. Exit 0 when all is well. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t aio_mutex = PTHREAD_MUTEX_INITIALIZER;
#define AIO_CRITICAL_ENTER() pthread_mutex_lock(&aio_mutex)
#define AIO_CRITICAL_EXIT() pthread_mutex_unlock(&aio_mutex)
#define AIO_THREAD_LOCAL _Thread_local
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"

#define PRODUCERS 2
#define ITEMS 20000u   /* per producer */
#define QUEUE_LEN 32u

typedef struct {
    uint32_t producer, seq;
} item_t;

static aio_queue queue;
static item_t storage[QUEUE_LEN];

/* under aio_mutex: the getter's timeouts so far, read by the producers */
static int timeouts;
static int read_timeouts(void) {
    int v;
    pthread_mutex_lock(&aio_mutex);
    v = timeouts;
    pthread_mutex_unlock(&aio_mutex);
    return v;
}

typedef struct {
    int id;
    uint32_t full;  /* puts refused with AIO_EFULL (tried again; how often depends on the host) */
    uint32_t other; /* puts refused with another status */
    int paused_ok;  /* the getter timed out while this producer waited */
} producer_t;

static void pause_us(long us) {
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

static void *producer(void *arg) {
    producer_t *p = (producer_t *)arg;
    item_t it;
    uint32_t n;
    int i;
    it.producer = (uint32_t)p->id;
    for (n = 0; n < ITEMS; n++) {
        aio_status rc;
        if (n == ITEMS / 2u) { /* stop until the getter times out (up to 20 s) */
            int before = read_timeouts();
            for (i = 0; i < 200000 && read_timeouts() == before; i++) pause_us(100);
            p->paused_ok = read_timeouts() > before;
        }
        it.seq = n;
        while ((rc = aio_queue_put_from_isr(&queue, &it)) == AIO_EFULL) {
            p->full++;
            pause_us(20);
        }
        if (rc != AIO_OK) {
            p->other++;
            return NULL;
        }
    }
    return NULL;
}

typedef struct {
    aio_task task;
    item_t it;
    aio_status rc;
    uint32_t next[PRODUCERS]; /* the number each producer's next item must carry */
    uint32_t received, wrong;
} getter_t;

static int all_in(const getter_t *g) {
    int p;
    for (p = 0; p < PRODUCERS; p++)
        if (g->next[p] != ITEMS) return 0;
    return 1;
}

static aio_status getter(aio_task *t) {
    getter_t *g = AIO_SELF(t, getter_t);
    AIO_BEGIN(t);
    while (!all_in(g)) {
        AIO_QUEUE_GET(t, g->rc, &queue, &g->it, AIO_MS(5));
        if (g->rc == AIO_ETIMEDOUT) {
            pthread_mutex_lock(&aio_mutex);
            timeouts++;
            pthread_mutex_unlock(&aio_mutex);
            continue;
        }
        if (g->rc != AIO_OK) AIO_RAISE(t, g->rc);
        if (g->it.producer >= PRODUCERS || g->it.seq != g->next[g->it.producer]) {
            g->wrong++; /* lost, twice, out of order or garbled */
            if (g->it.producer >= PRODUCERS) continue;
        }
        g->next[g->it.producer] = g->it.seq + 1u;
        g->received++;
    }
    AIO_END(t);
}

int main(void) {
    static getter_t g;
    static aio_timer timers[4];
    static producer_t prod[PRODUCERS];
    pthread_t th[PRODUCERS];
    aio_loop loop;
    aio_status rc;
    uint32_t other = 0;
    int p, paused_ok = 1, ok;
    aio_queue_init(&queue, storage, sizeof storage[0], QUEUE_LEN, QUEUE_LEN);
    aio_loop_init(&loop, timers, 4);
    for (p = 0; p < PRODUCERS; p++) {
        prod[p].id = p;
        pthread_create(&th[p], NULL, producer, &prod[p]);
    }
    rc = aio_run(&loop, &g.task, getter);
    for (p = 0; p < PRODUCERS; p++) {
        pthread_join(th[p], NULL);
        other += prod[p].other;
        paused_ok &= prod[p].paused_ok;
    }
    printf("puts from %d threads into a %u-item queue, gets with a timeout: getter %d, "
           "%lu of %lu items received in order, %lu wrong, %lu puts refused but for full, "
           "getter timed out while the producers paused: %s, queue left with %lu\n",
           PRODUCERS, (unsigned)QUEUE_LEN, rc, (unsigned long)g.received,
           (unsigned long)(PRODUCERS * ITEMS), (unsigned long)g.wrong, (unsigned long)other,
           paused_ok ? "yes" : "NO", (unsigned long)aio_queue_qsize(&queue));
    ok = rc == AIO_OK && g.received == PRODUCERS * ITEMS && g.wrong == 0 && other == 0 &&
         paused_ok && aio_queue_qsize(&queue) == 0 && aio_loop_destroy(&loop) == AIO_OK;
    return ok ? 0 : 1;
}
