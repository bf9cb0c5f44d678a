#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""aio_trace.py - what the instruments of aio_timeout.h recorded, as a picture.

    python3 tools/aio_trace.py TRACE.txt --json out.json --svg out.svg

TRACE.txt is the text that aio_recorder_dump writes (docs/timeline.md): a
first line `aio-trace 1 ticks_per_sec=N` (with ` time_bits=32` from a build
whose 32-bit ticks wrap), comment lines starting with `#`, then one record
per line, `TIME KIND TASK OTHER DETAIL VALUE`. Times are read in the file's
order, each the one before it plus their difference on the clock's width
(the way the library compares them), so a ring that spans the 32-bit wrap
keeps its order; a task's label comes with `%XX` escapes, decoded here.

--json writes a trace in the Trace Event Format (the JSON object form) that
ui.perfetto.dev and chrome://tracing open: one track per task, named after it,
with a slice for each step (step .. stepped), for each wait (suspend .. the
task's next wake, else its next step or its end) and for each timeout block
or group (the steps that entered and left it), instants for spawns, cancels,
deadlines that fire, cleanups and ends, an arrow from the task that asked for
each cancel to the task cancelled, and the loop's idle waits on a track of
their own.

--svg writes the same as one self-contained SVG timeline (no script, fonts or
links): a lane per task, a time axis, markers, arrows and a legend.

Without --json or --svg it only reads the trace and prints a summary. A line
that is not a record ends it with exit status 2 and a message naming the line.
Python 3 standard library only.
"""

import argparse
import json
import math
import os
import re
import sys
from fractions import Fraction

FORMAT_VERSION = 1
KINDS = ("name", "spawn", "step", "stepped", "suspend", "wake", "cancel", "enter", "leave",
         "fire", "cleanup", "end", "idle", "awake", "grow", "full")
LOOP_KINDS = frozenset(("idle", "awake", "grow", "full"))
# records that show the task itself doing something (not a request from another)
ACTIVE_KINDS = frozenset(("spawn", "step", "stepped", "suspend", "wake", "enter", "leave",
                          "cleanup", "end"))
HEADER_RE = re.compile(r"aio-trace (\d+) ticks_per_sec=(\d+)(?: time_bits=(\d+))?\Z")
ID_RE = re.compile(r"0[xX][0-9a-fA-F]+\Z")
TIME_RE = re.compile(r"[0-9]+\Z")
VALUE_RE = re.compile(r"-?[0-9]+\Z")
LOST_RE = re.compile(r"#\s*(\d+) earlier records? (?:were|was) written over")
ESCAPE_RE = re.compile(r"%([0-9A-Fa-f]{2})")
DEADLINE_KINDS = frozenset(("enter", "idle"))  # VALUE is a deadline in ticks, -1 for none

STATUS_NAMES = {
    0: "ok", -1: "cancelled", -2: "timed out", -3: "invalid argument",
    -4: "no timer slot left", -5: "busy", -6: "not finished", -7: "waits forever",
    -8: "a child was cancelled", -9: "queue full", -10: "queue empty",
    -11: "queue shut down", -12: "closed", -13: "bad descriptor",
    -14: "connection reset", -15: "connection refused", -16: "system error",
}


def status_name(value, result=False):
    """A status as words: `result N` for a task's result (result=True)."""
    if value >= 0:
        return "result %d" % value if result or value > 0 else "ok"
    if value in STATUS_NAMES:
        return STATUS_NAMES[value]
    if value <= -64:
        return "user error %d" % value
    return "error %d" % value


class TraceError(Exception):
    def __init__(self, lineno, message):
        Exception.__init__(self, message)
        self.lineno = lineno
        self.message = message


class Record:
    __slots__ = ("time", "kind", "task", "other", "detail", "value", "lineno")

    def __init__(self, time, kind, task, other, detail, value, lineno):
        self.time, self.kind, self.task, self.other = time, kind, task, other
        self.detail, self.value, self.lineno = detail, value, lineno


class Trace:
    def __init__(self, ticks_per_sec, records, lost, out_of_order, time_bits=64):
        self.ticks_per_sec = ticks_per_sec
        self.time_bits = time_bits      # the clock's width: its times wrap at 2**time_bits
        self.records = records          # sorted by time, file order among equal times
        self.lost = lost                # records the ring wrote over (from its comment)
        self.out_of_order = out_of_order  # how many records went back in time


def parse(text):
    """The records of a text trace; TraceError for the first malformed line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise TraceError(1, "empty trace: expected a first line 'aio-trace 1 ticks_per_sec=N'")
    head = lines[0].rstrip("\r")
    if head.startswith("\ufeff"):
        head = head[1:]
    m = HEADER_RE.match(head)
    if not m:
        raise TraceError(1, "expected 'aio-trace 1 ticks_per_sec=N', found %r" % head[:80])
    if int(m.group(1)) != FORMAT_VERSION:
        raise TraceError(1, "format version %s is not known (this tool reads version %d)"
                         % (m.group(1), FORMAT_VERSION))
    tps = int(m.group(2))
    if tps <= 0:
        raise TraceError(1, "ticks_per_sec must be a positive integer, found %d" % tps)
    bits = int(m.group(3)) if m.group(3) is not None else 64
    if not 8 <= bits <= 64:
        raise TraceError(1, "time_bits must be from 8 to 64, found %d" % bits)
    records, lost, out_of_order, last = [], 0, 0, None
    for n, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip("\r")
        if line.startswith("#"):
            lm = LOST_RE.match(line)
            if lm:
                lost += int(lm.group(1))
            continue
        if line == "":
            continue
        r = parse_record(line, n)
        if r.time >> bits:
            raise TraceError(n, "TIME %d does not fit the clock's %d bits (time_bits)" % (r.time, bits))
        records.append(r)
    for r in unwrap(records, bits):
        if last is not None and r.time < last:
            out_of_order += 1
        last = r.time
    records.sort(key=lambda r: r.time)  # stable: file order among equal times
    return Trace(tps, records, lost, out_of_order, bits)


def unwrap(records, bits):
    """Each record's time (in the file's order) as the one before it plus
    their difference taken as a signed `bits`-bit number, as the library
    compares times: a 32-bit clock that wraps during the trace counts on past
    2**32 instead of going back to 0. A deadline (enter, idle) likewise from
    its record's time; -1 (none) becomes None. The records, changed in place."""
    span, half = 1 << bits, 1 << (bits - 1)
    prev_raw = prev = None
    for r in records:
        raw = r.time
        if prev is not None:
            r.time = prev + (raw - prev_raw + half) % span - half
        prev_raw, prev = raw, r.time
        if r.kind in DEADLINE_KINDS:
            r.value = None if r.value == -1 else r.time + (r.value - raw + half) % span - half
    return records


