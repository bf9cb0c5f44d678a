# SPDX-License-Identifier: MIT
# Stage: events and queue puts from other threads, C++ macros, tick rates
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# Fault paths that the unit tests cannot reach from one configuration:
# 1. tests/threads/event_threads.c: events set from a thread with no loop and
#    from a task of a loop in another thread wake the main loop, asleep in the
#    system idle hook with nothing armed (make sanitize runs it under
#    ThreadSanitizer too); tests/threads/queue_threads.c: two threads put
#    with aio_queue_put_from_isr while a task of the main loop gets with a
#    timeout, every item once and in each producer's order (the same);
#    tests/threads/process_threads.c: loops in four threads spawn and await
#    children at once, with a pidfd and without, SIGCHLD as found and
#    ignored (the same), and built as macOS and the BSDs take the header
#    (AIO_NO_LINUX); tests/threads/server_share.c: two loops on two threads
#    serve one port (aio_server_share), through epoll, poll() and as macOS
#    takes the header (one loop hands connections out); tests/checks/spawn_closes.c: without close_range
#    (AIO_NO_CLOSE_RANGE; and AIO_NO_LINUX) a child finds the open
#    descriptors itself with a poll per 256 numbers and closes those, not
#    every number below the descriptor limit; tests/checks/spawn_race.c: one
#    another thread makes at number 1000 while children are spawned reaches
#    none of them (the same two builds); tests/checks/spawn_note.c: a build
#    that lost Linux's own calls (_POSIX_C_SOURCE alone before the header)
#    says so once in debug builds, and one that has them says nothing.
# 2. tests/checks/cxx_macros.cpp: every public macro in C++ user code is quiet
#    under -Wold-style-cast and -Wuseless-cast (C++11 to C++20, 32-bit ticks);
#    the implementation builds as C++20 with -Werror.
# 3. tests/checks/tick_rates.c: negative AIO_MS/AIO_US counts are refused at
#    tick rates that are not a multiple of 1000 (or of 1,000,000), and the
#    others round up to whole ticks, exactly, for run-time counts too.
# 4. An await inside AIO_CLEANUP does not compile, in C and C++, and the
#    error names aio_cleanup_cannot_await; an AIO_TRY without its AIO_CLEANUP
#    does not compile either; the same file without the mistake does.
f_pass=0
f_fail=0
f_check() { # name command...: one line, counted
    f_name=$1; shift
    if f_msg=$("$@" 2>&1); then
        f_pass=$((f_pass + 1)); echo "[$f_name] ok${f_msg:+: $(echo "$f_msg" | tail -n 1)}"
    else
        f_fail=$((f_fail + 1)); echo "[$f_name] FAILED:"; echo "$f_msg" | tail -n 15 | sed 's/^/    /'
    fi
}
f_threads() {
    gcc -std=c11 -O2 $WARN tests/threads/event_threads.c -o "$out/event_threads" -lpthread &&
        timeout 60 "$out/event_threads"
}
f_check threads f_threads
f_queue_threads() {
    gcc -std=c11 -O2 $WARN tests/threads/queue_threads.c -o "$out/queue_threads" -lpthread &&
        timeout 60 "$out/queue_threads"
}
f_check queue-threads f_queue_threads
f_process_threads() { # with a pidfd, then without (SIGCHLD tells every exit), then as on macOS
    for f_knob in "" -DAIO_NO_PIDFD -DAIO_NO_LINUX; do
        gcc -std=c11 -O2 $WARN $f_knob tests/threads/process_threads.c -o "$out/process_threads" -lpthread &&
            timeout 60 "$out/process_threads" || return 1
    done
}
f_check process-threads f_process_threads
f_server_share() { # two loops on two threads serve one port: as the system shares it, and handed off
    for f_knob in "" -DAIO_IO_POLL -DAIO_NO_LINUX; do
        gcc -std=c11 -O2 $WARN $f_knob tests/threads/server_share.c -o "$out/server_share" -lpthread &&
            timeout 120 "$out/server_share" || return 1
    done
}
f_check server-share f_server_share
f_spawn_closes() { # the descriptors found in /proc/self/fd, then (AIO_NO_LINUX) in /dev/fd
    for f_knob in "" -DAIO_NO_LINUX; do
        gcc -std=c11 -O2 $WARN $f_knob tests/checks/spawn_closes.c -o "$out/spawn_closes" &&
            timeout 60 "$out/spawn_closes" || return 1
    done
}
f_check spawn-closes f_spawn_closes
f_spawn_race() { # a descriptor made by another thread at any moment of a spawn
    for f_knob in -DAIO_NO_CLOSE_RANGE -DAIO_NO_LINUX; do
        gcc -std=c11 -O2 $WARN $f_knob tests/checks/spawn_race.c -o "$out/spawn_race" -lpthread &&
            timeout 120 "$out/spawn_race" || return 1
    done
}
f_check spawn-race f_spawn_race
f_spawn_note() { # Linux's calls out of a build (a strict POSIX header first): a debug build says so once
    [ "$(uname -s)" = Linux ] || return 0
    gcc -std=c11 -O2 $WARN -DSTRICT_FIRST tests/checks/spawn_note.c -o "$out/spawn_note" &&
        timeout 60 "$out/spawn_note" >"$out/spawn_note.out" &&
        grep -q '^1 "aio_process_spawn: Linux.s own calls are out of this build' "$out/spawn_note.out" &&
        gcc -std=c11 -O2 $WARN tests/checks/spawn_note.c -o "$out/spawn_note" &&
        timeout 60 "$out/spawn_note" >"$out/spawn_note.out" && grep -q '^0 ""$' "$out/spawn_note.out"
}
f_check spawn-note f_spawn_note
f_cxx() { # std extra-flags: each installed C++ compiler builds both, the first links and runs
    printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' >"$out/cxx_impl.cpp" || return 1
    for f_cxx_cc in $f_cxx_compilers; do
        f_cxx_extra=$WARN_CXX_CASTS # (tests/warnings.sh)
        [ "$f_cxx_cc" = g++ ] && f_cxx_extra=$WARN_GXX_CASTS
        # shellcheck disable=SC2086
        $f_cxx_cc -std=$1 $2 $WARN $f_cxx_extra -I. -c tests/checks/cxx_macros.cpp -o "$out/cxx_macros.$f_cxx_cc.o" &&
            $f_cxx_cc -std=$1 $2 -Werror -I. -c "$out/cxx_impl.cpp" -o "$out/cxx_impl.$f_cxx_cc.o" || return 1
    done
    f_cxx_cc=${f_cxx_compilers%% *}
    $f_cxx_cc "$out/cxx_macros.$f_cxx_cc.o" "$out/cxx_impl.$f_cxx_cc.o" -o "$out/cxx_macros" && "$out/cxx_macros"
}
f_cxx_compilers=""
for f_cxx_cc in g++ clang++; do
    if command -v $f_cxx_cc >/dev/null 2>&1; then
        f_cxx_compilers="$f_cxx_compilers $f_cxx_cc"
    else
        echo "[c++-macros] skipped: $f_cxx_cc is not installed: its builds are not made"
        add_skipped 1 "c++-macros with $f_cxx_cc"
    fi
