// >>streams
/* ---------------------------------------------------------------- streams */

/* A stream's read is a readiness wait of its own: it first looks at what is
 * buffered, and receives only when that cannot do; what it receives stays in
 * the stream's buffer whatever becomes of the read, so a read cancelled or
 * timed out loses nothing. The read under way (kind, separator, count) is
 * kept in the stream (the separator by the caller's pointer, which the
 * caller keeps valid until the read ends), and one task at a time may wait
 * in it. (Its own
 * functions: the other awaits' paths do not test for it.) */
#define AIO__MORE (INT_MIN + 4) /* the read needs more bytes (never leaves this section) */

/* A stream is over the socket it was set up on, not over a number: a
 * socket closed under it (aio_close, aio_io_forget) may give its number to
 * the next one made. Each close takes a value of a count that never comes
 * round (the readiness waits' part: 64 bits), kept in the number's slot of
 * the loop's port, and for a number the port has no slot for (or while the
 * loop has no port: none started yet, or detached by aio_loop_set_io) in
 * what the loop keeps apart (aio__stream_kept). The stream notes its
 * number's last close when set up (on the running loop, else the last one
 * made) and every read and write compares: another value is a socket gone,
 * however many closes came between, and the stream refuses for good
 * (AIO_ECLOSED, as a wait it was in gave), in s->eof's second bit. A value
 * of 0 where the stream noted another is a loop's that knows nothing
 * before (a stream made on another loop): it is noted again. So no close is
 * lost, a value is never dropped: a port given up hands its values to the
 * next one, or to what is kept apart where the next one cannot hold them,
 * and a port that grows takes the kept values of its new slots. */
#define AIO__STREAM_GONE 2

/* A stream's write buffer (its part: "a stream's write buffer"), here
 * where the stream's own calls see it. */
typedef struct aio__outbox aio__outbox;
struct aio__outbox {
    aio_task task;            /* the sender (first: the outbox is at its task's address) */
    aio_stream *s;            /* NULL once the stream let it go */
    aio_link link;            /* in its loop's list (loop->outboxes); unlinked: the loop ended */
    aio_loop *loop;           /* the loop it was made on (NULL once it ended) */
    unsigned char *data;      /* data[head..tail) written, not sent yet (NULL when empty) */
    size_t head, tail, cap;
    size_t high, low, bound;
    aio_status error;         /* what a send met: every later write and drain gives it */
    size_t retry;             /* a send that said "nothing now": its length, the next one's
                                 (an engine takes the same bytes again, no more) */
    aio_status rc;            /* (the sender's wait) */
    aio_link waiters;         /* the tasks in an AIO_DRAIN or AIO_STREAM_CLOSE of it */
    aio_link written;         /* in its loop's `written` (unlinked: NULL) */
    uint8_t paused;           /* more than `high` buffered since it last had at most `low` */
    uint8_t full;             /* its sender waits first, as `rc` says: the turn's end found no room */
};
/* A stream freed lets its outbox go; a loop that ends frees those it let
 * go (set by the first outbox made: a program without one links none of it). */
static AIO_THREAD_LOCAL void (*aio__outbox_hook)(aio_stream *s, aio_loop *ending);

/* What the loop keeps apart: the last closes of the numbers below
 * AIO__STREAM_KEPT that its port holds no slot for (while it has none: of
 * all of them). Entries below the port's slots are stale: the slots hold
 * those. One loop a thread: another loop's value takes the table over (the
 * first loop's kept values are then lost, as are those of the numbers
 * beyond the table's end: a stream over such a number does not tell a
 * close behind it). */
#define AIO__STREAM_KEPT 1024
static AIO_THREAD_LOCAL struct {
    const aio_loop *loop; /* (NULL: nothing kept) */
    uint32_t n;           /* numbers [0, n) kept (0 above) */
    uint64_t closed[AIO__STREAM_KEPT];
} aio__stream_kept;

/* L's kept last close of number i (0: none). */
static uint64_t aio__stream_kept_value(const aio_loop *L, uint32_t i) {
    return aio__stream_kept.loop == L && i < aio__stream_kept.n ? aio__stream_kept.closed[i] : 0;
}
/* L's kept entries cover [0, n) (n at most AIO__STREAM_KEPT), the table taken over if another loop's. */
static void aio__stream_keep(const aio_loop *L, uint32_t n) {
    if (aio__stream_kept.loop != L) {
        aio__stream_kept.loop = L;
        aio__stream_kept.n = 0;
    }
    if (n > aio__stream_kept.n) {
        memset(aio__stream_kept.closed + aio__stream_kept.n, 0, (n - aio__stream_kept.n) * sizeof(uint64_t));
        aio__stream_kept.n = n;
    }
}

