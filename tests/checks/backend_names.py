#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The system's interface, as docs/internals.md ("Adding a backend") gives it.

Prints one line a check, "ok ..." or "FAILED ...":
  1. no shared section of the implementation names a platform's macro: the
     lines that do are in the backends (parts/platforms/posix.h, parts/platforms/windows.h), the
     configuration (parts/frame/config.h, parts/frame/impl.h), the TLS engine on Windows'
     SChannel, and the core's two clock backends (parts/platforms/clock-posix.h,
     parts/platforms/clock-windows.h, each compiled alone by the configuration's
     choice), and nowhere else;
  2. every name the recipe's list (its step 4) gives is defined in each
     system backend (or, for the table's socket slots, once for both in
     parts/io/system-sockets.h, which the recipe names), and those of the wake
     pair and the wait, which the readiness waits call, are declared in
     parts/io/system.h;
  3. every slot of AIO__PLATFORM_SLOTS has its function in the system's
     backends and in the simulation's, and every table is made from that
     list (none written out by position), and each wrapper that calls a
     slot (aio__os()->SLOT) is named for it (aio__..._SLOT);
  4. every readiness wait (parts/waits/wait-NAME.h in parts.txt) is guarded by
     AIO__WAIT_NAME, refuses a second pick (#error on AIO__WAIT_PICKED,
     then defines it), defines each name of the seam that >>system
     declares, and is picked by a line of >>impl; no shared section
     names a wait's AIO__WAIT_NAME (they ask the seam, not which wait it
     is; the backends give the poll wait its call).
