# SPDX-License-Identifier: MIT
"""Five clients for the echo server of example 16 (16_echo_server.c or its Python
original), then SIGTERM: what each client sees, checked.

    python3 16_echo_client.py [--server-output FILE] [--interrupt] COMMAND [ARG...]
    python3 examples/16_echo_client.py build/examples/16_echo_server 0
    python3 examples/16_echo_client.py python3 examples/16_echo_server.py 0

COMMAND starts the server, which prints "... port N" first (both servers do; port 0
picks a free one). Then, on 127.0.0.1:N, every step waiting for the server's answer
before the next (so that the server's lines always come in the same order):
  1. clients 1, 2 and 3 connect, one after the other, and each has a message echoed;
  2. clients 1 and 3 say bye, shut down their sending side and see the server close
     the connection;
  3. client 2 says one more thing, then nothing: the server must drop it after its
     idle timeout of 2 s (the end of the stream is expected between 1.5 and 6 s);
  4. clients 4 and 5 connect and have a message echoed;
  5. SIGTERM to the server (SIGINT, as Ctrl-C, with --interrupt: wine gives a Windows
     program that one as CTRL_C_EVENT): clients 4 and 5 must see their connections
     closed, and the server must exit with status 0.
It prints what each client saw, without timings (the same lines on every run, with
either server), and exits with status 0 if every check passed. The server's own lines
go to FILE, or to stderr as they come. The whole run takes about 2.5 s; each wait has a
wide margin (5 s at least), so a loaded machine does not fail it.
Python 3.11 or later, standard library only.
"""
import signal
import socket
import subprocess
import sys
import threading
import time

IDLE_MIN, IDLE_MAX = 1.5, 6.0  # the server drops an idle client after 2 s
WAIT = 5.0                      # any other answer of the server, at most
STOP_SIGNAL = signal.SIGTERM    # --interrupt: SIGINT (Ctrl-C; a Windows server under wine)
failures = []


def say(text):
    print(text, flush=True)


def fail(text):
    failures.append(text)
    say(f"FAILED: {text}")


class Server:
    """The server process, its port, and its output copied to a file or stderr."""

    def __init__(self, command, output):
        self.out = open(output, "w", encoding="utf-8") if output else sys.stderr
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.port = None
        self.lines = []  # what it printed so far
        self.heard = threading.Condition()
        self.started = threading.Event()
        self.reader = threading.Thread(target=self.copy, daemon=True)
        self.reader.start()

    def copy(self):
        for line in self.proc.stdout:
            self.out.write(line)
            self.out.flush()
            with self.heard:
                self.lines.append(line)
                self.heard.notify_all()
            if self.port is None and " port " in line:
                self.port = int(line.split(" port ")[1].split()[0])
                self.started.set()
        self.started.set()  # it exited without saying its port

    def said(self, text, timeout=WAIT):
        """Whether the server prints a line holding text (waiting up to timeout seconds)."""
        with self.heard:
            return self.heard.wait_for(lambda: any(text in line for line in self.lines), timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(WAIT)
        if self.out is not sys.stderr:
            self.out.close()


class Client:
    def __init__(self, n, port):
        self.n = n
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        say(f"client {n}: connected")

    def echo(self, text):
        """Send text, read back as many bytes: they must be the same."""
        data = text.encode()
        self.sock.sendall(data)
        got = b""
        self.sock.settimeout(WAIT)
        try:
            while len(got) < len(data):
                chunk = self.sock.recv(len(data) - len(got))
                if not chunk:
                    break
                got += chunk
        except (TimeoutError, ConnectionError) as e:
            got += f" <{type(e).__name__}>".encode()
        if got == data:
            say(f'client {self.n}: sent "{text}", echoed')
        else:
            fail(f'client {self.n}: sent "{text}", got {got!r}')

    def wait_closed(self, what, low=0.0, high=WAIT):
        """Wait for the end of the stream, between low and high seconds from now."""
        start = time.monotonic()
        self.sock.settimeout(high + 2)
        try:
            data = self.sock.recv(1024)
            outcome = "closed" if not data else f"sent {data!r}"
        except TimeoutError:
            outcome = "still open"
        except ConnectionError as e:
            outcome = type(e).__name__
        took = time.monotonic() - start
        if outcome != "closed":
            fail(f"client {self.n}: {what}: expected the connection closed, {outcome}")
        elif not low <= took <= high:
            fail(f"client {self.n}: {what}: closed after {took:.2f} s, "
                 f"expected between {low} and {high} s")
        else:
            say(f"client {self.n}: {what}: the server closed the connection")
        self.sock.close()


def scenario(server):
    c1 = Client(1, server.port)
    c1.echo("hello")
    c2 = Client(2, server.port)
    c2.echo("hi there")
    c3 = Client(3, server.port)
    c3.echo("good morning")

    c1.echo("bye")
    c1.sock.shutdown(socket.SHUT_WR)
    c1.wait_closed("after my end of stream")
    c3.echo("bye")
    c3.sock.shutdown(socket.SHUT_WR)
    c3.wait_closed("after my end of stream")

    c2.echo("now I say nothing")
    c2.wait_closed(f"idle (between {IDLE_MIN} and {IDLE_MAX} s)", IDLE_MIN, IDLE_MAX)

    c4 = Client(4, server.port)
    c4.echo("hello")
    c5 = Client(5, server.port)
    c5.echo("hello too")

    say("stop signal to the server")
    server.proc.send_signal(STOP_SIGNAL)
    c4.wait_closed("after the stop signal")
    c5.wait_closed("after the stop signal")
    try:
        status = server.proc.wait(WAIT)
    except subprocess.TimeoutExpired:
        fail(f"the server has not exited {WAIT} s after the connections were closed")
        return
    if status == 0:
        say("the server exited with status 0")
    else:
        fail(f"the server exited with status {status}")


def run(scenario, usage):
    """Parse the command line, start the server, run the scenario against it, report.
    (17_line_client.py runs its own scenario through this too.)"""
    global STOP_SIGNAL
    args = sys.argv[1:]
    output = None
    if len(args) >= 2 and args[0] == "--server-output":
        output, args = args[1], args[2:]
    if args and args[0] == "--interrupt":
        STOP_SIGNAL, args = signal.SIGINT, args[1:]
    if not args or args[0].startswith("-"):
        sys.exit(usage.split("\n\n")[1])
    server = Server(args, output)
    try:
        # (a bound for a start that failed, not a speed: a server under wine on a
        # loaded machine has taken more than 10 s to start)
        if not server.started.wait(60) or server.port is None:
            fail("the server did not print its port")
        else:
            scenario(server)
    except OSError as e:
        fail(f"{type(e).__name__}: {e}")
    finally:
        server.close()
    say("every check passed" if not failures else f"{len(failures)} checks failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    run(scenario, __doc__)