/* L's last close of number fd into *closed: 1, or 0 where nothing keeps it
 * (no loop, no socket, a number beyond the port's slots, which cannot grow,
 * and the kept table). The port is made to hold the number if it can, so
 * that its closes are kept in the slot. */
static int aio__stream_closed_of(aio_loop *L, int fd, uint64_t *closed) {
    aio_io *io = L ? L->io : NULL;
    if (!L || fd < 0) return 0;
    if (io && ((uint32_t)fd < io->nslots || (io->grow && aio__io_grow(io, fd) >= 0))) {
        *closed = io->slots[fd].closed;
        return 1;
    }
    if (fd >= AIO__STREAM_KEPT) return 0;
    *closed = aio__stream_kept_value(L, (uint32_t)fd);
    return 1;
}
static uint64_t aio__stream_closed(aio_socket fd) {
    uint64_t closed = 0;
    (void)aio__stream_closed_of(aio__loop, aio__fd(fd), &closed);
    return closed;
}

/* aio__io_carry: L gives up port `from` (NULL: none) for port `to`
 * (NULL: none; both NULL: L ends). The last close of number i was from's
 * slot's if from has one, else kept; it goes into to's slot (to grown to
 * hold every number that was closed, if it can; 0 in the slots above, which
 * a port given before may have left), else into the kept table. */
static void aio__stream_carry(aio_loop *L, aio_io *from, aio_io *to) {
    uint32_t from_n = from ? from->nslots : 0;
    uint32_t top = aio__stream_kept.loop == L ? aio__stream_kept.n : 0; /* (numbers at and above: 0) */
    uint32_t held = 0;
    uint32_t i;
    if (!from && !to) { /* (L ends) */
        if (aio__stream_kept.loop == L) aio__stream_kept.loop = NULL;
        if (aio__outbox_hook) aio__outbox_hook(NULL, L);
        return;
    }
    while (from_n > top && !from->slots[from_n - 1].closed) from_n--; /* (from's 0s at the top keep nothing) */
    if (from_n > top) top = from_n;
    if (to && L->written.next && L->written.next != &L->written)
        to->turn_end |= AIO__IO_END_WRITTEN; /* (write buffers written in this turn: sent at its end) */
    if (to) {
        if (top > to->nslots && to->grow) (void)to->grow(to, (int)top - 1); /* (failing, kept apart) */
        for (i = 0; i < to->nslots; i++)
            to->slots[i].closed = i < from_n ? from->slots[i].closed : aio__stream_kept_value(L, i);
        held = to->nslots;
    }
    if (top > AIO__STREAM_KEPT) top = AIO__STREAM_KEPT;
    if (held >= top) return;
    aio__stream_keep(L, top);
    for (i = held; i < from_n && i < top; i++) aio__stream_kept.closed[i] = from->slots[i].closed;
}
/* aio__io_carry_close: a close of number fd, which L's port has no slot
 * for (or L has no port), kept in what L keeps. */
static void aio__stream_carry_close(aio_loop *L, int fd) {
    if (fd < 0 || fd >= AIO__STREAM_KEPT) return;
    aio__stream_keep(L, (uint32_t)fd + 1);
    aio__stream_kept.closed[fd] = aio__close_next();
}
/* aio__io_grown: port io grew from old_nslots slots; its loop's kept values go into the new ones. */
static void aio__stream_grown(aio_io *io, uint32_t old_nslots) {
    uint32_t i;
    if (!aio__stream_kept.loop || aio__stream_kept.loop->io != io) return;
    for (i = old_nslots; i < io->nslots && i < aio__stream_kept.n; i++) io->slots[i].closed = aio__stream_kept.closed[i];
}

/* Whether s's socket was closed under it (its number's last close is
 * another since the stream was set up), on loop L (NULL: none runs); once
 * it was, for good. */
static int aio__stream_closed_under(aio_loop *L, aio_stream *s) {
    if (!(s->eof & AIO__STREAM_GONE)) {
        uint64_t closed;
        if (!aio__stream_closed_of(L, aio__fd(s->fd), &closed) || closed == s->closed) return 0;
        if (!closed) { /* (a loop's that knows nothing before) */
            s->closed = 0;
            return 0;
        }
        s->eof |= AIO__STREAM_GONE;
    }
    return 1;
}
/* aio__stream_gone for a call that is not a task's await: AIO_ECLOSED, named. */
static aio_status aio__stream_gone_on(aio_loop *L, aio_stream *s, const char *what) {
    if (!aio__stream_closed_under(L, s)) return AIO_OK;
    return aio__bad_fd(AIO_ECLOSED, what, aio__fd(s->fd),
                       AIO__DETAIL("was closed under the stream (aio_close): the stream reads and writes no more"));
}

