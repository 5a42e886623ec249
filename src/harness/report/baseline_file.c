/* baseline_file.c - the reviewable baseline (see baseline_file.h): one
 * entry per race, written sorted one per line, read back into cells for
 * cell_apply_baseline(), and merged by `racelab baseline update`. */
#include "baseline_file.h"
#include "report_util.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BASELINE_VERSION 2

/* One race of a baseline. */
struct entry {
    char *scenario, *variant, *tool;
    char fingerprint[17];
    char *kind;
    json_t *sites;          /* array of strings, owned */
    char *object;           /* finding_object(), may be NULL */
    char first_seen[16];
    char *sortkey;          /* cell, then kind and sites */
};

struct entries {
    struct entry *v;
    size_t n, cap;
};

static void entries_free(struct entries *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->v[i].scenario);
        free(e->v[i].variant);
        free(e->v[i].tool);
        free(e->v[i].kind);
        free(e->v[i].object);
        free(e->v[i].sortkey);
        json_decref(e->v[i].sites);
    }
    free(e->v);
    memset(e, 0, sizeof *e);
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct entry *entries_find(struct entries *e, const char *scenario,
                                  const char *variant, const char *tool,
                                  const char *fp)
{
    for (size_t i = 0; i < e->n; i++)
        if (same(e->v[i].scenario, scenario) && same(e->v[i].variant, variant)
            && same(e->v[i].tool, tool) && strcmp(e->v[i].fingerprint, fp) == 0)
            return &e->v[i];
    return NULL;
}

/* Appends an entry (strings copied, SITES taken).  0 or -1. */
static int entries_add(struct entries *e, const char *scenario,
                       const char *variant, const char *tool, const char *fp,
                       const char *kind, json_t *sites, const char *object,
                       const char *first_seen)
{
    struct entry *x;
    char *dumped;

    if (rl_reserve(&e->v, &e->cap, e->n + 1, sizeof *e->v) < 0) {
        json_decref(sites);
        return -1;
    }
    x = &e->v[e->n++];
    memset(x, 0, sizeof *x);
    x->scenario = rl_strdup(scenario);
    x->variant = rl_strdup(variant);
    x->tool = rl_strdup(tool);
    snprintf(x->fingerprint, sizeof x->fingerprint, "%s", fp);
    x->kind = rl_strdup(kind);
    x->sites = sites;
    x->object = rl_strdup(object);
    snprintf(x->first_seen, sizeof x->first_seen, "%s", first_seen);
    dumped = json_dumps(sites, JSON_COMPACT);
    if (asprintf(&x->sortkey, "%s\t%s\t%s\t%s\t%s\t%s", scenario ? scenario : "",
                 variant ? variant : "", tool ? tool : "", kind ? kind : "",
                 dumped ? dumped : "", fp) < 0)
        x->sortkey = NULL;
    free(dumped);
    return x->sortkey && x->scenario && x->tool && x->kind ? 0 : -1;
}

/* The sites of F as a baseline shows them: "fn@path(W)", paths relative
 * to ROOT. */
static json_t *sites_json(const struct finding *f, const char *root)
{
    struct finding_site *sites;
    size_t n = finding_sites(f, root, &sites);
    json_t *a = json_array();

    for (size_t i = 0; a && i < n; i++) {
        char buf[600], mark[4] = "";
        json_t *js;

        if (sites[i].mark)
            snprintf(mark, sizeof mark, "(%c)", sites[i].mark);
        snprintf(buf, sizeof buf, "%.520s%s", sites[i].shown, mark);
        js = json_string(buf);
        /* a name that is not UTF-8 is kept byte for byte */
        json_array_append_new(a, js ? js : json_string_nocheck(buf));
    }
    free(sites);
    return a;
}

static void today(char out[16])
{
    time_t t = time(NULL);
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
        snprintf(out, 16, "unknown");
}

