/* twostage.c - after SCTBench twostage_100_bad: THREADS workers do a
 * two-stage update, stage 1 (data1) under lock 1 and stage 2 (data2 =
 * data1 + 1) under lock 2, released in between; a reader holding both
 * locks expects data2 == data1 + 1 once stage 1 has run.  The window
 * between the stages is the bug.  -DFIXED: both stages under lock 1. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#ifndef THREADS
#define THREADS 100
#endif
static int data1, data2;
static pthread_mutex_t m1 = PTHREAD_MUTEX_INITIALIZER, m2 = PTHREAD_MUTEX_INITIALIZER;
static void *worker(void *arg)
{
    pthread_mutex_lock(&m1);
    data1 = 1;
#ifndef FIXED
    pthread_mutex_unlock(&m1);
#endif
    pthread_mutex_lock(&m2);
    data2 = data1 + 1;
    pthread_mutex_unlock(&m2);
#ifdef FIXED
    pthread_mutex_unlock(&m1);
#endif
    return arg;
}
static void *reader(void *arg)
{
    pthread_mutex_lock(&m1);
    if (data1 == 1) {
        pthread_mutex_lock(&m2);
        int t1 = data1, t2 = data2;
        pthread_mutex_unlock(&m2);
        if (t2 != t1 + 1) {
            fprintf(stderr, "twostage: data2 %d, data1 %d\n", t2, t1);
            abort();
        }
    }
    pthread_mutex_unlock(&m1);
    return arg;
}
int main(void)
{
    pthread_t w[THREADS], r;
    for (int i = 0; i < THREADS; i++)
        pthread_create(&w[i], NULL, worker, NULL);
    pthread_create(&r, NULL, reader, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(w[i], NULL);
    pthread_join(r, NULL);
    return 0;
}
