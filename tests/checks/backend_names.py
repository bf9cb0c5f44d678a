#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The system's interface, as docs/internals.md ("Adding a backend") gives it.

Prints one line a check, "ok ..." or "FAILED ...":
  1. no shared section of the implementation names a platform's macro: the
     lines that do are in the backends (parts/posix.h, parts/windows.h), the
     configuration (parts/config.h, parts/impl.h), the TLS engine on Windows'
     SChannel, and the core's two clock backends (parts/clock-posix.h,
     parts/clock-windows.h, each compiled alone by the configuration's
     choice), and nowhere else;
  2. every name the recipe's list (its step 4) gives is defined in each
     system backend (or, for the table's socket slots, once for both in
     parts/system-sockets.h, which the recipe names);
  3. every slot of AIO__PLATFORM_SLOTS has its function in the system's
     backends and in the simulation's, and every table is made from that
     list (none written out by position).
Run from the repository's root; exit status 1 if a check failed.
"""
import re
import sys

PARTS = "parts"
PLATFORM = re.compile(r"_WIN32|__linux__|AIO__WIN32|AIO__POSIX|AIO__EPOLL|__APPLE__")
BACKENDS = ["posix.h", "windows.h"]
SHARED_BY_BOTH = "system-sockets.h"
# where a platform's macro belongs (see the docstring)
ALLOWED = {"config.h", "impl.h", "tls-schannel.h", "clock-posix.h", "clock-windows.h"} | set(BACKENDS)

failed = 0


def report(ok, text):
    global failed
    if ok:
        print("ok " + text)
    else:
        failed += 1
        print("FAILED " + text)


def read(name):
    with open("%s/%s" % (PARTS, name), encoding="utf-8") as f:
        return f.read()


def listed(name):
    with open("%s/%s" % (PARTS, name), encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def defines(text, name):
    """Whether text defines name: a macro, a type, or a function with a body."""
    n = re.escape(name)
    return bool(
        re.search(r"^#\s*define\s+%s\b" % n, text, re.M)
        or re.search(r"typedef[^;]*\b%s\s*;" % n, text)
        or re.search(r"\}\s*%s\s*;" % n, text)
        or re.search(r"\b%s\s*\([^;{]*\)\s*\{" % n, text)
        or re.search(r"AIO__THREAD_MAIN\(%s\b" % n, text)
    )


# 1. platform #if lines outside the backends and the configuration
parts = listed("parts.txt")
impl = parts[parts.index("impl.h"):]  # the implementation's sections
outside = []
for part in impl:
    if part in ALLOWED:
        continue
    for i, line in enumerate(read(part).splitlines(), 1):
        if PLATFORM.search(line):
            outside.append("parts/%s:%d: %s" % (part, i, line.strip()))
report(not outside, "%d lines of the implementation's shared sections name a platform's macro "
       "(outside the backends %s, the configuration, the SChannel engine and the core's clock)" %
       (len(outside), ", ".join(BACKENDS)))
for line in outside:
    print("    " + line)

# 2. the recipe's names, in each system backend
with open("docs/internals.md", encoding="utf-8") as f:
    doc = f.read()
m = re.search(r"^### Adding a backend\n(.*?)(?=^#|^\*\*|\Z)", doc, re.M | re.S)
step = re.search(r"^4\. (.*?)(?=^5\. )", m.group(1), re.M | re.S) if m else None
if not step:
    report(False, "docs/internals.md has no recipe \"Adding a backend\" with its list of names (step 4)")
else:
    names = []
    for name in re.findall(r"`((?:aio__|AIO__)\w+)`", step.group(1)):
        if name not in names:
            names.append(name)
    names = [n for n in names if not defines(read("impl.h"), n)]  # (the configuration's)
    shared = read(SHARED_BY_BOTH)
    for backend in BACKENDS:
        text = read(backend)
        missing = [n for n in names if not defines(text, n) and not defines(shared, n)]
        report(not missing and len(names) > 40,
               "parts/%s defines the %d names the recipe lists%s" %
               (backend, len(names), (": not " + ", ".join(missing)) if missing else ""))

# 3. the table's slots, filled by name
sockets = read("sockets.h")
slots = []
for macro in ("AIO__PLATFORM_SLOTS", "AIO__PLATFORM_PROC_SLOTS", "AIO__PLATFORM_JOB_SLOTS"):
    d = re.search(r"#define %s\(X\)(.*?)(?<!\\)\n" % macro, sockets, re.S)
    slots += re.findall(r"\bX\((\w+)\)", d.group(1)) if d else []
everything = "".join(read(p) for p in parts)
sim = read("simulation-impl.h")
missing = [s for s in slots if not defines(everything, "aio__sys_" + s)]
missing += [s for s in slots if not defines(sim, "aio__sim_" + s)]
report(len(slots) >= 13 and not missing,
       "the %d slots of AIO__PLATFORM_SLOTS each have aio__sys_SLOT and aio__sim_SLOT%s" %
       (len(slots), (": not " + ", ".join(missing)) if missing else ""))
tables = re.findall(r"const aio__platform (\w+) = \{([^;]*)\};", everything)
by_position = [t for t, body in tables if "AIO__PLATFORM_SLOTS(" not in body]
report(len(tables) >= 2 and not by_position,
       "the %d tables (%s) are filled by slot name from AIO__PLATFORM_SLOTS%s" %
       (len(tables), ", ".join(t for t, _ in tables),
        (": not " + ", ".join(by_position)) if by_position else ""))
sys.exit(1 if failed else 0)
