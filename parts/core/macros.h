// >>macros
/* ------------------------------------------------------------------------ */
/* Coroutine macros                                                           */
/* ------------------------------------------------------------------------ */

/* AIO_SELF(t, type): the state struct around task `t` (member named `task`). */
#ifdef __cplusplus
/* a type in a template argument cannot be parenthesised */
#define AIO_CONTAINER(ptr, type, member) \
    (reinterpret_cast<type *>(reinterpret_cast<char *>(ptr) - offsetof(type, member))) /* NOLINT(bugprone-macro-parentheses) */
#else
#define AIO_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif
#define AIO_SELF(t, type) AIO_CONTAINER(t, type, task)

/* AIO_BEGIN(t) opens a task body; AIO_BEGIN(t, s) opens an inline coroutine
 * whose state `s` has an `aio_frame frame` member. Nothing between AIO_BEGIN
 * and AIO_END may be a declaration with an initialiser that an await skips. */
#define AIO_BEGIN(...) AIO__EXPAND(AIO__PICK2(__VA_ARGS__, AIO__BEGIN_CALLEE, AIO__BEGIN_TASK, ~))(__VA_ARGS__)

/* The status the coroutine will end with: in AIO_FINALLY, why it is there. */
#define AIO_STATUS(t) (aio__f->rc)

/* Finish with value v (>= 0) or error v (< 0), unwinding open blocks and
 * running AIO_FINALLY. Inside AIO_FINALLY it replaces the status. */
#if AIO__SPEED
/* Where time counts, a frame with no flag (no cleanup running, nothing
 * delivered) and no block open lands on its cleanup section with no test
 * more: the landing aio__landing would compute, set here, and the end of a
 * body with no cleanup section no longer tests what is known. */
#define AIO_RETURN(t, v)                                                       \
    do {                                                                       \
        aio_status aio__v = (v);                                               \
        if (!aio__f->flags && !(t)->scope) {                                   \
            aio__f->rc = aio__v;                                               \
            aio__f->lc = AIO__LC_FINALLY;                                      \
            goto aio__landed;                                                  \
        }                                                                      \
        aio__return_with((t), aio__f, aio__v);                                 \
        goto aio__unwind;                                                      \
    } while (0)
#else
#define AIO_RETURN(t, v)                                                       \
    do {                                                                       \
        AIO__FAST(aio__return_with, aio__set_status)((t), aio__f, (v));        \
        goto aio__unwind;                                                      \
    } while (0)
#endif
#define AIO_RAISE(t, err) AIO_RETURN(t, err)
/* Raise `rc` if it is an error. */
#define AIO_CHECK(t, rc)                                                       \
    do {                                                                       \
        aio_status aio__c = rc; /* (unbracketed: an error points at the call) */ \
        if (aio__c < 0) AIO_RAISE(t, aio__c);                                  \
    } while (0)

/* Cleanup: runs when the body ends, returns, fails or is cancelled. It may
 * await; the cancellation that brought it here is not delivered again, a new
 * one is. */
#define AIO_FINALLY(t)                                                         \
    AIO__FALLTHROUGH;                                                          \
    case AIO__LC_FINALLY:                                                      \
        aio__finally_enter((t), aio__f)

/* (an unknown resume point also lands here: the end reports it) */
#define AIO_END(t)                                                             \
    aio__f->lc = AIO__LC_END;                                                  \
    AIO__FALLTHROUGH;                                                          \
    default:                                                                   \
        break;                                                                 \
        }                                                                      \
        if (0) goto aio__special;                                              \
        if (0) goto aio__unwind;                                               \
        if (0) goto aio__landed;                                               \
        return AIO__FAST(aio__frame_done, aio__frame_end)((t), aio__f)

/* Checkpoint: let every other ready task run, then go on (or unwind). */
#if AIO__SPEED
/* Where time counts, both halves' slow ways end the body's call (the body
 * calls nothing it comes back from, so it saves no register): the first
 * always suspends, the second sets where the body goes on (`next`, or the
 * landing if it was cancelled) and has the loop call the body again at once,
 * in the same step (AIO__T_AGAIN). */
