"""20_command_runner.py - three commands at once, each under a deadline:
create_subprocess_exec, its output read line by line, its exit awaited, all
in a timeout block; a command that overruns its block is stopped (terminate,
then kill after a grace period). The C port is 20_command_runner.c; both print
the same lines. Real processes on the real clock: sh on POSIX, cmd.exe on
Windows (where terminate ends the process at once).
Run: python3 20_command_runner.py
"""
import asyncio
import sys


async def run_command(name, argv, deadline):
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(deadline):
            async for line in proc.stdout:
                print(f"[{name}] {line.decode().rstrip()}", flush=True)
            print(f"[{name}] exited with status {await proc.wait()}", flush=True)
    except TimeoutError:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 2)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        print(f"[{name}] gave up after {deadline:.1f} s: stopped by signal {-proc.returncode}", flush=True)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


if sys.platform == "win32":  # cmd.exe, where "ping -n 2" waits a second
    SHELL, COMMANDS = ["cmd", "/c"], [
        ("quick", "echo hello from quick", 5),
        ("slow", "ping -n 2 127.0.0.1>nul& echo step 1& ping -n 2 127.0.0.1>nul& echo step 2& "
                 "ping -n 2 127.0.0.1>nul& echo step 3& exit 3", 30),
        ("hangs", "echo working...& ping -n 60 127.0.0.1>nul", 1.5)]
else:
    SHELL, COMMANDS = ["sh", "-c"], [
        ("quick", "echo hello from quick", 5),
        ("slow", "for i in 1 2 3; do sleep 0.3; echo step $i; done; exit 3", 5),
        ("hangs", "sleep 0.15; echo working...; exec sleep 60", 1.5)]


async def main():
    await asyncio.gather(*(run_command(name, SHELL + [script], deadline) for name, script, deadline in COMMANDS))


asyncio.run(main())
