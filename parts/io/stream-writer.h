// >>stream-writer
/* -------------------------------------------------- a stream's write buffer */

/* asyncio's StreamWriter: aio_stream_write, from any task, copies what it
 * is given into the stream's outbox. At the end of the turn (after its
 * steps, with the loop's look at the descriptors: aio__io_turn_end) each
 * outbox written in it sends what it holds, in one call: a handler that
 * forwards a burst of lines to many streams costs each of them one send a
 * turn, not one a line (asyncio sends each write at once when nothing waits
 * before it). What the socket does not take, a task of the library's, the
 * outbox's sender, sends in the order written while the socket takes it;
 * writes made meanwhile join it. (Outside its loop's turns a write sends
 * at once what the socket takes, the rest at the next turn's end.)
 * AIO_DRAIN waits while more than the high-water mark is buffered, until at
 * most the low one; AIO_STREAM_CLOSE until nothing is, then closes the
 * socket.
 *
 * An outbox is made by the first write (or aio_stream_set_write_limits) of
 * a stream and goes when the stream is closed, aborted or freed: what it
 * holds is dropped, the tasks waiting in its drains are woken (the stream is
 * gone: AIO_ECLOSED), and its sender, cancelled, may still have a step to
 * take: the outbox then waits in its loop's list of those let go until the
 * sender has ended, and is freed when an outbox is next made or let go on
 * that loop, or as the loop ends. (A program that never calls
 * aio_stream_write or aio_stream_set_write_limits links none of this: the
 * stream's other calls reach it through aio__outbox_hook.) */
#ifdef AIO__SOCKETS
#define AIO__WRITE_HIGH ((size_t)64 * 1024) /* asyncio's high-water mark; the low one is a quarter of it */
#define AIO__WRITE_BOUND ((size_t)1024 * 1024) /* the most buffered unless set: 16 high-water marks */
/* An outbox's block, once all it held is sent, goes to its loop's spares
 * (up to AIO__WRITE_SPARES of them, none larger than the high-water mark:
 * 4 MiB a loop at most), which the next writes of any stream take: a
 * fan-out's bursts reuse the same blocks instead of the allocator giving
 * the heap back to the system after each and faulting it in again. */
#define AIO__WRITE_SPARES 64
typedef struct aio__spare {
    struct aio__spare *next;
    size_t cap;
} aio__spare;

/* A spare block of L's with room for len bytes (its capacity in *cap), or NULL. */
static unsigned char *aio__spare_take(aio_loop *L, size_t len, size_t *cap) {
    aio__spare **at = (aio__spare **)&L->write_spares;
    for (; *at; at = &(*at)->next) {
        aio__spare *b = *at;
        if (b->cap < len) continue;
        *at = b->next;
        L->write_spare_count--;
        *cap = b->cap;
        return (unsigned char *)b;
    }
    return NULL;
}

/* o's block, empty, kept among its loop's spares, or freed. */
static void aio__spare_give(aio__outbox *o) {
    aio_loop *L = o->loop; /* (a loop's: its sender or its turn's end sent the block empty) */
    if (L->write_spare_count < AIO__WRITE_SPARES && o->cap <= AIO__WRITE_HIGH) {
        aio__spare *b = (aio__spare *)(void *)o->data;
        b->next = (aio__spare *)L->write_spares;
        b->cap = o->cap;
        L->write_spares = b;
        L->write_spare_count++;
    } else {
        AIO_FREE(o->data);
    }
    o->data = NULL;
    o->head = o->tail = o->cap = 0;
}

/* The outboxes of L let go whose sender has ended, freed; as L ends, all
 * of them, and those still a stream's are told that their loop is gone (a
 * later write or drain of the stream is refused: nothing would send it). */
static void aio__outbox_reap(aio_loop *L, int ending) {
    aio_link *n = L->outboxes.next;
    while (n && n != &L->outboxes) {
        aio__outbox *o = AIO_CONTAINER(n, aio__outbox, link);
        n = n->next;
        if (ending && o->written.next) aio__list_unlink(&o->written);
        if (!o->s && (ending || o->task.state == AIO__NEW || o->task.state == AIO__DONE)) {
            aio__list_unlink(&o->link);
            AIO_FREE(o->data);
            AIO_FREE(o);
        } else if (ending) {
            aio__list_unlink(&o->link);
            o->link.next = o->link.prev = NULL;
            o->written.next = o->written.prev = NULL;
            o->loop = NULL;
            AIO_FREE(o->data);
            o->data = NULL;
            o->head = o->tail = o->cap = 0;
            if (!o->error) o->error = AIO_EINVAL;
        }
    }
}

