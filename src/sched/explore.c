/* explore.c - systematic exploration with a verdict (RACELAB_CHAOS=dfs),
 * the race-detection phase of race-directed scheduling, and the
 * scheduler's own RACELAB_CHAOS keys.  See docs/CHAOS.md.
 *
 * dfs: a *decision point* is every synchronization operation, every point
 * where the running thread blocks, yields or ends, and (points=races) each
 * racy instruction found by the detection phase or (points=all) every
 * access.  The default schedule runs the current thread on, and round
 * robin when it cannot.  A schedule is that default with a few decisions
 * *forced* ("at point 12 run thread 1"); forcing another thread while the
 * current one could go on is a preemption (bound=delay: every thread
 * skipped in round-robin order is a delay).  The tree of all schedules
 * with at most P preemptions is walked breadth-first by preemption count
 * (iterative preemption bounding, as CHESS): all schedules with 0, then
 * with 1, ... so the first failure found has the fewest preemptions there
 * are.  Within a preemption count, schedules that start a thread twin of
 * another choice (not yet run, same function and argument: one of 100
 * identical workers) run after all the others, so that a bug a few
 * distinct threads make is not found only after every twin was tried.
 * No partial-order reduction: schedules that differ only in the order
 * of independent steps are all run.  A poll repeated with nothing in
 * between is one step (sched.c, rl_poll: the poller waits for a write).
 * A schedule still running at the time limit (timeout=) never ends: it is
 * asked where its running thread is, killed and reported (exit 87).
 *
 * Each schedule is one run: the driver (this process, stopped in rl_init
 * after start-up, before any constructor of the program or main) forks a
 * child per schedule, so a run costs a fork, not an exec.  jobs=N runs N
 * children at once, each with a *slot* of its own in shared memory: the
 * alternatives it passes (a node is its parent node plus one forced
 * decision), its thread switches (for the report of a failing run) and two
 * memfds for its output, shown only if it fails.  The driver commits a
 * slot's alternatives to the node pool in the order the schedules started,
 * and judges them in that order, so the pool, the schedule numbers, the
 * failure reported and the verdict are those of jobs=1.
 */
#include "rlsched.h"
#include "chaos_spec.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODE_MAX (1u << 22)     /* shared node pool: 64 MiB of address space */
#define SWITCH_MAX 4096         /* switches kept for the failing run's report */
#define RACY_MAX 65536
#define FORCE_MAX 64
#define JOBS_MAX 64
#define ALT_MAX (1u << 20)      /* alternatives one schedule may add */

bool rl_explore_active;
bool rl_at_sync;

struct node {
    uint32_t parent;            /* UINT32_MAX: the root (the default schedule) */
    uint32_t point;
    uint32_t tid;
    uint32_t cost;              /* preemptions (delays) of the whole schedule */
    uint32_t twin;              /* 1: its thread had not started and an earlier
                                   choice at the point (or the default) starts
                                   a thread of the same function and argument */
};


struct shared {
    uint32_t nnodes;
    uint32_t full;              /* the pool overflowed: not exhaustive */
    uint32_t drift;             /* runs whose forced thread could not run */
    uint32_t nracy;
    uintptr_t racy[RACY_MAX];
    struct node nodes[];
};

/* What one running schedule leaves for the driver (shared memory). */
struct slot {
    uint32_t nalt;
    uint32_t full;              /* more than ALT_MAX alternatives */
    uint32_t stuck;             /* the child said where its running thread is */
    int32_t stuck_tid;
    uint32_t nswitch;
    struct xswitch sw[SWITCH_MAX];
    struct node alt[ALT_MAX];   /* in the order the child passed them */
};

static struct {
    struct rl_spec spec;
    struct shared *sh;
    struct slot *slots;         /* jobs of them */
    struct slot *slot;          /* a child's own */
    uint32_t node;              /* the schedule this child runs */
    uint32_t cost;
    struct { uint32_t point, tid; } ov[FORCE_MAX];
    int nov, ov_i;
    uint32_t branch_from;       /* points >= this one add alternatives */
    uint32_t point;             /* decision points so far */
    bool detecting;             /* a detection run: random preemptions */
    uint64_t rng;
    uintptr_t base;
    bool trace;                 /* RACELAB_SCHED_TRACE: every decision point */
} x;

/* --- RACELAB_CHAOS keys ------------------------------------------------------ */

