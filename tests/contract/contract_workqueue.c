/* contract_workqueue.c - the contract of workqueue.h, for any workqueue.
 *
 *   cc -I src/server -I tests/contract tests/contract/contract_workqueue.c \
 *      WORKQUEUE.c -lcmocka -lpthread
 */
#include "contract.h"
#include "workqueue.h"

#include <stdatomic.h>

#define ITEM(i) ((void *)(uintptr_t)((i) + 1))
#define INDEX(p) ((long)(uintptr_t)(p) - 1)

static void test_workqueue_fifo(void **state)
{
    struct workqueue *q = workqueue_create(4);
    assert_non_null(q);
    for (int round = 0; round < 3; round++) {       /* wraps the ring */
        for (int i = 0; i < 4; i++)
            assert_int_equal(workqueue_push(q, ITEM(i)), 0);
        for (int i = 0; i < 4; i++)
            assert_ptr_equal(workqueue_pop(q), ITEM(i));
    }
    workqueue_close(q);
    workqueue_destroy(q);
}

static void test_workqueue_close_drains_then_null(void **state)
{
    struct workqueue *q = workqueue_create(8);
    assert_int_equal(workqueue_push(q, ITEM(1)), 0);
    assert_int_equal(workqueue_push(q, ITEM(2)), 0);
    workqueue_close(q);
    assert_int_equal(workqueue_push(q, ITEM(3)), -1);
    assert_ptr_equal(workqueue_pop(q), ITEM(1));
    assert_ptr_equal(workqueue_pop(q), ITEM(2));
    assert_null(workqueue_pop(q));
    assert_null(workqueue_pop(q));
    workqueue_destroy(q);
}

struct pusher {
    struct workqueue *q;
    atomic_int done;
    int rc;
};

static void *push_one(void *arg)
{
    struct pusher *p = arg;
    p->rc = workqueue_push(p->q, ITEM(99));
    atomic_store(&p->done, 1);
    return NULL;
}

/* A push into a full queue waits for a pop (and then succeeds). */
static void test_workqueue_push_blocks_while_full(void **state)
{
    struct workqueue *q = workqueue_create(2);
    struct pusher p = {q, 0, -2};
    pthread_t t;

    workqueue_push(q, ITEM(0));
    workqueue_push(q, ITEM(1));
    assert_int_equal(pthread_create(&t, NULL, push_one, &p), 0);
    contract_sleep_ms(100);
    if (atomic_load(&p.done))
        fail_msg("push into a full queue returned without waiting (rc %d)", p.rc);
    assert_ptr_equal(workqueue_pop(q), ITEM(0));
    pthread_join(t, NULL);
    assert_int_equal(p.rc, 0);
    assert_ptr_equal(workqueue_pop(q), ITEM(1));
    assert_ptr_equal(workqueue_pop(q), ITEM(99));
    workqueue_close(q);
    workqueue_destroy(q);
}

/* close() wakes every consumer sleeping on an empty queue, and every
 * producer sleeping on a full one. */
struct sleeper {
    struct workqueue *q;
    atomic_int state;           /* 1 about to block, 2 returned */
    void *got;
    int rc;
    bool push;
};

static void *sleep_in_queue(void *arg)
{
    struct sleeper *s = arg;
    atomic_store(&s->state, 1);
    if (s->push)
        s->rc = workqueue_push(s->q, ITEM(7));
    else
        s->got = workqueue_pop(s->q);
    atomic_store(&s->state, 2);
    return NULL;
}

static void close_wakes_all(bool producers)
{
    enum { N = 4 };
    struct workqueue *q = workqueue_create(1);
    struct sleeper s[N];
    pthread_t t[N];

    if (producers)
        workqueue_push(q, ITEM(0));     /* full */
    for (int i = 0; i < N; i++) {
        s[i] = (struct sleeper){.q = q, .push = producers, .rc = -2};
        assert_int_equal(pthread_create(&t[i], NULL, sleep_in_queue, &s[i]), 0);
    }
    for (int i = 0; i < N; i++)
        while (atomic_load(&s[i].state) == 0)
            contract_sleep_ms(1);
    contract_sleep_ms(300);             /* let them all reach the wait */
    for (int i = 0; i < N; i++)
        if (atomic_load(&s[i].state) == 2)
            fail_msg("thread %d returned from a %s queue before close", i,
                     producers ? "full" : "empty");
    workqueue_close(q);
    for (int i = 0; i < N; i++) {
        contract_join(t[i], 4, producers ? "workqueue_push() after workqueue_close()"
                                          : "workqueue_pop() after workqueue_close()");
        if (producers)
            assert_int_equal(s[i].rc, -1);
        else
            assert_null(s[i].got);
    }
    workqueue_destroy(q);
}

