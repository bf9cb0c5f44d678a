#!/bin/sh
# SPDX-License-Identifier: MIT
# Run the cross-built programs under qemu-system-arm (make test-qemu).
# Semihosting carries their console and exit status back to the host.
#
#   unit tests  Cortex-M3 (mps2-an385): 64-bit time, 32-bit ms ticks, 32-bit
#               ticks at an RTC's 32,768 Hz, release;
#               Cortex-M4 (mps2-an386); Cortex-M0 code (ARMv6-M, also run on
#               the M3 board, whose RAM holds the whole suite); the micro:bit
#               (a real Cortex-M0 with 16 KiB RAM): every test, one file per
#               image or its tests dealt out among several (test.h: TEST_PARTS)
#   interrupts  tests/embedded/test_isr.c on every core in emulated time
#               (-icount: instruction-exact and repeatable), and on the M3 once
#               more in real time with -singlestep, so interrupts land between
#               any two instructions at places that change from run to run
#   firmware    examples/firmware on the M3, M4 and M0 builds in emulated time
#               (-icount sleep=off): exit status, and exactly the expected messages
#   sampler     examples/sampler (a timer interrupt feeding a queue) on the M3, M4
#               and M0 builds in emulated time: exit status and exactly the
#               expected messages
#   put cost    tests/embedded/isr_put_cost.c on the M3, M4 and M0 builds: the
#               instructions aio_queue_put_from_isr executes (-icount shift=10),
#               which must be those of docs/embedded.md's table
#   tickless    tests/embedded/tickless_sweep.c, the firmware's idle hook
#               against a reference timer, on the M3 and M0 builds (about 25 s
#               each) in emulated time only (-icount sleep=off: runs repeat exactly)
#
# The runs go two at a time (the micro:bit's images too), each reported in
# the order above.
#
# --quick: the M3 suites (64-bit time, 32,768 Hz), the M3 interrupt test, the M3 firmware and sampler
# runs and the put cost on every core only (what `make test` adds when the
# tools are there); --microbit: the
# unit tests on the micro:bit only; --not-quick: every run --quick does not make
# (CI, after make test made those). Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
B=build/embedded
QEMU=${QEMU:-qemu-system-arm}
quick=0 only_microbit=0 not_quick=0
[ "${1:-}" = "--quick" ] && quick=1
[ "${1:-}" = "--not-quick" ] && not_quick=1
[ "${1:-}" = "--microbit" ] && only_microbit=1
if ! command -v "$QEMU" >/dev/null 2>&1; then
    echo "test-qemu: $QEMU is not installed (apt-get install qemu-system-arm)"
    exit 1
fi
host_tests=$(cat tests/test_*.c | grep -c 'TEST_ENTRY(')
passed=0
failed=0

# The runs go in two passes over the same list (plan, at the end): the first
# queues each run, the queue runs two at a time (each QEMU is one thread,
# and the exact-output runs count instructions, not the host's time), the
# second reports each run in the list's order from its output and status.
pass=queue
jobs=$B/qemu-jobs
rm -rf "$jobs"; mkdir -p "$jobs"
qemu_run() { # name machine elf [qemu options...]: the first pass queues the run
             # and fails (its caller returns); the second sets status and succeeds
    name=$1 machine=$2 elf=$3
    shift 3
    if [ $pass = queue ]; then
        rm -f "$B/$name.out" "$B/$name.status"
        {
            printf 'timeout 600 %s -M %s' "$QEMU" "$machine"
            for a in "$@"; do printf " '%s'" "$a"; done
            echo " -nographic -monitor none -serial none -semihosting-config enable=on,target=native \\"
            echo "    -kernel '$elf' >'$B/$name.out' 2>&1"
            echo "echo \$? >'$B/$name.status'"
        } >"$jobs/$name.job"
        echo "$name" >>"$jobs/order"
        return 1
    fi
    status=$(cat "$B/$name.status" 2>/dev/null || echo 125)
    return 0
}
run_queued() {
    [ -f "$jobs/order" ] || return 0
    sed "s|.*|$jobs/&.job|" "$jobs/order" | xargs -n 1 -P 2 sh
}

counts() { # file: sets p and f from its "N passed, N failed" line
    line=$(tail -n 1 "$1")
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
}

