# SPDX-License-Identifier: MIT
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

# The construct sets. `core` is the vocabulary above, unchanged (its bound 6
# is the same 31,690,346 programs on 3.13 as before the sets); each other set
# adds its constructs to the core's, and `all` is the union.
SETS = {
    'core': 'the vocabulary of the docstring',
    'waits': 'wait all_completed|first_completed|first_exception 0|1|none X..., '
             'gather_all X..., wait_for_shield X 0|1|none',
    'time': 'timeout 0:, timeout_at 1|2|none:, named timeouts (timeout 1|none as S:) '
            'with reschedule S in 0|1 / never, expired S, when S; sleep_until 1|2, busy 1',
    'targets': 'cancel of self, of the parent, of the previous or next sibling; '
               'await, wait_for X 1 and shield of the parent or a sibling',
    'cleanup': 'finally: any block (every step of the set, nested, spawns included)',
    'sync': 'wait_event e 0|1, clear e, acquire c 0|1, cond_wait c 0|1, notify c 2, '
            'notify_all c, cond_wait_for c f 0|1|none and setflag f of one flag '
            '(and acquire s 0|1 on 3.13)',
    'inline': 'call:, catch:, block:, return 1, reenter S: of a named timeout left '
              'before (with the named timeouts of `time`), break out of the innermost '
              'timeout block',
    'queues': 'one queue q of maxsize 1: put q 1, put_nowait q 2, get q, get q 1, get_nowait q, '
              'join q, task_done q, qsize q (and on 3.13 shutdown q, shutdown q immediate); '
              'as_completed 1 X... of tasks the same task spawned',
}
EXTRA = tuple(k for k in SETS if k != 'core')
WAIT_MODES = ('all_completed', 'first_completed', 'first_exception')


class Vocab:
    """What the steps may be; `semaphore` adds the semaphore's two steps,
    `sets` the construct sets beyond the core (names of SETS)."""

    def __init__(self, semaphore=False, sets=()):
        self.semaphore = semaphore
        sets = set(sets)
        if 'all' in sets:
            sets = set(EXTRA)
        sets.discard('core')
        unknown = sets - set(EXTRA)
        if unknown:
            raise ValueError('no construct set %s (sets: core, %s, all)'
                             % (', '.join(sorted(unknown)), ', '.join(EXTRA)))
        self.sets = frozenset(sets)
        # Queue.shutdown is new in 3.13, where the semaphore's hand-off order
        # is the library's: both come with the same flag
        self.shutdown = semaphore
        self.named = bool(self.sets & {'time', 'inline'})


def _subsets(kids):
    for mask in range(1, 1 << kids):
        yield ' '.join('@K%d' % j for j in range(kids) if mask >> j & 1)


