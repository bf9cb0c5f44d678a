# SPDX-License-Identifier: MIT
# Stage: examples/showcase.sh --virtual, twice in a row
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# examples/showcase.sh, as a person runs it: `make examples`, then the showcase
# with --virtual twice in a row (the second run must not read the first run's
# server port). Each run must exit with status 0 and print every example's
# examples/expected/NN_name.txt under its heading; the network examples run on the
# real clock: 13 and 19 against their servers (about 3 s each a run), 16 against its clients
# (about 2.5 s; what the echo server prints is compared without the time in front
# of each line and with its port as PORT, as tests/checks/servers.sh does).
# Without python3 the showcase skips examples 13 and 16, and this check is skipped.
sc_dir="$out/showcase"
rm -rf "$sc_dir"
mkdir -p "$sc_dir"
if ! command -v python3 >/dev/null 2>&1; then
    echo "[showcase] skipped: python3 is not installed (the server of example 13 needs it)"
    add_skipped 2 "showcase (python3)"
elif ! make --no-print-directory -s -j2 examples >"$sc_dir/build.log" 2>&1; then
    echo "[showcase] FAILED: make examples:"; tail -n 20 "$sc_dir/build.log" | sed 's/^/    /'
    add_counts 0 1
else
    # what the showcase must print: each example's expected output under its heading
    for sc_src in examples/[0-9][0-9]_*.c; do
        sc_name=$(basename "$sc_src" .c)
        [ "$sc_name" = 13_http_client ] || [ "$sc_name" = 19_http_fetch ] || [ "$sc_name" = 16_echo_server ] || [ "$sc_name" = 17_line_server ] ||
            [ "$sc_name" = 20_command_runner ] || [ "$sc_name" = 27_line_server_cores ] || [ "$sc_name" = 30_supervisor ] &&
            continue
        echo "################ $sc_name --virtual"
        cat "examples/expected/$sc_name.txt"
        echo
    done >"$sc_dir/expected"
    { echo "################ 13_http_client (real clock, loopback)"
      cat examples/expected/13_http_client.txt
      echo
      echo "################ 19_http_fetch (real clock, loopback)"
      cat examples/expected/19_http_fetch.txt
      echo
      echo "################ 20_command_runner (real clock, child processes)"
      cat examples/expected/20_command_runner.txt
      echo
      echo "################ 30_supervisor (real clock, child processes, SIGINT once the third run serves)"
      cat examples/expected/30_supervisor.txt
      echo
      echo "################ 16_echo_server (real clock, loopback)"
      cat examples/expected/16_echo_client.txt
      echo "-- what the server printed:"
      cat examples/expected/16_echo_server.txt
      echo
      echo "################ 17_line_server (real clock, loopback)"
      cat examples/expected/17_line_client.txt
      echo "-- what the server printed:"
      cat examples/expected/17_line_server.txt; } >>"$sc_dir/expected"
    # the servers' lines (the last sections) without their time, the port as PORT
    sc_normal() { sed -e '/^################ 16_echo_server/,$s/^\[ *[0-9][0-9]*\.[0-9][0-9]s\] //' \
                      -e '/^################ 16_echo_server/,$s/ port [0-9][0-9]*$/ port PORT/' "$1"; }
    sc_normal "$sc_dir/expected" >"$sc_dir/expected.normal"
    for sc_run in 1 2; do
        timeout 120 sh examples/showcase.sh --virtual >"$sc_dir/run$sc_run.out" 2>&1
        sc_status=$?
        sc_normal "$sc_dir/run$sc_run.out" >"$sc_dir/run$sc_run.normal"
        if [ $sc_status -eq 0 ] && cmp -s "$sc_dir/expected.normal" "$sc_dir/run$sc_run.normal"; then
            echo "[showcase] run $sc_run of 2: every example prints its examples/expected/ file"
            add_counts 1 0
        else
            echo "[showcase] FAILED: run $sc_run of 2 (exit $sc_status) differs from the expected outputs:"
            diff "$sc_dir/expected.normal" "$sc_dir/run$sc_run.normal" | head -n 20 | sed 's/^/    /'
            add_counts 0 1
        fi
    done
fi
