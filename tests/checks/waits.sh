# SPDX-License-Identifier: MIT
# Stage: every readiness wait of this system at 2,000 connections on one loop
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/io/many_connections.c on each wait a Linux machine has: epoll (the
# default), poll() (AIO_IO_POLL) and the macOS/BSD path (AIO_NO_LINUX: poll(),
# SIGCHLD, no Linux calls), gcc -O2 with AIO_DEBUG: one loop holds 2,000 TCP
# connections on 127.0.0.1, each end a task, every wait with a deadline, on
# the virtual clock; every connection accepted once, every answer right, the
# even handlers hear their "bye" at exactly T0 + 500 ms and the odd ones time
# out at exactly T0 + 1 s (the program says which did not). Then the same
# program cross-built with MinGW-w64 for Windows' two waits, AFD poll (the
# default) and WSAPoll (AIO_IO_POLL), run under wine (skipped, saying so,
# where MinGW-w64 or wine is not installed: make test-windows installs
# them). The unit suite runs on epoll, poll() and the macOS/BSD path in the
# matrix (tests/run_matrix.sh), and on AFD poll and WSAPoll in make
# test-windows.
wt_pass=0
wt_fail=0
for wt_cfg in "epoll:" "poll:-DAIO_IO_POLL" "macOS/BSD path:-DAIO_NO_LINUX"; do
    wt_name=${wt_cfg%%:*}
    wt_flags=${wt_cfg#*:}
    wt_bin="$out/many_connections_$(echo "$wt_name" | tr -c 'a-z\n' '_')"
    # shellcheck disable=SC2086 # ($WARN, $wt_flags: flags, split into words)
    if ! gcc -std=c11 -O2 $WARN -DAIO_DEBUG $wt_flags tests/io/many_connections.c -o "$wt_bin" 2>"$wt_bin.log"; then
        wt_fail=$((wt_fail + 1))
        echo "[waits] FAILED: tests/io/many_connections.c ($wt_name) does not build: $(head -5 "$wt_bin.log")"
        continue
    fi
    if timeout 300 "$wt_bin" 2000 >"$wt_bin.out" 2>&1 && [ "$(tail -n 1 "$wt_bin.out")" = "1 passed, 0 failed" ]; then
        wt_pass=$((wt_pass + 1))
        echo "[waits] $wt_name: 2,000 connections on one loop, none lost, every deadline to the tick ($(head -n 1 "$wt_bin.out"))"
    else
        wt_fail=$((wt_fail + 1))
        echo "[waits] FAILED: $wt_name: tests/io/many_connections.c:"
        sed 's/^/    /' "$wt_bin.out" | head -20
    fi
done
wt_wine=/usr/lib/wine/wine64
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 && [ -x "$wt_wine" ]; then
    export WINEDEBUG=-all
    export WINEPREFIX="$PWD/build/windows/wineprefix" # (make test-windows's)
    [ -d "$WINEPREFIX" ] || { mkdir -p build/windows && "$wt_wine" cmd /c exit >/dev/null 2>&1; }
    for wt_cfg in "AFD poll:" "WSAPoll:-DAIO_IO_POLL"; do
        wt_name=${wt_cfg%%:*}
        wt_flags=${wt_cfg#*:}
        wt_bin="$out/many_connections_$(echo "$wt_name" | tr -c 'a-zA-Z\n' '_').exe"
        # shellcheck disable=SC2086 # ($WARN, $wt_flags: flags, split into words)
        if ! x86_64-w64-mingw32-gcc -std=c11 -O2 $WARN -DAIO_DEBUG $wt_flags tests/io/many_connections.c -o "$wt_bin" \
            -static -lws2_32 2>"$wt_bin.log"; then
            wt_fail=$((wt_fail + 1))
            echo "[waits] FAILED: tests/io/many_connections.c ($wt_name, MinGW-w64) does not build: $(head -5 "$wt_bin.log")"
            continue
        fi
        timeout 600 "$wt_wine" "$wt_bin" 2000 2>&1 | tr -d '\r' >"$wt_bin.out"
        if [ "$(tail -n 1 "$wt_bin.out")" = "1 passed, 0 failed" ]; then
            wt_pass=$((wt_pass + 1))
            echo "[waits] $wt_name (Windows, under wine): 2,000 connections on one loop, none lost, every deadline to the tick ($(head -n 1 "$wt_bin.out"))"
        else
            wt_fail=$((wt_fail + 1))
            echo "[waits] FAILED: $wt_name (Windows, under wine): tests/io/many_connections.c:"
            sed 's/^/    /' "$wt_bin.out" | head -20
        fi
    done
else
    echo "[waits] skipped: MinGW-w64 or wine is not installed (make test-windows installs them): AFD poll and WSAPoll at 2,000 connections"
    add_skipped 2 "waits (MinGW-w64, wine)"
fi
add_counts "$wt_pass" "$wt_fail"
