/* handoff_buggy.c - a consumer announces that it waits for a result; the
 * producer hands the result over only to a consumer that is waiting, to
 * save a store nobody reads.  If the producer looks before the consumer
 * announces itself, the consumer polls forever. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int consumer_waiting, result_ready;
static int result;

static void *producer(void *arg)
{
    (void)arg;
    result = 42;
    if (atomic_load(&consumer_waiting))
        atomic_store(&result_ready, 1);
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    atomic_store(&consumer_waiting, 1);
    while (!atomic_load(&result_ready))
        ;
    printf("result %d\n", result);
    return NULL;
}

int main(void)
{
    pthread_t p, c;
    pthread_create(&c, NULL, consumer, NULL);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    return 0;
}
