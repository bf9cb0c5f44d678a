# SPDX-License-Identifier: MIT
# Stage: the system's interface: no platform #if in the shared sections, every name in every backend, the table filled by name
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/checks/backend_names.py: no line of the implementation's shared
# sections names a platform's macro; each name docs/internals.md's recipe
# ("Adding a backend") lists is defined in parts/platforms/posix.h and parts/platforms/windows.h,
# those of the wake pair and the wait declared in parts/io/system.h; each slot
# of AIO__PLATFORM_SLOTS has its system and simulation functions, every
# table is made from that list, and each wrapper of a slot calls the slot
# it is named for; each readiness wait (parts/waits/wait-NAME.h) is guarded,
# refuses a second pick, gives every name of the seam >>system declares
# and is picked by >>impl, and no shared section names a wait. Then
# tests/checks/backend_slots.c, a table made as the header makes its own, in
# C11 and C++17 with each compiler there is (gcc, g++, clang, clang++): it
# compiles and runs as it is; with a slot left out (port_of) or one filled
# with a function of another slot's shape (connect given accept's) it does
# not, and the compiler's messages name that slot's function. Last, the
# readiness wait's seam, on copies of aio_timeout.h with gcc: a seam name
# left out of a wait (aio__readiness_waker) does not link and a message
# names it; one given in another shape (aio__readiness_wake) does not
# compile and a message names it; a second wait picked, two wait options at
# once (a second option block added to >>impl's picks, both options defined),
# an option block that does not define AIO__WAIT_ASKED (so the system's pick
# is made too), epoll picked where the system is not Linux (AIO_NO_LINUX),
# and no wait picked each stop at the #error that says so.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[backends] skipped: python3 is not installed (its 13 checks)"
    add_skipped 13 "backends (python3)"
    backends_pass=0
    backends_fail=0
else
    python3 tests/checks/backend_names.py >"$out/backends.out" 2>&1
    backends_pass=0
    backends_fail=0
    while IFS= read -r backends_line; do
        case $backends_line in
        "ok "*) backends_pass=$((backends_pass + 1)); echo "[backends] ${backends_line#ok }" ;;
        "FAILED "*) backends_fail=$((backends_fail + 1)); echo "[backends] $backends_line" ;;
        *) echo "$backends_line" ;;
        esac
    done <"$out/backends.out"
    [ $((backends_pass + backends_fail)) -eq 0 ] && backends_fail=1
