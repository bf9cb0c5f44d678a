#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/run.py - the echo-server benchmark, and beside it the line
protocol's: `make bench-io` (full: bench/io-results.json,
bench/io-results.svg and the "## I/O: echo server" section of
bench/results.md) and `make bench-io-quick` (one round, 100 and 1,000
connections, 1 s each: build/bench/io/quick/). The programs must be built
first (the make targets do it); a server whose program is missing is left
out and said so.

    python3 bench/io/run.py [--quick] [--out DIR] [--servers ours,libuv,...] [--only syscalls]

For every server and every number of connections N, in interleaved rounds
(every server once per round, the order rotated each round), on a fresh
server process pinned to core 0 (the load generator to core 1):

 1. wait until the server echoes 64 bytes on a first connection, closed at
    once; then its RSS (VmRSS of /proc/PID/status) is the RSS with none;
 2. the load generator (build/bench/io/loadgen, -i) opens N connections, each
    confirmed by one echo before the next is opened (-b 1: the server never
    holds more than one request's buffers, so what it grows by is the
    connections' own memory), and holds them idle: the RSS with N idle
    connections, minus the RSS with none, divided by N, is the memory per
    idle connection (user space only: the kernel's socket buffers are not in
    any process's RSS);
 3. the load generator then runs the load on those N connections: one 64-byte
    request in flight on each, WARM-UP seconds not counted, then the measured
    seconds: requests per second, p50 and p99 of the round trip.

The line servers (lines_*: a 64-byte line, its newline included, answered
upper-cased) are measured in the same rounds in the same way, at 100 and
1,000 connections, the load generator with -l: it sends lines and checks
the upper-cased replies; their first connection is confirmed by a line.

Each figure is the median over the rounds. The python3 that runs this script
is the one whose asyncio is measured; uvloop runs on the first of it and
/usr/bin/python3 that can import uvloop (Debian's python3-uvloop installs it
for /usr/bin/python3).

Then, at a fixed offered load (loadgen -R: 4,000 requests/s in all, on 1
and on 100 connections), the system calls each server makes per request
(perf stat -e raw_syscalls:sys_enter and a few syscalls:sys_enter_* on the
server's process, counting only the measured window: loadgen -C tells perf
when) and the CPU time it uses per request (perf's task-clock over the same
window), beside the floor's (bench/io/echo_floor.c, a minimal epoll echo
server), libuv's and asyncio's. `--only syscalls` runs only that part and
puts it into the io-results.json already there.

Then the TLS rows (bench/io/tls_run.py: the line server over TLS and full
handshakes, as the server's CPU time per request, beside a floor in C on
OpenSSL, asyncio and uvloop over ssl), where OpenSSL's headers were there to
build them (else left out, with the reason); they go in io-results.json
("tls") and in a table of their own.

Then, in rounds of their own, calls on worker threads and name lookups:
build/bench/io/threads_aio (ours) and bench/io/threads_asyncio.py (asyncio,
and uvloop with --uvloop), a fresh process each time, each on one core
(core 0: the loop and its worker threads take turns on it) and on two (cores
0 and 1), every program once per round in a rotated order; each prints one
JSON object (a to_thread round trip's time, calls/s with K in flight, a
lookup's time), and each figure is the median over the rounds.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import resource
import select
import shutil
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tls_run  # noqa: E402  (the TLS rows)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "bench", "io")
HERE = os.path.join(ROOT, "bench", "io")
LOADGEN = os.path.join(BIN, "loadgen")
SECTION = "## I/O: echo server"

MODES = {
    "full": {"rounds": 3, "conns": [100, 1000, 10000], "line_conns": [100, 1000], "warmup": 1.0, "duration": 3.0},
    "quick": {"rounds": 1, "conns": [100, 1000], "line_conns": [100, 1000], "warmup": 0.5, "duration": 1.0},
}
# A run in which neither the server nor the load generator used BUSY of its core
# was held back by something else on the machine (with N requests in flight one
# of the two is the bottleneck): it is run again, at most MAX_RETRIES times, and
# at most MAX_RETRIES_TOTAL times per round in all, then kept as it is (marked).
BUSY = 0.90
MAX_RETRIES = 2
MAX_RETRIES_TOTAL = 5
# Before such a run is repeated, the driver waits until the other work on the
# machine uses less than QUIET of its CPU time, at most QUIET_WAIT_S each time
# and QUIET_BUDGET_S per round in all.
QUIET = 0.25
QUIET_WAIT_S = 15
QUIET_BUDGET_S = 20
MAX_REQUESTS = 50000000  # the count bound of one measurement (the time bound comes first here)
CONNECT_LIMIT_S = 60     # every connection open within this, or the run fails
REQUEST_SIZE = 64       # an echo's request; a line's, its newline included
LINE_BUFFER = 4096      # the stream buffer lines_aio.c gives each connection

# name, label in the tables, colour in the plot
SERVERS = [
    ("ours", "aio_timeout.h", "#1f77b4"),
    ("ours_server", "aio_timeout.h, aio_server", "#17becf"),
    ("libuv", "libuv", "#ff7f0e"),
    ("libuv_tw", "libuv, uv_try_write", "#e6b800"),
    ("libevent", "libevent", "#2ca02c"),
    ("asyncio", "asyncio", "#9467bd"),
    ("uvloop", "uvloop", "#8c564b"),
    # the line protocol
    ("lines_ours", "aio_timeout.h, lines", "#1f77b4"),
    ("lines_ours_server", "aio_timeout.h, lines, aio_server", "#17becf"),
    ("lines_asyncio", "asyncio, lines", "#9467bd"),
    ("lines_uvloop", "uvloop, lines", "#8c564b"),
    # measured only in the system-call part
    ("floor", "floor (epoll)", "#7f7f7f"),
]
LABEL = {name: label for name, label, _ in SERVERS}
COLOUR = {name: colour for name, _, colour in SERVERS}

# Calls on worker threads and name lookups (threads_aio.c, threads_asyncio.py):
# name, label. Not servers: each program measures itself and prints JSON.
THREADS = [
    ("threads_ours", "aio_timeout.h"),
    ("threads_asyncio", "asyncio"),
    ("threads_uvloop", "uvloop"),
]
THREAD_LABEL = dict(THREADS)
# n round trips timed one by one (after `warmup`), k tasks of m calls each in
# flight, `lookups` lookups of each host; the rounds of every program in
# every placement. The quick run times fewer calls, in fewer rounds.
THREAD_MODES = {
    "full": {"rounds": 5, "n": 20000, "warmup": 1000, "k": 8, "m": 5000, "lookups": 2000},
    "quick": {"rounds": 3, "n": 5000, "warmup": 500, "k": 8, "m": 1000, "lookups": 500},
}
THREAD_LIMIT_S = 300  # one program's run, or it has failed

# System calls and CPU time per request at a fixed offered load: the servers
# (echo, then line protocol), the connections, the load, the rounds.
SYSCALL_SERVERS = ["ours", "floor", "libuv", "asyncio", "uvloop", "lines_ours", "lines_asyncio", "lines_uvloop"]
SYSCALL_MODES = {
    "full": {"rounds": 3, "conns": [1, 100], "rate": 4000, "warmup": 0.5, "duration": 2.0},
    "quick": {"rounds": 1, "conns": [1, 100], "rate": 4000, "warmup": 0.3, "duration": 1.0},
}
# the calls named in the breakdown (every other one is counted in the total)
SYSCALL_NAMES = ["epoll_wait", "epoll_pwait", "select", "poll", "read", "write", "recvfrom", "sendto",
                 "readv", "writev", "recvmsg", "sendmsg", "epoll_ctl"]


def protocol(name):
    return "line" if name.startswith("lines_") else "echo"


def log(msg):
    print(msg, flush=True)


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def rel(path):
    return os.path.relpath(path, ROOT) if path.startswith(ROOT) else path


# ------------------------------------------------------------------ set-up

def uvloop_python():
    """The first interpreter that can import uvloop: this one, then Debian's."""
    for py in [sys.executable, "/usr/bin/python3"]:
        if os.access(py, os.X_OK) and subprocess.run([py, "-c", "import uvloop"], capture_output=True).returncode == 0:
            return py
    return None


def server_commands():
    """name -> argv without the port, for the servers that can run; and why the others cannot."""
    cmds, missing = {}, {}
    for name, prog in (("ours", "echo_aio"), ("libuv", "echo_uv"), ("libevent", "echo_event"),
                       ("lines_ours", "lines_aio"), ("ours_server", "echo_server_aio"),
                       ("lines_ours_server", "lines_server_aio")):
        path = os.path.join(BIN, prog)
        if os.access(path, os.X_OK):
            cmds[name] = [path]
        else:
            missing[name] = "%s was not built" % rel(path)
        if name == "libuv":
            if name in cmds:
                cmds["libuv_tw"] = [path, "--try-write"]
            else:
                missing["libuv_tw"] = missing[name]
    path = os.path.join(BIN, "echo_floor")
    if os.access(path, os.X_OK):
        cmds["floor"] = [path]
    else:
        missing["floor"] = "%s was not built" % rel(path)
    cmds["asyncio"] = [sys.executable, os.path.join(HERE, "echo_asyncio.py")]
    cmds["lines_asyncio"] = [sys.executable, os.path.join(HERE, "lines_asyncio.py")]
    path = os.path.join(BIN, "threads_aio")
    if os.access(path, os.X_OK):
        cmds["threads_ours"] = [path]
    else:
        missing["threads_ours"] = "%s was not built" % rel(path)
    cmds["threads_asyncio"] = [sys.executable, os.path.join(HERE, "threads_asyncio.py")]
    py = uvloop_python()
    if py:
        cmds["uvloop"] = [py, os.path.join(HERE, "echo_asyncio.py"), "--uvloop"]
        cmds["lines_uvloop"] = [py, os.path.join(HERE, "lines_asyncio.py"), "--uvloop"]
        cmds["threads_uvloop"] = [py, os.path.join(HERE, "threads_asyncio.py"), "--uvloop"]
    else:
        missing["uvloop"] = missing["lines_uvloop"] = missing["threads_uvloop"] = \
            "no python3 here can import uvloop (apt-get install python3-uvloop)"
    return cmds, missing


def raise_fd_limit(conns):
    """Soft limit up to the hard one (and the hard one up, as root, if it is too
    low). Each process needs N descriptors plus a few: the server and the load
    generator are separate processes, each with its own limit. Returns the
    concurrencies that fit and a note."""
    need = max(conns) + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    inf = resource.RLIM_INFINITY
    if hard != inf and hard < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
        except (ValueError, OSError):
            pass
    soft2, hard2 = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft2 != hard2:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard2, hard2))
        except (ValueError, OSError):
            pass
    soft3, hard3 = resource.getrlimit(resource.RLIMIT_NOFILE)
    fmt = lambda v: "unlimited" if v == inf else str(v)  # noqa: E731
    note = "descriptor limit (RLIMIT_NOFILE) soft %s, hard %s, raised to soft %s, hard %s; each of the server " \
           "and the load generator needs N + a few" % (fmt(soft), fmt(hard), fmt(soft3), fmt(hard3))
    if soft3 != inf and soft3 < need:
        cap = int(soft3) - 64
        capped = sorted({min(n, cap) for n in conns if cap > 0})
        note += "; below the %d that %d connections need: capped at %d" % (need, max(conns), cap)
        log("bench-io: " + note)
        return capped, note
    return conns, note


