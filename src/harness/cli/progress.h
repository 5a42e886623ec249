/* progress.h - progress on stderr: a bar with ETA on a terminal, one plain
 * line per finished run otherwise (CI logs).  Thread-safe. */
#ifndef RACELAB_PROGRESS_H
#define RACELAB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include "report/result.h"

void progress_start(size_t total, bool quiet);
void progress_begin(const char *label);
/* Ends a run; for a failing run (finding, hang, crash, symptom) prints
 * REPRO, the command that repeats it, when REPRO is not NULL. */
void progress_end(const char *label, const struct run_record *rec,
                  const char *repro);
/* An extra run was skipped (its cell was decided): one fewer to go. */
void progress_skip(void);
void progress_finish(void);
/* Prints a line without tearing the bar. */
void progress_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
