/* test_chaos_spec.c - the one schedule-spec grammar (src/chaos/chaos_spec.c):
 * every key any part of racelab prints is accepted, every refusal names
 * the key, and docs/CHAOS.md lists exactly the keys of the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "chaos_spec.h"

static void test_chaos_spec_accepts_every_strategy(void **state)
{
    struct chaos_config c;
    (void)state;
    assert_int_equal(chaos_spec_parse(NULL, &c, NULL, 0), 0);
    assert_int_equal(c.strategy, CHAOS_NONE);
    assert_int_equal(chaos_spec_parse("", &c, NULL, 0), 0);
    assert_int_equal(c.strategy, CHAOS_NONE);
    for (int s = 0; s < CHAOS_STRATEGY_COUNT; s++) {
        assert_int_equal(chaos_spec_parse(chaos_strategies[s].name, &c, NULL, 0), 0);
        assert_int_equal(c.strategy, s);
        assert_int_equal(c.given, 0);
    }
}

static void test_chaos_spec_defaults(void **state)
{
    struct chaos_config c;
    (void)state;
    assert_int_equal(chaos_spec_parse("pct", &c, NULL, 0), 0);
    assert_int_equal(c.seed, 1);
    assert_int_equal(c.depth, 3);
    assert_true(c.p == 0.125);
    assert_int_equal(c.steps, 0);
}

/* What the scheduler prints in "to repeat:" and the schedule log's header
 * (src/sched/sched.c note_schedule, replay_header) and what the harness
 * appends (runner.c: seed=), for every strategy. */
static void test_chaos_spec_accepts_what_racelab_prints(void **state)
{
    static const char *const printed[] = {
        "pct:seed=4:steps=515", "pct:depth=2:seed=13:steps=513",
        "random:p=0.25:seed=3:steps=2000", "none:steps=2000", "none:seed=7",
        "random:seed=18446744073709551615",
    };
    struct chaos_config c;
    char err[200];
    (void)state;
    for (size_t i = 0; i < sizeof printed / sizeof *printed; i++) {
        if (chaos_spec_parse(printed[i], &c, err, sizeof err) != 0)
            fail_msg("%s: %s", printed[i], err);
    }
    assert_int_equal(chaos_spec_parse("pct:seed=4:steps=515", &c, err, sizeof err), 0);
    assert_int_equal(c.seed, 4);
    assert_int_equal(c.steps, 515);
    assert_true(c.given & (1u << CHAOS_KEY_steps));
    assert_true(c.given & (1u << CHAOS_KEY_seed));
    assert_false(c.given & (1u << CHAOS_KEY_depth));
}

static void refused(const char *spec, const char *want)
{
    struct chaos_config c;
    char err[200];
    assert_int_equal(chaos_spec_parse(spec, &c, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("%s: error '%s' lacks '%s'", spec, err, want);
    assert_int_equal(c.strategy, CHAOS_NONE);   /* defaults, not half a spec */
}

static void test_chaos_spec_refusals_name_the_key(void **state)
{
    (void)state;
    refused("fast", "unknown strategy 'fast' (strategies: none, random, pct, dfs)");
    refused("pct:depth=0", "depth=0: expected an integer from 1 to 16");
    refused("pct:depth=17", "depth=17");
    refused("pct:depht=3", "unknown key 'depht' for pct (keys: seed, depth, steps, points, detect)");
    refused("random:p=2", "p=2: expected a number in (0, 1]");
    refused("random:p=0", "p=0");
    refused("random:p=", "p=: expected");
    refused("random:seed=x", "seed=x: expected an integer from 0 up");
    refused("random:seed=-1", "seed=-1");
    refused("pct:steps=0", "steps=0: expected an integer from 1 up");
    refused("pct:seed=99999999999999999999999", "seed=");
    /* a key of another strategy: the same message as a typo */
    refused("pct:p=0.5", "unknown key 'p' for pct (keys: seed, depth, steps, points, detect)");
    refused("random:depth=2", "unknown key 'depth' for random (keys: seed, p, steps, points, detect)");
    refused("none:depth=2", "unknown key 'depth' for none (keys: seed, steps)");
    refused("pct:", "unknown key '' for pct");
    refused("pct::seed=1", "unknown key '' for pct");
}

static void test_chaos_spec_grammar_from_the_table(void **state)
{
    char buf[200];
    (void)state;
    chaos_spec_grammar(CHAOS_PCT, buf, sizeof buf);
    assert_string_equal(buf, "pct[:seed=N][:depth=D][:steps=K][:points=all|races|sync][:detect=N]");
    chaos_spec_grammar(CHAOS_RANDOM, buf, sizeof buf);
    assert_string_equal(buf, "random[:seed=N][:p=P][:steps=K][:points=all|races|sync][:detect=N]");
    int n = chaos_spec_grammar(CHAOS_PCT, buf, 8);   /* truncated, terminated */
    assert_int_equal(n, (int)strlen("pct[:seed=N][:depth=D][:steps=K][:points=all|races|sync][:detect=N]"));
    assert_int_equal(strlen(buf), 7);
}

/* docs/CHAOS.md's key table: one row "| `name=META` | strategies | ..."
 * per key of CHAOS_KEYS, no more, no less. */
static void test_chaos_spec_docs_list_every_key(void **state)
{
    char path[512], line[1024];
    int seen[CHAOS_KEY_COUNT] = {0}, rows = 0;
    (void)state;
    snprintf(path, sizeof path, "%s/docs/CHAOS.md", RACELAB_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        char key[64];
        if (sscanf(line, "| `%63[a-z_]=", key) != 1)
            continue;
        int k = -1;
        for (int i = 0; i < CHAOS_KEY_COUNT; i++)
            if (!strcmp(chaos_keys[i].name, key))
                k = i;
        if (k < 0)
            fail_msg("docs/CHAOS.md lists key '%s', which chaos_spec.h does not have", key);
        for (int s = 0; s < CHAOS_STRATEGY_COUNT; s++) {
            bool takes = chaos_keys[k].strategies & (1u << s);
            char *cols = strchr(line + 2, '|');
            char *end = cols ? strchr(cols + 1, '|') : NULL;
            assert_non_null(end);
            *end = '\0';
            bool listed = strstr(cols, chaos_strategies[s].name) != NULL;
            *end = '|';
            if (takes != listed)
                fail_msg("docs/CHAOS.md: key %s %s strategy %s; the table says otherwise",
                         key, takes ? "is taken by" : "is not taken by",
                         chaos_strategies[s].name);
        }
        seen[k]++;
        rows++;
    }
    fclose(f);
    for (int i = 0; i < CHAOS_KEY_COUNT; i++)
        if (seen[i] != 1)
            fail_msg("docs/CHAOS.md lists key '%s' %d times (want once)",
                     chaos_keys[i].name, seen[i]);
    assert_int_equal(rows, CHAOS_KEY_COUNT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chaos_spec_accepts_every_strategy),
        cmocka_unit_test(test_chaos_spec_defaults),
        cmocka_unit_test(test_chaos_spec_accepts_what_racelab_prints),
        cmocka_unit_test(test_chaos_spec_refusals_name_the_key),
        cmocka_unit_test(test_chaos_spec_grammar_from_the_table),
        cmocka_unit_test(test_chaos_spec_docs_list_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
