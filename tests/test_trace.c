/* SPDX-License-Identifier: MIT */
/* Instruments: the records a loop gives its hook, in order, with their exact
 * times on the virtual clock; the recorder's ring and its text form. */
#include "workers.h"

/* The tasks and blocks a test names in its trace. */
#define TR_NAMES 8
static const void *tr_obj[TR_NAMES];
static const char *tr_label[TR_NAMES];
static int tr_calls;

static void tr_known(const void *obj, const char *label) {
    int i;
    for (i = 0; i < TR_NAMES; i++)
        if (!tr_obj[i]) {
            tr_obj[i] = obj;
            tr_label[i] = label;
            return;
        }
}

static const char *tr_name(const void *p) {
    int i;
    if (!p) return "-";
    for (i = 0; i < TR_NAMES; i++)
        if (tr_obj[i] == p) return tr_label[i];
    return "?";
}

static const char *const tr_kinds[] = {"name", "spawn", "step", "stepped", "suspend", "wake",
                                       "cancel", "enter", "leave", "fire", "cleanup", "end",
                                       "idle", "awake", "grow", "full"};
static const char *const tr_details[] = {
    "-", "sleep", "task", "event", "lock", "semaphore", "condition", "queue", "io", "yield",
    "wait", "gather", "group", "nothing", "timer", "done", "set", "granted", "cancel", "io",
    "closed", "call", "deadline", "group", "wait_for", "gather", "owner", "run",
    "timeout", "shielded", "group", "block", "wait"};

/* The hook of these tests: a line per record, "MS KIND TASK OTHER DETAIL
 * VALUE", names for the pointers, ms since the test began for the times (of
 * the record, and of a deadline in enter and idle). Steps are left out where
 * `steps` is 0, to keep the longer traces short.
 * On a board (TEST_SMALL_RAM) a whole trace does not fit the 512 characters
 * of test_trace: there the lines are only counted and digested (FNV-1a), and
 * TR_CHECK compares the digest of the text expected (the same text). */
static int tr_steps = 1;
#ifdef TEST_SMALL_RAM
static uint32_t tr_digest = 2166136261u;
static uint32_t tr_digest_of(uint32_t h, const char *text) {
    for (; *text; text++) h = (h ^ (uint8_t)*text) * 16777619u;
    return h;
}
#endif
static void tr_hook(void *ctx, const aio_trace_record *r) {
    char line[96];
    long v = (long)r->value;
    (void)ctx;
    tr_calls++;
    if (!tr_steps && (r->kind == AIO_TRACE_STEP || r->kind == AIO_TRACE_STEPPED)) return;
    if (r->kind == AIO_TRACE_ENTER || r->kind == AIO_TRACE_IDLE) v = (long)rel_ms((aio_time)r->value);
    (void)snprintf(line, sizeof line, "%ld %s %s %s %s %ld\n", (long)rel_ms(r->when), tr_kinds[r->kind],
                   tr_name(r->task), r->kind == AIO_TRACE_NAME ? "-" : tr_name(r->other),
                   r->kind == AIO_TRACE_NAME ? (const char *)r->other : tr_details[r->detail], v);
#ifdef TEST_SMALL_RAM
    tr_digest = tr_digest_of(tr_digest, line);
#else
    trace("%s", line);
#endif
}
#ifdef TEST_SMALL_RAM
#define TR_CHECK(expected) CHECK_EQ(tr_digest, tr_digest_of(2166136261u, expected))
#else
#define TR_CHECK(expected) CHECK_STR(test_trace, expected)
#endif

static void tr_reset(void) {
    memset(tr_obj, 0, sizeof tr_obj);
    tr_calls = 0;
    tr_steps = 1;
#ifdef TEST_SMALL_RAM
    tr_digest = 2166136261u;
#endif
}

/* -------------------------------------------------------- one whole trace */

typedef struct {
    aio_task task;
    aio_timeout to;
    wk child;
    aio_status rc;
} tr_main_t;
static tr_main_t M;

