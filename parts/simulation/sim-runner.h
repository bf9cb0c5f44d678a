// >>sim-runner
/* ---------------------------- simulation: the digest, the calls, the runner */

/* A run's digest, the public calls, and the runner: seeds run one after
 * another, a failing one reported with its trace and replayed by its
 * seed. */
#ifdef AIO__SIM
/* ---- the digest: every record of the instruments, no address in it
 *
 * A task counts as its number: the order of its spawn in the run. It keeps
 * it while it lives; at its end the number is retired, as the allocator may
 * give its memory to anything next, in one run and not in another. What is
 * not a live task (a block, an event, a queue: they may sit anywhere) counts
 * as 0; a task's label, by its text. */
#define AIO__SIM_HASH(p, mask) ((uint32_t)(((uintptr_t)(p) >> 3) * 2654435761u) & (mask))
/* The slot of p: the one holding its number, or the empty one where it goes
 * (retired numbers stay in their slots: no pointer is theirs). */
static uint32_t *aio__sim_slot(aio__sim *s, const void *p) {
    uint32_t h = AIO__SIM_HASH(p, s->id_mask);
    while (s->slots_of_id[h] && s->ids[s->slots_of_id[h] - 1] != p) h = (h + 1) & s->id_mask;
    return &s->slots_of_id[h];
}
/* The number of live task p (0: none). */
static uint32_t aio__sim_id(aio__sim *s, const void *p) { return p ? *aio__sim_slot(s, p) : 0; }
/* A table twice as large (the first: 256 slots), the live numbers moved. */
static void aio__sim_ids_grow(aio__sim *s) {
    uint32_t mask = s->id_mask ? s->id_mask * 2 + 1 : 255;
    uint32_t *slots = (uint32_t *)aio__zalloc(((size_t)mask + 1) * sizeof *slots);
    const void **ids = (const void **)AIO_REALLOC((void *)s->ids, ((size_t)mask + 1) / 2 * sizeof *ids);
    uint8_t *hosts = (uint8_t *)AIO_REALLOC(s->hosts, ((size_t)mask + 1) / 2);
    uint32_t i;
    if (!slots || !ids || !hosts) abort(); /* LCOV_EXCL_LINE */
    for (i = 0; i < s->nids; i++) {
        uint32_t h = AIO__SIM_HASH(ids[i], mask);
        if (!ids[i]) continue; /* (retired) */
        while (slots[h]) h = (h + 1) & mask;
        slots[h] = i + 1;
    }
    AIO_FREE(s->slots_of_id);
    s->slots_of_id = slots;
    s->ids = ids;
    s->hosts = hosts;
    s->id_mask = mask;
}
/* A number for task t, spawned now by `by`, and its host: aio_sim_spawn's,
 * else its spawner's (kept: the spawner may end first, its memory reused). */
static uint32_t aio__sim_name(aio__sim *s, const aio_task *t, const aio_task *by) {
    uint32_t *slot;
    uint32_t spawner = aio__sim_id(s, by);
    if (s->nids * 2 >= s->id_mask) aio__sim_ids_grow(s); /* (twice the numbers at least) */
    slot = aio__sim_slot(s, t);
    s->hosts[s->nids] = (uint8_t)(s->spawn_on >= 0 ? s->spawn_on : spawner ? s->hosts[spawner - 1] : 0);
    s->ids[s->nids++] = t;
    *slot = s->nids;
    return s->nids;
}
static uint64_t aio__sim_text(const char *text) {
    uint64_t h = 0xCBF29CE484222325ull;
    while (*text) h = (h ^ (unsigned char)*text++) * 0x100000001B3ull;
    return h;
}
/* What the digest counts for socket number fd: the socket's serial (the
 * process's other descriptors decide its number, not the run). */
