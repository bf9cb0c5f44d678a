#!/bin/sh
# SPDX-License-Identifier: MIT
# make test-windows: the Windows backend, cross-built with MinGW-w64 and run
# under wine on this machine (installs gcc-mingw-w64-x86-64, g++-mingw-w64-x86-64
# and wine64 with apt-get if they are missing):
#
#   1. the unit suite in three builds (C11 -O2 with 32-bit millisecond ticks and
#      C++17 -O2 debug on AFD poll, the default wait; C11 -O0 debug on WSAPoll,
#      AIO_IO_POLL's pick), warning-free with -Werror: the same tests as
#      on Linux, the socket tests on Winsock (a loopback pair where POSIX has
#      socketpair), pipes and POSIX signals left out, child processes on
#      CreateProcess with cmd.exe, find.exe and ping.exe;
#      the simulation's tests (tests/sim/test_sim.c, -DAIO_SIMULATION), with
#      another program's connections to the listener its pairs are made
#      through refused (make test's stage "waits" runs tests/io/many_connections.c,
#      2,000 connections on one loop, on AFD poll and on WSAPoll under wine);
#   2. Ctrl-C, Ctrl-Break and a console close routed to events, and to tasks to
#      cancel (tests/windows/console_ctrl.c):
#      this script sends the process an interrupt, which wine delivers as
#      CTRL_C_EVENT; events set from other threads (tests/threads/event_threads.c
#      on Win32 threads, AIO_CRITICAL_ENTER/EXIT an SRWLOCK); a server shared by
#      two loops on two threads (tests/threads/server_share.c: one accepts and
#      hands connections out, Windows having no balancing of its own);
#   3. every example with an expected output, run with --virtual, must print
#      examples/expected/NAME.txt (Windows ends lines with CR LF: compared
#      without the CR); the HTTP client of example 13 on the real clock against
#      examples/13_slow_server.py on 127.0.0.1, as tests/checks/examples.sh runs it
#      (and 19_http_fetch against examples/19_fetch_server.py);
#      the servers of examples 16 (echo) and 17 (lines) against their clients,
#      stopped by Ctrl-C; the command runner of example 20 with cmd.exe and
#      ping.exe as its commands (each command's lines as expected);
#   4. MSVC, as near as this machine gets: clang --target=x86_64-pc-windows-msvc
#      -fms-compatibility over the implementation (with AIO_TLS_SCHANNEL too)
#      and every example, in C11 and
#      C++17, as MSVC (__clang__ undefined: the header's branches for compilers
#      that are not GNU's) and as clang-cl, with -Wall -Wextra -Wpedantic: no
#      error or warning located in our files (the MinGW-w64 headers trip over
#      some of their own declarations in that mode; those are not counted);
#   5. the CMake package built into a consumer with a MinGW-w64 toolchain file
#      (tests/windows/mingw-w64.cmake), by add_subdirectory and by find_package.
#   6. TLS on SChannel (AIO_TLS_SCHANNEL): tests/windows/tls_schannel.c, a
#      client in C11 (debug) and C++17, against tests/windows/tls_peer.py (Python's
#      ssl) on 127.0.0.1 with certificates made at run time (tests/tls/certs.sh);
#      and example 23 (examples/tls/23_https_fetch.c, HTTPS fetches) on SChannel
#      against its Python server, printing what it prints on Linux;
#      skipped, saying why, without wine, the openssl command or python3.
#
# The virtual clock makes 1 and 3 exact however slow wine is; the real-clock
# checks (sockets, Ctrl-C, example 13) wait seconds where milliseconds do.
# A suite's time limit only keeps a hung run from holding CI: it is many
# times what the suite takes (about 30 s each unit build, 80 s the
# simulation's tests, on a loaded machine), and a test names itself as it
# ends, so a run cut off shows where it was.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
out=build/windows
rm -rf "$out/bin"
mkdir -p "$out/bin"
pass=0
fail=0
ok() { echo "[windows] $1"; pass=$((pass + 1)); }
# a failure's line and its details go to $failures too: they are printed
# again at the end, where a log cut to its last lines still shows them
failures="$out/failures.txt"
rm -f "$failures"
bad() { echo "[windows] FAILED: $1" | tee -a "$failures"; fail=$((fail + 1)); }

