# SPDX-License-Identifier: MIT
"""The scenario language: parser, trace lines and trace comparison.

The language is described in README.md beside this file. The C runner
(interp.c) has its own parser of the same grammar; keep the two in step.
"""
import re

NAME_RE = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
RESERVED = {'call', 'none', 'in', 'as', 'at', 'never'}
WAIT_MODES = ('first_completed', 'first_exception', 'all_completed')
OBJ_KINDS = ('event', 'lock', 'condition', 'semaphore', 'flag', 'queue', 'lifo_queue',
             'priority_queue')
QUEUE_KINDS = ('queue', 'lifo_queue', 'priority_queue')
QUEUE_CAPACITY = 256  # the C runner's storage per queue: the bound of maxsize 0
META_KEYS = ('about', 'ref', 'rule', 'order', 'python')
BLOCK_KINDS = ('timeout', 'timeout_at', 'reenter', 'group', 'call', 'catch', 'block',
               'wait_for_call')
MAX_TIME = 1 << 40  # ms; far below the library's half clock range (292 years)


class ScenarioError(Exception):
    """A file that does not follow the grammar."""


class Step:
    def __init__(self, kind, line):
        self.kind = kind
        self.line = line      # line number in the file
        self.target = None    # task, object, scope or group name
        self.name = None      # `as NAME` of a timeout or group
        self.group = None     # `spawn X in G`
        self.num = None       # duration, time or value; None = none/never
        self.mode = None      # wait mode, reschedule mode (in/at/never)
        self.flag = None      # cond_wait_for: the flag it waits for
        self.tasks = []       # wait / gather lists
        self.text = ''        # log text
        self.value = None     # put: the item
        self.body = None      # nested Block

    def __repr__(self):
        return '<%s line %d>' % (self.kind, self.line)


class Block:
    def __init__(self):
        self.steps = []
        self.fin = None       # the finally clause (a Block) or None


class Scenario:
    def __init__(self, path):
        self.path = path
        self.meta = {}
        self.objects = {}     # name -> (kind, initial value)
        self.tasks = {}       # name -> Block (definition order kept)
        self.errors = []      # user error names, in order of first use
        self.expect = {}      # 'library' / 'cpython' / 'cpython 3.11' -> [lines]
        self.scopes = set()   # named timeouts
        self.groups = set()   # named groups

    @property
    def name(self):
        base = self.path.replace('\\', '/').rsplit('/', 1)[-1]
        return base[:-4] if base.endswith('.scn') else base

    def python_ok(self, version):
        """False if the scenario's `python:` line excludes this version."""
        spec = self.meta.get('python')
        if not spec:
            return True
        m = re.match(r'^>=\s*3\.(\d+)$', spec)
        return version >= (3, int(m.group(1)))

    def expected_cpython(self, version):
        """(lines, version_specific) for this version (major, minor, micro),
        or (None, False). A block naming a patch level or a range of them
        beats one naming the minor version, which beats the unversioned one."""
        best, rank = None, 0
        for k, v in self.expect.items():
            if not k.startswith('cpython '):
                continue
            for spec in k.split()[1:]:
                r = version_match(spec, version)
                if r > rank:
                    best, rank = v, r
        if best is not None:
            return best, True
        return self.expect.get('cpython'), False


VERSION_RE = re.compile(r'^3\.\d+(\.\d+(-3\.\d+\.\d+)?)?$')


def version_match(spec, version):
    """0 if `spec` (3.N, 3.N.P or 3.N.P-3.N.Q) does not cover `version`,
    1 if it names its minor version, 2 if its patch level or a range."""
    def tup(v):
        return tuple(int(x) for x in v.split('.'))
    if '-' in spec:
        lo, hi = spec.split('-')
        return 2 if tup(lo) <= tuple(version[:3]) <= tup(hi) else 0
    t = tup(spec)
    if len(t) == 3:
        return 2 if t == tuple(version[:3]) else 0
    return 1 if t == tuple(version[:2]) else 0


