/* vd_race_then_check.c - a data race that TSan reports, then a failure of
 * TSan's own runtime: __tsan_external_assign_tag() with a tag that was
 * never registered fails the runtime's CHECK (tsan_external.cpp: "tag <
 * used_tags") and TSan dies.  The race was printed before the tool failed,
 * so it must still count.  The worker's write is ordered before main's
 * only by a relaxed atomic, which TSan does not take for synchronization:
 * the race is reported in every run.  A plain build (no TSan) just races. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

void __tsan_external_assign_tag(void *addr, void *tag) __attribute__((weak));

static long shared;
static atomic_int written;

static void *writer(void *arg)
{
    shared = 1;                                   /* line 20: racy write */
    atomic_store_explicit(&written, 1, memory_order_relaxed);
    return arg;
}

int main(void)
{
    pthread_t t;

    if (pthread_create(&t, NULL, writer, NULL) != 0)
        return 2;
    while (!atomic_load_explicit(&written, memory_order_relaxed))
        ;
    shared = 2;                                   /* line 33: racy write */
    pthread_join(t, NULL);
    if (__tsan_external_assign_tag)       /* only under TSan */
        __tsan_external_assign_tag(malloc(16), (void *)100000);
    printf("%ld\n", shared);
    return 0;
}
