/* check_show.h - what `racelab check` shows of its detector and oracle
 * runs (report/check_view.h) and its --html page: the glue cmd_check.c
 * calls, so that its own code stays a few hooks. */
#ifndef RACELAB_CHECK_SHOW_H
#define RACELAB_CHECK_SHOW_H

#include <stdbool.h>
#include "check.h"

struct strbuf;

/* Starts a check of FILE as MODULE's replacement for scenario SCEN (bug
 * class BUG_CLASS); CASE_ID when the check was asked for by a hunt case
 * (then nothing shown names the scenario, the module's file or the bug
 * class: the submission is called by its own file name). */
void check_show_begin(const char *file, const char *module, const char *scen,
                      const char *bug_class, const char *case_id);
/* "the submission" or "stats.c": how progress lines name the file. */
const char *check_show_file_name(void);
/* The evidence of the run JSON that `racelab run --json JSON` wrote for
 * CRITERION, appended to EV; the cells are kept for check_show_html().
 * False if JSON cannot be read. */
bool check_show_cell(const char *json, const char *criterion, struct strbuf *ev);
/* TEXT with what a hunt case must not show replaced (nothing outside a
 * case); malloc'd. */
char *check_show_scrub(const char *text);
/* Writes the --html page; 0 or -1 (error printed). */
int check_show_html(const char *path, const char *title, bool accepted, double score,
                    const char *reason, const struct criterion *cr);
void check_show_end(void);

#endif
