// >>io
/* ------------------------------------------------------------------------ */
/* I/O with deadlines                                                         */
/* ------------------------------------------------------------------------ */

/* Waits on file descriptors, each an await with a deadline like the others
 * (AIO_WAIT_READABLE, AIO_RECV, ... below). A loop starts waiting for I/O at
 * its first I/O wait: on POSIX systems with epoll (Linux) or poll() (other
 * systems, or where AIO_IO_POLL is defined), on Windows with AFD poll (or
 * WSAPoll where AIO_IO_POLL is defined), waiting for descriptors and the
 * next deadline in one system call.
 * Elsewhere a port does that part (struct
 * aio_io: a network stack, a UART driver), and the readiness waits work the
 * same. A program that does no I/O links none of it. What it costs: a slot
 * per descriptor number (two pointers and two bytes; the POSIX one grows
 * them with realloc, a port gives its own), nothing per wait (a waiting
 * task holds its registration), and in the loop's turn one look at the
 * descriptors without blocking (epoll_wait, poll(), AFD poll's completions
 * or WSAPoll, only while a task waits on one or a signal came). */
enum { AIO_READABLE = 1, AIO_WRITABLE = 2 };

/* A socket: a descriptor (int) on POSIX, a SOCKET on Windows (declared here
 * as the unsigned integer it is, without <winsock2.h>). What makes a socket
 * (aio_tcp_listen, AIO_ACCEPT, AIO_TCP_CONNECT) gives it as an int >= 0, or a
 * negative status: on Windows that int is the SOCKET's value, which Windows
 * keeps well within an int (its handles are 32-bit values), so code that
 * keeps sockets in ints compiles and runs on both. */
#ifdef _WIN32
typedef uintptr_t aio_socket;
#else
typedef int aio_socket;
#endif
/* The library's number for a socket: the index of its slot (-1: none). */
static inline int aio__fd(aio_socket s) {
#ifdef _WIN32
    return s > (aio_socket)INT_MAX ? -1 : (int)s; /* (INVALID_SOCKET, ~0: none) */
#else
    return s;
#endif
}

/* The loop's record of one descriptor: which task waits on it each way. */
typedef struct aio_io_slot {
    aio_task *waiter[2]; /* [0] until readable, [1] until writable */
    uint64_t closed;     /* the library's: which close of the thread's loops was the
                            number's last (aio_close, aio_io_forget; 0: none yet) */
    uint8_t watched;     /* what the port was asked to watch (AIO_READABLE | AIO_WRITABLE) */
    uint8_t dry;         /* the library's: ways a try found nothing to do since the last report */
} aio_io_slot;

/* What waits for descriptors on a loop: the POSIX one the library starts, or
 * your port (aio_loop_set_io). Descriptors are small integers that index
 * `slots`. The port calls aio_io_ready() for a descriptor that is ready for
 * what it watches, at any time inside `wait`; readiness is a level: report a
 * descriptor again while it stays ready. */
typedef struct aio_io aio_io;
struct aio_io {
    /* Watch `fd` for `events` (AIO_READABLE | AIO_WRITABLE) from now on; it
     * watched `old` before; events 0: stop. AIO_OK or an error status, which
     * the task that wanted to wait receives (AIO_EBADF: cannot be watched). */
    aio_status (*watch)(aio_io *io, int fd, int old, int events);
    /* Wait until `deadline` (AIO_NEVER: no limit; at or before the loop's
     * time: do not block), until a watched descriptor is ready, or until the
     * loop's wake-up (aio_loop_set_wakeup) is called. */
    void (*wait)(aio_io *io, aio_loop *loop, aio_time deadline);
    /* Make `slots` hold descriptor `fd` (the new slots zeroed): AIO_OK or an
     * error. NULL: the slots are fixed; a descriptor beyond is AIO_EBADF. */
    aio_status (*grow)(aio_io *io, int fd);
    /* Called by aio_loop_destroy: give back what the port holds (NULL: none). */
    void (*release)(aio_io *io);
    aio_io_slot *slots;  /* nslots of them, zeroed */
    uint32_t nslots;
    uint32_t waiting;    /* the library's: tasks parked on descriptors that have not resumed yet */
    aio_time paused_until; /* the library's: accepts paused out of descriptors try again then */
    uint8_t turn_end;    /* the library's: work for the turn's end (AIO__IO_END_...), 0: none */
};

