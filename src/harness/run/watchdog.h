/* watchdog.h - is a process stuck for good?  Samples its threads in /proc:
 * a deadlock leaves every thread asleep in a futex wait and the CPU clock
 * still, long before any --timeout. */
#ifndef RACELAB_WATCHDOG_H
#define RACELAB_WATCHDOG_H

#include <stdbool.h>
#include <sys/types.h>

struct thread_sample {
    int threads;                /* tasks of the process */
    int futex_waits;            /* asleep in futex(): a lock, a condition
                                   variable, a join */
    int timed_sleeps;           /* asleep in nanosleep/clock_nanosleep */
    int signal_waits;           /* asleep in sigwait/sigtimedwait/pause/
                                   sigsuspend: waiting for a signal */
    int other;                  /* running, or blocked in any other call */
    unsigned long long cpu_ticks;   /* utime + stime of all threads */
};

/* Reads /proc/PID/task/ * /{stat,syscall}.  False if the process is gone. */
bool thread_sample(pid_t pid, struct thread_sample *s);

/* True when S looks deadlocked: at least one thread waits on a futex and
 * every other thread does too, except, with ALLOW_TIMER, one thread in a
 * timed sleep (TSan's background thread wakes every 100 ms).  AFTER_TERM
 * (SIGTERM was sent): threads waiting for a further signal count as
 * blocked too, the signal they waited for has come and gone. */
bool thread_sample_blocked(const struct thread_sample *s, bool allow_timer,
                           bool after_term);

/* The watchdog over time: feed samples; returns true once the process has
 * been blocked, with no CPU progress, for WINDOW seconds. */
struct block_watch {
    double window;
    double since;               /* when the current blocked stretch began, <0 */
    unsigned long long ticks;
    double last_sample;         /* when block_watch_poll() last sampled */
};
void block_watch_init(struct block_watch *w, double window);
bool block_watch_update(struct block_watch *w, const struct thread_sample *s,
                        bool blocked, double now);

/* Samples PID (at most every BLOCK_WATCH_PERIOD seconds) and feeds W;
 * true once it has been blocked for the window.  S gets the sample. */
#define BLOCK_WATCH_PERIOD 0.25
bool block_watch_poll(struct block_watch *w, pid_t pid, bool allow_timer,
                      bool after_term, double now, struct thread_sample *s);

#endif
