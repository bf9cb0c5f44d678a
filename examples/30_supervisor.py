# SPDX-License-Identifier: MIT
"""Example 30: a supervisor that follows a child's output and starts it again.

The Python original of 30_supervisor.c (not from the tutorials: asyncio's
create_subprocess_exec and add_signal_handler, with the tutorials' timeouts):
  - the child is started with its output on a pipe, and each line it writes is
    printed as it comes (readline in wait_for);
  - when it exits, or writes nothing for 3 s (then it is terminated), its
    status is printed and it is started again;
  - Ctrl-C (SIGINT) cancels the main task (loop.add_signal_handler(SIGINT,
    task.cancel)); its cleanup terminates the child and waits for it, and the
    program exits with status 0.
Adaptations: the child is a shell script that behaves by its run's number (run 1
exits with status 3, run 2 goes silent, run 3 says "serving" and waits);
tests/checks/examples.sh sends SIGINT once run 3 said it serves. Real processes on
the real clock; no timings on the lines. POSIX only (sh).
Run: python3 30_supervisor.py   (then Ctrl-C)
"""
import asyncio
import signal

SILENCE = 3  # seconds a child may say nothing before it is stopped
CHILD = ["sh", "-c", """case $1 in
    1) echo starting; sleep 0.2; echo failing; exit 3 ;;
    2) echo starting; exec sleep 60 ;;
    *) echo starting; sleep 0.2; echo serving; exec sleep 60 ;;
    esac""", "sh"]


async def follow(run):
    proc = await asyncio.create_subprocess_exec(*CHILD, str(run), stdout=asyncio.subprocess.PIPE)
    try:
        while line := await asyncio.wait_for(proc.stdout.readline(), SILENCE):
            print(f"run {run}: {line.decode().rstrip()}", flush=True)
    except TimeoutError:
        print(f"supervisor: run {run} silent for {SILENCE} s", flush=True)
    finally:
        if not proc.stdout.at_eof():
            proc.terminate()
        print(f"supervisor: run {run} ended with status {await proc.wait()}", flush=True)


async def main():
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, asyncio.current_task().cancel)
    run = 1
    try:
        while True:
            await follow(run)
            run += 1
    except asyncio.CancelledError:
        print("supervisor: Ctrl-C: stopped", flush=True)

asyncio.run(main())
