# SPDX-License-Identifier: MIT
# Stage: the fuzzers' corpora and regressions replayed
# Fuzzer inputs for `make test` (sourced by tests/run_matrix.sh; see
# tests/fuzz/README.md): the committed seed corpus and every input that once
# found a bug (tests/fuzz/regressions/) replay without libFuzzer, built with
# gcc in the 64-bit and the 32-bit tick configurations; the I/O slot
# fuzzer's (tests/fuzz/corpus-io/, tests/fuzz/regressions-io/) with epoll and
# with poll(). One check per input and configuration; a violated invariant
# prints its message.
fz_replay() { # name source inputs flags...
    fz_name=$1
    fz_src=$2
    fz_inputs=$3
    shift 3
    if ! gcc -std=c11 -O1 $WARN -DAIO_DEBUG -DFUZZ_REPLAY -I. "$@" "$fz_src" \
        -o "$out/$fz_name" 2>"$out/$fz_name.log"; then
        echo "[$fz_name] FAILED to build:"; sed 's/^/    /' "$out/$fz_name.log" | head -20
        add_counts 0 1
        return
    fi
    fz_pass=0
    fz_fail=0
    for fz_input in $fz_inputs; do
        [ -f "$fz_input" ] || continue
        if "$out/$fz_name" "$fz_input" >"$out/$fz_name.out" 2>&1; then
            fz_pass=$((fz_pass + 1))
        else
            fz_fail=$((fz_fail + 1))
            echo "[$fz_name] FAILED on $fz_input:"; tail -n 3 "$out/$fz_name.out" | sed 's/^/    /'
        fi
    done
    echo "[$fz_name] $fz_pass inputs replayed with every invariant holding, $fz_fail failed"
    add_counts $fz_pass $fz_fail
}
fz_schedule="tests/fuzz/corpus/* tests/fuzz/regressions/*"
fz_io="tests/fuzz/corpus-io/* tests/fuzz/regressions-io/*"
fz_replay fuzz-replay tests/fuzz/fuzz_schedule.c "$fz_schedule"
fz_replay fuzz-replay-ms32 tests/fuzz/fuzz_schedule.c "$fz_schedule" -DAIO_TIME_32
fz_replay fuzz-replay-io tests/fuzz/fuzz_io.c "$fz_io"
fz_replay fuzz-replay-io-poll tests/fuzz/fuzz_io.c "$fz_io" -DAIO_IO_POLL
