/* test_writers.c - JSON, SARIF, JUnit, HTML and the table, each re-read
 * with a real parser (jansson, expat) and checked for content. */
#include "cells.h"

#include <errno.h>
#include <expat.h>
#include <jansson.h>
#include <math.h>
#include <unistd.h>

#define K(kind) (1u << (kind))
enum { NCELLS = 4 };

static const struct location race_locs[] = {
    {.name = "main-write", .file = "programs/race.c", .line = 27},
    {.name = "worker-write", .file = "programs/race.c", .line = 16},
};

struct fixture {
    struct cell_result cells[NCELLS];
    char dir[64];
    char path[128];
};

/* The captures name the checkout they were made in; re-root their frames
 * under this checkout's RACELAB_SOURCE_DIR, as if captured here, so the
 * SARIF paths are checked the same wherever the tests run. */
static void rebase_frames(struct cell_result *c)
{
    static const char marker[] = "/tests/harness-unit/programs/";
    for (size_t u = 0; u < c->nfindings; u++) {
        struct finding *f = &c->findings[u].finding;
        for (size_t s = 0; s < f->nstacks; s++)
            for (size_t i = 0; i < f->stacks[s].nframes; i++) {
                struct frame *fr = &f->stacks[s].frames[i];
                const char *tail = fr->file ? strstr(fr->file, marker) : NULL;
                if (tail == NULL)
                    continue;
                char *p = malloc(strlen(RACELAB_SOURCE_DIR) + strlen(tail) + 1);
                strcpy(p, RACELAB_SOURCE_DIR);
                strcat(p, tail);
                free(fr->file);
                fr->file = p;
            }
    }
}

/* Four cells: buggy/tsan passes (the race, twice), buggy/helgrind passes,
 * fixed/tsan fails (a finding with a markup-hostile summary), fixed/none
 * passes. */
static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct cell_result *c = fx->cells;

    strcpy(fx->dir, "/tmp/racelab-writers-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    cell_init(&c[0], "cache-race", "buggy", "tsan", K(FINDING_DATA_RACE));
    cell_add_run(&c[0], DATA("tsan-race.log"), 2.0, 0.5, race_locs, 2);
    cell_add_run(&c[0], DATA("tsan-race-2.log"), 2.0, 0.6, race_locs, 2);
    c[0].expect.rate = strdup("2/2");
    cell_init(&c[1], "cache-race", "buggy", "helgrind", K(FINDING_DATA_RACE));
    cell_add_run(&c[1], DATA("helgrind-race.xml"), 5.0, 1.0, race_locs, 2);
    cell_init(&c[2], "cache-race", "fixed", "tsan", 0);
    cell_add_run(&c[2], DATA("tsan-lockorder.log"), 2.0, 0.5, NULL, 0);
    free(c[2].findings[0].finding.summary);
    c[2].findings[0].finding.summary = strdup("<b>\"x\" & 'y'</b>");
    cell_init(&c[3], "cache-race", "fixed", "none", 0);
    cell_add_run(&c[3], NULL, 1.0, -1, NULL, 0);
    for (int i = 0; i < NCELLS; i++) {
        rebase_frames(&c[i]);
        cell_judge(&c[i]);
    }
    *state = fx;
    return c[0].status == CELL_PASS && c[1].status == CELL_PASS &&
           c[2].status == CELL_FAIL && c[3].status == CELL_PASS ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    for (int i = 0; i < NCELLS; i++)
        cell_result_free(&fx->cells[i]);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

static const char *out_path(struct fixture *fx, const char *name)
{
    snprintf(fx->path, sizeof fx->path, "%s/%s", fx->dir, name);
    return fx->path;
}

static json_t *load_json(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);

    if (!j)
        fail_msg("%s:%d: %s", path, e.line, e.text);
    return j;
}