static uint64_t aio__sim_serial(aio__sim *s, aio_stime fd) {
    /* (-1: a wait on a call on the pool; beyond the table: not seen) */
    return fd >= 0 && fd < s->nsocks ? (uint64_t)s->socks[fd].serial << 32 : (uint64_t)fd; /* LCOV_EXCL_BR_LINE */
}
static void aio__sim_instrument(void *ctx, const aio_trace_record *r) {
    aio__sim *s = (aio__sim *)ctx;
    uint32_t task = r->kind == AIO_TRACE_SPAWN ? aio__sim_name(s, r->task, (const aio_task *)r->other)
                                               : aio__sim_id(s, r->task);
    aio__sim_mix(s, (uint64_t)r->when);
    aio__sim_mix(s, ((uint64_t)r->kind << 56) ^ ((uint64_t)r->detail << 48) ^ ((uint64_t)task << 24) ^
                        (r->kind == AIO_TRACE_NAME ? aio__sim_text((const char *)r->other) : aio__sim_id(s, r->other)));
    aio__sim_mix(s, r->kind == AIO_TRACE_SUSPEND && r->detail == AIO_ON_IO ? aio__sim_serial(s, r->value)
                                                                           : (uint64_t)r->value);
    if (r->kind == AIO_TRACE_END && task) s->ids[task - 1] = NULL; /* (retired) */
    if (s->record) aio_recorder_hook(s->record, r);
    if (s->instrument) s->instrument(s->instrument_ctx, r);
}

/* ---- the public part */
/* 1 if the config cannot be simulated: a probability not from 0 to 1 (NaN
 * included), or a time beyond a quarter of the clock's range (their sums
 * must stay comparable). */
static int aio__sim_config_bad(const aio_sim_config *cfg) {
    return !cfg || !(cfg->short_recv >= 0 && cfg->short_recv <= 1) || !(cfg->short_send >= 0 && cfg->short_send <= 1) ||
           !(cfg->reset >= 0 && cfg->reset <= 1) || !(cfg->refuse >= 0 && cfg->refuse <= 1) ||
           !(cfg->lookup_fail >= 0 && cfg->lookup_fail <= 1) || !(cfg->timer_full >= 0 && cfg->timer_full <= 1) ||
           !(cfg->loss >= 0 && cfg->loss <= 1) || !(cfg->reorder >= 0 && cfg->reorder <= 1) ||
           !(cfg->child_dies >= 0 && cfg->child_dies <= 1) || !(cfg->alloc_fails >= 0 && cfg->alloc_fails <= 1) ||
           cfg->timer_late > AIO__HALF_RANGE / 4u || cfg->step > AIO__HALF_RANGE / 4u ||
           cfg->latency > AIO__HALF_RANGE / 4u || cfg->jitter > AIO__HALF_RANGE / 4u || cfg->call > AIO__HALF_RANGE / 4u ||
           cfg->child_life > AIO__HALF_RANGE / 4u;
}
/* The fault alloc_fails, drawn for the state of one of the program's waits
 * or calls (aio__alloc_state): 1 if it cannot be allocated. The simulated
 * world's own memory is never refused, nor what grows with the sockets'
 * numbers (they are the system's: a replay may number them otherwise). */
static int aio__sim_alloc_fails(void) {
    aio__sim *s = aio__sim_here;
    if (!s || !aio__sim_chance(s, s->cfg.alloc_fails)) return 0;
    errno = ENOMEM;
    (void)aio__misuse(AIO_EIO, "out of memory: the simulation's fault alloc_fails refused an allocation, as "
                               "where memory runs out; the wait or call fails with AIO_EIO (errno ENOMEM), "
                               "which the program must handle (config.alloc_fails 0: no such fault)");
    return 1;
}
/* The loop's growth hook, behind the fault timer_full: storage that may
 * refuse to grow (giving back is always passed on). */
