/* write_sarif.c - SARIF 2.1.0 for code-scanning viewers: one result per
 * unique finding of every cell, located at its innermost source frame. */
#include "result.h"
#include "report_util.h"

#include <jansson.h>
#include <string.h>

static const char *const kind_help[FINDING_KIND_COUNT] = {
    [FINDING_DATA_RACE] = "Two threads access the same memory, at least one "
                          "writes, and no synchronization orders them.",
    [FINDING_LOCK_ORDER] = "Mutexes are acquired in inconsistent orders: a "
                           "potential deadlock.",
    [FINDING_THREAD_LEAK] = "A joinable thread was neither joined nor detached.",
    [FINDING_USE_AFTER_FREE] = "Memory is accessed after another thread freed it.",
    [FINDING_SIGNAL_UNSAFE] = "A signal handler calls a function that is not "
                              "async-signal-safe.",
    [FINDING_UNLOCK_UNLOCKED] = "A mutex is unlocked while not locked, or by a "
                                "thread that does not own it.",
    [FINDING_DESTROY_LOCKED] = "A mutex is destroyed while locked.",
    [FINDING_PTHREAD_MISUSE] = "A pthread API is used incorrectly.",
    [FINDING_OTHER] = "Another concurrency problem reported by the tool.",
    [FINDING_EXIT_STATUS] = "The program exited with a non-zero status of "
                            "its own (not on racelab's SIGTERM).",
};

static json_t *rules(void)
{
    json_t *a = json_array();

    for (int k = 0; k < FINDING_KIND_COUNT; k++)
        json_array_append_new(a, json_pack(
            "{s:s, s:s, s:{s:s}, s:{s:s}}", "id", finding_kind_name(k),
            "name", finding_kind_name(k),
            "shortDescription", "text", kind_help[k],
            "defaultConfiguration", "level", "error"));
    return a;
}

/* A physicalLocation for FR: relative to %SRCROOT% when under the source
 * root, else the path as the tool reported it. */
static json_t *physical(const struct frame *fr)
{
    const char *rel = rl_source_relative(fr->file);
    json_t *art = json_pack("{s:s}", "uri", rel);
    json_t *loc;

    if (rel != fr->file)
        json_object_set_new(art, "uriBaseId", json_string("SRCROOT"));
    loc = json_pack("{s:o}", "artifactLocation", art);
    if (fr->line > 0)
        json_object_set_new(loc, "region",
                            json_pack("{s:i}", "startLine", fr->line));
    return loc;
}

static json_t *location(const struct frame *fr, const char *message, int id)
{
    json_t *l = json_pack("{s:o}", "physicalLocation", physical(fr));

    if (fr->function)
        json_object_set_new(l, "logicalLocations", json_pack(
            "[{s:s, s:s}]", "name", fr->function, "kind", "function"));
    if (id >= 0) {
        json_object_set_new(l, "id", json_integer(id));
        json_object_set_new(l, "message", json_pack("{s:s}", "text",
                                                    message ? message : ""));
    }
    return l;
}

static json_t *result(const struct cell_result *c,
                      const struct unique_finding *u)
{
    const struct finding *f = &u->finding;
    const struct stack *main_stack = rl_primary_stack(f);
    const struct frame *top = rl_first_file_frame(main_stack);
    json_t *locs = json_array(), *related = json_array(), *r;
    int id = 0;

    for (size_t i = 0; i < f->nstacks && !top; i++)
        top = rl_first_file_frame(&f->stacks[i]);
    if (top)
        json_array_append_new(locs, location(top, NULL, -1));
    for (size_t i = 0; i < f->nstacks; i++) {
        const struct frame *fr = rl_first_file_frame(&f->stacks[i]);

        if (fr && fr != top)
            json_array_append_new(related,
                                  location(fr, f->stacks[i].role, id++));
    }
    r = json_pack("{s:s, s:i, s:s, s:{s:s}, s:o, s:o, s:{s:s},"
                  " s:{s:o, s:o, s:s, s:I, s:b, s:b}}",
                  "ruleId", finding_kind_name(f->kind), "ruleIndex", (int)f->kind,
                  "level", u->expected_false_positive ? "note" : "error",
                  "message", "text", f->summary ? f->summary
                                                : finding_kind_name(f->kind),
                  "locations", locs, "relatedLocations", related,
                  "partialFingerprints", "racelabFingerprint/v1", f->fingerprint,
                  "properties",
                  "scenario", c->scenario ? json_string(c->scenario) : json_null(),
                  "variant", c->variant ? json_string(c->variant) : json_null(),
                  "tool", c->tool ? c->tool : "",
                  "runs_seen", (json_int_t)u->runs_seen,
                  "true_positive", unique_finding_is_tp(c, u),
                  "expected_false_positive", u->expected_false_positive);
    return r;
}

int write_sarif(const char *path, const struct cell_result *cells, size_t n,
                char *err, size_t errlen)
{
    json_t *results = json_array(), *root;
    char root_uri[4200];
    FILE *f;
    int rc;

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < cells[i].nfindings; j++)
            json_array_append_new(results, result(&cells[i], &cells[i].findings[j]));
    snprintf(root_uri, sizeof root_uri, "file://%s/", RACELAB_SOURCE_DIR);
    root = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}},"
                     " s:{s:{s:s}}, s:o}]}",
                     "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
                     "version", "2.1.0", "runs", "tool", "driver",
                     "name", "racelab", "version", "0.1.0",
                     "rules", rules(),
                     "originalUriBaseIds", "SRCROOT", "uri", root_uri,
                     "results", results);
    if (!root) {
        rl_seterr(err, errlen, "json_pack %s: out of memory", path);
        return -1;
    }
    f = rl_open_out(path, err, errlen);
    if (!f) {
        json_decref(root);
        return -1;
    }
    rc = json_dumpf(root, f, JSON_INDENT(2));
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
