/* workqueue.c (stolen-wakeup) - a bounded blocking FIFO: a ring buffer,
 * one mutex and two condition variables (the textbook producer/consumer).
 *
 * LOCK ORDER: q->lock is a leaf.  q->lock guards every field below it.
 */
#include "workqueue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct workqueue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;   /* signalled when an item is pushed */
    pthread_cond_t not_full;    /* signalled when an item is popped */
    /* Protected by lock. */
    void **items;
    size_t capacity, head, count;
    bool closed;
};

struct workqueue *workqueue_create(size_t capacity)
{
    struct workqueue *q = calloc(1, sizeof(*q));
    if (q == NULL)
        return NULL;
    q->items = calloc(capacity, sizeof(*q->items));
    if (q->items == NULL) {
        free(q);
        return NULL;
    }
    q->capacity = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return q;
}

void workqueue_destroy(struct workqueue *q)
{
    if (q == NULL)
        return;
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
    free(q);
}

int workqueue_push(struct workqueue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity && !q->closed)
        pthread_cond_wait(&q->not_full, &q->lock);
    if (q->closed) {
        pthread_mutex_unlock(&q->lock);
        return -1;
    }
    q->items[(q->head + q->count) % q->capacity] = item;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

void *workqueue_pop(struct workqueue *q)
{
    pthread_mutex_lock(&q->lock);
    /* Only a push or a close wakes us: either way there is an item to
     * take now, or the queue is closed. */
    if (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = NULL;
    if (q->count > 0) {
        item = q->items[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

void workqueue_close(struct workqueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->lock);
}
