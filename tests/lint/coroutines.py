#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Find locals that are read after an await of aio_timeout.h.

A coroutine body (between AIO_BEGIN and AIO_END) returns at every await and
is called again later; the `switch` that AIO_BEGIN opens jumps to the `case`
label the await left behind. Automatic variables of the function do not keep
their values across that return, so a local assigned before an await and read
after it reads garbage. Compilers barely notice (gcc -O2 sometimes says "may be
used uninitialized", clang nothing). This program does.

    python3 tests/lint/coroutines.py [compiler flags] FILE...

Flags (-I, -D, -U, -std=..., -x c++) go to clang; a .c file is read as C11, a
.cpp/.cc/.cxx file as C++17. It prints one line per finding,
`file:line:col: message` (when there is none, one line saying how many files it
read), and exits 1 if there is any (2 if a file does not
compile, 3 if clang cannot run: it then says which package to install).
`--expect FILE...` instead checks that each file's findings are
exactly the ones its `expect:` comments list (tests/lint/corpus/).

How: clang parses the file with the real header and prints its syntax tree as
JSON (`clang -Xclang -ast-dump=json`). That is the same parser libclang wraps,
but the JSON keeps what the Python bindings of libclang 14 lose: which operator
a binary or unary expression is (the bindings only offer the tokens, and
inside a macro expansion -- where every await's assignments are -- the tokens
are those of the macro call), and which of a `for`'s init, condition and
increment are present. It needs nothing but clang, which `make test` already
uses.

For every function that contains a `switch` written in the header (the one
AIO_BEGIN opens), it builds a control-flow graph of the body: if/else, loops
with their back edges, switch, break, continue, goto and labels, return,
&&, || and ?:. Branches on a constant (the macros' `if (0)`,
`do ... while (0)`, `for (;;)`) only go where they can. The header's `switch`
goes to every `case` written in the header; each of those except the start
(`case 0`) is a resume point, entered by a fresh call in which every local
has no value, except one that is assigned before AIO_BEGIN and never after
it: the preamble (`st *s = AIO_SELF(t, st);`) runs on every call. A local
that the preamble assigns and the body assigns again holds the preamble's
value after a resume, not the body's, so it counts as having none. A
forward data-flow then follows, for each local, the resume points after
which it has not been assigned on some path, and every read it reaches is a
finding naming those resume points' lines.

Rules, besides that one:
- static (and extern, thread-local) locals keep their values: not checked.
- Parameters are passed again on every call, like the preamble's locals: one
  the body assigns holds the caller's value after a resume, not the body's.
- Assigning any member or element of a local struct or array counts as
  assigning it; reading one reads it.
- Taking a local's address (`&x`, an array passed to a function) counts as
  assigning it: a function such as scanf or memset may fill it in. Passed
  as a pointer to const (puts(buf), strlen(buf)) it is a read. The
  checker does not follow pointers, so a pointer to a local that is kept in
  the state struct and used after an await is not found. One case is found:
  the address of a local that the header's await code itself uses after a
  resume point (a child task, a wait item array, a timeout scope, a group, or the
  state of an inline coroutine, declared as locals) is a finding, because
  the library keeps that pointer while the task is suspended.
- A `switch` of the user's whose body contains an await is a finding: the
  await's `case` label would belong to it, not to AIO_BEGIN's switch.
- A local declared after AIO_BEGIN with an initialiser, in a block that has
  a resume point after the declaration, is a finding even if it is not read
  after the await: the resume jumps over the initialisation (the README's
  rule; C++ compilers reject it, gcc -Wjump-misses-init warns in C).
- Leaving a block (AIO_TIMEOUT, AIO_TIMEOUT_AT, AIO_SHIELDED, AIO_GROUP,
  AIO_WAIT_FOR_CALL, AIO_WITH_LOCK, AIO_WITH_SEMAPHORE, AIO_WITH_CONDITION,
  AIO_TRY: an `if` of the header's whose condition enters a scope, a group
  or a hold) other than by its end, AIO_LEAVE directly inside it, AIO_RETURN,
  AIO_RAISE or AIO_CHECK is a finding naming the block's macro and line: a
  user `goto` to a label outside the block (or from outside to a label inside
  it), a user `break` or `continue` whose loop is one of the block's hidden
  `for`s, and any `return` the user writes in a coroutine. A bare `break`
  there would end the block (the block is a hidden loop) where Python's
  `break` in `async with` leaves the loop around it: the finding says to
  write AIO_LEAVE. One in a loop or `switch` of the user's inside the block
  is that loop's or switch's, and not a finding.
- AIO_LEAVE (a `break` of the header's) whose nearest loop or switch is one
  the user wrote is a finding: it would end that loop or switch, not the
  block.
- The bodies of C++ lambdas inside a coroutine are not analysed.
- A finding on a line that contains `lint-coroutines: ok` is not reported:
  for a test that makes the mistake on purpose.
"""

import json
import mmap
import os
import re
import shutil
import subprocess
import sys
import tempfile

HEADER = "aio_timeout.h"
ENTRY = 0  # origin of "no value since this call began", not an await
ONLY_ENTRY = frozenset([ENTRY])
START = -1  # the edge from AIO_BEGIN's switch to its first case

CONST_POINTER = re.compile(r"^const [^*]*\*$")


class Position:
    """Where something is, as the user wrote it."""

    def __init__(self, file, line, col):
        self.file, self.line, self.col = file, line, col

    def key(self):
        return (self.file, self.line, self.col)


def fill_locations(root, state=None):
    """clang's JSON prints a location's file and line only when they change
    from the previous location printed; write them into every location
    (state: the file and line printed last before root)."""
    state = state or ["", 0]
    stack = [root]
    while stack:
        o = stack.pop()
        if type(o) is dict:
            if "offset" in o:
                f = o.get("file")
                if f is not None:
                    state[0] = f
                ln = o.get("line")
                if ln is not None:
                    state[1] = ln
                else:
                    o["line"] = state[1]
                o["file"] = state[0]
            children = [v for v in o.values() if type(v) is dict or type(v) is list]
            stack.extend(reversed(children))
        elif type(o) is list:
            stack.extend(reversed(o))


def is_header(loc):
    return os.path.basename(loc.get("file", "")) == HEADER


def begin_of(node):
    r = node.get("range")
    if r and "begin" in r:
        return r["begin"]
    return node.get("loc")


def spelled_in_header(node):
    b = begin_of(node)
    if not b:
        return False
    if "spellingLoc" in b:
        return is_header(b["spellingLoc"])
    return is_header(b)


def user_position(node):
    """The spelling position if the user wrote it (a macro argument too),
    else where the macro that produced it was called."""
    b = begin_of(node)
    if not b:
        return None
    if "spellingLoc" in b:
        sp = b["spellingLoc"]
        if not is_header(sp) and "<scratch space>" not in sp.get("file", ""):
            return Position(sp["file"], sp["line"], sp["col"])
        b = b["expansionLoc"]
    return Position(b.get("file", ""), b.get("line", 0), b.get("col", 0))


def expansion_line(node):
    b = begin_of(node)
    if "expansionLoc" in b:
        b = b["expansionLoc"]
    return b.get("line", 0)


def kids(node):
    return [c for c in node.get("inner", []) if c]


def strip(e):
    while e and e.get("kind") in ("ParenExpr", "ImplicitCastExpr", "CStyleCastExpr",
                                  "ConstantExpr", "FullExpr", "ExprWithCleanups") \
            and e.get("castKind") not in ("LValueToRValue", "ArrayToPointerDecay"):
        k = kids(e)
        if not k:
            break
        e = k[0]
    return e


def constant(e):
    """The value of an integer literal condition (through casts), or None."""
    e = strip(e)
    if e and e.get("kind") == "CXXBoolLiteralExpr":
        return 1 if e.get("value") else 0
    if e and e.get("kind") == "IntegerLiteral":
        try:
            return int(e["value"])
        except ValueError:
            return None
    return None


class Function:
    """One coroutine: its graph, then the data-flow over it."""

    def __init__(self, decl, findings):
        self.decl = decl
        self.findings = findings
        self.tracked = {}  # VarDecl id -> name
        self.events = []  # node -> [event]
        self.succ = []  # node -> [(node, resume line or None)]
        self.labels = {}  # label decl id -> node
        self.resume = []  # (node, line, is start) for cases written in the header
        self.dispatch = None  # the node of the header's switch
        # (break node, continue node or None, block whose hidden loop it is, a loop the user wrote)
        self.loops = []
        self.blocks = []  # the blocks (AIO_TIMEOUT, AIO_GROUP, ...) around the statement being built
        self.gotos = []  # (position, blocks open there, label decl id) of the user's gotos
        self.label_blocks = {}  # label decl id -> blocks open at the user's label
        self.switches = []  # [switch node, user?, cases, has default, stmt]
        self.in_body = False  # inside the header's switch
        self.body_assigned = set()  # locals assigned (or address taken) there
        self.params = set()  # parameters: passed again on every call

    # -- graph building ----------------------------------------------------
    def node(self):
        self.events.append([])
        self.succ.append([])
        return len(self.events) - 1

    def edge(self, a, b, resume=None):
        if a is not None:
            self.succ[a].append((b, resume))

    def at(self, cur):
        return self.node() if cur is None else cur

    def emit(self, cur, ev):
        cur = self.at(cur)
        if self.in_body and ev[0] in ("W", "A"):
            self.body_assigned.add(ev[1])
        self.events[cur].append(ev)
        return cur

    def build(self, body):
        for p in self.decl.get("inner", []):
            if p.get("kind") == "ParmVarDecl" and "name" in p:
                self.tracked[p["id"]] = p["name"]
                self.params.add(p["id"])
        entry = self.node()
        self.entry = entry
        end = self.stmt(body, entry)
        for node, line, start in self.resume:
            if self.dispatch is not None:
                self.edge(self.dispatch, node, START if start else line)
        return end

    def stmt(self, s, cur):
        if not s:
            return cur
        k = s.get("kind")
        if k == "CompoundStmt":
            inits = []  # locals declared here with an initialiser, so far
            for c in kids(s):
                if self.in_body and inits:
                    for line in header_cases(c):
                        for d in inits:
                            self.report(user_position(d), "skipped", d.get("name", "?"), [line])
                cur = self.stmt(c, cur)
                if self.in_body and c.get("kind") == "DeclStmt":
                    inits += [d for d in kids(c) if d.get("kind") == "VarDecl" and d.get("init")
                              and d.get("storageClass") not in ("static", "extern")
                              and not d.get("tls") and not spelled_in_header(d)]
            return cur
        if k == "DeclStmt":
            for d in kids(s):
                cur = self.decl_(d, cur)
            return cur
        if k == "IfStmt":
            block = self.block_of(s)
            if block is not None:
                self.blocks.append(block)
            cur = self.if_(s, cur)
            if block is not None:
                self.blocks.pop()
            return cur
        if k == "WhileStmt":
            parts = kids(s)
            body = parts[-1]
            cond = parts[-2]
            pre = parts[:-2]
            head = self.node()
            self.edge(cur, head)
            h = head
            for p in pre:
                h = self.stmt(p, h)
            h = self.expr(cond, h)
            out = self.node()
            v = constant(cond)
            b = self.node()
            self.branch(h, v, b, out)
            self.loops.append((out, head, None, not spelled_in_header(s)))
            b = self.stmt(body, b)
            self.loops.pop()
            self.edge(b, head)
            return out
        if k == "DoStmt":
            body, cond = s["inner"][0], s["inner"][1]
            top = self.node()
            self.edge(cur, top)
            condn = self.node()
            out = self.node()
            self.loops.append((out, condn, None, not spelled_in_header(s)))
            b = self.stmt(body, top)
            self.loops.pop()
            self.edge(b, condn)
            c = self.expr(cond, condn)
            v = constant(cond)
            self.branch(c, v, top, out)
            return out
        if k == "ForStmt":
            init, var, cond, inc, body = s["inner"]
            cur = self.stmt(init, cur) if init else cur
            head = self.node()
            self.edge(cur, head)
            h = self.stmt(var, head) if var else head
            v = 1
            if cond:
                h = self.expr(cond, h)
                v = constant(cond)
            out = self.node()
            b = self.node()
            self.branch(h, v, b, out)
            incn = self.node()
            self.loops.append((out, incn, self.hidden_loop_of(s), not spelled_in_header(s)))
            b = self.stmt(body, b)
            self.loops.pop()
            self.edge(b, incn)
            i = self.expr(inc, incn) if inc else incn
            self.edge(i, head)
            return out
        if k == "CXXForRangeStmt":
            parts = kids(s)
            for p in parts[:-1]:
                cur = self.stmt(p, cur)
            head = self.node()
            self.edge(cur, head)
            out = self.node()
            self.edge(head, out)
            self.loops.append((out, head, None, not spelled_in_header(s)))
            b = self.stmt(parts[-1], head)
            self.loops.pop()
            self.edge(b, head)
            return out
        if k == "SwitchStmt":
            return self.switch_(s, cur)
        if k in ("CaseStmt", "DefaultStmt"):
            n = self.node()
            self.edge(cur, n)
            if spelled_in_header(s):
                start = False
                if k == "CaseStmt":
                    start = constant(s["inner"][0]) == 0
                self.resume.append((n, expansion_line(s), start))
                user = [sw for sw in self.switches if sw[1]]
                if user:
                    sw = user[-1]
                    self.report(user_position(sw[4]), "switch", None, [expansion_line(s)])
            elif self.switches:
                sw = self.switches[-1]
                sw[2].append(n)
                if k == "DefaultStmt":
                    sw[3] = True
            return self.stmt(s["inner"][-1], n)
        if k == "BreakStmt":
            # a bare `break` directly in a block would end it where Python's
            # leaves the loop around it: AIO_LEAVE says which is meant; and
            # AIO_LEAVE (the header's break) must act on a block
            if self.loops:
                owner = self.loops[-1][2]
                if not spelled_in_header(s):
                    if owner is not None:
                        self.report(user_position(s), "break", owner[0], [owner[1]])
                elif self.loops[-1][3]:
                    block = self.blocks[-1] if self.blocks else (None, 0)
                    self.report(user_position(s), "leave", block[0], [block[1]] if block[0] else [])
                self.edge(self.at(cur), self.loops[-1][0])
            return None
        if k == "ContinueStmt":
            for _, cont, owner, _ in reversed(self.loops):
                if cont is not None:
                    if owner is not None and not spelled_in_header(s):
                        self.report(user_position(s), "continue", owner[0], [owner[1]])
                    self.edge(self.at(cur), cont)
                    break
            return None
        if k == "ReturnStmt":
            if not spelled_in_header(s):
                block = self.blocks[-1] if self.blocks else (None, 0)
                self.report(user_position(s), "return", block[0], [block[1]] if block[0] else [])
            for c in kids(s):
                cur = self.expr(c, cur)
            return None
        if k == "GotoStmt":
            if not spelled_in_header(s):
                self.gotos.append((user_position(s), tuple(self.blocks), s["targetLabelDeclId"]))
            target = self.label(s["targetLabelDeclId"])
            self.edge(self.at(cur), target)
            return None
        if k == "LabelStmt":
            if not spelled_in_header(s):
                self.label_blocks[s["declId"]] = tuple(self.blocks)
            n = self.label(s["declId"])
            self.edge(cur, n)
            return self.stmt(s["inner"][0] if s.get("inner") else None, n)
        if k == "IndirectGotoStmt":
            cur = self.expr(s["inner"][0], cur)
            for n in list(self.labels.values()):
                self.edge(cur, n)
            return None
        if k == "NullStmt":
            return cur
        if k == "AttributedStmt":
            return self.stmt(s["inner"][-1], cur)
        if k in ("GCCAsmStmt", "MSAsmStmt"):
            for c in kids(s):
                cur = self.expr(c, cur)
            return cur
        if k.endswith("Stmt") and not k.endswith("Expr"):
            for c in kids(s):
                cur = self.stmt(c, cur)
            return cur
        return self.expr(s, cur)

    def block_of(self, s):
        """A block macro's `if` (it enters a scope or a group): (the macro's
        name as the user wrote it, its line, an identity), else None."""
        if not spelled_in_header(s):
            return None
        parts = s["inner"]
        cond = parts[(1 if s.get("hasInit") else 0) + (1 if s.get("hasVar") else 0)]
        if not calls(cond, ("aio__scope_enter", "aio__group_enter", "aio__hold_check")):
            return None
        b = begin_of(s)
        b = b.get("expansionLoc", b)
        return (macro_name(b), b.get("line", 0), s.get("id"))

    def hidden_loop_of(self, s):
        """The block whose hidden `for` this is (one a `continue` would act on)."""
        if self.blocks and spelled_in_header(s):
            parts = s["inner"]
            if parts[2] and calls(parts[2], ("aio__scope_outer", "aio__scope_inner", "aio__group_next",
                                             "aio__hold_pending", "aio__try_outer")):
                return self.blocks[-1]
        return None

    def jumps(self):
        """The user's gotos that leave a block, or jump into one."""
        for pos, at, label in self.gotos:
            there = self.label_blocks.get(label, ())
            left = [b for b in at if b not in there]
            entered = [b for b in there if b not in at]
            if left:
                self.report(pos, "goto", left[-1][0], [left[-1][1]])
            if entered:
                self.report(pos, "goto into", entered[0][0], [entered[0][1]])

    def branch(self, at, v, taken, not_taken):
        """Edges out of a condition at `at` whose value is `v` (None: not constant)."""
        if v != 0:
            self.edge(at, taken)
        if v is None or v == 0:
            self.edge(at, not_taken)

    def label(self, decl_id):
        if decl_id not in self.labels:
            self.labels[decl_id] = self.node()
        return self.labels[decl_id]

    def head_parts(self, s, cur):
        """An if's or switch's init statement and condition variable, in order:
        the flow after them, and the index of the condition among the children."""
        parts = s["inner"]
        i = 0
        for flag in ("hasInit", "hasVar"):
            if s.get(flag):
                cur = self.stmt(parts[i], cur)
                i += 1
        return parts, i, cur

    def if_(self, s, cur):
        parts, i, cur = self.head_parts(s, cur)
        cond = parts[i]
        then = parts[i + 1]
        els = parts[i + 2] if s.get("hasElse") else None
        cur = self.at(self.expr(cond, cur))
        v = constant(cond)
        t0 = self.node()
        e0 = self.node()
        self.branch(cur, v, t0, e0)
        t1 = self.stmt(then, t0)
        e1 = self.stmt(els, e0) if els else e0
        out = self.node()
        self.edge(t1, out)
        self.edge(e1, out)
        return out

    def switch_(self, s, cur):
        parts, i, cur = self.head_parts(s, cur)
        cond, body = parts[i], parts[i + 1]
        head = self.at(self.expr(cond, cur))
        header = spelled_in_header(s)
        outer = False
        if header and self.dispatch is None:
            self.dispatch = head
            self.in_body = outer = True
        out = self.node()
        sw = [head, not header, [], False, s]
        self.switches.append(sw)
        self.loops.append((out, None, None, not header))
        end = self.stmt(body, None)
        self.loops.pop()
        self.switches.pop()
        if outer:
            self.in_body = False
        self.edge(end, out)
        for n in sw[2]:
            self.edge(head, n)
        if not sw[3] and not (header and self.dispatch == head):
            self.edge(head, out)
        return out

    def decl_(self, d, cur):
        k = d.get("kind")
        if k != "VarDecl":
            return cur
        local = d.get("storageClass") not in ("static", "extern") and not d.get("tls")
        inits = [c for c in kids(d) if not c.get("kind", "").endswith("Attr")]
        if not local:
            return cur
        self.tracked[d["id"]] = d.get("name", "?")
        if not d.get("init"):
            return self.emit(cur, ("D", d["id"]))
        if inits:
            cur = self.expr(inits[-1], cur)
        return self.emit(cur, ("W", d["id"]))

    # -- expressions -------------------------------------------------------
    def var_of(self, e):
        if e and e.get("kind") == "DeclRefExpr":
            ref = e.get("referencedDecl", {})
            if ref.get("id") in self.tracked:
                return ref["id"]
        return None

    def root(self, e, extra):
        """The local an lvalue expression names (through parentheses, `.`
        and indexing into a local array), its index expressions in extra."""
        while e:
            k = e.get("kind")
            if k == "ParenExpr" or (k == "ImplicitCastExpr" and e.get("castKind") == "NoOp"):
                e = e["inner"][0]
            elif k == "MemberExpr" and not e.get("isArrow"):
                e = e["inner"][0]
            elif k == "ArraySubscriptExpr":
                a, b = e["inner"][0], e["inner"][1]
                base = None
                for x, y in ((a, b), (b, a)):
                    if x.get("kind") == "ImplicitCastExpr" and x.get("castKind") == "ArrayToPointerDecay":
                        base, idx = x["inner"][0], y
                        break
                if base is None:
                    return None, e
                extra.append(idx)
                e = base
            elif k == "DeclRefExpr":
                extra.append(e)  # last: the name itself, for its position
                return self.var_of(e), None
            else:
                return None, e
        return None, None

    def lvalue(self, e, cur, mode, in_hdr=False):
        extra = []
        var, rest = self.root(e, extra)
        if rest is not None:
            for x in extra:
                cur = self.expr(x, cur, in_hdr)
            return self.expr(rest, cur, in_hdr)
        name = extra.pop() if extra else e
        for x in extra:
            cur = self.expr(x, cur, in_hdr)
        if var is None:
            return cur
        pos = user_position(name)
        for m in mode:
            if m == "R":
                cur = self.emit(cur, ("R", var, pos))
            elif m == "W":
                cur = self.emit(cur, ("W", var))
            elif m == "A":
                cur = self.emit(cur, ("A", var, pos, in_hdr))
        return cur

    def expr(self, e, cur, in_hdr=False):
        if not e:
            return cur
        k = e.get("kind")
        if k == "ImplicitCastExpr" and e.get("castKind") == "LValueToRValue":
            return self.lvalue(e["inner"][0], cur, "R", in_hdr)
        if k == "ImplicitCastExpr" and e.get("castKind") in ("NoOp", "BitCast") and \
                CONST_POINTER.match(e.get("type", {}).get("qualType", "")):
            inner = e["inner"][0]
            if (inner.get("kind") == "ImplicitCastExpr" and
                    inner.get("castKind") == "ArrayToPointerDecay") or \
                    (inner.get("kind") == "UnaryOperator" and inner.get("opcode") == "&"):
                # handed over as a pointer to const: only read through it
                return self.lvalue(inner["inner"][0], cur, "R", in_hdr)
        if k == "ImplicitCastExpr" and e.get("castKind") == "ArrayToPointerDecay":
            return self.lvalue(e["inner"][0], cur, "A", in_hdr)
        if k == "DeclRefExpr":
            return self.lvalue(e, cur, "R", in_hdr)
        if k == "UnaryOperator":
            op = e.get("opcode")
            if op == "&":
                return self.lvalue(e["inner"][0], cur, "A", in_hdr)
            if op in ("++", "--"):
                return self.lvalue(e["inner"][0], cur, "RW", in_hdr)
            return self.expr(e["inner"][0], cur, in_hdr)
        if k == "BinaryOperator":
            op = e.get("opcode")
            a, b = e["inner"][0], e["inner"][1]
            if op == "=":
                cur = self.expr(b, cur, in_hdr)
                return self.lvalue(a, cur, "W", in_hdr)
            if op in ("&&", "||"):
                cur = self.at(self.expr(a, cur, in_hdr))
                rhs = self.node()
                out = self.node()
                self.edge(cur, rhs)
                self.edge(cur, out)
                self.edge(self.expr(b, rhs, in_hdr), out)
                return out
            cur = self.expr(a, cur, in_hdr)
            return self.expr(b, cur, in_hdr)
        if k == "CompoundAssignOperator":
            a, b = e["inner"][0], e["inner"][1]
            cur = self.expr(b, cur, in_hdr)
            return self.lvalue(a, cur, "RW", in_hdr)
        if k == "ConditionalOperator":
            c, a, b = e["inner"]
            cur = self.at(self.expr(c, cur, in_hdr))
            v = constant(c)
            na, nb, out = self.node(), self.node(), self.node()
            self.branch(cur, v, na, nb)
            self.edge(self.expr(a, na, in_hdr), out)
            self.edge(self.expr(b, nb, in_hdr), out)
            return out
        if k in ("UnaryExprOrTypeTraitExpr", "LambdaExpr", "BlockExpr", "CXXTypeidExpr",
                 "CXXNoexceptExpr", "OffsetOfExpr", "PredefinedExpr"):
            return cur
        if k == "StmtExpr":
            return self.stmt(e["inner"][0], cur)
        if k == "CallExpr" and spelled_in_header(e):
            in_hdr = True
        for c in kids(e):
            if c.get("kind", "").endswith("Stmt") and c.get("kind") != "CompoundStmt":
                cur = self.stmt(c, cur)
            else:
                cur = self.expr(c, cur, in_hdr)
        return cur

    # -- data-flow ---------------------------------------------------------
    def report(self, pos, kind, name, lines):
        """Findings at one place about one local are one: their resume
        points are merged."""
        if pos is not None:
            self.findings.setdefault((pos.key(), kind, name), set()).update(lines)

    def analyse(self):
        n = len(self.events)
        state = [None] * n
        state[self.entry] = {v: ONLY_ENTRY for v in self.tracked if v not in self.params}
        work = [self.entry]
        queued = {self.entry}
        while work:
            a = work.pop()
            queued.discard(a)
            out = self.transfer(a, state[a], False)
            for b, resume in self.succ[a]:
                s = out
                if resume == START:
                    # the first call: what came round through an unwinding
                    # (a resume point, then `goto` back to the switch) never
                    # lands at the start
                    s = {v: o & ONLY_ENTRY for v, o in out.items() if ENTRY in o}
                elif resume is not None:
                    again = frozenset([resume])
                    s = {v: again for v in out}
                    for v in self.body_assigned:
                        s[v] = again
                if state[b] is None:
                    merged = dict(s)
                else:
                    merged = dict(state[b])
                    changed = False
                    for v, o in s.items():
                        old = merged.get(v)
                        if old is None:
                            merged[v] = o
                            changed = True
                        elif not o <= old:
                            merged[v] = old | o
                            changed = True
                    if not changed:
                        continue
                state[b] = merged
                if b not in queued:
                    queued.add(b)
                    work.append(b)
        for a in range(n):
            if state[a] is not None:
                self.transfer(a, state[a], True)

    def transfer(self, a, s, report):
        s = dict(s)
        for ev in self.events[a]:
            kind, var = ev[0], ev[1]
            if kind == "W":
                s.pop(var, None)
            elif kind == "D":
                s[var] = frozenset([ENTRY])
            elif kind in ("R", "A"):
                lines = sorted(o for o in s.get(var, ()) if o != ENTRY)
                if report and lines and (kind == "R" or ev[3]):
                    self.report(ev[2], "read" if kind == "R" else "address",
                                self.tracked[var], lines)
                if kind == "A":
                    s.pop(var, None)
        return s


def find_functions(node, out):
    k = node.get("kind")
    if k in ("FunctionDecl", "CXXMethodDecl", "CXXConstructorDecl", "CXXDestructorDecl",
             "CXXConversionDecl"):
        body = [c for c in node.get("inner", []) if c.get("kind") == "CompoundStmt"]
        if body and has_header_switch(body[-1]):
            out.append((node, body[-1]))
        return
    for c in node.get("inner", []):
        if type(c) is dict and c.get("kind") in ("TranslationUnitDecl", "NamespaceDecl",
                                                 "LinkageSpecDecl", "CXXRecordDecl",
                                                 "FunctionDecl", "CXXMethodDecl",
                                                 "CXXConstructorDecl", "CXXDestructorDecl",
                                                 "CXXConversionDecl", "ExternCContextDecl",
                                                 "FunctionTemplateDecl", "ClassTemplateDecl"):
            find_functions(c, out)


def header_cases(node):
    """The await lines of the resume points (case labels written in the
    header) inside a statement."""
    lines = []
    stack = [node]
    while stack:
        o = stack.pop()
        if o.get("kind") in ("CaseStmt", "DefaultStmt") and spelled_in_header(o):
            lines.append(expansion_line(o))
        if o.get("kind") not in ("LambdaExpr", "BlockExpr"):
            stack.extend(c for c in o.get("inner", []) if c)
    return lines


def calls(node, names):
    """Whether an expression calls one of the functions named."""
    stack = [node]
    while stack:
        o = stack.pop()
        if o.get("kind") == "DeclRefExpr" and o.get("referencedDecl", {}).get("name") in names:
            return True
        stack.extend(c for c in o.get("inner", []) if c)
    return False


SOURCES = {}


def macro_name(loc):
    """The identifier written at a macro call's position (its name)."""
    path = loc.get("file", "")
    if path not in SOURCES:
        try:
            with open(path, encoding="utf-8", errors="replace") as src:
                SOURCES[path] = src.read().split("\n")
        except OSError:
            SOURCES[path] = []
    lines = SOURCES[path]
    line, col = loc.get("line", 0), loc.get("col", 0)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    m = re.match(r"[A-Za-z_][A-Za-z_0-9]*", text[col - 1:] if col else "")
    return m.group(0) if m else "block"


def has_header_switch(body):
    stack = [body]
    while stack:
        o = stack.pop()
        if o.get("kind") == "SwitchStmt" and spelled_in_header(o):
            return True
        stack.extend(c for c in o.get("inner", []) if c)
    return False


def clang_flags(path, flags):
    f = list(flags)
    cxx = path.endswith((".cpp", ".cc", ".cxx", ".C")) or "c++" in f
    if "-x" not in f and cxx:
        f = ["-x", "c++"] + f
    if not any(x.startswith("-std=") for x in f):
        f.append("-std=c++17" if cxx else "-std=c11")
    return f


SUPPRESS = "lint-coroutines: ok"


def suppressed(findings):
    """Drop the findings on a line that says `lint-coroutines: ok` (a test
    that makes the mistake on purpose)."""
    lines = {}
    keep = {}
    for key, val in findings.items():
        path, line = key[0][0], key[0][1]
        if path not in lines:
            try:
                with open(path, encoding="utf-8", errors="replace") as src:
                    lines[path] = src.read().split("\n")
            except OSError:
                lines[path] = []
        text = lines[path][line - 1] if 0 < line <= len(lines[path]) else ""
        if SUPPRESS not in text:
            keep[key] = val
    return keep


LEAVE = ("leave a block by falling off its end, by AIO_LEAVE(t, scope) directly inside it, or by "
         "AIO_RETURN, AIO_RAISE or AIO_CHECK")


def message(pos, kind, name, lines):
    lines = sorted(lines)
    block = "the %s block at line %d" % (name, lines[0]) if lines else ""
    if kind == "goto":
        what = ("the group stays open, its children are not waited for, and its end later "
                "lands after the block again" if name == "AIO_GROUP" else
                "its scope stays open, and its deadline later lands after the block again, "
                "replaying the code there")
        return "goto leaves %s without closing it: %s; %s" % (block, what, LEAVE)
    if kind == "goto into":
        return ("goto jumps into %s without entering it: the block's scope is not open "
                "there, and its end closes one that was never opened" % block)
    if kind == "continue":
        return ("continue in %s acts on the block's hidden loop: it ends the block instead of "
                "continuing the loop around it (Python's continue in `async with` goes to the "
                "loop's next round); put an if/else around the rest of the block, or "
                "AIO_LEAVE(t, scope) out of it and `continue` after it" % block)
    if kind == "break":
        return ("break in %s ends only the block (the block is a hidden loop), not the loop "
                "around it as Python's break in `async with` does; to end the block early write "
                "AIO_LEAVE(t, scope); to leave the loop around it, set a flag in the state struct, "
                "AIO_LEAVE, and after the block `if (s->flag) break;`" % block)
    if kind == "leave":
        return ("AIO_LEAVE here is inside a loop or switch of yours%s: it would end that, not the "
                "block; leave your loop first (a flag, `break`), then AIO_LEAVE directly in the "
                "block's body" % (" in " + block if block else ", in no block"))
    if kind == "return":
        return ("a plain return in a coroutine skips AIO_END and AIO_FINALLY%s; "
                "use AIO_RETURN(t, value) or AIO_RAISE(t, error)" %
                (" and leaves %s open" % block if block else ""))
    where = ("the await at line %d" % lines[0] if len(lines) == 1 else
             "the awaits at lines " + ", ".join(str(x) for x in lines))
    if kind == "switch":
        return ("the await at line %d is inside the switch at line %d: its resume point "
                "would be a case of that switch; use if/else around the await" % (lines[0], pos[1]))
    if kind == "skipped":
        at = ("the resume at line %d" % lines[0] if len(lines) == 1 else
              "the resumes at lines " + ", ".join(str(x) for x in lines))
        return ("%s is declared with an initialiser that %s jumps over: C leaves %s "
                "without a value there and C++ rejects it; declare it without one and "
                "assign it, or keep it in the task's state struct" % (name, at, name))
    if kind == "read":
        return ("%s is read after %s without being assigned again; "
                "keep it in the task's state struct" % (name, where))
    return ("the address of the local %s is used again when resuming at %s: the "
            "library keeps that pointer while the task is suspended, but a local does "
            "not survive an await; keep %s in the task's state struct" % (name, where, name))


def describe(kind, name, lines):
    """A finding as an `expect:` comment writes it."""
    lines = ",".join(str(x) for x in sorted(lines))
    if kind == "switch":
        return "switch around %s" % lines
    if kind == "skipped":
        return "init %s skipped by %s" % (name, lines)
    if kind in ("goto", "goto into", "continue", "break", "return", "leave"):
        word = {"goto": "goto out of", "goto into": "goto into"}.get(kind, kind + " in")
        return "%s %s at %s" % (word, name, lines) if name else kind
    return "%s%s after %s" % ("&" if kind == "address" else "", name, lines)


INSTALL = ("On Debian or Ubuntu: apt-get install clang (any clang 9 or later; Debian 12's is\n"
           "clang-14), or set CLANG to one you have: make lint-coroutines CLANG=clang-15.\n"
           "Only the clang compiler is needed: the checker reads its syntax tree as JSON and\n"
           "does not use libclang's Python bindings (python3-clang).")


def clang_problem(clang):
    """Why `clang` cannot parse for the checker, or None: not installed,
    older than 9 (no -ast-dump=json), or without its own headers."""
    if shutil.which(clang) is None:
        return "coroutines.py: %s is not installed (or not on PATH); the checker runs clang's parser.\n%s" % \
            (clang, INSTALL)
    try:
        v = subprocess.run([clang, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as err:
        return "coroutines.py: %s does not run (%s).\n%s" % (clang, err, INSTALL)
    m = re.search(r"clang version (\d+)", v.stdout.decode(errors="replace"))
    if v.returncode != 0 or not m:
        return "coroutines.py: %s --version does not say it is clang.\n%s" % (clang, INSTALL)
    if int(m.group(1)) < 9:
        return "coroutines.py: %s is clang %s; the checker needs clang 9 or later (-ast-dump=json).\n%s" % \
            (clang, m.group(1), INSTALL)
    return None


def missing_headers_hint(stderr, clang):
    """A hint when clang lacks its own headers (stddef.h, stdarg.h ...)."""
    m = re.search(r"'(stddef|stdarg|stdbool|stdint|limits|float)\.h' file not found", stderr)
    if not m:
        return ""
    v = subprocess.run([clang, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    major = re.search(r"clang version (\d+)", v.stdout.decode(errors="replace"))
    pkg = "libclang-common-%s-dev" % major.group(1) if major else "libclang-common-NN-dev (NN: your clang's version)"
    return ("\n%s.h comes with clang itself or with the C library: on Debian or Ubuntu,"
            " apt-get install %s libc6-dev" % (m.group(1), pkg))


TOP_DECL = b"\n    {\n"  # a declaration of the translation unit's top level, as clang indents it
STRING = json.JSONDecoder()


def last_state(dump, lo, hi, state):
    """The file and line that dump[lo:hi] printed last (state where it printed none):
    a location's "file" follows its "offset" ("includedFrom" has one too)."""
    k = dump.rfind(b'"line": ', lo, hi)
    if k >= 0:
        state[1] = int(re.match(rb"\d+", dump[k + 8:k + 30]).group(0))
    while True:
        k = dump.rfind(b'"file": "', lo, hi)
        if k < 0:
            return state
        before = dump.rfind(b"\n", 0, dump.rfind(b"\n", 0, k))
        if dump[before:k].strip().startswith(b'"offset": '):
            state[0] = STRING.raw_decode(dump[k + 8:k + 8 + 8192].decode("utf-8", "replace"))[0]
            return state
        hi = k


def switch_decls(dump):
    """The top-level declarations of clang's JSON dump that hold a switch, each
    parsed with the file and line printed last before it. Only a function with
    a switch can be a coroutine; the rest of a translation unit (the system's
    headers, the header's declarations) is most of its 100-odd MB of JSON, and
    reading it all took most of a file's time. A dump not indented that way
    is read whole."""
    if dump.find(TOP_DECL) < 0:
        return [(json.loads(dump[:]), None)]
    out = []
    pos = 0
    state = ["", 0]
    while True:
        k = dump.find(b'"kind": "SwitchStmt"', pos)
        if k < 0:
            return out
        start = dump.rfind(TOP_DECL, 0, k) + 1
        end = dump.find(TOP_DECL, k)
        if end < 0:
            end = dump.rfind(b"\n  ]")
        state = last_state(dump, pos, start, state)
        out.append((json.loads(dump[start:end].rstrip().rstrip(b",")), list(state)))
        state = last_state(dump, start, end, state)
        pos = end


def check_file(path, flags, clang):
    cmd = [clang, "-fsyntax-only", "-Wno-everything"] + clang_flags(path, flags) + \
          ["-Xclang", "-ast-dump=json", path]
    funcs = []
    # (through a file, mapped: half the time of a pipe for a dump of 500 MB)
    with tempfile.TemporaryFile() as dump:
        p = subprocess.run(cmd, stdout=dump, stderr=subprocess.PIPE)
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace")
            raise RuntimeError("%s does not compile:\n%s%s" % (path, err, missing_headers_hint(err, clang)))
        if os.fstat(dump.fileno()).st_size == 0:
            raise RuntimeError("%s: clang printed no syntax tree" % path)
        with mmap.mmap(dump.fileno(), 0, access=mmap.ACCESS_READ) as text:
            for decl, state in switch_decls(text):
                fill_locations(decl, state)
                find_functions({"kind": "TranslationUnitDecl", "inner": [decl]}, funcs)
    findings = {}
    for decl, body in funcs:
        fn = Function(decl, findings)
        fn.build(body)
        fn.jumps()
        fn.analyse()
    return suppressed(findings)


EXPECT = re.compile(r"expect:\s*([^*]*?)\s*(?:\*/|$)")


def expectations(path):
    """`expect: i after 12; switch around 15` on a line: the findings there."""
    want = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = EXPECT.search(line)
            if not m:
                continue
            for item in m.group(1).split(";"):
                words = item.split()
                if not words:
                    continue
                want.append((n, " ".join(words)))
    return sorted(want)


def main(argv):
    clang = os.environ.get("CLANG", "clang")
    flags, files, expect = [], [], False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--expect":
            expect = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a in ("-I", "-D", "-U", "-x", "-include"):
            flags += [a, argv[i + 1]]
            i += 1
        elif a.startswith("-"):
            flags.append(a)
        else:
            files.append(a)
        i += 1
    if not files:
        print("usage: coroutines.py [-I DIR] [-D NAME] [-std=...] [--expect] FILE...", file=sys.stderr)
        return 2
    problem = clang_problem(clang)
    if problem:
        print(problem, file=sys.stderr)
        return 3
    status = 0
    seen = set()
    # The files are read side by side, one per processor; the findings are told in
    # the order the files were given.
    jobs = int(os.environ.get("COROUTINES_JOBS", "0")) or os.cpu_count() or 1
    if jobs > 1 and len(files) > 1:
        import concurrent.futures
        pool = concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(files)))
        futures = [pool.submit(check_file, path, flags, clang) for path in files]
    else:
        pool, futures = None, None
    for k, path in enumerate(files):
        try:
            found = futures[k].result() if futures else check_file(path, flags, clang)
        except (RuntimeError, OSError) as err:
            print("coroutines.py: %s" % err, file=sys.stderr)
            status = 2
            continue
        if expect:
            got = sorted((pos[1], describe(kind, name, lines))
                         for (pos, kind, name), lines in found.items()
                         if os.path.abspath(pos[0]) == os.path.abspath(path))
            want = expectations(path)
            if got == want:
                print("ok %s (%d finding%s, as expected)" % (path, len(got), "" if len(got) == 1 else "s"))
            else:
                status = max(status, 1)
                print("FAILED %s" % path)
                for x in want:
                    if x not in got:
                        print("    missing: line %d: %s" % x)
                for x in got:
                    if x not in want:
                        print("    extra:   line %d: %s" % x)
            continue
        for (pos, kind, name), lines in sorted(found.items(), key=lambda x: (x[0][0], x[0][1], x[0][2] or "")):
            msg = message(pos, kind, name, lines)
            if (pos, msg) in seen:  # from a header both files include
                continue
            seen.add((pos, msg))
            print("%s:%d:%d: %s" % (pos[0], pos[1], pos[2], msg))
            status = max(status, 1)
    if pool:
        pool.shutdown()
    if not expect and status == 0:  # (silence would not say what passed)
        print("coroutines.py: %d file%s checked, nothing found (a local read after an await, a break, "
              "continue, goto or AIO_LEAVE that misses its block, a plain return: tests/lint/README.md)"
              % (len(files), "" if len(files) == 1 else "s"))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
