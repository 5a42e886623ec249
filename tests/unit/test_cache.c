/* test_cache.c - the shared response cache (cache.c): hash lookups, the
 * LRU inside a byte budget, references that outlive eviction, and a
 * concurrent stress that ThreadSanitizer watches in the tsan flavor. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cache.h"
#include "stats.h"

/* What one entry costs against the budget: its body and its key. */
static size_t cost(const char *key, size_t len)
{
    return len + strlen(key) + 1;
}

/* A malloc'd body of LEN bytes, each FILL. */
static char *body(size_t len, char fill)
{
    char *p = malloc(len ? len : 1);
    assert_non_null(p);
    memset(p, fill, len);
    return p;
}

/* Puts KEY with a LEN-byte body of FILL and drops the reference. */
static void put_release(const char *key, size_t len, char fill)
{
    struct cache_entry *e = cache_put(key, body(len, fill), len, "text/plain", 1);
    assert_non_null(e);
    cache_release(e);
}

static bool present(const char *key)
{
    struct cache_entry *e = cache_get(key);
    if (e != NULL)
        cache_release(e);
    return e != NULL;
}

static void expect_usage(size_t want_entries, size_t want_bytes)
{
    size_t entries = 99999, bytes = 99999;
    cache_usage(&entries, &bytes);
    assert_int_equal(entries, want_entries);
    assert_int_equal(bytes, want_bytes);
}

/* The stats counter NAME as the /-/stats JSON reports it. */
static long long stat_of(const char *name)
{
    char buf[1024];
    assert_true(stats_format_json(buf, sizeof(buf)) > 0);
    json_error_t err;
    json_t *root = json_loads(buf, 0, &err);
    if (root == NULL)
        fail_msg("stats JSON: %s: %s", err.text, buf);
    json_t *v = json_object_get(root, name);
    assert_true(json_is_integer(v));
    long long n = json_integer_value(v);
    json_decref(root);
    return n;
}

/* Each test starts from an empty cache with a 1000-byte budget. */
static int cache_setup(void **state)
{
    return cache_init(1000);
}

static int cache_teardown(void **state)
{
    cache_destroy();
    return 0;
}

static void test_cache_miss_then_hit(void **state)
{
    long long hits = stat_of("cache_hits"), misses = stat_of("cache_misses");
    assert_null(cache_get("a"));
    assert_int_equal(stat_of("cache_misses"), misses + 1);

    char *data = body(10, 'x');
    struct cache_entry *put = cache_put("a", data, 10, "text/html", 1234);
    assert_non_null(put);
    struct cache_entry *got = cache_get("a");
    assert_ptr_equal(got, put);
    assert_int_equal(stat_of("cache_hits"), hits + 1);
    assert_int_equal(stat_of("cache_misses"), misses + 1);

    size_t len = 0;
    const char *d = cache_entry_data(got, &len);
    assert_int_equal(len, 10);
    assert_memory_equal(d, "xxxxxxxxxx", 10);
    assert_string_equal(cache_entry_content_type(got), "text/html");
    assert_int_equal(cache_entry_loaded_at(got), 1234);
    cache_release(got);
    cache_release(put);

    /* Keys are whole strings, not prefixes. */
    assert_false(present("ab"));
    assert_false(present(""));
    assert_true(present("a"));
}

static void test_cache_empty_body(void **state)
{
    struct cache_entry *e = cache_put("empty", body(0, 0), 0, "text/plain", 1);
    assert_non_null(e);
    size_t len = 99;
    cache_entry_data(e, &len);
    assert_int_equal(len, 0);
    cache_release(e);
    expect_usage(1, cost("empty", 0));
}

static void test_cache_usage_totals(void **state)
{
    expect_usage(0, 0);
    put_release("one", 100, '1');
    expect_usage(1, cost("one", 100));
    put_release("two/three", 50, '2');
    expect_usage(2, cost("one", 100) + cost("two/three", 50));
    cache_invalidate("one");
    expect_usage(1, cost("two/three", 50));
    cache_invalidate("two/three");
    expect_usage(0, 0);
}

