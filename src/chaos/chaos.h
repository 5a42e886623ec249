/* chaos.h - schedule perturbation at synchronization points and socket
 * calls, so that rare interleavings happen often.
 *
 * Every racelab-server executable is linked with -Wl,--wrap for the
 * functions below, so its calls go through chaos_point() first.  That works
 * in every flavor: under TSan, __real_pthread_mutex_lock is TSan's own
 * interceptor, so TSan still sees every lock.  For other programs,
 * librlchaos.so does the same through LD_PRELOAD (not for TSan-built
 * programs: TSan's interceptors are inside the executable and win).
 *
 * Configured by the environment, once, at the first sync point (the
 * grammar and every key: chaos_spec.h):
 *   RACELAB_CHAOS=random[:seed=N][:p=P]   yield with probability P (1/8),
 *       sleep up to 200 us with probability P/8, and now and then open a
 *       starvation window in which one victim thread sleeps 1 ms at every
 *       point (rr's chaos mode does the same to starve a thread).
 *   RACELAB_CHAOS=pct[:seed=N][:depth=D]  PCT (Burckhardt et al. 2010):
 *       each thread draws a random priority; D-1 change points, drawn
 *       among the first 20000 sync points (or K, steps=K), drop the
 *       running thread to the lowest priority.  Priorities are enforced approximately, by holding
 *       lower-priority threads back at sync points (a sleep that grows with
 *       how many threads outrank them); real threads cannot be stopped
 *       exactly, so PCT's probability bound is a guide, not a guarantee.
 * Unset or "none": every wrapper calls straight through.
 */
#ifndef RACELAB_CHAOS_H
#define RACELAB_CHAOS_H

#include <stdbool.h>
#include <stdint.h>

#include "chaos_spec.h"     /* the spec's grammar: chaos_spec_parse() */

/* The decision at one sync point, as a pure function of the state, so it
 * can be tested: how many microseconds thread THREAD_INDEX waits at its
 * POINT-th sync point under CFG (0 = go on, -1 = sched_yield()). */
struct chaos_thread {
    uint64_t rng;       /* xorshift state, seeded from seed and thread index */
    int index;          /* order in which threads first reached a point */
    int priority;       /* pct: higher runs first */
};
void chaos_thread_init(struct chaos_thread *t, const struct chaos_config *cfg,
                       int index);
long chaos_decide(struct chaos_thread *t, const struct chaos_config *cfg,
                  uint64_t global_point);

/* Called by the wrappers. */
void chaos_point(void);

#endif
