/* reorder_fixed.c - the control for reorder_buggy.c: the pair is written
 * and read under one mutex, so the checker never sees half an update. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 20
static int a, b;
static atomic_int setter_done;
static pthread_mutex_t pair_lock = PTHREAD_MUTEX_INITIALIZER;

static void *setter(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&pair_lock);
        a = 1;
        b = -1;
        pthread_mutex_unlock(&pair_lock);
        pthread_mutex_lock(&pair_lock);
        a = 0;
        b = 0;
        pthread_mutex_unlock(&pair_lock);
    }
    atomic_store(&setter_done, 1);
    return arg;
}

static void *checker(void *arg)
{
    while (!atomic_load(&setter_done)) {
        pthread_mutex_lock(&pair_lock);
        int x = a, y = b;
        pthread_mutex_unlock(&pair_lock);
        if (!((x == 0 && y == 0) || (x == 1 && y == -1))) {
            fprintf(stderr, "reorder: inconsistent pair a=%d b=%d\n", x, y);
            abort();
        }
        sched_yield();
    }
    return arg;
}

int main(void)
{
    pthread_t s, c;
    pthread_create(&s, NULL, setter, NULL);
    pthread_create(&c, NULL, checker, NULL);
    pthread_join(s, NULL);
    pthread_join(c, NULL);
    return 0;
}
