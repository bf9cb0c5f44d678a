// >>wait-afd
/* ------------------------------------------------- the wait: AFD poll */

/* Windows' own readiness wait, the one under its select() and WSAPoll:
 * the Ancillary Function Driver's poll. A poll is a request to the driver
 * (IOCTL_AFD_POLL, sent through a handle on \Device\Afd) that completes
 * once its socket has one of the events asked, or is closed; its
 * completion comes to a completion port, so a wait costs what is ready,
 * not what is watched (WSAPoll hands the whole set to the system at each
 * wait). Each watched socket has a record of its own, allocated (the
 * driver writes its result there): a poll is one-shot, so a socket still
 * watched after its completion is polled again before the next wait, which
 * makes the wait level-triggered as the others are. A record let go while
 * its poll is in the driver is cancelled and freed when the cancellation
 * completes, never before (its memory outlives its socket's close). A
 * socket closed behind the loop's back completes its poll at once: its
 * waiter is told, and the number stays watched (a socket opened again
 * under it is polled: AIO__WAIT_FORGETS_CLOSED is not defined). Its
 * wake-up is a completion posted to the port (no descriptor). A completion
 * comes some time after its event, so on the virtual clock the loop looks
 * again before it jumps to the deadline of a wait on a socket
 * (AIO__WAIT_TELLS_LATE: see aio__sysio_settle). The driver's calls are
 * ntdll's, found at the loop's first wait (no library to link).
 * "The readiness wait's seam" (>>system) lists what each wait gives. */
#ifdef AIO__WAIT_AFD
#ifdef AIO__WAIT_PICKED
#error "aio_timeout.h: two readiness waits are picked, AFD poll and another: define at most one AIO_IO_ option of a wait (>>impl picks one)"
#endif
#define AIO__WAIT_PICKED "AFD poll"
#ifndef AIO__WIN32_IO
#error "aio_timeout.h: the AFD poll wait is picked where the system is not Windows"
#endif
#define AIO__WAIT_RECORD_PER_SOCKET 1
#define AIO__WAIT_TELLS_LATE 1
#include <winternl.h>

/* The driver's poll request and result, as the driver reads and writes it. */
typedef struct aio__afd_poll_info {
    LARGE_INTEGER timeout; /* (never: the largest) */
    ULONG count;           /* 1: one socket a request */
    ULONG exclusive;
    HANDLE socket;         /* the socket's base handle */
    ULONG events;          /* asked; then what happened */
    LONG status;
} aio__afd_poll_info;
#define AIO__AFD_IOCTL_POLL 0x00012024u
#define AIO__AFD_RECEIVE 0x0001u
#define AIO__AFD_SEND 0x0004u
#define AIO__AFD_DISCONNECT 0x0008u
#define AIO__AFD_ABORT 0x0010u
#define AIO__AFD_LOCAL_CLOSE 0x0020u
#define AIO__AFD_ACCEPT 0x0080u
#define AIO__AFD_CONNECT_FAIL 0x0100u
#define AIO__AFD_PENDING 0x00000103L
#define AIO__AFD_CANCELLED 0xC0000120uL
#define AIO__AFD_BASE_HANDLE 0x48000022u /* SIO_BASE_HANDLE */
#define AIO__AFD_BSP_HANDLE_POLL 0x4800001Du /* SIO_BSP_HANDLE_POLL, where a layered provider hides the base */

typedef NTSTATUS(NTAPI *aio__afd_create_fn)(PHANDLE, ACCESS_MASK, POBJECT_ATTRIBUTES, PIO_STATUS_BLOCK,
                                             PLARGE_INTEGER, ULONG, ULONG, ULONG, ULONG, PVOID, ULONG);
typedef NTSTATUS(NTAPI *aio__afd_ioctl_fn)(HANDLE, HANDLE, PVOID, PVOID, PIO_STATUS_BLOCK, ULONG, PVOID, ULONG,
                                            PVOID, ULONG);

/* A watched socket: its poll's status block first (the completion's
 * OVERLAPPED points at it), then the request the driver answers in. */
typedef struct aio__afd_sock {
    IO_STATUS_BLOCK iosb;
    aio__afd_poll_info info;
    struct aio__afd_sock *next_dirty; /* on the list of those to poll before the next wait */
    int fd;
    uint8_t want;    /* AIO_READABLE | AIO_WRITABLE: what the loop watches */
    uint8_t polled;  /* what the poll in the driver asks (with `pending`) */
    uint8_t pending; /* a poll is in the driver */
    uint8_t dirty;   /* on the list */
    uint8_t let_go;  /* no longer the loop's: freed once neither pending nor on the list */
    uint8_t closed;  /* its socket was closed: a socket under its number is looked for */
    HANDLE base;     /* the handle the driver knows its socket by */
} aio__afd_sock;