# The unit tests: one check per configuration, which passes when every test
# passed and, if `expect` is given, their number matches it.
suite() { # name machine elf what [expect]
    name=$1 machine=$2 elf=$3 what=$4 expect=${5:-}
    if [ ! -f "$elf" ]; then
        [ $pass = queue ] && return
        echo "[qemu-$name] FAILED: $elf was not built"; failed=$((failed + 1)); return
    fi
    qemu_run "$name" "$machine" "$elf" || return 0
    counts "$B/$name.out"
    grep -E '^(FAIL|    |stopped)' "$B/$name.out" | head -20
    if [ -z "$p" ] || [ -z "$f" ]; then
        echo "[qemu-$name] FAILED: did not finish (exit $status):"; tail -n 5 "$B/$name.out" | sed 's/^/    /'
        failed=$((failed + 1)); return
    fi
    note=""
    [ -n "$expect" ] && [ $((p + f)) -ne "$expect" ] && note=" (expected $expect tests)"
    if [ "$f" -eq 0 ] && [ "$status" -eq 0 ] && [ -z "$note" ]; then
        echo "[qemu-$name] $p passed, $f failed: $what"; passed=$((passed + 1))
    else
        echo "[qemu-$name] FAILED: $p passed, $f failed, exit $status$note: $what"; failed=$((failed + 1))
    fi
}

isr() { # name machine elf [qemu options...]
    name=$1 machine=$2 elf=$3
    shift 3
    qemu_run "$name" "$machine" "$elf" "$@" || return 0
    counts "$B/$name.out"
    grep -v '^[0-9]* passed' "$B/$name.out" | sed "s/^\[isr\]/[qemu-$name]/"
    if [ "$status" -eq 0 ] && [ -n "$p" ] && [ "$f" = 0 ] && [ "$p" -gt 0 ]; then
        passed=$((passed + 1))
    else
        echo "[qemu-$name] FAILED (exit $status)"; failed=$((failed + 1))
    fi
}

# The firmware runs on the board's timers in emulated time that follows the
# instructions alone (-icount sleep=off, with tests/embedded/qemu_keepalive.c
# linked in): every run prints exactly examples/firmware/expected.txt, times
# included, whatever the host's speed or load.
firmware() { # name machine elf
    name=$1 machine=$2 elf=$3
    qemu_run "$name" "$machine" "$elf" -icount shift=5,sleep=off || return 0
    if [ "$status" -eq 0 ] && cmp -s "$B/$name.out" examples/firmware/expected.txt; then
        echo "[qemu-$name] firmware example: $(grep 'slept' "$B/$name.out" | sed 's/^firmware: //')"
        passed=$((passed + 1))
    else
        echo "[qemu-$name] FAILED: firmware example (exit $status); differences from examples/firmware/expected.txt:"
        diff examples/firmware/expected.txt "$B/$name.out" | head -30 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

# The queue example: a timer interrupt puts 8,000 samples into a bounded
# queue with aio_queue_put_from_isr, a task gets them with timeouts and
# accounts for each (it fails unless sent = received + dropped, none lost);
# exactly examples/sampler/expected.txt on every core, in emulated time.
sampler() { # name machine elf
    name=$1 machine=$2 elf=$3
    qemu_run "$name" "$machine" "$elf" -icount shift=5,sleep=off || return 0
    if [ "$status" -eq 0 ] && cmp -s "$B/$name.out" examples/sampler/expected.txt; then
        echo "[qemu-$name] queue example: $(grep '^sampler: [0-9]* sent' "$B/$name.out" |
            sed 's/^sampler: //; s/ by the handler.*busy spells)//; s/, [0-9]* skipped.*//')"
        passed=$((passed + 1))
    else
        echo "[qemu-$name] FAILED: queue example (exit $status); differences from examples/sampler/expected.txt:"
        diff examples/sampler/expected.txt "$B/$name.out" | head -30 | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

# What aio_queue_put_from_isr costs, in instructions: QEMU's emulated time
# advances exactly 1024 ns per instruction (-icount shift=10), which the
# program reads off a timer around each call (tests/embedded/isr_put_cost.c).
put_cost() { # name machine elf
    name=$1 machine=$2 elf=$3
    qemu_run "$name" "$machine" "$elf" -icount shift=10,sleep=off || return 0
    if [ "$status" -eq 0 ] && grep -q 'no task waits' "$B/$name.out"; then
        echo "[qemu-$name] aio_queue_put_from_isr, instructions per call:$(sed -n \
            's/^\[isr-put\] \(.*[a-z)]\) *\([0-9]*\) instructions$/ \1 \2;/p' "$B/$name.out" |
            grep -v calibration | tr -d '\n' | sed 's/;$//')"
        passed=$((passed + 1))
    else
        echo "[qemu-$name] FAILED: put cost (exit $status):"
        sed 's/^/    /' "$B/$name.out" | head -10
        failed=$((failed + 1))
    fi
}

