/* children.h - the stuck-child oracle: a child the server forked that
 * neither exec'd nor exited.  A child forked from a multithreaded process
 * holds copies of every lock as it was at fork(); if it calls anything
 * that takes one another thread held then, it waits forever.
 *
 * The watch scans /proc for children of the server's process and
 * remembers when each appeared.  One still running the parent's image
 * (same /proc/PID/exe and cmdline: it never exec'd) STUCK seconds after it
 * was first seen, and asleep on a lock (futex), is stuck. */
#ifndef RACELAB_CHILDREN_H
#define RACELAB_CHILDREN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct child_seen {
    pid_t pid;
    double first_seen;          /* now_mono() of the first scan that saw it */
    bool execd;                 /* seen with another image: not a suspect */
};

struct children_watch {
    pid_t parent;
    char *parent_exe, *parent_cmdline;
    size_t cmdline_len;
    struct child_seen *v;
    size_t n;
};

/* Starts watching PARENT's children (no-op watch if PARENT is gone). */
void children_watch_init(struct children_watch *w, pid_t parent);

/* One scan of /proc at time NOW (seconds, monotonic); cheap enough for the
 * runner's 100 ms watch loop. */
void children_scan(struct children_watch *w, double now);

/* The children alive now that never exec'd, were first seen at least
 * STUCK seconds before NOW and are asleep in futex() (every thread: a
 * lock; a child that sleeps, computes or serves is not stuck), as text
 * ("2 children of pid 123 never exec'd:
 * pid 130 (18.2 s) in __lll_lock_wait < pthread_mutex_lock <
 * accesslog_close < ..."), with the first one's stack from gdb when
 * WITH_STACK; NULL when there are none.  Malloc'd. */
char *children_stuck(struct children_watch *w, double now, double stuck,
                     bool with_stack);

void children_watch_free(struct children_watch *w);

#endif
