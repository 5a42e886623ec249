/* rlsched.h - the controlled scheduler (librlsched.a), inside the runtime.
 *
 * Programs built with `racelab cc` are compiled with clang's
 * -fsanitize=thread instrumentation, but linked with this runtime instead
 * of TSan's: every plain load and store, every atomic and every pthread or
 * blocking call becomes a *step*, and only the thread holding the baton
 * runs.  The strategy (RACELAB_CHAOS=pct|random|none) decides at each step
 * which thread holds it, so a seed fixes the whole interleaving.
 * See docs/CHAOS.md for the user's view.
 *
 * Environment:
 *   RACELAB_CHAOS=pct[:depth=D][:seed=N][:steps=K] | random[:p=P][:seed=N] | none
 *   RACELAB_SCHED_LOG=FILE          write the schedule (decisions) at exit
 *   RACELAB_SCHED_REPLAY=FILE       follow a written schedule, then the strategy
 *   RACELAB_SCHED_STEPS_FILE=FILE   where PCT's step count k is measured/kept
 *                                   (default $TMPDIR/rlsched-steps-<binary key>)
 *   RACELAB_SCHED_TRACE=1           every thread switch (dfs: every decision) on stderr
 *   RACELAB_SCHED_RACES=FILE        the racy instructions (points=races; default
 *                                   $TMPDIR/rlsched-races-<binary key>)
 *   RACELAB_SCHED_HTML=FILE         dfs: the failing schedule as an HTML table
 *   RACELAB_CHAOS=dfs[:preemptions=P|delays=D][:points=all|races|sync][:max=N]
 *                [:detect=N][:force=POINT@TID,...]   systematic (explore.c)
 *   RACELAB_SCHED_QUIET=1           no "rlsched:" notes on stderr
 */
#ifndef RACELAB_SCHED_H
#define RACELAB_SCHED_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Exit status of a program whose threads deadlocked (every thread blocked
 * on a mutex, condition variable, join, ... and none in a system call).
 * racelab records such a run as a hang with the runtime's report. */
#define RLSCHED_EXIT_DEADLOCK 86
/* Exit status of a dfs exploration that found a schedule which never ended
 * (an endless loop or a livelock: threads run, none gets anywhere); racelab
 * records it as a hang too. */
#define RLSCHED_EXIT_ENDLESS 87

/* What a blocked thread waits for. */
enum rl_wait {
    RL_W_NONE, RL_W_MUTEX, RL_W_COND, RL_W_JOIN, RL_W_RDLOCK, RL_W_WRLOCK,
    RL_W_SEM, RL_W_BARRIER, RL_W_ONCE, RL_W_FUTEX,
    RL_W_POLL       /* dfs: polling a value nobody changed (rl_poll) */
};

enum rl_state { RL_RUNNABLE, RL_BLOCKED, RL_SYSCALL, RL_FINISHED };

struct rl_thread {
    int id;                     /* 0 = main, then creation order */
    uint32_t go;                /* futex word: 1 = the baton is yours */
    enum rl_state state;
    enum rl_wait wait;
    void *wait_obj;             /* mutex, cond, thread... waited for */
    void *wait_pc;              /* the program's call site of the wait */
    uint64_t wait_seq;          /* FIFO order among condition waiters */
    bool timed;                 /* a timed wait: may time out when idle */
    bool timed_out;
    int64_t priority;           /* pct: the highest runnable one runs */
    uint64_t yield_until;       /* not eligible before this step (yield) */
    uint64_t run_start;         /* step at which it last got the baton */
    unsigned long handle;       /* pthread_t */
    bool detached;
    struct rl_thread *pending_next;
    void *(*fn)(void *);
    void *arg;
    bool started;               /* has had the baton (main: from the start) */
    const volatile void *poll_addr;     /* rl_poll: its last atomic that
                                           changed nothing, there */
    uint64_t poll_seen;         /* the value it saw */
    uint64_t poll_events;       /* rl_events after it */
    uint32_t *vc;               /* races.c: vector clock (detection runs) */
};

/* The model of a synchronization object, keyed by its address. */
struct rl_obj {
    void *addr;
    struct rl_thread *owner;    /* mutex, spin, rwlock writer, once runner */
    int count;                  /* recursive depth, rwlock readers, sem value,
                                   barrier arrivals, once: 0 new 1 running 2 done */
    int needed;                 /* barrier size */
    uint64_t generation;        /* barrier round */
};

