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


RULES = [
    ('L3 (completion beats a later cancellation)', rule_l3),
]


def explain(py, c, notes, diff, version):
    for name, pred in RULES:
        if pred(py, c, notes, diff, version):
            return name
    return None