static void test_cache_duplicate_put_returns_existing(void **state)
{
    struct cache_entry *first = cache_put("k", body(8, 'A'), 8, "text/plain", 1);
    assert_non_null(first);
    /* The second body is freed by the cache (ASan would report a leak). */
    struct cache_entry *second = cache_put("k", body(8, 'B'), 8, "text/css", 2);
    assert_ptr_equal(second, first);
    size_t len;
    assert_memory_equal(cache_entry_data(second, &len), "AAAAAAAA", 8);
    assert_string_equal(cache_entry_content_type(second), "text/plain");
    expect_usage(1, cost("k", 8));
    /* Both references count: after one release the entry is still held. */
    cache_release(second);
    cache_invalidate("k");
    assert_memory_equal(cache_entry_data(first, &len), "AAAAAAAA", 8);
    cache_release(first);
}

static void test_cache_too_large_put_returns_null(void **state)
{
    put_release("small", 10, 's');
    /* cost == budget fits; cost == budget + 1 does not. */
    assert_int_equal(cost("big", 997), 1001);
    assert_null(cache_put("big", body(997, 'b'), 997, "x", 1));
    expect_usage(1, cost("small", 10));     /* nothing evicted for it */
    assert_int_equal(cost("fit", 996), 1000);
    struct cache_entry *e = cache_put("fit", body(996, 'f'), 996, "x", 1);
    assert_non_null(e);
    expect_usage(1, 1000);
    assert_false(present("small"));
    cache_release(e);
}

static void test_cache_invalidate(void **state)
{
    put_release("a", 10, 'a');
    put_release("b", 10, 'b');
    cache_invalidate("a");
    assert_false(present("a"));
    assert_true(present("b"));
    cache_invalidate("a");          /* absent: no-op */
    cache_invalidate("nope");
    expect_usage(1, cost("b", 10));
    /* The key can be filled again. */
    put_release("a", 20, 'A');
    struct cache_entry *e = cache_get("a");
    assert_non_null(e);
    size_t len;
    cache_entry_data(e, &len);
    assert_int_equal(len, 20);
    cache_release(e);
}

static void test_cache_reference_outlives_eviction(void **state)
{
    /* Hold "a" while "b" pushes it out of the budget. */
    struct cache_entry *a = cache_put("a", body(600, 'a'), 600, "text/plain", 7);
    assert_non_null(a);
    long long evictions = stat_of("cache_evictions");
    put_release("b", 600, 'b');
    assert_int_equal(stat_of("cache_evictions"), evictions + 1);
    assert_false(present("a"));
    expect_usage(1, cost("b", 600));

    /* Its data is still ours to read (ASan catches a use after free). */
    size_t len;
    const char *d = cache_entry_data(a, &len);
    assert_int_equal(len, 600);
    for (size_t i = 0; i < len; i++)
        if (d[i] != 'a')
            fail_msg("byte %zu of an evicted but held entry changed", i);
    assert_int_equal(cache_entry_loaded_at(a), 7);
    cache_release(a);

    /* The same through invalidate. */
    struct cache_entry *b = cache_get("b");
    assert_non_null(b);
    cache_invalidate("b");
    assert_memory_equal(cache_entry_data(b, &len), "bbbb", 4);
    cache_release(b);
    expect_usage(0, 0);
}

static void test_cache_lru_eviction_order(void **state)
{
    /* Four entries of 200+2 bytes fit in 1000; a fifth evicts one. */
    put_release("a", 200, 'a');
    put_release("b", 200, 'b');
    put_release("c", 200, 'c');
    put_release("d", 200, 'd');
    expect_usage(4, 4 * cost("a", 200));

    /* Touch a: b becomes the least recently used. */
    assert_true(present("a"));
    put_release("e", 200, 'e');
    expect_usage(4, 4 * cost("a", 200));
    struct cache_entry *probe;
    probe = cache_get("b");
    assert_null(probe);

    /* Now c is the oldest; a bigger put evicts c and d, in that order. */
    put_release("f", 400, 'f');
    assert_false(present("c"));
    assert_false(present("d"));
    assert_true(present("a"));
    assert_true(present("e"));
    assert_true(present("f"));
    expect_usage(3, 2 * cost("a", 200) + cost("f", 400));
}

