# SPDX-License-Identifier: MIT
# Stage: the timeline tool on its samples and in Chromium; the trace demo recorded and drawn
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

# The instruments end to end: examples/trace_demo.c records its run with the
# header's recorder and writes the text, the tool reads it. One check: the
# tracks, the blocks' outcomes and the arrow are those of the program's story
# (fetch_all's 1 s block times out and its gather cancels fetch_c, whose own
# 2 s block ends ok; fetch_b's 500 ms block times out; fetch_a's ends ok).
if command -v python3 >/dev/null 2>&1; then
    if gcc -std=c11 -O2 $WARN -I. examples/trace_demo.c -o "$out/trace_demo" 2>"$out/trace_demo.log" &&
        "$out/trace_demo" >"$out/trace_demo.txt" &&
        python3 tools/aio_trace.py "$out/trace_demo.txt" --json "$out/trace_demo.json" \
            --svg "$out/trace_demo.svg" >>"$out/trace_demo.log" 2>&1 &&
        python3 - "$out/trace_demo.json" >>"$out/trace_demo.log" 2>&1 <<'PY'
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
name = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert sorted(name.values()) == ["fetch_a", "fetch_all", "fetch_b", "fetch_c", "loop", "watchdog"], name
blocks = sorted((name[e["tid"]], e["args"]["kind"], e["args"]["status"], e["ts"], e["dur"])
                for e in ev if e["ph"] == "X" and e.get("cat") == "block")
assert blocks == [("fetch_a", "timeout", 0, 0, 200000), ("fetch_all", "timeout", -2, 0, 1100000),
                  ("fetch_b", "timeout", -2, 0, 500000), ("fetch_c", "shielded", 0, 1000000, 100000),
                  ("fetch_c", "timeout", 0, 0, 1000000)], blocks
flows = [(e["ph"], name[e["tid"]], e["ts"]) for e in ev if e["ph"] in "sf"]
assert flows == [("s", "fetch_all", 1000000), ("f", "fetch_c", 1000000)], flows
ends = {name[e["tid"]]: e["args"]["status"] for e in ev if e["ph"] == "i" and e.get("cat") == "end"}
assert ends == {"fetch_all": 0, "watchdog": 0, "fetch_a": 200, "fetch_b": 0, "fetch_c": -1}, ends
PY
    then
        echo "[trace] examples/trace_demo.c: its recorded run, drawn: the tracks, blocks, cancel arrow and ends of its story"
        add_counts 1 0
    else
        echo "[trace] FAILED: examples/trace_demo.c recorded and drawn:"; tail -n 15 "$out/trace_demo.log" | sed 's/^/    /'
        add_counts 0 1
    fi
fi

# The same across the wrap of 32-bit ticks (AIO_TIME_32, the build whose ring a
# board dumps to a UART): a 500 ms block entered 96 ms before the clock wraps,
# by a task whose label has a space. One check: the tool draws one block of
# 500 ms that times out, its deadline 500 ms after its entry, the idle wait as
# long, the label as given, and nothing truncated.
if command -v python3 >/dev/null 2>&1; then
    cat >"$out/trace_wrap.c" <<'C'
#define AIO_TIME_32
#define AIO_INSTRUMENTS 1
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#include "aio_timeout.h"
#include <stdio.h>
static aio_timeout block;
static aio_status main_task(aio_task *t) {
    AIO_BEGIN(t);
    aio_trace_name(t, "main task");
    AIO_TIMEOUT(t, &block, AIO_MS(500)) { AIO_SLEEP(t, AIO_SEC(1)); }
    AIO_END(t);
}
int main(void) {
    static aio_timer timers[4];
    static aio_trace_record ring[64];
    static aio_task m;
    aio_recorder rec;
    aio_loop loop;
    aio_loop_init(&loop, timers, 4);
    aio_loop_use_virtual_clock(&loop, 4294967200u);
    aio_recorder_init(&rec, ring, 64);
    aio_loop_set_instrument(&loop, aio_recorder_hook, &rec);
    if (aio_run(&loop, &m, main_task) != AIO_OK) return 1;
    aio_recorder_dump(&rec, aio_trace_fputs, stdout);
    return aio_loop_destroy(&loop) != AIO_OK;
}
C
    if gcc -std=c11 -O2 $WARN -I. "$out/trace_wrap.c" -o "$out/trace_wrap" 2>"$out/trace_wrap.log" &&
        "$out/trace_wrap" >"$out/trace_wrap.txt" &&
        python3 tools/aio_trace.py "$out/trace_wrap.txt" --json "$out/trace_wrap.json" \
            --svg "$out/trace_wrap.svg" >>"$out/trace_wrap.log" 2>&1 &&
        python3 - "$out/trace_wrap.json" >>"$out/trace_wrap.log" 2>&1 <<'PY'
import json, sys
trace = json.load(open(sys.argv[1]))
ev = trace["traceEvents"]
name = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert sorted(name.values()) == ["loop", "main task"], name
blocks = [(e["args"]["kind"], e["args"]["status"], e["dur"], e["args"]["deadline"])
          for e in ev if e["ph"] == "X" and e.get("cat") == "block"]
assert blocks == [("timeout", -2, 500000, "500 ms")], blocks
idles = [(e["dur"], e["args"]["until"]) for e in ev if e["ph"] == "X" and e.get("cat") == "idle"]
assert idles == [(500000, "500 ms")], idles
assert trace["otherData"]["truncated"] is False and "note" not in trace["otherData"], trace["otherData"]
PY
    then
        echo "[trace] 32-bit ticks across their wrap, recorded and drawn: one 500 ms block, its deadline, a label with a space"
        add_counts 1 0
    else
        echo "[trace] FAILED: 32-bit ticks across their wrap, recorded and drawn:"
        tail -n 15 "$out/trace_wrap.log" | sed 's/^/    /'
        add_counts 0 1
    fi
fi
