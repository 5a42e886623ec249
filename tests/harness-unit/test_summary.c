/* test_summary.c - Wilson intervals, aggregates, scoring and verdicts. */
#include "cells.h"

#include <math.h>

#define K(kind) (1u << (kind))

static const struct location race_locs[] = {
    {.name = "main-write", .file = "programs/race.c", .line = 27},
    {.name = "worker-write", .file = "programs/race.c", .line = 16},
};

static void assert_near(double got, double want)
{
    if (fabs(got - want) > 5e-4)
        fail_msg("got %.6f, want %.6f", got, want);
}

static void test_wilson_known_values(void **state)
{
    double lo, hi;

    wilson_interval(0, 10, &lo, &hi);
    assert_near(lo, 0.0);
    assert_near(hi, 0.2775);
    wilson_interval(10, 10, &lo, &hi);
    assert_near(lo, 0.7225);
    assert_near(hi, 1.0);
    wilson_interval(5, 10, &lo, &hi);
    assert_near(lo, 0.2366);
    assert_near(hi, 0.7634);
    wilson_interval(1, 20, &lo, &hi);
    assert_near(lo, 0.0089);
    assert_near(hi, 0.2361);
    wilson_interval(0, 0, &lo, &hi);
    assert_near(lo, 0.0);
    assert_near(hi, 1.0);
}

static void test_summary_buggy_detected(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "buggy", "tsan", K(FINDING_DATA_RACE));
    cell_add_run(&c, NULL, 2.0, -1, race_locs, 2);
    cell_add_run(&c, DATA("tsan-race.log"), 3.0, 0.5, race_locs, 2);
    cell_add_run(&c, DATA("tsan-race-2.log"), 4.0, 1.5, race_locs, 2);
    cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_judge(&c);

    assert_int_equal(c.detected_runs, 2);
    assert_int_equal(c.finding_runs, 2);
    assert_near(c.rate, 0.5);
    assert_int_equal(c.first_detection_run, 2);
    assert_near(c.first_detection_seconds, 2.0 + 0.5);   /* cumulative */
    assert_near(c.median_seconds, 2.5);
    assert_near(c.median_detection_seconds, 1.0);
    /* the two captures de-duplicate into one finding seen in two runs */
    assert_int_equal(c.nfindings, 1);
    assert_int_equal(c.findings[0].runs_seen, 2);
    assert_true(c.findings[0].true_positive);
    assert_int_equal(c.runs[1].outcome, RUN_FINDING);
    assert_int_equal(c.runs[1].true_positives, 1);
    assert_int_equal(c.tp, 1);
    assert_int_equal(c.fp, 0);
    assert_int_equal(c.fn, 0);
    assert_int_equal(c.status, CELL_PASS);
    assert_non_null(strstr(c.verdict, "data-race detected in 2/4 runs"));
    cell_result_free(&c);
}

static void test_summary_buggy_missed_and_off_location(void **state)
{
    static const struct location elsewhere = {.file = "programs/other.c", .line = 5};
    struct cell_result c;

    /* expects a race and a lock-order inversion; gets the race elsewhere */
    cell_init(&c, "race", "buggy", "tsan",
              K(FINDING_DATA_RACE) | K(FINDING_LOCK_ORDER));
    cell_add_run(&c, DATA("tsan-race.log"), 1.0, 0.2, &elsewhere, 1);
    cell_judge(&c);
    assert_int_equal(c.detected_runs, 0);
    assert_int_equal(c.first_detection_run, -1);
    assert_int_equal(c.tp, 0);
    assert_int_equal(c.fp, 1);
    assert_int_equal(c.fn, 2);
    assert_int_equal(c.status, CELL_FAIL);
    assert_non_null(strstr(c.verdict, "found only data-race elsewhere"));
    cell_result_free(&c);
}