/* Adds the unique findings of CELLS that E lacks, first seen today. */
static int entries_from_cells(struct entries *e, const struct cell_result *cells,
                              size_t n, const char *root)
{
    char date[16], object[600];

    today(date);
    for (size_t i = 0; i < n; i++) {
        const struct cell_result *c = &cells[i];

        for (size_t k = 0; k < c->nfindings; k++) {
            const struct finding *f = &c->findings[k].finding;

            if (entries_find(e, c->scenario, c->variant, c->tool, f->fingerprint))
                continue;
            if (entries_add(e, c->scenario, c->variant, c->tool, f->fingerprint,
                            finding_kind_name(f->kind), sites_json(f, root),
                            finding_object(f, object, sizeof object), date) < 0)
                return -1;
        }
    }
    return 0;
}

/* Reads the races of one "cells" element of a baseline into E. */
static int read_cell_entries(json_t *jc, struct entries *e, const char *path,
                             char *err, size_t errlen)
{
    const char *scenario = json_string_value(json_object_get(jc, "scenario"));
    const char *variant = json_string_value(json_object_get(jc, "variant"));
    const char *tool = json_string_value(json_object_get(jc, "tool"));
    json_t *races = json_object_get(jc, "races"), *jr;
    size_t i;

    if (!scenario || !tool || !json_is_array(races)) {
        rl_seterr(err, errlen, "%s: a cell without scenario, tool or races",
                  path);
        return -1;
    }
    json_array_foreach(races, i, jr) {
        const char *fp = json_string_value(json_object_get(jr, "fingerprint"));
        const char *kind = json_string_value(json_object_get(jr, "kind"));
        const char *seen = json_string_value(json_object_get(jr, "first_seen"));
        const char *object = json_string_value(json_object_get(jr, "object"));
        json_t *sites = json_object_get(jr, "sites");

        if (!fp || strlen(fp) != 16 || !kind || finding_kind_from_name(kind) < 0
            || !json_is_array(sites)) {
            rl_seterr(err, errlen, "%s: %s race %zu: expected a 16-digit "
                      "fingerprint, a known kind and sites", path, scenario,
                      i + 1);
            return -1;
        }
        if (entries_add(e, scenario, variant, tool, fp, kind,
                        json_incref(sites), object, seen ? seen : "unknown") < 0) {
            rl_seterr(err, errlen, "%s: out of memory", path);
            return -1;
        }
    }
    return 0;
}

/* Reads PATH into E: a baseline, or (*OLD set) a results file whose
 * findings become entries first seen today.  0 or -1. */
static int entries_read(const char *path, struct entries *e, bool *old,
                        char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *cells, *jc;
    size_t i;
    int rc = 0;

    *old = false;
    if (!root) {
        rl_seterr(err, errlen, "%s: %s (line %d)", path, je.text, je.line);
        return -1;
    }
    if (json_object_get(root, "results")) {         /* a whole --json */
        struct cell_result *rc_cells = NULL;
        size_t n = 0;

        json_decref(root);
        *old = true;
        if (read_json(path, &rc_cells, &n, err, errlen) < 0)
            return -1;
        rc = entries_from_cells(e, rc_cells, n, NULL);
        for (size_t k = 0; k < n; k++)
            cell_result_free(&rc_cells[k]);
        free(rc_cells);
        return rc;
    }
    if (json_integer_value(json_object_get(root, "racelab_baseline"))
        != BASELINE_VERSION) {
        rl_seterr(err, errlen, "%s: not a racelab baseline (no "
                  "\"racelab_baseline\": %d, nor a results file)", path,
                  BASELINE_VERSION);
        rc = -1;
    } else if (json_integer_value(json_object_get(root, "fingerprint_depth"))
               != finding_get_fingerprint_depth()) {
        rl_seterr(err, errlen, "%s was written with --fingerprint-depth %lld, "
                  "this run uses %d: pass the same --fingerprint-depth, or "
                  "write the baseline again", path,
                  json_integer_value(json_object_get(root, "fingerprint_depth")),
                  finding_get_fingerprint_depth());
        rc = -1;
    }
    cells = json_object_get(root, "cells");
    json_array_foreach(cells, i, jc) {
        if (rc == 0)
            rc = read_cell_entries(jc, e, path, err, errlen);
    }
    json_decref(root);
    return rc;
}

