#!/bin/sh
# SPDX-License-Identifier: MIT
# make size: the library's flash and RAM on Cortex-M0, M3 and M4 at -Os, the
# goals it is measured against, and (--check, CI) the ceilings it must stay under.
#
# The library is compiled as its own object (lib.c: 32-bit ms ticks,
# AIO_NO_STDLIB, interrupts masked around the ready queue, no AIO_DEBUG) and
# linked with --gc-sections into three programs; the table counts only what
# the linker kept of that object (.text includes its constants):
#   minimal  one task, one sleep (aio_run)
#   core     one task waiting with a timeout, cancelled from the super-loop,
#            with a cleanup section that awaits (aio_step)
#   full     every primitive (full.c)
# The goals count minimal and core as whole programs in one file
# (onefile.c: everything the program's own object keeps), and minimal on an
# ATmega328P as the whole program's flash (when avr-gcc is installed), and
# core there too built without -ffunction-sections and --gc-sections: then
# every function of the implementation is linked, the whole library (its
# ceiling a budget: it must leave an Arduino Uno room for a program).
# RAM per object is sizeof on the 32-bit target. Writes build/embedded/size.md,
# and build/embedded/size/figures.txt for tests/checks/doc_figures.py, which
# compares them with what docs/embedded.md says: `make size` prints that,
# --check (make size-check, CI) and --docs (make test) fail when they differ
# (when measured with the compilers ceilings.txt names; with others the page's
# figures are not compared). --docs prints only the comparison.
set -eu
check= docs=
[ "${1:-}" = --check ] && check=--check
[ "${1:-}" = --docs ] && docs=--docs
cd "$(dirname "$0")/../../.."
CC=${ARM_CC:-arm-none-eabi-gcc}
S=tests/embedded/size
B=build/embedded/size
. tests/warnings.sh # (the warning flags)
WARN=$WARN_BASE
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
FEATURES="timeout cleanup call await cancel wait_for event wait gather group shielded lock semaphore condition queue"
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
e32=$(hexsize event) g32=$(hexsize group) l32=$(hexsize loop) q32=$(hexsize queue)
$CC -mcpu=cortex-m0 -mthumb -std=c11 -Os $WARN -DSIZE_TIME_64 -c $S/structs.c -o "$B/structs.o"
t64=$(hexsize task) s64=$(hexsize timeout) tm64=$(hexsize timer) q64=$(hexsize queue)

# The goals: whole programs in one file on Cortex-M0 (the program's own
# object: library, task bodies and main), the same on an ATmega328P (its
# whole flash), and a task's size on the host.
onefile() { # program [name flags] -> bytes of .text and .rodata the program's object keeps
    o=onefile_${2:-$1}
    # shellcheck disable=SC2086
    $CC -mcpu=cortex-m0 -mthumb $CFLAGS ${3:-} -DPROGRAM="\"$1.c\"" -c $S/onefile.c -o "$B/m0/$o.o"
    $CC -mcpu=cortex-m0 -mthumb $CFLAGS --specs=nosys.specs -nostartfiles -Wl,--gc-sections \
        -Wl,-Map="$B/m0/$o.map" -Ltests/embedded -Ttests/embedded/mps2.ld \
        "$B/m0/$o.o" tests/embedded/startup.c -o "$B/m0/$o.elf"
    python3 -c "import sys; sys.path.insert(0, '$S'); import report
print(report.library_sizes('$B/m0/$o.map', '$o.o')['text'])"
}
m0_sleep=$(onefile minimal)
m0_core=$(onefile core)
# The same programs with AIO_STATIC, as a program in one file may define it
# (examples/firmware and the Arduino sketch do): the compiler then sees every
# function the program does not call and inlines those called once.
m0_sleep_static=$(onefile minimal minimal_static -DAIO_STATIC)
m0_core_static=$(onefile core core_static -DAIO_STATIC)
m0_sensor_one=$(onefile sensor)
m0_sensor_static=$(onefile sensor sensor_static -DAIO_STATIC)
# What one await costs at its site (sites.c): the second of two sites, on
# Cortex-M0, in a program in one file.
site_bytes() { # kind -> bytes the second site adds
    one=$(onefile sites "site_$1_1" "-DSITE_$(echo "$1" | tr a-z A-Z) -DSITES=1")
    two=$(onefile sites "site_$1_2" "-DSITE_$(echo "$1" | tr a-z A-Z) -DSITES=2")
    echo $((two - one))
}
site_sleep=$(site_bytes sleep) site_yield=$(site_bytes yield)
site_timeout=$(site_bytes timeout) site_event=$(site_bytes event)
# A sensor node (sensor.c: three tasks, a timeout block around an event
# wait, a queue fed from an interrupt, a cancel whose shielded cleanup
# awaits, a watchdog): the library's part of it, on Cortex-M0 and (below)
# on an ATmega328P, each with the library as its own object.
$CC -mcpu=cortex-m0 -mthumb $CFLAGS --specs=nosys.specs -nostartfiles -Wl,--gc-sections \
    -Wl,-Map="$B/m0/sensor.map" -Ltests/embedded -Ttests/embedded/mps2.ld \
    $S/sensor.c "$B/m0/lib.o" tests/embedded/startup.c -o "$B/m0/sensor.elf"
