# SPDX-License-Identifier: MIT
# shellcheck shell=sh disable=SC2034 # (a file sourced for its variables)
# The warning flags of every build of the project's tests, kept only here.
# Shell scripts source this file (`. tests/warnings.sh` from the repository's
# root); the Makefile and tests/embedded/embedded.mk read it through the shell,
# and tests/conformance/driver.py too. It only sets variables and defines
# uninit_warnings: sourcing it runs nothing else.

# Every build: the library and its tests are warning-free.
WARN_BASE="-Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror"

# The warnings that catch part of the locals rule (README, "The model"), as
# each compiler spells them: gcc's in C, gcc's in C++ (-Wjump-misses-init is C
# only), clang's in both.
WARN_GCC_C="-Wuninitialized -Wmaybe-uninitialized -Wjump-misses-init"
WARN_GCC_CXX="-Wuninitialized -Wmaybe-uninitialized"
WARN_CLANG="-Wuninitialized -Wsometimes-uninitialized -Wconditional-uninitialized"

# C++ code that uses the macros stays quiet under these (tests/checks/faults.sh):
# both compilers know the first, g++ alone the second.
WARN_CXX_CASTS="-Wold-style-cast"
WARN_GXX_CASTS="$WARN_CXX_CASTS -Wuseless-cast"

# A firmware team's own flags (tests/checks/strict.sh): the examples, the
# firmware programs and the implementation build with them, as the macros
# expand into the user's file under the user's flags.
WARN_STRICT="-Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wcast-qual -Wshadow -Wundef -Werror"

# avr-gcc 5 (Debian's, tests/embedded/avr.sh and size.sh): the base set
# without -Wimplicit-fallthrough, which it does not know (gcc's -Wextra has it
# from gcc 7 on).
WARN_AVR="-Wall -Wextra -Wpedantic -Werror"

# The MSVC check (clang as MSVC, tests/windows/run.sh): the base set without
# -Werror (it counts the warnings located in our files) and without
# -Wimplicit-fallthrough (as MSVC, whose attribute the header does not use,
# every await's fallthrough would be one).
WARN_MSVC_VIEW="-Wall -Wextra -Wpedantic"

# uninit_warnings COMPILER [c|c++]: the flags of the locals rule that
# COMPILER knows, for C or C++ (by default C++ for a name ending in ++, else
# C). gcc, g++, clang and clang++ are known by name; another name (cc, a
# cross compiler, "ccache gcc") by what its --version says; one that is
# neither gcc nor clang gets none.
uninit_warnings() {
    case ${2:-} in
    c | c++) aio_w_lang=$2 ;;
    *) case $1 in *++) aio_w_lang=c++ ;; *) aio_w_lang=c ;; esac ;;
    esac
    case $1 in
    clang | clang++) aio_w_family=clang ;;
    gcc | g++) aio_w_family=gcc ;;
    *) case $($1 --version 2>/dev/null) in
       *[Cc][Ll][Aa][Nn][Gg]*) aio_w_family=clang ;;
       *"Free Software Foundation"*) aio_w_family=gcc ;;
       *) aio_w_family= ;;
       esac ;;
    esac
    case $aio_w_family:$aio_w_lang in
    clang:*) echo "$WARN_CLANG" ;;
    gcc:c++) echo "$WARN_GCC_CXX" ;;
    gcc:c) echo "$WARN_GCC_C" ;;
    esac
}