typedef struct aio__afd_set {
    aio__sysio s;            /* (first: what the shared sections see) */
    HANDLE port;             /* the completion port, the waker */
    HANDLE afd;              /* \Device\Afd: the polls' channel */
    aio__afd_ioctl_fn ioctl; /* ntdll's NtDeviceIoControlFile */
    aio__afd_sock **at;      /* per slot: its socket's record, NULL = none */
    aio__afd_sock *dirty;    /* the records to poll (or to free) before the next wait */
    uint32_t pending;        /* polls in the driver, let go ones included */
} aio__afd_set;
#define AIO__AFD_OF(p) ((aio__afd_set *)(void *)(p))

static aio__sysio *aio__readiness_open(void) {
    static WCHAR device[] = L"\\Device\\Afd\\aio_timeout";
    aio__afd_set *w = (aio__afd_set *)aio__zalloc(sizeof *w);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    aio__afd_create_fn create =
        ntdll ? (aio__afd_create_fn)(void (*)(void))GetProcAddress(ntdll, "NtCreateFile") : NULL;
    UNICODE_STRING name;
    OBJECT_ATTRIBUTES attributes;
    IO_STATUS_BLOCK iosb;
    if (!w) return NULL; /* (out of memory) */
    w->ioctl = ntdll ? (aio__afd_ioctl_fn)(void (*)(void))GetProcAddress(ntdll, "NtDeviceIoControlFile") : NULL;
    name.Buffer = device;
    name.Length = (USHORT)(sizeof device - sizeof device[0]);
    name.MaximumLength = (USHORT)sizeof device;
    memset(&attributes, 0, sizeof attributes);
    attributes.Length = sizeof attributes;
    attributes.ObjectName = &name;
    w->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 0);
    w->afd = INVALID_HANDLE_VALUE;
    /* LCOV_EXCL_START: out of memory or handles, or a system without the driver */
    if (!create || !w->ioctl || !w->port ||
        create(&w->afd, SYNCHRONIZE, &attributes, &iosb, NULL, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN,
               0, NULL, 0) != 0 ||
        CreateIoCompletionPort(w->afd, w->port, 0, 0) != w->port ||
        !SetFileCompletionNotificationModes(w->afd, FILE_SKIP_SET_EVENT_ON_HANDLE)) {
        if (w->afd != INVALID_HANDLE_VALUE && w->afd) (void)CloseHandle(w->afd);
        if (w->port) (void)CloseHandle(w->port);
        AIO_FREE(w);
        return NULL;
    }
    /* LCOV_EXCL_STOP */
    return &w->s;
}

/* The events a poll asks for what the loop watches: a close, a reset and
 * a failed connect always (each makes both ways ready). */
static ULONG aio__afd_asked(int want) {
    return (want & AIO_READABLE ? AIO__AFD_RECEIVE | AIO__AFD_ACCEPT | AIO__AFD_DISCONNECT : 0u) |
           (want & AIO_WRITABLE ? AIO__AFD_SEND : 0u) | AIO__AFD_ABORT | AIO__AFD_CONNECT_FAIL |
           AIO__AFD_LOCAL_CLOSE;
}
/* The ways the events a poll reports make ready. */
static int aio__afd_ready(ULONG events) {
    return (events & (AIO__AFD_RECEIVE | AIO__AFD_ACCEPT | AIO__AFD_DISCONNECT | AIO__AFD_ABORT |
                      AIO__AFD_CONNECT_FAIL | AIO__AFD_LOCAL_CLOSE)
                ? (int)AIO_READABLE
                : 0) |
           (events & (AIO__AFD_SEND | AIO__AFD_ABORT | AIO__AFD_CONNECT_FAIL | AIO__AFD_LOCAL_CLOSE)
                ? (int)AIO_WRITABLE
                : 0);
}
/* The handle the driver knows socket fd by (a layered provider may wrap
 * it): 0, or -1 if fd is not a socket. */