static aio_status aio__stream_gone(aio_task *t, aio_stream *s, const char *what) {
#if AIO__SPEED
    { /* the value in its slot, where there is one (every read of a stream in use) */
        const aio_io *io = t->loop->io;
        uint32_t fd = (uint32_t)aio__fd(s->fd);
        if (io && fd < io->nslots && !(s->eof & AIO__STREAM_GONE) && io->slots[fd].closed == s->closed)
            return AIO_OK;
    }
#endif
    return aio__stream_gone_on(t->loop, s, what);
}

/* A growing stream's buffer (aio_stream_init_growing) is one block of the
 * allocator: its starting size, its limit and its count of quiet receives
 * (below), then the bytes (s->buf points at them). The stream's fields are a
 * fixed stream's; only the paths where a fixed buffer is full (AIO_ELIMIT)
 * or its bytes are moved to the front test `grows`. */
enum { AIO__GROW_START, AIO__GROW_LIMIT, AIO__GROW_QUIET, AIO__GROW_FIELDS };
#define AIO__GROW_HEAD (AIO__GROW_FIELDS * sizeof(size_t))
#define AIO__GROW_QUIET_RECEIVES 4 /* quiet receives in a row before it shrinks */
static size_t aio__stream_sizes(const aio_stream *s, int which) {
    size_t v;
    memcpy(&v, s->buf - AIO__GROW_HEAD + (size_t)which * sizeof v, sizeof v);
    return v;
}
static void aio__stream_set_quiet(aio_stream *s, size_t quiet) {
    memcpy(s->buf - AIO__GROW_HEAD + AIO__GROW_QUIET * sizeof quiet, &quiet, sizeof quiet);
}

/* Resize a growing stream's buffer to `size` bytes (at least what it
 * holds): AIO_OK, or AIO_EIO (errno ENOMEM) with the buffer as it was. */
static aio_status aio__stream_resize(aio_stream *s, size_t size) {
    unsigned char *block = (unsigned char *)AIO_REALLOC(s->buf - AIO__GROW_HEAD, AIO__GROW_HEAD + size);
    if (!block) {
        errno = ENOMEM;
        return AIO_EIO;
    }
    s->buf = block + AIO__GROW_HEAD;
    s->size = (aio__offset)size;
    return AIO_OK;
}

/* The most a growing stream's buffer holds for the read under way:
 * asyncio's limit counts a line's bytes before its separator, so a line or
 * a separator adds the separator's length (clamped: a status counts the
 * bytes a read gives); a count is at most the limit already. */
static size_t aio__stream_cap(const aio_stream *s) {
    size_t limit = aio__stream_sizes(s, AIO__GROW_LIMIT);
    size_t sep = s->kind == AIO__READ_LINE ? 1 : s->kind == AIO__READ_UNTIL ? (size_t)s->want : 0;
    return sep > (size_t)INT_MAX - limit ? (size_t)INT_MAX : limit + sep;
}

/* Its bytes were just moved to the front (s->head and s->last still say
 * what the last read took): the receive was quiet if that read took at
 * most `start` bytes and fewer than `start` are left; after
 * AIO__GROW_QUIET_RECEIVES quiet ones in a row it goes back to `start`
 * bytes (failing, it keeps the larger, and counts again). The hysteresis
 * keeps a stream whose lines are a little longer than its start from
 * shrinking and growing again at every line, and `start` bytes holding
 * fewer leave room to receive into: a receive never has 0 bytes of room. */
static void aio__stream_shrink(aio_stream *s) {
    size_t start = aio__stream_sizes(s, AIO__GROW_START);
    size_t quiet = aio__stream_sizes(s, AIO__GROW_QUIET);
    if (s->size == start) return;
    quiet = (size_t)(s->head - s->last) <= start && s->tail < start ? quiet + 1 : 0;
    if (quiet == AIO__GROW_QUIET_RECEIVES) {
        (void)aio__stream_resize(s, start);
        quiet = 0;
    }
    aio__stream_set_quiet(s, quiet);
}

/* A growing stream's buffer resized. grow: it is full and the read needs
 * more: doubled, to its cap at most (aio__stream_cap); AIO__MORE (room
 * made), AIO_ELIMIT (at its cap), or AIO_EIO (no memory). Else its bytes
 * were just moved to the front: aio__stream_shrink. Reached through
 * aio__stream_regrow_hook, which aio_stream_init_growing sets: a program
 * with fixed streams only links none of it. */
