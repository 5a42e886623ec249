/* sched.c - the controlled scheduler: one thread runs at a time, and a
 * seeded strategy decides which.  See rlsched.h and docs/CHAOS.md.
 *
 * Thread and lock discipline (of the runtime itself):
 *  - The baton.  Exactly one thread, g.current, runs program code; every
 *    other thread we created waits on its own futex word (go) or is inside
 *    a system call.  Handing the baton over is: g.current = next (under
 *    g.lock), then a release store of next->go = 1 and a futex wake; the
 *    receiver's acquire load of go orders everything its predecessor wrote
 *    before everything it reads.
 *  - Baton-owned state.  Everything in g that is not marked "g.lock" below,
 *    the thread records (state, priority...), the object models and the
 *    schedule log are read and written only by the baton holder.  They need
 *    no lock: the hand-over above is the only synchronization.
 *  - g.lock (a tiny spinlock, never held across a wait) guards only what
 *    threads *without* the baton touch: g.current, g.in_syscall and the
 *    pending list of threads back from a system call.  rl_pending is that
 *    list's "not empty" hint, read without the lock at every step.
 *  - A thread inside the runtime has rl_mode 2, so instrumented code run
 *    from a signal handler there (or our own helpers) never re-enters the
 *    scheduler.  Threads we did not create (rl_self == NULL) run freely.
 */
#include "rlsched.h"
#include "chaos.h"

#include <dlfcn.h>
#include <elf.h>
#include <sys/mman.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The mark `racelab stress` looks for to tell a sched build from a TSan
 * build (both have __tsan_* symbols). */
__attribute__((used, visibility("default")))
const char racelab_sched_runtime[] = "racelab_sched_runtime 1";

#define STARVE_STEPS (1u << 20) /* then a thread that never blocks is demoted */
#define PCT_WINDOW 20000        /* longer programs: change points per window */
#define DEFAULT_STEPS 2000      /* PCT's k before a measurement exists */
#define MAX_DEPTH 16
#define LOG_MAX_SEGS (1u << 20) /* schedule log: 16 MiB at most */

struct seg {
    int tid;
    uint64_t len;
};

__thread struct rl_thread *rl_self;
__thread int rl_mode;
__thread void *rl_last_pc;
__thread uint64_t rl_events;
int rl_pollers;
static bool quiet_due;          /* rl_quiet_spin: a fair switch is due */
bool rl_starved;
uint64_t rl_steps, rl_next_check = UINT64_MAX;
int rl_pending;

static struct {
    bool on;
    struct chaos_config cfg;
    char spec[256];             /* RACELAB_CHAOS as given */
    uint64_t k;                 /* pct: the program's step count estimate */
    bool k_known;               /* measured (file) or given (steps=) */
    uint64_t change[MAX_DEPTH];
    int nchange, next_change;
    uint64_t window, window_end; /* pct: change points are drawn per window */
    uint64_t rng;
    uint64_t random_next;       /* random: the next preemption step */
    int64_t demoted;            /* starvation guard: next priority to give */

    struct rl_thread **t;       /* live threads in id order */
    size_t n, cap;
    int next_id;
    uint64_t wait_seq;

    int lock;
    struct rl_thread *current;  /* g.lock */
    int in_syscall;             /* g.lock */
    struct rl_thread *pending;  /* g.lock */

    struct rl_obj *objs;        /* open addressing on addr */
    size_t nobj, capobj;

    struct seg *log;            /* the schedule, run-length encoded */
    size_t nlog, caplog;
    int seg_tid;
    uint64_t seg_start;
    bool log_truncated;
    char *log_path, *steps_path, *races_path;
    struct rl_spec x;           /* our own keys (explore.c) */

    struct seg *rp;             /* the schedule being replayed */
    size_t nrp, rp_i;
    uint64_t rp_end;
    bool replaying;
    bool quiet;
    bool trace;                 /* RACELAB_SCHED_TRACE: every switch on stderr */
} g;

/* --- small helpers ------------------------------------------------------ */

void rl_print(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = sizeof buf - 1;
    /* syscall, not write(): our write() is a scheduling point */
    if (n > 0)
        RL_SYS(SYS_write, 2, buf, n);
}

static void lock(void)
{
    while (__atomic_exchange_n(&g.lock, 1, __ATOMIC_ACQUIRE))
        RL_SYS(SYS_sched_yield, 0);
}

static void unlock(void) { __atomic_store_n(&g.lock, 0, __ATOMIC_RELEASE); }

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t rnd(void)
{
    g.rng = splitmix(g.rng);
    return g.rng;
}

static void futex_wait(uint32_t *w, uint32_t val)
{
    RL_SYS(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, 0, 0, 0);
}

