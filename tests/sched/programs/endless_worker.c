/* endless_worker.c - the worker waits for a stop flag that main never
 * sets: main joins it first.  Every schedule runs for ever. */
#include <pthread.h>
#include <stdio.h>

static volatile int stop_requested;

static void *worker(void *arg)
{
    unsigned long rounds = 0;
    while (!stop_requested)
        rounds++;
    printf("%lu rounds\n", rounds);
    return arg;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    stop_requested = 1;
    return 0;
}
