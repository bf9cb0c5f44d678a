# SPDX-License-Identifier: MIT
"""Run a scenario on CPython's asyncio, on a virtual-time event loop.

One loop time unit is one millisecond of the scenario: asyncio.sleep(250)
sleeps 250 ms of virtual time. When no callback is ready the loop's selector
is asked to wait for the next timer; the virtual selector moves the clock to
it instead, so time jumps and every run is exact and instant. When nothing is
ready and no timer is armed the scenario is over ("quiet"). Timers due at
the same instant fire in the order they were armed.

run_noted() also says where the run met rule L3 (Runner.note_cancel): the
comparison of generated scenarios needs it.
"""
import asyncio
import heapq
import selectors
import sys
import warnings

from scenario import QUEUE_KINDS, WAIT_MODES

# asyncio.QueueShutDown is new in 3.13 (Queue.shutdown); scenarios that shut
# a queue down say `python: >=3.13`, and the generators leave it out before.
QueueShutDown = getattr(asyncio, 'QueueShutDown', None)


class UserError(Exception):
    """`raise NAME` in a scenario."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class _VirtualSelector(selectors.SelectSelector):
    def __init__(self):
        super().__init__()
        self.loop = None

    def select(self, timeout=None):
        if timeout is None:          # nothing ready, no timer: the run is over
            self.loop.quiet = True
            self.loop.stop()
        elif timeout > 0:
            # asyncio caps a wait at one day of loop time: go straight to the
            # earliest timer instead (the loop dropped cancelled ones from the
            # head of its heap before computing the timeout)
            sched = self.loop._scheduled
            self.loop.vtime = max(self.loop.vtime + timeout, sched[0]._when if sched else 0)
        return []


class _OrderedTasks(dict):
    """TaskGroup._tasks in the order the tasks were created: asyncio keeps a
    set, so the order in which a group's abort cancels its children follows
    where the task objects sit in memory; here it is defined (the library's
    order), as the order of equal timers is below."""

    def add(self, task):
        self[task] = None

    def discard(self, task):
        self.pop(task, None)


class _TaskGroup(asyncio.TaskGroup):
    def __init__(self):
        super().__init__()
        self._tasks = _OrderedTasks()


class _Timer(asyncio.TimerHandle):
    """A timer that sorts by deadline, then by the order of arming."""
    __slots__ = ('_seq',)

    def __lt__(self, other):
        return (self._when, self._seq) < (other._when, other._seq)


class VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self):
        sel = _VirtualSelector()
        super().__init__(sel)
        sel.loop = self
        # Times are whole ms: a timer is due when it is within half a ms
        # (the default 1e-9 vanishes in float rounding past 2**24 ms).
        self._clock_resolution = 0.5
        self.vtime = 0.0
        self.quiet = False
        self.armed = 0
        self.turns = 0      # loop iterations run: an await that left it unchanged did not suspend

    def _run_once(self):
        self.turns += 1
        super()._run_once()

    def time(self):
        return self.vtime

    def call_at(self, when, callback, *args, context=None):
        # asyncio's timer heap compares deadlines only, so timers due at the
        # same instant fire in an order it does not define (from four of
        # them on it is not the order of arming). This loop fires them in
        # the order they were armed, the order the library keeps.
        if when is None:
            raise TypeError('when cannot be None')
        self._check_closed()
        timer = _Timer(when, callback, args, self, context)
        self.armed += 1
        timer._seq = self.armed
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        return timer


# What a step can raise: a cancellation, `raise NAME`, or a misuse that the
# library reports as AIO_EINVAL (CPython raises RuntimeError).
ERRORS = (asyncio.CancelledError, UserError, RuntimeError)
# What an awaited step reports as its status: the work's error, a timeout, a
# misuse, or (3.13) a queue shut down.
_STATUS_ERRORS = (UserError, TimeoutError, RuntimeError) + \
    ((QueueShutDown,) if QueueShutDown is not None else ())


# The states of an asyncio.Timeout whose block has ended.
_TIMEOUT_LEFT = (asyncio.timeouts._State.EXPIRED, asyncio.timeouts._State.EXITED)


def status_of_exc(e):
    if isinstance(e, RuntimeError):
        return 'invalid'
    if isinstance(e, asyncio.CancelledError):
        return 'cancelled'
    if isinstance(e, UserError):
        return 'error:' + e.name
    if isinstance(e, TimeoutError):
        return 'timeout'
    if QueueShutDown is not None and isinstance(e, QueueShutDown):
        return 'shutdown'
    return 'exception:' + type(e).__name__   # not in the language: shows up as a difference


def status_of_value(v):
    if v is None:
        return '0'
    if isinstance(v, BaseException):
        return status_of_exc(v)
    return str(v)


def own_mark():
    """What own_cancel() needs, taken before an await."""
    me = asyncio.current_task()
    return me, me.cancelling(), me._must_cancel


def own_cancel(mark):
    """Was the CancelledError that left an await the current task's own?
    Yes if cancel() was called on the task during the await (its cancel
    count went up) or before it, still undelivered (Task._must_cancel).
    Otherwise it is the awaited work's own cancellation: a value."""
    me, before, pending = mark
    return pending or me.cancelling() > before


