# SPDX-License-Identifier: MIT
# Stage: every example against its expected output and its Python original
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The examples (examples/README.md):
# 1. every examples/NN_name.c is built warning-free with gcc -O2 and clang -O0
#    (uninit_warnings on too), and each ported example runs with --virtual and must print exactly
#    examples/expected/NN_name.txt (both builds are run);
# 2. every Python original examples/NN_name.py runs on virtual time (Python 3.11 or
#    later) and must print the same file, or differ from it exactly as
#    examples/expected/NN_name.python-diff says (the C library's deliberate
#    differences from asyncio);
# 3. the network examples run on the real clock on loopback: 13_http_client against
#    examples/13_slow_server.py and must print examples/expected/13_http_client.txt
#    (about 3 s); 19_http_fetch and its Python original each against a new
#    examples/19_fetch_server.py (it counts requests), and both must print
#    examples/expected/19_http_fetch.txt (about 3 s each).
# 4. the examples that use sockets or child processes are built once more with
#    gcc -O2 -DAIO_NO_LINUX, the header as macOS and the BSDs take it (poll(),
#    SIGCHLD, no syscall(), descriptors marked close-on-exec after they are made, no
#    MSG_NOSIGNAL), and each must print the same file as in 1 and 3.
# The servers of examples 16 and 17 and their Python originals are only built here: they
# serve real sockets, and tests/checks/servers.sh runs them against the same clients.
# One line per check; counts via add_counts.

ex_dir="$out/examples"
rm -rf "$ex_dir"
mkdir -p "$ex_dir"
ex_pass=0
ex_fail=0
ex_ok() { echo "[examples] $1"; ex_pass=$((ex_pass + 1)); }
ex_bad() { echo "[examples] FAILED: $1"; ex_fail=$((ex_fail + 1)); }
# ex_virtual WHAT BIN NAME: BIN --virtual prints examples/expected/NAME.txt
ex_virtual() {
    if timeout 60 "$2" --virtual >"$2.out" 2>"$2.err" && cmp -s "$2.out" "examples/expected/$3.txt"; then
        ex_ok "$1 prints examples/expected/$3.txt"
    else
        ex_bad "$1: output differs from examples/expected/$3.txt"
        diff "examples/expected/$3.txt" "$2.out" | head -20
        sed 's/^/    /' "$2.err" | head -5
    fi
}

# 1. build with both compilers (in parallel), run and compare
ex_compilers="gcc:-O2"
command -v clang >/dev/null 2>&1 && ex_compilers="$ex_compilers clang:-O0"
if ! command -v clang >/dev/null 2>&1; then
    echo "[examples] skipped: clang is not installed: the clang builds are not made"
    add_skipped "$(ls examples/[0-9][0-9]_*.c | wc -l)" "the examples built with clang"
