/* sched_detect.h - what the runner needs to know about programs built for
 * the controlled scheduler (racelab cc, src/sched).  binary_has_sched() is
 * in cli.h. */
#ifndef RACELAB_SCHED_DETECT_H
#define RACELAB_SCHED_DETECT_H

#include <stdbool.h>
#include "harness_util.h"

/* The runtime's exit status for a deadlock: RLSCHED_EXIT_DEADLOCK, defined
 * once, in src/sched/rlsched.h (the runtime exits with it). */
#include "rlsched.h"

/* After a sched program's run in TMPDIR ended with wait STATUS: a deadlock
 * exit, or dfs's exit for a schedule that never ended, becomes a hang
 * (returns true) whose *HANG_REPORT is the runtime's report from
 * TMPDIR/stderr; any failing run gets its schedule
 * (TMPDIR/sched.log, RACELAB_SCHED_LOG) quoted in ORACLES.  FIRED and
 * ORACLES are the runner's oracle list and detail text. */
bool sched_run_verdict(int status, const char *tmpdir, char **hang_report,
                       struct strbuf *oracles, struct strvec *fired);

/* Runs ARGV (a racelab cc program that exercises itself) once, unperturbed
 * and silent, for at most TIMEOUT seconds, so that its runtime measures
 * PCT's step count k (docs/CHAOS.md) before the real runs: then every run,
 * the first ones included, draws its change points over the measured k,
 * and any failing seed repeats with --seed.  Skipped when ARGV uses {tmp}
 * or {port}.  A no-op if k is already measured (the runtime keeps the
 * first measurement). */
/* The runtime's exploration verdict from TMPDIR/stderr ("rlsched: dfs:
 * all N schedules ... explored: no failure ...", or the failing schedule's
 * line), without the prefix; NULL if the run did not explore. */
char *sched_bound_line(const char *tmpdir);

void sched_measure_steps(const struct strvec *argv, double timeout);

#endif
