#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/instr.py - instructions per operation, ours beside the floor, counted
by callgrind, with the instruments compiled out (the default of a release
build) and compiled in with no hook set (AIO_INSTRUMENTS=1, the "instrumented"
column): `make bench-instr` writes them into bench/results.json (the key
"instructions") and bench/results.md; `make bench-instr-check` measures again,
writes nothing, and fails if one of ours grew more than 10% over the count in
bench/results.json.

    python3 bench/instr.py [--check]

Every figure runs its program twice under `valgrind --tool=callgrind`, with n1
and n2 operations; (I(n2) - I(n1)) / (n2 - n1) leaves out start-up and setup.
Callgrind counts user-space instructions only: a read of the real clock costs
the instructions of its system-call wrapper, not the kernel's. The programs
must be built first (the make targets do it).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

import run  # bench/run.py: the header's identity, the results.md section

ROOT = run.ROOT
BIN = run.BIN
RESULTS_JSON = os.path.join(ROOT, "bench", "results.json")
RESULTS_MD = os.path.join(ROOT, "bench", "results.md")
LIMIT = 0.10  # how much one of ours may grow over the committed count


def figure(name, case, ours, floor=None, base=None, floor_base=None, size="n", n1=100000, n2=200000,
           goal=None):
    """One row. `ours` and `floor` are the arguments of aio_bench and floor
    (floor=None: the floor has no such figure); with `base`, the row is
    ours minus base (and floor minus floor_base), both per operation. `goal`:
    the count the library aims at (a bare protothread's, for a resume)."""
    return {"figure": name, "case": case, "ours": ours, "floor": floor, "base": base,
            "floor_base": floor_base, "size": size, "n1": n1, "n2": n2, "goal": goal}


FIGURES = [
    figure("resume", "1 task, virtual clock", "resume clock=virtual", "resume clock=virtual", goal=50),
    figure("resume", "1 task, real clock", "resume clock=real tasks=1", "resume clock=real tasks=1"),
    # both programs run 1000 tasks on the real clock only: one clock read per 1000 resumes
    figure("resume", "1000 tasks round-robin, real clock", "resume clock=real tasks=1000",
           "resume clock=real tasks=1000", goal=45),
    figure("spawn+join", "virtual clock", "spawn clock=virtual", "spawn clock=virtual", goal=160),
    # whole operations: a difference of two would credit a faster await to a slower deadline
    figure("deadline, whole operation", "spawn + await + child yields once, 0 pending",
           "deadline pending=0 variant=await", "deadline pending=0 variant=await"),
    figure("deadline, whole operation", "spawn + wait_for + child yields once, 0 pending",
           "deadline pending=0 variant=wait_for", "deadline pending=0 variant=wait_for"),
    figure("deadline, whole operation", "spawn + timeout() + child yields once, 0 pending (floor: wait_for)",
           "deadline pending=0 variant=timeout", "deadline pending=0 variant=wait_for"),
    # the whole life of a sleeper: spawned, arms its timer, the timer fires, it resumes and ends
    figure("timer fires", "spawn, sleep, fire, wake, end; per task", "fires", "fires", size="due",
           n1=10000, n2=20000),
    figure("cancel", "cancel a sleeping task, run its cleanup, reap it", "cancel", goal=400),
    # Queue(maxsize=1): one resume of the producer and one of the consumer per item
    figure("queue", "put+get handed between two tasks, per item", "queue", "queue"),
]


def log(msg):
    print(msg, flush=True)


