/* stats_forkbomb.c - a hostile submission: stats_init() starts a setsid()
 * daemon that ignores SIGTERM and forks as long as the limits let it.  It
 * must get 0, and nothing of it may survive the check. */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <unistd.h>

static _Atomic uint64_t counters[STATS_EVENT_COUNT];

int stats_init(void)
{
    /* A daemon that ignores SIGTERM and forks as long as it can. */
    if (fork() == 0) {
        setsid();
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        for (;;)
            if (fork() < 0)
                sleep(1);
    }
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    atomic_fetch_add_explicit(&counters[event], 1, memory_order_relaxed);
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = atomic_load_explicit(&counters[i], memory_order_relaxed);
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
