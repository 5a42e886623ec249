/* queue_fixed.c - the control for queue_buggy.c: `count` is read and
 * updated under the ring's mutex. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define CAP 4
#define ITEMS 20
#define PATIENCE 100000
static int ring[CAP];
static int count;
static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;

static int fill(void)
{
    pthread_mutex_lock(&ring_lock);
    int n = count;
    pthread_mutex_unlock(&ring_lock);
    return n;
}

static void add(int d)
{
    pthread_mutex_lock(&ring_lock);
    count = count + d;
    pthread_mutex_unlock(&ring_lock);
}

static void *producer(void *arg)
{
    int tail = 0;
    for (int i = 1; i <= ITEMS; i++) {
        for (int spins = 0; fill() == CAP; spins++) {
            if (spins > PATIENCE) {
                fprintf(stderr, "queue: ring full forever\n");
                abort();
            }
            sched_yield();
        }
        ring[tail] = i;
        tail = (tail + 1) % CAP;
        add(1);
    }
    return arg;
}

static void *consumer(void *arg)
{
    int head = 0;
    for (int want = 1; want <= ITEMS; want++) {
        for (int spins = 0; fill() == 0; spins++) {
            if (spins > PATIENCE) {
                fprintf(stderr, "queue: item %d never arrived\n", want);
                abort();
            }
            sched_yield();
        }
        int v = ring[head];
        ring[head] = 0;
        head = (head + 1) % CAP;
        add(-1);
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