def _leaves(v, kids, groups, locked, scopes=()):
    """(line, terminal, new_kid, acquires) of every one-step leaf; `scopes`
    are the named timeouts the task has opened so far."""
    out = [(s, False, 0, False) for s in SLEEPS]
    for j in range(kids):
        k = '@K%d' % j
        out.append(('await ' + k, False, 0, False))
        out.append(('shield ' + k, False, 0, False))
        out.append(('cancel ' + k, False, 0, False))
        for lim in LIMITS:
            out.append(('wait_for %s %s' % (k, lim), False, 0, False))
    # gather of every non-empty subset of the children, in spawn order
    for names in _subsets(kids):
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
    S = v.sets
    if not S:
        return out
    if 'waits' in S:
        # asyncio.wait takes a set: one order of its tasks (spawn order)
        for names in _subsets(kids):
            for mode in WAIT_MODES:
                for lim in ('0', '1', 'none'):
                    out.append(('wait %s %s %s' % (mode, lim, names), False, 0, False))
            out.append(('gather_all ' + names, False, 0, False))
        for j in range(kids):
            for lim in ('0', '1', 'none'):
                out.append(('wait_for_shield @K%d %s' % (j, lim), False, 0, False))
    if 'time' in S:
        out += [('sleep_until 1', False, 0, False), ('sleep_until 2', False, 0, False),
                ('busy 1', False, 0, False)]
        for sc in scopes:
            for tail in ('in 0', 'in 1', 'never'):
                out.append(('reschedule @S%d %s' % (sc, tail), False, 0, False))
            out.append(('expired @S%d' % sc, False, 0, False))
            out.append(('when @S%d' % sc, False, 0, False))
    if 'targets' in S:
        out.append(('cancel @SELF', False, 0, False))
        for who in ('@PARENT', '@PREV', '@NEXT'):
            out.append(('cancel ' + who, False, 0, False))
            out.append(('await ' + who, False, 0, False))
            out.append(('wait_for %s 1' % who, False, 0, False))
            out.append(('shield ' + who, False, 0, False))
    if 'sync' in S:
        out += [('wait_event e 0', False, 0, False), ('wait_event e 1', False, 0, False),
                ('clear e', False, 0, False),
                ('acquire c 0', False, 0, True), ('acquire c 1', False, 0, True)]
        out.append(('setflag f', False, 0, False))
        if locked:
            out += [('cond_wait c 0', False, 0, False), ('cond_wait c 1', False, 0, False),
                    ('notify c 2', False, 0, False), ('notify_all c', False, 0, False),
                    ('cond_wait_for c f 0', False, 0, False),
                    ('cond_wait_for c f 1', False, 0, False),
                    ('cond_wait_for c f none', False, 0, False)]
        if v.semaphore:
            out += [('acquire s 0', False, 0, False), ('acquire s 1', False, 0, False)]
    if 'inline' in S:
        out.append(('return 1', True, 0, False))
    if 'queues' in S:
        out += [(x, False, 0, False) for x in ('put q 1', 'put_nowait q 2', 'get q', 'get q 1',
                                               'get_nowait q', 'join q', 'task_done q', 'qsize q')]
        if v.shutdown:
            out += [('shutdown q', False, 0, False), ('shutdown q immediate', False, 0, False)]
        # asyncio.as_completed takes a set too: one order (spawn order)
        for names in _subsets(kids):
            out.append(('as_completed 1 ' + names, False, 0, False))
    return out


