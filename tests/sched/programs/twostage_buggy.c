/* twostage_buggy.c - an atomicity violation across two critical sections
 * (after SCTBench's twostage_bad).  The writer publishes `data1` under
 * lock_one, releases it, then derives `data2 = data1 + 1` under lock_two.
 * A reader that sees the new data1 may read data2 before the second stage
 * ran.  Each step is locked; the bug is the gap between them.  Fails with
 * abort(). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 10
static int data1, data2;
static pthread_mutex_t lock_one = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_two = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg)
{
    for (int i = 1; i <= ROUNDS; i++) {
        pthread_mutex_lock(&lock_one);
        data1 = i;
        pthread_mutex_unlock(&lock_one);
        pthread_mutex_lock(&lock_two);
        data2 = data1 + 1;
        pthread_mutex_unlock(&lock_two);
    }
    return arg;
}

static void *reader(void *arg)
{
    for (int seen = 0; seen < ROUNDS;) {
        pthread_mutex_lock(&lock_one);
        int d1 = data1;
        pthread_mutex_unlock(&lock_one);
        if (d1 == seen) {       /* nothing new yet */
            sched_yield();
            continue;
        }
        seen = d1;
        pthread_mutex_lock(&lock_two);
        int d2 = data2;
        pthread_mutex_unlock(&lock_two);
        if (d2 < d1 + 1) {
            fprintf(stderr, "twostage: data1=%d but data2=%d\n", d1, d2);
            abort();
        }
    }
    return arg;
}

int main(void)
{
    pthread_t w, r;
    pthread_create(&w, NULL, writer, NULL);
    pthread_create(&r, NULL, reader, NULL);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    return 0;
}
