#!/bin/sh
# SPDX-License-Identifier: MIT
# Static analysis of aio_timeout.h: cppcheck and clang-tidy over tests/lint/lint.c
# (the implementation plus every coroutine macro) in each configuration that
# changes the code (clang-tidy: TLS's on each engine installed, and the TLS
# tests and examples), then the coroutine checker on lint.c and on its corpus.
# One line per tool and configuration: "ok" or the findings.
# Exits non-zero on any finding. `make lint` runs it; tests/lint/README.md
# says which checks are on and why the others are off.
#
# CPPCHECK and CLANG_TIDY name the programs (default cppcheck, clang-tidy);
# when either is missing, cppcheck and clang-tidy are installed with apt-get.
set -u
cd "$(dirname "$0")/../.." || exit 2

CPPCHECK=${CPPCHECK:-cppcheck}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy}
TU=tests/lint/lint.c

if ! command -v "$CPPCHECK" >/dev/null 2>&1 || ! command -v "$CLANG_TIDY" >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
    echo "lint: installing cppcheck and clang-tidy"
    { $SUDO apt-get update &&
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y cppcheck clang-tidy; } >/dev/null ||
        { echo "lint: could not install cppcheck and clang-tidy" >&2; exit 2; }
fi

failed=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# report NAME FILE: one line, and the findings under it when there are any
# (FILE holds the tool's output, FILE.rc its exit status).
report() {
    if [ "$(cat "$2.rc")" -eq 0 ]; then
        echo "$1: ok"
    else
        echo "$1: FAILED"
        grep -v ' warnings\{0,1\} generated\.$' "$2" | sed 's/^/    /'
        failed=1
    fi
}

# cppcheck reads the code as C without the system headers (their contents are
# not ours to check; posix.cfg tells it what clock_gettime and nanosleep do).
# Without -D it checks each combination of the header's #ifdefs it finds.
# (its four runs go in the background, beside clang-tidy's below: each uses
# one processor; told in order after them)
k=0
for cfg in "" -DAIO_TIME_32 -DAIO_DEBUG -DAIO_NO_STDLIB; do
    k=$((k + 1))
    { "$CPPCHECK" --quiet --std=c11 --library=posix --error-exitcode=1 \
          --enable=warning,style,performance,portability -I. $cfg "$TU" >"$tmp/cppcheck$k" 2>&1
      echo $? >"$tmp/cppcheck$k.rc"; } &
done
cppcheck_report() {
    k=0
    for cfg in "" -DAIO_TIME_32 -DAIO_DEBUG -DAIO_NO_STDLIB; do
        k=$((k + 1))
        report "cppcheck ${cfg:-(every configuration)}" "$tmp/cppcheck$k"
    done
}

# TLS (AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS): the header's TLS sections through
# lint.c by clang-tidy, on each engine whose headers are installed (said, and
# left out, when not), then the TLS tests and examples. (Not cppcheck: it reads
# no system header, so it cannot see the sockets TLS needs.)
tls_engines=
for engine in OPENSSL:openssl/ssl.h MBEDTLS:mbedtls/ssl.h; do
    printf '#include <%s>\nint main(void) { return 0; }\n' "${engine#*:}" >"$tmp/probe.c"
    if ${CC:-cc} -fsyntax-only "$tmp/probe.c" >/dev/null 2>&1; then
        tls_engines="$tls_engines -DAIO_TLS_${engine%%:*}"
    else
        echo "lint: -DAIO_TLS_${engine%%:*}: skipped: ${engine#*:} is not installed (libssl-dev, libmbedtls-dev)"
    fi
done

