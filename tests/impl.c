/* SPDX-License-Identifier: MIT */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "test.h"
#ifdef TEST_COUNTED_ALLOC
#define TEST_COUNTED_ALLOC_DEFINE /* (its functions, here, after the header) */
#include "counted_alloc.h"
#endif
