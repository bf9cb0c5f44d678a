# SPDX-License-Identifier: MIT
"""Tests of tools/aio_trace.py (docs/timeline.md), standard library only.

    python3 tests/trace/test_aio_trace.py      # make trace-check; make test runs it too

Prints a line per test (`ok NAME`, `FAILED NAME`, `SKIPPED NAME: why`) and ends
with `trace: N passed, N failed, N skipped`; exit status 1 if one failed.

- The JSON of the samples against the Trace Event Format's rules (the fields of
  each phase, flows in pairs, a named track per task) and against the sample's
  own records, read here independently of the tool: times in microseconds from
  ticks, what each track holds, who cancels whom, the blocks' spans. Slices on
  one track must nest the way Perfetto's importer requires (it drops a slice
  that overlaps another partly).
- The SVG's structure (classes, tooltips, no script or external reference, the
  axis in sensible units).
- The SVG as a browser draws it: headless Chromium takes a screenshot, and the
  tests read the PNG's pixels (decoded here with zlib): each kind of mark in
  its colour where the trace says, in the right lane, and not where it says
  nothing. Without a Chromium that runs, these tests print SKIPPED (they count
  neither as passed nor as failed).
- Malformed traces: exit status 2 and a message naming the line.
"""
import io
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zlib
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOL = os.path.join(ROOT, "tools", "aio_trace.py")
SAMPLE = os.path.join(HERE, "sample.txt")
TRUNCATED = os.path.join(HERE, "truncated.txt")
SVGNS = "{http://www.w3.org/2000/svg}"

sys.path.insert(0, os.path.join(ROOT, "tools"))
import aio_trace  # noqa: E402  (the tool, for the tests that run it in-process)

# The sample's tasks, as the sample's comments describe them.
MAIN, SLEEPER, WAITER, SETTER = ("0x5610a2c04010", "0x5610a2c04120", "0x5610a2c04230",
                                 "0x5610a2c04340")
NAMES = {MAIN: "main", SLEEPER: "sleeper", WAITER: "waiter", SETTER: "setter"}


def run_tool(*args, stdin=None):
    return subprocess.run([sys.executable, TOOL] + list(args), input=stdin, capture_output=True,
                          text=True, timeout=120)


def read_records(path):
    """The sample's records, read without the tool: (time, kind, task, other, detail, value)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    tps = int(lines[0].split("ticks_per_sec=")[1])
    recs = []
    for line in lines[1:]:
        if line.startswith("#") or not line:
            continue
        t, kind, task, other, detail, value = line.split(" ")
        recs.append((int(t), kind, task, other, detail, int(value)))
    return tps, recs


def ns(ticks, tps):
    return ticks * 10**9 // tps


def perfetto_ns(us_value):
    """What Perfetto's JSON importer makes of a number of microseconds."""
    return us_value * 1000 if isinstance(us_value, int) else int(us_value * 1000.0)


def check_nesting(test, events, label):
    """Slices on one track nest or are disjoint, in the order Perfetto reads them.

    Perfetto keeps a stack per track: an event pops the slices that ended before
    it (or at its time, unless both are instants), and a slice that starts inside
    the top one but ends after it is dropped. Times in its integer nanoseconds."""
    stacks = {}
    for e in events:
        if e["ph"] not in ("X", "i"):
            continue
        ts = perfetto_ns(e["ts"])
        dur = perfetto_ns(e["dur"]) if e["ph"] == "X" else 0
        stack = stacks.setdefault(e["tid"], [])
        while stack:
            top_end, top_dur, top_name = stack[-1]
            if top_end < ts or (top_end == ts and not (top_dur == 0 and dur == 0)):
                stack.pop()
            else:
                break
        if stack:
            top_end, top_dur, top_name = stack[-1]
            test.assertFalse(ts < top_end < ts + dur,
                             "%s: on track %d, %r at %d ns (%d ns long) overlaps %r ending at %d ns"
                             % (label, e["tid"], e["name"], ts, dur, top_name, top_end))
        stack.append((ts + dur, dur, e["name"]))


class Converted:
    """The samples, converted once into JSON and SVG (a temporary directory)."""
    dir = None
    cache = {}

    @classmethod
    def get(cls, path):
        if path not in cls.cache:
            if cls.dir is None:
                cls.dir = tempfile.mkdtemp(prefix="aio-trace-test-")
            base = os.path.join(cls.dir, os.path.splitext(os.path.basename(path))[0])
            r = run_tool(path, "--json", base + ".json", "--svg", base + ".svg")
            if r.returncode != 0:
                raise AssertionError("aio_trace.py %s failed (%d): %s" % (path, r.returncode, r.stderr))
            with open(base + ".json", encoding="utf-8") as f:
                trace = json.load(f)
            with open(base + ".json", encoding="utf-8") as f:
                raw = f.read()
            svg_tree = ET.parse(base + ".svg")
            cls.cache[path] = {"json": trace, "raw": raw, "svg": base + ".svg", "tree": svg_tree}
        return cls.cache[path]


def events_of(trace, ph=None, tid=None, cat=None):
    return [e for e in trace["traceEvents"]
            if (ph is None or e["ph"] == ph) and (tid is None or e["tid"] == tid)
            and (cat is None or e.get("cat") == cat)]


class JsonFormat(unittest.TestCase):
    """The Trace Event Format's rules, for both samples."""

    def each(self):
        for path in (SAMPLE, TRUNCATED):
            yield os.path.basename(path), Converted.get(path)["json"], Converted.get(path)["raw"]

    def test_object_format(self):
        for name, trace, raw in self.each():
            self.assertIsInstance(trace, dict, name)
            # traceEvents first: some Perfetto versions stop at a key they do not know
            self.assertTrue(raw.startswith('{"traceEvents":['), name)
            self.assertIsInstance(trace["traceEvents"], list)
            self.assertIn(trace["displayTimeUnit"], ("ms", "ns"))
            self.assertIsInstance(trace["otherData"], dict)

    def test_every_event_has_the_common_fields(self):
        for name, trace, _ in self.each():
            self.assertGreater(len(trace["traceEvents"]), 20, name)
            for e in trace["traceEvents"]:
                for field in ("name", "ph", "ts", "pid", "tid"):
                    self.assertIn(field, e, "%s: %r" % (name, e))
                self.assertIsInstance(e["name"], str)
                self.assertIn(e["ph"], ("X", "i", "s", "f", "M"), e)
                self.assertIsInstance(e["ts"], (int, float))
                self.assertEqual(e["pid"], 1)
                self.assertIsInstance(e["tid"], int)
                # Perfetto's tokenizer fails on an array before "ts": none at all
                self.assertFalse(any(isinstance(v, list) for v in e.values()), e)
                for v in e.get("args", {}).values():
                    self.assertNotIsInstance(v, (list, dict), e)

    def test_complete_and_instant_events(self):
        for name, trace, _ in self.each():
            xs, ins = events_of(trace, "X"), events_of(trace, "i")
            self.assertTrue(xs and ins, name)
            for e in xs:
                self.assertIsInstance(e["dur"], (int, float), e)
                self.assertGreaterEqual(e["dur"], 0, e)
            for e in ins:
                self.assertEqual(e["s"], "t", e)

    def test_flows_come_in_pairs(self):
        for name, trace, _ in self.each():
            starts = {e["id"]: e for e in events_of(trace, "s")}
            ends = {e["id"]: e for e in events_of(trace, "f")}
            self.assertEqual(len(starts), len(events_of(trace, "s")), "flow ids unique")
            self.assertEqual(len(ends), len(events_of(trace, "f")))
            self.assertEqual(set(starts), set(ends), name)
            self.assertTrue(starts, name)
            for fid, s in starts.items():
                f = ends[fid]
                self.assertEqual((s["cat"], s["name"]), (f["cat"], f["name"]))
                self.assertEqual(f.get("bp"), "e")
                self.assertEqual(s["ts"], f["ts"])
                self.assertNotEqual(s["tid"], f["tid"])

    def test_every_track_is_named(self):
        for name, trace, _ in self.each():
            names = {}
            for e in events_of(trace, "M"):
                if e["name"] == "thread_name":
                    self.assertNotIn(e["tid"], names, "one name per track")
                    names[e["tid"]] = e["args"]["name"]
            used = {e["tid"] for e in trace["traceEvents"] if e["ph"] != "M"}
            self.assertTrue(used <= set(names), "%s: unnamed tracks %s" % (name, used - set(names)))
            self.assertEqual(names[0], "loop")

    def test_slices_nest_on_each_track(self):
        for name, trace, _ in self.each():
            check_nesting(self, trace["traceEvents"], name)


