"""The library's deliberate differences from CPython, as predicates on traces.

explain(py, c, notes, diff, version) names the rule that lets the CPython
trace `py` and the library trace `c` differ, or returns None (a
disagreement). `diff` is scenario.compare(py, c); `notes` are the events the
CPython run noted (pyrunner.Runner.note_cancel and friends), part of its
trace. Each rule looks only at the two traces and those notes, never at the
program.
"""


def _t(line):
    w = line.split(' ', 1)[0]
    return int(w) if w.isdigit() else None


def first_diff_time(diff):
    ts = [_t(x) for x in diff[:2] if _t(x) is not None]
    return min(ts) if ts else None


def rule_l3(py, c, notes, diff, version):
    """L3: CPython cancelled a task whose awaited work had already completed
    (it drops the completion, the library delivers it), and the traces agree
    up to that instant."""
    l3 = [n for n in notes if n[2].startswith('L3')]
    if not l3:
        return False
    t = first_diff_time(diff)
    return t is not None and t >= min(n[0] for n in l3)


def rule_wait_for_311(py, c, notes, diff, version):
    """CPython 3.11's wait_for waits through a future of its own (a hidden
    task for an inline block): a cancel reaches what it waits for only when
    the waiter runs again, and a completion in the instant of its deadline
    wins (R43, R50, R51). The library follows 3.12 and later. The traces
    agree up to the instant a wait_for began."""
    if version >= (3, 12):
        return False
    w = [n[0] for n in notes if n[2].startswith('wait_for before')]
    t = first_diff_time(diff)
    return bool(w) and t is not None and t >= min(w)


def _words(line):
    """(time, task, event words) of a trace line."""
    p = line.split()
    return (p[0], p[1], p[2:]) if len(p) >= 3 else (None, None, p)


def unwinds_by_cancel(words):
    """Does this event show its task unwinding by a cancellation (its own
    or a deadline's)?"""
    if not words:
        return False
    ev, rest = words[0], words[1:]
    if ev in ('end', 'finally'):
        return rest == ['cancelled']
    if ev in ('timeout', 'group', 'call', 'wait_for'):
        return rest[-1:] in (['cancelled'], ['timeout']) and (ev != 'wait_for' or
                                                               rest[0] == 'call')
    return False


def rule_checkpoint_acquire(py, c, notes, diff, version):
    """Every await is a checkpoint: where CPython takes a free lock or
    permit without suspending, and so goes on with a cancellation pending,
    the library raises that cancellation at the acquire. First difference:
    CPython's task acquires, the same task in the library unwinds by a
    cancellation at that point."""
    e, a = _words(diff[0]), _words(diff[1])
    return (e[1] is not None and e[1] == a[1] and e[2][:1] == ['acquire'] and
            e[2][-1:] == ['ok'] and unwinds_by_cancel(a[2]))


def rule_checkpoint_group_end(py, c, notes, diff, version):
    """Every await is a checkpoint: the end of a group whose children have
    all finished raises a cancellation already due in the library; in
    CPython it does not suspend. First difference: CPython's task ends the
    group block, the same task in the library leaves it by a
    cancellation."""
    e, a = _words(diff[0]), _words(diff[1])
    return (e[1] is not None and e[1] == a[1] and e[2][:1] == ['group'] and
            a[2][:1] == ['group'] and unwinds_by_cancel(a[2]) and not unwinds_by_cancel(e[2]))


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
    library's raises the outer cancellation."""
    if version >= (3, 13):
        return False
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if e[1] is None or e[1] != a[1] or t is None or e[2][:2] != a[2][:2]:
        return False
    timeout_let_through = (e[2][:1] in (['timeout'], ['wait_for']) and
                           e[2][-2:] == ['raise', 'cancelled'] and a[2][-1:] == ['timeout'])
    cancel_lost = (e[2][:1] == ['group'] and e[2][-1:] and e[2][-1].startswith('error:') and
                   a[2][-2:] == ['raise', 'cancelled'])
    if not (timeout_let_through or cancel_lost):
        return False
    for ln in py:
        w = _words(ln)
        if _t(ln) is not None and _t(ln) > t:
            break
        if w[1] == e[1] and w[2][:1] == ['group'] and w[2][-1:] and \
                w[2][-1].startswith('error:'):
            return True
    return False


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
    that task's own, or CPython's is another task ending cancelled there."""
    t = first_diff_time(diff)
    if t is None:
        return False
    end = py.index(diff[0]) if diff[0] in py else len(py)
    woken = set()
    for ln in py[:end]:
        if _t(ln) == t:
            w = _words(ln)
            if w[2][:1] in (['gather'], ['gather_all'], ['shield'], ['wait_for_shield']) or \
                    (w[2][:1] == ['group'] and not unwinds_by_cancel(w[2])):
                woken.add(w[1])
    if not woken:
        return False
    e, a = _words(diff[0]), _words(diff[1])
    if e[1] in woken or a[1] in woken:
        return True
    return e[1] is not None and e[2] == ['end', 'cancelled']


def rule_l3_instant(py, c, notes, diff, version):
    """L3 where the first difference is in the very instant of such a
    cancel (tried before the rules of older versions, which would also
    hold there)."""
    t = first_diff_time(diff)
    return t is not None and any(n[0] == t for n in notes if n[2].startswith('L3'))


def rule_l8_children_inherit(py, c, notes, diff, version):
    """L8: a task spawned into a group inherits the deadlines of the blocks
    around the group, and a cancellation that reaches the group's task
    reaches its children at once; in CPython they are cancelled only when
    the body has unwound into the group's end. First difference: the
    library's task unwinds by a cancellation where CPython's does not yet,
    and in CPython's trace another task leaves a group block by a
    cancellation at that instant or later."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if a[1] is None or t is None or not unwinds_by_cancel(a[2]) or unwinds_by_cancel(e[2]):
        return False
    for ln in py:
        w = _words(ln)
        if _t(ln) is not None and _t(ln) >= t and w[1] != a[1] and \
                w[2][:1] == ['group'] and w[2][-2:] == ['raise', 'cancelled']:
            return True
    return False


RULES = [
    # the narrowest first: the first rule that holds names the difference
    ('wait_for before 3.12 (R43: a future of its own)', rule_wait_for_311),
    ('L3 (completion beats a later cancellation)', rule_l3_instant),
    ('a failed group before 3.13 (gh-116720: the cancel count stays raised)',
     rule_group_count_before_313),
    ('checkpoint: acquiring a free lock or permit', rule_checkpoint_acquire),
    ('checkpoint: the end of a group with no child left', rule_checkpoint_group_end),
    ('L3 (completion beats a later cancellation)', rule_l3),
    ('L8 (group children inherit the deadlines and cancels around the group)',
     rule_l8_children_inherit),
    ('late wake-up (gather, shield, group end: two loop iterations in asyncio)', rule_late_wakeup),
]


def explain(py, c, notes, diff, version):
    for name, pred in RULES:
        if pred(py, c, notes, diff, version):
            return name
    return None
