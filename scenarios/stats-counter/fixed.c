/* stats.c (stats-counter, fixed) - server-wide counters as C11 atomics, and
 * the /-/stats JSON.
 *
 * Each counter is an independent _Atomic uint64_t bumped with an atomic
 * fetch-add: no lock, and no increment is ever lost.  /-/stats reads each
 * one atomically but not all of them at one instant, so one pair needs an
 * order: a connection is counted opened before it is counted closed, and
 * connections_open is opened - closed.  The snapshot reads the closes
 * first (acquire, pairing with the release increments) and the opens
 * after, so it never sees a close without its open and the difference
 * never wraps below zero.
 *
 * LOCK ORDER: this module takes no lock.  stats_count() is called with
 * cache_lock held; stats_format_json() calls cache_usage(), which takes
 * cache_lock, so it must not be called with any lock held either.
 */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static _Atomic uint64_t counters[STATS_EVENT_COUNT];

int stats_init(void)
{
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    atomic_fetch_add_explicit(&counters[event], 1, memory_order_release);
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    c[STATS_CONN_CLOSED] = atomic_load_explicit(&counters[STATS_CONN_CLOSED],
                                                memory_order_acquire);
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        if (i != STATS_CONN_CLOSED)
            c[i] = atomic_load_explicit(&counters[i], memory_order_acquire);
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
