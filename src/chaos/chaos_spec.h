/* chaos_spec.h - the one grammar of a schedule spec: `--chaos SPEC`,
 * `RACELAB_CHAOS=SPEC` and a manifest's `chaos = SPEC`.
 *
 * One parser, chaos_spec_parse(), compiled into the harness (racelab),
 * the chaos wrappers (racelab_chaos, librlchaos.so) and the controlled
 * scheduler's runtime (librlsched.a).  It uses libc only, allocates
 * nothing and keeps no state, so it is safe in a preload library before
 * main() and inside the scheduler (built uninstrumented).
 *
 *   SPEC := STRATEGY { ":" KEY "=" VALUE }
 *
 * Adding a strategy or a key is one line below; the parser, the error
 * messages, `racelab run|stress --help` and the struct field follow.
 * docs/CHAOS.md lists the same table (a unit test compares the two).
 */
#ifndef RACELAB_CHAOS_SPEC_H
#define RACELAB_CHAOS_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which runtime implements a strategy: the chaos wrappers (chaos.c:
 * -Wl,--wrap objects and librlchaos.so) and/or the controlled scheduler
 * (src/sched, programs built by `racelab cc`). */
#define CHAOS_IN_WRAP  1u
#define CHAOS_IN_SCHED 2u

/* CHAOS_STRATEGY(name, NAME, runtimes, help): enum value CHAOS_<NAME>. */
#define CHAOS_STRATEGIES(X)                                                  \
    X(none,   NONE,   CHAOS_IN_WRAP | CHAOS_IN_SCHED,                        \
      "no perturbation (the scheduler: serialized round robin)")             \
    X(random, RANDOM, CHAOS_IN_WRAP | CHAOS_IN_SCHED,                        \
      "switch (wrappers: yield or sleep) with probability p")                \
    X(pct,    PCT,    CHAOS_IN_WRAP | CHAOS_IN_SCHED,                        \
      "PCT: random priorities, depth-1 change points over k steps")          \
    X(dfs,    DFS,    CHAOS_IN_SCHED,                                        \
      "every schedule up to a bound of preemptions or delays, in order")

enum chaos_strategy {
#define CHAOS_X_(name, NAME, where, help) CHAOS_##NAME,
    CHAOS_STRATEGIES(CHAOS_X_)
#undef CHAOS_X_
};
/* Not an enumerator, so a switch over the strategies needs no default
 * and the compiler names a strategy it misses. */
enum {
#define CHAOS_X_(name, NAME, where, help) + 1
    CHAOS_STRATEGY_COUNT = 0 CHAOS_STRATEGIES(CHAOS_X_)
#undef CHAOS_X_
};

/* Strategy masks for the key table. */
#define CHAOS_S(NAME) (1u << CHAOS_##NAME)
#define CHAOS_S_ALL ((1u << CHAOS_STRATEGY_COUNT) - 1)

/* CHAOS_KEY(name, strategies, type, min, max, default, meta, help).
 * type U64 and INT: an integer in [min, max]; REAL: a number in (min, max];
 * WORD: one of the words of meta ("all|races|sync"), as its index; TEXT:
 * up to 191 characters of [0-9@,] (a forced schedule).
 * A key a strategy does not take is refused ("unknown key 'p' for pct").
 * steps is taken by every strategy because the scheduler prints it in
 * every "to repeat" line; only pct uses it. */
