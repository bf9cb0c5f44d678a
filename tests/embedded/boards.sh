#!/bin/sh
# SPDX-License-Identifier: MIT
# The board starts of examples/boards/, as a user copies them: hello.c built
# with each under the team's strict flags (-Werror), with nothing of the
# project's test glue, and run where a simulator models the board:
#   cortex-m/  Cortex-M0 on the BBC micro:bit (nRF51822) and Cortex-M3 /
#              Cortex-M4F on ARM's MPS2 (AN385 / AN386), under QEMU in
#              emulated time (-icount sleep=off: the run follows the
#              instructions, not the host's speed), linked with board.ld and
#              newlib-nano's memcpy and memset only; at the 1 kHz tick and at
#              31,250 Hz (its SysTick at another rate);
#   avr/       an ATmega328P at 16 MHz under simavr (its clock is simulated).
# Each run must print exactly examples/boards/expected.txt and end with
# status 0 (simavr: it stops at the final sleep). One line per board; a board
# whose tools are missing is skipped and said so. Exit 1 if one failed, 3 if
# all that ran passed but one was skipped, else 0. The flags are
# tests/warnings.sh's WARN_STRICT, -Werror included; `make test` runs it (its
# embedded stage).
set -u
cd "$(dirname "$0")/../.."
out=${BOARDS_OUT:-build/embedded/boards}
mkdir -p "$out"
. tests/warnings.sh
flags="-std=c11 -Os -DNDEBUG $WARN_STRICT -Werror -ffunction-sections -fdata-sections -Wl,--gc-sections -I."
failed=0 skipped=0

same() { # name output: the expected text?
    if cmp -s "$2" examples/boards/expected.txt; then return 0; fi
    echo "[boards] FAILED $1: not examples/boards/expected.txt (< expected, > printed):"
    diff examples/boards/expected.txt "$2" | head -20 | sed 's/^/    /'
    return 1
}

# hello.c built for the core of the loop below ($cpu, $cpuflags, $machine)
# with EXTRA flags, run under QEMU and compared: NAME LABEL EXTRA; returns 2
# if it does not build (each failure counted in $failed)
qemu_hello() {
    # shellcheck disable=SC2086 # (the flags, split into words)
    if ! arm-none-eabi-gcc -mcpu="$cpu" -mthumb $cpuflags $flags $3 -nostartfiles --specs=nano.specs \
            --specs=nosys.specs -T examples/boards/cortex-m/board.ld examples/boards/hello.c -o "$out/$1.elf" \
            2>"$out/$1.log"; then
        echo "[boards] FAILED $cpu$2: does not build:"; head -20 "$out/$1.log" | sed 's/^/    /'
        failed=$((failed + 1)); return 2
    fi
    timeout 120 qemu-system-arm -M "$machine" -icount shift=5,sleep=off -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -kernel "$out/$1.elf" >"$out/$1.out" 2>&1
    status=$?
    if [ $status -ne 0 ]; then
        echo "[boards] FAILED $cpu on $machine$2: exit $status"; head -10 "$out/$1.out" | sed 's/^/    /'
        failed=$((failed + 1))
    elif same "$cpu on $machine$2" "$out/$1.out"; then
        echo "[boards] examples/boards/cortex-m on a $cpu ($machine, QEMU)$2: hello prints expected.txt ($(arm-none-eabi-size "$out/$1.elf" | awk 'NR == 2 { print $1 + $2 }') B of flash)"
    else
        failed=$((failed + 1))
    fi
    return 0
}