def ensure_valgrind():
    if shutil.which("valgrind"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("bench-instr: installing valgrind")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run("apt-get update -qq && apt-get install -y -qq --no-install-recommends valgrind >/dev/null",
                       shell=True, env=env)
        if shutil.which("valgrind"):
            return
        raise SystemExit("bench-instr: apt-get could not install valgrind")
    raise SystemExit("bench-instr: valgrind is missing and cannot be installed without root and apt-get "
                     "(apt-get install -y valgrind)")


class Counter:
    def __init__(self):
        self.seen = {}  # (program, args, size, n) -> instructions of the whole run

    def total(self, prog, args, size, n):
        key = (prog, args, size, n)
        if key not in self.seen:
            cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", os.path.join(BIN, prog)] + \
                args.split() + ["%s=%d" % (size, n), "reps=1"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            m = re.search(r"Collected : (\d+)", p.stderr)
            if p.returncode != 0 or not m:
                sys.stderr.write(p.stdout + p.stderr)
                raise SystemExit("bench-instr: %s failed (exit %d)" % (" ".join(cmd[3:]).replace(ROOT + "/", ""),
                                                                       p.returncode))
            self.seen[key] = int(m.group(1))
        return self.seen[key]

    def per_op(self, prog, args, f):
        return (self.total(prog, args, f["size"], f["n2"]) - self.total(prog, args, f["size"], f["n1"])) / \
            (f["n2"] - f["n1"])

    def measure(self, f):
        def one(prog, args, base):
            if args is None:
                return None
            v = self.per_op(prog, args, f)
            return round(v - self.per_op(prog, base, f) if base else v, 2)

        ours = one("aio_bench", f["ours"], f["base"])
        traced = one("aio_bench_traced", f["ours"], f["base"])
        floor = one("floor", f["floor"], f["floor_base"])
        how = "aio_bench %s" % f["ours"] + (" minus %s" % f["base"].split()[-1] if f["base"] else "")
        return {"figure": f["figure"], "case": f["case"], "ours_instr": ours, "traced_instr": traced,
                "floor_instr": floor,
                "goal_instr": f["goal"], "n1": f["n1"], "n2": f["n2"], "size": f["size"], "measured": how}


def table(rows):
    lines = ["%-26s %-66s %10s %12s %10s %8s %6s" % ("figure", "case", "ours", "instrumented", "floor",
                                                     "÷ floor", "goal")]
    for r in rows:
        floor = r["floor_instr"]
        lines.append("%-26s %-66s %10.2f %12.2f %10s %8s %6s" % (
            r["figure"], r["case"], r["ours_instr"], r["traced_instr"], "—" if floor is None else "%.2f" % floor,
            run.fmt_ratio(r["ours_instr"], floor), "—" if not r.get("goal_instr") else "≤%d" % r["goal_instr"]))
    return "\n".join(lines)


def check(rows):
    with open(RESULTS_JSON) as f:
        committed = json.load(f).get("instructions")
    if not committed:
        raise SystemExit('bench-instr: bench/results.json has no "instructions" key: run `make bench-instr` '
                         'and commit bench/results.json')
    before = {(r["figure"], r["case"]): r["ours_instr"] for r in committed["figures"]}
    failures = []
    for r in rows:
        name = "%s / %s" % (r["figure"], r["case"])
        old = before.get((r["figure"], r["case"]))
        if old is None:
            failures.append("%s is not in bench/results.json (run `make bench-instr`)" % name)
        elif r["ours_instr"] > old + LIMIT * abs(old):
            failures.append("%s: %.2f instructions per operation, %.1f%% over the %.2f in bench/results.json "
                            "(limit %d%%)" % (name, r["ours_instr"], (r["ours_instr"] / old - 1) * 100, old,
                                              LIMIT * 100))
        elif r["ours_instr"] < old - LIMIT * abs(old):
            log("bench-instr: %s: %.2f, down from %.2f; `make bench-instr` records it" % (
                name, r["ours_instr"], old))
    if failures:
        for msg in failures:
            log("bench-instr: FAILED: " + msg)
        raise SystemExit(1)
    log("bench-instr: %d figures within %d%% of bench/results.json" % (len(rows), LIMIT * 100))


def record(rows):
    cc = os.environ.get("BENCH_CC", "cc")
    instr = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "tool": run.sh("valgrind --version") + " --tool=callgrind",
        "compiler": (run.sh("%s --version" % cc).splitlines() or [cc])[0],
        "cflags": os.environ.get("BENCH_CFLAGS", "-std=c11 -O2"),
        "header": run.header_identity(),
        "figures": rows,
    }
    with open(RESULTS_JSON) as f:
        doc = json.load(f)
    doc["instructions"] = instr
    with open(RESULTS_JSON, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    written = ["bench/results.json"]
    # results.md: the section run.py renders, in place of the previous one, before the machine line
    if os.path.exists(RESULTS_MD):
        with open(RESULTS_MD) as f:
            text = f.read()
        machine = text.find("\nMachine: ")
        if machine >= 0:
            start = text.find(run.INSTR_TITLE)
            start = start if 0 <= start < machine else machine + 1
            section = "\n".join(run.instructions_markdown(instr)) + "\n\n"
            with open(RESULTS_MD, "w") as f:
                f.write(text[:start] + section + text[machine + 1:])
            written.append("bench/results.md")
    log("wrote " + ", ".join(written))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with bench/results.json instead of writing it; fail on 10%% growth")
    args = ap.parse_args()
    ensure_valgrind()
    start = time.time()
    log("== bench-instr: instructions per operation under callgrind, (I(n2) - I(n1)) / (n2 - n1)")
    counter = Counter()
    rows = []
    for f in FIGURES:
        rows.append(counter.measure(f))
        r = rows[-1]
        log("%-26s %-66s ours %.2f (instrumented %.2f), floor %s" % (
            r["figure"], r["case"], r["ours_instr"], r["traced_instr"],
            "—" if r["floor_instr"] is None else "%.2f" % r["floor_instr"]))
    log("")
    log(table(rows))
    log("")
    log("bench-instr: %d valgrind runs in %.0f s" % (len(counter.seen), time.time() - start))
    if args.check:
        check(rows)
    else:
        record(rows)


if __name__ == "__main__":
    main()
