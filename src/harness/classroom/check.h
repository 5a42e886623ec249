/* check.h - what `racelab check` decides about one submission, shared with
 * `racelab grade` (which reads the JSON that check writes). */
#ifndef RACELAB_CHECK_H
#define RACELAB_CHECK_H

#include <stdbool.h>
#include <stdio.h>

/* Criteria and their weights (docs/teaching.md, "Grading").  A criterion
 * that cannot be decided here (no contract test for the module, a detector
 * not installed) is "n/a" and weighted out: the score is
 * 100 * (weights passed) / (weights available). */
enum criterion_id {
    CR_BUILD, CR_FUNCTIONAL, CR_CONTRACT, CR_ORACLES, CR_TSAN, CR_HELGRIND,
    CR_DRD, CR_COUNT
};
enum criterion_state { CR_PASS, CR_FAIL, CR_NA };

struct criterion {
    enum criterion_state state;
    char *evidence;             /* one or more lines */
};

extern const char *const criterion_names[CR_COUNT];   /* "build", ... */
extern const char *const criterion_titles[CR_COUNT];
extern const int criterion_weights[CR_COUNT];

struct paths;
/* The build cache: FLAG, else $RACELAB_CACHE_DIR, else BUILD/check-cache. */
char *check_cache_dir(const struct paths *p, const char *flag);
/* Builds the server's own objects for the flavors NEED (release, tsan,
 * valgrind) into CACHE; 0 or -1 (error printed). */
int check_prepare(const struct paths *p, const char *cache, const bool need[3]);

/* XML text and attributes (--junit, grades.xml) are escaped by the
 * report library's one escaper, rl_xml_escape() (report/result.h). */
#include "report/result.h"

#endif