static aio_status aio__stream_regrow(aio_stream *s, int grow) {
    size_t size = (size_t)s->size * 2; /* (at most 2 * INT_MAX) */
    size_t cap;
    aio_status rc;
    if (!grow) {
        aio__stream_shrink(s);
        return AIO_OK;
    }
    cap = aio__stream_cap(s);
    if (s->size >= cap) return AIO_ELIMIT;
    aio__stream_set_quiet(s, 0);
    rc = aio__stream_resize(s, size < cap ? size : cap);
    return rc == AIO_OK ? AIO__MORE : rc;
}
static AIO_THREAD_LOCAL aio_status (*aio__stream_regrow_hook)(aio_stream *s, int grow);

/* What the read under way takes of the bytes buffered: their length (taken:
 * aio_stream_data gives them), AIO__MORE, or the status it ends with. */
static aio_status aio__stream_scan(aio_stream *s) {
    size_t have = s->tail - s->head;
    size_t n = 0;
    const unsigned char *p = s->buf + s->head;
    if (s->kind == AIO__READ_SOME) {
        n = have;
    } else if (s->kind == AIO__READ_EXACTLY) {
        if (!s->want) { /* readexactly(0): nothing to wait for, at the end too */
            s->last = s->head;
            return 0;
        }
        if (have >= s->want) n = s->want;
    } else { /* a line, or up to a separator: looked for where it was not yet */
        const unsigned char *sep = s->kind == AIO__READ_LINE ? (const unsigned char *)"\n"
                                                             : (const unsigned char *)s->sep;
        size_t k = s->kind == AIO__READ_LINE ? 1 : s->want;
        size_t i = s->scanned;
#if AIO__SPEED
        while (i + k <= have) { /* (the C library's memchr finds the first byte: many at a time) */
            const unsigned char *at = (const unsigned char *)memchr(p + i, sep[0], have - k + 1 - i);
            if (!at) break;
            i = (size_t)(at - p);
            if (k == 1 || memcmp(p + i, sep, k) == 0) {
                n = i + k;
                break;
            }
            i++;
        }
#else
        for (; i + k <= have && !n; i++)
            if (p[i] == sep[0] && memcmp(p + i, sep, k) == 0) n = i + k;
#endif
        if (!n) s->scanned = (aio__offset)(have >= k ? have - k + 1 : 0);
    }
    if (!n && s->eof) { /* the end: a line or a read takes what is left */
        if (s->kind == AIO__READ_LINE || s->kind == AIO__READ_SOME) {
            if (!have) return 0;
            n = have;
        } else {
            return AIO_EINCOMPLETE;
        }
    }
    if (!n) return have == s->size ? (s->grows ? aio__stream_regrow_hook(s, 1) : AIO_ELIMIT) : AIO__MORE;
    s->last = s->head;
    s->head += (aio__offset)n;
    s->scanned = 0;
    return (aio_status)n;
}

/* A transport's "nothing now" as the way to wait on: 0 (readable), 1
 * (writable), or -1 for any other result. The socket's own says AIO__AGAIN
 * in the way of its call. */
static int aio__stream_way(aio_status rc, int own) {
    if (rc == AIO_WANT_READ) return 0;
    if (rc == AIO_WANT_WRITE) return 1;
    return rc == AIO__AGAIN ? own : -1;
}

/* One receive into the room after the buffered bytes (moved to the front
 * first, and with them the bytes the last read gave: the caller's only until
 * this next read): AIO_OK (bytes came, or the end), or what the receive
 * said (AIO__AGAIN, AIO__INTR, AIO_WANT_*, an error). A short receive tells
 * that the socket is dry; a transport's does not (a TLS engine gives a
 * record at a time and may hold more). One that fills a growing stream's
 * room grows it (asyncio receives 64 KiB at a time): a burst of short lines
 * then costs a receive and a turn per buffer, not per two lines, and the
 * quiet receives after it shrink it back. */
static aio_status aio__stream_receive(aio_loop *L, aio_stream *s, int fd) {
    aio_status rc;
    if (s->head) {
        if (s->tail != s->head) memmove(s->buf, s->buf + s->head, s->tail - s->head);
        s->tail -= s->head;
        if (s->grows) (void)aio__stream_regrow_hook(s, 0); /* (it may shrink: head - last is what the last read took) */
        s->last = s->head = 0;
    }
    if (s->transport) {
        rc = s->transport->recv(s->transport_ctx, s->fd, s->buf + s->tail, s->size - s->tail);
        if (rc > (aio_status)(s->size - s->tail))
            rc = aio__misuse(AIO_EIO, "a stream's read: the transport's recv said it put more bytes than asked");
    } else {
        rc = aio__net_recv(fd, s->buf + s->tail, s->size - s->tail, "a stream's read");
        if (rc >= 0) {
            if ((size_t)rc < s->size - s->tail) {
                aio__io_dry(L, fd, 0);
            } else if (s->grows) { /* the room filled: more is likely there (a burst) */
                s->tail += (aio__offset)rc;
                (void)aio__stream_regrow_hook(s, 1); /* (twice the room for the next receive, to the limit) */
                return AIO_OK;
            }
        }
    }
    if (rc < 0) return rc;
    if (rc == 0) s->eof = 1;
    s->tail += (aio__offset)rc;
    return AIO_OK;
}