class SampleContents(unittest.TestCase):
    """What the tracks of tests/trace/sample.txt hold, against its records."""

    @classmethod
    def setUpClass(cls):
        cls.trace = Converted.get(SAMPLE)["json"]
        cls.tps, cls.recs = read_records(SAMPLE)
        cls.tid = {}
        for e in events_of(cls.trace, "M"):
            if e["name"] == "thread_name":
                cls.tid[e["args"]["name"]] = e["tid"]

    def t(self, ticks):
        return ns(ticks, self.tps)

    def assert_time(self, us_value, ticks, what):
        exact = Fraction(ticks * 10**6, self.tps)
        self.assertEqual(perfetto_ns(us_value), self.t(ticks), what)
        self.assertLessEqual(abs(Fraction(us_value) - exact), Fraction(math.ulp(float(exact) or 1.0)) * 2,
                             what)

    def test_tracks_named_after_the_tasks(self):
        self.assertEqual(self.tid, {"loop": 0, "main": 1, "sleeper": 2, "waiter": 3, "setter": 4})

    def test_steps_per_task_at_their_times(self):
        for task, name in NAMES.items():
            begins = [r[0] for r in self.recs if r[1] == "step" and r[2] == task]
            ends = [r[0] for r in self.recs if r[1] == "stepped" and r[2] == task]
            steps = sorted(events_of(self.trace, "X", self.tid[name], "step"), key=lambda e: e["ts"])
            self.assertEqual(len(steps), len(begins), name)
            self.assertEqual({"main": 4, "sleeper": 2, "waiter": 3, "setter": 5}[name], len(steps))
            for e, b, s in zip(steps, begins, ends):
                self.assert_time(e["ts"], b, "%s step at %d" % (name, b))
                self.assertEqual(perfetto_ns(e["ts"]) + perfetto_ns(e["dur"]), self.t(s))
                self.assertEqual(e["name"], "step")

    def test_every_time_is_a_record_time(self):
        times = {self.t(r[0]) for r in self.recs}
        for e in self.trace["traceEvents"]:
            if e["ph"] != "M":
                self.assertIn(perfetto_ns(e["ts"]), times, e)
            if e["ph"] == "X":
                self.assertIn(perfetto_ns(e["ts"]) + perfetto_ns(e["dur"]), times, e)

    def test_waits(self):
        # (on, start, end, why): a wait's slice starts where the step that
        # suspended ends and ends at the task's wake
        expected = {
            "main": [("gather", 7500, 300021000, "done"), ("gather", 300027000, 1000016000, "done"),
                     ("gather", 1000021000, 1050037000, "done")],
            "sleeper": [("sleep", 9400, 300016000, "timer")],
            "waiter": [("event", 11300, 200030000, "set"), ("io", 200046000, 1000008000, "cancel")],
            "setter": [("sleep", 13400, 200021000, "timer"), ("queue", 200035000, 700042000, "timer"),
                       ("sleep", 700048000, 1000010000, "cancel"),
                       ("sleep", 1000028000, 1050031000, "timer")],
        }
        for name, waits in expected.items():
            got = sorted(events_of(self.trace, "X", self.tid[name], "wait"), key=lambda e: e["ts"])
            self.assertEqual([e["name"] for e in got], ["wait " + w[0] for w in waits], name)
            for e, (on, a, b, why) in zip(got, waits):
                self.assert_time(e["ts"], a, "%s wait %s" % (name, on))
                self.assertEqual(perfetto_ns(e["ts"]) + perfetto_ns(e["dur"]), self.t(b))
                self.assertEqual(e["args"]["why"], why)
        io_wait = [e for e in events_of(self.trace, "X", self.tid["waiter"]) if e["name"] == "wait io"]
        self.assertEqual(io_wait[0]["args"]["descriptor"], 7)
        by = [e["args"]["woken by"] for e in events_of(self.trace, "X", self.tid["waiter"], "wait")]
        self.assertIn("setter", by[0])

    def test_cancels_and_deadlines_on_the_right_tracks(self):
        cancels = sorted((e["tid"], perfetto_ns(e["ts"])) for e in events_of(self.trace, "i", cat="cancel"))
        self.assertEqual(cancels, [(1, self.t(1000006000)), (3, self.t(1000007000)),
                                   (4, self.t(1000009000))])
        fires = sorted((e["tid"], perfetto_ns(e["ts"])) for e in events_of(self.trace, "i", cat="fire"))
        self.assertEqual(fires, [(1, self.t(1000005000)), (4, self.t(700041000))])
        why = {e["tid"]: e["args"]["why"] for e in events_of(self.trace, "i", cat="cancel")}
        self.assertEqual(why, {1: "deadline", 3: "gather", 4: "gather"})

    def test_cancel_flows_from_the_canceller_to_the_cancelled(self):
        starts = {e["id"]: e for e in events_of(self.trace, "s")}
        ends = {e["id"]: e for e in events_of(self.trace, "f")}
        flows = sorted((starts[i]["tid"], ends[i]["tid"], perfetto_ns(ends[i]["ts"])) for i in starts)
        # main's gather cancels waiter and setter; main's own deadline draws no arrow
        self.assertEqual(flows, [(1, 3, self.t(1000007000)), (1, 4, self.t(1000009000))])

    def test_blocks_span_the_steps_that_entered_and_left_them(self):
        main_blocks = events_of(self.trace, "X", self.tid["main"], "block")
        self.assertEqual(len(main_blocks), 1)
        b = main_blocks[0]
        self.assertIn("timeout", b["name"])
        self.assertIn("timed out", b["name"])
        self.assert_time(b["ts"], 2000, "entered in the step at 2000")
        self.assertEqual(perfetto_ns(b["dur"]), self.t(1050046000) - self.t(2000))
        self.assertEqual(b["args"]["status"], -2)
        setter_blocks = events_of(self.trace, "X", self.tid["setter"], "block")
        self.assertEqual([s["name"] for s in setter_blocks], ["shielded block: ok"])
        self.assert_time(setter_blocks[0]["ts"], 1000022000, "shielded")
        self.assertEqual(perfetto_ns(setter_blocks[0]["dur"]), self.t(1050038000) - self.t(1000022000))
        for name in ("sleeper", "waiter"):
            self.assertEqual(events_of(self.trace, "X", self.tid[name], "block"), [])

    def test_spawn_cleanup_end(self):
        def on(cat):
            return sorted((e["tid"], perfetto_ns(e["ts"])) for e in events_of(self.trace, "i", cat=cat))
        self.assertEqual(on("spawn"), [(1, self.t(1000)), (2, self.t(4000)), (3, self.t(5000)),
                                       (4, self.t(6000))])
        self.assertEqual(on("cleanup"), [(1, self.t(1050043000)), (3, self.t(1000013000)),
                                         (4, self.t(1000024000))])
        ends = {e["tid"]: e["args"]["status"] for e in events_of(self.trace, "i", cat="end")}
        self.assertEqual(ends, {1: -2, 2: 300, 3: -1, 4: -1})
        names = {e["tid"]: e["name"] for e in events_of(self.trace, "i", cat="end")}
        self.assertEqual(names, {1: "end: timed out", 2: "end: result 300", 3: "end: cancelled",
                                 4: "end: cancelled"})

    def test_loop_track(self):
        idles = sorted((perfetto_ns(e["ts"]), perfetto_ns(e["ts"]) + perfetto_ns(e["dur"]))
                       for e in events_of(self.trace, "X", 0))
        pairs, start = [], None
        for r in self.recs:
            if r[1] == "idle":
                start = r[0]
            elif r[1] == "awake":
                pairs.append((self.t(start), self.t(r[0])))
        self.assertEqual(len(pairs), 5)
        self.assertEqual(idles, pairs)
        marks = sorted(e["name"] for e in events_of(self.trace, "i", 0))
        self.assertEqual(marks, ["timer storage full (4 slots)", "timer storage grew to 4"])
        self.assertEqual(self.trace["otherData"]["truncated"], False)


