#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/run.py - run every benchmark program beside its peers, then write the
results: `make bench` (full: bench/results.json, bench/results.md,
bench/results.png) and `make bench-quick` (reduced, under a minute:
build/bench/quick/). The programs must be built first (the make targets do it).

    python3 bench/run.py [--quick] [--out DIR]

Every program prints one line per measured case (bench/common.h describes the
format); this script collects them, times whole programs against their peers
with hyperfine, and turns it all into the table the README shows.
The python3 that runs this script is the one whose asyncio is measured.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bench")
PEER = os.path.join(ROOT, "bench", "asyncio_peer.py")

# What each mode runs. C programs: aio_bench (ours), aio_bench_split, floor,
# uv_peer; asyncio_peer.py gets fewer operations (it is ~100x slower).
MODES = {
    "full": {
        "rounds": 3,  # every program runs once per round, the rounds interleaved
        "resume": {"c": "n=1e7 reps=3", "py": "n=2e5 reps=2"},
        "spawn": {"c": "n=5e6 reps=3", "py": "n=1e5 reps=2"},
        "pending": [0, 10, 100, 1000, 10000, 100000, 1000000],
        "pending_py": [0, 1000, 1000000],
        "deadline": {"c": "n=1e5 reps=9", "py": "n=2e4 reps=2"},
        "due": [1000, 100000, 1000000],
        "due_py": [1000, 100000, 1000000],
        "fires_reps": {1000: 3, 100000: 3, 1000000: 2},
        "fires_reps_py": {1000: 3, 100000: 1, 1000000: 1},
        "cancel": {"c": "n=2e6 reps=3", "py": "n=5e4 reps=2"},
        "queue": {"c": "n=5e6 reps=3", "py": "n=5e4 reps=2"},
        "bytes": {"c": "tasks=1e6", "py": "tasks=1e5"},
        "hyperfine": ["--warmup", "1", "--runs", "5"],
        "hf": {"resume": (1e7, 2e5), "spawn": (5e6, 1e5), "deadline": (1e6, 2e4), "fires": (1e5, 1e4),
               "cancel": (None, 5e4), "queue": (5e6, 5e4)},
    },
    "quick": {
        "rounds": 1,
        "resume": {"c": "n=2e6 reps=3", "py": "n=2e4 reps=3"},
        "spawn": {"c": "n=1e6 reps=3", "py": "n=1e4 reps=3"},
        "pending": [0, 1000, 100000],
        "pending_py": [0, 1000],
        "deadline": {"c": "n=2e4 reps=7", "py": "n=2e3 reps=3"},
        "due": [1000, 100000],
        "due_py": [1000],
        "fires_reps": {1000: 3, 100000: 3},
        "fires_reps_py": {1000: 3},
        "cancel": {"c": "n=3e5 reps=3", "py": "n=5e3 reps=3"},
        "queue": {"c": "n=1e6 reps=3", "py": "n=5e3 reps=3"},
        "bytes": {"c": "tasks=1e5", "py": "tasks=1e4"},
        "hyperfine": ["--warmup", "0", "--runs", "2"],
        "hf": {"resume": (1e6, 1e4), "spawn": (5e5, 5e3), "deadline": (5e4, 2e3), "fires": (1e4, 1e3),
               "cancel": (None, 5e3), "queue": (5e5, 5e3)},
    },
}

LINE = re.compile(r"^(\S+)\s+(\S+)\s+(\S+)\s+(-?[\d.]+)\s+(\S+)\s*(.*)$")


def log(msg):
    print(msg, flush=True)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