# What the comparison of generated scenarios needs to know about a run (see
# RULE_L3 and Runner.note_cancel).
RULE_BUSY = 'busy %d: the clock moved with no timer'
RULE_L3 = ('L3: a cancellation reached a task after what it awaited had completed, '
           'before it resumed (CPython drops the completion, the library delivers it)')
# Before 3.12 wait_for runs what it waits for through a future of its own (a
# hidden task for a coroutine, R43); the library follows 3.12 and later.
RULE_WAIT_FOR_311 = 'wait_for before CPython 3.12: a future of its own (R43)'
# A cancel that a waiter passes on to a task it did not spawn (its wait_for's
# deadline, or its own cancellation passed down, R3, R14); the library's
# waiter only detaches (L4).
RULE_L4 = 'L4: a cancel passed on to a task the waiter %s did not spawn'
# Who spawned whom (the rules excuse what follows from a task's difference in
# the tasks it owns).
RULE_SPAWN = 'spawned by %s'
# A limit already due when the step begins (zero, or a past time; or a block's
# deadline its own task moved to now or the past with reschedule): the library
# raises it at that checkpoint at once, asyncio after one loop iteration (L6).
RULE_DUE = 'due at entry'
# An await macro is a checkpoint even where asyncio's await does not suspend
# (a put with room, a get with an item, a join with nothing undone, the next
# of as_completed already there, a put or get on a queue shut down): the await
# ran without a loop iteration.
RULE_NO_SUSPEND = 'checkpoint: did not suspend'
# First come, first served in a queue: a newcomer took the item (or the place)
# that a put (or a get) had woken an older waiter for, before that waiter ran;
# the library promises it to the waiter. The note names the woken waiters.
RULE_BARGE = 'FCFS: a newcomer took what %s was woken for in %s'
# as_completed with a limit, left by an exception before its tasks were all
# out (its task cancelled): asyncio disarms the limit's timer only when the
# last task comes out, so the timer stays armed until then and the run goes
# quiet no earlier; the library's wait disarms it as it ends.
RULE_LIMIT_LEFT = 'as_completed: its limit left armed until %d'
# `reenter` of a timeout that has been left (its block ended): asyncio's
# Timeout refuses any second entry (RuntimeError), the library enters a
# finished aio_timeout again (tt_timeout_double_enter); what the block then
# does is the library's alone.
RULE_REENTER = 'reenter: a finished timeout entered again'
# A step that changed a shared object and wrote no line (set, clear, a
# release, a notify, setflag, shutdown, task_done): rules.py's L6 rule for a
# limit due at entry follows the change to the tasks that meet the object
# (the library's task makes it a turn earlier).
RULE_TOUCH = 'touches %s'


def _noted_queue(base):
    """An asyncio queue class that remembers the waiters its puts and gets
    woke (Queue._wakeup_next), so that the runner can tell when a newcomer
    takes what such a waiter was woken for before it runs."""
    class Noted(base):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.woken = []     # (future, 'get' or 'put')

        def _wakeup_next(self, waiters):
            w = next((x for x in waiters if not x.done()), None)
            super()._wakeup_next(waiters)
            if w is not None and w.done() and not w.cancelled():
                self.woken.append((w, 'get' if waiters is self._getters else 'put'))
    return Noted


_QUEUES = {'queue': _noted_queue(asyncio.Queue), 'lifo_queue': _noted_queue(asyncio.LifoQueue),
           'priority_queue': _noted_queue(asyncio.PriorityQueue)}


class _Task(asyncio.Task):
    """asyncio.Task that tells the runner of every cancel() before it acts
    (the runner is its loop's `runner`)."""

    def cancel(self, *args, **kwargs):
        r = getattr(self._loop, 'runner', None)
        if r is None:
            return super().cancel(*args, **kwargs)
        fw = r.note_cancel(self)
        r.in_cancel.append(self)
        try:
            ok = super().cancel(*args, **kwargs)
        finally:
            r.in_cancel.pop()
        if fw is not None and not self._must_cancel and not self.done():
            r.forwarded[self] = fw    # passed on to what it awaits: it will raise
        return ok