/* --- concurrent stress ---------------------------------------------------- */

#define STRESS_THREADS 4
#define STRESS_OPS 20000
#define STRESS_KEYS 64

/* The body for key K is K's fill byte repeated LEN(K) times, so a reader
 * can check that what it holds was never torn or freed. */
static size_t stress_len(int k) { return 16 + (size_t)k * 7; }
static char stress_fill(int k) { return (char)('A' + k % 50); }

static void *stress_main(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    long bad = 0;
    struct cache_entry *held[4] = { NULL };
    for (int i = 0; i < STRESS_OPS; i++) {
        int k = (int)(rand_r(&seed) % STRESS_KEYS);
        char key[32];
        snprintf(key, sizeof(key), "/file/%d", k);
        struct cache_entry *e = cache_get(key);
        if (e == NULL) {
            size_t len = stress_len(k);
            char *data = malloc(len);
            memset(data, stress_fill(k), len);
            e = cache_put(key, data, len, "text/plain", (time_t)k);
            if (e == NULL) {
                bad++;
                continue;
            }
        }
        size_t len;
        const char *d = cache_entry_data(e, &len);
        if (len != stress_len(k) || cache_entry_loaded_at(e) != (time_t)k)
            bad++;
        for (size_t j = 0; j < len; j++)
            if (d[j] != stress_fill(k)) {
                bad++;
                break;
            }
        /* Keep a few references across other threads' evictions. */
        int slot = i % 4;
        if (held[slot] != NULL)
            cache_release(held[slot]);
        held[slot] = e;
        if (rand_r(&seed) % 16 == 0)
            cache_invalidate(key);
    }
    for (int s = 0; s < 4; s++)
        if (held[s] != NULL)
            cache_release(held[s]);
    return (void *)bad;
}

static void test_cache_concurrent_get_put_release(void **state)
{
    /* A budget for about a third of the keys: constant eviction. */
    cache_destroy();
    size_t budget = 0;
    for (int k = 0; k < STRESS_KEYS / 3; k++)
        budget += stress_len(k) + 12;
    cache_init(budget);

    long long hits = stat_of("cache_hits"), misses = stat_of("cache_misses");
    pthread_t th[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, stress_main, (void *)(uintptr_t)(i + 1)), 0);
    long bad = 0;
    for (int i = 0; i < STRESS_THREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        bad += (long)r;
    }
    assert_int_equal(bad, 0);
    /* Every get counted exactly one hit or one miss. */
    assert_int_equal((stat_of("cache_hits") - hits) + (stat_of("cache_misses") - misses),
                     (long long)STRESS_THREADS * STRESS_OPS);

    /* The totals agree with what is really inside, and with the budget. */
    size_t entries, bytes, want_entries = 0, want_bytes = 0;
    cache_usage(&entries, &bytes);
    assert_true(bytes <= budget);
    for (int k = 0; k < STRESS_KEYS; k++) {
        char key[32];
        snprintf(key, sizeof(key), "/file/%d", k);
        if (present(key)) {
            want_entries++;
            want_bytes += cost(key, stress_len(k));
        }
    }
    assert_int_equal(entries, want_entries);
    assert_int_equal(bytes, want_bytes);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, cache_setup, cache_teardown)
    const struct CMUnitTest tests[] = {
        T(test_cache_miss_then_hit),
        T(test_cache_empty_body),
        T(test_cache_usage_totals),
        T(test_cache_duplicate_put_returns_existing),
        T(test_cache_too_large_put_returns_null),
        T(test_cache_invalidate),
        T(test_cache_reference_outlives_eviction),
        T(test_cache_lru_eviction_order),
        T(test_cache_concurrent_get_put_release),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
