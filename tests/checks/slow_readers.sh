# SPDX-License-Identifier: MIT
# Stage: the fan-out examples' servers under a reader that stops: every message whole, or the member dropped
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/io/slow_readers.c includes the server of examples/25_chat_server.c
# (-DSLOW_CHAT) or of examples/26_pubsub_broker.c (-DSLOW_BROKER) as it is
# and drives it on real sockets, on the virtual clock: a chat member that
# reads nothing for 6 s while another sends 100,000 lines (10 MB), a
# subscriber that reads nothing for 500 ms under a 16 MB burst. Each must
# get every message whole and in order, or be dropped: never a hole or a
# piece (the chat's three writes a message, each refused on its own near
# the write bound, glued "s1: s1: ..." lines before aio_stream_writelines).
# One line per server, built with gcc -O1 under the warnings of the examples.
sr_pass=0
sr_fail=0
sr_dir="$out/slow_readers"
mkdir -p "$sr_dir"
for sr_which in CHAT BROKER; do
    # shellcheck disable=SC2086
    if ! gcc -std=c11 -O1 -g $WARN_BASE -DSLOW_$sr_which -Iexamples -I. tests/io/slow_readers.c \
        -o "$sr_dir/$sr_which" >"$sr_dir/$sr_which.log" 2>&1; then
        echo "[slow_readers] FAILED $sr_which: does not build:"
        head -n 5 "$sr_dir/$sr_which.log" | sed 's/^/    /'
        sr_fail=$((sr_fail + 1))
    elif "$sr_dir/$sr_which" >"$sr_dir/$sr_which.out" 2>&1; then
        echo "[slow_readers] $sr_which: $(grep '^slow reader:' "$sr_dir/$sr_which.out" | tail -n 1 | sed 's/^slow reader: //')"
        sr_pass=$((sr_pass + 1))
    else
        echo "[slow_readers] FAILED $sr_which:"
        grep '^slow reader' "$sr_dir/$sr_which.out" | head -n 3 | sed 's/^/    /'
        sr_fail=$((sr_fail + 1))
    fi
done
add_counts "$sr_pass" "$sr_fail"
