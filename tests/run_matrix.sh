#!/bin/sh
# SPDX-License-Identifier: MIT
# make test: build and run the unit tests in every configuration the README
# promises (gcc and clang, C11 and C++17, -O0 and -O2, plus the 32-bit
# millisecond tick build, a release build, poll() instead of epoll, and Linux
# taken as macOS and the BSDs are, AIO_NO_LINUX), then the
# README's example and the demo, then every check in tests/checks/.
#
#   sh tests/run_matrix.sh              every stage
#   sh tests/run_matrix.sh guide ports  only these stages (names: --list)
#   UNIT="gcc-c11-O0 clang-c11-nolinux-counted-O2" sh tests/run_matrix.sh unit
#                                       only these configurations of the unit tests
#   UNIT_JOBS=1 sh tests/run_matrix.sh unit
#                                       one configuration at a time (the default: one more
#                                       side by side than there are processors)
#   TEST_JOBS=1 sh tests/run_matrix.sh  one stage at a time (the default: the unit stage,
#                                       then the others side by side, below)
#
# Each stage prints a line when it starts, `[3/14] conformance: ... ...`, and one
# when it ends, `[3/14] conformance (CPython 3.13.0) ... 41 s: 131 passed, 0 failed`
# (side by side, a stage's lines come together as it ends).
# Before the last lines, one names what was skipped (a compiler, a cross
# toolchain or an interpreter not installed); skipped checks count neither as
# passed nor as failed. Ends with the total, "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
out=build/tests
mkdir -p "$out"
# The warning flags (tests/warnings.sh): $WARN for every build, and
# $(uninit_warnings COMPILER) for the ones that catch part of the locals rule
# (README, "The model"), as that compiler spells them.
. tests/warnings.sh
WARN=$WARN_BASE
SRC="tests/main.c tests/impl.c $(ls tests/test_*.c | tr "\n" " ")"
total_pass=0
total_fail=0
total_skip=0
skipped=""
configs=0
per_config=0
per_least=""
per_most=0
broken=""
extra=0

# Counting, for the stages here and the scripts of tests/checks/.
add_counts() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); extra=$((extra + $1 + $2)); }
add_skipped() { # count what: checks that did not run (their line says why)
    total_skip=$((total_skip + $1))
    skipped="$skipped${skipped:+; }$2"
}

# "41 s", "2 min 5 s"
duration() {
    if [ "$1" -lt 60 ]; then echo "$1 s"; else echo "$(($1 / 60)) min $(($1 % 60)) s"; fi
}

# The stages: unit, demo, then one per script of tests/checks/ (its name).
all_stages="unit demo"
for check in tests/checks/*.sh; do
    [ -f "$check" ] && all_stages="$all_stages $(basename "$check" .sh)"
done
if [ "${1:-}" = --list ]; then
    echo "$all_stages" | tr ' ' '\n'
    exit 0
fi
stages=${*:-$all_stages}
for want in $stages; do
    case " $all_stages " in
    *" $want "*) ;;
    *) echo "run_matrix.sh: no stage named $want (stages: $all_stages)"; exit 2 ;;
    esac
done
stage_count=$(echo $stages | wc -w)
stage_k=0
stage_title() { # name: what the stage runs, from its script's "# Stage:" line
    case $1 in
    unit) echo "the unit tests with gcc and clang, C11 and C++17, -O0 and -O2, 32-bit ticks, release, -Os, bodies built for speed on a library built for size, poll(), allocations counted, the macOS and BSD paths" ;;
    demo) echo "the README's example and the demo" ;;
    *) sed -n 's/^# Stage: *//p' "tests/checks/$1.sh" | head -n 1 ;;
    esac
}
stage_begin() { # name
    stage_k=$((stage_k + 1))
    stage_name=$1 stage_note=""
    stage_t0=$(date +%s)
    stage_p0=$total_pass stage_f0=$total_fail stage_s0=$total_skip
    echo "[$stage_k/$stage_count] $1: $(stage_title "$1") ..."
}
stage_end() { # a stage may have set stage_note (e.g. the interpreter it used)
    stage_s=$((total_skip - stage_s0))
    echo "[$stage_k/$stage_count] $stage_name${stage_note:+ ($stage_note)} ... $(duration $(($(date +%s) - stage_t0))):" \
        "$((total_pass - stage_p0)) passed, $((total_fail - stage_f0)) failed$([ $stage_s -gt 0 ] && echo ", $stage_s skipped")"
}
t_start=$(date +%s)