class Runner:
    def __init__(self, mode, out):
        self.mode = mode
        self.cfg = MODES[mode]
        self.out = out
        self.runs = {}  # (figure, case, impl) -> one {"value", "unit", "note"} per round
        self.results = {}  # (figure, case, impl) -> the median over the rounds
        self.whole = []  # hyperfine summaries
        self.pin = []
        if shutil.which("taskset") and subprocess.run(["taskset", "-c", "0", "true"]).returncode == 0:
            self.pin = ["taskset", "-c", "0"]
        self.have_uv = os.access(os.path.join(BIN, "uv_peer"), os.X_OK)
        self.hyperfine = shutil.which("hyperfine")

    def prog(self, name):
        if name == "asyncio":
            return [sys.executable, PEER]
        return [os.path.join(BIN, name)]

    def run(self, name, figure, args):
        cmd = self.pin + self.prog(name) + [figure] + args.split()
        shown = " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd)
        log("$ " + shown)
        p = subprocess.run(cmd, capture_output=True, text=True)
        sys.stdout.write(p.stdout)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            raise SystemExit("bench: %s failed (exit %d)" % (shown, p.returncode))
        for line in p.stdout.splitlines():
            m = LINE.match(line)
            if m:
                fig, case, impl, val, unit, note = m.groups()
                self.runs.setdefault((fig, case, impl), []).append(
                    {"value": float(val), "unit": unit, "note": note})

    def figures(self):
        """Each round runs every program once; a figure is the median over the
        rounds of each run's median, so a burst of load on a shared machine
        lands on one round of every program rather than on one program."""
        for r in range(self.cfg["rounds"]):
            if self.cfg["rounds"] > 1:
                log("== round %d of %d" % (r + 1, self.cfg["rounds"]))
            self.timed_figures()
        c = self.cfg
        self.run("aio_bench", "bytes", c["bytes"]["c"])
        self.run("floor", "bytes", "")
        if self.have_uv:
            self.run("uv_peer", "bytes", "")
        self.run("asyncio", "bytes", c["bytes"]["py"])
        for key, runs in self.runs.items():
            values = sorted(x["value"] for x in runs)
            n = len(values)
            med = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
            note = runs[0]["note"]
            if n > 1:
                note += "; median of %d rounds: %s" % (n, ", ".join("%.2f" % x["value"] for x in runs))
            self.results[key] = {"value": med, "unit": runs[0]["unit"], "note": note}

    def timed_figures(self):
        c = self.cfg
        impls = ["aio_bench", "floor"]
        for name in impls + ["aio_bench_split"]:
            self.run(name, "resume", c["resume"]["c"] + (" clock=virtual" if name == "aio_bench_split" else ""))
        self.run("asyncio", "resume", c["resume"]["py"])
        for name in impls + ["aio_bench_split"]:
            self.run(name, "spawn", c["spawn"]["c"] + (" clock=virtual" if name == "aio_bench_split" else ""))
        self.run("asyncio", "spawn", c["spawn"]["py"])
        for k in c["pending"]:
            for name in impls + (["uv_peer"] if self.have_uv else []):
                self.run(name, "deadline", "pending=%d %s" % (k, c["deadline"]["c"]))
        for k in c["pending_py"]:
            self.run("asyncio", "deadline", "pending=%d %s" % (k, c["deadline"]["py"]))
        for n in c["due"]:
            for name in impls + (["uv_peer"] if self.have_uv else []):
                self.run(name, "fires", "due=%d reps=%d" % (n, c["fires_reps"][n]))
        for n in c["due_py"]:
            self.run("asyncio", "fires", "due=%d reps=%d" % (n, c["fires_reps_py"][n]))
        self.run("aio_bench", "cancel", c["cancel"]["c"])
        self.run("asyncio", "cancel", c["cancel"]["py"])
        for name in impls:  # libuv has no queue between tasks (bench/README.md)
            self.run(name, "queue", c["queue"]["c"])
        self.run("asyncio", "queue", c["queue"]["py"])

    # ------------------------------------------------------------ hyperfine

    def hyperfine_group(self, label, commands):
        """Time whole programs, each doing the same operations, one against another."""
        path = os.path.join(self.out, "hyperfine-%s.json" % label)
        cmd = self.pin + [self.hyperfine, "-N", "--style", "basic"] + self.cfg["hyperfine"] + \
            ["--export-json", path] + [" ".join(c) for c in commands]
        log("$ " + " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd))
        p = subprocess.run(cmd)
        if p.returncode != 0:
            raise SystemExit("bench: hyperfine failed for " + label)
        with open(path) as f:
            data = json.load(f)
        for r in data["results"]:
            self.whole.append({"group": label, "command": self.short(r["command"]), "mean_s": r["mean"],
                               "stddev_s": r.get("stddev"), "runs": len(r.get("times", []))})

    @staticmethod
    def short(cmd):
        # paths inside the tree relative to it; the interpreter by its name only
        return " ".join(os.path.relpath(w, ROOT) if w.startswith(ROOT)
                        else os.path.basename(w) if w == sys.executable else w for w in cmd.split())

    def whole_programs(self):
        if not self.hyperfine:
            log("bench: hyperfine is not installed (apt-get install hyperfine): whole-program timings skipped")
            return
        hf = self.cfg["hf"]
        B = lambda name: os.path.join(BIN, name)  # noqa: E731
        py = [sys.executable, PEER]
        n, npy = hf["resume"]
        self.hyperfine_group("resume", [[B("aio_bench"), "resume", "n=%d" % n, "reps=1"],
                                        [B("floor"), "resume", "n=%d" % n, "reps=1"]])
        self.hyperfine_group("resume-asyncio", [[B("aio_bench"), "resume", "clock=real", "n=%d" % npy, "reps=1"],
                                                py + ["resume", "n=%d" % npy, "reps=1"]])
        n, npy = hf["spawn"]
        self.hyperfine_group("spawn", [[B("aio_bench"), "spawn", "n=%d" % n, "reps=1"],
                                       [B("floor"), "spawn", "n=%d" % n, "reps=1"]])
        self.hyperfine_group("spawn-asyncio", [[B("aio_bench"), "spawn", "clock=real", "n=%d" % npy, "reps=1"],
                                               py + ["spawn", "n=%d" % npy, "reps=1"]])
        n, npy = hf["deadline"]
        group = [[B("aio_bench"), "deadline", "pending=1000", "variant=wait_for", "n=%d" % n, "reps=1"],
                 [B("floor"), "deadline", "pending=1000", "variant=wait_for", "n=%d" % n, "reps=1"]]
        if self.have_uv:
            group.append([B("uv_peer"), "deadline", "pending=1000", "n=%d" % n, "reps=1"])
        self.hyperfine_group("deadline", group)
        self.hyperfine_group("deadline-asyncio",
                             [[B("aio_bench"), "deadline", "pending=1000", "variant=wait_for", "n=%d" % npy, "reps=1"],
                              py + ["deadline", "pending=1000", "variant=wait_for", "n=%d" % npy, "reps=1"]])
        n, npy = hf["fires"]
        group = [[B("aio_bench"), "fires", "due=%d" % n, "reps=1"], [B("floor"), "fires", "due=%d" % n, "reps=1"]]
        if self.have_uv:
            group.append([B("uv_peer"), "fires", "due=%d" % n, "reps=1"])
        self.hyperfine_group("fires", group)
        self.hyperfine_group("fires-asyncio", [[B("aio_bench"), "fires", "due=%d" % npy, "reps=1"],
                                               py + ["fires", "due=%d" % npy, "reps=1"]])
        _, npy = hf["cancel"]
        self.hyperfine_group("cancel-asyncio", [[B("aio_bench"), "cancel", "n=%d" % npy, "reps=1"],
                                                py + ["cancel", "n=%d" % npy, "reps=1"]])
        n, npy = hf["queue"]
        self.hyperfine_group("queue", [[B("aio_bench"), "queue", "n=%d" % n, "reps=1"],
                                       [B("floor"), "queue", "n=%d" % n, "reps=1"]])
        self.hyperfine_group("queue-asyncio", [[B("aio_bench"), "queue", "n=%d" % npy, "reps=1"],
                                               py + ["queue", "n=%d" % npy, "reps=1"]])


# ---------------------------------------------------------------- reporting

def header_identity():
    """Which aio_timeout.h was measured: the commit, and whether it differs from it."""
    import hashlib
    inc = os.environ.get("BENCH_INC", "-I.").split()
    d = inc[0][2:] if inc and inc[0].startswith("-I") else "."
    path = os.path.join(ROOT, d, "aio_timeout.h") if not os.path.isabs(d) else os.path.join(d, "aio_timeout.h")
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError:
        return "unknown"
    head = sh("git -C '%s' rev-parse --short HEAD 2>/dev/null" % ROOT)
    committed = subprocess.run(["git", "-C", ROOT, "show", "HEAD:aio_timeout.h"], capture_output=True).stdout
    state = ("as committed" if committed == text else "with uncommitted changes") if head else ""
    return "aio_timeout.h sha256 %s%s" % (hashlib.sha256(text).hexdigest()[:12],
                                          (", commit %s %s" % (head, state)) if head else "")


def machine_info(runner):
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    osname = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = "%.0f GiB" % (int(f.readline().split()[1]) / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    hv = re.search(r"Hypervisor vendor:\s*(\S+)", sh("lscpu 2>/dev/null"))
    virt = ("%s virtual machine" % hv.group(1)) if hv else ""
    cc = os.environ.get("BENCH_CC", "cc")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": osname,
        "kernel": platform.release(), "virtualisation": virt,
        "clocksource": sh("cat /sys/devices/system/clocksource/clocksource0/current_clocksource"),
        "pinned": "taskset -c 0" if runner.pin else "not pinned (taskset unavailable)",
    }, {
        "compiler": (sh("%s --version" % cc).splitlines() or [cc])[0],
        "cflags": os.environ.get("BENCH_CFLAGS", "-std=c11 -O2"),
        "python": "Python %s (%s)" % (platform.python_version(), os.path.basename(sys.executable)),
        "libuv": (sh("dpkg-query -W -f='${Version}' libuv1-dev 2>/dev/null") or "not installed"),
        "hyperfine": sh("hyperfine --version") if runner.hyperfine else "not installed",
        "header": header_identity(),
    }


def fmt_ns(v):
    if v is None:
        return "—"
    if abs(v) < 10:
        return "%.2f ns" % v
    if abs(v) < 100:
        return "%.1f ns" % v
    return "{:,.0f} ns".format(v)


def fmt_bytes(v):
    return "—" if v is None else "{:,.0f} B".format(v)


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    r = a / b
    if r >= 100:
        return "{:,.0f}×".format(r)
    return "%.2f×" % r


def pretty_k(k):
    return {0: "0", 10: "10", 100: "100", 1000: "1e3", 10000: "1e4", 100000: "1e5", 1000000: "1e6"}.get(k, str(k))


def build_rows(runner):
    """One row per (figure, case): ours, floor, libuv and asyncio values."""
    R = runner.results
    cfg = runner.cfg

    def v(fig, case, impl):
        r = R.get((fig, case, impl))
        return r["value"] if r else None

    rows = []

    def row(figure, case, unit, ours, floor=None, libuv=None, asyncio=None, peer_names=None, clock=None,
            key=None):
        rows.append({"figure": figure, "case": case, "unit": unit, "ours": ours, "floor": floor, "libuv": libuv,
                     "asyncio": asyncio, "peer_names": peer_names or {}, "clock": clock, "key": key})

    a_sleep = {"asyncio": "asyncio await sleep(0)"}
    row("resume", "1 task, virtual clock", "ns", v("resume", "1-task/virtual", "ours"),
        v("resume", "1-task/virtual", "floor"), None, v("resume", "1-task/real-clock", "asyncio"),
        {"asyncio": "asyncio await sleep(0) (real clock)"}, "virtual", "resume-virtual")
    row("resume", "1 task, real clock", "ns", v("resume", "1-task/real-clock", "ours"),
        v("resume", "1-task/real-clock", "floor"), None, v("resume", "1-task/real-clock", "asyncio"), a_sleep,
        "real", "resume-real")
    row("resume", "1000 tasks round-robin, real clock", "ns", v("resume", "1000-tasks/real-clock", "ours"),
        v("resume", "1000-tasks/real-clock", "floor"), None, v("resume", "1000-tasks/real-clock", "asyncio"),
        a_sleep, "real", "resume-1000")
    row("resume", "1 task, virtual clock, library in another .c file", "ns",
        v("resume", "1-task/virtual", "ours-split"), v("resume", "1-task/virtual", "floor"), None,
        v("resume", "1-task/real-clock", "asyncio"), {"asyncio": "asyncio await sleep(0) (real clock)"},
        "virtual", "resume-split")
    a_spawn = {"asyncio": "asyncio await create_task()"}
    row("spawn+join", "virtual clock", "ns", v("spawn", "spawn+join/virtual", "ours"),
        v("spawn", "spawn+join/virtual", "floor"), None, v("spawn", "spawn+join/real-clock", "asyncio"),
        {"asyncio": "asyncio await create_task() (real clock)"}, "virtual", "spawn-virtual")
    row("spawn+join", "real clock", "ns", v("spawn", "spawn+join/real-clock", "ours"),
        v("spawn", "spawn+join/real-clock", "floor"), None, v("spawn", "spawn+join/real-clock", "asyncio"),
        a_spawn, "real", "spawn-real")
    row("spawn+join", "virtual clock, library in another .c file", "ns",
        v("spawn", "spawn+join/virtual", "ours-split"), v("spawn", "spawn+join/virtual", "floor"), None,
        v("spawn", "spawn+join/real-clock", "asyncio"), {"asyncio": "asyncio await create_task() (real clock)"},
        "virtual", "spawn-split")
    for k in cfg["pending"]:
        for var, label in (("wait_for", "wait_for"), ("timeout", "timeout()")):
            row("deadline armed, not reached", "%s, %s timers pending" % (label, pretty_k(k)), "ns",
                v("deadline", "%s-armed/pending=%d" % (var, k), "ours"),
                v("deadline", "wait_for-armed/pending=%d" % k, "floor"),
                v("deadline", "start+stop/pending=%d" % k, "libuv"),
                v("deadline", "%s-armed/pending=%d" % (var, k), "asyncio"),
                {"libuv": "libuv uv_timer_start+uv_timer_stop", "asyncio": "asyncio %s" % label}, "real",
                "armed-%s-%d" % (var, k))
    for k in cfg["pending"]:
        if k not in (0, 1000, 1000000) and k != max(cfg["pending"]):
            continue
        for var, label in (("wait_for", "wait_for"), ("timeout", "timeout()")):
            row("deadline, whole operation", "spawn + %s + child yields once, %s pending" % (label, pretty_k(k)),
                "ns", v("deadline", "%s/pending=%d" % (var, k), "ours"),
                v("deadline", "wait_for/pending=%d" % k, "floor"), None,
                v("deadline", "%s/pending=%d" % (var, k), "asyncio"),
                {"asyncio": "asyncio create_task + %s" % label}, "real", "whole-%s-%d" % (var, k))
    for n in cfg["due"]:
        row("timer fires", "%s due, ns per wake" % pretty_k(n), "ns", v("fires", "due=%d" % n, "ours"),
            v("fires", "due=%d" % n, "floor"), v("fires", "due=%d" % n, "libuv"),
            v("fires", "due=%d" % n, "asyncio"),
            {"libuv": "libuv timers firing", "asyncio": "asyncio sleeps"}, "real", "fires-%d" % n)
    row("cancel", "cancel a sleeping task, run its cleanup, reap it", "ns",
        v("cancel", "cancel+finally+reap", "ours"), None, None, v("cancel", "cancel+finally+reap", "asyncio"),
        {"asyncio": "asyncio task.cancel() + await"}, "real", "cancel")
    row("queue", "put+get handed between two tasks, per item", "ns", v("queue", "put+get/virtual", "ours"),
        v("queue", "put+get/virtual", "floor"), None, v("queue", "put+get/real-clock", "asyncio"),
        {"asyncio": "asyncio Queue put + get (real clock)"}, "virtual", "queue")
    b = lambda case, impl: v("bytes", case, impl)  # noqa: E731
    row("bytes per task", "task block: sizeof(aio_task)", "bytes", b("task-block", "ours"), key="bytes-task")
    row("bytes per task", "timer: one heap slot / uv_timer_t", "bytes", b("timer-slot", "ours"),
        libuv=b("timer", "libuv"), peer_names={"libuv": "libuv sizeof(uv_timer_t)"}, key="bytes-timer")
    row("bytes per task", "timeout scope: sizeof(aio_timeout)", "bytes", b("timeout-scope", "ours"),
        key="bytes-scope")
    row("bytes per task", "task + its timer", "bytes", b("task+timer", "ours"), b("task+timer", "floor"),
        None, b("tracemalloc-per-pending-task", "asyncio"),
        {"asyncio": "asyncio bytes per pending Task (tracemalloc)"}, key="bytes-task+timer")
    row("bytes per task", "RSS per idle task (%s tasks parked in a sleep)" % runner.cfg["bytes"]["c"].split("=")[1],
        "bytes", b("rss-per-idle-task", "ours"), None, None, b("rss-per-idle-task", "asyncio"),
        {"asyncio": "asyncio RSS per pending Task (%s tasks)" % runner.cfg["bytes"]["py"].split("=")[1]},
        key="bytes-rss")
    row("bytes per task", "RSS per idle task inside a timeout block", "bytes",
        b("rss-per-idle-task-in-timeout", "ours"), key="bytes-rss-scope")
    row("bytes per queue", "sizeof(aio_queue), storage apart (+ item size per place)", "bytes",
        b("queue", "ours"), b("queue", "floor"), None, b("queue", "asyncio"),
        {"asyncio": "asyncio empty Queue(maxsize=4) (tracemalloc)"}, key="bytes-queue")
    return rows


def json_entries(rows):
    out = []
    for r in rows:
        peers = [(r["peer_names"].get(p, p), r[p]) for p in ("libuv", "asyncio") if r[p] is not None]
        if not peers:
            peers = [(None, None)]
        for name, val in peers:
            e = {"figure": r["figure"], "case": r["case"]}
            if r["unit"] == "bytes":
                e.update({"ours_bytes": r["ours"], "peer": name, "peer_bytes": val, "floor_bytes": r["floor"]})
            else:
                e.update({"ours_ns": r["ours"], "peer": name, "peer_ns": val, "floor_ns": r["floor"],
                          "clock": r["clock"]})
            out.append(e)
    return out


def evaluate_targets(runner, rows, instructions=None):
    R = runner.results
    by = {r["key"]: r for r in rows}
    cfg = runner.cfg
    targets = []

    def add(name, met, detail):
        targets.append({"target": name, "met": met, "detail": detail})

    def pct(a, b):
        return (a / b - 1) * 100

    r = by["resume-virtual"]
    if r["ours"] and r["floor"]:
        ratio = r["ours"] / r["floor"]
        add("resume <= 2x the floor", ratio <= 2,
            "%s vs floor %s on the virtual clock: %.2f× the floor%s (real clock: %.2f×; 1000 tasks: %.2f×)" % (
                fmt_ns(r["ours"]), fmt_ns(r["floor"]), ratio,
                "" if ratio <= 2 else ", %.0f%% over the 2× limit" % pct(ratio, 2),
                by["resume-real"]["ours"] / by["resume-real"]["floor"],
                by["resume-1000"]["ours"] / by["resume-1000"]["floor"]))
        add("resume < 5 ns", r["ours"] < 5,
            "%s: %s; the floor itself takes %s on this machine" % (
                fmt_ns(r["ours"]), "met" if r["ours"] < 5 else "missed by %.1f ns (%.1f× the limit)" % (
                    r["ours"] - 5, r["ours"] / 5), fmt_ns(r["floor"])))
    instr = {(x["figure"], x["case"]): x for x in (instructions or {}).get("figures", [])}

    def hot(name, key, ns_limit, floor_limit, instr_key, instr_limit):
        """A hot-path target: ns (and ns ÷ floor) and instructions per operation."""
        r = by.get(key)
        if not r or not r["ours"]:
            return
        parts, ok = ["%s" % fmt_ns(r["ours"])], True
        if floor_limit is not None and r["floor"]:
            ratio = r["ours"] / r["floor"]
            ok = ok and ratio <= floor_limit
            parts.append("%.2f× the floor (%s; limit %.1f×)" % (ratio, fmt_ns(r["floor"]), floor_limit))
        if ns_limit is not None:
            ok = ok and r["ours"] <= ns_limit
            parts.append("limit %s" % fmt_ns(ns_limit))
        x = instr.get(instr_key) if instr_key else None
        if instr_limit is not None:
            if x:
                ok = ok and x["ours_instr"] <= instr_limit
                parts.append("%.0f instructions (limit %d%s)" % (
                    x["ours_instr"], instr_limit,
                    "; floor %.0f" % x["floor_instr"] if x.get("floor_instr") else ""))
            else:
                ok = False
                parts.append("no instruction count: run `make bench-instr`")
        add(name, ok, ", ".join(parts))

    hot("resume <= 1.5x the floor and <= 60 instructions", "resume-virtual", None, 1.5,
        ("resume", "1 task, virtual clock"), 60)
    hot("1000 tasks round-robin <= 2x the floor", "resume-1000", None, 2, None, None)
    hot("spawn+join <= 2x the floor and <= 250 instructions", "spawn-virtual", None, 2,
        ("spawn+join", "virtual clock"), 250)
    hot("cancel + cleanup + reap <= 60 ns and <= 500 instructions", "cancel", 60, None,
        ("cancel", "cancel a sleeping task, run its cleanup, reap it"), 500)
    r = by.get("bytes-task")
    if r and r["ours"]:
        add("a task <= 96 bytes on x86-64", r["ours"] <= 96, "sizeof(aio_task) = %s%s" % (
            fmt_bytes(r["ours"]), "" if r["ours"] <= 96 else ", %s over" % fmt_bytes(r["ours"] - 96)))
    reads = R.get(("resume", "clock-reads/1-task", "ours"))
    if reads:
        add("a resume that arms no deadline reads no clock (real clock)", reads["value"] == 0,
            "%.2f clock reads per resume" % reads["value"])
    r = by["spawn-virtual"]
    if r["ours"] and r["floor"]:
        ratio = r["ours"] / r["floor"]
        add("spawn+join <= 2x the floor", ratio <= 2,
            "%s vs floor %s on the virtual clock: %.2f× the floor%s (real clock: %.2f×)" % (
                fmt_ns(r["ours"]), fmt_ns(r["floor"]), ratio,
                "" if ratio <= 2 else ", %.0f%% over the 2× limit" % pct(ratio, 2),
                by["spawn-real"]["ours"] / by["spawn-real"]["floor"]))
    if runner.have_uv:
        parts, ok = [], True
        for k in cfg["pending"]:
            uv = R.get(("deadline", "start+stop/pending=%d" % k, "libuv"))
            base_reads = R.get(("deadline", "clock-reads-await/pending=%d" % k, "ours"))
            for var in ("wait_for", "timeout"):
                o = R.get(("deadline", "%s-armed/pending=%d" % (var, k), "ours"))
                if not (uv and o):
                    continue
                good = o["value"] <= uv["value"]
                ok = ok and good
                reads = R.get(("deadline", "clock-reads-%s/pending=%d" % (var, k), "ours"))
                extra = reads["value"] - base_reads["value"] if reads and base_reads else 0
                parts.append("%s %s pending: %s vs libuv %s (%.2f×)%s%s" % (
                    var, pretty_k(k), fmt_ns(o["value"]), fmt_ns(uv["value"]), o["value"] / uv["value"],
                    "" if good else " MISSED by %s" % fmt_ns(o["value"] - uv["value"]),
                    " (includes %.2f clock reads per operation that the await without a deadline "
                    "does not make: with no timer armed the loop reads no clock)" % extra if extra > 0 else ""))
        add("deadline armed+disarmed <= libuv start+stop at each pending count", ok, "; ".join(parts))
    parts, ok = [], True
    for k in cfg["pending"]:
        reads = {var: R.get(("deadline", "clock-reads-%s/pending=%d" % (var, k), "ours"))
                 for var in ("await", "wait_for", "timeout")}
        if not all(reads.values()):
            continue
        iters = {var: float(re.search(r"([\d.]+) loop iterations", x["note"]).group(1)) for var, x in reads.items()}
        good = all(reads[var]["value"] <= iters[var] + 1e-9 for var in reads)
        ok = ok and good
        if k in (0, max(cfg["pending"])):
            parts.append("%s pending: %.2f clock reads per operation with wait_for, %.2f with timeout(), %.2f "
                         "without a deadline; %.2f loop iterations per operation" % (
                             pretty_k(k), reads["wait_for"]["value"], reads["timeout"]["value"],
                             reads["await"]["value"], iters["wait_for"]))
    add("no clock read per deadline operation (one per loop iteration at most)", ok,
        "; ".join(parts) + ": arming and disarming read no clock of their own; the loop reads it at most "
        "once per iteration, and not at all in an iteration that starts with no timer armed and needs "
        "no time")
    if runner.have_uv:
        n = max(cfg["due"])
        o, uv = R.get(("fires", "due=%d" % n, "ours")), R.get(("fires", "due=%d" % n, "libuv"))
        if o and uv:
            ratio = o["value"] / uv["value"]
            add("timer fires at %s due: <= half of libuv's ns per timer" % pretty_k(n), ratio <= 0.5,
                "%s vs libuv %s per timer: %.2f× libuv's%s" % (
                    fmt_ns(o["value"]), fmt_ns(uv["value"]), ratio,
                    "" if ratio <= 0.5 else " (limit 0.50×: %s per wake over it)" % fmt_ns(
                        o["value"] - uv["value"] / 2)))
    parts, ok, worst = [], True, None
    for r in rows:
        if r["unit"] != "ns" or r["asyncio"] is None or r["ours"] is None:
            continue
        if r["ours"] <= 1.0:
            parts.append("%s / %s: ours within noise of 0 ns" % (r["figure"], r["case"]))
            continue
        ratio = r["asyncio"] / r["ours"]
        if worst is None or ratio < worst[0]:
            worst = (ratio, r)
        if ratio < 100:
            ok = False
            parts.append("%s / %s: only %.0f× (ours %s, asyncio %s)" % (
                r["figure"], r["case"], ratio, fmt_ns(r["ours"]), fmt_ns(r["asyncio"])))
    if worst:
        parts.insert(0, "smallest lead %.0f× (%s / %s)" % (worst[0], worst[1]["figure"], worst[1]["case"]))
    add(">= 100x ahead of asyncio in every time figure", ok, "; ".join(parts))
    r = by["bytes-task+timer"]
    if r["ours"]:
        add("<= 64 bytes per task on x86-64 including its timer", r["ours"] <= 64,
            "%s (task %s + timer slot %s)%s; with a timeout scope %s; the floor needs %s; asyncio %s per "
            "pending Task (%.0f× ours, not 100×)" % (
                fmt_bytes(r["ours"]), fmt_bytes(by["bytes-task"]["ours"]), fmt_bytes(by["bytes-timer"]["ours"]),
                "" if r["ours"] <= 64 else ": missed by %s (%.2f× the limit)" % (
                    fmt_bytes(r["ours"] - 64), r["ours"] / 64),
                fmt_bytes((by["bytes-task"]["ours"] or 0) + (by["bytes-timer"]["ours"] or 0) +
                          (by["bytes-scope"]["ours"] or 0)),
                fmt_bytes(r["floor"]), fmt_bytes(r["asyncio"]), (r["asyncio"] or 0) / r["ours"]))
    return targets


INSTR_TITLE = "Instructions per operation (callgrind)"


def instructions_markdown(instr):
    """The section of results.md for the "instructions" key that `make bench-instr` writes."""
    L = ["%s: user-space instructions that `valgrind --tool=callgrind` counts, (I(n2) − I(n1)) ÷ (n2 − n1) "
         "over two runs of each program; unlike the times above they do not move with the machine's load. "
         "`make bench-instr` measured them on %s (%s, `%s`; %s); CI fails when one of ours grows more than "
         "10%%. The goal is what the library aims at (a resume: a bare protothread's count). "
         "\"Instrumented\": the same program with the instruments compiled in (AIO_INSTRUMENTS=1, the "
         "default of a debug build) and no hook set." % (
             INSTR_TITLE, instr["date"][:10], instr["compiler"], instr["cflags"], instr["header"]),
         "",
         "| figure | case | aio_timeout.h | instrumented | floor | ÷ floor | goal | n1 → n2 |",
         "|---|---|---:|---:|---:|---:|---:|---:|"]
    fmt = lambda v: "—" if v is None else "%.1f" % v  # noqa: E731
    for r in instr["figures"]:
        sizes = "%s={:,} → {:,}".format(r["n1"], r["n2"]) % r["size"]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["figure"], r["case"], fmt(r["ours_instr"]), fmt(r.get("traced_instr")), fmt(r["floor_instr"]),
            fmt_ratio(r["ours_instr"], r["floor_instr"]),
            "≤ %d" % r["goal_instr"] if r.get("goal_instr") else "—", sizes))
    return L


