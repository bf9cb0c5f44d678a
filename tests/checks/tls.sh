# SPDX-License-Identifier: MIT
# Stage: TLS on a stream (OpenSSL, Mbed TLS, an engine of the program's): its tests with gcc, g++ and clang, under ASan and UBSan and valgrind
# Sourced by tests/run_matrix.sh (make test); see tests/checks/README.md.
#
# tests/tls/test_tls.c runs a TLS client and server, tasks of one loop on the
# virtual clock, over real sockets on 127.0.0.1 (and local socket pairs with
# small buffers, or a relay between them): handshakes, lines both ways, 10 MB
# each way, deadlines that cut a handshake, a shutdown, a read (inside a
# record too) and a write, a cancel in each, certificates that do not verify
# and versions that do not meet, a peer that closes without close_notify,
# bytes under a session that are not TLS, STARTTLS, the misuse messages.
# Its certificates are made at run time by tests/tls/certs.sh (the openssl
# command), in $out/tls/certs (no key is kept in the repository): a CA
# and another CA, a server's certificate for localhost and 127.0.0.1 signed
# by the first, one for another name, and one that expired in 2020.
# Each build is a check: gcc -std=c11 with ASan and UBSan
# (-fno-sanitize-recover=all: an error, a leak, undefined behaviour fails
# it), g++ -x c++ -std=c++17, clang -std=c11 -O2 without AIO_DEBUG, each with
# the warnings of the unit tests; then the gcc build under valgrind (no leak,
# no error), when valgrind is installed. Then the same tests on Mbed TLS's
# engine (-DAIO_TLS_MBEDTLS: Debian's libmbedtls-dev, 2.28): gcc with ASan and
# UBSan, g++ -O2 without AIO_DEBUG; skipped, and said, without it. Then
# examples/tls/22_https_fetch.c, built warning-free with gcc -O2 and clang -O0
# (and gcc on Mbed TLS), must print examples/tls/22_https_fetch.txt on the
# virtual clock with these certificates. examples/tls/23_https_fetch.c (the
# same three builds) and its Python original must each print
# examples/tls/23_https_fetch.txt against a new examples/tls/23_https_server.py
# (Python's ssl, these certificates), on the real clock (no timings in it).
# examples/tls/24_tls_line_server.c (the same three builds) and its Python
# original are each started, driven over TLS and stopped by
# examples/17_line_client.py --ssl: the clients must see what they see of
# example 17's plain servers (examples/expected/17_line_*.txt), and each C
# build what the Python original showed and printed.
# examples/tls/31_tls_unix_service.c (the same three builds) and its Python
# original must each print examples/tls/31_tls_unix_service.txt on the
# virtual clock with these certificates (TLS on a Unix socket, both ends). Then
# tests/tls/test_tls_sim.c: TLS in a simulation over many seeds with faults,
# each seed replayed (gcc with ASan and UBSan; and gcc on Mbed TLS), with the
# certificate sim.pem (for the name "server", an RSA key). The coroutine checker
# reads the examples and the tests (the coroutines stage leaves them here: they need the engine's
# headers). One more check: a program built without AIO_TLS_OPENSSL has none
# of it (no TLS symbol, nothing of OpenSSL's). Without OpenSSL's headers or the openssl
# command (apt-get install libssl-dev openssl) every check is skipped and
# says so. Before all that, and wherever there are sockets (it needs no
# engine library): tests/tls/test_tls_engine.c, a TLS engine of the
# program's (tests/tls/toy_engine.h, written through aio_tls_engine and the
# public io calls) under the built-in engines' rules, with AIO_TLS alone:
# gcc with ASan and UBSan, g++, clang -O2 without AIO_DEBUG; and, with
# OpenSSL, gcc beside the built-in engine (-DAIO_TLS_OPENSSL). And a program
# with AIO_TLS alone has TLS's calls and nothing of an engine library's.
tls_dir="$out/tls"
rm -rf "$tls_dir"
mkdir -p "$tls_dir/certs"
tls_pass=0
tls_fail=0
tls_ok() { echo "[tls] $1"; tls_pass=$((tls_pass + 1)); }
tls_bad() { echo "[tls] FAILED: $1"; tls_fail=$((tls_fail + 1)); }
tls_checks=25 # (what is skipped when OpenSSL is missing)
tls_src=tests/tls/test_tls.c
tls_what=tests

