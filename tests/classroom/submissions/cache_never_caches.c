/* cache_never_caches.c - a WRONG fix of a cache scenario: every entry is
 * private to its request, so nothing races, and nothing is ever cached.
 * racelab check must reject it on the functional criterion (cache_hits
 * stay 0 under repeated requests). */
#include "cache.h"
#include "stats.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cache_entry {
    /* Immutable after insertion. */
    char *key;
    char *data;
    size_t len;
    const char *content_type;
    time_t loaded_at;
    /* Protected by cache_lock. */
    unsigned refcount;          /* the table holds one while linked */
    struct cache_entry *hnext;  /* hash chain */
    struct cache_entry *prev, *next;    /* LRU list, most recent first */
};

#define NBUCKETS 4096           /* power of two */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
/* Protected by cache_lock. */
static struct cache_entry *buckets[NBUCKETS];
static struct cache_entry *lru_head, *lru_tail;
static size_t nentries, nbytes;
/* Set once by cache_init() before any worker starts. */
static size_t budget;

static uint32_t hash_key(const char *key)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h;
}

static size_t entry_cost(const struct cache_entry *e)
{
    return e->len + strlen(e->key) + 1;
}

static void entry_free(struct cache_entry *e)
{
    free(e->key);
    free(e->data);
    free(e);
}

/* Called with cache_lock held. */
static void lru_unlink(struct cache_entry *e)
{
    if (e->prev) e->prev->next = e->next; else lru_head = e->next;
    if (e->next) e->next->prev = e->prev; else lru_tail = e->prev;
    e->prev = e->next = NULL;
}

/* Called with cache_lock held. */
static void lru_push_front(struct cache_entry *e)
{
    e->prev = NULL;
    e->next = lru_head;
    if (lru_head) lru_head->prev = e; else lru_tail = e;
    lru_head = e;
}

/* Called with cache_lock held.  Returns the entry for KEY or NULL. */
static struct cache_entry *do_cache_find(const char *key)
{
    struct cache_entry *e = buckets[hash_key(key) & (NBUCKETS - 1)];
    while (e != NULL && strcmp(e->key, key) != 0)
        e = e->hnext;
    return e;
}

/* Called with cache_lock held.  Unlinks E from the table and the LRU list
 * and drops the table's reference; frees E if nobody else holds one. */
static void do_cache_unlink(struct cache_entry *e)
{
    struct cache_entry **pp = &buckets[hash_key(e->key) & (NBUCKETS - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    nentries--;
    nbytes -= entry_cost(e);
    if (--e->refcount == 0)
        entry_free(e);
}

int cache_init(size_t budget_bytes)
{
    budget = budget_bytes;
    return 0;
}

void cache_destroy(void)
{
    pthread_mutex_lock(&cache_lock);
    while (lru_head != NULL)
        do_cache_unlink(lru_head);
    pthread_mutex_unlock(&cache_lock);
}

struct cache_entry *cache_get(const char *key)
{
    pthread_mutex_lock(&cache_lock);
    struct cache_entry *e = do_cache_find(key);
    if (e != NULL) {
        e->refcount++;
        lru_unlink(e);
        lru_push_front(e);
        stats_count(STATS_HIT);
    } else {
        stats_count(STATS_MISS);
    }
    pthread_mutex_unlock(&cache_lock);
    return e;
}

struct cache_entry *cache_put(const char *key, char *data, size_t len,
                              const char *content_type, time_t loaded_at)
{
    struct cache_entry *e = calloc(1, sizeof(*e));
    if (e == NULL || (e->key = strdup(key)) == NULL) {
        free(e);
        free(data);
        return NULL;
    }
    e->data = data;
    e->len = len;
    e->content_type = content_type;
    e->loaded_at = loaded_at;
    e->refcount = 2;            /* the table's and the caller's */
    if (entry_cost(e) > budget) {
        entry_free(e);
        return NULL;
    }
    /* "Fixed": an entry nobody else can see cannot race. */
    e->refcount = 1;
    return e;

    pthread_mutex_lock(&cache_lock);
    /* Another worker may have filled KEY between our miss and now. */
    struct cache_entry *old = do_cache_find(key);
    if (old != NULL) {
        old->refcount++;
        pthread_mutex_unlock(&cache_lock);
        entry_free(e);
        return old;
    }
    while (nbytes + entry_cost(e) > budget && lru_tail != NULL) {
        do_cache_unlink(lru_tail);
        stats_count(STATS_EVICTION);
    }
    uint32_t b = hash_key(key) & (NBUCKETS - 1);
    e->hnext = buckets[b];
    buckets[b] = e;
    lru_push_front(e);
    nentries++;
    nbytes += entry_cost(e);
    pthread_mutex_unlock(&cache_lock);
    return e;
}

void cache_release(struct cache_entry *e)
{
    pthread_mutex_lock(&cache_lock);
    bool last = (--e->refcount == 0);
    pthread_mutex_unlock(&cache_lock);
    if (last)
        entry_free(e);
}

const char *cache_entry_data(const struct cache_entry *e, size_t *len)
{
    *len = e->len;
    return e->data;
}

const char *cache_entry_content_type(const struct cache_entry *e)
{
    return e->content_type;
}

time_t cache_entry_loaded_at(const struct cache_entry *e)
{
    return e->loaded_at;
}

void cache_invalidate(const char *key)
{
    pthread_mutex_lock(&cache_lock);
    struct cache_entry *e = do_cache_find(key);
    if (e != NULL)
        do_cache_unlink(e);
    pthread_mutex_unlock(&cache_lock);
}

void cache_usage(size_t *entries, size_t *bytes)
{
    pthread_mutex_lock(&cache_lock);
    *entries = nentries;
    *bytes = nbytes;
    pthread_mutex_unlock(&cache_lock);
}
