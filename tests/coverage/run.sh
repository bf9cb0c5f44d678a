#!/bin/sh
# SPDX-License-Identifier: MIT
# make coverage (tests/README.md): line and branch coverage of
# aio_timeout.h over the unit tests, the conformance scenarios, the examples
# and the demo, with gcc --coverage, counted once across every translation
# unit and configuration that compiles a line (lcov merges them).
#
#   tests/coverage/run.sh [--lines PCT] [--branches PCT]
#
# Configurations (each line of the header counts once, wherever it ran):
#   debug    -O0 -DAIO_DEBUG: the unit tests (with the allocator counted,
#            tests/counted_alloc.h, and out of memory at each allocation of
#            test_threads_out_of_memory in turn), the C runner of the conformance
#            scenarios over tests/conformance/scenarios, every example with
#            --virtual, the demo with --virtual (stdout against the expected
#            output; debug messages, such as the cancellation 04_wait
#            swallows on purpose, go to stderr.log)
#   ms32     -O0 -DAIO_DEBUG -DAIO_TIME_32 -DAIO_NO_PIDFD -DAIO_NO_CLOSE_RANGE:
#            the unit tests (wrapping ticks; children's exits told by SIGCHLD,
#            their descriptors closed one by one)
#   release  -O0 without AIO_DEBUG: the unit tests
#   traced   -O0 -DAIO_DEBUG -DTEST_TRACED: the unit tests, each loop traced
#   shared   -O0 -DAIO_DEBUG with AIO_CRITICAL_ENTER/EXIT defined as memory
#            barriers (as for events set from interrupt handlers; a barrier
#            is code, so the lines of the critical sections count): the unit
#            tests, and the system idle hook's wake-up pipe
#   poll     -O0 -DAIO_DEBUG -DAIO_IO_POLL -DTEST_TRACED: the I/O tests, through poll(), traced,
#            and test_threads_out_of_memory (the allocator counted)
#   threads  events set from other threads (tests/threads/event_threads.c):
#            the system idle hook and its wake-up pipe; a server shared by
#            two loops on two threads (tests/threads/server_share.c)
#   rates    tests/checks/tick_rates.c at 32768 ticks/s, 64- and 32-bit
#            (AIO_MS, AIO_US as functions)
#   nostdlib tests/coverage/no_stdlib.c with AIO_NO_STDLIB (no C library)
#   sim      -O0 -DAIO_DEBUG -DAIO_SIMULATION: tests/sim/test_sim.c, the
#            simulation (and, outside one, the system's sockets, threads and
#            names through the same calls: the hooks' other side)
#   tls-*    TLS on a stream, where the engines are installed: tests/tls/test_tls.c
#            on OpenSSL (-DAIO_DEBUG, and -DNDEBUG) and on Mbed TLS
#            (-DAIO_DEBUG -DAIO_TLS_MBEDTLS), with certificates tests/tls/certs.sh
#            makes; examples/tls/22_https_fetch.c --virtual on OpenSSL; and
#            tests/tls/test_tls_engine.c (a toy engine, -DAIO_TLS alone) with them
# Branches on a line with AIO_ASSERT( are not counted: an assertion's failing
# side is a bug, not a path (they are compiled out of release builds).
# Lines that cannot run carry LCOV_EXCL_LINE or LCOV_EXCL_START/STOP, and
# conditions that never go one way LCOV_EXCL_BR_LINE, with the reason beside.
#
# Writes build/coverage/html/index.html and build/coverage/aio_timeout.info,
# prints one line "coverage: lines L% (h of n), branches B% (h of n)" and exits
# 1 below the thresholds (100% of lines, 98% of branches unless told), 2 if a
# run fails.
set -u
cd "$(dirname "$0")/../.."
min_lines=100
min_branches=98
while [ $# -gt 0 ]; do
    case $1 in
    --lines) min_lines=$2; shift 2 ;;
    --branches) min_branches=$2; shift 2 ;;
    *) echo "usage: $0 [--lines PCT] [--branches PCT]"; exit 2 ;;
    esac
