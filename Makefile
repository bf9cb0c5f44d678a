# SPDX-License-Identifier: MIT
# aio_timeout.h - the header is the library; this builds its demo and tests.
CC      ?= cc
# The warning flags, kept in tests/warnings.sh (every test script takes them
# from there): WARN_BASE for every build, and the warnings that catch part of
# the locals rule (README, "The model") in the spelling each compiler knows,
# $(call aio_uninit,COMPILER,c or c++).
aio_warnings := $(dir $(lastword $(MAKEFILE_LIST)))tests/warnings.sh
aio_warn      = $(shell [ -f '$(aio_warnings)' ] && . '$(aio_warnings)' && echo "$$$(1)")
aio_uninit    = $(shell [ -f '$(aio_warnings)' ] && . '$(aio_warnings)' && uninit_warnings '$(1)' $(2))
WARN_BASE    := $(call aio_warn,WARN_BASE)
WARN_GCC_C   := $(call aio_warn,WARN_GCC_C)
WARN_GCC_CXX := $(call aio_warn,WARN_GCC_CXX)
WARN    := $(WARN_BASE) $(call aio_uninit,$(CC),c)
WARN_GCC := $(WARN_BASE) $(WARN_GCC_C)
WARN_GXX := $(WARN_BASE) $(WARN_GCC_CXX)
CFLAGS  ?= -O2
# the processors: how many builds and runs the test targets start at once
NPROC ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
TEST_SRC := tests/main.c tests/impl.c $(filter-out tests/main.c tests/impl.c,$(wildcard tests/test_*.c))

.PHONY: all demo test check sanitize valgrind clean
.PHONY: bench bench-quick bench-programs bench-instr bench-instr-check

# Benchmarks (bench/README.md): each operation's cost beside the floor, libuv
# and asyncio, pinned to core 0. `make bench` writes bench/results.{json,md,png};
# `make bench-quick` is the reduced run CI does (build/bench/quick/).
PYTHON       ?= python3
BENCH_CC     ?= $(CC)
BENCH_CFLAGS ?= -std=c11 -O2
BENCH_INC    ?= -I.
BENCH_WARN    = $(WARN_BASE) $(call aio_uninit,$(BENCH_CC),c)
BENCH_PROGS  := build/bench/aio_bench build/bench/aio_bench_split build/bench/floor \
                $(if $(wildcard /usr/include/uv.h),build/bench/uv_peer)

all: build/demo

build/demo: examples/demo.c aio_timeout.h
	@mkdir -p build
	$(CC) -std=c11 $(CFLAGS) $(WARN) -I. examples/demo.c -o $@

# Build and run the demo on the real clock (`make demo ARGS=--virtual`: instant).
demo: build/demo
	./build/demo $(ARGS)

# The headers from their source, parts/ (docs/internals.md, "The file"): after
# editing a part, `make header` writes aio_timeout.h and aio_timeout_core.h (the
# core alone, for firmware); make test fails when they differ from what parts/ makes.
.PHONY: header
header:
	$(PYTHON) tools/parts.py build

# The same header with #line markers: a compiler error names parts/LAYER/NAME.h and its line
# (include build/aio_timeout.lines.h in place of aio_timeout.h while working on a part).
.PHONY: header-lines
header-lines:
	@mkdir -p build
	$(PYTHON) tools/parts.py build --lines --out build/aio_timeout.lines.h

# Unit tests: gcc and clang, C11 and C++17, -O0 and -O2, 32-bit ticks, release;
# then every check of tests/checks/, a line as each stage starts and ends.
# `make test ONLY="guide ports"` runs only those stages (tests/checks/README.md).
test:
	sh tests/run_matrix.sh $(ONLY)

