/* test_parse_tsan.c - the ThreadSanitizer parser on real captured logs
 * (data/tsan-NAME.log, from programs/NAME.c built with clang -fsanitize=thread). */
#include "testutil.h"

static void test_tsan_race_racing_pair(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-race.log"), &l), 1);
    assert_int_equal(l.count, 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_DATA_RACE);
    assert_string_equal(f->tool, "tsan");
    assert_non_null(strstr(f->summary, "SUMMARY: ThreadSanitizer: data race"));
    assert_non_null(strstr(f->summary, "race.c:27:12 in main"));
    assert_int_equal(f->nstacks, 5);

    /* the current access: main thread, no mutex held */
    assert_string_equal(f->stacks[0].role, "write");
    assert_int_equal(f->stacks[0].thread, 0);
    assert_int_equal(f->stacks[0].nlocks, 0);
    assert_false(f->stacks[0].context);
    assert_int_equal(f->stacks[0].nframes, 1);
    assert_frame(&f->stacks[0].frames[0], "main", "programs/race.c", 27);

    /* the previous access: T1 holding worker_lock (M0) for writing */
    assert_string_equal(f->stacks[1].role, "previous write");
    assert_int_equal(f->stacks[1].thread, 1);
    assert_int_equal(f->stacks[1].nlocks, 1);
    assert_string_equal(f->stacks[1].locks_held[0], "write M0");
    assert_frame(&f->stacks[1].frames[0], "worker", "programs/race.c", 16);

    /* background stacks are kept, marked as context */
    assert_string_equal(f->stacks[2].role, "as if synchronized via sleep");
    assert_true(f->stacks[2].context);
    assert_frame(&f->stacks[2].frames[0], "usleep", NULL, 0);
    assert_string_equal(f->stacks[3].role, "mutex M0 created");
    assert_true(f->stacks[3].context);
    assert_string_equal(f->stacks[4].role, "thread T1 created");
    assert_true(f->stacks[4].context);
    assert_int_equal(f->stacks[4].thread, 0);
    assert_frame(&f->stacks[4].frames[0], "pthread_create", NULL, 0);
    assert_frame(&f->stacks[4].frames[1], "main", "programs/race.c", 25);
    assert_int_equal(strlen(f->fingerprint), 16);
    finding_list_free(&l);
}

static void test_tsan_lock_order_mutexes_held(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-lockorder.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_LOCK_ORDER);
    assert_int_equal(f->nstacks, 3);
    assert_string_equal(f->stacks[0].role, "mutex M1 acquired");
    assert_int_equal(f->stacks[0].thread, 1);
    assert_int_equal(f->stacks[0].nlocks, 1);
    assert_string_equal(f->stacks[0].locks_held[0], "M0");
    assert_frame(&f->stacks[0].frames[0], "pthread_mutex_lock", NULL, 0);
    assert_frame(&f->stacks[0].frames[1], "worker", "programs/lockorder.c", 13);
    assert_string_equal(f->stacks[1].role, "mutex M0 acquired");
    assert_int_equal(f->stacks[1].thread, 0);
    assert_string_equal(f->stacks[1].locks_held[0], "M1");
    assert_frame(&f->stacks[1].frames[1], "main", "programs/lockorder.c", 26);
    assert_false(f->stacks[1].context);
    assert_true(f->stacks[2].context);
    finding_list_free(&l);
}

static void test_tsan_thread_leak_creation_stack(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-thread_leak.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_THREAD_LEAK);
    assert_int_equal(f->nstacks, 1);
    assert_string_equal(f->stacks[0].role, "thread T1 created");
    assert_frame(&f->stacks[0].frames[1], "main", "programs/thread_leak.c", 16);
    finding_list_free(&l);
}

static void test_tsan_use_after_free_free_stack(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-uaf.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_USE_AFTER_FREE);
    assert_string_equal(f->stacks[0].role, "write");
    assert_frame(&f->stacks[0].frames[0], "main", "programs/uaf.c", 22);
    assert_string_equal(f->stacks[1].role, "previous write");
    assert_int_equal(f->stacks[1].thread, 1);
    assert_frame(&f->stacks[1].frames[0], "free", NULL, 0);
    assert_frame(&f->stacks[1].frames[1], "worker", "programs/uaf.c", 11);
    finding_list_free(&l);
}