def unescape(label):
    """A task's label as aio_trace_format writes it: %XX is the byte XX (the
    bytes are UTF-8); a `%` without two hex digits after it is itself."""
    if "%" not in label:
        return label
    out, i = bytearray(), 0
    while i < len(label):
        m = ESCAPE_RE.match(label, i)
        if m:
            out.append(int(m.group(1), 16))
            i = m.end()
        else:
            out += label[i].encode("utf-8")
            i += 1
    return out.decode("utf-8", errors="replace")


def parse_record(line, n):
    fields = line.split(" ")
    if len(fields) != 6 or "" in fields:
        if "" in fields or "\t" in line:
            raise TraceError(n, "fields must be separated by single spaces "
                             "(TIME KIND TASK OTHER DETAIL VALUE): %r" % line[:80])
        raise TraceError(n, "expected 6 fields (TIME KIND TASK OTHER DETAIL VALUE), found %d: %r"
                         % (len(fields), line[:80]))
    time, kind, task, other, detail, value = fields
    if not TIME_RE.match(time):
        raise TraceError(n, "TIME must be an unsigned integer (ticks), found %r" % time)
    if kind not in KINDS:
        raise TraceError(n, "unknown KIND %r (one of: %s)" % (kind, " ".join(KINDS)))
    for what, field in (("TASK", task), ("OTHER", other)):
        if field != "-" and not ID_RE.match(field):
            raise TraceError(n, "%s must be a hex id like 0x7ffd1234 or '-', found %r"
                             % (what, field))
    if kind in LOOP_KINDS and task != "-":
        raise TraceError(n, "a %r record is about the loop: its TASK must be '-', found %r"
                         % (kind, task))
    if kind not in LOOP_KINDS and task == "-":
        raise TraceError(n, "a %r record needs a TASK id, found '-'" % kind)
    if any(c < "!" or c == "\x7f" for c in detail):
        raise TraceError(n, "DETAIL must be a printable word, found %r" % detail)
    if not VALUE_RE.match(value):
        raise TraceError(n, "VALUE must be a signed integer, found %r" % value)
    if kind == "name":
        detail = unescape(detail)
    return Record(int(time), kind, task.lower() if task != "-" else None,
                  other.lower() if other != "-" else None, detail, int(value), n)


# --------------------------------------------------------------------------
# What happened: tasks, their steps, waits and blocks, cancels, the loop
# --------------------------------------------------------------------------

class Step:
    def __init__(self, start, truncated=False):
        self.start, self.end = start, None
        self.truncated = truncated      # began before the first record
        self.unfinished = False         # no stepped before the trace ends
        self.confirmed = not truncated  # a truncated step counts once its stepped is seen


class Wait:
    def __init__(self, start, on, obj, value, truncated=False):
        self.start = start              # the suspend record's time (the trace's start if truncated)
        self.draw_start = None          # where its slice starts: the end of the step it was in
        self.end = None
        self.on, self.obj, self.value = on, obj, value
        self.woken_by = self.why = None
        self.ended_by = None            # "wake", "step", "end", "suspend" or None (unfinished)
        self.truncated = truncated


class Block:
    def __init__(self, bid, kind, enter, deadline, enter_step, truncated=False):
        self.id, self.kind, self.enter, self.deadline = bid, kind, enter, deadline
        self.enter_step = enter_step
        self.leave = self.status = self.leave_step = None
        self.truncated = truncated      # entered before the first record
        self.unfinished = False         # not left before the trace ends
        self.closed_by_end = False      # no leave: closed when its task ended
        self.start = self.end = None    # the slice: whole steps
        self.depth = 0


class Instant:
    def __init__(self, time, kind, name, args):
        self.time, self.kind, self.name, self.args = time, kind, name, args


class Cancel:
    def __init__(self, time, task, by, why, source, by_kind):
        self.time, self.task, self.by, self.why = time, task, by, why
        self.source = source            # the task the arrow starts from, or None
        self.by_kind = by_kind          # "task", "timeout", "shielded", "group", "unknown", None
        self.flow_id = None


class Task:
    def __init__(self, tid, index):
        self.id, self.index, self.label = tid, index, None
        self.steps, self.waits, self.blocks, self.instants = [], [], [], []
        self.cancels, self.fires = [], []
        self.open_step = self.pending = None
        self.open_blocks = {}
        self.active = False             # has a record of its own been seen yet
        self.seen_step = False
        self.spawned = False
        self.end_status = None

    @property
    def name(self):
        return self.label if self.label else "task %d" % self.index


class Idle:
    def __init__(self, start, deadline, truncated=False):
        self.start, self.deadline, self.end = start, deadline, None
        self.truncated, self.unfinished = truncated, False