# clang-tidy compiles the unit once per configuration; the runs go side by
# side, as each takes seconds (the analyzer follows every path through the
# coroutines). In C++ the aio__ prefix is a reserved name (it contains two
# underscores), so the reserved-identifier checks are left to the C runs.
n=0
tidy() { # tidy NAME EXTRA-CLANG-TIDY-OPTIONS COMPILER-FLAGS...
    n=$((n + 1))
    echo "$1" >"$tmp/tidy$n.name"
    extra=$2
    shift 2
    { "$CLANG_TIDY" --quiet --config-file=tests/lint/clang-tidy.yaml --warnings-as-errors='*' \
          --header-filter='aio_timeout\.h$' $extra "$TU" -- -I. "$@" >"$tmp/tidy$n" 2>&1
      echo $? >"$tmp/tidy$n.rc"; } &
}
tidy "C11" "" -std=c11
tidy "C11 -DAIO_TIME_32" "" -std=c11 -DAIO_TIME_32
tidy "C11 -DAIO_DEBUG" "" -std=c11 -DAIO_DEBUG
tidy "C11 -DAIO_NO_STDLIB" "" -std=c11 -DAIO_NO_STDLIB
tidy "C11 -DAIO_SIMULATION" "" -std=c11 -DAIO_SIMULATION -DAIO_DEBUG
tidy "C11 -DAIO_NO_LINUX" "" -std=c11 -DAIO_NO_LINUX -DAIO_DEBUG
tidy "C++17 -DAIO_DEBUG" "--checks=-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp" \
    -x c++ -std=c++17 -DAIO_DEBUG
wait
for cfg in $tls_engines; do
    tidy "C11 $cfg -DAIO_DEBUG" "" -std=c11 $cfg -DAIO_DEBUG
done
wait
# The TLS tests and examples themselves (tidy_file NAME FILE EXTRA FLAGS...):
# the examples with every check; the tests without the static analyzer (it
# follows the test program's paths through the whole header: the header's
# own runs above do that) and without two checks that the test runner's
# macros trip (CHECK_EQ declares two locals in one statement; the file
# includes the runner, tests/main.c).
tidy_file() {
    n=$((n + 1))
    echo "$1" >"$tmp/tidy$n.name"
    file=$2 extra=$3
    shift 3
    { "$CLANG_TIDY" --quiet --config-file=tests/lint/clang-tidy.yaml --warnings-as-errors='*' \
          --header-filter='aio_timeout\.h$' $extra "$file" -- -I. "$@" >"$tmp/tidy$n" 2>&1
      echo $? >"$tmp/tidy$n.rc"; } &
}
for cfg in $tls_engines; do
    for file in examples/tls/*.c; do
        tidy_file "$file $cfg" "$file" "" -std=c11 $cfg -DAIO_DEBUG
    done
    tidy_file "tests/tls/test_tls.c $cfg" tests/tls/test_tls.c \
        "--checks=-clang-analyzer-*,-readability-isolate-declaration,-bugprone-suspicious-include" -std=c11 $cfg -DAIO_DEBUG
    wait
done
wait # (cppcheck's, if still running)
cppcheck_report
i=1
while [ "$i" -le "$n" ]; do
    report "clang-tidy $(cat "$tmp/tidy$i.name")" "$tmp/tidy$i"
    i=$((i + 1))
done

# The coroutine checker (tests/lint/coroutines.py, needs clang and python3):
# lint.c's coroutines have no finding, and each file of its corpus gets
# exactly the findings it expects (a bare break or continue in a block,
# AIO_LEAVE in a loop of the user's, a local read after an await, ...).
# tests/checks/coroutines.sh runs it on the project's examples and tests.
if command -v clang >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    { python3 tests/lint/coroutines.py -I. "$TU" &&
      python3 tests/lint/coroutines.py --expect -I. tests/lint/corpus/*.c tests/lint/corpus/*.cpp |
          grep -v '^ok ' ; } 2>&1 | grep -v '^coroutines.py: [0-9]* files* checked, nothing found' >"$tmp/coroutines"
    if [ -s "$tmp/coroutines" ]; then echo 1; else echo 0; fi >"$tmp/coroutines.rc"
    report "coroutines (lint.c, corpus)" "$tmp/coroutines"
else
    echo "coroutines: skipped (needs clang and python3)"
fi

exit $failed
