/* test_fingerprint.c - fingerprints: stable across captures of the same bug
 * (other pid, addresses, thread ids), distinct for different bugs. */
#include "testutil.h"

#include <ctype.h>

/* The fingerprint of the first finding in a captured file. */
static void fp_of(const char *path, const char *tool, char out[17])
{
    struct finding_list l;

    finding_list_init(&l);
    if (tool)
        parse_vg(path, tool, &l);
    else
        parse_tsan(path, &l);
    assert_true(l.count >= 1);
    memcpy(out, l.items[0].fingerprint, 17);
    finding_list_free(&l);
}

static void test_fingerprint_format(void **state)
{
    char fp[17];

    fp_of(DATA("tsan-race.log"), NULL, fp);
    assert_int_equal(strlen(fp), 16);
    for (int i = 0; i < 16; i++)
        assert_true(isxdigit((unsigned char)fp[i]) && !isupper((unsigned char)fp[i]));
}

static void test_fingerprint_stable_across_runs(void **state)
{
    char a[17], b[17];

    /* the two captures differ in pid, addresses and tid */
    fp_of(DATA("tsan-race.log"), NULL, a);
    fp_of(DATA("tsan-race-2.log"), NULL, b);
    assert_string_equal(a, b);
    fp_of(DATA("helgrind-race.xml"), "helgrind", a);
    fp_of(DATA("helgrind-race-2.xml"), "helgrind", b);
    assert_string_equal(a, b);
    fp_of(DATA("drd-race.xml"), "drd", a);
    fp_of(DATA("drd-race-2.xml"), "drd", b);
    assert_string_equal(a, b);
}

static void test_fingerprint_same_race_across_tools(void **state)
{
    char a[17], b[17];

    /* TSan and Helgrind show the same racing pair (Helgrind's stack goes
     * on into start_thread/clone, which the fingerprint cuts) */
    fp_of(DATA("tsan-race.log"), NULL, a);
    fp_of(DATA("helgrind-race.xml"), "helgrind", b);
    assert_string_equal(a, b);
}

static void test_fingerprint_differs_between_bugs(void **state)
{
    static const char *const logs[] = {
        "tsan-race.log", "tsan-lockorder.log", "tsan-thread_leak.log",
        "tsan-uaf.log", "tsan-signal_malloc.log", "tsan-unlock_unlocked.log",
        "tsan-destroy_locked.log",
    };
    enum { N = sizeof logs / sizeof logs[0] };
    char fps[N][17], path[512];
    struct finding_list l;

    for (size_t i = 0; i < N; i++) {
        snprintf(path, sizeof path, "%s/%s", RACELAB_UNIT_DATA, logs[i]);
        fp_of(path, NULL, fps[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(fps[i], fps[j]) == 0)
                fail_msg("%s and %s share fingerprint %s", logs[i], logs[j],
                         fps[i]);
    }
    /* malloc and free in the same handler are two bugs */
    finding_list_init(&l);
    parse_tsan(DATA("tsan-signal_malloc.log"), &l);
    assert_int_equal(l.count, 2);
    assert_string_not_equal(l.items[0].fingerprint, l.items[1].fingerprint);
    finding_list_free(&l);
}

static void test_fingerprint_ignores_thread_and_context(void **state)
{
    struct finding_list l;
    char before[17];

    finding_list_init(&l);
    parse_tsan(DATA("tsan-race.log"), &l);
    memcpy(before, l.items[0].fingerprint, 17);
    /* thread numbers, roles and context stacks do not count */
    l.items[0].stacks[0].thread = 7;
    l.items[0].stacks[1].thread = 9;
    l.items[0].nstacks = 2;             /* drop the context stacks */
    finding_fingerprint(&l.items[0]);
    assert_string_equal(before, l.items[0].fingerprint);
    l.items[0].nstacks = 5;
    finding_list_free(&l);
}

/* A baseline must survive unrelated edits: lines and directories do not
 * count; the function and the file's base name do. */
static void test_fingerprint_survives_edits(void **state)
{
    struct finding_list l;
    struct frame *top;
    char before[17];
    char *old_file;

    finding_list_init(&l);
    parse_tsan(DATA("tsan-race.log"), &l);
    memcpy(before, l.items[0].fingerprint, 17);
    top = &l.items[0].stacks[0].frames[0];
    assert_non_null(top->file);
    /* the race moved down by 12 lines */
    top->line += 12;
    l.items[0].stacks[1].frames[0].line += 12;
    finding_fingerprint(&l.items[0]);
    assert_string_equal(before, l.items[0].fingerprint);
    /* the checkout moved to another directory */
    old_file = top->file;
    top->file = malloc(strlen(old_file) + 32);
    assert_non_null(top->file);
    sprintf(top->file, "/elsewhere/checkout/%s", strrchr(old_file, '/') + 1);
    finding_fingerprint(&l.items[0]);
    assert_string_equal(before, l.items[0].fingerprint);
    free(top->file);
    top->file = old_file;
    /* another function is another race */
    free(top->function);
    top->function = strdup("some_other_function");
    finding_fingerprint(&l.items[0]);
    assert_string_not_equal(before, l.items[0].fingerprint);
    finding_list_free(&l);
}

static void test_kind_names_round_trip(void **state)
{
    for (int k = 0; k < FINDING_KIND_COUNT; k++)
        assert_int_equal(finding_kind_from_name(finding_kind_name(k)), k);
    assert_string_equal(finding_kind_name(FINDING_LOCK_ORDER),
                        "lock-order-inversion");
    assert_string_equal(finding_kind_name(FINDING_SIGNAL_UNSAFE),
                        "signal-unsafe-call");
    assert_int_equal(finding_kind_from_name("no-such-kind"), -1);
    assert_int_equal(finding_kind_from_name(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fingerprint_format),
        cmocka_unit_test(test_fingerprint_stable_across_runs),
        cmocka_unit_test(test_fingerprint_same_race_across_tools),
        cmocka_unit_test(test_fingerprint_differs_between_bugs),
        cmocka_unit_test(test_fingerprint_ignores_thread_and_context),
        cmocka_unit_test(test_fingerprint_survives_edits),
        cmocka_unit_test(test_kind_names_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