def _strip_comment(s):
    for i, ch in enumerate(s):
        if ch == '#' and (i == 0 or s[i - 1] in ' \t'):
            return s[:i]
    return s


def _lines(text):
    out = []
    for no, raw in enumerate(text.split('\n'), 1):
        s = _strip_comment(raw).rstrip()
        if not s.strip():
            continue
        stripped = s.lstrip(' ')
        if stripped.startswith('\t') or '\t' in s[:len(s) - len(stripped)]:
            raise ScenarioError('line %d: indent with spaces, not tabs' % no)
        out.append((no, len(s) - len(stripped), stripped))
    return out


def _num(tok, no, allow_none=False):
    if allow_none and tok == 'none':
        return None
    if not re.match(r'^\d+$', tok):
        raise ScenarioError('line %d: expected a number of ms%s, got %r'
                            % (no, ' or none' if allow_none else '', tok))
    v = int(tok)
    if v > MAX_TIME:
        raise ScenarioError('line %d: %d ms is too large' % (no, v))
    return v


def _name(tok, no, what='name'):
    if not NAME_RE.match(tok) or tok in RESERVED:
        raise ScenarioError('line %d: %r is not a valid %s' % (no, tok, what))
    return tok


class _Parser:
    def __init__(self, sc, lines):
        self.sc = sc
        self.lines = lines
        self.i = 0

    def error(self, no, msg):
        raise ScenarioError('line %d: %s' % (no, msg))

    def parse(self):
        sc = self.sc
        while self.i < len(self.lines):
            no, ind, s = self.lines[self.i]
            if ind != 0:
                self.error(no, 'unexpected indentation')
            self.i += 1
            toks = s.split()
            key = toks[0]
            if key.endswith(':') and key[:-1] in META_KEYS:
                sc.meta[key[:-1]] = s[len(key):].strip()
            elif key in OBJ_KINDS:
                counted = key == 'semaphore' or key in QUEUE_KINDS
                want = 3 if counted else 2
                if len(toks) != want:
                    self.error(no, 'usage: %s NAME%s' % (key, ' MAXSIZE' if key in QUEUE_KINDS
                                                         else ' N' if counted else ''))
                name = _name(toks[1], no)
                if name in sc.objects:
                    self.error(no, '%s declared twice' % name)
                n = _num(toks[2], no) if counted else 0
                if key in QUEUE_KINDS and n > QUEUE_CAPACITY:
                    self.error(no, 'a queue holds at most %d items' % QUEUE_CAPACITY)
                sc.objects[name] = (key, n)
            elif key == 'task':
                if len(toks) != 2 or not toks[1].endswith(':'):
                    self.error(no, 'usage: task NAME:')
                name = _name(toks[1][:-1], no, 'task name')
                if name in sc.tasks:
                    self.error(no, 'task %s defined twice' % name)
                sc.tasks[name] = self.block(0, no)
            elif key == 'expect':
                if not s.endswith(':') or len(toks) < 2:
                    self.error(no, 'usage: expect library: | expect cpython [VERSIONS]:')
                words = s[:-1].split()[1:]
                if words[0] == 'library' and len(words) == 1:
                    k = 'library'
                elif words[0] == 'cpython' and all(VERSION_RE.match(w) for w in words[1:]):
                    k = ' '.join(words)
                else:
                    self.error(no, 'usage: expect library: | expect cpython [3.N | 3.N.P | '
                               '3.N.P-3.N.Q ...]:')
                if k in sc.expect:
                    self.error(no, 'expect block given twice')
                body = []
                while self.i < len(self.lines) and self.lines[self.i][1] > 0:
                    body.append(' '.join(self.lines[self.i][2].split()))
                    self.i += 1
                sc.expect[k] = body
            else:
                self.error(no, 'expected task, expect, a declaration or a key: value line')
        if 'main' not in sc.tasks:
            raise ScenarioError('no task named main')
        order = sc.meta.get('order', 'relaxed')
        if order not in ('relaxed', 'strict'):
            raise ScenarioError('order: must be relaxed or strict')
        py = sc.meta.get('python')
        if py and not re.match(r'^>=\s*3\.(\d+)$', py):
            raise ScenarioError('python: must look like >=3.12')
        self.check(sc)

    def block(self, parent_indent, parent_no):
        blk = Block()
        if self.i >= len(self.lines) or self.lines[self.i][1] <= parent_indent:
            self.error(parent_no, 'an indented block must follow')
        indent = self.lines[self.i][1]
        while self.i < len(self.lines):
            no, ind, s = self.lines[self.i]
            if ind < indent:
                if ind > parent_indent:
                    self.error(no, 'inconsistent indentation')
                break
            if ind > indent:
                self.error(no, 'unexpected indentation')
            self.i += 1
            if s == 'finally:':
                if blk.fin is not None:
                    self.error(no, 'a block has one finally:')
                blk.fin = self.block(indent, no)
                if self.i < len(self.lines) and self.lines[self.i][1] == indent:
                    self.error(self.lines[self.i][0], 'finally: must be the last part of its block')
                continue
            st = self.step(no, s)
            if st.kind in BLOCK_KINDS:
                st.body = self.block(indent, no)
            blk.steps.append(st)
        if not blk.steps and blk.fin is None:
            self.error(parent_no, 'empty block')
        return blk

    def step(self, no, s):
        sc = self.sc
        opens = s.endswith(':')
        toks = (s[:-1] if opens else s).split()
        op, args = toks[0], toks[1:]
        st = Step(op, no)

        def need(n, usage):
            if len(args) != n:
                self.error(no, 'usage: ' + usage)

        block_ops = ('timeout', 'timeout_at', 'reenter', 'group', 'call', 'catch', 'block')
        if opens and op not in block_ops and op != 'wait_for':
            self.error(no, '%s does not open a block' % op)
        if op in block_ops and not opens:
            self.error(no, '%s opens a block: end the line with a colon' % op)
        if op in ('sleep', 'busy', 'sleep_until'):
            need(1, op + ' MS')
            st.num = _num(args[0], no)
        elif op == 'log':
            if not args:
                self.error(no, 'usage: log TEXT')
            st.text = ' '.join(args)
        elif op == 'spawn':
            if len(args) == 3 and args[1] == 'in':
                st.group = _name(args[2], no)
            elif len(args) != 1:
                self.error(no, 'usage: spawn TASK [in GROUP]')
            st.target = _name(args[0], no)
        elif op in ('await', 'shield', 'cancel'):
            need(1, op + ' TASK')
            st.target = _name(args[0], no)
        elif op in ('wait_for', 'wait_for_shield') and not opens:
            need(2, op + ' TASK MS|none')
            st.target = _name(args[0], no)
            st.num = _num(args[1], no, True)
        elif op == 'wait_for':
            need(1, 'wait_for MS|none:')
            st.kind = 'wait_for_call'
            st.num = _num(args[0], no, True)
        elif op in ('timeout', 'timeout_at'):
            if len(args) == 3 and args[1] == 'as':
                st.name = _name(args[2], no)
                if st.name in sc.scopes or st.name in sc.groups:
                    self.error(no, 'block name %s used twice' % st.name)
                sc.scopes.add(st.name)
            elif len(args) != 1:
                self.error(no, 'usage: %s MS|none [as NAME]:' % op)
            st.num = _num(args[0], no, True)
        elif op == 'group':
            if len(args) == 2 and args[0] == 'as':
                st.name = _name(args[1], no)
                if st.name in sc.scopes or st.name in sc.groups:
                    self.error(no, 'block name %s used twice' % st.name)
                sc.groups.add(st.name)
            elif args:
                self.error(no, 'usage: group [as NAME]:')
        elif op in ('call', 'catch', 'block'):
            need(0, op + ':')
        elif op == 'reenter':
            need(1, 'reenter NAME:')
            st.target = _name(args[0], no)
        elif op == 'reschedule':
            if len(args) == 2 and args[1] == 'never':
                st.mode = 'never'
            elif len(args) == 3 and args[1] in ('in', 'at'):
                st.mode = args[1]
                st.num = _num(args[2], no)
            else:
                self.error(no, 'usage: reschedule NAME in MS | at MS | never')
            st.target = _name(args[0], no)
        elif op in ('expired', 'when'):
            need(1, op + ' NAME')
            st.target = _name(args[0], no)
        elif op == 'wait':
            if len(args) < 3 or args[0] not in WAIT_MODES:
                self.error(no, 'usage: wait %s MS|none TASK...' % '|'.join(WAIT_MODES))
            st.mode = args[0]
            st.num = _num(args[1], no, True)
            st.tasks = [_name(a, no) for a in args[2:]]
            if len(set(st.tasks)) != len(st.tasks):
                self.error(no, 'a task is listed twice')
        elif op in ('gather', 'gather_all'):
            if not args:
                self.error(no, 'usage: %s TASK...' % op)
            st.tasks = [_name(a, no) for a in args]
            if len(set(st.tasks)) != len(st.tasks):
                self.error(no, 'a task is listed twice')
        elif op in ('set', 'clear', 'release', 'notify_all'):
            need(1, op + ' NAME')
            st.target = _name(args[0], no)
        elif op in ('wait_event', 'acquire', 'cond_wait'):
            if len(args) not in (1, 2):
                self.error(no, 'usage: %s NAME [MS|none]' % op)
            st.target = _name(args[0], no)
            st.num = _num(args[1], no, True) if len(args) == 2 else None
        elif op in ('put', 'get', 'join'):
            # put Q V [MS|none], get Q [MS|none], join Q [MS|none]
            k = 2 if op == 'put' else 1
            if len(args) not in (k, k + 1):
                self.error(no, 'usage: %s QUEUE%s [MS|none]' % (op, ' VALUE' if k == 2 else ''))
            st.target = _name(args[0], no)
            if op == 'put':
                st.value = _num(args[1], no)
            st.num = _num(args[k], no, True) if len(args) == k + 1 else None
        elif op == 'put_nowait':
            need(2, 'put_nowait QUEUE VALUE')
            st.target = _name(args[0], no)
            st.value = _num(args[1], no)
        elif op in ('get_nowait', 'task_done', 'qsize', 'empty', 'full'):
            need(1, op + ' QUEUE')
            st.target = _name(args[0], no)
        elif op == 'shutdown':
            if len(args) == 2 and args[1] == 'immediate':
                st.mode = 'immediate'
            elif len(args) != 1:
                self.error(no, 'usage: shutdown QUEUE [immediate]')
            st.target = _name(args[0], no)
        elif op == 'as_completed':
            if len(args) < 2:
                self.error(no, 'usage: as_completed MS|none TASK...')
            st.num = _num(args[0], no, True)
            st.tasks = [_name(a, no) for a in args[1:]]
            if len(set(st.tasks)) != len(st.tasks):
                self.error(no, 'a task is listed twice')
        elif op == 'break':
            need(0, 'break')
        elif op == 'setflag':
            need(1, 'setflag FLAG')
            st.target = _name(args[0], no)
        elif op == 'cond_wait_for':
            if len(args) not in (2, 3):
                self.error(no, 'usage: cond_wait_for CONDITION FLAG [MS|none]')
            st.target = _name(args[0], no)
            st.flag = _name(args[1], no)
            st.num = _num(args[2], no, True) if len(args) == 3 else None
        elif op == 'notify':
            if len(args) not in (1, 2):
                self.error(no, 'usage: notify NAME [N]')
            st.target = _name(args[0], no)
            st.num = _num(args[1], no) if len(args) == 2 else 1
        elif op == 'return':
            need(1, 'return VALUE')
            st.num = _num(args[0], no)
        elif op == 'raise':
            need(1, 'raise ERROR')
            st.target = _name(args[0], no, 'error name')
            if st.target not in sc.errors:
                sc.errors.append(st.target)
        else:
            self.error(no, 'unknown step %r' % op)
        return st

    def check(self, sc):
        """Names refer to things that exist and are of the right kind."""
        def walk(blk):
            for st in blk.steps + (blk.fin.steps if blk.fin else []):
                yield st
                if st.body:
                    yield from walk(st.body)
        def breaks(blk, inside):
            # `break` leaves the innermost timeout block; only `block:`
            # may stand between, and not a finally clause
            for st in blk.steps:
                if st.kind == 'break' and not inside:
                    self.error(st.line, 'break outside a timeout block (only block: may '
                                        'stand between)')
                if st.body:
                    breaks(st.body, st.kind in ('timeout', 'timeout_at', 'reenter') or
                           (inside and st.kind == 'block'))
            if blk.fin:
                breaks(blk.fin, False)
        spawned = set()
        for tname, blk in sc.tasks.items():
            breaks(blk, False)
            for st in walk(blk):
                k, no = st.kind, st.line
                tasks = ([st.target] if k in ('spawn', 'await', 'shield', 'cancel', 'wait_for',
                                               'wait_for_shield') else []) + st.tasks
                for t in tasks:
                    if t not in sc.tasks:
                        self.error(no, 'no task named %s' % t)
                    if t == 'main' and k == 'spawn':
                        self.error(no, 'main is spawned by the runner')
                if k == 'spawn':
                    if st.target in spawned:
                        self.error(no, 'task %s is spawned twice' % st.target)
                    spawned.add(st.target)
                    if st.group and st.group not in sc.groups:
                        self.error(no, 'no group named %s' % st.group)
                if k in ('reschedule', 'expired', 'when', 'reenter') and st.target not in sc.scopes:
                    self.error(no, 'no timeout named %s' % st.target)
                want = {'set': ('event',), 'clear': ('event',), 'wait_event': ('event',),
                        'acquire': ('lock', 'semaphore', 'condition'),
                        'release': ('lock', 'semaphore', 'condition'),
                        'cond_wait': ('condition',), 'notify': ('condition',),
                        'cond_wait_for': ('condition',), 'setflag': ('flag',),
                        'notify_all': ('condition',)}.get(k)
                if k in ('put', 'get', 'join', 'put_nowait', 'get_nowait', 'task_done', 'qsize',
                         'empty', 'full', 'shutdown'):
                    want = QUEUE_KINDS
                if k == 'shutdown':
                    m = re.match(r'^>=\s*3\.(\d+)$', sc.meta.get('python', ''))
                    if not m or int(m.group(1)) < 13:
                        self.error(no, 'shutdown needs the line python: >=3.13 (Queue.shutdown '
                                       'is new in 3.13)')
                if want:
                    kind = sc.objects.get(st.target, (None,))[0]
                    if kind not in want:
                        self.error(no, '%s is not a declared %s' % (st.target, ' or '.join(want)))
                if k == 'cond_wait_for' and sc.objects.get(st.flag, (None,))[0] != 'flag':
                    self.error(no, '%s is not a declared flag' % st.flag)


