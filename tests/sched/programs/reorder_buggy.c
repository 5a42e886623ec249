/* reorder_buggy.c - a checker sees a half-done update (after SCTBench's
 * reorder_bad).  The setter writes a and b one after the other with no
 * lock; the checker reads both and expects a consistent pair.  The bug
 * lies between two plain stores: only a switch right after `a = 1` (or
 * `a = 0`) shows it.  Fails with abort(). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 20
static int a, b;
static atomic_int setter_done;

static void *setter(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        a = 1;
        b = -1;
        a = 0;
        b = 0;
    }
    atomic_store(&setter_done, 1);
    return arg;
}

static void *checker(void *arg)
{
    while (!atomic_load(&setter_done)) {
        int x = a, y = b;
        if (!((x == 0 && y == 0) || (x == 1 && y == -1))) {
            fprintf(stderr, "reorder: inconsistent pair a=%d b=%d\n", x, y);
            abort();
        }
        sched_yield();
    }
    return arg;
}

int main(void)
{
    pthread_t s, c;
    pthread_create(&s, NULL, setter, NULL);
    pthread_create(&c, NULL, checker, NULL);
    pthread_join(s, NULL);
    pthread_join(c, NULL);
    return 0;
}
