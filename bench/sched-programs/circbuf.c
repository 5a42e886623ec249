/* circbuf.c - a circular buffer with global flags named send and receive
 * (after SV-COMP's circular_buffer): a producer puts 1..ITEMS in, a
 * consumer takes them out and checks the order.  The bug: the fill count
 * is updated outside the lock, so an update is lost and the consumer reads
 * a slot the producer has not written (or the producer overwrites one).
 * -DFIXED: the count under the lock too. */
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#define SIZE 2
#define ITEMS 4
bool send, receive;     /* the names libc's send() and a socket API use */
static int buf[SIZE], head, tail, count;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *producer(void *arg)
{
    for (int v = 1; v <= ITEMS;) {
        pthread_mutex_lock(&m);
        int c = count;
        pthread_mutex_unlock(&m);
        if (c == SIZE) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&m);
        buf[head] = v++;
        head = (head + 1) % SIZE;
        send = true;
#ifdef FIXED
        count++;
        pthread_mutex_unlock(&m);
#else
        pthread_mutex_unlock(&m);
        int n = count;
        count = n + 1;
#endif
    }
    return arg;
}
static void *consumer(void *arg)
{
    for (int want = 1; want <= ITEMS;) {
        pthread_mutex_lock(&m);
        if (count == 0) {
            pthread_mutex_unlock(&m);
            sched_yield();
            continue;
        }
        int v = buf[tail];
        tail = (tail + 1) % SIZE;
        count--;
        receive = true;
        pthread_mutex_unlock(&m);
        if (v != want) {
            fprintf(stderr, "circbuf: got %d, expected %d\n", v, want);
            abort();
        }
        want++;
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
    return !(send && receive);
}