class Model:
    """The records of a Trace, turned into things with a beginning and an end."""

    def __init__(self, trace):
        self.trace = trace
        self.tps = trace.ticks_per_sec
        recs = trace.records
        self.t0 = recs[0].time if recs else 0
        self.t1 = recs[-1].time if recs else 0
        self.tasks = {}
        self.block_owner, self.block_kind = {}, {}
        for r in recs:
            if r.task is not None and r.task not in self.tasks:
                self.tasks[r.task] = Task(r.task, len(self.tasks) + 1)
            if r.kind == "name":
                self.tasks[r.task].label = r.detail
            if r.kind in ("enter", "leave", "fire") and r.other is not None:
                self.block_owner.setdefault(r.other, r.task)
                if r.kind != "fire":
                    self.block_kind.setdefault(r.other, r.detail)
        self.idles, self.loop_marks, self.cancels, self.fires = [], [], [], []
        self.anomalies = []
        self.open_idle = None
        for r in recs:
            getattr(self, "_" + r.kind)(r, self.tasks.get(r.task))
        self._finish()

    # one method per kind -------------------------------------------------
    def _activity(self, task):
        task.active = True

    def _lazy_step(self, task, r):
        """A record made inside a step: a step that began before the trace if none is open."""
        if task.open_step is None and not task.seen_step and not task.spawned:
            task.open_step = Step(self.t0, truncated=True)
            task.steps.append(task.open_step)
            task.seen_step = True
        return task.open_step

    def _close_wait(self, task, time, ended_by):
        w = task.pending
        if w is None:
            return
        w.end, w.ended_by = time, ended_by
        if w.draw_start is None or w.draw_start > time:
            w.draw_start = min(w.start, time)
        task.pending = None

    def _name(self, r, task):
        pass

    def _spawn(self, r, task):
        task.spawned = True
        task.instants.append(Instant(r.time, "spawn", "spawn",
                                     {"by": self.who(r.other) if r.other else "the loop"}))
        self._activity(task)

    def _step(self, r, task):
        if task.open_step is not None and not task.open_step.confirmed:
            task.steps.remove(task.open_step)   # a guess that no stepped confirmed
        elif task.open_step is not None:        # no stepped for the last one
            task.open_step.end = r.time
            self.anomalies.append("line %d: %s steps again before its last step ended"
                                  % (r.lineno, task.name))
        if task.pending is not None:
            self._close_wait(task, r.time, "step")
        task.open_step = Step(r.time)
        task.steps.append(task.open_step)
        task.seen_step = True
        self._activity(task)

    def _stepped(self, r, task):
        step = self._lazy_step(task, r)
        if step is None:
            self.anomalies.append("line %d: %s: stepped without a step" % (r.lineno, task.name))
        else:
            step.end = r.time
            step.confirmed = True
            task.open_step = None
        if task.pending is not None and task.pending.draw_start is None:
            task.pending.draw_start = max(task.pending.start, r.time)
        self._activity(task)

    def _suspend(self, r, task):
        self._lazy_step(task, r)
        if task.pending is not None:
            self._close_wait(task, r.time, "suspend")
        task.pending = Wait(r.time, r.detail, r.other, r.value)
        task.waits.append(task.pending)
        self._activity(task)

    def _wake(self, r, task):
        if task.pending is None and not task.active:   # parked before the trace began
            task.pending = Wait(self.t0, "(before the first record)", None, 0, truncated=True)
            task.pending.draw_start = self.t0
            task.waits.append(task.pending)
        if task.pending is not None:
            task.pending.woken_by, task.pending.why = r.other, r.detail
            self._close_wait(task, r.time, "wake")
        self._activity(task)

    def _cancel(self, r, task):
        by, source, by_kind = r.other, None, None
        if by is not None:
            if by in self.tasks:
                by_kind, source = "task", self.tasks[by]
            elif by in self.block_kind or by in self.block_owner:
                by_kind = self.block_kind.get(by, "timeout")
                source = self.tasks.get(self.block_owner.get(by))
            else:
                by_kind = "unknown"
        c = Cancel(r.time, task, by, r.detail, source, by_kind)
        task.cancels.append(c)
        self.cancels.append(c)

    def _enter(self, r, task):
        step = self._lazy_step(task, r)
        b = Block(r.other, r.detail, r.time, r.value, step)
        task.open_blocks[r.other] = b
        task.blocks.append(b)
        self._activity(task)

    def _leave(self, r, task):
        step = self._lazy_step(task, r)
        b = task.open_blocks.pop(r.other, None)
        if b is None:                       # entered before the trace began
            b = Block(r.other, r.detail, None, None, None, truncated=True)
            task.blocks.append(b)
        b.leave, b.status, b.leave_step = r.time, r.value, step
        self._activity(task)

    def _fire(self, r, task):
        f = Instant(r.time, "fire", "deadline fires (%s)" % r.detail,
                    {"of": ("block %s" % r.other) if r.other else "the await",
                     "what": r.detail})
        task.fires.append(f)
        self.fires.append((task, f))

    def _cleanup(self, r, task):
        self._lazy_step(task, r)
        task.instants.append(Instant(r.time, "cleanup", "cleanup (%s)" % status_name(r.value),
                                     {"unwinding": status_name(r.value), "status": r.value}))
        self._activity(task)

    def _end(self, r, task):
        if task.pending is not None:
            self._close_wait(task, r.time, "end")
        for b in task.open_blocks.values():  # left open: closed with the task
            b.leave, b.closed_by_end, b.leave_step = r.time, True, task.open_step
        task.open_blocks = {}
        task.end_status = r.value
        task.instants.append(Instant(r.time, "end", "end: %s" % status_name(r.value, True),
                                     {"status": r.value, "means": status_name(r.value, True)}))
        self._activity(task)

    def _idle(self, r, task):
        if self.open_idle is not None:
            self.open_idle.end = r.time
        self.open_idle = Idle(r.time, r.value)
        self.idles.append(self.open_idle)

    def _awake(self, r, task):
        if self.open_idle is None:
            if not self.idles:              # idle since before the trace began
                i = Idle(self.t0, None, truncated=True)
                i.end = r.time
                self.idles.append(i)
            return
        self.open_idle.end = r.time
        self.open_idle = None

    def _grow(self, r, task):
        self.loop_marks.append(Instant(r.time, "grow", "timer storage grew to %d" % r.value,
                                       {"slots": r.value}))

    def _full(self, r, task):
        self.loop_marks.append(Instant(r.time, "full", "timer storage full (%d slots)" % r.value,
                                       {"slots": r.value}))

    def _finish(self):
        t1 = self.t1
        for task in self.tasks.values():
            if task.open_step is not None:
                if task.open_step.confirmed:
                    task.open_step.end, task.open_step.unfinished = t1, True
                else:                       # a guess that no stepped confirmed
                    task.steps.remove(task.open_step)
            task.open_step = None
            if task.pending is not None:
                w = task.pending
                w.end = t1
                if w.draw_start is None:
                    w.draw_start = w.start
                task.pending = None
            task.open_blocks = {}
            for b in task.blocks:
                if b.leave is None:         # not left (or entered again) before the trace ends
                    b.unfinished = True
                b.start = self._step_bound(b.enter_step, "start",
                                           self.t0 if b.truncated else b.enter)
                if b.unfinished:
                    b.end = t1
                else:
                    b.end = self._step_bound(b.leave_step, "end", b.leave)
                if b.end < b.start:
                    b.end = b.start
            self._depths(task.blocks)
        if self.open_idle is not None:
            self.open_idle.end, self.open_idle.unfinished = t1, True
        flow = 0
        for c in self.cancels:
            if c.source is not None and c.source is not c.task:
                flow += 1
                c.flow_id = flow

    @staticmethod
    def _step_bound(step, which, default):
        """Where a step starts or ends, if the trace shows that step."""
        if step is None or not step.confirmed or getattr(step, which) is None:
            return default
        return getattr(step, which)

    @staticmethod
    def _depths(blocks):
        stack = []
        for b in sorted(blocks, key=lambda b: (b.start, -b.end)):
            while stack and stack[-1].end <= b.start and not (stack[-1].end == b.start == b.end):
                stack.pop()
            while stack and stack[-1].end < b.end:
                stack.pop()
            b.depth = len(stack)
            stack.append(b)

    # names ----------------------------------------------------------------
    def who(self, ident):
        if ident is None:
            return "nobody recorded"
        if ident in self.tasks:
            return "%s (task %s)" % (self.tasks[ident].name, ident)
        if ident in self.block_kind or ident in self.block_owner:
            owner = self.tasks.get(self.block_owner.get(ident))
            kind = self.block_kind.get(ident, "block")
            return "%s %s%s" % (kind, ident, " of %s" % owner.name if owner else "")
        return ident

    def short_obj(self, w):
        """What a wait is on, in a few words."""
        if w.on == "io":
            return "io fd %d" % w.value
        if w.obj in self.tasks and w.on in ("task", "join", "wait"):
            return "%s %s" % (w.on, self.tasks[w.obj].name)
        return w.on

    def truncation(self):
        """Why the trace is not the whole run, as sentences ([] when it is)."""
        why, began = [], 0
        for task in self.tasks.values():
            began += sum(1 for s in task.steps if s.truncated)
            began += sum(1 for w in task.waits if w.truncated)
            began += sum(1 for b in task.blocks if b.truncated)
        began += sum(1 for i in self.idles if i.truncated)
        if self.trace.lost:
            why.append("the recorder's ring wrote over %d earlier records" % self.trace.lost)
        if began:
            why.append("%d step%s, waits, blocks or idle periods began before the first record"
                       % (began, "" if began == 1 else "s"))
        return why

    # time -----------------------------------------------------------------
    def ns(self, ticks):
        """Ticks as whole nanoseconds (rounded down), the viewers' unit."""
        return ticks * 1000000000 // self.tps

    def us(self, ticks):
        """A time in ticks as the Trace Event Format's microseconds."""
        return perfetto_us(Fraction(ticks * 1000000, self.tps), self.ns(ticks))

    def dur_us(self, start, end):
        """A duration: it ends where the time `end` starts, to the nanosecond."""
        return perfetto_us(Fraction((end - start) * 1000000, self.tps),
                           self.ns(end) - self.ns(start))


