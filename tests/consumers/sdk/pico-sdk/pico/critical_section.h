/* SPDX-License-Identifier: MIT */
/* Stand-in for "pico/critical_section.h" of the pico-sdk (see ../../README.md). */
#ifndef PICO_CRITICAL_SECTION_STUB_H
#define PICO_CRITICAL_SECTION_STUB_H
#include <stdint.h>

typedef struct { void *spin_lock; uint32_t save; } critical_section_t;
void critical_section_init(critical_section_t *crit_sec);
void critical_section_enter_blocking(critical_section_t *crit_sec);
void critical_section_exit(critical_section_t *crit_sec);
#endif
