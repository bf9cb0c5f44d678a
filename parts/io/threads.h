// >>threads
/* ------------------------------------------------------------------------ */
/* Blocking calls on worker threads, and host names                           */
/* ------------------------------------------------------------------------ */

/* asyncio.to_thread: AIO_TO_THREAD runs a blocking function on a worker
 * thread of the loop's pool and awaits it with a deadline. Hosted builds
 * (POSIX threads, Windows threads); AIO_NO_THREADS leaves the pool out (then
 * AIO_TO_THREAD says so, and AIO_LOOKUP takes numeric hosts only). The pool
 * starts its threads as calls need them, at most aio_loop_set_threads' count
 * (AIO_THREADS_MAX, 8, by default); calls beyond wait their turn, in order,
 * and are never dropped; aio_loop_destroy drops the calls not started, waits
 * for those under way at most aio_loop_set_threads_timeout's time (as
 * loop.shutdown_default_executor(timeout) does) and joins the threads.
 *
 * Who owns what: the pool copies data[0..size) before the call and the
 * function works on that copy only. If the await is still there when the
 * function returns, the copy is copied back into data and lv is what the
 * function returned. An await that times out or is cancelled leaves data
 * alone and gives the call up: it is never killed; it runs to its end, and
 * the pool then drops its result and frees its copy. So a task that gave up
 * may free or reuse data at once. What data points to is yours: let the
 * function reach only memory that outlives any call (or that the copy
 * holds, such as a string in an array member). */
typedef int (*aio_thread_fn)(void *data); /* its result: >= 0, or a status */
/* The most worker threads the loop's pool runs at once (1 to 1024; AIO_OK,
 * or AIO_EINVAL). A higher count than it runs now starts threads for the
 * calls waiting their turn at once; a lower one takes effect as calls end. */
AIO_API aio_status aio_loop_set_threads(aio_loop *loop, int max);
/* How long aio_loop_destroy waits for the calls under way on the pool's
 * threads, in real time whatever the loop's clock: AIO_THREADS_TIMEOUT
 * (300 s, asyncio's shutdown_default_executor) by default; AIO_NEVER: as
 * long as they take; 0: not at all. AIO_OK, or AIO_EINVAL (beyond half the
 * clock range). A call still under way then is left running: its thread is
 * detached, and it keeps its copy of the data and the pool's lock (a few
 * hundred bytes) until it returns, then frees them; its result is dropped.
 * A call that never returns keeps them until the process ends (debug
 * builds say so when the loop is destroyed). */
AIO_API aio_status aio_loop_set_threads_timeout(aio_loop *loop, aio_time d);

/* A name lookup of your own, in getaddrinfo's place: the addresses of
 * (host, port) in out[0..max), in the order you prefer: how many (>= 1),
 * AIO_ENOTFOUND or another status. max is room for the whole answer (32):
 * the library interleaves the families, then keeps what its caller has room
 * for. 0 reads as AIO_ENOTFOUND; more than max, or INT_MIN, is AIO_EINVAL
 * (a debug message names it). It runs on a worker thread (with
 * AIO_NO_THREADS, on the loop: then it must not block). NULL: the system's
 * getaddrinfo. For a stack without getaddrinfo, and for tests that need a
 * name to give chosen addresses. */
typedef int (*aio_lookup_fn)(void *ctx, const char *host, int port, aio_address *out, int max);
AIO_API void aio_set_lookup(aio_lookup_fn lookup, void *ctx);

