"""Random scenarios in the subset where CPython and the library must agree.

gen.scenario(seed, index) returns the text of one scenario; the same seed and
index always give the same text. `tests/conformance/run --random N --seed S`
runs scenarios 0..N-1 of seed S.

What keeps a scenario inside the subset (README.md, "Random scenarios"):
- Every duration is a distinct power of two, used once. Every instant at
  which something happens is then a sum of distinct durations along one
  chain of causes, so two unrelated things never happen at the same instant:
  no race between a completion and a cancel or a deadline (L3, L6 differ
  there, and CPython's order of equal timers is arbitrary).
- Before and after a step that affects another task (spawn, cancel, set,
  clear, release, notify, and raise: in a group it cancels the others) the
  task sleeps, so such an effect never shares an
  instant with another effect or with the end of a wait (two tasks woken by
  the same completion run in an order CPython does not define); every task
  starts with a sleep.
- wait with FIRST_COMPLETED or FIRST_EXCEPTION names one task: a task that
  awaited the first one ends in the same instant and may or may not count as
  done (R62).
- Nothing swallows a cancellation (no catch:, no return in finally:): L2.
- A task awaits, wait_for's and gathers only tasks it spawned itself (L4);
  wait and shield, which never cancel, may name any task.
- No busy CPU work (L6), no zero timeouts, no timeout_at (a deadline already
  past when the block is entered is due at once: group children inherit it
  before they start, L8), finally clauses only sleep and log (a child failing
  in its cleanup while its group unwinds is R77's case).
- Inside a task group's body, and in every task started from there, cleanup
  does not await (finally: only logs, no lock patterns): a cancellation from
  outside that reaches a group while it still unwinds a child's failure is
  where the library's R77 and L8 differ from CPython (scenarios
  tt_timeout_taskgroup, group_external_cancel_and_child_error).
- Tasks gathered without return_exceptions do not await in their cleanup:
  when the caller is cancelled, CPython's gather ends as soon as the first
  of them has finished, the library waits for all of them (L5).
- wait and shield never name a group's child, nor a task gathered together
  with the waiter: a group's abort, or a gather's cancellation, cancels both
  in one instant, and the waiter may see the other's end first (L3 delivers
  that completion, CPython the cancellation).
- Only one task waits on a given condition: when a wait on a condition ends
  with an error (its timeout), CPython 3.13 wakes another waiter spuriously;
  the library passes on only a notification the waiter had taken (L10).
- On CPython 3.11 there are no `wait_for MS:` blocks: 3.11 runs the
  coroutine in a hidden task and abandons it when a second cancellation
  arrives during its cleanup (R43, R52); the library follows 3.12+.
- Before CPython 3.13, a task group whose child failed can leave its
  parent's cancel count raised (gh-116720; before 3.11.3 also gh-102780), so
  a timeout around it, or a later one, lets the cancellation through instead
  of reporting its timeout; there the group's children do not raise.
- A sleep comes before every acquire: acquiring a free lock is a checkpoint
  in the library (every await macro is) but does not suspend in CPython (R5),
  so a cancellation already due must be delivered before it.
"""
import random

MAX_TASKS = 6
WAIT_MODES = ('first_completed', 'first_exception', 'all_completed')


