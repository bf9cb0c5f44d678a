#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aio_timeout.h from its parts, and back.

    python3 tools/parts.py [build] [--out FILE]   the header from the parts (make header)
    python3 tools/parts.py check                  exit 1 if a header differs from its parts
    python3 tools/parts.py split                  the parts from aio_timeout.h

The source lives in parts/, one file per section of the header: parts/NAME.h
begins with the section's marker line `// >>NAME`, which it keeps, and
parts/top.h holds what comes before the first marker (the top comment, the
include guard). parts/parts.txt lists the files in the header's order, one a
line ('#' starts a comment): adding a part is a file and a line there. The
header is the parts end to end, nothing added, so a line of aio_timeout.h is
found in its part by the marker above it, and split then build gives back the
same bytes.

parts/core.txt, when present, lists the parts of a second header,
aio_timeout_core.h: the core alone (no I/O, threads, processes, TLS or
simulation), for firmware. Its parts must appear in parts.txt in the same
order, so the full header is a superset of it.

build writes each header whose text changed (--out FILE: the full header to
FILE instead). check compares the committed headers with what the parts make
and names the first line that differs and the part it comes from. split cuts
aio_timeout.h at its markers, writes every part, rewrites parts.txt (keeping
its comment lines) and removes the part files the old list named that the
header no longer has, then builds the other headers; core.txt is left as it
is (split names the new sections, and fails if it names a part that is gone).
Only the standard library is needed.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
PARTS = "parts"
TOP = "top"  # a top part (top.h, top-NAME.h) holds what comes before the first marker
MARKER = re.compile(rb"// >>(\S*)")
NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
# (header, its list of parts); a header whose list is missing is not made
OUTPUTS = [("aio_timeout.h", "parts.txt"), ("aio_timeout_core.h", "core.txt")]


class PartsError(Exception):
    pass


def path(*names):
    return os.path.join(ROOT, *names)


def read(file):
    with open(file, "rb") as f:
        return f.read()


def write_if_changed(file, data):
    """Write data to file unless it holds it already (make's times stay true)."""
    if os.path.exists(file) and read(file) == data:
        return False
    tmp = file + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, file)
    return True


def marker_of(line):
    """The name of a marker line (`// >>name`), or None."""
    m = MARKER.fullmatch(line.rstrip(b"\r\n"))
    return m.group(1).decode("utf-8", "replace") if m else None


