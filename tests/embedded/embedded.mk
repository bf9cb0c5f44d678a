# SPDX-License-Identifier: MIT
# Cross builds, QEMU runs and the size table (tests/embedded/README.md).
# Called by the top Makefile: make cross | test-qemu | size.
#
#   cross      the headers, the unit tests, the demo, the firmware example, the
#              queue example (examples/sampler), the interrupt test and the
#              tickless sweep (all but the demo on aio_timeout_core.h, the core
#              alone; the demo on aio_timeout.h) for Cortex-M0, M3 and M4 at -Os with
#              arm-none-eabi-gcc (newlib), warning-free; the same for RV32IMAC
#              with riscv64-unknown-elf-gcc (picolibc) when it is installed
#   test-qemu  runs them under qemu-system-arm (tests/embedded/test_qemu.sh)
#   size       the library's .text/.data/.bss and RAM per object, and the goals (size.sh)
#   size-check the same, failing if a figure is above its ceiling (size/ceilings.txt)

ARM_CC  ?= arm-none-eabi-gcc
ARM_CXX ?= arm-none-eabi-g++
RV_CC   ?= riscv64-unknown-elf-gcc
E       := tests/embedded
B       := build/embedded
WARN    := $(shell . ./tests/warnings.sh && echo "$$WARN_BASE") # (the warning flags: tests/warnings.sh)

CPU_m0 := -mcpu=cortex-m0 -mthumb
CPU_m3 := -mcpu=cortex-m3 -mthumb
CPU_m4 := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
CPU_rv32 := -march=rv32imac -mabi=ilp32

ARM_CFLAGS := -std=c11 -Os $(WARN) -ffunction-sections -fdata-sections
# newlib with semihosting: console, clock and exit status come from the host
ARM_LDFLAGS = --specs=rdimon.specs -nostartfiles -Wl,--gc-sections -Wl,--wrap=printf -L$(E) -T$(E)/$(1).ld
HOSTED := -include $(E)/newlib_c11.h
GLUE := $(E)/startup.c $(E)/semihost.c $(E)/timespec_get.c

# picolibc with semihosting on RV32 (QEMU's virt memory map, for linking only)
RV_CFLAGS  := -std=c11 -Os $(WARN) -ffunction-sections -fdata-sections --specs=picolibc.specs
RV_LDFLAGS := --oslib=semihost --crt0=semihost -Wl,--defsym=__flash=0x80000000 \
              -Wl,--defsym=__flash_size=0x400000 -Wl,--defsym=__ram=0x80400000 \
              -Wl,--defsym=__ram_size=0x1000000 -Wl,--defsym=__stack_size=0x4000

TEST_C := tests/main.c tests/impl.c $(filter-out tests/main.c tests/impl.c,$(wildcard tests/test_*.c))
# The suites build on the core alone, aio_timeout_core.h (tests/test.h: TEST_CORE), as firmware does.
TEST_H := tests/test.h tests/workers.h aio_timeout_core.h $(E)/newlib_c11.h

.PHONY: cross cross-arm cross-riscv microbit test-qemu size size-check
.DELETE_ON_ERROR:

# ------------------------------------------------------------ unit test suites
# $(call SUITE,name,cpu,flags,ldscript,environment)
define SUITE
$(1)_OBJS := $$(patsubst tests/%.c,$(B)/$(1)/%.o,$(TEST_C))
$(B)/$(1)/%.o: tests/%.c $(TEST_H)
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(2)) $(ARM_CFLAGS) -DTEST_CORE $(3) $(HOSTED) -c $$< -o $$@
$(B)/$(1)/glue.o: $(E)/semihost.c
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(2)) $(ARM_CFLAGS) -DEMBEDDED_ENV='"$(5)"' -c $$< -o $$@
$(B)/$(1)/start.o: $(E)/startup.c
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(2)) $(ARM_CFLAGS) -c $$< -o $$@
$(B)/$(1)/timespec.o: $(E)/timespec_get.c $(E)/newlib_c11.h
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(2)) $(ARM_CFLAGS) -c $$< -o $$@
$(B)/$(1)/tests.elf: $$($(1)_OBJS) $(B)/$(1)/glue.o $(B)/$(1)/start.o $(B)/$(1)/timespec.o $(E)/$(4).ld $(E)/sections.ld
	$(ARM_CC) $(CPU_$(2)) $(call ARM_LDFLAGS,$(4)) $$(filter %.o,$$^) -lm -o $$@
SUITES += $(B)/$(1)/tests.elf
endef

