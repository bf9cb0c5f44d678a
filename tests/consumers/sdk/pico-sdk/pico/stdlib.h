/* SPDX-License-Identifier: MIT */
/* Stand-in for "pico/stdlib.h" of the Raspberry Pi pico-sdk (see ../../README.md). */
#ifndef PICO_STDLIB_STUB_H
#define PICO_STDLIB_STUB_H
#include <stdbool.h>
#include <stdint.h>
#include "../../cmsis_stub.h"

typedef uint64_t absolute_time_t;
static inline absolute_time_t from_us_since_boot(uint64_t us) { return us; }
uint64_t time_us_64(void);
bool best_effort_wfe_or_timeout(absolute_time_t timeout_timestamp);
static inline void __wfe(void) { __WFE(); }
static inline void __sev(void) { __SEV(); }
#endif
