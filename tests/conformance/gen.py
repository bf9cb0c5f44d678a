# SPDX-License-Identifier: MIT
"""Random scenarios in the subset where CPython and the library must agree.

gen.scenario(seed, index) returns the text of one scenario; the same seed and
index always give the same text. `tests/conformance/run --random N --seed S`
runs scenarios 0..N-1 of seed S.

A third of the scenarios are of the `whole` flavour (gen_whole.py): programs
drawn from the whole scenario language, 3-4 tasks, blocks nested up to 4 deep,
8-20 steps, outside the subset below; the driver compares them as the
exhaustive run does, every difference explained by a named rule or a
disagreement. The others are of one of two flavours, drawn for each (seed,
index) from a stream of its own (so a scenario of the distinct flavour is the
one this generator always wrote for that seed and index):

- distinct: free-form programs in which no two unrelated events ever share
  an instant. Its rules follow.
- instant: short programs built so that events do share instants: equal and
  near-equal deadlines, cancels in the instant children wake, hand-offs of
  locks and permits in the instant others arrive. Its rules are at the end.

What keeps a scenario of the distinct flavour inside the subset (README.md,
"Random scenarios"):
- Every duration is a distinct power of two, used once. Every instant at
  which something happens is then a sum of distinct durations along one
  chain of causes, so two unrelated things never happen at the same instant:
  no race between a completion and a cancel or a deadline (L3, L6 differ
  there).
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

The instant flavour (INSTANT_SHARE of the scenarios). Each scenario is one
episode, started by main:
- owner: a task enters 0 to 3 nested timeouts, spawns one or two children
  and awaits, wait_for's or gathers them (or runs a `wait_for MS:` block);
  another task may cancel the owner or a child, at once (before the
  children have run) or after a sleep; children sleep, then return, raise
  or log, and their cleanup may sleep.
- cond: one task waits on a condition (with a timeout, in a timeout scope,
  or until a cancel); a notifier takes the lock, notifies and keeps the lock
  for a while; other tasks may queue for the lock and one may cancel the
  waiter.
- group: two to four children of a task group sleep, mostly to one common
  instant, and then raise, return, log or sleep again; the body may sleep
  to that instant too.
- semaphore: two to four tasks take and give back permits of one
  semaphore, and the root may give back several permits and ask for one in
  the same step.
What keeps it inside the subset:
- Durations come from 5, 10, 15 and 20 ms (25 and 30 for some waits), so
  sums meet often; a sleep meant to outlast the episode is a multiple of
  1000 ms used once, so its end meets nothing. `sleep 0` is only a yield:
  no zero or past deadline, no timeout_at, no busy work (L6).
- Timers due at the same instant fire in the order they were armed, in
  the library and in pyrunner's loop (asyncio's own heap does not keep that
  order from four timers on).
- A completion and a cancellation in one instant are not avoided: where
  CPython drops the completion (R4, R40, R51, R86) the comparison knows it
  by rule L3 (pyrunner's note_cancel, driver's lets_differ).
- After a wake-up that asyncio delivers through done callbacks that take
  more than one loop iteration (gather and gather_all two, the end of a
  task group two), the woken task only logs, leaves its blocks and ends: it
  arms no timer and acts on no other task, so the number of iterations
  cannot change the order of anything that follows.
- Owner: a task awaits and gathers only its children (L4), nothing catches
  a cancellation (L2), no wait or shield; children gathered two at a time
  without return_exceptions do not await in their cleanup (L5), and where
  another task may cancel, children gathered without return_exceptions do
  not raise: a failure the gather has not yet heard of when the cancel
  passes through it wins in CPython and the cancellation is lost, where the
  library keeps it (L2). On CPython 3.11 there is no wait_for at all: its
  wait_for waits on a future of its own, so a cancel reaches the child only
  when the waiter runs again, and its own deadline does not reach the
  child's cleanup (R43).
- Cond: only one task waits on the condition (L10, R89); the notifier and
  the other tasks take the lock after a sleep and always give it back (no
  timeout on their acquire); the waiter takes it at its start, before any
  cancel can be due.
- Group: before 3.13 no deadline or cancel reaches a group (gh-116720,
  R82, R83). On 3.13 a deadline around the group or a cancel of its task
  may, not both (the library's deadline cancels the children itself, L8,
  so its group ends turns earlier than CPython's, and a cancel in that
  instant would find it done); children's cleanup then does not await
  (R77, L8), and with the cancel no child fails (the library lets that
  cancellation go on through the group, CPython lets the child's error win:
  R77 as the library keeps it). After the group the body only logs.
- Semaphore: only on CPython 3.13 and later (earlier versions hand permits
  on in another order; the library follows 3.13), with `order: strict`:
  the order of hand-offs within an instant is what these test.
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
        self.fragile = set()    # tasks whose cleanup must not await (see build)
        self.grouped = set()
        self.cond_waiter = {}   # condition -> the one task that waits on it
        self.together = {}      # task -> tasks gathered with it (cancelled together)

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


# ------------------------------------------------------------ same instant

TIMES = (5, 10, 15, 20)     # the instant flavour's durations: equal sums are common


class _Instant:
    """The instant flavour: see the module's docstring."""

    def __init__(self, rng, version):
        self.rng = rng
        self.version = version
        self.tasks = {}         # name -> body lines (indented by 4)
        self.order = []         # task names in the order of definition
        self.decls = []
        self.ntasks = 0
        self.nobjs = 0
        self.nscopes = 0
        self.nlogs = 0
        self.nlong = 0

    # -- helpers
    def task(self):
        self.ntasks += 1
        name = 't%d' % self.ntasks
        self.order.append(name)
        self.tasks[name] = []
        return name

    def obj(self, kind, prefix, extra=''):
        self.nobjs += 1
        name = '%s%d' % (prefix, self.nobjs)
        self.decls.append('%s %s%s' % (kind, name, extra))
        return name

    def scope(self):
        self.nscopes += 1
        return 's%d' % self.nscopes

    def log(self, who):
        self.nlogs += 1
        return 'log %s_%d' % (who, self.nlogs)

    def long(self):
        """A sleep that no other instant can equal (each used once)."""
        self.nlong += 1
        return 1000 * self.nlong

    def t(self):
        return self.rng.choice(TIMES)

    def chance(self, p):
        return self.rng.random() < p

    # -- episodes: each returns the name of its root task
    def ep_owner(self):
        """An owner waits for children it spawned inside nested deadlines
        that are equal or close; another task may cancel it or a child in
        one of those instants, or before the children have run."""
        rng = self.rng
        v311 = self.version < (3, 12)
        r = self.task()
        body = self.tasks[r]
        now = 0
        if self.chance(0.3):
            d = self.t()
            body.append('sleep %d' % d)
            now += d
        deadlines = []      # absolute deadlines of the open scopes
        ind = ''
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            if deadlines and self.chance(0.5):
                # the same instant as an enclosing deadline, entered later
                gap = rng.choice((0, 0, 5))
                if gap and deadlines[-1] - now > gap:
                    body.append(ind + 'sleep %d' % gap)
                    now += gap
                a = rng.choice(deadlines) - now
                if a <= 0:
                    a = self.t()
            else:
                a = self.t()
            name = self.scope()
            body.append(ind + 'timeout %d as %s:' % (a, name))
            deadlines.append(now + a)
            ind += '    '
        kinds = ['await', 'gather', 'gather_all']
        if not v311:
            kinds += ['wait_for', 'wait_for', 'wait_for_call']
        kind = rng.choice(kinds)
        nkids = 0 if kind == 'wait_for_call' else (
            rng.choice((1, 2)) if kind in ('gather', 'gather_all') else 1)
        canceller = None
        if self.chance(0.6):
            canceller = self.task()
            kb = self.tasks[canceller]
            if self.chance(0.7):
                kb.append('sleep %d' % rng.choice((0,) + TIMES))
            target = r if not nkids or self.chance(0.75) else None
        kids = []
        for _ in range(nkids):
            c = self.task()
            kids.append(c)
            cb = self.tasks[c]
            x = self.long() if self.chance(0.5) else self.t()
            cb.append('sleep %d' % x)
            ends = ['return %d' % rng.randint(1, 9), self.log(c)]
            if not (kind == 'gather' and canceller):
                ends.append('raise E%d' % rng.randint(1, 2))
            end = rng.choice(ends)
            cb.append(end)
            if self.chance(0.6):
                cb.append('finally:')
                # gather without return_exceptions ends at the first child's
                # end when cancelled, the library waits for all (L5)
                if not (kind == 'gather' and nkids > 1) and self.chance(0.7):
                    cb.append('    sleep %d' % self.t())
                cb.append('    ' + self.log(c))
        if canceller:
            self.tasks[canceller].append('cancel ' + (target or rng.choice(kids)))
        spawns = ['spawn ' + c for c in kids]
        if canceller:
            spawns.insert(rng.randint(0, len(spawns)), 'spawn ' + canceller)
        body.extend(ind + x for x in spawns)
        if self.chance(0.25):
            body.append(ind + 'sleep 0')      # the children start first
        if kind == 'await':
            body.append(ind + 'await ' + kids[0])
        elif kind in ('gather', 'gather_all'):
            body.append(ind + '%s %s' % (kind, ' '.join(kids)))
        else:
            if deadlines and self.chance(0.7):
                d = rng.choice(deadlines) - now
                d = d if d > 0 else self.t()
            else:
                d = self.t()
            if kind == 'wait_for':
                body.append(ind + 'wait_for %s %d' % (kids[0], d))
            else:
                body.append(ind + 'wait_for %d:' % d)
                body.append(ind + '    sleep %d' % (self.long() if self.chance(0.5) else self.t()))
                body.append(ind + '    finally:')
                body.append(ind + '        sleep %d' % self.t())
                body.append(ind + '        ' + self.log(r))
        body.append(ind + self.log(r))
        while ind:
            ind = ind[:-4]
            body.append(ind + self.log(r))
        for k in range(self.nscopes - len(deadlines), self.nscopes):
            if self.chance(0.3):
                body.append('expired s%d' % (k + 1))
        if self.chance(0.3):
            body.extend(['finally:', '    ' + self.log(r)])
        return r

    def ep_cond(self):
        """A notified condition waiter waits to take the lock back while the
        notifier holds it, and its deadline passes or a cancel arrives then;
        other tasks may queue for the lock meanwhile."""
        rng = self.rng
        c = self.obj('condition', 'c')
        r = self.task()           # the notifier
        w = self.task()           # the one waiter of the condition
        body, wb = self.tasks[r], self.tasks[w]
        spawns = ['spawn ' + w]
        wb.append('acquire ' + c)
        wb.append('block:')
        how = rng.choice(('arg', 'scope', 'none'))
        scope = None
        if how == 'arg':
            wb.append('    cond_wait %s %d' % (c, rng.choice(TIMES + (25, 30))))
        elif how == 'scope':
            scope = self.scope()
            wb.append('    timeout %d as %s:' % (rng.choice(TIMES + (25, 30)), scope))
            wb.append('        cond_wait ' + c)
        else:
            wb.append('    cond_wait ' + c)
        wb.append('    ' + self.log(w))
        wb.append('    finally:')
        wb.append('        ' + self.log(w))
        wb.append('        release ' + c)
        if scope and self.chance(0.5):
            wb.append('expired ' + scope)
        for _ in range(rng.choice((0, 1, 1, 2))):
            x = self.task()
            spawns.append('spawn ' + x)
            xb = self.tasks[x]
            xb.append('sleep %d' % rng.choice(TIMES + (25,)))
            xb.append('acquire ' + c)    # no timeout: it releases what it took
            xb.append(self.log(x))
            if self.chance(0.5):
                xb.append('sleep %d' % self.t())
            xb.append('release ' + c)
        if how == 'none' or self.chance(0.4):
            k = self.task()
            spawns.append('spawn ' + k)
            self.tasks[k] += ['sleep %d' % rng.choice(TIMES + (25, 30)), 'cancel ' + w]
        rng.shuffle(spawns)
        body.extend(spawns)
        body.append('sleep %d' % self.t())
        body.append('acquire ' + c)
        if self.chance(0.6):
            body.append('notify %s%s' % (c, ' 2' if self.chance(0.2) else ''))
        else:
            body.append('notify_all ' + c)
        body.append('sleep %d' % self.t())
        body.append('release ' + c)
        if self.chance(0.3):
            body.append('sleep %d' % self.t())
            body.append(self.log(r))
        return r

    def ep_group(self):
        """Children of a group wake in the same instant and one of them
        fails (or is cancelled); the body may sleep to that instant too."""
        rng = self.rng
        r = self.task()
        body = self.tasks[r]
        # before 3.13 a group whose child failed may leave the parent's
        # cancel count raised (gh-116720): nothing from outside reaches it.
        # A deadline around the group, or a cancel of its task, not both:
        # the library's deadline cancels the children itself (L8), CPython's
        # through the body a turn later, so the group ends some turns
        # earlier in the library, and a cancel in that instant would find
        # it done. With the cancel no child fails: the library lets that
        # cancellation go on through the group, CPython the child's error
        # (R77 as the library keeps it, group_external_cancel_and_child_error).
        outside = None
        if self.version >= (3, 13) and self.chance(0.4):
            outside = rng.choice(('deadline', 'cancel'))
        ind = ''
        if outside == 'deadline':
            body.append('timeout %d as %s:' % (rng.choice(TIMES + (25,)), self.scope()))
            ind = '    '
        elif outside == 'cancel':
            k = self.task()
            self.tasks[k] += ['sleep %d' % rng.choice(TIMES), 'cancel ' + r]
            body.append('spawn ' + k)
        self.nobjs += 1
        g = 'g%d' % self.nobjs
        body.append(ind + 'group as %s:' % g)
        base = self.t()
        ends = ['return %d' % rng.randint(1, 9), None, None]
        if outside != 'cancel':
            ends.append('raise E%d' % rng.randint(1, 2))
        for _ in range(rng.choice((2, 2, 3, 4))):
            c = self.task()
            cb = self.tasks[c]
            cb.append('sleep %d' % (base if self.chance(0.6) else self.t()))
            end = rng.choice(ends + ends[-1:])
            if end is None:
                end = self.log(c) if self.chance(0.5) else 'sleep %d' % self.t()
            cb.append(end)
            if self.chance(0.4):
                cb.append('finally:')
                if not outside and self.chance(0.5):
                    cb.append('    sleep %d' % self.t())
                cb.append('    ' + self.log(c))
            body.append(ind + '    spawn %s in %s' % (c, g))
        if self.chance(0.5):
            body.append(ind + '    sleep %d' % (base if self.chance(0.5) else self.t()))
        body.append(ind + '    ' + self.log(r))
        if ind:
            body.append(self.log(r))
        body.append(self.log(r))
        return r

    def ep_semaphore(self):
        """Several tasks queue on one semaphore; releases hand permits on in
        the instant others arrive, and a task may release several permits
        and ask for one again at once."""
        rng = self.rng
        s = self.obj('semaphore', 's', ' %d' % rng.choice((0, 1, 1, 2)))
        r = self.task()
        body = self.tasks[r]
        for _ in range(rng.choice((2, 3, 3, 4))):
            p = self.task()
            body.append('spawn ' + p)
            pb = self.tasks[p]
            if self.chance(0.6):
                pb.append('sleep %d' % rng.choice((0,) + TIMES))
            for _ in range(rng.choice((1, 1, 2))):
                if self.chance(0.2):
                    pb.append('acquire %s %d' % (s, self.t()))
                else:
                    pb.append('acquire ' + s)
                pb.append(self.log(p))
                if self.chance(0.7):
                    pb.append('sleep %d' % rng.choice((0,) + TIMES))
                pb.append('release ' + s)
        if self.chance(0.3):
            k = self.task()
            body.append('spawn ' + k)
            self.tasks[k] += ['sleep %d' % self.t(), 'cancel ' + rng.choice(self.order[-4:-1])]
        if self.chance(0.6):
            body.append('sleep %d' % rng.choice((0,) + TIMES))
            for _ in range(rng.randint(1, 3)):
                body.append('release ' + s)
            if self.chance(0.6):
                body.append('acquire ' + s)
                body.append(self.log(r))
                body.append('release ' + s)
        return r

    def build(self):
        episodes = ['owner', 'owner', 'cond', 'group']
        if self.version >= (3, 13):
            episodes.append('semaphore')
        kind = self.rng.choice(episodes)
        root = getattr(self, 'ep_' + kind)()
        out = ['about: random scenario (same instant: %s)' % kind]
        if kind == 'semaphore':
            out.append('order: strict')
        out += self.decls
        out += ['task main:', '    spawn ' + root]
        for name in self.order:
            out.append('task %s:' % name)
            out.extend('    ' + x for x in self.tasks[name])
        return '\n'.join(out) + '\n'