def read_list(name):
    """The part names a list file gives, in order; None if it does not exist."""
    file = path(PARTS, name)
    if not os.path.exists(file):
        return None
    names = []
    with open(file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            word = line.split("#", 1)[0].strip()
            if not word:
                continue
            if not word.endswith(".h") or not NAME.fullmatch(word[:-2]):
                raise PartsError("%s/%s line %d: %r is not a part's file name (NAME.h)" % (PARTS, name, number, word))
            if word[:-2] in names:
                raise PartsError("%s/%s line %d: %s is listed twice" % (PARTS, name, number, word))
            names.append(word[:-2])
    return names


def is_top(name):
    return name == TOP or name.startswith(TOP + "-")


def load_part(name):
    """A part's bytes, checked: its first line is its marker, no other marker in it."""
    file = path(PARTS, name + ".h")
    if not os.path.exists(file):
        raise PartsError("%s/%s.h is listed but does not exist" % (PARTS, name))
    data = read(file)
    lines = data.splitlines(keepends=True)
    for number, line in enumerate(lines, 1):
        found = marker_of(line)
        if found is None:
            continue
        if is_top(name) or number > 1:
            raise PartsError("%s/%s.h line %d: the marker `// >>%s` can only be a part's first line "
                             "(a new section is a new part)" % (PARTS, name, number, found))
        if found != name:
            raise PartsError("%s/%s.h begins with the marker `// >>%s`: a part is named after its marker"
                             % (PARTS, name, found))
    if not is_top(name) and (not lines or marker_of(lines[0]) is None):
        raise PartsError("%s/%s.h must begin with its marker line `// >>%s`" % (PARTS, name, name))
    return data


def assemble(names):
    """The header the parts make: (its bytes, [(part, first line, line count)])."""
    chunks, spans, line = [], [], 1
    for index, name in enumerate(names):
        if is_top(name) != (index == 0):
            raise PartsError("%s.h: a top part (%s.h, %s-NAME.h) comes first in its list, and only there"
                             % (name, TOP, TOP))
        data = load_part(name)
        if data and not data.endswith(b"\n") and name != names[-1]:
            raise PartsError("%s/%s.h does not end with a line break" % (PARTS, name))
        count = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        spans.append((name, line, count))
        chunks.append(data)
        line += count
    return b"".join(chunks), spans


def check_core_order(full, core):
    """The core's parts are parts of the full header, in its order (but its top)."""
    position = {name: i for i, name in enumerate(full)}
    last = -1
    for name in core[1:]:
        if name not in position:
            raise PartsError("%s/core.txt names %s.h, which %s/parts.txt does not list" % (PARTS, name, PARTS))
        if position[name] < last:
            raise PartsError("%s/core.txt lists %s.h out of the order of %s/parts.txt" % (PARTS, name, PARTS))
        last = position[name]


def products():
    """[(header, its bytes, its spans)] for every list file present."""
    full = read_list("parts.txt")
    if full is None:
        raise PartsError("%s/parts.txt does not exist: `python3 tools/parts.py split` makes the parts "
                         "from aio_timeout.h" % PARTS)
    made = []
    for header, list_name in OUTPUTS:
        names = full if list_name == "parts.txt" else read_list(list_name)
        if names is None:
            continue
        if names is not full:
            check_core_order(full, names)
        data, spans = assemble(names)
        made.append((header, data, spans))
    return made


def build(out=None):
    for header, data, _ in products():
        if out is not None and header != OUTPUTS[0][0]:
            continue
        target = out if out is not None else path(header)
        if write_if_changed(target, data):
            print("parts: wrote %s" % (out or header))


def first_difference(have, want, spans):
    """A sentence naming the first line where have differs from want, and its part."""
    have_lines, want_lines = have.splitlines(keepends=True), want.splitlines(keepends=True)
    number = 1
    while number <= min(len(have_lines), len(want_lines)) and have_lines[number - 1] == want_lines[number - 1]:
        number += 1
    where = None
    for name, first, count in spans:
        if first <= number < first + count:
            where = "%s/%s.h line %d" % (PARTS, name, number - first + 1)
            break
    if number > len(want_lines):
        return "its lines from %d on are not in the parts, which end at line %d" % (number, number - 1)
    if number > len(have_lines):
        return "it ends at line %d, the parts go on (%s)" % (number - 1, where)
    return "line %d differs from %s" % (number, where)


def check():
    failed = False
    for header, want, spans in products():
        file = path(header)
        if not os.path.exists(file):
            print("parts: FAILED: %s does not exist; `make header` makes it from %s/" % (header, PARTS))
            failed = True
            continue
        have = read(file)
        if have == want:
            print("parts: %s is what %s/ makes (%d parts, %d lines)" % (header, PARTS, len(spans), want.count(b"\n")))
            continue
        print("parts: FAILED: %s is not what %s/ makes: %s.\n"
              "    Edit the part and run `make header`; or, if the header was edited, "
              "`python3 tools/parts.py split` makes the parts from it."
              % (header, PARTS, first_difference(have, want, spans)))
        failed = True
    return 1 if failed else 0


def cut(data):
    """[(part name, bytes)] of a header, cut at its marker lines."""
    parts, name, lines = [], TOP, []
    for line in data.splitlines(keepends=True):
        found = marker_of(line)
        if found is not None:
            parts.append((name, b"".join(lines)))
            if not NAME.fullmatch(found) or is_top(found):
                raise PartsError("aio_timeout.h: the marker `// >>%s` cannot name a part (a-z, 0-9, - and _; "
                                 "not %s or %s-...)" % (found, TOP, TOP))
            if any(found == seen for seen, _ in parts):
                raise PartsError("aio_timeout.h: the marker `// >>%s` is there twice" % found)
            name, lines = found, []
        lines.append(line)
    parts.append((name, b"".join(lines)))
    return parts


def split():
    header = OUTPUTS[0][0]
    parts = cut(read(path(header)))
    os.makedirs(path(PARTS), exist_ok=True)
    list_file = path(PARTS, "parts.txt")
    comments = []
    old = []
    if os.path.exists(list_file):
        with open(list_file, encoding="utf-8") as f:
            comments = [line for line in f if line.lstrip().startswith("#")]
        old = read_list("parts.txt")
    names = [name for name, _ in parts]
    core = read_list("core.txt")
    for name in core or []:
        if name not in names and not is_top(name):
            raise PartsError("%s/core.txt names %s.h, a section %s no longer has: edit %s/core.txt first"
                             % (PARTS, name, header, PARTS))
    written = sum(write_if_changed(path(PARTS, name + ".h"), data) for name, data in parts)
    for name in old:
        if name not in names:
            os.remove(path(PARTS, name + ".h"))
            print("parts: removed %s/%s.h (no such section now)" % (PARTS, name))
    listing = "".join(comments) + "".join(name + ".h\n" for name in names)
    write_if_changed(list_file, listing.encode("utf-8"))
    print("parts: %s cut into %d parts in %s/ (%d written)" % (header, len(parts), PARTS, written))
    new = [name for name in names if old and name not in old]
    if new and core is not None:
        print("parts: new parts %s: list in %s/core.txt those a build without I/O compiles"
              % (", ".join(name + ".h" for name in new), PARTS))
    build()  # (the other headers, from the parts just written)


def main(argv):
    args = argv[1:]
    out = None
    if "--out" in args:
        i = args.index("--out")
        if i + 1 >= len(args):
            print("parts: --out needs a file name", file=sys.stderr)
            return 2
        out = args[i + 1]
        del args[i:i + 2]
    command = args[0] if args else "build"
    if len(args) > 1 or command not in ("build", "check", "split") or (out and command != "build"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        if command == "build":
            build(out)
        elif command == "split":
            split()
        else:
            return check()
    except PartsError as e:
        print("parts: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