def raise_priority(nice=-10):
    """Servers and load generator run at this niceness when allowed (root),
    so that other work on the machine takes less of their cores."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        pass
    n = os.getpriority(os.PRIO_PROCESS, 0)
    return "niceness %d%s" % (n, "" if n == nice else " (%d not allowed)" % nice)


def port_range_note(conns):
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        return ""
    if hi - lo + 1 < max(conns):
        return "only %d local ports (net.ipv4.ip_local_port_range) for %d connections" % (hi - lo + 1, max(conns))
    return ""


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vmrss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def settled_rss(pid):
    """VmRSS once two readings 0.1 s apart agree (at most 1 s)."""
    last = vmrss_kb(pid)
    for _ in range(10):
        time.sleep(0.1)
        now = vmrss_kb(pid)
        if now == last:
            break
        last = now
    return last


# ------------------------------------------------------------------ one run

class RunFailed(Exception):
    pass


def wait_ready(port, proc, line=False, limit=15.0):
    """Until the server echoes 64 bytes (answers a line upper-cased) on a
    connection (then closed)."""
    end = time.time() + limit
    msg = b"ready?\n" if line else bytes(range(REQUEST_SIZE))
    want = msg.upper() if line else msg
    while time.time() < end:
        if proc.poll() is not None:
            raise RunFailed("the server exited (status %d)" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    chunk = s.recv(len(msg) - len(got))
                    if not chunk:
                        break
                    got += chunk
                if got == want:
                    return
                raise RunFailed("the server's first %s was wrong" % ("reply" if line else "echo"))
        except OSError:
            time.sleep(0.02)
    raise RunFailed("the server did not answer within %.0f s" % limit)


def read_line(proc, deadline, prefix):
    """The next line of proc's stdout that starts with prefix, before deadline."""
    buf = ""
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise RunFailed("the load generator said nothing for too long")
        r, _, _ = select.select([proc.stdout], [], [], left)
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 4096).decode()
        if not chunk:
            raise RunFailed("the load generator stopped (exit %s)" % proc.wait())
        buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            if line.startswith(prefix):
                return line