/* aio__services_ending: at each turn of aio_run's end, once the senders of
 * L's outboxes are all that is alive (the program's tasks have ended, their
 * cleanups with them), they are stopped (what they held goes unsent, as
 * asyncio's transports close with their loop; what the last turn wrote had
 * its send at that turn's end, as asyncio's write makes it at once). */
static void aio__outbox_services_ending(aio_loop *L) {
    aio_link *n;
    size_t alive = 0;
    if (!L->outboxes.next) return;
    for (n = L->outboxes.next; n != &L->outboxes; n = n->next) {
        const aio_task *sender = &AIO_CONTAINER(n, aio__outbox, link)->task;
        if (sender->state != AIO__NEW && sender->state != AIO__DONE) alive++;
    }
    if (!alive || alive != L->live) return;
    for (n = L->outboxes.next; n != &L->outboxes; n = n->next) {
        aio__outbox *o = AIO_CONTAINER(n, aio__outbox, link);
        if (o->task.state == AIO__NEW || o->task.state == AIO__DONE || aio_task_cancel_pending(&o->task))
            continue;
        /* (a sender alive and not cancelled has its stream and no error: one
         * let go of or failed is cancelled, or ended, by then) */
        o->error = AIO_ECANCELED; /* (its stream's later writes say why nothing goes) */
        (void)aio_cancel(&o->task);
    }
}

/* s lets its outbox go: what it holds dropped, its waiters woken, its
 * sender cancelled (the outbox freed once it has ended). */
static void aio__outbox_let_go(aio_stream *s) {
    aio__outbox *o = s->out;
    aio_loop *L = o->loop;
    s->out = NULL;
    o->s = NULL;
    o->head = o->tail = 0;
    if (o->written.next) {
        aio__list_unlink(&o->written);
        o->written.next = o->written.prev = NULL;
    }
    aio__wake_all(&o->waiters, AIO__T_SIGNALLED);
    if (o->task.state == AIO__NEW || o->task.state == AIO__DONE) {
        if (o->link.next) aio__list_unlink(&o->link);
        AIO_FREE(o->data);
        AIO_FREE(o);
    } else {
        (void)aio_cancel(&o->task); /* (freed once it has ended: it stays on the list) */
    }
    if (L) aio__outbox_reap(L, 0);
}

/* (aio__outbox_hook: a stream with an outbox freed, or a loop ending) */
static void aio__outbox_hook_fn(aio_stream *s, aio_loop *ending) {
    if (s) aio__outbox_let_go(s);
    if (ending) {
        aio__outbox_reap(ending, 1);
        while (ending->write_spares) {
            aio__spare *b = (aio__spare *)ending->write_spares;
            ending->write_spares = b->next;
            AIO_FREE(b);
        }
        ending->write_spare_count = 0;
    }
}

/* s's outbox, made if it has none: NULL if no memory. */
static aio__outbox *aio__outbox_of(aio_stream *s) {
    aio__outbox *o = s->out;
    if (o) return o;
    o = (aio__outbox *)AIO_MALLOC(sizeof *o);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    o->s = s;
    o->high = AIO__WRITE_HIGH;
    o->low = AIO__WRITE_HIGH / 4;
    o->bound = AIO__WRITE_BOUND;
    aio__list_init(&o->waiters);
    s->out = o;
    aio__outbox_hook = aio__outbox_hook_fn;
    aio__services_ending = aio__outbox_services_ending;
    o->loop = aio__loop; /* (the caller checked there is one) */
    if (!o->loop->outboxes.next) aio__list_init(&o->loop->outboxes);
    aio__list_append(&o->loop->outboxes, &o->link);
    aio__outbox_reap(o->loop, 0);
    return o;
}

/* One send of buf[0..len) through s's transport (len > 0, at most INT_MAX;
 * after a send that said "nothing now", its length again, at most: a TLS
 * engine holds that record and takes the same bytes once more): the bytes
 * taken (> 0), AIO_WANT_WRITE or AIO_WANT_READ (nothing now: wait that
 * way), or an error. */