/* Wait for I/O through `io` from now on (before any I/O wait on the loop).
 * AIO_EBUSY while a task waits on a descriptor (or was woken from such a
 * wait and has not run yet), and while the system's wait the loop started
 * carries more than descriptors: signals routed to the loop, child
 * processes not closed, worker threads. NULL detaches the port. */
AIO_API aio_status aio_loop_set_io(aio_loop *loop, aio_io *io);
/* From a port's `wait`: `fd` is ready for `events`. The task waiting that way
 * wakes; a way nobody waits on any more stops being watched. */
AIO_API void aio_io_ready(aio_loop *loop, int fd, int events);
/* Stop watching `fd` on the running loop; a task waiting on it wakes with
 * AIO_ECLOSED (Trio's notify_closing), as does one the loop had woken for
 * readiness that has not run yet. Call it before a descriptor the loop
 * watched is closed elsewhere; aio_close does both. */
AIO_API void aio_io_forget(aio_socket fd);

/* POSIX and Windows: sockets, non-blocking, each await with a deadline. */
/* A listening TCP socket on `host` (a numeric IPv4 or IPv6 address,
 * "localhost", or NULL for every IPv4 address) and `port` (0: any free one,
 * see aio_socket_port): the descriptor, or AIO_EINVAL (bad address or port)
 * or AIO_EIO (errno says why: EADDRINUSE, ...; on Windows WSAGetLastError()).
 * `backlog` 0: the system's largest. */
AIO_API int aio_tcp_listen(const char *host, int port, int backlog);
/* The local port of a bound socket, or AIO_EBADF. */
AIO_API int aio_socket_port(aio_socket fd);
/* An IPv4 or IPv6 address with a port, as a name lookup gives them and a
 * datagram's sender or receiver is named: a struct sockaddr_in or
 * sockaddr_in6 in `sa`, `len` bytes of it (0: none). Copy it freely. */
typedef struct aio_address {
    uint32_t sa[7]; /* (the size of a sockaddr_in6, and its alignment) */
    uint16_t len;
} aio_address;
/* *a = (host, port): a numeric IPv4 or IPv6 host, "localhost" (127.0.0.1),
 * NULL or "" (0.0.0.0, every IPv4 address); port 0-65535. AIO_OK or
 * AIO_EINVAL (the address is left empty). No lookup: see AIO_LOOKUP. */
AIO_API aio_status aio_address_set(aio_address *a, const char *host, int port);
/* "127.0.0.1:80" or "[::1]:80" into buf[0..size), '\0' ended: its length,
 * or AIO_EINVAL (no address, or size too small). */
AIO_API int aio_address_format(const aio_address *a, char *buf, size_t size);
/* The address's port, or AIO_EINVAL (no address). */
AIO_API int aio_address_port(const aio_address *a);
/* aio_tcp_listen on an address: one AIO_LOOKUP gave, so that a listener on a host
 * name never blocks the loop (the lookup runs on a worker thread under its
 * await's deadline; aio_tcp_listen itself looks nothing up). */
AIO_API int aio_tcp_listen_at(const aio_address *at, int backlog);
/* Unix domain sockets (asyncio's start_unix_server, open_unix_connection;
 * POSIX): a stream listener at `path` for AIO_ACCEPT: its descriptor, or
 * AIO_EINVAL (path NULL, empty or longer than the system takes: 107 bytes
 * on Linux; a negative backlog; Windows; a simulation), AIO_EIO (errno:
 * EADDRINUSE, EACCES, ENOENT...). A socket file left at `path` by an earlier
 * listener (nobody answers a connect to it) is removed first, as asyncio
 * does; one a listener answers at is not taken over (AIO_EIO, EADDRINUSE,
 * as libuv refuses), and any other file there stays and the bind fails
 * (EADDRINUSE). Remove the file when done (unlink). A path that begins
 * with '@' is a name in Linux's abstract namespace (no file; '@' stands for
 * the leading NUL byte of such names, which has no NUL after it: '@' and
 * up to 107 bytes); elsewhere, and with AIO_NO_LINUX, AIO_EINVAL, as a path
 * too long. The accepted connections, and AIO_UNIX_CONNECT's, take
 * every socket await and a stream. */