void rl_spec_from_config(const struct chaos_config *c, struct rl_spec *out)
{
    memset(out, 0, sizeof *out);
    out->dfs = c->strategy == CHAOS_DFS;
    out->steps = c->steps;
    out->points_set = c->given & (1u << CHAOS_KEY_points);
    /* chaos_spec.h's words all|races|sync are RL_POINTS_* in that order;
     * dfs explores the racing pairs unless told otherwise */
    out->points = out->points_set ? c->points
                  : out->dfs ? RL_POINTS_RACES : RL_POINTS_ALL;
    out->bound = (c->given & (1u << CHAOS_KEY_delays)) != 0;
    out->preemptions = out->bound ? c->delays : c->preemptions;
    out->max = c->max;
    out->detect = c->detect;
    out->jobs = c->jobs;
    out->timeout = c->timeout;
    out->timeout_set = (c->given & (1u << CHAOS_KEY_timeout)) != 0;
    snprintf(out->force, sizeof out->force, "%s", c->force.s);
}

/* --- the child: choices at decision points --------------------------------- */

static uint64_t xrnd(void)
{
    x.rng ^= x.rng << 13;
    x.rng ^= x.rng >> 7;
    x.rng ^= x.rng << 17;
    return x.rng;
}

/* Round robin: the first eligible thread after ME's id (ME itself last). */
static struct rl_thread *next_rr(struct rl_thread **t, size_t n, int from, int skip)
{
    struct rl_thread *first = NULL, *after = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!rl_eligible(t[i]) || t[i]->id == skip)
            continue;
        if (!first)
            first = t[i];
        if (t[i]->id > from && !after)
            after = t[i];
    }
    return after ? after : first;
}

/* The cost of running B instead of the default D at a point where ME
 * (eligible or not) was running. */
static uint32_t cost_of(struct rl_thread **t, size_t n, struct rl_thread *me,
                        bool me_ok, struct rl_thread *d, struct rl_thread *b)
{
    /* preemptions: switching away from a thread that could go on, and
     * (so that blocking points with many waiters do not multiply the tree
     * unboundedly) picking other than round robin's next where it cannot */
    (void)me;
    (void)me_ok;
    if (!x.spec.bound)
        return b != d ? 1 : 0;
    uint32_t c = 0;             /* delays: threads skipped from D to B */
    int from = d->id - 1;
    for (struct rl_thread *u = d; u && u != b; c++) {
        from = u->id;
        u = next_rr(t, n, from, -1);
        if (c > n)
            break;
    }
    return c;
}

/* Threads that have not run yet and will run the same function on the same
 * argument (100 identical workers): starting one or another of them is
 * usually the same schedule up to their names.  Not pruned, only run later
 * (explore()'s second pass): a program may still tell them apart. */
static bool same_start(const struct rl_thread *a, const struct rl_thread *b)
{
    return !a->started && !b->started && a->fn && a->fn == b->fn && a->arg == b->arg;
}

static bool twin_choice(struct rl_thread **t, size_t i, struct rl_thread *d)
{
    if (t[i]->started || !t[i]->fn)
        return false;   /* only a thread yet to start has twins: no scan */
    if (d && same_start(t[i], d))
        return true;
    for (size_t j = 0; j < i; j++)
        if (rl_eligible(t[j]) && same_start(t[i], t[j]))
            return true;
    return false;
}

static void add_alternatives(struct rl_thread **t, size_t n, struct rl_thread *me,
                             bool me_ok, struct rl_thread *d, uint32_t point)
{
    for (size_t i = 0; i < n; i++) {
        if (!rl_eligible(t[i]) || t[i] == d)
            continue;
        uint32_t c = x.cost + cost_of(t, n, me, me_ok, d, t[i]);
        if (c > (uint32_t)x.spec.preemptions)
            continue;
        uint32_t twin = twin_choice(t, i, d);
        struct slot *s = x.slot;
        if (s->nalt >= ALT_MAX) {
            s->full = 1;
            return;
        }
        s->alt[s->nalt++] = (struct node){ x.node, point, (uint32_t)t[i]->id, c, twin };
    }
}

static void note_switch(struct rl_thread *me, struct rl_thread *to, bool preempt)
{
    if (!x.slot || to == me || x.slot->nswitch >= SWITCH_MAX)
        return;
    x.slot->sw[x.slot->nswitch++] = (struct xswitch){
        rl_steps, me ? me->id : -1, to->id,
        rl_last_pc ? (uintptr_t)rl_last_pc - x.base : 0, preempt };
}