static aio_status aio__outbox_send(aio_stream *s, const unsigned char *buf, size_t len) {
    aio__outbox *o = s->out;
    aio_status rc;
    if (o->retry && len > o->retry) len = o->retry;
    do {
        if (s->transport) {
            rc = s->transport->send(s->transport_ctx, s->fd, buf, len);
            if (rc > (aio_status)len || rc == 0)
                rc = aio__misuse(AIO_EIO, "aio_stream_write: the transport's send said it took no bytes, or "
                                          "more than given");
        } else {
            rc = aio__net_send(aio__fd(s->fd), buf, len, "aio_stream_write");
        }
    } while (rc == AIO__INTR); /* LCOV_EXCL_BR_LINE: (a signal in the call) */
    if (rc == AIO__AGAIN) rc = AIO_WANT_WRITE;
    /* (a TLS engine that must read to write: a renegotiation, which the tests' engines do not ask) */
    o->retry = rc == AIO_WANT_WRITE || rc == AIO_WANT_READ ? len : 0; /* LCOV_EXCL_BR_LINE */
    return rc;
}

/* n more bytes of o sent: the waiters woken when it is back at its low-water
 * mark or empty (its block given back then, to the loop's spares). */
static void aio__outbox_sent(aio__outbox *o, size_t n) {
    o->head += n;
    if (o->head == o->tail) aio__spare_give(o);
    if (o->paused && o->tail - o->head <= o->low) o->paused = 0;
    if (!o->paused) aio__wake_all(&o->waiters, AIO__T_SIGNALLED); /* (empty: at its low-water mark too) */
}

/* o failed with rc: nothing more is sent (what it held is dropped), and
 * every write and drain says so. */
static void aio__outbox_fail(aio__outbox *o, aio_status rc) {
    o->error = rc;
    AIO_FREE(o->data);
    o->data = NULL;
    o->head = o->tail = o->cap = 0;
    aio__wake_all(&o->waiters, AIO__T_SIGNALLED);
}

/* Whether a task waits on descriptor fd's way `dir` (1: until writable). */
static int aio__way_taken(const aio_loop *L, int fd, int dir) {
    const aio_io *io = L->io; /* (NULL: the port was let go since the sender started; its wait starts one) */
    return io && (uint32_t)fd < io->nslots && io->slots[fd].waiter[dir] != NULL;
}

/* The sender: what is buffered, in order, while the socket takes it. Its
 * awaits number their resume points themselves, as the server's task does. */
static aio_status aio__outbox_run(aio_task *t) {
    aio__outbox *o = AIO_CONTAINER(t, aio__outbox, task);
    AIO_BEGIN(t);
    while (!o->error && o->head != o->tail) { /* (a stream that let it go emptied it) */
        if (aio__stream_closed_under(t->loop, o->s)) { /* (its number may be another socket's now) */
            aio__outbox_fail(o, AIO_ECLOSED);
            break;
        }
        if (o->full) { /* (the turn's end found no room: wait first) */
            o->full = 0;
        } else {
            o->rc = aio__outbox_send(o->s, o->data + o->head, o->tail - o->head);
            if (o->rc > 0) {
                aio__outbox_sent(o, (size_t)o->rc);
                continue;
            }
        }
        if (o->rc == AIO_WANT_WRITE) {
            if (aio__way_taken(t->loop, aio__fd(o->s->fd), 1)) { /* (its wait would be refused: say why) */
                aio__outbox_fail(o, aio__misuse(AIO_EBUSY, "aio_stream_write: a task waits until the stream's "
                                                           "socket is writable (AIO_SEND_ALL, AIO_WAIT_WRITABLE): "
                                                           "what is buffered cannot be sent; write a stream one way"));
                break;
            }
            AIO__AWAIT(t, o->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_WRITABLE, o->s->fd, NULL, 0, AIO_NEVER),
                       aio__io_poll(t, aio__f, AIO__IO_WRITABLE, NULL, 0), 1u); /* AIO_WAIT_WRITABLE */
        /* LCOV_EXCL_START: a TLS engine that must read to write (a renegotiation, which the tests'
         * engines do not ask) */
        } else if (o->rc == AIO_WANT_READ) {
            AIO__AWAIT(t, o->rc = aio__r, aio__io_start(t, aio__f, AIO__IO_READABLE, o->s->fd, NULL, 0, AIO_NEVER),
                       aio__io_poll(t, aio__f, AIO__IO_READABLE, NULL, 0), 2u); /* AIO_WAIT_READABLE */
        }
        /* LCOV_EXCL_STOP */
        if (o->rc < 0) aio__outbox_fail(o, o->rc); /* (a stream that let it go cancelled it: no resume comes here) */
    }
    AIO_END(t);
}