AIO_API int aio_unix_listen(const char *path, int backlog);
/* aio_io_forget(fd), then close(fd) (closesocket on Windows): AIO_OK, or
 * AIO_EBADF if it was not open (without sockets, the forget only: the port's
 * driver closes its own). */
AIO_API aio_status aio_close(aio_socket fd);
/* The bytes task t's last AIO_SEND_ALL or AIO_STREAM_WRITE sent: all of them once it gave
 * AIO_OK, part of them after a timeout, a cancellation or an error. Read
 * it before t's next await. */
AIO_API size_t aio_bytes_sent(const aio_task *t);

/* A buffered stream over a socket (asyncio's StreamReader and StreamWriter),
 * in a buffer the caller gives (aio_stream_init: fixed, the firmware's way)
 * or one that grows up to a limit (aio_stream_init_growing: asyncio's
 * `limit`): AIO_READ_LINE, AIO_READ_UNTIL,
 * AIO_READ_EXACTLY, AIO_READ_SOME, and AIO_STREAM_WRITE. Each read is an
 * await with a deadline whose lv is a length: the bytes are at
 * aio_stream_data() until the next read of the stream, and the caller may
 * change them in place meanwhile; the next read may move them (to the front
 * of the buffer, or with a growing buffer to another block), so keep no
 * pointer into the buffer across a read. A read that times out, is cancelled or fails has
 * taken nothing: what arrived stays buffered for the next one. A write
 * returns once the transport took every byte (write() then drain()). A
 * stream whose socket was closed (aio_close) reads and writes no more:
 * AIO_ECLOSED, even once another socket has the number.
 * Treat the fields as the library's, but `fd`. Hosted builds (POSIX, Windows). */
#if SIZE_MAX > 0xFFFFFFFFu
typedef uint32_t aio__offset; /* (a buffer holds at most INT_MAX bytes: 32 bits */
#else                         /*  count them, and an idle stream is the smaller) */
typedef size_t aio__offset;
#endif
/* A stream's transport: how its bytes come and go (the socket's own
 * receive and send when none is set). An encrypted or an in-memory one plugs
 * in here, and every read and write of the stream goes through it. Each call
 * does what it can at once and never blocks:
 *  - recv: n > 0 bytes put in buf[0..len), 0 at the end of the stream,
 *  - send: n > 0 bytes taken from buf[0..len) (len > 0 in both),
 *  - either: AIO_WANT_READ or AIO_WANT_WRITE when nothing can be done until
 *    the socket is readable or writable (a TLS engine may need to write to
 *    read), or an error status (AIO_ECONNRESET, AIO_EIO, your own), which
 *    the await gives as its result.
 * `ctx` is the pointer given to aio_stream_set_transport; `fd` the stream's. */
typedef struct aio_transport {
    aio_status (*recv)(void *ctx, aio_socket fd, void *buf, size_t len);
    aio_status (*send)(void *ctx, aio_socket fd, const void *buf, size_t len);
} aio_transport;
typedef struct aio_stream {
    aio_socket fd;
    aio__offset size;
    unsigned char *buf;
    const aio_transport *transport; /* NULL: the socket's own */
    void *transport_ctx;
    aio_task *writer;  /* the task suspended in a write, or NULL */
    const void *sep;   /* the read under way: its separator, */
    aio_task *reader;  /* the task suspended in a read, or NULL */
    aio__offset want;  /* its separator's length, or the count it wants */
    aio__offset head, tail; /* buf[head..tail): received, not read yet */
    aio__offset last;  /* where the bytes the last read gave begin */
    aio__offset scanned; /* how far from head a separator is known to be absent */
    uint8_t kind;
    uint8_t eof;       /* the peer ended the stream (2: its socket was closed under it) */
    uint8_t grows;     /* buf is the stream's own (aio_stream_init_growing) */
    uint64_t closed;   /* its socket's number's last close when it was set up */
    struct aio__outbox *out; /* its write buffer (aio_stream_write), NULL until one is needed */
} aio_stream;
/* A stream over socket fd with buffer buf[0..size): AIO_OK, or AIO_EINVAL (a
 * NULL buffer, a size of 0 or beyond what a status can count), AIO_EBADF (a
 * negative descriptor). The buffer holds the longest line a read can
 * return, its separator included: asyncio's limit of size - 1 for lines. */
