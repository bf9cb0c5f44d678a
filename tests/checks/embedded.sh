# SPDX-License-Identifier: MIT
# Stage: the interrupt test and the AVR program on the host; simulators and QEMU when installed
# Embedded checks for `make test` (sourced by tests/run_matrix.sh; see
# tests/embedded/README.md).
#  - Always: the interrupt-safety interleaving test (tests/embedded/test_isr.c)
#    on the host, with gcc and clang, C11 and C++17, 64-bit and 32-bit time.
#  - Always: the 16-bit-int program (tests/embedded/avr_smoke.c) on the host;
#    with gcc-avr, avr-libc and simavr installed, on an ATmega328P too; with
#    arduino-core-avr and arduino-mk, the Arduino example sketch as well.
#  - With arm-none-eabi-gcc, newlib and qemu-system-arm installed: the
#    Cortex-M3 unit tests, the interrupt test (real interrupts), the
#    firmware example and the queue example (examples/sampler) under QEMU,
#    and the instructions aio_queue_put_from_isr takes on the M3, M4 and M0
#    against docs/embedded.md's table (`make test-qemu` runs every core).
#  - The RTC tickless port (examples/firmware/rtc_tickless.h) against a model
#    of nRF5x's RTC on the host (tests/embedded/rtc_sweep.c), and built for
#    a Cortex-M0 and M4F with arm-none-eabi-gcc (tests/embedded/rtc_build.c).
#  - The board starts of examples/boards/ (tests/embedded/boards.sh): hello.c
#    on a Cortex-M0, M3 and M4 under QEMU and an ATmega328P under simavr, each
#    where its tools are installed.
#  - With arm-none-eabi-gcc: `make size`'s figures against docs/embedded.md
#    (tests/embedded/size/size.sh --docs), when built with the compiler
#    tests/embedded/size/ceilings.txt names (else skipped).
#    Without the tools: one line saying what was skipped.
emb_isr() { # name compiler flags...
    emb_name=$1
    shift
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "[$emb_name] skipped: $1 is not installed"
        add_skipped 1 "$emb_name ($1)"
        return
    fi
    if ! "$@" tests/embedded/test_isr.c -o "$out/$emb_name" 2>"$out/$emb_name.log"; then
        echo "[$emb_name] FAILED to build:"; sed 's/^/    /' "$out/$emb_name.log" | head -20
        add_counts 0 1
        return
    fi
    if "$out/$emb_name" >"$out/$emb_name.out" 2>&1; then
        echo "[$emb_name] $(head -n 1 "$out/$emb_name.out" | sed 's/^\[isr\] //')"
        add_counts 1 0
    else
        echo "[$emb_name] $(grep FAILED "$out/$emb_name.out" | head -n 3 | sed 's/^\[isr\] //')"
        add_counts 0 1
    fi
}
emb_isr isr-host-gcc gcc -std=c11 -O2 $WARN
emb_isr isr-host-gcc-ms32 gcc -std=c11 -O0 $WARN -DAIO_DEBUG -DAIO_TIME_32
emb_isr isr-host-clang clang -std=c11 -O2 $WARN
emb_isr isr-host-clang-cxx17 clang++ -x c++ -std=c++17 -O1 $WARN -DAIO_TIME_32

# The 16-bit-int program (tests/embedded/avr_smoke.c): on the host always, on
# an ATmega328P under simavr when gcc-avr, avr-libc and simavr are installed.
if gcc -std=c11 -O2 $WARN tests/embedded/avr_smoke.c -o "$out/avr_smoke_host" 2>"$out/avr_smoke_host.log" &&
    "$out/avr_smoke_host" >"$out/avr_smoke_host.out" 2>&1; then
    echo "[avr-host] $(tail -n 1 "$out/avr_smoke_host.out" | sed 's/^avr: //') (the AVR program's checks, built for the host)"
    add_counts 1 0
else
    echo "[avr-host] FAILED:"; cat "$out/avr_smoke_host.log" "$out/avr_smoke_host.out" 2>/dev/null | head -20 | sed 's/^/    /'
    add_counts 0 1
fi
for emb_script in avr arduino; do
    sh tests/embedded/$emb_script.sh
    case $? in
    0) add_counts 1 0 ;;
    3) add_skipped 1 "$emb_script (its tools: make test-$emb_script installs them)" ;;
    *) add_counts 0 1 ;;
    esac
done

# The RTC clock and tickless idle (examples/firmware/rtc_tickless.h) against a
# model of the RTC, on the host with gcc and clang; and built for the parts it
# is written for (nRF51's Cortex-M0, nRF52's M4F) when arm-none-eabi-gcc is there
for emb_cc in gcc clang; do
    if ! command -v $emb_cc >/dev/null 2>&1; then
        echo "[rtc-$emb_cc] skipped: $emb_cc is not installed"; add_skipped 1 "rtc-$emb_cc"; continue
    fi
    # shellcheck disable=SC2086
    if $emb_cc -std=c11 -O2 $WARN_STRICT -I. tests/embedded/rtc_sweep.c -o "$out/rtc_sweep_$emb_cc" \
            2>"$out/rtc_sweep_$emb_cc.log" && "$out/rtc_sweep_$emb_cc" >"$out/rtc_sweep_$emb_cc.out" 2>&1; then
        echo "[rtc-$emb_cc] $(head -n 1 "$out/rtc_sweep_$emb_cc.out" | sed 's/^\[rtc\] //')"
        add_counts 1 0
    else
        echo "[rtc-$emb_cc] FAILED:"; cat "$out/rtc_sweep_$emb_cc.log" "$out/rtc_sweep_$emb_cc.out" | head -20 | sed 's/^/    /'
        add_counts 0 1
    fi
