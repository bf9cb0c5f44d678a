"""The library's deliberate differences from CPython, as predicates on traces.

explain(py, c, notes, diff, version) names the rule that lets the CPython
trace `py` and the library trace `c` differ, or returns None (a
disagreement). `diff` is scenario.compare(py, c); `notes` are the events the
CPython run noted (pyrunner.Runner.note_cancel and friends), part of its
trace. Each rule looks only at the two traces and those notes, never at the
program.

Each rule is narrow: it holds for one difference (the first one left) and
excuses only the lines it explains: the lines of one task from the instant
the difference begins (what the task does after the library and CPython
took different paths), the lines of the tasks that name that task from then
on (their await of it, their cancel of it: they see the other path), or one
line that only moved. Then the comparison goes on with those lines left out
of both traces: a later difference that no rule explains is a disagreement.
So a rule never excuses the rest of the program.
"""
import scenario


def _t(line):
    w = line.split(' ', 1)[0]
    return int(w) if w.isdigit() else None


def first_diff_time(diff):
    ts = [_t(x) for x in diff[:2] if _t(x) is not None]
    return min(ts) if ts else None


def _words(line):
    """(time, task, event words) of a trace line."""
    p = line.split()
    return (p[0], p[1], p[2:]) if len(p) >= 3 else (None, None, p)


def _task(line):
    p = line.split(' ', 2)
    return p[1] if len(p) >= 2 and p[0].isdigit() else None


def unwinds_by_cancel(words):
    """Does this event show its task unwinding by a cancellation (its own
    or a deadline's)?"""
    if not words:
        return False
    ev, rest = words[0], words[1:]
    if ev in ('end', 'finally'):
        return rest == ['cancelled']
    if ev in ('timeout', 'group', 'call', 'wait_for', 'catch'):
        return rest[-1:] in (['cancelled'], ['timeout']) and (ev != 'wait_for' or
                                                               rest[0] == 'call')
    return False


# ------------------------------------------------------------- excusing
def _quiet(line, gone):
    """The last line without the tasks whose lines are excused (and without
    its time: the instant the run went quiet follows from them)."""
    p = line.split()
    return ' '.join(['Q', '-', 'quiet'] + [x for x in p[3:] if x not in gone and
                                           x != 'pending'] * 1)


def drop(py, c, task, t):
    """Both traces without the lines of `task` from instant `t` on, and
    without the lines, from the first one on, of every task that names it
    (or names a task so dropped) at `t` or later: what follows from the
    difference. Returns (py, c, the tasks dropped)."""
    since = {task: t}
    changed = True
    while changed:
        changed = False
        for ln in py + c:
            tm = _t(ln)
            who = _task(ln)
            if tm is None or who in since or who == '-':
                continue
            words = ln.split()[3:]
            for x, t0 in list(since.items()):
                if tm >= t0 and x in words:
                    since[who] = tm
                    changed = True
                    break

    def keep(ln):
        who = _task(ln)
        return not (who in since and _t(ln) >= since[who])

    def q(lines):
        return [_quiet(ln, since) if _task(ln) == '-' else ln for ln in lines if keep(ln)]
    return q(py), q(c), set(since)


def drop_line(py, c, lp, lc):
    return [x for x in py if x is not lp], [x for x in c if x is not lc]


# ------------------------------------------------------------- the rules
# Each takes (py, c, notes, diff, version) and returns None or the two
# traces with the lines it explains left out.

def rule_wait_for_311(py, c, notes, diff, version):
    """CPython 3.11's wait_for waits through a future of its own (a hidden
    task for an inline block): a cancel reaches what it waits for only when
    the waiter runs again, and a completion in the instant of its deadline
    wins (R43, R50, R51). The library follows 3.12 and later. Excused: the
    lines of the task whose wait_for began before the difference, from
    that instant on."""
    if version >= (3, 12):
        return None
    t = first_diff_time(diff)
    ws = [n for n in notes if n[2].startswith('wait_for before') and t is not None and
          n[0] <= t]
    if not ws:
        return None
    for n in ws:
        py, c, _ = drop(py, c, n[1], n[0])
    return py, c