# The certificates, made in DIR by tests/tls/certs.sh (0 if all were made).
tls_certs() { sh tests/tls/certs.sh "$1" >"$tls_dir/certs.log" 2>&1; }

# tls_run NAME RUNNER COMPILER FLAGS...: build the tests, run them (under
# RUNNER if not "-"), one check.
tls_run() {
    tls_name=$1
    tls_runner=$2
    shift 2
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "[tls] $tls_name: skipped: $1 is not installed"
        add_skipped 1 "tls $tls_name"
        return
    fi
    if ! "$@" $tls_src -o "$tls_dir/$tls_name" $tls_libs -lm 2>"$tls_dir/$tls_name.log"; then
        tls_bad "$tls_name: $tls_src does not build:"
        sed 's/^/    /' "$tls_dir/$tls_name.log" | head -n 20
        return
    fi
    if [ "$tls_runner" = - ]; then
        TLS_CERTS="$tls_dir/certs" timeout 300 "$tls_dir/$tls_name" >"$tls_dir/$tls_name.out" 2>&1
    else
        TLS_CERTS="$tls_dir/certs" timeout 300 $tls_runner "$tls_dir/$tls_name" >"$tls_dir/$tls_name.out" 2>&1
    fi
    tls_status=$?
    tls_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tls_dir/$tls_name.out" | tail -n 1)
    tls_p=$(echo "$tls_line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    tls_f=$(echo "$tls_line" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    if [ -z "$tls_p" ] || [ "$tls_f" != 0 ] || [ $tls_status -ne 0 ]; then
        tls_bad "$tls_name (exit status $tls_status):"
        { grep -E '^(FAIL|    |==[0-9]+==.*(ERROR|definitely|Invalid)|SUMMARY)' "$tls_dir/$tls_name.out" ||
            tail -n 30 "$tls_dir/$tls_name.out"; } | head -n 40 | sed 's/^/    /'
    else
        tls_ok "$tls_name: $tls_src, $tls_p $tls_what passed$tls_with"
    fi
}

# A TLS engine of the program's (tests/tls/test_tls_engine.c), with AIO_TLS
# alone: no engine library, no certificates.
tls_src=tests/tls/test_tls_engine.c
tls_libs=
tls_san=
tls_with=" (AIO_TLS: the toy engine)"
printf 'int main(void) { return 0; }\n' >"$tls_dir/probe-san.c"
if gcc -fsanitize=address,undefined -fno-sanitize-recover=all "$tls_dir/probe-san.c" -o "$tls_dir/probe-san" \
    >/dev/null 2>&1; then
    tls_san="-fsanitize=address,undefined -fno-sanitize-recover=all"
    tls_with=" (AIO_TLS: the toy engine; ASan, UBSan)"
fi
tls_run gcc-c11-engine-asan - gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG $tls_san
tls_with=" (AIO_TLS: the toy engine)"
tls_run gxx-cxx17-engine - g++ -x c++ -std=c++17 -O1 $WARN $(uninit_warnings g++) -DAIO_DEBUG
tls_run clang-c11-engine-release-O2 - clang -std=c11 -O2 $WARN $(uninit_warnings clang) -DNDEBUG
tls_with=
tls_src=tests/tls/test_tls.c
# A program with AIO_TLS alone: TLS's calls, and nothing of an engine library's.
printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#define AIO_TLS\n#include "aio_timeout.h"\n' >"$tls_dir/user.c"
if gcc -std=c11 -O2 $WARN -I. -c "$tls_dir/user.c" -o "$tls_dir/user.o" 2>"$tls_dir/user.log" &&
    ! nm "$tls_dir/user.o" | grep -E ' U .*(SSL_|mbedtls_|ERR_)' >"$tls_dir/user.nm" &&
    [ "$(nm "$tls_dir/user.o" | grep -c -E ' T aio_tls_')" -ge 10 ]; then
    tls_ok "a program with AIO_TLS alone has TLS's calls and nothing of an engine library's"
else
    tls_bad "a program with AIO_TLS alone does not build, lacks TLS's calls, or needs an engine library:"
    { cat "$tls_dir/user.log" "$tls_dir/user.nm" 2>/dev/null; } | head -n 20 | sed 's/^/    /'
fi

tls_probe="$tls_dir/probe.c"
printf '#include <openssl/ssl.h>\nint main(void) { return SSL_CTX_new(TLS_method()) == 0; }\n' >"$tls_probe"
if ! command -v openssl >/dev/null 2>&1; then
    echo "[tls] skipped: the openssl command is not installed (apt-get install openssl): no certificates to test with"
    add_skipped $tls_checks "tls (the openssl command)"
elif ! gcc "$tls_probe" -o "$tls_dir/probe" -lssl -lcrypto >/dev/null 2>&1; then
    echo "[tls] skipped: OpenSSL's headers or libraries are not installed (apt-get install libssl-dev)"
    add_skipped $tls_checks "tls (libssl-dev)"
elif ! tls_certs "$tls_dir/certs"; then
    tls_bad "the openssl command did not make the certificates:"
    tail -n 15 "$tls_dir/certs.log" | sed 's/^/    /'
else
    tls_libs="-lssl -lcrypto"
    tls_san="-fsanitize=address,undefined -fno-sanitize-recover=all"
    tls_with=" (ASan, UBSan)"
    if ! gcc $tls_san "$tls_probe" -o "$tls_dir/probe" -lssl -lcrypto >/dev/null 2>&1; then
        tls_san=
        tls_with=" (no sanitizers: gcc has no runtime for them here)"
    fi
    tls_run gcc-c11-asan - gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG $tls_san
    # The toy engine beside OpenSSL's: a configuration with engine_ops and
    # one without, in one program.
    tls_src=tests/tls/test_tls_engine.c
    tls_with=" (the toy engine beside OpenSSL's)"
    tls_run gcc-c11-engine-openssl - gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_TLS_OPENSSL
    tls_src=tests/tls/test_tls.c
    tls_with=
    tls_run gxx-cxx17 - g++ -x c++ -std=c++17 -O1 $WARN $(uninit_warnings g++) -DAIO_DEBUG
    tls_run clang-c11-release-O2 - clang -std=c11 -O2 $WARN $(uninit_warnings clang) -DNDEBUG
    if command -v valgrind >/dev/null 2>&1; then
        tls_with=" (valgrind: no error, no leak)"
        tls_run gcc-c11-valgrind "valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
            gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG
        tls_with=
    else
        echo "[tls] gcc-c11-valgrind: skipped: valgrind is not installed (apt-get install valgrind)"
        add_skipped 1 "tls valgrind"
    fi
    # TLS in a simulation (tests/tls/test_tls_sim.c): a client and a server over
    # the simulated network with its faults, 150 seeds, each run twice (the same
    # outcomes, the same digest).
    tls_src=tests/tls/test_tls_sim.c
    tls_what=checks
    [ -n "$tls_san" ] && tls_with=" (a simulation; ASan, UBSan)"
    tls_run gcc-c11-sim-asan - gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_SIMULATION $tls_san
    tls_with=
    tls_src=tests/tls/test_tls.c
    tls_what=tests
    # The same tests on Mbed TLS's engine (AIO_TLS_MBEDTLS), when it is installed.
    tls_libs="-lmbedtls -lmbedx509 -lmbedcrypto"
    printf '#include <mbedtls/ssl.h>\nint main(void) { mbedtls_ssl_config c; mbedtls_ssl_config_init(&c); return 0; }\n' \
        >"$tls_dir/probe-mbedtls.c"
    if gcc "$tls_dir/probe-mbedtls.c" -o "$tls_dir/probe" $tls_libs >/dev/null 2>&1; then
        [ -n "$tls_san" ] && tls_with=" (Mbed TLS; ASan, UBSan)"
        tls_run gcc-c11-mbedtls-asan - gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_TLS_MBEDTLS \
            $tls_san
        tls_with=" (Mbed TLS)"
        tls_run gxx-cxx17-mbedtls - g++ -x c++ -std=c++17 -O2 $WARN $(uninit_warnings g++) -DNDEBUG -DAIO_TLS_MBEDTLS
        tls_src=tests/tls/test_tls_sim.c
        tls_what=checks
        tls_with=" (a simulation, Mbed TLS)"
        tls_run gcc-c11-sim-mbedtls - gcc -std=c11 -O1 -g $WARN $(uninit_warnings gcc) -DAIO_DEBUG -DAIO_SIMULATION \
            -DAIO_TLS_MBEDTLS
        tls_src=tests/tls/test_tls.c
        tls_what=tests
        tls_with=
    else
        echo "[tls] gcc-c11-mbedtls-asan, gxx-cxx17-mbedtls, gcc-c11-sim-mbedtls: skipped: Mbed TLS's headers or" \
            "libraries are not installed (apt-get install libmbedtls-dev)"
        add_skipped 3 "tls with Mbed TLS (libmbedtls-dev)"
    fi
    # The TLS examples' builds: each with gcc -O2 and clang -O0 on OpenSSL, and
    # gcc -O2 on Mbed TLS (COMPILER:FLAGS...).
    tls_builds="gcc:-O2 clang:-O0 gcc:-O2:-DAIO_TLS_MBEDTLS"
    # tls_example NAME BUILD: examples/tls/NAME.c built warning-free by one of
    # tls_builds into $tls_dir/$tls_name (NAME-gcc-O2, ...), its compiler and
    # flags in tls_cc and tls_flags, its engine in tls_engine; 0 if built,
    # else 1 having said why (a compiler or Mbed TLS missing: skipped; a build
    # that fails: failed).
    tls_example() {
        tls_cc=${2%%:*}
        tls_flags=$(echo "${2#*:}" | tr : ' ')
        tls_name="$1-$tls_cc$(echo "$tls_flags" | tr -d ' ')"
        case $tls_flags in
        *MBEDTLS*) tls_libs="-lmbedtls -lmbedx509 -lmbedcrypto"; tls_engine="Mbed TLS" ;;
        *) tls_libs="-lssl -lcrypto"; tls_engine="OpenSSL" ;;
        esac
        if ! command -v "$tls_cc" >/dev/null 2>&1; then
            echo "[tls] $tls_name: skipped: $tls_cc is not installed"
            add_skipped 1 "tls $tls_name"
            return 1
        fi
        if [ "$tls_engine" = "Mbed TLS" ] &&
            ! gcc "$tls_dir/probe-mbedtls.c" -o "$tls_dir/probe" $tls_libs >/dev/null 2>&1; then
            echo "[tls] $tls_name: skipped: Mbed TLS is not installed (apt-get install libmbedtls-dev)"
            add_skipped 1 "tls $tls_name"
            return 1
        fi
        if ! $tls_cc -std=c11 $tls_flags $WARN $(uninit_warnings "$tls_cc") -I. "examples/tls/$1.c" \
            -o "$tls_dir/$tls_name" $tls_libs 2>"$tls_dir/$tls_name.log"; then
            tls_bad "$tls_name does not build warning-free:"
            sed 's/^/    /' "$tls_dir/$tls_name.log" | head -n 20
            return 1
        fi
    }
    # examples/tls/22_https_fetch.c: warning-free with gcc -O2 and clang -O0, and
    # on the virtual clock it prints examples/tls/22_https_fetch.txt, on each engine.
    for tls_ex in $tls_builds; do
        tls_example 22_https_fetch "$tls_ex" || continue
        tls_bin="$tls_dir/$tls_name"
        if timeout 60 "$tls_bin" --virtual "$tls_dir/certs/server.pem" "$tls_dir/certs/server.key" \
            "$tls_dir/certs/ca.pem" >"$tls_bin.out" 2>&1 && cmp -s "$tls_bin.out" examples/tls/22_https_fetch.txt; then
            tls_ok "22_https_fetch ($tls_cc $tls_flags, $tls_engine) builds warning-free and prints examples/tls/22_https_fetch.txt"
        else
            tls_bad "22_https_fetch ($tls_cc $tls_flags, $tls_engine) does not print examples/tls/22_https_fetch.txt:"
            diff examples/tls/22_https_fetch.txt "$tls_bin.out" | head -n 20 | sed 's/^/    /'
        fi
    done
    # examples/tls/23_https_fetch.c (gcc -O2, clang -O0, gcc -O2 on Mbed TLS)
    # and its Python original, each against a new examples/tls/23_https_server.py
    # (Python's ssl, the certificate for localhost made here; it counts the
    # requests), must print examples/tls/23_https_fetch.txt (no timings in it).
    tls_https() { # NAME COMMAND...: the fetch against a new server (one check)
        tls_who=$1
        shift
        rm -f "$tls_dir/https.port"
        timeout 60 python3 examples/tls/23_https_server.py "$tls_dir/certs/server.pem" "$tls_dir/certs/server.key" \
            --lifetime 30 >"$tls_dir/https.port" 2>"$tls_dir/https.server.err" &
        tls_server=$!
        tls_i=0
        while [ ! -s "$tls_dir/https.port" ] && [ $tls_i -lt 100 ]; do
            sleep 0.1
            tls_i=$((tls_i + 1))
        done
        if timeout 60 "$@" "$(cat "$tls_dir/https.port")" "$tls_dir/certs/ca.pem" >"$tls_dir/$tls_who.out" \
            2>"$tls_dir/$tls_who.err" && cmp -s "$tls_dir/$tls_who.out" examples/tls/23_https_fetch.txt; then
            tls_ok "$tls_who prints examples/tls/23_https_fetch.txt against examples/tls/23_https_server.py"
        else
            tls_bad "$tls_who does not print examples/tls/23_https_fetch.txt:"
            { diff examples/tls/23_https_fetch.txt "$tls_dir/$tls_who.out"; tail -n 5 "$tls_dir/$tls_who.err"; } |
                head -n 20 | sed 's/^/    /'
        fi
        kill $tls_server 2>/dev/null
        wait $tls_server 2>/dev/null
    }
    for tls_ex in $tls_builds; do
        if ! command -v python3 >/dev/null 2>&1; then
            echo "[tls] 23_https_fetch ($tls_ex): skipped: python3 is not installed"
            add_skipped 1 "tls 23_https_fetch ($tls_ex)"
        elif tls_example 23_https_fetch "$tls_ex"; then
            tls_https "$tls_name" "$tls_dir/$tls_name"
        fi
    done
    # examples/tls/24_tls_line_server.c (gcc -O2, clang -O0, gcc -O2 on Mbed TLS)
    # and its Python original, each started, driven over TLS and stopped by
    # examples/17_line_client.py --ssl (the CA made here): the clients must see
    # examples/expected/17_line_client.txt and the server print the lines of
    # examples/expected/17_line_server.txt (without the times, the port as
    # PORT), as example 17's plain servers do; then each C build what the
    # Python original showed and printed.
    tls_python=
    for tls_try in ${PYTHON:-} python3.13 python3.12 python3; do
        if command -v $tls_try >/dev/null 2>&1 &&
            $tls_try -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            tls_python=$tls_try; break
        fi
    done
    tls_normal() { sed -e 's/^\[ *[0-9][0-9]*\.[0-9][0-9]s\] //' -e 's/ port [0-9][0-9]*$/ port PORT/' "$1"; }
    tls_normal examples/expected/17_line_server.txt >"$tls_dir/17_line_server.normal"
    tls_line() { # NAME COMMAND...: the clients over TLS against that server
        if [ -z "$tls_python" ]; then
            echo "[tls] 24_tls_line_server ($1): skipped: no CPython 3.11 or later to run the clients"
            add_skipped 1 "tls 24_tls_line_server ($1): CPython 3.11 or later"
            return 1
        fi
        tls_who=$1
        shift
        timeout 60 $tls_python examples/17_line_client.py --ssl "$tls_dir/certs/ca.pem" \
            --server-output "$tls_dir/$tls_who.server" "$@" 0 3 "$tls_dir/certs/server.pem" \
            "$tls_dir/certs/server.key" >"$tls_dir/$tls_who.clients" 2>"$tls_dir/$tls_who.err"
        tls_status=$?
        tls_normal "$tls_dir/$tls_who.server" >"$tls_dir/$tls_who.server.normal"
        if [ $tls_status -eq 0 ] && cmp -s "$tls_dir/$tls_who.clients" examples/expected/17_line_client.txt &&
            cmp -s "$tls_dir/$tls_who.server.normal" "$tls_dir/17_line_server.normal"; then
            tls_ok "$tls_who: examples/17_line_client.py --ssl passed, the clients saw examples/expected/17_line_client.txt, the server printed examples/expected/17_line_server.txt"
        else
            tls_bad "$tls_who: examples/17_line_client.py --ssl (exit status $tls_status), the clients, the server:"
            { tail -n 5 "$tls_dir/$tls_who.err"
              diff examples/expected/17_line_client.txt "$tls_dir/$tls_who.clients"
              diff "$tls_dir/17_line_server.normal" "$tls_dir/$tls_who.server.normal"; } | head -n 20 | sed 's/^/    /'
            return 1
        fi
    }
    if [ -n "$tls_python" ]; then
        tls_https 23_https_fetch.py $tls_python examples/tls/23_https_fetch.py
    else
        echo "[tls] 23_https_fetch.py: skipped: no CPython 3.11 or later"
        add_skipped 1 "tls 23_https_fetch.py: CPython 3.11 or later"
    fi
    tls_line 24_tls_line_server.py $tls_python examples/tls/24_tls_line_server.py && tls_have_python=1 ||
        tls_have_python=0
    for tls_ex in $tls_builds; do
        tls_example 24_tls_line_server "$tls_ex" || continue
        tls_line "$tls_name" "$tls_dir/$tls_name" || continue
        [ $tls_have_python = 1 ] || continue
        if cmp -s "$tls_dir/24_tls_line_server.py.clients" "$tls_dir/$tls_name.clients" &&
            cmp -s "$tls_dir/24_tls_line_server.py.server.normal" "$tls_dir/$tls_name.server.normal"; then
            tls_ok "$tls_name and its Python original: the clients saw the same, the servers printed the same lines"
        else
            tls_bad "$tls_name and its Python original differ"
        fi
    done
    # examples/tls/31_tls_unix_service.c (gcc -O2, clang -O0, gcc -O2 on Mbed
    # TLS) and its Python original: the service and its clients on a Unix
    # socket in a folder of their own, on the virtual clock, each must print
    # examples/tls/31_tls_unix_service.txt.
    tls_unix() { # NAME COMMAND...: one check
        tls_who=$1
        shift
        rm -rf "$tls_dir/unix-$tls_who"
        mkdir -p "$tls_dir/unix-$tls_who"
        tls_certs="$PWD/$tls_dir/certs"
        if (cd "$tls_dir/unix-$tls_who" && timeout 60 "$@" "$tls_certs/server.pem" "$tls_certs/server.key" \
            "$tls_certs/ca.pem" --virtual >out 2>err) &&
            cmp -s "$tls_dir/unix-$tls_who/out" examples/tls/31_tls_unix_service.txt &&
            [ -z "$(ls "$tls_dir/unix-$tls_who"/*.sock 2>/dev/null)" ]; then
            tls_ok "$tls_who prints examples/tls/31_tls_unix_service.txt and leaves no socket file"
        else
            tls_bad "$tls_who does not print examples/tls/31_tls_unix_service.txt (or leaves its socket file):"
            { diff examples/tls/31_tls_unix_service.txt "$tls_dir/unix-$tls_who/out"
              tail -n 5 "$tls_dir/unix-$tls_who/err"; } | head -n 20 | sed 's/^/    /'
        fi
    }
    for tls_ex in $tls_builds; do
        tls_example 31_tls_unix_service "$tls_ex" && tls_unix "$tls_name" "$PWD/$tls_dir/$tls_name"
    done
    if [ -n "$tls_python" ]; then
        tls_unix 31_tls_unix_service.py $tls_python "$PWD/examples/tls/31_tls_unix_service.py"
    else
        echo "[tls] 31_tls_unix_service.py: skipped: no CPython 3.11 or later"
        add_skipped 1 "tls 31_tls_unix_service.py: CPython 3.11 or later"
    fi
    # The coroutine checker (tests/lint/README.md) on the TLS tests and example,
    # which the coroutines stage leaves to this one (they need OpenSSL's headers).
    if command -v clang >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
        if python3 tests/lint/coroutines.py -I. tests/tls/test_tls.c tests/tls/test_tls_sim.c tests/tls/test_tls_engine.c \
            examples/tls/[0-9][0-9]_*.c \
            >"$tls_dir/coroutines.out" 2>&1; then
            tls_ok "the coroutine checker finds nothing in tests/tls/*.c and examples/tls/*.c"
        else
            tls_bad "the coroutine checker on tests/tls/*.c and examples/tls/*.c:"
            head -n 20 "$tls_dir/coroutines.out" | sed 's/^/    /'
        fi
    else
        echo "[tls] coroutines: skipped: the coroutine checker needs clang and python3"
        add_skipped 1 "tls coroutine checker (clang, python3)"
    fi
    # A program without AIO_TLS_OPENSSL: nothing of TLS in it.
    printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#include "aio_timeout.h"\n' >"$tls_dir/plain.c"
    printf '#define AIO_TIMEOUT_IMPLEMENTATION\n#define AIO_TLS_OPENSSL\n#include "aio_timeout.h"\n' >"$tls_dir/with.c"
    if gcc -std=c11 -O2 $WARN -I. -c "$tls_dir/plain.c" -o "$tls_dir/plain.o" 2>"$tls_dir/plain.log" &&
        gcc -std=c11 -O2 $WARN -I. -c "$tls_dir/with.c" -o "$tls_dir/with.o" 2>>"$tls_dir/plain.log" &&
        ! nm "$tls_dir/plain.o" | grep -i -E 'tls|ssl|crypto' >"$tls_dir/plain.nm" &&
        [ "$(nm "$tls_dir/with.o" | grep -c -E ' (T|U) (aio_tls_|SSL_)')" -gt 10 ]; then
        tls_ok "a program without AIO_TLS_OPENSSL has no TLS symbol and nothing of OpenSSL's"
    else
        tls_bad "a program without AIO_TLS_OPENSSL has TLS in it, or one with it has none:"
        { cat "$tls_dir/plain.log" "$tls_dir/plain.nm" 2>/dev/null; } | head -n 20 | sed 's/^/    /'
    fi
fi
add_counts "$tls_pass" "$tls_fail"
