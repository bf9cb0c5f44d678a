# SPDX-License-Identifier: MIT
# The program every CMake consumer builds, once the aio_timeout::aio_timeout
# target exists (run.sh copies this file next to main.c and aio_impl.c).
add_executable(app main.c aio_impl.c)
target_link_libraries(app PRIVATE aio_timeout::aio_timeout)
set_target_properties(app PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)
# The project's warning flags, as a list: the test scripts give them
# (-DAIO_TEST_WARNINGS=..., from tests/warnings.sh).
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang" AND AIO_TEST_WARNINGS)
    target_compile_options(app PRIVATE ${AIO_TEST_WARNINGS})
endif()
