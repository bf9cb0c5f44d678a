# SPDX-License-Identifier: MIT
"""Run every scenario of enumerator.py up to a bound on both runtimes and compare.

Started by driver.py (`tests/conformance/run --exhaustive BOUND`); README.md
beside this file, "Every small program", says what it does. The scenarios go
in chunks to worker processes (one per core); each worker runs a chunk on the
C runner in one process (all texts on its stdin) and on CPython's asyncio in
its own interpreter, compares the traces and sorts every difference: agree,
explained by a named rule (rules.py), or a disagreement.
"""
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time

import scenario
import pyrunner
import rules
import enumerator

HERE = os.path.dirname(os.path.abspath(__file__))
CHUNK = 400


def run_c_texts(exe, items):
    """{index: (lines, error)} for [(index, text)], in one C runner process."""
    res = {}
    todo = list(items)
    while todo:
        data = ''.join('@@ %d\n%s' % (i, t) for i, t in todo)
        try:
            r = subprocess.run([exe, '-'], input=data, capture_output=True, text=True,
                               timeout=600)
            out, code = r.stdout, r.returncode
        except subprocess.TimeoutExpired as e:
            out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
            code = 'timeout'
        cur = scenario.read_runner_output(out, res, int)
        if cur is None:
            break
        # the runner stopped inside scenario `cur`: go on after it
        res[cur] = (res[cur][0], 'the C runner stopped (%s)' % code)
        pos = [i for i, _ in todo].index(cur)
        todo = todo[pos + 1:]
    return res


def parse(text, pid):
    """scenario.parse for the enumerator's texts, which have no comments,
    tabs or blank lines inside."""
    sc = scenario.Scenario(pid)
    lines = []
    for no, raw in enumerate(text.split('\n'), 1):
        if raw:
            st = raw.lstrip(' ')
            lines.append((no, len(raw) - len(st), st))
    _Parser(sc, lines).parse()
    return sc


class _Parser(scenario._Parser):
    """The parser, for texts that are canonical by construction (no name
    checks), with the steps that open no block parsed once per process
    (the runners only read them)."""
    steps = {}

    def check(self, sc):
        pass

    def step(self, no, s):
        st = self.steps.get(s)
        if st is None:
            st = scenario._Parser.step(self, no, s)
            if st.kind not in scenario.BLOCK_KINDS:
                self.steps[s] = st
        elif st.kind == 'raise' and st.target not in self.sc.errors:
            self.sc.errors.append(st.target)
        return st


def _by_instant_and_task(lines):
    d = {}
    for ln in lines:
        t, task, _ = ln.split(' ', 2)
        d.setdefault((t, task), []).append(ln)
    return d


def acquire_order(py, c):
    """A lock and a semaphore hand themselves on in a defined order (first
    come, first served): the order in which the tasks' acquires end, across
    tasks (which the relaxed comparison does not look at), must agree (a
    limit that ends an acquire hands nothing on). None, or a difference."""
    return scenario.first_mismatch([ln for ln in py if ' acquire ' in ln and ln.endswith(' ok')],
                                   [ln for ln in c if ' acquire ' in ln and ln.endswith(' ok')],
                                   '(no more acquires)', 'order of the acquires, acquire %d')


def same_relaxed(py, c):
    """scenario.compare(py, c) is None, quicker: the same lines of each task
    in each instant, in the same order (times never go back in a trace)."""
    return len(py) == len(c) and _by_instant_and_task(py) == _by_instant_and_task(c)


