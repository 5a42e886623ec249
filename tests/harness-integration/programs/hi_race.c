/* hi_race.c - a data race for `racelab stress`: two threads bump a counter
 * with no lock.  A barrier (which TSan sees, but which orders nothing
 * between the two increments) makes both threads overlap every time.
 * Racing pair: counter@hi_race.c:15:W (worker) vs. counter@hi_race.c:25:W
 * (main). */
#include <pthread.h>
#include <stdio.h>

static pthread_barrier_t start;
static long counter;

static void *worker(void *arg)
{
    pthread_barrier_wait(&start);
    counter++;                          /* racing write #1 */
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_barrier_init(&start, NULL, 2);
    pthread_create(&t, NULL, worker, NULL);
    pthread_barrier_wait(&start);
    counter++;                          /* racing write #2 */
    pthread_join(t, NULL);
    printf("counter %ld\n", counter);
    return 0;
}
