# SPDX-License-Identifier: MIT
# Stage: the coroutine checker on its corpus and on the project's own coroutines
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# The coroutine checker (tests/lint/coroutines.py, tests/lint/README.md):
# 1. each file of tests/lint/corpus/ gets exactly the findings its `expect:`
#    comments list, no more, no fewer (one check per file);
# 2. the project's own sources, examples/ and tests/ without the corpus, and
#    the README's example (extracted by run_matrix.sh) have none (one check);
#    the port files of examples/ports/ are read with their SDK's stand-in
#    headers (tests/consumers/sdk/NAME) and project-wide defines.
# It needs clang (its parser) and python3; without them it says so and is skipped.

co_pass=0
co_fail=0
if ! command -v clang >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1; then
    echo "[coroutines] skipped: the coroutine checker needs clang and python3 (apt-get install clang python3)"
    add_skipped 1 "coroutines (clang, python3)"
else
    python3 tests/lint/coroutines.py --expect -I. tests/lint/corpus/*.c tests/lint/corpus/*.cpp \
        >"$out/coroutines-corpus.out" 2>&1
    while IFS= read -r co_line; do
        case $co_line in
        "ok "*) co_pass=$((co_pass + 1)); echo "[coroutines] corpus: $co_line" ;;
        "FAILED "*) co_fail=$((co_fail + 1)); echo "[coroutines] corpus: $co_line" ;;
        *) echo "    $co_line" ;;
        esac
    done <"$out/coroutines-corpus.out"
    co_files=$(ls tests/lint/corpus/*.c tests/lint/corpus/*.cpp | wc -l)
    if [ $((co_pass + co_fail)) -ne "$co_files" ]; then
        echo "[coroutines] FAILED: $co_files corpus files, $((co_pass + co_fail)) checked"
        co_fail=$((co_fail + 1))
    fi
    # Not read: tests/embedded/avr_glue.c (the AVR unit tests' glue: avr-libc's
    # headers, no coroutine); tests/embedded/size/onefile.c is read below, with
    # the program that size.sh names
    # the project's own; tests/windows/ below, as Windows sees it
    co_src=$(find examples tests \( -name '*.c' -o -name '*.cpp' \) ! -path 'tests/lint/corpus/*' \
        ! -path 'examples/ports/*' ! -path 'examples/boards/*' ! -path tests/embedded/avr_glue.c ! -path tests/embedded/size/onefile.c \
        ! -path tests/embedded/board_handlers.c \
        ! -path 'tests/windows/*' ! -path 'tests/tls/*' ! -path 'examples/tls/*' | sort) # (TLS's: tls.sh, with OpenSSL)
    [ -f "$out/readme_example.c" ] && co_src="$co_src $out/readme_example.c" # README's example
    co_ok=1
    python3 tests/lint/coroutines.py -I. $co_src >"$out/coroutines-project.out" 2>&1 || co_ok=0
    for co_prog in minimal core sensor; do
        python3 tests/lint/coroutines.py -I. -DPROGRAM="\"$co_prog.c\"" tests/embedded/size/onefile.c \
            >>"$out/coroutines-project.out" 2>&1 || co_ok=0
    done
    co_src="$co_src tests/embedded/size/onefile.c"
    # tests/windows/: with clang's MinGW-w64 target and its headers (make test-windows
    # installs them); without them, said and not counted
    if [ -d /usr/x86_64-w64-mingw32/include ]; then
        for co_win in tests/windows/*.c; do
            co_src="$co_src $co_win"
            python3 tests/lint/coroutines.py -I. --target=x86_64-w64-mingw32 "$co_win" \
                >>"$out/coroutines-project.out" 2>&1 || co_ok=0
        done
    else
        echo "[coroutines] skipped: tests/windows/*.c (the MinGW-w64 headers are not installed: make test-windows installs them)"
        add_skipped 1 "the coroutine checker on tests/windows/ (MinGW-w64 headers)"
    fi
    # examples/boards/hello.c and tests/embedded/board_handlers.c as a Cortex-M compiles them
    # (their board start has ARM's registers; the AVR build's coroutines are the same lines),
    # with newlib's headers
    if [ -d /usr/lib/arm-none-eabi/include ]; then
        for co_board in examples/boards/hello.c tests/embedded/board_handlers.c; do
            co_src="$co_src $co_board"
            python3 tests/lint/coroutines.py -I. --target=thumbv6m-none-eabi -I/usr/lib/arm-none-eabi/include \
                "$co_board" >>"$out/coroutines-project.out" 2>&1 || co_ok=0
        done
    else
        echo "[coroutines] skipped: examples/boards/hello.c, tests/embedded/board_handlers.c (newlib's headers: make test-qemu installs them)"
        add_skipped 1 "the coroutine checker on examples/boards/hello.c and tests/embedded/board_handlers.c (libnewlib-arm-none-eabi)"
    fi
    for co_port in examples/ports/*.c; do # each with its SDK's stand-in headers and defines
        [ -f "$co_port" ] || continue
        co_name=$(basename "$co_port" .c)
        co_defs=$(sed -n 's/^.*Project-wide defines: *\([^*]*\).*$/\1/p' "$co_port" | head -n 1)
        co_src="$co_src $co_port"
        # shellcheck disable=SC2086
        python3 tests/lint/coroutines.py -I. -Itests/consumers/sdk/"$co_name" $co_defs "$co_port" \
            >>"$out/coroutines-project.out" 2>&1 || co_ok=0
    done
    if [ "$co_ok" = 1 ]; then
        echo "[coroutines] examples/, tests/ and the README's example ($(echo $co_src | wc -w) files): nothing found"
        co_pass=$((co_pass + 1))
    else
        echo "[coroutines] FAILED: examples/ and tests/:"
        grep -v '^coroutines.py: [0-9]* files* checked' "$out/coroutines-project.out" | sed 's/^/    /' | head -40
        co_fail=$((co_fail + 1))
    fi
fi
add_counts "$co_pass" "$co_fail"