done

if ! command -v lcov >/dev/null 2>&1 || ! command -v genhtml >/dev/null 2>&1; then
    echo "coverage: installing lcov"
    sudo=
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends lcov; } >/dev/null ||
        { echo "coverage: lcov did not install (apt-get install lcov)"; exit 2; }
fi

out=build/coverage
rm -rf "$out"
mkdir -p "$out"
root=$(pwd)
CC=${COVERAGE_CC:-gcc}
GCOV=${COVERAGE_GCOV:-gcov}
. tests/warnings.sh # (the warning flags)
COV="-std=c11 -O0 -g --coverage -fprofile-abs-path $WARN_BASE"
UNIT="tests/main.c tests/impl.c $(ls tests/test_*.c | tr '\n' ' ')"
failed=0
# (a run's failure is noted in a file too: the runs go side by side, each in a shell of its own)
fail() { echo "coverage: FAILED: $*"; echo "$*" >>"$out/failures"; failed=1; }
# cov_bg COMMAND...: COMMAND in the background, as many at once as there are
# processors (a token each, taken from a pipe and given back at the end);
# `wait` then waits for them all. Each build writes its own directory.
mkfifo "$out/tokens"
exec 3<>"$out/tokens"
rm -f "$out/tokens" # (open on 3 while the runs need it)
cov_jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
while [ "$cov_jobs" -gt 0 ]; do echo >&3; cov_jobs=$((cov_jobs - 1)); done
cov_bg() {
    read -r _ <&3
    { "$@"; echo >&3; } &
}

# build NAME FLAGS... SOURCES...: into $out/NAME/prog (its .gcda files beside it)
build() {
    b_dir=$out/$1; shift
    mkdir -p "$b_dir"
    $CC $COV "$@" -o "$b_dir/prog" -lm -lpthread 2>"$b_dir/build.log" ||
        { fail "$b_dir does not build"; sed 's/^/    /' "$b_dir/build.log" | head -20; return 1; }
}

# The unit tests in five configurations (the stress test with fewer tasks).
unit() {
    name=$1; shift
    build "$name" "$@" $UNIT || return
    AIO_STRESS_TASKS=20000 timeout 600 "$out/$name/prog" >"$out/$name/run.log" 2>&1 ||
        { fail "unit tests ($name): $(tail -n 1 "$out/$name/run.log")"; grep '^FAIL' "$out/$name/run.log" | head; }
}
# Each run below in the background (cov_bg), the longest first.
cov_bg unit debug -DAIO_DEBUG -DTEST_COUNTED_ALLOC
cov_bg unit ms32 -DAIO_DEBUG -DAIO_TIME_32 -DAIO_NO_PIDFD -DAIO_NO_CLOSE_RANGE
cov_bg unit release -DNDEBUG
cov_bg unit shared -DAIO_DEBUG '-DAIO_CRITICAL_ENTER()=__sync_synchronize()' '-DAIO_CRITICAL_EXIT()=__sync_synchronize()'
cov_bg unit traced -DAIO_DEBUG -DTEST_TRACED

