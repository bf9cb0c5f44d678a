#!/bin/sh
# SPDX-License-Identifier: MIT
# `make fuzz`: run the schedule fuzzer (libFuzzer, with AddressSanitizer and
# UndefinedBehaviorSanitizer) for FUZZ_SECONDS on the 64-bit nanosecond build
# and, at the same time, the 32-bit millisecond build that crosses the tick
# wrap; then the I/O slot fuzzer (fuzz_io.c) for half that time on the epoll
# build and, at the same time, the poll() build (AIO_IO_POLL); then the
# server fuzzer (fuzz_server.c) the same way. Then report
# executions, coverage and the slowest input of each, and the line coverage
# of the header's implementation reached by each corpus.
# A failing input lands in build/fuzz/ (crash-*); tests/fuzz/README.md says
# how to read it and turn it into a regression.
#
# Settings (environment or make variables):
#   FUZZ_SECONDS=n       how long each build runs (120); FUZZ_SECONDS_32 for the 32-bit one
#   FUZZ_IO_SECONDS=n    how long each build of the I/O slot fuzzer runs (FUZZ_SECONDS / 2);
#                        the server fuzzer's, half that
#   FUZZ_RUNS=n          a campaign the same on any machine: n executions per schedule build
#                        (FUZZ_IO_RUNS, n / 2, per I/O build; FUZZ_SERVER_RUNS, n / 80, per
#                        server build) from a seed the commit gives
#                        (FUZZ_SEED=s to choose it), the committed corpus only (CI's way)
#   FUZZ_ONLY=schedule   run only that fuzzer (schedule, io or server)
#   FUZZ_HEADER_DIR=dir  fuzz the aio_timeout.h in dir instead of the repository's
#   FUZZ_SEEDS=0         start from an empty corpus (no committed seeds or regressions)
#   FUZZ_KEEP_GOING=1    do not stop at the first failure: keep every failing input
#                        and list them with the time it took to find each
#   FUZZ_OUT=dir         where corpora, logs and failing inputs go (build/fuzz)
#   FUZZ_REPORT_ONLY=1   no fuzzing: report again on what an earlier run in FUZZ_OUT found
set -u
cd "$(dirname "$0")/../.."
SECONDS_64=${FUZZ_SECONDS:-120}
SECONDS_32=${FUZZ_SECONDS_32:-$SECONDS_64}
SECONDS_IO=${FUZZ_IO_SECONDS:-$(( (SECONDS_64 + 1) / 2 ))}
ONLY=${FUZZ_ONLY:-}
case $ONLY in "" | schedule | io | server) ;; *) echo "FUZZ_ONLY is schedule, io or server, not $ONLY"; exit 1 ;; esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; } # whether fuzzer $1 runs
HEADER_DIR=${FUZZ_HEADER_DIR:-.}
out=${FUZZ_OUT:-build/fuzz}
[ -f "$HEADER_DIR/aio_timeout.h" ] || { echo "no aio_timeout.h in $HEADER_DIR"; exit 1; }
mkdir -p "$out/corpus" "$out/corpus-ms32" "$out/corpus-io" "$out/corpus-io-poll"

# clang's libFuzzer runtime comes with libclang-rt-14-dev on Debian 12
probe="$out/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$probe"
if ! clang -fsanitize=fuzzer "$probe" -o "$out/probe" 2>/dev/null; then
    echo "installing clang's fuzzer runtime (libclang-rt-14-dev)"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    clang -fsanitize=fuzzer "$probe" -o "$out/probe" || { echo "no libFuzzer runtime"; exit 1; }
fi