static void test_writer_json_schema(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "";
    json_t *root, *r0, *f0, *st, *fr, *tot;

    assert_int_equal(write_json(out_path(fx, "r.json"), fx->cells, NCELLS,
                                "racelab matrix --runs 2", err, sizeof err), 0);
    root = load_json(fx->path);
    assert_string_equal(json_string_value(json_object_get(root, "command")),
                        "racelab matrix --runs 2");
    assert_non_null(json_string_value(json_object_get(root, "racelab_version")));
    assert_non_null(json_string_value(json_object_get(root, "generated_at")));
    assert_int_equal(json_array_size(json_object_get(root, "results")), NCELLS);

    r0 = json_array_get(json_object_get(root, "results"), 0);
    static const char *const fields[] = {
        "scenario", "variant", "tool", "executable", "module", "bug_class",
        "runs", "detected_runs", "finding_runs", "symptom_runs", "hangs",
        "crashes", "env_errors", "detection_rate", "rate_ci95",
        "first_detection_run", "first_detection_seconds", "median_seconds",
        "tp", "fp", "fn", "status", "passed", "verdict", "expected", "runs_detail",
        "findings",
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!json_object_get(r0, fields[i]))
            fail_msg("results[0] lacks \"%s\"", fields[i]);
    assert_string_equal(json_string_value(json_object_get(r0, "scenario")),
                        "cache-race");
    assert_int_equal(json_integer_value(json_object_get(r0, "runs")), 2);
    assert_int_equal(json_integer_value(json_object_get(r0, "detected_runs")), 2);
    assert_true(json_is_true(json_object_get(r0, "passed")));
    assert_int_equal(json_array_size(json_object_get(r0, "rate_ci95")), 2);
    assert_int_equal(json_integer_value(json_object_get(r0, "tp")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(
        json_object_get(r0, "expected"), "kinds"), 0)), "data-race");
    assert_string_equal(json_string_value(json_object_get(
        json_object_get(r0, "expected"), "rate")), "2/2");
    assert_string_equal(json_string_value(json_object_get(json_array_get(
        json_object_get(r0, "runs_detail"), 0), "outcome")), "finding");

    f0 = json_array_get(json_object_get(r0, "findings"), 0);
    assert_string_equal(json_string_value(json_object_get(f0, "kind")), "data-race");
    assert_string_equal(json_string_value(json_object_get(f0, "fingerprint")),
                        fx->cells[0].findings[0].finding.fingerprint);
    assert_int_equal(json_integer_value(json_object_get(f0, "runs_seen")), 2);
    assert_true(json_is_true(json_object_get(f0, "true_positive")));
    st = json_array_get(json_object_get(f0, "stacks"), 1);
    assert_string_equal(json_string_value(json_object_get(st, "role")),
                        "previous write");
    assert_int_equal(json_integer_value(json_object_get(st, "thread")), 1);
    assert_string_equal(json_string_value(json_array_get(
        json_object_get(st, "locks_held"), 0)), "write M0");
    fr = json_array_get(json_object_get(st, "frames"), 0);
    assert_string_equal(json_string_value(json_object_get(fr, "function")), "worker");
    assert_int_equal(json_integer_value(json_object_get(fr, "line")), 16);

    /* totals: tsan has one TP (buggy) and one FP (fixed) */
    tot = json_object_get(json_object_get(root, "totals"), "tsan");
    assert_int_equal(json_integer_value(json_object_get(tot, "tp")), 1);
    assert_int_equal(json_integer_value(json_object_get(tot, "fp")), 1);
    assert_int_equal(json_integer_value(json_object_get(tot, "fn")), 0);
    assert_true(fabs(json_real_value(json_object_get(tot, "precision")) - 0.5) < 1e-9);
    assert_true(fabs(json_real_value(json_object_get(tot, "recall")) - 1.0) < 1e-9);
    assert_null(json_object_get(json_object_get(root, "totals"), "none"));
    json_decref(root);
}

/* The SARIF file of the writer tests is kept for the schema check
 * (tests/gate: gate.sarif_schema_writers) when RACELAB_SARIF_OUT names a
 * directory. */
static void keep_sarif(const char *name, const struct cell_result *cells,
                       size_t n)
{
    const char *dir = getenv("RACELAB_SARIF_OUT");
    char path[512], err[256];

    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(write_sarif(path, cells, n, err, sizeof err), 0);
}

