# SPDX-License-Identifier: MIT
# Stage: the servers of examples 16, 17 and 27 and the Python originals on real sockets
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The echo server of example 16 and the line server of example 17, on real sockets
# (127.0.0.1) and the real clock, each against its Python original: the same clients
# for both, the same lines expected.
#   - examples/16_echo_client.py starts the echo server on a free port, drives it with
#     five clients (echoes, an end of stream, an idle client that must be dropped after
#     2 s), sends it SIGTERM, and checks that the connections left are closed and that
#     the server exits with status 0;
#   - examples/17_line_client.py starts the line server (at most 3 clients), drives it
#     with six clients (lines, a line of 1 MB, half a line that stalls, a client
#     refused, three dropped when idle), sends it SIGTERM, and checks the goodbyes, a
#     client dropped 1 s after it and the exit status 0.
# Each runs against its C server built with gcc -O2 and clang -O0 (warning-free, the
# flags of the other examples), gcc -O2 -DAIO_IO_POLL (poll() instead of epoll) and
# gcc -O2 -DAIO_NO_LINUX (the paths of macOS and the BSDs), and against its Python original (asyncio, CPython 3.11 or later). For each server:
# the client's own checks pass, the clients print examples/expected/NN_*_client.txt
# (no timings in it) and the server prints examples/expected/NN_*_server.txt,
# compared without the time in front of each line and with the port as PORT (all
# that changes from run to run); then each C build must have shown the clients
# exactly what the Python original showed them, and printed exactly its lines (the
# differential check). A run takes about 3 s; every wait of the clients has seconds
# of margin, so a slow machine does not fail it. Then example 27, the line server on
# two loops on two threads, against example 17's clients (see below).

es_dir="$out/servers"
rm -rf "$es_dir"
mkdir -p "$es_dir"
es_pass=0
es_fail=0
es_ok() { echo "[servers] $1"; es_pass=$((es_pass + 1)); }
es_bad() { echo "[servers] FAILED: $1"; es_fail=$((es_fail + 1)); }
# what does not change from run to run: no time in front, the port as PORT
es_normal() { sed -e 's/^\[ *[0-9][0-9]*\.[0-9][0-9]s\] //' -e 's/ port [0-9][0-9]*$/ port PORT/' "$1"; }

es_python=
for es_try in ${PYTHON:-} python3.13 python3.12 python3; do
    if command -v $es_try >/dev/null 2>&1 &&
        $es_try -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        es_python=$es_try; break
    fi
done

es_example() { # NN_name: its server's builds and runs; es_args, what follows the port
    # 1. the C server, four builds
    es_builds=
    for es_cc in gcc:-O2 clang:-O0 gcc:-O2:-DAIO_IO_POLL gcc:-O2:-DAIO_NO_LINUX; do
        es_comp=${es_cc%%:*}
        es_flags=$(echo "${es_cc#*:}" | tr : ' ')
        es_name=$es_ex-$(echo "$es_comp$es_flags" | tr -d ' ')
        if ! command -v "$es_comp" >/dev/null 2>&1; then
            echo "[servers] skipped: $es_comp is not installed: the $es_comp$es_flags build of ${es_ex}_server is not made"
            add_skipped 1 "${es_ex}_server built with $es_comp$es_flags"
            continue
        fi
        if $es_comp -std=c11 $es_flags $WARN $(uninit_warnings "$es_comp") -I. examples/${es_ex}_server.c \
            -o "$es_dir/$es_name" 2>"$es_dir/$es_name.log"; then
            es_ok "${es_ex}_server.c ($es_comp $es_flags) builds warning-free"
            es_builds="$es_builds $es_name"
        else
            es_bad "${es_ex}_server.c ($es_comp $es_flags) does not build:"
            sed 's/^/    /' "$es_dir/$es_name.log" | head -20
        fi
    done

    # 2. each server against the same clients
    es_run() { # name command...: the clients against that server
        es_who=$1; shift
        if [ -z "$es_python" ]; then
            echo "[servers] skipped: no CPython 3.11 or later: the clients do not run ($es_who)"
            add_skipped 1 "${es_ex}_server: the clients against $es_who (CPython 3.11 or later)"
            return 1
        fi
        timeout 60 $es_python examples/${es_ex}_client.py --server-output "$es_dir/$es_who.server" "$@" $es_args \
            >"$es_dir/$es_who.clients" 2>"$es_dir/$es_who.err"
        es_status=$?
        if [ $es_status -eq 0 ]; then
            es_ok "$es_who: every check of examples/${es_ex}_client.py passed"
        else
            es_bad "$es_who: examples/${es_ex}_client.py exited with status $es_status:"
            grep -e FAILED "$es_dir/$es_who.clients" | head -10 | sed 's/^/    /'
            tail -n 5 "$es_dir/$es_who.err" | sed 's/^/    /'
        fi
        if cmp -s "$es_dir/$es_who.clients" examples/expected/${es_ex}_client.txt; then
            es_ok "$es_who: the clients saw examples/expected/${es_ex}_client.txt"
        else
            es_bad "$es_who: the clients did not see examples/expected/${es_ex}_client.txt:"
            diff examples/expected/${es_ex}_client.txt "$es_dir/$es_who.clients" | head -20 | sed 's/^/    /'
        fi
        es_normal "$es_dir/$es_who.server" >"$es_dir/$es_who.server.normal"
        es_normal examples/expected/${es_ex}_server.txt >"$es_dir/expected.normal"
        if cmp -s "$es_dir/$es_who.server.normal" "$es_dir/expected.normal"; then
            es_ok "$es_who: the server printed the lines of examples/expected/${es_ex}_server.txt"
        else
            es_bad "$es_who: the server's lines differ from examples/expected/${es_ex}_server.txt:"
            diff "$es_dir/expected.normal" "$es_dir/$es_who.server.normal" | head -20 | sed 's/^/    /'
        fi
    }
    es_have_python=0
    es_run $es_ex-python "$es_python" examples/${es_ex}_server.py 0 && es_have_python=1
    for es_name in $es_builds; do
        es_run "$es_name" "$es_dir/$es_name" 0 || continue
        [ $es_have_python = 1 ] || continue
        if cmp -s "$es_dir/$es_ex-python.clients" "$es_dir/$es_name.clients" &&
            cmp -s "$es_dir/$es_ex-python.server.normal" "$es_dir/$es_name.server.normal"; then
            es_ok "$es_name and the Python original: the clients saw the same, the servers printed the same lines"
        else
            es_bad "$es_name and the Python original differ (clients, then servers):"
            diff "$es_dir/$es_ex-python.clients" "$es_dir/$es_name.clients" | head -10 | sed 's/^/    /'
            diff "$es_dir/$es_ex-python.server.normal" "$es_dir/$es_name.server.normal" | head -10 | sed 's/^/    /'
        fi
    done
}
es_ex=16_echo es_args=""
es_example
es_ex=17_line es_args=3 # (at most 3 clients)
es_example