static void test_workqueue_close_wakes_every_consumer(void **state)
{
    close_wakes_all(false);
}

static void test_workqueue_close_wakes_every_producer(void **state)
{
    close_wakes_all(true);
}

/* Many producers and consumers: every item comes out exactly once. */
#define PRODUCERS 4
#define CONSUMERS 4
#define PER_PRODUCER 20000

struct mpmc {
    struct workqueue *q;
    int id;
    atomic_uchar *seen;
    atomic_long popped;
    bool early_null;            /* pop returned NULL before the close */
};

static atomic_bool mpmc_closing;

static void *producer(void *arg)
{
    struct mpmc *m = arg;
    for (int i = 0; i < PER_PRODUCER; i++)
        assert_int_equal(workqueue_push(m->q, ITEM(m->id * PER_PRODUCER + i)), 0);
    return NULL;
}

static void *consumer(void *arg)
{
    struct mpmc *m = arg;
    void *p;
    for (;;) {
        if ((p = workqueue_pop(m->q)) == NULL) {
            /* The close is ordered after mpmc_closing was set, and the
             * NULL after the close: a NULL without it came early. */
            m->early_null = !atomic_load(&mpmc_closing);
            break;
        }
        atomic_fetch_add(&m->seen[INDEX(p)], 1);
        atomic_fetch_add(&m->popped, 1);
    }
    return NULL;
}

static void test_workqueue_mpmc_exactly_once(void **state)
{
    struct workqueue *q = workqueue_create(8);
    static atomic_uchar seen[PRODUCERS * PER_PRODUCER];
    struct mpmc pm[PRODUCERS], cm[CONSUMERS];
    pthread_t pt[PRODUCERS], ct[CONSUMERS];
    long total = 0;

    for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
        atomic_store(&seen[i], 0);
    atomic_store(&mpmc_closing, false);
    for (int i = 0; i < CONSUMERS; i++) {
        cm[i] = (struct mpmc){.q = q, .seen = seen};
        pthread_create(&ct[i], NULL, consumer, &cm[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pm[i] = (struct mpmc){.q = q, .id = i, .seen = seen};
        pthread_create(&pt[i], NULL, producer, &pm[i]);
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(pt[i], NULL);
    atomic_store(&mpmc_closing, true);
    workqueue_close(q);
    for (int i = 0; i < CONSUMERS; i++) {
        contract_join(ct[i], 4, "a consumer after workqueue_close()");
        total += atomic_load(&cm[i].popped);
        if (cm[i].early_null)
            fail_msg("consumer %d: workqueue_pop() returned NULL while the queue "
                     "was open (it may return NULL only once closed and empty)", i);
    }
    CONTRACT_EQ(total, PRODUCERS * PER_PRODUCER);
    for (int i = 0; i < PRODUCERS * PER_PRODUCER; i++)
        if (atomic_load(&seen[i]) != 1)
            fail_msg("item %d popped %d times", i, atomic_load(&seen[i]));
    workqueue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workqueue_fifo),
        cmocka_unit_test(test_workqueue_close_drains_then_null),
        cmocka_unit_test(test_workqueue_push_blocks_while_full),
        cmocka_unit_test(test_workqueue_mpmc_exactly_once),
        cmocka_unit_test(test_workqueue_close_wakes_every_consumer),
        cmocka_unit_test(test_workqueue_close_wakes_every_producer),
    };
    contract_watchdog(180);
    return cmocka_run_group_tests_name("contract_workqueue", tests, NULL, NULL);
}