def markdown(runner, rows, targets, machine, tools, elapsed, instructions=None):
    cfg = runner.cfg
    L = []
    L.append("Measured by `make bench%s` on %s. Each figure is the median of the repetitions inside a "
             "program, then the median over %d rounds in which every program runs once; "
             "ratios are ours ÷ floor, ours ÷ libuv and asyncio ÷ ours (so asyncio's column says how many "
             "times faster we are). asyncio always runs on the real clock, also beside our virtual-clock rows; "
             "bench/README.md says what each case does." % ("" if runner.mode == "full" else "-quick",
                                       datetime.date.today().isoformat(), cfg["rounds"]))
    L.append("")
    L.append("| figure | case | aio_timeout.h | floor | ÷ floor | libuv | ÷ libuv | asyncio | asyncio ÷ ours |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    main_pending = {0, 1000, 1000000, max(cfg["pending"])}
    for r in rows:
        if r["figure"] == "deadline armed, not reached" and not any(
                r["case"].endswith(" %s timers pending" % pretty_k(k)) for k in main_pending):
            continue
        f = fmt_bytes if r["unit"] == "bytes" else fmt_ns
        asy = r["asyncio"]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["figure"], r["case"], f(r["ours"]), f(r["floor"]), fmt_ratio(r["ours"], r["floor"]),
            f(r["libuv"]), fmt_ratio(r["ours"], r["libuv"]), f(asy),
            fmt_ratio(asy, r["ours"]) if r["ours"] and r["ours"] > 1.0 else "—"))
    L.append("")
    L.append("Deadline armed and disarmed (ns per operation) against the number of other pending timers; "
             "`results.png` plots it:")
    L.append("")
    L.append("| pending timers | ours wait_for | ours timeout() | floor | libuv start+stop |")
    L.append("|---:|---:|---:|---:|---:|")
    R = runner.results
    for k in cfg["pending"]:
        g = lambda case, impl: R.get(("deadline", case, impl), {}).get("value")  # noqa: E731
        L.append("| %s | %s | %s | %s | %s |" % (
            pretty_k(k), fmt_ns(g("wait_for-armed/pending=%d" % k, "ours")),
            fmt_ns(g("timeout-armed/pending=%d" % k, "ours")), fmt_ns(g("wait_for-armed/pending=%d" % k, "floor")),
            fmt_ns(g("start+stop/pending=%d" % k, "libuv"))))
    L.append("")
    L.append("Targets:")
    L.append("")
    for t in targets:
        L.append("- %s **%s**: %s." % ("✅" if t["met"] else "❌", t["target"] + (" — met" if t["met"] else
                                                                             " — missed"), t["detail"]))
    if any(not t["met"] for t in targets):
        L.append("")
        L.append("Why each missed target is missed, and what would close it: "
                 "[bench/README.md, \"Where the time goes\"](README.md#where-the-time-goes).")
    if runner.whole:
        L.append("")
        L.append("Whole programs (hyperfine, mean wall time of each process, start-up and setup included; "
                 "each group does the same operations):")
        L.append("")
        L.append("| group | command | mean | ± |")
        L.append("|---|---|---:|---:|")
        for w in runner.whole:
            L.append("| %s | `%s` | %.1f ms | %.1f ms |" % (w["group"], w["command"], w["mean_s"] * 1e3,
                                                            (w["stddev_s"] or 0) * 1e3))
    if instructions:
        L.append("")
        L.extend(instructions_markdown(instructions))
    L.append("")
    L.append("Machine: %s, %s cores, %s, %s, kernel %s%s, clocksource %s, %s. Compiler: %s, `%s`, "
             "no AIO_DEBUG. Header: %s. %s. libuv %s. hyperfine %s. Load average before / after: %s / %s. "
             "The measurements of `make bench%s` took %.0f s." % (
                 machine["cpu"], machine["cores"], machine["memory"], machine["os"], machine["kernel"],
                 (", " + machine["virtualisation"]) if machine["virtualisation"] else "", machine["clocksource"],
                 machine["pinned"], tools["compiler"], tools["cflags"], tools["header"], tools["python"],
                 tools["libuv"],
                 tools["hyperfine"].replace("hyperfine ", ""), machine["load_before"], machine["load_after"],
                 "" if runner.mode == "full" else "-quick", elapsed))
    return "\n".join(L) + "\n"