/* async with timeout(0.1): await child  (the child sleeps 300 ms) */
static aio_status deadline_cancels_child(aio_task *t) {
    AIO_BEGIN(t);
    aio_trace_name(t, "main");
    (void)start_worker(&M.child, NULL, 300, 7);
    aio_trace_name(&M.child.task, "child");
    AIO_TIMEOUT(t, &M.to, AIO_MS(100)) {
        AIO_AWAIT(t, M.rc, &M.child.task);
    }
    AIO_END(t);
}

static void test_trace_deadline_cancels_awaited_child(void) {
    BEGIN_TEST_WITH(M);
    tr_reset();
    tr_known(&M.task, "main");
    tr_known(&M.child.task, "child");
    tr_known(&M.to, "to");
    aio_loop_set_instrument(&loop, tr_hook, NULL);
    CHECK_EQ(test_run(&loop, &M.task, deadline_cancels_child), AIO_OK);
    CHECK(aio_task_cancelled(&M.child.task));
    CHECK_EQ(aio_timeout_status(&M.to), AIO_ETIMEDOUT);
#if AIO_INSTRUMENTS
    TR_CHECK("0 spawn main - - 0\n"
             "0 step main - - 0\n"
             "0 name main - main 0\n"
             "0 spawn child main - 0\n"
             "0 name child - child 0\n"
             "0 enter main to timeout 100\n"
             "0 grow - - - 64\n" /* (the tests' loops grow their timer storage) */
             "0 suspend main child task 0\n"
             "0 stepped main - - 0\n"
             "0 step child - - 0\n"
             "0 suspend child - sleep 0\n"
             "0 stepped child - - 0\n"
             "0 idle - - - 100\n"
             "100 awake - - - 0\n"
             "100 fire main to block 0\n"
             "100 cancel main to deadline 0\n"
             "100 cancel child main owner 0\n"
             "100 wake child - cancel 0\n"
             "100 step child - - 0\n"
             "100 cleanup child - - -1\n"
             "100 end child - - -1\n"
             "100 wake main child done 0\n"
             "100 stepped child - - 0\n"
             "100 step main - - 0\n"
             "100 leave main to timeout -2\n"
             "100 end main - - 0\n"
             "100 stepped main - - 0\n");
#else
    CHECK_EQ(tr_calls, 0); /* compiled out: the hook is never called */
    CHECK_STR(test_trace, "");
#endif
    END_TEST();
}

/* ------------------------------------------- what woke it, who cancelled */

typedef struct {
    aio_task task;
    aio_event ev;
    aio_lock lock;
    aio_timeout to;
    wk waiter, holder, slow;
    aio_wait_item items[2];
    aio_status rc;
} tr_many_t;
static tr_many_t W;

static aio_status waits_event(aio_task *t) {
    AIO_BEGIN(t);
    AIO_EVENT_WAIT(t, W.waiter.fin_status, &W.ev, AIO_MS(50));
    AIO_LOCK_ACQUIRE(t, W.rc, &W.lock, AIO_NEVER);
    (void)aio_lock_release(&W.lock);
    AIO_END(t);
}

static aio_status holds_lock(aio_task *t) {
    AIO_BEGIN(t);
    AIO_LOCK_ACQUIRE(t, W.rc, &W.lock, AIO_NEVER);
    AIO_SLEEP(t, AIO_MS(10));
    aio_event_set(&W.ev);
    AIO_YIELD(t);
    AIO_SLEEP(t, AIO_MS(5));
    (void)aio_lock_release(&W.lock);
    AIO_END(t);
}

/* gather(waiter, holder), then wait_for(slow, 20 ms), then a child left
 * running for aio_run to cancel */
