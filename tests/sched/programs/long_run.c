/* long_run.c - 10^7 instrumented accesses in two threads (2.5 million
 * loop iterations each, one load and one store per iteration, on each
 * thread's own half of a shared array), so that the scheduler's per-step
 * cost and a long PCT run are exercised.  Correct code: exits 0 with the
 * right checksum (abort() if not). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ITERATIONS 2500000L
static long cells[2][256];
static pthread_mutex_t sum_lock = PTHREAD_MUTEX_INITIALIZER;
static long sum;

static void *worker(void *arg)
{
    long *mine = cells[(long)arg];
    for (long i = 0; i < ITERATIONS; i++)
        mine[i & 255] = mine[(i * 7) & 255] + 1;
    long s = 0;
    for (int i = 0; i < 256; i++)
        s += mine[i];
    pthread_mutex_lock(&sum_lock);
    sum += s;
    pthread_mutex_unlock(&sum_lock);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    long one = 0;   /* the same computation, single-threaded, as the oracle */
    static long check[256];
    for (long i = 0; i < ITERATIONS; i++)
        check[i & 255] = check[(i * 7) & 255] + 1;
    for (int i = 0; i < 256; i++)
        one += check[i];
    if (sum != 2 * one) {
        fprintf(stderr, "long_run: sum %ld, expected %ld\n", sum, 2 * one);
        abort();
    }
    printf("long_run: sum %ld\n", sum);
    return 0;
}