# A header from before group notices and handed permits lacks their fields;
# one from before the loop remembered which hook allocated its timers has a flag.
HDEFS=""
grep -q 'unheard' "$HEADER_DIR/aio_timeout.h" || HDEFS="-DFUZZ_PRE_NOTICES"
grep -q 'heap_owned' "$HEADER_DIR/aio_timeout.h" && HDEFS="$HDEFS -DFUZZ_HEAP_OWNED"
# one from before the task holding the loop was named lacks the state reset between inputs
grep -q 'aio__holder_run' "$HEADER_DIR/aio_timeout.h" || HDEFS="$HDEFS -DFUZZ_PRE_STATE"
. tests/warnings.sh # (the warning flags)
WARN=$WARN_BASE
FLAGS="-std=c11 -O1 -g $WARN -DAIO_DEBUG $HDEFS -I$HEADER_DIR -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# The I/O slot fuzzer needs neither: it reads no group or timer storage field. A header from
# before streams had a transport, or before they grew, has its streams fixed and over the socket.
HDEFS_IO=""
grep -q 'aio_stream_set_transport' "$HEADER_DIR/aio_timeout.h" || HDEFS_IO="-DFUZZ_PRE_TRANSPORT"
grep -q 'aio_stream_init_growing' "$HEADER_DIR/aio_timeout.h" || HDEFS_IO="$HDEFS_IO -DFUZZ_PRE_GROWING"
grep -q 'aio__stream_kept' "$HEADER_DIR/aio_timeout.h" || HDEFS_IO="$HDEFS_IO -DFUZZ_PRE_KEPT"
FLAGS_IO="-std=c11 -O1 -g $WARN -DAIO_DEBUG $HDEFS_IO -I$HEADER_DIR -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
rc64=0
rc32=0
rcio=0
rcpoll=0
rcsrv=0
rcsrvpoll=0
seeds="tests/fuzz/corpus tests/fuzz/regressions"
seeds_io="tests/fuzz/corpus-io tests/fuzz/regressions-io"
[ "${FUZZ_SEEDS:-1}" = 0 ] && seeds="" && seeds_io=""
# The builds side by side (build, then built waits for them all; each is
# one compiler process).
builds=""
build() { "$@" & builds="$builds $!"; }
built() { for b in $builds; do wait "$b" || exit 1; done; builds=""; }
if [ "${FUZZ_REPORT_ONLY:-0}" != 1 ]; then
if want schedule; then
    build clang $FLAGS tests/fuzz/fuzz_schedule.c -o "$out/fuzz"
    build clang $FLAGS -DAIO_TIME_32 tests/fuzz/fuzz_schedule.c -o "$out/fuzz-ms32"
fi
if want io; then
    build clang $FLAGS_IO tests/fuzz/fuzz_io.c -o "$out/fuzz-io"
    build clang $FLAGS_IO -DAIO_IO_POLL tests/fuzz/fuzz_io.c -o "$out/fuzz-io-poll"
fi
if want server; then
    build clang $FLAGS_IO tests/fuzz/fuzz_server.c -o "$out/fuzz-server"
    build clang $FLAGS_IO -DAIO_IO_POLL tests/fuzz/fuzz_server.c -o "$out/fuzz-server-poll"
fi
built

# Two builds at once (two cores); each writes its new inputs to its own
# corpus under $out and starts from the committed seeds and regressions.
keep=""
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
# FUZZ_RUNS: a campaign that is the same on every machine, however fast or
# loaded: a number of executions instead of a time, libFuzzer's seed taken
# from the commit (FUZZ_SEED), no corpus of an earlier run, no reloading, and
# the addresses of the process fixed (setarch -R; a few features count the
# length of a message that prints an address). A failure CI saw is then
# found again by the same command on the same commit.
RUNS=${FUZZ_RUNS:-}
fixed=""
if [ -n "$RUNS" ]; then
    SEED=${FUZZ_SEED:-$(( 0x$(git rev-parse --short=7 HEAD 2>/dev/null || echo 1) % 2000000000 + 1 ))}
    setarch -R true 2>/dev/null && fixed="setarch -R"
    [ -n "$fixed" ] || echo "(setarch -R is refused here: the campaign may differ from another machine's)"
    rm -rf "$out/corpus" "$out/corpus-ms32" "$out/corpus-io" "$out/corpus-io-poll"
    mkdir -p "$out/corpus" "$out/corpus-ms32" "$out/corpus-io" "$out/corpus-io-poll"
fi
run() { # binary seconds-or-runs seed-offset corpus log artifact-prefix seeds...
    bin=$1 amount=$2 offset=$3 corpus=$4 log=$5 prefix=$6
    shift 6
    if [ -n "$RUNS" ]; then
        how="-runs=$amount -seed=$((SEED + offset)) -reload=0"
    else
        how="-max_total_time=$amount"
    fi
    # shellcheck disable=SC2086 # $fixed, $keep and $how are lists
    $fixed "$bin" $keep $how -max_len=512 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$prefix" "$corpus" "$@" >"$log" 2>&1
}
# What an earlier run found is moved to $out/earlier/, so that this run
# reports only the inputs it found itself.
for d in found found-ms32 found-io found-io-poll found-server found-server-poll; do
    if [ -d "$out/$d" ] && [ -n "$(ls -A "$out/$d")" ]; then
        mkdir -p "$out/earlier"
        mv "$out/$d" "$out/earlier/$d-$(cat "$out/started" 2>/dev/null || echo 0)"
    fi