struct rl_thread *rl_explore_choose(struct rl_thread *me)
{
    size_t n;
    struct rl_thread **t = rl_thread_list(&n);
    bool me_ok = me && rl_eligible(me);
    bool fair = me_ok && rl_starved;

    if (me_ok && !fair && !rl_at_sync && x.spec.points == RL_POINTS_SYNC)
        return me;      /* not a decision point: a wake-up's re-check */
    uint32_t point = x.point++;
    struct rl_thread *d = me_ok && !fair ? me : next_rr(t, n, me ? me->id : -1,
                                                        fair ? me->id : -1);
    if (!d)
        d = me;
    struct rl_thread *pick = d;
    if (x.ov_i < x.nov && x.ov[x.ov_i].point == point) {
        uint32_t want = x.ov[x.ov_i++].tid;
        pick = NULL;
        for (size_t i = 0; i < n; i++)
            if ((uint32_t)t[i]->id == want && rl_eligible(t[i]))
                pick = t[i];
        if (!pick) {
            if (x.sh)
                __atomic_fetch_add(&x.sh->drift, 1, __ATOMIC_RELAXED);
            pick = d;
        }
    } else if (x.detecting && xrnd() % (rl_at_sync || !me_ok ? 2 : 32) == 0) {
        size_t k = 0, e = 0;
        for (size_t i = 0; i < n; i++)
            e += rl_eligible(t[i]);
        size_t want = e ? xrnd() % e : 0;
        for (size_t i = 0; i < n; i++)
            if (rl_eligible(t[i]) && k++ == want)
                pick = t[i];
    } else if (x.slot && !x.detecting && point >= x.branch_from && !fair) {
        add_alternatives(t, n, me, me_ok, d, point);
    }
    note_switch(me, pick, me_ok && pick != me);
    if (x.trace)
        rl_print("rlsched: dfs point %u (step %llu): thread %d%s -> %d\n", point,
                 (unsigned long long)rl_steps, me ? me->id : -1, me_ok ? "" : " (cannot run)",
                 pick ? pick->id : -1);
    return pick;
}

/* --- the driver ------------------------------------------------------------------ */

static int out_fd[JOBS_MAX], err_fd[JOBS_MAX], in_fd = -1;
static volatile sig_atomic_t stop_sig;     /* the driver was asked to stop */

static void on_stop(int sig) { stop_sig = sig; }

/* A schedule past the time limit is asked where it is before it is
 * killed: the thread holding the baton writes where it runs (a poller:
 * its poll) as a last switch of its slot, with no thread after it. */
#define STUCK_SIG (SIGRTMIN + 5)

/* The schedules running at once, in the order they started: a ring over
 * the slots, from HEAD, N of them. */
struct job {
    pid_t pid;
    uint32_t node;
    uint64_t run;               /* its number: the schedules started before it, + 1 */
    double start;               /* monotonic seconds */
    int status;
    bool done;
    bool endless;               /* killed at the time limit */
};
static struct job jobs[JOBS_MAX];
static int head, running;
static double longest;          /* the longest schedule that ended, seconds */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How long a schedule may run before it counts as never ending: timeout=S
 * when given; else 10 s, or 10 times the longest schedule so far if that
 * is more. */
static double time_limit(void)
{
    double t = (double)x.spec.timeout;
    return x.spec.timeout_set || 10 * longest < t ? t : 10 * longest;
}

static void on_alarm(int sig) { (void)sig; }

/* Arms SIGALRM for the first deadline among the running schedules (0: none). */
static void arm(double deadline)
{
    struct itimerval it = {0};
    if (deadline > 0) {
        double d = deadline - now();
        if (d < 0.001)
            d = 0.001;
        it.it_value.tv_sec = (time_t)d;
        it.it_value.tv_usec = (suseconds_t)((d - (double)(time_t)d) * 1e6);
    }
    setitimer(ITIMER_REAL, &it, NULL);
}

static const char *bound_name(void)
{
    return x.spec.bound ? "delays" : "preemptions";
}

/* Kills Q's schedule and reaps it. */
static void kill_job(struct job *q)
{
    kill(q->pid, SIGKILL);
    while (waitpid(q->pid, &q->status, 0) < 0 && errno == EINTR)
        ;
    q->done = true;
}

static void kill_running(void)
{
    for (int k = 0; k < running; k++) {
        struct job *q = &jobs[(head + k) % x.spec.jobs];
        if (!q->done)
            kill_job(q);
    }
}

