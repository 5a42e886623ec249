/* ready_flag_buggy.c - the consumer waits on a plain volatile flag (no
 * atomics, no lock) for the producer's result.  The producer raises the
 * flag before it stores the result.  -DFIXED stores the result first (a
 * data race still, but one that x86 and this compiler keep in order). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static volatile int ready;
static int result;

static void *producer(void *arg)
{
#ifdef FIXED
    result = 42;
    ready = 1;
#else
    ready = 1;
    result = 42;
#endif
    return arg;
}

static void *consumer(void *arg)
{
    while (!ready)
        ;
    if (result != 42) {
        fprintf(stderr, "ready_flag: result %d\n", result);
        abort();
    }
    return arg;
}

int main(void)
{
    pthread_t p, c;
    pthread_create(&c, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    return 0;
}
