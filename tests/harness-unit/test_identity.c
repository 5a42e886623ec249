/* test_identity.c - issue 17: the reviewable baseline file (one race per
 * line, sorted, repository-relative, merged by update, old format read),
 * new findings first and named in every report, SARIF's primary location
 * never in libc, and --tool none's guarantee. */
#include "cells.h"
#include "baseline_file.h"

#include <jansson.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/racelab-identity-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* DIR/NAME in one of four rotating buffers (a call may use several). */
static const char *in_dir(const char *dir, const char *name)
{
    static char buf[4][512];
    static int k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static const char *tmp(const char *name)
{
    return in_dir(tmpdir, name);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *s = calloc(1, 1 << 20);

    assert_non_null(f);
    assert_non_null(s);
    s[fread(s, 1, (1 << 20) - 1, f)] = '\0';
    fclose(f);
    return s;
}

static void test_baseline_file_small_sorted_relative(void **state)
{
    const char *const logs[] = {DATA("tsan-race_paths-miss.log"),
                                DATA("tsan-race.log")};
    struct cell_result c, *back = NULL;
    size_t n = 0, races = 0;
    char err[512], root[512] = "", *text, *a, *b;
    bool old = true;
    json_t *j;

    stress_cell(&c, logs, 2);
    /* the root: the checkout race.c was captured in */
    for (size_t i = 0; i < c.nfindings; i++) {
        const char *file = c.findings[i].finding.stacks[0].frames[0].file;
        const char *t = strstr(file, "/tests/harness-unit/programs/race.c");

        if (t)
            snprintf(root, sizeof root, "%.*s", (int)(t - file), file);
    }
    assert_true(root[0] == '/');
    assert_int_equal(baseline_file_write(tmp("b.json"), &c, 1, NULL, root,
                                         &races, err, sizeof err), 0);
    assert_int_equal(races, 2);
    text = slurp(tmp("b.json"));
    /* sorted, one race per line, paths relative to the root, no run data */
    a = strstr(text, "\"main@tests/harness-unit/programs/race.c(W)\"");
    b = strstr(text, "\"note_miss@");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_null(strstr(text, "@/"));        /* never an absolute path */
    assert_null(strstr(text, "runs"));
    assert_null(strstr(text, "seed"));
    assert_non_null(strstr(text, "\"first_seen\":\"20"));
    /* on the order of 100 bytes a race, plus a header */
    assert_true(strlen(text) < 150 + 2 * 200);
    j = json_loads(text, 0, NULL);
    assert_non_null(j);
    json_decref(j);
    free(text);

    /* read back: same fingerprints, the gate compares them */
    assert_int_equal(baseline_file_read(tmp("b.json"), &back, &n, &old, err,
                                        sizeof err), 0);
    assert_false(old);
    assert_int_equal(n, 1);
    assert_int_equal(back[0].nfindings, 2);
    cell_apply_baseline(&c, back, n);
    assert_int_equal(c.baseline_known, 2);
    assert_int_equal(c.baseline_new, 0);
    for (size_t i = 0; i < n; i++)
        cell_result_free(&back[i]);
    free(back);
    cell_result_free(&c);
}

static void test_baseline_update_merges_keeps_first_seen(void **state)
{
    const char *const one[] = {DATA("tsan-race.log")};
    const char *const two[] = {DATA("tsan-race_paths-get.log")};
    struct cell_result c1, c2;
    size_t races = 0;
    char err[512], *text;
    FILE *f;

    stress_cell(&c1, one, 1);
    assert_int_equal(baseline_file_write(tmp("m.json"), &c1, 1, NULL, NULL,
                                         &races, err, sizeof err), 0);
    /* pretend the first race was seen long ago: update must keep it */
    text = slurp(tmp("m.json"));
    memcpy(strstr(text, "\"first_seen\":\"") + 14, "1999-01-01", 10);
    f = fopen(tmp("m.json"), "w");
    fputs(text, f);
    fclose(f);
    free(text);
    stress_cell(&c2, two, 1);
    assert_int_equal(baseline_file_write(tmp("m.json"), &c2, 1, tmp("m.json"),
                                         NULL, &races, err, sizeof err), 0);
    assert_int_equal(races, 2);
    text = slurp(tmp("m.json"));
    assert_non_null(strstr(text, "1999-01-01"));
    assert_non_null(strstr(text, "stat_bump@"));
    free(text);
    cell_result_free(&c1);
    cell_result_free(&c2);
}

static void test_baseline_old_format_and_errors(void **state)
{
    const char *const one[] = {DATA("tsan-race.log")};
    struct cell_result c, *back = NULL;
    size_t n = 0;
    char err[512];
    bool old = false;
    FILE *f;

    /* an old baseline (a whole results file) is read, and says so */
    stress_cell(&c, one, 1);
    assert_int_equal(write_json(tmp("old.json"), &c, 1, "racelab stress",
                                err, sizeof err), 0);
    assert_int_equal(baseline_file_read(tmp("old.json"), &back, &n, &old, err,
                                        sizeof err), 0);
    assert_true(old);
    assert_int_equal(n, 1);
    assert_string_equal(back[0].findings[0].finding.fingerprint,
                        c.findings[0].finding.fingerprint);
    cell_result_free(&back[0]);
    free(back);
    /* another depth: a clear error */
    assert_int_equal(baseline_file_write(tmp("d.json"), &c, 1, NULL, NULL,
                                         NULL, err, sizeof err), 0);
    finding_set_fingerprint_depth(2);
    assert_int_equal(baseline_file_read(tmp("d.json"), &back, &n, &old, err,
                                        sizeof err), -1);
    finding_set_fingerprint_depth(1);
    assert_non_null(strstr(err, "--fingerprint-depth 1"));
    /* JSON that is neither */
    f = fopen(tmp("x.json"), "w");
    fputs("{\"something\": 1}\n", f);
    fclose(f);
    assert_int_equal(baseline_file_read(tmp("x.json"), &back, &n, &old, err,
                                        sizeof err), -1);
    assert_non_null(strstr(err, "not a racelab baseline"));
    cell_result_free(&c);
}

/* A cell with a known race (in the baseline) and a new one. */
static void gate_cell(struct cell_result *c)
{
    const char *const base_logs[] = {DATA("tsan-race.log")};
    const char *const now[] = {DATA("tsan-race.log"),
                               DATA("tsan-race_paths-miss.log")};
    struct cell_result base;

    stress_cell(&base, base_logs, 1);
    stress_cell(c, now, 2);
    c->runs[1].repro = strdup("racelab stress --tool tsan --runs 1 --seed 7 "
                              "-- ./prog");
    c->runs[1].seed = 7;
    c->findings[1].first_seed = 7;
    cell_apply_baseline(c, &base, 1);
    cell_result_free(&base);
    assert_int_equal(c->baseline_new, 1);
}

static void test_new_first_in_the_table(void **state)
{
    struct cell_result c;
    char *out = NULL, *fresh, *known;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    gate_cell(&c);
    print_table(f, &c, 1);
    fclose(f);
    fresh = strstr(out, "NEW race:note_miss@race_paths.c(W) x "
                        "note_miss@race_paths.c(W)");
    known = strstr(out, "known data-race");
    assert_non_null(fresh);
    assert_non_null(known);
    assert_true(fresh < known);
    /* in full: both stacks, the locks held, the repeat command */
    assert_non_null(strstr(fresh, "write (T"));
    assert_non_null(strstr(fresh, "previous write (T"));
    assert_non_null(strstr(fresh, "locks held: "));
    assert_non_null(strstr(fresh, "repeat with: racelab stress --tool tsan "
                                  "--runs 1 --seed 7"));
    free(out);
    cell_result_free(&c);
}

static void test_new_first_in_junit_and_html(void **state)
{
    struct cell_result c;
    char err[512], *x, *h, *fresh, *known;

    gate_cell(&c);
    assert_int_equal(write_junit(tmp("j.xml"), &c, 1, err, sizeof err), 0);
    x = slurp(tmp("j.xml"));
    assert_non_null(strstr(x, "message=\"NEW: race:note_miss@race_paths.c(W)"));
    fresh = strstr(x, "NEW race:note_miss");
    known = strstr(x, "known race:main@race.c(W) x worker@race.c(W)");
    assert_non_null(fresh);
    assert_non_null(known);
    assert_true(fresh < known);
    free(x);
    assert_int_equal(write_html(tmp("h.html"), &c, 1, err, sizeof err), 0);
    h = slurp(tmp("h.html"));
    fresh = strstr(h, "<div class=\"finding new\">");
    known = strstr(h, "race:main@race.c(W) x worker@race.c(W)");
    assert_non_null(fresh);
    assert_non_null(known);
    assert_true(fresh < known);
    assert_non_null(strstr(fresh, "NEW</span>"));
    free(h);
    cell_result_free(&c);
}

static void test_intermittent_named_by_function(void **state)
{
    const char *const logs[] = {DATA("tsan-race.log"), NULL};
    struct cell_result c;

    stress_cell(&c, logs, 2);
    cell_judge(&c);
    assert_non_null(strstr(c.verdict, "intermittent: data-race main@race.c(W)"
                                      " x worker@race.c(W) ["));
    cell_result_free(&c);
}

static void test_tool_none_guarantee(void **state)
{
    const char *const clean[4] = {0};
    struct cell_result c;

    stress_cell(&c, clean, 4);
    free(c.tool);
    c.tool = strdup("none");
    c.min_rate = 0.5;
    c.confidence = 0.9;
    cell_judge(&c);
    assert_null(strstr(c.guarantee, "no race"));
    assert_string_equal(c.guarantee, "no crash or hang with per-run rate >= "
                        "0.5 at 90%: 4 runs (tool none: races are not "
                        "detected)");
    cell_result_free(&c);
}

/* glibc's frames under the thread's entry (the memcached case: the racing
 * function has no line, libc's csu/../sysdeps file has one). */
static void test_sarif_primary_never_libc(void **state)
{
    const char *const logs[] = {DATA("tsan-race.log")};
    struct cell_result c;
    struct stack *s;
    char err[512], *text;
    json_t *j, *loc;
    const char *uri;

    stress_cell(&c, logs, 1);
    s = &c.findings[0].finding.stacks[0];
    s->frames = realloc(s->frames, 2 * sizeof *s->frames);
    s->frames[0].line = 0;
    s->frames[1].function = strdup("__libc_start_call_main");
    s->frames[1].file = strdup("csu/../sysdeps/nptl/libc_start_call_main.h");
    s->frames[1].line = 58;
    s->nframes = 2;
    write_sarif_set_source_root("/");
    assert_int_equal(write_sarif(tmp("s.sarif"), &c, 1, err, sizeof err), 0);
    write_sarif_set_source_root(NULL);
    text = slurp(tmp("s.sarif"));
    j = json_loads(text, 0, NULL);
    assert_non_null(j);
    loc = json_object_get(json_array_get(json_object_get(json_array_get(
        json_object_get(j, "runs"), 0), "results"), 0), "locations");
    uri = json_string_value(json_object_get(json_object_get(json_object_get(
        json_array_get(loc, 0), "physicalLocation"), "artifactLocation"), "uri"));
    assert_non_null(uri);
    assert_null(strstr(uri, "sysdeps"));
    assert_true(ends_with(uri, "race.c"));
    json_decref(j);
    free(text);
    cell_result_free(&c);
}


/* Results written at depth 2 (two call paths, two findings) read back at
 * depth 1: one race, as one run would have folded it. */
static void test_read_json_folds_at_new_depth(void **state)
{
    const char *const logs[] = {DATA("tsan-race_paths-get.log"),
                                DATA("tsan-race_paths-set.log")};
    struct cell_result c, *back = NULL;
    size_t n = 0;
    char err[512];

    finding_set_fingerprint_depth(2);
    stress_cell(&c, logs, 2);
    finding_set_fingerprint_depth(1);
    assert_int_equal(c.nfindings, 2);
    assert_int_equal(write_json(tmp("d2.json"), &c, 1, "racelab stress", err,
                                sizeof err), 0);
    assert_int_equal(read_json(tmp("d2.json"), &back, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(back[0].nfindings, 1);
    assert_int_equal(back[0].findings[0].runs_seen, 1);
    cell_result_free(&back[0]);
    free(back);
    cell_result_free(&c);
}

/* DATA() for a name known at run time. */
static const char *DATA_PATH(const char *name)
{
    return in_dir(RACELAB_UNIT_DATA, name);
}

/* The racing memory, by name or by where it was allocated, the same from
 * TSan, Helgrind and DRD (DRD names no global). */
static void test_object_from_every_tool(void **state)
{
    static const struct {
        const char *file, *tool, *object;
        size_t sites;
    } cases[] = {
        {"tsan-race_object-clock1.log", "tsan", "global now", 2},
        {"tsan-race_object-heap1.log", "tsan",
         "heap block from conn_alloc@race_object.c", 2},
        {"tsan-race_paths-get.log", "tsan", "global hits", 2},
        {"helgrind-race_object-clock1.xml", "helgrind", "global now", 2},
        {"helgrind-race_object-heap1.xml", "helgrind",
         "heap block from conn_alloc@race_object.c", 2},
        {"drd-race_object-clock1.xml", "drd", NULL, 1},
        {"drd-race_object-heap1.xml", "drd",
         "heap block from conn_alloc@race_object.c", 1},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct finding_list l;
        struct finding_site *sites;
        char obj[600];
        const char *got;

        finding_list_init(&l);
        if (strcmp(cases[i].tool, "tsan") == 0)
            assert_true(parse_tsan(DATA_PATH(cases[i].file), &l) > 0);
        else
            assert_true(parse_vg(DATA_PATH(cases[i].file), cases[i].tool, &l) > 0);
        got = finding_object(&l.items[0], obj, sizeof obj);
        if (cases[i].object)
            assert_string_equal(got ? got : "(none)", cases[i].object);
        else
            assert_null(got);
        /* the allocation stack is background, never a racing site
         * (DRD shows one access: the conflicting one is a segment) */
        assert_int_equal(finding_sites(&l.items[0], NULL, &sites),
                         cases[i].sites);
        free(sites);
        finding_list_free(&l);
    }
}

/* A stress cell named "prog" whose one run found LOG's race. */
static void object_cell(struct cell_result *c, const char *log)
{
    const char *const logs[] = {log};

    stress_cell(c, logs, 1);
    assert_int_equal(c->nfindings, 1);
}

/* The gate: a pair of a family in the baseline makes the family's other
 * pairs known (same object, one function shared), under the default
 * --baseline-match object only; a new object stays new. */
static void test_gate_known_by_object(void **state)
{
    struct cell_result base[2], c;
    static const struct {
        const char *base_log, *log;
        bool known_by_object;
    } cases[] = {
        {"tsan-race_object-clock1.log", "tsan-race_object-clock2.log", true},
        {"tsan-race_object-heap1.log", "tsan-race_object-heap2.log", true},
        {"tsan-race_object-clock1.log", "tsan-race_object-counter.log", false},
        {"tsan-race_object-heap1.log", "tsan-race_object-clock2.log", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int mode = 0; mode < 2; mode++) {
            const bool want_known = cases[i].known_by_object && mode == 0;

            object_cell(&base[0], DATA_PATH(cases[i].base_log));
            object_cell(&c, DATA_PATH(cases[i].log));
            assert_string_not_equal(c.findings[0].finding.fingerprint,
                                    base[0].findings[0].finding.fingerprint);
            baseline_set_match(mode == 0 ? BASELINE_MATCH_OBJECT
                                         : BASELINE_MATCH_EXACT);
            cell_apply_baseline(&c, base, 1);
            assert_int_equal(c.baseline_new, want_known ? 0 : 1);
            assert_int_equal(c.baseline_known, want_known ? 1 : 0);
            assert_int_equal(c.baseline_related, want_known ? 1 : 0);
            if (want_known) {
                assert_string_equal(c.findings[0].baseline_related,
                                    base[0].findings[0].finding.fingerprint);
                assert_int_equal(c.status, CELL_PASS);
                assert_non_null(strstr(c.verdict, "(1 by object)"));
            } else {
                assert_string_equal(c.findings[0].baseline_related, "");
                assert_int_equal(c.status, CELL_FAIL);
            }
            cell_result_free(&c);
            cell_result_free(&base[0]);
        }
    }
    baseline_set_match(BASELINE_MATCH_OBJECT);
}

/* The object goes into the baseline file and comes back from it: a gate
 * against the file knows the family as it did against the cells. */
static void test_baseline_file_keeps_object(void **state)
{
    struct cell_result base, c, *back = NULL;
    size_t n = 0, races = 0;
    char err[512], *text;
    bool old = true;

    (void)state;
    object_cell(&base, DATA_PATH("tsan-race_object-heap1.log"));
    assert_int_equal(baseline_file_write(tmp("obj.json"), &base, 1, NULL, NULL,
                                         &races, err, sizeof err), 0);
    text = slurp(tmp("obj.json"));
    assert_non_null(strstr(text,
        "\"object\":\"heap block from conn_alloc@race_object.c\""));
    free(text);
    assert_int_equal(baseline_file_read(tmp("obj.json"), &back, &n, &old, err,
                                        sizeof err), 0);
    assert_false(old);
    object_cell(&c, DATA_PATH("tsan-race_object-heap2.log"));
    cell_apply_baseline(&c, back, n);
    assert_int_equal(c.baseline_new, 0);
    assert_int_equal(c.baseline_related, 1);
    for (size_t i = 0; i < n; i++)
        cell_result_free(&back[i]);
    free(back);
    cell_result_free(&c);
    cell_result_free(&base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_file_small_sorted_relative),
        cmocka_unit_test(test_baseline_update_merges_keeps_first_seen),
        cmocka_unit_test(test_baseline_old_format_and_errors),
        cmocka_unit_test(test_new_first_in_the_table),
        cmocka_unit_test(test_new_first_in_junit_and_html),
        cmocka_unit_test(test_intermittent_named_by_function),
        cmocka_unit_test(test_tool_none_guarantee),
        cmocka_unit_test(test_sarif_primary_never_libc),
        cmocka_unit_test(test_read_json_folds_at_new_depth),
        cmocka_unit_test(test_object_from_every_tool),
        cmocka_unit_test(test_gate_known_by_object),
        cmocka_unit_test(test_baseline_file_keeps_object),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