done
if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    emb_rtc_bad=""
    for emb_cpu in "cortex-m0" "cortex-m4 -mfloat-abi=hard -mfpu=fpv4-sp-d16"; do
        # shellcheck disable=SC2086
        arm-none-eabi-gcc -mcpu=$emb_cpu -mthumb -std=c11 -Os $WARN_STRICT -I. -c tests/embedded/rtc_build.c \
            -o "$out/rtc_build.o" 2>>"$out/rtc_build.log" || emb_rtc_bad="$emb_rtc_bad ${emb_cpu%% *}"
    done
    if [ -z "$emb_rtc_bad" ]; then
        echo "[rtc-build] examples/firmware/rtc_tickless.h builds for nRF51's Cortex-M0 and nRF52's M4F under the strict warnings"
        add_counts 1 0
    else
        echo "[rtc-build] FAILED for$emb_rtc_bad:"; head -20 "$out/rtc_build.log" | sed 's/^/    /'
        add_counts 0 1
    fi
else
    echo "[rtc-build] skipped: arm-none-eabi-gcc is not installed"; add_skipped 1 "rtc-build (arm-none-eabi-gcc)"
fi

# The board starts a user copies (examples/boards/): hello.c on a Cortex-M0,
# M3 and M4 under QEMU and on an ATmega328P under simavr, each as it says
sh tests/embedded/boards.sh >"$out/boards.out" 2>&1
grep -v '^boards: ' "$out/boards.out"
emb_bp=$(sed -n 's/^boards: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1/p' "$out/boards.out")
emb_bf=$(sed -n 's/^boards: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\2/p' "$out/boards.out")
emb_bs=$(sed -n 's/^boards: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\3/p' "$out/boards.out")
if [ -n "$emb_bp" ]; then
    add_counts "$emb_bp" "$emb_bf"
    [ "$emb_bs" -eq 0 ] || add_skipped "$emb_bs" "examples/boards (their tools: make test-qemu and make test-avr install them)"
else
    echo "[boards] FAILED: tests/embedded/boards.sh did not finish:"; tail -5 "$out/boards.out" | sed 's/^/    /'
    add_counts 0 1
fi

emb_missing=""
command -v arm-none-eabi-gcc >/dev/null 2>&1 || emb_missing="$emb_missing gcc-arm-none-eabi"
emb_specs=$(arm-none-eabi-gcc -print-file-name=rdimon.specs 2>/dev/null)
[ -f "$emb_specs" ] || emb_missing="$emb_missing libnewlib-arm-none-eabi"
command -v qemu-system-arm >/dev/null 2>&1 || emb_missing="$emb_missing qemu-system-arm"
if [ -n "$emb_missing" ]; then
    echo "[embedded] skipped: Cortex-M3 unit tests, interrupt test, firmware and queue examples under QEMU (not installed:$emb_missing)"
    add_skipped 5 "the Cortex-M3 runs under QEMU ($(echo $emb_missing | tr ' ' ','))"
elif ! make --no-print-directory -s -j2 -f tests/embedded/embedded.mk build/embedded/m3/tests.elf build/embedded/m3-32k/tests.elf \
        build/embedded/m3/isr.elf build/embedded/m3/firmware-qemu.elf build/embedded/m3/sampler-qemu.elf \
        build/embedded/m3/isr_put_cost.elf build/embedded/m4/isr_put_cost.elf build/embedded/m0/isr_put_cost.elf \
        >"$out/embedded-build.log" 2>&1; then
    echo "[embedded] FAILED: the Cortex-M3 build:"; tail -n 20 "$out/embedded-build.log" | sed 's/^/    /'
    add_counts 0 1
else
    sh tests/embedded/test_qemu.sh --quick >"$out/embedded-qemu.out" 2>&1
    grep -v '^test-qemu:' "$out/embedded-qemu.out"
    emb_line=$(tail -n 1 "$out/embedded-qemu.out")
    emb_p=$(echo "$emb_line" | sed -n 's/^test-qemu: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    emb_f=$(echo "$emb_line" | sed -n 's/^test-qemu: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -n "$emb_p" ] && [ -n "$emb_f" ]; then
        add_counts "$emb_p" "$emb_f"
    else
        echo "[embedded] FAILED: the QEMU runs did not finish"; add_counts 0 1
    fi
fi

# The sizes docs/embedded.md quotes, measured again (make size; a few seconds)
if ! command -v arm-none-eabi-gcc >/dev/null 2>&1 || [ ! -f "$(arm-none-eabi-gcc -print-file-name=nosys.specs)" ]; then
    echo "[size] skipped: arm-none-eabi-gcc or newlib is not installed: docs/embedded.md's sizes are not measured" \
        "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    add_skipped 1 "docs/embedded.md's sizes (arm-none-eabi-gcc, newlib)"
else
    sh tests/embedded/size/size.sh --docs >"$out/size-docs.out" 2>&1
    case $? in
    0) echo "[size] docs/embedded.md's sizes are what make size measures ($(grep -c '^ok ' "$out/size-docs.out") figures," \
            "arm-none-eabi-gcc $(sed -n 's/^ok docs\/embedded.md, size.compiler: \([^,]*\),.*/\1/p' "$out/size-docs.out"))"
       grep '^skipped ' "$out/size-docs.out" | sed 's/^/[size] /'
       add_counts 1 0 ;;
    3) echo "[size] $(head -n 1 "$out/size-docs.out")"
       add_skipped 1 "docs/embedded.md's sizes (another compiler version)" ;;
    *) echo "[size] FAILED: docs/embedded.md's sizes are not what make size measures:"
       grep -v '^ok ' "$out/size-docs.out" | head -20 | sed 's/^/    /'
       add_counts 0 1 ;;
    esac
fi
