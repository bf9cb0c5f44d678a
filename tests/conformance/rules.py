# SPDX-License-Identifier: MIT
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
    """(time, task, event words) of a trace line; (None, None, words) for
    compare's placeholders such as "(no more lines of T at 5)"."""
    p = line.split()
    return (p[0], p[1], p[2:]) if len(p) >= 3 and p[0].isdigit() else (None, None, p)


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


_NOT_NAMES = {'ok', 'cancelled', 'timeout', 'invalid', 'return', 'raise', 'done', 'pending',
              'fail', 'call', 'none', 'childcancelled', '-', 'in', 'at', 'never', 'quiet',
              'empty', 'full', 'shutdown', 'immediate'}


def _named(words):
    """The tasks and objects an event's words name."""
    return {x for x in words if x not in _NOT_NAMES and not x.isdigit() and
            not x.startswith('error:')}


def drop(py, c, task, t):
    """Both traces without the lines of `task` from instant `t` on, and
    without what follows from them: from the first such line on, the lines
    of every task that names a task so dropped (its await of it, its cancel
    of it), that a dropped line names (a cancel that one trace sends and
    the other does not), or that names an object (event, lock, condition,
    semaphore) a dropped line names (a lock that one trace holds and the
    other does not), from instant `t` on; and a task that only one trace
    has, started at `t` or later (spawned on a path the other trace did
    not take). Returns (py, c, the tasks dropped)."""
    since = {task: t}
    objs = {}
    changed = True
    while changed:
        changed = False
        # the tasks a dropped task owns (what it spawned): its cancel reaches them
        for child, parent in _OWNER.items():
            if parent in since and child not in since:
                first = [_t(ln) for ln in py + c if _task(ln) == child and
                         _t(ln) is not None and _t(ln) >= since[parent]]
                if first:
                    since[child] = min(first)
                    changed = True
            # and the group block of the task that owns a dropped task waits for it
            if child in since and parent not in since:
                first = [_t(ln) for ln in py + c if _task(ln) == parent and
                         _t(ln) is not None and _t(ln) >= since[child] and
                         _words(ln)[2][:1] == ['group']]
                if first:
                    since[parent] = min(first)
                    changed = True
        for ln in py + c:
            tm = _t(ln)
            who = _task(ln)
            if tm is None or who == '-':
                continue
            names = _named(ln.split()[3:])
            if who in since and tm >= since[who]:
                for x in names:
                    if x != who and (x not in objs or tm < objs[x]):
                        objs[x] = tm
                        changed = True
            if who == task:
                continue
            for x, t0 in list(since.items()) + list(objs.items()):
                if tm >= t0 and x in names and (who not in since or tm < since[who]):
                    since[who] = tm
                    changed = True
                    break
        for x, t0 in list(objs.items()):
            # a task a dropped line names
            first = [_t(ln) for ln in py + c if _task(ln) == x and _t(ln) is not None and
                     _t(ln) >= t0]
            if first and x != task and (x not in since or min(first) < since[x]):
                since[x] = min(first)
                changed = True

    # a task only one trace has, started at t or later: spawned on a path
    # that only one trace took
    tp = {_task(ln) for ln in py} - {'-'}
    tc = {_task(ln) for ln in c} - {'-'}
    for x in tp ^ tc:
        if all(_t(ln) >= t for ln in py + c if _task(ln) == x):
            since[x] = t

    def kept(ln):
        who = _task(ln)
        return not (who in since and _t(ln) is not None and _t(ln) >= since[who])

    # A task's end line is dropped from both traces if from one: CPython
    # writes it from a callback, a turn (and, after busy work, an instant)
    # later than the library, so one trace's may fall before `since` and
    # the other's after it.
    ended = {_task(ln) for ln in py + c if _words(ln)[2][:1] == ['end'] and not kept(ln)}

    def keep(ln):
        if _words(ln)[2][:1] == ['end'] and _task(ln) in ended:
            return False
        return kept(ln)

    def q(lines):
        return [_quiet(ln, since) if ln.split(' ', 2)[1:2] == ['-'] else ln
                for ln in lines if keep(ln)]
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
    wins (R43, R50, R51). The library follows 3.12 and later, the reference,
    so on 3.11 the traces are compared up to the instant the first wait_for
    began, and not after (what follows differs in too many ways to follow
    one by one: the hidden task's own cancels and its children's)."""
    if version >= (3, 12):
        return None
    w = [n[0] for n in notes if n[2].startswith('wait_for before')]
    t = first_diff_time(diff)
    if not w or t is None or t < min(w):
        return None
    t0 = min(w)

    def before(lines):
        return [ln for ln in lines if _t(ln) is None or _t(ln) < t0]
    return before(py), before(c)


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
    # a differing line itself must be among those excused
    if all(_t(x) is None or x in lines for x, lines in zip(diff[:2], out)):
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
    if e[1] is None or e[2][:1] != ['acquire'] or e[2][-1:] != ['ok']:
        return None
    if a[1] is None and diff[1].startswith('(no more lines of %s ' % e[1]):
        # the library's task unwinds in a later instant (it let others run first)
        later = [ln for ln in c if _task(ln) == e[1] and _t(ln) > _t(diff[0])]
        if not later or not unwinds_by_cancel(_words(later[0])[2]):
            return None
    elif e[1] != a[1] or not unwinds_by_cancel(a[2]):
        return None
    return _drop_if_first(py, c, diff, [(e[1], first_diff_time(diff))])


_NO_SUSPEND_WORDS = ('put', 'get', 'join', 'as_completed')


def rule_checkpoint_no_suspend(py, c, notes, diff, version):
    """Every await macro is a checkpoint, also where asyncio's await does
    not suspend: a put with room, a get with an item there, a join with
    nothing undone, the next of as_completed already finished, a put or a
    get that finds the queue shut down. CPython's
    task completes such an await and goes on with a cancellation (or an
    expired deadline) pending; the library raises it there. First
    difference: CPython's task reports that await (`put Q ok`, `get Q V`,
    `join Q ok`, `as_completed V`, `put Q shutdown`, `get Q shutdown`) in an instant in which the CPython run
    noted that this task's await did not suspend, and the same task in the
    library unwinds by a cancellation at that point (or, having let others
    run first, in its next line). Excused: that task from then on (and,
    through the queue it names, what the item it did not move changes)."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if e[1] is None or t is None or e[2][:1] not in [[w] for w in _NO_SUSPEND_WORDS]:
        return None
    ok = {'put': ['ok'], 'join': ['ok']}.get(e[2][0])
    if e[2][0] in ('put', 'get') and e[2][-1:] == ['shutdown']:
        pass    # a queue shut down fails at once
    elif ok is not None and e[2][-1:] != ok:
        return None
    elif e[2][0] in ('get', 'as_completed') and not e[2][-1].lstrip('-').isdigit():
        return None
    if not any(n[0] == t and n[1] == e[1] and n[2] == 'checkpoint: did not suspend'
               for n in notes):
        return None
    if a[1] is None and diff[1].startswith('(no more lines of %s ' % e[1]):
        later = [ln for ln in c if _task(ln) == e[1] and _t(ln) >= t and ln not in py]
        if not later:  # (both end the same way: its lines after those they share)
            mine_c = [ln for ln in c if _task(ln) == e[1]]
            mine_py = [ln for ln in py if _task(ln) == e[1]]
            k = 0
            while k < min(len(mine_c), len(mine_py)) and mine_c[k] == mine_py[k]:
                k += 1
            later = mine_c[k:]
        if not later or not unwinds_by_cancel(_words(later[0])[2]):
            return None
    elif e[1] != a[1] or not unwinds_by_cancel(a[2]):
        return None
    return _drop_if_first(py, c, diff, [(e[1], t)])