static aio_status many_kinds(aio_task *t) {
    AIO_BEGIN(t);
    CHECK_EQ(aio_spawn(&W.waiter.task, waits_event), AIO_OK);
    CHECK_EQ(aio_spawn(&W.holder.task, holds_lock), AIO_OK);
    W.items[0].task = &W.waiter.task;
    W.items[1].task = &W.holder.task;
    AIO_GATHER(t, W.rc, W.items, 2);
    CHECK_EQ(W.rc, AIO_OK);
    (void)start_worker(&W.slow, NULL, 1000, 0);
    AIO_WAIT_FOR(t, W.rc, &W.slow.task, AIO_MS(20));
    CHECK_EQ(W.rc, AIO_ETIMEDOUT);
    (void)start_worker(&W.slow, NULL, 1000, 0);
    AIO_END(t);
}

static void test_trace_wakes_and_cancels_say_why(void) {
    BEGIN_TEST_WITH(W);
    tr_reset();
    tr_steps = 0;
    tr_known(&W.task, "main");
    tr_known(&W.waiter.task, "waiter");
    tr_known(&W.holder.task, "holder");
    tr_known(&W.slow.task, "slow");
    tr_known(&W.ev, "ev");
    tr_known(&W.lock, "lock");
    tr_known(W.items, "items");
    aio_loop_set_instrument(&loop, tr_hook, NULL);
    CHECK_EQ(test_run(&loop, &W.task, many_kinds), AIO_OK);
    CHECK_EQ(W.waiter.fin_status, AIO_OK);
    CHECK(aio_task_cancelled(&W.slow.task));
#if AIO_INSTRUMENTS
    TR_CHECK("0 spawn main - - 0\n"
             "0 spawn waiter main - 0\n"
             "0 spawn holder main - 0\n"
             "0 suspend main items gather 0\n"
             "0 grow - - - 64\n"
             "0 suspend waiter ev event 0\n"
             "0 suspend holder - sleep 0\n"
             "0 idle - - - 10\n"
             "10 awake - - - 0\n"
             "10 wake holder - timer 0\n"
             "10 suspend holder - yield 0\n"
             "10 wake waiter - set 0\n"
             "10 suspend waiter lock lock 0\n"
             "10 suspend holder - sleep 0\n"
             "10 idle - - - 15\n"
             "15 awake - - - 0\n"
             "15 wake holder - timer 0\n"
             "15 wake waiter holder granted 0\n"
             "15 end holder - - 0\n"
             "15 wake main holder done 0\n" /* (the waiter's end finds it woken) */
             "15 end waiter - - 0\n"
             "15 spawn slow main - 0\n"
             "15 suspend main slow task 0\n"
             "15 suspend slow - sleep 0\n"
             "15 idle - - - 35\n"
             "35 awake - - - 0\n"
             "35 fire main - wait 0\n"
             "35 cancel slow main wait_for 0\n"
             "35 wake slow - cancel 0\n"
             "35 cleanup slow - - -1\n"
             "35 end slow - - -1\n"
             "35 wake main slow done 0\n"
             "35 spawn slow main - 0\n"
             "35 end main - - 0\n"
             "35 cancel slow - run 0\n"
             "35 end slow - - -1\n"); /* never ran: no cleanup */
#endif
    END_TEST();
}

/* A group's failure cancels the body and the other children; a gather that
 * is cancelled cancels its children. */
typedef struct {
    aio_task task;
    aio_group g;
    wk fails, sleeps;
} tr_group_t;
static tr_group_t G;

static aio_status group_with_failure(aio_task *t) {
    AIO_BEGIN(t);
    AIO_GROUP(t, &G.g) {
        setw(&G.fails, NULL, 10, AIO_EUSER);
        setw(&G.sleeps, NULL, 100, 0);
        (void)aio_group_spawn(&G.g, &G.fails.task, worker);
        (void)aio_group_spawn(&G.g, &G.sleeps.task, worker);
        AIO_SLEEP(t, AIO_MS(50));
    }
    AIO_END(t);
}

