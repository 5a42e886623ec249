/* stats.c (stats-counter) - server-wide counters, and the /-/stats JSON.
 *
 * The counters are plain 64-bit integers.  They only ever go up, and they
 * feed a monitoring page, not billing: a value read a moment early is as
 * good as one read a moment late, and a 64-bit add on x86-64 is a single
 * instruction.  A mutex here would be taken on every request by every
 * worker, just to protect a number nobody reads twice.
 *
 * LOCK ORDER: this module takes no lock.  stats_count() is called with
 * cache_lock held; stats_format_json() calls cache_usage(), which takes
 * cache_lock, so it must not be called with any lock held either.
 */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t counters[STATS_EVENT_COUNT];

int stats_init(void)
{
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    counters[event]++;
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = counters[i];
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
