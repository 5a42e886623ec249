/* test_gate.c - the CI gate in the report library: baselines (new,
 * known, fixed, and the re-scoring), the JSON round trip that merge and
 * --baseline rest on, shard merging, and the confidence arithmetic. */
#include "cells.h"

#include <jansson.h>
#include <math.h>
#include <unistd.h>

#define K(kind) (1u << (kind))

static void test_confidence_runs(void **state)
{
    /* the example: rate 0.2 at 95% takes 14 clean runs */
    assert_int_equal(runs_for_confidence(0.2, 0.95), 14);
    /* (1 - 0.2)^13 = 0.055 > 0.05 >= (1 - 0.2)^14 = 0.044 */
    assert_true(pow(0.8, 13) > 0.05 && pow(0.8, 14) <= 0.05);
    assert_int_equal(runs_for_confidence(0.5, 0.99), 7);
    assert_int_equal(runs_for_confidence(0, 0.95), 0);
}

static void test_guarantee_in_verdict(void **state)
{
    const char *const clean[14] = {0};
    struct cell_result c;

    stress_cell(&c, clean, 14);
    c.min_rate = 0.2;
    c.confidence = 0.95;
    cell_judge(&c);
    assert_string_equal(c.guarantee,
                        "no race with per-run rate >= 0.2 at 95%: 14 runs");
    assert_non_null(strstr(c.verdict, c.guarantee));
    cell_result_free(&c);

    stress_cell(&c, clean, 5);
    c.min_rate = 0.2;
    c.confidence = 0.95;
    cell_judge(&c);
    /* 1 - 0.8^5 = 67.232% */
    assert_non_null(strstr(c.guarantee, "at 67.232% only: 5 runs of the 14"));
    cell_result_free(&c);
}

static void test_intermittent_labelled(void **state)
{
    const char *const logs[] = {DATA("tsan-race.log"), NULL, NULL};
    struct cell_result c;

    stress_cell(&c, logs, 3);
    assert_true(unique_finding_is_intermittent(&c, &c.findings[0]));
    cell_judge(&c);
    assert_non_null(strstr(c.verdict, "intermittent: data-race"));
    assert_non_null(strstr(c.verdict, "in 1/3 runs (33%)"));
    cell_result_free(&c);
}

static void test_baseline_known_passes_new_fails(void **state)
{
    const char *const base_logs[] = {DATA("tsan-race.log")};
    const char *const now_logs[] = {DATA("tsan-race-2.log"),
                                    DATA("tsan-race.log")};
    const char *const two[] = {DATA("tsan-race.log"), DATA("tsan-uaf.log")};
    struct cell_result base, c;

    stress_cell(&base, base_logs, 1);
    /* the same race again (another capture of it): known, so it passes */
    stress_cell(&c, now_logs, 2);
    assert_int_equal(c.status, CELL_FAIL);
    cell_apply_baseline(&c, &base, 1);
    assert_int_equal(c.baseline_known, c.nfindings);
    assert_int_equal(c.baseline_new, 0);
    assert_int_equal(c.baseline_fixed, 0);
    assert_int_equal(c.findings[0].baseline, BASELINE_KNOWN);
    assert_int_equal(c.status, CELL_PASS);
    assert_non_null(strstr(c.verdict, "[baseline: 0 new, 1 known, 0 fixed]"));
    assert_int_equal(cells_exit_status(&c, 1, false), 0);
    cell_result_free(&c);

    /* a second bug is new: the gate fails */
    stress_cell(&c, two, 2);
    cell_apply_baseline(&c, &base, 1);
    assert_int_equal(c.baseline_known, 1);
    assert_int_equal(c.baseline_new, 1);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(cells_exit_status(&c, 1, false), 1);
    cell_result_free(&c);

    /* the race gone: clean, and the baseline's finding is fixed */
    stress_cell(&c, (const char *const[]){NULL}, 1);
    cell_apply_baseline(&c, &base, 1);
    assert_int_equal(c.status, CELL_PASS);
    assert_int_equal(c.baseline_fixed, 1);
    assert_string_equal(c.fixed_findings[0].fingerprint,
                        base.findings[0].finding.fingerprint);
    cell_result_free(&c);
    cell_result_free(&base);
}

