/* ub_overflow.c - signed integer overflow (UBSan): a counter bumped past
 * INT_MAX by a worker thread. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>

static volatile int counter = INT_MAX - 1;

static void *worker(void *arg)
{
    for (int i = 0; i < 2; i++)
        counter = counter + 1;          /* overflows on the second pass */
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("%d\n", counter);
    return 0;
}