class TruncatedContents(unittest.TestCase):
    """tests/trace/truncated.txt: a trace that starts in the middle."""

    @classmethod
    def setUpClass(cls):
        cls.trace = Converted.get(TRUNCATED)["json"]
        cls.tps, cls.recs = read_records(TRUNCATED)
        cls.tid = {e["args"]["name"]: e["tid"] for e in events_of(cls.trace, "M")
                   if e["name"] == "thread_name"}

    def t(self, ticks):
        return ns(ticks, self.tps)

    def test_said_in_the_metadata(self):
        other = self.trace["otherData"]
        self.assertIs(other["truncated"], True)
        self.assertEqual(other["records_lost"], 58)
        self.assertIn("58", other["truncation"])

    def test_names_and_numbers(self):
        # task 1 and task 3 have no name record; the second is named after its first records
        self.assertEqual(self.tid, {"loop": 0, "task 1": 1, "conn_7": 2, "task 3": 3})

    def test_what_began_before_the_first_record(self):
        t0 = self.t(self.recs[0][0])
        step = min(events_of(self.trace, "X", self.tid["task 1"], "step"), key=lambda e: e["ts"])
        self.assertEqual((perfetto_ns(step["ts"]), perfetto_ns(step["ts"]) + perfetto_ns(step["dur"])),
                         (t0, self.t(7200002000)), "a stepped without a step")
        wait = min(events_of(self.trace, "X", self.tid["conn_7"], "wait"), key=lambda e: e["ts"])
        self.assertEqual((perfetto_ns(wait["ts"]), perfetto_ns(wait["ts"]) + perfetto_ns(wait["dur"])),
                         (t0, self.t(7200003000)), "a wake without a suspend")
        blocks = sorted(events_of(self.trace, "X", self.tid["conn_7"], "block"), key=lambda e: e["ts"])
        self.assertEqual(len(blocks), 2)
        self.assertEqual((perfetto_ns(blocks[0]["ts"]),
                          perfetto_ns(blocks[0]["ts"]) + perfetto_ns(blocks[0]["dur"])),
                         (t0, self.t(7200011000)), "a leave without an enter: to its step's end")
        self.assertIn("entered before the first record", blocks[0]["args"]["note"])
        # the same block object entered again: its own slice, left at 12.504 ms
        self.assertEqual(perfetto_ns(blocks[1]["ts"]), self.t(7200017000))
        self.assertEqual(perfetto_ns(blocks[1]["ts"]) + perfetto_ns(blocks[1]["dur"]), self.t(7212508000))
        idle = min(events_of(self.trace, "X", 0), key=lambda e: e["ts"])
        self.assertEqual(perfetto_ns(idle["ts"]), t0)

    def test_yield_ended_by_the_next_step(self):
        waits = sorted(events_of(self.trace, "X", self.tid["conn_7"], "wait"), key=lambda e: e["ts"])
        y = [e for e in waits if e["name"] == "wait yield"]
        self.assertEqual(len(y), 1)
        self.assertEqual(perfetto_ns(y[0]["ts"]) + perfetto_ns(y[0]["dur"]), self.t(7200017000))
        self.assertIn("ended by its step", y[0]["args"]["note"])

    def test_unfinished_at_the_end(self):
        t1 = self.t(self.recs[-1][0])
        last = {}
        for e in events_of(self.trace, "X"):
            last[e["tid"]] = max(last.get(e["tid"], 0), perfetto_ns(e["ts"]) + perfetto_ns(e["dur"]))
        self.assertEqual(last[self.tid["task 1"]], t1)   # sleeping
        self.assertEqual(last[self.tid["conn_7"]], t1)   # waiting on the queue
        self.assertEqual(last[0], t1)                    # idle
        self.assertLess(last[self.tid["task 3"]], t1)    # ended

    def test_flow(self):
        s = events_of(self.trace, "s")
        f = events_of(self.trace, "f")
        self.assertEqual([(s[0]["tid"], f[0]["tid"])], [(self.tid["conn_7"], self.tid["task 3"])])


def trace_text(body, tps=1000000000):
    return "aio-trace 1 ticks_per_sec=%d\n%s" % (tps, body)


def convert(text):
    """JSON and SVG of a trace given as text, in-process."""
    model = aio_trace.Model(aio_trace.parse(text))
    return model, aio_trace.to_trace_events(model), aio_trace.to_svg(model)