# The stress test's scale comes from AIO_STRESS_TASKS, as under valgrind.
STRESS := AIO_STRESS_TASKS=20000
$(eval $(call SUITE,m3,m3,-DAIO_DEBUG,mps2,$(STRESS)))
$(eval $(call SUITE,m3-ms32,m3,-DAIO_DEBUG -DAIO_TIME_32,mps2,$(STRESS)))
$(eval $(call SUITE,m3-release,m3,-DNDEBUG,mps2,$(STRESS)))
$(eval $(call SUITE,m4,m4,-DAIO_DEBUG,mps2,$(STRESS)))
$(eval $(call SUITE,m0,m0,-DAIO_DEBUG -DAIO_TIME_32,mps2,$(STRESS)))
# an RTC's tick: 32,768 Hz in 32 bits, where AIO_MS and AIO_US round up (18.2 h to half the range)
$(eval $(call SUITE,m3-32k,m3,-DAIO_DEBUG -DAIO_TIME_32 -DAIO_TICKS_PER_SEC=32768u,mps2,$(STRESS)))

# The micro:bit (Cortex-M0, 256 KiB flash, 16 KiB RAM) runs every test file,
# one file per image (main.c: -DTEST_FILE), or its tests dealt out among
# MICROBIT_PARTS_<file> images in runs of MICROBIT_RUN_<file> lines of its
# table (test.h: TEST_PARTS, TEST_PART, TEST_RUN; the split avr.sh uses).
# Image k of n is <file>-<n>-<k>.elf, k from 0. Its objects are built with
# TEST_SMALL_RAM, under which the few tests that need more memory than the
# board has scale down (each says how). images.txt lists the images, one
# "file parts run image" a line in the order of the parts: test_qemu.sh runs
# them and test_parts.sh checks that each file's images together ran each of
# its tests once. test_core.c's static state (over 40 KB) takes 15 images; in
# the one with the growth-hook test's 65 tasks its two timer blocks just fit.
# The stack has the top MICROBIT_STACK bytes of RAM (semihost.c; the deepest
# image uses about 1 KiB): `make ... MICROBIT_GLUE=-DEMBEDDED_STACK_REPORT`
# makes each image say how much.
MICROBIT_PARTS_core := 15
MICROBIT_STACK      := 1536
TEST_FILES := $(patsubst tests/test_%.c,%,$(filter tests/test_%.c,$(TEST_C)))
MB_FLAGS   := -DTEST_CORE -DAIO_DEBUG -DAIO_TIME_32 -DTEST_SMALL_RAM
mb_parts    = $(or $(MICROBIT_PARTS_$(1)),1)
mb_run      = $(or $(MICROBIT_RUN_$(1)),1)
$(B)/microbit/obj/impl.o: tests/impl.c $(TEST_H)
	@mkdir -p $(@D)
	$(ARM_CC) $(CPU_m0) $(ARM_CFLAGS) $(MB_FLAGS) $(HOSTED) -c $< -o $@
# $(call MICROBIT_IMAGE,file,parts,run,k): image k of tests/test_<file>.c
define MICROBIT_IMAGE
$(B)/microbit/obj/test_$(1)-$(2)-$(4).o: tests/test_$(1).c $(TEST_H) $(E)/embedded.mk
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_m0) $(ARM_CFLAGS) $(MB_FLAGS) -DTEST_PARTS=$(2) -DTEST_RUN=$(3) -DTEST_PART=$(4) \
	    $(HOSTED) -c $$< -o $$@
$(B)/microbit/$(1)-$(2)-$(4).elf: $(B)/microbit/obj/main-$(1).o $(B)/microbit/obj/impl.o \
        $(B)/microbit/obj/test_$(1)-$(2)-$(4).o $(B)/microbit/glue.o $(B)/m0/start.o $(B)/m0/timespec.o \
        $(E)/microbit.ld $(E)/sections.ld
	$(ARM_CC) $(CPU_m0) $(call ARM_LDFLAGS,microbit) $$(filter %.o,$$^) -lm -o $$@
MICROBIT_ELFS += $(B)/microbit/$(1)-$(2)-$(4).elf
MICROBIT_LIST += "$(1) $(2) $(3) $(B)/microbit/$(1)-$(2)-$(4).elf"
endef
define MICROBIT_FILE
$(B)/microbit/obj/main-$(1).o: tests/main.c $(TEST_H)
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_m0) $(ARM_CFLAGS) $(MB_FLAGS) -DTEST_FILE=$(1) $(HOSTED) -c $$< -o $$@
endef
$(foreach f,$(TEST_FILES),$(eval $(call MICROBIT_FILE,$(f))) \
    $(foreach k,$(shell seq 0 $$(($(call mb_parts,$(f)) - 1))),\
        $(eval $(call MICROBIT_IMAGE,$(f),$(call mb_parts,$(f)),$(call mb_run,$(f)),$(k)))))