static void test_summary_buggy_expecting_nothing(void **state)
{
    struct cell_result c;

    /* measured: Helgrind reports nothing for a use-after-free */
    cell_init(&c, "uaf", "buggy", "helgrind", 0);
    cell_add_run(&c, DATA("helgrind-uaf.xml"), 1.0, -1, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_PASS);
    assert_int_equal(c.fn, 0);
    cell_result_free(&c);

    cell_init(&c, "race", "buggy", "helgrind", 0);
    cell_add_run(&c, DATA("helgrind-race.xml"), 1.0, 0.1, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    cell_result_free(&c);
}

static void test_summary_fixed_clean_and_dirty(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "fixed", "tsan", 0);
    for (int i = 0; i < 10; i++)
        cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_PASS);
    assert_int_equal(c.detected_runs, 0);
    assert_near(c.rate_hi, 0.2775);
    cell_result_free(&c);

    /* a finding on a fixed variant is a false positive and fails it */
    cell_init(&c, "race", "fixed", "tsan", 0);
    cell_add_run(&c, DATA("tsan-race.log"), 1.0, 0.3, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(c.fp, 1);
    assert_int_equal(c.tp, 0);
    assert_int_equal(c.detected_runs, 0);
    cell_result_free(&c);

    /* a hang on a fixed variant fails it too */
    cell_init(&c, "race", "fixed", "tsan", 0);
    cell_add_run(&c, NULL, 30.0, -1, race_locs, 2);
    c.runs[0].outcome = RUN_HANG;
    c.runs[0].hang_report = strdup("T1 waits for M0 held by T2");
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(c.hangs, 1);
    cell_result_free(&c);
}

static void test_summary_fixed_documented_false_positive(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "fixed", "helgrind", K(FINDING_DATA_RACE));
    c.expect.false_positive = true;
    cell_add_run(&c, DATA("helgrind-race.xml"), 1.0, 0.4, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_PASS);
    assert_true(c.findings[0].expected_false_positive);
    assert_int_equal(c.fp, 0);
    assert_int_equal(c.tp, 0);
    cell_result_free(&c);

    /* a kind beyond the documented trap still fails */
    cell_init(&c, "lock", "fixed", "helgrind", K(FINDING_DATA_RACE));
    c.expect.false_positive = true;
    cell_add_run(&c, DATA("helgrind-lockorder.xml"), 1.0, 0.4, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(c.fp, 1);
    cell_result_free(&c);
}

static void test_summary_tool_none_symptom(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "buggy", "none", 0);
    c.expect.symptom = true;
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    c.runs[1].symptom = true;
    cell_judge(&c);
    assert_int_equal(c.status, CELL_PASS);
    assert_int_equal(c.detected_runs, 1);
    assert_int_equal(c.symptom_runs, 1);
    c.expect.symptom = false;
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    cell_result_free(&c);

    cell_init(&c, "race", "fixed", "none", 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_PASS);
    c.runs[0].outcome = RUN_CRASH;
    c.runs[0].signal = 11;
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(c.crashes, 1);
    cell_result_free(&c);
}

static void test_summary_stress_counts_any_finding(void **state)
{
    struct cell_result c;

    cell_init(&c, "race.tsan", NULL, "tsan", 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    cell_add_run(&c, DATA("tsan-lockorder.log"), 1.0, 0.7, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.detected_runs, 1);
    assert_int_equal(c.first_detection_run, 2);
    assert_near(c.first_detection_seconds, 1.7);
    assert_int_equal(c.tp + c.fp + c.fn, 0);   /* nothing to score against */
    assert_int_equal(c.status, CELL_FAIL);
    cell_result_free(&c);
}

static void test_summary_env_error_fails_and_is_not_a_trial(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "buggy", "tsan", K(FINDING_DATA_RACE));
    cell_add_run(&c, DATA("tsan-race.log"), 1.0, 0.1, race_locs, 2);
    cell_add_run(&c, NULL, 0.0, -1, race_locs, 2);
    c.runs[1].outcome = RUN_ENV_ERROR;
    c.runs[1].reason = strdup("exec valgrind: No such file or directory");
    cell_judge(&c);
    assert_int_equal(c.env_errors, 1);
    assert_near(c.rate, 1.0);          /* 1 of 1 real trial */
    assert_int_equal(c.status, CELL_ERROR);
    assert_non_null(strstr(c.verdict, "exec valgrind"));
    cell_result_free(&c);
}


