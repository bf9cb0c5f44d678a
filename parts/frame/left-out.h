// >>left-out
/* ---------------------------------------------- the calls a build leaves out */

/* What needs POSIX says so elsewhere. */
#ifndef AIO__SIGNALS
AIO_API aio_status aio_signal_event(int signo, aio_event *ev) {
    (void)signo;
    (void)ev;
    return aio__misuse(AIO_EINVAL, "aio_signal_event: no POSIX signals or Windows console");
}
AIO_API aio_status aio_signal_cancel(int signo, aio_task *t) {
    (void)signo;
    (void)t;
    return aio__misuse(AIO_EINVAL, "aio_signal_cancel: no POSIX signals or Windows console");
}
#endif
#ifndef AIO__THREADS
AIO_API aio_status aio_loop_set_threads(aio_loop *L, int max) {
    (void)L; (void)max;
    return aio__misuse(AIO_EINVAL, "worker threads need POSIX (this header included first) or Windows, and no AIO_NO_THREADS");
}
AIO_API aio_status aio_loop_set_threads_timeout(aio_loop *L, aio_time d) {
    (void)L; (void)d;
    return aio__misuse(AIO_EINVAL, "worker threads need POSIX (this header included first) or Windows, and no AIO_NO_THREADS");
}
AIO_API aio_status aio__thread_start(aio_task *t, aio_frame *f, aio_thread_fn fn, void *data, size_t size,
                                     aio_time d) {
    (void)t; (void)f; (void)fn; (void)data; (void)size; (void)d;
    return aio__misuse(AIO_EINVAL, "worker threads need POSIX (this header included first) or Windows, and no AIO_NO_THREADS");
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__thread_poll(aio_task *t, aio_frame *f, void *data, size_t size) {
    (void)t; (void)f; (void)data; (void)size;
    return AIO_EINVAL;
}
#endif
#ifndef AIO__SOCKETS
/* A server needs sockets: every call refuses, with one message. */
#define AIO__NO_SERVER aio__misuse(AIO_EINVAL, "aio_server_*: a server needs sockets (POSIX or Windows)")
AIO_API aio_status aio_server_init(aio_server *srv, aio_task_fn handler, void *states, size_t size,
                                   uint32_t limit) {
    (void)srv; (void)handler; (void)states; (void)size; (void)limit;
    return AIO__NO_SERVER;
}
AIO_API void aio_server_refuse(aio_server *srv, const char *message, void (*refused)(aio_server *srv)) {
    (void)srv; (void)message; (void)refused;
    (void)AIO__NO_SERVER;
}
AIO_API aio_status aio_server_start(aio_server *srv, int listener) {
    (void)srv; (void)listener;
    return AIO__NO_SERVER;
}
AIO_API aio_status aio_server_listen(aio_server *srv, const char *host, int port, int backlog) {
    (void)srv; (void)host; (void)port; (void)backlog;
    return AIO__NO_SERVER;
}
AIO_API int aio_server_port(const aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API aio_status aio_server_close(aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API aio_conn *aio_server_next(aio_server *srv, const aio_conn *c) {
    (void)srv; (void)c;
    (void)AIO__NO_SERVER;
    return NULL;
}
AIO_API int aio_server_close_clients(aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API int aio_server_abort_clients(aio_server *srv) {
    (void)srv;
    return AIO__NO_SERVER;
}
AIO_API int aio_conn_abort(aio_conn *c) {
    (void)c;
    return AIO__NO_SERVER;
}
AIO_API aio_status aio_server_shutdown(aio_server *srv, aio_time grace) {
    (void)srv; (void)grace;
    return AIO__NO_SERVER;
}
#endif
#if !defined(AIO__SOCKETS) || !defined(AIO__THREADS)
/* Without sockets, or without worker threads (AIO_NO_THREADS): every call
 * refuses. */
#define AIO__NO_SHARE(what) aio__misuse(AIO_EINVAL, what ": a share needs sockets and threads (POSIX or Windows)")
AIO_API aio_status aio_server_share_init(aio_server_share *sh, int loops, const char *host, int port, int backlog) {
    (void)sh; (void)loops; (void)host; (void)port; (void)backlog;
    return AIO__NO_SHARE("aio_server_share_init");
}
AIO_API aio_status aio_server_share_limit(aio_server_share *sh, uint32_t limit) {
    (void)sh; (void)limit;
    return AIO__NO_SHARE("aio_server_share_limit");
}
AIO_API aio_status aio_server_share_hand_off(aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_hand_off");
}
AIO_API int aio_server_share_port(const aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_port");
}
AIO_API uint32_t aio_server_share_live(aio_server_share *sh) {
    (void)sh;
    return (void)AIO__NO_SHARE("aio_server_share_live"), 0u;
}
AIO_API aio_status aio_server_start_shared(aio_server *srv, aio_server_share *sh, aio_event *stop) {
    (void)srv; (void)sh; (void)stop;
    return AIO__NO_SHARE("aio_server_start_shared");
}
AIO_API aio_status aio_server_share_close(aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_close");
}
AIO_API aio_status aio_server_share_free(aio_server_share *sh) {
    (void)sh;
    return AIO__NO_SHARE("aio_server_share_free");
}
#endif
#ifndef AIO__SOCKETS
AIO_API aio_status aio__connect_start(aio_task *t, aio_frame *f, const char *host, int port,
                                      aio_time d) {
    (void)t; (void)f; (void)host; (void)port; (void)d;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__connect_poll(aio_task *t, aio_frame *f) {
    (void)t; (void)f;
    return AIO_EINVAL;
}
AIO_API aio_status aio__lookup_poll(aio_task *t, aio_frame *f, aio_address *addrs, int max) {
    (void)t; (void)f; (void)addrs; (void)max;
    return AIO_EINVAL;
}
AIO_API aio_status aio__lookup_start(aio_task *t, aio_frame *f, const char *host, int port, aio_address *addrs,
                                     int max, aio_time d) {
    (void)t; (void)f; (void)host; (void)port; (void)addrs; (void)max; (void)d;
    return aio__misuse(AIO_EINVAL, "name lookups need POSIX or Windows");
}
AIO_API void aio_set_lookup(aio_lookup_fn lookup, void *ctx) {
    (void)lookup; (void)ctx;
}
AIO_API int aio_tcp_listen(const char *host, int port, int backlog) {
    (void)host; (void)port; (void)backlog;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
AIO_API int aio_tcp_listen_at(const aio_address *at, int backlog) {
    (void)at; (void)backlog;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
AIO_API int aio_socket_port(aio_socket fd) {
    (void)fd;
    return aio__misuse(AIO_EINVAL, "sockets need POSIX or Windows");
}
AIO_API aio_status aio_address_set(aio_address *a, const char *host, int port) {
    (void)host; (void)port;
    if (a) memset(a, 0, sizeof *a);
    return aio__misuse(AIO_EINVAL, "addresses need POSIX or Windows");
}
AIO_API int aio_address_format(const aio_address *a, char *buf, size_t size) {
    (void)a;
    if (buf && size) buf[0] = '\0';
    return aio__misuse(AIO_EINVAL, "addresses need POSIX or Windows");
}
AIO_API int aio_address_port(const aio_address *a) {
    (void)a;
    return aio__misuse(AIO_EINVAL, "addresses need POSIX or Windows");
}
AIO_API aio_status aio_close(aio_socket fd) {
    aio_io_forget(fd); /* (a port's descriptor: the driver closes it) */
    return aio__fd(fd) < 0 ? AIO_EBADF : AIO_OK;
}
AIO_API aio_status aio_stream_init(aio_stream *s, aio_socket fd, void *buf, size_t size) {
    (void)s; (void)fd; (void)buf; (void)size;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_init_growing(aio_stream *s, aio_socket fd, size_t start, size_t limit) {
    (void)s; (void)fd; (void)start; (void)limit;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_free(aio_stream *s) {
    (void)s; /* (never set up: nothing to give back) */
    return AIO_OK;
}
AIO_API aio_status aio__stream_start(aio_task *t, aio_frame *f, aio_stream *s, int kind, const void *sep,
                                     size_t n, aio_time d) {
    (void)t; (void)f; (void)s; (void)kind; (void)sep; (void)n; (void)d;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio__stream_write_start(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len,
                                           aio_time d) {
    (void)t; (void)f; (void)s; (void)buf; (void)len; (void)d;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_set_transport(aio_stream *s, const aio_transport *tr, void *ctx) {
    (void)s; (void)tr; (void)ctx;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_write(aio_stream *s, const void *buf, size_t len) {
    (void)s; (void)buf; (void)len;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_writelines(aio_stream *s, const aio_piece *pieces, size_t n) {
    (void)s; (void)pieces; (void)n;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio_stream_set_write_limits(aio_stream *s, size_t high, size_t low, size_t bound) {
    (void)s; (void)high; (void)low; (void)bound;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API size_t aio_stream_write_buffered(const aio_stream *s) {
    (void)s; /* (never set up: nothing buffered) */
    return 0;
}
AIO_API aio_status aio_stream_abort(aio_stream *s) {
    (void)s;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API aio_status aio__drain_start(aio_task *t, aio_frame *f, aio_stream *s, aio_time d, int closing) {
    (void)t; (void)f; (void)s; (void)d; (void)closing;
    return aio__misuse(AIO_EINVAL, "streams need POSIX or Windows");
}
AIO_API int aio_udp_open(const char *host, int port) {
    (void)host; (void)port;
    return aio__misuse(AIO_EINVAL, "datagrams need POSIX or Windows");
}
AIO_API int aio_unix_listen(const char *path, int backlog) {
    (void)path; (void)backlog;
    return aio__misuse(AIO_EINVAL, "aio_unix_listen: Unix domain sockets need POSIX");
}
AIO_API aio_status aio__unix_connect_start(aio_task *t, aio_frame *f, const char *path, aio_time d) {
    (void)t; (void)f; (void)path; (void)d;
    return aio__misuse(AIO_EINVAL, "AIO_UNIX_CONNECT: Unix domain sockets need POSIX");
}
AIO_API aio_status aio__dgram_start(aio_task *t, aio_frame *f, int op, aio_socket sock, const void *buf,
                                    size_t len, const aio_address *addr, aio_time d) {
    (void)t; (void)f; (void)op; (void)sock; (void)buf; (void)len; (void)addr; (void)d;
    return aio__misuse(AIO_EINVAL, "datagrams need POSIX or Windows");
}
/* (never called by the macros: the start refused) */
AIO_API aio_status aio__stream_poll(aio_task *t, aio_frame *f, aio_stream *s) {
    (void)t; (void)f; (void)s;
    return AIO_EINVAL;
}
AIO_API aio_status aio__stream_write_poll(aio_task *t, aio_frame *f, aio_stream *s, const void *buf, size_t len) {
    (void)t; (void)f; (void)s; (void)buf; (void)len;
    return AIO_EINVAL;
}
AIO_API aio_status aio__drain_poll(aio_task *t, aio_frame *f, aio_stream *s, int closing) {
    (void)t; (void)f; (void)s; (void)closing;
    return AIO_EINVAL;
}
AIO_API aio_status aio__unix_connect_poll(aio_task *t, aio_frame *f) {
    (void)t; (void)f;
    return AIO_EINVAL;
}
AIO_API aio_status aio__dgram_poll(aio_task *t, aio_frame *f, int op, const void *buf, size_t len,
                                   const aio_address *addr) {
    (void)t; (void)f; (void)op; (void)buf; (void)len; (void)addr;
    return AIO_EINVAL;
}
#endif

#ifdef __cplusplus
}
#endif
#endif /* AIO_TIMEOUT_IMPLEMENTED */
#endif /* AIO_TIMEOUT_IMPLEMENTATION */

/*
   MIT License

   Copyright (c) 2026 aio_timeout.h contributors

   Permission is hereby granted, free of charge, to any person obtaining a copy
   of this software and associated documentation files (the "Software"), to deal
   in the Software without restriction, including without limitation the rights
   to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
   copies of the Software, and to permit persons to whom the Software is
   furnished to do so, subject to the following conditions:

   The above copyright notice and this permission notice shall be included in all
   copies or substantial portions of the Software.

   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
   AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
   LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
   OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
   SOFTWARE.
*/