CC=x86_64-w64-mingw32-gcc
CXX=x86_64-w64-mingw32-g++
WINE=/usr/lib/wine/wine64
need=""
command -v $CC >/dev/null 2>&1 || need="$need gcc-mingw-w64-x86-64"
command -v $CXX >/dev/null 2>&1 || need="$need g++-mingw-w64-x86-64"
[ -x $WINE ] || need="$need wine64"
if [ -n "$need" ]; then
    echo "[windows] installing:$need"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null; } ||
        { echo "[windows] FAILED: could not install$need"; echo "0 passed, 1 failed"; exit 1; }
fi
export WINEDEBUG=-all
export WINEPREFIX="$PWD/$out/wineprefix" # a scratch prefix of its own
. tests/warnings.sh # (the warning flags)
WARN=$WARN_BASE
# (-static: no MinGW runtime DLL to find at run time)
LIBS="-static -lws2_32"
if [ ! -d "$WINEPREFIX" ]; then
    echo "[windows] making the wine prefix (once)"
    $WINE cmd /c exit >/dev/null 2>&1
fi

# 1. the unit suite
SRC="tests/main.c tests/impl.c $(ls tests/test_*.c | tr "\n" " ")"
# (and on each wait a program may ask for: every `#ifdef AIO_IO_NAME` block of
# parts/frame/impl.h, as tests/run_matrix.sh's wait_options finds them; AIO_IO_POLL
# is WSAPoll here)
unit_cfgs="c11-O2-ms32 cxx17-O2-debug"
for opt in $(sed -n 's/^#ifdef \(AIO_IO_[A-Z0-9_]*\)$/\1/p' parts/frame/impl.h); do unit_cfgs="$unit_cfgs wait:$opt"; done
# Each configuration built and run as a job of its own (a script in
# $out/bin), as many at once as there are processors (wine runs several
# programs at once; where time decides, a suite's clock is virtual), then
# reported in the order above.
unit_names=""
for cfg in $unit_cfgs; do
    case $cfg in
    c11-O2-ms32) name=$cfg cmd="$CC -std=c11 -O2 -DAIO_TIME_32" ;;
    cxx17-O2-debug) name=$cfg cmd="$CXX -x c++ -std=c++17 -O2 -DAIO_DEBUG" ;;
    *) name="c11-O0-debug-$(echo "${cfg#wait:AIO_IO_}" | tr 'A-Z' 'a-z')" cmd="$CC -std=c11 -O0 -DAIO_DEBUG -D${cfg#wait:}" ;;
    esac
    exe="$out/bin/unit-$name.exe"
    rm -f "$exe.status"
    cat >"$exe.job" <<JOB
if $cmd $WARN -o '$exe' $SRC $LIBS 2>'$exe.log'; then
    timeout 1200 $WINE '$exe' >'$exe.out' 2>&1; echo \$? >'$exe.status'
else echo build >'$exe.status'; fi
JOB
    unit_names="$unit_names $name"
done
# (1b's suite, the simulation's, shared among SIM_SHARDS jobs (TEST_SHARD),
# the longest, started first: the first to start builds it, the others wait
# for that build)
SIM_SHARDS=3
sim_exe="$out/bin/test_sim.exe"
sim_jobs=""
for k in $(seq 0 $((SIM_SHARDS - 1))); do
    rm -f "$sim_exe.$k.status"
    mkdir -p "$out/sim-$k"
    cat >"$sim_exe.$k.job" <<JOB
flock '$sim_exe.lock' sh -c '[ -f "$sim_exe.built" ] || [ -f "$sim_exe.log" ] ||
    { $CC -std=c11 -O1 -DAIO_SIMULATION -DAIO_DEBUG $WARN tests/sim/test_sim.c -o "$sim_exe" $LIBS 2>"$sim_exe.log" &&
      : >"$sim_exe.built"; }'
if [ -f '$sim_exe.built' ]; then
    TEST_SHARD=$k/$SIM_SHARDS timeout 1200 $WINE '$sim_exe' '$out/sim-$k' >'$sim_exe.$k.out' 2>&1; echo \$? >'$sim_exe.$k.status'
else echo build >'$sim_exe.$k.status'; fi
JOB
    sim_jobs="$sim_jobs $sim_exe.$k.job"
done
rm -f "$sim_exe.built" "$sim_exe.log"
{ for job in $sim_jobs; do echo "$job"; done; for name in $unit_names; do echo "$out/bin/unit-$name.exe.job"; done; } |
    xargs -n 1 -P "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" sh
for name in $unit_names; do
    exe="$out/bin/unit-$name.exe"
    status=$(cat "$exe.status" 2>/dev/null || echo build)
    if [ "$status" = build ]; then
        bad "unit ($name) does not build:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
        continue
    fi
    tr -d '\r' <"$exe.out" >"$exe.txt"
    line=$(tail -n 1 "$exe.txt")
    case "$line" in
    *" passed, 0 failed")
        if [ "$status" -eq 0 ]; then ok "unit ($name): $line"; else bad "unit ($name): exit status $status"; fi ;;
    *)
        bad "unit ($name): $line (exit $status)"
        grep -E '^(FAIL|    )' "$exe.txt" | head -20 | tee -a "$failures" ;;
    esac
