# SPDX-License-Identifier: MIT
# The program every CMake consumer builds, once the aio_timeout::aio_timeout
# target exists (run.sh copies this file next to main.c and aio_impl.c).
add_executable(app main.c aio_impl.c)
target_link_libraries(app PRIVATE aio_timeout::aio_timeout)
set_target_properties(app PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(app PRIVATE -Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror)
endif()
