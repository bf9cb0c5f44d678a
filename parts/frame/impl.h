// >>impl
/* ======================================================================== */
/* Implementation                                                             */
/* ======================================================================== */
#ifdef AIO_TIMEOUT_IMPLEMENTATION
#ifndef AIO_TIMEOUT_IMPLEMENTED
#define AIO_TIMEOUT_IMPLEMENTED

#include <string.h>
#if !defined(AIO_NO_STDLIB)
/* Windows: the Windows SDK and Winsock 2 only (link ws2_32; MSVC is told so
 * below). WSAPoll and inet_pton need Windows Vista's API at least. */
#if defined(_WIN32)
#define AIO__WIN32 1
#if !defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0600
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#if defined(_MSC_VER)
#pragma comment(lib, "ws2_32")
#endif
#endif
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#define AIO__HOSTED 1
/* The allocator (Configuration): all three macros or none. */
#if defined(AIO_MALLOC) || defined(AIO_REALLOC) || defined(AIO_FREE)
#if !defined(AIO_MALLOC) || !defined(AIO_REALLOC) || !defined(AIO_FREE)
#error "aio_timeout.h: define all of AIO_MALLOC, AIO_REALLOC and AIO_FREE, or none"
#endif
#else
#define AIO_MALLOC(size) malloc(size)
#define AIO_REALLOC(p, size) realloc((p), (size))
#define AIO_FREE(p) free(p)
#endif
#if defined(AIO__SHARED) && !defined(AIO__WIN32) && (defined(__unix__) || defined(__APPLE__))
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#define AIO__IDLE_WAKEUP 1 /* the system idle hook sleeps in poll() on a pipe */
#endif
#endif
/* The core's clock (>>clock): Windows' performance counter, else POSIX's
 * monotonic clock or C11's timespec_get; none without a C library. */
#if defined(AIO__HOSTED) && defined(AIO__WIN32)
#define AIO__CLOCK_WINDOWS 1
#elif defined(AIO__HOSTED) && (defined(CLOCK_MONOTONIC) || defined(TIME_UTC))
#define AIO__CLOCK_POSIX 1
#endif
/* I/O: sockets, signals, and a readiness wait (below). AIO_NO_IO leaves
 * them out of a POSIX build. */
#if defined(AIO__HOSTED) && (defined(__unix__) || defined(__APPLE__)) && !defined(AIO_NO_IO)
#define AIO__POSIX_IO 1
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
/* Linux, with its extensions: AIO_NO_LINUX takes it as a POSIX system
 * without them (as macOS and the BSDs are), so that their paths run there:
 * poll(), SIGCHLD, descriptors made then marked, no abstract names. */
#if defined(__linux__) && !defined(AIO_NO_LINUX)
#define AIO__LINUX 1
#endif
/* A socket made close-on-exec by the call that makes it (SOCK_CLOEXEC:
 * Linux, the BSDs; macOS has none), and a send that raises no SIGPIPE
 * (MSG_NOSIGNAL; else macOS's SO_NOSIGPIPE, or SIGPIPE held back in the
 * thread: see "POSIX"). */
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK) && !defined(AIO_NO_LINUX)
#define AIO__SOCK_FLAGS 1
#endif
#if defined(MSG_NOSIGNAL) && !defined(AIO_NO_LINUX)
#define AIO__MSG_NOSIGNAL MSG_NOSIGNAL
#endif
/* Listeners that share a port, the system balancing the connections among
 * them (a server on every core: "servers"): Linux's SO_REUSEPORT (3.9 on;
 * <sys/socket.h> hides its name without _DEFAULT_SOURCE, so asm-generic's
 * number, which every architecture but four has), FreeBSD's SO_REUSEPORT_LB.
 * macOS and the other BSDs have an SO_REUSEPORT that gives every connection
 * to one listener: there, as on Windows, one loop hands connections out. */
