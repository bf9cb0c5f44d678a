# SPDX-License-Identifier: MIT
# Stage: the port files of examples/ports/, for the host and for their targets
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The port files for microcontroller SDKs, examples/ports/NAME.c (see
# examples/ports/README.md): each is compiled with the project-wide defines its
# first comment names ("Project-wide defines: ...") against the stand-in SDK
# headers in tests/consumers/sdk/NAME, two checks per file:
#  - with the host gcc (always);
#  - for the SDK's target: arm-none-eabi-gcc (Cortex-M4, Cortex-M0+),
#    riscv64-unknown-elf-gcc with picolibc (ESP32-C3). When that compiler or
#    its C library is not installed, the line says so and which Debian packages
#    bring it, and the build is counted as skipped, not passed.
# Counts via add_counts and add_skipped.
p_dir="$out/ports"
rm -rf "$p_dir"
mkdir -p "$p_dir"
p_pass=0
p_fail=0
# p_toolchain TARGET: "" if its compiler and C library are there, else what to install
p_toolchain() {
    case $1 in
    arm) p_pkgs="gcc-arm-none-eabi libnewlib-arm-none-eabi" p_cc=arm-none-eabi-gcc p_lflags="-mthumb" ;;
    rv) p_pkgs="gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" p_cc=riscv64-unknown-elf-gcc
        p_lflags="--specs=picolibc.specs -march=rv32imc -mabi=ilp32" ;;
    esac
    # shellcheck disable=SC2086
    if ! command -v "$p_cc" >/dev/null 2>&1; then
        echo "$p_cc is not installed (apt-get install $p_pkgs)"
    elif ! printf '#include <string.h>\n#include <stdint.h>\n' |
            $p_cc $p_lflags -x c -fsyntax-only - >/dev/null 2>&1; then
        echo "$p_cc has no C library for this target (apt-get install $p_pkgs)"
    fi
}
p_arm_missing=$(p_toolchain arm)
p_rv_missing=$(p_toolchain rv)
p_n=0
for p_file in examples/ports/*.c; do
    [ -f "$p_file" ] || continue
    p_n=$((p_n + 1))
    p_name=$(basename "$p_file" .c)
    p_defs=$(sed -n 's/^.*Project-wide defines: *\([^*]*\).*$/\1/p' "$p_file" | head -n 1)
    p_stub="tests/consumers/sdk/$p_name"
    case $p_name in # the SDK's target: compiler, flags, what is missing, and how to say it
    zephyr | stm32cube) p_tc=arm-none-eabi-gcc p_tflags="-mcpu=cortex-m4 -mthumb" p_missing=$p_arm_missing p_target="Cortex-M4" ;;
    pico-sdk) p_tc=arm-none-eabi-gcc p_tflags="-mcpu=cortex-m0plus -mthumb" p_missing=$p_arm_missing p_target="Cortex-M0+" ;;
    esp-idf) p_tc=riscv64-unknown-elf-gcc p_tflags="--specs=picolibc.specs -march=rv32imc -mabi=ilp32"
             p_missing=$p_rv_missing p_target="RV32IMC (ESP32-C3)" ;;
    *) p_tc="" p_tflags="" p_missing="" p_target="" ;;
    esac
    # shellcheck disable=SC2086
    if [ ! -d "$p_stub" ]; then
        echo "[port $p_name] FAILED: no stand-in headers in $p_stub"; p_fail=$((p_fail + 1)); continue
    elif ! gcc -std=c11 $WARN -I. -I"$p_stub" $p_defs -c "$p_file" -o "$p_dir/$p_name.o" >"$p_dir/$p_name.log" 2>&1; then
        echo "[port $p_name] FAILED: host build"; sed 's/^/    /' "$p_dir/$p_name.log" | head -20
        p_fail=$((p_fail + 1))
    else
        echo "[port $p_name] $p_file compiles with the host gcc"
        p_pass=$((p_pass + 1))
    fi
    # shellcheck disable=SC2086
    if [ -z "$p_tc" ]; then
        echo "[port $p_name] FAILED: no target known for $p_file (tests/checks/ports.sh names each port's)"
        p_fail=$((p_fail + 1))
    elif [ -n "$p_missing" ]; then
        echo "[port $p_name] skipped: the build for $p_target: $p_missing"
        add_skipped 1 "port $p_name for $p_target"
    elif ! $p_tc -std=c11 $WARN $p_tflags -Os -I. -I"$p_stub" $p_defs -c "$p_file" \
            -o "$p_dir/$p_name.target.o" >"$p_dir/$p_name.target.log" 2>&1; then
        echo "[port $p_name] FAILED: $p_tc $p_tflags"
        sed 's/^/    /' "$p_dir/$p_name.target.log" | head -20
        p_fail=$((p_fail + 1))
    else
        p_size=$(${p_tc%gcc}size "$p_dir/$p_name.target.o" | awk 'NR == 2 { print $1 + $2 }')
        echo "[port $p_name] $p_file compiles with $p_tc for $p_target: $p_size bytes of code and data"
        p_pass=$((p_pass + 1))
    fi
done
[ "$p_n" -eq 0 ] && { echo "[port] FAILED: no port file in examples/ports/"; p_fail=$((p_fail + 1)); }
add_counts "$p_pass" "$p_fail"