$(B)/microbit/glue.o: $(E)/semihost.c $(E)/embedded.mk
	@mkdir -p $(@D)
	$(ARM_CC) $(CPU_m0) $(ARM_CFLAGS) -DEMBEDDED_STACK=$(MICROBIT_STACK) $(MICROBIT_GLUE) -c $< -o $@
# which images test_qemu.sh runs, one "file parts run image" a line
$(B)/microbit/images.txt: $(E)/embedded.mk $(TEST_C)
	@mkdir -p $(@D)
	printf '%s\n' $(MICROBIT_LIST) >$@

# ------------------------------------------------- header, examples, ISR test
# The header on its own, as the implementation unit: freestanding
# (AIO_NO_STDLIB) and hosted on newlib, C11 and C++17, 64-bit nanoseconds and
# 32-bit millisecond ticks, debug and release; each for the core alone
# (header-core-*.o, aio_timeout_core.h, what the firmware here builds on) and
# for aio_timeout.h, its superset (as the demo is).
HEADER_VARIANTS := c11-freestanding c11-freestanding-ms32 c11-freestanding-debug c11-hosted \
                   cxx17-freestanding-ms32 cxx17-hosted
HDR_c11-freestanding        := $(ARM_CC) -x c -DAIO_NO_STDLIB
HDR_c11-freestanding-ms32   := $(ARM_CC) -x c -DAIO_NO_STDLIB -DAIO_TIME_32
HDR_c11-freestanding-debug  := $(ARM_CC) -x c -DAIO_NO_STDLIB -DAIO_DEBUG
HDR_c11-hosted              := $(ARM_CC) -x c -DAIO_DEBUG $(HOSTED)
HDR_cxx17-freestanding-ms32 := $(ARM_CXX) -x c++ -std=c++17 -DAIO_NO_STDLIB -DAIO_TIME_32
HDR_cxx17-hosted            := $(ARM_CXX) -x c++ -std=c++17 -DAIO_DEBUG $(HOSTED)

define PER_CPU
$(B)/$(1)/header-%.o: aio_timeout.h $(E)/newlib_c11.h
	@mkdir -p $$(@D)
	$$(HDR_$$*) $(CPU_$(1)) $(filter-out -std=c11,$(ARM_CFLAGS)) $$(if $$(findstring c11,$$*),-std=c11) \
	    -DAIO_TIMEOUT_IMPLEMENTATION -c $$< -o $$@
$(B)/$(1)/header-core-%.o: aio_timeout_core.h $(E)/newlib_c11.h
	@mkdir -p $$(@D)
	$$(HDR_$$*) $(CPU_$(1)) $(filter-out -std=c11,$(ARM_CFLAGS)) $$(if $$(findstring c11,$$*),-std=c11) \
	    -DAIO_TIMEOUT_IMPLEMENTATION -c $$< -o $$@
$(B)/$(1)/demo.elf: examples/demo.c aio_timeout.h $(GLUE) $(E)/newlib_c11.h $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) $(HOSTED) -I. examples/demo.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/firmware.elf: examples/firmware/firmware.c examples/firmware/tickless.h aio_timeout_core.h $(GLUE) $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) examples/firmware/firmware.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/firmware-qemu.elf: examples/firmware/firmware.c examples/firmware/tickless.h aio_timeout_core.h $(GLUE) $(E)/qemu_keepalive.c $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) examples/firmware/firmware.c $(E)/qemu_keepalive.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/sampler.elf: examples/sampler/sampler.c examples/firmware/tickless.h aio_timeout_core.h $(GLUE) $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) examples/sampler/sampler.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/sampler-qemu.elf: examples/sampler/sampler.c examples/firmware/tickless.h aio_timeout_core.h $(GLUE) $(E)/qemu_keepalive.c $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) examples/sampler/sampler.c $(E)/qemu_keepalive.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/isr_put_cost.elf: $(E)/isr_put_cost.c aio_timeout_core.h $(GLUE) $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) $(E)/isr_put_cost.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/tickless_sweep.elf: $(E)/tickless_sweep.c examples/firmware/tickless.h aio_timeout_core.h $(GLUE) $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) $(E)/tickless_sweep.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
$(B)/$(1)/isr.elf: $(E)/test_isr.c aio_timeout_core.h $(GLUE) $(E)/mps2.ld
	@mkdir -p $$(@D)
	$(ARM_CC) $(CPU_$(1)) $(ARM_CFLAGS) $(HOSTED) $(E)/test_isr.c $(GLUE) $(call ARM_LDFLAGS,mps2) -o $$@
