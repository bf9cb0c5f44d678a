/* SPDX-License-Identifier: MIT */
/* The one file that compiles the implementation. */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h"
