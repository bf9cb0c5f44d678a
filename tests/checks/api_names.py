# SPDX-License-Identifier: MIT
"""Every public name of aio_timeout.h is documented in docs/api.md.

    python3 tests/checks/api_names.py [HEADER [PAGE]]

The public names are
  - every function declared AIO_API whose name does not start with aio__;
  - every typedef name aio_* (not aio__*);
  - every AIO_* name (not AIO__*) the header #defines, tests with #ifdef, #ifndef
    or defined() (the configuration knobs), or declares as an enum constant;
    the two include guards, AIO_TIMEOUT_H and AIO_TIMEOUT_IMPLEMENTED, are not
    part of the API.
A name is documented when docs/api.md shows it in `code` in its text or tables
(outside the fenced code blocks: a name only used in an example does not count).
Prints one line per missing name and a summary; exit status 1 if any is missing.
"""
import re
import sys

GUARDS = {"AIO_TIMEOUT_H", "AIO_TIMEOUT_IMPLEMENTED"}


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def public_names(header):
    code = strip_comments(header)
    names = {}
    for m in re.finditer(r"\bAIO_API\b[^;{(]*?\b(aio_[A-Za-z0-9_]+)\s*\(", code):
        names.setdefault(m.group(1), "function")
    for m in re.finditer(r"typedef\b[^;]*?\(\s*\*\s*(aio_[A-Za-z0-9_]+)\s*\)", code):
        names.setdefault(m.group(1), "type")
    for m in re.finditer(r"typedef\b[^;(]*?\b(aio_[A-Za-z0-9_]+)\s*;", code):
        names.setdefault(m.group(1), "type")
    for m in re.finditer(r"\}\s*(aio_[A-Za-z0-9_]+)\s*;", code):
        names.setdefault(m.group(1), "type")
    for m in re.finditer(r"^\s*#\s*define\s+(AIO_[A-Za-z0-9_]+)", code, flags=re.M):
        names.setdefault(m.group(1), "macro")
    for m in re.finditer(r"^\s*#\s*(?:ifdef|ifndef|if|elif)\b([^\n]*)", code, flags=re.M):
        for name in re.findall(r"\b(AIO_[A-Za-z0-9_]+)\b", m.group(1)):
            names.setdefault(name, "configuration macro")
    for body in re.findall(r"\benum\b[^{;]*\{([^}]*)\}", code):
        for name in re.findall(r"(?:^|,)\s*(AIO_[A-Za-z0-9_]+)\s*(?:=|,|$)", body.strip()):
            names.setdefault(name, "enum constant")
    return {n: k for n, k in names.items()
            if not n.startswith(("aio__", "AIO__")) and n not in GUARDS}


def prose_lines(markdown):
    """The lines of a Markdown text outside its fenced code blocks."""
    fenced = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield line


def documented(readme):
    words = set()
    for line in prose_lines(readme):
        for span in re.findall(r"`([^`]+)`", line):
            words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span))
    return words


def main():
    header_path = sys.argv[1] if len(sys.argv) > 1 else "aio_timeout.h"
    readme_path = sys.argv[2] if len(sys.argv) > 2 else "docs/api.md"
    with open(header_path, encoding="utf-8") as f:
        names = public_names(f.read())
    with open(readme_path, encoding="utf-8") as f:
        words = documented(f.read())
    if not names:
        print(f"no public names found in {header_path}")
        return 1
    missing = sorted(n for n in names if n not in words)
    for n in missing:
        print(f"{names[n]} {n} is not documented in {readme_path}")
    kinds = {}
    for k in names.values():
        kinds[k] = kinds.get(k, 0) + 1
    what = ", ".join(f"{v} {k}s" for k, v in sorted(kinds.items()))
    print(f"{len(names) - len(missing)} of {len(names)} public names of {header_path} "
          f"({what}) are in {readme_path}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
