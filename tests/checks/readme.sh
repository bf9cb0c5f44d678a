# SPDX-License-Identifier: MIT
# Stage: the README's length, links and benchmark rows; the header's tour
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# README.md fits the first hour (a line limit), every relative link of the
# README and of the Markdown pages beside the code resolves, and the README's
# benchmark rows are those of bench/results.md (tests/checks/readme_facts.py).
# One check.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[readme] skipped: python3 is not installed"
    add_skipped 1 "readme (python3)"
elif readme_msg=$(python3 tests/checks/readme_facts.py 2>&1); then
    echo "[readme] $(echo "$readme_msg" | tail -n 1)"
    add_counts 1 0
else
    echo "[readme] FAILED:"; echo "$readme_msg" | head -n 30 | sed 's/^/    /'
    add_counts 0 1
fi

# The example of the header's top comment ("THE FIVE-MINUTE TOUR") compiles
# warning-free and does what its comments say. One check.
awk '/THE FIVE-MINUTE TOUR/{f=1} f && /^ \*     /{sub(/^ \*     /, ""); print} f && /^ \* An inline/{exit}' aio_timeout.h \
    >"$out/tour_body.c"
{ printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n#include <stdio.h>\n'; cat "$out/tour_body.c"; } \
    >"$out/tour.c"
if gcc -std=c11 $WARN $(uninit_warnings gcc) -O2 -I. "$out/tour.c" -o "$out/tour" 2>"$out/tour.log" &&
    tour_msg=$("$out/tour") && [ "$tour_msg" = "gave up after 5 sleeps" ]; then
    echo "[header-tour] the top comment's example compiles, prints \"$tour_msg\" and exits 0"
    add_counts 1 0
else
    echo "[header-tour] FAILED: the top comment's example of aio_timeout.h:"
    sed 's/^/    /' "$out/tour.log" | head -20; echo "    printed: ${tour_msg:-}"
    add_counts 0 1
fi