static void test_writer_sarif_results(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "";
    json_t *root, *runs, *run, *results, *r, *loc, *art;
    const char *uri, *msg;

    write_sarif_set_source_root(RACELAB_SOURCE_DIR);
    assert_int_equal(write_sarif(out_path(fx, "r.sarif"), fx->cells, NCELLS,
                                 err, sizeof err), 0);
    keep_sarif("writers.sarif", fx->cells, NCELLS);
    root = load_json(fx->path);
    assert_string_equal(json_string_value(json_object_get(root, "version")), "2.1.0");
    assert_string_equal(json_string_value(json_object_get(root, "$schema")),
                        "https://json.schemastore.org/sarif-2.1.0.json");
    /* one run per tool, each with its own category */
    runs = json_object_get(root, "runs");
    assert_int_equal(json_array_size(runs), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_array_get(runs, 0), "automationDetails"), "id")), "racelab/tsan/");
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_array_get(runs, 1), "automationDetails"), "id")), "racelab/helgrind/");
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_array_get(runs, 2), "automationDetails"), "id")), "racelab/none/");
    run = json_array_get(runs, 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_object_get(run, "tool"), "driver"), "name")), "racelab");
    assert_int_equal(json_array_size(json_object_get(json_object_get(
        json_object_get(run, "tool"), "driver"), "rules")), FINDING_KIND_COUNT);
    assert_true(ends_with(json_string_value(json_object_get(json_object_get(
        json_object_get(run, "originalUriBaseIds"), "SRCROOT"), "uri")), "/"));
    results = json_object_get(run, "results");
    /* tsan: the race (cell 0) and the fixed cell's lock-order finding;
     * helgrind: read and write de-duplicate into one */
    assert_int_equal(json_array_size(results), 2);
    assert_int_equal(json_array_size(json_object_get(json_array_get(runs, 1),
                                                     "results")), 1);
    r = json_array_get(results, 0);
    assert_string_equal(json_string_value(json_object_get(r, "ruleId")), "data-race");
    assert_string_equal(json_string_value(json_object_get(r, "level")), "error");
    assert_null(json_object_get(r, "baselineState"));   /* no --baseline */
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        r, "partialFingerprints"), "racelabFingerprint/v3")),
        fx->cells[0].findings[0].finding.fingerprint);
    loc = json_object_get(json_array_get(json_object_get(r, "locations"), 0),
                          "physicalLocation");
    art = json_object_get(loc, "artifactLocation");
    uri = json_string_value(json_object_get(art, "uri"));
    /* Under the source root: relative, with its base, so code scanning
     * can map it onto the repository. */
    assert_string_equal(uri, "tests/harness-unit/programs/race.c");
    assert_string_equal(json_string_value(json_object_get(art, "uriBaseId")),
                        "SRCROOT");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(loc,
                     "region"), "startLine")), 27);
    assert_true(json_array_size(json_object_get(r, "relatedLocations")) >= 1);
    /* both sites, in words */
    msg = json_string_value(json_object_get(json_object_get(r, "message"), "text"));
    assert_non_null(strstr(msg, "data race: "));
    assert_non_null(strstr(msg, " in main (race.c:27)"));
    assert_non_null(strstr(msg, " vs "));
    assert_non_null(strstr(msg, " in worker (race.c:16)"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r,
                     "properties"), "runs_seen")), 2);
    json_decref(root);
}

/* A source root the frames are not under: no absolute path leaks, and the
 * result says it has no frame in the user's code. */
static void test_writer_sarif_outside_root(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "";
    json_t *root, *r, *art;

    write_sarif_set_source_root(fx->dir);
    assert_int_equal(write_sarif(out_path(fx, "o.sarif"), fx->cells, NCELLS,
                                 err, sizeof err), 0);
    write_sarif_set_source_root(RACELAB_SOURCE_DIR);
    root = load_json(fx->path);
    r = json_array_get(json_object_get(json_array_get(json_object_get(root,
                       "runs"), 0), "results"), 0);
    art = json_object_get(json_object_get(json_array_get(json_object_get(r,
                          "locations"), 0), "physicalLocation"), "artifactLocation");
    assert_string_equal(json_string_value(json_object_get(art, "uri")), "race.c");
    assert_null(json_object_get(art, "uriBaseId"));
    assert_true(json_is_true(json_object_get(json_object_get(r, "properties"),
                                             "outside_source_root")));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(
        r, "message"), "text")), "no frame inside the source root"));
    json_decref(root);
}

/* JUnit, parsed with expat: testcases, failures, their messages. */
struct junit_count {
    int testcases, failures;
    char first_failure[512];
    char failed_name[128];
    char current_name[128];
};

static void XMLCALL junit_start(void *ud, const XML_Char *name,
                                const XML_Char **attrs)
{
    struct junit_count *j = ud;

    if (strcmp(name, "testcase") == 0) {
        j->testcases++;
        for (int i = 0; attrs[i]; i += 2)
            if (strcmp(attrs[i], "name") == 0)
                snprintf(j->current_name, sizeof j->current_name, "%s",
                         attrs[i + 1]);
    } else if (strcmp(name, "failure") == 0) {
        j->failures++;
        snprintf(j->failed_name, sizeof j->failed_name, "%s", j->current_name);
        for (int i = 0; attrs[i]; i += 2)
            if (strcmp(attrs[i], "message") == 0)
                snprintf(j->first_failure, sizeof j->first_failure, "%s",
                         attrs[i + 1]);
    }
}

