/* SPDX-License-Identifier: MIT */
/* TEST_IMPL_FOR_SIZE: the library's own code takes the ways a -Os build
 * takes while the tests' bodies, built for speed, take theirs: a body built
 * for speed on a loop built for size (the two halves of an await meet across
 * the files). */
#ifdef TEST_IMPL_FOR_SIZE
#define __OPTIMIZE_SIZE__ 1
#endif
#define AIO_TIMEOUT_IMPLEMENTATION
#include "test.h"
#ifdef TEST_COUNTED_ALLOC
#define TEST_COUNTED_ALLOC_DEFINE /* (its functions, here, after the header) */
#include "counted_alloc.h"
#endif
