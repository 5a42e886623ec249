/* unlock_unlocked.c - pthread_mutex_unlock() of a mutex nobody holds: the
 * second release() unlocks a mutex that is already unlocked. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void release(void)
{
    pthread_mutex_unlock(&m);           /* second call: not locked */
}

int main(void)
{
    pthread_mutex_lock(&m);
    release();
    release();
    puts("done");
    return 0;
}
