#!/bin/sh
# SPDX-License-Identifier: MIT
# What `make bench` needs beyond a C compiler and python3: libuv1-dev (the
# libuv peer) and hyperfine (whole-program timings). Installs them with
# apt-get when missing; if it cannot, says so in one line and the benchmark
# runs without them. gnuplot (the plot) is optional and never installed here.
missing=""
[ -f /usr/include/uv.h ] || missing="$missing libuv1-dev"
command -v hyperfine >/dev/null 2>&1 || missing="$missing hyperfine"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
        exit 0
    fi
    echo "bench: apt-get could not install$missing; running without (the libuv peer or hyperfine is skipped)"
else
    echo "bench: cannot install$missing without root and apt-get; running without (apt-get install -y$missing)"
fi
exit 0
