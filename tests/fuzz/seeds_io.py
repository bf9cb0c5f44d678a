#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the I/O slot fuzzer's seed corpus (tests/fuzz/corpus-io/).

    python3 tests/fuzz/seeds_io.py

Each seed is a small program that exercises one documented rule of a wait
on a descriptor the way the library keeps it (each passes); libFuzzer
starts from them and mutates. The format is in tests/fuzz/README.md.
"""
import os

from decode_io import DRIVER, OPS

HERE = os.path.dirname(os.path.abspath(__file__))
NEVER = 7
MS = {0: 0, 1: 1, 2: 2, 3: 3, 5: 4, 10: 5, 20: 6}  # the duration codes of dur()


def d(ms):
    return NEVER if ms is None else MS[ms]


def op(name, a=0, b=0):
    return bytes([OPS.index(name), a, b])


def arg(h, test):
    """The smallest byte `a` naming handle h (a % 3) for which test(a) holds."""
    return next(a for a in range(255) if a % 3 == h and test(a))


def recv(h, n=16, ms=None):
    return op("recv", arg(h, lambda a: (a >> 2) % 24 + 1 == n), d(ms))


def cmd(name, a=0):
    return bytes([DRIVER.index(name), a])


def act(name, h=0, x=0):
    """A driver action: handle (or task, port) h, how x."""
    return cmd(name, (x << 3) | h)


def task(*ops, reps=1):
    return bytes([reps - 1]) + b"".join(ops)


def program(driver=(), tasks=(), flags=0):
    out = bytes([flags]) + b"".join(driver)
    for t in tasks:
        out += b"\xff" + t
    return out


def exactly(h, n, count, ms=None):
    """AIO_READ_EXACTLY of n bytes on handle h's stream, whose largest count is `count`."""
    return op("read_exactly", arg(h, lambda a: (a >> 2) % count + 1 == n), d(ms))


def act_op(name, h=0, x=0):
    """A task's action (a, b): handle h, how x."""
    return op(name, h, x)


def write(h, n, line=False):
    """n bytes into handle h's peer (with line, the last a newline)."""
    return op("write_line" if line else "write", h, n - 1)


# byte 0's streams: growing, through the program's transport, and SIZES[k] (decode_io.py) as k << 5
GROW, OWN = 8, 16

# close's x: bit 0 aio_io_forget + close, bit 1 no new connection, bit 2 nothing written into it
NO_REOPEN = 2
FORGET = 1
NO_WRITE = 4