lib_text() { # map -> bytes of .text and .rodata kept of lib.o
    python3 -c "import sys; sys.path.insert(0, '$S'); import report
print(report.library_sizes('$1', 'lib.o')['text'])"
}
m0_sensor=$(lib_text "$B/m0/sensor.map")
# What a program never uses it does not link: the sensor node's one queue is
# a FIFO, so none of a LIFO's or a priority queue's code (their store and
# take, the heap's swap) is in it, on either CPU.
unused='^aio__queue_(lifo|heap|swap)$'
linked_unused=$(arm-none-eabi-nm "$B/m0/sensor.elf" | awk '{ print $NF }' | grep -E "$unused" | tr '\n' ' ')
[ -z "$linked_unused" ] || linked_unused=" sensor.elf: $linked_unused;"
# No 64-bit arithmetic helper of the compiler's (add, subtract, negate,
# compare, shift, multiply, divide: libgcc's DImode names and ARM's EABI
# ones) in a program that did not ask for 64-bit time: the programs above on
# Cortex-M0 and those below on the ATmega328P, and durations from run-time
# counts at 1 kHz, 32,768 Hz and 1 MHz ticks (AIO_MS, AIO_US, AIO_SEC).
helpers64='^(__aeabi_(u?ldivmod|lmul|u?lcmp|llsl|llsr|lasr|lneg)|__[a-z]+di[234](_s8)?)$'
found64=""
for e in "$B"/m0/minimal.elf "$B"/m0/core.elf "$B"/m0/full.elf "$B"/m0/onefile_minimal.elf "$B"/m0/onefile_core.elf \
    "$B"/m0/sensor.elf; do
    h=$(arm-none-eabi-nm "$e" | awk '{ print $NF }' | grep -E "$helpers64" | tr '\n' ' ')
    [ -z "$h" ] || found64="$found64 $(basename "$e"): $h;"
done
printf '#include "config.h"\n#include "../../../aio_timeout_core.h"\nvolatile uint32_t in;\nvolatile aio_time out;\nint main(void) { out = AIO_US(in); out = AIO_MS(in); out = AIO_SEC(in); return 0; }\n' \
    >"$B/durations.c"
for rate in 1000u 32768u 1000000u; do
    # shellcheck disable=SC2086
    $CC -mcpu=cortex-m0 -mthumb $CFLAGS -DAIO_TICKS_PER_SEC=$rate -I$S -c "$B/durations.c" -o "$B/m0/durations.o"
    h=$(arm-none-eabi-nm -u "$B/m0/durations.o" | awk '{ print $NF }' | grep -E "$helpers64" | tr '\n' ' ')
    [ -z "$h" ] || found64="$found64 durations at $rate ticks/s: $h;"
