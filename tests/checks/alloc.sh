# SPDX-License-Identifier: MIT
# Stage: the allocator hook: no direct allocation in the header, all three macros or none, the core links none
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# Every allocation of aio_timeout.h goes through AIO_MALLOC, AIO_REALLOC and
# AIO_FREE (docs/api.md, "Memory"); the unit tests count them in two
# configurations and the simulation's tests always (tests/counted_alloc.h).
# Here, three checks:
# 1. no call of malloc, calloc, realloc or free is left in the header but the
#    hook's three defaults (what the system allocates and frees itself, such
#    as getaddrinfo's answer, goes back by its own call: freeaddrinfo);
# 2. a file that defines one of the macros and not the others does not build,
#    and says why;
# 3. a program of the core (timeout blocks, events, wait_for) built with the
#    three macros naming functions that do not exist links, at -O0 and -O2:
#    the core allocates nothing, so it never reaches the hook.
a_pass=0
a_fail=0
a_check() { # name command...: one line, counted
    a_name=$1; shift
    if a_msg=$("$@" 2>&1); then
        a_pass=$((a_pass + 1)); echo "[$a_name] ok${a_msg:+: $(echo "$a_msg" | tail -n 1)}"
    else
        a_fail=$((a_fail + 1)); echo "[$a_name] FAILED:"; echo "$a_msg" | tail -n 15 | sed 's/^/    /'
    fi
}
a_direct() {
    a_found=$(grep -n -E '(^|[^A-Za-z0-9_.>])(malloc|calloc|realloc|free)[[:space:]]*\(' aio_timeout.h |
        grep -v -E '^[0-9]+:#define AIO_(MALLOC|REALLOC|FREE)\(')
    if [ -n "$a_found" ]; then
        echo "aio_timeout.h allocates or frees without the hook (AIO_MALLOC, AIO_REALLOC, AIO_FREE):"
        echo "$a_found"
        return 1
    fi
    echo "every allocation of aio_timeout.h goes through AIO_MALLOC, AIO_REALLOC, AIO_FREE"
}
a_check alloc-direct a_direct
a_partial() {
    printf '#include <stdlib.h>\n#define AIO_MALLOC(size) malloc(size)\n#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' \
        >"$out/alloc_partial.c" || return 1
    if gcc -std=c11 -I. -fsyntax-only "$out/alloc_partial.c" >"$out/alloc_partial.log" 2>&1; then
        echo "a file that defines AIO_MALLOC alone builds"
        return 1
    fi
    grep -q 'define all of AIO_MALLOC, AIO_REALLOC and AIO_FREE, or none' "$out/alloc_partial.log" || {
        cat "$out/alloc_partial.log"; return 1; }
    echo "AIO_MALLOC alone: the build stops with the header's #error"
}
a_check alloc-partial a_partial
a_core() {
    cat >"$out/alloc_core.c" <<'EOF' || return 1
/* The core with an allocator that does not exist: it must link. */
#include <stddef.h>
void *no_malloc(size_t size);
void *no_realloc(void *p, size_t size);
void no_free(void *p);
#define AIO_MALLOC(size) no_malloc(size)
#define AIO_REALLOC(p, size) no_realloc((p), (size))
#define AIO_FREE(p) no_free(p)
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"
typedef struct { aio_task task; aio_timeout to; aio_task child; aio_event ev; aio_status rc; } main_t;
static aio_status child(aio_task *t) {
    AIO_BEGIN(t);
    AIO_SLEEP(t, AIO_MS(5));
    AIO_END(t);
}
static aio_status main_task(aio_task *t) {
    main_t *s = AIO_SELF(t, main_t);
    AIO_BEGIN(t);
    AIO_TIMEOUT(t, &s->to, AIO_MS(10)) {
        AIO_EVENT_WAIT(t, s->rc, &s->ev, AIO_NEVER);
    }
    (void)aio_spawn(&s->child, child);
    AIO_WAIT_FOR(t, s->rc, &s->child, AIO_SEC(1));
    AIO_RETURN(t, aio_timeout_status(&s->to) == AIO_ETIMEDOUT && s->rc == AIO_OK ? 0 : 1);
    AIO_END(t);
}
int main(void) {
    static aio_timer timers[4];
    static main_t m;
    aio_loop loop;
    aio_status rc;
    aio_loop_init(&loop, timers, 4);
    aio_loop_use_virtual_clock(&loop, 0);
    rc = aio_run(&loop, &m.task, main_task);
    return aio_loop_destroy(&loop) == AIO_OK ? rc : 1;
}
EOF
    for a_opt in -O0 -O2; do
        gcc -std=c11 $a_opt $WARN -I. -ffunction-sections -fdata-sections -Wl,--gc-sections "$out/alloc_core.c" \
            -o "$out/alloc_core" || return 1
        "$out/alloc_core" || { echo "the core program failed ($a_opt)"; return 1; }
    done
    echo "a program of the core links and runs with an allocator that does not exist (-O0, -O2)"
}
a_check alloc-core a_core
add_counts "$a_pass" "$a_fail"
