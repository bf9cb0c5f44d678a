#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Print an input of the server fuzzer (tests/fuzz/fuzz_server.c) as the
program it is: the handlers' script, then the driver's commands."""
import sys

HANDLER = ["read a line within {a} ms", "write {n} lines", "write {n} lines", "drain within {a} ms",
           "close its own stream within {c} ms", "sleep {s} ms", "end ({e})", "yield"]
DRIVER = ["connect client {k}", "client {k} sends a line", "client {k} reads what came",
          "client {k} closes", "aio_conn_abort(state {st})", "aio_server_close_clients",
          "aio_server_abort_clients", "open or close program socket {p}",
          "close a number {churn} times", "sleep {s8} ms", "shut the server down (if {a} % 4 == 0)", "yield"]


def main(path):
    data = open(path, "rb").read()
    if not data:
        print("(empty: nothing runs)")
        return
    hlen = min(data[0] % 64, len(data) - 1)
    hprog, dprog = data[1:1 + hlen], data[1 + hlen:]
    print("handlers (each starts at (id * 7) mod %d, at most 300 operations):" % max(hlen, 1))
    for i, op in enumerate(hprog):
        print("  %2d: %s" % (i, HANDLER[op % 8].format(a=1 + op // 8 % 8, n=1 + op // 8 % 4, c=1 + op // 8 % 16,
                                                      s=op // 8 % 16, e="AIO_EIO" if op & 8 else "0")))
    print("driver (then aio_run's end):")
    for i in range(0, len(dprog) - 1, 2):
        cmd, a = dprog[i] % 12, dprog[i + 1]
        print("  " + DRIVER[cmd].format(k=a % 8, st=a % 4, p=a % 4, churn=256 if a & 1 else 3, s8=a % 8, a=a))


if __name__ == "__main__":
    for p in sys.argv[1:]:
        main(p)