class Tally:
    """What one header's runs came to: counts, and the smallest program of
    each rule and of each group of disagreements."""

    def __init__(self):
        self.total = self.agree = 0
        self.by_rule = {}     # rule -> [count, (size, len, id, text)]
        self.groups = {}      # key -> [count, (size, len, id, text, diff, py, c)]
        self.records = []     # (id, text, py, c, notes) of every program that differs
        self.reduced = 0      # programs the symmetry reduction left out
        self.also = {}        # rule -> programs it explained a later difference of

    @staticmethod
    def _keep(d, k, item):
        ent = d.setdefault(k, [0, None])
        ent[0] += 1
        if ent[1] is None or item[:3] < ent[1][:3]:
            ent[1] = item

    def classify(self, pid, text, py, c, notes, version, strict, size=None):
        """Count one program run on both sides."""
        if size is None:
            size = size_of(text)
        d = None if py == c or same_relaxed(py, c) else scenario.compare(py, c)
        if d is None and ' acquire ' in text:
            d = acquire_order(py, c)
        if d is None:
            self.agree += 1
            return
        self.records.append((pid, text, py, c, notes))
        used, left = rules.explain_all(py, c, notes, d, version)
        if left is None:
            self._keep(self.by_rule, used[0], (size, len(text), pid, text))
            for r in used[1:]:
                self.also[r] = self.also.get(r, 0) + 1
        else:
            # the first difference no rule explains (after those they did)
            self._keep(self.groups, group_key(left), (size, len(text), pid, text, left, py, c))

    def merge(self, o):
        self.records.extend(o.records)
        self.reduced += o.reduced
        for k, n in o.also.items():
            self.also[k] = self.also.get(k, 0) + n
        self.total += o.total
        self.agree += o.agree
        for src, dst in ((o.by_rule, self.by_rule), (o.groups, self.groups)):
            for k, (n, sm) in src.items():
                ent = dst.setdefault(k, [0, None])
                ent[0] += n
                if ent[1] is None or sm[:3] < ent[1][:3]:
                    ent[1] = sm


def run_chunk(exes, version, items, tallies):
    """Run [(id, text)] on CPython and on each C runner of `exes`."""
    cres = []
    for exe in exes:
        scenario.ADDRESSED.clear()
        cres.append(run_c_texts(exe, [(k, t) for k, (_, t, _) in enumerate(items)]))
        cres[-1] = (cres[-1], dict(scenario.ADDRESSED))
    for k, (pid, text, size) in enumerate(items):
        sc = parse(text, pid)
        try:
            py, notes = pyrunner.run_noted(sc, tidy=False)
            perr = None
        except Exception as e:    # a runner bug: a disagreement to look at
            py, notes, perr = [], [], 'the Python runner failed: %r' % e
        for (cr, addressed), tl in zip(cres, tallies):
            tl.total += 1
            c, cerr = cr.get(k, ([], 'no output from the C runner'))
            if perr or cerr:
                d = (perr or '', cerr or '', 'runner error')
                tl._keep(tl.groups, 'runner error', (size, len(text), pid, text, d, py, c))
                continue
            lib = [(0, x, scenario.ADDRESSED_NOTE) for x in sorted(addressed.get(k, ()))]
            tl.classify(pid, text, py, c, notes + lib, version, sc.meta.get('order') == 'strict', size)


_EN = {}


def run_job(job):
    """Every program of a batch of main bodies: a Tally per C runner."""
    exes, version, bound, depth, semaphore, stride, mains, sets, reduce = job
    key = (depth, semaphore, sets, reduce)
    if key not in _EN:
        _EN[key] = enumerator.Enum(depth, enumerator.Vocab(semaphore=semaphore, sets=sets),
                                   reduce)
    en = _EN[key]
    tallies = [Tally() for _ in exes]
    items = []
    en.reduced = 0
    for mi, main in mains:
        for j, (text, size) in enumerate(en.completions(main, bound)):
            if stride > 1 and (mi * 7919 + j) % stride:
                continue
            items.append(('%d.%d' % (mi, j), text, size))
            if len(items) >= CHUNK:
                run_chunk(exes, version, items, tallies)
                items = []
    if items:
        run_chunk(exes, version, items, tallies)
    tallies[0].reduced = en.reduced
    return tallies


def _quiet():
    # tasks left waiting forever are dropped with the loop at the end of a
    # run; their coroutines' finalizers have nothing to say
    sys.unraisablehook = lambda *a: None


_TIME = re.compile(r'^\d+ ')
_TASK = re.compile(r'\b(main|t\d+)\b')


def group_key(d):
    """Disagreements are grouped by their first differing lines, with the
    time left out and task names made generic."""
    e, a, _ = d

    def norm(s):
        return _TASK.sub('T', _TIME.sub('', s))
    return '%s  |  %s' % (norm(e), norm(a))


def size_of(text):
    return sum(1 for ln in text.split('\n') if ln.startswith('    ') and ln.strip() != 'finally:')