done
mkdir -p "$out/found" "$out/found-ms32" "$out/found-io" "$out/found-io-poll" "$out/found-server" \
    "$out/found-server-poll" "$out/corpus-server" "$out/corpus-server-poll"
date +%s >"$out/started"
A64=$SECONDS_64 A32=$SECONDS_32 AIO=$SECONDS_IO ASRV=$(( (SECONDS_IO + 1) / 2 )) UNIT=s
if [ -n "$RUNS" ]; then
    A64=$RUNS A32=$RUNS AIO=${FUZZ_IO_RUNS:-$(( (RUNS + 1) / 2 ))} UNIT=executions
    ASRV=${FUZZ_SERVER_RUNS:-$(( (RUNS + 79) / 80 ))} # (an execution: a server's whole run, many times longer)
    echo "a campaign of a fixed size: libFuzzer's seeds $SEED to $((SEED + 3)), one a build"
fi
if want schedule; then
    echo "fuzzing $HEADER_DIR/aio_timeout.h for ${A64} $UNIT (64-bit ns) and ${A32} $UNIT (32-bit ms ticks)..."
    # shellcheck disable=SC2086 # $seeds is a list
    run "$out/fuzz" "$A64" 0 "$out/corpus" "$out/fuzz.log" "$out/found/" $seeds &
    pid64=$!
    # shellcheck disable=SC2086
    run "$out/fuzz-ms32" "$A32" 1 "$out/corpus-ms32" "$out/fuzz-ms32.log" "$out/found-ms32/" $seeds &
    pid32=$!
    wait $pid64; rc64=$?
    wait $pid32; rc32=$?
fi
if want io; then
    echo "fuzzing the I/O slots of $HEADER_DIR/aio_timeout.h for ${AIO} $UNIT (epoll) and ${AIO} $UNIT (poll)..."
    date +%s >"$out/started-io"
    # shellcheck disable=SC2086 # $seeds_io is a list
    run "$out/fuzz-io" "$AIO" 2 "$out/corpus-io" "$out/fuzz-io.log" "$out/found-io/" $seeds_io &
    pidio=$!
    # shellcheck disable=SC2086
    run "$out/fuzz-io-poll" "$AIO" 3 "$out/corpus-io-poll" "$out/fuzz-io-poll.log" "$out/found-io-poll/" \
        $seeds_io &
    pidpoll=$!
    wait $pidio; rcio=$?
    wait $pidpoll; rcpoll=$?
fi
if want server; then
    echo "fuzzing the servers of $HEADER_DIR/aio_timeout.h for ${ASRV} $UNIT (epoll) and ${ASRV} $UNIT (poll)..."
    date +%s >"$out/started-server"
    run "$out/fuzz-server" "$ASRV" 4 "$out/corpus-server" "$out/fuzz-server.log" "$out/found-server/" &
    pidsrv=$!
    run "$out/fuzz-server-poll" "$ASRV" 5 "$out/corpus-server-poll" "$out/fuzz-server-poll.log" \
        "$out/found-server-poll/" &
    pidsrvpoll=$!
    wait $pidsrv; rcsrv=$?
    wait $pidsrvpoll; rcsrvpoll=$?
fi
fi

# What each failing input broke: a replay build (no sanitizer, quick) names the
# violated invariant; if it names none, the fuzzer itself runs the input and
# says what the sanitizer saw and where in the header.
builds=""
build gcc -std=c11 -O1 -DAIO_DEBUG -DFUZZ_REPLAY $HDEFS "-I$HEADER_DIR" tests/fuzz/fuzz_schedule.c -o "$out/replay"
build gcc -std=c11 -O1 -DAIO_DEBUG -DFUZZ_REPLAY -DAIO_TIME_32 $HDEFS "-I$HEADER_DIR" tests/fuzz/fuzz_schedule.c \
    -o "$out/replay-ms32"
build gcc -std=c11 -O1 -DAIO_DEBUG -DFUZZ_REPLAY $HDEFS_IO "-I$HEADER_DIR" tests/fuzz/fuzz_io.c -o "$out/replay-io"
build gcc -std=c11 -O1 -DAIO_DEBUG -DFUZZ_REPLAY -DAIO_IO_POLL $HDEFS_IO "-I$HEADER_DIR" tests/fuzz/fuzz_io.c \
    -o "$out/replay-io-poll"