/* Kills the running schedules past the time limit: they never end.  Each
 * is asked first, for up to 0.2 s, where its running thread is. */
static void kill_endless(void)
{
    double t = now(), limit = time_limit();
    for (int k = 0; k < running; k++) {
        int j = (head + k) % x.spec.jobs;
        struct job *q = &jobs[j];
        if (!q->done && t - q->start >= limit) {
            kill(q->pid, STUCK_SIG);
            for (int w = 0; w < 40 && !__atomic_load_n(&x.slots[j].stuck, __ATOMIC_ACQUIRE); w++)
                usleep(5000);
            kill_job(q);
            q->endless = true;
        }
    }
}

/* Waits for any running schedule to end, or to pass the time limit (a
 * stop signal kills them all). */
static void wait_any(void)
{
    int st;
    pid_t pid;
    for (;;) {
        double first = 0;
        for (int k = 0; k < running; k++) {
            struct job *q = &jobs[(head + k) % x.spec.jobs];
            if (!q->done && (first == 0 || q->start < first))
                first = q->start;
        }
        if (first == 0)
            return;
        arm(first + time_limit());
        pid = waitpid(-1, &st, 0);
        arm(0);
        if (pid > 0)
            break;
        if (errno == EINTR && stop_sig) {
            kill_running();
            return;
        }
        if (errno != EINTR) {
            rl_print("rlsched: dfs: waiting for a schedule: %s\n", strerror(errno));
            _exit(3);
        }
        kill_endless();
        return;
    }
    for (int k = 0; k < running; k++) {
        struct job *q = &jobs[(head + k) % x.spec.jobs];
        if (q->pid == pid && !q->done) {
            double took = now() - q->start;
            q->status = st;
            q->done = true;
            if (took > longest)
                longest = took;
        }
    }
}

/* On a terminal, once a second: how far the exploration is (one line,
 * rewritten; cleared before the verdict). */
static bool progress_on;
static double progress_at;

static void progress(uint64_t runs, uint32_t c)
{
    double t = now();
    if (!progress_on || t - progress_at < 1.0)
        return;
    progress_at = t;
    rl_print("\rrlsched: dfs: %llu schedules run, now those with %u %s; %llu more queued\033[K",
             (unsigned long long)runs, c, bound_name(),
             (unsigned long long)(x.sh->nnodes > runs ? x.sh->nnodes - runs : 0));
}

static void progress_clear(void)
{
    if (progress_on && progress_at > 0)
        rl_print("\r\033[K");
}


static void race_sink(uintptr_t off)
{
    uint32_t k = __atomic_fetch_add(&x.sh->nracy, 1, __ATOMIC_RELAXED);
    if (k < RACY_MAX)
        x.sh->racy[k] = off;
}

/* RACELAB_SCHED_LOG of the schedule in slot J: PATH.J (malloc'ed), so
 * that schedules running at once do not write one file. */
static char *slot_log(int j)
{
    size_t n = strlen(rl_log_path()) + 16;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.%d", rl_log_path(), j);
    return p;
}

/* At the driver's end: the failing schedule's log (slot KEEP, -1: none)
 * becomes RACELAB_SCHED_LOG; the other slots' logs are removed. */
static void logs_finish(int keep)
{
    if (!rl_log_path() || !x.slots)
        return;
    for (int j = 0; j < x.spec.jobs; j++) {
        char *p = slot_log(j);
        if (!p)
            continue;
        if (j == keep)
            rename(p, rl_log_path());
        else
            unlink(p);
        free(p);
    }
}

/* Forks one run in slot J.  In the child: returns 0, with the slot's
 * memfds as its output; it dies with the driver.  In the driver: returns
 * the child's pid. */
