/* SPDX-License-Identifier: MIT */
/* bench/io/echo_event.c - the echo server on libevent, as libevent's own
 * documentation writes one (the "simple echo server" of the libevent book):
 * an evconnlistener accepts, each client gets a bufferevent whose read
 * callback moves its input buffer to its output buffer with
 * evbuffer_add_buffer (no copy), and the bufferevent writes it out. A
 * bufferevent reads at most 4096 bytes at a time (libevent's
 * EVBUFFER_MAX_READ), the read size of every server of the benchmark; its
 * buffers hold no memory once drained.
 *
 *     echo_event PORT [HOST]  listens on HOST (127.0.0.1) with a backlog of 1024
 *     echo_event --version    prints libevent's version and its backend
 *
 * Single-threaded; prints nothing but errors. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define ECHO_BACKLOG 1024

static void on_read(struct bufferevent *bev, void *ctx) {
    (void)ctx;
    if (evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev)) < 0)
        fprintf(stderr, "echo_event: evbuffer_add_buffer failed\n");
}

static void on_event(struct bufferevent *bev, short events, void *ctx) {
    (void)ctx;
    if (events & BEV_EVENT_ERROR) {
        int err = EVUTIL_SOCKET_ERROR();
        if (err != ECONNRESET && err != EPIPE)
            fprintf(stderr, "echo_event: %s\n", evutil_socket_error_to_string(err));
    }
    if (events & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) bufferevent_free(bev);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *ctx) {
    struct bufferevent *bev =
        bufferevent_socket_new(evconnlistener_get_base(listener), fd, BEV_OPT_CLOSE_ON_FREE);
    (void)sa;
    (void)len;
    (void)ctx;
    if (!bev) {
        fprintf(stderr, "echo_event: bufferevent_socket_new failed\n");
        evutil_closesocket(fd);
        return;
    }
    bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
    if (bufferevent_enable(bev, EV_READ | EV_WRITE) < 0) {
        fprintf(stderr, "echo_event: bufferevent_enable failed\n");
        bufferevent_free(bev);
    }
}

static void on_accept_error(struct evconnlistener *listener, void *ctx) {
    int err = EVUTIL_SOCKET_ERROR();
    (void)listener;
    (void)ctx;
    fprintf(stderr, "echo_event: accept: %s\n", evutil_socket_error_to_string(err));
}

int main(int argc, char **argv) {
    struct event_base *base;
    struct evconnlistener *listener;
    struct sockaddr_in sin;
    const char *host;
    int port;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        base = event_base_new();
        printf("libevent %s (%s)\n", event_get_version(), base ? event_base_get_method(base) : "?");
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: echo_event PORT [HOST]\n");
        return 1;
    }
    port = atoi(argv[1]);
    host = argc > 2 ? argv[2] : "127.0.0.1";
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        fprintf(stderr, "echo_event: %s is not an IPv4 address\n", host);
        return 1;
    }
    base = event_base_new();
    if (!base) {
        fprintf(stderr, "echo_event: event_base_new failed\n");
        return 1;
    }
    listener = evconnlistener_new_bind(base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                       ECHO_BACKLOG, (struct sockaddr *)&sin, sizeof sin);
    if (!listener) {
        fprintf(stderr, "echo_event: listen on %s:%d: %s\n", host, port,
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return 1;
    }
    evconnlistener_set_error_cb(listener, on_accept_error);
    return event_base_dispatch(base) < 0 ? 1 : 0;
}
