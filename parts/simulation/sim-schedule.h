// >>sim-schedule
/* ------------------------------------------------- simulation: the schedule */

/* What is due and when: the events in a heap ordered by (time, order of
 * sending), a packet's trip and time on the wire, a retry's backoff. */
#ifdef AIO__SIM
/* ---- the events' heap */
static int aio__sim_ev_less(const aio__sim_event *a, const aio__sim_event *b) {
    if (a->when != b->when) return aio__before(a->when, b->when);
    return a->seq < b->seq;
}
static void aio__sim_at(aio__sim *s, aio_time when, int kind, int fd, uint64_t gen, void *p) {
    uint32_t i;
    if (s->nev == s->evcap) {
        uint32_t cap = s->evcap ? s->evcap * 2 : 64;
        aio__sim_event *grown = (aio__sim_event *)AIO_REALLOC(s->ev, cap * sizeof *grown);
        if (!grown) abort(); /* LCOV_EXCL_LINE: out of memory in a test */
        s->ev = grown;
        s->evcap = cap;
    }
    i = s->nev++;
    s->ev[i].when = when;
    s->ev[i].seq = s->evseq++;
    s->ev[i].kind = (uint8_t)kind;
    s->ev[i].fd = fd;
    s->ev[i].gen = gen;
    s->ev[i].p = p;
    while (i && aio__sim_ev_less(&s->ev[i], &s->ev[(i - 1) / 2])) {
        aio__sim_event tmp = s->ev[i];
        s->ev[i] = s->ev[(i - 1) / 2];
        s->ev[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}
static aio__sim_event aio__sim_pop(aio__sim *s) {
    aio__sim_event top = s->ev[0];
    uint32_t i = 0;
    s->ev[0] = s->ev[--s->nev];
    for (;;) {
        uint32_t l = 2 * i + 1;
        uint32_t m = i;
        aio__sim_event tmp;
        if (l < s->nev && aio__sim_ev_less(&s->ev[l], &s->ev[m])) m = l;
        if (l + 1 < s->nev && aio__sim_ev_less(&s->ev[l + 1], &s->ev[m])) m = l + 1;
        if (m == i) break;
        tmp = s->ev[i];
        s->ev[i] = s->ev[m];
        s->ev[m] = tmp;
        i = m;
    }
    return top;
}

/* A packet's one-way trip from now. */
static aio_time aio__sim_trip(aio__sim *s) { return s->cfg.latency + aio__sim_upto(s, s->cfg.jitter); }
/* When `len` bytes sent now are all on the wire, on a way (a connection's,
 * a datagram socket's) busy until *busy: they follow what it carries, so
 * a burst takes its whole size over the bandwidth, not one packet's. */
static aio_time aio__sim_wire(const aio__sim *s, aio_time *busy, size_t len) {
    aio_time start = aio__before(s->loop->now, *busy) ? *busy : s->loop->now;
    if (s->cfg.bandwidth) start += (aio_time)((double)len * AIO_TICKS_PER_SEC / s->cfg.bandwidth);
    return *busy = start;
}
/* How long a segment or a connect lost for the `tries`-th time waits before
 * it is sent again: the retransmission time (twice the longest trip, at
 * least 200 ms), doubled at each loss up to 120 s, as TCP does. After 16
 * losses of a segment (15 times sent again, then the wait after the last:
 * Linux's tcp_retries2; 924.6 s from 200 ms) its sender gives up, after 7
 * of a connect (tcp_syn_retries: 25.4 s from 200 ms) the connect fails. */
#define AIO__SIM_LOSSES 16
#define AIO__SIM_SYN_LOSSES 7
static aio_time aio__sim_backoff(const aio__sim *s, unsigned tries) {
    aio_time rto = 2 * s->cfg.latency + s->cfg.jitter;
    if (rto < AIO_MS(200)) rto = AIO_MS(200);
    while (--tries && rto < AIO_SEC(120)) rto *= 2;
    return rto < AIO_SEC(120) ? rto : AIO_SEC(120);
}
/* A socket's error as the system's calls give it: a connection whose
 * sender gave up is AIO_EIO with errno ETIMEDOUT. */
static aio_status aio__sim_error(aio_status e) {
    if (e == AIO_EIO) errno = ETIMEDOUT;
    return e;
}
static size_t aio__sim_buffer(const aio__sim *s) { return s->cfg.buffer ? s->cfg.buffer : 65536u; }
#endif /* AIO__SIM */