done

# 1b. the simulation's tests (AIO_SIMULATION), the Windows build: its
# programs stand in for child processes there with Windows' rules
if [ -f "$sim_exe.built" ]; then
    sim_pass=0 sim_bad=""
    for k in $(seq 0 $((SIM_SHARDS - 1))); do
        status=$(cat "$sim_exe.$k.status" 2>/dev/null || echo "none")
        tr -d '\r' <"$sim_exe.$k.out" >"$sim_exe.$k.txt" 2>/dev/null
        line=$(tail -n 1 "$sim_exe.$k.txt")
        p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p')
        if [ "$status" = 0 ] && [ -n "$p" ]; then
            sim_pass=$((sim_pass + p))
        else
            sim_bad="$sim_bad $k"
            bad "sim (shard $k/$SIM_SHARDS, exit $status): $line"; grep -E '^FAIL' "$sim_exe.$k.txt" | head -20 | tee -a "$failures"
        fi
    done
    [ -n "$sim_bad" ] || ok "sim: tests/sim/test_sim.c: $sim_pass passed, 0 failed ($SIM_SHARDS processes side by side)"
else
    bad "tests/sim/test_sim.c does not build:"; sed 's/^/    /' "$sim_exe.log" | head -20 | tee -a "$failures"
fi

# 2. Ctrl-C and a console close
exe="$out/bin/console_ctrl.exe"
if $CC -std=c11 -O2 $WARN tests/windows/console_ctrl.c -o "$exe" $LIBS 2>"$exe.log"; then
    $WINE "$exe" >"$exe.out" 2>&1 &
    cc_pid=$!
    tries=0
    while ! grep -q '^ready' "$exe.out" 2>/dev/null && [ $tries -lt 300 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    pkill -INT -f "$exe" # the process wine runs it in (its name is the program's)
    ( sleep 60; kill "$cc_pid" 2>/dev/null ) &
    guard=$!
    wait "$cc_pid"
    status=$?
    kill "$guard" 2>/dev/null
    tr -d '\r' <"$exe.out" >"$exe.txt"
    line=$(tail -n 1 "$exe.txt")
    if [ $status -eq 0 ] && [ "$line" != "${line%passed, 0 failed}" ]; then
        ok "console_ctrl: Ctrl-C, Ctrl-Break and a console close set their events and cancel their tasks: $line"
    else
        bad "console_ctrl (exit $status):"; sed 's/^/    /' "$exe.txt" | head -20 | tee -a "$failures"
    fi
else
    bad "console_ctrl does not build:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
fi

# 2b. events set from other threads: the idle wait's Win32 event, and WSAPoll's wake-up
exe="$out/bin/event_threads.exe"
if $CC -std=c11 -O2 $WARN tests/threads/event_threads.c -o "$exe" $LIBS 2>"$exe.log"; then
    if timeout 120 $WINE "$exe" >"$exe.out" 2>&1; then
        ok "event_threads: events set from other threads wake the loop, idle and waiting for sockets"
    else
        bad "event_threads:"; tr -d '\r' <"$exe.out" | sed 's/^/    /' | head -10 | tee -a "$failures"
    fi
else
    bad "event_threads does not build:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
fi

# 2c. a server on every core: two loops on two threads serve one port, one handing connections out
exe="$out/bin/server_share.exe"
if $CC -std=c11 -O2 $WARN tests/threads/server_share.c -o "$exe" $LIBS 2>"$exe.log"; then
    if timeout 120 $WINE "$exe" >"$exe.out" 2>&1; then
        ok "server_share: two loops on two threads serve one port, connections handed out"
    else
        bad "server_share:"; tr -d '\r' <"$exe.out" | sed 's/^/    /' | head -10 | tee -a "$failures"
    fi
else
    bad "server_share does not build:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
fi

# 3. the examples, built side by side first
for src in examples/[0-9][0-9]_*.c; do echo "$src"; done |
    xargs -P "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" -I SRC \
        sh -c 'exe="$0/bin/$(basename "$1" .c).exe"; '"$CC -std=c11 -O2 $WARN -I. "'"$1" -o "$exe" '"$LIBS"' 2>"$exe.log" || rm -f "$exe"' \
        "$out" SRC
for src in examples/[0-9][0-9]_*.c; do
    name=$(basename "$src" .c)
    exe="$out/bin/$name.exe"
    if [ ! -f "$exe" ]; then
        bad "$name does not build:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
        continue
    fi
    case $name in
    13_http_client | 19_http_fetch) continue ;; # real sockets: below
    20_command_runner) continue ;; # real processes: below
    30_supervisor) ok "$name builds warning-free (it runs sh: POSIX only)"; continue ;;
    16_echo_server | 17_line_server) continue ;; # real sockets: below
    27_line_server_cores) ok "$name builds warning-free (tests/threads/server_share.c runs a share here)"; continue ;;
    esac
    [ -f "examples/expected/$name.txt" ] || { ok "$name builds warning-free"; continue; }
    timeout 120 $WINE "$exe" --virtual >"$exe.out" 2>"$exe.err"
    status=$?
    tr -d '\r' <"$exe.out" >"$exe.txt"
    if [ $status -eq 0 ] && cmp -s "$exe.txt" "examples/expected/$name.txt"; then
        ok "$name --virtual prints examples/expected/$name.txt"
    else
        bad "$name --virtual (exit $status): output differs from examples/expected/$name.txt"
        diff "examples/expected/$name.txt" "$exe.txt" | head -10 | tee -a "$failures"
        [ -s "$exe.err" ] && { echo "    its standard error:"; tr -d '\r' <"$exe.err" | head -10 | sed 's/^/    /'; } |
            tee -a "$failures"
    fi
