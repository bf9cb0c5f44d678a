# SPDX-License-Identifier: MIT
"""Figures the documentation quotes from a run: each one is what the run printed.

    python3 tests/checks/doc_figures.py static
    python3 tests/checks/doc_figures.py run GROUP ARG...

Every figure of the pages below that comes from running something (a count of
wake-ups, a program's output, a size, an instruction count) is listed in
FIGURES: the page, the words around it (a pattern that must match the page
exactly once), and where its true value comes from:

- `static` figures come from files that `make test` compares with a run
  (tests/readme.expected, examples/expected/, examples/firmware/expected.txt,
  examples/sampler/expected.txt...), from a small host program this script
  builds and runs, or from the headers as arm-none-eabi-gcc preprocesses them
  (skipped without it); `static` checks all of them (the `figures` stage of
  `make test`), and that every other figure's words are still on its page;
- the others come from a run that needs cross tools (arm-none-eabi-gcc, QEMU,
  avr-gcc, simavr): the script that does the run calls `run GROUP` with what it
  measured, and the figures of that group must be those (`size`: make size and
  make test when arm-none-eabi-gcc is installed; `put-cost`: the QEMU runs of
  tests/embedded/isr_put_cost.c; `avr-smoke`: tests/embedded/avr.sh). Sizes
  depend on the compiler: the page names the version it was measured with, and
  with another version the figures are reported, not compared.

A figure that no run here produces (the peers' sizes, history) is labelled on
its page with how it was measured, and is not listed.
Prints one line per figure or group: "ok ...", "FAILED ..." (what the page says
and what the run gave) or "skipped ..."; exit status 1 if one failed, else 3
if one was skipped, else 0.
"""
import os
import platform
import re
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


class Skip(Exception):
    """The figure cannot be produced here (a tool, another compiler)."""


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def words(text):
    """A pattern from the words around a figure: spaces match any white space
    (a line break too); {int} is a count (1900, 8,000), {dec} a decimal,
    {code} the text of a `code span`, {ver} a version (12.2.1)."""
    holes = {"int": r"([0-9][0-9,]*)", "dec": r"([0-9]+\.[0-9]+)", "code": r"([^`]+)",
             "ver": r"([0-9]+(?:\.[0-9]+)*)"}
    out = ""
    for part in re.split(r"(\{[a-z]+\}| +)", text):
        if part.startswith("{") and part[1:-1] in holes:
            out += holes[part[1:-1]]
        elif part.strip() == "" and part:
            out += r"\s+"
        else:
            out += re.escape(part)
    return out


def thousands(n):
    return "{:,}".format(int(n))


def last_line_time(path, pattern):
    """The time of the last line of an output that has one, in seconds."""
    times = [float(m.group(1)) for m in re.finditer(pattern, read(path), re.M)]
    if not times:
        raise ValueError("%s: no time in it" % path)
    return times[-1]


def grep(path, pattern, *groups):
    m = re.search(pattern, read(path), re.M)
    if not m:
        raise ValueError("%s: no line matches %s" % (path, pattern))
    return [m.group(g) for g in groups]


# ---------------------------------------------------------------- sources

def demo_seconds():
    # tests/demo.expected is what the demo prints with --virtual (make test
    # compares them); on the real clock it takes as long.
    return [str(round(last_line_time("tests/demo.expected", r"^\[ *([0-9.]+) s\]")))]


def readme_output():
    lines = read("tests/readme.expected").strip("\n").split("\n")
    return lines


