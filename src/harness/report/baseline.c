/* baseline.c - findings against an earlier run's (--baseline FILE): new,
 * known, fixed, and the re-scoring that makes a gate fail for new
 * findings only. */
#include "result.h"
#include "report_util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *baseline_state_name(enum baseline_state b)
{
    switch (b) {
    case BASELINE_NONE: return "none";
    case BASELINE_NEW: return "new";
    case BASELINE_KNOWN: return "known";
    }
    return "none";
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static const struct cell_result *base_cell(const struct cell_result *c,
                                           const struct cell_result *base,
                                           size_t nbase)
{
    for (size_t i = 0; i < nbase; i++)
        if (same(base[i].scenario, c->scenario) &&
            same(base[i].variant, c->variant) && same(base[i].tool, c->tool))
            return &base[i];
    return NULL;
}

static bool has_fingerprint(const struct cell_result *c, const char *fp)
{
    for (size_t i = 0; c && i < c->nfindings; i++)
        if (strcmp(c->findings[i].finding.fingerprint, fp) == 0)
            return true;
    return false;
}

/* A deep copy of F for fixed_findings. */
static int finding_copy(struct finding *dst, const struct finding *f)
{
    memset(dst, 0, sizeof *dst);
    dst->tool = rl_strdup(f->tool);
    dst->kind = f->kind;
    dst->summary = rl_strdup(f->summary);
    memcpy(dst->fingerprint, f->fingerprint, sizeof dst->fingerprint);
    dst->stacks = calloc(f->nstacks + 1, sizeof *dst->stacks);
    if (!dst->stacks)
        return -1;
    for (size_t i = 0; i < f->nstacks; i++) {
        const struct stack *s = &f->stacks[i];
        struct stack *d = &dst->stacks[dst->nstacks++];

        d->role = rl_strdup(s->role);
        d->thread = s->thread;
        d->context = s->context;
        d->locks_held = calloc(s->nlocks + 1, sizeof *d->locks_held);
        d->frames = calloc(s->nframes + 1, sizeof *d->frames);
        if (!d->locks_held || !d->frames)
            return -1;
        for (size_t k = 0; k < s->nlocks; k++)
            d->locks_held[d->nlocks++] = rl_strdup(s->locks_held[k]);
        for (size_t k = 0; k < s->nframes; k++) {
            d->frames[k].function = rl_strdup(s->frames[k].function);
            d->frames[k].file = rl_strdup(s->frames[k].file);
            d->frames[k].line = s->frames[k].line;
            d->nframes++;
        }
    }
    return 0;
}

static void verdict_printf(struct cell_result *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void verdict_printf(struct cell_result *c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    free(c->verdict);
    c->verdict = rl_strdup(buf);
}

static bool runs_broke(const struct cell_result *c)
{
    if (c->hangs || c->crashes || (c->symptom_runs && !c->expect.symptom))
        return true;
    for (size_t i = 0; i < c->nruns; i++)
        if (c->runs[i].oracles)
            return true;
    return false;
}

/* Cells in which any finding is a failure (as opposed to buggy cells that
 * are meant to show one). */
static bool expects_none(const struct cell_result *c)
{
    return !c->expect.known || rl_cell_is_fixed(c) || c->expect.kinds == 0;
}

void cell_apply_baseline(struct cell_result *c, const struct cell_result *base,
                         size_t nbase)
{
    const struct cell_result *b = base_cell(c, base, nbase);
    char *old;
    size_t bad_new = 0;

    for (size_t i = 0; i < c->baseline_fixed && c->fixed_findings; i++)
        finding_free(&c->fixed_findings[i]);
    free(c->fixed_findings);
    c->fixed_findings = NULL;
    c->baseline_new = c->baseline_known = c->baseline_fixed = 0;
    c->baseline_used = true;
    for (size_t i = 0; i < c->nfindings; i++) {
        struct unique_finding *u = &c->findings[i];

        if (has_fingerprint(b, u->finding.fingerprint)) {
            u->baseline = BASELINE_KNOWN;
            c->baseline_known++;
        } else {
            u->baseline = BASELINE_NEW;
            c->baseline_new++;
            if (!unique_finding_is_tp(c, u) && !u->expected_false_positive)
                bad_new++;
        }
    }
    if (b && b->nfindings) {
        c->fixed_findings = calloc(b->nfindings, sizeof *c->fixed_findings);
        for (size_t i = 0; c->fixed_findings && i < b->nfindings; i++) {
            const struct finding *f = &b->findings[i].finding;

            if (has_fingerprint(c, f->fingerprint))
                continue;
            if (finding_copy(&c->fixed_findings[c->baseline_fixed], f) < 0) {
                finding_free(&c->fixed_findings[c->baseline_fixed]);
                break;
            }
            c->baseline_fixed++;
        }
    }

    /* Re-score (see result.h). */
    if (c->status == CELL_FAIL && c->nfindings && c->baseline_new == 0 &&
        expects_none(c) && !runs_broke(c)) {
        c->status = c->merge_partial ? CELL_INCONCLUSIVE : CELL_PASS;
        verdict_printf(c, "%s%s%sonly known findings: %zu unique, all in the "
                       "baseline, in %zu/%zu runs",
                       c->merge_partial ? "partial merge (" : "",
                       c->merge_partial ? c->merge_partial : "",
                       c->merge_partial ? "): " : "", c->nfindings,
                       c->finding_runs, c->nruns - c->env_errors);
    } else if (c->status == CELL_PASS && bad_new) {
        c->status = CELL_FAIL;
        verdict_printf(c, "%zu new finding(s) not in the baseline (was: %s)",
                       bad_new, c->verdict ? c->verdict : "pass");
    }
    old = c->verdict;
    c->verdict = NULL;
    verdict_printf(c, "%s [baseline: %zu new, %zu known, %zu fixed]",
                   old ? old : "", c->baseline_new, c->baseline_known,
                   c->baseline_fixed);
    free(old);
}