def rule_as_completed_limit_left(py, c, notes, diff, version):
    """as_completed with a limit, left by a cancellation before its last
    task came out: asyncio disarms the limit's timer only when that task
    comes out, so its run goes quiet at the limit at the earliest; the
    library disarms it as the wait ends. First difference: the run's quiet
    line, CPython's at the limit a note names (no other timer was due
    later), the library's earlier, naming the same pending tasks."""
    def about_the_end(ln):
        return _task(ln) == '-' or ln.startswith('(no more lines of - ')
    if not (about_the_end(diff[0]) and about_the_end(diff[1])):
        return None
    qp = [ln for ln in py if _task(ln) == '-']
    qc = [ln for ln in c if _task(ln) == '-']
    if len(qp) != 1 or len(qc) != 1 or _words(qp[0])[2] != _words(qc[0])[2] or \
            _words(qp[0])[2][:1] != ['quiet'] or not {diff[0], diff[1]} & {qp[0], qc[0]}:
        return None
    tp, tc = _t(qp[0]), _t(qc[0])
    if not any(n[2] == 'as_completed: its limit left armed until %d' % tp for n in notes):
        return None
    if tc >= tp or any(_t(ln) > tc for ln in py + c if ln not in (qp[0], qc[0])):
        return None
    return drop_line(py, c, qp[0], qc[0])


