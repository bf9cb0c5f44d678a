# SPDX-License-Identifier: MIT
# Stage: the schedule fuzzer's corpus and regressions replayed
# Schedule-fuzzer inputs for `make test` (sourced by tests/run_matrix.sh; see
# tests/fuzz/README.md): the committed seed corpus and every input that once
# found a bug (tests/fuzz/regressions/) replay without libFuzzer, built with
# gcc in the 64-bit and the 32-bit tick configurations. One check per input
# and configuration; a violated invariant prints its message.
fz_replay() { # name flags...
    fz_name=$1
    shift
    if ! gcc -std=c11 -O1 $WARN -DAIO_DEBUG -DFUZZ_REPLAY -I. "$@" tests/fuzz/fuzz_schedule.c \
        -o "$out/$fz_name" 2>"$out/$fz_name.log"; then
        echo "[$fz_name] FAILED to build:"; sed 's/^/    /' "$out/$fz_name.log" | head -20
        add_counts 0 1
        return
    fi
    fz_pass=0
    fz_fail=0
    for fz_input in tests/fuzz/corpus/* tests/fuzz/regressions/*; do
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
fz_replay fuzz-replay
fz_replay fuzz-replay-ms32 -DAIO_TIME_32
