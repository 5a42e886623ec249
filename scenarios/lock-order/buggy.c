/* stats.c - server-wide counters behind one mutex, and the /-/stats JSON.
 *
 * stats_lock guards the counters.  stats_count() is called from all over
 * the server, from the cache among others.
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

    /* One snapshot: the cache's usage is read under stats_lock too, so
     * that cache_entries and cache_bytes agree with the hit, miss and
     * eviction counts beside them. */
    pthread_mutex_lock(&stats_lock);
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = counters[i];
    cache_usage(&entries, &bytes);
    pthread_mutex_unlock(&stats_lock);

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
