/* stats.h - server-wide counters and the /-/stats JSON document.
 *
 * Workers count events as they happen; the stats endpoint reads them all
 * at once.  The correct module guards the counters with stats_lock.
 *
 * LOCK ORDER: cache_lock -> stats_lock.  stats_count() may be called with
 * cache_lock held, so stats code must never call into the cache while
 * holding stats_lock.  (see docs/LOCKING.md)
 */
#ifndef RACELAB_STATS_H
#define RACELAB_STATS_H

#include <stddef.h>

enum stats_event {
    STATS_REQUEST,          /* a response was sent (any status) */
    STATS_HIT,              /* cache hit */
    STATS_MISS,             /* cache miss */
    STATS_EVICTION,         /* cache entry evicted for space */
    STATS_CONN_OPENED,      /* connection accepted and admitted */
    STATS_CONN_CLOSED,      /* admitted connection closed */
    STATS_CONN_REJECTED,    /* over --max-connections: 503 and closed */
    STATS_EVENT_COUNT
};

int stats_init(void);
void stats_destroy(void);

/* Counts one EVENT.  Safe from any thread; may be called with cache_lock
 * held. */
void stats_count(enum stats_event event);

/* Writes the stats JSON object into BUF (NUL-terminated) and returns its
 * length, or -1 if SIZE is too small.  Fields: requests, cache_hits,
 * cache_misses, cache_evictions, cache_entries, cache_bytes,
 * connections_open, connections_total, connections_rejected, threads.
 * A snapshot never counts a connection closed without counting it opened:
 * connections_open is never negative (never wraps), even while other
 * threads count. */
int stats_format_json(char *buf, size_t size);

#endif
