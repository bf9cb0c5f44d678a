#!/bin/sh
# SPDX-License-Identifier: MIT
# The header where int is 16 bits, under simavr, whose clock is the simulated
# chip's own (nothing depends on the host's speed). `make test-avr` installs
# gcc-avr, avr-libc and simavr if they are missing; `make test` runs it when
# they are installed.
#
#   smoke       tests/embedded/avr_smoke.c on an ATmega328P (2 KiB of RAM)
#   unit tests  tests/test_*.c on an ATmega1284P (16 KiB of RAM, 128 KiB of
#               flash, the most RAM of the parts simavr models), 32-bit ms
#               ticks, AIO_DEBUG and TEST_SMALL_RAM, one image per test file,
#               or per part of it: a file is cut into as few parts as fit
#               (TEST_PARTS in tests/test.h, the split the micro:bit uses),
#               the lines of its table dealt out one by one or in runs
#
# Each image names the tests it ran ("ok NAME", "FAIL NAME") and prints its
# "N passed, N failed" line on the UART and the RAM that the heap and the
# stack never reached. A file fails if an image does not build, fails a
# test, prints no result line (a crash or a hang), used all its RAM, or if
# test_parts.sh finds a test of its table that its parts did not run
# exactly once; the run fails too if the library's default debug hook did not
# print its line on the UART (test_errors.c makes one mistake with it). Exit 0
# when everything passed. --smoke: the smoke program only.
set -u
cd "$(dirname "$0")/../.."
out=build/embedded/avr
mkdir -p "$out"
for tool in avr-gcc avr-size simavr; do
    command -v $tool >/dev/null 2>&1 || { echo "[avr] skipped: $tool is not installed (make test-avr installs it)"; exit 3; }
done
. tests/warnings.sh # (the warning flags)
WARN=$WARN_AVR
MCU=atmega1284p
FREQ=16000000
RAM_STATIC_MAX=13056 # .data + .bss of an image; the rest (3.25 KiB) for the heap and the stack
# (the timer storage's growth from 64 to 128 slots holds both at once: 2.6 KiB)
FLASH_MAX=131072
SUITE_FLAGS="-DTEST_CORE -DAIO_DEBUG -DAIO_TIME_32 -DTEST_SMALL_RAM" # (TEST_CORE: on aio_timeout_core.h)
CFLAGS="-mmcu=$MCU -DF_CPU=${FREQ}UL -Os -std=c11 $WARN -ffunction-sections -fdata-sections \
        -include tests/embedded/avr_c11.h $SUITE_FLAGS"

# simavr colours the UART's lines and ends each with a dot: keep the text
clean() { sed 's/\x1b\[[0-9;]*m//g' "$1" | tr -d '\r' | sed 's/\.$//'; }

# ------------------------------------------------------------- one image
# build PART: file parts run part -> $out/<file>-<parts>-<part>.elf; fails if
# it does not link or its static data leave too little RAM
build_part() {
    f=$1 n=$2 r=$3 k=$4
    d=$out/$f-$n-$k
    rm -rf "$d" "$d.elf"
    mkdir -p "$d"
    avr-gcc $CFLAGS -DTEST_PARTS="$n" -DTEST_RUN="$r" -DTEST_PART="$k" -c "tests/test_$f.c" -o "$d/test.o" 2>"$d/build.log" &&
        avr-gcc -mmcu=$MCU -Wl,--gc-sections "$out/obj/main-$f.o" "$out/obj/impl.o" "$out/obj/glue.o" "$d/test.o" \
            -o "$d.elf" 2>>"$d/build.log" || return 1
    set -- $(avr-size "$d.elf" | awk 'NR == 2 { print $1 + $2, $2 + $3 }')
    echo "$1 $2" >"$d/size"
    [ "$1" -le $FLASH_MAX ] && [ "$2" -le $RAM_STATIC_MAX ]
}