class Enum:
    def __init__(self, depth=2, vocab=None, reduce=None):
        self.depth = depth
        self.v = vocab or Vocab()
        # the reduction is on by default for every set but the core alone
        # (whose counts stay those of the README's table)
        self.reduce = bool(self.v.sets) if reduce is None else reduce
        self._leaf_cache = {}
        self.reduced = 0      # programs left out by the symmetry reduction

    def leaves(self, kids, groups, locked, scopes=()):
        key = (kids, groups, locked, scopes)
        r = self._leaf_cache.get(key)
        if r is None:
            r = _leaves(self.v, kids, groups, locked, scopes)
            self._leaf_cache[key] = r
        return r

    # A body is generated with local names: @K<j> is the task's j-th child,
    # @G<j> its j-th group, @S<j> its j-th named timeout (the counter `ng`
    # numbers both). Lines are (indent, text). `scopes` are the named
    # timeouts opened so far (open ones included), `closed` those left.
    def steps(self, avail, depth, kids, groups, ng, locked, scopes=(), closed=(), brk=False):
        """Every single step: (lines, size, cost, kids, ng, locked, terminal,
        scopes, closed). `cost` counts one step more per spawn (the new
        task's body has one step at least), so that nothing is generated
        that cannot be completed within the bound."""
        if avail < 1:
            return
        S = self.v.sets
        # spawns and blocks first: a run stopped early (--max-minutes) has
        # then covered the programs of several tasks, where most same-instant
        # orderings are
        if avail >= 2:
            k = '@K%d' % kids
            yield [(0, 'spawn ' + k)], 1, 2, kids + 1, ng, locked, False, scopes, closed
            for g in groups:
                yield [(0, 'spawn %s in @G%d' % (k, g))], 1, 2, kids + 1, ng, locked, False, \
                    scopes, closed
        if depth < self.depth and avail >= 2:
            g = ng
            tag = 'in @G%d' % g
            for body, size, cost, k2, ng2, l2, sc2, cl2 in self.block(
                    avail - 1, depth + 1, kids, groups + (g,), ng + 1, locked, scopes, closed,
                    False):
                if not any(tag in t for _, t in body):
                    continue    # a group with no child
                yield [(0, 'group as @G%d:' % g)] + [(i + 1, t) for i, t in body], size + 1, \
                    cost + 1, k2, ng2, l2, False, sc2, cl2
            heads = ['timeout %s:' % lim for lim in LIMITS] + \
                    ['wait_for %s:' % lim for lim in LIMITS]
            if 'time' in S:
                heads += ['timeout 0:', 'timeout_at 1:', 'timeout_at 2:', 'timeout_at none:']
            if 'inline' in S:
                heads += ['call:', 'catch:', 'block:'] + \
                         ['reenter @S%d:' % s for s in closed]
            for head in heads:
                # `break` leaves the innermost timeout block, through `block:`s
                b2 = head.startswith(('timeout', 'reenter')) or (brk and head == 'block:')
                for body, size, cost, k2, ng2, l2, sc2, cl2 in self.block(
                        avail - 1, depth + 1, kids, groups, ng, locked, scopes, closed, b2):
                    yield [(0, head)] + [(i + 1, t) for i, t in body], size + 1, cost + 1, \
                        k2, ng2, l2, False, sc2, cl2
            if self.v.named:
                s = ng
                for lim in ('1', 'none'):
                    head = 'timeout %s as @S%d:' % (lim, s)
                    for body, size, cost, k2, ng2, l2, sc2, cl2 in self.block(
                            avail - 1, depth + 1, kids, groups, ng + 1, locked,
                            scopes + (s,), closed, True):
                        yield [(0, head)] + [(i + 1, t) for i, t in body], size + 1, \
                            cost + 1, k2, ng2, l2, False, sc2, cl2 + (s,)
        for text, term, _, acq in self.leaves(kids, groups, locked, scopes):
            yield [(0, text)], 1, 1, kids, ng, locked or acq, term, scopes, closed
        if brk and 'inline' in S:
            yield [(0, 'break')], 1, 1, kids, ng, locked, True, scopes, closed

    def seq(self, avail, depth, kids, groups, ng, locked, scopes=(), closed=(), brk=False):
        """Every sequence of zero or more steps."""
        yield [], 0, 0, kids, ng, locked, scopes, closed
        for lines, size, cost, k2, ng2, l2, term, sc2, cl2 in self.steps(
                avail, depth, kids, groups, ng, locked, scopes, closed, brk):
            if term:
                yield lines, size, cost, k2, ng2, l2, sc2, cl2
                continue
            for rl, rs, rc, k3, ng3, l3, sc3, cl3 in self.seq(avail - cost, depth, k2, groups,
                                                              ng2, l2, sc2, cl2, brk):
                yield lines + rl, size + rs, cost + rc, k3, ng3, l3, sc3, cl3

    def block(self, avail, depth, kids, groups, ng, locked, scopes=(), closed=(), brk=False):
        """Every block: one step or more, then perhaps `finally: sleep 1` (in
        the set `cleanup`, `finally:` and any block)."""
        for lines, size, cost, k2, ng2, l2, sc2, cl2 in self.seq(avail, depth, kids, groups,
                                                                 ng, locked, scopes, closed, brk):
            if not size:
                continue
            yield lines, size, cost, k2, ng2, l2, sc2, cl2
            if cost < avail:
                yield lines + [(0, 'finally:'), (1, 'sleep 1')], size + 1, cost + 1, k2, ng2, \
                    l2, sc2, cl2
            if 'cleanup' in self.v.sets and cost < avail:
                # the cleanup runs after the block: what the block opened is
                # closed there
                for fl, fs, fc, k3, ng3, l3, sc3, cl3 in self.seq(
                        avail - cost, depth + 1, k2, groups, ng2, l2, sc2, cl2):
                    if not fs or fl == [(0, 'sleep 1')]:
                        continue
                    yield lines + [(0, 'finally:')] + [(i + 1, t) for i, t in fl], \
                        size + fs, cost + fc, k3, ng3, l3, sc3, cl3

    def bodies(self, avail):
        """Every task body: (lines, size, children, groups)."""
        for lines, size, cost, k2, ng2, l2, sc2, cl2 in self.block(avail, 0, 0, (), 0, False):
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
            progs = [main] + rest
            if self.reduce and not symmetric_first(progs):
                self.reduced += 1
                continue
            text = assemble(progs)
            if text is not None:
                yield text, main[1] + sum(b[1] for b in rest)

    def programs(self, bound):
        """Every program with `bound` steps or fewer: its text."""
        for main in self.mains(bound):
            for text, _ in self.completions(main, bound):
                yield text