/* --- sched.c: the scheduler ---------------------------------------------- */

/* The calling thread's record, NULL for threads we did not create. */
extern __thread struct rl_thread *rl_self;
/* 1 while this thread holds the baton and is not inside the runtime: the
 * only state in which a step may schedule. */
extern __thread int rl_mode;

void rl_init(void);
/* A plain access: counts a step; decides only when a decision is due. */
void rl_decide(void);
extern uint64_t rl_steps, rl_next_check;
extern int rl_pending;
/* Every access and synchronization of this thread (rl_poll's "nothing in
 * between"), and how many threads wait in RL_W_POLL (any write may wake
 * them). */
extern __thread uint64_t rl_events;
extern int rl_pollers;
void rl_poll_write(const volatile void *addr);
/* After an atomic at ADDR of the running thread: CHANGED whether it changed
 * memory, SEEN the value it read.  dfs: a thread whose atomic changed
 * nothing, twice in a row at the same address and value with nothing in
 * between, is polling: it waits (RL_W_POLL, a timed wait) until a write
 * there or until nothing else can run.  Any change wakes such waiters. */
void rl_poll(const volatile void *addr, bool changed, uint64_t seen, void *pc);
static inline void rl_step(void)
{
    if (rl_mode != 1)
        return;
    if (++rl_steps >= rl_next_check || __atomic_load_n(&rl_pending, __ATOMIC_RELAXED))
        rl_decide();
}
/* A synchronization step (atomics, unlocks, signals, create): a step
 * after which the strategy may switch threads. */
void rl_sync_point(void);

/* --- races.c: race-directed scheduling ------------------------------------ */

/* Which plain accesses are steps (RACELAB_CHAOS points=): every one, or
 * only the instructions a detection phase found racy. */
enum { RL_POINTS_ALL, RL_POINTS_RACES, RL_POINTS_SYNC };
extern int rl_points;
extern bool rl_hb_on;           /* detection run: track happens-before */
extern __thread uint32_t rl_quiet;
extern __thread void *rl_last_pc;   /* the thread's last plain access */
void rl_hb_access(void *addr, void *pc, bool write);
void rl_hb_acquire(void *obj);
void rl_hb_release(void *obj);
void rl_hb_fork(struct rl_thread *child);
void rl_hb_join(struct rl_thread *done);
bool rl_racy_pc(void *pc);
size_t rl_racy_count(void);
void rl_racy_add(uintptr_t off);
int rl_races_load(const char *path);
int rl_races_save(const char *path);
typedef void (*rl_race_sink)(uintptr_t pc_offset);
void rl_races_sink(rl_race_sink sink);

/* 2^20 accesses that were no steps: the running thread has run long
 * enough for a fair switch (sched.c). */
void rl_quiet_spin(void);
extern bool rl_explore_active;   /* dfs drives the choices */
/* dfs: a plain read of SIZE bytes that is a decision point, as a poll. */
void rl_read_poll(const volatile void *addr, unsigned size, void *pc);

/* A plain access of SIZE bytes (0: unknown) by the program at PC (the
 * __tsan_read/write hooks).  With points=races a non-racy access is no step
 * (points=sync: none is); after 2^20 of them a fair switch is due, so that
 * a thread spinning on a variable the detection missed cannot keep the
 * baton for ever.  Under dfs a read that is a step is a poll too. */
static inline void rl_access_n(void *addr, void *pc, bool write, unsigned size)
{
    if (rl_mode != 1)
        return;
    rl_events++;
    if (write && __builtin_expect(rl_pollers != 0, 0))
        rl_poll_write(addr);
    rl_last_pc = pc;
    if (rl_hb_on)
        rl_hb_access(addr, pc, write);
    if (rl_points != RL_POINTS_ALL && !(rl_points == RL_POINTS_RACES && rl_racy_pc(pc))) {
        if (++rl_quiet < (1u << 20))
            return;
        rl_quiet = 0;
        rl_quiet_spin();
        return;
    }
    rl_step();
    if (!write && size && rl_explore_active)
        rl_read_poll(addr, size, pc);
}

static inline void rl_access(void *addr, void *pc, bool write)
{
    rl_access_n(addr, pc, write, 0);
}

/* Enter/leave the runtime (mode 2): steps are ignored inside. */
static inline bool rl_enter(void)
{
    if (rl_mode != 1)
        return false;
    rl_mode = 2;
    return true;
}
static inline void rl_leave(void) { rl_mode = 1; }

