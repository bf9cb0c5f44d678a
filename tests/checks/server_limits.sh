# SPDX-License-Identifier: MIT
# Stage: a server on aio_server out of descriptors (100 clients at ulimit -n 32, then SIGTERM) and simulated
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The line server of example 17 (built on aio_server, at most 100 clients) is started
# under `ulimit -n 32`, where it can hold about 25 connections and its accepts fail
# with EMFILE, and tests/checks/server_knock.py knocks with 100 clients: every one
# must be answered while the server pauses its accepts and serves the others, without
# spinning (its CPU time read from /proc on Linux), and, with 100 more knocking, a
# SIGTERM must end it with status 0 once its grace (1 s) has passed and within 3 s
# more, each client it had accepted told goodbye. POSIX only (ulimit, SIGTERM); about
# 10 s. Built with gcc -O2 and the flags of the other examples. Then tests/sim/server_sim.c: a
# server on aio_server over the simulated network, its limit and its shutdown, over 1,000 seeds;
# and tests/sim/broker_sim.c: a publish/subscribe broker (many writers on one stream, a slow
# subscriber dropped after a write-buffer deadline, a goodbye that reaches every subscriber before
# its close) under seeded faults, over 1,000 seeds.

sk_dir="$out/server_limits"
rm -rf "$sk_dir"
mkdir -p "$sk_dir"
sk_pass=0
sk_fail=0
sk_python=
for sk_try in ${PYTHON:-} python3; do
    if command -v $sk_try >/dev/null 2>&1; then sk_python=$sk_try; break; fi
done
if [ -z "$sk_python" ] || ! command -v gcc >/dev/null 2>&1; then
    echo "[server-knock] skipped: gcc or python3 is not installed"
    add_skipped 1 "17_line_server at ulimit -n 32 (gcc and python3)"
elif gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -I. examples/17_line_server.c -o "$sk_dir/17_line_server" \
    2>"$sk_dir/build.log"; then
    sk_pass=$((sk_pass + 1))
    echo "[server-knock] 17_line_server.c (gcc -O2) builds warning-free"
    timeout 120 $sk_python tests/checks/server_knock.py "$sk_dir/17_line_server" 1 >"$sk_dir/knock.txt" 2>&1
    sk_status=$?
    cat "$sk_dir/knock.txt"
    sk_ok=$(grep -c '^\[server-knock\] [^F]' "$sk_dir/knock.txt" | tr -d ' ')
    sk_bad=$(grep -c '^\[server-knock\] FAILED' "$sk_dir/knock.txt" | tr -d ' ')
    sk_pass=$((sk_pass + sk_ok - 1)) # (its last line, the verdict, is not a check)
    sk_fail=$((sk_fail + sk_bad))
    if [ $sk_status -ne 0 ] && [ "$sk_bad" -eq 0 ]; then
        echo "[server-knock] FAILED: tests/checks/server_knock.py exited with status $sk_status"
        sk_fail=$((sk_fail + 1))
    fi
else
    echo "[server-knock] FAILED: 17_line_server.c does not build:"
    sed 's/^/    /' "$sk_dir/build.log" | head -20
    sk_fail=$((sk_fail + 1))
fi

# Servers over the simulated network, 1,000 seeds each under ASan and UBSan:
# tests/sim/server_sim.c (the server helper, its limit and its shutdown) and
# tests/sim/broker_sim.c (a publish/subscribe broker).
sk_sim() { # name
    if gcc -std=c11 -O1 -DAIO_DEBUG -fsanitize=address,undefined $WARN -I. "tests/sim/$1.c" \
        -o "$sk_dir/$1" 2>"$sk_dir/$1.log" &&
        (cd "$sk_dir" && timeout 300 "./$1" 1000) >"$sk_dir/$1.txt" 2>&1; then
        sk_pass=$((sk_pass + 1))
        echo "[server-knock] tests/sim/$1.c: $(tail -n 1 "$sk_dir/$1.txt")"
    else
        sk_fail=$((sk_fail + 1))
        echo "[server-knock] FAILED: tests/sim/$1.c (under ASan and UBSan):"
        cat "$sk_dir/$1.log" "$sk_dir/$1.txt" 2>/dev/null | tail -n 10 | sed 's/^/    /'
    fi
}
if command -v gcc >/dev/null 2>&1; then
    sk_sim server_sim
    sk_sim broker_sim
fi

add_counts "$sk_pass" "$sk_fail"
