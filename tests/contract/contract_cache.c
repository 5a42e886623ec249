/* contract_cache.c - the contract of cache.h, for any cache module.
 *
 *   cc -I src/server -I tests/contract tests/contract/contract_cache.c \
 *      CACHE.c -lcmocka -lpthread
 *
 * stats_count() is a stub here that counts what the cache reports.
 */
#include "contract.h"
#include "cache.h"
#include "stats.h"

#include <stdatomic.h>

static atomic_long counted[STATS_EVENT_COUNT];

void stats_count(enum stats_event event)
{
    atomic_fetch_add(&counted[event], 1);
}

/* A body that names its key: "<key>:<key>:..." LEN bytes. */
static char *body_for(const char *key, size_t len)
{
    char *b = malloc(len + 1);
    size_t kl = strlen(key);
    for (size_t i = 0; i < len; i++)
        b[i] = i % (kl + 1) == kl ? ':' : key[i % (kl + 1)];
    b[len] = '\0';
    return b;
}

static bool body_ok(const struct cache_entry *e, const char *key, size_t want_len)
{
    size_t len;
    const char *d = cache_entry_data(e, &len);
    char *expect;
    bool ok;

    if (len != want_len)
        return false;
    expect = body_for(key, len);
    ok = memcmp(d, expect, len) == 0;
    free(expect);
    return ok;
}

static struct cache_entry *put(const char *key, size_t len)
{
    return cache_put(key, body_for(key, len), len, "text/html", 1000);
}

static int setup_big(void **state)
{
    (void)state;
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        atomic_store(&counted[i], 0);
    return cache_init(1 << 20);
}

static int setup_small(void **state)
{
    (void)state;
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        atomic_store(&counted[i], 0);
    return cache_init(8 * 1024);
}

static int teardown(void **state)
{
    (void)state;
    cache_destroy();
    return 0;
}

/* --- single-threaded --------------------------------------------------- */

static void test_cache_miss_then_hit(void **state)
{
    struct cache_entry *e;
    size_t n, bytes;

    assert_null(cache_get("/a"));
    CONTRACT_EQ(atomic_load(&counted[STATS_MISS]), 1);
    e = put("/a", 100);
    assert_non_null(e);
    assert_true(body_ok(e, "/a", 100));
    assert_string_equal(cache_entry_content_type(e), "text/html");
    CONTRACT_EQ(cache_entry_loaded_at(e), 1000);
    cache_release(e);
    e = cache_get("/a");
    assert_non_null(e);
    assert_true(body_ok(e, "/a", 100));
    CONTRACT_EQ(atomic_load(&counted[STATS_HIT]), 1);
    cache_release(e);
    cache_usage(&n, &bytes);
    CONTRACT_EQ(n, 1);
    assert_true(bytes >= 100);
}

/* Two workers filling the same file end with one entry: the second put
 * gets the first entry back and its DATA is freed. */
static void test_cache_put_existing_keeps_first(void **state)
{
    struct cache_entry *a = put("/same", 50), *b;
    size_t n, bytes;

    cache_release(a);
    b = cache_put("/same", body_for("/other", 70), 70, "text/plain", 2000);
    assert_non_null(b);
    assert_true(body_ok(b, "/same", 50));
    assert_string_equal(cache_entry_content_type(b), "text/html");
    cache_release(b);
    cache_usage(&n, &bytes);
    CONTRACT_EQ(n, 1);
}

static void test_cache_too_large_is_refused(void **state)
{
    assert_null(put("/huge", 9 * 1024));
    size_t n, bytes;
    cache_usage(&n, &bytes);
    CONTRACT_EQ(n, 0);
}

static void test_cache_evicts_within_budget(void **state)
{
    char key[32];
    size_t n, bytes;

    for (int i = 0; i < 64; i++) {
        snprintf(key, sizeof key, "/f/%d", i);
        struct cache_entry *e = put(key, 1000);
        assert_non_null(e);
        cache_release(e);
        cache_usage(&n, &bytes);
        assert_true(bytes <= 8 * 1024);
    }
    assert_true(atomic_load(&counted[STATS_EVICTION]) >= 64 - 8);
    /* LRU: the newest is still there, the oldest is gone. */
    struct cache_entry *e = cache_get("/f/63");
    assert_non_null(e);
    cache_release(e);
    assert_null(cache_get("/f/0"));
}

