# SPDX-License-Identifier: MIT
# Stage: every readiness wait of this system: the seam's contract, and 2,000 connections on one loop
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The waits are not listed here: they are the system's own pick (epoll on
# Linux), then each option a program may ask for one with (wait_options:
# every `#ifdef AIO_IO_<NAME>` block of parts/frame/impl.h, AIO_IO_POLL
# today), then the macOS/BSD path (AIO_NO_LINUX: poll(), SIGCHLD, no Linux
# calls); then, cross-built with MinGW-w64 and run under wine, Windows' own
# pick (AFD poll) and each option (WSAPoll for AIO_IO_POLL) (skipped, saying
# so, where MinGW-w64 or wine is not installed: make test-windows installs
# them). A wait whose part refuses the system (its #error "picked where the
# system is not ...") is skipped there, saying so. On each, gcc -O2 with
# AIO_DEBUG, two programs, a check each:
#   - tests/io/wait_contract.c: what any wait must do, on the real clock with
#     wide margins, each property named when it fails: no return before its
#     timeout with nothing ready, its wake-up drained, only the events asked
#     for told, watches changed between waits;
#   - tests/io/many_connections.c: one loop holds 2,000 TCP connections on
#     127.0.0.1, each end a task, every wait with a deadline, on the virtual
#     clock; every connection accepted once, every answer right, the even
#     handlers hear their "bye" at exactly T0 + 500 ms and the odd ones time
#     out at exactly T0 + 1 s (the program says which did not).
# The unit suite runs on the same options in the matrix (tests/run_matrix.sh),
# and on Windows' waits in make test-windows.
wt_pass=0
wt_fail=0
# wt_one NAME TAG RUNNER LIBS BUILD...: tests/io/wait_contract.c and
# tests/io/many_connections.c built (LIBS last) and run (through RUNNER, or
# directly if it is ""), a check each
wt_one() {
    wt_name=$1 wt_tag=$2 wt_runner=$3 wt_libs=$4
    shift 4
    for wt_prog in wait_contract many_connections; do
        wt_bin="$out/${wt_prog}_$(echo "$wt_tag" | tr -c 'a-zA-Z0-9\n' '_')"
        [ -n "$wt_runner" ] && wt_bin="$wt_bin.exe"
        # shellcheck disable=SC2086 # ($wt_libs: flags, split into words)
        if ! "$@" "tests/io/$wt_prog.c" -o "$wt_bin" $wt_libs 2>"$wt_bin.log"; then
            if grep -q "is picked where the system is not" "$wt_bin.log"; then
                echo "[waits] skipped: $wt_name: its part does not fit this system ($(grep -o '"aio_timeout.h: [^"]*"' "$wt_bin.log" | head -n 1))"
                add_skipped 1 "waits: $wt_name, $wt_prog (not this system's)"
                continue
            fi
            wt_fail=$((wt_fail + 1))
            echo "[waits] FAILED: tests/io/$wt_prog.c ($wt_name) does not build: $(head -5 "$wt_bin.log")"
            continue
        fi
        wt_args=
        [ $wt_prog = many_connections ] && wt_args=2000
        if [ -n "$wt_runner" ]; then
            # shellcheck disable=SC2086 # ($wt_args: none or one)
            timeout 600 "$wt_runner" "$wt_bin" $wt_args 2>&1 | tr -d '\r' >"$wt_bin.out"
        else
            # shellcheck disable=SC2086
            timeout 300 "$wt_bin" $wt_args >"$wt_bin.out" 2>&1
        fi
        wt_last=$(tail -n 1 "$wt_bin.out")
        if [ $wt_prog = many_connections ] && [ "$wt_last" = "1 passed, 0 failed" ]; then
            wt_pass=$((wt_pass + 1))
            echo "[waits] $wt_name: 2,000 connections on one loop, none lost, every deadline to the tick ($(head -n 1 "$wt_bin.out"))"
        elif [ $wt_prog = wait_contract ] && [ "$wt_last" = "4 passed, 0 failed" ]; then
            wt_pass=$((wt_pass + 1))
            echo "[waits] $wt_name: the seam's contract holds (no early return, the wake-up drained, only the events asked for, watches changed between waits)"
        else
            wt_fail=$((wt_fail + 1))
            echo "[waits] FAILED: $wt_name: tests/io/$wt_prog.c:"
            grep -v "^ok " "$wt_bin.out" | sed 's/^/    /' | head -20
        fi
    done
}
# shellcheck disable=SC2086 # ($WARN: flags, split into words)
wt_one "the system's pick (epoll)" system "" "" gcc -std=c11 -O2 $WARN -DAIO_DEBUG
for wt_opt in $(wait_options); do
    # shellcheck disable=SC2086
    wt_one "$wt_opt" "$wt_opt" "" "" gcc -std=c11 -O2 $WARN -DAIO_DEBUG -D$wt_opt
done
# shellcheck disable=SC2086
wt_one "the macOS/BSD path (AIO_NO_LINUX)" nolinux "" "" gcc -std=c11 -O2 $WARN -DAIO_DEBUG -DAIO_NO_LINUX
wt_wine=/usr/lib/wine/wine64
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 && [ -x "$wt_wine" ]; then
    export WINEDEBUG=-all
    export WINEPREFIX="$PWD/build/windows/wineprefix" # (make test-windows's)
    [ -d "$WINEPREFIX" ] || { mkdir -p build/windows && "$wt_wine" cmd /c exit >/dev/null 2>&1; }
    for wt_opt in system $(wait_options); do
        wt_flags=-D$wt_opt wt_name="$wt_opt (Windows, under wine)"
        [ $wt_opt = system ] && wt_flags= wt_name="the system's pick (AFD poll; Windows, under wine)"
        # shellcheck disable=SC2086
        wt_one "$wt_name" "win_$wt_opt" "$wt_wine" "-static -lws2_32" x86_64-w64-mingw32-gcc \
            -std=c11 -O2 $WARN -DAIO_DEBUG $wt_flags
    done
else
    echo "[waits] skipped: MinGW-w64 or wine is not installed (make test-windows installs them): Windows' waits"
    add_skipped $((2 + 2 * $(wait_options | wc -l))) "waits (MinGW-w64, wine)"
fi
add_counts "$wt_pass" "$wt_fail"
