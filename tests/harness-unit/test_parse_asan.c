/* test_parse_asan.c - the AddressSanitizer / LeakSanitizer / UBSan parser
 * (report/asan_report.c) on real captured logs (data/asan-NAME.log, from
 * programs/NAME.c built with clang -fsanitize=address,undefined by
 * programs/capture.sh, run as racelab's asan detector runs them). */
#include "testutil.h"

static int parse_asan(const char *name, struct finding_list *l)
{
    char err[256] = "";
    int n = asan_parse_file(name, l, err, sizeof err);

    if (n < 0)
        fail_msg("asan_parse_file %s: %s", name, err);
    return n;
}

/* The access, who freed it, where it was allocated (background). */
static void test_asan_uaf_access_free_alloc(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_asan(DATA("asan-uaf.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_USE_AFTER_FREE);
    assert_string_equal(finding_kind_name(f->kind), "heap-use-after-free");
    assert_string_equal(f->tool, "asan");
    assert_non_null(strstr(f->summary, "SUMMARY: AddressSanitizer: heap-use-after-free"));
    assert_true(f->nstacks >= 3);
    assert_string_equal(f->stacks[0].role, "write");
    assert_int_equal(f->stacks[0].thread, 0);
    assert_false(f->stacks[0].context);
    assert_frame(&f->stacks[0].frames[0], "main", "programs/uaf.c", 22);
    assert_string_equal(f->stacks[1].role, "freed");
    assert_int_equal(f->stacks[1].thread, 1);
    assert_false(f->stacks[1].context);
    assert_frame(&f->stacks[1].frames[1], "worker", "programs/uaf.c", 11);
    assert_string_equal(f->stacks[2].role, "heap block allocated");
    assert_true(f->stacks[2].context);
    assert_frame(&f->stacks[2].frames[1], "main", "programs/uaf.c", 19);
    assert_int_equal(strlen(f->fingerprint), 16);
    finding_list_free(&l);
}

static void test_asan_overflow_is_memory_error(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_asan(DATA("asan-overflow.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_MEMORY_ERROR);
    assert_non_null(strstr(f->summary, "heap-buffer-overflow"));
    assert_string_equal(f->stacks[0].role, "write");
    assert_int_equal(f->stacks[0].thread, 1);
    assert_frame(&f->stacks[0].frames[0], "worker", "programs/overflow.c", 11);
    /* "allocated by thread T0 here:" and the thread's creation: background */
    assert_string_equal(f->stacks[1].role, "heap block allocated");
    assert_true(f->stacks[1].context);
    assert_string_equal(f->stacks[2].role, "thread T1 created");
    assert_true(f->stacks[2].context);
    assert_int_equal(f->stacks[2].thread, 0);
    finding_list_free(&l);
}

static void test_asan_leak_one_finding_per_direct_leak(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_asan(DATA("asan-leak.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_LEAK);
    assert_string_equal(finding_kind_name(f->kind), "memory-leak");
    assert_non_null(strstr(f->summary, "Direct leak of 64 byte(s)"));
    assert_int_equal(f->nstacks, 1);
    assert_frame(&f->stacks[0].frames[1], "worker", "programs/leak.c", 9);
    finding_list_free(&l);
}

static void test_ubsan_runtime_error_with_stack(void **state)
{
    struct finding_list l;
    const struct finding *f;

    finding_list_init(&l);
    assert_int_equal(parse_asan(DATA("asan-ub_overflow.log"), &l), 1);
    f = &l.items[0];
    assert_int_equal(f->kind, FINDING_UNDEFINED);
    assert_string_equal(finding_kind_name(f->kind), "undefined-behavior");
    assert_non_null(strstr(f->summary, "runtime error: signed integer overflow"));
    assert_int_equal(f->nstacks, 1);
    /* the stack replaced the bare location of the message */
    assert_frame(&f->stacks[0].frames[0], "worker", "programs/ub_overflow.c", 12);
    finding_list_free(&l);
}

/* A report cut off before its SUMMARY (killed while writing) is dropped;
 * a SEGV ASan caught is the runner's crash, not a finding. */
static void test_asan_truncated_and_deadly_signal(void **state)
{
    static const char cut[] =
        "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n"
        "READ of size 4 at 0x1 thread T1\n"
        "    #0 0x1 in f /src/a.c:3:4\n";
    static const char segv[] =
        "AddressSanitizer:DEADLYSIGNAL\n"
        "==1==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000\n"
        "==1==The signal is caused by a READ memory access.\n"
        "    #0 0x1 in f /src/a.c:3:4\n"
        "SUMMARY: AddressSanitizer: SEGV /src/a.c:3:4 in f\n";
    struct finding_list l;
    char err[64];

    finding_list_init(&l);
    assert_int_equal(asan_parse_buffer(cut, sizeof cut - 1, &l, err, sizeof err), 0);
    assert_int_equal(asan_parse_buffer(segv, sizeof segv - 1, &l, err, sizeof err), 0);
    assert_int_equal(l.count, 0);
    finding_list_free(&l);
}

static void test_asan_missing_file_names_path(void **state)
{
    struct finding_list l;
    char err[256] = "";

    finding_list_init(&l);
    assert_int_equal(asan_parse_file("/nonexistent/asan.1", &l, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/asan.1"));
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asan_uaf_access_free_alloc),
        cmocka_unit_test(test_asan_overflow_is_memory_error),
        cmocka_unit_test(test_asan_leak_one_finding_per_direct_leak),
        cmocka_unit_test(test_ubsan_runtime_error_with_stack),
        cmocka_unit_test(test_asan_truncated_and_deadly_signal),
        cmocka_unit_test(test_asan_missing_file_names_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