def host_sizes():
    if platform.machine() not in ("x86_64", "AMD64"):
        raise Skip("the README gives the sizes on x86-64; this is %s" % platform.machine())
    src = ('#include "aio_timeout.h"\n#include <stdio.h>\n'
           'int main(void) { printf("%u %u %u\\n", (unsigned)sizeof(aio_task), '
           '(unsigned)sizeof(aio_timer), (unsigned)sizeof(aio_timeout)); return 0; }\n')
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "sizes.c"), "w") as f:
            f.write(src)
        exe = os.path.join(d, "sizes")
        for cc in ("cc", "gcc", "clang"):
            try:
                b = subprocess.run([cc, "-std=c11", "-I" + ROOT, os.path.join(d, "sizes.c"), "-o", exe],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            except OSError:
                continue
            if b.returncode == 0:
                break
        else:
            raise Skip("no C compiler builds the size program")
        return subprocess.run([exe], stdout=subprocess.PIPE).stdout.decode().split()


def showcase_minutes():
    # examples/showcase.sh runs every example on the real clock, one after the
    # other: each as long as the last time its expected output shows (the virtual
    # clock gives the real clock's times), then the network examples (13 and
    # 16: a few seconds each, as their expected outputs show).
    total = 0.0
    for name in sorted(os.listdir(os.path.join(ROOT, "examples", "expected"))):
        if re.match(r"[0-9][0-9]_.*\.txt$", name) and name != "16_echo_client.txt":
            try:
                total += last_line_time("examples/expected/" + name, r"^\[ *([0-9.]+)s\]")
            except ValueError:
                total += 3.0  # 13_http_client prints no times; its run takes about 3 s
    return [str(round(total / 60))]


def python_diffs():
    names = sorted(n[:-len(".python-diff")] for n in os.listdir(os.path.join(ROOT, "examples", "expected"))
                   if n.endswith(".python-diff"))
    return ["`, `".join(names)]


def firmware():
    return grep("examples/firmware/expected.txt",
                r"the core slept (\d+) of (\d+) ms and woke (\d+) times .*\n\s*a 1 kHz tick would have woken it (\d+) times",
                1, 2, 3, 4)


def sampler():
    sent, received, dropped = grep("examples/sampler/expected.txt",
                                   r"^sampler: (\d+) sent, (\d+) received, (\d+) dropped by the handler", 1, 2, 3)
    capacity, period = grep("examples/sampler/expected.txt", r"every (\d+) us puts samples into a (\d+)-item", 2, 1)
    timeouts = grep("examples/sampler/expected.txt", r"^sampler: (\d+) timeouts", 1)[0]
    return [thousands(sent), capacity, period]


def sampler_counts():
    sent, received, dropped = grep("examples/sampler/expected.txt",
                                   r"^sampler: (\d+) sent, (\d+) received, (\d+) dropped by the handler", 1, 2, 3)
    timeouts = grep("examples/sampler/expected.txt", r"^sampler: (\d+) timeouts", 1)[0]
    return [sent, received, dropped, timeouts]


def sim_example():
    # Example 21 in a simulation (docs/simulation.md): the seed at which `--sim`
    # finds the bug (the runner stops there), and how many of the first 1,000
    # seeds fail (`--all`). A simulation is the same on every machine.
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "21_request_reply")
        for cc in ("cc", "gcc", "clang"):
            try:
                b = subprocess.run([cc, "-std=c11", "-O2", "-I" + ROOT, os.path.join(ROOT, "examples", "21_request_reply.c"),
                                    "-o", exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            except OSError:
                continue
            if b.returncode == 0:
                break
        else:
            raise Skip("no C compiler builds examples/21_request_reply.c")
        env = dict(os.environ)
        env.pop("AIO_SIM_SEED", None)
        first = subprocess.run([exe, "--sim"], cwd=d, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        count = subprocess.run([exe, "--sim", "1000", "--all"], cwd=d, env=env, stdout=subprocess.PIPE)
    seed = re.search(r"^aio_sim: seed (\d+) failed", first.stderr.decode(), re.M)
    failed = re.search(r"^sim: (\d+) of 1000 seeds failed", count.stdout.decode(), re.M)
    if not seed or not failed:
        raise ValueError("examples/21_request_reply --sim: no failing seed, or no count")
    return [seed.group(1), failed.group(1)]


def header_lines():
    # Each header's lines, and how many of them a freestanding Cortex-M build
    # compiles: the implementation on a Cortex-M0 with AIO_NO_STDLIB,
    # preprocessed; a line of the header counts when code in the output comes
    # from it (the line markers say where each output line comes from), so
    # comments, blank lines, directives and what an #if leaves out do not.
    cc = "arm-none-eabi-gcc"
    out = []
    for header in ("aio_timeout_core.h", "aio_timeout.h"):
        try:
            run = subprocess.run([cc, "-mcpu=cortex-m0", "-mthumb", "-std=c11", "-Os", "-x", "c", "-DAIO_NO_STDLIB",
                                  "-DAIO_TIMEOUT_IMPLEMENTATION", "-E", header], cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError:
            raise Skip("%s is not installed" % cc)
        if run.returncode != 0:
            raise ValueError("%s -E %s: %s" % (cc, header, run.stderr.decode()[:200]))
        where, line, compiled = None, 0, set()
        for text in run.stdout.decode().split("\n"):
            marker = re.match(r'# (\d+) "([^"]*)"', text)
            if marker:
                line, where = int(marker.group(1)), marker.group(2)
                continue
            if where == header and text.strip():
                compiled.add(line)
            line += 1
        out += [thousands(read(header).count("\n")), thousands(len(compiled))]
    return out


# ---------------------------------------------------------------- runs elsewhere
# Each GROUP function takes the arguments the run's script passes and returns
# {figure name: values}; it raises Skip when the figures were measured with
# another compiler than the run's.

def ceiling_versions():
    versions = {}
    for line in read("tests/embedded/size/ceilings.txt").split("\n"):
        w = line.split("#", 1)[0].split()
        if len(w) == 2 and w[0].endswith("_version"):
            versions[w[0]] = w[1]
    return versions


def size_group(args):
    """build/embedded/size/figures.txt, written by tests/embedded/size/size.sh:
    "key value..." lines. The page's sizes are those of the compilers that
    tests/embedded/size/ceilings.txt names."""
    v = {}
    with open(args[0]) as f:
        for line in f:
            w = line.split()
            if w:
                v[w[0]] = w[1:]
    want = ceiling_versions()
    if v["arm_version"][0] != want.get("arm_version"):
        raise Skip("docs/embedded.md gives the sizes of %s (tests/embedded/size/ceilings.txt); this is %s"
                   % (want.get("arm_version"), v["arm_version"][0]))
    out = {
        "size.compiler": [v["arm_version"][0].replace("arm-none-eabi-gcc-", "")],
        "size.goals": [v["m0_sleep"][0] + " B", v["m0_core"][0] + " B", v["m0_full"][0] + " B",
                       "%s B / %s B" % (v["task32"][0], v["task_host"][0])],
        "size.library": [v["lib.data"][0], v["lib.bss"][0]] +
                        [v["lib.%s.%s" % (cpu, prog)][0] for prog in ("minimal", "core", "full")
                         for cpu in ("Cortex-M0", "Cortex-M3", "Cortex-M4F")],
        "size.ram": v["ram"],
    }
    base = int(v["feature.sleep"][0])
    rows = [str(base)]
    for f in v["features"]:
        n = int(v["feature." + f][0])
        rows += [str(n), str(n - base)]
    out["size.features"] = rows
    out["size.static"] = [v["m0_sleep"][0] + " B", v["static"][0] + " B", v["m0_core"][0] + " B", v["static"][1] + " B"]
    out["size.sites"] = v["sites"]
    if v.get("avr_version", ["-"])[0] == want.get("avr_version"):
        out["size.avr"] = [v["avr_sleep"][0] + " B", v["avr_whole"][0] + " B", v["static"][2] + " B",
                           v["avr_sleep"][0] + " B"]
        out["size.sensor"] = [v["sensor"][0] + " B", v["sensor"][1] + " B"]
        out["size.static_sensor"] = [x + " B" for x in v["static_sensor"]]
    else:
        print("skipped docs/embedded.md's ATmega328P size: measured with %s, here %s" %
              (want.get("avr_version"), v.get("avr_version", ["no avr-gcc"])[0]))
    return out


def put_cost_group(args):
    """The outputs of tests/embedded/isr_put_cost.c on the M3, the M4 and the
    M0 code (QEMU): the page's M3 / M4 column holds both."""
    cases = ["no task waits on the queue", "a getter waits (the put rings its loop)",
             "a getter waits, its loop rung already (a second put)", "the queue is full (AIO_EFULL)"]
    counts = []
    for path in args:
        with open(path) as f:
            got = dict((m.group(1), m.group(2)) for m in
                       re.finditer(r"^\[isr-put\] (.*?) +(\d+) instructions$", f.read(), re.M))
        counts.append([got.get(c, "?") for c in cases])
    m3, m4, m0 = counts
    vals = []
    for a, b, c in zip(m3, m4, m0):
        vals += [a if a == b else "%s (M3) / %s (M4)" % (a, b), c]
    return {"put-cost": vals}


def avr_smoke_group(args):
    """BYTES VERSION: the smoke program's flash on the ATmega328P, avr-gcc's version."""
    doc = read("docs/embedded.md")
    m = re.search(words("That program takes {dec} KB of flash with avr-gcc {ver}"), doc)
    if m and m.group(2) != args[1]:
        raise Skip("docs/embedded.md gives avr-gcc %s's size; this is avr-gcc %s" % (m.group(2), args[1]))
    return {"avr-smoke": ["%.1f" % (int(args[0]) / 1000.0), args[1]]}


GROUPS = {"size": size_group, "put-cost": put_cost_group, "avr-smoke": avr_smoke_group}
WHERE = {"size": "make size-check, and make test with arm-none-eabi-gcc",
         "put-cost": "make test-qemu, and make test with QEMU",
         "avr-smoke": "make test-avr, and make test with avr-gcc and simavr"}


# ---------------------------------------------------------------- what the pages say
# A figure's place: the words around it, or a function of the page's text for
# one spread over a table.

def table(text, header):
    """The cells of the rows of the Markdown table whose header row starts with `header`."""
    lines = text.split("\n")
    start = [i for i, line in enumerate(lines) if line.startswith(header)]
    if len(start) != 1:
        raise ValueError("%d tables start with %r" % (len(start), header))
    rows = []
    for line in lines[start[0] + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def goals_on_page(text):
    rows = table(text, "| figure | measured | goal |")
    return [rows[i][1] for i in (0, 1, 2)] + [rows[5][1]]


def avr_goal_on_page(text):
    rows = table(text, "| figure | measured | goal |")
    return [rows[3][1], rows[4][1], static_table(text)[3][2], static_table(text)[3][1]]


def sensor_on_page(text):
    rows = table(text, "| figure | measured | goal |")
    return [rows[7][1], rows[8][1]]


def static_table(text):
    return table(text, "| program in one file | default | with `AIO_STATIC` |")


def static_on_page(text):
    return [c for r in static_table(text)[:2] for c in (r[1], r[2])]


def static_sensor_on_page(text):
    rows = static_table(text)
    return [rows[2][1], rows[2][2], rows[4][1], rows[4][2]]


def library_on_page(text):
    m = re.search(words("(bytes of .text; .data {int}, .bss {int} on each)"), text)
    if not m:
        raise ValueError("no \"(bytes of .text; .data N, .bss N on each)\"")
    rows = {r[0]: r[1:] for r in table(text, "| program | Cortex-M0 | Cortex-M3 | Cortex-M4F |")}
    return [m.group(1), m.group(2)] + [x for prog in ("minimal", "core", "full") for x in rows.get(prog, ["?"] * 3)]


def sites_on_page(text):
    return [r[1] for r in table(text, "| await, at its site | Cortex-M0 |")]


def features_on_page(text):
    rows = table(text, "| feature | library .text | added |")
    return [rows[0][1]] + [x for r in rows[1:] for x in r[1:3]]


# (name, page, place, source): source is a function (checked by `static`) or
# the GROUP whose run gives the figure.
FIGURES = [
    ("demo-seconds", "README.md", "build and run the demo (about {int} s on the real clock", demo_seconds),
    ("readme-example-output", "README.md", "Prints `{code}` then `{code}` (on the real clock too)", readme_output),
    ("readme-sizes", "docs/api.md", "A task is {int} bytes on x86-64, a timer slot {int}, a timeout scope {int}.",
     host_sizes),
    ("showcase-minutes", "examples/README.md", "runs them all on the real clock (about {int} minutes)",
     showcase_minutes),
    ("python-diffs", "examples/README.md", "Only `{code}` does:", python_diffs),
    ("sim-example", "docs/simulation.md",
     "The buggy version fails first at seed {int}, and {int} of the first 1,000 seeds fail", sim_example),
    ("header-lines", "docs/embedded.md",
     "Of its {int} lines a freestanding Cortex-M build compiles {int}; `aio_timeout.h` has {int} lines, and the "
     "same build compiles {int} of them.", header_lines),
    ("firmware", "docs/embedded.md",
     "In QEMU it reports `the core slept {int} of {int} ms and woke {int} times`, where a 1 kHz tick would "
     "have woken it {int} times.", firmware),
    ("sampler", "docs/embedded.md",
     "has a timer interrupt put {int} samples (a sequence number and a value) into a {int}-item queue, one every "
     "{int} us in four bursts", sampler),
    ("sampler-counts", "docs/embedded.md",
     "sent = received + dropped exactly ({int} = {int} + {int}), and its gets time out {int} times", sampler_counts),
    ("put-cost", "docs/embedded.md",
     "| no task waits on the queue | {int} | {int} |\n"
     "| a getter waits: the put rings its loop | {int} | {int} |\n"
     "| a getter waits, its loop rung already (a second put) | {int} | {int} |\n"
     "| the queue is full (`AIO_EFULL`) | {int} | {int} |", "put-cost"),
    ("avr-smoke", "docs/embedded.md", "That program takes {dec} KB of flash with avr-gcc {ver}", "avr-smoke"),
    ("size.compiler", "docs/embedded.md", "arm-none-eabi-gcc {ver}, `AIO_TIME_32`, `AIO_NO_STDLIB`", "size"),
    ("size.goals", "docs/embedded.md", goals_on_page, "size"),
    ("size.avr", "docs/embedded.md", avr_goal_on_page, "size"),
    ("size.sensor", "docs/embedded.md", sensor_on_page, "size"),
    ("size.static_sensor", "docs/embedded.md", static_sensor_on_page, "size"),
    ("size.static", "docs/embedded.md", static_on_page, "size"),
    ("size.library", "docs/embedded.md", library_on_page, "size"),
    ("size.features", "docs/embedded.md", features_on_page, "size"),
    ("size.sites", "docs/embedded.md", sites_on_page, "size"),
    ("size.ram", "docs/embedded.md", "RAM on a 32-bit target, `AIO_TIME_32` (64-bit time in brackets): a task {int} "
     "({int}) bytes, a timeout scope {int} ({int}), a timer slot {int} ({int}) for each task waiting with a "
     "deadline, an inline coroutine frame {int}, an event {int}, a task group {int}, a queue {int} ({int}) besides "
     "its storage (the item size per place, nothing per item beyond), the loop {int}.", "size"),
]


def on_page(page, place):
    """The figure's values as the page gives them."""
    text = read(page)
    if callable(place):
        return place(text)
    found = list(re.finditer(words(place), text))
    if len(found) != 1:
        raise ValueError("%s: the words around the figure are there %d times, not once: %s"
                         % (page, len(found), place[:70]))
    return list(found[0].groups())


def compare(name, page, place, values):
    """One line: ok or FAILED; returns True if ok."""
    try:
        said = on_page(page, place)
    except (ValueError, IndexError) as err:
        print("FAILED %s (%s): %s" % (name, page, err))
        return False
    if said == [str(v) for v in values]:
        print("ok %s, %s: %s, as the run gives" % (page, name, ", ".join(said)))
        return True
    print("FAILED %s, %s: the page says %s where the run gives %s" % (page, name, ", ".join(said),
                                                                    ", ".join(str(v) for v in values)))
    return False


# ---------------------------------------------------------------- quoted messages

def header_messages():
    """The header's string literals (adjacent ones joined), printf's holes and
    every number written N (a pointer 0x)."""
    text = read("aio_timeout.h")
    out = []
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*', text):
        lit = "".join(re.findall(r'"((?:[^"\\\n]|\\.)*)"', m.group(0)))
        lit = re.sub(r"%p", "0x", lit)
        lit = re.sub(r"%[-0-9.]*[lhz]*[diuxs]", "N", lit)
        out.append(re.sub(r"[0-9]+", "N", lit))
    return "\n".join(out)


def quoted_messages():
    """Every debug message the misuse tables of README.md and docs/behaviour.md
    quote is one the header prints: each part of a quote between its "..." is
    in one of its strings. Returns (number of quotes, problems)."""
    blob = header_messages()
    quotes = []
    for row in table(read("docs/behaviour.md"), "| misuse | status | debug message"):
        if not row[-1].startswith("no run-time message"):
            quotes += [("docs/behaviour.md", q) for q in re.findall(r"`([^`]+)`", row[-1])]
    for row in table(read("README.md"), "| mistake | what you see | fix |"):
        quotes += [("README.md", q) for q in re.findall(r"debug: `([^`]+)`", row[1])]
    problems = []
    for page, q in quotes:
        for part in re.split(r"\s*\.\.\.\s*", q):
            part = re.sub(r"[0-9]+", "N", part.strip())
            if len(part) >= 6 and part not in blob:
                problems.append("%s quotes `%s`: aio_timeout.h prints no such message" % (page, q))
                break
    return len(quotes), problems


def main(argv):
    if not argv or argv[0] not in ("static", "run"):
        print(__doc__)
        return 2
    status = 0
    skipped = False
    if argv[0] == "static":
        elsewhere = {}
        for name, page, place, source in FIGURES:
            if callable(source):
                try:
                    values = source()
                except Skip as why:
                    print("skipped %s (%s): %s" % (name, page, why))
                    skipped = True
                    continue
                status |= 0 if compare(name, page, place, values) else 1
            else:
                try:
                    on_page(page, place)
                    elsewhere.setdefault(source, []).append(name)
                except (ValueError, IndexError) as err:
                    print("FAILED %s (%s): %s" % (name, page, err))
                    status = 1
        n, problems = quoted_messages()
        for p in problems:
            print("FAILED " + p)
        if not problems:
            print("ok README.md and docs/behaviour.md: the %d debug messages their misuse tables quote "
                  "are the header's" % n)
        status |= 1 if problems else 0
        for group, names in sorted(elsewhere.items()):
            print("elsewhere %s: checked by the run that measures them (%s)" % (", ".join(names), WHERE[group]))
    else:
        group, args = argv[1], argv[2:]
        try:
            values = GROUPS[group](args)
        except Skip as why:
            print("skipped %s: %s" % (group, why))
            return 3
        for name, page, place, source in FIGURES:
            if source != group:
                continue
            if name not in values:
                continue
            status |= 0 if compare(name, page, place, values[name]) else 1
    return 1 if status else 3 if skipped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
