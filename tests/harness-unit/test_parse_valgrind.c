/* test_parse_valgrind.c - the Helgrind/DRD XML parser on real captured
 * output (data/helgrind-NAME.xml, data/drd-NAME.xml, from programs/NAME.c built
 * with gcc -g -O1 and run under valgrind --xml=yes). */
#include "testutil.h"

static void test_helgrind_race_roles_and_threads(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    /* the read and the write of counter++ are two errors; announcethread
     * records are not findings */
    assert_int_equal(parse_vg(DATA("helgrind-race.xml"), "helgrind", &l), 2);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_DATA_RACE);
    assert_string_equal(f->tool, "helgrind");
    assert_non_null(strstr(f->summary, "Possible data race during read"));
    assert_int_equal(f->nstacks, 2);
    assert_string_equal(f->stacks[0].role, "read");
    assert_int_equal(f->stacks[0].thread, 1);
    assert_frame(&f->stacks[0].frames[0], "main", "programs/race.c", 27);
    /* dir and file are joined into one path */
    assert_string_equal(f->stacks[0].frames[0].file,
                        "/work/main/tests/harness-unit/programs/race.c");
    assert_string_equal(f->stacks[1].role, "previous write");
    assert_int_equal(f->stacks[1].thread, 2);
    assert_frame(&f->stacks[1].frames[0], "worker", "programs/race.c", 16);
    /* a frame in the preload object has neither function nor file */
    assert_null(f->stacks[1].frames[1].function);
    assert_null(f->stacks[1].frames[1].file);
    assert_frame(&f->stacks[1].frames[2], "start_thread", "pthread_create.c", 442);
    assert_string_equal(l.items[1].stacks[0].role, "write");
    finding_list_free(&l);
}

static void test_helgrind_lock_order_stacks(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_vg(DATA("helgrind-lockorder.xml"), "helgrind", &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_LOCK_ORDER);
    assert_int_equal(f->nstacks, 5);
    /* frame #0 is Helgrind's pthread_mutex_lock wrapper: an object, no
     * function name, no file */
    assert_string_equal(f->stacks[0].role, "lock");
    assert_int_equal(f->stacks[0].thread, 1);
    assert_null(f->stacks[0].frames[0].function);
    assert_frame(&f->stacks[0].frames[1], "main", "programs/lockorder.c", 26);
    assert_string_equal(f->stacks[1].role, "earlier lock");
    assert_frame(&f->stacks[1].frames[1], "worker", "programs/lockorder.c", 12);
    assert_string_equal(f->stacks[2].role, "later lock");
    assert_frame(&f->stacks[2].frames[1], "worker", "programs/lockorder.c", 13);
    assert_string_equal(f->stacks[3].role, "lock first observed");
    assert_true(f->stacks[3].context);
    assert_true(f->stacks[4].context);
    finding_list_free(&l);
}

static void test_helgrind_mutex_misuse_kinds(void **state)
{
    struct finding_list l;

    finding_list_init(&l);
    assert_int_equal(parse_vg(DATA("helgrind-unlock_unlocked.xml"),
                              "helgrind", &l), 1);
    assert_int_equal(l.items[0].kind, FINDING_UNLOCK_UNLOCKED);
    assert_string_equal(l.items[0].stacks[0].role, "unlock");
    assert_frame(&l.items[0].stacks[0].frames[1], "release",
                 "programs/unlock_unlocked.c", 10);
    assert_frame(&l.items[0].stacks[0].frames[2], "main",
                 "programs/unlock_unlocked.c", 17);
    assert_int_equal(l.items[0].nstacks, 2);
    assert_string_equal(l.items[0].stacks[1].role, "lock first observed");
    assert_true(l.items[0].stacks[1].context);
    assert_frame(&l.items[0].stacks[1].frames[1], "main",
                 "programs/unlock_unlocked.c", 15);
    finding_list_free(&l);

    /* Misc "destroy of a locked mutex" plus PthAPIerror EBUSY */
    assert_int_equal(parse_vg(DATA("helgrind-destroy_locked.xml"),
                              "helgrind", &l), 2);
    assert_int_equal(l.items[0].kind, FINDING_DESTROY_LOCKED);
    assert_string_equal(l.items[0].stacks[0].role, "destroy");
    assert_frame(&l.items[0].stacks[0].frames[1], "main",
                 "programs/destroy_locked.c", 11);
    assert_int_equal(l.items[1].kind, FINDING_PTHREAD_MISUSE);
    finding_list_free(&l);
}