class Robustness(unittest.TestCase):

    def test_ticks_per_second_1000(self):
        model, trace, _ = convert(trace_text("5 step 0x10 - - 0\n7 stepped 0x10 - - 0\n"
                                             "1234567 idle - - - -1\n1234999 awake - - - 0\n", 1000))
        step = events_of(trace, "X", 1)[0]
        self.assertEqual((step["ts"], step["dur"]), (5000, 2000))
        self.assertIsInstance(step["ts"], int)
        idle = events_of(trace, "X", 0)[0]
        self.assertEqual((idle["ts"], idle["dur"]), (1234567000, 432000))

    def test_odd_tick_rates_convert_exactly(self):
        # up to 40 days after the clock's zero (nanoseconds in a double: 104 days)
        for tps in (32768, 3, 1000000007, 1000000000):
            times = sorted((0, 8, 12345, 3600 * tps + 1, 40 * 86400 * tps + 3))
            body = "".join("%d step 0x10 - - 0\n%d stepped 0x10 - - 0\n" % (t, t + 7) for t in times)
            _, trace, _ = convert(trace_text(body, tps))
            steps = sorted(events_of(trace, "X", 1), key=lambda e: e["ts"])
            self.assertEqual(len(steps), len(times))
            for e, ticks in zip(steps, times):
                exact = Fraction(ticks * 10**6, tps)
                self.assertEqual(perfetto_ns(e["ts"]), ns(ticks, tps), (tps, e))
                self.assertLessEqual(abs(Fraction(e["ts"]) - exact), Fraction(math.ulp(float(exact) or 1.0)) * 2)
                self.assertEqual(perfetto_ns(e["ts"]) + perfetto_ns(e["dur"]), ns(ticks + 7, tps))
                self.assertLess(abs(Fraction(e["dur"]) - Fraction(7 * 10**6, tps)), Fraction(1, 1000))

    def test_unsorted_records_are_sorted_stably(self):
        body = ("30 step 0x10 - - 0\n40 stepped 0x10 - - 0\n"
                "10 step 0x20 - - 0\n10 suspend 0x20 - sleep 0\n10 stepped 0x20 - - 0\n"
                "35 wake 0x20 - timer 0\n")
        model, trace, svg = convert(trace_text(body))
        self.assertEqual([r.time for r in model.trace.records], [10, 10, 10, 30, 35, 40])
        self.assertEqual([r.kind for r in model.trace.records][:3], ["step", "suspend", "stepped"])
        self.assertEqual(model.trace.out_of_order, 1)
        self.assertIn("sorted", trace["otherData"]["note"])
        # tracks in order of first appearance in time: 0x20 first
        wait = events_of(trace, "X", 1, "wait")[0]
        self.assertEqual((perfetto_ns(wait["ts"]), perfetto_ns(wait["ts"]) + perfetto_ns(wait["dur"])), (10, 35))
        ET.fromstring(svg)

    def test_names_before_or_after_first_records(self):
        body = ("0 name 0x30 - early_bird 0\n1 spawn 0x10 - - 0\n2 spawn 0x20 0x10 - 0\n"
                "3 spawn 0x30 0x10 - 0\n4 step 0x20 - - 0\n5 name 0x20 - late:name/[1] 0\n"
                "6 stepped 0x20 - - 0\n")
        model, trace, svg = convert(trace_text(body))
        names = {e["tid"]: e["args"]["name"] for e in events_of(trace, "M") if e["name"] == "thread_name"}
        self.assertEqual(names, {0: "loop", 1: "early_bird", 2: "task 2", 3: "late:name/[1]"})
        root = ET.fromstring(svg)
        labels = [t.text for t in root.iter(SVGNS + "text") if t.get("class") == "label"]
        self.assertEqual(labels[:3], ["early_bird", "task 2", "late:name/[1]"])

    def test_a_wait_without_a_wake_ends_at_the_end(self):
        body = ("0 step 0x10 - - 0\n1 suspend 0x10 - yield 0\n2 stepped 0x10 - - 0\n"
                "3 end 0x10 - - 0\n")
        _, trace, _ = convert(trace_text(body))
        wait = events_of(trace, "X", 1, "wait")[0]
        self.assertEqual((perfetto_ns(wait["ts"]), perfetto_ns(wait["ts"]) + perfetto_ns(wait["dur"])), (2, 3))
        self.assertIn("ended by its end", wait["args"]["note"])

    def test_the_cancellers_kinds(self):
        # a task; a group owned by a task (an arrow from that task); a block of
        # the cancelled task itself (no arrow); an unknown id; nobody
        body = ("0 step 0x10 - - 0\n1 enter 0x10 0xb1 group -1\n2 stepped 0x10 - - 0\n"
                "3 step 0x20 - - 0\n4 enter 0x20 0xb2 timeout 100\n5 stepped 0x20 - - 0\n"
                "10 cancel 0x20 0x10 call 0\n11 cancel 0x20 0xb1 group 0\n"
                "12 cancel 0x20 0xb2 deadline 0\n13 cancel 0x20 0xdead owner 0\n"
                "14 cancel 0x20 - run 0\n")
        model, trace, svg = convert(trace_text(body))
        kinds = [c.by_kind for c in model.cancels]
        self.assertEqual(kinds, ["task", "group", "timeout", "unknown", None])
        flows = sorted((e["tid"], perfetto_ns(e["ts"])) for e in events_of(trace, "s"))
        self.assertEqual(flows, [(1, 10), (1, 11)])
        self.assertEqual(len(events_of(trace, "i", 2, "cancel")), 5)
        root = ET.fromstring(svg)
        self.assertEqual(len([p for p in root.iter(SVGNS + "path") if p.get("class") == "flow"]), 2)

    def test_nothing_but_a_header(self):
        model, trace, svg = convert(trace_text(""))
        self.assertEqual(model.tasks, {})
        self.assertEqual([e["name"] for e in trace["traceEvents"]], ["process_name", "thread_name",
                                                                    "thread_sort_index"])
        ET.fromstring(svg)

    def test_random_traces_never_crash(self):
        rng = random.Random(1)
        ids = ["0x%x" % (0x1000 + 16 * i) for i in range(5)]
        blocks = ["0x%x" % (0x9000 + 16 * i) for i in range(3)]
        for n in range(300):
            lines, t = [], rng.randrange(0, 10**6)
            for _ in range(rng.randrange(0, 60)):
                t += rng.choice((0, 0, 1, 7, 1000, 10**6))
                if rng.random() < 0.05:
                    t -= rng.randrange(0, 2000)
                t = max(t, 0)
                kind = rng.choice(aio_trace.KINDS)
                task = "-" if kind in aio_trace.LOOP_KINDS else rng.choice(ids)
                other = rng.choice(["-"] + ids + blocks)
                detail = rng.choice(["-", "sleep", "timeout", "group", "cancel", "name_%d" % n, "x"])
                value = rng.choice((0, -1, -2, 5, -64, 10**9, -10**9))
                lines.append("%d %s %s %s %s %d" % (t, kind, task, other, detail, value))
            text = trace_text("\n".join(lines) + "\n", rng.choice((1000, 10**9, 32768)))
            model, trace, svg = convert(text)
            json.loads(json.dumps(trace))
            ET.fromstring(svg)
            for e in events_of(trace, "X"):
                self.assertGreaterEqual(e["dur"], 0, text)

    def test_malformed_lines_exit_2_naming_the_line(self):
        good = "aio-trace 1 ticks_per_sec=1000000000\n0 step 0x10 - - 0\n"
        cases = [
            ("", 1, "empty trace"),
            ("aio-trace 2 ticks_per_sec=1000\n", 1, "version 2"),
            ("aio_trace 1 ticks_per_sec=1000\n", 1, "expected 'aio-trace 1 ticks_per_sec=N'"),
            ("aio-trace 1 ticks_per_sec=0\n", 1, "ticks_per_sec must be a positive integer"),
            (good + "5 stepped 0x10 - -\n", 3, "expected 6 fields"),
            (good + "5 stepped 0x10 - - 0 7\n", 3, "expected 6 fields"),
            (good + "5  stepped 0x10 - - 0\n", 3, "single spaces"),
            (good + "5\tstepped 0x10 - - 0\n", 3, "single spaces"),
            (good + "# fine\n-5 stepped 0x10 - - 0\n", 4, "TIME must be an unsigned integer"),
            (good + "5 stpe 0x10 - - 0\n", 3, "unknown KIND 'stpe'"),
            (good + "5 stepped task1 - - 0\n", 3, "TASK must be a hex id"),
            (good + "5 wake 0x10 0xZZ timer 0\n", 3, "OTHER must be a hex id"),
            (good + "5 step - - - 0\n", 3, "needs a TASK id"),
            (good + "5 idle 0x10 - - 100\n", 3, "its TASK must be '-'"),
            (good + "5 leave 0x10 0x20 timeout -2.5\n", 3, "VALUE must be a signed integer"),
        ]
        tmp = tempfile.mkdtemp(prefix="aio-trace-bad-")
        try:
            for text, line, what in cases:
                path = os.path.join(tmp, "bad.txt")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                out = os.path.join(tmp, "out.json")
                r = run_tool(path, "--json", out, "--svg", os.path.join(tmp, "out.svg"))
                self.assertEqual(r.returncode, 2, (text, r.stderr))
                self.assertIn("bad.txt, line %d: " % line, r.stderr, text)
                self.assertIn(what, r.stderr, text)
                self.assertEqual(r.stdout, "")
                self.assertFalse(os.path.exists(out), "nothing written for a malformed trace")
            r = run_tool(os.path.join(tmp, "missing.txt"))
            self.assertEqual(r.returncode, 2)
            self.assertIn("cannot read", r.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_help_and_stdin(self):
        r = run_tool("--help")
        self.assertEqual(r.returncode, 0)
        for word in ("--json", "--svg", "TRACE.txt", "ui.perfetto.dev", "2 a malformed trace",
                     "TIME KIND TASK OTHER DETAIL VALUE", "ticks_per_sec=N"):
            self.assertIn(word, r.stdout)
        with open(SAMPLE, encoding="utf-8") as f:
            r = run_tool("-", "--json", "-", stdin=f.read())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(json.loads(r.stdout)["traceEvents"]),
                         len(Converted.get(SAMPLE)["json"]["traceEvents"]))


