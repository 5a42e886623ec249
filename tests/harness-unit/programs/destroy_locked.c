/* destroy_locked.c - pthread_mutex_destroy() of a mutex still held. */
#include <pthread.h>
#include <stdio.h>

int main(void)
{
    pthread_mutex_t m;

    pthread_mutex_init(&m, NULL);
    pthread_mutex_lock(&m);
    pthread_mutex_destroy(&m);          /* still locked */
    puts("done");
    return 0;
}