#define AIO_YIELD(t) AIO__YIELD(t, AIO__LABEL, AIO__LABEL)
#define AIO__YIELD(t, n, next) AIO__YIELD_(t, n, next)
#define AIO__YIELD_(t, n, next)                                                \
    do {                                                                       \
        aio__f->lc = AIO__LC(n);                                               \
        if (!aio__plain(t)) AIO__SUSPEND_AFTER(t, aio__yield_start((t), aio__f)); \
        aio__enqueue(t);                                                       \
        AIO__SUSPEND(t);                                                       \
    case (n):                                                                  \
        if (!aio__plain(t)) return aio__yield_again((t), aio__f, AIO__LC(next)); \
        AIO__FALLTHROUGH;                                                      \
    case (next):                                                               \
        AIO__NO_SUSPENSION(t);                                                 \
    } while (0)
#else
#define AIO_YIELD(t)                                                           \
    AIO__AWAIT(t, (void)0, aio__yield_start((t), aio__f), aio__yield_poll((t), aio__f), AIO__LABEL)
#endif
/* Sleep `d` ticks; AIO_SLEEP(t, 0) is a yield. */
#define AIO_SLEEP(t, d) AIO__AWAIT(t, (void)0, aio__sleep_start((t), aio__f, (d), 1), aio__sleep_poll((t), aio__f), AIO__LABEL)
#define AIO_SLEEP_UNTIL(t, when) AIO__AWAIT(t, (void)0, aio__sleep_start((t), aio__f, (when), 0), aio__sleep_poll((t), aio__f), AIO__LABEL)

/* Wait for task `child` to finish; lv = its result or error (AIO_ECANCELED if
 * it was cancelled). If the caller is cancelled meanwhile: a child it spawned
 * is cancelled and waited for, then the caller unwinds; a child it did not
 * spawn is left running (waiting is not owning). */
#define AIO_AWAIT(t, lv, child) AIO__JOIN(t, lv, child, AIO_NEVER, 0, AIO__LABEL)
/* asyncio.wait_for(child, d): like AIO_AWAIT, but after `d` ticks a child the
 * caller spawned is cancelled and waited for, and lv = AIO_ETIMEDOUT (or the
 * value the child returned if it ignored the cancellation, or the error it
 * raised while cleaning up). A child it did not spawn is left running. */
#define AIO_WAIT_FOR(t, lv, child, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__wait_for_start((t), aio__f, (child), (d)), \
               AIO__FAST(aio__join_resume, aio__join_poll)((t), aio__f, (child), 0), AIO__LABEL)

/* Call inline coroutine `fn(t, st)` (`await fn()`): it runs in this task, with
 * this task's cancellation and deadlines, and lv = its result or error. */
#define AIO_CALL(t, lv, fn, st) AIO__CALL(t, lv, fn, st, AIO__LABEL)
/* asyncio.wait_for(fn(), d) without a hidden task: `sc` is the scope storage.
 * With no time left (d == 0, or a deadline already passed) the callee never
 * starts, as in asyncio; a cancellation already due from elsewhere reaches it
 * at its first await, as `async with timeout(d): await fn()` would. */
#define AIO_WAIT_FOR_CALL(t, lv, fn, st, sc, d)                                \
    do {                                                                       \
        AIO_TIMEOUT(t, sc, d) {                                                \
            if (aio__scope_due(sc)) AIO_YIELD(t);                              \
            AIO_CALL(t, lv, fn, st);                                           \
        }                                                                      \
        if (aio_timeout_status(sc) == AIO_ETIMEDOUT) (lv) = AIO_ETIMEDOUT;     \
    } while (0)

/* `async with timeout(d):` / `timeout_at(when)` as a block:
 *     AIO_TIMEOUT(t, &s->to, AIO_MS(300)) { ...awaits... }
 * When the deadline fires, the awaits inside unwind to the end of the block
 * and execution continues after it with aio_timeout_status() == AIO_ETIMEDOUT.
 * AIO_LEAVE leaves the block early. The deadline counts from block entry. */
#define AIO_TIMEOUT(t, sc, d) AIO__SCOPE(t, sc, d, AIO__ENTER_RELATIVE, AIO__LABEL)
#define AIO_TIMEOUT_AT(t, sc, when) AIO__SCOPE(t, sc, when, 0, AIO__LABEL)
/* A shielded block: cancellations from outside (task cancel, outer deadlines,
 * groups) are held back until it ends; only its own deadline `d` (AIO_NEVER
 * for none) applies inside. For cleanup that must not be interrupted. */
