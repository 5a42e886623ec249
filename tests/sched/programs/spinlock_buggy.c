/* spinlock_buggy.c - a test-and-set spin lock around a shared counter.
 * The workers take the lock for every increment but the first: the first
 * pass only "warms up" the counter, and nobody else should be running yet.
 * -DFIXED takes the lock on the first pass too. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 3
#define ROUNDS 3

static atomic_flag counter_lock = ATOMIC_FLAG_INIT;
static long counter;

static void lock(void)
{
    while (atomic_flag_test_and_set_explicit(&counter_lock, memory_order_acquire))
        ;
}

static void unlock(void)
{
    atomic_flag_clear_explicit(&counter_lock, memory_order_release);
}

static void *worker(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
#ifndef FIXED
        if (i == 0) {
            long c = counter;
            counter = c + 1;
            continue;
        }
#endif
        lock();
        long c = counter;
        counter = c + 1;
        unlock();
    }
    return arg;
}

int main(void)
{
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    if (counter != WORKERS * ROUNDS) {
        fprintf(stderr, "spinlock: counter %ld, expected %d\n", counter, WORKERS * ROUNDS);
        abort();
    }
    return 0;
}