def run(exes, version, bound, depth, jobs, out_paths, found_dir, semaphore=None,
        stride=1, progress=True, stop_after=None, sets=(), reduce=None):
    """Run the enumeration (`stop_after` seconds: hand out no more work
    then, and say the run is partial); `exes` are C runners (the first is the header
    under test, the others more headers compared in the same pass), and
    `out_paths` their summaries. True if the first has no disagreement."""
    if semaphore is None:
        semaphore = version >= (3, 13)
    sets = tuple(sorted(sets))
    en = enumerator.Enum(depth, enumerator.Vocab(semaphore=semaphore, sets=sets), reduce)
    reduce = en.reduce
    t0 = time.time()
    tallies = [Tally() for _ in exes]
    ctx = multiprocessing.get_context('fork')
    pool = ctx.Pool(jobs, initializer=_quiet)
    pending = []
    last = [t0]

    rec_files = [open(p[:-4] + '.differ.jsonl', 'w') if p else None for p in out_paths]

    def collect(res):
        for tl, r, rf in zip(tallies, res, rec_files):
            if rf:
                for rec in r.records:
                    rf.write(json.dumps(rec) + '\n')
            r.records = []
            tl.merge(r)
        if progress and time.time() - last[0] > 60:
            last[0] = time.time()
            el = time.time() - t0
            print('  %d programs, %.0f s, %.0f/s, %d disagree' %
                  (tallies[0].total, el, tallies[0].total / el,
                   sum(g[0] for g in tallies[0].groups.values())), flush=True)

    def drain(pending):
        """Collect the jobs that are done (in any order: one long job must
        not keep the other workers idle)."""
        done = [r for r in pending if r.ready()]
        if not done:
            time.sleep(0.02)
            return
        for r in done:
            pending.remove(r)
            collect(r.get())

    def batches():
        buf = []
        for mi, main in enumerate(en.mains(bound)):
            buf.append((mi, main))
            if len(buf) == CHUNK:
                yield buf
                buf = []
        if buf:
            yield buf

    stopped = False
    try:
        for b in batches():
            if stop_after and time.time() - t0 > stop_after:
                stopped = True
                break
            pending.append(pool.apply_async(
                run_job, ((exes, version, bound, depth, semaphore, stride, b, sets, reduce),)))
            while len(pending) >= 4 * jobs:
                drain(pending)
        while pending:
            drain(pending)
    finally:
        pool.terminate()
    wall = time.time() - t0
    for tl, rf in zip(tallies, rec_files):
        if rf:
            rf.write(json.dumps({'total': tl.total, 'agree': tl.agree, 'wall': wall,
                                 'jobs': jobs, 'bound': bound, 'depth': depth,
                                 'stride': stride, 'version': list(version),
                                 'sets': list(sets), 'reduced': tl.reduced,
                                 'stopped': stopped}) + '\n')
            rf.close()
    ok = True
    for n, (tl, out_path, exe) in enumerate(zip(tallies, out_paths, exes)):
        tl.reduced = tallies[0].reduced
        summary = report(tl, version, bound, depth, jobs, wall, found_dir, stride,
                         exe if len(exes) > 1 else None, tag='' if n == 0 else '-h%d' % n,
                         stopped=stopped, sets=sets)
        if out_path:
            os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
            with open(out_path, 'w') as f:
                f.write(summary)
        head = summary.split('\n\n', 1)[0]
        sys.stdout.write(summary if len(summary) < 20000 else head + '\n(see the summary)\n')
        if out_path:
            print('summary: %s' % out_path)
        if n == 0:
            ok = not tl.groups
    return ok


def set_name(sets):
    if set(sets) == set(enumerator.EXTRA):
        return 'all'
    return '+'.join(sets) if sets else 'core'