#define AIO_SHIELDED(t, sc, d) AIO__SCOPE(t, sc, d, AIO__ENTER_RELATIVE | AIO__ENTER_SHIELD, AIO__LABEL)

/* Leave the block `sc` early: it ends as if its body had, and execution goes
 * on after it (its lock released, its cleanup run). Python's `break` inside
 * `async with` leaves the loop around the block; C's `break` cannot, and
 * would end only the block, so a bare `break` or `continue` directly in a
 * block's body is a finding of `make lint-coroutines`: write this instead.
 * Only directly in the body of the innermost open block `sc`, not inside a
 * loop or switch of yours there (the checker finds that; debug builds say
 * when `sc` is not the innermost open block). */
#define AIO_LEAVE(t, sc)                                                       \
    if (AIO__LEAVING(t, sc)) /* (no else: `if (x) AIO_LEAVE(t, sc);` stays quiet) */ \
    break

/* `async with lock:` as a block: acquire the lock, waiting at most `d` (0:
 * only if it is free now; AIO_NEVER: no limit), run the body, and release the
 * lock however the block is left: its end, AIO_LEAVE, AIO_RETURN / AIO_RAISE
 * inside, an outer block's deadline or a cancel unwinding through it. `sc`
 * (an aio_timeout of the state struct) is the block's storage; after it,
 * aio_timeout_status(sc) is AIO_OK (the body ran) or AIO_ETIMEDOUT (the lock
 * did not come within `d`: the body did not run). `d` bounds the wait for the
 * lock only; put the body's own deadline in an AIO_TIMEOUT inside or around.
 * Do not release the lock yourself inside: the block's end does. `lock` is
 * read once, as the block begins (kept in `sc`): the lock released is the one
 * taken, whatever the body does to what the argument reads (s->locks[s->i]).
 *     AIO_WITH_LOCK(t, &s->held, &s->lock, AIO_SEC(1)) { ...awaits... }
 *     if (aio_timeout_status(&s->held) == AIO_ETIMEDOUT) ...  */
#define AIO_WITH_LOCK(t, sc, lock, d)                                          \
    AIO__HOLD(t, sc, (sc)->held.a_lock = (lock),                               \
              aio__acquire_start((t), aio__f, &(sc)->held.a_lock->waiters, &(sc)->held.a_lock->locked, NULL, (d)), \
              aio__acquire_poll((t), aio__f, &(sc)->held.a_lock->waiters, &(sc)->held.a_lock->locked, NULL), \
              aio_lock_release((sc)->held.a_lock), AIO__LABEL, AIO__LABEL)
/* `async with sem:`: the same with one permit of a semaphore. */
#define AIO_WITH_SEMAPHORE(t, sc, sem, d)                                      \
    AIO__HOLD(t, sc, (sc)->held.a_semaphore = (sem),                           \
              aio__acquire_start((t), aio__f, &(sc)->held.a_semaphore->waiters, &(sc)->held.a_semaphore->value, \
                                 &(sc)->held.a_semaphore->handed, (d)),        \
              aio__acquire_poll((t), aio__f, &(sc)->held.a_semaphore->waiters, &(sc)->held.a_semaphore->value, \
                                &(sc)->held.a_semaphore->handed),              \
              aio_semaphore_release((sc)->held.a_semaphore), AIO__LABEL, AIO__LABEL)
/* `async with cond:`: the same with the condition's lock (AIO_COND_WAIT
 * inside gives it up while it waits and holds it again when it returns or
 * unwinds, so the block's end always has it to release). */
#define AIO_WITH_CONDITION(t, sc, cond, d) AIO_WITH_LOCK(t, sc, (cond)->lock, d)

/* try/finally without a new function: the cleanup runs when the body ends,
 * is left (AIO_LEAVE), raises or returns (AIO_RAISE, AIO_RETURN), or is
 * unwound through by an outer deadline or a cancel; after it, execution goes
 * on after the block if the body ended or was left, else the unwinding goes
 * on outward. `sc` (an aio_timeout) is the block's storage, the same in both
 * halves; a try without its cleanup (or the reverse) does not compile. The
 * two are two statements: under an `if` or a loop, brace them together.
 *     AIO_TRY(t, &s->conn) { ...awaits on s->fd... }
 *     AIO_CLEANUP(t, &s->conn) { aio_close(s->fd); }
 * The cleanup is plain C, run to its end in one step: it cannot await (an
 * await there does not compile: the error names aio_cleanup_cannot_await),
 * nor AIO_RETURN. Cleanup that must await goes in AIO_FINALLY. */