# The quick tier, for the edit-compile loop (about two minutes on two cores): the
# unit tests in two builds, gcc C11 -O0 under AddressSanitizer and UBSan, and
# C++17 -O2 with clang++ (g++ where clang++ is missing), both with AIO_DEBUG;
# then, built as the first (their stages of make test build them at -O1), the
# simulation's tests (tests/sim/test_sim.c) and TLS's: an engine of the
# program's (tests/tls/test_tls_engine.c) and, where the engine's headers are
# installed, the tests on OpenSSL and on Mbed TLS (tests/tls/test_tls.c) and
# TLS in a simulation (tests/tls/test_tls_sim.c), on certificates
# tests/tls/certs.sh makes afresh; a missing engine is said and skipped. Builds
# and runs go two at a time, a line per program at the end. `make test` runs
# everything before a commit.
.PHONY: check check-always
CHECK_CXX ?= $(if $(shell command -v clang++ 2>/dev/null),clang++,g++)
CHECK_DEPS := aio_timeout.h $(wildcard tests/*.h) $(TEST_SRC)
CHECK_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all
CHECK_GCC   = gcc -std=c11 -O0 -g $(WARN_GCC) -DAIO_DEBUG $(CHECK_SAN) -fno-omit-frame-pointer
CHECK_TLS_DEPS := aio_timeout.h tests/test.h tests/counted_alloc.h tests/main.c $(wildcard tests/tls/*.h)
# (the probes run only when make check does)
check_has = printf '\#include <$(1)>\n' | gcc -E -x c - >/dev/null 2>&1
check:
	@mkdir -p build/check; rm -f build/check/*.result; : >build/check/skipped; \
	runs="unit-asan unit-cxx sim-asan tls-engine-asan"; \
	if ! $(call check_has,openssl/ssl.h); then \
	    echo "[tls-openssl-asan] [tls-sim-asan] skipped: OpenSSL's headers are not installed (apt-get install libssl-dev)" \
	        >>build/check/skipped; \
	elif ! command -v openssl >/dev/null 2>&1; then \
	    echo "[tls-openssl-asan] [tls-sim-asan] [tls-mbedtls-asan] skipped: no openssl command to make the" \
	        "certificates (apt-get install openssl)" >>build/check/skipped; \
	else runs="$$runs tls-openssl-asan tls-sim-asan"; fi; \
	if ! $(call check_has,mbedtls/ssl.h); then \
	    echo "[tls-mbedtls-asan] skipped: Mbed TLS's headers are not installed (apt-get install libmbedtls-dev)" \
	        >>build/check/skipped; \
	elif command -v openssl >/dev/null 2>&1; then runs="$$runs tls-mbedtls-asan"; fi; \
	$(MAKE) --no-print-directory -k -j2 $$(for r in $$runs; do echo build/check/$$r.result; done); \
	failed=0; for r in $$runs; do \
	    if [ -f build/check/$$r.result ]; then cat build/check/$$r.result; \
	    else echo "[$$r] FAILED: not built (the errors above)"; failed=1; fi; \
	done; cat build/check/skipped; \
	! grep -q '^\[[^]]*\] FAILED' build/check/*.result && exit $$failed

# A run of build/check/NAME, its output in NAME.out, what it ends with in NAME.result.
build/check/%.result: build/check/% check-always
	@$(if $(CHECK_DIR),rm -rf $(CHECK_DIR) && mkdir -p $(CHECK_DIR);) \
	$(CHECK_ENV) timeout 300 ./build/check/$* $(CHECK_DIR) >build/check/$*.out 2>&1; rc=$$?; \
	{ grep -E '^(FAIL|    )' build/check/$*.out | head -40; last=$$(tail -n 1 build/check/$*.out); \
	  case $$rc:$$last in \
	  "0:"*" passed, 0 failed") echo "[$*] $$last" ;; \
	  *) echo "[$*] FAILED (exit $$rc): $$last (build/check/$*.out)" ;; \
	  esac; } >$@
check-always:

build/check/unit-asan: $(CHECK_DEPS)
	@mkdir -p build/check
	$(CHECK_GCC) $(TEST_SRC) -lm -o $@

build/check/unit-cxx: $(CHECK_DEPS)
	@mkdir -p build/check
	$(CHECK_CXX) -x c++ -std=c++17 -O2 $(WARN_BASE) $(call aio_uninit,$(CHECK_CXX),c++) -DAIO_DEBUG \
	    $(TEST_SRC) -lm -o $@

# The simulation writes the traces of its runner's tests into a directory.
build/check/sim-asan.result: CHECK_DIR = build/check/sim
build/check/sim-asan: tests/sim/test_sim.c tests/counted_alloc.h aio_timeout.h
	@mkdir -p build/check
	$(CHECK_GCC) -DAIO_SIMULATION $< -o $@ -lm -lpthread

build/check/tls-engine-asan: tests/tls/test_tls_engine.c $(CHECK_TLS_DEPS)
	@mkdir -p build/check
	$(CHECK_GCC) $< -o $@ -lm

build/check/tls-openssl-asan: tests/tls/test_tls.c $(CHECK_TLS_DEPS)
	@mkdir -p build/check
	$(CHECK_GCC) $< -o $@ -lssl -lcrypto -lm

build/check/tls-mbedtls-asan: tests/tls/test_tls.c $(CHECK_TLS_DEPS)
	@mkdir -p build/check
	$(CHECK_GCC) -DAIO_TLS_MBEDTLS $< -o $@ -lmbedtls -lmbedx509 -lmbedcrypto -lm

build/check/tls-sim-asan: tests/tls/test_tls_sim.c $(CHECK_TLS_DEPS)
	@mkdir -p build/check
	$(CHECK_GCC) -DAIO_SIMULATION $< -o $@ -lssl -lcrypto -lm

# The TLS tests' certificates, made afresh by every make check (they last two days).
build/check/tls-openssl-asan.result build/check/tls-mbedtls-asan.result build/check/tls-sim-asan.result: \
    CHECK_ENV = TLS_CERTS=build/check/certs
build/check/tls-openssl-asan.result build/check/tls-mbedtls-asan.result build/check/tls-sim-asan.result: \
    build/check/certs/made
build/check/certs/made: check-always
	@rm -rf build/check/certs
	@sh tests/tls/certs.sh build/check/certs >build/check/certs.log 2>&1 || \
	    { echo "tests/tls/certs.sh did not make the certificates:"; tail -n 15 build/check/certs.log; exit 1; }
	@touch $@

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer (C and C++),
# and events set and queue items put from other threads, a server shared by two
# loops on two threads (under both sanitizers), the worker threads and
# child processes (their exits told by a pidfd, and by SIGCHLD; of loops in several
# threads at once) under ThreadSanitizer. Built and run as many at once as the
# machine has processors (each program's output together, in build/sanitize/).
SAN_AU    := -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_TSAN  := TSAN_OPTIONS=halt_on_error=1
SAN_RUNS  := test-asan test-asan-cxx test-asan-ms32 threads-tsan queue-threads-tsan server-share-tsan \
             server-share-asan process-threads-tsan process-threads-tsan-sigchld test-tsan-threads \
             test-tsan-processes test-tsan-sigchld-processes
sanitize:
	@mkdir -p build/sanitize
	@$(MAKE) --no-print-directory -j$(NPROC) --output-sync=target $(SAN_RUNS:%=build/sanitize/%.ran)
.PHONY: sanitize-always
sanitize-always:
build/sanitize/%.ran: build/sanitize/% sanitize-always
	$(if $(findstring tsan,$*),$(SAN_TSAN)) ./$<
	@touch $@
build/sanitize/test-tsan-threads.ran: build/sanitize/test-tsan sanitize-always
	$(SAN_TSAN) ./$< test_threads
build/sanitize/test-tsan-processes.ran: build/sanitize/test-tsan sanitize-always
	$(SAN_TSAN) ./$< test_processes
build/sanitize/test-tsan-sigchld-processes.ran: build/sanitize/test-tsan-sigchld sanitize-always
	$(SAN_TSAN) ./$< test_processes
build/sanitize/test-asan: $(CHECK_DEPS)
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG $(SAN_AU) -fno-omit-frame-pointer $(TEST_SRC) -lm -o $@
build/sanitize/test-asan-cxx: $(CHECK_DEPS)
	g++ -x c++ -std=c++17 -O1 -g $(WARN_GXX) -DAIO_DEBUG $(SAN_AU) -fno-omit-frame-pointer $(TEST_SRC) -lm -o $@
build/sanitize/test-asan-ms32: $(CHECK_DEPS)
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG -DAIO_TIME_32 $(SAN_AU) $(TEST_SRC) -lm -o $@
build/sanitize/threads-tsan: tests/threads/event_threads.c aio_timeout.h
	gcc -std=c11 -O1 -g $(WARN_GCC) -fsanitize=thread $< -lpthread -o $@
build/sanitize/queue-threads-tsan: tests/threads/queue_threads.c aio_timeout.h
	gcc -std=c11 -O1 -g $(WARN_GCC) -fsanitize=thread $< -lpthread -o $@
build/sanitize/server-share-tsan: tests/threads/server_share.c aio_timeout.h
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG -fsanitize=thread $< -lpthread -o $@
build/sanitize/server-share-asan: tests/threads/server_share.c aio_timeout.h
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG $(SAN_AU) $< -lpthread -o $@
build/sanitize/process-threads-tsan: tests/threads/process_threads.c aio_timeout.h
	gcc -std=c11 -O1 -g $(WARN_GCC) -fsanitize=thread $< -lpthread -o $@
build/sanitize/process-threads-tsan-sigchld: tests/threads/process_threads.c aio_timeout.h
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_NO_PIDFD -fsanitize=thread $< -lpthread -o $@
build/sanitize/test-tsan: $(CHECK_DEPS)
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG -fsanitize=thread $(TEST_SRC) -lm -lpthread -o $@
build/sanitize/test-tsan-sigchld: $(CHECK_DEPS)
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG -DAIO_NO_PIDFD -DAIO_NO_CLOSE_RANGE -fsanitize=thread $(TEST_SRC) \
	    -lm -lpthread -o $@

# valgrind memcheck (installs nothing: apt-get install valgrind). The stress
# test runs 20,000 tasks here instead of 1,000,000 to keep it under a minute.
# The suite is shared out among as many processes as there are processors
# (TEST_SHARD, tests/main.c), each process's output printed whole.
valgrind:
	@mkdir -p build/valgrind
	gcc -std=c11 -O1 -g $(WARN_GCC) -DAIO_DEBUG $(TEST_SRC) -lm -o build/test-vg
	@n=$(NPROC); k=0; pids=""; while [ $$k -lt $$n ]; do \
	    echo "TEST_SHARD=$$k/$$n AIO_STRESS_TASKS=20000 valgrind ... ./build/test-vg"; \
	    TEST_SHARD=$$k/$$n AIO_STRESS_TASKS=20000 valgrind --error-exitcode=1 --leak-check=full \
	        --errors-for-leak-kinds=all -q ./build/test-vg >build/valgrind/shard-$$k.out 2>&1 & \
	    pids="$$pids $$!"; k=$$((k + 1)); done; \
	rc=0; for p in $$pids; do wait $$p || rc=1; done; \
	k=0; while [ $$k -lt $$n ]; do cat build/valgrind/shard-$$k.out; k=$$((k + 1)); done; exit $$rc

# Line and branch coverage of aio_timeout.h over the unit tests (debug, 32-bit
# ticks, release, critical section), the conformance scenarios, the examples and
# the demo (tests/coverage/run.sh; gcc --coverage and lcov, which it installs if
# missing). HTML in build/coverage/html/; fails below COVERAGE_LINES % of lines
# or COVERAGE_BRANCHES % of branches (the TLS engines, the server and the
# platform's table counted; the paths not taken are listed by the run).
.PHONY: coverage
COVERAGE_LINES    ?= 100
COVERAGE_BRANCHES ?= 98
coverage:
	sh tests/coverage/run.sh --lines $(COVERAGE_LINES) --branches $(COVERAGE_BRANCHES)

# cppcheck + clang-tidy on the header, every configuration (tests/lint/README.md).
.PHONY: lint
lint:
	sh tests/lint/run.sh

# Locals read after an await, awaits inside your own switch (tests/lint/README.md):
# `make lint-coroutines FILES="src/*.c" LINT_FLAGS="-Iinclude -DMY_BOARD"`.
# Without FILES it checks examples/ and tests/ (not the port files and the board starts: they need
# their SDK or target; make test checks those with it).
# Needs python3 and clang 9 or later (CLANG=clang-15 picks another); not libclang's
# Python bindings. Without them it says which Debian packages to install.
.PHONY: lint-coroutines
LINT_FLAGS ?=
lint-coroutines:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "lint-coroutines: $(PYTHON) is not installed;" \
	    "the checker needs python3 and clang (on Debian or Ubuntu: apt-get install python3 clang)"; exit 2; }
	@$(PYTHON) tests/lint/coroutines.py -I. $(LINT_FLAGS) \
	    $(or $(FILES),$(filter-out tests/lint/corpus/% examples/ports/% examples/boards/% tests/embedded/avr_glue.c tests/embedded/board_handlers.c tests/embedded/size/onefile.c,$(wildcard examples/*.c examples/*/*.c tests/*.c tests/*/*.c tests/*/*.cpp tests/*/*/*.c)))

# tests/stress/stress.c: 1e6 virtual-clock tasks and 1e5 real timers under ASan+UBSan, then fewer under valgrind.
.PHONY: stress
stress:
	@mkdir -p build
	gcc -std=c11 -O2 -g $(WARN_GCC) -DAIO_DEBUG -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer tests/stress/stress.c -o build/stress-asan
	./build/stress-asan --virtual 1000000
	./build/stress-asan --real 100000
	gcc -std=c11 -O2 -g $(WARN_GCC) -DAIO_DEBUG tests/stress/stress.c -o build/stress
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all -q ./build/stress --virtual 200000
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=all -q ./build/stress --real 20000

# The schedule fuzzer (tests/fuzz/README.md): libFuzzer + ASan + UBSan for
# FUZZ_SECONDS on the 64-bit and the 32-bit tick builds at once, then the I/O
# slot fuzzer for half that time on the epoll and the poll() builds at once;
# installs clang's fuzzer runtime if missing. `make test` replays their corpora.
# FUZZ_HEADER_DIR=dir fuzzes another aio_timeout.h, FUZZ_SEEDS=0 starts from
# nothing, FUZZ_KEEP_GOING=1 keeps every failure and times how long each took;
# FUZZ_RUNS=n runs a campaign of n executions a build from a seed the commit
# gives, the same on any machine (CI's).
.PHONY: fuzz
FUZZ_SECONDS ?= 120
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) sh tests/fuzz/run.sh

# Installs libuv1-dev and hyperfine if missing (bench/deps.sh), builds, runs.
bench bench-quick:
	@sh bench/deps.sh
	@$(MAKE) --no-print-directory bench-programs
	BENCH_CC="$(BENCH_CC)" BENCH_CFLAGS="$(BENCH_CFLAGS)" BENCH_INC="$(BENCH_INC)" $(PYTHON) bench/run.py $(if $(filter bench-quick,$@),--quick)

bench-programs: $(BENCH_PROGS)

# Instructions per operation under callgrind, ours and the floor (bench/instr.py;
# installs valgrind if missing). `make bench-instr` writes them into
# bench/results.{json,md}; `make bench-instr-check` (CI) measures again and fails
# if one of ours grew more than 10% over bench/results.json.
bench-instr bench-instr-check: build/bench/aio_bench build/bench/aio_bench_traced build/bench/floor
	BENCH_CC="$(BENCH_CC)" BENCH_CFLAGS="$(BENCH_CFLAGS)" BENCH_INC="$(BENCH_INC)" $(PYTHON) bench/instr.py \
	    $(if $(filter bench-instr-check,$@),--check)

build/bench/aio_bench: bench/aio_bench.c bench/common.h aio_timeout.h
	@mkdir -p build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) bench/aio_bench.c -o $@

# The same with the instruments compiled in and no hook set (make bench-instr's
# second column: what an instrumented release build pays).
build/bench/aio_bench_traced: bench/aio_bench.c bench/common.h aio_timeout.h
	@mkdir -p build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) -DAIO_INSTRUMENTS=1 bench/aio_bench.c -o $@

build/bench/aio_bench_split: bench/aio_bench.c bench/aio_impl.c bench/common.h aio_timeout.h
	@mkdir -p build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) -DBENCH_SPLIT bench/aio_bench.c bench/aio_impl.c -o $@

build/bench/floor: bench/floor.c bench/common.h
	@mkdir -p build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/floor.c -o $@

build/bench/uv_peer: bench/uv_peer.c bench/common.h
	@mkdir -p build/bench
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/uv_peer.c -luv -o $@

# The echo-server benchmark (bench/README.md, "I/O: echo server"): ours, libuv,
# libevent, asyncio and uvloop, each single-threaded on core 0, at 100, 1,000 and
# 10,000 connections of 64-byte requests from bench/io/loadgen.c on core 1; and
# in the same run a line-protocol server (a 64-byte line answered upper-cased)
# on our streams, asyncio's and uvloop's, at 100 and 1,000 connections; then a
# to_thread round trip and a name lookup, ours beside asyncio's and uvloop's
# (bench/io/threads_aio.c, bench/io/threads_asyncio.py), on one core and on two;
# between them, system calls and CPU time per request at a fixed load (perf stat,
# bench/io/echo_floor.c the floor). `make bench-io` (3 rounds of the servers, 3 at
# the fixed load, 5 of the thread programs, about 12 minutes) writes bench/io-results.{json,svg} and the "## I/O: echo server"
# section of bench/results.md; `make bench-io-quick` (one round, 100 and 1,000
# connections, 1 s each; 3 rounds of fewer calls) writes build/bench/io/quick/.
# Installs libuv1-dev, libevent-dev and python3-uvloop if missing
# (bench/io/deps.sh); bench/io/run.py raises the descriptor limit. Ours is left
# out, with a one-line note, when echo_aio.c (lines_aio.c, threads_aio.c) does
# not compile against the aio_timeout.h found with BENCH_INC (one without the
# I/O API, without streams, or without worker threads).
.PHONY: bench-io bench-io-quick bench-io-programs
BENCH_IO_PROGS = build/bench/io/loadgen build/bench/io/echo_floor build/bench/io/fanout_load \
                 $(if $(wildcard /usr/include/uv.h),build/bench/io/echo_uv) \
                 $(if $(wildcard /usr/include/event2/event.h),build/bench/io/echo_event) \
                 $(if $(wildcard /usr/include/openssl/ssl.h),build/bench/io/tls_load build/bench/io/tls_floor)
BENCH_IO_HDR   = $(or $(patsubst -I%,%,$(firstword $(filter -I%,$(BENCH_INC)))),.)/aio_timeout.h

bench-io bench-io-quick:
	@PYTHON="$(PYTHON)" sh bench/io/deps.sh
	@$(MAKE) --no-print-directory bench-io-programs
	@if $(MAKE) --no-print-directory build/bench/io/echo_aio >build/bench/io/echo_aio.log 2>&1; then \
	    cat build/bench/io/echo_aio.log; else rm -f build/bench/io/echo_aio; \
	    echo "bench-io: bench/io/echo_aio.c does not compile against $(BENCH_IO_HDR) (no I/O API?): ours is skipped (build/bench/io/echo_aio.log)"; fi
	@if $(MAKE) --no-print-directory build/bench/io/lines_aio >build/bench/io/lines_aio.log 2>&1; then \
	    cat build/bench/io/lines_aio.log; else rm -f build/bench/io/lines_aio; \
	    echo "bench-io: bench/io/lines_aio.c does not compile against $(BENCH_IO_HDR) (no streams?): our line server is skipped (build/bench/io/lines_aio.log)"; fi
	@for p in echo_server_aio lines_server_aio lines_cores_aio chat_aio broker_aio; do \
	    if $(MAKE) --no-print-directory build/bench/io/$$p >build/bench/io/$$p.log 2>&1; then \
	    cat build/bench/io/$$p.log; else rm -f build/bench/io/$$p; \
	    echo "bench-io: bench/io/$$p.c does not compile against $(BENCH_IO_HDR) (no aio_server?): it is skipped (build/bench/io/$$p.log)"; fi; done
	@if $(MAKE) --no-print-directory build/bench/io/threads_aio >build/bench/io/threads_aio.log 2>&1; then \
	    cat build/bench/io/threads_aio.log; else rm -f build/bench/io/threads_aio; \
	    echo "bench-io: bench/io/threads_aio.c does not compile against $(BENCH_IO_HDR) (no worker threads?): our to_thread and lookups are skipped (build/bench/io/threads_aio.log)"; fi
	@rm -f build/bench/io/lines_tls_aio.why build/bench/io/lines_tls_mbedtls.why
	@if [ ! -f /usr/include/openssl/ssl.h ]; then rm -f build/bench/io/lines_tls_aio; \
	    echo "OpenSSL's headers are not installed (apt-get install libssl-dev)" >build/bench/io/lines_tls_aio.why; \
	elif $(MAKE) --no-print-directory build/bench/io/lines_tls_aio >build/bench/io/lines_tls_aio.log 2>&1; then \
	    cat build/bench/io/lines_tls_aio.log; else rm -f build/bench/io/lines_tls_aio; \
	    echo "bench/io/lines_tls_aio.c does not compile against $(BENCH_IO_HDR) (no TLS?): build/bench/io/lines_tls_aio.log" \
	    | tee build/bench/io/lines_tls_aio.why; fi
	@if [ ! -f /usr/include/mbedtls/ssl.h ]; then rm -f build/bench/io/lines_tls_mbedtls; \
	    echo "Mbed TLS's headers are not installed (apt-get install libmbedtls-dev)" >build/bench/io/lines_tls_mbedtls.why; \
	elif $(MAKE) --no-print-directory build/bench/io/lines_tls_mbedtls >build/bench/io/lines_tls_mbedtls.log 2>&1; then \
	    cat build/bench/io/lines_tls_mbedtls.log; else rm -f build/bench/io/lines_tls_mbedtls; \
	    echo "bench/io/lines_tls_aio.c does not compile on Mbed TLS against $(BENCH_IO_HDR): build/bench/io/lines_tls_mbedtls.log" \
	    | tee build/bench/io/lines_tls_mbedtls.why; fi
	BENCH_CC="$(BENCH_CC)" BENCH_CFLAGS="$(BENCH_CFLAGS)" BENCH_INC="$(BENCH_INC)" $(PYTHON) bench/io/run.py \
	    $(if $(filter bench-io-quick,$@),--quick)
	$(PYTHON) bench/io/fanout_run.py $(if $(filter bench-io-quick,$@),--quick,--write)
	$(PYTHON) bench/io/cores_run.py $(if $(filter bench-io-quick,$@),--quick,--write)

bench-io-programs: $(BENCH_IO_PROGS)

# The servers' user-space instructions per request under callgrind (bench/io/instr.py):
# unlike requests/s and CPU time, they do not move with the machine's load, so a
# change to the I/O path that costs an instruction per request shows.
.PHONY: bench-io-instr
bench-io-instr: build/bench/io/loadgen build/bench/io/echo_floor build/bench/io/echo_aio build/bench/io/lines_aio \
                build/bench/io/echo_server_aio build/bench/io/lines_server_aio
	@command -v valgrind >/dev/null 2>&1 || (apt-get update -q && apt-get install -y -q valgrind)
	$(PYTHON) bench/io/instr.py

# What the programs were built with: a different BENCH_CC, BENCH_CFLAGS or
# BENCH_INC (another aio_timeout.h) rebuilds them.
.PHONY: bench-io-always
bench-io-always:
build/bench/io/flags: bench-io-always
	@mkdir -p build/bench/io
	@echo '$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_INC)' | cmp -s - $@ || echo '$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_INC)' >$@

build/bench/io/loadgen: bench/io/loadgen.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/loadgen.c -o $@

build/bench/io/fanout_load: bench/io/fanout_load.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/fanout_load.c -o $@

build/bench/io/echo_floor: bench/io/echo_floor.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/echo_floor.c -o $@

build/bench/io/echo_uv: bench/io/echo_uv.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/echo_uv.c -luv -o $@

build/bench/io/echo_event: bench/io/echo_event.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/echo_event.c -levent -o $@

build/bench/io/echo_aio: bench/io/echo_aio.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) bench/io/echo_aio.c -o $@

build/bench/io/lines_aio: bench/io/lines_aio.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) bench/io/lines_aio.c -o $@

# The TLS rows (bench/io/tls_run.py): the load generator and the floor on
# OpenSSL, our line server over TLS on each engine whose headers are present.
build/bench/io/tls_load: bench/io/tls_load.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/tls_load.c -lssl -lcrypto -lpthread -o $@

build/bench/io/tls_floor: bench/io/tls_floor.c build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) bench/io/tls_floor.c -lssl -lcrypto -o $@

build/bench/io/lines_tls_aio: bench/io/lines_tls_aio.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) bench/io/lines_tls_aio.c -lssl -lcrypto -o $@

build/bench/io/lines_tls_mbedtls: bench/io/lines_tls_aio.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) -DAIO_TLS_MBEDTLS bench/io/lines_tls_aio.c \
	    -lmbedtls -lmbedx509 -lmbedcrypto -o $@

build/bench/io/echo_server_aio build/bench/io/lines_server_aio build/bench/io/chat_aio build/bench/io/broker_aio: \
        build/bench/io/%: bench/io/%.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) $< -o $@

# (-lpthread: the pool's worker threads; glibc has them in the C library from
# 2.34 on, older C libraries need it)
build/bench/io/lines_cores_aio: bench/io/lines_cores_aio.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) bench/io/lines_cores_aio.c -lpthread -o $@

build/bench/io/threads_aio: bench/io/threads_aio.c $(BENCH_IO_HDR) build/bench/io/flags
	@mkdir -p build/bench/io
	$(BENCH_CC) $(BENCH_CFLAGS) $(BENCH_WARN) $(BENCH_INC) bench/io/threads_aio.c -lpthread -o $@

clean:
	rm -rf build

# Installation: the header, a pkg-config file and a CMake package, nothing else.
# `make install PREFIX=/opt/aio DESTDIR=/tmp/stage`; `make uninstall` with the same
# variables removes them. `make consumers` builds a small program against each
# way of getting the header (tests/consumers/run.sh; pkg-config and cmake).
.PHONY: install uninstall consumers
AIO_VERSION  := 0.2.0
PREFIX       ?= /usr/local
AIO_INCDIR    = $(DESTDIR)$(PREFIX)/include
AIO_PCDIR     = $(DESTDIR)$(PREFIX)/share/pkgconfig
AIO_CMAKEDIR  = $(DESTDIR)$(PREFIX)/share/cmake/aio_timeout

# The text of the three generated files, kept only here: `define FILE.in` ...
# `endef # FILE.in`, used unexpanded. make install fills in the @...@ words below;
# CMakeLists.txt reads these blocks for cmake --install (keep the endef comments,
# and no line may end in a backslash).
define aio_timeout.pc.in
# aio_timeout.h is under the MIT license (SPDX-License-Identifier: MIT)
prefix=@AIO_PREFIX@
includedir=@AIO_PC_INCLUDEDIR@

Name: aio_timeout
Description: Python asyncio's timeouts and cancellation for C, in one header
Version: @AIO_VERSION@
Cflags: -I${includedir}
endef # aio_timeout.pc.in

define aio_timeout-config.cmake.in
# SPDX-License-Identifier: MIT (aio_timeout.h's license)
# find_package(aio_timeout) -> the INTERFACE target aio_timeout::aio_timeout,
# which adds the directory of aio_timeout.h to the include path (and, on
# Windows, links Winsock: ws2_32).
# Relocatable: the header is found relative to this file.
get_filename_component(_aio_timeout_include
    "${CMAKE_CURRENT_LIST_DIR}/@AIO_CONFIG_TO_INCLUDEDIR@" ABSOLUTE)
if(NOT EXISTS "${_aio_timeout_include}/aio_timeout.h")
    set(aio_timeout_FOUND FALSE)
    set(aio_timeout_NOT_FOUND_MESSAGE
        "aio_timeout.h is not in ${_aio_timeout_include} (incomplete installation)")
    unset(_aio_timeout_include)
    return()
endif()
if(NOT TARGET aio_timeout::aio_timeout)
    add_library(aio_timeout::aio_timeout INTERFACE IMPORTED)
    set_target_properties(aio_timeout::aio_timeout PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${_aio_timeout_include}"
        INTERFACE_LINK_LIBRARIES "$<$<PLATFORM_ID:Windows>:ws2_32>")
endif()
set(aio_timeout_INCLUDE_DIR "${_aio_timeout_include}")
unset(_aio_timeout_include)
endef # aio_timeout-config.cmake.in

define aio_timeout-config-version.cmake.in
# Which requested versions this installation satisfies. Before 1.0 a minor
# release may change the API, so 0.x.* satisfies only requests for 0.x; from
# 1.0 on any later release with the same major version does. The package is a
# header: it fits every architecture.
set(PACKAGE_VERSION "@AIO_VERSION@")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
set(PACKAGE_VERSION_EXACT FALSE)
string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _aio_version "${PACKAGE_VERSION}")
set(_aio_major "${CMAKE_MATCH_1}")
set(_aio_minor "${CMAKE_MATCH_2}")

if(PACKAGE_FIND_VERSION_RANGE)                 # find_package(aio_timeout 0.1...<1.0)
    if(NOT PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION_MIN AND
       ((PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "INCLUDE" AND
         NOT PACKAGE_VERSION VERSION_GREATER PACKAGE_FIND_VERSION_MAX) OR
        (PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "EXCLUDE" AND
         PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION_MAX)))
        set(PACKAGE_VERSION_COMPATIBLE TRUE)
    endif()
elseif("${PACKAGE_FIND_VERSION}" STREQUAL "")  # find_package(aio_timeout)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
elseif(NOT PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION AND
       _aio_major EQUAL PACKAGE_FIND_VERSION_MAJOR AND
       (_aio_major GREATER 0 OR _aio_minor EQUAL PACKAGE_FIND_VERSION_MINOR))
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
if(PACKAGE_VERSION_COMPATIBLE AND PACKAGE_VERSION VERSION_EQUAL PACKAGE_FIND_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
endif()
unset(_aio_version)
unset(_aio_major)
unset(_aio_minor)
endef # aio_timeout-config-version.cmake.in

# $(call aio_fill,BLOCK): the block's text as written, @...@ words filled in.
aio_fill  = $(subst @AIO_PREFIX@,$(PREFIX),$(subst @AIO_PC_INCLUDEDIR@,$${prefix}/include,$(aio_fill1)))
aio_fill1 = $(subst @AIO_CONFIG_TO_INCLUDEDIR@,../../../include,$(subst @AIO_VERSION@,$(AIO_VERSION),$(value $1)))
install: export AIO_PC = $(call aio_fill,aio_timeout.pc.in)
install: export AIO_CONFIG = $(call aio_fill,aio_timeout-config.cmake.in)
install: export AIO_CONFIG_VERSION = $(call aio_fill,aio_timeout-config-version.cmake.in)
install:
	install -d "$(AIO_INCDIR)" "$(AIO_PCDIR)" "$(AIO_CMAKEDIR)"
	install -m 644 aio_timeout.h "$(AIO_INCDIR)/aio_timeout.h"
	printf '%s\n' "$$AIO_PC" >"$(AIO_PCDIR)/aio_timeout.pc"
	printf '%s\n' "$$AIO_CONFIG" >"$(AIO_CMAKEDIR)/aio_timeout-config.cmake"
	printf '%s\n' "$$AIO_CONFIG_VERSION" >"$(AIO_CMAKEDIR)/aio_timeout-config-version.cmake"
	chmod 644 "$(AIO_PCDIR)/aio_timeout.pc" "$(AIO_CMAKEDIR)"/aio_timeout-config*.cmake

uninstall:
	rm -f "$(AIO_INCDIR)/aio_timeout.h" "$(AIO_PCDIR)/aio_timeout.pc" \
	      "$(AIO_CMAKEDIR)/aio_timeout-config.cmake" "$(AIO_CMAKEDIR)/aio_timeout-config-version.cmake"
	rmdir "$(AIO_CMAKEDIR)" 2>/dev/null || true

consumers:
	sh tests/consumers/run.sh

# The examples (examples/README.md): the tutorials' asyncio patterns in C.
# `make examples` builds them into build/examples/; `sh examples/showcase.sh` runs
# them on the real clock (`--virtual`: instantly); `make test` checks their output.
.PHONY: examples
EXAMPLES := $(patsubst examples/%.c,build/examples/%,$(wildcard examples/[0-9][0-9]_*.c))

examples: $(EXAMPLES)

build/examples/%: examples/%.c examples/example.h aio_timeout.h
	@mkdir -p build/examples
	$(CC) -std=c11 $(CFLAGS) $(WARN) -I. $< -o $@ $(if $(filter %_cores,$@),-lpthread)

# The simulation's speed (docs/simulation.md): `make sim-bench` runs example 21's
# fixed version under `--sim SIM_SEEDS` (10,000), built with -O2, and prints the seeds
# per second of wall time; it fails below 1,000. `make sim-bench SIM_SEEDS=100000`.
.PHONY: sim-bench
SIM_SEEDS ?= 10000
sim-bench: build/sim-bench/21_request_reply
	@t0=$$(date +%s%N); ./build/sim-bench/21_request_reply --fixed --sim $(SIM_SEEDS) >build/sim-bench/run.out || \
	    { echo "sim-bench: the simulation failed:"; cat build/sim-bench/run.out; exit 1; }; t1=$$(date +%s%N); \
	awk -v n=$(SIM_SEEDS) -v ns=$$((t1 - t0)) 'BEGIN { s = ns / 1e9; r = n / s; \
	    printf "sim-bench: %d seeds in %.2f s: %.0f seeds/s (target 1000)\n", n, s, r; exit !(r >= 1000) }'

build/sim-bench/21_request_reply: examples/21_request_reply.c examples/example.h aio_timeout.h
	@mkdir -p build/sim-bench
	$(CC) -std=c11 -O2 $(WARN) -I. $< -o $@

# The timeline (docs/timeline.md): `make trace-demo` records examples/trace_demo.c
# (nested timeouts and a cancelled gather on the virtual clock) and draws it with
# tools/aio_trace.py: build/trace/demo.txt (the text trace), demo.json (open it at
# ui.perfetto.dev) and demo.svg. `make trace-check` runs the tool's tests alone
# (`make test` runs them too); it installs chromium if missing, for the picture's tests.
.PHONY: trace-demo trace-check
trace-demo: build/trace/trace_demo
	@mkdir -p build/trace
	./build/trace/trace_demo >build/trace/demo.txt
	$(PYTHON) tools/aio_trace.py build/trace/demo.txt --json build/trace/demo.json --svg build/trace/demo.svg
	@echo "build/trace/demo.txt   the text trace"
	@echo "build/trace/demo.json  open it at https://ui.perfetto.dev (or chrome://tracing): a track per task"
	@echo "build/trace/demo.svg   the timeline, in any browser"

build/trace/trace_demo: examples/trace_demo.c aio_timeout.h
	@mkdir -p build/trace
	$(CC) -std=c11 $(CFLAGS) $(WARN) -I. $< -o $@

trace-check:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	    echo "installing chromium (without it the picture's tests are skipped)"; \
	    if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	    { DEBIAN_FRONTEND=noninteractive $$sudo apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; } >/dev/null 2>&1 || \
	    echo "chromium could not be installed: the picture's tests will say SKIPPED"; }
	$(PYTHON) tests/trace/test_aio_trace.py

# Firmware (tests/embedded/README.md): `make cross` builds the header, the unit tests,
# the demo and examples/firmware for Cortex-M0, M3 and M4 at -Os (and RV32 when
# riscv64-unknown-elf-gcc is installed); `make test-qemu` runs them under qemu-system-arm;
# `make size` prints the library's flash and RAM beside their goals, and
# `make size-check` (CI) fails if one is above its ceiling
# (tests/embedded/size/ceilings.txt). Needs gcc-arm-none-eabi,
# libnewlib-arm-none-eabi and qemu-system-arm (gcc-avr and avr-libc for the AVR row).
.PHONY: cross test-qemu size size-check
cross test-qemu size size-check:
	@$(MAKE) --no-print-directory -f tests/embedded/embedded.mk -j2 $@

# Windows: the unit suite, Ctrl-C routing and the examples cross-built with
# MinGW-w64 and run under wine, and the MSVC check through clang
# (tests/windows/run.sh; installs MinGW-w64 and wine if missing).
.PHONY: test-windows
test-windows:
	sh tests/windows/run.sh

# Where int is 16 bits, under simavr (tests/embedded/README.md): the smoke program
# tests/embedded/avr_smoke.c on an ATmega328P, then the unit tests on an ATmega1284P
# (16 KiB of RAM), 32-bit ms ticks, one image per test file or per part of one
# (tests/embedded/avr.sh; about a minute on 2 cores). Installs gcc-avr, avr-libc
# and simavr if missing.
.PHONY: test-avr
test-avr:
	@command -v avr-gcc >/dev/null 2>&1 && command -v simavr >/dev/null 2>&1 && \
	    [ -f /usr/lib/avr/include/avr/io.h ] || { \
	    echo "installing gcc-avr avr-libc simavr"; \
	    if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
	        gcc-avr avr-libc simavr >/dev/null; }
	sh tests/embedded/avr.sh

# The repository as an Arduino library: examples/arduino_blink built for an
# Uno with Debian's Arduino core and arduino-mk, run under simavr
# (tests/embedded/README.md). Installs arduino-core-avr, arduino-mk, simavr.
.PHONY: test-arduino
test-arduino:
	@[ -f /usr/share/arduino/Arduino.mk ] && [ -d /usr/share/arduino/hardware/arduino/avr/cores ] && \
	    command -v simavr >/dev/null 2>&1 || { \
	    echo "installing arduino-core-avr arduino-mk simavr"; \
	    if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends \
	        arduino-core-avr arduino-mk simavr >/dev/null; }
	sh tests/embedded/arduino.sh

# N random scenarios on CPython's asyncio and on the header (tests/conformance/
# README.md); each disagreement is saved in tests/conformance/found/.
# `make conformance-random N=10000 SEED=1`.
.PHONY: conformance-random
conformance-random:
	sh tests/conformance/run --random $(or $(N),1000) --seed $(or $(SEED),1)

# Every program of up to BOUND steps (blocks nested at most DEPTH deep, by default
# no limit but BOUND) on CPython's asyncio and on
# the header, on every core (tests/conformance/README.md, "Every small program");
# the summary goes to build/conformance/exhaustive-BOUND-DEPTH-pyX.Y.txt, the
# smallest program of each group of disagreements to tests/conformance/found/.
# `make conformance-exhaustive BOUND=6`; HEADER=COPY.h to test another copy;
# SET=NAME a construct set beyond the core (waits, time, targets, cleanup, sync,
# inline, all; the summary is then exhaustive-NAME-BOUND-DEPTH-pyX.Y.txt).
.PHONY: conformance-exhaustive
conformance-exhaustive:
	sh tests/conformance/run --exhaustive $(or $(BOUND),5) $(if $(DEPTH),--depth $(DEPTH)) \
	    $(if $(HEADER),--header $(HEADER)) $(if $(SET),--set $(SET))