static void XMLCALL junit_end(void *ud, const XML_Char *name)
{
}

static void test_writer_junit_parses(void **state)
{
    struct fixture *fx = *state;
    struct junit_count j = {0};
    char err[256] = "", buf[65536];
    XML_Parser xp;
    FILE *f;
    size_t n;

    assert_int_equal(write_junit(out_path(fx, "r.xml"), fx->cells, NCELLS,
                                 err, sizeof err), 0);
    f = fopen(fx->path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    xp = XML_ParserCreate(NULL);
    XML_SetUserData(xp, &j);
    XML_SetElementHandler(xp, junit_start, junit_end);
    if (XML_Parse(xp, buf, (int)n, 1) == XML_STATUS_ERROR)
        fail_msg("JUnit XML: %s at line %lu",
                 XML_ErrorString(XML_GetErrorCode(xp)),
                 (unsigned long)XML_GetCurrentLineNumber(xp));
    XML_ParserFree(xp);
    assert_int_equal(j.testcases, NCELLS);
    assert_int_equal(j.failures, 1);
    assert_string_equal(j.failed_name, "fixed.tsan");
    assert_string_equal(j.first_failure, fx->cells[2].verdict);
    assert_non_null(strstr(buf, "classname=\"racelab.cache-race\""));
    /* the hostile summary arrives escaped */
    assert_non_null(strstr(buf, "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"));
}

static void test_writer_html_escapes(void **state)
{
    struct fixture *fx = *state;
    char err[256] = "", buf[65536];
    FILE *f;
    size_t n;

    assert_int_equal(write_html(out_path(fx, "r.html"), fx->cells, NCELLS,
                                err, sizeof err), 0);
    f = fopen(fx->path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "<!DOCTYPE html>"));
    assert_non_null(strstr(buf, "Detection matrix"));
    assert_non_null(strstr(buf, "class=\"fail\""));
    assert_non_null(strstr(buf, "class=\"pass\""));
    assert_non_null(strstr(buf, fx->cells[0].findings[0].finding.fingerprint));
    assert_null(strstr(buf, "<b>\"x\""));
    assert_non_null(strstr(buf, "&lt;b&gt;"));
    assert_null(strstr(buf, "<script"));
    assert_non_null(strstr(buf, "</html>"));
}

static void test_writer_table_totals(void **state)
{
    struct fixture *fx = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    print_table(f, fx->cells, NCELLS);
    fclose(f);
    assert_non_null(strstr(buf, "SCENARIO"));
    assert_non_null(strstr(buf, "PRECISION"));
    assert_non_null(strstr(buf, "FAIL"));
    /* tsan: TP 1, FP 1, FN 0, precision 0.50, recall 1.00 */
    assert_non_null(strstr(buf, "tsan           1     1     0      0.50   1.00"));
    free(buf);
}

static void test_writer_unwritable_path(void **state)
{
    struct fixture *fx = *state;
    static const char *const bad = "/nonexistent-dir/out.file";
    char err[256];

    err[0] = '\0';
    assert_int_equal(write_json(bad, fx->cells, NCELLS, "x", err, sizeof err), -1);
    assert_non_null(strstr(err, bad));
    assert_non_null(strstr(err, strerror(ENOENT)));
    err[0] = '\0';
    assert_int_equal(write_junit(bad, fx->cells, NCELLS, err, sizeof err), -1);
    assert_non_null(strstr(err, bad));
    err[0] = '\0';
    assert_int_equal(write_sarif(bad, fx->cells, NCELLS, err, sizeof err), -1);
    assert_non_null(strstr(err, bad));
    err[0] = '\0';
    assert_int_equal(write_html(bad, fx->cells, NCELLS, err, sizeof err), -1);
    assert_non_null(strstr(err, bad));
    /* a full device: the write error is reported, not lost */
    if (access("/dev/full", W_OK) == 0) {
        err[0] = '\0';
        assert_int_equal(write_json("/dev/full", fx->cells, NCELLS, "x", err,
                                    sizeof err), -1);
        assert_non_null(strstr(err, "/dev/full"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_json_schema),
        cmocka_unit_test(test_writer_sarif_results),
        cmocka_unit_test(test_writer_sarif_outside_root),
        cmocka_unit_test(test_writer_junit_parses),
        cmocka_unit_test(test_writer_html_escapes),
        cmocka_unit_test(test_writer_table_totals),
        cmocka_unit_test(test_writer_unwritable_path),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
