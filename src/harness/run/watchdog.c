/* watchdog.c - deadlock detection by sampling /proc: every thread asleep
 * in futex(), no CPU time spent, for a window of seconds. */
#include "watchdog.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

/* The syscall a sleeping task sits in (/proc/PID/task/TID/syscall: "202
 * 0x... ..."), -1 when running or unknown. */
static long task_syscall(pid_t pid, const char *tid)
{
    char path[320], buf[64];
    FILE *f;
    long nr = -1;

    snprintf(path, sizeof path, "/proc/%d/task/%s/syscall", (int)pid, tid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    if (fgets(buf, sizeof buf, f) && strncmp(buf, "running", 7) != 0)
        nr = strtol(buf, NULL, 10);
    fclose(f);                  /* read only */
    return nr;
}

/* State letter and utime+stime of a task from /proc/PID/task/TID/stat. */
static char task_state(pid_t pid, const char *tid, unsigned long long *ticks)
{
    char path[320], buf[1024], *p;
    FILE *f;
    unsigned long long ut = 0, st = 0;
    char state = '?';

    snprintf(path, sizeof path, "/proc/%d/task/%s/stat", (int)pid, tid);
    f = fopen(path, "r");
    if (!f)
        return '?';
    if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) != NULL &&
        sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &state, &ut, &st) == 3)
        *ticks += ut + st;
    fclose(f);                  /* read only */
    return state;
}

bool thread_sample(pid_t pid, struct thread_sample *s)
{
    char path[64];
    DIR *d;
    struct dirent *de;

    memset(s, 0, sizeof *s);
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (!d)
        return false;
    while ((de = readdir(d)) != NULL) {
        char state;
        long nr;

        if (de->d_name[0] == '.')
            continue;
        state = task_state(pid, de->d_name, &s->cpu_ticks);
        if (state == '?')
            continue;           /* exited between readdir and open */
        s->threads++;
        nr = state == 'S' || state == 'D' ? task_syscall(pid, de->d_name) : -1;
        if (nr == SYS_futex)
            s->futex_waits++;
        else if (nr == SYS_nanosleep || nr == SYS_clock_nanosleep)
            s->timed_sleeps++;
        else if (nr == SYS_rt_sigtimedwait || nr == SYS_rt_sigsuspend
#ifdef SYS_pause
                 || nr == SYS_pause
#endif
                 )
            s->signal_waits++;
        else
            s->other++;
    }
    closedir(d);     /* EBADF only: nothing to lose */
    return s->threads > 0;
}

bool thread_sample_blocked(const struct thread_sample *s, bool allow_timer,
                           bool after_term)
{
    if (s->threads == 0 || s->futex_waits == 0 || s->other > 0 ||
        (s->signal_waits > 0 && !after_term))
        return false;
    return s->timed_sleeps == 0 || (allow_timer && s->timed_sleeps == 1);
}

void block_watch_init(struct block_watch *w, double window)
{
    w->window = window;
    w->since = -1;
    w->ticks = 0;
    w->last_sample = -1;
}

bool block_watch_update(struct block_watch *w, const struct thread_sample *s,
                        bool blocked, double now)
{
    /* CPU progress (beyond a tick of sampling noise) ends a stretch too:
     * futex-based spin-then-sleep locks under contention are not stuck. */
    if (!blocked || (w->since >= 0 && s->cpu_ticks > w->ticks + 1)) {
        w->since = -1;
        return false;
    }
    if (w->since < 0) {
        w->since = now;
        w->ticks = s->cpu_ticks;
    }
    return now - w->since >= w->window;
}

bool block_watch_poll(struct block_watch *w, pid_t pid, bool allow_timer,
                      bool after_term, double now, struct thread_sample *s)
{
    if (w->last_sample >= 0 && now - w->last_sample < BLOCK_WATCH_PERIOD)
        return false;
    w->last_sample = now;
    if (!thread_sample(pid, s))
        return false;
    return block_watch_update(w, s, thread_sample_blocked(s, allow_timer,
                                                           after_term), now);
}
