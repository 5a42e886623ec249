/* tokenring.c - NODES threads pass a token around a ring ROUNDS times;
 * the holder adds to a shared count.  The bug: a node passes the token on
 * before it has finished its update, so its read-modify-write of count
 * overlaps the next holder's.  -DFIXED: update first, then pass. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#define NODES 4
#define ROUNDS 3
static atomic_int turn;
static int count;
static void *node(void *arg)
{
    int me = (int)(long)arg;
    for (int r = 0; r < ROUNDS; r++) {
        while (atomic_load(&turn) != me)
            sched_yield();
#ifdef FIXED
        count = count + 1;
        atomic_store(&turn, (me + 1) % NODES);
#else
        int c = count;
        atomic_store(&turn, (me + 1) % NODES);
        count = c + 1;
#endif
    }
    return NULL;
}
int main(void)
{
    pthread_t t[NODES];
    for (long i = 0; i < NODES; i++)
        pthread_create(&t[i], NULL, node, (void *)i);
    for (int i = 0; i < NODES; i++)
        pthread_join(t[i], NULL);
    if (count != NODES * ROUNDS) {
        fprintf(stderr, "tokenring: count %d, expected %d\n", count, NODES * ROUNDS);
        abort();
    }
    return 0;
}
