/* twostage_fixed.c - the control for twostage_buggy.c: both stages run
 * while lock_one is held (lock order lock_one -> lock_two), so a reader
 * that sees data1 always finds its data2. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 10
static int data1, data2;
static pthread_mutex_t lock_one = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_two = PTHREAD_MUTEX_INITIALIZER;

static void *writer(void *arg)
{
    for (int i = 1; i <= ROUNDS; i++) {
        pthread_mutex_lock(&lock_one);
        data1 = i;
        pthread_mutex_lock(&lock_two);
        data2 = data1 + 1;
        pthread_mutex_unlock(&lock_two);
        pthread_mutex_unlock(&lock_one);
    }
    return arg;
}

static void *reader(void *arg)
{
    for (int seen = 0; seen < ROUNDS;) {
        pthread_mutex_lock(&lock_one);
        int d1 = data1;
        pthread_mutex_lock(&lock_two);
        int d2 = data2;
        pthread_mutex_unlock(&lock_two);
        pthread_mutex_unlock(&lock_one);
        if (d1 != 0 && d2 < d1 + 1) {
            fprintf(stderr, "twostage: data1=%d but data2=%d\n", d1, d2);
            abort();
        }
        if (d1 == seen)
            sched_yield();
        seen = d1;
    }
    return arg;
}

int main(void)
{
    pthread_t w, r;
    pthread_create(&w, NULL, writer, NULL);
    pthread_create(&r, NULL, reader, NULL);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    return 0;
}