def _diff_tasks(diff):
    return {x for x in (_task(diff[0]), _task(diff[1])) if x}


def _drop_if_first(py, c, diff, tasks_times):
    """Drop (task, time) pairs; only if that excuses the first difference."""
    dt = _diff_tasks(diff) - {'-'}    # the last line: what the tasks left pending
    out = (py, c)
    gone = set()
    for task, t in tasks_times:
        p2, c2, g = drop(out[0], out[1], task, t)
        out = (p2, c2)
        gone |= g
    if not gone or not dt <= gone:
        return None
    return out


def rule_l3(py, c, notes, diff, version):
    """L3: CPython cancelled a task whose awaited work had already completed
    (it drops the completion, the library delivers it and keeps the
    cancellation for the next checkpoint). Excused: that task's lines from
    the instant of the cancel on, and the lines of the tasks that name it
    from then on; only if the first difference is among them."""
    t = first_diff_time(diff)
    l3 = [(n[1], n[0]) for n in notes if n[2].startswith('L3') and t is not None and
          n[0] <= t]
    if not l3:
        return None
    return _drop_if_first(py, c, diff, l3)


def rule_checkpoint_acquire(py, c, notes, diff, version):
    """Every await is a checkpoint: where CPython takes a free lock or
    permit without suspending, and so goes on with a cancellation pending,
    the library raises that cancellation at the acquire. First difference:
    CPython's task acquires, the same task in the library unwinds by a
    cancellation at that point. Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    if (e[1] is not None and e[1] == a[1] and e[2][:1] == ['acquire'] and
            e[2][-1:] == ['ok'] and unwinds_by_cancel(a[2])):
        return _drop_if_first(py, c, diff, [(e[1], first_diff_time(diff))])
    return None


def rule_checkpoint_group_end(py, c, notes, diff, version):
    """Every await is a checkpoint: the end of a group whose children have
    all finished raises a cancellation already due in the library; in
    CPython it does not suspend. First difference: CPython's task ends the
    group block, the same task in the library leaves it by a
    cancellation. Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    if (e[1] is not None and e[1] == a[1] and e[2][:1] == ['group'] and
            a[2][:1] == ['group'] and unwinds_by_cancel(a[2]) and not unwinds_by_cancel(e[2])):
        return _drop_if_first(py, c, diff, [(e[1], first_diff_time(diff))])
    return None


def rule_group_count_before_313(py, c, notes, diff, version):
    """Before CPython 3.13 a task group whose child failed leaves its
    task's cancel count raised (gh-116720, R82, R83): a timeout around it,
    or a later one, lets the cancellation through instead of reporting its
    timeout, and an outer cancellation can be lost. The library keeps
    3.13's behaviour. First difference: in a task whose group reported a
    child's error at or before that instant in CPython's trace, the same
    block ends differently in one of those two ways: CPython's timeout
    (or wait_for) block raises the cancellation where the library's reports
    its timeout, or CPython's group reports the child's error where the
    library's raises the outer cancellation. Excused: that task from then
    on."""
    if version >= (3, 13):
        return None
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if e[1] is None or e[1] != a[1] or t is None or e[2][:2] != a[2][:2]:
        return None
    timeout_let_through = (e[2][:1] in (['timeout'], ['wait_for']) and
                           e[2][-2:] == ['raise', 'cancelled'] and a[2][-1:] == ['timeout'])
    cancel_lost = (e[2][:1] == ['group'] and e[2][-1:] and e[2][-1].startswith('error:') and
                   a[2][-2:] == ['raise', 'cancelled'])
    if not (timeout_let_through or cancel_lost):
        return None
    for ln in py:
        w = _words(ln)
        if _t(ln) is not None and _t(ln) > t:
            break
        if w[1] == e[1] and w[2][:1] == ['group'] and w[2][-1:] and \
                w[2][-1].startswith('error:'):
            return _drop_if_first(py, c, diff, [(e[1], t)])
    return None


