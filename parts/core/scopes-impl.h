// >>scopes-impl
/* --------------------------------------------------------- timeout scopes */

static int aio__scope_open(const aio_timeout *sc) {
    /* ENTERED and FIRST last only within a block's entry, where no other code
     * runs: only BODY is ever seen here. */
    return sc->state == AIO__S_ENTERED || sc->state == AIO__S_FIRST || sc->state == AIO__S_BODY; /* LCOV_EXCL_BR_LINE */
}

/* t's innermost open block becomes sc, keeping AIO__T_WATCHED true to it. */
static void aio__set_scope(aio_task *t, aio_timeout *sc) {
    t->scope = sc;
    if (sc || t->cancels)
        t->flags |= AIO__T_WATCHED;
    else
        t->flags &= (uint16_t)~AIO__T_WATCHED;
}

/* A block's kind, for the instruments. */
#define AIO__BLOCK_KIND(sc)                                                    \
    (((sc)->flags & AIO__S_GROUP) ? AIO_BLOCK_GROUP                            \
     : ((sc)->flags & AIO__S_SHIELD) ? AIO_BLOCK_SHIELDED : AIO_BLOCK_TIMEOUT)

static void aio__scope_close(aio_task *t, aio_timeout *sc) {
    AIO_ASSERT(t->scope == sc);
    aio__set_scope(t, sc->parent);
    sc->state = AIO__S_DONE;
    AIO__TRACE(t->loop, AIO_TRACE_LEAVE, t, sc, AIO__BLOCK_KIND(sc),
               (sc->flags & AIO__S_GROUP) ? AIO_CONTAINER(sc, aio_group, scope)->status : sc->status);
}

AIO_API aio_status aio__scope_enter(aio_task *t, aio_frame *f, aio_timeout *sc, aio_time d,
                                    int how, uint32_t landing) {
    aio_time deadline;
    if (!sc) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "timeout: the scope pointer is NULL"));
        return AIO_EINVAL;
    }
    if (aio__scope_open(sc)) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "timeout: re-entering a scope that is "
                                                      "still open; use one aio_timeout per block"));
        return AIO_EINVAL;
    }
    deadline = aio__deadline(t->loop, d, how & AIO__ENTER_RELATIVE);
    if (deadline == AIO_TIME_INVALID) {
        aio__set_status(t, f, AIO__TIMEOUT_REFUSED("timeout: the delay"));
        return AIO_EINVAL;
    }
    sc->parent = t->scope;
    sc->task = t;
    sc->frame = f;
    sc->deadline = deadline;
    aio__arming(t->loop, &sc->seq);
    sc->landing = (uint16_t)landing; /* (AIO__LC: at most AIO__LC_LAST) */
    sc->cleanups = t->view.v.cleanups;
    sc->status = AIO_OK;
    sc->saved_rc = f->rc;
    sc->flags = (uint8_t)(((f->flags & AIO__F_OVERRIDE) ? AIO__S_SAVED_OVERRIDE : 0) |
                          ((how & AIO__ENTER_SHIELD) ? AIO__S_SHIELD : 0));
    sc->state = AIO__S_ENTERED;
    aio__use_blocks(t->loop);
    aio__set_scope(t, sc);
    AIO__TRACE(t->loop, AIO_TRACE_ENTER, t, sc,
               (how & AIO__ENTER_GROUP)    ? AIO_BLOCK_GROUP
               : (how & AIO__ENTER_SHIELD) ? AIO_BLOCK_SHIELDED
                                           : AIO_BLOCK_TIMEOUT,
               (aio_stime)deadline);
    return AIO_OK;
}

/* (The block's steps after its entry find its task and frame through it:
 * a block's site passes one argument.) */
AIO_API int aio__scope_outer(aio_timeout *sc) {
    if (sc->state == AIO__S_ENTERED) {
        sc->state = AIO__S_FIRST;
        return 1;
    }
    aio__scope_close(sc->task, sc); /* the body ended, broke out or was cut short */
    return 0;
}

AIO_API int aio__scope_inner(aio_timeout *sc) {
    if (sc->state != AIO__S_FIRST) return 0;
    sc->state = AIO__S_BODY;
    return 1;
}

