/* test_workqueue.c - the bounded blocking FIFO (workqueue.c).
 *
 * Blocking is observed without timing assertions: a helper thread records
 * when its call returns, and the test checks it has not returned before
 * the event that should release it (a short pause only makes a missing
 * block more likely to show; a correct queue passes however long it is).
 * Joins use a generous deadline so a lost wake-up fails the test instead
 * of hanging until the CTest timeout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "workqueue.h"

#define JOIN_DEADLINE_S 20

#define ITEM(n) ((void *)(uintptr_t)(n))

static void join_or_fail(pthread_t th, void **ret)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += JOIN_DEADLINE_S;
    int rc = pthread_timedjoin_np(th, ret, &ts);
    if (rc == ETIMEDOUT)
        fail_msg("a thread blocked in the queue was never woken");
    assert_int_equal(rc, 0);
}

static void pause_briefly(void)
{
    struct timespec ts = { .tv_sec = 0, .tv_nsec = 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

static void test_workqueue_fifo_order(void **state)
{
    struct workqueue *q = workqueue_create(4);
    assert_non_null(q);
    /* Several laps around the ring. */
    uintptr_t next_in = 1, next_out = 1;
    for (int lap = 0; lap < 5; lap++) {
        int n = 1 + lap % 4;
        for (int i = 0; i < n; i++)
            assert_int_equal(workqueue_push(q, ITEM(next_in++)), 0);
        for (int i = 0; i < n; i++)
            assert_ptr_equal(workqueue_pop(q), ITEM(next_out++));
    }
    workqueue_close(q);
    assert_null(workqueue_pop(q));
    workqueue_destroy(q);
}

struct pusher {
    struct workqueue *q;
    void *item;
    atomic_int done;
    int rc;
};

static void *push_main(void *arg)
{
    struct pusher *p = arg;
    p->rc = workqueue_push(p->q, p->item);
    atomic_store(&p->done, 1);
    return NULL;
}

static void test_workqueue_push_blocks_when_full(void **state)
{
    struct workqueue *q = workqueue_create(2);
    assert_int_equal(workqueue_push(q, ITEM(1)), 0);
    assert_int_equal(workqueue_push(q, ITEM(2)), 0);

    struct pusher p = { .q = q, .item = ITEM(3) };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, push_main, &p), 0);
    pause_briefly();
    assert_int_equal(atomic_load(&p.done), 0);     /* still blocked */

    assert_ptr_equal(workqueue_pop(q), ITEM(1));   /* makes room */
    join_or_fail(th, NULL);
    assert_int_equal(p.rc, 0);
    assert_ptr_equal(workqueue_pop(q), ITEM(2));
    assert_ptr_equal(workqueue_pop(q), ITEM(3));
    workqueue_close(q);
    workqueue_destroy(q);
}

struct popper {
    struct workqueue *q;
    atomic_int done;
    void *item;
};

static void *pop_main(void *arg)
{
    struct popper *p = arg;
    p->item = workqueue_pop(p->q);
    atomic_store(&p->done, 1);
    return NULL;
}

static void test_workqueue_pop_blocks_when_empty(void **state)
{
    struct workqueue *q = workqueue_create(2);
    struct popper p = { .q = q };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, pop_main, &p), 0);
    pause_briefly();
    assert_int_equal(atomic_load(&p.done), 0);
    assert_int_equal(workqueue_push(q, ITEM(42)), 0);
    join_or_fail(th, NULL);
    assert_ptr_equal(p.item, ITEM(42));
    workqueue_close(q);
    workqueue_destroy(q);
}

static void test_workqueue_close_wakes_poppers(void **state)
{
    struct workqueue *q = workqueue_create(4);
    enum { N = 3 };
    struct popper p[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        p[i] = (struct popper){ .q = q, .item = ITEM(99) };
        assert_int_equal(pthread_create(&th[i], NULL, pop_main, &p[i]), 0);
    }
    pause_briefly();
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&p[i].done), 0);
    workqueue_close(q);
    for (int i = 0; i < N; i++) {
        join_or_fail(th[i], NULL);
        assert_null(p[i].item);
    }
    workqueue_destroy(q);
}

static void test_workqueue_close_wakes_pushers(void **state)
{
    struct workqueue *q = workqueue_create(1);
    assert_int_equal(workqueue_push(q, ITEM(1)), 0);
    enum { N = 2 };
    struct pusher p[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        p[i] = (struct pusher){ .q = q, .item = ITEM(10 + i), .rc = 7 };
        assert_int_equal(pthread_create(&th[i], NULL, push_main, &p[i]), 0);
    }
    pause_briefly();
    for (int i = 0; i < N; i++)
        assert_int_equal(atomic_load(&p[i].done), 0);
    workqueue_close(q);
    for (int i = 0; i < N; i++) {
        join_or_fail(th[i], NULL);
        assert_int_equal(p[i].rc, -1);
    }
    /* What was queued before the close is still delivered. */
    assert_ptr_equal(workqueue_pop(q), ITEM(1));
    assert_null(workqueue_pop(q));
    workqueue_destroy(q);
}

