#!/bin/sh
# SPDX-License-Identifier: MIT
# Run every example, one after the other, as a person would watch them.
#
#   make examples && sh examples/showcase.sh             # real clock: about 3 minutes
#   make examples && sh examples/showcase.sh --virtual   # virtual clock: instant
#
# The network examples always run on the real clock, last, and need python3: for
# 13 this script starts its server (examples/13_slow_server.py) on a free loopback
# port, waits until the server has printed that port, and stops the server
# afterwards, and the same for 19 (examples/19_fetch_server.py); the supervisor (30) is sent SIGINT (Ctrl-C)
# once its child's third run serves; the echo server (16) is started, driven and stopped with SIGTERM by
# examples/16_echo_client.py, and what it printed follows what its clients saw.
# Exits with status 1 if an example failed or a server did not start.
set -u
cd "$(dirname "$0")/.."
status=0
found=0
for bin in build/examples/[0-9][0-9]_*; do
    [ -x "$bin" ] || continue
    found=1
    name=$(basename "$bin")
    [ "$name" = 13_http_client ] || [ "$name" = 19_http_fetch ] || [ "$name" = 16_echo_server ] || [ "$name" = 17_line_server ] ||
        [ "$name" = 20_command_runner ] || [ "$name" = 27_line_server_cores ] || [ "$name" = 30_supervisor ] && continue
    echo "################ $name $*"
    "$bin" "$@" || { echo "$name exited with status $?"; status=1; }
    echo
done
if [ $found = 0 ]; then
    echo "showcase: no example is built: run \`make examples\` first"
    exit 1
fi
echo "################ 13_http_client (real clock, loopback)"
if [ ! -x build/examples/13_http_client ]; then
    echo "showcase: build/examples/13_http_client is not built: run \`make examples\` first"
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "showcase: python3 is needed for the servers of examples 13 and 19 and the clients of 16 and 17: skipped"
    exit $status
fi
# A port file left by an earlier run must never be read as this server's port:
# remove it, start the server, and wait for a complete line (a number) from it.
port_file=build/examples/server.port
# serve SCRIPT: start that server (server=its pid, port=its port; exits if it did not start)
serve() {
    rm -f "$port_file" build/examples/server.err
    python3 "examples/$1" --lifetime 60 >"$port_file" 2>build/examples/server.err &
    server=$!
    port=""
    tries=0
    while [ $tries -lt 100 ]; do # 10 s
        [ -f "$port_file" ] && [ "$(wc -l <"$port_file")" -ge 1 ] && port=$(sed -n '1{/^[0-9][0-9]*$/p;}' "$port_file")
        [ -n "$port" ] && break
        kill -0 "$server" 2>/dev/null || break # the server has exited
        sleep 0.1
        tries=$((tries + 1))
    done
    if [ -z "$port" ]; then
        echo "showcase: the server examples/$1 did not print its port within 10 s:"
        sed 's/^/    /' build/examples/server.err | tail -n 5
        kill "$server" 2>/dev/null
        wait "$server" 2>/dev/null
        exit 1
    fi
}
unserve() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$port_file"; }
serve 13_slow_server.py
build/examples/13_http_client 127.0.0.1 "$port" || { echo "13_http_client exited with status $?"; status=1; }
unserve

echo
echo "################ 19_http_fetch (real clock, loopback)"
if [ ! -x build/examples/19_http_fetch ]; then
    echo "showcase: build/examples/19_http_fetch is not built: run \`make examples\` first"
    exit 1
fi
serve 19_fetch_server.py
build/examples/19_http_fetch "$port" || { echo "19_http_fetch exited with status $?"; status=1; }
unserve

echo
echo "################ 20_command_runner (real clock, child processes)"
build/examples/20_command_runner || { echo "20_command_runner exited with status $?"; status=1; }

echo
echo "################ 30_supervisor (real clock, child processes, SIGINT once the third run serves)"
log=build/examples/30_supervisor.out
build/examples/30_supervisor >"$log" 2>&1 &
pid=$!
tries=0
until grep -q "^run 3: serving" "$log" || [ $tries -ge 300 ]; do
    sleep 0.1
    tries=$((tries + 1))
done
kill -INT $pid
wait $pid || { echo "30_supervisor exited with status $?"; status=1; }
cat "$log"
rm -f "$log"

echo
echo "################ 16_echo_server (real clock, loopback)"
if [ ! -x build/examples/16_echo_server ]; then
    echo "showcase: build/examples/16_echo_server is not built: run \`make examples\`"
    exit 1
fi
log=build/examples/16_echo_server.out
python3 examples/16_echo_client.py --server-output "$log" build/examples/16_echo_server 0 ||
    { echo "16_echo_client.py exited with status $?"; status=1; }
echo "-- what the server printed:"
cat "$log"
rm -f "$log"

echo
echo "################ 17_line_server (real clock, loopback)"
if [ ! -x build/examples/17_line_server ]; then
    echo "showcase: build/examples/17_line_server is not built: run \`make examples\`"
    exit 1
fi
log=build/examples/17_line_server.out
python3 examples/17_line_client.py --server-output "$log" build/examples/17_line_server 0 3 ||
    { echo "17_line_client.py exited with status $?"; status=1; }
echo "-- what the server printed:"
cat "$log"
rm -f "$log"
exit $status
