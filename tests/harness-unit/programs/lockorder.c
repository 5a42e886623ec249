/* lockorder.c - a lock-order inversion: the worker takes a then b, main
 * later takes b then a.  They never overlap (join first), so it cannot
 * deadlock here, but the order graph has a cycle: a potential deadlock. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t b = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    pthread_mutex_lock(&a);
    pthread_mutex_lock(&b);             /* order a -> b */
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    pthread_mutex_lock(&b);
    pthread_mutex_lock(&a);             /* order b -> a: the inversion */
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    puts("done");
    return 0;
}