done
avr_sleep=- avr_sleep_static=- avr_whole=- avr_sensor=- avr_sensor_one=- avr_sensor_static=- avr_version=-
if command -v avr-gcc >/dev/null 2>&1 && [ -f /usr/lib/avr/include/avr/io.h ]; then
    mkdir -p "$B/avr"
    for v in minimal minimal_static sensor_one sensor_static; do
        extra=
        case $v in *_static) extra=-DAIO_STATIC ;; esac
        # shellcheck disable=SC2086
        avr-gcc -mmcu=atmega328p -std=c11 -Os $WARN_AVR -ffunction-sections -fdata-sections -Wl,--gc-sections \
            $extra -DPROGRAM="\"${v%_*}.c\"" $S/onefile.c -o "$B/avr/$v.elf"
    done
    # shellcheck disable=SC2086
    avr-gcc -mmcu=atmega328p -std=c11 -Os $WARN_AVR -DPROGRAM='"core.c"' $S/onefile.c -o "$B/avr/whole.elf"
    # shellcheck disable=SC2086
    avr-gcc -mmcu=atmega328p -std=c11 -Os $WARN_AVR -ffunction-sections -fdata-sections -c $S/lib.c -o "$B/avr/lib.o"
    # shellcheck disable=SC2086
    avr-gcc -mmcu=atmega328p -std=c11 -Os $WARN_AVR -ffunction-sections -fdata-sections -Wl,--gc-sections \
        -Wl,-Map="$B/avr/sensor.map" $S/sensor.c "$B/avr/lib.o" -o "$B/avr/sensor.elf"
    avr_sensor=$(lib_text "$B/avr/sensor.map")
    h=$(avr-nm "$B/avr/sensor.elf" | awk '{ print $NF }' | grep -E "$unused" | tr '\n' ' ')
    [ -z "$h" ] || linked_unused="$linked_unused avr/sensor.elf: $h;"
    for e in "$B"/avr/minimal.elf "$B"/avr/minimal_static.elf "$B"/avr/whole.elf "$B"/avr/sensor.elf; do
        h=$(avr-nm "$e" | awk '{ print $NF }' | grep -E "$helpers64" | tr '\n' ' ')
        [ -z "$h" ] || found64="$found64 avr/$(basename "$e"): $h;"
    done
    avr_sleep=$(avr-size "$B/avr/minimal.elf" | awk 'NR == 2 { print $1 + $2 }')
    avr_whole=$(avr-size "$B/avr/whole.elf" | awk 'NR == 2 { print $1 + $2 }')
    avr_sleep_static=$(avr-size "$B/avr/minimal_static.elf" | awk 'NR == 2 { print $1 + $2 }')
    avr_sensor_one=$(avr-size "$B/avr/sensor_one.elf" | awk 'NR == 2 { print $1 + $2 }')
    avr_sensor_static=$(avr-size "$B/avr/sensor_static.elf" | awk 'NR == 2 { print $1 + $2 }')
    avr_version="avr-gcc-$(avr-gcc -dumpversion)"
fi
${HOST_CC:-cc} -std=c11 -I. $S/hostsize.c -o "$B/hostsize"
task_host=$("$B/hostsize")
full_m0=$(awk -F'|' '$2 ~ /Cortex-M0/ && $3 ~ /full/ { gsub(/ /, "", $4); print $4 }' "$B/library.md")
arm_version="arm-none-eabi-gcc-$($CC -dumpversion)"
goals() { # [--check]
    python3 $S/goals.py "$@" m0_sleep="$m0_sleep" m0_core="$m0_core" m0_full="$full_m0" \
        avr_sleep="$avr_sleep" avr_whole="$avr_whole" m0_sensor="$m0_sensor" avr_sensor="$avr_sensor" \
        site_timeout="$site_timeout" task32="$t32" \
        task_host="$task_host" \
        arm_version="$arm_version" avr_version="$avr_version"
}
goals >"$B/goals.md"
# What docs/embedded.md quotes, one "key value..." per line
{
    echo "arm_version $arm_version"
    echo "avr_version $avr_version"
    echo "m0_sleep $m0_sleep"
    echo "m0_core $m0_core"
    echo "m0_full $full_m0"
    echo "avr_sleep $avr_sleep"
    echo "avr_whole $avr_whole"
    echo "sensor $m0_sensor $avr_sensor"
    echo "static $m0_sleep_static $m0_core_static $avr_sleep_static"
    echo "static_sensor $m0_sensor_one $m0_sensor_static $avr_sensor_one $avr_sensor_static"
    echo "sites $site_sleep $site_yield $site_timeout $site_event"
    echo "task32 $t32"
    echo "task_host $task_host"
    awk -F'|' 'NR > 2 { for (i = 2; i <= 6; i++) gsub(/ /, "", $i); print "lib." $2 "." $3, $4
        data[$5] = 1; bss[$6] = 1 }
        END { d = ""; for (k in data) d = d (d == "" ? "" : ",") k; b = ""; for (k in bss) b = b (b == "" ? "" : ",") k
              print "lib.data", d; print "lib.bss", b }' "$B/library.md"
    echo "features $FEATURES"
    awk -F'|' 'NR > 2 { gsub(/ /, "", $3); gsub(/ /, "", $4); print "feature." $3, $4 }' "$B/features.md"
    echo "ram $t32 $t64 $s32 $s64 $tm32 $tm64 $f32 $e32 $g32 $q32 $q64 $l32"
} >"$B/figures.txt"
if [ -n "$docs" ]; then
    python3 tests/checks/doc_figures.py run size "$B/figures.txt"
    exit