static aio_timer *aio__sim_grow_timers(void *ctx, aio_timer *old, uint32_t old_count, uint32_t new_count) {
    aio__sim *s = (aio__sim *)ctx;
    if (new_count && aio__sim_chance(s, s->cfg.timer_full)) {
        aio__sim_refused = 1; /* (the failure says so: see aio__arm) */
        return NULL;
    }
    return s->grow(s->grow_ctx, old, old_count, new_count);
}
AIO_API aio_status aio_sim_start(aio_loop *L, const aio_sim_config *cfg) {
    aio__sim *s;
    if (aio__sim_config_bad(cfg))
        return aio__misuse(AIO_EINVAL, "aio_sim_start: no config, a probability not from 0 to 1, or a time "
                                       "beyond a quarter of the clock's range");
    if (L->io || aio__sim_here)
        return aio__misuse(AIO_EBUSY, "aio_sim_start: the loop waits for I/O already, or a simulation runs "
                                      "on this thread");
    if (aio__os_install(&aio__sim_platform) != AIO_OK) return AIO_EINVAL; /* LCOV_EXCL_LINE: a slot left empty */
    s = (aio__sim *)aio__zalloc(sizeof *s);
    if (!s) {
        (void)aio__os_install(NULL);
        return AIO_EIO;
    }
    s->port.watch = aio__sim_watch;
    s->port.wait = aio__sim_wait;
    s->port.grow = aio__sim_grow_slots;
    s->port.release = aio__sim_release;
    s->loop = L;
    s->cfg = *cfg;
    s->rng = cfg->seed;
    s->digest = 0xCBF29CE484222325ull ^ cfg->seed;
    s->spawn_on = -1;
    s->far_floor = aio__sys_pair_floor();
    s->listener = -1;
    s->oldest = s->newest = -1;
    aio__sys_pairs_start();
    aio__sim_ids_grow(s);
    (void)aio__sim_host_named(s, "main", 1);
    aio_loop_use_virtual_clock(L, 0);
    (void)aio_loop_set_io(L, &s->port);
    aio__sim_here = s;
    aio__use_events(L, aio__sim_events);
    (void)aio__io_of(L);
    aio_loop_set_instrument(L, aio__sim_instrument, s);
    if (L->grow) { /* (a loop whose storage is fixed is full when it is full) */
        s->grow = L->grow;
        s->grow_ctx = L->grow_ctx;
        aio_loop_set_grow(L, aio__sim_grow_timers, s);
    }
    return AIO_OK;
}
AIO_API int aio_sim_active(void) { return aio__sim_here != NULL; }
AIO_API aio_status aio_sim_spawn(const char *host, aio_task *t, aio_task_fn fn) {
    aio__sim *s = aio__sim_here;
    aio_status rc;
    int h;
    if (!s) return aio_spawn(t, fn);
    h = host ? aio__sim_host_named(s, host, 1) : -1;
    if (h < 0) return aio__misuse(AIO_EINVAL, "aio_sim_spawn: no host name, one of 32 characters or more, or "
                                              "more than 16 hosts");
    s->spawn_on = h; /* (its spawn's record numbers it, on that host) */
    rc = aio_spawn(t, fn);
    s->spawn_on = -1;
    return rc;
}
AIO_API aio_status aio_sim_partition(const char *a, const char *b, int cut) {
    aio__sim *s = aio__sim_here;
    int ha;
    int hb;
    if (!s) return aio__misuse(AIO_EINVAL, "aio_sim_partition: no simulation runs on this thread");
    ha = a ? aio__sim_host_named(s, a, 1) : -1;
    hb = b ? aio__sim_host_named(s, b, 1) : -1;
    if (ha < 0 || hb < 0) return aio__misuse(AIO_EINVAL, "aio_sim_partition: a host name is missing or too long, "
                                                         "or there would be more than 16 hosts");
    s->cut[ha][hb] = s->cut[hb][ha] = (uint8_t)(cut != 0);
    aio__sim_mix(s, 0xCu << 16 | (uint64_t)ha << 8 | (uint64_t)hb);
    return AIO_OK;
}
AIO_API aio_status aio_sim_program(const char *name, aio_task_fn fn, size_t size, size_t task_offset,
                                   size_t child_offset) {
    aio__sim *s = aio__sim_here;
    aio__sim_program *prog;
    int i;
    if (!s) return aio__misuse(AIO_EINVAL, "aio_sim_program: no simulation runs on this thread");
    if (!name || !*name || strlen(name) >= sizeof prog->name || !fn)
        return aio__misuse(AIO_EINVAL, "aio_sim_program: no name, one of 32 bytes or more, or no task function");
    if (size < sizeof(aio_task) + sizeof(aio_sim_child) || task_offset > size - sizeof(aio_task) ||
        child_offset > size - sizeof(aio_sim_child) ||
        (task_offset < child_offset + sizeof(aio_sim_child) && child_offset < task_offset + sizeof(aio_task)))
        return aio__misuse(AIO_EINVAL, "aio_sim_program: the state is too small for its task and child, or "
                                       "they overlap (AIO_SIM_PROGRAM gives them)");
    for (i = 0; i < s->nprograms && strcmp(s->programs[i].name, name) != 0; i++) {
    }
    if (i == AIO__SIM_PROGRAMS) return aio__misuse(AIO_ENOSPC, "aio_sim_program: 16 programs already");
    prog = &s->programs[i];
    if (i == s->nprograms) s->nprograms++; /* (a name given again: its program replaced) */
    memcpy(prog->name, name, strlen(name) + 1);
    prog->fn = fn;
    prog->size = size;
    prog->task_offset = task_offset;
    prog->child_offset = child_offset;
    return AIO_OK;
}
AIO_API uint32_t aio_sim_random(uint32_t n) {
    aio__sim *s = aio__sim_here;
    if (!s || n < 2) return 0;
    return (uint32_t)(aio__sim_next(s) % n);
}
AIO_API int aio_sim_check(int ok, const char *what) {
    aio__sim *s = aio__sim_here;
    if (!ok && s && !s->failed) {
        s->failed = 1;
        s->failed_at = s->loop->now;
        (void)snprintf(s->message, sizeof s->message, "%s", what ? what : "a check failed");
    }
    return ok;
}
AIO_API uint64_t aio_sim_seed(void) { return aio__sim_here ? aio__sim_here->cfg.seed : 0; }
AIO_API uint64_t aio_sim_digest(void) { return aio__sim_here ? aio__sim_here->digest : 0; }
AIO_API void aio_sim_record(aio_recorder *r) {
    if (aio__sim_here) aio__sim_here->record = r;
}