# A 500 ms timeout block around a 1 s sleep, recorded by a build with 32-bit
# millisecond ticks whose clock wraps during the block (aio_recorder_dump's
# text, the ids shortened): the records after the wrap read 404.
WRAPPED = """aio-trace 1 ticks_per_sec=1000 time_bits=32
4294967200 spawn 0x10 - - 0
4294967200 step 0x10 - - 0
4294967200 name 0x10 - main%20task 0
4294967200 enter 0x10 0xb0 timeout 404
4294967200 suspend 0x10 - sleep 0
4294967200 stepped 0x10 - - 0
4294967200 idle - - - 404
404 awake - - - 0
404 fire 0x10 0xb0 block 0
404 cancel 0x10 0xb0 deadline 0
404 wake 0x10 - cancel 0
404 step 0x10 - - 0
404 leave 0x10 0xb0 timeout -2
404 end 0x10 - - 0
404 stepped 0x10 - - 0
"""


class ClockWidthAndNames(unittest.TestCase):
    """32-bit ticks that wrap (time_bits), deadlines past 2**31, escaped labels."""

    def block_and_idle(self, trace):
        block = events_of(trace, "X", 1, "block")
        idle = events_of(trace, "X", 0)
        self.assertEqual(len(block), 1, "one block, not one on each side of the wrap")
        self.assertEqual(len(idle), 1)
        return block[0], idle[0]

    def test_a_ring_across_the_32_bit_wrap_keeps_its_order(self):
        model, trace, svg = convert(WRAPPED)
        self.assertEqual(model.trace.time_bits, 32)
        self.assertEqual([r.lineno for r in model.trace.records], list(range(2, 17)), "file order")
        self.assertEqual(model.trace.out_of_order, 0)
        self.assertEqual(model.t1 - model.t0, 500)
        self.assertEqual(model.t1, 2**32 + 404, "after the wrap the ticks count on")
        self.assertEqual(trace["otherData"]["time_bits"], 32)
        self.assertNotIn("note", trace["otherData"])
        self.assertIs(trace["otherData"]["truncated"], False)
        block, idle = self.block_and_idle(trace)
        self.assertEqual((block["dur"], block["args"]["deadline"], block["args"]["left at"]),
                         (500000, "500 ms", "500 ms"))
        self.assertEqual(block["args"]["means"], "timed out")
        self.assertEqual((idle["dur"], idle["args"]["until"]), (500000, "500 ms"))
        self.assertIn("500 ms", aio_trace.summary(model).splitlines()[0])
        root = ET.fromstring(svg)
        titles = [e.find(SVGNS + "title").text for e in root.iter() if e.get("class") == "block"]
        self.assertTrue(any("deadline 500 ms" in t for t in titles), titles)

    def test_deadlines_past_2_31_ticks(self):
        # a block entered at 0x90000000 ticks (28 days): its deadline is no "none"
        body = ("2415919104 step 0x10 - - 0\n2415919104 enter 0x10 0xb0 timeout 2415919604\n"
                "2415919104 stepped 0x10 - - 0\n2415919104 idle - - - 2415919604\n"
                "2415919604 awake - - - 0\n2415919604 step 0x10 - - 0\n"
                "2415919604 leave 0x10 0xb0 timeout -2\n2415919604 stepped 0x10 - - 0\n")
        for text in (trace_text(body, 1000).replace("=1000\n", "=1000 time_bits=32\n"),
                     trace_text(body, 1000),
                     # as a library before this format wrote them: signed
                     trace_text(body.replace(" 2415919604\n", " -1879047692\n"), 1000)
                     .replace("=1000\n", "=1000 time_bits=32\n")):
            _, trace, _ = convert(text)
            block, idle = self.block_and_idle(trace)
            self.assertEqual(block["args"]["deadline"], "500 ms", text)
            self.assertEqual(idle["args"]["until"], "500 ms", text)

    def test_no_deadline_is_minus_1_whatever_the_width(self):
        body = "0 step 0x10 - - 0\n0 enter 0x10 0xb0 shielded -1\n0 stepped 0x10 - - 0\n0 idle - - - -1\n"
        for head in ("", " time_bits=32"):
            _, trace, _ = convert(trace_text(body, 1000).replace("=1000\n", "=1000%s\n" % head))
            block = events_of(trace, "X", 1, "block")[0]
            self.assertEqual(block["args"]["deadline"], "none")
            self.assertEqual(events_of(trace, "X", 0)[0]["args"]["until"], "no deadline")

    def test_64_bit_ticks_across_their_wrap(self):
        body = "%d step 0x10 - - 0\n%d stepped 0x10 - - 0\n3 step 0x10 - - 0\n4 stepped 0x10 - - 0\n" % (
            2**64 - 5, 2**64 - 5)
        model, _, _ = convert(trace_text(body))
        self.assertEqual([r.time - model.t0 for r in model.trace.records], [0, 0, 8, 9])

    def test_escaped_labels_read_back(self):
        body = ("0 name 0x10 - fetch%20one:%20100%25%09%C3%A9 0\n0 name 0x20 - worker(1)_[a/b]-#x 0\n"
                "0 name 0x30 - 50%off%2 0\n0 step 0x10 - - 0\n0 step 0x20 - - 0\n0 step 0x30 - - 0\n")
        model, trace, svg = convert(trace_text(body))
        names = {e["tid"]: e["args"]["name"] for e in events_of(trace, "M") if e["name"] == "thread_name"}
        self.assertEqual(names, {0: "loop", 1: "fetch one: 100%\t\u00e9", 2: "worker(1)_[a/b]-#x",
                                 3: "50%off%2"})
        root = ET.fromstring(svg)
        labels = [t.text for t in root.iter(SVGNS + "text") if t.get("class") == "label"]
        self.assertEqual(labels[:3], ["fetch one: 100%\t\u00e9", "worker(1)_[a/b]-#x", "50%off%2"])

    def test_clock_width_errors(self):
        for text, what in (("aio-trace 1 ticks_per_sec=1000 time_bits=7\n", "time_bits must be from 8 to 64"),
                           ("aio-trace 1 ticks_per_sec=1000 time_bits=\n", "expected 'aio-trace 1"),
                           ("aio-trace 1 ticks_per_sec=1000 time_bits=32\n4294967296 step 0x10 - - 0\n",
                            "does not fit the clock's 32 bits")):
            with self.assertRaises(aio_trace.TraceError) as cm:
                aio_trace.parse(text)
            self.assertIn(what, cm.exception.message)