#define CHAOS_KEYS(X)                                                        \
    X(seed,  CHAOS_S_ALL,      U64,  0, UINT64_MAX, 1,     "N",              \
      "seed of every decision (racelab adds the run's seed if absent)")      \
    X(p,     CHAOS_S(RANDOM),  REAL, 0, 1,          0.125, "P",              \
      "probability of a switch at a synchronization point")                  \
    X(depth, CHAOS_S(PCT),     INT,  1, 16,         3,     "D",              \
      "bug depth d: d-1 priority change points")                             \
    X(steps, CHAOS_S_ALL & ~CHAOS_S(DFS), U64, 1, UINT64_MAX, 0, "K",        \
      "k, the steps PCT draws change points over (scheduler: measured; "     \
      "wrappers: 20000 sync points)")                                        \
    X(points, CHAOS_S(RANDOM) | CHAOS_S(PCT) | CHAOS_S(DFS), WORD, 0, 2, 0,  \
      "all|races|sync", "scheduler only: where a thread may be switched "    \
      "(every access, the accesses of a racing pair found first, or "        \
      "synchronization only; dfs: races)")                                   \
    X(detect, CHAOS_S(RANDOM) | CHAOS_S(PCT) | CHAOS_S(DFS), INT, 1, 100000, \
      12, "N", "scheduler only, points=races: runs of the race-finding "     \
      "phase")                                                               \
    X(preemptions, CHAOS_S(DFS), INT, 0, 64, 2, "P",                         \
      "dfs: every schedule with at most P preemptions")                     \
    X(delays, CHAOS_S(DFS),    INT,  0, 64,         0,     "D",              \
      "dfs: bound delays instead of preemptions")                            \
    X(max,   CHAOS_S(DFS),     U64,  1, UINT64_MAX, 100000, "N",             \
      "dfs: stop after N schedules")                                         \
    X(jobs,  CHAOS_S(DFS),     INT,  1, 64,         1,     "N",              \
      "dfs: run N schedules at once (the same schedules, order and "        \
      "verdict as 1)")                                                       \
    X(timeout, CHAOS_S(DFS),   INT,  1, 86400,      10,    "S",              \
      "dfs: a schedule still running after S seconds never ends: it is "    \
      "killed and reported (default: 10, or 10 times the longest so far)")   \
    X(force, CHAOS_S(DFS),     TEXT, 0, 0,          0,     "POINT@TID,...",  \
      "dfs: run the one schedule a failing run printed")

#define CHAOS_CTYPE_U64  uint64_t
#define CHAOS_CTYPE_INT  int
#define CHAOS_CTYPE_REAL double
#define CHAOS_CTYPE_WORD int
typedef struct { char s[192]; } chaos_text;
#define CHAOS_CTYPE_TEXT chaos_text

enum chaos_key {
#define CHAOS_X_(name, strat, type, min, max, def, meta, help) CHAOS_KEY_##name,
    CHAOS_KEYS(CHAOS_X_)
#undef CHAOS_X_
    CHAOS_KEY_COUNT
};

/* A parsed spec: one field per key (its default unless given). */
struct chaos_config {
    enum chaos_strategy strategy;
#define CHAOS_X_(name, strat, type, min, max, def, meta, help) CHAOS_CTYPE_##type name;
    CHAOS_KEYS(CHAOS_X_)
#undef CHAOS_X_
    unsigned given;             /* bit CHAOS_KEY_x: the spec named key x */
};

/* The tables, for help text and docs. */
struct chaos_key_info {
    const char *name, *meta, *help, *type;
    unsigned strategies;        /* mask of CHAOS_S() */
    double min, max;            /* UINT64_MAX as a double for "no bound" */
};
struct chaos_strategy_info {
    const char *name, *help;
    unsigned runtimes;          /* CHAOS_IN_WRAP | CHAOS_IN_SCHED */
};
extern const struct chaos_key_info chaos_keys[CHAOS_KEY_COUNT];
extern const struct chaos_strategy_info chaos_strategies[CHAOS_STRATEGY_COUNT];

/* Parses SPEC into OUT (defaults first).  NULL or "" is "none".  Returns
 * 0, or -1 with the reason in ERR (when not NULL), which names the
 * strategy or the key: "unknown key 'steps' for random (keys: seed, p)",
 * "depth=0: expected an integer from 1 to 16".  Every part of racelab
 * prints that same text after its own prefix ("--chaos: ",
 * "rlsched: RACELAB_CHAOS=...: "). */
int chaos_spec_parse(const char *spec, struct chaos_config *out,
                     char *err, size_t errlen);

/* "random[:seed=N][:p=P][:steps=K]" for one strategy, into BUF; returns
 * the length snprintf would have written. */
int chaos_spec_grammar(enum chaos_strategy s, char *buf, size_t n);

#endif