/* o's sender started: it sends what o holds while the socket takes it. */
static aio_status aio__outbox_start(aio__outbox *o) {
#if AIO__SPEED
    aio_status rc = aio__spawn_checked(o->loop, &o->task, aio__outbox_run, aio__cancel_leftovers);
#else
    aio_status rc = AIO__SPAWN_ON(o->loop, &o->task, aio__outbox_run, aio__cancel_leftovers);
#endif
    /* LCOV_EXCL_START: (a task spawned on its loop, NEW or DONE: never refused) */
    if (rc < 0) {
        o->error = rc;
        return rc;
    }
    /* LCOV_EXCL_STOP */
    /* the library's, not the program's: out of the loop's list of tasks,
     * which aio_run's end cancels (aio__outbox_services_ending stops it) */
    aio__list_unlink(&o->task.member);
    aio__list_init(&o->task.member);
    return AIO_OK;
}

/* What o holds sent once (a TLS session's records, as long as the socket
 * takes them): 1 if some is left (o->rc says the way to wait for room), 0
 * if all went or o failed. */
static int aio__outbox_send_once(aio__outbox *o) {
    aio_status rc;
    if (aio__stream_closed_under(o->loop, o->s)) { /* (its number may be another socket's now) */
        aio__outbox_fail(o, AIO_ECLOSED);
        return 0;
    }
    do {
        rc = aio__outbox_send(o->s, o->data + o->head, o->tail - o->head);
        if (rc > 0) aio__outbox_sent(o, (size_t)rc);
    } while (rc > 0 && o->s->transport && o->head != o->tail); /* (a socket that took part is full) */
    if (o->head == o->tail) return 0;
    /* (a TLS engine that must read to write: a renegotiation, which the tests' engines do not ask) */
    if (rc < 0 && rc != AIO_WANT_WRITE && rc != AIO_WANT_READ) { /* LCOV_EXCL_BR_LINE */
        aio__outbox_fail(o, rc);
        return 0;
    }
    o->rc = rc > 0 ? AIO_WANT_WRITE : rc;
    return 1;
}

/* At the end of a turn (aio__io_written): each outbox written in it sends
 * what it holds, and its sender waits for room for the rest. */
static void aio__outbox_turn_end(aio_loop *L) {
    while (L->written.next != &L->written) {
        aio__outbox *o = AIO_CONTAINER(L->written.next, aio__outbox, written);
        aio__list_unlink(&o->written);
        o->written.next = o->written.prev = NULL;
        if (!aio__outbox_send_once(o)) continue;
        o->full = 1;
        (void)aio__outbox_start(o);
    }
}

/* o in its loop's list of those written in the turn. */
static void aio__outbox_due(aio__outbox *o) {
    aio_loop *L = o->loop;
    if (!L->written.next) aio__list_init(&L->written);
    aio__list_append(&L->written, &o->written);
    aio__io_written = aio__outbox_turn_end;
    L->io->turn_end |= AIO__IO_END_WRITTEN;
}

/* Room in o for len more bytes (within its bound: the caller checked):
 * what is buffered moved to the front, the block a spare of the loop's or
 * grown. AIO_OK, or AIO_EIO (errno ENOMEM) with o as it was. */
static aio_status aio__outbox_room(aio__outbox *o, size_t len) {
    size_t have = o->tail - o->head;
    size_t cap;
    if (o->cap - o->tail >= len) return AIO_OK;
    if (!o->data) o->data = aio__spare_take(o->loop, len, &o->cap);
    if (o->head) {
        memmove(o->data, o->data + o->head, have);
        o->head = 0;
        o->tail = have;
    }
    for (cap = o->cap ? o->cap : 256; cap - have < len; cap *= 2) continue;
    if (cap > o->bound) cap = o->bound;
    if (cap != o->cap) { /* (realloc: a large block grows in place, unmoved) */
        unsigned char *data = (unsigned char *)AIO_REALLOC(o->data, cap);
        if (!data) {
            errno = ENOMEM;
            return AIO_EIO;
        }
        o->data = data;
        o->cap = cap;
    }
    return AIO_OK;
}