def parse_kv(line):
    out = {}
    for word in line.split()[1:]:
        k, _, v = word.partition("=")
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def stop(proc, grace=5.0):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_busy(window=0.5):
    """The share of the machine's CPU time that was not idle over `window` s."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + (v[4] if len(v) > 4 else 0)  # total, idle + iowait
    t0, i0 = snap()
    time.sleep(window)
    t1, i1 = snap()
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(budget):
    """Before running again a run that was held back: wait until the machine
    is quiet (under QUIET busy) for at most QUIET_WAIT_S, out of budget[0]."""
    start = time.time()
    while budget[0] > 0 and time.time() - start < QUIET_WAIT_S:
        busy = cpu_busy()
        if busy < QUIET:
            break
        budget[0] -= 0.5
    waited = time.time() - start
    if waited > 1:
        log("bench-io: waited %.0f s for the machine to be quiet" % waited)
    return waited


def disturbed(r):
    return r["server_cpu"] >= 0 and max(r["server_cpu"], r["client_cpu"]) < BUSY


def run_one(cfg, name, cmd, n, pins, logdir, tag):
    port = free_port()
    errpath = os.path.join(logdir, "%s-%d-%s.stderr" % (name, n, tag))
    with open(errpath, "w") as err:
        srv = subprocess.Popen(pins[0] + cmd + [str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=err)
    lg = None
    lgerr = open(os.path.join(logdir, "loadgen-%s-%d-%s.stderr" % (name, n, tag)), "w+")
    line = protocol(name) == "line"
    try:
        wait_ready(port, srv, line)
        rss0 = settled_rss(srv.pid)
        lg = subprocess.Popen(pins[1] + [LOADGEN, "-p", str(port), "-c", str(n), "-w", str(cfg["warmup"]),
                                         "-d", str(cfg["duration"]), "-n", str(MAX_REQUESTS),
                                         "-s", str(REQUEST_SIZE), "-b", "1", "-T", str(CONNECT_LIMIT_S),
                                         "-P", str(srv.pid), "-i"] + (["-l"] if line else []),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=lgerr)
        ready = parse_kv(read_line(lg, time.time() + CONNECT_LIMIT_S + 10, "ready"))
        if srv.poll() is not None:
            raise RunFailed("the server exited (status %d)" % srv.returncode)
        rss_n = settled_rss(srv.pid)
        lg.stdin.write(b"go\n")
        lg.stdin.flush()
        res = parse_kv(read_line(lg, time.time() + cfg["warmup"] + cfg["duration"] + 30, "result"))
        lg.stdin.close()
        lg.wait(10)
        if srv.poll() is not None:
            raise RunFailed("the server exited during the load (status %d)" % srv.returncode)
    finally:
        if lg is not None:
            stop(lg)
        stop(srv)
        lgerr.seek(0)
        lg_said = lgerr.read().strip()
        lgerr.close()
        if lg_said:
            log("bench-io: the load generator said: " + " / ".join(lg_said.splitlines()[:3]))
        else:
            os.unlink(lgerr.name)
    with open(errpath) as f:
        server_err = f.read().strip()
    if server_err:
        log("bench-io: %s printed on stderr with %d connections: %s" % (name, n, server_err.splitlines()[0]))
    else:
        os.unlink(errpath)
    return {
        "rps": res["rps"], "p50_us": res["p50_us"], "p99_us": res["p99_us"], "p999_us": res["p999_us"],
        "max_us": res["max_us"], "requests": int(res["requests"]), "errors": int(res["errors"]),
        "reconnects": int(res["reconnects"]), "server_cpu": res["server_cpu"], "client_cpu": res["client_cpu"],
        "connect_s": ready.get("connect_s"), "rss0_kb": rss0, "rss_idle_kb": rss_n,
        "bytes_per_idle_conn": (rss_n - rss0) * 1024.0 / n if rss0 is not None and rss_n is not None else None,
        "server_stderr": server_err[:500],
    }


# ------------------------------------------------ system calls per request

def perf_ready():
    """None if perf stat can count the system-call tracepoints of a process;
    else why not (as root, kernel.perf_event_paranoid is lowered first)."""
    if not shutil.which("perf"):
        return "perf is not installed (apt-get install linux-perf)"
    probe = ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "true"]
    ok = lambda: subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: E731
    r = ok()
    if r.returncode != 0 and os.geteuid() == 0:
        subprocess.run(["sysctl", "-q", "kernel.perf_event_paranoid=-1"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        r = ok()
    if r.returncode != 0:
        return "perf stat cannot count raw_syscalls:sys_enter here (%s)" % (
            r.stderr.decode(errors="replace").strip().splitlines() or ["?"])[-1]
    return None


def run_syscalls_one(scfg, name, cmd, n, pins, logdir, tag):
    """One server at the fixed load: system calls and CPU time per request."""
    port = free_port()
    fifo = os.path.join(logdir, "perf-control-%d" % os.getpid())
    out = os.path.join(logdir, "perf-%s-%d-%s.csv" % (name, n, tag))
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    line = protocol(name) == "line"
    srv = subprocess.Popen(pins[0] + cmd + [str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    perf = lg = None
    try:
        wait_ready(port, srv, line)
        events = ["raw_syscalls:sys_enter", "task-clock"] + ["syscalls:sys_enter_" + c for c in SYSCALL_NAMES]
        perf = subprocess.Popen(["perf", "stat", "-x,", "-e", ",".join(events), "--control", "fifo:" + fifo,
                                 "-D", "-1", "-p", str(srv.pid), "-o", out],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)  # (perf opens the FIFO and attaches)
        lg = subprocess.run(pins[1] + [LOADGEN, "-p", str(port), "-c", str(n), "-w", str(scfg["warmup"]),
                                       "-d", str(scfg["duration"]), "-R", str(scfg["rate"]), "-b", "1",
                                       "-s", str(REQUEST_SIZE), "-P", str(srv.pid), "-C", fifo]
                            + (["-l"] if line else []), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=scfg["warmup"] + scfg["duration"] + CONNECT_LIMIT_S)
        if lg.returncode != 0:
            raise RunFailed("the load generator failed: %s" % lg.stderr.decode(errors="replace").strip()[:200])
        res = parse_kv([x for x in lg.stdout.decode().splitlines() if x.startswith("result")][0])
    except subprocess.TimeoutExpired:
        raise RunFailed("the load generator did not finish")
    finally:
        if perf is not None:
            perf.send_signal(2)  # SIGINT: perf writes its counts
            try:
                perf.wait(10)
            except subprocess.TimeoutExpired:
                perf.kill()
                perf.wait()
        stop(srv)
        os.unlink(fifo)
    counts = {}
    with open(out) as f:
        for row in f:
            parts = row.strip().split(",")
            if len(parts) < 3 or not parts[0] or parts[0].startswith("<"):
                continue
            try:
                counts[parts[2]] = float(parts[0])
            except ValueError:
                pass
    os.unlink(out)
    req = int(res["requests"])
    if not req or "raw_syscalls:sys_enter" not in counts:
        raise RunFailed("perf counted nothing")
    per = {c: counts.get("syscalls:sys_enter_" + c, 0.0) / req for c in SYSCALL_NAMES}
    return {"requests": req, "rps": res["rps"], "errors": int(res["errors"]),
            "syscalls_per_request": counts["raw_syscalls:sys_enter"] / req,
            "by_call": {c: round(v, 4) for c, v in per.items() if v > 0},
            "cpu_us_per_request": counts.get("task-clock", 0.0) * 1e3 / req,  # (task-clock is in ms)
            "server_cpu": res["server_cpu"], "client_cpu": res["client_cpu"]}


def run_syscalls(mode, cmds, pins, logdir):
    """Every server of SYSCALL_SERVERS that can run, at every N, in rotated
    rounds; the medians, and every round's values."""
    scfg = dict(SYSCALL_MODES[mode])
    names = [s for s in SYSCALL_SERVERS if s in cmds]
    why = perf_ready()
    if why:
        log("bench-io: system calls per request not measured: " + why)
        return {"config": scfg, "counter": None, "not_measured": why, "results": [], "raw": [], "failures": []}
    log("== bench-io (%s): system calls and CPU time per request at %s requests/s: %s; %d round(s) of %s "
        "connections, %.1f s warm-up + %.1f s each" % (
            mode, "{:,}".format(scfg["rate"]), ", ".join(LABEL[s] for s in names), scfg["rounds"],
            "/".join("{:,}".format(n) for n in scfg["conns"]), scfg["warmup"], scfg["duration"]))
    start = time.time()
    runs, failures = {}, []
    for rnd in range(scfg["rounds"]):
        order = names[rnd % len(names):] + names[:rnd % len(names)] if names else []
        for n in scfg["conns"]:
            for name in order:
                try:
                    r = run_syscalls_one(scfg, name, cmds[name], n, pins, logdir, "r%d" % (rnd + 1))
                except (RunFailed, OSError, IndexError) as e:
                    log("bench-io: %s with %d connections at a fixed load, round %d: FAILED: %s" % (
                        LABEL[name], n, rnd + 1, e))
                    failures.append({"server": name, "conns": n, "round": rnd + 1, "why": str(e)})
                    continue
                log("round %d  %-19s %6s conns  %9s req/s  %6.3f system calls/request (%s)  %7.2f us CPU/request" % (
                    rnd + 1, LABEL[name], "{:,}".format(n), fmt_int(r["rps"]), r["syscalls_per_request"],
                    ", ".join("%s %.2f" % kv for kv in sorted(r["by_call"].items(), key=lambda kv: -kv[1])),
                    r["cpu_us_per_request"]))
                runs.setdefault((name, n), []).append(r)
    rows = []
    for n in scfg["conns"]:
        for name in names:
            rs = runs.get((name, n))
            if not rs:
                continue
            calls = sorted({c for r in rs for c in r["by_call"]})
            rows.append({"server": name, "protocol": protocol(name), "conns": n, "rounds": len(rs),
                         "rps": med([r["rps"] for r in rs]),
                         "syscalls_per_request": round(med([r["syscalls_per_request"] for r in rs]), 3),
                         "by_call": {c: round(med([r["by_call"].get(c, 0.0) for r in rs]), 3) for c in calls},
                         "cpu_us_per_request": round(med([r["cpu_us_per_request"] for r in rs]), 2)})
    return {"config": scfg, "counter": "perf stat -e raw_syscalls:sys_enter,task-clock,syscalls:sys_enter_* -p "
                                       "SERVER_PID, over the measured window (loadgen -C)",
            "elapsed_s": round(time.time() - start, 1), "results": rows, "failures": failures,
            "raw": [{"server": s, "conns": n, "rounds": rs} for (s, n), rs in sorted(runs.items())]}


def markdown_syscalls(doc):
    """The system-call part of the section: its own table."""
    sc = doc.get("syscalls")
    if not sc:
        return []
    cfg = sc["config"]
    L = ["### System calls and CPU time per request", ""]
    L.append("The same servers at a fixed offered load instead of as fast as they answer: the load generator "
             "sends %s requests a second in all (`loadgen -R`), one every %.0f µs, each on the connection whose "
             "reply came first, on 1 and on 100 connections; %.1f s of warm-up, then %.1f s measured, %d round%s, "
             "the median. *System calls per request*: every system call the server's process entered in the "
             "measured window (`perf stat -e raw_syscalls:sys_enter` on it; the load generator tells perf when the "
             "window opens and closes), ÷ the requests answered in it; *of which* names the usual ones. *CPU per "
             "request*: the server's CPU time in the window (perf's `task-clock`, user and system), ÷ the "
             "requests: unlike requests/s it is not capped by the load generator. *floor (epoll)* is "
             "`bench/io/echo_floor.c`: one blocking `epoll_wait` a turn, a `read` and a `write` a request, "
             "nothing else. With one connection each request is a turn of its own (and waits for the reply "
             "before it as well as for its time: the round trip sets the rate); with 100, requests that "
             "arrive together share a turn's wait, on a busy machine more often." % (
                 "{:,}".format(cfg["rate"]), 1e6 / cfg["rate"], cfg["warmup"], cfg["duration"], cfg["rounds"],
                 "" if cfg["rounds"] == 1 else "s"))
    if sc.get("date"):
        L[-1] += " Measured on its own (`run.py --only syscalls`) on %s: %s; load average after: %s; it took %.0f s." % (
            sc["date"][:10], "; ".join("%s: %s" % kv for kv in sc.get("versions", {}).items()
                                       if kv[0] in ("aio_timeout.h", "libuv", "asyncio", "uvloop")),
            sc.get("load_before_after", "?"), sc.get("elapsed_s", 0))
    L.append("")
    if sc.get("not_measured"):
        L.append("**Not measured**: %s." % sc["not_measured"])
        L.append("")
        return L
    L.append("| server | connections | requests/s | system calls per request | of which | CPU per request |")
    L.append("|---|---:|---:|---:|---|---:|")
    for r in sc["results"]:
        L.append("| %s | %s | %s | %.2f | %s | %.1f µs |" % (
            LABEL[r["server"]], fmt_int(r["conns"]), fmt_int(r["rps"]), r["syscalls_per_request"],
            ", ".join("%s %.2f" % kv for kv in sorted(r["by_call"].items(), key=lambda kv: -kv[1]) if kv[1] >= 0.005)
            or "—", r["cpu_us_per_request"]))
    L.append("")
    return L


# ------------------------------------------------------------------ reporting

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_int(v):
    return "—" if v is None else "{:,.0f}".format(v)


def fmt_us(v):
    if v is None:
        return "—"
    if v >= 1000:
        return "{:,.1f} ms".format(v / 1000)
    return "%.0f µs" % v


def fmt_ratio(a, b):
    return "—" if a is None or not b else "%.2f×" % (a / b)


