#!/bin/sh
# SPDX-License-Identifier: MIT
# What `make bench-io` needs beyond a C compiler and python3: libuv1-dev and
# libevent-dev (the libuv and libevent servers), python3-uvloop (the uvloop
# server), and for the TLS rows libssl-dev and openssl (the floor, the load
# generator, our server on OpenSSL, the certificate) and libmbedtls-dev (our
# server on Mbed TLS), and linux-perf (the fixed load's system calls, the
# fan-out rows' CPU time and sends). Installs them with apt-get when missing (apt-get update first); a
# package that cannot be installed is said so in one line, and the benchmark
# runs without that peer.
PYTHON=${PYTHON:-python3}
missing=""
[ -f /usr/include/uv.h ] || missing="$missing libuv1-dev"
[ -f /usr/include/event2/event.h ] || missing="$missing libevent-dev"
"$PYTHON" -c 'import uvloop' >/dev/null 2>&1 || /usr/bin/python3 -c 'import uvloop' >/dev/null 2>&1 ||
    missing="$missing python3-uvloop"
[ -f /usr/include/openssl/ssl.h ] || missing="$missing libssl-dev"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
[ -f /usr/include/mbedtls/ssl.h ] || missing="$missing libmbedtls-dev"
command -v perf >/dev/null 2>&1 || missing="$missing linux-perf"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bench-io: installing$missing (apt-get update first)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1
    if apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
        exit 0
    fi
    for pkg in $missing; do  # one at a time: skip only the peers that cannot be had
        apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null 2>&1 ||
            echo "bench-io: apt-get could not install $pkg; running without its peer"
    done
else
    echo "bench-io: cannot install$missing without root and apt-get; running without (apt-get install -y$missing)"
fi
exit 0
