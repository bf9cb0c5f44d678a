# SPDX-License-Identifier: MIT
"""The header's map is true: its sections, options and docs/internals.md.

    python3 tests/checks/map.py [ROOT]

Five checks, one line each, "ok NAME: ..." or "FAILED NAME: ..." (the details
indented below it):

  banners    every section banner of aio_timeout.h has a line `// >>name` just
             above it, and every such line is just above a banner. A banner is
             a comment of 10 or more dashes (or equals signs): three lines
             (a rule, the title, a rule) or one (the dashes, then the title);
             `/* ---- x` subheadings, with fewer dashes, are not sections.
  contents   the markers' names, in the order of the file, are the CONTENTS
             list of the top comment, in its order; no name twice.
  options    every public option the header tests (an AIO_ name, not AIO__,
             in #if, #ifdef, #ifndef, #elif or defined(); not the include
             guards AIO_TIMEOUT_H and AIO_TIMEOUT_IMPLEMENTED) is in the
             COMPILE-TIME OPTIONS comment, and every name that comment lists
             is used by the header's code.
  api-options  every option of that comment is in docs/api.md's section
             "Configuration", in `code`.
  internals  every name docs/internals.md gives in `code` with the prefix
             aio_, aio__, AIO_ or AIO__ is in the header's code (not only in a
             comment), and every section it names as >>name is a marker.
Exit status 1 if a check failed.
"""
import os
import re
import sys

