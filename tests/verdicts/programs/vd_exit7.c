/* vd_exit7.c - a program that finds its own problem and says so with its
 * exit status (a self-check failed), with no race at all. */
#include <pthread.h>
#include <stdio.h>

static void *work(void *arg)
{
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, work, NULL);
    pthread_join(t, NULL);
    fprintf(stderr, "self-check failed: 3 items missing\n");
    return 7;
}
