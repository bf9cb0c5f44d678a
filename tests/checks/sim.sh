# SPDX-License-Identifier: MIT
# Stage: the simulation (AIO_SIMULATION): its tests with gcc, g++ and clang under ASan and UBSan, a failing seed's trace drawn
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/sim/test_sim.c (-DAIO_SIMULATION -DAIO_DEBUG) in three builds, each a
# check: gcc -std=c11, g++ -x c++ -std=c++17 and clang -std=c11, each with the
# warnings of the unit tests and -fsanitize=address,undefined
# -fno-sanitize-recover=all (an error, a leak of what a run leaves, undefined
# behaviour: the run fails). Each writes its traces to a directory of its own.
# A compiler whose sanitizer runtime is not installed (clang's is a package of
# its own) builds without them, and its line says so.
# Then tools/aio_trace.py reads the trace the runner wrote for the race's
# failing seed (gcc's build): its summary, the JSON and the SVG, the tasks of
# that run and its failure note. Without python3 that check is skipped.
sim_dir="$out/sim"
rm -rf "$sim_dir"
mkdir -p "$sim_dir"
sim_pass=0
sim_fail=0
sim_run() { # name compiler flags...
    sim_name=$1
    shift
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "[sim] $sim_name: skipped: $1 is not installed"
        add_skipped 1 "sim $sim_name"
        return
    fi
    mkdir -p "$sim_dir/$sim_name"
    sim_san="-fsanitize=address,undefined -fno-sanitize-recover=all"
    sim_with="ASan, UBSan"
    echo 'int main(void) { return 0; }' >"$sim_dir/$sim_name/probe.c"
    if ! "$1" $sim_san "$sim_dir/$sim_name/probe.c" -o "$sim_dir/$sim_name/probe" >/dev/null 2>&1; then
        sim_san=
        sim_with="no sanitizers: $1 has no runtime for them here"
    fi
    if ! "$@" -DAIO_SIMULATION -DAIO_DEBUG $sim_san \
        tests/sim/test_sim.c -o "$sim_dir/$sim_name/test_sim" -lm -lpthread 2>"$sim_dir/$sim_name/build.log"; then
        echo "[sim] $sim_name: FAILED: tests/sim/test_sim.c does not build:"
        sed 's/^/    /' "$sim_dir/$sim_name/build.log" | head -n 20
        sim_fail=$((sim_fail + 1))
        return
    fi
    timeout 300 "$sim_dir/$sim_name/test_sim" "$sim_dir/$sim_name" >"$sim_dir/$sim_name/run.out" 2>&1
    sim_status=$?
    sim_line=$(tail -n 1 "$sim_dir/$sim_name/run.out")
    sim_p=$(echo "$sim_line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    sim_f=$(echo "$sim_line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$sim_p" ] || [ "$sim_f" != 0 ] || [ $sim_status -ne 0 ]; then
        echo "[sim] $sim_name: FAILED (exit status $sim_status):"
        { grep '^FAIL' "$sim_dir/$sim_name/run.out" || tail -n 30 "$sim_dir/$sim_name/run.out"; } |
            head -n 40 | sed 's/^/    /'
        sim_fail=$((sim_fail + 1))
    else
        echo "[sim] $sim_name: tests/sim/test_sim.c, $sim_p checks passed ($sim_with)"
        sim_pass=$((sim_pass + 1))
    fi
}
sim_run gcc-c11 gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc)
sim_run gxx-cxx17 g++ -x c++ -std=c++17 -O1 -g $WARN $(uninit_warnings g++)
sim_run clang-c11 clang -std=c11 -O1 -g $WARN $(uninit_warnings clang)

# The race's failing seed, as the runner wrote it, read by the timeline tool.
sim_trace="$sim_dir/gcc-c11/sim-race-trace.txt"
if ! command -v python3 >/dev/null 2>&1; then
    echo "[sim] trace: skipped: python3 is not installed"
    add_skipped 1 "sim trace"
elif [ ! -f "$sim_trace" ]; then
    echo "[sim] trace: FAILED: $sim_trace was not written (the gcc build did not run)"
    sim_fail=$((sim_fail + 1))
elif python3 tools/aio_trace.py "$sim_trace" --json "$sim_dir/race.json" --svg "$sim_dir/race.svg" \
    >"$sim_dir/trace.log" 2>&1 &&
    python3 - "$sim_trace" "$sim_dir/race.json" "$sim_dir/race.svg" >>"$sim_dir/trace.log" 2>&1 <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
note = re.search(r"^# seed (\d+) failed: the answer came in time \(at (\d+\.\d+) s\)$", text, re.M)
assert note, "no failure note"
ev = json.load(open(sys.argv[2]))["traceEvents"]
tasks = [e for e in ev if e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"] != "loop"]
assert len(tasks) >= 2, tasks                      # the client (main) and the server, at least
last = max(int(line.split()[0]) for line in text.splitlines() if line[:1].isdigit())
assert last >= round(float(note.group(2)) * 1e9) - 1, (last, note.group(2))  # the run reached its failure
assert open(sys.argv[3]).read().lstrip().startswith("<svg"), "not an SVG"
PY
then
    echo "[sim] trace: the failing seed's trace read by tools/aio_trace.py: its summary, JSON, SVG and failure note"
    sim_pass=$((sim_pass + 1))
else
    echo "[sim] trace: FAILED: tools/aio_trace.py on $sim_trace:"
    tail -n 15 "$sim_dir/trace.log" | sed 's/^/    /'
    sim_fail=$((sim_fail + 1))
fi
add_counts "$sim_pass" "$sim_fail"
