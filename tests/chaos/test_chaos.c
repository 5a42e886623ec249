/* test_chaos.c - the perturbation strategies decide as a pure function of
 * their seed: same seed, same decisions; another seed, other decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "chaos.h"

#define POINTS 5000

static void decisions(const char *spec, int index, long *out)
{
    struct chaos_config cfg;
    struct chaos_thread t;
    assert_int_equal(chaos_spec_parse(spec, &cfg, NULL, 0), 0);
    chaos_thread_init(&t, &cfg, index);
    for (int i = 0; i < POINTS; i++)
        out[i] = chaos_decide(&t, &cfg, (uint64_t)i);
}

static int differences(const long *a, const long *b)
{
    int n = 0;
    for (int i = 0; i < POINTS; i++)
        n += (a[i] != b[i]);
    return n;
}

static void test_chaos_parse_accepts_strategies(void **state)
{
    struct chaos_config c;
    assert_int_equal(chaos_spec_parse("random:seed=42:p=0.5", &c, NULL, 0), 0);
    assert_int_equal(c.strategy, CHAOS_RANDOM);
    assert_int_equal(c.seed, 42);
    assert_true(c.p == 0.5);
    assert_int_equal(chaos_spec_parse("pct:depth=4:seed=9", &c, NULL, 0), 0);
    assert_int_equal(c.strategy, CHAOS_PCT);
    assert_int_equal(c.depth, 4);
    assert_int_equal(chaos_spec_parse(NULL, &c, NULL, 0), 0);
    assert_int_equal(c.strategy, CHAOS_NONE);
    assert_int_equal(chaos_spec_parse("none", &c, NULL, 0), 0);
    assert_int_equal(c.strategy, CHAOS_NONE);
}

static void test_chaos_parse_rejects_garbage(void **state)
{
    struct chaos_config c;
    assert_int_equal(chaos_spec_parse("fuzzy", &c, NULL, 0), -1);
    assert_int_equal(chaos_spec_parse("random:seed=x", &c, NULL, 0), -1);
    assert_int_equal(chaos_spec_parse("random:p=2", &c, NULL, 0), -1);
    assert_int_equal(chaos_spec_parse("pct:depth=0", &c, NULL, 0), -1);
    assert_int_equal(chaos_spec_parse("pct:colour=blue", &c, NULL, 0), -1);
}

static void test_chaos_random_same_seed_same_decisions(void **state)
{
    static long a[POINTS], b[POINTS], c[POINTS];
    decisions("random:seed=7", 2, a);
    decisions("random:seed=7", 2, b);
    decisions("random:seed=8", 2, c);
    assert_int_equal(differences(a, b), 0);
    assert_true(differences(a, c) > POINTS / 20);
}

static void test_chaos_random_perturbs_at_the_given_rate(void **state)
{
    static long a[POINTS];
    decisions("random:seed=11:p=0.25", 1, a);
    int yields = 0, sleeps = 0;
    for (int i = 0; i < POINTS; i++) {
        yields += (a[i] == -1);
        sleeps += (a[i] > 0);
    }
    /* p = 0.25: about 22% yields and 3% short sleeps (plus windows). */
    assert_in_range(yields, POINTS * 15 / 100, POINTS * 30 / 100);
    assert_true(sleeps > 0);
}

static void test_chaos_pct_same_seed_same_decisions(void **state)
{
    static long a[POINTS], b[POINTS], c[POINTS];
    decisions("pct:seed=5:depth=3", 0, a);
    decisions("pct:seed=5:depth=3", 0, b);
    decisions("pct:seed=5:depth=3", 1, c);
    assert_int_equal(differences(a, b), 0);
    /* Another thread draws another priority, so it waits differently. */
    assert_true(differences(a, c) > 0);
}

static void test_chaos_none_never_waits(void **state)
{
    static long a[POINTS];
    decisions("none", 0, a);
    for (int i = 0; i < POINTS; i++)
        assert_int_equal(a[i], 0);
}

/* steps=K: PCT's change points fall among the first K sync points (the
 * scheduler's k; the wrappers' horizon), so after K points the thread has
 * been demoted below every initial priority and is held back. */
static void test_chaos_pct_steps_bounds_the_change_points(void **state)
{
    static long a[POINTS];
    (void)state;
    decisions("pct:seed=3:depth=2:steps=5", 0, a);
    for (int i = 5; i < POINTS; i++)
        assert_int_equal(a[i], 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chaos_parse_accepts_strategies),
        cmocka_unit_test(test_chaos_parse_rejects_garbage),
        cmocka_unit_test(test_chaos_random_same_seed_same_decisions),
        cmocka_unit_test(test_chaos_random_perturbs_at_the_given_rate),
        cmocka_unit_test(test_chaos_pct_same_seed_same_decisions),
        cmocka_unit_test(test_chaos_none_never_waits),
        cmocka_unit_test(test_chaos_pct_steps_bounds_the_change_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