static pid_t spawn(int j)
{
    if (ftruncate(out_fd[j], 0) < 0 || ftruncate(err_fd[j], 0) < 0 ||
        lseek(out_fd[j], 0, SEEK_SET) < 0 || lseek(err_fd[j], 0, SEEK_SET) < 0) {
        rl_print("rlsched: dfs: resetting the output memfds: %s\n", strerror(errno));
        _exit(3);
    }
    struct slot *s = &x.slots[j];
    s->nalt = s->full = s->nswitch = s->stuck = 0;
    pid_t pid = fork();
    if (pid < 0) {
        rl_print("rlsched: dfs: fork: %s\n", strerror(errno));
        _exit(3);
    }
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGALRM, SIG_DFL);   /* the program's own alarm() kills it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (in_fd >= 0) {   /* every schedule reads the same input, from its start */
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", in_fd);
            int fd = open(path, O_RDONLY);
            if (fd < 0 || dup2(fd, 0) < 0) {
                rl_print("rlsched: dfs: reopening the input: %s\n", strerror(errno));
                _exit(3);
            }
            close(fd);
            close(in_fd);
        }
        dup2(out_fd[j], 1);
        dup2(err_fd[j], 2);
        for (int k = 0; k < x.spec.jobs; k++) {
            close(out_fd[k]);
            close(err_fd[k]);
        }
        x.slot = s;
        char *log = rl_log_path() ? slot_log(j) : NULL;
        if (log)    /* RACELAB_SCHED_LOG: the driver keeps the failing one */
            rl_log_path_set(log);
        return 0;
    }
    return pid;
}

/* One run at a time (the detection phase), through the same ring and
 * time limit as dfs's schedules: in the child returns 0; in the driver
 * waits, returns 1 and the status, -1 for a run killed at the time limit
 * (dfs will report that schedule). */
static int run_one(int *status)
{
    pid_t pid = spawn(0);
    if (pid == 0)
        return 0;
    struct sigaction al = { .sa_handler = on_alarm }, old;   /* no SA_RESTART */
    sigaction(SIGALRM, &al, &old);
    jobs[0] = (struct job){ pid, 0, 0, now(), 0, false, false };
    head = 0;
    running = 1;
    while (!jobs[0].done)
        wait_any();
    running = 0;
    sigaction(SIGALRM, &old, NULL);
    *status = jobs[0].endless ? -1 : jobs[0].status;
    return 1;
}

static bool failed(int st)
{
    return WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0);
}

static void copy_out(int from, int to)
{
    char buf[8192];
    ssize_t n;
    lseek(from, 0, SEEK_SET);
    while ((n = read(from, buf, sizeof buf)) > 0)
        if (RL_SYS(SYS_write, to, buf, n) < 0)
            break;
}

/* The driver's standard input (a pipe or file), kept once in a memfd so
 * that every schedule reads all of it; a terminal is left alone. */
static void keep_input(void)
{
    if (isatty(0) || fcntl(0, F_GETFL) < 0)
        return;
    in_fd = memfd_create("rlsched-in", 0);
    if (in_fd < 0) {
        rl_print("rlsched: dfs: memfd for the input: %s\n", strerror(errno));
        _exit(3);
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0)
        if (RL_SYS(SYS_write, in_fd, buf, n) != n) {
            rl_print("rlsched: dfs: keeping the input: %s\n", strerror(errno));
            _exit(3);
        }
    if (n < 0) {
        rl_print("rlsched: dfs: reading the input: %s\n", strerror(errno));
        _exit(3);
    }
}

/* Phase 1 of points=races: DETECT runs (the default schedule, then random
 * choices at synchronization) with happens-before tracking; the racy
 * instructions go to PATH. */
static void detect_races(const char *path)
{
    int st;
    for (int i = 0; i < x.spec.detect; i++) {
        if (run_one(&st) == 0) {
            /* run 0 the default schedule; then random switches at every
             * access (1/32) and synchronization (1/2), so that either
             * order of two unsynchronized accesses happens */
            rl_hb_on = true;
            rl_points = i > 0 ? RL_POINTS_ALL : RL_POINTS_SYNC;
            rl_explore_active = true;
            x.spec.points = rl_points;
            x.detecting = i > 0;
            x.rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
            rl_races_sink(race_sink);
            return;
        }
        for (uint32_t k = 0; k < x.sh->nracy && k < RACY_MAX; k++)
            rl_racy_add(x.sh->racy[k]);
        x.sh->nracy = 0;
        if (st == -1) {
            /* a run that never ends: the detection stops here (what it
             * found counts); dfs finds and reports such a schedule */
            rl_print("rlsched: race detection: run %d still running after %.0f s, "
                     "killed: %d of %d runs made\n", i + 1, time_limit(), i + 1, x.spec.detect);
            x.spec.detect = i + 1;
            break;
        }
    }
    if (path)
        rl_races_save(path);
    if (!getenv("RACELAB_SCHED_QUIET") || !*getenv("RACELAB_SCHED_QUIET"))
        rl_print("rlsched: race detection: %zu racy instructions in %d runs%s%s\n",
                 rl_racy_count(), x.spec.detect, path ? ", kept in " : "", path ? path : "");
}

