/* SPDX-License-Identifier: MIT */
/* A whole program in one file, as firmware is often written: the header's
 * implementation and PROGRAM (minimal.c or core.c) compiled together. */
#include "config.h"
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../../../aio_timeout_core.h"
#include PROGRAM
