/* contract_dispatch.c - the contract of dispatch.h, for any dispatch
 * module.  The pool module feeds its workers through a workqueue, so the
 * link line names the real one:
 *
 *   cc -I src/server -I tests/contract tests/contract/contract_dispatch.c \
 *      DISPATCH.c src/server/workqueue.c -lcmocka -lpthread
 */
#include "contract.h"
#include "dispatch.h"

#include <stdatomic.h>

static atomic_int served, active, max_active;
static atomic_int slow_ms;

static void serve(void *conn)
{
    int a = atomic_fetch_add(&active, 1) + 1;
    int m = atomic_load(&max_active);
    while (a > m && !atomic_compare_exchange_weak(&max_active, &m, a))
        ;
    assert_non_null(conn);
    if (atomic_load(&slow_ms))
        contract_sleep_ms(atomic_load(&slow_ms));
    atomic_fetch_sub(&active, 1);
    atomic_fetch_add(&served, 1);
}

static int setup(void **state)
{
    (void)state;
    atomic_store(&served, 0);
    atomic_store(&active, 0);
    atomic_store(&max_active, 0);
    atomic_store(&slow_ms, 0);
    return 0;
}

static char conns[4096];

/* dispatch_stop() returns in bounded time or the test fails. */
static void *stop_thread(void *arg)
{
    (void)arg;
    dispatch_stop();
    return NULL;
}

static void stop_or_fail(void)
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stop_thread, NULL), 0);
    contract_join(t, 10, "dispatch_stop()");
}

/* Everything submitted is served by the time dispatch_stop() returns, and
 * no SERVE is running any more. */
static void test_dispatch_stop_serves_everything_submitted(void **state)
{
    int n = 0;

    assert_int_equal(dispatch_start(4, serve), 0);
    atomic_store(&slow_ms, 20);
    for (int i = 0; i < 40; i++)
        if (dispatch_submit(&conns[i]) == 0)
            n++;
    CONTRACT_EQ(n, 40);
    stop_or_fail();
    CONTRACT_EQ(atomic_load(&active), 0);
    CONTRACT_EQ(atomic_load(&served), n);
    CONTRACT_EQ(dispatch_thread_count(), 0);
}

static void test_dispatch_runs_serve_concurrently(void **state)
{
    assert_int_equal(dispatch_start(4, serve), 0);
    atomic_store(&slow_ms, 200);
    for (int i = 0; i < 4; i++)
        assert_int_equal(dispatch_submit(&conns[i]), 0);
    stop_or_fail();
    CONTRACT_EQ(atomic_load(&served), 4);
    /* Four slow connections, four threads: more than one at a time. */
    assert_true(atomic_load(&max_active) > 1);
}

/* Connections that keep coming must not grow memory: every thread the
 * module starts is joined or detached.  (A joinable thread nobody joins
 * keeps its stack: 8 MiB of address space each.) */
static void test_dispatch_no_thread_leak(void **state)
{
    long before, after;

    assert_int_equal(dispatch_start(2, serve), 0);
    before = contract_vmsize_kb();
    for (int i = 0; i < 300; i++) {
        assert_int_equal(dispatch_submit(&conns[i]), 0);
        while (atomic_load(&served) < i + 1)        /* one at a time */
            contract_sleep_ms(1);
    }
    /* A detached thread may still be on its way out: give the stacks a
     * moment to go back before measuring. */
    contract_sleep_ms(100);
    after = contract_vmsize_kb();
    stop_or_fail();
    CONTRACT_EQ(atomic_load(&served), 300);
    if (after - before > 256 * 1024)
        fail_msg("VmSize grew %ld MiB over 300 connections (%ld -> %ld KiB): "
                 "threads are neither joined nor detached",
                 (after - before) / 1024, before, after);
}

/* Start and stop twice in a row: stop leaves nothing behind that breaks
 * a new start. */
static void test_dispatch_restart(void **state)
{
    for (int round = 0; round < 2; round++) {
        atomic_store(&served, 0);
        assert_int_equal(dispatch_start(3, serve), 0);
        for (int i = 0; i < 100; i++)
            assert_int_equal(dispatch_submit(&conns[i]), 0);
        stop_or_fail();
        CONTRACT_EQ(atomic_load(&served), 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_dispatch_stop_serves_everything_submitted, setup),
        cmocka_unit_test_setup(test_dispatch_runs_serve_concurrently, setup),
        cmocka_unit_test_setup(test_dispatch_restart, setup),
        cmocka_unit_test_setup(test_dispatch_no_thread_leak, setup),
    };
    contract_watchdog(180);
    return cmocka_run_group_tests_name("contract_dispatch", tests, NULL, NULL);
}
