/* sync_mix.c - correct code using every synchronization object the
 * controlled scheduler models: rwlock, semaphores (a bounded buffer),
 * pthread_once, a spinlock, trylock, a timed condition wait, a detached
 * thread, a recursive mutex.  It must finish with every invariant intact
 * under every schedule (abort() if not). */
#define _GNU_SOURCE    /* PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITEMS 16
#define SLOTS 3

static pthread_rwlock_t pair_lock = PTHREAD_RWLOCK_INITIALIZER;
static int pair_x, pair_y;              /* pair_y == -pair_x, under pair_lock */

static sem_t empty_slots, full_slots;   /* the bounded buffer */
static pthread_mutex_t buffer_lock = PTHREAD_MUTEX_INITIALIZER;
static int buffer[SLOTS], put_at, take_at;
static long consumed_sum;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_calls;

static pthread_spinlock_t spin;
static int spin_count;

static pthread_mutex_t try_lock = PTHREAD_MUTEX_INITIALIZER;
static int try_count;

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;

static pthread_mutex_t rec_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static int rec_depth_max;

static void init_once(void) { init_calls++; }

static void recurse(int depth)
{
    pthread_mutex_lock(&rec_lock);
    if (depth > rec_depth_max)
        rec_depth_max = depth;
    if (depth < 3)
        recurse(depth + 1);
    pthread_mutex_unlock(&rec_lock);
}

static void *producer(void *arg)
{
    pthread_once(&once, init_once);
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&empty_slots);
        pthread_mutex_lock(&buffer_lock);
        buffer[put_at] = i;
        put_at = (put_at + 1) % SLOTS;
        pthread_mutex_unlock(&buffer_lock);
        sem_post(&full_slots);
        pthread_rwlock_wrlock(&pair_lock);
        pair_x = i;
        pair_y = -i;
        pthread_rwlock_unlock(&pair_lock);
    }
    return arg;
}

static void *consumer(void *arg)
{
    pthread_once(&once, init_once);
    for (int i = 1; i <= ITEMS; i++) {
        sem_wait(&full_slots);
        pthread_mutex_lock(&buffer_lock);
        consumed_sum += buffer[take_at];
        take_at = (take_at + 1) % SLOTS;
        pthread_mutex_unlock(&buffer_lock);
        sem_post(&empty_slots);
        pthread_rwlock_rdlock(&pair_lock);
        if (pair_x != -pair_y) {
            fprintf(stderr, "sync_mix: torn pair %d %d\n", pair_x, pair_y);
            abort();
        }
        pthread_rwlock_unlock(&pair_lock);
    }
    return arg;
}

static void *busy(void *arg)
{
    pthread_once(&once, init_once);
    for (int i = 0; i < 10; i++) {
        pthread_spin_lock(&spin);
        spin_count++;
        pthread_spin_unlock(&spin);
        while (pthread_mutex_trylock(&try_lock) == EBUSY)
            sched_yield();
        try_count++;
        pthread_mutex_unlock(&try_lock);
        recurse(0);
    }
    return arg;
}

static void *detached(void *arg)
{
    pthread_mutex_lock(&done_lock);
    detached_done = 1;
    pthread_cond_signal(&done_cond);
    pthread_mutex_unlock(&done_lock);
    return arg;
}

int main(void)
{
    pthread_t t[4], d;
    pthread_attr_t attr;
    sem_init(&empty_slots, 0, SLOTS);
    sem_init(&full_slots, 0, 0);
    pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
    pthread_create(&t[0], NULL, producer, NULL);
    pthread_create(&t[1], NULL, consumer, NULL);
    pthread_create(&t[2], NULL, busy, NULL);
    pthread_create(&t[3], NULL, busy, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&d, &attr, detached, NULL);
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&done_lock);
    while (!detached_done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&done_cond, &done_lock, &ts);
    }
    pthread_mutex_unlock(&done_lock);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    int val = -1;
    sem_getvalue(&empty_slots, &val);
    if (consumed_sum != ITEMS * (ITEMS + 1) / 2 || init_calls != 1 || spin_count != 20 ||
        try_count != 20 || rec_depth_max != 3 || val != SLOTS) {
        fprintf(stderr, "sync_mix: sum %ld once %d spin %d try %d depth %d slots %d\n",
                consumed_sum, init_calls, spin_count, try_count, rec_depth_max, val);
        abort();
    }
    return 0;
}
