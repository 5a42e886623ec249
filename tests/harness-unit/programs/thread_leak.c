/* thread_leak.c - a thread leak: a joinable thread that finishes but is
 * never joined nor detached, so its stack is never reclaimed. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *worker(void *arg)
{
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);     /* never joined */
    usleep(100 * 1000);
    puts("done");
    return 0;
}