/* STUCK_SIG in a schedule (child_setup installs it): the thread holding
 * the baton records where it is; another thread passes the signal on. */
static void on_stuck(int sig)
{
    struct rl_thread *cur = rl_current();
    struct slot *s = x.slot;
    if (!s || s->stuck)
        return;
    if (cur && cur != rl_self && cur->wait != RL_W_POLL && cur->handle) {
        pthread_kill((pthread_t)cur->handle, sig);  /* its rl_last_pc is its own */
        return;
    }
    void *pc = cur && cur->wait == RL_W_POLL ? cur->wait_pc : rl_last_pc;
    if (s->nswitch < SWITCH_MAX)
        s->sw[s->nswitch++] = (struct xswitch){
            rl_steps, cur ? cur->id : -1, -1, pc ? (uintptr_t)pc - x.base : 0, 0 };
    s->stuck_tid = cur ? cur->id : -1;
    __atomic_store_n(&s->stuck, 1, __ATOMIC_RELEASE);
}

static void child_setup(uint32_t node)
{
    uint32_t chain[FORCE_MAX];
    int n = 0;
    for (uint32_t k = node; k != UINT32_MAX && n < FORCE_MAX; k = x.sh->nodes[k].parent)
        if (x.sh->nodes[k].parent != UINT32_MAX)
            chain[n++] = k;
    x.nov = 0;
    for (int i = n - 1; i >= 0; i--) {
        x.ov[x.nov].point = x.sh->nodes[chain[i]].point;
        x.ov[x.nov++].tid = x.sh->nodes[chain[i]].tid;
    }
    x.node = node;
    x.cost = x.sh->nodes[node].cost;
    struct sigaction sa = { .sa_handler = on_stuck, .sa_flags = SA_RESTART };
    sigaction(STUCK_SIG, &sa, NULL);
    x.branch_from = x.nov ? x.ov[x.nov - 1].point + 1 : 0;
    rl_explore_active = true;
}

bool rl_explore_child(void) { return x.sh != NULL; }


/* In a process the program forked from a schedule: the exploration is its
 * parent's.  This one runs round robin, adds nothing to the tree and
 * forces nothing (its decision points are not the schedule's, and a forced
 * thread it does not have would count as drift). */
void rl_explore_forked(void)
{
    if (!x.sh)
        return;
    x.slot = NULL;
    x.nov = x.ov_i = 0;
    x.detecting = false;
    rl_explore_active = false;
    rl_hb_on = false;
}

static void print_force(char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < x.nov && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%u@%u", i ? "," : "",
                                x.ov[i].point, x.ov[i].tid);
}

static const char *points_name(int p)
{
    return p == RL_POINTS_ALL ? "all" : p == RL_POINTS_RACES ? "races" : "sync";
}

static void report_failure(uint32_t node, int j, int st, uint64_t runs,
                           const char *races_path)
{
    progress_clear();
    char force[400], what[128];
    child_setup(node);
    rl_explore_active = false;
    print_force(force, sizeof force);
    copy_out(out_fd[j], 1);
    copy_out(err_fd[j], 2);
    struct slot *s = &x.slots[j];
    if (st == -1)
        snprintf(what, sizeof what, "never ended: thread %d still had the baton after %.0f s, "
                 "the time limit (timeout=S)",
                 s->stuck ? s->stuck_tid : s->nswitch ? s->sw[s->nswitch - 1].to : 0,
                 time_limit());
    else if (WIFSIGNALED(st))
        snprintf(what, sizeof what, "signal %d", WTERMSIG(st));
    else
        snprintf(what, sizeof what, "exit status %d", WEXITSTATUS(st));
    rl_schedule_report(s->sw, s->nswitch, x.base);
    logs_finish(j);
    rl_print("rlsched: dfs: schedule %llu failed (%s) with %u %s, the fewest of any "
             "failing schedule (all with fewer were explored); to repeat: "
             "RACELAB_CHAOS=dfs:points=%s:%s=%u:force=%s%s%s\n",
             (unsigned long long)runs, what, x.cost, x.spec.bound ? "delays" : "preemptions",
             points_name(x.spec.points), x.spec.bound ? "delays" : "preemptions",
             x.spec.preemptions, force[0] ? force : "none",
             races_path && x.spec.points == RL_POINTS_RACES ? " with the races file " : "",
             races_path && x.spec.points == RL_POINTS_RACES ? races_path : "");
    if (st == -1)
        _exit(RLSCHED_EXIT_ENDLESS);
    if (WIFSIGNALED(st)) {
        signal(WTERMSIG(st), SIG_DFL);
        raise(WTERMSIG(st));
    }
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 1);
}