class SvgStructure(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.root = Converted.get(SAMPLE)["tree"].getroot()
        cls.troot = Converted.get(TRUNCATED)["tree"].getroot()

    def by_class(self, root, cls):
        return [e for e in root.iter() if cls in (e.get("class") or "").split()]

    def test_self_contained(self):
        with open(Converted.get(SAMPLE)["svg"], encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(self.root.tag, SVGNS + "svg")
        for e in self.root.iter():
            self.assertNotIn(e.tag.split("}")[-1], ("script", "image", "foreignObject", "a", "style"))
            for k, v in e.attrib.items():
                self.assertFalse(k.startswith("on"), k)
                self.assertNotIn("href", k)
                if "url(" in v:
                    self.assertRegex(v, r"^url\(#[\w-]+\)$")
        self.assertEqual(re.findall(r"https?://[^\"' ]*", text), ["http://www.w3.org/2000/svg"])
        self.assertNotIn("@font-face", text)
        self.assertNotIn("@import", text)

    def test_classes_and_titles(self):
        counts = {c: len(self.by_class(self.root, c)) for c in
                  ("step", "wait", "block", "cancel", "fire", "flow", "lane", "axis", "legend",
                   "spawn", "cleanup", "end", "idle", "tick")}
        self.assertEqual(counts["step"], 14)
        self.assertEqual(counts["wait"], 10)
        self.assertEqual(counts["block"], 2)
        self.assertEqual(counts["cancel"], 3)
        self.assertEqual(counts["fire"], 2)
        self.assertEqual(counts["flow"], 2)
        self.assertEqual(counts["lane"], 5)      # four tasks and the loop
        self.assertEqual(counts["idle"], 5)
        self.assertEqual((counts["spawn"], counts["cleanup"], counts["end"]), (4, 3, 4))
        self.assertEqual((counts["axis"], counts["legend"]), (1, 1))
        self.assertGreaterEqual(counts["tick"], 5)
        for c in ("step", "wait", "block", "cancel", "fire", "flow", "lane", "idle", "spawn", "end"):
            for e in self.by_class(self.root, c):
                title = e.find(SVGNS + "title")
                self.assertIsNotNone(title, "%s without a title" % c)
                self.assertTrue(title.text.strip())
        flows = sorted((e.get("data-from"), e.get("data-to")) for e in self.by_class(self.root, "flow"))
        self.assertEqual(flows, [("main", "setter"), ("main", "waiter")])
        waits = [e.find(SVGNS + "title").text for e in self.by_class(self.root, "wait")]
        self.assertTrue(any("waiter waits on io" in w and "woken by" in w for w in waits), waits)

    def test_steps_in_their_lanes(self):
        per_task = {}
        for g in self.root.iter(SVGNS + "g"):
            if g.get("class") == "task":
                per_task[g.get("data-task")] = len([e for e in g if e.get("class") == "step"])
        self.assertEqual(per_task, {"main": 4, "sleeper": 2, "waiter": 3, "setter": 5})
        lanes = {e.get("data-task"): float(e.get("y")) for e in self.by_class(self.root, "lane")}
        self.assertEqual(list(lanes), ["main", "sleeper", "waiter", "setter", "loop"])

    def test_legend(self):
        kinds = [g.get("data-kind") for g in self.by_class(self.root, "legend-item")]
        for k in ("step", "wait", "block", "cancel", "fire", "flow", "spawn", "cleanup", "end", "idle"):
            self.assertIn(k, kinds)

    def test_axis_in_sensible_units(self):
        def labels(root):
            return [t.find(SVGNS + "text").text for t in self.by_class(root, "tick")]
        self.assertEqual(labels(self.root), ["0", "0.2 s", "0.4 s", "0.6 s", "0.8 s", "1.0 s"])
        self.assertEqual(labels(self.troot), ["0", "2 ms", "4 ms", "6 ms", "8 ms", "10 ms", "12 ms"])
        _, _, svg = convert(trace_text("0 step 0x10 - - 0\n35 stepped 0x10 - - 0\n", 1000000))
        self.assertEqual(labels(ET.fromstring(svg))[:3], ["0", "5 µs", "10 µs"])
        _, _, svg = convert(trace_text("0 step 0x10 - - 0\n7 stepped 0x10 - - 0\n"))
        self.assertEqual(labels(ET.fromstring(svg))[:3], ["0", "1 ns", "2 ns"])
        for root in (self.root, self.troot):
            for t in self.by_class(root, "tick"):
                label = t.find(SVGNS + "text").text
                secs = float(t.get("data-seconds"))
                if label != "0":
                    value, unit = label.split(" ")
                    scale = {"s": 1, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}[unit]
                    self.assertAlmostEqual(float(value) * scale, secs, delta=secs * 1e-9)

    def test_the_docs_picture_is_current(self):
        # docs/timeline-sample.svg is this tool's drawing of the sample, with its title:
        #   python3 tools/aio_trace.py tests/trace/sample.txt --svg docs/timeline-sample.svg --title TITLE
        path = os.path.join(ROOT, "docs", "timeline-sample.svg")
        with open(path, encoding="utf-8") as f:
            committed = f.read()
        title = ET.fromstring(committed).find(SVGNS + "title").text
        with open(SAMPLE, encoding="utf-8") as f:
            model = aio_trace.Model(aio_trace.parse(f.read()))
        self.assertEqual(committed, aio_trace.to_svg(model, title),
                         "docs/timeline-sample.svg is not the tool's drawing of the sample: run the "
                         "command above")

    def test_truncation_caption(self):
        captions = [e.text for e in self.by_class(self.troot, "caption")]
        self.assertTrue(captions and "58 earlier records" in captions[0], captions)
        self.assertEqual(self.by_class(self.root, "caption"), [])
        self.assertGreaterEqual(len(self.by_class(self.troot, "truncated")), 4)


# --------------------------------------------------------------------------
# The picture: the SVG drawn by a browser, read back pixel by pixel
# --------------------------------------------------------------------------

def read_png(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, [], None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise ValueError("PNG of depth %d, colour type %d, interlace %d" % (depth, colour, interlace))
            bpp = 3 if colour == 2 else 4
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x:x + 3]) for x in range(0, stride, bpp)])
        prev = line
    return width, height, rows


