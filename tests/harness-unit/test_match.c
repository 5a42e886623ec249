/* test_match.c - finding_at_locations on real findings. */
#include "testutil.h"
#include "match.h"

static struct finding_list race;

static int setup(void **state)
{
    finding_list_init(&race);
    parse_tsan(DATA("tsan-race.log"), &race);
    return race.count == 1 ? 0 : -1;
}

static int teardown(void **state)
{
    finding_list_free(&race);
    return 0;
}

static struct location loc(const char *file, int line)
{
    struct location l = {0};

    l.file = (char *)file;
    l.line = line;
    return l;
}

static void test_match_either_side_of_the_race(void **state)
{
    struct location main_side = loc("tests/harness-unit/programs/race.c", 27);
    struct location worker_side = loc("programs/race.c", 16);

    assert_true(finding_at_locations(&race.items[0], &main_side, 1, 3));
    assert_true(finding_at_locations(&race.items[0], &worker_side, 1, 3));
}

static void test_match_wrong_line_or_file(void **state)
{
    struct location locs[] = {
        loc("programs/race.c", 99),
        loc("programs/lockorder.c", 27),
        /* a suffix, but not at a path-component boundary */
        loc("ace.c", 27),
    };

    for (size_t i = 0; i < 3; i++)
        if (finding_at_locations(&race.items[0], &locs[i], 1, 3))
            fail_msg("matched %s:%d", locs[i].file, locs[i].line);
    /* any of several locations is enough */
    assert_true(finding_at_locations(&race.items[0], locs, 3, 3) == false);
    struct location more[] = { loc("programs/race.c", 99),
                               loc("programs/race.c", 16) };
    assert_true(finding_at_locations(&race.items[0], more, 2, 3));
    assert_false(finding_at_locations(&race.items[0], more, 0, 3));
}

static void test_match_depth_limits_frames(void **state)
{
    /* lockorder.c:13 is frame #1 of an acquisition stack; frame #0 is
     * TSan's interceptor, which does not count toward the depth */
    struct location lock13 = loc("programs/lockorder.c", 13);
    /* signal_malloc.c:30 (main) is the second program frame of the
     * handler's stack, below on_usr1 and a libc frame */
    struct location raise30 = loc("programs/signal_malloc.c", 30);
    struct finding_list l;

    finding_list_init(&l);
    parse_tsan(DATA("tsan-lockorder.log"), &l);
    assert_true(finding_at_locations(&l.items[0], &lock13, 1, 1));
    finding_list_free(&l);
    finding_list_init(&l);
    parse_tsan(DATA("tsan-signal_malloc.log"), &l);
    assert_false(finding_at_locations(&l.items[0], &raise30, 1, 1));
    assert_true(finding_at_locations(&l.items[0], &raise30, 1, 2));
    assert_true(finding_at_locations(&l.items[0], &raise30, 1, 0));
    finding_list_free(&l);
}

static void test_match_ignores_background_stacks(void **state)
{
    /* race.c:25 is where the thread was created and race.c:15 where the
     * mutex was: background, never where the bug is, at any depth */
    struct location create = loc("programs/race.c", 25);
    struct location mutex_made = loc("programs/race.c", 15);
    struct location access = loc("programs/race.c", 27);

    assert_false(finding_at_locations(&race.items[0], &create, 1, 0));
    assert_false(finding_at_locations(&race.items[0], &mutex_made, 1, 4));
    assert_true(finding_at_locations(&race.items[0], &access, 1, 1));
}

static void test_match_thread_leak_by_its_creation_stack(void **state)
{
    /* TSan's thread leak has one stack, where the thread was created:
     * background for other reports, the bug's place for this one */
    struct location create = loc("programs/thread_leak.c", 0);
    struct finding_list l;

    finding_list_init(&l);
    parse_tsan(DATA("tsan-thread_leak.log"), &l);
    assert_int_equal(l.items[0].kind, FINDING_THREAD_LEAK);
    assert_true(finding_at_locations(&l.items[0], &create, 1, 4));
    finding_list_free(&l);
}

static void test_match_valgrind_dir_and_file(void **state)
{
    struct finding_list l;
    struct location worker_side = loc("./tests/harness-unit/programs/race.c", 16);

    finding_list_init(&l);
    parse_vg(DATA("drd-race.xml"), "drd", &l);
    assert_false(finding_at_locations(&l.items[0], &worker_side, 1, 3));
    worker_side.line = 27;
    assert_true(finding_at_locations(&l.items[0], &worker_side, 1, 3));
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_either_side_of_the_race),
        cmocka_unit_test(test_match_wrong_line_or_file),
        cmocka_unit_test(test_match_depth_limits_frames),
        cmocka_unit_test(test_match_ignores_background_stacks),
        cmocka_unit_test(test_match_thread_leak_by_its_creation_stack),
        cmocka_unit_test(test_match_valgrind_dir_and_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
