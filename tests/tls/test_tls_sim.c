/* SPDX-License-Identifier: MIT */
/* TLS in a simulation (AIO_SIMULATION with AIO_TLS_OPENSSL, or with
 * -DAIO_TLS_MBEDTLS): a client and a server, on hosts "main" and "server"
 * of the simulated network, over many seeds with its faults (jitter,
 * bandwidth, short reads and writes, resets, refused connects, late timers,
 * slow turns). In each run the client connects to "server" by name,
 * verifies its certificate, sends lines of several sizes (one larger than a
 * TLS record) and reads each back upper-cased, then shuts TLS down; the
 * server answers each line and shuts down at the client's close_notify.
 *
 *   cc -std=c11 -DAIO_SIMULATION -DAIO_TLS_OPENSSL tests/tls/test_tls_sim.c -lssl -lcrypto
 *   TLS_CERTS=DIR ./a.out     (DIR: tests/checks/tls.sh's certificates:
 *                              ca.pem, and sim.pem, sim.key for the name
 *                              "server", an RSA key)
 *
 * Checked: every run ends in one of the allowed outcomes (all lines back
 * and a clean shutdown; a refused connect; a reset connection, seen as
 * AIO_ECONNRESET or as the TLS failure it caused), never in wrong bytes, a
 * certificate failure, a hang (every await has a deadline, the virtual
 * clock makes them free) or an error of the scenario's own; both outcomes
 * occur over the seeds; and every seed replays: the same outcomes and the
 * same digest, run after run. The digest counts what the simulation sees
 * (times, sizes of segments, the instruments' records), not the bytes, so
 * with OpenSSL, whose random bytes are its own, the ciphertext differs from
 * run to run and the digest does not; Mbed TLS draws its random bytes from
 * the simulation's seed (docs/simulation.md, "TLS in a simulation"). The
 * certificate is RSA's, whose signatures have one size: an ECDSA signature
 * is 70 to 72 bytes, drawn, which would change the sizes of the records
 * with OpenSSL's own random bytes. One line per failed check, then
 * "N passed, N failed"; the exit status is 1 on failure. */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef AIO_SIMULATION
#define AIO_SIMULATION
#endif
/* The engine (engine_pick.h): the build's, else OpenSSL's; without
 * OpenSSL's headers the file is a program of no check, which the checkers
 * that read every test file can still read (tls.sh runs none). */
#include "engine_pick.h"
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../../aio_timeout.h"
#ifdef TEST_TLS_NONE
#include <stdio.h>
int main(void) {
    printf("no TLS engine: 0 passed, 0 failed\n");
    return 0;
}
#else
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
#define CHECK(cond)                                                                \
    do {                                                                           \
        if (cond)                                                                  \
            passed++;                                                              \
        else {                                                                     \
            failed++;                                                              \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                 \
        }                                                                          \
    } while (0)

#define SEEDS 150
#define LINES 4
#define PORT 7443

/* The lines the client sends: short ones, and one longer than a TLS record
 * (16 KiB) with its end in the next. */
static size_t line_len(int i) { return i == 2 ? 20000 : (size_t)(5 + 37 * i); }
static char line_byte(int i, size_t k, size_t len) {
    return k + 1 == len ? '\n' : (char)('a' + (k * 7 + (size_t)i) % 26);
}

/* The outcomes, for the client and for the server. */
enum { OUT_NONE, OUT_OK, OUT_REFUSED, OUT_RESET, OUT_BAD };
static const char *const out_names[] = {"none", "ok", "refused", "reset", "bad"};

/* The configurations are loaded in each run: an engine keeps state in
 * them from session to session that draws random bytes now and then
 * (OpenSSL's RSA blinding, renewed every 32 uses of the key; Mbed TLS's,
 * made at the first): loaded once for all runs, a run would depend on the
 * runs before it. */
static aio_tls_config scfg, ccfg;

typedef struct {
    aio_task task;
    int l, fd;
    aio_stream st;
    aio_tls tls;
    aio_status n, rc;
    int out, lines;
    char buf[32768];
} server_t;

/* A failure that a reset (or the refused connect) explains: the status
 * itself, or the TLS failure whose reason is the reset. */
