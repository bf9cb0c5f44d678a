// >>time
/* ------------------------------------------------------------------------ */
/* Time and status                                                            */
/* ------------------------------------------------------------------------ */

typedef AIO_TIME_TYPE aio_time;   /* ticks; wraps safely when 32-bit */
typedef AIO_STIME_TYPE aio_stime; /* signed difference of two aio_time */

/* Conversions in the macros: casts in C; in C++ a function parameter, so
 * that user code built with -Wold-style-cast or -Wuseless-cast stays quiet. */
#ifdef __cplusplus
constexpr aio_time aio__as_time(aio_time v) { return v; }
#define AIO__TIME(v) aio__as_time(v)
#else
#define AIO__TIME(v) ((aio_time)(v))
#endif

/* (the same for the other widths the inline conversions take) */
#ifdef __cplusplus
#define AIO__U32(v) static_cast<uint32_t>(v)
#define AIO__U64(v) static_cast<uint64_t>(v)
#else
#define AIO__U32(v) ((uint32_t)(v))
#define AIO__U64(v) ((uint64_t)(v))
#endif

#define AIO_NEVER AIO__TIME(-1)        /* no deadline */
#define AIO_TIME_INVALID AIO__TIME(-2) /* rejected with AIO_EINVAL */
/* Integer durations in ticks: AIO_SEC(2), AIO_MS(250), AIO_US(10). A count
 * that is negative, or that reaches half the clock's range (24.8 days with
 * 32-bit ms ticks, 292 years with 64-bit ns ticks), gives AIO_TIME_INVALID,
 * which every await refuses with AIO_EINVAL: never a wrapped, shorter timeout.
 * A count that is not a whole number of ticks (AIO_US at 1 kHz, AIO_MS at a
 * 32,768 Hz clock) rounds up, as Zephyr's timeouts do: AIO_US(999) at 1 kHz is
 * one tick, so a sleep never shrinks to a yield (AIO_SLEEP(t, 0) is one).
 * At every rate they are constant expressions for a constant count (static
 * initialisers); in C they evaluate the count more than once, so pass a plain
 * value. */
#define AIO__HALF_RANGE (AIO_NEVER / 2u)
#ifdef __cplusplus
constexpr aio_time aio__scale(uint64_t n, uint64_t per_unit) {
    return n <= (AIO__HALF_RANGE - 1u) / per_unit ? n * per_unit : AIO_TIME_INVALID;
}
#define AIO__SCALE(n, per_unit) aio__scale((n), (per_unit))
#else
/* (n > 0 and n == 0 first, then n - 1 as an unsigned 64-bit value, and a
 * count found in range cast to the time's type before it is scaled (gcc
 * folds a scale of 1 away, and a count cast to 64 bits and back would then
 * read as a sign change in the user's `t += AIO_MS(n)`): quiet under
 * -Wsign-conversion, -Wconversion and -Wtype-limits for a count of any
 * integer type, signed or not, narrow or wide, in the user's own file) */
#define AIO__SCALE(n, per_unit)                                                \
    ((n) > 0 ? ((uint64_t)(n) - 1u < (uint64_t)(AIO__HALF_RANGE - 1u) / (per_unit) \
                    ? AIO__TIME(AIO__TIME(n) * (per_unit)) : AIO_TIME_INVALID)   \
     : (n) == 0 ? AIO__TIME(0) : AIO_TIME_INVALID)
#endif
#define AIO_SEC(s) AIO__SCALE(s, AIO_TICKS_PER_SEC)
/* At a rate that is not a multiple of the unit's: rate / per_sec as r / p in
 * lowest terms, the greatest common divisor made of the 2s and 5s that 1000
 * and 1,000,000 have (constant expressions, for #if too). */
#define AIO__RATE_HAS(m) (AIO_TICKS_PER_SEC % (m) == 0)
#define AIO__GCD_MS                                                            \
    ((AIO__RATE_HAS(8u) ? 8u : AIO__RATE_HAS(4u) ? 4u : AIO__RATE_HAS(2u) ? 2u : 1u) * \
     (AIO__RATE_HAS(125u) ? 125u : AIO__RATE_HAS(25u) ? 25u : AIO__RATE_HAS(5u) ? 5u : 1u))
#define AIO__GCD_US                                                            \
    ((AIO__RATE_HAS(64u) ? 64u : AIO__RATE_HAS(32u) ? 32u : AIO__RATE_HAS(16u) ? 16u :      \
      AIO__RATE_HAS(8u) ? 8u : AIO__RATE_HAS(4u) ? 4u : AIO__RATE_HAS(2u) ? 2u : 1u) *     \
     (AIO__RATE_HAS(15625u) ? 15625u : AIO__RATE_HAS(3125u) ? 3125u :                   \
      AIO__RATE_HAS(625u) ? 625u : AIO__RATE_HAS(125u) ? 125u : AIO__RATE_HAS(25u) ? 25u : \
      AIO__RATE_HAS(5u) ? 5u : 1u))
