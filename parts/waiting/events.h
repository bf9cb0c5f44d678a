// >>events
/* ------------------------------------------------------------------ events */

#ifdef AIO__SIM
static int aio__sim_set_later(aio_event *ev); /* 1: set by a call on the pool: later (see "simulation") */
#endif
AIO_API void aio_event_set(aio_event *ev) {
    aio_loop *L;
    aio_wakeup_fn wakeup = NULL;
    void *ctx = NULL;
#ifdef AIO__SIM
    if (aio__sim_set_later(ev)) return;
#endif
    AIO_CRITICAL_ENTER();
    ev->set = 1;
    ev->sets = ev->sets + 1u; /* not ++: C++20 deprecates it on a volatile */
    L = ev->loop;
    if (L && !ev->queued && aio__signal(L, ev)) {
        wakeup = L->wakeup;
        ctx = L->wakeup_ctx;
    }
    /* Still inside: a loop destroyed by its own thread meanwhile would be
     * gone by the time a wake-up called after the section reached it. */
    if (wakeup) wakeup(ctx, L);
    AIO_CRITICAL_EXIT();
}

AIO_API void aio_event_clear(aio_event *ev) {
    AIO_CRITICAL_ENTER();
    ev->set = 0;
    AIO_CRITICAL_EXIT();
}
AIO_API int aio_event_is_set(const aio_event *ev) {
    int set;
    AIO_CRITICAL_ENTER();
    set = ev->set != 0;
    AIO_CRITICAL_EXIT();
    return set;
}

/* Whether ev is set, and the count of its sets so far (the waiter's ticket). */
static int aio__event_look(aio_event *ev, uint32_t *ticket) {
    int set;
    AIO_CRITICAL_ENTER();
    *ticket = ev->sets;
    set = ev->set != 0;
    AIO_CRITICAL_EXIT();
    return set;
}

static aio_status aio__event_park(aio_task *t, aio_frame *f, aio_event *ev, uint32_t ticket) {
    aio_loop *L = t->loop;
    aio_loop *owner;
    aio_status rc;
    AIO_CRITICAL_ENTER();
    owner = ev->loop;
    AIO_CRITICAL_EXIT();
    if (owner && owner != L)
        return aio__raise(t, f, aio__misuse(AIO_EINVAL, "event wait: tasks of another loop wait "
                                                        "on this event; an event belongs to one loop"));
    AIO__WAITS_ON(L, AIO_ON_EVENT, ev, 0);
    rc = aio__park(t, 1, 1);
    if (rc != AIO__SUSPENDED) return aio__raise(t, f, rc);
    if (!L->events) aio__use_events(L, aio__events); /* (before the event can be queued on L) */
    AIO_CRITICAL_ENTER();
    t->await.ticket = ticket;
    aio__list_append(&ev->waiters, &t->wait.link);
    if (!ev->loop) {
        ev->loop = L;
        L->bound_events++;
    }
    /* set since the ticket was taken, while it belonged to no loop: queue it now */
    if (ev->sets != ticket && !ev->queued) (void)aio__signal(L, ev);
    AIO_CRITICAL_EXIT();
    return rc;
}

AIO_API aio_status aio__event_start(aio_task *t, aio_frame *f, aio_event *ev, aio_time d) {
    aio_time until = aio__deadline(t->loop, d, 1);
    uint32_t ticket;
    if (until == AIO_TIME_INVALID)
        return aio__raise(t, f, AIO__TIMEOUT_REFUSED("event wait: the timeout"));
    if (aio__event_look(ev, &ticket)) return AIO_OK;
    if (aio__checkpoint(t) < 0) return aio__yield_then_raise(t, f);
    aio__set_until(t, until);
    return aio__event_park(t, f, ev, ticket);
}

AIO_API aio_status aio__event_poll(aio_task *t, aio_frame *f, aio_event *ev) {
    uint32_t ticket;
    int set = aio__event_look(ev, &ticket);
    AIO_CRITICAL_ENTER();
    aio__event_unbind_if_idle(ev); /* it has left the wait list */
    AIO_CRITICAL_EXIT();
    if (t->flags & AIO__T_SIGNALLED) { /* set before anything else reached it */
        t->flags &= (uint16_t)~AIO__T_SIGNALLED;
        return AIO_OK;
    }
    /* woken by a cancellation or a deadline first: a set since then comes too late */
    if (aio__checkpoint(t) < 0) return aio__raise(t, f, AIO_ECANCELED);
    if (aio__until_due(t)) return AIO_ETIMEDOUT;
    if (set) return AIO_OK; /* set while it was woken for another reason */
    return aio__event_park(t, f, ev, ticket);
}