CROSS_ARM += $(foreach v,$(HEADER_VARIANTS),$(B)/$(1)/header-$(v).o $(B)/$(1)/header-core-$(v).o) \
             $(B)/$(1)/demo.elf $(B)/$(1)/firmware.elf $(B)/$(1)/firmware-qemu.elf $(B)/$(1)/isr.elf \
             $(B)/$(1)/tickless_sweep.elf $(B)/$(1)/sampler.elf $(B)/$(1)/sampler-qemu.elf \
             $(B)/$(1)/isr_put_cost.elf
endef
$(foreach c,m0 m3 m4,$(eval $(call PER_CPU,$(c))))

# the interrupt test on the micro:bit's 16 MHz core
$(B)/microbit/isr.elf: $(E)/test_isr.c aio_timeout_core.h $(GLUE) $(E)/microbit.ld
	@mkdir -p $(@D)
	$(ARM_CC) $(CPU_m0) $(ARM_CFLAGS) $(HOSTED) -DCPU_HZ=16000000u $(E)/test_isr.c $(GLUE) \
	    $(call ARM_LDFLAGS,microbit) -o $@

microbit: $(MICROBIT_ELFS) $(B)/microbit/images.txt $(B)/microbit/isr.elf

cross-arm: $(CROSS_ARM) $(SUITES) microbit
	@echo "cross: Cortex-M0, M3, M4 at -Os: aio_timeout_core.h and aio_timeout.h ($(words $(HEADER_VARIANTS)) variants each), unit tests, demo, firmware and queue examples, interrupt test, tickless sweep: built without warnings"

# ------------------------------------------------------------------- RISC-V
RV_HEADER := $(foreach v,c11-freestanding c11-freestanding-ms32 c11-hosted,$(B)/rv32/header-$(v).o)
$(B)/rv32/header-%.o: aio_timeout.h $(E)/newlib_c11.h
	@mkdir -p $(@D)
	$(RV_CC) $(CPU_rv32) $(RV_CFLAGS) -x c -DAIO_TIMEOUT_IMPLEMENTATION \
	    $(if $(findstring freestanding,$*),-DAIO_NO_STDLIB,-DAIO_DEBUG $(HOSTED)) \
	    $(if $(findstring ms32,$*),-DAIO_TIME_32) -c $< -o $@
$(B)/rv32/%.o: tests/%.c $(TEST_H)
	@mkdir -p $(@D)
	$(RV_CC) $(CPU_rv32) $(RV_CFLAGS) -DTEST_CORE -DAIO_DEBUG $(HOSTED) -c $< -o $@
$(B)/rv32/timespec.o: $(E)/timespec_get.c $(E)/newlib_c11.h
	@mkdir -p $(@D)
	$(RV_CC) $(CPU_rv32) $(RV_CFLAGS) -c $< -o $@
$(B)/rv32/tests.elf: $(patsubst tests/%.c,$(B)/rv32/%.o,$(TEST_C)) $(B)/rv32/timespec.o
	$(RV_CC) $(CPU_rv32) $(RV_CFLAGS) $(RV_LDFLAGS) $^ -lm -o $@
$(B)/rv32/demo.elf: examples/demo.c aio_timeout.h $(E)/timespec_get.c $(E)/newlib_c11.h
	@mkdir -p $(@D)
	$(RV_CC) $(CPU_rv32) $(RV_CFLAGS) $(HOSTED) -I. examples/demo.c $(E)/timespec_get.c $(RV_LDFLAGS) -o $@

cross-riscv: $(RV_HEADER) $(B)/rv32/tests.elf $(B)/rv32/demo.elf
	@echo "cross: RV32IMAC (picolibc) at -Os: header, unit tests, demo: built without warnings"

cross: cross-arm
	@if command -v $(RV_CC) >/dev/null 2>&1 && [ -f "$$($(RV_CC) -print-file-name=picolibc.specs)" ]; then \
	    $(MAKE) --no-print-directory -f $(E)/embedded.mk cross-riscv; \
	else echo "cross: RISC-V skipped ($(RV_CC) with picolibc is not installed)"; fi

# ------------------------------------------------------------- QEMU and size
# (QEMU_ARGS: test_qemu.sh's options, e.g. --not-quick)
test-qemu: cross-arm
	sh $(E)/test_qemu.sh $(QEMU_ARGS)

size:
	sh $(E)/size/size.sh

size-check:
	sh $(E)/size/size.sh --check