ROOT = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
GUARDS = {"AIO_TIMEOUT_H", "AIO_TIMEOUT_IMPLEMENTED"}
RULE = re.compile(r"^/\* (?:-{10,}|={10,}) \*/$")          # the rule of a three-line banner
ONE_LINE = re.compile(r"^/\* -{10,} (\S.*?) \*/$")          # /* ------------- misc */
MARKER = re.compile(r"^// >>(\S*)$")


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def code_of(text):
    """The text without its comments (their line breaks kept)."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)


def banners(lines):
    """(line number of the banner's first line, its title) for each banner."""
    found = []
    i = 0
    while i < len(lines):
        if RULE.match(lines[i]) and i + 2 < len(lines) and RULE.match(lines[i + 2]):
            found.append((i + 1, re.sub(r"^/\*\s*|\s*\*/$", "", lines[i + 1])))
            i += 3
            continue
        m = ONE_LINE.match(lines[i])
        if m:
            found.append((i + 1, m.group(1)))
        i += 1
    return found


def markers(lines):
    """(line number, name) of each `// >>name` line."""
    return [(i + 1, m.group(1)) for i, line in enumerate(lines) for m in [MARKER.match(line)] if m]


def check_banners(lines):
    problems = []
    marks = dict(markers(lines))
    starts = {n for n, _ in banners(lines)}
    for n, title in banners(lines):
        if n - 1 not in marks:
            problems.append("line %d: the banner \"%s\" has no // >>name line above it" % (n, title))
    for n, name in markers(lines):
        if not re.match(r"^[a-z][a-z0-9-]*$", name):
            problems.append("line %d: a marker's name is a lowercase word (dashes allowed): >>%s" % (n, name))
        if n + 1 not in starts:
            problems.append("line %d: // >>%s is not just above a banner" % (n, name))
    return problems, "%d banners, each with its marker" % len(starts)


def contents_list(text):
    top = text[:text.index("#ifndef AIO_TIMEOUT_H")]
    m = re.search(r"^ \* CONTENTS\n(.*?)^ \* [A-Z][A-Z -]+\b", top, flags=re.S | re.M)
    if not m:
        return None
    return re.findall(r"^ \*   >>(\S+)", m.group(1), flags=re.M)


def check_contents(text, lines):
    listed = contents_list(text)
    if listed is None:
        return ["the top comment has no CONTENTS list (\" * CONTENTS\" up to the next heading)"], ""
    marked = [name for _, name in markers(lines)]
    problems = []
    for name in sorted({n for n in marked if marked.count(n) > 1}):
        problems.append("two markers are named >>%s" % name)
    for name in [n for n in marked if n not in listed]:
        problems.append(">>%s marks a section but is not in the contents" % name)
    for name in [n for n in listed if n not in marked]:
        problems.append(">>%s is in the contents but marks no section" % name)
    if not problems and listed != marked:
        for k, (a, b) in enumerate(zip(listed, marked)):
            if a != b:
                problems.append("the contents list >>%s where the file's section %d is >>%s" % (a, k + 1, b))
                break
    return problems, "%d sections, in the contents in the file's order" % len(marked)


def tested_options(text):
    """The public AIO_ names the header's #if, #ifdef, #ifndef and #elif lines test."""
    names = {}
    joined = code_of(text).replace("\\\n", " ")
    for n, line in enumerate(joined.split("\n"), 1):
        m = re.match(r"\s*#\s*(?:if|ifdef|ifndef|elif)\b(.*)", line)
        if m:
            for name in re.findall(r"\b(AIO_[A-Za-z0-9_]+)", m.group(1)):
                if not name.startswith("AIO__") and name not in GUARDS:
                    names.setdefault(name, n)
    return names


def options_block(text):
    m = re.search(r"^/\* COMPILE-TIME OPTIONS\n(.*?)\*/", text, flags=re.S | re.M)
    if not m:
        return None
    return re.findall(r"^ \*   (AIO_[A-Za-z0-9_]+)", m.group(1), flags=re.M)


def check_options(text):
    block = options_block(text)
    if block is None:
        return ["no comment starts \"/* COMPILE-TIME OPTIONS\""], ""
    problems = []
    tested = tested_options(text)
    for name, n in sorted(tested.items(), key=lambda kv: kv[1]):
        if name not in block:
            problems.append("%s (tested on line %d) is not in the COMPILE-TIME OPTIONS comment" % (name, n))
    used = set(re.findall(r"\bAIO_[A-Za-z0-9_]+", code_of(text)))
    for name in block:
        if name not in used:
            problems.append("%s is in the COMPILE-TIME OPTIONS comment but the header's code never uses it" % name)
    for name in sorted({n for n in block if block.count(n) > 1}):
        problems.append("%s is in the COMPILE-TIME OPTIONS comment twice" % name)
    return problems, "%d options tested, %d in the COMPILE-TIME OPTIONS comment" % (len(tested), len(block))


def prose(markdown):
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield line


def check_api_options(text):
    block = options_block(text) or []
    page = read("docs/api.md")
    m = re.search(r"^## Configuration\b.*?$(.*?)(?=^## |\Z)", page, flags=re.S | re.M)
    if not m:
        return ["docs/api.md has no section \"## Configuration\""], ""
    words = set()
    for line in prose(m.group(1)):
        for span in re.findall(r"`([^`]+)`", line):
            words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    problems = ["%s is not in docs/api.md's Configuration section" % n for n in block if n not in words]
    if not block:
        problems.append("no options to look for (see the check options)")
    return problems, "the %d options are in docs/api.md's Configuration section" % len(block)


def check_internals(text, lines):
    page = read("docs/internals.md")
    ids = set(re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", code_of(text)))
    marked = {name for _, name in markers(lines)}
    problems = []
    cited = set()
    sections = set()
    for line in prose(page):
        for span in re.findall(r"`([^`]+)`", line):
            for name in re.findall(r"\b((?:aio|AIO)_[A-Za-z0-9_]*)", span):
                if not name.endswith("_"):  # (AIO_ON_..., aio__sim_...: a family)
                    cited.add(name)
        for name in re.findall(r">>([a-z][a-z0-9-]*)", re.sub(r"`[^`]*`", "", line)):
            sections.add(name)
    for name in sorted(cited - ids):
        problems.append("docs/internals.md cites `%s`, which the header's code does not have" % name)
    for name in sorted(sections - marked):
        problems.append("docs/internals.md names the section >>%s, which the header does not mark" % name)
    return problems, "the %d names and %d sections docs/internals.md cites are the header's" % (len(cited), len(sections))


def main():
    text = read("aio_timeout.h")
    lines = text.split("\n")
    checks = [("banners", check_banners(lines)), ("contents", check_contents(text, lines)),
              ("options", check_options(text)), ("api-options", check_api_options(text)),
              ("internals", check_internals(text, lines))]
    failed = 0
    for name, (problems, summary) in checks:
        if problems:
            failed += 1
            print("FAILED %s: %d problem%s" % (name, len(problems), "" if len(problems) == 1 else "s"))
            for p in problems[:20]:
                print("    " + p)
        else:
            print("ok %s: %s" % (name, summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
