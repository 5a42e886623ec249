/* cells.h - building cell_results from real captured findings, the way
 * the runner does (cell_result_add_run), for the summary and writer tests. */
#ifndef RACELAB_TEST_CELLS_H
#define RACELAB_TEST_CELLS_H

#include "testutil.h"
#include "result.h"

static inline void cell_init(struct cell_result *c, const char *scenario,
                             const char *variant, const char *tool,
                             unsigned kinds)
{
    memset(c, 0, sizeof *c);
    c->scenario = strdup(scenario);
    c->variant = variant ? strdup(variant) : NULL;
    c->tool = strdup(tool);
    c->executable = strdup("/tmp/prog");
    c->expect.known = variant != NULL;
    c->expect.kinds = kinds;
    c->runs = calloc(64, sizeof *c->runs);
}

/* Appends a run of SECONDS; its findings come from PATH (NULL: none),
 * parsed for TOOL, matched against LOCS. */
static inline void cell_add_run(struct cell_result *c, const char *path,
                                double seconds, double first,
                                const struct location *locs, size_t nlocs)
{
    struct run_record *r = &c->runs[c->nruns++];
    struct finding_list l;

    memset(r, 0, sizeof *r);
    r->outcome = RUN_CLEAN;
    r->exit_status = 0;
    r->seconds = seconds;
    r->first_finding_seconds = -1;
    r->seed = 1000 + c->nruns;
    finding_list_init(&l);
    if (path) {
        if (strcmp(c->tool, "tsan") == 0)
            parse_tsan(path, &l);
        else
            parse_vg(path, c->tool, &l);
        r->first_finding_seconds = first;
    }
    assert_int_equal(cell_result_add_run(c, r, &l, locs, nlocs, 3), 0);
    assert_int_equal(l.count, 0);
}

/* A stress cell (no manifest) with a run per log, judged; NULL: a clean
 * run. */
static inline void stress_cell(struct cell_result *c, const char *const *logs,
                               size_t n)
{
    cell_init(c, "prog", NULL, "tsan", 0);
    for (size_t i = 0; i < n; i++)
        cell_add_run(c, logs[i], 1.0, logs[i] ? 0.2 : -1, NULL, 0);
    cell_judge(c);
}

#endif