def find_chromium():
    for name in (os.environ.get("AIO_CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def screenshot(svg_path, png_path, width, height):
    """None when it worked, else why not."""
    browser = find_chromium()
    if browser is None:
        return "chromium is not installed (apt-get install -y chromium)"
    profile = tempfile.mkdtemp(prefix="aio-trace-chromium-")
    try:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--user-data-dir=" + profile, "--force-device-scale-factor=1", "--hide-scrollbars",
               "--screenshot=" + png_path, "--window-size=%d,%d" % (width, height),
               "file://" + os.path.abspath(svg_path)]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as e:
            return "chromium did not run: %s" % e
        if not os.path.exists(png_path):
            return "chromium wrote no screenshot (exit %d): %s" % (r.returncode, r.stderr.strip()[-300:])
        return None
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def hexrgb(colour):
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def svg_colours(root):
    """The colour the SVG gives each kind of mark (the first of its class)."""
    colours = {"text": (0x1b, 0x1f, 0x24), "muted": None}
    paint = {"step": "fill", "wait": "fill", "idle": "fill", "spawn": "fill", "cleanup": "fill",
             "end": "fill", "fire": "fill", "block": "stroke", "cancel": "stroke", "flow": "stroke"}
    for e in root.iter():
        classes = (e.get("class") or "").split()
        for kind, attr in paint.items():
            if kind in classes and kind not in colours and e.get(attr, "").startswith("#"):
                colours[kind] = hexrgb(e.get(attr))
        if e.tag == SVGNS + "g" and classes == ["axis"]:
            colours["muted"] = hexrgb(e.get("fill"))
    return colours


def distance(a, b):
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]), abs(a[2] - b[2]))