# ------------------------------------------------------ symmetry reduction
#
# Two tasks that one task spawns by two consecutive plain `spawn` steps, that
# no step of the program names but those spawns, whose bodies spawn nothing
# and touch nothing shared (no event, lock, condition, semaphore, flag, no other
# task's name), in a program with no `busy` step, are interchangeable: the
# program with their two bodies swapped is the same program with t_i and
# t_i+1 renamed. Proof that the reduction keeps every behaviour class: such
# a task's trace lines are a function of its own body and of the instants
# at which it runs (it starts in the instant of its spawn, in the same turn
# as its twin, one after the other; it is cancelled only by its spawner, whose
# cancel or end reaches both twins in the same turn, since nobody else names
# them); with no `busy` the clock moves only between turns, so both twins see
# the same clock whichever runs first, and neither can see what the other did
# (nothing shared, nothing that names it). So each twin's lines, per instant,
# are the same in both orders, and so are every other task's (no other task
# can see them either, but through their spawner, which sees them as a pair).
# The comparison (README, "Comparing") looks at each task's lines per instant
# and not at how tasks interleave, so the swapped program agrees, differs by
# the same rule, or disagrees on the same line (task names made generic) as
# the program kept. The kept one is the one whose first twin's body sorts
# first; twins with equal bodies are one program already.
_SHARED = re.compile(r' (e|c|s|f|q)( |$)|@(PARENT|PREV|NEXT|SELF)|^busy |^spawn ')


def _isolated(body):
    return not any(_SHARED.search(t) for _, t in body[0])


def symmetric_first(bodies):
    """False if the program (task bodies in queue order) has a pair of
    interchangeable twins (above) in the other order."""
    if any(t.startswith('busy ') for b in bodies for _, t in b[0]):
        return True
    named = 1
    for lines, size, kids, ng in bodies:
        if kids >= 2:
            base = named
            for i in range(len(lines) - 1):
                (i1, a), (i2, b) = lines[i], lines[i + 1]
                if i1 != i2 or not a.startswith('spawn @K') or not b.startswith('spawn @K') \
                        or ' in ' in a or ' in ' in b:
                    continue
                j = int(a[8:])
                if int(b[8:]) != j + 1:
                    continue
                ka, kb = '@K%d' % j, '@K%d' % (j + 1)
                if sum(1 for _, t in lines if re.search(r'%s\b' % ka, t)) > 1 or \
                        sum(1 for _, t in lines if re.search(r'%s\b' % kb, t)) > 1:
                    continue        # the spawner names one of them again
                ba, bb = bodies[base + j], bodies[base + j + 1]
                if not (_isolated(ba) and _isolated(bb)):
                    continue
                if bodies_named_elsewhere(bodies):
                    continue
                if ba[0] > bb[0]:
                    return False
        named += kids
    return True


def bodies_named_elsewhere(bodies):
    """Can a task name another than its own children (the `targets` set)?"""
    return any('@PREV' in t or '@NEXT' in t or '@PARENT' in t
               for b in bodies for _, t in b[0])


_REF = re.compile(r'@([KGS])(\d+)|@(SELF|PARENT|PREV|NEXT)')


def _tname(i):
    return 'main' if i == 0 else 't%d' % i