def perfetto_us(exact, ns):
    """Microseconds for the JSON: an integer when exact, else a double x for
    which int(x * 1000.0) is ns, the nanoseconds Perfetto takes from x (it
    truncates): the exact value or a step of the double from it, else (a
    duration between two times that are not whole nanoseconds) ns / 1000."""
    if exact.denominator == 1:
        return exact.numerator
    for x in (float(exact), float(Fraction(ns, 1000))):
        for _ in range(4):
            got = int(x * 1000.0)
            if got == ns:
                return x
            x = math.nextafter(x, math.inf if got < ns else -math.inf)
    return float(exact)


def fmt_duration(ticks, tps):
    """A duration in ticks as a short text: 1.05 s, 300 ms, 12 µs, 40 ns."""
    sec = Fraction(ticks, tps)
    if sec == 0:
        return "0"
    a = abs(sec)
    for unit, scale in (("s", 1), ("ms", Fraction(1, 1000)), ("µs", Fraction(1, 10**6))):
        if a >= scale:
            return "%s %s" % (fmt_number(sec / scale), unit)
    return "%s ns" % fmt_number(sec * 10**9)


def fmt_number(x):
    text = "%.6f" % float(x)
    text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


# --------------------------------------------------------------------------
# Trace Event Format (Perfetto, chrome://tracing)
# --------------------------------------------------------------------------

def to_trace_events(model, source=""):
    tps, us = model.tps, model.us
    t0 = model.t0
    pid = 1
    meta, events = [], []
    ts0 = us(t0)

    def rel(t):
        return fmt_duration(t - t0, tps)

    meta.append({"name": "process_name", "ph": "M", "ts": ts0, "pid": pid, "tid": 0,
                 "args": {"name": "aio loop"}})
    tracks = [(0, "loop")] + [(t.index, t.name) for t in model.tasks.values()]
    for tid, name in tracks:
        meta.append({"name": "thread_name", "ph": "M", "ts": ts0, "pid": pid, "tid": tid,
                     "args": {"name": name}})
    for tid, name in tracks:
        meta.append({"name": "thread_sort_index", "ph": "M", "ts": ts0, "pid": pid, "tid": tid,
                     "args": {"sort_index": tid if tid else len(tracks)}})

    def slice_(name, cat, start, end, tid, args):
        events.append({"name": name, "cat": cat, "ph": "X", "ts": us(start),
                       "dur": model.dur_us(start, end), "pid": pid, "tid": tid, "args": args})

    def instant(name, cat, time, tid, args):
        events.append({"name": name, "cat": cat, "ph": "i", "ts": us(time), "s": "t",
                       "pid": pid, "tid": tid, "args": args})

    for task in model.tasks.values():
        tid = task.index
        for n, s in enumerate(task.steps, start=1):
            args = {"task": task.id, "step": n, "at": rel(s.start), "took": fmt_duration(s.end - s.start, tps)}
            if s.truncated:
                args["note"] = "began before the first record"
            if s.unfinished:
                args["note"] = "no stepped before the trace ends"
            slice_("step", "step", s.start, s.end, tid, args)
        for w in task.waits:
            args = {"on": w.on, "object": w.obj or "-", "suspended at": rel(w.start)}
            if w.on == "io":
                args["descriptor"] = w.value
            if w.ended_by == "wake":
                args["woken by"] = model.who(w.woken_by) if w.woken_by else "the loop"
                args["why"] = w.why
            elif w.ended_by is None:
                args["note"] = "still waiting when the trace ends"
            else:
                args["note"] = "no wake recorded: ended by its %s" % w.ended_by
            if w.truncated:
                args["note"] = "suspended before the first record"
            slice_("wait %s" % w.on if not w.truncated else "wait", "wait",
                   w.draw_start, w.end, tid, args)
        for b in task.blocks:
            slice_(block_label(b), "block", b.start, b.end, tid, block_args(model, b))
        for i in task.instants:
            instant(i.name, i.kind, i.time, tid, i.args)
        for f in task.fires:
            instant(f.name, "fire", f.time, tid, f.args)
        for c in task.cancels:
            args = {"by": model.who(c.by), "why": c.why}
            instant("cancel (%s)" % c.why, "cancel", c.time, tid, args)
    for i in model.idles:
        args = {"until": "no deadline" if i.deadline is None else rel(i.deadline)}
        if i.truncated:
            args["note"] = "idle since before the first record"
        if i.unfinished:
            args["note"] = "still idle when the trace ends"
        slice_("idle", "idle", i.start, i.end, 0, args)
    for m in model.loop_marks:
        instant(m.name, m.kind, m.time, 0, m.args)
    flows = []
    for c in model.cancels:
        if c.flow_id is None:
            continue
        common = {"name": "cancel", "cat": "cancel"}
        flows.append(dict(common, ph="s", ts=us(c.time), pid=pid, tid=c.source.index, id=c.flow_id))
        flows.append(dict(common, ph="f", bp="e", ts=us(c.time), pid=pid, tid=c.task.index,
                          id=c.flow_id))

    # Slices on one track must nest: at equal times a zero-length slice first
    # (it ends there), then the longer ones (outer first), then instants, then
    # the arrows, which bind to the slice open on their track.
    def order(e):
        if e["ph"] == "X":
            return (0, 0) if e["dur"] == 0 else (1, -e["dur"])
        return (2, 0) if e["ph"] == "i" else (3, 0)
    events.sort(key=lambda e: (e["ts"],) + order(e))
    flows.sort(key=lambda e: (e["ts"], e["id"], e["ph"] != "s"))
    merged, fi = [], 0
    for e in events:
        while fi < len(flows) and flows[fi]["ts"] < e["ts"]:
            merged.append(flows[fi])
            fi += 1
        merged.append(e)
    merged.extend(flows[fi:])
    why = model.truncation()
    other = {
        "source": os.path.basename(source) if source else "",
        "format": "aio-trace %d" % FORMAT_VERSION,
        "ticks_per_sec": tps,
        "first_tick": t0,
        "last_tick": model.t1,
        "records": len(model.trace.records),
        "tasks": len(model.tasks),
        "truncated": bool(why),
    }
    if why:
        other["truncation"] = "The trace starts in the middle of the run: " + "; ".join(why) + "."
    if model.trace.time_bits != 64:  # its ticks wrap: past 2**time_bits they count on
        other["time_bits"] = model.trace.time_bits
    if model.trace.lost:
        other["records_lost"] = model.trace.lost
    if model.trace.out_of_order:
        other["note"] = "%d records went back in time; sorted by time" % model.trace.out_of_order
    if model.anomalies:
        other["anomalies"] = "; ".join(model.anomalies[:5]) + (
            "; and %d more" % (len(model.anomalies) - 5) if len(model.anomalies) > 5 else "")
    return {"traceEvents": meta + merged, "displayTimeUnit": "ms", "otherData": other}


