/* chaos.c - the strategies and the --wrap'd entry points.  See chaos.h. */
#include "chaos.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PCT_HORIZON 20000       /* change points fall in the first N points
                                   (unless the spec says steps=N) */
#define PCT_MAX_THREADS 64

static uint64_t splitmix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;            /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static double next_unit(uint64_t *s)
{
    return (double)(next_rand(s) >> 11) / 9007199254740992.0;
}

/* PCT change points: a function of the seed alone. */
static uint64_t change_point(const struct chaos_config *cfg, int i)
{
    return splitmix(cfg->seed * 31 + (uint64_t)i) %
           (cfg->steps ? cfg->steps : PCT_HORIZON);
}

void chaos_thread_init(struct chaos_thread *t, const struct chaos_config *cfg,
                       int index)
{
    t->index = index;
    t->rng = splitmix(cfg->seed ^ splitmix((uint64_t)index + 1)) | 1;
    /* PCT: initial priorities d .. d+n, a random permutation in effect. */
    t->priority = cfg->depth + (int)(next_rand(&t->rng) % PCT_MAX_THREADS);
}

long chaos_decide(struct chaos_thread *t, const struct chaos_config *cfg,
                  uint64_t global_point)
{
    switch (cfg->strategy) {
    case CHAOS_NONE:
    case CHAOS_DFS:         /* the controlled scheduler's only: not here */
        return 0;
    case CHAOS_RANDOM: {
        double u = next_unit(&t->rng);
        /* Starvation windows: for 1 point in 64 of the seed's windows, the
         * victim (thread index seed % 4) is held back hard. */
        uint64_t window = global_point / 256;
        if ((int)(cfg->seed % 4) == t->index % 4
            && splitmix(cfg->seed ^ window) % 8 == 0)
            return 1000;
        if (u < cfg->p / 8)
            return 1 + (long)(next_rand(&t->rng) % 200);
        if (u < cfg->p)
            return -1;
        return 0;
    }
    case CHAOS_PCT:
        for (int i = 0; i < cfg->depth - 1; i++)
            if (global_point == change_point(cfg, i))
                t->priority = cfg->depth - 1 - i;   /* below every initial one */
        /* Held back in proportion to how low it ranks: a thread of the
         * lowest initial priority waits longest. */
        if (t->priority < cfg->depth)
            return 200;
        return (long)((cfg->depth + PCT_MAX_THREADS - t->priority) * 2);
    }
    return 0;
}

/* --- runtime state -------------------------------------------------------- */

/* Everything is per thread: no shared variable, no atomic, nothing a race
 * detector could report or Helgrind mistake for a race (it models pthread
 * synchronization, not C11 atomics).  Each thread reads the environment
 * itself on its first sync point; its index is its thread id's offset from
 * the process id, which is 0, 1, 2... in creation order in a fresh process.
 * The PCT step counter is per thread too: change points count that
 * thread's own sync points, an approximation of PCT's global steps. */
static __thread struct chaos_config config;
static __thread struct chaos_thread self;
static __thread int state;      /* 0 unread, 1 on, 2 off */
static __thread uint64_t points;
static __thread int in_chaos;   /* no re-entry from nanosleep etc. */

void chaos_point(void)
{
    if (state == 2 || in_chaos)
        return;
    in_chaos = 1;
    if (state == 0) {
        if (chaos_spec_parse(getenv("RACELAB_CHAOS"), &config, NULL, 0) < 0
            || !(chaos_strategies[config.strategy].runtimes & CHAOS_IN_WRAP)
            || config.strategy == CHAOS_NONE) {
            state = 2;
            in_chaos = 0;
            return;
        }
        chaos_thread_init(&self, &config, (int)(gettid() - getpid()));
        state = 1;
    }
    long us = chaos_decide(&self, &config, points++);
    if (us < 0) {
        sched_yield();
    } else if (us > 0) {
        struct timespec ts = { .tv_sec = 0, .tv_nsec = us * 1000 };
        nanosleep(&ts, NULL);
    }
    in_chaos = 0;
}
