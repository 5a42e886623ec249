/* read_json.c - a racelab --json file back into cell_results, for
 * `racelab merge` (shards) and --baseline.  The inverse of write_json.c:
 * every run (runs_detail) and every unique finding with its stacks and
 * frames round-trips; aggregates are not read, they are recomputed by
 * cell_judge(). */
#include "result.h"
#include "report_util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s ? rl_strdup(s) : NULL;
}

static long long get_int(json_t *o, const char *key, long long dflt)
{
    json_t *v = json_object_get(o, key);

    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (long long)json_real_value(v);
    return dflt;
}

static double get_num(json_t *o, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);

    return json_is_number(v) ? json_number_value(v) : dflt;
}

static bool get_bool(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static int outcome_from_name(const char *s)
{
    static const enum run_outcome all[] = {
        RUN_CLEAN, RUN_FINDING, RUN_HANG, RUN_CRASH, RUN_ENV_ERROR,
        RUN_TOOL_ERROR,
    };

    for (size_t i = 0; s && i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, run_outcome_name(all[i])) == 0)
            return (int)all[i];
    return -1;
}

static int read_stack(json_t *js, struct stack *s)
{
    json_t *locks = json_object_get(js, "locks_held");
    json_t *frames = json_object_get(js, "frames");

    memset(s, 0, sizeof *s);
    s->role = dup_str(js, "role");
    s->thread = (int)get_int(js, "thread", -1);
    s->context = get_bool(js, "context");
    if (json_array_size(locks)) {
        s->locks_held = calloc(json_array_size(locks), sizeof *s->locks_held);
        if (!s->locks_held)
            return -1;
        for (size_t i = 0; i < json_array_size(locks); i++) {
            const char *l = json_string_value(json_array_get(locks, i));
            s->locks_held[s->nlocks++] = rl_strdup(l ? l : "");
        }
    }
    if (json_array_size(frames)) {
        s->frames = calloc(json_array_size(frames), sizeof *s->frames);
        if (!s->frames)
            return -1;
        for (size_t i = 0; i < json_array_size(frames); i++) {
            json_t *jf = json_array_get(frames, i);
            struct frame *fr = &s->frames[s->nframes++];

            fr->function = dup_str(jf, "function");
            fr->file = dup_str(jf, "file");
            fr->line = (int)get_int(jf, "line", 0);
        }
    }
    return 0;
}

/* Reads one finding object (kind, tool, summary, stacks). */
static int finding_from_json(json_t *jf, struct finding *f, char *err,
                             size_t errlen)
{
    json_t *stacks = json_object_get(jf, "stacks");
    const char *kind = json_string_value(json_object_get(jf, "kind"));
    int k = finding_kind_from_name(kind);

    memset(f, 0, sizeof *f);
    if (k < 0) {
        rl_seterr(err, errlen, "finding of unknown kind '%s'", kind ? kind : "?");
        return -1;
    }
    f->kind = (enum finding_kind)k;
    f->tool = dup_str(jf, "tool");
    f->summary = dup_str(jf, "summary");
    f->object = dup_str(jf, "object");
    if (json_array_size(stacks)) {
        f->stacks = calloc(json_array_size(stacks), sizeof *f->stacks);
        if (!f->stacks)
            goto oom;
        for (size_t i = 0; i < json_array_size(stacks); i++)
            if (read_stack(json_array_get(stacks, i), &f->stacks[f->nstacks++]) < 0)
                goto oom;
    }
    /* Recomputed: a baseline written before fingerprints left out line
     * numbers still compares with today's. */
    finding_fingerprint(f);
    return 0;
oom:
    finding_free(f);
    rl_seterr(err, errlen, "out of memory");
    return -1;
}

static int read_run(json_t *jr, struct run_record *r, char *err, size_t errlen)
{
    const char *oc = json_string_value(json_object_get(jr, "outcome"));
    int o = outcome_from_name(oc);

    memset(r, 0, sizeof *r);
    if (o < 0) {
        rl_seterr(err, errlen, "run with unknown outcome '%s'", oc ? oc : "?");
        return -1;
    }
    r->outcome = (enum run_outcome)o;
    r->signal = (int)get_int(jr, "signal", 0);
    r->exit_status = (int)get_int(jr, "exit_status", -1);
    r->seconds = get_num(jr, "seconds", 0);
    r->first_finding_seconds = get_num(jr, "first_finding_seconds", -1);
    r->symptom = get_bool(jr, "symptom");
    r->symptom_detail = dup_str(jr, "symptom_detail");
    r->hang_report = dup_str(jr, "hang_report");
    r->sched_bound = dup_str(jr, "sched_bound");
    r->reason = dup_str(jr, "reason");
    r->oracles = dup_str(jr, "oracles");
    r->schedule = dup_str(jr, "schedule");
    r->seed = (unsigned long)get_int(jr, "seed", 0);
    r->nfindings = (size_t)get_int(jr, "findings", 0);
    r->true_positives = (size_t)get_int(jr, "true_positives", 0);
    r->false_positives = (size_t)get_int(jr, "false_positives", 0);
    r->suppressed = (size_t)get_int(jr, "suppressed", 0);
    r->folded = (size_t)get_int(jr, "folded", 0);
    return 0;
}

/* The recomputed fingerprint of the cell's last finding may equal an
 * earlier one's (a file written with an older identity, or another
 * --fingerprint-depth): one finding, as a run would have folded it.  Its
 * runs_seen is the larger of the two, a lower bound: the file does not
 * say whether they were seen in the same runs. */
