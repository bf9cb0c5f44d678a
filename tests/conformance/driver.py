# SPDX-License-Identifier: MIT
"""Run scenarios on CPython's asyncio and on aio_timeout.h and compare.

Started by tests/conformance/run (which picks the Python); see README.md.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import scenario  # noqa: E402
import pyrunner  # noqa: E402

# The warning flags of every build, from the one place they are spelt.
WARN = subprocess.run(['sh', '-c', '. tests/warnings.sh && echo "$WARN_BASE"'], cwd=ROOT,
                      capture_output=True, text=True, check=True).stdout.split()
BATCH = 200


def build_interp(args):
    """Compile the C runner; return its path."""
    if args.interp:
        return args.interp
    out_dir = os.path.join(ROOT, 'build', 'conformance')
    os.makedirs(out_dir, exist_ok=True)
    src = os.path.join(HERE, 'interp.c')
    cmd = [args.cc, '-std=c11', '-O1'] + WARN + ['-DAIO_DEBUG']
    if args.header:
        header = os.path.abspath(args.header)
        cmd += ['-DCONF_HEADER="%s"' % header, '-I' + ROOT]
        exe = os.path.join(out_dir, 'interp-custom')
        deps = [src, header]
    elif args.include:
        inc = os.path.abspath(args.include)
        cmd += ['-I' + inc]
        exe = os.path.join(out_dir, 'interp-custom')
        deps = [src, os.path.join(inc, 'aio_timeout.h')]
    else:
        cmd += ['-I' + ROOT]
        exe = os.path.join(out_dir, 'interp')
        deps = [src, os.path.join(ROOT, 'aio_timeout.h')]
    if (exe.endswith('interp') and os.path.exists(exe) and
            all(os.path.getmtime(d) <= os.path.getmtime(exe) for d in deps)):
        return exe
    cmd += [src, '-o', exe]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stdout.write('C runner did not build:\n%s\n%s' % (' '.join(cmd), r.stderr))
        sys.exit(2)
    return exe


def build_extra(args, header, n):
    """Compile the C runner against another copy of the header; its path."""
    out_dir = os.path.join(ROOT, 'build', 'conformance')
    os.makedirs(out_dir, exist_ok=True)
    exe = os.path.join(out_dir, 'interp-also-%d' % n)
    cmd = [args.cc, '-std=c11', '-O1'] + WARN + ['-DAIO_DEBUG',
                                                 '-DCONF_HEADER="%s"' % os.path.abspath(header),
                                                 '-I' + ROOT, os.path.join(HERE, 'interp.c'),
                                                 '-o', exe]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stdout.write('C runner did not build:\n%s\n%s' % (' '.join(cmd), r.stderr))
        sys.exit(2)
    return exe


def run_c(exe, paths, verbose=False):
    """{path: (lines, error)} from the C runner, in batches."""
    res = {}
    for i in range(0, len(paths), BATCH):
        chunk = paths[i:i + BATCH]
        try:
            r = subprocess.run([exe] + (['-v'] if verbose else []) + chunk,
                               capture_output=True, text=True, timeout=300)
            stdout, code = r.stdout, r.returncode
            if verbose and r.stderr:
                sys.stderr.write(r.stderr)
        except subprocess.TimeoutExpired as e:
            stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
            code = 'timeout'
        cur = scenario.read_runner_output(stdout, res)
        if cur is not None:   # the runner died inside this scenario
            res[cur] = (res[cur][0], 'the C runner stopped (%s)' % code)
            rest = chunk[chunk.index(cur) + 1:]
            if rest:
                res.update(run_c(exe, rest, verbose))
    return res


def run_py(sc, notes=None):
    """(trace, error); `notes` (a list) receives the rules the run met."""
    try:
        lines, met = pyrunner.run_noted(sc)
    except Exception as e:  # a runner bug: report it as a failure
        return [], 'the Python runner failed: %r' % e
    if notes is not None:
        notes.extend(met)
    return lines, None


def fmt_diff(who, d):
    e, a, where = d
    return '%s, at %s: expected "%s", got "%s"' % (who, where, e, a)


def judge(sc, py, c, version):
    """(ok, message, note)."""
    strict = sc.meta.get('order') == 'strict'
    py_lines, py_err = py
    c_lines, c_err = c
    if py_err:
        return False, py_err, ''
    if c_err:
        return False, 'C runner: ' + c_err, ''
    note = ''
    exp_py, specific = sc.expected_cpython(version)
    ran_py = py_lines is not None
    if ran_py and exp_py is not None:
        d = scenario.compare(exp_py, py_lines, strict)
        if d:
            return False, fmt_diff('CPython differs from its expect block', d), ''
    lib = sc.expect.get('library')
    if lib is not None:
        ref, who = lib, 'library differs from expect library'
        note = 'library rule'
    elif specific:
        ref = sc.expect.get('cpython')
        if ref is None:
            return False, 'this Python has its own expect block: add the unversioned one', ''
        who = 'library differs from expect cpython'
    elif ran_py:
        ref, who = py_lines, 'library differs from CPython'
    elif exp_py is not None:
        ref, who = exp_py, 'library differs from expect cpython'
    else:
        return True, '', 'CPython part skipped on this Python'
    d = scenario.compare(ref, c_lines, strict)
    if d:
        return False, fmt_diff(who, d), ''
    if not ran_py:
        note = (note + '; ' if note else '') + 'CPython part skipped on this Python'
    return True, '', note


def lets_differ(notes, sc, py, c):
    """The rule that lets the traces of a generated scenario differ, or None.

    Rule L3: the CPython run dropped a completion for a cancellation that
    came after it (pyrunner's note_cancel), and the traces agree up to that
    instant: the first difference is not earlier than the first such note.
    From there on the library, which delivers the completion, may go
    another way."""
    notes = [n for n in notes if n[2] == pyrunner.RULE_L3]
    if not notes or py[1] or c[1]:
        return None
    d = scenario.compare(py[0], c[0], sc.meta.get('order') == 'strict')
    if d is None:
        return None
    times = [int(ln.split()[0]) for ln in d[:2] if ln.split()[0].isdigit()]
    first = min(n[0] for n in notes)
    if times and min(times) >= first:
        return '%d %s %s' % min(notes)
    return None


def list_scenarios(args):
    files = args.files or [os.path.join(HERE, 'scenarios')]
    out = []
    for f in files:
        if os.path.isdir(f):
            out += sorted(os.path.join(f, n) for n in os.listdir(f) if n.endswith('.scn'))
        else:
            out.append(f)
    return out


def cmd_check(args, version, exe):
    paths = list_scenarios(args)
    parsed = {}
    for p in paths:
        try:
            parsed[p] = scenario.parse_file(p)
        except (scenario.ScenarioError, OSError) as e:
            parsed[p] = e
    cres = run_c(exe, [p for p in paths if isinstance(parsed[p], scenario.Scenario)], args.verbose)
    passed = failed = 0
    failures = []
    for p in paths:
        sc = parsed[p]
        name = os.path.basename(p)[:-4] if p.endswith('.scn') else p
        if not isinstance(sc, scenario.Scenario):
            ok, msg, note = False, 'does not parse: %s' % sc, ''
        else:
            py = run_py(sc) if sc.python_ok(version) else (None, None)
            c = cres.get(p, ([], 'no output from the C runner'))
            if args.expect:
                print('# %s' % name)
                print('expect cpython:' if not py[1] else '# CPython: ' + py[1])
                print('\n'.join('    ' + x for x in (py[0] or [])))
                print('expect library:' if not c[1] else '# library: ' + c[1])
                print('\n'.join('    ' + x for x in (c[0] or [])))
                continue
            if args.show:
                print('== %s' % name)
                print('-- CPython %d.%d:' % version[:2])
                print('\n'.join('    ' + x for x in (py[0] or [py[1] or '(skipped)'])))
                print('-- aio_timeout.h:')
                print('\n'.join('    ' + x for x in (c[0] or [c[1] or ''])))
            ok, msg, note = judge(sc, py, c, version)
        if ok:
            passed += 1
            if not args.quiet:
                print('PASS %s%s' % (name, ' (%s)' % note if note else ''))
        else:
            failed += 1
            failures.append(name)
            print('FAIL %s: %s' % (name, msg))
    print('conformance: %d scenarios on CPython %d.%d.%d and aio_timeout.h: %d passed, %d failed'
          % (passed + failed, version[0], version[1], version[2], passed, failed))
    if failures:
        print('failed: ' + ' '.join(failures))
    return failed == 0


def judge_whole(text, py, c, notes, version):
    """('agree' | 'rule' | 'disagree', message) for a program of gen.py's
    whole flavour: the exhaustive run's comparison (each task's lines per
    instant, and the order in which acquires end), every difference to be
    explained by a named rule of rules.py."""
    import exhaustive
    import rules
    (py_lines, py_err), (c_lines, c_err) = py, c
    if py_err:
        return 'disagree', py_err
    if c_err:
        return 'disagree', 'C runner: ' + c_err
    d = None if exhaustive.same_relaxed(py_lines, c_lines) else scenario.compare(py_lines, c_lines)
    if d is None and ' acquire ' in text:
        d = exhaustive.acquire_order(py_lines, c_lines)
    if d is None:
        return 'agree', ''
    used, left = rules.explain_all(py_lines, c_lines, notes, d, version)
    if left is None:
        return 'rule', ', '.join(used)
    return 'disagree', fmt_diff('library differs from CPython (no rule explains it)', left)


def _random_batch(job):
    """Scenarios i .. i + n - 1 of a --random run, in a worker: what they
    found, in order (the counts, the lines to print, the files to write)."""
    import gen
    seed, i, n, version, exe, verbose = job
    tmp = tempfile.mkdtemp(prefix='conformance-')
    agree = disagree = outside = 0
    whole = {'agree': 0, 'rule': 0, 'disagree': 0}
    lines, found = [], []
    try:
        batch = []
        for j in range(i, i + n):
            text = gen.scenario(seed, j, version)
            path = os.path.join(tmp, 'r%d.scn' % j)
            with open(path, 'w') as f:
                f.write(text)
            batch.append((j, path, text))
        cres = run_c(exe, [b[1] for b in batch])
        for j, path, text in batch:
            sc = scenario.parse(text, path)
            notes = []
            py = run_py(sc, notes)
            notes += scenario.library_notes(path)
            c = cres.get(path, ([], 'no output from the C runner'))
            if text.startswith(gen.WHOLE_ABOUT):
                # the whole language: compared as the exhaustive run compares
                verdict, msg = judge_whole(text, py, c, notes, version)
                whole[verdict] += 1
                if verdict == 'agree':
                    agree += 1
                    continue
                if verdict == 'rule':
                    outside += 1
                    if verbose:
                        lines.append('rule scenario %d: %s' % (j, msg))
                    continue
                rule = None
            else:
                ok, msg, _ = judge(sc, py, c, version)
                if ok:
                    agree += 1
                    continue
                rule = lets_differ(notes, sc, py, c)
                if not rule and judge_whole(text, py, c, notes, version)[0] == 'rule':
                    # what the flavour's limits did not keep out: explained
                    # by a named rule all the same (README, "Rules")
                    rule = judge_whole(text, py, c, notes, version)[1]
            if rule:
                outside += 1
                if verbose:
                    lines.append('L3 scenario %d: %s; %s' % (j, rule, msg))
                continue
            disagree += 1
            found.append((j, msg, text))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return agree, disagree, outside, whole, lines, found


def cmd_random(args, version, exe):
    """N generated scenarios, in batches of BATCH on --jobs worker processes;
    what each batch found is printed in the order of the scenarios, the same
    whatever the number of workers."""
    import multiprocessing
    seed = args.seed if args.seed is not None else int(time.time())
    found_dir = os.path.join(HERE, 'found')
    agree = disagree = outside = 0
    whole = {'agree': 0, 'rule': 0, 'disagree': 0}
    t0 = time.time()
    jobs = [(seed, i, min(BATCH, args.random - i), version, exe, args.verbose)
            for i in range(0, args.random, BATCH)]
    workers = max(1, min(args.jobs, len(jobs)))
    pool = multiprocessing.Pool(workers) if workers > 1 else None
    try:
        results = pool.imap(_random_batch, jobs) if pool else map(_random_batch, jobs)
        for (_, i, n, _, _, _), (a, d, o, w, lines, found) in zip(jobs, results):
            agree += a
            disagree += d
            outside += o
            for k in whole:
                whole[k] += w[k]
            for line in lines:
                print(line)
            for j, msg, text in found:
                os.makedirs(found_dir, exist_ok=True)
                dest = os.path.join(found_dir, 'random-%d-%d.scn' % (seed, j))
                with open(dest, 'w') as f:
                    f.write('# found by: tests/conformance/run --random %d --seed %d (scenario %d, '
                            'CPython %d.%d)\n' % (args.random, seed, j, version[0], version[1]))
                    f.write('# ' + msg.replace('\n', ' ') + '\n')
                    f.write(text)
                print('DISAGREE %s: %s' % (os.path.relpath(dest, ROOT), msg))
            if args.verbose:
                print('  %d done' % (i + n))
    finally:
        if pool:
            pool.close()
            pool.join()
    print('random: seed %d, %d scenarios on CPython %d.%d.%d and aio_timeout.h: '
          '%d agree, %d disagree, %d differ where a rule lets them (%.0f s); of them over the '
          'whole language: %d agree, %d differ by a rule, %d disagree'
          % (seed, agree + disagree + outside, version[0], version[1], version[2], agree,
             disagree, outside, time.time() - t0, whole['agree'], whole['rule'],
             whole['disagree']))
    return disagree == 0


def main():
    ap = argparse.ArgumentParser(prog='tests/conformance/run', description=__doc__)
    ap.add_argument('files', nargs='*', help='scenario files or folders (default: scenarios/)')
    ap.add_argument('--header', help='build the C runner against this copy of aio_timeout.h')
    ap.add_argument('--include', '-I', help='build the C runner with this include folder')
    ap.add_argument('--cc', default=os.environ.get('CC', 'cc'), help='C compiler (default cc)')
    ap.add_argument('--interp', help='use this C runner binary instead of building one')
    ap.add_argument('--show', action='store_true', help='print both traces of every scenario')
    ap.add_argument('--expect', action='store_true',
                    help='print both traces as expect blocks to paste into a scenario')
    ap.add_argument('--quiet', '-q', action='store_true', help='print only failures and the total')
    ap.add_argument('--verbose', '-v', action='store_true',
                    help="print the header's debug messages (with --random: progress, and the "
                    "scenarios rule L3 lets differ)")
    ap.add_argument('--random', type=int, metavar='N', help='run N generated scenarios instead')
    ap.add_argument('--seed', type=int, help='seed of --random (default: the time)')
    ap.add_argument('--exhaustive', type=int, metavar='BOUND',
                    help='run every program of up to BOUND steps instead (enumerator.py)')
    ap.add_argument('--depth', type=int,
                    help='nesting depth of --exhaustive (default: no limit but the bound)')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                    help='worker processes of --exhaustive and --random (default: one per core)')
    ap.add_argument('--summary', help='where --exhaustive writes its summary')
    ap.add_argument('--max-minutes', type=float,
                    help='--exhaustive: hand out no more work after this long (a partial run, '
                    'said so in the summary)')
    ap.add_argument('--reclassify', metavar='FILE.differ.jsonl',
                    help='write the summary of an earlier --exhaustive run again from the '
                    'programs it saved that differed, under the rules as they are now')
    ap.add_argument('--rerun', action='store_true',
                    help='with --reclassify: run those programs again first (after a fix of '
                    'a runner that can only change programs that differed)')
    ap.add_argument('--also-header', action='append', default=[], metavar='COPY.h',
                    help='--exhaustive: compare CPython with this copy of the header too, in '
                    'the same pass (a summary of its own)')
    ap.add_argument('--set', action='append', default=[], metavar='NAME',
                    help='--exhaustive: the construct set (core, waits, time, targets, cleanup, '
                    'sync, inline, all; repeat to combine; default core)')
    ap.add_argument('--no-reduce', action='store_true',
                    help='--exhaustive: no symmetry reduction (it is off for the core alone)')
    ap.add_argument('--reduce', action='store_true',
                    help='--exhaustive: the symmetry reduction for the core alone too')
    ap.add_argument('--stride', type=int, default=1,
                    help='--exhaustive: run only every STRIDE-th program (a sample)')
    args = ap.parse_args()
    version = pyrunner.version()
    print('conformance: %s is CPython %d.%d.%d'
          % ((os.environ.get('CONFORMANCE_PYTHON') or 'python',) + version))
    exe = build_interp(args)
    if args.reclassify:
        import exhaustive
        out = args.summary or args.reclassify.replace('.differ.jsonl', '') + '.txt'
        sys.exit(0 if exhaustive.reclassify(args.reclassify, out, os.path.join(HERE, 'found'),
                                            exe if args.rerun else None) else 1)
    if args.exhaustive is not None:
        import exhaustive
        if args.depth is None:
            args.depth = args.exhaustive
        exes = [exe] + [build_extra(args, h, n + 1) for n, h in enumerate(args.also_header)]
        import enumerator
        sets = set(args.set)
        if 'all' in sets:
            sets = set(enumerator.EXTRA)
        sets.discard('core')
        enumerator.Vocab(sets=sets)     # an unknown name stops here
        sets = tuple(sorted(sets))
        base = args.summary or os.path.join(
            ROOT, 'build', 'conformance', 'exhaustive-%s%d-%d-py%d.%d'
            % ('' if not sets else exhaustive.set_name(sets) + '-', args.exhaustive,
               args.depth, version[0], version[1]))
        if base.endswith('.txt'):
            base = base[:-4]
        summaries = [base + '.txt'] + ['%s-also-%d.txt' % (base, n + 1)
                                       for n in range(len(args.also_header))]
        ok = exhaustive.run(exes, version, args.exhaustive, args.depth, args.jobs, summaries,
                            os.path.join(HERE, 'found'), stride=args.stride,
                            stop_after=args.max_minutes * 60 if args.max_minutes else None,
                            sets=sets, reduce=False if args.no_reduce else
                            (True if args.reduce else None))
    elif args.random:
        ok = cmd_random(args, version, exe)
    else:
        ok = cmd_check(args, version, exe)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