# docs/embedded.md's table of those counts: what the three runs printed
# (tests/checks/doc_figures.py).
put_cost_docs() {
    [ $pass = queue ] && return
    for core in m3 m4 m0-code-on-m3; do
        [ -f "$B/isr-put-cost-$core.out" ] || return 0 # its run failed: said above
    done
    if msg=$(python3 tests/checks/doc_figures.py run put-cost "$B/isr-put-cost-m3.out" "$B/isr-put-cost-m4.out" \
            "$B/isr-put-cost-m0-code-on-m3.out"); then
        echo "[qemu-isr-put-cost] docs/embedded.md's table of instructions per put is what the runs printed"
        passed=$((passed + 1))
    else
        echo "[qemu-isr-put-cost] FAILED: docs/embedded.md's table is not what the runs printed:"
        echo "$msg" | grep -v '^ok ' | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

# The firmware's tickless idle hook, swept across the tick: the program
# checks itself (exit status) and prints what it found.
sweep() { # name machine elf
    name=$1 machine=$2 elf=$3
    qemu_run "$name" "$machine" "$elf" -icount shift=5,sleep=off || return 0
    if [ "$status" -eq 0 ] && grep -q '^\[tickless\] ok: ' "$B/$name.out"; then
        sed -n 's/^\[tickless\] ok: /tickless sweep: /p; s/^\[tickless\] over/    over/p' "$B/$name.out" |
            sed "1s/^/[qemu-$name] /"
        passed=$((passed + 1))
    else
        echo "[qemu-$name] FAILED: tickless sweep (exit $status); output:"
        sed 's/^/    /' "$B/$name.out" | head -10
        failed=$((failed + 1))
    fi
}

# The micro:bit: every test file, in one image or with its tests dealt out
# among several (embedded.mk: MICROBIT_PARTS_<file>; images.txt lists them,
# "file parts run image" in the order of the parts; test.h: TEST_PARTS). The
# images run two at a time; each names every test it ran ("ok NAME", "FAIL
# NAME") and must end with its "N passed, N failed" line and exit 0. Then
# test_parts.sh checks each file: every image's line matches the names it
# printed, and every test in the file's table ran exactly once, in its image
# (any that did not is named, with the image that should have run it).
microbit() {
    [ $pass = queue ] && return
    list=$B/microbit/images.txt
    out=$B/microbit-out
    xargs_failed=""
    rm -rf "$out"; mkdir -p "$out"
    if [ ! -f "$list" ]; then
        echo "[qemu-microbit] FAILED: $list was not built"; failed=$((failed + 1)); return
    fi
    # shellcheck disable=SC2016
    cut -d' ' -f4 "$list" | xargs -P 2 -n 1 sh -c '
        out=$1 qemu=$2 elf=$3
        timeout 600 "$qemu" -M microbit -nographic -monitor none -serial none \
            -semihosting-config enable=on,target=native -kernel "$elf" >"$out/$(basename "$elf" .elf).out" 2>&1
        echo $? >"$out/$(basename "$elf" .elf).status"' sh "$out" "$QEMU" 2>/dev/null ||
        xargs_failed=1
    mb_pass=0 mb_fail=0 mb_bad=0 mb_images=0
    for t in tests/test_*.c; do
        file=$(basename "$t" .c | sed 's/^test_//')
        images=$(awk -v f="$file" '$1 == f { print $4 }' "$list")
        parts=$(awk -v f="$file" '$1 == f { print $2; exit }' "$list")
        run=$(awk -v f="$file" '$1 == f { print $3; exit }' "$list")
        n_images=0 fp=0 ff=0 bad="" outs=""
        for elf in $images; do
            image=$(basename "$elf" .elf) n_images=$((n_images + 1)) mb_images=$((mb_images + 1))
            o=$out/$image.out
            outs="$outs $o"
            status=$(cat "$out/$image.status" 2>/dev/null || echo "not run")
            if [ -f "$o" ]; then counts "$o"; else p="" f=""; fi
            [ -f "$o" ] && grep -E '^(FAIL|    |stopped)' "$o" | head -10 | sed "s/^/[$image] /"
            if [ -z "$p" ] || [ -z "$f" ] || [ "$status" != 0 ]; then
                echo "[qemu-microbit] $image did not finish or failed (exit $status):"
                [ -f "$o" ] && tail -n 3 "$o" | sed 's/^/    /'
                bad="$bad $image"
            fi
            fp=$((fp + ${p:-0})) ff=$((ff + ${f:-0}))
        done
        total=$(grep -c 'TEST_ENTRY(' "$t")
        mb_pass=$((mb_pass + fp)) mb_fail=$((mb_fail + ff))
        if [ -z "$images" ]; then
            echo "[qemu-microbit] test_$file.c: no image (not in embedded.mk's list): its $total tests did not run"
            mb_bad=$((mb_bad + 1))
            continue
        fi
        # shellcheck disable=SC2086
        problems=$(sh tests/embedded/test_parts.sh "$t" "$parts" "$run" $outs 2>&1) ||
            problems=${problems:-    test_parts.sh failed}
        [ -n "$problems" ] && problems=$(echo "$problems" | sed "s/image \([0-9][0-9]*\)/$file-$parts-\1/g")
        if [ -n "$problems" ] || [ -n "$bad" ] || [ "$ff" -ne 0 ] || [ $((fp + ff)) -ne "$total" ]; then
            echo "[qemu-microbit] test_$file.c: $fp passed, $ff failed of $total in $n_images image(s)"
            [ -n "$problems" ] && echo "$problems"
            mb_bad=$((mb_bad + 1))
        else
            echo "[qemu-microbit] test_$file.c: $fp passed in $n_images image(s)"
        fi
    done
    what="micro:bit (Cortex-M0, 16 KiB RAM): every test file, $mb_images images"
    if [ $mb_bad -eq 0 ] && [ $mb_fail -eq 0 ] && [ -z "${xargs_failed:-}" ]; then
        echo "[qemu-microbit] $mb_pass passed, 0 failed: $what"; passed=$((passed + 1))
    else
        echo "[qemu-microbit] FAILED: $mb_pass passed, $mb_fail failed, $mb_bad file(s) not all passed: $what"
        failed=$((failed + 1))
    fi
}

if [ $only_microbit -eq 1 ]; then
    pass=report
    microbit
    echo "test-qemu: $passed passed, $failed failed"
    [ $failed -eq 0 ]
    exit
fi
rm -f "$B"/isr-put-cost-*.out
plan() {
    if [ $not_quick -eq 0 ]; then
        suite m3 mps2-an385 $B/m3/tests.elf "Cortex-M3, 64-bit ns time, AIO_DEBUG, -Os; host suite: $host_tests tests" "$host_tests"
        suite m3-32k mps2-an385 $B/m3-32k/tests.elf "Cortex-M3 at an RTC's 32,768 Hz, 32-bit ticks (durations rounded up)" "$host_tests"
        isr isr-m3-singlestep mps2-an385 $B/m3/isr.elf -singlestep
        firmware firmware-m3 mps2-an385 $B/m3/firmware-qemu.elf
        sampler sampler-m3 mps2-an385 $B/m3/sampler-qemu.elf
        put_cost isr-put-cost-m3 mps2-an385 $B/m3/isr_put_cost.elf
        put_cost isr-put-cost-m4 mps2-an386 $B/m4/isr_put_cost.elf
        put_cost isr-put-cost-m0-code-on-m3 mps2-an385 $B/m0/isr_put_cost.elf
        put_cost_docs
    fi
    if [ $quick -eq 0 ]; then
        suite m3-ms32 mps2-an385 $B/m3-ms32/tests.elf "Cortex-M3, 32-bit ms ticks (starting 30 s before the wrap)" "$host_tests"
        suite m3-release mps2-an385 $B/m3-release/tests.elf "Cortex-M3, release build (no AIO_DEBUG)" "$host_tests"
        suite m4 mps2-an386 $B/m4/tests.elf "Cortex-M4F (hard float), 64-bit ns time" "$host_tests"
        suite m0-code-on-m3 mps2-an385 $B/m0/tests.elf "Cortex-M0 code (ARMv6-M), 32-bit ms ticks, on the M3 board" "$host_tests"
        microbit
        isr isr-m3 mps2-an385 $B/m3/isr.elf -icount shift=5
        isr isr-m4 mps2-an386 $B/m4/isr.elf -icount shift=5
        isr isr-m0-code-on-m3 mps2-an385 $B/m0/isr.elf -icount shift=5
        isr isr-microbit microbit $B/microbit/isr.elf -icount shift=5
        firmware firmware-m4 mps2-an386 $B/m4/firmware-qemu.elf
        firmware firmware-m0-code-on-m3 mps2-an385 $B/m0/firmware-qemu.elf
        sampler sampler-m4 mps2-an386 $B/m4/sampler-qemu.elf
        sampler sampler-m0-code-on-m3 mps2-an385 $B/m0/sampler-qemu.elf
        sweep tickless-m3 mps2-an385 $B/m3/tickless_sweep.elf
        sweep tickless-m0-code-on-m3 mps2-an385 $B/m0/tickless_sweep.elf
    fi
}
plan
run_queued
pass=report
plan
echo "test-qemu: $passed passed, $failed failed"
[ $failed -eq 0 ]