class Picture(unittest.TestCase):
    """The sample's SVG as Chromium draws it."""
    shot = {}

    @classmethod
    def setUpClass(cls):
        cls.why_not = None
        for path in (SAMPLE, TRUNCATED):
            conv = Converted.get(path)
            root = conv["tree"].getroot()
            w, h = int(root.get("width")), int(root.get("height"))
            png = conv["svg"][:-4] + ".png"
            why = screenshot(conv["svg"], png, w, h)
            if why:
                cls.why_not = why
                return
            cls.shot[path] = (root,) + read_png(png)

    def setUp(self):
        if self.why_not:
            self.skipTest(self.why_not)
        root, self.width, self.height, self.rows = self.shot[SAMPLE]
        self.root = root
        self.x0 = float(root.get("data-plot-x0"))
        self.x1 = float(root.get("data-plot-x1"))
        self.t0 = int(root.get("data-first-tick"))
        self.t1 = int(root.get("data-last-tick"))
        self.lanes = {}
        for e in root.iter(SVGNS + "rect"):
            if "lane" in (e.get("class") or "").split():
                self.lanes[e.get("data-task")] = (int(float(e.get("y"))),
                                                  int(float(e.get("y")) + float(e.get("height"))))
        self.c = svg_colours(root)

    def x(self, ticks):
        return self.x0 + (ticks - self.t0) * (self.x1 - self.x0) / (self.t1 - self.t0)

    def has(self, colour, xa, xb, ya, yb, tol=10, rows=None):
        rows = rows or self.rows
        for yy in range(max(0, int(ya)), min(len(rows), int(yb))):
            row = rows[yy]
            for xx in range(max(0, int(math.floor(xa))), min(len(row), int(math.ceil(xb)) + 1)):
                p = row[xx]
                if max(abs(p[0] - colour[0]), abs(p[1] - colour[1]), abs(p[2] - colour[2])) <= tol:
                    return True
        return False

    def in_lane(self, colour, task, xa, xb, tol=10):
        ya, yb = self.lanes[task]
        return self.has(colour, xa, xb, ya, yb, tol)

    def test_colours_tell_the_kinds_apart(self):
        kinds = ("step", "wait", "block", "cancel", "fire", "flow", "idle", "spawn", "cleanup")
        for k in kinds + ("end",):
            self.assertIn(k, self.c)
        for a in kinds:
            for b in kinds:
                if a < b:
                    self.assertGreater(distance(self.c[a], self.c[b]), 60, (a, b))
        # waits are a lighter colour than steps
        self.assertGreater(sum(self.c["wait"]), sum(self.c["step"]) + 150)

    def test_size_and_not_blank(self):
        self.assertEqual((self.width, self.height), (int(self.root.get("width")), int(self.root.get("height"))))
        white = sum(1 for row in self.rows for p in row if p == (255, 255, 255))
        total = self.width * self.height
        self.assertLess(white, total * 0.9, "mostly white")
        colours = {p for row in self.rows[::4] for p in row[::4]}
        self.assertGreater(len(colours), 20)

    def test_axis_ticks_where_the_svg_says(self):
        # the axis a reader reads agrees with the mapping the other tests use
        for t in self.root.iter(SVGNS + "g"):
            if t.get("class") != "tick":
                continue
            secs = float(t.get("data-seconds"))
            x = self.x(self.t0 + secs * int(self.root.get("data-ticks-per-sec")))
            line = [e for e in t if e.tag == SVGNS + "line" and e.get("class") != "grid"][0]
            self.assertAlmostEqual(float(line.get("x1")), x, delta=0.6)
            y = float(line.get("y1"))
            self.assertTrue(self.has(self.c["muted"], x - 1, x + 1, y, y + 5, tol=40), "tick at %s s" % secs)
            self.assertTrue(self.has(self.c["muted"], x - 20, x + 20, y - 16, y - 3, tol=60),
                            "label of the tick at %s s" % secs)

    def test_lane_labels_drawn(self):
        for task, (ya, yb) in self.lanes.items():
            dark = self.has((0x1b, 0x1f, 0x24), 8, self.x0 - 10, ya, yb, tol=60)
            self.assertTrue(dark, "no label text in the %s lane" % task)

    def test_steps_and_waits_where_the_trace_says(self):
        tps, recs = read_records(SAMPLE)
        for task, name in NAMES.items():
            for r in recs:
                if r[2] == task and r[1] == "step":
                    x = self.x(r[0])
                    self.assertTrue(self.in_lane(self.c["step"], name, x - 1, x + 3),
                                    "%s: no step drawn at %d" % (name, r[0]))
        # the middle of each long wait: the wait's colour, no step's
        waits = {"main": [(7500, 300021000), (300027000, 1000016000)], "sleeper": [(9400, 300016000)],
                 "waiter": [(11300, 200030000), (200046000, 1000008000)],
                 "setter": [(13400, 200021000), (200035000, 700042000), (700048000, 1000010000)]}
        for name, spans in waits.items():
            for a, b in spans:
                x = self.x((a + b) // 2)
                self.assertTrue(self.in_lane(self.c["wait"], name, x - 2, x + 2), "%s: wait %d..%d" % (name, a, b))
                self.assertFalse(self.in_lane(self.c["step"], name, x - 2, x + 2), "%s: a step at %d" % (name, (a + b) // 2))
        # after sleeper's end and before anything else: an empty lane
        x = self.x(650000000)
        self.assertFalse(self.in_lane(self.c["wait"], "sleeper", x - 3, x + 3))
        self.assertFalse(self.in_lane(self.c["step"], "sleeper", x - 3, x + 3))

    def test_cancels_and_fires_where_the_trace_says(self):
        xc = self.x(1000007000)
        for name in ("main", "waiter", "setter"):
            self.assertTrue(self.in_lane(self.c["cancel"], name, xc - 7, xc + 7), name)
        self.assertFalse(self.in_lane(self.c["cancel"], "sleeper", 0, self.width))
        self.assertFalse(self.in_lane(self.c["cancel"], "main", self.x0, self.x(900000000)))
        self.assertTrue(self.in_lane(self.c["fire"], "main", xc - 7, xc + 7))
        xf = self.x(700041000)
        self.assertTrue(self.in_lane(self.c["fire"], "setter", xf - 7, xf + 7))
        self.assertFalse(self.in_lane(self.c["fire"], "setter", self.x0, xf - 10))
        for name in ("sleeper", "waiter"):
            self.assertFalse(self.in_lane(self.c["fire"], name, 0, self.width), name)

    def test_blocks_where_the_trace_says(self):
        purple = self.c["block"]
        for t in (2000, 500000000, 1050046000):
            x = self.x(t)
            self.assertTrue(self.in_lane(purple, "main", x - 2, x + 2, tol=12), "main's block at %d" % t)
        x = self.x(1030000000)
        self.assertTrue(self.in_lane(purple, "setter", x - 2, x + 2, tol=12))
        x = self.x(500000000)
        self.assertFalse(self.in_lane(purple, "setter", x - 2, x + 2, tol=12))
        for name in ("sleeper", "waiter"):
            self.assertFalse(self.in_lane(purple, name, self.x0, self.x1, tol=12), name)

    def test_flows_between_the_lanes(self):
        flow = self.c["flow"]
        main_bottom = self.lanes["main"][1]
        setter_top = self.lanes["setter"][0]
        xc = self.x(1000007000)
        self.assertTrue(self.has(flow, xc, xc + 45, main_bottom, setter_top, tol=50),
                        "no arrow from main towards waiter and setter")
        self.assertFalse(self.has(flow, self.x0, self.x(900000000), main_bottom, setter_top, tol=50))

    def test_loop_idle(self):
        tps, recs = read_records(SAMPLE)
        start = None
        for r in recs:
            if r[1] == "idle":
                start = r[0]
            elif r[1] == "awake" and r[0] - start > 40000000:
                x = self.x((start + r[0]) // 2)
                self.assertTrue(self.in_lane(self.c["idle"], "loop", x - 2, x + 2))
        self.assertFalse(self.in_lane(self.c["step"], "loop", 0, self.width))

    def test_legend_drawn(self):
        ya = self.lanes["loop"][1] + 4
        for kind in ("step", "wait", "block", "cancel", "fire", "spawn", "cleanup", "idle", "end"):
            self.assertTrue(self.has(self.c[kind], 0, self.width, ya, self.height, tol=30), kind)
        self.assertTrue(self.has(self.c["flow"], 0, self.width, ya, self.height, tol=50), "flow")
        self.assertTrue(self.has((0x1b, 0x1f, 0x24), 0, 60, ya, self.height, tol=60), "the word Legend")

    def test_truncated_picture_has_its_caption(self):
        root, w, h, rows = self.shot[TRUNCATED]
        cap = [e for e in root.iter(SVGNS + "text") if e.get("class") == "caption"][0]
        y = float(cap.get("y"))
        self.assertTrue(self.has(hexrgb("#a4262c"), 10, w / 2, y - 10, y + 3, tol=60, rows=rows))
        # dashed outlines where things began before the first record: dark dots on the left edge
        lane = [e for e in root.iter(SVGNS + "rect") if e.get("data-task") == "conn_7"][0]
        ya = float(lane.get("y"))
        x0 = float(root.get("data-plot-x0"))
        self.assertTrue(self.has(self.c["text"], x0, x0 + 30, ya, ya + 46, tol=60, rows=rows))


# --------------------------------------------------------------------------

class LineResult(unittest.TextTestResult):
    def __init__(self, stream, descriptions, verbosity):
        super().__init__(stream, descriptions, 0)
        self.out = stream
        self.passed = []

    @staticmethod
    def name(test):
        method = getattr(test, "_testMethodName", None)
        return "%s.%s" % (type(test).__name__, method) if method else str(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test)
        self.out.write("ok %s\n" % self.name(test))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.out.write("FAILED %s\n%s" % (self.name(test), indent(self._exc_info_to_string(err, test))))

    def addError(self, test, err):
        super().addError(test, err)
        self.out.write("FAILED %s (error)\n%s" % (self.name(test), indent(self._exc_info_to_string(err, test))))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.out.write("SKIPPED %s: %s\n" % (self.name(test), reason))

    def printErrors(self):
        pass


def indent(text):
    return "".join("    " + line + "\n" for line in text.rstrip().splitlines()[-12:])


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    stream = sys.stdout
    result = LineResult(stream, True, 0)
    suite.run(result)
    failed = len(result.failures) + len(result.errors)
    stream.write("trace: %d passed, %d failed, %d skipped\n" % (len(result.passed), failed,
                                                              len(result.skipped)))
    if Converted.dir:
        shutil.rmtree(Converted.dir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
