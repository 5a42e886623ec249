/* reorder.c - after SCTBench reorder_N_bad: THREADS-1 setters write the
 * pair (a, b) as two plain stores; one checker reads the pair and expects
 * (0, 0) or (1, -1).  -DTHREADS=5|10|20.  -DFIXED: the pair under a lock. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#ifndef THREADS
#define THREADS 5
#endif
static int a, b;
#ifdef FIXED
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&m)
#define UNLOCK() pthread_mutex_unlock(&m)
#else
#define LOCK() (void)0
#define UNLOCK() (void)0
#endif
static void *setter(void *arg)
{
    LOCK();
    a = 1;
    b = -1;
    UNLOCK();
    return arg;
}
static void *checker(void *arg)
{
    LOCK();
    int x = a, y = b;
    UNLOCK();
    if (!((x == 0 && y == 0) || (x == 1 && y == -1))) {
        fprintf(stderr, "reorder: inconsistent pair a=%d b=%d\n", x, y);
        abort();
    }
    return arg;
}
int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS - 1; i++)
        pthread_create(&t[i], NULL, setter, NULL);
    pthread_create(&t[THREADS - 1], NULL, checker, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    return 0;
}