AIO_API int aio__scope_land(aio_timeout *sc) {
    aio_task *t = sc->task;
    aio_frame *f = sc->frame;
    aio__raised(t, f);
    /* observe: an outer deadline passed by now takes the unwinding further */
    if (f->rc == AIO_ECANCELED && aio__cancel_source(t, 1) == sc) {
        /* our deadline is what cancelled the block: stop unwinding here */
        sc->status = AIO_ETIMEDOUT;
        f->rc = sc->saved_rc;
        f->flags = (uint8_t)((f->flags & ~AIO__F_OVERRIDE) |
                             ((sc->flags & AIO__S_SAVED_OVERRIDE) ? AIO__F_OVERRIDE : 0));
        sc->state = AIO__S_BODY;
        return 1;
    }
    aio__scope_close(t, sc);
    return 0;
}

/* 1 if the deadline of sc, just entered, has been reached. */
AIO_API int aio__scope_due(const aio_timeout *sc) {
    return aio__due(sc->deadline, aio__now(sc->task->loop));
}

/* Before a holding block's acquire (its other steps are inline: the
 * fast paths): sc must be given and not open (else the task raises
 * AIO_EINVAL); it is made idle, so the acquire's loop runs. */
AIO_API aio_status aio__hold_check(aio_task *t, aio_frame *f, aio_timeout *sc) {
    if (!sc) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "AIO_WITH_*: the scope pointer is NULL"));
        return AIO_EINVAL;
    }
    if (aio__scope_open(sc)) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "AIO_WITH_*: re-entering a scope that is still open"));
        return AIO_EINVAL;
    }
    sc->state = AIO__S_IDLE;
    sc->flags = 0;
    sc->status = AIO_OK;
    return AIO_OK;
}

/* AIO_LEAVE in a debug build: sc must be the innermost open block. */
AIO_API int aio__leaving(aio_task *t, const aio_timeout *sc) {
    if (t->scope != sc)
        (void)aio__misuse(AIO_EINVAL, "AIO_LEAVE: the scope is not the innermost open block");
    return 1;
}

AIO_API aio_time aio_timeout_when(const aio_timeout *sc) {
    return sc->state == AIO__S_IDLE ? AIO_NEVER : sc->deadline;
}

AIO_API aio_status aio_timeout_reschedule(aio_timeout *sc, aio_time when) {
    if (!sc || !aio__scope_open(sc))
        return aio__misuse(AIO_EINVAL, "reschedule: the timeout scope is not open");
    if (sc->flags & AIO__S_EXPIRED)
        return aio__misuse(AIO_EINVAL, "reschedule: the timeout already expired; an expired "
                                       "timeout cannot be moved");
    if (when == AIO_TIME_INVALID && !AIO__WRAPS)
        return aio__misuse(AIO_EINVAL, "reschedule: the deadline is invalid (NaN?)");
    sc->deadline = when == AIO_NEVER ? AIO_NEVER : aio__instant(when);
    aio__arming(sc->task->loop, &sc->seq);
    aio__visit_tree(sc->task, sc, aio__rearm);
    return AIO_OK;
}

AIO_API aio_status aio_timeout_reschedule_in(aio_timeout *sc, aio_time delay) {
    aio_time when;
    if (!sc || !aio__scope_open(sc))
        return aio__misuse(AIO_EINVAL, "reschedule: the timeout scope is not open");
    when = aio__deadline(sc->task->loop, delay, 1);
    if (when == AIO_TIME_INVALID)
        return AIO__TIMEOUT_REFUSED("reschedule: the delay");
    return aio_timeout_reschedule(sc, when);
}

AIO_API int aio_timeout_expired(const aio_timeout *sc) { return (sc->flags & AIO__S_EXPIRED) != 0; }
AIO_API aio_status aio_timeout_status(const aio_timeout *sc) { return sc->status; }

AIO_API aio_time aio_effective_deadline(aio_task *t) {
    if (!t) t = aio_current();
    if (!t || !t->loop) return AIO_NEVER;
    if (aio__cancel_source(t, 0)) { /* already due: any instant not after now */
        aio_time now = aio__now(t->loop);
        return now == AIO_NEVER || now == AIO_TIME_INVALID ? (aio_time)(AIO_NEVER - 2) : now;
    }
    return aio__scope_deadline(t, NULL, 0);
}

AIO_API aio_time aio_time_left(aio_task *t) {
    aio_time d;
    aio_time now;
    if (!t) t = aio_current();
    if (!t || !t->loop) return AIO_NEVER;
    d = aio_effective_deadline(t);
    if (d == AIO_NEVER) return AIO_NEVER;
    now = aio__now(t->loop);
    return aio__before(now, d) ? (aio_time)(d - now) : 0;
}

/* AIO_COND_WAIT_FOR's one deadline for all its waits, armed once. */
AIO_API void aio__own_deadline(aio_task *t, aio_time d) {
    aio__set_until(t, aio__deadline(t->loop, d, 1));
}

