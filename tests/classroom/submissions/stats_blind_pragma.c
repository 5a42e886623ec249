/* stats_blind_pragma.c - HOSTILE: the trylock-and-skip wrong fix, with TSan switched off for
 * every function by a clang attribute pragma hidden in a macro (_Pragma).
 * racelab check must refuse it (the pragma), not accept it. */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t counters[STATS_EVENT_COUNT];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&m)
#define UNLOCK() pthread_mutex_unlock(&m)
#define QUIET _Pragma("clang attribute push(__attribute__((no_sanitize(\"thread\"))), apply_to = function)")
QUIET

int stats_init(void)
{
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    /* WRONG: skips the count when the lock is busy */
    if (pthread_mutex_trylock(&m) != 0)
        return;
    counters[event]++;
    pthread_mutex_unlock(&m);
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    LOCK();
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = counters[i];
    UNLOCK();
    cache_usage(&entries, &bytes);

    int n = snprintf(buf, size,
        "{\"requests\":%" PRIu64 ",\"cache_hits\":%" PRIu64
        ",\"cache_misses\":%" PRIu64 ",\"cache_evictions\":%" PRIu64
        ",\"cache_entries\":%zu,\"cache_bytes\":%zu"
        ",\"connections_open\":%" PRIu64 ",\"connections_total\":%" PRIu64
        ",\"connections_rejected\":%" PRIu64 ",\"threads\":%d}\n",
        c[STATS_REQUEST], c[STATS_HIT], c[STATS_MISS], c[STATS_EVICTION],
        entries, bytes, c[STATS_CONN_OPENED] - c[STATS_CONN_CLOSED],
        c[STATS_CONN_OPENED], c[STATS_CONN_REJECTED], dispatch_thread_count());
    if (n < 0 || (size_t)n >= size)
        return -1;
    return n;
}
