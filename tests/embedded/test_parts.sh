#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the outputs of one test file's images on a board with little RAM,
# where a file's tests may be dealt out among several images (tests/test.h:
# TEST_PARTS, TEST_PART, TEST_RUN). Both such harnesses use it: avr.sh (the
# ATmega1284P under simavr) and test_qemu.sh (the micro:bit).
#
#   test_parts.sh tests/test_NAME.c PARTS RUN OUT_0 ... OUT_{PARTS-1}
#
# OUT_k is what image k printed (a missing file: it did not run). Each image
# of one file names every test it ran, "ok NAME" or "FAIL NAME" (main.c,
# TEST_FILE). The check passes when every image printed exactly one
# "N passed, N failed" line whose numbers are those of its names, and every
# TEST_ENTRY of the file's table ran exactly once, in the image that the
# dealing gives it: line L of the file goes to image L / RUN % PARTS. Each
# problem is printed on a line of its own; exit 1 if there is one.
set -u
[ $# -ge 4 ] || { echo "usage: $0 tests/test_NAME.c PARTS RUN OUT_0 ..." >&2; exit 2; }
src=$1 parts=$2 run=$3
shift 3
[ $# -eq "$parts" ] || { echo "test_parts.sh: $parts parts but $# outputs" >&2; exit 2; }
{
    # the table: "T line name", one per entry
    grep -n -o 'TEST_ENTRY([A-Za-z_0-9]*)' "$src" | sed 's/^\([0-9]*\):TEST_ENTRY(\(.*\))$/T \1 \2/'
    k=0
    for out in "$@"; do
        # each image: "O k" (its output was found), then its names and result lines
        if [ -f "$out" ]; then
            echo "O $k"
            sed -n -E "s/^(ok|FAIL) ([A-Za-z_0-9]+)\$/N $k \1 \2/p
                       s/^([0-9]+) passed, ([0-9]+) failed\$/R $k \1 \2/p" "$out"
        fi
        k=$((k + 1))
    done
} | awk -v parts="$parts" -v run="$run" '
    function problem(text) { print "    " text; bad = 1 }
    $1 == "T" { line[$3] = $2; order[++entries] = $3; next }
    $1 == "O" { found[$2] = 1; next }
    $1 == "N" {
        k = $2; name = $4
        if ($3 == "ok") oks[k]++; else fails[k]++
        times[name]++
        if (!(name in line)) problem("image " k " ran " name ", which is not in the table")
        else if (int(line[name] / run) % parts != k)
            problem("image " k " ran " name " (line " line[name] "), which the dealing gives image " int(line[name] / run) % parts)
        next
    }
    $1 == "R" { results[$2]++; passed[$2] = $3; failed[$2] = $4; next }
    END {
        for (k = 0; k < parts; k++) {
            if (!(k in found)) problem("image " k " did not run (no output)")
            else if (results[k] != 1) problem("image " k " printed " (results[k] + 0) " \"N passed, N failed\" lines, not 1")
            else if (passed[k] != oks[k] + 0 || failed[k] != fails[k] + 0)
                problem("image " k ": \"" passed[k] " passed, " failed[k] " failed\", but it named " (oks[k] + 0) " passed and " (fails[k] + 0) " failed")
        }
        for (i = 1; i <= entries; i++) {
            name = order[i]
            if (!(name in times)) problem("not run: " name " (line " line[name] ", image " int(line[name] / run) % parts ")")
            else if (times[name] > 1) problem("ran " times[name] " times: " name)
        }
        if (entries == 0) problem("no TEST_ENTRY in the table")
        exit bad
    }'
