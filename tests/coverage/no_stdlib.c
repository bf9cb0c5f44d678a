/* SPDX-License-Identifier: MIT */
/* The header without the C library (AIO_NO_STDLIB, as on a microcontroller
 * whose toolchain has none), built for the host by tests/coverage/run.sh
 * with -DAIO_NO_STDLIB -DAIO_DEBUG: the loop starts on the virtual clock,
 * aio_grow_realloc has no allocator to offer, and misuse is reported only
 * once a debug hook is set (aio_set_debug_hook(NULL) turns it off again),
 * a task that holds the loop with a fixed message. I/O: a readiness wait
 * with no port, or on a bad descriptor, says so; what needs POSIX (sockets,
 * addresses, streams, datagrams, signals, a server) says that, and so does
 * each await's second half called directly; a port of its own waits.
 * Exit 0 if right. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "../../aio_timeout.h"
#include <stdio.h>

static int heard;
static aio_status heard_code;

static void hook(aio_status code, const char *message) {
    (void)message;
    heard++;
    heard_code = code;
}

typedef struct { aio_task task; } sleeper_t;

typedef struct { aio_frame frame; } fails_t;
static fails_t fails;
static aio_status fails_at_once(aio_task *t, fails_t *f) {
    AIO_BEGIN(t, f);
    AIO_RAISE(t, AIO_EUSER);
    AIO_END(t);
}

typedef struct { aio_task task; long i; aio_status rc; } spinner_t;
static aio_status spins(aio_task *t) { /* 1,000,000 awaits without suspending */
    spinner_t *s = AIO_SELF(t, spinner_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 1000000; s->i++) AIO_CALL(t, s->rc, fails_at_once, &fails);
    AIO_END(t);
}

static aio_status sleeper(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(250));
    AIO_END(t);
}

/* I/O without POSIX: each await's status, in order */
typedef struct { aio_task task; aio_status rc[12]; char buf[4]; aio_stream st; aio_address a; aio_process p; } io_t;
static int call(void *data) { return data != NULL; }
static aio_status io_body(aio_task *t) {
    io_t *s = AIO_SELF(t, io_t);
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, s->rc[0], 0, AIO_MS(1));        /* no port */
    AIO_WAIT_READABLE(t, s->rc[1], -1, AIO_MS(1));       /* negative */
    AIO_RECV(t, s->rc[2], 0, s->buf, sizeof s->buf, AIO_MS(1));
    AIO_TCP_CONNECT(t, s->rc[3], "127.0.0.1", 80, AIO_MS(1));
    s->rc[4] = aio_stream_init(&s->st, 0, s->buf, sizeof s->buf); /* streams need sockets */
    AIO_READ_LINE(t, s->rc[5], &s->st, AIO_MS(1));
    AIO_RECV_FROM(t, s->rc[6], 0, s->buf, sizeof s->buf, NULL, AIO_MS(1)); /* datagrams too */
    AIO_TO_THREAD(t, s->rc[7], call, s->buf, sizeof s->buf, AIO_MS(1));    /* no threads, */
    AIO_LOOKUP(t, s->rc[8], "localhost", 80, &s->a, 1, AIO_MS(1));        /* no lookups, */
    AIO_PROCESS_WAIT(t, s->rc[9], &s->p, AIO_MS(1));                      /* no processes */
    AIO_STREAM_WRITE(t, s->rc[10], &s->st, s->buf, sizeof s->buf, AIO_MS(1)); /* no stream writes */
    AIO_UNIX_CONNECT(t, s->rc[11], "/tmp/x.sock", AIO_MS(1));             /* no Unix sockets */
    AIO_END(t);
}

/* A port of its own, without sockets: a readiness wait through it, the
 * port's wait making descriptor 1 readable (its slots fixed, 4 of them) */
static aio_io_slot port_slots[4];
static int port_watched, port_waits;
static aio_status port_watch(aio_io *io, int fd, int old, int events) {
    (void)io;
    (void)old;
    port_watched += fd == 1 && events == AIO_READABLE;
    return AIO_OK;
}
static void port_wait(aio_io *io, aio_loop *loop, aio_time deadline) {
    (void)io;
    (void)deadline;
    port_waits++;
    aio_io_ready(loop, 1, AIO_READABLE);
}
static aio_io port = {port_watch, port_wait, NULL, NULL, port_slots, 4, 0, 0, 0};
typedef struct { aio_task task; aio_status rc; } port_t;
static aio_status port_body(aio_task *t) {
    port_t *s = AIO_SELF(t, port_t);
    AIO_BEGIN(t);
    AIO_WAIT_READABLE(t, s->rc, 1, AIO_MS(10));
    AIO_END(t);
}

