/* baseline_file.h - the baseline a person reviews: one race per line,
 * sorted, repository-relative, no run data (docs/CI.md "Baselines").
 *
 *   {"racelab_baseline": 2, "fingerprint_depth": 1, "cells": [
 *   {"scenario": "memcached", "variant": null, "tool": "tsan", "races": [
 *   {"fingerprint":"3f2a9c0d4e5b6a71","kind":"data-race","sites":
 *    ["cache_get@src/cache.c(W)","stats_dump@src/stats.c(R)"],
 *    "first_seen":"2026-12-02"}
 *   ]}]}
 *
 * (each race on one line in the file).
 * A site is a racing access's innermost program frame(s) (finding_sites)
 * with its path relative to the source root; the fingerprint is what the
 * gate compares.  A results file (the old format: a whole --json) is
 * still read, its findings taken as the baseline. */
#ifndef RACELAB_BASELINE_FILE_H
#define RACELAB_BASELINE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include "result.h"

/* Reads PATH (a baseline, or an old results file) into cells whose
 * findings carry the fingerprints, kinds and sites (as one-frame stacks),
 * for cell_apply_baseline().  *OLD_FORMAT tells a results file.  A
 * baseline written with another --fingerprint-depth than the current one
 * is an error.  0, or -1 with ERR naming the file. */
int baseline_file_read(const char *path, struct cell_result **cells,
                       size_t *n, bool *old_format, char *err, size_t errlen);

/* Writes the unique findings of CELLS as a baseline to PATH, with paths
 * relative to ROOT (NULL: the SARIF source root).  With MERGE_WITH (an
 * existing baseline or results file, may be PATH itself): its entries are
 * kept, with their first_seen, and the new ones added.  *NRACES gets the
 * entries written.  0, or -1 with ERR. */
int baseline_file_write(const char *path, const struct cell_result *cells,
                        size_t n, const char *merge_with, const char *root,
                        size_t *nraces, char *err, size_t errlen);

#endif