def plot(runner, out_png):
    if not shutil.which("gnuplot"):
        log("bench: gnuplot is not installed: no plot (apt-get install gnuplot-nox)")
        return None
    R = runner.results
    dat = os.path.join(runner.out, "deadline.dat")
    with open(dat, "w") as f:
        f.write("# pending ours_wait_for ours_timeout floor libuv (ns per deadline armed+disarmed)\n")
        for k in runner.cfg["pending"]:
            vals = [R.get(("deadline", c, i), {}).get("value") for c, i in (
                ("wait_for-armed/pending=%d" % k, "ours"), ("timeout-armed/pending=%d" % k, "ours"),
                ("wait_for-armed/pending=%d" % k, "floor"), ("start+stop/pending=%d" % k, "libuv"))]
            f.write("%d %s\n" % (max(k, 1), " ".join("NaN" if x is None else "%.3f" % max(x, 0.1) for x in vals)))
    script = os.path.join(runner.out, "deadline.gp")
    ticks = ", ".join('"%s" %d' % (pretty_k(k), max(k, 1)) for k in runner.cfg["pending"])
    with open(script, "w") as f:
        f.write("""set terminal pngcairo size 900,560 font ",11"
set output "%s"
set termoption noenhanced
set title "Deadline armed and disarmed, ns per operation (lower is better)"
set xlabel "other timers pending"
set ylabel "ns per operation"
set logscale xy
set xtics (%s)
set key top left
set grid
plot "%s" using 1:2 with linespoints lw 2 title "aio_timeout.h wait_for", \\
     "" using 1:3 with linespoints lw 2 title "aio_timeout.h timeout()", \\
     "" using 1:5 with linespoints lw 2 title "libuv uv_timer_start+stop", \\
     "" using 1:4 with linespoints lw 2 dt 2 title "floor"
""" % (out_png, ticks, dat))
    p = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if p.returncode != 0:  # no cairo: the libgd terminal
        with open(script) as f:
            text = f.read().replace("pngcairo", "png", 1)
        with open(script, "w") as f:
            f.write(text)
        p = subprocess.run(["gnuplot", script], capture_output=True, text=True)
    if p.returncode != 0:
        log("bench: gnuplot failed, no plot: " + p.stderr.strip())
        return None
    return out_png


