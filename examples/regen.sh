#!/bin/sh
# SPDX-License-Identifier: MIT
# Regenerate the expected output of every ported example from its Python original.
#
#   sh examples/regen.sh
#
# Each NN_name.py runs on virtual time (virtual_asyncio.py) and what it prints becomes
# expected/NN_name.txt, the output `make test` requires of the C port run with
# --virtual. Where the C library deliberately behaves differently from asyncio, the
# difference is written down in expected/NN_name.python-diff (a unified diff from
# what Python prints to what the C port prints) and applied here with patch(1).
# The network example (13) has no Python original: its expected output is what
# build/examples/13_http_client prints against 13_slow_server.py. Example 19 runs
# on the real clock against a new 19_fetch_server.py: its expected output is what
# 19_http_fetch.py prints (the test checks the C port prints the same). The echo server
# (16) runs on the real clock against the clients of 16_echo_client.py: what the
# clients see and what the Python original prints, times and port included, become
# expected/16_echo_client.txt and expected/16_echo_server.txt (about 2.5 s); the line
# server (17) the same against 17_line_client.py, with at most 3 clients (about 3 s).
set -eu
cd "$(dirname "$0")"
# The newest CPython there is: the library follows 3.12 and later where 3.11 differs.
python=
for try in ${PYTHON:-} python3.13 python3.12 python3; do
    if command -v $try >/dev/null 2>&1 && $try -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
        python=$try; break
    fi
done
[ -n "$python" ] || { echo "regen.sh: needs CPython 3.12 or newer"; exit 1; }
for py in [0-9][0-9]_*.py; do
    name=${py%.py}
    [ -f "$name.c" ] || continue # 13_slow_server.py and 19_fetch_server.py are servers, 16_echo_client.py and 17_line_client.py clients
    if [ "$name" = 20_command_runner ]; then # real processes, real clock
        $python "$py" >"expected/$name.txt"
        echo "expected/$name.txt: a run of $py"
        continue
    fi
    if [ "$name" = 30_supervisor ]; then # real processes until a SIGINT, once the third run serves
        $python "$py" >"expected/$name.txt" &
        pid=$!
        until grep -q "^run 3: serving" "expected/$name.txt"; do sleep 0.1; done
        kill -INT $pid
        wait $pid
        echo "expected/$name.txt: a run of $py, stopped by SIGINT"
        continue
    fi
    if [ "$name" = 19_http_fetch ]; then
        rm -f expected/19.port
        $python 19_fetch_server.py --lifetime 30 >expected/19.port &
        server=$!
        while [ ! -s expected/19.port ]; do sleep 0.1; done
        $python "$py" "$(head -n 1 expected/19.port)" >"expected/$name.txt"
        kill $server; rm -f expected/19.port
        echo "expected/$name.txt: a run against 19_fetch_server.py"
        continue
    fi
    if [ "$name" = 16_echo_server ] || [ "$name" = 17_line_server ]; then
        clients=${name%_server}_client
        max=
        [ "$name" = 17_line_server ] && max=3
        $python $clients.py --server-output "expected/$name.txt" $python "$py" 0 $max >expected/$clients.txt
        echo "expected/$name.txt, expected/$clients.txt: a run against $clients.py"
        continue
    fi
    $python "$py" --virtual >"expected/$name.python.txt"
    if [ -f "expected/$name.python-diff" ]; then
        command -v patch >/dev/null 2>&1 || { echo "regen.sh: $name needs patch(1)"; exit 1; }
        patch -s -o "expected/$name.txt" "expected/$name.python.txt" "expected/$name.python-diff"
        echo "expected/$name.txt: Python's output with expected/$name.python-diff applied"
    elif grep -q "Same-instant lines may come in another order" "$py" && [ -f "expected/$name.txt" ] &&
        [ "$(sort "expected/$name.python.txt")" = "$(sort "expected/$name.txt")" ] &&
        [ "$(cut -c1-9 "expected/$name.python.txt")" = "$(cut -c1-9 "expected/$name.txt")" ]; then
        echo "expected/$name.txt: kept (Python prints the same lines, some of one instant in another order)"
    else
        cp "expected/$name.python.txt" "expected/$name.txt"
        echo "expected/$name.txt: Python's output"
    fi
    rm -f "expected/$name.python.txt"
done
