#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print a schedule-fuzzer input as a readable program (tests/fuzz/README.md)."""
import sys

OPS = ["sleep", "yield", "timeout", "timeout_at", "shielded", "group", "wait_for_call",
       "spawn", "group_spawn", "await", "wait_for", "shield", "wait", "gather",
       "event_wait", "event_set", "event_clear", "cancel", "lock", "unlock",
       "sem_acquire", "sem_release", "return", "raise", "busy", "reschedule", "group_cancel",
       "cond_wait", "cond_notify", "cond_wait_for", "cond_set", "call", "break", "plain_return"]
# the first nine in every mode; the fault mode adds the rest
DRIVER = ["step", "advance", "settle", "isr_event_set", "cancel", "spawn", "group_cancel",
          "reschedule", "next", "grow", "reloop"]
BASIC_DRIVER = 9
BLOCKS = {"timeout", "timeout_at", "shielded", "group", "wait_for_call", "call"}
DEPTH = 6  # levels of a task (fuzz_schedule.c): a block at level DEPTH - 1 is skipped
HOOKS = ["none", "refuses", "grows", "pattern"]

# byte 0
EXACT, FAULT, TWO_LOOPS = 1, 2, 4


def flags_byte(exact=False, fault=False, two_loops=False, slots=0, hook="none"):
    """Byte 0 of an input (the fault mode's settings are ignored without it)."""
    return ((EXACT if exact else 0) | (FAULT if fault else 0) | (TWO_LOOPS if two_loops else 0) |
            (slots & 3) << 3 | HOOKS.index(hook) << 5)


def command_byte(name, fault=False, loop=0):
    """The first byte of a driver command: its number, plus which loop with two loops."""
    return DRIVER.index(name) + (len(DRIVER) if fault else BASIC_DRIVER) * loop


FAULT_MODE = False  # set by main(): durations 24..31 mean "never" in the fault mode


def dur(x):
    v = x & 31
    return "never" if v >= (24 if FAULT_MODE else 31) else f"{v % 12}ms"


def show_program(prog, indent, depth):
    i = 0
    while i + 3 <= len(prog):
        op, a, b = OPS[prog[i] % len(OPS)], prog[i + 1], prog[i + 2]
        i += 3
        if op in BLOCKS:
            blen = min((b % 6) * 3, len(prog) - i)
            arg = {"timeout": dur(a), "wait_for_call": dur(a), "shielded": f"{(a & 31) % 12}ms",
                   "timeout_at": "never" if a & 1 else f"now+{(a & 31) % 12}ms"}.get(op, "")
            if op == "group":
                arg = "(raise its error after)" if b & 64 else ""
            if op == "call":
                arg = "(errors caught)" if b & 64 else "(errors raised)"
            print(f"{indent}{op} {arg} {{" + (" (too deep: skipped)" if depth + 1 >= DEPTH else ""))
            if op == "call":
                k = min(a % 4, blen // 3)
                show_program(prog[i:i + blen - 3 * k], indent + "    ", depth + 1)
                if k:
                    print(f"{indent}}} finally {{")
                    show_program(prog[i + blen - 3 * k:i + blen], indent + "    ", depth + 1)
            else:
                show_program(prog[i:i + blen], indent + "    ", depth + 1)
            print(f"{indent}}}")
            i += blen
        elif op in ("break", "yield", "plain_return"):
            print(f"{indent}{op}")
        else:
            print(f"{indent}{op} a={a} (slot {a % 8}, {dur(a)}) b={b} ({dur(b)})")


def show_command(c, a, fault, loops):
    count = len(DRIVER) if fault else BASIC_DRIVER
    name = DRIVER[c % count]
    where = f"loop {(c // count) & 1}: " if loops > 1 else ""
    if name == "grow":
        mode = HOOKS[a & 3]
        return f"{where}grow({mode}" + (f" {a >> 2:06b}" if mode == "pattern" else "") + ")"
    if name == "reloop":
        return f"{where}reloop({'run out, ' if a & 8 else ''}new main task {a & 7})"
    if name == "isr_event_set":
        return f"{where}isr_event_set(event {a % 2})"
    if name in ("cancel", "spawn", "group_cancel"):
        return f"{where}{name}(task {a % 8})"
    if name == "reschedule":
        return f"{where}reschedule(task {a % 8} to {dur(a >> 3)})"
    return f"{where}{name}({a})"


def main():
    data = open(sys.argv[1], "rb").read()
    if not data:
        return
    global FAULT_MODE
    f = data[0]
    fault = FAULT_MODE = bool(f & FAULT)
    loops = 2 if fault and f & TWO_LOOPS else 1
    line = f"flags: exact={f & EXACT} fault={int(fault)}"
    if fault:
        line += f" loops={loops} timer slots={(f >> 3) & 3} growth hook={HOOKS[(f >> 5) & 3]}"
    print(line)
    chunks = data[1:].split(b"\xff")
    drv = chunks[0]
    print("driver:", ", ".join(show_command(drv[i], drv[i + 1], fault, loops)
                               for i in range(0, len(drv) - 1, 2)))
    for n, c in enumerate(chunks[1:9]):
        if not c:
            continue
        prog = c[1:]
        prog = prog[:len(prog) - len(prog) % 3]
        k = min((c[0] >> 4) & 7 if c[0] & 0x80 else 0, len(prog) // 3)
        body, cleanup = prog[:len(prog) - 3 * k], prog[len(prog) - 3 * k:]
        print(f"task {n}: cleanup cfg={c[0]} ({k} operations, then "
              f"{'yield' if c[0] & 8 else 'sleep'} {c[0] & 7}ms)")
        show_program(body, "    ", 0)
        if cleanup:
            print("  finally:")
            show_program(cleanup, "    ", 0)


if __name__ == "__main__":
    main()