#ifdef AIO__LINUX
#ifdef SO_REUSEPORT
#define AIO__REUSE_PORT SO_REUSEPORT
#elif !defined(__alpha__) && !defined(__mips__) && !defined(__hppa__) && !defined(__sparc__)
#define AIO__REUSE_PORT 15
#endif
#elif defined(SO_REUSEPORT_LB) && !defined(AIO_NO_LINUX)
#define AIO__REUSE_PORT SO_REUSEPORT_LB
#endif
/* Linux's calls that this build's declarations may lack (pipe2, accept4,
 * close_range, pidfd_open, pidfd_send_signal) go through syscall(), which
 * _DEFAULT_SOURCE declares (if it came before the first system header:
 * glibc says so by __USE_MISC, musl by _BSD_SOURCE). */
#if defined(AIO__LINUX) && \
    (defined(__USE_MISC) || (!defined(__GLIBC__) && (defined(_GNU_SOURCE) || defined(_BSD_SOURCE))))
#define AIO__SYSCALL 1
#include <sys/syscall.h>
#endif
#ifndef AIO_NO_THREADS
#include <netdb.h>
#include <pthread.h>
#define AIO__THREAD_SIGMASK pthread_sigmask /* (the calling thread's signal mask) */
#else
#define AIO__THREAD_SIGMASK sigprocmask /* (one thread: the process's) */
#endif
/* Child processes: fork and exec, their exit told by a pidfd on Linux, else
 * by SIGCHLD. AIO_NO_PROCESSES leaves them out. */
#if !defined(AIO_NO_PROCESSES) && defined(SA_RESTART)
#define AIO__PROCESSES 1
#define AIO__POSIX_PROCESSES 1
#include <sys/wait.h>
#if defined(AIO__SYSCALL) && !defined(AIO_NO_PIDFD)
#define AIO__PIDFD 1
#endif
#endif
#endif
/* Windows: sockets on Winsock 2, the wait in WSAPoll, Ctrl-C and console
 * close routed like signals. AIO_NO_IO leaves them out. */
#if defined(AIO__HOSTED) && defined(AIO__WIN32) && !defined(AIO_NO_IO)
#define AIO__WIN32_IO 1
#include <errno.h>
#include <signal.h>
/* Child processes: CreateProcess, each pipe relayed to a socket by a thread
 * (WSAPoll waits for sockets only), the child in a job object. They need
 * threads: AIO_NO_THREADS or AIO_NO_PROCESSES leaves them out. */
#if !defined(AIO_NO_PROCESSES) && !defined(AIO_NO_THREADS)
#define AIO__PROCESSES 1
#endif
#endif
/* Either: the library's sockets and the system's wait (the platform's part
 * is in "the platform's sockets" below). */
#if defined(AIO__POSIX_IO) || defined(AIO__WIN32_IO)
#define AIO__SOCKETS 1
#ifndef AIO__SOCKET_API
#error "aio_timeout.h: the sockets are built where the task record has no room for them"
#endif
/* The readiness wait, one part (>>wait-NAME): the one the program asks for
 * with an option, each option a block of its own (AIO_IO_POLL: poll(),
 * WSAPoll on Windows), else the system's: epoll on Linux, AFD poll on
 * Windows, poll() elsewhere. An option's block picks its part and says
 * that a wait was asked for (AIO__WAIT_ASKED). The blocks are separate
 * #ifdef's, never an #elif chain: two options at once pick two parts, and
 * the second part stops at its #error, as it does when a block forgets to
 * say it asked (then the system's pick is a second one). A part also
 * refuses a system it does not fit. */
#ifdef AIO_IO_POLL
#define AIO__WAIT_POLL 1
#define AIO__WAIT_ASKED 1
#endif
#ifndef AIO__WAIT_ASKED
#if defined(AIO__LINUX)
#define AIO__WAIT_EPOLL 1
#elif defined(AIO__WIN32_IO)
#define AIO__WAIT_AFD 1
#else
#define AIO__WAIT_POLL 1
#endif
#endif
/* Signals: POSIX's sigaction (POSIX.1's declarations), Windows' console
 * events. */
#if defined(SA_RESTART) || defined(AIO__WIN32_IO)
#define AIO__SIGNALS 1
#endif
/* and a pool of worker threads for blocking calls, unless AIO_NO_THREADS (on
 * POSIX it needs POSIX.1-2001's declarations: this header included first, or
 * _POSIX_C_SOURCE 200809L) */