#if AIO_TICKS_PER_SEC % 1000u == 0
#define AIO_MS(ms) AIO__SCALE(ms, AIO_TICKS_PER_SEC / 1000u)
#else
#define AIO_MS(ms) AIO__TICKS(ms, 1000u / AIO__GCD_MS, AIO_TICKS_PER_SEC / AIO__GCD_MS)
#define AIO__TICKS_OF 1
#endif
#if AIO_TICKS_PER_SEC % 1000000u == 0
#define AIO_US(us) AIO__SCALE(us, AIO_TICKS_PER_SEC / 1000000u)
#else
#define AIO_US(us) AIO__TICKS(us, 1000000u / AIO__GCD_US, AIO_TICKS_PER_SEC / AIO__GCD_US)
#define AIO__TICKS_OF 1
#endif

#ifdef AIO__TICKS_OF
/* n units of 1/per_sec seconds in ticks, rounded up: a positive duration
 * shorter than a tick waits one tick, never none. rate / per_sec is r / p in
 * lowest terms, and the ticks are n / p * r + ceil(n % p * r / p). Where time
 * is 32 bits and p * r fits in 32 (ms and us at 1 kHz, 32,768 Hz, 1 MHz...)
 * that is 32-bit arithmetic only: a count known only at run time links no
 * 64-bit division or multiplication (a count of 2^32 or more is refused
 * there, as one whose ticks reach half the clock's range is everywhere). */
#if defined(AIO__TIME_BITS_32) &&                                                              \
    (1000u / AIO__GCD_MS) * (AIO_TICKS_PER_SEC / AIO__GCD_MS) <= 0xffffffffu &&                \
    (1000000u / AIO__GCD_US) * (AIO_TICKS_PER_SEC / AIO__GCD_US) <= 0xffffffffu
#define AIO__TICKS_WORD(n) AIO__U32(n)
#define AIO__TICKS_FIT(n) (AIO__U64(n) >> 16 >> 16 == 0u)
#else
#define AIO__TICKS_WORD(n) AIO__U64(n)
#define AIO__TICKS_FIT(n) 1
#endif
/* The same as a constant expression, for a count known when compiling: GNU C
 * takes it where the count is a constant and calls the function otherwise
 * (one call a site); other compilers and C++ take it always. */
#define AIO__CEIL_TICKS(m, p, r) ((m) / (p) * (r) + ((m) % (p) * (r) + (p) - 1u) / (p))
/* (n - 1, not n: quiet under -Wtype-limits for a narrow count; a count of
 * exactly (bound + 1) * p passes the first test and fails the second) */
#define AIO__TICKS_EXPR(n, p, r)                                                                \
    ((n) > 0 ? (AIO__TICKS_FIT(n) && (AIO__TICKS_WORD(n) - 1u) / (p) <= (AIO__HALF_RANGE - 1u) / (r) && \
                        AIO__CEIL_TICKS(AIO__TICKS_WORD(n), p, r) < AIO__HALF_RANGE               \
                    ? AIO__TIME(AIO__CEIL_TICKS(AIO__TICKS_WORD(n), p, r))                        \
                    : AIO_TIME_INVALID)                                                          \
     : (n) == 0 ? AIO__TIME(0) : AIO_TIME_INVALID)
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus)
/* (a count passed on as 64 unsigned bits, a negative one as their largest
 * value, beyond every bound: no conversion of the user's type warns) */
#define AIO__TICKS(n, p, r)                                                    \
    (__builtin_constant_p(n) ? AIO__TICKS_EXPR(n, p, r)                        \
                             : aio__ticks_of((n) > 0 ? AIO__U64(n) : (n) == 0 ? AIO__U64(0) : ~AIO__U64(0), (p), (r)))
#else
#define AIO__TICKS(n, p, r) AIO__TICKS_EXPR(n, p, r)
#endif
#if defined(AIO__TIME_BITS_32) &&                                                              \
    (1000u / AIO__GCD_MS) * (AIO_TICKS_PER_SEC / AIO__GCD_MS) <= 0xffffffffu &&                \
    (1000000u / AIO__GCD_US) * (AIO_TICKS_PER_SEC / AIO__GCD_US) <= 0xffffffffu