static void fold_last(struct cell_result *c)
{
    struct unique_finding *last = &c->findings[c->nfindings - 1];

    for (size_t i = 0; i + 1 < c->nfindings; i++) {
        struct unique_finding *u = &c->findings[i];

        if (strcmp(u->finding.fingerprint, last->finding.fingerprint) != 0)
            continue;
        if (last->runs_seen > u->runs_seen)
            u->runs_seen = last->runs_seen;
        u->true_positive |= last->true_positive;
        u->expected_false_positive |= last->expected_false_positive;
        finding_free(&last->finding);
        memset(last, 0, sizeof *last);
        c->nfindings--;
        return;
    }
}

static int read_cell(json_t *jc, struct cell_result *c, char *err, size_t errlen)
{
    json_t *exp = json_object_get(jc, "expected");
    json_t *runs = json_object_get(jc, "runs_detail");
    json_t *finds = json_object_get(jc, "findings");
    json_t *kinds = json_object_get(exp, "kinds");

    memset(c, 0, sizeof *c);
    c->scenario = dup_str(jc, "scenario");
    c->variant = dup_str(jc, "variant");
    c->tool = dup_str(jc, "tool");
    c->executable = dup_str(jc, "executable");
    c->module = dup_str(jc, "module");
    c->bug_class = dup_str(jc, "bug_class");
    c->expect.known = get_bool(exp, "known");
    c->expect.false_positive = get_bool(exp, "false_positive");
    c->expect.symptom = get_bool(exp, "symptom");
    c->expect.rate = dup_str(exp, "rate");
    for (size_t i = 0; i < json_array_size(kinds); i++) {
        int k = finding_kind_from_name(json_string_value(json_array_get(kinds, i)));
        if (k >= 0)
            c->expect.kinds |= 1u << k;
    }
    c->min_rate = get_num(jc, "min_rate", 0);
    if (json_is_object(json_object_get(jc, "shard"))) {
        json_t *s = json_object_get(jc, "shard");
        c->shard.index = (long)get_int(s, "index", 0);
        c->shard.total = (long)get_int(s, "total", 0);
        c->shard.seed_base = (unsigned long)get_int(s, "seed_base", 0);
        c->shard.runs_owed = (size_t)get_int(s, "runs_owed", 0);
        c->shard.runs_total = (size_t)get_int(s, "runs_total", 0);
        if (c->shard.total < 1 || c->shard.index < 1 ||
            c->shard.index > c->shard.total) {
            rl_seterr(err, errlen, "cell %s/%s: bad shard %ld/%ld",
                      c->scenario ? c->scenario : "?", c->tool ? c->tool : "?",
                      c->shard.index, c->shard.total);
            return -1;
        }
    }
    c->merge_partial = dup_str(jc, "merge_partial");
    c->confidence = get_num(jc, "confidence", 0);
    if (!json_is_array(runs)) {
        rl_seterr(err, errlen, "cell %s/%s/%s has no runs_detail",
                  c->scenario ? c->scenario : "?", c->variant ? c->variant : "-",
                  c->tool ? c->tool : "?");
        return -1;
    }
    c->runs = calloc(json_array_size(runs) + 1, sizeof *c->runs);
    c->findings = calloc(json_array_size(finds) + 1, sizeof *c->findings);
    if (!c->runs || !c->findings) {
        rl_seterr(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < json_array_size(runs); i++) {
        if (read_run(json_array_get(runs, i), &c->runs[i], err, errlen) < 0)
            return -1;
        c->nruns++;
        c->total_runs += 1 + c->runs[i].folded;
    }
    for (size_t i = 0; i < json_array_size(finds); i++) {
        json_t *jf = json_array_get(finds, i);
        struct unique_finding *u = &c->findings[c->nfindings];

        if (finding_from_json(jf, &u->finding, err, errlen) < 0)
            return -1;
        u->runs_seen = (size_t)get_int(jf, "runs_seen", 1);
        u->true_positive = get_bool(jf, "at_locations");
        u->expected_false_positive = get_bool(jf, "expected_false_positive");
        c->nfindings++;
        fold_last(c);
    }
    return 0;
}

int read_json(const char *path, struct cell_result **cells, size_t *n,
              char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je), *results;
    struct cell_result *v;

    *cells = NULL;
    *n = 0;
    if (!root) {
        rl_seterr(err, errlen, "%s:%d: %s", path, je.line, je.text);
        return -1;
    }
    results = json_object_get(root, "results");
    if (!json_is_array(results) || !json_object_get(root, "racelab_version")) {
        rl_seterr(err, errlen, "%s: not a racelab --json file (no "
                  "racelab_version and results)", path);
        json_decref(root);
        return -1;
    }
    v = calloc(json_array_size(results) + 1, sizeof *v);
    if (!v) {
        rl_seterr(err, errlen, "%s: out of memory", path);
        json_decref(root);
        return -1;
    }
    for (size_t i = 0; i < json_array_size(results); i++) {
        char why[256];

        if (read_cell(json_array_get(results, i), &v[i], why, sizeof why) < 0) {
            rl_seterr(err, errlen, "%s: result %zu: %s", path, i + 1, why);
            for (size_t j = 0; j <= i; j++)
                cell_result_free(&v[j]);
            free(v);
            json_decref(root);
            return -1;
        }
    }
    *cells = v;
    *n = json_array_size(results);
    json_decref(root);
    return 0;
}
