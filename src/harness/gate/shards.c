/* shards.c - does a merge have every shard of each cell, once? */
#include "shards.h"
#include "harness_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One cell of one input that was a shard, or a copy of one that was
 * dropped (doubled). */
struct shard_seen {
    char *key;                  /* scenario/variant/tool */
    struct cell_shard s;
    const char *file;
    bool doubled;
};

static char *cell_key(const struct cell_result *c)
{
    return xasprintf("%s/%s/%s", c->scenario ? c->scenario : "",
                     c->variant ? c->variant : "-", c->tool ? c->tool : "");
}

void shard_ledger_init(struct shard_ledger *l)
{
    l->v = NULL;
    l->n = 0;
}

void shard_ledger_free(struct shard_ledger *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].key);
    free(l->v);
    shard_ledger_init(l);
}

static const struct shard_seen *find(const struct shard_ledger *l,
                                     const char *key, long index)
{
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].doubled && l->v[i].s.index == index &&
            strcmp(l->v[i].key, key) == 0)
            return &l->v[i];
    return NULL;
}

size_t shard_ledger_add(struct shard_ledger *l, struct cell_result *cells,
                        size_t n, const char *file)
{
    size_t kept = 0;

    for (size_t i = 0; i < n; i++) {
        struct cell_result *c = &cells[i];
        struct shard_seen *e;

        if (c->shard.total <= 0) {
            cells[kept++] = *c;
            continue;
        }
        l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
        e = &l->v[l->n];
        e->key = cell_key(c);
        e->s = c->shard;
        e->file = file;
        e->doubled = find(l, e->key, c->shard.index) != NULL;
        l->n++;
        if (e->doubled)
            cell_result_free(c);
        else
            cells[kept++] = *c;
    }
    return kept;
}

char *shard_ledger_problems(const struct shard_ledger *l,
                            const struct cell_result *c, bool *fatal)
{
    char *key = cell_key(c);
    const struct shard_seen *first = NULL;
    struct strbuf b;

    sb_init(&b);
    *fatal = false;
    for (size_t i = 0; i < l->n; i++) {
        const struct shard_seen *e = &l->v[i];

        if (strcmp(e->key, key) != 0)
            continue;
        if (!first)
            first = e;
        if (e->s.total != first->s.total || e->s.seed_base != first->s.seed_base ||
            e->s.runs_total != first->s.runs_total) {
            sb_list_printf(&b, "; ", "%s holds shard %ld/%ld of %zu runs from seed "
                           "%lu, %s shard %ld/%ld of %zu runs from seed %lu: not "
                           "one gate's shards", first->file, first->s.index,
                           first->s.total, first->s.runs_total, first->s.seed_base,
                           e->file, e->s.index, e->s.total, e->s.runs_total,
                           e->s.seed_base);
            *fatal = true;
        } else if (e->doubled) {
            sb_list_printf(&b, "; ", "shard %ld/%ld given twice (%s and %s)",
                           e->s.index, e->s.total, find(l, key, e->s.index)->file,
                           e->file);
        }
    }
    /* a shard with no runs (I > runs_total) writes no cell: not missing */
    for (long i = 1; first && !*fatal && i <= first->s.total &&
                     (size_t)i <= first->s.runs_total; i++)
        if (!find(l, key, i))
            sb_list_printf(&b, "; ", "shard %ld/%ld missing", i, first->s.total);
    free(key);
    if (!b.len) {
        sb_free(&b);
        return NULL;
    }
    return sb_steal(&b);
}