static int reset_like(aio_status rc, const aio_tls *tls) {
    return rc == AIO_ECONNRESET || rc == AIO_ETRUNCATED ||
           (rc == AIO_ETLS && (strstr(aio_tls_error(tls), "reset") || strstr(aio_tls_error(tls), "closed")));
}

static aio_status server_main(aio_task *t) {
    server_t *s = AIO_SELF(t, server_t);
    char *line;
    aio_status i;
    AIO_BEGIN(t);
    s->fd = -1;
    s->l = aio_tcp_listen(NULL, PORT, 4);
    AIO_CHECK(t, s->l);
    AIO_ACCEPT(t, s->fd, s->l, AIO_SEC(5));
    if (s->fd < 0) { /* the client's connect was refused: nobody came */
        s->out = s->fd == AIO_ETIMEDOUT ? OUT_REFUSED : OUT_BAD;
        AIO_RETURN(t, AIO_OK);
    }
    AIO_CHECK(t, aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf));
    AIO_CHECK(t, aio_tls_init(&s->tls, &scfg));
    AIO_TLS_HANDSHAKE(t, s->rc, &s->tls, &s->st, NULL, AIO_SEC(2));
    if (s->rc < 0) {
        s->out = reset_like(s->rc, &s->tls) ? OUT_RESET : OUT_BAD;
        AIO_RETURN(t, AIO_OK);
    }
    for (;;) {
        AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(2));
        if (s->n <= 0) break;
        line = (char *)(uintptr_t)aio_stream_data(&s->st);
        for (i = 0; i < s->n; i++) line[i] = (char)toupper((unsigned char)line[i]);
        AIO_STREAM_WRITE(t, s->rc, &s->st, aio_stream_data(&s->st), (size_t)s->n, AIO_SEC(2));
        if (s->rc < 0) break;
        s->lines++;
    }
    if (s->n < 0 || s->rc < 0) {
        s->out = reset_like(s->n < 0 ? s->n : s->rc, &s->tls) ? OUT_RESET : OUT_BAD;
        AIO_RETURN(t, AIO_OK);
    }
    AIO_TLS_SHUTDOWN(t, s->rc, &s->tls, AIO_SEC(2));
    /* (the client may have closed its socket once its shutdown was done) */
    s->out = s->rc == AIO_OK || reset_like(s->rc, &s->tls) ? (s->lines == LINES ? OUT_OK : OUT_BAD) : OUT_BAD;
    AIO_FINALLY(t);
    if (s->out == OUT_NONE) s->out = OUT_BAD;
    if (aio_tls_free(&s->tls) != AIO_OK) s->out = OUT_BAD;
    if (s->fd >= 0) aio_close(s->fd);
    if (s->l >= 0) aio_close(s->l);
    AIO_END(t);
}

typedef struct {
    aio_task task;
    server_t srv;
    int fd, i, out;
    size_t k;
    aio_stream st;
    aio_tls tls;
    aio_status n, rc;
    char out_line[20000];
    char buf[32768];
} run_t;

static const char *cert(const char *name) {
    static char paths[4][512];
    static int next;
    const char *dir = getenv("TLS_CERTS");
    char *p = paths[next++ % 4];
    (void)snprintf(p, sizeof paths[0], "%s/%s", dir ? dir : "build/tests/tls/certs", name);
    return p;
}

static int outcomes[2][SEEDS + 1][2]; /* [pass][seed][client, server] */
static int pass_no;