static void futex_wake(uint32_t *w)
{
    RL_SYS(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
}

/* --- the schedule log ----------------------------------------------------- */

static void log_switch(int to)
{
    if (to == g.seg_tid)
        return;
    if (g.trace)
        rl_print("rlsched: step %llu: thread %d -> %d\n",
                 (unsigned long long)rl_steps, g.seg_tid, to);
    /* Kept only when asked for, and bounded (a server under random
     * switches millions of times): a replay of a truncated log goes on
     * with the strategy where the log ends. */
    if (g.log_path && g.nlog == g.caplog && g.caplog < LOG_MAX_SEGS) {
        size_t cap = g.caplog ? g.caplog * 2 : 1024;
        struct seg *p = realloc(g.log, cap * sizeof *p);
        if (p) {
            g.log = p;
            g.caplog = cap;
        }
    }
    if (g.nlog < g.caplog)
        g.log[g.nlog++] = (struct seg){ g.seg_tid, rl_steps - g.seg_start };
    else if (g.log_path)
        g.log_truncated = true;
    g.seg_tid = to;
    g.seg_start = rl_steps;
}

static void write_text(const char *path, const char *head, const struct seg *s,
                       size_t n, const struct seg *last)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fputs(head, f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%d:%llu%c", s[i].tid, (unsigned long long)s[i].len,
                i % 16 == 15 ? '\n' : ' ');
    if (last)
        fprintf(f, "%d:%llu\n", last->tid, (unsigned long long)last->len);
    fclose(f);
}

/* Writes the schedule (RACELAB_SCHED_LOG) and, if this run measured it,
 * the step count.  Called at exit, on a crash and on a deadlock. */
static void save_state(void)
{
    static int saved;
    if (__atomic_exchange_n(&saved, 1, __ATOMIC_ACQ_REL))
        return;
    if (g.log_path) {
        char head[400];
        struct seg last = { g.seg_tid, rl_steps - g.seg_start };
        snprintf(head, sizeof head, "rlsched-schedule 1 %s steps=%llu k=%llu%s\n",
                 g.spec[0] ? g.spec : "none", (unsigned long long)rl_steps,
                 (unsigned long long)g.k, g.log_truncated ? " truncated" : "");
        write_text(g.log_path, head, g.log, g.nlog, g.log_truncated ? NULL : &last);
    }
    if (!g.k_known && g.steps_path && rl_steps > 0) {
        /* O_EXCL: the first measurement stays, so that a seed keeps
         * meaning the same change points on every later run. */
        int fd = open(g.steps_path, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) {
            char b[32];
            int len = snprintf(b, sizeof b, "%llu\n", (unsigned long long)rl_steps);
            if (RL_SYS(SYS_write, fd, b, len) < 0)
                unlink(g.steps_path);
            close(fd);
        }
    }
}

static void load_replay(const char *path)
{
    FILE *f = fopen(path, "r");
    char word[64];
    size_t cap = 0;
    if (!f) {
        rl_print("rlsched: RACELAB_SCHED_REPLAY=%s: %s; not replaying\n", path,
                 strerror(errno));
        return;
    }
    while (fscanf(f, "%63s", word) == 1) {
        int tid;
        unsigned long long len;
        if (sscanf(word, "%d:%llu", &tid, &len) != 2)
            continue;   /* the header's words */
        if (g.nrp == cap) {
            cap = cap ? cap * 2 : 1024;
            struct seg *p = realloc(g.rp, cap * sizeof *p);
            if (!p)
                break;
            g.rp = p;
        }
        g.rp[g.nrp++] = (struct seg){ tid, len };
    }
    fclose(f);
    if (g.nrp > 0) {
        g.replaying = true;
        g.rp_i = 0;
        g.rp_end = g.rp[0].len;
    }
}

/* --- configuration --------------------------------------------------------- */

/* $TMPDIR/rlsched-<WHAT>-<key of this binary: path, mtime, size>. */
static char *default_steps_path(const char *what)
{
    char exe[PATH_MAX];
    struct stat st;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || stat("/proc/self/exe", &st) < 0)
        return NULL;
    exe[n] = '\0';
    uint64_t h = 1469598103934665603ull;     /* FNV-1a of path, mtime, size */
    for (ssize_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)exe[i]) * 1099511628211ull;
    h = splitmix(h ^ (uint64_t)st.st_mtim.tv_sec ^ ((uint64_t)st.st_mtim.tv_nsec << 20)
                 ^ ((uint64_t)st.st_size << 40));
    const char *tmp = getenv("TMPDIR");
    char *p = malloc(PATH_MAX);
    if (p)
        snprintf(p, PATH_MAX, "%s/rlsched-%s-%016llx",
                 tmp && *tmp ? tmp : "/tmp", what, (unsigned long long)h);
    return p;
}

/* PCT: d-1 change points uniform over the window (START, START + W], in
 * step order.  For a program of k <= PCT_WINDOW steps that is PCT exactly
 * (one window covers the run); a longer program (a server) gets fresh
 * change points every PCT_WINDOW steps, else two change points in ten
 * million steps would leave it all but serial. */
static void draw_change_points(uint64_t start)
{
    for (int i = 0; i < g.nchange; i++)
        g.change[i] = start + 1 + rnd() % g.window;
    for (int i = 1; i < g.nchange; i++)
        for (int j = i; j > 0 && g.change[j - 1] > g.change[j]; j--) {
            uint64_t x = g.change[j];
            g.change[j] = g.change[j - 1];
            g.change[j - 1] = x;
        }
    g.next_change = 0;
    g.window_end = start + g.window;
}

/* The strategy a schedule log was recorded with, as a RACELAB_CHAOS spec
 * with its k ("pct:seed=13:steps=513"); false if the header is not ours. */
