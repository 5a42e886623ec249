/* A circular buffer whose flags are globals named like libc functions. */
#include <pthread.h>
#include <stdio.h>
_Bool send, receive;
int read, wait, select;
static int buf[4], head, tail;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *producer(void *a) {
    (void)a;
    for (int i = 0; i < 8; i++) {
        pthread_mutex_lock(&m);
        if ((head + 1) % 4 != tail) { buf[head] = i; head = (head + 1) % 4; send = 1; read++; }
        pthread_mutex_unlock(&m);
    }
    return NULL;
}
static void *consumer(void *a) {
    (void)a;
    for (int i = 0; i < 8; i++) {
        pthread_mutex_lock(&m);
        if (tail != head) { tail = (tail + 1) % 4; receive = 1; wait++; }
        pthread_mutex_unlock(&m);
    }
    return NULL;
}
int main(void) {
    pthread_t p, c;
    pthread_create(&p, NULL, producer, NULL);
    pthread_create(&c, NULL, consumer, NULL);
    pthread_join(p, NULL);
    pthread_join(c, NULL);
    select = read - wait;
    printf("sent %d received %d send=%d receive=%d\n", read, wait, send, receive);
    return select < 0;
}
