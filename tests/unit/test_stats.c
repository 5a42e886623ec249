/* test_stats.c - server-wide counters and the /-/stats JSON (stats.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache.h"
#include "dispatch.h"
#include "stats.h"

static const char *const fields[] = {
    "requests", "cache_hits", "cache_misses", "cache_evictions",
    "cache_entries", "cache_bytes", "connections_open", "connections_total",
    "connections_rejected", "threads",
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* Formats the stats and parses them back; the caller json_decref()s. */
static json_t *snapshot(void)
{
    char buf[1024];
    int n = stats_format_json(buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(buf));
    json_error_t err;
    json_t *root = json_loads(buf, 0, &err);
    if (root == NULL)
        fail_msg("not JSON (%s): %s", err.text, buf);
    assert_true(json_is_object(root));
    return root;
}

static long long field(json_t *root, const char *name)
{
    json_t *v = json_object_get(root, name);
    if (!json_is_integer(v))
        fail_msg("field %s missing or not an integer", name);
    return json_integer_value(v);
}

static long long stat_of(const char *name)
{
    json_t *root = snapshot();
    long long v = field(root, name);
    json_decref(root);
    return v;
}

static int stats_setup(void **state)
{
    cache_init(1 << 20);
    return stats_init();
}

static int stats_teardown(void **state)
{
    stats_destroy();
    cache_destroy();
    return 0;
}

static void test_stats_json_has_every_field(void **state)
{
    json_t *root = snapshot();
    for (size_t i = 0; i < NFIELDS; i++) {
        long long v = field(root, fields[i]);
        if (v < 0)
            fail_msg("%s is negative: %lld", fields[i], v);
    }
    /* Nothing else, and nothing twice (jansson keeps the last). */
    assert_int_equal(json_object_size(root), NFIELDS);
    json_decref(root);
}

static void test_stats_counts_each_event(void **state)
{
    static const struct { enum stats_event ev; const char *name; } map[] = {
        { STATS_REQUEST, "requests" },
        { STATS_HIT, "cache_hits" },
        { STATS_MISS, "cache_misses" },
        { STATS_EVICTION, "cache_evictions" },
        { STATS_CONN_OPENED, "connections_total" },
        { STATS_CONN_REJECTED, "connections_rejected" },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        json_t *before = snapshot();
        for (int k = 0; k < (int)i + 1; k++)
            stats_count(map[i].ev);
        json_t *after = snapshot();
        /* The counted field moved by exactly that much; no other did,
         * except connections_open, which follows opened - closed. */
        for (size_t f = 0; f < NFIELDS; f++) {
            long long d = field(after, fields[f]) - field(before, fields[f]);
            long long want = 0;
            if (strcmp(fields[f], map[i].name) == 0)
                want = (long long)i + 1;
            else if (map[i].ev == STATS_CONN_OPENED
                     && strcmp(fields[f], "connections_open") == 0)
                want = (long long)i + 1;
            if (d != want)
                fail_msg("after %zu x %s: %s moved by %lld, want %lld", i + 1,
                         map[i].name, fields[f], d, want);
        }
        json_decref(before);
        json_decref(after);
    }
}

static void test_stats_connections_open(void **state)
{
    long long open0 = stat_of("connections_open");
    long long total0 = stat_of("connections_total");
    stats_count(STATS_CONN_OPENED);
    stats_count(STATS_CONN_OPENED);
    stats_count(STATS_CONN_OPENED);
    stats_count(STATS_CONN_CLOSED);
    assert_int_equal(stat_of("connections_open"), open0 + 2);
    assert_int_equal(stat_of("connections_total"), total0 + 3);
    stats_count(STATS_CONN_CLOSED);
    stats_count(STATS_CONN_CLOSED);
    assert_int_equal(stat_of("connections_open"), open0);
    /* A rejected connection was never open. */
    stats_count(STATS_CONN_REJECTED);
    assert_int_equal(stat_of("connections_open"), open0);
    assert_int_equal(stat_of("connections_total"), total0 + 3);
}

static void test_stats_reports_cache_usage(void **state)
{
    assert_int_equal(stat_of("cache_entries"), 0);
    assert_int_equal(stat_of("cache_bytes"), 0);
    char *data = malloc(100);
    memset(data, 'x', 100);
    struct cache_entry *e = cache_put("/k", data, 100, "text/plain", 1);
    assert_non_null(e);
    cache_release(e);
    assert_int_equal(stat_of("cache_entries"), 1);
    assert_int_equal(stat_of("cache_bytes"), 100 + 3);
    cache_invalidate("/k");
    assert_int_equal(stat_of("cache_entries"), 0);
    assert_int_equal(stat_of("cache_bytes"), 0);
}

static void noop_serve(void *conn) { (void)conn; }

static void test_stats_reports_threads(void **state)
{
    assert_int_equal(stat_of("threads"), 0);
    assert_int_equal(dispatch_start(3, noop_serve), 0);
    assert_int_equal(stat_of("threads"), 3);
    dispatch_stop();
    assert_int_equal(stat_of("threads"), 0);
}

static void test_stats_buffer_too_small(void **state)
{
    char big[1024], small[1024];
    int n = stats_format_json(big, sizeof(big));
    assert_true(n > 0);
    assert_int_equal(stats_format_json(small, (size_t)n + 1), n);
    assert_string_equal(small, big);
    assert_int_equal(stats_format_json(small, (size_t)n), -1);
    assert_int_equal(stats_format_json(small, 8), -1);
}

#define CONC_THREADS 4
#define CONC_COUNTS 50000

static void *count_main(void *arg)
{
    for (int i = 0; i < CONC_COUNTS; i++) {
        stats_count(STATS_REQUEST);
        if (i % 1000 == 0) {        /* readers race with writers */
            char buf[1024];
            stats_format_json(buf, sizeof(buf));
        }
    }
    return NULL;
}

static void test_stats_concurrent_counts_exact(void **state)
{
    long long before = stat_of("requests");
    pthread_t th[CONC_THREADS];
    for (int i = 0; i < CONC_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, count_main, NULL), 0);
    for (int i = 0; i < CONC_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(stat_of("requests") - before, (long long)CONC_THREADS * CONC_COUNTS);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, stats_setup, stats_teardown)
    const struct CMUnitTest tests[] = {
        T(test_stats_json_has_every_field),
        T(test_stats_counts_each_event),
        T(test_stats_connections_open),
        T(test_stats_reports_cache_usage),
        T(test_stats_reports_threads),
        T(test_stats_buffer_too_small),
        T(test_stats_concurrent_counts_exact),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
