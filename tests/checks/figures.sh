# SPDX-License-Identifier: MIT
# Stage: the figures the documentation quotes from runs, against those runs
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# Every figure that README.md, docs/*.md, examples/README.md and
# examples/asyncio-to-c.md quote from a run is what that run prints
# (tests/checks/doc_figures.py lists them): here those whose run is an expected
# output that make test compares with the program (the demo, the README's
# example, the examples, the firmware and the sampler under QEMU) or a small
# host program; one check per figure. The figures of runs that need cross tools
# (sizes, instruction counts, the AVR program) are checked by those runs
# (tests/checks/embedded.sh in make test, make size-check, make test-qemu,
# make test-avr); here only that their words are still on the page.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[figures] skipped: python3 is not installed"
    add_skipped 1 "figures (python3)"
else
    python3 tests/checks/doc_figures.py static >"$out/figures.out" 2>&1
    fg_pass=0
    fg_fail=0
    while IFS= read -r fg_line; do
        case $fg_line in
        "ok "*) fg_pass=$((fg_pass + 1)); echo "[figures] ${fg_line#ok }" ;;
        "FAILED "*) fg_fail=$((fg_fail + 1)); echo "[figures] $fg_line" ;;
        "skipped "*) echo "[figures] $fg_line"; add_skipped 1 "figure ${fg_line#skipped }" ;;
        "elsewhere "*) echo "[figures] ${fg_line#elsewhere }" ;;
        *) echo "    $fg_line" ;;
        esac
    done <"$out/figures.out"
    add_counts "$fg_pass" "$fg_fail"
fi