def rule_late_wakeup(py, c, notes, diff, version):
    """asyncio wakes the waiter of a gather, or of a shield, two loop
    iterations after the task it waits for ended (through a future of its
    own, set from a done callback), and the body of a task group hears of its
    last child from a done callback (two iterations as well); the library's
    rule is one turn for what a step causes in others. So what the woken
    task does next in that instant (and the timers it arms then) can come
    in another order, and a cancel that reaches a gather before its done
    callback has run is passed on to the gathered tasks, which the library
    (having seen the completion) does not do. First difference: in an
    instant in which CPython's trace shows a task's gather, shield or group
    block ending before the differing line, and either a differing line is
    that task's own, or CPython's is another task ending cancelled there.
    Excused: the task of the differing line from that instant on."""
    t = first_diff_time(diff)
    if t is None:
        return None
    end = py.index(diff[0]) if diff[0] in py else len(py)
    woken = set()
    for ln in py[:end]:
        if _t(ln) == t:
            w = _words(ln)
            if w[2][:1] in (['gather'], ['gather_all'], ['shield'], ['wait_for_shield']) or \
                    (w[2][:1] == ['group'] and not unwinds_by_cancel(w[2])):
                woken.add(w[1])
    if not woken:
        return None
    e, a = _words(diff[0]), _words(diff[1])
    if e[1] in woken or a[1] in woken:
        return _drop_if_first(py, c, diff, [(x, t) for x in _diff_tasks(diff)])
    if e[1] is not None and e[2] == ['end', 'cancelled']:
        return _drop_if_first(py, c, diff, [(x, t) for x in _diff_tasks(diff)])
    return None


def rule_l8_children_inherit(py, c, notes, diff, version):
    """L8: a task spawned into a group inherits the deadlines of the blocks
    around the group, and a cancellation that reaches the group's task
    reaches its children at once; in CPython they are cancelled only when
    the body has unwound into the group's end. First difference: the
    library's task unwinds by a cancellation where CPython's does not yet,
    and in CPython's trace another task leaves a group block by a
    cancellation at that instant or later. Excused: that task from then
    on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if a[1] is None or t is None or not unwinds_by_cancel(a[2]) or unwinds_by_cancel(e[2]):
        return None
    for ln in py:
        w = _words(ln)
        if _t(ln) is not None and _t(ln) >= t and w[1] != a[1] and \
                w[2][:1] == ['group'] and w[2][-2:] == ['raise', 'cancelled']:
            return _drop_if_first(py, c, diff, [(a[1], t)])
    return None


def _caught(lines, task, t):
    """Did `task` catch a cancellation or a timeout (a `catch` block) at
    or before instant t?"""
    for ln in lines:
        tm = _t(ln)
        if tm is not None and tm > t:
            break
        w = _words(ln)
        if w[1] == task and w[2][:1] == ['catch'] and w[2][-1:] in (['cancelled'],
                                                                     ['timeout']):
            return True
    return False


def rule_l2_level_triggered(py, c, notes, diff, version):
    """L2: a caught cancellation stays in force: after a `catch:` caught
    the task's cancellation (or a timeout), CPython's task goes on as if
    nothing happened (R10), the library's unwinds again at its next
    checkpoint (or ends cancelled). First difference: a task that caught a
    cancellation in both traces unwinds by a cancellation in the library
    where CPython's does not. Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if a[1] is None or t is None or not unwinds_by_cancel(a[2]) or unwinds_by_cancel(e[2]):
        return None
    if e[1] not in (a[1], None) and not diff[0].startswith('('):
        return None
    if _caught(py, a[1], t) and _caught(c, a[1], t):
        return _drop_if_first(py, c, diff, [(a[1], t)])
    return None


def _cancelled_by_other(lines, task, t):
    for ln in lines:
        tm = _t(ln)
        if tm is not None and tm > t:
            break
        w = _words(ln)
        if w[2][:2] == ['cancel', task] and w[2][2:] == ['1']:
            return True
    return False


