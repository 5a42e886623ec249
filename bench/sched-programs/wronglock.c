/* wronglock.c - after SCTBench wronglock_bad: workers increment a shared
 * counter, each under its *own* lock, which excludes nobody.  -DFIXED:
 * one lock for all. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#define THREADS 3
static int counter;
static pthread_mutex_t locks[THREADS] = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
                                          PTHREAD_MUTEX_INITIALIZER };
static void *worker(void *arg)
{
#ifdef FIXED
    pthread_mutex_t *l = &locks[0];
    (void)arg;
#else
    pthread_mutex_t *l = &locks[(long)arg];
#endif
    pthread_mutex_lock(l);
    int c = counter;
    counter = c + 1;
    pthread_mutex_unlock(l);
    return NULL;
}
int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    if (counter != THREADS) {
        fprintf(stderr, "wronglock: counter %d, expected %d\n", counter, THREADS);
        abort();
    }
    return 0;
}