AIO_API aio_status aio_stream_init(aio_stream *s, aio_socket fd, void *buf, size_t size);
/* A stream over socket fd whose buffer the stream owns: `start` bytes from
 * the allocator hook (AIO_MALLOC), doubled (AIO_REALLOC) while a read needs
 * more, up to asyncio's `limit` (64 KiB by default): a line of at most
 * `limit` bytes before its separator (the buffer takes the separator's
 * bytes beyond it), a count of at most `limit`; AIO_READ_LINE gives
 * AIO_ELIMIT beyond, as a fixed stream does beyond its buffer. Back to
 * `start` bytes after four receives in a row that found it needing no more
 * (the read before each took at most `start` bytes, and fewer are
 * buffered), so that lines a little longer than `start` do not resize it
 * at every line. AIO_OK, AIO_EINVAL (start 0, limit below
 * start or beyond INT_MAX), AIO_EBADF, or AIO_EIO (errno ENOMEM: no memory).
 * When memory runs out as it grows, the read gives AIO_EIO (errno ENOMEM)
 * and has taken nothing: the stream stays usable, what arrived stays
 * buffered, and the next read tries again. The program owns the aio_stream
 * and the socket; the stream owns the buffer, which aio_stream_free gives
 * back. */
AIO_API aio_status aio_stream_init_growing(aio_stream *s, aio_socket fd, size_t start, size_t limit);
/* Give back a growing stream's buffer (a fixed stream's stays the
 * program's: it is only forgotten); the socket stays open (aio_close). The
 * stream cannot read or write until initialised again; a stream freed or
 * zeroed may be freed again. AIO_OK, or AIO_EBUSY (a task waits in a read or
 * a write of it: nothing freed). */
AIO_API aio_status aio_stream_free(aio_stream *s);
/* The bytes the last read gave (valid until the next read of the stream,
 * which may move them; writable meanwhile). */
AIO_API const char *aio_stream_data(const aio_stream *s);
/* How many bytes are buffered and not read yet, and where they begin: after
 * AIO_EINCOMPLETE the partial data, after AIO_ELIMIT a full buffer. */
AIO_API size_t aio_stream_buffered(const aio_stream *s);
AIO_API const char *aio_stream_peek(const aio_stream *s);
/* Drop up to n buffered bytes (after AIO_ELIMIT: the caller's choice); how
 * many were dropped. */
AIO_API size_t aio_stream_discard(aio_stream *s, size_t n);
/* reader.at_eof(): the peer ended the stream and nothing is buffered. */
AIO_API int aio_stream_at_eof(const aio_stream *s);
/* Every later read and write of s goes through `tr` (with `ctx`); NULL: the
 * socket's own again. What is buffered stays (bytes received before a TLS
 * upgrade are read first). AIO_OK, or AIO_EINVAL (no stream, a transport
 * without recv or send) or AIO_EBUSY (a task waits in a read or a write). */
AIO_API aio_status aio_stream_set_transport(aio_stream *s, const aio_transport *tr, void *ctx);

/* writer.write(data), from any task or code on the loop's thread, never
 * waiting: buf[0..len) is copied, whole, into s's write buffer and sent in
 * the order written: what a turn of the loop wrote goes out together at the
 * turn's end, in one send (outside aio_run: at once), the rest in the
 * background, by a task of the library's, while the loop runs. AIO_OK;
 * AIO_ELIMIT: the buffer would hold more than its bound
 * (aio_stream_set_write_limits; nothing of buf taken); the error a send met
 * (AIO_ECONNRESET, ...), which every later write and AIO_DRAIN give;
 * AIO_ECLOSED (s's socket was closed); AIO_EIO (no memory: nothing of buf
 * taken); AIO_EINVAL; AIO_EBUSY (a task waits in an AIO_STREAM_WRITE of s:
 * one way of writing a stream at a time). */