def rule_l1_own_cancel_only(py, c, notes, diff, version):
    """L1: a cancellation records who asked for it, and only that block
    stops it. When a task already cancelled (its cancel not yet delivered)
    enters a timeout whose deadline passes before that cancel arrives,
    CPython's timeout counts both as its own (the count goes back to where
    it was) and reports `timeout`; the library's lets the task's own
    cancellation through. First difference: the same task's timeout (or
    wait_for block) reports `timeout` in CPython and raises the
    cancellation in the library, and some task cancelled that task before.
    Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if e[1] is None or e[1] != a[1] or t is None:
        return None
    if (e[2][:1] in (['timeout'], ['wait_for']) and e[2][-1:] == ['timeout'] and
            a[2][:1] == e[2][:1] and a[2][-2:] == ['raise', 'cancelled'] and
            _cancelled_by_other(c, e[1], t)):
        return _drop_if_first(py, c, diff, [(e[1], t)])
    return None


def _names_with_failure(lines, t):
    """{(waiter, X, time)} of lines at or before t in which a task's wait
    for X ended by its own timeout or cancellation."""
    out = set()
    for ln in lines:
        tm = _t(ln)
        if tm is None or tm > t:
            continue
        w = _words(ln)
        if w[2][:1] in (['wait_for'], ['await'], ['shield'], ['wait_for_shield']) and \
                len(w[2]) == 3 and w[2][1] != 'call' and w[2][2] in ('timeout', 'cancelled'):
            out.add((w[1], w[2][1], tm))
    return out


def rule_l4_waiting_is_not_owning(py, c, notes, diff, version):
    """L4: waiting is not owning: a waiter's timeout or cancellation never
    cancels a task it did not spawn; in CPython wait_for cancels what it
    waits for at its deadline and a cancelled await passes the cancel down
    (R3, R14). First difference: in a task X that some task's wait for X
    (wait_for, await, shield) ended by a timeout or a cancellation at or
    before that instant, in one trace or the other (where CPython's waiter
    cancels X and waits for its end, it may wait forever, and its line
    never comes). Excused: X's lines from the instant of that wait's end
    on, and those of the tasks that name X from then on (the waiter
    among them)."""
    t = first_diff_time(diff)
    if t is None:
        return None
    ws = _names_with_failure(c, t) | _names_with_failure(py, t)
    if not ws:
        return None
    return _drop_if_first(py, c, diff, [(x, tm) for _, x, tm in ws])


def _busy_before(notes, t):
    return [n for n in notes if n[2].startswith('busy') and n[0] <= t]


def rule_l6_busy(py, c, notes, diff, version):
    """L6: deadlines are checked at every checkpoint, against the clock:
    after CPU work (`busy`) moved the clock past a deadline with no timer
    having run, the library's next checkpoint raises the timeout, where
    CPython's loop runs the callbacks already queued first (R16) and the
    block can end normally. And CPython writes a task's `end` (and a
    waiter's line) from a callback one loop iteration later, when the busy
    work of another task has moved the clock on: the same line comes in a
    later instant. First difference, with busy work noted at or before
    its instant: the same task's block ends normally in CPython and by its
    timeout in the library (excused: that task from then on), or the
    library's line comes again, the same but for its time, later in
    CPython's trace (excused: that one line)."""
    t = first_diff_time(diff)
    if t is None or not _busy_before(notes, t):
        return None
    e, a = _words(diff[0]), _words(diff[1])
    if a[1] is not None and a[1] != '-':
        # the same line, later in CPython's trace
        i = c.index(diff[1]) if diff[1] in c else -1
        if i >= 0:
            for ln in py:
                w = _words(ln)
                if w[1] == a[1] and w[2] == a[2] and _t(ln) > _t(diff[1]):
                    if any(t <= n[0] < _t(ln) for n in _busy_before(notes, _t(ln))):
                        return drop_line(py, c, ln, c[i])
                    break
    if e[1] is not None and e[1] == a[1] and a[2][-1:] == ['timeout'] and \
            e[2][:1] == a[2][:1] and e[2][-1:] != ['timeout']:
        return _drop_if_first(py, c, diff, [(e[1], t)])
    return None


