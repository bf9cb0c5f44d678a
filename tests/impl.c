/* SPDX-License-Identifier: MIT */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "test.h"
