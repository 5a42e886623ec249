/* test_hang.c - the wait-for cycle read from a real gdb dump
 * (data/gdb-abba.txt: two threads taking cache_lock and stats_lock in
 * opposite orders, attached with "thread apply all bt"), and the stalls
 * that are not a cycle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hang.h"
#include "harness_util.h"

#define DATA(name) RACELAB_UNIT_DATA "/" name

/* Owners as gdb's python would read them from __data.__owner: in the
 * dump, LWP 18761 (reader) holds cache_lock, LWP 18763 (dumper) holds
 * stats_lock. */
static long abba_owner(void *ctx, unsigned long long addr)
{
    (void)ctx;
    if (addr == 0x55f68da81060ULL)
        return 18761;
    if (addr == 0x55f68da810a0ULL)
        return 18763;
    return -1;
}

/* An owner that exited: nobody holds the lock any more. */
static long gone_owner(void *ctx, unsigned long long addr)
{
    (void)ctx;
    (void)addr;
    return 4242;
}

static char *dump(void)
{
    size_t len;
    char *bt = read_file(DATA("gdb-abba.txt"), &len);
    assert_non_null(bt);
    return bt;
}

static void test_hang_cycle_names_both_locks_and_sites(void **state)
{
    (void)state;
    char *bt = dump();
    char *r = hang_analyze(bt, "/src/prog", abba_owner, NULL);

    assert_non_null(strstr(r, "deadlock: "));
    assert_non_null(strstr(r, "(cache_lock)"));
    assert_non_null(strstr(r, "(stats_lock)"));
    /* Where each thread waits, relative to the source root. */
    assert_non_null(strstr(r, "at abba.c:10"));
    assert_non_null(strstr(r, "at abba.c:20"));
    assert_null(strstr(r, "/src/prog/"));
    /* Every thread's stack follows, program frames with their lines. */
    assert_non_null(strstr(r, "stacks (3 threads, from gdb):"));
    assert_non_null(strstr(r, "reader at abba.c:10"));
    free(r);
    free(bt);
}

static void test_hang_without_owners_is_no_cycle(void **state)
{
    (void)state;
    char *bt = dump();
    char *r = hang_analyze(bt, "/src/prog", NULL, NULL);

    assert_null(strstr(r, "deadlock: "));
    assert_non_null(strstr(r, "no mutex wait-for cycle: "));
    assert_non_null(strstr(r, "waits for 0x55f68da81060 (cache_lock) at abba.c:20"));
    free(r);
    free(bt);
}

static void test_hang_owner_exited_holding_the_lock(void **state)
{
    (void)state;
    char *bt = dump();
    char *r = hang_analyze(bt, "/src/prog", gone_owner, NULL);

    assert_null(strstr(r, "deadlock: "));
    assert_non_null(strstr(r, "thread 4242, which has exited holding it"));
    free(r);
    free(bt);
}

static void test_hang_nothing_blocked(void **state)
{
    (void)state;
    char *r = hang_analyze("Thread 1 (Thread 0x1 (LWP 7) \"x\"):\n"
                           "#0  0x1 in spin () at /src/prog/x.c:3\n",
                           "/src/prog", NULL, NULL);
    assert_non_null(strstr(r, "no thread is blocked on a mutex or condition variable"));
    assert_non_null(strstr(r, "spin at x.c:3"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hang_cycle_names_both_locks_and_sites),
        cmocka_unit_test(test_hang_without_owners_is_no_cycle),
        cmocka_unit_test(test_hang_owner_exited_holding_the_lock),
        cmocka_unit_test(test_hang_nothing_blocked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
