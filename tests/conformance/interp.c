/* SPDX-License-Identifier: MIT */
/* The C runner of the conformance scenarios: one program that reads scenario
 * files (README.md beside this file) and executes them with aio_timeout.h on
 * its virtual clock, printing the same trace the Python runner prints.
 *
 *     interp [-v] FILE...
 *     interp [-v] -        many scenarios on stdin, each after a line "@@ NAME"
 *
 * For each file it prints "@@ FILE", the trace lines, then "@@ end" (or
 * "@@ error MESSAGE" when the file does not parse). -v also prints the
 * header's debug messages to stderr.
 *
 * Build it against another copy of the header with -DCONF_HEADER='"path"'
 * (tests/conformance/run --header PATH does that). */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#ifdef CONF_HEADER
#include CONF_HEADER
#else
#include "aio_timeout.h"
#endif
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ the program */

enum {
    K_SLEEP, K_BUSY, K_LOG, K_SPAWN, K_AWAIT, K_WAIT_FOR, K_SHIELD, K_WAIT_FOR_SHIELD, K_CANCEL,
    K_TIMEOUT, K_TIMEOUT_AT, K_RESCHEDULE, K_EXPIRED, K_GROUP, K_WAIT, K_GATHER, K_GATHER_ALL,
    K_CALL, K_CATCH, K_WAIT_FOR_CALL, K_SET, K_CLEAR, K_WAIT_EVENT, K_ACQUIRE, K_RELEASE,
    K_COND_WAIT, K_NOTIFY, K_NOTIFY_ALL, K_RETURN, K_RAISE, K_BLOCK, K_WHEN, K_SLEEP_UNTIL,
    K_REENTER, K_SETFLAG, K_COND_WAIT_FOR, K_BREAK, K_PUT, K_GET, K_JOIN, K_PUT_NOWAIT,
    K_GET_NOWAIT, K_TASK_DONE, K_SHUTDOWN, K_QSIZE, K_EMPTY, K_FULL, K_AS_COMPLETED
};
enum { O_EVENT, O_LOCK, O_CONDITION, O_SEMAPHORE, O_FLAG, O_QUEUE, O_LIFO_QUEUE, O_PRIORITY_QUEUE };
#define QUEUE_KINDS ((1u << O_QUEUE) | (1u << O_LIFO_QUEUE) | (1u << O_PRIORITY_QUEUE))
#define QUEUE_CAPACITY 256 /* scenario.py's QUEUE_CAPACITY: the bound of maxsize 0 */
enum { R_IN, R_AT, R_NEVER };

typedef struct block block;

/* The state of one block's execution: an inline coroutine (AIO_CALL). Every
 * block runs at most once per scenario (tasks are spawned once and there are
 * no loops), so each block owns its frame. */
typedef struct bframe {
    aio_frame frame;
    block *blk;
    int pc;             /* the step being executed */
    int ret;            /* the block was left by `return` */
    int brk;            /* the block was left by `break` */
    int skip_fin;       /* the task body: its finally clause runs in the task */
    aio_status rc, rc2; /* results of awaits */
    aio_status caught;  /* catch: what it caught */
} bframe;

typedef struct step {
    int kind, line;
    int target;         /* task, object, scope or error index */
    int name;           /* `as NAME`: scope or group index, -1 */
    int group;          /* spawn ... in GROUP: group index, -1 */
    int has_num;        /* 0: none / never */
    long long num;
    int mode;
    int *tasks;
    int ntasks;
    char *text;
    char *sym[2];       /* names until they are resolved */
    char **syms;
    block *body;
    /* run-time state: the step runs at most once */
    int open;           /* inside its block (for the pass-through line) */
    aio_timeout scope;
    aio_group group_st;
    aio_wait_item *items;
    bframe wrap;        /* catch: the frame that swallows */
    long long value;    /* put: the item */
    long long item;     /* get: where the item goes; put: the copy the put reads */
    aio_as_completed ac;
    int iter;           /* as_completed: items reported so far */
} step;

struct block {
    step *steps;
    int n, cap;
    block *fin;         /* the finally clause */
    bframe frame;
};

typedef struct {
    aio_task task;
    int idx;
    int spawned, reported;
    int addressed;      /* the library asked to cancel it from outside its own blocks */
    block *body;
    bframe top;
    aio_status rc, rc2;
} ctask;

typedef struct {
    int kind;
    int n;
    aio_event ev;
    aio_lock lock;
    aio_semaphore sem;
    aio_condition cond;
    int flag;           /* a flag: set by setflag */
    aio_queue q;
    long long *storage; /* a queue's items */
} cobj;

typedef struct { char **v; int n, cap; } names;

/* Everything of the scenario being run. */
static struct {
    const char *path;
    int line_no;
    char err[256];
    names tasks, objs, scopes, groups, errors;
    ctask *t;
    cobj *o;
    aio_timeout **scope_ptr;
    struct step **scope_step;
    aio_group **group_ptr;
    aio_loop loop;
    aio_timer *timers;
    void **allocs;
    int nallocs, cap_allocs;
    int verbose;
} R;

/* ------------------------------------------------------------ allocation */

static void *xalloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fprintf(stderr, "interp: out of memory\n");
        exit(2);
    }
    if (R.nallocs == R.cap_allocs) {
        int cap = R.cap_allocs ? R.cap_allocs * 2 : 256;
        void **grown = (void **)realloc(R.allocs, (size_t)cap * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "interp: out of memory\n");
            exit(2);
        }
        R.allocs = grown;
        R.cap_allocs = cap;
    }
    R.allocs[R.nallocs++] = p;
    return p;
}

static char *xstrdup(const char *s, size_t n) {
    char *p = (char *)xalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void free_all(void) {
    int i;
    for (i = 0; i < R.nallocs; i++) free(R.allocs[i]);
    free(R.allocs);
    R.allocs = NULL;
    R.nallocs = R.cap_allocs = 0;
}

static int name_find(const names *ns, const char *s) {
    int i;
    for (i = 0; i < ns->n; i++)
        if (!strcmp(ns->v[i], s)) return i;
    return -1;
}

static int name_add(names *ns, char *s) {
    int i = name_find(ns, s);
    if (i >= 0) return i;
    if (ns->n == ns->cap) {
        int cap = ns->cap ? ns->cap * 2 : 8, j;
        char **v = (char **)xalloc((size_t)cap * sizeof *v);
        for (j = 0; j < ns->n; j++) v[j] = ns->v[j];
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n] = s;
    return ns->n++;
}

/* ---------------------------------------------------------------- parsing */

#define MAX_TOKS 64

typedef struct {
    int no, indent;
    char *text;
} line_t;

static line_t *L_lines;
static int L_n, L_i;

static int fail(int no, const char *fmt, ...) {
    va_list ap;
    int len;
    if (R.err[0]) return -1;
    len = snprintf(R.err, sizeof R.err, "line %d: ", no);
    va_start(ap, fmt);
    vsnprintf(R.err + len, sizeof R.err - (size_t)len, fmt, ap);
    va_end(ap);
    return -1;
}

static int split(char *s, char **toks) {
    int n = 0;
    for (;;) {
        while (*s == ' ') s++;
        if (!*s) return n;
        if (n == MAX_TOKS) return -1;
        toks[n++] = s;
        while (*s && *s != ' ') s++;
        if (*s) *s++ = 0;
    }
}

static int is_name(const char *s) {
    static const char *reserved[] = {"call", "none", "in", "as", "at", "never"};
    size_t i;
    if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (i = 1; s[i]; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
    for (i = 0; i < sizeof reserved / sizeof *reserved; i++)
        if (!strcmp(s, reserved[i])) return 0;
    return 1;
}

static int parse_num(const char *s, int no, int allow_none, int *has, long long *v) {
    long long x = 0;
    const char *p = s;
    if (allow_none && !strcmp(s, "none")) {
        *has = 0;
        *v = 0;
        return 0;
    }
    if (!*p) return fail(no, "expected a number of ms");
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p)) return fail(no, "expected a number of ms, got '%s'", s);
        x = x * 10 + (*p - '0');
        if (x > (1LL << 40)) return fail(no, "%s ms is too large", s);
    }
    *has = 1;
    *v = x;
    return 0;
}

