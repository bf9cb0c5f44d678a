/* SPDX-License-Identifier: MIT */
/* sizeof each structure, as symbols whose sizes `nm -S` prints. */
#include "config.h"
#include "../../../aio_timeout_core.h"
unsigned char sizeof_task[sizeof(aio_task)];
unsigned char sizeof_timeout[sizeof(aio_timeout)];
unsigned char sizeof_timer[sizeof(aio_timer)];
unsigned char sizeof_frame[sizeof(aio_frame)];
unsigned char sizeof_loop[sizeof(aio_loop)];
unsigned char sizeof_event[sizeof(aio_event)];
unsigned char sizeof_lock[sizeof(aio_lock)];
unsigned char sizeof_group[sizeof(aio_group)];
unsigned char sizeof_queue[sizeof(aio_queue)];
