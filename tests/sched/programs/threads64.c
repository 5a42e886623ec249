/* threads64.c - 64 threads meet at a condition-variable rendezvous, add to
 * a mutex-guarded total, and leave through a barrier.  Correct code: it
 * must finish with the right total under every schedule (abort() if not). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 64
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_here = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t leave;
static int arrived;
static long total;

static void *member(void *arg)
{
    long id = (long)arg;
    pthread_mutex_lock(&gate_lock);
    if (++arrived == THREADS)
        pthread_cond_broadcast(&all_here);
    while (arrived < THREADS)
        pthread_cond_wait(&all_here, &gate_lock);
    total += id;
    pthread_mutex_unlock(&gate_lock);
    pthread_barrier_wait(&leave);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_barrier_init(&leave, NULL, THREADS);
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, member, (void *)i) != 0)
            abort();
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    if (total != (long)THREADS * (THREADS - 1) / 2) {
        fprintf(stderr, "threads64: total %ld\n", total);
        abort();
    }
    printf("threads64: total %ld\n", total);
    return 0;
}