static char *need_name(char *s, int no) {
    if (!is_name(s)) {
        fail(no, "'%s' is not a valid name", s);
        return NULL;
    }
    return s;
}

static step *add_step(block *b) {
    if (b->n == b->cap) {
        int cap = b->cap ? b->cap * 2 : 8, j;
        step *v = (step *)xalloc((size_t)cap * sizeof *v);
        for (j = 0; j < b->n; j++) v[j] = b->steps[j];
        b->steps = v;
        b->cap = cap;
    }
    memset(&b->steps[b->n], 0, sizeof(step));
    return &b->steps[b->n++];
}

static block *parse_block(int parent_indent, int parent_no);

static int parse_step(step *st, int no, char *s) {
    char *toks[MAX_TOKS];
    size_t len = strlen(s);
    int opens = len > 0 && s[len - 1] == ':', n, i;
    char *op;
    if (opens) s[len - 1] = 0;
    n = split(s, toks);
    if (n <= 0) return fail(no, "too many words");
    op = toks[0];
    st->line = no;
    st->name = st->group = st->target = -1;
#define NEED(k, usage) \
    do { \
        if (n - 1 != (k)) return fail(no, "usage: %s", usage); \
    } while (0)
#define NAME(i) \
    do { \
        if (!need_name(toks[i], no)) return -1; \
    } while (0)
    {
        static const char *const block_ops[] = {"timeout", "timeout_at", "reenter", "group",
                                                 "call", "catch", "block"};
        int is_block = 0;
        for (i = 0; i < (int)(sizeof block_ops / sizeof *block_ops); i++)
            if (!strcmp(op, block_ops[i])) is_block = 1;
        if (opens && !is_block && strcmp(op, "wait_for"))
            return fail(no, "%s does not open a block", op);
        if (!opens && is_block) return fail(no, "%s opens a block: end the line with a colon", op);
    }
    if (!strcmp(op, "sleep") || !strcmp(op, "busy") || !strcmp(op, "sleep_until")) {
        NEED(1, "sleep MS");
        st->kind = op[0] == 'b' ? K_BUSY : op[5] ? K_SLEEP_UNTIL : K_SLEEP;
        return parse_num(toks[1], no, 0, &st->has_num, &st->num);
    }
    if (!strcmp(op, "log")) {
        if (n < 2) return fail(no, "usage: log TEXT");
        st->kind = K_LOG;
        /* words joined by one space */
        st->text = (char *)xalloc(len + 1);
        for (i = 1; i < n; i++) {
            if (i > 1) strcat(st->text, " ");
            strcat(st->text, toks[i]);
        }
        return 0;
    }
    if (!strcmp(op, "spawn")) {
        st->kind = K_SPAWN;
        if (n == 4 && !strcmp(toks[2], "in")) {
            NAME(3);
            st->sym[1] = toks[3];
        } else if (n != 2) {
            return fail(no, "usage: spawn TASK [in GROUP]");
        }
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "await") || !strcmp(op, "shield") || !strcmp(op, "cancel")) {
        NEED(1, "await TASK");
        st->kind = op[0] == 'a' ? K_AWAIT : op[1] == 'h' ? K_SHIELD : K_CANCEL;
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if ((!strcmp(op, "wait_for") || !strcmp(op, "wait_for_shield")) && !opens) {
        NEED(2, "wait_for TASK MS|none");
        st->kind = op[8] ? K_WAIT_FOR_SHIELD : K_WAIT_FOR;
        NAME(1);
        st->sym[0] = toks[1];
        return parse_num(toks[2], no, 1, &st->has_num, &st->num);
    }
    if (!strcmp(op, "wait_for")) {
        NEED(1, "wait_for MS|none:");
        st->kind = K_WAIT_FOR_CALL;
        return parse_num(toks[1], no, 1, &st->has_num, &st->num);
    }
    if (!strcmp(op, "timeout") || !strcmp(op, "timeout_at")) {
        st->kind = op[7] ? K_TIMEOUT_AT : K_TIMEOUT;
        if (n == 4 && !strcmp(toks[2], "as")) {
            NAME(3);
            if (name_find(&R.scopes, toks[3]) >= 0 || name_find(&R.groups, toks[3]) >= 0)
                return fail(no, "block name %s used twice", toks[3]);
            st->name = name_add(&R.scopes, toks[3]);
        } else if (n != 2) {
            return fail(no, "usage: timeout MS|none [as NAME]:");
        }
        return parse_num(toks[1], no, 1, &st->has_num, &st->num);
    }
    if (!strcmp(op, "group")) {
        st->kind = K_GROUP;
        if (n == 3 && !strcmp(toks[1], "as")) {
            NAME(2);
            if (name_find(&R.scopes, toks[2]) >= 0 || name_find(&R.groups, toks[2]) >= 0)
                return fail(no, "block name %s used twice", toks[2]);
            st->name = name_add(&R.groups, toks[2]);
        } else if (n != 1) {
            return fail(no, "usage: group [as NAME]:");
        }
        return 0;
    }
    if (!strcmp(op, "call") || !strcmp(op, "catch") || !strcmp(op, "block")) {
        NEED(0, "call:");
        st->kind = op[0] == 'b' ? K_BLOCK : op[1] == 'a' && op[2] == 'l' ? K_CALL : K_CATCH;
        return 0;
    }
    if (!strcmp(op, "reenter")) {
        NEED(1, "reenter NAME:");
        st->kind = K_REENTER;
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "reschedule")) {
        st->kind = K_RESCHEDULE;
        if (n == 3 && !strcmp(toks[2], "never")) {
            st->mode = R_NEVER;
        } else if (n == 4 && (!strcmp(toks[2], "in") || !strcmp(toks[2], "at"))) {
            st->mode = toks[2][0] == 'i' ? R_IN : R_AT;
            if (parse_num(toks[3], no, 0, &st->has_num, &st->num)) return -1;
        } else {
            return fail(no, "usage: reschedule NAME in MS | at MS | never");
        }
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "expired") || !strcmp(op, "when")) {
        NEED(1, "expired NAME");
        st->kind = op[0] == 'e' ? K_EXPIRED : K_WHEN;
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "wait") || !strcmp(op, "gather") || !strcmp(op, "gather_all")) {
        int first = 1;
        if (!strcmp(op, "wait")) {
            st->kind = K_WAIT;
            if (n < 4) return fail(no, "usage: wait MODE MS|none TASK...");
            if (!strcmp(toks[1], "first_completed")) st->mode = AIO_FIRST_COMPLETED;
            else if (!strcmp(toks[1], "first_exception")) st->mode = AIO_FIRST_EXCEPTION;
            else if (!strcmp(toks[1], "all_completed")) st->mode = AIO_ALL_COMPLETED;
            else return fail(no, "usage: wait MODE MS|none TASK...");
            if (parse_num(toks[2], no, 1, &st->has_num, &st->num)) return -1;
            first = 3;
        } else {
            st->kind = op[6] ? K_GATHER_ALL : K_GATHER;
            if (n < 2) return fail(no, "usage: gather TASK...");
        }
        st->ntasks = n - first;
        st->syms = (char **)xalloc((size_t)st->ntasks * sizeof(char *));
        for (i = first; i < n; i++) {
            NAME(i);
            st->syms[i - first] = toks[i];
        }
        return 0;
    }
    if (!strcmp(op, "set") || !strcmp(op, "clear") || !strcmp(op, "release") ||
        !strcmp(op, "notify_all")) {
        NEED(1, "set NAME");
        st->kind = op[0] == 's' ? K_SET : op[0] == 'c' ? K_CLEAR : op[0] == 'r' ? K_RELEASE
                                                                                : K_NOTIFY_ALL;
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "wait_event") || !strcmp(op, "acquire") || !strcmp(op, "cond_wait")) {
        if (n != 2 && n != 3) return fail(no, "usage: %s NAME [MS|none]", op);
        st->kind = op[0] == 'w' ? K_WAIT_EVENT : op[0] == 'a' ? K_ACQUIRE : K_COND_WAIT;
        NAME(1);
        st->sym[0] = toks[1];
        if (n == 3) return parse_num(toks[2], no, 1, &st->has_num, &st->num);
        return 0;
    }
    if (!strcmp(op, "put") || !strcmp(op, "get") || !strcmp(op, "join")) {
        int k = op[0] == 'p' ? 2 : 1;
        if (n - 1 != k && n - 1 != k + 1)
            return fail(no, "usage: %s QUEUE%s [MS|none]", op, k == 2 ? " VALUE" : "");
        st->kind = op[0] == 'p' ? K_PUT : op[0] == 'g' ? K_GET : K_JOIN;
        NAME(1);
        st->sym[0] = toks[1];
        if (k == 2) {
            int has;
            if (parse_num(toks[2], no, 0, &has, &st->value)) return -1;
        }
        if (n - 1 == k + 1) return parse_num(toks[k + 1], no, 1, &st->has_num, &st->num);
        return 0;
    }
    if (!strcmp(op, "put_nowait")) {
        int has;
        NEED(2, "put_nowait QUEUE VALUE");
        st->kind = K_PUT_NOWAIT;
        NAME(1);
        st->sym[0] = toks[1];
        return parse_num(toks[2], no, 0, &has, &st->value);
    }
    if (!strcmp(op, "get_nowait") || !strcmp(op, "task_done") || !strcmp(op, "qsize") ||
        !strcmp(op, "empty") || !strcmp(op, "full")) {
        NEED(1, "get_nowait QUEUE");
        st->kind = op[0] == 'g' ? K_GET_NOWAIT : op[0] == 't' ? K_TASK_DONE : op[0] == 'q' ? K_QSIZE
                   : op[0] == 'e' ? K_EMPTY : K_FULL;
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "shutdown")) {
        st->kind = K_SHUTDOWN;
        if (n == 3 && !strcmp(toks[2], "immediate")) st->mode = 1;
        else if (n != 2) return fail(no, "usage: shutdown QUEUE [immediate]");
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "as_completed")) {
        st->kind = K_AS_COMPLETED;
        if (n < 3) return fail(no, "usage: as_completed MS|none TASK...");
        if (parse_num(toks[1], no, 1, &st->has_num, &st->num)) return -1;
        st->ntasks = n - 2;
        st->syms = (char **)xalloc((size_t)st->ntasks * sizeof(char *));
        for (i = 2; i < n; i++) {
            NAME(i);
            st->syms[i - 2] = toks[i];
        }
        return 0;
    }
    if (!strcmp(op, "break")) {
        if (n != 1) return fail(no, "usage: break");
        st->kind = K_BREAK;
        return 0;
    }
    if (!strcmp(op, "setflag")) {
        NEED(1, "setflag FLAG");
        st->kind = K_SETFLAG;
        NAME(1);
        st->sym[0] = toks[1];
        return 0;
    }
    if (!strcmp(op, "cond_wait_for")) {
        if (n != 3 && n != 4) return fail(no, "usage: cond_wait_for CONDITION FLAG [MS|none]");
        st->kind = K_COND_WAIT_FOR;
        NAME(1);
        NAME(2);
        st->sym[0] = toks[1];
        st->sym[1] = toks[2];
        if (n == 4) return parse_num(toks[3], no, 1, &st->has_num, &st->num);
        return 0;
    }
    if (!strcmp(op, "notify")) {
        if (n != 2 && n != 3) return fail(no, "usage: notify NAME [N]");
        st->kind = K_NOTIFY;
        NAME(1);
        st->sym[0] = toks[1];
        st->has_num = 1;
        st->num = 1;
        if (n == 3) return parse_num(toks[2], no, 0, &st->has_num, &st->num);
        return 0;
    }
    if (!strcmp(op, "return")) {
        NEED(1, "return VALUE");
        st->kind = K_RETURN;
        if (parse_num(toks[1], no, 0, &st->has_num, &st->num)) return -1;
        if (st->num > 0x7fffffff) return fail(no, "value too large");
        return 0;
    }
    if (!strcmp(op, "raise")) {
        NEED(1, "raise ERROR");
        st->kind = K_RAISE;
        NAME(1);
        st->target = name_add(&R.errors, toks[1]);
        return 0;
    }
    return fail(no, "unknown step '%s'", op);
