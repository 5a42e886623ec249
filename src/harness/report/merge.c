/* merge.c - shards into one set of cells (racelab merge), and the notes a
 * gate adds to a verdict: the confidence guarantee, intermittent
 * findings, suppressed reports. */
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
    m->nruns = 0;
    /* Stable enough: seeds are distinct per run of a cell (base + i). */
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

bool unique_finding_is_intermittent(const struct cell_result *c,
                                    const struct unique_finding *u)
{
    return u->runs_seen < c->nruns - c->env_errors;
}

static void append(struct cell_result *c, const char *text)
{
    size_t a = c->verdict ? strlen(c->verdict) : 0, b = strlen(text);
    char *v = malloc(a + b + 3);

    if (!v)
        return;
    snprintf(v, a + b + 3, "%s%s%s", c->verdict ? c->verdict : "",
             a ? "; " : "", text);
    free(c->verdict);
    c->verdict = v;
}

/* "95%", "99.9%" */
static void percent(char *buf, size_t len, double p)
{
    snprintf(buf, len, "%.6g%%", 100.0 * p);
}

void cell_annotate(struct cell_result *c)
{
    size_t valid = c->nruns - c->env_errors;
    char buf[1024], pc[32];

    c->suppressed = 0;
    for (size_t i = 0; i < c->nruns; i++)
        c->suppressed += c->runs[i].suppressed;

    free(c->guarantee);
    c->guarantee = NULL;
    if (c->min_rate > 0 && c->confidence > 0 && c->status != CELL_ERROR) {
        size_t need = runs_for_confidence(c->min_rate, c->confidence);

        percent(pc, sizeof pc, c->confidence);
        size_t first = 0;
        /* What the tool could have seen: without a detector (tool none)
         * only a crash or a hang shows, never a race. */
        bool detector = !c->tool || strcmp(c->tool, "none") != 0;
        const char *seen = detector ? "race" : "crash or hang";
        const char *why = detector ? "" : " (tool none: races are not detected)";

        while (first < c->nruns && c->runs[first].nfindings == 0 &&
               c->runs[first].outcome != RUN_FINDING)
            first++;
        if (c->detected_runs || c->finding_runs)
            snprintf(buf, sizeof buf, "found at run %zu of %zu: no guarantee "
                     "needed", first + 1, need);
        else if (valid >= need)
            snprintf(buf, sizeof buf, "no %s with per-run rate >= %g at "
                     "%s: %zu runs%s", seen, c->min_rate, pc, valid, why);
        else {
            char got[32];

            percent(got, sizeof got, 1.0 - pow(1.0 - c->min_rate, (double)valid));
            snprintf(buf, sizeof buf, "no %s with per-run rate >= %g at "
                     "%s only: %zu runs of the %zu needed for %s%s", seen,
                     c->min_rate, got, valid, need, pc, why);
        }
        c->guarantee = rl_strdup(buf);
        append(c, buf);
    }
    for (size_t i = 0; i < c->nfindings; i++) {
        const struct unique_finding *u = &c->findings[i];

        if (!unique_finding_is_intermittent(c, u))
            continue;
        char label[768];

        finding_label(&u->finding, label, sizeof label);
        snprintf(buf, sizeof buf, "intermittent: %s %s [%s] in %zu/%zu runs "
                 "(%.0f%%)", finding_kind_name(u->finding.kind),
                 label + strcspn(label, ":") + 1,
                 u->finding.fingerprint, u->runs_seen, valid,
                 valid ? 100.0 * (double)u->runs_seen / (double)valid : 0.0);
        append(c, buf);
    }
}

void cell_note_suppressed(struct cell_result *c, const char *file)
{
    char buf[512];

    if (!c->suppressed)
        return;
    snprintf(buf, sizeof buf, "%zu report(s) suppressed (%s)", c->suppressed,
             file ? file : "suppressions");
    append(c, buf);
}
