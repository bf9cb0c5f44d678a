/* SPDX-License-Identifier: MIT */
/* bench/io/echo_floor.c - the floor of the echo benchmark's system calls: the
 * least an epoll echo server does. One epoll_wait per turn (blocking), a
 * read and a write per request, level-triggered, no timers, no buffers
 * held, nothing else: what `make bench-io` counts the other servers'
 * system calls per request against.
 *
 *     echo_floor PORT [HOST]    listens on HOST (127.0.0.1) with a backlog of 1024
 *
 * Single-threaded; prints nothing but errors. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct sockaddr_in a;
    struct epoll_event ev, evs[256];
    int one = 1, lfd, ep;
    char buf[4096];
    if (argc < 2) {
        fprintf(stderr, "usage: echo_floor PORT [HOST]\n");
        return 1;
    }
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)atoi(argv[1]));
    if (inet_pton(AF_INET, argc > 2 ? argv[2] : "127.0.0.1", &a.sin_addr) != 1) return 1;
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1024) != 0) {
        perror("echo_floor: listen");
        return 1;
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1), k;
        for (k = 0; k < n; k++) {
            int fd = evs[k].data.fd;
            ssize_t got;
            if (fd == lfd) {
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0) continue;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                ev.events = EPOLLIN;
                ev.data.fd = c;
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
                continue;
            }
            got = read(fd, buf, sizeof buf);
            if (got > 0 && write(fd, buf, (size_t)got) == got) continue;
            if (got < 0 && errno == EAGAIN) continue;
            close(fd); /* (the end of the connection, or an error: a short write never happens here) */
        }
    }
}
