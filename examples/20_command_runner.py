"""20_command_runner.py - three commands at once, each under a deadline:
create_subprocess_exec, its output read line by line, its exit awaited, all
in a timeout block; a command that overruns its block is stopped (terminate,
then kill after a grace period). The C port is 20_command_runner.c; both print
the same lines. Real processes on the real clock (POSIX).
Run: python3 20_command_runner.py
"""
import asyncio


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


async def main():
    await asyncio.gather(
        run_command("quick", ["sh", "-c", "echo hello from quick"], 5),
        run_command("slow", ["sh", "-c", "for i in 1 2 3; do sleep 0.3; echo step $i; done; exit 3"], 5),
        run_command("hangs", ["sh", "-c", "sleep 0.15; echo working...; exec sleep 60"], 1.5))


asyncio.run(main())