static void test_tsan_signal_unsafe_cpp_frame(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-signal_malloc.log"), &l), 2);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_SIGNAL_UNSAFE);
    assert_string_equal(f->stacks[0].role, "call");
    assert_frame(&f->stacks[0].frames[0], "malloc", NULL, 0);
    assert_frame(&f->stacks[0].frames[1], "on_usr1", "programs/signal_malloc.c", 16);
    /* a C++ signature with spaces, located in an object file */
    assert_frame(&f->stacks[0].frames[2],
                 "__tsan::CallUserSignalHandler(__tsan::ThreadState*, bool, "
                 "bool, int, __sanitizer::__sanitizer_siginfo*, void*)",
                 "tsan_interceptors_posix.cpp.o", 0);
    assert_frame(&f->stacks[0].frames[3], "main", "programs/signal_malloc.c", 30);
    assert_frame(&l.items[1].stacks[0].frames[0], "free", NULL, 0);
    assert_frame(&l.items[1].stacks[0].frames[1], "on_usr1",
                 "programs/signal_malloc.c", 20);
    finding_list_free(&l);
}

static void test_tsan_mutex_misuse_kinds(void **state)
{
    struct finding_list l;

    finding_list_init(&l);
    assert_int_equal(parse_tsan(DATA("tsan-unlock_unlocked.log"), &l), 1);
    assert_int_equal(l.items[0].kind, FINDING_UNLOCK_UNLOCKED);
    assert_string_equal(l.items[0].stacks[0].role, "unlock");
    assert_frame(&l.items[0].stacks[0].frames[1], "release",
                 "programs/unlock_unlocked.c", 10);
    assert_frame(&l.items[0].stacks[0].frames[2], "main",
                 "programs/unlock_unlocked.c", 17);

    assert_int_equal(parse_tsan(DATA("tsan-destroy_locked.log"), &l), 1);
    assert_int_equal(l.count, 2);
    assert_int_equal(l.items[1].kind, FINDING_DESTROY_LOCKED);
    assert_string_equal(l.items[1].stacks[0].role, "destroy");
    assert_frame(&l.items[1].stacks[0].frames[1], "main",
                 "programs/destroy_locked.c", 11);
    assert_string_equal(l.items[1].stacks[1].role, "lock");
    assert_frame(&l.items[1].stacks[1].frames[1], "main",
                 "programs/destroy_locked.c", 10);
    finding_list_free(&l);
}

static void test_tsan_truncated_keeps_complete_reports(void **state)
{
    struct finding_list l;

    finding_list_init(&l);
    /* two reports, the second cut before its SUMMARY: only the first */
    assert_int_equal(parse_tsan(DATA("tsan-truncated.log"), &l), 1);
    assert_int_equal(l.items[0].kind, FINDING_SIGNAL_UNSAFE);
    assert_frame(&l.items[0].stacks[0].frames[1], "on_usr1",
                 "programs/signal_malloc.c", 16);
    finding_list_free(&l);
}

static void test_tsan_buffer_without_reports(void **state)
{
    static const char text[] = "ThreadSanitizer: reported 0 warnings\n"
                               "some program output\n";
    struct finding_list l;
    char err[128];

    finding_list_init(&l);
    assert_int_equal(tsan_parse_buffer(text, sizeof text - 1, &l, err,
                                       sizeof err), 0);
    assert_int_equal(tsan_parse_buffer("", 0, &l, err, sizeof err), 0);
    assert_int_equal(l.count, 0);
    finding_list_free(&l);
}