static inline aio_time aio__ticks_of(uint64_t n, uint32_t p, uint32_t r) {
    uint32_t m;
    uint32_t whole;
    uint32_t ticks;
    if (n > UINT64_C(0xffffffff)) return AIO_TIME_INVALID;
    m = AIO__U32(n);
    whole = m / p;
    if (whole > (AIO__HALF_RANGE - 1u) / r) return AIO_TIME_INVALID;
    ticks = whole * r + (m % p * r + p - 1u) / p;
    /* (reached at a rate whose ticks outrun the unit, 32,768 Hz for ms: tests/checks/tick_rates.c) */
    return ticks >= AIO__HALF_RANGE ? AIO_TIME_INVALID : AIO__TIME(ticks); /* LCOV_EXCL_BR_LINE */
}
#else
static inline aio_time aio__ticks_of(uint64_t n, uint64_t p, uint64_t r) {
    const uint64_t half = AIO__HALF_RANGE;
    uint64_t whole;
    uint64_t ticks;
    whole = n / p;
    /* (both bounds reached at rates that outrun the unit: tests/checks/tick_rates.c) */
    if (whole > (half - 1u) / r) return AIO_TIME_INVALID; /* LCOV_EXCL_BR_LINE */
    ticks = whole * r + (n % p * r + p - 1u) / p; /* (the part: below r, no overflow) */
    return ticks >= half ? AIO_TIME_INVALID : AIO__TIME(ticks); /* LCOV_EXCL_BR_LINE */
}
#endif
#endif

typedef int aio_status; /* >= 0: a result; < 0: an error */

enum {
    AIO_OK = 0,
    AIO_ECANCELED = -1,   /* the task or the work was cancelled */
    AIO_ETIMEDOUT = -2,   /* a deadline expired */
    AIO_EINVAL = -3,      /* invalid argument or misuse */
    AIO_ENOSPC = -4,      /* timer storage is full and cannot grow */
    AIO_EBUSY = -5,       /* still in use (e.g. loop destroyed with live tasks) */
    AIO_EINPROGRESS = -6, /* the task has not finished yet */
    AIO_EDEADLK = -7,     /* everything waits and nothing can wake it */
    AIO_ECHILDCANCELED = -8, /* gather: a task was cancelled by someone else */
    AIO_EFULL = -9,       /* queue: full (asyncio.QueueFull) */
    AIO_EEMPTY = -10,     /* queue: empty (asyncio.QueueEmpty) */
    AIO_ESHUTDOWN = -11,  /* queue: shut down (asyncio.QueueShutDown) */
    AIO_ECLOSED = -12,    /* I/O: the descriptor was closed (aio_close) while waited on */
    AIO_EBADF = -13,      /* I/O: not an open descriptor of a kind that can be waited on */
    AIO_ECONNRESET = -14, /* I/O: the peer reset the connection, or closed it before a send */
    AIO_ECONNREFUSED = -15, /* I/O: nobody listens at the address connected to */
    AIO_EIO = -16,        /* I/O: another system error; errno says which */
    AIO_EINCOMPLETE = -17, /* stream: the end came first (asyncio.IncompleteReadError) */
    AIO_ELIMIT = -18,     /* stream: no separator within the buffer (asyncio.LimitOverrunError) */
    AIO_ENOTFOUND = -19,  /* lookup: the name does not resolve (socket.gaierror); process:
                             no such program, or no such working directory */
    AIO_ENOEXEC = -20,    /* process: the program cannot be run (not executable; errno says why) */
    AIO_ESIGNALED = -21,  /* process: it ended by a signal (aio_process_returncode: -signal) */
    AIO_WANT_READ = -22,  /* a stream transport's: nothing to do until the socket is readable */
    AIO_WANT_WRITE = -23, /* a stream transport's: nothing to do until the socket is writable */
    AIO_ETLS = -24,       /* TLS: the protocol failed, the peer refused, or the session is unusable */
    AIO_ECERT = -25,      /* TLS: the peer's certificate did not verify (aio_tls_error says why) */
    AIO_ETRUNCATED = -26, /* TLS: the peer closed without close_notify (what came may be cut short) */
    AIO_EUSER = -64       /* first code for applications: AIO_EUSER, AIO_EUSER-1, ... */
};

/* A short English description of a status ("timed out", "user error", ...). */
AIO_API const char *aio_strerror(aio_status status);

/* Seconds as a double -> ticks: NaN -> AIO_TIME_INVALID, negative -> 0 (already
 * due, as asyncio treats it), +inf or too large -> AIO_NEVER. */
AIO_API aio_time aio_seconds(double seconds);
/* Ticks -> seconds as a double, for printing: printf("%.3f s",
 * aio_to_seconds(aio_now() - start)). (AIO_NEVER gives a huge number.) */
AIO_API double aio_to_seconds(aio_time ticks);