class _Gen:
    def __init__(self, rng, version):
        self.rng = rng
        self.inline_wait_for = version >= (3, 12)
        self.group_child_errors = version >= (3, 13)
        self.pool = list(range(35))      # durations 2**0 .. 2**34 ms
        rng.shuffle(self.pool)
        self.ntasks = rng.randint(1, MAX_TASKS)
        self.next_task = 1
        self.bodies = {}
        self.owner = {}
        self.events = ['e%d' % i for i in range(rng.randint(0, 2))]
        self.locks = ['l%d' % i for i in range(rng.randint(0, 1))]
        self.conds = ['c%d' % i for i in range(rng.randint(0, 1))]
        self.nscopes = 0
        self.ngroups = 0
        self.nlogs = 0
        self.fragile = set()
        self.grouped = set()
        self.cond_waiter = {}
        self.together = {}      # task -> tasks gathered with it (cancelled together)   # condition -> the one task that waits on it    # tasks whose cleanup must not await (see build)

    def dur(self):
        if not self.pool:
            return None
        return 2 ** self.pool.pop()

    def pick(self, *weighted):
        total = sum(w for w, _ in weighted)
        x = self.rng.uniform(0, total)
        for w, v in weighted:
            x -= w
            if x <= 0:
                return v
        return weighted[-1][1]

    def sleep(self, out, ind):
        d = self.dur()
        if d is not None:
            out.append(ind + 'sleep %d' % d)

    def log(self, out, ind):
        self.nlogs += 1
        out.append(ind + 'log m%d' % self.nlogs)

    def new_task(self, owner):
        if self.next_task > self.ntasks:
            return None
        name = 't%d' % self.next_task
        self.next_task += 1
        self.owner[name] = owner
        return name

    def block(self, task, out, ind, depth, ctx, nsteps=None):
        """Steps of one block. ctx: tasks this task spawned so far, open groups."""
        n = nsteps or self.rng.randint(1, 5)
        start = len(out)
        for _ in range(n):
            self.step(task, out, ind, depth, ctx)
        if len(out) == start:
            self.log(out, ind)
        if self.rng.random() < 0.25:
            out.append(ind + 'finally:')
            fin = []
            for _ in range(self.rng.randint(1, 2)):
                if self.rng.random() < 0.5 and not ctx['fragile']:
                    self.sleep(fin, ind + '    ')
                else:
                    self.log(fin, ind + '    ')
            if not fin:
                self.log(fin, ind + '    ')
            out.extend(fin)

    def step(self, task, out, ind, depth, ctx):
        rng = self.rng
        mine = ctx['mine']
        if ctx['fragile']:    # only tasks whose cleanup does not await either
            mine = [t for t in mine if t in self.fragile]
        kinds = [(4, 'sleep'), (2, 'log'), (3, 'spawn'), (1, 'cancel'), (0.5, 'return')]
        if self.group_child_errors or task not in self.grouped:
            kinds += [(1, 'raise')]
        if mine:
            kinds += [(3, 'await'), (2, 'wait_for'), (1, 'gather'), (1, 'gather_all')]
        if [t for t in self.owner if t != task and t not in self.grouped and
                t not in self.together.get(task, ())]:
            kinds += [(1, 'wait'), (1, 'shield'), (1, 'wait_for_shield')]
        if depth > 0:
            kinds += [(4, 'timeout'), (1.5, 'group'), (1, 'call'), (0.5, 'block')]
            if self.inline_wait_for:
                kinds += [(1.5, 'wait_for_call')]
        if self.events:
            kinds += [(1, 'set'), (0.3, 'clear'), (1.5, 'wait_event')]
        if self.locks and not ctx['fragile']:
            kinds += [(1, 'lock')]
        if self.conds and not ctx['fragile']:
            kinds += [(1, 'notify')]
            if [c for c in self.conds if self.cond_waiter.get(c, task) == task]:
                kinds += [(1, 'cond_wait')]
        k = self.pick(*kinds)
        # (a raise is an effect too: in a group it cancels the other tasks)
        effect = k in ('spawn', 'cancel', 'set', 'clear', 'notify', 'raise')
        if (effect or k in ('lock', 'cond_wait')) and len(self.pool) < 4:
            k, effect = 'log', False   # no duration left for the sleeps around it
        if effect:
            # an effect never shares an instant with the end of a wait: two
            # tasks woken by one event run in an order CPython does not define
            self.sleep(out, ind)
        # waiting on itself is a misuse; waiting on a group child that fails
        # meets the group's abort in the same instant (L3 vs CPython)
        started = [t for t in self.owner if t != task and t not in self.grouped and
                   t not in self.together.get(task, ())]
        if k == 'sleep':
            self.sleep(out, ind)
        elif k == 'log':
            self.log(out, ind)
        elif k == 'spawn':
            name = self.new_task(task)
            if name is None:
                self.log(out, ind)
                return
            if ctx['fragile']:
                self.fragile.add(name)
            if ctx['groups'] and rng.random() < 0.6:
                out.append(ind + 'spawn %s in %s' % (name, rng.choice(ctx['groups'])))
                ctx['grouped'].append(name)
                self.grouped.add(name)
            else:
                out.append(ind + 'spawn ' + name)
                mine.append(name)
            self.sleep(out, ind)
        elif k == 'cancel':
            target = rng.choice(started + ['main'] + ([task] if task != 'main' else []))
            out.append(ind + 'cancel ' + target)
            self.sleep(out, ind)
        elif k == 'raise':
            out.append(ind + 'raise E%d' % rng.randint(1, 3))
        elif k == 'return':
            out.append(ind + 'return %d' % rng.randint(0, 9))
        elif k == 'await':
            out.append(ind + 'await ' + rng.choice(mine))
        elif k == 'wait_for':
            d = self.dur()
            if d is not None:
                out.append(ind + 'wait_for %s %d' % (rng.choice(mine), d))
        elif k in ('gather', 'gather_all'):
            names = rng.sample(mine, rng.randint(1, len(mine)))
            if k == 'gather':
                self.fragile.update(names)
            for a in names:
                self.together.setdefault(a, set()).update(names)
            out.append(ind + '%s %s' % (k, ' '.join(names)))
        elif k == 'wait':
            mode = rng.choice(WAIT_MODES)
            # FIRST_*: one task, or another one ending in the same instant
            # (because it awaited the first) may or may not count as done (R62)
            n = rng.randint(1, len(started)) if mode == 'all_completed' else 1
            names = rng.sample(started, n)
            d = self.dur() if rng.random() < 0.7 else None
            out.append(ind + 'wait %s %s %s' % (mode,
                                                 d if d is not None else 'none', ' '.join(names)))
        elif k in ('shield', 'wait_for_shield'):
            name = rng.choice(started)
            if k == 'shield':
                out.append(ind + 'shield ' + name)
            else:
                d = self.dur()
                if d is not None:
                    out.append(ind + 'wait_for_shield %s %d' % (name, d))
        elif k in ('timeout', 'wait_for_call'):
            d = self.dur()
            if d is None:
                return
            if k == 'wait_for_call':
                out.append(ind + 'wait_for %d:' % d)
            else:
                self.nscopes += 1
                out.append(ind + '%s %d as s%d:' % (k, d, self.nscopes))
            self.block(task, out, ind + '    ', depth - 1, ctx)
        elif k == 'group':
            self.ngroups += 1
            g = 'g%d' % self.ngroups
            out.append(ind + 'group as %s:' % g)
            inner = dict(ctx, groups=ctx['groups'] + [g], fragile=True)
            self.block(task, out, ind + '    ', depth - 1, inner)
        elif k in ('call', 'block'):
            out.append(ind + k + ':')
            self.block(task, out, ind + '    ', depth - 1, ctx)
        elif k == 'set':
            out.append(ind + 'set ' + rng.choice(self.events))
            self.sleep(out, ind)
        elif k == 'clear':
            out.append(ind + 'clear ' + rng.choice(self.events))
            self.sleep(out, ind)
        elif k == 'wait_event':
            d = self.dur() if rng.random() < 0.7 else None
            out.append(ind + 'wait_event %s %s' % (rng.choice(self.events),
                                                   d if d is not None else 'none'))
        elif k == 'lock':
            lk = rng.choice(self.locks)
            d = self.dur()
            if d is None:
                return
            self.sleep(out, ind)
            out.append(ind + 'block:')
            out.append(ind + '    acquire %s %d' % (lk, d))
            self.sleep(out, ind + '    ')
            out.append(ind + '    finally:')
            out.append(ind + '        release %s' % lk)
            out.append(ind + '        sleep %d' % (self.dur() or 1))
        elif k == 'cond_wait':
            c = rng.choice([c for c in self.conds if self.cond_waiter.get(c, task) == task])
            self.cond_waiter[c] = task
            d = self.dur() if rng.random() < 0.7 else None
            self.sleep(out, ind)
            out.append(ind + 'acquire ' + c)
            out.append(ind + 'block:')
            out.append(ind + '    cond_wait %s %s' % (c, d if d is not None else 'none'))
            out.append(ind + '    finally:')
            out.append(ind + '        release ' + c)
            out.append(ind + '        sleep %d' % (self.dur() or 1))
        elif k == 'notify':
            c = rng.choice(self.conds)
            self.sleep(out, ind)
            out.append(ind + 'acquire ' + c)
            if rng.random() < 0.5:
                out.append(ind + 'notify %s %d' % (c, rng.randint(1, 2)))
            else:
                out.append(ind + 'notify_all ' + c)
            out.append(ind + 'release ' + c)
            self.sleep(out, ind)

    def build(self):
        out = ['about: random scenario']
        out += ['event ' + e for e in self.events]
        out += ['lock ' + lk for lk in self.locks]
        out += ['condition ' + c for c in self.conds]
        queue = ['main']
        done = 0
        while done < len(queue):
            task = queue[done]
            done += 1
            body = []
            self.sleep(body, '    ')
            ctx = {'mine': [], 'groups': [], 'grouped': [], 'fragile': task in self.fragile}
            before = self.next_task
            self.block(task, body, '    ', 3 if task == 'main' else 2, ctx,
                       self.rng.randint(2, 7) if task == 'main' else None)
            out.append('task %s:' % task)
            out.extend(body)
            queue += ['t%d' % i for i in range(before, self.next_task)]
        return '\n'.join(out) + '\n'


def scenario(seed, index, version=(3, 13, 0)):
    """Scenario `index` of `seed` for CPython `version` (major, minor, micro):
    older versions leave out what they do differently (see above)."""
    return _Gen(random.Random('%d/%d' % (seed, index)), tuple(version)).build()


if __name__ == '__main__':
    import sys
    print(scenario(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