/* "fn@path(W)" or "a@x<b@y" (depth > 1) back into frames; the mark into
 * the role. */
static int stack_from_site(struct stack *s, const char *site,
                           enum finding_kind kind)
{
    char *copy = rl_strdup(site), *mark, *save = NULL;
    size_t cap = 0;

    if (!copy)
        return -1;
    mark = strrchr(copy, '(');
    s->role = rl_strdup(kind == FINDING_LOCK_ORDER ? "lock"
                        : mark && mark[1] == 'W' ? "write"
                        : mark && mark[1] == 'R' ? "read"
                        : mark && mark[1] == 'A' ? "atomic access" : "site");
    if (mark && mark[2] == ')' && !mark[3])
        *mark = '\0';
    s->thread = -1;
    for (char *p = strtok_r(copy, "<", &save); p; p = strtok_r(NULL, "<", &save)) {
        char *at = strrchr(p, '@'), *in = strstr(p, " in ");
        struct frame *fr;

        if (in) {                   /* signal-unsafe "malloc in handler@x.c" */
            *in = '\0';
            if (rl_reserve(&s->frames, &cap, s->nframes + 1,
                           sizeof *s->frames) < 0)
                break;
            memset(&s->frames[s->nframes], 0, sizeof *s->frames);
            s->frames[s->nframes++].function = rl_strdup(p);
            p = in + 4;
            at = strrchr(p, '@');
        }
        if (rl_reserve(&s->frames, &cap, s->nframes + 1,
                       sizeof *s->frames) < 0)
            break;
        fr = &s->frames[s->nframes++];
        memset(fr, 0, sizeof *fr);
        if (at)
            *at = '\0';
        fr->function = rl_strdup(p);
        fr->file = at ? rl_strdup(at + 1) : NULL;
    }
    free(copy);
    return 0;
}

/* The cell of E's entry X in CELLS, added when missing.  NULL on ENOMEM. */
static struct cell_result *cell_for(struct cell_result **cells, size_t *n,
                                    size_t *cap, const struct entry *x)
{
    struct cell_result *c;

    for (size_t i = 0; i < *n; i++)
        if (same((*cells)[i].scenario, x->scenario) &&
            same((*cells)[i].variant, x->variant) &&
            same((*cells)[i].tool, x->tool))
            return &(*cells)[i];
    if (rl_reserve(cells, cap, *n + 1, sizeof **cells) < 0)
        return NULL;
    c = &(*cells)[(*n)++];
    memset(c, 0, sizeof *c);
    c->scenario = rl_strdup(x->scenario);
    c->variant = rl_strdup(x->variant);
    c->tool = rl_strdup(x->tool);
    return c;
}

/* One entry as a unique finding of C: kind, fingerprint, and each site
 * as a stack, so that reports can name a fixed race. */
static int add_entry_finding(struct cell_result *c, const struct entry *x)
{
    struct unique_finding *u;
    struct finding *f;
    size_t cap = c->nfindings, i;
    json_t *site;

    if (rl_reserve(&c->findings, &cap, c->nfindings + 1, sizeof *c->findings) < 0)
        return -1;
    u = &c->findings[c->nfindings++];
    memset(u, 0, sizeof *u);
    f = &u->finding;
    f->tool = rl_strdup(x->tool);
    f->kind = (enum finding_kind)finding_kind_from_name(x->kind);
    snprintf(f->fingerprint, sizeof f->fingerprint, "%s", x->fingerprint);
    f->object = rl_strdup(x->object);
    f->stacks = calloc(json_array_size(x->sites) + 1, sizeof *f->stacks);
    if (!f->stacks)
        return -1;
    json_array_foreach(x->sites, i, site) {
        if (stack_from_site(&f->stacks[f->nstacks++], json_string_value(site)
                            ? json_string_value(site) : "?", f->kind) < 0)
            return -1;
    }
    if (asprintf(&f->summary, "in the baseline since %s", x->first_seen) < 0)
        f->summary = NULL;
    return 0;
}

