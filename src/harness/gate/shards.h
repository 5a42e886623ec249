/* shards.h - what `racelab merge` knows of its inputs' shards: each cell
 * of a `stress --shard I/N` JSON says which share of the runs it holds
 * (struct cell_shard); the ledger collects them over the inputs and says
 * which shard of a cell is missing, given twice, or disagrees. */
#ifndef RACELAB_SHARDS_H
#define RACELAB_SHARDS_H

#include <stdbool.h>
#include <stddef.h>
#include "report/result.h"

struct shard_seen;

struct shard_ledger {
    struct shard_seen *v;
    size_t n;
};

void shard_ledger_init(struct shard_ledger *l);
void shard_ledger_free(struct shard_ledger *l);

/* Records the shards of CELLS (N, just read from FILE) and drops from
 * them (freed, the rest moved up) those whose shard was seen already: a
 * shard given twice must not count its runs twice; each drop is a problem
 * of that cell.  Cells that are no shard stay.  Returns the cells kept. */
size_t shard_ledger_add(struct shard_ledger *l, struct cell_result *cells,
                      size_t n, const char *file);

/* After every input: the problems of the merged cell C ("shard 3/3
 * missing; shard 2/3 given twice (b.json)"), or NULL; *FATAL when the
 * shards cannot belong to one gate (different N, seed base or runs), which
 * no --allow-partial excuses.  The string is the caller's to free. */
char *shard_ledger_problems(const struct shard_ledger *l,
                            const struct cell_result *c, bool *fatal);

#endif