/* Take what the read asks from the buffer, receiving while the transport
 * has bytes; park until the socket is ready the way it needs when it has
 * none (t->until stays the read's deadline throughout). */
static aio_status aio__stream_try(aio_task *t, aio_frame *f, aio_stream *s) {
    aio_loop *L = t->loop;
    int fd = t->await.io.fd;
    for (;;) {
        int way;
        aio_status rc = aio__stream_scan(s);
        if (rc != AIO__MORE) return rc;
        if (!s->transport && aio__io_is_dry(L->io, fd, 0)) return aio__io_park(t, f, 0, 1, "a stream's read");
        rc = aio__stream_receive(L, s, fd);
        /* LCOV_EXCL_START: a signal in the call */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc == AIO_OK) continue; /* (bytes, or the end: look again) */
        way = aio__stream_way(rc, 0);
        if (way < 0) return rc;
        aio__io_dry(L, fd, way);
        return aio__io_park(t, f, way, 0, "a stream's read"); /* (trusts nothing the first time) */
    }
}

/* Send what is left of the write through the transport while it takes
 * bytes; park until the socket is ready the way it needs when it takes none. */
static aio_status aio__stream_send(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len) {
    int fd = t->await.io.fd;
    for (;;) {
        const char *rest = (const char *)buf + t->await.io.done;
        size_t left = len - t->await.io.done;
        aio_status rc;
        int way;
        if (!left) return AIO_OK;
        if (s->transport) {
            rc = s->transport->send(s->transport_ctx, s->fd, rest, left);
            if (rc > (aio_status)left || rc == 0)
                rc = aio__misuse(AIO_EIO, "AIO_STREAM_WRITE: the transport's send said it took no bytes, or more "
                                          "than given");
        } else {
            rc = aio__net_send(fd, rest, left, "AIO_STREAM_WRITE");
        }
        /* LCOV_EXCL_START: a signal in the call */
        if (rc == AIO__INTR) continue;
        /* LCOV_EXCL_STOP */
        if (rc > 0) {
            t->await.io.done += (size_t)rc;
            continue;
        }
        way = aio__stream_way(rc, 1);
        if (way < 0) return rc;
        aio__io_dry(t->loop, fd, way);
        return aio__io_park(t, f, way, 0, "AIO_STREAM_WRITE");
    }
}

/* Whether n bytes are more than the stream's buffer (a growing one's
 * limit). */
static int aio__stream_beyond(const aio_stream *s, size_t n) {
    return n > s->size && (!s->grows || n > aio__stream_sizes(s, AIO__GROW_LIMIT));
}

AIO_API aio_status aio__stream_start(aio_task *t, aio_frame *f, aio_stream *s, int kind, const void *sep,
                                     size_t n, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc;
    if (!s || !s->buf)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "a stream's read: the stream was not set up "
                                                        "(aio_stream_init)"));
    if (kind == AIO__READ_UNTIL && (!sep || !n || aio__stream_beyond(s, n)))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_READ_UNTIL: the separator is NULL, of length 0, "
                                                        "or longer than the stream's buffer"));
    if (kind == AIO__READ_EXACTLY && aio__stream_beyond(s, n))
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_READ_EXACTLY: the count is larger than the "
                                                        "stream's buffer"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("a stream's read: the timeout"));
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    rc = aio__stream_gone(t, s, "a stream's read");
    if (rc < 0) return rc;
    if (s->reader) return aio__misuse(AIO_EBUSY, "a stream's read: another task is waiting in a read of it");
    s->kind = (uint8_t)kind;
    s->sep = sep;
    s->want = (aio__offset)n; /* (at most the buffer's size: checked above) */
    s->scanned = 0;
    t->await.io.fd = aio__fd(s->fd);
    t->await.io.dir = 0;
    t->await.io.done = 0;
    aio__set_until(t, until);
    rc = aio__stream_try(t, f, s);
    if (rc == AIO__SUSPENDED) s->reader = t;
    return rc;
}

