#!/bin/sh
# SPDX-License-Identifier: MIT
# The Arduino library (library.properties at the repository's root) and its
# example sketch examples/arduino_blink: built for an Arduino Uno against
# Debian's Arduino core with arduino-mk, the way a sketchbook would use the
# library, then run under simavr, whose clock is the simulated chip's own:
# the output must be exactly examples/arduino_blink/expected.txt. The sketch
# includes aio_timeout_core.h; built again with <aio_timeout.h>, its superset,
# the image must be the same bytes. `make
# test-arduino` installs arduino-core-avr, arduino-mk and simavr if missing;
# `make test` runs it when they are installed.
set -u
cd "$(dirname "$0")/../.."
root=$(pwd)
out=build/embedded/arduino
ARDUINO_DIR=${ARDUINO_DIR:-/usr/share/arduino}
if [ ! -f "$ARDUINO_DIR/Arduino.mk" ] || [ ! -d "$ARDUINO_DIR/hardware/arduino/avr/cores" ] ||
    ! command -v simavr >/dev/null 2>&1; then
    echo "[arduino] skipped: arduino-core-avr, arduino-mk or simavr is not installed (make test-arduino installs them)"
    exit 3
fi
rm -rf "$out"
mkdir -p "$out/libraries" "$out/arduino_blink"
ln -s "$root" "$out/libraries/aio_timeout" # the repository is the library
cp examples/arduino_blink/arduino_blink.ino "$out/arduino_blink/"
# Debian's core (1.8.x) with its avr-gcc 5.4: WString.cpp needs C++11 and
# DECIMAL_DIG, which that compiler's <float.h> gives C only.
cat >"$out/arduino_blink/Makefile" <<MK
BOARD_TAG = uno
ARDUINO_DIR = $ARDUINO_DIR
USER_LIB_PATH = $root/$out/libraries
ARDUINO_LIBS = aio_timeout
CXXFLAGS_STD = -std=gnu++11 -DDECIMAL_DIG=__DECIMAL_DIG__
CFLAGS_STD = -std=gnu11
include $ARDUINO_DIR/Arduino.mk
MK
if ! make -C "$out/arduino_blink" >"$out/build.log" 2>&1; then
    echo "[arduino] FAILED to build the sketch for an Arduino Uno:"
    grep -E 'error|Error' "$out/build.log" | head -20 | sed 's/^/    /'
    exit 1
fi
elf=$(ls "$out"/arduino_blink/build-uno/*.elf)
timeout 300 simavr -m atmega328p -f 16000000 "$elf" >"$out/run.log" 2>&1
# simavr colours the UART's lines and shows each line end as a dot
sed 's/\x1b\[[0-9;]*m//g' "$out/run.log" | tr -d '\r' | grep '^\[' | sed 's/\.\.*$//' >"$out/run.txt"
flash=$(sed -n 's/^Program: *\([0-9]*\) bytes.*/\1/p' "$out/build.log")
if ! cmp -s "$out/run.txt" examples/arduino_blink/expected.txt; then
    echo "[arduino] FAILED: examples/arduino_blink under simavr; differences from expected.txt:"
    diff examples/arduino_blink/expected.txt "$out/run.txt" | head -20 | sed 's/^/    /'
    exit 1
fi
# The same sketch on the full header: the same image
mkdir -p "$out/full/arduino_blink"
sed 's|^#include <aio_timeout_core\.h>|#include <aio_timeout.h>|' examples/arduino_blink/arduino_blink.ino \
    >"$out/full/arduino_blink/arduino_blink.ino"
cp "$out/arduino_blink/Makefile" "$out/full/arduino_blink/"
if ! grep -q '^#include <aio_timeout.h>' "$out/full/arduino_blink/arduino_blink.ino" ||
    ! make -C "$out/full/arduino_blink" >"$out/full/build.log" 2>&1 ||
    ! cmp -s "${elf%.elf}.hex" "$(ls "$out"/full/arduino_blink/build-uno/*.hex)"; then
    echo "[arduino] FAILED: examples/arduino_blink with <aio_timeout.h> instead of <aio_timeout_core.h> is not the same image ($out/full/build.log)"
    exit 1
fi
echo "[arduino] examples/arduino_blink on an Arduino Uno under simavr prints its expected.txt (${flash:-?} B of flash with the Arduino core; the same image with <aio_timeout.h>)"
exit 0