AIO_API aio_status aio_stream_write(aio_stream *s, const void *buf, size_t len);
/* One piece of a message for aio_stream_writelines. */
typedef struct aio_piece {
    const void *data;
    size_t len;
} aio_piece;
/* writer.writelines(pieces): pieces[0..n) written as one write, taken whole
 * or not at all (a message with a prefix and a line, to a member of a
 * chat: never a piece of it, never a hole). AIO_OK, or what aio_stream_write
 * gives, for the whole: AIO_ELIMIT and AIO_EIO take none of it; AIO_EINVAL
 * for a NULL array (n > 0), a piece with NULL data and a length, or lengths
 * whose sum overflows. */
AIO_API aio_status aio_stream_writelines(aio_stream *s, const aio_piece *pieces, size_t n);
/* transport.set_write_buffer_limits(high, low), and the bound asyncio does
 * not have: AIO_DRAIN waits while more than `high` bytes are buffered, until
 * `low` at most; a write that would buffer more than `bound` bytes gives
 * AIO_ELIMIT. Until set: 64 KiB, 16 KiB and 1 MiB. AIO_OK, AIO_EINVAL (low
 * above high, a bound of 0 or beyond INT_MAX), AIO_EIO (no memory). */
AIO_API aio_status aio_stream_set_write_limits(aio_stream *s, size_t high, size_t low, size_t bound);
/* transport.get_write_buffer_size(): the bytes written and not sent yet. */
AIO_API size_t aio_stream_write_buffered(const aio_stream *s);
/* transport.abort(): what is buffered dropped, s's socket closed
 * (aio_close: its status). */
AIO_API aio_status aio_stream_abort(aio_stream *s);

/* Datagrams (UDP), each receive and send an await with a deadline:
 * AIO_RECV_FROM, AIO_SEND_TO (sock.recvfrom, sock.sendto), in functions of
 * their own that a program without them does not link. Hosted builds
 * (POSIX, Windows). A UDP socket bound to `host` (a numeric IPv4 or IPv6 address, "localhost",
 * or NULL or "" for every IPv4 address) and `port` (0: any free one, see
 * aio_socket_port): the descriptor (non-blocking, close-on-exec: not
 * inherited), or AIO_EINVAL (bad address or port) or AIO_EIO (errno says
 * why: EADDRINUSE, ...; on Windows WSAGetLastError()). Close it with
 * aio_close. */
AIO_API int aio_udp_open(const char *host, int port);
/* loop.add_signal_handler(signo, ev.set): each delivery of POSIX signal
 * `signo` sets `ev` from the running loop (never inside the handler, so it is
 * safe whenever the signal comes). NULL restores the default action.
 * AIO_EINVAL for a signal that cannot be caught, or when signals are routed
 * to another loop that is still alive. On Windows the console's events:
 * SIGINT (Ctrl-C), SIGBREAK (Ctrl-Break), SIGTERM (the console closed, a
 * logoff, a shutdown: the process is held until the loop is destroyed). */
AIO_API aio_status aio_signal_event(int signo, aio_event *ev);
/* loop.add_signal_handler(signo, task.cancel): each delivery of `signo`
 * cancels `t` from the running loop (a second Ctrl-C, a second cancel), as
 * long as t is alive; a finished task is left alone (t must outlive the
 * route, or be routed away with NULL first). One route per signal: this one
 * replaces aio_signal_event's for signo, and the other way round. Errors as
 * aio_signal_event's, and AIO_EINVAL when t runs on another loop. */
AIO_API aio_status aio_signal_cancel(int signo, aio_task *t);

