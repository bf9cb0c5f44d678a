#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/fanout_run.py - the fan-out rows of `make bench-io`: a chat server
(bench/io/chat_aio.c, ours; bench/io/chat_asyncio.py on asyncio and on
uvloop, the example's original) serves MEMBERS members (50); one member sends
bursts of LINES lines (500) of LEN bytes (100), and every other member reads
each burst whole before the next (bench/io/fanout_load.c, which checks every
byte). The broker (bench/io/broker_aio.c, broker_asyncio.py) the same way:
one member publishes the bursts, the others subscribe. For each server, in interleaved rounds (the order rotated each round),
on a fresh process pinned to core 0 (the load to core 1), perf counts over
the bursts alone (the joins not counted) the server's CPU time (task-clock)
and its send calls (sendto, sendmsg, write, writev): each per delivered line,
the median over the rounds.

    python3 bench/io/fanout_run.py [--rounds 3] [--bursts 40] [--quick | --write] [--json FILE]

Prints a table; `--write` (make bench-io) puts the figures in
bench/fanout-results.json and the table in bench/results.md's "## Fan-out"
section, `--quick` (make bench-io-quick: one round of 10 bursts) in
build/bench/io/quick/fanout-results.json.
Targets: the chat server at most 0.3x asyncio's CPU per delivered line and
at most 0.1x its send calls; the broker at most 0.25x asyncio's CPU."""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from procs import free_port, uvloop_python, wait_listening

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "bench", "io")
SENDS = ["syscalls:sys_enter_sendto", "syscalls:sys_enter_sendmsg", "syscalls:sys_enter_write",
         "syscalls:sys_enter_writev"]


class PerfUnavailable(Exception):
    """perf could not count here: the row is left out, not failed."""


def servers():
    """name -> (kind, command for a port); name -> why it is left out."""
    cmds, missing = {}, {}
    py = uvloop_python()
    for kind, prog, script in [("chat", "chat_aio", "chat_asyncio.py"), ("broker", "broker_aio", "broker_asyncio.py")]:
        pre = "" if kind == "chat" else "broker_"
        ours = os.path.join(BUILD, prog)
        if os.path.exists(ours):
            cmds[pre + "ours"] = (kind, lambda port, ours=ours: [ours, str(port)])
        else:
            missing[pre + "ours"] = "build/bench/io/%s was not built" % prog
        path = os.path.join(HERE, script)
        cmds[pre + "asyncio"] = (kind, lambda port, path=path: [sys.executable, path, str(port)])
        if py:
            cmds[pre + "uvloop"] = (kind, lambda port, path=path: [py, path, str(port), "--uvloop"])
        else:
            missing[pre + "uvloop"] = "no python3 here imports uvloop (apt-get install python3-uvloop)"
    return cmds, missing


def pinned(cmd, core):
    return (["taskset", "-c", str(core)] + cmd) if shutil.which("taskset") else cmd


