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

#ifdef AIO__SOCKETS
/* The virtual clock's looks before a jump that waited real time (>>sysio,
 * aio__sysio_settle): a count, which tests/test_io.c holds to its rule. */
unsigned test_settle_looks(void) { return (unsigned)aio__sysio_looks; }
#endif

/* What this build's readiness wait does, as tests/test_io.c asks it: the
 * facts its part states (>>system, "the readiness wait's seam"), never
 * which wait or system it is. */
#ifdef AIO__WAIT_PICKED
#ifdef AIO__WAIT_TABLE_GROWS
const int test_wait_table_grows = 1;
#else
const int test_wait_table_grows = 0;
#endif
#ifdef AIO__WAIT_FORGETS_CLOSED
const int test_wait_forgets_closed = 1;
#else
const int test_wait_forgets_closed = 0;
#endif
#ifdef AIO__WAIT_OWN_DESCRIPTOR
const int test_wait_own_descriptor = 1;
#else
const int test_wait_own_descriptor = 0;
#endif
#ifdef AIO__WAIT_RECORD_PER_SOCKET
const int test_wait_record_per_socket = 1;
#else
const int test_wait_record_per_socket = 0;
#endif
#endif
