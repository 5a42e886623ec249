/* write_json.c - the machine-readable results (schema: docs/FINDINGS.md). */
#include "result.h"
#include "report_util.h"

#include <jansson.h>
#include <string.h>
#include <time.h>

#ifndef RACELAB_VERSION
#define RACELAB_VERSION "0.1.0"
#endif

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Ratios that are undefined (0/0, no detection) are null, not -1. */
static json_t *num_or_null(double v)
{
    return v < 0 ? json_null() : json_real(v);
}

static json_t *json_frame(const struct frame *fr)
{
    return json_pack("{s:o, s:o, s:i}", "function", str_or_null(fr->function),
                     "file", str_or_null(fr->file), "line", fr->line);
}

static json_t *json_stack(const struct stack *s)
{
    json_t *locks = json_array(), *frames = json_array();

    for (size_t i = 0; i < s->nlocks; i++)
        json_array_append_new(locks, json_string(s->locks_held[i]));
    for (size_t i = 0; i < s->nframes; i++)
        json_array_append_new(frames, json_frame(&s->frames[i]));
    return json_pack("{s:o, s:i, s:b, s:o, s:o}", "role", str_or_null(s->role),
                     "thread", s->thread, "context", s->context,
                     "locks_held", locks, "frames", frames);
}


static json_t *json_finding(const struct finding *f)
{
    json_t *stacks = json_array();
    char name[1024], object[600];

    for (size_t i = 0; i < f->nstacks; i++)
        json_array_append_new(stacks, json_stack(&f->stacks[i]));
    return json_pack("{s:s, s:o, s:o, s:s, s:s, s:o, s:o}",
                     "kind", finding_kind_name(f->kind),
                     "tool", str_or_null(f->tool),
                     "summary", str_or_null(f->summary),
                     "fingerprint", f->fingerprint,
                     "name", finding_label(f, name, sizeof name),
                     "object", str_or_null(finding_object(f, object, sizeof object)),
                     "stacks", stacks);
}

static json_t *json_unique(const struct cell_result *c,
                           const struct unique_finding *u)
{
    json_t *o = json_finding(&u->finding);
    size_t valid = c->total_runs - c->env_errors;

    json_object_set_new(o, "runs_seen", json_integer((json_int_t)u->runs_seen));
    json_object_set_new(o, "at_locations", json_boolean(u->true_positive));
    json_object_set_new(o, "true_positive",
                        json_boolean(unique_finding_is_tp(c, u)));
    json_object_set_new(o, "false_positive",
                        json_boolean(unique_finding_is_fp(c, u)));
    json_object_set_new(o, "expected_false_positive",
                        json_boolean(u->expected_false_positive));
    /* seen in some runs, not all: flaky, with its per-run rate */
    json_object_set_new(o, "intermittent",
                        json_boolean(u->runs_seen < valid));
    json_object_set_new(o, "rate", json_real(valid ? (double)u->runs_seen /
                                             (double)valid : 0.0));
    if (u->baseline != BASELINE_NONE)
        json_object_set_new(o, "baseline",
                            json_string(baseline_state_name(u->baseline)));
    if (u->baseline_related[0])     /* known by its object */
        json_object_set_new(o, "baseline_related",
                            json_string(u->baseline_related));
    return o;
}

static json_t *json_run(const struct run_record *r)
{
    return json_pack("{s:s, s:i, s:i, s:f, s:o, s:b, s:o, s:o, s:o, s:o, s:I, s:I,"
                     " s:I, s:I}",
                     "outcome", run_outcome_name(r->outcome),
                     "signal", r->signal, "exit_status", r->exit_status,
                     "seconds", r->seconds,
                     "first_finding_seconds", num_or_null(r->first_finding_seconds),
                     "symptom", r->symptom,
                     "symptom_detail", str_or_null(r->symptom_detail),
                     "hang_report", str_or_null(r->hang_report),
                     "sched_bound", str_or_null(r->sched_bound),
                     "reason", str_or_null(r->reason),
                     "seed", (json_int_t)r->seed,
                     "findings", (json_int_t)r->nfindings,
                     "true_positives", (json_int_t)r->true_positives,
                     "false_positives", (json_int_t)r->false_positives);
}

