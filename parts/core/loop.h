// >>loop
/* ------------------------------------------------------------------------ */
/* The loop                                                                   */
/* ------------------------------------------------------------------------ */

/* Initialise a loop with `capacity` timer slots at `timers` (at most one per
 * parked task). Uses the monotonic clock on POSIX, the virtual clock elsewhere
 * unless aio_loop_set_clock() is called. Makes it the running loop. */
AIO_API void aio_loop_init(aio_loop *loop, aio_timer *timers, uint32_t capacity);
/* Virtual time starting at `start`: when nothing is ready, time jumps to the
 * next deadline. Deterministic and instant; the clock of the tests. */
AIO_API void aio_loop_use_virtual_clock(aio_loop *loop, aio_time start);
/* Simulate CPU work on the virtual clock: time moves on without yielding. */
AIO_API void aio_virtual_advance(aio_loop *loop, aio_time dt);
AIO_API void aio_loop_set_clock(aio_loop *loop, aio_clock_fn clock, void *ctx);
AIO_API void aio_loop_set_idle(aio_loop *loop, aio_idle_fn idle, void *ctx);
/* The wake-up for a custom idle hook (the system one has its own; a custom
 * idle hook set without one is woken only by its own means). */
AIO_API void aio_loop_set_wakeup(aio_loop *loop, aio_wakeup_fn wakeup, void *ctx);
AIO_API void aio_loop_set_grow(aio_loop *loop, aio_grow_fn grow, void *ctx);
/* How many awaits with a deadline failed with AIO_ENOSPC because the timer
 * storage was full (and could not grow) since aio_loop_init, counted round
 * (modulo 65,536: compare it with the value read last). It stays 0 in a
 * program whose storage is sized right: firmware reads it where a release
 * build says nothing. */
AIO_API unsigned aio_loop_timers_full(const aio_loop *loop);
/* A ready-made growth hook over AIO_REALLOC (hosted builds only). */
AIO_API aio_timer *aio_grow_realloc(void *ctx, aio_timer *old, uint32_t old_count,
                                    uint32_t new_count);
/* AIO_OK, or AIO_EBUSY if tasks are still alive (they are left as they are).
 * Gives grown timer storage back, forgets the events still queued on it, and
 * closes the system idle hook's wake-up pipe; aio_loop_init may follow. */
AIO_API aio_status aio_loop_destroy(aio_loop *loop);

/* asyncio.run(): spawn `main` with body `fn` and run the loop until it
 * finishes; then, as asyncio.run does, cancel the tasks it left running and
 * run the loop until they have finished (their cleanup included). Returns
 * main's status (a failure of a task cancelled there is only reported to the
 * debug hook). AIO_EDEADLK if main waits on something that nothing can wake
 * (only detected when no custom idle hook is set); if cancelled tasks do,
 * they stay as they are and main's status is returned. */
AIO_API aio_status aio_run(aio_loop *loop, aio_task *main, aio_task_fn fn);
/* One iteration for a super-loop, never sleeping: run the tasks that were
 * ready, wake the waiters of events set meanwhile, then let the deadlines
 * reached by the iteration's time take effect (if nothing was ready, this
 * comes first, and the tasks they wake run in this iteration). Returns how
 * many tasks ran. The iteration's time is read from the clock at its start
 * when a timer is armed, else the first time something needs it (a deadline,
 * aio_now()), at most once: aio_now() is never older than the iteration. */
AIO_API size_t aio_step(aio_loop *loop);
/* When the loop next has work, for tickless idle: the loop's current time
 * (aio_loop_now) if a task is ready or an event was set since the last step;
 * else the earliest armed deadline, which may already be past (an overdue
 * timer: the next step runs it); else AIO_NEVER. An idle hook sleeps only
 * while (aio_stime)(aio_next_deadline(loop) - clock_now) > 0, and asks again
 * with interrupts masked just before it sleeps. */
AIO_API aio_time aio_next_deadline(const aio_loop *loop);
AIO_API aio_time aio_loop_now(const aio_loop *loop);
AIO_API aio_loop *aio_running_loop(void);
/* The running loop's time (loop.time()). */
AIO_API aio_time aio_now(void);
AIO_API void aio_set_debug_hook(aio_debug_fn hook); /* NULL restores the default */