def summarise(runs, names, conns):
    rows = []
    for n in conns:
        for name in names:
            rs = runs.get((name, n), [])
            if not rs:
                continue
            # the load figures: the rounds not held back, if there is one (else all, marked)
            clean = [r for r in rs if not r.get("disturbed")]
            ls = clean or rs
            rows.append({
                "server": name, "protocol": protocol(name), "conns": n, "rounds": len(rs),
                "clean_rounds": len(clean),
                "rps": med([r["rps"] for r in ls]), "p50_us": med([r["p50_us"] for r in ls]),
                "p99_us": med([r["p99_us"] for r in ls]),
                "bytes_per_idle_conn": med([r["bytes_per_idle_conn"] for r in rs]),  # (measured idle)
                "server_cpu": med([r["server_cpu"] for r in ls]), "client_cpu": med([r["client_cpu"] for r in ls]),
                "errors": sum(r["errors"] for r in rs),
                "disturbed": 0 if clean else len(rs),
                "server_stderr": any(r["server_stderr"] for r in rs),
            })
    return rows


def near_limit(a, b):
    """Both runs had the load generator near its limit: it, as much as the
    servers, set both figures, and a difference of a few percent means little."""
    if a["client_cpu"] is not None and b["client_cpu"] is not None and min(a["client_cpu"], b["client_cpu"]) >= 0.85:
        return " (the load generator near its limit in both: %.0f%% and %.0f%% of its core)" % (
            100 * a["client_cpu"], 100 * b["client_cpu"])
    return ""


def loadgen_limit(r):
    """The load generator near its limit in this run alone: it, as much as
    the server, set the figure."""
    if r["client_cpu"] is not None and r["client_cpu"] >= 0.85:
        return " (the load generator near its limit: %.0f%% of its core)" % (100 * r["client_cpu"])
    return ""


def evaluate(rows, conns):
    get = lambda s, n: next((r for r in rows if r["server"] == s and r["conns"] == n), None)  # noqa: E731
    targets = []
    if not any(r["server"] == "ours" for r in rows) or not any(r["server"] == "libuv" for r in rows):
        return targets

    def throughput(peer, name, miss):
        """Ours at least `peer`'s requests/s at every concurrency."""
        parts, met = [], True
        for n in conns:
            o, u = get("ours", n), get(peer, n)
            if not o or not u:
                met = False
                parts.append("%s connections: not measured" % fmt_int(n))
                continue
            ok = o["rps"] >= u["rps"]
            met = met and ok
            parts.append("%s connections: %s req/s vs %s%s (%s)%s%s" % (
                fmt_int(n), fmt_int(o["rps"]), name, fmt_int(u["rps"]), fmt_ratio(o["rps"], u["rps"]),
                "" if ok else " %s %s req/s" % (miss, fmt_int(u["rps"] - o["rps"])), near_limit(o, u)))
        return met, "; ".join(parts)

    met, detail = throughput("libuv", "libuv ", "MISSED by")
    targets.append({"target": "throughput at least libuv's at every concurrency", "met": met, "detail": detail})
    parts, met = [], True
    for n in conns:
        o, u = get("ours", n), get("libuv", n)
        if not o or not u or o["bytes_per_idle_conn"] is None or u["bytes_per_idle_conn"] is None:
            met = False
            parts.append("%s connections: not measured" % fmt_int(n))
            continue
        ok = o["bytes_per_idle_conn"] <= u["bytes_per_idle_conn"]
        met = met and ok
        parts.append("%s connections: %s B vs libuv %s B%s" % (
            fmt_int(n), fmt_int(o["bytes_per_idle_conn"]), fmt_int(u["bytes_per_idle_conn"]),
            "" if ok else " MISSED by %s B" % fmt_int(o["bytes_per_idle_conn"] - u["bytes_per_idle_conn"])))
    targets.append({"target": "memory per idle connection at most libuv's", "met": met, "detail": "; ".join(parts)})
    if any(r["server"] == "libuv_tw" for r in rows):
        met, detail = throughput("libuv_tw", "", "behind by")
        targets.append({"target": "(beyond the targets) throughput at least that of libuv tuned with uv_try_write",
                        "met": met, "detail": detail})
    return targets


def evaluate_lines(rows, conns):
    """The line server's targets: at least 0.9x our echo server's requests/s
    and 3x asyncio streams' at every N; per idle connection at most libuv's
    (echo, same run) plus the buffer our server gives each connection."""
    get = lambda s, n: next((r for r in rows if r["server"] == s and r["conns"] == n), None)  # noqa: E731
    if not any(r["server"] == "lines_ours" for r in rows):
        return []
    targets = []

    def ratio_target(peer, peer_label, factor, what):
        parts, met = [], True
        for n in conns:
            o, p = get("lines_ours", n), get(peer, n)
            if not o or not p or o["rps"] is None or p["rps"] is None:
                met = False
                parts.append("%s connections: not measured" % fmt_int(n))
                continue
            ok = o["rps"] >= factor * p["rps"]
            met = met and ok
            parts.append("%s connections: %s req/s vs %s %s (%s)%s%s" % (
                fmt_int(n), fmt_int(o["rps"]), peer_label, fmt_int(p["rps"]), fmt_ratio(o["rps"], p["rps"]),
                "" if ok else " MISSED: %s× is %s req/s" % (("%g" % factor), fmt_int(factor * p["rps"])),
                near_limit(o, p) or loadgen_limit(o)))
        targets.append({"target": what, "met": met, "detail": "; ".join(parts)})

    ratio_target("ours", "our echo server", 0.9, "line server at least 0.9× our echo server's requests/s at "
                                                 "every concurrency")
    ratio_target("lines_asyncio", "asyncio streams", 3.0, "line server at least 3× asyncio streams' requests/s "
                                                          "at every concurrency")
    parts, met = [], True
    for n in conns:
        o, u = get("lines_ours", n), get("libuv", n)
        if not o or not u or o["bytes_per_idle_conn"] is None or u["bytes_per_idle_conn"] is None:
            met = False
            parts.append("%s connections: not measured" % fmt_int(n))
            continue
        bound = u["bytes_per_idle_conn"] + LINE_BUFFER
        ok = o["bytes_per_idle_conn"] <= bound
        met = met and ok
        parts.append("%s connections: %s B vs libuv's echo %s B + the %s B buffer = %s B%s" % (
            fmt_int(n), fmt_int(o["bytes_per_idle_conn"]), fmt_int(u["bytes_per_idle_conn"]), fmt_int(LINE_BUFFER),
            fmt_int(bound), "" if ok else " MISSED by %s B" % fmt_int(o["bytes_per_idle_conn"] - bound)))
    targets.append({"target": "memory per idle stream connection at most libuv's per idle connection plus the "
                              "buffer the caller gives", "met": met, "detail": "; ".join(parts)})
    return targets


def fmt_cpu(v):
    return "—" if v is None or v < 0 else "%.0f%%" % (100 * v)


def fmt_rps(r):
    return fmt_int(r["rps"]) + (" †" if r["disturbed"] else " (%d of %d)" % (
        r["clean_rounds"], r["rounds"]) if r["clean_rounds"] < r["rounds"] else "")


def fmt_errors(r):
    return "%d%s" % (r["errors"], " (and on the server's stderr)" if r["server_stderr"] else "")


def target_lines(targets):
    L = ["Targets:", ""]
    for t in targets:
        L.append("- %s **%s — %s**: %s." % ("✅" if t["met"] else "❌", t["target"],
                                           "met" if t["met"] else "missed", t["detail"]))
    L.append("")
    return L


def markdown_lines(doc):
    """The line protocol's part of the section: its own table and targets."""
    rows = [r for r in doc["results"] if r["protocol"] == "line"]
    if not rows and not any(protocol(k) == "line" for k in doc["missing"]):
        return []
    cfg = doc["config"]
    L = ["### Line protocol", ""]
    L.append("The same run, the same method, at %s connections: each connection sends a %d-byte line (%d "
             "lower-case letters and digits and its newline) and waits for the line back upper-cased (checked), "
             "one line in flight per connection (`loadgen -l`). *aio_timeout.h, lines* is `bench/io/lines_aio.c`: "
             "a task per client reading lines from an `aio_stream` (`AIO_READ_LINE`, 60 s idle timeout), "
             "upper-casing the line where it lies and sending it back with `AIO_SEND_ALL`; the stream's buffer is "
             "the caller's, %s bytes in each client's struct, and stays with its connection while it is idle "
             "(it may hold the start of a line). *asyncio, lines* and *uvloop, lines* are `bench/io/lines_asyncio.py`: "
             "`asyncio.start_server` (limit %s), `reader.readline()`, `writer.write(line.upper())`, "
             "`await writer.drain()`. *÷ our echo* is requests/s against our echo server's (`echo_aio.c`) at the "
             "same N in the table above; the RSS per idle connection is measured as above (each connection "
             "having answered one line, then idle), and the memory target compares it with libuv's per idle echo "
             "connection of this run plus the %s-byte buffer." % (
                 " and ".join(fmt_int(n) for n in cfg["line_conns"]), REQUEST_SIZE, REQUEST_SIZE - 1,
                 fmt_int(LINE_BUFFER), fmt_int(LINE_BUFFER), fmt_int(LINE_BUFFER)))
    L.append("")
    if doc["missing"].get("lines_ours"):
        L.append("**aio_timeout.h's line server not measured**: %s (this aio_timeout.h has no streams, or "
                 "lines_aio.c does not compile against it: build/bench/io/lines_aio.log); its targets are not "
                 "evaluated." % doc["missing"]["lines_ours"])
        L.append("")
    if rows:
        L.append("| server | connections | requests/s | ÷ our echo | p50 | p99 | RSS per idle connection "
                 "| server CPU | load generator CPU | errors |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        echo = {r["conns"]: r for r in doc["results"] if r["server"] == "ours"}
        for r in rows:
            e = echo.get(r["conns"])
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                LABEL[r["server"]], fmt_int(r["conns"]), fmt_rps(r), fmt_ratio(r["rps"], e["rps"]) if e else "—",
                fmt_us(r["p50_us"]), fmt_us(r["p99_us"]),
                "—" if r["bytes_per_idle_conn"] is None else "{:,.0f} B".format(r["bytes_per_idle_conn"]),
                fmt_cpu(r["server_cpu"]), fmt_cpu(r["client_cpu"]), fmt_errors(r)))
        L.append("")
    if doc.get("line_targets"):
        L += target_lines(doc["line_targets"])
    return L


