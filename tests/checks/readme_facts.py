# SPDX-License-Identifier: MIT
"""What README.md and the pages it links to state stays true.

    python3 tests/checks/readme_facts.py [--write-bench]

- README.md is at most MAX_LINES lines: the first hour, not the whole manual.
- Every relative link in README.md, CHANGELOG.md and the Markdown pages of
  docs/, bench/, tests/ and examples/ names a file of the repository, and a
  #fragment names a heading of that file.
- The benchmark table between the README's `bench-table` markers holds rows
  copied from bench/results.md, not typed: each row must stand there as it is.
  With --write-bench the rows listed in BENCH_ROWS are copied in again (after
  `make bench`).
Prints one line per problem and a summary; exit status 1 if there is one.
"""
import os
import re
import sys

from api_names import prose_lines

MAX_LINES = 349  # "under 350"
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PAGES = ["README.md", "CHANGELOG.md", "docs", "bench", "tests", "examples"]
BEGIN, END = "<!-- bench-table: rows copied from bench/results.md -->", "<!-- /bench-table -->"
# (figure, case) of the rows the README shows
BENCH_ROWS = [
    ("resume", "1 task, virtual clock"),
    ("resume", "1000 tasks round-robin, real clock"),
    ("spawn+join", "virtual clock"),
    ("deadline armed, not reached", "wait_for, 1e6 timers pending"),
    ("deadline, whole operation", "spawn + wait_for + child yields once, 0 pending"),
    ("timer fires", "1e6 due, ns per wake"),
    ("cancel", "cancel a sleeping task, run its cleanup, reap it"),
    ("bytes per task", "task + its timer"),
]


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def markdown_files():
    for entry in PAGES:
        full = os.path.join(ROOT, entry)
        if os.path.isfile(full):
            yield entry
            continue
        for dirpath, dirnames, filenames in os.walk(full):
            dirnames[:] = [d for d in dirnames if d not in ("corpus", "build")]
            for name in sorted(filenames):
                if name.endswith(".md"):
                    yield os.path.relpath(os.path.join(dirpath, name), ROOT)


def anchors(text):
    """GitHub's ids of the headings of a Markdown text."""
    ids = set()
    for line in prose_lines(text):
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title)
            ids.add(title.replace(" ", "-"))
    return ids


def link_problems(page):
    text = read(page)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    here = os.path.dirname(page)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, fragment = target.partition("#")
        dest = os.path.normpath(os.path.join(here, path)) if path else page
        if not os.path.exists(os.path.join(ROOT, dest)):
            yield "%s: link to %s: no such file" % (page, target)
        elif fragment and dest.endswith(".md") and fragment not in anchors(read(dest)):
            yield "%s: link to %s: %s has no heading #%s" % (page, target, dest, fragment)


def bench_rows():
    rows = {}
    for line in read("bench/results.md").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) > 2:
            rows.setdefault((cells[0], cells[1]), line)
    return rows


def table_span(readme):
    if BEGIN not in readme or END not in readme:
        return None
    start = readme.index(BEGIN) + len(BEGIN)
    return start, readme.index(END, start)


def main():
    problems = []
    readme = read("README.md")
    lines = readme.count("\n")
    if lines > MAX_LINES:
        problems.append("README.md: %d lines, more than %d" % (lines, MAX_LINES))
    pages = list(markdown_files())
    for page in pages:
        problems.extend(link_problems(page))
    rows = bench_rows()
    span = table_span(readme)
    if span is None:
        problems.append("README.md: no benchmark table between %s and %s" % (BEGIN, END))
    elif "--write-bench" in sys.argv:
        header = "\n".join(read("bench/results.md").splitlines()[2:4])
        table = [header] + [rows[key] for key in BENCH_ROWS]
        readme = readme[:span[0]] + "\n" + "\n".join(table) + "\n" + readme[span[1]:]
        with open(os.path.join(ROOT, "README.md"), "w", encoding="utf-8") as f:
            f.write(readme)
    else:
        copied = set(rows.values())
        for line in readme[span[0]:span[1]].strip().splitlines()[2:]:
            if line not in copied:
                problems.append("README.md: benchmark row not in bench/results.md: " + line[:80])
    for problem in problems:
        print(problem)
    print("README.md: %d lines (at most %d); links of %d pages resolve%s" %
          (lines, MAX_LINES, len(pages), "" if not problems else "; %d problems" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
