/* manifest.h - scenarios/<name>/manifest.ini, read with inih.
 * The format is the contract in docs/MANIFEST.md. */
#ifndef RACELAB_MANIFEST_H
#define RACELAB_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include "report/match.h"
#include "harness_util.h"
#include "detector.h"           /* TOOL_*, tool_names, tool_from_name */

enum { VARIANT_BUGGY, VARIANT_FIXED, VARIANT_COUNT };

extern const char *const variant_names[VARIANT_COUNT];
int variant_from_name(const char *name);        /* -1 if unknown */

/* [expect.<variant>.<tool>] */
struct expect_spec {
    bool present;
    unsigned kinds;             /* 1u << enum finding_kind */
    struct strvec at;           /* location names */
    char *rate;
    char *rate_source;          /* the racelab command, commit and date that
                                   measured rate */
    char *chaos;                /* --chaos the cell runs with unless the
                                   command line names one (rate is measured
                                   with it), or NULL */
    bool false_positive;
    int symptom;                /* -1 unset, 0 no, 1 yes */
};

struct scenario {
    char *name, *dir, *path;    /* folder name, folder, manifest path */
    char *title, *module, *bug_class, *concept;
    char *diagnosis;            /* the cause in one line (a spoiler) */
    char *contract_buggy;       /* fails | intermittent | passes */
    char *args, *load, *symptom, *symptom_description;
    /* racelab extensions (docs/MANIFEST.md, "Oracle thresholds"); <= 0 means
     * the harness default. */
    double slow_ms, memory_growth_mb, hang_seconds;
    struct location *locs;
    size_t nlocs;
    struct expect_spec expect[VARIANT_COUNT][TOOL_COUNT];
};

/* Symptom oracle names (docs/MANIFEST.md). */
bool symptom_known(const char *name);

/* Parses DIR/manifest.ini (REL names it in messages).  The scenario is
 * named after DIR's last component; [location.*] files are relative to DIR
 * and stored relative to the source tree ("scenarios/<name>/buggy.c").
 * Returns 0, or -1 with ERR set ("scenarios/x/manifest.ini:12:
 * [expect.buggy.tsan] kinds: unknown finding kind 'y'"). */
int scenario_load(struct scenario *s, const char *dir, const char *rel,
                  char *err, size_t errlen);
void scenario_free(struct scenario *s);

/* Loads every scenarios/x/manifest.ini under SOURCE, sorted by name.  A
 * folder whose manifest does not load is skipped with one warning on
 * stderr naming the file and line.  Returns the count, or -1 with ERR set
 * when scenarios/ itself cannot be read. */
int scenarios_load_all(const char *source, struct scenario **out,
                       char *err, size_t errlen);
void scenarios_free(struct scenario *s, size_t n);

/* The locations an expect section's `at` names (all of the scenario's
 * when `at` is empty); *N gets the count.  Returns a malloc'd array of
 * shallow copies (strings still belong to S): free() only the array. */
struct location *expect_locations(const struct scenario *s,
                                  const struct expect_spec *e, size_t *n);

#endif
