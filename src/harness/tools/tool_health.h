/* tool_health.h - did the detector really run?  A verdict of "clean" is
 * only worth something if TSan's runtime or Valgrind did their work; these
 * read a run's files for the tool's own failure and quote its words. */
#ifndef RACELAB_TOOL_HEALTH_H
#define RACELAB_TOOL_HEALTH_H

#include <stdbool.h>

/* TSan runtime failures in RUNDIR/stderr or RUNDIR/tsan.*: "CHECK failed",
 * "FATAL: ThreadSanitizer ...".  Returns the tool's line (malloc'd), or
 * NULL when there is none. */
char *tsan_runtime_failure(const char *rundir);

/* Valgrind failures: its own error lines in RUNDIR/stderr (an unknown
 * option, a missing suppression file, an internal assertion, "the
 * 'impossible' happened"), or, when FINISHED (valgrind exited by itself or
 * on our SIGTERM, not SIGKILL), an XML file RUNDIR/vg.xml that is missing
 * or was never closed.  Returns a quote (malloc'd), or NULL. */
char *valgrind_failure(const char *rundir, bool finished);

#endif