def markdown(doc, svg_name):
    cfg = doc["config"]
    rows = doc["results"]
    L = [SECTION, ""]
    L.append("Measured by `make bench-io%s` on %s: an echo server on 127.0.0.1, one 64-byte request in flight on "
             "each of N connections, driven by the project's load generator (`bench/io/loadgen.c`, one thread, "
             "epoll); the server pinned to core 0, the load generator to core 1. Each figure is the median of %d "
             "round%s in which every server runs once, each run on a fresh server process: %.1f s of warm-up, "
             "then %.1f s measured. *requests/s* counts round trips completed in the measured time; *p50*/*p99* "
             "are their round-trip latencies (with one request per connection, about N ÷ requests/s); *RSS per "
             "idle connection* is the server's VmRSS with N connections open and idle, each having echoed one "
             "request (opened one after another), minus its VmRSS with none, ÷ N (user-space memory: the kernel's socket buffers are not "
             "in it; VmRSS counts 4 KiB pages, 41 B per connection at 100 connections); *server CPU* and *load "
             "generator CPU* are the share of its core each used while measured: the one near 100%% limits the "
             "figure (where both are, the server might do more with a faster load generator); a run in which "
             "neither used %.0f%% of its core was held back by other work on the machine and was run again, at "
             "most twice, once the machine was quiet or after a while. Every echo server reads at most 4096 bytes at a "
             "time and holds no read buffer while a connection is idle; bench/README.md (\"I/O: echo server\") describes each. "
             "The line protocol's servers, measured in the same rounds, have their own table below, and so have "
             "calls on worker threads and name lookups, measured after them."
             % ("" if doc["mode"] == "full" else "-quick", doc["date"][:10], cfg["rounds"],
                "" if cfg["rounds"] == 1 else "s", cfg["warmup"], cfg["duration"], 100 * doc["busy_threshold"]))
    L.append("")
    if doc.get("header_elsewhere"):
        L.append("aio_timeout.h was taken from another checkout of the repository (`BENCH_INC`): %s." %
                 doc["versions"].get("aio_timeout.h", "?"))
        L.append("")
    if doc["missing"].get("ours"):
        L.append("**aio_timeout.h not measured**: %s (this aio_timeout.h has no I/O API, or echo_aio.c does not "
                 "compile against it: build/bench/io/echo_aio.log); the targets are not evaluated." %
                 doc["missing"]["ours"])
        L.append("")
    L.append("| server | connections | requests/s | ÷ libuv | p50 | p99 | RSS per idle connection | ÷ libuv "
             "| server CPU | load generator CPU | errors |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    libuv = {r["conns"]: r for r in rows if r["server"] == "libuv"}
    for r in rows:
        if r["protocol"] != "echo":
            continue
        u = libuv.get(r["conns"])
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            LABEL[r["server"]], fmt_int(r["conns"]), fmt_rps(r),
            fmt_ratio(r["rps"], u["rps"]) if u else "—", fmt_us(r["p50_us"]), fmt_us(r["p99_us"]),
            "—" if r["bytes_per_idle_conn"] is None else "{:,.0f} B".format(r["bytes_per_idle_conn"]),
            fmt_ratio(r["bytes_per_idle_conn"], u["bytes_per_idle_conn"]) if u and r["bytes_per_idle_conn"]
            is not None and u["bytes_per_idle_conn"] and u["bytes_per_idle_conn"] > 0 else "—",
            fmt_cpu(r["server_cpu"]), fmt_cpu(r["client_cpu"]), fmt_errors(r)))
    L.append("")
    notes = []
    if doc["retried"]:
        notes.append("%d run%s in which neither the server nor the load generator used %.0f%% of its core (held "
                     "back by other work on the machine) %s run again" % (
                         len(doc["retried"]), "" if len(doc["retried"]) == 1 else "s", 100 * doc["busy_threshold"],
                         "was" if len(doc["retried"]) == 1 else "were"))
    if any(r["clean_rounds"] < r["rounds"] for r in rows):
        notes.append("the load figures are medians of the rounds not held back: \"(2 of 3)\" after the "
                     "requests/s says how many there were%s; the RSS figures are of every round (measured idle)" % (
                         ", and † that all were held back even after that, and the median is of them all"
                         if any(r["disturbed"] for r in rows) else ""))
    if notes:
        L.append(notes[0][0].upper() + "; ".join(notes)[1:] + ".")
        L.append("")
    if doc["targets"]:
        L += target_lines(doc["targets"])
    L += markdown_lines(doc)
    L += markdown_syscalls(doc)
    if svg_name:
        L.append("![requests per second and RSS per idle connection of each server, echo and line protocol](%s)"
                 % svg_name)
        L.append("")
    if doc["missing"]:
        L.append("Left out: %s." % "; ".join("%s (%s)" % (LABEL[k], v) for k, v in doc["missing"].items()))
        L.append("")
    m, v = doc["machine"], doc["versions"]
    L.append("Versions: %s. Machine: %s, %s cores, %s, kernel %s%s; %s. Load average before / after: %s / %s. "
             "%s%s. The measurements took %.0f s; `bench/io-results.json` keeps every round's values." % (
                 "; ".join("%s: %s" % (k, v[k]) for k in v), m["cpu"], m["cores"], m["os"], m["kernel"],
                 (", " + m["virtualisation"]) if m["virtualisation"] else "", m["pinned"], m["load_before"],
                 m["load_after"], doc["fd_limit"][0].upper() + doc["fd_limit"][1:],
                 ("; " + doc["port_note"]) if doc["port_note"] else "", doc["elapsed_s"]))
    tls = tls_run.markdown(doc.get("tls"))
    if tls:
        L += [""] + tls[:-1]
    threads = markdown_threads(doc)
    if threads:
        L += [""] + threads[:-1]
    return "\n".join(L) + "\n"


def replace_section(path, section):
    """Put `section` in place of results.md's "## I/O: echo server" section
    (up to the next "## " heading), or at its end; the rest stays as it is."""
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    start = text.find(SECTION + "\n")
    if start > 0 and text[start - 1] != "\n":
        start = -1
    if start >= 0:
        end = text.find("\n## ", start + len(SECTION))
        rest = text[end + 1:] if end >= 0 else ""
        text = text[:start] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    with open(path, "w") as f:
        f.write(text)


def nice_max(v):
    if v <= 0:
        return 1.0
    mag = 10 ** len(str(int(v))) / 10.0
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * mag >= v:
            return step * mag
    return 10 * mag