/* s ready to take len more bytes: its outbox (*out), or why not. */
static aio_status aio__outbox_taking(aio_stream *s, size_t len, aio__outbox **out, const char *what) {
    aio__outbox *o;
    aio_status rc;
    if (!s || !s->buf) return aio__misuse(AIO_EINVAL, what);
    if (s->out ? !s->out->loop : !aio__loop)
        return aio__misuse(AIO_EINVAL, "aio_stream_write: no loop to send what the socket does not take "
                                       "(none was made, or aio_loop_destroy ended the stream's)");
    rc = aio__stream_gone_on(aio__loop, s, "aio_stream_write");
    if (rc < 0) return rc;
    if (s->writer)
        return aio__misuse(AIO_EBUSY, "aio_stream_write: a task is waiting in an AIO_STREAM_WRITE of the stream "
                                      "(one way of writing a stream at a time)");
    o = aio__outbox_of(s);
    if (!o || !aio__io_of(o->loop)) { /* (no memory; no port: out of descriptors or memory) */
        errno = ENOMEM;
        return AIO_EIO;
    }
    if (o->error) return o->error;
    if (o->tail - o->head > o->bound || len > o->bound - (o->tail - o->head))
        return AIO_ELIMIT; /* (nothing of it taken; a bound set below what it held: nothing more) */
    *out = o;
    return aio__outbox_room(o, len);
}

/* Bytes were added to o: sent at the end of the turn (in a turn of its
 * loop's) or at once (outside one: no turn to wait for), unless its sender
 * is under way; the stream's error if a send at once failed. */
static aio_status aio__outbox_added(aio__outbox *o) {
    const aio_loop *L = o->loop;
    if (o->tail - o->head > o->high) o->paused = 1;
    if ((o->task.state != AIO__NEW && o->task.state != AIO__DONE) || o->written.next) return AIO_OK;
    /* (outside its loop's turns: what the socket takes now, the rest at a turn's end) */
    if (L == aio__stepping || aio__outbox_send_once(o)) aio__outbox_due(o);
    return o->error;
}

AIO_API aio_status aio_stream_write(aio_stream *s, const void *buf, size_t len) {
    aio__outbox *o = NULL;
    aio_status rc;
    if (s && s->buf && !buf && len) return aio__misuse(AIO_EINVAL, "aio_stream_write: the buffer is NULL");
    rc = aio__outbox_taking(s, len, &o, "aio_stream_write: the stream was not set up (aio_stream_init)");
    if (rc < 0 || !len) return rc;
    memcpy(o->data + o->tail, buf, len);
    o->tail += len;
    return aio__outbox_added(o);
}

AIO_API aio_status aio_stream_writelines(aio_stream *s, const aio_piece *pieces, size_t n) {
    aio__outbox *o = NULL;
    size_t i;
    size_t total = 0;
    aio_status rc;
    if (!pieces && n) return aio__misuse(AIO_EINVAL, "aio_stream_writelines: the array of pieces is NULL");
    for (i = 0; i < n; i++) {
        if (!pieces[i].data && pieces[i].len)
            return aio__misuse(AIO_EINVAL, "aio_stream_writelines: a piece's data is NULL");
        if (pieces[i].len > (size_t)-1 - total)
            return aio__misuse(AIO_EINVAL, "aio_stream_writelines: the pieces' lengths add up past SIZE_MAX");
        total += pieces[i].len;
    }
    /* the room for the whole first (nothing taken if it is refused), then the pieces */
    rc = aio__outbox_taking(s, total, &o, "aio_stream_writelines: the stream was not set up (aio_stream_init)");
    if (rc < 0 || !total) return rc;
    for (i = 0; i < n; i++) {
        if (!pieces[i].len) continue; /* (memcpy's pointers are valid ones: an empty piece's may be NULL) */
        memcpy(o->data + o->tail, pieces[i].data, pieces[i].len);
        o->tail += pieces[i].len;
    }
    return aio__outbox_added(o);
}

