# SPDX-License-Identifier: MIT
# A CMake toolchain file for MinGW-w64 on Linux (Debian's gcc-mingw-w64-x86-64):
#   cmake -DCMAKE_TOOLCHAIN_FILE=tests/windows/mingw-w64.cmake ...
# make test-windows builds a consumer of the CMake package with it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH) # (a package installed for this build, outside that root)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
