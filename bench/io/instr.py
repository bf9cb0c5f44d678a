#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/instr.py - the servers' user-space instructions per request,
counted by callgrind: `make bench-io-instr`.

    python3 bench/io/instr.py [--requests N]

Requests per second and CPU time per request move with the machine's load;
the instructions a server executes per request do not. For each echo and line
server built in build/bench/io (ours on its own loop and on aio_server, and
the floor, bench/io/echo_floor.c), on a fresh server process under
`valgrind --tool=callgrind`:

 1. the load generator (build/bench/io/loadgen) sends 200 requests on one
    connection (warm-up: the first accept, the buffers, the lazy binding);
 2. callgrind's counters are zeroed (callgrind_control -z);
 3. the load generator sends N requests (default 5,000) on one connection,
    one in flight, so every request is one turn of the loop whatever the
    load;
 4. the counters are dumped (callgrind_control -d), and the instructions
    executed (Ir: the program's and the C library's, not the kernel's),
    divided by N, are the figure.

The same header measured twice gives the same figure to a few instructions
in 10,000: a change that costs an instruction per request shows. It is how
the platform's table was shown to cost nothing per request (the system's
table is a constant: the compiler calls its functions directly). To compare
two headers, build the programs against each (BENCH_INC=-I<dir>, see the
Makefile) and run this after each.
"""
import argparse
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "bench", "io")
LOADGEN = os.path.join(BIN, "loadgen")
# (program, what it is, its protocol: the load generator's flag)
SERVERS = [
    ("echo_aio", "echo, aio_timeout.h", []),
    ("echo_server_aio", "echo, aio_timeout.h on aio_server", []),
    ("echo_floor", "echo, floor (epoll)", []),
    ("lines_aio", "lines, aio_timeout.h", ["-l"]),
    ("lines_server_aio", "lines, aio_timeout.h on aio_server", ["-l"]),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, limit=60.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def loadgen(port, n, extra):
    out = subprocess.run([LOADGEN, "-p", str(port), "-c", "1", "-w", "0", "-d", "600", "-n", str(n)] + extra,
                         capture_output=True, text=True, timeout=900)
    m = re.search(r"requests=(\d+).*errors=(\d+)", out.stdout)
    if out.returncode != 0 or not m or int(m.group(2)) != 0:
        raise SystemExit("bench-io-instr: the load generator failed: %s%s" % (out.stdout, out.stderr))
    return int(m.group(1))


def measure(prog, extra, n, tmp):
    port = free_port()
    out = os.path.join(tmp, prog + ".%p")
    server = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                               os.path.join(BIN, prog), str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_listening(port, server):
            raise SystemExit("bench-io-instr: %s did not listen on %d" % (prog, port))
        loadgen(port, 200, extra)
        subprocess.run(["callgrind_control", "-z", str(server.pid)], capture_output=True, check=True)
        done = loadgen(port, n, extra)
        subprocess.run(["callgrind_control", "-d", str(server.pid)], capture_output=True, check=True)
        dumps = sorted(glob.glob(os.path.join(tmp, prog + ".*")), key=os.path.getmtime)
        if not dumps:
            raise SystemExit("bench-io-instr: callgrind wrote no dump for %s" % prog)
        with open(dumps[-1]) as f:
            m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
        if not m:
            raise SystemExit("bench-io-instr: no total in %s's dump" % prog)
        return int(m.group(1)) / done
    finally:
        server.kill()
        server.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=5000, help="requests counted (default 5,000)")
    args = ap.parse_args()
    if args.requests < 1:
        raise SystemExit("bench-io-instr: --requests must be at least 1")
    for tool in ("valgrind", "callgrind_control"):
        if not shutil.which(tool):
            raise SystemExit("bench-io-instr: %s is not installed (apt-get install valgrind)" % tool)
    if not os.access(LOADGEN, os.X_OK):
        raise SystemExit("bench-io-instr: %s is not built (make bench-io-programs)" % LOADGEN)
    print("| server | instructions per request |")
    print("|---|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for prog, what, extra in SERVERS:
            if not os.access(os.path.join(BIN, prog), os.X_OK):
                print("| %s | not built (see make bench-io) |" % what)
                continue
            print("| %s | %s |" % (what, format(round(measure(prog, extra, args.requests, tmp)), ",")))
            sys.stdout.flush()
    print("\n(user-space instructions, the C library's included, over %s requests on one connection)"
          % format(args.requests, ","))


if __name__ == "__main__":
    main()