done
f_cxx_compilers=${f_cxx_compilers# }
for f_std in c++11 c++20; do
    [ -n "$f_cxx_compilers" ] || break
    f_check "c++-macros-$f_std" f_cxx $f_std ""
    f_check "c++-macros-$f_std-ms32" f_cxx $f_std -DAIO_TIME_32
done
# (and at an RTC's 32,768 Hz, where AIO_MS and AIO_US round up: constant expressions there too)
[ -n "$f_cxx_compilers" ] && f_check "c++-macros-c++11-32768hz" f_cxx c++11 "-DAIO_TIME_32 -DAIO_TICKS_PER_SEC=32768u"
f_rate() { # rate extra-flags
    gcc -std=c11 $WARN -DAIO_TICKS_PER_SEC=$1 $2 tests/checks/tick_rates.c -o "$out/tick_rates" &&
        "$out/tick_rates"
}
for f_rate_hz in 32768u 1024u 100u 1000u 1000000u; do
    f_check "tick-rate-$f_rate_hz" f_rate $f_rate_hz ""
    f_check "tick-rate-$f_rate_hz-ms32" f_rate $f_rate_hz -DAIO_TIME_32
done
f_cleanup() { # the mistake in C and C++, then the same file without it
    f_cleanup_src=$out/cleanup_await.c
    for f_cleanup_mistake in "AIO_YIELD(t);" "AIO_RETURN(t, 1);"; do
        printf '%s\n' '#include "aio_timeout.h"' \
            'typedef struct { aio_task task; aio_timeout tr; int n; } st;' \
            'aio_status co(aio_task *t) {' '    st *s = AIO_SELF(t, st);' '    AIO_BEGIN(t);' \
            '    AIO_TRY(t, &s->tr) { AIO_YIELD(t); }' \
            "    AIO_CLEANUP(t, &s->tr) { s->n++; MISTAKE }" '    AIO_END(t);' '}' |
            sed "s/MISTAKE/$f_cleanup_mistake/" >"$f_cleanup_src"
        if gcc -std=c11 $WARN -I. -c "$f_cleanup_src" -o "$out/cleanup_await.o" >"$out/cleanup_await.log" 2>&1; then
            echo "gcc compiled $f_cleanup_mistake inside AIO_CLEANUP"; return 1
        fi
        grep -q aio_cleanup_cannot_await "$out/cleanup_await.log" ||
            { echo "gcc's error does not name aio_cleanup_cannot_await"; cat "$out/cleanup_await.log"; return 1; }
        if g++ -x c++ -std=c++17 $WARN -I. -c "$f_cleanup_src" -o "$out/cleanup_await.o" >"$out/cleanup_await.log" 2>&1; then
            echo "g++ compiled $f_cleanup_mistake inside AIO_CLEANUP"; return 1
        fi
        grep -q aio_cleanup_cannot_await "$out/cleanup_await.log" ||
            { echo "g++'s error does not name aio_cleanup_cannot_await"; cat "$out/cleanup_await.log"; return 1; }
    done
    sed 's/ MISTAKE//; s/ AIO_RETURN(t, 1);//' "$f_cleanup_src" >"$out/cleanup_ok.c"
    gcc -std=c11 $WARN -I. -c "$out/cleanup_ok.c" -o "$out/cleanup_ok.o" ||
        { echo "the file without the mistake does not compile"; return 1; }
    grep -v AIO_CLEANUP "$out/cleanup_ok.c" >"$out/try_alone.c"
    if gcc -std=c11 $WARN -I. -c "$out/try_alone.c" -o "$out/try_alone.o" >/dev/null 2>&1; then
        echo "gcc compiled an AIO_TRY without its AIO_CLEANUP"; return 1
    fi
    echo "an await or AIO_RETURN in a cleanup, or a try without its cleanup, does not compile"
}
f_check cleanup-cannot-await f_cleanup
add_counts $f_pass $f_fail