static void test_helgrind_clean_runs_have_no_findings(void **state)
{
    struct finding_list l;

    finding_list_init(&l);
    /* measured: Helgrind reports nothing for these programs */
    assert_int_equal(parse_vg(DATA("helgrind-uaf.xml"), "helgrind", &l), 0);
    assert_int_equal(parse_vg(DATA("helgrind-thread_leak.xml"), "helgrind", &l), 0);
    assert_int_equal(parse_vg(DATA("helgrind-signal_malloc.xml"), "helgrind", &l), 0);
    assert_int_equal(parse_vg(DATA("drd-lockorder.xml"), "drd", &l), 0);
    assert_int_equal(l.count, 0);
    finding_list_free(&l);
}

static void test_drd_conflicting_access(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_vg(DATA("drd-race.xml"), "drd", &l), 2);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_DATA_RACE);
    assert_string_equal(f->tool, "drd");
    assert_non_null(strstr(f->summary, "Conflicting load by thread 1"));
    assert_string_equal(f->stacks[0].role, "read");
    assert_int_equal(f->stacks[0].thread, 1);
    assert_frame(&f->stacks[0].frames[0], "main", "programs/race.c", 27);
    assert_string_equal(l.items[1].stacks[0].role, "write");
    finding_list_free(&l);
}

static void test_drd_mutex_errors(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_vg(DATA("drd-unlock_unlocked.xml"), "drd", &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_UNLOCK_UNLOCKED);
    /* DRD's own replacement frame: a function, no file */
    assert_frame(&f->stacks[0].frames[0], "pthread_mutex_unlock@*", NULL, 0);
    assert_frame(&f->stacks[0].frames[1], "release",
                 "programs/unlock_unlocked.c", 10);
    finding_list_free(&l);

    assert_int_equal(parse_vg(DATA("drd-destroy_locked.xml"), "drd", &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_DESTROY_LOCKED);
    assert_string_equal(f->stacks[0].role, "destroy");
    assert_frame(&f->stacks[0].frames[1], "main", "programs/destroy_locked.c", 11);
    /* <first_observed_at><what>mutex</what> does not replace the role */
    assert_int_equal(f->nstacks, 2);
    assert_string_equal(f->stacks[1].role, "first observed");
    assert_true(f->stacks[1].context);
    assert_frame(&f->stacks[1].frames[1], "main", "programs/destroy_locked.c", 9);
    finding_list_free(&l);
}

static void test_valgrind_truncated_keeps_complete_errors(void **state)
{
    struct finding_list l;

    finding_list_init(&l);
    /* cut inside the second <error>: the first is whole */
    assert_int_equal(parse_vg(DATA("helgrind-truncated.xml"), "helgrind", &l), 1);
    assert_int_equal(l.items[0].kind, FINDING_DATA_RACE);
    assert_int_equal(l.items[0].nstacks, 2);
    assert_frame(&l.items[0].stacks[1].frames[0], "worker", "programs/race.c", 16);
    finding_list_free(&l);
}

static void test_valgrind_rejects_non_xml(void **state)
{
    static const char junk[] = "==123== Helgrind, a thread error detector\n";
    struct finding_list l;
    char err[256] = "";

    finding_list_init(&l);
    assert_int_equal(valgrind_parse_xml_buffer(junk, sizeof junk - 1, "helgrind",
                                               &l, err, sizeof err), -1);
    assert_non_null(strstr(err, "XML_Parse"));
    /* an empty file: Valgrind never wrote anything */
    assert_int_equal(valgrind_parse_xml_buffer("", 0, "drd", &l, err,
                                               sizeof err), 0);
    assert_int_equal(valgrind_parse_xml_file("/nonexistent/vg.xml", "drd", &l,
                                             err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/vg.xml"));
    assert_int_equal(l.count, 0);
    finding_list_free(&l);
}

static void test_drd_semaphore_error_is_pthread_misuse(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    /* DRD 3.19 writes <kind>SemaphoreErr</kind> (not SemaErr) */
    assert_int_equal(parse_vg(DATA("drd-sem_misuse.xml"), "drd", &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_PTHREAD_MISUSE);
    assert_non_null(strstr(f->summary, "Semaphore reinitialization"));
    assert_frame(&f->stacks[0].frames[1], "reload_config",
                 "programs/sem_misuse.c", 11);
    finding_list_free(&l);
    /* Helgrind says nothing about it: a real capture, zero errors */
    finding_list_init(&l);
    assert_int_equal(parse_vg(DATA("helgrind-sem_misuse.xml"), "helgrind", &l), 0);
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drd_semaphore_error_is_pthread_misuse),
        cmocka_unit_test(test_helgrind_race_roles_and_threads),
        cmocka_unit_test(test_helgrind_lock_order_stacks),
        cmocka_unit_test(test_helgrind_mutex_misuse_kinds),
        cmocka_unit_test(test_helgrind_clean_runs_have_no_findings),
        cmocka_unit_test(test_drd_conflicting_access),
        cmocka_unit_test(test_drd_mutex_errors),
        cmocka_unit_test(test_valgrind_truncated_keeps_complete_errors),
        cmocka_unit_test(test_valgrind_rejects_non_xml),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
