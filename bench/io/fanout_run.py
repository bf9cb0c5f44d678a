#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/fanout_run.py - the fan-out rows of `make bench-io`: a chat server
(bench/io/chat_aio.c, ours; bench/io/chat_asyncio.py on asyncio and on
uvloop, the example's original) serves MEMBERS members (50); one member sends
bursts of LINES lines (500) of LEN bytes (100), and every other member reads
each burst whole before the next (bench/io/fanout_load.c, which checks every
byte). For each server, in interleaved rounds (the order rotated each round),
on a fresh process pinned to core 0 (the load to core 1), perf counts over
the bursts alone (the joins not counted) the server's CPU time (task-clock)
and its send calls (sendto, sendmsg, write, writev): each per delivered line,
the median over the rounds.

    python3 bench/io/fanout_run.py [--rounds 3] [--bursts 40] [--json FILE]

Prints a table and, with --json, writes the figures (run.py puts them in
io-results.json under "fanout"). Targets (the issue's): ours at most 0.3x
asyncio's CPU per delivered line, and at most 0.1x its send calls."""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "bench", "io")
SENDS = ["syscalls:sys_enter_sendto", "syscalls:sys_enter_sendmsg", "syscalls:sys_enter_write",
         "syscalls:sys_enter_writev"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def uvloop_python():
    for py in [sys.executable, "/usr/bin/python3"]:
        if py and os.path.exists(py) and subprocess.run([py, "-c", "import uvloop"], capture_output=True).returncode == 0:
            return py
    return None


def servers():
    cmds, missing = {}, {}
    ours = os.path.join(BUILD, "chat_aio")
    if os.path.exists(ours):
        cmds["ours"] = lambda port: [ours, str(port)]
    else:
        missing["ours"] = "build/bench/io/chat_aio was not built"
    chat_py = os.path.join(HERE, "chat_asyncio.py")
    cmds["asyncio"] = lambda port: [sys.executable, chat_py, str(port)]
    py = uvloop_python()
    if py:
        cmds["uvloop"] = lambda port: [py, chat_py, str(port), "--uvloop"]
    else:
        missing["uvloop"] = "no python3 here imports uvloop (apt-get install python3-uvloop)"
    return cmds, missing


def wait_listening(port, proc, limit=15.0):
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("the server exited (status %s)" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not listen within %.0f s" % limit)


def pinned(cmd, core):
    return (["taskset", "-c", str(core)] + cmd) if shutil.which("taskset") else cmd


def run_one(name, cmd_of, args, logdir):
    port = free_port()
    log = open(os.path.join(logdir, "%s-server.log" % name), "w")
    srv = subprocess.Popen(pinned(cmd_of(port), 0), stdout=log, stderr=log)
    perf = load = None
    try:
        wait_listening(port, srv)
        load = subprocess.Popen(pinned([os.path.join(BUILD, "fanout_load"), str(port), str(args.members),
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
        for line in open(out):
            parts = line.strip().split(",")
            if len(parts) > 2 and parts[2] in ["task-clock"] + SENDS:
                try:
                    counts[parts[2]] = float(parts[0])
                except ValueError:
                    counts[parts[2]] = None
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--members", type=int, default=50)
    ap.add_argument("--bursts", type=int, default=40)
    ap.add_argument("--lines", type=int, default=500)
    ap.add_argument("--len", type=int, default=100)
    ap.add_argument("--json")
    args = ap.parse_args()
    if not shutil.which("perf"):
        print("fanout: perf is not installed (apt-get install linux-perf): the fan-out rows are skipped")
        return 0
    if not os.path.exists(os.path.join(BUILD, "fanout_load")):
        print("fanout: build/bench/io/fanout_load was not built: the fan-out rows are skipped")
        return 0
    cmds, missing = servers()
    names = list(cmds)
    runs = {n: [] for n in names}
    failures = []
    logdir = tempfile.mkdtemp(prefix="fanout-")
    for r in range(args.rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            try:
                runs[name].append(run_one(name, cmds[name], args, logdir))
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
    base = next((x for x in rows if x["server"] == "asyncio"), None)
    print("fan-out: %d members, bursts of %d lines of %d bytes, %d bursts a round, %d rounds" % (
        args.members, args.lines, args.len, args.bursts, args.rounds))
    print("| server | CPU per delivered line | vs asyncio | send calls per delivered line | vs asyncio |")
    print("|---|---:|---:|---:|---:|")
    for x in rows:
        cpu = "%.3f us" % x["cpu_us_per_line"]
        snd = "%.4f" % x["sends_per_line"]
        rc = "%.2fx" % (x["cpu_us_per_line"] / base["cpu_us_per_line"]) if base else "-"
        rs = "%.3fx" % (x["sends_per_line"] / base["sends_per_line"]) if base and base["sends_per_line"] else "-"
        print("| %s | %s | %s | %s | %s |" % (x["server"], cpu, rc, snd, rs))
    for name, why in missing.items():
        print("(%s left out: %s)" % (name, why))
    for f in failures:
        print("failed: " + f)
    ours = next((x for x in rows if x["server"] == "ours"), None)
    targets = []
    if ours and base:
        targets = [{"what": "CPU per delivered line, ours / asyncio", "value": ours["cpu_us_per_line"] / base["cpu_us_per_line"],
                    "target": 0.3},
                   {"what": "send calls per delivered line, ours / asyncio",
                    "value": ours["sends_per_line"] / base["sends_per_line"], "target": 0.1}]
        for t in targets:
            t["met"] = t["value"] <= t["target"]
            print("target: %s %.3f (at most %.1f): %s" % (t["what"], t["value"], t["target"],
                                                          "met" if t["met"] else "NOT met"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"members": args.members, "lines": args.lines, "len": args.len, "bursts": args.bursts,
                       "rounds": args.rounds, "results": rows, "missing": missing, "failures": failures,
                       "targets": targets}, f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
