#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the seed corpus of the schedule fuzzer (tests/fuzz/corpus/).

Each seed is a small program in the fuzzer's input format (README.md here)
that exercises one feature, so fuzzing starts from schedules that already
reach every primitive. Run it again after changing the format:
    python3 tests/fuzz/seeds.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from decode import DRIVER, OPS, command_byte, flags_byte  # the one list of operations and commands

NEVER = 31


def op(name, a=0, b=0):
    return bytes([OPS.index(name), a & 0xFF, b & 0xFF])


def length_byte(n, bit6=False):
    """A block's `b`: its body is the next b % 6 operations; bit 6 is a flag
    (a group raises its error after the block, a call's error is caught)."""
    return 64 + (n - 4) % 6 if bit6 else n


def block(name, arg, *body, flags=0):
    """A block op; its body is the operations that follow it (at most 5,
    counting a nested block's own body). flags=64: a group raises its error."""
    inner = b"".join(body)
    assert len(inner) % 3 == 0 and len(inner) // 3 <= 5
    return bytes([OPS.index(name), arg & 0xFF, length_byte(len(inner) // 3, flags == 64)]) + inner


def task(*ops, cleanup=0, finally_=()):
    """A task's program: its operations, then the operations of its cleanup
    section (finally_, at most 7) before the cleanup's sleep or yield."""
    fin = b"".join(finally_)
    assert len(fin) // 3 <= 7 and cleanup < 16
    return bytes([cleanup | (0x80 | len(fin) // 3 << 4 if fin else 0)]) + b"".join(ops) + fin


def call(*body, finally_=(), catch=False):
    """An inline coroutine (AIO_CALL) running body, then finally_ (at most 3
    operations, a block's body counted) in its own cleanup section; catch: its
    error is not raised."""
    fin = b"".join(finally_)
    inner = b"".join(body) + fin
    assert len(fin) // 3 <= 3 and len(inner) // 3 <= 5
    return bytes([OPS.index("call"), len(fin) // 3, length_byte(len(inner) // 3, catch)]) + inner


def driver(*cmds, fault=False):
    """Commands (name, a) or, with two loops, (name, a, loop)."""
    return b"".join(bytes([command_byte(c[0], fault, c[2] if len(c) > 2 else 0), c[1] & 0xFF])
                    for c in cmds)


def program(drv, tasks, exact=True, **fault):
    """An input; keyword arguments (two_loops, slots, hook) select the fault mode."""
    assert all(0xFF not in t for t in tasks) and 0xFF not in drv
    return bytes([flags_byte(exact=exact, fault=bool(fault), **fault)]) + drv + \
        b"".join(b"\xff" + t for t in tasks)


def fault_driver(*cmds):
    return driver(*cmds, fault=True)


def grow(mode, pattern=0):
    return ("grow", ["none", "refuses", "grows", "pattern"].index(mode) | pattern << 2)


def reloop(new_main, run_out=True):
    return ("reloop", new_main | (8 if run_out else 0))


SEEDS = {
    # async with timeout(3ms): await sleep(5ms) -> the block times out
    "timeout-cuts-sleep": program(b"", [task(block("timeout", 3, op("sleep", 5)), op("sleep", 1))]),
    # nested blocks, the outer one expiring first; cleanup that sleeps
    "nested-timeouts": program(b"", [task(block("timeout", 4, block("timeout", 9, op("sleep", 8)),
                                                 op("sleep", 8)), cleanup=2)]),
    # wait_for on an owned child that outlives the timeout (child cleans up)
    "wait-for-owned-child": program(b"", [task(op("spawn", 1), op("wait_for", 1, 2)),
                                          task(op("sleep", 9), cleanup=3)]),
    # await a task spawned by someone else; cancel the awaiter from outside
    "await-shared-then-cancel": program(driver(("spawn", 1), ("step", 0), ("cancel", 0), ("settle", 0)),
                                        [task(op("await", 1)), task(op("sleep", 6))]),
    # shield: the caller is cancelled, the child keeps running
    "shield-child": program(driver(("step", 0), ("step", 0), ("cancel", 0), ("settle", 0)),
                            [task(op("spawn", 1), op("shield", 1)), task(op("sleep", 4))]),
    # gather with one child failing, another sleeping
    "gather-failure": program(b"", [task(op("spawn", 1), op("spawn", 2), op("gather", 0b110, 0)),
                                    task(op("sleep", 2), op("raise", 1)), task(op("sleep", 7))]),
    # wait(FIRST_COMPLETED) with a timeout, then gather(return_exceptions)
    "wait-modes": program(b"", [task(op("spawn", 1), op("spawn", 2), op("wait", 0b110, 5),
                                     op("gather", 0b110, 128)),
                                task(op("sleep", 3)), task(op("sleep", 8), op("raise", 0))]),
    # a task group whose child fails: the body and the other child are cancelled
    "group-child-fails": program(b"", [task(block("group", 0, op("group_spawn", 1), op("group_spawn", 2),
                                                   op("sleep", 9)), op("yield")),
                                       task(op("sleep", 3), op("raise", 2)),
                                       task(op("sleep", 10), cleanup=1)]),
    # a group cancelled from outside while its children wait on an event
    "group-cancelled-from-outside": program(driver(("step", 0), ("step", 0), ("group_cancel", 0), ("settle", 0)),
                                            [task(block("group", 0, op("group_spawn", 1), op("event_wait", 0, NEVER))),
                                             task(op("event_wait", 0, NEVER))]),
    # event set by a simulated interrupt between steps
    "event-from-interrupt": program(driver(("step", 0), ("isr_event_set", 1), ("settle", 0)),
                                    [task(op("spawn", 1), op("event_wait", 1, NEVER)), task(op("event_wait", 1, 7))]),
    # lock contention with a timeout and a cancel
    "lock-contention": program(driver(("step", 0), ("step", 0), ("cancel", 2), ("settle", 0)),
                               [task(op("lock"), op("spawn", 1), op("spawn", 2), op("sleep", 4), op("unlock")),
                                task(op("lock", 0, 2)), task(op("lock", 0, NEVER))]),
    # semaphore with two permits and three takers
    "semaphore": program(b"", [task(op("spawn", 1), op("spawn", 2), op("sem_acquire"), op("sleep", 3),
                                    op("sem_release")),
                               task(op("sem_acquire"), op("sleep", 2)), task(op("sem_acquire", 0, 6))]),
    # condition: wait, notify, and a cancel while taking the lock back
    "condition": program(driver(("step", 0), ("spawn", 1), ("step", 0), ("step", 0), ("cancel", 1), ("settle", 0)),
                         [task(op("lock"), op("cond_wait", 0, 9), op("unlock")),
                          task(op("lock"), op("cond_notify", 1), op("yield"), op("unlock"))]),
    # reschedule a block from another task; return from inside a block
    "reschedule-and-return": program(driver(("step", 0), ("reschedule", 0 | (2 << 3)), ("settle", 0)),
                                     [task(block("timeout", 9, op("sleep", 6), op("return", 7))),
                                      task()]),
    # a shielded block holds an outer cancel back until it ends
    "shielded-block": program(driver(("step", 0), ("cancel", 0), ("settle", 0)),
                              [task(block("shielded", 5, op("sleep", 3), op("yield")), op("sleep", 1), cleanup=1)]),
    # wait_for around an inline call that times out
    "wait-for-call": program(b"", [task(block("wait_for_call", 2, op("sleep", 5)), op("sleep", 1))]),
    # cancel before the first step: the body never runs
    "cancel-before-start": program(driver(("spawn", 3), ("cancel", 3), ("settle", 0)), [task(), task(), task(),
                                                                                         task(op("sleep", 1))]),
    # a task cancels itself and returns without another checkpoint
    "cancel-self-at-end": program(b"", [task(op("cancel", 0), op("return", 3), cleanup=0)]),
    # time moved by busy work and by the driver past deadlines (inexact clock)
    "busy-clock": program(driver(("advance", 7), ("step", 0), ("advance", 3)),
                          [task(block("timeout", 2, op("busy", 5), op("yield")), op("sleep", 4))], exact=False),

    # The fault mode. No timer slot and no growth hook: the sleep raises
    # AIO_ENOSPC in its task, whose awaiter gets that as the result.
    "fault-no-timer-slot": program(b"", [task(op("spawn", 1), op("await", 1), op("sleep", 2)),
                                         task(op("sleep", 3), cleanup=1)], slots=0, hook="none"),
    # one slot, a hook that refuses its first call and grows at the second
    "fault-growth-refused-then-granted": program(
        fault_driver(grow("pattern", 0b000001), ("step", 0), ("step", 0), ("settle", 0)),
        [task(op("spawn", 1), op("spawn", 2), op("sleep", 4)), task(op("sleep", 5)), task(op("sleep", 6))],
        slots=1, hook="none"),
    # a block without a deadline gets one from the driver while no slot is
    # free: its task, waiting on an event, wakes and raises AIO_ENOSPC
    "fault-reschedule-never-while-full": program(
        fault_driver(("step", 0), ("reschedule", 0 | 3 << 3), ("settle", 0)),
        [task(block("timeout", NEVER, op("event_wait", 0, NEVER)), op("yield"), cleanup=8 | 1)],
        slots=0, hook="none"),
    # the loop refuses to close while a task lives, closes once it has run
    # out, and serves a second program with the same event
    "fault-loop-destroyed-and-initialised-again": program(
        fault_driver(reloop(1, run_out=False), ("step", 0), reloop(1), ("step", 0), ("isr_event_set", 0),
                     ("settle", 0)),
        [task(op("sleep", 2), op("event_set", 0)), task(op("event_clear", 0), op("event_wait", 0, NEVER))],
        slots=2, hook="grows"),
    # two loops stepped in turn, each with its own tasks and timers
    "fault-two-loops": program(
        fault_driver(("next", 0), ("spawn", 5), ("next", 0), ("step", 0, 1), ("settle", 0, 1), ("settle", 0)),
        [task(op("spawn", 1), block("timeout", 3, op("await", 1)), op("sleep", 1)), task(op("sleep", 5)),
         task(), task(), task(), task(op("sleep", 2), op("lock"), op("unlock")), task(),
         task(op("sem_acquire"), op("sleep", 4), op("sem_release"))],
        two_loops=True, slots=3, hook="refuses"),

    # AIO_COND_WAIT_FOR: the predicate (the loop's flag) set under the lock
    # and notified before the deadline; then one whose predicate stays false
    # until its deadline
    "cond-wait-for-notified": program(
        driver(("step", 0), ("spawn", 1), ("settle", 0)),
        [task(op("lock"), op("cond_wait_for", 0, 9), op("unlock")),
         task(op("sleep", 2), op("lock"), op("cond_set", 1 | 4), op("unlock"))]),
    "cond-wait-for-times-out": program(
        driver(("step", 0), ("spawn", 1), ("settle", 0)),
        [task(op("lock"), op("cond_wait_for", 0, 4), op("unlock")),
         task(op("lock"), op("cond_set", 0 | 4), op("unlock"), op("sleep", 6), op("lock"),
              op("cond_set", 1 | 8), op("unlock"))]),
    # a predicate that holds already: AIO_COND_WAIT_FOR does not wait, so a
    # pending cancel is not delivered there (Condition.wait_for)
    "cond-wait-for-predicate-true-no-checkpoint": program(
        b"", [task(op("lock"), op("cancel", 0), op("cond_set", 1), op("cond_wait_for", 0, 0), op("unlock"))]),
    # notified just before its deadline, it runs only after it (the notifier
    # works on the CPU past it): taking the lock back, the predicate still
    # false, it must time out instead of waiting with no deadline
    "cond-wait-for-notified-then-deadline-passes": program(
        driver(("step", 0), ("spawn", 1), ("settle", 0)),
        [task(op("lock"), op("cond_wait_for", 0, 5), op("unlock")),
         task(op("sleep", 1), op("lock"), op("sleep", 3), op("cond_set", 0 | 4), op("busy", 3),
              op("unlock"))], exact=False),
    # two condition waiters; the first is notified, then cancelled while it
    # takes the lock back: the notification goes on to the second
    "condition-notified-waiter-cancelled-passes-it-on": program(
        driver(("spawn", 1), ("spawn", 2), ("step", 0), ("step", 0), ("advance", 1), ("step", 0),
               ("cancel", 0), ("settle", 0)),
        [task(op("lock"), op("cond_wait", 0, NEVER), op("unlock")),
         task(op("lock"), op("cond_wait", 0, NEVER), op("unlock")),
         task(op("sleep", 1), op("lock"), op("cond_notify", 1), op("sleep", 3), op("unlock"))]),
    # AIO_WAIT_FOR_CALL entered with a cancel pending: its callee still
    # starts (and is cancelled at its first await)
    "wait-for-call-starts-with-cancel-pending": program(
        b"", [task(op("cancel", 0), block("wait_for_call", 5, op("sleep", 1)), op("sleep", 1))]),
    # wait_for(child, 0) in a block while the one timer slot is taken: the
    # owner cancels its child and waits for its cleanup (CPU work between two
    # yields), with no slot for the block's deadline, before it unwinds
    "fault-zero-wait-for-waits-for-cleanup-storage-full": program(
        driver(("spawn", 2), ("step", 0), ("settle", 0)),
        [task(block("timeout", 5, op("spawn", 1), op("yield"), op("wait_for", 1, 0)), op("yield")),
         task(op("event_wait", 0, NEVER), finally_=(op("yield"), op("busy", 10), op("yield"))),
         task(op("sleep", 9))], exact=False, slots=1, hook="none"),
    # cleanup sections that await anything: a group whose children must run
    # although the cancellation being handled is the task's
    "cleanup-opens-group": program(
        driver(("step", 0), ("cancel", 0), ("settle", 0)),
        [task(op("sleep", 5),
              finally_=(block("group", 0, op("group_spawn", 1), op("sleep", 1)), op("yield"))),
         task(op("sleep", 2), op("yield"), cleanup=1)]),
    # a cleanup that spawns, gathers, waits, times out and awaits
    "cleanup-gathers-and-waits": program(
        driver(("step", 0), ("cancel", 0), ("settle", 0)),
        [task(op("event_wait", 0, NEVER),
              finally_=(op("spawn", 1), op("spawn", 2), op("gather", 0b110, 0), op("wait", 0b110, 3),
                        block("timeout", 2, op("sleep", 5)), op("wait_for", 2, 1))),
         task(op("sleep", 1)), task(op("sleep", 3), op("raise", 0))]),
    # an inline coroutine with its own cleanup inside a timeout that expires:
    # the cleanup's group runs its child
    "call-cleanup-in-expired-timeout": program(
        b"",
        [task(block("timeout", 2, call(op("sleep", 6),
                                        finally_=(block("group", 0, op("group_spawn", 1)), op("sleep", 1)))),
              op("sleep", 1)),
         task(op("sleep", 2))]),
    # a group child's cleanup opens a group of its own after its group failed
    "group-child-cleanup-opens-group": program(
        b"",
        [task(block("group", 0, op("group_spawn", 1), op("sleep", 1), op("raise", 0))),
         task(op("sleep", 9), finally_=(block("group", 0, op("group_spawn", 2)),)),
         task(op("sleep", 2), op("yield"))]),
    # scopes and groups used again: after a break, after a return from an
    # inline coroutine, after a cancellation (the deadline)
    "reused-scopes-and-groups": program(
        b"",
        [task(block("timeout", 9, op("sleep", 1), op("break"), op("sleep", 9)),
              block("timeout", 3, op("sleep", 5)),
              block("timeout", 4, op("sleep", 1)),
              block("group", 0, op("group_spawn", 1), op("break"), op("sleep", 9)),
              block("group", 0, op("group_spawn", 2), op("sleep", 1)),
              call(block("shielded", 5, op("return", 1), op("sleep", 9))),
              call(block("shielded", 5, op("sleep", 1))),
              op("sleep", 1)),
         task(op("sleep", 2)), task(op("yield"), op("sleep", 1))]),
    # misuse the library survives: a group left by a plain `return` (in an
    # inline coroutine) while its child runs is closed and its child
    # cancelled; entered again, it is refused while that child lives, and
    # starts clean once it has ended
    "group-left-by-plain-return-entered-again": program(
        b"", [task(call(block("group", 0, op("group_spawn", 1), op("plain_return")), catch=True),
                   call(block("group", 0, op("group_spawn", 2), op("sleep", 1)), catch=True),
                   op("sleep", 9)),
              task(op("sleep", 5), cleanup=2), task(op("sleep", 1))]),
    "group-left-by-plain-return-entered-after-its-child-ended": program(
        b"", [task(call(block("group", 0, op("group_spawn", 1), op("plain_return")), catch=True),
                   op("sleep", 9),
                   call(block("group", 0, op("group_spawn", 2), op("sleep", 1)), catch=True),
                   op("sleep", 1)),
              task(op("sleep", 5), cleanup=2), task(op("sleep", 1))]),
    # four tasks, blocks four deep, eight to twenty operations each
    "deep-four-tasks": program(
        driver(("step", 0), ("step", 0), ("cancel", 2), ("advance", 3), ("step", 0), ("settle", 0)),
        [task(op("spawn", 1), op("spawn", 2), op("spawn", 3),
              block("timeout", 9, block("group", 0, block("shielded", 4, block("timeout", 2,
                                                                             op("group_spawn", 1),
                                                                             op("sleep", 3))))),
              op("yield"), op("lock"), op("sleep", 1), op("unlock"), op("gather", 0b1110, 128),
              op("sleep", 2), cleanup=1, finally_=(block("group", 0, op("group_spawn", 3)), op("yield"))),
         task(op("sleep", 1), op("event_wait", 0, 5), op("sem_acquire"), op("yield"), op("sem_release"),
              op("sleep", 2), op("yield"), op("sleep", 1), op("event_set", 1)),
         task(block("timeout", 6, block("timeout_at", 8, block("wait_for_call", 5, block("timeout", 3,
                                                                                    op("sleep", 4),
                                                                                    op("yield"))))),
              op("event_set", 0), op("sleep", 1), op("yield"), op("sleep", 2), op("event_wait", 1, 7),
              op("yield"), op("sleep", 1)),
         task(op("sem_acquire"), op("sleep", 1), op("sem_release"), op("yield"), op("sleep", 3),
              op("event_wait", 0, 2), op("yield"), op("sleep", 1), cleanup=8 | 1)]),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds written")


main()