/* A server in one call (asyncio's start_server, Trio's serve_tcp): a task of
 * the library accepts connections on a listener and runs `handler` as a task
 * of its own for each, over a connection state the program provides, at
 * most `limit` at once. The state is the program's struct whose FIRST member
 * is an aio_conn (AIO_CONN_SELF finds it from the handler's task):
 *
 *     typedef struct { aio_conn conn; char buf[512]; } client_t;
 *     static client_t clients[64];                 // a fixed array, or NULL:
 *     aio_server_init(&srv, handle, clients, sizeof clients[0], 64);
 *     aio_server_listen(&srv, "127.0.0.1", 8888, 0); // or aio_server_start(&srv, fd)
 *
 * With `states` NULL each state is allocated at its first use (AIO_MALLOC,
 * zeroed), kept for the next connection, and freed when the server has
 * closed (hosted builds). The handler gets the connected socket in
 * conn.fd; the server closes it when the handler ends, however it ends
 * (returned, failed, cancelled, or cancelled before its first step: its
 * body then never runs), unless the handler closed it itself
 * (AIO_STREAM_CLOSE on its stream, to send what is buffered first; a
 * server's shutdown or abort drops it). The one too many
 * (`limit` connections live) is accepted and closed at once, after the
 * message given to aio_server_refuse, if any (asyncio has no limit). A
 * failed accept never stops the server: a connection gone before its
 * accept is skipped, a listener out of descriptors (EMFILE, ENFILE) waits
 * AIO_ACCEPT_RETRY_DELAY (1 s, asyncio's) while the loop serves the rest,
 * other errors back off from 1 ms, doubling to 100 ms; only a listener that
 * is not one (AIO_EBADF, AIO_EINVAL) ends it. The listener may be TCP or
 * Unix (aio_unix_listen); for TLS the handler does AIO_TLS_HANDSHAKE on
 * its stream first. Treat the fields as the library's. */
typedef struct aio_server aio_server;
typedef struct aio_conn {
    aio_task task;      /* the handler's task */
    aio_socket fd;      /* the connected socket (the server closes it) */
    aio_server *server;
    uint32_t id;        /* 1, 2, ...: the connections served, in order (for a log line:
                           after 2^32 connections it starts again from 0) */
    uint64_t order;     /* (the library's: the same, 64 bits: aio_server_next's order) */
    uint64_t closed;    /* (the library's: its number's last close when taken) */
    uint8_t flags;      /* (the library's) */
} aio_conn;
struct aio_server {
    aio_task task;             /* the accept loop; ended once closed with no handler left */
    aio_task_fn handler;
    unsigned char *states;     /* the program's, or NULL */
    aio_conn **made;           /* with states NULL: the allocated ones */
    size_t size;
    uint32_t limit, live, aborted;
    uint64_t served;           /* connections served so far (64 bits: never wraps) */
    uint32_t hint;             /* where the search for a free state starts */
    int listener;              /* -1 once closed */
    const char *busy;          /* what the one too many is sent, or NULL */
    void (*refused)(aio_server *srv);
    aio_time backoff, until;   /* the accept's back-off; the grace's end */
    aio_event changed;         /* a handler ended, or a shutdown began */
    aio_status rc, failed;     /* an accept's result; the one that ended the accepts */
    uint8_t graced;            /* a shutdown set `until` */
    aio_timeout shield;        /* a cancelled server's wait for its cancelled handlers */
    aio_link handlers;         /* its live handlers' tasks: its own, not the loop's (aio_run's
                                  end cancels the server, which cancels each once) */
    void *unix_file;           /* (the library's: a Unix listener's socket file, removed when
                                  the server closes if the path still names it) */
    struct aio_server_share *share; /* (the library's: the share it serves, or NULL) */
    int member;                /* (the library's: its place among the share's loops) */
    uint8_t held;              /* (the library's: serving a share's connections without a listener) */
    aio_task_fn step;          /* (the library's: what a connection's task runs: the handler, and
                                  a TLS server's handshake first) */
    struct aio_tls_config *tls; /* (the library's: a TLS server's configuration, or NULL) */
    aio_time handshake;        /* (the library's: a TLS server's deadline for each handshake) */
    size_t stream_limit;       /* (the library's: a TLS server's streams' limit) */
    uint32_t handshakes_failed; /* (the library's: aio_server_handshakes_failed) */
};
/* The state around handler task t: AIO_CONN_SELF(t, client_t). */
#define AIO_CONN_SELF(t, type) ((type *)(void *)AIO_CONTAINER(t, aio_conn, task))
/* Make a server: AIO_OK, or AIO_EINVAL (srv or handler NULL, size smaller
 * than an aio_conn, limit 0, states NULL where nothing can be allocated). */