def parse(text, path='<string>'):
    sc = Scenario(path)
    _Parser(sc, _lines(text)).parse()
    return sc


def parse_file(path):
    with open(path, encoding='utf-8') as f:
        return parse(f.read(), path)


# ------------------------------------------------------------------ traces

def split_line(line):
    parts = line.split(None, 2)
    while len(parts) < 3:
        parts.append('')
    return parts  # time, task, rest


def compare(expected, actual, strict=False):
    """None if the traces agree, else (expected_line, actual_line, why).

    Lines are grouped by time; within one instant every task's own lines
    must appear in the same order, but how the lines of different tasks
    interleave is not compared (CPython does not define it). With `strict`
    the interleaving is compared too, except for the place of the `end`
    lines (CPython writes them from a done callback, one loop iteration
    after the task finished)."""
    d = _compare_relaxed(expected, actual)
    if d or not strict:
        return d
    ee = [ln for ln in expected if split_line(ln)[2].split(' ')[0] != 'end']
    aa = [ln for ln in actual if split_line(ln)[2].split(' ')[0] != 'end']
    return first_mismatch(ee, aa, '(end of trace)', 'line order (order: strict), line %d')


def first_mismatch(ee, aa, missing, why):
    """The first place two sequences of lines differ, as (expected, actual,
    why % position), a shorter one reading `missing` past its end; or None."""
    for i in range(max(len(ee), len(aa))):
        e = ee[i] if i < len(ee) else missing
        a = aa[i] if i < len(aa) else missing
        if e != a:
            return e, a, why % (i + 1)
    return None


