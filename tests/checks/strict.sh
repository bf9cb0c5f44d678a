# SPDX-License-Identifier: MIT
# Stage: the examples, the firmware programs and the implementation under a firmware team's strict warnings
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# A macro expands into the user's file, under the user's flags: with
# $WARN_STRICT (tests/warnings.sh: -Wconversion -Wsign-conversion -Wcast-qual
# -Wshadow -Wundef and the rest, -Werror) every example compiles with gcc and
# clang, and the implementation in a user's file at -O2 and -O3 (the
# warnings only an optimizer gives: tests/checks/optimized_user.c); the
# firmware programs (examples/firmware, examples/sampler) with
# arm-none-eabi-gcc for the Cortex-M0 and the M4; the implementation of both
# headers with gcc and clang at 64-bit ns, 32-bit ms and 32,768 Hz ticks, for
# the Cortex-M0 and for the ATmega328P (avr-gcc). A compiler that is not
# installed is counted as skipped. One line per build.
st_pass=0
st_fail=0
st_dir="$out/strict"
mkdir -p "$st_dir"
# st_try NAME COMMAND...: one line, counted
st_try() {
    st_name=$1
    shift
    if "$@" >"$st_dir/log" 2>&1; then
        st_pass=$((st_pass + 1))
        echo "[strict] $st_name"
    else
        st_fail=$((st_fail + 1))
        echo "[strict] FAILED $st_name:"
        grep -E 'error|warning' "$st_dir/log" | head -n 4 | sed 's/^/    /'
    fi
}
printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' >"$st_dir/impl.c"
printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout_core.h"\n' >"$st_dir/impl_core.c"
for st_cc in gcc clang; do
    if ! command -v $st_cc >/dev/null 2>&1; then
        echo "[strict] $st_cc: skipped, not installed"
        add_skipped 1 "strict ($st_cc)"
        continue
    fi
    st_ok=0
    st_bad=""
    for st_f in examples/*.c examples/tls/*.c; do
        # shellcheck disable=SC2086
        if $st_cc -std=c11 $WARN_STRICT -I. -c "$st_f" -o "$st_dir/x.o" >"$st_dir/log" 2>&1; then
            st_ok=$((st_ok + 1))
        else
            st_bad="$st_bad $st_f"
            grep -E 'error|warning' "$st_dir/log" | head -n 3 | sed 's/^/    /'
        fi
    done
    if [ -z "$st_bad" ]; then
        st_pass=$((st_pass + 1))
        echo "[strict] $st_cc: the $st_ok examples"
    else
        st_fail=$((st_fail + 1))
        echo "[strict] FAILED $st_cc: examples that warn:$st_bad"
    fi
    for st_time in "" "-DAIO_TIME_32" "-DAIO_TIME_32 -DAIO_TICKS_PER_SEC=32768u" "-DAIO_TICKS_PER_SEC=32768u" \
        "-DAIO_SIMULATION"; do
        # shellcheck disable=SC2086
        st_try "$st_cc: the implementation ${st_time:-(64-bit ns)}" \
            $st_cc -std=c11 $WARN_STRICT $st_time -I. -c "$st_dir/impl.c" -o "$st_dir/x.o"
        # (durations in the user's file: every integer type, tests/checks/durations_user.c)
        # shellcheck disable=SC2086
        st_try "$st_cc: a user's durations ${st_time:-(64-bit ns)}" \
            $st_cc -std=c11 $WARN_STRICT -Wtype-limits $st_time -I. -c tests/checks/durations_user.c -o "$st_dir/x.o"
    done
    # (optimized: the warnings an optimizer gives, tests/checks/optimized_user.c)
    for st_opt in -O2 -O3 "-O2 -DFIRMWARE"; do
        # shellcheck disable=SC2086
        st_try "$st_cc $st_opt: the implementation in a user's file, run" \
            sh -c "$st_cc -std=c11 $st_opt $WARN_STRICT -DHEADER='\"aio_timeout.h\"' -I. tests/checks/optimized_user.c \
                -o '$st_dir/optimized' -lpthread && '$st_dir/optimized'"
    done
done
if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    for st_cpu in cortex-m0 cortex-m4; do
        for st_f in examples/firmware/firmware.c examples/sampler/sampler.c; do
            # shellcheck disable=SC2086
            st_try "arm-none-eabi-gcc $st_cpu: $st_f" \
                arm-none-eabi-gcc -mcpu=$st_cpu -mthumb -std=c11 -Os $WARN_STRICT -I. -c "$st_f" -o "$st_dir/x.o"
        done
        # shellcheck disable=SC2086
        st_try "arm-none-eabi-gcc $st_cpu -O3: aio_timeout_core.h's implementation in a user's file" \
            arm-none-eabi-gcc -mcpu=$st_cpu -mthumb -std=c11 -O3 $WARN_STRICT -DAIO_TIME_32 -DAIO_NO_STDLIB -DFIRMWARE \
            -DHEADER='"aio_timeout_core.h"' -I. -c tests/checks/optimized_user.c -o "$st_dir/x.o"
        # shellcheck disable=SC2086
        st_try "arm-none-eabi-gcc $st_cpu: aio_timeout_core.h's implementation, 32,768 Hz" \
            arm-none-eabi-gcc -mcpu=$st_cpu -mthumb -std=c11 -Os $WARN_STRICT -DAIO_TIME_32 \
            -DAIO_TICKS_PER_SEC=32768u -DAIO_NO_STDLIB -I. -c "$st_dir/impl_core.c" -o "$st_dir/x.o"
    done
else
    echo "[strict] arm-none-eabi-gcc: skipped, not installed (apt-get install gcc-arm-none-eabi)"
    add_skipped 1 "strict (arm-none-eabi-gcc)"
fi
if command -v avr-gcc >/dev/null 2>&1 && [ -f /usr/lib/avr/include/avr/io.h ]; then
    for st_time in "" "-DAIO_TICKS_PER_SEC=32768u"; do
        # shellcheck disable=SC2086
        st_try "avr-gcc ATmega328P: aio_timeout_core.h's implementation, 32-bit ticks $st_time" \
            avr-gcc -mmcu=atmega328p -std=c11 -Os $WARN_STRICT -DAIO_TIME_32 $st_time -DAIO_NO_STDLIB \
            -I. -c "$st_dir/impl_core.c" -o "$st_dir/x.o"
    done
else
    echo "[strict] avr-gcc: skipped, not installed (apt-get install gcc-avr avr-libc)"
    add_skipped 1 "strict (avr-gcc)"
fi
add_counts "$st_pass" "$st_fail"