static void test_trace_group_abort_names_the_group(void) {
    BEGIN_TEST_WITH(G);
    tr_reset();
    tr_steps = 0;
    tr_known(&G.task, "main");
    tr_known(&G.fails.task, "fails");
    tr_known(&G.sleeps.task, "sleeps");
    tr_known(&G.g.scope, "g");
    tr_known(&G.g, "g");
    aio_loop_set_instrument(&loop, tr_hook, NULL);
    CHECK_EQ(test_run(&loop, &G.task, group_with_failure), AIO_OK);
    CHECK_EQ(aio_group_status(&G.g), AIO_EUSER);
#if AIO_INSTRUMENTS
    TR_CHECK("0 spawn main - - 0\n"
             "0 enter main g group -1\n"
             "0 spawn fails main - 0\n"
             "0 spawn sleeps main - 0\n"
             "0 grow - - - 64\n"
             "0 suspend main - sleep 0\n"
             "0 suspend fails - sleep 0\n"
             "0 suspend sleeps - sleep 0\n"
             "0 idle - - - 10\n"
             "10 awake - - - 0\n"
             "10 wake fails - timer 0\n"
             "10 cleanup fails - - -64\n"
             "10 end fails - - -64\n"
             "10 cancel main g group 0\n"
             "10 wake main - cancel 0\n"
             "10 cancel sleeps g group 0\n"
             "10 wake sleeps - cancel 0\n"
             "10 suspend main g group 0\n"
             "10 cleanup sleeps - - -1\n"
             "10 end sleeps - - -1\n"
             "10 wake main sleeps done 0\n"
             "10 leave main g group -64\n"
             "10 end main - - 0\n");
#endif
    END_TEST();
}

/* ------------------------------------------------- timer storage, loop */

static aio_status sleeps_a_bit(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(1));
    AIO_END(t);
}