# The unit configurations build and run side by side, as many at once as the
# machine has processors and one more (a suite waits on sockets, children and
# threads part of its time; UNIT_JOBS sets another number): run() queues one, and
# unit_results() runs the queue and reports each in the order queued.
queued=""
# The readiness waits a program may ask for, an option each: the AIO_IO_NAME of
# every `#ifdef AIO_IO_NAME` block of parts/frame/impl.h (docs/internals.md, "A new
# readiness wait"). The unit suite below and the waits stage build each one,
# so a new wait needs no line here.
wait_options() { sed -n 's/^#ifdef \(AIO_IO_[A-Z0-9_]*\)$/\1/p' parts/frame/impl.h; }
run() { # name compiler flags...
    name=$1; shift
    case " ${UNIT:-$name} " in *" $name "*) ;; *) return ;; esac
    command -v "$1" >/dev/null 2>&1 || { echo "[$name] skipped: $1 is not installed"; add_skipped 1 "$name"; return; }
    # the job: build, run (a broken scheduler shows up as a hang: 5 minutes at most),
    # keep the exit status and the seconds it took
    {
        echo 'run_t0=$(date +%s)'
        printf '%s' 'if '; for a in "$@"; do printf "'%s' " "$a"; done
        echo "-o '$out/$name' $SRC -lm 2>'$out/$name.log'; then"
        echo "    timeout 300 '$out/$name' >'$out/$name.out' 2>&1; echo \$? >'$out/$name.status'"
        echo "else echo build >'$out/$name.status'; fi"
        echo "echo \$((\$(date +%s) - run_t0)) >'$out/$name.time'"
    } >"$out/$name.job"
    rm -f "$out/$name.status" "$out/$name.time"
    queued="$queued $name"
}
unit_results() {
    [ -n "$queued" ] || return 0
    jobs=${UNIT_JOBS:-$(($(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1) + 1))}
    for name in $queued; do echo "$out/$name.job"; done | xargs -n 1 -P "$jobs" sh
    for name in $queued; do
        status=$(cat "$out/$name.status" 2>/dev/null || echo build)
        if [ "$status" = build ]; then
            echo "[$name] BUILD FAILED:"; sed 's/^/    /' "$out/$name.log" | head -30
            broken="$broken $name"; continue
        fi
        line=$(tail -n 1 "$out/$name.out")
        grep -E '^(FAIL|    )' "$out/$name.out" | head -40
        p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
        f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
        if [ -z "$p" ] || [ -z "$f" ]; then
            echo "[$name] did not finish (exit $status):"; tail -n 5 "$out/$name.out" | sed 's/^/    /'
            broken="$broken $name"; continue
        fi
        [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && { broken="$broken $name"; echo "[$name] exit status $status"; }
        echo "[$name] $p passed, $f failed ($(duration "$(cat "$out/$name.time")"))"
        configs=$((configs + 1)); per_config=$((p + f))
        # (a configuration may have tests the others have not: the counted allocator's)
        [ -z "$per_least" ] || [ "$per_config" -lt "$per_least" ] && per_least=$per_config
        [ "$per_config" -gt "$per_most" ] && per_most=$per_config
        total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    done
    queued=""
}

stage_unit() {
    for cc in gcc clang; do
        case $cc in gcc) cxx=g++ ;; clang) cxx=clang++ ;; esac
        command -v $cc >/dev/null 2>&1 || { echo "[$cc] skipped: $cc is not installed (its 4 configurations)"
                                            add_skipped 4 "$cc configurations"; continue; }
        for opt in -O0 -O2; do
            run "$cc-c11$opt" $cc -std=c11 $opt $WARN $(uninit_warnings $cc) -DAIO_DEBUG
            run "$cc-cxx17$opt" $cxx -x c++ -std=c++17 $opt $WARN $(uninit_warnings $cxx) -DAIO_DEBUG
        done
    done
    # two of them with the header's allocator counting (tests/counted_alloc.h): every
    # block a test's allocations took is freed by its end, none freed another way
    # (and the child processes as on macOS and the BSDs: no pidfd, no close_range)
    # (and, as 32-bit ticks have them on an 8- or 16-bit CPU, the never-wrapping
    # counts as two words: AIO__COUNT_WORDS)
    run "gcc-c11-ms32-sigchld-counted-O2" gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_TIME_32 \
        -DAIO__COUNT_WORDS -DAIO_NO_PIDFD -DAIO_NO_CLOSE_RANGE -DTEST_COUNTED_ALLOC
    run "clang-cxx17-ms32-O0" clang++ -x c++ -std=c++17 -O0 $WARN $(uninit_warnings clang++) -DAIO_DEBUG -DAIO_TIME_32 \
        -DAIO__COUNT_WORDS
    run "gcc-c11-release-O2" gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -DNDEBUG
    # what firmware compiles: -Os takes the library's smaller code paths
    run "gcc-c11-ms32-release-Os" gcc -std=c11 -Os $WARN $(uninit_warnings gcc) -DNDEBUG -DAIO_TIME_32
    # the tests' bodies built for speed on a library built as -Os builds it (tests/impl.c)
    run "gcc-c11-size-library-O2" gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DTEST_IMPL_FOR_SIZE
    # I/O through each wait a program may pick instead of epoll (AIO_IO_POLL: poll(),
    # what systems other than Linux get), and every test's loop traced (tests/main.c,
    # TEST_TRACED): the instruments change nothing. A wait whose part does not fit
    # this system (its #error says so) is skipped, saying so.
    for opt in $(wait_options); do # (AIO_IO_POLL: gcc-c11-poll-traced-counted-O2)
        if printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' |
            gcc -std=c11 -D$opt -I. -fsyntax-only -x c - 2>&1 | grep -q "is picked where the system is not"; then
            echo "[unit] skipped: $opt: its wait does not fit this system"
            add_skipped 1 "unit suite with $opt (not this system's wait)"
            continue
        fi
        run "gcc-c11-$(echo "${opt#AIO_IO_}" | tr 'A-Z' 'a-z')-traced-counted-O2" gcc -std=c11 -O2 $WARN \
            $(uninit_warnings gcc) -DAIO_DEBUG -D$opt -DTEST_TRACED -DTEST_COUNTED_ALLOC
    done
    # Linux taken as a POSIX system without its extensions, as macOS and the BSDs
    # are (AIO_NO_LINUX): poll(), SIGCHLD, no syscall(), descriptors made then
    # marked close-on-exec, no MSG_NOSIGNAL, no abstract socket names, /dev/fd
    run "clang-c11-nolinux-counted-O2" clang -std=c11 -O2 $WARN $(uninit_warnings clang) -DAIO_DEBUG -DAIO_NO_LINUX \
        -DTEST_COUNTED_ALLOC
    unit_results
}