static int aio__afd_base(int fd, HANDLE *base) {
    SOCKET b = INVALID_SOCKET;
    DWORD got = 0;
    int type;
    int sl = sizeof type;
    if (getsockopt(AIO__SOCK(fd), SOL_SOCKET, SO_TYPE, (char *)&type, &sl) != 0) return -1;
    if (WSAIoctl(AIO__SOCK(fd), AIO__AFD_BASE_HANDLE, NULL, 0, &b, sizeof b, &got, NULL, NULL) != 0 &&
        WSAIoctl(AIO__SOCK(fd), AIO__AFD_BSP_HANDLE_POLL, NULL, 0, &b, sizeof b, &got, NULL, NULL) != 0)
        return -1;
    *base = (HANDLE)b;
    return 0;
}
static void aio__afd_mark(aio__afd_set *w, aio__afd_sock *r) {
    if (r->dirty) return;
    r->dirty = 1;
    r->next_dirty = w->dirty;
    w->dirty = r;
}
/* Record r is no longer the loop's: its poll cancelled, if in the driver. */
static void aio__afd_let_go(aio__afd_set *w, aio__afd_sock *r) {
    r->let_go = 1;
    if (r->pending) (void)CancelIoEx(w->afd, (LPOVERLAPPED)(void *)&r->iosb);
    else if (!r->dirty) AIO_FREE(r);
}

static void aio__readiness_close(aio__sysio *s) {
    aio__afd_set *w = AIO__AFD_OF(s);
    uint32_t fd;
    aio__afd_sock *r;
    OVERLAPPED_ENTRY done[64];
    ULONG n;
    ULONG i;
    for (fd = 0; fd < s->io.nslots; fd++)
        if (w->at && w->at[fd]) aio__afd_let_go(w, w->at[fd]);
    /* the driver writes into each record until its cancellation completes:
     * each is freed then (a record whose completion never came is kept) */
    while (w->pending &&
           GetQueuedCompletionStatusEx(w->port, done, 64, &n, 1000, FALSE)) { /* LCOV_EXCL_BR_LINE: (in time) */
        for (i = 0; i < n; i++) {
            if (!done[i].lpOverlapped) continue; /* (a wake-up) */
            r = (aio__afd_sock *)(void *)done[i].lpOverlapped;
            r->pending = 0;
            w->pending--;
            if (!r->dirty) AIO_FREE(r);
        }
    }
    while ((r = w->dirty) != NULL) {
        w->dirty = r->next_dirty;
        if (!r->pending) AIO_FREE(r);
    }
    (void)CloseHandle(w->afd);
    (void)CloseHandle(w->port);
    AIO_FREE(w->at);
    AIO_FREE(w);
}
/* The slots grew from s->io.nslots to n: each new one without a record. */
static aio_status aio__readiness_grow(aio__sysio *s, uint32_t n) {
    aio__afd_set *w = AIO__AFD_OF(s);
    aio__afd_sock **at = (aio__afd_sock **)AIO_REALLOC(w->at, (size_t)n * sizeof *at);
    uint32_t i;
    if (!at) return AIO_EIO; /* (out of memory) */
    for (i = s->io.nslots; i < n; i++) at[i] = NULL;
    w->at = at;
    return AIO_OK;
}
static aio__waker aio__readiness_waker(const aio__sysio *s) {
    return (aio__waker)((const aio__afd_set *)(const void *)s)->port;
}
static void aio__readiness_wake(aio__waker k) { (void)PostQueuedCompletionStatus((HANDLE)k, 0, 0, NULL); }

/* (AIO__WAIT_TELLS_LATE) WSAPoll of the sockets tasks wait on, not
 * waiting, 64 at a time: its answer is the system's now, not late. */
static int aio__readiness_ready_now(const aio__sysio *s) {
    WSAPOLLFD fds[64];
    uint32_t fd = 0, n;
    while (fd < s->io.nslots) {
        for (n = 0; fd < s->io.nslots && n < 64; fd++) {
            const aio_io_slot *slot = &s->io.slots[fd];
            if (!slot->waiter[0] && !slot->waiter[1]) continue;
            fds[n].fd = AIO__SOCK(fd);
            fds[n].events = (SHORT)((slot->waiter[0] ? POLLRDNORM : 0) | (slot->waiter[1] ? POLLWRNORM : 0));
            fds[n++].revents = 0;
        }
        if (n && WSAPoll(fds, (ULONG)n, 0) != 0) return 1; /* (ready, or failed: look again) */
    }
    return 0;
}