def block_label(b):
    if b.unfinished:
        state = "still open"
    elif b.closed_by_end:
        state = "closed by the task's end"
    else:
        state = status_name(b.status)
    return "%s block: %s" % (b.kind, state)


def block_args(model, b):
    args = {"block": b.id or "-", "kind": b.kind}
    if b.enter is not None:
        args["entered at"] = fmt_duration(b.enter - model.t0, model.tps)
        args["deadline"] = ("none" if b.deadline is None
                            else fmt_duration(b.deadline - model.t0, model.tps))
    else:
        args["note"] = "entered before the first record"
    if b.leave is not None and not b.closed_by_end:
        args["left at"] = fmt_duration(b.leave - model.t0, model.tps)
        args["status"] = b.status
        args["means"] = status_name(b.status)
    return args


def write_json(obj, path):
    """One event per line: readable, and every viewer takes it."""
    parts = ['{"traceEvents":[\n']
    parts.append(",\n".join(json.dumps(e, ensure_ascii=False) for e in obj["traceEvents"]))
    parts.append('\n],\n"displayTimeUnit":%s,\n"otherData":%s}\n'
                 % (json.dumps(obj["displayTimeUnit"]), json.dumps(obj["otherData"], ensure_ascii=False)))
    write_text(path, "".join(parts))


def write_text(path, text):
    if path == "-":
        sys.stdout.write(text)
        return
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# --------------------------------------------------------------------------
# SVG timeline
# --------------------------------------------------------------------------

COLOURS = {
    "step": "#1f5fa8", "wait": "#a9c8ec", "block": "#8e44ad", "cancel": "#d62728",
    "fire": "#f5a400", "flow": "#7a0a35", "spawn": "#2ca02c", "cleanup": "#8c564b",
    "end": "#222222", "idle": "#a8a8a8", "grow": "#7f7f7f", "full": "#e377c2",
    "lane0": "#ffffff", "lane1": "#f2f4f7", "grid": "#e2e5ea", "text": "#1b1f24",
    "muted": "#6a737d", "wait_text": "#23466e",
}
FONT = "font-family=\"DejaVu Sans, Verdana, Arial, Helvetica, sans-serif\""
LANE_H = 46
LOOP_H = 30
BAR_TOP = 26        # the bars within a lane
BAR_H = 14
BRACKET_TOP = 13    # a block bracket at depth 0 (each level below: +4)


def esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def nice_step(raw):
    """1, 2 or 5 times a power of ten, at least raw."""
    if raw <= 0:
        return 1.0
    p = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * p >= raw * (1 - 1e-9):
            return m * p
    return 10 * p


def axis_ticks(span_s, plot_w):
    """(seconds, label) for the axis: about one every 100 px, in one unit."""
    step = nice_step(span_s / max(1, plot_w / 100.0)) if span_s > 0 else 1e-6
    count = int(math.floor(span_s / step + 1e-9)) + 1 if span_s > 0 else 1
    last = (count - 1) * step
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if last >= scale or unit == "ns":
            break
    decimals = max(0, -int(math.floor(math.log10(step / scale) + 1e-9)))
    ticks = []
    for k in range(count):
        s = k * step
        label = "0" if k == 0 else "%.*f %s" % (decimals, s / scale, unit)
        ticks.append((s, label))
    return ticks


class Svg:
    def __init__(self):
        self.parts = []

    def add(self, text):
        self.parts.append(text)

    def el(self, tag, cls, title, attrs, inner=""):
        a = "".join(' %s="%s"' % (k.replace("_", "-"), esc(v)) for k, v in attrs)
        c = ' class="%s"' % cls if cls else ""
        t = "<title>%s</title>" % esc(title) if title else ""
        if not t and not inner:
            self.add("<%s%s%s/>" % (tag, c, a))
        else:
            self.add("<%s%s%s>%s%s</%s>" % (tag, c, a, t, inner, tag))


def text_width(text, size):
    return len(text) * size * 0.6


def fmt_px(v):
    return ("%.2f" % v).rstrip("0").rstrip(".")


