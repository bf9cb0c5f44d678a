# SPDX-License-Identifier: MIT
# Stage: every readiness wait of this system at 2,000 connections on one loop
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/io/many_connections.c on each wait there is, gcc -O2 with AIO_DEBUG:
# one loop holds 2,000 TCP connections on 127.0.0.1, each end a task, every
# wait with a deadline, on the virtual clock; every connection accepted once,
# every answer right, the even handlers hear their "bye" at exactly T0 + 500
# ms and the odd ones time out at exactly T0 + 1 s (the program says which did
# not). The waits are not listed here: they are the system's own pick (epoll
# on Linux), then each option a program may ask for one with (wait_options:
# every `#ifdef AIO_IO_NAME` block of parts/frame/impl.h, AIO_IO_POLL today), then
# the macOS/BSD path (AIO_NO_LINUX: poll(), SIGCHLD, no Linux calls). Then the
# same program cross-built with MinGW-w64 for Windows, its own pick (AFD
# poll) and each option (WSAPoll for AIO_IO_POLL), run under wine (skipped,
# saying so, where MinGW-w64 or wine is not installed: make test-windows
# installs them). A wait whose part refuses the system (its #error "picked
# where the system is not ...") is skipped there, saying so. The unit suite
# runs on the same options in the matrix (tests/run_matrix.sh), and on
# Windows' waits in make test-windows.
wt_pass=0
wt_fail=0
# wt_one NAME BINARY RUNNER LIBS BUILD...: build (LIBS last), then run
# BINARY 2000 (through RUNNER, or directly if it is ""), one check
wt_one() {
    wt_name=$1 wt_bin=$2 wt_runner=$3 wt_libs=$4
    shift 4
    # shellcheck disable=SC2086 # ($wt_libs: flags, split into words)
    if ! "$@" tests/io/many_connections.c -o "$wt_bin" $wt_libs 2>"$wt_bin.log"; then
        if grep -q "is picked where the system is not" "$wt_bin.log"; then
            echo "[waits] skipped: $wt_name: its part does not fit this system ($(grep -o '"aio_timeout.h: [^"]*"' "$wt_bin.log" | head -n 1))"
            add_skipped 1 "waits: $wt_name (not this system's)"
            return
        fi
        wt_fail=$((wt_fail + 1))
        echo "[waits] FAILED: tests/io/many_connections.c ($wt_name) does not build: $(head -5 "$wt_bin.log")"
        return
    fi
    if [ -n "$wt_runner" ]; then
        timeout 600 "$wt_runner" "$wt_bin" 2000 2>&1 | tr -d '\r' >"$wt_bin.out"
    else
        timeout 300 "$wt_bin" 2000 >"$wt_bin.out" 2>&1
    fi
    if [ "$(tail -n 1 "$wt_bin.out")" = "1 passed, 0 failed" ]; then
        wt_pass=$((wt_pass + 1))
        echo "[waits] $wt_name: 2,000 connections on one loop, none lost, every deadline to the tick ($(head -n 1 "$wt_bin.out"))"
    else
        wt_fail=$((wt_fail + 1))
        echo "[waits] FAILED: $wt_name: tests/io/many_connections.c:"
        sed 's/^/    /' "$wt_bin.out" | head -20
    fi
}
wt_file() { echo "$out/many_connections_$(echo "$1" | tr -c 'a-zA-Z0-9\n' '_')${2:-}"; }
# shellcheck disable=SC2086 # ($WARN: flags, split into words)
wt_one "the system's pick (epoll)" "$(wt_file system)" "" "" gcc -std=c11 -O2 $WARN -DAIO_DEBUG
for wt_opt in $(wait_options); do
    # shellcheck disable=SC2086
    wt_one "$wt_opt" "$(wt_file "$wt_opt")" "" "" gcc -std=c11 -O2 $WARN -DAIO_DEBUG -D$wt_opt
done
# shellcheck disable=SC2086
wt_one "the macOS/BSD path (AIO_NO_LINUX)" "$(wt_file nolinux)" "" "" gcc -std=c11 -O2 $WARN -DAIO_DEBUG -DAIO_NO_LINUX
wt_wine=/usr/lib/wine/wine64
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 && [ -x "$wt_wine" ]; then
    export WINEDEBUG=-all
    export WINEPREFIX="$PWD/build/windows/wineprefix" # (make test-windows's)
    [ -d "$WINEPREFIX" ] || { mkdir -p build/windows && "$wt_wine" cmd /c exit >/dev/null 2>&1; }
    for wt_opt in system $(wait_options); do
        wt_flags=-D$wt_opt wt_name="$wt_opt (Windows, under wine)"
        [ $wt_opt = system ] && wt_flags= wt_name="the system's pick (AFD poll; Windows, under wine)"
        # shellcheck disable=SC2086
        wt_one "$wt_name" "$(wt_file "win_$wt_opt" .exe)" "$wt_wine" "-static -lws2_32" x86_64-w64-mingw32-gcc \
            -std=c11 -O2 $WARN -DAIO_DEBUG $wt_flags
    done
else
    echo "[waits] skipped: MinGW-w64 or wine is not installed (make test-windows installs them): Windows' waits at 2,000 connections"
    add_skipped $((1 + $(wait_options | wc -l))) "waits (MinGW-w64, wine)"
fi
add_counts "$wt_pass" "$wt_fail"
