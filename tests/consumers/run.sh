#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds one small program (src/) from outside the repository, each way a
# project can take aio_timeout.h:
#   install     `make install` puts exactly the header, aio_timeout.pc and the CMake
#               package under PREFIX (DESTDIR honoured); `make uninstall` removes them
#   pkg-config  pkg-config/Makefile against the installed prefix
#   find-package find-package/CMakeLists.txt against the prefix of `make install`
#               and against the prefix of `cmake --install` (same files); a request for
#               an incompatible version is refused
#   add-subdirectory  the repository copied into third_party/ and added as a subdirectory
#               (installs nothing of the header's own)
#   fetchcontent      the repository packed as an archive and fetched at configure time
#   copy        the header copied next to the .c files, no build system
# Each program must print the expected line. Needs cc and make; the pkg-config and
# CMake checks are skipped with a message when those tools are missing.
# Ends with "consumers: N passed, N failed"; exits non-zero if anything failed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/tests/consumers"
CC=${CC:-cc}
. "$root/tests/warnings.sh" # (the warning flags, given to every consumer's build)
WARN=$WARN_BASE
WARN_CMAKE=$(echo $WARN | tr ' ' ';')
expected="2 ticks, then timed out at 0.25 s"
version=$(sed -n 's/^project(aio_timeout VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
series=${version%.*}                                # 0.2 for 0.2.0: what find-package/ asks for
later="${series%%.*}.$((${series#*.} + 1))"         # 0.3: a minor release it must refuse (before 1.0)
work=$(mktemp -d "${TMPDIR:-/tmp}/aio-consumers.XXXXXX") || exit 1
passed=0
failed=0

ok() { echo "[consumer $1] ok${2:+: $2}"; passed=$((passed + 1)); }
bad() { # name message [log]
    echo "[consumer $1] FAILED: $2"
    [ -n "${3:-}" ] && [ -f "$3" ] && tail -n 25 "$3" | sed 's/^/    /'
    failed=$((failed + 1))
}
# A consumer project copied out of the tree, with the program's sources.
project() { # name [template-dir]
    mkdir -p "$work/$1"
    [ -n "${2:-}" ] && cp -R "$here/$2/." "$work/$1/"
    cp "$here/src/main.c" "$here/src/aio_impl.c" "$here/src/app.cmake" "$work/$1/"
}
# Run a built program and compare what it prints.
runs() { # name program
    if ! out=$("$2" 2>&1); then bad "$1" "the program failed: $out"; return 1; fi
    [ "$out" = "$expected" ] || { bad "$1" "printed '$out', expected '$expected'"; return 1; }
}
files_under() { (cd "$1" && find . -type f | LC_ALL=C sort | tr '\n' ' '); }
installed="./include/aio_timeout.h ./share/cmake/aio_timeout/aio_timeout-config-version.cmake \
./share/cmake/aio_timeout/aio_timeout-config.cmake ./share/pkgconfig/aio_timeout.pc "
installed=$(echo "$installed" | tr -s ' ')

# --- make install / uninstall -------------------------------------------------
prefix="$work/prefix"
if make -C "$root" --no-print-directory install PREFIX="$prefix" >"$work/install.log" 2>&1; then
    got=$(files_under "$prefix")
    if [ "$got" != "$installed" ]; then
        bad install "installed files: $got; expected: $installed"
    elif ! cmp -s "$root/aio_timeout.h" "$prefix/include/aio_timeout.h"; then
        bad install "the installed header differs from aio_timeout.h"
    elif ! grep -qx "prefix=$prefix" "$prefix/share/pkgconfig/aio_timeout.pc" ||
         ! grep -qx "Version: $version" "$prefix/share/pkgconfig/aio_timeout.pc"; then
        bad install "aio_timeout.pc does not name prefix $prefix and version $version"
    else
        ok install "PREFIX=$prefix: $(echo "$got" | wc -w) files, version $version"
    fi
else
    bad install "make install failed" "$work/install.log"
fi
stage="$work/stage"
if make -C "$root" --no-print-directory install DESTDIR="$stage" PREFIX=/opt/aio >"$work/destdir.log" 2>&1 &&
   [ "$(files_under "$stage/opt/aio")" = "$installed" ] &&
   grep -qx "prefix=/opt/aio" "$stage/opt/aio/share/pkgconfig/aio_timeout.pc" &&
   make -C "$root" --no-print-directory uninstall DESTDIR="$stage" PREFIX=/opt/aio >>"$work/destdir.log" 2>&1 &&
   [ -z "$(find "$stage" -type f)" ] && [ ! -d "$stage/opt/aio/share/cmake/aio_timeout" ]; then
    ok install-destdir-uninstall "DESTDIR=... PREFIX=/opt/aio, then make uninstall leaves no file"
else
    bad install-destdir-uninstall "DESTDIR staging or uninstall misbehaved" "$work/destdir.log"
    find "$stage" -type f | sed 's/^/    left: /'
fi

# --- pkg-config -------------------------------------------------------------------
if ! command -v pkg-config >/dev/null 2>&1; then
    echo "[consumer pkg-config] skipped: pkg-config is not installed"
else
    project pkg-config pkg-config
    export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
    pcver=$(pkg-config --modversion aio_timeout 2>/dev/null)
    if [ "$pcver" != "$version" ]; then
        bad pkg-config "pkg-config --modversion says '$pcver', CMakeLists.txt says '$version'"
    elif make -C "$work/pkg-config" --no-print-directory CC="$CC" CFLAGS="-O2 $WARN" >"$work/pkg-config.log" 2>&1; then
        runs pkg-config "$work/pkg-config/app" && ok pkg-config "cflags: $(pkg-config --cflags aio_timeout)"
    else
        bad pkg-config "the build failed" "$work/pkg-config.log"
    fi
    unset PKG_CONFIG_PATH
fi

# --- CMake: find_package, add_subdirectory, FetchContent -----------------------
if ! command -v cmake >/dev/null 2>&1; then
    echo "[consumer cmake] skipped: cmake is not installed (find-package, add-subdirectory, fetchcontent)"
else
    cmake_app() { # name source-dir build-dir configure-args...
        name=$1 src=$2 bld=$3; shift 3
        if cmake -S "$src" -B "$bld" -DCMAKE_C_COMPILER="$CC" -DAIO_TEST_WARNINGS="$WARN_CMAKE" "$@" \
                >"$work/$name.log" 2>&1 &&
           cmake --build "$bld" >>"$work/$name.log" 2>&1; then
            runs "$name" "$bld/app"
        else
            bad "$name" "configure or build failed" "$work/$name.log"; return 1
        fi
    }
    project find-package find-package
    cmake_app find-package "$work/find-package" "$work/find-package/build-make" \
        -DCMAKE_PREFIX_PATH="$prefix" &&
        ok find-package "find_package(aio_timeout $series) in the prefix of make install"

    # The CMake installer must produce the same files as make install.
    cprefix="$work/cmake-prefix"
    if cmake -S "$root" -B "$work/cmake-install-build" >"$work/cmake-install.log" 2>&1 &&
       cmake --install "$work/cmake-install-build" --prefix "$cprefix" >>"$work/cmake-install.log" 2>&1; then
        same=yes
        [ "$(files_under "$cprefix")" = "$installed" ] || same="files: $(files_under "$cprefix")"
        for f in include/aio_timeout.h share/cmake/aio_timeout/aio_timeout-config.cmake \
                 share/cmake/aio_timeout/aio_timeout-config-version.cmake; do
            [ "$same" = yes ] && ! cmp -s "$prefix/$f" "$cprefix/$f" && same="$f differs"
        done
        if [ "$same" = yes ] && [ "$(sed "s|$cprefix|P|" "$cprefix/share/pkgconfig/aio_timeout.pc")" != \
                                  "$(sed "s|$prefix|P|" "$prefix/share/pkgconfig/aio_timeout.pc")" ]; then
            same="aio_timeout.pc differs beyond its prefix"
        fi
        if [ "$same" = yes ]; then
            cmake_app find-package-cmake-install "$work/find-package" "$work/find-package/build-cmake" \
                -DCMAKE_PREFIX_PATH="$cprefix" &&
                ok find-package-cmake-install "cmake --install gives the same files, and find_package finds them"
        else
            bad find-package-cmake-install "cmake --install differs from make install: $same"
        fi
    else
        bad find-package-cmake-install "cmake --install failed" "$work/cmake-install.log"
    fi
    # 0.x.y satisfies a request for 0.x (above) and refuses one for the next minor and 1.0.
    refused=0
    for want in "$later" 1.0; do
        # refused for its version: CMake lists the installed one as "not accepted"
        if ! cmake -S "$work/find-package" -B "$work/find-package/build-$want" -DCMAKE_PREFIX_PATH="$prefix" \
                -DAIO_TEST_WARNINGS="$WARN_CMAKE" -DAIO_TIMEOUT_WANTED="$want" >"$work/find-package-$want.log" 2>&1 &&
           grep -q "aio_timeout-config.cmake, version: $version" "$work/find-package-$want.log"; then
            refused=$((refused + 1))
        fi
    done
    if [ "$refused" = 2 ]; then
        ok find-package-version "requests for $later and 1.0 are refused"
    else
        bad find-package-version "an incompatible version request was accepted" "$work/find-package-$later.log"
    fi

    # The repository as a project would vendor it: the working tree without build output.
    tar -C "$root" --exclude=./build --exclude=./.git -czf "$work/aio_timeout-src.tar.gz" .
    project add-subdirectory add-subdirectory
    mkdir -p "$work/add-subdirectory/third_party/aio_timeout"
    tar -C "$work/add-subdirectory/third_party/aio_timeout" -xzf "$work/aio_timeout-src.tar.gz"
    if cmake_app add-subdirectory "$work/add-subdirectory" "$work/add-subdirectory/build"; then
        # a subproject installs nothing of its own unless asked (AIO_TIMEOUT_INSTALL)
        cmake --install "$work/add-subdirectory/build" --prefix "$work/sub-prefix" >>"$work/add-subdirectory.log" 2>&1
        got=$(files_under "$work/sub-prefix")
        if [ "$got" = "./bin/app " ]; then
            ok add-subdirectory "target aio_timeout::aio_timeout; installing the project adds only its app"
        else
            bad add-subdirectory "installing the consumer also installed: $got"
        fi
    fi
    project fetchcontent fetchcontent
    cmake_app fetchcontent "$work/fetchcontent" "$work/fetchcontent/build" \
        -DAIO_TIMEOUT_URL="file://$work/aio_timeout-src.tar.gz" &&
        ok fetchcontent "FetchContent_MakeAvailable(aio_timeout) from an archive"
fi

# --- the header copied next to the sources, built by each compiler there is ------
project copy
cp "$root/aio_timeout.h" "$work/copy/"
built=""
compilers="gcc clang"
command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 || compilers=$CC
for cc in $compilers; do
    command -v "$cc" >/dev/null 2>&1 || continue
    # shellcheck disable=SC2086
    if (cd "$work/copy" && "$cc" -std=c11 -O2 $WARN main.c aio_impl.c -o "app-$cc") >"$work/copy-$cc.log" 2>&1; then
        runs "copy-$cc" "$work/copy/app-$cc" && built="$built $cc"
    else
        bad "copy-$cc" "the build failed" "$work/copy-$cc.log"
    fi
done
[ -n "$built" ] && ok copy "aio_timeout.h next to main.c and aio_impl.c, no build system:$built -std=c11"

if [ "$failed" -eq 0 ]; then
    rm -rf "$work"
else
    echo "consumer builds kept in $work"
fi
echo "consumers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