static void test_workqueue_drain_after_close(void **state)
{
    struct workqueue *q = workqueue_create(8);
    for (uintptr_t i = 1; i <= 5; i++)
        assert_int_equal(workqueue_push(q, ITEM(i)), 0);
    workqueue_close(q);
    assert_int_equal(workqueue_push(q, ITEM(6)), -1);
    for (uintptr_t i = 1; i <= 5; i++)
        assert_ptr_equal(workqueue_pop(q), ITEM(i));
    assert_null(workqueue_pop(q));
    assert_null(workqueue_pop(q));      /* and stays closed */
    assert_int_equal(workqueue_push(q, ITEM(7)), -1);
    workqueue_destroy(q);
}

/* --- many producers, many consumers ------------------------------------- */

#define MP_PRODUCERS 3
#define MP_CONSUMERS 3
#define MP_ITEMS 20000      /* per producer */

struct mp {
    struct workqueue *q;
    int id;
    atomic_uchar *seen;     /* one flag per item */
    long count;
    long dup;
    long order_violations;
    long early_null;        /* NULL popped before the close */
    atomic_int *closed;
};

static void *mp_produce(void *arg)
{
    struct mp *m = arg;
    for (int i = 0; i < MP_ITEMS; i++) {
        uintptr_t v = (uintptr_t)m->id * MP_ITEMS + (uintptr_t)i + 1;
        if (workqueue_push(m->q, ITEM(v)) != 0)
            m->dup++;       /* no push may fail before the close */
    }
    return NULL;
}

static void *mp_consume(void *arg)
{
    struct mp *m = arg;
    long last[MP_PRODUCERS];
    for (int p = 0; p < MP_PRODUCERS; p++)
        last[p] = -1;
    void *item;
    while ((item = workqueue_pop(m->q)) != NULL) {
        uintptr_t v = (uintptr_t)item - 1;
        if (atomic_exchange(&m->seen[v], 1) != 0)
            m->dup++;
        /* FIFO: one consumer sees each producer's items in order. */
        int p = (int)(v / MP_ITEMS);
        long i = (long)(v % MP_ITEMS);
        if (i <= last[p])
            m->order_violations++;
        last[p] = i;
        m->count++;
    }
    if (!atomic_load(m->closed))
        m->early_null++;
    return NULL;
}

static void test_workqueue_many_producers_consumers(void **state)
{
    struct workqueue *q = workqueue_create(16);
    atomic_int closed = 0;
    atomic_uchar *seen = calloc(MP_PRODUCERS * MP_ITEMS, sizeof(*seen));
    struct mp prod[MP_PRODUCERS], cons[MP_CONSUMERS];
    pthread_t pt[MP_PRODUCERS], ct[MP_CONSUMERS];
    for (int i = 0; i < MP_CONSUMERS; i++) {
        cons[i] = (struct mp){ .q = q, .id = i, .seen = seen, .closed = &closed };
        assert_int_equal(pthread_create(&ct[i], NULL, mp_consume, &cons[i]), 0);
    }
    for (int i = 0; i < MP_PRODUCERS; i++) {
        prod[i] = (struct mp){ .q = q, .id = i, .seen = seen, .closed = &closed };
        assert_int_equal(pthread_create(&pt[i], NULL, mp_produce, &prod[i]), 0);
    }
    for (int i = 0; i < MP_PRODUCERS; i++) {
        join_or_fail(pt[i], NULL);
        assert_int_equal(prod[i].dup, 0);
    }
    atomic_store(&closed, 1);
    workqueue_close(q);
    long total = 0, dup = 0, order = 0, early = 0;
    for (int i = 0; i < MP_CONSUMERS; i++) {
        join_or_fail(ct[i], NULL);
        total += cons[i].count;
        dup += cons[i].dup;
        order += cons[i].order_violations;
        early += cons[i].early_null;
    }
    /* A consumer that gave up before the close lost a wake-up race. */
    assert_int_equal(early, 0);
    assert_int_equal(dup, 0);
    assert_int_equal(order, 0);
    assert_int_equal(total, MP_PRODUCERS * MP_ITEMS);
    for (long v = 0; v < MP_PRODUCERS * MP_ITEMS; v++)
        if (!seen[v])
            fail_msg("item %ld was never delivered", v + 1);
    free(seen);
    workqueue_destroy(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workqueue_fifo_order),
        cmocka_unit_test(test_workqueue_push_blocks_when_full),
        cmocka_unit_test(test_workqueue_pop_blocks_when_empty),
        cmocka_unit_test(test_workqueue_close_wakes_poppers),
        cmocka_unit_test(test_workqueue_close_wakes_pushers),
        cmocka_unit_test(test_workqueue_drain_after_close),
        cmocka_unit_test(test_workqueue_many_producers_consumers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
