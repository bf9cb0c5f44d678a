# SPDX-License-Identifier: MIT
"""Every public function's signature, for docs/api.md's last section.

    python3 tools/signatures.py            print the section
    python3 tools/signatures.py --write    write it into docs/api.md
    python3 tools/signatures.py --check    exit 1 if docs/api.md's differs

The signatures are the header's declarations themselves (AIO_API left out,
comments dropped, spaces as one), in the order the header declares them,
under the name of the part that declares them. A function declared twice
(one declaration per platform) is listed once. The section runs from its
heading to the end of docs/api.md's "## Version" section's start.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## Every function's signature"
NEXT = "## Version"

# The parts that declare the API, and their titles (tools/parts.py's order).
TITLES = [
    ("config.h", "Configuration"),
    ("time.h", "Time"),
    ("loop.h", "Loop"),
    ("tasks.h", "Tasks"),
    ("scopes.h", "Timeout blocks and deadlines"),
    ("many.h", "Waiting on many; events, locks, semaphores, conditions"),
    ("queues.h", "Queues"),
    ("io.h", "I/O, streams, servers, signals"),
    ("threads.h", "Worker threads"),
    ("processes.h", "Child processes"),
    ("instruments.h", "Instruments"),
    ("simulation.h", "Simulation"),
    ("tls.h", "TLS"),
]


def declarations(text):
    code = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)
    seen = []
    for m in re.finditer(r"\bAIO_API\b([^;{]*?\(.*?\))\s*;", code, flags=re.S):
        decl = " ".join(m.group(1).split())
        name = re.search(r"(\w+)\s*\(", decl).group(1)
        if name.startswith("aio__") or not name.startswith("aio_"):
            continue
        decl = decl.replace("( ", "(").replace(" )", ")")
        if decl + ";" not in seen:
            seen.append(decl + ";")
    return seen


def part_file(name):
    """parts/LAYER/NAME.h for NAME.h, as parts/parts.txt gives it."""
    with open(os.path.join(ROOT, "parts", "parts.txt"), encoding="utf-8") as f:
        for line in f:
            entry = line.split("#", 1)[0].strip()
            if entry.rsplit("/", 1)[-1] == name:
                return os.path.join(ROOT, "parts", entry)
    raise SystemExit("tools/signatures.py: parts/parts.txt lists no %s" % name)


def section():
    out = [HEADING, "",
           "Each public function as the header declares it, grouped by the part of the header that",
           "declares it (`make test` checks that this list is the header's: `tools/signatures.py`",
           "writes it). The tables above say what each does; the macros are there too. An `aio_status`",
           "is an `int`: `AIO_OK` (0) or a result `>= 0`, an error `< 0`.", ""]
    names = set()
    for part, title in TITLES:
        with open(part_file(part), encoding="utf-8") as f:
            decls = declarations(f.read())
        if not decls:
            continue
        out += ["### " + title, "", "```c"] + decls + ["```", ""]
        names.update(re.search(r"(\w+)\s*\(", d).group(1) for d in decls)
    return "\n".join(out), names


def main():
    text, _ = section()
    path = os.path.join(ROOT, "docs", "api.md")
    with open(path, encoding="utf-8") as f:
        page = f.read()
    start = page.find(HEADING)
    end = page.find(NEXT)
    if end < 0:
        sys.exit("docs/api.md has no '%s' section" % NEXT)
    current = page[start:end] if start >= 0 else None
    wanted = text + "\n"
    if "--write" in sys.argv:
        if start < 0:
            start = end
        page = page[:start] + wanted + page[end:]
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        return 0
    if "--check" in sys.argv:
        if current != wanted:
            print("docs/api.md: the signatures differ from the header's; run python3 tools/signatures.py --write")
            return 1
        print("docs/api.md: every public function's signature, as the header declares it")
        return 0
    sys.stdout.write(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