def _compare_relaxed(expected, actual):
    def groups(lines):
        out = []
        for ln in lines:
            t = split_line(ln)[0]
            if not out or out[-1][0] != t:
                out.append((t, []))
            out[-1][1].append(ln)
        return out

    ge, ga = groups(expected), groups(actual)
    for i in range(max(len(ge), len(ga))):
        if i >= len(ge):
            return '(end of trace)', ga[i][1][0], 'extra lines'
        if i >= len(ga):
            return ge[i][1][0], '(end of trace)', 'missing lines'
        te, le = ge[i]
        ta, la = ga[i]
        if te != ta:
            return le[0], la[0], 'time %s' % te
        by_e, by_a, order = {}, {}, []
        for ln in le:
            k = split_line(ln)[1]
            if k not in by_e:
                order.append(k)
            by_e.setdefault(k, []).append(ln)
        for ln in la:
            k = split_line(ln)[1]
            if k not in by_e and k not in by_a:
                order.append(k)
            by_a.setdefault(k, []).append(ln)
        for k in order:
            xe, xa = by_e.get(k, []), by_a.get(k, [])
            for j in range(max(len(xe), len(xa))):
                e = xe[j] if j < len(xe) else '(no more lines of %s at %s)' % (k, te)
                a = xa[j] if j < len(xa) else '(no more lines of %s at %s)' % (k, te)
                if e != a:
                    return e, a, 'time %s, task %s' % (te, k)
    return None