# build FILE: the fewest parts that all fit, dealing the tests out one by one
# or in runs; writes "parts run" to $out/<file>.parts (0: none fits)
build_file() {
    f=$1 n=1
    want=$(grep -c 'TEST_ENTRY(' "tests/test_$f.c")
    avr-gcc $CFLAGS -DTEST_FILE="$f" -c tests/main.c -o "$out/obj/main-$f.o" 2>"$out/obj/main-$f.log" || {
        echo 0 >"$out/$f.parts"; return; }
    while [ $n -le 12 ]; do
        for r in 1 2 3 4 $(((want + n - 1) / n)); do
            k=0 ok=1
            while [ $k -lt $n ]; do
                build_part "$f" $n $r $k || { ok=0; break; }
                k=$((k + 1))
            done
            [ $ok = 1 ] && { echo "$n $r" >"$out/$f.parts"; return; }
            # a compile error is not a matter of size: stop there
            grep -q 'error:' "$out/$f-$n-$k/build.log" && ! grep -q 'not fit\|not within region\|overflowed' \
                "$out/$f-$n-$k/build.log" && { echo 0 >"$out/$f.parts"; return; }
            [ $n = 1 ] && break
        done
        n=$((n + 1))
    done
    echo 0 >"$out/$f.parts"
}

# run ELF: simavr's output in ELF.out (it stops when the program sleeps with
# interrupts off, after its last line)
run_image() {
    timeout 600 simavr -m $MCU -f $FREQ "$1" >"$1.raw" 2>&1
    echo "exit $?" >>"$1.raw"
    clean "$1.raw" >"$1.out"
}

case ${1:-} in
--build-file) build_file "$2"; exit 0 ;;
--run) run_image "$2"; exit 0 ;;
esac

status=0
# ---------------------------------------------------------------- smoke
if ! avr-gcc -mmcu=atmega328p -Os -std=c11 $WARN \
        -ffunction-sections -fdata-sections -Wl,--gc-sections \
        tests/embedded/avr_smoke.c -o "$out/avr_smoke.elf" 2>"$out/build.log"; then
    echo "[avr] FAILED to build for the ATmega328P:"; sed 's/^/    /' "$out/build.log" | head -20
    status=1
else
    timeout 120 simavr -m atmega328p -f 16000000 "$out/avr_smoke.elf" >"$out/run.log" 2>&1
    clean "$out/run.log" >"$out/run.txt"
    line=$(grep -a '^avr: ' "$out/run.txt" | tail -n 1)
    size=$(avr-size "$out/avr_smoke.elf" | awk 'NR == 2 { printf "%d B of flash, %d B of RAM before the stack", $1 + $2, $2 + $3 }')
    grep -a '^FAIL' "$out/run.txt" | sed 's/^/    /'
    # docs/embedded.md quotes the program's flash (tests/checks/doc_figures.py)
    bytes=$(avr-size "$out/avr_smoke.elf" | awk 'NR == 2 { print $1 + $2 }')
    docs=$(python3 tests/checks/doc_figures.py run avr-smoke "$bytes" "$(avr-gcc -dumpversion)")
    case $? in
    0) ;;
    3) echo "[avr] docs/embedded.md's flash size not compared: ${docs#skipped avr-smoke: }" ;;
    *) echo "[avr] FAILED: docs/embedded.md: ${docs#FAILED }"; status=1 ;;
    esac
    case $line in
    "avr: "*" passed, 0 failed") echo "[avr] ATmega328P under simavr: ${line#avr: } ($size)" ;;
    "") echo "[avr] FAILED: no result line from simavr:"; tail -n 5 "$out/run.txt" | sed 's/^/    /'; status=1 ;;
    *) echo "[avr] FAILED: ATmega328P under simavr: ${line#avr: }"; status=1 ;;
    esac
fi
[ "${1:-}" = "--smoke" ] && exit $status

