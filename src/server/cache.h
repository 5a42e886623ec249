/* cache.h - the shared response cache: file bodies by URL path, in a hash
 * table with LRU eviction inside a byte budget.
 *
 * Every worker thread calls into the cache concurrently.  An entry handed
 * out by cache_get() or cache_put() carries a reference; the caller may use
 * its data without any lock until it calls cache_release().  Entries are
 * immutable once inserted, so readers need no lock to read them.
 *
 * LOCK ORDER: cache_lock -> stats_lock.  The cache reports hits, misses and
 * evictions to the stats module while holding cache_lock.
 * (see docs/LOCKING.md)
 */
#ifndef RACELAB_CACHE_H
#define RACELAB_CACHE_H

#include <stddef.h>
#include <time.h>

struct cache_entry;   /* opaque: each cache module defines its own */

/* Sets the byte budget (body bytes plus keys).  Called once, before any
 * worker starts.  Returns 0, or -1 on allocation failure. */
int cache_init(size_t budget_bytes);

/* Frees every entry.  Called once, after every worker has stopped. */
void cache_destroy(void);

/* Looks KEY up.  On a hit, counts STATS_HIT, moves the entry to the front
 * of the LRU list and returns it with a reference held.  On a miss counts
 * STATS_MISS and returns NULL. */
struct cache_entry *cache_get(const char *key);

/* Inserts a copy of KEY with DATA (ownership of the malloc'd DATA passes
 * to the cache) and evicts least recently used entries until the budget
 * holds, counting STATS_EVICTION for each.  If KEY is already present the
 * existing entry is kept and DATA freed, so that two workers filling the
 * same file end with one entry.  Returns the entry now cached under KEY
 * with a reference held, or NULL if DATA alone exceeds the budget (DATA is
 * then freed too). */
struct cache_entry *cache_put(const char *key, char *data, size_t len,
                              const char *content_type, time_t loaded_at);

/* Drops a reference taken by cache_get() or cache_put(). */
void cache_release(struct cache_entry *e);

/* Read-only views of an entry the caller holds a reference to. */
const char *cache_entry_data(const struct cache_entry *e, size_t *len);
const char *cache_entry_content_type(const struct cache_entry *e);
time_t cache_entry_loaded_at(const struct cache_entry *e);

/* Removes KEY if present (a stale entry).  No-op otherwise. */
void cache_invalidate(const char *key);

/* Current number of entries and bytes; takes cache_lock. */
void cache_usage(size_t *entries, size_t *bytes);

#endif