static void test_baseline_keeps_crashes_failing(void **state)
{
    const char *const logs[] = {DATA("tsan-race.log")};
    struct cell_result base, c;

    stress_cell(&base, logs, 1);
    cell_init(&c, "prog", NULL, "tsan", 0);
    cell_add_run(&c, DATA("tsan-race.log"), 1.0, 0.2, NULL, 0);
    c.runs[0].outcome = RUN_CRASH;
    cell_judge(&c);
    cell_apply_baseline(&c, &base, 1);
    /* the race is known, but a crash is not a finding a baseline hides */
    assert_int_equal(c.status, CELL_FAIL);
    cell_result_free(&c);
    cell_result_free(&base);
}

/* A clean run of SECONDS (seed SEED) kept by the cell's own rule. */
static void keep_clean(struct cell_result *c, double seconds, unsigned long seed)
{
    struct run_record r = {.outcome = RUN_CLEAN, .seconds = seconds,
                           .first_finding_seconds = -1, .seed = seed};

    assert_int_equal(cell_result_keep_run(c, &r), 0);
}

/* --runs 100000 must not keep 100000 records: past RUNS_KEPT records,
 * consecutive clean runs fold into one, and every figure still counts
 * every run (the first detection's number, the rate, the median), through
 * write_json/read_json and merge. */
static void test_clean_runs_fold(void **state)
{
    char dir[] = "/tmp/racelab-gate-XXXXXX", path[128], err[256];
    struct cell_result c, *back, *merged = NULL;
    struct finding_list l;
    size_t n, m = 0;
    unsigned long seed = 1;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/r.json", dir);
    cell_init(&c, "prog", NULL, "tsan", 0);
    for (int i = 0; i < 2000; i++)
        keep_clean(&c, 0.01, seed++);
    /* run 2001 finds a race */
    struct run_record r = {.outcome = RUN_CLEAN, .seconds = 0.02,
                           .first_finding_seconds = 0.01, .seed = seed++};
    finding_list_init(&l);
    parse_tsan(DATA("tsan-race.log"), &l);
    assert_int_equal(cell_result_add_run(&c, &r, &l, NULL, 0, 3), 0);
    assert_int_equal(cell_result_keep_run(&c, &r), 0);
    for (int i = 0; i < 3000; i++)
        keep_clean(&c, 0.03, seed++);
    cell_judge(&c);

    /* 1000 records, a fold of 1000, the finding's run, a fold of 3000 */
    assert_int_equal(c.nruns, RUNS_KEPT + 3);
    assert_int_equal(c.runs[RUNS_KEPT].folded, 999);
    assert_int_equal(c.runs[RUNS_KEPT + 1].outcome, RUN_FINDING);
    assert_int_equal(c.runs[RUNS_KEPT + 2].folded, 2999);
    assert_int_equal(c.total_runs, 5001);
    assert_int_equal(c.detected_runs, 1);
    assert_int_equal(c.first_detection_run, 2001);
    assert_true(fabs(c.first_detection_seconds - (2000 * 0.01 + 0.01)) < 1e-6);
    assert_true(fabs(c.rate - 1.0 / 5001) < 1e-9);
    /* 2000 at 0.01, one at 0.02, 3000 at 0.03: the 2501st is 0.03 */
    assert_true(fabs(c.median_seconds - 0.03) < 1e-9);
    assert_non_null(strstr(c.verdict, "in 1/5001 runs"));
    /* reports number runs, not records: the finding's run is run 2001 */
    char junit[160], *xml;
    size_t xl = 0;
    FILE *jf;
    snprintf(junit, sizeof junit, "%s/r.xml", dir);
    c.runs[RUNS_KEPT + 1].reason = strdup("the tool then failed");
    assert_int_equal(write_junit(junit, &c, 1, err, sizeof err), 0);
    assert_non_null(jf = fopen(junit, "r"));
    xml = calloc(1, 1 << 20);
    assert_non_null(xml);
    xl = fread(xml, 1, (1 << 20) - 1, jf);
    fclose(jf);
    xml[xl] = 0;
    if (!strstr(xml, "run 2001 finding: the tool then failed"))
        fail_msg("the run is not numbered 2001: %s", xml);
    free(xml);
    unlink(junit);

    assert_int_equal(write_json(path, &c, 1, "racelab stress", err, sizeof err), 0);
    assert_int_equal(read_json(path, &back, &n, err, sizeof err), 0);
    assert_int_equal(back[0].nruns, RUNS_KEPT + 3);
    assert_int_equal(back[0].total_runs, 5001);
    cell_judge(&back[0]);
    assert_int_equal(back[0].first_detection_run, 2001);
    assert_string_equal(back[0].verdict, c.verdict);

    /* merged with a second shard of the same cell: 10002 runs */
    assert_int_equal(cells_merge(&merged, &m, back, 1), 0);
    cell_result_free(&back[0]);     /* left empty by the merge */
    free(back);
    assert_int_equal(read_json(path, &back, &n, err, sizeof err), 0);
    assert_int_equal(cells_merge(&merged, &m, back, 1), 0);
    cell_result_free(&back[0]);
    free(back);
    assert_int_equal(m, 1);
    cell_judge(&merged[0]);
    assert_int_equal(merged[0].total_runs, 10002);
    assert_int_equal(merged[0].detected_runs, 2);
    assert_non_null(strstr(merged[0].verdict, "in 2/10002 runs"));

    cell_result_free(&merged[0]);
    free(merged);
    cell_result_free(&c);
    unlink(path);
    rmdir(dir);
}

