# SPDX-License-Identifier: MIT
"""A server built on aio_server out of descriptors: 100 clients knock on the line
server of example 17 (at most 100 clients), started under `ulimit -n 32`, so that
it can hold about 25 connections at once and its accepts fail with EMFILE.

    python3 tests/checks/server_knock.py SERVER [GRACE]

  1. 100 clients connect at once, each sends a line, waits for its answer
     (20 s at most) and keeps the connection 1 s more: every one must be
     answered (the server keeps serving as connections end and descriptors
     come back), and meanwhile, with
     connections waiting that it cannot accept, the server must not spin (its
     CPU time over 2 s of that, read from /proc on Linux, under 0.25 s);
  2. 100 clients connect at once and say nothing, then stay (10 s); 0.5 s
     later SIGTERM: the server must exit with status 0 once its grace
     (GRACE, 1 s) has passed and within 3 s more, every client it had
     accepted told "server closing: goodbye", the others closed.
It prints one line per check and exits with status 0 if every check passed.
Python 3.8 or later, standard library only; POSIX (ulimit, SIGTERM).
"""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

CLIENTS = 100
failures = []


def check(ok, what):
    print(("[server-knock] " if ok else "[server-knock] FAILED: ") + what, flush=True)
    if not ok:
        failures.append(what)


def cpu_seconds(pid):
    """The process's user and system time (Linux: /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Client(threading.Thread):
    def __init__(self, port, n, line, hold=0.0):
        super().__init__(daemon=True)
        self.port, self.n, self.line, self.hold = port, n, line, hold
        self.got = None  # the first line the server sent ("" if it closed first)
        self.sock = None
        self.connected = threading.Event()

    def run(self):
        try:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=20)
            self.connected.set()
            if self.line:
                self.sock.sendall(self.line.encode() + b"\n")
            data = b""
            while b"\n" not in data:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.got = data.split(b"\n")[0].decode(errors="replace")
            time.sleep(self.hold)  # (the connection held: the server stays out of descriptors)
        except OSError as e:
            self.got = f"<{type(e).__name__}>"
        finally:
            self.connected.set()
            if self.sock:
                self.sock.close()


def start(command):
    proc = subprocess.Popen(["sh", "-c", 'ulimit -n 32 && exec "$@"', "sh"] + command,
                            stdout=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    if " port " not in first:
        proc.kill()
        sys.exit(f"the server did not print its port: {first!r}")
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    return proc, int(first.split()[-1]), lines, reader


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    server, grace = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 1.0

    # 1. served while out of descriptors, without spinning
    proc, port, lines, reader = start([server, "0", str(CLIENTS)])
    clients = [Client(port, i, f"knock {i}", 1.0) for i in range(CLIENTS)]
    for c in clients:
        c.start()
    time.sleep(0.3)
    before = cpu_seconds(proc.pid)
    time.sleep(2.0)
    after = cpu_seconds(proc.pid)
    for c in clients:
        c.join(20)
    answered = sum(c.got == f"KNOCK {c.n}" for c in clients)
    check(answered == CLIENTS, f"{answered} of {CLIENTS} clients answered under ulimit -n 32")
    if before is not None and after is not None:
        check(after - before < 0.25, f"the server used {after - before:.2f} s of CPU in 2 s out of descriptors")
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        status = None
    check(status == 0, f"after the first clients, SIGTERM: exit status {status}")
    reader.join(5)
    check(any("client refused" in line for line in lines) is False, "no client was refused (the limit is 100)")

    # 2. SIGTERM while out of descriptors, with clients waiting
    proc, port, lines, reader = start([server, "0", str(CLIENTS)])
    clients = [Client(port, i, "", 10.0) for i in range(CLIENTS)]
    for c in clients:
        c.start()
    for c in clients:
        c.connected.wait(10)
    time.sleep(0.5)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(grace + 3.0)
        took = time.monotonic() - signalled
    except subprocess.TimeoutExpired:
        proc.kill()
        status, took = None, None
    check(status == 0 and took is not None and took >= grace * 0.8,
          f"SIGTERM with {CLIENTS} clients knocking: exit status {status}"
          + (f" {took:.2f} s after it (the grace: {grace:g} s)" if took is not None else " (not within the grace)"))
    for c in clients:
        c.join(5)
    told = sum(c.got == "server closing: goodbye" for c in clients)
    rest = sum(c.got in ("", "<ConnectionResetError>") for c in clients)
    check(told >= 10, f"{told} clients accepted before SIGTERM were told goodbye")
    check(told + rest == CLIENTS, f"the other {rest} were closed ({CLIENTS - told - rest} saw something else)")
    reader.join(5)
    check("server closed" in "".join(lines), "the server printed \"server closed\"")
    print(f"[server-knock] {'every check passed' if not failures else f'{len(failures)} checks failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
