# aio_timeout.h - the header is the library; this builds its demo and tests.
CC      ?= cc
WARN    := -Wall -Wextra -Wpedantic -Wimplicit-fallthrough -Werror
CFLAGS  ?= -O2
TEST_SRC := tests/main.c tests/impl.c $(filter-out tests/main.c tests/impl.c,$(wildcard tests/test_*.c))

.PHONY: all demo test sanitize valgrind clean

all: build/demo

build/demo: examples/demo.c aio_timeout.h
	@mkdir -p build
	$(CC) -std=c11 $(CFLAGS) $(WARN) -I. examples/demo.c -o $@

# Build and run the demo on the real clock (`make demo ARGS=--virtual`: instant).
demo: build/demo
	./build/demo $(ARGS)

# Unit tests: gcc and clang, C11 and C++17, -O0 and -O2, 32-bit ticks, release.
test:
	sh tests/run_matrix.sh

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer (C and C++).
sanitize:
	@mkdir -p build
	gcc -std=c11 -O1 -g $(WARN) -DAIO_DEBUG -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer $(TEST_SRC) -lm -o build/test-asan
	g++ -x c++ -std=c++17 -O1 -g $(WARN) -DAIO_DEBUG -fsanitize=address,undefined \
	    -fno-sanitize-recover=all -fno-omit-frame-pointer $(TEST_SRC) -lm -o build/test-asan-cxx
	gcc -std=c11 -O1 -g $(WARN) -DAIO_DEBUG -DAIO_TIME_32 -fsanitize=address,undefined \
	    -fno-sanitize-recover=all $(TEST_SRC) -lm -o build/test-asan-ms32
	./build/test-asan
	./build/test-asan-cxx
	./build/test-asan-ms32

# valgrind memcheck (installs nothing: apt-get install valgrind). The stress
# test runs 20,000 tasks here instead of 1,000,000 to keep it under a minute.
valgrind:
	@mkdir -p build
	gcc -std=c11 -O1 -g $(WARN) -DAIO_DEBUG $(TEST_SRC) -lm -o build/test-vg
	AIO_STRESS_TASKS=20000 valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all \
	    -q ./build/test-vg

clean:
	rm -rf build
