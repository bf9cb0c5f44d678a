# SPDX-License-Identifier: MIT
# Stage: the header's map: sections and their markers, the contents, the options, docs/internals.md
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# What a newcomer reads first stays true (tests/checks/map.py says each in
# full): every section banner of aio_timeout.h has its `// >>name` line; the
# top comment's CONTENTS lists those names in the file's order; every option
# the header tests is in its COMPILE-TIME OPTIONS comment and in docs/api.md;
# every internal name docs/internals.md cites is in the header's code. Five
# checks. (One version everywhere is tests/checks/version.sh's.)
if ! command -v python3 >/dev/null 2>&1; then
    echo "[map] skipped: python3 is not installed (its 5 checks)"
    add_skipped 5 "map (python3)"
else
    python3 tests/checks/map.py >"$out/map.out" 2>&1
    map_pass=0
    map_fail=0
    while IFS= read -r map_line; do
        case $map_line in
        "ok "*) map_pass=$((map_pass + 1)); echo "[map] ${map_line#ok }" ;;
        "FAILED "*) map_fail=$((map_fail + 1)); echo "[map] $map_line" ;;
        *) echo "$map_line" ;;
        esac
    done <"$out/map.out"
    # (a script that died before its checks: one failure, its output above)
    [ $((map_pass + map_fail)) -eq 0 ] && map_fail=1
    add_counts "$map_pass" "$map_fail"
fi