build gcc -std=c11 -O1 -DAIO_DEBUG -DFUZZ_REPLAY "-I$HEADER_DIR" tests/fuzz/fuzz_server.c -o "$out/replay-server"
build gcc -std=c11 -O1 -DAIO_DEBUG -DFUZZ_REPLAY -DAIO_IO_POLL "-I$HEADER_DIR" tests/fuzz/fuzz_server.c \
    -o "$out/replay-server-poll"
built
what_broke() { # fuzzer replay input
    { "$2" "$3" >/dev/null 2>"$out/what.txt"; } 2>/dev/null
    msg=$(grep -a -m 1 'invariant violated' "$out/what.txt" | sed 's/^.*invariant violated/invariant violated/')
    if [ -n "$msg" ]; then echo "$msg"; return; fi
    { "$1" "$3" >/dev/null 2>"$out/what.txt"; } 2>/dev/null
    msg=$(grep -a -m 1 -E 'invariant violated|ERROR: AddressSanitizer|runtime error|ERROR: libFuzzer' \
          "$out/what.txt" | sed 's/^.*invariant violated/invariant violated/; s/^==[0-9]*==//; s/ (pc .*T0)//')
    where=$(grep -a -m 1 -E '^ +#[0-9]+ .* in aio_[a-z_0-9]+ .*aio_timeout.h' "$out/what.txt" |
            sed 's/^.* in \(aio_[a-z_0-9]*\) .*aio_timeout.h:\([0-9]*\).*/ (in \1, line \2)/')
    case $msg in invariant*) where="" ;; esac  # an invariant names what broke itself
    echo "$msg$where"
}

report() { # name log rc found-dir fuzzer replay decoder
    fz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
    cov=$(grep -a -E '(DONE|cov:) ' "$2" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 edges, \2 features, \3 inputs in the corpus/p')
    execs=$(fz_stat number_of_executed_units "$2")
    [ -n "$execs" ] || execs=$(grep -a -E '^#[0-9]+' "$2" | tail -n 1 | sed 's/^#\([0-9]*\).*/\1/')
    slowest=$(fz_stat slowest_unit_time_sec "$2")
    seed=$(grep -a -m 1 'INFO: Seed:' "$2" | sed 's/.*Seed: *//') # (-seed= runs it again)
    echo "[$1] ${execs:-?} executions (seed ${seed:-?}), ${cov:-coverage not reported};" \
         "slowest input under $(( ${slowest:-0} + 1 )) s, peak memory $(fz_stat peak_rss_mb "$2") MB"
    n=0 shown=
    start=$(cat "$out/started")
    case $1 in fuzz-io*) start=$(cat "$out/started-io" 2>/dev/null || echo "$start") ;; esac
    case $1 in fuzz-server*) start=$(cat "$out/started-server" 2>/dev/null || echo "$start") ;; esac
    : >"$out/$1.found"
    for crash in "$4"/crash-* "$4"/timeout-* "$4"/leak-*; do
        [ -f "$crash" ] || continue
        n=$((n + 1))
        [ -n "${shown:-}" ] || shown=$crash # (the program printed below)
        at=$(( $(stat -c %Y "$crash") - start ))
        # executions by then: the last progress line of the log before that time
        ex=$(grep -a -E '^#[0-9]+: .* time: [0-9]+s' "$2" |
             awk -v t="$at" '{ for (i = 1; i <= NF; i++) if ($i == "time:") { s = $(i + 1) + 0 } }
                             s <= t { e = substr($1, 2) + 0 } END { print e + 0 }')
        printf '%s\t%s\t%s\t%s\n' "$at" "$ex" "$crash" "$(what_broke "$5" "$6" "$crash")" >>"$out/$1.found"
    done
    # the first input of each kind (the same message, numbers aside), oldest first
    if [ "$n" -gt 0 ]; then
        echo "[$1] $n failing inputs (all listed in $out/$1.found); the first of each kind:"
        # (the I/O slot fuzzer's kinds leave out which await: AIO_RECV, AIO_SEND_ALL, ...)
        sort -n "$out/$1.found" | awk -F '\t' -v name="$1" '
            { kind = $4; gsub(/0x[0-9a-f]+/, "0x..", kind); gsub(/[0-9]+/, "N", kind)
              if (name ~ /^fuzz-io/) gsub(/AIO_(RECV|WAIT_READABLE|WAIT_WRITABLE|SEND_ALL|READ_SOME|READ_EXACTLY|ACCEPT)/, "an await", kind)
              if (!(kind in first)) { first[kind] = NR; order[++k] = kind; line[kind] = $0 } count[kind]++ }
            END { for (i = 1; i <= k; i++) { split(line[order[i]], f, "\t")
                      printf "[%s]   after %s s (about %s executions; %d like it): %s\n         %s\n",
                             name, f[1], f[2], count[order[i]], f[4], f[3] } }'
    fi
    if [ "$3" -ne 0 ] && [ "$n" -eq 0 ]; then
        echo "[$1] FAILED:"; grep -a -E 'invariant violated|ERROR|SUMMARY' "$2" | head -n 8 | sed 's/^/    /'
    fi
    if [ "$n" -gt 0 ] && [ "${FUZZ_KEEP_GOING:-0}" != 1 ]; then
        python3 "tests/fuzz/$7" "$shown" | sed 's/^/    /'
        printf '%s\t%s\t%s\n' "$1" "$6" "$shown" >>"$out/shown.list"
    fi
    [ "$n" -eq 0 ]
}
: >"$out/shown.list"
ok=0
if want schedule; then
    report fuzz "$out/fuzz.log" $rc64 "$out/found" "$out/fuzz" "$out/replay" decode.py || ok=1
    report fuzz-ms32 "$out/fuzz-ms32.log" $rc32 "$out/found-ms32" "$out/fuzz-ms32" "$out/replay-ms32" decode.py || ok=1