int baseline_file_read(const char *path, struct cell_result **cells,
                       size_t *n, bool *old_format, char *err, size_t errlen)
{
    struct entries e = {0};
    size_t cap = 0;
    int rc = 0;

    *cells = NULL;
    *n = 0;
    if (entries_read(path, &e, old_format, err, errlen) < 0) {
        entries_free(&e);
        return -1;
    }
    for (size_t i = 0; i < e.n && rc == 0; i++) {
        struct cell_result *c = cell_for(cells, n, &cap, &e.v[i]);

        rc = c ? add_entry_finding(c, &e.v[i]) : -1;
    }
    if (rc < 0)
        rl_seterr(err, errlen, "%s: out of memory", path);
    entries_free(&e);
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->sortkey,
                  ((const struct entry *)b)->sortkey);
}

/* One race per line, cells in sorted order. */
static int entries_print(FILE *f, struct entries *e)
{
    if (e->n > 1)        /* an empty baseline has no array: qsort(NULL) is UB */
        qsort(e->v, e->n, sizeof *e->v, cmp_entry);
    fprintf(f, "{\"racelab_baseline\": %d, \"fingerprint_depth\": %d, "
            "\"cells\": [", BASELINE_VERSION, finding_get_fingerprint_depth());
    for (size_t i = 0; i < e->n; i++) {
        const struct entry *x = &e->v[i];
        bool first = i == 0 || !same(x->scenario, e->v[i - 1].scenario) ||
            !same(x->variant, e->v[i - 1].variant) || !same(x->tool, e->v[i - 1].tool);
        json_t *cell = json_pack("{s:s, s:s?, s:s}", "scenario", x->scenario,
                                 "variant", x->variant, "tool", x->tool);
        json_t *race = json_pack("{s:s, s:s, s:O, s:s?, s:s}", "fingerprint",
                                 x->fingerprint, "kind", x->kind, "sites",
                                 x->sites, "object", x->object,
                                 "first_seen", x->first_seen);
        char *cs = cell ? json_dumps(cell, JSON_PRESERVE_ORDER) : NULL;
        char *rs = race ? json_dumps(race, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;

        json_decref(cell);
        json_decref(race);
        if (!cs || !rs) {
            free(cs);
            free(rs);
            return -1;
        }
        if (first)      /* close the previous cell, open this one */
            fprintf(f, "%s\n%.*s, \"races\": [", i ? "\n]}," : "",
                    (int)strlen(cs) - 1, cs);
        else
            fputc(',', f);
        fprintf(f, "\n%s", rs);
        free(cs);
        free(rs);
    }
    fprintf(f, "%s]}\n", e->n ? "\n]}" : "");
    return 0;
}

int baseline_file_write(const char *path, const struct cell_result *cells,
                        size_t n, const char *merge_with, const char *root,
                        size_t *nraces, char *err, size_t errlen)
{
    struct entries e = {0};
    bool old = false;
    FILE *f;
    int rc;

    if (root)
        write_sarif_set_source_root(root);      /* resolved, absolute */
    root = write_sarif_source_root();
    if (merge_with && entries_read(merge_with, &e, &old, err, errlen) < 0) {
        entries_free(&e);
        return -1;
    }
    if (entries_from_cells(&e, cells, n, root) < 0) {
        rl_seterr(err, errlen, "%s: out of memory", path);
        entries_free(&e);
        return -1;
    }
    f = fopen(path, "w");
    if (!f) {
        rl_seterr(err, errlen, "%s: %s", path, strerror(errno));
        entries_free(&e);
        return -1;
    }
    rc = entries_print(f, &e);
    if (rl_close_out(f, path, err, errlen) < 0)
        rc = -1;
    else if (rc < 0)
        rl_seterr(err, errlen, "%s: out of memory", path);
    if (nraces)
        *nraces = e.n;
    entries_free(&e);
    return rc;
}
