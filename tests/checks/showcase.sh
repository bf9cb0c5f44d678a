# SPDX-License-Identifier: MIT
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# examples/showcase.sh, as a person runs it: `make examples`, then the showcase
# with --virtual twice in a row (the second run must not read the first run's
# server port). Each run must exit with status 0 and print every example's
# examples/expected/NN_name.txt under its heading; the network example (13) runs
# on the real clock against its server (about 3 s a run). Without python3 the
# showcase skips example 13, and this check is skipped.
sc_dir="$out/showcase"
rm -rf "$sc_dir"
mkdir -p "$sc_dir"
if ! command -v python3 >/dev/null 2>&1; then
    echo "[showcase] skipped: python3 is not installed (the server of example 13 needs it)"
elif ! make --no-print-directory -s -j2 examples >"$sc_dir/build.log" 2>&1; then
    echo "[showcase] FAILED: make examples:"; tail -n 20 "$sc_dir/build.log" | sed 's/^/    /'
    add_counts 0 1
else
    # what the showcase must print: each example's expected output under its heading
    for sc_src in examples/[0-9][0-9]_*.c; do
        sc_name=$(basename "$sc_src" .c)
        [ "$sc_name" = 13_http_client ] && continue
        echo "################ $sc_name --virtual"
        cat "examples/expected/$sc_name.txt"
        echo
    done >"$sc_dir/expected"
    { echo "################ 13_http_client (real clock, loopback)"
      cat examples/expected/13_http_client.txt; } >>"$sc_dir/expected"
    for sc_run in 1 2; do
        timeout 120 sh examples/showcase.sh --virtual >"$sc_dir/run$sc_run.out" 2>&1
        sc_status=$?
        if [ $sc_status -eq 0 ] && cmp -s "$sc_dir/expected" "$sc_dir/run$sc_run.out"; then
            echo "[showcase] run $sc_run of 2: every example prints its examples/expected/ file"
            add_counts 1 0
        else
            echo "[showcase] FAILED: run $sc_run of 2 (exit $sc_status) differs from the expected outputs:"
            diff "$sc_dir/expected" "$sc_dir/run$sc_run.out" | head -n 20 | sed 's/^/    /'
            add_counts 0 1
        fi
    done
fi