/* write_json then read_json: runs and findings, stacks and frames. */
static void test_json_round_trip(void **state)
{
    const char *const logs[] = {DATA("tsan-race.log"), NULL,
                                DATA("tsan-lockorder.log")};
    char dir[] = "/tmp/racelab-gate-XXXXXX", path[128], err[256];
    struct cell_result c, *back;
    size_t n;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/r.json", dir);
    stress_cell(&c, logs, 3);
    c.runs[1].oracles = strdup("slow-request: 1.8 s");
    c.runs[2].suppressed = 3;
    cell_judge(&c);
    assert_int_equal(write_json(path, &c, 1, "racelab stress", err, sizeof err), 0);
    assert_int_equal(read_json(path, &back, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(back[0].scenario, "prog");
    assert_null(back[0].variant);
    assert_int_equal(back[0].nruns, 3);
    assert_int_equal(back[0].nfindings, c.nfindings);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(back[0].runs[i].outcome, c.runs[i].outcome);
        assert_int_equal(back[0].runs[i].seed, c.runs[i].seed);
        assert_int_equal(back[0].runs[i].nfindings, c.runs[i].nfindings);
        assert_int_equal(back[0].runs[i].suppressed, c.runs[i].suppressed);
    }
    assert_string_equal(back[0].runs[1].oracles, "slow-request: 1.8 s");
    for (size_t u = 0; u < c.nfindings; u++) {
        const struct finding *a = &c.findings[u].finding, *b = &back[0].findings[u].finding;

        assert_string_equal(a->fingerprint, b->fingerprint);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->nstacks, b->nstacks);
        for (size_t s = 0; s < a->nstacks; s++) {
            assert_int_equal(a->stacks[s].nframes, b->stacks[s].nframes);
            assert_int_equal(a->stacks[s].context, b->stacks[s].context);
            for (size_t f = 0; f < a->stacks[s].nframes; f++) {
                assert_int_equal(a->stacks[s].frames[f].line,
                                 b->stacks[s].frames[f].line);
                if (a->stacks[s].frames[f].file)
                    assert_string_equal(a->stacks[s].frames[f].file,
                                        b->stacks[s].frames[f].file);
            }
        }
        assert_int_equal(c.findings[u].runs_seen, back[0].findings[u].runs_seen);
    }
    /* re-scored from what was read: the same verdict */
    cell_judge(&back[0]);
    assert_string_equal(back[0].verdict, c.verdict);
    assert_int_equal(back[0].status, c.status);
    cell_result_free(&back[0]);
    free(back);
    cell_result_free(&c);
    unlink(path);
    rmdir(dir);
}

/* Shards 1/2 and 2/2 of four runs merge into the four-run cell. */
static void test_merge_shards(void **state)
{
    const char *const logs[] = {DATA("tsan-race.log"), NULL,
                                DATA("tsan-race-2.log"), DATA("tsan-uaf.log")};
    struct cell_result whole, *merged = NULL;
    struct cell_result shard[2];
    size_t n = 0;

    stress_cell(&whole, logs, 4);
    for (int s = 0; s < 2; s++) {
        cell_init(&shard[s], "prog", NULL, "tsan", 0);
        for (int r = s; r < 4; r += 2) {
            cell_add_run(&shard[s], logs[r], 1.0, logs[r] ? 0.2 : -1, NULL, 0);
            shard[s].runs[shard[s].nruns - 1].seed = whole.runs[r].seed;
        }
    }
    assert_int_equal(cells_merge(&merged, &n, &shard[1], 1), 0);
    assert_int_equal(cells_merge(&merged, &n, &shard[0], 1), 0);
    assert_int_equal(n, 1);
    cell_judge(&merged[0]);
    assert_int_equal(merged[0].nruns, 4);
    for (size_t r = 0; r < 4; r++)
        assert_int_equal(merged[0].runs[r].seed, whole.runs[r].seed);
    assert_int_equal(merged[0].nfindings, whole.nfindings);
    assert_int_equal(merged[0].finding_runs, whole.finding_runs);
    assert_int_equal(merged[0].first_detection_run, whole.first_detection_run);
    for (size_t u = 0; u < whole.nfindings; u++) {
        bool found = false;
        for (size_t k = 0; k < merged[0].nfindings; k++)
            if (!strcmp(merged[0].findings[k].finding.fingerprint,
                        whole.findings[u].finding.fingerprint)) {
                assert_int_equal(merged[0].findings[k].runs_seen,
                                 whole.findings[u].runs_seen);
                found = true;
            }
        assert_true(found);
    }
    assert_string_equal(merged[0].verdict, whole.verdict);
    cell_result_free(&merged[0]);
    free(merged);
    cell_result_free(&whole);
}