AIO_API aio_status aio_stream_set_write_limits(aio_stream *s, size_t high, size_t low, size_t bound) {
    aio__outbox *o;
    if (!s || !s->buf || low > high || !bound || bound > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_stream_set_write_limits: the stream was not set up, low is above "
                                       "high, or the bound is 0 or beyond INT_MAX");
    if (!s->out && !aio__loop)
        return aio__misuse(AIO_EINVAL, "aio_stream_set_write_limits: no loop (none was made, or "
                                       "aio_loop_destroy ended it)");
    o = aio__outbox_of(s);
    if (!o) {
        errno = ENOMEM;
        return AIO_EIO;
    }
    o->high = high;
    o->low = low;
    o->bound = bound;
    o->paused = o->tail - o->head > high;
    if (!o->paused) aio__wake_all(&o->waiters, AIO__T_SIGNALLED);
    return AIO_OK;
}

AIO_API size_t aio_stream_write_buffered(const aio_stream *s) {
    return s && s->out ? s->out->tail - s->out->head : 0;
}

AIO_API aio_status aio_stream_abort(aio_stream *s) {
    if (!s || !s->buf) return aio__misuse(AIO_EINVAL, "aio_stream_abort: the stream was not set up");
    if (s->out) aio__outbox_let_go(s);
    return aio_close(s->fd);
}

/* AIO_DRAIN (closing 0) and AIO_STREAM_CLOSE (1): done once what they wait
 * for came (at most the low-water mark buffered; nothing buffered, then the
 * socket closed), or the outbox failed; else parked among its waiters. */
static aio_status aio__drain_step(aio_task *t, aio_frame *f, aio_stream *s, int closing) {
    aio__outbox *o = s->out;
    aio_status rc = aio__stream_gone(t, s, closing ? "AIO_STREAM_CLOSE" : "AIO_DRAIN");
    if (rc < 0) {
        if (closing && o) aio__outbox_let_go(s); /* (its socket is gone: so is what it held) */
        return rc;
    }
    if (o && o->error) {
        rc = o->error;
    } else if (o && (closing ? o->head != o->tail : o->paused)) {
        if (aio__until_due(t)) {
            rc = AIO_ETIMEDOUT;
        } else {
            AIO__WAITS_ON(t->loop, AIO_ON_IO, s, 0);
            rc = aio__park(t, 1, 1);
            /* (no timer slot and none to grow: every parking await's refusal, tested with theirs) */
            if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc); /* LCOV_EXCL_LINE */
            aio__wait_in(t, &o->waiters);
            return AIO__SUSPENDED;
        }
    }
    if (closing) {
        if (s->out) aio__outbox_let_go(s);
        (void)aio_close(s->fd);
    }
    return rc;
}

AIO_API aio_status aio__drain_start(aio_task *t, aio_frame *f, aio_stream *s, aio_time d, int closing) {
    aio_time until = aio__deadline(t->loop, d, 1);
    if (!s || !s->buf)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, closing ? "AIO_STREAM_CLOSE: the stream was not set up"
                                                                : "AIO_DRAIN: the stream was not set up"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED(closing ? "AIO_STREAM_CLOSE: the timeout"
                                                             : "AIO_DRAIN: the timeout"));
    if (aio__checkpoint(t) < 0) {
        if (closing) (void)aio_stream_abort(s); /* (the stream closes all the same) */
        return aio__yield_then_raise(t, f);
    }
    aio__set_until(t, until);
    return aio__drain_step(t, f, s, closing);
}

AIO_API aio_status aio__drain_poll(aio_task *t, aio_frame *f, aio_stream *s, int closing) {
    t->flags &= (uint16_t)~AIO__T_SIGNALLED;
    if (aio__checkpoint(t) < 0) {
        /* (a close whose stream was also freed meanwhile: nothing to abort) */
        if (closing && s->buf) (void)aio_stream_abort(s); /* LCOV_EXCL_BR_LINE */
        return aio__raise(t, f, AIO_ECANCELED);
    }
    if (!s->buf) return AIO_ECLOSED; /* (freed meanwhile) */
    return aio__drain_step(t, f, s, closing);
}
#endif /* AIO__SOCKETS */
