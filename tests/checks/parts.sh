# SPDX-License-Identifier: MIT
# Stage: the headers are what parts/ makes; aio_timeout_core.h is the same code as a build of aio_timeout.h without I/O
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The source is parts/ (tools/parts.py, docs/internals.md "The file"); the
# committed headers must be what it makes, so an edit of one without the other
# fails here. Then the core alone, aio_timeout_core.h, which the firmware
# builds include, and aio_timeout.h its superset: the library and the size
# programs (tests/embedded/size/) preprocessed for a Cortex-M0 in the
# configuration `make size` measures are the same text with either header, so
# every size figure is the same; so are the firmware programs make cross builds
# for a Cortex-M3 (the firmware and sampler examples, the tickless sweep, the
# interrupt test and its cost) and the AVR program for an ATmega328P, so each
# moves to aio_timeout.h by its include alone; on this machine the
# implementation is the same text as aio_timeout.h's with AIO_NO_IO,
# AIO_NO_THREADS and AIO_NO_PROCESSES; and the unit tests built against it
# (TEST_CORE) pass. Eight checks: the implementation is compared on Windows
# (mingw-w64) and without Linux's extensions too, and `make header-lines`
# (#line markers into parts/) gives the same code.
if ! command -v python3 >/dev/null 2>&1; then
    echo "[parts] skipped: python3 is not installed (its 9 checks)"
    add_skipped 9 "parts (python3)"