def to_svg(model, title=None, width=1200):
    tps, t0, t1 = model.tps, model.t0, model.t1
    tasks = list(model.tasks.values())
    span = max(t1 - t0, 1)
    label_w = int(min(260, max([96] + [text_width(t.name, 13.5) + 20 for t in tasks]
                                + [text_width(t.id, 9.5) + 20 for t in tasks])))
    right = 70
    plot_x0, plot_x1 = label_w, width - right
    plot_w = max(100, plot_x1 - plot_x0)
    plot_x1 = plot_x0 + plot_w
    why = model.truncation()
    title = title or "aio_timeout.h trace"
    y = 22
    caption_lines = []
    if why:
        caption_lines.append("The trace starts in the middle of the run: " + "; ".join(why) + ".")
        caption_lines.append("Dashed shapes began before the first record.")
    head_h = 34 + 15 * len(caption_lines)
    axis_y = head_h + 24
    lanes_y = axis_y + 8
    lanes_h = LANE_H * len(tasks) + LOOP_H
    legend_y = lanes_y + lanes_h + 18
    height = legend_y + 64

    def x_of(t):
        return plot_x0 + (t - t0) * plot_w / span

    svg = Svg()
    svg.add('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'role="img" aria-label="%s" data-plot-x0="%s" data-plot-x1="%s" data-first-tick="%d" '
            'data-last-tick="%d" data-ticks-per-sec="%d">'
            % (width, height, width, height, esc(title), fmt_px(plot_x0), fmt_px(plot_x1),
               t0, t1, tps))
    svg.add("<title>%s</title>" % esc(title))
    svg.add("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
            "markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">"
            "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker></defs>" % COLOURS["flow"])
    svg.add('<rect class="background" x="0" y="0" width="%d" height="%d" fill="#ffffff"/>'
            % (width, height))
    svg.add('<g %s font-size="12" fill="%s">' % (FONT, COLOURS["text"]))
    summary = "%d task%s, %d records, %s" % (len(tasks), "" if len(tasks) == 1 else "s",
                                             len(model.trace.records), fmt_duration(t1 - t0, tps))
    svg.el("text", "title", None, [("x", 12), ("y", y), ("font-size", 15), ("font-weight", "bold")],
           esc(title) + '<tspan font-weight="normal" font-size="12" fill="%s">  —  %s</tspan>'
           % (COLOURS["muted"], esc(summary)))
    for n, line in enumerate(caption_lines):
        svg.el("text", "caption", None, [("x", 12), ("y", y + 18 + 15 * n), ("font-size", 11.5),
                                          ("fill", "#a4262c")], esc(line))

    # lanes
    lane_top = {}
    svg.add('<g class="lanes">')
    for n, task in enumerate(tasks):
        top = lanes_y + n * LANE_H
        lane_top[task.id] = top
        title_ = "%s (task %s)" % (task.name, task.id)
        svg.el("rect", "lane", title_, [("x", 0), ("y", top), ("width", width), ("height", LANE_H),
                                        ("fill", COLOURS["lane%d" % (n % 2)]),
                                        ("data-task", task.name), ("data-id", task.id),
                                        ("data-tid", task.index)])
    loop_top = lanes_y + len(tasks) * LANE_H
    svg.el("rect", "lane loop", "the loop: idle while nothing is ready",
           [("x", 0), ("y", loop_top), ("width", width), ("height", LOOP_H),
            ("fill", COLOURS["lane%d" % (len(tasks) % 2)]), ("data-task", "loop"), ("data-tid", 0)])
    svg.add("</g>")

    # axis and grid
    ticks = axis_ticks((t1 - t0) / tps if t1 > t0 else 0, plot_w)
    svg.add('<g class="axis" font-size="11" fill="%s">' % COLOURS["muted"])
    svg.el("line", None, None, [("x1", plot_x0), ("y1", axis_y), ("x2", plot_x1), ("y2", axis_y),
                                ("stroke", COLOURS["muted"]), ("stroke-width", 1)])
    for s, label in ticks:
        x = plot_x0 + s * tps * plot_w / span
        if x > plot_x1 + 0.5:
            break
        svg.add('<g class="tick" data-seconds="%r">' % s)
        svg.el("line", "grid", None, [("x1", fmt_px(x)), ("y1", axis_y), ("x2", fmt_px(x)),
                                      ("y2", lanes_y + lanes_h), ("stroke", COLOURS["grid"]),
                                      ("stroke-width", 1)])
        svg.el("line", None, None, [("x1", fmt_px(x)), ("y1", axis_y - 5), ("x2", fmt_px(x)),
                                    ("y2", axis_y), ("stroke", COLOURS["muted"])])
        svg.el("text", None, None, [("x", fmt_px(x)), ("y", axis_y - 8), ("text-anchor", "middle")],
               esc(label))
        svg.add("</g>")
    svg.add("</g>")

    # lane labels
    svg.add('<g class="labels">')
    for task in tasks:
        top = lane_top[task.id]
        svg.el("text", "label", None, [("x", 10), ("y", top + 24), ("font-size", 12.5),
                                       ("font-weight", "bold")], esc(task.name))
        svg.el("text", "label-id", None, [("x", 10), ("y", top + 38), ("font-size", 9.5),
                                          ("fill", COLOURS["muted"])], esc(task.id))
    svg.el("text", "label", None, [("x", 10), ("y", loop_top + 19), ("font-size", 12.5),
                                   ("font-style", "italic")], "loop (idle)")
    svg.add("</g>")

    def dashed(truncated):
        return [("stroke", COLOURS["text"]), ("stroke-dasharray", "3 2"), ("stroke-width", 1)] \
            if truncated else []

    # waits, then steps, per lane
    for task in tasks:
        top = lane_top[task.id]
        by = top + BAR_TOP
        svg.add('<g class="task" data-task="%s">' % esc(task.name))
        for w in task.waits:
            xa, xb = x_of(w.draw_start), x_of(w.end)
            wpx = max(1.0, xb - xa)
            obj = model.short_obj(w)
            tip = "%s waits on %s%s from %s to %s (%s)" % (
                task.name, w.on if not w.truncated else "something",
                " %s" % w.obj if w.obj else "", fmt_duration(w.start - t0, tps),
                fmt_duration(w.end - t0, tps), fmt_duration(w.end - w.start, tps))
            if w.ended_by == "wake":
                tip += "; woken by %s (%s)" % (model.who(w.woken_by) if w.woken_by else "the loop",
                                               w.why)
            elif w.ended_by is None:
                tip += "; still waiting when the trace ends"
            else:
                tip += "; no wake recorded (ended by its %s)" % w.ended_by
            if w.truncated:
                tip += "; suspended before the first record"
            svg.el("rect", "wait" + (" truncated" if w.truncated else ""), tip,
                   [("x", fmt_px(xa)), ("y", by), ("width", fmt_px(wpx)), ("height", BAR_H),
                    ("fill", COLOURS["wait"]), ("shape-rendering", "crispEdges")]
                   + dashed(w.truncated))
            label = obj if not w.truncated else "…"
            if text_width(label, 9.5) + 8 < wpx:
                svg.el("text", "wait-label", None,
                       [("x", fmt_px(xa + 4)), ("y", by + 10.5), ("font-size", 9.5),
                        ("fill", COLOURS["wait_text"])], esc(label))
        for i in task.instants:             # ends under the steps: a step ends after them
            if i.kind == "end":
                tip = "%s: %s at %s" % (task.name, i.name, fmt_duration(i.time - t0, tps))
                svg.el("rect", "end", tip, [("x", fmt_px(x_of(i.time))), ("y", by - 2), ("width", 3),
                                            ("height", BAR_H + 4), ("fill", COLOURS["end"])])
        for n, s in enumerate(task.steps, start=1):
            xa, xb = x_of(s.start), x_of(s.end)
            wpx = max(2.0, xb - xa)
            tip = "%s: step %d at %s, took %s" % (task.name, n, fmt_duration(s.start - t0, tps),
                                                  fmt_duration(s.end - s.start, tps))
            if s.truncated:
                tip += " (began before the first record)"
            if s.unfinished:
                tip += " (no stepped before the trace ends)"
            svg.el("rect", "step" + (" truncated" if s.truncated else ""), tip,
                   [("x", fmt_px(min(xa, plot_x1 - 2))), ("y", by), ("width", fmt_px(wpx)),
                    ("height", BAR_H), ("fill", COLOURS["step"]), ("shape-rendering", "crispEdges")]
                   + dashed(s.truncated))
        svg.add("</g>")

    # blocks: brackets over the bars, a label above when it fits
    for task in tasks:
        top = lane_top[task.id]
        used = []
        for b in sorted(task.blocks, key=lambda b: (b.depth, b.start)):
            xa, xb = x_of(b.start), max(x_of(b.end), x_of(b.start) + 3)
            yb = top + BRACKET_TOP + 4 * min(b.depth, 3)
            bottom = top + BAR_TOP - 1
            left = "M%s,%s V%s" % (fmt_px(xa), bottom, yb) if not b.truncated else \
                "M%s,%s" % (fmt_px(xa), yb)
            d = "%s H%s V%s" % (left, fmt_px(xb), bottom)
            tip = "%s: %s %s" % (task.name, block_label(b), b.id or "")
            extra = []
            if b.enter is not None:
                extra.append("entered at %s" % fmt_duration(b.enter - t0, tps))
                if b.deadline is not None:
                    extra.append("deadline %s" % fmt_duration(b.deadline - t0, tps))
            else:
                extra.append("entered before the first record")
            if b.leave is not None and not b.closed_by_end:
                extra.append("left at %s" % fmt_duration(b.leave - t0, tps))
            tip += " (" + ", ".join(extra) + ")"
            svg.el("path", "block" + (" truncated" if b.truncated else ""), tip,
                   [("d", d), ("fill", "none"), ("stroke", COLOURS["block"]), ("stroke-width", 2),
                    ("shape-rendering", "crispEdges")]
                   + ([("stroke-dasharray", "4 2")] if b.truncated else []))
            short = "%s%s → %s" % (b.kind, " %s" % fmt_duration(b.deadline - b.enter, tps)
                                   if b.enter is not None and b.deadline is not None else "",
                                   "open" if b.unfinished else
                                   ("ended" if b.closed_by_end else status_name(b.status)))
            tw = text_width(short, 9)
            lx = xa + 3
            if lx + tw < plot_x1 + right - 4 and all(lx + tw < u0 or lx > u1 for u0, u1 in used):
                used.append((lx - 2, lx + tw + 6))
                svg.el("text", "block-label", None,
                       [("x", fmt_px(lx)), ("y", top + 10), ("font-size", 9),
                        ("fill", COLOURS["block"])], esc(short))

    # spawn, cleanup, end markers
    for task in tasks:
        cy = lane_top[task.id] + BAR_TOP + BAR_H / 2
        for i in task.instants:
            x = x_of(i.time)
            tip = "%s: %s at %s" % (task.name, i.name, fmt_duration(i.time - t0, tps))
            if i.kind == "spawn":
                tip += " by %s" % i.args["by"]
                svg.el("circle", "spawn", tip, [("cx", fmt_px(x)), ("cy", cy), ("r", 4),
                                                ("fill", COLOURS["spawn"]), ("stroke", "#ffffff"),
                                                ("stroke-width", 1)])
            elif i.kind == "cleanup":
                svg.el("path", "cleanup", tip,
                       [("d", "M%s,%s l4,7 h-8 z" % (fmt_px(x), cy - 13)),
                        ("fill", COLOURS["cleanup"])])
            elif i.kind == "end":
                words = status_name(i.args["status"], True)
                # after whatever the lane still draws (the last step ends after the end)
                tx = max([x] + [max(x_of(s.end), x_of(s.start) + 2) for s in task.steps]
                         + [x_of(w.end) for w in task.waits]) + 7
                anchor = "start"
                if tx + text_width(words, 10) > width - 4:
                    tx, anchor = x - 5, "end"
                svg.el("text", "end-label", None,
                       [("x", fmt_px(tx)), ("y", cy + 4), ("font-size", 10), ("text-anchor", anchor),
                        ("fill", COLOURS["cancel"] if i.args["status"] < 0 else COLOURS["text"])],
                       esc(words))

    # the loop's lane
    ly = loop_top + 8
    for i in model.idles:
        xa, xb = x_of(i.start), x_of(i.end)
        tip = "the loop idles from %s to %s (%s)" % (fmt_duration(i.start - t0, tps),
                                                     fmt_duration(i.end - t0, tps),
                                                     fmt_duration(i.end - i.start, tps))
        tip += "; no deadline" if i.deadline is None else \
            "; next deadline at %s" % fmt_duration(i.deadline - t0, tps)
        if i.truncated:
            tip += "; idle since before the first record"
        if i.unfinished:
            tip += "; still idle when the trace ends"
        svg.el("rect", "idle" + (" truncated" if i.truncated else ""), tip,
               [("x", fmt_px(xa)), ("y", ly + 2), ("width", fmt_px(max(1.0, xb - xa))), ("height", 10),
                ("fill", COLOURS["idle"]), ("shape-rendering", "crispEdges")] + dashed(i.truncated))
    for m in model.loop_marks:
        x = x_of(m.time)
        tip = "the loop: %s at %s" % (m.name, fmt_duration(m.time - t0, tps))
        if m.kind == "grow":
            svg.el("path", "grow", tip, [("d", "M%s,%s l5,9 h-10 z" % (fmt_px(x), ly + 2)),
                                         ("fill", COLOURS["grow"])])
        else:
            svg.el("rect", "full", tip, [("x", fmt_px(x - 4)), ("y", ly + 3), ("width", 8),
                                         ("height", 8), ("fill", COLOURS["full"])])

    # cancel arrows, then the markers they point at
    bend = {}
    for c in model.cancels:
        if c.flow_id is None:
            continue
        x = x_of(c.time)
        y1 = lane_top[c.source.id] + BAR_TOP + BAR_H / 2
        y2 = lane_top[c.task.id] + BAR_TOP + BAR_H / 2
        key = (c.source.id, round(x / 6))
        k = bend.get(key, 0)
        bend[key] = k + 1
        dx = 26 + 10 * k
        y2e = y2 - 7 if y2 > y1 else y2 + 7
        d = "M%s,%s C%s,%s %s,%s %s,%s" % (fmt_px(x), y1, fmt_px(x + dx), y1, fmt_px(x + dx),
                                          y2e, fmt_px(x + 2), y2e)
        tip = "%s cancels %s (%s) at %s" % (c.source.name, c.task.name, c.why,
                                            fmt_duration(c.time - t0, tps))
        svg.el("path", "flow", tip, [("d", d), ("fill", "none"), ("stroke", COLOURS["flow"]),
                                     ("stroke-width", 1.6), ("marker-end", "url(#arrow)"),
                                     ("data-from", c.source.name), ("data-to", c.task.name)])
    for task in tasks:
        cy = lane_top[task.id] + BAR_TOP + BAR_H / 2
        for f in task.fires:
            x = x_of(f.time)
            tip = "%s: a deadline fires at %s (%s)" % (task.name, fmt_duration(f.time - t0, tps),
                                                      f.args["of"])
            svg.el("path", "fire", tip,
                   [("d", "M%s,%s l6,7 l-6,7 l-6,-7 z" % (fmt_px(x), cy - 16)),
                    ("fill", COLOURS["fire"]), ("stroke", "#ffffff"), ("stroke-width", 0.8)])
        for c in task.cancels:
            x = x_of(c.time)
            tip = "%s is cancelled at %s by %s (%s)" % (task.name, fmt_duration(c.time - t0, tps),
                                                        model.who(c.by), c.why)
            svg.el("path", "cancel", tip,
                   [("d", "M%s,%s l10,10 M%s,%s l-10,10" % (fmt_px(x - 5), cy - 5,
                                                           fmt_px(x + 5), cy - 5)),
                    ("stroke", COLOURS["cancel"]), ("stroke-width", 3), ("fill", "none"),
                    ("stroke-linecap", "square")])

    # legend
    svg.add('<g class="legend" font-size="11">')
    items = [
        ("step", "step (running)"), ("wait", "wait (on what)"), ("block", "timeout block / group"),
        ("cancel", "cancel"), ("fire", "deadline fires"), ("flow", "who cancelled whom"),
        ("spawn", "spawn"), ("cleanup", "cleanup"), ("end", "end (status)"), ("idle", "loop idle"),
        ("grow", "timers grew"), ("full", "timers full"),
    ]
    x, yl = 12, legend_y
    svg.el("text", "legend-title", None, [("x", x), ("y", yl + 11), ("font-weight", "bold")],
           "Legend")
    x += 60
    for kind, words in items:
        w = 22 + text_width(words, 11) + 16
        if x + w > width - 8:
            x, yl = 72, yl + 22
        svg.add('<g class="legend-item" data-kind="%s">' % kind)
        sx, sy = x, yl + 2
        col = COLOURS[kind]
        if kind in ("step", "wait", "idle"):
            svg.el("rect", "legend-swatch", None, [("x", sx), ("y", sy), ("width", 16), ("height", 11),
                                                   ("fill", col), ("shape-rendering", "crispEdges")])
        elif kind == "block":
            svg.el("path", "legend-swatch", None, [("d", "M%d,%d V%d H%d V%d" % (sx, sy + 11, sy + 2,
                                                                             sx + 16, sy + 11)),
                                                   ("fill", "none"), ("stroke", col),
                                                   ("stroke-width", 1.6)])
        elif kind == "cancel":
            svg.el("path", "legend-swatch", None,
                   [("d", "M%d,%d l10,10 M%d,%d l-10,10" % (sx + 3, sy, sx + 13, sy)),
                    ("stroke", col), ("stroke-width", 3), ("stroke-linecap", "square")])
        elif kind == "fire":
            svg.el("path", "legend-swatch", None,
                   [("d", "M%d,%d l6,6 l-6,6 l-6,-6 z" % (sx + 8, sy - 1)), ("fill", col)])
        elif kind == "flow":
            svg.el("path", "legend-swatch", None,
                   [("d", "M%d,%d H%d" % (sx, sy + 6, sx + 14)), ("stroke", col),
                    ("stroke-width", 1.6), ("marker-end", "url(#arrow)")])
        elif kind == "spawn":
            svg.el("circle", "legend-swatch", None, [("cx", sx + 8), ("cy", sy + 6), ("r", 4),
                                                     ("fill", col)])
        elif kind in ("cleanup", "grow"):
            svg.el("path", "legend-swatch", None, [("d", "M%d,%d l5,9 h-10 z" % (sx + 8, sy + 1)),
                                                   ("fill", col)])
        elif kind == "full":
            svg.el("rect", "legend-swatch", None, [("x", sx + 4), ("y", sy + 2), ("width", 8),
                                                   ("height", 8), ("fill", col)])
        else:
            svg.el("rect", "legend-swatch", None, [("x", sx + 6), ("y", sy - 2), ("width", 3),
                                                   ("height", 15), ("fill", col)])
        svg.el("text", None, None, [("x", sx + 22), ("y", sy + 10)], esc(words))
        svg.add("</g>")
        x += w
    svg.add("</g>")
    svg.add("</g></svg>\n")
    return "\n".join(svg.parts)