# What the C runner told of each scenario besides its trace: the tasks the
# library asked to cancel from outside their own blocks ({name: {task}}).
ADDRESSED = {}
ADDRESSED_NOTE = 'library: a cancel addressed'


def library_notes(name):
    """The C runner's notes of scenario `name`, in the form of the CPython
    run's notes (time, task, text), for the rules."""
    return [(0, x, ADDRESSED_NOTE) for x in sorted(ADDRESSED.get(name, ()))]


def read_runner_output(out, res, key=str):
    """Add to `res` {name: (lines, error)} what the C runner printed for each
    scenario (`@@ NAME`, its trace, `@@ end` or `@@ error TEXT`), with names
    converted by `key`. Returns the name of the scenario it stopped inside,
    or None if it finished every one it began."""
    cur = None
    for ln in out.split('\n'):
        if ln.startswith('@@ addressed ') and cur is not None:
            ADDRESSED.setdefault(cur, set()).add(ln[13:])
        elif ln.startswith('@@ ') and cur is None:
            cur = key(ln[3:])
            res[cur] = ([], None)
        elif ln == '@@ end':
            cur = None
        elif ln.startswith('@@ error '):
            res[cur] = (res[cur][0], ln[9:])
            cur = None
        elif cur is not None and ln:
            res[cur][0].append(ln)
    return cur
