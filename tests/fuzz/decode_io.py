#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print an I/O slot fuzzer input (fuzz_io.c) as a readable program.

    python3 tests/fuzz/decode_io.py FILE...
    python3 tests/fuzz/decode_io.py --canonical FILE...   # rewrite in place

--canonical writes each opcode and driver command byte below the number of
operations or commands, so that an operation added at the end of the list
does not change what the input does (tests/fuzz/README.md); it is how an
input from libFuzzer is kept as a regression.
"""
import sys

NT = 4  # task slots
NH = 3  # connection handles
OPS = ["recv", "wait_readable", "wait_writable", "send_all", "read_some", "read_exactly", "accept",
       "yield", "sleep", "write", "drain", "close", "open", "cancel", "set_io", "peer_close",
       "connect", "listen_close", "spawn", "write_line", "read_line", "close_under",
       "stream_write", "write_limits", "stream_drain", "stream_send"]
IO_OPS = 7  # (and read_line)
ACTIONS = OPS[OPS.index("write"):OPS.index("write_line") + 1] + ["close_under", "stream_write",
                                                                  "write_limits"]  # (the driver's, in its order)
DRIVER = ["step", "next", "advance", "settle"] + ACTIONS
PORTS = ["NULL (the system's at the next wait)", "port A (grows)", "port B (64 fixed slots)"]
SBUF, RBUF, BIG = 16, 24, 48 * 1024
SIZES = [(4, 16), (1, 1), (1, 3), (2, 8), (3, 3), (3, 10), (5, 20), (16, 64)]  # a stream's (start, limit)
COUNT = [SBUF]  # the largest count a read may ask (the input's streams say)


def streams(flags):
    """The streams byte 0 says (bits 3-7)."""
    start, limit = SIZES[flags >> 5]
    if flags & 8:
        COUNT[0] = limit
        kind = f"growing from {start} to {limit} bytes"
    else:
        COUNT[0] = limit if flags >> 5 else SBUF
        kind = f"fixed, {COUNT[0]} bytes"
    return kind + (", through the program's transport" if flags & 16 else "")


def dur(b):
    return "never" if b & 7 == 7 else f"{[0, 1, 2, 3, 5, 10, 20][b & 7]} ms"


def action(name, a, x):
    """What an action does: `a` names the handle, task or port, `x` how."""
    h = a % NH
    if name == "write":
        return f"write {x % 16 + 1} bytes into handle {h}'s peer"
    if name == "write_line":
        return f"write a line of {x % 16 + 1} bytes (the last a newline) into handle {h}'s peer"
    if name == "drain":
        amount = {0: "4096 bytes", 1: "everything"}.get(x & 3, f"{(x >> 2) % 16 + 1} bytes")
        return f"drain {amount} from handle {h}'s peer"
    if name == "close":
        how = "aio_io_forget + close" if x & 1 else "aio_close"
        more = ""
        if not x & 2:
            more = ", then a new socketpair in it" + (" (ends swapped)" if (x >> 3) & 1 else "")
            if not x & 4:
                more += f" with {(x >> 4) % 8 + 1} bytes written"
        return f"close handle {h} ({how}){more}"
    if name == "open":
        return (f"open handle {h} (closing what it holds with "
                f"{'aio_io_forget + close' if x & 2 else 'aio_close'}){' ends swapped' if x & 1 else ''}")
    if name == "cancel":
        return f"cancel task {a % NT}"
    if name == "set_io":
        return f"aio_loop_set_io({PORTS[a % 3]})"
    if name == "peer_close":
        return f"close handle {h}'s peer"
    if name == "connect":
        return "a client connects to the listener"
    if name == "listen_close":
        return (f"close the listener ({'aio_io_forget + close' if x & 1 else 'aio_close'})"
                f"{', then a new one' if x & 2 else ''}")
    if name == "close_under":
        how = "aio_io_forget + close" if x & 1 else "aio_close"
        more = ""
        if not x & 2:
            more = ", then a new socketpair on no handle" + (" (ends swapped)" if (x >> 3) & 1 else "")
            if not x & 4:
                more += f" with {(x >> 4) % 8 + 1} bytes written"
        return f"close handle {h}'s socket under its stream, which the handle keeps ({how}){more}"
    if name == "stream_write":
        return f"aio_stream_write of {6000 if x & 8 else x % 8 + 1} bytes into handle {h}'s stream"
    if name == "write_limits":
        high = (x & 3) * 1024
        low = high if x & 4 else high // 4
        bound = "4 KiB" if x & 8 else "1 MiB"
        return f"aio_stream_set_write_limits of handle {h}'s stream: high {high}, low {low}, bound {bound}"
    return f"spawn task {a % NT} again (if it ended)"


def operation(op, a, b):
    name = OPS[op % len(OPS)]
    h = a % NH
    if name == "recv":
        return f"AIO_RECV handle {h}, {(a >> 2) % RBUF + 1} bytes, {dur(b)}"
    if name in ("wait_readable", "wait_writable"):
        return f"AIO_{name.upper()} handle {h}, {dur(b)}"
    if name == "send_all":
        n = BIG if a & 4 else (a >> 3) % 16 + 1
        return f"AIO_SEND_ALL handle {h}, {n} bytes, {dur(b)}"
    if name == "read_some":
        return f"AIO_READ_SOME handle {h}'s stream, {dur(b)}"
    if name == "read_exactly":
        return f"AIO_READ_EXACTLY handle {h}'s stream, {(a >> 2) % COUNT[0] + 1} bytes, {dur(b)}"
    if name == "read_line":
        return f"AIO_READ_LINE handle {h}'s stream, {dur(b)} (AIO_ELIMIT: what it holds dropped)"
    if name == "accept":
        return f"AIO_ACCEPT on the listener, {dur(b)}"
    if name == "stream_drain":
        return f"AIO_DRAIN handle {h}'s stream, {dur(b)}"
    if name == "stream_send":
        n = 6000 if a & 4 else (a >> 3) % 16 + 1
        return f"AIO_STREAM_WRITE handle {h}'s stream, {n} bytes, {dur(b)}"
    if name == "yield":
        return "AIO_YIELD"
    if name == "sleep":
        return f"AIO_SLEEP {dur(b)}"
    return action(name, a, b)


def split(data):
    chunks = data[1:].split(b"\xff")
    return data[0], chunks[0], chunks[1:NT + 1]


def describe(data):
    if not data:
        return ["(empty)"]
    flags, drv, tasks = split(data)
    port = flags & 3
    start = PORTS[port] if port in (1, 2) else "no port (the system's at the first wait)"
    listener = ", no listener" if flags & 4 else ", a listener"
    out = [f"flags {flags:#04x}: the loop starts with {start}{listener}; streams {streams(flags)}"]
    out.append("driver:")
    for i in range(0, len(drv) - 1, 2):
        cmd, a = DRIVER[drv[i] % len(DRIVER)], drv[i + 1]
        if cmd == "advance":
            out.append(f"  advance {a % 16 + 1} ms (not past the next timer)")
        elif cmd in ACTIONS:
            out.append("  " + action(cmd, a & 7, a >> 3))
        else:
            out.append(f"  {cmd}")
    out.append("  (then: run until quiet, cancel what waits, close everything)")
    for k, t in enumerate(tasks):
        if not t:
            continue
        out.append(f"task {k} (runs its program {(t[0] & 3) + 1} time(s)):")
        for i in range(1, len(t) - 2, 3):
            out.append("  " + operation(t[i], t[i + 1], t[i + 2]))
    return out


def canonical(data):
    """The same input with opcode and command bytes below their counts."""
    if not data:
        return data
    flags, drv, tasks = split(data)
    drv = bytes(b % len(DRIVER) if i % 2 == 0 else b for i, b in enumerate(drv))
    out = bytes([flags]) + drv
    rest = data[1:].split(b"\xff")[NT + 1:]
    for t in tasks:
        t = bytearray(t)
        for i in range(1, len(t) - 2, 3):
            t[i] %= len(OPS)
        out += b"\xff" + bytes(t)
    for r in rest:
        out += b"\xff" + r
    return out


def main():
    args = sys.argv[1:]
    rewrite = args[:1] == ["--canonical"]
    if rewrite:
        args = args[1:]
    for path in args:
        data = open(path, "rb").read()
        if rewrite:
            open(path, "wb").write(canonical(data))
            continue
        if len(args) > 1:
            print(f"== {path}")
        print("\n".join(describe(data)))


if __name__ == "__main__":
    main()