/* ---- the runner */
static AIO_THREAD_LOCAL aio_sim_options *aio__sim_running;

AIO_API void *aio_sim_arg(void) { return aio__sim_running ? aio__sim_running->arg : NULL; }

/* The main task of a loop's last run, which only ends it (below). */
static aio_status aio__sim_sweep(aio_task *t) {
    (void)t;
    return AIO_OK;
}

/* One run of seed `seed`: 1 if it failed (why in o->message), else 0; its
 * digest in *digest; its records in `rec` if not NULL. */
static int aio__sim_once(aio_sim_options *o, uint64_t seed, size_t size, size_t offset, aio_task_fn fn,
                         aio_recorder *rec, uint64_t *digest) {
    aio_sim_config cfg = o->config;
    aio_timer first[2]; /* (small: storage must grow early, where timer_full can refuse it) */
    aio_loop L;
    aio__sim *s;
    aio_status rc;
    int failed;
    char *state = (char *)aio__zalloc(size);
    if (!state) return -1;
    cfg.seed = seed;
    aio_loop_init(&L, first, 2);
    aio_loop_set_grow(&L, aio_grow_realloc, NULL); /* (aio_sim_start puts timer_full in front) */
    rc = aio_sim_start(&L, &cfg);
    if (rc < 0) { /* (out of memory: the config was checked first) */
        AIO_FREE(state);
        return -1;
    }
    s = aio__sim_here;
    s->record = rec;
    rc = aio_run(&L, (aio_task *)(void *)(state + offset), fn);
    failed = s->failed || rc < 0 || L.live; /* (tasks left that their cancellation cannot end: a hang) */
    if (failed) {
        char why[512]; /* (room for the longest: no truncation to warn of) */
        if (s->failed)
            (void)snprintf(why, sizeof why, "%s (at %.6f s)", s->message, (double)s->failed_at / AIO_TICKS_PER_SEC);
        else if (rc < 0)
            (void)snprintf(why, sizeof why, "the main task ended with %s (at %.6f s)", aio_strerror(rc),
                           (double)L.now / AIO_TICKS_PER_SEC);
        else
            (void)snprintf(why, sizeof why, "tasks the main task left wait, cancelled, for what nothing can wake "
                                            "(at %.6f s)", (double)L.now / AIO_TICKS_PER_SEC);
        why[sizeof o->message - 1] = '\0';
        memcpy(o->message, why, sizeof o->message);
    }
    *digest = s->digest;
    if (L.live) { /* a deadlock: the tasks left are cancelled and run to their end (their cleanup frees
                     what they hold), as asyncio.run does with those its main leaves */
        aio_task sweep;
        memset(&sweep, 0, sizeof sweep);
        aio__cancel_leftovers(&L);
        (void)aio_run(&L, &sweep, aio__sim_sweep);
    }
    if (aio_loop_destroy(&L) != AIO_OK) { /* their cleanup waits forever too: end the world anyway */
        if (L.heap_grow) L.heap_grow(L.heap_grow_ctx, L.heap, L.heap_len, 0);
        aio__sim_release(&s->port);
        L.io = NULL;
        aio__loop = aio__last = NULL;
    }
    AIO_FREE(state);
    return failed;
}

/* Real time, for the runner's limit (not CPU time, which stands still while
 * a call on the "pool" sleeps). */