# --------------------------------------------------------------------------

def summary(model):
    lines = ["%d records, %d tasks, %s, %d ticks per second"
             % (len(model.trace.records), len(model.tasks), fmt_duration(model.t1 - model.t0, model.tps),
                model.tps)]
    for t in model.tasks.values():
        lines.append("  %-16s %3d steps, %3d waits, %2d blocks, %2d cancels, %2d fires%s"
                     % (t.name, len(t.steps), len(t.waits), len(t.blocks), len(t.cancels),
                        len(t.fires), "" if t.end_status is None
                        else ", ended: %s" % status_name(t.end_status, True)))
    lines.append("  loop: %d idle waits" % len(model.idles))
    for why in model.truncation():
        lines.append("truncated: " + why)
    for what in model.anomalies:
        lines.append("odd: " + what)
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="aio_trace.py",
        description="Turn a text trace of aio_timeout.h's instruments (what aio_recorder_dump\n"
                    "writes) into a trace for Perfetto or chrome://tracing (--json: one track per\n"
                    "task) and a self-contained SVG timeline (--svg). With neither, check the\n"
                    "trace and print a summary.",
        epilog="The trace, version 1 (docs/timeline.md):\n"
               "  aio-trace 1 ticks_per_sec=N        the first line (time_bits=32: the ticks wrap)\n"
               "  # ...                              comments\n"
               "  TIME KIND TASK OTHER DETAIL VALUE  a record per line, single spaces\n"
               "KIND: " + " ".join(KINDS[:12]) + "\n      " + " ".join(KINDS[12:]) + "\n"
               "TASK, OTHER: hex ids (0x7ffd1234) or '-'. TIME: ticks. VALUE: an integer.\n\n"
               "Examples:\n"
               "  python3 tools/aio_trace.py run.txt --json run.json --svg run.svg\n"
               "  ./program | python3 tools/aio_trace.py - --svg run.svg\n\n"
               "Open the JSON at https://ui.perfetto.dev (Open trace file) or chrome://tracing\n"
               "(Load). Exit status: 0 done; 2 a malformed trace (the message names the line\n"
               "and what is wrong), an unreadable file or a usage error.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("trace", metavar="TRACE.txt", help="the text trace ('-': standard input)")
    ap.add_argument("--json", metavar="OUT.json",
                    help="write a Trace Event Format file: one track per task ('-': stdout)")
    ap.add_argument("--svg", metavar="OUT.svg", help="write a self-contained SVG timeline ('-': stdout)")
    ap.add_argument("--title", help="the SVG's title (default: the trace's file name)")
    ap.add_argument("--width", type=int, default=1200, help="the SVG's width in pixels (default 1200)")
    args = ap.parse_args(argv)
    name = "<stdin>" if args.trace == "-" else args.trace
    try:
        if args.trace == "-":
            text = sys.stdin.read()
        else:
            with open(args.trace, encoding="utf-8") as f:
                text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        sys.stderr.write("aio_trace.py: cannot read %s: %s\n" % (name, e))
        return 2
    try:
        trace = parse(text)
    except TraceError as e:
        sys.stderr.write("aio_trace.py: %s, line %d: %s\n" % (name, e.lineno, e.message))
        return 2
    model = Model(trace)
    try:
        if args.json:
            write_json(to_trace_events(model, name), args.json)
        if args.svg:
            title = args.title or "aio_timeout.h trace: %s" % os.path.basename(name)
            write_text(args.svg, to_svg(model, title, max(400, args.width)))
    except OSError as e:
        sys.stderr.write("aio_trace.py: cannot write: %s\n" % e)
        return 2
    if not args.json and not args.svg:
        sys.stdout.write(summary(model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