static void test_trace_timer_storage_grown_and_full(void) {
    static aio_timer none[1];
    aio_loop loop;
    memset(&W, 0, sizeof W);
    tr_reset();
    tr_steps = 0;
    aio_loop_init(&loop, none, 0);
    aio_loop_use_virtual_clock(&loop, 0);
    test_start = 0;
    tr_known(&W.task, "main");
    aio_loop_set_instrument(&loop, tr_hook, NULL);
    CHECK_EQ(test_run(&loop, &W.task, sleeps_a_bit), AIO_ENOSPC); /* no slot, no growth */
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    CHECK_EQ(test_run(&loop, &W.task, sleeps_a_bit), AIO_OK);
#if AIO_INSTRUMENTS && defined(AIO__HOSTED)
    TR_CHECK("0 spawn main - - 0\n"
             "0 full - - - 0\n"
             "0 cleanup main - - -4\n"
             "0 end main - - -4\n"
             "0 spawn main - - 0\n"
             "0 grow - - - 64\n"
             "0 suspend main - sleep 0\n"
             "0 idle - - - 1\n"
             "1 awake - - - 0\n"
             "1 wake main - timer 0\n"
             "1 end main - - 0\n");
#endif
    /* no hook: nothing is told */
    aio_loop_set_instrument(&loop, NULL, NULL);
    tr_calls = 0;
    CHECK_EQ(test_run(&loop, &W.task, sleeps_a_bit), AIO_OK);
    CHECK_EQ(tr_calls, 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* ------------------------------------------------------------- recorder */

static void collect(void *ctx, const char *text) {
    (void)ctx;
    trace("%s|", text);
}

static void test_trace_recorder_keeps_the_last_records(void) {
    aio_trace_record ring[4];
    aio_recorder rec;
    aio_trace_record r;
    char small[12];
    char line[80];
    int i;
    CHECK_EQ(aio_recorder_init(NULL, ring, 4), AIO_EINVAL);
    CHECK_DEBUG("aio_recorder_init: the recorder is NULL");
    CHECK_EQ(aio_recorder_init(&rec, ring, 4), AIO_OK);
    CHECK_EQ(aio_recorder_count(&rec), 0);
    CHECK(aio_recorder_at(&rec, 0) == NULL);
    memset(&r, 0, sizeof r);
    for (i = 0; i < 10; i++) { /* 10 records in a ring of 4: the last 4 stay */
        r.when = (aio_time)(100 + i);
        r.kind = AIO_TRACE_END;
        r.value = -i;
        aio_recorder_hook(&rec, &r);
    }
    CHECK_EQ(aio_recorder_count(&rec), 4);
    CHECK_EQ(rec.lost, 6);
    CHECK_EQ(aio_recorder_at(&rec, 0)->when, 106);
    CHECK_EQ(aio_recorder_at(&rec, 3)->when, 109);
    CHECK(aio_recorder_at(&rec, 4) == NULL);
    aio_recorder_dump(&rec, collect, NULL);
#if defined(AIO_TIME_32) && AIO_TICKS_PER_SEC == 32768u /* 32-bit ticks wrap: the tool is told */
#define TR_HEADER "aio-trace 1 ticks_per_sec=32768 time_bits=32|"
#elif defined(AIO_TIME_32)
#define TR_HEADER "aio-trace 1 ticks_per_sec=1000 time_bits=32|"
#elif AIO_TICKS_PER_SEC == 1000u
#define TR_HEADER "aio-trace 1 ticks_per_sec=1000|"
#else
#define TR_HEADER "aio-trace 1 ticks_per_sec=1000000000|"
#endif
    CHECK_STR(test_trace, TR_HEADER
                          "# 6 earlier records were written over (the ring holds 4)|"
                          "106 end - - - -6|107 end - - - -7|108 end - - - -8|109 end - - - -9|");

    /* the text of each kind of field */
    r.when = 5;
    r.kind = AIO_TRACE_NAME;
    r.task = (const aio_task *)(uintptr_t)0xbeef;
    r.other = "fetch[2]";
    r.value = 0;
    CHECK_EQ(aio_trace_format(&r, line, sizeof line), 26);
    CHECK_STR(line, "5 name 0xbeef - fetch[2] 0");
    r.kind = AIO_TRACE_ENTER;
    r.other = (const void *)(uintptr_t)0xa0;
    r.detail = AIO_BLOCK_SHIELDED;
    r.value = (aio_stime)AIO_NEVER;
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 enter 0xbeef 0xa0 shielded -1"); /* no deadline */
    r.kind = AIO_TRACE_SUSPEND;
    r.detail = AIO_ON_IO;
    r.value = 7;
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 suspend 0xbeef 0xa0 io 7");
    /* truncated, always ended; the length is the whole line's */
    CHECK_EQ(aio_trace_format(&r, small, sizeof small), 26);
    CHECK_STR(small, "5 suspend 0");
    CHECK_EQ(aio_trace_format(&r, NULL, 0), 26);

    /* a record of no known kind or detail (a newer library's, say) */
    r.kind = 99;
    r.detail = 99;
    r.value = -5;
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 ? 0xbeef 0xa0 ? -5");

    /* no ring: every record is lost, nothing kept */
    aio_recorder_init(&rec, NULL, 8);
    aio_recorder_hook(&rec, &r);
    CHECK_EQ(aio_recorder_count(&rec), 0);
    CHECK_EQ(rec.lost, 1);
}

/* The recorder as the loop's hook, on a real run. */
static void test_trace_recorder_on_a_loop(void) {
    static aio_trace_record ring[64];
    aio_recorder rec;
    uint32_t i, spawns = 0, ends = 0;
    BEGIN_TEST_WITH(M);
    aio_recorder_init(&rec, ring, 64);
    aio_loop_set_instrument(&loop, aio_recorder_hook, &rec);
    CHECK_EQ(test_run(&loop, &M.task, deadline_cancels_child), AIO_OK);
    for (i = 0; i < aio_recorder_count(&rec); i++) {
        const aio_trace_record *r = aio_recorder_at(&rec, i);
        spawns += r->kind == AIO_TRACE_SPAWN;
        ends += r->kind == AIO_TRACE_END;
    }
#if AIO_INSTRUMENTS
    CHECK_EQ(aio_recorder_count(&rec), 27); /* the first test's trace */
    CHECK_EQ(spawns, 2);
    CHECK_EQ(ends, 2);
    CHECK(aio_recorder_at(&rec, 2)->kind == AIO_TRACE_NAME);
    CHECK_STR((const char *)aio_recorder_at(&rec, 2)->other, "main");
#else
    CHECK_EQ(aio_recorder_count(&rec), 0);
    CHECK_EQ(spawns + ends, 0);
#endif
    END_TEST();
}

/* The deadline of an enter or idle record is a time in ticks, written
 * unsigned whatever the width of time: one past half the clock's range
 * (32-bit ticks after 24.8 days of uptime) is no negative number, nor is one
 * just before the wrap. */
static void test_trace_deadlines_are_unsigned(void) {
    const int narrow = sizeof(aio_time) == 4;
    aio_trace_record r;
    char line[80];
    memset(&r, 0, sizeof r);
    r.when = AIO_NEVER / 2 + 1; /* 2^31, or 2^63 */
    r.task = (const aio_task *)(uintptr_t)0xbeef;
    r.other = (const void *)(uintptr_t)0xa0;
    r.kind = AIO_TRACE_ENTER;
    r.detail = AIO_BLOCK_TIMEOUT;
    r.value = (aio_stime)(r.when + 500u);
    (void)aio_trace_format(&r, line, sizeof line);
    if (narrow)
        CHECK_STR(line, "2147483648 enter 0xbeef 0xa0 timeout 2147484148");
    else
        CHECK_STR(line, "9223372036854775808 enter 0xbeef 0xa0 timeout 9223372036854776308");
    r.kind = AIO_TRACE_IDLE;
    r.task = NULL;
    r.other = NULL;
    r.detail = AIO_TRACE_NONE;
    r.value = (aio_stime)(AIO_NEVER - 5u);
    (void)aio_trace_format(&r, line, sizeof line);
    if (narrow)
        CHECK_STR(line, "2147483648 idle - - - 4294967290");
    else
        CHECK_STR(line, "9223372036854775808 idle - - - 18446744073709551610");
}

/* async with timeout(0.5): await sleep(1), on a clock past half its range */
static aio_status block_past_half(aio_task *t) {
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &M.to, AIO_MS(500)) {
        AIO_SLEEP(t, AIO_SEC(1));
    }
    AIO_END(t);
}

/* The same from a run: the enter record of a block entered at 2^31 ticks
 * (2^63) gives its deadline 500 ms later, as aio_timeout_when says. */
static void test_trace_block_deadline_past_half_the_range(void) {
    static aio_trace_record ring[32];
    aio_recorder rec;
    uint32_t i;
    int enters = 0;
    char line[96];
    char want[48];
    aio_loop loop;
    memset(&M, 0, sizeof M);
    aio_loop_init(&loop, NULL, 0);
    aio_loop_set_grow(&loop, aio_grow_realloc, NULL);
    aio_loop_use_virtual_clock(&loop, AIO_NEVER / 2 + 1);
    aio_recorder_init(&rec, ring, 32);
    aio_loop_set_instrument(&loop, aio_recorder_hook, &rec);
    CHECK_EQ(test_run(&loop, &M.task, block_past_half), AIO_OK);
    for (i = 0; i < aio_recorder_count(&rec); i++) {
        const aio_trace_record *r = aio_recorder_at(&rec, i);
        if (r->kind != AIO_TRACE_ENTER) continue;
        enters++;
        (void)aio_trace_format(r, line, sizeof line);
        /* 2147484148 with 32-bit ms ticks, 9223372037354775808 with 64-bit ns */
        if (sizeof(aio_time) == 4) /* (%lu: avr-libc's printf has no %llu) */
            snprintf(want, sizeof want, " timeout %lu", (unsigned long)(aio_time)(AIO_NEVER / 2 + 1 + AIO_MS(500)));
        else
            snprintf(want, sizeof want, " timeout %llu", (unsigned long long)(aio_time)(AIO_NEVER / 2 + 1 + AIO_MS(500)));
        CHECK(strstr(line, want));
    }
    CHECK_EQ(enters, AIO_INSTRUMENTS ? 1 : 0);
    CHECK_EQ(aio_loop_destroy(&loop), AIO_OK);
}

/* A label is written as one word the tool reads back: `%`, spaces, control
 * characters and bytes beyond ASCII as %XX; at most 40 characters of it, an
 * escape never cut. An empty label is refused (no record). */
static void test_trace_labels_escaped(void) {
    static aio_task never;
    aio_trace_record r;
    char line[96];
    memset(&r, 0, sizeof r);
    r.when = 5;
    r.kind = AIO_TRACE_NAME;
    r.task = (const aio_task *)(uintptr_t)0xbeef;
    r.other = "fetch one: 100%\t\xc3\xa9";
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 name 0xbeef - fetch%20one:%20100%25%09%C3%A9 0");
    r.other = "worker(1)_[a/b]-#x";
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 name 0xbeef - worker(1)_[a/b]-#x 0");
    r.other = "0123456789012345678901234567890123456789abc"; /* 43: the first 40 */
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 name 0xbeef - 0123456789012345678901234567890123456789 0");
    r.other = "012345678901234567890123456789012345678 x"; /* the escape would pass 40 */
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 name 0xbeef - 012345678901234567890123456789012345678 0");
    r.other = ""; /* (a record not made by aio_trace_name) */
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 name 0xbeef - - 0");
    r.other = NULL;
    (void)aio_trace_format(&r, line, sizeof line);
    CHECK_STR(line, "5 name 0xbeef - - 0");
    {
        BEGIN_TEST_WITH(M);
        tr_reset();
        tr_known(&never, "never");
        aio_loop_set_instrument(&loop, tr_hook, NULL);
        aio_trace_name(&never, "");
#if AIO_INSTRUMENTS
        CHECK_DEBUG("aio_trace_name: the label is NULL or empty");
#endif
        CHECK_EQ(tr_calls, 0);
        END_TEST();
    }
}

/* aio_trace_name: a task never spawned is named on the running loop, a
 * missing label (said in debug builds) or loop is ignored. */
static void test_trace_names(void) {
    static aio_task never;
    BEGIN_TEST_WITH(M);
    tr_reset();
    tr_known(&never, "never");
    aio_trace_name(&never, "unheard"); /* no hook yet */
    aio_loop_set_instrument(&loop, tr_hook, NULL);
    aio_trace_name(&never, "idle");
    aio_trace_name(&never, NULL);
#if AIO_INSTRUMENTS
    CHECK_DEBUG("aio_trace_name: the label is NULL or empty");
#endif
    aio_trace_name(NULL, "loop");
#if AIO_INSTRUMENTS
    TR_CHECK("0 name never - idle 0\n0 name - - loop 0\n");
#else
    CHECK_STR(test_trace, "");
#endif
    END_TEST();
    aio_trace_name(&never, "gone"); /* (no loop left: nothing) */
    CHECK_EQ(tr_calls, AIO_INSTRUMENTS ? 2 : 0);
}

static const test_case cases[] = {
    TEST_ENTRY(test_trace_names),
    TEST_ENTRY(test_trace_deadline_cancels_awaited_child),
    TEST_ENTRY(test_trace_wakes_and_cancels_say_why),
    TEST_ENTRY(test_trace_group_abort_names_the_group),
    TEST_ENTRY(test_trace_timer_storage_grown_and_full),
    TEST_ENTRY(test_trace_recorder_keeps_the_last_records),
    TEST_ENTRY(test_trace_recorder_on_a_loop),
    TEST_ENTRY(test_trace_deadlines_are_unsigned),
    TEST_ENTRY(test_trace_block_deadline_past_half_the_range),
    TEST_ENTRY(test_trace_labels_escaped),
};

void register_trace_tests(void) { test_register(cases, TEST_COUNT(cases)); }
