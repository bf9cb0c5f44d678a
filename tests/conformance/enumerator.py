"""Every scenario up to a bound, each once (bounded-exhaustive conformance).

enumerator.Enum(depth).programs(bound) yields the text of every scenario of the
enumeration's vocabulary whose tasks have `bound` steps or fewer in all and
whose blocks nest at most `depth` deep, each exactly once, in canonical form.
README.md beside this file ("Every small program") says what is enumerated
and how it is run; driver.py's --exhaustive runs it.

The vocabulary (every step counts 1; a block step counts 1 plus its body):
- sleep 0, sleep 1, sleep 2;
- timeout 1|2|none: BLOCK, wait_for 1|2|none: BLOCK (an inline coroutine),
  group: BLOCK (with `spawn X in G` somewhere inside);
- spawn X (a new task, which gets a body of its own of one step or more),
  spawn X in G inside group G;
- await X, shield X, cancel X, wait_for X 1|2|none, gather X... of tasks the
  same task spawned earlier in its text;
- raise E, only as the last step of a block (what follows it is dead);
- `finally: sleep 1` at the end of any block (one step);
- set e / wait_event e of one event, acquire c / release c / cond_wait c /
  notify c of one condition (its lock is the one lock); and on CPython 3.13
  acquire s / release s of one semaphore with no permit at first.

Canonical form, so that no program is a renaming or a dead-code variant of
another: tasks are named t1, t2, ... in the order their spawns appear (main
first, then t1's body, and so on), groups g1, g2, ... in order of appearance;
a task exists only if it is spawned; nothing follows a raise in its block;
`set e` only where some task waits on e, `notify c` only where some task
waits on c (otherwise they change nothing that can be seen); release,
cond_wait and notify of c only after the same task's text acquired c, and
release of s only in a program in which some task acquires s (no misuse
steps, whose outcome is only `invalid`).
"""
import re

SLEEPS = ('sleep 0', 'sleep 1', 'sleep 2')
LIMITS = ('1', '2', 'none')


class Vocab:
    """What the steps may be; `semaphore` adds the semaphore's two steps."""

    def __init__(self, semaphore=False):
        self.semaphore = semaphore


def _leaves(v, kids, groups, locked):
    """(line, terminal, new_kid, acquires) of every one-step leaf."""
    out = [(s, False, 0, False) for s in SLEEPS]
    for j in range(kids):
        k = '@K%d' % j
        out.append(('await ' + k, False, 0, False))
        out.append(('shield ' + k, False, 0, False))
        out.append(('cancel ' + k, False, 0, False))
        for lim in LIMITS:
            out.append(('wait_for %s %s' % (k, lim), False, 0, False))
    # gather of every non-empty subset of the children, in spawn order
    for mask in range(1, 1 << kids):
        names = ' '.join('@K%d' % j for j in range(kids) if mask >> j & 1)
        out.append(('gather ' + names, False, 0, False))
    out.append(('set e', False, 0, False))
    out.append(('wait_event e', False, 0, False))
    out.append(('acquire c', False, 0, True))
    if locked:
        out.append(('release c', False, 0, False))
        out.append(('cond_wait c', False, 0, False))
        out.append(('notify c', False, 0, False))
    if v.semaphore:
        out.append(('acquire s', False, 0, False))
        out.append(('release s', False, 0, False))
    out.append(('raise E', True, 0, False))
    return out


