/* stack_buggy.c - check-then-act on a shared stack (after SCTBench's
 * stack_bad).  pop() tests `top == 0` before taking the lock; two poppers
 * that both see the last item both pop it, and the second underflows.
 * Rounds separated by a barrier: the pusher pushes one item, then both
 * poppers try to pop it.  The bug lies between a plain load of top and
 * the lock.  Fails with abort(). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 10
static int stack[ROUNDS];
static int top;
static int pops_tried[2];           /* per popper: bookkeeping */
static int last_popper = -1;
static pthread_mutex_t stack_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t round_start, round_end;

static void push(int v)
{
    pthread_mutex_lock(&stack_lock);
    stack[top++] = v;
    pthread_mutex_unlock(&stack_lock);
}

static int pop(int who)
{
    if (top == 0)               /* the bug: checked without the lock */
        return -1;
    pops_tried[who]++;
    last_popper = who;
    pthread_mutex_lock(&stack_lock);
    int v = --top >= 0 ? stack[top] : -2;
    if (top < 0) {
        fprintf(stderr, "stack: popped an empty stack (top %d)\n", top);
        abort();
    }
    pthread_mutex_unlock(&stack_lock);
    return v;
}

static void *pusher(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        push(i);
        pthread_barrier_wait(&round_start);
        pthread_barrier_wait(&round_end);
    }
    return arg;
}

static void *popper(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_barrier_wait(&round_start);
        pop((int)(long)arg);
        pthread_barrier_wait(&round_end);
    }
    return arg;
}

int main(void)
{
    pthread_t t[3];
    pthread_barrier_init(&round_start, NULL, 3);
    pthread_barrier_init(&round_end, NULL, 3);
    pthread_create(&t[0], NULL, pusher, NULL);
    pthread_create(&t[1], NULL, popper, (void *)0L);
    pthread_create(&t[2], NULL, popper, (void *)1L);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    return 0;
}
