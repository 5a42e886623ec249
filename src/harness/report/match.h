/* match.h - deciding whether a finding is at a scenario's known locations. */
#ifndef RACELAB_MATCH_H
#define RACELAB_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include "finding.h"

struct location {
    char *name;         /* manifest section suffix, e.g. "lru-write" */
    char *file;         /* path relative to the source tree */
    int line;
    char *function;
    char *access;       /* read | write | lock | unlock | create | call */
    char *lock;
};

/* True when some access stack of F has, among its top DEPTH frames of
 * program code, a frame whose file ends with loc->file (compared at a
 * path-component boundary) and whose line equals loc->line, for at least
 * one of the NLOCS locations.  DEPTH 0 means every frame; a location with
 * line 0 matches any line of its file; a leading "./" in loc->file is
 * ignored.  Frames of tool interceptors and wrappers, frames without a
 * source file and the C library's own frames do not count toward DEPTH.
 * Background stacks (where a thread, mutex or block was created, DRD's
 * other segment) never place a finding, unless it has nothing else (a
 * thread leak). */
bool finding_at_locations(const struct finding *f, const struct location *locs,
                          size_t nlocs, size_t depth);

#endif