#undef NEED
#undef NAME
}

static int opens_block(int kind) {
    return kind == K_TIMEOUT || kind == K_TIMEOUT_AT || kind == K_GROUP || kind == K_CALL ||
           kind == K_CATCH || kind == K_WAIT_FOR_CALL || kind == K_BLOCK || kind == K_REENTER;
}

static block *parse_block(int parent_indent, int parent_no) {
    block *b = (block *)xalloc(sizeof *b);
    int indent;
    b->frame.blk = b;
    if (L_i >= L_n || L_lines[L_i].indent <= parent_indent) {
        fail(parent_no, "an indented block must follow");
        return NULL;
    }
    indent = L_lines[L_i].indent;
    while (L_i < L_n) {
        line_t *ln = &L_lines[L_i];
        if (ln->indent < indent) {
            if (ln->indent > parent_indent) {
                fail(ln->no, "inconsistent indentation");
                return NULL;
            }
            break;
        }
        if (ln->indent > indent) {
            fail(ln->no, "unexpected indentation");
            return NULL;
        }
        L_i++;
        if (!strcmp(ln->text, "finally:")) {
            if (b->fin) {
                fail(ln->no, "a block has one finally:");
                return NULL;
            }
            b->fin = parse_block(indent, ln->no);
            if (!b->fin) return NULL;
            b->fin->frame.blk = b->fin;
            if (L_i < L_n && L_lines[L_i].indent == indent) {
                fail(L_lines[L_i].no, "finally: must be the last part of its block");
                return NULL;
            }
            continue;
        }
        {
            step *st = add_step(b);
            if (parse_step(st, ln->no, ln->text)) return NULL;
            if (opens_block(st->kind)) {
                block *body = parse_block(indent, ln->no);
                st = &b->steps[b->n - 1]; /* add_step may have moved it */
                if (!body) return NULL;
                st->body = body;
            }
        }
    }
    if (!b->n && !b->fin) {
        fail(parent_no, "empty block");
        return NULL;
    }
    return b;
}

static int resolve_block(block *b);

static int resolve_task(step *st, const char *s) {
    int i = name_find(&R.tasks, s);
    if (i < 0) return fail(st->line, "no task named %s", s);
    return i;
}

static int resolve_obj(step *st, const char *s, unsigned kinds, const char *what) {
    int i = name_find(&R.objs, s);
    if (i < 0 || !(kinds & (1u << R.o[i].kind)))
        return fail(st->line, "%s is not a declared %s", s, what);
    return i;
}

