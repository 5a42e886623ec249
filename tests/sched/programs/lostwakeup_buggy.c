/* lostwakeup_buggy.c - a lost wakeup: the waiter tests `ready` before it
 * takes the lock, so the signal can come between the test and the wait
 * and the waiter sleeps forever.  The controlled scheduler reports the
 * waiter blocked on a condition variable no thread will signal, and exits
 * 86 (a hang for racelab). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void *waiter(void *arg)
{
    if (!ready) {               /* the bug: tested without the lock */
        pthread_mutex_lock(&ready_lock);
        pthread_cond_wait(&ready_cond, &ready_lock);
        pthread_mutex_unlock(&ready_lock);
    }
    return arg;
}

static void *signaler(void *arg)
{
    pthread_mutex_lock(&ready_lock);
    ready = 1;
    pthread_cond_signal(&ready_cond);
    pthread_mutex_unlock(&ready_lock);
    return arg;
}

int main(void)
{
    pthread_t w, s;
    pthread_create(&w, NULL, waiter, NULL);
    pthread_create(&s, NULL, signaler, NULL);
    pthread_join(w, NULL);
    pthread_join(s, NULL);
    puts("woken");
    return 0;
}
