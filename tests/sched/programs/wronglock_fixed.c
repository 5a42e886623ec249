/* wronglock_fixed.c - the control for wronglock_buggy.c: both threads use
 * the same mutex, so the read-back always sees its own store.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 20
static int shared;
static int history[3][ROUNDS];     /* what each thread wrote, per round */
static pthread_mutex_t lock_one = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    pthread_mutex_t *lock = &lock_one;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(lock);
        shared = me;
        history[me][i] = me;            /* the critical section's own work */
        history[me][i] += i;
        int seen = shared;
        pthread_mutex_unlock(lock);
        if (seen != me) {
            fprintf(stderr, "wronglock: thread %d wrote %d, read back %d\n", me, me, seen);
            abort();
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, worker, (void *)1L);
    pthread_create(&t2, NULL, worker, (void *)2L);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return 0;
}
