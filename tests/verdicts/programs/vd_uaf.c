/* vd_uaf.c - a use after free across threads: the worker frees the
 * buffer, main then reads it (joined, so the order is fixed).  ASan names
 * it; the plain build usually prints a stale number and exits 0. */
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

    buf = calloc(16, sizeof *buf);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    printf("%d\n", buf[3]);             /* used after free */
    return 0;
}
