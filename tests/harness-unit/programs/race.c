/* race.c - a data race: the worker bumps a counter under its own mutex,
 * the main thread bumps it under none, so the mutex protects nothing.
 * Racing pair (DataRaceBench style):
 *   counter@race.c:16:W (worker, holding worker_lock)
 *   vs. counter@race.c:27:W (main, no lock) */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t worker_lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;

static void *worker(void *arg)
{
    pthread_mutex_lock(&worker_lock);
    counter++;                          /* racing write #1 */
    pthread_mutex_unlock(&worker_lock);
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    usleep(100 * 1000);     /* the worker goes first: time, not sync */
    counter++;                          /* racing write #2 */
    pthread_join(t, NULL);
    printf("counter %d\n", counter);
    return 0;
}