# ----------------------------------------------------------- unit tests
start=$(date +%s)
files=$(for t in tests/test_*.c; do basename "$t" .c | sed 's/^test_//'; done)
mkdir -p "$out/obj"
rm -rf "$out"/*-*-* "$out"/*.parts
if ! avr-gcc $CFLAGS -c tests/impl.c -o "$out/obj/impl.o" 2>"$out/obj/impl.log" ||
   ! avr-gcc $CFLAGS -c tests/embedded/avr_glue.c -o "$out/obj/glue.o" 2>"$out/obj/glue.log"; then
    echo "[avr-unit] FAILED to build the runner:"; cat "$out/obj/impl.log" "$out/obj/glue.log" | head -20 | sed 's/^/    /'
    exit 1
fi
# two at a time: each file's smallest split, then every image under simavr
echo $files | tr ' ' '\n' | xargs -P 2 -I{} sh "$0" --build-file {}
for f in $files; do
    n=$(cut -d' ' -f1 "$out/$f.parts"); k=0
    while [ $k -lt "$n" ]; do echo "$out/$f-$n-$k.elf"; k=$((k + 1)); done
done | xargs -P 2 -I{} sh "$0" --run {}

total_p=0 total_f=0 images=0 bad_files=""
for f in $files; do
    n=$(cut -d' ' -f1 "$out/$f.parts" 2>/dev/null || echo 0)
    want=$(grep -c 'TEST_ENTRY(' "tests/test_$f.c")
    if [ "$n" = 0 ]; then
        echo "[avr-unit] FAILED test_$f.c: does not build or fit in 12 parts:"
        cat "$out/obj/main-$f.log" "$out/$f"-*/build.log 2>/dev/null | grep -v '^$' | tail -n 8 | sed 's/^/    /'
        status=1; bad_files="$bad_files test_$f.c"; continue
    fi
    r=$(cut -d' ' -f2 "$out/$f.parts")
    p_sum=0 f_sum=0 k=0 notes="" low=""
    while [ $k -lt "$n" ]; do
        elf=$out/$f-$n-$k.elf
        images=$((images + 1))
        grep -a -E '^(FAIL|    )' "$elf.out" | sed "s/^/    [part $k] /" | head -40
        line=$(grep -a -E '^[0-9]+ passed, [0-9]+ failed$' "$elf.out")
        ram=$(sed -n 's/^ram: \([0-9]*\) bytes.*/\1/p' "$elf.out")
        if [ "$(echo "$line" | grep -c .)" != 1 ]; then
            notes="$notes; part $k printed no result line (crash or hang): $(tail -n 2 "$elf.out" | tr '\n' ' ')"
            f_sum=$((f_sum + 1))
        else
            p_sum=$((p_sum + ${line%% passed*}))
            fl=${line#* passed, }; f_sum=$((f_sum + ${fl%% failed}))
        fi
        if [ -z "$ram" ] || [ "$ram" -lt 16 ]; then
            notes="$notes; part $k ran out of RAM (heap met stack)"; f_sum=$((f_sum + 1))
        fi
        if [ -n "$ram" ] && { [ -z "$low" ] || [ "$ram" -lt "$low" ]; }; then low=$ram; fi
        k=$((k + 1))
    done
    sizes=$(cat "$out/$f-$n"-*/size | awk '{ if ($1 > fl) fl = $1; if ($2 > r) r = $2 } END { printf "%.0f KiB flash, %d B static RAM at most", fl / 1024, r }')
    [ $((p_sum + f_sum)) -ne "$want" ] && notes="$notes; ran $((p_sum + f_sum)) of its $want tests"
    # every test of the table once, in its part (the same check as the micro:bit's)
    # shellcheck disable=SC2046
    problems=$(sh tests/embedded/test_parts.sh "tests/test_$f.c" "$n" "$r" \
        $(k=0; while [ $k -lt "$n" ]; do echo "$out/$f-$n-$k.elf.out"; k=$((k + 1)); done) 2>&1) ||
        problems=${problems:-    test_parts.sh failed}
    if [ -n "$problems" ]; then
        echo "$problems" | sed "s/image \([0-9][0-9]*\)/part \1/g"
        notes="$notes; test_parts.sh: not every test ran once"
    fi
    what="$n image$([ "$n" -gt 1 ] && echo s) ($sizes, ${low:-?} B never used)"
    if [ "$f_sum" -eq 0 ] && [ -z "$notes" ]; then
        echo "[avr-unit] test_$f.c: $p_sum passed, 0 failed in $what"
    else
        echo "[avr-unit] FAILED test_$f.c: $p_sum passed, $f_sum failed in $what$notes"
        status=1; bad_files="$bad_files test_$f.c"
    fi
    total_p=$((total_p + p_sum)); total_f=$((total_f + f_sum))
done
# The default debug hook prints too (stderr is the UART): the message of the
# mistake test_error_debug_hook_null_restores_the_default makes, read from
# flash where the header keeps it on an AVR, in the hook's format
told='aio_timeout: aio_cancel: the task was never spawned (invalid argument)'
if ! cat "$out"/errors-*.elf.out 2>/dev/null | grep -a -q -x -F "$told"; then
    echo "[avr-unit] FAILED: the default debug hook did not print \"$told\""
    status=1; total_f=$((total_f + 1))
fi
echo "[avr-unit] ATmega1284P under simavr, 32-bit ms ticks, AIO_DEBUG: $total_p passed, $total_f failed" \
     "in $images images ($(($(date +%s) - start)) s)${bad_files:+; failing:$bad_files}"
exit $status