#define AIO_TRY(t, sc) AIO__TRY(t, sc, AIO__LABEL)
#define AIO_CLEANUP(t, sc)                                                     \
    }                                                                          \
    for (int aio__pass = 0;; aio__pass = 1)                                    \
        if (aio__pass) {                                                       \
            if ((sc)->status == AIO__RAISE) goto aio__unwind;                  \
            break;                                                             \
        } else                                                                 \
            AIO__SHADOWING for (const struct aio_cleanup_cannot_await *aio__f = 0; !aio__f && !aio__pass; aio__pass = 1) \
                AIO__SHADOWED

/* asyncio.shield(child): await it, but if the caller is cancelled it stops
 * waiting and leaves the child running (await it again later). */
#define AIO_SHIELD(t, lv, child) AIO__JOIN(t, lv, child, AIO_NEVER, 1, AIO__LABEL)
/* wait_for(shield(child), d): on timeout lv = AIO_ETIMEDOUT, child untouched. */
#define AIO_WAIT_FOR_SHIELD(t, lv, child, d) AIO__JOIN(t, lv, child, d, 1, AIO__LABEL)

/* asyncio.wait(): wait on items[0..n) (set each .task) until `mode` is met or
 * `d` passes; lv = how many are done. Never cancels them; check each with
 * aio_task_done(items[i].task). Like asyncio's, it suspends at least once,
 * even when `mode` is already met, and counts what is done when it resumes. */
#define AIO_WAIT(t, lv, items, n, mode, d)                                     \
    AIO__AWAIT(t, (lv) = aio__r, aio__many_start((t), aio__f, (items), (n), (mode), (d)), \
               aio__many_poll((t), aio__f, (items), (n), (mode)), AIO__LABEL)
/* asyncio.gather(): wait for all; lv = AIO_OK, or the first failure as soon
 * as it happens (the others keep running; a task cancelled by someone else is
 * AIO_ECHILDCANCELED). If the caller is cancelled, the tasks it spawned are
 * cancelled and waited for, then it unwinds. Results: aio_task_result(). */
#define AIO_GATHER(t, lv, items, n)                                            \
    AIO__AWAIT(t, (lv) = aio__r, aio__many_start((t), aio__f, (items), (n), AIO__GATHER, AIO_NEVER), \
               aio__many_poll((t), aio__f, (items), (n), AIO__GATHER), AIO__LABEL)
/* gather(..., return_exceptions=True): wait for all; lv = AIO_OK. */
#define AIO_GATHER_ALL(t, lv, items, n)                                        \
    AIO__AWAIT(t, (lv) = aio__r, aio__many_start((t), aio__f, (items), (n), AIO_ALL_COMPLETED | AIO__GATHER, AIO_NEVER), \
               aio__many_poll((t), aio__f, (items), (n), AIO_ALL_COMPLETED | AIO__GATHER), AIO__LABEL)
/* The next of asyncio.as_completed: lv = the index in the items of the next
 * task to finish (its first index if it is there twice; its result:
 * aio_task_result), or, once the deadline has passed, AIO_ETIMEDOUT for each
 * task that had not finished when that was found (they are not cancelled).
 * A task that has finished already is handed out without suspending. */
#define AIO_NEXT_COMPLETED(t, lv, ac)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__next_completed((t), aio__f, (ac), 1),     \
               aio__next_completed((t), aio__f, (ac), 0), AIO__LABEL)

/* `async with TaskGroup() as g:` as a block. Spawn children with
 * aio_group_spawn(g, ...). The block's end waits for every child. If a child
 * fails, the body and the other children are cancelled, and execution
 * continues after the block with aio_group_status(g) = that error. Children
 * see the deadlines of the blocks around the group. */
#define AIO_GROUP(t, g) AIO__GROUP(t, g, AIO__LABEL, AIO__LABEL)

/* Event.wait() with timeout d: lv = AIO_OK once set, AIO_ETIMEDOUT. */
#define AIO_EVENT_WAIT(t, lv, ev, d)                                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__event_start((t), aio__f, (ev), (d)),     \
               aio__event_poll((t), aio__f, (ev)), AIO__LABEL)
