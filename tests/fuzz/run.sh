#!/bin/sh
# `make fuzz`: run the schedule fuzzer (libFuzzer, with AddressSanitizer and
# UndefinedBehaviorSanitizer) for FUZZ_SECONDS on the 64-bit nanosecond build
# and, at the same time, the 32-bit millisecond build that crosses the tick
# wrap. Then report executions, coverage and the slowest input, and the line
# coverage of the header's implementation reached by the corpus.
# A failing input lands in build/fuzz/ (crash-*); tests/fuzz/README.md says
# how to read it and turn it into a regression.
set -u
cd "$(dirname "$0")/../.."
SECONDS_64=${FUZZ_SECONDS:-120}
SECONDS_32=${FUZZ_SECONDS_32:-$SECONDS_64}
out=build/fuzz
mkdir -p "$out/corpus" "$out/corpus-ms32"

# clang's libFuzzer runtime comes with libclang-rt-14-dev on Debian 12
probe="$out/probe.c"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >"$probe"
if ! clang -fsanitize=fuzzer "$probe" -o "$out/probe" 2>/dev/null; then
    echo "installing clang's fuzzer runtime (libclang-rt-14-dev)"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    clang -fsanitize=fuzzer "$probe" -o "$out/probe" || { echo "no libFuzzer runtime"; exit 1; }
fi

WARN="-Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror"
FLAGS="-std=c11 -O1 -g $WARN -DAIO_DEBUG -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
clang $FLAGS tests/fuzz/fuzz_schedule.c -o "$out/fuzz" || exit 1
clang $FLAGS -DAIO_TIME_32 tests/fuzz/fuzz_schedule.c -o "$out/fuzz-ms32" || exit 1

# Both builds at once (two cores); each writes its new inputs to its own
# corpus under build/ and starts from the committed seeds and regressions.
run() { # binary seconds corpus log
    "$1" -max_total_time="$2" -max_len=512 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/" "$3" tests/fuzz/corpus tests/fuzz/regressions >"$4" 2>&1
}
echo "fuzzing for ${SECONDS_64} s (64-bit ns) and ${SECONDS_32} s (32-bit ms ticks)..."
run "$out/fuzz" "$SECONDS_64" "$out/corpus" "$out/fuzz.log" &
pid64=$!
run "$out/fuzz-ms32" "$SECONDS_32" "$out/corpus-ms32" "$out/fuzz-ms32.log" &
pid32=$!
wait $pid64; rc64=$?
wait $pid32; rc32=$?

report() { # name log rc
    fz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }
    cov=$(grep -E 'DONE +cov:' "$2" | tail -n 1 | sed 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/\1 edges, \2 features, \3 inputs in the corpus/')
    echo "[$1] $(fz_stat number_of_executed_units "$2") executions ($(fz_stat average_exec_per_sec "$2")/s)," \
         "${cov:-coverage not reported}; slowest input under $(( $(fz_stat slowest_unit_time_sec "$2") + 1 )) s," \
         "peak memory $(fz_stat peak_rss_mb "$2") MB"
    if [ "$3" -ne 0 ]; then
        echo "[$1] FAILED:"; grep -E 'invariant violated|ERROR|SUMMARY|Test unit written' "$2" | head -n 8 | sed 's/^/    /'
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$2" | tail -n 1)
        [ -n "$crash" ] && [ -f "$crash" ] && python3 tests/fuzz/decode.py "$crash" | sed 's/^/    /'
    fi
}
report fuzz "$out/fuzz.log" $rc64
report fuzz-ms32 "$out/fuzz-ms32.log" $rc32

# Which lines of the implementation the corpus reaches (gcov of a replay build).
cov="$out/cov"
rm -rf "$cov"; mkdir -p "$cov"
if gcc -std=c11 -O0 --coverage -DAIO_DEBUG -DFUZZ_REPLAY tests/fuzz/fuzz_schedule.c -o "$cov/replay" 2>/dev/null &&
    "$cov/replay" "$out/corpus" tests/fuzz/corpus tests/fuzz/regressions >/dev/null 2>&1; then
    line=$(cd "$cov" && gcov -n -o . replay-fuzz_schedule.gcda 2>/dev/null |
           grep -A1 "aio_timeout.h'" | sed -n 's/Lines executed:\(.*\)/\1/p')
    echo "[fuzz-coverage] aio_timeout.h lines executed by the corpus: ${line:-unknown}"
fi
[ $rc64 -eq 0 ] && [ $rc32 -eq 0 ]