/* The alternatives slot J's schedule passed, into the pool. */
static void commit(int j)
{
    struct slot *s = &x.slots[j];
    if (s->full)
        x.sh->full = 1;
    for (uint32_t k = 0; k < s->nalt; k++) {
        if (x.sh->nnodes >= NODE_MAX) {
            x.sh->full = 1;
            return;
        }
        x.sh->nodes[x.sh->nnodes++] = s->alt[k];
    }
}

/* Judges the finished schedules at the head of the ring, in the order they
 * started: the first failing one is reported (never returns). */
static void judge_finished(const char *races_path)
{
    while (running > 0 && jobs[head].done) {
        struct job *q = &jobs[head];
        commit(head);
        if (q->endless || (failed(q->status) && !(stop_sig && WIFSIGNALED(q->status)))) {
            running--;
            int j = head;
            head = (head + 1) % x.spec.jobs;
            kill_running();
            report_failure(q->node, j, q->endless ? -1 : q->status, q->run, races_path);
        }
        head = (head + 1) % x.spec.jobs;
        running--;
    }
}

static void stopped(uint64_t runs, uint32_t c, bool by_max)
{
    progress_clear();
    logs_finish(-1);
    /* every node in the pool is within the bound and runs once; at the last
     * cost level the pool holds them all */
    uint64_t left = x.sh->nnodes > runs ? x.sh->nnodes - runs : 0;
    const char *least = c < (uint32_t)x.spec.preemptions || x.sh->full ? "at least " : "";
    const char *full = x.sh->full ? "; the node pool is full, so no run can exhaust it" : "";
    if (by_max)
        rl_print("rlsched: dfs: stopped after %llu schedules (max=%llu) at %u %s: "
                 "no failure, but the bound was not exhausted (%s%llu more schedules "
                 "within it%s)\n", (unsigned long long)runs, (unsigned long long)x.spec.max,
                 c, bound_name(), least, (unsigned long long)left, full);
    else
        rl_print("rlsched: dfs: stopped by signal %d after %llu schedules at %u %s: "
                 "no failure, but the bound was not exhausted (%s%llu more schedules "
                 "within it%s)\n", (int)stop_sig, (unsigned long long)runs, c, bound_name(),
                 least, (unsigned long long)left, full);
    _exit(by_max ? 0 : 128 + stop_sig);
}

/* Walks the tree by cost (iterative bounding), jobs=N schedules at once;
 * returns only in a child. */
static void explore(const char *races_path)
{
    uint64_t runs = 0;
    x.sh->nodes[0] = (struct node){ UINT32_MAX, 0, 0, 0, 0 };
    x.sh->nnodes = 1;
    struct sigaction sa = { .sa_handler = on_stop };    /* no SA_RESTART */
    sigaction(SIGTERM, &sa, NULL);     /* a timeout: say how far it got */
    sigaction(SIGINT, &sa, NULL);
    struct sigaction al = { .sa_handler = on_alarm };   /* wakes waitpid */
    sigaction(SIGALRM, &al, NULL);
    const char *quiet = getenv("RACELAB_SCHED_QUIET");
    progress_on = isatty(2) && !(quiet && *quiet);
    /* Each cost level in two passes: first the schedules that start no
     * twin (see twin_choice), then the twins; every one of them is run.
     * A schedule adds only nodes that cost more than its own, so a level's
     * nodes are all in the pool when it begins. */
    for (uint32_t level = 0; level <= 2u * (uint32_t)x.spec.preemptions + 1; level++) {
        uint32_t c = level / 2, twins = level % 2;
        bool capped = false;
        for (uint32_t i = 0;;) {
            while (running < x.spec.jobs && !stop_sig) {
                while (i < x.sh->nnodes &&
                       (x.sh->nodes[i].cost != c || x.sh->nodes[i].twin != twins))
                    i++;
                if (i >= x.sh->nnodes)
                    break;
                if (runs >= x.spec.max) {
                    capped = true;
                    break;
                }
                int j = (head + running) % x.spec.jobs;
                pid_t pid = spawn(j);
                if (pid == 0) {
                    child_setup(i);
                    return;
                }
                jobs[j] = (struct job){ pid, i, ++runs, now(), 0, false, false };
                running++;
                i++;
            }
            if (running == 0)
                break;
            wait_any();
            judge_finished(races_path);
            progress(runs, c);
        }
        if (stop_sig)
            stopped(runs, c, false);
        if (capped)
            stopped(runs, c, true);
    }
    progress_clear();
    logs_finish(-1);
    char pts[96];
    if (x.spec.points == RL_POINTS_RACES)
        snprintf(pts, sizeof pts, "synchronization and %zu racy instructions", rl_racy_count());
    else
        snprintf(pts, sizeof pts, "%s", x.spec.points == RL_POINTS_ALL
                 ? "every access and synchronization" : "synchronization");
    rl_print("rlsched: dfs: all %llu schedules with at most %d %s explored: no failure "
             "(decision points: %s%s%s)\n", (unsigned long long)runs, x.spec.preemptions,
             x.spec.bound ? "delays" : "preemptions (or non-round-robin picks)", pts,
             x.sh->full ? "; NOT exhaustive: the node pool overflowed" : "",
             x.sh->drift ? "; NOT exhaustive: the program is not deterministic "
                           "under a fixed schedule (forced decisions drifted)" : "");
    _exit(x.sh->full || x.sh->drift ? 3 : 0);
}