static aio_status run_main(aio_task *t) {
    run_t *s = AIO_SELF(t, run_t);
    size_t len;
    const char *got;
    AIO_BEGIN(t);
    s->fd = -1;
    s->srv.l = -1;
    scfg.flags = AIO_TLS_SERVER;
    scfg.cert_file = cert("sim.pem");
    scfg.key_file = cert("sim.key");
    ccfg.ca_file = cert("ca.pem");
    if (aio_tls_config_load(&scfg) != AIO_OK || aio_tls_config_load(&ccfg) != AIO_OK) {
        printf("  the certificates: %s %s\n", aio_tls_config_error(&scfg), aio_tls_config_error(&ccfg));
        s->out = OUT_BAD;
        AIO_RETURN(t, AIO_OK);
    }
    AIO_CHECK(t, aio_sim_spawn("server", &s->srv.task, server_main));
    AIO_TCP_CONNECT(t, s->fd, "server", PORT, AIO_SEC(1));
    if (s->fd < 0) {
        s->out = s->fd == AIO_ECONNREFUSED ? OUT_REFUSED : OUT_BAD;
        AIO_RETURN(t, AIO_OK);
    }
    AIO_CHECK(t, aio_stream_init(&s->st, s->fd, s->buf, sizeof s->buf));
    AIO_CHECK(t, aio_tls_init(&s->tls, &ccfg));
    AIO_TLS_HANDSHAKE(t, s->rc, &s->tls, &s->st, "server", AIO_SEC(2));
    if (s->rc < 0) {
        s->out = reset_like(s->rc, &s->tls) ? OUT_RESET : OUT_BAD;
        if (s->out == OUT_BAD) printf("  handshake: %s: %s\n", aio_strerror(s->rc), aio_tls_error(&s->tls));
        AIO_RETURN(t, AIO_OK);
    }
    for (s->i = 0; s->i < LINES; s->i++) {
        len = line_len(s->i);
        for (s->k = 0; s->k < len; s->k++) s->out_line[s->k] = line_byte(s->i, s->k, len);
        AIO_STREAM_WRITE(t, s->rc, &s->st, s->out_line, line_len(s->i), AIO_SEC(2));
        if (s->rc < 0) break;
        AIO_READ_LINE(t, s->n, &s->st, AIO_SEC(2));
        if (s->n < 0) {
            s->rc = s->n;
            break;
        }
        len = line_len(s->i);
        got = aio_stream_data(&s->st);
        if ((size_t)s->n != len) s->out = OUT_BAD;
        for (s->k = 0; s->out != OUT_BAD && s->k < len; s->k++)
            if (got[s->k] != (char)toupper((unsigned char)line_byte(s->i, s->k, len))) s->out = OUT_BAD;
        if (s->out == OUT_BAD) {
            printf("  line %d: wrong bytes back (%d)\n", s->i, (int)s->n);
            AIO_RETURN(t, AIO_OK);
        }
    }
    if (s->rc < 0) {
        s->out = reset_like(s->rc, &s->tls) ? OUT_RESET : OUT_BAD;
        if (s->out == OUT_BAD) printf("  line %d: %s: %s\n", s->i, aio_strerror(s->rc), aio_tls_error(&s->tls));
        AIO_RETURN(t, AIO_OK);
    }
    AIO_TLS_SHUTDOWN(t, s->rc, &s->tls, AIO_SEC(2));
    s->out = s->rc == AIO_OK ? OUT_OK : reset_like(s->rc, &s->tls) ? OUT_RESET : OUT_BAD;
    if (s->out == OUT_BAD) printf("  shutdown: %s: %s\n", aio_strerror(s->rc), aio_tls_error(&s->tls));
    AIO_FINALLY(t);
    if (aio_tls_free(&s->tls) != AIO_OK) s->out = OUT_BAD;
    if (s->fd >= 0) aio_close(s->fd);
    if (aio_task_alive(&s->srv.task)) {
        AIO_AWAIT(t, s->rc, &s->srv.task);
        if (s->rc < 0) s->srv.out = OUT_BAD;
    }
    aio_tls_config_free(&scfg);
    aio_tls_config_free(&ccfg);
    if (s->out == OUT_NONE) s->out = OUT_BAD;
    {
        uint64_t seed = aio_sim_seed();
        if (seed <= SEEDS) {
            outcomes[pass_no][seed][0] = s->out;
            outcomes[pass_no][seed][1] = s->srv.out;
        }
        /* one of the allowed ones: both ends done, or both refused (the
         * server's accept ends at its deadline), or a reset seen by either */
        aio_sim_check(s->out != OUT_BAD && s->srv.out != OUT_BAD, "an outcome that is not allowed");
        aio_sim_check(s->out != OUT_OK || s->srv.out == OUT_OK || s->srv.out == OUT_RESET,
                      "the client finished and the server did not");
        aio_sim_check((s->out == OUT_REFUSED) == (s->srv.out == OUT_REFUSED), "a refused connect seen by one end only");
        if (s->out == OUT_BAD || s->srv.out == OUT_BAD)
            printf("  seed %llu: client %s, server %s\n", (unsigned long long)seed, out_names[s->out],
                   out_names[s->srv.out]);
    }
    AIO_END(t);
}