class Enum:
    def __init__(self, depth=2, vocab=None):
        self.depth = depth
        self.v = vocab or Vocab()
        self._leaf_cache = {}

    def leaves(self, kids, groups, locked):
        key = (kids, groups, locked)
        r = self._leaf_cache.get(key)
        if r is None:
            r = _leaves(self.v, kids, groups, locked)
            self._leaf_cache[key] = r
        return r

    # A body is generated with local names: @K<j> is the task's j-th child,
    # @G<j> its j-th group. Lines are (indent, text).
    def steps(self, avail, depth, kids, groups, ng, locked):
        """Every single step: (lines, size, cost, kids, ng, locked, terminal).
        `cost` counts one step more per spawn (the new task's body has one
        step at least), so that nothing is generated that cannot be
        completed within the bound."""
        if avail < 1:
            return
        # spawns and blocks first: a run stopped early (--max-minutes) has
        # then covered the programs of several tasks, where most same-instant
        # orderings are
        if avail >= 2:
            k = '@K%d' % kids
            yield [(0, 'spawn ' + k)], 1, 2, kids + 1, ng, locked, False
            for g in groups:
                yield [(0, 'spawn %s in @G%d' % (k, g))], 1, 2, kids + 1, ng, locked, False
        if depth < self.depth and avail >= 2:
            g = ng
            tag = 'in @G%d' % g
            for body, size, cost, k2, ng2, l2 in self.block(avail - 1, depth + 1, kids,
                                                            groups + (g,), ng + 1, locked):
                if not any(tag in t for _, t in body):
                    continue    # a group with no child
                yield [(0, 'group as @G%d:' % g)] + [(i + 1, t) for i, t in body], size + 1, \
                    cost + 1, k2, ng2, l2, False
            heads = ['timeout %s:' % lim for lim in LIMITS] + \
                    ['wait_for %s:' % lim for lim in LIMITS]
            for head in heads:
                for body, size, cost, k2, ng2, l2 in self.block(avail - 1, depth + 1, kids,
                                                                groups, ng, locked):
                    yield [(0, head)] + [(i + 1, t) for i, t in body], size + 1, cost + 1, \
                        k2, ng2, l2, False
        for text, term, _, acq in self.leaves(kids, groups, locked):
            yield [(0, text)], 1, 1, kids, ng, locked or acq, term

    def seq(self, avail, depth, kids, groups, ng, locked):
        """Every sequence of zero or more steps."""
        yield [], 0, 0, kids, ng, locked
        for lines, size, cost, k2, ng2, l2, term in self.steps(avail, depth, kids, groups, ng,
                                                                 locked):
            if term:
                yield lines, size, cost, k2, ng2, l2
                continue
            for rl, rs, rc, k3, ng3, l3 in self.seq(avail - cost, depth, k2, groups, ng2, l2):
                yield lines + rl, size + rs, cost + rc, k3, ng3, l3

    def block(self, avail, depth, kids, groups, ng, locked):
        """Every block: one step or more, then perhaps `finally: sleep 1`."""
        for lines, size, cost, k2, ng2, l2 in self.seq(avail, depth, kids, groups, ng, locked):
            if not size:
                continue
            yield lines, size, cost, k2, ng2, l2
            if cost < avail:
                yield lines + [(0, 'finally:'), (1, 'sleep 1')], size + 1, cost + 1, k2, ng2, l2

    def bodies(self, avail):
        """Every task body: (lines, size, children)."""
        for lines, size, cost, k2, ng2, l2 in self.block(avail, 0, 0, (), 0, False):
            yield lines, size, k2, ng2

    # ---------------------------------------------------------- programs
    def mains(self, bound):
        """Every body of main: (lines, size, children, groups)."""
        return self.bodies(bound)

    def completions(self, main, bound):
        """Every program whose main has body `main`: (text, steps). The bodies of
        the other tasks are kept in a cache (those of `bound - 1` steps or
        fewer)."""
        cache = self.__dict__.setdefault('_body_cache', {})

        def bodies(avail):
            r = cache.get(avail)
            if r is None:
                r = list(self.bodies(avail))
                cache[avail] = r
            return r

        def fill(pending, budget):
            """Bodies for `pending` tasks (in queue order) within `budget`."""
            if not pending:
                yield []
                return
            for b in bodies(budget - (pending - 1)):
                for rest in fill(pending - 1 + b[2], budget - b[1]):
                    yield [b] + rest

        for rest in fill(main[2], bound - main[1]):
            text = assemble([main] + rest)
            if text is not None:
                yield text, main[1] + sum(b[1] for b in rest)

    def programs(self, bound):
        """Every program with `bound` steps or fewer: its text."""
        for main in self.mains(bound):
            for text, _ in self.completions(main, bound):
                yield text


_REF = re.compile(r'@([KG])(\d+)')


def assemble(bodies):
    """The scenario text of task bodies in queue order, or None if it is not
    canonical (a set nobody waits for, and the like)."""
    out = []
    named = 1            # tasks named so far (main)
    ngroups = 0
    for i, (lines, size, kids, ng) in enumerate(bodies):
        kbase, gbase = named, ngroups
        named += kids
        ngroups += ng

        def sub(m, kbase=kbase, gbase=gbase):
            n = int(m.group(2))
            if m.group(1) == 'K':
                return 't%d' % (kbase + n)
            return 'g%d' % (gbase + n + 1)
        out.append('task %s:' % ('main' if i == 0 else 't%d' % i))
        for ind, t in lines:
            if '@' in t:
                t = _REF.sub(sub, t)
            out.append('    ' * (ind + 1) + t)
    text = '\n'.join(out) + '\n'
    decls = []
    if ' e\n' in text:
        if 'wait_event e' not in text:
            return None     # set e with no waiter changes nothing
        decls.append('event e')
    if ' c\n' in text:
        if 'notify c' in text and 'cond_wait c' not in text:
            return None     # notify with no waiter changes nothing
        decls.append('condition c')
    if ' s\n' in text:
        if 'acquire s' not in text:
            return None     # permits nobody takes change nothing
        decls.append('semaphore s 0')
    if decls:
        text = '\n'.join(decls) + '\n' + text
    return text


def count(bound, depth=2, vocab=None):
    n = 0
    for _ in Enum(depth, vocab).programs(bound):
        n += 1
    return n


if __name__ == '__main__':
    import sys
    import time
    b = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    if len(sys.argv) > 3 and sys.argv[3] == 'print':
        for t in Enum(d).programs(b):
            print(t)
    else:
        t0 = time.time()
        print(b, d, count(b, d), '%.1f s' % (time.time() - t0))