/* What json_run leaves out, so that `racelab merge` can re-score runs
 * read back from JSON exactly as the process that made them did. */
static json_t *json_run_full(const struct run_record *r)
{
    json_t *o = json_run(r);

    json_object_set_new(o, "oracles", str_or_null(r->oracles));
    json_object_set_new(o, "schedule", str_or_null(r->schedule));
    json_object_set_new(o, "suppressed", json_integer((json_int_t)r->suppressed));
    if (r->folded)      /* N clean runs in one record: seconds is their sum */
        json_object_set_new(o, "folded", json_integer((json_int_t)r->folded));
    return o;
}

static json_t *json_expected(const struct cell_expect *e)
{
    json_t *kinds = json_array();

    for (int k = 0; k < FINDING_KIND_COUNT; k++)
        if (e->kinds & (1u << k))
            json_array_append_new(kinds, json_string(finding_kind_name(k)));
    return json_pack("{s:b, s:o, s:b, s:b, s:o}", "known", e->known,
                     "kinds", kinds, "false_positive", e->false_positive,
                     "symptom", e->symptom, "rate", str_or_null(e->rate));
}

/* What the judge's status rests on: ["findings", "hang", ...]. */
static json_t *json_grounds(unsigned grounds)
{
    json_t *a = json_array();

    for (int i = 0; i < CELL_GROUND_COUNT; i++)
        if (grounds & (1u << i))
            json_array_append_new(a, json_string(cell_ground_name(1u << i)));
    return a;
}