else
    parts_pass=0
    parts_fail=0
    parts_ok() { parts_pass=$((parts_pass + 1)); echo "[parts] $1"; }
    parts_failed() { parts_fail=$((parts_fail + 1)); echo "[parts] FAILED: $1"; }
    pdir=$out/parts
    rm -rf "$pdir"
    mkdir -p "$pdir/core"
    if python3 tools/parts.py check >"$pdir/check.out" 2>&1; then
        parts_ok "$(tr '\n' ';' <"$pdir/check.out" | sed 's/parts: //g; s/;$//; s/;/; /g')"
    else
        parts_failed "the headers and parts/ differ:"; sed 's/^/    /' "$pdir/check.out"
    fi
    mkdir -p "$pdir/scratch/tools"
    cp -r parts aio_timeout.h aio_timeout_core.h "$pdir/scratch/" && cp tools/parts.py "$pdir/scratch/tools/"
    printf '// >>stray\n/* a part no list names */\n' >"$pdir/scratch/parts/stray.h"
    if ! python3 "$pdir/scratch/tools/parts.py" check >"$pdir/stray.out" 2>&1 &&
       grep -q "parts/stray.h is in no list" "$pdir/stray.out"; then
        parts_ok "a part that parts.txt does not name is refused: $(head -n 1 "$pdir/stray.out" | sed 's/^parts: //')"
    else
        parts_failed "a part that no list names was not refused:"; sed 's/^/    /' "$pdir/stray.out"
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
    # parts_prog FILE COMPILER FLAGS...: FILE, its include of the core header made
    # AIO_HEADER (the other includes found beside it), the same text with either?
    parts_prog() {
        parts_f=$1
        shift
        parts_copy="$pdir/$(echo "$parts_f" | tr / _)"
        sed 's|^#include "\(\.\./\)*aio_timeout_core\.h"|#include AIO_HEADER|' "$parts_f" >"$parts_copy"
        if ! grep -q '^#include AIO_HEADER' "$parts_copy"; then
            echo "    it does not include aio_timeout_core.h"
            return 1
        fi
        parts_same "$@" -I. -I"$(dirname "$parts_f")" "$parts_copy"
    }
    parts_full=""
    # The size programs on a Cortex-M0 as make size builds them; the firmware the
    # cross builds and QEMU run, on a Cortex-M3 (superset: each builds on aio_timeout.h too)
    if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
        parts_m0=""
        for f in lib minimal core full feature structs; do
            parts_prog "tests/embedded/size/$f.c" arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -std=c11 -Os \
                -Itests/embedded/size >"$pdir/m0-$f.why" || parts_m0="$parts_m0 $f"
        done
        if [ -z "$parts_m0" ]; then
            parts_ok "Cortex-M0 as make size builds it: the library and its minimal, core, full, feature and struct programs are the same text with aio_timeout_core.h as with aio_timeout.h"
        else
            parts_failed "Cortex-M0 as make size builds it: in tests/embedded/size/,$(for f in $parts_m0; do printf " %s.c" "$f"; done) differ with aio_timeout_core.h:"
            for f in $parts_m0; do echo "  $f.c:"; cat "$pdir/m0-$f.why"; done
        fi
        parts_m3=""
        parts_hosted="-include tests/embedded/newlib_c11.h"
        for f in examples/firmware/firmware.c examples/sampler/sampler.c tests/embedded/tickless_sweep.c \
            tests/embedded/isr_put_cost.c "tests/embedded/test_isr.c $parts_hosted"; do
            # shellcheck disable=SC2086 # (the hosted one's flags, split into words)
            parts_prog ${f%% *} arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -std=c11 -Os \
                $(echo "$f" | sed -n 's/^[^ ]* //p') >"$pdir/m3-$(basename "${f%% *}").why" ||
                parts_m3="$parts_m3 ${f%% *}"
        done
        if [ -z "$parts_m3" ]; then
            parts_ok "Cortex-M3 as make cross builds them: the firmware and sampler examples, the tickless sweep, the interrupt test and its cost are the same text with aio_timeout.h as with aio_timeout_core.h, which they include"
        else
            parts_failed "Cortex-M3 as make cross builds them:$parts_m3 differ with aio_timeout.h:"
            for f in $parts_m3; do echo "  $f:"; cat "$pdir/m3-$(basename "$f").why"; done
        fi
    else
        echo "[parts] skipped: arm-none-eabi-gcc is not installed (the Cortex-M0 and M3 comparisons)"
        add_skipped 2 "parts (arm-none-eabi-gcc)"
    fi
    # The AVR program as make test-avr builds it for an ATmega328P
    if command -v avr-gcc >/dev/null 2>&1 && [ -f /usr/lib/avr/include/avr/io.h ]; then
        if parts_prog tests/embedded/avr_smoke.c avr-gcc -mmcu=atmega328p -Os -std=c11 >"$pdir/avr.why"; then
            parts_ok "ATmega328P as make test-avr builds it: tests/embedded/avr_smoke.c is the same text with aio_timeout.h as with aio_timeout_core.h, which it includes"
        else
            parts_failed "ATmega328P: tests/embedded/avr_smoke.c differs with aio_timeout.h:"; cat "$pdir/avr.why"
        fi
    else
        echo "[parts] skipped: avr-gcc and avr-libc are not installed (the ATmega328P comparison)"
        add_skipped 1 "parts (avr-gcc)"
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
    # the same on Windows and on a POSIX system without Linux's extensions (the core's own
    # clock and idle hook there; nothing of the hosted layers pruned away that a build compiles)
    if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
        if parts_same x86_64-w64-mingw32-gcc -std=c11 -DAIO_DEBUG -DNDEBUG -I. "$pdir/impl.c" >"$pdir/win.why" &&
           parts_same gcc -std=c11 -DAIO_NO_LINUX -DNDEBUG -I. "$pdir/impl.c" >>"$pdir/win.why"; then
            parts_ok "Windows (x86_64-w64-mingw32-gcc, AIO_DEBUG) and POSIX with AIO_NO_LINUX: the implementation is the same text with aio_timeout_core.h as with aio_timeout.h and AIO_NO_IO, AIO_NO_THREADS, AIO_NO_PROCESSES"
        else
            parts_failed "Windows or AIO_NO_LINUX: the implementation with aio_timeout_core.h differs from aio_timeout.h's without I/O:"
            cat "$pdir/win.why"
        fi
    else
        echo "[parts] skipped: x86_64-w64-mingw32-gcc is not installed (the Windows comparison)"
        add_skipped 1 "parts (mingw-w64)"
    fi
    # make header-lines: the same code, and a compiler's error named by part and line
    if python3 tools/parts.py build --lines --out "$pdir/lines.h" >/dev/null 2>&1 &&
       printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "lines.h"\n' >"$pdir/lines.c" &&
       gcc -std=c11 -E -P -I"$pdir" "$pdir/lines.c" -o "$pdir/lines.i" 2>/dev/null &&
       gcc -std=c11 -E -P -I. -DAIO_TIMEOUT_IMPLEMENTATION -x c aio_timeout.h -o "$pdir/plain.i" 2>/dev/null &&
       cmp -s "$pdir/lines.i" "$pdir/plain.i" &&
       ! gcc -std=c11 -DAIO_MALLOC=malloc -I"$pdir" -c "$pdir/lines.c" -o "$pdir/lines.o" 2>"$pdir/lines.err" &&
       grep -q "^parts/frame/impl.h:$(grep -n 'define all of AIO_MALLOC' parts/frame/impl.h | cut -d: -f1):" "$pdir/lines.err"; then
        parts_ok "make header-lines: the same code with #line markers, and an #error in a part named by parts/frame/impl.h and its line"
    else
        parts_failed "make header-lines: not the same code, or an error not named by its part's line:"
        head -5 "$pdir/lines.err" 2>/dev/null | sed 's/^/    /'
    fi
    # the unit tests on the core header (tests/test.h: TEST_CORE), as the firmware suites build them
    # shellcheck disable=SC2086,SC2046
    if gcc -std=c11 -O0 $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DTEST_CORE tests/main.c tests/impl.c \
            tests/test_*.c -lm -o "$pdir/core/unit" 2>"$pdir/unit.log"; then
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