def svg_plot(doc, path):
    """Two panels (requests/s, RSS per idle connection) for the echo servers,
    and below them two for the line protocol's, if it was measured."""
    rows = doc["results"]
    get = lambda s, n: next((r for r in rows if r["server"] == s and r["conns"] == n), None)  # noqa: E731
    bands = []
    for proto, title in (("echo", "Echo server on 127.0.0.1, 64-byte requests"),
                         ("line", "Line protocol on 127.0.0.1, 64-byte lines answered upper-cased")):
        names = [s for s, _, _ in SERVERS if protocol(s) == proto and any(r["server"] == s for r in rows)]
        conns = sorted({r["conns"] for r in rows if r["protocol"] == proto})
        if names and conns:
            bands.append((title, names, conns))
    if not bands:
        return None
    pw, ph, band_h = 410, 300, 410
    W, H = 1000, 20 + band_h * len(bands)
    panels = [("requests per second (higher is better)", "rps", lambda v: "%.0fk" % (v / 1000)),
              ("RSS per idle connection, bytes (lower is better)", "bytes_per_idle_conn", lambda v: "%.0f" % v)]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="sans-serif" font-size="12">' % (W, H, W, H),
           '<rect width="100%" height="100%" fill="white"/>']
    for b, (band_title, names, conns) in enumerate(bands):
        y0 = b * band_h
        out.append('<text x="%d" y="%d" text-anchor="middle" font-size="15">%s (make bench-io%s, %s)</text>' % (
            W // 2, y0 + 22, band_title, "" if doc["mode"] == "full" else "-quick", doc["date"][:10]))
        # legend
        x = 60
        for s in names:
            out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/>' % (x, y0 + 36, COLOUR[s]))
            out.append('<text x="%d" y="%d">%s</text>' % (x + 16, y0 + 46, LABEL[s]))
            x += 30 + 7 * len(LABEL[s])
        top = y0 + 80
        for p, (title, key, lab) in enumerate(panels):
            x0 = 70 + p * (pw + 90)
            vals = [get(s, n)[key] for s in names for n in conns if get(s, n) and get(s, n)[key] is not None]
            ymax = nice_max(max(vals + [0]) * 1.08)
            out.append('<text x="%d" y="%d" text-anchor="middle" font-size="13">%s</text>' % (
                x0 + pw // 2, top - 12, title))
            for i in range(6):  # grid and y labels
                v = ymax * i / 5
                y = top + ph - ph * i / 5
                out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (x0, y, x0 + pw, y))
                out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (
                    x0 - 6, y + 4, "{:,.0f}".format(v) if key != "rps" else lab(v)))
            out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>' % (x0, top + ph, x0 + pw, top + ph))
            gw = pw / len(conns)
            bw = min(28.0, (gw - 16) / len(names))
            for gi, n in enumerate(conns):
                gx = x0 + gi * gw + (gw - bw * len(names)) / 2
                out.append('<text x="%.1f" y="%d" text-anchor="middle">%s connections</text>' % (
                    x0 + gi * gw + gw / 2, top + ph + 18, "{:,}".format(n)))
                for si, s in enumerate(names):
                    r = get(s, n)
                    if not r or r[key] is None:
                        continue
                    v = max(r[key], 0)
                    h = ph * v / ymax
                    bx = gx + si * bw
                    out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s '
                               'connections: %s</title></rect>' % (bx, top + ph - h, bw - 2, h, COLOUR[s], LABEL[s], n,
                                                                   "{:,.0f}".format(r[key])))
                    out.append('<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%s</text>' % (
                        bx + (bw - 2) / 2, top + ph - h - 3, lab(v)))
    out.append('<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="#555">Medians of %s; '
               'server on core 0, load generator on core 1; bench/results.md has the tables.</text>' % (
                   W // 2, H - 12, "%d rounds" % doc["config"]["rounds"] if doc["config"]["rounds"] > 1 else "one round"))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


# ------------------------------------------------ worker threads and lookups

def thread_placements(pins):
    """Where the thread programs run: on one core, where the loop and its
    worker threads take turns, and on two, where a call wakes a thread that
    may run on the other core and its end wakes the loop back (what a worker
    thread is for: work beside the loop's). Unpinned without taskset."""
    if pins[0]:
        return [("1", ["taskset", "-c", "0"]), ("2", ["taskset", "-c", "0,1"])]
    return [("any", [])]


def cores_label(key):
    return {"1": "1 (core 0)", "2": "2 (cores 0, 1)"}.get(key, "not pinned")


def run_thread_program(tcfg, name, cmd, pin, logdir, tag):
    """One run of a thread program: its JSON, or RunFailed."""
    argv = pin + cmd + ["%s=%d" % (k, tcfg[k]) for k in ("n", "warmup", "k", "m", "lookups")]
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=THREAD_LIMIT_S)
    except subprocess.TimeoutExpired:
        raise RunFailed("it did not end within %d s" % THREAD_LIMIT_S)
    if p.stderr.strip():
        with open(os.path.join(logdir, "%s-%s.stderr" % (name, tag)), "w") as f:
            f.write(p.stderr)
    if p.returncode != 0:
        said = p.stderr.strip().splitlines() or ["(nothing said)"]
        raise RunFailed("exit status %d: %s" % (p.returncode, said[-1]))
    try:
        res = json.loads(p.stdout)
    except ValueError:
        raise RunFailed("its output is not JSON: %s" % p.stdout[:200])
    if not res.get("ok"):
        raise RunFailed("it did not say ok")
    return res


def fmt_fine_us(v):
    """A time of microseconds or less, with the digits that tell."""
    if v is None:
        return "—"
    if v < 1:
        return "%.2f µs" % v
    if v < 100:
        return "%.1f µs" % v
    return fmt_us(v)


def run_threads(tcfg, names, cmds, pins, logdir):
    """Every thread program in every placement, once per round, the order
    rotated each round: {(name, cores): [its JSON per round]}, and the failures."""
    runs, failures = {}, []
    jobs = [(name, key, pin) for key, pin in thread_placements(pins) for name in names]
    for rnd in range(tcfg["rounds"]):
        order = jobs[rnd % len(jobs):] + jobs[:rnd % len(jobs)] if jobs else []
        for name, key, pin in order:
            tag = "%s-r%d" % (key, rnd + 1)
            try:
                r = run_thread_program(tcfg, name, cmds[name], pin, logdir, tag)
            except RunFailed as e:
                log("bench-io: %s, %s core(s), round %d: FAILED: %s" % (THREAD_LABEL[name], key, rnd + 1, e))
                failures.append({"program": name, "cores": key, "round": rnd + 1, "why": str(e)})
                continue
            runs.setdefault((name, key), []).append(r)
            log("round %d  %-14s %-3s core(s)  to_thread %9s (mean %9s)  %d in flight %9s calls/s  "
                "lookup localhost %9s  127.0.0.1 %9s" % (
                    rnd + 1, THREAD_LABEL[name], key, fmt_fine_us(r["to_thread"]["median_us"]),
                    fmt_fine_us(r["to_thread"]["mean_us"]), r["to_thread_in_flight"]["k"],
                    fmt_int(r["to_thread_in_flight"]["calls_per_s"]),
                    fmt_fine_us(r["lookup_localhost"]["median_us"]), fmt_fine_us(r["lookup_numeric"]["median_us"])))
    return runs, failures


def summarise_threads(runs, names, placements):
    rows = []
    for key, _ in placements:
        for name in names:
            rs = runs.get((name, key), [])
            if not rs:
                continue
            rows.append({
                "program": name, "cores": key, "rounds": len(rs),
                "to_thread_us": med([r["to_thread"]["median_us"] for r in rs]),
                "to_thread_mean_us": med([r["to_thread"]["mean_us"] for r in rs]),
                "to_thread_p99_us": med([r["to_thread"]["p99_us"] for r in rs]),
                "in_flight": rs[0]["to_thread_in_flight"]["k"],
                "in_flight_calls_per_s": med([r["to_thread_in_flight"]["calls_per_s"] for r in rs]),
                "lookup_localhost_us": med([r["lookup_localhost"]["median_us"] for r in rs]),
                "lookup_localhost_mean_us": med([r["lookup_localhost"]["mean_us"] for r in rs]),
                "lookup_localhost_addresses": rs[-1]["lookup_localhost"]["addresses"],
                "lookup_numeric_us": med([r["lookup_numeric"]["median_us"] for r in rs]),
                # the most worker threads the pool or executor runs, and how many it started (where it says)
                "max_threads": rs[-1].get("executor_max_workers", rs[-1].get("threads_max")),
                "threads_started": rs[-1].get("executor_threads"),
            })
    return rows


def evaluate_threads(rows, placements):
    """A to_thread round trip (the median) at most asyncio's, in every placement."""
    get = lambda p, k: next((r for r in rows if r["program"] == p and r["cores"] == k), None)  # noqa: E731
    if not any(r["program"] == "threads_ours" for r in rows):
        return []
    parts, met = [], True
    for key, _ in placements:
        o, a = get("threads_ours", key), get("threads_asyncio", key)
        where = "not pinned" if key == "any" else "%s core%s" % (key, "" if key == "1" else "s")
        if not o or not a:
            met = False
            parts.append("%s: not measured" % where)
            continue
        ok = o["to_thread_us"] <= a["to_thread_us"]
        met = met and ok
        parts.append("%s: %s vs asyncio %s (%s)%s" % (
            where, fmt_fine_us(o["to_thread_us"]), fmt_fine_us(a["to_thread_us"]),
            fmt_ratio(o["to_thread_us"], a["to_thread_us"]),
            "" if ok else " MISSED by %s" % fmt_fine_us(o["to_thread_us"] - a["to_thread_us"])))
    return [{"target": "a to_thread round trip at most asyncio's", "met": met, "detail": "; ".join(parts)}]


def markdown_threads(doc):
    """The subsection of the worker threads and the lookups."""
    th = doc.get("threads")
    if not th:
        return []
    cfg = th["config"]
    rows = th["results"]
    L = ["### Worker threads and name lookups", ""]
    L.append("Measured by the same run after the servers: `bench/io/threads_aio.c` (aio_timeout.h) and "
             "`bench/io/threads_asyncio.py` (asyncio, and uvloop with `--uvloop`), each a fresh process, %d "
             "round%s in which every program runs once in each placement (the order rotated each round); each "
             "figure is the median of the rounds. *to_thread round trip*: one task awaits a call of a function "
             "that returns at once (it adds one to an int, checked), %s times in a row after %s untimed, each "
             "timed alone from the await to the task's resumption with the result, and the median of those "
             "(*mean* beside it): ours `AIO_TO_THREAD(t, lv, fn, &v, sizeof v, AIO_NEVER)` on the loop's pool, "
             "asyncio's `await asyncio.to_thread(fn, v)` on the loop's default executor. *calls/s, %d in flight*: "
             "%d tasks each doing %s such calls in a row, all at once, after an untimed batch (so that the "
             "threads exist). *lookup*: `AIO_LOOKUP` of (\"localhost\", 80) and "
             "`await loop.getaddrinfo(\"localhost\", 80, type=socket.SOCK_STREAM)`, %s times in a row, the median: "
             "getaddrinfo on a worker thread (uvloop: on libuv's thread pool); \"127.0.0.1\" is a numeric host, "
             "which ours and uvloop answer without a thread and asyncio sends to its executor. %s" % (
                 cfg["rounds"], "" if cfg["rounds"] == 1 else "s", fmt_int(cfg["n"]), fmt_int(cfg["warmup"]),
                 cfg["k"], cfg["k"], fmt_int(cfg["m"]), fmt_int(cfg["lookups"]),
                 "Each program runs on one core (`taskset -c 0`: the loop and its worker threads take turns on it) "
                 "and on two (`taskset -c 0,1`: a call wakes a thread that may run on the other core, and its end "
                 "wakes the loop back: the case a worker thread is for, work beside the loop's)."
                 if "any" not in cfg["placements"] else
                 "The programs are not pinned (taskset is unavailable or there is one core)."))
    L.append("")
    if th["missing"]:
        L.append("Left out: %s." % "; ".join("%s (%s)" % (THREAD_LABEL[k], v) for k, v in th["missing"].items()))
        L.append("")
    if rows:
        L.append("| who | cores | to_thread round trip | ÷ asyncio | mean | calls/s, %d in flight | ÷ asyncio "
                 "| lookup \"localhost\" | lookup \"127.0.0.1\" |" % cfg["k"])
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        base = {r["cores"]: r for r in rows if r["program"] == "threads_asyncio"}
        for r in rows:
            a = base.get(r["cores"])
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                THREAD_LABEL[r["program"]] + ("" if r["rounds"] == cfg["rounds"] else
                                              " (%d of %d rounds)" % (r["rounds"], cfg["rounds"])),
                cores_label(r["cores"]), fmt_fine_us(r["to_thread_us"]),
                fmt_ratio(r["to_thread_us"], a["to_thread_us"]) if a else "—", fmt_fine_us(r["to_thread_mean_us"]),
                fmt_int(r["in_flight_calls_per_s"]),
                fmt_ratio(r["in_flight_calls_per_s"], a["in_flight_calls_per_s"]) if a else "—",
                fmt_fine_us(r["lookup_localhost_us"]), fmt_fine_us(r["lookup_numeric_us"])))
        L.append("")
    if th["failures"]:
        L.append("Failed: %s." % "; ".join("%s, %s core(s), round %d: %s" % (
            THREAD_LABEL[f["program"]], f["cores"], f["round"], f["why"]) for f in th["failures"]))
        L.append("")
    if th["targets"]:
        L += target_lines(th["targets"])
    first = lambda p: next((r for r in rows if r["program"] == p), None)  # noqa: E731
    notes = []
    o, a, u = first("threads_ours"), first("threads_asyncio"), first("threads_uvloop")
    if o:
        notes.append("aio_timeout.h's pool: at most %s worker threads (`AIO_THREADS_MAX`)" % o["max_threads"])
    if a:
        notes.append("asyncio's default executor: a `ThreadPoolExecutor` of at most %s threads (`min(32, cores + "
                     "4)`), %s of them started" % (a["max_threads"], a["threads_started"]))
    if u:
        notes.append("uvloop: the same executor for `to_thread`, libuv's thread pool (4 threads unless "
                     "`UV_THREADPOOL_SIZE` says otherwise) for `getaddrinfo`")
    if rows:
        notes.append("\"localhost\" has %d address%s here" % (
            rows[0]["lookup_localhost_addresses"], "" if rows[0]["lookup_localhost_addresses"] == 1 else "es"))
    L.append("Versions as above%s. These measurements took %.0f s; `bench/io-results.json` keeps every round's "
             "values (`\"threads\"`: each program's JSON, with p99, minimum and maximum)." % (
                 "".join("; " + n for n in notes), th["elapsed_s"]))
    L.append("")
    return L


