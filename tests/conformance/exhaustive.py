"""Run every scenario of enumerator.py up to a bound on both runtimes and compare.

Started by driver.py (`tests/conformance/run --exhaustive BOUND`); README.md
beside this file, "Every small program", says what it does. The scenarios go
in chunks to worker processes (one per core); each worker runs a chunk on the
C runner in one process (all texts on its stdin) and on CPython's asyncio in
its own interpreter, compares the traces and sorts every difference: agree,
explained by a named rule (rules.py), or a disagreement.
"""
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
        cur = None
        for ln in out.split('\n'):
            if ln.startswith('@@ ') and cur is None:
                cur = int(ln[3:])
                res[cur] = ([], None)
            elif ln == '@@ end':
                cur = None
            elif ln.startswith('@@ error '):
                res[cur] = (res[cur][0], ln[9:])
                cur = None
            elif cur is not None and ln:
                res[cur][0].append(ln)
        if cur is None:
            break
        # the runner stopped inside scenario `cur`: go on after it
        res[cur] = (res[cur][0], 'the C runner stopped (%s)' % code)
        pos = [i for i, _ in todo].index(cur)
        todo = todo[pos + 1:]
    return res


def run_chunk(job):
    """Run one chunk; returns (counts, explained, disagreements)."""
    exe, version, items = job
    cres = run_c_texts(exe, [(i, t) for i, _, t in items])
    agree = 0
    explained = []      # (rule, index, size, text)
    disagree = []       # (index, size, text, diff, py, c)
    for i, size, text in items:
        sc = scenario.parse(text, 'enum-%d' % i)
        try:
            py, notes = pyrunner.run_noted(sc)
            perr = None
        except Exception as e:    # a runner bug: a disagreement to look at
            py, notes, perr = [], [], 'the Python runner failed: %r' % e
        c, cerr = cres.get(i, ([], 'no output from the C runner'))
        if perr or cerr:
            disagree.append((i, size, text, (perr or '', cerr or '', 'runner error'), py, c))
            continue
        d = scenario.compare(py, c)
        if d is None:
            agree += 1
            continue
        rule = rules.explain(py, c, notes, d, version)
        if rule:
            explained.append((rule, i, size, text))
        else:
            disagree.append((i, size, text, d, py, c))
    return len(items), agree, explained, disagree


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


def run(exe, version, bound, depth, jobs, out_path, found_dir, semaphore=None, limit=None,
        stride=1, progress=True):
    E = enumerator
    if semaphore is None:
        semaphore = version >= (3, 13)
    en = E.Enum(depth, E.Vocab(semaphore=semaphore))
    t0 = time.time()
    total = agree = 0
    by_rule = {}        # rule -> [count, smallest (size, len, index, text)]
    groups = {}         # key -> [count, smallest (size, len, index, text, diff, py, c)]
    ctx = multiprocessing.get_context('fork')
    pool = ctx.Pool(jobs, initializer=_quiet)
    pending = []
    last = [t0]

    def collect(res):
        nonlocal total, agree
        n, ag, expl, dis = res
        total += n
        agree += ag
        for rule, i, size, text in expl:
            ent = by_rule.setdefault(rule, [0, None])
            ent[0] += 1
            key = (size, len(text), i)
            if ent[1] is None or key < ent[1][:3]:
                ent[1] = key + (text,)
        for i, size, text, d, py, c in dis:
            k = group_key(d)
            ent = groups.setdefault(k, [0, None])
            ent[0] += 1
            key = (size, len(text), i)
            if ent[1] is None or key < ent[1][:3]:
                ent[1] = key + (text, d, py, c)
        if progress and time.time() - last[0] > 30:
            last[0] = time.time()
            el = time.time() - t0
            print('  %d programs, %.0f s, %.0f/s, %d disagree' %
                  (total, el, total / el, sum(g[0] for g in groups.values())), flush=True)

    def chunks():
        buf = []
        n = 0
        for text in en.programs(bound):
            n += 1
            if (n - 1) % stride:
                continue
            buf.append((n - 1, size_of(text), text))
            if len(buf) == CHUNK:
                yield buf
                buf = []
            if limit and n >= limit:
                break
        if buf:
            yield buf

    try:
        for ch in chunks():
            pending.append(pool.apply_async(run_chunk, ((exe, version, ch),)))
            while len(pending) >= 4 * jobs:
                collect(pending.pop(0).get())
        while pending:
            collect(pending.pop(0).get())
    finally:
        pool.terminate()
    wall = time.time() - t0
    ndis = sum(g[0] for g in groups.values())
    nexp = sum(r[0] for r in by_rule.values())
    lines = []
    lines.append('exhaustive: bound %d, depth %d, CPython %d.%d.%d, %d programs in %.0f s '
                 '(%.0f programs/s, %d workers)'
                 % (bound, depth, version[0], version[1], version[2], total, wall,
                    total / wall if wall else 0, jobs))
    lines.append('exhaustive: %d agree, %d differ where a rule lets them, %d disagree'
                 % (agree, nexp, ndis))
    if by_rule:
        lines.append('')
        lines.append('Rules that explain differences (count, smallest program):')
        for rule, (n, sm) in sorted(by_rule.items(), key=lambda kv: -kv[1][0]):
            lines.append('')
            lines.append('- %s: %d programs; smallest (#%d, %d steps):' % (rule, n, sm[2], sm[0]))
            lines.extend('      ' + x for x in sm[3].rstrip('\n').split('\n'))
    if groups:
        os.makedirs(found_dir, exist_ok=True)
        lines.append('')
        lines.append('Disagreements, grouped by the first differing line (CPython | library):')
        for gi, (k, (n, sm)) in enumerate(sorted(groups.items(), key=lambda kv: kv[1][1][:3])):
            size, _, idx, text, d, py, c = sm
            name = 'exhaustive-%d-%d.scn' % (bound, idx)
            with open(os.path.join(found_dir, name), 'w') as f:
                f.write('# found by: tests/conformance/run --exhaustive %d --depth %d '
                        '(program %d, CPython %d.%d)\n' % (bound, depth, idx, version[0],
                                                           version[1]))
                f.write('# CPython "%s", library "%s" (%s)\n' % d)
                f.write('about: program %d of the bounded-exhaustive enumeration\n' % idx)
                f.write(text)
            lines.append('')
            lines.append('%d. %s' % (gi + 1, k))
            lines.append('   %d programs; smallest: program %d, %d steps (found/%s):'
                         % (n, idx, size, name))
            lines.extend('      ' + x for x in text.rstrip('\n').split('\n'))
            lines.append('   first difference at %s: CPython "%s", library "%s"' % (d[2], d[0], d[1]))
            lines.append('   CPython:')
            lines.extend('      ' + x for x in py)
            lines.append('   library:')
            lines.extend('      ' + x for x in c)
    summary = '\n'.join(lines) + '\n'
    if out_path:
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, 'w') as f:
            f.write(summary)
    sys.stdout.write(summary if groups or by_rule else '\n'.join(lines[:2]) + '\n')
    if out_path:
        print('summary: %s' % out_path)
    return ndis == 0