/* A SARIF with every baseline state, for the schema check. */
static void test_sarif_baseline_states(void **state)
{
    const char *const base_logs[] = {DATA("tsan-race.log"), DATA("tsan-lockorder.log")};
    const char *const now_logs[] = {DATA("tsan-race.log"), DATA("tsan-uaf.log")};
    const char *dir = getenv("RACELAB_SARIF_OUT");
    char path[512], err[256];
    struct cell_result base, c;
    json_t *root, *results;
    json_error_t je;
    int seen[3] = {0};

    stress_cell(&base, base_logs, 2);
    stress_cell(&c, now_logs, 2);
    cell_apply_baseline(&c, &base, 1);
    snprintf(path, sizeof path, "%s/baseline.sarif", dir ? dir : "/tmp");
    write_sarif_set_source_root("/");
    assert_int_equal(write_sarif(path, &c, 1, err, sizeof err), 0);
    root = json_load_file(path, 0, &je);
    assert_non_null(root);
    results = json_object_get(json_array_get(json_object_get(root, "runs"), 0),
                              "results");
    assert_int_equal(json_array_size(results), 3);
    for (size_t i = 0; i < 3; i++) {
        const char *st = json_string_value(json_object_get(
            json_array_get(results, i), "baselineState"));
        assert_non_null(st);
        seen[0] += !strcmp(st, "unchanged");
        seen[1] += !strcmp(st, "new");
        seen[2] += !strcmp(st, "absent");
    }
    assert_true(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
    json_decref(root);
    if (!dir)
        unlink(path);
    cell_result_free(&c);
    cell_result_free(&base);
}

/* Suppressed reports, as each tool counts them. */
static void test_suppressed_counts_parsed(void **state)
{
    static const char tsan[] =
        "ThreadSanitizer: Matched 2 suppressions (pid=4242):\n"
        "3 race:count_hit\n"
        "1 race:count_miss\n";
    static const char vg[] =
        "<?xml version=\"1.0\"?>\n<valgrindoutput>\n"
        "<protocolversion>4</protocolversion>\n"
        "<errorcounts>\n  <pair><count>100</count><unique>0x1</unique></pair>\n"
        "</errorcounts>\n<suppcounts>\n"
        "  <pair><count>5</count><name>my-known-race</name></pair>\n"
        "  <pair><count>2</count><name>helgrind-glibc2X-005</name></pair>\n"
        "</suppcounts>\n</valgrindoutput>\n";
    struct finding_list l;
    char err[256];

    finding_list_init(&l);
    assert_int_equal(tsan_parse_buffer(tsan, sizeof tsan - 1, &l, err,
                                       sizeof err), 0);
    assert_int_equal(l.suppressed, 4);
    finding_list_free(&l);
    assert_int_equal(l.suppressed, 0);
    /* <errorcounts> is not <suppcounts> */
    assert_true(valgrind_parse_xml_buffer(vg, sizeof vg - 1, "helgrind", &l,
                                          err, sizeof err) >= 0);
    assert_int_equal(l.suppressed, 7);
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_confidence_runs),
        cmocka_unit_test(test_guarantee_in_verdict),
        cmocka_unit_test(test_intermittent_labelled),
        cmocka_unit_test(test_baseline_known_passes_new_fails),
        cmocka_unit_test(test_baseline_keeps_crashes_failing),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_clean_runs_fold),
        cmocka_unit_test(test_merge_shards),
        cmocka_unit_test(test_sarif_baseline_states),
        cmocka_unit_test(test_suppressed_counts_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