def rule_as_completed_limit_done(py, c, notes, diff, version):
    """R92: asyncio decides which tasks as_completed's limit leaves in the
    limit's timer callback; a task that ends in that instant tells the
    iterator through its done callback, queued behind the timer (or ends
    later still, when it heard of its own children through a done callback
    too: a group's end), so it is left; the library decides when the waiter
    runs, and a task that ended in that instant before it comes out. First
    difference: CPython's `as_completed timeout` of a task in instant t, the
    library's `as_completed V` of the same task there, and a task X ends in
    instant t in both traces the same way, with V, in the library's trace
    before that line. Excused: that one line."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if t is None or e[1] is None or e[1] != a[1] or e[2] != ['as_completed', 'timeout'] or \
            a[2][:1] != ['as_completed'] or len(a[2]) != 2 or a[2] == e[2]:
        return None
    if diff[0] not in py or diff[1] not in c:
        return None
    j = c.index(diff[1])
    for ln in c[:j]:
        w = _words(ln)
        if _t(ln) == t and w[1] not in (None, '-', e[1]) and w[2] == ['end', a[2][1]] and \
                ln in py:
            return drop_line(py, c, diff[0], diff[1])
    return None


def rule_queue_fcfs(py, c, notes, diff, version):
    """First come, first served in a queue: an item put for a waiting
    getter (a place freed for a waiting putter) is promised to the oldest
    waiter until it runs. In CPython the put only wakes that waiter; a
    newcomer in the same instant (get_nowait, or a get that finds an item;
    put_nowait, or a put that finds room) takes it, and the woken waiter
    finds nothing and waits again at the back of the line. The CPython
    run noted such a newcomer (Queue._wakeup_next had woken a waiter that
    had not run yet, and no spare item or place was left). First
    difference: in that instant, in the newcomer's task or in a woken
    waiter's. Excused: the newcomer and the woken waiters from then on
    (and, through the queue their lines name, who gets which item after)."""
    t = first_diff_time(diff)
    if t is None:
        return None
    pairs = []
    for n in notes:
        if n[0] == t and n[2].startswith('FCFS: a newcomer took'):
            woken = n[2][len('FCFS: a newcomer took what '):].split(' was woken for in ')[0]
            pairs += [(n[1], t)] + [(w, t) for w in woken.split()]
    if not pairs:
        return None
    return _drop_if_first(py, c, diff, pairs)


def rule_checkpoint_pending_forever(py, c, notes, diff, version):
    """Every await is a checkpoint: a task with its cancellation pending
    (sent earlier in that instant) raises it at its next await in the
    library, before the await acts; CPython's await acts first (a condition
    wait releases the lock) and then waits forever (to take the lock back
    from a task that keeps it). First difference: CPython's task has no
    more lines and is left pending at the end, the library's unwinds by a
    cancellation, and a `cancel T 1` line came earlier in that instant.
    Excused: that task from then on."""
    a = _words(diff[1])
    t = first_diff_time(diff)
    if a[1] is None or t is None or not diff[0].startswith('(no more lines of %s ' % a[1]) or \
            not unwinds_by_cancel(a[2]):
        return None
    q = [x for x in py if x.split(' ', 2)[1:2] == ['-']]
    if not q or a[1] not in q[-1].split()[3:]:
        return None
    if not any(_t(ln) == t and _words(ln)[2] == ['cancel', a[1], '1'] for ln in c):
        return None
    return _drop_if_first(py, c, diff, [(a[1], t)])


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


_WAIT_WORDS = ('await', 'wait_for', 'shield', 'wait_for_shield', 'gather', 'gather_all', 'wait',
               'as_completed')


def rule_group_hears_later(py, c, notes, diff, version):
    """The library's rule 3 (docs/behaviour.md, "One instant"): a group hears
    of a child's failure one turn later, so a task woken by that child's end
    in the same instant (the group's body waiting on it) takes the step its
    wake-up earned first; asyncio runs the group's done callback, registered
    first, before the waiter's, and the body is cancelled before its wait is
    over. First difference: CPython's task leaves a group block with a
    child's error in an instant in which that child's end is in CPython's
    trace, or, where the block has cleanup to run first (a `finally:`, a
    block around the wait), unwinds by that cancellation in that instant
    and its next group line reports that child's error; where the library's
    same task reports a wait that names that child (or, as_completed naming
    no task, reports that child's error). Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if t is None or e[1] is None or e[1] != a[1] or a[2][:1] == ['group'] or \
            not a[2] or a[2][0] not in _WAIT_WORDS:
        return None
    # the evidence (the child's end, the group's line) from CPython's whole
    # trace: a rule applied before may have excused those lines already
    full = _FULL[0] if _FULL and diff[0] in _FULL[0] else py
    g = e[2]
    if g[:1] != ['group'] and unwinds_by_cancel(g) and g[-1:] == ['cancelled'] and \
            diff[0] in full:
        # the group's cancellation unwinds the body's cleanup first: the
        # group block's own line is the task's next group line
        i = full.index(diff[0])
        g = next((_words(ln)[2] for ln in full[i + 1:] if _task(ln) == e[1] and
                  _words(ln)[2][:1] == ['group']), [])
    if g[:1] != ['group'] or len(g) < 3 or not g[2].startswith('error:'):
        return None
    err = g[2]
    failed = {_task(ln) for ln in full if _t(ln) == t and _words(ln)[2] == ['end', err]}
    # as_completed's line names no task: the child's error it reports
    if not failed & set(a[2][1:]) and not (failed and a[2] == ['as_completed', err]):
        return None
    return _drop_if_first(py, c, diff, [(e[1], t)])


def rule_l5_waits_for_cleanup(py, c, notes, diff, version):
    """L5, structured waiting: a cancelled `gather` (or await) waits for the
    cleanup of every task it cancelled before its caller goes on; CPython's
    gather gives up when the first of them has finished. First difference:
    CPython's task unwinds by a cancellation in an instant in which the
    library's same task has nothing more, and the library's task has that
    same line later, after a task it waits for ended cancelled (its cleanup
    took the time). Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if t is None or e[1] is None or a[1] is not None or not unwinds_by_cancel(e[2]):
        return None
    task = e[1]
    later = [ln for ln in c if _task(ln) == task and _t(ln) is not None and _t(ln) > t and
             _words(ln)[2] == e[2]]
    if not later:
        return None
    t2 = _t(later[0])
    waited = set()
    for ln in c:
        w = _words(ln)
        if w[1] == task and w[2][:1] and w[2][0] in _WAIT_WORDS:
            waited.update(w[2][1:])
    waited |= {x for x, owner in _OWNER.items() if owner == task}
    if not any(_task(ln) in waited and t <= _t(ln) <= t2 and _words(ln)[2] == ['end', 'cancelled']
               for ln in c if _t(ln) is not None):
        return None
    return _drop_if_first(py, c, diff, [(task, t)])


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
    The same holds for asyncio.wait with a limit (its timer callback sets
    the waiter's future, which wakes the task an iteration later): the
    tasks it waits for run on in between, so its done and pending sets
    can differ, and so can what the tasks it names did meanwhile; and so
    for a wait with a zero limit (an event, lock or
    condition wait, a wait_for): asyncio's timeout is a callback that
    cancels the task, which runs an iteration after it, where the library
    ends the wait in one turn. Excused: the task of the differing line from
    that instant on."""
    t = first_diff_time(diff)
    if t is None:
        return None
    end = py.index(diff[0]) if diff[0] in py else len(py)
    woken = set()
    for ln in py[:end]:
        if _t(ln) == t:
            w = _words(ln)
            if w[2][:1] in (['gather'], ['gather_all'], ['shield'], ['wait_for_shield'],
                            ['wait']) or \
                    (w[2][:1] == ['group'] and not unwinds_by_cancel(w[2])):
                woken.add(w[1])
    # a wait with a zero limit: asyncio's timeout is a callback that cancels
    # the task, which runs an iteration later (two in all, one in the library)
    woken |= _zero_waits(py, t, end) | _zero_waits(c, t, len(c))
    e, a = _words(diff[0]), _words(diff[1])
    for x, lines in ((diff[0], py), (diff[1], c)):
        if x in lines and _zero_waits(lines, t, lines.index(x) + 1):
            woken.add(_task(x))
    if a[2][:2] == ['wait', 'done'] and any(_task(x) == a[1] and _words(x)[2][:2] == ['wait', 'done']
                                           and _t(x) >= t for x in py):
        woken.add(a[1])
    # a wait that ended in this instant (its limit's callback, then its
    # future: two iterations in asyncio): the tasks it named ran on or not
    for x in py + c:
        w = _words(x)
        if _t(x) == t and w[2][:2] == ['wait', 'done'] and (e[1] in w[2] or a[1] in w[2]):
            woken.add(e[1] if e[1] in w[2] else a[1])
    if e[1] is not None and e[1] == a[1] and e[2][:2] == a[2][:2] == ['wait', 'done']:
        # asyncio.wait with a limit: its timer, then its waiter's future, then
        # the task: the tasks it waits for run on in between
        woken.add(e[1])
    if not woken:
        return None
    if e[1] is not None and e[1] == a[1] and diff[0] in py and diff[1] in c and \
            a[2][:1] in _RESULTS and woken & set(a[2][1:]) and \
            any(_t(ln) == t and _task(ln) in woken and _words(ln)[2][:1] == ['end']
                for ln in py[end:]):
        # a waiter of a task woken late (its group's end): that task ends
        # after the differing line in CPython, before it in the library
        return _drop_if_first(py, c, diff, [(e[1], t)])
    if e[1] in woken or a[1] in woken:
        return _drop_if_first(py, c, diff, [(x, t) for x in _diff_tasks(diff)])
    if e[1] is not None and e[2] == ['end', 'cancelled']:
        return _drop_if_first(py, c, diff, [(x, t) for x in _diff_tasks(diff)])
    return None


def _late_kind(words):
    """Does this event end a wait that asyncio wakes two loop iterations after
    what it waits for ended (a gather, a shield, a wait, a group block that
    ends without a cancellation)?"""
    return words[:1] in (['gather'], ['gather_all'], ['shield'], ['wait_for_shield'],
                         ['wait']) or (words[:1] == ['group'] and not unwinds_by_cancel(words))


def rule_late_wakeup_busy(py, c, notes, diff, version):
    """The late wake-up (rule_late_wakeup) seen through busy work: a task W
    woken in an instant from a gather, shield, wait or group block runs its
    next step one turn after what it waited for ended in the library, two
    loop iterations after in asyncio. So a task X queued in between (spawned,
    or woken, in the turn in which W's wait was met) takes its step before
    W's in CPython and after it in the library; where W's step does busy
    work, the library's X starts that step at the clock W's busy work
    reached, and all it does from there (the timers it arms) comes later.
    First difference: CPython's line of X in instant t, which the library
    has not in that instant but, the same, in a later one that busy work of
    W reached; in CPython's trace W's line ending such a wait comes after
    X's line in instant t, in the library's the same line comes in instant
    t, before it; and the CPython run noted W's busy work in instant t.
    Or X's step there logged nothing and armed a timer (_late_wakeup_timer).
    Excused: X from instant t on."""
    t = first_diff_time(diff)
    e = _words(diff[0])
    x = e[1]
    if t is not None and x not in (None, '-'):
        r = _late_wakeup_timer(py, c, notes, diff, x, t)
        if r is not None:
            return r
    if t is None or x in (None, '-') or diff[0] not in py or \
            not diff[1].startswith('(no more lines of %s ' % x):
        return None
    later = [ln for ln in c if _task(ln) == x and _t(ln) is not None and _t(ln) > t and
             _words(ln)[2] == e[2]]
    if not later:
        return None
    t2 = _t(later[0])
    for ln in py[py.index(diff[0]) + 1:]:
        w = _words(ln)
        if _t(ln) != t:
            break
        if w[1] in (None, '-', x) or not _late_kind(w[2]) or ln not in c:
            continue
        busy = [n for n in notes if n[1] == w[1] and n[2].startswith('busy')]
        if any(n[0] == t for n in busy) and \
                any(n[0] + int(n[2].split()[1].rstrip(':')) == t2 for n in busy):
            return _drop_if_first(py, c, diff, [(x, t)])
    return None


def _late_wakeup_timer(py, c, notes, diff, x, t):
    """rule_late_wakeup_busy where X's step in the instant t0 of W's wake-up
    logs nothing and arms a timer (a sleep): it runs before W's busy work in
    CPython and after it in the library, so what the timer ends comes later
    in the library, by at most that busy work. First difference: X's first
    line after t0 (the instant of its last line before), in instant t in
    CPython's trace and the same, later, in the library's, X's lines before
    it the same in both; in instant t0 both traces have W's line ending such
    a wait, and the CPython run noted W's busy work in t0, as much as the
    line moved or more. Excused: X from instant t on."""
    mine = [ln for ln in py if _task(ln) == x]
    theirs = [ln for ln in c if _task(ln) == x]
    before = [ln for ln in mine if _t(ln) < t]
    k = len(before)
    if not before or before != theirs[:k] or len(mine) <= k or len(theirs) <= k:
        return None
    lp, lc = mine[k], theirs[k]
    t0 = _t(before[-1])
    if _t(lp) != t or _words(lp)[2] != _words(lc)[2] or not t0 < t < _t(lc):
        return None
    for ln in py:
        w = _words(ln)
        if _t(ln) != t0 or w[1] in (None, '-', x) or not _late_kind(w[2]) or ln not in c:
            continue
        busy = sum(int(n[2].split()[1].rstrip(':')) for n in notes
                   if n[0] == t0 and n[1] == w[1] and n[2].startswith('busy'))
        if _t(lc) - t <= busy:
            return _drop_if_first(py, c, diff, [(x, t)])
    return None


def _zero_waits(lines, t, end):
    """The tasks whose wait ended by its limit in instant t, in the very
    instant of their previous line (a zero limit), among lines[:end]."""
    out = set()
    last = {}
    for ln in lines[:end]:
        who, tm = _task(ln), _t(ln)
        w = _words(ln)[2]
        if tm == t and who not in (None, '-') and w[-1:] == ['timeout'] and \
                w[:1] in (['wait_event'], ['acquire'], ['cond_wait'], ['wait_for'],
                          ['wait_for_shield']) and last.get(who) == t:
            out.add(who)
        last[who] = tm
    return out


def _reached_before_inner_group(py, c, t):
    """[(X, t)] for each child X that CPython's trace shows reached by a
    cancellation in instant t only after a group block of its owner A was
    left by one in that instant (`A group G raise cancelled`, then X's
    first line unwinding by a cancellation: a child of a group around G,
    cancelled when A's body unwound into that group's end), no `cancel X`
    in that instant, and whose same line the library's trace has in t
    before any such line of A (L8: the cancel reached X at once)."""
    at = [ln for ln in py if _t(ln) == t]
    cat = [ln for ln in c if _t(ln) == t]
    out = []
    for i, ln in enumerate(at):
        w = _words(ln)
        if w[2][:1] != ['group'] or w[2][-2:] != ['raise', 'cancelled']:
            continue
        owner = w[1]
        seen = {_task(x) for x in at[:i] if unwinds_by_cancel(_words(x)[2])}
        for x in at[i + 1:]:
            wx = _words(x)
            if wx[1] in seen or not unwinds_by_cancel(wx[2]):
                continue
            seen.add(wx[1])     # its first line unwinding by a cancellation
            if _OWNER.get(wx[1]) != owner or x not in cat or \
                    any(_words(y)[2] == ['cancel', wx[1], '1'] for y in at + cat):
                continue
            k = cat.index(x)
            if any(_task(y) == owner and _words(y)[2] == w[2] for y in cat[:k]):
                continue
            if (wx[1], t) not in out:
                out.append((wx[1], t))
    return out


def _unwinds_from_deeper(py, c, diff, t):
    """The first difference is in a task X both of whose traces unwind it
    by a cancellation from there on: CPython's lines of X from the
    differing one on all unwind by a cancellation, the library's are fewer
    and the same as CPython's last ones (CPython's X took steps without a
    line, into blocks it then unwinds from, before the cancellation
    reached it; the library's was cancelled at an earlier checkpoint, with
    the same blocks left around it); and in CPython's trace the task that
    spawned X leaves a group block by a cancellation at that instant or
    later (its group's end, reached by the cancellation, cancelled X)."""
    e, a = _words(diff[0]), _words(diff[1])
    x = a[1]
    if x in (None, '-') or e[1] != x or not unwinds_by_cancel(e[2]) or \
            not unwinds_by_cancel(a[2]) or diff[0] not in py or diff[1] not in c:
        return False
    mp = [_words(ln)[2] for ln in py[py.index(diff[0]):] if _task(ln) == x]
    mc = [_words(ln)[2] for ln in c[c.index(diff[1]):] if _task(ln) == x]
    if not mc or len(mc) >= len(mp) or mp[-len(mc):] != mc or \
            not all(unwinds_by_cancel(w) for w in mp):
        return False
    owner = _OWNER.get(x)
    return owner is not None and any(
        _task(ln) == owner and _t(ln) is not None and _t(ln) >= t and
        _words(ln)[2][:1] == ['group'] and _words(ln)[2][-2:] == ['raise', 'cancelled']
        for ln in py)


def rule_l8_children_inherit(py, c, notes, diff, version):
    """L8: a task spawned into a group inherits the deadlines of the blocks
    around the group, and a cancellation that reaches the group's task
    reaches its children at once; in CPython they are cancelled only when
    the body has unwound into the group's end. First difference: the
    library's task unwinds by a cancellation where CPython's does not yet,
    and in CPython's trace another task leaves a group block by a
    cancellation at that instant or later (excused: that task from then
    on), or in the library's a group block is left by a cancellation at
    that instant or later after that task's line (excused: that task, and
    the group's task from that line on). Or, in the first differing
    instant, both traces show a child unwinding by a cancellation, in
    CPython's only after its owner's inner group block was left by one
    in that instant (the outer group's end reached it), in the library's
    before that (the deadline or cancel reached it at once): what its
    cleanup does (takes a lock back first) comes earlier in the library
    (excused: that child from then on; see _reached_before_inner_group).
    Or both traces unwind the task by a cancellation, CPython's from inside
    blocks it entered in the steps it took before the cancellation reached
    it, with no line of those steps (so that the first difference is
    between two unwinding lines): its lines from the difference on all unwind by a
    cancellation and end with the library's, which are fewer, and in
    CPython's trace the task that spawned it leaves a group block by a
    cancellation at that instant or later (excused: that task from then
    on; see _unwinds_from_deeper). Or the library's task unwinds by a
    cancellation, CPython's not, and the task that spawned it is left
    waiting at the end of both runs (it never reached the group's end, where
    CPython would pass the cancellation on; excused: that task from then
    on)."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if t is not None:
        early = _reached_before_inner_group(py, c, t)
        if early:
            r = _drop_if_first(py, c, diff, early)
            if r is not None:
                return r
    if a[1] is not None and t is not None and _unwinds_from_deeper(py, c, diff, t):
        return _drop_if_first(py, c, diff, [(a[1], t)])
    if a[1] is None or t is None or not unwinds_by_cancel(a[2]) or unwinds_by_cancel(e[2]):
        return None
    if a[2][:1] == ['group'] and (e[1] == a[1] and e[2][:2] == a[2][:2] or
                                  diff[0].startswith('(no more lines of %s ' % a[1])):
        # the group's own line: its children, cancelled in the library
        # before they started (in that instant), ran in CPython
        started = {_task(x) for x in c if _words(x)[2][:1] == ['start']}
        unborn = [(_task(x), t) for x in c if _t(x) == t and
                  _words(x)[2] == ['end', 'cancelled'] and _task(x) not in started and
                  any(_task(y) == _task(x) and _words(y)[2][:1] == ['start'] for y in py)]
        if unborn:
            return _drop_if_first(py, c, diff, [(a[1], t)] + unborn)
    for ln in py:
        w = _words(ln)
        if _t(ln) is not None and _t(ln) >= t and w[1] != a[1] and \
                w[2][:1] == ['group'] and w[2][-2:] == ['raise', 'cancelled']:
            return _drop_if_first(py, c, diff, [(a[1], t)])
    # the library's group, left by a cancellation, cancelled its child
    # before it started or ran on: the group's task and the child
    for ln in c:
        w = _words(ln)
        if _t(ln) is not None and _t(ln) >= t and w[1] != a[1] and \
                w[2][:1] == ['group'] and unwinds_by_cancel(w[2]) and \
                any(_task(x) == a[1] for x in c if _t(x) is not None and _t(x) <= _t(ln)):
            return _drop_if_first(py, c, diff, [(a[1], t), (w[1], _t(ln))])
    # the group's task never reaches the group's end in either trace (it is
    # left waiting in both: a cleanup or a lock it cannot get), so in
    # CPython the cancellation that reached it never reaches the child
    owner = _OWNER.get(a[1])
    quiet = [x for lines in (py, c) for x in lines if x.split(' ', 2)[1:2] == ['-']]
    if owner and len(quiet) == 2 and all(owner in q.split()[3:] for q in quiet):
        return _drop_if_first(py, c, diff, [(a[1], t)])
    return None


def _caught(lines, task, t):
    """Did `task` catch a cancellation or a timeout (a `catch` block, or a
    `finally` clause, which may return) at or before instant t?"""
    for ln in lines:
        tm = _t(ln)
        if tm is not None and tm > t:
            break
        w = _words(ln)
        if w[1] == task and w[2][:1] in (['catch'], ['finally']) and \
                w[2][-1:] in (['cancelled'], ['timeout']):
            return True
    return False


def rule_l2_level_triggered(py, c, notes, diff, version):
    """L2: a caught cancellation stays in force: after a `catch:` caught
    the task's cancellation (or a timeout), or a `finally:` entered by it
    returned, CPython's task goes on as if nothing happened (R10), the
    library's unwinds again at its next checkpoint (or ends cancelled). First difference: a task that caught a
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


def rule_l2_passed_down(py, c, notes, diff, version):
    """L2 (R14, R15): CPython passes a waiting task's cancellation down to
    the task it awaits, and if that task then ends without raising it (it
    returns or fails), the outer await gets its result and the outer
    cancellation is lost; the library's cancellation stays the waiter's
    own and unwinds it. First difference: CPython's task reports what it
    awaited (await, wait_for, shield, gather ...) where the library's
    unwinds by a cancellation, and that task was cancelled (a `cancel T 1`
    line) earlier in that instant, or the library's line is that task's
    block cut short by its own deadline. Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if e[1] is None or t is None or a[1] not in (e[1], None) or \
            e[2][:1] not in (['await'], ['wait_for'], ['shield'], ['wait_for_shield'],
                             ['gather'], ['gather_all'], ['wait']) or \
            e[2][-1:] in (['cancelled'], ['timeout']):
        return None
    if a[1] is not None and not unwinds_by_cancel(a[2]):
        return None
    by_deadline = a[2][:1] in (['timeout'], ['wait_for']) and a[2][-1:] == ['timeout']
    if not by_deadline and \
            not any(_t(ln) == t and _words(ln)[2] == ['cancel', e[1], '1'] for ln in c):
        return None
    return _drop_if_first(py, c, diff, [(e[1], t)])


def rule_l3_done_before_await(py, c, notes, diff, version):
    """L3 where the awaited work was complete before the await began: a task
    with a cancellation pending (sent to it earlier in that instant, while
    it ran) awaits tasks that have all ended; CPython's await suspends (a
    gather's or a task's done callbacks are still to run) and the
    cancellation wins, the library delivers the completion and keeps the
    cancellation for its next checkpoint. First difference: CPython's task
    ends or unwinds by a cancellation where the library's reports what it
    awaited, not cancelled, and a `cancel T 1` line came earlier in that
    instant. Excused: that task from then on."""
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    if a[1] is None or t is None or e[1] not in (a[1], None) or \
            a[2][:1] not in _RESULTS or a[2][-1:] in (['cancelled'], ['timeout']):
        return None
    if e[1] is not None and not unwinds_by_cancel(e[2]):
        return None
    if not any(_t(ln) == t and _words(ln)[2] == ['cancel', a[1], '1'] for ln in c):
        return None
    return _drop_if_first(py, c, diff, [(a[1], t)])


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
    never comes), or that the CPython run noted a cancel passed on to by a
    waiter that did not spawn it (pyrunner's RULE_L4). Excused: X's lines
    from the instant of that wait's end (or of the cancel) on, and those of the tasks that name X from then on (the waiter
    among them)."""
    t = first_diff_time(diff)
    if t is None:
        return None
    ws = _names_with_failure(c, t) | _names_with_failure(py, t)
    for n in notes:
        if n[2].startswith('L4') and n[0] <= t:
            # the task the cancel reached, and the waiter that passed it on
            ws |= {(None, n[1], n[0]), (None, n[2].split()[10], n[0])}
    if not ws:
        return None
    return _drop_if_first(py, c, diff, [(x, tm) for _, x, tm in ws])


def _busy_before(notes, t):
    return [n for n in notes if n[2].startswith('busy') and n[0] <= t]


def _reached_by_busy(notes, t):
    """Was instant t reached by busy work (the clock moved there with no
    timer)?"""
    return any(n[0] + int(n[2].split()[1].rstrip(':')) == t for n in _busy_before(notes, t))


def rule_l6_busy(py, c, notes, diff, version):
    """L6: deadlines are checked at every checkpoint, against the clock:
    after CPU work (`busy`) moved the clock past a deadline with no timer
    having run, the library's next checkpoint raises the timeout, where
    CPython's loop runs the callbacks already queued first (R16) and the
    block can end normally. And CPython writes a task's `end` (and a
    waiter's line) from a callback one loop iteration later, when the busy
    work of another task has moved the clock on: the same line comes in a
    later instant. First difference, with busy work noted at or before
    its instant: in an instant the clock reached by busy work, a task
    unwinds by a cancellation or a timeout in the library and not in
    CPython (excused: the differing tasks from then on), or one trace's
    line comes again, the same but for its time, later in the other's (the
    library, too, reports a task's end after the turn in which it finished,
    after the busy work of the task that ran on; excused: that one line,
    but where that line is the library's block unwinding in an instant
    reached by busy work, CPython's task ran on to more busy work before
    its block unwound the same way: the differing tasks from then on, as
    the run's quiet line then comes later too), or a cleanup that CPython's
    timer cuts short where the library's checkpoint took the deadline with
    the cancellation that began it (_cut_cleanup; excused: that task from
    then on), or a task that only CPython's trace has, starting in that
    instant, whose owner unwinds in it in the library (its checkpoint raised
    before the spawn; excused: that task)."""
    t = first_diff_time(diff)
    if t is None or not _busy_before(notes, t):
        return None
    e, a = _words(diff[0]), _words(diff[1])
    unwinds = _reached_by_busy(notes, t) and a[1] is not None and \
        (unwinds_by_cancel(a[2]) or a[2][-1:] == ['timeout'])
    for mine, other, x, flip in ((c, py, diff[1], False), (py, c, diff[0], True)):
        # the same line, in a later instant of the other trace
        w0 = _words(x)
        if w0[1] is None or w0[1] == '-' or x not in mine:
            continue
        for ln in other:
            w = _words(ln)
            if w[1] == w0[1] and w[2] == w0[2] and _t(ln) > _t(x):
                if any(t <= n[0] < _t(ln) for n in _busy_before(notes, _t(ln))):
                    if unwinds and not flip and w0[2][:1] != ['end']:
                        # the library's block unwinds, CPython's the same
                        # way later: its task ran on past the deadline (and
                        # the run goes quiet later), a path, not a line
                        r = _drop_if_first(py, c, diff, [(u, t) for u in _diff_tasks(diff)])
                        if r is not None:
                            return r
                    if _late_kind(w0[2]):
                        # a waiter's line (a wait, gather, shield or group
                        # end that asyncio wakes two iterations later): what
                        # it does from there starts at the later clock too
                        r = _drop_if_first(py, c, diff, [(w0[1], t)])
                        if r is not None:
                            return r
                    return drop_line(py, c, x, ln) if flip else drop_line(py, c, ln, x)
                break
    if unwinds:
        return _drop_if_first(py, c, diff, [(x, t) for x in _diff_tasks(diff)])
    # a task only CPython's path spawned: its owner's checkpoint raised in the
    # library before the spawn (in an instant busy work reached), in CPython
    # only at a later await, with the same lines (a spawn writes none)
    x = e[1]
    if _reached_by_busy(notes, t) and x not in (None, '-') and a[1] is None and \
            e[2] == ['start'] and not any(_task(ln) == x for ln in c) and \
            any(_task(ln) == _OWNER.get(x) and _t(ln) == t and
                (unwinds_by_cancel(_words(ln)[2]) or _words(ln)[2][-1:] == ['timeout'])
                for ln in c):
        return _drop_if_first(py, c, diff, [(x, t)])
    if _reached_by_busy(notes, t) and _cut_cleanup(py, c, diff, t):
        return _drop_if_first(py, c, diff, [(e[1], t)])
    return None


def _cut_cleanup(py, c, diff, t):
    """The other side of rule_l6_busy: a task entered a `finally:` by a
    cancellation delivered in instant t (reached by busy work), and a
    deadline that the busy work passed is due there too. The library's
    checkpoint takes that deadline with the cancellation it delivers, as one
    (rule 2 of One instant), so the cleanup runs on; CPython's timer fires
    after the step that entered the cleanup and cuts it short. First
    difference: CPython's task unwinds by a cancellation where the library's
    same task, whose cleanup began in that instant, does not, and a block
    with a deadline (`timeout`, `timeout_at`, `reenter`, `wait_for MS:`) of
    that task ends in CPython's unwinding there."""
    e, a = _words(diff[0]), _words(diff[1])
    x = e[1]
    if x in (None, '-') or not unwinds_by_cancel(e[2]) or diff[0] not in py:
        return False
    if a[1] is None:
        if diff[1] != '(no more lines of %s at %d)' % (x, t):
            return False
    elif a[1] != x or unwinds_by_cancel(a[2]):
        return False
    i = py.index(diff[0])
    if not any(_t(ln) == t and _task(ln) == x and (_words(ln)[2][:1] == ['timeout'] or
                                                   _words(ln)[2][:2] == ['wait_for', 'call'])
               for ln in py[i:]):
        return False
    j = c.index(diff[1]) if diff[1] in c else len(c)
    return any(_t(ln) == t and _task(ln) == x and _words(ln)[2] == ['finally', 'cancelled']
               for ln in c[:j])


def _busy_carried(py, c, notes, i, t):
    """Did the busy work of tasks other than the one of notes[i] (a step
    begun with a limit already due, at instant t0 < t), noted after it,
    carry the clock from t0 to t, that task writing no line in CPython's
    trace in between (it was still suspended in that step), and is the
    library's first line of that task at t in CPython's trace too, word for
    word, in that instant or a later one (the same wake-up: in the library
    a turn before the steps queued in between, in CPython after them, or an
    instant later where their busy work ran first)?"""
    t0, who = notes[i][0], notes[i][1]
    if t0 >= t or any(_task(ln) == who and t0 < _t(ln) < t for ln in py
                      if _t(ln) is not None):
        return False
    mine = [_words(ln)[2] for ln in c if _task(ln) == who and _t(ln) == t]
    if not mine or not any(_task(ln) == who and _t(ln) >= t and _words(ln)[2] == mine[0]
                           for ln in py):
        return False
    reached = {t0}
    for n in notes[i + 1:]:
        if n[0] > t:
            break
        if n[2].startswith('busy') and n[1] != who and n[0] in reached:
            reached.add(n[0] + int(n[2].split()[1].rstrip(':')))
    return t in reached


def rule_l6_due_at_entry(py, c, notes, diff, version):
    """L6 and R5 as the library keeps them: a deadline already due when a
    step begins (a zero or past limit) raises at that checkpoint at once in
    the library; CPython suspends once first (its timeout is a callback
    queued behind the tasks already ready), so other tasks run, and what
    they do can reach the waiter first. First difference in an instant in
    which the library's task reports a timeout in the very instant of its
    previous line (no time passed: the limit was zero or past), in that
    task or in one the library cancelled in that instant (the children it
    owns, cancelled with it, before they started); or in an instant in
    which the CPython run noted a step beginning with a limit already due
    (or the block's own task moving its deadline to now or the past with
    reschedule, a suspension in the block following), or in an instant the
    clock reached from that one by the busy work of other tasks alone,
    while the noted task, suspended in that step in CPython, wrote no line,
    and where the library's first line of that task comes again, the same,
    in that instant or a later one of CPython's trace (the iteration asyncio
    takes more, a timer callback and then the wake-up: the library's task
    runs a turn before the steps queued in between, CPython's after them,
    and an instant later where their busy work ran first).
    Excused: those tasks, and the tasks they own, from then on. What such a
    task went on to do in that instant after its step with the limit due
    comes a turn earlier in the library too: where it changed a shared
    object without a line of its own (a queue shut down, an event set or
    cleared, a lock released, a flag set: the CPython run notes each such
    change), a task that then meets that object in that instant may find
    it changed in the library and not yet in CPython: where the first
    difference is a line of another task that names such an object, that
    task is excused too, from that instant on."""
    t = first_diff_time(diff)
    if t is None:
        return None
    noted = []
    touched = set()
    for i, n in enumerate(notes):
        if n[2] == 'due at entry' and (n[0] == t or _busy_carried(py, c, notes, i, t)):
            noted.append((n[1], t))
            if n[0] == t:
                touched |= {m[2].split()[1] for m in notes[i + 1:] if m[0] == t and
                            m[1] == n[1] and m[2].startswith('touches ')}
    if noted:
        r = _drop_if_first(py, c, diff, noted)
        if r is not None:
            return r
        meets = [(_task(x), t) for x in diff[:2] if _task(x) not in (None, '-') and
                 _named(_words(x)[2][1:]) & touched]
        if meets:
            r = _drop_if_first(py, c, diff, noted + meets)
            if r is not None:
                return r
    due = []
    last = {}
    for ln in c:
        who, tm = _task(ln), _t(ln)
        # (a timeout right after the task's own unwinding in that instant is
        # the same deadline reported by the block it unwound to, not a limit
        # due at entry)
        if tm == t and who not in (None, '-') and _words(ln)[2][-1:] == ['timeout'] and \
                last.get(who, (None, None))[0] == t and \
                not unwinds_by_cancel(last[who][1]) and last[who][1][:1] != ['finally']:
            due.append(who)
        last[who] = (tm, _words(ln)[2])
    if not due:
        return None
    # the tasks it owns are cancelled with it in that instant, before they
    # started (a line that unwinds is their first after `start`, if any)
    owned = []
    for ln in c:
        x = _task(ln)
        if _t(ln) != t or x in due + ['-', None] or _OWNER.get(x) not in due or \
                not unwinds_by_cancel(_words(ln)[2]):
            continue
        before = [_words(y)[2] for y in c[:c.index(ln)] if _task(y) == x]
        if before in ([], [['start']]):
            owned.append((x, t))
    return _drop_if_first(py, c, diff, [(u, t) for u in due] + owned)


def rule_l6_due_busy_delays(py, c, notes, diff, version):
    """L6, a deadline due at entry (rule_l6_due_at_entry), seen through the
    waiting task's own busy work: its wait ends one turn after the step
    began in the library, two loop iterations after in asyncio (the limit's
    timer or call_soon runs in the next iteration, behind the tasks already
    ready, and wakes the task for the one after), so in the library the
    task runs before the steps queued in between and in CPython after them.
    Where it then does busy work, those steps run later on the library's
    clock by up to that much, and what they do from there (the timers they
    arm) comes later. First difference: CPython's line of another task in
    instant t that the library has, the same, later by no more than the busy
    work that the noted task did, after the note, in the instant its wait
    ended (the note's, or one that other tasks' busy work carried the clock
    to, as in _busy_carried). Excused: that task from instant t on."""
    t = first_diff_time(diff)
    x = _words(diff[0])[1]
    if t is None or x in (None, '-') or diff[0] not in py:
        return None
    for i, n in enumerate(notes):
        if n[2] != 'due at entry' or n[0] > t or n[1] == x:
            continue
        own = 0
        for m in notes[i + 1:]:
            if m[0] > t:
                break
            if m[1] == n[1] and m[2].startswith('busy') and \
                    (m[0] == n[0] or _busy_carried(py, c, notes, i, m[0])):
                own += int(m[2].split()[1].rstrip(':'))
        if own and any(_task(ln) == x and t < _t(ln) <= t + own and
                       _words(ln)[2] == _words(diff[0])[2] for ln in c if _t(ln) is not None):
            return _drop_if_first(py, c, diff, [(x, t)])
    return None


def rule_l6_due_with_busy_deadline(py, c, notes, diff, version):
    """L6, two deadlines found passed at one checkpoint: a limit due at
    entry (zero or past) and another block's deadline that busy work
    carried the clock past before the task's checkpoint. The library's
    checkpoint delivers both as one cancellation (the outermost reports),
    so the cleanup (`finally:`) it brings the task to is not hit again by
    either. asyncio queues the first with call_soon, ahead of the task's
    step, and the second's timer after that step (R16): the step unwinds to
    the cleanup, and the timer's cancel() cuts the cleanup's first
    suspension short in that instant. First difference: in instant t,
    CPython's line of task X unwinds by a cancellation, after a `finally
    cancelled` of X at t that both traces share (and nothing unwinding
    since); the library has no more lines of X at t, or one that does not
    unwind, and CPython's line, the same, later, as it has a block's
    `timeout` that CPython's X reports in instant t after it (the deadline
    whose timer cut the cleanup short); t was reached by busy work, and the
    CPython run noted X's step beginning with a limit due at entry at
    t0 <= t, X writing no line after t0 before t, the busy work noted from
    then having carried the clock from t0 to t. Excused: X from t on."""
    t = first_diff_time(diff)
    e, a = _words(diff[0]), _words(diff[1])
    x = e[1]
    if t is None or x in (None, '-') or diff[0] not in py or _t(diff[0]) != t or \
            not unwinds_by_cancel(e[2]) or not _reached_by_busy(notes, t):
        return None
    if a[1] is None:
        if diff[1] != '(no more lines of %s at %s)' % (x, t):
            return None
    elif a[1] != x or _t(diff[1]) != t or unwinds_by_cancel(a[2]):
        return None
    mine = [ln for ln in py if _task(ln) == x and _t(ln) == t]
    before = mine[:mine.index(diff[0])]
    fin = [j for j, ln in enumerate(before) if _words(ln)[2] == ['finally', 'cancelled']]
    if not fin or any(unwinds_by_cancel(_words(ln)[2]) for ln in before[fin[-1] + 1:]):
        return None
    later = [_words(ln)[2] for ln in c if _task(ln) == x and _t(ln) is not None and _t(ln) > t]
    if e[2] not in later:
        return None
    # the deadline whose timer cut the cleanup short: a block of X reports
    # its timeout in that instant in CPython, and later in the library
    if not any(w[:1] in (['timeout'], ['wait_for']) and w[-1:] == ['timeout'] and w in later
               for w in (_words(ln)[2] for ln in mine[len(before):])):
        return None
    for i, n in enumerate(notes):
        if n[2] != 'due at entry' or n[1] != x or n[0] > t:
            continue
        if any(_task(ln) == x and n[0] < _t(ln) < t for ln in py if _t(ln) is not None):
            continue
        reached = {n[0]}
        for m in notes[i + 1:]:
            if m[0] > t:
                break
            if m[2].startswith('busy') and m[0] in reached:
                reached.add(m[0] + int(m[2].split()[1].rstrip(':')))
        if t in reached:
            return _drop_if_first(py, c, diff, [(x, t)])
    return None


def rule_reenter_finished(py, c, notes, diff, version):
    """A finished aio_timeout may be entered again (the library's choice,
    `tt_timeout_double_enter`); CPython's Timeout raises RuntimeError
    ("already been entered"). First difference: CPython's task reports its
    timeout block `raise invalid` and the same task's earlier line reported
    that block ending; or, in that task, at or after an instant in which the
    CPython run noted that it entered a finished timeout again (the
    library's block, entered, may first print a line CPython's refusal
    prints too: a `reenter` of it inside, refused there as the block is
    open). Excused: that task from then (the noted instant) on."""
    e = _words(diff[0])
    t = first_diff_time(diff)
    if t is None:
        return None
    if e[1] is not None and e[2][:1] == ['timeout'] and e[2][-2:] == ['raise', 'invalid']:
        i = py.index(diff[0])
        if any(_task(ln) == e[1] and _words(ln)[2][:2] == e[2][:2] for ln in py[:i]):
            return _drop_if_first(py, c, diff, [(e[1], t)])
    dt = _diff_tasks(diff)
    for x in diff[:2]:
        if x.startswith('(no more lines of '):
            dt.add(x.split()[4])
    noted = [(n[1], n[0]) for n in notes if n[2].startswith('reenter: ') and n[0] <= t and
             n[1] in dt]
    if not noted:
        return None
    return _drop_if_first(py, c, diff, [min(noted, key=lambda n: n[1])])


RULES = [
    # the narrowest first: the first rule that holds names the difference
    ('wait_for before 3.12 (R43: a future of its own)', rule_wait_for_311),
    ('L3 (completion beats a later cancellation)', rule_l3),
    ('L8 (group children inherit the deadlines and cancels around the group)',
     rule_l8_children_inherit),
    ('a failed group before 3.13 (gh-116720: the cancel count stays raised)',
     rule_group_count_before_313),
    ('a group hears of a failed child one turn later (rule 3 of One instant)',
     rule_group_hears_later),
    ('L5 (a cancelled wait goes on until the cleanup it started has ended)',
     rule_l5_waits_for_cleanup),
    ('checkpoint: acquiring a free lock or permit', rule_checkpoint_acquire),
    ('checkpoint: an await macro that CPython completes without suspending',
     rule_checkpoint_no_suspend),
    ('FCFS: an item or place is promised to the oldest waiter', rule_queue_fcfs),
    ('as_completed: a limit left armed in CPython after its wait was cancelled',
     rule_as_completed_limit_left),
    ('as_completed: its limit decides in its timer callback (R92)',
     rule_as_completed_limit_done),
    ('checkpoint: the end of a group with no child left', rule_checkpoint_group_end),
    ('checkpoint: an await with a cancellation pending, left waiting in CPython',
     rule_checkpoint_pending_forever),
    ('L6 (a deadline due at entry raises at once)', rule_l6_due_at_entry),
    ('late wake-up seen through busy work (a task queued in between starts later)',
     rule_late_wakeup_busy),
    ('L6 (busy work: deadlines checked at every checkpoint)', rule_l6_busy),
    ('L6 (a deadline due at entry raises at once)', rule_l6_due_busy_delays),
    ('L6 (deadlines found passed at one checkpoint are delivered as one)',
     rule_l6_due_with_busy_deadline),
    ('L1 (a timeout stops only its own cancellation)', rule_l1_own_cancel_only),
    ('L2 (a caught cancellation stays in force)', rule_l2_level_triggered),
    ('L4 (waiting is not owning)', rule_l4_waiting_is_not_owning),
    ('L2 (a cancel passed down to an awaited task is not lost)', rule_l2_passed_down),
    ('L3 (completion beats a later cancellation)', rule_l3_done_before_await),
    ('re-entering a finished timeout (the library allows it)', rule_reenter_finished),
    ('late wake-up (gather, shield, group end: two loop iterations in asyncio)', rule_late_wakeup),
]

MAX_STEPS = 40


_OWNER = {}     # task -> the task that spawned it, from the notes of the run
_FULL = []      # the two whole traces, before any rule excused a line


_STATUSES = {'cancelled', 'timeout', 'invalid', 'childcancelled', 'shutdown', 'full', 'empty'}


def swallowed(py, c, notes):
    """The first task that ends cancelled in CPython and with success (a
    value, no error) in the library although the library asked to cancel
    it, as a difference (CPython's end line, the library's, why); or None.
    No rule excuses it: a cancellation the library sent and then turned
    into a success is lost, whatever path led there. The C runner tells
    which tasks the library asked to cancel from outside their own blocks
    (a cancel, the group's abort, a deadline of a block around its group:
    scenario.ADDRESSED_NOTE); a task it never asked may end well on another
    path (a waiter's cancel that CPython passes on and the library does not,
    L4; a cancel that only CPython's path made); and a cleanup (`finally`)
    that took the cancellation may return a value on purpose (R8)."""
    addressed = {n[1] for n in notes if n[2] == scenario.ADDRESSED_NOTE}
    ends_c = {}
    for ln in c:
        w = _words(ln)
        if w[1] is not None and w[2][:1] == ['end']:
            ends_c[w[1]] = ln
    for ln in py:
        w = _words(ln)
        if w[1] is None or w[2] != ['end', 'cancelled'] or w[1] not in addressed or \
                w[1] not in ends_c:
            continue
        mine = [_words(x)[2] for x in c if _task(x) == w[1]]
        fin = [i for i, x in enumerate(mine) if x == ['finally', 'cancelled']]
        if fin and not any(unwinds_by_cancel(x) for x in mine[fin[-1] + 1:]):
            continue  # the cleanup that took the cancellation returned a value: on purpose (R8)
        got = _words(ends_c[w[1]])[2][1:]
        if got and got[0] not in _STATUSES and not got[0].startswith(('error:', 'status:')):
            return ln, ends_c[w[1]], 'task %s: it ends cancelled in CPython and with success in ' \
                'the library, which asked to cancel it (a cancellation swallowed: never excused)' % w[1]
    return None


def explain_all(py, c, notes, diff, version):
    """(names of the rules used, first in order, or [], and the first
    difference no rule explains, or None). Rules excuse their lines one
    difference at a time; the comparison then goes on. A task that ends
    cancelled in CPython and with success in the library is never excused
    (swallowed)."""
    lost = swallowed(py, c, notes)
    if lost is not None:
        return [], lost
    _OWNER.clear()
    _OWNER.update({n[1]: n[2].split()[2] for n in notes if n[2].startswith('spawned by ')})
    _FULL[:] = [py, c]
    used = []
    ends = {}     # task -> the instant its excused end differed
    for _ in range(MAX_STEPS):
        for name, pred in RULES:
            r = pred(py, c, notes, diff, version)
            if r is None:
                continue
            py2, c2 = r
            if (py2, c2) == (py, c):
                continue
            _note_ends(py, c, py2, c2, ends)
            ends.setdefault('', first_diff_time(diff) if first_diff_time(diff) is not None
                            else 0)
            py, c = py2, c2
            if name not in used:
                used.append(name)
            break
        else:
            r = consequence(py, c, diff, ends)
            if r is None:
                # the first difference of another task in that instant
                # (the order of tasks in an instant is not defined)
                for d2 in task_diffs(py, c)[1:]:
                    for name, pred in RULES:
                        r = pred(py, c, notes, d2, version)
                        if r is not None and r != (py, c):
                            _note_ends(py, c, r[0], r[1], ends)
                            ends.setdefault('', first_diff_time(d2) or 0)
                            if name not in used:
                                used.append(name)
                            break
                    if r is not None and r != (py, c):
                        break
                else:
                    return used, diff
            py, c = r
        diff = scenario.compare(py, c)
        if diff is None:
            return used, None
    return used, diff


def _note_ends(py, c, py2, c2, ends):
    """Remember the tasks whose end lines a rule excused, differing."""
    gone = [x for x in py + c if x not in py2 and x not in c2 and
            _words(x)[2][:1] == ['end']]
    e1 = {_task(x): x for x in py if x in gone}
    e2 = {_task(x): x for x in c if x in gone}
    for k in set(e1) | set(e2):
        if e1.get(k, '').split()[:1] != e2.get(k, '').split()[:1] or \
                _words(e1.get(k, ''))[2] != _words(e2.get(k, ''))[2]:
            ends.setdefault(k, min(_t(x) for x in (e1.get(k), e2.get(k)) if x))


_RESULTS = (['await'], ['wait_for'], ['shield'], ['wait_for_shield'], ['gather'], ['gather_all'],
            ['wait'], ['as_completed'])


def _owner_unwinds_at_end(py, c, diff, who, t, ends):
    """Does `who`, in the first difference, unwind by a cancellation with the
    same line in both traces, each in the instant in which that trace ends a
    task `who` spawned whose end a rule excused, differing? (Its own
    cancellation reached the tasks it spawned and waited for in a `gather`,
    which writes no line when its caller's cancellation leaves it: asyncio's
    gather completes its future once the last of them is done, R66; the
    library's waits for their cleanup, L5.)"""
    def line_of(x, lines):
        if _task(x) == who:
            return x
        if x.startswith('(no more lines of %s ' % who):
            later = [ln for ln in lines if _task(ln) == who and _t(ln) is not None and _t(ln) > t]
            return later[0] if later else None
        return None
    lp, lc = line_of(diff[0], py), line_of(diff[1], c)
    if lp is None or lc is None or _t(lp) == _t(lc) or _words(lp)[2] != _words(lc)[2] or \
            not unwinds_by_cancel(_words(lp)[2]):
        return False
    fp, fc = _FULL if _FULL else (py, c)
    for x in ends:
        if x == '' or _OWNER.get(x) != who:
            continue
        ep = [_t(ln) for ln in fp if _task(ln) == x and _words(ln)[2][:1] == ['end']]
        ec = [_t(ln) for ln in fc if _task(ln) == x and _words(ln)[2][:1] == ['end']]
        if ep and ec and ep[0] == _t(lp) and ec[0] == _t(lc):
            return True
    return False


def consequence(py, c, diff, ends):
    """What follows from an excused difference in a task's end: a waiter's
    line that reports that end (a gather's or an as_completed's, which do
    not name their tasks, too) in that instant or later; or, where the
    waiter's own cancellation left its gather (no line of its own), the
    waiter's next line, unwinding,
    in the instant of that end in each trace (_owner_unwinds_at_end).
    Excused: the waiter from then on."""
    if not ends:
        return None
    e, a = _words(diff[0]), _words(diff[1])
    t = first_diff_time(diff)
    who = e[1] or a[1]
    if who is None:
        for x in diff[:2]:
            if x.startswith('(no more lines of '):
                who = x.split()[4]
    if t is None or who in (None, '-') or t < min(ends.values()):
        return None
    if e[2][:1] in _RESULTS or a[2][:1] in _RESULTS:
        return _drop_if_first(py, c, diff, [(who, t)])
    if _owner_unwinds_at_end(py, c, diff, who, t, ends):
        return _drop_if_first(py, c, diff, [(who, t)])
    # a task one trace leaves waiting forever: for what an excused path
    # would have done (set an event, released a lock or a permit)
    for lines in (py, c):
        q = [x for x in lines if x.split(' ', 2)[1:2] == ['-']]
        if q and who in q[-1].split()[3:]:
            return _drop_if_first(py, c, diff, [(who, t)])
    return None


def task_diffs(py, c):
    """The first difference of each task in the first instant whose lines
    differ, in the order scenario.compare takes the tasks."""
    d = scenario.compare(py, c)
    if d is None:
        return []
    t = first_diff_time(d)
    le = [x for x in py if _t(x) == t]
    la = [x for x in c if _t(x) == t]
    order = []
    for x in le + la:
        k = x.split(' ', 2)[1]
        if k not in order:
            order.append(k)
    out = [d]
    for k in order:
        xe = [x for x in le if x.split(' ', 2)[1] == k]
        xa = [x for x in la if x.split(' ', 2)[1] == k]
        m = scenario.first_mismatch(xe, xa, '(no more lines of %s at %s)' % (k, t),
                                    'time %s, task %s' % (t, k) + '%.0s')
        if m and m[:2] != d[:2]:
            out.append(m)
    return out


def explain(py, c, notes, diff, version):
    """The name of the first rule used if rules explain every difference,
    else None."""
    used, left = explain_all(py, c, notes, diff, version)
    return used[0] if used and left is None else None