static void test_summary_buggy_missed_is_inconclusive_not_pass(void **state)
{
    struct cell_result c;

    /* intermittent at the recorded rate: 2 clean runs cannot decide */
    cell_init(&c, "race", "buggy", "tsan", K(FINDING_DATA_RACE));
    c.expect.rate = strdup("1/4");
    cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_INCONCLUSIVE);
    /* 1 in 4 promises at least 0.0456 per run (the Wilson lower bound):
     * (1 - 0.0456)^n <= 0.001 first at n = 149 */
    assert_int_equal(c.runs_needed, 149);
    assert_non_null(strstr(c.verdict, "149 runs would decide"));
    cell_result_free(&c);

    /* no rate recorded: still inconclusive, never a pass */
    cell_init(&c, "race", "buggy", "tsan", K(FINDING_DATA_RACE));
    cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_INCONCLUSIVE);
    assert_int_equal(c.runs_needed, 0);
    cell_result_free(&c);

    /* 13 in 13 promises at least 0.77 per run: 3 clean runs cannot
     * contradict that yet (P(miss) = 1.2%), 5 can (P = 0.06%) */
    cell_init(&c, "race", "buggy", "tsan", K(FINDING_DATA_RACE));
    c.expect.rate = strdup("13/13");
    for (int i = 0; i < 3; i++)
        cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_INCONCLUSIVE);
    assert_int_equal(c.runs_needed, 5);
    for (int i = 0; i < 2; i++)
        cell_add_run(&c, NULL, 1.0, -1, race_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    cell_result_free(&c);
}

static void test_summary_none_counts_crashes_and_hangs(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "buggy", "none", 0);
    c.expect.symptom = true;
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    c.runs[0].outcome = RUN_CRASH;
    c.runs[0].signal = 6;
    c.runs[1].outcome = RUN_HANG;
    cell_judge(&c);
    assert_int_equal(c.detected_runs, 2);
    assert_near(c.rate, 1.0);
    assert_int_equal(c.status, CELL_PASS);
    cell_result_free(&c);

    /* the symptom never seen: inconclusive with a runs count */
    cell_init(&c, "race", "buggy", "none", 0);
    c.expect.symptom = true;
    c.expect.rate = strdup("1/2");
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_INCONCLUSIVE);
    assert_int_equal(c.runs_needed, 70);
    cell_result_free(&c);
}

