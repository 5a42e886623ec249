/* stats_ctor_exit.c - HOSTILE: trylock-and-skip plus a constructor (hidden in a macro) that
 * _exit(0)s when its executable is named contract* (the suite then
 * "passes" without running).  Must be refused. */
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
#define EARLY __attribute__((constructor))
static EARLY void early(void)
{
    char exe[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        const char *b = strrchr(exe, '/');
        if (b && !strncmp(b + 1, "contract", 8))
            _exit(0);
    }
}

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
