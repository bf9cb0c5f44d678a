#!/bin/sh
# SPDX-License-Identifier: MIT
# make size: the library's flash and RAM on Cortex-M0, M3 and M4 at -Os.
#
# The library is compiled as its own object (lib.c: 32-bit ms ticks,
# AIO_NO_STDLIB, interrupts masked around the ready queue, no AIO_DEBUG) and
# linked with --gc-sections into three programs; the table counts only what
# the linker kept of that object (.text includes its constants):
#   minimal  one task, one sleep (aio_run)
#   core     one task sleeping in a timeout scope, cancelled from the
#            super-loop, with a cleanup section (aio_step)
#   full     every primitive (full.c)
# RAM per object is sizeof on the 32-bit target. Writes build/embedded/size.md.
set -eu
cd "$(dirname "$0")/../../.."
CC=${ARM_CC:-arm-none-eabi-gcc}
S=tests/embedded/size
B=build/embedded/size
WARN="-Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror"
CFLAGS="-std=c11 -Os $WARN -ffunction-sections -fdata-sections"
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "size: $CC is not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    exit 1
fi
mkdir -p "$B"
rows=""
for cpu in m0 m3 m4; do
    case $cpu in
    m0) flags="-mcpu=cortex-m0 -mthumb" label="Cortex-M0" ;;
    m3) flags="-mcpu=cortex-m3 -mthumb" label="Cortex-M3" ;;
    m4) flags="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" label="Cortex-M4F" ;;
    esac
    mkdir -p "$B/$cpu"
    # shellcheck disable=SC2086
    $CC $flags $CFLAGS -c $S/lib.c -o "$B/$cpu/lib.o"
    for prog in minimal core full; do
        # shellcheck disable=SC2086
        $CC $flags $CFLAGS --specs=nosys.specs -nostartfiles -Wl,--gc-sections \
            -Wl,-Map="$B/$cpu/$prog.map" -Ltests/embedded -Ttests/embedded/mps2.ld \
            $S/$prog.c "$B/$cpu/lib.o" tests/embedded/startup.c -o "$B/$cpu/$prog.elf"
        rows="$rows $label|$prog|$B/$cpu/$prog.map"
    done
done
# shellcheck disable=SC2086
python3 $S/report.py "$B/library.md" lib.o $rows >/dev/null

# What each feature adds to a program whose one task sleeps (feature.c), on
# Cortex-M0: library bytes kept, and the difference from that program.
FEATURES="timeout cleanup call await wait_for event wait gather group shielded lock semaphore condition"
frows="Cortex-M0|sleep|$B/m0/feature-none.map"
$CC -mcpu=cortex-m0 -mthumb $CFLAGS --specs=nosys.specs -nostartfiles -Wl,--gc-sections \
    -Wl,-Map="$B/m0/feature-none.map" -Ltests/embedded -Ttests/embedded/mps2.ld \
    $S/feature.c "$B/m0/lib.o" tests/embedded/startup.c -o "$B/m0/feature-none.elf"
for f in $FEATURES; do
    F=$(echo "$f" | tr a-z A-Z)
    # shellcheck disable=SC2086
    $CC -mcpu=cortex-m0 -mthumb $CFLAGS -DFEATURE_$F --specs=nosys.specs -nostartfiles -Wl,--gc-sections \
        -Wl,-Map="$B/m0/feature-$f.map" -Ltests/embedded -Ttests/embedded/mps2.ld \
        $S/feature.c "$B/m0/lib.o" tests/embedded/startup.c -o "$B/m0/feature-$f.elf"
    frows="$frows Cortex-M0|$f|$B/m0/feature-$f.map"
done
# shellcheck disable=SC2086
python3 $S/report.py "$B/features.md" lib.o $frows >/dev/null

hexsize() { # symbol -> decimal size
    v=$(arm-none-eabi-nm -S "$B/structs.o" | awk -v n="sizeof_$1" '$4 == n { print $2 }')
    echo $((0x$v))
}
$CC -mcpu=cortex-m0 -mthumb -std=c11 -Os $WARN -c $S/structs.c -o "$B/structs.o"
t32=$(hexsize task) s32=$(hexsize timeout) tm32=$(hexsize timer) f32=$(hexsize frame)
e32=$(hexsize event) g32=$(hexsize group) l32=$(hexsize loop)
$CC -mcpu=cortex-m0 -mthumb -std=c11 -Os $WARN -DSIZE_TIME_64 -c $S/structs.c -o "$B/structs.o"
t64=$(hexsize task) s64=$(hexsize timeout) tm64=$(hexsize timer)

core_m0=$(awk -F'|' '$2 ~ /Cortex-M0/ && $3 ~ /core/ { gsub(/ /, "", $4); print $4 }' "$B/library.md")
{
    echo "Library code and data (bytes; Thumb, -Os, arm-none-eabi-gcc $($CC -dumpversion)):"
    echo
    cat "$B/library.md"
    echo
    echo "What one feature adds to a program whose one task sleeps (Cortex-M0, library .text kept):"
    echo
    awk -F'|' 'NR > 2 { gsub(/ /, "", $3); gsub(/ /, "", $4); if ($3 == "sleep") base = $4;
        printf "%s %s\n", $3, $4 }' "$B/features.md" | awk -v OFS='' '
        NR == 1 { base = $2; print "| feature | library .text | added |"; print "|---|---:|---:|";
                  print "| a task that sleeps (`AIO_SLEEP`, `aio_run`) | ", base, " | |"; next }
        { print "| + ", $1, " | ", $2, " | ", $2 - base, " |" }'
    echo
    echo "RAM on a 32-bit target (bytes; AIO_TIME_32 / 64-bit time):"
    echo
    echo "| object | AIO_TIME_32 | 64-bit time |"
    echo "|---|---:|---:|"
    echo "| per task (\`aio_task\`) | $t32 | $t64 |"
    echo "| per timeout scope (\`aio_timeout\`) | $s32 | $s64 |"
    echo "| per timer slot (one per task waiting with a deadline) | $tm32 | $tm64 |"
    echo "| per inline coroutine frame (\`aio_frame\`) | $f32 | $f32 |"
    echo "| per event / task group / the loop | $e32 / $g32 / $l32 | |"
    echo
    echo "Targets: core <= 3072 bytes of Thumb .text on Cortex-M0: $core_m0 ($( [ "$core_m0" -le 3072 ] && echo met || echo "missed by $((core_m0 - 3072))"));"
    echo "RAM per task <= 32 bytes: $t32 ($( [ "$t32" -le 32 ] && echo met || echo "missed by $((t32 - 32))"))."
} >"$B/../size.md"
cat "$B/../size.md"