# The README's example and the demo must print what they promise.
check_output() { # name expected-file build-command... (the program is $out/$name)
    name=$1; expected=$2; shift 2
    if "$@" -o "$out/$name" 2>"$out/$name.log" && "$out/$name" --virtual >"$out/$name.out" 2>&1 &&
        cmp -s "$out/$name.out" "$expected"; then
        echo "[$name] output as expected"; add_counts 1 0
    else
        echo "[$name] FAILED: output differs from $expected"; diff "$expected" "$out/$name.out" | head -20
        add_counts 0 1
    fi
}
stage_demo() {
    check_output readme-example tests/readme.expected gcc -std=c11 $WARN $(uninit_warnings gcc) -I. "$out/readme_example.c"
    check_output demo tests/demo.expected gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -I. examples/demo.c
}
# the README's first C block (tests/checks/coroutines.sh reads it too), written
# by the first process only (a stage run side by side reads it)
[ -n "${RUN_MATRIX_ONE:-}" ] ||
    awk '/^```c$/{f=1;next} /^```$/{if(f)exit} f' README.md >"$out/readme_example.c"

# More checks (examples, conformance, ...): each script in tests/checks/ runs
# its checks, prints a line per check and calls `add_counts PASSED FAILED`
# (and `add_skipped COUNT WHAT` for those it could not run).
run_stage() { # name: in this shell
    stage_begin "$1"
    case $1 in
    unit) stage_unit ;;
    demo) stage_demo ;;
    *) . "tests/checks/$1.sh" ;;
    esac
    stage_end
}

# One stage of a run side by side (below): this process runs it alone, its
# output going to a file the first process prints, and leaves its totals
# beside it.
if [ -n "${RUN_MATRIX_ONE:-}" ]; then
    stage_k=$((RUN_MATRIX_K - 1)) stage_count=$RUN_MATRIX_OF
    run_stage "$RUN_MATRIX_ONE"
    printf '%s\n' "$skipped" >"$out/stages/$RUN_MATRIX_ONE.skipped"
    echo "$total_pass $total_fail $total_skip $extra" >"$out/stages/$RUN_MATRIX_ONE.counts"
    exit 0
