#!/bin/sh
# Build and run the unit tests in every configuration the README promises:
# gcc and clang, C11 and C++17, -O0 and -O2, plus the 32-bit millisecond tick
# build and a release (non-debug) build. Ends with the total "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
out=build/tests
mkdir -p "$out"
WARN="-Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror"
SRC="tests/main.c tests/impl.c tests/test_core.c tests/test_scopes.c tests/test_tasks.c tests/test_errors.c tests/test_stress.c"
total_pass=0
total_fail=0
broken=""

run() { # name compiler flags...
    name=$1; shift
    if ! "$@" -o "$out/$name" $SRC -lm 2>"$out/$name.log"; then
        echo "[$name] BUILD FAILED:"; sed 's/^/    /' "$out/$name.log" | head -30
        broken="$broken $name"; return
    fi
    "$out/$name" >"$out/$name.out" 2>&1
    status=$?
    line=$(tail -n 1 "$out/$name.out")
    grep -E '^(FAIL|    )' "$out/$name.out" | head -40
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$p" ] || [ -z "$f" ]; then
        echo "[$name] did not finish (exit $status):"; tail -n 5 "$out/$name.out" | sed 's/^/    /'
        broken="$broken $name"; return
    fi
    [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && { broken="$broken $name"; echo "[$name] exit status $status"; }
    echo "[$name] $p passed, $f failed"
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}

for cc in gcc clang; do
    case $cc in gcc) cxx=g++ ;; clang) cxx=clang++ ;; esac
    command -v $cc >/dev/null 2>&1 || { echo "[$cc] not installed: skipped"; continue; }
    for opt in -O0 -O2; do
        run "$cc-c11$opt" $cc -std=c11 $opt $WARN -DAIO_DEBUG
        run "$cc-cxx17$opt" $cxx -x c++ -std=c++17 $opt $WARN -DAIO_DEBUG
    done
done
run "gcc-c11-ms32-O2" gcc -std=c11 -O2 $WARN -DAIO_DEBUG -DAIO_TIME_32
run "clang-cxx17-ms32-O0" clang++ -x c++ -std=c++17 -O0 $WARN -DAIO_DEBUG -DAIO_TIME_32
run "gcc-c11-release-O2" gcc -std=c11 -O2 $WARN -DNDEBUG

if [ -n "$broken" ]; then
    echo "broken configurations:$broken"
    total_fail=$((total_fail + 1))
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
