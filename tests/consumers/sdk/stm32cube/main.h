/* SPDX-License-Identifier: MIT */
/* Stand-in for the "main.h" that STM32CubeMX generates: it brings in the HAL
 * and the CMSIS core of the chip (see ../README.md). */
#ifndef MAIN_STUB_H
#define MAIN_STUB_H
#include <stdint.h>
#include "../cmsis_stub.h"

uint32_t HAL_GetTick(void);
#endif
