/* check_view.h - what `racelab check` shows a student of its detector and
 * oracle runs: the cells of a child `racelab run --json`, read back
 * (read_json), told in terms of the student's own file.  A race names its
 * two access sites with their source lines and the locks each side held
 * (by the variable's name where the source says it); creation and
 * allocation sites are context, never a third party; no ":0" lines, no
 * scenario or variant names, no fingerprints, nothing cut mid-word. */
#ifndef RACELAB_CHECK_VIEW_H
#define RACELAB_CHECK_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include "result.h"

struct check_view {
    const char *module_file;    /* "cache.c": the name the submission was
                                   built under; frames in a file of that
                                   name are the student's */
    const char *label;          /* what to call it: "your cache.c" */
    const char *shown_name;     /* the file name shown in sites: "cache.c",
                                   or the submission's own name for a hunt
                                   case, which must not name the module */
    const char *student_path;   /* the submission, for source lines */
    const char *const *hide;    /* strings never to print (scenario name,
                                   executable paths...), NULL-terminated;
                                   may be NULL */
};

/* Rewrites C for V: frames in the module's file point at V->student_path,
 * lock ids ("write M3") get the variable's name ("cache_lock (M3,
 * write)") from the line where the mutex was created or first locked. */
void check_view_prepare(struct cell_result *c, const struct check_view *v);

/* A hang report of C for the student: no executable path or hidden
 * string, and MODULE.c:LINE (whatever its directory) as the student's
 * file, so that the page can quote its lines.  Malloc'd. */
char *check_view_hang_report(const char *rep, const struct cell_result *c,
                             const struct check_view *v);

/* The evidence text of one detector/oracle cell (prepared): a one-line
 * summary, the distinct findings (at most MAX, then a count), each run that
 * was not clean, and each hang's wait-for cycle.  Malloc'd. */
char *check_view_evidence(const struct cell_result *c, const struct check_view *v,
                          size_t max);

/* S with every string of V->hide replaced by REPL, a source file's path
 * cut to its name (".../check-cache/core-3ac6.../src/server/server.c:272"
 * -> "server.c:272": racelab's own directories tell a student nothing), and
 * "X: X: " doubled prefixes collapsed.  Malloc'd. */
char *check_view_scrub(const char *s, const struct check_view *v, const char *repl);

/* Up to MAX bytes of S cut at a line end, or else a word boundary, with
 * " [...]" when cut; from the end (TAIL) or the start.  Malloc'd. */
char *check_view_clip(const char *s, size_t max, bool tail);

/* One criterion of a check, for the HTML page. */
struct check_criterion_view {
    const char *name, *title, *state, *evidence;
    int weight;
};
struct check_page {
    const char *title;          /* "racelab check ID FILE" */
    bool accepted;
    double score;
    const char *reason;
    const struct check_criterion_view *criteria;
    size_t ncriteria;
    const struct cell_result *cells;   /* prepared, one per tool run */
    const char *const *cell_criterion; /* the criterion of each cell */
    size_t ncells;
    const struct check_view *view;
};
/* The verdict as a self-contained HTML page: the criteria with their
 * evidence, then per detector its findings (the two sites side by side
 * with source excerpts and locks held) and hangs (the wait-for cycle
 * drawn).  0, or -1 with ERR. */
int write_check_html(const char *path, const struct check_page *pg, char *err,
                     size_t errlen);

#endif
