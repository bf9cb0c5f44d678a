// >>queues
/* ------------------------------------------------------------------------ */
/* Queues                                                                     */
/* ------------------------------------------------------------------------ */

/* asyncio.Queue(maxsize) holding up to `capacity` items of `item_size` bytes
 * in `storage` (yours; no allocation). maxsize 0 is asyncio's unbounded
 * queue, bounded here by the storage: a put that finds the storage full gets
 * AIO_ENOSPC and never waits. AIO_EINVAL for NULL storage, an item size or
 * capacity of 0, maxsize above capacity, or a capacity over UINT_MAX / 2
 * (32,767 where int is 16 bits). Items are copied in and out. */
AIO_API aio_status aio_queue_init(aio_queue *q, void *storage, size_t item_size, uint32_t capacity,
                                  uint32_t maxsize);
/* asyncio.LifoQueue: the newest item comes out first. */
AIO_API aio_status aio_lifo_queue_init(aio_queue *q, void *storage, size_t item_size,
                                       uint32_t capacity, uint32_t maxsize);
/* asyncio.PriorityQueue: the least item comes out first, `less(a, b)` being
 * 1 when a comes before b (items that compare equal come out in no set
 * order, as with heapq). */
AIO_API aio_status aio_priority_queue_init(aio_queue *q, void *storage, size_t item_size,
                                           uint32_t capacity, uint32_t maxsize,
                                           aio_queue_less_fn less);
/* put_nowait(): AIO_OK, AIO_EFULL, AIO_ENOSPC (maxsize 0, the storage is
 * full) or AIO_ESHUTDOWN. */
AIO_API aio_status aio_queue_put_nowait(aio_queue *q, const void *item);
/* get_nowait() into *item: AIO_OK, AIO_EEMPTY, or AIO_ESHUTDOWN once shut
 * down and empty. Items promised to waiting getters are not taken. */
AIO_API aio_status aio_queue_get_nowait(aio_queue *q, void *item);
/* A put that never waits, safe in an interrupt handler or another thread
 * (with AIO_CRITICAL_ENTER/EXIT defined, as for aio_event_set): AIO_OK,
 * AIO_EFULL, AIO_ENOSPC or AIO_ESHUTDOWN. A getter waiting on the queue wakes
 * at its loop's next iteration. */
AIO_API aio_status aio_queue_put_from_isr(aio_queue *q, const void *item);
AIO_API uint32_t aio_queue_qsize(const aio_queue *q);
AIO_API int aio_queue_empty(const aio_queue *q);
AIO_API int aio_queue_full(const aio_queue *q); /* never with maxsize 0 */
/* task_done(): AIO_EINVAL if called more often than items were put. */
AIO_API aio_status aio_queue_task_done(aio_queue *q);
/* shutdown(immediate) (Python 3.13): from now on puts fail with
 * AIO_ESHUTDOWN, and gets once the queue is empty; waiting putters and getters
 * wake to see it (AIO_ESHUTDOWN, though their deadline passes before they
 * run). `immediate` also drops the items (each counts as done, so join()
 * returns once no item is left undone). */
AIO_API void aio_queue_shutdown(aio_queue *q, int immediate);