/* Lock.acquire() / Semaphore.acquire() with timeout d: lv = AIO_OK (acquired)
 * or AIO_ETIMEDOUT. A cancelled waiter leaves no trace. */
#define AIO_LOCK_ACQUIRE(t, lv, lock, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__acquire_start((t), aio__f, &(lock)->waiters, &(lock)->locked, NULL, (d)), \
               aio__acquire_poll((t), aio__f, &(lock)->waiters, &(lock)->locked, NULL), AIO__LABEL)
#define AIO_SEMAPHORE_ACQUIRE(t, lv, sem, d)                                   \
    AIO__AWAIT(t, (lv) = aio__r, aio__acquire_start((t), aio__f, &(sem)->waiters, &(sem)->value, &(sem)->handed, (d)), \
               aio__acquire_poll((t), aio__f, &(sem)->waiters, &(sem)->value, &(sem)->handed), AIO__LABEL)
/* Condition.wait() with timeout d, the lock held: lv = AIO_OK (notified) or
 * AIO_ETIMEDOUT. The lock is held again whenever this returns or unwinds. */
#define AIO_COND_WAIT(t, lv, cond, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__cond_start((t), aio__f, (cond), (d), 1),  \
               aio__cond_poll((t), aio__f, (cond)), AIO__LABEL)
/* Condition.wait_for(pred) with one overall timeout d for all its waits:
 * lv = AIO_OK once `pred` holds, AIO_ETIMEDOUT (pred not evaluated again). */
/* await queue.put(*item) with timeout d: lv = AIO_OK, AIO_ETIMEDOUT,
 * AIO_ESHUTDOWN or AIO_ENOSPC (maxsize 0, the storage is full). The item is
 * copied when the put completes: keep it in the state struct meanwhile. */
#define AIO_QUEUE_PUT(t, lv, q, item, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__queue_put_start((t), aio__f, (q), (item), (d)), \
               aio__queue_put_poll((t), aio__f, (q), (item)), AIO__LABEL)
/* *out = await queue.get() with timeout d: lv = AIO_OK, AIO_ETIMEDOUT or
 * AIO_ESHUTDOWN (shut down and empty). */
#define AIO_QUEUE_GET(t, lv, q, out, d)                                        \
    AIO__AWAIT(t, (lv) = aio__r, aio__queue_get_start((t), aio__f, (q), (out), (d)), \
               aio__queue_get_poll((t), aio__f, (q), (out)), AIO__LABEL)
/* await queue.join() with timeout d: lv = AIO_OK once every item put has
 * been marked done (aio_queue_task_done), or AIO_ETIMEDOUT. */
#define AIO_QUEUE_JOIN(t, lv, q, d)                                            \
    AIO__AWAIT(t, (lv) = aio__r, aio__queue_join_start((t), aio__f, (q), (d)),  \
               aio__queue_join_poll((t), aio__f, (q)), AIO__LABEL)
#define AIO_COND_WAIT_FOR(t, lv, cond, pred, d)                                \
    do {                                                                       \
        aio__own_deadline((t), (d));                                           \
        (lv) = AIO_OK;                                                         \
        while ((lv) == AIO_OK && !(pred))                                      \
            AIO__AWAIT(t, (lv) = aio__r, aio__cond_start((t), aio__f, (cond), (t)->until, 0), \
                       aio__cond_poll((t), aio__f, (cond)), AIO__LABEL);      \
    } while (0)

/* Wait until `fd` is readable (writable), at most `d`: lv = AIO_OK,
 * AIO_ETIMEDOUT, AIO_EBUSY (another task already waits on fd that way),
 * AIO_EBADF (not a descriptor that can be waited on), or AIO_ECLOSED. It
 * asks the system to watch fd again (a number closed with close() and
 * opened anew works), except after a receive, send or accept found that
 * way dry with no report since: it then trusts the watch as they do. */
