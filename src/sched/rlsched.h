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
 *   RACELAB_SCHED_TRACE=1           every thread switch on stderr
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

/* What a blocked thread waits for. */
enum rl_wait {
    RL_W_NONE, RL_W_MUTEX, RL_W_COND, RL_W_JOIN, RL_W_RDLOCK, RL_W_WRLOCK,
    RL_W_SEM, RL_W_BARRIER, RL_W_ONCE, RL_W_FUTEX
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

/* Raw output without our interposed write(). */
void rl_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