AIO_API aio_status aio__stream_poll(aio_task *t, aio_frame *f, aio_stream *s) {
    aio_status rc = aio__io_poll(t, f, AIO__IO_READABLE, NULL, 0); /* readable, or why not */
    if (rc == AIO_OK) rc = aio__stream_try(t, f, s);
    if (rc != AIO__SUSPENDED) s->reader = NULL;
    return rc;
}

/* AIO_STREAM_WRITE after what aio_stream_write buffered: its bytes go once
 * those have gone (it waits among the write buffer's waiters, marked by
 * its way AIO__WRITE_AFTER, which the sender wakes as it sends), so the
 * stream's bytes keep the order they were written in. AIO_OK once nothing
 * is buffered, AIO_ETIMEDOUT, or the error the buffer failed with: what it
 * held was dropped, so bytes sent after them would arrive with a hole
 * before them (its writes and drains say the same). */
#define AIO__WRITE_AFTER 2
static aio_status aio__stream_write_after(aio_task *t, aio_frame *f, aio_stream *s) {
    const aio__outbox *o = s->out;
    aio_status rc;
    t->await.io.dir = 1;
    if (o && o->error) return o->error;
    if (!o || o->head == o->tail) return AIO_OK;
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    AIO__WAITS_ON(t->loop, AIO_ON_IO, s, 0);
    rc = aio__park(t, 1, 1);
    /* (no timer slot and none to grow: every parking await's refusal, tested with theirs) */
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc); /* LCOV_EXCL_LINE */
    t->await.io.dir = AIO__WRITE_AFTER;
    aio__wait_in(t, &s->out->waiters);
    return AIO__SUSPENDED;
}

AIO_API aio_status aio__stream_write_start(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len,
                                           aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    aio_status rc;
    if (!s || !s->buf)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_STREAM_WRITE: the stream was not set up "
                                                        "(aio_stream_init)"));
    if (!buf && len) return aio__raise(t, f, aio__misuse(AIO_EINVAL, "AIO_STREAM_WRITE: the buffer is NULL"));
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("AIO_STREAM_WRITE: the timeout"));
    t->await.io.fd = aio__fd(s->fd);
    t->await.io.dir = 1;
    t->await.io.done = 0;
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f); /* (before any refusal: a checkpoint) */
    rc = aio__stream_gone(t, s, "AIO_STREAM_WRITE");
    if (rc < 0) return rc;
    if (s->writer) return aio__misuse(AIO_EBUSY, "AIO_STREAM_WRITE: another task is waiting in a write of it");
    aio__set_until(t, until);
    rc = aio__stream_write_after(t, f, s);
    if (rc == AIO_OK) rc = aio__stream_send(t, f, s, buf, len);
    if (rc == AIO__SUSPENDED) s->writer = t;
    return rc;
}

AIO_API aio_status aio__stream_write_poll(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len) {
    aio_status rc;
    if (t->await.io.dir == AIO__WRITE_AFTER) { /* (among the write buffer's waiters) */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        if (aio__checkpoint(t) < 0) {
            rc = aio__raise(t, f, AIO_ECANCELED);
        } else {
            rc = aio__stream_gone(t, s, "AIO_STREAM_WRITE");
            if (rc == AIO_OK) rc = aio__stream_write_after(t, f, s);
            if (rc == AIO_OK) rc = aio__stream_send(t, f, s, buf, len);
        }
    } else {
        rc = aio__io_poll(t, f, AIO__IO_WRITABLE, NULL, 0); /* ready, or why not */
        if (rc == AIO_OK) rc = aio__stream_send(t, f, s, buf, len);
    }
    if (rc != AIO__SUSPENDED) s->writer = NULL;
    return rc;
}

AIO_API aio_status aio_stream_set_transport(aio_stream *s, const aio_transport *tr, void *ctx) {
    if (!s || !s->buf || (tr && (!tr->recv || !tr->send)))
        return aio__misuse(AIO_EINVAL, "aio_stream_set_transport: the stream was not set up (aio_stream_init), "
                                       "or the transport lacks recv or send");
    if (s->reader || s->writer)
        return aio__misuse(AIO_EBUSY, "aio_stream_set_transport: a task is waiting in a read or a write of the "
                                      "stream");
    s->transport = tr;
    s->transport_ctx = tr ? ctx : NULL;
    return AIO_OK;
}

AIO_API aio_status aio_stream_init(aio_stream *s, aio_socket fd, void *buf, size_t size) {
    if (!s || !buf || !size || size > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_stream_init: the stream or the buffer is NULL, or the "
                                       "buffer's size is 0 or larger than INT_MAX");
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->buf = (unsigned char *)buf;
    s->size = (aio__offset)size;
    s->closed = aio__stream_closed(fd);
    aio__io_carry = aio__stream_carry;
    aio__io_carry_close = aio__stream_carry_close;
    aio__io_grown = aio__stream_grown;
    if (aio__fd(fd) < 0) return aio__bad_fd(AIO_EBADF, "aio_stream_init", aio__fd(fd), "is negative");
    return AIO_OK;
}

