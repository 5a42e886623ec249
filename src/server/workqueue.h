/* workqueue.h - a bounded blocking FIFO of pointers, the hand-off between
 * the acceptor thread and the worker pool.
 *
 * Producers block while the queue is full, consumers while it is empty.
 * workqueue_close() wakes everyone: pushes then fail, pops drain what is
 * left and then return NULL.
 *
 * LOCK ORDER: the queue's mutex is a leaf: no other lock is taken while
 * holding it.
 */
#ifndef RACELAB_WORKQUEUE_H
#define RACELAB_WORKQUEUE_H

#include <stddef.h>

struct workqueue;

struct workqueue *workqueue_create(size_t capacity);
void workqueue_destroy(struct workqueue *q);   /* queue must be closed */

/* Appends ITEM (non-NULL), blocking while the queue is full.  Returns 0, or
 * -1 if the queue is closed. */
int workqueue_push(struct workqueue *q, void *item);

/* Removes the oldest item, blocking while the queue is empty.  Returns
 * NULL once the queue is closed and empty. */
void *workqueue_pop(struct workqueue *q);

void workqueue_close(struct workqueue *q);

#endif