static json_t *json_cell(const struct cell_result *c)
{
    json_t *runs = json_array(), *findings = json_array(), *o;

    for (size_t i = 0; i < c->nruns; i++)
        json_array_append_new(runs, json_run_full(&c->runs[i]));
    for (size_t i = 0; i < c->nfindings; i++)
        json_array_append_new(findings, json_unique(c, &c->findings[i]));
    o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I,"
                  " s:I, s:I, s:f, s:[ff]}",
                  "scenario", str_or_null(c->scenario),
                  "variant", str_or_null(c->variant),
                  "tool", str_or_null(c->tool),
                  "executable", str_or_null(c->executable),
                  "module", str_or_null(c->module),
                  "bug_class", str_or_null(c->bug_class),
                  "runs", (json_int_t)c->total_runs,
                  "detected_runs", (json_int_t)c->detected_runs,
                  "finding_runs", (json_int_t)c->finding_runs,
                  "symptom_runs", (json_int_t)c->symptom_runs,
                  "hangs", (json_int_t)c->hangs,
                  "crashes", (json_int_t)c->crashes,
                  "env_errors", (json_int_t)c->env_errors,
                  "detection_rate", c->rate,
                  "rate_ci95", c->rate_lo, c->rate_hi);
    if (!o)
        return NULL;
    json_object_set_new(o, "first_detection_run", c->first_detection_run < 0
                        ? json_null() : json_integer(c->first_detection_run));
    json_object_set_new(o, "first_detection_seconds",
                        num_or_null(c->first_detection_seconds));
    json_object_set_new(o, "median_seconds", json_real(c->median_seconds));
    json_object_set_new(o, "median_detection_seconds",
                        num_or_null(c->median_detection_seconds));
    json_object_set_new(o, "tp", json_integer((json_int_t)c->tp));
    json_object_set_new(o, "fp", json_integer((json_int_t)c->fp));
    json_object_set_new(o, "fn", json_integer((json_int_t)c->fn));
    json_object_set_new(o, "status", json_string(cell_status_name(c->status)));
    json_object_set_new(o, "passed", json_boolean(c->status == CELL_PASS));
    json_object_set_new(o, "grounds", json_grounds(c->grounds));
    json_object_set_new(o, "tool_failed_runs",
                        json_integer((json_int_t)c->tool_failed_runs));
    if (c->status == CELL_INCONCLUSIVE)
        json_object_set_new(o, "runs_needed", c->runs_needed
                            ? json_integer((json_int_t)c->runs_needed)
                            : json_null());
    if (c->guarantee)
        json_object_set_new(o, "guarantee", json_string(c->guarantee));
    if (c->min_rate > 0) {
        json_object_set_new(o, "min_rate", json_real(c->min_rate));
        json_object_set_new(o, "confidence", json_real(c->confidence));
    }
    json_object_set_new(o, "suppressed", json_integer((json_int_t)c->suppressed));
    if (c->shard.total > 0)
        json_object_set_new(o, "shard", json_pack(
            "{s:I, s:I, s:I, s:I, s:I}", "index", (json_int_t)c->shard.index,
            "total", (json_int_t)c->shard.total,
            "seed_base", (json_int_t)c->shard.seed_base,
            "runs_owed", (json_int_t)c->shard.runs_owed,
            "runs_total", (json_int_t)c->shard.runs_total));
    if (c->merge_partial)
        json_object_set_new(o, "merge_partial", json_string(c->merge_partial));
    if (c->baseline_used) {
        json_t *fixed = json_array();

        for (size_t i = 0; i < c->baseline_fixed && c->fixed_findings; i++)
            json_array_append_new(fixed, json_finding(&c->fixed_findings[i]));
        json_object_set_new(o, "baseline", json_pack(
            "{s:I, s:I, s:I, s:o}", "new", (json_int_t)c->baseline_new,
            "known", (json_int_t)c->baseline_known,
            "fixed", (json_int_t)c->baseline_fixed, "fixed_findings", fixed));
    }
    json_object_set_new(o, "verdict", str_or_null(c->verdict));
    json_object_set_new(o, "expected", json_expected(&c->expect));
    json_object_set_new(o, "runs_detail", runs);
    json_object_set_new(o, "findings", findings);
    return o;
}

static json_t *json_totals(const struct cell_result *cells, size_t n)
{
    struct rl_totals t;
    json_t *o = json_object();

    rl_totals_compute(cells, n, &t);
    for (size_t i = 0; i < t.n; i++)
        json_object_set_new(o, t.tools[i].tool, json_pack(
            "{s:I, s:I, s:I, s:o, s:o}",
            "tp", (json_int_t)t.tools[i].tp, "fp", (json_int_t)t.tools[i].fp,
            "fn", (json_int_t)t.tools[i].fn,
            "precision", num_or_null(rl_precision(&t.tools[i])),
            "recall", num_or_null(rl_recall(&t.tools[i]))));
    return o;
}

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int write_json(const char *path, const struct cell_result *cells, size_t n,
               const char *command, char *err, size_t errlen)
{
    json_t *root, *results = json_array();
    char when[32];
    FILE *f;
    int rc;

    iso_now(when, sizeof when);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(results, json_cell(&cells[i]));
    root = json_pack("{s:s, s:o, s:s, s:o, s:o}",
                     "racelab_version", RACELAB_VERSION,
                     "command", str_or_null(command), "generated_at", when,
                     "results", results, "totals", json_totals(cells, n));
    if (!root) {
        rl_seterr(err, errlen, "json_pack %s: out of memory", path);
        return -1;
    }
    f = rl_open_out(path, err, errlen);
    if (!f) {
        json_decref(root);
        return -1;
    }
    rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    fputc('\n', f);
    json_decref(root);
    if (rl_close_out(f, path, err, errlen) < 0)
        return -1;
    if (rc < 0) {
        rl_seterr(err, errlen, "json_dumpf %s: failed", path);
        return -1;
    }
    return 0;
}