#define AIO_WAIT_READABLE(t, lv, fd, d) AIO__IO(t, lv, AIO__IO_READABLE, fd, NULL, 0, d)
#define AIO_WAIT_WRITABLE(t, lv, fd, d) AIO__IO(t, lv, AIO__IO_WRITABLE, fd, NULL, 0, d)
/* Sockets (POSIX, Windows). No await blocks the loop whatever the
 * descriptor's mode: a receive or send is non-blocking call by call (the mode
 * is left alone; on Windows, which cannot do that, the socket is made
 * non-blocking), an accept makes its listener non-blocking first
 * (docs/behaviour.md).
 * sock.accept(): lv = the new connection's descriptor (non-blocking,
 * close-on-exec, TCP_NODELAY) or an error. Out of descriptors (EMFILE,
 * ENFILE) or of the system's buffers (ENOBUFS, ENOMEM) it does not fail: as
 * asyncio's server does, it stops watching the listener and tries again each
 * AIO_ACCEPT_RETRY_DELAY (1 s) within d, the loop serving everything else
 * meanwhile; the connection waits in the listener's backlog. */
#define AIO_ACCEPT(t, lv, listen_fd, d) AIO__IO(t, lv, AIO__IO_ACCEPT, listen_fd, NULL, 0, d)
/* server.wait_closed() with timeout d (aio_server): wait until the server
 * is closed and every handler has ended; lv = how many handlers a shutdown
 * cancelled (0: none), the error that stopped its accepts (AIO_EBADF,
 * AIO_EINVAL: not a listener), or AIO_ETIMEDOUT (it still serves). The
 * server is left alone when the wait ends. */
#define AIO_SERVER_WAIT_CLOSED(t, lv, srv, d) AIO_WAIT_FOR_SHIELD(t, lv, &(srv)->task, d)
/* A graceful stop (aio_server_shutdown(srv, grace)) awaited to its end: lv as
 * AIO_SERVER_WAIT_CLOSED's, or the shutdown's refusal. */
#define AIO_SERVER_SHUTDOWN(t, lv, srv, grace)                                 \
    do {                                                                       \
        (lv) = aio_server_shutdown((srv), (grace));                            \
        if ((lv) == AIO_OK) AIO_SERVER_WAIT_CLOSED(t, lv, srv, AIO_NEVER);     \
    } while (0)
/* sock.recv(len) into buf[0..len): lv = the bytes received (what is there,
 * 1..len), 0 at the end of the stream, or an error (AIO_ECONNRESET, ...).
 * Cancelled or timed out, it has received nothing: the data stays for the
 * next receive. */
#define AIO_RECV(t, lv, fd, buf, len, d) AIO__IO(t, lv, AIO__IO_RECV, fd, buf, len, d)
/* sock.sendall(buf[0..len)): lv = AIO_OK once all of it was sent, or an
 * error (AIO_ECONNRESET once the peer is gone; no SIGPIPE). On a timeout, a
 * cancellation or an error part of it may have been sent: aio_bytes_sent(t)
 * says how much. */
#define AIO_SEND_ALL(t, lv, fd, buf, len, d) AIO__IO(t, lv, AIO__IO_SEND, fd, buf, len, d)
/* A TCP connection to `host` (a name, or a numeric IPv4 or IPv6 address)
 * and `port`: lv = its descriptor (non-blocking, TCP_NODELAY) or an error
 * (AIO_ECONNREFUSED, AIO_ENOTFOUND, AIO_ETIMEDOUT, AIO_EINVAL for a bad
 * port). A name is looked up off the loop (AIO_LOOKUP), within d; then its
 * addresses are tried Happy Eyeballs' way: one, and the next each
 * AIO_HAPPY_EYEBALLS_DELAY (or at once after a failure), the first connected
 * winning. A connect that times out or is cancelled closes every socket it
 * opened. With AIO_NO_THREADS a name needs aio_set_lookup. */
#define AIO_TCP_CONNECT(t, lv, host, port, d)                                  \
    AIO__AWAIT(t, (lv) = aio__r, aio__connect_start((t), aio__f, (host), (port), (d)), \
               aio__connect_poll((t), aio__f), AIO__LABEL)

/* await open_unix_connection(path) within d: lv = the connection's
 * descriptor (non-blocking), or AIO_ENOTFOUND (no socket at path),
 * AIO_ECONNREFUSED (nobody listens there), AIO_ETIMEDOUT, AIO_EINVAL (as
 * aio_unix_listen's). A listener whose queue is full is asked again at
 * doubling intervals from 1 ms to 64 ms, until d. path is read at the start
 * only. */
#define AIO_UNIX_CONNECT(t, lv, path, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__unix_connect_start((t), aio__f, (path), (d)), \
               aio__unix_connect_poll((t), aio__f), AIO__LABEL)

