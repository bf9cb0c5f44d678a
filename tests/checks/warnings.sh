# SPDX-License-Identifier: MIT
# Stage: the README's warning flags against the coroutine mistakes they catch
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/checks/warnings.py: the gcc and clang commands the README shows below its
# first example build that example warning-free (-Werror), and give on
# tests/lint/corpus/compiler_warnings.c (one coroutine mistake per function)
# exactly the warnings its `warns:` comments list, at -O2 and at -O0; the
# compiler messages the README's table of mistakes quotes are theirs; and
# tests/lint/README.md's count of the corpus files they warn on is right.
# One check per line; a compiler that is not installed is counted as skipped.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[warnings] skipped: python3 is not installed"
    add_skipped 1 "warnings (python3)"
else
    python3 tests/checks/warnings.py "$out" >"$out/warnings.out" 2>&1
    wn_pass=0
    wn_fail=0
    while IFS= read -r wn_line; do
        case $wn_line in
        "ok "*) wn_pass=$((wn_pass + 1)); echo "[warnings] ${wn_line#ok }" ;;
        "FAILED "*) wn_fail=$((wn_fail + 1)); echo "[warnings] $wn_line" ;;
        "skipped "*) echo "[warnings] $wn_line"; add_skipped 1 "warnings: ${wn_line#skipped }" ;;
        *) echo "    $wn_line" ;;
        esac
    done <"$out/warnings.out"
    [ $((wn_pass + wn_fail)) -eq 0 ] && { echo "[warnings] FAILED: tests/checks/warnings.py printed no result:"
                                          head -n 10 "$out/warnings.out" | sed 's/^/    /'; wn_fail=1; }
    add_counts "$wn_pass" "$wn_fail"
fi
