/* stats_lock_inversion.c - a WRONG fix of stats-counter that deadlocks under
 * load: stats_count() takes count_lock then json_lock, stats_format_json()
 * json_lock then count_lock, each with a window between the two.  racelab
 * check must reject it quickly with the wait-for cycle (both locks by
 * name), not wait out its timeouts. */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static uint64_t counters[STATS_EVENT_COUNT];
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t json_lock = PTHREAD_MUTEX_INITIALIZER;

int stats_init(void)
{
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    pthread_mutex_lock(&count_lock);
    usleep(200);
    pthread_mutex_lock(&json_lock);
    counters[event]++;
    pthread_mutex_unlock(&json_lock);
    pthread_mutex_unlock(&count_lock);
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    pthread_mutex_lock(&json_lock);
    usleep(200);
    pthread_mutex_lock(&count_lock);
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = counters[i];
    pthread_mutex_unlock(&count_lock);
    pthread_mutex_unlock(&json_lock);
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
