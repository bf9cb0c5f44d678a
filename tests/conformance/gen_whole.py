# SPDX-License-Identifier: MIT
"""Random scenarios over the whole scenario language (gen.py's `whole` flavour).

gen_whole.scenario(rng, version) draws one program from the vocabulary of the
bounded-exhaustive enumeration with every construct set (enumerator.py,
`--set all`: waits in every mode, zero, equal, later and no deadlines,
timeout_at, reschedule, busy work, cancels and awaits of self, parent and
siblings, cleanup that opens any block, timed event, lock and condition waits,
cond_wait_for, inline calls, catch:, reenter and break), walking it at random
instead of listing it: 3 or 4 tasks, blocks nested up to 4 deep, 8 to 20
steps in all. Each step is one the enumerator would write in that place (the
same leaves, block heads and rules for `break`, named timeouts and groups), and
the program is assembled and made canonical by enumerator.assemble, so every
program drawn here is one of the enumeration's (of a larger bound).

Such programs are not kept inside the subset where CPython and the library
must agree: the driver compares them as the exhaustive run does, and a
difference counts only if a named rule of rules.py explains each differing
line (README.md, "Random scenarios").
"""
import enumerator as E

DEPTH = 4
MIN_STEPS, MAX_STEPS = 8, 20
MIN_TASKS, MAX_TASKS = 3, 4


