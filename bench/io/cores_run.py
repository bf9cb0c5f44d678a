#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/cores_run.py - the rows "a server on every core" of `make bench-io`:
the line server on LOOPS loops of one process (bench/io/lines_cores_aio.c:
an aio_server_share, each loop on a thread of its own, each listening with
SO_REUSEPORT; and the same with one loop handing connections out), beside
asyncio's and uvloop's way, the line server of bench/io/lines_asyncio.py in
LOOPS processes with start_server(reuse_port=True), each with 1 and 2 loops
(or processes). bench/io/loadgen.c -l drives each with CONNS connections
(100) of 64-byte lines, one in flight per connection, for SECONDS (3) after a
second of warm-up. Nothing is pinned: the server's loops and the load
generator share the machine's cores as the system places them.

For each: requests a second, the server's CPU over the measured window (the
sum over its processes and threads, from /proc, in cores: 1.00 is one core
busy), its CPU per request, and the load generator's CPU (in cores) beside
it; the median over the rounds, in interleaved order.

    python3 bench/io/cores_run.py [--rounds 3] [--seconds 3] [--conns 100] [--quick | --write]

Prints a table; --write (make bench-io) puts the figures in
bench/cores-results.json and the table in bench/results.md's section
"## A server on every core"; --quick (make bench-io-quick: one round of 1 s)
in build/bench/io/quick/cores-results.json."""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from procs import free_port, uvloop_python, wait_listening

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "bench", "io")
TICKS = os.sysconf("SC_CLK_TCK")


def servers(loop_counts):
    """(name, loops, command for a port) in order; name -> why it is left out."""
    out, missing = [], {}
    ours = os.path.join(BUILD, "lines_cores_aio")
    py = uvloop_python()
    script = os.path.join(HERE, "lines_asyncio.py")
    for n in loop_counts:
        if os.path.exists(ours):
            out.append(("ours", n, lambda port, n=n: [ours, str(port), str(n)]))
            if n > 1:
                out.append(("ours, handed off", n, lambda port, n=n: [ours, str(port), str(n), "--hand-off"]))
        else:
            missing["ours"] = "build/bench/io/lines_cores_aio was not built"
        out.append(("asyncio", n, lambda port, n=n: [sys.executable, script, str(port), "--processes", str(n)]))
        if py:
            out.append(("uvloop", n, lambda port, n=n: [py, script, str(port), "--processes", str(n), "--uvloop"]))
        else:
            missing["uvloop"] = "no python3 here imports uvloop (apt-get install python3-uvloop)"
    return out, missing


def group_cpu(pgid):
    """CPU seconds (user + system) of every process in group pgid, its threads included."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # (fields from the state on: pgrp is the third)
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def run_one(cmd_of, args, logdir, tag):
    port = free_port()
    log = open(os.path.join(logdir, "%s-server.log" % tag), "w")
    srv = subprocess.Popen(cmd_of(port), stdout=log, stderr=log, start_new_session=True)
    fifo = os.path.join(logdir, "%s.fifo" % tag)
    os.mkfifo(fifo)
    marks = {}

    def listen():  # loadgen opens the FIFO once for "enable", once for "disable"
        for _ in range(2):
            with open(fifo) as f:
                what = f.read().strip()
            marks[what] = (time.monotonic(), group_cpu(srv.pid))

    try:
        wait_listening(port, srv)
        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        load = subprocess.run([os.path.join(BUILD, "loadgen"), "-l", "-p", str(port), "-c", str(args.conns),
                               "-w", "1", "-d", str(args.seconds), "-C", fifo],
                              capture_output=True, text=True, timeout=args.seconds + 90)
        reader.join(10)
        line = next((x for x in load.stdout.splitlines() if x.startswith("result ")), None)
        if load.returncode != 0 or not line:
            raise RuntimeError("the load failed: %s" % load.stderr.strip()[-300:])
        if "enable" not in marks or "disable" not in marks:
            raise RuntimeError("the load did not mark its window")
        r = dict(kv.split("=") for kv in line.split()[1:])
        if int(r["errors"]):
            raise RuntimeError("%s errors" % r["errors"])
        (t0, c0), (t1, c1) = marks["enable"], marks["disable"]
        rps = float(r["rps"])
        cores = (c1 - c0) / (t1 - t0)
        return {"rps": rps, "server_cores": cores, "cpu_us_per_request": cores * 1e6 / rps,
                "load_cores": float(r["client_cpu"]), "p99_us": float(r["p99_us"])}
    finally:
        try:
            os.killpg(srv.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            srv.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(srv.pid, signal.SIGKILL)
            srv.wait()
        log.close()


def measure(args):
    cmds, missing = servers([1, 2])
    runs = {(name, n): [] for name, n, _ in cmds}
    failures = []
    logdir = tempfile.mkdtemp(prefix="cores-")
    start = time.time()
    k = 0
    for r in range(args.rounds):
        order = cmds[r % len(cmds):] + cmds[:r % len(cmds)]
        for name, n, cmd_of in order:
            k += 1
            try:
                runs[(name, n)].append(run_one(cmd_of, args, logdir, "%d" % k))
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
                failures.append("%s with %d, round %d: %s" % (name, n, r + 1, e))
    rows = []
    for name, n, _ in cmds:
        rs = runs[(name, n)]
        if not rs:
            continue
        row = {"server": name, "loops": n, "rounds": len(rs)}
        for key in ["rps", "server_cores", "cpu_us_per_request", "load_cores", "p99_us"]:
            row[key] = round(statistics.median(x[key] for x in rs), 3)
        rows.append(row)
    return {"conns": args.conns, "seconds": args.seconds, "rounds": args.rounds, "cpus": os.cpu_count(),
            "results": rows, "missing": missing, "failures": failures, "elapsed_s": round(time.time() - start, 1)}


def markdown(doc):
    """The table (lines), or [] without results."""
    if not doc["results"]:
        return []
    out = ["| server | loops | requests/s | server CPU (cores) | CPU per request | load generator CPU (cores) | p99 |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in doc["results"]:
        kind = "processes" if r["server"] in ("asyncio", "uvloop") else "threads"
        out.append("| %s | %d %s | %s | %.2f | %.2f µs | %.2f | %.0f µs |" % (
            r["server"], r["loops"], kind if r["loops"] > 1 else "", "{:,.0f}".format(r["rps"]), r["server_cores"],
            r["cpu_us_per_request"], r["load_cores"], r["p99_us"]))
    out.append("")
    return out


def section(doc):
    lines = ["## A server on every core", "",
             "`make bench-io` (bench/io/cores_run.py): the line server on 1 and 2 loops of one process "
             "(bench/io/lines_cores_aio.c, an `aio_server_share`: each loop on a thread of its own, listening "
             "with `SO_REUSEPORT`; and with one loop handing connections out), beside asyncio's and uvloop's way "
             "(bench/io/lines_asyncio.py in 1 and 2 processes with `start_server(reuse_port=True)`). "
             "bench/io/loadgen.c -l drives each with %d connections of 64-byte lines, one in flight per "
             "connection, for %d s after a second of warm-up; the median of %d rounds. Nothing is pinned. "
             "The server's CPU is the sum over its processes and threads, in cores; the load generator's beside it."
             % (doc["conns"], doc["seconds"], doc["rounds"]), ""]
    lines += markdown(doc)
    lines.append("This machine has %d processors. The load generator is one thread and needs most of a core "
                 "(the column beside), so on 2 processors a server of 2 loops competes with it for the second: "
                 "the rows show that the share works and what it costs per request, not how a server scales "
                 "with cores; that needs a machine with more processors than the load takes." % doc["cpus"])
    if doc["missing"]:
        lines.append("")
        lines.append("Left out: " + "; ".join("%s (%s)" % kv for kv in sorted(doc["missing"].items())) + ".")
    if doc["failures"]:
        lines.append("")
        lines.append("Runs that failed: " + "; ".join(doc["failures"]) + ".")
    lines.append("")
    return lines


def replace_section(path, lines):
    text = open(path).read() if os.path.exists(path) else ""
    head = "## A server on every core"
    block = "\n".join(lines)
    if head in text:
        before, rest = text.split(head, 1)
        nxt = rest.find("\n## ")
        text = before + block + (rest[nxt + 1:] if nxt >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    with open(path, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.seconds = 1, 1
    if not os.path.exists(os.path.join(BUILD, "loadgen")):
        sys.exit("cores_run.py: build/bench/io/loadgen is not built (make bench-io-programs)")
    doc = measure(args)
    print("\n".join(section(doc)))
    if args.write:
        with open(os.path.join(ROOT, "bench", "cores-results.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        replace_section(os.path.join(ROOT, "bench", "results.md"), section(doc))
    elif args.quick:
        os.makedirs(os.path.join(BUILD, "quick"), exist_ok=True)
        with open(os.path.join(BUILD, "quick", "cores-results.json"), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    return 1 if doc["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
