/* SPDX-License-Identifier: MIT */
/* bench/aio_impl.c - the implementing file of the split build (aio_bench_split):
 * the library in its own translation unit, so the benchmark calls into it. */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "aio_timeout.h" /* -I. (the Makefile), or BENCH_INC=-I<dir> for another copy */
