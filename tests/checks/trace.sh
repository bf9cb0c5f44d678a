# SPDX-License-Identifier: MIT
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tools/aio_trace.py, the timeline tool (docs/timeline.md), by
# tests/trace/test_aio_trace.py (`make trace-check` runs it alone): the JSON of
# the sample traces against the Trace Event Format and against the samples'
# records, the SVG's structure, malformed traces, and the SVG as headless
# Chromium draws it, read back from the screenshot's pixels. Each test is a
# check. Without Chromium (apt-get install chromium), or when it does not run,
# the picture's tests print SKIPPED and count neither as passed nor as failed.
# Needs python3; without it, skipped.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[trace] skipped: python3 is not installed"
else
    python3 tests/trace/test_aio_trace.py >"$out/trace.out" 2>&1
    tr_status=$?
    tr_line=$(tail -n 1 "$out/trace.out")
    tr_pass=$(echo "$tr_line" | sed -n 's/^trace: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1/p')
    tr_fail=$(echo "$tr_line" | sed -n 's/^trace: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2/p')
    tr_skip=$(echo "$tr_line" | sed -n 's/^trace: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\3/p')
    if [ -z "$tr_pass" ] || [ -z "$tr_fail" ]; then
        echo "[trace] FAILED: tests/trace/test_aio_trace.py did not finish (exit $tr_status):"
        tail -n 20 "$out/trace.out" | sed 's/^/    /'
        add_counts 0 1
    else
        sed -n '/^FAILED /,/^\(ok\|SKIPPED\|trace:\) /{/^\(ok\|trace:\) /d;p}' "$out/trace.out" |
            sed 's/^FAILED /[trace] FAILED: /' | head -n 60
        if [ "$tr_skip" -gt 0 ]; then
            echo "[trace] SKIPPED (not counted): $tr_skip tests of the picture: $(grep '^SKIPPED ' "$out/trace.out" |
                head -n 1 | sed 's/^SKIPPED [^:]*: //')"
        fi
        echo "[trace] tools/aio_trace.py: $tr_pass of $((tr_pass + tr_fail)) tests passed (the JSON, the SVG," \
            "malformed traces$([ "$tr_skip" -eq 0 ] && echo ", the picture in Chromium"))"
        [ "$tr_status" -ne 0 ] && [ "$tr_fail" -eq 0 ] && { echo "[trace] FAILED: exit status $tr_status"; tr_fail=1; }
        add_counts "$tr_pass" "$tr_fail"
    fi
fi