static int resolve_step(step *st) {
    int i, j;
    switch (st->kind) {
    case K_SPAWN:
        if ((st->target = resolve_task(st, st->sym[0])) < 0) return -1;
        if (st->target == 0) return fail(st->line, "main is spawned by the runner");
        if (R.t[st->target].spawned) return fail(st->line, "task %s is spawned twice", st->sym[0]);
        R.t[st->target].spawned = 1; /* reset before the run */
        if (st->sym[1] && (st->group = name_find(&R.groups, st->sym[1])) < 0)
            return fail(st->line, "no group named %s", st->sym[1]);
        break;
    case K_AWAIT: case K_SHIELD: case K_CANCEL: case K_WAIT_FOR: case K_WAIT_FOR_SHIELD:
        if ((st->target = resolve_task(st, st->sym[0])) < 0) return -1;
        break;
    case K_WAIT: case K_GATHER: case K_GATHER_ALL: case K_AS_COMPLETED:
        st->tasks = (int *)xalloc((size_t)st->ntasks * sizeof(int));
        st->items = (aio_wait_item *)xalloc((size_t)st->ntasks * sizeof(aio_wait_item));
        for (i = 0; i < st->ntasks; i++) {
            if ((st->tasks[i] = resolve_task(st, st->syms[i])) < 0) return -1;
            for (j = 0; j < i; j++)
                if (st->tasks[j] == st->tasks[i])
                    return fail(st->line, "task %s listed twice", st->syms[i]);
        }
        break;
    case K_RESCHEDULE: case K_EXPIRED: case K_WHEN: case K_REENTER:
        if ((st->target = name_find(&R.scopes, st->sym[0])) < 0)
            return fail(st->line, "no timeout named %s", st->sym[0]);
        break;
    case K_SET: case K_CLEAR: case K_WAIT_EVENT:
        st->target = resolve_obj(st, st->sym[0], 1u << O_EVENT, "event");
        break;
    case K_ACQUIRE: case K_RELEASE:
        st->target = resolve_obj(st, st->sym[0], (1u << O_LOCK) | (1u << O_SEMAPHORE) |
                                 (1u << O_CONDITION), "lock, semaphore or condition");
        break;
    case K_COND_WAIT: case K_NOTIFY: case K_NOTIFY_ALL:
        st->target = resolve_obj(st, st->sym[0], 1u << O_CONDITION, "condition");
        break;
    case K_SETFLAG:
        st->target = resolve_obj(st, st->sym[0], 1u << O_FLAG, "flag");
        break;
    case K_PUT: case K_GET: case K_JOIN: case K_PUT_NOWAIT: case K_GET_NOWAIT: case K_TASK_DONE:
    case K_SHUTDOWN: case K_QSIZE: case K_EMPTY: case K_FULL:
        st->target = resolve_obj(st, st->sym[0], QUEUE_KINDS, "queue, lifo_queue or priority_queue");
        break;
    case K_COND_WAIT_FOR:
        st->target = resolve_obj(st, st->sym[0], 1u << O_CONDITION, "condition");
        if (st->target >= 0 && (st->mode = resolve_obj(st, st->sym[1], 1u << O_FLAG, "flag")) < 0)
            return -1;
        break;
    default:
        break;
    }
    if (st->target < 0 && st->kind != K_LOG && R.err[0]) return -1;
    if (st->body && resolve_block(st->body)) return -1;
    return 0;
}

static int resolve_block(block *b) {
    int i;
    for (i = 0; i < b->n; i++)
        if (resolve_step(&b->steps[i])) return -1;
    if (b->fin) return resolve_block(b->fin);
    return 0;
}

/* Parse `text` (modified in place) into R. 0 or -1 with R.err set. */
static int parse(char *text) {
    char *p = text, *toks[MAX_TOKS];
    int no = 0, cap = 0, i;
    block **bodies;
    /* split into lines, strip comments and blank lines */
    while (*p) {
        char *s = p, *e, *c;
        int ind = 0;
        no++;
        while (*p && *p != '\n') p++;
        if (*p) *p++ = 0;
        for (c = s; *c; c++)
            if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
                *c = 0;
                break;
            }
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t')) *--e = 0;
        while (s[ind] == ' ') ind++;
        if (s[ind] == '\t') return fail(no, "indent with spaces, not tabs");
        if (!s[ind]) continue;
        for (c = s + ind; *c; c++)
            if (*c == '\t') *c = ' ';
        if (L_n == cap) {
            int ncap = cap ? cap * 2 : 64, j;
            line_t *v = (line_t *)xalloc((size_t)ncap * sizeof *v);
            for (j = 0; j < L_n; j++) v[j] = L_lines[j];
            L_lines = v;
            cap = ncap;
        }
        L_lines[L_n].no = no;
        L_lines[L_n].indent = ind;
        L_lines[L_n].text = s + ind;
        L_n++;
    }
    /* first pass: task and object names (tasks may be used before they are defined) */
    name_add(&R.tasks, (char *)"main");
    for (i = 0; i < L_n; i++) {
        char *s = L_lines[i].text;
        size_t n = strlen(s);
        if (L_lines[i].indent || strncmp(s, "task ", 5) || s[n - 1] != ':') continue;
        {
            char *nm = xstrdup(s + 5, n - 6);
            while (*nm == ' ') nm++;
            if (!is_name(nm)) return fail(L_lines[i].no, "usage: task NAME:");
            if (name_find(&R.tasks, nm) >= 0 && strcmp(nm, "main"))
                return fail(L_lines[i].no, "task %s defined twice", nm);
            name_add(&R.tasks, nm);
        }
    }
    R.t = (ctask *)xalloc((size_t)R.tasks.n * sizeof *R.t);
    bodies = (block **)xalloc((size_t)R.tasks.n * sizeof *bodies);
    R.o = (cobj *)xalloc(64 * sizeof *R.o);
    for (L_i = 0; L_i < L_n;) {
        line_t *ln = &L_lines[L_i];
        char *s = ln->text, *key;
        int n;
        if (ln->indent) return fail(ln->no, "unexpected indentation");
        L_i++;
        if (!strncmp(s, "about:", 6) || !strncmp(s, "ref:", 4) || !strncmp(s, "rule:", 5) ||
            !strncmp(s, "order:", 6) || !strncmp(s, "python:", 7))
            continue; /* the driver reads these */
        if (!strncmp(s, "expect ", 7)) {
            while (L_i < L_n && L_lines[L_i].indent > 0) L_i++;
            continue;
        }
        key = xstrdup(s, strlen(s));
        n = split(key, toks);
        if (n <= 0) return fail(ln->no, "too many words");
        if (!strcmp(toks[0], "event") || !strcmp(toks[0], "lock") ||
                   !strcmp(toks[0], "condition") || !strcmp(toks[0], "semaphore") ||
                   !strcmp(toks[0], "flag") || !strcmp(toks[0], "queue") ||
                   !strcmp(toks[0], "lifo_queue") || !strcmp(toks[0], "priority_queue")) {
            int kind = toks[0][0] == 'e' ? O_EVENT : !strcmp(toks[0], "lock") ? O_LOCK
                       : toks[0][0] == 'c' ? O_CONDITION : toks[0][0] == 'f' ? O_FLAG
                       : toks[0][0] == 'q' ? O_QUEUE : toks[0][0] == 'l' ? O_LIFO_QUEUE
                       : toks[0][0] == 'p' ? O_PRIORITY_QUEUE : O_SEMAPHORE;
            int want = kind == O_SEMAPHORE || ((1u << kind) & QUEUE_KINDS) ? 3 : 2, k;
            cobj *o;
            if (n != want) return fail(ln->no, "usage: %s NAME%s", toks[0], want == 3 ? " N" : "");
            if (!need_name(toks[1], ln->no)) return -1;
            if (name_find(&R.objs, toks[1]) >= 0) return fail(ln->no, "%s declared twice", toks[1]);
            if (R.objs.n == 64) return fail(ln->no, "too many objects");
            k = name_add(&R.objs, toks[1]);
            o = &R.o[k];
            o->kind = kind;
            if (want == 3) {
                int has;
                long long v;
                if (parse_num(toks[2], ln->no, 0, &has, &v)) return -1;
                if (kind != O_SEMAPHORE && v > QUEUE_CAPACITY)
                    return fail(ln->no, "a queue holds at most %d items", QUEUE_CAPACITY);
                o->n = (int)v;
            }
        } else if (!strcmp(toks[0], "task")) {
            int k;
            if (n != 2 || toks[1][strlen(toks[1]) - 1] != ':') return fail(ln->no, "usage: task NAME:");
            toks[1][strlen(toks[1]) - 1] = 0;
            k = name_find(&R.tasks, toks[1]);
            if (k < 0) return fail(ln->no, "usage: task NAME:");
            bodies[k] = parse_block(0, ln->no);
            if (!bodies[k]) return -1;
        } else {
            return fail(ln->no, "expected task, expect, a declaration or a key: value line");
        }
    }
    if (!bodies[0]) return fail(0, "no task named main");
    for (i = 0; i < R.tasks.n; i++) {
        R.t[i].idx = i;
        R.t[i].body = bodies[i];
        if (bodies[i] && resolve_block(bodies[i])) return -1;
    }
    for (i = 0; i < R.tasks.n; i++) R.t[i].spawned = R.t[i].addressed = 0;
    R.scope_ptr = (aio_timeout **)xalloc((size_t)(R.scopes.n + 1) * sizeof *R.scope_ptr);
    R.scope_step = (step **)xalloc((size_t)(R.scopes.n + 1) * sizeof *R.scope_step);
    R.group_ptr = (aio_group **)xalloc((size_t)(R.groups.n + 1) * sizeof *R.group_ptr);
    return 0;
}

