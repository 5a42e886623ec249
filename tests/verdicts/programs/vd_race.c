/* vd_race.c - two threads bump a shared counter with no lock: the
 * textbook race, reported by every detector in every run. */
#include <pthread.h>
#include <stdio.h>

static long hits;

static void *count(void *arg)
{
    for (int i = 0; i < 10000; i++)
        hits++;                           /* line 11: unguarded */
    return arg;
}

int main(void)
{
    pthread_t a, b;

    pthread_create(&a, NULL, count, NULL);
    pthread_create(&b, NULL, count, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%ld\n", hits);
    return 0;
}
