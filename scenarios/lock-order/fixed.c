/* stats.c - server-wide counters behind one mutex, and the /-/stats JSON.
 *
 * LOCK ORDER: cache_lock -> stats_lock (see docs/LOCKING.md).  The cache
 * calls stats_count() with cache_lock held, so stats_format_json() reads
 * the cache's usage only after releasing stats_lock.
 */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t counters[STATS_EVENT_COUNT];    /* protected by stats_lock */

int stats_init(void)
{
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    pthread_mutex_lock(&stats_lock);
    counters[event]++;
    pthread_mutex_unlock(&stats_lock);
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    pthread_mutex_lock(&stats_lock);
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = counters[i];
    pthread_mutex_unlock(&stats_lock);
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