static void parse_force(const char *s)
{
    while (*s && x.nov < FORCE_MAX) {
        char *end;
        unsigned long p = strtoul(s, &end, 10);
        if (*end != '@')
            break;
        unsigned long t = strtoul(end + 1, &end, 10);
        x.ov[x.nov].point = (uint32_t)p;
        x.ov[x.nov++].tid = (uint32_t)t;
        s = *end == ',' ? end + 1 : end;
        if (!*end)
            break;
    }
}

void rl_explore_start(const struct rl_spec *spec, const char *races_path)
{
    x.spec = *spec;
    x.base = 0;
    x.trace = getenv("RACELAB_SCHED_TRACE") && *getenv("RACELAB_SCHED_TRACE") &&
              strcmp(getenv("RACELAB_SCHED_TRACE"), "0") != 0;
    Dl_info di;
    if (dladdr((void *)rl_init, &di))
        x.base = (uintptr_t)di.dli_fbase;
    rl_points = spec->points;
    bool need_races = spec->points == RL_POINTS_RACES &&
                      (!races_path || rl_races_load(races_path) < 0);
    bool replaying = getenv("RACELAB_SCHED_REPLAY") && *getenv("RACELAB_SCHED_REPLAY");
    if (spec->dfs && (spec->force[0] || replaying)) {
        if (strcmp(spec->force, "none") != 0)
            parse_force(spec->force);
        rl_explore_active = true;
        if (!need_races)
            return;
    }
    if (!need_races && !spec->dfs)
        return;
    if (x.spec.jobs < 1 || x.spec.jobs > JOBS_MAX)
        x.spec.jobs = 1;
    int nslots = spec->dfs ? x.spec.jobs : 1;
    size_t size = sizeof(struct shared) + (spec->dfs ? NODE_MAX : 1) * sizeof(struct node);
    size_t slots_size = (size_t)nslots * sizeof(struct slot);
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS |
                   MAP_NORESERVE, -1, 0);
    void *sl = mmap(NULL, slots_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS |
                    MAP_NORESERVE, -1, 0);
    bool fds_ok = true;
    for (int j = 0; j < nslots; j++) {
        out_fd[j] = memfd_create("rlsched-out", 0);
        err_fd[j] = memfd_create("rlsched-err", 0);
        fds_ok = fds_ok && out_fd[j] >= 0 && err_fd[j] >= 0;
    }
    if (m == MAP_FAILED || sl == MAP_FAILED || !fds_ok) {
        rl_print("rlsched: dfs: cannot set up the driver: %s\n", strerror(errno));
        _exit(3);
    }
    x.sh = m;
    x.slots = sl;
    x.spec.jobs = nslots;
    keep_input();
    if (need_races) {
        detect_races(races_path);
        if (rl_hb_on)
            return;     /* a detection child */
    }
    if (!spec->dfs || spec->force[0] || replaying) {
        logs_finish(-1);    /* the detection runs' */
        munmap(m, size);
        munmap(sl, slots_size);
        x.sh = NULL;
        x.slots = NULL;
        for (int j = 0; j < nslots; j++) {
            close(out_fd[j]);
            close(err_fd[j]);
        }
        rl_points = spec->points;
        return;
    }
    explore(races_path);
}