Run from the repository's root; exit status 1 if a check failed.
"""
import re
import sys

PARTS = "parts"
PLATFORM = re.compile(r"_WIN32|__linux__|AIO__WIN32|AIO__POSIX|AIO__LINUX\b|__APPLE__")
BACKENDS = ["posix.h", "windows.h"]
SHARED_BY_BOTH = "system-sockets.h"
# where a platform's macro belongs (see the docstring)
ALLOWED = {"config.h", "impl.h", "tls-schannel.h", "clock-posix.h", "clock-windows.h"} | set(BACKENDS)
WAIT_PART = re.compile(r"wait-([a-z0-9]+)\.h$")

failed = 0


def report(ok, text):
    global failed
    if ok:
        print("ok " + text)
    else:
        failed += 1
        print("FAILED " + text)


WHERE = {}  # a part's file under parts/ ("io/sockets.h"), by its file name, as parts.txt gives it


def read(name):
    with open("%s/%s" % (PARTS, WHERE.get(name, name)), encoding="utf-8") as f:
        return f.read()


def listed(name):
    """The file names a list gives (its parts' folders noted in WHERE)."""
    names = []
    with open("%s/%s" % (PARTS, name), encoding="utf-8") as f:
        for line in f:
            entry = line.split("#", 1)[0].strip()
            if entry:
                WHERE[entry.rsplit("/", 1)[-1]] = entry
                names.append(entry.rsplit("/", 1)[-1])
    return names


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
    if part in ALLOWED or WAIT_PART.match(part):  # (a wait part says where it fits)
        continue
    for i, line in enumerate(read(part).splitlines(), 1):
        if PLATFORM.search(line):
            outside.append("parts/%s:%d: %s" % (WHERE.get(part, part), i, line.strip()))
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
    # the wake pair's and the wait's names, which the readiness waits call
    # after the backends define them: each declared in >>system, so that a
    # backend's definition of another shape does not compile
    waits_names = []
    for bullet in re.findall(r"^   - the (?:wake pair|wait): (.*?)(?=^   - |\Z)", step.group(1), re.M | re.S):
        waits_names += [n for n in re.findall(r"`(aio__\w+)`", bullet) if n not in waits_names]
    system_text = read("system.h")
    undeclared = [n for n in waits_names
                  if not re.search(r"^(?:AIO__MAY_BE_UNUSED )?static [^;{]*\b%s\([^;{]*\);" % n, system_text, re.M)]
    report(len(waits_names) >= 7 and not undeclared,
           "parts/io/system.h declares the %d names of the wake pair and the wait the recipe lists%s" %
           (len(waits_names), (": not " + ", ".join(undeclared)) if undeclared else ""))
    for backend in BACKENDS:
        text = read(backend)
        missing = [n for n in names if not defines(text, n) and not defines(shared, n)]
        report(not missing and len(names) > 40,
               "parts/%s defines the %d names the recipe lists%s" %
               (WHERE[backend], len(names), (": not " + ", ".join(missing)) if missing else ""))

# 3. the table's slots, filled by name
sockets = read("sockets.h")
slots = []
for macro in ("AIO__PLATFORM_SLOTS", "AIO__PLATFORM_PROC_SLOTS", "AIO__PLATFORM_JOB_SLOTS"):
    d = re.search(r"#define %s\(X\)(.*?)(?<!\\)\n" % macro, sockets, re.S)
    slots += re.findall(r"\bX\((\w+)\)", d.group(1)) if d else []
everything = "".join(read(p) for p in parts)
sim = "".join(read(p) for p in parts if p.startswith("sim-"))  # the simulation's parts
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
# 3b. each wrapper of a slot (a function of a few lines that calls
# aio__os()->SLOT) is named for the slot it calls: a wrapper that calls
# another slot of the same shape compiles, and this is where it shows
wrappers = 0
misnamed = []
for part in parts:
    lines = read(part).splitlines()
    for i, line in enumerate(lines):
        for slot in re.findall(r"aio__os\(\)->(\w+)\(", line):
            # the function around it: the nearest line above that opens one
            j = i
            while j >= 0 and not re.match(r"^(?:static|AIO_API) [^;]*?\b(aio_\w+)\(", lines[j]):
                j -= 1
            if j < 0 or i - j > 2:  # (not a wrapper: a longer function that asks the table)
                continue
            end = i
            while end < len(lines) and not lines[end].startswith("}") and not lines[end].rstrip().endswith("}"):
                end += 1
            if end - j > 3:
                continue
            name = re.match(r"^(?:static|AIO_API) [^;]*?\b(aio_\w+)\(", lines[j]).group(1)
            wrappers += 1
            if not name.endswith("_" + slot):
                misnamed.append("parts/%s:%d: %s calls the slot %s" % (WHERE.get(part, part), i + 1, name, slot))
report(wrappers >= 15 and not misnamed,
       "the %d wrappers of the table's slots each call the slot they are named for%s" %
       (wrappers, "" if not misnamed else ": not " + "; ".join(misnamed)))

# 4. the readiness waits, each one part behind the seam
system = read("system.h")
seam = []
for name in re.findall(r"^ \*   (aio__readiness_\w+)\s", system, re.M):  # the seam's list, in its comment
    if name not in seam:
        seam.append(name)
undeclared = [n for n in seam if not re.search(r"^static [^;{]*\b%s\([^;{]*\);" % n, system, re.M)]
report(not undeclared and len(seam) >= 7,
       "parts/io/system.h declares each of the %d names its seam lists%s" %
       (len(seam), (": not " + ", ".join(undeclared)) if undeclared else ""))
waits = [p for p in parts if WAIT_PART.match(p)]
impl_text = read("impl.h")
report(len(seam) >= 7 and len(waits) >= 2,
       "the seam >>system declares has %d names (%s) and parts.txt lists %d waits (%s)" %
       (len(seam), ", ".join(seam), len(waits), ", ".join(waits)))
macros = []
for part in waits:
    text = read(part)
    macro = "AIO__WAIT_" + WAIT_PART.match(part).group(1).upper()
    macros.append(macro)
    problems = []
    code = [l for l in text.splitlines() if l.strip() and not l.startswith(("//", "/*", " *"))]
    if not code or code[0].strip() != "#ifdef " + macro:
        problems.append("its code is not under #ifdef " + macro)
    if not re.search(r"#ifdef AIO__WAIT_PICKED\s*\n#error[^\n]*\n#endif\s*\n#define AIO__WAIT_PICKED ", text):
        problems.append("it does not refuse a second pick (#ifdef AIO__WAIT_PICKED / #error / #endif, "
                        "then #define AIO__WAIT_PICKED)")
    missing = [n for n in seam if not defines(text, n)]
    if missing:
        problems.append("it does not define " + ", ".join(missing))
    if not re.search(r"^#\s*define\s+%s\s+1\b" % macro, impl_text, re.M):
        problems.append(">>impl has no line that picks it (#define %s 1)" % macro)
    report(not problems, "parts/%s is a readiness wait behind the seam%s" %
           (WHERE[part], (": " + "; ".join(problems)) if problems else ""))
named = []
for part in parts:
    if WAIT_PART.match(part) or part in ("impl.h", "system.h") or part in BACKENDS:
        continue  # (the backends give the poll wait its call)
    for i, line in enumerate(read(part).splitlines(), 1):
        if any(re.search(r"\b%s\b" % m, line) for m in macros):
            named.append("parts/%s:%d: %s" % (WHERE.get(part, part), i, line.strip()))
report(not named, "%d lines of the shared sections name a wait's macro (outside the waits, their "
       "pick, the backends and >>system)" % len(named))
for line in named:
    print("    " + line)
sys.exit(1 if failed else 0)