if command -v arm-none-eabi-gcc >/dev/null 2>&1 && command -v qemu-system-arm >/dev/null 2>&1 &&
   [ -f "$(arm-none-eabi-gcc -print-file-name=nano.specs)" ]; then
    for b in "cortex-m0 microbit" "cortex-m3 mps2-an385" "cortex-m4 mps2-an386 -mfloat-abi=hard -mfpu=fpv4-sp-d16"; do
        # shellcheck disable=SC2086 # (the core's flags, split into words)
        set -- $b
        cpu=$1 machine=$2
        shift 2
        cpuflags="$*"
        qemu_hello "$cpu" "" "" || [ $? -ne 2 ] || continue
        # the same at a tick rate other than 1 kHz: 31,250 Hz (SysTick reloading every 800 cycles of
        # QEMU's 25 MHz), the times hello prints in milliseconds the same
        qemu_hello "$cpu-31250" " with a 31,250 Hz tick" -DAIO_TICKS_PER_SEC=31250u
        # the program's own handler (IRQ 17), defined in the file that includes the board start; and a
        # file that calls none of the board's helpers (built only)
        # shellcheck disable=SC2086
        if ! arm-none-eabi-gcc -mcpu="$cpu" -mthumb "$@" $flags -nostartfiles --specs=nano.specs --specs=nosys.specs \
                -T examples/boards/cortex-m/board.ld tests/embedded/board_handlers.c -o "$out/$cpu-irq.elf" \
                2>"$out/$cpu-irq.log" ||
           ! arm-none-eabi-gcc -mcpu="$cpu" -mthumb "$@" $flags -DBOARD_NO_HELPERS -nostartfiles --specs=nano.specs \
                --specs=nosys.specs -T examples/boards/cortex-m/board.ld tests/embedded/board_handlers.c \
                -o "$out/$cpu-none.elf" 2>>"$out/$cpu-irq.log"; then
            echo "[boards] FAILED $cpu: tests/embedded/board_handlers.c does not build:"; head -20 "$out/$cpu-irq.log" | sed 's/^/    /'
            failed=$((failed + 1)); continue
        fi
        timeout 120 qemu-system-arm -M "$machine" -icount shift=5,sleep=off -nographic -monitor none -serial none \
            -semihosting-config enable=on,target=native -kernel "$out/$cpu-irq.elf" >"$out/$cpu-irq.out" 2>&1
        status=$?
        if [ $status -eq 0 ] && grep -q '^handler: event set at 0 ms$' "$out/$cpu-irq.out"; then
            echo "[boards] examples/boards/cortex-m on a $cpu: the program's own IRQ 17 handler runs; a file calling none of the board's helpers builds"
        else
            echo "[boards] FAILED $cpu on $machine: the program's own handler (exit $status):"; head -5 "$out/$cpu-irq.out" | sed 's/^/    /'
            failed=$((failed + 1))
        fi
        [ "$cpu" = cortex-m0 ] || continue
        # AIO_DEBUG on the bare board: its messages on the console, no printf, assert or heap linked
        # shellcheck disable=SC2086
        if arm-none-eabi-gcc -mcpu="$cpu" -mthumb "$@" $(echo "$flags" | sed 's/-DNDEBUG/-DAIO_DEBUG/') -nostartfiles \
                --specs=nano.specs --specs=nosys.specs -T examples/boards/cortex-m/board.ld \
                tests/embedded/board_handlers.c -o "$out/$cpu-debug.elf" 2>"$out/$cpu-debug.log" &&
           ! arm-none-eabi-nm "$out/$cpu-debug.elf" | grep -qE ' (__assert_func|_?printf|_?fprintf|_?vfprintf|_sbrk|malloc)$' &&
           timeout 120 qemu-system-arm -M "$machine" -icount shift=5,sleep=off -nographic -monitor none -serial none \
                -semihosting-config enable=on,target=native -kernel "$out/$cpu-debug.elf" >"$out/$cpu-debug.out" 2>&1 &&
           grep -q '^aio: aio_cancel: the task was never spawned$' "$out/$cpu-debug.out"; then
            echo "[boards] examples/boards/cortex-m on a $cpu with AIO_DEBUG: its messages on the console ($(arm-none-eabi-size "$out/$cpu-debug.elf" | awk 'NR == 2 { print $1 + $2 }') B of flash), no printf, assert or heap linked"
        else
            echo "[boards] FAILED $cpu with AIO_DEBUG:"; { head -10 "$out/$cpu-debug.log"; head -5 "$out/$cpu-debug.out"; \
                arm-none-eabi-nm "$out/$cpu-debug.elf" 2>/dev/null | grep -E ' (__assert_func|_?printf|_sbrk|malloc)$'; } | sed 's/^/    /'
            failed=$((failed + 1))
        fi
    done
else
    echo "[boards] skipped: examples/boards/cortex-m (gcc-arm-none-eabi, libnewlib-arm-none-eabi, qemu-system-arm: make test-qemu installs them)"
    skipped=$((skipped + 10))
