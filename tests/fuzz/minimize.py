#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Shrink a failing fuzzer input while it fails the same way.

    python3 tests/fuzz/minimize.py REPLAY INPUT OUTPUT [DECODER]

REPLAY is a replay build of the fuzzer (FUZZ_REPLAY) for the header that
fails: the schedule fuzzer's, or the I/O slot fuzzer's (fuzz_io.c, whose
inputs have the same shape; DECODER, decode_io.py, then prints the result).
"The same way" means the same violated invariant (numbers aside), or the
same sanitizer error in the same function. The input is cut into its
parts (driver commands, task programs, operations), and every part that can
go goes; then bytes are made small. Prints the program it ends with.
"""
import os
import re
import subprocess
import sys
import tempfile


def failure(replay, data):
    """How `data` fails (a string without numbers), or None if it passes."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(data)
        path = f.name
    try:
        r = subprocess.run([replay, path], capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "hang"
    finally:
        os.unlink(path)
    if r.returncode == 0:
        return None
    err = r.stderr.decode("latin-1")
    m = re.search(r"invariant violated \([^)]*\): (.*)", err)
    if m:
        return re.sub(r"-?\d+", "N", m.group(1))
    m = re.search(r"(ERROR: \w+Sanitizer: [\w-]+|runtime error: [^\n]*)", err)
    where = re.search(r" in (aio_\w+) ", err)
    return (m.group(1) if m else f"exit {r.returncode}") + (f" in {where.group(1)}" if where else "")


def split(data):
    """byte 0, the driver's commands, and each task's cleanup byte and operations."""
    chunks = data[1:].split(b"\xff")[:9]
    drv = chunks[0]
    cmds = [drv[i:i + 2] for i in range(0, len(drv) - len(drv) % 2, 2)]
    tasks = []
    for c in chunks[1:]:
        if not c:
            tasks.append(None)
            continue
        tasks.append([c[:1]] + [c[i:i + 3] for i in range(1, len(c) - (len(c) - 1) % 3, 3)])
    return data[:1], cmds, tasks


def join(flags, cmds, tasks):
    while tasks and tasks[-1] is None:
        tasks = tasks[:-1]
    out = flags + b"".join(cmds)
    for t in tasks:
        out += b"\xff" + (b"".join(t) if t is not None else b"")
    return out


def main():
    replay, src, dst = sys.argv[1:4]
    decoder = sys.argv[4] if len(sys.argv) > 4 else "decode.py"
    data = open(src, "rb").read()
    want = failure(replay, data)
    if want is None:
        sys.exit(f"{src} does not fail with {replay}")
    print(f"fails with: {want}", file=sys.stderr)

    def same(candidate):
        return failure(replay, candidate) == want

    changed = True
    while changed:
        changed = False
        flags, cmds, tasks = split(data)
        # drop driver commands, then whole tasks' programs, then operations
        for i in reversed(range(len(cmds))):
            c = join(flags, cmds[:i] + cmds[i + 1:], tasks)
            if same(c):
                cmds, data, changed = cmds[:i] + cmds[i + 1:], c, True
        for k in reversed(range(len(tasks))):
            if tasks[k] is None:
                continue
            t2 = tasks[:k] + [None] + tasks[k + 1:]
            c = join(flags, cmds, t2)
            if same(c):
                tasks, data, changed = t2, c, True
                continue
            for i in reversed(range(1, len(tasks[k]))):
                t2 = tasks[:k] + [tasks[k][:i] + tasks[k][i + 1:]] + tasks[k + 1:]
                c = join(flags, cmds, t2)
                if same(c):
                    tasks, data, changed = t2, c, True
        # then make each byte as small as it can be (a few candidates each)
        for pos in range(len(data)):
            if data[pos] in (0, 0xFF):
                continue
            for v in sorted({0, 1, 2, 3, 8, 31, data[pos] & 31, data[pos] & 7, data[pos] // 2}):
                if v >= data[pos]:
                    continue
                c = data[:pos] + bytes([v]) + data[pos + 1:]  # 0xFF stays where it is
                if same(c):
                    data, changed = c, True
                    break
    open(dst, "wb").write(data)
    print(f"{len(data)} bytes, still: {want}", file=sys.stderr)
    if not os.path.exists(decoder):
        decoder = os.path.join(os.path.dirname(os.path.abspath(__file__)), decoder)
    subprocess.run([sys.executable, decoder, dst])


if __name__ == "__main__":
    main()