def report(tl, version, bound, depth, jobs, wall, found_dir, stride, exe, tag, stopped=False,
           sets=()):
    ndis = sum(g[0] for g in tl.groups.values())
    nexp = sum(r[0] for r in tl.by_rule.values())
    lines = []
    if exe:
        lines.append('exhaustive: the C runner %s' % exe)
    lines.append('exhaustive: bound %d, depth %d, set %s, CPython %d.%d.%d, %d programs%s in '
                 '%.0f s (%.0f programs/s, %d workers)'
                 % (bound, depth, set_name(sets), version[0], version[1], version[2], tl.total,
                    ' (every %dth)' % stride if stride > 1 else '', wall,
                    tl.total / wall if wall else 0, jobs))
    if tl.reduced:
        lines.append('exhaustive: %d more programs left out as the twins of programs run '
                     '(symmetry reduction)' % tl.reduced)
    if stopped:
        lines.append('exhaustive: STOPPED by its time limit: these are the first programs '
                     'only, not the whole bound')
    lines.append('exhaustive: %d agree, %d differ where a rule lets them, %d disagree'
                 % (tl.agree, nexp, ndis))
    if tl.by_rule:
        lines.append('')
        lines.append('Rules that explain differences (count, smallest program):')
        for rule, (n, sm) in sorted(tl.by_rule.items(), key=lambda kv: -kv[1][0]):
            lines.append('')
            lines.append('- %s: %d programs%s; smallest (program %s, %d steps):'
                         % (rule, n, ' (and a later difference in %d more)' % tl.also[rule]
                            if tl.also.get(rule) else '', sm[2], sm[0]))
            lines.extend('      ' + x for x in sm[3].rstrip('\n').split('\n'))
    if tl.groups:
        os.makedirs(found_dir, exist_ok=True)
        lines.append('')
        lines.append('Disagreements, grouped by the first differing line (CPython | library):')
        for gi, (k, (n, sm)) in enumerate(sorted(tl.groups.items(), key=lambda kv: kv[1][1][:3])):
            size, _, pid, text, d, py, c = sm
            sn = '' if not sets else '-' + set_name(sets)
            name = 'exhaustive%s-%d-%s%s.scn' % (sn, bound, pid, tag)
            with open(os.path.join(found_dir, name), 'w') as f:
                f.write('# found by: tests/conformance/run --exhaustive %d --depth %d%s '
                        '(program %s, CPython %d.%d)\n'
                        % (bound, depth, ' --set ' + set_name(sets) if sets else '', pid,
                           version[0], version[1]))
                f.write('# CPython "%s", library "%s" (%s)\n' % d)
                f.write('about: program %s of the bounded-exhaustive enumeration\n' % pid)
                f.write(text)
            lines.append('')
            lines.append('%d. %s' % (gi + 1, k))
            lines.append('   %d programs; smallest: program %s, %d steps (found/%s):'
                         % (n, pid, size, name))
            lines.extend('      ' + x for x in text.rstrip('\n').split('\n'))
            lines.append('   first difference at %s: CPython "%s", library "%s"'
                         % (d[2], d[0], d[1]))
            lines.append('   CPython:')
            lines.extend('      ' + x for x in py)
            lines.append('   library:')
            lines.extend('      ' + x for x in c)
    return '\n'.join(lines) + '\n'


def reclassify(path, out_path, found_dir, rerun_exe=None):
    """The summary of an earlier run from its .differ.jsonl (every program
    that differed, with both traces), under the rules as they are now; with
    `rerun_exe`, those programs are run again (CPython, and that C runner)
    first: for a fix of a runner that can only change programs that
    differed."""
    with open(path) as f:
        recs = [json.loads(ln) for ln in f]
    meta = [r for r in recs if isinstance(r, dict)]
    if not meta:
        print('%s: the run did not finish (no totals)' % path)
        return False
    meta = meta[-1]
    version = tuple(meta['version'])
    tl = Tally()
    recs = [r for r in recs if not isinstance(r, dict)]
    if rerun_exe:
        cres = run_c_texts(rerun_exe, [(k, r[1]) for k, r in enumerate(recs)])
        again = []
        for k, (pid, text, py, c, notes) in enumerate(recs):
            py, notes = pyrunner.run_noted(scenario.parse(text, pid))
            again.append((pid, text, py, cres.get(k, ([], None))[0], notes))
        recs = again
    for rec in recs:
        pid, text, py, c, notes = rec
        sc = scenario.parse(text, pid)
        tl.classify(pid, text, py, c, [tuple(n) for n in notes], version,
                    sc.meta.get('order') == 'strict')
    tl.agree += meta['agree']
    tl.total = meta['total']
    tl.reduced = meta.get('reduced', 0)
    summary = report(tl, version, meta['bound'], meta['depth'], meta['jobs'], meta['wall'],
                     found_dir, meta['stride'], None, '', stopped=meta.get('stopped'),
                     sets=tuple(meta.get('sets', ())))
    with open(out_path, 'w') as f:
        f.write(summary)
    sys.stdout.write(summary.split('\n\n', 1)[0] + '\n')
    print('summary: %s' % out_path)
    return not tl.groups
