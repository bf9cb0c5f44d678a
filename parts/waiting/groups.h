// >>groups
/* ------------------------------------------------------------ task groups */

static int aio__group_open(const aio_group *g) {
    return aio__scope_open(&g->scope) || g->scope.state == AIO__S_JOIN;
}

static void aio__group_abort(aio_group *g) {
    aio_link *n;
    if (g->flags & AIO__G_ABORTED) return;
    g->flags |= AIO__G_ABORTED;
    g->scope.flags |= AIO__S_EXPIRED; /* level-triggered for the body and every child */
    AIO__TRACE(g->scope.task->loop, AIO_TRACE_CANCEL, g->scope.task, &g->scope, AIO_BY_GROUP, 0);
    aio__visit_tree(g->scope.task, &g->scope, aio__cancel_arrives);
    for (n = g->children.next; n != &g->children; n = n->next) {
        AIO__TRACE(g->scope.task->loop, AIO_TRACE_CANCEL, AIO_CONTAINER(n, aio_task, member),
                   &g->scope, AIO_BY_GROUP, 0);
        aio__visit_tree(AIO_CONTAINER(n, aio_task, member), NULL, aio__cancel_arrives);
    }
}

AIO_API aio_status aio__group_enter(aio_task *t, aio_frame *f, aio_group *g, uint32_t landing) {
    aio_status rc;
    if (g && g->scope.state == AIO__S_JOIN) { /* (NULL: refused below) */
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "group: re-entering a group that is still "
                                                      "open; use one aio_group per block"));
        return AIO_EINVAL;
    }
    /* A block left by a plain `return` cancelled its children but could not
     * wait for them: the group is theirs until the last one has ended. */
    if (g && !aio__scope_open(&g->scope) && g->live != 0) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "group: entered again while children of its "
                                                      "last block (left by a plain `return`) are "
                                                      "still running"));
        return AIO_EINVAL;
    }
    if (!g) {
        aio__set_status(t, f, aio__misuse(AIO_EINVAL, "group: the group pointer is NULL"));
        return AIO_EINVAL;
    }
    rc = aio__scope_enter(t, f, &g->scope, AIO_NEVER, AIO__ENTER_RELATIVE | AIO__ENTER_GROUP, landing);
    if (rc != AIO_OK) return rc;
    t->loop->close_blocks = aio__close_blocks_and_groups;
    t->loop->left_group = aio__left_group;
    t->loop->heard = aio__group_hear;
    g->scope.flags |= AIO__S_GROUP;
    aio__list_init(&g->children);
    g->notice.link.next = g->notice.link.prev = NULL;
    g->notice.mark = AIO__FOREIGN; /* not a task's: the ready queue tells it apart */
    g->live = g->unheard = 0;
    g->status = AIO_OK;
    g->flags = 0;
    return AIO_OK;
}

AIO_API int aio__group_next(aio_group *g) {
    switch (g->scope.state) {
    case AIO__S_ENTERED: g->scope.state = AIO__S_FIRST; return 1; /* run the body */
    case AIO__S_BODY: g->scope.state = AIO__S_JOIN; return 1;     /* then wait for children */
    default: return 0;
    }
}

AIO_API int aio__group_joining(const aio_group *g) { return g->scope.state == AIO__S_JOIN; }

/* The block's end always waits for every child, whatever happens meanwhile;
 * a cancellation of the owner that arrives now cancels them first. */
AIO_API aio_status aio__group_join(aio_task *t, aio_group *g) {
    aio_timeout *src = aio__cancel_source(t, 1);
    if (src && src != &g->scope) {
        /* Found on arriving at the end (pending since before): like any
         * checkpoint that finds a cancellation before it parks, let the ready
         * tasks, the children among them, run once first (asyncio's end of
         * the block suspends, and is cancelled when it resumes). */
        if (g->live && !(g->flags & (AIO__G_JOINING | AIO__G_HELD_BACK | AIO__G_ABORTED))) {
            g->flags |= AIO__G_HELD_BACK;
            aio__enqueue(t);
            return AIO__SUSPENDED;
        }
        aio__group_abort(g);
    }
    if (g->live == 0) {
        g->flags &= (uint8_t)~AIO__G_JOINING;
        return AIO_OK;
    }
    g->flags |= AIO__G_JOINING;
    AIO__WAITS_ON(t->loop, AIO_ON_GROUP, g, 0);
    return aio__park(t, 0, 0);
}

