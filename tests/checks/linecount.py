# SPDX-License-Identifier: MIT
"""Count the lines of each example against its asyncio original, the same
way for both, and keep the table of examples/README.md true.

    python3 tests/checks/linecount.py            # check the table (exit 1 if stale)
    python3 tests/checks/linecount.py --print    # print the table as it should be
    python3 tests/checks/linecount.py --write    # rewrite the table in examples/README.md

A line counts when it holds code: blank lines and comments do not count.
C: // and /* */ comments (outside string and character literals) are
dropped. Python: # comments and docstrings (the string that opens a module,
a class or a function) are dropped. A statement over several lines counts
each of its lines in both languages. The pairs: examples/NN_name.c and
examples/NN_name.py, and the same in examples' folders (tls/NN_name.c and
tls/NN_name.py); 16 and 17: the servers, NN_*_server. Those without an
original are left out: 13_http_client (13_slow_server.py is the server it
fetches from, not a port), tls/22_https_fetch and 27_line_server_cores
(example 17 on several loops: asyncio's processes share no ids or limit). The helpers both sides
share (example.h, virtual_asyncio.py) are not counted. Every example must
stay at TARGET_MAX (1.9x) or under, and their median at TARGET_MEDIAN
(1.4x) or under: the check fails above either, saying which.
"""
import ast
import glob
import io
import os
import re
import statistics
import sys
import tokenize

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
README = os.path.join(ROOT, "examples", "README.md")
BEGIN = "<!-- line counts: tests/checks/linecount.py --write -->"
END = "<!-- end of line counts -->"
TARGET_MAX = 1.9
TARGET_MEDIAN = 1.4


def c_lines(text):
    """The lines of C source text that hold code once comments are gone."""
    code = set()
    line = 1
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += text.count("\n", i, end)
            i = end
        elif ch in "\"'":
            code.add(line)
            i += 1
            while i < n and text[i] != ch:
                if text[i] == "\\":
                    if text[i + 1 : i + 2] == "\n":
                        line += 1
                    i += 1
                elif text[i] == "\n":
                    break
                i += 1
            i += 1
        elif ch.isspace():
            i += 1
        else:
            code.add(line)
            i += 1
    return len(code)


def py_lines(text):
    """The lines of Python source text that hold code: no comments, no docstrings."""
    docs = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docs.update(range(body[0].lineno, body[0].end_lineno + 1))
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    code = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in skip:
            continue
        for ln in range(tok.start[0], tok.end[0] + 1):
            if ln not in docs:
                code.add(ln)
    return len(code)


def pairs():
    """(name, the C file, the Python original) for every example with one, in
    examples/ and its folders (tls/23_https_fetch), by number."""
    out = []
    found = glob.glob(os.path.join(ROOT, "examples", "[0-9][0-9]_*.c")) + \
        glob.glob(os.path.join(ROOT, "examples", "*", "[0-9][0-9]_*.c"))
    for c in sorted(found, key=os.path.basename):
        name = os.path.relpath(c, os.path.join(ROOT, "examples"))[:-2].replace(os.sep, "/")
        py = c[:-2] + ".py"
        if os.path.exists(py):
            out.append((name, c, py))
    return out


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def table():
    rows = []
    for name, c, py in pairs():
        nc, npy = c_lines(read(c)), py_lines(read(py))
        rows.append((name, nc, npy, nc / npy))
    ratios = [r[3] for r in rows]
    worst = max(rows, key=lambda r: r[3])
    lines = [BEGIN, "", "| example | C lines | Python lines | C / Python |", "|---|---:|---:|---:|"]
    for name, nc, npy, ratio in rows:
        lines.append("| `%s` | %d | %d | %.2fx |" % (name, nc, npy, ratio))
    lines.append("")
    lines.append("Median %.2fx, maximum %.2fx (`%s`), over %d examples; %d over 1.5x, %d over 1.9x." % (
        statistics.median(ratios), worst[3], worst[0], len(rows),
        sum(r > 1.5 for r in ratios), sum(r > TARGET_MAX for r in ratios)))
    lines.append("")
    lines.append(END)
    return "\n".join(lines), rows, statistics.median(ratios), worst[3]


def main():
    text, rows, median, worst = table()
    if "--print" in sys.argv:
        print(text)
        return 0
    readme = read(README)
    m = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), readme, re.S)
    if not m:
        print("examples/README.md has no table of line counts (between %s and %s)" % (BEGIN, END))
        return 1
    if "--write" in sys.argv:
        with open(README, "w", encoding="utf-8") as f:
            f.write(readme[: m.start()] + text + readme[m.end():])
        print("examples/README.md: the table of line counts rewritten")
        return 0
    old = m.group(0).split("\n")
    new = text.split("\n")
    stale = [n for n in new if n not in old] + [o for o in old if o not in new]
    if stale:
        print("examples/README.md: the table of line counts is stale; these rows differ:")
        for n in new:
            if n not in old:
                print("    should be: " + n)
        for o in old:
            if o not in new:
                print("    is:        " + o)
        print("regenerate it: python3 tests/checks/linecount.py --write")
        return 1
    over = [r for r in rows if r[3] > TARGET_MAX]
    for name, nc, npy, ratio in over:
        print("examples/%s: %d lines of C for %d of Python, %.2fx: over the %.1fx every example keeps to"
              % (name, nc, npy, ratio, TARGET_MAX))
    if median > TARGET_MEDIAN:
        print("examples: their median is %.2fx their originals' lines: over the %.2fx they keep to"
              % (median, TARGET_MEDIAN))
    if over or median > TARGET_MEDIAN:
        return 1
    print("the table of line counts in examples/README.md is true: %d examples, median %.2fx, maximum %.2fx"
          % (len(rows), median, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
