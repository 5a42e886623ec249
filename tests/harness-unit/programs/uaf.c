/* uaf.c - a use after free across threads: the worker frees the buffer,
 * main then writes to it (joined, so the order is fixed). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int *buf;

static void *worker(void *arg)
{
    free(buf);                          /* freed here */
    return arg;
}

int main(void)
{
    pthread_t t;

    buf = malloc(16 * sizeof *buf);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    buf[3] = 42;                        /* used after free */
    puts("done");
    return 0;
}
