/* deadlock_abba.c - a lock-order deadlock: one thread takes lock_a then
 * lock_b, the other lock_b then lock_a.  A switch while one holds its
 * first lock lets the other take its own: neither can go on.  The
 * controlled scheduler reports the wait-for cycle and exits 86. */
#include <pthread.h>
#include <stdio.h>

#define ROUNDS 20
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static int transfers;

static void *a_then_b(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock_a);
        pthread_mutex_lock(&lock_b);
        transfers++;
        pthread_mutex_unlock(&lock_b);
        pthread_mutex_unlock(&lock_a);
    }
    return arg;
}

static void *b_then_a(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock_b);
        pthread_mutex_lock(&lock_a);
        transfers++;
        pthread_mutex_unlock(&lock_a);
        pthread_mutex_unlock(&lock_b);
    }
    return arg;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, a_then_b, NULL);
    pthread_create(&t2, NULL, b_then_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("%d transfers\n", transfers);
    return 0;
}