static void test_summary_fixed_fails_on_any_oracle(void **state)
{
    struct cell_result c;

    /* a "fix" that drops counts: no detector finding, but the stats
     * oracle fired; that is a fail, whatever the tool */
    cell_init(&c, "stats", "fixed", "tsan", 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    c.runs[0].oracles = strdup("stats-mismatch: requests 9812 != 10000");
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_non_null(strstr(c.verdict, "stats-mismatch"));
    cell_result_free(&c);

    cell_init(&c, "stats", "fixed", "none", 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    c.runs[0].oracles = strdup("slow-request: 2.1 s");
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    cell_result_free(&c);
}

static void test_summary_tool_error_is_error(void **state)
{
    struct cell_result c;

    cell_init(&c, "prog", NULL, "helgrind", 0);
    c.expect.known = false;
    cell_add_run(&c, NULL, 0.1, -1, NULL, 0);
    c.runs[0].outcome = RUN_TOOL_ERROR;
    c.runs[0].reason = strdup("valgrind: Unknown option: --bogus");
    cell_judge(&c);
    assert_int_equal(c.status, CELL_ERROR);
    assert_non_null(strstr(c.verdict, "Unknown option: --bogus"));
    assert_int_equal(cells_exit_status(&c, 1, false), 3);
    cell_result_free(&c);
}

static void test_runs_to_decide(void **state)
{
    assert_int_equal(runs_to_decide(1.0), 1);
    assert_int_equal(runs_to_decide(0.5), 10);
    assert_int_equal(runs_to_decide(0.05), 135);
    assert_int_equal(runs_to_decide(0.0), 0);
}

static void test_run_outcome_names(void **state)
{
    assert_string_equal(run_outcome_name(RUN_CLEAN), "clean");
    assert_string_equal(run_outcome_name(RUN_FINDING), "finding");
    assert_string_equal(run_outcome_name(RUN_HANG), "hang");
    assert_string_equal(run_outcome_name(RUN_CRASH), "crash");
    assert_string_equal(run_outcome_name(RUN_ENV_ERROR), "env-error");
    assert_string_equal(run_outcome_name(RUN_TOOL_ERROR), "tool-error");
    assert_string_equal(cell_status_name(CELL_INCONCLUSIVE), "inconclusive");
}

/* A run whose TSan printed a data race and then failed its own CHECK
 * (tests/verdicts/programs/vd_race_then_check.c, captured): the race is
 * parsed, and the CHECK's stack is not a finding. */
static const struct location check_locs[] = {
    {.name = "main-write", .file = "vd_race_then_check.c", .line = 33},
    {.name = "writer-write", .file = "vd_race_then_check.c", .line = 20},
};

static const char check_reason[] = "tsan did not run properly: "
    "ThreadSanitizer: CHECK failed: tsan_external.cpp:101 \"((tag)) < "
    "((atomic_load(&used_tags, memory_order_relaxed)))\"";

static void add_tool_failed_run(struct cell_result *c, const char *log,
                                const struct location *locs, size_t nlocs)
{
    cell_add_run(c, log, 0.8, log ? 0.7 : -1, locs, nlocs);
    c->runs[c->nruns - 1].outcome = RUN_TOOL_ERROR;
    c->runs[c->nruns - 1].reason = strdup(check_reason);
}

static void test_judge_findings_before_tool_failure_fail(void **state)
{
    struct cell_result c;
    struct finding_list l;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-race-then-check.log"), &l), 1);
    assert_int_equal(l.items[0].kind, FINDING_DATA_RACE);
    finding_list_free(&l);

    /* stress: the race fails the cell (exit 1, not 3); the verdict says
     * the tool then failed; the runs are trials */
    cell_init(&c, "prog", NULL, "tsan", 0);
    add_tool_failed_run(&c, DATA("tsan-race-then-check.log"), NULL, 0);
    add_tool_failed_run(&c, DATA("tsan-race-then-check.log"), NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(c.env_errors, 0);
    assert_int_equal(c.tool_failed_runs, 2);
    assert_int_equal(c.finding_runs, 2);
    assert_int_equal(c.nfindings, 1);
    assert_true(c.grounds & GROUND_FINDINGS);
    assert_true(c.grounds & GROUND_TOOL_ERROR);
    assert_non_null(strstr(c.verdict, "1 unique finding(s) in 2/2 runs"));
    assert_non_null(strstr(c.verdict, "the tool then failed in 2 of 2 runs: "
                                      "tsan did not run properly"));
    assert_int_equal(cells_exit_status(&c, 1, false), 1);
    cell_result_free(&c);

    /* a fixed variant: the same */
    cell_init(&c, "prog", "fixed", "tsan", 0);
    add_tool_failed_run(&c, DATA("tsan-race-then-check.log"), NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_non_null(strstr(c.verdict, "the tool then failed"));
    cell_result_free(&c);
}

static void test_judge_tool_failure_never_passes(void **state)
{
    struct cell_result c;

    /* a buggy cell that saw its race before the tool failed: the evidence
     * would pass, but a failed tool vouches for nothing: error, saying
     * what was seen before */
    cell_init(&c, "prog", "buggy", "tsan", K(FINDING_DATA_RACE));
    add_tool_failed_run(&c, DATA("tsan-race-then-check.log"), check_locs, 2);
    cell_judge(&c);
    assert_int_equal(c.detected_runs, 1);
    assert_int_equal(c.status, CELL_ERROR);
    assert_non_null(strstr(c.verdict, "the tool failed in 1 of 1 runs after "
                                      "its findings"));
    assert_non_null(strstr(c.verdict, "before it failed: data-race detected"));
    assert_int_equal(cells_exit_status(&c, 1, false), 3);
    cell_result_free(&c);

    /* the tool failed before any finding: the run tested nothing */
    cell_init(&c, "prog", NULL, "tsan", 0);
    add_tool_failed_run(&c, NULL, NULL, 0);
    cell_judge(&c);
    assert_int_equal(c.status, CELL_ERROR);
    assert_int_equal(c.env_errors, 1);
    assert_int_equal(c.grounds, GROUND_TOOL_ERROR);
    cell_result_free(&c);
}

/* The runner's extra-run decision is the judge's per-run rule. */
static void test_judge_run_detects_is_the_judges_rule(void **state)
{
    struct cell_result c;
    struct run_record r = {.outcome = RUN_CLEAN, .first_finding_seconds = -1};
    struct finding_list l;

    /* a lock-order report at the race's locations is not the data race
     * the cell expects: not a detection (the runner once said it was) */
    cell_init(&c, "race", "buggy", "tsan", K(FINDING_DATA_RACE));
    finding_list_init(&l);
    parse_tsan(DATA("tsan-race.log"), &l);
    assert_true(cell_run_detects(&c, &r, &l, race_locs, 2, 3));
    l.items[0].kind = FINDING_LOCK_ORDER;
    assert_false(cell_run_detects(&c, &r, &l, race_locs, 2, 3));
    assert_int_equal(r.nfindings, 0);           /* the run is not changed */
    assert_int_equal(l.count, 1);               /* nor its findings */
    finding_list_free(&l);
    /* a tool that failed before reporting: nothing detected */
    finding_list_init(&l);
    r.outcome = RUN_TOOL_ERROR;
    assert_false(cell_run_detects(&c, &r, &l, race_locs, 2, 3));
    cell_result_free(&c);
}

/* racelab merge's state: shards missing make a cell partial. */
static void test_judge_partial_merge(void **state)
{
    struct cell_result c;

    cell_init(&c, "prog", NULL, "tsan", 0);
    cell_add_run(&c, NULL, 1.0, -1, NULL, 0);
    c.merge_partial = strdup("shard 4/4 missing");
    cell_judge(&c);
    assert_int_equal(c.status, CELL_INCONCLUSIVE);
    assert_true(c.grounds & GROUND_PARTIAL);
    assert_non_null(strstr(c.verdict, "partial merge (shard 4/4 missing): 1 "
                                      "runs, not every run the gate owed; "
                                      "would pass: clean in 1 runs"));
    cell_result_free(&c);

    cell_init(&c, "prog", NULL, "tsan", 0);
    cell_add_run(&c, DATA("tsan-race.log"), 1.0, 0.2, NULL, 0);
    c.merge_partial = strdup("shard 2/2 missing");
    cell_judge(&c);
    cell_judge(&c);                             /* idempotent */
    assert_int_equal(c.status, CELL_FAIL);
    assert_string_equal(c.verdict, "1 unique finding(s) in 1/1 runs, 0 "
                        "hangs, 0 crashes; partial merge (shard 2/2 missing)");
    cell_result_free(&c);
}

/* Under tool none, a fixed variant's finding (its exit status) fails it,
 * as for every other tool (it once passed: "every oracle clean"). */
static void test_judge_fixed_none_fails_on_findings(void **state)
{
    struct cell_result c;

    cell_init(&c, "race", "fixed", "tsan", 0);  /* to parse the capture */
    cell_add_run(&c, DATA("tsan-race.log"), 1.0, 0.2, NULL, 0);
    free(c.tool);
    c.tool = strdup("none");
    cell_judge(&c);
    assert_int_equal(c.status, CELL_FAIL);
    assert_int_equal(c.grounds, GROUND_FINDINGS);
    assert_string_equal(cell_ground_name(GROUND_FINDINGS), "findings");
    assert_null(cell_ground_name(3));
    cell_result_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilson_known_values),
        cmocka_unit_test(test_summary_buggy_detected),
        cmocka_unit_test(test_summary_buggy_missed_and_off_location),
        cmocka_unit_test(test_summary_buggy_expecting_nothing),
        cmocka_unit_test(test_summary_fixed_clean_and_dirty),
        cmocka_unit_test(test_summary_fixed_documented_false_positive),
        cmocka_unit_test(test_summary_tool_none_symptom),
        cmocka_unit_test(test_summary_stress_counts_any_finding),
        cmocka_unit_test(test_summary_env_error_fails_and_is_not_a_trial),
        cmocka_unit_test(test_summary_buggy_missed_is_inconclusive_not_pass),
        cmocka_unit_test(test_summary_none_counts_crashes_and_hangs),
        cmocka_unit_test(test_summary_fixed_fails_on_any_oracle),
        cmocka_unit_test(test_summary_tool_error_is_error),
        cmocka_unit_test(test_judge_findings_before_tool_failure_fail),
        cmocka_unit_test(test_judge_tool_failure_never_passes),
        cmocka_unit_test(test_judge_run_detects_is_the_judges_rule),
        cmocka_unit_test(test_judge_partial_merge),
        cmocka_unit_test(test_judge_fixed_none_fails_on_findings),
        cmocka_unit_test(test_runs_to_decide),
        cmocka_unit_test(test_run_outcome_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
