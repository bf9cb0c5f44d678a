# SPDX-License-Identifier: MIT
# Stage: example 21 in a simulation: its bug found and replayed by seed, its fix over 10,000 seeds, real sockets
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# examples/21_request_reply.c (docs/simulation.md), built with gcc -O2, run in
# a directory of its own (the runner writes its trace there):
# 1. the buggy version under `--sim 1000` exits with status 1 and says on
#    stderr which seed failed and why, and how to replay it (AIO_SIM_SEED=N);
#    the failing run's trace is written, and tools/aio_trace.py draws it;
# 2. AIO_SIM_SEED=N replays that seed: the same failure, the same trace (its
#    addresses numbered in order of appearance), no warning that it ran
#    another way;
# 3. the fixed version (`--fixed --sim 10000`) passes 10,000 seeds;
# 4. both versions on real sockets on 127.0.0.1, on the real clock, print
#    examples/expected/21_request_reply.txt, compared without the times (no
#    reply is late there: the server answers in 50 ms, the client waits 0.5 s).
# One line per check; counts via add_counts.
se_dir="$out/simulation_example"
rm -rf "$se_dir"
mkdir -p "$se_dir"
se_pass=0
se_fail=0
se_ok() { echo "[simulation-example] $1"; se_pass=$((se_pass + 1)); }
se_bad() { echo "[simulation-example] FAILED: $1"; se_fail=$((se_fail + 1)); }
se_bin="$PWD/$se_dir/21_request_reply"
# a trace with its hex ids numbered in order of appearance (they are addresses)
se_ids() { awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^0x/) { if (!($i in id)) id[$i] = "t" ++n; $i = id[$i] } print }' "$1"; }
se_untimed() { sed 's/^\[ *[0-9][0-9]*\.[0-9][0-9]s\] //' "$1"; }

if ! gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -I. examples/21_request_reply.c -o "$se_bin" 2>"$se_dir/build.log"; then
    se_bad "examples/21_request_reply.c does not build:"; sed 's/^/    /' "$se_dir/build.log" | head -20
else
    # 1. the bug, found
    (cd "$se_dir" && timeout 60 "$se_bin" --sim 1000 >sim.out 2>sim.err)
    se_status=$?
    se_seed=$(sed -n 's/^aio_sim: seed \([0-9][0-9]*\) failed after [0-9][0-9]* run(s): request .* took the reply .*/\1/p' \
        "$se_dir/sim.err" | head -n 1)
    if [ $se_status -eq 1 ] && [ -n "$se_seed" ] &&
        grep -q "^aio_sim: replay it: AIO_SIM_SEED=$se_seed " "$se_dir/sim.err" &&
        grep -q "^# seed $se_seed failed: request " "$se_dir/aio-sim-trace.txt" 2>/dev/null; then
        se_ok "the buggy version fails at seed $se_seed of 1000, says why and how to replay it, and writes its trace"
    else
        se_bad "the buggy version under --sim 1000 (exit $se_status) did not report a failing seed and its trace:"
        sed 's/^/    /' "$se_dir/sim.err" "$se_dir/sim.out" | head -10
        se_seed=
    fi
    if [ -z "$se_seed" ]; then
        se_bad "no seed to replay"
    elif ! command -v python3 >/dev/null 2>&1; then
        echo "[simulation-example] skipped: python3 is not installed: the trace is not drawn"
        add_skipped 1 "example 21's trace drawn by tools/aio_trace.py (python3)"
    elif python3 tools/aio_trace.py "$se_dir/aio-sim-trace.txt" --svg "$se_dir/run.svg" >"$se_dir/svg.log" 2>&1 &&
        grep -q '>client<' "$se_dir/run.svg" && grep -q '>server<' "$se_dir/run.svg"; then
        se_ok "tools/aio_trace.py draws the failing run's trace, a lane for the client and one for the server"
    else
        se_bad "tools/aio_trace.py does not draw the failing run's trace:"; sed 's/^/    /' "$se_dir/svg.log" | head -5
    fi
    # 2. the same failure, replayed
    if [ -n "$se_seed" ]; then
        mv "$se_dir/aio-sim-trace.txt" "$se_dir/first-trace.txt"
        (cd "$se_dir" && AIO_SIM_SEED=$se_seed timeout 60 "$se_bin" --sim 1000 >replay.out 2>replay.err)
        se_status=$?
        if [ $se_status -eq 1 ] &&
            [ "$(grep '^aio_sim: seed' "$se_dir/replay.err" | sed 's/ after [0-9]* run(s)//')" = \
              "$(grep '^aio_sim: seed' "$se_dir/sim.err" | sed 's/ after [0-9]* run(s)//')" ] &&
            ! grep -q "did not run the same way" "$se_dir/replay.err" &&
            [ "$(se_ids "$se_dir/aio-sim-trace.txt")" = "$(se_ids "$se_dir/first-trace.txt")" ]; then
            se_ok "AIO_SIM_SEED=$se_seed replays it: the same failure, the same trace"
        else
            se_bad "AIO_SIM_SEED=$se_seed (exit $se_status) did not replay the failure the same way:"
            sed 's/^/    /' "$se_dir/replay.err" | head -5
        fi
    fi
    # 3. the fix, over 10,000 seeds
    (cd "$se_dir" && timeout 120 "$se_bin" --fixed --sim 10000 >fixed.out 2>fixed.err)
    se_status=$?
    if [ $se_status -eq 0 ] && [ "$(cat "$se_dir/fixed.out")" = "sim: 0 of 10000 seeds failed" ] &&
        [ ! -s "$se_dir/fixed.err" ]; then
        se_ok "the fixed version passes 10,000 seeds"
    else
        se_bad "the fixed version under --sim 10000 (exit $se_status):"
        sed 's/^/    /' "$se_dir/fixed.out" "$se_dir/fixed.err" | head -5
    fi
    # 4. real sockets, the real clock
    se_untimed examples/expected/21_request_reply.txt >"$se_dir/expected.untimed"
    for se_flag in "" --fixed; do
        timeout 30 "$se_bin" $se_flag >"$se_dir/real$se_flag.out" 2>"$se_dir/real$se_flag.err"
        se_status=$?
        se_untimed "$se_dir/real$se_flag.out" >"$se_dir/real$se_flag.untimed"
        if [ $se_status -eq 0 ] && cmp -s "$se_dir/real$se_flag.untimed" "$se_dir/expected.untimed"; then
            se_ok "21_request_reply${se_flag:+ $se_flag} on 127.0.0.1, real clock: the lines of examples/expected/21_request_reply.txt"
        else
            se_bad "21_request_reply${se_flag:+ $se_flag} on 127.0.0.1 (exit $se_status): its lines differ:"
            diff "$se_dir/expected.untimed" "$se_dir/real$se_flag.untimed" | head -10
            sed 's/^/    /' "$se_dir/real$se_flag.err" | head -5
        fi
    done
fi
add_counts "$se_pass" "$se_fail"