# The line server on every core (example 27): two loops on two threads serve one port, driven by
# example 17's clients; the clients must see what they see of example 17, and the server print
# its lines (those of one instant may come from either loop first: compared sorted). Built as on
# Linux (each loop listens, SO_REUSEPORT), through poll(), and as macOS takes the header (one
# loop accepts and hands connections out).
for es_cc in gcc:-O2 clang:-O0:-DAIO_IO_POLL gcc:-O2:-DAIO_NO_LINUX; do
    es_comp=${es_cc%%:*}
    es_flags=$(echo "${es_cc#*:}" | tr : ' ')
    es_name=27-$(echo "$es_comp$es_flags" | tr -d ' ')
    command -v "$es_comp" >/dev/null 2>&1 || { add_skipped 1 "27_line_server_cores built with $es_comp"; continue; }
    if ! $es_comp -std=c11 $es_flags $WARN $(uninit_warnings "$es_comp") -I. examples/27_line_server_cores.c \
        -o "$es_dir/$es_name" -lpthread 2>"$es_dir/$es_name.log"; then
        es_bad "27_line_server_cores.c ($es_comp $es_flags) does not build:"
        sed 's/^/    /' "$es_dir/$es_name.log" | head -20
        continue
    fi
    [ -n "$es_python" ] || { add_skipped 1 "27_line_server_cores: the clients (CPython 3.11 or later)"; continue; }
    if timeout 60 $es_python examples/17_line_client.py --server-output "$es_dir/$es_name.server" \
        "$es_dir/$es_name" 0 3 2 >"$es_dir/$es_name.clients" 2>"$es_dir/$es_name.err" &&
        cmp -s "$es_dir/$es_name.clients" examples/expected/17_line_client.txt; then
        es_ok "$es_name: two loops, every check of examples/17_line_client.py passed, the clients saw what they see of example 17"
    else
        es_bad "$es_name: the clients of example 17 against two loops:"
        diff examples/expected/17_line_client.txt "$es_dir/$es_name.clients" | head -10 | sed 's/^/    /'
        tail -n 5 "$es_dir/$es_name.err" | sed 's/^/    /'
    fi
    es_normal "$es_dir/$es_name.server" | sort >"$es_dir/$es_name.server.sorted"
    es_normal examples/expected/17_line_server.txt | sort >"$es_dir/17.sorted"
    if cmp -s "$es_dir/$es_name.server.sorted" "$es_dir/17.sorted"; then
        es_ok "$es_name: the server printed the lines of examples/expected/17_line_server.txt"
    else
        es_bad "$es_name: the server's lines differ from example 17's (sorted):"
        diff "$es_dir/17.sorted" "$es_dir/$es_name.server.sorted" | head -10 | sed 's/^/    /'
    fi
done

add_counts "$es_pass" "$es_fail"
