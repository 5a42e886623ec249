/* racy.c (version 2) - version 1 after two edits: an unrelated change
 * above the race (this longer comment, a version string and a helper)
 * moves count_hit's race down by many lines, and a second race appears in
 * another function, count_miss.  Against a baseline of version 1 the
 * first race is "known" (fingerprints leave line numbers out) and the
 * second is "new", so a --baseline gate fails for the second only.
 *
 * Racing pairs: hits@racy.c:count_hit:W (both workers) and
 * misses@racy.c:count_miss:W (both workers). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char version[] = "racy 2";

/* An unrelated helper, added above the old race. */
static size_t version_length(void)
{
    return strlen(version);
}

static pthread_barrier_t start;
static volatile long hits;
static volatile long misses;
#define BUMPS 20000

static void count_hit(void)
{
    hits++;                             /* racing write (known) */
}

static void count_miss(void)
{
    misses++;                           /* racing write (new) */
}

static void *worker(void *arg)
{
    pthread_barrier_wait(&start);
    for (int i = 0; i < BUMPS; i++) {
        count_hit();
        if (i % 2)
            count_miss();
    }
    return arg;
}

int main(void)
{
    pthread_t a, b;

    pthread_barrier_init(&start, NULL, 2);
    pthread_create(&a, NULL, worker, NULL);
    pthread_create(&b, NULL, worker, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%s (%zu): hits %ld, misses %ld\n", version, version_length(),
           hits, misses);
    return 0;
}
