#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Size table from linker maps: what one object file (the library) keeps
after --gc-sections, as .text (code and constants), .data and .bss.

usage: report.py OUT.md LIB_OBJECT_NAME ROW... where ROW is
       "cpu|program|path/to/map|path/to/structs.nm" (structs.nm optional)."""
import re
import sys

SECTION = re.compile(r"^ (\.[^\s]+|COMMON)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+))?\s*$")
CONT = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)\s*$")


def kind(name):
    if name.startswith((".text", ".rodata")):
        return "text"
    if name.startswith(".data"):
        return "data"
    if name.startswith(".bss") or name == "COMMON":
        return "bss"
    return None


def library_sizes(map_path, lib):
    sizes = {"text": 0, "data": 0, "bss": 0}
    with open(map_path) as f:
        lines = f.read().split("\n")
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        sys.exit(f"{map_path}: not a GNU ld map")
    pending = None
    for line in lines[start:]:
        m = SECTION.match(line)
        if m:
            name, _addr, size, obj = m.groups()
            if size is None:
                pending = name
                continue
            pending = None
        else:
            c = CONT.match(line)
            if not (c and pending):
                pending = None
                continue
            name, size, obj = pending, c.group(2), c.group(3)
            pending = None
        k = kind(name)
        if k and obj.endswith(lib):
            sizes[k] += int(size, 16)
    return sizes


def main():
    out, lib, rows = sys.argv[1], sys.argv[2], sys.argv[3:]
    table = ["| target | program | .text | .data | .bss |", "|---|---|---:|---:|---:|"]
    for row in rows:
        cpu, program, map_path = row.split("|")[:3]
        s = library_sizes(map_path, lib)
        table.append(f"| {cpu} | {program} | {s['text']} | {s['data']} | {s['bss']} |")
    text = "\n".join(table) + "\n"
    with open(out, "w") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
