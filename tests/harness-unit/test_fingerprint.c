/* test_fingerprint.c - fingerprints: stable across captures of the same bug
 * (other pid, addresses, thread ids), distinct for different bugs. */
#include "testutil.h"

#include <ctype.h>
#include <stdint.h>

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


/* A real program reaches one racing statement through many callers: the
 * fingerprint is the racing accesses' innermost program frames, so the
 * same race through handle_get() and through handle_set() is one race,
 * under TSan and under Helgrind, and a race in another function is
 * another (captures of programs/race_paths.c). */
static void test_fingerprint_same_race_two_call_paths(void **state)
{
    char get[17], set[17], miss[17], hg_get[17], hg_set[17], hg_miss[17];

    fp_of(DATA("tsan-race_paths-get.log"), NULL, get);
    fp_of(DATA("tsan-race_paths-set.log"), NULL, set);
    fp_of(DATA("tsan-race_paths-miss.log"), NULL, miss);
    assert_string_equal(get, set);
    assert_string_not_equal(get, miss);
    fp_of(DATA("helgrind-race_paths-get.xml"), "helgrind", hg_get);
    fp_of(DATA("helgrind-race_paths-set.xml"), "helgrind", hg_set);
    fp_of(DATA("helgrind-race_paths-miss.xml"), "helgrind", hg_miss);
    assert_string_equal(hg_get, hg_set);
    assert_string_not_equal(hg_get, hg_miss);
    /* and the tools agree */
    assert_string_equal(get, hg_get);
    assert_string_equal(miss, hg_miss);
    /* DRD reports one access a report (the other is a context segment):
     * its fingerprints are its own, but two call paths are still one race
     * and its read and write reports of one statement fold together */
    fp_of(DATA("drd-race_paths-get.xml"), "drd", hg_get);
    fp_of(DATA("drd-race_paths-set.xml"), "drd", hg_set);
    fp_of(DATA("drd-race_paths-miss.xml"), "drd", hg_miss);
    assert_string_equal(hg_get, hg_set);
    assert_string_not_equal(hg_get, hg_miss);
    {
        struct finding_list l;

        finding_list_init(&l);
        parse_vg(DATA("drd-race_paths-get.xml"), "drd", &l);
        assert_int_equal(l.count, 2);
        assert_string_equal(l.items[0].fingerprint, l.items[1].fingerprint);
        finding_list_free(&l);
    }
}

/* The callers stay in the report, and --fingerprint-depth 2 asks for
 * them: then the two call paths are two fingerprints. */
static void test_fingerprint_depth_adds_callers(void **state)
{
    char get[17], set[17];

    finding_set_fingerprint_depth(2);
    fp_of(DATA("tsan-race_paths-get.log"), NULL, get);
    fp_of(DATA("tsan-race_paths-set.log"), NULL, set);
    finding_set_fingerprint_depth(1);
    assert_int_equal(finding_get_fingerprint_depth(), 1);
    assert_string_not_equal(get, set);
}

/* The fingerprint in words: the two sites with access kinds. */
static void test_fingerprint_label_names_functions(void **state)
{
    struct finding_list l;
    char buf[512];

    finding_list_init(&l);
    parse_tsan(DATA("tsan-race_paths-miss.log"), &l);
    assert_true(l.count >= 1);
    assert_string_equal(finding_label(&l.items[0], buf, sizeof buf),
                        "race:note_miss@race_paths.c(W) x "
                        "note_miss@race_paths.c(W)");
    finding_list_free(&l);
    finding_list_init(&l);
    parse_tsan(DATA("tsan-race.log"), &l);
    assert_string_equal(finding_label(&l.items[0], buf, sizeof buf),
                        "race:main@race.c(W) x worker@race.c(W)");
    finding_list_free(&l);
    finding_list_init(&l);
    parse_tsan(DATA("tsan-thread_leak.log"), &l);
    finding_label(&l.items[0], buf, sizeof buf);
    assert_true(strncmp(buf, "thread-leak:main@thread_leak.c", 30) == 0);
    finding_list_free(&l);
}

/* A lock-order inversion is its cycle of acquisition sites, whichever
 * acquisition the tool reports first. */
static void test_fingerprint_lock_cycle_rotation(void **state)
{
    struct finding_list l;
    char before[17], label[512];
    struct stack tmp;
    size_t a = SIZE_MAX, b = SIZE_MAX;

    finding_list_init(&l);
    parse_tsan(DATA("tsan-lockorder.log"), &l);
    assert_true(l.count >= 1);
    memcpy(before, l.items[0].fingerprint, 17);
    finding_label(&l.items[0], label, sizeof label);
    assert_true(strncmp(label, "deadlock:", 9) == 0);
    assert_non_null(strstr(label, " -> "));
    for (size_t i = 0; i < l.items[0].nstacks; i++)
        if (!l.items[0].stacks[i].context) {
            if (a == SIZE_MAX)
                a = i;
            else if (b == SIZE_MAX)
                b = i;
        }
    assert_true(b != SIZE_MAX);
    tmp = l.items[0].stacks[a];
    l.items[0].stacks[a] = l.items[0].stacks[b];
    l.items[0].stacks[b] = tmp;
    finding_fingerprint(&l.items[0]);
    assert_string_equal(before, l.items[0].fingerprint);
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
        cmocka_unit_test(test_fingerprint_same_race_two_call_paths),
        cmocka_unit_test(test_fingerprint_depth_adds_callers),
        cmocka_unit_test(test_fingerprint_label_names_functions),
        cmocka_unit_test(test_fingerprint_lock_cycle_rotation),
        cmocka_unit_test(test_kind_names_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
