/* racy.c (version 1) - one data race, for the baseline test: two threads
 * bump `hits` with no lock.  Racing pair: hits@racy.c:count_hit:W vs. the
 * same line in the other thread.  Version 2 (../v2/racy.c) moves this
 * race down with an unrelated edit above it and adds a second race in
 * another function: the first must stay "known", the second is "new". */
#include <pthread.h>
#include <stdio.h>

static pthread_barrier_t start;
static volatile long hits;
#define BUMPS 20000

static void count_hit(void)
{
    hits++;                             /* racing write */
}

static void *worker(void *arg)
{
    pthread_barrier_wait(&start);
    for (int i = 0; i < BUMPS; i++)
        count_hit();
    return arg;
}

int main(void)
{
    pthread_t a, b;

    pthread_barrier_init(&start, NULL, 2);
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("hits %ld\n", hits);
    return 0;
}