fi
for ex_src in examples/[0-9][0-9]_*.c; do
    ex_name=$(basename "$ex_src" .c)
    for ex_cc in $ex_compilers; do
        ex_bin="$ex_dir/$ex_name.${ex_cc%%:*}"
        ${ex_cc%%:*} -std=c11 ${ex_cc#*:} $WARN $(uninit_warnings ${ex_cc%%:*}) -I. "$ex_src" -o "$ex_bin" 2>"$ex_bin.log" &
        eval "ex_pid_${ex_cc%%:*}=\$!"
    done
    for ex_cc in $ex_compilers; do
        eval "ex_pid=\$ex_pid_${ex_cc%%:*}"
        ex_bin="$ex_dir/$ex_name.${ex_cc%%:*}"
        ex_what="$ex_name (${ex_cc%%:*} ${ex_cc#*:})"
        if ! wait "$ex_pid"; then
            ex_bad "$ex_what does not build:"; sed 's/^/    /' "$ex_bin.log" | head -20
            continue
        fi
        if [ ! -f "examples/expected/$ex_name.txt" ] || [ "$ex_name" = 13_http_client ] ||
            [ "$ex_name" = 19_http_fetch ] || [ "$ex_name" = 16_echo_server ] || [ "$ex_name" = 17_line_server ] ||
            [ "$ex_name" = 20_command_runner ] || [ "$ex_name" = 30_supervisor ]; then
            ex_ok "$ex_what builds warning-free"
            continue
        fi
        ex_virtual "$ex_what" "$ex_bin" "$ex_name"
    done
done

# 2. the Python originals print the same (or differ as documented), on the
# newest CPython there is: the library follows 3.12 and later where 3.11
# differs (wait_for), and an original that says "Needs CPython 3.12" in its
# docstring is only checked there.
# Every example also compiles as C++17 (g++ -x c++, the same warnings), as a
# C++ program that includes the header's macros builds it (the MSVC check of
# make test-windows does so with clang-cl): no compound literal, no
# designated initialiser.
if command -v g++ >/dev/null 2>&1; then
    ex_cxx_bad=
    for ex_src in examples/[0-9][0-9]_*.c; do
        g++ -x c++ -std=c++17 -fsyntax-only $WARN -I. "$ex_src" >"$ex_dir/cxx.log" 2>&1 ||
            ex_cxx_bad="$ex_cxx_bad $ex_src: $(grep -m 1 'error' "$ex_dir/cxx.log")"
    done
    if [ -z "$ex_cxx_bad" ]; then
        ex_ok "every example compiles as C++17 (g++ -x c++) warning-free"
    else
        ex_bad "examples that do not compile as C++17:$ex_cxx_bad"
    fi
else
    echo "[examples] skipped: g++ is not installed: the examples are not compiled as C++"
    add_skipped 1 "the examples as C++17 (g++)"
fi

ex_python=
for ex_try in ${PYTHON:-} python3.13 python3.12 python3; do
    if command -v $ex_try >/dev/null 2>&1 &&
        $ex_try -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        ex_python=$ex_try; break
    fi
done
if [ -n "$ex_python" ]; then
    stage_note="CPython $($ex_python -c 'import platform; print(platform.python_version())')"
    ex_py312=0
    $ex_python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && ex_py312=1
    for ex_py in examples/[0-9][0-9]_*.py; do
        ex_name=$(basename "$ex_py" .py)
        [ -f "examples/$ex_name.c" ] || continue # the server of example 13, the clients of 16
        [ "$ex_name" = 16_echo_server ] || [ "$ex_name" = 17_line_server ] &&
            continue # real sockets: tests/checks/servers.sh
        [ "$ex_name" = 19_http_fetch ] || [ "$ex_name" = 20_command_runner ] || [ "$ex_name" = 30_supervisor ] &&
            continue # real sockets, real processes: below
        if [ $ex_py312 = 0 ] && grep -q "Needs CPython 3.12" "$ex_py"; then
            echo "[examples] skipped: $ex_py needs CPython 3.12 or later ($ex_python is older): not checked"
            add_skipped 1 "$ex_py (CPython 3.12 or later)"
            continue
        fi
        ex_out="$ex_dir/$ex_name.python"
        if ! timeout 60 $ex_python "$ex_py" --virtual >"$ex_out.out" 2>"$ex_out.err"; then
            ex_bad "$ex_py --virtual failed:"; tail -n 5 "$ex_out.err" | sed 's/^/    /'
            continue
        fi
        diff -u --label "python3 $ex_name.py --virtual" --label "$ex_name --virtual" \
            "$ex_out.out" "examples/expected/$ex_name.txt" >"$ex_out.diff"
        if [ -f "examples/expected/$ex_name.python-diff" ]; then
            sed -n '/^--- /,$p' "examples/expected/$ex_name.python-diff" >"$ex_out.documented"
            ex_claim="differs from the C port exactly as expected/$ex_name.python-diff says"
        else
            : >"$ex_out.documented"
            ex_claim="prints examples/expected/$ex_name.txt"
        fi
        if cmp -s "$ex_out.diff" "$ex_out.documented"; then
            ex_ok "$ex_py (Python original) $ex_claim"
        elif [ ! -f "examples/expected/$ex_name.python-diff" ] &&
            grep -q "Same-instant lines may come in another order" "$ex_py" &&
            [ "$(sort "$ex_out.out")" = "$(sort "examples/expected/$ex_name.txt")" ] &&
            [ "$(cut -c1-9 "$ex_out.out")" = "$(cut -c1-9 "examples/expected/$ex_name.txt")" ]; then
            ex_ok "$ex_py (Python original) prints the lines of examples/expected/$ex_name.txt, some of one instant in another order (its docstring says why)"
        else
            ex_bad "$ex_py (Python original): the difference from expected/$ex_name.txt is not the documented one"
            head -20 "$ex_out.diff"
        fi
    done
else
    echo "[examples] skipped: no CPython 3.11 or later: the Python originals are not checked"
    ex_n=0
    for ex_py in examples/[0-9][0-9]_*.py; do # those checked above
        ex_name=$(basename "$ex_py" .py)
        [ -f "examples/$ex_name.c" ] && [ "$ex_name" != 16_echo_server ] &&
            [ "$ex_name" != 17_line_server ] && [ "$ex_name" != 19_http_fetch ] &&
            [ "$ex_name" != 20_command_runner ] && [ "$ex_name" != 30_supervisor ] && ex_n=$((ex_n + 1))
    done
    add_skipped "$ex_n" "the examples' Python originals (CPython 3.11 or later)"
fi

# 3. the network examples, on loopback, on the real clock
# ex_serve SCRIPT: start that server on a free port (ex_server, ex_port; no port: it failed)
ex_serve() {
    rm -f "$ex_dir/server.port"
    python3 "$1" --lifetime 60 >"$ex_dir/server.port" 2>"$ex_dir/server.err" &
    ex_server=$!
    ex_tries=0
    while [ ! -s "$ex_dir/server.port" ] && [ $ex_tries -lt 50 ]; do
        sleep 0.1
        ex_tries=$((ex_tries + 1))
    done
    ex_port=$(sed -n '1{/^[0-9][0-9]*$/p;}' "$ex_dir/server.port")
    [ -n "$ex_port" ] || sed 's/^/    /' "$ex_dir/server.err" | head -5
}
ex_unserve() { kill "$ex_server" 2>/dev/null; wait "$ex_server" 2>/dev/null; }
# ex_net WHAT EXPECTED SERVER CLIENT...: CLIENT PORT against a new SERVER prints EXPECTED
ex_net() {
    ex_what=$1 ex_expected=$2 ex_script=$3
    shift 3
    ex_serve "$ex_script"
    if [ -z "$ex_port" ]; then
        ex_bad "$ex_what: the server did not start"
    elif timeout 30 "$@" "$ex_port" >"$ex_dir/net.out" 2>&1 && cmp -s "$ex_dir/net.out" "$ex_expected"; then
        ex_ok "$ex_what against $(basename "$ex_script") on 127.0.0.1 prints $ex_expected"
    else
        ex_bad "$ex_what: output differs from $ex_expected"
        diff "$ex_expected" "$ex_dir/net.out" | head -20
    fi
    ex_unserve
}
if ! command -v python3 >/dev/null 2>&1; then
    echo "[examples] skipped: python3 is not installed: the network examples (13, 19) are not run"
    add_skipped 3 "13_http_client and 19_http_fetch against their servers (python3)"
else
    for ex_name in 13_http_client 19_http_fetch; do
        [ -x "$ex_dir/$ex_name.gcc" ] || ex_bad "$ex_name: not built, not run"
    done
    [ -x "$ex_dir/13_http_client.gcc" ] && ex_net 13_http_client examples/expected/13_http_client.txt \
        examples/13_slow_server.py "$ex_dir/13_http_client.gcc" 127.0.0.1
    [ -x "$ex_dir/19_http_fetch.gcc" ] && ex_net 19_http_fetch examples/expected/19_http_fetch.txt \
        examples/19_fetch_server.py "$ex_dir/19_http_fetch.gcc"
    if [ -z "$ex_python" ]; then
        echo "[examples] skipped: no CPython 3.11 or later: examples/19_http_fetch.py is not run"
        add_skipped 1 "examples/19_http_fetch.py (CPython 3.11 or later)"
    else
        ex_net "examples/19_http_fetch.py (Python original)" examples/expected/19_http_fetch.txt \
            examples/19_fetch_server.py $ex_python examples/19_http_fetch.py
    fi
fi

# The command runner (20) and its Python original run real processes on the
# real clock (its commands' lines are 0.15 s apart or more): each must print
# examples/expected/20_command_runner.txt.
ex_real() {
    ex_what=$1 ex_expected=$2
    shift 2
    if timeout 30 "$@" >"$ex_dir/real.out" 2>&1 && cmp -s "$ex_dir/real.out" "$ex_expected"; then
        ex_ok "$ex_what prints $ex_expected"
    else
        ex_bad "$ex_what: output differs from $ex_expected"
        diff "$ex_expected" "$ex_dir/real.out" | head -20
    fi
}
# ex_pair CHECK NAME: CHECK (ex_real, ex_interrupt) on example NAME's gcc build
# and on its Python original, each against examples/expected/NAME.txt
ex_pair() {
    if [ -x "$ex_dir/$2.gcc" ]; then
        $1 "$2" "examples/expected/$2.txt" "$ex_dir/$2.gcc"
    else
        ex_bad "$2: not built, not run"
    fi
    if [ -z "$ex_python" ]; then
        echo "[examples] skipped: no CPython 3.11 or later: examples/$2.py is not run"
        add_skipped 1 "examples/$2.py (CPython 3.11 or later)"
    else
        $1 "examples/$2.py (Python original)" "examples/expected/$2.txt" $ex_python "examples/$2.py"
    fi
}
ex_pair ex_real 20_command_runner

# The supervisor (30) and its Python original follow real processes on the
# real clock until a SIGINT, sent once run 3 of the child said it serves (its
# next line would come 3 s later: a wide margin); each must print
# examples/expected/30_supervisor.txt and exit with status 0 within 10 s of
# the signal (then it is killed: a failure, never a hang).
ex_interrupt() {
    ex_what=$1 ex_expected=$2
    shift 2
    : >"$ex_dir/interrupt.out"
    "$@" >"$ex_dir/interrupt.out" 2>&1 &
    ex_child=$!
    ex_tries=0
    until grep -q "^run 3: serving" "$ex_dir/interrupt.out" || [ $ex_tries -ge 300 ]; do
        sleep 0.1
        ex_tries=$((ex_tries + 1))
    done
    kill -INT $ex_child 2>/dev/null
    ex_tries=0
    while kill -0 $ex_child 2>/dev/null && [ $ex_tries -lt 100 ]; do
        sleep 0.1
        ex_tries=$((ex_tries + 1))
    done
    kill -KILL $ex_child 2>/dev/null
    wait $ex_child
    ex_status=$?
    if [ $ex_status -eq 0 ] && cmp -s "$ex_dir/interrupt.out" "$ex_expected"; then
        ex_ok "$ex_what, stopped by SIGINT, prints $ex_expected and exits with status 0"
    else
        ex_bad "$ex_what (exit $ex_status after SIGINT): output differs from $ex_expected"
        diff "$ex_expected" "$ex_dir/interrupt.out" | head -20
    fi
}
ex_pair ex_interrupt 30_supervisor

# 4. the I/O and process examples as macOS and the BSDs take the header
ex_io=$(grep -lE 'aio_server|aio_(tcp|udp|unix|process)_|AIO_(TCP|UDP|UNIX|RECV|SEND|ACCEPT|PROCESS)' \
    examples/[0-9][0-9]_*.c)
for ex_src in $ex_io; do
    ex_name=$(basename "$ex_src" .c)
    ex_bin="$ex_dir/$ex_name.nolinux"
    ex_what="$ex_name (gcc -O2 -DAIO_NO_LINUX)"
    if ! gcc -std=c11 -O2 -DAIO_NO_LINUX $WARN $(uninit_warnings gcc) -I. "$ex_src" -o "$ex_bin" 2>"$ex_bin.log"; then
        ex_bad "$ex_what does not build:"; sed 's/^/    /' "$ex_bin.log" | head -20
        continue
    fi
    case $ex_name in
    16_echo_server | 17_line_server | 27_line_server_cores) ex_ok "$ex_what builds warning-free (tests/checks/servers.sh runs it)" ;;
    13_http_client | 19_http_fetch)
        if ! command -v python3 >/dev/null 2>&1; then
            add_skipped 1 "$ex_what against its server (python3)"
        elif [ "$ex_name" = 13_http_client ]; then
            ex_net "$ex_what" examples/expected/13_http_client.txt examples/13_slow_server.py "$ex_bin" 127.0.0.1
        else
            ex_net "$ex_what" examples/expected/19_http_fetch.txt examples/19_fetch_server.py "$ex_bin"
        fi ;;
    20_command_runner) ex_real "$ex_what" examples/expected/20_command_runner.txt "$ex_bin" ;;
    30_supervisor) ex_interrupt "$ex_what" examples/expected/30_supervisor.txt "$ex_bin" ;;
    *)
        ex_virtual "$ex_what" "$ex_bin" "$ex_name" ;;
    esac
done

add_counts "$ex_pass" "$ex_fail"