static bool replay_header(const char *path, char *out, size_t n)
{
    FILE *f = fopen(path, "r");
    char spec[256];
    unsigned long long k = 0;
    bool ok = f && fscanf(f, "rlsched-schedule 1 %255s steps=%*u k=%llu", spec, &k) == 2;
    if (f)
        fclose(f);
    if (ok)
        snprintf(out, n, strstr(spec, "steps=") ? "%s" : "%s:steps=%llu", spec, k);
    return ok;
}

/* A variable that is set, not empty and not "0". */
static bool env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* RACELAB_CHAOS: the one grammar of src/chaos/chaos_spec.h. */
static void configure(void)
{
    const char *spec = getenv("RACELAB_CHAOS");
    char logged[300], err[200];
    unsigned long long steps = 0;

    /* Replaying without RACELAB_CHAOS: where the log ends (or drifts), go
     * on with the strategy, seed and k the log was recorded with. */
    const char *rp = getenv("RACELAB_SCHED_REPLAY");
    if ((!spec || !*spec) && rp && *rp && replay_header(rp, logged, sizeof logged))
        spec = logged;

    g.quiet = env_flag("RACELAB_SCHED_QUIET");
    g.trace = env_flag("RACELAB_SCHED_TRACE");
    if (spec && strlen(spec) < sizeof g.spec)
        snprintf(g.spec, sizeof g.spec, "%s", spec);
    if (chaos_spec_parse(spec && strlen(spec) < sizeof g.spec ? spec : NULL,
                         &g.cfg, err, sizeof err) < 0) {
        rl_print("rlsched: RACELAB_CHAOS=%s: %s; running round-robin\n", spec, err);
        g.spec[0] = '\0';
        chaos_spec_parse(NULL, &g.cfg, NULL, 0);
    }
    /* the scheduler's own reading of the keys (points, dfs, ...) */
    rl_spec_from_config(&g.cfg, &g.x);
    if (g.x.dfs)
        g.cfg.strategy = CHAOS_NONE;    /* explore.c makes the choices */
    steps = g.cfg.steps;        /* 0: not given */
    g.rng = splitmix(g.cfg.seed * 0x2545f4914f6cdd1dull + 7);

    const char *sf = getenv("RACELAB_SCHED_STEPS_FILE");
    g.steps_path = sf && *sf ? strdup(sf)
                 : default_steps_path(g.x.points == RL_POINTS_ALL ? "steps"
                                      : g.x.points == RL_POINTS_RACES ? "steps-races"
                                      : "steps-sync");
    const char *rf = getenv("RACELAB_SCHED_RACES");
    g.races_path = rf && *rf ? strdup(rf) : default_steps_path("races");
    g.k = DEFAULT_STEPS;
    if (steps > 0) {
        g.k = steps;
        g.k_known = true;
    } else if (g.steps_path) {
        FILE *f = fopen(g.steps_path, "r");
        unsigned long long v;
        if (f && fscanf(f, "%llu", &v) == 1 && v > 0) {
            g.k = v;
            g.k_known = true;
        }
        if (f)
            fclose(f);
    }
    if (g.cfg.strategy == CHAOS_PCT) {
        /* d-1 change points uniform over [1, k], in step order */
        g.nchange = g.cfg.depth - 1 < MAX_DEPTH ? g.cfg.depth - 1 : MAX_DEPTH;
        g.window = g.k < PCT_WINDOW ? g.k : PCT_WINDOW;
        draw_change_points(0);
    }
    if (g.cfg.strategy == CHAOS_RANDOM) {
        /* At plain accesses a preemption every 8/p steps on average; at
         * synchronization steps, with probability p (rl_sync_point). */
        uint64_t mean = (uint64_t)(8 / (g.cfg.p > 0 ? g.cfg.p : 1.0 / 64));
        g.random_next = 1 + rnd() % (2 * mean + 1);
    }
    const char *lp = getenv("RACELAB_SCHED_LOG");
    if (lp && *lp)
        g.log_path = strdup(lp);
    if (rp && *rp)
        load_replay(rp);
    g.demoted = -1;
}

/* --- crash notes ---------------------------------------------------------- */

static void note_schedule(const char *why)
{
    char steps[48] = "";
    if (g.quiet || rl_explore_child())
        return;     /* dfs: the driver says how to repeat the schedule */
    if (g.x.dfs) {
        rl_print("rlsched: %s at step %llu (a dfs schedule: repeat it with its force= "
                 "spec%s%s)\n", why, (unsigned long long)rl_steps,
                 g.log_path ? " or RACELAB_SCHED_REPLAY=" : "", g.log_path ? g.log_path : "");
        return;
    }
    if (!strstr(g.spec, "steps="))
        snprintf(steps, sizeof steps, ":steps=%llu", (unsigned long long)g.k);
    rl_print("rlsched: %s at step %llu; to repeat: RACELAB_CHAOS=%s%s%s%s%s\n",
             why, (unsigned long long)rl_steps, g.spec[0] ? g.spec : "none", steps,
             g.k_known ? "" : " (k not measured before this run: default)",
             g.log_path ? "; schedule in " : "", g.log_path ? g.log_path : "");
}

