#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The size goals: each figure `make size` measured beside its goal and the
ceiling CI holds it to (ceilings.txt: today's figure, or a budget where it
says so; lower it when a change makes the library smaller, never raise it
without saying why).

usage: goals.py [--check] NAME=VALUE ...   (VALUE "-" = not measured here)
Prints the table in Markdown; with --check exits 1 if a figure is above its
ceiling (figures from another compiler version than ceilings.txt names are
printed, not checked)."""
import os
import sys

# name: (what, unit, goal)
# (the goals: a firmware team's targets for the core; Contiki's process with an
# etimer, the same job as the one task that sleeps, takes about 1,306 B)
ROWS = [
    ("m0_sleep", "Cortex-M0 -Os, one task that sleeps, whole program in one file", "B", 1800),
    ("m0_core", "Cortex-M0 -Os, a wait with a timeout, cancelled, cleanup that awaits, one file", "B", 3000),
    ("m0_full", "Cortex-M0 -Os, the library with every feature used (library alone)", "B", 6000),
    ("avr_sleep", "ATmega328P -Os, one task that sleeps, whole program's flash", "B", 3600),
    ("avr_whole", "ATmega328P -Os, the whole library linked (no --gc-sections), core's program, flash", "B", 28672),
    # a quarter under what the library took of it at 34dfabc (6,178 B; 11,770 B)
    ("m0_sensor", "Cortex-M0 -Os, a sensor node (sensor.c): the library's part", "B", 4633),
    ("avr_sensor", "ATmega328P -Os, the same sensor node: the library's part", "B", 8827),
    ("site_timeout", "Cortex-M0 -Os, one more `AIO_TIMEOUT` block around an `AIO_SLEEP`, at its site", "B", 100),
    ("task32", "a task, `AIO_TIME_32`, 32-bit target", "B", 80),
    ("task_host", "a task, x86-64", "B", 128),
]


def main():
    args = sys.argv[1:]
    check = "--check" in args
    values = dict(a.split("=", 1) for a in args if "=" in a)
    here = os.path.dirname(os.path.abspath(__file__))
    ceilings, versions = {}, {}
    with open(os.path.join(here, "ceilings.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) == 2 and line[0].endswith("_version"):
                versions[line[0]] = line[1]
            elif len(line) == 2:
                ceilings[line[0]] = int(line[1])
    over = []
    print("| figure | measured | goal | ceiling (CI) |")
    print("|---|---:|---:|---:|")
    for name, what, unit, goal in ROWS:
        v = values.get(name, "-")
        ceiling = ceilings.get(name)
        if v == "-":
            print(f"| {what} | not measured | {goal} {unit} | {ceiling} |")
            continue
        n = int(v)
        state = "met" if n <= goal else f"{n - goal} over"
        print(f"| {what} | {n} {unit} | {goal} {unit} ({state}) | {ceiling} |")
        compiler = "avr_version" if name.startswith("avr") else "arm_version"
        same = name.startswith("task") or values.get(compiler) == versions.get(compiler)
        if ceiling is not None and n > ceiling:
            if same:
                over.append(f"{name}: {n} {unit}, above its ceiling of {ceiling}")
            else:
                print(f"\n(not checked: {name} was built with {values.get(compiler)}, "
                      f"the ceiling with {versions.get(compiler)})")
    if check and over:
        for o in over:
            print("size: " + o, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
