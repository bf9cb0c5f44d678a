#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/io/tls_run.py - the TLS rows of `make bench-io`: the line server
over TLS, and full handshakes, each measured as the SERVER's CPU time per
request (bench/io/tls_load.c reads /proc/PID/stat at the start and the end of
the measured seconds), not as requests per second: the load generator does
TLS too, on one core, and caps those.

    python3 bench/io/tls_run.py [--quick]     (alone: prints the table)
    python3 bench/io/tls_run.py --update      (the full rows, put into
        bench/io-results.json and the section of bench/results.md that
        `make bench-io` wrote, the rest of them kept)

bench/io/run.py calls run() after its other rounds and puts what it returns
in io-results.json ("tls") and its table in results.md. The servers, each a
fresh process pinned to core 0 (the load generator to core 1), in
interleaved rounds (every server once per round, the order rotated):

  floor          build/bench/io/tls_floor: a minimal non-blocking OpenSSL
                 server (epoll, SSL_accept/SSL_read/SSL_write)
  ours           build/bench/io/lines_tls_aio: aio_timeout.h's TLS on its
                 streams, OpenSSL's engine (AIO_TLS_OPENSSL)
  ours_mbedtls   build/bench/io/lines_tls_mbedtls: the same on Mbed TLS's
                 engine (AIO_TLS_MBEDTLS: TLS 1.2, Mbed TLS's own crypto)
  asyncio        bench/io/lines_asyncio.py --tls (start_server(ssl=ctx))
  uvloop         the same with --uvloop

Two rows: "lines" (100 connections, each with its handshake done first, one
64-byte line in flight on each: CPU per line answered), and "handshakes" (4
clients, each one connection at a time: connect, full handshake, one line,
close_notify, close: CPU per connection). The certificate is made here, at
run time, with the openssl command (an ECDSA P-256 key, self-signed, in
build/bench/io/tls/; the client verifies nothing). A server whose program
was not built (no engine headers) is left out, with the reason. Targets
(issue 51): ours at most 1.1x the floor's CPU per request, and at most a
third of asyncio's.
"""
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "build", "bench", "io")
HERE = os.path.join(ROOT, "bench", "io")
LOAD = os.path.join(BIN, "tls_load")

MODES = {
    "full": {"rounds": 2, "warmup": 0.5, "seconds": 2.5, "line_conns": 100, "hs_clients": 4},
    "quick": {"rounds": 1, "warmup": 0.3, "seconds": 1.0, "line_conns": 100, "hs_clients": 4},
}
SERVERS = [
    ("floor", "floor (C, OpenSSL, epoll)"),
    ("ours", "aio_timeout.h, OpenSSL"),
    ("ours_mbedtls", "aio_timeout.h, Mbed TLS"),
    ("asyncio", "asyncio, ssl"),
    ("uvloop", "uvloop, ssl"),
]
LABEL = dict(SERVERS)
ROWS = [("lines", "line over TLS"), ("handshakes", "full handshake")]
FLOOR_FACTOR = 1.1
ASYNCIO_FACTOR = 1 / 3


def log(msg):
    print(msg, flush=True)


def make_cert(d):
    """A self-signed ECDSA P-256 certificate for localhost in d: (cert, key), or None and why."""
    if not shutil.which("openssl"):
        return None, "the openssl command is not installed (apt-get install openssl)"
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, "the openssl command failed: %s" % (r.stderr.strip().splitlines() or ["?"])[-1]
    return (cert, key), None


def uvloop_python():
    for py in [sys.executable, "/usr/bin/python3"]:
        if os.access(py, os.X_OK) and subprocess.run([py, "-c", "import uvloop"], capture_output=True).returncode == 0:
            return py
    return None


def commands(cert, key):
    """name -> argv (the port goes first after the program), and why the others cannot run."""
    cmds, missing = {}, {}
    for name, prog in (("floor", "tls_floor"), ("ours", "lines_tls_aio"), ("ours_mbedtls", "lines_tls_mbedtls")):
        path = os.path.join(BIN, prog)
        if os.access(path, os.X_OK):
            cmds[name] = lambda port, p=path: [p, str(port), cert, key]
        else:
            why = os.path.join(BIN, prog + ".why")
            missing[name] = open(why).read().strip() if os.path.exists(why) else \
                "build/bench/io/%s was not built" % prog
    lines = os.path.join(HERE, "lines_asyncio.py")
    cmds["asyncio"] = lambda port: [sys.executable, lines, str(port), "--tls", cert, key]
    py = uvloop_python()
    if py:
        cmds["uvloop"] = lambda port: [py, lines, str(port), "--uvloop", "--tls", cert, key]
    else:
        missing["uvloop"] = "no python3 here can import uvloop (apt-get install python3-uvloop)"
    return cmds, missing


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, limit=15.0):
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("the server exited (status %d): %s" % (proc.returncode, proc.stderr.read().strip()))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("the server did not listen within %.0f s" % limit)


def run_one(cfg, cmd, row, pins):
    port = free_port()
    proc = subprocess.Popen(pins[0] + cmd(port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_listening(port, proc)
        time.sleep(0.1)
        conns = cfg["line_conns"] if row == "lines" else cfg["hs_clients"]
        r = subprocess.run(pins[1] + [LOAD, row, str(port), str(proc.pid), "conns=%d" % conns,
                                      "warmup=%g" % cfg["warmup"], "seconds=%g" % cfg["seconds"]],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("tls_load failed: %s" % (r.stderr.strip() or r.stdout.strip()))
        out = {}
        for word in r.stdout.split():
            k, _, v = word.partition("=")
            out[k] = float(v)
        return out
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def version(cmd):
    """What the server says with --version (its argv without port and certificate)."""
    argv = cmd(0)
    keep = [a for a in argv if a.endswith(("python3", "python", ".py")) or "python" in os.path.basename(a) or
            a == argv[0]]
    r = subprocess.run(keep + ["--version"] + (["--uvloop"] if "--uvloop" in argv else []),
                       capture_output=True, text=True)
    return (r.stdout.strip().splitlines() or ["?"])[0]


def run(mode="full", pins=None):
    """Measure; returns the "tls" part of io-results.json."""
    cfg = MODES[mode]
    pins = pins or [[], []]
    certs, why = make_cert(os.path.join(BIN, "tls"))
    if not os.access(LOAD, os.X_OK):
        why = why or "build/bench/io/tls_load was not built (no OpenSSL headers: apt-get install libssl-dev)"
    if why:
        log("bench-io: the TLS rows are left out: %s" % why)
        return {"skipped": why}
    cmds, missing = commands(*certs)
    names = [s for s, _ in SERVERS if s in cmds]
    for k, v in missing.items():
        log("bench-io: TLS: %s is left out: %s" % (LABEL[k], v))
    log("== bench-io (%s): TLS: %s; %d round(s), %.1f s warm-up + %.1f s each; lines on %d connections, "
        "handshakes by %d clients" % (mode, ", ".join(LABEL[s] for s in names), cfg["rounds"], cfg["warmup"],
                                      cfg["seconds"], cfg["line_conns"], cfg["hs_clients"]))
    start = time.time()
    runs, failures = {}, []
    for rnd in range(cfg["rounds"]):
        order = names[rnd % len(names):] + names[:rnd % len(names)]
        for row, _ in ROWS:
            for name in order:
                try:
                    r = run_one(cfg, cmds[name], row, pins)
                except (RuntimeError, subprocess.SubprocessError, ValueError) as e:
                    log("bench-io: TLS %s, %s, round %d: FAILED: %s" % (row, LABEL[name], rnd + 1, e))
                    failures.append({"server": name, "row": row, "round": rnd + 1, "why": str(e)})
                    continue
                log("round %d  TLS %-10s %-26s %9.1f us CPU/request  %8.0f req/s  server CPU %.2f s  errors %d" % (
                    rnd + 1, row, LABEL[name], r["cpu_us_per_request"], r["rps"], r["server_cpu_s"],
                    r["errors"]))
                runs.setdefault((row, name), []).append(r)
    results = []
    for row, _ in ROWS:
        for name in names:
            rs = runs.get((row, name))
            if not rs:
                continue
            results.append({"row": row, "server": name,
                            "cpu_us_per_request": round(statistics.median(r["cpu_us_per_request"] for r in rs), 2),
                            "rps": round(statistics.median(r["rps"] for r in rs)),
                            "server_cpu_s": [r["server_cpu_s"] for r in rs],
                            "requests": [int(r["requests"]) for r in rs],
                            "errors": int(sum(r["errors"] for r in rs)), "rounds": len(rs)})
    versions = {}
    for name in names:
        try:
            versions[LABEL[name]] = version(cmds[name])
        except OSError:
            pass
    return {"config": dict(cfg), "certificate": "ECDSA P-256, self-signed, made at run time",
            "results": results, "targets": targets(results), "missing": missing, "failures": failures,
            "versions": versions, "elapsed_s": round(time.time() - start, 1)}


def targets(results):
    fig = {(r["row"], r["server"]): r["cpu_us_per_request"] for r in results}
    out = []
    for row, what in ROWS:
        ours = fig.get((row, "ours"))
        if ours is None:
            continue
        for peer, factor, text in (("floor", FLOOR_FACTOR, "at most 1.1x the floor's CPU per request"),
                                   ("asyncio", ASYNCIO_FACTOR, "at most a third of asyncio's CPU per request")):
            p = fig.get((row, peer))
            if p is None:
                continue
            out.append({"row": row, "target": "%s: %s" % (what, text), "ours_us": ours, "peer_us": p,
                        "ratio": round(ours / p, 4), "met": ours <= factor * p})
    return out


def markdown(tls):
    if not tls:
        return []
    L = ["### TLS: the line server over TLS, and full handshakes", ""]
    if tls.get("skipped"):
        return L + ["Not measured: %s." % tls["skipped"], ""]
    cfg = tls["config"]
    L.append("The server's CPU time per request (user + system, from `/proc/PID/stat` at the start and the end of "
             "the measured %.1f s, after %.1f s of warm-up, ÷ the requests answered in them; the median of %d "
             "round%s, each server a fresh process on core 0, the load generator `bench/io/tls_load.c` on core 1). "
             "*line over TLS*: %d connections, each with its handshake done before, one 64-byte line in flight on "
             "each: CPU per line answered. *full handshake*: %d clients, each one connection at a time (connect, "
             "a full handshake, no session resumed, one line, close_notify): CPU per connection. Requests per "
             "second are given too, but the load generator (TLS on one core) caps them: the CPU time is the "
             "figure. Certificate: %s; OpenSSL's servers (the floor, ours on OpenSSL, asyncio, uvloop) speak "
             "TLS 1.3, Mbed TLS 2.28 TLS 1.2. The floor is `bench/io/tls_floor.c`: epoll and non-blocking "
             "SSL_accept, SSL_read, SSL_write, nothing else." % (
                 cfg["seconds"], cfg["warmup"], cfg["rounds"], "" if cfg["rounds"] == 1 else "s",
                 cfg["line_conns"], cfg["hs_clients"], tls["certificate"]))
    L.append("")
    L.append("| row | server | CPU per request | ÷ floor | ÷ asyncio | requests/s | errors |")
    L.append("|---|---|---:|---:|---:|---:|---:|")
    fig = {(r["row"], r["server"]): r["cpu_us_per_request"] for r in tls["results"]}
    for r in tls["results"]:
        fl, aio = fig.get((r["row"], "floor")), fig.get((r["row"], "asyncio"))
        L.append("| %s | %s | %s µs | %s | %s | {:,} | %d |".format(r["rps"]) % (
            dict(ROWS)[r["row"]], LABEL[r["server"]], "{:,.1f}".format(r["cpu_us_per_request"]),
            "%.2fx" % (r["cpu_us_per_request"] / fl) if fl else "—",
            "%.2fx" % (r["cpu_us_per_request"] / aio) if aio else "—", r["errors"]))
    L.append("")
    if tls["targets"]:
        L.append("Targets (aio_timeout.h on OpenSSL): " + "; ".join(
            "%s: %.2fx, %s" % (t["target"], t["ratio"], "met" if t["met"] else "**not met**") for t in tls["targets"])
            + ".")
        L.append("")
    if tls["missing"]:
        L.append("Left out: %s." % "; ".join("%s (%s)" % (LABEL[k], v) for k, v in tls["missing"].items()))
        L.append("")
    if tls["failures"]:
        L.append("Failed runs: %s." % "; ".join("%s %s round %d: %s" % (f["row"], LABEL[f["server"]], f["round"],
                                                                          f["why"]) for f in tls["failures"]))
        L.append("")
    L.append("Versions: %s. The TLS rows took %.0f s." % (
        "; ".join("%s: %s" % kv for kv in tls["versions"].items()), tls["elapsed_s"]))
    L.append("")
    return L


def update(tls):
    """bench/io-results.json's "tls" replaced, and results.md's section written again from it."""
    import json
    import run as io_run  # (bench/io/run.py)
    path = os.path.join(ROOT, "bench", "io-results.json")
    with open(path) as f:
        doc = json.load(f)
    doc["tls"] = tls
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    svg = os.path.join(ROOT, "bench", "io-results.svg")
    io_run.replace_section(os.path.join(ROOT, "bench", "results.md"),
                           io_run.markdown(doc, os.path.basename(svg) if os.path.exists(svg) else None))
    log("wrote bench/io-results.json and bench/results.md")


if __name__ == "__main__":
    pins = [[], []]
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset") and \
            subprocess.run(["taskset", "-c", "1", "true"]).returncode == 0:
        pins = [["taskset", "-c", "0"], ["taskset", "-c", "1"]]
    doc = run("quick" if "--quick" in sys.argv else "full", pins)
    print("\n".join(markdown(doc)))
    if "--update" in sys.argv and "--quick" not in sys.argv:
        update(doc)
    sys.exit(1 if doc.get("failures") else 0)
