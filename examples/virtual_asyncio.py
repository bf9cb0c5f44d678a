# SPDX-License-Identifier: MIT
"""Run the Python originals of the examples on the real clock or on a virtual one.

Each examples/NN_name.py starts with

    from virtual_asyncio import timed_print as print

which does two things:

* Importing this module installs an event loop policy. With `--virtual` on the
  command line (or AIO_VIRTUAL=1 in the environment) asyncio.run() then runs on
  VirtualTimeLoop: a loop whose time() jumps straight to the next timer whenever
  no callback is ready and no socket it waits on is. A program that sleeps for
  minutes finishes at once, and its timing is exact and repeatable, like the C
  examples' virtual clock (aio_loop_use_virtual_clock), also when its tasks talk
  to each other over sockets on 127.0.0.1 (it looks at them without waiting).
  Without it, asyncio.run() uses the ordinary loop and real time.

* timed_print() is print() with the loop's time since the start in front:
  "[ 1.50s] Operation timed out". The C examples print the same prefix, so an
  example's expected output (examples/expected/NN_name.txt) shows both what
  happened and when. Leading newlines of the text go before the prefix; an empty
  line stays empty; outside a running loop the text is printed as it is.

Only the standard library is used; Python 3.11 or newer (asyncio.timeout,
TaskGroup).
"""
import asyncio
import builtins
import os
import selectors
import sys


def virtual_requested():
    """True if --virtual is on the command line or AIO_VIRTUAL is set (not "0")."""
    return "--virtual" in sys.argv[1:] or os.environ.get("AIO_VIRTUAL", "0") not in ("", "0")


class _VirtualSelector(selectors.DefaultSelector):
    """The loop's selector on virtual time: it looks at the sockets without
    waiting; when none is ready it moves the loop's time to the earliest timer
    instead of sleeping."""

    def __init__(self):
        super().__init__()
        self.loop = None

    def select(self, timeout=None):
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise RuntimeError("virtual time: every task waits and no timer is armed")
        # jump exactly to the next timer (adding `timeout` could round off)
        self.loop._virtual_now = max(self.loop._virtual_now, self.loop._scheduled[0]._when)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time. When nothing is ready (no callback, no
    socket) it moves time to the earliest timer instead of sleeping; when
    nothing is ready and no timer is armed, the program could never go on, and
    it says so."""

    def __init__(self):
        self._virtual_now = 0.0
        selector = _VirtualSelector()
        super().__init__(selector)
        selector.loop = self
        self.aio_start = 0.0

    def time(self):
        return self._virtual_now


class RealTimeLoop(asyncio.SelectorEventLoop):
    """The ordinary loop, remembering when it started (for timed_print)."""

    def __init__(self):
        super().__init__()
        self.aio_start = self.time()


class _Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return VirtualTimeLoop() if virtual_requested() else RealTimeLoop()


asyncio.set_event_loop_policy(_Policy())


def timed_print(*args, sep=" ", end="\n", **kwargs):
    """print() with "[ t.tts] " in front, t = the running loop's time since its start."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return builtins.print(*args, sep=sep, end=end, **kwargs)
    text = sep.join(str(a) for a in args)
    if text == "":
        return builtins.print("", end=end, **kwargs)
    stripped = text.lstrip("\n")
    elapsed = loop.time() - getattr(loop, "aio_start", 0.0)
    builtins.print("\n" * (len(text) - len(stripped)) + f"[{elapsed:5.2f}s] " + stripped,
                   end=end, **kwargs)


class Scripted:
    """Stands in for the `random` module where an original uses randomness:
    random() and uniform() return the next value of a fixed list, so a run is
    repeatable and the C port can use the very same numbers."""

    def __init__(self, values):
        self.values = list(values)
        self.used = 0

    def random(self):
        value = self.values[self.used]
        self.used += 1
        return value

    def uniform(self, a, b):
        return a + (b - a) * self.random()  # what random.uniform computes

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]