/* Streams (aio_stream): each read waits at most d and gives lv = a length,
 * the bytes at aio_stream_data(s), or a status (AIO_ETIMEDOUT, an I/O error,
 * ...); nothing is taken unless it succeeds.
 * reader.readline(): the line with its '\n'; at the end of the stream what
 * is left without one, then 0; AIO_ELIMIT if the buffer fills first (a
 * growing stream's: once the line passes its limit). */
#define AIO_READ_LINE(t, lv, s, d) AIO__STREAM(t, lv, s, AIO__READ_LINE, NULL, 0, d)
/* reader.readuntil(sep): up to and with sep[0..seplen); AIO_EINCOMPLETE if
 * the stream ends first (the partial data stays buffered), AIO_ELIMIT;
 * AIO_EINVAL for seplen 0 (readuntil(b'') is a ValueError). The separator
 * is not copied (it may be as long as the buffer): it is read each time the
 * read resumes, so keep it where it lives until the read ends (a string
 * literal, the task's state; never a local). */
#define AIO_READ_UNTIL(t, lv, s, sep, seplen, d) AIO__STREAM(t, lv, s, AIO__READ_UNTIL, sep, seplen, d)
/* reader.readexactly(n): n bytes (n at most the buffer's size, or a growing
 * stream's limit);
 * AIO_EINCOMPLETE if the stream ends first. n = 0: 0 at once, at the end
 * too (still a checkpoint). */
#define AIO_READ_EXACTLY(t, lv, s, n, d) AIO__STREAM(t, lv, s, AIO__READ_EXACTLY, NULL, n, d)
/* reader.read(n), n the buffer's size (a growing stream's as it is now):
 * what is buffered, else what one receive brings; 0 at the end. (asyncio's
 * read() with no n reads to the end: call this until it gives 0.) */
#define AIO_READ_SOME(t, lv, s, d) AIO__STREAM(t, lv, s, AIO__READ_SOME, NULL, 0, d)
/* writer.write(buf) then drain(), within d: lv = AIO_OK once the stream's
 * transport took every byte of buf[0..len), or AIO_ETIMEDOUT, AIO_ECANCELED,
 * an I/O error; aio_bytes_sent(t) says how many it took (all, or part).
 * buf is read each time the write resumes: keep it where it lives until the
 * write ends. One task at a time writes (AIO_EBUSY); a read may wait meanwhile. */
#define AIO_STREAM_WRITE(t, lv, s, buf, len, d)                                \
    AIO__AWAIT(t, (lv) = aio__r, aio__stream_write_start((t), aio__f, (s), (buf), (len), (d)), \
               aio__stream_write_poll((t), aio__f, (s), (buf), (len)), AIO__LABEL)

/* await writer.drain(), within d: lv = AIO_OK at once if the stream's write
 * buffer (aio_stream_write) is not over its high-water mark, else once it
 * is back at its low one; AIO_ETIMEDOUT, AIO_ECANCELED, AIO_ECLOSED, or the
 * error its background send met. */
#define AIO_DRAIN(t, lv, s, d)                                                 \
    AIO__AWAIT(t, (lv) = aio__r, aio__drain_start((t), aio__f, (s), (d), 0),   \
               aio__drain_poll((t), aio__f, (s), 0), AIO__LABEL)
/* writer.close() then await writer.wait_closed(), within d: what the write
 * buffer holds is sent, then the stream's socket is closed (aio_close: the
 * stream reads and writes no more; aio_stream_free gives its buffer back).
 * lv = AIO_OK; or, what was not sent dropped and the socket closed all the
 * same, AIO_ETIMEDOUT, AIO_ECANCELED (raised), the send's error. On TLS,
 * AIO_TLS_SHUTDOWN after AIO_DRAIN sends the close_notify first. A server's
 * handler may close its connection so (its goodbye sent): the server then
 * closes nothing; a handler that just ends has its buffer dropped. */
#define AIO_STREAM_CLOSE(t, lv, s, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__drain_start((t), aio__f, (s), (d), 1),   \
               aio__drain_poll((t), aio__f, (s), 1), AIO__LABEL)

