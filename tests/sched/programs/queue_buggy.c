/* queue_buggy.c - a lost update in a single-producer single-consumer ring
 * (after SCTBench's queue_bad).  Producer and consumer each keep their own
 * index but share the fill `count`, updated with a plain load and store;
 * an update lost between them makes the consumer read a slot not yet
 * written, or wait for an item that never comes.  Fails with abort(). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define CAP 4
#define ITEMS 20
#define PATIENCE 100000     /* polls before an empty/full ring means a lost update */
static int ring[CAP];
static int count;
static int produced, consumed;       /* statistics, one writer each */

static void *producer(void *arg)
{
    int tail = 0;
    for (int i = 1; i <= ITEMS; i++) {
        for (int spins = 0; count == CAP; spins++) {
            if (spins > PATIENCE) {
                fprintf(stderr, "queue: ring full forever (count %d)\n", count);
                abort();
            }
            sched_yield();
        }
        ring[tail] = i;
        tail = (tail + 1) % CAP;
        int c = count;              /* the lost update: load ... */
        produced++;
        count = c + 1;              /* ... store */
    }
    return arg;
}

static void *consumer(void *arg)
{
    int head = 0;
    for (int want = 1; want <= ITEMS; want++) {
        for (int spins = 0; count == 0; spins++) {
            if (spins > PATIENCE) {
                fprintf(stderr, "queue: item %d never arrived\n", want);
                abort();
            }
            sched_yield();
        }
        int v = ring[head];
        ring[head] = 0;
        head = (head + 1) % CAP;
        int c = count;
        consumed++;
        count = c - 1;
        if (v != want) {
            fprintf(stderr, "queue: expected item %d, got %d\n", want, v);
            abort();
        }
    }
    return arg;
}

int main(void)
{
    pthread_t p, c;
    pthread_create(&p, NULL, producer, NULL);
    pthread_create(&c, NULL, consumer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    return 0;
}