done
# the clients of examples 13 and 19, each against a new server of its own
for ex in "13_http_client:13_slow_server.py:127.0.0.1" "19_http_fetch:19_fetch_server.py:"; do
    name=${ex%%:*} server_py=${ex#*:}
    host=${server_py#*:} server_py=${server_py%%:*}
    exe="$out/bin/$name.exe"
    [ -f "$exe" ] || continue
    rm -f "$out/server.port" # (a port left by an earlier run would be read before the server writes its own)
    python3 "examples/$server_py" --lifetime 90 >"$out/server.port" 2>"$out/server.err" &
    server=$!
    tries=0
    while [ ! -s "$out/server.port" ] && [ $tries -lt 50 ]; do
        sleep 0.1
        tries=$((tries + 1))
    done
    port=$(head -n 1 "$out/server.port")
    timeout 60 $WINE "$exe" $host "$port" >"$exe.out" 2>&1
    tr -d '\r' <"$exe.out" >"$exe.txt"
    if [ -z "$port" ]; then
        bad "$name: the server did not start"; sed 's/^/    /' "$out/server.err" | head -5 | tee -a "$failures"
    elif cmp -s "$exe.txt" "examples/expected/$name.txt"; then
        ok "$name against $server_py on 127.0.0.1 prints examples/expected/$name.txt"
    else
        bad "$name: output differs from examples/expected/$name.txt"
        diff "examples/expected/$name.txt" "$exe.txt" | head -20 | tee -a "$failures"
    fi
    kill "$server" 2>/dev/null
    wait "$server" 2>/dev/null
done

# the command runner of example 20: cmd.exe and ping.exe as its commands, on the
# real clock. Each command's lines must be examples/expected/20_command_runner.txt's
# lines for that command, in that order (how the three interleave is a matter of
# timing: on Windows the slow one sleeps a second between steps, not 0.3 s)
exe="$out/bin/20_command_runner.exe"
if [ -f "$exe" ]; then
    timeout 120 $WINE "$exe" >"$exe.out" 2>&1
    status=$?
    tr -d '\r' <"$exe.out" >"$exe.txt"
    same=1
    for cmd in quick slow hangs; do
        [ "$(grep "^\[$cmd\]" "$exe.txt")" = "$(grep "^\[$cmd\]" examples/expected/20_command_runner.txt)" ] || same=0
    done
    if [ $status -eq 0 ] && [ $same -eq 1 ] && [ "$(wc -l <"$exe.txt")" = "$(wc -l <examples/expected/20_command_runner.txt)" ]; then
        ok "20_command_runner: each command's lines as in examples/expected/20_command_runner.txt (the hanging one's job ended)"
    else
        bad "20_command_runner (exit $status): output differs from examples/expected/20_command_runner.txt"
        sed 's/^/    /' "$exe.txt" | head -20 | tee -a "$failures"
    fi
fi

# the servers of examples 16 and 17 against their clients (NN_*_client.py), which
# stop them with Ctrl-C (--interrupt: SIGINT, CTRL_C_EVENT under wine; SIGTERM would
# end a wine process at once): the clients see examples/expected/NN_*_client.txt and
# the server prints the lines of examples/expected/NN_*_server.txt (without the
# times and the port), as tests/checks/servers.sh compares them on Linux
es_normal() { tr -d '\r' <"$1" | sed -e 's/^\[ *[0-9][0-9]*\.[0-9][0-9]s\] //' -e 's/ port [0-9][0-9]*$/ port PORT/'; }
for ex in "16_echo:" "17_line:3"; do # (the line server with at most 3 clients)
    name=${ex%%:*}
    exe="$out/bin/${name}_server.exe"
    [ -f "$exe" ] || continue
    timeout 120 python3 "examples/${name}_client.py" --server-output "$exe.server" --interrupt $WINE "$exe" 0 \
        ${ex#*:} >"$exe.clients" 2>&1
    status=$?
    if [ $status -eq 0 ] && cmp -s "$exe.clients" "examples/expected/${name}_client.txt" &&
        [ "$(es_normal "$exe.server")" = "$(es_normal "examples/expected/${name}_server.txt")" ]; then
        ok "${name}_server stopped by Ctrl-C: the clients and the server print examples/expected/${name}_*.txt"
    else
        bad "${name}_server (exit $status):"
        sed 's/^/    /' "$exe.clients" | head -25 | tee -a "$failures"
    fi
done

# 4. MSVC's view, through clang
if command -v clang >/dev/null 2>&1; then
    printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' >"$out/impl_msvc.c"
    printf '#define AIO_TLS_SCHANNEL\n#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' \
        >"$out/impl_msvc_schannel.c" # (and with the SChannel engine)
    # twice each: as MSVC itself (without __clang__: the header's branches for
    # compilers that are not GNU's), and as clang-cl
    # (the 4 x 32 runs side by side, each a job with its log; then told in order)
    mkdir -p "$out/msvc"
    rm -f "$out/msvc/"*
    # (each view "NAME:FLAGS", a line of $views)
    views=$out/msvc/views.txt
    cat >"$views" <<'VIEWS'
c:-x c -std=c11 -U__clang__
c++:-x c++ -std=c++17 -U__clang__
c, clang-cl:-x c -std=c11
c++, clang-cl:-x c++ -std=c++17
VIEWS
    msvc_files="$out/impl_msvc.c $out/impl_msvc_schannel.c $(echo examples/[0-9][0-9]_*.c) examples/demo.c"
    v=0
    while IFS= read -r lang; do
        v=$((v + 1)) i=0
        for f in $msvc_files; do
            i=$((i + 1))
            echo "clang --target=x86_64-pc-windows-msvc -fms-compatibility -fms-extensions -fsyntax-only ${lang#*:}" \
                "-ferror-limit=0 $WARN_MSVC_VIEW -isystem /usr/x86_64-w64-mingw32/include -I. '$f'" \
                ">'$out/msvc/$v.$i.log' 2>&1" >"$out/msvc/$v.$i.job"
        done
    done <"$views"
    ls "$out/msvc/"*.job | xargs -n 1 -P "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)" sh
    v=0
    while IFS= read -r lang; do
        v=$((v + 1)) i=0 found=0 files=0
        for f in $msvc_files; do
            i=$((i + 1))
            # a diagnostic located in our files: aio_timeout.h, examples/, the file itself
            ours=$(grep -E '(error|warning):' "$out/msvc/$v.$i.log" | grep -v '^/usr/' || true)
            if [ -n "$ours" ] || [ ! -f "$out/msvc/$v.$i.log" ]; then
                echo "$ours" | head -5 | sed 's/^/    /' | tee -a "$failures"
                found=$((found + 1))
            fi
            files=$((files + 1))
        done
        if [ $found -eq 0 ]; then
            ok "clang as MSVC (${lang%%:*}): the implementation and the examples, $files files: no error or warning in our files"
        else
            bad "clang as MSVC (${lang%%:*}): $found of $files files have errors or warnings in our files"
        fi
    done <"$views"
else
    echo "[windows] skipped: clang is not installed: the MSVC check is not made"
fi

# 5. the CMake package, with a MinGW-w64 toolchain file: a consumer that adds the
# repository as a subdirectory, and one that finds it installed (both link Winsock
# through the target); each app.exe runs under wine
if command -v cmake >/dev/null 2>&1; then
    cm="$PWD/$out/cmake"
    rm -rf "$cm"
    mkdir -p "$cm/sub/third_party/aio_timeout" "$cm/find"
    cp aio_timeout.h CMakeLists.txt Makefile "$cm/sub/third_party/aio_timeout/" # (the package's templates are in the Makefile)
    cp tests/consumers/add-subdirectory/CMakeLists.txt "$cm/sub/"
    cp tests/consumers/find-package/CMakeLists.txt "$cm/find/"
    for d in sub find; do cp tests/consumers/src/main.c tests/consumers/src/aio_impl.c tests/consumers/src/app.cmake "$cm/$d/"; done
    tc="-DCMAKE_TOOLCHAIN_FILE=$PWD/tests/windows/mingw-w64.cmake"
    expected="2 ticks, then timed out at 0.25 s"
    for d in sub find; do
        case $d in
        sub) what="add_subdirectory"; extra="" ;;
        find) what="find_package (installed with cmake --install)"; extra="-DCMAKE_PREFIX_PATH=$cm/prefix"
              cmake -S "$cm/sub/third_party/aio_timeout" -B "$cm/pkg" $tc >"$cm/pkg.log" 2>&1 &&
                  cmake --install "$cm/pkg" --prefix "$cm/prefix" >>"$cm/pkg.log" 2>&1 ;;
        esac
        if cmake -S "$cm/$d" -B "$cm/$d/build" $tc $extra -DAIO_TEST_WARNINGS="$(echo $WARN | tr ' ' ';')" \
                >"$cm/$d.log" 2>&1 &&
            cmake --build "$cm/$d/build" >>"$cm/$d.log" 2>&1; then
            got=$(timeout 60 $WINE "$cm/$d/build/app.exe" 2>&1 | tr -d '\r')
            if [ "$got" = "$expected" ]; then
                ok "CMake package, MinGW-w64 toolchain file, $what: app.exe prints \"$got\""
            else
                bad "CMake package, $what: app.exe printed '$got', expected '$expected'"
            fi
        else
            bad "CMake package, $what: the consumer does not build:"; tail -n 15 "$cm/$d.log" | sed 's/^/    /'
        fi
    done
else
    echo "[windows] skipped: cmake is not installed: the CMake package is not built for Windows"
fi

# 6. TLS on Windows' own engine (AIO_TLS_SCHANNEL, secur32 and crypt32; wine's
# runs on GnuTLS): a client built with MinGW-w64, run under wine against the
# Python ssl servers of tests/windows/tls_peer.py on 127.0.0.1, with the
# certificates tests/tls/certs.sh makes at run time (tests/windows/tls_schannel.c
# says the cases: handshakes, refusals with their reasons, a handshake's and a
# read's deadline, a peer that answers in plain HTTP, 4 MiB echoed, the
# shutdown, a peer that cuts)
if [ ! -x $WINE ]; then
    echo "[windows] skipped: wine is missing ($WINE): the SChannel test cannot run"
elif ! command -v openssl >/dev/null 2>&1; then
    echo "[windows] skipped: the openssl command is missing (apt-get install openssl): no certificates for the SChannel test"
elif ! command -v python3 >/dev/null 2>&1; then
    echo "[windows] skipped: python3 is missing: no peer for the SChannel test"
else
    exe="$out/bin/tls_schannel.exe"
    certs="$out/tls-certs"
    rm -rf "$certs"
    if ! sh tests/tls/certs.sh "$certs" >"$out/tls-certs.log" 2>&1; then
        bad "SChannel: tests/tls/certs.sh could not make the certificates:"; tail -n 5 "$out/tls-certs.log" | sed 's/^/    /' | tee -a "$failures"
    elif $CC -std=c11 -O2 -DAIO_DEBUG $WARN tests/windows/tls_schannel.c -o "$exe" -static -lsecur32 -lcrypt32 -lws2_32 \
        2>"$exe.log" && $CXX -x c++ -std=c++17 -O2 $WARN tests/windows/tls_schannel.c -o "$out/bin/tls_schannel_cxx.exe" \
        -static -lsecur32 -lcrypt32 -lws2_32 2>>"$exe.log"; then
        rm -f "$out/tls.ports"
        python3 tests/windows/tls_peer.py "$certs" --lifetime 300 >"$out/tls.ports" 2>"$out/tls.err" &
        peer=$!
        tries=0
        while [ ! -s "$out/tls.ports" ] && [ $tries -lt 100 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        for x in "$exe" "$out/bin/tls_schannel_cxx.exe"; do
            if [ ! -s "$out/tls.ports" ]; then
                bad "SChannel: tests/windows/tls_peer.py did not start:"; head -5 "$out/tls.err" | sed 's/^/    /' | tee -a "$failures"
                break
            fi
            timeout 240 $WINE "$x" $(cat "$out/tls.ports") "$certs" >"$x.out" 2>&1
            status=$?
            tr -d '\r' <"$x.out" >"$x.txt"
            line=$(tail -n 1 "$x.txt")
            if [ $status -eq 0 ] && [ "$line" != "${line%passed, 0 failed}" ]; then
                ok "SChannel client ($(basename "$x" .exe)) against Python's ssl on 127.0.0.1: $line"
            else
                bad "SChannel client ($(basename "$x" .exe)), exit $status: $line"; grep '^FAIL' "$x.txt" | head -20 | tee -a "$failures"
            fi
        done
        kill "$peer" 2>/dev/null
        wait "$peer" 2>/dev/null
    else
        bad "tests/windows/tls_schannel.c does not build:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
    fi
    # example 23 (HTTPS fetches with deadlines and retries) on SChannel, against a new
    # examples/tls/23_https_server.py, must print examples/tls/23_https_fetch.txt as it
    # does on Linux (the same source: -DAIO_TLS_SCHANNEL picks the engine)
    exe="$out/bin/23_https_fetch_schannel.exe"
    if [ -s "$certs/server.pem" ] && $CC -std=c11 -O2 -DAIO_TLS_SCHANNEL $WARN examples/tls/23_https_fetch.c \
        -o "$exe" -static -lsecur32 -lcrypt32 -lws2_32 2>"$exe.log"; then
        rm -f "$out/23.port"
        timeout 90 python3 examples/tls/23_https_server.py "$certs/server.pem" "$certs/server.key" >"$out/23.port" \
            2>"$out/23.err" &
        server=$!
        tries=0
        while [ ! -s "$out/23.port" ] && [ $tries -lt 100 ]; do
            sleep 0.1
            tries=$((tries + 1))
        done
        timeout 60 $WINE "$exe" "$(head -n 1 "$out/23.port")" "$certs/ca.pem" >"$exe.out" 2>&1
        tr -d '\r' <"$exe.out" >"$exe.txt"
        if cmp -s "$exe.txt" examples/tls/23_https_fetch.txt; then
            ok "23_https_fetch on SChannel against examples/tls/23_https_server.py prints examples/tls/23_https_fetch.txt"
        else
            bad "23_https_fetch on SChannel: output differs from examples/tls/23_https_fetch.txt"
            diff examples/tls/23_https_fetch.txt "$exe.txt" | head -10 | tee -a "$failures"
        fi
        kill "$server" 2>/dev/null
        wait "$server" 2>/dev/null
    elif [ -s "$certs/server.pem" ]; then
        bad "23_https_fetch does not build on SChannel:"; sed 's/^/    /' "$exe.log" | head -20 | tee -a "$failures"
    fi
fi

if [ $fail -gt 0 ]; then
    echo "[windows] the failures again:"
    cat "$failures"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
