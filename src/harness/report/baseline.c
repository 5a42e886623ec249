/* baseline.c - findings against an earlier run's (--baseline FILE): new,
 * known, fixed.  It only sets those states; cell_judge() (summary.c)
 * reads them and decides. */
#include "result.h"
#include "report_util.h"

#include <stdio.h>
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

static enum baseline_match match_mode = BASELINE_MATCH_OBJECT;

void baseline_set_match(enum baseline_match m)
{
    match_mode = m;
}

/* Whether B has one of the racing sites SA[0..NA) (the same function
 * and file; an atomic access is its own site). */
static bool has_site(const struct finding *b, const struct finding_site *sa,
                     size_t na)
{
    struct finding_site *sb;
    size_t nb = finding_sites(b, NULL, &sb);
    bool shared = false;

    for (size_t i = 0; i < na && !shared; i++)
        for (size_t k = 0; k < nb && !shared; k++)
            shared = strcmp(sa[i].key, sb[k].key) == 0;
    free(sb);
    return shared;
}

/* The baseline race of B that F, a data race not in B by fingerprint,
 * repeats: the same object, and one of its two racing functions.  An
 * access that takes no lock races with every other access to its object,
 * so one unsynchronized statement shows as a family of pairs, most of
 * them rare; the family has one member in the baseline.  NULL if none. */
static const struct finding *related_race(const struct cell_result *b,
                                          const struct finding *f)
{
    char fo[600], bo[600];
    const struct finding *found = NULL;
    struct finding_site *fs;
    size_t nf;

    if (!b || match_mode != BASELINE_MATCH_OBJECT ||
        f->kind != FINDING_DATA_RACE || !finding_object(f, fo, sizeof fo))
        return NULL;
    nf = finding_sites(f, NULL, &fs);
    for (size_t i = 0; i < b->nfindings && !found; i++) {
        const struct finding *r = &b->findings[i].finding;

        if (r->kind == FINDING_DATA_RACE && finding_object(r, bo, sizeof bo) &&
            strcmp(fo, bo) == 0 && has_site(r, fs, nf))
            found = r;
    }
    free(fs);
    return found;
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
    dst->object = rl_strdup(f->object);
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

void cell_apply_baseline(struct cell_result *c, const struct cell_result *base,
                         size_t nbase)
{
    const struct cell_result *b = base_cell(c, base, nbase);

    for (size_t i = 0; i < c->baseline_fixed && c->fixed_findings; i++)
        finding_free(&c->fixed_findings[i]);
    free(c->fixed_findings);
    c->fixed_findings = NULL;
    c->baseline_new = c->baseline_known = c->baseline_fixed = 0;
    c->baseline_related = 0;
    c->baseline_used = true;
    for (size_t i = 0; i < c->nfindings; i++) {
        struct unique_finding *u = &c->findings[i];
        const struct finding *r = NULL;

        u->baseline_related[0] = '\0';
        if (has_fingerprint(b, u->finding.fingerprint) ||
            (r = related_race(b, &u->finding))) {
            u->baseline = BASELINE_KNOWN;
            c->baseline_known++;
            if (r) {
                snprintf(u->baseline_related, sizeof u->baseline_related,
                         "%s", r->fingerprint);
                c->baseline_related++;
            }
        } else {
            u->baseline = BASELINE_NEW;
            c->baseline_new++;
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

    cell_judge(c);      /* the verdict reads the states set here */
}