INSTANT_SHARE = 0.5
WHOLE_SHARE = 1 / 3
WHOLE_ABOUT = 'about: random program over the whole language'


def flavour(seed, index):
    """'whole', 'instant' or 'distinct', drawn from streams of their own:
    the share of `whole` comes first, and among the rest the draw between
    the other two is the one this generator always made."""
    if random.Random('%d/%d/whole' % (seed, index)).random() < WHOLE_SHARE:
        return 'whole'
    r = random.Random('%d/%d/flavour' % (seed, index))
    return 'instant' if r.random() < INSTANT_SHARE else 'distinct'


def scenario(seed, index, version=(3, 13, 0)):
    """Scenario `index` of `seed` for CPython `version` (major, minor, micro):
    older versions leave out what they do differently (see above)."""
    version = tuple(version)
    kind = flavour(seed, index)
    if kind == 'whole':
        import gen_whole
        text = gen_whole.scenario(random.Random('%d/%d/whole-program' % (seed, index)),
                                  version[:2])
        return WHOLE_ABOUT + '\n' + text
    if kind == 'instant':
        return _Instant(random.Random('%d/%d/instant' % (seed, index)), version).build()
    return _Gen(random.Random('%d/%d' % (seed, index)), version).build()


if __name__ == '__main__':
    import sys
    print(scenario(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
