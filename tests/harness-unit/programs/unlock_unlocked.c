/* unlock_unlocked.c - pthread_mutex_unlock() of a mutex nobody holds. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void release(void)
{
    pthread_mutex_unlock(&m);           /* never locked */
}

int main(void)
{
    release();
    puts("done");
    return 0;
}