/* The calling thread (holding the baton) blocks on OBJ until another
 * thread makes it runnable (rl_wake*); returns holding the baton. */
void rl_block(enum rl_wait w, void *obj, void *pc, bool timed);
/* Makes every thread blocked with (w, obj) runnable; wakes at most
 * LIMIT of them in FIFO order (LIMIT < 0: all).  Returns how many. */
int rl_wake(enum rl_wait w, void *obj, int limit);
/* sched_yield(), sleep(): let another thread run first (see sched.c). */
void rl_yield(void);
/* True if another thread could run now. */
bool rl_others_eligible(void);

/* Blocking system calls: sys_begin releases the baton (true if it did),
 * sys_end takes it back. */
bool rl_sys_begin(void);
void rl_sys_end(bool began);

struct rl_thread *rl_thread_new(void);
void rl_thread_start(struct rl_thread *t);     /* in the new thread */
void rl_thread_finish(void);                   /* the thread ends */
struct rl_thread *rl_thread_find(unsigned long handle);
void rl_thread_forget(struct rl_thread *t);    /* joined or detached+ended */

struct rl_obj *rl_obj_get(void *addr);
void rl_obj_forget(void *addr);

/* A system call made by the runtime itself: never through the name
 * `syscall`, which is interposed (futexes, intercept_cxx.c) and which the
 * program may even define itself. */
long rl_sys(long nr, long a, long b, long c, long d, long e, long f);
#define RL_SYS(nr, ...) rl_sys_n(nr, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define rl_sys_n(nr, a, b, c, d, e, f, ...)                                 \
    rl_sys((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* --- explore.c: systematic exploration (strategy dfs) --------------------- */

/* The scheduler's reading of RACELAB_CHAOS's keys (the grammar is
 * src/chaos/chaos_spec.h, parsed once; rl_spec_from_config() copies what
 * the scheduler needs; docs/CHAOS.md lists them). */
struct rl_spec {
    uint64_t steps;             /* steps=K: PCT's k */
    int points;                 /* points=all|races|sync (RL_POINTS_*) */
    bool points_set;
    bool dfs;                   /* strategy dfs */
    int bound;                  /* dfs: 0 preemptions, 1 delays */
    int preemptions;            /* dfs: the bound P */
    uint64_t max;               /* dfs: stop after this many schedules */
    int detect;                 /* runs of the race-detection phase */
    int jobs;                   /* dfs: schedules run at once */
    int timeout;                /* dfs: seconds a schedule may run */
    bool timeout_set;           /* given: exactly that; else at least */
    char force[200];            /* dfs: one schedule, "POINT@TID,..." */
};
struct chaos_config;
void rl_spec_from_config(const struct chaos_config *c, struct rl_spec *out);
bool rl_explore_child(void);    /* a run forked by the dfs driver */
/* The thread holding the baton (NULL between hand-offs). */
struct rl_thread *rl_current(void);
/* RACELAB_SCHED_LOG's path, or NULL; a dfs child writes its own (PATH.J). */
const char *rl_log_path(void);
void rl_log_path_set(char *path);
void rl_explore_forked(void);   /* the program forked: leave the tree alone */
extern bool rl_at_sync;
/* At rl_init: runs the race-detection phase if points=races has no races
 * file yet, and, for dfs, the whole exploration (this process becomes the
 * driver and never returns; each schedule runs in a forked child). */
void rl_explore_start(const struct rl_spec *spec, const char *races_path);
/* dfs: the thread to run at this decision (ME may be NULL or blocked). */
struct rl_thread *rl_explore_choose(struct rl_thread *me);
/* A thread switch of a dfs run, kept for the failing run's report. */
struct xswitch {
    uint64_t step;
    int32_t from, to;
    uintptr_t pc;               /* where FROM stopped (offset in the exe) */
    uint8_t preempt;
};
/* schedule_report.c: the switches as per-thread columns with source lines
 * (stderr; RACELAB_SCHED_HTML=FILE too). */
void rl_schedule_report(const struct xswitch *sw, size_t n, uintptr_t base);
/* sched.c's view for the explorer */
struct rl_thread **rl_thread_list(size_t *n);
bool rl_eligible(const struct rl_thread *t);
extern bool rl_starved;          /* rl_decide: the thread ran too long */

/* Raw output without our interposed write(). */
void rl_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