#if !defined(AIO_NO_THREADS) && (defined(AIO__WIN32_IO) || (defined(AI_NUMERICSERV) && defined(SIG_SETMASK)))
#define AIO__THREADS 1
#endif
#endif
/* The simulation (AIO_SIMULATION) stands in for the sockets: it needs them. */
#if defined(AIO_SIMULATION) && defined(AIO__SOCKETS)
#define AIO__SIM 1
#ifdef AIO__POSIX_IO /* (its sockets' numbers: see "simulation") */
#include <poll.h>
#include <sys/resource.h>
#endif
#elif defined(AIO_SIMULATION)
#error "AIO_SIMULATION needs a hosted POSIX or Windows build with sockets"
#endif
/* TLS (AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS, or AIO_TLS_SCHANNEL on Windows):
 * the engine's headers; it needs the sockets. AIO_TLS alone: no engine of
 * the header's (AIO__TLS_USER), each configuration names the program's. */
#if defined(AIO_TLS_OPENSSL) + defined(AIO_TLS_MBEDTLS) + defined(AIO_TLS_SCHANNEL) > 1
#error "define one of AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS and AIO_TLS_SCHANNEL"
#elif (defined(AIO_TLS) || defined(AIO_TLS_OPENSSL) || defined(AIO_TLS_MBEDTLS) || defined(AIO_TLS_SCHANNEL)) && \
    !defined(AIO__SOCKETS)
#error "TLS (AIO_TLS, AIO_TLS_OPENSSL, AIO_TLS_MBEDTLS, AIO_TLS_SCHANNEL) needs a hosted POSIX or Windows build with sockets"
#elif defined(AIO_TLS_SCHANNEL) && !defined(AIO__WIN32)
#error "AIO_TLS_SCHANNEL is Windows' own TLS: on other systems, AIO_TLS_OPENSSL or AIO_TLS_MBEDTLS"
#elif defined(AIO_TLS_SCHANNEL)
#define AIO__TLS 1
#define AIO__TLS_SCHANNEL 1
#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif
#include <wincrypt.h>
#include <security.h>
#include <schannel.h>
#if defined(_MSC_VER)
#pragma comment(lib, "secur32")
#pragma comment(lib, "crypt32")
#endif
#elif defined(AIO_TLS_OPENSSL)
#define AIO__TLS 1
#define AIO__TLS_OPENSSL 1
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#elif defined(AIO_TLS_MBEDTLS)
#define AIO__TLS 1
#define AIO__TLS_MBEDTLS 1
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#error "AIO_TLS_MBEDTLS: Mbed TLS 2.x (2.28 is the one tested); for 3.x, use AIO_TLS_OPENSSL"
#endif
#elif defined(AIO_TLS)
#define AIO__TLS 1
#define AIO__TLS_USER 1
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum { /* scope flags */
    AIO__S_EXPIRED = 1,     /* cancelled: deadline noticed, or group aborted */
    AIO__S_SAVED_OVERRIDE = 2,
    AIO__S_SHIELD = 4,      /* outer cancellations do not reach inside */
    AIO__S_GROUP = 8,       /* the scope of an aio_group */
    AIO__S_DELIVERED = 16   /* its cancellation was raised at a checkpoint */
};
enum { /* group states, beyond the scope's */
    AIO__S_JOIN = AIO__S_DONE + 1
};
enum { /* group flags */
    AIO__G_ABORTED = 1,     /* cancelling the rest: no new children */
    AIO__G_PASS = 2,        /* an error unwinds through the block after the join */
    AIO__G_JOINING = 4,     /* the owner waits for the last child */
    AIO__G_HELD_BACK = 8    /* the end let the children run once before aborting them */
};

/* The running loop: the one stepping now, else the last one initialised
 * (aio__last, until it is destroyed). aio__stepping is the loop inside
 * aio_step or aio_run, NULL between them. */
static AIO_THREAD_LOCAL aio_loop *aio__loop;
static AIO_THREAD_LOCAL aio_loop *aio__last;
static AIO_THREAD_LOCAL aio_loop *aio__stepping;

