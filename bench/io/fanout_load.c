/* SPDX-License-Identifier: MIT */
/* bench/io/fanout_load.c - the fan-out load for a chat server (bench/io/chat_aio.c,
 * chat_asyncio.py): MEMBERS clients join ("m0" .. "mN-1", one after another,
 * each once every earlier member has read that it joined); then, told "go" on
 * its standard input, member m0 sends BURSTS bursts of LINES lines of LEN
 * bytes (the newline included), each burst in one buffer, and every other
 * member reads it whole ("m0: " and the line, LINES times) before the next
 * burst goes. With --broker, for a publish/subscribe broker (broker_aio.c,
 * broker_asyncio.py): members m1.. subscribe to "news" (each once a probe
 * that m0 publishes reaches it), and m0's lines are "PUB news ...", which
 * the others read as "news ...". It checks every byte, and prints
 *
 *     joined                      once every member is in (then waits for a line)
 *     done lines=D bytes=B s=T    D lines delivered (members - 1) * LINES * BURSTS
 *
 * and exits 0, or prints what went wrong and exits 1.
 *
 *     fanout_load [--broker] PORT [MEMBERS=50] [BURSTS=40] [LINES=500] [LEN=100] */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "fanout_load: %s\n", what);
    exit(1);
}

static int connect_to(int port) {
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (fd < 0) die("socket");
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t k = send(fd, p, n, 0);
        if (k <= 0) die("send");
        p += k;
        n -= (size_t)k;
    }
}

/* Read from fd until `want` arrives, exactly (what comes first is compared). */
static void read_exactly(int fd, const char *want, size_t n) {
    char buf[256];
    while (n) {
        ssize_t k = recv(fd, buf, n < sizeof buf ? n : sizeof buf, 0);
        if (k <= 0) die("a member's connection ended while it waited for a join");
        if (memcmp(buf, want, (size_t)k) != 0) die("a member read what it was not sent");
        want += k;
        n -= (size_t)k;
    }
}

/* Read fd's lines until `want` (a whole line) comes; the others, which
 * begin with `skip`, are dropped. */
static void read_until(int fd, const char *want, const char *skip) {
    char line[256];
    size_t n = 0;
    for (;;) {
        char ch;
        if (recv(fd, &ch, 1, 0) != 1) die("a member's connection ended while it waited for a probe");
        if (n < sizeof line - 1) line[n++] = ch;
        if (ch != '\n') continue;
        line[n] = 0;
        if (!strcmp(line, want)) return;
        if (strncmp(line, skip, strlen(skip)) != 0) die("a member read what it was not sent");
        n = 0;
    }
}

int main(int argc, char **argv) {
    int port, members, bursts, lines, len, m, b, i, broker = 0;
    const char *pre_send, *pre_recv, *topic;
    size_t body;
    int *fd;
    size_t burst_len, each, *got;
    char *burst, *expect, *buf, go[16];
    struct pollfd *p;
    struct timespec t0, t1;
    if (argc > 1 && !strcmp(argv[1], "--broker")) {
        broker = 1;
        argv++;
        argc--;
    }
    if (argc < 2) die("usage: fanout_load [--broker] PORT [MEMBERS] [BURSTS] [LINES] [LEN]");
    port = atoi(argv[1]);
    members = argc > 2 ? atoi(argv[2]) : 50;
    bursts = argc > 3 ? atoi(argv[3]) : 40;
    lines = argc > 4 ? atoi(argv[4]) : 500;
    len = argc > 5 ? atoi(argv[5]) : 100;
    if (members < 2 || members > 1000 || bursts < 1 || lines < 1 || len < 16 || len > 1000) die("bad arguments");
    pre_send = broker ? "PUB " : "";
    pre_recv = broker ? "" : "m0: ";
    topic = broker ? "news " : "";
    body = (size_t)len - strlen(pre_send); /* (the line as the others read it, less pre_recv) */
    fd = calloc((size_t)members, sizeof *fd);
    got = calloc((size_t)members, sizeof *got);
    p = calloc((size_t)members, sizeof *p);
    burst_len = (size_t)lines * (size_t)len;
    each = (size_t)lines * (strlen(pre_recv) + body);
    burst = malloc(burst_len);
    expect = malloc(each);
    buf = malloc(65536);
    if (!fd || !got || !p || !burst || !expect || !buf) die("out of memory");
    for (i = 0; i < lines; i++) {
        char *l = burst + (size_t)i * (size_t)len, *e = expect + (size_t)i * (strlen(pre_recv) + body);
        size_t k;
        memcpy(l, pre_send, strlen(pre_send));
        memcpy(l + strlen(pre_send), topic, strlen(topic));
        for (k = strlen(pre_send) + strlen(topic); k < (size_t)len - 1; k++) l[k] = (char)('a' + (i + (int)k) % 26);
        l[len - 1] = '\n';
        memcpy(e, pre_recv, strlen(pre_recv));
        memcpy(e + strlen(pre_recv), l + strlen(pre_send), body);
    }
    for (m = 0; m < members; m++) { /* joins, one after another */
        char name[32], joined[32];
        int n = snprintf(name, sizeof name, broker && m ? "m%d\nSUB news\n" : "m%d\n", m);
        int j = snprintf(joined, sizeof joined, "* m%d joined\n", m);
        fd[m] = connect_to(port);
        send_all(fd[m], name, (size_t)n);
        if (!broker) {
            for (i = 0; i < m; i++) read_exactly(fd[i], joined, (size_t)j);
        } else if (m) { /* m0 publishes probes until m's subscription is in: the others skip the earlier */
            int a;
            for (a = 0;; a++) {
                char probe[64], want[64];
                struct pollfd q;
                snprintf(probe, sizeof probe, "PUB news probe %d.%d\n", m, a);
                snprintf(want, sizeof want, "news probe %d.%d\n", m, a);
                send_all(fd[0], probe, strlen(probe));
                q.fd = fd[m];
                q.events = POLLIN;
                if (poll(&q, 1, 100) == 1) {
                    read_until(fd[m], want, "news probe ");
                    for (i = 1; i < m; i++) read_until(fd[i], want, "news probe ");
                    break;
                }
                if (a == 100) die("a member's subscription did not take within 10 s");
            }
        }
    }
    printf("joined\n");
    fflush(stdout);
    if (!fgets(go, sizeof go, stdin)) die("no go");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (b = 0; b < bursts; b++) {
        int left = members - 1;
        send_all(fd[0], burst, burst_len);
        for (m = 1; m < members; m++) got[m] = 0;
        while (left) {
            int n = 0;
            for (m = 1; m < members; m++) {
                if (got[m] == each) continue;
                p[n].fd = fd[m];
                p[n].events = POLLIN;
                n++;
            }
            if (poll(p, (nfds_t)n, 10000) <= 0) die("the members waited 10 s for a burst");
            for (i = 0; i < n; i++) {
                ssize_t k;
                if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
                for (m = 1; fd[m] != p[i].fd; m++) continue;
                k = recv(fd[m], buf, each - got[m] < 65536 ? each - got[m] : 65536, 0);
                if (k <= 0) die("a member's connection ended during a burst");
                if (memcmp(buf, expect + got[m], (size_t)k) != 0) die("a member read what it was not sent");
                got[m] += (size_t)k;
                if (got[m] == each) left--;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("done lines=%lld bytes=%lld s=%.3f\n", (long long)(members - 1) * lines * bursts,
           (long long)(members - 1) * (long long)each * bursts,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    fflush(stdout);
    for (m = 0; m < members; m++) close(fd[m]);
    return 0;
}
