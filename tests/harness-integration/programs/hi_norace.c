/* hi_norace.c - the race-free control of hi_race.c: the same two
 * increments, each under the mutex. */
#include <pthread.h>
#include <stdio.h>

static pthread_barrier_t start;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *worker(void *arg)
{
    pthread_barrier_wait(&start);
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_barrier_init(&start, NULL, 2);
    pthread_create(&t, NULL, worker, NULL);
    pthread_barrier_wait(&start);
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL);
    printf("counter %ld\n", counter);
    return 0;
}
