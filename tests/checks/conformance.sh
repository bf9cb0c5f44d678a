# SPDX-License-Identifier: MIT
# Stage: the conformance scenarios on CPython's asyncio and on the header
# Conformance against CPython's asyncio (tests/conformance/README.md): every
# scenario in tests/conformance/scenarios/ runs on CPython's asyncio and on the
# header, and the traces must agree. Sourced by tests/run_matrix.sh; needs
# CPython 3.11 or later, skipped (and counted nothing) without one.
conf_cc=cc
command -v gcc >/dev/null 2>&1 && conf_cc=gcc
conf_log="$out/conformance.log"
CC=$conf_cc sh tests/conformance/run -q >"$conf_log" 2>&1
conf_status=$?
if [ "$conf_status" -eq 3 ]; then
    echo "[conformance] skipped: $(tail -n 1 "$conf_log")"
    add_skipped 2 "conformance: the scenarios and every program of up to 3 steps (no CPython 3.11 or later)"
else
    stage_note=$(sed -n 's/^conformance: .* is \(CPython [0-9.]*\)$/\1/p' "$conf_log" | head -n 1)
    conf_line=$(grep '^conformance: [0-9]* scenarios' "$conf_log" | tail -n 1)
    conf_pass=$(echo "$conf_line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    conf_fail=$(echo "$conf_line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    grep '^FAIL ' "$conf_log" | sed 's/^/[conformance] /'
    if [ -z "$conf_pass" ] || [ -z "$conf_fail" ]; then
        echo "[conformance] did not finish (exit $conf_status):"
        tail -n 5 "$conf_log" | sed 's/^/    /'
        add_counts 0 1
    else
        echo "[conformance] $(sed -n 's/^conformance: \(.* is CPython [0-9.]*\)$/\1:/p' "$conf_log" | head -n 1)" \
            "$conf_pass of $((conf_pass + conf_fail)) scenarios agree with it"
        add_counts "$conf_pass" "$conf_fail"
    fi
fi

# Every program of up to 3 steps (tests/conformance/README.md, "Every small
# program"): a few thousand, a few seconds; CI runs the bound 5.
if [ "$conf_status" -ne 3 ]; then
    exh_log="$out/conformance-exhaustive.log"
    CC=$conf_cc sh tests/conformance/run --exhaustive 3 --summary "$out/conformance-exhaustive-3.txt" \
        >"$exh_log" 2>&1
    exh_status=$?
    exh_line=$(grep '^exhaustive: [0-9]* agree' "$exh_log" | tail -n 1)
    exh_dis=$(echo "$exh_line" | sed -n 's/.* \([0-9]*\) disagree$/\1/p')
    if [ "$exh_status" -eq 0 ] && [ "$exh_dis" = 0 ]; then
        echo "[conformance] every program of up to 3 steps: $(grep '^exhaustive: bound' "$exh_log" |
            sed 's/^exhaustive: bound 3, depth 3, //; s/ in .*//'); $exh_line" | sed 's/exhaustive: //'
        add_counts 1 0
    else
        echo "[conformance] every program of up to 3 steps: not all agree (exit $exh_status):"
        grep -v '^      ' "$exh_log" | head -n 20 | sed 's/^/    /'
        add_counts 0 1
    fi
fi

# Generated programs (tests/conformance/README.md, "Random scenarios"): 10,000
# of one seed, about 15 s; the judge never excuses a task that the library
# asked to cancel ending with success where CPython's ends cancelled. CI
# runs 30,000 more on CPython 3.13.
if [ "$conf_status" -ne 3 ]; then
    rnd_log="$out/conformance-random.log"
    CC=$conf_cc sh tests/conformance/run --random 10000 --seed 71 -q >"$rnd_log" 2>&1
    rnd_status=$?
    rnd_line=$(grep '^random: seed' "$rnd_log" | tail -n 1)
    grep '^DISAGREE ' "$rnd_log" | sed 's/^/[conformance] /'
    if [ "$rnd_status" -eq 0 ] && [ -n "$rnd_line" ]; then
        echo "[conformance] $(echo "$rnd_line" | sed 's/^random: //; s/ (.*//')"
        add_counts 1 0
    else
        echo "[conformance] generated programs: not all agree (exit $rnd_status):"
        grep -v '^ ' "$rnd_log" | grep -v '^Traceback\|^RuntimeError\|^Exception' | tail -n 5 | sed 's/^/    /'
        add_counts 0 1
    fi
fi