AIO_API aio_status aio_stream_init_growing(aio_stream *s, aio_socket fd, size_t start, size_t limit) {
    unsigned char *block;
    size_t head[AIO__GROW_FIELDS];
    if (!s || !start || limit < start || limit > (size_t)INT_MAX)
        return aio__misuse(AIO_EINVAL, "aio_stream_init_growing: the stream is NULL, the starting size 0, or "
                                       "the limit below it or larger than INT_MAX");
    memset(s, 0, sizeof *s);
    if (aio__fd(fd) < 0) return aio__bad_fd(AIO_EBADF, "aio_stream_init_growing", aio__fd(fd), "is negative");
    block = (unsigned char *)AIO_MALLOC(AIO__GROW_HEAD + start);
    if (!block) {
        errno = ENOMEM;
        return AIO_EIO;
    }
    head[AIO__GROW_START] = start;
    head[AIO__GROW_LIMIT] = limit;
    head[AIO__GROW_QUIET] = 0;
    memcpy(block, head, sizeof head);
    s->fd = fd;
    s->buf = block + AIO__GROW_HEAD;
    s->size = (aio__offset)start;
    s->grows = 1;
    s->closed = aio__stream_closed(fd);
    aio__io_carry = aio__stream_carry;
    aio__io_carry_close = aio__stream_carry_close;
    aio__io_grown = aio__stream_grown;
    aio__stream_regrow_hook = aio__stream_regrow;
    return AIO_OK;
}

AIO_API aio_status aio_stream_free(aio_stream *s) {
    if (!s) return AIO_OK;
    if (s->reader || s->writer)
        return aio__misuse(AIO_EBUSY, "aio_stream_free: a task is waiting in a read or a write of the stream");
    if (s->out) aio__outbox_hook(s, NULL); /* (what it had not sent dropped) */
    if (s->grows) AIO_FREE(s->buf - AIO__GROW_HEAD); /* (a growing stream has its block) */
    s->buf = NULL;
    s->size = 0;
    s->head = s->tail = s->last = s->scanned = 0;
    s->grows = 0;
    return AIO_OK;
}

#endif /* AIO__SOCKETS */

/* (A stream's state, whatever the build: a port's build has streams with no
 * socket to read, and its aio_stream_init says so.) */
AIO_API const char *aio_stream_data(const aio_stream *s) { return (const char *)s->buf + s->last; }
AIO_API size_t aio_stream_buffered(const aio_stream *s) { return s->tail - s->head; }
AIO_API const char *aio_stream_peek(const aio_stream *s) { return (const char *)s->buf + s->head; }
AIO_API int aio_stream_at_eof(const aio_stream *s) { return s->eof && s->head == s->tail; }
AIO_API size_t aio_stream_discard(aio_stream *s, size_t n) {
    size_t have = s->tail - s->head;
    if (n > have) n = have;
    s->head += (aio__offset)n;
    s->scanned = 0;
    return n;
}

#ifdef AIO__SOCKETS
/* The sockaddr inside an address (to pass to the system: read and written
 * here through copies, as the types differ). An address's family is told by
 * its length: a sockaddr_in and a sockaddr_in6 differ in size everywhere. */
#define AIO__SA(a) ((struct sockaddr *)(void *)(a)->sa)
#define AIO__CONST_SA(a) ((const struct sockaddr *)(const void *)(a)->sa)
typedef char aio__address_fits[sizeof(((aio_address *)0)->sa) >= sizeof(struct sockaddr_in6) ? 1 : -1];
static int aio__address_family(const aio_address *a) {
    return a->len == sizeof(struct sockaddr_in6) ? AF_INET6 : AF_INET;
}
static void aio__address_v4(aio_address *a, uint32_t host_order, int port) {
    struct sockaddr_in in;
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons((uint16_t)port);
    in.sin_addr.s_addr = htonl(host_order);
    memset(a, 0, sizeof *a);
    memcpy(a->sa, &in, sizeof in);
    a->len = (uint16_t)sizeof in;
}

