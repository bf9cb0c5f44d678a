/* SPDX-License-Identifier: MIT
 * A table of the platform made as the header makes its own (tests/checks/backends.sh):
 * each slot's function named PREFIX_SLOT, declared as its slot's type and put in the table
 * by AIO__PLATFORM_SLOTS. This backend, "aio__t_", lends the system's functions. As it is
 * it compiles; with -DLEAVE_OUT_PORT_OF it lacks the slot port_of, with -DWRONG_CONNECT its
 * connect is a function of accept's shape, and neither compiles (with the tests' -Werror),
 * the compiler naming the slot's function. C11 and C++. */
#define AIO_TIMEOUT_IMPLEMENTATION
#include "../../aio_timeout.h"

#define aio__t_recv aio__sys_recv
#define aio__t_send aio__sys_send
#define aio__t_recvfrom aio__sys_recvfrom
#define aio__t_sendto aio__sys_sendto
#define aio__t_accept aio__sys_accept
#define aio__t_socket aio__sys_socket
#ifndef WRONG_CONNECT
#define aio__t_connect aio__sys_connect
#endif
#define aio__t_connected aio__sys_connected
#define aio__t_listen aio__sys_listen
#define aio__t_udp aio__sys_udp
#ifndef LEAVE_OUT_PORT_OF
#define aio__t_port_of aio__sys_port_of
#endif
#define aio__t_close aio__sys_close
#define aio__t_shutdown aio__sys_shutdown
#ifdef AIO__PROCESSES
#define aio__t_proc_start aio__sys_proc_start
#define aio__t_proc_reap aio__sys_proc_reap
#define aio__t_proc_kill_now aio__sys_proc_kill_now
#define aio__t_proc_send aio__sys_proc_send
#define aio__t_proc_release aio__sys_proc_release
#define aio__t_pipe_read aio__sys_pipe_read
#define aio__t_pipe_write aio__sys_pipe_write
#define aio__t_children_of aio__sys_children_of
#endif
#ifdef AIO__THREADS
#define aio__t_job_pool aio__sys_job_pool
#define aio__t_job_submit aio__sys_job_submit
#define aio__t_job_give_up aio__sys_job_give_up
#define aio__t_names aio__sys_names
#endif

#define T_DECL(slot) static aio__slot_##slot aio__t_##slot;
#define T_FILL(slot) aio__t_##slot,
AIO__PLATFORM_SLOTS(T_DECL)
#ifdef WRONG_CONNECT
static aio_status aio__t_connect(int fd, const char *what) { return aio__sys_accept(fd, what); }
#endif
static const aio__platform t_platform = {"a test's", 0, AIO__PLATFORM_SLOTS(T_FILL)};

int main(void) {
    /* installed and put back, as the simulation's is */
    int ok = aio__os_install(&t_platform) == AIO_OK && aio__os() == &t_platform &&
             aio__os_install(NULL) == AIO_OK && aio__os() == &aio__system_platform;
    return ok ? 0 : 1;
}
