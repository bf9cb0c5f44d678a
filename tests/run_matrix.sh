#!/bin/sh
# SPDX-License-Identifier: MIT
# Build and run the unit tests in every configuration the README promises:
# gcc and clang, C11 and C++17, -O0 and -O2, plus the 32-bit millisecond tick
# build and a release (non-debug) build. Ends with the total "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
out=build/tests
mkdir -p "$out"
WARN="-Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror"
# uninit_warnings COMPILER: the warnings that catch part of the locals rule
# (README, "The model"), as that compiler spells them; the Makefile has the same.
uninit_warnings() {
    case $1 in
    gcc) echo "-Wuninitialized -Wmaybe-uninitialized -Wjump-misses-init" ;;
    g++) echo "-Wuninitialized -Wmaybe-uninitialized" ;; # -Wjump-misses-init is C only
    clang | clang++) echo "-Wuninitialized -Wsometimes-uninitialized -Wconditional-uninitialized" ;;
    esac
}
SRC="tests/main.c tests/impl.c $(ls tests/test_*.c | tr "\n" " ")"
total_pass=0
total_fail=0
configs=0
per_config=0
broken=""

run() { # name compiler flags...
    name=$1; shift
    command -v "$1" >/dev/null 2>&1 || { echo "[$name] skipped: $1 is not installed"; return; }
    if ! "$@" -o "$out/$name" $SRC -lm 2>"$out/$name.log"; then
        echo "[$name] BUILD FAILED:"; sed 's/^/    /' "$out/$name.log" | head -30
        broken="$broken $name"; return
    fi
    # a broken scheduler shows up as a hang: give each configuration 5 minutes
    timeout 300 "$out/$name" >"$out/$name.out" 2>&1
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
    configs=$((configs + 1)); per_config=$((p + f))
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
}

for cc in gcc clang; do
    case $cc in gcc) cxx=g++ ;; clang) cxx=clang++ ;; esac
    command -v $cc >/dev/null 2>&1 || { echo "[$cc] not installed: skipped"; continue; }
    for opt in -O0 -O2; do
        run "$cc-c11$opt" $cc -std=c11 $opt $WARN $(uninit_warnings $cc) -DAIO_DEBUG
        run "$cc-cxx17$opt" $cxx -x c++ -std=c++17 $opt $WARN $(uninit_warnings $cxx) -DAIO_DEBUG
    done
done
run "gcc-c11-ms32-O2" gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_TIME_32
run "clang-cxx17-ms32-O0" clang++ -x c++ -std=c++17 -O0 $WARN $(uninit_warnings clang++) -DAIO_DEBUG -DAIO_TIME_32
run "gcc-c11-release-O2" gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -DNDEBUG
# I/O through poll() instead of epoll (what systems other than Linux get), and
# every test's loop traced (tests/main.c, TEST_TRACED): the instruments change nothing
run "gcc-c11-poll-traced-O2" gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_IO_POLL -DTEST_TRACED

# The README's example and the demo must print what they promise.
check_output() { # name expected-file build-command... (the program is $out/$name)
    name=$1; expected=$2; shift 2
    if "$@" -o "$out/$name" 2>"$out/$name.log" && "$out/$name" --virtual >"$out/$name.out" 2>&1 &&
        cmp -s "$out/$name.out" "$expected"; then
        echo "[$name] output as expected"; total_pass=$((total_pass + 1))
    else
        echo "[$name] FAILED: output differs from $expected"; diff "$expected" "$out/$name.out" | head -20
        total_fail=$((total_fail + 1))
    fi
}
awk '/^```c$/{f=1;next} /^```$/{if(f)exit} f' README.md >"$out/readme_example.c"
check_output readme-example tests/readme.expected gcc -std=c11 $WARN $(uninit_warnings gcc) -I. "$out/readme_example.c"
check_output demo tests/demo.expected gcc -std=c11 -O2 $WARN $(uninit_warnings gcc) -I. examples/demo.c

# More checks (examples, conformance, ...): each script in tests/checks/ runs
# its checks, prints a line per check and calls `add_counts PASSED FAILED`.
extra=0
add_counts() { total_pass=$((total_pass + $1)); total_fail=$((total_fail + $2)); extra=$((extra + $1 + $2)); }
for check in tests/checks/*.sh; do
    [ -f "$check" ] || continue
    . "$check"
done

if [ -n "$broken" ]; then
    echo "broken configurations:$broken"
    total_fail=$((total_fail + 1))
fi
echo "$per_config unit tests in each of $configs configurations, plus $((extra + 2)) other checks"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