fi
if want io; then
    report fuzz-io "$out/fuzz-io.log" $rcio "$out/found-io" "$out/fuzz-io" "$out/replay-io" decode_io.py || ok=1
    report fuzz-io-poll "$out/fuzz-io-poll.log" $rcpoll "$out/found-io-poll" "$out/fuzz-io-poll" \
        "$out/replay-io-poll" decode_io.py || ok=1
fi
if want server; then
    report fuzz-server "$out/fuzz-server.log" $rcsrv "$out/found-server" "$out/fuzz-server" "$out/replay-server" \
        decode_server.py || ok=1
    report fuzz-server-poll "$out/fuzz-server-poll.log" $rcsrvpoll "$out/found-server-poll" \
        "$out/fuzz-server-poll" "$out/replay-server-poll" decode_server.py || ok=1
fi

# Which lines of the implementation the corpus reaches (gcov of a replay build).
# (an input that fails ends its replay without the counts: then each input
# is replayed alone, and the counts add up)
coverage() { # name source gcda what dirs...
    name=$1 src=$2 gcda=$3 what=$4
    shift 4
    cov="$out/cov-$name"
    rm -rf "$cov"; mkdir -p "$cov"
    gcc -std=c11 -O0 --coverage -DAIO_DEBUG -DFUZZ_REPLAY $HDEFS "-I$HEADER_DIR" "$src" -o "$cov/replay" \
        2>/dev/null || return
    note=""
    if ! "$cov/replay" "$@" >/dev/null 2>&1; then
        find "$@" -type f | while read -r input; do "$cov/replay" "$input" >/dev/null 2>&1; done
        note=" (some inputs fail)"
    fi
    line=$(cd "$cov" && gcov -n -o . "$gcda" 2>/dev/null |
           grep -A1 "aio_timeout.h'" | sed -n 's/Lines executed:\(.*\)/\1/p')
    echo "[$name] aio_timeout.h lines executed by $what: ${line:-unknown}$note"
}
# shellcheck disable=SC2086 # $seeds and $seeds_io are lists
want schedule && coverage fuzz-coverage tests/fuzz/fuzz_schedule.c replay-fuzz_schedule.gcda "the corpus" \
    "$out/corpus" $seeds
# shellcheck disable=SC2086
want io && coverage fuzz-io-coverage tests/fuzz/fuzz_io.c replay-fuzz_io.gcda "the I/O corpus" \
    "$out/corpus-io" $seeds_io
# Last, so that the end of a log cut short still holds it: each failing input
# printed above, as its bytes, to replay where only the log is left.
while IFS="$(printf '\t')" read -r name replay input; do
    echo "[$name] the input printed above, base64 (to replay it: echo '...' | base64 -d >in && $replay in):"
    echo "    $(base64 -w 0 "$input")"
done <"$out/shown.list"
[ $rc64 -eq 0 ] && [ $rc32 -eq 0 ] && [ $rcio -eq 0 ] && [ $rcpoll -eq 0 ] && [ $rcsrv -eq 0 ] &&
    [ $rcsrvpoll -eq 0 ] && [ $ok -eq 0 ]