AIO_API aio_status aio_server_init(aio_server *srv, aio_task_fn handler, void *states, size_t size,
                                   uint32_t limit);
/* The one too many is sent `message` (NULL: nothing) with one try that does
 * not wait, then `refused(srv)` is called (NULL: none), then it is closed
 * (a client that had sent something may see a reset instead: the system's
 * answer to a close with bytes unread). */
AIO_API void aio_server_refuse(aio_server *srv, const char *message, void (*refused)(aio_server *srv));
/* Serve on `listener` (TCP or Unix, made by the program) from the running
 * loop: AIO_OK, or a negative listener as it is (so that
 * aio_server_start(&srv, aio_unix_listen(path, 0)) reports a failed listen),
 * AIO_EINVAL (not initialised), AIO_EBUSY (serving already). The server
 * owns the listener from then on: close() closes it. */
AIO_API aio_status aio_server_start(aio_server *srv, int listener);
/* aio_tcp_listen(host, port, backlog), then aio_server_start: AIO_OK or the
 * listen's status (AIO_EIO: errno says why). */
AIO_API aio_status aio_server_listen(aio_server *srv, const char *host, int port, int backlog);
/* The listener's port (aio_socket_port), or AIO_EBADF once closed. */
AIO_API int aio_server_port(const aio_server *srv);
/* server.close(): stop accepting and close the listener; the handlers go on
 * (a Unix socket's file stays: unlink it). AIO_OK, or AIO_ECLOSED (already). */
AIO_API aio_status aio_server_close(aio_server *srv);
/* server.close_clients(): every live connection is shut down both ways
 * (shutdown()): a handler's wait under way on it ends with AIO_ECLOSED,
 * its later reads find the end of the stream (0), its writes fail. How
 * many. */
AIO_API int aio_server_close_clients(aio_server *srv);
/* server.abort_clients(): every live handler not cancelled yet is
 * cancelled, in connection order; its cleanup runs, then its socket is
 * closed. How many it cancelled (one cancelled already, by an earlier call,
 * a shutdown, aio_conn_abort or aio_cancel, is left to its cleanup). */
AIO_API int aio_server_abort_clients(aio_server *srv);
/* writer.transport.abort() for one connection (a client that stopped
 * reading, say): it is shut down both ways at once (what its handler has
 * not sent yet is dropped; the peer reads the end), and its handler is
 * cancelled: a wait under way ends (AIO_ECANCELED; AIO_ECLOSED inside a
 * shielded block), its cleanup runs, its calls on the socket fail at once,
 * then the server closes the socket. 1; 0 if aborted already or ended;
 * AIO_EINVAL for NULL or a connection no server took. */
AIO_API int aio_conn_abort(aio_conn *c);
/* The live connection after `c` in connection order (NULL: the first), or
 * NULL: for (c = aio_server_next(srv, NULL); c; c = aio_server_next(srv, c)). */
AIO_API aio_conn *aio_server_next(aio_server *srv, const aio_conn *c);
/* A graceful stop: close(), then the handlers have `grace` to end; those
 * left are cancelled (abort_clients). AIO_SERVER_SHUTDOWN awaits it. */
AIO_API aio_status aio_server_shutdown(aio_server *srv, aio_time grace);