static aio_status aio__readiness_watch(aio_io *io, int fd, int old, int events) {
    aio__afd_set *w = AIO__AFD_OF(io);
    aio__afd_sock *r = w->at[fd];
    HANDLE base;
    (void)old;
    if (!events) {
        if (r) {
            w->at[fd] = NULL;
            aio__afd_let_go(w, r);
        }
        return AIO_OK;
    }
    if (!r) {
        if (aio__afd_base(fd, &base) != 0)
            return aio__bad_fd(AIO_EBADF, "I/O wait", fd, "is not a socket (Windows waits for sockets only)");
        r = (aio__afd_sock *)aio__zalloc(sizeof *r);
        if (!r) return AIO_EIO; /* (out of memory) */
        r->fd = fd;
        r->base = base;
        w->at[fd] = r;
    }
    r->want = (uint8_t)events;
    aio__afd_mark(w, r);
    return AIO_OK;
}

/* Before a wait: each record on the list polled (if the poll in the driver
 * does not ask for all it watches now), or freed (let go). */
static void aio__afd_poll_dirty(aio__afd_set *w, aio_loop *L) {
    aio__afd_sock *r;
    while ((r = w->dirty) != NULL) {
        NTSTATUS st;
        w->dirty = r->next_dirty;
        r->dirty = 0;
        if (r->let_go) {
            if (!r->pending) AIO_FREE(r);
            continue;
        }
        if (r->pending) {
            if (r->want & ~r->polled) /* (its completion, cancelled, marks it again) */
                (void)CancelIoEx(w->afd, (LPOVERLAPPED)(void *)&r->iosb);
            continue;
        }
        if (!r->want) continue;
        if (r->closed && aio__afd_base(r->fd, &r->base) != 0) { /* (none now: its waiter finds out) */
            aio_io_ready(L, r->fd, r->want);
            continue;
        }
        r->closed = 0;
        r->info.socket = r->base;
        r->info.timeout.QuadPart = 0x7fffffffffffffffLL;
        r->info.count = 1;
        r->info.exclusive = 0;
        r->info.events = aio__afd_asked(r->want);
        r->info.status = 0;
        r->iosb.Status = AIO__AFD_PENDING;
        st = w->ioctl(w->afd, NULL, NULL, &r->iosb, &r->iosb, AIO__AFD_IOCTL_POLL, &r->info,
                      (ULONG)sizeof r->info, &r->info, (ULONG)sizeof r->info);
        if (st == 0 || st == AIO__AFD_PENDING) { /* (its completion comes to the port either way) */
            r->pending = 1;
            r->polled = r->want;
            w->pending++;
        } else { /* the socket is gone (closed behind the loop's back): its waiter finds out */
            r->closed = 1;
            aio_io_ready(L, r->fd, r->want);
        }
    }
}

static void aio__readiness_wait(aio_io *io, aio_loop *L, aio_time deadline) {
    aio__afd_set *w = AIO__AFD_OF(io);
    OVERLAPPED_ENTRY done[128];
    int ms = aio__io_timeout(L, deadline);
    ULONG n = 0;
    ULONG i;
    if (ms == 0 && !io->waiting && !aio__sig_waiting()) return;
    aio__afd_poll_dirty(w, L);
    if (!GetQueuedCompletionStatusEx(w->port, done, 128, &n, ms < 0 ? INFINITE : (DWORD)ms, FALSE)) n = 0;
    for (i = 0; i < n; i++) {
        aio__afd_sock *r = (aio__afd_sock *)(void *)done[i].lpOverlapped;
        int ready;
        if (!r) continue; /* a wake-up */
        r->pending = 0;
        w->pending--;
        if (r->let_go) {
            if (!r->dirty) AIO_FREE(r);
            continue;
        }
        if ((ULONG)r->iosb.Status == AIO__AFD_CANCELLED) { /* (polled again for what it watches now) */
            aio__afd_mark(w, r);
            continue;
        }
        ready = r->iosb.Status < 0 ? (int)(AIO_READABLE | AIO_WRITABLE)
                                   : r->info.count ? aio__afd_ready(r->info.events) : 0;
        if (r->iosb.Status < 0 || (r->info.count && (r->info.events & AIO__AFD_LOCAL_CLOSE)))
            r->closed = 1; /* (its handle asked for again before its next poll) */
        aio__afd_mark(w, r); /* (before the report, which may let it go) */
        if (ready & r->want) aio_io_ready(L, r->fd, ready & r->want);
    }
    aio__deliver_signals(L);
}
#endif