/* ----------------------------------------------------------------- output */

static long long now_ms(void) {
    return (long long)(aio_loop_now(&R.loop) / (aio_time)AIO_MS(1));
}

static void out(int task, const char *fmt, ...) {
    va_list ap;
    printf("%lld %s ", now_ms(), task < 0 ? "-" : R.tasks.v[task]);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

static const char *status_str(aio_status rc) {
    static char buf[8][96];
    static int k;
    char *b = buf[k++ & 7];
    if (rc >= 0) snprintf(b, 96, "%d", rc);
    else if (rc == AIO_ECANCELED) return "cancelled";
    else if (rc == AIO_ETIMEDOUT) return "timeout";
    else if (rc == AIO_ECHILDCANCELED) return "childcancelled";
    else if (rc == AIO_EINVAL) return "invalid";
    else if (rc == AIO_ESHUTDOWN) return "shutdown";
    else if (rc == AIO_EFULL) return "full";
    else if (rc == AIO_EEMPTY) return "empty";
    else if (rc <= AIO_EUSER && AIO_EUSER - rc < R.errors.n) snprintf(b, 96, "error:%s", R.errors.v[AIO_EUSER - rc]);
    else snprintf(b, 96, "status:%d", rc);
    return b;
}

static void debug_hook(aio_status code, const char *message) {
    if (R.verbose) fprintf(stderr, "  [%s] aio_timeout: %s (%d)\n", R.path, message, code);
    if (strncmp(message, "internal:", 9) == 0) { /* the header's own inconsistency: a failure */
        fflush(stdout);
        fprintf(stderr, "  [%s] aio_timeout: %s\n", R.path, message);
        abort();
    }
}

/* ---------------------------------------------------------- the interpreter */

#define ST (&s->blk->steps[s->pc])
#define KIND (ST->kind)
#define DUR(st) ((st)->has_num ? (aio_time)AIO_MS((st)->num) : AIO_NEVER)
#define TK(i) (&R.t[(i)])
#define OB(i) (&R.o[(i)])

static aio_status task_fn(aio_task *t);
static aio_status exec_block(aio_task *t, bframe *s);

static const char *join_event(const step *st) {
    return st->kind == K_AWAIT ? "await" : st->kind == K_WAIT_FOR ? "wait_for"
           : st->kind == K_SHIELD ? "shield" : "wait_for_shield";
}

static void prep(bframe *f) {
    f->pc = 0;
    f->ret = 0;
    f->brk = 0;
    f->caught = 0;
}

static const char *scope_name(const step *st) {
    if (st->kind == K_REENTER) return R.scopes.v[st->target];
    return st->name >= 0 ? (st->kind == K_GROUP ? R.groups.v[st->name] : R.scopes.v[st->name]) : "-";
}

/* catch: run the body; an error or cancellation that leaves it stops here. */
static aio_status exec_catch(aio_task *t, bframe *s) {
    AIO_BEGIN(t, s);
    prep(&s->blk->frame);
    AIO_CALL(t, s->rc, exec_block, &s->blk->frame);
    if (s->blk->frame.ret && s->rc >= 0) { /* a cleanup's error replaces the return */
        s->ret = 1;
        AIO_RETURN(t, s->rc);
    }
    AIO_CHECK(t, s->rc);
    AIO_FINALLY(t);
    if (AIO_STATUS(t) < 0) {
        s->caught = AIO_STATUS(t);
        AIO_RETURN(t, 0);
    }
    AIO_END(t);
}

static int all_spawned(const step *st) {
    int i;
    for (i = 0; i < st->ntasks; i++)
        if (!TK(st->tasks[i])->spawned) return 0;
    return 1;
}

static aio_status exec_block(aio_task *t, bframe *s) {
    int me = AIO_SELF(t, ctask)->idx;
    AIO_BEGIN(t, s);
    for (s->pc = 0; s->pc < s->blk->n; s->pc++) {
        if (KIND == K_SLEEP) {
            AIO_SLEEP(t, DUR(ST));
        } else if (KIND == K_SLEEP_UNTIL) {
            AIO_SLEEP_UNTIL(t, DUR(ST));
        } else if (KIND == K_WHEN) {
            aio_timeout *sc = R.scope_ptr[ST->target];
            if (!sc) out(me, "when %s invalid", R.scopes.v[ST->target]);
            else if (aio_timeout_when(sc) == AIO_NEVER) out(me, "when %s none", R.scopes.v[ST->target]);
            else out(me, "when %s %lld", R.scopes.v[ST->target],
                     (long long)(aio_timeout_when(sc) / (aio_time)AIO_MS(1)));
        } else if (KIND == K_BLOCK) {
            prep(&ST->body->frame);
            AIO_CALL(t, s->rc, exec_block, &ST->body->frame);
            if (ST->body->frame.ret) {
                s->ret = 1;
                AIO_RETURN(t, s->rc);
            }
            if (ST->body->frame.brk && s->rc >= 0) { /* on to the timeout block around */
                s->brk = 1;
                AIO_RETURN(t, AIO_OK);
            }
            AIO_CHECK(t, s->rc);
        } else if (KIND == K_REENTER) {
            /* the scope of an earlier `timeout ... as NAME:`, entered again */
            ST->open = 1;
            if (!R.scope_ptr[ST->target]) AIO_RAISE(t, AIO_EINVAL);
            AIO_TIMEOUT(t, R.scope_ptr[ST->target], DUR(R.scope_step[ST->target])) {
                prep(&ST->body->frame);
                AIO_CALL(t, s->rc, exec_block, &ST->body->frame);
                if (ST->body->frame.ret) {
                    s->ret = 1;
                    AIO_RETURN(t, s->rc);
                }
                AIO_CHECK(t, s->rc);
                if (ST->body->frame.brk) break; /* C's break out of the block (lint-coroutines: ok) */
            }
            ST->open = 0;
            out(me, "timeout %s %s", R.scopes.v[ST->target],
                aio_timeout_status(R.scope_ptr[ST->target]) == AIO_ETIMEDOUT ? "timeout"
                : ST->body->frame.brk ? "break" : "ok");
        } else if (KIND == K_BUSY) {
            aio_virtual_advance(&R.loop, DUR(ST));
        } else if (KIND == K_LOG) {
            out(me, "log %s", ST->text);
        } else if (KIND == K_SPAWN) {
            aio_status rc;
            if (ST->group >= 0)
                rc = R.group_ptr[ST->group] ? aio_group_spawn(R.group_ptr[ST->group],
                                                              &TK(ST->target)->task, task_fn)
                                            : AIO_EINVAL;
            else
                rc = aio_spawn(&TK(ST->target)->task, task_fn);
            if (rc == AIO_OK) TK(ST->target)->spawned = 1;
            else out(me, "spawn %s invalid", R.tasks.v[ST->target]);
        } else if (KIND == K_CANCEL) {
            if (!TK(ST->target)->spawned) out(me, "cancel %s invalid", R.tasks.v[ST->target]);
            else out(me, "cancel %s %d", R.tasks.v[ST->target], aio_cancel(&TK(ST->target)->task));
        } else if (KIND == K_AWAIT || KIND == K_WAIT_FOR || KIND == K_SHIELD ||
                   KIND == K_WAIT_FOR_SHIELD) {
            if (!TK(ST->target)->spawned) {
                out(me, "%s %s invalid", join_event(ST), R.tasks.v[ST->target]);
            } else {
                if (KIND == K_AWAIT) {
                    AIO_AWAIT(t, s->rc, &TK(ST->target)->task);
                } else if (KIND == K_WAIT_FOR) {
                    AIO_WAIT_FOR(t, s->rc, &TK(ST->target)->task, DUR(ST));
                } else if (KIND == K_SHIELD) {
                    AIO_SHIELD(t, s->rc, &TK(ST->target)->task);
                } else {
                    AIO_WAIT_FOR_SHIELD(t, s->rc, &TK(ST->target)->task, DUR(ST));
                }
                out(me, "%s %s %s", join_event(ST), R.tasks.v[ST->target], status_str(s->rc));
            }
        } else if (KIND == K_TIMEOUT || KIND == K_TIMEOUT_AT) {
            if (ST->name >= 0) {
                R.scope_ptr[ST->name] = &ST->scope;
                R.scope_step[ST->name] = ST;
            }
            ST->open = 1;
            if (KIND == K_TIMEOUT) {
                AIO_TIMEOUT(t, &ST->scope, DUR(ST)) {
                    prep(&ST->body->frame);
                    AIO_CALL(t, s->rc, exec_block, &ST->body->frame);
                    if (ST->body->frame.ret) {
                        s->ret = 1;
                        AIO_RETURN(t, s->rc);
                    }
                    AIO_CHECK(t, s->rc);
                    if (ST->body->frame.brk) break; /* C's break out of the block (lint-coroutines: ok) */
                }
            } else {
                AIO_TIMEOUT_AT(t, &ST->scope, DUR(ST)) {
                    prep(&ST->body->frame);
                    AIO_CALL(t, s->rc, exec_block, &ST->body->frame);
                    if (ST->body->frame.ret) {
                        s->ret = 1;
                        AIO_RETURN(t, s->rc);
                    }
                    AIO_CHECK(t, s->rc);
                    if (ST->body->frame.brk) break; /* C's break out of the block (lint-coroutines: ok) */
                }
            }
            ST->open = 0;
            out(me, "timeout %s %s", scope_name(ST),
                aio_timeout_status(&ST->scope) == AIO_ETIMEDOUT ? "timeout"
                : ST->body->frame.brk ? "break" : "ok");
        } else if (KIND == K_RESCHEDULE) {
            aio_timeout *sc = R.scope_ptr[ST->target];
            aio_time when = ST->mode == R_NEVER ? AIO_NEVER
                            : ST->mode == R_AT ? (aio_time)AIO_MS(ST->num)
                                               : (aio_time)(aio_loop_now(&R.loop) + AIO_MS(ST->num));
            out(me, "reschedule %s %s", R.scopes.v[ST->target],
                sc && aio_timeout_reschedule(sc, when) == AIO_OK ? "ok" : "invalid");
        } else if (KIND == K_EXPIRED) {
            aio_timeout *sc = R.scope_ptr[ST->target];
            out(me, "expired %s %d", R.scopes.v[ST->target], sc ? aio_timeout_expired(sc) : 0);
        } else if (KIND == K_GROUP) {
            if (ST->name >= 0) R.group_ptr[ST->name] = &ST->group_st;
            ST->open = 1;
            AIO_GROUP(t, &ST->group_st) {
                prep(&ST->body->frame);
                AIO_CALL(t, s->rc, exec_block, &ST->body->frame);
                if (ST->body->frame.ret) {
                    s->ret = 1;
                    AIO_RETURN(t, s->rc);
                }
                AIO_CHECK(t, s->rc);
            }
            ST->open = 0;
            out(me, "group %s %s", scope_name(ST),
                aio_group_status(&ST->group_st) == AIO_OK ? "ok"
                                                         : status_str(aio_group_status(&ST->group_st)));
        } else if (KIND == K_WAIT || KIND == K_GATHER || KIND == K_GATHER_ALL) {
            int i;
            if (!all_spawned(ST)) {
                out(me, "%s invalid", KIND == K_WAIT ? "wait" : KIND == K_GATHER ? "gather" : "gather_all");
            } else {
                for (i = 0; i < ST->ntasks; i++) ST->items[i].task = &TK(ST->tasks[i])->task;
                if (KIND == K_WAIT) {
                    AIO_WAIT(t, s->rc, ST->items, (size_t)ST->ntasks, ST->mode, DUR(ST));
                } else if (KIND == K_GATHER) {
                    AIO_GATHER(t, s->rc, ST->items, (size_t)ST->ntasks);
                } else {
                    AIO_GATHER_ALL(t, s->rc, ST->items, (size_t)ST->ntasks);
                }
                {
                    char line[2048];
                    size_t len = 0;
                    line[0] = 0;
                    if (KIND == K_WAIT) {
                        int pass;
                        len += (size_t)snprintf(line + len, sizeof line - len, "wait done");
                        for (pass = 1; pass >= 0; pass--) {
                            if (!pass) len += (size_t)snprintf(line + len, sizeof line - len, " pending");
                            for (i = 0; i < ST->ntasks && len < sizeof line; i++)
                                if (aio_task_done(&TK(ST->tasks[i])->task) == pass)
                                    len += (size_t)snprintf(line + len, sizeof line - len, " %s",
                                                            R.tasks.v[ST->tasks[i]]);
                        }
                    } else if (KIND == K_GATHER && s->rc != AIO_OK) {
                        snprintf(line, sizeof line, "gather fail %s", status_str(s->rc));
                    } else {
                        len += (size_t)snprintf(line, sizeof line, KIND == K_GATHER ? "gather ok" : "gather_all");
                        for (i = 0; i < ST->ntasks && len < sizeof line; i++)
                            len += (size_t)snprintf(line + len, sizeof line - len, " %s",
                                                    status_str(aio_task_result(&TK(ST->tasks[i])->task)));
                    }
                    out(me, "%s", line);
                }
            }
        } else if (KIND == K_CALL) {
            ST->open = 1;
            prep(&ST->body->frame);
            AIO_CALL(t, s->rc, exec_block, &ST->body->frame);
            ST->open = 0;
            out(me, "call %s", status_str(s->rc));
        } else if (KIND == K_CATCH) {
            ST->wrap.blk = ST->body;
            ST->open = 1;
            prep(&ST->wrap);
            AIO_CALL(t, s->rc, exec_catch, &ST->wrap);
            ST->open = 0;
            if (ST->wrap.ret) {
                out(me, "catch return");
                s->ret = 1;
                AIO_RETURN(t, s->rc);
            }
            out(me, "catch %s", ST->wrap.caught ? status_str(ST->wrap.caught) : "ok");
        } else if (KIND == K_WAIT_FOR_CALL) {
            ST->open = 1;
            prep(&ST->body->frame);
            AIO_WAIT_FOR_CALL(t, s->rc, exec_block, &ST->body->frame, &ST->scope, DUR(ST));
            ST->open = 0;
            out(me, "wait_for call %s", status_str(s->rc));
        } else if (KIND == K_SET) {
            aio_event_set(&OB(ST->target)->ev);
        } else if (KIND == K_CLEAR) {
            aio_event_clear(&OB(ST->target)->ev);
        } else if (KIND == K_WAIT_EVENT) {
            AIO_EVENT_WAIT(t, s->rc, &OB(ST->target)->ev, DUR(ST));
            out(me, "wait_event %s %s", R.objs.v[ST->target], s->rc == AIO_OK ? "ok" : status_str(s->rc));
        } else if (KIND == K_ACQUIRE) {
            if (OB(ST->target)->kind == O_SEMAPHORE) {
                AIO_SEMAPHORE_ACQUIRE(t, s->rc, &OB(ST->target)->sem, DUR(ST));
            } else {
                AIO_LOCK_ACQUIRE(t, s->rc, &OB(ST->target)->lock, DUR(ST));
            }
            out(me, "acquire %s %s", R.objs.v[ST->target], s->rc == AIO_OK ? "ok" : status_str(s->rc));
        } else if (KIND == K_RELEASE) {
            cobj *o = OB(ST->target);
            aio_status rc = o->kind == O_SEMAPHORE ? aio_semaphore_release(&o->sem)
                                                   : aio_lock_release(&o->lock);
            if (rc < 0) out(me, "release %s invalid", R.objs.v[ST->target]);
        } else if (KIND == K_COND_WAIT) {
            AIO_COND_WAIT(t, s->rc, &OB(ST->target)->cond, DUR(ST));
            out(me, "cond_wait %s %s", R.objs.v[ST->target], s->rc == AIO_OK ? "ok" : status_str(s->rc));
        } else if (KIND == K_SETFLAG) {
            OB(ST->target)->flag = 1;
        } else if (KIND == K_COND_WAIT_FOR) {
            AIO_COND_WAIT_FOR(t, s->rc, &OB(ST->target)->cond, OB(ST->mode)->flag, DUR(ST));
            out(me, "cond_wait_for %s %s %s", R.objs.v[ST->target], R.objs.v[ST->mode],
                s->rc == AIO_OK ? "ok" : status_str(s->rc));
        } else if (KIND == K_NOTIFY || KIND == K_NOTIFY_ALL) {
            cobj *o = OB(ST->target);
            int rc = KIND == K_NOTIFY ? aio_condition_notify(&o->cond, (int)ST->num)
                                   : aio_condition_notify_all(&o->cond);
            if (rc < 0) out(me, "%s %s invalid", KIND == K_NOTIFY ? "notify" : "notify_all", R.objs.v[ST->target]);
        } else if (KIND == K_PUT) {
            ST->item = ST->value;
            AIO_QUEUE_PUT(t, s->rc, &OB(ST->target)->q, &ST->item, DUR(ST));
            out(me, "put %s %s", R.objs.v[ST->target], s->rc == AIO_OK ? "ok" : status_str(s->rc));
        } else if (KIND == K_GET) {
            AIO_QUEUE_GET(t, s->rc, &OB(ST->target)->q, &ST->item, DUR(ST));
            if (s->rc == AIO_OK) out(me, "get %s %lld", R.objs.v[ST->target], ST->item);
            else out(me, "get %s %s", R.objs.v[ST->target], status_str(s->rc));
        } else if (KIND == K_JOIN) {
            AIO_QUEUE_JOIN(t, s->rc, &OB(ST->target)->q, DUR(ST));
            out(me, "join %s %s", R.objs.v[ST->target], s->rc == AIO_OK ? "ok" : status_str(s->rc));
        } else if (KIND == K_PUT_NOWAIT) {
            aio_status rc = aio_queue_put_nowait(&OB(ST->target)->q, &ST->value);
            out(me, "put_nowait %s %s", R.objs.v[ST->target], rc == AIO_OK ? "ok" : status_str(rc));
        } else if (KIND == K_GET_NOWAIT) {
            aio_status rc = aio_queue_get_nowait(&OB(ST->target)->q, &ST->item);
            if (rc == AIO_OK) out(me, "get_nowait %s %lld", R.objs.v[ST->target], ST->item);
            else out(me, "get_nowait %s %s", R.objs.v[ST->target], status_str(rc));
        } else if (KIND == K_TASK_DONE) {
            if (aio_queue_task_done(&OB(ST->target)->q) < 0)
                out(me, "task_done %s invalid", R.objs.v[ST->target]);
        } else if (KIND == K_SHUTDOWN) {
            aio_queue_shutdown(&OB(ST->target)->q, ST->mode);
        } else if (KIND == K_QSIZE) {
            out(me, "qsize %s %u", R.objs.v[ST->target], (unsigned)aio_queue_qsize(&OB(ST->target)->q));
        } else if (KIND == K_EMPTY) {
            out(me, "empty %s %d", R.objs.v[ST->target], aio_queue_empty(&OB(ST->target)->q));
        } else if (KIND == K_FULL) {
            out(me, "full %s %d", R.objs.v[ST->target], aio_queue_full(&OB(ST->target)->q));
        } else if (KIND == K_AS_COMPLETED) {
            int i;
            if (!all_spawned(ST)) {
                out(me, "as_completed invalid");
            } else {
                for (i = 0; i < ST->ntasks; i++) ST->items[i].task = &TK(ST->tasks[i])->task;
                if (aio_as_completed_init(&ST->ac, ST->items, (size_t)ST->ntasks, DUR(ST)) != AIO_OK)
                    AIO_RAISE(t, AIO_EINVAL);
                for (ST->iter = 0; aio_as_completed_left(&ST->ac) > 0; ST->iter++) {
                    AIO_NEXT_COMPLETED(t, s->rc, &ST->ac);
                    out(me, "as_completed %s",
                        status_str(s->rc >= 0 ? aio_task_result(ST->items[s->rc].task) : s->rc));
                }
            }
        } else if (KIND == K_BREAK) {
            s->brk = 1;
            AIO_RETURN(t, AIO_OK);
        } else if (KIND == K_RETURN) {
            s->ret = 1;
            AIO_RETURN(t, (aio_status)ST->num);
        } else if (KIND == K_RAISE) {
            AIO_RAISE(t, AIO_EUSER - ST->target);
        }
    }
    AIO_FINALLY(t);
    if (s->pc < s->blk->n && ST->open) { /* an error or a return leaves a block step */
        int k = ST->kind;
        int returning = s->ret && AIO_STATUS(t) >= 0; /* a block's end may replace a return */
        const char *what = returning ? "return" : "raise";
        ST->open = 0;
        if (k == K_TIMEOUT || k == K_TIMEOUT_AT || k == K_GROUP || k == K_REENTER)
            out(me, "%s %s %s%s%s", k == K_GROUP ? "group" : "timeout", scope_name(ST), what,
                returning ? "" : " ", returning ? "" : status_str(AIO_STATUS(t)));
        else if (k == K_CALL)
            out(me, "call raise %s", status_str(AIO_STATUS(t)));
        else if (k == K_WAIT_FOR_CALL)
            out(me, "wait_for call raise %s", status_str(AIO_STATUS(t)));
        else if (k == K_CATCH)
            out(me, "catch raise %s", status_str(AIO_STATUS(t)));
    }
    if (s->blk->fin && !s->skip_fin) {
        out(me, "finally %s", AIO_STATUS(t) < 0 ? status_str(AIO_STATUS(t)) : s->ret ? "return"
                              : s->brk ? "break" : "ok");
        prep(&s->blk->fin->frame);
        AIO_CALL(t, s->rc2, exec_block, &s->blk->fin->frame);
        if (s->blk->fin->frame.ret) {
            s->ret = 1;
            AIO_RETURN(t, s->rc2);
        }
        if (s->rc2 < 0) AIO_RAISE(t, s->rc2);
    }
    AIO_END(t);
}

/* A task's body; its finally clause runs in the task's own frame, so that a
 * `return` there is the task's result. */
static aio_status task_fn(aio_task *t) {
    ctask *ct = AIO_SELF(t, ctask);
    AIO_BEGIN(t);
    out(ct->idx, "start");
    ct->top.blk = ct->body;
    ct->top.skip_fin = 1;
    prep(&ct->top);
    AIO_CALL(t, ct->rc, exec_block, &ct->top);
    if (ct->top.ret) AIO_RETURN(t, ct->rc);
    AIO_CHECK(t, ct->rc);
    AIO_FINALLY(t);
    if (ct->body->fin) {
        out(ct->idx, "finally %s", AIO_STATUS(t) < 0 ? status_str(AIO_STATUS(t))
                                   : ct->top.ret ? "return" : "ok");
        prep(&ct->body->fin->frame);
        AIO_CALL(t, ct->rc2, exec_block, &ct->body->fin->frame);
        if (ct->body->fin->frame.ret) AIO_RETURN(t, ct->rc2);
        if (ct->rc2 < 0) AIO_RAISE(t, ct->rc2);
    }
    AIO_END(t);
}

/* ------------------------------------------------------------------- main */

/* The instruments tell which tasks the library asked to cancel from outside
 * the task's own blocks (a cancel request, its group's abort, the deadline
 * of a block another task opened around its group): the judge of generated
 * programs never excuses such a task ending with success where CPython's
 * ended cancelled (rules.py, swallowed). Told after the trace, as
 * `@@ addressed NAME` lines. */
static void note_cancel(void *ctx, const aio_trace_record *r) {
    int i;
    (void)ctx;
    if (r->kind != AIO_TRACE_CANCEL || !r->task) return;
    if (r->detail == AIO_BY_DEADLINE && ((const aio_timeout *)r->other)->task == r->task) return;
    if (r->detail == AIO_BY_GROUP && ((const aio_timeout *)r->other)->task == r->task) return;
    for (i = 0; i < R.tasks.n; i++)
        if (&TK(i)->task == r->task) TK(i)->addressed = 1;
}

static void report_ends(void) {
    int i;
    for (i = 0; i < R.tasks.n; i++) {
        ctask *ct = TK(i);
        if (ct->spawned && !ct->reported && aio_task_done(&ct->task)) {
            ct->reported = 1;
            out(i, "end %s", status_str(aio_task_result(&ct->task)));
        }
    }
}

static int less_item(const void *a, const void *b) {
    return *(const long long *)a < *(const long long *)b;
}

static void init_queue(cobj *o) {
    aio_status rc;
    o->storage = (long long *)xalloc(QUEUE_CAPACITY * sizeof *o->storage);
    if (o->kind == O_QUEUE)
        rc = aio_queue_init(&o->q, o->storage, sizeof *o->storage, QUEUE_CAPACITY, (uint32_t)o->n);
    else if (o->kind == O_LIFO_QUEUE)
        rc = aio_lifo_queue_init(&o->q, o->storage, sizeof *o->storage, QUEUE_CAPACITY,
                                 (uint32_t)o->n);
    else
        rc = aio_priority_queue_init(&o->q, o->storage, sizeof *o->storage, QUEUE_CAPACITY,
                                     (uint32_t)o->n, less_item);
    if (rc != AIO_OK) {
        fprintf(stderr, "interp: queue init failed\n");
        exit(2);
    }
}

static void run_scenario(void) {
    long steps = 0;
    int i, any = 0;
    uint32_t ntimers = (uint32_t)R.tasks.n + 4;
    R.timers = (aio_timer *)xalloc(ntimers * sizeof *R.timers);
    aio_loop_init(&R.loop, R.timers, ntimers);
    aio_loop_use_virtual_clock(&R.loop, 0);
    aio_loop_set_instrument(&R.loop, note_cancel, NULL);
    for (i = 0; i < R.objs.n; i++)
        if (R.o[i].kind == O_SEMAPHORE) aio_semaphore_init(&R.o[i].sem, R.o[i].n, 0);
        else if (R.o[i].kind == O_CONDITION) aio_condition_init(&R.o[i].cond, &R.o[i].lock);
        else if (R.o[i].kind == O_FLAG) R.o[i].flag = 0;
        else if ((1u << R.o[i].kind) & QUEUE_KINDS) init_queue(&R.o[i]);
    if (aio_spawn(&TK(0)->task, task_fn) != AIO_OK) {
        out(-1, "spawn-failed");
        return;
    }
    TK(0)->spawned = 1;
    for (;;) {
        aio_time next = aio_next_deadline(&R.loop);
        if (next == AIO_NEVER) break;
        if (next > aio_loop_now(&R.loop)) aio_virtual_advance(&R.loop, next - aio_loop_now(&R.loop));
        aio_step(&R.loop);
        report_ends();
        if (++steps > 1000000) {
            out(-1, "runaway");
            return;
        }
    }
    printf("%lld - quiet", now_ms());
    for (i = 0; i < R.tasks.n; i++)
        if (TK(i)->spawned && !aio_task_done(&TK(i)->task)) {
            printf("%s %s", any ? "" : " pending", R.tasks.v[i]);
            any = 1;
        }
    putchar('\n');
    for (i = 0; i < R.tasks.n; i++)
        if (TK(i)->addressed) printf("@@ addressed %s\n", R.tasks.v[i]);
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return NULL;
    }
    buf = (char *)xalloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return NULL;
    }
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void run_text(const char *name, char *text) {
    memset(&R.tasks, 0, sizeof R.tasks);
    memset(&R.objs, 0, sizeof R.objs);
    memset(&R.scopes, 0, sizeof R.scopes);
    memset(&R.groups, 0, sizeof R.groups);
    memset(&R.errors, 0, sizeof R.errors);
    R.err[0] = 0;
    R.path = name;
    L_lines = NULL;
    L_n = L_i = 0;
    printf("@@ %s\n", name);
    if (!text) {
        printf("@@ error cannot read the file\n");
    } else if (parse(text) < 0) {
        printf("@@ error %s\n", R.err);
    } else {
        run_scenario();
        printf("@@ end\n");
    }
}

