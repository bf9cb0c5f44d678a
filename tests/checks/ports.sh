# SPDX-License-Identifier: MIT
# Stage: the port files of examples/ports/, for the host and for their targets
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The port files for microcontroller SDKs, examples/ports/NAME.c (see
# examples/ports/README.md): each is compiled with the project-wide defines its
# first comment names ("Project-wide defines: ...") against the stand-in SDK
# headers in tests/consumers/sdk/NAME, with the host gcc, and for the SDK's
# target when its compiler is installed: arm-none-eabi-gcc (Cortex-M4,
# Cortex-M0+), riscv64-unknown-elf-gcc with picolibc (ESP32-C3). Without a
# cross compiler, one line says which builds are skipped.
# One line per port file; counts via add_counts.
p_dir="$out/ports"
rm -rf "$p_dir"
mkdir -p "$p_dir"
p_pass=0
p_fail=0
p_arm="" p_rv=""
command -v arm-none-eabi-gcc >/dev/null 2>&1 && p_arm=arm-none-eabi-gcc
command -v riscv64-unknown-elf-gcc >/dev/null 2>&1 && p_rv=riscv64-unknown-elf-gcc
[ -z "$p_arm" ] && echo "[port] arm-none-eabi-gcc not installed: the Cortex-M builds are skipped" \
    "(apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
[ -z "$p_rv" ] && echo "[port] riscv64-unknown-elf-gcc not installed: the ESP32-C3 build is skipped" \
    "(apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"
p_n=0
for p_file in examples/ports/*.c; do
    [ -f "$p_file" ] || continue
    p_n=$((p_n + 1))
    p_name=$(basename "$p_file" .c)
    p_defs=$(sed -n 's/^.*Project-wide defines: *\([^*]*\).*$/\1/p' "$p_file" | head -n 1)
    p_stub="tests/consumers/sdk/$p_name"
    case $p_name in # the SDK's target: compiler, flags, and how to say it
    zephyr | stm32cube) p_tc=$p_arm p_tflags="-mcpu=cortex-m4 -mthumb" p_target="Cortex-M4" ;;
    pico-sdk) p_tc=$p_arm p_tflags="-mcpu=cortex-m0plus -mthumb" p_target="Cortex-M0+" ;;
    esp-idf) p_tc=$p_rv p_tflags="--specs=picolibc.specs -march=rv32imc -mabi=ilp32" p_target="RV32IMC (ESP32-C3)" ;;
    *) p_tc="" p_tflags="" p_target="" ;;
    esac
    p_built="host gcc"
    # shellcheck disable=SC2086
    if [ ! -d "$p_stub" ]; then
        echo "[port $p_name] FAILED: no stand-in headers in $p_stub"; p_fail=$((p_fail + 1)); continue
    elif ! gcc -std=c11 $WARN -I. -I"$p_stub" $p_defs -c "$p_file" -o "$p_dir/$p_name.o" >"$p_dir/$p_name.log" 2>&1; then
        echo "[port $p_name] FAILED: host build"; sed 's/^/    /' "$p_dir/$p_name.log" | head -20
        p_fail=$((p_fail + 1)); continue
    fi
    if [ -n "$p_tc" ]; then
        # shellcheck disable=SC2086
        if ! $p_tc -std=c11 $WARN $p_tflags -Os -I. -I"$p_stub" $p_defs -c "$p_file" \
                -o "$p_dir/$p_name.target.o" >"$p_dir/$p_name.target.log" 2>&1; then
            echo "[port $p_name] FAILED: $p_tc $p_tflags"
            sed 's/^/    /' "$p_dir/$p_name.target.log" | head -20
            p_fail=$((p_fail + 1)); continue
        fi
        p_size=$(${p_tc%gcc}size "$p_dir/$p_name.target.o" | awk 'NR == 2 { print $1 + $2 }')
        p_built="$p_built, $p_tc for $p_target: $p_size bytes of code and data"
    elif [ -n "$p_target" ]; then
        p_built="$p_built ($p_target compiler not installed)"
    fi
    echo "[port $p_name] $p_file compiles: $p_built"
    p_pass=$((p_pass + 1))
done
[ "$p_n" -eq 0 ] && { echo "[port] FAILED: no port file in examples/ports/"; p_fail=$((p_fail + 1)); }
add_counts "$p_pass" "$p_fail"
