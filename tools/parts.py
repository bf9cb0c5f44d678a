#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aio_timeout.h from its parts, and back.

    python3 tools/parts.py [build] [--out FILE]   the header from the parts (make header)
    python3 tools/parts.py build --lines --out FILE
                                                  the same with #line markers (make header-lines)
    python3 tools/parts.py check                  exit 1 if a header differs from its parts
    python3 tools/parts.py split                  the parts from aio_timeout.h

The source lives in parts/, one file per section of the header, in folders by
layer (parts/core/, parts/io/, ...): parts/LAYER/NAME.h begins with the
section's marker line `// >>NAME`, which it keeps, and parts/frame/top.h holds
what comes before the first marker (the top comment, the include guard).
parts/parts.txt lists the files in the header's order, one a line, each as its
path under parts/ ('#' starts a comment): adding a part is a file and a line
there. A part is named by its marker, wherever its folder is. The
header is the parts end to end, nothing added, so a line of aio_timeout.h is
found in its part by the marker above it, and split then build gives back the
same bytes.

parts/core.txt, when present, lists the parts of a second header,
aio_timeout_core.h: the core alone (no I/O, threads, processes, TLS or
simulation), for firmware. Its parts must appear in parts.txt in the same
order, so the full header is a superset of it. Its top part settles what a
core build is (AIO_NO_IO, AIO_NO_THREADS and AIO_NO_PROCESSES defined; the
simulation and TLS refused), and the core header holds only what such a build
can compile: every #if, #elif and #else branch that these facts decide
against is left out, with each internal macro (AIO__NAME) that is then
defined nowhere (so a branch on AIO__SOCKETS goes too), the way unifdef does;
a branch they decide for loses its directive lines; one that depends on
anything else (the platform, a user's option) stays whole. Marker lines stay,
a section left empty goes whole. The full header is not pruned.

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
# What a core build is: defined by its top part (`#define NAME 1` unless the
# user did), and refused there (an #error that names `defined(NAME)`).
CORE_DEFINED = ("AIO_NO_IO", "AIO_NO_THREADS", "AIO_NO_PROCESSES")
CORE_REFUSED = ("AIO_SIMULATION", "AIO_TLS", "AIO_TLS_OPENSSL", "AIO_TLS_MBEDTLS", "AIO_TLS_SCHANNEL")


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


# Each part's file under parts/ ("core/tasks.h"), by its name, as the lists give them.
WHERE = {}


def part_path(name):
    """A part's file under parts/, as its list gives it ("core/tasks.h")."""
    return WHERE.get(name, name + ".h")


def read_list(name):
    """The part names a list file gives, in order; None if it does not exist.
    Each line is a part's file under parts/, in a folder or not (LAYER/NAME.h)."""
    file = path(PARTS, name)
    if not os.path.exists(file):
        return None
    names = []
    with open(file, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            word = line.split("#", 1)[0].strip()
            if not word:
                continue
            folders, _, base = word.rpartition("/")
            if (not base.endswith(".h") or not NAME.fullmatch(base[:-2])
                    or (folders and not all(NAME.fullmatch(x) for x in folders.split("/")))):
                raise PartsError("%s/%s line %d: %r is not a part's file (NAME.h or LAYER/NAME.h)"
                                 % (PARTS, name, number, word))
            part = base[:-2]
            if part in names:
                raise PartsError("%s/%s line %d: %s is listed twice" % (PARTS, name, number, part + ".h"))
            if WHERE.get(part, word) != word:
                raise PartsError("%s/%s line %d: %s, which another list gives as %s"
                                 % (PARTS, name, number, word, WHERE[part]))
            WHERE[part] = word
            names.append(part)
    return names


def is_top(name):
    return name == TOP or name.startswith(TOP + "-")


def load_part(name):
    """A part's bytes, checked: its first line is its marker, no other marker in it."""
    file = path(PARTS, part_path(name))
    if not os.path.exists(file):
        raise PartsError("%s/%s is listed but does not exist" % (PARTS, part_path(name)))
    data = read(file)
    lines = data.splitlines(keepends=True)
    for number, line in enumerate(lines, 1):
        found = marker_of(line)
        if found is None:
            continue
        if is_top(name) or number > 1:
            raise PartsError("%s/%s line %d: the marker `// >>%s` can only be a part's first line "
                             "(a new section is a new part)" % (PARTS, part_path(name), number, found))
        if found != name:
            raise PartsError("%s/%s begins with the marker `// >>%s`: a part is named after its marker"
                             % (PARTS, part_path(name), found))
    if not is_top(name) and (not lines or marker_of(lines[0]) is None):
        raise PartsError("%s/%s must begin with its marker line `// >>%s`" % (PARTS, part_path(name), name))
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
            raise PartsError("%s/%s does not end with a line break" % (PARTS, part_path(name)))
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


# ---------------------------------------------------------------- pruning
# A condition's value from what is known: True, False, or None (it depends on
# something not known here). C's rules: an undefined name in #if is 0.

CONDITION_TOKEN = re.compile(r"\s*(defined\b|[A-Za-z_]\w*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|&&|\|\||==|!=|<=|>=|<<|>>"
                             r"|[()!<>+\-*/%~?:,&|^])")
DIRECTIVE = re.compile(rb"[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)\b(.*)", re.S)
DEFINE = re.compile(rb"[ \t]*#[ \t]*define[ \t]+(AIO__\w+)")


class Undecided(Exception):
    pass


class Condition:
    def __init__(self, text, defined, undefined):
        text = re.sub(r"/\*.*?\*/", " ", text.replace("\\\n", " ")).split("//")[0].strip()
        self.tokens, pos = [], 0
        while pos < len(text):
            m = CONDITION_TOKEN.match(text, pos)
            if not m:
                raise Undecided()
            self.tokens.append(m.group(1))
            pos = m.end()
            while pos < len(text) and text[pos].isspace():
                pos += 1
        self.i, self.defined, self.undefined = 0, defined, undefined

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, want=None):
        token = self.peek()
        if token is None or (want is not None and token != want):
            raise Undecided()
        self.i += 1
        return token

    def name(self, name):
        return True if name in self.defined else False if name in self.undefined else None

    def value(self):
        v = self.either()
        if self.peek() is not None:
            raise Undecided()
        return v

    def either(self):
        v = self.both()
        while self.peek() == "||":
            self.take()
            w = self.both()
            v = True if True in (v, w) else False if v is False and w is False else None
        return v

    def both(self):
        v = self.one()
        while self.peek() == "&&":
            self.take()
            w = self.one()
            v = False if False in (v, w) else True if v is True and w is True else None
        return v

    def one(self):
        token = self.take()
        if token == "!":
            v = self.one()
            return None if v is None else not v
        if token == "(":
            v = self.either()
            self.take(")")
            return self.operand_end(v)
        if token == "defined":
            if self.peek() == "(":
                self.take()
                v = self.name(self.take())
                self.take(")")
            else:
                v = self.name(self.take())
            return self.operand_end(v)
        if self.name(token) is False and self.peek() in (None, "&&", "||", ")"):
            return False  # an undefined name alone is 0
        return self.operand_end(None)

    def operand_end(self, v):
        """v, unless a comparison or arithmetic follows: then what it is compared with is not known."""
        if self.peek() in (None, "&&", "||", ")"):
            return v
        depth = 0
        while self.peek() is not None and not (depth == 0 and self.peek() in ("&&", "||", ")")):
            depth += {"(": 1, ")": -1}.get(self.take(), 0)
        return None


def decide(kind, text, defined, undefined):
    try:
        if kind in ("ifdef", "ifndef"):
            v = Condition(text, defined, undefined).name(text.split()[0] if text.split() else "")
            return None if v is None else v == (kind == "ifdef")
        return Condition(text, defined, undefined).value()
    except Undecided:
        return None


def conditional_tree(lines, kept_as_is):
    """The lines as a tree: a line, or a chain [as_is, [[kind, text, line, body], ...], #endif line];
    a chain that opens in the first kept_as_is lines is left as it is."""
    root, stack, chains, number, i = [], [], [], 0, 0
    stack.append(root)
    while i < len(lines):
        line = lines[i]
        while line.rstrip(b"\r\n").endswith(b"\\") and i + 1 < len(lines):  # a continued directive
            i += 1
            line += lines[i]
        i += 1
        number += line.count(b"\n")
        m = DIRECTIVE.match(line)
        kind = m.group(1).decode() if m else None
        if kind in ("if", "ifdef", "ifndef"):
            chain = [number <= kept_as_is, [], None]
            stack[-1].append(chain)
            chains.append(chain)
        elif kind in ("elif", "else", "endif"):
            if not chains:
                raise PartsError("an #%s without its #if (aio_timeout_core.h line %d)" % (kind, number))
            chain = chains[-1]
            stack.pop()
            if kind == "endif":
                chain[2] = line
                chains.pop()
                continue
        else:
            stack[-1].append(line)
            continue
        branch = [kind, m.group(2).decode("utf-8", "replace"), line, []]
        chain[1].append(branch)
        stack.append(branch[3])
    if chains:
        raise PartsError("an #if without its #endif in aio_timeout_core.h")
    return root


def markers_in(items, out):
    for item in items:
        if isinstance(item, bytes):
            if marker_of(item) is not None:
                out.append(item)
        else:
            for branch in item[1]:
                markers_in(branch[3], out)


def unfold(items, defined, undefined, out):
    for item in items:
        if isinstance(item, bytes):
            out.append(item)
            continue
        as_is, branches, endif = item
        kept = []
        for kind, text, line, body in branches:
            v = True if kind == "else" else decide("if" if kind == "elif" else kind, text, defined, undefined)
            if as_is:
                v = None
            if v is False:
                markers_in(body, out)  # (a section's marker stays where it was)
                continue
            kept.append((v, kind, line, body))
            if v is True:
                break
        if not kept:
            continue
        if kept[0][0] is True:
            unfold(kept[0][3], defined, undefined, out)
            continue
        for n, (v, kind, line, body) in enumerate(kept):
            if n == 0 and kind == "elif":
                line = re.sub(rb"#([ \t]*)elif", rb"#\1if", line, count=1)
            elif v is True and kind != "else":
                line = re.sub(rb"#([ \t]*)(elif)\b.*", rb"#\1else\n", line, count=1, flags=re.S)
            out.append(line)
            unfold(body, defined, undefined, out)
        out.append(endif)
    return out


def drop_empty_sections(data):
    lines, out, section = data.splitlines(keepends=True), [], []
    for line in lines + [None]:
        if line is None or marker_of(line) is not None:
            if len(section) != 1 or marker_of(section[0]) is None:
                out.extend(section)  # (a section of its marker line alone goes)
            section = []
        if line is not None:
            section.append(line)
    return b"".join(out)


def sections_of(data, names):
    """[(part, first line, line count)] of a header, found by its marker lines."""
    spans, line = [], 1
    for name, chunk in cut(data):
        count = chunk.count(b"\n")
        spans.append((names[0] if name == TOP else name, line, count))
        line += count
    return spans


def prune_core(data, top_lines):
    """The core header's text: what a core build cannot compile left out."""
    top = b"".join(data.splitlines(keepends=True)[:top_lines])
    for name in CORE_DEFINED:
        if not re.search(rb"#ifndef %s\n#define %s 1\n" % (name.encode(), name.encode()), top):
            raise PartsError("the core's top part does not define %s: a core build is settled there (CORE_DEFINED)" % name)
    for name in CORE_REFUSED:
        if b"defined(%s)" % name.encode() not in top or b"#error" not in top:
            raise PartsError("the core's top part does not refuse %s with an #error (CORE_REFUSED)" % name)
    defined, undefined = set(CORE_DEFINED), set(CORE_REFUSED)
    tested = set(m.decode() for m in re.findall(rb"\bAIO__\w+", b"\n".join(
        line for line in data.splitlines() if DIRECTIVE.match(line))))
    lines = data.splitlines(keepends=True)
    while True:
        text = b"".join(unfold(conditional_tree(lines, top_lines), defined, undefined, []))
        live = set(m.group(1).decode() for m in map(DEFINE.match, text.splitlines()) if m)
        gone = {name for name in tested - live - undefined}
        if not gone:
            return drop_empty_sections(text)
        undefined |= gone


def products():
    """[(header, its bytes, its spans)] for every list file present."""
    full = read_list("parts.txt")
    if full is None:
        raise PartsError("%s/parts.txt does not exist: `python3 tools/parts.py split` makes the parts "
                         "from aio_timeout.h" % PARTS)
    listed = set(full)
    for _header, list_name in OUTPUTS[1:]:
        listed |= set(read_list(list_name) or [])
    files = set()
    for folder, _dirs, found in os.walk(path(PARTS)):
        rel = os.path.relpath(folder, path(PARTS))
        files |= {f if rel == "." else "%s/%s" % (rel.replace(os.sep, "/"), f) for f in found if f.endswith(".h")}
    unlisted = sorted(files - {part_path(name) for name in listed})
    if unlisted:
        raise PartsError("%s/%s is in no list: name it in %s/parts.txt (where it goes in the header), or "
                         "remove it" % (PARTS, unlisted[0], PARTS))
    made = []
    for header, list_name in OUTPUTS:
        names = full if list_name == "parts.txt" else read_list(list_name)
        if names is None:
            continue
        if names is not full:
            check_core_order(full, names)
        data, spans = assemble(names)
        if names is not full:
            data = prune_core(data, spans[0][2])
            spans = sections_of(data, names)
        made.append((header, data, spans))
    return made


def with_line_markers(data, spans):
    """The header with a `#line N "parts/LAYER/NAME.h"` before each part's first line, so that
    a compiler names the part and its line (a part begins at a marker, outside any
    comment or macro). The top part keeps its lines: it comes first."""
    lines = data.splitlines(keepends=True)
    out = []
    for name, first, count in spans:
        if not is_top(name):
            out.append(('#line 1 "%s/%s"\n' % (PARTS, part_path(name))).encode())
        out.extend(lines[first - 1:first - 1 + count])
    return b"".join(out)


def build(out=None, lines=False):
    for header, data, spans in products():
        if out is not None and header != OUTPUTS[0][0]:
            continue
        if lines:
            data = with_line_markers(data, spans)
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
            where = "%s/%s line %d" % (PARTS, part_path(name), number - first + 1)
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
    for name, _data in parts:  # (a new section goes in parts/ itself: move it to its layer's folder)
        os.makedirs(os.path.dirname(path(PARTS, part_path(name))), exist_ok=True)
    written = sum(write_if_changed(path(PARTS, part_path(name)), data) for name, data in parts)
    for name in old:
        if name not in names:
            os.remove(path(PARTS, part_path(name)))
            print("parts: removed %s/%s (no such section now)" % (PARTS, part_path(name)))
    listing = "".join(comments) + "".join(part_path(name) + "\n" for name in names)
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
    lines = "--lines" in args
    if lines:
        args.remove("--lines")
    command = args[0] if args else "build"
    if len(args) > 1 or command not in ("build", "check", "split") or (out and command != "build") or \
            (lines and out is None):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        if command == "build":
            build(out, lines)
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