def run_one(name, server, args, logdir):
    kind, cmd_of = server
    port = free_port()
    log = open(os.path.join(logdir, "%s-server.log" % name), "w")
    srv = subprocess.Popen(pinned(cmd_of(port), 0), stdout=log, stderr=log)
    perf = load = None
    try:
        wait_listening(port, srv)
        load = subprocess.Popen(pinned([os.path.join(BUILD, "fanout_load")] + (["--broker"] if kind == "broker" else []) +
                                       [str(port), str(args.members),
                                        str(args.bursts), str(args.lines), str(args.len)], 1),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if load.stdout.readline().strip() != "joined":
            raise RuntimeError("the members did not join: %s" % load.stderr.read().strip())
        out = os.path.join(logdir, "%s-perf.txt" % name)
        perf = subprocess.Popen(["perf", "stat", "-x,", "-o", out, "-e", ",".join(["task-clock"] + SENDS),
                                 "-p", str(srv.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)  # (perf attached)
        load.stdin.write("go\n")
        load.stdin.flush()
        done = load.stdout.readline().strip()
        if not done.startswith("done "):
            raise RuntimeError("the load failed: %s" % load.stderr.read().strip())
        perf.send_signal(signal.SIGINT)
        perf.wait(timeout=30)
        fields = dict(kv.split("=") for kv in done.split()[1:])
        counts = {}
        if not os.path.exists(out):
            raise PerfUnavailable("perf wrote no counts (perf_event_paranoid, or no tracepoints here)")
        for line in open(out):
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[2] in ["task-clock"] + SENDS:
                try:
                    counts[parts[2]] = float(parts[0])
                except ValueError:
                    counts[parts[2]] = None
        if not counts.get("task-clock"):
            raise PerfUnavailable("perf counted nothing of the server (perf_event_paranoid, or no tracepoints here)")
        lines = int(fields["lines"])
        sends = sum(counts.get(e) or 0 for e in SENDS)
        return {"lines": lines, "cpu_ms": counts.get("task-clock"), "sends": int(sends),
                "cpu_us_per_line": counts["task-clock"] * 1000.0 / lines if counts.get("task-clock") else None,
                "sends_per_line": sends / lines, "wall_s": float(fields["s"])}
    finally:
        for p in (load, perf):
            if p and p.poll() is None:
                p.kill()
        srv.send_signal(signal.SIGTERM)
        try:
            srv.wait(timeout=5)
        except subprocess.TimeoutExpired:
            srv.kill()
        log.close()


LABEL = {"ours": "chat: ours", "asyncio": "chat: asyncio", "uvloop": "chat: uvloop",
         "broker_ours": "broker: ours", "broker_asyncio": "broker: asyncio", "broker_uvloop": "broker: uvloop"}


def measure(args):
    cmds, missing = servers()
    names = list(cmds)
    runs = {n: [] for n in names}
    failures = []
    logdir = tempfile.mkdtemp(prefix="fanout-")
    start = time.time()
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            try:
                runs[name].append(run_one(name, cmds[name], args, logdir))
            except PerfUnavailable as e:
                missing[name] = str(e)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                failures.append("%s, round %d: %s" % (name, r + 1, e))
    rows = []
    for name in names:
        rs = [x for x in runs[name] if x["cpu_us_per_line"] is not None]
        if not rs:
            continue
        rows.append({"server": name, "rounds": len(rs), "lines": rs[0]["lines"],
                     "cpu_us_per_line": statistics.median(x["cpu_us_per_line"] for x in rs),
                     "sends_per_line": statistics.median(x["sends_per_line"] for x in rs),
                     "wall_s": statistics.median(x["wall_s"] for x in rs)})
    get = lambda n: next((x for x in rows if x["server"] == n), None)  # noqa: E731
    targets = []
    for ours, base, what, limit in [("ours", "asyncio", "chat: CPU per delivered line, ours / asyncio", 0.3),
                                     ("ours", "asyncio", "chat: send calls per delivered line, ours / asyncio", 0.1),
                                     ("broker_ours", "broker_asyncio", "broker: CPU per delivered line, ours / asyncio",
                                      0.25)]:
        a, b = get(ours), get(base)
        if not a or not b:
            continue
        key = "sends_per_line" if "send" in what else "cpu_us_per_line"
        v = a[key] / b[key]
        targets.append({"what": what, "value": round(v, 4), "target": limit, "met": v <= limit})
    return {"members": args.members, "lines": args.lines, "len": args.len, "bursts": args.bursts,
            "rounds": args.rounds, "results": rows, "missing": missing, "failures": failures,
            "targets": targets, "elapsed_s": round(time.time() - start, 1)}


def markdown(doc):
    """The fan-out table (lines, the last one empty), or [] without results."""
    if not doc or not doc.get("results"):
        return []
    L = ["### Fan-out: a chat server and a broker, one member's bursts to every other",
         "",
         "%d members; one sends %d bursts of %d lines of %d bytes, each read whole by every other member before "
         "the next (`bench/io/fanout_load.c`, which checks every byte); the server pinned to core 0, the load to "
         "core 1; perf counts the server's CPU time and its send calls (sendto, sendmsg, write, writev) over the "
         "bursts alone; the median of %d rounds (`bench/io/fanout_run.py`)." % (
             doc["members"], doc["bursts"], doc["lines"], doc["len"], doc["rounds"]),
         "",
         "| server | CPU per delivered line | vs its asyncio | send calls per delivered line | vs its asyncio |",
         "|---|---:|---:|---:|---:|"]
    get = lambda n: next((x for x in doc["results"] if x["server"] == n), None)  # noqa: E731
    for x in doc["results"]:
        base = get("broker_asyncio" if x["server"].startswith("broker_") else "asyncio")
        L.append("| %s | %.3f us | %s | %.4f | %s |" % (
            LABEL.get(x["server"], x["server"]), x["cpu_us_per_line"],
            "%.2fx" % (x["cpu_us_per_line"] / base["cpu_us_per_line"]) if base else "-", x["sends_per_line"],
            "%.3fx" % (x["sends_per_line"] / base["sends_per_line"]) if base and base["sends_per_line"] else "-"))
    L.append("")
    for t in doc["targets"]:
        L.append("- %s: %.3f (target: at most %.2f): %s" % (t["what"], t["value"], t["target"],
                                                            "met" if t["met"] else "**not met**"))
    for name, why in doc["missing"].items():
        L.append("- %s left out: %s" % (LABEL.get(name, name), why))
    for f in doc["failures"]:
        L.append("- FAILED: %s" % f)
    L.append("")
    return L


def replace_section(path, lines):
    """Put the fan-out table in place of results.md's "## Fan-out" section
    (added at the end if it has none)."""
    text = open(path).read() if os.path.exists(path) else ""
    section = "\n".join(["## Fan-out"] + lines[1:]) + "\n"
    start = text.find("\n## Fan-out\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start + 1] + section + (text[end:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--bursts", type=int, default=40)
    ap.add_argument("--lines", type=int, default=500)
    ap.add_argument("--len", type=int, default=100)
    ap.add_argument("--quick", action="store_true", help="one round of 10 bursts, into build/bench/io/quick/")
    ap.add_argument("--write", action="store_true",
                    help="bench/fanout-results.json and the \"## Fan-out\" section of bench/results.md")
    ap.add_argument("--json")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.bursts = 1, 10
    if not shutil.which("perf"):
        print("fanout: perf is not installed (apt-get install linux-perf): the fan-out rows are skipped")
        return 0
    if not os.path.exists(os.path.join(BUILD, "fanout_load")):
        print("fanout: build/bench/io/fanout_load was not built: the fan-out rows are skipped")
        return 0
    doc = measure(args)
    md = markdown(doc)
    print("\n".join(md))
    out_json = args.json
    if args.write:
        out_json = os.path.join(ROOT, "bench", "fanout-results.json")
        replace_section(os.path.join(ROOT, "bench", "results.md"), md)
    elif args.quick:
        os.makedirs(os.path.join(BUILD, "quick"), exist_ok=True)
        out_json = os.path.join(BUILD, "quick", "fanout-results.json")
    if out_json:
        with open(out_json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return 1 if doc["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