def rule_l6_due_at_entry(py, c, notes, diff, version):
    """L6 and R5 as the library keeps them: a deadline already due when a
    step begins (a zero or past limit) raises at that checkpoint at once in
    the library; CPython suspends once first (its timeout is a callback
    queued behind the tasks already ready), so other tasks run, and what
    they do can reach the waiter first. First difference: the library's
    task reports a timeout in the very instant of its previous line (no
    time passed: the limit was zero or past). Excused: that task from then
    on."""
    a = _words(diff[1])
    t = first_diff_time(diff)
    if a[1] is None or a[1] == '-' or t is None or a[2][-1:] != ['timeout']:
        return None
    i = c.index(diff[1]) if diff[1] in c else -1
    prev = [ln for ln in c[:i] if _task(ln) == a[1]]
    if not prev or _t(prev[-1]) != _t(diff[1]):
        return None
    return _drop_if_first(py, c, diff, [(a[1], t)])


def rule_r8_return_in_finally(py, c, notes, diff, version):
    """R8 as the library keeps it: a value returned from a task's own
    cleanup (`AIO_FINALLY`) is the task's result, a cancellation not yet
    delivered included; CPython ends the task cancelled (its `_must_cancel`
    outlives the return, R7). First difference: the task's end, cancelled in
    CPython and a value in the library, right after its `finally` line.
    Excused: that one line of each, and the tasks that name the task from
    then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if e[1] is None or e[1] != a[1] or e[2] != ['end', 'cancelled'] or a[2][:1] != ['end'] or \
            unwinds_by_cancel(a[2]) or a[2][1:2] and a[2][1].startswith('error'):
        return None
    i = c.index(diff[1])
    if not any(_task(ln) == a[1] and _words(ln)[2][:1] == ['finally'] for ln in c[:i]):
        return None
    return _drop_if_first(py, c, diff, [(a[1], t)])


RULES = [
    # the narrowest first: the first rule that holds names the difference
    ('wait_for before 3.12 (R43: a future of its own)', rule_wait_for_311),
    ('L3 (completion beats a later cancellation)', rule_l3),
    ('a failed group before 3.13 (gh-116720: the cancel count stays raised)',
     rule_group_count_before_313),
    ('checkpoint: acquiring a free lock or permit', rule_checkpoint_acquire),
    ('checkpoint: the end of a group with no child left', rule_checkpoint_group_end),
    ('L6 (busy work: deadlines checked at every checkpoint)', rule_l6_busy),
    ('L6 (a deadline due at entry raises at once)', rule_l6_due_at_entry),
    ('L1 (a timeout stops only its own cancellation)', rule_l1_own_cancel_only),
    ('L2 (a caught cancellation stays in force)', rule_l2_level_triggered),
    ('L4 (waiting is not owning)', rule_l4_waiting_is_not_owning),
    ('R8 (a value returned from the task\'s finally)', rule_r8_return_in_finally),
    ('L8 (group children inherit the deadlines and cancels around the group)',
     rule_l8_children_inherit),
    ('late wake-up (gather, shield, group end: two loop iterations in asyncio)', rule_late_wakeup),
]

MAX_STEPS = 40


def explain_all(py, c, notes, diff, version):
    """(names of the rules used, first in order, or [], and the first
    difference no rule explains, or None). Rules excuse their lines one
    difference at a time; the comparison then goes on."""
    used = []
    for _ in range(MAX_STEPS):
        for name, pred in RULES:
            r = pred(py, c, notes, diff, version)
            if r is None:
                continue
            py2, c2 = r
            if (py2, c2) == (py, c):
                continue
            py, c = py2, c2
            if name not in used:
                used.append(name)
            break
        else:
            return used, diff
        diff = scenario.compare(py, c)
        if diff is None:
            return used, None
    return used, diff


def explain(py, c, notes, diff, version):
    """The name of the first rule used if rules explain every difference,
    else None."""
    used, left = explain_all(py, c, notes, diff, version)
    return used[0] if used and left is None else None