fi
for backends_cc in gcc g++ clang clang++; do
    if ! command -v "$backends_cc" >/dev/null 2>&1; then
        echo "[backends] skipped: $backends_cc is not installed (its table by name)"
        add_skipped 1 "backends ($backends_cc)"
        continue
    fi
    case $backends_cc in
    *++) backends_lang="-x c++ -std=c++17" ;;
    *) backends_lang="-std=c11" ;;
    esac
    backends_bin="$out/backend_slots_$backends_cc"
    backends_why=""
    # shellcheck disable=SC2086 # ($backends_lang, $WARN: flags, split into words)
    if ! "$backends_cc" $backends_lang $WARN -DAIO_SIMULATION tests/checks/backend_slots.c -o "$backends_bin" \
        >"$backends_bin.log" 2>&1; then
        backends_why="it does not compile as it is: $(head -5 "$backends_bin.log")"
    elif ! "$backends_bin"; then
        backends_why="its table is not installed and put back"
    fi
    for backends_case in LEAVE_OUT_PORT_OF:aio__t_port_of WRONG_CONNECT:aio__t_connect; do
        backends_def=${backends_case%%:*}
        backends_name=${backends_case#*:}
        # shellcheck disable=SC2086
        if "$backends_cc" $backends_lang $WARN -DAIO_SIMULATION -D"$backends_def" tests/checks/backend_slots.c \
            -o "$backends_bin.bad" >"$backends_bin.$backends_def.log" 2>&1; then
            backends_why="$backends_why; with $backends_def it compiles"
        elif ! grep -q "$backends_name" "$backends_bin.$backends_def.log"; then
            backends_why="$backends_why; with $backends_def no message names $backends_name"
        fi
    done
    if [ -z "$backends_why" ]; then
        backends_pass=$((backends_pass + 1))
        echo "[backends] $backends_cc: the table by name compiles and runs; with port_of left out or connect given accept's function it does not, and the message names the slot"
    else
        backends_fail=$((backends_fail + 1))
        echo "[backends] FAILED: $backends_cc, tests/checks/backend_slots.c: ${backends_why#; }"
    fi
done
# the seam: each mistake a maintainer adding a wait can make, refused
backends_prog="$out/seam_prog.c"
printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\nint main(void) { return 0; }\n' >"$backends_prog"
backends_mutant() { # NAME SED-SCRIPT GCC-FLAGS EXPECTED-TEXT: the mutated copy must fail, saying EXPECTED-TEXT
    mkdir -p "$out/seam_$1"
    sed "$2" aio_timeout.h >"$out/seam_$1/aio_timeout.h"
    if cmp -s aio_timeout.h "$out/seam_$1/aio_timeout.h" && [ -z "$3" ]; then
        echo "its mutation changed nothing"
        return
    fi
    # shellcheck disable=SC2086 # ($3: flags, split into words)
    if gcc -std=c11 $3 -I"$out/seam_$1" "$backends_prog" -o "$out/seam_$1/prog" >"$out/seam_$1/log" 2>&1; then
        echo "it builds"
    elif ! grep -q "$4" "$out/seam_$1/log"; then
        echo "no message says '$4': $(head -3 "$out/seam_$1/log")"
    fi
}
backends_seam() { # WHAT NAME SED-SCRIPT GCC-FLAGS EXPECTED-TEXT: backends_mutant's complaint, if any, noted as WHAT's
    backends_r=$(backends_mutant "$2" "$3" "$4" "$5")
    [ -z "$backends_r" ] || backends_why="$backends_why; $1: $backends_r"
}
backends_why=""
if ! gcc -std=c11 -I. "$backends_prog" -o "$out/seam_prog" >"$out/seam_prog.log" 2>&1; then
    backends_why="; the program does not build as it is: $(head -3 "$out/seam_prog.log")"
fi
backends_seam "a seam name left out" left_out \
    '/^static aio__waker aio__readiness_waker(const aio__sysio \*s) {.*}$/d' "" "aio__readiness_waker"
backends_seam "a seam name in another shape" shape \
    's/^static void aio__readiness_wake(aio__waker k) {/static void aio__readiness_wake(int k) {/' "" "aio__readiness_wake"
backends_seam "two waits picked" two_picked '' "-DAIO__WAIT_POLL=1" "two readiness waits are picked"
backends_seam "two wait options at once" two_options \
    '/^#ifdef AIO_IO_POLL$/i #ifdef AIO_IO_SECOND\n#define AIO__WAIT_EPOLL 1\n#define AIO__WAIT_ASKED 1\n#endif' \
    "-DAIO_IO_POLL -DAIO_IO_SECOND" "two readiness waits are picked"
backends_seam "an option that does not say it asked" not_asked '/^#define AIO__WAIT_ASKED 1$/d' "-DAIO_IO_POLL" \
    "two readiness waits are picked"
backends_seam "epoll picked off Linux" misfit '' "-DAIO_NO_LINUX -DAIO__WAIT_EPOLL=1" \
    "the epoll wait is picked where the system is not Linux"
backends_seam "none picked" none_picked '/^#define AIO__WAIT_\(EPOLL\|POLL\) 1$/d' "" "no readiness wait is picked"
if [ -z "$backends_why" ]; then
    backends_pass=$((backends_pass + 1))
    echo "[backends] the readiness wait's seam: a name left out does not link, one in another shape does not compile (each named); two waits picked, two wait options at once, an option that does not say it asked, epoll off Linux and none picked each stop at their #error"
else
    backends_fail=$((backends_fail + 1))
    echo "[backends] FAILED: the readiness wait's seam: ${backends_why#; }"
fi
add_counts "$backends_pass" "$backends_fail"