fi
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
    echo "| per queue (\`aio_queue\`; its storage apart: the item size per place) | $q32 | $q64 |"
    echo
    echo "Goals (the sizes a firmware author compares; $(uname -m) for the host row):"
    echo
    cat "$B/goals.md"
    echo
    echo "A program in one file, built as the goals count it and with AIO_STATIC defined:"
    echo
    echo "| figure | default | AIO_STATIC |"
    echo "|---|---:|---:|"
    echo "| Cortex-M0 -Os, one task that sleeps | $m0_sleep B | $m0_sleep_static B |"
    echo "| Cortex-M0 -Os, a wait with a timeout, cancelled, cleanup that awaits | $m0_core B | $m0_core_static B |"
    echo "| Cortex-M0 -Os, the sensor node | $m0_sensor_one B | $m0_sensor_static B |"
    echo "| ATmega328P -Os, one task that sleeps, whole program's flash | $avr_sleep B | $avr_sleep_static B |"
    echo "| ATmega328P -Os, the sensor node, whole program's flash | $avr_sensor_one B | $avr_sensor_static B |"
    echo
    echo "What one await costs at its site (Cortex-M0 -Os, the second of two in one body, one file):"
    echo
    echo "| await | bytes |"
    echo "|---|---:|"
    echo "| \`AIO_SLEEP\` | $site_sleep |"
    echo "| \`AIO_YIELD\` | $site_yield |"
    echo "| \`AIO_TIMEOUT\` block around an \`AIO_SLEEP\` | $site_timeout |"
    echo "| \`AIO_EVENT_WAIT\` with a timeout | $site_event |"
    echo
    if [ -z "$found64" ]; then
        echo "64-bit arithmetic helpers: none linked (the programs above, on Cortex-M0 and the ATmega328P; durations at 1 kHz, 32,768 Hz, 1 MHz)"
    else
        echo "64-bit arithmetic helpers linked where 64-bit time was not asked for:$found64"
    fi
    if [ -z "$linked_unused" ]; then
        echo "The sensor node's FIFO links no LIFO's or priority queue's code (Cortex-M0 and the ATmega328P)"
    else
        echo "Code of queues the program does not use linked:$linked_unused"
    fi
} >"$B/../size.md"
cat "$B/../size.md"
[ -z "$found64" ] || { echo "size: 64-bit arithmetic helpers linked:$found64" >&2; exit 1; }
[ -z "$linked_unused" ] || { echo "size: code of queues the program does not use linked:$linked_unused" >&2; exit 1; }
echo
echo "What docs/embedded.md says, against these figures:"
docs_status=0
python3 tests/checks/doc_figures.py run size "$B/figures.txt" || docs_status=$?
[ -z "$check" ] || goals --check >/dev/null
[ -z "$check" ] || [ "$docs_status" -ne 1 ] || { echo "size: docs/embedded.md quotes other figures than these (above)" >&2; exit 1; }
