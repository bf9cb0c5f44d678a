#!/bin/sh
# The header where int is 16 bits (tests/embedded/avr_smoke.c): built for an
# ATmega328P at -Os and run under simavr, whose clock is the simulated chip's
# own (nothing depends on the host's speed). `make test-avr` installs gcc-avr,
# avr-libc and simavr if they are missing; `make test` runs it when they are
# installed. Exit 0 when every check passed; prints the flash and RAM used.
set -u
cd "$(dirname "$0")/../.."
out=build/embedded/avr
mkdir -p "$out"
for tool in avr-gcc simavr; do
    command -v $tool >/dev/null 2>&1 || { echo "[avr] skipped: $tool is not installed (make test-avr installs it)"; exit 3; }
done
if ! avr-gcc -mmcu=atmega328p -Os -std=c11 -Wall -Wextra -Wpedantic -Werror \
        -ffunction-sections -fdata-sections -Wl,--gc-sections \
        tests/embedded/avr_smoke.c -o "$out/avr_smoke.elf" 2>"$out/build.log"; then
    echo "[avr] FAILED to build for the ATmega328P:"; sed 's/^/    /' "$out/build.log" | head -20
    exit 1
fi
# simavr stops when the program sleeps with interrupts off, after its last line
timeout 120 simavr -m atmega328p -f 16000000 "$out/avr_smoke.elf" >"$out/run.log" 2>&1
# simavr colours the UART's lines: keep the text
sed 's/\x1b\[[0-9;]*m//g' "$out/run.log" | tr -d '\r' >"$out/run.txt"
line=$(grep -a '^avr: ' "$out/run.txt" | tail -n 1 | sed 's/\.$//')
size=$(avr-size "$out/avr_smoke.elf" | awk 'NR == 2 { printf "%d B of flash, %d B of RAM before the stack", $1 + $2, $2 + $3 }')
grep -a '^FAIL' "$out/run.txt" | sed 's/^/    /; s/\.$//'
case $line in
"avr: "*" passed, 0 failed") echo "[avr] ATmega328P under simavr: ${line#avr: } ($size)"; exit 0 ;;
"") echo "[avr] FAILED: no result line from simavr:"; tail -n 5 "$out/run.txt" | sed 's/^/    /'; exit 1 ;;
*) echo "[avr] FAILED: ATmega328P under simavr: ${line#avr: }"; exit 1 ;;
esac
