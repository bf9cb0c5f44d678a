# SPDX-License-Identifier: MIT
"""One version everywhere it is written.

    python3 tests/checks/version.py [ROOT]

Four checks, one line each, "ok NAME: ..." or "FAILED NAME: ..." (the details
indented below it):

  header     AIO_VERSION_STRING is MAJOR.MINOR.PATCH of AIO_VERSION_MAJOR,
             _MINOR and _PATCH, AIO_VERSION is 10000 * major + 100 * minor +
             patch, and the top comment's first line names the same version.
  changelog  the first version heading of CHANGELOG.md (`## 0.2.0 ...`) is the
             header's version, and the headings go from the newest down (a
             heading `## 0.1.x` stands for every 0.1 release).
  packages   library.json, library.properties, CMakeLists.txt (project) and
             the Makefile (AIO_VERSION, which fills in the installed pkg-config
             and CMake files) give the header's version.
  docs       docs/api.md's Version section gives the version and its number,
             and the CMake requests the README and the find-package consumer
             write ask for its MAJOR.MINOR: before 1.0 the installed package
             refuses a request for another minor version.
Exit status 1 if a check failed.
"""
import json
import os
import re
import sys

ROOT = os.path.normpath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
HEADING = re.compile(r"^## (\d+)\.(\d+)\.(\d+|x)\b", re.M)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def found(path, pattern):
    """The first group of pattern in the file, or None (no file, no match)."""
    try:
        m = re.search(pattern, read(path), flags=re.M)
    except OSError:
        return None
    return m.group(1) if m else None


def header_version(text):
    """(the version string, AIO_VERSION as its parts give it, the problems) of the header."""
    def define(name):
        m = re.search(r"^#define %s (\S+)" % name, text, flags=re.M)
        return m.group(1) if m else None

    parts = [define("AIO_VERSION_" + p) for p in ("MAJOR", "MINOR", "PATCH")]
    number, string = define("AIO_VERSION"), define("AIO_VERSION_STRING")
    if None in parts or number is None or string is None:
        return None, None, ["the header does not define AIO_VERSION_MAJOR, _MINOR, _PATCH, "
                            "AIO_VERSION and AIO_VERSION_STRING"]
    string = string.strip('"')
    problems = []
    expected = None
    try:
        major, minor, patch = (int(p) for p in parts)
        expected = 10000 * major + 100 * minor + patch
        if "%d.%d.%d" % (major, minor, patch) != string:
            problems.append("AIO_VERSION_STRING is %s, its parts say %d.%d.%d" % (string, major, minor, patch))
        if int(number) != expected:
            problems.append("AIO_VERSION is %s, not 10000 * %d + 100 * %d + %d" % (number, major, minor, patch))
    except ValueError:
        problems.append("AIO_VERSION and its parts are not plain numbers")
    m = re.match(r"/\*[^\n]*\n/\* aio_timeout\.h v(\S+) ", text)
    top = m.group(1) if m else "no version"
    if top != string:
        problems.append("the top comment's first line names %s, the header defines %s" % (top, string))
    return string, expected, problems


def check_changelog(version):
    try:
        headings = HEADING.findall(read("CHANGELOG.md"))
    except OSError:
        return ["there is no CHANGELOG.md"], ""
    if not headings:
        return ["CHANGELOG.md has no version heading (## MAJOR.MINOR.PATCH)"], ""
    problems = []
    top = ".".join(headings[0])
    if top != version:
        problems.append("CHANGELOG.md's first version is %s, the header's %s" % (top, version))
    order = [tuple(int(p) if p != "x" else float("inf") for p in h) for h in headings]
    for newer, older, name in zip(order, order[1:], headings[1:]):
        if older >= newer:
            problems.append("CHANGELOG.md: %s comes after an older version" % ".".join(name))
    rest = ", ".join(".".join(h) for h in headings[1:]) or "nothing"
    return problems, "CHANGELOG.md opens with %s, then %s" % (top, rest)


def check_packages(version):
    try:
        given = {"library.json": json.loads(read("library.json")).get("version")}
    except (OSError, ValueError):
        given = {"library.json": None}
    given["library.properties"] = found("library.properties", r"^version=(\S+)")
    given["CMakeLists.txt"] = found("CMakeLists.txt", r"project\(aio_timeout VERSION (\S+)")
    given["the Makefile"] = found("Makefile", r"^AIO_VERSION\s*:?=\s*(\S+)")
    problems = ["%s gives %s, the header %s" % (where, v or "no version", version)
                for where, v in given.items() if v != version]
    return problems, "%s in %s" % (version, ", ".join(given))


def check_docs(version, number):
    problems = []
    api = found("docs/api.md", r'`AIO_VERSION_STRING` is the version as text \(`"([^"`]*)"`\)')
    if api != version:
        problems.append('docs/api.md\'s Version section gives "%s", the header "%s"' % (api, version))
    cited = found("docs/api.md", r"\((\d+) for %s\), for `#if AIO_VERSION >= \1`" % re.escape(version))
    if cited != str(number):
        problems.append("docs/api.md's Version section does not give AIO_VERSION as "
                        "(%d for %s), for `#if AIO_VERSION >= %d`" % (number, version, number))
    series = ".".join(version.split(".")[:2])
    for path, pattern in (("README.md", r"find_package\(aio_timeout (\S+) REQUIRED\)"),
                          ("tests/consumers/find-package/CMakeLists.txt", r"set\(AIO_TIMEOUT_WANTED (\S+) CACHE")):
        asked = found(path, pattern)
        if asked != series:
            problems.append("%s asks find_package for %s, which %s does not meet: ask for %s"
                            % (path, asked, version, series))
    return problems, ("docs/api.md gives %s (%d); the README and the find-package consumer ask for %s"
                      % (version, number, series))


def main():
    text = read("aio_timeout.h")
    version, number, problems = header_version(text)
    agree = "AIO_VERSION_STRING %s, its parts, AIO_VERSION and the top comment agree" % version
    checks = [("header", (problems, agree))]
    if version is not None and number is not None:  # (else the header's line says why no other ran)
        checks += [("changelog", check_changelog(version)), ("packages", check_packages(version)),
                   ("docs", check_docs(version, number))]
    failed = 0
    for name, (problems, summary) in checks:
        if problems:
            failed += 1
            print("FAILED %s: %d problem%s" % (name, len(problems), "" if len(problems) == 1 else "s"))
            for p in problems:
                print("    " + p)
        else:
            print("ok %s: %s" % (name, summary))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
