# SPDX-License-Identifier: MIT
"""Six clients for the line server of example 17 (17_line_server.c or its Python
original, started with at most 3 clients), then SIGTERM: what each client sees,
checked.

    python3 17_line_client.py [--ssl CAFILE] [--server-output FILE] [--interrupt] COMMAND [ARG...]
    python3 examples/17_line_client.py build/examples/17_line_server 0 3
    python3 examples/17_line_client.py python3 examples/17_line_server.py 0 3

COMMAND starts the server, which prints "... port N" first; then, on 127.0.0.1:N,
every step waiting for the server's answer before the next:
  1. client 1 has a line answered, then two lines sent at once;
  2. client 2 sends a line of 1 MB: one error answers it; then a line of its own;
  3. client 3 sends half a line, and stalls (the next step waits until the server
     says client 3 connected: a server of several loops, 27_line_server_cores,
     may take a later connection first);
  4. client 4 is refused (3 are connected);
  5. clients 1, 2 and 3, silent, are told so and dropped after 2 s, in that order;
  6. clients 5 and 6 have a line answered each;
  7. SIGTERM to the server (SIGINT with --interrupt, as Ctrl-C): both are told
     goodbye; client 5 leaves, client 6 stays silent and must be dropped about 1 s
     later; the server must exit with status 0.
It prints what each client saw, without timings (the same lines with either server),
and exits with status 0 if every check passed. The server's own lines go to FILE, or
to stderr. Each wait has a margin of seconds. Python 3.11 or later, standard library
only; the command line, the server's process and the report come from
16_echo_client.py. With --ssl CAFILE every client speaks TLS (Python's ssl, the
server's certificate for localhost verified against CAFILE): the same steps and
the same lines, for the TLS line server of examples/tls/24_tls_line_server.c.
"""
import importlib.util
import os
import socket
import ssl
import sys
import time

_spec = importlib.util.spec_from_file_location(
    "echo_client", os.path.join(os.path.dirname(os.path.abspath(__file__)), "16_echo_client.py"))
echo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(echo)
say, fail, WAIT = echo.say, echo.fail, echo.WAIT
tls = None  # --ssl CAFILE: the ssl context every client connects with


class Client:
    def __init__(self, n, port):
        self.n = n
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        if tls:
            self.sock = tls.wrap_socket(self.sock, server_hostname="localhost")
        self.pending = b""
        self.last = time.monotonic()  # when it last heard from the server, or connected
        say(f"client {n}: connected")

    def line(self, low=0.0, high=WAIT):
        """The server's next line (b"" at the end), between low and high seconds from now."""
        start = time.monotonic()
        self.sock.settimeout(high + 2)
        try:
            while b"\n" not in self.pending:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.pending += chunk
        except (TimeoutError, ConnectionError) as e:
            return f"<{type(e).__name__}>"
        self.last = time.monotonic()
        took = self.last - start
        if not low <= took <= high:
            fail(f"client {self.n}: an answer after {took:.2f} s, expected between {low} and {high} s")
        text, _, self.pending = self.pending.partition(b"\n")
        return text.decode(errors="replace")

    def expect(self, what, want, low=0.0, high=WAIT):
        got = self.line(low, high)
        if got == want:
            say(f'client {self.n}: {what}: "{got}"')
        else:
            fail(f'client {self.n}: {what}: expected "{want}", got "{got}"')

    def ask(self, text, want):
        self.sock.sendall(text.encode() + b"\n")
        self.expect(f'sent "{text}"', want)

    def expect_closed(self, what, low=0.0, high=WAIT):
        got = self.line(low, high)
        if got == "" and not self.pending:
            say(f"client {self.n}: {what}: the server closed the connection")
        else:
            fail(f"client {self.n}: {what}: expected the connection closed, got {got!r}")
        self.sock.close()


def scenario(server):
    c1 = Client(1, server.port)
    c1.ask("hello", "HELLO")
    c1.sock.sendall(b"two lines\nat once\n")
    c1.expect("sent two lines at once", "TWO LINES")
    c1.expect("and", "AT ONCE")
    c2 = Client(2, server.port)
    c2.sock.sendall(b"x" * 1000000 + b"\n")
    c2.expect("sent a line of 1 MB", "error: line too long")
    c2.ask("after", "AFTER")
    c3 = Client(3, server.port)
    c3.sock.sendall(b"half a li")
    if not server.said("client 3 connected"):  # (a server of several loops may take the next one first)
        fail("the server did not say that client 3 connected")
    c4 = Client(4, server.port)
    c4.expect("a fourth client", "busy: try again later")
    c4.expect_closed("refused")
    for c in (c1, c2, c3):  # 2 s after each last heard from the server (c3: connected)
        since = time.monotonic() - c.last
        c.expect("silent", "idle for 2 s: goodbye", max(0.0, 1.5 - since), 6.0 - since)
        c.expect_closed("dropped")
    c5 = Client(5, server.port)
    c5.ask("hi", "HI")
    c6 = Client(6, server.port)
    c6.ask("hi too", "HI TOO")
    say("stop signal to the server")
    server.proc.send_signal(echo.STOP_SIGNAL)  # (SIGINT with --interrupt)
    c5.expect("after the stop signal", "server closing: goodbye")
    c5.sock.close()
    say("client 5: left")
    c6.expect("after the stop signal", "server closing: goodbye")
    c6.expect_closed("silent", 0.5, 6.0)
    try:
        status = server.proc.wait(WAIT)
    except Exception:
        fail(f"the server has not exited {WAIT} s after the connections were closed")
        return
    if status == 0:
        say("the server exited with status 0")
    else:
        fail(f"the server exited with status {status}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--ssl":
        tls = ssl.create_default_context(cafile=sys.argv[2])
        del sys.argv[1:3]
    echo.run(scenario, __doc__)
