# SPDX-License-Identifier: MIT
# Stage: the headers are what parts/ makes; aio_timeout_core.h is the same code as a build of aio_timeout.h without I/O
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The source is parts/ (tools/parts.py, docs/internals.md "The file"); the
# committed headers must be what it makes, so an edit of one without the other
# fails here. Then the core alone, aio_timeout_core.h: the library and the
# size programs (tests/embedded/size/) preprocessed for a Cortex-M0 in the
# configuration `make size` measures are the same text with it as with
# aio_timeout.h, so every size figure is the same; on this machine the
# implementation is the same text as aio_timeout.h's with AIO_NO_IO,
# AIO_NO_THREADS and AIO_NO_PROCESSES; and the unit tests built against it
# pass. Four checks.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[parts] skipped: python3 is not installed (its 4 checks)"
    add_skipped 4 "parts (python3)"
else
    parts_pass=0
    parts_fail=0
    parts_ok() { parts_pass=$((parts_pass + 1)); echo "[parts] $1"; }
    parts_failed() { parts_fail=$((parts_fail + 1)); echo "[parts] FAILED: $1"; }
    pdir=$out/parts
    rm -rf "$pdir"
    mkdir -p "$pdir/core/tests"
    if python3 tools/parts.py check >"$pdir/check.out" 2>&1; then
        parts_ok "$(tr '\n' ';' <"$pdir/check.out" | sed 's/parts: //g; s/;$//; s/;/; /g')"
    else
        parts_failed "the headers and parts/ differ:"; sed 's/^/    /' "$pdir/check.out"
    fi
    # (the same text: -E -P, no line markers, so the two files' line numbers do not count)
    # shellcheck disable=SC2086 # ($parts_full: the flags aio_timeout.h gets besides, split into words)
    parts_same() { # compiler flags... file: the same text with either header? (else why, indented)
        if ! "$@" -DAIO_HEADER='"aio_timeout.h"' $parts_full -E -P -o "$pdir/full.i" 2>"$pdir/full.log" ||
           ! "$@" -DAIO_HEADER='"aio_timeout_core.h"' -E -P -o "$pdir/core.i" 2>"$pdir/core.log"; then
            echo "    it does not preprocess:"; cat "$pdir/full.log" "$pdir/core.log" | head -20 | sed 's/^/    /'
            return 1
        fi
        cmp -s "$pdir/full.i" "$pdir/core.i" && return 0
        echo "    a part it needs is not in parts/core.txt? The first differences (< aio_timeout.h, > aio_timeout_core.h):"
        diff "$pdir/full.i" "$pdir/core.i" | head -20 | sed 's/^/    /'
        return 1
    }
    # the size programs on a Cortex-M0, their include of the header made AIO_HEADER
    if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
        parts_m0=""
        parts_full=""
        for f in lib minimal core full; do
            sed 's|#include "../../../aio_timeout.h"|#include AIO_HEADER|' "tests/embedded/size/$f.c" >"$pdir/$f.c"
            parts_same arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -std=c11 -Os -I. -Itests/embedded/size \
                "$pdir/$f.c" >"$pdir/m0-$f.why" || parts_m0="$parts_m0 $f"
        done
        if [ -z "$parts_m0" ]; then
            parts_ok "Cortex-M0 as make size builds it: the library and its minimal, core and full programs are the same text with aio_timeout_core.h as with aio_timeout.h"
        else
            parts_failed "Cortex-M0 as make size builds it: in tests/embedded/size/,$(for f in $parts_m0; do printf " %s.c" "$f"; done) differ with aio_timeout_core.h:"
            for f in $parts_m0; do echo "  $f.c:"; cat "$pdir/m0-$f.why"; done
        fi
    else
        echo "[parts] skipped: arm-none-eabi-gcc is not installed (the Cortex-M0 comparison)"
        add_skipped 1 "parts (arm-none-eabi-gcc)"
    fi
    printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include AIO_HEADER\n' >"$pdir/impl.c"
    parts_full="-DAIO_NO_IO -DAIO_NO_THREADS -DAIO_NO_PROCESSES"
    if parts_same gcc -std=c11 -DAIO_DEBUG -DNDEBUG -I. \
            "$pdir/impl.c" >"$pdir/host.why"; then
        parts_ok "this machine, AIO_DEBUG (NDEBUG: assert names its file and line): the implementation is the same text with aio_timeout_core.h as with aio_timeout.h and AIO_NO_IO, AIO_NO_THREADS, AIO_NO_PROCESSES"
    else
        parts_failed "this machine, AIO_DEBUG: the implementation with aio_timeout_core.h differs from aio_timeout.h's with AIO_NO_IO, AIO_NO_THREADS, AIO_NO_PROCESSES:"
        cat "$pdir/host.why"
    fi
    # the unit tests: tests/test.h includes "../aio_timeout.h", so a copy of them beside the core header
    cp tests/*.c tests/*.h "$pdir/core/tests/"
    cp aio_timeout_core.h "$pdir/core/aio_timeout.h"
    # shellcheck disable=SC2086,SC2046
    if (cd "$pdir/core" && gcc -std=c11 -O0 $WARN $(uninit_warnings gcc) -DAIO_DEBUG tests/main.c tests/impl.c \
            tests/test_*.c -lm -o unit) 2>"$pdir/unit.log"; then
        timeout 300 "$pdir/core/unit" >"$pdir/unit.out" 2>&1
        parts_line=$(tail -n 1 "$pdir/unit.out")
        case $parts_line in
        "0 passed"*) parts_failed "the unit tests against aio_timeout_core.h ran none" ;;
        *" passed, 0 failed") parts_ok "the unit tests against aio_timeout_core.h: $parts_line" ;;
        *) parts_failed "the unit tests against aio_timeout_core.h: $parts_line ($pdir/unit.out)"
           grep -E '^(FAIL|    )' "$pdir/unit.out" | head -20 ;;
        esac
    else
        parts_failed "the unit tests do not build against aio_timeout_core.h:"; head -20 "$pdir/unit.log" | sed 's/^/    /'
    fi
    add_counts "$parts_pass" "$parts_fail"
fi
