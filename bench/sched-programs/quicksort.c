/* quicksort.c - a threaded quicksort: each partition sorts its left part
 * in a new thread and its right part itself.  The bug: the left thread is
 * joined only for large parts (the join was put under the same size test
 * as the recursion cut-off, one size off), so a parent can return - and
 * main check the array - while a small left part is still being sorted.
 * -DFIXED: every thread started is joined. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#define N 24
#define SPAWN 4         /* parts of at least this size get a thread */
static int v[N];
struct part { int lo, hi; };
static void *sort(void *arg);
static void qsort_part(int lo, int hi)
{
    if (hi - lo < 2)
        return;
    int p = v[hi - 1], i = lo;
    for (int j = lo; j < hi - 1; j++)
        if (v[j] < p) {
            int t = v[i]; v[i] = v[j]; v[j] = t;
            i++;
        }
    int t = v[i]; v[i] = v[hi - 1]; v[hi - 1] = t;
    struct part left = { lo, i };
    pthread_t th;
    int spawned = i - lo >= SPAWN;
    if (spawned)
        pthread_create(&th, NULL, sort, &left);
    else
        sort(&left);
    qsort_part(i + 1, hi);
#ifdef FIXED
    if (spawned)
        pthread_join(th, NULL);
#else
    if (i - lo > SPAWN)
        pthread_join(th, NULL);
    else if (spawned)
        pthread_detach(th);
#endif
}
static void *sort(void *arg)
{
    struct part *p = arg;
    qsort_part(p->lo, p->hi);
    return NULL;
}
int main(void)
{
    unsigned x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (int)((x >> 16) % 1000);
    }
    qsort_part(0, N);
    for (int i = 1; i < N; i++)
        if (v[i - 1] > v[i]) {
            fprintf(stderr, "quicksort: v[%d]=%d > v[%d]=%d\n", i - 1, v[i - 1], i, v[i]);
            abort();
        }
    return 0;
}
