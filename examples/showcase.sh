#!/bin/sh
# Run every example, one after the other, as a person would watch them.
#
#   make examples && sh examples/showcase.sh             # real clock: about 3 minutes
#   make examples && sh examples/showcase.sh --virtual   # virtual clock: instant
#
# The network example (13) always runs on the real clock: this script starts its
# server (examples/13_slow_server.py, needs python3) on a free loopback port and
# stops it afterwards.
set -u
cd "$(dirname "$0")/.."
for bin in build/examples/[0-9][0-9]_*; do
    name=$(basename "$bin")
    [ "$name" = 13_http_client ] && continue
    echo "################ $name $*"
    "$bin" "$@" || echo "$name exited with status $?"
    echo
done
echo "################ 13_http_client (real clock, loopback)"
if ! command -v python3 >/dev/null 2>&1; then
    echo "python3 is needed for its server: skipped"
    exit 0
fi
python3 examples/13_slow_server.py --lifetime 60 >build/examples/server.port &
server=$!
tries=0
while [ ! -s build/examples/server.port ] && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
build/examples/13_http_client 127.0.0.1 "$(head -n 1 build/examples/server.port)"
kill "$server" 2>/dev/null