/* An entry evicted while a caller holds a reference stays readable. */
static void test_cache_reference_outlives_eviction(void **state)
{
    char key[32];
    struct cache_entry *held = put("/held", 2000);

    for (int i = 0; i < 32; i++) {
        snprintf(key, sizeof key, "/g/%d", i);
        cache_release(put(key, 2000));
    }
    assert_null(cache_get("/held"));
    assert_true(body_ok(held, "/held", 2000));
    cache_release(held);
}

static void test_cache_invalidate(void **state)
{
    cache_release(put("/x", 10));
    cache_invalidate("/x");
    cache_invalidate("/never-there");
    assert_null(cache_get("/x"));
    size_t n, bytes;
    cache_usage(&n, &bytes);
    CONTRACT_EQ(n, 0);
}

/* --- multi-threaded ---------------------------------------------------- */

#define WORKERS 4
#define ROUNDS 20000
#define KEYS 64

struct worker {
    unsigned seed;
    long bad;
};

/* What a server worker does: get, or fill on a miss, read, release. */
static void *worker(void *arg)
{
    struct worker *w = arg;
    char key[32];
    for (int i = 0; i < ROUNDS; i++) {
        int k = (int)(rand_r(&w->seed) % KEYS);
        snprintf(key, sizeof key, "/k/%d", k);
        struct cache_entry *e = cache_get(key);
        if (e == NULL)
            e = put(key, 500 + (size_t)k * 10);
        if (e == NULL)
            continue;
        if (!body_ok(e, key, 500 + (size_t)k * 10))
            w->bad++;
        cache_release(e);
        if (i % 1000 == 0)
            cache_invalidate(key);
    }
    return NULL;
}

static void test_cache_concurrent_workers(void **state)
{
    struct worker w[WORKERS];
    size_t n, bytes;

    for (int i = 0; i < WORKERS; i++)
        w[i] = (struct worker){.seed = (unsigned)i * 7919u + 1};
    contract_run_threads(WORKERS, worker, w, sizeof w[0]);
    for (int i = 0; i < WORKERS; i++)
        CONTRACT_EQ(w[i].bad, 0);
    cache_usage(&n, &bytes);
    assert_true(bytes <= 8 * 1024);
    assert_true(n <= KEYS);
}

/* Every worker misses the same keys at once and fills them: one entry per
 * key in the end. */
static pthread_barrier_t fill_barrier;

static void *filler(void *arg)
{
    char key[32];
    (void)arg;
    for (int k = 0; k < 200; k++) {
        snprintf(key, sizeof key, "/fill/%d", k);
        pthread_barrier_wait(&fill_barrier);
        struct cache_entry *e = cache_get(key);
        if (e == NULL)
            e = put(key, 100);
        if (e != NULL)
            cache_release(e);
    }
    return NULL;
}

static void test_cache_concurrent_fill_one_entry_per_key(void **state)
{
    char dummy[WORKERS];
    size_t n, bytes;

    pthread_barrier_init(&fill_barrier, NULL, WORKERS);
    contract_run_threads(WORKERS, filler, dummy, 1);
    pthread_barrier_destroy(&fill_barrier);
    cache_usage(&n, &bytes);
    CONTRACT_EQ(n, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cache_miss_then_hit, setup_big, teardown),
        cmocka_unit_test_setup_teardown(test_cache_put_existing_keeps_first, setup_big, teardown),
        cmocka_unit_test_setup_teardown(test_cache_too_large_is_refused, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_cache_evicts_within_budget, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_cache_reference_outlives_eviction, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_cache_invalidate, setup_big, teardown),
        cmocka_unit_test_setup_teardown(test_cache_concurrent_workers, setup_small, teardown),
        cmocka_unit_test_setup_teardown(test_cache_concurrent_fill_one_entry_per_key, setup_big, teardown),
    };
    contract_watchdog(180);
    return cmocka_run_group_tests_name("contract_cache", tests, NULL, NULL);
}