/* A server on every core (asyncio's start_server(reuse_port=True) in each of
 * several processes; libuv's loop per thread): several loops, each on a
 * thread of its own, serve one address, each with an aio_server of its own.
 * Where the system balances connections among listeners on one port (Linux's
 * SO_REUSEPORT, FreeBSD's SO_REUSEPORT_LB) each loop listens and the system
 * picks; elsewhere (Windows, macOS, the other BSDs) the first loop to join
 * accepts for all and hands each connection, in turn, to a loop's server
 * through that loop's wake-up: the same program either way.
 *
 *     aio_server_share share;                            // main thread, first:
 *     aio_server_share_init(&share, 4, "127.0.0.1", 8888, 0);
 *     ... start 4 threads, each runs a loop whose task does:
 *         aio_server_init(&srv, handle, NULL, sizeof(client_t), 1000);
 *         aio_server_start_shared(&srv, &share, &stop);   // stop: an aio_event
 *         AIO_EVENT_WAIT(t, rc, &stop, AIO_NEVER);        // set by share_close
 *         ... goodbyes, AIO_SERVER_SHUTDOWN(t, rc, &srv, grace)
 *     ... a signal's task on one loop: aio_server_share_close(&share);
 *     ... the threads joined: aio_server_share_free(&share);
 *
 * Connection ids (conn.id) count across the share; a share limit bounds the
 * connections at once across every loop (the one too many is refused by the
 * server that took it, as its own limit would). Treat the fields as the
 * library's, except reuse_port (read it). A build without sockets or
 * threads refuses each call (AIO_EINVAL). */
enum { AIO_SERVER_SHARE_MAX = 256 };
typedef struct aio_server_share {
    struct aio__share_member *members; /* (the library's: one per loop) */
    void *lock;                 /* (the library's: a mutex over what follows) */
    aio_address at;             /* where every loop serves (its port once bound) */
    int backlog, loops, joined;
    int first;                  /* the listener made first, until a loop takes it (-1) */
    int next;                   /* the loop the next connection is handed to */
    uint32_t limit, live;       /* connections at once across the loops: the bound (0: none), now */
    uint32_t served;            /* the ids given so far */
    uint8_t reuse_port;         /* 1: each loop listens, the system balances; 0: hand-off */
    uint8_t closed;             /* aio_server_share_close was called */
} aio_server_share;
/* From one thread, before the loops start: a share for `loops` loops (1 to
 * AIO_SERVER_SHARE_MAX) on host and port (as aio_tcp_listen takes them; port
 * 0: a free one, then every loop serves that one, aio_server_share_port).
 * The first listener is made now, so that a port in use is told here.
 * AIO_OK; AIO_EINVAL (sh NULL, loops out of range, a bad address, inside a
 * simulation); AIO_EIO (errno: EADDRINUSE...; out of memory). */
AIO_API aio_status aio_server_share_init(aio_server_share *sh, int loops, const char *host, int port, int backlog);
/* At most `limit` connections at once across the loops (0: each server's own
 * limit only), from the next connection on (from any thread). AIO_OK or
 * AIO_EINVAL. */
AIO_API aio_status aio_server_share_limit(aio_server_share *sh, uint32_t limit);
/* One loop accepts for all and hands connections out, even where the
 * system would balance (before any loop joins): AIO_OK or AIO_EINVAL. */
AIO_API aio_status aio_server_share_hand_off(aio_server_share *sh);
/* The port every loop serves, or AIO_EINVAL. */
AIO_API int aio_server_share_port(const aio_server_share *sh);
/* Connections live across the loops now (from any thread). */
AIO_API uint32_t aio_server_share_live(aio_server_share *sh);
/* From a task of each loop: srv (aio_server_init'd) serves the share on the
 * running loop. When the share is closed, srv is closed in its own loop
 * (aio_server_close: no more connections, its handlers go on) and `stop`
 * (NULL: none) is set there: the loop's task then says its goodbyes and
 * shuts srv down. AIO_OK; AIO_EINVAL (NULL, not initialised, no loop);
 * AIO_EBUSY (srv serving already); AIO_ELIMIT (`loops` loops joined
 * already); AIO_ECLOSED (the share was closed); AIO_EIO (errno: out of
 * descriptors, the listener refused). */
AIO_API aio_status aio_server_start_shared(aio_server *srv, aio_server_share *sh, aio_event *stop);
/* From any thread (a signal's task on one loop, say): every server of the
 * share is closed in its loop and its stop event set; a loop that joins
 * later is refused. AIO_OK, AIO_ECLOSED (already) or AIO_EINVAL. */
AIO_API aio_status aio_server_share_close(aio_server_share *sh);
/* Once every server of the share has closed (their loops' threads joined):
 * what the share holds let go. AIO_OK, AIO_EBUSY (a server still serves
 * it: nothing let go), AIO_EINVAL. */
AIO_API aio_status aio_server_share_free(aio_server_share *sh);

