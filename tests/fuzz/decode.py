#!/usr/bin/env python3
"""Print a schedule-fuzzer input as a readable program (tests/fuzz/README.md)."""
import sys

OPS = ["sleep", "yield", "timeout", "timeout_at", "shielded", "group", "wait_for_call",
       "spawn", "group_spawn", "await", "wait_for", "shield", "wait", "gather",
       "event_wait", "event_set", "event_clear", "cancel", "lock", "unlock",
       "sem_acquire", "sem_release", "return", "raise", "busy", "reschedule", "group_cancel",
       "cond_wait", "cond_notify"]
DRIVER = ["step", "advance", "settle", "isr_event_set", "cancel", "spawn", "group_cancel",
          "reschedule", "next"]
BLOCKS = {"timeout", "timeout_at", "shielded", "group", "wait_for_call"}


def dur(x):
    v = x & 31
    return "never" if v == 31 else f"{v % 12}ms"


def show_program(prog, indent, depth):
    i = 0
    while i + 3 <= len(prog):
        op, a, b = OPS[prog[i] % len(OPS)], prog[i + 1], prog[i + 2]
        i += 3
        if op in BLOCKS:
            blen = min((b % 6) * 3, len(prog) - i)
            arg = {"timeout": dur(a), "wait_for_call": dur(a), "shielded": f"{(a & 31) % 12}ms",
                   "timeout_at": "never" if a & 1 else f"now+{(a & 31) % 12}ms"}.get(op, "")
            print(f"{indent}{op} {arg} {{" + (" (too deep: skipped)" if depth + 1 >= 4 else ""))
            show_program(prog[i:i + blen], indent + "    ", depth + 1)
            print(f"{indent}}}")
            i += blen
        else:
            print(f"{indent}{op} a={a} (slot {a % 8}, {dur(a)}) b={b} ({dur(b)})")


def main():
    data = open(sys.argv[1], "rb").read()
    if not data:
        return
    print(f"flags: exact={data[0] & 1}")
    chunks = data[1:].split(b"\xff")
    drv = chunks[0]
    print("driver:", ", ".join(f"{DRIVER[drv[i] % len(DRIVER)]}({drv[i + 1]})"
                               for i in range(0, len(drv) - 1, 2)))
    for n, c in enumerate(chunks[1:9]):
        if not c:
            continue
        print(f"task {n}: cleanup cfg={c[0]} ({'yield' if c[0] & 8 else 'sleep'} {c[0] & 7}ms)")
        show_program(c[1:], "    ", 0)


if __name__ == "__main__":
    main()