static aio_task never; /* never spawned: cancelling it is misuse */

/* The same misuse twice from one place, no hook set: each its status, and
 * nothing said (a hook would hear it once) */
typedef struct { aio_task task; int i; aio_status rc[2]; } twice_t;
static aio_status misuse_twice(aio_task *t) {
    twice_t *s = AIO_SELF(t, twice_t);
    AIO_BEGIN(t);
    for (s->i = 0; s->i < 2; s->i++) s->rc[s->i] = aio_cancel(&never);
    AIO_END(t);
}

int main(void) {
    static aio_timer timers[2];
    static sleeper_t s;
    aio_loop loop;
    int bad = 0;
    aio_loop_init(&loop, timers, 2);
    bad += aio_loop_now(&loop) != 0;                    /* virtual time from 0 */
    bad += aio_run(&loop, &s.task, sleeper) != AIO_OK;
    bad += aio_loop_now(&loop) != AIO_MS(250);          /* at once */
    bad += aio_grow_realloc(NULL, NULL, 0, 64) != NULL; /* no allocator */
    bad += aio_cancel(&never) != AIO_EINVAL;            /* no hook: silent */
    aio_set_debug_hook(hook);
    bad += aio_cancel(&never) != AIO_EINVAL || heard != 1 || heard_code != AIO_EINVAL;
    {
        static spinner_t sp; /* a task holding the loop is named (debug builds) */
        bad += aio_run(&loop, &sp.task, spins) != AIO_OK || sp.rc != AIO_EUSER;
        bad += heard != 2 || heard_code != AIO_EBUSY;
    }
    {
        static io_t io;
        static aio_event ev;
        bad += aio_run(&loop, &io.task, io_body) != AIO_OK;
        bad += io.rc[0] != AIO_EINVAL || io.rc[1] != AIO_EBADF || io.rc[2] != AIO_EINVAL ||
               io.rc[3] != AIO_EINVAL || io.rc[4] != AIO_EINVAL || io.rc[5] != AIO_EINVAL ||
               io.rc[6] != AIO_EINVAL || io.rc[7] != AIO_EINVAL || io.rc[8] != AIO_EINVAL ||
               io.rc[9] != AIO_EINVAL || io.rc[10] != AIO_EINVAL || io.rc[11] != AIO_EINVAL;
        bad += aio_unix_listen("/tmp/x.sock", 0) != AIO_EINVAL || aio_stream_set_transport(&io.st, NULL, NULL) != AIO_EINVAL;
        bad += aio_loop_set_threads(&loop, 2) != AIO_EINVAL || aio_loop_set_threads_timeout(&loop, 0) != AIO_EINVAL;
        aio_set_lookup(NULL, NULL); /* (nothing to set: no lookups) */
        bad += aio_tcp_listen(NULL, 0, 1) != AIO_EINVAL || aio_socket_port(0) != AIO_EINVAL;
        bad += aio_udp_open(NULL, 0) != AIO_EINVAL || aio_tcp_listen_at(NULL, 0) != AIO_EINVAL;
        {
            static const char *const argv[] = {"true", NULL};
            bad += aio_process_spawn(&io.p, argv, NULL) != AIO_EINVAL;
            bad += aio_process_kill(&io.p) != AIO_EINVAL || aio_process_terminate(&io.p) != AIO_EINVAL;
            bad += aio_process_set_grace(&io.p, 0) != AIO_EINVAL || aio_process_end_input(&io.p) != AIO_EINVAL;
            bad += aio_process_returncode(&io.p) != AIO_EINPROGRESS || aio_process_close(&io.p) != AIO_OK;
        }
        {
            aio_address a;
            char text[8] = "x";
            bad += aio_address_set(&a, "127.0.0.1", 80) != AIO_EINVAL || a.len != 0;
            bad += aio_address_set(NULL, "127.0.0.1", 80) != AIO_EINVAL;
            bad += aio_address_format(&a, text, sizeof text) != AIO_EINVAL || text[0] != '\0';
            bad += aio_address_format(&a, NULL, 0) != AIO_EINVAL || aio_address_format(&a, text, 0) != AIO_EINVAL;
            bad += aio_address_port(&a) != AIO_EINVAL;
        }
        bad += aio_signal_event(15, &ev) != AIO_EINVAL;
        bad += aio_signal_cancel(15, NULL) != AIO_EINVAL;
        bad += aio_close(3) != AIO_OK || aio_close(-1) != AIO_EBADF;
        bad += aio_stream_init_growing(&io.st, 0, 16, 64) != AIO_EINVAL || aio_stream_free(&io.st) != AIO_OK;
        bad += aio_stream_write(&io.st, io.buf, 1) != AIO_EINVAL;
        {
            aio_piece one;
            one.data = io.buf;
            one.len = 1;
            bad += aio_stream_writelines(&io.st, &one, 1) != AIO_EINVAL;
        }
        bad += aio_stream_set_write_limits(&io.st, 1, 1, 1) != AIO_EINVAL || aio_stream_abort(&io.st) != AIO_EINVAL;
        bad += aio_stream_write_buffered(&io.st) != 0 || aio_bytes_sent(&io.task) != 0;
        bad += aio__drain_start(&io.task, NULL, &io.st, 0, 0) != AIO_EINVAL;
        {
            static aio_server srv; /* no sockets: no server, each call refuses */
            bad += aio_server_init(&srv, sleeper, NULL, sizeof(aio_conn), 1) != AIO_EINVAL;
            bad += aio_server_start(&srv, 3) != AIO_EINVAL || aio_server_listen(&srv, NULL, 80, 0) != AIO_EINVAL;
            bad += aio_server_port(&srv) != AIO_EINVAL || aio_server_close(&srv) != AIO_EINVAL;
            bad += aio_server_close_clients(&srv) != AIO_EINVAL || aio_server_abort_clients(&srv) != AIO_EINVAL;
            bad += aio_server_shutdown(&srv, 0) != AIO_EINVAL || aio_server_next(&srv, NULL) != NULL;
            bad += aio_conn_abort(NULL) != AIO_EINVAL;
            aio_server_refuse(&srv, "busy", NULL);
            { /* nor a share of a server's port */
                static aio_server_share sh;
                bad += aio_server_share_init(&sh, 1, NULL, 0, 0) != AIO_EINVAL;
                bad += aio_server_share_limit(&sh, 1) != AIO_EINVAL || aio_server_share_hand_off(&sh) != AIO_EINVAL;
                bad += aio_server_share_port(&sh) != AIO_EINVAL || aio_server_share_live(&sh) != 0;
                bad += aio_server_start_shared(&srv, &sh, NULL) != AIO_EINVAL;
                bad += aio_server_share_close(&sh) != AIO_EINVAL || aio_server_share_free(&sh) != AIO_EINVAL;
            }
        }
        bad += heard != 60;
        /* the awaits' second halves, called as though a start had not
         * refused: each refuses too, silently (no start: nothing to say) */
        bad += aio__stream_poll(&io.task, NULL, &io.st) != AIO_EINVAL;
        bad += aio__stream_write_poll(&io.task, NULL, &io.st, io.buf, sizeof io.buf) != AIO_EINVAL;
        bad += aio__drain_poll(&io.task, NULL, &io.st, 1) != AIO_EINVAL;
        bad += aio__unix_connect_poll(&io.task, NULL) != AIO_EINVAL;
        bad += aio__dgram_poll(&io.task, NULL, 0, io.buf, sizeof io.buf, NULL) != AIO_EINVAL;
        bad += aio__connect_poll(&io.task, NULL) != AIO_EINVAL;
        bad += aio__lookup_poll(&io.task, NULL, &io.a, 1) != AIO_EINVAL;
        bad += aio__thread_poll(&io.task, NULL, io.buf, sizeof io.buf) != AIO_EINVAL;
        bad += aio__process_poll(&io.task, NULL, &io.p, NULL, 0) != AIO_EINVAL;
        bad += heard != 60;
    }
    {
        static port_t pt;
        bad += aio_loop_set_io(&loop, &port) != AIO_OK;
        bad += aio_run(&loop, &pt.task, port_body) != AIO_OK || pt.rc != AIO_OK;
        bad += port_watched != 1 || port_waits < 1 || aio_loop_now(&loop) != AIO_MS(250); /* (no time passed) */
        bad += aio_loop_set_io(&loop, NULL) != AIO_OK;
    }
    aio_set_debug_hook(NULL);
    bad += aio_cancel(&never) != AIO_EINVAL || heard != 60;
    {
        static twice_t tw;
        bad += aio_run(&loop, &tw.task, misuse_twice) != AIO_OK;
        bad += tw.rc[0] != AIO_EINVAL || tw.rc[1] != AIO_EINVAL || heard != 60;
    }
    bad += aio_loop_destroy(&loop) != AIO_OK;
    printf("without the C library: virtual clock, no growth, debug hook off until set%s\n",
           bad ? ": WRONG" : "");
    return bad != 0;
}
