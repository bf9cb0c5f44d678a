/* SPDX-License-Identifier: MIT */
/* The library alone: what the size table counts. */
#include "config.h"
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../../../aio_timeout_core.h"