fi

# The stages side by side, TEST_JOBS at once (the processors, unless set: on
# two cores, in a fresh clone, three at once took as long as two, 13.3 min,
# with 10% more processor time):
# the unit stage first and alone (its configurations already take every
# processor), then the rest, each a process of its own, the longest started
# first (the times of the last run, in build/tests/stages/); each stage's
# lines are printed whole as it ends, under its number. One at a time
# (TEST_JOBS=1, or one stage), each runs in this shell as it always did.
test_jobs=${TEST_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
case " $stages " in
*" unit "*) run_stage unit; stages_left=$(echo " $stages " | sed 's/ unit / /') ;;
*) stages_left=$stages ;;
esac
stages_left=$(echo $stages_left)
if [ "$test_jobs" -le 1 ] || [ "$(echo $stages_left | wc -w)" -le 1 ]; then
    for stage in $stages_left; do run_stage "$stage"; done
else
    mkdir -p "$out/stages"
    k=$stage_k
    for stage in $stages_left; do
        k=$((k + 1))
        rm -f "$out/stages/$stage.counts" "$out/stages/$stage.skipped" "$out/stages/$stage.ended"
        echo "$k" >"$out/stages/$stage.k"
    done
    # the longest first: the seconds each took last time here, else what it
    # takes on two cores (a stage not listed: a few seconds)
    for stage in $stages_left; do
        secs=$(cat "$out/stages/$stage.seconds" 2>/dev/null) ||
            case $stage in
            tls) secs=270 ;; coroutines) secs=75 ;; guide) secs=120 ;; embedded) secs=115 ;;
            examples) secs=110 ;; sim) secs=65 ;; strict | waits) secs=60 ;; fuzz | servers | showcase) secs=55 ;;
            faults) secs=50 ;; server_limits) secs=40 ;; *) secs=10 ;;
            esac
        echo "$secs $stage"
    done | sort -rn | while read -r _ stage; do echo "$stage"; done >"$out/stages/order"
    # (each job: the stage with its output in NAME.log, then NAME.ended whatever happened)
    RUN_MATRIX_OF=$stage_count xargs -n 1 -P "$test_jobs" sh -c '
        t0=$(date +%s)
        RUN_MATRIX_ONE=$1 RUN_MATRIX_K=$(cat "$0/stages/$1.k") sh tests/run_matrix.sh >"$0/stages/$1.log" 2>&1
        echo $(($(date +%s) - t0)) >"$0/stages/$1.seconds"
        : >"$0/stages/$1.ended"' "$out" <"$out/stages/order" &
    stages_pid=$!
    trap 'kill $stages_pid 2>/dev/null; exit 130' INT TERM
    stage_told() { # name: its lines and its totals (a stage that ended without them failed)
        cat "$out/stages/$1.log" 2>/dev/null
        if [ -f "$out/stages/$1.counts" ] && read -r p f s e <"$out/stages/$1.counts"; then
            total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) extra=$((extra + e))
            [ "$s" -gt 0 ] && add_skipped "$s" "$(cat "$out/stages/$1.skipped")"
        else
            echo "[$1] FAILED: the stage ended before its totals (build/tests/stages/$1.log)"
            total_fail=$((total_fail + 1)) extra=$((extra + 1))
        fi
    }
    left=$stages_left
    while [ -n "$left" ]; do
        alive=1
        kill -0 $stages_pid 2>/dev/null || alive=0 # (then every stage that will end has)
        next=""
        for stage in $left; do
            if [ -f "$out/stages/$stage.ended" ] || [ $alive = 0 ]; then stage_told "$stage"; else next="$next $stage"; fi
        done
        left=$next
        [ -z "$left" ] || sleep 1
    done
    wait $stages_pid
    trap - INT TERM
fi

if [ -n "$broken" ]; then
    echo "broken configurations:$broken"
    total_fail=$((total_fail + 1))
fi
[ "$total_skip" -gt 0 ] && echo "$total_skip skipped (not counted; their lines above say why): $skipped"
case " $stages " in
*" unit "*) echo "${per_least:-0}$([ "$per_most" != "${per_least:-0}" ] && echo " to $per_most") unit tests in each of" \
                 "$configs configurations, plus $extra other checks," \
                 "in $(duration $(($(date +%s) - t_start)))" ;;
*) echo "stages $(echo $stages | tr ' ' ','): $((total_pass + total_fail)) checks in $(duration $(($(date +%s) - t_start)))" ;;
esac
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