/* 1 if the frame must go on unwinding: an error came through the block, or
 * (the block's end being a checkpoint) a cancellation from outside applies. */
AIO_API int aio__group_exit(aio_task *t, aio_frame *f, aio_group *g) {
    aio__scope_close(t, &g->scope);
    if ((g->flags & AIO__G_PASS) && f->rc >= 0 && g->status < 0) {
        /* a child failed while a return waited for it: the failure wins */
        f->rc = g->scope.saved_rc;
        g->flags &= (uint8_t)~AIO__G_PASS;
    }
    if ((g->flags & AIO__G_PASS) && f->rc < 0) return 1;
    if (aio__checkpoint(t) < 0) { /* also replaces a return that waited */
        aio__set_status(t, f, AIO_ECANCELED);
        return 1;
    }
    return (g->flags & AIO__G_PASS) != 0; /* a return goes on */
}

AIO_API void aio__group_land(aio_task *t, aio_frame *f, aio_group *g) {
    aio__raised(t, f);
    if (f->rc == AIO_ECANCELED && aio__cancel_source(t, 0) == &g->scope) {
        /* the group's own cancellation: stop unwinding here */
        f->rc = g->scope.saved_rc;
        f->flags = (uint8_t)((f->flags & ~AIO__F_OVERRIDE) |
                             ((g->scope.flags & AIO__S_SAVED_OVERRIDE) ? AIO__F_OVERRIDE : 0));
        return;
    }
    g->flags |= AIO__G_PASS; /* something else unwinds through: after the join */
    if (f->rc < 0) {
        if (f->rc != AIO_ECANCELED && g->status == AIO_OK) g->status = f->rc;
        aio__group_abort(g);
    }
}

/* A child spawned into a group sees the blocks around the group as its
 * owner sees them: those delivered before the owner's innermost cleanup
 * began stay unseen, those delivered since are seen. The owner's `hidden`
 * counts the delivered blocks of its whole chain; the child's chain is only
 * the part from the group outward, so the owner's blocks inside the group
 * that its cleanup does not see are taken off. (When one of those was
 * delivered after the cleanup began, the owner is being cancelled there,
 * and its new child sees what is delivered around the group too.) */
static void aio__view_through(aio_task *child, const aio_task *owner, const aio_timeout *group) {
    const aio_timeout *sc;
    unsigned inside = 0;
    for (sc = owner->scope; sc != group; sc = sc->parent) { /* (an open group is on its owner's chain) */
        if ((sc->flags & AIO__S_DELIVERED) && sc->cleanups < owner->view.v.cleanups) inside++;
        if (sc->flags & AIO__S_SHIELD) break;
    }
    child->view.v.cleanups = owner->view.v.cleanups;
    child->view.v.hidden = (uint16_t)(owner->view.v.hidden > inside ? owner->view.v.hidden - inside : 0);
}

AIO_API aio_status aio_group_spawn(aio_group *g, aio_task *t, aio_task_fn fn) {
    aio_status rc;
    if (!g || !aio__group_open(g))
        return aio__misuse(AIO_EINVAL, "aio_group_spawn: the group is not open");
    if (g->flags & AIO__G_ABORTED)
        return aio__misuse(AIO_EINVAL, "aio_group_spawn: the group is shutting down");
    rc = AIO__SPAWN_ON(g->scope.task->loop, t, fn, g->scope.task->loop->end_run);
    if (rc < 0) return rc;
    aio__set_scope(t, &g->scope); /* its chain of deadlines continues through the group */
    /* ... and it sees that chain as its owner does: a group opened in cleanup
     * runs its children past the cancellation that brought the owner there */
    aio__view_through(t, g->scope.task, &g->scope);
    aio__list_unlink(&t->member); /* from the loop's list to the group's */
    aio__list_append(&g->children, &t->member);
    g->live++;
    return AIO_OK;
}

AIO_API aio_status aio_group_status(const aio_group *g) { return g->status; }

AIO_API int aio_group_cancel(aio_group *g) {
    if (!g || !aio__group_open(g) || (g->flags & AIO__G_ABORTED)) return 0;
    aio__group_abort(g);
    return 1;
}