# ------------------------------------------------------------------ identity

def header_dir():
    """Where echo_aio found aio_timeout.h (BENCH_INC's first -I)."""
    inc = [w for w in os.environ.get("BENCH_INC", "-I.").split() if w.startswith("-I")]
    d = inc[0][2:] if inc else "."
    return d if os.path.isabs(d) else os.path.join(ROOT, d)


def header_identity():
    """The aio_timeout.h echo_aio was built from (BENCH_INC), and its commit."""
    d = header_dir()
    path = os.path.join(d, "aio_timeout.h")
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError:
        return "unknown"
    head = sh("git -C '%s' rev-parse --short HEAD 2>/dev/null" % d)
    committed = subprocess.run(["git", "-C", d, "show", "HEAD:./aio_timeout.h"], capture_output=True).stdout
    state = ("as committed" if committed == text else "with uncommitted changes") if head else ""
    return "aio_timeout.h sha256 %s%s" % (hashlib.sha256(text).hexdigest()[:12],
                                          (", commit %s %s" % (head, state)) if head else "")


def versions(cmds):
    v = {}
    first = lambda argv: (subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()  # noqa: E731
                          or ["?"])[0]
    deb = lambda pkg: sh("dpkg-query -W -f='${Version}' %s 2>/dev/null" % pkg)  # noqa: E731
    if "ours" in cmds:
        v["aio_timeout.h"] = "%s (%s)" % (header_identity(), first(cmds["ours"] + ["--version"]).split(", ", 1)[-1])
    elif "threads_ours" in cmds:
        v["aio_timeout.h"] = header_identity()
    if "lines_ours" in cmds:
        v["its line server"] = first(cmds["lines_ours"] + ["--version"]).split(", ", 1)[-1]
    if "libuv" in cmds:
        v["libuv"] = "%s (Debian libuv1-dev %s)" % (first(cmds["libuv"] + ["--version"]).replace("libuv ", ""),
                                                    deb("libuv1-dev") or "?")
    if "libevent" in cmds:
        v["libevent"] = "%s (Debian libevent-dev %s)" % (first(cmds["libevent"] + ["--version"]).replace(
            "libevent ", ""), deb("libevent-dev") or "?")
    py = lambda path: "python3" if path == sys.executable else path  # noqa: E731  (PYTHON, or Debian's)
    if "asyncio" in cmds:
        v["asyncio"] = "%s (%s)" % (first(cmds["asyncio"] + ["--version"]), py(cmds["asyncio"][0]))
    elif "threads_asyncio" in cmds:
        v["asyncio"] = "%s (%s)" % (first(cmds["threads_asyncio"] + ["--version"]), py(cmds["threads_asyncio"][0]))
    uv = cmds.get("uvloop") or cmds.get("threads_uvloop")
    if uv:
        v["uvloop"] = "%s (%s; Debian python3-uvloop %s)" % (
            first(uv[:2] + ["--version", "--uvloop"]), py(uv[0]), deb("python3-uvloop") or "?")
    cc = os.environ.get("BENCH_CC", "cc")
    v["compiler"] = "%s, `%s`" % ((sh("%s --version" % cc).splitlines() or [cc])[0],
                                  os.environ.get("BENCH_CFLAGS", "-std=c11 -O2"))
    return v


def machine(pins):
    cpu = sh("grep -m1 'model name' /proc/cpuinfo").split(":", 1)[-1].strip()
    osname = sh(". /etc/os-release 2>/dev/null && echo \"$PRETTY_NAME\"")
    hv = sh("lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor: *//p'")
    return {"cpu": cpu, "cores": os.cpu_count(), "os": osname, "kernel": platform.release(),
            "virtualisation": ("%s virtual machine" % hv) if hv else "",
            "pinned": ("server `%s`, load generator `%s`" % (" ".join(pins[0]), " ".join(pins[1])))
            if pins[0] else "not pinned (taskset unavailable or one core)"}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ------------------------------------------------------------------ main