class Walk:
    def __init__(self, rng, version):
        self.rng = rng
        # the semaphore's hand-off order changed in 3.13 (README, "Every small program")
        self.e = E.Enum(DEPTH, E.Vocab(semaphore=version >= (3, 13), sets=('all',)),
                        reduce=False)
        # CPython 3.11 runs a `wait_for MS:` block's coroutine in a hidden task
        # (R43, R52): where it then goes is 3.11's own, not compared
        self.inline_wait_for = version >= (3, 12)

    # The same choices as Enum.steps / seq / block, one drawn at each place.
    def step(self, avail, depth, kids, groups, ng, locked, scopes, closed, brk):
        """One step: (lines, size, cost, kids, ng, locked, terminal, scopes,
        closed), or None if nothing fits in `avail`."""
        rng = self.rng
        if avail < 1:
            return None
        kinds = ['leaf'] * 6
        if avail >= 2:
            kinds += ['spawn'] * 3
        if depth < DEPTH and avail >= 3:
            kinds += ['block'] * 3 + ['group']
        if brk:
            kinds.append('break')
        kind = rng.choice(kinds)
        if kind == 'spawn':
            k = '@K%d' % kids
            if groups and rng.random() < 0.5:
                text = 'spawn %s in @G%d' % (k, rng.choice(groups))
            else:
                text = 'spawn ' + k
            return [(0, text)], 1, 2, kids + 1, ng, locked, False, scopes, closed
        if kind == 'break':
            return [(0, 'break')], 1, 1, kids, ng, locked, True, scopes, closed
        if kind == 'group':
            g = ng
            tag = 'in @G%d' % g
            r = self.block(avail - 1, depth + 1, kids, groups + (g,), ng + 1, locked, scopes,
                           closed, False, must=tag)
            if r is None:
                return None
            body, size, cost, k2, ng2, l2, sc2, cl2 = r
            return [(0, 'group as @G%d:' % g)] + [(i + 1, t) for i, t in body], size + 1, \
                cost + 1, k2, ng2, l2, False, sc2, cl2
        if kind == 'block':
            heads = ['timeout %s:' % lim for lim in E.LIMITS] + \
                    (['wait_for %s:' % lim for lim in E.LIMITS] if self.inline_wait_for else []) + \
                    ['timeout 0:', 'timeout_at 1:', 'timeout_at 2:', 'timeout_at none:',
                     'call:', 'catch:', 'block:'] + ['reenter @S%d:' % s for s in closed]
            named = ['timeout %s as @S%d:' % (lim, ng) for lim in ('1', 'none')]
            head = rng.choice(heads + named)
            if ' as @S' in head:
                r = self.block(avail - 1, depth + 1, kids, groups, ng + 1, locked,
                               scopes + (ng,), closed, True)
                if r is None:
                    return None
                body, size, cost, k2, ng2, l2, sc2, cl2 = r
                return [(0, head)] + [(i + 1, t) for i, t in body], size + 1, cost + 1, \
                    k2, ng2, l2, False, sc2, cl2 + (ng,)
            b2 = head.startswith(('timeout', 'reenter')) or (brk and head == 'block:')
            r = self.block(avail - 1, depth + 1, kids, groups, ng, locked, scopes, closed, b2)
            if r is None:
                return None
            body, size, cost, k2, ng2, l2, sc2, cl2 = r
            return [(0, head)] + [(i + 1, t) for i, t in body], size + 1, cost + 1, \
                k2, ng2, l2, False, sc2, cl2
        text, term, _, acq = rng.choice(self.e.leaves(kids, groups, locked, scopes))
        return [(0, text)], 1, 1, kids, ng, locked or acq, term, scopes, closed

    def seq(self, avail, depth, kids, groups, ng, locked, scopes, closed, brk, want):
        """Up to `want` steps (fewer if the budget runs out or one ends the
        block)."""
        lines, size, cost = [], 0, 0
        for _ in range(want):
            r = self.step(avail - cost, depth, kids, groups, ng, locked, scopes, closed, brk)
            if r is None:
                break
            l1, s1, c1, kids, ng, locked, term, scopes, closed = r
            lines += l1
            size += s1
            cost += c1
            if term:
                break
        return lines, size, cost, kids, ng, locked, scopes, closed

    def block(self, avail, depth, kids, groups, ng, locked, scopes, closed, brk, must=None,
              most=4):
        """A block of one step or more, perhaps with a `finally:` that may
        hold any steps; with `must`, a block one of whose lines holds it."""
        rng = self.rng
        for _ in range(8):
            want = rng.randint(1, max(1, min(avail, most)))
            lines, size, cost, k2, ng2, l2, sc2, cl2 = self.seq(
                avail, depth, kids, groups, ng, locked, scopes, closed, brk, want)
            if not size or (must and not any(must in t for _, t in lines)):
                continue
            if cost < avail and rng.random() < 0.35:
                if rng.random() < 0.3:
                    fl, fs, fc = [(0, 'sleep 1')], 1, 1
                else:
                    fl, fs, fc, k2, ng2, l2, sc2, cl2 = self.seq(
                        avail - cost, depth + 1, k2, groups, ng2, l2, sc2, cl2, False,
                        rng.randint(1, 3))
                if fs:
                    lines = lines + [(0, 'finally:')] + [(i + 1, t) for i, t in fl]
                    size += fs
                    cost += fc
            return lines, size, cost, k2, ng2, l2, sc2, cl2
        return None

    def body(self, avail):
        r = self.block(avail, 0, 0, (), 0, False, (), (), False, most=8)
        if r is None:
            return None
        lines, size, cost, k2, ng2, l2, sc2, cl2 = r
        return lines, size, k2, ng2


def _steps(bodies):
    return sum(b[1] for b in bodies)


def scenario(rng, version):
    """The text of one program, drawn with `rng` (random.Random)."""
    walk = Walk(rng, version)
    while True:
        budget = rng.randint(MIN_STEPS, MAX_STEPS)
        bodies = []
        main = walk.body(rng.randint(MIN_STEPS // 2, budget - 2))
        if main is None or main[2] < MIN_TASKS - 1:
            continue
        bodies.append(main)
        pending = main[2]
        ok = True
        while pending and ok:
            left = budget - _steps(bodies) - (pending - 1)
            b = walk.body(max(1, min(left, rng.randint(1, 6))))
            if b is None:
                ok = False
                break
            bodies.append(b)
            pending += b[2] - 1
        if not ok or not MIN_TASKS <= len(bodies) <= MAX_TASKS:
            continue
        if not MIN_STEPS <= _steps(bodies) <= MAX_STEPS:
            continue
        text = E.assemble(bodies)
        if text is not None:
            return text