static void on_fatal(int sig)
{
    rl_mode = 2;
    char why[64];
    snprintf(why, sizeof why, "SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    note_schedule(why);
    save_state();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_exit_save(void)
{
    rl_mode = 2;
    save_state();
}

static void after_fork_child(void)
{
    /* Only the forking thread exists in the child. */
    struct rl_thread *me = rl_self;
    g.n = 0;
    if (me) {
        g.t[g.n++] = me;
        me->state = RL_RUNNABLE;
    }
    g.current = me;
    g.in_syscall = 0;
    g.pending = NULL;
    rl_pending = 0;
    g.lock = 0;
    g.log_path = NULL;      /* the parent writes the schedule */
    rl_explore_forked();
}

/* --- threads ------------------------------------------------------------------ */

static void list_add(struct rl_thread *t)
{
    if (g.n == g.cap) {
        g.cap = g.cap ? g.cap * 2 : 64;
        g.t = realloc(g.t, g.cap * sizeof *g.t);
        if (!g.t) {
            rl_print("rlsched: out of memory\n");
            abort();
        }
    }
    g.t[g.n++] = t;
}

static int64_t new_priority(void)
{
    /* PCT: distinct random priorities above every change-point priority */
    return MAX_DEPTH + 1 + (int64_t)(rnd() % (1ull << 40));
}

struct rl_thread *rl_thread_new(void)
{
    struct rl_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->id = g.next_id++;
    t->state = RL_RUNNABLE;
    t->priority = new_priority();
    list_add(t);
    rl_next_check = 0;      /* the newcomer may outrank its creator */
    return t;
}

void rl_thread_forget(struct rl_thread *t)
{
    for (size_t i = 0; i < g.n; i++)
        if (g.t[i] == t) {
            memmove(&g.t[i], &g.t[i + 1], (g.n - i - 1) * sizeof *g.t);
            g.n--;
            return;
        }
}

struct rl_thread *rl_thread_find(unsigned long handle)
{
    for (size_t i = 0; i < g.n; i++)
        if (g.t[i]->handle == handle)
            return g.t[i];
    return NULL;
}

void rl_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    /* One malloc arena: only one thread runs at a time anyway, and glibc
     * would otherwise reserve a 64 MiB arena whenever a thread first
     * allocates, which under a schedule that starts some threads late
     * looks like memory growth (and moves addresses between runs). */
    mallopt(M_ARENA_MAX, 1);
    configure();
    rl_explore_start(&g.x, g.races_path);   /* dfs: the driver stays there */
    struct rl_thread *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->id = g.next_id++;
    m->state = RL_RUNNABLE;
    m->started = true;
    m->priority = new_priority();
    m->handle = (unsigned long)pthread_self();
    list_add(m);
    g.current = m;
    g.seg_tid = 0;
    rl_self = m;
    atexit(on_exit_save);
    pthread_atfork(NULL, NULL, after_fork_child);
    static const int fatal[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++) {
        struct sigaction old;
        if (sigaction(fatal[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            signal(fatal[i], on_fatal);
    }
    g.on = true;
    rl_next_check = 0;
    rl_mode = 1;
}

/* --- choosing the next thread ------------------------------------------------- */

static bool eligible(const struct rl_thread *t)
{
    return t->state == RL_RUNNABLE && t->yield_until <= rl_steps;
}

bool rl_eligible(const struct rl_thread *t) { return eligible(t); }

struct rl_thread **rl_thread_list(size_t *n)
{
    *n = g.n;
    return g.t;
}

static void absorb_pending(void)
{
    lock();
    for (struct rl_thread *t = g.pending; t; t = t->pending_next)
        t->state = RL_RUNNABLE;
    g.pending = NULL;
    __atomic_store_n(&rl_pending, 0, __ATOMIC_RELAXED);
    unlock();
}

/* Nothing eligible: a yielding thread (the earliest to end its yield),
 * else a timed wait times out. */
static struct rl_thread *fallback(void)
{
    struct rl_thread *best = NULL;
    for (size_t i = 0; i < g.n; i++) {
        struct rl_thread *t = g.t[i];
        if (t->state == RL_RUNNABLE && (!best || t->yield_until < best->yield_until))
            best = t;
    }
    if (best)
        return best;
    for (size_t i = 0; i < g.n; i++) {
        struct rl_thread *t = g.t[i];
        if (t->state == RL_BLOCKED && t->timed) {
            t->timed_out = true;
            t->state = RL_RUNNABLE;
            return t;
        }
    }
    return NULL;
}

/* The strategy's choice.  PREEMPT: random strategy's coin came up. */
static struct rl_thread *choose(struct rl_thread *me, bool preempt)
{
    size_t n = 0;

    if (g.replaying) {
        if (rl_steps < g.rp_end) {
            if (me && eligible(me))
                return me;
            /* the replayed run switched here but we blocked: drifted */
        } else {
            while (g.rp_i + 1 < g.nrp && rl_steps >= g.rp_end) {
                g.rp_i++;
                g.rp_end += g.rp[g.rp_i].len;
            }
            if (rl_steps < g.rp_end || g.rp_i + 1 == g.nrp) {
                int want = g.rp[g.rp_i].tid;
                for (size_t i = 0; i < g.n; i++)
                    if (g.t[i]->id == want && (g.t[i]->state == RL_RUNNABLE ||
                                               (g.t[i]->state == RL_BLOCKED && g.t[i]->timed))) {
                        if (g.t[i]->state == RL_BLOCKED) {  /* it timed out then */
                            g.t[i]->timed_out = true;
                            g.t[i]->state = RL_RUNNABLE;
                        }
                        if (g.rp_i + 1 == g.nrp)
                            g.replaying = false;    /* log done: strategy */
                        return g.t[i];
                    }
            }
        }
        if (!g.quiet)
            rl_print("rlsched: replay drifted at step %llu (segment %zu of %zu); "
                     "continuing with the strategy\n",
                     (unsigned long long)rl_steps, g.rp_i, g.nrp);
        g.replaying = false;
    }

    for (size_t i = 0; i < g.n; i++)
        n += eligible(g.t[i]);
    if (n == 0)
        return fallback();
    if (rl_explore_active)
        return rl_explore_choose(me);

    switch (g.cfg.strategy) {
    case CHAOS_PCT: {
        struct rl_thread *best = NULL;
        for (size_t i = 0; i < g.n; i++)
            if (eligible(g.t[i]) && (!best || g.t[i]->priority > best->priority))
                best = g.t[i];
        return best;
    }
    case CHAOS_RANDOM: {
        if (me && eligible(me) && !preempt)
            return me;
        uint64_t pick = rnd() % n;
        for (size_t i = 0; i < g.n; i++)
            if (eligible(g.t[i]) && pick-- == 0)
                return g.t[i];
        return NULL;
    }
    case CHAOS_NONE:
    default: {
        /* Serialized round robin: run until blocking, yielding or the
         * starvation guard, then the next thread by id. */
        if (me && eligible(me))
            return me;
        int from = me ? me->id : -1;
        struct rl_thread *first = NULL;
        for (size_t i = 0; i < g.n; i++)
            if (eligible(g.t[i])) {
                if (g.t[i]->id > from)
                    return g.t[i];
                if (!first)
                    first = g.t[i];
            }
        return first;
    }
    }
}

static void update_next_check(struct rl_thread *me)
{
    uint64_t n = UINT64_MAX;
    bool others = false;

    if (g.next_change < g.nchange)
        n = g.change[g.next_change];
    else if (g.nchange > 0 && g.window_end < n)
        n = g.window_end;
    if (g.replaying && g.rp_end < n)
        n = g.rp_end;
    if (g.cfg.strategy == CHAOS_RANDOM && g.random_next < n)
        n = g.random_next;
    for (size_t i = 0; i < g.n; i++) {
        struct rl_thread *t = g.t[i];
        if (t == me || t->state != RL_RUNNABLE)
            continue;
        others = true;
        if (t->yield_until > rl_steps && t->yield_until < n)
            n = t->yield_until;
    }
    if (others && me && me->run_start + STARVE_STEPS < n)
        n = me->run_start + STARVE_STEPS;
    if (me && me->yield_until > rl_steps && me->yield_until < n)
        n = me->yield_until;
    if (rl_explore_active && rl_points != RL_POINTS_SYNC)
        n = rl_steps + 1;       /* dfs: counted accesses are decisions too */
    rl_next_check = n <= rl_steps ? rl_steps + 1 : n;
}

/* Gives the baton to NEXT (not the caller). */
static void give(struct rl_thread *next)
{
    log_switch(next->id);
    lock();
    g.current = next;
    unlock();
    rl_mode = 0;
    __atomic_store_n(&next->go, 1, __ATOMIC_RELEASE);
    futex_wake(&next->go);
}

/* Waits until someone gives the caller the baton. */
static void take(struct rl_thread *me)
{
    while (__atomic_load_n(&me->go, __ATOMIC_ACQUIRE) == 0)
        futex_wait(&me->go, 0);
    __atomic_store_n(&me->go, 0, __ATOMIC_RELAXED);   /* only we write it now */
    rl_steps++;             /* getting the baton is a step: no empty segments */
    me->run_start = rl_steps;
    me->started = true;
    rl_mode = 2;
}

static void deadlock(const char *why) __attribute__((noreturn));
static struct rl_thread *owner_of(struct rl_thread *t);

/* The caller (holding the baton) cannot go on: it blocked, entered a
 * system call or finished.  Hand the baton on, go idle, or report. */
static void hand_off(struct rl_thread *me)
{
    /* Blocking is a step of its own, so that a replay can tell "blocked
     * here" from "preempted at the sync point just before". */
    rl_steps++;
    for (;;) {
        if (__atomic_load_n(&rl_pending, __ATOMIC_RELAXED))
            absorb_pending();
        struct rl_thread *next = choose(me, false);
        if (next) {
            give(next);
            return;
        }
        lock();
        if (g.pending) {
            unlock();
            continue;
        }
        if (g.in_syscall > 0) {
            /* whoever comes back from its system call first takes over */
            g.current = NULL;
            log_switch(-1);
            unlock();
            rl_mode = 0;
            return;
        }
        unlock();
        for (size_t i = 0; i < g.n; i++)
            if (g.t[i]->state == RL_BLOCKED)
                deadlock("no thread can run");
        /* every thread has finished: the process is ending */
        g.current = NULL;
        rl_mode = 0;
        return;
    }
}

void rl_decide(void)
{
    struct rl_thread *me = rl_self;
    bool preempt = false;

    rl_mode = 2;
    if (__atomic_load_n(&rl_pending, __ATOMIC_RELAXED))
        absorb_pending();
    if (g.nchange > 0 && g.next_change == g.nchange && rl_steps >= g.window_end)
        draw_change_points(g.window_end);
    while (g.next_change < g.nchange && rl_steps >= g.change[g.next_change]) {
        /* PCT: a change point drops the running thread below every other
         * thread (below earlier change points and yields too: see
         * rl_yield). */
        me->priority = g.demoted--;
        g.next_change++;
    }
    if (g.cfg.strategy == CHAOS_RANDOM && rl_steps >= g.random_next) {
        uint64_t mean = (uint64_t)(8 / (g.cfg.p > 0 ? g.cfg.p : 1.0 / 64));
        g.random_next = rl_steps + 1 + rnd() % (2 * mean + 1);
        preempt = true;
    }
    if ((rl_steps >= me->run_start + STARVE_STEPS || quiet_due) && rl_others_eligible()) {
        /* A thread that never blocks (a spin loop on a plain variable)
         * would run forever under strict priorities: demote it. */
        me->priority = g.demoted--;
        me->run_start = rl_steps;
        rl_starved = true;      /* dfs: a fair switch, not a preemption */
    }
    quiet_due = false;
    struct rl_thread *next = choose(me, preempt);
    rl_starved = false;
    if (next && next != me) {
        give(next);
        take(me);
    }
    update_next_check(me);
    rl_mode = 1;
}

void rl_sync_point(void)
{
    if (rl_mode != 1)
        return;
    rl_steps++;
    rl_events++;
    if (rl_explore_active) {    /* dfs: every synchronization is a decision */
        rl_at_sync = true;
        rl_decide();
        rl_at_sync = false;
        return;
    }
    if (g.cfg.strategy == CHAOS_RANDOM && (rnd() >> 11) * 0x1.0p-53 < g.cfg.p) {
        g.random_next = rl_steps;
        rl_next_check = rl_steps;   /* decide now, not at the next check */
    }
    if (rl_steps >= rl_next_check || __atomic_load_n(&rl_pending, __ATOMIC_RELAXED))
        rl_decide();
}

const char *rl_log_path(void) { return g.log_path; }
void rl_log_path_set(char *path) { g.log_path = path; }

struct rl_thread *rl_current(void)
{
    return __atomic_load_n(&g.current, __ATOMIC_RELAXED);
}

bool rl_others_eligible(void)
{
    for (size_t i = 0; i < g.n; i++)
        if (g.t[i] != rl_self && eligible(g.t[i]))
            return true;
    return __atomic_load_n(&rl_pending, __ATOMIC_RELAXED) != 0;
}

/* --- polling (dfs) -------------------------------------------------------------- */

/* Pollers wait on the 8-byte word of the polled address: a write anywhere
 * in it wakes them (a spurious wake only costs a poll). */
static void *poll_word(const volatile void *a)
{
    return (void *)((uintptr_t)a & ~(uintptr_t)7);
}

void rl_poll_write(const volatile void *addr)
{
    if (!rl_enter())
        return;
    rl_wake(RL_W_POLL, poll_word(addr), -1);
    rl_leave();
}

void rl_quiet_spin(void)
{
    rl_steps++;
    quiet_due = true;
    rl_decide();
}

void rl_read_poll(const volatile void *addr, unsigned size, void *pc)
{
    uint64_t v = 0;
    switch (size) {
    case 1: v = *(const volatile uint8_t *)addr; break;
    case 2: v = *(const volatile uint16_t *)addr; break;
    case 4: v = *(const volatile uint32_t *)addr; break;
    case 8: v = *(const volatile uint64_t *)addr; break;
    default: return;
    }
    rl_poll(addr, false, v, pc);
}

/* A spin loop (`while (!atomic_load(&ready));`, a test-and-set lock) would
 * otherwise run until the fairness switch, 2^20 steps, each poll a dfs
 * decision point with its alternatives: the tree of a program with a spin
 * lock did not fit in the node pool.  Polls that see the same value with
 * nothing in between are equivalent, so after the second the poller waits
 * for a write; its wait is timed, so that when nothing else can run it
 * polls again (a write the runtime does not see: the kernel, memset, an
 * uninstrumented library). */
void rl_poll(const volatile void *addr, bool changed, uint64_t seen, void *pc)
{
    struct rl_thread *me = rl_self;
    if (rl_mode != 1 || !me)
        return;
    rl_last_pc = pc;        /* where the thread is, for a report */
    if (changed) {
        me->poll_addr = NULL;
        if (rl_pollers)
            rl_poll_write(addr);
        return;
    }
    if (!rl_explore_active)
        return;
    if (me->poll_addr == addr && me->poll_seen == seen && me->poll_events + 1 == rl_events) {
        me->poll_addr = NULL;
        rl_enter();
        rl_pollers++;
        rl_block(RL_W_POLL, poll_word(addr), pc, true);
        rl_pollers--;
        rl_leave();
        return;
    }
    me->poll_addr = addr;
    me->poll_seen = seen;
    me->poll_events = rl_events;
}

void rl_block(enum rl_wait w, void *obj, void *pc, bool timed)
{
    struct rl_thread *me = rl_self;
    me->state = RL_BLOCKED;
    me->wait = w;
    me->wait_obj = obj;
    me->wait_pc = pc;
    me->wait_seq = g.wait_seq++;
    me->timed = timed;
    me->timed_out = false;
    /* A wait-for cycle (thread -> mutex -> owner -> ... -> thread) can
     * never resolve, whatever the threads still running or in system
     * calls do: report it now rather than when everything has stopped
     * (a server's acceptor and signal thread never stop). */
    if (!timed) {
        struct rl_thread *t = me;
        for (size_t hop = 0; hop <= g.n; hop++) {
            t = owner_of(t);
            if (!t || t->state != RL_BLOCKED || t->timed)
                break;
            if (t == me)
                deadlock("a wait-for cycle");
        }
    }
    hand_off(me);
    take(me);
    me->wait = RL_W_NONE;
    me->wait_obj = NULL;
    update_next_check(me);
}

int rl_wake(enum rl_wait w, void *obj, int limit)
{
    int woken = 0;
    while (limit < 0 || woken < limit) {
        struct rl_thread *first = NULL;
        for (size_t i = 0; i < g.n; i++) {
            struct rl_thread *t = g.t[i];
            if (t->state == RL_BLOCKED && t->wait == w && t->wait_obj == obj &&
                (!first || t->wait_seq < first->wait_seq))
                first = t;
        }
        if (!first)
            break;
        first->state = RL_RUNNABLE;
        woken++;
    }
    if (woken)
        rl_next_check = 0;  /* a woken thread may outrank the waker */
    return woken;
}

void rl_yield(void)
{
    /* Someone else first, if anyone can run.  Under PCT the yielding
     * thread also drops to the lowest priority (as Shuttle's PCT does):
     * a spin-wait with sched_yield() must let the thread it waits for
     * make progress, or strict priorities would livelock. */
    struct rl_thread *me = rl_self;
    me->yield_until = rl_steps + 2;     /* the caller's sync point is one step */
    if (g.cfg.strategy == CHAOS_PCT)
        me->priority = g.demoted--;
    rl_next_check = 0;
}

bool rl_sys_begin(void)
{
    struct rl_thread *me = rl_self;
    if (!rl_enter())
        return false;
    me->state = RL_SYSCALL;
    lock();
    g.in_syscall++;
    unlock();
    hand_off(me);
    rl_mode = 0;
    return true;
}

void rl_sys_end(bool began)
{
    struct rl_thread *me = rl_self;
    if (!began)
        return;
    lock();
    g.in_syscall--;
    if (g.current == NULL) {
        g.current = me;
        me->state = RL_RUNNABLE;
        unlock();
        log_switch(me->id);
        rl_steps++;
        me->run_start = rl_steps;
    } else {
        me->pending_next = g.pending;
        g.pending = me;
        __atomic_store_n(&rl_pending, 1, __ATOMIC_RELAXED);
        unlock();
        take(me);
    }
    update_next_check(me);
    rl_mode = 1;
}

void rl_thread_start(struct rl_thread *t)
{
    rl_self = t;
    take(t);
    update_next_check(t);
    rl_mode = 1;
}

void rl_thread_finish(void)
{
    struct rl_thread *me = rl_self;
    if (!me || rl_mode == 0)
        return;
    rl_mode = 2;
    me->state = RL_FINISHED;
    rl_wake(RL_W_JOIN, me, -1);
    if (me->detached)
        rl_thread_forget(me);   /* leaked: the thread still runs libc's exit */
    hand_off(me);
    rl_mode = 0;
}

/* --- object models ---------------------------------------------------------------- */

static size_t obj_hash(void *a, size_t cap)
{
    return (size_t)(splitmix((uint64_t)(uintptr_t)a) & (cap - 1));
}

struct rl_obj *rl_obj_get(void *addr)
{
    if (g.nobj * 2 >= g.capobj) {
        size_t cap = g.capobj ? g.capobj * 2 : 256;
        struct rl_obj *o = calloc(cap, sizeof *o);
        if (!o) {
            rl_print("rlsched: out of memory\n");
            abort();
        }
        for (size_t i = 0; i < g.capobj; i++)
            if (g.objs[i].addr) {
                size_t j = obj_hash(g.objs[i].addr, cap);
                while (o[j].addr)
                    j = (j + 1) & (cap - 1);
                o[j] = g.objs[i];
            }
        free(g.objs);
        g.objs = o;
        g.capobj = cap;
    }
    size_t j = obj_hash(addr, g.capobj);
    while (g.objs[j].addr && g.objs[j].addr != addr)
        j = (j + 1) & (g.capobj - 1);
    if (!g.objs[j].addr) {
        g.objs[j] = (struct rl_obj){ .addr = addr };
        g.nobj++;
    }
    return &g.objs[j];
}

void rl_obj_forget(void *addr)
{
    /* reset rather than delete: open addressing keeps its chains */
    if (!g.capobj)
        return;
    size_t j = obj_hash(addr, g.capobj);
    while (g.objs[j].addr && g.objs[j].addr != addr)
        j = (j + 1) & (g.capobj - 1);
    if (g.objs[j].addr)
        g.objs[j] = (struct rl_obj){ .addr = addr };
}

/* --- the deadlock report ------------------------------------------------------------ */

/* The symbol containing ADDR in FILE's .symtab (static functions and
 * variables too, which dladdr cannot see), or NULL. */
static const char *symtab_lookup(const char *file, uintptr_t base, uintptr_t addr,
                                 uintptr_t *off)
{
    static char *map;
    static size_t size;
    if (!map) {
        int fd = open(file, O_RDONLY);
        struct stat st;
        if (fd < 0)
            return NULL;
        if (fstat(fd, &st) == 0) {
            void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (m != MAP_FAILED) {
                map = m;
                size = (size_t)st.st_size;
            }
        }
        close(fd);
        if (!map)
            return NULL;
    }
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)map;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(map + eh->e_shoff);
    uintptr_t rel = addr - (eh->e_type == ET_DYN ? base : 0);
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(map + sh[i].sh_offset);
        const char *str = map + sh[sh[i].sh_link].sh_offset;
        size_t count = sh[i].sh_size / sizeof *sym;
        for (size_t j = 0; j < count; j++) {
            int type = ELF64_ST_TYPE(sym[j].st_info);
            if ((type == STT_FUNC || type == STT_OBJECT) && sym[j].st_value <= rel &&
                rel < sym[j].st_value + (sym[j].st_size ? sym[j].st_size : 1)) {
                *off = rel - sym[j].st_value;
                return str + sym[j].st_name;
            }
        }
    }
    return NULL;
}

static void describe(void *addr, char *buf, size_t n)
{
    Dl_info di;
    const char *name;
    uintptr_t off;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    Dl_info self;   /* the runtime is linked into the executable */
    if (addr && dladdr(addr, &di) && dladdr((void *)rl_init, &self) && len > 0 &&
        di.dli_fbase == self.dli_fbase &&
        (name = symtab_lookup(exe, (uintptr_t)di.dli_fbase, (uintptr_t)addr, &off)))
        snprintf(buf, n, off ? "%p (%s+%#lx)" : "%p (%s)", addr, name, (unsigned long)off);
    else if (addr && dladdr(addr, &di) && di.dli_sname)
        snprintf(buf, n, "%p (%s+%#lx)", addr, di.dli_sname,
                 (unsigned long)((char *)addr - (char *)di.dli_saddr));
    else if (addr && dladdr(addr, &di) && di.dli_fname)
        snprintf(buf, n, "%p (%s)", addr, strrchr(di.dli_fname, '/')
                                           ? strrchr(di.dli_fname, '/') + 1 : di.dli_fname);
    else
        snprintf(buf, n, "%p", addr);
}

static const char *wait_name(enum rl_wait w)
{
    static const char *names[] = { "nothing", "mutex", "condition variable",
        "thread", "rwlock (read)", "rwlock (write)", "semaphore", "barrier",
        "pthread_once", "futex", "a change of a polled value" };
    return names[w];
}

static struct rl_thread *owner_of(struct rl_thread *t)
{
    if (t->wait == RL_W_JOIN)
        return t->wait_obj;
    if (t->wait == RL_W_MUTEX || t->wait == RL_W_RDLOCK || t->wait == RL_W_WRLOCK ||
        t->wait == RL_W_ONCE) {
        struct rl_obj *o = rl_obj_get(t->wait_obj);
        return o->owner;
    }
    return NULL;
}

static void deadlock(const char *why)
{
    char a[160], b[160];
    rl_mode = 2;
    rl_print("rlsched: deadlock: %s (step %llu)\n", why, (unsigned long long)rl_steps);
    for (size_t i = 0; i < g.n; i++) {
        struct rl_thread *t = g.t[i];
        if (t->state != RL_BLOCKED)
            continue;
        struct rl_thread *o = owner_of(t);
        describe(t->wait == RL_W_JOIN ? NULL : t->wait_obj, a, sizeof a);
        describe(t->wait_pc, b, sizeof b);
        if (t->wait == RL_W_JOIN)
            rl_print("  thread %d waits to join thread %d, at %s\n", t->id,
                     o ? o->id : -1, b);
        else if (o)
            rl_print("  thread %d waits for %s %s, held by thread %d, at %s\n", t->id,
                     wait_name(t->wait), a, o->id, b);
        else
            rl_print("  thread %d waits for %s %s (no thread will wake it), at %s\n",
                     t->id, wait_name(t->wait), a, b);
    }
    /* a wait-for cycle: thread -> object -> owner -> ... */
    for (size_t i = 0; i < g.n; i++) {
        struct rl_thread *start = g.t[i], *t = start;
        if (start->state != RL_BLOCKED)
            continue;
        for (size_t hop = 0; hop <= g.n; hop++) {
            t = t->state == RL_BLOCKED ? owner_of(t) : NULL;
            if (!t)
                break;
            if (t == start) {
                char line[1024];
                size_t len = (size_t)snprintf(line, sizeof line, "  cycle: thread %d", start->id);
                struct rl_thread *u = start;
                do {
                    const char *what = wait_name(u->wait);
                    if (u->wait == RL_W_JOIN)
                        snprintf(a, sizeof a, "(join)");
                    else
                        describe(u->wait_obj, a, sizeof a);
                    u = owner_of(u);
                    len += (size_t)snprintf(line + len, len < sizeof line ? sizeof line - len : 0,
                                            " -> %s %s -> thread %d", what, a, u->id);
                } while (u != start && len < sizeof line);
                rl_print("%s\n", line);
                goto done;
            }
        }
    }
done:
    note_schedule("deadlock");
    save_state();
    _exit(RLSCHED_EXIT_DEADLOCK);
}
