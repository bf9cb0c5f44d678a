# SPDX-License-Identifier: MIT
# Stage: the fuzzers' corpora and regressions replayed
# Fuzzer inputs for `make test` (sourced by tests/run_matrix.sh; see
# tests/fuzz/README.md): the committed seed corpus and every input that once
# found a bug (tests/fuzz/regressions/) replay without libFuzzer, built with
# gcc in the 64-bit and the 32-bit tick configurations; the I/O slot
# fuzzer's (tests/fuzz/corpus-io/, tests/fuzz/regressions-io/) with epoll and
# with poll(); and the server fuzzer's programs drawn from fixed seeds
# (--random, with epoll and with poll()). One check per input and
# configuration (per run of drawn programs); a violated invariant prints its
# message.
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
fz_replay fuzz-replay-ms32 tests/fuzz/fuzz_schedule.c "$fz_schedule" -DAIO_TIME_32 -DAIO__COUNT_WORDS
fz_replay fuzz-replay-io tests/fuzz/fuzz_io.c "$fz_io"
fz_replay fuzz-replay-io-poll tests/fuzz/fuzz_io.c "$fz_io" -DAIO_IO_POLL
# The server fuzzer: no corpus kept, programs drawn from a seed instead.
fz_server() { # name flags...
    fz_name=$1
    shift
    if ! gcc -std=c11 -O1 $WARN -DAIO_DEBUG -DFUZZ_REPLAY -I. "$@" tests/fuzz/fuzz_server.c \
        -o "$out/$fz_name" 2>"$out/$fz_name.log"; then
        echo "[$fz_name] FAILED to build:"; sed 's/^/    /' "$out/$fz_name.log" | head -20
        add_counts 0 1
        return
    fi
    if "$out/$fz_name" --random 1500 71 >"$out/$fz_name.out" 2>&1; then
        echo "[$fz_name] $(tail -n 1 "$out/$fz_name.out") (1,500 drawn from seed 71)"
        add_counts 1 0
    else
        echo "[$fz_name] FAILED:"; grep -a -v '^aio_timeout:' "$out/$fz_name.out" | tail -n 3 | sed 's/^/    /'
        add_counts 0 1
    fi
}
fz_server fuzz-server
fz_server fuzz-server-poll -DAIO_IO_POLL