static aio_sim_options options(uint64_t seeds) {
    aio_sim_options o;
    memset(&o, 0, sizeof o);
    o.config.latency = AIO_MS(2);
    o.config.jitter = AIO_MS(3);
    o.config.step = AIO_US(50);
    o.config.timer_late = AIO_MS(1);
    o.config.bandwidth = 2000000;
    o.config.buffer = 8192;
    o.config.short_recv = 0.3;
    o.config.short_send = 0.3;
    o.config.reset = 0.01;
    o.config.refuse = 0.05;
    o.seeds = seeds;
    o.quiet = 0;
    o.trace = "";
    return o;
}


int main(void) {
    aio_sim_options o, again;
    uint64_t single[2];
    int seed, counts[2][5], same = 1, p;
    memset(counts, 0, sizeof counts);
    /* every seed, twice: the same outcomes, the same digests */
    o = options(SEEDS);
    pass_no = 0;
    CHECK(AIO_SIM_RUN(&o, run_t, run_main) == 0);
    CHECK(o.runs == SEEDS);
    again = options(SEEDS);
    pass_no = 1;
    CHECK(AIO_SIM_RUN(&again, run_t, run_main) == 0);
    CHECK(again.runs == SEEDS);
    CHECK(again.digest == o.digest);
    if (again.digest != o.digest)
        for (seed = 1; seed <= SEEDS; seed++) {
            for (p = 0; p < 2; p++) {
                aio_sim_options one = options(1);
                one.first = (uint64_t)seed;
                (void)AIO_SIM_RUN(&one, run_t, run_main);
                single[p] = one.digest;
            }
            if (single[0] != single[1]) printf("  seed %d: digests differ\n", seed);
        }
    for (seed = 1; seed <= SEEDS; seed++) {
        for (p = 0; p < 2; p++) counts[p][outcomes[0][seed][p]]++;
        if (outcomes[0][seed][0] != outcomes[1][seed][0] || outcomes[0][seed][1] != outcomes[1][seed][1]) {
            same = 0;
            printf("  seed %d: client %s, then %s; server %s, then %s\n", seed, out_names[outcomes[0][seed][0]],
                   out_names[outcomes[1][seed][0]], out_names[outcomes[0][seed][1]], out_names[outcomes[1][seed][1]]);
        }
    }
    CHECK(same);
    /* both kinds of outcome occur: the test can tell them apart */
    CHECK(counts[0][OUT_OK] >= SEEDS / 2);
    CHECK(counts[0][OUT_REFUSED] > 0);
    CHECK(counts[0][OUT_RESET] > 0);
    CHECK(counts[0][OUT_BAD] == 0 && counts[1][OUT_BAD] == 0);
    printf("%d seeds: client ok %d, refused %d, reset %d; server ok %d, refused %d, reset %d\n", SEEDS,
           counts[0][OUT_OK], counts[0][OUT_REFUSED], counts[0][OUT_RESET], counts[1][OUT_OK], counts[1][OUT_REFUSED],
           counts[1][OUT_RESET]);
    /* one seed alone, as AIO_SIM_SEED replays it: the same digest twice, and
     * another seed a different one */
    for (p = 0; p < 2; p++) {
        o = options(1);
        o.first = 7;
        CHECK(AIO_SIM_RUN(&o, run_t, run_main) == 0);
        single[p] = o.digest;
    }
    CHECK(single[0] == single[1]);
    o = options(1);
    o.first = 8;
    CHECK(AIO_SIM_RUN(&o, run_t, run_main) == 0);
    CHECK(o.digest != single[0]);
    printf("digest of seeds 1-%d: %016llx (twice); of seed 7: %016llx (twice)\n", SEEDS,
           (unsigned long long)again.digest, (unsigned long long)single[0]);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
#endif