SEEDS = {
    # a receive woken by bytes written by another task
    "recv-after-write": program(tasks=[task(recv(0, 8, 20)), task(op("write", 0, 5))]),
    # a receive whose deadline passes: AIO_ETIMEDOUT at exactly its deadline
    "recv-times-out": program([cmd("next")] * 3, [task(recv(1, 4, 5))]),
    # cancelled while parked: it unwinds and takes nothing; the bytes stay
    "recv-cancelled-while-parked": program([cmd("step"), act("cancel", 0), act("write", 0, 3), cmd("step")],
                                           [task(recv(0, 4)), task(op("sleep", 0, d(2)), op("recv", 0, d(5)))]),
    # closed while parked (aio_close, then the number taken by a new socketpair with bytes): AIO_ECLOSED
    "recv-closed-while-parked": program([cmd("step"), act("close", 0, 0), cmd("step")], [task(recv(0, 8))]),
    # the same with aio_io_forget and close
    "recv-forgotten-while-parked": program([cmd("step"), act("close", 2, FORGET | NO_REOPEN), cmd("step")],
                                           [task(recv(2, 8, 20))]),
    # a readiness wait each way, and a second reader refused with AIO_EBUSY
    "readable-writable-busy": program(tasks=[task(op("wait_readable", 1, d(10))), task(op("wait_writable", 1, d(10))),
                                             task(op("wait_readable", 1, d(3))),
                                             task(op("sleep", 0, d(1)), op("write", 1, 2))]),
    # a send that fills the socket waits for room, which drains make
    "send-all-waits-for-room": program([cmd("step")] + [act("drain", 0, 1), cmd("step")] * 12,
                                       [task(op("send_all", arg(0, lambda a: a & 4), NEVER))]),
    # a small send, then a drain that finds it, tagged
    "send-small-then-drain": program([cmd("settle"), act("drain", 1, 0)], [task(op("send_all", arg(1, lambda a: not a & 4 and (a >> 3) % 16 + 1 == 6), d(5)))]),
    # stream reads: exactly 5 bytes arriving in two parts, then what is left
    "stream-reads": program(tasks=[task(op("read_exactly", arg(2, lambda a: (a >> 2) % 16 + 1 == 5), d(20)), op("read_some", 2, d(5))),
                                   task(op("write", 2, 2), op("sleep", 0, d(2)), op("write", 2, 3),
                                        op("write", 2, 1))]),
    # accept a client of the listener
    "accept-a-client": program([cmd("step"), act("connect"), cmd("step"), cmd("step")],
                               [task(op("accept", 0, d(20)), op("accept", 0, d(1)))]),
    # the listener closed while an accept waits, and a new one in its number
    "accept-listener-closed": program([cmd("step"), act("listen_close", 0, 2), act("connect"), cmd("step")],
                                      [task(op("accept", 0, NEVER), op("accept", 0, d(3)))]),
    # the fuzzer's own ports: set while nobody waits, used, replaced, then the system's again
    "ports-changed-while-idle": program([act("write", 0, 2), cmd("settle"), act("set_io", 2), cmd("next"),
                                         act("write", 0, 2), cmd("step"), cmd("step"), act("set_io", 0), cmd("next"),
                                         act("write", 0, 2), cmd("settle")],
                                        [task(recv(0, 4, 10), op("sleep", 0, d(5)), recv(0, 4, 10),
                                              op("sleep", 0, d(5)), recv(0, 4, 10))], flags=1),
    # set_io refused while a task waits
    "set-io-refused-while-parked": program([cmd("step"), act("set_io", 1), act("set_io", 0), act("write", 1, 0),
                                            cmd("step"), cmd("step")], [task(recv(1, 2))]),
    # the peer closes: the end of the stream, and a send fails
    "peer-closed": program([cmd("step"), act("peer_close", 0), cmd("settle")],
                           [task(recv(0, 4, 10), op("send_all", arg(0, lambda a: not a & 4 and (a >> 3) % 16 + 1 == 3), d(5)))]),
    # readiness seen before the deadline wins over it, even when the clock passes it before the task runs
    # (another task's turn keeps the turn that wakes it from running it)
    "recv-ready-then-deadline-passes": program([cmd("step"), act("write", 0, 3), cmd("step"), act("advance", 9),
                                                cmd("step")],
                                               [task(recv(0, 4, 2)), task(op("yield"), op("yield"), op("yield"))]),
    # woken by readiness, then cancelled before it runs: it unwinds and the bytes stay
    "recv-cancelled-after-readiness": program(tasks=[task(recv(0, 4, 20)),
                                                     task(op("write", 0, 3), op("yield"), op("cancel", 0, 0)),
                                                     task(op("sleep", 0, d(1)), recv(0, 8, 5))]),
    # woken by readiness while another task yields, which then writes elsewhere and waits itself
    "tasks-yield-between-wake-and-run": program(tasks=[task(recv(0, 4, 20), recv(1, 4, 20)),
                                                       task(op("write", 0, 1), op("yield"), op("write", 1, 1),
                                                            op("wait_writable", 2, d(5)))]),
    # a task spawned again after it ended, on a connection opened anew
    "spawn-again-new-connection": program([cmd("step"), cmd("next"), act("open", 0), act("spawn", 0),
                                           act("write", 0, 1), cmd("settle")], [task(recv(0, 4, 3))]),
    # a stream read waiting when its socket is closed under it (aio_close), a new socket taking the number
    # with bytes of its own: the read gives AIO_ECLOSED, and so does the next, which reads none of them
    "stream-closed-under-while-reading": program([cmd("step"), act("close_under", 0, 0), cmd("settle")],
                                                 [task(op("read_some", 0, d(None)), op("read_some", 0, d(5)))]),
    # the same with the stream idle at the close (aio_io_forget and close), after a read
    "stream-closed-under-idle": program([act("write", 0, 3), cmd("step"), act("close_under", 0, FORGET),
                                         cmd("next"), cmd("settle")],
                                        [task(op("read_some", 0, d(5)), op("sleep", 0, d(1)),
                                              op("read_exactly", 0, d(5)), op("read_some", 0, d(5)))]),
    # the same before the stream's first read, before the loop waited on anything
    "stream-closed-under-before-use": program([act("close_under", 0, 0), cmd("settle")],
                                              [task(op("read_some", 0, d(5)))]),
    # the loop's port changed after the stream was set up (its slot in the new port too), then the close
    "stream-closed-under-after-ports-changed": program([act("set_io", 2), act("set_io", 1), act("close_under", 0, 0),
                                                        cmd("settle")], [task(op("read_some", 0, d(5)))], flags=1),
    # the close, then the port detached and the system's started again: what it counted goes with it
    "stream-closed-under-port-detached": program([act("close_under", 0, FORGET), act("set_io", 0), cmd("settle")],
                                                 [task(op("read_some", 0, d(5)))], flags=1),
    # the port detached, then the close, then the system's started again
    "stream-closed-under-while-detached": program([act("set_io", 0), act("close_under", 0, FORGET), cmd("settle")],
                                                  [task(op("read_some", 0, d(5)))], flags=1),
    # a growing stream (2 up to 8) through the program's transport, closed under while both hold bytes of
    # its own (3 read of 7): its line, its count and its read_some give AIO_ECLOSED, the transport untouched
    "stream-closed-under-growing-transport": program([act("write", 0, 6), cmd("step"), act("close_under", 0, 0),
                                                      cmd("next"), cmd("settle")],
                                                     [task(exactly(0, 3, 8, 5), op("sleep", 0, d(1)),
                                                           op("read_line", 0, d(5)), exactly(0, 2, 8, 5),
                                                           op("read_some", 0, d(5)))], flags=GROW | OWN | 3 << 5),
    # several rounds of a program on two connections
    "rounds-on-two-connections": program(tasks=[task(recv(0, 4, 10), op("send_all", arg(1, lambda a: not a & 4 and (a >> 3) % 16 + 1 == 4), d(10)), reps=3),
                                                task(op("write", 0, 1), op("drain", 1, 0), op("sleep", 0, d(1)),
                                                     reps=3)]),
    # a growing stream (16 bytes up to 64) grown to 64 by a count, then holding exactly its start when a
    # line needs more, the line's rest in the socket: the line is whole, and the next
    "growing-holds-its-start": program(tasks=[task(exactly(0, 33, 64, 20), exactly(0, 15, 64, 20),
                                                   op("read_line", 0, d(20)), op("read_line", 0, d(20))),
                                              task(*[write(0, 16)] * 4, write(0, 3, True), write(0, 4, True))],
                                       flags=GROW | 7 << 5),
    # the same from 4 bytes up to 16, the line's rest 5 ms later
    "growing-holds-its-start-small": program(tasks=[task(exactly(1, 9, 16, 20), exactly(1, 3, 16, 20),
                                                         op("read_line", 1, d(20))),
                                                    task(write(1, 16), op("sleep", 0, d(5)), write(1, 2, True))],
                                             flags=GROW),
    # and through the program's transport, which takes 7 bytes at a time and holds what the stream has no
    # room for: 14 received of a stream of 4 up to 16, 10 read, 4 held when the line needs more
    "growing-holds-its-start-transport": program(tasks=[task(exactly(0, 9, 16, 20), exactly(0, 1, 16, 20),
                                                             op("read_line", 0, d(20))),
                                                        task(write(0, 16), write(0, 3, True))], flags=GROW | OWN),
    # lines of its start, one more, its limit with the newline, one more (AIO_ELIMIT), on a stream of 3 up to 10
    "growing-lines-around-the-limit": program(tasks=[task(op("read_line", 2, d(10)), op("read_line", 2, d(10)), reps=3),
                                                     task(write(2, 3, True), write(2, 4, True), write(2, 11, True),
                                                          write(2, 12, True), write(2, 2, True))], flags=GROW | 5 << 5),
    # lines a little longer than the start (4), each in two halves: the stream keeps its size between them;
    # then short lines, each read alone; through the transport
    "growing-lines-in-halves": program(tasks=[task(op("read_line", 0, d(20)), reps=4),
                                              task(write(0, 3), op("sleep", 0, d(1)), write(0, 3, True),
                                                   op("sleep", 0, d(1)), reps=4),
                                              task(op("sleep", 0, d(20)), write(0, 2, True), op("read_some", 0, d(5)),
                                                   reps=4)], flags=GROW | OWN),
    # three tasks write one stream at once (aio_stream_write, 6000 bytes: more than the socket takes), one
    # drains; the peer reads a little at a time
    "stream-writes-from-three-tasks": program([cmd("step"), act("drain", 0, 2 | 7 << 2), cmd("step")] * 4,
                                              [task(act_op("stream_write", 0, 8), op("stream_drain", 0, d(20)), reps=2),
                                               task(act_op("stream_write", 0, 3), op("yield"), act_op("stream_write", 0, 8)),
                                               task(act_op("stream_write", 0, 8 | 5), op("stream_drain", 0, d(None)))]),
    # a drain with low limits that times out at its deadline, the peer reading nothing
    "stream-drain-times-out": program([cmd("next")] * 4,
                                      [task(act_op("write_limits", 0, 1), act_op("stream_write", 0, 8),
                                            act_op("stream_write", 0, 8), op("stream_drain", 0, d(5)))]),
    # a bound of 4 KiB reached (AIO_ELIMIT), then the buffer drained by the peer and written again
    "stream-write-bound": program([cmd("settle"), act("drain", 1, 1), cmd("settle"), act("drain", 1, 1),
                                   cmd("settle")],
                                  [task(act_op("write_limits", 1, 8 | 2), *[act_op("stream_write", 1, 8)] * 4,
                                        op("sleep", 0, d(1)), act_op("stream_write", 1, 8))]),
    # AIO_STREAM_WRITE of 6000 bytes cut by a cancel, then aio_stream_write after it; a second one refused
    # while the first waits
    "stream-send-cut-by-cancel": program([cmd("step"), act("cancel", 0), cmd("step"), act("drain", 2, 1),
                                          cmd("settle"), act("drain", 2, 1)],
                                         [task(op("stream_send", arg(2, lambda a: a & 4), d(None))),
                                          task(op("stream_send", arg(2, lambda a: not a & 4), d(5)),
                                               op("sleep", 0, d(1)), act_op("stream_write", 2, 6))]),
    # AIO_STREAM_WRITE cut by its deadline, then a write, and the socket closed under the stream with bytes
    # buffered (a new socket takes the number): the writes and the drain give AIO_ECLOSED
    "stream-writes-closed-under": program([cmd("step"), cmd("next"), cmd("step"), act("close_under", 0, 0),
                                           cmd("settle")],
                                          [task(op("stream_send", arg(0, lambda a: a & 4), d(2)),
                                                act_op("stream_write", 0, 8), op("stream_drain", 0, d(None)),
                                                act_op("stream_write", 0, 2))]),
    # the peer closes with bytes buffered: the stream's error, for the writes and the drain
    "stream-writes-peer-closed": program([cmd("step"), act("peer_close", 1), cmd("settle")],
                                         [task(act_op("stream_write", 1, 8), act_op("stream_write", 1, 8),
                                               op("stream_drain", 1, d(20)), act_op("stream_write", 1, 1))],
                                         flags=OWN),
    # a stream of 1 byte: counts of one, lines that are a newline alone, a longer one refused
    "one-byte-stream": program([cmd("settle"), act("write_line", 1, 0), act("write_line", 1, 2), cmd("settle")],
                               [task(op("read_line", 1, d(10)), op("read_line", 1, d(10)), exactly(1, 1, 1, 10),
                                     op("read_line", 1, d(10)))], flags=1 << 5),
}


def main():
    out = os.path.join(HERE, "corpus-io")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds written to {out}")


if __name__ == "__main__":
    main()