/* An address: numeric IPv4 or IPv6, "localhost", NULL or "" (any IPv4). */
static int aio__sockaddr(const char *host, int port, aio_address *a) {
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    memset(a, 0, sizeof *a);
    if (port < 0 || port > 65535) return 0;
    if (!host || !*host || strcmp(host, "localhost") == 0) {
        aio__address_v4(a, host && *host ? INADDR_LOOPBACK : INADDR_ANY, port);
        return 1;
    }
    memset(&in, 0, sizeof in);
    if (inet_pton(AF_INET, host, &in.sin_addr) == 1) {
        aio__address_v4(a, ntohl(in.sin_addr.s_addr), port);
        return 1;
    }
    memset(&in6, 0, sizeof in6);
    if (inet_pton(AF_INET6, host, &in6.sin6_addr) == 1) {
        in6.sin6_family = AF_INET6;
        in6.sin6_port = htons((uint16_t)port);
        memcpy(a->sa, &in6, sizeof in6);
        a->len = (uint16_t)sizeof in6;
        return 1;
    }
    return 0;
}

AIO_API aio_status aio_address_set(aio_address *a, const char *host, int port) {
    if (!a) return aio__misuse(AIO_EINVAL, "aio_address_set: the address is NULL");
    if (!aio__sockaddr(host, port, a))
        return aio__misuse(AIO_EINVAL, "aio_address_set: the host is not a numeric IPv4 or IPv6 address "
                                       "or \"localhost\", or the port is not 0-65535");
    return AIO_OK;
}

/* Whether a holds an IPv4 or IPv6 address. */
static int aio__address_ok(const aio_address *a) {
    uint16_t family_v4;
    uint16_t family_v6;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    if (!a || (a->len != sizeof in && a->len != sizeof in6)) return 0;
    memcpy(&in, a->sa, sizeof in);
    memcpy(&in6, a->sa, sizeof in6);
    family_v4 = (uint16_t)in.sin_family;
    family_v6 = (uint16_t)in6.sin6_family;
    return a->len == sizeof in ? family_v4 == AF_INET : family_v6 == AF_INET6;
}

AIO_API int aio_address_port(const aio_address *a) {
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    if (!aio__address_ok(a)) return aio__misuse(AIO_EINVAL, "aio_address_port: not an address");
    if (aio__address_family(a) == AF_INET6) {
        memcpy(&in6, a->sa, sizeof in6);
        return ntohs(in6.sin6_port);
    }
    memcpy(&in, a->sa, sizeof in);
    return ntohs(in.sin_port);
}

AIO_API int aio_address_format(const aio_address *a, char *buf, size_t size) {
    char host[64];
    int n;
    if (!aio__address_ok(a) || !buf)
        return aio__misuse(AIO_EINVAL, "aio_address_format: not an address, or no buffer");
    if (aio__address_family(a) == AF_INET) {
        struct sockaddr_in in;
        memcpy(&in, a->sa, sizeof in);
        (void)inet_ntop(AF_INET, (void *)&in.sin_addr, host, sizeof host);
        n = snprintf(buf, size, "%s:%d", host, aio_address_port(a));
    } else {
        struct sockaddr_in6 in6;
        memcpy(&in6, a->sa, sizeof in6);
        (void)inet_ntop(AF_INET6, (void *)&in6.sin6_addr, host, sizeof host);
        n = snprintf(buf, size, "[%s]:%d", host, aio_address_port(a));
    }
    if (n < 0 || (size_t)n >= size) {
        if (size) buf[0] = '\0';
        return aio__misuse(AIO_EINVAL, "aio_address_format: the buffer is too small");
    }
    return n;
}

AIO_API int aio_tcp_listen(const char *host, int port, int backlog) {
    aio_address at;
    if (!aio__sockaddr(host, port, &at) || backlog < 0)
        return aio__misuse(AIO_EINVAL, "aio_tcp_listen: the host is not a numeric IPv4 or IPv6 "
                                       "address or \"localhost\" (look a name up with AIO_LOOKUP, then "
                                       "aio_tcp_listen_at), the port is not 0-65535, or the backlog is "
                                       "negative");
    return aio_tcp_listen_at(&at, backlog);
}

AIO_API int aio_tcp_listen_at(const aio_address *at, int backlog) {
    if (!aio__address_ok(at) || backlog < 0)
        return aio__misuse(AIO_EINVAL, "aio_tcp_listen_at: not an address, or the backlog is negative");
    return aio__os()->listen(at, backlog);
}

AIO_API int aio_socket_port(aio_socket sock) {
    int fd = aio__fd(sock);
    int port = fd < 0 ? -1 : aio__os()->port_of(fd);
    if (port < 0) return aio__bad_fd(AIO_EBADF, "aio_socket_port", fd, "is not a socket");
    return port;
}

AIO_API aio_status aio_close(aio_socket sock) {
    int fd = aio__fd(sock);
    aio_io_forget(sock);
    if (fd < 0 || aio__os()->close(fd) != 0) return aio__bad_fd(AIO_EBADF, "aio_close", fd, "is not open");
    return AIO_OK;
}

