# SPDX-License-Identifier: MIT
# Stage: the examples' line counts against their Python originals (examples/README.md's table)
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/checks/linecount.py counts the lines of code of each examples/NN_name.c (and tls/NN_name.c)
# and of its Python original NN_name.py the same way (no blank lines, no
# comments, no docstrings) and compares them with the table in
# examples/README.md; a stale row, or an example over 2x its original, fails, saying which and how to regenerate
# it (python3 tests/checks/linecount.py --write). One check.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[linecount] skipped: python3 is not installed"
    add_skipped 1 "linecount (python3)"
elif lc_msg=$(python3 tests/checks/linecount.py 2>&1); then
    echo "[linecount] $lc_msg"
    add_counts 1 0
else
    echo "[linecount] FAILED:"; echo "$lc_msg" | head -n 40 | sed 's/^/    /'
    add_counts 0 1
fi