/* await asyncio.to_thread(fn, data) with timeout d: fn(copy of data[0..size))
 * on a worker thread; lv = what fn returned (its copy copied back into data),
 * AIO_ETIMEDOUT or AIO_ECANCELED (the call given up: data untouched), or an
 * error (AIO_EIO: no thread could start). See "who owns what" above. */
#define AIO_TO_THREAD(t, lv, fn, data, size, d)                                \
    AIO__AWAIT(t, (lv) = aio__r, aio__thread_start((t), aio__f, (fn), (data), (size), (d)), \
               aio__thread_poll((t), aio__f, (data), (size)), AIO__LABEL)
/* await loop.getaddrinfo(host, port) with timeout d, off the loop: lv = how
 * many addresses were put in addrs[0..max) (>= 1; IPv6 and IPv4 interleaved
 * over the whole answer, the system's first choice first, then the first
 * max kept), AIO_ENOTFOUND, AIO_ETIMEDOUT, ... A
 * numeric host needs no thread. Given up, its answer is dropped when it comes. */
#define AIO_LOOKUP(t, lv, host, port, addrs, max, d)                           \
    AIO__AWAIT(t, (lv) = aio__r, aio__lookup_start((t), aio__f, (host), (port), (addrs), (max), (d)), \
               aio__lookup_poll((t), aio__f, (addrs), (max)), AIO__LABEL)
/* await proc.wait() with timeout d: lv = its exit code (0-255),
 * AIO_ESIGNALED (a signal ended it: aio_process_returncode says which),
 * AIO_ETIMEDOUT (it still runs), AIO_ECANCELED once a cancellation stopped
 * it (SIGTERM, its grace, SIGKILL: see "Child processes"). Again after its
 * exit: the same at once. */
#define AIO_PROCESS_WAIT(t, lv, p, d)                                          \
    AIO__AWAIT(t, (lv) = aio__r, aio__process_start((t), aio__f, (p), NULL, 0, (d)), \
               aio__process_poll((t), aio__f, (p), NULL, 0), AIO__LABEL)
/* Trio's way to stop it: SIGTERM, SIGKILL after `grace` (or at once on a new
 * cancellation), then reaped: lv as AIO_PROCESS_WAIT's. For cleanup
 * sections: a cancellation does not cut it short. */
#define AIO_PROCESS_STOP(t, lv, p, grace)                                      \
    AIO__AWAIT(t, (lv) = aio__r, aio__process_start((t), aio__f, (p), NULL, 1, (grace)), \
               aio__process_poll((t), aio__f, (p), NULL, 1), AIO__LABEL)
/* await proc.communicate(input) with timeout d over *io (aio_communicate):
 * the input written, the output and error read to their end, the exit
 * awaited: lv as AIO_PROCESS_WAIT's. Timed out, the child runs on and *io
 * keeps what was done; cancelled, the child is stopped. */
#define AIO_COMMUNICATE(t, lv, p, io, d)                                       \
    AIO__AWAIT(t, (lv) = aio__r, aio__process_start((t), aio__f, (p), (io), 0, (d)), \
               aio__process_poll((t), aio__f, (p), (io), 0), AIO__LABEL)
/* Datagrams (aio_udp_open), each a checkpoint with a deadline like the others.
 * sock.recvfrom(len) into buf[0..len) (len > 0): lv = the datagram's length
 * (0 for an empty datagram: no end of stream here; a longer datagram is cut
 * to len, its rest lost, as the system does), *from = its sender (from may be
 * NULL), or AIO_ETIMEDOUT or an error. Cancelled or timed out, it has
 * received nothing: the datagram stays for the next receive. */
#define AIO_RECV_FROM(t, lv, fd, buf, len, from, d) AIO__DGRAM(t, lv, AIO__DGRAM_RECV, fd, buf, len, from, d)
/* sock.sendto(buf[0..len), *to): lv = AIO_OK once the datagram was sent
 * (whole: it never goes in parts; a full send buffer is waited out),
 * AIO_EINVAL for a NULL address, one aio_address_set did not fill, or one of
 * the other family than the socket's, or an error. A port nobody
 * listens on may be reported, by an ICMP message, as AIO_ECONNREFUSED to a
 * later receive or send on the socket (Windows: on any UDP socket; Linux:
 * on a connected one), which stays usable. */
#define AIO_SEND_TO(t, lv, fd, buf, len, to, d) AIO__DGRAM(t, lv, AIO__DGRAM_SEND, fd, buf, len, to, d)