static void test_tsan_missing_file_names_path(void **state)
{
    struct finding_list l;
    char err[256] = "";

    finding_list_init(&l);
    assert_int_equal(tsan_parse_file("/nonexistent/tsan.1", &l, err,
                                     sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/tsan.1"));
    assert_non_null(strstr(err, "No such file"));
    /* a log_path prefix with no file: no process wrote a report */
    assert_int_equal(tsan_parse_logs("/nonexistent/tsan", &l, err,
                                     sizeof err), 0);
    assert_int_equal(tsan_parse_logs(DATA("tsan-race"), &l, err,
                                     sizeof err), 1);
    finding_list_free(&l);
}

/* clang 14's TSan does not print a double-lock report for a blocking
 * pthread_mutex_lock on this machine (the second lock blocks before its
 * post-lock hook), so this report's shape is compiler-rt's own
 * test/tsan/mutex_double_lock.cpp expectation, with our paths. */
static void test_tsan_previously_acquired_is_not_created(void **state)
{
    static const char report[] =
        "==================\n"
        "WARNING: ThreadSanitizer: double lock of a mutex (pid=4242)\n"
        "    #0 pthread_mutex_lock <null> (prog+0x6ef3a)\n"
        "    #1 grow_table /src/table.c:14:5 (prog+0xd015c)\n"
        "\n"
        "  Location is global 'table_lock' of size 40 at 0x5555569ca260 (prog+0x1476260)\n"
        "\n"
        "  Mutex M10 (0x5555569ca260) created at:\n"
        "    #0 pthread_mutex_lock <null> (prog+0x6ef3a)\n"
        "    #1 worker /src/table.c:22:5 (prog+0xd015c)\n"
        "\n"
        "  Mutex M10 previously acquired by the same thread here:\n"
        "    #0 pthread_mutex_lock <null> (prog+0x6ef3a)\n"
        "    #1 worker /src/table.c:22:5 (prog+0xd015c)\n"
        "\n"
        "SUMMARY: ThreadSanitizer: double lock of a mutex /src/table.c:14:5 in grow_table\n"
        "==================\n";
    struct finding_list l;
    char err[128];
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(tsan_parse_buffer(report, sizeof report - 1, &l, err,
                                       sizeof err), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_PTHREAD_MISUSE);
    assert_int_equal(f->nstacks, 3);
    assert_string_equal(f->stacks[1].role, "mutex M10 created");
    assert_true(f->stacks[1].context);
    assert_string_equal(f->stacks[2].role, "mutex M10 previously acquired");
    assert_false(f->stacks[2].context);
    finding_list_free(&l);
}

/* "mutex held in the wrong context": __tsan_check_no_mutexes_held() with
 * a mutex held (LLVM 17+; clang 14's runtime cannot print it).  The header
 * and stacks are compiler-rt's test/tsan/mutex_held_wrong_context.cpp
 * expectation, with our paths. */
static void test_tsan_mutex_held_wrong_context(void **state)
{
    static const char report[] =
        "==================\n"
        "WARNING: ThreadSanitizer: mutex held in the wrong context (pid=5151)\n"
        "    #0 __tsan_check_no_mutexes_held <null> (prog+0x6a1f2)\n"
        "    #1 Func1 /src/held.c:11:3 (prog+0xd0111)\n"
        "    #2 main /src/held.c:23:3 (prog+0xd0190)\n"
        "\n"
        "  Mutex M0 (0x5555569ca260) created at:\n"
        "    #0 pthread_mutex_init <null> (prog+0x6e0aa)\n"
        "    #1 main /src/held.c:22:3 (prog+0xd0180)\n"
        "\n"
        "SUMMARY: ThreadSanitizer: mutex held in the wrong context "
        "/src/held.c:11:3 in Func1\n"
        "==================\n";
    struct finding_list l;
    char err[128];

    finding_list_init(&l);
    assert_int_equal(tsan_parse_buffer(report, sizeof report - 1, &l, err,
                                       sizeof err), 1);
    assert_int_equal(l.items[0].kind, FINDING_PTHREAD_MISUSE);
    assert_string_equal(finding_kind_name(l.items[0].kind),
                        finding_kind_name(FINDING_PTHREAD_MISUSE));
    assert_int_equal(l.items[0].nstacks, 2);
    assert_true(l.items[0].stacks[1].context);
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsan_previously_acquired_is_not_created),
        cmocka_unit_test(test_tsan_mutex_held_wrong_context),
        cmocka_unit_test(test_tsan_race_racing_pair),
        cmocka_unit_test(test_tsan_lock_order_mutexes_held),
        cmocka_unit_test(test_tsan_thread_leak_creation_stack),
        cmocka_unit_test(test_tsan_use_after_free_free_stack),
        cmocka_unit_test(test_tsan_signal_unsafe_cpp_frame),
        cmocka_unit_test(test_tsan_mutex_misuse_kinds),
        cmocka_unit_test(test_tsan_truncated_keeps_complete_reports),
        cmocka_unit_test(test_tsan_buffer_without_reports),
        cmocka_unit_test(test_tsan_missing_file_names_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
