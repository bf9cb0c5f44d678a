/* SPDX-License-Identifier: MIT */
/* 14_queue_pipeline.c - a producer/consumer pipeline over a queue of at most
 * 4 items (asyncio.Queue(maxsize=4)).
 *
 *   - one producer makes 13 items, faster than the consumers take them: the
 *     queue fills up and AIO_QUEUE_PUT waits for a place (back pressure); it
 *     pauses for 2.9 s after item 9;
 *   - three consumers each wait at most 0.5 s for the next item
 *     (AIO_QUEUE_GET with a timeout: wait_for(queue.get(), 0.5)) and say so
 *     when none came; each item takes its consumer a while, then
 *     aio_queue_task_done;
 *   - the main task runs the producer, waits until every item is done
 *     (AIO_QUEUE_JOIN), then cancels the consumers and waits for them.
 *
 * The Python original is 14_queue_pipeline.py; both print the same lines.
 * Run: 14_queue_pipeline [--virtual] */
#include "example.h"

static const int produce_ms[] = {100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 2900, 100, 100};
#define ITEMS (int)(sizeof produce_ms / sizeof produce_ms[0])
static const int work_ms[] = {830, 970, 1110}; /* consumers A, B, C: time per item */

static aio_queue queue;
static int storage[4]; /* the queue's places */

typedef struct { aio_frame frame; int item; aio_status rc; } producer_t;
static aio_status producer(aio_task *t, producer_t *s) {
    AIO_BEGIN(t, s);
    for (s->item = 0; s->item < ITEMS; s->item++) {
        AIO_SLEEP(t, AIO_MS(produce_ms[s->item]));
        if (aio_queue_full(&queue))
            say("producer: item %d ready, the queue is full: waiting for a place", s->item);
        else
            say("producer: item %d ready (%u waiting in the queue)", s->item, (unsigned)aio_queue_qsize(&queue));
        AIO_QUEUE_PUT(t, s->rc, &queue, &s->item, AIO_NEVER); /* copied in when it completes */
    }
    say("producer: done");
    AIO_END(t);
}

typedef struct { aio_task task; char name; int work_ms, item; aio_status rc; } consumer_t;
static aio_status consumer(aio_task *t) {
    consumer_t *s = AIO_SELF(t, consumer_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_QUEUE_GET(t, s->rc, &queue, &s->item, AIO_MS(500));
        if (s->rc == AIO_ETIMEDOUT) {
            say("consumer %c: nothing within 0.5 s", s->name);
            continue;
        }
        say("consumer %c: got item %d", s->name, s->item);
        AIO_SLEEP(t, AIO_MS(s->work_ms));
        aio_queue_task_done(&queue);
    }
    AIO_FINALLY(t);
    if (AIO_STATUS(t) == AIO_ECANCELED) say("consumer %c: cancelled", s->name);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    consumer_t consumers[3];
    aio_wait_item items[3];
    producer_t producer;
    int i;
    aio_status rc;
} main_t;

static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_CHECK(t, aio_queue_init(&queue, storage, sizeof storage[0], 4, 4));
    for (s->i = 0; s->i < 3; s->i++) {
        s->consumers[s->i].name = "ABC"[s->i];
        s->consumers[s->i].work_ms = work_ms[s->i];
        AIO_CHECK(t, create_task(&s->items[s->i], &s->consumers[s->i].task, consumer));
        AIO_SLEEP(t, AIO_MS(30)); /* so that no two consumers time out at the same instant */
    }
    AIO_CALL(t, s->rc, producer, &s->producer);
    AIO_QUEUE_JOIN(t, s->rc, &queue, AIO_NEVER);
    say("main: every item is done; cancelling the consumers");
    for (s->i = 0; s->i < 3; s->i++) aio_cancel(&s->consumers[s->i].task);
    AIO_GATHER_ALL(t, s->rc, s->items, 3);
    say("main: finished");
    AIO_END(t);
}

int main(int argc, char **argv) {
    static main_t m;
    return example_run(&m.task, main_task, argc, argv);
}