def kept_sections(path):
    """What other programs write into results.md after the per-operation figures
    (`## ` sections: `make bench-io`'s "## I/O: echo server"), kept as it is."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return ""
    start = text.find("\n## ")
    return "\n" + text[start + 1:] if start >= 0 else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the reduced run (make bench-quick)")
    ap.add_argument("--out", help="where results.* go (default: bench/ for the full run, "
                                  "build/bench/quick/ for the quick one)")
    ap.add_argument("--no-hyperfine", action="store_true")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    out = args.out or (os.path.join(ROOT, "bench") if mode == "full" else os.path.join(BIN, "quick"))
    os.makedirs(out, exist_ok=True)
    runner = Runner(mode, out if mode == "quick" else BIN)
    start = time.time()
    header_before = header_identity()  # the programs were built from it just now
    with open("/proc/loadavg") as f:
        load_before = " ".join(f.read().split()[:3])
    log("== bench (%s): per-operation figures, %s" % (mode, "pinned with taskset -c 0" if runner.pin
                                                      else "not pinned: taskset unavailable"))
    if not runner.have_uv:
        log("bench: build/bench/uv_peer is missing (libuv1-dev not installed): the libuv peer is skipped")
    runner.figures()
    if not args.no_hyperfine:
        log("== bench: whole programs against their peers (hyperfine)")
        runner.whole_programs()
    with open("/proc/loadavg") as f:
        load_after = " ".join(f.read().split()[:3])
    elapsed = time.time() - start
    machine, tools = machine_info(runner)
    if tools["header"] != header_before:
        tools["header"] = "%s (aio_timeout.h changed during the run; now %s)" % (header_before, tools["header"])
    machine["load_before"], machine["load_after"] = load_before, load_after
    rows = build_rows(runner)
    # `make bench-instr` owns the instruction counts (the committed ones for a quick run)
    try:
        with open(os.path.join(ROOT, "bench", "results.json")) as f:
            instructions = json.load(f).get("instructions")
    except (OSError, ValueError):
        instructions = None
    targets = evaluate_targets(runner, rows, instructions)
    png = plot(runner, os.path.join(out, "results.png"))
    doc = {
        "mode": mode, "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine, "compiler": tools["compiler"], "cflags": tools["cflags"], "python": tools["python"],
        "libuv": tools["libuv"], "hyperfine": tools["hyperfine"], "header": tools["header"],
        "elapsed_s": round(elapsed, 1),
        "results": json_entries(rows), "targets": targets, "whole_programs": runner.whole,
        "raw": [{"figure": f, "case": c, "impl": i, "unit": runs[0]["unit"], "rounds": [x["value"] for x in runs],
                 "note": runs[0]["note"]} for (f, c, i), runs in sorted(runner.runs.items())],
    }
    if instructions:
        doc["instructions"] = instructions
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    md = markdown(runner, rows, targets, machine, tools, elapsed, instructions)
    md += kept_sections(os.path.join(out, "results.md"))
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    log("== bench: results")
    log(md)
    log("wrote %s" % ", ".join(os.path.relpath(os.path.join(out, x), ROOT) for x in
                               ["results.json", "results.md"] + (["results.png"] if png else [])))
    log("bench: %d figures measured in %.0f s" % (len(runner.results), elapsed))


if __name__ == "__main__":
    main()