# cov_run NAME LIMIT WHAT BUILD-FLAGS... -- RUN-ARGS...: built, run, its last line told if it fails
cov_run() {
    r_name=$1 r_limit=$2 r_what=$3
    shift 3
    r_flags=""
    while [ "$1" != -- ]; do r_flags="$r_flags $1"; shift; done
    shift
    # shellcheck disable=SC2086 # ($r_flags: flags, split into words)
    build "$r_name" $r_flags || return
    timeout "$r_limit" "$out/$r_name/prog" "$@" >"$out/$r_name/run.log" 2>&1 ||
        fail "$r_what: $(tail -n 1 "$out/$r_name/run.log")"
}
# The fuzzers' inputs that make test runs: the I/O slot fuzzer's corpus and
# regressions, the server fuzzer's programs drawn from seed 71 (epoll, poll).
cov_bg cov_run fuzz-io 300 tests/fuzz/fuzz_io.c -DAIO_DEBUG -DFUZZ_REPLAY -I. tests/fuzz/fuzz_io.c -- \
    tests/fuzz/corpus-io/* tests/fuzz/regressions-io/*
cov_bg cov_run fuzz-server 300 tests/fuzz/fuzz_server.c -DAIO_DEBUG -DFUZZ_REPLAY -I. tests/fuzz/fuzz_server.c -- \
    --random 1500 71
cov_bg cov_run fuzz-server-poll 300 "tests/fuzz/fuzz_server.c (poll)" -DAIO_DEBUG -DFUZZ_REPLAY -DAIO_IO_POLL -I. \
    tests/fuzz/fuzz_server.c -- --random 1500 71

# TLS on a stream, where an engine's headers and the openssl command are
# present (else said, and its sections not counted: nothing compiles them):
# tests/tls/test_tls.c with certificates made now, on OpenSSL (debug and
# release) and on Mbed TLS (debug), and examples/tls/22_https_fetch.c on the
# virtual clock against its expected output.
cov_tls() {
    if ! command -v openssl >/dev/null 2>&1; then
        echo "coverage: TLS not counted: the openssl command is not installed (apt-get install openssl)"
    elif ! sh tests/tls/certs.sh "$out/tls-certs" >"$out/tls-certs.log" 2>&1; then
        fail "tests/tls/certs.sh could not make the certificates"
    else
        tls_cov() { # NAME LIBS FLAGS...: the TLS tests built and run
            t_name=$1 t_libs=$2
            shift 2
            printf '#include <%s>\nint main(void) { return 0; }\n' "$([ "$t_libs" = "-lssl -lcrypto" ] &&
                echo openssl/ssl.h || echo mbedtls/ssl.h)" >"$out/tls-probe.c"
            if ! $CC "$out/tls-probe.c" -o "$out/tls-probe" $t_libs >/dev/null 2>&1; then
                echo "coverage: $t_name not counted: the engine's headers or libraries ($t_libs) are not installed"
                return 1
            fi
            build "$t_name" "$@" tests/tls/test_tls.c $t_libs || return 1
            TLS_CERTS="$out/tls-certs" timeout 300 "$out/$t_name/prog" >"$out/$t_name/run.log" 2>&1 ||
                fail "TLS tests ($t_name): $(tail -n 1 "$out/$t_name/run.log")"
        }
        if tls_cov tls-openssl "-lssl -lcrypto" -DAIO_DEBUG; then
            tls_cov tls-openssl-release "-lssl -lcrypto" -DNDEBUG
            if build ex-22_https_fetch -DAIO_DEBUG -I. examples/tls/22_https_fetch.c -lssl -lcrypto; then
                timeout 60 "$out/ex-22_https_fetch/prog" --virtual "$out/tls-certs/server.pem" "$out/tls-certs/server.key" \
                    "$out/tls-certs/ca.pem" >"$out/ex-22_https_fetch/run.log" 2>&1 &&
                    cmp -s "$out/ex-22_https_fetch/run.log" examples/tls/22_https_fetch.txt ||
                    fail "examples/tls/22_https_fetch.c --virtual does not print examples/tls/22_https_fetch.txt"
            fi
            # An engine of the program's (tests/tls/test_tls_engine.c, AIO_TLS alone):
            # the engine table's checks, the public io calls, a build with no engine.
            if build tls-engine -DAIO_DEBUG tests/tls/test_tls_engine.c; then
                timeout 300 "$out/tls-engine/prog" >"$out/tls-engine/run.log" 2>&1 ||
                    fail "TLS engine tests: $(tail -n 1 "$out/tls-engine/run.log")"
            fi
        fi
        tls_cov tls-mbedtls "-lmbedtls -lmbedx509 -lmbedcrypto" -DAIO_DEBUG -DAIO_TLS_MBEDTLS
    fi
}
cov_bg cov_tls

# The simulation: its tests (their traces go to the build directory).
cov_bg cov_run sim 300 tests/sim/test_sim.c -DAIO_DEBUG -DAIO_SIMULATION tests/sim/test_sim.c -- "$out/sim"

# I/O through poll() instead of epoll, traced: the I/O tests only
cov_poll() {
    build poll -DAIO_DEBUG -DAIO_IO_POLL -DTEST_TRACED -DTEST_COUNTED_ALLOC $UNIT || return
    timeout 300 "$out/poll/prog" test_io >"$out/poll/run.log" 2>&1 ||
        fail "unit tests (poll): $(tail -n 1 "$out/poll/run.log")"
    timeout 300 "$out/poll/prog" test_threads_out_of_memory >"$out/poll/oom.log" 2>&1 ||
        fail "unit tests (poll, out of memory): $(tail -n 1 "$out/poll/oom.log")"
}
cov_bg cov_poll

# The conformance scenarios on the C runner (the traces are compared with
# CPython's by `make test`; here they only run).
cov_interp() {
    build interp -DAIO_DEBUG -I. tests/conformance/interp.c || return
    timeout 300 "$out/interp/prog" tests/conformance/scenarios/*.scn >"$out/interp/run.log" 2>&1 ||
        fail "conformance runner: $(tail -n 1 "$out/interp/run.log")"
    grep -q '^@@ error' "$out/interp/run.log" && fail "conformance runner: a scenario did not parse"
}
cov_bg cov_interp

# The examples and the demo, on the virtual clock, against their expected output.
cov_example() { # name source
    build "ex-$1" -DAIO_DEBUG -I. "$2" || return
    expected=examples/expected/$1.txt
    [ "$1" = demo ] && expected=tests/demo.expected
    timeout 60 "$out/ex-$1/prog" --virtual >"$out/ex-$1/run.log" 2>"$out/ex-$1/stderr.log" &&
        cmp -s "$out/ex-$1/run.log" "$expected" || fail "$2 --virtual does not print $expected"
}
for src in examples/[0-9][0-9]_*.c examples/demo.c; do
    name=$(basename "$src" .c)
    [ "$name" = 13_http_client ] || [ "$name" = 19_http_fetch ] || [ "$name" = 20_command_runner ] ||
        [ "$name" = 30_supervisor ] &&
        continue # the network examples, the command runner and the supervisor run on the real clock
    [ "$name" = 16_echo_server ] || [ "$name" = 17_line_server ] || [ "$name" = 27_line_server_cores ] && continue
    cov_bg cov_example "$name" "$src"
done

# The instruments' demo: a run recorded and written as text.
cov_bg cov_run trace-demo 60 examples/trace_demo.c -I. examples/trace_demo.c --
# Events set from other threads wake a loop asleep in the system idle hook.
cov_bg cov_run threads 60 tests/threads/event_threads.c tests/threads/event_threads.c --
# A server shared by two loops on two threads: as the system shares a port, and handed off.
cov_bg cov_run server-share 120 tests/threads/server_share.c -DAIO_DEBUG tests/threads/server_share.c --
# AIO_MS and AIO_US at a tick rate that is not a multiple of 1000, 64- and 32-bit.
cov_bg cov_run rates64 60 "tests/checks/tick_rates.c (64-bit)" -DAIO_DEBUG -DAIO_TICKS_PER_SEC=32768u \
    tests/checks/tick_rates.c --
cov_bg cov_run rates32 60 "tests/checks/tick_rates.c (32-bit)" -DAIO_DEBUG -DAIO_TICKS_PER_SEC=32768u -DAIO_TIME_32 \
    tests/checks/tick_rates.c --
# Without the C library: the virtual clock, no allocator, no default debug hook.
cov_bg cov_run nostdlib 60 tests/coverage/no_stdlib.c -DAIO_DEBUG -DAIO_NO_STDLIB tests/coverage/no_stdlib.c --

# every run ended (a failure in one of them noted in $out/failures)
wait
[ -s "$out/failures" ] && failed=1

if [ "$failed" -ne 0 ]; then
    echo "coverage: a run failed: no report"
    exit 2
fi

# Collect each configuration (side by side, as the runs were), merge (a line
# counts once, whatever compiled it), keep the header only.
LCOV="lcov --quiet --rc lcov_branch_coverage=1 --rc lcov_excl_br_line=LCOV_EXCL_BR_LINE|AIO_ASSERT\\("
collect() { # dir name
    $LCOV --gcov-tool "$GCOV" --capture --directory "$1" --base-directory "$root" \
        --output-file "$out/$2.raw.info" 2>"$out/$2.lcov.log" || { fail "lcov could not read $1"; return; }
    $LCOV --extract "$out/$2.raw.info" "$root/aio_timeout.h" --output-file "$out/$2.info" \
        2>>"$out/$2.lcov.log" || fail "lcov --extract ($2)"
}
for dir in "$out"/*/; do
    ls "$dir"*.gcda >/dev/null 2>&1 || continue
    cov_bg collect "$dir" "$(basename "$dir")"