def write_results(doc, out, full):
    """io-results.json, .svg and the markdown (results.md's section, or io-results.md)."""
    json_path = os.path.join(out, "io-results.json")
    with open(json_path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    svg = svg_plot(doc, os.path.join(out, "io-results.svg"))
    md = markdown(doc, os.path.basename(svg) if svg else None)
    written = [json_path] + ([svg] if svg else [])
    md_path = os.path.join(out, "results.md" if full else "io-results.md")
    if full:
        replace_section(md_path, md)
    else:
        with open(md_path, "w") as f:
            f.write(md)
    written.append(md_path)
    return md, written


def only_syscalls(mode, out, full, cmds, pins, logdir):
    """--only syscalls: that part alone, into the io-results.json of an earlier run."""
    json_path = os.path.join(out, "io-results.json")
    if not os.path.exists(json_path):
        raise SystemExit("bench-io: --only syscalls needs an earlier run's %s" % rel(json_path))
    with open(json_path) as f:
        doc = json.load(f)
    doc["syscalls"] = run_syscalls(mode, cmds, pins, logdir)
    doc["syscalls"]["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    doc["syscalls"]["versions"] = versions({k: v for k, v in cmds.items() if k in SYSCALL_SERVERS})
    doc["syscalls"]["load_before_after"] = loadavg()
    md, written = write_results(doc, out, full)
    log(md)
    log("wrote %s" % ", ".join(rel(p) for p in written))
    if doc["syscalls"]["failures"]:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one round, 100 and 1,000 connections, 1 s each")
    ap.add_argument("--out", help="where the results go (default: bench/ for the full run, "
                                  "build/bench/io/quick/ for the quick one)")
    ap.add_argument("--servers", help="comma-separated subset of: " + ",".join(
        [s for s, _, _ in SERVERS] + [s for s, _ in THREADS] + ["tls"]))
    ap.add_argument("--only", choices=["syscalls"], help="only the system calls and CPU time per request at a "
                                                          "fixed load, put into the io-results.json already there")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    cfg = dict(MODES[mode])
    full = mode == "full" and not args.out
    out = args.out or (os.path.join(ROOT, "bench") if mode == "full" else os.path.join(BIN, "quick"))
    os.makedirs(out, exist_ok=True)
    logdir = os.path.join(BIN, "logs")
    os.makedirs(logdir, exist_ok=True)
    if not os.access(LOADGEN, os.X_OK):
        raise SystemExit("bench-io: %s is missing (make bench-io builds it)" % rel(LOADGEN))

    conns, fd_note = raise_fd_limit(cfg["conns"])
    cfg["conns"] = conns
    cfg["line_conns"] = sorted({min(n, max(conns)) for n in cfg["line_conns"]})
    line_conns = cfg["line_conns"]
    conns_of = lambda name: line_conns if protocol(name) == "line" else conns  # noqa: E731
    all_conns = sorted(set(conns) | set(line_conns))
    port_note = port_range_note(conns)
    if port_note:
        log("bench-io: " + port_note)
    cmds, missing = server_commands()
    if args.servers:
        wanted = args.servers.split(",")
        cmds = {k: v for k, v in cmds.items() if k in wanted}
        missing = {k: v for k, v in missing.items() if k in wanted}
    names = [s for s, _, _ in SERVERS if s in cmds]
    thread_names = [s for s, _ in THREADS if s in cmds]
    thread_missing = {k: missing.pop(k) for k in list(missing) if k in THREAD_LABEL}
    for k, why in missing.items():
        log("bench-io: %s is left out: %s" % (LABEL[k], why))
    for k, why in thread_missing.items():
        log("bench-io: %s (worker threads, lookups) is left out: %s" % (THREAD_LABEL[k], why))
    prio = raise_priority()
    pins = [[], []]
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset") and \
            subprocess.run(["taskset", "-c", "1", "true"]).returncode == 0:
        pins = [["taskset", "-c", "0"], ["taskset", "-c", "1"]]

    if args.only == "syscalls":
        only_syscalls(mode, out, full, cmds, pins, logdir)
        return
    load_before = loadavg()
    start = time.time()
    log("== bench-io (%s): %s; %d round(s) of %s connections (lines: %s), %.1f s warm-up + %.1f s each; %s" % (
        mode, ", ".join(LABEL[s] for s in names), cfg["rounds"], "/".join("{:,}".format(n) for n in conns),
        "/".join("{:,}".format(n) for n in line_conns), cfg["warmup"], cfg["duration"],
        "server on core 0, load generator on core 1" if pins[0] else "not pinned") + ", " + prio)
    runs, failures, retried = {}, [], []
    retries_left = [MAX_RETRIES_TOTAL * cfg["rounds"]]
    quiet_left = [QUIET_BUDGET_S * cfg["rounds"]]
    for rnd in range(cfg["rounds"]):
        order = names[rnd % len(names):] + names[:rnd % len(names)] if names else []
        for n in all_conns:
            for name in order:
                if n not in conns_of(name):
                    continue
                tag = "r%d" % (rnd + 1)
                attempt = 0
                while True:
                    try:
                        r = run_one(cfg, name, cmds[name], n, pins, logdir, tag)
                    except RunFailed as e:
                        log("bench-io: %s with %d connections, round %d: FAILED: %s" % (LABEL[name], n, rnd + 1, e))
                        failures.append({"server": name, "conns": n, "round": rnd + 1, "why": str(e)})
                        r = None
                        break
                    r["disturbed"] = disturbed(r)
                    r["attempt"] = attempt + 1
                    log("round %d  %-19s %6s conns  %9s req/s  p50 %9s  p99 %9s  %7s B/idle conn  server %3.0f%%  "
                        "client %3.0f%%  errors %d%s" % (
                            rnd + 1, LABEL[name], "{:,}".format(n), fmt_int(r["rps"]), fmt_us(r["p50_us"]),
                            fmt_us(r["p99_us"]), fmt_int(r["bytes_per_idle_conn"]), 100 * r["server_cpu"],
                            100 * r["client_cpu"], r["errors"], "  (disturbed)" if r["disturbed"] else ""))
                    if not r["disturbed"] or attempt >= MAX_RETRIES or retries_left[0] <= 0:
                        break
                    attempt += 1
                    retries_left[0] -= 1
                    retried.append({"server": name, "conns": n, "round": rnd + 1, "rps": r["rps"],
                                    "server_cpu": r["server_cpu"], "client_cpu": r["client_cpu"],
                                    "waited_s": round(wait_quiet(quiet_left), 1)})
                if r is not None:
                    runs.setdefault((name, n), []).append(r)
    elapsed = time.time() - start
    syscalls = run_syscalls(mode, cmds, pins, logdir)
    threads = None
    if thread_names or thread_missing:
        tcfg = dict(THREAD_MODES[mode])
        placements = thread_placements(pins)
        log("== bench-io (%s): worker threads and lookups: %s; %d round(s), each %s" % (
            mode, ", ".join(THREAD_LABEL[s] for s in thread_names), tcfg["rounds"],
            " and ".join("`%s`" % " ".join(p) if p else "not pinned" for _, p in placements)))
        tstart = time.time()
        truns, tfailures = run_threads(tcfg, thread_names, cmds, pins, logdir)
        trows = summarise_threads(truns, thread_names, placements)
        threads = {
            "config": dict(tcfg, placements={k: " ".join(p) or "not pinned" for k, p in placements}),
            "missing": thread_missing, "elapsed_s": round(time.time() - tstart, 1), "results": trows,
            "targets": evaluate_threads(trows, placements), "failures": tfailures,
            "raw": [{"program": p, "cores": k, "rounds": rs} for (p, k), rs in sorted(truns.items())],
        }
    tls = None
    if not args.servers or "tls" in args.servers.split(","):
        tls = tls_run.run(mode, pins)
    rows = summarise(runs, names, all_conns)
    m = machine(pins)
    m["pinned"] += ", " + prio
    m["load_before"], m["load_after"] = load_before, loadavg()
    doc = {
        "mode": mode, "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "config": {"rounds": cfg["rounds"], "conns": conns, "line_conns": line_conns, "warmup": cfg["warmup"],
                   "duration": cfg["duration"], "request_bytes": REQUEST_SIZE, "line_bytes": REQUEST_SIZE,
                   "read_size": 4096, "line_buffer": LINE_BUFFER, "max_requests": MAX_REQUESTS},
        "machine": m, "versions": versions(cmds), "fd_limit": fd_note, "port_note": port_note,
        "missing": missing, "elapsed_s": round(elapsed, 1), "results": rows,
        "targets": evaluate(rows, conns) if "ours" in names else [],
        "line_targets": evaluate_lines(rows, line_conns), "failures": failures,
        "busy_threshold": BUSY, "retried": retried,
        "header_elsewhere": "ours" in names and os.path.realpath(header_dir()) != os.path.realpath(ROOT),
        "raw": [{"server": s, "conns": n, "rounds": rs} for (s, n), rs in sorted(runs.items())],
        "threads": threads, "syscalls": syscalls, "tls": tls,
    }
    md, written = write_results(doc, out, full)
    log("== bench-io: results")
    log(md)
    log("wrote %s" % ", ".join(rel(p) for p in written))
    log("bench-io: %d runs (%d run again) in %.0f s%s" % (sum(len(v) for v in runs.values()), len(retried), elapsed,
                                          "; %d FAILED" % len(failures) if failures else ""))
    if threads:
        log("bench-io: worker threads and lookups: %d runs in %.0f s%s" % (
            sum(len(r["rounds"]) for r in threads["raw"]), threads["elapsed_s"],
            "; %d FAILED" % len(threads["failures"]) if threads["failures"] else ""))
    if tls and tls.get("elapsed_s") is not None:
        log("bench-io: TLS: %d runs in %.0f s%s" % (sum(r["rounds"] for r in tls["results"]), tls["elapsed_s"],
                                                    "; %d FAILED" % len(tls["failures"]) if tls["failures"] else ""))
    if failures or (threads and threads["failures"]) or (tls and tls.get("failures")):
        sys.exit(1)


if __name__ == "__main__":
    main()
