# SPDX-License-Identifier: MIT
"""bench/io/procs.py - what the fan-out and every-core runners share: a free
port on 127.0.0.1, a python3 that imports uvloop, a wait until a server
started as a process listens."""
import os
import socket
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def uvloop_python():
    """A python3 here that imports uvloop (this one first), or None."""
    for py in [sys.executable, "/usr/bin/python3"]:
        if py and os.path.exists(py) and subprocess.run([py, "-c", "import uvloop"], capture_output=True).returncode == 0:
            return py
    return None


def wait_listening(port, proc, limit=15.0):
    """Until 127.0.0.1:port takes a connection; RuntimeError if proc exits or limit seconds pass first."""
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("the server exited (status %s)" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not listen within %.0f s" % limit)
