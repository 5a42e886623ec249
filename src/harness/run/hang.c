/* hang.c - gdb stacks and the mutex wait-for cycle of a hung process. */
#include "hang.h"
#include "proc.h"
#include "harness_util.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hthread {
    int gdb_num;
    long lwp;
    unsigned long long waits_for;       /* mutex address, 0 if none */
    char mutex_name[96];
    char where[256];                    /* user frame of the lock call */
    char blocked_in[128];               /* e.g. pthread_cond_wait */
    long owner;                         /* LWP owning waits_for, or -1 */
    struct strbuf stack;                /* compacted frames */
};

static const char *relpath(const char *path, const char *source)
{
    size_t n = source ? strlen(source) : 0;
    if (n && strncmp(path, source, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

/* Pulls "0xADDR <name>" after "mutex=" (or "futex=") out of a frame. */
static bool frame_mutex(const char *line, unsigned long long *addr,
                        char *name, size_t namelen)
{
    const char *p = strstr(line, "mutex=");
    if (!p)
        p = strstr(line, "futex=");
    if (!p)
        return false;
    p += 6;
    if (strncmp(p, "mutex@entry=", 12) == 0 || strncmp(p, "futex@entry=", 12) == 0)
        p += 12;
    if (strncmp(p, "0x", 2) != 0)
        return false;
    *addr = strtoull(p, (char **)&p, 16);
    name[0] = '\0';
    if (p[0] == ' ' && p[1] == '<') {
        size_t n = strcspn(p + 2, ">");
        if (n >= namelen)
            n = namelen - 1;
        memcpy(name, p + 2, n);
        name[n] = '\0';
    }
    return *addr != 0;
}

/* "#4  0x... in w2 (a=...) at /src/x.c:7" -> function "w2", file:line. */
static bool frame_source(const char *line, char *func, size_t flen,
                         char *loc, size_t llen)
{
    const char *p = strchr(line, ' ');
    const char *at = strstr(line, ") at ");

    if (!p)
        return false;
    while (*p == ' ')
        p++;
    if (strncmp(p, "0x", 2) == 0) {
        const char *in = strstr(p, " in ");
        if (!in)
            return false;
        p = in + 4;
    }
    size_t n = strcspn(p, " (");
    if (n >= flen)
        n = flen - 1;
    memcpy(func, p, n);
    func[n] = '\0';
    if (!at)
        return false;
    at += 5;
    n = strcspn(at, "\n");
    if (n >= llen)
        n = llen - 1;
    memcpy(loc, at, n);
    loc[n] = '\0';
    /* glibc's own sources are relative and name its folders (./nptl/...,
     * ../sysdeps/...); a program built with relative debug paths
     * (./src/x.c) is still the program.  The chaos wrappers
     * (src/chaos/wrap.c, __wrap_*) only pass calls through: the caller is
     * the frame worth naming. */
    static const char *const libc_dirs[] = {"nptl/", "sysdeps/", "csu/", "misc/",
                                            "stdlib/", "libio/", "posix/", "io/"};
    const char *rel = loc;
    while (!strncmp(rel, "./", 2) || !strncmp(rel, "../", 3))
        rel += rel[1] == '/' ? 2 : 3;
    if (rel != loc)
        for (size_t i = 0; i < sizeof libc_dirs / sizeof *libc_dirs; i++)
            if (!strncmp(rel, libc_dirs[i], strlen(libc_dirs[i])))
                return false;
    return strncmp(func, "__wrap_", 7) != 0 && !strstr(loc, "src/chaos/");
}

static bool is_lock_frame(const char *func)
{
    return strstr(func, "pthread_mutex_lock") || strstr(func, "pthread_mutex_timedlock") ||
           strstr(func, "lll_lock_wait") || strstr(func, "lll_mutex_lock");
}

static bool is_block_frame(const char *func)
{
    return strstr(func, "pthread_cond_wait") || strstr(func, "pthread_cond_timedwait") ||
           strstr(func, "pthread_rwlock_") || strstr(func, "pthread_join") ||
           strstr(func, "sem_wait") || strstr(func, "pthread_cond_clockwait");
}

/* The threads of a gdb "thread apply all bt" dump. */
struct hthreads {
    struct hthread *t;
    size_t n;
};

/* One "#N ..." frame line of thread H: what it blocks in, where in the
 * program, and its stack line.  *PENDING says a blocking frame was seen
 * and the first program frame above it is where the thread waits. */
static void hang_frame(struct hthread *h, const char *l, const char *source,
                       bool *pending)
{
    char func[128], loc[256];
    bool user = frame_source(l, func, sizeof func, loc, sizeof loc);
    unsigned long long addr;
    char name[96];

    if (is_lock_frame(func) && !h->waits_for &&
        frame_mutex(l, &addr, name, sizeof name)) {
        h->waits_for = addr;
        snprintf(h->mutex_name, sizeof h->mutex_name, "%s", name);
        *pending = true;
    } else if (is_lock_frame(func) && !h->waits_for && !h->blocked_in[0]) {
        snprintf(h->blocked_in, sizeof h->blocked_in, "pthread_mutex_lock");
        *pending = true;
    } else if (is_block_frame(func) && !h->waits_for && !h->blocked_in[0]) {
        snprintf(h->blocked_in, sizeof h->blocked_in, "%s", func);
        *pending = true;
    }
    if (user && *pending && !h->where[0]) {
        snprintf(h->where, sizeof h->where, "%s", relpath(loc, source));
        *pending = false;
    }
    if (h->stack.len < 4096) {
        if (user)
            sb_printf(&h->stack, "    %s at %s\n", func, relpath(loc, source));
        else if (func[0])
            sb_printf(&h->stack, "    %s\n", func);
    }
}

/* Phase 1: the dump's threads, their stacks and what each waits for. */
static struct hthreads hang_parse(const char *bt, const char *source)
{
    struct hthreads ts = {NULL, 0};
    const char *line = bt;
    bool pending_lock = false;

    while (line && *line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        char *l = xmalloc(len + 1);
        memcpy(l, line, len);
        l[len] = '\0';
        line = eol ? eol + 1 : NULL;

        if (strncmp(l, "Thread ", 7) == 0 && strstr(l, "(LWP ")) {
            ts.t = xrealloc(ts.t, (ts.n + 1) * sizeof *ts.t);
            struct hthread *h = &ts.t[ts.n++];
            memset(h, 0, sizeof *h);
            h->owner = -1;
            h->gdb_num = atoi(l + 7);
            h->lwp = atol(strstr(l, "(LWP ") + 5);
            sb_init(&h->stack);
            pending_lock = false;
        } else if (l[0] == '#' && ts.n > 0) {
            hang_frame(&ts.t[ts.n - 1], l, source, &pending_lock);
        }
        free(l);
    }
    return ts;
}

static size_t thread_by_lwp(const struct hthreads *ts, long lwp)
{
    for (size_t k = 0; k < ts->n; k++)
        if (ts->t[k].lwp == lwp)
            return k;
    return ts->n;
}

/* Phase 2: follows waiter -> owner edges from each waiter; a revisit is a
 * cycle, printed to OUT.  True if one was found. */
static bool hang_print_cycle(const struct hthreads *ts, struct strbuf *out)
{
    struct hthread *t = ts->t;

    for (size_t start = 0; start < ts->n; start++) {
        size_t path[64], np = 0, cur = start;
        while (np < 64 && t[cur].waits_for && t[cur].owner > 0) {
            size_t next = thread_by_lwp(ts, t[cur].owner);
            if (next == ts->n)
                break;
            path[np++] = cur;
            size_t seen = np;
            for (size_t k = 0; k < np; k++)
                if (path[k] == next)
                    seen = k;
            if (seen < np) {
                /* cycle path[seen..np) */
                sb_puts(out, "deadlock: ");
                for (size_t k = seen; k < np; k++) {
                    struct hthread *a = &t[path[k]];
                    /* a holds what the previous thread in the cycle waits for */
                    struct hthread *prev = &t[path[k == seen ? np - 1 : k - 1]];
                    sb_printf(out, "%sthread %ld holds 0x%llx (%s) and waits for "
                              "0x%llx (%s) at %s", k == seen ? "" : "; ", a->lwp,
                              prev->waits_for,
                              prev->mutex_name[0] ? prev->mutex_name : "?",
                              a->waits_for, a->mutex_name[0] ? a->mutex_name : "?",
                              a->where[0] ? a->where : "?");
                }
                sb_puts(out, "\n");
                return true;
            }
            cur = next;
        }
    }
    return false;
}

/* Phase 3, when there is no cycle: who is blocked, on what, held by whom. */
static void hang_print_blocked(const struct hthreads *ts, struct strbuf *out)
{
    size_t blocked = 0;

    sb_puts(out, "no mutex wait-for cycle: ");
    for (size_t i = 0; i < ts->n; i++) {
        const struct hthread *h = &ts->t[i];
        if (h->waits_for) {
            sb_printf(out, "%sthread %ld waits for 0x%llx (%s) at %s, held by %s",
                      blocked++ ? "; " : "", h->lwp, h->waits_for,
                      h->mutex_name[0] ? h->mutex_name : "?",
                      h->where[0] ? h->where : "?",
                      h->owner > 0 ? "" : "no thread");
            if (h->owner > 0) {
                bool alive = thread_by_lwp(ts, h->owner) < ts->n;
                /* A lock whose owner is gone will never be released:
                 * the owner exited (or was cancelled) holding it. */
                sb_printf(out, "thread %ld%s", h->owner,
                          alive ? "" : ", which has exited holding it");
            }
        } else if (h->blocked_in[0]) {
            sb_printf(out, "%sthread %ld blocked in %s at %s",
                      blocked++ ? "; " : "", h->lwp, h->blocked_in,
                      h->where[0] ? h->where : "?");
        }
    }
    if (!blocked)
        sb_puts(out, "no thread is blocked on a mutex or condition variable");
    sb_puts(out, "\n");
}

char *hang_analyze(const char *bt, const char *source, owner_fn owner, void *ctx)
{
    struct hthreads ts = hang_parse(bt, source);
    struct strbuf out;

    sb_init(&out);
    for (size_t i = 0; i < ts.n; i++)
        if (ts.t[i].waits_for && owner)
            ts.t[i].owner = owner(ctx, ts.t[i].waits_for);
    if (!hang_print_cycle(&ts, &out))
        hang_print_blocked(&ts, &out);
    sb_printf(&out, "stacks (%zu threads, from gdb):\n", ts.n);
    for (size_t i = 0; i < ts.n; i++) {
        sb_printf(&out, "  thread %ld:\n%s", ts.t[i].lwp,
                  ts.t[i].stack.buf ? ts.t[i].stack.buf : "");
        sb_free(&ts.t[i].stack);
    }
    free(ts.t);
    return sb_steal(&out);
}

struct owner_ctx {
    unsigned long long addr[64];
    long owner[64];
    size_t n;
};

static long lookup_owner(void *ctx, unsigned long long addr)
{
    struct owner_ctx *o = ctx;
    for (size_t i = 0; i < o->n; i++)
        if (o->addr[i] == addr)
            return o->owner[i];
    return -1;
}

/* A mutex records its owner's thread ID as the owner sees it: inside a
 * PID namespace (racelab check's sandbox) that is not the ID gdb shows.
 * Maps each owner through the threads' "NSpid:" lines (host ID first,
 * innermost last). */
static void owners_to_host(pid_t pid, struct owner_ctx *oc)
{
    char *dir = xasprintf("/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *e;

    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char *f = xasprintf("%s/%s/status", dir, e->d_name), *st = read_file(f, NULL);
        char *ns = st ? strstr(st, "\nNSpid:") : NULL;
        free(f);
        if (ns) {
            char *end = strchr(ns + 1, '\n'), *last = NULL;
            if (end)
                *end = '\0';
            for (char *t = strtok(ns + 7, " \t"); t; t = strtok(NULL, " \t"))
                last = t;
            long inner = last ? atol(last) : -1, host = atol(e->d_name);
            for (size_t i = 0; inner != host && i < oc->n; i++)
                if (oc->owner[i] == inner)
                    oc->owner[i] = host;
        }
        free(st);
    }
    if (d)
        closedir(d);
    free(dir);
}

/* Collects "OWNER 0xADDR LWP" lines (from the one-session python pass). */
static void parse_owner_lines(const char *out, struct owner_ctx *oc)
{
    for (const char *p = out; (p = strstr(p, "OWNER 0x")) != NULL && oc->n < 64; p += 8) {
        char *end;
        unsigned long long a = strtoull(p + 6, &end, 16);
        oc->addr[oc->n] = a;
        oc->owner[oc->n] = strtol(end, NULL, 10);
        oc->n++;
    }
}

/* The classic two-attach way, for a gdb without python: the bt first,
 * then one print per mutex address found in it. */
static void owners_second_pass(const char *bt, const char *pidbuf, struct owner_ctx *oc)
{
    struct strvec argv;
    int st;

    sv_init(&argv);
    sv_push(&argv, "gdb");
    sv_push(&argv, "-nx");
    sv_push(&argv, "-p");
    sv_push(&argv, pidbuf);
    sv_push(&argv, "-batch");
    for (const char *p = bt; (p = strstr(p, "mutex=")) != NULL && oc->n < 64; p += 6) {
        const char *q = p + 6;
        if (strncmp(q, "mutex@entry=", 12) == 0)
            q += 12;
        if (strncmp(q, "0x", 2) != 0)
            continue;
        unsigned long long a = strtoull(q, NULL, 16);
        bool dup = false;
        for (size_t i = 0; i < oc->n; i++)
            dup |= oc->addr[i] == a;
        if (dup || !a)
            continue;
        oc->addr[oc->n] = a;
        oc->owner[oc->n] = -1;
        oc->n++;
        sv_push(&argv, "-ex");
        sv_push_own(&argv, xasprintf("print ((pthread_mutex_t *)0x%llx)->__data.__owner", a));
    }
    if (oc->n > 0) {
        char *out = proc_capture(argv.v, 30, &st);
        size_t i = 0;
        /* gdb prints "$1 = 3809" per -ex, in order */
        for (const char *p = out; p && *p && i < oc->n; ) {
            const char *eq = strstr(p, " = ");
            const char *eol = strchr(p, '\n');
            if (p[0] == '$' && eq && (!eol || eq < eol))
                oc->owner[i++] = atol(eq + 3);
            p = eol ? eol + 1 : NULL;
        }
        free(out);
    }
    sv_free(&argv);
}

char *hang_report(pid_t pid, bool gdb_attach, const char *source)
{
    char pidbuf[32];
    char *bt, *report;
    struct owner_ctx oc;
    int st;

    if (!gdb_attach)
        return xstrdup("gdb cannot attach under valgrind (the process is "
                       "valgrind's synthetic CPU, not the program's threads); "
                       "see the tool's report instead\n");
    snprintf(pidbuf, sizeof pidbuf, "%d", (int)pid);
    memset(&oc, 0, sizeof oc);
    {
        /* One attach does both: the stacks, then each awaited mutex's
         * owner.  Attaching costs seconds on a loaded machine with a TSan
         * process, so it happens once. */
        char *argv[] = {
            "gdb", "-nx", "-p", pidbuf, "-batch",
            "-ex", "set pagination off",
            "-ex", "python import re",
            "-ex", "python out = gdb.execute('thread apply all bt', to_string=True); print(out)",
            "-ex", "python exec(\"def own(a):\\n try:\\n  return int(gdb.parse_and_eval("
                   "'((pthread_mutex_t *)%s)->__data.__owner' % a))\\n except Exception:"
                   "\\n  return -1\")",
            "-ex", "python [print('OWNER %s %d' % (a, own(a))) for a in sorted(set("
                   "re.findall(r'mutex=(?:mutex@entry=)?(0x[0-9a-f]+)', out)))]",
            NULL};
        bt = proc_capture(argv, 30, &st);
    }
    if (!bt)
        return xstrdup("could not run gdb (is it installed? apt-get install gdb)\n");
    if (!strstr(bt, "Thread ") && strstr(bt, "Python scripting is not supported")) {
        char *argv[] = {"gdb", "-nx", "-p", pidbuf, "-batch",
                        "-ex", "set pagination off",
                        "-ex", "thread apply all bt", NULL};
        free(bt);
        bt = proc_capture(argv, 30, &st);
        if (bt && strstr(bt, "Thread "))
            owners_second_pass(bt, pidbuf, &oc);
    } else if (bt) {
        parse_owner_lines(bt, &oc);
    }
    if (!bt || !strstr(bt, "Thread ")) {
        report = xasprintf("gdb could not attach to %d:\n%.2000s\n", (int)pid,
                           bt ? bt : "");
        free(bt);
        return report;
    }
    owners_to_host(pid, &oc);
    report = hang_analyze(bt, source, lookup_owner, &oc);
    free(bt);
    return report;
}