def _wake_sleeper(fut):
    if not fut.done():    # what asyncio.sleep's timer does
        fut.set_result(None)


class _Break:
    """A block left by `break` (up to the innermost timeout block)."""
    __slots__ = ()


_BREAK = _Break()


class _Return:
    """A block left by `return V`."""
    __slots__ = ('value',)

    def __init__(self, value):
        self.value = value


def _no_handler(loop, context):
    pass


_LOOP = []


def _reused_loop():
    """One VirtualLoop for every untidy run of this process, emptied: what
    the coroutines closed at the end of the last run scheduled goes."""
    if not _LOOP:
        _LOOP.append(VirtualLoop())
    loop = _LOOP[0]
    loop._ready.clear()
    loop._scheduled.clear()
    loop._timer_cancelled_count = 0
    loop.vtime = 0.0
    loop.quiet = False
    loop.armed = 0
    return loop


def _task_factory(loop, coro, **kw):
    return _Task(coro, loop=loop, **kw)


class Runner:
    def __init__(self, sc, tidy=True):
        # tidy: cancel the tasks still waiting at the end and let them
        # finish (False: leave them to the garbage collector, quicker)
        self.tidy = tidy
        self.sc = sc
        self.lines = []
        self.recording = True
        self.tasks = {}     # name -> asyncio.Task
        self.scopes = {}    # timeout name -> asyncio.Timeout
        self.groups = {}    # group name -> asyncio.TaskGroup
        self.objs = {}
        self.notes = []     # (time, task, rule): rules the run met (RULE_L3)
        self.due_moved = {}     # asyncio.Timeout -> its RULE_DUE note from a reschedule
        self.sleeps = set()     # the futures of running sleeps
        self.waiting = {}       # asyncio.Task -> (step kind, [tasks], mode) it awaits
        self.forwarded = {}     # asyncio.Task -> the awaited object a cancel was passed to
        self.in_cancel = []     # the tasks whose cancel() is running
        self.parent = {}        # asyncio.Task -> the task that spawned it
        self.finished = []      # the tasks in the order they finished

    # ---------------------------------------------------------------- output
    def now(self):
        t = self.loop.time()
        if t != int(t):
            raise RuntimeError('virtual time is not a whole number of ms: %r' % t)
        return int(t)

    def log(self, task, event, *detail):
        if self.recording:
            self.lines.append(' '.join((str(self.now()), task, event) + detail))

    # -------------------------------------------------- completion vs cancel
    def note_cancel(self, task):
        """Called by cancel() before it acts; returns what `task` awaits.

        Notes RULE_L3 if what the task awaits has already completed (a
        result or an error is ready, or for gather, wait and shield the
        tasks they wait for have ended and asyncio's done callbacks have not
        yet woken the task) and no earlier cancellation is already on its
        way to it: CPython then raises CancelledError in the task and drops
        the completion (R4, R40, R51, R86), the library delivers the
        completion and leaves the cancellation pending (L3). A sleep has
        no result to lose."""
        if task.done():
            return None
        w = self.in_cancel[-1] if self.in_cancel else asyncio.current_task(self.loop)
        if w is not None and w is not task and task in self.waiting.get(w, (None, ()))[1] and \
                self.parent.get(task) is not w and self.recording:
            self.notes.append((self.now(), self.name_of(task), RULE_L4 % self.name_of(w)))
        if task._must_cancel:
            return None
        fw = task._fut_waiter
        if fw is None or self.forwarded.get(task) is fw:
            return fw
        if fw.done():
            ready = fw not in self.sleeps
        else:
            kind, ts, mode = self.waiting.get(task, (None, (), None))
            done = [t for t in ts if t.done()]
            failed = [t for t in done if t.cancelled() or t.exception() is not None]
            if kind in ('await', 'wait_for', 'shield', 'wait_for_shield'):
                ready = bool(done)
            elif kind == 'gather' and failed:
                # a gather without return_exceptions is complete at its first
                # failure (R64): the library's waiter has it and is woken, so
                # the cancel stays pending; asyncio's done callback has not
                # run, so gather.cancel() reaches the tasks still running
                ready = True
            elif kind in ('gather', 'gather_all') or mode == 'all_completed':
                # a gather's cancel() fails only when every task has ended;
                # otherwise it reaches them and the completion is not lost
                ready = len(done) == len(ts)
            elif mode == 'first_completed':
                ready = bool(done)
            elif mode == 'first_exception':
                ready = len(done) == len(ts) or any(not t.cancelled() for t in failed)
            else:
                ready = False
        if ready and self.recording:
            self.notes.append((self.now(), self.name_of(task), RULE_L3))
        return fw

    def name_of(self, task):
        for n, t in self.tasks.items():
            if t is task:
                return n
        return '?'

    async def awaiting(self, kind, ts, mode, aw):
        """Await `aw`, noting what the current task waits for (note_cancel)."""
        me = asyncio.current_task()
        self.waiting[me] = (kind, ts, mode)
        try:
            return await aw
        finally:
            self.waiting.pop(me, None)
            self.forwarded.pop(me, None)

    # ------------------------------------------------------------------- run
    def run(self):
        warnings.simplefilter('ignore')
        if self.tidy:
            self.loop = loop = VirtualLoop()
        else:
            self.loop = loop = _reused_loop()
        loop.set_exception_handler(_no_handler)
        loop.runner = self
        loop.set_task_factory(_task_factory)
        asyncio.set_event_loop(loop)
        try:
            for name, (kind, n) in self.sc.objects.items():
                if kind == 'event':
                    self.objs[name] = asyncio.Event()
                elif kind == 'lock':
                    self.objs[name] = asyncio.Lock()
                elif kind == 'condition':
                    self.objs[name] = asyncio.Condition()
                elif kind == 'flag':
                    self.objs[name] = [False]
                elif kind in QUEUE_KINDS:
                    self.objs[name] = _QUEUES[kind](n)
                else:
                    self.objs[name] = asyncio.Semaphore(n)
            self.spawn('main', None)
            loop.run_forever()
            pending = [n for n in self.sc.tasks if n in self.tasks and not self.tasks[n].done()]
            self.log('-', 'quiet', *(['pending'] + pending if pending else []))
            self.recording = False
            if not self.tidy:
                # close what still waits now, not when the collector finds it
                # during another run
                for t in self.tasks.values():
                    if not t.done():
                        try:
                            t.get_coro().close()
                        except BaseException:
                            pass
                return self.lines
            for t in self.tasks.values():     # let them go quietly
                if not t.done():
                    t.cancel()
            loop.quiet = False
            loop.run_until_complete(asyncio.sleep(0))
        finally:
            asyncio.set_event_loop(None)
            if self.tidy:
                loop.close()
        return self.lines

    def spawn(self, name, group):
        coro = self.task_body(name)
        if group is None:
            task = self.loop.create_task(coro)
        else:
            tg = self.groups.get(group)
            try:
                if tg is None:
                    raise RuntimeError('group not entered')
                task = tg.create_task(coro)
            except RuntimeError:
                coro.close()
                return False
        self.tasks[name] = task
        self.parent[task] = asyncio.current_task(self.loop)
        if self.recording and self.parent[task] is not None:
            self.notes.append((self.now(), name, RULE_SPAWN % self.name_of(self.parent[task])))
        task.add_done_callback(lambda t, n=name: self.log(n, 'end', self.task_status(t)))
        task.add_done_callback(self.finished.append)
        return True

    @staticmethod
    def task_status(t):
        if t.cancelled():
            return 'cancelled'
        e = t.exception()
        return status_of_exc(e) if e is not None else status_of_value(t.result())

    async def task_body(self, name):
        self.log(name, 'start')
        r = await self.block(name, self.sc.tasks[name])
        return r.value if r is not None else 0

    # ---------------------------------------------------------------- blocks
    async def block(self, tn, blk):
        """Run a block; None if it ran to its end, a _Return if it returned."""
        if blk.fin is None:
            return await self.steps(tn, blk.steps)
        try:
            r = await self.steps(tn, blk.steps)
        except ERRORS as e:
            self.log(tn, 'finally', status_of_exc(e))
            r2 = await self.steps(tn, blk.fin.steps)
            if r2 is not None:        # `return` in a finally clause drops the error
                return r2
            raise
        self.log(tn, 'finally', 'ok' if r is None else 'break' if r is _BREAK else 'return')
        r2 = await self.steps(tn, blk.fin.steps)
        return r2 if r2 is not None else r

    async def steps(self, tn, steps):
        for st in steps:
            r = await getattr(self, 'op_' + st.kind)(tn, st)
            if r is not None:
                return r
        return None

    async def value_of(self, aw, misuse=()):
        """Await `aw`; its result or its own error is a status. The current
        task's own cancellation propagates (see own_cancel), and so do the
        `misuse` errors: those raised in the caller, not by the awaited work."""
        mark = own_mark()
        try:
            return status_of_value(await aw)
        except misuse:
            raise
        except asyncio.CancelledError:
            if own_cancel(mark):
                raise
            return 'cancelled'
        except _STATUS_ERRORS as e:
            return status_of_exc(e)

    def note_due(self, ms):
        if ms is not None and ms <= 0 and self.recording:
            self.notes.append((self.now(), self.name_of(asyncio.current_task(self.loop)),
                               RULE_DUE))

    def note_due_moved(self, cm, when):
        """A block's own task moved its deadline to now or the past: its next
        checkpoint begins with the limit due (L6; asyncio's reschedule queues
        the expiry with call_soon, behind the tasks already ready). Moved
        again (later, or never), the earlier note no longer holds."""
        self.forget_due_moved(cm)
        me = asyncio.current_task(self.loop)
        if when is not None and when <= self.loop.time() and self.recording and \
                getattr(cm, '_task', None) is me:
            note = (self.now(), self.name_of(me), RULE_DUE)
            self.notes.append(note)
            self.due_moved[cm] = note

    def forget_due_moved(self, cm):
        old = self.due_moved.pop(cm, None)
        if old is not None and old in self.notes:
            self.notes.remove(old)

    async def within(self, aw, ms):
        """`aw` under a timeout of `ms` (None: no timeout)."""
        self.note_due(ms)
        if ms is None:
            return await aw
        async with asyncio.timeout(ms):
            return await aw

    def task_or_none(self, tn, st, event):
        t = self.tasks.get(st.target)
        if t is None:
            self.log(tn, event, st.target, 'invalid')
        return t

    # ----------------------------------------------------------------- steps
    async def sleep(self, ms):
        """asyncio.sleep(ms), with its future known to note_cancel."""
        if ms <= 0:
            await asyncio.sleep(0)
            return
        fut = self.loop.create_future()
        h = self.loop.call_later(ms, _wake_sleeper, fut)
        self.sleeps.add(fut)
        try:
            await fut
        finally:
            h.cancel()
            self.sleeps.discard(fut)

    async def op_sleep(self, tn, st):
        await self.sleep(st.num)

    async def op_busy(self, tn, st):
        if self.recording and st.num:
            # the clock moves with no timer: rules.py's L6 rule needs to know
            self.notes.append((self.now(), tn, RULE_BUSY % st.num))
        self.loop.vtime += st.num

    async def op_log(self, tn, st):
        self.log(tn, 'log', st.text)

    async def op_spawn(self, tn, st):
        if not self.spawn(st.target, st.group):
            self.log(tn, 'spawn', st.target, 'invalid')

    async def op_await(self, tn, st):
        t = self.task_or_none(tn, st, 'await')
        if t is not None:
            self.log(tn, 'await', st.target,
                     await self.value_of(self.awaiting('await', [t], None, t)))

    def note_wait_for(self, tn):
        if sys.version_info < (3, 12) and self.recording:
            self.notes.append((self.now(), tn, RULE_WAIT_FOR_311))

    async def op_wait_for(self, tn, st):
        self.note_due(st.num)
        self.note_wait_for(tn)
        t = self.task_or_none(tn, st, 'wait_for')
        if t is not None:
            self.log(tn, 'wait_for', st.target, await self.value_of(
                self.awaiting('wait_for', [t], None, asyncio.wait_for(t, st.num))))

    async def op_shield(self, tn, st):
        t = self.task_or_none(tn, st, 'shield')
        if t is not None:
            self.log(tn, 'shield', st.target, await self.value_of(
                self.awaiting('shield', [t], None, asyncio.shield(t))))

    async def op_wait_for_shield(self, tn, st):
        self.note_due(st.num)
        self.note_wait_for(tn)
        t = self.task_or_none(tn, st, 'wait_for_shield')
        if t is not None:
            self.log(tn, 'wait_for_shield', st.target, await self.value_of(self.awaiting(
                'wait_for_shield', [t], None, asyncio.wait_for(asyncio.shield(t), st.num))))

    async def op_cancel(self, tn, st):
        t = self.task_or_none(tn, st, 'cancel')
        if t is not None:
            self.log(tn, 'cancel', st.target, '1' if t.cancel() else '0')

    async def op_timeout(self, tn, st):
        if st.kind == 'reenter':
            cm = self.scopes.get(st.target)
            name = st.target
            if cm is None:
                self.log(tn, 'timeout', name, 'raise', 'invalid')
                raise RuntimeError('never entered')
            if self.recording and getattr(cm, '_state', None) in _TIMEOUT_LEFT:
                self.notes.append((self.now(), tn, RULE_REENTER))
        else:
            if st.kind == 'timeout':
                self.note_due(st.num)
                cm = asyncio.timeout(st.num)
            else:
                self.note_due(None if st.num is None else st.num - self.loop.time())
                cm = asyncio.timeout_at(st.num)
            name = st.name or '-'
            if st.name:
                self.scopes[st.name] = cm
        try:
            for _ in range(1):      # `break` leaves the `async with` as Python's break does
                async with cm:
                    r = await self.block(tn, st.body)
                    if r is _BREAK:
                        break
        except TimeoutError:
            self.log(tn, 'timeout', name, 'timeout')
            return None
        except ERRORS as e:
            self.log(tn, 'timeout', name, 'raise', status_of_exc(e))
            raise
        finally:
            if not cm.expired():
                # a deadline moved to now that no suspension reached: no checkpoint
                # began with it due
                self.forget_due_moved(cm)
        if r is _BREAK:
            self.log(tn, 'timeout', name, 'break')
            return None
        self.log(tn, 'timeout', name, 'ok' if r is None else 'return')
        return r

    op_timeout_at = op_reenter = op_timeout

    async def op_block(self, tn, st):
        return await self.block(tn, st.body)

    async def op_sleep_until(self, tn, st):
        await self.sleep(st.num - self.loop.time())

    async def op_when(self, tn, st):
        cm = self.scopes.get(st.target)
        if cm is None:
            self.log(tn, 'when', st.target, 'invalid')
        else:
            w = cm.when()
            self.log(tn, 'when', st.target, 'none' if w is None else str(int(w)))

    async def op_reschedule(self, tn, st):
        cm = self.scopes.get(st.target)
        if st.mode == 'never':
            when = None
        elif st.mode == 'in':
            when = self.loop.time() + st.num
        else:
            when = st.num
        try:
            if cm is None:
                raise RuntimeError('not entered')
            cm.reschedule(when)
            self.log(tn, 'reschedule', st.target, 'ok')
            self.note_due_moved(cm, when)
        except RuntimeError:
            self.log(tn, 'reschedule', st.target, 'invalid')

    async def op_expired(self, tn, st):
        cm = self.scopes.get(st.target)
        self.log(tn, 'expired', st.target, '1' if cm is not None and cm.expired() else '0')

    async def op_group(self, tn, st):
        name = st.name or '-'
        tg = _TaskGroup()
        body_error = None
        try:
            async with tg:
                if st.name:
                    self.groups[st.name] = tg
                try:
                    r = await self.block(tn, st.body)
                except (UserError, RuntimeError) as e:
                    body_error = e
                    raise
        except BaseExceptionGroup as eg:
            if body_error is not None:    # the body's own error goes on unwinding
                self.log(tn, 'group', name, 'raise', status_of_exc(body_error))
                raise body_error
            self.log(tn, 'group', name, status_of_exc(eg.exceptions[0]))
            return None
        except ERRORS as e:
            self.log(tn, 'group', name, 'raise', status_of_exc(e))
            raise
        self.log(tn, 'group', name, 'ok' if r is None else 'return')
        return r

    async def op_call(self, tn, st):
        try:
            r = await self.block(tn, st.body)
        except asyncio.CancelledError:
            self.log(tn, 'call', 'raise', 'cancelled')
            raise
        except (UserError, RuntimeError) as e:
            self.log(tn, 'call', status_of_exc(e))
            return None
        self.log(tn, 'call', str(r.value) if r is not None else '0')

    async def op_catch(self, tn, st):
        try:
            r = await self.block(tn, st.body)
        except ERRORS as e:
            self.log(tn, 'catch', status_of_exc(e))
            return None
        self.log(tn, 'catch', 'ok' if r is None else 'return')
        return r

    async def op_wait_for_call(self, tn, st):
        self.note_due(st.num)
        async def inline():
            r = await self.block(tn, st.body)
            return r.value if r is not None else 0
        self.note_wait_for(tn)
        mark = own_mark()
        try:
            v = await asyncio.wait_for(inline(), st.num)
        except asyncio.CancelledError:
            if own_cancel(mark):
                self.log(tn, 'wait_for', 'call', 'raise', 'cancelled')
                raise
            v = 'cancelled'
        except (UserError, TimeoutError, RuntimeError) as e:
            v = status_of_exc(e)
        self.log(tn, 'wait_for', 'call', str(v))

    def task_list(self, tn, st, event):
        ts = [self.tasks.get(n) for n in st.tasks]
        if None in ts:
            self.log(tn, event, 'invalid')
            return None
        return ts

    async def op_wait(self, tn, st):
        self.note_due(st.num)
        ts = self.task_list(tn, st, 'wait')
        if ts is None:
            return
        mode = {'first_completed': asyncio.FIRST_COMPLETED,
                'first_exception': asyncio.FIRST_EXCEPTION,
                'all_completed': asyncio.ALL_COMPLETED}[st.mode]
        assert st.mode in WAIT_MODES
        await self.awaiting('wait', ts, st.mode,
                            asyncio.wait(set(ts), timeout=st.num, return_when=mode))
        done = [n for n, t in zip(st.tasks, ts) if t.done()]
        pending = [n for n, t in zip(st.tasks, ts) if not t.done()]
        self.log(tn, 'wait', 'done', *done, 'pending', *pending)

    async def op_gather(self, tn, st):
        ts = self.task_list(tn, st, st.kind)
        if ts is None:
            return
        mark = own_mark()
        if st.kind == 'gather_all':
            res = await self.awaiting('gather_all', ts, None,
                                      asyncio.gather(*ts, return_exceptions=True))
            self.log(tn, 'gather_all', *[status_of_value(v) for v in res])
            return
        try:
            res = await self.awaiting('gather', ts, None, asyncio.gather(*ts))
        except asyncio.CancelledError:
            if own_cancel(mark):
                raise
            # a task cancelled by someone else: CPython raises CancelledError
            # in this task although nobody cancelled it (R67); the library
            # reports it as its own status (L9)
            self.log(tn, 'gather', 'fail', 'childcancelled')
            return
        except (UserError, RuntimeError) as e:
            # a task's error, a misuse of its own (RuntimeError) too, is a
            # status: the gather's caller goes on, as the library's does
            self.log(tn, 'gather', 'fail', status_of_exc(e))
            return
        self.log(tn, 'gather', 'ok', *[status_of_value(v) for v in res])

    op_gather_all = op_gather

    def note_touch(self, tn, name):
        if self.recording:
            self.notes.append((self.now(), tn, RULE_TOUCH % name))

    async def op_set(self, tn, st):
        self.objs[st.target].set()
        self.note_touch(tn, st.target)

    async def op_clear(self, tn, st):
        self.objs[st.target].clear()
        self.note_touch(tn, st.target)

    async def op_wait_event(self, tn, st):
        ev = self.objs[st.target]
        self.log(tn, 'wait_event', st.target,
                 'ok' if await self.value_of(self.within(ev.wait(), st.num)) == 'True' else
                 'timeout')

    async def op_acquire(self, tn, st):
        r = await self.value_of(self.within(self.objs[st.target].acquire(), st.num))
        self.log(tn, 'acquire', st.target, 'ok' if r == 'True' else r)

    async def op_release(self, tn, st):
        try:
            self.objs[st.target].release()
        except (RuntimeError, ValueError):
            self.log(tn, 'release', st.target, 'invalid')
            return
        self.note_touch(tn, st.target)

    async def op_cond_wait(self, tn, st):
        # waiting without the lock is the caller's misuse: Condition.wait
        # raises RuntimeError in the caller, as AIO_COND_WAIT returns AIO_EINVAL
        r = await self.value_of(self.within(self.objs[st.target].wait(), st.num),
                                misuse=RuntimeError)
        self.log(tn, 'cond_wait', st.target, 'ok' if r == 'True' else r)

    async def op_setflag(self, tn, st):
        self.objs[st.target][0] = True
        self.note_touch(tn, st.target)

    async def op_cond_wait_for(self, tn, st):
        # Condition.wait_for(predicate) under one timeout, as AIO_COND_WAIT_FOR
        flag = self.objs[st.flag]
        r = await self.value_of(self.within(self.objs[st.target].wait_for(lambda: flag[0]),
                                            st.num), misuse=RuntimeError)
        self.log(tn, 'cond_wait_for', st.target, st.flag, 'ok' if r == 'True' else r)

    async def op_notify(self, tn, st):
        try:
            self.objs[st.target].notify(st.num)
        except RuntimeError:
            self.log(tn, 'notify', st.target, 'invalid')
            return
        self.note_touch(tn, st.target)

    async def op_notify_all(self, tn, st):
        try:
            self.objs[st.target].notify_all()
        except RuntimeError:
            self.log(tn, 'notify_all', st.target, 'invalid')
            return
        self.note_touch(tn, st.target)

    # ---------------------------------------------------------------- queues
    async def no_suspend(self, tn, aw):
        """Await `aw`, noting RULE_NO_SUSPEND if it completes without a loop
        iteration (rules.py: the library's await macro is a checkpoint)."""
        turns = self.loop.turns
        try:
            return await aw
        finally:
            # (also when it raised at once: a queue shut down)
            if self.loop.turns == turns and self.recording:
                self.notes.append((self.now(), tn, RULE_NO_SUSPEND))

    def woken_pending(self, q, kind):
        """The tasks `q` woke for an item (kind 'get') or a place ('put')
        that have not run since."""
        out = []
        keep = []
        for fut, k in q.woken:
            ts = [n for n, t in self.tasks.items() if t._fut_waiter is fut]
            if ts:
                keep.append((fut, k))
                if k == kind:
                    out += ts
        q.woken[:] = keep
        return out

    def note_barge(self, tn, q, name, kind):
        """A newcomer about to take an item (kind 'get') or a place ('put')
        while as many or more woken waiters have not run yet: CPython lets
        it, the woken waiters go to the back; the library refuses it."""
        w = self.woken_pending(q, kind)
        spare = q.qsize() if kind == 'get' else \
            (q.maxsize - q.qsize() if q.maxsize > 0 else 1 << 30)
        if w and spare <= len(w) and self.recording:
            self.notes.append((self.now(), tn, RULE_BARGE % (' '.join(w), name)))

    async def op_put(self, tn, st):
        q = self.objs[st.target]
        self.note_barge(tn, q, st.target, 'put')
        r = await self.value_of(self.no_suspend(tn, self.within(q.put(st.value), st.num)))
        self.log(tn, 'put', st.target, 'ok' if r == '0' else r)

    async def op_get(self, tn, st):
        q = self.objs[st.target]
        self.note_barge(tn, q, st.target, 'get')
        r = await self.value_of(self.no_suspend(tn, self.within(q.get(), st.num)))
        self.log(tn, 'get', st.target, r)

    async def op_join(self, tn, st):
        r = await self.value_of(self.no_suspend(tn, self.within(self.objs[st.target].join(),
                                                                 st.num)))
        self.log(tn, 'join', st.target, 'ok' if r == '0' else r)

    async def op_put_nowait(self, tn, st):
        q = self.objs[st.target]
        self.note_barge(tn, q, st.target, 'put')
        try:
            q.put_nowait(st.value)
            r = 'ok'
        except asyncio.QueueFull:
            r = 'full'
        except Exception as e:
            r = status_of_exc(e)
        self.log(tn, 'put_nowait', st.target, r)

    async def op_get_nowait(self, tn, st):
        q = self.objs[st.target]
        self.note_barge(tn, q, st.target, 'get')
        try:
            r = str(q.get_nowait())
        except asyncio.QueueEmpty:
            r = 'empty'
        except Exception as e:
            r = status_of_exc(e)
        self.log(tn, 'get_nowait', st.target, r)

    async def op_task_done(self, tn, st):
        try:
            self.objs[st.target].task_done()
        except ValueError:
            self.log(tn, 'task_done', st.target, 'invalid')
            return
        self.note_touch(tn, st.target)

    async def op_shutdown(self, tn, st):
        # (3.13; the parser wants `python: >=3.13` beside a shutdown)
        self.objs[st.target].shutdown(immediate=st.mode == 'immediate')
        self.note_touch(tn, st.target)

    async def op_qsize(self, tn, st):
        self.log(tn, 'qsize', st.target, str(self.objs[st.target].qsize()))

    async def op_empty(self, tn, st):
        self.log(tn, 'empty', st.target, '1' if self.objs[st.target].empty() else '0')

    async def op_full(self, tn, st):
        self.log(tn, 'full', st.target, '1' if self.objs[st.target].full() else '0')

    async def op_as_completed(self, tn, st):
        """for f in asyncio.as_completed(tasks, timeout=MS): await f, one
        line per task with its result or error, `timeout` for each left when
        the limit passed. asyncio takes the tasks as a set: those already
        done when it is called come out in the set's order, which is not
        defined; the language defines it as the order they finished (the
        library's), so their lines report the results in that order."""
        self.note_due(st.num)
        ts = self.task_list(tn, st, 'as_completed')
        if ts is None:
            return
        early = [t for t in self.finished if t in ts]
        early += [t for t in ts if t.done() and t not in early]
        it = asyncio.as_completed(ts, timeout=st.num)
        until = None if st.num is None else self.now() + st.num
        try:
            for i, f in enumerate(it):
                r = await self.value_of(self.no_suspend(tn, self.awaiting(
                    'as_completed', [t for t in ts if t not in early[:i]], None, f)))
                if i < len(early) and r != 'timeout':
                    r = status_of_value(self.task_status(early[i]))
                self.log(tn, 'as_completed', r)
        except BaseException:
            if until is not None and self.now() < until and self.recording:
                self.notes.append((self.now(), tn, RULE_LIMIT_LEFT % until))
            raise

    async def op_break(self, tn, st):
        return _BREAK

    async def op_return(self, tn, st):
        return _Return(st.num)

    async def op_raise(self, tn, st):
        raise UserError(st.target)


def run(sc):
    """The trace of scenario `sc` on this Python's asyncio, as a list of lines."""
    return Runner(sc).run()


def run_noted(sc, tidy=True):
    """(trace, notes): the trace and the rules the run met (see note_cancel)."""
    r = Runner(sc, tidy)
    lines = r.run()
    return lines, r.notes


def version():
    return sys.version_info[:3]