done
wait
cat "$out"/*.lcov.log >>"$out/lcov.log" 2>/dev/null
[ -s "$out/failures" ] && failed=1
set --
for info in "$out"/*.info; do
    case $info in *.raw.info) continue ;; esac
    set -- "$@" --add-tracefile "$info"
done
$LCOV "$@" --output-file "$out/aio_timeout.info" 2>>"$out/lcov.log" || fail "lcov could not merge the runs"
[ "$failed" -eq 0 ] || exit 2
genhtml --quiet --branch-coverage --rc lcov_branch_coverage=1 --legend \
    --title "aio_timeout.h" --output-directory "$out/html" "$out/aio_timeout.info" \
    >"$out/genhtml.log" 2>&1 || { echo "coverage: genhtml failed"; tail -n 5 "$out/genhtml.log"; exit 2; }

# One line, and the lines and branches not reached.
awk -F'[:,]' -v min_l="$min_lines" -v min_b="$min_branches" '
    /^LF:/ { lf += $2 } /^LH:/ { lh += $2 } /^BRF:/ { bf += $2 } /^BRH:/ { bh += $2 }
    END {
        pl = lf ? 100 * lh / lf : 100; pb = bf ? 100 * bh / bf : 100
        printf "coverage: lines %.2f%% (%d of %d), branches %.2f%% (%d of %d); html: build/coverage/html/index.html\n",
               pl, lh, lf, pb, bh, bf
        if (lh * 100 < min_l * lf || bh * 100 < min_b * bf) {
            printf "coverage: below the thresholds (lines %s%%, branches %s%%)\n", min_l, min_b
            exit 1
        }
    }' "$out/aio_timeout.info" >"$out/summary.txt"
status=$?
# The lines not run and the branches not taken, one line each, in order.
awk -F'[:,]' '
    /^DA:/ && $3 == 0 { notrun[$2] = 1; seen[$2] = 1 }
    /^BRDA:/ { all[$2]++; if ($5 == "-" || $5 == 0) { missed[$2]++; seen[$2] = 1 } }
    END {
        for (l in seen) {
            what = notrun[l] ? "not run" : ""
            if (missed[l]) what = what (what ? ", " : "") missed[l] " of " all[l] " branches not taken"
            printf "aio_timeout.h:%d: %s\n", l, what
        }
    }' "$out/aio_timeout.info" | sort -t: -k2,2n | head -n "${COVERAGE_LIST:-60}"
cat "$out/summary.txt"
exit $status