def assemble(bodies):
    """The scenario text of task bodies in queue order, or None if it is not
    canonical (a set nobody waits for, and the like) or names a task that
    does not exist (the parent of main, a sibling that is not there)."""
    out = []
    named = 1            # tasks named so far (main)
    ngroups = 0
    parent = {0: None}   # task -> (its spawner, its place among the spawner's children)
    nkids = {}
    bad = []
    for i, (lines, size, kids, ng) in enumerate(bodies):
        kbase, gbase = named, ngroups
        for j in range(kids):
            parent[kbase + j] = (i, j)
        nkids[i] = kids
        named += kids
        ngroups += ng

        def sub(m, i=i, kbase=kbase, gbase=gbase):
            if m.group(3):
                who = m.group(3)
                if who == 'SELF':
                    return _tname(i)
                if parent[i] is None:
                    bad.append(1)
                    return '?'
                p, j = parent[i]
                if who == 'PARENT':
                    return _tname(p)
                j += -1 if who == 'PREV' else 1
                if j < 0 or j >= nkids[p]:
                    bad.append(1)
                    return '?'
                return _sibling(parent, p, j)
            n = int(m.group(2))
            if m.group(1) == 'K':
                return 't%d' % (kbase + n)
            if m.group(1) == 'S':
                return 's%d' % (gbase + n + 1)
            return 'g%d' % (gbase + n + 1)
        out.append('task %s:' % _tname(i))
        for ind, t in lines:
            if '@' in t:
                t = _REF.sub(sub, t)
                if bad:
                    return None
            out.append('    ' * (ind + 1) + t)
    text = '\n'.join(out) + '\n'
    if ('@PARENT' in str(bodies) or '@PREV' in str(bodies) or '@NEXT' in str(bodies)) and \
            waits_in_a_cycle(text):
        return None
    decls = []
    if _E.search(text):
        if 'wait_event e' not in text:
            return None     # set e with no waiter changes nothing
        decls.append('event e')
    if _C.search(text):
        if ('notify c' in text or 'notify_all c' in text) and 'cond_wait' not in text:
            return None     # notify with no waiter changes nothing
        decls.append('condition c')
    if ' f\n' in text or ' f ' in text:
        if 'cond_wait_for' not in text:
            return None     # a flag nobody waits for changes nothing
        decls.append('flag f')
    if _S.search(text):
        if 'acquire s' not in text:
            return None     # permits nobody takes change nothing
        decls.append('semaphore s 0')
    if _Q.search(text):
        if 'task_done q' in text and 'get' not in text:
            return None     # task_done with nothing got is only a misuse
        if 'shutdown q' in text:
            decls.insert(0, 'python: >=3.13')
        decls.append('queue q 1')
    if decls:
        text = '\n'.join(decls) + '\n' + text
    return text


_WAITS = ('await', 'wait_for', 'shield', 'wait_for_shield', 'gather', 'gather_all', 'wait')
_NAME = re.compile(r'^(main|t\d+)$')


def waits_in_a_cycle(text):
    """Do tasks wait for each other in a cycle (t1 awaits main, which
    awaits t1)? Not canonical: CPython's cancel() then passes itself round
    the cycle until the interpreter's recursion limit (RecursionError), and
    nothing else is seen."""
    edges = {}
    cur = None
    for ln in text.split('\n'):
        if ln.startswith('task '):
            cur = ln[5:-1]
            continue
        w = ln.split()
        if cur and w and w[0] in _WAITS:
            edges.setdefault(cur, set()).update(x for x in w[1:] if _NAME.match(x))
        elif cur and len(w) == 4 and w[0] == 'spawn':
            edges.setdefault(cur, set()).add(w[1])     # the group's end waits for it
    state = {}

    def visit(n):
        state[n] = 1
        for m in edges.get(n, ()):
            if state.get(m) == 1 or (m not in state and visit(m)):
                return True
        state[n] = 2
        return False
    return any(n not in state and visit(n) for n in list(edges))


_E = re.compile(r' e( |\n)')
_C = re.compile(r' c( |\n)')
_S = re.compile(r' s( |\n)')
_Q = re.compile(r' q( |\n)')


def _sibling(parent, p, j):
    for t, pj in parent.items():
        if pj == (p, j):
            return _tname(t)
    raise AssertionError


def count(bound, depth=2, vocab=None, reduce=None):
    n = 0
    for _ in Enum(depth, vocab, reduce).programs(bound):
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
