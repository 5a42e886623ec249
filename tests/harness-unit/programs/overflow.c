/* overflow.c - a heap buffer overflow (ASan): one element past the end,
 * written by a worker thread. */
#include <pthread.h>
#include <stdlib.h>

static int *buf;

static void *worker(void *arg)
{
    for (int i = 0; i <= 8; i++)
        buf[i] = i;                     /* buf[8] is past the end */
    return arg;
}

int main(void)
{
    pthread_t t;

    buf = malloc(8 * sizeof *buf);
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    free(buf);
    return 0;
}