/* `interp -`: many scenarios on stdin, each after a line "@@ NAME". */
static void run_stdin(void) {
    size_t n = 0, cap = 1 << 16, got;
    char *buf = (char *)malloc(cap), *p, *end;
    if (!buf) exit(2);
    while ((got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
        if (cap - n < 2) {
            char *grown = (char *)realloc(buf, cap *= 2);
            if (!grown) exit(2);
            buf = grown;
        }
    }
    buf[n] = 0;
    end = buf + n;
    p = buf;
    while (p < end && strncmp(p, "@@ ", 3)) p++;   /* the first entry */
    while (p < end) {
        char *name = p + 3, *nl = strchr(name, '\n'), *text, *next;
        if (!nl) break;
        *nl = 0;
        text = nl + 1;
        next = strstr(text, "\n@@ ");
        next = next ? next + 1 : end;
        run_text(name, xstrdup(text, (size_t)(next - text)));
        free_all();
        p = next;
    }
    fflush(stdout);
    free(buf);
}

int main(int argc, char **argv) {
    int i;
    aio_set_debug_hook(debug_hook);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v")) {
            R.verbose = 1;
            continue;
        }
        if (!strcmp(argv[i], "-")) {
            run_stdin();
            continue;
        }
        run_text(argv[i], read_file(argv[i]));
        fflush(stdout);
        free_all();
    }
    return 0;
}
