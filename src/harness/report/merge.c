/* merge.c - shards into one set of cells (racelab merge), and the runs a
 * confidence needs.  The merged cells are judged by cell_judge()
 * (summary.c), which reads their merge state (merge_partial, set by
 * racelab merge --allow-partial from the shard ledger, gate/shards.c). */
#include "result.h"
#include "report_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int cmp_seed(const void *a, const void *b)
{
    const struct run_record *x = a, *y = b;

    return x->seed < y->seed ? -1 : x->seed > y->seed;
}

/* Moves M's runs and findings into C. */
static int merge_into(struct cell_result *c, struct cell_result *m)
{
    struct run_record *runs = realloc(c->runs, (c->nruns + m->nruns + 1) *
                                               sizeof *runs);
    struct unique_finding *fs;

    if (!runs)
        return -1;
    c->runs = runs;
    memcpy(c->runs + c->nruns, m->runs, m->nruns * sizeof *runs);
    c->nruns += m->nruns;
    c->total_runs += m->total_runs;
    m->nruns = m->total_runs = 0;
    /* Stable enough: seeds are distinct per run of a cell (base + i). */
    if (c->nruns > 1)   /* no runs: no array (qsort(NULL) is UB) */
        qsort(c->runs, c->nruns, sizeof *c->runs, cmp_seed);

    fs = realloc(c->findings, (c->nfindings + m->nfindings + 1) * sizeof *fs);
    if (!fs)
        return -1;
    c->findings = fs;
    for (size_t i = 0; i < m->nfindings; i++) {
        struct unique_finding *u = &m->findings[i], *into = NULL;

        for (size_t k = 0; k < c->nfindings && !into; k++)
            if (strcmp(c->findings[k].finding.fingerprint,
                       u->finding.fingerprint) == 0)
                into = &c->findings[k];
        if (into) {
            into->runs_seen += u->runs_seen;
            into->true_positive |= u->true_positive;
            into->expected_false_positive |= u->expected_false_positive;
            finding_free(&u->finding);
        } else {
            c->findings[c->nfindings++] = *u;
        }
        memset(u, 0, sizeof *u);
    }
    m->nfindings = 0;
    return 0;
}

int cells_merge(struct cell_result **cells, size_t *n,
                struct cell_result *more, size_t nmore)
{
    for (size_t i = 0; i < nmore; i++) {
        struct cell_result *m = &more[i], *into = NULL, *grown;

        for (size_t k = 0; k < *n && !into; k++)
            if (same((*cells)[k].scenario, m->scenario) &&
                same((*cells)[k].variant, m->variant) &&
                same((*cells)[k].tool, m->tool))
                into = &(*cells)[k];
        if (into) {
            if (merge_into(into, m) < 0)
                return -1;
            if (into->min_rate <= 0 && m->min_rate > 0) {
                into->min_rate = m->min_rate;
                into->confidence = m->confidence;
            }
            cell_result_free(m);
            continue;
        }
        grown = realloc(*cells, (*n + 2) * sizeof *grown);
        if (!grown)
            return -1;
        *cells = grown;
        (*cells)[(*n)++] = *m;
        memset(m, 0, sizeof *m);
    }
    return 0;
}

size_t runs_for_confidence(double min_rate, double confidence)
{
    if (min_rate <= 0 || confidence <= 0)
        return 0;
    if (min_rate >= 1)
        return 1;
    if (confidence >= 1)
        confidence = 0.999999;
    return (size_t)ceil(log(1.0 - confidence) / log(1.0 - min_rate) - 1e-9);
}