fi

if command -v avr-gcc >/dev/null 2>&1 && command -v simavr >/dev/null 2>&1 && [ -f /usr/lib/avr/include/avr/io.h ]; then
    # shellcheck disable=SC2086
    if ! avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $flags examples/boards/hello.c -o "$out/avr.elf" 2>"$out/avr.log"; then
        echo "[boards] FAILED atmega328p: does not build:"; head -20 "$out/avr.log" | sed 's/^/    /'
        failed=$((failed + 1))
    else
        timeout 120 simavr -m atmega328p -f 16000000 "$out/avr.elf" >"$out/avr.raw" 2>&1
        # (simavr colours the UART's lines and ends each with a dot; its own lines start "Loaded")
        sed 's/\x1b\[[0-9;]*m//g' "$out/avr.raw" | tr -d '\r' | sed 's/\.$//' | grep -v '^Loaded ' | grep -v '^$' >"$out/avr.out"
        if same "atmega328p" "$out/avr.out"; then
            echo "[boards] examples/boards/avr on an ATmega328P (simavr): hello prints expected.txt ($(avr-size "$out/avr.elf" | awk 'NR == 2 { print $1 + $2 }') B of flash)"
        else
            failed=$((failed + 1))
        fi
    fi
    # shellcheck disable=SC2086
    if ! avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $flags tests/embedded/board_handlers.c -o "$out/avr-irq.elf" \
            2>"$out/avr-irq.log" ||
       ! avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $flags -DBOARD_NO_HELPERS tests/embedded/board_handlers.c \
            -o "$out/avr-none.elf" 2>>"$out/avr-irq.log"; then
        echo "[boards] FAILED atmega328p: tests/embedded/board_handlers.c does not build:"; head -20 "$out/avr-irq.log" | sed 's/^/    /'
        failed=$((failed + 1))
    else
        timeout 120 simavr -m atmega328p -f 16000000 "$out/avr-irq.elf" >"$out/avr-irq.raw" 2>&1
        if sed 's/\x1b\[[0-9;]*m//g' "$out/avr-irq.raw" | tr -d '\r' | sed 's/\.$//' |
            grep -q '^handler: event set at [4-6] ms$'; then
            echo "[boards] examples/boards/avr on an ATmega328P: the program's own Timer1 handler runs; a file calling none of the board's helpers builds"
        else
            echo "[boards] FAILED atmega328p: the program's own handler:"; head -5 "$out/avr-irq.raw" | sed 's/^/    /'
            failed=$((failed + 1))
        fi
    fi
    # shellcheck disable=SC2086
    if avr-gcc -mmcu=atmega328p -DF_CPU=16000000UL $(echo "$flags" | sed 's/-DNDEBUG/-DAIO_DEBUG/') \
            tests/embedded/board_handlers.c -o "$out/avr-debug.elf" 2>"$out/avr-debug.log" &&
       ! avr-nm "$out/avr-debug.elf" | grep -qE ' (__assert|printf|vfprintf|fprintf|malloc)$' &&
       timeout 120 simavr -m atmega328p -f 16000000 "$out/avr-debug.elf" >"$out/avr-debug.raw" 2>&1 &&
       sed 's/\x1b\[[0-9;]*m//g' "$out/avr-debug.raw" | tr -d '\r' | sed 's/\.$//' |
           grep -q '^aio: aio_cancel: the task was never spawned$'; then
        echo "[boards] examples/boards/avr on an ATmega328P with AIO_DEBUG: its messages on the UART ($(avr-size "$out/avr-debug.elf" | awk 'NR == 2 { print $1 + $2 }') B of flash), no printf, assert or heap linked"
    else
        echo "[boards] FAILED atmega328p with AIO_DEBUG:"; { head -10 "$out/avr-debug.log"; head -5 "$out/avr-debug.raw"; } | sed 's/^/    /'
        failed=$((failed + 1))
    fi
else
    echo "[boards] skipped: examples/boards/avr (gcc-avr, avr-libc, simavr: make test-avr installs them)"
    skipped=$((skipped + 3))
fi
echo "boards: $((13 - failed - skipped)) passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ] || exit 1
[ $skipped -eq 0 ] || exit 3
exit 0