static aio_time aio__sim_clock(void) {
#ifdef AIO__SYSTEM_CLOCK
    return aio__system_clock(NULL);
#else
    return (aio_time)((double)clock() / CLOCKS_PER_SEC * AIO_TICKS_PER_SEC);
#endif
}

AIO_API int aio_sim_run(aio_sim_options *o, size_t size, size_t offset, aio_task_fn fn) {
    const char *env = getenv("AIO_SIM_SEED");
    const char *path;
    uint64_t seed;
    uint64_t digest = 0;
    uint64_t again = 0;
    aio_time began = aio__sim_clock();
    int failed = 0;
    int replay = env && *env;
    if (!o || !fn || size < sizeof(aio_task) || offset > size - sizeof(aio_task) || (!o->seeds && !(o->seconds > 0)) ||
        aio__sim_here)
        return aio__misuse(AIO_EINVAL, "aio_sim_run: no options or scenario, a state too small for its task, "
                                       "neither seeds nor seconds, or a simulation runs already");
    if (aio__sim_config_bad(&o->config)) /* (checked here: no run could start, and none would fail) */
        return aio__misuse(AIO_EINVAL, "aio_sim_run: in opts->config, a probability not from 0 to 1, or a "
                                       "time beyond a quarter of the clock's range");
    path = o->trace ? o->trace : "aio-sim-trace.txt";
    o->runs = 0;
    o->failed_seed = 0;
    o->digest = 0xCBF29CE484222325ull;
    o->message[0] = '\0';
    aio__sim_running = o;
    seed = replay ? (uint64_t)strtoull(env, NULL, 10) : (o->first ? o->first : 1);
    for (;;) {
        if (!replay && o->seeds && o->runs == o->seeds) break;
        if (!replay && o->seconds > 0 && (double)(aio_time)(aio__sim_clock() - began) >= o->seconds * AIO_TICKS_PER_SEC)
            break;
        failed = aio__sim_once(o, seed, size, offset, fn, NULL, &digest);
        if (failed < 0) { /* (out of memory for a run: none made) */
            aio__sim_running = NULL;
            return AIO_EIO;
        }
        o->runs++;
        o->digest = (o->digest ^ digest) * 0x100000001B3ull;
        if (failed || replay) break;
        seed++;
    }
    if (failed > 0 || replay) { /* run it again, recorded, and write its trace */
        aio_recorder rec;
        char message[sizeof o->message];
        aio_trace_record *ring = (aio_trace_record *)AIO_MALLOC(65536u * sizeof *ring);
        FILE *out;
        int kept = 0;
        if (!ring) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        memcpy(message, o->message, sizeof message);
        aio_recorder_init(&rec, ring, 65536u);
        (void)aio__sim_once(o, seed, size, offset, fn, &rec, &again);
        memcpy(o->message, message, sizeof message); /* (the first run's words) */
        out = *path ? fopen(path, "w") : NULL; /* ("": no trace wanted) */
        if (out) {
            kept = 1;
            aio_recorder_dump(&rec, aio_trace_fputs, out);
            if (failed > 0) (void)fprintf(out, "# seed %llu failed: %s\n", (unsigned long long)seed, o->message);
            (void)fclose(out);
        } else if (*path && !o->quiet) {
            (void)fprintf(stderr, "aio_sim: the trace cannot be written to %s: %s\n", path, strerror(errno));
        }
        AIO_FREE(ring);
        if (again != digest && !o->quiet)
            (void)fprintf(stderr, "aio_sim: seed %llu did not run the same way twice: something outside the "
                                  "simulation (a real socket, the real clock, a thread, uninitialised memory) "
                                  "decides part of it\n", (unsigned long long)seed);
        if (failed > 0) o->failed_seed = seed;
        if (failed > 0 && !o->quiet) {
            (void)fprintf(stderr, "aio_sim: seed %llu failed after %llu run(s): %s\n"
                                  "aio_sim: replay it: AIO_SIM_SEED=%llu <this program>",
                          (unsigned long long)seed, (unsigned long long)o->runs, o->message,
                          (unsigned long long)seed);
            if (kept) /* (no trace named when none was kept: o.trace "" or a file that could not be written) */
                (void)fprintf(stderr, "; its trace is %s (python3 tools/aio_trace.py %s --svg run.svg)", path, path);
            (void)fputc('\n', stderr);
        }
    }
    aio__sim_running = NULL;
    return failed > 0;
}
#endif /* AIO__SIM */
